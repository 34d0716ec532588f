"""PyTorch's weight files (.pt / .pth, the zip format of torch.save since 1.6), read and written
without PyTorch.

A torch.save file is a zip archive: ``<name>/data.pkl`` (a pickle of the object, usually a
state_dict), ``<name>/data/<key>`` (the raw bytes of each tensor's storage), ``<name>/version``,
``<name>/byteorder``. In the pickle, a tensor is ``torch._utils._rebuild_tensor_v2(storage,
offset, size, stride, requires_grad, hooks)`` and each storage a persistent id
``('storage', torch.FloatStorage, key, location, numel)``.

Reading a pickle can run arbitrary code (a GLOBAL of os.system, then REDUCE). The unpickler
here resolves only the globals a weight file needs (the two rebuild functions, the storage
types, OrderedDict) to our own NumPy stand-ins; any other global (os.system, builtins.eval,
subprocess.Popen...) is refused before anything is called. Tensors come back as Tensors, as from
torch.load (half-precision ones widened to float32: nn has no half tensors);
containers (dict, OrderedDict, list, tuple) and numbers/strings as they are, so a checkpoint
``{'state_dict': ..., 'epoch': 3}`` comes back as nested dicts (pick the one you want).

Writing produces the same layout with protocol 2, so ``torch.load(path, weights_only=True)``
reads it back.
"""
import _compat_pickle
import argparse
import codecs
import collections
import io
import os
import pickle
import sys
import zipfile
import types

import numpy as np

from . import dtypes
from .device import device
from .tensor import Tensor, Size
from .torch_version import TorchVersion

__all__ = ["load_torch", "load_torch_legacy", "save_torch", "is_torch_zip", "TorchFileError"]

# storage type name -> NumPy dtype (bfloat16 has no NumPy dtype: read as uint16 and widened)
_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "BFloat16Storage": np.uint16, "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
    "ComplexFloatStorage": np.complex64, "ComplexDoubleStorage": np.complex128,
}
_DTYPE_STORAGES = {np.dtype(v): k for k, v in _STORAGE_DTYPES.items() if k != "BFloat16Storage"}
_ALIGN = 64                     # torch aligns every record's data to 64 bytes


class TorchFileError(ValueError, pickle.UnpicklingError):
    """A .pt/.pth file that cannot be read safely (unknown global, bad layout, old format). Also a
    pickle.UnpicklingError, which PyTorch's weights_only load raises ("Weights only load failed"): code that catches
    it to retry a trusted load with weights_only=False (torchensemble's checkpoints hold the loss module) does so."""


# ----------------------------------------------------------------------------- reading

class _StorageType:
    """Stand-in for torch.<X>Storage: only carries the dtype."""

    def __init__(self, name):
        self.name = name
        self.dtype = np.dtype(_STORAGE_DTYPES[name])


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    """A Tensor of the given size/stride (in elements) over a storage: a copy, C-contiguous."""
    array, bfloat16 = storage
    size, stride = tuple(size), tuple(stride)
    if any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise TorchFileError("tensor with a negative size or stride")
    if size and min(size) > 0:
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if storage_offset < 0 or last >= array.size:
            raise TorchFileError(f"tensor of size {size} reads past the end of its storage ({array.size} elements)")
    if not size or min(size) > 0:
        view = np.lib.stride_tricks.as_strided(array[storage_offset:], size,
                                               tuple(s * array.itemsize for s in stride), writeable=False)
        out = np.array(view)
    else:
        out = np.empty(size, array.dtype)
    if bfloat16:                # the high half of a float32
        out = (out.astype(np.uint32) << 16).view(np.float32)
    elif out.dtype == np.float16:   # nn has no half tensors: widened, exactly
        out = out.astype(np.float32)
    if requires_grad and out.dtype.kind not in "fc":
        raise TorchFileError(f"a {out.dtype} tensor marked as requiring grad (only floating-point ones can)")
    return Tensor._wrap(out, requires_grad=bool(requires_grad))     # a saved leaf that required grad still does


def _rebuild_tensor(storage, storage_offset, size, stride):
    """PyTorch < 1.0's form of _rebuild_tensor_v2 (legacy files of that time, as lpips' v0.0 weights)."""
    return _rebuild_tensor_v2(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=True, backward_hooks=None, *state):
    """A saved nn.Parameter loads as one, as torch.load gives it (weights-only or not)."""
    from .modules.module import Parameter  # noqa: PLC0415  (nn.modules imports this module)
    return Parameter(data, requires_grad=requires_grad)


def _ordered_dict(*args):
    return collections.OrderedDict(*args)


def _size(*args):
    return Size(*args)


def _device(*args):
    return device(*args)


_ALLOWED = {
    ("collections", "OrderedDict"): _ordered_dict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    # a training script's parsed arguments (timm's CheckpointSaver stores 'args'): an attribute bag, built by
    # Namespace() and the pickle's BUILD of its __dict__, so nothing from the file runs
    ("argparse", "Namespace"): argparse.Namespace,
    # the rest of PyTorch's weights-only allow-list (torch._weights_only_unpickler._get_allowed_globals): constructors
    # of plain values; protocol 2 names the builtins module __builtin__
    ("collections", "Counter"): collections.Counter,
    ("_codecs", "encode"): codecs.encode,                  # bytes: encode(str, 'latin1')
    ("torch", "Size"): _size, ("torch", "device"): _device,
    **{(m, f.__name__): f for m in ("builtins", "__builtin__") for f in (set, bytearray, complex)},
}


def _user_allowed_globals():
    """The globals allowed by torch.serialization.add_safe_globals / safe_globals, by their full names (an object's
    __module__.__qualname__, or the name given with it), as PyTorch's weights-only unpickler looks them up: their
    classes are built by NEWOBJ and BUILD (fastai's optimizer state holds a fastcore L) and their functions called."""
    from .serialization import get_safe_globals     # noqa: PLC0415  (nn.serialization imports this module)
    out = {}
    for f in get_safe_globals():
        if isinstance(f, tuple):
            if len(f) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full path), but got tuple of "
                                 f"length: {len(f)}")
            if type(f[1]) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full path, but got: "
                                f"{type(f[1])}")
            out[f[1]] = f[0]
        else:
            out[f"{f.__module__}.{f.__qualname__}"] = f
    return out


def _python3_global(module, name):
    """A global of a protocol-2 pickle (torch.save's) under its Python 3 name: the pickler writes builtins as
    __builtin__ (and copyreg as copy_reg, ...); PyTorch's weights-only reader maps them back by _compat_pickle, so
    add_safe_globals([list]) allows a file's __builtin__.list."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


# torch.load's words when its weights_only unpickler refuses a global (torch.serialization's UNSAFE_MESSAGE and
# DOCS_MESSAGE around _weights_only_unpickler's own): torchlayers' build round-trips a whole model through
# torch.save / torch.load, which PyTorch 2.13 refuses so
_UNSAFE_MESSAGE = ("In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` from "
                   "`False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will likely succeed, "
                   "but it can result in arbitrary code execution. Do it only if you got the file from a trusted "
                   "source.")
_DOCS_MESSAGE = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default with "
                 "weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


def _weights_only_refusal(module, name):
    """PyTorch's message for a global that a weights-only load refuses: a blocked module's (sys, os, posix, nt),
    or any other's with its add_safe_globals advice (a builtin named bare, as PyTorch's)."""
    full_path = f"{module}.{name}"
    if module in ("sys", "os", "posix", "nt"):
        return (f"Weights only load failed. {_UNSAFE_MESSAGE}\n\n\nTrying to load unsupported GLOBAL {full_path} "
                f"whose module {module} is blocked.{_DOCS_MESSAGE}")
    if module == "builtins":
        full_path = name
    return ("Weights only load failed. This file can still be loaded, to do so you have two options, \033[1mdo those "
            "steps only if you trust the source of the checkpoint\033[0m. \n\t(1) " + _UNSAFE_MESSAGE +
            "\n\t(2) Alternatively, to load with `weights_only=True` please check the recommended steps in the "
            f"following error message.\n\tWeightsUnpickler error: Unsupported global: GLOBAL {full_path} was not "
            f"an allowed global by default. Please use `torch.serialization.add_safe_globals([{full_path}])` or the "
            f"`torch.serialization.safe_globals([{full_path}])` context manager to allowlist this global if you "
            f"trust this class/function.{_DOCS_MESSAGE}")


class _RestrictedUnpickler(pickle.Unpickler):
    """Resolves only the globals of a weight file; reads storages from the zip archive."""

    def __init__(self, data, archive, prefix, path):
        super().__init__(io.BytesIO(data))
        self.archive, self.prefix, self.path = archive, prefix, path
        self.storages = {}

    def find_class(self, module, name):
        module, name = _python3_global(module, name)
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if module == "torch" and isinstance(getattr(dtypes, name, None), dtypes.dtype):   # torch.float32 as a value
            return getattr(dtypes, name)
        fn = _ALLOWED.get((module, name))
        if fn is None:
            allowed = _user_allowed_globals()
            fn = allowed.get(f"{module}.{name}")
            if fn is None and (module == "torch" or module.startswith("torch.")):
                # PyTorch's name in the file, nn's object allowed (the ported add_safe_globals([nn.torch_version.
                # TorchVersion]) of asteroid's packages, which hold torch.__version__): torch.nn.X / torch.X -> nn.X
                fn = allowed.get("nn" + module[len("torch.nn" if module.startswith("torch.nn") and
                                                   module[8:9] in ("", ".") else "torch"):] + f".{name}")
        if fn is None:
            raise TorchFileError(_weights_only_refusal(module, name))
        return fn

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)):
            raise TorchFileError(f"nn.load: {self.path!r} has an unexpected persistent id {pid!r:.80}")
        _, stype, key, _location, numel = pid
        if key not in self.storages:
            name = f"{self.prefix}data/{key}"
            try:
                raw = self.archive.read(name)
            except KeyError:
                raise TorchFileError(f"nn.load: {self.path!r} lacks the storage record {name!r}") from None
            dt = stype.dtype.newbyteorder("<")
            if len(raw) % dt.itemsize:
                raise TorchFileError(f"nn.load: storage {name!r} has {len(raw)} bytes, not a whole number of "
                                     f"{stype.name} elements")
            self.storages[key] = (np.frombuffer(raw, dt).astype(stype.dtype, copy=False),
                                  stype.name == "BFloat16Storage")
        return self.storages[key]


class _TrustedUnpickler(_RestrictedUnpickler):
    """torch.load(weights_only=False): every global of the file is resolved (and so may run code, as PyTorch's),
    a PyTorch name by the porting rule (torch.nn.modules.container.ModuleList -> nn.modules.container.ModuleList)
    when nn has it; tensors and parameters as nn's."""

    def find_class(self, module, name):
        try:
            return super().find_class(module, name)
        except TorchFileError:
            pass
        if module == "torch" or module.startswith("torch."):
            import importlib  # noqa: PLC0415
            try:
                nn_nn = module == "torch.nn" or module.startswith("torch.nn.")
                obj = importlib.import_module("nn" + module[len("torch.nn" if nn_nn else "torch"):])
                for part in name.split("."):
                    obj = getattr(obj, part)
                return obj
            except (ImportError, AttributeError):
                raise TorchFileError(f"nn.load: {self.path!r} refers to {module}.{name}, which nn does not have") \
                    from None
        # the base class's own lookup (not pickle.Unpickler's at call time: Lightning's pl_legacy_patch replaces it)
        return super(_RestrictedUnpickler, self).find_class(module, name)


# the legacy (pre-1.6) stream: five pickles in a row (this magic number, the protocol version 1001, a sys_info dict,
# the object, the list of storage keys), then each storage's element count (int64) and raw bytes, in that order
LEGACY_MAGIC_NUMBER = 0x1950a86a20f9469cfc6c
LEGACY_PREFIX = b"\x80\x02\x8a\x0a" + LEGACY_MAGIC_NUMBER.to_bytes(10, "little")[:2]   # first 6 bytes of a file


def _no_tensor(*args, **kwargs):
    return None


class _LegacyUnpickler(_RestrictedUnpickler):
    """The legacy stream's object pickle. Its storages' bytes come after it, so it is read twice: a first pass (no
    storages yet: tensors rebuilt as None) learns each storage's type and size, the second builds the tensors."""

    def __init__(self, f, storages, path):
        pickle.Unpickler.__init__(self, f)
        self.path, self.storages, self.seen = path, storages, {}

    def find_class(self, module, name):
        fn = super().find_class(module, name)
        if self.storages is None and fn in (_rebuild_tensor_v2, _rebuild_tensor):
            return _no_tensor
        return fn

    def persistent_load(self, pid):
        # ('storage', type, root key, location, numel, view) with view None or (view key, offset, numel)
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str) and isinstance(pid[4], int)):
            raise TorchFileError(f"nn.load: {self.path!r} has an unexpected persistent id {pid!r:.80}")
        _, stype, key, _location, numel, view = pid
        self.seen[key] = (stype, numel)
        if self.storages is None:
            return None
        array, bfloat16 = self.storages[key]
        if view is not None:
            _, offset, size = view
            array = array[offset:offset + size]
        return array, bfloat16


class _PlainUnpickler(pickle.Unpickler):
    """A pickle of plain values only (the legacy stream's header and key list): every global is refused."""

    def find_class(self, module, name):
        raise TorchFileError(f"nn.load: refers to {module}.{name} where only plain values belong; refused")


def _load_plain(f, path):
    return _PlainUnpickler(f).load()


def load_torch_legacy(source, path):
    """Read a torch.save file of the legacy (pre-1.6, non-zip) format (a path or a binary file object; path names
    it in messages) -> its object with tensors as Tensors, resolving only a weight file's globals, as load_torch."""
    f = open(source, "rb") if isinstance(source, (str, os.PathLike)) else source
    try:
        magic, version, sys_info = (_load_plain(f, path) for _ in range(3))
        if magic != LEGACY_MAGIC_NUMBER or version != 1001:
            raise TorchFileError(f"nn.load: {path!r} is not a torch.save file (magic {magic!r}, protocol {version!r})")
        if isinstance(sys_info, dict) and not sys_info.get("little_endian", True):
            raise TorchFileError(f"nn.load: {path!r} was written on a big-endian machine; not supported")
        start = f.tell()
        first = _LegacyUnpickler(f, None, path)
        first.load()
        keys = _load_plain(f, path)
        storages = {}
        for key in keys:
            if key not in first.seen:
                raise TorchFileError(f"nn.load: {path!r} has bytes for a storage {key!r} its pickle never uses")
            stype, numel = first.seen[key]
            count = int.from_bytes(f.read(8), "little", signed=True)
            raw = f.read(count * stype.dtype.itemsize)
            if count != numel or len(raw) != count * stype.dtype.itemsize:
                raise TorchFileError(f"nn.load: {path!r} is truncated or corrupt (storage {key!r}: {count} elements "
                                     f"of {numel}, {len(raw)} bytes)")
            storages[key] = (np.frombuffer(raw, stype.dtype.newbyteorder("<")).astype(stype.dtype),
                             stype.name == "BFloat16Storage")
        f.seek(start)
        return _LegacyUnpickler(f, storages, path).load()
    except TorchFileError:
        raise
    except Exception as e:  # noqa: BLE001 - a malformed pickle or a short read
        raise TorchFileError(f"nn.load: {path!r} holds a legacy pickle that cannot be read as weights "
                             f"({type(e).__name__}: {e})") from e
    finally:
        if f is not source:
            f.close()


def is_torch_zip(path):
    """True if path is a zip archive holding a torch.save pickle (``*/data.pkl``)."""
    try:
        with zipfile.ZipFile(path) as z:
            return any(n.endswith("data.pkl") for n in z.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def load_torch(path, name=None, trusted=False):
    """Read a torch.save zip file (a path, or a binary file object with its name for messages) -> its object with
    tensors as Tensors (never runs code, unless trusted: torch.load's weights_only=False, which resolves every
    global of the file)."""
    source, path = path, name if name is not None else os.fspath(path)
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise TorchFileError(f"nn.load: {path!r} is not a zip archive: PyTorch's legacy (pre-1.6) format is "
                             f"not supported; re-save it with torch.save in a recent PyTorch") from None
    with archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise TorchFileError(f"nn.load: {path!r} is a zip archive but not a torch.save file (no single data.pkl)")
        prefix = pickles[0][:-len("data.pkl")]
        byteorder = prefix + "byteorder"
        if byteorder in archive.namelist() and archive.read(byteorder).strip() != b"little":
            raise TorchFileError(f"nn.load: {path!r} was written on a big-endian machine; not supported")
        unpickler = (_TrustedUnpickler if trusted else _RestrictedUnpickler)(archive.read(pickles[0]), archive,
                                                                             prefix, path)
        try:
            return unpickler.load()
        except TorchFileError:
            raise
        except Exception as e:  # noqa: BLE001 - a malformed pickle, whatever the opcode
            raise TorchFileError(f"nn.load: {path!r} holds a pickle that cannot be read as weights "
                                 f"({type(e).__name__}: {e})") from e


class PyTorchFileReader:
    """torch.PyTorchFileReader: the records of a torch.save zip archive (a path or a binary file object) by their
    names inside its top folder ("data.pkl", "data/0", "byteorder"), as bytes."""

    def __init__(self, f):
        self._archive = zipfile.ZipFile(f)
        names = self._archive.namelist()
        self._prefix = names[0].split("/", 1)[0] + "/" if names and "/" in names[0] else ""

    def get_all_records(self):
        return [n[len(self._prefix):] for n in self._archive.namelist() if n.startswith(self._prefix)]

    def has_record(self, name):
        return self._prefix + name in self._archive.namelist()

    def get_record(self, name):
        return self._archive.read(self._prefix + name)


# ----------------------------------------------------------------------------- writing

class _Global:
    """A global written by name (GLOBAL opcode) without importing it: torch need not exist."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):      # pickle's save_reduce wants a callable
        raise TypeError("a name for pickling only")


class _StorageRef:
    def __init__(self, key, array):
        self.key, self.array = key, array


class _TensorRef:
    """Pickles as torch._utils._rebuild_tensor_v2(storage, 0, size, stride, requires_grad, OrderedDict())."""

    def __init__(self, storage, shape, requires_grad=False):
        self.storage, self.shape, self.requires_grad = storage, shape, requires_grad

    def __reduce__(self):
        stride, acc = [], 1
        for n in reversed(self.shape):
            stride.append(acc)
            acc *= n
        hooks = (_Global("collections", "OrderedDict"), ())
        return (_Global("torch._utils", "_rebuild_tensor_v2"),
                (self.storage, 0, tuple(self.shape), tuple(reversed(stride)), self.requires_grad,
                 _Reduced(*hooks)))


class _Reduced:
    """An object that pickles as func(*args) (then, with a state, the BUILD of that state; list and dict items
    appended and set, as pickle's reduce protocol)."""

    def __init__(self, func, args, state=None, listitems=None, dictitems=None):
        self.func, self.args, self.state = func, args, state
        self.listitems, self.dictitems = listitems, dictitems

    def __reduce__(self):
        if self.listitems is not None or self.dictitems is not None:
            return (self.func, self.args, self.state,
                    None if self.listitems is None else iter(self.listitems),
                    None if self.dictitems is None else iter(self.dictitems))
        return (self.func, self.args) if self.state is None else (self.func, self.args, self.state)


class _TorchPickler(pickle._Pickler):    # the Python pickler: its dispatch table can be extended
    dispatch = dict(pickle._Pickler.dispatch)

    def save_torch_global(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("ascii"))
        self.memoize(obj)
    dispatch[_Global] = save_torch_global

    def save_function(self, obj, name=None):
        """A function by name; one of nn's taken before dispatching was turned on (mace's ``gate_dict`` holds
        ``torch.nn.functional.silu`` from its import) is now its dispatching wrapper's under that name (PyTorch's
        is one object): it is written as the wrapper, which loads as that function in any process."""
        if name is None and not getattr(obj, "_dispatches", False):
            home = sys.modules.get(getattr(obj, "__module__", None) or "")
            bound = getattr(home, obj.__qualname__, None) if home is not None else None
            if bound is not obj and getattr(bound, "_undispatched", None) is obj:
                if id(bound) in self.memo:
                    self.write(self.get(self.memo[id(bound)][0]))
                    return None
                return self.save_global(bound)
        return self.save_global(obj, name)
    dispatch[types.FunctionType] = save_function

    def save_reduce(self, func, args, state=None, listitems=None, dictitems=None, state_setter=None, *, obj=None):
        """An object reduced by copyreg.__newobj__ as pickle (and torch.save) writes it: its class, its arguments and
        NEWOBJ, which PyTorch's weights-only loader builds for an allowlisted class (fastai's optimizer state holds
        a fastcore L); pickle's own check that the class is obj's would see the stand-in (_Reduced)."""
        if not (isinstance(func, _Global) and (func.module, func.name) == ("copyreg", "__newobj__")
                and self.proto >= 2):
            return super().save_reduce(func, args, state, listitems, dictitems, state_setter, obj=obj)
        self.save(args[0])
        self.save(tuple(args[1:]))
        self.write(pickle.NEWOBJ)
        if obj is not None:
            if id(obj) in self.memo:
                self.write(pickle.POP + self.get(self.memo[id(obj)][0]))
            else:
                self.memoize(obj)
        if listitems is not None:
            self._batch_appends(listitems)
        if dictitems is not None:
            self._batch_setitems(dictitems)
        if state is not None:
            self.save(state)
            self.write(pickle.BUILD)
        return None

    def persistent_id(self, obj):
        if isinstance(obj, _StorageRef):
            a = obj.array
            return ("storage", _Global("torch", _DTYPE_STORAGES[a.dtype]), obj.key, "cpu", a.size)
        return None


def _to_picklable(value, storages, where, memo=None):
    """Replace arrays/Tensors by _TensorRef (collecting their storages); any other object by its pickle reduction
    with the tensors inside it replaced too (memo: the object's id -> its replacement, for shared objects)."""
    if memo is None:
        memo = {}
    key, original = id(value), value
    if key in memo:
        return memo[key][1]
    if isinstance(value, Tensor) and value._placeholder:
        # a lazy module's UninitializedParameter / UninitializedBuffer, as PyTorch pickles one: its class and
        # requires_grad, no storage (a new placeholder when loaded)
        out = _Reduced(_Global("torch.nn.parameter", type(value).__name__), (bool(value.requires_grad),))
        memo[key] = (value, out)
        return out
    data = getattr(value, "_data", None)
    if (isinstance(data, np.ndarray) and not isinstance(value, np.ndarray)
            and (not memo.get(None) or isinstance(value, Tensor))):    # (a pandas Index has an ndarray _data)
        from .modules.module import Parameter  # noqa: PLC0415  (nn.modules imports this module)
        if isinstance(value, Parameter):         # as torch.save: _rebuild_parameter(tensor, requires_grad, hooks)
            outer, memo[None] = memo.get(None), False       # its array is the tensor's storage, even in an object
            try:
                tensor = _to_picklable(data, storages, where, memo)
            finally:
                memo[None] = outer
            out = _Reduced(_Global("torch._utils", "_rebuild_parameter"),
                           (tensor, bool(value.requires_grad), _Reduced(_Global("collections", "OrderedDict"), ())))
            memo[key] = (value, out)
            return out
        value = data
    elif memo.get(None) and (type(value) is np.ndarray or isinstance(value, np.generic)):
        return value        # a NumPy array inside an object (a pandas frame's blocks): pickled by NumPy, as torch.save
    if isinstance(value, (np.ndarray, np.generic)) and not isinstance(value, (str, bytes)):
        a = np.asarray(value)
        if a.dtype not in _DTYPE_STORAGES and not isinstance(original, Tensor):
            # no tensor storage holds it (NumPy's uint32 generator key in poutyne's saved random states): pickled
            # by NumPy, as torch.save pickles every ndarray (an object holding one: that object, by pickle); a
            # weights-only load refuses it, as PyTorch's
            if isinstance(original, (np.ndarray, np.generic)):
                return original
            return _reduced_object(original, storages, where, memo)
        a = a if a.flags.c_contiguous else a.copy()            # (ascontiguousarray would make 0-d 1-d)
        if a.dtype not in _DTYPE_STORAGES:
            raise TypeError(f"nn.save: {where} has dtype {a.dtype}, which a .pt file cannot hold")
        storage = _StorageRef(str(len(storages)), a.astype(a.dtype.newbyteorder("<"), copy=False))
        storages.append(storage)
        ref = _TensorRef(storage, a.shape, isinstance(original, Tensor) and bool(original.requires_grad))
        if isinstance(original, Tensor):       # a tensor met twice is one tensor, as torch.save's pickle memo keeps it
            memo[key] = (original, ref)
        return ref
    if isinstance(value, Size):                 # as PyTorch pickles its Size and device: torch.Size((2, 3)), ...
        return _Reduced(_Global("torch", "Size"), (tuple(int(n) for n in value),))
    if isinstance(value, device):
        return _Reduced(_Global("torch", "device"), (value.type,) if value.index is None else (value.type, value.index))
    if isinstance(value, TorchVersion):         # nn.__version__ as torch.save writes torch.__version__: PyTorch's class
        return _Reduced(_Global("copyreg", "__newobj__"), (_Global("torch.torch_version", "TorchVersion"), str(value)))
    inside = memo.get(None)                     # inside an object: containers keep their own types and keys
    if (isinstance(value, (dict, list, tuple))
            and type(value) not in (dict, list, tuple, *(() if inside else (collections.OrderedDict,)))):
        return _reduced_object(value, storages, where, memo)        # (a defaultdict, a namedtuple), as torch.save
    if isinstance(value, dict):
        if inside:
            return {_to_picklable(k, storages, where, memo): _to_picklable(v, storages, f"{where}[{k!r}]", memo)
                    for k, v in value.items()}
        # any key torch.save's pickle takes: a str, int or float as itself (AggMo's buffers per beta), another
        # object (torchbearer's state_dict is keyed by its StateKey objects) pickled as one
        items = [(_to_picklable(k, storages, f"{where} key", memo), _to_picklable(v, storages, f"{where}[{k!r}]", memo))
                 for k, v in value.items()]
        if not isinstance(value, collections.OrderedDict):     # a plain dict loads back as one, as torch.save's
            return dict(items)
        # its attributes (a state_dict's _metadata: each module's version) as the pickle's BUILD, as torch.save's
        state = _to_picklable(vars(value), storages, f"{where}.__dict__", memo) if vars(value) else None
        return _Reduced(_Global("collections", "OrderedDict"), (items,), state)
    if isinstance(value, (list, tuple)):
        items = [_to_picklable(v, storages, f"{where}[{i}]", memo) for i, v in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if type(value) is argparse.Namespace:      # as torch.save pickles it: Namespace(), then its attributes
        return _Reduced(_Global("argparse", "Namespace"), (), _to_picklable(vars(value), storages, where, memo))
    if isinstance(value, dtypes.dtype):        # pickled as PyTorch pickles its dtypes: by name
        return _Global("torch", value.name)
    if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
        # by reference, as torch.save pickles them (neuralop's state_dict keeps its constructor's arguments, among
        # them non_linearity=F.gelu); nn.load refuses such globals, as torch.load does unless weights_only=False
        return value
    return _reduced_object(value, storages, where, memo)


def _reduced_object(value, storages, where, memo):
    """Any other object as torch.save pickles it (Lightning checkpoints of pytorch-forecasting keep its loss, metrics
    and normalizers in hyper_parameters): its __reduce_ex__(2), with the tensors in its arguments and state replaced.
    The replacement is memoised before its state is converted, so objects that refer to each other stay one object;
    an object pickle cannot reduce fails as in torch.save. nn.load reads such a file only with weights_only=False."""
    if type(value) in _TorchPickler.dispatch:    # pickle's own kinds (bytes, set, ...): written as pickle writes them
        if isinstance(value, (set, frozenset)):
            return type(value)(_to_picklable(v, storages, f"{where} item", memo) for v in value)
        return value
    # (what the object's __reduce_ex__ raises, it raises as pickle in torch.save does: a parametrized module's
    # RuntimeError, a lock's TypeError, in their own words)
    rv = value.__reduce_ex__(2)
    if isinstance(rv, str):                     # a module-level singleton, pickled by name
        return value
    func, args, state, listitems, dictitems = (tuple(rv) + (None,) * 5)[:5]
    if getattr(func, "__name__", "") in ("__newobj__", "__newobj_ex__"):
        # written as a call of copyreg's function by name (pickle's NEWOBJ checks the class of the object it is
        # given, here the stand-in): loading calls cls.__new__(cls, *args) the same way
        func = _Global("copyreg", func.__name__)
    out = _Reduced(func, None)
    memo[id(value)] = (value, out)             # (the object kept alive, so its id is not reused meanwhile)
    outer, memo[None] = memo.get(None), True    # inside an object: plain NumPy arrays stay NumPy's
    try:
        out.args = tuple(_to_picklable(a, storages, f"{where}", memo) for a in args)
        if state is not None:
            out.state = _to_picklable(state, storages, f"{where}.__dict__", memo)
        if listitems is not None:
            out.listitems = [_to_picklable(v, storages, f"{where}[{i}]", memo) for i, v in enumerate(listitems)]
        if dictitems is not None:
            out.dictitems = [(_to_picklable(k, storages, where, memo),
                              _to_picklable(v, storages, f"{where}[{k!r}]", memo)) for k, v in dictitems]
    finally:
        memo[None] = outer
    return out


def _write_aligned(zf, name, data):
    """Add a stored record whose data starts on a 64-byte boundary (as torch's writer does)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    start = zf.fp.tell() + 30 + len(name.encode("utf-8"))
    padding = (-(start + 4)) % _ALIGN           # the extra field has a 4-byte header of its own
    info.extra = b"FB" + padding.to_bytes(2, "little") + b"Z" * padding
    zf.writestr(info, data)


def save_torch(obj, f, archive_name="archive", pickle_protocol=2):
    """Write obj (a state_dict, or dicts/lists of arrays, numbers, strings) to the binary file f
    in torch.save's zip format (data.pkl pickled with pickle_protocol, torch.save's default 2)."""
    storages = []
    picklable = _to_picklable(obj, storages, "the object")
    buf = io.BytesIO()
    _TorchPickler(buf, protocol=pickle_protocol).dump(picklable)
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        _write_aligned(zf, f"{archive_name}/data.pkl", buf.getvalue())
        _write_aligned(zf, f"{archive_name}/byteorder", sys.byteorder.encode() if sys.byteorder == "little"
                       else b"little")
        for s in storages:
            _write_aligned(zf, f"{archive_name}/data/{s.key}", s.array.tobytes())
        _write_aligned(zf, f"{archive_name}/version", b"3\n")
