"""Tensor methods (shape ops, reductions, element-wise, indexing, in-place): float64 gradchecks, and the
same code run on PyTorch (when installed) giving the same values and gradients.

Each case is written once as fn(L, x, y) where L is the library module (nn or torch): the
code is PyTorch code with only the module name changed.
"""
import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck


def _cases():
    return [
        ("view", lambda L, x, y: x.view(6, 4) * 2),
        ("view_-1", lambda L, x, y: x.view(-1)),
        ("view_as", lambda L, x, y: x.view_as(y.reshape(4, 6))),
        ("reshape", lambda L, x, y: L.reshape(x, (3, 8))),
        ("squeeze", lambda L, x, y: x[:, :1].squeeze(1) + x.unsqueeze(0).squeeze().sum()),
        ("squeeze_all", lambda L, x, y: L.squeeze(x[:1, :1])),
        ("unsqueeze", lambda L, x, y: L.unsqueeze(x, -1) * y.unsqueeze(2)),
        ("flatten", lambda L, x, y: x.flatten() + L.flatten(y)),
        ("flatten_1", lambda L, x, y: x.flatten(1) * L.flatten(y, 0, 1).flatten().view(2, 12)),
        ("permute", lambda L, x, y: x.permute(2, 0, 1) * L.permute(y, (2, 0, 1))),
        ("transpose", lambda L, x, y: x.transpose(0, 2) + L.transpose(y, 2, 0)),
        ("t_T", lambda L, x, y: x[0].t() * x[1].T),
        ("contiguous", lambda L, x, y: x.transpose(0, 1).contiguous().view(-1)),
        ("expand", lambda L, x, y: x[:, :1].expand(2, 3, 4) * y + x[0, 0].expand(5, 4).sum()),
        ("expand_-1", lambda L, x, y: x[:, :, :1].expand(-1, -1, 4) * y),
        ("expand_as", lambda L, x, y: x[:1].expand_as(y) * y),
        ("repeat", lambda L, x, y: x.repeat(2, 1, 3).sum(0) + x[0].repeat(2, 2, 1, 3)[0]),
        ("flip", lambda L, x, y: L.flip(x, (0, 2)) * y),
        ("chunk", lambda L, x, y: x.chunk(2, 2)[0] * 3 + L.chunk(x, 3, 1)[2].sum()),
        ("chunk_uneven", lambda L, x, y: x.chunk(3, 2)[-1]),
        ("split", lambda L, x, y: x.split(1, 1)[1] + L.split(x, [1, 2], 1)[1].sum(1, keepdim=True)),
        ("unbind", lambda L, x, y: x.unbind(1)[2] * L.unbind(y)[0][0]),
        ("stack", lambda L, x, y: L.stack([x, y], 1) * 2),
        ("stack_last", lambda L, x, y: L.stack((x, y * y), -1)),
        ("cat", lambda L, x, y: L.cat([x, y], 2)),
        ("sum", lambda L, x, y: x.sum() + L.sum(y, 1).sum() + x.sum((0, 2), keepdim=True).sum()),
        ("mean", lambda L, x, y: x.mean(-1) + L.mean(y, dim=(0, 2), keepdim=True).mean()),
        ("var", lambda L, x, y: x.var() + x.var(1).sum() + L.var(y, 2, keepdim=True).sum()),
        ("var_unbiased", lambda L, x, y: x.var(1, unbiased=False) + y.var(dim=1, correction=0)),
        ("std", lambda L, x, y: x.std() + L.std(y, 0).sum() + x.std(dim=2, keepdim=True).sum()),
        ("prod", lambda L, x, y: x.prod(1) + L.prod(y[0, 0])),
        ("prod_keepdim", lambda L, x, y: x.prod(-1, keepdim=True)),
        ("max", lambda L, x, y: x.max() + L.max(y, 1)[0].sum()),
        ("max_dim", lambda L, x, y: x.max(dim=2, keepdim=True).values * y),
        ("min", lambda L, x, y: x.min() * L.min(y, 0).values),
        ("amax", lambda L, x, y: L.amax(x, 1) + x.amin(2).sum()),
        ("amax_dims", lambda L, x, y: L.amax(x, (1, 2), keepdim=True) * y + x.amin(dim=(0, 2)).sum() + y.amax()),
        ("maximum", lambda L, x, y: L.maximum(x, y) + L.minimum(x, y) * 2),
        ("max_binary", lambda L, x, y: L.max(x, y) - L.min(x, y) * 3),
        ("clamp", lambda L, x, y: x.clamp(0.5, 1.2) + L.clamp(y, min=0.7) + L.clamp(x, max=0.9)),
        ("clamp_min_max", lambda L, x, y: x.clamp_min(0.6) * y.clamp_max(1.1)),
        ("clamp_tensor", lambda L, x, y: x.clamp(min=y * 0.8, max=y * 1.3)),
        ("where", lambda L, x, y: L.where(x > 0.9, x, y * 2)),
        ("where_scalar", lambda L, x, y: L.where(y < 1.0, x, 0.0) + x.where(x > 1.0, y)),
        ("masked_fill", lambda L, x, y: x.masked_fill(y > 1.0, -2.0) * y),
        ("pow", lambda L, x, y: x.pow(3) + L.pow(y, 0.5) + x ** -1.5),
        ("pow_tensor", lambda L, x, y: x ** y + x.pow(y * 2)),
        ("rpow", lambda L, x, y: 2.0 ** x + L.pow(3.0, y)),
        ("exp_log", lambda L, x, y: x.exp() + L.log(y) + L.exp(x * y) + y.log1p()),
        ("sqrt_rsqrt", lambda L, x, y: x.sqrt() + L.rsqrt(y) + L.sqrt(x * y)),
        ("reciprocal_square", lambda L, x, y: x.reciprocal() + L.square(y)),
        ("sin_cos", lambda L, x, y: L.sin(x) * y.cos()),
        ("abs_neg", lambda L, x, y: (x - 0.9).abs() + L.abs(y - 1.0) + x.neg() + L.neg(y)),
        ("sign_floor", lambda L, x, y: x * (y - 1.0).sign() + L.floor(y * 3) * x),
        ("activations", lambda L, x, y: x.relu() * (y - 1.0).relu() + L.sigmoid(x) + y.tanh() + L.tanh(x)),
        ("softmax", lambda L, x, y: x.softmax(-1) * y + L.softmax(y, 1)),
        ("log_softmax", lambda L, x, y: x.log_softmax(2) + L.log_softmax(y, dim=0)),
        ("triu_tril", lambda L, x, y: x.triu() + L.tril(y, -1) + L.triu(x, diagonal=1)),
        ("gather", lambda L, x, y: x.gather(2, L.tensor([[[0, 3], [1, 1], [2, 0]]] * 2))
         + L.gather(y, 0, L.tensor([[[1] * 4] * 3]))[0, :, :2]),
        ("cumsum", lambda L, x, y: x.cumsum(1) * L.cumsum(y, dim=-1)),
        ("norm", lambda L, x, y: x.norm() + y.norm(dim=1).sum() + L.norm(x, p=1, dim=2, keepdim=True).sum()),
        ("sort", lambda L, x, y: x.sort(dim=2).values * y + L.sort(y, 1, descending=True)[0]),
        ("topk", lambda L, x, y: x.topk(2, dim=-1).values + L.topk(y, 2, 2, largest=False)[0]),
        ("bmm", lambda L, x, y: L.bmm(x, y.transpose(1, 2))),
        ("remainder", lambda L, x, y: (x * 3) % y + L.remainder(x, 0.7) + abs(-x) + (x.detach() // 0.4) * y),
        ("add_sub_mul_div", lambda L, x, y: x.add(y, alpha=2).sub(1.5).mul(y).div(x + 1) + L.add(x, 1)
         + L.sub(2.0, y) + L.mul(x, y) + L.div(y, x) + L.div(2, x) + x.div(2.5) + L.true_divide(x, y)),
        ("einsum", lambda L, x, y: L.einsum("bij,bkj->bik", x, y) + L.einsum("bij->j", x * y).sum()
         + L.einsum("abc,abc", [x, y]) + L.einsum("ijk,j->ik", x, y[0, :, 0]).sum()),
        ("einsum_ellipsis", lambda L, x, y: L.einsum("...ij,...kj->...ik", x, y) + L.einsum("b...,b...->b", x, y)[:, None, None]
         + L.einsum("...j,j->...", x, y[0, 0])[..., None] + L.einsum("...ij,...jk->...ik", x[:1], y.transpose(1, 2))
         + L.einsum("...ij,...kj", x, y)),
        ("cumprod", lambda L, x, y: x.cumprod(1) * L.cumprod(y, dim=-1)),
        ("cumprod_zeros", lambda L, x, y: L.cumprod(x * (y > 1.0), 2) + (x * (y > 0.9)).cumprod(0)),
        ("argsort", lambda L, x, y: x.gather(2, x.argsort(2)) * y + y.gather(1, L.argsort(y, 1, descending=True))),
        ("log2_log10", lambda L, x, y: x.log2() + L.log10(y)),
        ("lerp", lambda L, x, y: L.lerp(x, y, 0.3) + x.lerp(y, y * 0.5)),
        ("roll", lambda L, x, y: L.roll(x, 1, 2) * y + x.roll((1, -1), (0, 1)) + L.roll(y, 5)),
        ("diag", lambda L, x, y: L.diag(x[0], 1) * y[1, 0, :3] + L.diag(y[0, :, 0], -1).sum(0)[:3]
         + x[1].diag().sum()),
        ("outer_dot", lambda L, x, y: L.outer(x[0, 0], y[0, :, 0]) * L.dot(x[1, 1], y[1, 1]) + x[0, 1].outer(y[1, 2, :3])),
        ("addmm", lambda L, x, y: L.addmm(y[0, :, :3], x[0], y[1].t(), beta=0.5, alpha=2)
         + x[1, :, :3].addmm(x[0], x[1].t()) + L.addmm(y[0, 0, :3], x[1], y[0].t())),
        ("hstack_vstack", lambda L, x, y: L.hstack([x[0], y[0]])[:2, :4] * L.vstack([x[0, 0], y[0, 0]])
         + L.hstack((x[0, 0], y[1, 1])).sum()),
        ("broadcast_meshgrid", lambda L, x, y: L.broadcast_tensors(x[0, :, :1], y[1, :1])[1]
         * L.meshgrid(x[0, 0], y[0, :, 1], indexing="xy")[0] + L.meshgrid(x[0, 0], y[0, :, 1], indexing="ij")[1].t()),
        ("index_select", lambda L, x, y: L.index_select(x, 2, L.tensor([3, 0, 3])) * y[..., :3]
         + y.index_select(0, L.tensor([1]))[..., :3]),
        ("masked_select", lambda L, x, y: L.masked_select(x, y > 1.0) * 2 + x.masked_select(y[0, 0] > 0.9).sum()),
        ("scatter", lambda L, x, y: x.scatter(2, L.tensor([[[1, 0], [3, 2], [0, 1]]] * 2), y[..., :2])
         + L.scatter(y, 1, L.tensor([[[2, 0, 1, 0]]] * 2), 0.5)),
        ("scatter_add", lambda L, x, y: x.scatter_add(1, L.tensor([[[0, 2, 2, 1], [2, 2, 0, 0]]] * 2), y[:, :2])),
        ("scatter_inplace", lambda L, x, y: _scatter_inplace(L, x, y)),
        ("unflatten_reshape_as", lambda L, x, y: x.flatten(1).unflatten(1, (3, -1)) * y.reshape_as(x)),
        ("trig", lambda L, x, y: L.tan(x * 0.5) + L.asin(y * 0.5) + (x * 0.5).acos() + L.atan(y) + x.arctan()),
        ("hyperbolic_exp", lambda L, x, y: L.sinh(x) * y.cosh() + L.expm1(x) + y.exp2() + L.erf(x - 1)),
        ("frac_nan_to_num", lambda L, x, y: L.frac(x * 3) * y + L.nan_to_num((x - 1.05).log(), posinf=9.0) * y
         + L.sgn(y - 1) * x),
        ("atan2_hypot_logaddexp", lambda L, x, y: L.atan2(x - 1, y - 0.8) + L.hypot(x, y - 1) + L.logaddexp(x, -y)
         + x.logaddexp(y[0])),
        ("addcmul_addcdiv", lambda L, x, y: L.addcmul(x, x, y, value=0.5) + x.addcdiv(y, x + 1, value=-2)),
        ("logsumexp", lambda L, x, y: L.logsumexp(x * 3, 1) + y.logsumexp((0, 2), keepdim=True).sum()),
        ("var_std_mean", lambda L, x, y: L.var_mean(x, 1)[0] + L.var_mean(x, 1)[1] * L.std_mean(y, dim=1)[0]),
        ("median", lambda L, x, y: x.median(1).values * L.median(y, 1, keepdim=True).values.sum() + L.median(x)),
        ("narrow_diff_trace", lambda L, x, y: L.narrow(x, 2, 1, 2) * L.diff(y, dim=2)[..., :2]
         + x.diff(n=2, dim=1).sum() + L.trace(x[0]) + x.diff(append=y[..., :1]).sum()),
        ("flips_rot90", lambda L, x, y: L.fliplr(x[0]) * L.flipud(y[1]) + L.rot90(x[1], 2)
         + L.rot90(y[0, :, :3], 1, (1, 0)).sum() * L.rot90(x[0, :, :3], 3)[0, 1] + L.rot90(x, 1, (1, 2))[0].t()),
        ("take_along_dim", lambda L, x, y: L.take_along_dim(x, L.tensor([[[2], [0], [3]]]), dim=2) * y[..., :1]
         + L.take_along_dim(y, L.tensor([5, 0, 5])).sum()),
        ("repeat_interleave_tile", lambda L, x, y: x.repeat_interleave(2, dim=1)[:, :3] * y + L.tile(x[0, 0], (2,)).sum()
         + L.repeat_interleave(y[0, 0], L.tensor([1, 0, 2, 1])).sum()),
        ("movedim_select_diagonal", lambda L, x, y: L.movedim(x, 0, -1)[..., 0] * y[0] + x.select(2, 1).sum()
         + L.diagonal(x, 1, 1, 2).sum() + x.moveaxis((0, 1), (1, 0))[0].sum() + L.swapdims(y, 0, 2)[0].sum()),
        ("tensor_split_stacks", lambda L, x, y: L.tensor_split(x, 3, dim=2)[1].sum() * y
         + L.column_stack([x[0, 0], y[0, 0]]).sum() + L.dstack([x[0], y[0]]).sum() + L.atleast_3d(x[0]).sum()),
        ("tensordot_mv", lambda L, x, y: L.tensordot(x, y, dims=([1, 2], [1, 2])).sum() * y + L.mv(x[0], y[0, 0]).sum()),
        ("index_add_fill_take", lambda L, x, y: x.index_add(1, L.tensor([0, 0, 2]), y, alpha=2)
         + L.index_fill(y, 2, L.tensor([1, 3]), 0.5) + L.take(x, L.tensor([[0, 5], [23, 7]])).sum()),
        ("nansum_nanmean", lambda L, x, y: L.nansum((x - 0.8).log(), 1) + L.nanmean(y.masked_fill(y > 1.3, float("nan")), 1)),
        ("fmod_logit_xlogy", lambda L, x, y: L.fmod(x * 3, y) + L.logit(y * 0.5) + L.xlogy(x, y) + L.deg2rad(x)
         + L.rad2deg(y) + L.xlogy(x * (y > 1.0), y) + L.logit(x, eps=0.4)),
        ("index_fill_tensor_value", lambda L, x, y: L.index_fill(x, 1, L.tensor([2, 0]), y[0, 0, 0])
         + L.tensor_split(y, [-3, -1], dim=2)[1].sum() + L.tensor_split(x, indices=[1], dim=1)[0].sum()),
        ("inplace_unary", lambda L, x, y: _inplace_unary(L, x, y)),
        ("inplace_self_operand", lambda L, x, y: _inplace_self(L, x, y)),
        ("clone", lambda L, x, y: x.clone() * y),
        ("to_same_dtype", lambda L, x, y: x.to(L.float64) * y.double()),
        ("matmul", lambda L, x, y: L.matmul(x, y.transpose(1, 2)) + x[0].mm(y[0].t()).sum()),
        ("getitem_basic", lambda L, x, y: x[1, :, 1:3] * y[0, ..., None, 2]),
        ("getitem_int_tensor", lambda L, x, y: x[L.tensor([1, 0, 1])] + y[:, L.tensor([2, 2, 0])].sum()),
        ("getitem_list", lambda L, x, y: x[:, [0, 2, 2]] * 2),
        ("getitem_mask", lambda L, x, y: x[y > 1.0] * 2),
        ("getitem_row_mask", lambda L, x, y: x[L.tensor([True, False])] * y[1]),
        ("setitem", lambda L, x, y: _setitem(L, x, y)),
        ("iadd", lambda L, x, y: _iadd(L, x, y)),
        ("inplace_methods", lambda L, x, y: _inplace(L, x, y)),
        ("copy_", lambda L, x, y: _copy(L, x, y)),
    ]


def _setitem(L, x, y):
    z = L.zeros(2, 3, 4, dtype=L.float64)
    z[0] = x[1] * 2
    z[:, 1] = y[:, 0]
    z[z > 100] = 1.0
    return z * x


def _iadd(L, x, y):
    z = x * 1
    z += y
    z *= x
    z -= 1
    z /= y
    return z


def _inplace(L, x, y):
    z = x * 2
    z.add_(y)
    z.mul_(y).sub_(x, alpha=0.5)
    z.masked_fill_(x > 1.2, 0.25)
    return z.clamp_(max=3.0)


def _scatter_inplace(L, x, y):
    z = L.zeros(2, 3, 4, dtype=L.float64)
    z.scatter_(2, L.tensor([[[1, 0], [3, 2], [0, 1]]] * 2), x[..., :2])
    z.scatter_add_(1, L.tensor([[[0, 2, 2, 1]]] * 2), y[:, :1])
    return z * y


def _inplace_unary(L, x, y):
    # each in-place op is the last one on its tensor (PyTorch refuses to overwrite what a backward needs); lerp_
    # and addcmul_ are composite ops here, where every node must point at the state before the write
    a, b, c, d, e, f, h = x * y, x + 0.5, y - 1, x * 2, y * 1.0, x * 1.5, y * 1
    a.exp_(), b.sqrt_(), c.relu_(), d.tanh_(), e.clamp_min_(1.0), f.lerp_(y * 3, 0.3), h.addcmul_(x, y, value=0.5)
    acc = L.zeros(2, 3, 4, dtype=L.float64)
    acc.add_(x * 2)
    acc.index_add_(2, L.tensor([0, 0, 3]), y[..., :3])
    return a + b + c + d + e.sigmoid_() + f + h + acc


def _inplace_self(L, x, y):
    # the tensor itself as an operand (h.add_(h)); and copy_ / fill_ over a tensor in the graph (no gradient to
    # its old values)
    h, c, f = x * 1.5, x * 2, y * 3
    h.add_(h)
    c.copy_(y[0])
    f.fill_(2.0)
    return h + c * y + f * x


def _copy(L, x, y):
    z = L.zeros(2, 3, 4, dtype=L.float64)
    z.copy_(x)
    return z * y


CASES = _cases()
IDS = [c[0] for c in CASES]


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.3, 1.6, size=(2, 3, 4)), rng.uniform(0.4, 1.7, size=(2, 3, 4))


@pytest.mark.parametrize("name,fn", CASES, ids=IDS)
def test_gradcheck(name, fn):
    xd, yd = _inputs()
    x, y = nn.tensor(xd, requires_grad=True), nn.tensor(yd, requires_grad=True)
    assert gradcheck(lambda x, y: fn(nn, x, y), (x, y))


@pytest.mark.parametrize("name,fn", CASES, ids=IDS)
def test_same_values_and_gradients_as_pytorch(name, fn):
    torch = pytest.importorskip("torch")
    xd, yd = _inputs(1)
    out = {}
    for L in (nn, torch):
        x, y = L.tensor(xd, requires_grad=True), L.tensor(yd, requires_grad=True)
        z = fn(L, x, y)
        R = np.random.default_rng(2).standard_normal(tuple(z.shape))
        (z * L.tensor(R)).sum().backward()
        grads = [np.zeros_like(xd) if t.grad is None else np.asarray(t.grad) for t in (x, y)]
        out[L.__name__] = (z.detach().numpy(), grads)
    (zn, gn), (zt, gt) = out["nn"], out["torch"]
    assert zn.shape == zt.shape
    np.testing.assert_allclose(zn, zt, rtol=1e-10, atol=1e-12)
    for a, b in zip(gn, gt):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# --- behaviour that is not a gradient -----------------------------------------------------

def test_size_shape_dim_numel():
    x = nn.zeros(2, 3, 4)
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4 and x.shape == (2, 3, 4)
    assert x.size().numel() == 24 and x.numel() == 24 and nn.numel(x) == 24
    assert x.dim() == 3 and x.ndim == 3 and len(x) == 2
    with pytest.raises(IndexError, match="out of range"):
        x.size(3)


def test_max_min_with_dim_return_values_and_indices():
    x = nn.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    values, indices = x.max(1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0] and indices.dtype == nn.int64
    assert x.min(dim=0).indices.tolist() == [0, 1, 0]
    assert x.argmax().item() == 3 and x.argmax(1, keepdim=True).shape == (2, 1)
    assert nn.argmin(x, 0).tolist() == [0, 1, 0]
    assert x.max().item() == 7.0


def test_comparisons_give_bool_tensors():
    x = nn.tensor([0.0, 1.0, 2.0])
    for r in (x == 0, x != 1, x < 1, x <= 1, x > 1, x >= 2, x.eq(0), x.ne(x), x.lt(2), x.le(0), x.gt(0), x.ge(1)):
        assert isinstance(r, nn.Tensor) and r.dtype == nn.bool
    assert (x == 0).tolist() == [True, False, False] and (2 > x).tolist() == [True, True, False]
    assert ((x > 0) & (x < 2)).tolist() == [False, True, False]
    assert ((x < 1) | ~(x < 2)).tolist() == [True, False, True]
    assert (x == 1).sum().item() == 1 and (x == 1).any() and not (x == 5).any().item()
    assert (x == None) is False  # noqa: E711
    d = {x: "kept"}                                   # identity hash: still a dict key
    assert d[x] == "kept" and x in {x} and x in [x]


def test_bool_len_iter_float_int_format():
    assert bool(nn.tensor([1.0])) and not bool(nn.tensor(0.0))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(nn.tensor([1.0, 2.0]))
    assert float(nn.tensor(2.5)) == 2.5 and int(nn.tensor([3])) == 3
    assert [t.item() for t in nn.tensor([1, 2, 3])] == [1, 2, 3]
    loss = nn.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{loss.item():.3f}" == "0.123"
    assert isinstance(nn.tensor(3).item(), int) and isinstance(nn.tensor(True).item(), bool)
    assert [0, 10, 20][nn.tensor(2)] == 20                 # __index__
    with pytest.raises(TypeError, match="0-d"):
        len(nn.tensor(1.0))


def test_repr_like_pytorch():
    torch = pytest.importorskip("torch")
    for data, kw in (([1.0, 2.0], {}), (2.5, {}), ([1, 2], {}), ([True, False], {}), ([[1.5, 2.0]], {}),
                     ([1.0, 2.0], {"dtype": "float64"}), ([1, 2], {"dtype": "int32"}),
                     ([0.25], {"requires_grad": True})):
        ours = repr(nn.tensor(data, **{k: getattr(nn, v) if k == "dtype" else v for k, v in kw.items()}))
        theirs = repr(torch.tensor(data, **{k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}))
        assert ours.replace("nn.", "torch.") == theirs


def test_setitem_in_place_without_grad_and_refused_on_leaf():
    x = nn.zeros(2, 3)
    alias = x.view(6)
    x[0, 1] = 5.0
    x[x > 4] = 7.0
    x[1] = nn.tensor([1.0, 2.0, 3.0])
    assert alias.tolist() == [0.0, 7.0, 0.0, 1.0, 2.0, 3.0]          # shares memory, as a torch view
    w = nn.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w[0] = 2.0
    with nn.no_grad():
        w[0] = 2.0
        w -= 0.5                                                      # manual SGD step, in place
    assert w.tolist() == [1.5, 0.5, 0.5] and w.requires_grad and w.is_leaf
    with pytest.raises(IndexError, match="long, int, byte or bool"):
        x[nn.tensor([0.0])]


def test_expand_repeat_chunk_split_shapes_match_pytorch():
    torch = pytest.importorskip("torch")
    xd = np.arange(24.0).reshape(2, 3, 4)
    for L_fn in (lambda L, x: [t.shape for t in x.chunk(3, 2)], lambda L, x: [t.shape for t in x.split(2, 1)],
                 lambda L, x: x.repeat(1, 2, 1, 1).shape, lambda L, x: x[:, None, :, None].shape,
                 lambda L, x: x.squeeze(0).shape, lambda L, x: x.unsqueeze(-1).shape,
                 lambda L, x: x.view(4, -1).shape, lambda L, x: x.T.shape if x.dim() == 2 else x.flatten(0, 1).shape):
        ours, theirs = L_fn(nn, nn.tensor(xd)), L_fn(torch, torch.tensor(xd))
        norm = (lambda v: [tuple(s) for s in v]) if isinstance(ours, list) else tuple
        assert norm(ours) == norm(theirs)


def test_sort_topk_indices_and_one_hot_match_pytorch():
    torch = pytest.importorskip("torch")
    xd = np.random.default_rng(3).standard_normal((3, 5))
    for fn in (lambda L, x: x.sort(1).indices, lambda L, x: x.sort(0, descending=True)[1],
               lambda L, x: x.topk(3).indices, lambda L, x: (x > 0.5).nonzero(),
               lambda L, x: L.nonzero(x > 0, as_tuple=True)[1], lambda L, x: L.topk(x, 2, dim=0, largest=False).indices,
               lambda L, x: L.nn.functional.one_hot(x.argmax(1), 6) if L is torch else
               L.functional.one_hot(x.argmax(1), 6),
               lambda L, x: (L.nn.functional if L is torch else L.functional).one_hot(L.tensor([2, 0, 1]))):
        ours, theirs = fn(nn, nn.tensor(xd)), fn(torch, torch.tensor(xd))
        assert ours.dtype == nn.int64 and ours.tolist() == theirs.tolist()
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        nn.functional.one_hot(nn.tensor([0, 3]), 3)


def test_floor_divide_has_no_derivative_as_in_pytorch():
    x = nn.tensor([1.5, 2.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="no derivative"):
        (x // 0.5).sum().backward()


def test_inplace_random_fills_check_their_arguments_as_nn_init_does():
    with pytest.raises(RuntimeError, match="std >= 0"):          # PyTorch's RuntimeError (the 28th round, A)
        nn.zeros(3).normal_(0.0, -1.0)
    with pytest.raises(RuntimeError, match=r"range, but found from=1 > to=0"):
        nn.zeros(3).uniform_(1.0, 0.0)
    with pytest.raises(TypeError, match="generator"):
        nn.zeros(3).normal_(generator=42)


def test_random_draws_follow_their_distributions():
    nn.manual_seed(0)
    x = nn.normal(2.0, 3.0, size=(20000,))
    assert x.shape == (20000,) and x.dtype == nn.float32
    assert abs(x.mean().item() - 2.0) < 0.1 and abs(x.std().item() - 3.0) < 0.1
    m = nn.normal(nn.tensor([[0.0], [10.0]], dtype=nn.float64), nn.full((1, 5000), 0.5, dtype=nn.float64))
    assert m.shape == (2, 5000) and m.dtype == nn.float64 and not m.requires_grad
    np.testing.assert_allclose(m.mean(1).numpy(), [0.0, 10.0], atol=0.05)
    b = nn.bernoulli(nn.full((20000,), 0.3, dtype=nn.float64))
    assert b.dtype == nn.float64 and set(np.unique(b.numpy())) <= {0.0, 1.0} and abs(b.mean().item() - 0.3) < 0.02
    assert nn.rand(4).bernoulli(p=1.0).sum().item() == 4
    w = nn.tensor([[0.0, 1.0, 3.0, 0.0], [2.0, 0.0, 2.0, 4.0]])
    drawn = nn.multinomial(w, 2)
    assert drawn.dtype == nn.int64 and drawn.shape == (2, 2)
    for row, d in zip(w.numpy(), drawn.numpy()):
        assert len(set(d)) == 2 and all(row[d] > 0)         # distinct, never a zero weight
    counts = np.bincount(w[1].multinomial(30000, replacement=True).numpy(), minlength=4) / 30000
    np.testing.assert_allclose(counts, [0.25, 0.0, 0.25, 0.5], atol=0.02)
    first = np.bincount(nn.stack([nn.multinomial(w[0], 1) for _ in range(4000)]).numpy().ravel(), minlength=4)
    np.testing.assert_allclose(first / 4000, [0.0, 0.25, 0.75, 0.0], atol=0.03)
    # PyTorch 2.13 draws past a row's non-zero weights (its zero-weight indices follow, round 33 B) and refuses a
    # negative weight with a RuntimeError "probability tensor contains either `inf`, `nan` or element < 0"
    assert sorted(nn.multinomial(w, 3)[0].tolist()[:2]) == [1, 2]
    with pytest.raises(RuntimeError, match="element < 0"):
        nn.multinomial(nn.tensor([-1.0, 2.0]), 1)
    nn.manual_seed(5)
    again = nn.normal(0.0, 1.0, size=(3,)).numpy()
    nn.manual_seed(5)
    np.testing.assert_array_equal(nn.normal(0.0, 1.0, size=(3,)).numpy(), again)


def test_logspace_and_argsort_match_pytorch():
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(nn.logspace(-1, 2, 7).numpy(), torch.logspace(-1, 2, 7).numpy(), rtol=1e-6)
    np.testing.assert_allclose(nn.logspace(0, 3, 4, base=2).numpy(), torch.logspace(0, 3, 4, base=2).numpy())
    v = np.random.default_rng(0).permutation(12).reshape(3, 4).astype(np.float64)
    for kw in ({}, {"dim": 0}, {"descending": True}):
        np.testing.assert_array_equal(nn.argsort(nn.tensor(v), **kw).numpy(), torch.argsort(torch.tensor(v), **kw).numpy())


def test_amax_amin_share_the_gradient_among_ties_as_pytorch():
    torch = pytest.importorskip("torch")
    v = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, -1.0]])
    for f in (lambda L, t: L.amax(t, dim=(0, 1)), lambda L, t: t.amax(1).sum() * 2, lambda L, t: t.amin(0).sum(),
              lambda L, t: L.amin(t)):
        grads = []
        for L in (nn, torch):
            t = L.tensor(v, requires_grad=True)
            f(L, t).backward()
            grads.append(np.asarray(t.grad))
        np.testing.assert_array_equal(grads[0], grads[1])
    t = nn.tensor(v, requires_grad=True)
    t.amax().backward()
    np.testing.assert_array_equal(t.grad, [[0, 0.5, 0.5], [0, 0, 0]])


def test_detach_in_place_cuts_the_graph():
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * 3
    assert y.detach_() is y and not y.requires_grad and y.is_leaf
    w = (y * x).sum()
    w.backward()
    np.testing.assert_allclose(x.grad, [2.0, 4.0])                 # through x only: y is a constant now
    assert z.requires_grad                                        # ops recorded before keep their graph


def test_edge_cases_as_pytorch():
    torch = pytest.importorskip("torch")
    ties = np.array([1.0, 2.0, 2.0, 2.0, 3.0])
    grads = []
    for L in (nn, torch):
        t = L.tensor(ties, requires_grad=True)
        t.median().backward()
        grads.append(np.asarray(t.grad))
    np.testing.assert_allclose(grads[0], grads[1])                    # shared among the tied medians
    assert np.isnan(nn.tensor([1.0, np.nan, 2.0]).median().item())
    a, b = nn.tensor([0.0, 1.0], requires_grad=True), nn.tensor([0.0, 1.0], requires_grad=True)
    nn.atan2(a, b).sum().backward()
    np.testing.assert_allclose(a.grad, [0.0, 0.5])                   # 0 at the origin, not NaN
    assert nn.nan_to_num(nn.tensor([1, 2])).dtype == nn.int64
    z = nn.zeros(0, 3, requires_grad=True)
    z.cumprod(0).sum().backward()
    assert z.grad.shape == (0, 3)
    v = nn.tensor([[0.0, 0.0], [3.0, 4.0]], requires_grad=True)
    v.norm(dim=1).sum().backward()
    np.testing.assert_allclose(v.grad, [[0.0, 0.0], [0.6, 0.8]])     # the norm's gradient at 0 is 0


def test_out_of_range_dims_and_arguments_raise():
    x = nn.zeros(2, 3)
    for call in (lambda: nn.index_select(x, 2, nn.tensor([1])), lambda: x.gather(-3, nn.zeros(2, 3, dtype=nn.int64)),
                 lambda: x.scatter(2, nn.zeros(2, 3, dtype=nn.int64), 1.0), lambda: nn.narrow(nn.zeros(6), 0, -8, 1)):
        with pytest.raises(IndexError, match="out of range"):
            call()
    with pytest.raises(RuntimeError, match="expected rotation dims to be different"):    # PyTorch's words
        nn.rot90(x, 1, (0, 0))
    with pytest.raises(ValueError, match="expected a matrix"):
        nn.trace(nn.zeros(3))
    with pytest.raises(RuntimeError, match="should have the same number of dimensions"):     # PyTorch's words
        nn.take_along_dim(x, nn.tensor([0]), dim=1)
    assert nn.rot90(nn.tensor([[True, False]]), 0).dtype == nn.bool


def test_introspection_and_counting_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.arange(12).reshape(3, 4)
    for f in (lambda L: L.tensor(a).t().is_contiguous(), lambda L: L.tensor(a).stride(),
              lambda L: L.tensor(a).t().stride(), lambda L: L.tensor(a, dtype=L.float64).element_size(),
              lambda L: L.tensor(a).nbytes, lambda L: L.finfo(L.float32).eps, lambda L: L.iinfo(L.int32).max,
              lambda L: L.finfo().tiny):
        assert f(nn) == f(torch)
    v = np.array([[0, 3, 0], [2, 0, 1]])
    for f in (lambda L: L.argwhere(L.tensor(v)), lambda L: L.isin(L.tensor(v), L.tensor([3, 1])),
              lambda L: L.bincount(L.tensor([0, 4, 4, 1])), lambda L: L.tensor([1, 2, 2]).bincount(minlength=5),
              lambda L: L.bincount(L.tensor([0, 2, 2]), weights=L.tensor([0.5, 1.0, 2.0], dtype=L.float64))):
        np.testing.assert_array_equal(f(nn).numpy(), f(torch).numpy())


def test_dtypes_and_in_place_rules_as_pytorch():
    torch = pytest.importorskip("torch")
    assert nn.tensor([0.1], dtype=nn.float64).item() == 0.1                 # not float32's 0.1
    for f in (lambda L: L.zeros(1, dtype=float).dtype, lambda L: L.ones(2).to(float).dtype,
              lambda L: L.cat([L.tensor([1]), L.tensor([1.5])]).dtype, lambda L: L.finfo(float).bits,
              lambda L: L.bincount(L.tensor([0, 1, 1]), weights=L.tensor([0.5, 1.0, 2.0])).dtype):
        assert str(f(nn)).split(".")[-1] == str(f(torch)).split(".")[-1]
    a = nn.tensor([1.0, 2.0], requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=r"^output with shape \[2\] doesn't match the broadcast shape \[2, 2\]$"):
        a.pow_(nn.tensor([[1.0], [2.0]]))
    b = nn.tensor([1.0, 2.0], requires_grad=True) * 1
    b.add_(nn.tensor([1.0, 2.0], dtype=nn.float64))                       # keeps its float32, as PyTorch
    assert b.dtype == nn.float32 and b.requires_grad
    with pytest.raises(IndexError, match="out of range"):
        nn.index_add(nn.zeros(3), 0, nn.tensor([-1]), nn.ones(1))
    with pytest.raises(RuntimeError, match=r"^index_fill_ only supports a 0-dimensional value tensor, but got tensor "
                                           r"with 1 dimension\(s\)\.$"):      # (PyTorch's words)
        nn.index_fill(nn.zeros(3), 0, nn.tensor([1]), nn.ones(1))

