"""The textbook's experiments in ``examples/``: each runs in ``--quick`` mode, draws its figure and
shows the effect it is about, in numbers."""

import importlib.util
import math
import pathlib

import numpy as np
import pytest

pytest.importorskip("matplotlib")

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """The examples' matrices are small: one BLAS thread is fastest, and on a busy 2-core machine
    a second thread that spins waiting for the first makes a run many times slower."""
    try:
        import threadpoolctl
    except ImportError:  # not a dependency of ember: then run as configured
        yield
        return
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        yield


def run(name, out, capsys):
    """Import ``examples/<name>.py`` and run its ``main`` in quick mode; return its results and
    what it printed."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = module.main(["--quick", "--out", str(out)])
    printed = capsys.readouterr().out
    assert printed.strip(), f"{name} printed no finding"
    return results, printed


def assert_png(path, min_bytes=20_000):
    """A real picture: the PNG signature and more than a blank canvas's few kilobytes."""
    data = pathlib.Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > min_bytes, f"{path} is only {len(data)} bytes"


def test_every_example_has_a_test():
    scripts = {p.stem for p in EXAMPLES.glob("*.py")}
    tested = {name[len("test_"):] for name in globals() if name.startswith("test_")}
    assert scripts <= tested, f"examples without a test: {sorted(scripts - tested)}"


def test_perceptron_xor(tmp_path, capsys):
    r, printed = run("perceptron_xor", tmp_path, capsys)
    assert r["AND"]["converged"] and r["AND"]["accuracy"] == 1
    assert r["OR"]["converged"] and r["OR"]["accuracy"] == 1
    assert not r["XOR"]["converged"] and r["XOR"]["accuracy"] <= 0.75  # no line gets all four
    assert r["mlp_xor"]["accuracy"] == 1
    assert "XOR" in printed
    assert_png(r["figure"])


def test_universal_approximation(tmp_path, capsys):
    r, _ = run("universal_approximation", tmp_path, capsys)
    for errors in (r["sin_error"], r["step_error"]):
        assert errors[-1] < errors[0] / 5  # the widest network fits far better than one unit
        assert min(errors[2:]) < min(errors[:2])  # and the gain is not a fluke of one width
    assert_png(r["figure"])


def test_backprop_by_hand(tmp_path, capsys):
    r, _ = run("backprop_by_hand", tmp_path, capsys)
    assert r["max_difference"] < 1e-10
    assert set(r["differences"]) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert r["finite_difference_error"] < 1e-6  # the approximate check agrees, less closely
    assert_png(r["figure"])


def test_zero_init_symmetry(tmp_path, capsys):
    r, _ = run("zero_init_symmetry", tmp_path, capsys)
    for start in ("zeros", "constant 0.5"):
        assert r[start]["unit_spread"] == 0 and r[start]["distinct_units"] == 1
    assert r["random (default)"]["distinct_units"] == 8
    assert r["random (default)"]["unit_spread"] > 0.5
    assert r["random (default)"]["final_loss"] < r["constant 0.5"]["final_loss"] - 0.2
    assert_png(r["figure"])


def test_he_init_depth(tmp_path, capsys):
    r, _ = run("he_init_depth", tmp_path, capsys)
    assert len(r["he_std"]) == len(r["xavier_std"]) == 30
    assert 0.3 < r["he_std"][-1] < 3  # of order 1 at layer 30
    assert r["xavier_std"][-1] < 1e-3 * r["he_std"][-1]  # collapsed
    assert r["he_loss"][-1] < 0.5 * math.log(2)  # He trains
    assert r["xavier_loss"][-1] > 0.65  # Xavier sits at chance (ln 2)
    assert_png(r["figure"])


def test_glorot_tanh_gradients(tmp_path, capsys):
    r, _ = run("glorot_tanh_gradients", tmp_path, capsys)
    assert np.all(np.diff(r["naive_grad_var"]) > 0)  # shrinks at every layer towards the input
    assert r["naive_ratio"] < 1e-2
    assert r["xavier_ratio"] > 0.1
    assert_png(r["figure"])


def test_saxe_orthogonal(tmp_path, capsys):
    r, _ = run("saxe_orthogonal", tmp_path, capsys)
    np.testing.assert_allclose(r["orthogonal_singular_values"], 1, atol=1e-5)
    gaussian = r["gaussian_singular_values"]
    assert gaussian.min() < 1e-6 and gaussian.max() > 1  # spread over many orders of magnitude
    orthogonal = r["orthogonal_steps"]
    assert None not in orthogonal
    depths = r["depths"]
    # depth-independent: from depth 4 to the deepest (8 times deeper), the learning time levels off
    from_4 = orthogonal[depths.index(4):]
    assert max(from_4) <= 2.5 * min(from_4)
    assert r["gaussian_steps"][-1] is None  # the deepest Gaussian network does not get there
    assert r["gaussian_steps"][depths.index(4)] > orthogonal[depths.index(4)]
    assert_png(r["figure"])


def test_vanishing_exploding(tmp_path, capsys):
    r, _ = run("vanishing_exploding", tmp_path, capsys)
    sigmoid, relu = r["sigmoid_grad_rms"], r["relu_grad_rms"]
    assert sigmoid[0] < 1e-8 * sigmoid[-1]  # vanished towards the input
    assert relu[0] > 1e-2 * relu[-1]
    assert r["sigmoid_vanishing"] > 0 and r["relu_vanishing"] == 0
    assert not math.isfinite(r["unclipped_loss"][-1])  # diverged without clipping
    assert max(r["unclipped_grad_norm"]) > 1e3 * r["unclipped_grad_norm"][0]
    clipped = r["clipped_loss"]
    assert all(math.isfinite(v) for v in clipped)
    assert clipped[-1] < clipped[0] / 3
    assert_png(r["figure"])
    assert_png(r["flow_figure"])
