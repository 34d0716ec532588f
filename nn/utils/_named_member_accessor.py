"""torch.nn.utils._named_member_accessor's helpers that put a tensor or a submodule in a module's slot without
`Module.__setattr__`'s checks (a plain Tensor where a Parameter was), as PyTorch's (tensordict's `to_module`)."""
from collections import OrderedDict

from ..modules.module import Module
from ..tensor import Tensor

__all__ = ["set_tensor", "swap_tensor", "swap_submodule"]

_MISSING = Tensor._wrap([])            # PyTorch's marker: "no tensor" (delete the slot / the slot was absent)


def _check_name(name, what="tensor"):
    if "." in name:
        raise KeyError(f'{what} name can\'t contain "."')
    if name == "":
        raise KeyError(f'{what} name can\'t be empty string ""')


def set_tensor(module, name, tensor):
    """module's parameter, buffer or attribute `name` set to tensor (a Tensor or None)."""
    if not isinstance(module, Module):
        raise TypeError(f"{module} is not an instance of torch.nn.Module")
    if not isinstance(tensor, Tensor) and tensor is not None:
        raise TypeError(f"{tensor} is not an instance of torch.Tensor")
    _check_name(name)
    if name in module._parameters:
        module._parameters[name] = tensor
    elif name in module._buffers:       # the Tensor itself (a _BufferDict's [] = would keep only its array)
        OrderedDict.__setitem__(module._buffers, name, tensor)
    else:
        setattr(module, name, tensor)


def swap_tensor(module, name, tensor, allow_missing=False):
    """set_tensor that returns what was there (`_MISSING` puts nothing and removes the slot)."""
    if not isinstance(module, Module):
        raise TypeError(f"{module} is not an instance of torch.nn.Module")
    if tensor is not _MISSING and not isinstance(tensor, Tensor) and tensor is not None:
        raise TypeError(f"{tensor} is not an instance of torch.Tensor")
    _check_name(name)
    for registry in (module._parameters, module._buffers):
        if name in registry:
            orig = getattr(module, name)         # a buffer as the Tensor module.name gives
            if tensor is not _MISSING:
                OrderedDict.__setitem__(registry, name, tensor)
            else:
                del registry[name]
            return orig
    if hasattr(module, name):
        orig = getattr(module, name)
    elif not allow_missing:
        raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
    else:
        orig = _MISSING
    if orig is not _MISSING and not isinstance(orig, Tensor) and orig is not None:
        raise TypeError(f"attribute `{name}`: {orig} is not an instance of torch.Tensor")
    if tensor is not _MISSING:
        setattr(module, name, tensor)
    elif hasattr(module, name):
        delattr(module, name)
    return orig


def swap_submodule(module, name, submodule):
    """module's child `name` replaced by submodule -> the child it had."""
    if not isinstance(module, Module):
        raise TypeError(f"{module} is not an instance of torch.nn.Module")
    if not isinstance(submodule, Module):
        raise TypeError(f"{submodule} is not an instance of torch.nn.Module")
    _check_name(name, "submodule")
    if name not in module._modules:
        raise KeyError(f"submodule {name} does not exist")
    orig = module._modules[name]
    if not isinstance(orig, Module):
        raise TypeError(f"{name} attribute is not an instance of torch.nn.Module")
    module._modules[name] = submodule
    return orig
