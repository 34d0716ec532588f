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


def _scatter_gather_module():
    """torch.nn.parallel.scatter_gather on one CPU: scatter() chunks the tensors in nested tuples / lists / dicts
    along `dim` into one piece per target device (every piece stays on the CPU), gather() concatenates them back;
    captum's layer attributions import it at import time (they scatter only when given device_ids)."""
    from ._submodule import submodule  # noqa: PLC0415
    from .tensor import Tensor  # noqa: PLC0415
    from .tensor_ops.shape import cat  # noqa: PLC0415

    def scatter(inputs, target_gpus, dim=0):
        pieces = len(target_gpus)

        def scatter_map(obj):
            if isinstance(obj, Tensor):
                return list(obj.chunk(pieces, dim))
            if isinstance(obj, tuple) and len(obj) > 0:
                return list(zip(*map(scatter_map, obj)))
            if isinstance(obj, list) and len(obj) > 0:
                return [list(i) for i in zip(*map(scatter_map, obj))]
            if isinstance(obj, dict) and len(obj) > 0:
                return [type(obj)(i) for i in zip(*map(scatter_map, obj.items()))]
            return [obj for _ in target_gpus]

        return scatter_map(inputs)

    def gather(outputs, target_device, dim=0):
        def gather_map(outs):
            out = outs[0]
            if isinstance(out, Tensor):
                return cat(list(outs), dim)
            if out is None:
                return None
            if isinstance(out, dict):
                return type(out)((k, gather_map([d[k] for d in outs])) for k in out)
            return type(out)(map(gather_map, zip(*outs)))

        return gather_map(outputs)

    return submodule(__name__, "scatter_gather", "torch.nn.parallel.scatter_gather on one CPU.", scatter=scatter,
                     gather=gather)


scatter_gather = _scatter_gather_module()

def _distributed_module():
    """torch.nn.parallel.distributed (Lightning's DDP strategy imports DistributedDataParallel from it)."""
    from ._submodule import submodule  # noqa: PLC0415
    return submodule(__name__, "distributed", "torch.nn.parallel.distributed on one CPU process.",
                     DistributedDataParallel=DistributedDataParallel)


distributed = _distributed_module()
