"""torch.nn.utils.init / memory_format: skip_init (a module built without running its initialisation) and the
conv weights' memory-format conversions (no-ops: nn's arrays have one layout)."""
import inspect


def skip_init(module_cls, *args, **kwargs):
    """module_cls(*args, **kwargs) built on the meta device and given memory on ``device`` (default cpu) without
    its initialisation, as PyTorch's (its values are uninitialised there, zeros here)."""
    from ..modules.module import Module     # noqa: PLC0415 - the modules import nn.utils
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    kwargs["device"] = "meta"
    return module_cls(*args, **kwargs).to_empty(device=final_device)


def convert_conv2d_weight_memory_format(module, memory_format):
    """PyTorch's: the Conv2d / ConvTranspose2d weights of module in memory_format (channels_last): the values and
    shapes do not change, and nn's arrays have one layout, so module is returned as it is."""
    return module


def convert_conv3d_weight_memory_format(module, memory_format):
    """As convert_conv2d_weight_memory_format, for the 3-d convolutions (module returned as it is)."""
    return module
