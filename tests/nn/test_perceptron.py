import doctest

import numpy as np
import pytest

import ember
import ember.nn.perceptron as perceptron_module
from ember.nn.perceptron import Perceptron

INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]


@pytest.mark.parametrize("name,labels", [("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]),
                                         ("NAND", [1, 1, 1, 0])])
def test_converges_on_logic_gates(name, labels):
    p = Perceptron(2)
    assert p.fit(INPUTS, labels) is True
    assert p.converged is True
    assert p.errors_per_epoch[-1] == 0 and all(e > 0 for e in p.errors_per_epoch[:-1])
    assert p(ember.tensor(INPUTS, dtype=ember.float32)).tolist() == [float(v) for v in labels]


def test_xor_is_not_linearly_separable():
    p = Perceptron(2)
    assert p.fit(INPUTS, [0, 1, 1, 0], epochs=50) is False
    assert p.converged is False
    assert len(p.errors_per_epoch) == 50 and min(p.errors_per_epoch) > 0
    outputs = p(ember.tensor(INPUTS, dtype=ember.float32)).tolist()
    assert outputs != [0.0, 1.0, 1.0, 0.0]


def separable_data(n=200, d=5, seed=0, signed=False):
    rng = np.random.default_rng(seed)
    w, b = rng.standard_normal(d), 0.3
    X = rng.standard_normal((4 * n, d))
    margin = X @ w + b
    X = X[np.abs(margin) > 0.2][:n]  # a margin, so the convergence theorem bounds the updates
    y = (X @ w + b > 0).astype(np.int64)
    return X.astype(np.float32), (2 * y - 1 if signed else y)


@pytest.mark.parametrize("signed", [False, True])
def test_converges_on_random_separable_data(signed):
    X, y = separable_data(signed=signed)
    p = Perceptron(5)
    assert p.fit(ember.tensor(X), ember.tensor(y), epochs=1000)
    np.testing.assert_array_equal(p.predict(ember.tensor(X)).numpy(), y)
    np.testing.assert_array_equal(p(ember.tensor(X)).numpy(), (y > 0).astype(np.float32))


def test_learning_rule_by_hand():
    # one epoch on two samples, labels -1/+1: both misclassified at the start (output 0 = class -1)
    p = Perceptron(2)
    assert p.fit([[1.0, 2.0], [3.0, -1.0]], [1, -1], epochs=1, lr=0.5) is False
    # sample 1: w.x + b = 0, output 0 (class -1), target 1: w = 0 + 0.5 * (1, 2), b = 0.5
    # sample 2: w.x + b = 1.5 - 1 + 0.5 = 1 > 0, output 1, target 0: w -= 0.5 * (3, -1), b -= 0.5
    np.testing.assert_allclose(p.weight.detach().numpy(), [0.5 - 1.5, 1.0 + 0.5])
    assert p.bias.item() == 0.0
    assert p.errors_per_epoch == [2]


def test_fit_accepts_nested_lists_and_arrays_and_stops_early():
    p = Perceptron(2)
    assert p.fit(np.array(INPUTS), np.array([0, 1, 1, 1]), epochs=100)
    assert len(p.errors_per_epoch) < 100


def test_forward_shapes_and_step_at_zero():
    p = Perceptron(3)  # zero weights: w.x + b = 0, which is not > 0
    assert p(ember.ones(3)).item() == 0.0 and p(ember.ones(3)).shape == ()
    assert p(ember.ones(4, 3)).shape == (4,)
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3\) or \(3,\), got \(4, 2\)"):
        p(ember.ones(4, 2))


def test_is_a_module():
    p = Perceptron(4)
    assert [n for n, _ in p.named_parameters()] == ["weight", "bias"]
    assert p.weight.shape == (4,) and p.bias.shape == ()
    assert repr(p) == "Perceptron(in_features=4)"
    p.fit([[1, 0, 0, 0], [0, 1, 0, 0]], [1, 0])
    q = Perceptron(4)
    q.load_state_dict(p.state_dict())
    assert q(ember.tensor([[1.0, 0, 0, 0]])).tolist() == [1.0]


@pytest.mark.parametrize("args,kwargs,message", [
    (([[1, 2, 3]], [1]), {}, r"X must have shape \(N, 2\), got \(1, 3\)"),
    (([[1, 2]], [1, 0]), {}, r"y must have shape \(1,\), one label per row of X, got \(2,\)"),
    (([[1, 2], [3, 4]], [0, 2]), {}, r"labels must all be in \{0, 1\} or all in \{-1, \+1\}, got the "
                                     r"values \[0.0, 2.0\]"),
    (([[1, 2], [3, 4]], [-1, 0]), {}, r"got the values \[-1.0, 0.0\]"),
    (([[1, 2]], [1]), {"epochs": 0}, "epochs must be a positive int, got 0"),
    (([[1, 2]], [1]), {"lr": 0.0}, "lr must be positive, got 0.0"),
])
def test_fit_errors(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        Perceptron(2).fit(*args, **kwargs)


def test_bad_arguments():
    with pytest.raises(ValueError, match="in_features must be a positive int, got 0"):
        Perceptron(0)
    with pytest.raises(TypeError, match="X must be a Tensor, a NumPy array or a list of numbers, got "
                                        "dict"):
        Perceptron(2).fit({"a": 1}, [1])


def test_docstring_examples(monkeypatch):
    monkeypatch.setattr(ember.nn, "Perceptron", Perceptron, raising=False)
    result = doctest.testmod(perceptron_module, extraglobs={"ember": ember})
    assert result.attempted > 5 and result.failed == 0
