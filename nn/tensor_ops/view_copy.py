"""PyTorch's view copies, torch.<view>_copy (torch.transpose_copy(x, 0, 1), torch.split_copy(x, 2)): the view op's
result in memory of its own (C-contiguous; writing into it leaves the input alone), differentiable as the view is
(the view op, then a copy the gradient passes through unchanged), with out= through with_out (nn/__init__.py).
One table gives each copy its view op and PyTorch's signature for it: the arguments are read as PyTorch's parser
reads them, in the copy's name ("select_copy(): argument 'dim' (position 2) must be int, not str"), and the view
op's own checks then raise in the view's words, as PyTorch's copies do ("select(): index 5 out of range ...").
Left out: indices_copy (PyTorch's runs on no tensor of the CPU: a sparse COO one is its NotImplementedError) and
ccol_indices_copy / row_indices_copy (nn has no compressed-column accessors)."""
import inspect

import numpy as np

from ..dtypes import dtype as _dtype
from ..linalg import _no_derivative
from ..tensor import Tensor, is_grad_enabled, method_argument_error, parser_no_signature, _normalize_axes
from ._attach import attach, check_parsed_ints, plain_ints
from .complex import view_as_complex, view_as_real
from .convert import detach
from . import shape


def _slice(input, dim=0, start=None, end=None, step=1):
    """ATen's slice: input[start:end:step] along dim, the bounds clamped to the dim as Python's slice clamps them."""
    if input.ndim == 0:                 # (PyTorch's checks and words)
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = _normalize_axes(dim, input.ndim)[0]
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    return input[(slice(None),) * d + (slice(start, end, step),)]


def _view(input, size=None, dtype=None):
    """view_copy's two signatures: view(size) or view(dtype) (the dtype view of a tensor that is not contiguous is
    taken of its contiguous copy, as PyTorch's copy checks only the last dim)."""
    if dtype is None:
        return shape.reshape(input, tuple(size))
    if input.ndim and input._data.strides[-1] == input._data.itemsize and not input._data.flags.c_contiguous:
        input = shape.contiguous(input)
    return shape.view(input, dtype)


# name -> (the view op, PyTorch's signature after the input (a stub: its parameters and defaults), the parser's kind
# of each argument (check_parsed_ints)); squeeze and view are overloaded (_overloaded)
_COPIES = {
    "alias": (lambda input: input, lambda: None, {}),
    "as_strided": (shape.as_strided, lambda size, stride, storage_offset=None: None,
                   {"size": "tuple", "stride": "tuple", "storage_offset": "SymInt?"}),
    "detach": (detach, lambda: None, {}),
    "diagonal": (shape.diagonal, lambda offset=0, dim1=0, dim2=1: None,
                 {"offset": "int", "dim1": "int", "dim2": "int"}),
    "expand": (lambda input, size, implicit=False: shape.expand(input, size), lambda size, *, implicit=False: None,
               {"size": "tuple", "implicit": "bool"}),
    "narrow": (shape.narrow, lambda dim, start, length: None, {"dim": "int", "start": "SymInt", "length": "SymInt"}),
    "permute": (shape.permute, lambda dims: None, {"dims": "tuple"}),
    "select": (shape.select, lambda dim, index: None, {"dim": "int", "index": "SymInt"}),
    "slice": (_slice, lambda dim=0, start=None, end=None, step=1: None,
              {"dim": "int", "start": "SymInt?", "end": "SymInt?", "step": "SymInt"}),
    "split": (shape.split, lambda split_size, dim=0: None, {"split_size": "SymInt", "dim": "int"}),
    "split_with_sizes": (lambda input, split_sizes, dim=0: shape.split(input, list(split_sizes), dim),
                         lambda split_sizes, dim=0: None, {"split_sizes": "tuple", "dim": "int"}),
    "squeeze": (shape.squeeze, None, {}),
    "t": (shape.t, lambda: None, {}),
    "transpose": (shape.transpose, lambda dim0, dim1: None, {"dim0": "int", "dim1": "int"}),
    "unbind": (shape.unbind, lambda dim=0: None, {"dim": "int"}),
    "unfold": (shape.unfold, lambda dimension, size, step: None, {"dimension": "int", "size": "int", "step": "int"}),
    "unsqueeze": (shape.unsqueeze, lambda dim: None, {"dim": "int"}),
    "view": (_view, None, {}),
    "view_as_real": (view_as_real, lambda: None, {}),
    "view_as_complex": (view_as_complex, lambda: None, {}),
    "values": (lambda input: input.values(), lambda: None, {}),
    "crow_indices": (lambda input: input.crow_indices(), lambda: None, {}),
    "col_indices": (lambda input: input.col_indices(), lambda: None, {}),
}
# the copies whose autograd kernel refuses a complex result that requires grad (their derivative formulas are not
# marked for complex outputs)
_REAL_GRAD_ONLY = frozenset({"select", "slice", "view_as_complex"})


def _parsed(name, stub, kinds, input, args, kwargs):
    """The call's arguments after the input, by stub's parameters, as PyTorch's parser reads them -> positional args;
    else its TypeError: too many ("transpose_copy() takes 3 positional arguments but 4 were given"), then each
    argument in order, given twice, missing (with those after it, its plural as PyTorch's words have it) or of a
    wrong type (check_parsed_ints, in the copy's name), then a keyword it does not know. Positions are counted as
    the method's (x.narrow_copy), the function's words carried along (method_argument_error; tensor_first raises
    them for torch.narrow_copy)."""
    params = list(inspect.signature(stub).parameters.values())
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    if len(args) > len(positional):
        least, most = sum(p.default is p.empty for p in params), len(positional)
        words = [f"{name}() takes " + (f"from {least + k} to {most + k} positional arguments" if least < most else
                                       f"{most + k} positional argument{'s' if most + k > 1 else ''}") +
                 f" but {len(args) + k} were given" for k in (0, 1)]
        raise method_argument_error(*words)
    for i, p in enumerate(params):
        if i < len(args) and p.name in kwargs:
            raise TypeError(f"{name}() got multiple values for argument '{p.name}'")
        if i >= len(args) and p.name not in kwargs:
            if p.default is p.empty:
                missing = [f'"{q.name}"' for q in params[i:] if q.default is q.empty]
                raise TypeError(f"{name}() missing {len(missing)} required positional argument"
                                f"{'s' if len(missing) == 1 else ''}: {', '.join(missing)}")
            continue
        if not plain_ints(args[i] if i < len(args) else kwargs[p.name], kinds[p.name]):
            check_parsed_ints(name, ["input", *(q.name for q in params)], {p.name: kinds[p.name]}, (),
                              (input, *args), kwargs)
    unknown = [k for k in kwargs if k not in {p.name for p in params}]
    if unknown:
        raise TypeError(f"{name}() got an unexpected keyword argument '{unknown[0]}'")
    return tuple(args) + tuple(kwargs.get(p.name, p.default) for p in params[len(args):])


def _overloaded(name, input, args, kwargs):
    """squeeze_copy's (no dim, an int, a tuple of ints) and view_copy's (a tuple of ints, a dtype) signatures ->
    the view's arguments, or the parser's "received an invalid combination of arguments"."""
    given = list(args) + list(kwargs.values())
    if name == "squeeze_copy" and set(kwargs) <= {"dim"} and len(given) <= 1:
        if not given or plain_ints(given[0], "ints"):
            return tuple(given), {}
    elif name == "view_copy" and len(given) == 1:
        if set(kwargs) <= {"dtype"} and isinstance(given[0], (_dtype, np.dtype)):
            return (), {"dtype": given[0]}
        if set(kwargs) <= {"size"} and plain_ints(given[0], "tuple"):
            return (given[0],), {}
    raise parser_no_signature(name, (input,) + tuple(args), kwargs)


def _copy_of_view(view_name):
    """torch.<view_name>_copy."""
    view, stub, kinds = _COPIES[view_name]
    name = view_name + "_copy"

    def copy(input, *args, **kwargs):
        if stub is None:
            args, kwargs = _overloaded(name, input, args, kwargs)
        else:
            args, kwargs = _parsed(name, stub, kinds, input, args, kwargs), {}
        result = view(input, *args, **kwargs)
        if view_name == "detach":         # (PyTorch's detach_copy has no derivative formula: its backward raises)
            return _no_derivative(np.array(result._data, order="C"), (input,), name)
        if isinstance(result, tuple):       # (split, unbind: each piece copied)
            return tuple(_copied(piece, name) for piece in result)
        return _copied(result, name)

    copy.__name__ = copy.__qualname__ = name
    copy.__doc__ = f"torch.{name}(input, ...): input.{view_name}(...) in memory of its own."
    return copy


def _copied(view, name):
    """view's values in a new C-contiguous array, in the graph (the gradient passes unchanged)."""
    if view.requires_grad and view._data.dtype.kind == "c" and name[:-5] in _REAL_GRAD_ONLY and is_grad_enabled():
        raise RuntimeError(f"{name} does not support automatic differentiation for outputs with complex dtype.")
    # (named as PyTorch's node, TransposeBackward0_copy; narrow_copy's is its own op's, NarrowCopyBackward0;
    # squeeze_copy's the squeeze's overload, SqueezeBackward1_copy for a dim)
    op = name if name == "narrow_copy" else (view._op if name == "squeeze_copy" else name[:-5]) + ".copy"
    return Tensor._make(np.array(view._data, order="C"), (view,), lambda g: (g,), op, lambda g: (g,), saves=False)


COPIES = {name + "_copy": _copy_of_view(name) for name in _COPIES}
attach(COPIES["narrow_copy"])       # (the one copy PyTorch also has as a Tensor method, x.narrow_copy(0, 1, 2))
