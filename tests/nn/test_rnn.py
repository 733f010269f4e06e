"""RNN, LSTM, GRU and their cells: PyTorch parity on copied weights (outputs, final states,
input/state/parameter gradients), packed sequences, gradchecks, errors and initialisation."""

import doctest
import sys

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn.modules.rnn import GRUSequence, LSTMSequence, RNNSequence, _steps
from ember.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from tests.harness import torch

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
T, B, IN, H = 5, 3, 4, 6  # steps, batch, input and hidden sizes


def _np(t):
    return t.detach().numpy()


def _copy(module, torch_module):
    missing, unexpected = module.load_state_dict(
        {k: v.detach().numpy() for k, v in torch_module.state_dict().items()})
    assert not missing and not unexpected


def _pair(mode, dtype=np.float64, **kw):
    """The same layer in torch and ember, with torch's weights copied into ember's."""
    torch_layer = getattr(torch.nn, mode)(IN, H, **kw).to(getattr(torch, np.dtype(dtype).name))
    layer = getattr(nn, mode)(IN, H, **kw).to(getattr(ember, np.dtype(dtype).name))
    _copy(layer, torch_layer)
    return layer, torch_layer


def _states(mode, hx):
    return list(hx) if mode == "LSTM" else [hx]


def _compare(mode, kw, *, batched=True, with_hx=True, lengths=None, enforce_sorted=True,
             dtype=np.float64, tol=1e-10):
    layer, torch_layer = _pair(mode, dtype, **kw)
    rng = np.random.default_rng(0)
    batch_first = kw.get("batch_first", False)
    shape = ((B, T, IN) if batch_first else (T, B, IN)) if batched else (T, IN)
    x = rng.standard_normal(shape).astype(dtype)
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    out_size = kw.get("proj_size", 0) or H
    state_shapes = [(layers, B, out_size)] + ([(layers, B, H)] if mode == "LSTM" else [])
    if not batched:
        state_shapes = [(s[0], s[2]) for s in state_shapes]
    states = [rng.standard_normal(s).astype(dtype) for s in state_shapes]
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    ths = [torch.tensor(s, requires_grad=True) for s in states]
    ehs = [ember.tensor(s, requires_grad=True) for s in states]
    t_in, e_in = tx, ex
    if lengths is not None:
        t_in = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first=batch_first,
                                                       enforce_sorted=enforce_sorted)
        e_in = pack_padded_sequence(ex, lengths, batch_first=batch_first,
                                    enforce_sorted=enforce_sorted)
    t_hx = e_hx = None
    if with_hx:
        t_hx = tuple(ths) if mode == "LSTM" else ths[0]
        e_hx = tuple(ehs) if mode == "LSTM" else ehs[0]
    t_out, t_final = torch_layer(t_in, t_hx)
    e_out, e_final = layer(e_in, e_hx)
    if lengths is not None:
        assert isinstance(e_out, ember.nn.utils.rnn.PackedSequence)
        np.testing.assert_array_equal(e_out.batch_sizes.numpy(), t_out.batch_sizes.numpy())
        t_out = torch.nn.utils.rnn.pad_packed_sequence(t_out, batch_first=batch_first)[0]
        e_out = pad_packed_sequence(e_out, batch_first=batch_first)[0]
    assert e_out.shape == tuple(t_out.shape) and e_out.dtype == getattr(ember, np.dtype(dtype).name)
    np.testing.assert_allclose(_np(e_out), _np(t_out), atol=tol, rtol=tol)
    t_finals, e_finals = _states(mode, t_final), _states(mode, e_final)
    for e, t in zip(e_finals, t_finals):
        assert e.shape == tuple(t.shape)
        np.testing.assert_allclose(_np(e), _np(t), atol=tol, rtol=tol)
    # one random upstream gradient for the output and every final state
    weights = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in [t_out] + t_finals]
    t_loss = sum((t * torch.tensor(w)).sum() for t, w in zip([t_out] + t_finals, weights))
    e_loss = sum((e * ember.tensor(w)).sum() for e, w in zip([e_out] + e_finals, weights))
    t_loss.backward()
    e_loss.backward()
    np.testing.assert_allclose(_np(ex.grad), tx.grad.numpy(), atol=tol, rtol=tol)
    if with_hx:
        for e, t in zip(ehs, ths):
            np.testing.assert_allclose(_np(e.grad), t.grad.numpy(), atol=tol, rtol=tol)
    for (name, p), (t_name, tp) in zip(layer.named_parameters(), torch_layer.named_parameters()):
        assert name == t_name
        np.testing.assert_allclose(_np(p.grad), tp.grad.numpy(), atol=tol, rtol=tol, err_msg=name)


MODES = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}), ("GRU", {})]
CONFIGS = [
    {},
    {"num_layers": 2},
    {"bidirectional": True},
    {"num_layers": 2, "bidirectional": True, "batch_first": True},
    {"bias": False, "batch_first": True},
]


@needs_torch
@pytest.mark.parametrize("mode, extra", MODES)
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("with_hx", [True, False])
def test_matches_torch(mode, extra, config, with_hx):
    _compare(mode, {**extra, **config}, with_hx=with_hx)


@needs_torch
@pytest.mark.parametrize("mode, extra", MODES)
@pytest.mark.parametrize("config", [{}, {"num_layers": 2, "bidirectional": True}])
def test_unbatched_input_matches_torch(mode, extra, config):
    _compare(mode, {**extra, **config}, batched=False)


@needs_torch
@pytest.mark.parametrize("mode, extra", MODES)
def test_float32_matches_torch(mode, extra):
    _compare(mode, {**extra, "num_layers": 2, "bidirectional": True}, dtype=np.float32, tol=2e-5)


@needs_torch
@pytest.mark.parametrize("mode, extra", MODES)
@pytest.mark.parametrize("config", [{}, {"num_layers": 2, "bidirectional": True},
                                    {"batch_first": True, "bidirectional": True}])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequence_matches_torch(mode, extra, config, enforce_sorted):
    lengths = [5, 4, 2] if enforce_sorted else [2, 5, 4]
    _compare(mode, {**extra, **config}, lengths=lengths, enforce_sorted=enforce_sorted)


@needs_torch
@pytest.mark.parametrize("config", [{}, {"num_layers": 2, "bidirectional": True},
                                    {"batch_first": True, "bias": False}])
def test_lstm_projection_matches_torch(config):
    _compare("LSTM", {"proj_size": 3, **config})
    _compare("LSTM", {"proj_size": 3, **config}, lengths=[2, 5, 3], enforce_sorted=False)


@needs_torch
@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_is_off_in_eval_mode(mode):
    layer, torch_layer = _pair(mode, num_layers=2, dropout=0.5)
    layer.eval()
    torch_layer.eval()
    x = np.random.default_rng(1).standard_normal((T, B, IN))
    out, _ = layer(ember.tensor(x))
    np.testing.assert_allclose(_np(out), torch_layer(torch.tensor(x))[0].detach().numpy(), atol=1e-12)


def test_dropout_between_layers_in_training():
    layer = nn.GRU(IN, H, num_layers=2, dropout=0.5).double()
    x = ember.randn(T, B, IN, dtype=ember.float64)
    layer.eval()
    reference, h_ref = layer(x)
    layer.train()
    out, h_n = layer(x)
    # the first layer's final state sees no dropout; the second layer's input was dropped
    np.testing.assert_allclose(_np(h_n[0]), _np(h_ref[0]), atol=1e-12)
    assert np.abs(_np(out) - _np(reference)).max() > 1e-3
    ember.manual_seed(3)
    a, _ = layer(x)
    ember.manual_seed(3)
    b, _ = layer(x)
    np.testing.assert_array_equal(_np(a), _np(b))  # reproducible from the seed


def test_dropout_with_one_layer_warns_as_pytorch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.LSTM(IN, H, dropout=0.2)


# ---- the sequence ops themselves: float64 gradchecks on tiny sizes ----
def _gradcheck_inputs(rng, shapes):
    return [ember.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]


@pytest.mark.parametrize("sizes, reverse", [((3, 3, 3), False), ((3, 3, 3), True),
                                            ((3, 2, 1), False), ((3, 2, 1), True)])
@pytest.mark.parametrize("kind", ["tanh", "relu", "lstm", "lstm_proj", "gru", "gru_nobias"])
def test_sequence_ops_gradcheck(kind, sizes, reverse):
    rng = np.random.default_rng(0)
    n_in, hid, out = 2, 3, (2 if kind == "lstm_proj" else 3)
    steps = _steps(np.asarray(sizes), reverse)
    rows, batch = sum(sizes), sizes[0]
    gates = {"tanh": 1, "relu": 1, "gru": 3, "gru_nobias": 3}.get(kind, 4) * hid
    x, h0, w_ih, w_hh = _gradcheck_inputs(rng, [(rows, n_in), (batch, out), (gates, n_in),
                                                 (gates, out)])
    biases = [] if kind == "gru_nobias" else _gradcheck_inputs(rng, [(gates,), (gates,)])
    if kind in ("tanh", "relu"):
        if kind == "relu":  # keep pre-activations away from the kink for finite differences
            x = ember.tensor(np.abs(_np(x)) + 0.5, requires_grad=True)
            w_ih = ember.tensor(np.abs(_np(w_ih)), requires_grad=True)
        fn = lambda *a: RNNSequence.apply(*a, steps, kind == "relu")  # noqa: E731
        inputs = [x, h0, w_ih, w_hh] + biases
    elif kind.startswith("lstm"):
        c0, = _gradcheck_inputs(rng, [(batch, hid)])
        w_hr = _gradcheck_inputs(rng, [(out, hid)])[0] if kind == "lstm_proj" else None
        fn = lambda x, h, c, a, b, p, q, *r: LSTMSequence.apply(  # noqa: E731
            x, h, c, a, b, p, q, r[0] if r else None, steps)
        inputs = [x, h0, c0, w_ih, w_hh] + biases + ([w_hr] if w_hr is not None else [])
    else:
        fn = (lambda *a: GRUSequence.apply(*a, steps)) if biases else \
            (lambda x, h, a, b: GRUSequence.apply(x, h, a, b, None, None, steps))
        inputs = [x, h0, w_ih, w_hh] + biases
    assert ember.autograd.gradcheck(fn, inputs)


def test_sequence_ops_skip_gradients_nobody_needs():
    layer = nn.LSTM(IN, H)
    x = ember.randn(T, B, IN)
    out, _ = layer(x)
    out.sum().backward()
    assert x.grad is None and all(p.grad is not None for p in layer.parameters())


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
def test_double_backward_through_a_layer_raises_clearly(mode):
    layer = getattr(nn, mode)(IN, H).double()
    x = ember.randn(T, B, IN, dtype=ember.float64, requires_grad=True)
    out, _ = layer(x)
    gx, = ember.autograd.grad(out.sum(), x, create_graph=True)  # first order works
    with pytest.raises(RuntimeError, match=f"double backward through {mode} is not supported.*"
                                           f"nn.{mode}Cell"):
        gx.sum().backward()


def test_packed_final_state_is_taken_at_each_true_last_step():
    layer = nn.GRU(IN, H).double()
    rng = np.random.default_rng(2)
    seqs = [rng.standard_normal((n, IN)) for n in (5, 2, 4)]
    packed = ember.nn.utils.rnn.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted=False)
    _, h_n = layer(packed)
    for i, s in enumerate(seqs):  # each sequence run alone gives the same final state
        _, h_alone = layer(ember.tensor(s))
        np.testing.assert_allclose(_np(h_n[0, i]), _np(h_alone[0]), atol=1e-12)


# ---- parameters, initialisation, printing ----
@needs_torch
@pytest.mark.parametrize("mode, kw", [("RNN", {"num_layers": 2, "nonlinearity": "relu"}),
                                      ("LSTM", {"num_layers": 2, "bidirectional": True}),
                                      ("LSTM", {"proj_size": 3, "bias": False}),
                                      ("GRU", {"bidirectional": True, "batch_first": True})])
def test_parameters_and_repr_match_torch(mode, kw):
    layer, torch_layer = _pair(mode, **kw)
    assert [(n, tuple(p.shape)) for n, p in layer.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in torch_layer.named_parameters()]
    assert repr(layer) == repr(torch_layer)
    assert len(layer.all_weights) == len(torch_layer.all_weights)
    layer.flatten_parameters()  # a no-op, kept for PyTorch code


def test_default_initialisation_is_uniform_within_one_over_sqrt_hidden():
    layer = nn.LSTM(64, 256)
    bound = 1 / np.sqrt(256)
    values = np.concatenate([_np(p).ravel() for p in layer.parameters()])
    assert np.abs(values).max() <= bound
    assert abs(values.std() - bound / np.sqrt(3)) < 0.01 * bound  # U(-a, a) has std a/sqrt(3)
    assert abs(values.mean()) < 0.01 * bound


def test_dtype_and_device_arguments():
    layer = nn.GRU(IN, H, dtype=ember.float64)
    assert all(p.dtype == ember.float64 for p in layer.parameters())
    out, h = layer(ember.randn(T, B, IN, dtype=ember.float64))
    assert out.dtype == h.dtype == ember.float64


# ---- cells ----
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}), ("LSTMCell", {}),
         ("GRUCell", {}), ("GRUCell", {"bias": False})]


@needs_torch
@pytest.mark.parametrize("name, kw", CELLS)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_hx", [True, False])
def test_cells_match_torch(name, kw, batched, with_hx):
    torch_cell = getattr(torch.nn, name)(IN, H, **kw).double()
    cell = getattr(nn, name)(IN, H, **kw).double()
    _copy(cell, torch_cell)
    assert repr(cell) == repr(torch_cell)
    rng = np.random.default_rng(0)
    lead = (B,) if batched else ()
    x = rng.standard_normal(lead + (IN,))
    states = [rng.standard_normal(lead + (H,)) for _ in range(2 if name == "LSTMCell" else 1)]
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    ths = [torch.tensor(s, requires_grad=True) for s in states]
    ehs = [ember.tensor(s, requires_grad=True) for s in states]
    pack = (lambda s: tuple(s)) if name == "LSTMCell" else (lambda s: s[0])
    t_out = torch_cell(tx, pack(ths) if with_hx else None)
    e_out = cell(ex, pack(ehs) if with_hx else None)
    t_outs = list(t_out) if name == "LSTMCell" else [t_out]
    e_outs = list(e_out) if name == "LSTMCell" else [e_out]
    for e, t in zip(e_outs, t_outs):
        np.testing.assert_allclose(_np(e), t.detach().numpy(), atol=1e-12)
    sum((t * (i + 1)).sum() for i, t in enumerate(t_outs)).backward()
    sum((e * (i + 1)).sum() for i, e in enumerate(e_outs)).backward()
    np.testing.assert_allclose(_np(ex.grad), tx.grad.numpy(), atol=1e-12)
    if with_hx:
        for e, t in zip(ehs, ths):
            np.testing.assert_allclose(_np(e.grad), t.grad.numpy(), atol=1e-12)
    for (n, p), (_, tp) in zip(cell.named_parameters(), torch_cell.named_parameters()):
        np.testing.assert_allclose(_np(p.grad), tp.grad.numpy(), atol=1e-12, err_msg=n)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_gradcheck_and_double_backward(name):
    cell = getattr(nn, name)(2, 3).double()
    rng = np.random.default_rng(1)
    x, h, c = (ember.tensor(rng.standard_normal((2, n)), requires_grad=True) for n in (2, 3, 3))

    def fn(x, h, c):
        if name == "LSTMCell":
            h, c = cell(x, (h, c))
            return h + 2 * c
        return cell(x, h)

    assert ember.autograd.gradcheck(fn, [x, h, c])
    assert ember.autograd.gradgradcheck(fn, [x, h, c])


# ---- errors: each names the layer, its configuration and the shapes ----
def test_input_of_wrong_rank_names_the_layer():
    layer = nn.LSTM(32, 128, batch_first=True)
    with pytest.raises(ValueError, match=r"LSTM\(32, 128, batch_first=True\): expected a 3-D input "
                                         r"\(batch, seq, input_size\).*got a 4-D input of shape "
                                         r"\(2, 3, 4, 32\)"):
        layer(ember.randn(2, 3, 4, 32))


def test_input_size_mismatch_names_both_sizes():
    with pytest.raises(RuntimeError, match=r"GRU\(32, 16\): input.size\(-1\) must be equal to "
                                           r"input_size. Expected 32, got 20"):
        nn.GRU(32, 16)(ember.randn(5, 2, 20))


def test_hidden_state_shape_mismatch():
    layer = nn.RNN(IN, H, num_layers=2)
    with pytest.raises(RuntimeError, match=r"RNN\(4, 6, num_layers=2\): expected hx of shape "
                                           r"\(2, 3, 6\).*got \(1, 3, 6\)"):
        layer(ember.randn(T, B, IN), ember.zeros(1, B, H))
    with pytest.raises(RuntimeError, match=r"for batched 3-D input, hx should also be 3-D, but got "
                                           r"a 2-D tensor"):
        layer(ember.randn(T, B, IN), ember.zeros(2, H))
    with pytest.raises(RuntimeError, match=r"for unbatched 2-D input, cx should also be 2-D"):
        nn.LSTM(IN, H)(ember.randn(T, IN), (ember.zeros(1, H), ember.zeros(1, 1, H)))
    with pytest.raises(TypeError, match=r"expected hx to be a tuple \(h_0, c_0\) of tensors"):
        nn.LSTM(IN, H)(ember.randn(T, B, IN), ember.zeros(1, B, H))
    with pytest.raises(ValueError, match=r"hx dtype \(ember.float64\) does not match the input "
                                         r"dtype \(ember.float32\)"):
        layer(ember.randn(T, B, IN), ember.zeros(2, B, H, dtype=ember.float64))


def test_dtype_mismatch_says_how_to_convert():
    with pytest.raises(ValueError, match=r"input dtype \(ember.float64\) does not match the weight "
                                         r"dtype \(ember.float32\)"):
        nn.LSTM(IN, H)(ember.randn(T, B, IN, dtype=ember.float64))


def test_packed_data_must_be_2d():
    packed = pack_padded_sequence(ember.randn(T, B, IN), [5, 3, 2])
    bad = ember.nn.utils.rnn.PackedSequence(packed.data.reshape(-1, 2, 2), packed.batch_sizes)
    with pytest.raises(RuntimeError, match=r"the data of a PackedSequence must be 2-D"):
        nn.GRU(IN, H)(bad)


@pytest.mark.parametrize("make, error, message", [
    (lambda: nn.LSTM(IN, H, dropout=1.5), ValueError, r"dropout should be a number in range \[0, 1\]"),
    (lambda: nn.GRU(IN, H, bias=1), TypeError, r"bias should be of type bool, got: int"),
    (lambda: nn.RNN(IN, 2.5), TypeError, r"hidden_size should be of type int, got: float"),
    (lambda: nn.RNN(IN, 0), ValueError, r"must be greater than zero.*hidden_size=0"),
    (lambda: nn.RNN(IN, H, nonlinearity="sigmoid"), ValueError, r"unknown nonlinearity 'sigmoid'"),
    (lambda: nn.GRU(IN, H, proj_size=2), ValueError, r"proj_size argument is only supported for LSTM"),
    (lambda: nn.RNN(IN, H, proj_size=2), ValueError, r"proj_size argument is only supported for LSTM"),
    (lambda: nn.LSTM(IN, H, proj_size=H), ValueError, r"smaller than hidden_size=6, got proj_size=6"),
    (lambda: nn.modules.rnn.RNNBase("LSTMX", IN, H), ValueError, r"Unrecognized RNN mode: 'LSTMX'"),
    (lambda: nn.RNNCell(IN, H, nonlinearity="gelu"), ValueError, r"RNNCell: unknown nonlinearity"),
    (lambda: nn.GRUCell(IN, -1), ValueError, r"GRUCell: hidden_size must be a positive int"),
])
def test_constructor_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_cell_errors_name_the_cell():
    cell = nn.LSTMCell(IN, H)
    with pytest.raises(ValueError, match=r"LSTMCell\(4, 6\): expected input to be 1-D \(input_size,\) "
                                         r"or 2-D"):
        cell(ember.randn(2, 3, IN))
    with pytest.raises(RuntimeError, match=r"input has inconsistent input_size: got 5 expected 4"):
        cell(ember.randn(3, 5))
    with pytest.raises(RuntimeError, match=r"expected hx\[1\] of shape \(3, 6\).*got \(2, 6\)"):
        cell(ember.randn(3, IN), (ember.zeros(3, H), ember.zeros(2, H)))
    with pytest.raises(ValueError, match=r"expected hx to be 1-D like the input, got a 2-D tensor"):
        nn.GRUCell(IN, H)(ember.randn(IN), ember.zeros(1, H))
    with pytest.raises(TypeError, match=r"hx must be a tuple \(h, c\) of two tensors"):
        cell(ember.randn(3, IN), ember.zeros(3, H))


def _run_doctests(module):
    names = {name: getattr(module, name) for name in module.__all__}
    result = doctest.testmod(module, extraglobs={"ember": ember, "nn": ember.nn,
                                                 "F": ember.nn.functional, **names})
    assert result.failed == 0 and result.attempted > 0


def test_docstring_examples():
    _run_doctests(sys.modules["ember.nn.modules.rnn"])
