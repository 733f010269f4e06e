"""What ``compile`` sets up: the losses and metrics of each output, matched to the model's outputs.

Outputs are named (a Functional model's output layers, the keys of dict outputs, else
``output_0``...). ``loss``/``metrics``/``loss_weights`` may be one value for every output, a list in
output order or a dict by output name; a mismatch names the outputs and what was given.
"""

import copy

import numpy as np

from ember import losses as losses_module
from ember import metrics as metrics_module

__all__ = ["CompiledLoss", "CompiledMetrics", "LossTracker", "match_outputs"]


def match_outputs(what, value, names, allow_single=True):
    """``value`` as a list with one entry per output name."""
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(f"{what} was given for unknown output(s) {unknown}. The model's outputs "
                             f"are {names}; received {what} keys {sorted(value)}.")
        return [value.get(n) for n in names]
    if isinstance(value, (list, tuple)) and len(names) > 1 or \
            isinstance(value, (list, tuple)) and what != "metrics":
        if len(value) != len(names):
            given = ", ".join(f"{n}: {v!r}" for n, v in zip(names, value)) or "nothing"
            raise ValueError(f"{what} should have one entry per output: the model has {len(names)} "
                             f"output(s) {names}, received {len(value)} ({given}). Give a list in "
                             f"output order or a dict {{output_name: ...}}.")
        return list(value)
    if not allow_single and len(names) > 1:
        raise ValueError(f"{what}: the model has {len(names)} outputs {names}; give one entry per "
                         "output as a list or a dict.")
    return [value if i == 0 else copy.deepcopy(value) for i in range(len(names))]


def structure_targets(y, names):
    """The targets as a list in output order (from an array, a list or a dict)."""
    if isinstance(y, dict):
        missing = [n for n in names if n not in y]
        if missing:
            raise ValueError(f"y is missing targets for output(s) {missing}. The model's outputs "
                             f"are {names}; received y keys {sorted(y)}.")
        return [y[n] for n in names]
    if isinstance(y, (list, tuple)):
        if len(y) != len(names):
            shapes = [tuple(getattr(a, "shape", ())) for a in y]
            raise ValueError(f"The model has {len(names)} output(s) {names} but y has {len(y)} "
                             f"entries (shapes {shapes}). Give one target per output, as a list in "
                             f"output order or a dict by output name.")
        return list(y)
    if len(names) != 1:
        raise ValueError(f"The model has {len(names)} outputs {names} but y is one array of shape "
                         f"{tuple(getattr(y, 'shape', ()))}. Give a list or a dict of targets.")
    return [y]


def _leaves(structure):
    if isinstance(structure, dict):
        return [leaf for v in structure.values() for leaf in _leaves(v)]
    if isinstance(structure, (list, tuple)):
        return [leaf for v in structure for leaf in _leaves(v)]
    return [] if structure is None else [structure]


class CompiledLoss:
    """The losses of each output, weighted and summed (plus the model's regularization losses)."""

    def __init__(self, loss, loss_weights=None):
        self.loss, self.loss_weights = loss, loss_weights
        for item in _leaves(loss):
            losses_module.get(item)  # an unknown name fails at compile, listing the valid ones
        self.names = self.fns = self.weights = None

    def build(self, names):
        self.names = names
        fns = match_outputs("loss", self.loss, names)
        if self.loss is not None and not isinstance(self.loss, (list, tuple, dict)) and len(names) > 1:
            fns = [self.loss] * len(names)
        self.fns = [losses_module.get(f) for f in fns]
        weights = self.loss_weights
        self.weights = ([1.0] * len(names) if weights is None else
                        [1.0 if w is None else float(w)
                         for w in match_outputs("loss_weights", weights, names)])

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The total loss and the per-output losses (a list; None where an output has no loss)."""
        total, per_output = None, []
        sws = sample_weight if isinstance(sample_weight, list) else [sample_weight] * len(y_pred)
        for fn, w, yt, yp, sw in zip(self.fns, self.weights, y_true, y_pred, sws):
            if fn is None or yt is None:
                per_output.append(None)
                continue
            value = fn(yt, yp, sample_weight=sw)
            per_output.append(value)
            total = value * w if total is None else total + value * w
        if total is None:
            raise ValueError(f"No loss to minimize: the model's outputs are {self.names} and no loss "
                             "applies to any of them. Pass loss= to compile().")
        return total, per_output


class CompiledMetrics:
    """The metrics of each output, resolved ('accuracy' ...) from the first batch's shapes."""

    def __init__(self, metrics):
        self.metrics = metrics
        for item in _leaves(metrics):
            if item not in ("accuracy", "acc"):
                metrics_module.get(item)  # an unknown name fails at compile
        self.per_output = None

    @property
    def built(self):
        return self.per_output is not None

    def build(self, names, y_true, y_pred, loss_fns):
        if self.metrics is None:
            spec = [[] for _ in names]
        elif isinstance(self.metrics, dict):
            spec = [m if isinstance(m, (list, tuple)) else ([] if m is None else [m])
                    for m in match_outputs("metrics", self.metrics, names)]
        elif len(names) > 1 and self.metrics and all(isinstance(m, (list, tuple)) or m is None
                                                    for m in self.metrics):
            spec = [list(m or []) for m in match_outputs("metrics", self.metrics, names)]
        else:
            spec = [list(self.metrics) if i == 0 else copy.deepcopy(list(self.metrics))
                    for i in range(len(names))]
        self.per_output = []
        for name, items, yt, yp, fn in zip(names, spec, y_true, y_pred, loss_fns):
            resolved = []
            for m in items:
                if m in ("accuracy", "acc"):
                    shape_t = None if yt is None else tuple(yt.shape)
                    metric = metrics_module.resolve_accuracy(fn, shape_t, tuple(yp.shape), name=m)
                else:
                    metric = metrics_module.get(m)
                prefix = f"{name}_" if len(names) > 1 else ""
                resolved.append((prefix + metric.name, metric))
            self.per_output.append(resolved)

    def update(self, y_true, y_pred, sample_weight=None):
        sws = sample_weight if isinstance(sample_weight, list) else [sample_weight] * len(y_pred)
        for metrics, yt, yp, sw in zip(self.per_output, y_true, y_pred, sws):
            if yt is None:
                continue
            for _, metric in metrics:
                metric.update_state(yt, yp, sample_weight=sw)

    def results(self):
        return {name: float(np.asarray(m.result())) for metrics in self.per_output or []
                for name, m in metrics}

    def reset(self):
        for metric in self.objects:
            metric.reset_state()

    @property
    def objects(self):
        return [m for ms in (self.per_output or []) for _, m in ms]


class LossTracker:
    """A mean over samples: each batch's value weighs its number of samples (as Keras 3's loss
    tracker), so a smaller last batch weighs less."""

    def __init__(self, name):
        self.name = name
        self.reset_state()

    def reset_state(self):
        self.total, self.count = 0.0, 0

    def update_state(self, value, count):
        self.total += float(value) * count
        self.count += count

    def result(self):
        return self.total / self.count if self.count else 0.0
