"""torch.jit.load for nn: the weights of a TorchScript archive (torch.jit.save's, as OpenAI's CLIP checkpoints are).

nn runs no TorchScript code. load reads the archive's data.pkl, the module tree the archive pickled (each module an
object of a ``__torch__...`` class, its attributes the state), into nn Modules of the archive's tree: each holds its
parameters and buffers (the names its class's code lists in ``__parameters__`` / ``__buffers__``), its submodules and
plain attributes, so ``state_dict()``, ``named_parameters()``, ``.float()`` and attribute reads work as on PyTorch's
RecursiveScriptModule (CLIP's ``build_model(torch.jit.load(path).state_dict())``); calling one raises. Files that are
not TorchScript archives get PyTorch's errors (deep-daze's CLIP loader falls back to torch.load on RuntimeError).
"""
import io
import os
import re
import warnings
import zipfile

from ..serialization_torch import _RestrictedUnpickler

_MINIZ = ("This is an internal miniz error. If you are seeing this error, there is a high likelihood that your "
          "checkpoint file is corrupted. This can happen if the checkpoint was not saved properly, was transferred "
          "incorrectly, or the file was modified after saving.")

# a class of the archive's code: `class Linear(Module):` then its __parameters__ and __buffers__ lists
_CLASS = re.compile(r"^class (\w+)\(Module\):\s*\n\s*__parameters__ = \[(.*?)\]\s*\n\s*__buffers__ = \[(.*?)\]", re.M)


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    """torch.jit.load: a TorchScript archive (a path or a binary file object) -> its module tree, weights only
    (see the module docstring); map_location is accepted (everything is on the CPU). _extra_files: a dict whose
    names are filled with the archive's extra files, as PyTorch's."""
    warnings.warn("`torch.jit.load` is deprecated. Please switch to `torch.export`.", DeprecationWarning, stacklevel=2)
    if isinstance(f, (str, os.PathLike)):
        if not os.path.exists(f):
            raise ValueError(f"The provided filename {f} does not exist")
        if os.path.isdir(f):
            raise ValueError(f"The provided filename {f} is a directory")
        source, name = os.fspath(f), os.fspath(f)
    else:
        source, name = io.BytesIO(f.read()), str(getattr(f, "name", "the file object"))
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise RuntimeError("PytorchStreamReader failed reading zip archive: not a ZIP archive. " + _MINIZ) from None
    with archive:
        names = archive.namelist()
        prefix = names[0].split("/")[0] + "/" if names and "/" in names[0] else ""     # the archive's folder
        if prefix + "constants.pkl" not in names:       # (a torch.save file has none)
            raise RuntimeError("PytorchStreamReader failed locating file constants.pkl: file not found. " + _MINIZ)
        for key in (_extra_files or {}):        # (one the archive lacks is b'', as PyTorch's)
            _extra_files[key] = archive.read(prefix + "extra/" + key) if prefix + "extra/" + key in names else b""
        return _ScriptUnpickler(archive.read(prefix + "data.pkl"), archive, prefix, name).load()


class _ScriptUnpickler(_RestrictedUnpickler):
    """The weight file's unpickler, with the archive's own ``__torch__`` classes as script-module stand-ins."""

    def __init__(self, data, archive, prefix, path):
        super().__init__(data, archive, prefix, path)
        self.classes = {}

    def find_class(self, module, name):
        if module == "__torch__" or module.startswith("__torch__."):
            key = f"{module}.{name}"
            if key not in self.classes:
                self.classes[key] = _script_class(key, *self._slots(module, name))
            return self.classes[key]
        return super().find_class(module, name)

    def _slots(self, module, name):
        """(parameter names, buffer names) of class module.name from its code file code/<module as a path>.py."""
        path = self.prefix + "code/" + module.replace(".", "/") + ".py"
        try:
            code = self.archive.read(path).decode("utf-8")
        except KeyError:
            return (), ()
        for cls, params, buffers in _CLASS.findall(code):
            if cls == name:
                return tuple(re.findall(r'"([^"]+)"', params)), tuple(re.findall(r'"([^"]+)"', buffers))
        return (), ()


def _script_class(qualified, parameters, buffers):
    """An nn Module class standing for the archive's class `qualified` (__torch__.torch.nn.modules.linear.Linear):
    pickle makes its instances (NEWOBJ) and hands them their attributes (BUILD -> __setstate__)."""
    from . import RecursiveScriptModule     # noqa: PLC0415 - made on first use (nn.modules imports after nn.jit)
    from ..modules.module import Module     # noqa: PLC0415
    from ..parameter import Parameter       # noqa: PLC0415
    original = qualified.rsplit(".", 1)[-1]

    def __setstate__(self, state):
        Module.__init__(self)
        for key, value in state.items():
            if key in parameters:
                self.register_parameter(key, None if value is None else Parameter(value))
            elif key in buffers:
                self.register_buffer(key, value)
            elif key == "training":
                self.training = bool(value)
            elif key != "_is_full_backward_hook":       # (PyTorch's hook flag: not nn's)
                setattr(self, key, value)

    def forward(self, *args, **kwargs):
        raise RuntimeError(f"{qualified}: nn runs no TorchScript code; nn.jit.load read the archive's weights only "
                           f"(build the model in Python and load_state_dict(module.state_dict()))")

    # named as PyTorch's loaded modules' type (one class per archive class, as each has its own slots)
    return type("RecursiveScriptModule", (RecursiveScriptModule,), {
        "__setstate__": __setstate__, "forward": forward, "original_name": original, "__module__": "nn.jit"})
