"""Datasets and batching, as torch.utils.data: Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset,
random_split, the samplers (SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler,
BatchSampler, DistributedSampler), DataLoader, default_collate, default_convert.

    ds = nn.utils.data.TensorDataset(x, y)             # x: (N, ...), y: (N,)
    train, val = nn.utils.data.random_split(ds, [0.8, 0.2])
    for xb, yb in nn.utils.data.DataLoader(train, batch_size=32, shuffle=True):
        ...                                            # xb: (32, ...), yb: (32,)

Everything runs in the calling process: num_workers, pin_memory and the other
worker options are accepted and ignored (pin_memory=True with PyTorch's warning
that no accelerator is found, on each pass). Shuffling draws from nn's generator
(nn.manual_seed), or from ``generator=`` (an nn.Generator / numpy Generator),
so the same seed gives the same batches (not the same ones as PyTorch: its
generator is a different algorithm).
"""
import bisect
import itertools
import math
import multiprocessing
import numbers
import warnings
from typing import Generic, TypeVar

import numpy as np

from ...array import refuse_negative_strides
from ...factories import _warn_not_writable
from ...tensor import Tensor, get_rng

__all__ = ["Dataset", "IterableDataset", "ChainDataset", "TensorDataset", "StackDataset", "Subset", "ConcatDataset",
           "random_split", "DataLoader", "default_collate", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "get_worker_info", "DistributedSampler",
           "default_convert"]

# The bases are generic, as PyTorch's (`class MySampler(Sampler[List[int]])`, `Dataset[Tuple[Tensor, int]]` in
# timm and typed user code); the concrete samplers and TensorDataset are not (TensorDataset[int] is a TypeError).
T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """Base class: subclasses define __getitem__(index) and __len__()."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """Base class of a stream of samples: subclasses define __iter__() (and no __getitem__). A DataLoader batches
    the samples in the order they come; shuffle and samplers do not apply (as PyTorch)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset[T_co]):
    """The samples of several IterableDatasets, one after the other (stream_a + stream_b)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)

    def __iter__(self):
        for d in self.datasets:
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


def _first_size(t):
    """A TensorDataset member's first dim, as PyTorch's check reads it (size(0): a 0-d Tensor's IndexError), else
    len() (arrays)."""
    return t.size(0) if isinstance(t, Tensor) and not t.ndim else len(t)


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given tensors (all with the same first dim)."""

    def __init__(self, *tensors):
        # PyTorch's check and words (an AssertionError; no tensors at all is taken, len() then fails; a 0-d
        # tensor is size(0)'s IndexError); nn also takes arrays
        if any(_first_size(tensors[0]) != _first_size(t) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tuple(tensors)

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return len(self.tensors[0])


class StackDataset(Dataset[T_co]):
    """Datasets of one length side by side: StackDataset(a, b)[i] -> (a[i], b[i]); StackDataset(text=a, label=b)[i]
    -> {'text': a[i], 'label': b[i]}."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        self.datasets = args or kwargs
        datasets = list(args or kwargs.values())
        self._length = len(datasets[0])
        if any(len(d) != self._length for d in datasets):
            raise ValueError("Size mismatch between datasets")

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self):
        return self._length


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``. A subclass that overrides __getitem__ must override __getitems__
    too (the DataLoader fetches a batch by __getitems__), or it is refused when built, as PyTorch 2.13's."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = list(indices)
        if type(self).__getitem__ is not Subset.__getitem__ and type(self).__getitems__ is Subset.__getitems__:
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__. When subclassing Subset and "
                "overriding __getitem__, you must also override __getitems__ to ensure DataLoader works correctly "
                "with your custom logic. A simple implementation:\n\ndef __getitems__(self, indices):\n"
                "    return [self.__getitem__(idx) for idx in indices]")

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices):
        """The samples at a batch of indices: the dataset's own __getitems__ when it has one."""
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset[T_co]):
    """Several datasets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = self.cumsum(self.datasets)

    @staticmethod
    def cumsum(sequence):
        """The running totals of the lengths, as Python ints (avalanche's FlatData calls it on its own)."""
        return list(itertools.accumulate(len(d) for d in sequence))

    def __len__(self):
        return int(self.cumulative_sizes[-1]) if self.cumulative_sizes else 0

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise IndexError("ConcatDataset: index out of range")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = 0 if which == 0 else int(self.cumulative_sizes[which - 1])
        return self.datasets[which][index - start]


def _split_lengths(lengths, n):
    """Integer lengths from ints (summing to n) or fractions (summing to 1), as PyTorch splits them."""
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1 and not all(
            isinstance(x, numbers.Integral) for x in lengths):
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):        # the remainder goes round-robin, as in PyTorch
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"random_split: lengths sum to {sum(lengths)}, the dataset has {n} samples; "
                         "give integer lengths that sum to it, or fractions that sum to 1")
    return lengths


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random Subsets of the given lengths."""
    lengths = _split_lengths(lengths, len(dataset))
    order = (generator if generator is not None else get_rng()).permutation(len(dataset)).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets


class Sampler(Generic[T_co]):
    """Base of the samplers: an iterable of dataset indices (DataLoader(sampler=...))."""

    def __iter__(self):
        raise NotImplementedError

    def _rng(self):
        return self.generator if getattr(self, "generator", None) is not None else get_rng()


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices, or num_samples draws with replacement (nn's generator)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement, self.generator = data_source, bool(replacement), generator
        self._num_samples = num_samples
        if num_samples is not None and (not isinstance(num_samples, numbers.Integral) or num_samples < 1):
            raise ValueError(f"RandomSampler: num_samples must be a positive integer, got {num_samples!r}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self):
        n = len(self.data_source)
        if self.replacement:
            return self._draws(n)
        order = np.concatenate([self._rng().permutation(n) for _ in range(-(-self.num_samples // n))])
        return iter(order[:self.num_samples].tolist())

    def __len__(self):
        return self.num_samples

    def _draws(self, n, chunk=32768):
        """num_samples indices drawn with replacement, a chunk at a time (num_samples may be huge: an endless
        loader)."""
        rng, left = self._rng(), self.num_samples
        while left > 0:
            take = min(chunk, left)
            yield from rng.integers(0, n, take).tolist()
            left -= take


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = list(indices), generator

    def __iter__(self):
        return iter([self.indices[i] for i in self._rng().permutation(len(self.indices))])

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices drawn with probability proportional to weights (with replacement by default)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights, dtype=np.float64).ravel()
        if w.size == 0 or np.any(w < 0) or not np.all(np.isfinite(w)) or w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be non-negative, finite, with a positive sum")
        if not isinstance(num_samples, numbers.Integral) or num_samples < 1:
            raise ValueError(f"WeightedRandomSampler: num_samples must be a positive integer, got {num_samples!r}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples without replacement from "
                             f"{np.count_nonzero(w)} non-zero weights")
        self.weights, self.num_samples, self.replacement, self.generator = w, int(num_samples), replacement, generator

    def __iter__(self):
        p = self.weights / self.weights.sum()
        return iter(self._rng().choice(len(p), self.num_samples, replace=self.replacement, p=p).tolist())

    def __len__(self):
        return self.num_samples


class _InfiniteConstantSampler(Sampler):
    """None, without end: the sampler PyTorch's DataLoader gives an IterableDataset (whose samples come from its
    own __iter__, not from indices)."""

    def __iter__(self):
        while True:
            yield None


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of batch_size (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"BatchSampler: batch_size must be a positive integer, got {batch_size!r}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), bool(drop_last)

    def __iter__(self):
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


def get_worker_info():
    """None: batches are loaded in the calling process (num_workers is accepted and ignored), where PyTorch's
    get_worker_info() returns None too, so an IterableDataset that splits its work by worker reads it all."""
    return None


# PyTorch's collate registry (torch.utils.data._utils.collate.default_collate_fn_map): type -> fn(batch, *,
# collate_fn_map), consulted before the built-in cases for the first sample's type (exact, then isinstance);
# nn's built-in cases are not entries, so it starts empty (MONAI registers its MetaTensor in it)
default_collate_fn_map = {}


def default_collate(batch):
    """A list of samples -> one batch: Tensors/arrays/numbers stacked on a new first dim,
    tuples/lists/dicts collated field by field (PyTorch's default_collate)."""
    first = batch[0]
    if default_collate_fn_map:
        fn = default_collate_fn_map.get(type(first)) or next(
            (f for t, f in default_collate_fn_map.items() if isinstance(first, t)), None)
        if fn is not None:
            return fn(batch, collate_fn_map=default_collate_fn_map)
    if isinstance(first, (Tensor, np.ndarray, np.generic)):
        for b in batch:
            refuse_negative_strides(b)      # a sample's np.flip(image): PyTorch's as_tensor refuses it, as nn's
            if isinstance(b, np.ndarray) and not b.flags.writeable:
                _warn_not_writable(b)       # (and warns, once per process, of a read-only one)
        arrays = [b._data if isinstance(b, Tensor) else np.asarray(b) for b in batch]
        if len({a.shape for a in arrays}) > 1:      # RuntimeError, as PyTorch's torch.stack there
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, got shapes "
                               f"{[a.shape for a in arrays]}; pad them in a collate_fn (nn.utils.rnn.pad_sequence)")
        return Tensor._wrap(np.stack(arrays))
    if isinstance(first, bool):
        return Tensor._wrap(np.array(batch, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor._wrap(np.array(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor._wrap(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return batch        # as PyTorch: the list given, or inside a tuple/list sample a tuple ('a', 'b')
    if isinstance(first, dict):
        collated = {key: default_collate([b[key] for b in batch]) for key in first}
        try:
            return type(first)(collated)                                # an OrderedDict stays one
        except TypeError:
            return collated
    if isinstance(first, tuple) and hasattr(first, "_fields"):          # namedtuple
        return type(first)(*(default_collate(f) for f in zip(*batch)))
    if isinstance(first, (tuple, list)):
        if len({len(b) for b in batch}) != 1:
            raise RuntimeError("default_collate: each element in the batch should be of equal size")
        return [default_collate(f) for f in zip(*batch)]
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}; "
                    "return Tensors, arrays, numbers, or tuples/dicts of them, or pass collate_fn=")


def default_convert(data):
    """One sample -> the same with every NumPy array and NumPy scalar as a Tensor (PyTorch's default_convert:
    what DataLoader(batch_size=None) applies to each sample). Tuples become lists, as PyTorch's; dicts,
    namedtuples and lists are converted field by field; Python numbers, strings and arrays of strings stay."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)):
        if data.dtype.kind in "SUO":
            return data
        refuse_negative_strides(data)       # (as torch.as_tensor there)
        if isinstance(data, np.ndarray):
            _warn_not_writable(data)
        return Tensor._wrap(np.asarray(data))
    if isinstance(data, dict):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)                                    # an OrderedDict stays one
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):                # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(d) for d in data]
    return data


class DataLoader(Generic[T_co]):
    """Batches of a dataset: ``for xb, yb in DataLoader(ds, batch_size=64, shuffle=True)``.

    batch_size=None yields samples one by one, uncollated, their arrays as Tensors (default_convert, as
    PyTorch). len(loader) is
    the number of batches (the last one short unless drop_last=True).
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None,
                 persistent_workers=False, pin_memory_device="", in_order=True):
        if batch_size is not None and (not isinstance(batch_size, numbers.Integral) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer, got {batch_size!r}")
        if isinstance(dataset, IterableDataset):
            # an IterableDataset has no indices: shuffle inside its __iter__ (PyTorch's checks and words)
            for name, value in (("shuffle", shuffle if shuffle not in (False, None) else None), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value is not None:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                                     f"{name}={value}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        self.dataset = dataset
        self.batch_size = None if batch_sampler is not None else batch_size
        # not an attribute, as PyTorch's loader keeps none: code that rebuilds a loader from its public __dict__
        # (ignite's DeterministicEngine, with a new batch_sampler) would pass shuffle=True along with it
        self._shuffle = bool(shuffle)
        self._sampler, self._batch_sampler = sampler, batch_sampler          # as given (None: the loader's own)
        self._default_samplers = {}
        self.num_workers = num_workers
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.generator = generator
        self.pin_memory, self.timeout, self.worker_init_fn = pin_memory, timeout, worker_init_fn
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        self.multiprocessing_context = multiprocessing_context      # checked as PyTorch's (Lightning reads it)

    @property
    def multiprocessing_context(self):
        """The start-method context given for the worker processes (None: the default), as PyTorch's property;
        a name becomes multiprocessing's context. Only allowed with num_workers > 0, as PyTorch."""
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers == 0:
                raise ValueError("multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError("multiprocessing_context option should specify a valid start method in "
                                     f"{methods!r}, but got multiprocessing_context={context!r}")
                context = multiprocessing.get_context(context)
        self._multiprocessing_context = context

    @property
    def sampler(self):
        """The sampler given, else the one PyTorch's DataLoader makes (RandomSampler(dataset, generator=) with
        shuffle, else SequentialSampler; for an IterableDataset _InfiniteConstantSampler, None without end):
        ``len(loader.sampler)`` is the number of samples. The loader itself draws the same order from the same
        generator."""
        if self._sampler is not None:
            return self._sampler
        if "sampler" not in self._default_samplers:
            self._default_samplers["sampler"] = (
                _InfiniteConstantSampler() if isinstance(self.dataset, IterableDataset) else
                RandomSampler(self.dataset, generator=self.generator) if self._shuffle else
                SequentialSampler(self.dataset))
        return self._default_samplers["sampler"]

    @property
    def batch_sampler(self):
        """The batch_sampler given, else BatchSampler(loader.sampler, batch_size, drop_last) as PyTorch's (None
        with batch_size=None)."""
        if self._batch_sampler is not None or self.batch_size is None:
            return self._batch_sampler
        if "batch_sampler" not in self._default_samplers:
            self._default_samplers["batch_sampler"] = BatchSampler(self.sampler, self.batch_size, self.drop_last)
        return self._default_samplers["batch_sampler"]

    # PyTorch's private views of the above, which its iterator reads and subclasses override (torchtuples'
    # DataLoaderBatch turns _auto_collation off after __init__ so that each batch of indices is read by one
    # dataset[indices] call): a loader whose class overrides them is iterated through them, as PyTorch's
    @property
    def _dataset_kind(self):
        return _DatasetKind.Iterable if isinstance(self.dataset, IterableDataset) else _DatasetKind.Map

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _indices(self):
        """The sample indices in order: an iterator (a sampler may draw them lazily, without end in practice)."""
        if self._sampler is not None:
            return iter(self._sampler)
        n = len(self.dataset)
        if self._shuffle:
            return iter((self.generator if self.generator is not None else get_rng()).permutation(n).tolist())
        return iter(range(n))

    def _batches(self):
        if self._batch_sampler is not None:
            yield from self._batch_sampler
            return
        order = self._indices()
        while True:
            chunk = list(itertools.islice(order, self.batch_size))
            if not chunk or (len(chunk) < self.batch_size and self.drop_last):
                return
            yield chunk

    def _fetch(self, chunk):
        ds = self.dataset
        if self.collate_fn is None and type(ds) is TensorDataset:
            # one fancy-index per tensor instead of len(chunk) rows stacked: the same batch, faster
            idx = np.asarray(chunk, dtype=np.int64)
            return [Tensor._wrap(t._data[idx]) if isinstance(t, Tensor) else Tensor._wrap(np.asarray(t)[idx])
                    for t in ds.tensors]
        collate = self.collate_fn or default_collate
        # a batch by the dataset's __getitems__ when it has one (Subset's, a Hugging Face dataset's), as PyTorch
        getitems = getattr(ds, "__getitems__", None)
        return collate(getitems(chunk) if getitems else [ds[i] for i in chunk])

    def _stream(self):
        """The batches of an IterableDataset: its samples in order, batch_size at a time."""
        collate = self.collate_fn or default_collate
        if self.batch_size is None:
            for sample in self.dataset:
                yield (self.collate_fn or default_convert)(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    def __iter__(self):
        """An iterator object, as PyTorch's (``self._get_iterator()``, which subclasses such as PyG's NodeLoader
        override to wrap it): it has len() and PyTorch's _reset."""
        return self._get_iterator()

    def _get_iterator(self):
        return _SingleProcessDataLoaderIter(self)

    def _iterate(self):
        """The batches, in order (a generator; one per pass)."""
        if isinstance(self.dataset, IterableDataset):
            yield from self._stream()
            return
        if self.batch_size is None and self._batch_sampler is None:
            for i in self._indices():
                yield (self.collate_fn or default_convert)(self.dataset[i])
            return
        for chunk in self._batches():
            yield self._fetch(chunk)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)               # a TypeError when the dataset has no length, as PyTorch
            return n if self.batch_size is None else (n // self.batch_size if self.drop_last else
                                                      -(-n // self.batch_size))
        if self._batch_sampler is not None:
            return len(self._batch_sampler)
        n = len(self._sampler) if self._sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class _DatasetKind:
    """torch.utils.data.dataloader._DatasetKind: map-style (0) or iterable (1), and the fetcher for each."""
    Map = 0
    Iterable = 1

    @staticmethod
    def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
        from ._utils import fetch      # noqa: PLC0415
        cls = fetch._MapDatasetFetcher if kind == _DatasetKind.Map else fetch._IterableDatasetFetcher
        return cls(dataset, auto_collation, collate_fn, drop_last)


def _warn_pin_memory(loader):
    """PyTorch's warnings on each pass of a loader with pin_memory=True: the device argument is deprecated, and
    with no accelerator (nn never has one) nothing is pinned."""
    if not getattr(loader, "pin_memory", False):
        return
    if getattr(loader, "pin_memory_device", ""):
        warnings.warn("pin_memory_device is deprecated, the current accelerator will be used as the device,"
                      f"ignore pin_memory_device='{loader.pin_memory_device}'.", stacklevel=3)
    warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                  "then device pinned memory won't be used.", stacklevel=3)


class _BaseDataLoaderIter:
    """A pass over a DataLoader (what iter(loader) gives, as PyTorch's): next() the batches, len() the loader's
    length, _reset(loader) starts a new pass. Base of the single-process iterator; nn has no worker processes,
    so _MultiProcessingDataLoaderIter is a name for isinstance checks only (no loader makes one)."""

    def __init__(self, loader):
        self._loader = loader
        self._dataset = loader.dataset
        self._IterableDataset_len_called = getattr(loader, "_IterableDataset_len_called", None)
        _warn_pin_memory(loader)
        # the first pass is set up here, not by _reset, as PyTorch's __init__ does (speechbrain replaces _reset
        # with one that does nothing on the first pass, and fast-forwards _sampler_iter after a recovery)
        self._start(loader)

    def _reset(self, loader, first_iter=False):
        self._start(loader)

    def _start(self, loader):
        self._num_yielded = 0
        cls = type(loader)
        own = getattr(cls, "_iterate", None) is DataLoader._iterate
        if own and (cls._auto_collation is not DataLoader._auto_collation or
                    cls._index_sampler is not DataLoader._index_sampler):
            self._batches_left = self._fetched(loader)
            return
        if own and not isinstance(loader.dataset, IterableDataset):
            # a map-style dataset: _sampler_iter yields the batches of indices (or the indices, unbatched), as
            # PyTorch's, and each is fetched when next() asks for it, so indices taken from _sampler_iter by
            # other code are skipped
            batched = loader._auto_collation
            self._sampler_iter = loader._batches() if batched else loader._indices()
            fetch = loader._fetch if batched else \
                (lambda i: (loader.collate_fn or default_convert)(loader.dataset[i]))
            self._batches_left = (fetch(index) for index in self._sampler_iter)
            return
        iterate = getattr(loader, "_iterate", None)
        self._batches_left = iterate() if iterate is not None else self._fetched(loader)

    @staticmethod
    def _fetched(loader):
        """The batches of a loader that is not nn's DataLoader but has PyTorch's private attributes (fastai's
        _FakeLoader: _index_sampler, _dataset_kind, _auto_collation, collate_fn, drop_last), fetched as PyTorch's
        single-process iterator fetches them: one fetch per index of _index_sampler, until StopIteration."""
        auto_collation = loader._auto_collation
        # PyTorch's loader keeps default_collate (batched) or default_convert in place of a None collate_fn
        collate = loader.collate_fn or (default_collate if auto_collation else default_convert)
        fetcher = _DatasetKind.create_fetcher(loader._dataset_kind, loader.dataset, auto_collation, collate,
                                              loader.drop_last)
        for index in loader._index_sampler:
            try:
                data = fetcher.fetch(index)
            except StopIteration:
                return
            yield data

    def __iter__(self):
        return self

    def __next__(self):
        batch = next(self._batches_left)
        self._num_yielded += 1
        return batch

    def __len__(self):
        return len(self._loader)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    pass


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    pass


from .distributed import DistributedSampler  # noqa: E402  (torch.utils.data.DistributedSampler; one process here)
from . import sampler, dataset, dataloader  # noqa: E402,F401  (torch.utils.data.sampler.Sampler as an attribute)

# each class's module is PyTorch's submodule, which binds it too (pickles find it there): repr(dataset) is then
# "<nn.utils.data.dataset.TensorDataset object at 0x...>", as PyTorch's (torch_cka names its datasets by it)
for _module, _names in ((dataset, ("Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
                                   "ChainDataset", "Subset", "random_split")),
                        (sampler, ("Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
                                   "WeightedRandomSampler", "BatchSampler")),
                        (dataloader, ("DataLoader",))):
    for _name in _names:
        globals()[_name].__module__ = _module.__name__
del _module, _names, _name
from . import _utils  # noqa: E402,F401  (torch.utils.data._utils.collate.default_collate as an attribute path)
