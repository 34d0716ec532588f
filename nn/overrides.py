"""torch.overrides' protocol for objects that are not Tensors: a type with a ``__torch_function__`` classmethod
answers the nn functions it is passed to, as PyTorch's tensor-likes answer torch's. linear_operator's
LinearOperator (gpytorch's covariance matrices) is such a type: ``torch.matmul(tensor, op)``,
``torch.linalg.cholesky(op)``, ``torch.sum(op, dim=-1)``, ``tensor.add(op)`` reach its methods that way.

A call of a dispatching function scans its arguments (positional, keyword, and the items of a list or tuple
argument, as torch.cat's); when one of them is of such a type, the function does not run: each such type's
``__torch_function__(func, types, args, kwargs)`` is asked in turn (subclasses before their bases, otherwise left
to right), ``func`` being the public function that was called (``nn.matmul``, ``nn.linalg.cholesky``,
``nn.Tensor.add``), and the first answer other than NotImplemented is the result; if all decline, TypeError,
as PyTorch. nn's Tensors take no part (they have no ``__torch_function__``; Tensor subclasses overriding it
are not supported). Which functions dispatch: those ``install`` wraps (the list there)."""
import functools

from .tensor import Tensor

__all__ = ["has_torch_function", "handle_torch_function", "is_tensor_like"]


_overrides = {}      # type -> whether it takes part (asked once per type: most calls pass Tensors and ints)


def _takes_part(kind):
    known = _overrides.get(kind)
    if known is None:
        known = _overrides[kind] = (not issubclass(kind, Tensor)
                                    and getattr(kind, "__torch_function__", None) is not None)
    return known


def _overloaded_args(values):
    """The arguments whose type defines __torch_function__, one per type, subclasses first."""
    found = []
    for value in values:
        for item in (value if isinstance(value, (list, tuple)) else (value,)):
            if not _takes_part(type(item)) or any(type(other) is type(item) for other in found):
                continue
            # before the first argument whose type is a base of this one (PyTorch's order)
            at = next((i for i, other in enumerate(found) if issubclass(type(item), type(other))), len(found))
            found.insert(at, item)
    return found


def has_torch_function(relevant_args):
    """Whether any of the arguments (a tuple) has a type defining __torch_function__ (nn's Tensors do not)."""
    return bool(_overloaded_args(relevant_args))


def is_tensor_like(inp):
    """A Tensor, or an object whose type defines __torch_function__, as torch.overrides.is_tensor_like."""
    return isinstance(inp, Tensor) or getattr(type(inp), "__torch_function__", None) is not None


def handle_torch_function(public_api, relevant_args, *args, **kwargs):
    """public_api(*args, **kwargs) answered by the __torch_function__ of the overloaded types among
    relevant_args, as torch.overrides.handle_torch_function."""
    overloaded = _overloaded_args(relevant_args)
    types = tuple(type(a) for a in overloaded)
    for arg in overloaded:
        result = type(arg).__torch_function__(public_api, types, args, kwargs)
        if result is not NotImplemented:
            return result
    name = getattr(public_api, "__name__", repr(public_api))
    raise TypeError(f"no implementation found for '{name}' on types that implement __torch_function__: "
                    f"{[t for t in types]}")


def dispatching(fn):
    """fn, handing a call over to __torch_function__ when an argument's type defines it (the wrapper itself is
    the function passed, so that types keying their overrides by nn.matmul find it)."""
    @functools.wraps(fn)
    def public(*args, **kwargs):
        if _overloaded_args(args) or (kwargs and _overloaded_args(kwargs.values())):
            return handle_torch_function(public, args + tuple(kwargs.values()), *args, **kwargs)
        return fn(*args, **kwargs)
    public._dispatches = True
    return public


# the functions that dispatch: those linear_operator overrides, and their close kin
TOP_LEVEL = ("matmul", "mm", "bmm", "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
             "abs", "exp", "log", "sqrt", "neg", "clone", "diagonal", "diag", "sum", "mean", "prod", "numel",
             "permute", "transpose", "squeeze", "unsqueeze", "inverse", "logdet", "det", "isclose", "cat", "stack",
             "t", "reshape")
LINALG = ("cholesky", "cholesky_ex", "eigh", "eigvalsh", "solve", "solve_triangular", "svd", "inv", "det", "slogdet")
TENSOR_METHODS = ("matmul", "add", "sub", "mul", "div")


def install(namespace, linalg):
    """Wrap the listed functions of nn's namespace (a dict), of nn.linalg and Tensor's listed methods; every other
    name bound to one of those functions (nn.mm and nn.matmul, nn.absolute and nn.abs, the method Tensor.sum and
    nn.sum) is rebound to its wrapper, so that they stay one object."""
    done = {}

    def wrap(fn):
        if getattr(fn, "_dispatches", False):
            return fn
        return done.setdefault(id(fn), (fn, dispatching(fn)))[1]
    for name in TOP_LEVEL:
        if name in namespace:
            namespace[name] = wrap(namespace[name])
    for name in LINALG:
        setattr(linalg, name, wrap(getattr(linalg, name)))
    for name in TENSOR_METHODS:
        setattr(Tensor, name, wrap(getattr(Tensor, name)))
    for names, rebind in ((namespace, namespace.__setitem__), (vars(linalg), functools.partial(setattr, linalg)),
                          (vars(Tensor), functools.partial(setattr, Tensor))):
        for name, value in list(names.items()):
            fn, wrapper = done.get(id(value), (None, None))
            if fn is value:
                rebind(name, wrapper)


_function_mode_stack = []


class TorchFunctionMode:
    """torch.overrides.TorchFunctionMode: a context manager whose ``__torch_function__(func, types, args, kwargs)``
    PyTorch consults for every torch call made inside it. Modes enter and leave a stack as PyTorch's (nested, the
    innermost on top; ``_get_current_function_mode_stack``), but nn's functions do not consult them: calls inside
    run as without the mode (Lightning's ``_EmptyInit``, which only skips ``nn.init`` calls for speed, enters one)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        return func(*args, **(kwargs or {}))

    def __enter__(self):
        _function_mode_stack.append(self)
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        _function_mode_stack.remove(self)

    @classmethod
    def push(cls, *args, **kwargs):
        return cls(*args, **kwargs).__enter__()


def _get_current_function_mode_stack():
    """The modes entered and not yet left, outermost first."""
    return list(_function_mode_stack)
