"""Variable-length sequences for the recurrent layers, as torch.nn.utils.rnn: pad_sequence, and packed sequences
(PackedSequence, pack_padded_sequence, pad_packed_sequence, pack_sequence), which RNN, LSTM and GRU take as input.

A PackedSequence holds B sequences sorted by length, longest first, time step by time step: ``data`` is
(sum of the lengths, *), first every sequence's step 0, then step 1 of those at least 2 long, and so on;
``batch_sizes[t]`` is how many sequences have a step t. ``sorted_indices`` (or None when the input was already
sorted) gives the order: sorted batch = original batch[sorted_indices]; ``unsorted_indices`` undoes it.
"""
from collections.abc import Iterable
from typing import NamedTuple, Optional

import numpy as np

from ..dtypes import checked_fill
from ..tensor import (ArgumentTypeError, ShapeError, Tensor, broadcast_shape, parser_bool, parser_float,
                      parser_type_name)
from ..functional.shapes import cat, pad


class _PackedSequenceFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor] = None
    unsorted_indices: Optional[Tensor] = None


class PackedSequence(_PackedSequenceFields):
    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        # as PyTorch's: built from sorted_indices alone, the inverse permutation is filled in (pfrl's
        # RecurrentSequential re-wraps layer outputs as PackedSequence(h, batch_sizes=..., sorted_indices=...));
        # PackedSequence((data, batch_sizes, ...)) unpacks the tuple
        if batch_sizes is None and isinstance(data, (tuple, list)):
            data, batch_sizes, sorted_indices, unsorted_indices = (tuple(data) + (None, None))[:4]
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        return self._replace(data=self.data.to(*args, **kwargs))

    def float(self):
        return self._replace(data=self.data.float())

    def double(self):
        return self._replace(data=self.data.double())


def _check_sequences(sequences):
    """pad_sequence's list refused in PyTorch's types and words (TrainingWrapper pads whatever list it is given)."""
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor):
            raise ArgumentTypeError(f"expected Tensor as element {i} in argument 0, but got {parser_type_name(s)}")


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Tensors (L_i, *) -> (max L, B, *) (or (B, max L, *) with batch_first), each padded with padding_value at
    the end (padding_side='right') or the start ('left'); differentiable in the sequences."""
    if not isinstance(sequences, Iterable):     # PyTorch's Python check, then its parser's in argument order
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = list(sequences)
    _check_sequences(sequences)
    parser_bool(batch_first, "pad_sequence", "batch_first", 2)      # (keywords too are passed on by position)
    padding_value = parser_float(padding_value, "pad_sequence", "padding_value", 3)
    if isinstance(padding_side, bytes):     # (its parser reads a str argument from bytes too)
        padding_side = padding_side.decode()
    if not isinstance(padding_side, str):
        raise TypeError(f"pad_sequence(): argument 'padding_side' (position 4) must be str, not "
                        f"{parser_type_name(padding_side)}")
    if not sequences:
        raise ShapeError("received an empty list of sequences")    # PyTorch's RuntimeError, nn's ValueError
    if padding_side not in ("right", "left"):
        # PyTorch's RuntimeError and words (ShapeError: still the ValueError nn raised before)
        raise ShapeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if sequences[0].ndim == 0:      # PyTorch's words: the trailing dims of the first, then the size of each's dim 0
        raise RuntimeError("ArrayRef: invalid slice, N = 1; size = 0")
    if any(s.ndim == 0 for s in sequences):
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    longest = max(s.shape[0] for s in sequences)
    padded, dtype, trailing = [], sequences[0].dtype, tuple(sequences[0].shape[1:])
    checked_fill(padding_value, dtype)      # (PyTorch fills its whole output first: 1e40 fails in float32, padded or not)
    from ..tensor_ops.inplace import _refuse_growing    # noqa: PLC0415 - tensor_ops imports functional
    for s in sequences:
        s = s if s.dtype == dtype else s.to(dtype)     # PyTorch fills an output of the first one's dtype
        if tuple(s.shape[1:]) != trailing:
            # PyTorch copies each sequence into its slot of an output shaped by the first one: a sequence that
            # broadcasts onto its slot is expanded, any other refused in copy_'s words
            slot = (s.shape[0],) + trailing
            _refuse_growing(slot, broadcast_shape(slot, tuple(s.shape)))
            s = s.expand(slot)
        extra = longest - s.shape[0]
        amounts = [0, 0] * (s.ndim - 1) + ([0, extra] if padding_side == "right" else [extra, 0])
        padded.append(pad(s, tuple(amounts), value=padding_value) if extra else s)
    from ..tensor_ops.shape import stack            # noqa: PLC0415 - tensor_ops imports functional
    return stack(padded, 0 if batch_first else 1)


class _LengthsError(RuntimeError, ValueError):
    """PyTorch's RuntimeError for bad lengths, still a ValueError for code written for nn's earlier error."""


def _lengths(lengths, batch):
    values = np.asarray(getattr(lengths, "_data", lengths))
    if values.ndim != 1 and values.dtype.kind in "iufb":       # PyTorch's first check, after its .to(int64)
        raise _LengthsError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {values.ndim}D cpu Long "
                            f"tensor")
    if values.ndim == 1 and values.dtype.kind in "iufb" and values.size != batch:
        raise _LengthsError(f"Expected `len(lengths)` to be equal to batch_size, but got {values.size} "
                            f"(batch_size={batch})")
    if values.dtype.kind not in "iufb":        # (a numeric one is 1-D of batch lengths by now)
        raise ValueError(f"pack_padded_sequence: expected {batch} lengths, one per sequence, got "
                         f"{np.asarray(getattr(lengths, '_data', lengths)).tolist()}")
    # PyTorch converts the lengths with .to(int64): fractional ones are truncated toward zero (speechbrain
    # passes relative lengths times the padded length, e.g. 0.67 * 9 = 6.03 -> 6)
    return values.astype(np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """input (T, B, *) (or (B, T, *) with batch_first), lengths (B,) list or int Tensor -> PackedSequence.
    enforce_sorted=True requires the lengths in decreasing order; False sorts the batch (and records how)."""
    if batch_first:
        input = input.transpose(0, 1)
    lengths = _lengths(lengths, input.shape[1])
    if lengths.max() > input.shape[0]:
        raise ValueError(f"pack_padded_sequence: a length ({lengths.max()}) exceeds the padded length "
                         f"{input.shape[0]}")
    sorted_indices = unsorted_indices = None
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                               "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
    if lengths.min() < 1:                   # PyTorch's words and order: after the sort check
        raise _LengthsError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                            "that is <= 0")
    if not enforce_sorted:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices, unsorted_indices = Tensor._wrap(order), Tensor._wrap(np.argsort(order))
        input, lengths = input.index_select(1, sorted_indices), lengths[order]
    batch_sizes = (lengths[None, :] > np.arange(lengths.max())[:, None]).sum(1)
    data = cat([input[t, :bs] for t, bs in enumerate(batch_sizes)], 0)
    return PackedSequence(data, Tensor._wrap(batch_sizes.astype(np.int64)), sorted_indices, unsorted_indices)


def padded_in_sorted_order(sequence, padding_value=0.0):
    """PackedSequence -> (T, B, *) padded Tensor with the batch in the packed (sorted) order."""
    sizes = sequence.batch_sizes._data
    batch, rows, start = int(sizes[0]), [], 0
    for bs in sizes:
        step = sequence.data[start:start + bs]
        start += bs
        rows.append(step if bs == batch else pad(step, (0, 0) * (step.ndim - 1) + (0, batch - bs), value=padding_value))
    from ..tensor_ops.shape import stack            # noqa: PLC0415 - tensor_ops imports functional
    return stack(rows, 0)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """PackedSequence -> (padded (T, B, *) or (B, T, *) Tensor in the original batch order, lengths (B,) int64)."""
    padded = padded_in_sorted_order(sequence, padding_value)
    sizes = sequence.batch_sizes._data
    lengths = (sizes[None, :] > np.arange(sizes[0])[:, None]).sum(1)
    if total_length is not None:
        if total_length < padded.shape[0]:
            raise ValueError(f"pad_packed_sequence: total_length ({total_length}) is shorter than the longest "
                             f"sequence ({padded.shape[0]})")
        extra = total_length - padded.shape[0]
        if extra:
            padded = pad(padded, (0, 0) * (padded.ndim - 1) + (0, extra), value=padding_value)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices._data]
    return (padded.transpose(0, 1) if batch_first else padded), Tensor._wrap(lengths.astype(np.int64))


def pack_sequence(sequences, enforce_sorted=True):
    """Tensors (L_i, *) -> PackedSequence (pad_sequence, then pack_padded_sequence)."""
    sequences = list(sequences)
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """pad_sequence undone: padded (T, B, *) (or (B, T, *) with batch_first) and lengths (B,) -> a list of B
    Tensors (L_i, *), differentiable (slices of the padded tensor)."""
    padded = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    values = np.asarray(getattr(lengths, "_data", lengths)).reshape(-1).astype(np.int64)
    if values.shape != (padded.shape[0],):
        raise ValueError(f"unpad_sequence: expected {padded.shape[0]} lengths, one per sequence, got {values.tolist()}")
    return [padded[i, :int(n)] for i, n in enumerate(values)]


def invert_permutation(permutation):
    """The inverse of a permutation of 0..n-1 (a PackedSequence's unsorted_indices from its sorted_indices); None
    stays None."""
    if permutation is None:
        return None
    values = np.asarray(getattr(permutation, "_data", permutation)).reshape(-1).astype(np.int64)
    inverse = np.empty_like(values)
    inverse[values] = np.arange(values.size)
    return Tensor._wrap(inverse)


def unpack_sequence(packed_sequences):
    """pack_sequence undone: a PackedSequence -> the list of its Tensors (L_i, *), in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
