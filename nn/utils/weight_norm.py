"""torch.nn.utils.weight_norm as a module: `import torch.nn.utils.weight_norm as weight_norm` gives the function
(nn.utils imports this module first, then binds the name to the function, as PyTorch's does). The implementation is
nn.utils.weight_norms'."""
from .weight_norms import WeightNorm, weight_norm, remove_weight_norm  # noqa: F401
