"""``nn.Parameter``: a tensor that a Module registers as one of its learnable weights."""

from ember.tensor.tensor import Tensor

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A leaf tensor that requires grad (by default) and is registered when assigned to a Module.

    >>> w = ember.nn.Parameter(ember.randn(3, 2))
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ember.tensor.factories import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            data = Tensor(data)
        p = Tensor._make.__func__(cls, data._data, False, None, 0)
        if requires_grad:
            p.requires_grad = True
        return p

    def __init__(self, data=None, requires_grad=True):  # state is set in __new__
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        copy = Parameter(Tensor._make(self._data.copy(), False, None, 0), self._requires_grad)
        memo[id(self)] = copy  # without .grad, as PyTorch
        return copy


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module (``nn.Buffer``)."""

    __slots__ = ("persistent",)

    def __new__(cls, data, persistent=True):
        b = Tensor._make.__func__(cls, data._data if isinstance(data, Tensor) else Tensor(data)._data,
                                  False, None, 0)
        b.persistent = persistent
        return b

    def __init__(self, data, persistent=True):
        pass
