"""torch.nn.parallel on one CPU process: DataParallel (and DistributedDataParallel's single-process use) as a
wrapper that runs the module it holds, so code written for several devices runs unchanged. The wrapped model
is ``.module``, and its state dict's keys carry the ``module.`` prefix, as PyTorch's."""
from .modules import Module

__all__ = ["DataParallel", "DistributedDataParallel"]


class DataParallel(Module):
    """Runs ``module`` on the inputs as they are (nn has one device; the device and dim options are accepted)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


class DistributedDataParallel(DataParallel):
    """DataParallel's wrapper under DDP's name (one process, nothing to synchronise); no_sync() is a no-op."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, **kwargs):
        super().__init__(module, device_ids, output_device, dim)

    def no_sync(self):
        import contextlib  # noqa: PLC0415
        return contextlib.nullcontext()
