"""Gradient modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each is a context manager and a decorator. The flags are per thread, as in PyTorch (a backward
running in one thread does not switch recording off in another), and are plain attributes of one
``threading.local`` object so that the hot path (``Function.apply``) reads them quickly.
"""

import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

class _State(threading.local):
    grad = True  # is a graph recorded?
    inference = False


_state = _State()


def is_grad_enabled():
    return _state.grad


def is_inference_mode_enabled():
    return _state.inference


class _GradMode:
    """Base: sets the flag on enter, restores it on exit, and wraps functions as a decorator."""

    _target = True

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # bare decorator: @no_grad

    def __enter__(self):
        self._prev = _state.grad
        _state.grad = self._target
        return self

    def __exit__(self, *exc):
        _state.grad = self._prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Operations inside record no graph: results have ``requires_grad=False``."""

    _target = False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a ``no_grad`` block."""

    _target = True


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` acts as ``no_grad``; as a plain call it sets the mode for good."""

    def __new__(cls, mode):
        return object.__new__(cls)

    def __init__(self, mode):
        self._target = bool(mode)
        self._prev = _state.grad
        _state.grad = self._target  # PyTorch applies the mode at construction, too

    def __enter__(self):
        return self

    def __call__(self, fn):
        _state.grad = self._prev  # used as a decorator: undo the construction-time switch
        mode = self._target

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


class inference_mode(_GradMode):
    """Like ``no_grad``, for pure inference (``inference_mode(False)`` does nothing)."""

    def __new__(cls, mode=True):
        if callable(mode):
            return cls()(mode)
        return object.__new__(cls)

    def __init__(self, mode=True):
        self._mode = bool(mode)

    def __enter__(self):
        self._prev = _state.grad
        self._prev_inf = _state.inference
        if self._mode:
            _state.grad = False
            _state.inference = True
        return self

    def __exit__(self, *exc):
        _state.grad = self._prev
        _state.inference = self._prev_inf
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper
