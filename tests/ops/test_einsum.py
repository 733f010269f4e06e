import numpy as np
import pytest

import ember
from tests.harness import check_op, torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

# (equation, operand shapes): each is checked against torch.einsum, forward and gradients
CASES = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),  # matmul
    ("ij,jk", [(3, 4), (4, 2)]),  # implicit output
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),  # batch matmul
    ("i,j->ij", [(3,), (4,)]),  # outer
    ("i,i->", [(5,), (5,)]),  # dot
    ("ii->", [(4, 4)]),  # trace
    ("ii->i", [(4, 4)]),  # diagonal
    ("ii", [(3, 3)]),  # implicit trace
    ("iij->ji", [(3, 3, 2)]),  # a diagonal and a transpose
    ("ij->ji", [(3, 4)]),  # transpose
    ("ij->", [(3, 4)]),  # sum
    ("ij->j", [(3, 4)]),  # column sums
    ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),  # bilinear
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),  # ellipsis, broadcast batch
    ("...ij->...ji", [(2, 3, 4)]),  # batched transpose
    ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),  # per-sample dot
    ("i...->...", [(3, 2, 4)]),
    ("a...c,...c->a...", [(2, 1, 3, 4), (5, 1, 4)]),  # size-1 ellipsis dims broadcast
    ("ij,ij->ij", [(3, 1), (3, 4)]),  # a size-1 subscript broadcasts
    ("ij,kj->", [(3, 4), (2, 4)]),
    ("Ab,bc->Ac", [(2, 3), (3, 2)]),  # upper-case subscripts
    ("i j , j k -> i k", [(2, 3), (3, 2)]),  # spaces
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
]


@pytest.mark.parametrize("equation,shapes", CASES, ids=[c[0] for c in CASES])
def test_einsum_matches_torch(equation, shapes):
    check_op(lambda *xs: ember.einsum(equation, *xs), lambda *ts: torch.einsum(equation, *ts),
             shapes=shapes)


def test_operands_as_a_list_and_sublists():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    x, y = ember.tensor(a), ember.tensor(b)
    np.testing.assert_allclose(ember.einsum("ij,jk->ik", [x, y]).numpy(), a @ b)
    np.testing.assert_allclose(ember.einsum(x, [0, 1], y, [1, 2], [0, 2]).numpy(), a @ b)
    np.testing.assert_allclose(ember.einsum(x, [0, 1], y, [1, 2]).numpy(), a @ b)
    np.testing.assert_allclose(ember.einsum(x, [Ellipsis, 1], [1]).numpy(), a.sum(0))


@needs_torch
def test_implicit_output_order_matches_torch():
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    for eq in ("cab", "bAa", "...ba", "ba..."):
        r = ember.einsum(eq, ember.tensor(a))
        tr = torch.einsum(eq, torch.tensor(a))
        assert r.shape == tuple(tr.shape)
        np.testing.assert_allclose(r.numpy(), tr.numpy())


def test_single_operand_view_shares_version_counter():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    d = ember.einsum("ii->i", x)
    assert d.tolist() == [1.0, 4.0]
    t = ember.einsum("ij->ji", x)
    assert t.tolist() == [[1.0, 3.0], [2.0, 4.0]]


def test_integer_operands():
    a = ember.tensor([[1, 2], [3, 4]])
    r = ember.einsum("ij,jk->ik", a, a)
    assert r.dtype == ember.int64 and r.tolist() == [[7, 10], [15, 22]]


def test_hessian_vector_product_through_einsum():
    # f(x) = x^T A x: the gradient is (A + A^T) x, the Hessian A + A^T
    rng = np.random.default_rng(0)
    a = ember.tensor(rng.standard_normal((3, 3)))
    x = ember.tensor(rng.standard_normal(3), requires_grad=True)
    g, = ember.autograd.grad(ember.einsum("i,ij,j->", x, a, x), x, create_graph=True)
    v = ember.tensor([1.0, 0.0, 0.0], dtype=ember.float64)
    h, = ember.autograd.grad((g * v).sum(), x)
    np.testing.assert_allclose(h.numpy(), (a.numpy() + a.numpy().T)[0])


@pytest.mark.parametrize("equation,shapes,error,match", [
    ("ij,jk", [(2, 3)], ValueError, r"einsum\(\): the equation 'ij,jk' has 2 operand term\(s\) but "
                                    r"1 operand\(s\) were given"),
    ("ij", [(2,)], ValueError, r"operand 0 has 1 dimension\(s\) \(shape \(2,\)\) but its term 'ij' "
                               r"names 2; add '...'"),
    ("ii->i", [(2, 3)], ValueError, r"subscript i is repeated for operand 0 but the sizes don't "
                                    r"match, 2 != 3"),
    ("ij,jk->ik", [(2, 3), (4, 2)], ValueError, r"subscript j has size 4 for operand 1 \(shape "
                                                r"\(4, 2\)\), which does not broadcast with the "
                                                r"size 3"),
    ("ij->ii", [(2, 2)], ValueError, r"an output subscript appears more than once in 'ii'"),
    ("ij->k", [(2, 2)], ValueError, r"output subscript k does not appear in the equation"),
    ("i1", [(2, 2)], ValueError, r"invalid subscript '1' for operand 0; subscripts must be letters"),
    ("i.j", [(2, 2)], ValueError, r"found '.' for operand 0 that is not part of a single ellipsis"),
])
def test_errors(equation, shapes, error, match):
    with pytest.raises(error, match=match):
        ember.einsum(equation, *[ember.ones(*s) for s in shapes])


def test_argument_errors():
    x = ember.ones(2, 2)
    with pytest.raises(RuntimeError, match=r"einsum\(\): operands 0 and 1 have different dtypes "
                                           r"\(ember.float32 and ember.float64\)"):
        ember.einsum("ij,jk", x, ember.ones(2, 2, dtype=ember.float64))
    with pytest.raises(ValueError, match=r"einsum\(\): must provide at least one operand"):
        ember.einsum("ij")
    with pytest.raises(TypeError, match=r"einsum\(\): operand 1 must be a Tensor, got ndarray"):
        ember.einsum("ij,jk", x, np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"einsum\(\): the equation must be a string"):
        ember.einsum(3, x)
    with pytest.raises(ValueError, match=r"subscript 'a' in a sublist must be an int in \[0, 52\)"):
        ember.einsum(x, ["a", "b"])
    with pytest.raises(ValueError, match=r"too many dimensions under '...' \(60\)"):
        ember.einsum("...", ember.ones(*([1] * 60)))
