"""Similarities, distances and the losses built on them, as torch.nn.functional's: cosine_similarity,
pairwise_distance, cdist (torch.cdist), pdist, huber_loss, margin_ranking_loss, hinge_embedding_loss, soft_margin_loss,
multilabel_soft_margin_loss, multi_margin_loss, cosine_embedding_loss, triplet_margin_loss, poisson_nll_loss, gaussian_nll_loss.

Each but cdist is composed of Tensor ops that have their own backward (so each gradient is theirs); the formulas
are PyTorch's, written out in the docstrings.
"""
import math

import numpy as np

from ..dtypes import scalar_type_mismatch, scalar_type_name
from ..tensor import QuietNumPy, Tensor, _refuse_mixed_matmul, broadcast_shape
from ._args import _reduce, _tensor, builtin_input, legacy_reduction, check_reduction, refuse_grad, NOT_VALID_SHORT
from .activations import logsigmoid, relu
from .losses import _loss_args, _weighted, smooth_l1_loss


def _as(target, like):
    """target (labels, counts or values) as a Tensor of like's dtype."""
    t = target if isinstance(target, Tensor) else Tensor._wrap(np.asarray(target))
    return t.to(like.dtype)


def _promoting(target, like):
    """A floating target as it is, so the loss's ops promote with like's dtype as PyTorch's composite losses do (a
    float64 target of float32 scores gives a float64 loss); other targets (labels, counts) in like's dtype."""
    if isinstance(target, Tensor) and target.dtype.is_floating_point:
        return target
    return _as(target, like)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """(x1 / max(|x1|, eps)) . (x2 / max(|x2|, eps)) along dim (x1 and x2 broadcast together first, as PyTorch's
    expand_outplace: a (1,) x2 against a (3,) x1 along dim 0 is [v, v, v], whose norm is sqrt(3) |v|): each norm
    clamped on its own, as PyTorch's kernel (so a zero vector has similarity 0 and a finite gradient)."""
    x1, x2 = _tensor(x1, "x1", "cosine_similarity"), _tensor(x2, "x2", "cosine_similarity")
    shape = broadcast_shape(tuple(x1.shape), tuple(x2.shape))      # (PyTorch's error where they do not)
    x1 = x1 if tuple(x1.shape) == shape else x1.broadcast_to(shape)
    x2 = x2 if tuple(x2.shape) == shape else x2.broadcast_to(shape)
    return (x1 / x1.norm(dim=dim, keepdim=True).clamp(min=eps) * (x2 / x2.norm(dim=dim, keepdim=True).clamp(min=eps))
            ).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """|x1 - x2 + eps|_p along the last dim."""
    x1, x2 = _tensor(x1, "x1", "pairwise_distance"), _tensor(x2, "x2", "pairwise_distance")
    return (x1 - x2 + eps).norm(p=p, dim=-1, keepdim=keepdim)


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def _euclidean_dist(a, b):
    """PyTorch's matrix-product Euclidean distances of arrays a (*, P, M), b (*, R, M) -> (*, P, R):
    sqrt(max(0, [-2a, |a|^2, 1] . [b, 1, |b|^2])). Cheaper than the differences, but rounded through the squares, so
    a zero distance comes out as sqrt of the rounding (about 1e-8 in float64, 1e-3 in float32), as PyTorch's. An inf
    gives NaN (inf - inf) silently, as PyTorch's."""
    with QuietNumPy():
        an, bn = (a * a).sum(-1, keepdims=True), (b * b).sum(-1, keepdims=True)
        a_ = np.concatenate([a * -2, an, np.ones_like(an)], -1)
        b_ = np.concatenate([b, np.ones_like(bn), bn], -1)
        return np.sqrt(np.maximum(a_ @ np.swapaxes(b_, -1, -2), 0))


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """All pairwise p-norm distances: x1 (*, P, M), x2 (*, R, M) -> (*, P, R). p >= 0 (inf: the largest absolute
    difference, composed of recorded ops; 0: the count of differing components, gradient 0, as PyTorch's). The
    gradient at a zero distance is 0, as PyTorch's. For p = 2, PyTorch's compute_mode: the matrix-product form
    (_euclidean_dist) where either side has more than 25 rows (the default) or always ("use_mm_for_euclid_dist"),
    the differences otherwise ("donot_use_mm_for_euclid_dist")."""
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")      # PyTorch's words
    x1, x2 = _tensor(x1, "x1", "cdist", floating=False), _tensor(x2, "x2", "cdist", floating=False)
    batch = _check_cdist(x1, x2, p)
    mm = p == 2 and (compute_mode == _CDIST_MODES[1]
                     or (compute_mode == _CDIST_MODES[0] and max(x1.shape[-2], x2.shape[-2]) > 25))
    if x1._data.dtype != x2._data.dtype:
        _refuse_mixed_cdist(x1, x2, batch, mm)
        x2 = x2.to(x1.dtype)                # an empty result, or no columns: PyTorch's is x1's dtype, unchecked
    if p == math.inf:
        if x1.shape[-1]:
            return (x1.unsqueeze(-2) - x2.unsqueeze(-3)).abs().amax(-1)
        p = 1.0                 # no columns: distances 0, as PyTorch's (which any p's sum below gives, but inf's)
    if mm:
        return _euclidean_cdist(x1, x2)
    diff = x1._data[..., :, None, :] - x2._data[..., None, :, :]          # (*, P, R, M)
    if p == 0:                      # a count: piecewise constant, so its gradient is 0
        return Tensor._make((diff != 0).sum(-1).astype(diff.dtype), (x1, x2),
                            lambda g: (np.zeros_like(x1._data), np.zeros_like(x2._data)), "cdist")
    d = (np.abs(diff) ** p).sum(-1) ** (1.0 / p)

    def backward(g):
        # d ||u||_p / du = sign(u) |u|^(p-1) / ||u||_p^(p-1); u = x1_i - x2_j. As PyTorch's _cdist_backward: p = 1
        # is g sign(u) everywhere, any other p gives 0 where ||u|| = 0 whatever g is (inf from a power of the
        # distance, d ** 0.5, included) and, for p < 1, where the component u is 0 (|u|^(p-1) = inf there)
        if p == 1:
            with np.errstate(invalid="ignore"):                 # inf * 0 is NaN, as PyTorch's, without a warning
                gu = g[..., None] * np.sign(diff)
        else:
            keep = (d[..., None] > 0) & ((diff != 0) if p < 1 else True)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                gu = np.where(keep, g[..., None] * np.sign(diff) * np.abs(diff) ** (p - 1) / d[..., None] ** (p - 1),
                              0).astype(d.dtype, copy=False)
        return gu.sum(-2), -gu.sum(-3)

    def graph_backward(g):
        # p = 2 by recorded ops, differentiable again (PyTorch's matrix-product path is, for the Euclidean
        # distance); u / ||u||, 0 at a zero distance (the divisor made 1 there, so no inf reaches a gradient)
        if p != 2:
            raise NotImplementedError(f"create_graph=True: the gradient of cdist with p={p} cannot be differentiated "
                                      f"again (PyTorch's neither: only p=2 is)")
        u = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        dist = cdist(x1, x2, compute_mode=_CDIST_MODES[2]).unsqueeze(-1)    # d's differences (not the matrix form)
        nonzero = Tensor._wrap(d[..., None] > 0)
        gu = (g.unsqueeze(-1) * (u / dist.where(nonzero, Tensor._wrap(np.ones((), d.dtype))))).where(
            nonzero, Tensor._wrap(np.zeros((), d.dtype)))
        return gu.sum(-2), -gu.sum(-3)
    return Tensor._make(d, (x1, x2), backward, "cdist", graph_backward)


def _check_cdist(x1, x2, p):
    """PyTorch's checks of cdist's operands, in its order and words (ranks, columns, floating dtypes, p, then the
    batch dims broadcast) -> the broadcast batch shape."""
    a, b = x1._data, x2._data                   # (the arrays' attributes: a few us cheaper than the Tensor's)
    for name, x in (("X1", a), ("X2", b)):
        if x.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}")
    for name, x in (("X1", a), ("X2", b)):
        if x.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {scalar_type_name(x.dtype)}")
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    return broadcast_shape(a.shape[:-2], b.shape[:-2])


def _refuse_mixed_cdist(x1, x2, batch, mm):
    """PyTorch's refusal of cdist of two dtypes. It computes nothing, so checks nothing, for an empty result or no
    columns (returning x1's dtype); its differences' kernel expects x1's dtype; the matrix-product form is refused
    as its matmul of [-2 x1, |x1|^2, 1] by [x2, 1, |x2|^2].mT (the batch dims folded into one when they hold more
    than one matrix) refuses (the Codebook of a VQ-VAE: float32 codes against a float64 codebook of 26+ rows)."""
    rows1, rows2, cols = x1.shape[-2], x2.shape[-2], x1.shape[-1]
    n = math.prod(batch)
    if rows1 == 0 or rows2 == 0 or n == 0 or cols == 0:
        return
    if not mm:
        raise scalar_type_mismatch(x1.dtype, x2.dtype)
    shapes = (tuple(x1.shape), tuple(x2.shape)) if n == 1 else ((n, rows1, cols), (n, rows2, cols))
    # (its _euclidean_dist has its own backward, so the operands of that matmul never require grad)
    a, b = (Tensor._wrap(np.zeros(s[:-1] + (cols + 2,), x._data.dtype)) for s, x in zip(shapes, (x1, x2)))
    _refuse_mixed_matmul(a, b.mT)


def _euclidean_cdist(x1, x2):
    """cdist by the matrix-product form, with PyTorch's _euclidean_dist_backward: r = g / d (0 where d = 0), then
    dx1_i = x1_i sum_j r_ij - sum_j r_ij x2_j and dx2_j = x2_j sum_i r_ij - sum_i r_ij x1_i (d(d_ij) = u . du / d_ij,
    u = x1_i - x2_j), its own gradient by the same formula in recorded ops."""
    a, b = x1._data, x2._data
    d = _euclidean_dist(a, b)

    def ratio_of(g):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(d == 0, 0, g / d).astype(d.dtype, copy=False)

    def backward(g):
        r = ratio_of(g)
        return a * r.sum(-1, keepdims=True) - r @ b, b * r.sum(-2)[..., None] - np.swapaxes(r, -1, -2) @ a

    def graph_backward(g):
        dist = cdist(x1, x2, compute_mode=_CDIST_MODES[1])
        nonzero = Tensor._wrap(d > 0)
        one, zero = Tensor._wrap(np.ones((), d.dtype)), Tensor._wrap(np.zeros((), d.dtype))
        r = (g / dist.where(nonzero, one)).where(nonzero, zero)
        return x1 * r.sum(-1, keepdim=True) - r.matmul(x2), x2 * r.sum(-2).unsqueeze(-1) - r.mT.matmul(x1)
    return Tensor._make(d, (x1, x2), backward, "cdist", graph_backward)


@builtin_input("pdist")
def pdist(input, p=2.0):
    """The p-norm distances between the rows of input (N, M), each pair i < j once in row-major order ->
    (N (N - 1) / 2,): the upper triangle of cdist(input, input, p), whose backward it reuses (0 at a zero
    distance, as PyTorch's)."""
    input = _tensor(input, "input", "pdist")
    if not p >= 0:
        raise RuntimeError("pdist only supports non-negative p values")      # PyTorch's words
    if input.ndim != 2:
        raise ValueError(f"pdist: expected a 2-D input (N, M), got shape {tuple(input.shape)}")
    i, j = np.triu_indices(input.shape[0], 1)
    # (PyTorch's pdist kernel takes the differences whatever the size)
    return cdist(input, input, p, compute_mode=_CDIST_MODES[2])[Tensor._wrap(i), Tensor._wrap(j)]


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target): delta * smooth_l1_loss with
    beta = delta. weight (input's shape) multiplies each element's loss ('mean' still divides by the count, as
    PyTorch's)."""
    input_shape = np.shape(input)
    dt = input.dtype if isinstance(input, Tensor) and input.dtype.is_floating_point else None
    # (the warning names this call; huber's kernel writes into an input-like tensor, so it refuses an integer input)
    input, target = _loss_args(input, target, "huber_loss", "warn", kernel=True, into_input=True)
    if weight is None:                          # PyTorch: the shapes, the reduction, then delta (its kernel's words)
        reduction = check_reduction(reduction)
    if not delta > 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")

    def own(loss):      # PyTorch's huber kernel writes into a tensor like the input: a float32 input with a float64
        return loss.to(dt) if dt is not None and loss.dtype != dt else loss      # target gives a float32 loss
    loss = own(smooth_l1_loss(input, target, reduction="none", beta=delta) * delta)
    if weight is not None:
        return _weighted(loss, weight, input_shape, reduction, "huber_loss", mean_over_weights=False)
    return _reduce(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -y (x1 - x2) + margin), y = +1 when x1 should rank higher, -1 when lower."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    input1 = _tensor(input1, "input1", "margin_ranking_loss")
    y = _promoting(target, input1)
    return _reduce(relu(-y * (input1 - input2) + margin), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x where y != -1, plus max(0, margin - x) where y != 1 (labels +1 / -1; PyTorch's selection, which also
    defines other labels)."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    input = _tensor(input, "input", "hinge_embedding_loss")
    y = _as(target, input)
    loss = input.masked_fill(y == -1, 0.0) + relu(margin - input).masked_fill(y == 1, 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-y x)) (y = +1 / -1), computed without overflow."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    input = _tensor(input, "input", "soft_margin_loss")
    refuse_grad(target, "soft_margin_loss", "target")
    return _reduce(-logsigmoid(_as(target, input) * input), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-mean over the C classes of y log sigmoid(x) + (1 - y) log sigmoid(-x) (weighted per class), per
    sample; input and target (N, C), target 0 / 1."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input = _tensor(input, "input", "multilabel_soft_margin_loss")
    y = _promoting(target, input)
    loss = -(y * logsigmoid(input) + (1 - y) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    reduction = check_reduction(reduction, NOT_VALID_SHORT, old_mean=False)      # after the loss, as PyTorch's
    return _reduce(loss.mean(-1), reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """The multi-class hinge: sum over the classes i != y of max(0, margin - x[y] + x[i])^p (times weight[y]),
    divided by the C classes; input (N, C) or (C,), target (N,) or () class indices, p 1 or 2."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    input = _tensor(input, "input", "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p!r}")
    weight_shape = None if weight is None else np.shape(getattr(weight, "_data", weight))
    if weight is not None and len(weight_shape) != 1:
        raise ValueError("weight must be one-dimensional")           # PyTorch's Python check, then its kernel's:
    refuse_grad(weight, "multi_margin_loss", "weight")            # a constant there,
    x = input if input.ndim == 2 else input.reshape(1, -1)
    y = np.asarray(getattr(target, "_data", target)).reshape(-1).astype(np.int64)
    n, classes = x.shape
    if weight is not None and y.shape == (n,) and weight_shape != (classes,):    # one per class (before the targets)
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got {list(weight_shape)}")
    if y.shape != (n,) or np.any((y < 0) | (y >= classes)):
        raise ValueError(f"multi_margin_loss: target must hold {n} class indices in [0, {classes}), got "
                         f"{y.tolist() if y.size <= 8 else y.shape}")
    hinge = relu(margin - x.gather(1, Tensor._wrap(y[:, None])) + x) ** p
    hinge = hinge.masked_fill(Tensor._wrap(np.arange(classes) == y[:, None]), 0.0)          # i = y is left out
    if weight is not None:
        hinge = hinge * _as(weight, x)[Tensor._wrap(y)].reshape(n, 1)
    loss = hinge.sum(1) / classes
    return _reduce(loss if input.ndim == 2 else loss.reshape(()), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1; cos along dim 1 (or 0 for 1-D
    inputs) as x1 . x2 / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12)), PyTorch's form."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    input1 = _tensor(input1, "input1", "cosine_embedding_loss")
    d = input1.ndim - 1
    cos = (input1 * input2).sum(d) / (((input1 * input1).sum(d) + 1e-12) * ((input2 * input2).sum(d) + 1e-12)).sqrt()
    y = _as(target, input1)
    loss = (1 - cos).masked_fill(y != 1, 0.0) + relu(cos - margin).masked_fill(y != -1, 0.0)
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """The multi-label hinge: sum over the sample's target classes j and its other classes i of
    max(0, 1 - (x[j] - x[i])), divided by the C classes; input (N, C) or (C,), target of the same shape holding
    the target classes first, ended by -1 (or filling the row). A class listed twice counts twice, as PyTorch's."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    input = _tensor(input, "input", "multilabel_margin_loss")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    y = np.asarray(getattr(target, "_data", target)).reshape(x.shape).astype(np.int64)
    n, classes = x.shape
    listed = np.cumprod(y >= 0, axis=1).astype(bool)                  # the entries before the first -1
    if np.any(y[listed] >= classes):
        raise ValueError(f"multilabel_margin_loss: target classes must lie in [0, {classes}), got {y[listed].max()}")
    count = np.zeros((n, classes))                                    # how often each class is listed
    np.add.at(count, (np.nonzero(listed)[0], y[listed]), 1)
    pairs = count[:, :, None] * (count == 0)[:, None, :]              # (n, j, i): j listed, i not
    hinge = relu(1 - (x.unsqueeze(2) - x.unsqueeze(1))) * Tensor._wrap(pairs.astype(x.dtype))
    loss = hinge.sum((1, 2)) / classes
    return _reduce(loss if input.ndim == 2 else loss.reshape(()), reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(d(a, p) - d(a, n) + margin, 0) with d = pairwise_distance; swap: d(a, n) replaced by the smaller of
    d(a, n) and d(p, n)."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    anchor = _tensor(anchor, "anchor", "triplet_margin_loss")
    return _triplet(anchor, positive, negative, lambda a, b: pairwise_distance(a, b, p, eps), margin, swap,
                    reduction, "triplet_margin_loss")


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """triplet_margin_loss with any distance: distance_function(x1, x2) -> (N,) distances (default
    pairwise_distance); margin must be positive, as PyTorch's."""
    reduction = check_reduction(reduction, old_mean=False)             # PyTorch checks in Python, first
    if not margin > 0:
        raise ValueError(f"triplet_margin_with_distance_loss: margin must be greater than 0, got {margin}")
    anchor = _tensor(anchor, "anchor", "triplet_margin_with_distance_loss")
    return _triplet(anchor, positive, negative, distance_function or pairwise_distance, margin, swap, reduction,
                    "triplet_margin_with_distance_loss")


def _triplet(anchor, positive, negative, distance, margin, swap, reduction, name):
    dims = [np.ndim(getattr(x, "_data", x)) for x in (anchor, positive, negative)]
    if len(set(dims)) > 1:                      # PyTorch's check: no broadcasting of one triplet against a batch
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           f"inputs")
    d_pos, d_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(distance(positive, negative))
    return _reduce(relu(d_pos - d_neg + margin), reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """exp(x) - y x (log_input), or x - y log(x + eps); full adds Stirling's y log y - y + log(2 pi y) / 2 where
    y > 1."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction), old_mean=False)
    input = _tensor(input, "input", "poisson_nll_loss")
    y = _promoting(target, input)
    loss = input.exp() - y * input if log_input else input - y * (input + eps).log()
    if full:
        big = y.clamp(min=1)                          # the term only where y > 1 (and no log of 0 elsewhere)
        loss = loss + (big * big.log() - big + 0.5 * (big * (2 * math.pi)).log()) * (y > 1)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """(log(max(var, eps)) + (input - target)^2 / max(var, eps)) / 2 (+ log(2 pi) / 2 with full). var: input's
    shape, or its shape without the last dim, or its shape with one dim of size 1 (homoscedastic: (N, 1, H, W) for an
    (N, C, H, W) input), or a Python float (one variance for all); the clamp at eps passes the gradient as if it
    were not there, as PyTorch's."""
    input = _tensor(input, "input", "gaussian_nll_loss")
    if isinstance(var, float):                  # PyTorch: var * ones_like(input)
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = Tensor._wrap(np.full(input.shape, var, dtype=input._data.dtype))
    var = _tensor(var, "var", "gaussian_nll_loss")
    if np.any(var._data < 0):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if var.shape == input.shape[:-1]:
            var = var.unsqueeze(-1)
        elif not (var.ndim == input.ndim
                  and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):   # one dim of 1
            raise ValueError("var is of incorrect size")
    reduction = check_reduction(reduction, NOT_VALID_SHORT, old_mean=False)   # after var's checks, as PyTorch's
    var = var + (var.clamp(min=eps) - var).detach()
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
