"""The GPU path (CuPy): every layer, loss, optimizer and the high-level API give on ``cuda`` what
they give on the CPU. Skipped where no CUDA GPU is visible; the op harness covers single ops
on the GPU with ``EMBER_TEST_DEVICE=cuda``."""

import copy

import numpy as np
import pytest

import ember
from ember import nn
from ember.nn import functional as F

pytestmark = pytest.mark.skipif(not ember.cuda.is_available(), reason="no CUDA GPU (CuPy) here")


def _pair(factory):
    """The same module twice: on the CPU and on the GPU, equal weights, float64 for tight checks."""
    ember.manual_seed(0)
    cpu = factory().double()
    gpu = factory().double()
    gpu.load_state_dict(cpu.state_dict())
    return cpu, gpu.to("cuda")


def _run(module, inputs, weights, device):
    xs = [ember.tensor(a, device=device, requires_grad=a.dtype.kind == "f") for a in inputs]
    out = module(*xs)
    outs = [o for o in (out if isinstance(out, tuple) else (out,)) if isinstance(o, ember.Tensor)]
    if isinstance(outs[-1], tuple):
        outs = outs[:-1]
    loss = sum((o * ember.tensor(w, device=device)).sum() for o, w in zip(outs, weights))
    loss.backward()
    grads = [x.grad for x in xs if x.requires_grad] + [p.grad for p in module.parameters()]
    return [o.detach().cpu().numpy() for o in outs], [g.cpu().numpy() for g in grads if g is not None]


def _check(factory, *inputs, train=True, atol=1e-9):
    cpu, gpu = _pair(factory)
    cpu.train(train)
    gpu.train(train)
    rng = np.random.default_rng(1)
    out = copy.deepcopy(cpu)(*[ember.tensor(a) for a in inputs])  # shapes only: running stats untouched
    outs = [o for o in (out if isinstance(out, tuple) else (out,)) if isinstance(o, ember.Tensor)]
    weights = [rng.standard_normal(o.shape) for o in outs]
    cpu.zero_grad()
    y_cpu, g_cpu = _run(cpu, inputs, weights, "cpu")
    y_gpu, g_gpu = _run(gpu, inputs, weights, "cuda")
    assert all(p.device.type == "cuda" for p in gpu.parameters())
    for a, b in zip(y_cpu, y_gpu):
        np.testing.assert_allclose(b, a, atol=atol, rtol=1e-7)
    assert len(g_cpu) == len(g_gpu)
    for a, b in zip(g_cpu, g_gpu):
        np.testing.assert_allclose(b, a, atol=atol, rtol=1e-7)
    for (name, a), b in zip(cpu.state_dict().items(), gpu.state_dict().values()):
        np.testing.assert_allclose(b.cpu().numpy(), a.numpy(), atol=atol, err_msg=name)


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


LAYERS = {
    "linear": (lambda: nn.Linear(5, 3), [_x(4, 5)]),
    "bilinear": (lambda: nn.Bilinear(3, 4, 2), [_x(5, 3), _x(5, 4, seed=1)]),
    "conv1d": (lambda: nn.Conv1d(3, 4, 3, padding=1, stride=2), [_x(2, 3, 9)]),
    "conv2d": (lambda: nn.Conv2d(4, 6, 3, padding="same", dilation=2, groups=2), [_x(2, 4, 8, 8)]),
    "conv_transpose2d": (lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1), [_x(2, 3, 5, 5)]),
    "maxpool2d": (lambda: nn.MaxPool2d(2, return_indices=True), [_x(2, 3, 6, 6)]),
    "avgpool2d": (lambda: nn.AvgPool2d(3, stride=2, padding=1), [_x(2, 3, 7, 7)]),
    "adaptive_avg": (lambda: nn.AdaptiveAvgPool2d((2, 3)), [_x(2, 3, 7, 8)]),
    "batchnorm2d": (lambda: nn.BatchNorm2d(3), [_x(4, 3, 5, 5)]),
    "batchnorm1d": (lambda: nn.BatchNorm1d(6), [_x(8, 6)]),
    "layernorm": (lambda: nn.LayerNorm([4, 5]), [_x(3, 4, 5)]),
    "groupnorm": (lambda: nn.GroupNorm(2, 4), [_x(3, 4, 5, 5)]),
    "lstm": (lambda: nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True), [_x(3, 6, 4)]),
    "gru": (lambda: nn.GRU(4, 5, batch_first=True), [_x(3, 6, 4)]),
    "rnn": (lambda: nn.RNN(4, 5, nonlinearity="relu"), [_x(6, 3, 4)]),
    "attention": (lambda: nn.MultiheadAttention(8, 2, batch_first=True), [_x(2, 5, 8)] * 3),
    "encoder": (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0,
                                                                        batch_first=True), 2),
                [_x(2, 5, 8)]),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_a_layer_on_the_gpu_matches_the_cpu(name):
    factory, inputs = LAYERS[name]
    _check(factory, *inputs)


def test_embedding_with_padding_on_the_gpu_matches_the_cpu():
    _check(lambda: nn.Embedding(10, 4, padding_idx=0), np.array([[0, 3, 3], [9, 0, 1]]))


def test_eval_mode_batchnorm_uses_the_running_statistics_on_the_gpu():
    _check(lambda: nn.BatchNorm2d(3), _x(4, 3, 5, 5), train=False)


ACTIVATIONS = ["ReLU", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "Sigmoid", "Tanh", "Softplus",
               "SiLU", "Mish", "Hardtanh", "Hardsigmoid", "Hardswish", "ReLU6", "Softsign",
               "LogSigmoid", "Softmax", "LogSoftmax"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_an_activation_on_the_gpu_matches_the_cpu(name):
    cls = getattr(nn, name)
    _check(lambda: cls(dim=-1) if name in ("Softmax", "LogSoftmax") else cls(), _x(4, 7) * 3)


LOSSES = {
    "cross_entropy": lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1),
    "nll": lambda x, t: F.nll_loss(F.log_softmax(x, dim=1), t),
    "mse": lambda x, t: F.mse_loss(x, x.detach() * 0.5 + 1),
    "bce_logits": lambda x, t: F.binary_cross_entropy_with_logits(x, (x.detach() > 0).float()),
    "huber": lambda x, t: F.huber_loss(x, x.detach() * 0.3),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_a_loss_on_the_gpu_matches_the_cpu(name):
    logits, target = _x(6, 4) * 3, np.array([0, 3, 1, 2, 2, 0])
    values = []
    for device in ("cpu", "cuda"):
        x = ember.tensor(logits, device=device, requires_grad=True)
        loss = LOSSES[name](x, ember.tensor(target, device=device))
        loss.backward()
        assert loss.device.type == device
        values.append((loss.item(), x.grad.cpu().numpy()))
    assert values[1][0] == pytest.approx(values[0][0], rel=1e-10)
    np.testing.assert_allclose(values[1][1], values[0][1], atol=1e-12)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_an_optimizer_steps_the_same_on_the_gpu(name):
    results = []
    for device in ("cpu", "cuda"):
        ember.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).double().to(device)
        kwargs = {"momentum": 0.9, "nesterov": True} if name == "SGD" else {}
        opt = getattr(ember.optim, name)(model.parameters(), lr=0.05, **kwargs)
        x = ember.tensor(_x(16, 4), device=device)
        for _ in range(5):
            opt.zero_grad()
            loss = (model(x) ** 2).mean()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            opt.step()
        results.append([p.detach().cpu().numpy() for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, atol=1e-10)


def test_keras_fit_on_the_gpu_trains_like_on_the_cpu():
    from ember import layers

    histories, weights = [], []
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((64, 6)).astype(np.float32), rng.integers(0, 3, 64)
    for device in ("cpu", "cuda"):
        ember.manual_seed(0)
        model = ember.models.Sequential([layers.Input((6,)), layers.Dense(16, activation="relu"),
                                         layers.Dense(3)])
        model.to(device)
        model.compile(ember.optimizers.Adam(1e-2),
                      ember.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
        histories.append(history.history["loss"])
        weights.append(model.get_weights())
        assert model.predict(x, verbose=0).shape == (64, 3)
    np.testing.assert_allclose(histories[1], histories[0], rtol=1e-4)
    for a, b in zip(*weights):
        np.testing.assert_allclose(b, a, atol=1e-4)


def test_a_gpu_checkpoint_loads_on_the_cpu_and_back(tmp_path):
    model = nn.Linear(3, 2).to("cuda")
    ember.save({"model": model.state_dict(), "step": 3}, tmp_path / "ckpt.safetensors")
    on_cpu = ember.load(tmp_path / "ckpt.safetensors", map_location="cpu")
    assert on_cpu["model"]["weight"].device.type == "cpu" and on_cpu["step"] == 3
    np.testing.assert_array_equal(on_cpu["model"]["weight"].numpy(), model.weight.detach().cpu().numpy())
    back = ember.load(tmp_path / "ckpt.safetensors", map_location="cuda")
    assert back["model"]["bias"].device.type == "cuda"
    fresh = nn.Linear(3, 2)
    fresh.load_state_dict(on_cpu["model"])


def test_a_whole_model_saved_from_the_gpu_loads_anywhere(tmp_path):
    from ember import layers

    model = ember.models.Sequential([layers.Input((4,)), layers.Dense(3)])
    model.to("cuda")
    model.compile("adam", "mse")
    model.fit(np.ones((8, 4), np.float32), np.zeros((8, 3), np.float32), verbose=0)
    model.save(tmp_path / "m.ember")
    loaded = ember.models.load_model(tmp_path / "m.ember")
    np.testing.assert_allclose(loaded.predict(np.ones((2, 4)), verbose=0),
                               model.predict(np.ones((2, 4)), verbose=0), atol=1e-6)


def test_mixing_devices_and_numpy_on_the_gpu_fail_clearly():
    a, b = ember.ones(2, 3, device="cuda"), ember.ones(2, 3)
    with pytest.raises(RuntimeError, match="cuda.*cpu|cpu.*cuda"):
        a + b
    with pytest.raises((RuntimeError, TypeError), match="cpu"):
        a.numpy()
    layer = nn.Linear(3, 1)
    with pytest.raises(RuntimeError, match="cuda.*cpu|cpu.*cuda"):
        layer(a)
    with pytest.raises(RuntimeError, match="cross_entropy: .* but target is on cpu and the input on cuda"):
        F.cross_entropy(a, ember.tensor([0, 1]))


def test_random_draws_on_the_gpu_follow_the_seed():
    ember.manual_seed(7)
    first = ember.randn(4, 4, device="cuda").cpu().numpy()
    ember.manual_seed(7)
    np.testing.assert_array_equal(ember.randn(4, 4, device="cuda").cpu().numpy(), first)
    drop = nn.Dropout(0.5).to("cuda")
    out = drop(ember.ones(1000, device="cuda"))
    assert out.device.type == "cuda" and 0.4 < float((out == 0).float().mean().item()) < 0.6


def test_diagnostics_work_on_a_gpu_model():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)).to("cuda")
    loss = model(ember.randn(16, 4, device="cuda")).pow(2).mean()
    loss.backward()
    report = ember.diagnostics.gradient_report(model)
    assert len(report.to_dicts()) == 4
    assert "digraph" in ember.viz.make_dot(loss, params=dict(model.named_parameters())).source
    acts = ember.diagnostics.activation_report(model, ember.randn(16, 4, device="cuda"))
    assert len(acts.to_dicts()) >= 2


def test_a_dataloader_batch_moves_to_the_gpu():
    data = ember.data.TensorDataset(ember.randn(10, 3), ember.arange(10))
    for x, y in ember.data.DataLoader(data, batch_size=4):
        x, y = x.to("cuda"), y.to("cuda")
        assert x.device.type == y.device.type == "cuda"


def test_a_model_moved_before_it_is_built_builds_on_the_gpu():
    from ember import layers

    model = ember.models.Sequential([layers.Dense(8, activation="relu"), layers.Dense(2)])
    model.to("cuda")  # no weights yet: they are created at the first batch
    model.compile("adam", "mse")
    model.fit(np.ones((8, 5), np.float32), np.zeros((8, 2), np.float32), verbose=0)
    assert {p.device.type for p in model.parameters()} == {"cuda"}
