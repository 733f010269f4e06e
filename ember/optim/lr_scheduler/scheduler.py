"""``LRScheduler``: the base class of learning-rate schedulers (PyTorch's contract).

A scheduler owns an optimizer's ``lr`` (and, for the cyclic ones, its momentum): building it
records each group's starting rate as ``initial_lr`` (``base_lrs``) and sets epoch 0's rate;
each ``step()`` then advances ``last_epoch`` and writes the next rate into every group. Most
schedulers compute the next rate from the current one (PyTorch's "chainable" form, so that two
schedulers can act on one optimizer); ``step(epoch)`` jumps with the closed form instead.
"""

import warnings

from ember.optim.optimizer import Optimizer
from ember.tensor.tensor import Tensor

__all__ = ["LRScheduler"]

EPOCH_DEPRECATION_WARNING = (
    "scheduler.step(epoch) is deprecated (as in PyTorch): call scheduler.step() once per epoch or "
    "batch. With an epoch given, the closed form is used instead of the chainable form, where the "
    "scheduler has one.")


def _param_groups_val_list(optimizer, key):
    """Each group's ``key`` (tensors cloned, so that later in-place updates don't leak in)."""
    return [g[key].clone() if isinstance(g[key], Tensor) else g[key] for g in optimizer.param_groups]


def _update_param_group_val(group, key, value):
    """Set a group's ``key``, in place when it is a tensor (as PyTorch)."""
    if isinstance(group[key], Tensor):
        group[key].fill_(float(value))
    else:
        group[key] = value


def _format_param(name, optimizer, param):
    """One value per parameter group: a list is checked against the groups, a scalar repeated."""
    if isinstance(param, (list, tuple)):
        if len(param) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have one value per parameter group: got {len(param)} "
                             f"values for {len(optimizer.param_groups)} group(s)")
        return [p.clone() if isinstance(p, Tensor) else p for p in param]
    return [param] * len(optimizer.param_groups)


def _check_optimizer(name, optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{name}: expected an ember.optim Optimizer, got "
                        f"{type(optimizer).__name__}; build the optimizer first and pass it")


class LRScheduler:
    """Base class of the learning-rate schedulers: subclasses implement ``get_lr()`` (and
    ``_get_closed_form_lr()`` where a closed form exists).

    Args:
        optimizer: the ``Optimizer`` whose learning rates to schedule.
        last_epoch (int): the index of the last epoch, to resume a schedule (default -1: start;
            resuming needs ``initial_lr`` in every group, as a loaded optimizer state has).

    Example::

        >>> import ember
        >>> from ember.optim import SGD
        >>> from ember.optim.lr_scheduler import StepLR
        >>> opt = SGD([ember.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(5):
        ...     opt.step()
        ...     lrs.append(sched.get_last_lr()[0])
        ...     sched.step()
        >>> lrs
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    _get_lr_called_within_step = False
    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(type(self).__name__, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                lr = group["lr"]
                group.setdefault("initial_lr", lr.clone() if isinstance(lr, Tensor) else lr)
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr', which "
                        f"resuming a schedule with last_epoch={last_epoch} needs; load the "
                        "optimizer's state dict (saved with its scheduler) before building the "
                        "scheduler, or start with last_epoch=-1")
        self.base_lrs = _param_groups_val_list(optimizer, "initial_lr")
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        """Set epoch 0's learning rates (without the step-order warning)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def state_dict(self):
        """The scheduler's state: its attributes other than the optimizer."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore the state from ``state_dict()``."""
        self.__dict__.update(state_dict)

    def get_last_lr(self):
        """The learning rate of each group computed by the last ``step()``."""
        return self._last_lr

    def get_lr(self):
        """The learning rates of the current ``last_epoch`` (called by ``step()``)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr()")

    def step(self, epoch=None):
        """Advance one epoch (or batch) and write the new learning rates into the optimizer."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                f"{type(self).__name__}.step() was called before optimizer.step(), which skips the "
                "first learning rate of the schedule; call optimizer.step() first, then "
                "scheduler.step() (PyTorch's order since 1.1)", UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                values = (self._get_closed_form_lr() if hasattr(self, "_get_closed_form_lr")
                          else self.get_lr())
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            _update_param_group_val(group, "lr", lr)
        self._last_lr = _param_groups_val_list(self.optimizer, "lr")

    def _warn_get_lr_outside_step(self):
        if not self._get_lr_called_within_step:
            warnings.warn(f"{type(self).__name__}.get_lr() is called by step(); to get the last "
                          "learning rate computed by the scheduler, use get_last_lr()",
                          UserWarning, stacklevel=3)
