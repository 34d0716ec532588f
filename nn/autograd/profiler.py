"""torch.autograd.profiler's names: profile and record_function (nn/profiler.py: the labelled regions)."""
from ..profiler import EventList, profile, record_function  # noqa: F401


class emit_nvtx:
    """torch.autograd.profiler.emit_nvtx: NVTX ranges for NVIDIA's profilers around every operator; with no CUDA
    there is nothing to emit, so the context changes nothing (``enabled`` and ``record_shapes`` are accepted)."""

    def __init__(self, enabled=True, record_shapes=False):
        self.enabled, self.record_shapes = enabled, record_shapes

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return None
