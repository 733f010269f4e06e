"""Gradient health: ``gradient_report(model)`` after a backward pass, and ``GradientMonitor``.

A report row per parameter: the gradient norm, the weight norm, the update-to-weight ratio
(``lr * |grad| / |weight|``, the size of an SGD step relative to the weight, when an optimizer is
given) and flags:

- ``vanishing``: gradient norm below ``vanishing`` (default 1e-7);
- ``exploding``: gradient norm above ``exploding`` (default 1e3);
- ``nonfinite``: the gradient holds NaN or Inf;
- ``dead``: the fraction of units (rows along dimension 0, e.g. a Linear layer's outputs or a
  convolution's filters) whose gradient is exactly zero — dead ReLUs.
"""

import warnings

import numpy as np

__all__ = ["gradient_report", "GradientReport", "GradientMonitor"]

DEFAULT_VANISHING = 1e-7
DEFAULT_EXPLODING = 1e3


def _np(t):
    return t.detach().numpy(force=True) if hasattr(t, "detach") else np.asarray(t)


def _lr_of(optimizer, param):
    if optimizer is None:
        return None
    for group in getattr(optimizer, "param_groups", []):
        if any(p is param for p in group["params"]):
            return float(group["lr"])
    return None


def _row(name, param, optimizer, vanishing, exploding):
    g = _np(param.grad).astype(np.float64, copy=False)
    w = _np(param).astype(np.float64, copy=False)
    finite = bool(np.isfinite(g).all())
    grad_norm = float(np.sqrt(np.sum(g * g))) if finite else float("nan")
    weight_norm = float(np.sqrt(np.sum(w * w)))
    lr = _lr_of(optimizer, param)
    ratio = lr * grad_norm / weight_norm if lr is not None and weight_norm > 0 else None
    dead = None
    if g.ndim >= 2:
        dead = float(np.mean(~g.reshape(g.shape[0], -1).any(axis=1)))
    return {"name": name, "shape": tuple(param.shape), "grad_norm": grad_norm,
            "weight_norm": weight_norm, "update_ratio": ratio, "dead": dead,
            "vanishing": finite and grad_norm < vanishing,
            "exploding": finite and grad_norm > exploding, "nonfinite": not finite}


class GradientReport:
    """Rows of per-parameter gradient statistics; prints as a table, converts to dicts."""

    def __init__(self, rows):
        self.rows = rows

    def to_dicts(self):
        return [dict(r) for r in self.rows]

    def flagged(self):
        """The rows with any flag set (vanishing, exploding, non-finite, or dead units)."""
        return [r for r in self.rows if r["vanishing"] or r["exploding"] or r["nonfinite"]
                or (r["dead"] or 0) > 0]

    def __len__(self):
        return len(self.rows)

    def __str__(self):
        head = f"{'parameter':<28} {'shape':<16} {'grad norm':>11} {'weight norm':>11} " \
               f"{'update/w':>9} {'dead':>6}  flags"
        lines = [head, "-" * len(head)]
        for r in self.rows:
            flags = ", ".join(k for k in ("vanishing", "exploding", "nonfinite") if r[k])
            ratio = "" if r["update_ratio"] is None else f"{r['update_ratio']:.2e}"
            dead = "" if r["dead"] is None else f"{r['dead']:.0%}"
            lines.append(f"{r['name']:<28} {str(r['shape']):<16} {r['grad_norm']:>11.3e} "
                         f"{r['weight_norm']:>11.3e} {ratio:>9} {dead:>6}  {flags}")
        return "\n".join(lines)

    __repr__ = __str__


def gradient_report(model, optimizer=None, vanishing=DEFAULT_VANISHING, exploding=DEFAULT_EXPLODING):
    """Per-parameter gradient health of ``model`` after ``loss.backward()``.

    >>> model = ember.nn.Linear(3, 2)
    >>> model(ember.ones(4, 3)).sum().backward()
    >>> report = ember.diagnostics.gradient_report(model)
    >>> [r["name"] for r in report.rows]
    ['weight', 'bias']
    """
    rows = [_row(name, p, optimizer, vanishing, exploding)
            for name, p in model.named_parameters() if p.grad is not None]
    if not rows:
        raise RuntimeError("gradient_report: no parameter of the model has a gradient; call it "
                           "after loss.backward() (and before optimizer.zero_grad())")
    return GradientReport(rows)


class GradientMonitor:
    """Record every parameter's gradient norm every ``every`` backward passes, through hooks.

    For hand-written loops: create it once, train as usual; ``history[name]`` holds the recorded
    norms (the data of a gradient-flow plot), and the first vanishing or exploding gradient of a
    layer is warned about once, naming it. ``remove()`` detaches the hooks.
    """

    def __init__(self, model, every=1, vanishing=DEFAULT_VANISHING, exploding=DEFAULT_EXPLODING,
                 warn=True):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"GradientMonitor: every must be a positive int, got {every!r}")
        self.every, self.vanishing, self.exploding, self.warn = every, vanishing, exploding, warn
        # one list per parameter, in the model's order (input side first), filled by the hooks
        self.history = {name: [] for name, p in model.named_parameters() if p.requires_grad}
        self.steps = {}
        self.warned = set()
        self._handles = [p.register_hook(self._hook(name))
                         for name, p in model.named_parameters() if p.requires_grad]

    def _hook(self, name):
        def record(grad):
            step = self.steps[name] = self.steps.get(name, 0) + 1
            if (step - 1) % self.every:
                return None
            g = _np(grad)
            norm = float(np.sqrt(np.sum(g.astype(np.float64) ** 2)))
            self.history[name].append(norm)
            if self.warn and name not in self.warned:
                problem = ("vanishing" if norm < self.vanishing else
                           "exploding" if not norm <= self.exploding else None)
                if problem:
                    self.warned.add(name)
                    warnings.warn(f"GradientMonitor: the gradient of {name} is {problem} (norm "
                                  f"{norm:.3e} at backward pass {step}); see "
                                  "ember.diagnostics.gradient_report for all layers",
                                  RuntimeWarning, stacklevel=2)
            return None
        return record

    def remove(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []
