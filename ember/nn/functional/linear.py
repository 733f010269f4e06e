"""Affine maps: ``linear`` (``x @ W.T + b``, the hot path of every MLP) and ``bilinear``."""


from ember.autograd.function import Primitive
from ember.ops._util import check_same_device, shape_str, sum_array_to_shape, sum_to_shape
from ember.ops.linalg import matmul_arrays
from ember.tensor.tensor import Tensor

__all__ = ["linear", "bilinear"]


class Linear(Primitive):
    """``y = x @ W.T + b`` as one node: one GEMM, the bias added in place into the fresh output.

    Leading dimensions of ``x`` are flattened into one, so every product is a single 2-D BLAS
    call (NumPy would loop over a batch of small matrices otherwise).
    """

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.bias_shape = None if b is None else b.shape
        y = matmul_arrays(x if x.ndim == 2 else x.reshape(-1, x.shape[-1]), w.T)
        if x.ndim != 2:
            y = y.reshape(x.shape[:-1] + (w.shape[0],))
        if b is not None:
            y += b
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        needs = ctx.needs_input_grad[:3]
        grads = LinearGrad.apply(gy, x, w, ctx.bias_shape, needs)
        it = iter(grads if isinstance(grads, tuple) else (grads,))
        return tuple(next(it) if need else None for need in needs)


class LinearGrad(Primitive):
    """The gradients of ``y = x @ W.T + b`` in one op: ``gx = gy @ W``, ``gW = gy.T @ x`` and
    ``gb = gy`` summed to the bias's shape, only those in ``needs``; its own backward (written
    with ember ops) gives the second derivatives.
    """

    @staticmethod
    def forward(ctx, gy, x, w, bias_shape, needs):
        ctx.save_for_backward(gy, x, w)
        ctx.bias_shape, ctx.needs = bias_shape, needs
        out_features, in_features = w.shape
        gy2 = gy if gy.ndim == 2 else gy.reshape(-1, out_features)
        grads = []
        if needs[0]:
            gx = gy2 @ w
            grads.append(gx if gx.shape == x.shape else gx.reshape(x.shape))
        if needs[1]:
            grads.append(gy2.T @ (x if x.ndim == 2 else x.reshape(-1, in_features)))
        if needs[2]:
            grads.append(sum_array_to_shape(gy2, bias_shape))
        return tuple(grads) if len(grads) > 1 else grads[0]

    @staticmethod
    def backward(ctx, *ggs):
        gy, x, w = ctx.saved_tensors
        out_features, in_features = w.shape
        gy2 = gy if gy.ndim == 2 else gy.reshape(-1, out_features)
        x2 = x if x.ndim == 2 else x.reshape(-1, in_features)
        ggx, ggw, ggb = (next(it) if need else None for it in [iter(ggs)] for need in ctx.needs)
        g_gy = g_x = g_w = None
        if ggx is not None:  # gx = gy @ W
            ggx2 = ggx if ggx.ndim == 2 else ggx.reshape(-1, in_features)
            g_gy = ggx2 @ w.mT
            g_w = gy2.mT @ ggx2
        if ggw is not None:  # gW = gy.T @ x
            term = x2 @ ggw.mT
            g_gy = term if g_gy is None else g_gy + term
            g_x = gy2 @ ggw
        if ggb is not None:  # gb = gy summed over the rows
            term = ggb.reshape(-1).expand(gy2.shape)
            g_gy = term if g_gy is None else g_gy + term
        if g_gy is not None and g_gy.shape != gy.shape:
            g_gy = g_gy.reshape(gy.shape)
        if g_x is not None and g_x.shape != x.shape:
            g_x = g_x.reshape(x.shape)
        return g_gy, g_x, g_w, None, None


def _check_tensor(op, name, t):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}; make one with "
                        "ember.tensor(data)")


def _check_dtype(op, name, t, weight):
    if t._data.dtype != weight._data.dtype:
        raise RuntimeError(f"{op}: {name} has dtype {t.dtype} but the weight has {weight.dtype}; "
                           f"they must match: convert the input (x.to({weight.dtype})) or the layer "
                           f"(layer.to({t.dtype}))")


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``: the affine map of ``nn.Linear``.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)``.
        bias: ``(out_features,)`` (or anything that broadcasts to the output), or None.

    Returns:
        ``(*, out_features)``.

    >>> F.linear(ember.ones(2, 3), ember.ones(4, 3), ember.zeros(4)).shape
    (2, 4)
    """
    _check_tensor("linear", "input", input)
    _check_tensor("linear", "weight", weight)
    if weight.ndim != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                           f"{shape_str(weight.shape)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"linear: input of shape {shape_str(input.shape)} must have "
                           f"{weight.shape[1]} features in its last dimension to match the weight "
                           f"of shape {shape_str(weight.shape)} (out_features, in_features)")
    _check_dtype("linear", "the input", input, weight)
    check_same_device("linear", input._data, weight._data)
    if bias is not None:
        _check_tensor("linear", "bias", bias)
        _check_dtype("linear", "the bias", bias, weight)
        check_same_device("linear", bias._data, weight._data)
        out_shape = input.shape[:-1] + (weight.shape[0],)
        if bias.ndim > 1 or (bias.ndim == 1 and bias.shape[0] not in (1, weight.shape[0])):
            raise RuntimeError(f"linear: bias of shape {shape_str(bias.shape)} does not match the "
                               f"output of shape {shape_str(out_shape)}; it must be "
                               f"({weight.shape[0]},)")
    return Linear.apply(input, weight, bias)


class Bilinear(Primitive):
    """``y[n, o] = x1[n] @ W[o] @ x2[n] + b[o]`` on 2-D inputs, through one GEMM.

    ``x1 @ W`` (W seen as (in1, out * in2)) is one matrix product; multiplying by ``x2`` and
    summing over ``in2`` finishes each output.
    """

    @staticmethod
    def forward(ctx, x1, x2, w, b):
        ctx.save_for_backward(x1, x2, w)
        ctx.bias_shape = None if b is None else b.shape
        out, in1, in2 = w.shape
        t = (x1 @ w.transpose(1, 0, 2).reshape(in1, out * in2)).reshape(-1, out, in2)
        y = (t * x2[:, None, :]).sum(-1)
        if b is not None:
            y += b
        return y

    @staticmethod
    def backward(ctx, gy):
        from ember.ops.einsum import einsum

        x1, x2, w = ctx.saved_tensors
        edges = ctx._edges
        g1 = g2 = gw = gb = None
        if edges[0] is not None:
            g1 = einsum("no,oij,nj->ni", gy, w, x2)
        if edges[1] is not None:
            g2 = einsum("no,oij,ni->nj", gy, w, x1)
        if edges[2] is not None:
            gw = einsum("no,ni,nj->oij", gy, x1, x2)
        if edges[3] is not None:
            gb = sum_to_shape(gy, ctx.bias_shape)
        return g1, g2, gw, gb


def bilinear(input1, input2, weight, bias=None):
    """``y = x1^T W x2 + b`` for each output feature: the map of ``nn.Bilinear``.

    Args:
        input1: ``(*, in1_features)``.
        input2: ``(*, in2_features)``, the same leading dimensions.
        weight: ``(out_features, in1_features, in2_features)``.
        bias: ``(out_features,)`` or None.

    Returns:
        ``(*, out_features)``.

    >>> F.bilinear(ember.ones(2, 3), ember.ones(2, 5), ember.ones(4, 3, 5)).shape
    (2, 4)
    """
    for name, t in (("input1", input1), ("input2", input2), ("weight", weight)):
        _check_tensor("bilinear", name, t)
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear: weight must be 3-D (out_features, in1_features, "
                           f"in2_features), got shape {shape_str(weight.shape)}")
    out, in1, in2 = weight.shape
    if (input1.ndim == 0 or input2.ndim == 0 or input1.shape[-1] != in1 or input2.shape[-1] != in2
            or input1.shape[:-1] != input2.shape[:-1]):
        raise RuntimeError(f"bilinear: inputs of shapes {shape_str(input1.shape)} and "
                           f"{shape_str(input2.shape)} don't match the weight of shape "
                           f"{shape_str(weight.shape)}: expected (*, {in1}) and (*, {in2}) with the "
                           "same leading dimensions")
    _check_dtype("bilinear", "input1", input1, weight)
    _check_dtype("bilinear", "input2", input2, weight)
    if bias is not None:
        _check_tensor("bilinear", "bias", bias)
        _check_dtype("bilinear", "the bias", bias, weight)
        if bias.shape != (out,):
            raise RuntimeError(f"bilinear: bias of shape {shape_str(bias.shape)} must have shape "
                               f"({out},)")
    lead = input1.shape[:-1]
    x1 = input1.reshape((-1, in1)) if input1.ndim != 2 else input1
    x2 = input2.reshape((-1, in2)) if input2.ndim != 2 else input2
    y = Bilinear.apply(x1, x2, weight, bias)
    return y.reshape(lead + (out,)) if input1.ndim != 2 else y
