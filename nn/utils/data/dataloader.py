"""torch.utils.data.dataloader's names (DataLoader, default_collate, default_convert), for code that imports
them from there."""
from . import DataLoader, default_collate, default_convert  # noqa: F401
from . import (_BaseDataLoaderIter, _SingleProcessDataLoaderIter,  # noqa: F401  (PyG's DataLoaderIterator)
               _MultiProcessingDataLoaderIter)
