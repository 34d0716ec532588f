"""batch_norm, group_norm, layer_norm, normalize; dropout and dropout2d."""
import math
import warnings

import numpy as np

from .. import kernels as K
from ..caller_warnings import warn_at_caller
from ..dtypes import refuse_kinds, refuse_not_floating_or_complex, scalar_type_mismatch, typeid_name
from ..autograd import graph_backward_from
from ..tensor import Tensor, as_int, int_tuple_error, linear_graph_backward, parser_type_name, _normalize_axes
from ..tensor import not_a_tensor_error, parser_float, parser_int, ShapeError
from ..tensor import get_rng
from ._args import _check_ndim, _check_probability, _tensor, _written_into, dropout_writes


def _running_stats_now(running_mean, running_var, eps, dt):
    """Eval mode's (mean, 1 / sqrt(var + eps)) in dt, from the running statistics as they are now."""
    inv_std = 1.0 / np.sqrt(running_var.astype(dt, copy=False) + eps)
    return running_mean.astype(dt, copy=False), inv_std.astype(dt, copy=False)


def _parser_floats(op, *arguments):
    """Each (value, name, position) of op's float arguments (the norms' eps and momentum) as PyTorch's parser reads
    it (parser_float: "batch_norm(): argument 'momentum' (position 7) must be float, not str"); a float passes at
    once. The layers store them as given and reach these checks in forward, as PyTorch's do."""
    return [value if type(value) is float else parser_float(value, op, name, position)
            for value, name, position in arguments]


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over channel dim 1: x (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W).

    training: normalise with the batch mean and biased variance, and update
    running_mean/running_var (ndarrays (C,), in place) with
    r = (1 - momentum) r + momentum * stat, using the unbiased variance.
    eval: normalise with the running statistics. weight/bias (C,) optional.
    """
    x = _tensor(input, "input", "batch_norm")
    _check_ndim(x, (2, 3, 4, 5), "batch_norm", "input", "(N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W)")
    if training and math.prod((x.shape[0],) + tuple(x.shape[2:])) == 1:    # F.batch_norm's own check, first
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"torch.Size({list(x.shape)})")          # PyTorch's words (it prints a torch.Size)
    # then F.batch_norm's Python checks of eps (a None or str: Python's own TypeError), then the parser's floats
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    momentum, eps = _parser_floats("batch_norm", (momentum, "momentum", 7), (eps, "eps", 8))
    weight = None if weight is None else _tensor(weight, "weight", "batch_norm")
    bias = None if bias is None else _tensor(bias, "bias", "batch_norm")
    C = x.shape[1]
    # running statistics are plain ndarrays (updated in place); accept Tensors holding them too
    given = running_mean, running_var                       # (eval's backward reads them again: saved_stats)
    running_mean = running_mean._data if isinstance(running_mean, Tensor) else running_mean
    running_var = running_var._data if isinstance(running_var, Tensor) else running_var
    _check_batch_norm_arguments(C, training, running_mean, running_var, weight, bias)
    check_parameter_dtypes(x, weight, bias, running_mean, running_var)
    for a in (running_mean, running_var):                   # the CPU kernel's accessors take vectors only
        if a is not None and a.ndim != 1:
            raise RuntimeError(f"TensorAccessor expected 1 dims but tensor has {a.ndim}")
    # a weight or bias of C values in another shape ((1, C)): PyTorch's forward reads it flat (a recorded
    # reshape, so its gradient keeps the given shape)
    weight = weight if weight is None or weight.ndim == 1 else weight.reshape(C)
    bias = bias if bias is None or bias.ndim == 1 else bias.reshape(C)
    if C == 0 and (weight is not None or bias is not None):    # PyTorch's kernel reads an empty affine's first value
        raise IndexError("select(): index 0 out of range for tensor of size [0] at dimension 0")
    xd = x._data
    dt = xd.dtype
    x3 = xd.reshape(x.shape[0], C, math.prod(x.shape[2:]))    # (N, C, M): the kernels' layout (no -1: N may be 0)
    n = x._data.size // C if C else 0                    # values per channel (no channels: an empty result)
    if training and n == 0:         # an empty batch: PyTorch gives an empty result, the running statistics unchanged
        mean, var = np.zeros(C, dt), np.ones(C, dt)
    elif training:
        mean, var = K.batch_norm_stats(x3)             # var biased: used to normalise
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += (momentum * mean).astype(running_mean.dtype, copy=False)
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += (momentum * var * (n / (n - 1))).astype(running_var.dtype, copy=False)
    else:                                               # (eval mode has both: _check_batch_norm_arguments)
        mean, inv_std = _running_stats_now(running_mean, running_var, eps, dt)
    if training:
        inv_std = (1.0 / np.sqrt(var + eps)).astype(dt, copy=False)
        mean = mean.astype(dt, copy=False)
    w = np.ones(C, dt) if weight is None else weight._data.astype(dt, copy=False)
    b = np.zeros(C, dt) if bias is None else bias._data.astype(dt, copy=False)
    # y = (x - mean) * inv_std * w + b
    y = K.batch_norm_apply(x3, mean, inv_std * w, b).reshape(x.shape)

    def saved_stats():
        # eval: PyTorch saves the running statistics by reference, and a later training step updates them in place
        # without a version bump (freeze a BatchNorm, normalise with it, then train it): the backward reads them now
        # (through a Tensor given, whose array `.data = ...` may have replaced, as PyTorch's set_data)
        if training:
            return mean, inv_std
        return _running_stats_now(*(t._data if isinstance(t, Tensor) else t for t in given), eps, dt)

    def backward(g):
        # xhat = (x - mean) inv_std, y = w xhat + b: dw = sum g xhat, db = sum g, dxhat = g w;
        # training (mean and var depend on x too): dx = inv_std (dxhat - mean(dxhat) - xhat mean(dxhat xhat)),
        # eval (running statistics are constants): dx = dxhat inv_std.  One pass per channel in the kernel.
        if n == 0:                  # an empty batch: zero gradients (the kernel's channel means would divide by 0)
            gx3, gw, gb = np.zeros_like(x3), np.zeros(C, dt), np.zeros(C, dt)
        else:
            gx3, gw, gb = K.batch_norm_backward(g.reshape(x3.shape), x3, *saved_stats(), w, training)
        gw = gw if weight is not None and weight.requires_grad else None
        gb = gb if bias is not None and bias.requires_grad else None
        gx = gx3.reshape(x.shape) if x.requires_grad else None
        # one gradient per parent (weight and bias are parents only when given)
        return (gx,) + ((gw,) if weight is not None else ()) + ((gb,) if bias is not None else ())

    def composite(xt, *affine):                     # the same by recorded ops (create_graph)
        shape, axes = (1, C) + (1,) * (x.ndim - 2), (0,) + tuple(range(2, x.ndim))
        if training:
            xhat = _standardize_graph(xt, axes, eps)
        else:
            mean_now, inv_std_now = saved_stats()
            xhat = (xt - Tensor._wrap(mean_now.reshape(shape))) * Tensor._wrap(inv_std_now.reshape(shape))
        return _affine(xhat, affine, weight, bias, shape)
    parents = tuple(t for t in (x, weight, bias) if t is not None)
    return Tensor._make(y, parents, backward, "native_batch_norm",     # PyTorch's NativeBatchNormBackward0
                        graph_backward_from(composite, parents))


def _check_batch_norm_arguments(C, training, running_mean, running_var, weight, bias, repeats=1):
    """ATen's checks of batch_norm's statistics and affine (_batch_norm_impl_index), in its order and words:
    running_mean, running_var (eval mode needs both), weight, bias, each of C values (their numel, as ATen
    counts), then both statistics or neither. instance_norm has them repeated over the batch first: repeats = N,
    C the batch's N * channels."""
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is None:
            if not training and name.startswith("running"):
                raise RuntimeError(f"{name} must be defined in evaluation mode")
        elif np.size(getattr(t, "_data", t)) * repeats != C:
            raise ShapeError(f"{name} should contain {C} elements not {np.size(getattr(t, '_data', t)) * repeats}")
    if (running_mean is None) != (running_var is None):     # (training only: eval mode refused a None above)
        raise ValueError("running_mean and running_var must either both be None or neither be None")


def check_parameter_dtypes(x, *parameters, later=True):
    """A norm's parameters (Tensors, ndarrays or None) against its input's dtype, as PyTorch's CPU check: when
    the first given parameter's dtype is not the input's, PyTorch takes the call for mixed precision, which needs
    float32 parameters and a float16 / bfloat16 input (nn has neither, so it always refuses); otherwise a later
    parameter of another dtype fails the kernel's own check (later=False leaves that to a second call, for
    layer_norm, whose kernel reads the parameters after its shape and dtype checks)."""
    given = [getattr(p, "_data", p).dtype for p in parameters if p is not None]
    dx = x._data.dtype
    if given and given[0] != dx:
        if any(d != np.float32 for d in given):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    for d in given[1:] if later else ():
        if d != dx:
            raise scalar_type_mismatch(dx, d)


def _standardize_graph(xt, axes, eps):
    """_standardize's xhat by recorded ops (create_graph): (x - mean) / sqrt(var + eps), biased variance."""
    centred = xt - xt.mean(axes, keepdim=True)
    return centred / ((centred * centred).mean(axes, keepdim=True) + eps).sqrt()


def _affine(xhat, affine, weight, bias, shape):
    """xhat * weight + bias as recorded ops, for the Tensors of affine (weight then bias, those given)."""
    affine = list(affine)
    y = xhat if weight is None else xhat * affine.pop(0).reshape(shape)
    return y if bias is None else y + affine.pop(0).reshape(shape)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (training only).

    The mask comes from nn's generator (nn/tensor.py get_rng()): seed it with nn.manual_seed.
    inplace=True writes the result into x, as PyTorch's.
    """
    _check_probability(p, "dropout")                   # first, as PyTorch's
    if inplace and dropout_writes(input, p, training):
        return _written_into(input, "dropout_", lambda t: dropout(t, p, training))
    x = _tensor(input, "input", "dropout")
    if not dropout_writes(x, p, training):
        return x
    dt = x.dtype
    if p == 1.0:
        mask = np.zeros(x.shape, dt)
    else:
        mask = (get_rng().random(x.shape, dtype=dt) >= p).astype(dt)
        mask *= dt.type(1.0 / (1.0 - p))
    y = x._data * mask

    def backward(g):
        # y = x * mask  =>  dx = g * mask
        return (g * mask,)
    return Tensor._make(y, (x,), backward, "dropout", linear_graph_backward(lambda a: a * mask, lambda g: g * mask,
                                                                             "dropout"))


def _standardize(xd, axes, eps):
    """(x - mean) / sqrt(var + eps) over axes (biased variance) -> (xhat, inv_std keepdims)."""
    if xd.size == 0:        # LayerNorm(0): nothing to standardise (NumPy's empty mean would warn)
        return xd.copy(), (1.0 / np.sqrt(xd.sum(axis=axes, keepdims=True) + eps)).astype(xd.dtype, copy=False)
    mean = xd.mean(axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(xd.var(axis=axes, keepdims=True) + eps)
    return ((xd - mean) * inv_std).astype(xd.dtype, copy=False), inv_std.astype(xd.dtype, copy=False)


def _standardize_backward(gxhat, xhat, inv_std, axes):
    # mean and var depend on x: dx = inv_std (dxhat - mean(dxhat) - xhat mean(dxhat xhat)), as batch_norm's
    if gxhat.size == 0:
        return gxhat * inv_std
    gx = gxhat - gxhat.mean(axis=axes, keepdims=True)
    gx -= xhat * (gxhat * xhat).mean(axis=axes, keepdims=True)
    gx *= inv_std
    return gx


def _check_group_norm(x, num_groups, weight, bias):
    """PyTorch's checks of group_norm's arguments, in its order and words -> num_groups as an int: F.group_norm's
    own (the input's rank; one value per group, by its `//`, which raises ZeroDivisionError for 0 groups), its
    parser's (num_groups an int, weight and bias Tensors), then ATen's (groups > 0 dividing the channels, weight
    and bias vectors of C; the bias's words print the weight's shape, [0] without one, as PyTorch's do)."""
    if x.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {x.ndim}")
    N, C = x.shape[:2]
    groups = as_int(num_groups, "num_groups") if isinstance(num_groups, Tensor) else num_groups
    size = [N * C // groups, groups] + list(x.shape[2:])
    if math.prod([size[0]] + size[2:]) == 1:                          # one value per group: PyTorch refuses
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    groups = int(parser_int(groups, "group_norm", "num_groups", 2))
    for value, name, position in ((weight, "weight", 3), (bias, "bias", 4)):
        if value is not None and not isinstance(value, (Tensor, np.ndarray)):
            raise not_a_tensor_error("group_norm", name, position, value)
    if groups <= 0:
        raise RuntimeError(f"Expected num groups to be greater than 0, got {groups}")
    if C % groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(x.shape)} and num_groups={groups}")
    shown = [0] if weight is None else list(weight.shape)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.shape[0] != C):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {shown} and input of shape {list(x.shape)}")
    return groups


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation (Wu & He, 2018): x (N, C, *) standardised over each group of C/num_groups
    channels and all positions, then y = xhat * weight[c] + bias[c] (weight, bias (C,))."""
    op = "group_norm"
    x = _tensor(input, "input", op, floating=False)
    eps, = _parser_floats(op, (eps, "eps", 5))
    num_groups = _check_group_norm(x, num_groups, weight, bias)
    check_parameter_dtypes(x, weight, bias)     # the parameters' dtypes first, then the kernel, built for floats only
    refuse_kinds(x.dtype, "biuc", "GroupNormKernelImpl")
    N, C = x.shape[:2]
    xr = x._data.reshape(N, num_groups, C // num_groups * math.prod(x.shape[2:]))     # (no -1: N may be 0)
    return _norm_affine(x, xr, (2,), weight, bias, (1, C) + (1,) * (x.ndim - 2),
                        (C,), eps, op)


def _normalized_shape(normalized_shape, op):
    """normalized_shape as a tuple: a sequence of ints (a list, tuple or Size; integer tensors as elements); a bare
    int, a tensor or an array, or an element that is no integer (3.0; True first: one after it is taken as 1), is
    PyTorch's TypeError (its layers take a bare int, its functions do not)."""
    where = f"{op}(): argument 'normalized_shape' (position 2) must be tuple of ints"
    if isinstance(normalized_shape, (int, np.integer, Tensor, np.ndarray)):
        raise TypeError(f"{where}, not {parser_type_name(normalized_shape)}")
    shape = []
    for pos, n in enumerate(normalized_shape):
        if pos and isinstance(n, (bool, np.bool_)):     # (the parser unpacks the elements after the first as indices)
            shape.append(int(n))
            continue
        try:
            shape.append(as_int(n, "normalized_shape"))
        except TypeError:
            raise int_tuple_error(op, "normalized_shape", 2, pos, n) from None
    return tuple(shape)


def _check_normalized_shape(x, shape, parameters, star):
    """PyTorch's RuntimeErrors of layer_norm / rms_norm, in its order: an empty normalized_shape, a weight or bias
    (name, Tensor or None) not of that shape, then an input that does not end with it (SlotAttention's LayerNorm(16)
    of 8 features; rms_norm prints the shape as [*16], layer_norm as [*, 16])."""
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    for name, t in parameters:
        if t is not None and tuple(np.shape(t)) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(np.shape(t))} and normalized_shape = {list(shape)}")
    if x.ndim < len(shape) or tuple(x.shape[x.ndim - len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[{star}{', '.join(map(str, shape))}], but got input of size{list(x.shape)}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation (Ba et al., 2016): x (*, *normalized_shape) standardised over its last
    len(normalized_shape) dims, then y = xhat * weight + bias (weight, bias of normalized_shape)."""
    op = "layer_norm"
    x = _tensor(input, "input", op, floating=False)
    eps, = _parser_floats(op, (eps, "eps", 5))
    shape = _normalized_shape(normalized_shape, op)
    k = len(shape)
    weight = None if weight is None else _tensor(weight, "weight", op, floating=False)
    bias = None if bias is None else _tensor(bias, "bias", op, floating=False)
    check_parameter_dtypes(x, weight, bias, later=False)   # the CPU kernel's mixed-dtype check, before the shapes
    _check_normalized_shape(x, shape, (("weight", weight), ("bias", bias)), "*, ")
    refuse_kinds(x.dtype, "biuc", "LayerNormKernelImpl")    # then its kernel's dtypes: floats only
    check_parameter_dtypes(x, weight, bias)         # then the kernel reads each parameter as the input's dtype
    axes = tuple(range(x.ndim - k, x.ndim))
    return _norm_affine(x, x._data, axes, weight, bias, shape, shape, eps, op)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """RMS normalisation (Zhang and Sennrich, 2019): x (*, *normalized_shape) divided by
    sqrt(mean(x^2) + eps) over its last len(normalized_shape) dims (eps None: the dtype's machine epsilon, as
    PyTorch), times weight (of normalized_shape). Composed of Tensor ops (their gradients, also create_graph)."""
    x = _tensor(input, "input", "rms_norm")
    eps, = _parser_floats("rms_norm", (eps, "eps", 4)) if eps is not None else (None,)
    shape = _normalized_shape(normalized_shape, "rms_norm")
    k = len(shape)
    _check_normalized_shape(x, shape, (("weight", weight),), "*")
    eps = float(np.finfo(x.dtype).eps) if eps is None else eps
    y = x * ((x * x).mean(tuple(range(x.ndim - k, x.ndim)), keepdim=True) + eps).rsqrt()
    if weight is None:
        return y
    wdt = getattr(weight, "_data", weight).dtype
    if wdt == x._data.dtype:
        return y * weight
    if not _RMS_NORM_MIXED_WARNED:       # PyTorch's composite path then: the product cast back to the input's dtype
        _RMS_NORM_MIXED_WARNED.append(True)
        warn_at_caller(f"Mismatch dtype between input and weight: input dtype = {typeid_name(x._data.dtype)}, "
                       f"weight dtype = {typeid_name(wdt)}, Cannot dispatch to fused implementation.")
    return (y * weight).to(x.dtype)


_RMS_NORM_MIXED_WARNED = []     # PyTorch warns once per process (TORCH_WARN_ONCE)


def _norm_affine(x, xr, axes, weight, bias, bshape, wshape, eps, op):
    """Standardise xr (a reshaped view of x._data) over axes, then scale/shift by weight, bias
    (of shape wshape, broadcast to x as bshape)."""
    weight = None if weight is None else _tensor(weight, "weight", op)
    bias = None if bias is None else _tensor(bias, "bias", op)
    dt = x.dtype                        # (the callers checked the shapes and dtypes, in PyTorch's order and words)
    xhat_r, inv_std = _standardize(xr, axes, eps)
    xhat = xhat_r.reshape(x.shape)
    w = None if weight is None else weight._data.astype(dt, copy=False).reshape(bshape)
    y = xhat if w is None else xhat * w
    if bias is not None:
        y = y + bias._data.astype(dt, copy=False).reshape(bshape)
    lead = x.ndim - len(bshape)                         # leading dims that bshape does not cover
    sum_axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(bshape) if n == 1)

    def backward(g):
        # y = xhat w + b  =>  dw = sum g xhat, db = sum g (over everything but the weight's dims),
        # dxhat = g w, then through the standardisation
        gw = (g * xhat).sum(axis=sum_axes).reshape(wshape) if weight is not None and weight.requires_grad else None
        gb = g.sum(axis=sum_axes).reshape(wshape) if bias is not None and bias.requires_grad else None
        gx = None
        if x.requires_grad:
            gxhat = (g if w is None else g * w).reshape(xr.shape)
            gx = _standardize_backward(gxhat, xhat_r, inv_std, axes).reshape(x.shape)
        return (gx,) + ((gw,) if weight is not None else ()) + ((gb,) if bias is not None else ())

    def composite(xt, *affine):                     # the same by recorded ops (create_graph)
        xhat_t = _standardize_graph(xt.reshape(xr.shape), axes, eps).reshape(x.shape)
        return _affine(xhat_t, affine, weight, bias, bshape)
    parents = tuple(t for t in (x, weight, bias) if t is not None)
    # PyTorch's node: its native kernel's (NativeLayerNormBackward0, NativeGroupNormBackward0)
    return Tensor._make(y.astype(dt, copy=False), parents, backward, "native_" + op,
                        graph_backward_from(composite, parents))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p, eps) along dim, as torch.nn.functional.normalize; out: the result written into it (outside
    a graph, as PyTorch's out=) and returned."""
    if out is not None:
        from ..tensor_ops.out_arg import store  # noqa: PLC0415 - tensor_ops builds on nn.functional
        return store("normalize", normalize(input, p, dim, eps), out)
    if isinstance(input, Tensor):       # PyTorch divides by linalg.vector_norm, which names an integer input
        refuse_not_floating_or_complex(input.dtype, "linalg.vector_norm")
    x = _tensor(input, "input", "normalize", floating=not (isinstance(input, Tensor) and input.dtype.kind == "c"))
    if isinstance(p, str) or p in (math.inf, -math.inf, 0) or x.dtype.kind == "c":
        # the max / min / count norms are no power sum, nor 'fro' / 'nuc' (Tensor.norm's names, which PyTorch's
        # normalize hands on): PyTorch's input / input.norm(p).clamp_min(eps), by the
        # norm's own backward (pytorch-metric-learning's LpDistance(p=inf) normalizes so); a complex input is
        # divided by its real norm so too, as PyTorch divides it
        return x / x.norm(p=p, dim=dim, keepdim=True).clamp_min(eps)
    xd = x._data
    # dim as PyTorch's vector norm reads it: an int, a list or tuple (empty: every dim), a 0-d integer tensor, in
    # range (a 0-d input takes 0 and -1 and sums over nothing)
    axes = _normalize_axes(None if isinstance(dim, (list, tuple)) and not dim else dim, xd.ndim)
    axes = axes if xd.ndim else ()
    with np.errstate(divide="ignore"):          # p < 0 at a zero entry: |0|^p = inf, the norm 0 (as PyTorch, quietly)
        norm = (np.abs(xd) ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)
    clamped = norm < eps                        # (clamp_min's gradient passes at norm == eps, as PyTorch's)
    n = np.maximum(norm, eps).astype(xd.dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):     # eps=0 and a zero norm: 0 / 0 = nan, quietly as PyTorch
        y = xd / n

    def backward(g):
        # y = x / n  =>  dx = g / n - x sum(g x) / n^2 * dn/dx, dn/dx = sign(x) |x|^(p-1) / n^(p-1)
        # (n = eps is a constant where the norm was clamped)
        with np.errstate(divide="ignore", invalid="ignore"):     # |x|^(p-1) = inf at x = 0 for p < 1: 0 there
            gx = g / n
            dn = np.where(xd == 0, 0, np.sign(xd) * np.abs(xd) ** (p - 1)) / np.where(clamped, 1, n) ** (p - 1)
            through_norm = np.where(clamped, 0, (g * xd).sum(axis=axes, keepdims=True) / (n * n)) * dn
        if p > 1 and p != 2:    # PyTorch's vector-norm backward zeroes its result at a zero norm for these p
            through_norm = np.where(norm == 0, 0, through_norm)     # (eps=0 there: nan for p <= 1 and 2, not 3)
        gx -= through_norm
        return (gx.astype(xd.dtype, copy=False),)

    def composite(xt):                  # the same by recorded ops (create_graph: e3nn's spherical_harmonics of
        # normalised edge vectors inside an energy whose gradient gives forces)
        return xt / xt.norm(p=p, dim=dim, keepdim=True).clamp_min(eps)
    return Tensor._make(y, (x,), backward, "normalize", graph_backward_from(composite, (x,)))


def _check_feature_rank(ndim, p):
    """PyTorch's feature dropout kernels need (N, C, *) for their noise: checked before they write (in place too);
    p = 1 multiplies by zero without a noise, so it takes any rank."""
    if ndim < 2 and p != 1:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")


def _feature_dropout(x, p, training, batched_ndim=None):
    """PyTorch's feature_dropout: x (N, C, *) with each (n, c) feature zeroed whole with probability p, the rest
    scaled by 1/(1-p) (training only; one draw per feature, mask (N, C, 1, ..., 1), from nn's seeded generator).
    batched_ndim (dropout1d's 3, dropout3d's 5): in training, an x of another rank is one unbatched input, dropped
    as a batch of one (outside training the input itself comes back, as PyTorch's)."""
    if training and batched_ndim is not None and x.ndim != batched_ndim:
        return _feature_dropout(x.unsqueeze(0), p, training).squeeze(0)
    if not dropout_writes(x, p, training):
        return x
    _check_feature_rank(x.ndim, p)
    dt = x.dtype
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    mask = np.zeros(shape, dt) if p == 1.0 else (get_rng().random(shape, dtype=dt) >= p).astype(dt) / dt.type(1 - p)
    y = x._data * mask

    def backward(g):
        # y = x * mask  =>  dx = g * mask
        return (g * mask,)
    return Tensor._make(y, (x,), backward, "feature_dropout")


def _deprecated_rank(op, ndim, dims, spatial):
    warnings.warn(f"{op}: Received a {ndim}-D input to {op}, which is deprecated and will result in an error in a "
                  f"future release. To retain the behavior and silence this warning, please use dropout instead. Note "
                  f"that {op} exists to provide channel-wise dropout on inputs with {spatial} spatial dimensions, a "
                  f"channel dimension, and an optional batch dimension (i.e. {dims[0]}D or {dims[1]}D inputs).",
                  UserWarning, stacklevel=3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of x (N, C, H, W) with probability p; scale the rest by 1/(1-p) (training only; the
    mask comes from nn's seeded generator). As PyTorch: a 3-D input is read as (N, C, L), not (C, H, W) (one draw
    per row, with PyTorch's warning); other ranks warn and drop the (N, C) features of x (N, C, *)."""
    _check_probability(p, "dropout2d")
    if inplace and dropout_writes(input, p, training):
        _check_feature_rank(np.ndim(getattr(input, "_data", input)), p)      # before the write, as PyTorch's
        return _written_into(input, "dropout2d_", lambda t: dropout2d(t, p, training))
    x = _tensor(input, "input", "dropout2d")
    if x.ndim not in (3, 4):
        _deprecated_rank("dropout2d", x.ndim, (3, 4), 2)
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", UserWarning, stacklevel=2)
    return _feature_dropout(x, p, training)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Instance normalisation (Ulyanov et al., 2016): x (N, C, *) standardised per sample and
    channel over the positions (group_norm with one channel per group), then y = xhat * weight[c] + bias[c].
    With running_mean / running_var ((C,) arrays, updated in place; PyTorch's track_running_stats): while
    use_input_stats they move toward the batch's mean of each instance's mean and unbiased variance,
    r = (1 - momentum) r + momentum * stat; use_input_stats=False normalises with them instead."""
    x = _tensor(input, "input", "instance_norm")
    if use_input_stats and math.prod(x.shape[2:]) == 1:     # F.instance_norm's own check (a 2-D input too), first
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"torch.Size({list(x.shape)})")              # PyTorch prints a torch.Size here
    momentum, eps = _parser_floats("instance_norm", (momentum, "momentum", 7), (eps, "eps", 8))
    stats = [None if r is None else getattr(r, "_data", r) for r in (running_mean, running_var)]
    if not use_input_stats and (stats[0] is None or stats[1] is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    if x.ndim < 2:                                          # (a 2-D input in eval mode is PyTorch's (N, C) too)
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    # then ATen's: batch_norm of the (1, N * C, *) input, each statistic and affine repeated over the batch
    _check_batch_norm_arguments(x.shape[0] * x.shape[1], use_input_stats, *stats, weight, bias, repeats=x.shape[0])
    # (weight and bias only: PyTorch repeats the running statistics per instance, which casts them to the input's
    # dtype, so a float32 input takes float64 statistics and the reverse)
    check_parameter_dtypes(x, *(None if p is None else _tensor(p, name, "instance_norm")
                                for p, name in ((weight, "weight"), (bias, "bias"))))
    channel = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if not use_input_stats:
        mean, std = stats[0].reshape(channel), np.sqrt(stats[1] + eps).reshape(channel)
        y = (x - Tensor._wrap(mean.astype(x.dtype))) / Tensor._wrap(std.astype(x.dtype))
        y = y if weight is None else y * weight.reshape(channel)
        return y if bias is None else y + bias.reshape(channel)
    positions = tuple(range(2, x.ndim))
    for r, stat in ((stats[0], lambda d: d.mean(positions)), (stats[1], lambda d: d.var(positions, ddof=1))):
        if r is not None:
            r[...] = (1 - momentum) * r + momentum * stat(x._data).mean(0)
    return group_norm(x, x.shape[1], weight, bias, eps)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of x (N, C, D, H, W) (or (C, D, H, W)) with probability p; scale the rest by
    1/(1-p). Other ranks warn, as PyTorch's, and are read as unbatched (a batch of one)."""
    _check_probability(p, "dropout3d")
    if inplace and (dropout_writes(input, p, training) or np.ndim(getattr(input, "_data", input)) != 5):
        # (PyTorch unsqueezes any input but (N, C, D, H, W) in place, unsqueeze_, whatever p and training)
        return _written_into(input, "dropout3d_", lambda t: dropout3d(t, p, training))
    x = _tensor(input, "input", "dropout3d")
    if x.ndim not in (4, 5):
        _deprecated_rank("dropout3d", x.ndim, (4, 5), 3)
    return _feature_dropout(x, p, training, batched_ndim=5)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of x (N, C, L) (or (C, L)) with probability p; scale the rest by 1/(1-p)."""
    _check_probability(p, "dropout1d")
    ndim = np.ndim(getattr(input, "_data", input))
    if ndim not in (2, 3):                   # first, before an in-place write, as PyTorch's
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. Note that dropout1d "
                           f"exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           f"dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if inplace and (dropout_writes(input, p, training) or ndim == 2):
        # (PyTorch unsqueezes an unbatched input in place, unsqueeze_, whatever p and training)
        return _written_into(input, "dropout1d_", lambda t: dropout1d(t, p, training))
    x = _tensor(input, "input", "dropout1d")
    return _feature_dropout(x, p, training, batched_ndim=3)
