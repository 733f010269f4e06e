import numpy as np
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
    with pytest.raises(ValueError, match=r"noise_shape=\(1, 2\) does not broadcast to the input "
                       r"shape \(4, 3, 5\)"):
        L.Dropout(0.1, noise_shape=(1, 2))(ember.ones(4, 3, 5))
    with pytest.raises(ValueError, match=r"noise_shape=\(None, 2, 1\) does not broadcast"):
        L.Dropout(0.1, noise_shape=(None, 2, 1))(ember.ones(4, 3, 5))


def test_dropout_noise_shape_broadcasts_one_mask():
    layer = L.Dropout(0.5, noise_shape=(None, 1, None))
    y = layer(ember.ones(64, 3, 5), training=True).numpy()
    assert set(np.unique(y).tolist()) == {0.0, 2.0}
    assert (y == y[:, :1]).all()  # the same features dropped at every time step
    assert 0.35 < (y[:, 0] == 0).mean() < 0.65
    z = L.Dropout(0.5, noise_shape=(64, 1, 1))(ember.ones(64, 3, 5), training=True).numpy()
    assert all(len(np.unique(sample)) == 1 for sample in z)  # whole samples kept or dropped
    assert layer(ember.ones(2, 3, 5), training=False).numpy().tolist() == np.ones((2, 3, 5)).tolist()
    assert L.Dropout.from_config(layer.get_config()).noise_shape == (None, 1, None)
