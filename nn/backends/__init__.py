"""nn.backends: PyTorch's backend switches, kept so scripts that set them run (nn has CPU kernels only)."""
from . import cuda, cudnn, mkldnn, mps  # noqa: F401
