"""Distances and their losses, the shrink/threshold activations, pooling's ceil_mode / count_include_pad /
divisor_override, interpolate's 'area' mode, unfold / fold: float64 gradchecks, and PyTorch (when installed) giving the same
values and gradients; the layers against PyTorch's."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck

SIGNS = np.array([1.0, -1.0, 1.0, -1.0])
LABELS = (np.arange(24).reshape(4, 6) % 3 == 0).astype(np.float64)

# (name, fn(F, L, *inputs), input shapes); L is the library (nn or torch), F its functional module
OPS = [
    ("cosine_similarity", lambda F, L, x, y: F.cosine_similarity(x, y, dim=1), [(4, 6), (4, 6)]),
    ("cosine_similarity_bcast", lambda F, L, x, y: F.cosine_similarity(x, y[:1], dim=-1, eps=1e-6), [(4, 6), (4, 6)]),
    ("pairwise_distance", lambda F, L, x, y: F.pairwise_distance(x, y) + F.pairwise_distance(x, y, p=1, keepdim=True).sum(),
     [(4, 6), (4, 6)]),
    ("huber_loss", lambda F, L, x, y: F.huber_loss(x, y, delta=0.5) + F.huber_loss(x, y, reduction="sum"), [(4, 6), (4, 6)]),
    ("margin_ranking_loss", lambda F, L, x, y: F.margin_ranking_loss(x[:, 0], y[:, 0], L.tensor(SIGNS), margin=0.1),
     [(4, 6), (4, 6)]),
    ("hinge_embedding_loss", lambda F, L, x, y: F.hinge_embedding_loss(x, L.tensor(np.tile(SIGNS, (6, 1)).T), margin=0.5),
     [(4, 6)] * 2),
    ("soft_margin_loss", lambda F, L, x, y: F.soft_margin_loss(x * 5, L.tensor(np.tile(SIGNS, (6, 1)).T)), [(4, 6)] * 2),
    ("multilabel_soft_margin_loss", lambda F, L, x, y: F.multilabel_soft_margin_loss(x * 3, L.tensor(LABELS))
     + F.multilabel_soft_margin_loss(x, L.tensor(LABELS), weight=L.tensor(np.linspace(0.5, 2, 6)), reduction="sum"),
     [(4, 6)] * 2),
    ("multi_margin_loss", lambda F, L, x, y: F.multi_margin_loss(x, L.tensor([0, 5, 2, 2]))
     + F.multi_margin_loss(x, L.tensor([1, 1, 3, 0]), p=2, margin=0.5, weight=L.tensor(np.linspace(0.5, 2, 6)),
                           reduction="sum") + F.multi_margin_loss(y[0], L.tensor(4)), [(4, 6)] * 2),
    ("cosine_embedding_loss", lambda F, L, x, y: F.cosine_embedding_loss(x, y, L.tensor(SIGNS), margin=-0.2),
     [(4, 6), (4, 6)]),
    ("triplet_margin_loss", lambda F, L, x, y: F.triplet_margin_loss(x, y, x * 0.5 + y, margin=2.0)
     + F.triplet_margin_loss(x, y, y * 0.3, swap=True, p=1), [(4, 6), (4, 6)]),
    ("poisson_nll_loss", lambda F, L, x, y: F.poisson_nll_loss(x, y.abs() * 3) + F.poisson_nll_loss(
        x.abs() + 0.5, y.abs() * 3, log_input=False, full=True), [(4, 6), (4, 6)]),
    ("gaussian_nll_loss", lambda F, L, x, y: F.gaussian_nll_loss(x, y, x.abs() + 0.1)
     + F.gaussian_nll_loss(x, y, y[:, 0].abs() + 0.2, full=True), [(4, 6), (4, 6)]),
    ("softsign_tanhshrink", lambda F, L, x, y: F.softsign(x) * F.tanhshrink(y), [(4, 6)] * 2),
    ("shrinks", lambda F, L, x, y: F.softshrink(x * 2, 0.3) + F.hardshrink(y * 2, 0.4), [(4, 6)] * 2),
    ("threshold_celu", lambda F, L, x, y: F.threshold(x, 0.1, -2.0) + F.celu(y * 2, 0.7), [(4, 6)] * 2),
    ("glu_rrelu_eval", lambda F, L, x, y: F.glu(x, 1) + F.rrelu(y[:, :3], training=False), [(4, 6)] * 2),
    ("max_pool_ceil", lambda F, L, x: F.max_pool2d(x, 3, 2, ceil_mode=True) + F.max_pool2d(x, 3, 2, 1, ceil_mode=True)[..., :3, :4],
     [(2, 3, 7, 9)]),
    ("avg_pool_options", lambda F, L, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)
     + F.avg_pool2d(x, 3, 2, 1, divisor_override=4) + F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [(2, 3, 7, 9)]),
    ("avg_pool_ceil", lambda F, L, x: F.avg_pool2d(x, 3, 3, 1, ceil_mode=True), [(2, 3, 7, 9)]),
    ("unfold_fold", lambda F, L, x: F.fold(F.unfold(x, (2, 3), stride=2, padding=1) * 2, (7, 9), (2, 3), stride=2,
                                           padding=1) + F.unfold(x, 3, dilation=2, padding=2, stride=(1, 2)).sum(),
     [(2, 3, 7, 9)]),
    ("interpolate_area", lambda F, L, x: F.interpolate(x, size=(3, 4), mode="area")
     + F.interpolate(x, scale_factor=0.5, mode="area"), [(2, 3, 7, 9)]),
]
IDS = [o[0] for o in OPS]


# PyTorch's celu backward scales by 1 / alpha with less than double precision: its gradients are 1e-8 relative
# off (the value is exact); ours are checked by gradcheck above
GRAD_RTOL = {"threshold_celu": 1e-7}


def _inputs(shapes, seed):
    rng = np.random.default_rng(seed)
    # values away from the kinks (0, +-lambd, thresholds) so that finite differences see one branch
    return [np.round(rng.uniform(-1.5, 1.5, s), 1) + rng.uniform(0.02, 0.08, s) for s in shapes]


@pytest.mark.parametrize("name,fn,shapes", OPS, ids=IDS)
def test_gradcheck(name, fn, shapes):
    inputs = [nn.tensor(a, requires_grad=True) for a in _inputs(shapes, 1)]
    assert gradcheck(lambda *t: fn(F, nn, *t), inputs)


@pytest.mark.parametrize("name,fn,shapes", OPS, ids=IDS)
def test_same_values_and_gradients_as_pytorch(name, fn, shapes):
    torch = pytest.importorskip("torch")
    arrays = _inputs(shapes, 2)
    out = []
    for L, FL in ((nn, F), (torch, torch.nn.functional)):
        ts = [L.tensor(a, requires_grad=True) for a in arrays]
        y = fn(FL, L, *ts)
        (y * L.tensor(np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)))).sum().backward()
        out.append([y.detach().numpy()] + [np.zeros(t.shape) if t.grad is None else np.asarray(t.grad) for t in ts])
    for k, (a, b) in enumerate(zip(*out)):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=GRAD_RTOL.get(name, 1e-10) if k else 1e-10, atol=1e-12)


def test_layers_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y, z = (rng.standard_normal((4, 6)) for _ in range(3))
    img = rng.standard_normal((2, 3, 7, 9))
    signs = np.array([1.0, -1.0, -1.0, 1.0])
    pairs = [
        ("HuberLoss", dict(delta=0.7), (x, y)), ("SoftMarginLoss", {}, (x, np.sign(y))),
        ("MarginRankingLoss", dict(margin=0.2), (x[:, 0], y[:, 0], signs)),
        ("HingeEmbeddingLoss", dict(margin=0.3), (x, np.sign(y))),
        ("MultiLabelSoftMarginLoss", {}, (x, (y > 0).astype(float))),
        ("CosineEmbeddingLoss", dict(margin=0.1), (x, y, signs)),
        ("TripletMarginLoss", dict(margin=0.5, swap=True), (x, y, z)),
        ("PoissonNLLLoss", dict(log_input=False, full=True), (np.abs(x) + 0.1, np.abs(y) * 3)),
        ("GaussianNLLLoss", dict(full=True), (x, y, np.abs(z) + 0.1)),
        ("CosineSimilarity", dict(dim=0), (x, y)), ("PairwiseDistance", dict(p=3.0), (x, y)),
        ("Softsign", {}, (x,)), ("Tanhshrink", {}, (x,)), ("Softshrink", dict(lambd=0.3), (x,)),
        ("Hardshrink", {}, (x,)), ("Threshold", dict(threshold=0.2, value=-1.0), (x,)), ("CELU", dict(alpha=0.5), (x,)),
        ("GLU", dict(dim=0), (x,)), ("Unfold", dict(kernel_size=(2, 3), stride=2), (img,)),
        ("Fold", dict(output_size=(7, 9), kernel_size=3, padding=1), (np.tile(img.reshape(2, 3, -1)[..., :63], (1, 9, 1)),)),
        ("MaxPool2d", dict(kernel_size=3, stride=2, ceil_mode=True), (img,)),
        ("AvgPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False), (img,)),
    ]
    for name, kwargs, args in pairs:
        ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
        got = ours(*(nn.tensor(a) for a in args)).numpy()
        want = theirs(*(torch.tensor(a) for a in args)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=name)


def test_rrelu_draws_slopes_in_training_and_uses_their_mean_in_eval():
    nn.manual_seed(0)
    layer = nn.RReLU(0.1, 0.3)
    x = nn.tensor(-np.ones(2000))
    slopes = -layer(x).numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.01 and slopes.std() > 0.05
    layer.eval()
    np.testing.assert_allclose(layer(x).numpy(), -0.2)
    np.testing.assert_array_equal(layer(nn.tensor([2.0])).numpy(), [2.0])


def test_dilated_max_pool_and_what_it_does_not_take():
    x = nn.tensor(np.random.default_rng(0).standard_normal((1, 2, 7, 8)))
    taps = x.numpy()[:, :, [[0], [2]], [0, 2]]                        # a 2 x 2 window, dilation 2, at (0, 0)
    assert F.max_pool2d(x, 2, stride=1, dilation=2).numpy()[:, :, 0, 0].tolist() == taps.max(axis=(2, 3)).tolist()
    assert gradcheck(lambda t: F.max_pool2d(t, (2, 3), 1, 1, dilation=(2, 1)), (nn.tensor(x.numpy(), requires_grad=True),))
    assert F.max_pool2d(nn.zeros(1, 1, 6, 6), 2, dilation=2, ceil_mode=True).shape == (1, 1, 3, 3)   # (round 30)
    out, idx = nn.MaxPool2d(2, return_indices=True)(nn.arange(16.0).view(1, 1, 4, 4))     # supported now
    assert idx.tolist() == [[[[5, 7], [13, 15]]]]
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(nn.zeros(3), nn.zeros(3), nn.tensor([1.0, -1.0, 1.0]))


def test_selection_losses_and_threshold_keep_inf_and_nan_as_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([-np.inf, 0.3, np.nan, 2.0])
    y = np.array([1.0, 0.0, -1.0, -1.0])
    for f in (lambda FL, L: FL.threshold(L.tensor(x), 0.0, -5.0),
              lambda FL, L: FL.hinge_embedding_loss(L.tensor(x), L.tensor(y), reduction="none")):
        np.testing.assert_array_equal(f(F, nn).numpy(), f(torch.nn.functional, torch).numpy())
    zero = nn.tensor(np.zeros((1, 3)), requires_grad=True)
    F.cosine_similarity(zero, nn.tensor(np.ones((1, 3)))).sum().backward()
    assert np.all(np.isfinite(zero.grad))                             # each norm clamped on its own
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert F.poisson_nll_loss(nn.zeros(2), nn.zeros(2), reduce=False).shape == (2,)
    with pytest.warns(UserWarning, match="reduction='mean'"):
        assert nn.MarginRankingLoss(size_average=True).reduction == "mean"
    with pytest.raises(ValueError, match="var is of incorrect size"):     # PyTorch's words (round 30)
        F.gaussian_nll_loss(nn.zeros(4, 5), nn.zeros(4, 5), nn.ones(2, 5))
    with pytest.raises(RuntimeError, match="^divisor must be not zero$"):     # PyTorch 2.13's words
        F.avg_pool2d(nn.zeros(1, 1, 4, 4), 2, divisor_override=0)
