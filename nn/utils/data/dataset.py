"""torch.utils.data.dataset's names, for code that imports them from there."""
from . import ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split  # noqa: F401
