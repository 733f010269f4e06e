import numpy as np
import pytest

import ember
from ember import layers as L

A = ember.tensor([[1.0, 5.0], [3.0, -2.0]])
B = ember.tensor([[2.0, 1.0], [0.0, 4.0]])


def test_elementwise_merges():
    a, b = A.numpy(), B.numpy()
    np.testing.assert_allclose(L.Add()([A, B, A]).numpy(), a + b + a)
    np.testing.assert_allclose(L.Subtract()([A, B]).numpy(), a - b)
    np.testing.assert_allclose(L.Multiply()([A, B]).numpy(), a * b)
    np.testing.assert_allclose(L.Average()([A, B]).numpy(), (a + b) / 2)
    np.testing.assert_allclose(L.Maximum()([A, B]).numpy(), np.maximum(a, b))
    np.testing.assert_allclose(L.Minimum()([A, B]).numpy(), np.minimum(a, b))
    np.testing.assert_allclose(L.add([A, B]).numpy(), a + b)
    np.testing.assert_allclose(L.multiply([A, B]).numpy(), a * b)
    np.testing.assert_allclose(L.subtract([A, B]).numpy(), a - b)
    np.testing.assert_allclose(L.average([A, B]).numpy(), (a + b) / 2)
    np.testing.assert_allclose(L.maximum([A, B]).numpy(), np.maximum(a, b))
    np.testing.assert_allclose(L.minimum([A, B]).numpy(), np.minimum(a, b))
    assert L.Add().compute_output_shape([(None, 1, 3), (None, 4, 3)]) == (None, 4, 3)


def test_concatenate():
    assert L.concatenate([A, B]).shape == (2, 4)
    np.testing.assert_allclose(L.Concatenate(axis=0)([A, B]).numpy(), np.concatenate([A.numpy(), B.numpy()]))
    assert L.Concatenate().compute_output_shape([(None, 3, 2), (None, 3, 5)]) == (None, 3, 7)
    assert L.Concatenate().compute_output_shape([(None, 3, None), (None, 3, 5)]) == (None, 3, None)
    assert L.Concatenate.from_config(L.Concatenate(axis=1).get_config()).axis == 1
    x = ember.ones(2, 3, requires_grad=True)
    L.concatenate([x, x]).sum().backward()
    assert x.grad.tolist() == [[2.0] * 3] * 2


def test_merge_errors():
    with pytest.raises(ValueError, match=r"'add_x' \(Add\) expects a list of at least 2 "
                                         r"input tensors, received one tensor"):
        L.Add(name="add_x")(A)
    with pytest.raises(ValueError, match="expects exactly 2 input tensors, received a list of 3"):
        L.Subtract()([A, A, A])
    with pytest.raises(ValueError, match=r"inputs with shapes \(2, 2\), \(2, 3\) cannot be merged"):
        L.Add()([A, ember.ones(2, 3)])
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis -1"):
        L.Concatenate()([A, ember.ones(3, 2)])
    with pytest.raises(ValueError, match="needs inputs of one rank"):
        L.Concatenate()([A, ember.ones(2, 2, 2)])
