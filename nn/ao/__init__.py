"""torch.ao: the base classes of PyTorch's quantization tooling that other code checks against (nn.ao.quantization).
nn quantizes nothing; no model here holds an observer or a fake-quantize module."""
from . import quantization  # noqa: E402,F401  (torch.ao.quantization is an attribute after import torch)
