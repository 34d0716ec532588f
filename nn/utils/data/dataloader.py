"""torch.utils.data.dataloader's names (DataLoader, default_collate, default_convert), for code that imports
them from there."""
from . import DataLoader, default_collate, default_convert  # noqa: F401
from . import (_BaseDataLoaderIter, _SingleProcessDataLoaderIter,  # noqa: F401  (PyG's DataLoaderIterator)
               _MultiProcessingDataLoaderIter, _DatasetKind,             # (fastai's _FakeLoader)
               _InfiniteConstantSampler)
# the names PyTorch's module imports from sampler / dataset (torchtuples subclasses
# torch.utils.data.dataloader.RandomSampler)
from . import (BatchSampler, RandomSampler, Sampler, SequentialSampler,  # noqa: F401,E402
               Dataset, IterableDataset, get_worker_info)

# the module's type aliases, as PyTorch's (opacus annotates its DPDataLoader with _collate_fn_t)
import typing as _typing                                        # noqa: E402
from collections.abc import Callable as _Callable               # noqa: E402
_T = _typing.TypeVar("_T")
_T_co = _typing.TypeVar("_T_co", covariant=True)
_worker_init_fn_t = _Callable[[int], None]
_collate_fn_t = _Callable[[list[_T]], _typing.Any]
