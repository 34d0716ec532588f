"""Every differentiable op in nn.functional against finite differences (float64), plus
argument checking. Inputs are kept away from kinks: relu/leaky_relu at 0, ties in
max-pool windows, |d| = 0 for l1 and |d| = beta for smooth_l1."""

import numpy as np
import pytest

import nn
import nn.functional as F
from nn import Tensor
from nn.gradcheck import gradcheck


def t64(*shape, seed=0, requires_grad=True, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed)
    return nn.tensor(rng.uniform(low, high, size=shape), requires_grad=requires_grad)


def away_from_zero(*shape, seed=0, margin=0.1):
    """Values in [-1, -margin] U [margin, 1]: no element near a kink at 0."""
    rng = np.random.default_rng(seed)
    v = rng.uniform(margin, 1.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    return nn.tensor(v, requires_grad=True)


def distinct(*shape, seed=0, step=0.05):
    """A shuffled arithmetic sequence: every pooling window has one clear winner."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return nn.tensor((rng.permutation(n) * step - n * step / 2).reshape(shape), requires_grad=True)


# ---------------------------------------------------------------------------- linear

@pytest.mark.parametrize("xshape", [(1, 4), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradcheck(xshape, bias):
    x, w = t64(*xshape, seed=1), t64(5, 4, seed=2)
    b = t64(5, seed=3) if bias else None
    inputs = (x, w, b) if bias else (x, w)
    assert gradcheck(lambda *a: F.linear(*a), inputs)


def test_linear_without_input_grad_does_not_compute_dx(monkeypatch):
    # the first layer on raw data: its backward must not spend a matrix product on dL/dx.
    # The dx-computing kernel is spied on; dW and db must still be right (against the twin).
    calls = []
    kernel = nn.kernels.linear_backward
    monkeypatch.setattr(nn.kernels, "linear_backward", lambda *a: calls.append(1) or kernel(*a))
    x = t64(3, 4, requires_grad=False)
    w, b = t64(5, 4, seed=1), t64(5, seed=2)
    y = F.linear(x, w, b)
    g = np.random.default_rng(4).standard_normal(y.shape)
    gx, gw, gb = y._backward(g)
    assert calls == [] and gx is None
    _, gw_ref, gb_ref = nn.kernels.linear_backward_ref(g, x.data, w.data)
    np.testing.assert_allclose(gw, gw_ref)
    np.testing.assert_allclose(gb, gb_ref)
    F.linear(t64(3, 4), w, b)._backward(g)            # with dx wanted, the spy does see the call
    assert calls == [1]


# ---------------------------------------------------------------------------- conv2d

CONV_CASES = [
    # (N, C, H, W, O, k, stride, padding)
    (1, 1, 5, 5, 2, 3, 1, 0),
    (2, 3, 5, 7, 4, 3, 1, 1),
    (2, 2, 7, 5, 3, 3, 2, 0),       # stride 2, padding 0, odd size: last row unused
    (1, 2, 6, 6, 3, 3, 2, 1),       # stride 2, padding 1
    (3, 2, 5, 6, 2, 1, 1, 0),       # 1x1 kernel, batch 3
    (2, 1, 6, 5, 2, 2, 2, 0),       # even kernel
    (1, 2, 5, 5, 2, 3, (2, 1), (1, 0)),   # per-axis stride and padding
    (1, 2, 4, 5, 2, (3, 2), 1, (1, 0)),   # rectangular kernel
    (2, 2, 5, 5, 3, 3, 1, "same"),
    (1, 2, 5, 6, 2, 2, 1, "same"),  # even kernel: extra padding bottom/right
    (1, 1, 6, 5, 2, 4, 1, "same"),
]


@pytest.mark.parametrize("N,C,H,W,O,k,stride,padding", CONV_CASES)
def test_conv2d_gradcheck(N, C, H, W, O, k, stride, padding):
    kh, kw = (k, k) if isinstance(k, int) else k
    x, w, b = t64(N, C, H, W, seed=1), t64(O, C, kh, kw, seed=2), t64(O, seed=3)
    y = F.conv2d(x, w, b, stride=stride, padding=padding)
    if padding == "same":
        assert y.shape == (N, O, H, W)
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=padding), (x, w, b))


def test_conv2d_without_bias_gradcheck():
    x, w = t64(2, 2, 5, 5, seed=1), t64(3, 2, 3, 3, seed=2)
    assert gradcheck(lambda x, w: F.conv2d(x, w, None, 2, 1), (x, w))


def test_conv2d_does_not_build_a_gradient_for_the_image(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("conv2d_grad_input called for an input that needs no gradient")
    monkeypatch.setattr(nn.kernels, "conv2d_grad_input", boom)
    x = t64(2, 1, 6, 6, requires_grad=False)
    w, b = t64(3, 1, 3, 3, seed=1), t64(3, seed=2)
    F.conv2d(x, w, b, stride=2, padding=1).sum().backward()
    assert x.grad is None and w.grad is not None and b.grad is not None


@pytest.mark.parametrize("N,Cin,H,W,Cout,k,stride,padding,out_pad", [
    (1, 2, 3, 3, 3, 3, 1, 0, 0),
    (2, 3, 3, 4, 2, 3, 2, 1, 1),    # the usual 2x upsampling layer
    (2, 2, 4, 3, 2, 4, 2, 1, 0),
    (1, 1, 3, 3, 2, 3, 2, 0, 1),
    (3, 2, 2, 3, 1, 2, (2, 1), (0, 1), (1, 0)),
])
def test_conv_transpose2d_gradcheck(N, Cin, H, W, Cout, k, stride, padding, out_pad):
    x, w, b = t64(N, Cin, H, W, seed=1), t64(Cin, Cout, k, k, seed=2), t64(Cout, seed=3)
    fn = lambda x, w, b: F.conv_transpose2d(x, w, b, stride, padding, out_pad)  # noqa: E731
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    oh, ow = (out_pad, out_pad) if isinstance(out_pad, int) else out_pad
    assert fn(x, w, b).shape == (N, Cout, (H - 1) * sh - 2 * ph + k + oh, (W - 1) * sw - 2 * pw + k + ow)
    assert gradcheck(fn, (x, w, b))


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    # <conv2d(x, w), y> == <x, conv_transpose2d(y, w)> for the same stride/padding
    x, w = t64(2, 3, 7, 7, seed=1), t64(4, 3, 3, 3, seed=2)
    y = t64(2, 4, 4, 4, seed=3)
    lhs = np.sum(F.conv2d(x, w, stride=2, padding=1).data * y.data)
    rhs = np.sum(x.data * F.conv_transpose2d(y, w, stride=2, padding=1).data)
    assert lhs == pytest.approx(rhs, rel=1e-12)


# ---------------------------------------------------------------------------- activations

@pytest.mark.parametrize("fn", [F.relu, F.leaky_relu, lambda x: F.leaky_relu(x, 0.2), F.sigmoid,
                                F.tanh, lambda x: F.log_softmax(x, 1), lambda x: F.softmax(x, -1)])
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2, 2)])
def test_activation_gradcheck(fn, shape):
    assert gradcheck(fn, (away_from_zero(*shape, seed=4),))


def test_sigmoid_is_stable_for_large_inputs():
    x = nn.tensor(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0], np.float32))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = F.sigmoid(x).data
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [0.0, 9.357623e-14, 0.5, 1.0, 1.0], rtol=1e-6)
    ls = F.log_softmax(nn.tensor(np.array([[1000.0, 0.0]])), 1).data
    np.testing.assert_allclose(ls, [[0.0, -1000.0]])


# ---------------------------------------------------------------------------- resampling

@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
@pytest.mark.parametrize("size,scale", [(None, 2), (None, (2, 3)), ((7, 4), None), ((2, 3), None)])
def test_interpolate_gradcheck(mode, size, scale):
    x = t64(2, 2, 3, 5, seed=5)
    fn = lambda x: F.interpolate(x, size=size, scale_factor=scale, mode=mode)  # noqa: E731
    assert gradcheck(fn, (x,))


@pytest.mark.parametrize("k,stride,padding", [(2, None, 0), (3, 1, 1), (3, 2, 1), (2, 1, 0), ((3, 2), (2, 1), (1, 0))])
@pytest.mark.parametrize("N,C,H,W", [(1, 1, 5, 5), (2, 3, 6, 7)])
def test_pool_gradcheck(k, stride, padding, N, C, H, W):
    x = distinct(N, C, H, W, seed=6)
    assert gradcheck(lambda x: F.max_pool2d(x, k, stride, padding), (x,))
    assert gradcheck(lambda x: F.avg_pool2d(x, k, stride, padding), (x,))


# ---------------------------------------------------------------------------- batch norm, dropout

@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 3, 2), (1, 2, 3, 3)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_gradcheck(shape, training, affine):
    C = shape[1]
    x = t64(*shape, seed=7)
    rm, rv = np.linspace(-0.2, 0.2, C), np.linspace(0.5, 1.5, C)
    w, b = t64(C, seed=8, low=0.5, high=1.5), t64(C, seed=9)

    def fn(x, *wb):
        return F.batch_norm(x, rm.copy(), rv.copy(), *wb, training=training)
    assert gradcheck(fn, (x, w, b) if affine else (x,))


def test_batch_norm_bias_only_gradcheck():
    x, b = t64(3, 2, 2, 2, seed=1), t64(2, seed=2)
    assert gradcheck(lambda x, b: F.batch_norm(x, None, None, None, b, training=True), (x, b))


def test_batch_norm_running_stats_update():
    x = t64(4, 2, 3, 3, seed=1, requires_grad=False).data
    rm, rv = np.zeros(2), np.ones(2)
    F.batch_norm(nn.tensor(x), rm, rv, training=True, momentum=0.1)
    mean = x.mean(axis=(0, 2, 3))
    var_unbiased = x.var(axis=(0, 2, 3), ddof=1)
    np.testing.assert_allclose(rm, 0.1 * mean)
    np.testing.assert_allclose(rv, 0.9 + 0.1 * var_unbiased)


def test_dropout_gradcheck_and_scaling():
    x = t64(4, 5, seed=10)

    def fn(x):
        nn.manual_seed(0)           # the same mask at every evaluation
        return F.dropout(x, p=0.3, training=True)
    assert gradcheck(fn, (x,))
    y = fn(x).data
    kept = y != 0
    np.testing.assert_allclose(y[kept], x.data[kept] / 0.7)
    assert F.dropout(x, 0.3, training=False) is x
    assert np.all(F.dropout(x, 1.0).data == 0)


def test_dropout_keeps_about_1_minus_p():
    nn.manual_seed(1)
    y = F.dropout(nn.tensor(np.ones((200, 200), np.float32)), p=0.25).data
    assert y.dtype == np.float32
    assert abs((y != 0).mean() - 0.75) < 0.01


# ---------------------------------------------------------------------------- cat, flatten, pad

@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_gradcheck(dim):
    a, b = t64(2, 3, 2, seed=1), t64(2, 3, 2, seed=2)
    c = t64(2, 3, 2, seed=3, requires_grad=False)
    assert gradcheck(lambda a, b: F.cat([a, c, b], dim=dim), (a, b))
    F.cat([a, c], dim).sum().backward()
    assert c.grad is None


def test_flatten_and_pad_gradcheck():
    x = t64(2, 3, 2, 2, seed=1)
    assert F.flatten(x).shape == (24,)          # torch.flatten's default start_dim=0 (nn.flatten is F.flatten)
    assert F.flatten(x, 1).shape == (2, 12)
    assert F.flatten(x, 0, 1).shape == (6, 2, 2)
    assert gradcheck(lambda x: F.flatten(x, 1), (x,))
    assert F.pad(x, (1, 2, 0, 1)).shape == (2, 3, 3, 5)
    assert gradcheck(lambda x: F.pad(x, (1, 2, 0, 1)), (x,))


# ---------------------------------------------------------------------------- losses

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("loss", [F.mse_loss, F.l1_loss, F.smooth_l1_loss,
                                  lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.3),
                                  lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.0)])
def test_regression_losses_gradcheck(loss, reduction):
    target = t64(2, 3, 4, seed=11)
    d = away_from_zero(2, 3, 4, seed=12, margin=0.05).data * 2     # |d| in [0.1, 2]
    d[np.abs(np.abs(d) - 0.3) < 0.02] += 0.05                      # not at |d| = beta
    d[np.abs(np.abs(d) - 1.0) < 0.02] += 0.05
    x = nn.tensor(target.data + d, requires_grad=True)
    assert gradcheck(lambda x, t: loss(x, t, reduction=reduction), (x, target))


@pytest.mark.parametrize("shape", [(5, 3), (1, 4), (2, 3, 2, 3)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_gradcheck(shape, weighted, reduction):
    rng = np.random.default_rng(13)
    x = t64(*shape, seed=14, low=-2, high=2)
    target = rng.integers(0, shape[1], size=(shape[0],) + shape[2:])
    weight = rng.uniform(0.5, 2.0, size=shape[1]) if weighted else None
    assert gradcheck(lambda x: F.cross_entropy(x, target, weight, reduction=reduction), (x,))


def test_cross_entropy_value():
    x = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    t = np.array([0, 2])
    w = np.array([1.0, 2.0, 3.0])
    logp = x - np.log(np.exp(x).sum(1, keepdims=True))
    want = -(w[0] * logp[0, 0] + w[2] * logp[1, 2]) / (w[0] + w[2])
    assert F.cross_entropy(nn.tensor(x), t, w).item() == pytest.approx(want, rel=1e-12)


# ---------------------------------------------------------------------------- a small network

def test_small_network_gradcheck():
    rng = np.random.default_rng(20)
    x = t64(2, 1, 6, 6, seed=21, requires_grad=False)
    w1, b1 = t64(3, 1, 3, 3, seed=22), t64(3, seed=23)
    g, b = t64(3, seed=24, low=0.5, high=1.5), t64(3, seed=25)
    wt = t64(3, 2, 2, 2, seed=26)
    target = rng.integers(0, 2, size=(2, 6, 6))

    def net(w1, b1, g, b, wt):
        h = F.conv2d(x, w1, b1, stride=2, padding=1)                     # (2, 3, 3, 3)
        h = F.batch_norm(h, None, None, g, b, training=True)
        h = F.tanh(h)
        h = F.conv_transpose2d(h, wt, stride=2)                           # (2, 2, 6, 6)
        return F.cross_entropy(h, target)
    assert gradcheck(net, (w1, b1, g, b, wt))


# ---------------------------------------------------------------------------- errors

def test_conv2d_channel_mismatch_says_expected_and_got():
    with pytest.raises(ValueError, match="expected input.* to have 4 channels, but got 3 channels instead"):
        F.conv2d(t64(1, 3, 5, 5), t64(2, 4, 3, 3))
    with pytest.raises(ValueError, match="expected input.* to have 2 channels"):
        F.conv_transpose2d(t64(1, 3, 5, 5), t64(2, 4, 3, 3))


def test_conv2d_kernel_larger_than_padded_input():
    # PyTorch's words (a RuntimeError there; nn's ShapeError is both): the padded 4x4 input, the 5x5 kernel
    with pytest.raises(RuntimeError, match=r"^Calculated padded input size per channel: \(4 x 4\)\. Kernel size: "
                                           r"\(5 x 5\)\. Kernel size can't be greater than actual input size$"):
        F.conv2d(t64(1, 1, 2, 2), t64(1, 1, 5, 5), padding=1)


def test_non_float_arrays_are_rejected():
    with pytest.raises(TypeError, match="float"):
        F.conv2d(np.ones((1, 1, 3, 3), dtype=np.int64), t64(1, 1, 3, 3))
    with pytest.raises(TypeError, match="^expected target dtype to be Long or Byte, but got Double$"):   # PyTorch's
        F.cross_entropy(t64(2, 3), np.array([0.0, 1.0]))


def test_wrong_ndim():
    with pytest.raises(RuntimeError, match=r"^Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got "
                                           r"input of size: \[5, 5\]$"):       # PyTorch 2.13's words
        F.conv2d(t64(5, 5), t64(2, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"^non-empty 3D or 4D \(batch mode\) tensor expected for input$"):
        F.max_pool2d(t64(3, 4), 2)                                              # PyTorch 2.13's words
    with pytest.raises(ValueError, match="weight must be 2-D"):
        F.linear(t64(2, 3), t64(1, 4, 3))     # (a 1-D weight is matmul's vector, as PyTorch's)


def test_other_argument_errors():
    with pytest.raises(RuntimeError, match="^padding='same' is not supported for strided convolutions$"):  # PyTorch's
        F.conv2d(t64(1, 1, 5, 5), t64(1, 1, 3, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation, but got "):
        F.conv_transpose2d(t64(1, 1, 3, 3), t64(1, 1, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        F.linear(t64(2, 3), t64(5, 4))
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(2\) at "
                                           r"non-singleton dimension 1"):      # PyTorch's broadcast error
        F.mse_loss(t64(2, 3), t64(3, 2))
    with pytest.raises(ValueError, match=r"^Target size \(nn\.Size\(\[3\]\)\) must be the same as input size "
                                         r"\(nn\.Size\(\[2, 3\]\)\)$"):                      # PyTorch's
        F.binary_cross_entropy_with_logits(t64(2, 3), t64(3))
    with pytest.raises(ValueError, match="^only one of size or scale_factor should be defined$"):      # PyTorch's
        F.interpolate(t64(1, 1, 2, 2), size=4, scale_factor=2)
    with pytest.raises(NotImplementedError, match="^Got 4D input, but trilinear mode needs 5D input$"):
        F.interpolate(t64(1, 1, 2, 2), scale_factor=2, mode="trilinear")
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size, but got pad=2"):
        F.max_pool2d(t64(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(t64(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match=r"^running_mean should contain 3 elements not 2$"):      # PyTorch's
        F.batch_norm(t64(2, 3), np.zeros(2), np.ones(3))
    with pytest.raises(IndexError, match=r"^Target 3 is out of bounds\.$"):          # PyTorch's
        F.cross_entropy(t64(2, 3), np.array([0, 3]))
    with pytest.raises(RuntimeError, match=r"only batches of spatial targets supported \(3D tensors\)"):
        F.cross_entropy(t64(2, 3, 2, 2), np.array([0, 1]))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):   # PyTorch's
        F.dropout(t64(2), p=1.5)
    with pytest.raises(ValueError, match="^avg is not a valid value for reduction$"):      # PyTorch's
        F.mse_loss(t64(2), t64(2), reduction="avg")
    with pytest.raises(ValueError, match="Sizes of tensors must match except in dimension 0"):
        F.cat([t64(2, 3), t64(2, 4)], dim=0)
