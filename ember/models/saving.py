"""Whole models: ``model.save("m.ember")`` and ``ember.models.load_model("m.ember")``.

A ``.ember`` file is a zip holding ``model.json`` (the format version, the ember version, the
architecture as each layer's config, and the compile settings) and ``weights.safetensors`` (the
weights and the optimizer's state, written by ``ember.save``: checksummed, no code). Loading
rebuilds built-in layers without the user's code, loads the weights, compiles the model again
and restores the optimizer, so that training continues where it stopped. Nothing in the file is
executed. Sequential and Functional models are rebuilt from their graph; a subclassed model from
its class (found by name, see ``ember.models.serialization``) and its ``get_config`` (recorded
constructor arguments by default), then called once on zeros of the shape it was built for.
"""

import json
import os
import tempfile
import zipfile

import ember
from ember.models.sequential import Sequential
from ember.models.serialization import build, build_input_shape, deserialize_layer, serialize_layer
from ember.saving import FileFormatError, load, save
from ember.saving.atomic import write_atomically

__all__ = ["save_model", "load_model"]

FORMAT, VERSION = "ember.model", 1


def _compile_config(model):
    args = getattr(model, "_compile_args", None)
    if not getattr(model, "_is_compiled", False) or args is None:
        return None
    loss = args["loss"]
    if isinstance(loss, ember.losses.Loss):
        loss = {"class_name": type(loss).__name__, "config": loss.get_config()}
    elif not (loss is None or isinstance(loss, (str, list, dict))):
        raise TypeError(f"save: the loss {loss!r} is a function, which a file can't hold; compile "
                        "with a loss name or an ember.losses class to save the whole model, or use "
                        "save_weights")
    metrics = args["metrics"]
    if metrics is not None and not all(isinstance(m, str) for m in ember.layers.node.flatten(metrics)):
        raise TypeError("save: only metrics given by name (e.g. 'accuracy') can be saved with the "
                        "model; use names, or save_weights")
    optimizer = model.optimizer
    return {"optimizer": {"class_name": type(optimizer).__name__, "config": optimizer.get_config()},
            "loss": loss, "metrics": metrics, "loss_weights": args["loss_weights"]}


def save_model(model, filepath, overwrite=True):
    """Write ``model`` (architecture, weights, compile settings, optimizer state) to ``filepath``."""
    from ember.models.model import _ModuleModel

    filepath = os.fspath(filepath)
    if isinstance(model, _ModuleModel):
        raise TypeError(f"save: '{model.name}' wraps an nn.Module ({type(model.module).__name__}) "
                        "whose architecture is Python code, which a model file can't hold; save its "
                        "weights with model.save_weights(path) or ember.save(module.state_dict(), path)")
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save: {filepath} exists and overwrite=False")
    header = {"format": FORMAT, "version": VERSION, "ember_version": ember.__version__,
              **serialize_layer(model),
              "input_shape": list(model.input_shape) if isinstance(model, Sequential)
              and model.input_shape else None,
              "build_input_shape": build_input_shape(model),
              "compile": _compile_config(model)}
    state = {"model": model.state_dict()}
    if getattr(model, "optimizer", None) is not None and model.optimizer.built:
        state["optimizer"] = model.optimizer.state_dict()
    try:
        text = json.dumps(header, indent=1)
    except TypeError as error:  # e.g. a Lambda layer's function
        raise TypeError(f"save: the architecture holds a value a file can't hold ({error}); "
                        "Lambda layers and other Python functions can't be saved: use "
                        "save_weights, or a custom layer class") from None
    folder = os.path.dirname(os.path.abspath(filepath))
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        weights = os.path.join(tmp, "weights.safetensors")
        save(state, weights)

        def write(archive):
            with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
                zf.writestr("model.json", text)
                zf.write(weights, "weights.safetensors")

        write_atomically(filepath, write)  # the old file stays intact until the rename


def load_model(filepath, custom_objects=None, compile=True):
    """Rebuild the model saved by ``model.save(filepath)``, without running any code from it.

    Custom layer and model classes are found through ``custom_objects={"Name": Class}``, an
    ``ember.saving.custom_object_scope`` or ``@ember.saving.register_serializable()``."""
    filepath = os.fspath(filepath)
    if not zipfile.is_zipfile(filepath):
        raise FileFormatError(f"load_model: {filepath} is not an ember model file (a zip written by "
                              "model.save); for a weights file use model.load_weights")
    with zipfile.ZipFile(filepath) as zf:
        names = set(zf.namelist())
        if not {"model.json", "weights.safetensors"} <= names:
            raise FileFormatError(f"load_model: {filepath} lacks model.json or weights.safetensors; "
                                  "it was not written by model.save")
        header = json.loads(zf.read("model.json"))
        if header.get("format") != FORMAT:
            raise FileFormatError(f"load_model: {filepath} is not an ember model file")
        if header.get("version", 0) > VERSION:
            raise FileFormatError(f"load_model: {filepath} was written by a newer ember (format "
                                  f"version {header['version']}, ember {header.get('ember_version')})"
                                  f"; this ember reads version {VERSION}: upgrade ember")
        with tempfile.TemporaryDirectory() as tmp:
            zf.extract("weights.safetensors", tmp)
            state = load(os.path.join(tmp, "weights.safetensors"))
    try:
        model = deserialize_layer(header, custom_objects, what="the model")
    except ValueError as error:
        raise ValueError(f"load_model({filepath}): {error}") from None
    if not model.built and header.get("input_shape"):
        model(ember.zeros(*[1 if d is None else d for d in header["input_shape"]]))
    build(model, header.get("build_input_shape"))
    model.load_state_dict(state["model"])
    settings = header.get("compile")
    if compile and settings:
        loss = settings["loss"]
        if isinstance(loss, dict) and "class_name" in loss:
            loss = ember.losses.deserialize(loss)
        model.compile(ember.optimizers.get(settings["optimizer"]), loss,
                      loss_weights=settings["loss_weights"], metrics=settings["metrics"])
        if "optimizer" in state:
            model.optimizer.build(model.trainable_weights)
            model.optimizer.load_state_dict(state["optimizer"])
    return model
