"""Utilities: gradient clipping, parameters as one vector, padding of sequences (rnn) and conv-BatchNorm fusion
(torch.nn.utils), datasets/batching (torch.utils.data)."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import data, fusion, rnn

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters", "fusion", "rnn"]
