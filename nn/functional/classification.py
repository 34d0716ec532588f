"""Classification losses over a class dim 1: cross_entropy and nll_loss (torch.nn.functional's).

Shapes: input (N, C) or (N, C, d1, d2, ...) (logits for cross_entropy, log-probabilities for
nll_loss), or one sample's (C,) (run as a batch of one); a class-index target is an int64 array (N,) or (N, d1, ...)
(uint8 too for (N,), as PyTorch's kernels take; an ndarray or a Tensor); a probability target (cross_entropy only) is
a float array of input's shape.

Both index and probability targets reduce to one soft target q per position (N, 1, d1...):
    loss = -sum_c q_c log softmax(x)_c = a * lse(x) - sum_c q_c x_c,   a = sum_c q_c
    dloss/dx = a * softmax(x) - q
(q = (1-eps) w_t onehot(t) + eps/C w for indices, q = w * ((1-eps) y + eps/C) for probabilities,
with w the class weights and eps the label smoothing). Everything stays in input's own layout
(class dim 1): no moveaxis copy, one (N, C, ...) buffer for softmax kept for backward.
"""
import math

import numpy as np

from .. import kernels as K
from ..autograd import graph_backward_from
from ..caller_warnings import warn_at_caller
from ..dtypes import scalar_type_mismatch, scalar_type_name
from ..tensor import Tensor
from .dense import linear
from ._args import _check_probability, _tensor, legacy_reduction, check_reduction, refuse_grad


def _class_weight(weight, C, dt, op):
    """weight (C,) as an ndarray of dtype dt (None stays None); a constant, as in PyTorch's usual use."""
    if weight is None:
        return None
    w = (weight._data if isinstance(weight, Tensor) else np.asarray(weight)).astype(dt)
    if w.shape != (C,):
        raise ValueError(f"{op}: weight must have shape ({C},) (one per class), got {w.shape}")
    return w


def _refuse_weight_grad(weight, input):
    """PyTorch's class-index kernels (nll_loss_forward, nll_loss2d_forward for (N, C, d1, ...)) take the class
    weight as a constant: one that requires grad is refused while grad mode is on (probability targets, a
    composite there, differentiate it)."""
    refuse_grad(weight, "nll_loss_forward" if input.ndim <= 2 else "nll_loss2d_forward", "weight")


def _along_classes(v, ndim):
    """(C,) -> (1, C, 1, ...) to broadcast against (N, C, d1, ...)."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _refuse_target_shape(got, shape):
    """PyTorch's errors for integer targets of the wrong shape (speechbrain's nll_loss on a (N, 1) target): the
    batch sizes first (a ValueError), then the per-layout RuntimeErrors of its C++ checks."""
    dims = lambda s: "[" + ", ".join(map(str, s)) + "]"         # noqa: E731
    batch = got[0] if got else 0                            # (a 0-d target: a batch of 0, as PyTorch says)
    if batch != shape[0]:
        raise ValueError(f"Expected input batch_size ({shape[0]}) to match target batch_size ({batch}).")
    if len(shape) == 2:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if len(shape) == 3:
        raise RuntimeError(f"Expected target size {dims((shape[0],) + shape[2:])}, got {dims(got)}")
    if len(got) != len(shape) - 1:
        raise RuntimeError(f"only batches of spatial targets supported ({len(shape) - 1}D tensors) but got targets "
                           f"of dimension: {len(got)}")
    raise RuntimeError(f"size mismatch (got input: {dims(shape)} , target: {dims(got)}")


class TargetDtypeError(RuntimeError, TypeError):
    """Class-index targets of a dtype other than int64 / uint8: PyTorch's RuntimeError; nn raised TypeError before,
    which code written for nn may catch."""


class TargetBoundsError(IndexError, ValueError):
    """A class index outside [0, C) (and not ignore_index): PyTorch's IndexError; nn raised ValueError before."""


def _index_target(target, input, ignore_index, reduction):
    """Integer targets (N, d1...) -> (labels with ignored set to 0 (N, 1, d1...) intp, valid mask (N, d1...)).

    PyTorch's checks in its order: the shape, then the dtype (its nll_loss kernels take Long or Byte only, so a
    float target of the class-index shape, or an int32 one, is refused; its spatial kernel, for input (N, C, d1...),
    Long only, unless a reduced empty batch returns first), then each index in bounds (the first bad one in
    row-major order, as its sequential loop finds it; with reduction='none' its parallel loop may name another).
    """
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    N, C = input.shape[:2]
    want = (N,) + tuple(input.shape[2:])
    if t.shape != want:
        _refuse_target_shape(t.shape, tuple(input.shape))
    if t.dtype not in (np.int64, np.uint8):
        raise TargetDtypeError(f"expected target dtype to be Long or Byte, but got {scalar_type_name(t.dtype)}")
    if t.dtype == np.uint8 and input.ndim > 2 and (t.size or reduction == "none"):
        raise TargetDtypeError("expected scalar type Long but found Byte")
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= C))
    if bad.any():
        raise TargetBoundsError(f"Target {int(t[bad].flat[0])} is out of bounds.")
    labels = np.where(valid, t, 0).astype(np.intp)[:, None]
    return labels, valid


def _check_common(input, op, min_ndim=2):
    input = _tensor(input, "input", op)
    if input.ndim < min_ndim:
        raise ValueError(f"{op}: input must be (C,), (N, C) or (N, C, d1, ...), got shape {tuple(input.shape)}")
    return input


def _softmax_and_lse(x):
    """x (N, C, ...) -> softmax along dim 1 (one new buffer), log-sum-exp (N, 1, ...)."""
    m = x.max(axis=1, keepdims=True)
    p = np.subtract(x, m)                                  # stable: exp(p) <= 1
    np.exp(p, out=p)
    s = p.sum(axis=1, keepdims=True)
    p /= s
    lse = np.log(s)
    lse += m
    return p, lse


def _reduce_rows(losses, reduction, denom):
    """Per-position losses (N, d1...) -> reduced loss; also the factor that scales g in backward."""
    if reduction == "none":
        return losses, None
    total = losses.sum(dtype=np.float64) if losses.dtype == np.float32 else losses.sum()
    with np.errstate(invalid="ignore", divide="ignore"):    # every target ignored (a crop of 255s): NaN, silently
        return np.asarray(total / denom if reduction == "mean" else total, dtype=losses.dtype), denom


def _soft_target_loss(q, logp, reduction, denom):
    """-sum_c q_c logp_c per position, reduced: the losses of this module by recorded ops (create_graph).
    q, logp: Tensors (N, C, d1...)."""
    losses = -(q * logp).sum(1)
    return losses if reduction == "none" else losses.sum() / denom if reduction == "mean" else losses.sum()


def _row_scale(g, reduction, denom, dt):
    """dL/dloss_i as (N, 1, d1...) or a scalar: g itself ('none'), g / denom ('mean') or g ('sum')."""
    if reduction == "none":
        return g.astype(dt, copy=False)[:, None]
    if reduction == "mean" and denom == 0:
        # every target ignored (a segmentation crop of void labels): the loss is NaN, but each row's gradient is
        # 0, as PyTorch's, which skips ignored rows rather than scaling them by g / 0
        return dt.type(0)
    return dt.type(g / denom) if reduction == "mean" else dt.type(g)


def _unbatched(loss, input, target, reduction, *args, **kwargs):
    """loss of one sample: input (C,) and target () (a class index) or (C,) (probabilities) as a batch of one;
    reduction='none' gives the 0-d loss, as PyTorch's."""
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind in "iu" and t.ndim == 1:        # a class index as a 1-element vector, as PyTorch takes it
        if t.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {t.shape[0]}")
    else:
        target = target.unsqueeze(0) if isinstance(target, Tensor) else t[None]
    out = loss(input.unsqueeze(0), target, *args, reduction=reduction, **kwargs)
    return out.squeeze(0) if reduction == "none" else out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy over dim 1, as torch.nn.functional.cross_entropy (PyTorch >= 1.10).

    input (N, C) or (N, C, d1, ...) logits, or one sample's (C,) with a target () or (C,). target: class indices (N,) / (N, d1, ...) (integers;
    positions equal to ignore_index count for nothing), or class probabilities of input's shape
    (floats; may require grad). weight (C,) class weights; label_smoothing eps in [0, 1] mixes
    the target with the uniform distribution. 'mean' divides by the summed weights of the
    non-ignored targets for indices (PyTorch's weighted mean), by N*d1*... for probabilities.
    size_average / reduce: PyTorch's deprecated arguments, mapped to a reduction as PyTorch does (with its warning).
    """
    op = "cross_entropy"
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))     # first, as PyTorch's
    input = _tensor(input, "input", op)
    if input.ndim == 1:
        return _unbatched(cross_entropy, input, target, reduction, weight, ignore_index=ignore_index,
                          label_smoothing=label_smoothing)
    input = _check_common(input, op)
    _check_probability(label_smoothing, op, "label_smoothing")
    label_smoothing = float(label_smoothing)          # a NumPy float64 would promote float32 targets
    x, dt = input._data, input.dtype
    C = x.shape[1]
    tdata = target._data if isinstance(target, Tensor) else np.asarray(target)
    if tdata.dtype.kind == "f" and tdata.shape == x.shape:
        # PyTorch multiplies log_softmax(input) by the target and the weight: a float64 one promotes the loss (an
        # ndarray weight, nn's own use, takes the input's dtype)
        out_dt = np.result_type(dt, tdata.dtype, *([weight._data.dtype] if isinstance(weight, Tensor) else []))
        return _cross_entropy_probs(input, target, _class_weight(weight, C, out_dt, op), reduction, label_smoothing,
                                    out_dt, weight if isinstance(weight, Tensor) and weight.requires_grad else None)
    w = _class_weight(weight, C, dt, op)
    _check_weight_dtype(weight, dt)
    _refuse_weight_grad(weight, input)
    return _cross_entropy_indices(input, target, w, ignore_index, reduction, label_smoothing)


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target), as torch.nn.functional's (PyTorch 2.13).

    input (N, in) or one sample's (in,); linear_weight (C, in), or (C, d1, ..., dK, in) for a K-dimensional loss
    (batched input only; the logits are then (N, C, d1, ..., dK)); linear_bias (C, d1, ..., dK). target: as
    cross_entropy's for those logits. ignore_index None: -100 for class indices (refused beside probabilities).
    options (nn.LinearCrossEntropyOptions) asks for PyTorch's chunked path, which never holds all the logits and
    gives the same loss to rounding; nn computes the logits whole either way, with PyTorch's warning where its
    chunked path cannot serve the arguments.
    """
    op = "linear_cross_entropy"
    # integer operands too: linear refuses them beside a float one in PyTorch's words (its mm's)
    input, linear_weight = _tensor(input, "input", op, False), _tensor(linear_weight, "linear_weight", op, False)
    if input.ndim not in (1, 2):
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.ndim}")
    batches, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions (in_features), "
                           f"got {in_features} and {linear_weight.shape[-1]}, respectively")
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got {tuple(linear_bias.shape)}")
    if out_features and not batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires "
                           f"batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}")
    logits_shape = (*batches, num_classes, *out_features)
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.shape == logits_shape and ignore_index is not None:     # probabilities, told apart by shape as PyTorch
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    if options is not None and (out_features or reduction not in ("mean", "sum", "none") or label_smoothing != 0
                                or t.dtype != np.int64):
        target_dtype = target.dtype if isinstance(target, Tensor) else t.dtype
        bias_shape = tuple(linear_bias.shape) if linear_bias is not None else None
        warn_at_caller("linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
                       "{'mean','sum','none'}, label_smoothing == 0, target.dtype == int64, out_features == (). Got "
                       f"reduction={reduction!r}, label_smoothing={label_smoothing}, target.dtype={target_dtype}, "
                       f"out_features={out_features}, tracing=False, linear_bias.shape={bias_shape}.")
    rows = math.prod(out_features, start=num_classes)       # Linear's weight holds the K dims flattened
    logits = linear(input, linear_weight.reshape(rows, in_features),
                    None if linear_bias is None else linear_bias.reshape(rows))
    return cross_entropy(logits.reshape(logits_shape), target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         label_smoothing=label_smoothing)


def _check_weight_dtype(weight, dt):
    """With class indices PyTorch's kernel takes a weight Tensor of the input's dtype only (an ndarray weight,
    nn's own use, is cast)."""
    if isinstance(weight, Tensor) and weight._data.dtype != dt:
        raise scalar_type_mismatch(dt, weight._data.dtype)


def _cross_entropy_indices(input, target, w, ignore_index, reduction, eps):
    x, dt = input._data, input.dtype
    C = x.shape[1]
    labels, valid = _index_target(target, input, ignore_index, reduction)
    p, lse = _softmax_and_lse(x)
    wt = (valid if w is None else w[labels[:, 0]] * valid).astype(dt)  # weight of each target (N, d1...)
    nll = wt * (lse[:, 0] - np.take_along_axis(x, labels, 1)[:, 0])     # -w_t log softmax_t
    if eps:
        # smoothing term -sum_c w_c log softmax_c = W lse - sum_c w_c x_c, W = sum_c w_c
        W = C if w is None else w.sum()
        wx = x.sum(axis=1) if w is None else np.tensordot(w, x, axes=([0], [1]))
        losses = (1 - eps) * nll + (eps / C) * valid * (W * lse[:, 0] - wx)
    else:
        losses = nll
    y, denom = _reduce_rows(losses.astype(dt, copy=False), reduction, wt.sum())

    def backward(g):
        # dloss/dx = a p - q with q = (1-eps) w_t onehot(t) + eps/C w (0 where ignored), a = sum_c q_c
        s = _row_scale(g, reduction, denom, dt)
        qt = ((1 - eps) * wt)[:, None] * s                          # the onehot part of q, scaled
        a = qt if not eps else qt + (eps / C) * (C if w is None else w.sum()) * valid[:, None] * s
        gx = p * a
        if eps:
            smooth = (eps / C) * valid[:, None] * s
            gx -= smooth if w is None else smooth * _along_classes(w, x.ndim)
        at_t = np.take_along_axis(gx, labels, 1)
        np.put_along_axis(gx, labels, at_t - qt, 1)
        return (gx.astype(dt, copy=False),)

    def composite(input):                           # -sum_c q_c log softmax_c with q as the docstring's
        q = np.zeros_like(x)
        np.put_along_axis(q, labels, ((1 - eps) * wt)[:, None], 1)
        if eps:
            q += (eps / C) * valid[:, None] * (1 if w is None else _along_classes(w, x.ndim))
        return _soft_target_loss(Tensor._wrap(q), input.log_softmax(1), reduction, denom)
    # PyTorch's node: nll_loss of log_softmax, NllLossBackward0 for (N, C), NllLoss2DBackward0 for more dims (3-D and
    # 5-D ones folded to 4-D: unreduced, a view of that); smoothed, a sum of two terms (left as nn's)
    op = ("cross_entropy" if eps else "nll_loss" if x.ndim <= 2 else
          "nll_loss2d" if x.ndim == 4 or reduction != "none" else "view")
    return Tensor._make(y, (input,), backward, op, graph_backward_from(composite, (input,)))


def _cross_entropy_probs(input, target, w, reduction, eps, out_dt, weight=None):
    """The loss in out_dt (input, target and weight promoted); the softmax in the input's dtype dt. weight: the
    class weight Tensor when it requires grad (PyTorch's composite differentiates it), else None."""
    x, dt = input._data, input.dtype
    C = x.shape[1]
    target = target if isinstance(target, Tensor) else Tensor._wrap(target)
    y_ = target._data.astype(out_dt, copy=False)
    ys = y_ * (1 - eps) + eps / C if eps else y_                   # smoothed target
    q = ys if w is None else ys * _along_classes(w, x.ndim)          # weighted soft target
    p, lse = _softmax_and_lse(x)
    a = q.sum(axis=1, keepdims=True)                                 # (N, 1, d1...)
    if out_dt == dt:
        qx = np.einsum("nc...,nc...->n...", q, x)                    # sum_c q_c x_c without a temporary
        losses = (a * lse)[:, 0] - qx                                # -sum_c q_c log softmax_c
    else:                                                            # PyTorch's log_softmax, rounded to dt first
        losses = -np.einsum("nc...,nc...->n...", q, np.subtract(x, lse, dtype=dt))
    out, denom = _reduce_rows(losses.astype(out_dt, copy=False), reduction, losses.size)

    def backward(g):
        # dloss/dx = a p - q;  dloss/dy_c = -(1-eps) w_c log softmax_c = -(1-eps) w_c (x_c - lse)
        s = _row_scale(g, reduction, denom, out_dt)
        gx = None
        if input.requires_grad:                 # one compiled pass (kernels/softmax.py), in the input's dtype
            N, S = x.shape[0], int(np.prod(x.shape[2:]))
            gx = K.soft_xent_backward(p.reshape(N, C, S), q.astype(dt, copy=False).reshape(N, C, S),
                                      a.astype(dt, copy=False).reshape(N, S),
                                      np.broadcast_to(s, a.shape).astype(dt).reshape(N, S)).reshape(x.shape)
        gy = gw = None
        if target.requires_grad:
            gy = np.subtract(lse, x, dtype=out_dt)
            gy *= (1 - eps) * s
            if w is not None:
                gy *= _along_classes(w, x.ndim)
        if weight is not None:
            # dloss/dw_c = -sum over rows of s ys_c log softmax_c = sum of s ys_c (lse - x_c)
            gw = (s * ys * np.subtract(lse, x, dtype=out_dt)).sum(axis=tuple(i for i in range(x.ndim) if i != 1))
            gw = gw.astype(weight.dtype, copy=False)
        return (gx, gy) if weight is None else (gx, gy, gw)

    def composite(input, target, weight=None):
        ys = target.to(out_dt) * (1 - eps) + eps / C if eps else target.to(out_dt)
        wc = Tensor._wrap(w) if weight is None else weight.to(out_dt)
        q = ys if w is None else ys * _along_classes(wc, x.ndim)
        return _soft_target_loss(q, input.log_softmax(1), reduction, denom)
    parents = (input, target) if weight is None else (input, target, weight)
    return Tensor._make(out, parents, backward, "cross_entropy", graph_backward_from(composite, parents))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood, as torch.nn.functional.nll_loss: loss_i = -w_t input[i, t_i].

    input (N, C) or (N, C, d1, ...) log-probabilities (e.g. log_softmax output), or one sample's (C,);
    target integer class indices (N,) / (N, d1, ...) (or () for one sample); ignore_index positions count for
    nothing; 'mean' divides by the summed weights of the non-ignored targets.
    """
    op = "nll_loss"
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))     # first, as PyTorch's
    input = _tensor(input, "input", op)
    if input.ndim == 1:
        return _unbatched(nll_loss, input, target, reduction, weight, ignore_index=ignore_index)
    input = _check_common(input, op)
    x, dt = input._data, input.dtype
    w = _class_weight(weight, x.shape[1], dt, op)
    _check_weight_dtype(weight, dt)
    _refuse_weight_grad(weight, input)
    labels, valid = _index_target(target, input, ignore_index, reduction)
    wt = (valid if w is None else w[labels[:, 0]] * valid).astype(dt)
    losses = -wt * np.take_along_axis(x, labels, 1)[:, 0]
    y, denom = _reduce_rows(losses, reduction, wt.sum())

    def backward(g):
        # dloss_i/dinput[i, c] = -w_t where c = t_i, else 0
        s = _row_scale(g, reduction, denom, dt)
        gx = np.zeros_like(x)
        np.put_along_axis(gx, labels, -(wt[:, None] * s), 1)
        return (gx,)

    def composite(input):
        q = np.zeros_like(x)
        np.put_along_axis(q, labels, wt[:, None], 1)
        return _soft_target_loss(Tensor._wrap(q), input, reduction, denom)
    return Tensor._make(y, (input,), backward, "nll_loss", graph_backward_from(composite, (input,)))
