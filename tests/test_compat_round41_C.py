"""Ross Wightman's EfficientDet from the package registry: effdet 0.4.1 (its wheel) with timm 1.0.31 (its backbones,
layers, optimizers, EMA and schedulers) and omegaconf 2.4.0 (pure Python, unported), effdet and timm ported file by
file by the porting rule (``effdetp``, ``timmp``) and run against the originals on PyTorch 2.13 in one process;
torchvision and pycocotools name-only stand-ins on both sides, with torchvision's ``nms`` / ``batched_nms`` /
``remove_small_boxes`` / ``FrozenBatchNorm2d`` written by hand from its source and ported. Float64 (effdet's and timm's
``.float()`` / ``torch.float32`` casts made float64 alike on both sides; the unchanged float32 runs too), PyTorch's
weights perturbed and loaded into nn's, drop-path, RandomErasing and shuffle draws handed over. Covered: BiFPN with
fast-attention, softmax-attention and sum fusion, PAN and QuFPN layouts, the class / box heads (separable or not,
batch norms level-first or repeat-first), the anchors and the AnchorLabeler, DetBenchTrain's focal (new and legacy,
label smoothing) and Huber losses, DetBenchPredict's top-k, NMS and soft-NMS post-processing, 18 configurations
(tf_efficientdet_d0 with TF "same" padding, efficientdetv2_dt, cspresdet50, cspdarkdet53m, mixdet_m,
mobiledetv3_large, mobiledetv2_110d, efficientdet_em, resdet50, tf_efficientdet_lite0, levels 3-8, timm's test
backbones with BatchNorm / GroupNorm / LayerNorm / EvoNorm) at 64x64, forward, backward, SGD / AdamW steps, eval,
state_dict round trips, checkpoints through timm's loader, the data pipeline (DetectionDatset, transforms, the fast
collate with the labeler, DataLoader) and 50 of timm's optimizers: 1e-13 or better but where PyTorch itself moves as
much for an ulp of the input (batch norms over 1x1 maps of two images).

Failures found (nn's):
- mobiledetv3_large's gradients differed by 3e-8 relative: timm's squeeze-excite gate is ``F.hardsigmoid``, whose
  PyTorch backward multiplies by its kernel constant ``1.0f / 6.0f`` (the float32 quotient) in float64 too; nn used
  1/6. nn's hardsigmoid slope is now that constant (nn/functional/activations.py).
- effdet's focal loss on an image size its anchors do not fit (levels 3-8 at 96x64) raises PyTorch's
  "Target size (torch.Size([2, 1, 1, 27])) must be the same as input size (torch.Size([2, 2, 1, 27]))"; nn's words
  were its own. The binary cross-entropies' size errors and the regression losses' size warning now take PyTorch's
  words, the sizes as reprs (``nn.Size([...])``) (nn/functional/losses.py ``_loss_args``).
- DetBenchPredict's detections came in another order where scores tie (sigmoid saturated at 1.0): torchvision's
  ``_batched_nms_vanilla`` orders the kept boxes by ``scores.sort(descending=True)``, which PyTorch's CPU kernel does
  by std::sort (not stable: equal values in libstdc++ introsort's order), and nn's sort kept ties in their order.
  ``sort`` / ``argsort`` with ``stable=False`` now give std::sort's order among ties (the rows holding a tie
  replayed by nn/kernels/select.py, as topk's; fbgemm's stable radix sort of long 1-D integer tensors kept).
"""
import re
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F

# PyTorch's hardsigmoid_backward constant: one_sixth = 1.0f / 6.0f, rounded to float32
SIXTH_F32 = 0.1666666716337204


def _se_gate(x, w_reduce, w_expand):
    """timm's SqueezeExcite with gate_layer='hard_sigmoid' (MobileNetV3's blocks, effdet's mobiledetv3_large):
    x * hardsigmoid(conv_expand(relu(conv_reduce(mean(x)))))."""
    x_se = x.mean((2, 3), keepdim=True)
    x_se = F.relu(F.conv2d(x_se, w_reduce))
    x_se = F.conv2d(x_se, w_expand)
    return x * F.hardsigmoid(x_se)


def test_hardsigmoid_slope_is_pytorchs_float32_sixth():
    """PyTorch 2.13: the gradient of hardsigmoid at 0.5 in float64 is 0.1666666716337204, not 1/6 (3e-8 relative),
    0 at and beyond +-3; nn's slope was 1/6."""
    z = nn.tensor([0.5, -1.0, 2.9, -2.999, 3.0, -3.0, 4.0, float("nan")], dtype=nn.float64, requires_grad=True)
    F.hardsigmoid(z).sum().backward()
    want = [SIXTH_F32] * 4 + [0.0] * 4
    assert z.grad.tolist() == want
    # the recorded first derivative (create_graph) is the same number
    z2 = nn.tensor([0.5, -1.0, 4.0], dtype=nn.float64, requires_grad=True)
    g, = nn.autograd.grad(F.hardsigmoid(z2).sum(), z2, create_graph=True)
    assert g.tolist() == [SIXTH_F32, SIXTH_F32, 0.0]
    # the layer and the in-place form; float32 is the same constant
    z3 = nn.tensor([0.25], dtype=nn.float64, requires_grad=True)
    nn.Hardsigmoid()(z3).backward()
    assert z3.grad.item() == SIXTH_F32
    z4 = nn.tensor([0.25], dtype=nn.float32, requires_grad=True)
    F.hardsigmoid(z4).backward()
    assert z4.grad.item() == float(np.float32(1) / np.float32(6))
    # the forward is unchanged: relu6(x + 3) / 6 in the input's dtype
    assert F.hardsigmoid(nn.tensor([0.5], dtype=nn.float64)).item() == 3.5 / 6


def test_squeeze_excite_gate_gradients_as_pytorch():
    """The squeeze-excite block of mobiledetv3_large's backbone: the input's and weights' gradients carry the gate's
    slope; stated by hand through NumPy (the gate inside (-3, 3) everywhere here)."""
    rs = np.random.RandomState(0)
    x, wr, we = rs.standard_normal((2, 4, 3, 3)), rs.standard_normal((2, 4, 1, 1)) * 0.3, rs.standard_normal((4, 2, 1, 1)) * 0.3
    xt, wrt, wet = (nn.tensor(a, requires_grad=True) for a in (x, wr, we))
    _se_gate(xt, wrt, wet).sum().backward()
    # by hand: s = relu(wr @ mean(x)); z = we @ s; y = x * (z + 3) / 6; dL/dz = sum_hw(x) * SIXTH_F32
    m = x.mean((2, 3))                                  # (2, 4)
    h = m @ wr[:, :, 0, 0].T                            # (2, 2)
    s = np.maximum(h, 0)
    z = s @ we[:, :, 0, 0].T                            # (2, 4)
    assert np.all(np.abs(z) < 3)
    dz = x.sum((2, 3)) * SIXTH_F32
    dwe = dz.T @ s
    np.testing.assert_allclose(wet.grad.numpy()[:, :, 0, 0], dwe, rtol=1e-13)
    dh = (dz @ we[:, :, 0, 0]) * (h > 0)
    np.testing.assert_allclose(wrt.grad.numpy()[:, :, 0, 0], dh.T @ m, rtol=1e-13)
    dx = np.broadcast_to(((z + 3) / 6)[:, :, None, None], x.shape) + ((dh @ wr[:, :, 0, 0]) / 9)[:, :, None, None]
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=1e-13)


def test_hardsigmoid_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(1)
    x = rs.standard_normal(200) * 4
    for dt, tdt in ((nn.float64, torch.float64), (nn.float32, torch.float32)):
        a, b = nn.tensor(x, dtype=dt, requires_grad=True), torch.tensor(x, dtype=tdt, requires_grad=True)
        g = rs.standard_normal(200)
        F.hardsigmoid(a).backward(nn.tensor(g, dtype=dt))
        torch.nn.functional.hardsigmoid(b).backward(torch.tensor(g, dtype=tdt))
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    w = [rs.standard_normal((2, 4, 1, 1)) * 0.3, rs.standard_normal((4, 2, 1, 1)) * 0.3]
    xi = rs.standard_normal((2, 4, 3, 3))
    ours = [nn.tensor(a, requires_grad=True) for a in [xi] + w]
    theirs = [torch.tensor(a, requires_grad=True) for a in [xi] + w]
    _se_gate(*ours).sum().backward()
    t = theirs[0].mean((2, 3), keepdim=True)
    t = torch.nn.functional.conv2d(torch.relu(torch.nn.functional.conv2d(t, theirs[1])), theirs[2])
    (theirs[0] * torch.nn.functional.hardsigmoid(t)).sum().backward()
    for o, r in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), r.grad.numpy(), rtol=1e-14, atol=1e-15)


def _new_focal_loss(logits, targets, alpha, gamma, normalizer, label_smoothing=0.01):
    """effdet/loss.py's new_focal_loss, as the port runs it."""
    pred_prob = logits.sigmoid()
    targets = targets.to(logits.dtype)
    onem_targets = 1. - targets
    p_t = (targets * pred_prob) + (onem_targets * (1. - pred_prob))
    alpha_factor = targets * alpha + onem_targets * (1. - alpha)
    modulating_factor = (1. - p_t) ** gamma
    if label_smoothing > 0.:
        targets = targets * (1. - label_smoothing) + .5 * label_smoothing
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction='none')
    return (1 / normalizer) * alpha_factor * modulating_factor * ce


def test_focal_loss_size_error_in_pytorchs_words():
    """tf_efficientdet_d7x's levels 3-8 at a 96x64 image: the level-8 class map is 2x1 and its anchor targets 1x1;
    PyTorch 2.13 refuses in F.binary_cross_entropy_with_logits (ValueError "Target size (torch.Size([2, 1, 1, 27]))
    must be the same as input size (torch.Size([2, 2, 1, 27]))"); nn said "binary_cross_entropy_with_logits: target
    size (2, 1, 1, 27) must be the same as input size (2, 2, 1, 27)"."""
    logits, targets = nn.zeros(2, 2, 1, 27, dtype=nn.float64), nn.zeros(2, 1, 1, 27, dtype=nn.float64)
    with pytest.raises(ValueError, match=r"^Target size \(nn\.Size\(\[2, 1, 1, 27\]\)\) must be the same as input "
                                         r"size \(nn\.Size\(\[2, 2, 1, 27\]\)\)$"):
        _new_focal_loss(logits, targets, alpha=0.25, gamma=1.5, normalizer=3.0)
    with pytest.raises(ValueError, match=r"^Target size \(nn\.Size\(\[1\]\)\) must be the same as input size "
                                         r"\(nn\.Size\(\[\]\)\)$"):
        nn.BCEWithLogitsLoss()(nn.tensor(0.5), nn.tensor([1.0]))
    with pytest.raises(ValueError, match=r"^Using a target size \(nn\.Size\(\[2\]\)\) that is different to the input "
                                         r"size \(nn\.Size\(\[2, 1\]\)\) is deprecated\. Please ensure they have the "
                                         r"same size\.$"):
        F.binary_cross_entropy(nn.full((2, 1), 0.5), nn.zeros(2))
    with pytest.warns(UserWarning, match=r"^Using a target size \(nn\.Size\(\[2\]\)\) that is different to the input "
                                         r"size \(nn\.Size\(\[2, 1\]\)\)\. This will likely lead to incorrect results "
                                         r"due to broadcasting\. Please ensure they have the same size\.$"):
        F.smooth_l1_loss(nn.zeros(2, 1), nn.zeros(2))
    # the same shapes: the loss, as before
    out = _new_focal_loss(nn.zeros(1, 2, dtype=nn.float64), nn.tensor([[1.0, 0.0]], dtype=nn.float64), alpha=0.25,
                          gamma=1.5, normalizer=2.0, label_smoothing=0.0)
    np.testing.assert_allclose(out.numpy(), [[0.5 * 0.25 * 0.5 ** 1.5 * np.log(2), 0.5 * 0.75 * 0.5 ** 1.5 * np.log(2)]],
                               rtol=1e-15)


def test_loss_size_words_match_pytorch():
    torch = pytest.importorskip("torch")

    def words(fn):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                fn()
            except ValueError as e:
                return "ValueError", re.sub(r"(torch|nn)\.Size", "Size", str(e))
        return "warning", re.sub(r"(torch|nn)\.Size", "Size", str(w[0].message))
    for name, a, b in (("binary_cross_entropy_with_logits", (2, 2, 1, 27), (2, 1, 1, 27)),
                       ("binary_cross_entropy", (4, 1), (4,)), ("binary_cross_entropy_with_logits", (), (1,)),
                       ("mse_loss", (4, 1), (4,)), ("l1_loss", (3,), (1, 3)), ("huber_loss", (2, 1), (2,))):
        x, y = np.full(a, 0.5), np.zeros(b)
        ours = words(lambda: getattr(F, name)(nn.tensor(x), nn.tensor(y)))
        theirs = words(lambda: getattr(torch.nn.functional, name)(torch.tensor(x), torch.tensor(y)))
        assert ours == theirs, (name, ours, theirs)


def _batched_nms_order(scores, keep_mask):
    """torchvision.ops.boxes._batched_nms_vanilla's last two lines: the kept indices by descending score."""
    keep_indices = nn.where(keep_mask)[0]
    return keep_indices[scores[keep_indices].sort(descending=True)[1]]


def test_sort_orders_ties_as_pytorchs_std_sort():
    """PyTorch 2.13's CPU sort(stable=False) is std::sort: among equal values (more than 16 in a row: below that an
    insertion sort, stable) its order is libstdc++ introsort's; nn kept ties in their order (the stable sort's)."""
    s = nn.tensor([1.0, 0.9, 1.0, 1.0, 0.5, 1.0, 0.9, 1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 0.9, 1.0, 1.0, 1.0, 1.0, 0.2, 1.0],
                  dtype=nn.float64)
    assert s.sort(descending=True)[1].tolist() == [0, 2, 3, 19, 5, 17, 7, 8, 9, 16, 11, 12, 15, 14, 1, 13, 6, 10, 4, 18]
    assert s.sort(descending=True, stable=True)[1].tolist() == [0, 2, 3, 5, 7, 8, 9, 11, 12, 14, 15, 16, 17, 19, 1,
                                                                   6, 13, 4, 10, 18]
    assert s.argsort().tolist() == [18, 10, 4, 1, 13, 6, 5, 7, 8, 9, 3, 11, 12, 2, 14, 15, 16, 17, 0, 19]
    assert _batched_nms_order(s, nn.ones(20, dtype=nn.bool)).tolist() == s.sort(descending=True)[1].tolist()
    v, i = s.sort(descending=True)
    assert v.tolist() == sorted(s.tolist(), reverse=True)           # the values as before
    f = nn.tensor([2.0, float("nan"), 1.0] * 7)                      # NaN are equal to each other in the comparator
    assert f.sort()[1].tolist() == [20, 2, 5, 8, 11, 17, 14, 3, 6, 18, 9, 0, 12, 15, 10, 19, 16, 13, 7, 4, 1]
    x = nn.tensor([[3, 1, 3, 1, 2, 2, 3, 1, 1, 3, 2, 2, 1, 3, 3, 1, 2, 1], [0] * 18])   # per row, integers too
    assert x.sort(dim=1)[1].tolist() == [[1, 17, 15, 12, 8, 7, 3, 5, 4, 10, 11, 16, 6, 9, 13, 14, 2, 0],
                                         [9, 17, 16, 15, 14, 13, 12, 11, 10, 0, 8, 7, 6, 5, 4, 3, 2, 1]]
    assert x.t().sort(dim=0)[1].t().tolist() == x.sort(dim=1)[1].tolist()
    # 16 or fewer elements: insertion sort, ties in their order; a long 1-D integer ascending sort: radix, stable
    assert nn.tensor([1.0] * 16).sort()[1].tolist() == list(range(16))
    big = nn.tensor(np.tile([1, 0], 20000))
    assert big.sort()[1].tolist() == np.argsort(np.tile([1, 0], 20000), kind="stable").tolist()
    # nanmedian still picks its index among ties as PyTorch's (it reads the stable order, not sort's)
    m = nn.tensor([[1.0, 2.0, 1.0, float("nan"), 2.0, 1.0, 1.0, 2.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0, 2.0, 1.0,
                    1.0, 2.0]]).nanmedian(dim=1)
    assert m.values.tolist() == [1.0] and m.indices.tolist() == [17]
    # gradients follow the indices
    g = nn.tensor(s.numpy(), requires_grad=True)
    (g.sort(descending=True)[0] * nn.arange(20.0, dtype=nn.float64)).sum().backward()
    want = np.zeros(20)
    want[[0, 2, 3, 19, 5, 17, 7, 8, 9, 16, 11, 12, 15, 14, 1, 13, 6, 10, 4, 18]] = np.arange(20.0)
    np.testing.assert_array_equal(g.grad.numpy(), want)


def test_sort_ties_match_pytorch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(3)
    for shape in ((40,), (3, 50), (30, 2, 3)):
        for dtype in ("float64", "float32", "int64"):
            x = rs.choice([1.0, 0.5, 0.0, -0.0, float("nan")] if dtype != "int64" else [0, 1, 2], size=shape)
            x = x.astype(dtype)
            for dim in range(len(shape)):
                for descending in (False, True):
                    a = nn.tensor(x).sort(dim=dim, descending=descending)
                    b = torch.tensor(x).sort(dim=dim, descending=descending)
                    np.testing.assert_array_equal(a.indices.numpy(), b.indices.numpy())
                    np.testing.assert_array_equal(np.signbit(a.values.numpy()), np.signbit(b.values.numpy()))


def test_sort_kernel_is_its_python_twin():
    """The compiled std::sort replay against its own body run as Python and against the Python path's lists, on
    rows with ties of every width (a few seconds to compile once, then read from Numba's cache)."""
    from nn.kernels import select
    g = np.random.default_rng(1)
    keys = np.stack([g.integers(0, 2, 600), g.integers(0, 40, 600), np.zeros(600, np.int64), g.permutation(600)])
    kernel = select.sort_rows_kernel(keys)
    assert np.array_equal(kernel, select._sort_rows(keys))
    for row, got in zip(keys.tolist(), kernel):
        ix = list(range(len(row)))
        select._sort(row, ix, len(row))
        assert ix == got.tolist()
    assert sorted(kernel[3].tolist()) == list(range(600))          # a permutation of each row
