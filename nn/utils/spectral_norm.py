"""torch.nn.utils.spectral_norm as a module: `import torch.nn.utils.spectral_norm as spectral_norm` (pyod's ALAD)
imports it and then takes the package's attribute, the function (nn.utils imports this module first, then binds
the name to the function, as PyTorch's does). The implementation is nn.utils.weight_norms'."""
from .weight_norms import SpectralNorm, spectral_norm, remove_spectral_norm  # noqa: F401
