"""Utilities: gradient clipping, parameters as one vector, padded and packed sequences (rnn), weight and spectral
normalisation, conv-BatchNorm fusion (torch.nn.utils), datasets/batching (torch.utils.data)."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .weight_norms import weight_norm, remove_weight_norm, spectral_norm, remove_spectral_norm
from . import checkpoint, data, fusion, model_zoo, rnn

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters", "weight_norm",
           "remove_weight_norm", "spectral_norm", "remove_spectral_norm", "checkpoint", "fusion", "model_zoo", "rnn"]
