"""Devices: nn computes on the CPU only; the names exist so PyTorch code runs unchanged.

``nn.device("cuda")`` can be built (as in PyTorch, e.g. in a config), but moving
a Tensor or Module to it raises a one-line error: nn has no GPU backend and
``nn.cuda.is_available()`` is False, so ``device = "cuda" if
nn.cuda.is_available() else "cpu"`` picks the CPU.

The meta device is there too: a tensor on it has a shape and a dtype and no data (MetaArray), made by
``nn.zeros(..., device="meta")``, ``Module.to("meta")`` or any factory or layer inside ``with nn.device("meta"):``
(Hugging Face's from_pretrained builds its model so, then puts the checkpoint's tensors in); reading its values
raises PyTorch's errors, ``Module.to_empty(device="cpu")`` gives it memory.
"""
import builtins
import threading

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
        # `with torch.device(d):` makes d the factories' default device inside the block (nested blocks stack, per
        # thread): the CPU or the meta device (Hugging Face's from_pretrained builds its model under
        # `with torch.device("meta")`); any other is refused as set_default_device refuses it
        _context_stack().append(factory_device(self))
        return self

    def __exit__(self, *exc):
        _context_stack().pop()
        return False


CPU = device("cpu")
META = device("meta")


class MetaArray(np.ndarray):
    """The values of a tensor on the meta device: its shape and dtype, no data. A view of one zero repeated
    (stride 0, no memory per element); NumPy keeps the type through views and element-wise results, so ops on a
    meta tensor mostly give meta tensors (as PyTorch's), and a write lands in that one cell (in-place ops change
    nothing that can be read: PyTorch's in-place ops on the meta device do nothing)."""


def meta_array(shape, dtype):
    """A MetaArray of this shape and dtype (taking the memory of one element)."""
    shape = tuple(int(n) for n in shape)
    cell = np.zeros((), dtype)
    return np.lib.stride_tricks.as_strided(cell, shape, (0,) * len(shape), writeable=True).view(MetaArray)


_THREAD = threading.local()
_DEFAULT = [CPU]            # set_default_device's device: under every `with nn.device(...)` block


def _context_stack():
    stack = _THREAD.__dict__.get("stack")
    if stack is None:
        stack = _THREAD.stack = []
    return stack


def factory_device(dev):
    """The device a factory makes its tensor on, CPU or META: dev, or for None the innermost
    `with nn.device(...)` block's, else the default device (set_default_device); any other device is
    check_device's error."""
    if dev is None:
        stack = _THREAD.__dict__.get("stack")
        return stack[-1] if stack else _DEFAULT[0]
    if dev is META or dev == "meta" or (isinstance(dev, device) and dev.type == "meta"):
        return META
    return check_device(dev)


def on_context_device(arr):
    """A new ndarray as the factories would make it: itself, or (inside `with nn.device("meta")`, or with 'meta' the
    default device) a meta array of its shape and dtype. The layers build their weights and buffers from NumPy
    arrays (np.empty(...) where PyTorch's call torch.empty) and pass them through this."""
    return meta_array(arr.shape, arr.dtype) if factory_device(None) is META else arr


def set_default_device(dev):
    """torch.set_default_device: the CPU (or None: the CPU) or 'meta'; any other device is refused."""
    _DEFAULT[0] = CPU if dev is None else factory_device(dev)


def refuse_meta_data(tensor, what="Cannot copy out of meta tensor; no data!", error=NotImplementedError):
    """PyTorch's error for reading the values of a meta tensor (NotImplementedError unless error says)."""
    if isinstance(tensor._data, MetaArray):
        raise error(what)


def check_device(dev):
    """The CPU device for dev (None, "cpu", device("cpu")); a clear error for any other device."""
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        raise RuntimeError(f"nn runs on the CPU only: cannot use device '{d}' (nn.cuda.is_available() "
                           f"is False); use 'cpu'")
    return CPU


class Stream:
    """torch.Stream, the device-generic stream, on the CPU as PyTorch's: work runs in order as issued, so a stream is
    always done (diffusers annotates `stream: torch.cuda.Stream | torch.Stream | None`)."""

    def __init__(self, device=None, *, priority=0, **kwargs):
        self.device = check_device("cpu" if device is None else device)
        self.device_type, self.device_index, self.stream_id = "cpu", -1, 0

    def query(self):
        return True

    def synchronize(self):
        pass

    def wait_stream(self, stream):
        pass

    def __repr__(self):
        return "torch.Stream device_type=cpu, device_index=-1, stream_id=0"


class Event:
    """torch.Event: can be built on the CPU, but using one is PyTorch's error there."""

    def __init__(self, device=None, *, enable_timing=False, blocking=False, interprocess=False):
        self.device = check_device("cpu" if device is None else device)

    def _no_events(self, *args, **kwargs):
        raise RuntimeError("cpu backend doesn't support events.")

    record = wait = query = synchronize = elapsed_time = _no_events


def get_device_module(device=None):
    """torch.get_device_module: the module of a device type (nn.cpu for "cpu" and for None, there being no
    accelerator; nn.cuda for "cuda"); diffusers clears caches through it after loading weights."""
    import nn
    if device is None:
        name = "cpu"
    elif isinstance(device, (str, nn.device)):
        name = nn.device(device).type
    else:
        raise RuntimeError(f"Invalid value of device '{device}', expect torch.device, str, or None")
    module = getattr(nn, name, None)
    if module is None:
        raise RuntimeError(f"Device '{name}' does not have a corresponding module registered as 'torch.{name}'.")
    return module


def _is_device(value):
    """Whether value is a device to PyTorch's parser: a device, its name, or a (GPU) index."""
    return isinstance(value, (str, device)) or (isinstance(value, (int, np.integer)) and not isinstance(value, bool))


_TENSOR_TYPES = []      # (Tensor, DataArray), imported at the first .to() (both modules import this one)


def _tensor_types():
    if not _TENSOR_TYPES:
        from .array import DataArray
        from .tensor import Tensor
        _TENSOR_TYPES.extend((Tensor, DataArray))
    return _TENSOR_TYPES


def bind_to(args, kwargs):
    """.to(...)'s arguments bound to their names as PyTorch's parser reads its three signatures:
    to(device=None, dtype=None, non_blocking=False, copy=False), to(dtype, non_blocking=False, copy=False),
    to(tensor, non_blocking=False, copy=False), each with a keyword-only memory_format: a dict of those given (by
    position or keyword). Arguments no signature takes are PyTorch's TypeError (x.to(t, nn.float64): "to()
    received an invalid combination of arguments - got (Tensor, torch.dtype), but expected one of:")."""
    numbers_and_tensors = (*_tensor_types(), bool, float, complex)
    # the signature is told by its first argument: a tensor (a Python bool, float or complex is taken as a tensor of
    # it, so x.to(True) is bool), a device (or none), else a dtype
    first = args[0] if args else kwargs.get("tensor")
    if isinstance(first, numbers_and_tensors):
        names = ("tensor", "non_blocking", "copy")
    elif first is None or _is_device(first):
        names = ("device", "dtype", "non_blocking", "copy")
    else:
        names = ("dtype", "non_blocking", "copy")
    bound = dict(zip(names, args))
    fits = len(args) <= len(names)
    for key, value in kwargs.items():
        if key != "memory_format":
            fits = fits and key in names and key not in bound
            bound[key] = value
    dev, dtype = bound.get("device"), bound.get("dtype")
    if not (fits and (dev is None or _is_device(dev)) and isinstance(bound.get("non_blocking", False), bool)
            and isinstance(bound.get("copy", False), bool)
            and (dtype is None or not (_is_device(dtype) or isinstance(dtype, numbers_and_tensors)))):
        from .tensor import parser_no_signature
        raise parser_no_signature("to", args, kwargs)
    return bound


def parse_to(args, kwargs):
    """(device, dtype or None, copy) from .to(...)'s arguments (bind_to): copy is None when not given (Module.to
    refuses it given at all); x.to(dtype, False, True) copies."""
    Tensor, DataArray = _tensor_types()
    bound = bind_to(args, kwargs)
    dev, dtype, other = bound.get("device"), bound.get("dtype"), bound.get("tensor")
    if isinstance(other, Tensor):
        dev, dtype = other.device, other.dtype
    elif isinstance(other, DataArray):                  # to(p.grad) / to(p.data): that tensor's dtype, on the CPU
        dev, dtype = "cpu", other.dtype
    elif other is not None:                             # a Python number as a tensor: bool, float64, complex128
        dtype = builtins.type(other)
    return (CPU if dev is None else factory_device(dev)), (None if dtype is None else to_dtype(dtype)), \
        bound.get("copy")


class memory_format(_NameOnly):
    """torch.memory_format. nn keeps every array C-contiguous in PyTorch's dimension order (NCHW); a format
    passed to .to(), .contiguous(), empty() or *_like() is accepted and changes nothing."""


contiguous_format, preserve_format = memory_format("contiguous_format"), memory_format("preserve_format")
channels_last, channels_last_3d = memory_format("channels_last"), memory_format("channels_last_3d")
