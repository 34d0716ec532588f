"""Element-wise losses: mse, l1, smooth_l1, binary_cross_entropy (+ with_logits), kl_div.

Class-index losses (cross_entropy, nll_loss) are in classification.py."""
import warnings

import numpy as np

from ..autograd import graph_backward_from
from .activations import softplus
from ..dtypes import kernel_not_implemented, refuse_kinds, scalar_type_name, result_dtype
from ..tensor import Tensor, broadcast_shape, _refuse_bool_subtraction
from ._args import (_tensor, _common_dtype, _cast, _reduce, legacy_reduction, check_reduction, refuse_grad,
                    NOT_VALID_WEIGHTED)


# the binary cross-entropies' refusal of a target of another size, in PyTorch's words (F.binary_cross_entropy's is
# still worded from its deprecation); effdet's focal loss meets the second with an image size its anchors don't fit
_OTHER_SIZE_ERRORS = {
    "binary_cross_entropy": "Using a target size ({t}) that is different to the input size ({i}) is deprecated. "
                            "Please ensure they have the same size.",
    "binary_cross_entropy_with_logits": "Target size ({t}) must be the same as input size ({i})",
}


def _loss_args(input, target, op, other_shape="error", kernel=False, into_input=False, floating=None):
    """(input, target) as Tensors of one shape. A target of another shape does what it does in PyTorch:
    other_shape 'warn' (mse, l1, smooth_l1 and huber: both broadcast, with PyTorch's warning that this is likely
    a bug, e.g. a (N,) target for an (N, 1) input gives an (N, N) loss), 'broadcast' (kl_div: silently), or
    'error' (the binary cross-entropies). The regression losses ('warn') take integer and bool tensors as
    PyTorch does: kernel=True (mse, smooth_l1, huber: PyTorch's kernels) applies their dtype rule,
    _kernel_dtypes; kernel=False (l1_loss and weighted mse, Python arithmetic in PyTorch) leaves them to the Tensor
    ops (a bool one: "Subtraction, the `-` operator, with a bool tensor is not supported"). floating=False: any
    real dtype passes (the caller applies its kernel's dtype rule)."""
    floating = other_shape != "warn" if floating is None else floating
    input = _tensor(input, "input", op, floating)
    target = _tensor(target, "target", op, floating)
    if input.shape != target.shape:
        # PyTorch's words, its sizes' reprs (torch.Size([2, 1]) there, nn.Size([2, 1]) here)
        sizes = {"t": repr(target.shape), "i": repr(input.shape)}
        if other_shape == "error":
            raise ValueError(_OTHER_SIZE_ERRORS[op].format(**sizes))
        if other_shape == "warn":       # (before the broadcast, which may fail: siren-pytorch's mse of a wrong size)
            warnings.warn("Using a target size ({t}) that is different to the input size ({i}). This will likely lead "
                          "to incorrect results due to broadcasting. Please ensure they have the same size."
                          .format(**sizes), UserWarning, stacklevel=3)
        # PyTorch's broadcasting error (ShapeError): kl_div's first binary op is target * input (or target -
        # input), so its "tensor a" is the target; the others broadcast_tensors(input, target)
        a, b = (target, input) if other_shape == "broadcast" else (input, target)
        shape = broadcast_shape(a.shape, b.shape)
        input, target = input.broadcast_to(shape), target.broadcast_to(shape)
    if kernel:
        input, target = _kernel_dtypes(input, target, op, into_input)
    return input, target


class _KernelDtypeError(NotImplementedError, TypeError):
    """PyTorch's NotImplementedError for a loss kernel of two integer tensors, still the TypeError nn raised before."""


def _kernel_dtypes(input, target, op, into_input=False):
    """(input, target) in one float dtype, as PyTorch's element-wise loss kernels take them: an integer or bool
    tensor beside a float one is cast to the float one's dtype (integer labels as regression targets:
    mse_loss(float_out, long_labels)); two integer / bool tensors are refused in PyTorch's words ('"mse_cpu" not
    implemented for 'Long'', the common dtype's name). into_input: huber's kernel writes into a tensor
    of the input's dtype, so an integer or bool input is refused as PyTorch's in-place ops refuse ("result type
    Double can't be cast to the desired output type Long")."""
    from ..tensor_ops.inplace import _check_result_cast   # noqa: PLC0415 - tensor_ops builds on nn.functional
    common = result_dtype(input._data, target._data)
    if into_input:
        _check_result_cast(common, input)
    if common.kind in "iub":
        raise _KernelDtypeError(str(kernel_not_implemented(op.replace("_loss", "_cpu"), common)))
    a, b = input._data.dtype.kind == "f", target._data.dtype.kind == "f"
    if a and not b and target._data.dtype.kind != "c":
        target = Tensor._wrap(target._data.astype(input._data.dtype))     # an integer tensor is no graph's
    elif b and not a and input._data.dtype.kind != "c":
        input = Tensor._wrap(input._data.astype(target._data.dtype))
    return _tensor(input, "input", op), _tensor(target, "target", op)


def _weighted(loss, weight, input_shape, reduction, op, mean_over_weights=True):
    """weight * loss (element-wise, weight: the input's own shape), reduced as PyTorch's weighted regression losses:
    'mean' divides by the sum of the weights (huber_loss: by the count, mean_over_weights=False)."""
    weight = _tensor(weight, "weight", op)
    if tuple(weight.shape) != tuple(input_shape):
        raise ValueError("Weights and input must have the same size.")
    reduction = check_reduction(reduction, NOT_VALID_WEIGHTED, old_mean=False)    # PyTorch checks in Python here
    loss = loss * weight
    if reduction == "mean" and mean_over_weights:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error: reduce((input - target)^2); with weight (input's shape), reduce(weight * (input -
    target)^2), whose 'mean' is over the sum of the weights.

    One op rather than sub, pow and mean: two passes forward and one backward. size_average / reduce (here and in
    every loss that PyTorch gives them): its deprecated arguments, mapped as it maps them (_args.legacy_reduction).
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    input_shape = np.shape(input)
    input, target = _loss_args(input, target, "mse_loss", "warn", kernel=weight is None)  # weighted: Python's
    if weight is not None:
        return _weighted((input - target) ** 2, weight, input_shape, reduction, "mse_loss")
    reduction = check_reduction(reduction)                   # after the shapes, as PyTorch's
    dt = _common_dtype(input, target)
    d = _cast(input._data, dt) - _cast(target._data, dt)
    sq = d * d
    if reduction == "none":
        loss = sq
    else:
        loss = np.asarray(sq.sum() if reduction == "sum" else sq.mean() if sq.size else np.nan, dtype=dt)  # (empty: NaN)

    def backward(g):
        # L = reduce(d^2), d = input - target  =>  dL/dinput = 2 d g' = -dL/dtarget,
        # where g' = g for 'none' and 'sum', g / n for 'mean' (every element weighs 1/n)
        scale = 2 * (g / d.size if reduction == "mean" else g)
        gd = d * scale.astype(dt, copy=False)
        return (gd if input.requires_grad else None,
                -gd if target.requires_grad else None)

    def composite(input, target):                   # the same loss by recorded ops (create_graph)
        sq = (input - target) ** 2
        return sq if reduction == "none" else sq.sum() if reduction == "sum" else sq.mean()
    return Tensor._make(loss, (input, target), backward, "mse_loss", graph_backward_from(composite, (input, target)))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error: reduce(|input - target|) (gradient 0 where they are equal); weight as mse_loss's."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input_shape = np.shape(input)
    input, target = _loss_args(input, target, "l1_loss", "warn")
    if weight is not None:
        return _weighted((input - target).abs(), weight, input_shape, reduction, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Huber-like loss: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = _loss_args(input, target, "smooth_l1_loss", "warn", kernel=True)
    reduction = check_reduction(reduction)                   # after the shapes, before beta, as PyTorch's
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")     # PyTorch's words
    d = input._data - target._data
    ad = np.abs(d)
    if beta == 0:                               # PyTorch: beta = 0 is plain L1
        loss = ad
    else:
        loss = np.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta)
    dt = d.dtype

    def backward(g):
        # d loss / d d = d / beta inside the quadratic zone, sign(d) outside; d/dtarget = -that
        dd = g * (np.where(ad < beta, d / beta, np.sign(d)) if beta else np.sign(d))
        return (dd if input.requires_grad else None,
                -dd if target.requires_grad else None)
    def composite(input, target):               # the same loss by recorded ops (create_graph)
        d = input - target
        if not beta:
            return d.abs()
        return (0.5 * d * d / beta).where(d.abs() < beta, d.abs() - 0.5 * beta)
    out = Tensor._make(loss.astype(dt, copy=False), (input, target), backward, "smooth_l1",
                       graph_backward_from(composite, (input, target)))
    return _reduce(out, reduction)


def _constant(v, dt):
    """An optional weight (Tensor, ndarray, number or None) as an ndarray of dtype dt, or None."""
    if v is None:
        return None
    return (v._data if isinstance(v, Tensor) else np.asarray(v)).astype(dt, copy=False)


def _reduce_elementwise(loss, input, target, backward, reduction, op, composite=None, dtype=None):
    """Make the element-wise loss Tensor (of dtype, by default the input's), then reduce it ('mean' | 'sum' |
    'none'); composite(input, target), the element-wise loss by recorded ops, gives it a create_graph gradient."""
    out = Tensor._make(loss.astype(dtype or input.dtype, copy=False), (input, target), backward, op,
                       None if composite is None else graph_backward_from(composite, (input, target)))
    return _reduce(out, reduction)


_BCE_EPSILON = float(np.float32(1e-12))        # PyTorch's `const float EPSILON = 1e-12` of the BCE backward


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)), as torch.nn.functional.binary_cross_entropy.

    input: probabilities in [0, 1], any shape; target: same shape; weight broadcasts to it.
    As PyTorch, each log is clamped at -100 so that x = 0 or 1 gives a finite loss.
    """
    op = "binary_cross_entropy"
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))     # before the shapes
    input, target = _loss_args(input, target, op, floating=False)
    refuse_grad(weight, op, "weight")           # a constant in PyTorch's kernel, refused before its dtype checks
    # PyTorch's kernel takes one dtype: a target of another one (pykeen's float32 labels, a recommender's int64
    # clicks left without .float()) is its RuntimeError, and integer, bool or complex operands its
    # NotImplementedError
    if target.dtype != input.dtype:
        raise RuntimeError(f"Found dtype {scalar_type_name(target.dtype)} but "
                           f"expected {scalar_type_name(input.dtype)}")
    refuse_kinds(input.dtype, "iubc", op)
    x, y, dt = input._data, target._data.astype(input.dtype, copy=False), input.dtype
    # PyTorch's kernel checks element by element, each one's input before its target, NaN included (with_logits
    # takes any): the first element out of [0, 1] names the tensor
    bad_x, bad_y = ~((x >= 0) & (x <= 1)), ~((y >= 0) & (y <= 1))
    first = np.flatnonzero(bad_x | bad_y)[:1]
    if first.size:
        raise RuntimeError(f"all elements of {'input' if bad_x.flat[first[0]] else 'target'} should be between 0 "
                           f"and 1")
    w = _constant(weight, dt)
    with np.errstate(divide="ignore"):
        log_x, log_1mx = np.maximum(np.log(x), -100), np.maximum(np.log1p(-x), -100)
    loss = -(y * log_x + (1 - y) * log_1mx)
    if w is not None:
        loss = loss * w

    def backward(g):
        # dL/dx = w (x - y) / (x (1 - x)) (denominator clamped at PyTorch's EPSILON, a float 1e-12:
        # 9.99999996e-13, so that x = 1, y = 0 gives 1.0000000039958e12 in float64 too);
        # dL/dy = w (log(1 - x) - log x)
        gw = g if w is None else g * w
        gx = gw * (x - y) / np.maximum(x * (1 - x), _BCE_EPSILON) if input.requires_grad else None
        gy = gw * (log_1mx - log_x) if target.requires_grad else None
        return gx, gy
    def graph_backward(g):
        # the two derivatives above by recorded ops (create_graph: PyTorch's binary_cross_entropy_double_backward,
        # d/dx (x - y) / (x (1 - x)) = (x^2 - 2 x y + y) / (x (1 - x))^2, its clamp at 1e-12 aside)
        gw = g if w is None else g * Tensor._wrap(w)
        gx = gw * (input - target) / (input * (1 - input)).clamp(min=_BCE_EPSILON) if input.requires_grad else None
        gy = (gw * ((1 - input).log().clamp(min=-100) - input.log().clamp(min=-100)) if target.requires_grad
              else None)
        return gx, gy
    out = Tensor._make(loss.astype(input.dtype, copy=False), (input, target), backward, op, graph_backward)
    return _reduce(out, reduction)


def _refuse_non_float_operands(input, target):
    """PyTorch's errors for a non-float input or target of binary_cross_entropy_with_logits, whose kernel takes
    log_sigmoid(input) (not built for integer, bool or complex dtypes), then (1 - target).mul_(input) in place: a
    bool target's 1 - target is refused ("Subtraction, the `-` operator, with two bool tensors ..."), an integer one
    cannot take the float product ("result type Double can't be cast to the desired output type Long": libauc's
    FocalLoss given its labels as a LongTensor)."""
    if input._data.dtype.kind != "f":
        raise _KernelDtypeError(str(kernel_not_implemented("log_sigmoid_cpu", input._data.dtype)))
    kind = target._data.dtype.kind
    if kind == "b":
        _refuse_bool_subtraction(target, True)
    elif kind in "iu":      # (the import here: a float target's call costs 0.6 against 5 us)
        from ..tensor_ops.inplace import _check_result_cast  # noqa: PLC0415 - tensor_ops builds on nn.functional
        _check_result_cast(result_dtype(input._data, target._data), target)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """sigmoid + binary cross-entropy in one stable op, as torch.nn.functional's.

    loss = w [(1 - y) x + (1 + (pw - 1) y) softplus(-x)]; input logits, any shape; target of
    input's shape; weight broadcasts to it; pos_weight (C,) weighs positives along the last dim.
    """
    op = "binary_cross_entropy_with_logits"
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))     # before the shapes
    input, target = _loss_args(input, target, op, floating=False)      # the sizes first, as PyTorch's
    _refuse_non_float_operands(input, target)
    refuse_grad(weight, op, "weight")           # constants in PyTorch's kernel
    refuse_grad(pos_weight, op, "pos_weight")
    x, dt = input._data, input.dtype
    # PyTorch computes (1 - target).mul_(input).sub_(log_sigmoid(input)) in place: the loss takes a floating
    # target's dtype (float64 logits with timm Mixup's float32 targets -> a float32 loss, and the reverse float64)
    out_dt = target.dtype if np.issubdtype(target.dtype, np.floating) else dt
    y = target._data.astype(np.result_type(dt, out_dt), copy=False)     # computed in the wider, then out_dt
    w, pw = _constant(weight, dt), _constant(pos_weight, dt)
    softplus_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)     # log(1 + e^-x), stable
    lw = 1                                                              # weight of the positive term
    if pw is not None:
        # PyTorch's (pos_weight - 1).mul(target).add_(1) (and pos_weight.mul(target) in backward) in pos_weight's and
        # a floating target's own dtypes: a float32 pos_weight with float64 logits rounds them to float32
        pw_own = pos_weight._data if isinstance(pos_weight, Tensor) and pos_weight._data.dtype.kind == "f" else pw
        t_own = target._data if target._data.dtype.kind == "f" else target._data.astype(pw_own.dtype)
        lw = (pw_own - 1) * t_own + 1
    if np.dtype(out_dt).itemsize < np.dtype(dt).itemsize:
        # a narrower target: PyTorch's in-place steps round to it twice, (1 - y) x and then the difference (with
        # pos_weight too: its log_sigmoid(x) * (1 + (pw - 1) y) stays in the input's dtype until that difference);
        # 1 - y itself is taken in the target's dtype (inexact for a soft label below 1/2)
        loss = (1 - target._data).astype(y.dtype) * x
        loss = (loss.astype(out_dt).astype(loss.dtype) + lw * softplus_neg).astype(out_dt)
    else:
        loss = (1 - y) * x + lw * softplus_neg
    if w is not None:
        loss = loss * w

    def backward(g, n=1):
        # d softplus(-x)/dx = -sigmoid(-x) = sigmoid(x) - 1, so dL/dx = w [(1 - y) + lw (sigmoid(x) - 1)];
        # dL/dy = w [-x + (pw - 1) softplus(-x)]; n: a narrower target's mean count, which dL/dx is divided by
        gw = g if w is None else g * w
        gx = gy = None
        if input.requires_grad:
            sig = np.exp(-softplus_neg)                                  # sigmoid(x) = e^{-softplus(-x)}
            if pw is None:
                gx = (gw * (sig - y) / n).astype(dt, copy=False)
            else:
                # (1 - y) + lw (sigmoid(x) - 1) = (pw y + 1 - y) sigmoid(x) - pw y, by PyTorch's in-place steps:
                # each rounded to pos_weight * target's dtype (float32 for float32 ones, whatever the logits')
                pt = pw_own * t_own
                gp = ((pt + 1 - t_own) * sig).astype(pt.dtype, copy=False) - pt
                for f in (g, w):
                    gp = gp if f is None else (gp * f).astype(pt.dtype, copy=False)
                gx = (gp / n).astype(pt.dtype, copy=False).astype(dt, copy=False)
        if target.requires_grad:
            gy = (gw * (-x + (0 if pw is None else (pw - 1) * softplus_neg))).astype(out_dt, copy=False)
        return gx, gy

    def composite(input, target):                # the same loss by recorded ops (create_graph: Newton's method)
        t = target.to(input.dtype)
        lw_t = 1 if pw is None else 1 + (Tensor._wrap(pw) - 1) * t
        out = (1 - t) * input + lw_t * softplus(-input, threshold=float("inf"))     # exact slopes everywhere
        return (out if w is None else out * Tensor._wrap(w)).to(out_dt)
    if reduction == "mean" and out_dt != dt:
        # a narrower target's loss (pykeen's float32 labels with float64 scores): PyTorch's backward divides by
        # numel in the input's dtype, (sigmoid(x) - y) g / n, not by the narrower mean's rounded 1 / n
        n = max(loss.size, 1)

        def mean_backward(g):
            gx, gy = backward(np.asarray(g, dtype=dt), n)
            return gx, None if gy is None else (gy / n).astype(out_dt, copy=False)
        value = Tensor._wrap(loss.astype(out_dt, copy=False)).mean()._data  # the forward: the narrower mean, as before
        return Tensor._make(value, (input, target), mean_backward, op,
                            graph_backward_from(lambda i, t: composite(i, t).mean(), (input, target)))
    return _reduce_elementwise(loss, input, target, backward, reduction, op, composite, out_dt)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence, as torch.nn.functional.kl_div: pointwise t (log t - input).

    input: log-probabilities; target: probabilities (or log-probabilities if log_target), of input's shape
    or broadcasting with it (silently, as PyTorch). reduction 'batchmean' divides the sum by input.shape[0] (the mathematically correct
    KL); 'mean' (PyTorch's default) by the number of elements. Where t = 0 the term is 0 (NaN where input = -inf,
    as PyTorch's).
    """
    if size_average is None and reduce is None and reduction == "mean":
        # PyTorch's F.kl_div warns for its default 'mean' (not for the legacy arguments that map to it, nor does
        # the aten form torch.kl_div, which calls _kl_div)
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    return _kl_div(input, target, legacy_reduction(size_average, reduce, reduction), log_target)


def _kl_div(input, target, reduction, log_target):
    """kl_div without the warning for 'mean'."""
    op = "kl_div"
    if reduction != "batchmean":
        reduction = check_reduction(reduction)
    input = _tensor(input, "input", op)
    batch = input.shape[:1]                                   # batchmean divides by the input's own batch
    input, target = _loss_args(input, target, op, "broadcast")
    # PyTorch's exp(t) * (t - x) (or xlogy(t, t) - t x) promotes: float32 log-probabilities with a float64 target
    # (dalle-pytorch's log of a float32 uniform) give a float64 loss; the target-only factor keeps t's own dtype
    dt = _common_dtype(input, target)
    t_own = target._data if np.issubdtype(target.dtype, np.floating) else _cast(target._data, dt)
    x, t = _cast(input._data, dt), _cast(t_own, dt)
    if log_target:
        et = _cast(np.exp(t_own), dt)
        loss = et * (t - x)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            log_own = np.where(t_own > 0, np.log(np.where(t_own > 0, t_own, 1)), 0).astype(t_own.dtype, copy=False)
            # PyTorch's xlogy(t, t) - t x: a zero target's term is 0 - 0 x, so NaN where x = -inf (log of a zero
            # probability), as there; a negative target's log is NaN too
            xlogy = np.where(t_own > 0, t_own * log_own, np.where(t_own == 0, 0, np.nan)).astype(t_own.dtype,
                                                                                               copy=False)
            log_t = _cast(log_own, dt)
            loss = _cast(xlogy, dt) - t * x

    def backward(g):
        # dL/dx = -t (or -e^t);  dL/dt = log t + 1 - x (0 where t = 0), or e^t (t - x + 1) if log_target
        gx = gt = None
        if input.requires_grad:
            gx = (-g * (et if log_target else t)).astype(input.dtype, copy=False)
        if target.requires_grad:
            gt = (g * (et * (t - x + 1) if log_target else np.where(t > 0, log_t + 1 - x, 0))).astype(
                target.dtype, copy=False)
        return gx, gt
    def composite(input, target):               # the same loss by recorded ops (create_graph)
        if log_target:
            return target.exp() * (target - input)
        if not target.requires_grad:
            return Tensor._wrap(xlogy) - target * input
        positive = target > 0                   # t log t, 0 at t = 0 (the first-order backward's 0 there)
        return target * target.where(positive, Tensor._wrap(np.ones((), target._data.dtype))).log() - target * input
    out = Tensor._make(loss.astype(dt, copy=False), (input, target), backward, op,
                       graph_backward_from(composite, (input, target)))
    if reduction == "batchmean":
        return out.sum() / (batch[0] if batch else 1)
    return _reduce(out, reduction)
