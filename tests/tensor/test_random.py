import numpy as np
import pytest

import ember


def draws(generator=None):
    """One draw of each kind, as NumPy arrays."""
    kw = {} if generator is None else {"generator": generator}
    return [ember.rand(3, 2, **kw).numpy(), ember.randn(4, **kw).numpy(),
            ember.randint(0, 100, (5,), **kw).numpy(), ember.randperm(6, **kw).numpy()]


def assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def assert_differ(a, b):
    assert any(not np.array_equal(x, y) for x, y in zip(a, b))


def test_manual_seed_makes_every_draw_reproducible():
    ember.manual_seed(123)
    first = draws()
    ember.manual_seed(123)
    assert_same(first, draws())
    ember.manual_seed(124)
    assert_differ(first, draws())


def test_seeding_covers_like_factories_and_in_place_draws():
    ember.manual_seed(5)
    a = [ember.rand_like(ember.zeros(3)).numpy(), ember.randn_like(ember.zeros(3)).numpy(),
         ember.zeros(3).uniform_(-1, 1).numpy(), ember.zeros(3).normal_(0, 2).numpy()]
    ember.manual_seed(5)
    b = [ember.rand_like(ember.zeros(3)).numpy(), ember.randn_like(ember.zeros(3)).numpy(),
         ember.zeros(3).uniform_(-1, 1).numpy(), ember.zeros(3).normal_(0, 2).numpy()]
    assert_same(a, b)


def test_manual_seed_returns_the_default_generator_and_records_the_seed():
    g = ember.manual_seed(42)
    assert isinstance(g, ember.Generator)
    assert g is ember.backend.default_generator
    assert ember.random.initial_seed() == 42 and g.initial_seed() == 42
    assert ember.random.manual_seed is ember.manual_seed


def test_negative_seeds_are_accepted_as_in_pytorch():
    ember.manual_seed(-1)
    first = draws()
    ember.manual_seed(-1)
    assert_same(first, draws())


def test_generators_are_independent_of_the_global_state():
    g = ember.Generator().manual_seed(7)
    with_gen = draws(g)
    g.manual_seed(7)
    ember.manual_seed(0)
    ember.randn(100)  # global draws in between do not move g
    assert_same(with_gen, draws(g))
    # and draws from g do not move the global state
    ember.manual_seed(3)
    expected = draws()
    ember.manual_seed(3)
    draws(ember.Generator().manual_seed(99))
    assert_same(expected, draws())


def test_two_generators_with_one_seed_agree():
    assert_same(draws(ember.Generator().manual_seed(11)), draws(ember.Generator().manual_seed(11)))


def test_rng_state_round_trip_reproduces_draws():
    ember.manual_seed(9)
    ember.rand(5)  # move away from the freshly seeded state
    state = ember.random.get_rng_state()
    first = draws()
    ember.random.set_rng_state(state)
    assert_same(first, draws())


def test_rng_state_is_a_uint8_tensor_of_40_bytes():
    state = ember.random.get_rng_state()
    assert isinstance(state, ember.Tensor)
    assert state.dtype is ember.uint8 and tuple(state.shape) == (40,) and not state.requires_grad
    ember.manual_seed(1)
    s1 = ember.random.get_rng_state().numpy().copy()
    ember.rand(1)
    assert not np.array_equal(s1, ember.random.get_rng_state().numpy())


def test_saved_state_is_a_copy():
    state = ember.random.get_rng_state()
    before = state.numpy().copy()
    ember.rand(10)
    np.testing.assert_array_equal(state.numpy(), before)


def test_generator_state_round_trip():
    g = ember.Generator().manual_seed(4)
    state = g.get_state()
    first = draws(g)
    g.set_state(state)
    assert_same(first, draws(g))


def test_set_rng_state_refuses_a_wrong_size():
    with pytest.raises(ValueError, match=r"state of 40 bytes as returned by get_state\(\), got 39"):
        ember.random.set_rng_state(ember.zeros(39, dtype=ember.uint8))


def test_seed_draws_a_fresh_seed():
    s = ember.random.seed()
    assert ember.random.initial_seed() == s
    first = draws()
    ember.manual_seed(s)
    assert_same(first, draws())


def test_ranges_of_draws():
    ember.manual_seed(0)
    u = ember.rand(10000).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.02
    n = ember.randn(10000).numpy()
    assert abs(n.mean()) < 0.05 and abs(n.std() - 1.0) < 0.05
    r = ember.randint(-3, 4, (10000,)).numpy()
    assert set(np.unique(r)) == set(range(-3, 4))
