"""Argument helpers shared by the functional ops."""
import functools
import inspect
import warnings

import numpy as np

from ..dtypes import result_dtype, float_dtype
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor, not_a_tensor_error


def _tensor(x, name, op, floating=True):
    """x as a Tensor; floating=True (the maths ops) also refuses integer and bool tensors; floating="promote"
    (the element-wise float-only ops: sigmoid, tanh, ...) computes them in the default float dtype, as PyTorch;
    floating="promote or complex" also takes a complex tensor as it is."""
    if isinstance(x, np.ndarray):
        x = Tensor._wrap(x)               # validates the dtype
    elif not isinstance(x, Tensor):
        if name == "input":     # PyTorch's parser's words: F's functions hand their input on first, by position
            raise not_a_tensor_error(op, name, 1, x)
        raise TypeError(f"{op}: {name} must be a Tensor (or float ndarray), got {type(x).__name__}")
    if floating == "promote or complex" and x.dtype.kind == "c":      # tanh, sigmoid: defined for complex too
        return x
    if floating in ("promote", "promote or complex") and x.dtype.kind != "f":
        if x.dtype.kind == "c":
            raise TypeError(f"{op}: {name} must be a real tensor, got dtype {x.dtype}")
        return Tensor._wrap(x._data.astype(float_dtype(x.dtype)))     # an integer tensor is no graph's: nothing lost
    if floating and x.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a float tensor, got dtype {x.dtype}; convert it with .float()")
    return x


def builtin_input(op):
    """Decorator for F's functions that are PyTorch's C++ builtins (F.gelu, F.softplus, F.relu_): their parser names no
    position for an input given by keyword ("gelu(): argument 'input' must be Tensor, not float"), where F's Python
    functions hand the input on by position (_tensor's "(position 1)"). op: the name in PyTorch's words."""
    def decorate(fn):
        @functools.wraps(fn)
        def parsed(*args, **kwargs):
            if not args and "input" in kwargs and not isinstance(kwargs["input"], (Tensor, np.ndarray)):
                # (F's functions also take a float ndarray; else what the parser takes as a Tensor, as everywhere)
                from ..tensor_ops._attach import _taken_as_tensor   # noqa: PLC0415 - tensor_ops imports functional
                if not _taken_as_tensor(kwargs["input"]):
                    raise not_a_tensor_error(op, "input", None, kwargs["input"])
            return fn(*args, **kwargs)
        return parsed
    return decorate


def builtin_sizes(op, **kinds):
    """Decorator for F's functions that are PyTorch's C++ builtins taking sizes (avg_pool1d / 2d / 3d): their
    arguments of kinds (parsed_ints' kinds: "ints", "ints?", "int?") read by PyTorch's parser first
    (check_parsed_ints, as a function's call), which names a position only for an argument given by position
    ("avg_pool2d(): argument 'stride' (position 3) must be tuple of ints, not float"; by keyword "argument 'stride'
    must be tuple of ints, not float"). Plain ints (and None where taken) pass at once. op: PyTorch's name."""
    def decorate(fn):
        code = inspect.unwrap(fn).__code__
        params = [None] + list(code.co_varnames[:code.co_argcount])     # (a function's call: None for the tensor)
        spots = [(params.index(name) - 1, name, kind.endswith("?")) for name, kind in kinds.items()]

        @functools.wraps(fn)
        def parsed(*args, **kwargs):
            if not kwargs and len(args) == 2 and type(args[1]) is int:     # (the common call: avg_pool2d(x, 2))
                return fn(*args)
            for at, name, optional in spots:
                if len(args) > at:
                    value = args[at]
                elif name in kwargs:
                    value = kwargs[name]
                else:
                    continue
                if type(value) is not int and not (optional and value is None):
                    from ..tensor_ops._attach import check_parsed_ints   # noqa: PLC0415 - tensor_ops imports this
                    check_parsed_ints(op, params, kinds, (), (None,) + args, kwargs, function=True)
                    break
            return fn(*args, **kwargs)
        return parsed
    return decorate


def refuse_grad(value, function, argument):
    """PyTorch's kernels that take an argument as a constant (the class weight of nll_loss and multi_margin_loss,
    the binary cross-entropies' weight and pos_weight, soft_margin_loss's target) refuse a tensor that requires
    grad while grad mode is on (no_grad computes), in these words; function: PyTorch's kernel name."""
    if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled():
        raise RuntimeError(f"The function '{function}' is not differentiable with respect to argument "
                           f"'{argument}'. This input cannot have requires_grad True.")


def _written_into(input, name, compute):
    """inplace=True and F.relu_: compute(input) written into input, as PyTorch's in-place activations and
    dropout, by Tensor's in-place machinery (which keeps a graph through input right)."""
    from ..tensor_ops.inplace import _apply   # noqa: PLC0415 - tensor_ops builds on nn.functional
    return _apply(_tensor(input, "input", name, floating=False), name, compute)      # compute checks the dtype


def dropout_writes(input, p, training):
    """Whether an in-place dropout writes into its input: PyTorch's return the input untouched (no in-place op,
    so a leaf that requires grad is no error) outside training, at p = 0 and for an empty input."""
    return bool(training) and p != 0 and np.size(getattr(input, "_data", input)) != 0


def one_image_as_batch(op):
    """An op on (N, C, H, W) made to take one image (C, H, W) too, as PyTorch's convolutions and poolings do:
    it runs on a batch of one, and the batch dim is taken off the result (each result, for a tuple)."""
    @functools.wraps(op)
    def run(input, *args, **kwargs):
        if np.ndim(getattr(input, "_data", input)) != 3:
            return op(input, *args, **kwargs)
        # (the op checks a Tensor's dtype, as for a batch: an integer image meets PyTorch's errors in the same
        # order; an array, nn's convenience, is a float one)
        out = op(_tensor(input, "input", op.__name__, floating=not isinstance(input, Tensor)).unsqueeze(0), *args,
                 **kwargs)
        return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)
    return run


class builtin_like:
    """fn as PyTorch's C++ builtins behave: called as it is, but not bound as a method when it is a class
    attribute (kornia's `class _HausdorffERLossBase: conv = torch.conv2d` then calls `self.conv(x, weight=k)`,
    which a plain Python function would receive with self as its input). Pickled and deep-copied by name, as
    functions are."""

    def __init__(self, fn):
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    def __reduce__(self):
        return self.__qualname__

    def __repr__(self):
        return f"<built-in function {self.__name__}>"


def _check_probability(value, op, name="p"):
    """A probability argument: a clear error unless 0 <= value <= 1 (the dropouts' p in PyTorch's words)."""
    if not 0.0 <= value <= 1.0:
        if name == "p":
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {value}")
        raise ValueError(f"{op}: {name} must be in [0, 1], got {value}")


def _check_ndim(x, ndims, op, name="input", layout=""):
    if x.ndim not in ndims:
        want = " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(f"{op}: {name} must be {want}{' ' + layout if layout else ''}, "
                         f"got shape {tuple(x.shape)}")


def _pair(v, name, op):
    """int, (int,) or (int, int) -> (int, int) (PyTorch takes stride=[2] for both dims)."""
    if isinstance(v, (tuple, list)) and len(v) == 1:
        v = v[0]
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(i, (int, np.integer)) for i in v):
        return int(v[0]), int(v[1])
    raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {v!r}")


def _common_dtype(*tensors):
    """Result dtype of several Tensors, by the rule of the Tensor ops (nn/dtypes.py result_dtype): a floating
    operand wins (int64 with float32 is float32, as PyTorch), else NumPy's promotion."""
    arrays = [t._data for t in tensors if t is not None]
    return functools.reduce(lambda dt, a: result_dtype(np.empty(0, dt), a), arrays[1:], arrays[0].dtype)


def _cast(a, dtype):
    return a.astype(dtype, copy=False)


def legacy_reduction(size_average, reduce, reduction):
    """The reduction PyTorch's deprecated size_average / reduce arguments ask for, with PyTorch's warning
    (reduce=False: 'none'; size_average=False: 'sum'; otherwise 'mean'); reduction itself when both are None."""
    if size_average is None and reduce is None:
        return reduction
    if isinstance(size_average, str) or isinstance(reduce, str):      # reduction given where PyTorch puts these
        raise TypeError(f"size_average and reduce are PyTorch's deprecated booleans; pass "
                        f"reduction={size_average if isinstance(size_average, str) else reduce!r} by keyword")
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else "mean" if size_average else "sum"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  UserWarning, stacklevel=3)
    return reduction


NOT_VALID = "{} is not a valid value for reduction"            # PyTorch's _Reduction.get_enum
NOT_VALID_SHORT = "{} is not valid"                               # gaussian_nll_loss, multilabel_soft_margin_loss
NOT_VALID_WEIGHTED = "Invalid reduction mode: {}. Expected one of 'none', 'mean', 'sum'."   # l1/mse/huber weight=


def check_reduction(reduction, words=NOT_VALID, old_mean=True):
    """reduction ('none' | 'mean' | 'sum') checked as PyTorch checks it, the one check of every loss: anything else
    raises ValueError(words.format(reduction)) ("bogus is not a valid value for reduction"). old_mean: the losses
    that check by _Reduction.get_enum take the deprecated 'elementwise_mean' as 'mean', with its warning; those that
    check in Python (poisson_nll, gaussian_nll, multilabel_soft_margin, triplet_margin_with_distance) refuse it.
    Each loss calls this where PyTorch checks (before or after its shape checks); returns the reduction."""
    if isinstance(reduction, str) and reduction in ("none", "mean", "sum"):
        return reduction
    if old_mean and isinstance(reduction, str) and reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.",
                      UserWarning, stacklevel=3)
        return "mean"
    raise ValueError(words.format(reduction))


def _reduce(loss, reduction):
    """Apply reduction ('mean' | 'sum' | 'none') to an element-wise loss Tensor."""
    reduction = check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
