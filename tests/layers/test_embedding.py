import numpy as np
import pytest

import ember
from ember import layers as L


def test_embedding_lookup_counts_and_init():
    layer = L.Embedding(10, 4)
    ids = ember.tensor([[1, 2, 0], [9, 9, 3]])
    y = layer(ids)
    table = layer.get_weights()[0]
    assert y.shape == (2, 3, 4) and layer.count_params() == 40
    assert np.abs(table).max() <= 0.05
    np.testing.assert_array_equal(y.detach().numpy(), table[ids.numpy()])
    y.sum().backward()
    assert layer.embeddings.grad.numpy()[9].tolist() == [2.0] * 4
    assert layer.compute_output_shape((None, 3)) == (None, 3, 4)
    assert layer(ember.tensor([[1.0, 2.0]])).shape == (1, 2, 4)  # float ids are cast


def test_embedding_mask_config_and_errors():
    layer = L.Embedding(5, 2, mask_zero=True)
    ids = ember.tensor([[0, 3]])
    assert layer.compute_mask(ids).tolist() == [[False, True]]
    assert L.Embedding(5, 2).compute_mask(ids) is None
    cfg = layer.get_config()
    assert L.Embedding.from_config(cfg).get_config() == cfg
    with pytest.raises(ValueError, match=r"'e' \(Embedding\) \(input_dim=5\) received ids "
                                         r"in \[0, 7\].*at least 8"):
        L.Embedding(5, 2, name="e")(ember.tensor([[0, 7]]))
    with pytest.raises(ValueError, match="input_dim must be a positive integer"):
        L.Embedding(0, 2)
