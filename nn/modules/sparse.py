"""Embedding and EmbeddingBag (torch.nn.modules.sparse)."""

import numpy as np

from .. import functional as F
from .. import init
from ..tensor import Tensor
from .module import Module, Parameter
from .utils import _factory, _empty_parameter


class Embedding(Module):
    """A table of num_embeddings vectors of size embedding_dim, looked up by integer indices:
    (*) -> (*, embedding_dim). Init N(0, 1) as PyTorch; the padding_idx row is zero and not trained.
    max_norm: each looked-up row longer than max_norm (norm_type norm) is first rescaled to it, in place, as
    PyTorch's. scale_grad_by_freq: each row's gradient divided by how often the input picks it. sparse=True is
    accepted and gives the same dense gradient (nn has no sparse gradients). All of them: F.embedding."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        self.max_norm, self.norm_type = max_norm, norm_type         # as given, as PyTorch stores them
        self.scale_grad_by_freq, self.sparse = bool(scale_grad_by_freq), bool(sparse)
        _table(self, num_embeddings, embedding_dim, padding_idx, _weight, _freeze)
        _factory(self, device, dtype)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        """An Embedding holding the given (num_embeddings, embedding_dim) table; freeze: not trained; the other
        arguments as the constructor's (PyTorch's signature)."""
        table = _pretrained(embeddings, cls.__name__)
        return cls(table.shape[0], table.shape[1], padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=table, _freeze=freeze)

    def reset_parameters(self):
        """A new N(0, 1) table with the padding_idx row zero, as PyTorch's (loralib's LoRA Embedding calls it)."""
        _reset_table(self)

    def _fill_padding_idx_with_zero(self):
        _fill_padding_row(self)

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        # PyTorch's: the settings that differ from the defaults
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s


class EmbeddingBag(Module):
    """Bags of looked-up rows reduced to one vector each (their sum, mean or max):
    forward(input, offsets=None, per_sample_weights=None) with input (B, N) (B bags of N indices) or input (L,)
    cut at offsets (B,) (each bag's start; with include_last_offset, (B + 1,) ending with L) -> (B, embedding_dim).
    mode: 'sum', 'mean' (default) or 'max' of each bag; per_sample_weights (input's shape) scale the rows in
    'sum' mode. Init N(0, 1) as PyTorch; padding_idx entries are left out of their bag and its row (zero) is not
    trained; an empty bag gives zeros. max_norm, scale_grad_by_freq: as Embedding. sparse=True is accepted and
    gives the same dense gradient (nn has no sparse gradients). All of them: F.embedding_bag."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode="mean", sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None, _freeze=False):
        super().__init__()
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be one of 'sum', 'mean' or 'max', got {mode!r}")
        self.max_norm, self.norm_type = max_norm, norm_type         # as given, as PyTorch stores them
        self.scale_grad_by_freq, self.mode, self.sparse = bool(scale_grad_by_freq), mode, bool(sparse)
        self.include_last_offset = bool(include_last_offset)
        _table(self, num_embeddings, embedding_dim, padding_idx, _weight, _freeze)
        _factory(self, device, dtype)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode="mean", sparse=False, include_last_offset=False, padding_idx=None):
        """An EmbeddingBag holding the given (num_embeddings, embedding_dim) table; freeze: not trained."""
        table = _pretrained(embeddings, cls.__name__)
        return cls(table.shape[0], table.shape[1], max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                   _weight=table, include_last_offset=include_last_offset, padding_idx=padding_idx, _freeze=freeze)

    def reset_parameters(self):
        """A new N(0, 1) table with the padding_idx row zero, as PyTorch's."""
        _reset_table(self)

    def _fill_padding_idx_with_zero(self):
        _fill_padding_row(self)

    def forward(self, input, offsets=None, per_sample_weights=None):
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                               self.mode, self.sparse, per_sample_weights, self.include_last_offset,
                               self.padding_idx)

    def extra_repr(self):
        # PyTorch's: each value by its repr (EmbeddingBag(np.int64(2), 3, mode='mean'))
        s = f"{self.num_embeddings!r}, {self.embedding_dim!r}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm!r}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type!r}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        s += f", mode={self.mode!r}"
        return s + (f", padding_idx={self.padding_idx!r}" if self.padding_idx is not None else "")


def _table(module, num_embeddings, embedding_dim, padding_idx, _weight, _freeze):
    """Embedding's and EmbeddingBag's sizes, padding_idx (made non-negative) and weight: _weight's table, or
    N(0, 1) with the padding_idx row zero, as PyTorch's."""
    name = type(module).__name__
    # an empty table is PyTorch's too (pytorch-tabular's TabTransformer makes Embedding(0, d) with no continuous column)
    # (the sizes stored as given, as PyTorch's; their types read by torch.empty's parser where the table is made:
    # Embedding(2.0, 3) is its TypeError, after the padding_idx asserts)
    module.num_embeddings, module.embedding_dim = num_embeddings, embedding_dim
    if padding_idx is not None:     # PyTorch's asserts: padding_idx 0 passes them (Embedding(0, 3, padding_idx=0)
        n = num_embeddings          # fails filling the row, in the init), in each class's words
        if (padding_idx > 0 and padding_idx >= n) or (padding_idx < 0 and padding_idx < -n):
            raise AssertionError(f"{'p' if isinstance(module, EmbeddingBag) else 'P'}adding_idx must be within "
                                 "num_embeddings")
        padding_idx = padding_idx + n if padding_idx < 0 else padding_idx
    module.padding_idx = padding_idx
    if _weight is not None:
        table = np.asarray(getattr(_weight, "_data", _weight))
        if table.shape != (module.num_embeddings, module.embedding_dim):
            raise ValueError(f"{name}: _weight must have shape ({num_embeddings}, {embedding_dim}), got "
                             f"{table.shape}")
        module.weight = Parameter(table, requires_grad=not _freeze)
    else:
        module.weight = _empty_parameter(num_embeddings, embedding_dim)      # (after the padding_idx asserts)
        _reset_table(module)


def _reset_table(module):
    """Embedding's and EmbeddingBag's init, in place: N(0, 1), the padding_idx row zero."""
    init.normal_(module.weight)
    _fill_padding_row(module)


def _fill_padding_row(module):
    if module.padding_idx is not None:
        module.weight.data[module.padding_idx] = 0


def _pretrained(embeddings, name):
    """from_pretrained's (num_embeddings, embedding_dim) table, checked 2-D: a Tensor's own array, as PyTorch's
    Parameter(embeddings) shares the given tensor's memory (a max_norm renormalisation or a training step writes
    through to it); an ndarray or a list is copied."""
    table = embeddings._data if isinstance(embeddings, Tensor) else np.array(embeddings)
    if table.ndim != 2:
        raise ValueError(f"{name}.from_pretrained: embeddings must be 2-D, got shape {table.shape}")
    return table
