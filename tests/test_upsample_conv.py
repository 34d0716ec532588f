"""Nearest x2 upsampling followed by a 3x3 conv, run as one transposed conv (upsample2x_conv3x3 in
nn/functional/convolution.py, and nn.Sequential's fusion of Upsample + Conv2d): the same values and gradients as the two ops, for exactly
the pattern it claims and no other."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.functional.convolution import FOLD, upsample2x_conv3x3


def _two_ops(x, w, b):
    return F.conv2d(F.interpolate(x, scale_factor=2, mode="nearest"), w, b, padding=1)


def _grads(fn, tensors, g):
    for t in tensors:
        t.grad = None
    y = fn(*tensors)
    y.backward(nn.tensor(g))
    return y.data, [t.grad for t in tensors]


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-5)])
@pytest.mark.parametrize("case", range(8))
def test_one_transposed_conv_equals_upsample_then_conv(case, dtype, tol):
    rng = np.random.default_rng(case)
    N, C, O = rng.integers(1, 4), rng.integers(1, 9), rng.integers(1, 9)
    H, W = rng.integers(1, 12, size=2)                          # odd, even and 1-pixel maps
    x = nn.tensor(rng.normal(size=(N, C, H, W)).astype(dtype), requires_grad=True)
    w = nn.tensor(rng.normal(size=(O, C, 3, 3)).astype(dtype), requires_grad=True)
    b = nn.tensor(rng.normal(size=O).astype(dtype), requires_grad=True)
    g = rng.normal(size=(N, O, 2 * H, 2 * W)).astype(dtype)
    y_ref, grads_ref = _grads(_two_ops, (x, w, b), g)
    y, grads = _grads(upsample2x_conv3x3, (x, w, b), g)
    assert y.shape == (N, O, 2 * H, 2 * W) and y.dtype == dtype
    scale = 1 + np.abs(y_ref).max()
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=tol * scale)
    for a, r in zip(grads, grads_ref):
        np.testing.assert_allclose(a, r, rtol=0, atol=tol * (1 + np.abs(r).max()))


def test_fold_is_the_upsampled_kernel():
    # Along one axis: a transposed conv (stride 2, padding 1) with the 4 taps FOLD @ w, written out,
    # is upsample-then-conv.
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=3), rng.normal(size=6)
    up = np.pad(np.repeat(x, 2), 1)
    direct = [up[j:j + 3] @ w for j in range(12)]
    k = FOLD @ w
    folded = [sum(x[i] * k[j + 1 - 2 * i] for i in range(6) if 0 <= j + 1 - 2 * i < 4) for j in range(12)]
    np.testing.assert_allclose(folded, direct, rtol=1e-12)


@pytest.mark.parametrize("bias", [False, True])
def test_gradcheck(bias):
    rng = np.random.default_rng(1)
    inputs = [nn.tensor(rng.normal(size=(2, 3, 3, 4)), requires_grad=True),
              nn.tensor(rng.normal(size=(2, 3, 3, 3)), requires_grad=True)]
    if bias:
        inputs.append(nn.tensor(rng.normal(size=2), requires_grad=True))
    assert nn.autograd.gradcheck(lambda *a: upsample2x_conv3x3(*a), inputs)


def test_bad_weight_is_a_clear_error():
    x = nn.zeros(1, 3, 4, 4)
    with pytest.raises(ValueError, match="3, 3"):
        upsample2x_conv3x3(x, nn.zeros(2, 3, 5, 5))
    with pytest.raises(ValueError, match="to have 4 channels"):
        upsample2x_conv3x3(x, nn.zeros(2, 4, 3, 3))


def _ran_fused(out, x):
    """Was out made by the Upsample + Conv2d pair run as one transposed conv? (x itself, not its upsampled copy, is
    an input of the op that made it)"""
    return any(p is x for p in out._parents)


def _fused(seq, x):
    return _ran_fused(seq(x), x)


def test_sequential_fuses_exactly_the_pattern():
    x = nn.tensor(np.random.default_rng(2).normal(size=(1, 4, 5, 6)).astype(np.float32))

    def pair(up=None, **conv):
        kw = dict(kernel_size=3, padding=1)
        kw.update(conv)
        return nn.Sequential(up or nn.Upsample(scale_factor=2), nn.Conv2d(4, 2, **kw))

    assert _fused(pair(), x)
    assert _fused(pair(nn.Upsample(scale_factor=(2, 2))), x)
    assert _fused(pair(padding="same"), x)
    assert _fused(pair(bias=False), x)
    not_fused = [pair(nn.Upsample(scale_factor=2, mode="bilinear")), pair(nn.Upsample(scale_factor=3)),
                 pair(nn.Upsample(size=(10, 12))), pair(kernel_size=5, padding=2), pair(stride=2),
                 pair(padding=0), pair(dilation=2, padding=2), pair(groups=2),
                 nn.Sequential(nn.Upsample(scale_factor=2), nn.ReLU(), nn.Conv2d(4, 2, 3, padding=1))]

    class MyConv(nn.Conv2d):
        def forward(self, x):
            return super().forward(x) * 2
    not_fused.append(nn.Sequential(nn.Upsample(scale_factor=2), MyConv(4, 2, 3, padding=1)))
    for seq in not_fused:
        assert not _fused(seq, x), seq
    off = pair()
    off.fuse_upsample_conv = False
    assert not _fused(off, x)


def test_sequential_with_and_without_fusion_trains_the_same(monkeypatch):
    import nn.modules.container as container
    calls = []

    def counted(*args):
        calls.append(1)
        return upsample2x_conv3x3(*args)
    monkeypatch.setattr(container, "upsample2x_conv3x3", counted)

    def model():
        nn.manual_seed(0)
        return nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU(),
                             nn.Upsample(scale_factor=2), nn.Conv2d(8, 4, 3, padding=1), nn.ReLU(),
                             nn.Upsample(scale_factor=2), nn.Conv2d(4, 2, 3, padding=1), nn.Tanh()).to(np.float64)
    rng = np.random.default_rng(3)
    x, t = nn.tensor(rng.normal(size=(2, 1, 8, 10))), nn.tensor(rng.normal(size=(2, 2, 16, 20)) * 0.3)
    fused, plain = model(), model()
    plain.fuse_upsample_conv = False
    counts = []
    for m in (fused, plain):
        opt = nn.optim.Adam(m.parameters(), lr=1e-2)
        for _ in range(3):
            opt.zero_grad()
            F.mse_loss(m(x), t).backward()
            opt.step()
        counts.append(len(calls))
    assert counts == [6, 6]                 # the fused model: 2 pairs x 3 steps; the plain one adds none
    for (name, p), q in zip(fused.named_parameters(), plain.parameters()):
        np.testing.assert_allclose(p.data, q.data, rtol=0, atol=1e-12, err_msg=name)
    with nn.no_grad():                                   # and at inference, where no graph is recorded
        np.testing.assert_allclose(fused(x).data, plain(x).data, rtol=0, atol=1e-12)


@pytest.mark.parametrize("x, match", [
    (nn.zeros(1, 4, 5, 5), "expected input.* to have 3 channels"),       # wrong channels
    (nn.zeros(1, 3, 0, 5), r"^Input and output sizes should be greater than 0, but got input \(H: 0, W: 5\) "
                           r"output \(H: 0, W: 10\)$"),                 # empty map (PyTorch's RuntimeError)
    (nn.tensor(np.zeros((1, 3, 5, 5), np.int64)),                            # integers (PyTorch's NotImplementedError)
     "^\"upsample_nearest2d_channels_last\" not implemented for 'Long'$"),
])
def test_bad_input_is_reported_by_the_layers_as_written(x, match):
    seq = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(3, 2, 3, padding=1))
    with pytest.raises((ValueError, TypeError, RuntimeError), match=match):
        seq(x)


def test_what_the_pattern_check_reads_at_call_time():
    rng = np.random.default_rng(6)
    x = nn.tensor(rng.normal(size=(2, 4, 5, 3)).astype(np.float32))

    def both(seq, x):
        plain = nn.Sequential(*seq)                    # same modules, fusion off
        plain.fuse_upsample_conv = False
        return seq(x), plain(x)

    # a replaced weight (5 x 5 with padding 1: a smaller output) is read, not the layer's kernel_size
    seq = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(4, 3, 3, padding=1))
    seq[1].weight = nn.Parameter(rng.normal(size=(3, 4, 5, 5)).astype(np.float32))
    fused, plain = both(seq, x)
    assert not _ran_fused(fused, x) and fused.shape == (2, 3, 8, 4)
    np.testing.assert_array_equal(fused.data, plain.data)
    # an Upsample whose forward was replaced on the instance runs as written
    seq = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(4, 3, 3, padding=1))
    seq[0].forward = lambda t: F.interpolate(t, scale_factor=2, mode="bilinear")
    fused, plain = both(seq, x)
    assert not _ran_fused(fused, x)
    np.testing.assert_array_equal(fused.data, plain.data)
    # a non-contiguous input takes the fused path and agrees; mixed dtypes are refused on both paths, as
    # PyTorch's convolution refuses them
    seq = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(4, 3, 3, padding=1)).to(np.float64)
    xt = nn.tensor(rng.normal(size=(2, 4, 3, 5)).transpose(0, 1, 3, 2))
    fused, plain = both(seq, xt)
    assert _ran_fused(fused, xt) and fused.dtype == plain.dtype == np.float64
    np.testing.assert_allclose(fused.data, plain.data, rtol=0, atol=1e-12)
    for fuse in (True, False):
        seq.fuse_upsample_conv = fuse
        with pytest.raises(RuntimeError, match=r"Input type \(float\) and bias type \(double\) should be the same"):
            seq(xt.float())


def test_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    ours = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(5, 3, 3, padding=1))
    theirs = torch.nn.Sequential(torch.nn.Upsample(scale_factor=2), torch.nn.Conv2d(5, 3, 3, padding=1))
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = rng.normal(size=(2, 5, 7, 6)).astype(np.float32)
    g = rng.normal(size=(2, 3, 14, 12)).astype(np.float32)
    xo, xt = nn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    assert _ran_fused(yo, xo)          # (before backward, which frees the graph)
    yo.backward(nn.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(yo.data, yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours[1].weight.grad, theirs[1].weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours[1].bias.grad, theirs[1].bias.grad.numpy(), rtol=1e-4, atol=1e-4)
