"""Round 30's second leftovers (area K): differences the round's areas F, G, R and J reported and left, brought to
PyTorch 2.13's behaviour (checked against it in float64).

The failures these tests pin down, in a few lines:

- ``binary_cross_entropy(weight=w)``, ``binary_cross_entropy_with_logits(weight=w, pos_weight=pw)`` and
  ``multi_margin_loss(weight=w)`` with a w / pw that requires grad (in grad mode) computed, and gave the weight a
  gradient (multi_margin) or none; PyTorch's kernels take them as constants and raise RuntimeError "The function
  'binary_cross_entropy' is not differentiable with respect to argument 'weight'. This input cannot have
  requires_grad True." (after the shape checks, before the dtype and range checks; weight before pos_weight).
  ``soft_margin_loss`` refused a target that requires grad under no_grad too, where PyTorch computes. One helper
  now (nn.functional._args.refuse_grad), also used by nll_loss / cross_entropy's class weight. multi_margin_loss
  took a weight of any length (weight[target]); PyTorch: "weight must be one-dimensional" (ValueError) and
  "inconsistent weight size, expected 3 but got [5]" (RuntimeError).
- The regression losses took every integer / bool combination beside a float: PyTorch's ``l1_loss`` (and the
  weighted ``mse_loss``), Python arithmetic there, refuse a bool tensor ("Subtraction, the `-` operator, with a
  bool tensor is not supported. ...") and compute two integer tensors with reduction 'none' / 'sum' (integers
  out; 'mean': "mean(): could not infer output dtype ..."); ``huber_loss``'s kernel writes into a tensor of the
  input's dtype and refuses an integer or bool input beside a float target ("result type Double can't be cast to
  the desired output type Long"). mse / smooth_l1 (kernels) still promote an integer or bool tensor beside a float;
  two integer / bool tensors there raised TypeError "input must be a float tensor", now PyTorch's NotImplementedError
  '"mse_cpu" not implemented for 'Long'' (a TypeError too, for code written for nn's).
- ``batch_norm`` of an input with 0 channels raised ZeroDivisionError; PyTorch returns the empty result (zero
  gradient), and with a weight or bias (the BatchNorm layers' affine) raises IndexError "select(): index 0 out of
  range for tensor of size [0] at dimension 0".
- Lazy layers before their first call lacked their eager class's attributes (LazyLinear's in_features 0 and
  out_features, LazyConv2d's out_channels / kernel_size / stride / ..., LazyBatchNorm's eps / momentum / affine /
  ...), left out a bias=False / affine=False parameter (PyTorch: None) and printed "LazyLinear(?, 3)"; PyTorch's
  print as "LazyLinear(in_features=0, out_features=3, bias=True)". They now take them from the eager class built
  with its random draws undone (nn.random.fork_rng).
- ``pack_padded_sequence`` flattened 2-D (or 0-d) lengths; PyTorch raises RuntimeError "'lengths' argument should
  be a 1D CPU int64 tensor, but got 2D cpu Long tensor".
- ``interpolate(uint8 image, mode='bilinear')`` (antialias or not) was refused; PyTorch takes it through its
  fixed-point uint8 kernel (separable, W then H, int16 weights, rounded and clamped per pass), whose values differ
  by 1 from the rounded float result in about one pixel in seven; nn now computes that kernel, bit-exact on 132
  random cases (sizes, scale factors, align_corners, antialias, 1 / 3 / 4 channels).
"""
import numpy as np
import pytest

import nn
import nn.functional as F

REFUSED = "is not differentiable with respect to argument '{}'. This input cannot have requires_grad True."


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


def _x():
    return nn.tensor([[0.2, 0.7, 0.5], [0.9, 0.1, 0.4]], dtype=nn.float64)


# ---- 1. weights that PyTorch's kernels take as constants ---------------------------------------------------------

@pytest.mark.parametrize("call, function, argument", [
    (lambda x, w: F.binary_cross_entropy(x, x, weight=w), "binary_cross_entropy", "weight"),
    (lambda x, w: F.binary_cross_entropy(x, x, weight=w[0], reduction="none"), "binary_cross_entropy", "weight"),
    (lambda x, w: F.binary_cross_entropy_with_logits(x, x, weight=w), "binary_cross_entropy_with_logits",
     "weight"),
    (lambda x, w: F.binary_cross_entropy_with_logits(x, x, pos_weight=w[0]), "binary_cross_entropy_with_logits",
     "pos_weight"),
    (lambda x, w: F.binary_cross_entropy_with_logits(x, x, weight=w, pos_weight=w[0]),       # weight first
     "binary_cross_entropy_with_logits", "weight"),
    (lambda x, w: F.multi_margin_loss(x, nn.tensor([0, 2]), weight=w[0]), "multi_margin_loss", "weight"),
])
def test_a_constant_weight_that_requires_grad_is_refused(call, function, argument):
    # PyTorch 2.13: F.binary_cross_entropy(x, y, weight=torch.rand(2, 3, requires_grad=True)) -> RuntimeError
    w = nn.ones((2, 3), dtype=nn.float64, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        call(_x(), w)
    assert str(info.value) == f"The function '{function}' " + REFUSED.format(argument)
    with nn.no_grad():                          # no_grad: PyTorch computes
        assert np.isfinite(_f(call(_x(), w))).all()
    assert np.isfinite(_f(call(_x(), w.detach()))).all()


def test_the_refusal_comes_after_the_shape_check_and_before_the_dtype_and_range_checks():
    # PyTorch 2.13: the Python shape check first (ValueError), then the autograd refusal, then the kernel's checks
    w = nn.ones((2, 3), dtype=nn.float64, requires_grad=True)
    with pytest.raises(ValueError):
        F.binary_cross_entropy(_x(), _x()[:1], weight=w)
    for bad in (_x() + 2, _x().float()):       # out of [0, 1]; a float32 target
        with pytest.raises(RuntimeError, match="not differentiable"):
            F.binary_cross_entropy(_x(), bad, weight=w) if bad.dtype == nn.float32 else \
                F.binary_cross_entropy(bad, _x(), weight=w)


def test_multi_margin_loss_keeps_a_differentiable_weight_out_but_its_input_gradient():
    # PyTorch 2.13: with a constant weight the input still gets its gradient:
    # loss = sum_{i != y} w[y] max(0, 1 - x[y] + x[i]) / C, one sample x = (0.2, 0.7, 0.5), y = 0, w = (2, 1, 1):
    # 2 (1.5 + 1.3) / 3, d/dx = 2 (-2, 1, 1) / 3
    x = nn.tensor([[0.2, 0.7, 0.5]], dtype=nn.float64, requires_grad=True)
    loss = F.multi_margin_loss(x, nn.tensor([0]), weight=nn.tensor([2.0, 1.0, 1.0], dtype=nn.float64))
    np.testing.assert_allclose(_f(loss), 2 * 2.8 / 3, rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(_f(x.grad), [[-4 / 3, 2 / 3, 2 / 3]], rtol=1e-12)
    with pytest.raises(RuntimeError, match="'multi_margin_loss' is not differentiable"):
        F.multi_margin_loss(x, nn.tensor([0]), weight=nn.ones(3, dtype=nn.float64, requires_grad=True))



def test_multi_margin_loss_checks_its_weight_as_pytorch():
    # PyTorch 2.13: a weight of another shape than (C,) is ValueError "weight must be one-dimensional" (its Python
    # check, before the requires_grad refusal) or RuntimeError "inconsistent weight size, expected 3 but got [5]"
    # (its kernel, before the targets' range); nn indexed weight[target] (a longer weight passed silently)
    x = nn.zeros((4, 3), dtype=nn.float64)
    t = nn.tensor([0, 1, 2, 1])
    for w in (nn.ones((1, 3), dtype=nn.float64, requires_grad=True), nn.tensor(2.0, dtype=nn.float64)):
        with pytest.raises(ValueError, match="^weight must be one-dimensional$"):
            F.multi_margin_loss(x, t, weight=w)
    for w, n in ((nn.ones(5, dtype=nn.float64), 5), (nn.ones(2, dtype=nn.float64), 2)):
        with pytest.raises(RuntimeError) as info:
            F.multi_margin_loss(x, nn.tensor([0, 1, 7, 1]), weight=w)
        assert str(info.value) == f"inconsistent weight size, expected 3 but got [{n}]"

def test_soft_margin_loss_takes_a_target_that_requires_grad_under_no_grad():
    # PyTorch 2.13: under no_grad F.soft_margin_loss(x, t) with t.requires_grad computes log(1 + exp(-t x)) mean
    x = nn.tensor([0.5, -1.0], dtype=nn.float64)
    t = nn.tensor([1.0, 1.0], dtype=nn.float64, requires_grad=True)
    with nn.no_grad():
        np.testing.assert_allclose(_f(F.soft_margin_loss(x, t)), np.mean(np.log1p(np.exp([-0.5, 1.0]))),
                                   rtol=1e-12)
    with pytest.raises(RuntimeError, match="'soft_margin_loss' is not differentiable with respect to argument "
                                           "'target'"):
        F.soft_margin_loss(x, t)


# ---- 2. integer and bool tensors in the regression losses --------------------------------------------------------

BOOL_SUB = "Subtraction, the `-` operator, with a bool tensor is not supported"


@pytest.mark.parametrize("call", [
    lambda a, b: F.l1_loss(a, b),
    lambda a, b: F.l1_loss(a, b, reduction="none"),
    lambda a, b: F.l1_loss(a, b, weight=nn.ones(3, dtype=nn.float64)),
    lambda a, b: F.mse_loss(a, b, weight=nn.ones(3, dtype=nn.float64)),
])
def test_l1_loss_and_the_weighted_mse_refuse_a_bool_tensor(call):
    # PyTorch 2.13: F.l1_loss(torch.rand(3), torch.tensor([True, False, True])) -> RuntimeError (input - target)
    x = nn.tensor([0.5, 1.0, 2.0], dtype=nn.float64)
    b = nn.tensor([True, False, True])
    for args in ((x, b), (b, x)):
        with pytest.raises(RuntimeError, match=BOOL_SUB):
            call(*args)


def test_l1_loss_of_two_integer_tensors_is_integer_arithmetic():
    # PyTorch 2.13: F.l1_loss(int32 [0, 1, 2], uint8 [3, 1, 0], reduction='none') -> int32 [3, 0, 2]; 'sum' -> int64 5;
    # 'mean' -> RuntimeError "mean(): could not infer output dtype. ..."
    a = nn.tensor([0, 1, 2], dtype=nn.int32)
    b = nn.tensor([3, 1, 0], dtype=nn.uint8)
    none = F.l1_loss(a, b, reduction="none")
    assert none.dtype == nn.int32 and _f(none).tolist() == [3, 0, 2]
    total = F.l1_loss(a, b, reduction="sum")
    assert total.dtype == nn.int64 and int(_f(total)) == 5
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        F.l1_loss(a, b)
    # an integer target beside a float input that requires grad: d/dx mean |x - t| = sign(x - t) / n
    x = nn.tensor([0.5, 1.0, 3.0], dtype=nn.float64, requires_grad=True)
    F.l1_loss(x, nn.tensor([1, 0, 5])).backward()
    np.testing.assert_allclose(_f(x.grad), [-1 / 3, 1 / 3, -1 / 3], rtol=1e-12)
    # mse / smooth_l1 (PyTorch's kernels) still promote a bool tensor beside a float: mean((x - b)^2)
    x = nn.tensor([0.5, 1.0, 2.0], dtype=nn.float64)
    t = nn.tensor([True, False, True])
    np.testing.assert_allclose(_f(F.mse_loss(t, x)), (0.25 + 1 + 1) / 3, rtol=1e-12)
    np.testing.assert_allclose(_f(F.smooth_l1_loss(t, x)), (0.125 + 0.5 + 0.5) / 3, rtol=1e-12)


@pytest.mark.parametrize("kind, word", [(nn.int64, "Long"), (nn.int32, "Int"), (nn.uint8, "Byte"),
                                        (nn.bool, "Bool")])
def test_huber_loss_refuses_an_integer_or_bool_input(kind, word):
    # PyTorch 2.13: F.huber_loss(torch.tensor([1, 0]), torch.rand(2, dtype=torch.float64)) -> RuntimeError "result
    # type Double can't be cast to the desired output type Long" (its kernel writes into an input-like tensor)
    target = nn.tensor([0.5, 2.0], dtype=nn.float64)
    i = nn.tensor([1, 0]).to(kind)
    for kw in ({}, {"reduction": "none"}, {"weight": nn.ones(2, dtype=nn.float64)}):
        with pytest.raises(RuntimeError) as info:
            F.huber_loss(i, target, **kw)
        assert str(info.value) == f"result type Double can't be cast to the desired output type {word}"
    if kind == nn.bool:                           # bool input, integer target: Long can't be written into bool
        with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired output type Bool"):
            F.huber_loss(i, nn.tensor([1, 2]))
    # a float input with an integer target: promoted (0.5 (1 - 0.5)^2 + (2 - 0.5 * 1) ... as smooth_l1 with delta 1)
    np.testing.assert_allclose(_f(F.huber_loss(target, nn.tensor([1, 0]))), (0.125 + 1.5) / 2, rtol=1e-12)



@pytest.mark.parametrize("name, a, b, word", [("mse_loss", nn.int64, nn.int32, "Long"),
                                              ("smooth_l1_loss", nn.int32, nn.uint8, "Int"),
                                              ("huber_loss", nn.uint8, nn.bool, "Byte"),
                                              ("mse_loss", nn.bool, nn.bool, "Bool")])
def test_two_integer_tensors_are_refused_in_pytorchs_words(name, a, b, word):
    # PyTorch 2.13: F.mse_loss(torch.tensor([1, 2]), torch.tensor([1, 0], dtype=torch.int32)) -> NotImplementedError
    # '"mse_cpu" not implemented for 'Long'' (the common dtype); still the TypeError nn raised before
    kernel = name.replace("_loss", "_cpu")
    with pytest.raises(NotImplementedError) as info:
        getattr(F, name)(nn.tensor([1, 0]).to(a), nn.tensor([1, 1]).to(b))
    assert str(info.value) == f"\"{kernel}\" not implemented for '{word}'"
    assert isinstance(info.value, TypeError)

# ---- 3. batch_norm with no channels ------------------------------------------------------------------------------

@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_of_no_channels_is_empty(training):
    # PyTorch 2.13: F.batch_norm(torch.randn(4, 0, 3), torch.zeros(0), torch.ones(0), training=...) -> shape (4, 0, 3)
    x = nn.zeros((4, 0, 3), dtype=nn.float64, requires_grad=True)
    y = F.batch_norm(x, nn.zeros(0, dtype=nn.float64), nn.ones(0, dtype=nn.float64), training=training)
    assert y.shape == (4, 0, 3) and y.dtype == nn.float64
    y.sum().backward()
    assert x.grad.shape == (4, 0, 3)
    m = nn.BatchNorm2d(0, affine=False).double().train(training)
    assert m(nn.zeros((2, 0, 3, 3), dtype=nn.float64)).shape == (2, 0, 3, 3)


def test_batch_norm_of_no_channels_with_an_affine_raises_pytorchs_index_error():
    # PyTorch 2.13: nn.BatchNorm1d(0)(torch.randn(4, 0)) -> IndexError "select(): index 0 out of range for tensor of
    # size [0] at dimension 0" (also F.batch_norm with weight= or bias= of size 0)
    words = "select(): index 0 out of range for tensor of size [0] at dimension 0"
    for training in (True, False):
        with pytest.raises(IndexError) as info:
            nn.BatchNorm1d(0).train(training)(nn.zeros((4, 0)))
        assert str(info.value) == words
    with pytest.raises(IndexError):
        F.batch_norm(nn.zeros((4, 0)), None, None, bias=nn.zeros(0), training=True)


def test_batch_norm_vs_torch_with_no_channels():
    torch = pytest.importorskip("torch")
    y = torch.nn.functional.batch_norm(torch.zeros(4, 0, 3), None, None, training=True)
    assert tuple(y.shape) == F.batch_norm(nn.zeros((4, 0, 3)), None, None, training=True).shape



# ---- 4. the lazy layers' attributes before the first call --------------------------------------------------------

def test_lazy_layers_have_their_eager_attributes_before_the_first_call():
    # PyTorch 2.13: LazyLinear(3).in_features == 0, .out_features == 3; LazyConv2d(4, 3, stride=2, padding=1,
    # groups=2).kernel_size == (3, 3), .stride == (2, 2), ...; LazyBatchNorm2d(eps=1e-3, affine=False).eps == 1e-3
    lin = nn.LazyLinear(3)
    assert (lin.in_features, lin.out_features) == (0, 3)
    conv = nn.LazyConv2d(4, 3, stride=2, padding=1, groups=2)
    assert (conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, conv.dilation,
            conv.groups, conv.padding_mode) == (0, 4, (3, 3), (2, 2), (1, 1), (1, 1), 2, "zeros")
    assert nn.LazyConvTranspose2d(4, 3, output_padding=1, stride=2).output_padding == (1, 1)
    assert nn.LazyConv3d(4, 3).kernel_size == (3, 3, 3)
    bn = nn.LazyBatchNorm2d(eps=1e-3, affine=False)
    assert (bn.num_features, bn.eps, bn.momentum, bn.affine, bn.track_running_stats) == (0, 1e-3, 0.1, False, True)
    inorm = nn.LazyInstanceNorm1d()
    assert (inorm.num_features, inorm.affine, inorm.track_running_stats) == (0, True, True)
    # bias=False / affine=False: a None parameter, as the eager class's (PyTorch's lazy layers register None)
    assert nn.LazyLinear(3, bias=False).bias is None and bn.weight is None
    # the attributes cost no random draw, and the first call still builds the eager layer
    nn.manual_seed(0)
    a = _f(nn.rand(2))
    nn.manual_seed(0)
    m = nn.LazyConv2d(4, 3, groups=2)
    np.testing.assert_array_equal(_f(nn.rand(2)), a)
    y = m(nn.zeros((1, 6, 5, 5)))
    assert type(m) is nn.Conv2d and m.in_channels == 6 and m.weight.shape == (4, 3, 3, 3) and y.shape == (1, 4, 3, 3)


def test_lazy_layers_print_as_pytorchs():
    # PyTorch 2.13's reprs before the first call
    assert repr(nn.LazyLinear(3, bias=False)) == "LazyLinear(in_features=0, out_features=3, bias=False)"
    assert repr(nn.LazyConv2d(4, 3, stride=2, padding=1, groups=2)) == \
        "LazyConv2d(0, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2)"



# ---- 5. pack_padded_sequence's lengths must be 1-D ---------------------------------------------------------------

@pytest.mark.parametrize("lengths, dims", [([[3, 2]], 2), ([[3], [2]], 2), (3, 0)])
def test_pack_padded_sequence_refuses_lengths_that_are_not_1d(lengths, dims):
    # PyTorch 2.13: pack_padded_sequence(torch.randn(3, 2, 4), torch.tensor([[3, 2]])) -> RuntimeError "'lengths'
    # argument should be a 1D CPU int64 tensor, but got 2D cpu Long tensor" (nn flattened them)
    from nn.utils.rnn import pack_padded_sequence
    x = nn.zeros((3, 2, 4))
    for given in (lengths, nn.tensor(lengths)):
        with pytest.raises(RuntimeError) as info:
            pack_padded_sequence(x, given)
        assert str(info.value) == f"'lengths' argument should be a 1D CPU int64 tensor, but got {dims}D cpu Long tensor"
    assert pack_padded_sequence(x, nn.tensor([3.0, 2.0])).batch_sizes.tolist() == [2, 2, 1]   # (1-D floats: taken)


# ---- 6. uint8 bilinear interpolate -------------------------------------------------------------------------------

def test_interpolate_bilinear_of_uint8_is_pytorchs_fixed_point_kernel():
    # PyTorch 2.13's values (its float64 result rounded would give 127, 111, 76, 112, 129 and 214 at six places)
    x = nn.tensor([[[[0, 255, 10, 77], [200, 3, 128, 64], [9, 250, 31, 180]]]], dtype=nn.uint8)
    y = F.interpolate(x, size=(4, 6), mode="bilinear")
    assert y.dtype == nn.uint8
    assert _f(y).tolist() == [[[[0, 128, 214, 51, 44, 77], [125, 112, 95, 86, 77, 69], [128, 113, 95, 92, 100, 108],
                                [9, 130, 213, 68, 106, 180]]]]
    assert _f(F.interpolate(x, size=(2, 3), mode="bilinear", antialias=True)).tolist() == \
        [[[[100, 108, 67], [104, 113, 116]]]]
    assert _f(F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=True)).tolist() == \
        [[[[0, 153, 206, 59, 37, 77], [133, 106, 87, 88, 80, 68], [136, 106, 87, 94, 98, 103],
           [9, 154, 206, 75, 91, 180]]]]
