"""linear: the fully connected layer's op."""
import math

import numpy as np

from .. import kernels as K
from ..dtypes import refuse_kinds
from ..tensor import ShapeError, Tensor, not_a_tensor_error
from ._args import _tensor, _check_ndim, _common_dtype, _cast, builtin_like


def _complex(t):
    return isinstance(t, Tensor) and t.dtype.kind == "c"


def _refuse_non_tensors(input, weight, bias):
    """PyTorch's parser's TypeError for the first of linear's arguments that is no Tensor (a NumPy array is taken,
    as everywhere in nn): "linear(): argument 'input' (position 1) must be Tensor, not int" (a graph layer given
    no edges)."""
    for value, name, position in ((input, "input", 1), (weight, "weight", 2), (bias, "bias", 3)):
        if not isinstance(value, (Tensor, np.ndarray)) and (value is not None or position < 3):
            raise not_a_tensor_error("linear", name, position, value)


# a builtin, as PyTorch's (torch._C._nn.linear): one object from import on, which dispatching (nn.overrides) wraps
# inside rather than replaces, so a table keyed by F.linear at import (thop's FLOP rules) still finds it
@builtin_like
def linear(input, weight, bias=None):
    """y = x W^T + b.   x (*, in), weight (out, in), bias (out,) -> y (*, out)."""
    if _complex(input) or _complex(weight) or _complex(bias):
        _refuse_non_tensors(input, weight, bias)
        if isinstance(input, Tensor) and isinstance(bias, Tensor) and not input.dtype == weight.dtype == bias.dtype:
            # two dtypes with a bias: PyTorch's addmm refuses them (matmul, then add_, where it fuses no bias),
            # where nn's sum promoted (a complex bias on a real layer)
            if not _bias_fused(input):
                return linear(input, weight).add_(bias)
            _refuse_mixed_linear(input, weight, bias)
        y = input @ weight.transpose(0, 1)      # complex: composed of matmul (W^T, not its conjugate, as PyTorch)
        return y if bias is None else y + bias
    # integer tensors too: PyTorch's CPU addmm computes them (without a graph); bool is refused below
    try:
        x, weight = _tensor(input, "input", "linear", False), _tensor(weight, "weight", "linear", False)
        bias = None if bias is None else _tensor(bias, "bias", "linear", False)
    except TypeError:
        _refuse_non_tensors(input, weight, bias)
        raise
    if x.ndim == 0 or weight.ndim == 0:             # PyTorch's first check
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are {x.ndim}D and "
                           f"{weight.ndim}D")
    if bias is not None and x.ndim != 2 and bias.ndim != 1 and (bias.ndim == 0 or bias._data.size != bias.shape[-1]):
        # PyTorch fuses the bias into addmm (the rows flattened) for a 2-D input or a bias of one row ((out,),
        # (1, out), (1,)); else matmul, then add_: the output keeps its dtype and shape (its words for a bias
        # that does not fit or cast)
        return linear(x, weight).add_(bias)
    mixed = isinstance(input, Tensor) and (x._data.dtype != weight._data.dtype
                                           or bias is not None and bias._data.dtype != weight._data.dtype)
    if mixed and bias is not None:
        if not _bias_fused(x):
            return linear(x, weight).add_(bias)    # PyTorch's matmul, then add_ (their checks, their words)
        _refuse_mixed_linear(x, weight, bias)      # PyTorch's addmm checks dtypes before shapes
    try:
        _check_ndim(weight, (2,), "linear", "weight", "(out_features, in_features)")
    except ValueError:
        if weight.ndim == 1:        # off the hot path: a try costs nothing until it raises
            return _linear_vector(x, weight, bias)
        raise
    if x.shape[-1] != weight.shape[1]:
        # PyTorch's words: its addmm / matmul of the input's rows (N, in) by weight^T (in_w, out)
        raise ShapeError(f"mat1 and mat2 shapes cannot be multiplied ({math.prod(x.shape[:-1])}x{x.shape[-1]} and "
                         f"{weight.shape[1]}x{weight.shape[0]})")
    if mixed:
        _refuse_mixed_linear(x, weight, bias)      # without a bias, PyTorch's mm checks shapes first
    if bias is not None and bias.shape != (weight.shape[0],):
        # PyTorch's addmm expands the bias to its (rows, out) result: (), (1,), (1, out), (N, out) for 2-D rows
        # (expand's words where it cannot, as a ShapeError: nn raised a ValueError)
        try:
            rows = bias.expand(math.prod(x.shape[:-1]), weight.shape[0])
        except RuntimeError as e:
            raise ShapeError(str(e)) from None
        return linear(x, weight) + rows.reshape(tuple(x.shape[:-1]) + (weight.shape[0],))
    dt = _common_dtype(x, weight, bias)             # (an ndarray input is converted: nn's own use)
    lead = x.shape[:-1]
    n = math.prod(lead)                                     # (not -1: 0 features, as PyTorch builds, is valid)
    if np.dtype(dt).kind != "f":
        return _integer_linear(x, weight, bias, dt, n)
    x2 = _cast(x._data, dt).reshape(n, x.shape[-1])         # (N, in)
    w = _cast(weight._data, dt)
    b = None if bias is None else _cast(bias._data, dt)
    y = K.linear_forward(x2, w, b)                          # (N, out)

    def backward(g):
        # y = x W^T + b  =>  dx = g W,  dW = g^T x,  db = sum_n g
        g2 = np.ascontiguousarray(g).reshape(n, w.shape[0])
        if x.requires_grad:
            gx, gw, gb = K.linear_backward(g2, x2, w)
            gx = gx.reshape(x.shape)
        else:                       # skip dx (e.g. first layer on raw data)
            gx = None
            if weight.requires_grad:
                with K.single_thread_blas(g2.size * x2.shape[1]):   # one pool at a time (kernels/threads.py)
                    gw = g2.T @ x2
            else:
                gw = None
            gb = g2.sum(axis=0) if bias is not None and bias.requires_grad else None
        return (gx, gw) if bias is None else (gx, gw, gb)
    def graph_backward(g):
        # the same three products on Tensors (create_graph)
        g2 = g.reshape(n, w.shape[0])
        grads = (g @ weight, g2.t() @ x.reshape(n, x.shape[-1]))
        return grads if bias is None else grads + (g2.sum(0),)
    parents = (x, weight) if bias is None else (x, weight, bias)
    if bias is not None:
        # PyTorch's linear is addmm(bias, x, weight.t()): its engine reaches the bias's AccumulateGrad first, the
        # weight's one step later through the transpose (the order of post-accumulate hooks: heavyball's fused_hook
        # steps every parameter in each one); tensor.engine_order reads the inputs in this order
        backward.engine_inputs = (2, 0, 1)
    # PyTorch's node for 2-D rows: AddmmBackward0 (MmBackward0 without a bias); other ranks are its views around it
    op = "linear" if x.ndim != 2 else "mm" if bias is None else "addmm"
    return Tensor._make(y.reshape(lead + (w.shape[0],)), parents, backward, op, graph_backward)


def _integer_linear(x, weight, bias, dt, n):
    """linear of integer tensors x (*, in), weight (out, in), bias (out,) -> (*, out) in their dtype, wrapping on
    overflow as PyTorch's addmm does; no graph (integers take no gradient). bool is PyTorch's NotImplementedError
    for a non-empty result."""
    if n * weight.shape[0] and (x.shape[-1] or bias is not None):     # (no terms and no bias: zeros)
        refuse_kinds(dt, "b", "addmm_impl_cpu_")
    y = _cast(x._data, dt).reshape(n, x.shape[-1]) @ _cast(weight._data, dt).T
    if bias is not None:
        y = y + _cast(bias._data, dt)
    return Tensor._wrap(y.astype(dt, copy=False).reshape(tuple(x.shape[:-1]) + (weight.shape[0],)))


def _linear_vector(x, weight, bias):
    """A 1-D weight (in,), as PyTorch takes it: x @ weight (matmul's vector case, the last dim contracted; norse's
    lif_step); a bias here is one linear fuses into PyTorch's addmm (its dtypes checked), which refuses the vector."""
    if bias is not None:
        raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
    return x @ weight


def _bias_fused(x):
    """Whether PyTorch's linear fuses its bias into addmm of the input's rows: for a 2-D input, or a contiguous
    one of any rank; otherwise it computes matmul(x, W^T), then adds the bias in place."""
    return x.ndim == 2 or x.is_contiguous()


def _matmul_folds(x, weight):
    """Whether PyTorch's matmul(x, W^T) folds x (*, in) into rows for one mm (else it takes its batched bmm path):
    for x of 1 or 2 dims, a weight that requires grad, an empty x, or leading dims that are one run of memory
    (x[:, ::2] is one, x[:, :-1] and x.transpose(0, 1) are not)."""
    if x.ndim <= 2 or weight.requires_grad or x.numel() == 0:
        return True
    shape, strides = x.shape, x.stride()
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(x.ndim - 2))


def _refuse_mixed_linear(x, weight, bias):
    """PyTorch's errors for linear of two dtypes (nn computed in the widest): with a fused bias, linear is
    PyTorch's addmm(bias, x, weight^T), whose check and words these are; without, its matmul's: mm's words when
    it folds the input's rows, else its batched path's (bmm's, which depend on the size of one product)."""
    from ..dtypes import bmm_scalar_type_mismatch, typeid_name  # noqa: PLC0415 - only the errors need them
    from ..tensor_ops.shape import refuse_mixed_addmm  # noqa: PLC0415 - tensor_ops imports functional
    if bias is not None:
        refuse_mixed_addmm(bias, x, weight)
    if not _matmul_folds(x, weight):
        raise bmm_scalar_type_mismatch(x._data.dtype.name, weight._data.dtype.name,
                                       x.shape[-2] * x.shape[-1] * weight.shape[0])
    raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {typeid_name(x._data.dtype.name)} != "
                       f"{typeid_name(weight._data.dtype.name)}")


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = input1 @ weight[o] @ input2 + bias[o]: input1 (*, in1), input2 (*, in2), weight (out, in1, in2)."""
    from ..tensor_ops.einsum import einsum        # noqa: PLC0415 - tensor_ops imports functional
    # integer tensors too, as PyTorch's (its bmm computes them; einsum refuses bool in bmm's words, as PyTorch)
    x1, x2 = _tensor(input1, "input1", "bilinear", False), _tensor(input2, "input2", "bilinear", False)
    weight = _tensor(weight, "weight", "bilinear", False)
    given = {"input1": x1, "input2": x2, "weight": weight, **({} if bias is None else {"bias": bias})}
    if any(t.dtype != x1.dtype for t in given.values()):
        from ..dtypes import typeid_name  # noqa: PLC0415 - only the error needs it
        raise RuntimeError("All tensors must have the same dtype, got " +
                           ", ".join(f"{k}: {typeid_name(t.dtype.name)}" for k, t in given.items()))
    _check_bilinear_shapes(x1, x2, weight, bias)
    lead = tuple(x1.shape[:-1])
    y = einsum("ni,oij,nj->no", x1.reshape(-1, x1.shape[-1]), weight, x2.reshape(-1, x2.shape[-1]))
    y = y.reshape(lead + (weight.shape[0],))
    return y if bias is None else y + bias


def _size(t, d):
    """t.size(d) with PyTorch's IndexErrors (a 0-d tensor, a dim past the last)."""
    if t.ndim == 0:
        raise IndexError(f"Dimension specified as {d} but tensor has no dimensions")
    if not -t.ndim <= d < t.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-t.ndim}, {t.ndim - 1}], but got {d})")
    return t.shape[d]


def _check_bilinear_shapes(x1, x2, weight, bias):
    """PyTorch's bilinear checks after the dtypes, in its order and words: x1 (*, in1) and x2 (*, in2) of one
    batch shape, weight (out, in1, in2), bias (out,)."""
    if x1.ndim != x2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {x1.ndim} and {x2.ndim}")
    for i in range(x1.ndim - 1):
        if x1.shape[i] != x2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {x1.shape[i]} "
                               f"and {x2.shape[i]}")
    for k, t in ((1, x1), (2, x2)):
        if _size(t, -1) != _size(weight, k):
            raise RuntimeError(f"bilinear(): input{k} size does not match weight size: got {t.shape[-1]} but "
                               f"expected {weight.shape[k]}")
    if bias is not None and _size(bias, 0) != _size(weight, 0):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but expected "
                           f"{weight.shape[0]}")
