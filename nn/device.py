"""Devices: nn computes on the CPU only; the names exist so PyTorch code runs unchanged.

``nn.device("cuda")`` can be built (as in PyTorch, e.g. in a config), but moving
a Tensor or Module to it raises a one-line error: nn has no GPU backend and
``nn.cuda.is_available()`` is False, so ``device = "cuda" if
nn.cuda.is_available() else "cpu"`` picks the CPU.
"""
import numpy as np

from .dtypes import _NameOnly, to_dtype

_TYPES = ("cpu", "cuda", "mps", "xpu", "meta")


class device:
    """device("cpu"), device("cuda:0"), device("cuda", 0): PyTorch's torch.device."""

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, (int, np.integer)) and not isinstance(type, bool):
            type, index = "cuda", int(type)            # torch.device(0) is the first GPU
        elif isinstance(type, str) and ":" in type:
            type, _, idx = type.partition(":")
            if not idx.isdigit():
                raise RuntimeError(f"invalid device string {type + ':' + idx!r}: expected e.g. 'cpu' or 'cuda:0'")
            index = int(idx)
        if not isinstance(type, str) or type not in _TYPES:
            raise RuntimeError(f"expected a device type such as 'cpu' or 'cuda', got {type!r}")
        self.type, self.index = type, index

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:                       # `device == "auto"` (SB3's get_device) is False, no error
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __enter__(self):
        # `with torch.device(d):` makes d the factories' default device inside the block: the CPU is already
        # everything's device; any other is refused as set_default_device refuses it (smp's timm encoder tries
        # `with torch.device("meta"):` and falls back on the error)
        check_device(self)
        return self

    def __exit__(self, *exc):
        return False


CPU = device("cpu")


def check_device(dev):
    """The CPU device for dev (None, "cpu", device("cpu")); a clear error for any other device."""
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        raise RuntimeError(f"nn runs on the CPU only: cannot use device '{d}' (nn.cuda.is_available() "
                           f"is False); use 'cpu'")
    return CPU


def parse_to(args, kwargs, what="to"):
    """(device or None, dtype or None) from .to(...)'s forms: to(device), to(dtype), to(device, dtype),
    to(other_tensor), with keywords device=, dtype=, non_blocking=, copy=, memory_format=."""
    from .tensor import Tensor
    dev = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"{what}() got unexpected keyword argument(s) {sorted(kwargs)}")
    from .array import DataArray
    for a in args:
        if isinstance(a, Tensor):
            dev, dtype = a.device, a.dtype
        elif isinstance(a, DataArray):                 # to(p.grad) / to(p.data): that tensor's dtype, on the CPU
            dev, dtype = "cpu", a.dtype
        elif isinstance(a, (str, device)) or (isinstance(a, int) and not isinstance(a, bool)):
            dev = a
        elif isinstance(a, bool):                      # to(dtype, non_blocking) / to(device, dtype, False)
            continue
        else:
            dtype = a
    return check_device(dev), (None if dtype is None else to_dtype(dtype)), copy


class memory_format(_NameOnly):
    """torch.memory_format. nn keeps every array C-contiguous in PyTorch's dimension order (NCHW); a format
    passed to .to(), .contiguous(), empty() or *_like() is accepted and changes nothing."""


contiguous_format, preserve_format = memory_format("contiguous_format"), memory_format("preserve_format")
channels_last, channels_last_3d = memory_format("channels_last"), memory_format("channels_last_3d")
