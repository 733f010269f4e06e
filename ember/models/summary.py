"""``print_summary``: Keras 3's table of layers, output shapes and parameter counts."""

import numpy as np

__all__ = ["print_summary", "format_params"]


def format_params(count, weights):
    size = sum(int(np.prod(w.shape)) * w.detach().numpy().dtype.itemsize for w in weights)
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= scale:
            return f"{count:,} ({size / scale:.2f} {unit})"
    return f"{count:,} ({size:.2f} B)"


def _shape_str(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_str(s) for s in shape) + "]"
    dims = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({dims},)" if len(shape) == 1 else f"({dims})"


def _count(layer):
    if not layer.built:
        return "0 (unbuilt)"
    return f"{int(sum(int(np.prod(w.shape)) for w in layer.weights)):,}"


def _rows(model):
    from ember.models.functional import Functional
    from ember.models.sequential import Sequential
    if isinstance(model, Sequential):
        return [(f"{layer.name} ({type(layer).__name__})", _shape_str(shape), _count(layer))
                for layer, shape in zip(model.layers, model.layer_output_shapes())]
    if isinstance(model, Functional):
        rows = []
        for node in model._nodes:
            shapes = [t.shape for t in node.output_tensors]
            shape = shapes[0] if len(shapes) == 1 else shapes
            if any(r[0].startswith(f"{node.layer.name} (") for r in rows):
                continue  # a shared layer is listed once, with its first call's shape
            rows.append((f"{node.layer.name} ({type(node.layer).__name__})", _shape_str(shape),
                         _count(node.layer)))
        return rows
    return [(f"{layer.name} ({type(layer).__name__})", "?", _count(layer)) for layer in model.layers]


def print_summary(model, line_length=None, print_fn=None):
    print_fn = print_fn or print
    rows = _rows(model)
    headers = ("Layer (type)", "Output Shape", "Param #")
    widths = [max(len(headers[0]), *(len(r[0]) for r in rows), 29) + 2,
              max(len(headers[1]), *(len(r[1]) for r in rows), 22) + 2,
              max(len(headers[2]), *(len(r[2]) for r in rows), 13) + 2]

    def line(cells, sep):
        return sep + sep.join([f" {cells[0]:<{widths[0] - 1}}", f" {cells[1]:<{widths[1] - 1}}",
                               f"{cells[2]:>{widths[2] - 1}} "]) + sep

    print_fn(f'Model: "{model.name}"')
    print_fn("┏" + "┳".join("━" * w for w in widths) + "┓")
    print_fn(line(headers, "┃"))
    print_fn("┡" + "╇".join("━" * w for w in widths) + "┩")
    for i, row in enumerate(rows):
        print_fn(line(row, "│"))
        if i < len(rows) - 1:
            print_fn("├" + "┼".join("─" * w for w in widths) + "┤")
    print_fn("└" + "┴".join("─" * w for w in widths) + "┘")
    trainable, non_trainable = model.trainable_weights, model.non_trainable_weights
    n_train = sum(int(np.prod(w.shape)) for w in trainable)
    n_non = sum(int(np.prod(w.shape)) for w in non_trainable)
    print_fn(f" Total params: {format_params(n_train + n_non, trainable + non_trainable)}")
    print_fn(f" Trainable params: {format_params(n_train, trainable)}")
    print_fn(f" Non-trainable params: {format_params(n_non, non_trainable)}")
