"""torch.utils._foreach_utils: splitting tensor lists by device and dtype before a foreach update (optimizer
libraries such as pytorch_optimizer import `_group_tensors_by_device_and_dtype` from here)."""
from .._C import _get_privateuse1_backend_name
from ..tensor import Tensor


def _get_foreach_kernels_supported_devices():
    """The device types with foreach kernels (PyTorch's list; nn runs on the CPU only)."""
    return ["cuda", "xpu", "mtia", _get_privateuse1_backend_name()]


def _get_fused_kernels_supported_devices():
    """The device types with fused optimizer kernels (PyTorch's list)."""
    return ["mps", "cuda", "xpu", "hpu", "cpu", "mtia", _get_privateuse1_backend_name()]


_foreach_supported_types = [Tensor]


def _group_tensors_by_device_and_dtype(tensorlistlist, with_indices=False):
    """Split aligned tensor lists by the (device, dtype) of the first list's tensors.

    tensorlistlist: K lists of N tensors (or None in the lists after the first) -> {(device, dtype): (K lists of
    the group's tensors, their indices in the input if with_indices else [])}, groups in order of first appearance.
    The tensors are the inputs themselves (no copies), so updating them in place updates the caller's tensors."""
    if not tensorlistlist:
        raise RuntimeError("Expected !nested_tensorlist.empty() to be true, but got false.")
    groups = {}
    for i, tensor in enumerate(tensorlistlist[0]):
        if tensor is None:
            raise RuntimeError("Tensors of the first list of nested Tensor lists are supposed to be defined but "
                               f"the {i}-th Tensor is not.")
        key = (tensor.device, tensor.dtype)
        if key not in groups:
            groups[key] = ([[] for _ in tensorlistlist], [])
        lists, indices = groups[key]
        for k, tensorlist in enumerate(tensorlistlist):
            lists[k].append(tensorlist[i] if tensorlist else None)
        if with_indices:
            indices.append(i)
    return groups


def _device_has_foreach_support(device):
    """Whether foreach kernels run on `device` (the CPU and the foreach devices; never while scripting)."""
    from ..jit import is_scripting  # noqa: PLC0415  (nn.jit imports nn.utils)
    return device.type in (_get_foreach_kernels_supported_devices() + ["cpu"]) and not is_scripting()


def _has_foreach_support(tensors, device):
    """Whether a foreach kernel can take `tensors` (all plain Tensors or None) on `device`."""
    return _device_has_foreach_support(device) and all(
        t is None or type(t) in _foreach_supported_types for t in tensors)
