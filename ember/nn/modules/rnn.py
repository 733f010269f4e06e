"""Recurrent layers: RNN, LSTM and GRU over whole sequences, and their one-step cells.

Names, arguments, parameter names and layouts (``weight_ih_l0``, ``bias_hh_l1_reverse``; gates in
the order i, f, g, o for LSTM and r, z, n for GRU), initialisation and results follow PyTorch,
so a PyTorch ``state_dict`` loads as it is.

Speed: each layer and direction runs its whole sequence as one op (``RNNSequence``,
``LSTMSequence``, ``GRUSequence``) on raw arrays, a Python loop over the time steps only. Each
step's rows ``[x_t, h_{t-1}, 1]`` are kept side by side, so a step is one matrix product with
the stacked weights and biases (all gates at once), and the gate nonlinearities are applied in
place on gate-major blocks. Backpropagation through time is another op (``RNNBackward``,
``LSTMBackward``, ``GRUBackward``) that walks the steps backwards using the gate activations
saved by the forward pass; every weight gradient is then one product over all steps. A packed
batch (``PackedSequence``) is processed step by step on the sequences still running only (they
come first, longest first), so the final state of each sequence is its state at its own last
step, as in PyTorch.

Masked steps (Keras' masks, for ``ember.layers``): each sequence op also takes ``keep``, a bool
array ``(N, 1)`` over the rows, or None. At a row whose ``keep`` is False the step is skipped:
the state (and output) is the previous state, and backpropagation passes the state's gradient
through that step unchanged. Without a mask the loops are the same as before but for one test
per step.

Double backward (``create_graph=True`` and then differentiating the gradients) is not
supported through the sequence layers: the backpropagation op raises a clear error. The cells
(``RNNCell``, ``LSTMCell``, ``GRUCell``) are written with ordinary ember ops and support it.
"""

import math
import numbers
import warnings

import numpy as np

from ember.autograd.function import Primitive
from ember.autograd.grad_mode import no_grad
from ember.backend import array_module
from ember.backend.aligned import aligned_copy, empty_aligned
from ember.nn.functional.dropout import dropout
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.nn.utils.rnn import PackedSequence
from ember.ops import cat, stack
from ember.tensor.factories import empty, zeros
from ember.tensor.tensor import Tensor

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


# ---- helpers on raw arrays ----
def _steps(batch_sizes, reverse):
    """``((start, stop), ...)``: the rows of each time step in the packed data, in processing
    order. The sequences still running at a step are the first ``stop - start`` of the batch."""
    bounds = np.concatenate([[0], np.cumsum(batch_sizes)]).tolist()
    steps = tuple(zip(bounds[:-1], bounds[1:]))
    return steps[::-1] if reverse else steps


def _needed(grads, needs):
    """The arrays of ``grads`` whose input needs a gradient, as a tuple (the op's outputs)."""
    return tuple(g for g, need in zip(grads, needs) if need)


def _scatter(arrays, needs):
    """Place the outputs of a backward op back at the positions of the inputs that need them."""
    it = iter(arrays)
    return tuple(next(it) if need else None for need in needs)


def _padded(a, pad=16):
    """A copy of ``a`` whose rows are ``pad`` elements longer than needed (a view of the used
    part), starting on a cache line. Rows of 128 or 256 floats put every row of a small matrix
    product in the same CPU cache sets; the padding avoids that and makes the per-step products
    up to 1.5x faster."""
    xp = array_module(a)
    out = empty_aligned(xp, a.shape[:-1] + (a.shape[-1] + pad,), a.dtype)[..., :a.shape[-1]]
    out[...] = a
    return out


def _arena(xp, dtype, *shapes):
    """Contiguous arrays of these shapes carved from one allocation. Allocated together, a
    sequence op's large arrays form one block big enough that glibc's malloc (which adapts its
    thresholds to the largest block freed) keeps and reuses that memory from one training step
    to the next, instead of returning it to the OS and faulting in fresh pages: measured, about
    2,000 page faults per step of the benchmark LSTM otherwise, a tenth of its time."""
    sizes = [int(np.prod(s)) for s in shapes]
    padded = [-(-n // 16) * 16 for n in sizes]  # 64-byte aligned starts
    flat = empty_aligned(xp, (sum(padded),), dtype)
    starts = np.concatenate([[0], np.cumsum(padded)])
    return [flat[a:a + n].reshape(s) for a, n, s in zip(starts.tolist(), sizes, shapes)]


def _state_grad(g, batch, size, like):
    """A fresh, writable copy of a final state's gradient (zeros when it has none)."""
    if g is None:
        return array_module(like).zeros((batch, size), like.dtype)
    return g.copy()


def _no_double_backward(mode):
    raise RuntimeError(
        f"double backward through {mode} is not supported: the gradient of an {mode} layer's "
        f"gradient (create_graph=True, then differentiating the gradients) would need the "
        f"second derivative of backpropagation through time. Use nn.{mode}Cell in a Python loop "
        f"over the time steps where you need higher-order gradients.")


# ---- Elman RNN: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh) ----
def _stacked_rows(x, n_state, bias):
    """``(N, I + n_state [+ 1])``: each step's rows ``[x_t, h_{t-1}, 1]`` side by side, so that
    one product with the stacked weights ``[W_ih, W_hh, b]^T`` gives a step's pre-activations and
    one product over all steps gives every weight gradient. The ``h`` part is filled per step."""
    xp = array_module(x)
    xh = xp.empty((x.shape[0], x.shape[1] + n_state + bias), x.dtype)
    xh[:, :x.shape[1]] = x
    if bias:
        xh[:, -1] = 1
    return xh


def _gate_major_t(w, b, gates, order=None):
    """The stacked weights ``[W | b]`` ``(G*H, K)`` (gates in ``order``) as ``(G, K [+ 1], H)``,
    ready for ``rows @ w`` per gate, starting on a cache line (see ember.backend.aligned). A fresh
    array the caller may scale in place."""
    xp = array_module(w)
    if b is not None:
        w = xp.concatenate([w, b[:, None]], 1)
    w = w.reshape(gates, -1, w.shape[1])
    return aligned_copy(xp, (w if order is None else w[order]).transpose(0, 2, 1))


def _gate_major_grad(d, rows, order=None):
    """The gradient of ``[W | b]`` ``(G*H, K)`` from gate-major ``d (G, N, H)`` (gates back in
    ``order``) and the stacked ``rows (N, K)``: one batched product over all steps."""
    g = d.transpose(0, 2, 1) @ rows
    return (g if order is None else g[order]).reshape(-1, rows.shape[1])


class RNNSequence(Primitive):
    """One layer and direction of an Elman RNN over a whole (packed) sequence.

    Inputs: ``x (N, I)`` (the rows of all time steps, step after step), ``h0 (B, H)``, the
    weights, ``steps`` (row ranges in processing order), ``relu`` (else tanh) and ``keep``
    (masked steps, see the module doc). Outputs ``y (N, H)`` and the final state ``(B, H)``.
    """

    materialize_grads = False  # an unused output's gradient stays None: no zeros to add

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, steps, relu, keep=None):
        xp = array_module(x)
        skip = None if keep is None else ~keep  # the masked rows
        n_in, hidden = x.shape[1], h0.shape[1]
        xh = _stacked_rows(x, hidden, b_ih is not None)
        w = xp.concatenate([w_ih, w_hh] + ([(b_ih + b_hh)[:, None]] if b_ih is not None else []), 1)
        w_t = aligned_copy(xp, w.T)
        h = h0.copy()
        y = xp.empty((x.shape[0], hidden), x.dtype)
        for start, stop in steps:
            hp = h[:stop - start]
            xh[start:stop, n_in:n_in + hidden] = hp
            a = y[start:stop]
            xp.matmul(xh[start:stop], w_t, out=a)
            if relu:
                xp.maximum(a, 0, out=a)
            else:
                xp.tanh(a, out=a)
            if keep is not None:  # masked rows keep their state
                xp.copyto(a, hp, where=skip[start:stop])
            hp[...] = a
        ctx.steps, ctx.relu = steps, relu
        ctx.save_for_backward(w_ih, w_hh, y, xh, keep)
        return y, h

    @staticmethod
    def backward(ctx, gy, gh):
        needs = ctx.needs_input_grad[:6]
        grads = RNNBackward.apply(gy, gh, *ctx.saved_tensors, ctx.steps, ctx.relu, needs)
        return _scatter(grads if isinstance(grads, tuple) else (grads,), needs) + (None, None, None)


class RNNBackward(Primitive):
    """Backpropagation through time for :class:`RNNSequence` (not differentiable itself)."""

    @staticmethod
    def forward(ctx, gy, gh, w_ih, w_hh, y, xh, keep, steps, relu, needs):
        xp = array_module(y)
        skip = None if keep is None else ~keep  # the masked rows
        n_in, hidden = w_ih.shape[1], w_hh.shape[1]
        deriv = (y > 0).astype(y.dtype) if relu else 1 - y * y  # act' from the output
        gh = _state_grad(gh, max(stop - start for start, stop in steps), hidden, y)
        ga = xp.empty_like(y)  # gradient of each step's pre-activation
        w_hh_padded = _padded(w_hh)
        if keep is not None:
            deriv *= keep  # a masked step's pre-activation gets no gradient
            carried = xp.empty_like(gh)
        for start, stop in reversed(steps):
            ght = gh[:stop - start]
            if gy is not None:
                ght += gy[start:stop]
            xp.multiply(ght, deriv[start:stop], out=ga[start:stop])
            if keep is None:
                xp.matmul(ga[start:stop], w_hh_padded, out=ght)
            else:  # a masked step passes the state's gradient through
                saved = carried[:stop - start]
                saved[...] = ght
                xp.matmul(ga[start:stop], w_hh_padded, out=ght)
                xp.copyto(ght, saved, where=skip[start:stop])
        g_w = ga.T @ xh if any(needs[2:]) else None  # (H, K): W_ih, W_hh and bias side by side
        return _needed((ga @ w_ih if needs[0] else None, gh,
                        g_w[:, :n_in] if needs[2] else None,
                        g_w[:, n_in:n_in + hidden] if needs[3] else None,
                        g_w[:, -1] if needs[4] else None,
                        g_w[:, -1].copy() if needs[5] else None), needs)

    @staticmethod
    def backward(ctx, *grads):
        _no_double_backward("RNN")


# ---- LSTM ----
class LSTMSequence(Primitive):
    """One layer and direction of an LSTM over a whole (packed) sequence.

    Per step (gates i, f, g, o in one product): ``z = x W_ih^T + b_ih + h W_hh^T + b_hh``;
    ``c' = f * c + i * g``; ``h' = o * tanh(c')`` (then ``h' W_hr^T`` with a projection).
    Outputs ``y (N, P)``, ``h_n (B, P)`` and ``c_n (B, H)``.

    How it is fast: the rows ``[x_t, h_{t-1}, 1]`` of every step are kept side by side in one
    array, so each step is one product with the stacked weights and bias, and the weight
    gradients of backpropagation are one product over all steps. The gates are stored
    gate-major, ``(4, N, H)`` in the order (o, i, f, g): every elementwise operation then works
    on contiguous blocks (NumPy is several times slower on strided ones), the three sigmoid gates
    are one block and the three gates that ``dc`` flows into are another. The sigmoid gates'
    weights are halved, so one ``tanh`` over all four gates gives ``tanh(z / 2)`` for them
    (exactly: halving is exact in floating point) and ``sigmoid(z) = 0.5 * tanh(z / 2) + 0.5``.
    """

    materialize_grads = False  # an unused output's gradient stays None: no zeros to add

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, steps, keep=None):
        xp = array_module(x)
        skip = None if keep is None else ~keep  # the masked rows
        rows, n_in = x.shape
        batch, hidden = c0.shape
        n_out = h0.shape[1]
        xh = _stacked_rows(x, n_out, b_ih is not None)
        w = _gate_major_t(xp.concatenate([w_ih, w_hh], 1), None if b_ih is None else b_ih + b_hh,
                          4, _LSTM_ORDER)
        w[:3] *= 0.5
        h, c = h0.copy(), c0.copy()
        # the gate activations of every step; c before and tanh(c) after each step; and the
        # backward pass's scratch: one allocation (see _arena)
        acts, c_prev, tanh_c, scratch = _arena(
            xp, x.dtype, (4, rows, hidden), (rows, hidden), (rows, hidden),
            (5, rows, hidden) if any(ctx.needs_input_grad) else (0,))
        y = xp.empty((rows, n_out), x.dtype)
        m = None if w_hr is None else xp.empty_like(c_prev)  # o * tanh(c) before the projection
        w_hr_t = None if w_hr is None else w_hr.T
        product = xp.empty((batch, hidden), x.dtype)
        for start, stop in steps:
            n = stop - start
            hp, cp = h[:n], c[:n]
            xh[start:stop, n_in:n_in + n_out] = hp
            c_prev[start:stop] = cp
            z = acts[:, start:stop]
            xp.matmul(xh[start:stop], w, out=z)
            xp.tanh(z, out=z)
            sig = z[:3]
            sig *= 0.5
            sig += 0.5
            o, i, f, g = z
            cp *= f
            xp.multiply(i, g, out=product[:n])
            cp += product[:n]
            if keep is not None:  # masked rows keep their state
                xp.copyto(cp, c_prev[start:stop], where=skip[start:stop])
            tc = tanh_c[start:stop]
            xp.tanh(cp, out=tc)
            if w_hr is None:
                xp.multiply(o, tc, out=y[start:stop])
            else:
                xp.multiply(o, tc, out=m[start:stop])
                xp.matmul(m[start:stop], w_hr_t, out=y[start:stop])
            if keep is not None:
                xp.copyto(y[start:stop], hp, where=skip[start:stop])
            hp[...] = y[start:stop]
        ctx.steps = steps
        ctx.save_for_backward(w_ih, w_hh, w_hr, acts, xh, c_prev, tanh_c, m, scratch, keep)
        return y, h, c

    @staticmethod
    def backward(ctx, gy, gh, gc):
        needs = ctx.needs_input_grad[:8]
        grads = LSTMBackward.apply(gy, gh, gc, *ctx.saved_tensors, ctx.steps, needs)
        return _scatter(grads if isinstance(grads, tuple) else (grads,), needs) + (None, None)


_LSTM_ORDER = [3, 0, 1, 2]  # the gate-major order (o, i, f, g), from PyTorch's (i, f, g, o)
_LSTM_BACK = [1, 2, 3, 0]  # and back


def _lstm_gate_major(w, hidden):
    """``(4H, K)`` in PyTorch's gate order -> ``(4, H, K)`` in the order (o, i, f, g)."""
    return w.reshape(4, hidden, -1)[_LSTM_ORDER]


class LSTMBackward(Primitive):
    """Backpropagation through time for :class:`LSTMSequence`.

    Its own backward raises: double backward through an LSTM layer is not supported.
    """

    @staticmethod
    def forward(ctx, gy, gh, gc, w_ih, w_hh, w_hr, acts, xh, c_prev, tanh_c, m, work, keep, steps,
                needs):
        xp = array_module(acts)
        skip = None if keep is None else ~keep  # the masked rows
        hidden = tanh_c.shape[1]
        n_in, n_out = w_ih.shape[1], w_hh.shape[1]
        batch = max(stop - start for start, stop in steps)
        o, i, f, g = acts
        # work[:4] is first the factor turning dh (o) or dc (i, f, g) into each gate's
        # pre-activation gradient, for all steps at once; each step then multiplies its rows in
        # place, leaving the gradient dz. work[4] is dc'/dh' = o (1 - tanh(c')^2).
        dz, dc_dh = work[:4], work[4]
        xp.subtract(1, acts[:3], out=dz[:3])
        dz[:3] *= acts[:3]  # s (1 - s) for the sigmoid gates
        xp.multiply(g, g, out=dz[3])
        xp.subtract(1, dz[3], out=dz[3])
        dz[0] *= tanh_c
        dz[1] *= g
        dz[2] *= c_prev
        dz[3] *= i
        xp.multiply(tanh_c, tanh_c, out=dc_dh)
        xp.subtract(1, dc_dh, out=dc_dh)
        dc_dh *= o
        w_hh4 = _padded(_lstm_gate_major(w_hh, hidden))  # (4, H, P)
        gh, gc = _state_grad(gh, batch, n_out, acts), _state_grad(gc, batch, hidden, acts)
        g_proj = None if w_hr is None else xp.empty((xh.shape[0], n_out), acts.dtype)  # dL/dh'
        buffer = xp.empty(4 * batch * n_out, acts.dtype)
        product = xp.empty_like(gc)
        if keep is not None:
            carried_h, carried_c = xp.empty_like(gh), xp.empty_like(gc)
        for start, stop in reversed(steps):
            n = stop - start
            ght, gct = gh[:n], gc[:n]
            if gy is not None:
                ght += gy[start:stop]
            if keep is not None:  # a masked step passes the states' gradients through
                carried_h[:n], carried_c[:n] = ght, gct
                ght *= keep[start:stop]
                gct *= keep[start:stop]
            if w_hr is None:
                gm = ght
            else:
                g_proj[start:stop] = ght
                gm = ght @ w_hr
            xp.multiply(gm, dc_dh[start:stop], out=product[:n])
            gct += product[:n]
            d = dz[:, start:stop]
            d[1:] *= gct
            d[0] *= gm
            gct *= f[start:stop]
            per_gate = buffer[:4 * n * n_out].reshape(4, n, n_out)
            xp.matmul(d, w_hh4, out=per_gate)
            per_gate.sum(0, out=ght)
            if keep is not None:
                xp.copyto(ght, carried_h[:n], where=skip[start:stop])
                xp.copyto(gct, carried_c[:n], where=skip[start:stop])
        g_w = _gate_major_grad(dz, xh, _LSTM_BACK) if any(needs[3:7]) else None  # [W_ih W_hh b]
        return _needed((
            xp.matmul(dz, _lstm_gate_major(w_ih, hidden)).sum(0) if needs[0] else None, gh, gc,
            g_w[:, :n_in] if needs[3] else None, g_w[:, n_in:n_in + n_out] if needs[4] else None,
            g_w[:, -1] if needs[5] else None, g_w[:, -1].copy() if needs[6] else None,
            g_proj.T @ m if needs[7] else None), needs)

    @staticmethod
    def backward(ctx, *grads):
        _no_double_backward("LSTM")


# ---- GRU ----
class GRUSequence(Primitive):
    """One layer and direction of a GRU over a whole (packed) sequence.

    Per step (gates r, z, n): ``r, z = sigmoid(x W_i^T + b_i + h W_h^T + b_h)``;
    ``n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))``; ``h' = (1 - z) * n + z * h``.

    As in :class:`LSTMSequence`, gates are stored gate-major ``(3, N, H)``, biases ride along
    in a column of ones, and the sigmoid gates' weights are halved so that
    ``sigmoid(z) = 0.5 * tanh(z / 2) + 0.5``.
    """

    materialize_grads = False  # an unused output's gradient stays None: no zeros to add

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, steps, keep=None):
        xp = array_module(x)
        skip = None if keep is None else ~keep  # the masked rows
        batch, hidden = h0.shape
        bias = b_ih is not None
        half = xp.asarray([0.5, 0.5, 1.0], x.dtype)[:, None, None]
        x1 = _stacked_rows(x, 0, bias)  # [x_t, 1]
        h1 = _stacked_rows(xp.empty((x.shape[0], 0), x.dtype), hidden, bias)  # [h_{t-1}, 1]
        w_i = _gate_major_t(w_ih, b_ih, 3)  # (3, I [+ 1], H)
        w_h = _gate_major_t(w_hh, b_hh, 3)  # (3, H [+ 1], H)
        w_i *= half
        w_h *= half
        # the input side of every step, then (in place) r, z, n; the hidden side h W_h^T + b_h
        # of every step; and the backward pass's scratch: one allocation (see _arena)
        acts, hw, scratch = _arena(xp, x.dtype, (3, x.shape[0], hidden), (3, x.shape[0], hidden),
                                   (6, x.shape[0], hidden) if any(ctx.needs_input_grad) else (0,))
        xp.matmul(x1, w_i, out=acts)
        h = h0.copy()
        y = xp.empty((x.shape[0], hidden), x.dtype)
        product = xp.empty((batch, hidden), x.dtype)
        for start, stop in steps:
            n = stop - start
            hp = h[:n]
            h1[start:stop, :hidden] = hp
            a, b = acts[:, start:stop], hw[:, start:stop]
            xp.matmul(h1[start:stop], w_h, out=b)
            rz = a[:2]
            rz += b[:2]
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            r, z, cand = a
            xp.multiply(r, b[2], out=product[:n])
            cand += product[:n]
            xp.tanh(cand, out=cand)
            out = y[start:stop]
            xp.subtract(hp, cand, out=out)
            out *= z
            out += cand
            if keep is not None:  # masked rows keep their state
                xp.copyto(out, hp, where=skip[start:stop])
            hp[...] = out
        ctx.steps = steps
        ctx.save_for_backward(w_ih, w_hh, acts, hw, x1, h1, scratch, keep)
        return y, h

    @staticmethod
    def backward(ctx, gy, gh):
        needs = ctx.needs_input_grad[:6]
        grads = GRUBackward.apply(gy, gh, *ctx.saved_tensors, ctx.steps, needs)
        return _scatter(grads if isinstance(grads, tuple) else (grads,), needs) + (None, None)


class GRUBackward(Primitive):
    """Backpropagation through time for :class:`GRUSequence` (not differentiable itself)."""

    @staticmethod
    def forward(ctx, gy, gh, w_ih, w_hh, acts, hw, x1, h1, work, keep, steps, needs):
        xp = array_module(acts)
        skip = None if keep is None else ~keep  # the masked rows
        hidden = acts.shape[2]
        batch = max(stop - start for start, stop in steps)
        n_in = w_ih.shape[1]
        r, z, n = acts
        h_prev = h1[:, :hidden]
        # d_hidden (the gradient of the hidden side h W_h^T + b_h, per gate) first holds, for all
        # steps at once, the factor turning dh' into it; each step multiplies its rows in place.
        # The n gate's hidden side carries an extra r.
        dn = 1 - n * n
        dn *= 1 - z
        d_hidden, d_input = work[:3], work[3:]
        xp.subtract(1, r, out=d_hidden[0])
        d_hidden[0] *= r
        d_hidden[0] *= dn
        d_hidden[0] *= hw[2]
        xp.subtract(1, z, out=d_hidden[1])
        d_hidden[1] *= z
        d_hidden[1] *= h_prev - n
        xp.multiply(dn, r, out=d_hidden[2])
        w_h = _padded(w_hh.reshape(3, hidden, hidden))
        gh = _state_grad(gh, batch, hidden, acts)
        g_out = xp.empty_like(h_prev)  # dL/dh' per step
        buffer = xp.empty(3 * batch * hidden, acts.dtype)
        if keep is not None:
            carried = xp.empty_like(gh)
        for start, stop in reversed(steps):
            k = stop - start
            ght = gh[:k]
            if gy is not None:
                ght += gy[start:stop]
            if keep is not None:  # a masked step passes the state's gradient through
                carried[:k] = ght
                ght *= keep[start:stop]
            g_out[start:stop] = ght
            d = d_hidden[:, start:stop]
            d *= ght
            per_gate = buffer[:3 * k * hidden].reshape(3, k, hidden)
            xp.matmul(d, w_h, out=per_gate)
            ght *= z[start:stop]
            ght += per_gate.sum(0)
            if keep is not None:
                xp.copyto(ght, carried[:k], where=skip[start:stop])
        d_input[:2] = d_hidden[:2]  # the input side: r and z as the hidden side, n without the r
        xp.multiply(g_out, dn, out=d_input[2])
        g_wi = _gate_major_grad(d_input, x1) if any(needs[2:5:2]) else None
        g_wh = _gate_major_grad(d_hidden, h1) if any(needs[3:6:2]) else None
        return _needed((
            xp.matmul(d_input, w_ih.reshape(3, hidden, n_in)).sum(0) if needs[0] else None, gh,
            g_wi[:, :n_in] if needs[2] else None, g_wh[:, :hidden] if needs[3] else None,
            g_wi[:, -1] if needs[4] else None, g_wh[:, -1] if needs[5] else None), needs)

    @staticmethod
    def backward(ctx, *grads):
        _no_double_backward("GRU")


# ---- the modules ----
_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Base class of :class:`RNN`, :class:`LSTM` and :class:`GRU` (PyTorch's ``RNNBase``).

    Parameters, per layer ``k`` and direction (``_reverse`` for the backward one):
    ``weight_ih_l{k}`` ``(gates * hidden_size, input size of the layer)``, ``weight_hh_l{k}``
    ``(gates * hidden_size, hidden_size)``, ``bias_ih_l{k}``, ``bias_hh_l{k}``
    ``(gates * hidden_size,)`` and, for an LSTM with ``proj_size > 0``, ``weight_hr_l{k}``
    ``(proj_size, hidden_size)``. Default initialisation: every parameter
    ``~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError(f"{mode}: dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout!r}")
        for name, value in (("bias", bias), ("batch_first", batch_first),
                            ("bidirectional", bidirectional)):
            if not isinstance(value, bool):
                raise TypeError(f"{mode}: {name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("num_layers", num_layers), ("proj_size", proj_size)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                raise TypeError(f"{mode}: {name} should be of type int, got: {type(value).__name__}")
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"{mode}: input_size, hidden_size and num_layers must be greater than "
                             f"zero, got input_size={input_size}, hidden_size={hidden_size}, "
                             f"num_layers={num_layers}")
        if proj_size < 0 or (proj_size and proj_size >= hidden_size):
            raise ValueError(f"{mode}: proj_size should be 0 (no projection) or a positive integer "
                             f"smaller than hidden_size={hidden_size}, got proj_size={proj_size}")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode!r}; expected one of {sorted(_GATES)}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names, self._all_weights = [], []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(*shape, dtype=dtype, device=device)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        with no_grad():
            for weight in self.parameters():
                weight.uniform_(-bound, bound)

    def flatten_parameters(self):
        """Does nothing: kept so that PyTorch code calling it runs (there is no cuDNN buffer)."""

    @property
    def all_weights(self):
        """The parameters as one list per layer and direction, in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- forward ----
    def _describe(self):
        return f"{self._get_name()}({self.extra_repr()})"

    def _state_shapes(self, batch):
        """Expected shapes of the initial states: h (and c for an LSTM)."""
        layers = self.num_layers * (2 if self.bidirectional else 1)
        return [(layers, batch, self.proj_size or self.hidden_size)]

    def _check_input(self, x, packed):
        weight = self.weight_ih_l0
        if x.dtype != weight.dtype:
            raise ValueError(f"{self._describe()}: input dtype ({x.dtype}) does not match the weight "
                             f"dtype ({weight.dtype}); convert the input (input.to({weight.dtype})) "
                             f"or the model (model.to({x.dtype}))")
        if packed and x.ndim != 2:
            raise RuntimeError(f"{self._describe()}: the data of a PackedSequence must be 2-D "
                               f"(steps, input_size={self.input_size}), got shape {tuple(x.shape)}")
        if not packed and x.ndim not in (2, 3):
            layout = "(batch, seq, input_size)" if self.batch_first else "(seq, batch, input_size)"
            raise ValueError(f"{self._describe()}: expected a 3-D input {layout} or a 2-D unbatched "
                             f"input (seq, input_size), with input_size={self.input_size}; got a "
                             f"{x.ndim}-D input of shape {tuple(x.shape)}")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"{self._describe()}: input.size(-1) must be equal to input_size. "
                               f"Expected {self.input_size}, got {x.shape[-1]} (input shape "
                               f"{tuple(x.shape)})")

    def _initial_states(self, hx, batched, batch, x, permutation):
        """The initial states: per kind (h, and c for an LSTM), something indexed by
        ``layer * directions + direction`` giving a ``(batch, size)`` tensor."""
        shapes = self._state_shapes(batch)
        names = ("hx", "cx") if len(shapes) == 2 else ("hx",)
        if hx is None:  # zeros, one (batch, size) tensor per kind shared by every layer
            return [[zeros(*shape[1:], dtype=x.dtype, device=x.device)] * shape[0]
                    for shape in shapes]
        states = list(hx) if isinstance(hx, (tuple, list)) else [hx]
        if len(states) != len(shapes) or not all(isinstance(s, Tensor) for s in states):
            raise TypeError(f"{self._describe()}: expected hx to be "
                            + ("a tuple (h_0, c_0) of tensors" if len(shapes) == 2 else "a tensor")
                            + f", got {type(hx).__name__}")
        out = []
        for name, state, shape in zip(names, states, shapes):
            want = 3 if batched else 2
            if state.ndim != want:
                raise RuntimeError(
                    f"{self._describe()}: for {'batched 3-D' if batched else 'unbatched 2-D'} input, "
                    f"{name} should also be {want}-D, but got a {state.ndim}-D tensor of shape "
                    f"{tuple(state.shape)}")
            if not batched:
                state = state.unsqueeze(1)
            if tuple(state.shape) != shape:
                raise RuntimeError(f"{self._describe()}: expected {name} of shape {shape} "
                                   f"(num_layers * num_directions, batch, size), got "
                                   f"{tuple(state.shape)}")
            if state.dtype != x.dtype:
                raise ValueError(f"{self._describe()}: {name} dtype ({state.dtype}) does not match "
                                 f"the input dtype ({x.dtype})")
            if permutation is not None:
                state = state.index_select(1, permutation)
            out.append(state)
        return out

    def forward(self, input, hx=None):
        """Run the layers over ``input``.

        ``input``: ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``), ``(L, H_in)``
        unbatched, or a :class:`PackedSequence`. ``hx``: the initial state(s),
        ``(num_layers * num_directions, N, H_out)`` each (zeros by default). Returns
        ``(output, h_n)`` (``(output, (h_n, c_n))`` for an LSTM); ``output`` has
        ``num_directions * H_out`` features and is a PackedSequence when the input is one.
        """
        packed = isinstance(input, PackedSequence)
        if packed:
            x, batch_sizes, sorted_indices, unsorted_indices = input
            self._check_input(x, True)
            sizes = batch_sizes.cpu().numpy() if isinstance(batch_sizes, Tensor) else np.asarray(batch_sizes)
            batch, batched = int(sizes[0]), True
        else:
            self._check_input(input, False)
            batched = input.ndim == 3
            seq = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                seq = seq.transpose(0, 1)
            steps_count, batch = seq.shape[0], seq.shape[1]
            x = seq.reshape(steps_count * batch, self.input_size)
            sizes = np.full(steps_count, batch)
            sorted_indices = unsorted_indices = None
        states = self._initial_states(hx, batched, batch, x, sorted_indices)
        output, finals = self._run_layers(x, states, sizes)
        finals = [f if unsorted_indices is None else f.index_select(1, unsorted_indices)
                  for f in finals]
        if packed:
            output = PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices)
        else:
            output = output.reshape(steps_count, batch, output.shape[-1])
            if not batched:
                output = output.squeeze(1)
                finals = [f.squeeze(1) for f in finals]
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, (tuple(finals) if len(finals) == 2 else finals[0])

    def _run_layers(self, x, states, sizes):
        """All layers and directions over the packed rows ``x (N, H_in)``."""
        directions = 2 if self.bidirectional else 1
        steps = [_steps(sizes, reverse=bool(d)) for d in range(directions)]
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                weights = [getattr(self, name) for name in self._all_weights[index]]
                result = self._sequence(x, [s[index] for s in states], weights, steps[direction])
                outputs.append(result[0])
                for final, r in zip(finals, result[1:]):
                    final.append(r)
            x = outputs[0] if directions == 1 else cat(outputs, 1)
            if self.training and self.dropout > 0 and layer < self.num_layers - 1:
                x = dropout(x, self.dropout)  # between layers, in training only
        return x, [f[0].unsqueeze(0) if len(f) == 1 else stack(f) for f in finals]

    def _sequence(self, x, states, weights, steps):
        raise NotImplementedError(f"{type(self).__name__} must define _sequence (the recurrence "
                                  "over one layer-direction)")

    def _split(self, weights):
        """``(w_ih, w_hh, b_ih, b_hh, rest...)`` with None biases when ``bias=False``."""
        return weights if self.bias else weights[:2] + [None, None] + weights[2:]


class RNN(RNNBase):
    """Elman RNN: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (or ReLU).

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None)``.
    Default initialisation: every weight and bias ``~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.
    See :meth:`RNNBase.forward` for shapes.

    >>> rnn = ember.nn.RNN(4, 8, num_layers=2)
    >>> out, h_n = rnn(ember.randn(5, 3, 4))
    >>> tuple(out.shape), tuple(h_n.shape)
    ((5, 3, 8), (2, 3, 8))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity, args = args[3], args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or "
                             "'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)
        self.nonlinearity = nonlinearity

    def _sequence(self, x, states, weights, steps):
        w_ih, w_hh, b_ih, b_hh = self._split(weights)
        return RNNSequence.apply(x, states[0], w_ih, w_hh, b_ih, b_hh, steps,
                                 self.nonlinearity == "relu")


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), gates in PyTorch's order::

        i = sigmoid(x W_ii^T + b_ii + h W_hi^T + b_hi)     f = sigmoid(... W_if, W_hf ...)
        g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)        o = sigmoid(... W_io, W_ho ...)
        c' = f * c + i * g                                 h' = o * tanh(c')

    ``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, device=None, dtype=None)``. With ``proj_size > 0`` the
    hidden state is projected: ``h' = (o * tanh(c')) W_hr^T``. ``forward(input, (h_0, c_0))``
    returns ``(output, (h_n, c_n))``. Default initialisation: every parameter
    ``~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``. Double backward is not supported (see
    the module doc); use :class:`LSTMCell` for that.

    >>> lstm = ember.nn.LSTM(4, 8, batch_first=True)
    >>> out, (h_n, c_n) = lstm(ember.randn(3, 5, 4))
    >>> tuple(out.shape), tuple(h_n.shape), tuple(c_n.shape)
    ((3, 5, 8), (1, 3, 8), (1, 3, 8))
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)

    def _state_shapes(self, batch):
        layers = self.num_layers * (2 if self.bidirectional else 1)
        return [(layers, batch, self.proj_size or self.hidden_size),
                (layers, batch, self.hidden_size)]

    def _sequence(self, x, states, weights, steps):
        w_ih, w_hh, b_ih, b_hh, *w_hr = self._split(weights)
        return LSTMSequence.apply(x, states[0], states[1], w_ih, w_hh, b_ih, b_hh,
                                  w_hr[0] if w_hr else None, steps)


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al., 2014), gates in PyTorch's order::

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)     z = sigmoid(... W_iz, W_hz ...)
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))  h' = (1 - z) * n + z * h

    ``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, device=None, dtype=None)``. Default initialisation: every parameter
    ``~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.

    >>> gru = ember.nn.GRU(4, 8, bidirectional=True)
    >>> out, h_n = gru(ember.randn(5, 3, 4))
    >>> tuple(out.shape), tuple(h_n.shape)
    ((5, 3, 16), (2, 3, 8))
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def _sequence(self, x, states, weights, steps):
        w_ih, w_hh, b_ih, b_hh = self._split(weights)
        return GRUSequence.apply(x, states[0], w_ih, w_hh, b_ih, b_hh, steps)


# ---- cells: one time step, written with ember ops (so double backward works) ----
class RNNCellBase(Module):
    """Base of the cells: ``weight_ih (gates * hidden_size, input_size)``, ``weight_hh
    (gates * hidden_size, hidden_size)``, ``bias_ih``, ``bias_hh (gates * hidden_size,)``.
    Default initialisation: every parameter ``~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{type(self).__name__}: {name} must be a positive int, got {value!r}")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gate_size = num_chunks * hidden_size
        self.weight_ih = Parameter(empty(gate_size, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(empty(gate_size, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(empty(gate_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(empty(gate_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    reset_parameters = RNNBase.reset_parameters

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _describe(self):
        return f"{self._get_name()}({self.extra_repr()})"

    def _check(self, input, states):
        """Validate; return ``(input, states, batched)`` with a batch dimension added if needed."""
        if input.ndim not in (1, 2):
            raise ValueError(f"{self._describe()}: expected input to be 1-D (input_size,) or 2-D "
                             f"(batch, input_size), got a {input.ndim}-D input of shape "
                             f"{tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{self._describe()}: input has inconsistent input_size: got "
                               f"{input.shape[-1]} expected {self.input_size}")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        if states is None:
            return input, None, batched
        checked = []
        for name, s in states:
            if s.ndim != input.ndim - (0 if batched else 1):
                raise ValueError(f"{self._describe()}: expected {name} to be "
                                 f"{'2-D' if batched else '1-D'} like the input, got a {s.ndim}-D "
                                 f"tensor of shape {tuple(s.shape)}")
            if not batched:
                s = s.unsqueeze(0)
            if tuple(s.shape) != (input.shape[0], self.hidden_size):
                raise RuntimeError(f"{self._describe()}: expected {name} of shape "
                                   f"{(input.shape[0], self.hidden_size)} (batch, hidden_size) for "
                                   f"an input of shape {tuple(input.shape)}, got {tuple(s.shape)}")
            checked.append(s)
        return input, checked, batched

    def _zeros(self, input):
        return zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)

    def _gates(self, input, hx):
        """``x W_ih^T + b_ih`` and ``h W_hh^T + b_hh``."""
        gi = input @ self.weight_ih.T
        gh = hx @ self.weight_hh.T
        if self.bias:
            gi = gi + self.bias_ih
            gh = gh + self.bias_hh
        return gi, gh


class RNNCell(RNNCellBase):
    """One step of an Elman RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ReLU).

    ``RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh')``; ``forward(input, hx=None)``
    with input ``(N, H_in)`` or ``(H_in,)`` returns ``h'`` ``(N, H)`` or ``(H,)``. Default
    initialisation: every parameter ``~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; select from 'tanh' or "
                             "'relu'")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, states, batched = self._check(input, None if hx is None else [("hx", hx)])
        h = self._zeros(input) if states is None else states[0]
        gi, gh = self._gates(input, h)
        h = (gi + gh).tanh() if self.nonlinearity == "tanh" else (gi + gh).relu()
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One step of an LSTM (gates i, f, g, o as in :class:`LSTM`).

    ``LSTMCell(input_size, hidden_size, bias=True)``; ``forward(input, (h, c)=None)`` returns
    ``(h', c')``. Default initialisation: every parameter
    ``~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.

    >>> cell = ember.nn.LSTMCell(4, 8)
    >>> h, c = cell(ember.randn(3, 4))
    >>> tuple(h.shape), tuple(c.shape)
    ((3, 8), (3, 8))
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{self._describe()}: hx must be a tuple (h, c) of two tensors, got "
                            f"{type(hx).__name__}")
        input, states, batched = self._check(
            input, None if hx is None else [("hx[0]", hx[0]), ("hx[1]", hx[1])])
        h, c = (self._zeros(input), self._zeros(input)) if states is None else states
        gi, gh = self._gates(input, h)
        i, f, g, o = (gi + gh).chunk(4, 1)
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One step of a GRU (gates r, z, n as in :class:`GRU`).

    ``GRUCell(input_size, hidden_size, bias=True)``; ``forward(input, hx=None)`` returns ``h'``.
    Default initialisation: every parameter ``~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``.
    """

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, states, batched = self._check(input, None if hx is None else [("hx", hx)])
        h = self._zeros(input) if states is None else states[0]
        gi, gh = self._gates(input, h)
        i_r, i_z, i_n = gi.chunk(3, 1)
        h_r, h_z, h_n = gh.chunk(3, 1)
        r = (i_r + h_r).sigmoid()
        z = (i_z + h_z).sigmoid()
        n = (i_n + r * h_n).tanh()
        h = n + z * (h - n)
        return h if batched else h.squeeze(0)
