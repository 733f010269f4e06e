import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
from ember import layers as L

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _tf_same(n, k, s, d=1):
    eff = (k - 1) * d + 1
    total = max((-(-n // s) - 1) * s + eff - n, 0)
    return total // 2, total - total // 2


@pytest.mark.parametrize("strides,padding,dilation,groups", [(1, "valid", 1, 1), (2, "same", 1, 1),
                                                             (1, "same", 2, 1), (2, "valid", 1, 2),
                                                             (3, "same", 1, 1)])
def test_conv2d_matches_torch(strides, padding, dilation, groups):
    x = _x(2, 9, 8, 4)
    layer = L.Conv2D(6, 3, strides=strides, padding=padding, dilation_rate=dilation, groups=groups,
                     bias_initializer="random_normal")
    y = layer(ember.tensor(x, requires_grad=True))
    k, b = layer.get_weights()
    assert k.shape == (3, 3, 4 // groups, 6)
    xt = torch.tensor(x).permute(0, 3, 1, 2)
    if padding == "same":
        (t, bo), (le, r) = _tf_same(9, 3, strides, dilation), _tf_same(8, 3, strides, dilation)
        xt = TF.pad(xt, (le, r, t, bo))
    ref = TF.conv2d(xt, torch.tensor(k).permute(3, 2, 0, 1), torch.tensor(b), strides, 0, dilation, groups)
    np.testing.assert_allclose(y.detach().numpy(), ref.permute(0, 2, 3, 1).numpy(), rtol=1e-4, atol=1e-4)
    assert layer.compute_output_shape((None, 9, 8, 4)) == (None,) + tuple(y.shape[1:])


def test_conv2d_counts_channels_first_and_grad():
    layer = L.Conv2D(32, (3, 3), activation="relu")
    layer(ember.ones(1, 28, 28, 1))
    assert layer.count_params() == 320  # Keras: 3*3*1*32 + 32
    cf = L.Conv2D(2, 3, data_format="channels_first")
    y = cf(ember.ones(1, 3, 5, 5, requires_grad=True))
    assert y.shape == (1, 2, 3, 3) and cf.compute_output_shape((None, 3, 5, 5)) == (None, 2, 3, 3)
    y.sum().backward()
    assert cf.kernel.grad.shape == (3, 3, 3, 2)
    clone = L.Conv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_conv1d_matches_torch_and_causal():
    x = _x(2, 10, 3)
    layer = L.Conv1D(4, 3, padding="causal", dilation_rate=2)
    y = layer(ember.tensor(x))
    k, b = layer.get_weights()
    ref = TF.conv1d(TF.pad(torch.tensor(x).permute(0, 2, 1), (4, 0)), torch.tensor(k).permute(2, 1, 0),
                    torch.tensor(b), 1, 0, 2)
    np.testing.assert_allclose(y.numpy() if not y.requires_grad else y.detach().numpy(),
                               ref.permute(0, 2, 1).numpy(), rtol=1e-4, atol=1e-5)
    assert layer.count_params() == 3 * 3 * 4 + 4
    assert L.Conv1D(4, 3, strides=2).compute_output_shape((None, 10, 3)) == (None, 4, 4)


@pytest.mark.parametrize("kernel,strides,padding", [(3, 2, "same"), (3, 2, "valid"), (1, 2, "valid"),
                                                    (4, 2, "same"), (2, 3, "same")])
def test_conv2d_transpose_shapes_and_values(kernel, strides, padding):
    x = _x(2, 5, 4, 3)
    layer = L.Conv2DTranspose(2, kernel, strides=strides, padding=padding, bias_initializer="ones")
    y = layer(ember.tensor(x)).detach().numpy()
    k, b = layer.get_weights()
    assert k.shape == (kernel, kernel, 2, 3)
    full = TF.conv_transpose2d(torch.tensor(x).permute(0, 3, 1, 2), torch.tensor(k).permute(3, 2, 0, 1),
                               None, strides).numpy()
    outs = []
    for n in (5, 4):
        length = n * strides + (max(kernel - strides, 0) if padding == "valid" else 0)
        start = max(kernel - strides, 0) // 2 if padding == "same" else 0
        outs.append((length, start))
    (h, sh), (w, sw) = outs
    ref = np.zeros((2, 2, h, w), np.float32)
    part = full[:, :, sh:sh + h, sw:sw + w]
    ref[:, :, :part.shape[2], :part.shape[3]] = part
    ref += b.reshape(1, -1, 1, 1)
    np.testing.assert_allclose(y, ref.transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)
    assert layer.compute_output_shape((None, 5, 4, 3)) == (None, h, w, 2)


@pytest.mark.parametrize("kernel,strides,padding,output_padding",
                         [(3, 2, "valid", 1), (3, 2, "same", 1), (3, 2, "same", 0), (4, 3, "same", 2),
                          (2, 2, "same", 1), (3, (2, 3), "valid", (1, 2))])
def test_conv2d_transpose_output_padding_and_groups(kernel, strides, padding, output_padding):
    """Keras' (TensorFlow's) output length ``(n - 1)*s + k + p`` ('valid') or ``(n - 1)*s + k % 2 +
    p`` ('same', cropped evenly from the full transposed convolution, the extra one at the end);
    with groups, torch's grouped transposed convolution."""
    x = _x(2, 5, 4, 4)
    layer = L.Conv2DTranspose(6, kernel, strides=strides, padding=padding, output_padding=output_padding,
                              groups=2, bias_initializer="ones")
    y = layer(ember.tensor(x)).detach().numpy()
    k, b = layer.get_weights()
    assert k.shape == (kernel, kernel, 3, 4)
    s = (strides, strides) if isinstance(strides, int) else strides
    p = (output_padding,) * 2 if isinstance(output_padding, int) else output_padding
    full = TF.conv_transpose2d(torch.tensor(x).permute(0, 3, 1, 2), torch.tensor(k).permute(3, 2, 0, 1),
                               None, s, groups=2).numpy()
    crops = []
    for n, si, pi in zip((5, 4), s, p):
        length = (n - 1) * si + (kernel if padding == "valid" else kernel % 2) + pi
        crops.append((length, max((n - 1) * si + kernel - length, 0) // 2))
    (h, sh), (w, sw) = crops
    ref = np.zeros((2, 6, h, w), np.float32)
    part = full[:, :, sh:sh + h, sw:sw + w]
    ref[:, :, :part.shape[2], :part.shape[3]] = part
    np.testing.assert_allclose(y, ref.transpose(0, 2, 3, 1) + b, rtol=1e-4, atol=1e-4)
    assert layer.compute_output_shape((None, 5, 4, 4)) == (None, h, w, 6)
    if padding == "valid":  # torch's own output_padding: the same placement
        torch_y = TF.conv_transpose2d(torch.tensor(x).permute(0, 3, 1, 2),
                                      torch.tensor(k).permute(3, 2, 0, 1), torch.tensor(b), s,
                                      output_padding=p, groups=2).numpy()
        np.testing.assert_allclose(y, torch_y.transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)
    assert L.Conv2DTranspose.from_config(layer.get_config()).output_padding == \
        (None if output_padding is None else p)


def test_conv_errors():
    with pytest.raises(ValueError, match=r"'c' \(Conv2D\).*expects inputs of rank 4 "
                       r"\(batch, height, width, channels\).*\(2, 28, 28\)"):
        L.Conv2D(4, 3, name="c")(ember.ones(2, 28, 28))
    layer = L.Conv2D(4, 3, name="c2")
    layer(ember.ones(1, 5, 5, 3))
    with pytest.raises(ValueError, match="built for inputs with 3 channels"):
        layer(ember.ones(1, 5, 5, 1))
    with pytest.raises(ValueError, match="needs spatial dimensions of at least 3"):
        L.Conv2D(4, 3)(ember.ones(1, 2, 5, 1))
    with pytest.raises(ValueError, match="divisible by groups=2"):
        L.Conv2D(4, 3, groups=2)(ember.ones(1, 5, 5, 3))
    with pytest.raises(ValueError, match="filters=3 must be divisible by groups=2"):
        L.Conv2D(3, 3, groups=2)
    with pytest.raises(ValueError, match="channel dimension of the inputs must be known"):
        L.Conv2D(3, 3)._check_input_shape((None, 5, 5, None))
    with pytest.raises(ValueError, match="padding must be one of 'valid', 'same'"):
        L.Conv2D(3, 3, padding="causal")
    with pytest.raises(ValueError, match="kernel_size must be a positive integer or a tuple of 2"):
        L.Conv2D(3, (3, 3, 3))
    with pytest.raises(ValueError, match="data_format must be"):
        L.Conv2D(3, 3, data_format="NHWC")
    with pytest.raises(ValueError, match="filters must be a positive integer"):
        L.Conv2D(0, 3)
    with pytest.raises(ValueError, match="Unknown constraint 1"):
        L.Conv2D(1, 3, kernel_constraint=1)
    with pytest.raises(ValueError, match=r"strides must be greater than output padding, received "
                       r"strides=\(2, 2\), output_padding=\(1, 2\)"):
        L.Conv2DTranspose(1, 3, strides=2, output_padding=(1, 2))
    with pytest.raises(ValueError, match="output_padding must be a non-negative integer"):
        L.Conv2DTranspose(1, 3, output_padding=-1)


@pytest.mark.parametrize("padding, data_format",
                         [("valid", "channels_last"), ("same", "channels_last"), ("same", "channels_first")])
def test_conv3d_matches_torch(padding, data_format):
    x = np.random.default_rng(0).standard_normal((2, 5, 6, 7, 3)).astype(np.float32)
    if data_format == "channels_first":
        x = x.transpose(0, 4, 1, 2, 3).copy()
    layer = L.Conv3D(4, (3, 2, 3), strides=(1, 2, 1), padding=padding, data_format=data_format)
    y = layer(ember.tensor(x)).detach().numpy()
    assert layer.kernel.shape == (3, 2, 3, 3, 4)
    tx = torch.tensor(x) if data_format == "channels_first" else torch.tensor(x).permute(0, 4, 1, 2, 3)
    if padding == "same":  # TensorFlow's 'same': the extra zero goes after
        flat = []
        for n, k, s in reversed(list(zip((5, 6, 7), (3, 2, 3), (1, 2, 1)))):
            total = max((-(-n // s) - 1) * s + k - n, 0)
            flat += [total // 2, total - total // 2]
        tx = torch.nn.functional.pad(tx, flat)
    weight = torch.tensor(layer.kernel.detach().numpy()).permute(4, 3, 0, 1, 2)
    bias = torch.tensor(layer.bias.detach().numpy())
    ty = torch.nn.functional.conv3d(tx, weight, bias, stride=(1, 2, 1))
    if data_format == "channels_last":
        ty = ty.permute(0, 2, 3, 4, 1)
    np.testing.assert_allclose(y, ty.numpy(), rtol=1e-5, atol=1e-5)
    spatial = (None,) + x.shape[1:]
    assert layer.compute_output_shape(spatial) == (None,) + y.shape[1:]
    assert L.Conv3D.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError,
                       match=r"expects inputs of rank 5 \(batch, depth, height, width, channels\)"):
        L.Conv3D(2, 3)(ember.ones(1, 4, 4, 3))
