"""Parameters as one flat vector and back: ``parameters_to_vector``, ``vector_to_parameters``.

Useful for methods that see the model as a point in R^n (line searches, evolution strategies,
weight averaging), as ``torch.nn.utils``.
"""

from ember.ops import cat
from ember.tensor.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _as_list(parameters):
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _check_one_device(params, fn):
    devices = {p.device for p in params}
    if len(devices) > 1:
        raise TypeError(f"{fn}: found parameters on different devices "
                        f"({', '.join(sorted(str(d) for d in devices))}), which is not supported; "
                        "move the model to one device first with model.to(device)")


def parameters_to_vector(parameters):
    """Flatten ``parameters`` into one 1-d tensor, in order (differentiable, as PyTorch's).

    Args:
        parameters: a Tensor or an iterable of Tensors, e.g. ``model.parameters()``.

    >>> ps = [ember.ones(2, 2), ember.zeros(3)]
    >>> ember.nn.utils.parameters_to_vector(ps)
    tensor([1., 1., 1., 1., 0., 0., 0.])
    """
    params = _as_list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: no parameters were given (is the model empty, or "
                         "was the parameters() generator already consumed?)")
    _check_one_device(params, "parameters_to_vector")
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Make each parameter a slice of ``vec``, in order (the inverse of ``parameters_to_vector``).

    As in PyTorch, each parameter's ``.data`` becomes a view of ``vec``: they share memory
    afterwards, and no graph is recorded.

    Args:
        vec: a 1-d Tensor with exactly as many elements as the parameters together.
        parameters: a Tensor or an iterable of Tensors, e.g. ``model.parameters()``.

    >>> ps = [ember.zeros(2, 2), ember.zeros(3)]
    >>> ember.nn.utils.vector_to_parameters(ember.arange(7.0), ps)
    >>> ps[0]
    tensor([[0., 1.],
            [2., 3.]])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be an ember Tensor, got "
                        f"{type(vec).__name__}")
    params = _as_list(parameters)
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-d, got shape {tuple(vec.shape)}; "
                         "flatten it with vec.reshape(-1)")
    total = sum(p.numel() for p in params)
    if total != vec.numel():
        shapes = ", ".join(str(tuple(p.shape)) for p in params)
        raise ValueError(f"vector_to_parameters: vec has {vec.numel()} elements but the parameters "
                         f"have {total} together (shapes {shapes}); the vector must come from "
                         "parameters_to_vector of the same model")
    _check_one_device(params + [vec], "vector_to_parameters")
    pointer = 0
    for p in params:
        n = p.numel()
        p.data = vec[pointer:pointer + n].reshape(p.shape).data
        pointer += n
