"""Shared argument handling for the convolution and pooling layers (Keras conventions)."""

__all__ = ["normalize_tuple", "normalize_padding", "normalize_data_format", "same_padding",
           "conv_output_length", "shape_str"]


def shape_str(shape):
    """``(None, 28, 28)``; a 1-tuple keeps its comma."""
    dims = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({dims}{',' if len(shape) == 1 else ''})"


def normalize_tuple(value, n, name, layer, allow_zero=False):
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * n
    value = tuple(value)
    least = 0 if allow_zero else 1
    if len(value) != n or not all(isinstance(v, int) and v >= least for v in value):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{layer}: {name} must be a {kind} integer or a tuple of {n} {kind} "
                         f"integers, received {name}={value!r}")
    return value


def normalize_padding(value, layer, allowed=("valid", "same")):
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"{layer}: padding must be one of {', '.join(map(repr, allowed))}, "
                         f"received padding={value!r}")
    return padding


def normalize_data_format(value, layer):
    fmt = value or "channels_last"
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError(f"{layer}: data_format must be 'channels_last' or 'channels_first', "
                         f"received data_format={value!r}")
    return fmt


def same_padding(length, kernel, stride, dilation=1):
    """``(before, after)`` of TensorFlow/Keras 'same' padding (the extra one goes after)."""
    effective = (kernel - 1) * dilation + 1
    out = -(-length // stride)
    total = max((out - 1) * stride + effective - length, 0)
    return total // 2, total - total // 2


def conv_output_length(length, kernel, padding, stride, dilation=1):
    if length is None:
        return None
    effective = (kernel - 1) * dilation + 1
    if padding == "same":
        return -(-length // stride)
    if padding == "causal":
        return -(-length // stride)
    return (length - effective) // stride + 1


def spatial_axes(data_format, rank):
    """The axes of the ``rank`` spatial dimensions of a (batch, ..., channels) input."""
    first = 1 if data_format == "channels_last" else 2
    return range(first, first + rank)


def check_spatial_rank(layer, shape, rank):
    """Refuse an input that is not (batch, ``rank`` spatial dimensions, channels)."""
    if isinstance(shape, list) or len(shape) != rank + 2:
        raise ValueError(f"{layer._describe()} expects inputs of rank {rank + 2} (batch, {rank} spatial "
                         f"dimension{'s' if rank > 1 else ''} and channels), received shape "
                         f"{shape if isinstance(shape, list) else shape_str(shape)}")
