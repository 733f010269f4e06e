"""One harness for all ops: forward, backward and double backward against PyTorch, plus a
float64 gradcheck/gradgradcheck (tinygrad's helper_test_op, Chainer's FunctionTestCase).

    check_op(lambda x, y: x * y, shapes=[(3, 4), (4,)])          # torch_fn defaults to fn
    check_op(ember.exp, torch_fn=torch.exp, shapes=[(5,)])
    check_op(lambda x: x.sum(1), shapes=[(2, 3)], inputs=[...])   # explicit numpy inputs

``fn`` receives ember tensors and ``torch_fn`` torch tensors; when ``torch_fn`` is None, ``fn``
is used for both (most ember code reads the same in torch). Torch comparisons are skipped when
torch is not installed; the gradchecks always run.

``EMBER_TEST_DEVICE=cuda`` runs the ember side of every check on the GPU (through CuPy) and
compares it with PyTorch on the CPU; the gradchecks, which test the math and not the device,
then run on the CPU only.
"""

import os

import numpy as np

import ember

try:
    import torch
except ImportError:  # the torch comparisons are skipped, not failed
    torch = None

DEVICE = os.environ.get("EMBER_TEST_DEVICE", "cpu")


def _make_inputs(shapes, inputs, low, high, seed):
    rng = np.random.default_rng(seed)
    if inputs is not None:
        return [np.asarray(a, dtype=np.float64)
                if isinstance(a, list) or (isinstance(a, np.ndarray) and a.dtype.kind == "f") else a
                for a in inputs]
    return [rng.uniform(low, high, size=s) for s in shapes]


def _to_ember(arrays, dtype, requires_grad):
    out = []
    for a in arrays:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            out.append(ember.tensor(a.astype(dtype), requires_grad=requires_grad, device=DEVICE))
        elif isinstance(a, np.ndarray):
            out.append(ember.tensor(a, device=DEVICE))
        else:
            out.append(a)
    return out


def _to_torch(arrays, dtype, requires_grad):
    out = []
    for a in arrays:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            out.append(torch.tensor(a.astype(dtype), requires_grad=requires_grad))
        elif isinstance(a, np.ndarray):
            out.append(torch.tensor(a))
        else:
            out.append(a)
    return out


def _outputs(result):
    if isinstance(result, (tuple, list)):
        return [r for r in result if r is not None]
    return [result]


def _np(t):
    if torch is not None and isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    return t.detach().cpu().numpy()


def check_op(fn, torch_fn=None, *, shapes=None, inputs=None, low=-2.0, high=2.0, seed=0,
             atol=1e-6, rtol=1e-5, atol32=1e-5, rtol32=1e-4, grad=True, gradgrad=True,
             gradcheck_eps=1e-6, gradcheck_atol=1e-5, gradcheck_rtol=1e-3):
    """Check ``fn`` against ``torch_fn``: values, dtypes and shapes in float64 and float32,
    gradients for a random upstream gradient, gradcheck and (optionally) gradgradcheck."""
    torch_fn = torch_fn or fn
    arrays = _make_inputs(shapes, inputs, low, high, seed)
    for dtype, at, rt in ((np.float64, atol, rtol), (np.float32, atol32, rtol32)):
        xs = _to_ember(arrays, dtype, grad)
        ys = _outputs(fn(*xs))
        if torch is None:
            continue
        txs = _to_torch(arrays, dtype, grad)
        tys = _outputs(torch_fn(*txs))
        assert len(ys) == len(tys), f"{len(ys)} outputs, torch gives {len(tys)}"
        for y, ty in zip(ys, tys):
            assert tuple(y.shape) == tuple(ty.shape), f"shape {tuple(y.shape)} != torch {tuple(ty.shape)}"
            assert str(y.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1], \
                f"dtype {y.dtype} != torch {ty.dtype}"
            np.testing.assert_allclose(_np(y), _np(ty), atol=at, rtol=rt, err_msg="forward")
        if not grad:
            continue
        rng = np.random.default_rng(seed + 1)
        diff = [(y, ty) for y, ty in zip(ys, tys) if y.requires_grad]
        assert len(diff) == sum(1 for ty in tys if ty.requires_grad), "requires_grad differs from torch"
        if not diff:
            continue
        seeds = [rng.standard_normal(y.shape).astype(dtype) for y, _ in diff]
        wanted = [x for x in xs if isinstance(x, ember.Tensor) and x.requires_grad]
        twanted = [x for x in txs if isinstance(x, torch.Tensor) and x.requires_grad]
        gs = ember.autograd.grad([y for y, _ in diff], wanted,
                                 [ember.tensor(s, device=DEVICE) for s in seeds], allow_unused=True)
        tgs = torch.autograd.grad([ty for _, ty in diff], twanted, [torch.tensor(s) for s in seeds],
                                  allow_unused=True)
        for i, (g, tg) in enumerate(zip(gs, tgs)):
            if tg is None:
                assert g is None or np.all(_np(g) == 0), f"input {i}: torch gives no gradient"
                continue
            assert g is not None, f"input {i}: no gradient, torch gives one"
            assert tuple(g.shape) == tuple(tg.shape)
            np.testing.assert_allclose(_np(g), _np(tg), atol=at * 10, rtol=rt * 10,
                                       err_msg=f"gradient of input {i}")
    if grad and DEVICE == "cpu":
        xs = _to_ember(arrays, np.float64, True)
        assert ember.autograd.gradcheck(fn, xs, eps=gradcheck_eps, atol=gradcheck_atol,
                                        rtol=gradcheck_rtol)
        if gradgrad:
            assert ember.autograd.gradgradcheck(fn, xs, eps=gradcheck_eps, atol=gradcheck_atol,
                                                rtol=gradcheck_rtol)
