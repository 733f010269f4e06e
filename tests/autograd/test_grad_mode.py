"""Grad modes: no_grad, enable_grad, set_grad_enabled, inference_mode (API.md §2)."""

import pytest

import ember
from ember import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


@pytest.fixture
def x():
    return ember.tensor([1.0, 2.0], requires_grad=True)


def test_no_grad_context_records_nothing(x):
    with no_grad() as mode:
        assert not is_grad_enabled()
        y = x * 2
    assert isinstance(mode, no_grad)
    assert is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert (x * 2).requires_grad


def test_no_grad_result_does_not_backpropagate(x):
    with no_grad():
        c = x * 3
    (c * x).sum().backward()
    assert x.grad.tolist() == [3.0, 6.0]  # c is a constant


@pytest.mark.parametrize("parens", [True, False])
def test_no_grad_as_decorator(x, parens):
    def f(t):
        """doc"""
        return is_grad_enabled(), t * 2

    decorated = no_grad()(f) if parens else no_grad(f)
    enabled, y = decorated(x)
    assert not enabled and not y.requires_grad
    assert is_grad_enabled()
    assert decorated.__name__ == "f" and decorated.__doc__ == "doc"


def test_no_grad_decorator_works_each_call(x):
    @no_grad
    def f():
        return (x * 2).requires_grad

    assert f() is False and f() is False
    assert is_grad_enabled()


def test_enable_grad_inside_no_grad(x):
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            y = x * 2
        assert not is_grad_enabled()
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_enable_grad_as_decorator(x):
    @enable_grad()
    def f():
        return (x * 2).requires_grad

    @enable_grad
    def g():
        return (x * 2).requires_grad

    with no_grad():
        assert f() and g()
        assert not is_grad_enabled()


def test_set_grad_enabled_context(x):
    with set_grad_enabled(False):
        assert not is_grad_enabled()
        assert not (x * 2).requires_grad
        with set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_set_grad_enabled_as_a_function_call():
    set_grad_enabled(False)
    assert not is_grad_enabled()
    set_grad_enabled(True)
    assert is_grad_enabled()


def test_set_grad_enabled_as_decorator(x):
    @set_grad_enabled(False)
    def f():
        return is_grad_enabled()

    assert is_grad_enabled()  # making the decorator does not switch the mode
    assert f() is False
    assert is_grad_enabled()


def test_inference_mode(x):
    with inference_mode():
        assert not is_grad_enabled() and ember.is_inference_mode_enabled()
        y = x * 2
    assert not y.requires_grad
    assert is_grad_enabled() and not ember.is_inference_mode_enabled()
    with inference_mode(False):
        assert is_grad_enabled() and not ember.is_inference_mode_enabled()
        assert (x * 2).requires_grad


@pytest.mark.parametrize("parens", [True, False])
def test_inference_mode_as_decorator(x, parens):
    def f():
        return is_grad_enabled(), (x * 2).requires_grad

    decorated = inference_mode()(f) if parens else inference_mode(f)
    assert decorated() == (False, False)
    assert is_grad_enabled()


def test_modes_nest_and_restore():
    with no_grad():
        with enable_grad():
            with inference_mode():
                assert not is_grad_enabled()
            assert is_grad_enabled()
            with set_grad_enabled(False):
                assert not is_grad_enabled()
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


@pytest.mark.parametrize("mode", [no_grad, lambda: set_grad_enabled(False), inference_mode, enable_grad])
def test_modes_restore_after_an_exception(mode):
    with no_grad():
        with pytest.raises(ValueError):
            with mode():
                raise ValueError("boom")
        assert not is_grad_enabled()
    with pytest.raises(ValueError):
        with mode():
            raise ValueError("boom")
    assert is_grad_enabled()


def test_decorated_function_restores_after_an_exception():
    @no_grad()
    def f():
        raise KeyError("boom")

    with pytest.raises(KeyError):
        f()
    assert is_grad_enabled()


def test_backward_works_under_no_grad(x):
    """backward() computes gradients whatever the mode around it (as in PyTorch)."""
    y = (x * x).sum()
    with no_grad():
        y.backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_parameter_update_pattern(x):
    (x * x).sum().backward()
    with no_grad():
        x -= 0.1 * x.grad
    assert x.is_leaf and x.requires_grad
    assert x.tolist() == pytest.approx([0.8, 1.6])


def test_grad_mode_is_per_thread():
    import threading

    x = ember.ones(3, requires_grad=True)
    entered, release = threading.Event(), threading.Event()

    def other_thread():
        with ember.no_grad():
            entered.set()
            release.wait(5)

    t = threading.Thread(target=other_thread)
    t.start()
    entered.wait(5)
    try:
        assert (x * 3).requires_grad  # no_grad in another thread does not reach this one
    finally:
        release.set()
        t.join()
