"""Resampling kernels shared by the geometric transforms: pad, resize, affine warp (NumPy, vectorised).

They work on the last two axes of an array ``(..., H, W)`` and follow torchvision's tensor
kernels: resize is separable (two matrix products) with half-pixel centres and, when shrinking,
an antialiasing triangle filter as wide as the scale (PIL's and ``antialias=True``'s filter); the
affine warp maps every output pixel back to the input (the inverse matrix) and samples there.
"""

import math

import numpy as np

INTERPOLATIONS = ("nearest", "bilinear")
PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


def check_interpolation(interpolation, name):
    mode = str(getattr(interpolation, "value", interpolation)).lower()
    if mode not in INTERPOLATIONS:
        raise ValueError(f"{name}: interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    return mode


def fill_for(array, fill, is_mask, name):
    """The fill value for ``array``: a scalar, or one value per channel shaped ``(C, 1, 1)``."""
    if fill is None:
        return 0.0
    if isinstance(fill, (int, float)):
        return float(fill)
    if is_mask:  # a per-channel colour means nothing for a label map: pad masks with 0
        return 0.0
    fill = np.asarray(fill, dtype=np.float64).reshape(-1)
    channels = array.shape[-3] if array.ndim >= 3 else 1
    if fill.size == 1:
        return float(fill[0])
    if fill.size != channels or array.ndim < 3:
        raise ValueError(f"{name}: fill has {fill.size} values but the image of shape {array.shape} has "
                         f"{channels} channel(s); give one number or one value per channel")
    return fill.reshape(-1, 1, 1)


def cast_like(values, array):
    """Float results back to ``array``'s dtype: integers are rounded and clipped to their range."""
    if array.dtype.kind == "f":
        return values.astype(array.dtype, copy=False)
    if array.dtype.kind == "b":
        return values >= 0.5
    info = np.iinfo(array.dtype)
    return np.clip(np.rint(values), info.min, info.max).astype(array.dtype)


def as_float(array):
    return array if array.dtype.kind == "f" else array.astype(np.float32)


def pad(array, padding, fill=0.0, padding_mode="constant"):
    """Pad the last two axes by ``padding = (left, top, right, bottom)``."""
    left, top, right, bottom = padding
    if not any(padding):
        return array
    if padding_mode != "constant":
        widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
        return np.pad(array, widths, mode=padding_mode)
    h, w = array.shape[-2:]
    out = np.empty(array.shape[:-2] + (top + h + bottom, left + w + right), dtype=array.dtype)
    out[...] = cast_like(np.asarray(fill, dtype=np.float64), array)  # a scalar or (C, 1, 1)
    out[..., top:top + h, left:left + w] = array
    return out


def _linear_weights(in_size, out_size, antialias):
    """The ``(out_size, in_size)`` matrix of bilinear (triangle-filter) weights along one axis."""
    scale = in_size / out_size
    support = max(scale, 1.0) if antialias else 1.0
    centres = (np.arange(out_size) + 0.5) * scale  # in the input's pixel-edge coordinates
    distance = (np.arange(in_size) + 0.5)[None, :] - centres[:, None]
    weights = np.maximum(0.0, 1.0 - np.abs(distance) / support)
    # Rows are normalised, so taps outside the image count as the edge pixel (torch's clamping).
    return weights / weights.sum(axis=1, keepdims=True)


def _nearest_index(in_size, out_size):
    """PyTorch's "nearest": the input pixel ``floor(i * in / out)`` for output pixel ``i``."""
    return np.minimum(np.floor(np.arange(out_size) * (in_size / out_size)).astype(np.intp), in_size - 1)


def resize(array, size, interpolation="bilinear", antialias=True):
    """Resize the last two axes to ``size = (height, width)``."""
    (h, w), (oh, ow) = array.shape[-2:], size
    if (h, w) == (oh, ow):
        return array.copy()
    if interpolation == "nearest":
        return array[..., _nearest_index(h, oh)[:, None], _nearest_index(w, ow)]
    x = as_float(array)
    wy = _linear_weights(h, oh, antialias).astype(x.dtype)
    wx = _linear_weights(w, ow, antialias).astype(x.dtype)
    return cast_like(wy @ x @ wx.T, array)


def inverse_affine_matrix(center, angle, translate, scale, shear):
    """torchvision's ``_get_inverse_affine_matrix``: output pixel -> input pixel, as 6 numbers.

    Coordinates are relative to the image centre; ``angle`` and ``shear`` are in degrees.
    """
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    # rotation-scale-shear RSS = R(a) S(s) SHy(sy) SHx(sx); its inverse, then the translations
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy
    return m


def affine_output_size(matrix, w, h):
    """The ``(width, height)`` that holds the whole warped image (``expand=True``), as PIL does."""
    corners = np.array([[-w, -h, 2], [-w, h, 2], [w, h, 2], [w, -h, 2]], dtype=np.float64) * 0.5
    points = corners @ np.asarray(matrix, dtype=np.float64).reshape(2, 3).T + [w * 0.5, h * 0.5]
    # Truncate to 1e-4 first so that 1e-15 of rounding noise does not add a whole pixel.
    high = np.ceil(np.trunc(points.max(axis=0) * 1e4) * 1e-4)
    low = np.floor(np.trunc(points.min(axis=0) * 1e4) * 1e-4)
    width, height = (high - low).astype(int)
    return int(width), int(height)


def affine_warp(array, matrix, out_size, interpolation, fill):
    """Sample ``array`` at the inverse-mapped positions of every output pixel (``out_size = (h, w)``).

    Pixels that map outside the input take ``fill``. Follows torchvision's ``_apply_grid_transform``
    (``grid_sample`` with ``align_corners=False``): for bilinear, an all-ones channel is sampled the
    same way and blends the fill in, ``mask * (sample - fill) + fill``.
    """
    (h, w), (oh, ow) = array.shape[-2:], out_size
    a, b, c, d, e, f = matrix
    xs = (np.arange(ow) - (ow - 1) * 0.5)[None, :]
    ys = (np.arange(oh) - (oh - 1) * 0.5)[:, None]
    src_x = a * xs + b * ys + c + (w - 1) * 0.5
    src_y = d * xs + e * ys + f + (h - 1) * 0.5
    if interpolation == "nearest":
        ix, iy = np.rint(src_x).astype(np.intp), np.rint(src_y).astype(np.intp)  # half to even
        inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
        sample = array[..., np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)]
        filled = cast_like(np.broadcast_to(np.asarray(fill, dtype=np.float64), sample.shape), array)
        return np.where(inside, sample, filled)
    x = as_float(array)
    x0, y0 = np.floor(src_x), np.floor(src_y)
    fx, fy = (src_x - x0).astype(x.dtype), (src_y - y0).astype(x.dtype)
    x0, y0 = x0.astype(np.intp), y0.astype(np.intp)
    sample = np.zeros(array.shape[:-2] + (oh, ow), dtype=x.dtype)
    mask = np.zeros((oh, ow), dtype=x.dtype)
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            ix, iy = x0 + dx, y0 + dy
            weight = wx * wy * ((ix >= 0) & (ix < w) & (iy >= 0) & (iy < h))
            sample += weight * x[..., np.clip(iy, 0, h - 1), np.clip(ix, 0, w - 1)]
            mask += weight
    fill = np.asarray(fill, dtype=x.dtype)
    return cast_like(mask * (sample - fill) + fill, array)
