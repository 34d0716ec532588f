"""torch.nn.modules.distance's names (the layers are defined in loss.py)."""
from .loss import CosineSimilarity, PairwiseDistance  # noqa: F401
