"""``Model``: an ``nn.Module`` (and a Keras ``Layer``) that adds ``compile``, ``fit``, ``evaluate``
and ``predict``.

Three ways to make one, as in Keras: ``Model(inputs, outputs)`` on symbolic tensors (the
Functional API, ``ember.models.functional``), ``Sequential([...])``, or a subclass that defines
``call(inputs, training=None)``. ``Model.from_module(module)`` wraps any ``nn.Module``.

Training follows Keras 3: ``train_step(data)`` runs one batch (forward with ``training=True``,
loss = the compiled losses + the layers' regularization losses, backward, optimizer step) and
returns the running logs; ``fit`` reports per epoch the averages over samples (a smaller last batch
weighs less), with ``val_`` logs when there is validation data.
"""

import sys

import numpy as np

import ember
from ember import callbacks as callbacks_module
from ember import optimizers as optimizers_module
from ember.autograd.grad_mode import no_grad
from ember.layers.layer import Layer, to_snake_case
from ember.layers.node import flatten, is_symbolic, map_structure, symbolic_call
from ember.models import data_adapter
from ember.models.compile_utils import CompiledLoss, CompiledMetrics, LossTracker, structure_targets
from ember.nn.modules.module import Module
from ember.tensor.tensor import Tensor

__all__ = ["Model"]


def _to_numpy(structure):
    return map_structure(lambda t: t.detach().cpu().numpy() if isinstance(t, Tensor) else t,
                         structure)


def _shapes(inputs):
    """[None, d1, ...] for a tensor (a list of them for a list or tuple); None for other inputs."""
    if isinstance(inputs, (list, tuple)):
        shapes = [_shapes(x) for x in inputs]
        return None if None in shapes else shapes
    return [None, *map(int, inputs.shape[1:])] if hasattr(inputs, "shape") and inputs.shape else None


def _batch_size(x):
    first = flatten(x)[0]
    return int(first.shape[0])


def _data_parallel():
    """``(rank, world size)`` when fit runs in an initialised process group of several ranks."""
    from ember import distributed  # late: only fit under mpirun needs it

    if distributed.is_initialized() and distributed.get_world_size() > 1:
        return distributed.get_rank(), distributed.get_world_size()
    return None


def _set_epoch(batches, epoch):
    """A loader's DistributedSampler (any sampler with ``set_epoch``) reshuffles every epoch."""
    sampler = getattr(getattr(batches, "loader", None), "sampler", None)
    if hasattr(sampler, "set_epoch"):
        sampler.set_epoch(epoch)


def _mean_over_ranks(logs):
    """The epoch's logged values averaged over the ranks (each rank saw its own share)."""
    from ember import distributed

    values = ember.tensor(np.array([float(v) for v in logs.values()], np.float64))
    distributed.all_reduce(values, distributed.ReduceOp.AVG)
    return dict(zip(logs, values.tolist()))


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1 if sys.stdout.isatty() else 2
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2; received verbose={verbose!r}.")
    return int(verbose)


class Model(Layer):
    """Base class of Keras-style models; ``Model(inputs, outputs, name=)`` makes a Functional one.

    >>> import ember
    >>> from ember.models import Input, Model
    >>> x = Input(shape=(4,))
    >>> model = Model(x, ember.layers.Dense(2)(x))
    >>> model.predict(np.ones((3, 4)), verbose=0).shape
    (3, 2)
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from ember.models.functional import Functional
            return super().__new__(Functional)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, name=None, trainable=True, **kwargs):
        if args or kwargs.keys() & {"inputs", "outputs"}:
            raise TypeError(f"{type(self).__name__}: a subclassed Model takes no inputs/outputs; "
                            "use Model(inputs, outputs) for the Functional API.")
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._reset_compile_state()

    def _reset_compile_state(self):
        self.__dict__.update(optimizer=None, compiled_loss=None, compiled_metrics=None,
                             stop_training=False, history=None, _is_compiled=False,
                             _loss_tracker=LossTracker("loss"), _output_loss_trackers=[],
                             _run_eagerly=True)

    # ---------------------------------------------------------------- calling
    def __call__(self, inputs, *args, **kwargs):
        if is_symbolic(inputs, args, kwargs):
            return symbolic_call(self, inputs, *args, **kwargs)
        if "training" in kwargs and "training" not in self._call_params():
            kwargs.pop("training")
        elif "training" in self._call_params() and kwargs.get("training") is None:
            kwargs["training"] = self.training
        if not self.built:  # a subclassed model: remember the shapes it was built for (saving)
            self._build_input_shape = _shapes(inputs)
        outputs = Module.__call__(self, inputs, *args, **kwargs)
        self.built = True
        return outputs

    def call(self, inputs, training=None):
        raise NotImplementedError(f"{type(self).__name__} is a subclassed Model without call(); "
                                  "define call(self, inputs, training=None).")

    def _maybe_build(self, input_shape):
        if not self.built:
            self.compute_output_shape(input_shape)
            self.built = True
            self._build_input_shape = input_shape

    def compute_output_shape(self, input_shape):
        def zeros(s):
            return ember.zeros(*[1 if d is None else d for d in s])

        shapes = input_shape
        x = [zeros(s) for s in shapes] if isinstance(shapes, list) else zeros(shapes)
        with no_grad():
            out = Module.__call__(self, x, **({"training": False}
                                              if "training" in self._call_params() else {}))
        batch = (shapes[0] if isinstance(shapes, list) else shapes)[0]
        out = map_structure(lambda o: (batch,) + tuple(o.shape)[1:], out)
        return out

    @property
    def layers(self):
        return [m for m in self._modules.values() if isinstance(m, Layer)]

    def _track_layer(self, layer):
        """Register ``layer`` under a name local to this model ('dense', 'dense_1' ... in order,
        as Keras' weight files do), so that the state_dict keys of two models of the same
        architecture agree whatever the layers' global names."""
        base = to_snake_case(type(layer).__name__)
        key, i = base, 0
        while key in self._modules or key in self.__dict__ or hasattr(type(self), key):
            i += 1
            key = f"{base}_{i}"
        self.add_module(key, layer)
        return key

    def get_layer(self, name=None, index=None):
        """The layer called ``name`` (or at ``index`` in ``layers``)."""
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    # ---------------------------------------------------------------- weights
    def _weights(self, trainable):
        own = Layer.trainable_weights.fget(self) if trainable else \
            Layer.non_trainable_weights.fget(self)
        seen, out = set(), []
        for p in own + [p for p in self.parameters() if bool(p.requires_grad) == trainable]:
            if id(p) not in seen and (trainable or not p.requires_grad or not self.trainable):
                seen.add(id(p))
                out.append(p)
        return out

    @property
    def trainable_weights(self):
        return self._weights(True) if self.trainable else []

    @property
    def non_trainable_weights(self):
        return self._weights(False)

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    variables = weights

    def count_params(self):
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    def save_weights(self, filepath, overwrite=True):
        """Save the ``state_dict`` with ``ember.save`` (safetensors)."""
        import os
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"save_weights: {filepath} exists and overwrite=False.")
        ember.save(self.state_dict(), str(filepath))

    def load_weights(self, filepath):
        """Load weights saved by ``save_weights`` (or any ``ember.save`` of this state_dict)."""
        self.load_state_dict(ember.load(str(filepath)))

    def to_json(self, **kwargs):
        """The architecture (no weights) as JSON text; ``ember.models.model_from_json`` rebuilds it."""
        from ember.models.serialization import model_to_json

        return model_to_json(self, **kwargs)

    def save(self, filepath, overwrite=True):
        """Write the architecture, weights, compile settings and optimizer state (a ``.ember``
        zip; see ``ember.models.saving``); ``ember.models.load_model`` rebuilds it."""
        from ember.models.saving import save_model

        save_model(self, filepath, overwrite=overwrite)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False):
        """Print Keras' table of layers, output shapes and parameter counts."""
        from ember.models.summary import print_summary
        print_summary(self, line_length=line_length, print_fn=print_fn)

    @classmethod
    def from_module(cls, module, name=None):
        """A Model that runs ``module`` (any ``nn.Module``), so that ``compile``/``fit`` train it.

        >>> import ember
        >>> model = ember.models.Model.from_module(ember.nn.Linear(3, 1))
        >>> model.compile("sgd", "mse"); model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0).epoch
        [0]
        """
        if not isinstance(module, Module):
            raise TypeError(f"Model.from_module expects an ember.nn.Module; received "
                            f"{type(module).__name__}.")
        if isinstance(module, Model):
            return module
        return _ModuleModel(module, name=name)

    # ---------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=None, steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True):
        """Configure training: ``optimizer`` (name or ``ember.optimizers`` instance), ``loss`` (name,
        Loss, function; a list or dict for several outputs), ``metrics`` (list, or per output),
        ``loss_weights`` (list or dict)."""
        if isinstance(optimizer, ember.optim.Optimizer):
            raise TypeError("compile: received an ember.optim optimizer, already bound to "
                            "parameters; give an ember.optimizers one (e.g. "
                            "ember.optimizers.Adam(1e-3)) or a name such as 'adam'.")
        self.optimizer = optimizers_module.get(optimizer)
        self._compile_args = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics}
        self.compiled_loss = CompiledLoss(loss, loss_weights)
        if weighted_metrics:
            metrics = list(metrics or []) + list(weighted_metrics)
        self.compiled_metrics = CompiledMetrics(metrics)
        self._is_compiled = True
        self.stop_training = False

    def _check_compiled(self, what):
        if not self._is_compiled:
            raise RuntimeError(f"You must call compile() before using the model: {what}() needs a "
                               "loss and an optimizer, e.g. model.compile(optimizer='adam', "
                               "loss='mse').")

    @property
    def metrics(self):
        out = [self._loss_tracker] + list(self._output_loss_trackers)
        return out + (self.compiled_metrics.objects if self.compiled_metrics else [])

    @property
    def metrics_names(self):
        names = ["loss"] + [t.name for t in self._output_loss_trackers]
        if self.compiled_metrics is not None and self.compiled_metrics.built:
            names += list(self.compiled_metrics.results())
        return names

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    # ---------------------------------------------------------------- one batch
    def output_names(self):
        return ["output_0"]

    def _outputs_list(self, y_pred):
        if isinstance(y_pred, dict):
            return [y_pred[n] for n in self.output_names()]
        return list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]

    def _build_compiled(self, y, y_pred_list):
        names = self.output_names()
        if len(names) != len(y_pred_list):
            names = [f"output_{i}" for i in range(len(y_pred_list))]
        self._names_cache = names
        if self.compiled_loss.names is None:
            self.compiled_loss.build(names)
            if len(names) > 1:
                self._output_loss_trackers = [LossTracker(f"{n}_loss") for n, f in
                                              zip(names, self.compiled_loss.fns) if f is not None]
        if not self.compiled_metrics.built:
            self.compiled_metrics.build(names, y, y_pred_list, self.compiled_loss.fns)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled losses (weighted by ``loss_weights``) plus the regularization losses."""
        y_pred_list = self._outputs_list(y_pred)
        self._build_compiled(None if y is None else structure_targets(y, self._names_for(y_pred_list)),
                             y_pred_list)
        targets = structure_targets(y, self._names_cache)
        total, per_output = self.compiled_loss(targets, y_pred_list, sample_weight)
        self._last_output_losses = per_output
        for reg in self.losses:
            total = total + reg
        return total

    def _names_for(self, y_pred_list):
        names = self.output_names()
        return names if len(names) == len(y_pred_list) else \
            [f"output_{i}" for i in range(len(y_pred_list))]

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the metrics with one batch and return the running logs."""
        targets = structure_targets(y, self._names_cache)
        self.compiled_metrics.update(targets, self._outputs_list(y_pred), sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        logs = {"loss": self._loss_tracker.result()}
        for t in self._output_loss_trackers:
            logs[t.name] = t.result()
        logs.update(self.compiled_metrics.results())
        return logs

    def _track_losses(self, loss, x):
        n = _batch_size(x)
        self._loss_tracker.update_state(loss.item(), n)
        values = [v for v in self._last_output_losses if v is not None]
        for tracker, value in zip(self._output_loss_trackers, values):
            tracker.update_state(value.item(), n)

    def train_step(self, data):
        """One training batch (Keras 3's ``train_step``): returns the running logs."""
        x, y, sample_weight = data_adapter.unpack(data)
        y_pred = self(x, training=True)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        if not self.optimizer.built:
            self.optimizer.build(self.trainable_weights)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self._track_losses(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One evaluation batch: returns the running logs."""
        x, y, sample_weight = data_adapter.unpack(data)
        with no_grad():
            y_pred = self(x, training=False)
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._track_losses(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        x, _, _ = data_adapter.unpack(data)
        with no_grad():
            return self(x, training=False)

    # ---------------------------------------------------------------- loops
    def _device(self):
        p = next(iter(self.parameters()), None)
        return self._target_device if p is None else p.device

    def _class_weights_to_sample_weights(self, y, class_weight, sample_weight):
        if class_weight is None:
            return sample_weight
        if isinstance(y, (dict, list, tuple)) and not isinstance(y, np.ndarray):
            raise ValueError("class_weight is only supported for models with a single output; "
                             "give sample_weight per output instead.")
        labels = np.asarray(y)
        if labels.ndim == 2 and labels.shape[1] > 1:
            labels = labels.argmax(axis=1)
        labels = labels.reshape(len(labels), -1)[:, 0].astype(np.int64)
        missing = sorted(set(np.unique(labels).tolist()) - set(class_weight))
        if missing:
            raise ValueError(f"class_weight has no entry for class(es) {missing}; received "
                             f"class_weight keys {sorted(class_weight)}.")
        weights = np.array([class_weight[c] for c in labels], dtype=np.float32)
        if sample_weight is not None:
            weights = weights * np.asarray(sample_weight, dtype=np.float32).reshape(len(weights))
        return weights

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs; returns the ``History`` (see the module docstring)."""
        self._check_compiled("fit")
        verbose = _resolve_verbose(verbose)
        batch_size = batch_size or 32
        if validation_split and validation_data is None:
            if not isinstance(x, (np.ndarray, Tensor, list, tuple, dict)):
                raise ValueError("validation_split is only supported for arrays and Tensors, not "
                                 f"a {type(x).__name__}; pass validation_data instead.")
            x, y, sample_weight = map(data_adapter.standardize, (x, y, sample_weight))
            data_adapter.check_lengths(x, y, sample_weight)
            (x, y, sample_weight), validation_data = data_adapter.train_validation_split(
                (x, y, sample_weight), validation_split)
        if class_weight is not None:
            y_arr = data_adapter.standardize(y)
            sample_weight = self._class_weights_to_sample_weights(y_arr, class_weight,
                                                                  data_adapter.standardize(sample_weight))
        parallel = _data_parallel()  # (rank, world size) under mpirun with a process group
        if parallel is not None:
            from ember import distributed

            if isinstance(x, (np.ndarray, Tensor, list, tuple, dict)):  # a loader brings its sampler
                x, y, sample_weight = data_adapter.shard(
                    tuple(map(data_adapter.standardize, (x, y, sample_weight))), *parallel)
            verbose = verbose if parallel[0] == 0 else 0  # one progress bar: rank 0's
        batches = data_adapter.make_batches(x, y, sample_weight, batch_size, shuffle,
                                            self._device(), "fit")
        if parallel is not None:
            if not self.built:  # lazily built layers: make their weights now, to give rank 0's to all
                with no_grad():
                    self(data_adapter.unpack(next(iter(batches)))[0], training=False)
            distributed.sync_module_states(self)
            averager = distributed.GradientAverager(self.parameters())
        val_batches = None
        if validation_data is not None:
            if isinstance(validation_data, (list, tuple)) and not _is_loader(validation_data):
                vx, vy, vsw = data_adapter.unpack(tuple(validation_data))
            else:
                vx, vy, vsw = validation_data, None, None
            val_batches = data_adapter.make_batches(vx, vy, vsw, validation_batch_size or batch_size,
                                                    False, self._device(), "fit (validation)")
        steps = steps_per_epoch or _len_or_none(batches)
        callback_list = callbacks_module.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose,
            epochs=epochs, steps=steps)
        was_training = self.training
        self.stop_training = False
        self._resume_epoch = 0
        callback_list.on_train_begin()
        initial_epoch = max(initial_epoch, self._resume_epoch)  # BackupAndRestore found a backup
        logs = {}
        try:
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                _set_epoch(batches, epoch)
                callback_list.on_epoch_begin(epoch)
                self.train()
                for step, batch in enumerate(batches):
                    if steps_per_epoch is not None and step >= steps_per_epoch:
                        break
                    callback_list.on_train_batch_begin(step)
                    logs = self.train_step(batch)
                    callback_list.on_train_batch_end(step, logs)
                    if self.stop_training:
                        break
                epoch_logs = dict(self.get_metrics_result() if self._loss_tracker.count else logs)
                if parallel is not None:  # every rank logs (and decides on) the same numbers
                    epoch_logs = _mean_over_ranks(epoch_logs)
                if val_batches is not None and (epoch + 1) % validation_freq == 0:
                    val_logs = self._evaluate_batches(val_batches, callback_list, validation_steps)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callback_list.on_epoch_end(epoch, epoch_logs)
                logs = epoch_logs
                if self.stop_training:
                    break
        finally:
            self.train(was_training)
            if parallel is not None:
                averager.remove()
                distributed.sync_module_states(self)  # BatchNorm statistics: rank 0's everywhere
        callback_list.on_train_end(logs)
        return self.history

    def _evaluate_batches(self, batches, callback_list, steps=None):
        self.reset_metrics()
        was_training = self.training
        self.eval()
        callback_list.on_test_begin()
        logs = {}
        try:
            for step, batch in enumerate(batches):
                if steps is not None and step >= steps:
                    break
                callback_list.on_test_batch_begin(step)
                logs = self.test_step(batch)
                callback_list.on_test_batch_end(step, logs)
        finally:
            self.train(was_training)
        logs = dict(self.get_metrics_result())
        callback_list.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        """The loss and metrics on ``x``/``y``: a scalar (loss only), a list in ``metrics_names``
        order, or a dict with ``return_dict=True``."""
        self._check_compiled("evaluate")
        verbose = _resolve_verbose(verbose)
        batches = data_adapter.make_batches(x, y, sample_weight, batch_size or 32, False,
                                            self._device(), "evaluate")
        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=steps or _len_or_none(batches))
        logs = self._evaluate_batches(batches, callback_list, steps)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The outputs for ``x`` as NumPy arrays (a list or dict for several outputs)."""
        verbose = _resolve_verbose(verbose)
        batches = data_adapter.make_batches(x, None, None, batch_size or 32, False, self._device(),
                                            "predict")
        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=steps or _len_or_none(batches))
        was_training = self.training
        self.eval()
        callback_list.on_predict_begin()
        outputs = []
        try:
            for step, batch in enumerate(batches):
                if steps is not None and step >= steps:
                    break
                callback_list.on_predict_batch_begin(step)
                out = _to_numpy(self.predict_step(batch))
                outputs.append(out)
                callback_list.on_predict_batch_end(step, {"outputs": out})
        finally:
            self.train(was_training)
        callback_list.on_predict_end()
        if not outputs:
            raise ValueError("predict: received no data (0 samples).")
        return _concatenate(outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on one batch; returns the batch's loss (and metrics)."""
        self._check_compiled("train_on_batch")
        x, y, sw = next(iter(data_adapter.make_batches(
            x, y, self._class_weights_to_sample_weights(data_adapter.standardize(y), class_weight,
                                                        data_adapter.standardize(sample_weight)),
            _BIG, False, self._device(), "train_on_batch")))
        self.reset_metrics()
        was_training = self.training
        self.train()
        try:
            logs = self.train_step((x, y, sw))
        finally:
            self.train(was_training)
        return _logs_result(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._check_compiled("test_on_batch")
        batch = next(iter(data_adapter.make_batches(x, y, sample_weight, _BIG, False,
                                                    self._device(), "test_on_batch")))
        self.reset_metrics()
        was_training = self.training
        self.eval()
        try:
            logs = self.test_step(batch)
        finally:
            self.train(was_training)
        return _logs_result(logs, return_dict)

    def predict_on_batch(self, x):
        batch = next(iter(data_adapter.make_batches(x, None, None, _BIG, False, self._device(),
                                                    "predict_on_batch")))
        was_training = self.training
        self.eval()
        try:
            return _to_numpy(self.predict_step(batch))
        finally:
            self.train(was_training)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_BIG = 2 ** 62


def _is_loader(value):
    from ember.data import DataLoader, Dataset
    return isinstance(value, (DataLoader, Dataset))


def _len_or_none(batches):
    try:
        return len(batches)
    except TypeError:
        return None


def _logs_result(logs, return_dict):
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _concatenate(batches):
    first = batches[0]
    if isinstance(first, dict):
        return {k: np.concatenate([b[k] for b in batches]) for k in first}
    if isinstance(first, (list, tuple)):
        return [np.concatenate([b[i] for b in batches]) for i in range(len(first))]
    return np.concatenate(batches)


class _ModuleModel(Model):
    """``Model.from_module(module)``: runs ``module`` (an ``nn.Module``), registered as ``module``."""

    def __init__(self, module, name=None):
        super().__init__(name=name)
        self.module = module
        self.built = True

    def call(self, inputs, training=None):
        if isinstance(inputs, (list, tuple)):
            return self.module(*inputs)
        return self.module(inputs)
