"""``Tensor``: an n-dimensional array with a place in the computational graph.

A Tensor holds its array (``_data``, a NumPy or CuPy array), ``grad``, ``requires_grad``,
``grad_fn`` (the node that made it), the index of its output on that node, a version counter for
in-place checks, and hooks; nothing else. Its methods are thin: they call ``ember.ops``.
"""

import numpy as np

from ember.backend import devices as _device
from ember.backend import dtypes as _dtypes

__all__ = ["Tensor", "new_version_counter"]


def new_version_counter():
    """The counter a tensor shares with its views: ``[version, last in-place op, where it ran,
    a view of a leaf that requires grad exists, graph epoch]``.

    ``version`` counts every in-place change (saved tensors check it); the graph epoch counts
    the in-place changes that were recorded in the graph. A tensor remembers the epoch at which
    its ``grad_fn`` was right (``_seen``): a member of the family used after another member was
    modified in a recorded op has a stale ``grad_fn``, and ember refuses it.
    """
    return [0, None, None, False, 0]


class Tensor:
    """A multi-dimensional array that records the operations applied to it for autograd.

    Create tensors with ``ember.tensor(data)`` or the factories (``ember.zeros``, ``ember.randn``...).
    """

    __slots__ = ("_data", "grad", "_requires_grad", "grad_fn", "_output_nr", "_version", "_seen",
                 "_hooks", "__weakref__")

    def __init__(self, data, dtype=None, device=None, requires_grad=False):
        from ember.tensor.factories import as_array  # late: factories builds on Tensor

        self._data = as_array(data, dtype, device)
        self.grad = None
        self._requires_grad = False
        self.grad_fn = None
        self._output_nr = 0
        self._version = None
        self._seen = 0
        self._hooks = None
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _make(cls, array, requires_grad, grad_fn, output_nr):
        """Wrap an array without copying or checking (the hot path of every op)."""
        t = object.__new__(cls)
        t._data = array
        t.grad = None
        t._requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._output_nr = output_nr
        t._version = None
        t._seen = 0
        t._hooks = None
        return t

    # ---- attributes ----
    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        return _dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return _device.device_of(self._data)

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        flag = bool(flag)
        if self.grad_fn is not None and not flag:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf tensors; this one was made by "
                f"{self.grad_fn.name()}. To use it without gradient, call .detach() on it.")
        if flag and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only tensors of floating point dtype can require gradients, got {self.dtype}; "
                "convert first with .float()")
        self._requires_grad = flag

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def data(self):
        """A tensor sharing this one's storage, outside the graph (``p.data.mul_(0.5)``).

        Unlike ``detach()`` it has its own version counter, as in PyTorch: changes made through
        it are invisible to autograd's checks.
        """
        return Tensor._make(self._data, False, None, 0)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data must be set to a Tensor, got {type(value).__name__}")
        self._data = value._data

    @property
    def _version_number(self):
        return 0 if self._version is None else self._version[0]

    def size(self, dim=None):
        if dim is None:
            return self._data.shape
        return self._data.shape[_wrap_dim(dim, self.ndim, "size")]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self):
        return bool(self._data.flags.c_contiguous)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor: it has no first dimension; use .item()")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor; use .item()")
        return iter(ops.unbind(self, 0))

    def __hash__(self):
        return id(self)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; "
                "use .any() or .all(), or compare a single element")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to an index, "
                            f"got {self.dtype} of shape {tuple(self.shape)}")
        return int(self._data)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __repr__(self):
        from ember.tensor.printing import tensor_repr  # late: printing is presentation only

        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("only leaf tensors support copy.deepcopy; call .detach() first")
        t = type(self)._make(self._data.copy(), self._requires_grad, None, 0)
        if self.grad is not None:
            t.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    def __getstate__(self):
        raise TypeError("ember tensors are not pickled (pickle can execute code on load); "
                        "use ember.save(obj, path) and ember.load(path)")

    # ---- conversion ----
    def numpy(self, *, force=False):
        """The NumPy array behind this CPU tensor (shared memory; no copy)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "can't call numpy() on a tensor that requires grad: the array would escape the "
                "graph. Use tensor.detach().numpy()")
        if not isinstance(self._data, np.ndarray):
            if force:
                return self._data.get()
            raise TypeError(
                f"can't convert a tensor on {self.device} to NumPy; copy it to the CPU first "
                "with tensor.cpu().numpy()")
        return self._data

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"item() needs a tensor with one element, got shape {tuple(self.shape)}; "
                               "index it first or use .tolist()")
        return self._data.reshape(()).item() if isinstance(self._data, np.ndarray) else self._data.item()

    def tolist(self):
        if not isinstance(self._data, np.ndarray):
            return self._data.get().tolist()
        return self._data.tolist()

    def detach(self):
        """A tensor sharing this one's data, cut from the graph."""
        t = Tensor._make(self._data, False, None, 0)
        if self._version is None:
            self._version = new_version_counter()
        t._version = self._version
        t._seen = self._version[4]
        return t

    def detach_(self):
        """Cut this tensor from the graph in place, making it a leaf."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    def clone(self, memory_format=None):
        return ops.clone(self)

    def contiguous(self, memory_format=None):
        return ops.contiguous(self)

    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other)``; differentiable."""
        return ops.to(self, *args, **kwargs)

    def cpu(self):
        return ops.to(self, "cpu")

    def cuda(self, device=None, non_blocking=False):
        return ops.to(self, _device.device("cuda", device if isinstance(device, int) else None)
                      if not isinstance(device, (str, _device.device)) else device)

    def type_as(self, other):
        return ops.to(self, other.dtype)

    def float(self):
        return ops.to(self, _dtypes.float32)

    def double(self):
        return ops.to(self, _dtypes.float64)

    def half(self):
        return ops.to(self, _dtypes.float16)

    def long(self):
        return ops.to(self, _dtypes.int64)

    def int(self):
        return ops.to(self, _dtypes.int32)

    def bool(self):
        return ops.to(self, _dtypes.bool)

    # ---- autograd ----
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into the ``.grad`` of every leaf that requires grad."""
        from ember.autograd.engine import backward  # late: the engine is built on Tensor

        backward(self, gradient, retain_graph, create_graph, inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new grad."""
        from ember.autograd.engine import register_tensor_hook

        return register_tensor_hook(self, hook)

    def retain_grad(self):
        """Keep the gradient of this non-leaf tensor in ``.grad`` after backward."""
        from ember.autograd.engine import retain_grad

        retain_grad(self)

    @property
    def retains_grad(self):
        from ember.autograd.engine import retains_grad

        return retains_grad(self)

    # ---- operators ----
    def __add__(self, other):
        return _Add.apply(self, other)  # straight to the op: operators are the hottest calls

    def __radd__(self, other):
        return _Add.apply(other, self)

    def __sub__(self, other):
        return _Sub.apply(self, other)  # straight to the op: operators are the hottest calls

    def __rsub__(self, other):
        return _Sub.apply(other, self)

    def __mul__(self, other):
        return _Mul.apply(self, other)  # straight to the op: operators are the hottest calls

    def __rmul__(self, other):
        return _Mul.apply(other, self)

    def __truediv__(self, other):
        return _Div.apply(self, other)  # straight to the op: operators are the hottest calls

    def __rtruediv__(self, other):
        return _Div.apply(other, self)

    def __floordiv__(self, other):
        return ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return ops.floor_divide(other, self)

    def __mod__(self, other):
        return ops.remainder(self, other)

    def __rmod__(self, other):
        return ops.remainder(other, self)

    def __pow__(self, other):
        return ops.pow(self, other)

    def __rpow__(self, other):
        return ops.pow(other, self)

    def __matmul__(self, other):
        return _MatMul.apply(self, other)  # straight to the op: operators are the hottest calls

    def __rmatmul__(self, other):
        return _MatMul.apply(other, self)

    def __neg__(self):
        return _Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.abs(self)

    def __eq__(self, other):
        if other is None:  # `t == None` is False, as in PyTorch (and `is None` is better)
            return False
        return ops.eq(self, other)

    def __ne__(self, other):
        if other is None:
            return True
        return ops.ne(self, other)

    def __lt__(self, other):
        return ops.lt(self, other)

    def __le__(self, other):
        return ops.le(self, other)

    def __gt__(self, other):
        return ops.gt(self, other)

    def __ge__(self, other):
        return ops.ge(self, other)

    def __and__(self, other):
        return ops.bitwise_and(self, other)

    def __rand__(self, other):
        return ops.bitwise_and(other, self)

    def __or__(self, other):
        return ops.bitwise_or(self, other)

    def __ror__(self, other):
        return ops.bitwise_or(other, self)

    def __xor__(self, other):
        return ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return ops.bitwise_xor(other, self)

    def __invert__(self):
        return ops.bitwise_not(self)

    def __iadd__(self, other):
        return ops.add_(self, other)

    def __isub__(self, other):
        return ops.sub_(self, other)

    def __imul__(self, other):
        return ops.mul_(self, other)

    def __itruediv__(self, other):
        return ops.div_(self, other)

    def __getitem__(self, index):
        return ops.getitem(self, index)

    def __setitem__(self, index, value):
        ops.setitem(self, index, value)

    # ---- in-place ----
    def add_(self, other, *, alpha=1):
        return ops.add_(self, other, alpha=alpha)

    def sub_(self, other, *, alpha=1):
        return ops.sub_(self, other, alpha=alpha)

    def mul_(self, other):
        return ops.mul_(self, other)

    def div_(self, other, *, rounding_mode=None):
        return ops.div_(self, other, rounding_mode=rounding_mode)

    def pow_(self, exponent):
        return ops.pow_(self, exponent)

    def neg_(self):
        return ops.neg_(self)

    def zero_(self):
        return ops.zero_(self)

    def fill_(self, value):
        return ops.fill_(self, value)

    def copy_(self, src, non_blocking=False):
        return ops.copy_(self, src)

    def clamp_(self, min=None, max=None):
        return ops.clamp_(self, min, max)

    clip_ = clamp_

    def exp_(self):
        return ops.exp_(self)

    def sqrt_(self):
        return ops.sqrt_(self)

    def abs_(self):
        return ops.abs_(self)

    def relu_(self):
        return ops.relu_(self)

    def sigmoid_(self):
        return ops.sigmoid_(self)

    def tanh_(self):
        return ops.tanh_(self)

    def masked_fill_(self, mask, value):
        return ops.masked_fill_(self, mask, value)

    def scatter_(self, dim, index, src):
        return ops.scatter_(self, dim, index, src)

    def scatter_add_(self, dim, index, src):
        return ops.scatter_add_(self, dim, index, src)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        return ops.uniform_(self, a, b, generator=generator)

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return ops.normal_(self, mean, std, generator=generator)

    def bernoulli_(self, p=0.5, generator=None):
        return ops.bernoulli_(self, p, generator=generator)

    def addmm_(self, mat1, mat2, *, beta=1, alpha=1):
        return ops.copy_(self, ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha))

    def lerp_(self, end, weight):
        return ops.lerp_(self, end, weight)

    def addcmul_(self, tensor1, tensor2, *, value=1):
        return ops.addcmul_(self, tensor1, tensor2, value=value)

    def addcdiv_(self, tensor1, tensor2, *, value=1):
        return ops.addcdiv_(self, tensor1, tensor2, value=value)

    # ---- arithmetic and math ----
    def add(self, other, *, alpha=1):
        return ops.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return ops.sub(self, other, alpha=alpha)

    def mul(self, other):
        return ops.mul(self, other)

    def div(self, other, *, rounding_mode=None):
        return ops.div(self, other, rounding_mode=rounding_mode)

    def neg(self):
        return ops.neg(self)

    def pow(self, exponent):
        return ops.pow(self, exponent)

    def exp(self):
        return ops.exp(self)

    def log(self):
        return ops.log(self)

    def log2(self):
        return ops.log2(self)

    def log10(self):
        return ops.log10(self)

    def log1p(self):
        return ops.log1p(self)

    def expm1(self):
        return ops.expm1(self)

    def sqrt(self):
        return ops.sqrt(self)

    def rsqrt(self):
        return ops.rsqrt(self)

    def square(self):
        return ops.square(self)

    def reciprocal(self):
        return ops.reciprocal(self)

    def abs(self):
        return ops.abs(self)

    def sign(self):
        return ops.sign(self)

    def floor(self):
        return ops.floor(self)

    def ceil(self):
        return ops.ceil(self)

    def round(self, decimals=0):
        return ops.round(self, decimals=decimals)

    def trunc(self):
        return ops.trunc(self)

    def sin(self):
        return ops.sin(self)

    def cos(self):
        return ops.cos(self)

    def tan(self):
        return ops.tan(self)

    def tanh(self):
        return ops.tanh(self)

    def sigmoid(self):
        return ops.sigmoid(self)

    def relu(self):
        return ops.relu(self)

    def erf(self):
        return ops.erf(self)

    def clamp(self, min=None, max=None):
        return ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        return ops.maximum(self, other)

    def minimum(self, other):
        return ops.minimum(self, other)

    def where(self, condition, other):
        return ops.where(condition, self, other)

    def lerp(self, end, weight):
        return ops.lerp(self, end, weight)

    def isnan(self):
        return ops.isnan(self)

    def isinf(self):
        return ops.isinf(self)

    def isfinite(self):
        return ops.isfinite(self)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return ops.nan_to_num(self, nan, posinf, neginf)

    def logical_not(self):
        return ops.logical_not(self)

    def logical_and(self, other):
        return ops.logical_and(self, other)

    def logical_or(self, other):
        return ops.logical_or(self, other)

    def eq(self, other):
        return ops.eq(self, other)

    def ne(self, other):
        return ops.ne(self, other)

    def lt(self, other):
        return ops.lt(self, other)

    def le(self, other):
        return ops.le(self, other)

    def gt(self, other):
        return ops.gt(self, other)

    def ge(self, other):
        return ops.ge(self, other)

    def equal(self, other):
        return ops.equal(self, other)

    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        return ops.allclose(self, other, rtol, atol, equal_nan)

    # ---- reductions ----
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return ops.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return ops.mean(self, dim, keepdim, dtype=dtype)

    def var(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
        return ops.var(self, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)

    def std(self, dim=None, *, correction=1, keepdim=False, unbiased=None):
        return ops.std(self, dim, correction=correction, keepdim=keepdim, unbiased=unbiased)

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return ops.prod(self, dim, keepdim, dtype=dtype)

    def max(self, dim=None, keepdim=False):
        return ops.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return ops.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return ops.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return ops.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return ops.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return ops.argmin(self, dim, keepdim)

    def all(self, dim=None, keepdim=False):
        return ops.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return ops.any(self, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        return ops.logsumexp(self, dim, keepdim)

    def softmax(self, dim, dtype=None):
        return ops.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        return ops.log_softmax(self, dim, dtype=dtype)

    def cumsum(self, dim, *, dtype=None):
        return ops.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim, *, dtype=None):
        return ops.cumprod(self, dim, dtype=dtype)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return ops.norm(self, p, dim, keepdim, dtype=dtype)

    # ---- linear algebra ----
    def matmul(self, other):
        return ops.matmul(self, other)

    def mm(self, other):
        return ops.mm(self, other)

    def bmm(self, other):
        return ops.bmm(self, other)

    def outer(self, other):
        return ops.outer(self, other)

    def dot(self, other):
        return ops.dot(self, other)

    # ---- shape ----
    @property
    def T(self):  # noqa: N802 - PyTorch's name
        return ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self):  # noqa: N802 - PyTorch's name
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices, "
                               f"got a {self.ndim}-D tensor; use .T or unsqueeze first")
        return ops.transpose(self, -2, -1)

    def reshape(self, *shape):
        return ops.reshape(self, _shape_args(shape))

    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
            return ops.to(self, shape[0]) if shape[0] is not None else self
        return ops.view(self, _shape_args(shape))

    def view_as(self, other):
        return ops.view(self, other.shape)

    def reshape_as(self, other):
        return ops.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return ops.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        return ops.unflatten(self, dim, sizes)

    def transpose(self, dim0, dim1):
        return ops.transpose(self, dim0, dim1)

    def t(self):
        return ops.t(self)

    def permute(self, *dims):
        return ops.permute(self, _shape_args(dims))

    def movedim(self, source, destination):
        return ops.movedim(self, source, destination)

    def squeeze(self, dim=None):
        return ops.squeeze(self, dim)

    def unsqueeze(self, dim):
        return ops.unsqueeze(self, dim)

    def expand(self, *sizes):
        return ops.expand(self, _shape_args(sizes))

    def expand_as(self, other):
        return ops.expand(self, other.shape)

    def broadcast_to(self, shape):
        return ops.broadcast_to(self, shape)

    def repeat(self, *sizes):
        return ops.repeat(self, _shape_args(sizes))

    def tile(self, *dims):
        return ops.tile(self, _shape_args(dims))

    def split(self, split_size_or_sections, dim=0):
        return ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return ops.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return ops.unbind(self, dim)

    def narrow(self, dim, start, length):
        return ops.narrow(self, dim, start, length)

    def flip(self, *dims):
        return ops.flip(self, _shape_args(dims))

    def roll(self, shifts, dims=None):
        return ops.roll(self, shifts, dims)

    def tril(self, diagonal=0):
        return ops.tril(self, diagonal)

    def triu(self, diagonal=0):
        return ops.triu(self, diagonal)

    def diag(self, diagonal=0):
        return ops.diag(self, diagonal)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return ops.diagonal(self, offset, dim1, dim2)

    # ---- indexing ----
    def gather(self, dim, index):
        return ops.gather(self, dim, index)

    def scatter(self, dim, index, src, *, reduce=None):
        return ops.scatter(self, dim, index, src, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return ops.scatter_add(self, dim, index, src)

    def index_select(self, dim, index):
        return ops.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        return ops.masked_fill(self, mask, value)

    def masked_select(self, mask):
        return ops.masked_select(self, mask)

    # ---- ordering ----
    def sort(self, dim=-1, descending=False, stable=False):
        return ops.sort(self, dim, descending, stable=stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return ops.argsort(self, dim, descending, stable=stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return ops.topk(self, k, dim, largest, sorted)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return ops.kthvalue(self, k, dim, keepdim)

    def median(self, dim=None, keepdim=False):
        return ops.median(self, dim, keepdim)

    def count_nonzero(self, dim=None):
        return ops.count_nonzero(self, dim)


def _shape_args(shape):
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return shape


def _wrap_dim(dim, ndim, op):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dimension {dim} is out of range for a tensor of {ndim} dimension(s) "
                         f"(expected a value in [{-n}, {n - 1}])")
    return dim % n


# Late imports: ops are built on Tensor (tinygrad's tensor.py does the same).
from ember import ops  # noqa: E402
from ember.ops.arithmetic import Add as _Add  # noqa: E402
from ember.ops.arithmetic import Div as _Div  # noqa: E402
from ember.ops.arithmetic import Mul as _Mul  # noqa: E402
from ember.ops.arithmetic import Neg as _Neg  # noqa: E402
from ember.ops.arithmetic import Sub as _Sub  # noqa: E402
from ember.ops.linalg import MatMul as _MatMul  # noqa: E402
