import numpy as np
import pytest

import ember
from ember.data.transforms import CutMix, MixUp
from ember.data.transforms.mix import _MixBase


def _batch(n=6):
    images = np.random.default_rng(0).random((n, 3, 8, 8)).astype(np.float32)
    return images, np.arange(n) % 4


def test_mixup_blends_images_and_labels_by_one_lambda():
    images, labels = _batch()
    mixed, soft = MixUp(num_classes=4)(images, labels)
    assert soft.shape == (6, 4) and soft.dtype == np.float32
    np.testing.assert_allclose(soft.sum(axis=1), 1, rtol=1e-6)
    lam = soft[0, labels[0]]  # labels 0 and 3 differ, so the weight of the own class is lam
    np.testing.assert_allclose(mixed, lam * images + (1 - lam) * np.roll(images, 1, axis=0), rtol=1e-5)


def test_mixup_lambda_follows_beta():
    images, labels = _batch(2)
    lams = [MixUp(alpha=0.2, num_classes=4)(images, labels)[1][0, 0] for _ in range(2000)]
    # Beta(0.2, 0.2) is U-shaped: mean 1/2, variance 1/(4 * 1.4)
    assert abs(np.mean(lams) - 0.5) < 0.03 and abs(np.var(lams) - 1 / 5.6) < 0.02


def test_cutmix_pastes_a_box_and_labels_count_its_area():
    images = np.arange(4.0).reshape(4, 1, 1, 1) * np.ones((4, 3, 10, 10))
    labels = np.array([0, 1, 2, 3])
    for seed in range(10):
        ember.manual_seed(seed)
        mixed, soft = CutMix(num_classes=4)((images, labels))
        for i in range(4):
            own = (mixed[i, 0] == i).mean()
            np.testing.assert_allclose(soft[i, i], own, rtol=1e-6)
            pasted = mixed[i, 0] == (i - 1) % 4
            if pasted.any():
                rows, cols = np.nonzero(pasted)
                assert pasted.sum() == (np.ptp(rows) + 1) * (np.ptp(cols) + 1)
            assert np.isin(mixed[i], [i, (i - 1) % 4]).all()


def test_tensors_in_tensors_out_and_one_hot_labels():
    images, labels = _batch(4)
    one_hot = np.eye(4, dtype=np.float32)[labels]
    mixed, soft = MixUp()(ember.tensor(images), ember.tensor(one_hot))
    assert isinstance(mixed, ember.Tensor) and isinstance(soft, ember.Tensor) and soft.shape == (4, 4)
    ember.manual_seed(1)
    a = CutMix(num_classes=4)(images, labels)
    ember.manual_seed(1)
    b = CutMix(num_classes=4)(images, labels)
    np.testing.assert_array_equal(a[0], b[0])


def test_mix_errors():
    images, labels = _batch(4)
    with pytest.raises(ValueError, match="MixUp: alpha .* must be positive, got 0"):
        MixUp(alpha=0)
    with pytest.raises(ValueError, match="num_classes must be a positive int, got 2.5"):
        CutMix(num_classes=2.5)
    with pytest.raises(TypeError, match=r"expected \(images, labels\), got 3 inputs"):
        MixUp(num_classes=4)(images, labels, labels)
    with pytest.raises(ValueError, match=r"expected a batch of images \(N, C, H, W\), got shape \(3, 8, 8\)"):
        MixUp(num_classes=4)(images[0], labels)
    with pytest.raises(ValueError, match=r"labels of shape \(3,\) do not match the 4 images"):
        MixUp(num_classes=4)(images, labels[:3])
    with pytest.raises(ValueError, match="labels have 4 classes but num_classes is 5"):
        MixUp(num_classes=5)(images, np.eye(4)[labels])
    with pytest.raises(TypeError, match="class-index labels must be integers, got dtype float64"):
        MixUp(num_classes=4)(images, labels.astype(float))
    with pytest.raises(ValueError, match="pass num_classes= to one-hot encode"):
        CutMix()(images, labels)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\), got values from 0 to 3"):
        MixUp(num_classes=3)(images, labels)
    with pytest.raises(NotImplementedError, match=r"_MixBase must define mix\(images, lam\)"):
        _MixBase(num_classes=4)(images, labels)
