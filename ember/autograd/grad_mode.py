"""Gradient modes: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

Each is a context manager and a decorator. The flag is one module-level list so that the hot path
(``Function.apply``) reads it with a single lookup.
"""

import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

_enabled = [True]
_inference = [False]


def is_grad_enabled():
    return _enabled[0]


def is_inference_mode_enabled():
    return _inference[0]


class _GradMode:
    """Base: sets the flag on enter, restores it on exit, and wraps functions as a decorator."""

    _target = True

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # bare decorator: @no_grad

    def __enter__(self):
        self._prev = _enabled[0]
        _enabled[0] = self._target
        return self

    def __exit__(self, *exc):
        _enabled[0] = self._prev
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
        self._prev = _enabled[0]
        _enabled[0] = self._target  # PyTorch applies the mode at construction, too

    def __enter__(self):
        return self

    def __call__(self, fn):
        _enabled[0] = self._prev  # used as a decorator: undo the construction-time switch
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
        self._prev = _enabled[0]
        self._prev_inf = _inference[0]
        if self._mode:
            _enabled[0] = False
            _inference[0] = True
        return self

    def __exit__(self, *exc):
        _enabled[0] = self._prev
        _inference[0] = self._prev_inf
        return False

    def __call__(self, fn):
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper
