"""Einstein summation: ``einsum('bij,bjk->bik', a, b)`` with PyTorch's semantics (implicit
output, ``...`` broadcasting, repeated subscripts for diagonals and traces).

The equation is first rewritten with explicit letters only (each ellipsis dimension gets a
letter of its own); the gradient with respect to each operand is then another einsum, of the
output gradient and the other operands.
"""

import string

from ember.autograd.function import Primitive
from ember.backend import array_module
from ember.ops._util import check_same_device, grad_for, shape_str
from ember.ops.view import as_view, broadcast_to
from ember.tensor.tensor import Tensor

__all__ = ["einsum"]

_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # PyTorch's order of subscripts


def _tokens(term, where):
    """The subscripts of one term: letters and at most one ``'...'``."""
    out, i = [], 0
    while i < len(term):
        c = term[i]
        if c == ".":
            if term[i:i + 3] != "..." or "..." in out:
                raise ValueError(f"einsum(): found '.' {where} that is not part of a single "
                                 "ellipsis '...'")
            out.append("...")
            i += 3
            continue
        if c not in _LETTERS:
            raise ValueError(f"einsum(): invalid subscript {c!r} {where}; subscripts must be letters "
                             "[a-zA-Z] or '...'")
        out.append(c)
        i += 1
    return out


def _parse(equation, shapes):
    """``(terms, output)`` with explicit letters only, checked against the operands' shapes."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = [_tokens(t, f"for operand {i}") for i, t in enumerate(lhs.split(","))]
    if len(terms) != len(shapes):
        raise ValueError(f"einsum(): the equation {equation!r} has {len(terms)} operand term(s) but "
                         f"{len(shapes)} operand(s) were given; pass one tensor per term")
    used = set(eq)
    spare = [c for c in _LETTERS if c not in used]
    ell_dims = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term) - ("..." in term)
        if len(shape) < named or (len(shape) != named and "..." not in term):
            raise ValueError(
                f"einsum(): operand {i} has {len(shape)} dimension(s) (shape {shape_str(shape)}) but "
                f"its term {''.join(term)!r} names {named}" +
                ("" if "..." in term else "; add '...' to cover the other dimensions"))
        ell_dims.append(len(shape) - named if "..." in term else 0)
    n_ell = max(ell_dims, default=0)
    if n_ell > len(spare):
        raise ValueError(f"einsum(): too many dimensions under '...' ({n_ell}); at most 52 "
                         "subscripts in all are supported")
    ell = "".join(spare[:n_ell])
    letters = []
    for term, k in zip(terms, ell_dims):
        letters.append("".join(ell[n_ell - k:] if t == "..." else t for t in term))
    sizes = {}
    for i, (term, shape) in enumerate(zip(letters, shapes)):
        own = {}
        for c, n in zip(term, shape):
            if c in own and own[c] != n:
                raise ValueError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes "
                                 f"don't match, {own[c]} != {n} (shape {shape_str(shape)})")
            own[c] = n
            seen = sizes.get(c, 1)
            if seen != 1 and n != 1 and seen != n:
                raise ValueError(f"einsum(): subscript {c} has size {n} for operand {i} (shape "
                                 f"{shape_str(shape)}), which does not broadcast with the size "
                                 f"{seen} seen before")
            sizes[c] = n if seen == 1 else seen
    if arrow:
        out_tokens = _tokens(rhs, "in the output")
        out = "".join(ell if t == "..." else t for t in out_tokens)
        for c in out_tokens:
            if c != "..." and c not in sizes:
                raise ValueError(f"einsum(): output subscript {c} does not appear in the equation "
                                 "for any input operand")
        if len(set(out)) != len(out):
            raise ValueError(f"einsum(): an output subscript appears more than once in {rhs!r}")
    else:  # implicit: the ellipsis, then the subscripts that appear once, in alphabetical order
        counts = {}
        for term in terms:
            for t in term:
                counts[t] = counts.get(t, 0) + 1
        out = ell + "".join(sorted((c for c, k in counts.items() if k == 1 and c != "..."),
                                   key=_LETTERS.index))
    return letters, out


def _einsum_arrays(equation, arrays):
    xp = array_module(arrays[0])
    # two or more operands: let NumPy pick the contraction order and use BLAS (tensordot)
    return xp.einsum(equation, *arrays, optimize=len(arrays) > 1)


class Einsum(Primitive):
    @staticmethod
    def forward(ctx, spec, *arrays):
        ctx.spec = spec
        ctx.save_for_backward(*arrays)
        terms, out = spec
        return _einsum_arrays(",".join(terms) + "->" + out, arrays)

    @staticmethod
    def backward(ctx, gy):
        operands = ctx.saved_tensors
        grads = [None]
        for i in range(len(operands)):
            grads.append(_operand_grad(gy, ctx.spec, operands, i)
                         if ctx._edges[i + 1] is not None else None)
        return tuple(grads)


def _operand_grad(gy, spec, operands, i):
    """d out / d operands[i]: the einsum of ``gy`` with the other operands onto its subscripts."""
    terms, out = spec
    x = operands[i]
    xa = x._data
    xp = array_module(xa)
    in_terms = [out] + [t for j, t in enumerate(terms) if j != i]
    inputs = [gy] + [t for j, t in enumerate(operands) if j != i]
    used = set("".join(terms) + out)
    fresh = iter(c for c in _LETTERS if c not in used)
    target = []
    for c, n in zip(terms[i], xa.shape):
        if c in target:  # a repeated subscript (a diagonal): an identity matrix ties the copies
            f = next(fresh)
            target.append(f)
            in_terms.append(c + f)
            inputs.append(Tensor._make(xp.eye(n, dtype=xa.dtype), False, None, 0))
        else:
            target.append(c)
    present = set("".join(in_terms))
    for c, n in zip(target, xa.shape):
        if c not in present:  # summed away in the forward: the gradient is constant along it
            in_terms.append(c)
            inputs.append(Tensor._make(xp.ones(n, dtype=xa.dtype), False, None, 0))
    g = Einsum.apply((tuple(in_terms), "".join(target)), *inputs)
    if g.shape != xa.shape:  # broadcast size-1 subscripts: expand, then sum back to x's shape
        full = tuple(a if a != 1 else b for a, b in zip(g.shape, xa.shape))
        g = grad_for(broadcast_to(g, full), (xa.shape, xa.dtype))
    return g


def _from_sublists(args):
    """PyTorch's ``einsum(op1, [0, 1], op2, [1, 2], [0, 2])`` form, as an equation string."""
    def term(sub):
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, int) and 0 <= s < len(_LETTERS):
                out.append(_LETTERS[s])
            else:
                raise ValueError(f"einsum(): subscript {s!r} in a sublist must be an int in "
                                 f"[0, {len(_LETTERS)}) or Ellipsis")
        return "".join(out)

    output = args[-1] if len(args) % 2 else None
    pairs = args[:-1] if output is not None else args
    operands, subs = pairs[0::2], pairs[1::2]
    equation = ",".join(term(s) for s in subs)
    if output is not None:
        equation += "->" + term(output)
    return equation, operands


def einsum(equation, *operands):
    """Sum of products over the subscripts in ``equation``, as ``torch.einsum``.

    Examples: ``'ij,jk->ik'`` (matmul), ``'bij,bjk->bik'`` (batch matmul), ``'ii->'`` (trace),
    ``'ii->i'`` (diagonal), ``'...ij->...ji'`` (transpose), ``'bn,anm,bm->ba'`` (bilinear).
    Without ``->`` the output holds the subscripts that appear once, in alphabetical order.
    Operands may also be passed as one list, or in PyTorch's sublist form.
    """
    if isinstance(equation, Tensor):
        equation, operands = _from_sublists((equation,) + operands)
    elif len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): the equation must be a string such as 'ij,jk->ik', got "
                        f"{type(equation).__name__}")
    if not operands:
        raise ValueError("einsum(): must provide at least one operand")
    for i, t in enumerate(operands):
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, got {type(t).__name__}; wrap "
                            "it with ember.tensor(...)")
    first = operands[0]
    for i, t in enumerate(operands[1:], 1):
        check_same_device("einsum", first._data, t._data)
        if t._data.dtype != first._data.dtype:
            raise RuntimeError(f"einsum(): operands 0 and {i} have different dtypes ({first.dtype} "
                               f"and {t.dtype}); convert them to one dtype first, e.g. "
                               f"t.to({first.dtype})")
    spec = _parse(equation, [t.shape for t in operands])
    out = Einsum.apply((tuple(spec[0]), spec[1]), *operands)
    if len(operands) == 1:  # NumPy returns a view for a single operand (transpose, diagonal)
        out = as_view(out, first)
    return out

