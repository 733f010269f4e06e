"""``nan_guard(model)``: raise at the first module that *produces* NaN or Inf from finite inputs.

Inside ``with ember.diagnostics.nan_guard(model):`` every leaf module's output is checked in the
forward pass and every module's input gradients in the backward pass. The error names the module
(its path in the model and its repr) and gives the statistics of what it received, so the culprit
is found instead of the place where NaN was first noticed. The checks cost one pass over each
output; the hooks are removed on exit.
"""

import numpy as np

from ember.tensor.tensor import Tensor

__all__ = ["nan_guard", "NonFiniteError"]


class NonFiniteError(RuntimeError):
    """A module produced NaN or Inf from finite values."""


def _tensors(values):
    if isinstance(values, Tensor):
        return [values]
    if isinstance(values, (list, tuple)):
        return [t for v in values for t in _tensors(v)]
    if isinstance(values, dict):
        return [t for v in values.values() for t in _tensors(v)]
    return []


def _finite(t):
    a = t.detach().numpy(force=True)
    return a.dtype.kind not in "fc" or bool(np.isfinite(a).all())


def _describe(tensors):
    parts = []
    for t in tensors:
        a = t.detach().numpy(force=True).astype(np.float64, copy=False)
        finite = a[np.isfinite(a)]
        stats = (f"min {finite.min():.3e}, max {finite.max():.3e}, mean {finite.mean():.3e}"
                 if finite.size else "no finite values")
        parts.append(f"shape {tuple(t.shape)}: {stats}")
    return "; ".join(parts) or "no tensor inputs"


class nan_guard:
    """Context manager that checks ``model``'s forward outputs and backward gradients.

    >>> model = ember.nn.Sequential(ember.nn.Linear(2, 2))
    >>> with ember.diagnostics.nan_guard(model):
    ...     model(ember.ones(1, 2)).sum().backward()
    """

    def __init__(self, model):
        self.model = model
        self._handles = []

    def __enter__(self):
        names = {id(m): n or type(m).__name__ for n, m in self.model.named_modules()}
        for module in self.model.modules():
            name = names[id(module)]
            if next(iter(module.children()), None) is None:
                self._handles.append(module.register_forward_hook(self._forward_check(name)))
            self._handles.append(module.register_full_backward_hook(self._backward_check(name)))
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        return False

    @staticmethod
    def _forward_check(name):
        def check(module, args, output):
            bad = [t for t in _tensors(output) if not _finite(t)]
            inputs = _tensors(args)
            if bad and all(_finite(t) for t in inputs):
                raise NonFiniteError(
                    f"nan_guard: {name} ({module!r}) produced NaN/Inf in its output (shape "
                    f"{tuple(bad[0].shape)}) from finite inputs ({_describe(inputs)}). Look at "
                    "this layer: a log or division of zero, an overflow (inputs too large), or "
                    "weights that have already diverged.")
        return check

    @staticmethod
    def _backward_check(name):
        def check(module, grad_input, grad_output):
            bad = [t for t in _tensors(grad_input) if not _finite(t)]
            incoming = _tensors(grad_output)
            if bad and all(_finite(t) for t in incoming):
                raise NonFiniteError(
                    f"nan_guard: the backward pass of {name} ({module!r}) produced NaN/Inf in the "
                    f"gradient of its input (shape {tuple(bad[0].shape)}) from finite output "
                    f"gradients ({_describe(incoming)}).")
        return check
