"""attach(): install functions as Tensor methods; numpy_axis: NumPy's axis= for dim=, as PyTorch takes it;
parsed_ints: int and tuple-of-ints arguments checked as PyTorch's argument parser checks them."""
import functools
import inspect

import numpy as np

from ..tensor import Tensor, not_a_tensor_error, parser_int, parser_ints, parser_no_signature


def attach(*functions, **named):
    """Tensor.<f.__name__> = f for each function, and Tensor.<name> = f for each keyword."""
    for f in functions:
        setattr(Tensor, f.__name__, f)
    for name, f in named.items():
        setattr(Tensor, name, f)


def numpy_axis(fn):
    """fn, also taking NumPy's axis= for its dim= (PyTorch's reductions and joins take both: torchmetrics writes
    confmat.sum(axis=1, keepdim=True)) and keepdims= for keepdim=, and the out=None / dtype=None NumPy passes on
    when np.sum(x) calls x.sum."""
    params = inspect.signature(fn).parameters
    takes_dtype = "dtype" in params
    # PyTorch's argument parser also takes NumPy's x= / a= / x1= for a parameter named input (linalg.norm)
    input_aliases = {"x", "a", "x1"} - set(params) if "input" in params else ()

    @functools.wraps(fn)
    def with_axis(*args, **kwargs):
        if not kwargs:          # (the common call, positional only: nothing to translate)
            return fn(*args)
        if len(kwargs) == 1 and "dim" in kwargs:        # (x.sum(dim=1): nothing to translate either)
            return fn(*args, **kwargs)
        if input_aliases and not input_aliases.isdisjoint(kwargs):
            given = input_aliases & set(kwargs)
            if len(given) > 1 or "input" in kwargs:     # one name only, as PyTorch's parser (no silent choice)
                raise TypeError(f"{fn.__name__}() got multiple values for argument 'input'")
            kwargs["input"] = kwargs.pop(given.pop())
        if "axis" in kwargs:
            _axis_as_dim(fn.__name__, kwargs)
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        out = kwargs.pop("out", None)       # PyTorch's out= (linear_operator's CG: torch.sum(..., out=alpha))
        if not takes_dtype and kwargs.get("dtype", 0) is None:
            del kwargs["dtype"]
        if out is None:
            return fn(*args, **kwargs)
        from .out_arg import store
        return store(fn.__name__, fn(*args, **kwargs), out)
    return with_axis


def plain_ints(value, kind):
    """Whether value is what PyTorch's parser takes for an argument of kind ("int", "ints", "tuple", "?" after it or
    not) without a look: an int, or a tuple / list of ints (exact types: the common case, passed at ~0.1 us); for
    kind "Tensor", a Tensor (or nn's own array, .data)."""
    if kind == "Tensor":
        return isinstance(value, (Tensor, np.ndarray))
    if type(value) is int:
        return not kind.startswith("tuple")
    return type(value) in (tuple, list) and kind.rstrip("?") != "int" and all(type(d) is int for d in value)


def check_parsed_ints(name, params, kinds, overloaded_at, args, kwargs):
    """PyTorch's TypeError for an int or tuple-of-ints argument of a type its argument parser refuses (x.sum(True),
    x.transpose(True, 0), x.flip('a'), x.cumsum(None), x.sum([True])). kinds: argument name -> "int" or "ints" (a
    tuple of ints, one int taken as one) or "tuple" (a tuple of ints only: rot90's dims), "?" after it when None is
    taken, or "Tensor" (gather's index: "argument 'index' (position 2) must be Tensor, not NoneType"); params: fn's
    parameter names, args / kwargs as a method call got them (positions as the method's: a function's call counts the
    tensor too).
    overloaded_at: the numbers of arguments (after the tensor) at which other signatures of an overloaded fn also fit,
    so that the parser refuses the call as a whole ("received an invalid combination of arguments")."""
    for arg, kind in kinds.items():
        at = params.index(arg)
        if len(args) > at:
            value, position = args[at], at
        elif arg in kwargs:
            value, position = kwargs[arg], None
        else:
            continue
        if value is None and kind.endswith("?"):
            continue
        if kind == "Tensor":
            if not plain_ints(value, kind):
                raise not_a_tensor_error(name, arg, position, value)
            continue
        single = kind.rstrip("?") == "int"
        try:
            if single:
                parser_int(value, name, arg, position)
            else:
                parser_ints(value, name, arg, position, one=kind.rstrip("?") == "ints")
        except TypeError:
            # a later element of a list is unpacked by any signature taking a list, in its own words
            later_element = not single and isinstance(value, (list, tuple)) and value and \
                isinstance(value[0], (int, np.integer)) and not isinstance(value[0], bool)
            if len(args) - 1 + len(kwargs) in overloaded_at and not later_element:
                raise parser_no_signature(name, args[1:], kwargs) from None
            raise


def _axis_as_dim(name, kwargs):
    """kwargs with NumPy's axis= as dim=: PyTorch's argument parser takes either name for a dim (numpy_axis' and
    parsed_ints' functions, at no cost to a call that gives the dim by position)."""
    if "dim" in kwargs:         # (PyTorch's words where one signature has dim; overloaded ones list their signatures)
        raise TypeError(f"{name}() got an unexpected keyword argument 'axis'")
    axis = kwargs.pop("axis")
    if axis is not None:        # (NumPy's axis=None, np.max(x): every dim, fn's default; no dim given)
        kwargs["dim"] = axis


_COMMON_TYPES = {"Tensor": Tensor, "tuple": None}      # (parsed_ints' kinds whose common type is no int)


def parsed_ints(overloaded_at=(), function=False, **kinds):
    """Decorator: fn's int, tuple-of-ints and Tensor arguments checked first, as PyTorch's parser (check_parsed_ints).
    function: fn is no Tensor method (torch.cat), whose words count its first argument as position 1."""
    def decorate(fn):
        params = list(inspect.signature(fn).parameters)
        # (each argument's common type, passed at once: an int, a Tensor; a tuple kind is always looked at)
        spots = [(params.index(arg), arg, kind, _COMMON_TYPES.get(kind.rstrip("?"), int))
                 for arg, kind in kinds.items()]
        if function:
            params.insert(0, None)

        @functools.wraps(fn)
        def checked(*args, **kwargs):
            for at, arg, kind, common in spots:
                if len(args) > at:
                    given = args[at]
                else:
                    if arg == "dim" and "axis" in kwargs:       # (x.unsqueeze(axis=-1): torchstain's augmentor)
                        _axis_as_dim(fn.__name__, kwargs)
                    given = kwargs.get(arg, 0)
                if type(given) is not common and not plain_ints(given, kind):
                    check_parsed_ints(fn.__name__, params, kinds, overloaded_at, (None,) + args if function else args,
                                      kwargs)
                    break
            return fn(*args, **kwargs)
        return checked
    return decorate
