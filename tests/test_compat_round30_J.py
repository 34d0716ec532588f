"""The thirtieth round's leftovers (area J): what the round's probes of nn.functional and the layer classes against
PyTorch 2.13 (areas F, G, I) left, brought to PyTorch's behaviour. No package is ported here; each test states
PyTorch's behaviour by hand (or NumPy / central differences).

The failures these tests pin down, in a few lines:

- An unknown ``reduction``: every PyTorch loss raises ValueError "bogus is not a valid value for reduction"
  (_Reduction.get_enum; gaussian_nll_loss and multilabel_soft_margin_loss: "bogus is not valid"; l1 / mse / huber
  with ``weight``: "Invalid reduction mode: bogus. Expected one of 'none', 'mean', 'sum'."); nn raised its own
  words ("l1_loss: reduction must be 'mean', 'sum' or 'none', got 'bogus'") from six places. PyTorch checks first
  in most losses (a bad shape and a bad reduction: the reduction's error), after the shapes in l1 / mse /
  smooth_l1 / huber (broadcast_tensors first), after the loss in multilabel_soft_margin_loss and after var's
  checks in gaussian_nll_loss; nn checked wherever its `_reduce` ran (soft_margin_loss, bce, poisson, hinge,
  cosine_embedding, margin_ranking, triplet, multi_margin, multilabel_margin and ctc gave shape errors first).
  The get_enum losses take the deprecated 'elementwise_mean' as 'mean' with a warning; nn refused it. Now one
  check, nn.functional._args.check_reduction, called where PyTorch checks. Beside it: the regression losses'
  shapes that do not broadcast give PyTorch's RuntimeError "The size of tensor a (3) must match ..." (nn: a
  ValueError of its own), and a negative beta / non-positive delta PyTorch's RuntimeError words.
- In-place dropout (dropout, dropout1d/2d/3d, alpha_dropout, feature_alpha_dropout) at p = 0 in training, or of
  an empty input, on a leaf that requires grad: PyTorch returns the input untouched (its p == 0 / numel == 0
  shortcut, so no in-place op); nn raised the leaf in-place RuntimeError. An unbatched dropout1d / dropout3d input
  still raises (PyTorch unsqueezes it in place, whatever p and training).
- cross_entropy with probability targets and a class ``weight`` that requires grad: PyTorch's composite gives the
  weight a gradient; nn's op held the weight as a constant (no gradient). With class-index targets (and nll_loss)
  PyTorch refuses such a weight ("The function 'nll_loss_forward' is not differentiable with respect to argument
  'weight'. ..."; nll_loss2d_forward for (N, C, d1, ...)); nn took it silently.
- Error words still nn's: conv1d/2d/3d with padding='same' and a stride (PyTorch: RuntimeError "padding='same' is
  not supported for strided convolutions", checked before the channels; nn: ValueError "conv2d: padding='same'
  needs stride 1 (as in PyTorch), ..."), an unknown padding string (RuntimeError "Invalid padding string: 'full'");
  the layers, checked when built, raise PyTorch's ValueError sentences, nn's detail after them. interpolate: size
  and scale_factor both given ("only one of size or scale_factor should be defined") or neither ("either size or
  scale_factor should be defined"), a size / scale_factor of the wrong length (PyTorch's "Input and output must have
  the same number of spatial dimensions, ..."), recompute_scale_factor with a size (refused), a mode that does not
  fit the input's rank or is none (NotImplementedError "Got 4D input, but trilinear mode needs 5D input", "Input
  Error: Only 3D, 4D and 5D input Tensors supported ..."), align_corners=True with 'nearest' only for nearest /
  area / nearest-exact; nn raised ValueErrors in its own words and took recompute_scale_factor with a size.
- grid_sample's gradient could not be differentiated again (create_graph=True: NotImplementedError in every mode);
  PyTorch's can (bilinear / trilinear, nearest, bicubic; every padding mode). Now a composite of recorded ops
  gives the second derivatives (checked here by central differences of the first derivative; against PyTorch
  2.13 they agree to 2e-15 in every mode, padding mode and align_corners).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def t64(*shape, seed=0, grad=False):
    return nn.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=grad)


def _raises(cls, words, fn):
    with pytest.raises(cls) as info:
        fn()
    assert str(info.value) == words, str(info.value)


# ---- 1. an unknown reduction: one check, PyTorch's words, where PyTorch checks ----------------------------------------

def test_unknown_reduction_has_pytorchs_words_in_every_loss():
    x, y = t64(3, 4), t64(3, 4, seed=1)
    p = nn.tensor(np.full((3, 4), 0.5))
    sign = nn.tensor(np.ones((3, 4)))
    labels = nn.tensor([0, 1, 3])
    calls = {
        "l1_loss": lambda r: F.l1_loss(x, y, reduction=r),
        "mse_loss": lambda r: F.mse_loss(x, y, reduction=r),
        "smooth_l1_loss": lambda r: F.smooth_l1_loss(x, y, reduction=r),
        "huber_loss": lambda r: F.huber_loss(x, y, reduction=r),
        "soft_margin_loss": lambda r: F.soft_margin_loss(x, sign, reduction=r),
        "binary_cross_entropy": lambda r: F.binary_cross_entropy(p, p, reduction=r),
        "binary_cross_entropy_with_logits": lambda r: F.binary_cross_entropy_with_logits(x, p, reduction=r),
        "poisson_nll_loss": lambda r: F.poisson_nll_loss(x, p, reduction=r),
        "kl_div": lambda r: F.kl_div(x, p, reduction=r),
        "hinge_embedding_loss": lambda r: F.hinge_embedding_loss(x, sign, reduction=r),
        "cosine_embedding_loss": lambda r: F.cosine_embedding_loss(x, y, sign[:, 0], reduction=r),
        "margin_ranking_loss": lambda r: F.margin_ranking_loss(x[0], y[0], sign[0], reduction=r),
        "triplet_margin_loss": lambda r: F.triplet_margin_loss(x, y, p, reduction=r),
        "triplet_margin_with_distance_loss": lambda r: F.triplet_margin_with_distance_loss(x, y, p, reduction=r),
        "cross_entropy": lambda r: F.cross_entropy(x, labels, reduction=r),
        "cross_entropy (probabilities)": lambda r: F.cross_entropy(x, p, reduction=r),
        "nll_loss": lambda r: F.nll_loss(x, labels, reduction=r),
        "multi_margin_loss": lambda r: F.multi_margin_loss(x, labels, reduction=r),
        "multilabel_margin_loss": lambda r: F.multilabel_margin_loss(x, nn.tensor([[0, 1, -1, 0]] * 3), reduction=r),
        "ctc_loss": lambda r: F.ctc_loss(nn.tensor(np.log(np.full((5, 2, 3), 1 / 3))), nn.tensor([[1, 2], [1, 1]]),
                                         nn.tensor([5, 5]), nn.tensor([2, 2]), reduction=r),
    }
    for name, call in calls.items():
        _raises(ValueError, "bogus is not a valid value for reduction", lambda: call("bogus"))
        _raises(ValueError, "None is not a valid value for reduction", lambda: call(None))
    _raises(ValueError, "bogus is not valid", lambda: F.gaussian_nll_loss(x, y, p, reduction="bogus"))
    _raises(ValueError, "bogus is not valid", lambda: F.multilabel_soft_margin_loss(x, p, reduction="bogus"))
    _raises(ValueError, "bogus is not a valid value for reduction", lambda: nn.L1Loss(reduction="bogus")(x, y))


def test_unknown_reduction_with_a_weight_has_pytorchs_python_words():
    x, y, w = t64(3, 4), t64(3, 4, seed=1), nn.tensor(np.ones((3, 4)))
    words = "Invalid reduction mode: {}. Expected one of 'none', 'mean', 'sum'."
    for loss in (F.l1_loss, F.mse_loss, F.huber_loss):
        _raises(ValueError, words.format("bogus"), lambda: loss(x, y, weight=w, reduction="bogus"))
        # this path checks in Python: no 'elementwise_mean' there
        _raises(ValueError, words.format("elementwise_mean"), lambda: loss(x, y, weight=w, reduction="elementwise_mean"))
        # the weight's shape is checked first
        _raises(ValueError, "Weights and input must have the same size.",
                lambda: loss(x, y, weight=w[0], reduction="bogus"))


def test_reduction_is_checked_where_pytorch_checks_it():
    x = t64(3, 4)
    short = t64(2, 4, seed=1)
    p, p_short = nn.tensor(np.full((3, 4), 0.5)), nn.tensor(np.full((2, 4), 0.5))
    bogus = "bogus is not a valid value for reduction"
    # PyTorch checks the reduction before the shapes: these gave nn's shape errors
    _raises(ValueError, bogus, lambda: F.soft_margin_loss(x, short, reduction="bogus"))
    _raises(ValueError, bogus, lambda: F.binary_cross_entropy(p, p_short, reduction="bogus"))
    _raises(ValueError, bogus, lambda: F.binary_cross_entropy_with_logits(x, p_short, reduction="bogus"))
    _raises(ValueError, bogus, lambda: F.poisson_nll_loss(x, p_short, reduction="bogus"))
    _raises(ValueError, bogus, lambda: F.hinge_embedding_loss(x, short, reduction="bogus"))
    _raises(ValueError, bogus, lambda: F.cosine_embedding_loss(x, short, nn.tensor(np.ones(3)), reduction="bogus"))
    _raises(ValueError, bogus, lambda: F.margin_ranking_loss(x[0], short[0, :3], x[0], reduction="bogus"))
    _raises(ValueError, bogus, lambda: F.triplet_margin_loss(x, t64(2, 5), x, reduction="bogus"))
    _raises(ValueError, bogus, lambda: F.triplet_margin_with_distance_loss(x, t64(2, 5), x, margin=-1.0,
                                                                             reduction="bogus"))
    _raises(ValueError, bogus, lambda: F.multi_margin_loss(x, nn.tensor([0, 1]), reduction="bogus"))
    _raises(ValueError, bogus, lambda: F.multilabel_margin_loss(x, nn.tensor([[0, 1, -1, 0]] * 2), reduction="bogus"))
    _raises(ValueError, bogus, lambda: F.ctc_loss(nn.tensor(np.log(np.full((5, 2, 3), 1 / 3))),
                                                  nn.tensor([[1, 2], [1, 1]]), nn.tensor([5, 5, 5]),
                                                  nn.tensor([2, 2]), reduction="bogus"))
    _raises(ValueError, "bogus is not valid", lambda: F.gaussian_nll_loss(x, short, p, reduction="bogus"))
    # ... and after the shapes (broadcast_tensors) in the regression losses, with PyTorch's RuntimeError
    size = "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0"
    for loss in (F.l1_loss, F.mse_loss, F.smooth_l1_loss, F.huber_loss):
        _raises(RuntimeError, size, lambda: loss(x, short, reduction="bogus"))
    # ... after the loss in multilabel_soft_margin_loss, after var's checks in gaussian_nll_loss
    _raises(RuntimeError, "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
            lambda: F.multilabel_soft_margin_loss(x, p_short, reduction="bogus"))
    _raises(ValueError, "var is of incorrect size", lambda: F.gaussian_nll_loss(x, x, nn.ones(2, 2, dtype=nn.float64), reduction="bogus"))
    # the kernels' own argument checks come after the reduction's, in their words
    _raises(ValueError, bogus, lambda: F.smooth_l1_loss(x, x, beta=-1.0, reduction="bogus"))
    _raises(RuntimeError, "smooth_l1_loss does not support negative values for beta.",
            lambda: F.smooth_l1_loss(x, x, beta=-1.0))
    _raises(ValueError, bogus, lambda: F.huber_loss(x, x, delta=0.0, reduction="bogus"))
    _raises(RuntimeError, "huber_loss does not support non-positive values for delta.",
            lambda: F.huber_loss(x, x, delta=-1.0))


def test_elementwise_mean_is_the_deprecated_mean():
    x, y = t64(3, 4), t64(3, 4, seed=1)
    p = nn.tensor(np.full((3, 4), 0.25))
    for loss, args in ((F.l1_loss, (x, y)), (F.mse_loss, (x, y)), (F.cross_entropy, (x, p)), (F.kl_div, (x, p)),
                       (F.binary_cross_entropy_with_logits, (x, p))):
        with pytest.warns(UserWarning, match=r"^reduction='elementwise_mean' is deprecated\. Please use "
                                             r"reduction='mean' instead\.$"):
            got = loss(*args, reduction="elementwise_mean")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert float(got) == float(loss(*args, reduction="mean"))
    # the losses that check in Python refuse it
    _raises(ValueError, "elementwise_mean is not a valid value for reduction",
            lambda: F.poisson_nll_loss(x, p, reduction="elementwise_mean"))
    _raises(ValueError, "elementwise_mean is not a valid value for reduction",
            lambda: F.triplet_margin_with_distance_loss(x, y, p, reduction="elementwise_mean"))
    _raises(ValueError, "elementwise_mean is not valid", lambda: F.gaussian_nll_loss(x, y, p, reduction="elementwise_mean"))


def test_gaussian_kl_keeps_its_own_words():
    mu = t64(2, 3)
    _raises(ValueError, "gaussian_kl: reduction must be 'batchmean', 'sum', 'mean' or 'none', got 'bogus'",
            lambda: F.gaussian_kl(mu, mu, reduction="bogus"))
    assert F.gaussian_kl(mu, mu, reduction="batchmean").shape == ()


# ---- 2. in-place dropout that writes nothing ---------------------------------------------------------------------------

_DROPOUTS = (("dropout", (2, 3, 4)), ("dropout1d", (2, 3, 4)), ("dropout2d", (2, 3, 4, 4)),
             ("dropout3d", (2, 3, 2, 2, 2)), ("alpha_dropout", (2, 3)), ("feature_alpha_dropout", (2, 3, 4)))


@pytest.mark.parametrize("name,shape", _DROPOUTS)
def test_inplace_dropout_at_p0_returns_a_leaf_untouched(name, shape):
    # PyTorch: p = 0 (or an empty input) returns the input itself, no in-place op, so no leaf error
    x = nn.ones(*shape, dtype=nn.float64, requires_grad=True)
    out = getattr(F, name)(x, p=0.0, training=True, inplace=True)
    assert out is x and out.is_leaf and out.grad_fn is None
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(shape))
    empty = nn.ones(0, *shape[1:], dtype=nn.float64, requires_grad=True)
    for inplace in (True, False):
        assert getattr(F, name)(empty, p=0.5, training=True, inplace=inplace) is empty
    # a graph's tensor is returned as it is too (its grad_fn unchanged)
    y = nn.ones(*shape, dtype=nn.float64, requires_grad=True) * 2
    assert getattr(F, name)(y, p=0.0, training=True, inplace=True) is y
    assert type(y.grad_fn).__name__ == "MulBackward0"
    # p > 0 in training still writes, and refuses the leaf (PyTorch's sentence first)
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being used in an in-place "
                                           "operation."):
        getattr(F, name)(x, p=0.5, training=True, inplace=True)


def test_inplace_dropout_of_an_unbatched_input_still_refuses_a_leaf():
    # PyTorch's dropout1d / dropout3d unsqueeze an unbatched input in place (unsqueeze_), whatever p and training
    for name, shape in (("dropout1d", (3, 4)), ("dropout3d", (2, 2, 2, 2))):
        for p, training in ((0.0, True), (0.5, False)):
            x = nn.ones(*shape, dtype=nn.float64, requires_grad=True)
            with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad"):
                getattr(F, name)(x, p=p, training=training, inplace=True)


# ---- 3. a class weight that requires grad ------------------------------------------------------------------------------

_X = np.random.default_rng(3).standard_normal((3, 4, 2))
_P = np.random.default_rng(4).dirichlet(np.ones(4), (3, 2)).transpose(0, 2, 1)
_W = np.array([0.5, 1.0, 2.0, 1.5])


def _soft_ce(x, p, w, reduction, eps):
    """NumPy: -sum_c w_c ys_c log softmax_c per position, ys the smoothed target; reduced over N * d1."""
    logp = x - np.log(np.exp(x).sum(1, keepdims=True))
    ys = p * (1 - eps) + eps / x.shape[1]
    losses = -(w[None, :, None] * ys * logp).sum(1)
    return losses.sum() if reduction == "sum" else losses.mean()


@pytest.mark.parametrize("reduction,eps", [("mean", 0.0), ("sum", 0.0), ("mean", 0.1), ("sum", 0.2)])
def test_cross_entropy_with_probabilities_differentiates_the_weight(reduction, eps):
    x, p = nn.tensor(_X, requires_grad=True), nn.tensor(_P, requires_grad=True)
    w = nn.tensor(_W, requires_grad=True)
    loss = F.cross_entropy(x, p, weight=w, reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(float(loss.detach()), _soft_ce(_X, _P, _W, reduction, eps), rtol=1e-13)
    loss.backward()
    assert w.grad is not None                                   # (nn gave none)
    h = 1e-6
    fd = np.array([(_soft_ce(_X, _P, _W + h * e, reduction, eps) - _soft_ce(_X, _P, _W - h * e, reduction, eps)) / (2 * h)
                   for e in np.eye(4)])
    np.testing.assert_allclose(w.grad.numpy(), fd, rtol=1e-7, atol=1e-10)
    # the input's and target's gradients are unchanged by it
    x2, p2 = nn.tensor(_X, requires_grad=True), nn.tensor(_P, requires_grad=True)
    F.cross_entropy(x2, p2, weight=nn.tensor(_W), reduction=reduction, label_smoothing=eps).backward()
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(p.grad.numpy(), p2.grad.numpy(), rtol=1e-14)


def test_cross_entropy_weight_gradient_per_position_and_create_graph():
    # reduction='none' and one sample of (C,); and the weight's gradient differentiated again (create_graph)
    x, p, w = nn.tensor(_X[:, :, 0], requires_grad=True), nn.tensor(_P[:, :, 0]), nn.tensor(_W, requires_grad=True)
    out = F.cross_entropy(x, p, weight=w, reduction="none")
    assert out.shape == (3,)
    (gw,) = nn.autograd.grad(out.sum(), (w,), create_graph=True)
    logp = _X[:, :, 0] - np.log(np.exp(_X[:, :, 0]).sum(1, keepdims=True))
    np.testing.assert_allclose(gw.detach().numpy(), -(_P[:, :, 0] * logp).sum(0), rtol=1e-13)
    # d/dx of sum_c gw_c = -sum_c sum_n p_nc logp_nc: central differences
    (gx,) = nn.autograd.grad(gw.sum(), (x,))
    f = lambda xx: -(_P[:, :, 0] * (xx - np.log(np.exp(xx).sum(1, keepdims=True)))).sum()   # noqa: E731
    h, fd = 1e-6, np.zeros((3, 4))
    for i in np.ndindex(3, 4):
        e = np.zeros((3, 4))
        e[i] = h
        fd[i] = (f(_X[:, :, 0] + e) - f(_X[:, :, 0] - e)) / (2 * h)
    np.testing.assert_allclose(gx.numpy(), fd, rtol=1e-7, atol=1e-10)
    w1 = nn.tensor(_W, requires_grad=True)
    F.cross_entropy(nn.tensor(_X[0, :, 0]), nn.tensor(_P[0, :, 0]), weight=w1).backward()
    np.testing.assert_allclose(w1.grad.numpy(), -_P[0, :, 0] * logp[0], rtol=1e-13)


def test_class_index_losses_refuse_a_weight_that_requires_grad():
    x, labels = t64(3, 4), nn.tensor([0, 2, 3])
    w = nn.tensor(_W, requires_grad=True)
    words = ("The function '{}' is not differentiable with respect to argument 'weight'. This input cannot have "
             "requires_grad True.")
    _raises(RuntimeError, words.format("nll_loss_forward"), lambda: F.cross_entropy(x, labels, weight=w))
    _raises(RuntimeError, words.format("nll_loss_forward"), lambda: F.nll_loss(x, labels, weight=w))
    _raises(RuntimeError, words.format("nll_loss_forward"), lambda: F.cross_entropy(x[0], labels[0], weight=w))
    _raises(RuntimeError, words.format("nll_loss_forward"), lambda: nn.CrossEntropyLoss(weight=w)(x, labels))
    _raises(RuntimeError, words.format("nll_loss2d_forward"),
            lambda: F.cross_entropy(x.reshape(3, 4, 1), labels.reshape(3, 1), weight=w))
    # without grad mode PyTorch takes it (its check is the autograd one)
    with nn.no_grad():
        expected = float(F.cross_entropy(x, labels, weight=nn.tensor(_W)))
        assert float(F.cross_entropy(x, labels, weight=w)) == expected


# ---- 4. PyTorch's words for the conv padding strings and interpolate's arguments -----------------------------------------

def test_conv_padding_string_errors_are_pytorchs():
    same = "padding='same' is not supported for strided convolutions"
    x2, w2 = t64(1, 2, 5, 5), t64(1, 2, 3, 3)
    _raises(RuntimeError, same, lambda: F.conv2d(x2, w2, stride=2, padding="same"))
    _raises(RuntimeError, same, lambda: F.conv2d(x2, w2, stride=(1, 2), padding="same"))
    _raises(RuntimeError, same, lambda: F.conv1d(t64(1, 2, 5), t64(1, 2, 3), stride=2, padding="same"))
    _raises(RuntimeError, same, lambda: F.conv3d(t64(1, 2, 4, 4, 4), t64(1, 2, 3, 3, 3), stride=2, padding="same"))
    # checked before the channels, as PyTorch's (a (2, 5, 5) input has 5 channels here, the weight 2)
    _raises(RuntimeError, same, lambda: F.conv1d(t64(2, 5, 5), t64(1, 2, 3), stride=2, padding="same"))
    _raises(RuntimeError, "Invalid padding string: 'full'", lambda: F.conv2d(x2, w2, padding="full"))
    _raises(RuntimeError, "Invalid padding string: 'full'", lambda: F.conv1d(t64(1, 2, 5), t64(1, 2, 3), padding="full"))
    _raises(RuntimeError, "Invalid padding string: 'full'",
            lambda: F.conv3d(t64(1, 2, 4, 4, 4), t64(1, 2, 3, 3, 3), padding="full"))
    assert F.conv2d(x2, w2, padding="valid", stride=2).shape == (1, 1, 2, 2)
    # the layers: PyTorch's ValueError sentence first (nn's detail after it)
    for cls in (nn.Conv1d, nn.Conv2d, nn.Conv3d):
        with pytest.raises(ValueError, match=r"^padding='same' is not supported for strided convolutions \("):
            cls(2, 2, 3, stride=2, padding="same")
        with pytest.raises(ValueError, match=r"^Invalid padding string 'full', should be one of \{'same', 'valid'\} "):
            cls(2, 2, 3, padding="full")


def test_interpolate_argument_errors_are_pytorchs():
    x = t64(1, 2, 5, 5)
    _raises(ValueError, "only one of size or scale_factor should be defined",
            lambda: F.interpolate(x, size=4, scale_factor=2))
    _raises(ValueError, "either size or scale_factor should be defined", lambda: F.interpolate(x))
    # the layer is built, as PyTorch's, and refuses when it runs
    _raises(ValueError, "only one of size or scale_factor should be defined",
            lambda: nn.Upsample(size=4, scale_factor=2)(x))
    _raises(ValueError, "Input and output must have the same number of spatial dimensions, but got input with spatial "
                        "dimensions of [5, 5] and output size of (4, 4, 4). Please provide input tensor in (N, C, d1, "
                        "d2, ...,dK) format and output size in (o1, o2, ...,oK) format.",
            lambda: F.interpolate(x, size=(4, 4, 4)))
    _raises(ValueError, "Input and scale_factor must have the same number of spatial dimensions, but got input with "
                        "spatial dimensions of [5, 5] and scale_factor of shape [2]. Please provide input tensor in (N, "
                        "C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.",
            lambda: F.interpolate(x, scale_factor=[2]))
    _raises(ValueError, "recompute_scale_factor is not meaningful with an explicit size.",
            lambda: F.interpolate(x, size=4, recompute_scale_factor=True))
    _raises(NotImplementedError, "Got 4D input, but trilinear mode needs 5D input",
            lambda: F.interpolate(x, scale_factor=2, mode="trilinear"))
    _raises(NotImplementedError, "Got 3D input, but bilinear mode needs 4D input",
            lambda: F.interpolate(t64(1, 2, 5), scale_factor=2, mode="bilinear"))
    modes = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
    _raises(NotImplementedError, f"Input Error: Only 3D, 4D and 5D input Tensors supported (got 4D) for the modes: "
                                 f"{modes} (got foo)", lambda: F.interpolate(x, scale_factor=2, mode="foo"))
    _raises(NotImplementedError, f"Input Error: Only 3D, 4D and 5D input Tensors supported (got 3D) for the modes: "
                                 f"{modes} (got bicubic)", lambda: F.interpolate(t64(1, 2, 5), size=4, mode="bicubic"))
    _raises(NotImplementedError, f"Input Error: Only 3D, 4D and 5D input Tensors supported (got 2D) for the modes: "
                                 f"{modes} (got nearest)", lambda: F.interpolate(t64(5, 5), scale_factor=2))
    # align_corners: refused with the nearest modes and area only (PyTorch's test), before the size checks
    _raises(ValueError, "align_corners option can only be set with the interpolating modes: linear | bilinear | "
                        "bicubic | trilinear", lambda: F.interpolate(x, mode="area", align_corners=False))
    _raises(NotImplementedError, f"Input Error: Only 3D, 4D and 5D input Tensors supported (got 4D) for the modes: "
                                 f"{modes} (got foo)",
            lambda: F.interpolate(x, scale_factor=2, mode="foo", align_corners=True))
    # a layer whose mode does not fit the input refuses it in forward
    up = nn.Upsample(scale_factor=2, mode="trilinear")
    _raises(NotImplementedError, "Got 4D input, but trilinear mode needs 5D input", lambda: up(x))


# ---- 5. grid_sample's second derivative --------------------------------------------------------------------------------

def _grid_first_derivative(X, G, U, **kw):
    """(d/dinput, d/dgrid) of sum(U * grid_sample(X, G)) + sum(grid_sample^2), as float64 arrays, and the same
    derivatives as Tensors of a graph (create_graph)."""
    x, g = nn.tensor(X, requires_grad=True), nn.tensor(G, requires_grad=True)
    y = F.grid_sample(x, g, **kw)
    gx, gg = nn.autograd.grad((y * nn.tensor(U)).sum() + (y * y).sum(), (x, g), create_graph=True)
    return x, g, gx, gg


@pytest.mark.parametrize("mode,padding_mode,align_corners,nd", [
    ("bilinear", "zeros", False, 2), ("bilinear", "border", True, 2), ("bilinear", "reflection", False, 2),
    ("bilinear", "zeros", True, 3), ("bicubic", "zeros", False, 2), ("bicubic", "reflection", True, 2),
    ("nearest", "border", False, 2)])
def test_grid_sample_second_derivative_matches_central_differences(mode, padding_mode, align_corners, nd):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((1, 2) + (4,) * nd)
    G = rng.uniform(-1.1, 1.1, (1, 2, 3) + ((2,) if nd == 3 else ()) + (nd,))
    U = rng.standard_normal((1, 2, 2, 3) + ((2,) if nd == 3 else ()))
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    V, W = rng.standard_normal(X.shape), rng.standard_normal(G.shape)

    def h_value(X_, G_):        # h = sum(V * d/dinput) + sum(W * d/dgrid), from the first derivative
        _, _, gx, gg = _grid_first_derivative(X_, G_, U, **kw)
        return float((gx.detach() * nn.tensor(V)).sum() + (gg.detach() * nn.tensor(W)).sum())
    x, g, gx, gg = _grid_first_derivative(X, G, U, **kw)
    sx, sg = nn.autograd.grad((gx * nn.tensor(V)).sum() + (gg * nn.tensor(W)).sum(), (x, g), allow_unused=True)
    eps = 1e-6
    for A, got in ((X, sx), (G, sg)):
        fd = np.zeros(A.shape)
        for i in np.ndindex(A.shape):
            e = np.zeros(A.shape)
            e[i] = eps
            plus = h_value(X + e, G) if A is X else h_value(X, G + e)
            minus = h_value(X - e, G) if A is X else h_value(X, G - e)
            fd[i] = (plus - minus) / (2 * eps)
        got = np.zeros(A.shape) if got is None else got.numpy()
        np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-6)
