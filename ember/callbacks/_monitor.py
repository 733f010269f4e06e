"""The comparison that EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share: is a monitored
value better than a reference, by at least ``min_delta``, in the direction of ``mode``?"""

import math
import warnings

_MAXIMISED = ("acc", "auc", "precision", "recall", "iou", "fmeasure", "f1")


def direction(owner, monitor, mode):
    """``'min'`` or ``'max'``; ``'auto'`` maximises accuracies, AUC, precision, recall, IoU and F1
    (by name, as Keras 2 did) and minimises everything else (losses, errors)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max'. Received: mode={mode!r}.")
    if mode != "auto":
        return mode
    name = monitor[4:] if monitor.startswith("val_") else monitor
    return "max" if any(word in name for word in _MAXIMISED) else "min"


def is_improvement(mode, current, reference, min_delta):
    if reference is None:
        return True
    return current - min_delta > reference if mode == "max" else current + min_delta < reference


def worst(mode):
    return -math.inf if mode == "max" else math.inf


def monitored_value(owner, monitor, logs):
    """``logs[monitor]`` as a float, or None with Keras' warning that lists the available keys."""
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(f"{owner} is conditioned on metric '{monitor}' which is not available. "
                      f"Available metrics are: {', '.join(logs or {}) or 'none'}.", UserWarning,
                      stacklevel=3)
        return None
    return float(value)
