"""attach(): install functions as Tensor methods; numpy_axis: NumPy's axis= for dim=, as PyTorch takes it;
parsed_ints: int and tuple-of-ints arguments checked as PyTorch's argument parser checks them."""
import functools
import inspect
import re
import warnings

import numpy as np

from ..array import DataArray
from ..device import MetaArray
from ..tensor import Tensor, _at, get_rng, not_a_tensor_error, parser_bool, parser_int, parser_ints, \
    parser_no_signature, method_argument_error, parser_type_name, parser_takes_scalar
from .out_arg import dtype_from_out, refuse_non_tensor_out, refuse_overlap, store


def attach(*functions, **named):
    """Tensor.<f.__name__> = f for each function, and Tensor.<name> = f for each keyword."""
    for f in functions:
        setattr(Tensor, f.__name__, _as_method(f, f.__name__))
    for name, f in named.items():
        setattr(Tensor, name, _as_method(f, name))


def _as_method(f, name):
    """f as the Tensor method name: numpy_axis' form without out= where f is numpy_axis' own function; where f takes
    an argument it needs (x.gather(dim, index)), refusing a call its arguments do not bind to in PyTorch's argument
    parser's words (binding_error), at the cost of one Python call (the methods without one, x.sum(), x.view(...),
    are left as they are)."""
    method = getattr(f, "_method", None)
    method = method if method is not None and method._function is f else f
    try:
        params = list(inspect.signature(method).parameters.values())[1:]
    except (TypeError, ValueError):     # (a property, a builtin)
        return method
    if name in _NO_ARGUMENTS or name in _KEYWORDS_ONLY:
        return _without_arguments(method, name)
    if not any(p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return method

    @functools.wraps(method)
    def bound(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except TypeError as error:
            if hasattr(error, "method_words"):      # (a body shared with the function, in the function's words)
                raise TypeError(error.method_words) from None
            words = binding_error(error, name, method, args, kwargs)
            if words is None:
                raise
            if name in _PYTHON_METHODS:     # (Python's own words, the qualified name of PyTorch's method)
                raise TypeError(f"Tensor.{name}{str(error)[str(error).index('('):]}") from error.__cause__
            # (and the function form's, torch.gcd_(x, 0, 1), counting the tensor)
            raise method_argument_error(str(words), str(binding_error(error, name, method, args, kwargs, True))) \
                from error.__cause__
    return bound


def _without_arguments(method, name):
    """method as the Tensor method name, which PyTorch's Tensor takes without arguments: an argument is refused in
    the words of PyTorch's C method ("TensorBase.relu() takes no arguments (1 given)", "TensorBase.relu() takes no
    keyword arguments", the keywords first), or, for those of _KEYWORDS_ONLY, of its parser ("float() takes 0
    positional arguments but 1 was given"; their keywords bind as before). nn's method may take more (F.relu's
    inplace). The wrapper costs one Python call (about 0.05-0.09 us): the methods whose plain call is short
    (x.dim(), x.contiguous(), x.abs()) are in neither set and keep Python's words."""
    if name in _KEYWORDS_ONLY:
        @functools.wraps(method)
        def bound(self, *args, **kwargs):
            if args:
                n = len(args)
                raise TypeError(f"{name}() takes 0 positional arguments but {n} {'was' if n == 1 else 'were'} given")
            try:
                return method(self, **kwargs)
            except TypeError as error:
                words = binding_error(error, name, method, (self,), kwargs)
                if words is None:
                    raise
                raise words from None
        return bound

    @functools.wraps(method)
    def bound(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"TensorBase.{name}() takes no keyword arguments" if kwargs else
                            f"TensorBase.{name}() takes no arguments ({len(args)} given)")
        return method(self)
    return bound


def binding_error(error, name, fn, args, kwargs, function=False):
    """PyTorch's argument parser's TypeError for a call of fn (the Tensor method name, args counting the tensor;
    function: torch.<name>'s) whose arguments do not bind to fn's signature, or None where error (the TypeError the
    call raised) is not Python's own refusal of them (it came from within fn). The parser reads the arguments in
    order: too many by position first ("masked_select() takes 1 positional argument but 2 were given", the tensor
    uncounted for a method), then the first missing one and each later one without a default ('gather() missing 2
    required positional argument: "dim", "index"', the plural as its words have it: 'missing 1 required positional
    arguments: "index"'), then a keyword given twice or unknown ("got multiple values for argument 'dim'", "got an
    unexpected keyword argument 'bogus'"). A method PyTorch overloads refuses the call as a whole ("masked_fill()
    received an invalid combination of arguments - got (int, mask=int), but expected one of:")."""
    if not _PYTHON_BINDING.match(str(error)):      # (fn's own refusal, already in the parser's words)
        return None
    try:
        signature = inspect.signature(fn)
        signature.bind(*args, **kwargs)
        return None
    except TypeError:
        pass
    except ValueError:
        return None
    skip = 0 if function else 1
    if name in (OVERLOADED | OVERLOADED_FUNCTIONS if function else OVERLOADED_METHODS):
        return parser_no_signature(name, args[skip:], kwargs)
    if not function and name in _ONE_SIGNATURE:
        return parser_no_signature(name, args[skip:], kwargs, _ONE_SIGNATURE[name])
    params = [p for p in signature.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    positional = [p for p in params if p.kind is not p.KEYWORD_ONLY]
    if len(args) > len(positional) and not any(p.kind is p.VAR_POSITIONAL for p in signature.parameters.values()):
        n, given = len(positional) - skip, len(args) - skip
        return TypeError(f"{name}() takes {n} positional argument{'' if n == 1 else 's'} but {given} "
                         f"{'was' if given == 1 else 'were'} given")
    for i, p in enumerate(params):
        if not (p.kind is not p.KEYWORD_ONLY and i < len(args) or p.name in kwargs) and p.default is p.empty:
            missing = [f'"{q.name}"' for q in params[i:] if q.default is q.empty]
            return TypeError(f"{name}() missing {len(missing)} required positional argument"
                             f"{'s' if len(missing) == 1 else ''}: {', '.join(missing)}")
    for key in kwargs:
        if key in [p.name for p in positional[:len(args)]]:
            return TypeError(f"{name}() got multiple values for argument '{key}'")
        if key not in signature.parameters:
            return TypeError(f"{name}() got an unexpected keyword argument '{key}'")
    return None


_UNBIASED_OR_CORRECTION = frozenset({"var", "std", "var_mean", "std_mean"})


def numpy_axis(fn, _method=False):
    """fn, also taking NumPy's axis= for its dim= (PyTorch's reductions and joins take both: torchmetrics writes
    confmat.sum(axis=1, keepdim=True)) and keepdims= for keepdim=, and the out=None / dtype=None NumPy passes on
    when np.sum(x) calls x.sum. Its ._method, which attach() installs as the Tensor method, refuses out= as
    PyTorch's methods do (they have none): np.amax(t, axis=1) calls t.max(axis=1, out=None) and raises TypeError."""
    params = inspect.signature(fn).parameters
    takes_dtype = "dtype" in params
    # PyTorch's argument parser also takes NumPy's x= / a= / x1= for a parameter named input (linalg.norm)
    input_aliases = {"x", "a", "x1"} - set(params) if "input" in params else ()
    dim_first = fn.__name__ in _DIM_FIRST     # (a reduction whose call without a dim PyTorch may refuse)
    # a dim after the input without a default, the only argument without one (cumsum, cummax, logsumexp): PyTorch's
    # parser words a call without it (x.cumsum()) its own way, not Python's
    names = list(params)
    needs_dim = names[1:2] == ["dim"] and all(params[n].default is not inspect.Parameter.empty or
                                               params[n].kind is inspect.Parameter.VAR_KEYWORD for n in names[2:])
    needs_dim = needs_dim and params["dim"].default is inspect.Parameter.empty

    @functools.wraps(fn)
    def with_axis(*args, **kwargs):
        if needs_dim and len(args) < 2 and "dim" not in kwargs and "axis" not in kwargs:
            raise TypeError(f'{fn.__name__}() missing 1 required positional arguments: "dim"')
        if not kwargs:          # (the common call, positional only: nothing to translate)
            return fn(*args)
        if len(kwargs) == 1 and "dim" in kwargs:        # (x.sum(dim=1): nothing to translate either)
            return fn(*args, **kwargs)
        if fn.__name__ in _UNBIASED_OR_CORRECTION and (
                len(args) == 2 and isinstance(args[1], bool) or kwargs.get("correction") is not None and (
                    kwargs.get("unbiased") is not None or len(args) > 2 and args[2] is not None)):
            # the old signature (input, bool unbiased) takes no keyword (var(x, False, keepdim=True)), and unbiased
            # and correction belong to two different signatures: PyTorch's parser refuses both given
            # (var(x, dim=1, unbiased=False, correction=0)); std and var_mean pass both on to var, None or not
            raise parser_no_signature(fn.__name__, args[1:] if _method else args, kwargs)
        if _method and "out" in kwargs:
            # PyTorch's parser names the first keyword no signature has (axis= and keepdims= count, once out= fails)
            unknown = next(k for k in kwargs if k not in params)
            raise TypeError(f"{fn.__name__}() got an unexpected keyword argument '{unknown}'")
        if "out" in kwargs and fn.__name__ in _NO_OUT and not (fn.__name__ == "argsort" and "stable" in kwargs):
            # (argsort's one signature with out= is the one with stable=: argsort(x, stable=True, out=indices))
            _refuse_keyword(fn.__name__, "out", args, kwargs)
        if dim_first and len(args) < 2 and kwargs.get("dim", kwargs.get("axis")) is None:  # (no dim given)
            _refuse_without_dim(fn.__name__, args[1:] if _method else args, kwargs)
        if input_aliases and not input_aliases.isdisjoint(kwargs):
            input_from_alias(fn.__name__, "input", input_aliases, fn.__name__ in OVERLOADED, args, kwargs)
        if "axis" in kwargs:
            _axis_as_dim(fn.__name__, kwargs)
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        out = kwargs.pop("out", None)       # PyTorch's out= (linear_operator's CG: torch.sum(..., out=alpha))
        if not takes_dtype and "dtype" in kwargs:      # (None too: PyTorch's signatures have no dtype to take it)
            _refuse_keyword(fn.__name__, "dtype", args[1:] if _method else args, kwargs)
        if out is None:
            return fn(*args, **kwargs)
        refuse_non_tensor_out(fn.__name__, fn.__name__, args, kwargs, out)
        args = dtype_from_out(fn.__name__, args, kwargs, out)
        refuse_overlap(fn.__name__, args, kwargs, out)      # (an out that is part of the input: cumsum, cross)
        return store(fn.__name__, fn(*args, **kwargs), out)
    if not _method:
        with_axis._method = numpy_axis(fn, _method=True)
        with_axis._method._function = with_axis
    return with_axis


def input_from_alias(name, key, aliases, overloaded, args, kwargs):
    """kwargs' one NumPy name for input (x=, a=, x1=: PyTorch's parser takes them, torch.exp(x=t)) moved to key, fn's
    own name for it. With the input also given (by position or keyword) or two such names, the parser takes none:
    its TypeError, "exp() got an unexpected keyword argument 'x'" (the first), or "received an invalid combination
    of arguments" for an overloaded function (name, in PyTorch's words)."""
    given = [k for k in kwargs if k in aliases]
    if len(given) > 1 or key in kwargs or args:
        raise parser_no_signature(name, args, kwargs) if overloaded else \
            TypeError(f"{name}() got an unexpected keyword argument '{given[0]}'")
    kwargs[key] = kwargs.pop(given[0])


# Reductions whose dim PyTorch's parser reads by kind: "ints" (sum, mean: dim=None reduces all; keepdim= needs a
# dim), "int" (no None: x.max(axis=None) is refused; keepdim= needs a dim), "required" (median: no signature
# without it), "int=-1" (mode: a default, but no None)
_DIM_FIRST = {"sum": "ints", "mean": "ints", "prod": "int", "max": "int", "min": "int",
              "median": "required", "nanmedian": "required", "mode": "int=-1"}


def _refuse_without_dim(name, args, kwargs):
    """PyTorch's TypeError for a reduction called with keepdim= (or keepdims=) but no dim, or with dim=None / axis=None
    where its dim is an int (args: those after the tensor, the tensor too for a function call); else nothing."""
    kind = _DIM_FIRST[name]
    keep = not {"keepdim", "keepdims"}.isdisjoint(kwargs) or ("out" in kwargs and name in _NO_OUT_WITHOUT_DIM)
    dim = kwargs.get("dim", kwargs.get("axis", 0))
    if "dim" in kwargs or "axis" in kwargs:
        if dim is not None or kind == "ints":
            return
        if kind != "int" or keep:       # (the one signature with a dim named: its type)
            raise TypeError(f"{name}(): argument 'dim' must be int, not NoneType")
    elif not keep or kind == "int=-1":
        return
    elif kind == "required" or "dtype" in kwargs:     # (x.sum(keepdim=True, dtype=...): the signature with a dtype)
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    raise parser_no_signature(name, args, kwargs)


def _refuse_keyword(name, key, args, kwargs):
    """PyTorch's TypeError for a keyword (key, given in kwargs) none of name's signatures has (args: those after the
    tensor, the tensor too for a function call)."""
    if name in _KEYWORD_OVERLOADED:
        raise parser_no_signature(name, args, kwargs)
    raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")


def plain_ints(value, kind):
    """Whether value is what PyTorch's parser takes for an argument of kind ("int", "ints", "tuple", "?" after it or
    not) without a look: an int, or a tuple / list of ints (exact types: the common case, passed at ~0.1 us); for
    kind "Tensor", a Tensor (or nn's own array, .data); for kind "int|Tensor" (narrow's start, of two signatures),
    an int or a Tensor, which fn checks itself."""
    if kind.rstrip("?") == "Tensor":
        return isinstance(value, (Tensor, np.ndarray))
    if kind == "int|Tensor":
        return type(value) is int or isinstance(value, Tensor)
    if kind == "Number":
        return type(value) in (int, float)
    if kind.rstrip("?") == "bool":      # (a Python bool only: vander(x, 3, 1) is refused)
        return type(value) is bool
    if kind.rstrip("?") == "str":
        return type(value) is str
    if type(value) is int:
        return not kind.startswith("tuple")
    return type(value) in (tuple, list) and kind.rstrip("?") not in _ONE_INT and all(type(d) is int for d in value)


_ONE_INT = frozenset({"int", "SymInt"})       # (parsed_ints' kinds of one int; the others are tuples of ints)


def check_parsed_ints(name, params, kinds, overloaded_at, args, kwargs, function=False, function_overloaded_at=None):
    """PyTorch's TypeError for an int or tuple-of-ints argument of a type its argument parser refuses (x.sum(True),
    x.transpose(True, 0), x.flip('a'), x.cumsum(None), x.sum([True])). kinds: argument name -> "int" or "SymInt" (a
    count or index, which also takes an integer tensor of one element of any shape) or "ints" (a tuple of ints, one
    int taken as one) or "tuple" (a tuple of ints only: rot90's dims), "?" after it when None is taken, or "Tensor"
    (gather's index: "argument 'index' (position 2) must be Tensor, not NoneType") or "int|Tensor" (an int, or a
    Tensor fn checks itself: narrow's start) or "Number" (a Python or NumPy number or a 0-d tensor: "renorm():
    argument 'p' (position 1) must be Number, not NoneType") or "str" (a str or bytes: "fft_rfft(): argument 'norm'
    must be str, not int"); params: fn's parameter names,
    args / kwargs as a method call got them, its refusal carrying the function form's words too
    (method_argument_error; or, function: as a function's call, torch.cat's, with a first parameter None args fill).
    overloaded_at: the numbers of arguments (after the tensor) at which other signatures of an overloaded fn also fit,
    so that the parser refuses the call as a whole ("received an invalid combination of arguments");
    function_overloaded_at: those of the function form where they differ from the method's (torch.max(x, 0, 1) is
    refused as a whole, x.max(0, 1) names keepdim). A kind "bool" takes a Python bool only (parser_bool)."""
    try:
        _check_parsed_ints(name, params, kinds, overloaded_at, args, kwargs, 0)
    except TypeError as error:
        if function:
            raise
        try:        # (the same check counting the tensor: the function form's words)
            _check_parsed_ints(name, params, kinds, overloaded_at if function_overloaded_at is None
                               else function_overloaded_at, args, kwargs, 1)
        except TypeError as as_function:
            raise method_argument_error(str(error), str(as_function)) from None
        raise


def _check_parsed_ints(name, params, kinds, overloaded_at, args, kwargs, tensor_counted):
    """check_parsed_ints' checks, positions counted from the tensor's + tensor_counted (1: a function's call, which
    also names the tensor among the types given to an overloaded function)."""
    given = args[1 - tensor_counted:]       # (the arguments an overloaded function's words list)
    unpacking = None    # (a later element's refusal: PyTorch's parser checks every argument's type first, then its
    # generated call unpacks the lists, last argument first, as GCC evaluates a call's arguments: the last one named)
    for arg, kind in kinds.items():
        at = params.index(arg)
        if len(args) > at:
            value, position = args[at], at + tensor_counted
        elif arg in kwargs:
            value, position = kwargs[arg], None
        else:
            continue
        if value is None and kind.endswith("?"):
            continue
        if kind.rstrip("?") == "bool":
            if type(value) is not bool:
                if len(args) - 1 + len(kwargs) in overloaded_at:
                    raise parser_no_signature(name, given, kwargs)
                parser_bool(value, name, arg, position)
            continue
        if kind.rstrip("?") == "Tensor":
            if not plain_ints(value, kind):
                if len(args) - 1 + len(kwargs) in overloaded_at:    # (scatter(0, [0], src): no signature fits)
                    raise parser_no_signature(name, given, kwargs)
                raise not_a_tensor_error(name, arg, position, value)
            continue
        if kind.rstrip("?") == "str":           # (a str, or bytes, which the parser decodes: fft's norm)
            if not isinstance(value, (str, bytes)):
                raise TypeError(f"{name}(): argument '{arg}'{_at(position)} must be str, not "
                                f"{parser_type_name(value)}")
            continue
        if kind.rstrip("?") == "Number":        # (a Python or NumPy number, or a 0-d tensor: renorm's p and maxnorm;
            # not one that requires grad: full(2, tensor(1.0, requires_grad=True)) is refused, as renorm's p)
            if not (isinstance(value, (int, float, complex, np.number, np.bool_)) or
                    isinstance(value, Tensor) and value.ndim == 0 and not value.requires_grad):
                if len(args) - 1 + len(kwargs) in overloaded_at:    # (var(x, correction='a'))
                    raise parser_no_signature(name, given, kwargs)
                raise TypeError(f"{name}(): argument '{arg}'{_at(position)} must be Number, not "
                                f"{parser_type_name(value)}")
            continue
        if kind == "int|Tensor":
            if isinstance(value, Tensor):
                continue
            kind = "int"
        single = kind.rstrip("?") in _ONE_INT
        try:
            if single:
                parser_int(value, name, arg, position, sym=kind.rstrip("?") == "SymInt")
            else:
                parser_ints(value, name, arg, position, one=kind.rstrip("?") == "ints")
        except TypeError as error:
            # a later element of a list is unpacked by any signature taking a list, in its own words
            later_element = not single and isinstance(value, (list, tuple)) and value and \
                isinstance(value[0], (int, np.integer)) and not isinstance(value[0], bool)
            if len(args) - 1 + len(kwargs) in overloaded_at and not later_element:
                raise parser_no_signature(name, given, kwargs) from None
            if not later_element:
                raise
            unpacking = error
    if unpacking is not None:
        raise unpacking


def _axis_as_dim(name, kwargs, none_is_default=True):
    """kwargs with NumPy's axis= as dim=: PyTorch's argument parser takes either name for a dim (numpy_axis' and
    parsed_ints' functions, at no cost to a call that gives the dim by position). none_is_default: axis=None is no
    dim given (a reduction's); else it is dim=None (refused where a dim is required: scatter(axis=None))."""
    if "dim" in kwargs:         # (PyTorch's words where one signature has dim; overloaded ones list their signatures)
        raise TypeError(f"{name}() got an unexpected keyword argument 'axis'")
    axis = kwargs.pop("axis")
    if axis is not None or not none_is_default:   # (NumPy's axis=None, np.max(x): every dim, fn's default)
        kwargs["dim"] = axis


# (parsed_ints' kinds whose common type is no int)
_COMMON_TYPES = {"Tensor": Tensor, "tuple": None, "Number": float, "bool": bool, "str": str}


def parsed_ints(overloaded_at=(), function=False, words=None, **kinds):
    """Decorator: fn's int, tuple-of-ints and Tensor arguments checked first, as PyTorch's parser (check_parsed_ints).
    function: fn is no Tensor method (torch.cat), whose words count its first argument as position 1. words: the
    name PyTorch's words give fn, where it is not fn's own (fft_fftfreq)."""
    def decorate(fn):
        name = words or fn.__name__
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
                        _axis_as_dim(name, kwargs, none_is_default=False)
                    if arg not in kwargs:       # (its default: nothing to check)
                        continue
                    given = kwargs[arg]
                if type(given) is not common and not plain_ints(given, kind):
                    check_parsed_ints(name, params, kinds, overloaded_at, (None,) + args if function else args,
                                      kwargs, function)
                    break
            return fn(*args, **kwargs)
        return checked
    return decorate


# -- a Python value where a function takes a Tensor first ------------------------------------------------------------

# what PyTorch's parser never takes as a Tensor: Python's values, NumPy's arrays and scalars (none answers
# __torch_function__; nn's own arrays, a tensor's .data, stay taken)
_PYTHON_VALUES = frozenset({int, float, bool, complex, str, type(None), list, tuple, dict, np.ndarray} |
                           {kind for kind in np.sctypeDict.values() if issubclass(kind, np.generic)})
_OWN_ARRAYS = (Tensor, DataArray, MetaArray)
# PyTorch's functions with a signature that takes a number first (torch.add(2, t), torch.pow(2, t), the special
# polynomials' x): left to compute
SCALAR_FIRST = frozenset({
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide", "remainder", "pow",
    "float_power", "xlogy", "bucketize", "isin", "result_type", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_left_shift", "bitwise_right_shift", "addmm", "addmv", "addmv_", "addr", "addbmm", "baddbmm",
    # (the last: the deprecated orders, addmm(beta, input, alpha, mat1, mat2))
    "special.xlogy", "special.xlog1py", "special.zeta", "special.chebyshev_polynomial_t",
    "special.chebyshev_polynomial_u", "special.chebyshev_polynomial_v", "special.chebyshev_polynomial_w",
    "special.shifted_chebyshev_polynomial_t", "special.shifted_chebyshev_polynomial_u",
    "special.shifted_chebyshev_polynomial_v", "special.shifted_chebyshev_polynomial_w", "special.hermite_polynomial_h",
    "special.hermite_polynomial_he", "special.laguerre_polynomial_l", "special.legendre_polynomial_p"})
# PyTorch's functions written in Python (they fail their own ways: torch.norm(2.0)'s AttributeError, torch.split's
# missing argument) or removed (torch.solve's RuntimeError), and those whose first argument is no tensor's alone
_OWN_WAYS = frozenset({"norm", "split", "stft", "istft", "unique", "lu", "lobpcg",
                       "pca_lowrank", "svd_lowrank", "solve", "lstsq", "symeig", "eig", "matrix_rank",
                       "repeat_interleave", "chain_matmul", "cdist", "tensordot", "einsum", "atleast_1d",
                       "atleast_2d", "atleast_3d", "block_diag", "broadcast_tensors", "cartesian_prod", "meshgrid",
                       "align_tensors", "is_tensor", "is_storage", "typename",
                       "set_warn_always"})        # (its b, a bool: nn.set_warn_always(True) was refused as no Tensor)
# PyTorch's overloaded functions: a Python value first matches none of their signatures ("var() received an
# invalid combination of arguments - got (float), but expected one of:")
OVERLOADED = frozenset({
    "addcdiv", "addcmul", "all", "any", "bmm", "clamp",
    "clamp_", "clamp_max", "clamp_max_", "clamp_min", "clamp_min_", "clip", "clip_", "copysign", "dsmm", "dsplit",
    "eq", "fill", "fill_", "fmod", "ge", "greater", "greater_equal", "gt", "histogramdd", "hsplit", "index_fill",
    "le", "lerp", "less", "less_equal", "lt", "masked_fill", "mm", "moveaxis", "movedim", "nanquantile", "narrow",
    "ne", "not_equal", "quantile", "randint_like", "rsub", "scatter", "spmm", "std", "std_mean", "tensor_split", "var",
    "var_mean", "vsplit", "xlogy_", "linalg.matrix_rank", "linalg.pinv"})
# Python's words for arguments that do not bind to a function (its qualified name first)
_PYTHON_BINDING = re.compile(r"[\w.<>]+\(\) (missing \d+ required (positional|keyword-only) arguments?: '|takes \d+ "
                             r"positional arguments? but \d+ (was|were) given|got (an unexpected keyword argument|"
                             r"multiple values for argument) ')")
# PyTorch's Tensor methods with several signatures its parser words (a call none binds to: "eq() received an invalid
# combination of arguments - got (), but expected one of:")
OVERLOADED_METHODS = frozenset({
    "all", "any", "argsort", "bernoulli", "clamp", "clip", "count_nonzero", "histogram", "max", "mean", "min",
    "nonzero", "prod", "random_", "repeat_interleave", "round", "sort", "squeeze", "std", "sum", "to_sparse", "var",
    "bernoulli_", "clamp_", "clip_", "round_", "squeeze_", "bitwise_and", "bitwise_left_shift", "bitwise_or",
    "bitwise_right_shift", "bitwise_xor", "clamp_max", "clamp_min",
    "copysign", "div", "divide", "dsplit", "eq", "fill_", "float_power", "floor_divide", "fmod", "ge", "greater",
    "greater_equal", "gt", "hsplit", "index_fill", "le", "lerp", "less", "less_equal", "lt", "masked_fill", "moveaxis",
    "movedim", "multiply", "nanquantile", "narrow", "ne", "not_equal", "pow", "quantile", "remainder", "scatter",
    "subtract", "tensor_split", "true_divide", "view", "vsplit", "where", "xlogy"} |
    {name + "_" for name in ("bitwise_and", "bitwise_left_shift", "bitwise_or", "bitwise_right_shift", "bitwise_xor",
                             "clamp_max", "clamp_min", "copysign", "div", "divide", "eq", "float_power",
                             "floor_divide", "fmod", "ge", "greater", "greater_equal", "gt", "index_fill", "le", "lerp",
                             "less", "less_equal", "lt", "masked_fill", "multiply", "ne", "not_equal", "pow",
                             "remainder", "scatter", "subtract", "true_divide", "xlogy")})
# and the functions of several signatures that a call not binding to nn's (torch.div(x)) matches none of
OVERLOADED_FUNCTIONS = frozenset({
    "addmm", "baddbmm", "bernoulli", "bitwise_and", "bitwise_left_shift", "bitwise_or", "bitwise_right_shift",
    "bitwise_xor", "bucketize", "conv1d", "conv2d", "conv3d", "div", "divide", "float_power", "floor_divide",
    "gradient", "histogram", "isin", "mean", "multiply", "nuclear_norm", "pow", "remainder",
    "repeat_interleave", "round", "searchsorted", "squeeze_copy", "subtract", "true_divide", "view_copy", "where",
    "xlogy"})
# the methods whose other signatures PyTorch's parser hides (deprecated): the one it shows
_ONE_SIGNATURE = {name: signature for names, signature in (
    (("add", "sub", "add_", "sub_"), "Tensor other, *, Number alpha = 1"),
    (("addbmm", "baddbmm", "addbmm_", "baddbmm_"),
     "Tensor batch1, Tensor batch2, *, Number beta = 1, Number alpha = 1"),
    (("addcdiv", "addcmul", "addcdiv_", "addcmul_"), "Tensor tensor1, Tensor tensor2, *, Number value = 1"),
    (("addmm", "addmm_"), "Tensor mat1, Tensor mat2, *, Number beta = 1, Number alpha = 1"),
    (("addmv", "addmv_"), "Tensor mat, Tensor vec, *, Number beta = 1, Number alpha = 1"),
    (("addr", "addr_"), "Tensor vec1, Tensor vec2, *, Number beta = 1, Number alpha = 1"),
    (("copy_",), "Tensor other, bool non_blocking = False")) for name in names}
# PyTorch's Tensor methods that take no argument (C methods: "TensorBase.exp() takes no arguments (1 given)"), but
# those whose plain call on a small tensor takes under about 2 us, left unwrapped (a wrapper would cost them 3-60%):
# abs, absolute, arcsinh, arctan, asinh, atan, ceil, clone, coalesce, col_indices, conj, conj_physical, contiguous,
# cos, cosh, cpu, data_ptr, detach, detach_, dim, double, element_size, exp2, expm1, fix, floor, get_device, the is_*
# queries, isfinite, isinf, isnan, isneginf, isreal, item, logical_not, ndimension, neg, negative, nelement, numel,
# numpy, positive, resolve_conj, resolve_neg, retain_grad, signbit, sin, sinh, square, tan, tolist, trunc
_NO_ARGUMENTS = frozenset({
    "abs_", "absolute_", "acos", "acos_", "acosh", "acosh_", "adjoint", "angle", "arccos", "arccos_", "arccosh",
    "arccosh_", "arcsin", "arcsin_", "arcsinh_", "arctan_", "arctanh", "arctanh_", "argwhere", "asin", "asin_",
    "asinh_", "atan_", "atanh", "atanh_", "bitwise_not", "bitwise_not_", "ceil_", "corrcoef", "cos_", "cosh_",
    "crow_indices", "deg2rad", "deg2rad_", "det", "digamma", "digamma_", "erf", "erf_", "erfc", "erfc_", "erfinv",
    "erfinv_", "exp", "exp2_", "exp_", "expm1_", "fix_", "fliplr", "flipud", "floor_", "frac", "frac_", "frexp",
    "geqrf", "i0", "i0_", "indices", "inverse", "isposinf", "lgamma", "lgamma_", "log",
    "log10", "log10_", "log1p", "log1p_", "log2", "log2_", "log_", "logdet", "logical_not_", "matrix_exp", "msort",
    "neg_", "negative_", "rad2deg", "rad2deg_", "ravel", "reciprocal", "reciprocal_", "relu", "relu_",
    "rsqrt", "rsqrt_", "sgn", "sgn_", "sigmoid", "sigmoid_", "sign", "sign_", "sin_", "sinc", "sinc_", "sinh_",
    "slogdet", "sqrt", "sqrt_", "square_", "storage_offset", "t", "t_", "tan_", "tanh", "tanh_", "trace", "trunc_",
    "values", "zero_"})
# and those whose only arguments are keywords (the parser's "float() takes 0 positional arguments but 1 was given")
_KEYWORDS_ONLY = frozenset({
    "aminmax", "bfloat16", "bool", "byte", "cdouble", "cfloat", "char", "cov", "float", "half", "int", "long",
    "short"})
# PyTorch's Tensor methods written in Python, refused in Python's words ("Tensor.unflatten() missing 2 required
# positional arguments: 'dim' and 'sizes'")
_PYTHON_METHODS = frozenset({"istft", "lstsq", "lu", "norm", "solve", "split", "stft", "unflatten", "unique",
                             "unique_consecutive"})
# and those overloaded where one signature takes the tensor alone (torch.max(2.0) names the tensor): a keyword
# none of them has is "received an invalid combination of arguments" too
_KEYWORD_OVERLOADED = OVERLOADED | {"max", "min", "sort", "argsort", "count_nonzero", "squeeze", "sum", "prod",
                                    "trapezoid", "trapz", "cumulative_trapezoid"}
# numpy_axis' functions whose PyTorch signatures have no out= (sum, prod and median have none without a dim)
_NO_OUT = frozenset({"count_nonzero", "argsort", "squeeze", "tensor_split", "unsafe_chunk", "unsafe_split",
                     "std_mean", "var_mean", "trapezoid", "trapz", "cumulative_trapezoid"})
_NO_OUT_WITHOUT_DIM = frozenset({"sum", "prod", "median", "nanmedian"})
# the name PyTorch's parser gives a first argument that nn names otherwise (torch.det's input is nn's A)
_PARSER_NAMES = {"A": "input", "L": "input", "B": "input", "b": "input"}
_ARG_A = frozenset({"linalg." + name for name in (
    "inv", "inv_ex", "det", "slogdet", "svd", "svdvals", "qr", "solve", "solve_ex", "lu_factor",
    "lu_factor_ex", "lu", "matrix_rank", "pinv", "ldl_solve", "diagonal")})
_ARG_X = frozenset({"special." + name for name in ("airy_ai", "scaled_modified_bessel_k0",
                                                       "scaled_modified_bessel_k1", "spherical_bessel_j0")})
# the first parameters that are a Tensor in PyTorch's signatures (torch.normal's mean is also a float's)
_FIRST_TENSORS = frozenset({"input", "A", "L", "B", "b", "x", "x1", "y", "input1", "condition", "real", "abs",
                            "count", "anchor", "LD", "LU", "LU_data"})


def tensor_first(fn, name, qualified):
    """fn (a function of nn's namespace whose first argument is a Tensor), refusing a Python number, None, a str, a
    list, a tuple, a NumPy array or scalar there as PyTorch's argument parser does, before computing: "abs():
    argument 'input' (position 1) must be Tensor, not float" (nn.neg(2.0) computed -2.0, nn.abs(2.0) raised
    AttributeError); given by keyword, no position ("exp(): argument 'input' must be Tensor, not float"). name:
    "erfinv", "special.erfinv"; qualified: its name in PyTorch's words ("special_erfinv"). A check of one type per
    call (~0.2 us); fn is run only to learn its own parser's words when refusing."""
    key = next(iter(inspect.signature(fn).parameters))
    words = "A" if name in _ARG_A else "x" if name in _ARG_X else _PARSER_NAMES.get(key, key)
    overloaded = name in OVERLOADED
    renamed = words if words != key else None       # PyTorch's keyword for it (torch.det(input=t)): taken too

    def refusal(args, kwargs, position, given):
        # where fn has parser checks of its own, they tell whether several of PyTorch's signatures fit the call
        # (sum(True, dim=0): "received an invalid combination of arguments") or one (sum(True), mm([1.0], b)); else
        # OVERLOADED does (the tensor alone fits none of an overloaded function's signatures: quantile(2.0))
        several = overloaded
        drawn = get_rng().bit_generator.state       # (fn may compute: a draw (bernoulli(0.5)) or a warning is undone)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fn(*args, **kwargs)
        except TypeError as error:
            if str(error).startswith(qualified + "()") and (not overloaded or len(args) + len(kwargs) > 1):
                several = str(error).startswith(qualified + "() received an invalid combination")
        except Exception:       # noqa: BLE001 - nn's own failure, on a value PyTorch refuses first
            pass
        finally:
            get_rng().bit_generator.state = drawn
        return parser_no_signature(qualified, args, kwargs) if several else \
            not_a_tensor_error(qualified, words, position, given)

    # NumPy's names PyTorch's parser also takes for a parameter named input (torch.exp(x=t)), where fn has none
    aliases = frozenset({"x", "a", "x1"} - set(inspect.signature(fn).parameters)) if words == "input" else ()

    @functools.wraps(fn)
    def parsed(*args, **kwargs):
        if kwargs:
            if renamed is not None and renamed in kwargs and key not in kwargs:
                kwargs[key] = kwargs.pop(renamed)
            if aliases and not aliases.isdisjoint(kwargs):
                input_from_alias(qualified, key, aliases, overloaded, args, kwargs)
        if args:
            if type(args[0]) is not Tensor and not _taken_as_tensor(args[0]):
                raise refusal(args, kwargs, 1, args[0]) from None
        elif key in kwargs and not _taken_as_tensor(kwargs[key]):
            raise refusal(args, kwargs, None, kwargs[key]) from None
        try:
            return fn(*args, **kwargs)
        except TypeError as error:      # (fn is also a Tensor method: the parser's words for the function form)
            if not hasattr(error, "function_words"):
                # (or a call whose arguments do not bind)
                words = binding_error(error, qualified, fn, args, kwargs, function=True)
                if words is None:
                    raise
                raise words from error.__cause__
            words = error.function_words        # (a method's words name it as the Tensor method: linalg_ prefixed)
            short = name.rpartition(".")[2]
            if qualified != short and words.startswith(short + "()"):
                words = qualified + words[len(short):]
            raise TypeError(words) from None
    return parsed


def _taken_as_tensor(value):
    """Whether PyTorch's parser takes value as a Tensor: a Tensor, or an object answering __torch_function__; nn also
    takes its own arrays (a tensor's .data). Anything else is refused, a Fraction, a set, an ndarray subclass."""
    return type(value) not in _PYTHON_VALUES and (isinstance(value, _OWN_ARRAYS) or
                                                   hasattr(type(value), "__torch_function__"))


_NUMBERS = frozenset({int, float, bool, complex})


def fill_value_parsed(name, params, masks=()):
    """fn (masked_fill, masked_fill_, fill, fill_, index_fill, whose parameters are params), its value read as PyTorch's
    parser reads it: each of their signatures takes a Tensor value or a Number one, so any other value (perfusion's
    tuple of one token id, a str, None, a list, a NumPy array, a Fraction), or a mask in masks that is no Tensor, is
    the call's TypeError naming the types given ("masked_fill() received an invalid combination of arguments - got
    (Tensor, tuple), but expected one of:"; the function form names the input too, keywords last in the parser's order),
    where nn filled or failed converting the value; a NumPy mask too ("got (numpy.ndarray, float)")."""
    value_at = params.index("value")
    mask_at = params.index(masks[0]) if masks else None        # (masked_fill's one mask)

    def taken(given):
        return "value" in given and (_taken_as_tensor(given["value"]) or parser_takes_scalar(given["value"])) and \
            all(m not in given or _taken_as_tensor(given[m]) for m in masks)

    def decorate(fn):
        @functools.wraps(fn)
        def parsed(*args, **kwargs):
            if not kwargs and len(args) == len(params):       # (the common call: all by position)
                value = args[value_at]
                if (type(value) in _NUMBERS or isinstance(value, Tensor)) and \
                        (mask_at is None or isinstance(args[mask_at], Tensor)):
                    return fn(*args)
            given = dict(zip(params, args))
            if len(args) > len(params) or not given.keys().isdisjoint(kwargs) or not set(kwargs) <= set(params):
                return fn(*args, **kwargs)                    # (Python's binding error, worded by the callers)
            given.update(kwargs)
            if taken(given):
                return fn(*args, **kwargs)
            function_words = str(parser_no_signature(name, args, kwargs))
            if "input" in kwargs:       # (only the function form names its input)
                raise TypeError(function_words)
            raise method_argument_error(str(parser_no_signature(name, args[1:], kwargs)), function_words)
        return parsed
    return decorate


def refuse_python_values(modules):
    """tensor_first over the public functions of modules ((module, prefix) pairs: nn, nn.special as "special."...)
    whose first parameter is a Tensor (_FIRST_TENSORS: input, or A, L, B, b in nn's linear algebra, ...), but
    PyTorch's functions that take a number first or fail their own ways. Each name gets its own wrapper
    (torch.absolute(2.0) words "absolute()")."""
    import types                                                # noqa: PLC0415
    from ..overrides import _name_wrappers, dispatching         # noqa: PLC0415 - overrides imports this package
    wrappers = []
    for module, prefix in modules:
        for name, value in list(vars(module).items()):
            qualified = prefix + name
            if (name.startswith("_") or not isinstance(value, types.FunctionType) or qualified in SCALAR_FIRST
                    or qualified in _OWN_WAYS):
                continue
            try:
                params = list(inspect.signature(value).parameters.values())
            except (TypeError, ValueError):
                continue
            if not params or params[0].kind not in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD) \
                    or params[0].name not in _FIRST_TENSORS:
                continue
            words = prefix.replace(".", "_") + name
            if getattr(value, "_dispatches", False):
                # inside the __torch_function__ wrapper, which stays the function bound here and handed over (a
                # type's override keyed by nn.matmul finds it)
                wrapper = dispatching(tensor_first(value._undispatched, qualified, words),
                                      operator=value._operator)
                wrapper.__name__, wrapper.__qualname__ = value.__name__, value.__qualname__     # (an alias's)
            else:
                wrapper = tensor_first(value, qualified, words)
            setattr(module, name, wrapper)
            wrappers.append(wrapper)
    _name_wrappers(wrappers, [vars(module) for module, _ in modules])
