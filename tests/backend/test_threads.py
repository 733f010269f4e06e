import numpy as np
import pytest

import ember
from ember.backend import threads


@pytest.fixture(autouse=True)
def _restore_threads():
    before = ember.get_num_threads()
    yield
    threads._state["threads"] = before


def _run_adam(n_threads):
    ember.set_num_threads(n_threads)
    ember.manual_seed(0)
    params = [ember.randn(400_000, requires_grad=True) for _ in range(4)]  # enough work to thread
    opt = ember.optim.Adam(params, lr=0.1)
    for step in range(3):
        for i, p in enumerate(params):
            p.grad = ember.full((400_000,), float(step + i))
        opt.step()
    return [p.detach().numpy().copy() for p in params]


def test_threaded_optimizer_updates_equal_the_serial_ones():
    for serial, threaded in zip(_run_adam(1), _run_adam(2)):
        np.testing.assert_array_equal(serial, threaded)


def test_parallel_map_reraises_a_workers_exception():
    ember.set_num_threads(2)

    def fail(item):
        raise ValueError(f"bad item {item}")
    with pytest.raises(ValueError, match="bad item"):
        threads.parallel_map(fail, [1, 2], work=1 << 22)


def test_set_num_threads_refuses_a_non_positive_count():
    with pytest.raises(ValueError, match="set_num_threads: expected a positive int, got 0"):
        ember.set_num_threads(0)
