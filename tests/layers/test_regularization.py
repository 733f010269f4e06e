import pytest

import ember
from ember import layers as L


def test_dropout_training_and_inference():
    layer = L.Dropout(0.5)
    x = ember.ones(1000)
    y = layer(x, training=True).numpy()
    assert set(y.tolist()) <= {0.0, 2.0} and 0.4 < (y == 0).mean() < 0.6
    assert layer(x, training=False) is x
    layer.eval()
    assert layer(x) is x  # training=None: the module's mode
    layer.train()
    assert (layer(x).numpy() == 0).any()
    assert L.Dropout.from_config(layer.get_config()).rate == 0.5
    assert layer.compute_output_shape((None, 3)) == (None, 3)


def test_dropout_bad_rate():
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        L.Dropout(1.0)
    with pytest.raises(NotImplementedError, match="noise_shape"):
        L.Dropout(0.1, noise_shape=(1, 2))
