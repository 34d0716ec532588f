"""torch.nn.parallel on one CPU process: DataParallel (and DistributedDataParallel's single-process use) as a
wrapper that runs the module it holds, so code written for several devices runs unchanged. The wrapped model
is ``.module``, and its state dict's keys carry the ``module.`` prefix, as PyTorch's."""
from .modules import Module

__all__ = ["DataParallel", "DistributedDataParallel", "parallel_apply", "replicate", "scatter", "gather"]


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

    def scatter_kwargs(inputs, kwargs, target_gpus, dim=0):
        """scatter() of the positional and the keyword arguments, the shorter list padded with () / {} so that
        each target gets one of each (torchmeta's DataParallel imports it)."""
        scattered_inputs = scatter(inputs, target_gpus, dim) if inputs else []
        scattered_kwargs = scatter(kwargs, target_gpus, dim) if kwargs else []
        scattered_inputs += [() for _ in range(len(scattered_kwargs) - len(scattered_inputs))]
        scattered_kwargs += [{} for _ in range(len(scattered_inputs) - len(scattered_kwargs))]
        return tuple(scattered_inputs), tuple(scattered_kwargs)

    return submodule(__name__, "scatter_gather", "torch.nn.parallel.scatter_gather on one CPU.", scatter=scatter,
                     gather=gather, scatter_kwargs=scatter_kwargs)


scatter_gather = _scatter_gather_module()
scatter, gather = scatter_gather.scatter, scatter_gather.gather


def parallel_apply(modules, inputs, kwargs_tup=None, devices=None):
    """modules[i](*inputs[i], **kwargs_tup[i]) for each i, one after another (one CPU) -> the list of outputs; an
    input that is not a list or tuple is the single argument, as PyTorch's."""
    if len(modules) != len(inputs):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of inputs "
                             f"{len(inputs)}")
    if kwargs_tup is not None and len(modules) != len(kwargs_tup):
        raise AssertionError(f"The number of modules {len(modules)} is not equal to the number of kwargs_tup "
                             f"{len(kwargs_tup)}")
    kwargs_tup = kwargs_tup if kwargs_tup is not None else ({},) * len(modules)
    return [module(*(args if isinstance(args, (list, tuple)) else (args,)), **kwargs)
            for module, args, kwargs in zip(modules, inputs, kwargs_tup)]


def _replicate_module():
    """torch.nn.parallel.replicate on one CPU: every replica is the module itself, every broadcast tensor the
    tensor itself (detached if asked), so gradients reach the originals as PyTorch's Broadcast passes them back
    (torchmeta's DataParallel imports _broadcast_coalesced_reshape)."""
    from ._submodule import submodule  # noqa: PLC0415

    def replicate(network, devices, detach=False):
        return [network for _ in devices]

    def _broadcast_coalesced_reshape(tensors, devices, detach=False):
        return [[t.detach() if detach else t for t in tensors] for _ in devices]

    return submodule(__name__, "replicate", "torch.nn.parallel.replicate on one CPU.", replicate=replicate,
                     _broadcast_coalesced_reshape=_broadcast_coalesced_reshape)


replicate = _replicate_module().replicate


def _distributed_module():
    """torch.nn.parallel.distributed (Lightning's DDP strategy imports DistributedDataParallel from it)."""
    from ._submodule import submodule  # noqa: PLC0415
    return submodule(__name__, "distributed", "torch.nn.parallel.distributed on one CPU process.",
                     DistributedDataParallel=DistributedDataParallel)


distributed = _distributed_module()
