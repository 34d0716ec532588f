"""Utilities: gradient clipping and conv-BatchNorm fusion (torch.nn.utils), datasets/batching (torch.utils.data)."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from . import data, fusion

__all__ = ["clip_grad_norm_", "clip_grad_value_", "fusion"]
