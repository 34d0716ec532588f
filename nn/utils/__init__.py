"""Training utilities: gradient clipping (torch.nn.utils) and datasets/batching (torch.utils.data)."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from . import data

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
