"""Schedules from a user function of the epoch: LambdaLR and MultiplicativeLR."""

import types

from ember.optim.lr_scheduler.scheduler import LRScheduler, _param_groups_val_list

__all__ = ["LambdaLR", "MultiplicativeLR"]


class _LambdaScheduler(LRScheduler):
    """Holds one function of the epoch per parameter group; saves the attributes of callable
    objects (a plain function or lambda cannot be saved, and is not)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        name, n = type(self).__name__, len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"{name}: expected {n} lr_lambdas (one per parameter group), "
                                 f"got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"{name}: lr_lambda must be a function of the epoch, got "
                                f"{type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        lr_lambdas = state_dict.pop("lr_lambdas")
        super().load_state_dict(state_dict)
        for fn, saved in zip(self.lr_lambdas, lr_lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class LambdaLR(_LambdaScheduler):
    """Set the learning rate to ``initial_lr * lr_lambda(epoch)``.

    Args:
        optimizer: the optimizer. lr_lambda: a function of the epoch, or one per group.
        last_epoch (int): to resume (default -1).

    Example::

        >>> import ember
        >>> from ember.optim import SGD
        >>> opt = SGD([ember.zeros(1, requires_grad=True)], lr=0.1)
        >>> sched = LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
        >>> opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.05]
    """

    def get_lr(self):
        self._warn_get_lr_outside_step()
        return [base_lr * fn(self.last_epoch) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaScheduler):
    """Multiply the learning rate by ``lr_lambda(epoch)`` at every step after the first.

    Example::

        >>> import ember
        >>> from ember.optim import SGD
        >>> opt = SGD([ember.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = MultiplicativeLR(opt, lambda epoch: 0.5)
        >>> opt.step(); sched.step(); opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.25]
    """

    def get_lr(self):
        self._warn_get_lr_outside_step()
        if self._is_initial:
            return _param_groups_val_list(self.optimizer, "lr")
        return [group["lr"] * fn(self.last_epoch)
                for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups)]
