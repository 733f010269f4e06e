"""``gradcheck`` and ``gradgradcheck``: compare autograd with central finite differences."""

import numpy as np

from ember.autograd import engine, grad_mode
from ember.tensor.tensor import Tensor

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised when analytical and numerical gradients disagree."""


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _outputs(fn, inputs):
    return tuple(o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor))


def _differentiable(inputs):
    return [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _numerical(fn, inputs, wrt, outputs, eps):
    """d(outputs)/d(inputs[wrt]) by central differences: one (numel_out, numel_in) block each."""
    blocks = []
    for i in wrt:
        x = inputs[i]._data
        cols = []
        for k in np.ndindex(x.shape):  # index x itself: reshape(-1) copies a non-contiguous x
            orig = x[k].item()
            x[k] = orig + eps
            plus = [o._data.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
            x[k] = orig - eps
            minus = [o._data.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
            x[k] = orig
            cols.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
                        if plus else np.zeros(0))
        blocks.append(np.stack(cols, axis=1) if cols else np.zeros((sum(o.numel() for o in outputs), 0)))
    return blocks


def _analytical(inputs, wrt, outputs):
    """The Jacobian rows by one backward pass per output element."""
    n_out = sum(o.numel() for o in outputs)
    blocks = [np.zeros((n_out, inputs[i].numel())) for i in wrt]
    row = 0
    for o in outputs:
        if not o.requires_grad:
            row += o.numel()
            continue
        for k in range(o.numel()):
            seed = np.zeros(o.shape, dtype=o._data.dtype)
            seed.reshape(-1)[k] = 1
            grads = engine.grad([o], [inputs[i] for i in wrt], [Tensor._make(seed, False, None, 0)],
                                retain_graph=True, allow_unused=True)
            for b, g in zip(blocks, grads):
                if g is not None:
                    b[row] = g._data.astype(np.float64).ravel()
            row += 1
    return blocks


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0):
    """Check the gradients of ``func`` at ``inputs`` (float64 tensors with requires_grad=True).

    Returns True when every element agrees within ``atol + rtol * |numerical|``; otherwise
    raises (or returns False) naming the input and the worst element.

    >>> x = ember.randn(3, dtype=ember.float64, requires_grad=True)
    >>> ember.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
    True
    """
    inputs = _as_tuple(inputs)
    wrt = _differentiable(inputs)
    if not wrt:
        raise ValueError("gradcheck: no input requires grad; pass tensors with requires_grad=True")
    for i in wrt:
        if inputs[i]._data.dtype != np.float64:
            import warnings

            warnings.warn(f"gradcheck: input {i} is {inputs[i].dtype}, not float64; finite "
                          "differences will be inaccurate", UserWarning, stacklevel=2)
    outputs = _outputs(func, inputs)
    analytical = _analytical(inputs, wrt, outputs)
    numerical = _numerical(func, inputs, wrt, outputs, eps)
    for i, a, n in zip(wrt, analytical, numerical):
        if a.size == 0:
            continue
        err = np.abs(a - n) - (atol + rtol * np.abs(n))
        bad = ~(err <= 0) & ~(np.isnan(a) & np.isnan(n))
        if bad.any():
            worst = np.where(bad, np.nan_to_num(err, nan=np.inf), -np.inf)
            r, c = np.unravel_index(np.argmax(worst), err.shape)
            msg = (f"gradcheck: Jacobian mismatch for input {i} (shape {tuple(inputs[i].shape)}) at "
                   f"output element {r}, input element {c}: analytical {a[r, c]:.8g}, numerical "
                   f"{n[r, c]:.8g} (atol={atol}, rtol={rtol}); {int(bad.sum())} of {bad.size} "
                   f"entries differ.\nanalytical:\n{a}\nnumerical:\n{n}")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True):
    """Check second derivatives: ``gradcheck`` of the function ``(inputs, v) -> vJ``."""
    inputs = _as_tuple(inputs)
    wrt = _differentiable(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            Tensor._make(rng.standard_normal(o.shape).astype(o._data.dtype), True, None, 0)
            for o in outputs if o.requires_grad)
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)

    def first_grads(*args):
        xs, vs = args[:n], args[n:]
        with grad_mode.enable_grad():
            return _first_grads(xs, vs)

    def _first_grads(xs, vs):
        outs = [o for o in _outputs(func, xs) if o.requires_grad]
        grads = engine.grad(outs, [xs[i] for i in wrt], list(vs), create_graph=True,
                            allow_unused=True)
        return tuple(g for g in grads if g is not None and g.requires_grad)

    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
