"""Affine layers: Identity, Linear and Bilinear."""

import math

from ember.autograd import grad_mode
from ember.nn.functional.linear import bilinear, linear
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.ops._util import shape_str
from ember.tensor import factories
from ember.tensor.tensor import Tensor

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored (a placeholder layer).

    >>> nn.Identity(54, unused="argument")(ember.ones(2)).tolist()
    [1.0, 1.0]
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


def _check_input(layer, input, features, what="input"):
    """Raise an error naming ``layer`` unless ``input`` is a tensor of shape ``(*, features)``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{layer} expects a Tensor, got {type(input).__name__}; make one with "
                        "ember.tensor(data)")
    if input.ndim and input.shape[-1] == features:
        return
    hint = "check in_features against the size of the previous layer's output"
    if input.ndim > 2 and math.prod(input.shape[1:]) == features:
        hint = "flatten the input first (nn.Flatten)"
    elif input.ndim == 0:
        hint = "a 0-d tensor has no feature dimension"
    raise RuntimeError(f"{layer} expects {what} of shape (*, {features}), got "
                       f"{shape_str(input.shape)}: {hint}")


def _check_dtype(layer, input, weight):
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(f"{layer} has {weight.dtype} parameters but got an input of dtype "
                           f"{input.dtype} (shape {shape_str(input.shape)}): convert the input "
                           f"(x.to({weight.dtype})) or the layer (layer.to({input.dtype}))")


class Linear(Module):
    """Affine map ``y = x @ weight.T + bias``.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias (default True).
        device, dtype: where and in which dtype to create the parameters.

    Shapes: input ``(*, in_features)``, output ``(*, out_features)``.

    Parameters: ``weight`` of shape ``(out_features, in_features)`` and ``bias`` of shape
    ``(out_features,)``, both initialised ~ U(-1/sqrt(in_features), 1/sqrt(in_features)) as in
    PyTorch.

    >>> layer = nn.Linear(20, 30)
    >>> layer(ember.randn(128, 20)).shape
    (128, 30)
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(factories.empty((out_features, in_features), dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(factories.empty((out_features,), dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw weight and bias ~ U(-1/sqrt(in_features), 1/sqrt(in_features))."""
        bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        with grad_mode.no_grad():
            self.weight.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound)

    def forward(self, input):
        weight = self.weight
        if not isinstance(input, Tensor) or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
            _check_input(self._describe(), input, weight.shape[1])
        if input._data.dtype != weight._data.dtype:
            _check_dtype(self._describe(), input, weight)
        return linear(input, weight, self.bias)

    def _describe(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features})"

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, " \
               f"bias={self.bias is not None}"


class Bilinear(Module):
    """Bilinear map ``y = x1^T A x2 + b`` of two inputs, one matrix ``A`` per output feature.

    Args:
        in1_features, in2_features: sizes of each sample of the two inputs.
        out_features: size of each output sample.
        bias: learn an additive bias (default True).

    Shapes: inputs ``(*, in1_features)`` and ``(*, in2_features)``, output ``(*, out_features)``.

    Parameters: ``weight`` of shape ``(out_features, in1_features, in2_features)`` and ``bias`` of
    shape ``(out_features,)``, both initialised ~ U(-1/sqrt(in1_features), 1/sqrt(in1_features)).

    >>> nn.Bilinear(20, 30, 40)(ember.randn(128, 20), ember.randn(128, 30)).shape
    (128, 40)
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(factories.empty((out_features, in1_features, in2_features),
                                                dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(factories.empty((out_features,), dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw weight and bias ~ U(-1/sqrt(in1_features), 1/sqrt(in1_features))."""
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] > 0 else 0.0
        with grad_mode.no_grad():
            self.weight.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound)

    def forward(self, input1, input2):
        name = (f"Bilinear(in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features})")
        _check_input(name, input1, self.in1_features, "input1")
        _check_input(name, input2, self.in2_features, "input2")
        if input1.shape[:-1] != input2.shape[:-1]:
            raise RuntimeError(f"{name} expects inputs with the same leading dimensions, got "
                               f"{shape_str(input1.shape)} and {shape_str(input2.shape)}")
        for x in (input1, input2):
            _check_dtype(name, x, self.weight)
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
