"""MultiLabelMarginLoss, TripletMarginWithDistanceLoss and the pools' *_with_indices names: against plain loops, under
gradcheck, and against PyTorch."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck

# row 0: classes 3 and 0; row 1: every class listed; row 2: class 1 twice (it counts twice); row 3: none
TARGET = np.array([[3, 0, -1, 1, 1], [0, 1, 2, 4, 3], [1, 1, -1, 0, 0], [-1, 2, 0, 0, 0]])


def _multilabel_loop(x, y):
    """Per sample: sum over listed j (up to the first -1, repeats included) and unlisted i of max(0, 1 - x[j] + x[i]),
    divided by the number of classes."""
    out = []
    for xs, ys in zip(x, y):
        listed = []
        for j in ys:
            if j < 0:
                break
            listed.append(j)
        others = [i for i in range(len(xs)) if i not in listed]
        out.append(sum(max(0.0, 1 - xs[j] + xs[i]) for j in listed for i in others) / len(xs))
    return np.array(out)


def test_multilabel_margin_loss_against_a_loop_and_its_gradient():
    x = np.random.default_rng(0).standard_normal((4, 5))
    expected = _multilabel_loop(x, TARGET)
    assert expected[1] == 0 and expected[3] == 0                    # all classes listed / none listed
    got = F.multilabel_margin_loss(nn.tensor(x), nn.tensor(TARGET), reduction="none")
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(nn.MultiLabelMarginLoss()(nn.tensor(x), nn.tensor(TARGET)).item(), expected.mean(),
                               rtol=1e-14)
    np.testing.assert_allclose(F.multilabel_margin_loss(nn.tensor(x[0]), nn.tensor(TARGET[0])).item(), expected[0],
                               rtol=1e-14)                         # one sample, (C,)
    assert gradcheck(lambda t: F.multilabel_margin_loss(t, nn.tensor(TARGET), reduction="sum"),
                     (nn.tensor(x, requires_grad=True),))
    with pytest.raises(ValueError, match="target classes"):
        F.multilabel_margin_loss(nn.tensor(x), nn.tensor(np.full((4, 5), 7)))


def test_triplet_margin_with_distance_loss_against_its_definition():
    rng = np.random.default_rng(1)
    a, p, n = (rng.standard_normal((3, 4)) for _ in range(3))
    cos_dist = lambda u, v: 1 - F.cosine_similarity(u, v)          # noqa: E731
    got = F.triplet_margin_with_distance_loss(nn.tensor(a), nn.tensor(p), nn.tensor(n), distance_function=cos_dist,
                                              margin=0.7, swap=True, reduction="none")

    def cos(u, v):
        return (u * v).sum(1) / np.maximum(np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1), 1e-8)
    d_neg = np.minimum(1 - cos(a, n), 1 - cos(p, n))
    np.testing.assert_allclose(got.numpy(), np.maximum(1 - cos(a, p) - d_neg + 0.7, 0), rtol=1e-12, atol=1e-12)
    # the default distance is pairwise_distance: the same as triplet_margin_loss
    plain = nn.TripletMarginWithDistanceLoss(margin=0.5)(nn.tensor(a), nn.tensor(p), nn.tensor(n))
    assert plain.item() == F.triplet_margin_loss(nn.tensor(a), nn.tensor(p), nn.tensor(n), margin=0.5).item()
    assert gradcheck(lambda u, v, w: F.triplet_margin_with_distance_loss(u, v, w, distance_function=cos_dist),
                     tuple(nn.tensor(t, requires_grad=True) for t in (a, p, n)))
    with pytest.raises(ValueError, match="margin"):
        F.triplet_margin_with_distance_loss(nn.tensor(a), nn.tensor(p), nn.tensor(n), margin=0.0)


def test_both_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5))
    for reduction in ("mean", "sum", "none"):
        ours, theirs = nn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        mine = nn.MultiLabelMarginLoss(reduction=reduction)(ours, nn.tensor(TARGET))
        their = torch.nn.MultiLabelMarginLoss(reduction=reduction)(theirs, torch.tensor(TARGET))
        np.testing.assert_allclose(mine.detach().numpy(), their.detach().numpy(), rtol=1e-14, atol=1e-15)
        mine.sum().backward()
        their.sum().backward()
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-14, atol=1e-15)
    a, p, n = (rng.standard_normal((3, 4)) for _ in range(3))
    for swap in (False, True):
        results = []
        for lib in (nn, torch):
            fn = lib.nn.functional if lib is torch else F
            ts = [lib.tensor(t, requires_grad=True) for t in (a, p, n)]
            loss_fn = (torch.nn if lib is torch else nn).TripletMarginWithDistanceLoss(
                distance_function=lambda u, v, fn=fn: 1 - fn.cosine_similarity(u, v), margin=0.7, swap=swap)
            loss = loss_fn(*ts)
            loss.backward()
            results.append((loss.item(), [np.asarray(t.grad) for t in ts]))
        assert abs(results[0][0] - results[1][0]) < 1e-14
        for g1, g2 in zip(results[0][1], results[1][1]):
            np.testing.assert_allclose(g1, g2, rtol=1e-13, atol=1e-15)


def test_pool_with_indices_names_and_adaptive_indices_as_tensors():
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 6))
    y, idx = F.max_pool2d_with_indices(nn.tensor(x), 3, 2, 1)
    ref_y, ref_idx = F.max_pool2d(nn.tensor(x), 3, 2, 1, return_indices=True)
    assert np.array_equal(y.numpy(), ref_y.numpy()) and np.array_equal(idx.numpy(), ref_idx.numpy())
    y, idx = F.adaptive_max_pool2d_with_indices(nn.tensor(x), (2, 3))
    assert isinstance(idx, nn.Tensor) and idx.dtype == np.int64
    # each index points at its maximum in the flattened (H, W) plane
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(2, 3, -1), idx.numpy().reshape(2, 3, -1), 2),
                                  y.numpy().reshape(2, 3, -1))
    y1, idx1 = nn.AdaptiveMaxPool1d(4, return_indices=True)(nn.tensor(x[:, :, 0]))
    np.testing.assert_array_equal(np.take_along_axis(x[:, :, 0], idx1.numpy(), 2), y1.numpy())
    torch = pytest.importorskip("torch")
    for name, inp, args in (("max_pool1d_with_indices", x[:, :, 0], (3, 2, 1)),
                            ("adaptive_max_pool1d_with_indices", x[:, :, 0], (4,)),
                            ("max_pool2d_with_indices", x, (3, 2, 1)),
                            ("adaptive_max_pool2d_with_indices", x, ((2, 3),))):
        ours, theirs = getattr(F, name)(nn.tensor(inp), *args), getattr(torch.nn.functional, name)(torch.tensor(inp), *args)
        for a, b in zip(ours, theirs):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_dilated_max_pool_as_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(6).standard_normal((2, 3, 9, 10))
    for kw in (dict(kernel_size=3, dilation=2), dict(kernel_size=(2, 3), stride=(1, 2), padding=1, dilation=(2, 3))):
        ours, theirs = nn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        a, b = F.max_pool2d(ours, **kw), torch.nn.functional.max_pool2d(theirs, **kw)
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        g = np.random.default_rng(7).standard_normal(tuple(b.shape))
        a.backward(nn.tensor(g))
        b.backward(torch.tensor(g))
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-14, atol=1e-15)
