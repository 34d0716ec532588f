"""torch.overrides: ``__torch_function__``, PyTorch's protocol by which a Tensor subclass, an object that is not a
Tensor, or a TorchFunctionMode answers the torch functions called on it, in one place.

Who takes part: a Tensor subclass (any: one that does not define ``__torch_function__`` inherits Tensor's
default, which runs the function and turns Tensor results into the subclass, as PyTorch's ``_convert``), unless
its ``__torch_function__`` is ``nn._C._disabled_torch_function_impl`` (``nn.Parameter``, as PyTorch's); an object
whose type defines ``__torch_function__`` (linear_operator's LinearOperator, gpytorch's covariance matrices); and
the modes entered (``with MyMode():``, innermost first).

A call of a dispatching function scans its arguments (positional, keyword, and the items of a list or tuple
argument, as torch.cat's); when a mode is active, or one of them takes part, the function does not run: the
innermost mode's ``__torch_function__(func, types, args, kwargs)`` is asked first (with that mode left while it
runs, so that calling ``func`` inside reaches the next one), then each overloaded argument's type in turn
(subclasses before their bases, otherwise left to right); ``func`` is the public function that was called
(``nn.matmul``, ``F.conv2d``, ``nn.Tensor.__add__``, the getter ``nn.Tensor.T.__get__``); the first answer
other than NotImplemented is the result; if all decline, TypeError, as PyTorch. Inside Tensor's default,
``DisableTorchFunctionSubclass`` is on: the function runs as it is.

Cost: nn's functions and methods run unwrapped until the first Tensor subclass that takes part is defined or the
first mode is entered (``_activate`` then wraps them once, see ``_wrap_everything``); a plain ``nn.Tensor``
operation is unchanged until then. A few functions (``install``'s lists, for non-Tensor types) dispatch from
import on. Not dispatched: the properties that give no Tensor (``shape``, ``dtype``, ``requires_grad``, ...),
property setters, nn's private methods, and construction / attribute access."""
import functools
import threading
import types as _types

from .tensor import Tensor, _show_python_attributes
from ._C import _disabled_torch_function_impl, _pytorch_function
from .functional._args import builtin_like

__all__ = ["has_torch_function", "handle_torch_function", "is_tensor_like", "TorchFunctionMode",
           "get_default_nowrap_functions", "is_tensor_method_or_property"]


_overrides = {}      # type -> whether it takes part (asked once per type: most calls pass Tensors and ints)


class _PerThread(threading.local):
    """Per thread, as PyTorch's: the DisableTorchFunctionSubclass / DisableTorchFunction depths and the stack of
    modes entered (outermost first)."""
    subclass = all = 0

    def __init__(self):
        self.modes = []


_disabled = _PerThread()
_modes_anywhere = 0               # modes entered in any thread: while 0, a call need not look at its thread's stack
_modes_lock = threading.Lock()


def _own_function(kind):
    method = getattr(kind, "__torch_function__", None)
    return getattr(method, "__func__", method)


# the types seen that take no part and hold nothing that could (not lists or tuples): a call whose arguments are
# all of these runs at once (dispatching's fast path)
_PLAIN = {Tensor, int, float, bool, str, type(None), slice, type(Ellipsis)}


def _is_pytorch_tensor(kind):
    """Whether kind is PyTorch's own Tensor or a subclass of it: its __torch_function__ answers torch's functions and
    would call nn's back (nn.from_dlpack(torch_tensor) takes it as data)."""
    return any(c.__name__ in ("Tensor", "TensorBase") and c.__module__.split(".")[0] == "torch" for c in kind.__mro__)


def _takes_part(kind):
    known = _overrides.get(kind)
    if known is None:
        own = _own_function(kind)
        known = _overrides[kind] = (own is not None and own is not _disabled_torch_function_impl
                                    and kind is not Tensor and not _is_pytorch_tensor(kind))
        if not known and not issubclass(kind, (list, tuple)):
            _PLAIN.add(kind)
    return known


def _overloaded_args(values):
    """The arguments whose type answers __torch_function__, one per type, subclasses first (none while
    DisableTorchFunctionSubclass or DisableTorchFunction is on)."""
    found = []
    for value in values:
        for item in (value if isinstance(value, (list, tuple)) else (value,)):
            if not _takes_part(type(item)) or any(type(other) is type(item) for other in found):
                continue
            # before the first argument whose type is a base of this one (PyTorch's order)
            at = next((i for i, other in enumerate(found) if issubclass(type(item), type(other))), len(found))
            found.insert(at, item)
    if found and (_disabled.subclass or _disabled.all):
        return []
    return found


def has_torch_function(relevant_args):
    """Whether any of the arguments (a tuple) answers __torch_function__, or a mode is active."""
    return bool(_overloaded_args(relevant_args)) or _modes_on()


def is_tensor_like(inp):
    """A Tensor, or an object whose type defines __torch_function__, as torch.overrides.is_tensor_like."""
    return isinstance(inp, Tensor) or getattr(type(inp), "__torch_function__", None) is not None


def _modes_on():
    return bool(_modes_anywhere and _disabled.modes) and not _disabled.all


def handle_torch_function(public_api, relevant_args, *args, **kwargs):
    """public_api(*args, **kwargs) answered by the innermost mode, then by the __torch_function__ of the
    overloaded arguments among relevant_args, as torch.overrides.handle_torch_function."""
    overloaded = _overloaded_args(relevant_args)
    types = tuple(type(a) for a in overloaded)
    if _modes_on():
        stack = _disabled.modes
        mode = stack.pop()                          # left while it answers (PyTorch's _pop_mode_temporarily)
        try:
            result = mode.__torch_function__(public_api, types, args, kwargs)
        finally:
            stack.append(mode)
        if result is not NotImplemented:
            return result
    for arg in overloaded:
        result = arg.__torch_function__(public_api, types, args, kwargs)
        if result is not NotImplemented:
            return result
    name = getattr(public_api, "__name__", repr(public_api))
    error = TypeError(f"no implementation found for '{name}' on types that implement __torch_function__: "
                      f"{[t for t in types]}")
    error._unanswered = True        # (a binary operator gives NotImplemented for it instead: dispatching)
    raise error


def dispatching(fn, public_api=None, operator=False):
    """fn, handing a call over to the modes and __torch_function__ of its arguments (the wrapper itself is the
    function passed, so that types keying their overrides by nn.matmul or nn.Tensor.__getitem__ find it; or
    public_api, the object that calls the wrapper: F.conv3d's builtin_like). operator: a binary operator's
    wrapper, NotImplemented when no __torch_function__ answers, as PyTorch's binary operators turn that TypeError
    into, so that Python tries the reflected operator, then says "unsupported operand type(s) for *: 'MAPTensor'
    and 'HRRTensor'" (torch-hd's tensors of two VSA models; the fast path is the same)."""
    @functools.wraps(fn)
    def public(*args, **kwargs):
        if not _modes_anywhere:                     # the fast path: no mode, every argument of a plain type
            for arg in args:
                if type(arg) not in _PLAIN:
                    break
            else:
                if not kwargs:
                    return fn(*args)
                for arg in kwargs.values():
                    if type(arg) not in _PLAIN:
                        break
                else:
                    return fn(*args, **kwargs)
        if _modes_on() or _overloaded_args(args) or (kwargs and _overloaded_args(kwargs.values())):
            try:
                return handle_torch_function(public_api or public, args + tuple(kwargs.values()), *args, **kwargs)
            except TypeError as error:
                if public._operator and getattr(error, "_unanswered", False):
                    return NotImplemented
                raise
        return fn(*args, **kwargs)
    public._dispatches, public._operator = True, operator
    public._undispatched = fn
    return public


# -- Tensor's default, and the switches ------------------------------------------------------------------------

def get_default_nowrap_functions():
    """The functions whose results Tensor's default __torch_function__ leaves as they are (the gradient)."""
    return {Tensor.grad.__get__}


def _convert(ret, cls):
    """ret with its Tensors (also inside tuples and lists) as instances of cls, as PyTorch's torch._tensor._convert."""
    if cls is Tensor:
        return ret
    if isinstance(ret, Tensor) and not isinstance(ret, cls):
        ret = ret.as_subclass(cls)
    if isinstance(ret, (tuple, list)):
        items = [_convert(r, cls) for r in ret]
        ret = type(ret)(*items) if hasattr(ret, "_fields") else type(ret)(items)     # named tuples by position
    return ret


def _tensor_torch_function(cls, func, types, args=(), kwargs=None):
    """Tensor.__torch_function__: func run with subclass handling off, its Tensor results made instances of cls
    (a subclass that overrides __torch_function__ calls this through super()). PyTorch's own functions (an nn
    Tensor mixed with a torch.Tensor) are declined, as a foreign type should: _pytorch_function."""
    if not all(issubclass(cls, t) for t in types) or _pytorch_function(func):
        return NotImplemented
    with DisableTorchFunctionSubclass():
        ret = func(*args, **(kwargs or {}))
        if func in get_default_nowrap_functions():
            return ret
        return _convert(ret, cls)


class _Disabled:
    """A context in which the __torch_function__ of arguments (and, for DisableTorchFunction, the modes) is not
    consulted."""
    _key = "subclass"

    def __enter__(self):
        setattr(_disabled, self._key, getattr(_disabled, self._key) + 1)
        return self

    def __exit__(self, *exc):
        setattr(_disabled, self._key, getattr(_disabled, self._key) - 1)


class DisableTorchFunctionSubclass(_Disabled):
    """torch._C.DisableTorchFunctionSubclass: arguments' __torch_function__ off, modes still on."""


class DisableTorchFunction(_Disabled):
    """torch._C.DisableTorchFunction: arguments' __torch_function__ and the modes off."""
    _key = "all"


def _is_torch_function_enabled():
    return not _disabled.subclass and not _disabled.all


def _is_torch_function_mode_enabled():
    return _modes_on()


# -- what dispatches --------------------------------------------------------------------------------------------

# the functions that dispatch from import on: those linear_operator overrides, and their close kin (and the
# functions opt_einsum_fx finds in fx graphs by identity, captured at its import: tensordot, mul, div; einsum
# dispatches by itself)
TOP_LEVEL = ("matmul", "mm", "bmm", "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
             "abs", "exp", "log", "sqrt", "neg", "clone", "diagonal", "diag", "sum", "mean", "prod", "numel",
             "permute", "transpose", "squeeze", "unsqueeze", "inverse", "logdet", "det", "isclose", "cat", "stack",
             "t", "reshape", "tensordot")
LINALG = ("cholesky", "cholesky_ex", "eigh", "eigvalsh", "solve", "solve_triangular", "svd", "inv", "det", "slogdet")
# (and the products thop keys its FLOP rules by at its import: x @ y, Tensor.bmm; F.linear and
# F.scaled_dot_product_attention are builtin_like, one object already; Tensor.mm, which refuses what is not a
# tensor, so that `t.mm(obj)` reaches obj's __torch_function__ as Tensor.matmul does)
TENSOR_METHODS = ("matmul", "mm", "add", "sub", "mul", "div", "__matmul__", "__rmatmul__", "bmm")

# names PyTorch does not dispatch (torch.overrides.get_ignored_functions: settings, serialization, type tests)
# or that build the Tensor and look up its attributes
_IGNORED = frozenset({
    "manual_seed", "seed", "initial_seed", "get_rng", "set_default_dtype", "get_default_dtype", "is_tensor",
    "is_storage", "save", "load", "is_grad_enabled", "set_printoptions", "compile", "typename",
    "set_default_device", "get_default_device", "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "set_float32_matmul_precision", "get_float32_matmul_precision", "set_num_threads", "get_num_threads",
    "set_num_interop_threads", "get_num_interop_threads", "set_flush_denormal", "promote_types", "can_cast",
    "finfo", "iinfo", "result_type", "broadcast_shapes", "is_inference_mode_enabled", "set_anomaly_enabled",
    "is_anomaly_enabled", "get_default_generator", "has_torch_function", "handle_torch_function", "is_tensor_like",
    "__new__", "__init__", "__init_subclass__", "__getattribute__", "__getattr__", "__setattr__", "__delattr__",
    "__hash__", "__class__", "__torch_function__", "__array_ufunc__", "__array_function__", "__reduce_ex__",
    "__reduce__", "__deepcopy__", "__copy__", "__setstate__", "__getstate__", "__sizeof__", "__dir__",
    "__subclasshook__", "__class_getitem__", "_make", "_make_subclass", "as_subclass", "zero_grad",
    "calculate_gain", "uniform_draws", "normal_draws", "integer_draws"})
# where the functions that dispatch are defined (the tensor ops; not vmap, dlpack, the settings and helpers that
# nn's namespace also holds, which PyTorch does not dispatch either)
_OP_MODULES = ("nn.tensor_ops.", "nn.functional", "nn.linalg", "nn.fft", "nn.special", "nn.init", "nn.factories",
               "nn.aten_forms", "nn.sparse")
# Tensor's properties whose value is a Tensor: their getters dispatch (the gradient's result is left as it is)
_TENSOR_PROPERTIES = ("T", "mT", "H", "mH", "real", "imag", "grad")


def install(namespace, linalg):
    """Wrap the listed functions of nn's namespace (a dict), of nn.linalg and Tensor's listed methods; every other
    name bound to one of those functions (nn.mm and nn.matmul, nn.absolute and nn.abs) is rebound to its wrapper,
    so that they stay one object. A method's wrapper is not the function's (nn.Tensor.add is not nn.add), as in
    PyTorch, where a __torch_function__ tells ``torch.unbind`` from ``Tensor.unbind``."""
    done, done_methods = {}, {}
    for name in TOP_LEVEL:
        if name in namespace:
            namespace[name] = _wrap(namespace[name], done)
    for name in LINALG:
        setattr(linalg, name, _wrap(getattr(linalg, name), done))
    for name in TENSOR_METHODS:
        setattr(Tensor, name, _wrap(getattr(Tensor, name), done_methods))
    _rebind(done, [(namespace, namespace.__setitem__), (vars(linalg), functools.partial(setattr, linalg))])
    _rebind(done_methods, [(vars(Tensor), functools.partial(setattr, Tensor))])
    # (and those wrapped before: nn.exp is out_arg's with_out of a wrapper when dispatch was on before it; and nn's
    # plain functions that a factory made or a decorator replaced, nn.le or nn.clamp, which pickle by name too:
    # hummingbird's saved trees hold decision_cond=torch.le)
    _name_wrappers([v for v in list(namespace.values()) + list(vars(linalg).values())
                    if isinstance(v, _types.FunctionType) and (getattr(v, "_dispatches", False) or
                                                                _ours(v, namespace["__name__"]))],
                   [namespace, vars(linalg)])


def _ours(fn, package):
    """Whether fn was defined in the package (not a NumPy or functools function that nn's namespace binds)."""
    return (getattr(fn, "__module__", None) or "").partition(".")[0] == package


def _wrap(fn, done):
    if getattr(fn, "_dispatches", False):
        return fn
    return done.setdefault(id(fn), (fn, dispatching(fn)))[1]


def _rebind(done, namespaces):
    aliases = {}                                    # (id(fn), name) -> the wrapper of fn bound under that name
    for names, rebind in namespaces:
        for name, value in list(names.items()):
            fn, wrapper = done.get(id(value), (None, None))
            if fn is value and fn is not None:
                if "__name__" in names and name != fn.__name__ and not name.startswith("_"):
                    # a module's other name for it (nn.concat of cat, nn.swapaxes of transpose): a wrapper of its
                    # own, named so, as PyTorch's are functions of their own (a traced call records that name)
                    wrapper = aliases.get((id(fn), name)) or aliases.setdefault((id(fn), name), _alias(fn, name))
                rebind(name, wrapper)
    _name_wrappers([wrapper for _, wrapper in done.values()] + list(aliases.values()),
                   [names for names, _ in namespaces])


def _rebind_defaults(done, classes):
    """The wrappers in the defaults of the classes' constructors too (TransformerEncoderLayer's activation=F.relu):
    a default stays F's function, one object as in PyTorch, whichever way dispatch is (a layer's
    activation_relu_or_gelu and torchlayers' signature check compare it with F.relu)."""
    for cls in classes:
        init = vars(cls).get("__init__") if isinstance(cls, type) else None
        if isinstance(init, _types.FunctionType) and init.__defaults__:
            init.__defaults__ = tuple(done[id(d)][1] if id(d) in done and done[id(d)][0] is d else d
                                      for d in init.__defaults__)


def _alias(fn, name):
    wrapper = dispatching(fn)
    wrapper.__name__ = wrapper.__qualname__ = name
    return wrapper


def _name_wrappers(wrappers, namespaces):
    """Point each wrapper's __module__ / __qualname__ at a public module that binds it (nn.exp, not the
    nn.tensor_ops file whose name still holds the plain function), so that pickle finds the wrapper by name, as
    pickle.dumps(torch.exp) and a pickled module holding an activation (nflows' MADE: activation=torch.tanh) do in
    PyTorch."""
    import sys                                                  # noqa: PLC0415
    wrappers = {id(wrapper): wrapper for wrapper in wrappers}
    bound = {}                                      # id(wrapper) -> [(module name, name)], in namespace order
    for names in namespaces:
        # a module's names, or Tensor's (a method: Tensor.add, as pickle finds it)
        where, prefix = (names["__name__"], "") if "__name__" in names else (Tensor.__module__, "Tensor.")
        if "__name__" in names or isinstance(names, _types.MappingProxyType):      # (only vars(Tensor) is one)
            for name, value in list(names.items()):
                if id(value) in wrappers:
                    bound.setdefault(id(value), []).append((where, prefix + name))
    for key, wrapper in wrappers.items():
        home = sys.modules.get(getattr(wrapper, "__module__", None) or "")
        if key in bound and getattr(home, wrapper.__qualname__, None) is not wrapper:
            # its own name first, then the first module that binds it
            wrapper.__module__, wrapper.__qualname__ = min(bound[key],
                                                           key=lambda mn: mn[1].rpartition(".")[2] != wrapper.__name__)


def _wrap_everything():
    """Every public function of nn, nn.functional, nn.linalg, nn.fft, nn.special and nn.init, and every public method,
    operator and Tensor-valued property of Tensor, as a dispatching one (the same wrapper wherever one function is
    bound under several names)."""
    import nn                                                   # noqa: PLC0415 - the package imports this module
    from . import functional, linalg, fft, special, init        # noqa: PLC0415
    done = {}
    for module in (nn, functional, linalg, fft, special, init):
        for name, value in list(vars(module).items()):
            if name.startswith("_") or name in _IGNORED:
                continue
            if (isinstance(value, _types.FunctionType) and not getattr(value, "_dispatches", False)
                    and _is_op(value)):
                wrapper = _wrap(value, done)
                if name == value.__name__:              # another name for it gets a wrapper of its own (_rebind)
                    setattr(module, name, wrapper)
            elif isinstance(value, builtin_like) and not getattr(value.__wrapped__, "_dispatches", False):
                value.__wrapped__ = dispatching(value.__wrapped__, value)   # (the object itself is func)
    done_methods = {}
    for name, value in list(vars(Tensor).items()):
        if (isinstance(value, _types.FunctionType) and name not in _IGNORED
                and (not name.startswith("_") or (name.startswith("__") and name.endswith("__")))):
            setattr(Tensor, name, _wrap(value, done_methods))
    for name in _TENSOR_PROPERTIES:
        prop = vars(Tensor).get(name)
        if isinstance(prop, property) and not getattr(prop.fget, "_dispatches", False):
            setattr(Tensor, name, _dispatching_property(prop))
    _rebind(done, [(vars(m), functools.partial(setattr, m)) for m in [nn, functional, linalg, fft, special, init]
                   + _public_modules()])
    _rebind_defaults(done, vars(nn).values())
    _rebind(done_methods, [(vars(Tensor), functools.partial(setattr, Tensor))])
    _name_operators()


# The function PyTorch passes to __torch_function__ for an operator: the named method for most (a + b and 1 + a:
# Tensor.add, 2 < a: Tensor.gt, a += b: Tensor.add_), the operator itself for the rest (a // b: Tensor.__floordiv__,
# a & b: Tensor.__and__, a == b: Tensor.__eq__); recorders name a node after it (torchview's "add").
_OPERATOR_FUNCS = {"__add__": "add", "__radd__": "add", "__sub__": "sub", "__mul__": "mul", "__rmul__": "mul",
                   "__truediv__": "div", "__mod__": "remainder", "__pow__": "pow", "__matmul__": "matmul",
                   "__rand__": "bitwise_and", "__ror__": "bitwise_or", "__rxor__": "bitwise_xor", "__lt__": "lt",
                   "__le__": "le", "__gt__": "gt", "__ge__": "ge", "__ne__": "ne", "__neg__": "neg",
                   "__pos__": "positive", "__abs__": "abs", "__iadd__": "add_", "__isub__": "sub_", "__imul__": "mul_",
                   "__itruediv__": "div_", "__ifloordiv__": "floor_divide_", "__imod__": "remainder_",
                   "__ipow__": "pow_",
                   **{name: name for name in ("__floordiv__", "__rfloordiv__", "__rsub__", "__rmod__", "__rpow__",
                                              "__and__", "__or__", "__xor__", "__lshift__", "__rlshift__",
                                              "__rshift__", "__rrshift__", "__eq__", "__invert__", "__iand__",
                                              "__ior__", "__ixor__", "__ilshift__", "__irshift__")}}


def _name_operators():
    """Each operator of Tensor (already dispatching) handed over as _OPERATOR_FUNCS says: a wrapper of the
    operator's own function whose func is the named method, or which is its own func under the operator's name
    (where nn binds one function under both names: Tensor.__and__ is bitwise_and). A binary operator gets a wrapper
    of its own also where it is its func's function (Tensor.__lt__ is lt, __rand__ bitwise_and): the same func,
    but NotImplemented when no __torch_function__ answers (dispatching's operator)."""
    methods = vars(Tensor)
    for name, func_name in _OPERATOR_FUNCS.items():
        bound, func = methods.get(name), methods.get(func_name)
        raising = name in _NOT_IMPLEMENTED_NEVER
        if bound is None or func is None or (bound is func and name != func_name and raising):
            continue
        wrapper = dispatching(bound._undispatched, None if name == func_name else func, operator=not raising)
        wrapper.__name__, wrapper.__qualname__, wrapper.__module__ = name, "Tensor." + name, Tensor.__module__
        setattr(Tensor, name, wrapper)
    for name in ("__rtruediv__", "__rmatmul__"):    # (their own wrappers, as captured before: a profiler's keys)
        methods[name]._operator = True


# the operators that raise when no __torch_function__ answers: the unary ones, and ==, which PyTorch hands over on
# self alone (MAPTensor == HRRTensor is MAP's element-wise answer there; NotImplemented would make it False)
_NOT_IMPLEMENTED_NEVER = ("__neg__", "__pos__", "__abs__", "__invert__", "__eq__")


def _is_op(fn):
    where = getattr(fn, "__module__", None) or ""
    return (where == "nn" or where.startswith(_OP_MODULES)) and where != "nn.tensor_ops.out_arg"


def _public_modules():
    """nn's other public modules loaded, where a wrapped function may be bound too (nn.to_dlpack is
    nn.utils.dlpack.to_dlpack): not the implementation's (nn.tensor_ops, nn.functional.<file>, private ones)."""
    import sys                                                  # noqa: PLC0415
    found = []
    for name, module in list(sys.modules.items()):
        parts = name.split(".")
        if (parts[0] == "nn" and len(parts) > 1 and module is not None and not any(p.startswith("_") for p in parts)
                and parts[1] not in ("tensor_ops", "kernels", "tensor", "functional", "modules", "autograd")):
            found.append(module)
    return found


def _dispatching_property(prop):
    """prop, its getter dispatching as PyTorch's: the function passed is the property's ``__get__``
    (``func == nn.Tensor.T.__get__``)."""
    fget = prop.fget

    def getter(self):
        if _modes_on() or _overloaded_args((self,)):
            return handle_torch_function(wrapped.__get__, (self,), self)
        return fget(self)
    getter._dispatches = True
    wrapped = property(getter, prop.fset, prop.fdel, prop.__doc__)
    return wrapped


_active = []


def _activate():
    """Make nn's functions dispatch (once): a Tensor subclass that takes part was defined, or a mode entered."""
    if not _active:
        _active.append(True)
        _wrap_everything()
        _show_python_attributes(Tensor)     # plain Tensors too (see there): a subclass's __dict__ can be given them


def _on_subclass(cls):
    if _takes_part(cls):
        _show_python_attributes(cls)
        _activate()


# -- modes ------------------------------------------------------------------------------------------------------

class TorchFunctionMode:
    """torch.overrides.TorchFunctionMode: a context manager whose ``__torch_function__(func, types, args, kwargs)``
    answers every dispatching call made inside it (the innermost mode first; while it answers, it is left, so
    that ``func(*args, **kwargs)`` there runs the function, or reaches the next mode). Lightning's ``_EmptyInit``
    skips the ``nn.init`` calls with one."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        return func(*args, **(kwargs or {}))

    def __enter__(self):
        global _modes_anywhere
        _activate()
        _disabled.modes.append(self)
        with _modes_lock:
            _modes_anywhere += 1
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        global _modes_anywhere
        _disabled.modes.remove(self)
        with _modes_lock:
            _modes_anywhere -= 1

    @classmethod
    def push(cls, *args, **kwargs):
        return cls(*args, **kwargs).__enter__()


def _get_current_function_mode_stack():
    """The modes entered and not yet left, outermost first."""
    return list(_disabled.modes)


def _get_current_function_mode():
    """The innermost mode, or None."""
    return _disabled.modes[-1] if _disabled.modes else None


def is_tensor_method_or_property(func):
    """Whether func is a Tensor method or a property's getter, as torch.overrides.is_tensor_method_or_property."""
    return any(func is value or (isinstance(value, property) and func == value.__get__)
               for value in vars(Tensor).values())


_tensor_init_subclass = vars(Tensor)["__init_subclass__"].__func__


def _init_subclass(cls, **kwargs):
    """Tensor.__init_subclass__, which also turns dispatching on when cls takes part."""
    _tensor_init_subclass(cls, **kwargs)
    _on_subclass(cls)


Tensor.__torch_function__ = classmethod(_tensor_torch_function)
Tensor.__init_subclass__ = classmethod(_init_subclass)

# torch._C's names for the switches (PyTorch defines them there; nn._C cannot import this module)
from . import _C  # noqa: E402
_C.DisableTorchFunctionSubclass, _C.DisableTorchFunction = DisableTorchFunctionSubclass, DisableTorchFunction
_C._is_torch_function_enabled, _C._is_torch_function_mode_enabled = \
    _is_torch_function_enabled, _is_torch_function_mode_enabled
