"""Products (``ember/ops/linalg.py``, ``einsum.py``, ``ember/nn/functional/linear.py``): matmul,
einsum, linear and bilinear."""

__all__ = ["matmul", "einsum", "linear", "bilinear"]


def matmul(g, node):
    a, b = node.args[:2]
    return g.node("MatMul", [g.name(a), g.name(b)])


def einsum(g, node):
    terms, out = node.static(0)
    return g.node("Einsum", [g.name(v) for v in node.args[1:]], equation=",".join(terms) + "->" + out)


def linear(g, node):
    """``x @ W.T + b``: Gemm for a 2-D input, MatMul with the transposed weight otherwise (the
    weight is kept in its own layout, under its parameter's name)."""
    x, w, b = node.args[:3]
    if x.ndim == 2:
        return g.node("Gemm", [g.name(x), g.name(w), None if b is None else g.name(b)], transB=1)
    y = g.node("MatMul", [g.name(x), g.node("Transpose", [g.name(w)], perm=[1, 0])])
    return y if b is None else g.node("Add", [y, g.name(b)])


def bilinear(g, node):
    """``y[n, o] = x1[n] @ W[o] @ x2[n] + b[o]`` as one Einsum."""
    x1, x2, w, b = node.args[:4]
    y = g.node("Einsum", [g.name(x1), g.name(w), g.name(x2)], equation="ni,oij,nj->no")
    return y if b is None else g.node("Add", [y, g.name(b)])
