"""Save and load a flat ``{name: ndarray}`` dict as a NumPy ``.npz`` archive (the default), or
PyTorch's ``.pt`` / ``.pth`` format (nn/serialization_torch.py: read and written without PyTorch,
through a restricted unpickler).

No pickle in either direction: only plain numeric/bool/string arrays are
stored, and files are read with ``allow_pickle=False``, so loading a file
from someone else cannot run code.

Writes are atomic: the archive is written to a temporary file in the same
folder and moved over the target with ``os.replace``, so an interrupted or
failed save never leaves a half-written file under the target name.

Typical use::

    nn.save(model.state_dict(), "model.npz")
    model.load_state_dict(nn.load("model.npz"))

To keep several dicts in one file (model + optimizer for resuming), prefix
their keys, e.g. ``{"model." + k: v for k, v in ...}``.
"""
import contextlib
import io
import numbers
import os
import pickle  # noqa: F401  (torch.serialization.pickle: torchbearer's checkpointers take it as pickle_module's default)
import tempfile
import typing
import warnings
import zipfile

import numpy as np

from .serialization_torch import save_torch, load_torch, load_torch_legacy, is_torch_zip, TorchFileError, LEGACY_PREFIX
from .serialization_torch import PyTorchFileReader  # noqa: E402,F401  (torch.PyTorchFileReader)

__all__ = ["save", "load", "atomic_write", "atomic_path", "add_safe_globals", "get_safe_globals",
           "clear_safe_globals", "safe_globals", "get_unsafe_globals_in_checkpoint"]

# The type alias of ``load``'s ``map_location`` (torch.serialization.MAP_LOCATION), for annotations: pyro's
# param store imports it.
MAP_LOCATION = typing.Optional[typing.Union[typing.Callable, "device", str, typing.Dict[str, str]]]

# torch.serialization's default pickle protocol (MONAI's StateCacher imports it as its default argument).
DEFAULT_PROTOCOL = 2

# torch.serialization's allow-list of the globals a weights_only load may build (PyG registers its SparseTensor and
# EdgeTypeStr at import). Kept as PyTorch keeps it, for the getters; nn's reader builds tensors and plain
# containers only, whatever the list holds (it runs no code from a file).
_safe_globals = []


def add_safe_globals(safe_globals):
    """torch.serialization.add_safe_globals: adds classes / functions (or (obj, "module.name") pairs) to the list."""
    _safe_globals.extend(safe_globals)


def get_safe_globals():
    """The globals added by add_safe_globals, in order (a new list)."""
    return list(_safe_globals)


def clear_safe_globals():
    """Empties the list of added globals."""
    _safe_globals.clear()


class safe_globals:
    """``with torch.serialization.safe_globals([...]):`` the globals added for the block only (restored on exit)."""

    def __init__(self, safe_globals):
        self.safe_globals = list(safe_globals)

    def __enter__(self):
        self._saved = list(_safe_globals)
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        _safe_globals[:] = self._saved


def get_unsafe_globals_in_checkpoint(f):
    """torch.serialization.get_unsafe_globals_in_checkpoint: the ``"module.name"`` globals of a torch.save file (a
    path or a binary file object) that a weights-only load refuses, i.e. neither built in nor added by
    add_safe_globals / safe_globals, read from its pickle without running it (darts allow-lists what its own
    checkpoints name, then loads with weights_only=True). A list in no particular order, as PyTorch's."""
    import pickletools                                       # noqa: PLC0415
    from .serialization_torch import _ALLOWED, _STORAGE_DTYPES, _python3_global, _user_allowed_globals  # noqa: PLC0415
    from . import dtypes                                     # noqa: PLC0415
    source = io.BytesIO(f.read()) if hasattr(f, "read") else os.fspath(f)
    if not zipfile.is_zipfile(source):
        raise ValueError("Expected input to be a checkpoint returned by torch.save")
    with zipfile.ZipFile(source) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pickles) != 1:
            raise ValueError("Expected input to be a checkpoint returned by torch.save")
        data = archive.read(pickles[0])
    found, strings = set(), []
    for op, arg, _ in pickletools.genops(data):
        if op.name == "GLOBAL":                              # protocol 2 (torch.save's): "module name"
            module, name = _python3_global(*arg.split(" ", 1))   # __builtin__.list -> builtins.list, as PyTorch's
            found.add(f"{module}.{name}")
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:    # protocol 4: the two strings pushed before it
            found.add(f"{strings[-2]}.{strings[-1]}")
        elif isinstance(arg, str) and "UNICODE" in op.name:
            strings.append(arg)
    safe = {f"{m}.{n}" for m, n in _ALLOWED} | set(_user_allowed_globals())
    safe |= {f"torch.{n}" for n in _STORAGE_DTYPES} | {f"torch.{n}" for n, v in vars(dtypes).items()
                                                        if isinstance(v, dtypes.dtype)}
    return [g for g in found if g not in safe]


@contextlib.contextmanager
def atomic_path(path, suffix=".tmp"):
    """Yield a temporary file name beside ``path``; on success move that file over ``path``.

    For writers that need a file name rather than a file object (a video writer picks the container
    from ``suffix``, e.g. ".mp4"). If the body raises (or is interrupted), the temporary file is removed
    and ``path`` is untouched. The result gets the usual permissions (0666 minus the umask).
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"folder {folder!r} does not exist (while writing {path!r})")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=suffix)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path):
    """Open a temporary file beside ``path`` for binary writing; on success move it over ``path``.

    If the body raises, the temporary file is removed and ``path`` is untouched,
    so a failed or interrupted write never leaves a half-written file.
    """
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())


def _as_array(key, value):
    if not isinstance(value, np.ndarray):
        data = getattr(value, "_data", None)  # a Tensor / Parameter: store its array
        value = data if isinstance(data, np.ndarray) else np.asarray(value)
    if value.dtype.hasobject:
        raise TypeError(f"nn.save: value for key {key!r} has dtype object; only numeric, bool or "
                        "string arrays can be stored (no pickle)")
    return value


def _array_like(value):
    """Whether an .npz member can hold value: not a dict, None, or a list of anything but numbers and strings."""
    if isinstance(value, (list, tuple)):
        return all(isinstance(v, (numbers.Number, str, np.generic)) for v in value)
    if isinstance(value, dict) or value is None:
        return False
    if isinstance(value, (np.ndarray, np.generic, numbers.Number, str)) or isinstance(getattr(value, "_data", None),
                                                                                     np.ndarray):
        return True
    # any other object (avalanche's checkpoint {"strategy": strategy, ...}) goes to PyTorch's format, as torch.save
    return not np.asarray(value).dtype.hasobject


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write ``obj`` (here ``state``: dict str -> ndarray) to ``f`` (here ``path``) as an .npz archive, atomically;
    any other object torch.save takes (a Tensor, a list) is written in PyTorch's format. The parameters are named
    as torch.save's (MONAI's PersistentDataset calls ``torch.save(obj=..., f=..., pickle_module=...)``).

    ``pickle_protocol`` is torch.save's (pykeen saves a model with ``pickle.HIGHEST_PROTOCOL``); ``pickle_module``
    and the underscored options are accepted as torch.save's and change nothing (nn pickles with its own pickler
    into the zip format).

    A path ending in ``.pt`` or ``.pth`` is written in torch.save's zip format instead (readable
    by ``torch.load(path, weights_only=True)``); there ``state`` may also nest dicts, lists,
    numbers and strings (a checkpoint such as ``{'state_dict': ..., 'epoch': 3}``). So is a nested
    ``state`` saved under any other name but ``.npz`` (``checkpoint.pth.tar``, ``model.tar``, as PyTorch
    code names its checkpoints): .npz holds flat dicts of arrays only.

    The file is exactly what ``np.savez`` writes (one ``<key>.npy`` member per key),
    written with ``allow_pickle=False``. The name is used as given (no ``.npz`` is
    appended). Raises TypeError for a non-dict (to .npz), non-str keys or object arrays.
    """
    state, path = obj, f
    if hasattr(path, "write"):          # a binary file object (io.BytesIO, an open file), as torch.save takes
        save_torch(state, path, pickle_protocol=pickle_protocol)
        return
    npz = os.fspath(path).lower().endswith(".npz")
    if not isinstance(state, dict):     # torch.save(embeddings, "emb.pt"): PyTorch's format holds any of its objects
        if npz:
            raise TypeError(f"nn.save: an .npz file holds a dict of name -> array, got a {type(state).__name__}; "
                            f"save it to a .pt file")
        with atomic_write(path) as f:
            save_torch(state, f, pickle_protocol=pickle_protocol)
        return
    nested = [k for k, v in state.items() if not _array_like(v)]
    if os.fspath(path).lower().endswith((".pt", ".pth")) or (nested and not npz):
        with atomic_write(path) as f:
            save_torch(state, f, pickle_protocol=pickle_protocol)
        return
    if nested:
        raise TypeError(f"nn.save: {nested[0]!r} holds a {type(state[nested[0]]).__name__}; an .npz file holds flat "
                        f"dicts of arrays only: save a nested checkpoint to a .pt file")
    arrays = {}
    for key, value in state.items():
        if not isinstance(key, str):
            raise TypeError(f"nn.save: keys must be str, got {key!r} ({type(key).__name__})")
        arrays[key] = _as_array(key, value)

    with atomic_write(path) as f:
        # Same layout as np.savez, written by hand so any key (even "file") is allowed.
        with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for key, arr in arrays.items():
                with zf.open(key + ".npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(arr), allow_pickle=False)


def _check_map_location(map_location):
    """None, "cpu", nn.device("cpu"), a {from: to} dict or a callable: all mean the CPU here."""
    if map_location is None or callable(map_location) or isinstance(map_location, dict):
        return
    if str(map_location).split(":")[0] != "cpu":
        raise RuntimeError(f"nn.load: map_location={str(map_location)!r} asks for a device nn does not have; "
                           "only the CPU exists here (use map_location='cpu' or leave it out)")


def _weights_only_from_env(weights_only):
    """torch.load's environment overrides of weights_only -> True, False or None (not set: nn's default, the
    restricted read unless a pickle_module is given). TORCH_FORCE_WEIGHTS_ONLY_LOAD forces the restricted read;
    TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD a trusted one where the caller did not pass weights_only (Lightning's
    checkpoint reload of the lr finder, written with the module's config objects), with PyTorch's warning."""
    true_values = ("1", "y", "yes", "true")
    force = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in true_values
    force_no = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in true_values
    if force and force_no:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` "
                           "should be set, but both were set.")
    if force:
        return True
    if force_no and weights_only is None:
        # PyTorch's words, its missing space included; at load()'s caller
        warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since the`weights_only` "
                      "argument was not explicitly passed to `torch.load`, forcing weights_only=False.",
                      UserWarning, stacklevel=3)
        return False
    return weights_only


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read an .npz archive written by ``nn.save`` (or ``np.savez``) at ``f`` -> dict str -> ndarray. The
    parameters are torch.load's (``weights_only`` and ``mmap`` keyword-only, ``pickle_module`` third).

    ``path`` may also be a binary file object (io.BytesIO, an open file), as torch.load takes one.
    ``map_location``, ``weights_only`` and ``mmap`` are torch.load's options, accepted so
    ``torch.load(path, map_location="cpu")`` ports as it is: everything lands on the CPU,
    and a weight file is read the restricted way unless ``weights_only=False`` (PyTorch's opt-in for a trusted
    file: every object it pickled is rebuilt, its classes imported, PyTorch's names by the porting rule).

    A torch.save file (.pt / .pth: the zip format of PyTorch >= 1.6 and the legacy stream before it) is read too,
    without PyTorch and without
    running code: tensors come back as Tensors (as torch.load gives them), nested dicts as dicts (TorchFileError,
    a ValueError, for anything a weight file should not hold).

    Raises FileNotFoundError if ``path`` does not exist (IsADirectoryError for a folder: open's errors, as
    torch.load's), ValueError if it is not a readable .npz archive (wrong format, truncated, corrupt, or contains
    pickled objects).
    """
    path = f
    _check_map_location(map_location)
    weights_only = _weights_only_from_env(weights_only)
    if pickle_module is not None:
        # torch.load's rule: an explicit pickle_module means a trusted load unless weights_only=True is asked for,
        # which refuses it (avalanche's maybe_load_checkpoint: torch.load(fname, pickle_module=dill))
        if weights_only:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
        weights_only = False
    if hasattr(path, "read"):
        data = path.read()
        return _load_source(io.BytesIO(data), data[:6], str(getattr(path, "name", "the file object")),
                            weights_only is False)
    path = os.fspath(path)
    # a missing file or a folder: open's own errors, as torch.load's ("[Errno 2] No such file or directory: 'x.pt'",
    # IsADirectoryError "[Errno 21] Is a directory: ...")
    with open(path, "rb") as f:
        magic = f.read(6)
    return _load_source(path, magic, path, weights_only is False)


def _load_source(source, magic, path, trusted=False):
    """load() of source (a path or a binary file object) whose first bytes are magic; path names it in messages;
    trusted (weights_only=False) resolves every global of a torch.save zip file."""
    if magic.startswith(b"\x93NUMPY"):
        raise ValueError(f"nn.load: {path!r} is a single .npy array, not an .npz archive of named arrays")
    if magic.startswith(b"PK") and is_torch_zip(source):
        return load_torch(source, path, trusted)
    if magic.startswith(LEGACY_PREFIX):     # torch.save(..., _use_new_zipfile_serialization=False), PyTorch < 1.6
        return load_torch_legacy(source, path)
    if not magic.startswith(b"PK") and path.lower().endswith((".pt", ".pth")):
        raise TorchFileError(f"nn.load: {path!r} is neither a zip archive nor PyTorch's legacy (pre-1.6) "
                             f"torch.save stream; not a weight file nn can read")
    if not magic.startswith(b"PK"):  # every zip archive (so every .npz) starts with "PK"
        what = "an empty file" if not magic else "not a zip/.npz archive"
        raise ValueError(f"nn.load: {path!r} is {what}; expected an .npz file written by nn.save")
    try:
        archive = np.load(source, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - any failure here means "not an npz we can read"
        raise ValueError(f"nn.load: {path!r} is not a readable .npz archive, truncated or corrupt? "
                         f"({type(e).__name__}: {e})") from e
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"nn.load: {path!r} is not an .npz archive of named arrays")
    try:
        with archive:
            return {key: archive[key] for key in archive.files}
    except Exception as e:  # noqa: BLE001 - truncated member, bad CRC, pickled object array...
        raise ValueError(f"nn.load: {path!r} has an array that cannot be read: truncated, corrupt, or "
                         f"holding pickled objects, which are never loaded ({type(e).__name__}: {e})") from e
