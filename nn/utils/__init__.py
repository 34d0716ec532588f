"""Utilities: gradient clipping, parameters as one vector, padded and packed sequences (rnn), weight and spectral
normalisation (also as parametrizations), pruning, conv-BatchNorm fusion (torch.nn.utils), datasets/batching
(torch.utils.data)."""
from .clip_grad import clip_grad_norm_, clip_grad_norm, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters
# through the submodules named as PyTorch's: they are imported (and the names then bound to the functions) here, so
# `import nn.utils.spectral_norm as f` gives the function, as in PyTorch
from .weight_norm import weight_norm, remove_weight_norm
from .spectral_norm import spectral_norm, remove_spectral_norm
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights
from .memory_format import skip_init, convert_conv2d_weight_memory_format, convert_conv3d_weight_memory_format
from . import checkpoint, data, fusion, model_zoo, parametrize, parametrizations, prune, rnn, stateless
from . import hooks  # noqa: E402  (torch.utils.hooks as an attribute: captum annotates with it)
from . import flop_counter  # noqa: E402,F401  (torch.utils.flop_counter: Lightning's model summary)

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "vector_to_parameters", "weight_norm", "remove_weight_norm", "spectral_norm",
           "remove_spectral_norm", "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "checkpoint", "fusion", "model_zoo", "parametrize", "parametrizations", "prune",
           "rnn", "stateless", "hooks", "skip_init", "convert_conv2d_weight_memory_format",
           "convert_conv3d_weight_memory_format"]


def __getattr__(name):
    """nn.utils._pytree without an import of its own, as torch.utils._pytree (loaded on first use: it needs
    nn.func, which needs the whole package)."""
    if name == "_pytree":
        import importlib  # noqa: PLC0415
        return importlib.import_module(__name__ + "._pytree")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
