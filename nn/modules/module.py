"""Module and Parameter: the base of every layer.

A Module keeps three ordered registries, filled automatically by attribute
assignment (``self.fc = Linear(2, 3)``, ``self.w = Parameter(...)``):

- ``_parameters``: trainable Parameters (Tensors with requires_grad=True),
- ``_buffers``: plain ndarrays that are state but not trained (BatchNorm's running
  statistics), added with ``register_buffer``; ``module.name`` reads one back as a Tensor
  on the same array (so in-place ops write into it), as PyTorch's buffers are Tensors,
- ``_modules``: child Modules.

``state_dict()`` walks them recursively and names entries like PyTorch does
(``0.weight``, ``encoder.conv1.bias``, ``bn.running_mean``), so weights can move
between this library and PyTorch with ``torch.from_numpy`` / ``.numpy()``.

Layers hold their Parameters and call ``nn.functional`` in ``forward``; default
initialisation is PyTorch's ``reset_parameters`` drawn from nn's seeded RNG.
"""
import warnings
from collections import OrderedDict
from collections.abc import ItemsView, ValuesView
from typing import NamedTuple

import numpy as np

from ..array import DataArray
from ..device import CPU, MetaArray, meta_array, on_context_device as _on_context_device
from ..hooks import RemovableHandle
from .backward_hooks import call_with_backward_hooks
from ..tensor import Size, Tensor, _BufferSlot, _as_array
from ..tensor_ops.inplace import _refuse_overlap, same_data
from .._C import _disabled_torch_function_impl


def _typename(obj):
    """PyTorch's torch.typename, as its assignment errors name the value ('nn.FloatTensor', 'float')."""
    from ..tensor_ops.extras import typename             # noqa: PLC0415 - only for an error message
    return typename(obj)


# the suffix of a module's extra state in PyTorch's state_dict keys (Hugging Face's loader compares key names with
# it); a module's get_extra_state() is saved under it
_EXTRA_STATE_KEY_SUFFIX = "_extra_state"
# non-empty while load_state_dict runs its modules' _load_from_state_dict steps: it copies the values itself
# afterwards (so that a failed load changes nothing), so Module._load_from_state_dict copies nothing then
_CENTRAL_LOAD = []


class _ParameterMeta(type):
    """Parameter's metaclass, as PyTorch's: isinstance(t, Parameter) also holds for an instance of a Tensor subclass
    that Parameter(t) flagged (``_is_param``), which stays of its own class."""

    def __instancecheck__(cls, instance, _check=type.__instancecheck__):
        # (the exact class never gets here: isinstance answers type(x) is cls itself; nor does a plain Tensor, never
        # flagged, as Parameter(t) rebuilds it: isinstance(t, Parameter) 0.2 against 0.9 us reading its __dict__)
        if type(instance) is Tensor:
            return False
        return _check(cls, instance) or (cls is Parameter and _check(Tensor, instance)
                                         and instance.__dict__.get("_is_param") is True)


class Parameter(Tensor, metaclass=_ParameterMeta):
    """A Tensor that a Module registers as trainable (requires_grad=True by default)."""

    __torch_function__ = _disabled_torch_function_impl     # ops on it give Tensors, as PyTorch's

    def __new__(cls, *args, **kwargs):
        data = args[0] if args else kwargs.get("data")
        if _is_subclass_instance(data):
            # PyTorch's path for a Tensor subclass (torch-hd's MAPTensor keys of SparseDistributed): the data
            # detached, of its own class, flagged as a parameter (its methods and __torch_function__ kept)
            requires_grad = args[1] if len(args) > 1 else kwargs.get("requires_grad", True)
            t = data.detach().requires_grad_(requires_grad)
            t._is_param = True
            return t
        # PyTorch builds a Parameter in __new__, so a subclass's own __new__ may return Parameter.__new__(cls, data,
        # requires_grad) and set its attributes in an __init__ that never calls Parameter's (torchdr's and geoopt's
        # ManifoldParameter): built here then. Parameter(...) and subclasses without a __new__ are filled by __init__
        self = object.__new__(cls)
        if cls.__new__ is not Parameter.__new__:
            Parameter.__init__(self, *args, **kwargs)
        return self

    def __init__(self, data=None, requires_grad=True, **tensor_state):
        # Parameter() is an empty one (PyTorch's torch.empty(0)): pytorch-pfn-extras' lazy parameters start so
        # Parameter(p.to(device), **p.__dict__) (accelerate's init_empty_weights): a PyTorch Parameter's __dict__
        # holds only the attributes set on it, nn's also the Tensor's own state (_data, _grad, ...), ignored here
        unknown = [k for k in tensor_state if not k.startswith("_")]
        if unknown:
            raise TypeError(f"Parameter.__init__() got an unexpected keyword argument {unknown[0]!r}")
        if data is None:
            from ..dtypes import get_default_dtype  # noqa: PLC0415
            data = np.empty(0, get_default_dtype())
        if isinstance(data, Tensor):
            data = data._data
        elif type(data) is np.ndarray:
            data = _on_context_device(data)     # a layer's new weight, np.empty(...): nn's stand-in for torch.empty
        self._fill(_as_array(data), requires_grad)     # (an array's dtype kept, unlike Tensor(array))

    def __repr__(self):             # as PyTorch prints one: the tensor below the header
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo):
        # PyTorch's Parameter.__deepcopy__ (not Tensor's): a new parameter of this class on a copy of the values,
        # with its requires_grad and nothing else: no .grad, no hooks, no Python attributes. A deep-copied mup model
        # has no p.infshape (set_base_shapes again), and an EMA copy made after a backward has no gradients
        # The values are copied apart from the memo: PyTorch clones each parameter, so two parameters on one storage
        # (Parameter(t) twice) come out apart. nn's own classes are built by _wrap (an UninitializedParameter's
        # constructor takes no data); a user's subclass as PyTorch builds it, type(self)(data, requires_grad), so
        # that the attributes its __new__ / __init__ sets are there (with its defaults, as PyTorch's)
        import copy                                             # noqa: PLC0415 - only deepcopy needs it
        data = copy.deepcopy(self._data)
        if type(self).__module__.partition(".")[0] == __name__.partition(".")[0]:
            return type(self)._wrap(data, self.requires_grad)
        return type(self)(Tensor._wrap(data), self.requires_grad)


def _is_subclass_instance(data):
    """Whether Parameter(data) keeps data's class: an instance of a user's Tensor subclass (not Tensor itself, nor a
    Parameter or Buffer, which PyTorch's Parameter rebuilds as its own class), whose detach() keeps the class."""
    return (isinstance(data, Tensor) and type(data) is not Tensor and not type.__instancecheck__(Parameter, data)
            and not isinstance(data, Buffer) and type(data).__module__.partition(".")[0] != __name__.partition(".")[0])


class Buffer(Tensor):
    """A tensor that a Module registers as a buffer when it is assigned to an attribute, as torch.nn.Buffer:
    ``self.table = nn.Buffer(x)`` is ``self.register_buffer("table", x)``; persistent=False keeps it out of
    state_dict."""

    __torch_function__ = _disabled_torch_function_impl     # ops on it give Tensors (PyTorch's Buffer is one)

    def __init__(self, data=None, *, persistent=True):
        self._fill(_as_array(np.zeros(0, np.float32) if data is None else data))
        self.persistent = persistent


# the hook registries a Module creates on first use (_hook_registry), as PyTorch's attributes of these names
_HOOK_REGISTRIES = frozenset({"_forward_pre_hooks", "_forward_hooks", "_backward_hooks", "_backward_pre_hooks",
                              "_state_dict_pre_hooks", "_state_dict_hooks", "_load_state_dict_pre_hooks",
                              "_load_state_dict_post_hooks", "_forward_pre_hooks_with_kwargs",
                              "_forward_hooks_with_kwargs", "_forward_hooks_always_called"})


class StateDictError(KeyError, RuntimeError):
    """load_state_dict found missing / unexpected keys or mismatched shapes.

    A KeyError (as the problem is about keys) and a RuntimeError (what PyTorch raises, so that
    ``except RuntimeError:`` fallbacks written for it catch this too), whose message lists every problem.
    ``missing_keys``, ``unexpected_keys`` and ``shape_mismatches`` hold the details.
    """

    def __init__(self, message, missing_keys=(), unexpected_keys=(), shape_mismatches=()):
        super().__init__(message)
        self.message = message
        self.missing_keys = list(missing_keys)
        self.unexpected_keys = list(unexpected_keys)
        self.shape_mismatches = list(shape_mismatches)

    def __str__(self):  # KeyError would repr() the message, quoting it; print it plainly
        return self.message


class IncompatibleKeys(NamedTuple):
    """What load_state_dict returns (as PyTorch): keys it could not match when strict=False."""
    missing_keys: list
    unexpected_keys: list

    def __repr__(self):         # printed as PyTorch prints it (scripts print what load_state_dict returns)
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


_IncompatibleKeys = IncompatibleKeys    # PyTorch's private name (Lightning imports it for its annotations)


# PyTorch's global registration hooks: hook(module, name, value) -> None or the value to register instead, run
# whenever any module registers a parameter, a buffer or a child (tensordict imports the parameter registry)
_global_parameter_registration_hooks = OrderedDict()
_global_buffer_registration_hooks = OrderedDict()
_global_module_registration_hooks = OrderedDict()


def register_module_parameter_registration_hook(hook):
    """hook(module, name, param) runs on every parameter registration of every module -> a handle."""
    return RemovableHandle(_global_parameter_registration_hooks, hook)


def register_module_buffer_registration_hook(hook):
    """hook(module, name, buffer) runs on every buffer registration of every module -> a handle."""
    return RemovableHandle(_global_buffer_registration_hooks, hook)


def register_module_module_registration_hook(hook):
    """hook(module, name, submodule) runs on every child registration of every module -> a handle."""
    return RemovableHandle(_global_module_registration_hooks, hook)


def _registration_hooks(hooks, module, name, value):
    for hook in list(hooks.values()):
        output = hook(module, name, value)
        if output is not None:
            value = output
    return value


class _BufferDict(OrderedDict):
    """A module's ``_buffers``: the registry holds ndarrays (nn's code reads them with ``.get``, ``dict.items``,
    ``dict.values``), but subscripting, items() and values() give Tensors on the buffers' arrays and assigning a
    Tensor stores its array, as code written for PyTorch's registry of Tensors expects (avalanche's
    MultiHeadClassifier grows its masks with ``self._buffers[name] = torch.zeros(...)`` and reads
    ``self._buffers[name]`` as a Tensor)."""
    __slots__ = ()

    def __getitem__(self, name):
        value = dict.__getitem__(self, name)
        return Tensor._wrap(value) if isinstance(value, np.ndarray) else value

    def __setitem__(self, name, value):
        if isinstance(value, Tensor) and not value._placeholder:    # (a placeholder is held itself)
            value = value._data             # shared, as register_buffer holds it
        OrderedDict.__setitem__(self, name, value)

    def __new__(cls, *args, **kwargs):
        # built from entries by code outside nn (torchopt copies a registry as type(container)(pairs)): a plain
        # OrderedDict of them, as PyTorch's registry is a dict, which pytree libraries (optree) take apart; nn
        # makes its registries empty
        if args or kwargs:
            return OrderedDict(*args, **kwargs)
        return super().__new__(cls)

    def items(self):
        # PyTorch's registry yields Tensors (torchopt's extract_state_dict keeps the values that are Tensors, so
        # it kept no buffer); nn's own code reads the arrays by dict.items / dict.values
        return ItemsView(self)

    def values(self):
        return ValuesView(self)

    def __deepcopy__(self, memo):
        # copy.deepcopy of a module: a registry of this class holding copies of the arrays (not through __reduce__,
        # which would make and copy a Tensor per buffer, five times slower)
        import copy                                             # noqa: PLC0415 - only deepcopy needs it
        out = memo[id(self)] = _BufferDict()
        for name, value in OrderedDict.items(self):
            OrderedDict.__setitem__(out, name, copy.deepcopy(value, memo))
        return out

    def __reduce__(self):
        # pickled as PyTorch's registry, a plain OrderedDict of Tensors (Module.__setstate__ makes it a _BufferDict
        # again), so a pickled module names neither this class nor NumPy's: a weights-only allow-list of the module's
        # own classes covers it (darts allow-lists the globals its checkpoints name, then loads weights_only=True)
        return OrderedDict, ([(k, Tensor._wrap(v) if isinstance(v, np.ndarray) else v) for k, v in
                              OrderedDict.items(self)],)


def _no_half(module, method, dtype):
    return (f"{type(module).__name__}.{method}(): nn has no {dtype} kernels; keep the model in float32 (nn.autocast "
            f"regions run in float32 too)")


def _positional_state_dict_args(args, destination, prefix, keep_vars):
    """state_dict(destination, prefix, keep_vars) given by position -> (destination, prefix, keep_vars), as PyTorch's
    deprecated form: its FutureWarning at the caller's line (an EMA's ``ema_model.state_dict(online.state_dict())``),
    each positional value used only where its keyword was left at the default."""
    warnings.warn("Positional args are being deprecated, use kwargs instead. Refer to "
                  "https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.state_dict"
                  " for details.", FutureWarning, stacklevel=3)
    if destination is None:
        destination = args[0]
    if len(args) > 1 and prefix == "":
        prefix = args[1]
    if len(args) > 2 and keep_vars is False:
        keep_vars = args[2]
    return destination, prefix, keep_vars


class Module:
    """Base class of every layer and model (as torch.nn.Module).

    Subclasses call ``super().__init__()`` first, assign Parameters / Modules as
    attributes, and define ``forward``. Calling the module calls ``forward``.
    """

    _version: int = 1   # as PyTorch's: subclasses raise it when their keys change (see _load_from_state_dict)
    # PyTorch's class annotations: typing.get_type_hints(module) reads them (fastai's BaseLoss stores its loss's)
    dump_patches: bool = False
    training: bool
    call_super_init: bool = False

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", _BufferDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    @property
    def _non_persistent_buffers_set(self):
        """PyTorch's name of the set of non-persistent buffer names (Hugging Face's loader reads it)."""
        return self._non_persistent_buffers

    # ---- registration by attribute assignment ----------------------------------------------

    def _registries(self, what):
        """(parameters, buffers, modules); before Module.__init__, PyTorch's AttributeError naming what was being
        assigned ("parameters" by attribute, "parameter" / "buffer" / "module" by register_*), then nn's hint."""
        try:
            return (object.__getattribute__(self, "_parameters"), object.__getattribute__(self, "_buffers"),
                    object.__getattribute__(self, "_modules"))
        except AttributeError:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call (call super().__init__() first "
                                 f"in {type(self).__name__}.__init__)") from None

    def __setstate__(self, state):
        """pickle's and copy.deepcopy's restore: the saved attributes, as PyTorch's (a subclass's __setstate__ may
        end with super().__setstate__(state): PyG's MessagePassing, deep-copied by DirGNNConv)."""
        self.__dict__.update(state)
        buffers = self.__dict__.get("_buffers")
        if buffers is not None and type(buffers) is not _BufferDict:    # pickled as an OrderedDict (above)
            restored = _BufferDict()
            for name, value in buffers.items():
                restored[name] = value
            object.__setattr__(self, "_buffers", restored)

    def __setattr__(self, name, value):
        if isinstance(value, Buffer):
            self.register_buffer(name, value, value.persistent)
            return
        # (once, and only for a Tensor: the check is its metaclass's, in Python; module.attr = 1 skips it)
        is_parameter = type(value) is Parameter or isinstance(value, Tensor) and isinstance(value, Parameter)
        if is_parameter or isinstance(value, Module) or name in self.__dict__.get("_parameters", ()) \
                or name in self.__dict__.get("_buffers", ()) or name in self.__dict__.get("_modules", ()):
            params, buffers, modules = self._registries("parameters" if is_parameter else "module")
        else:
            object.__setattr__(self, name, value)
            return
        if is_parameter:
            self._discard(name, keep="_parameters")     # a replaced parameter keeps its place in the order
            # through the method, as PyTorch's __setattr__ (accelerate's init_empty_weights patches it)
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self._discard(name, keep="_modules")
            if _global_module_registration_hooks:
                value = _registration_hooks(_global_module_registration_hooks, self, name, value)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter {name!r} "
                                "(nn.Parameter or None expected)")
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module {name!r} "
                                "(nn.Module or None expected)")
            modules[name] = None
        else:  # a buffer
            if _global_buffer_registration_hooks:
                value = _registration_hooks(_global_buffer_registration_hooks, self, name, value)
            buffers[name] = self._check_buffer(name, value)
            self._keep_buffer_graph(name, value)
            self._keep_buffer_class(name, value)
            self._keep_buffer_view(name, value)

    def _discard(self, name, keep=None):
        """Forget name everywhere but in the registry ``keep`` (where assigning it again keeps its place)."""
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__[registry].pop(name, None)
        self.__dict__.pop(name, None)
        self.__dict__["_non_persistent_buffers"].discard(name)

    @staticmethod
    def _check_buffer(name, value, registering=False):
        # buffers are held as ndarrays (state, not graph): a Tensor gives its array, shared, not copied;
        # registering: register_buffer's refusal in PyTorch's words, else the assignment's (they differ there too)
        from .lazy import UninitializedBuffer                   # noqa: PLC0415 - lazy.py imports this module
        if isinstance(value, UninitializedBuffer):
            # an array has no "not yet a shape": the placeholder itself is held until it is materialized (a lazy
            # module's running statistics; LazyModuleMixin puts the array in then)
            return value
        if isinstance(value, Tensor):
            value = value._data
        elif type(value) is np.ndarray:
            value = _on_context_device(value)      # a layer's new buffer (np.zeros(...), as torch.zeros makes it)
        if type(value) is MetaArray:
            return value
        if isinstance(value, np.ndarray):          # a plain array (a DataArray view read back from a buffer), the
            return value if type(value) is np.ndarray else value.view(np.ndarray)   # tensor's own (_keep_buffer_view)
        if value is None:
            return value
        if registering:         # (an ndarray is nn's own extra, named where PyTorch lists what it takes)
            raise TypeError(f"cannot assign '{_typename(value)}' object to buffer {name!r} "
                            f"(nn Tensor, ndarray or None required)")
        raise TypeError(f"cannot assign '{_typename(value)}' as buffer {name!r} "
                        f"(nn.Buffer, nn.Tensor, ndarray or None expected)")

    def _keep_buffer_class(self, name, value):
        """A buffer registered (or assigned) as an instance of a Tensor subclass (pypose's LieTensor, whose ``ltype``
        says SO3 or SE3) reads back as that class with its public attributes, as PyTorch's buffer is the object
        itself; the registry still holds only the array."""
        classes = self.__dict__.setdefault("_buffer_classes", {})
        classes.pop(name, None)
        if isinstance(value, Tensor) and type(value) not in (Tensor, Buffer, Parameter) and not value._placeholder:
            classes[name] = (type(value), {k: v for k, v in vars(value).items()
                                           if not k.startswith("_") and k != "requires_grad"})

    def _keep_buffer_view(self, name, value):
        """A Tensor assigned (or registered) as buffer `name` is what reading the buffer returns, as PyTorch's
        (`m.buf = t; m.buf is t`), while the buffer holds its array (_buffer_view); it takes the buffer's slot, so
        `t.data = new` rebinds the buffer. One that already is another module's buffer keeps its slot (a read
        here makes a view of its own), as does a Buffer or Parameter (read back as a plain Tensor)."""
        views = self.__dict__.setdefault("_buffer_views", {})
        views.pop(name, None)
        array = dict.get(self._buffers, name)
        if type(value) in (Buffer, Parameter) or not isinstance(value, Tensor) or value._data is not array:
            return
        slot = value.__dict__.get("_buffer_slot")
        if slot is None or (slot.module is not None and slot.module() is self and slot.name == name):
            value.__dict__["_buffer_slot"] = _BufferSlot(self, name, array)
            views[name] = value

    def _keep_buffer_graph(self, name, value):
        """A buffer assigned a tensor that is part of a graph (kornia's ZCAWhitening fits its transform matrix into
        buffers with detach_transforms=False) reads back as that tensor, as in PyTorch, so gradients flow through
        it; only while the buffer still holds that tensor's array (re-assigning, _apply, ... end it)."""
        graphs = self.__dict__.setdefault("_buffer_graphs", {})
        graphs.pop(name, None)
        if isinstance(value, Tensor) and value.requires_grad:
            graphs[name] = (value, self._buffers.get(name))

    def __getattr__(self, name):
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                if registry != "_buffers":
                    return d[registry][name]
                value = d[registry].get(name)           # the array (subscripting a _BufferDict gives a Tensor)
                graph = d["_buffer_graphs"].get(name) if "_buffer_graphs" in d else None
                if graph is not None and graph[1] is value:
                    return graph[0]
                if isinstance(value, np.ndarray):
                    return self._buffer_view(name, value)
                return value
        if name in _HOOK_REGISTRIES:     # made on first use; PyTorch code reads them (len(m._backward_hooks))
            return self._hook_registry(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _buffer_view(self, name, array):
        """The Tensor on buffer `name`'s array, the same object at every read while the buffer holds that array:
        PyTorch's buffers are Tensors, so `m.buf is m.buf`, and tools that tell buffers apart by id() (torchscan's
        counts) must not see a new one, or a freed one's reused id, at each read."""
        d = self.__dict__
        classes = d.get("_buffer_classes")
        kind = classes.get(name) if classes else None
        views = d.setdefault("_buffer_views", {})           # not pickled or copied (__getstate__)
        tensor = views.get(name)
        if tensor is not None and tensor._data is array and type(tensor) is (kind[0] if kind else Tensor):
            return tensor
        tensor = Tensor._wrap(array)                        # a Tensor on the buffer's own array, as PyTorch's buffers
        if kind is not None:                                # registered as a Tensor subclass: read back as one
            tensor.__class__ = kind[0]
            tensor.__dict__.update(kind[1])
        # its slot, so that buf.data = new rebinds the buffer itself (an ActNorm's `initialized` flag)
        tensor.__dict__["_buffer_slot"] = _BufferSlot(self, name, array)
        views[name] = tensor
        return tensor

    def __dir__(self):
        """The class's attributes, the instance's, and the parameters, buffers and children by name (PyTorch's:
        completion offers `model.weight` and `model.encoder`), but names that are not identifiers ("0")."""
        names = [*dir(type(self)), *self.__dict__, *self._parameters, *self._modules, *dict.keys(self._buffers)]
        return sorted({name for name in names if not name[0].isdigit()})

    def __getstate__(self):
        """pickle's and copy.deepcopy's state: the attributes but the buffer views (made again on the next read)."""
        state = self.__dict__.copy()
        state.pop("_buffer_views", None)
        return state

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(registry, ()):
                del self.__dict__[registry][name]
                self.__dict__["_non_persistent_buffers"].discard(name)
                return
        object.__delattr__(self, name)

    def _check_new_name(self, kind, name):
        """PyTorch's checks of a name to register, in its order and words: a str, no '.', not empty, not taken by
        anything but this kind (a parameter's name for a buffer too); add_module asks about a taken name before
        the dot, and names the dotted name."""
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
        self._registries(kind)
        own = {"parameter": "_parameters", "buffer": "_buffers", "module": "_modules"}[kind]
        taken = hasattr(self, name) and name not in self.__dict__[own]
        if kind == "module" and taken:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."' + (f", got: {name}" if kind == "module" else ""))
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if taken:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        """Add a Parameter (or None, a declared-but-absent parameter such as a missing bias)."""
        self._check_new_name("parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter {name!r} "
                            "(nn.Parameter or None required)")
        self._discard(name, keep="_parameters")
        if _global_parameter_registration_hooks:
            param = _registration_hooks(_global_parameter_registration_hooks, self, name, param)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a buffer: an ndarray of state that is saved in state_dict but not trained.

        A Tensor (PyTorch's argument, also by its keyword tensor=) is held as its ndarray (``.data``, the same
        memory); an ndarray as it is. ``persistent=False`` keeps it out of state_dict.
        """
        self._check_new_name("buffer", name)
        self._discard(name, keep="_buffers")
        if _global_buffer_registration_hooks:
            tensor = _registration_hooks(_global_buffer_registration_hooks, self, name, tensor)
        self._buffers[name] = self._check_buffer(name, tensor, registering=True)
        self._keep_buffer_graph(name, tensor)
        self._keep_buffer_class(name, tensor)
        self._keep_buffer_view(name, tensor)
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a child module (or None). PyTorch checks the module before its name."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_new_name("module", name)
        self._discard(name, keep="_modules")
        if _global_module_registration_hooks:
            module = _registration_hooks(_global_module_registration_hooks, self, name, module)
        self._modules[name] = module

    # ---- traversal -------------------------------------------------------------------------

    def register_module(self, name, module):
        """The same as add_module."""
        self.add_module(name, module)

    def get_submodule(self, target):
        """The module at a dotted path ('' is this module): model.get_submodule('encoder.0')."""
        module = self
        for part in target.split(".") if target else []:     # PyTorch's walk and messages (None: not a Module)
            if not hasattr(module, part):
                raise AttributeError(f"{module._get_name()} has no attribute `{part}`")
            module = getattr(module, part)
            if not isinstance(module, Module):
                raise AttributeError(f"`{part}` is not an nn.Module")
        return module

    def get_buffer(self, target):
        """The buffer at a dotted path, as a Tensor: model.get_buffer('bn.running_mean')."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return getattr(module, name)

    def set_submodule(self, target, module):
        """Replace (or add) the child at a dotted path: model.set_submodule('encoder.0', nn.Identity())."""
        path, _, name = target.rpartition(".")
        setattr(self.get_submodule(path), name, module)

    def _get_name(self):
        """The class name (PyTorch's repr and logging code call it: HiFi-GAN's op._get_name() == 'Conv1d')."""
        return type(self).__name__

    def get_parameter(self, target):
        """The Parameter at a dotted path: model.get_parameter('encoder.0.weight')."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        if not isinstance(module._parameters.get(name), Parameter):    # a None bias, a plain attribute
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return module._parameters[name]

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield (name, module) for this module and all descendants, pre-order, each once (a shared module under
        each of its names with remove_duplicate=False). memo holds the modules themselves, as PyTorch's: a module
        class that defines __eq__ without __hash__ is unhashable, and PyTorch's traversal then raises TypeError
        ("unhashable type: 'NormLinear'"); two modules equal by their own __eq__ and __hash__ are one."""
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            yield from child.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        """(name, child) for each direct submodule, once (a set of the modules, as named_modules' memo)."""
        seen = set()
        for name, child in self._modules.items():
            if child is not None and child not in seen:
                seen.add(child)
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, get_members_fn, prefix="", recurse=True, remove_duplicate=True, *, read=None):
        """(name, member) over self and (if recurse) its submodules: PyTorch's signature, get_members_fn(module) ->
        (name, value) pairs (pyro's named_pyro_params passes one), or the name of a registry ("_parameters").
        read(module, name), if given, is what is yielded for a member (duplicates are still told by the value)."""
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_prefix, module in modules:
            members = (dict.items(getattr(module, get_members_fn)) if isinstance(get_members_fn, str)
                       else get_members_fn(module))
            for name, value in members:
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))  # a shared parameter is listed once
                yield (mod_prefix + "." if mod_prefix else "") + name, value if read is None else read(module, name)

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(name, parameter) pairs, a shared (tied) parameter once, or under each name with remove_duplicate=False.
        (PyTorch's argument order: a lone boolean first is read as recurse, as nn's earlier signature had it.)"""
        if isinstance(prefix, bool):
            prefix, recurse = "", prefix
        yield from self._named_members("_parameters", prefix=prefix, recurse=recurse, remove_duplicate=remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """(name, buffer) pairs; each buffer as attribute access gives it (a Tensor on the buffer's array, so EMA
        and sync loops such as ``b.copy_(other)`` write into it)."""
        if isinstance(prefix, bool):
            prefix, recurse = "", prefix
        # each from its module's attribute access, so that `b.data = other` rebinds the module's buffer, as
        # PyTorch's (ignite's EMAHandler copies buffers into its EMA model so)
        yield from self._named_members("_buffers", prefix=prefix, recurse=recurse, remove_duplicate=remove_duplicate,
                                       read=Module.__getattr__)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        """Call fn(m) on every child (recursively) and then on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- mode, gradients, dtype -------------------------------------------------------------

    def train(self, mode=True):
        """Set training mode (Dropout active, BatchNorm uses batch statistics) recursively, as PyTorch's: this
        module's flag, then each child's train(mode), so a child overriding train() is called (loralib merges its
        LoRA weights there)."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        object.__setattr__(self, "training", mode)
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        """Set evaluation mode (same as train(False))."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Reset the gradient of every parameter: to None (PyTorch's default), or to zeros."""
        for p in self.parameters():
            if p.grad is None:      # (read as PyTorch's: a non-leaf tensor in a parameter's slot warns)
                continue
            if set_to_none:
                p._grad = None
            else:                   # (a recorded gradient is detached first, as PyTorch's)
                p.__dict__.pop("_grad_graph", None)
                p._grad[...] = 0

    def requires_grad_(self, requires_grad=True):
        """Switch gradient recording of every parameter on or off (freezing layers); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)     # (a placeholder refuses it, as PyTorch's)
        return self

    def to(self, *args, **kwargs):
        """Cast every floating parameter and buffer in place; returns self (as PyTorch).

        to(dtype), to(device), to(device, dtype), to(tensor) (its dtype), with device=, dtype=
        keywords. dtype must be floating (e.g. nn.float64 for gradcheck); device must be the CPU, or 'meta'
        (the tensors keep shapes and dtypes only: a base model for nn.func.functional_call).
        """
        from ..device import parse_to, device
        dev, dtype, copy = parse_to(args, kwargs)
        if copy is not None:                        # (PyTorch's parser for Module.to: copy=False too)
            raise RuntimeError(".to() does not accept copy argument")
        if dtype is not None and dtype.kind not in "fc":    # PyTorch's TypeError and words, before any move
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired "
                            f"dtype=nn.{np.dtype(dtype).name}")
        if dev is not None and dev.type == "meta":
            # to('meta') (the ensembling recipe's stateless base model, called through functional_call), also
            # to(meta tensor) and with a dtype (cast below): the tensors keep their shapes and dtypes and give up
            # their values (meta tensors, taking no memory)
            self._apply(lambda t: t if t.is_meta else Tensor._wrap(meta_array(np.shape(t._data), t.dtype)))
            # PyTorch's _apply puts a new Parameter in place of one moved to another device: a lazy layer's
            # placeholder parameter becomes a meta Parameter of shape (0,) (its buffer placeholders stay placeholders)
            for module in self.modules():
                for p in module._parameters.values():
                    if p is not None and p._placeholder:
                        p.__class__ = Parameter
        if dev is CPU and any(isinstance(a, (str, device)) for a in (*args, kwargs.get("device"))) and any(
                t.is_meta for t in (*self.parameters(), *self.buffers())):
            raise NotImplementedError("Cannot copy out of meta tensor; no data! Please use torch.nn.Module.to_empty() "
                                      "instead of torch.nn.Module.to() when moving module from meta to a different "
                                      "device.")
        if dtype is None:
            return self
        if dtype.kind == "c":                       # PyTorch's: the floating and complex entries become complex
            warnings.warn("Complex modules are a new feature under active development whose design may change, "
                          "and some modules might not work as expected when using complex tensors as parameters "
                          "or buffers. Please file an issue at https://github.com/pytorch/pytorch/issues/new?"
                          "template=bug-report.yml if a complex module does not work as expected.", UserWarning,
                          stacklevel=2)
            return self._apply(lambda t: t.to(dtype) if t.is_floating_point() or t.is_complex() else t)
        return self._apply(lambda t: t.to(dtype) if t.is_floating_point() else t)   # gradients cast too

    def cpu(self):
        return self

    def to_empty(self, *, device, recurse=True):
        """Every parameter and buffer replaced by an uninitialised tensor of its shape and dtype on device (zeros
        here), the Parameter objects kept: how a model built on the meta device gets memory. Returns self."""
        from ..factories import empty_like
        return self._apply(lambda t: empty_like(t, device=device), recurse=recurse)

    def cuda(self, device=None):
        from ..device import check_device
        check_device("cuda" if device is None else device)

    # float() / double() each pass their own function to _apply, as PyTorch's: torchmetrics' Metric._apply tells
    # them from .to() by its name ("Module.double" in str(fn)) and keeps its states' dtype for them
    def float(self):
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def type(self, dst_type):
        """Cast every parameter and buffer (integer ones too) to dst_type (a dtype or a legacy tensor type name, as
        Tensor.type); returns self, as PyTorch's. A parameter that requires grad is refused an integer or bool type
        (_apply: PyTorch's RuntimeError), the modules and buffers before it being cast already, as there."""
        return self._apply(lambda t: t.type(dst_type))

    def half(self):
        """Refused with the reason: nn has no half-precision kernels (float32 is its fast type)."""
        raise TypeError(_no_half(self, "half", "float16"))

    def bfloat16(self):
        """Refused with the reason, as half()."""
        raise TypeError(_no_half(self, "bfloat16", "bfloat16"))

    # ---- calling ----------------------------------------------------------------------------

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward() in the subclass")

    def __call__(self, *args, **kwargs):
        d = self.__dict__
        pre_hooks, hooks = d.get("_forward_pre_hooks"), d.get("_forward_hooks")
        backward_hooks, backward_pre_hooks = d.get("_backward_hooks"), d.get("_backward_pre_hooks")
        if not (pre_hooks or hooks or backward_hooks or backward_pre_hooks):
            return self.forward(*args, **kwargs)
        state = {"args": args, "kwargs": kwargs, "output": None, "called": set()}
        if not d.get("_forward_hooks_always_called"):
            return self._call_with_hooks(state)
        try:
            return self._call_with_hooks(state)
        except Exception:
            self._run_always_called_hooks(state)
            raise

    # PyTorch's names of the call (its __call__ is _wrapped_call_impl, which runs _call_impl: hooks and forward);
    # wrappers call them directly
    def _call_impl(self, *args, **kwargs):
        return Module.__call__(self, *args, **kwargs)

    _wrapped_call_impl = _call_impl

    def _call_with_hooks(self, state):
        """forward with the pre-hooks before it and the forward hooks after it; state (args, kwargs, output, the
        always_call hooks run) kept up to date for _run_always_called_hooks."""
        d = self.__dict__
        pre_hooks, hooks = d.get("_forward_pre_hooks"), d.get("_forward_hooks")
        backward_hooks, backward_pre_hooks = d.get("_backward_hooks"), d.get("_backward_pre_hooks")
        args, kwargs = state["args"], state["kwargs"]
        for key, hook in list((pre_hooks or {}).items()):
            if key in d.get("_forward_pre_hooks_with_kwargs", ()):
                result = hook(self, args, kwargs)               # None, or (new args, new kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(f"forward pre-hook must return None or a tuple of (new_args, "
                                           f"new_kwargs), but got {result}.")
                    args, kwargs = result
                continue
            result = hook(self, args)                           # None, or the new positional arguments
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        state["args"], state["kwargs"] = args, kwargs
        if backward_hooks or backward_pre_hooks:
            output = call_with_backward_hooks(self, backward_hooks or {}, backward_pre_hooks or {}, self.forward,
                                              args, kwargs)
        else:
            output = self.forward(*args, **kwargs)
        always = d.get("_forward_hooks_always_called", ())
        for key, hook in list((hooks or {}).items()):
            state["output"] = output
            if key in always:
                state["called"].add(key)
            if key in d.get("_forward_hooks_with_kwargs", ()):
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)               # None, or a replacement output
            if result is not None:
                output = result
        return output

    def _run_always_called_hooks(self, state):
        """After forward (or a hook) raised: the always_call forward hooks not run yet, as PyTorch's, with the
        output so far (None if forward raised); an error of theirs is a warning, the first error propagates."""
        d = self.__dict__
        always, with_kwargs = d.get("_forward_hooks_always_called", ()), d.get("_forward_hooks_with_kwargs", ())
        output = state["output"]
        for key, hook in list((d.get("_forward_hooks") or {}).items()):
            if key not in always or key in state["called"]:
                continue
            try:
                result = (hook(self, state["args"], state["kwargs"], output) if key in with_kwargs else
                          hook(self, state["args"], output))
                if result is not None:
                    output = result
            except Exception as e:
                warnings.warn("module forward hook with ``always_call=True`` raised an exception that was silenced "
                              f"as another error was raised in forward: {e}", stacklevel=2)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """hook(module, args) runs before forward; it may return new args (a tuple, or one value). With
        with_kwargs=True it is hook(module, args, kwargs) and may return (new_args, new_kwargs); prepend=True runs
        it before the hooks already registered. Returns a handle whose remove() unregisters it."""
        return self._register_hook("_forward_pre_hooks", hook, prepend, with_kwargs)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """hook(module, args, output) runs after forward; it may return a replacement output (e.g. to keep a
        layer's activations: hook stores output). With with_kwargs=True it is hook(module, args, kwargs, output)
        (Lightning's model summary); prepend=True runs it first; always_call=True runs it also when forward (or
        an earlier hook) raises, with the output so far (None). Returns a handle whose remove() unregisters it."""
        return self._register_hook("_forward_hooks", hook, prepend, with_kwargs, always_call)

    def _register_hook(self, registry, hook, prepend, with_kwargs, always_call=False):
        """Add hook to the registry, first if prepend; its id is kept in <registry>_with_kwargs (as PyTorch's)
        when it takes the keyword arguments, and in _forward_hooks_always_called with always_call."""
        kwargs_ids = self._hook_registry(registry + "_with_kwargs")
        extra = [kwargs_ids]
        if always_call:
            extra.append(self._hook_registry("_forward_hooks_always_called"))
        handle = RemovableHandle(self._hook_registry(registry), hook, extra_dict=extra)
        if prepend:
            self.__dict__[registry].move_to_end(handle.id, last=False)
        if with_kwargs:
            kwargs_ids[handle.id] = True
        if always_call:
            extra[1][handle.id] = True
        return handle

    def register_full_backward_hook(self, hook):
        """hook(module, grad_input, grad_output) runs once the gradients of the module's inputs are computed; it
        may return a replacement grad_input (nn/modules/backward_hooks.py). Returns a removable handle."""
        return RemovableHandle(self._hook_registry("_backward_hooks"), hook)

    def register_full_backward_pre_hook(self, hook):
        """hook(module, grad_output) runs when the gradient of the module's output arrives; it may return a
        replacement grad_output. Returns a removable handle."""
        return RemovableHandle(self._hook_registry("_backward_pre_hooks"), hook)

    def register_backward_hook(self, hook):
        """PyTorch's deprecated form, run here as register_full_backward_hook (the same for a module that is one
        op, as ReLU; PyTorch's old hook gives other grad_input for a module of several ops)."""
        return self.register_full_backward_hook(hook)

    def _hook_registry(self, name):
        if name not in self.__dict__:
            object.__setattr__(self, name, OrderedDict())
        return self.__dict__[name]

    # ---- state dict -------------------------------------------------------------------------

    def _state_entries(self, prefix=""):
        """(key, ndarray holder, kind) in PyTorch's order: own params, own buffers, then children."""
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in dict.items(self._buffers):
            if b is not None and name not in self._non_persistent_buffers:
                yield prefix + name, (self, name)
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_entries(prefix + name + ".")

    def _tree(self, prefix=""):
        """(prefix, module) for this module and every descendant, parents first, each shared module under each of
        its names (the walk of PyTorch's load_state_dict)."""
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child._tree(prefix + name + ".")

    @staticmethod
    def _entry_array(entry):
        if isinstance(entry, tuple):
            module, name = entry
            entry = dict.get(module._buffers, name)
            if not isinstance(entry, Tensor):   # (a Tensor there is an UninitializedBuffer placeholder)
                return entry
        return entry._data

    @staticmethod
    def _is_placeholder(entry):
        """Whether an entry of _state_entries is a lazy module's UninitializedParameter / UninitializedBuffer (the
        only Tensor objects the buffer registry holds)."""
        value = entry if isinstance(entry, Tensor) else dict.get(entry[0]._buffers, entry[1])
        return isinstance(value, Tensor) and value._placeholder

    def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
        """OrderedDict name -> the array of every parameter and persistent buffer: the module's own memory, as
        PyTorch's (an EMA written into the values changes the model; snapshot with ``{k: v.clone() ...}`` or
        ``copy.deepcopy``).

        Keys as PyTorch: ``0.weight``, ``encoder.conv1.bias``, ``bn.running_mean``,
        ``bn.num_batches_tracked`` (int64, 0-d). Ready for ``nn.save``. The arrays are DataArrays (nn/array.py),
        so PyTorch's idioms on state-dict values work too: ``v.copy_(...)``, ``v.mul_(d)``, ``v.clone()``, ``v.cpu()``.
        As PyTorch's, the dict has a ``_metadata`` OrderedDict: module prefix ('' at the top, 'encoder.conv1') ->
        ``{"version": type(module)._version}``, handed back to ``_load_from_state_dict`` as local_metadata.
        PyTorch's arguments: ``keep_vars=True`` gives the Parameters themselves (and each buffer as a Tensor on
        its array), ``prefix`` goes before every key, ``destination`` is the dict filled and returned (also
        PyTorch's deprecated positional form state_dict(destination, prefix, keep_vars), with its FutureWarning; as
        there, a keyword given other than its default wins and further positional arguments are ignored). Hooks
        registered by register_state_dict_pre_hook run first (hook(module, prefix, keep_vars)), those by
        register_state_dict_post_hook / _register_state_dict_hook last (hook(module, state_dict, prefix,
        local_metadata); a returned dict replaces it).
        """
        if args:
            destination, prefix, keep_vars = _positional_state_dict_args(args, destination, prefix, keep_vars)
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()       # PyTorch's: each module's version, read back on loading
        local_metadata = dict(version=self._version)
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in list(self.__dict__.get("_state_dict_pre_hooks", {}).values()):
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        for hook in list(self.__dict__.get("_state_dict_hooks", {}).values()):
            result = hook(self, destination, prefix, local_metadata)
            if result is not None:
                destination = result
        return destination

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        """This module's own parameters and persistent buffers into destination under prefix (not its children's),
        as PyTorch's: state_dict calls it for each module, and a module that overrides state_dict calls it itself
        (opacus' DPMultiheadAttention)."""
        # (an UninitializedParameter / UninitializedBuffer placeholder of a lazy module goes in as itself, as
        # PyTorch's LazyModuleMixin puts it: it has no values)
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars or p._placeholder else p._data.view(DataArray)
        for name, b in dict.items(self._buffers):
            if b is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = (b if isinstance(b, Tensor) else Tensor._wrap(b) if keep_vars
                                              else b.view(DataArray))
        if type(self).get_extra_state is not Module.get_extra_state:       # after the buffers, as PyTorch's
            destination[prefix + _EXTRA_STATE_KEY_SUFFIX] = self.get_extra_state()

    def get_extra_state(self):
        """The state a subclass keeps beyond its parameters and buffers (any picklable object), saved under
        ``prefix + "_extra_state"`` when the subclass overrides this (and set_extra_state, which loads it back)."""
        raise RuntimeError("Reached a code path in Module.get_extra_state() that should never be called. Please "
                           "file an issue at https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml "
                           "to report this bug.")

    def set_extra_state(self, state):
        """Load what get_extra_state returned (a subclass overrides both)."""
        raise RuntimeError("Reached a code path in Module.set_extra_state() that should never be called. Please "
                           "file an issue at https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml "
                           "to report this bug.")

    def _extra_state_modules(self):
        """(key, module) for every module of the tree that loads extra state (overrides set_extra_state)."""
        return [(prefix + _EXTRA_STATE_KEY_SUFFIX, m) for prefix, m in self._tree()
                if type(m).set_extra_state is not Module.set_extra_state]

    def register_state_dict_pre_hook(self, hook):
        """hook(module, prefix, keep_vars) runs before state_dict() collects this module's entries. Returns a
        removable handle."""
        return RemovableHandle(self._hook_registry("_state_dict_pre_hooks"), hook)

    def register_state_dict_post_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata) runs after state_dict() collected this module's
        entries (and its children's); it may edit state_dict in place. Returns a removable handle."""
        return RemovableHandle(self._hook_registry("_state_dict_hooks"), hook)

    _register_state_dict_hook = register_state_dict_post_hook       # PyTorch's older private name

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        """hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs) (with the
        module first when with_module) runs before load_state_dict() loads; it may rename or convert keys of
        state_dict (a copy of the caller's), prefix being this module's ('' at the top, 'encoder.' ...); a message
        appended to error_msgs makes the load fail. Returns a removable handle."""
        return RemovableHandle(self._hook_registry("_load_state_dict_pre_hooks"), (hook, bool(with_module)))

    def register_load_state_dict_pre_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        _register_load_state_dict_pre_hook with the module. Returns a removable handle."""
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def register_load_state_dict_post_hook(self, hook):
        """hook(module, incompatible_keys) runs after load_state_dict() loaded; it may remove keys from
        incompatible_keys.missing_keys / unexpected_keys (lists), which strict checks after it. Returns a
        removable handle."""
        return RemovableHandle(self._hook_registry("_load_state_dict_post_hooks"), hook)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        """The step of load_state_dict that a subclass overrides to convert or drop its own keys before they load
        (torchvision's FrozenBatchNorm2d deletes ``prefix + "num_batches_tracked"``; modules with a ``_version``
        rename keys of older checkpoints), calling super()._load_from_state_dict(...) with the same arguments:
        state_dict is load_state_dict's copy, prefix this module's ('' at the top, 'backbone.bn1.' ...),
        local_metadata ``state_dict._metadata[prefix[:-1]]`` ({} when the dict has none); keys appended to
        missing_keys / unexpected_keys, or messages to error_msgs, make a strict load fail. As PyTorch's, it runs
        for each module before its children. This one runs the module's load-state-dict pre hooks; the values
        themselves are copied by load_state_dict after every module's step has run (so that a failed load
        changes nothing), not here. Called directly (mmengine's load_state_dict walks the modules itself and calls
        each one's _load_from_state_dict), it does PyTorch's whole step for this module's own entries: see
        _load_own_entries."""
        for hook, with_module in list(self.__dict__.get("_load_state_dict_pre_hooks", {}).values()):
            hook_args = (state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
            hook(self, *hook_args) if with_module else hook(*hook_args)
        if not _CENTRAL_LOAD:
            self._load_own_entries(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                   error_msgs)

    def _load_own_entries(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                          error_msgs):
        """PyTorch's Module._load_from_state_dict for this module's own parameters and persistent buffers (not its
        children's), through load_state_dict's own per-entry steps (_checked_value, _copy_value, _assign_entry):
        each ``prefix + name`` in state_dict is copied in place (assigned with local_metadata's
        assign_to_params_buffers); a non-array value, a wrong shape or a meta value adds PyTorch's message to
        error_msgs and loads nothing for that key; with strict, an absent key goes to missing_keys and a key under
        prefix that names neither an own entry nor a child to unexpected_keys."""
        assign = local_metadata.get("assign_to_params_buffers", False)
        own = [(name, p) for name, p in self._parameters.items() if p is not None]
        own += [(name, (self, name)) for name, b in dict.items(self._buffers)
                if b is not None and name not in self._non_persistent_buffers]
        for name, entry in own:
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            given = state_dict[key]
            if not isinstance(given, (Tensor, np.ndarray)):
                error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor or Tensor-like '
                                  f"object from checkpoint but received {type(given)}")
                continue
            value, problem = self._checked_value(key, self._entry_array(entry), given, assign)
            if problem is not None:
                error_msgs.append(self._mismatch_line(*problem) if isinstance(problem, tuple) else problem)
            elif assign:
                self._assign_entry(name, entry, given if np.shape(given) == value.shape else value, value)
            else:
                self._copy_value(key, self._entry_array(entry), value, stacklevel=5)
        extra_key = prefix + _EXTRA_STATE_KEY_SUFFIX
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            names = {name for name, _ in own}
            for key in state_dict.keys():
                if key.startswith(prefix) and key != extra_key:
                    first, dot, _ = key[len(prefix):].partition(".")
                    if first not in (self._modules if dot else names):
                        unexpected_keys.append(key)

    @staticmethod
    def _checked_value(key, target, value, assign):
        """One entry's check in a load, as PyTorch's: -> (the array that loads into target, None), or (None, the
        problem): (key, got, want) for a wrong shape or a non-numeric dtype, or PyTorch's message for a meta value
        copied into a real entry. A 1-element 1-dim value into a 0-dim entry loads as its element."""
        if isinstance(value, Tensor):
            value = value._data
        if type(value) is not MetaArray:        # (a meta value stays meta: no copy warning, assign keeps it)
            value = np.asarray(value)
        if value.shape == (1,) and target.shape == ():
            # PyTorch's backward compatibility: a 1-element 1-dim tensor (PyTorch 0.3's scalars) loads into a
            # 0-dim entry as its element
            value = value.reshape(())
        if value.shape != target.shape:
            return None, (key, tuple(value.shape), tuple(target.shape))
        if not (value.dtype.kind in "biuf" or value.dtype.kind == target.dtype.kind == "c"):
            return None, (key, f"dtype {value.dtype}", f"numeric dtype {target.dtype}")
        if type(value) is MetaArray and type(target) is not MetaArray and not assign:
            return None, (f'While copying the parameter named "{key}", whose dimensions in the model are '
                          f'{Size(target.shape)!r} and whose dimensions in the checkpoint are '
                          f"{Size(value.shape)!r}, an exception occurred : ('Cannot copy out of meta "
                          f"tensor; no data!',).")
        if not assign and type(target) is not MetaArray:
            try:    # copy_ into an expanded entry (titans' `repeat(p, '... -> h ...')` parameters) is refused
                _refuse_overlap(target, "copy_")
            except RuntimeError as error:
                if same_data(target, value):            # but its own state (copy_ returns at once, as PyTorch's)
                    return value, None
                return None, (f'While copying the parameter named "{key}", whose dimensions in the model are '
                              f'{Size(target.shape)!r} and whose dimensions in the checkpoint are '
                              f"{Size(value.shape)!r}, an exception occurred : ({str(error)!r},).")
        return value, None

    @staticmethod
    def _copy_value(key, target, value, stacklevel):
        """Copy a checked value into target in place (the Parameter objects optimizers hold stay the same), cast
        to its dtype; into a meta entry, PyTorch's warning and nothing (stacklevel: to the user's call)."""
        if type(target) is MetaArray and type(value) is not MetaArray:
            warnings.warn(f"for {key}: copying from a non-meta parameter in the checkpoint to a meta parameter in "
                          f"the current model, which is a no-op. (Did you mean to pass `assign=True` to assign "
                          f"items in the state dictionary to their corresponding key in the module instead of "
                          f"copying them in place?)", UserWarning, stacklevel=stacklevel)
        elif type(value) is not MetaArray and (target.flags.writeable or not same_data(target, value)):
            target[...] = value.astype(target.dtype, copy=False)          # (an expand's own state: nothing to copy)

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy arrays from ``state_dict`` into parameters and buffers (values cast to their dtype).

        With strict=True every key must match: missing and unexpected keys are reported
        together with any shape mismatch in ONE StateDictError (a KeyError), and nothing is
        modified (unless load-state-dict post hooks are registered: then, as PyTorch, the values load, the hooks
        run, and strict checks the keys they leave). With strict=False missing / unexpected keys are allowed
        (shape mismatches still raise) and returned as IncompatibleKeys(missing_keys, unexpected_keys).
        Pre hooks (register_load_state_dict_pre_hook) and subclasses' _load_from_state_dict run first, on a copy
        of state_dict, each module's with its prefix, parents before children.
        ``assign=True`` (PyTorch 2.1) puts the state dict's values in place instead of copying them: each
        parameter and buffer then holds the given array itself (its dtype, its memory; a given Parameter replaces
        the module's, keeping the module's requires_grad), as PyTorch's.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"expected a dict of name -> ndarray, got {type(state_dict).__name__}")
        tree = list(self._tree())
        hook_missing, hook_unexpected, error_msgs = [], [], []
        editors = [(prefix, m) for prefix, m in tree
                   if m.__dict__.get("_load_state_dict_pre_hooks")
                   or type(m)._load_from_state_dict is not Module._load_from_state_dict]
        if editors:
            metadata = getattr(state_dict, "_metadata", None) or {}
            editing = {prefix for prefix, _ in editors}
            below = {prefix[:i + 1] for prefix in editing for i in range(len(prefix)) if prefix[i] == "."}

            def edit(module, local, prefix):
                # PyTorch's load(): each module's step sees only the keys under its prefix, each child a copy
                # of them (torchani's containers rename every key they are given), parents before children
                if prefix in editing:
                    module._load_from_state_dict(local, prefix, metadata.get(prefix[:-1], {}), strict,
                                                 hook_missing, hook_unexpected, error_msgs)
                    local = OrderedDict((k, v) for k, v in local.items() if k.startswith(prefix))
                children = [(prefix + name + ".", child) for name, child in module._modules.items()
                            if child is not None and prefix + name + "." in below]
                if children:
                    # one pass over the keys: each goes to the child its next name part names (names have no dots)
                    mine = {child_prefix: OrderedDict() for child_prefix, _ in children}
                    start = len(prefix)
                    for k in list(local):
                        dot = k.find(".", start)
                        if dot >= 0 and k[:dot + 1] in mine:
                            mine[k[:dot + 1]][k] = local.pop(k)
                    for child_prefix, child in children:
                        local.update(edit(child, mine[child_prefix], child_prefix))
                return local

            _CENTRAL_LOAD.append(self)
            try:
                state_dict = edit(self, OrderedDict(state_dict), "")    # the hooks edit a copy, as PyTorch's
            finally:
                _CENTRAL_LOAD.pop()
        post_hooks = [(m, hook) for _, m in reversed(tree)
                      for hook in list(m.__dict__.get("_load_state_dict_post_hooks", {}).values())]
        entries = OrderedDict(self._state_entries())
        extra = self._extra_state_modules()                 # loaded by set_extra_state, after the arrays
        extra_keys = {key for key, _ in extra}
        missing = [k for k in entries if k not in state_dict] + [k for k, _ in extra if k not in state_dict]
        missing += hook_missing
        unexpected = [k for k in state_dict.keys() if k not in entries and k not in extra_keys] + hook_unexpected
        mismatched, values = [], {}
        for key, entry in entries.items():
            if key not in state_dict:
                continue
            given = state_dict[key]
            if isinstance(given, Tensor) and given._placeholder and not self._is_placeholder(entry):
                given.shape         # PyTorch's RuntimeError: a lazy module's placeholder into an initialized entry
            value, problem = self._checked_value(key, self._entry_array(entry), given, assign)
            if problem is None:
                values[key] = value
            elif isinstance(problem, tuple):
                mismatched.append(problem)
            else:
                error_msgs.append(problem)
        if mismatched or error_msgs or (strict and (missing or unexpected) and not post_hooks):
            raise self._load_error(missing, unexpected, mismatched, error_msgs, strict)
        for key, value in values.items():
            if assign:                      # (a 1-element entry made 0-dim above: its array, not the object given)
                given = state_dict[key]
                self._assign_entry(key, entries[key], given if np.shape(given) == value.shape else value, value)
                continue
            self._copy_value(key, self._entry_array(entries[key]), value, stacklevel=3)
        for key, module in extra:
            if key in state_dict:
                module.set_extra_state(state_dict[key])
        result = IncompatibleKeys(missing, unexpected)
        if post_hooks:
            for m, hook in post_hooks:                              # children before their parents
                hook(m, result)
            if strict and (result.missing_keys or result.unexpected_keys):
                raise self._load_error(result.missing_keys, result.unexpected_keys, [], [], strict)
        return result

    def _assign_entry(self, key, entry, given, array):
        """load_state_dict(assign=True) for one entry: `given` (a Parameter: itself, with the old one's
        requires_grad; else a new Parameter on its `array`, shared, dtype kept) replaces the parameter, or
        `array` becomes the buffer, as PyTorch's."""
        if isinstance(entry, tuple):
            module, name = entry
            module._buffers[name] = array
        else:       # a new Parameter unless one is given, as PyTorch's (the module's old one is left as it was)
            module, _, name = key.rpartition(".")
            owner = self.get_submodule(module) if module else self
            if isinstance(given, Parameter):
                given.requires_grad_(entry.requires_grad)
            else:
                given = Parameter(Tensor._wrap(array), requires_grad=entry.requires_grad)
            owner._parameters[name] = given

    @staticmethod
    def _mismatch_line(key, got, want):
        """A load's line for an entry of the wrong shape (PyTorch's words) or of no numeric dtype."""
        if isinstance(got, tuple):
            return (f"size mismatch for {key}: copying a param with shape {Size(got)!r} from checkpoint, the shape in "
                    f"current model is {Size(want)!r}.")
        return f"could not copy {key}: the checkpoint holds a value of {got}, the model a {want}."

    def _load_error(self, missing, unexpected, mismatched, error_msgs, strict):
        """The StateDictError of load_state_dict: every problem in one message, in PyTorch's words and order (the
        missing keys, the unexpected ones, then each size mismatch, one per tab-indented line)."""
        lines = []
        if strict and missing:
            lines.append("Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing)))
        if strict and unexpected:
            lines.append("Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected)))
        lines.extend(self._mismatch_line(*problem) for problem in mismatched)
        lines.extend(str(msg) for msg in error_msgs)
        return StateDictError("\n\t".join([f"Error(s) in loading state_dict for {type(self).__name__}:"] + lines),
                              missing if strict else (), unexpected if strict else (), mismatched)

    def compile(self, *args, **kwargs):
        """Module.compile (PyTorch 2.2): compiles the module's call in place there; nn has no compiler, so the
        module runs as written (as nn.compile(module) does). Returns None, as PyTorch's."""

    def share_memory(self):
        """Returns self: nn's processes share no tensor storage (PyTorch moves it to shared memory). A placeholder
        of a lazy layer before its first call refuses, as PyTorch's."""
        for t in (*self.parameters(), *self.buffers()):
            t.share_memory_()
        return self

    def _apply(self, fn, recurse=True):
        """Replace every parameter's values (and gradient's) by fn(tensor) and every buffer by fn(buffer as a
        Tensor), in this module and (recurse) its descendants, each through its own _apply; the Parameter
        objects stay the same. The hook to() / float() / double() go through, as PyTorch's, which subclasses
        override to move tensors of their own. Returns self."""
        if recurse:
            for child in self.children():
                child._apply(fn)
        for p in self._parameters.values():
            if p is not None:
                data = _array(fn(p))
                if p.requires_grad and data.dtype.kind not in "fc":    # (PyTorch's `param.data = ...` refuses it)
                    raise RuntimeError("data set to a tensor that requires gradients must be floating point or "
                                       "complex dtype")
                p._data = data
                if p.grad is not None:      # (read as PyTorch's: a non-leaf tensor in a parameter's slot warns)
                    p._grad = _array(fn(Tensor._wrap(p._grad)))
        for name, b in list(dict.items(self._buffers)):
            if isinstance(b, Tensor):       # an UninitializedBuffer placeholder: cast in place, as a parameter
                b._data = _array(fn(b))
            elif b is not None:
                self._buffers[name] = self._check_buffer(name, fn(Tensor._wrap(b)))
        return self

    # ---- printing ---------------------------------------------------------------------------

    def extra_repr(self):
        """One-line description of this module's settings, shown inside its repr."""
        return ""

    def __repr__(self):
        # as PyTorch's: a one-line extra_repr without children stays inline; otherwise extra_repr's lines,
        # then the children, each on its own line indented by two
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(child), 2) for name, child in self._modules.items()]
        if len(extra_lines) == 1 and not child_lines:
            return f"{type(self).__name__}({extra_lines[0]})"
        if not extra_lines and not child_lines:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}(\n" + "\n".join("  " + line for line in extra_lines + child_lines) + "\n)"


def _array(value):
    """fn's result in Module._apply as an ndarray (a Tensor gives its array)."""
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _addindent(s_, numSpaces):
    """Every line of s_ but the first indented by numSpaces (PyTorch's name and arguments: module printers
    written for torch.nn.modules.module import it)."""
    first, *rest = s_.split("\n")
    return "\n".join([first] + [" " * numSpaces + line for line in rest])
