import numpy as np

import ember
from ember.data import DataLoader, Dataset
from ember.data import fetch as fetch_module
from ember.data.fetch import sample_states


class Augmented(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return ember.rand(2) + i


def test_sample_states_are_distinct_odd_and_reproducible():
    states = sample_states(12345, range(5000))
    assert len(set(states)) == 5000
    assert all(inc % 2 == 1 and 0 <= state < 1 << 128 and inc < 1 << 128 for state, inc in states)
    assert sample_states(12345, [7]) == [states[7]]
    assert not set(sample_states(12346, range(5000))) & set(states)  # another epoch, other states
    assert sample_states(1, ["a.png"]) == sample_states(1, ["a.png"]) != sample_states(1, ["b.png"])


def test_a_sample_draws_the_same_numbers_in_any_batch():
    def draws(indices):
        samples = fetch_module.fetch_map(Augmented(), indices, 99, True, list)
        return {i: s.numpy().tolist() for i, s in zip(indices, samples)}

    together = draws([0, 1, 2, 3])
    assert draws([3]) == {3: together[3]} and draws([2, 0]) == {2: together[2], 0: together[0]}


def test_preserved_rng_restores_state_and_initial_seed():
    ember.manual_seed(5)
    ember.rand(3)
    expected = ember.rand(4).tolist()
    ember.manual_seed(5)
    ember.rand(3)
    with fetch_module.preserved_rng():
        fetch_module.fetch_map(Augmented(), [0, 1], 99, True, list)
        ember.manual_seed(77)
    assert ember.rand(4).tolist() == expected and ember.random.initial_seed() == 5


def test_other_bit_generators_are_seeded_through_manual_seed(monkeypatch):
    other = np.random.Generator(np.random.MT19937(0))
    monkeypatch.setattr(fetch_module, "numpy_generator", lambda: other)
    ember.manual_seed(0)
    a = [x.tolist() for x in DataLoader(Augmented(), batch_size=3)]
    ember.manual_seed(0)
    assert [x.tolist() for x in DataLoader(Augmented(), batch_size=3)] == a
