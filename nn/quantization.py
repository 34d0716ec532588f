"""torch.quantization: PyTorch's older name of torch.ao.quantization, re-exporting it."""
from .ao.quantization import *  # noqa: F401,F403
from .ao.quantization import FakeQuantizeBase, ObserverBase, QConfig, fuse_modules, fuse_modules_qat  # noqa: F401
