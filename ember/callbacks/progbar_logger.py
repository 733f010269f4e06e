"""``ProgbarLogger``: the progress display of ``fit``/``evaluate``/``predict`` (tqdm)."""

import sys
import time

from tqdm import tqdm

from ember.callbacks.callback import Callback

__all__ = ["ProgbarLogger", "format_logs"]


def format_logs(logs):
    """``' - loss: 0.1234 - accuracy: 0.9000'``: four decimals, scientific below 1e-3, as Keras."""
    parts = []
    for key, value in (logs or {}).items():
        try:
            value = float(value)
        except (TypeError, ValueError):
            continue  # outputs and other non-scalar entries are not shown
        parts.append(f" - {key}: {value:.4f}" if abs(value) >= 1e-3 or value == 0 else
                     f" - {key}: {value:.4e}")
    return "".join(parts)


class ProgbarLogger(Callback):
    """Prints progress from ``params['verbose']``: 1 a tqdm bar per epoch with its ETA and the
    running metrics, 2 one line per epoch (for logs written to files), 0 nothing.
    ``evaluate`` and ``predict`` get a bar too when they run outside ``fit``.

    Example::

        >>> import ember
        >>> bar = ember.callbacks.ProgbarLogger()
        >>> bar.set_params({"verbose": 2, "epochs": 1, "steps": 4})
        >>> bar.on_train_begin(); bar.on_epoch_begin(0)
        Epoch 1/1
        >>> bar.on_epoch_end(0, {"loss": 0.25})  # doctest: +ELLIPSIS
        4/4 - 0s - ...ms/step - loss: 0.2500
    """

    def __init__(self, file=None):
        super().__init__()
        self.file = file
        self._bar, self._in_fit, self._seen = None, False, 0

    @property
    def verbose(self):
        return self.params.get("verbose", 1)

    def _out(self):
        return self.file or sys.stdout

    def _open_bar(self):
        self._close_bar()
        self._seen = 0
        self._bar = tqdm(total=self.params.get("steps"), file=self._out(), unit="step",
                         dynamic_ncols=True, leave=True)

    def _advance(self, batch, logs):
        if self._bar is not None:
            self._bar.update(batch + 1 - self._seen)
            self._seen = batch + 1
            self._bar.set_postfix_str(format_logs(logs).lstrip(" -"), refresh=False)

    def _close_bar(self, logs=None):
        if self._bar is not None:
            if logs:
                self._bar.set_postfix_str(format_logs(logs).lstrip(" -"), refresh=False)
            self._bar.close()
            self._bar = None

    # ---------------------------------------------------------------- fit
    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_epoch_begin(self, epoch, logs=None):
        self._start, self._seen = time.perf_counter(), 0
        if self.verbose and self.params.get("epochs", 1) >= 1:
            print(f"Epoch {epoch + 1}/{self.params.get('epochs', 1)}", file=self._out())
        if self.verbose == 1:
            self._open_bar()

    def on_train_batch_end(self, batch, logs=None):
        if self.verbose == 1:
            self._advance(batch, logs)
        else:
            self._seen = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose == 1:
            self._close_bar(logs)
        elif self.verbose == 2:
            steps = self.params.get("steps") or self._seen
            seconds = max(time.perf_counter() - self._start, 0.0)
            per_step = f" - {1000 * seconds / steps:.0f}ms/step" if steps else ""
            print(f"{steps}/{steps} - {seconds:.0f}s{per_step}{format_logs(logs)}", file=self._out())

    def on_train_end(self, logs=None):
        self._in_fit = False
        self._close_bar()

    # ---------------------------------------------------------------- evaluate and predict
    def on_test_begin(self, logs=None):
        if not self._in_fit and self.verbose == 1:  # fit's validation runs silently, as Keras
            self._open_bar()

    def on_test_batch_end(self, batch, logs=None):
        if not self._in_fit and self.verbose == 1:
            self._advance(batch, logs)

    def on_test_end(self, logs=None):
        if not self._in_fit:
            self._close_bar(logs)
            if self.verbose == 2:
                print(format_logs(logs).lstrip(" -"), file=self._out())

    def on_predict_begin(self, logs=None):
        if self.verbose == 1:
            self._open_bar()

    def on_predict_batch_end(self, batch, logs=None):
        if self.verbose == 1:
            self._advance(batch, None)

    def on_predict_end(self, logs=None):
        self._close_bar()
