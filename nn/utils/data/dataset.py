"""torch.utils.data.dataset's names, for code that imports them from there."""
from . import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,  # noqa: F401
                TensorDataset, random_split)
