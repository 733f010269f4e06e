"""Activation statistics per layer, through forward hooks: ``activation_report(model, batch)``.

For every leaf module (a layer with no children) the report gives the mean and standard deviation
of its output, the fraction of dead units (outputs exactly 0: dead ReLUs), the fraction of
saturated units for sigmoid-like (output within ``saturation`` of 0 or 1) and tanh-like (|output|
within ``saturation`` of 1) layers, and a histogram. Printed as a table, a network whose signal
collapses or saturates with depth shows it at a glance (He et al. 2015; Glorot & Bengio 2010).
"""

import numpy as np

from ember.autograd.grad_mode import no_grad
from ember.tensor.tensor import Tensor

__all__ = ["activation_report", "ActivationReport"]

_SIGMOID_LIKE = ("Sigmoid", "Hardsigmoid", "Softmax")
_TANH_LIKE = ("Tanh", "Hardtanh", "Softsign")


class ActivationReport:
    """Rows of per-layer activation statistics; prints as a table, converts to dicts."""

    def __init__(self, rows):
        self.rows = rows

    def to_dicts(self):
        return [dict(r) for r in self.rows]

    def __len__(self):
        return len(self.rows)

    def __str__(self):
        head = f"{'layer':<24} {'type':<14} {'mean':>10} {'std':>10} {'dead':>7} {'saturated':>10}"
        lines = [head, "-" * len(head)]
        for r in self.rows:
            sat = "" if r["saturated"] is None else f"{r['saturated']:.1%}"
            lines.append(f"{r['name']:<24} {r['type']:<14} {r['mean']:>10.3e} {r['std']:>10.3e} "
                         f"{r['dead']:>7.1%} {sat:>10}")
        return "\n".join(lines)

    __repr__ = __str__


def _stats(name, module, output, bins, saturation):
    a = output.detach().numpy(force=True).astype(np.float64, copy=False).ravel()
    kind = type(module).__name__
    saturated = None
    if kind in _SIGMOID_LIKE:
        saturated = float(np.mean((a < saturation) | (a > 1 - saturation)))
    elif kind in _TANH_LIKE:
        saturated = float(np.mean(np.abs(a) > 1 - saturation))
    finite = a[np.isfinite(a)]
    counts, edges = np.histogram(finite, bins=bins) if finite.size else (np.zeros(bins), np.zeros(bins + 1))
    return {"name": name, "type": kind, "shape": tuple(output.shape), "mean": float(a.mean()),
            "std": float(a.std()), "dead": float(np.mean(a == 0)), "saturated": saturated,
            "histogram": (counts, edges)}


def activation_report(model, *inputs, bins=30, saturation=0.01):
    """Run ``model(*inputs)`` once (no graph) and report each leaf layer's output statistics.

    >>> model = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.ReLU())
    >>> report = ember.diagnostics.activation_report(model, ember.randn(16, 4))
    >>> [r["type"] for r in report.rows]
    ['Linear', 'ReLU']
    """
    rows, handles = [], []
    names = {id(m): n for n, m in model.named_modules()}
    for module in model.modules():
        if next(iter(module.children()), None) is not None:
            continue  # containers: their children are reported

        def hook(m, args, output):
            if isinstance(output, Tensor):
                rows.append(_stats(names.get(id(m), type(m).__name__) or type(m).__name__, m,
                                   output, bins, saturation))
        handles.append(module.register_forward_hook(hook))
    try:
        with no_grad():
            model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
    if not rows:
        raise RuntimeError("activation_report: no layer produced a tensor output; give a model "
                           "made of nn modules and a batch it accepts")
    return ActivationReport(rows)
