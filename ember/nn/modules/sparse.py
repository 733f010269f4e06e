"""``nn.Embedding``: a learnt lookup table from integer indices to vectors."""

from ember.autograd import grad_mode
from ember.nn.functional.sparse import embedding, embedding_bag
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.ops._util import shape_str
from ember.tensor import factories
from ember.tensor.tensor import Tensor

__all__ = ["Embedding", "EmbeddingBag"]


class _Table(Module):
    """What Embedding and EmbeddingBag share: the ``(num_embeddings, embedding_dim)`` weight, its
    ``padding_idx`` row and the options of the lookup."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                 scale_grad_by_freq, sparse, _weight, _freeze, device, dtype):
        super().__init__()
        name = type(self).__name__
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"{name}({num_embeddings}, {embedding_dim}): padding_idx="
                                 f"{padding_idx} must be within num_embeddings")
            padding_idx %= num_embeddings
        if sparse:
            raise ValueError(f"{name}: sparse=True is not supported (ember has no sparse "
                             "gradients); use the default dense gradient")
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(factories.empty((num_embeddings, embedding_dim), dtype=dtype,
                                                    device=device), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"{name}: _weight of shape {shape_str(_weight.shape)} must have "
                                 f"shape ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        """Draw the weight ~ N(0, 1) and zero the ``padding_idx`` row."""
        with grad_mode.no_grad():
            self.weight.normal_(0.0, 1.0)
            if self.padding_idx is not None:
                self.weight[self.padding_idx].fill_(0)


class Embedding(_Table):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by index.

    Args:
        num_embeddings: size of the vocabulary.
        embedding_dim: size of each vector.
        padding_idx: this row is initialised to zeros and gets no gradient (a padding token).
        max_norm: looked-up rows are rescaled in place to a norm of at most ``max_norm``.
        norm_type: the p of the norm for ``max_norm`` (default 2).
        scale_grad_by_freq: divide gradients by the frequency of each index in the batch.
        sparse: not supported (ember has dense gradients only).

    Shapes: input ``(*)`` integer indices, output ``(*, embedding_dim)``.

    Parameters: ``weight`` of shape ``(num_embeddings, embedding_dim)``, initialised ~ N(0, 1)
    (the ``padding_idx`` row to zeros).

    >>> table = nn.Embedding(10, 3, padding_idx=0)
    >>> table(ember.tensor([[1, 2, 0]])).shape
    (1, 3, 3)
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, _weight, _freeze, device, dtype)

    def forward(self, input):
        if not isinstance(input, Tensor) or input._data.dtype.kind not in "iu":
            got = input.dtype if isinstance(input, Tensor) else type(input).__name__
            raise TypeError(f"{self._describe()} expects integer indices (an int64 tensor), got "
                            f"{got}; convert them with .long()")
        idx = input._data
        if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= self.num_embeddings):
            bad = int(idx.min()) if int(idx.min()) < 0 else int(idx.max())
            raise IndexError(f"{self._describe()} got index {bad} in an input of shape "
                             f"{shape_str(input.shape)}; valid indices are 0 to "
                             f"{self.num_embeddings - 1}: enlarge num_embeddings or check the "
                             "vocabulary")
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq)

    def _describe(self):
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is ``embeddings`` (2-D), frozen unless ``freeze=False``.

        >>> table = nn.Embedding.from_pretrained(ember.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> table(ember.tensor([1])).tolist(), table.weight.requires_grad
        ([[3.0, 4.0]], False)
        """
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            got = shape_str(embeddings.shape) if isinstance(embeddings, Tensor) else \
                type(embeddings).__name__
            raise ValueError(f"Embedding.from_pretrained: embeddings must be a 2-D tensor "
                             f"(num_embeddings, embedding_dim), got {got}")
        rows, cols = embeddings.shape
        return cls(rows, cols, _weight=embeddings.detach(), _freeze=freeze, padding_idx=padding_idx,
                   max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq,
                   sparse=sparse)


class EmbeddingBag(_Table):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim`` whose rows are looked up
    by bags of indices and reduced per bag (``mode`` 'sum', 'mean' or 'max'), without building
    the rows of every bag.

    Args:
        num_embeddings, embedding_dim, max_norm, norm_type, scale_grad_by_freq, padding_idx: as
            in Embedding (entries of ``padding_idx`` are left out of their bag).
        mode: ``'sum'``, ``'mean'`` (default) or ``'max'``.
        include_last_offset: ``offsets`` has one more entry, the end of the last bag (CSR).
        sparse: not supported (ember has dense gradients only).

    Shapes: ``input`` (B, N) (each row a bag), or (M,) with ``offsets`` (B,) (or (B + 1,) with
    ``include_last_offset``); ``per_sample_weights`` the input's shape (``'sum'`` only);
    output (B, embedding_dim).

    >>> bag = nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(ember.tensor([1, 2, 4, 5]), ember.tensor([0, 2])).shape
    (2, 3)
    """

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, device=None, dtype=None):
        super().__init__(num_embeddings, embedding_dim, padding_idx, max_norm, norm_type,
                         scale_grad_by_freq, sparse, _weight, False, device, dtype)
        self.mode = mode
        self.include_last_offset = include_last_offset

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse, per_sample_weights,
                             self.include_last_offset, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
