"""``Optimizer``: the base class of Keras-style optimizers, created without parameters.

A Keras optimizer is made before the model's weights exist (``compile(optimizer=Adam(1e-3))``),
so it holds only hyper-parameters until ``build(parameters)`` binds it, when training starts, to
the parameters and creates the matching ``ember.optim`` optimizer, whose update rule it then uses
(``step()`` / ``apply_gradients()`` delegate to it). Keras' arguments are mapped onto PyTorch's;
each subclass documents where Keras' own update rule differs.

Keras' ``weight_decay`` is decoupled (``θ ← θ - γ λ θ`` before the update, as AdamW) for every
optimizer; ``clipnorm`` clips each gradient's norm, ``global_clipnorm`` the norm of all of them
together, ``clipvalue`` each element. After each update, a weight created with a constraint
(``Dense(kernel_constraint=NonNeg())``) is replaced by its projection (``ember.layers.constraints``).
"""

import ember
from ember.layers import constraints
from ember.nn.utils import clip_grad_norm_, clip_grad_value_

__all__ = ["Optimizer"]


class Optimizer:
    """Base class: subclasses set ``_optim_class`` and map their arguments in ``_optim_kwargs``.

    Args:
        learning_rate (float): the step size; readable and settable at any time (a setting
            reaches the bound optimizer's ``param_groups``).
        weight_decay (float): decoupled weight decay λ (default None: none).
        clipnorm, clipvalue, global_clipnorm (float): gradient clipping (default None).
        name (str): the optimizer's name (default: the class name in lower case).
    """

    _optim_class = None
    _decay_built_in = False  # True where the ember.optim optimizer decays decoupled by itself

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None):
        if clipnorm is not None and global_clipnorm is not None:
            raise ValueError(f"{type(self).__name__}: give at most one of clipnorm and "
                             f"global_clipnorm. Received: clipnorm={clipnorm}, "
                             f"global_clipnorm={global_clipnorm}.")
        self.name = name or type(self).__name__.lower()
        self.weight_decay, self.clipnorm, self.clipvalue = weight_decay, clipnorm, clipvalue
        self.global_clipnorm = global_clipnorm
        self._check_non_negative("weight_decay", weight_decay or 0.0)
        self._learning_rate = self._checked_learning_rate(learning_rate)
        self.iterations = 0
        self.optimizer = None  # the bound ember.optim optimizer, from build()
        self._parameters = []

    # ---------------------------------------------------------------- hyper-parameters
    def _check_non_negative(self, what, value):
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{type(self).__name__}: {what} must be a number >= 0. Received: "
                             f"{what}={value!r}.")
        return float(value)

    def _checked_learning_rate(self, value):
        if hasattr(value, "item") and not isinstance(value, (int, float)):
            value = value.item()
        return self._check_non_negative("learning_rate", value)

    @property
    def learning_rate(self):
        """The current learning rate (a float); setting it updates the bound optimizer."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = self._checked_learning_rate(value)
        if self.optimizer is not None:
            for group in self.optimizer.param_groups:
                group["lr"] = self._learning_rate

    lr = learning_rate  # Keras 2's alias

    def _optim_kwargs(self):
        """Keyword arguments of ``_optim_class`` (besides the parameters and ``lr``)."""
        return {}

    # ---------------------------------------------------------------- binding and stepping
    @property
    def built(self):
        return self.optimizer is not None

    def build(self, parameters):
        """Binds the optimizer to ``parameters`` (an iterable of ember parameters), creating the
        ember.optim optimizer with fresh state; returns ``self``."""
        self._parameters = [p for p in parameters if p.requires_grad]
        if not self._parameters:
            raise ValueError(f"{type(self).__name__}.build: received no trainable parameters. "
                             f"Build the model (call it once on data) before training it.")
        self.optimizer = self._optim_class(self._parameters, lr=self._learning_rate,
                                           **self._optim_kwargs())
        self.iterations = 0
        return self

    def _check_built(self, what):
        if self.optimizer is None:
            raise RuntimeError(f"{type(self).__name__}.{what}: the optimizer is not bound to any "
                               f"parameters yet; call build(model.parameters()) first (fit does "
                               f"it when training starts).")

    def step(self):
        """One update of every bound parameter that has a gradient: clipping, decoupled weight
        decay, the update rule, then the weight constraints (a layer's ``kernel_constraint=``...)
        projecting the weights that have one, as Keras' ``apply``."""
        self._check_built("step")
        with_grad = [p for p in self._parameters if p.grad is not None]
        if self.clipvalue is not None:
            clip_grad_value_(with_grad, self.clipvalue)
        if self.clipnorm is not None:
            for p in with_grad:
                clip_grad_norm_([p], self.clipnorm)
        if self.global_clipnorm is not None:
            clip_grad_norm_(with_grad, self.global_clipnorm)
        if self.weight_decay and not self._decay_built_in:
            with ember.no_grad():
                for p in with_grad:
                    p.mul_(1.0 - self._learning_rate * self.weight_decay)
        self.optimizer.step()
        constraints.apply(self._parameters)
        self.iterations += 1

    def apply_gradients(self, grads_and_vars=None):
        """Keras' form of ``step``: optionally sets each ``variable.grad = grad`` first."""
        self._check_built("apply_gradients")
        for grad, variable in grads_and_vars or ():
            variable.grad = grad
        self.step()

    def zero_grad(self, set_to_none=True):
        self._check_built("zero_grad")
        self.optimizer.zero_grad(set_to_none=set_to_none)

    # ---------------------------------------------------------------- state and config
    def state_dict(self):
        """The bound optimizer's state dict, with ``iterations`` and ``learning_rate``."""
        self._check_built("state_dict")
        return {"optimizer": self.optimizer.state_dict(), "iterations": self.iterations,
                "learning_rate": self._learning_rate}

    def load_state_dict(self, state_dict):
        self._check_built("load_state_dict")
        self.optimizer.load_state_dict(state_dict["optimizer"])
        self.iterations = state_dict["iterations"]
        self.learning_rate = state_dict["learning_rate"]

    def get_config(self):
        return {"name": self.name, "learning_rate": self._learning_rate,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        state = "bound" if self.built else "not built"
        return f"<{type(self).__name__} learning_rate={self._learning_rate:g} ({state})>"
