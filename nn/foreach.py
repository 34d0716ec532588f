"""PyTorch's ``torch._foreach_*`` functions: one op applied to every tensor of a list, as optimizers and weight-EMA
code call them (``torch._foreach_mul_(ema_params, decay)``, ``torch._foreach_lerp_(ema, params, 1 - decay)``).

Each is a loop over the tensors calling the Tensor method of the same name, so values, dtypes and gradients are
the method's. The second operand may be one number or Tensor (for every tensor), or a list of numbers or of
tensors (one per tensor). The in-place forms (``_foreach_add_``) return the list they were given, the others a
tuple of new tensors, as PyTorch's.
"""
import numbers

import numpy as np

from .array import DataArray
from .tensor import Tensor

_UNARY = ("abs", "acos", "asin", "atan", "ceil", "cos", "cosh", "erf", "erfc", "exp", "expm1", "floor", "frac",
          "lgamma", "log", "log10", "log1p", "log2", "neg", "reciprocal", "round", "rsqrt", "sigmoid", "sign", "sin",
          "sinh", "sqrt", "tan", "tanh", "trunc")
_BINARY = ("add", "sub", "mul", "div", "maximum", "minimum", "clamp_min", "clamp_max", "pow")


def _tensors(name, tensors, in_place=False):
    """The list of tensors; a parameter's ``.grad`` / ``.data`` (a DataArray) is taken too, as PyTorch's tensors
    (schedule-free AdamW's ``torch._foreach_div_(grads, denom)``): written into by an in-place op, read as a
    constant Tensor by the others."""
    # (a plain ndarray is a state entry of nn's own optimizers, which keep arrays: Lookahead's momentum pullback
    # torch._foreach_lerp_(SGD's momentum_buffers, slow_buffers, ...) writes into them through a DataArray view)
    tensors = [t.view(DataArray) if type(t) is np.ndarray else t for t in tensors]
    if not all(isinstance(t, (Tensor, DataArray)) for t in tensors):
        raise TypeError(f"_foreach_{name}(): expected a list of Tensors")
    return tensors if in_place else [t._torch() if isinstance(t, DataArray) else t for t in tensors]


def _per_tensor(name, tensors, other):
    """other as one operand per tensor: a list (of numbers or tensors) of the same length, or one value for all."""
    if isinstance(other, (list, tuple)):
        if len(other) != len(tensors):
            raise RuntimeError(f"_foreach_{name}(): Tensor lists must have the same number of tensors, got "
                               f"{len(tensors)} and {len(other)}")
        return list(other)
    if not isinstance(other, (Tensor, numbers.Number)):
        raise TypeError(f"_foreach_{name}(): expected a number, a Tensor or a list of them, got "
                        f"{type(other).__name__}")
    return [other] * len(tensors)


def _in_place(t, name, *args, **kwargs):
    """t.<name>_(...), or, for ops that have no in-place method (maximum), t.copy_(t.<name>(...))."""
    method = getattr(t, name + "_", None)
    if method is not None:
        return method(*args, **kwargs)
    return t.copy_(getattr(t, name)(*args, **kwargs))


def _unary(name):
    def op(self):
        return tuple(getattr(t, name)() for t in _tensors(name, self))

    def op_(self):
        self = _tensors(name, self, in_place=True)
        for t in self:
            _in_place(t, name)
        return self
    return op, op_


# maximum / minimum with a number: PyTorch's scalar overloads (ADOPT's torch._foreach_maximum_(exp_avg_sqs, eps));
# Tensor.maximum takes tensors only, and clamp_min / clamp_max are the same values (NaN kept)
_WITH_NUMBER = {"maximum": "clamp_min", "minimum": "clamp_max"}


def _binary(name):
    def method(o):
        return _WITH_NUMBER.get(name, name) if isinstance(o, numbers.Number) else name

    def op(self, other, **kwargs):
        self = _tensors(name, self)
        return tuple(getattr(t, method(o))(o, **kwargs) for t, o in zip(self, _per_tensor(name, self, other)))

    def op_(self, other, **kwargs):
        self = _tensors(name, self, in_place=True)
        for t, o in zip(self, _per_tensor(name, self, other)):
            _in_place(t, method(o), o, **kwargs)
        return self
    return op, op_


def _pointwise(name):
    """addcmul / addcdiv: self + value * tensor1 (op) tensor2, value one number, a list or a 1-D Tensor of them."""
    def values(self, value):
        return _per_tensor(name, self, value.tolist() if isinstance(value, Tensor) else value)

    def op(self, tensor1, tensor2, value=1):
        self = _tensors(name, self)
        return tuple(getattr(t, name)(a, b, value=v) for t, a, b, v in zip(self, tensor1, tensor2, values(self, value)))

    def op_(self, tensor1, tensor2, value=1):
        self = _tensors(name, self, in_place=True)
        for t, a, b, v in zip(self, tensor1, tensor2, values(self, value)):
            getattr(t, name + "_")(a, b, value=v)
        return self
    return op, op_


def _foreach_lerp(self, tensors1, weight):
    """(t.lerp(end, w) ...): weight one number or Tensor, or a list of them."""
    self = _tensors("lerp", self)
    return tuple(t.lerp(e, w) for t, e, w in zip(self, tensors1, _per_tensor("lerp", self, weight)))


def _foreach_lerp_(self, tensors1, weight):
    """t.lerp_(end, w) for each tensor (an EMA: ema.lerp_(param, 1 - decay)); returns self."""
    self = _tensors("lerp", self, in_place=True)
    for t, e, w in zip(self, tensors1, _per_tensor("lerp", self, weight)):
        t.lerp_(e, w)
    return self


def _foreach_pow(self, exponent):
    """A list of tensors to an exponent (number, tensor or list), or a number to a list of exponents."""
    if isinstance(self, numbers.Number):
        return tuple(Tensor.__rpow__(e, self) for e in _tensors("pow", exponent))
    return _binary_ops["pow"][0](self, exponent)


def _foreach_zero_(self):
    self = _tensors("zero_", self, in_place=True)
    for t in self:
        t.zero_()
    return self


def _foreach_copy_(self, src, non_blocking=False):
    self = _tensors("copy_", self, in_place=True)
    for t, s in zip(self, _per_tensor("copy_", self, list(src))):
        t.copy_(s)
    return self


def _foreach_clone(self):
    return tuple(t.clone() for t in _tensors("clone", self))


def _foreach_norm(self, ord=2, dtype=None):
    """The ord-norm of each tensor (0-d tensors)."""
    return tuple(t.norm(ord) if dtype is None else t.to(dtype).norm(ord) for t in _tensors("norm", self))


def _foreach_max(self):
    return tuple(t.max() for t in _tensors("max", self))


_unary_ops = {name: _unary(name) for name in _UNARY}
_binary_ops = {name: _binary(name) for name in _BINARY}
_pointwise_ops = {name: _pointwise(name) for name in ("addcmul", "addcdiv")}

__all__ = ["_foreach_pow", "_foreach_lerp", "_foreach_lerp_", "_foreach_zero_", "_foreach_copy_", "_foreach_clone",
           "_foreach_norm", "_foreach_max"]
for _name, (_op, _op_) in {**_unary_ops, **_binary_ops, **_pointwise_ops}.items():
    _op.__name__, _op_.__name__ = f"_foreach_{_name}", f"_foreach_{_name}_"
    _op.__doc__ = f"(t.{_name}(...) for t in tensors), as torch._foreach_{_name}."
    _op_.__doc__ = f"t.{_name}_(...) for t in tensors, as torch._foreach_{_name}_; returns tensors."
    if _name != "pow":
        globals()[_op.__name__] = _op
        __all__.append(_op.__name__)
    globals()[_op_.__name__] = _op_
    __all__.append(_op_.__name__)
