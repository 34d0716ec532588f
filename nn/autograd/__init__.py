"""nn.autograd, as torch.autograd: grad, backward, Function (nn/autograd/function.py: a custom op with its own
backward), Variable, gradcheck / gradgradcheck, anomaly detection and autograd.functional.
"""
import warnings

import numpy as np

from ..gradcheck import gradcheck, gradgradcheck  # noqa: F401  (as torch.autograd's)
from ..gradcheck import GradcheckError as _GradcheckError
from .._submodule import submodule as _submodule
from ..tensor import (Tensor, backpropagate, no_grad, is_grad_enabled,  # noqa: F401  (torch.autograd.no_grad,
                      enable_grad, set_grad_enabled, inference_mode)  # captum: torch.autograd.set_grad_enabled)

from .anomaly import detect_anomaly, set_detect_anomaly, is_anomaly_enabled, is_anomaly_check_nan_enabled  # noqa: F401
from . import functional  # noqa: F401  (torch.autograd.functional.jacobian / hessian)
from . import forward_ad  # noqa: F401,E402  (the unpack_dual probe; no dual tensors)
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .graph import GradientEdge, _edge_tensor
from ..overrides import has_torch_function, handle_torch_function

# torch.autograd.gradcheck is also a module (`from torch.autograd.gradcheck import gradcheck`); nn.autograd.gradcheck
# stays the function, as torch.autograd's attribute does
_submodule(__name__, "gradcheck", "torch.autograd.gradcheck: gradcheck, gradgradcheck and GradcheckError.",
           gradcheck=gradcheck, gradgradcheck=gradgradcheck, GradcheckError=_GradcheckError)

__all__ = ["Function", "FunctionCtx", "gradcheck", "gradgradcheck", "grad", "backward", "Variable", "detect_anomaly",
           "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]


def _as_tuple(x):
    """One tensor or a sequence of them -> a tuple of tensors; a GradientEdge stands for its tensor (PyTorch's
    grad takes edges as outputs and inputs)."""
    items = (x,) if isinstance(x, (Tensor, GradientEdge)) else tuple(x)
    return tuple(_edge_tensor(i) if isinstance(i, GradientEdge) else i for i in items)


def _checked_grad_outputs(outputs, grad_outputs):
    """PyTorch's checks of the gradients given for outputs, in its order (torch.autograd's _make_grads, then its
    engine's count): each pair as zip pairs them, a given gradient of the output's shape, an implicit one only for a
    single-element real output that requires grad; then a gradient for every output (extra ones are ignored).
    An output that is not a tensor (a loss dict passed whole: its keys) is refused first, in _make_grads' words."""
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise AssertionError("Expected output to be a torch.Tensor")
        if g is not None:
            shape = np.shape(getattr(g, "_data", g))
            if shape != out.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size({list(shape)}) "
                                   f"and output[{i}] has a shape of torch.Size({list(out.shape)}).")
        elif out.requires_grad:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out.dtype.kind == "c":
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got "
                                   f"nn.{out.dtype.name}")
    if len(grad_outputs) < len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    return tuple(grad_outputs[:len(outputs)])


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """d(outputs)/d(inputs) as torch.autograd.grad: a tuple with one Tensor per input (None for an input
    the outputs do not depend on, when allow_unused=True; zeros with materialize_grads=True).

    outputs, inputs: a Tensor or a sequence of them; grad_outputs: the gradient to start from for each
    output (None: 1 for a single-element output). Nothing's ``.grad`` changes. The graph is released unless
    retain_graph=True (default: create_graph). only_inputs is ignored (False: PyTorch's
    FutureWarning).

    create_graph=True records the gradient's own computation, so the result can be differentiated again
    (gradient penalties, second derivatives, physics-informed losses). Each op on the path must then have a
    differentiable backward; these have: + - * / (and their reflected forms), unary minus, ** (a number or a
    tensor), maximum, minimum, where, masked_fill, clamp, max / min / amax / amin, var / std,
    @ / matmul, F.linear, F.conv2d and F.conv_transpose2d (grouped too), sum and mean, reshape / view / flatten /
    squeeze / unsqueeze, permute / transpose / t, expand, contiguous, clone, to (a float dtype), indexing, gather
    (and topk), cumsum (and logcumsumexp), prod and cumprod (of tensors without zeros), roll, x[...] = v, cat,
    pad, interpolate (nearest, bilinear, bicubic), max_pool2d, avg_pool2d (count_include_pad),
    adaptive_avg_pool2d, dropout, embedding, batch_norm, layer_norm, group_norm, instance_norm, exp, log, log1p,
    sqrt, rsqrt, reciprocal, square, sin, cos, tan, their inverses, atan2, sinh, cosh, asinh, acosh, atanh, expm1, exp2,
    log2, log10, abs, erf, tanh, sigmoid, relu, leaky_relu, elu, gelu, softplus, silu, softmax,
    log_softmax, norm (p = 2), mse_loss, smooth_l1_loss / huber_loss, binary_cross_entropy, kl_div, prelu,
    sign (and the other piecewise-constant ops: derivative 0), unfold / fold, hardswish, hardsigmoid, softshrink,
    hardshrink, cross_entropy and nll_loss, tril / triu, cdist (p = 2), linalg.solve,
    cholesky, inv, det, slogdet / logdet, pinv, solve_triangular (and cholesky_solve through it), and a
    custom nn.autograd.Function (its backward recorded, unless @once_differentiable), Tensor.unfold, stft / istft
    and the fft transforms. Through complex tensors (a gradient penalty through a complex STFT discriminator) the
    ops of nn.tensor.COMPLEX_GRAPH_OPS pass, with PyTorch's conjugates: + - * / **, matmul, sum, mean, exp, log,
    sqrt, sin, cos, tanh, real / imag, view_as_real / view_as_complex, complex, conj, abs, sgn, the fft transforms,
    the complex convolutions and the shape ops. Any other op on the path raises NotImplementedError naming it.

    is_grads_batched=True: the first dim of each grad_output indexes separate products (one backward each),
    stacked along a new first dim of each result, as PyTorch's vmapped form.
    """
    inputs = _as_tuple(inputs)                  # (once: a generator of parameters is read here)
    if not inputs:                              # (nn returned (), PyTorch refuses)
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    overridable = _as_tuple(outputs) + inputs
    if has_torch_function(overridable):
        # handed over, as PyTorch's: Tensor's default __torch_function__ gives the gradients the class of a Tensor
        # subclass among the outputs and inputs (torch-hd's HRRTensor leaves get HRRTensor gradients)
        return handle_torch_function(grad, overridable, outputs, inputs, grad_outputs=grad_outputs,
                                     retain_graph=retain_graph, create_graph=create_graph, only_inputs=only_inputs,
                                     allow_unused=allow_unused, is_grads_batched=is_grads_batched,
                                     materialize_grads=materialize_grads)
    if retain_graph is None:
        retain_graph = create_graph
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True). To accumulate "
                      "gradient for other parts of the graph, please use torch.autograd.backward.", FutureWarning,
                      stacklevel=2)
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                             materialize_grads)
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs) if grad_outputs is None else (grad_outputs,)
    grad_outputs = _checked_grad_outputs(outputs, grad_outputs)
    roots = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:           # (a Tensor: _checked_grad_outputs)
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn (no input "
                               f"of its computation had requires_grad=True, or it ran inside nn.no_grad())")
        if g is None:
            g = np.ones_like(out._data)
        if create_graph and isinstance(g, Tensor) and g.requires_grad:
            g_graph = g if g.dtype == out.dtype else g.to(out.dtype)   # recorded: the result depends on it too
        else:
            g_graph = None
        g = np.asarray(getattr(g, "_data", g))
        roots.append((out, g.astype(out.dtype, copy=False) if g_graph is None else g_graph))
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            raise RuntimeError(f"One of the differentiated Tensors does not require grad (input {i}: set "
                               f"requires_grad=True on it before computing the outputs)")
    wanted = {id(x): None for x in inputs}
    backpropagate(roots, bool(retain_graph), wanted, create_graph=bool(create_graph))
    result = []
    for i, x in enumerate(inputs):
        g = wanted[id(x)]
        if g is None and not (allow_unused or materialize_grads):
            raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                               f"Set allow_unused=True if this is the desired behavior.")     # PyTorch's words
        if g is None and materialize_grads:
            g = np.zeros_like(x._data)
        if isinstance(g, Tensor):       # create_graph: a recorded gradient
            result.append(g if g.dtype == x.dtype else g.to(x.dtype))
        else:
            result.append(None if g is None else Tensor._wrap(np.array(g, dtype=x.dtype)))
    return tuple(result)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads):
    """grad(is_grads_batched=True): the first dim of each grad_output indexes separate vector-Jacobian products
    (PyTorch vmaps over it; here one backward per row, the graph kept until the last), stacked along a new first
    dim of each result. An unused input gives None, or with materialize_grads zeros of its own (unbatched) shape,
    as PyTorch's."""
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    grad_outputs = (grad_outputs,) if grad_outputs is None or isinstance(grad_outputs, Tensor) else tuple(grad_outputs)
    if len(grad_outputs) == 1 and len(outputs) > 1:
        grad_outputs = grad_outputs * len(outputs)
    batch = None
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None and out.numel() != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        if g is None or g.ndim == 0:            # a one-element output's implicit 1 has no dim to batch over
            raise ValueError("vmap(vjp, in_dims=0, ...)(<inputs>): Got in_dim=0 for some input, but that input is "
                             "a Tensor of dimensionality 0 so expected in_dim to satisfy 0 <= in_dim < 0.")
        if tuple(g.shape[1:]) != tuple(out.shape) or (batch is not None and g.shape[0] != batch):
            raise RuntimeError(
                f"If `is_grads_batched=True`, we interpret the first dimension of each grad_output as the batch "
                f"dimension. The sizes of the remaining dimensions are expected to match the shape of corresponding "
                f"output, but a mismatch was detected: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}. If you only want some tensors in `grad_output` to be considered "
                f"batched, consider using vmap.")
        batch = g.shape[0]
    if batch == 0:                              # PyTorch reads the first row to check the batch
        raise IndexError("index 0 is out of bounds for dimension 0 with size 0")
    rows = [grad(outputs, inputs, [g[b] for g in grad_outputs], retain_graph=retain_graph or b < batch - 1,
                 create_graph=create_graph, allow_unused=True) for b in range(batch)]
    from ..tensor_ops.shape import stack
    result = []
    for i, x in enumerate(inputs):
        column = [row[i] for row in rows]
        if column and column[0] is not None:
            result.append(stack(column))
        elif materialize_grads:
            result.append(Tensor._wrap(np.zeros_like(x._data)))
        elif allow_unused:
            result.append(None)
        else:
            raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                               f"Set allow_unused=True if this is the desired behavior.")
    return tuple(result)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """torch.autograd.backward: Tensor.backward for several outputs at once, as the backward of
    sum_i <tensors[i], grad_tensors[i]> (so the graph they share runs once)."""
    if inputs is not None and not isinstance(inputs, Tensor) and len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")         # first, as PyTorch's
    tensors = _as_tuple(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,) * len(tensors) if grad_tensors is None else (grad_tensors,)
    grad_tensors = _checked_grad_outputs(tensors, grad_tensors)
    if len(tensors) == 1:
        return tensors[0].backward(grad_tensors[0], retain_graph, create_graph, inputs)
    if not tensors:
        return None         # no roots: PyTorch's engine runs nothing
    total = 0
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        total = total + (t.sum() if g is None else (t * g).sum())
    total.backward(None, retain_graph, create_graph, inputs)


def graph_backward_from(composite, parents):
    """A graph_backward (Tensor._make) for an op computed in one pass, from ``composite(*parents)``: the same
    value by ops that have one. Its recorded gradient, with respect to each parent that needs one."""
    def graph_backward(g):
        wanted = [p for p in parents if p.requires_grad]
        grads = iter(grad(composite(*parents), wanted, g, create_graph=True, allow_unused=True))
        return tuple(next(grads) if p.requires_grad else None for p in parents)
    return graph_backward


class _VariableType(type):
    def __instancecheck__(cls, obj):            # isinstance(t, Variable) holds for every Tensor, as in PyTorch
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableType):
    """torch.autograd.Variable, which PyTorch 0.4 merged into Tensor, for older code:
    Variable(t, requires_grad=False) is a Tensor with t's values (the same memory), outside any graph."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        if volatile:
            warnings.warn("volatile was removed and now has no effect; use `with nn.no_grad():` instead",
                          UserWarning, stacklevel=2)
        return Tensor._wrap(data, requires_grad=requires_grad)


from . import profiler  # noqa: E402,F401  (torch.autograd.profiler: nn/profiler.py's regions)
from . import graph  # noqa: E402,F401  (torch.autograd.graph.save_on_cpu)
