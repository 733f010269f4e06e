"""Matrix products against PyTorch: values, gradients, gradcheck and gradgradcheck."""

import pytest

import ember
from tests.harness import check_op

MATMUL_SHAPES = [
    [(3, 4), (4, 5)],        # matrices: the one-op gradient path
    [(1, 4), (4, 1)],
    [(4,), (4,)],            # vector . vector
    [(4,), (4, 3)],          # vector @ matrix
    [(3, 4), (4,)],          # matrix @ vector
    [(2, 3, 4), (4, 5)],     # batched @ matrix
    [(3, 4), (2, 4, 5)],     # matrix @ batched
    [(2, 1, 3, 4), (5, 4, 2)],  # broadcast batch dimensions
    [(2, 3, 4), (4,)],
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    check_op(lambda a, b: a @ b, shapes=shapes)


def test_matmul_gradient_of_one_input_only():
    a = ember.randn(3, 4, requires_grad=True)
    b = ember.randn(4, 5)
    (a @ b).sum().backward()
    assert a.grad.shape == (3, 4) and b.grad is None
    x = ember.randn(3, 4)
    w = ember.randn(4, 5, requires_grad=True)
    (x @ w).sum().backward()
    assert w.grad.shape == (4, 5) and x.grad is None


def test_matmul_transposed_operand():
    check_op(lambda x, w: x @ w.T, shapes=[(3, 6), (5, 6)])


@pytest.mark.parametrize("name, shapes", [
    ("mm", [(3, 4), (4, 2)]),
    ("bmm", [(2, 3, 4), (2, 4, 5)]),
    ("outer", [(3,), (4,)]),
    ("dot", [(5,), (5,)]),
])
def test_named_products(name, shapes):
    check_op(lambda a, b: getattr(a, name)(b), shapes=shapes)


def test_addmm():
    check_op(lambda c, a, b: ember.addmm(c, a, b, beta=0.5, alpha=2.0) if isinstance(c, ember.Tensor)
             else __import__("torch").addmm(c, a, b, beta=0.5, alpha=2.0),
             shapes=[(3, 2), (3, 4), (4, 2)])
