"""Embedding (torch.nn.modules.sparse)."""
import numpy as np

from ..dtypes import get_default_dtype
from .. import functional as F
from .. import init
from ..tensor import Tensor
from .module import Module, Parameter
from .utils import _factory, _check_int


class Embedding(Module):
    """A table of num_embeddings vectors of size embedding_dim, looked up by integer indices:
    (*) -> (*, embedding_dim). Init N(0, 1) as PyTorch; the padding_idx row is zero and not trained.
    max_norm: each looked-up row longer than max_norm (norm_type norm) is first rescaled to it, in place, as
    PyTorch's. scale_grad_by_freq: each row's gradient divided by how often the input picks it. sparse=True is
    accepted and gives the same dense gradient (nn has no sparse gradients). All of them: F.embedding."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        self.max_norm, self.norm_type = max_norm, float(norm_type)
        self.scale_grad_by_freq, self.sparse = bool(scale_grad_by_freq), bool(sparse)
        self.num_embeddings = _check_int("num_embeddings", num_embeddings, 1)
        self.embedding_dim = _check_int("embedding_dim", embedding_dim, 1)
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"padding_idx must be within num_embeddings, got {padding_idx}")
            padding_idx = padding_idx % self.num_embeddings
        self.padding_idx = padding_idx
        if _weight is not None:
            table = np.asarray(getattr(_weight, "_data", _weight))
            if table.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(f"Embedding: _weight must have shape ({num_embeddings}, {embedding_dim}), got "
                                 f"{table.shape}")
            self.weight = Parameter(table, requires_grad=not _freeze)
        else:
            self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), get_default_dtype()))
            init.normal_(self.weight)
            if padding_idx is not None:
                self.weight.data[padding_idx] = 0
        _factory(self, device, dtype)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        """An Embedding holding the given (num_embeddings, embedding_dim) table; freeze: not trained."""
        table = np.asarray(embeddings._data if isinstance(embeddings, Tensor) else embeddings)
        if table.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {table.shape}")
        return cls(table.shape[0], table.shape[1], padding_idx, _weight=table.copy(), _freeze=freeze)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}" + (
            f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
