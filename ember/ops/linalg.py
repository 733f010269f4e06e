"""Matrix products: matmul (``@``), mm, bmm, outer, dot, addmm."""

import numpy as np

from ember.autograd.function import Primitive
from ember.ops._util import check_same_device, grad_for, shape_str

__all__ = ["matmul", "mm", "bmm", "outer", "dot", "addmm"]


def matmul_arrays(a, b):
    """``a @ b`` on arrays. When ``b`` is a transposed matrix (``W.T``: ``x @ W.T`` in a linear
    layer, ``g @ W.T`` in a gradient), OpenBLAS runs the product up to 2x slower than the same
    product taken the other way round for small batches and wide inputs (16x784 by 784x512:
    0.29 ms against 0.16 ms, the copy back to row-major order included)."""
    if (type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2 and 1 < a.shape[0] <= 128
            and a.shape[1] >= 512 and b.flags.f_contiguous and not b.flags.c_contiguous):
        return np.ascontiguousarray((b.T @ a.T).T)
    return a @ b


class MatMul(Primitive):
    """``a @ b`` with NumPy's rules: vectors are promoted, batch dimensions broadcast."""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                               f"{shape_str(a.shape)} and {shape_str(b.shape)}; use * for scalars")
        ka = a.shape[-1]
        kb = b.shape[-2] if b.ndim > 1 else b.shape[0]
        if ka != kb:
            raise RuntimeError(
                f"matmul: shapes {shape_str(a.shape)} and {shape_str(b.shape)} cannot be multiplied: "
                f"the last dimension of the first ({ka}) must equal the "
                f"{'second-to-last' if b.ndim > 1 else 'only'} dimension of the second ({kb}). "
                f"Check the layer sizes, or transpose one of them (b.T / b.mT).")
        if a.dtype != b.dtype:
            check_same_device("matmul", a, b)
            raise RuntimeError(f"matmul: both inputs must have the same dtype, got {a.dtype} "
                               f"{shape_str(a.shape)} and {b.dtype} {shape_str(b.shape)}; convert one "
                               "first, e.g. x.float() or w.to(x.dtype)")
        ctx.save_for_backward(a, b)
        return matmul_arrays(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        edges = ctx._edges
        if a.ndim == 2 and b.ndim == 2:  # the common case, in one op on arrays
            needs = (edges[0] is not None, edges[1] is not None)
            grads = MatMulGrad.apply(gy, a, b, needs)
            return grads if needs == (True, True) else (grads, None) if needs[0] else (None, grads)
        ga = gb = None
        a_vec, b_vec = a.ndim == 1, b.ndim == 1
        if b_vec:  # restore the dimension matmul removed for a vector (last first)
            b2 = b.unsqueeze(-1)
            gy = gy.unsqueeze(-1)
        else:
            b2 = b
        if a_vec:
            a2 = a.unsqueeze(0)
            gy = gy.unsqueeze(-2)
        else:
            a2 = a
        if edges[0] is not None:
            ga = gy @ b2.mT
            if a_vec:
                ga = ga.squeeze(-2)
            ga = grad_for(ga, (a.shape, a._data.dtype))
        if edges[1] is not None:
            gb = a2.mT @ gy
            if b_vec:
                gb = gb.squeeze(-1)
            gb = grad_for(gb, (b.shape, b._data.dtype))
        return ga, gb


class MatMulGrad(Primitive):
    """The gradients of ``y = a @ b`` for matrices in one op: ``ga = gy @ b.T`` and
    ``gb = a.T @ gy``, only those in ``needs``; its own backward (written with ember ops) gives
    the second derivatives."""

    @staticmethod
    def forward(ctx, gy, a, b, needs):
        ctx.save_for_backward(gy, a, b)
        ctx.needs = needs
        ga = matmul_arrays(gy, b.T) if needs[0] else None
        gb = matmul_arrays(a.T, gy) if needs[1] else None
        return (ga, gb) if needs[0] and needs[1] else ga if needs[0] else gb

    @staticmethod
    def backward(ctx, *ggs):
        gy, a, b = ctx.saved_tensors
        it = iter(ggs)
        gga, ggb = (next(it) if need else None for need in ctx.needs)
        g_gy = g_a = g_b = None
        if gga is not None:  # ga = gy @ b.T
            g_gy = gga @ b
            g_b = gga.mT @ gy
        if ggb is not None:  # gb = a.T @ gy
            term = a @ ggb
            g_gy = term if g_gy is None else g_gy + term
            g_a = gy @ ggb.mT
        return g_gy, g_a, g_b, None


def matmul(input, other):
    """Matrix product with broadcasting, as ``torch.matmul``."""
    return MatMul.apply(input, other)


def mm(input, mat2):
    """Product of two matrices (2-D only)."""
    if input.ndim != 2 or mat2.ndim != 2:
        raise RuntimeError(f"mm: expects two 2-D tensors, got shapes {shape_str(input.shape)} and "
                           f"{shape_str(mat2.shape)}; use matmul (or @) for other shapes")
    return MatMul.apply(input, mat2)


def bmm(input, mat2):
    """Batched product of (B, n, m) and (B, m, p) tensors."""
    if input.ndim != 3 or mat2.ndim != 3 or input.shape[0] != mat2.shape[0]:
        raise RuntimeError(f"bmm: expects two 3-D tensors with the same batch size, got shapes "
                           f"{shape_str(input.shape)} and {shape_str(mat2.shape)}")
    return MatMul.apply(input, mat2)


def outer(input, vec2):
    """Outer product of two vectors: (n,) and (m,) give (n, m)."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: expects two 1-D tensors, got shapes {shape_str(input.shape)} and "
                           f"{shape_str(vec2.shape)}")
    return input.unsqueeze(1) * vec2.unsqueeze(0)


def dot(input, other):
    """Inner product of two 1-D tensors of the same length."""
    if input.ndim != 1 or other.ndim != 1 or input.shape[0] != other.shape[0]:
        raise RuntimeError(f"dot: expects two 1-D tensors of the same length, got shapes "
                           f"{shape_str(input.shape)} and {shape_str(other.shape)}")
    return MatMul.apply(input, other)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``."""
    prod = mm(mat1, mat2)
    if alpha != 1:
        prod = prod * alpha
    return prod + (input if beta == 1 else input * beta)
