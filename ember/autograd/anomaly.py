"""``detect_anomaly``: find the op whose backward first produced NaN or Inf, and where it ran.

Under anomaly mode every node remembers the user's line that ran its forward; the engine checks
each gradient it computes and raises naming the op and that line. In-place errors quote the
lines too.
"""

from ember.autograd.function import _anomaly

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]


def is_anomaly_enabled():
    return _anomaly[0]


class detect_anomaly:
    """Context manager (and decorator) that turns on anomaly detection."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = _anomaly[0]
        _anomaly[0] = self.check_nan
        return self

    def __exit__(self, *exc):
        _anomaly[0] = self._prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly(detect_anomaly):
    """``set_detect_anomaly(True)``: as a plain call it switches anomaly mode on for good."""

    def __init__(self, mode):
        super().__init__(bool(mode))
        self._prev = _anomaly[0]
        _anomaly[0] = bool(mode)

    def __enter__(self):
        return self
