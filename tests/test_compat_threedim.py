"""3-d layers (Conv3d, ConvTranspose3d, BatchNorm3d, the 3-d pools, 5-D interpolate): against a direct loop, under gradcheck, against PyTorch."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck


def _conv3d_loop(x, w, b, s, p):
    """The definition: y[n, o, i, j, k] = b[o] + sum over c, a, e, f of w[o, c, a, e, f] xp[n, c, i s + a, ...]."""
    N, C, D, H, W = x.shape
    O, _, kd, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p), (p, p)))
    Do, Ho, Wo = ((n + 2 * p - k) // s + 1 for n, k in ((D, kd), (H, kh), (W, kw)))
    y = np.zeros((N, O, Do, Ho, Wo))
    for i in range(Do):
        for j in range(Ho):
            for k in range(Wo):
                patch = xp[:, :, i * s:i * s + kd, j * s:j * s + kh, k * s:k * s + kw]
                y[:, :, i, j, k] = np.einsum("ncdhw,ocdhw->no", patch, w) + b
    return y


def test_conv3d_against_its_definition_and_gradcheck():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 5, 4, 6)), rng.standard_normal((4, 3, 3, 2, 3)), rng.standard_normal(4)
    for s, p in ((1, 0), (2, 1)):
        np.testing.assert_allclose(F.conv3d(nn.tensor(x), nn.tensor(w), nn.tensor(b), s, p).numpy(),
                                   _conv3d_loop(x, w, b, s, p), rtol=1e-12, atol=1e-12)
    small = [nn.tensor(a, requires_grad=True) for a in (x[:1, :, :3, :3, :3], w[:2, :, :2, :2, :2], b[:2])]
    assert gradcheck(lambda u, v, c: F.conv3d(u, v, c, stride=(1, 2, 1), padding=1), small)
    layer = nn.Conv3d(3, 4, 3, padding=1).double()
    assert layer.weight.shape == (4, 3, 3, 3, 3) and layer(nn.tensor(x)).shape == (2, 4, 5, 4, 6)
    # the transposed conv is conv3d's adjoint: <conv3d(x, w), y> = <x, conv_transpose3d(y, w)>
    y = np.random.default_rng(5).standard_normal((2, 4, 3, 3, 3))
    forward = F.conv3d(nn.tensor(x), nn.tensor(w), stride=2, padding=1).numpy()
    back = F.conv_transpose3d(nn.tensor(y), nn.tensor(w), stride=2, padding=1, output_padding=(0, 0, 1)).numpy()
    assert back.shape == x.shape
    np.testing.assert_allclose((forward * y).sum(), (x * back).sum(), rtol=1e-12)
    assert gradcheck(lambda u, v: F.conv_transpose3d(u, v, stride=(2, 1, 2), padding=(1, 0, 0)),
                     (nn.tensor(y[:1, :, :2, :2, :2], requires_grad=True), nn.tensor(w[:, :2, :2, :2, :2], requires_grad=True)))
    assert F.conv3d(nn.tensor(x[0]), nn.tensor(w)).shape == (4, 3, 3, 4)     # one unbatched sample


def test_pools_and_batchnorm3d_against_numpy():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 4, 6))
    blocks = x.reshape(2, 3, 2, 2, 2, 2, 3, 2)                       # 2 x 2 x 2 windows
    np.testing.assert_array_equal(nn.MaxPool3d(2)(nn.tensor(x)).numpy(), blocks.max(axis=(3, 5, 7)))
    np.testing.assert_allclose(nn.AvgPool3d(2)(nn.tensor(x)).numpy(), blocks.mean(axis=(3, 5, 7)), rtol=1e-13)
    bn = nn.BatchNorm3d(3).double()
    y = bn(nn.tensor(x)).detach().numpy()
    mean, var = x.mean(axis=(0, 2, 3, 4), keepdims=True), x.var(axis=(0, 2, 3, 4), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(nn.AdaptiveAvgPool3d(1)(nn.tensor(x)).numpy()[..., 0, 0, 0], x.mean(axis=(2, 3, 4)),
                               rtol=1e-13)
    np.testing.assert_array_equal(nn.AdaptiveMaxPool3d((2, 2, 3))(nn.tensor(x)).numpy(), blocks.max(axis=(3, 5, 7)))
    assert gradcheck(lambda t: F.adaptive_avg_pool3d(t, (2, 1, 2)).sum() + F.adaptive_max_pool3d(t, 2).sum(),
                     (nn.tensor(x[:1, :1, :3, :3, :3], requires_grad=True),))
    assert gradcheck(lambda t: F.max_pool3d(t, 2, padding=1).sum() + F.avg_pool3d(t, 3, 1, 1, count_include_pad=False).sum(),
                     (nn.tensor(x[:1, :1, :3, :3, :3], requires_grad=True),))


def test_threedim_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4, 7, 8, 9))
    ours = nn.Sequential(nn.Conv3d(4, 6, (3, 2, 3), stride=(1, 2, 2), padding=(1, 0, 1), groups=2), nn.BatchNorm3d(6),
                         nn.ReLU(), nn.MaxPool3d(2, padding=1), nn.Conv3d(6, 2, 3, padding="same", dilation=2),
                         nn.AvgPool3d(2, count_include_pad=False),
                         nn.ConvTranspose3d(2, 4, 3, stride=2, padding=1, output_padding=(1, 0, 1)),
                         nn.AdaptiveMaxPool3d((3, 2, None)), nn.AdaptiveAvgPool3d(2))
    theirs = torch.nn.Sequential(torch.nn.Conv3d(4, 6, (3, 2, 3), stride=(1, 2, 2), padding=(1, 0, 1), groups=2),
                                 torch.nn.BatchNorm3d(6), torch.nn.ReLU(), torch.nn.MaxPool3d(2, padding=1),
                                 torch.nn.Conv3d(6, 2, 3, padding="same", dilation=2),
                                 torch.nn.AvgPool3d(2, count_include_pad=False),
                                 torch.nn.ConvTranspose3d(2, 4, 3, stride=2, padding=1, output_padding=(1, 0, 1)),
                                 torch.nn.AdaptiveMaxPool3d((3, 2, None)), torch.nn.AdaptiveAvgPool3d(2)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    ours.double()
    xo, xt = nn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(tuple(yt.shape))
    yo.backward(nn.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-11, atol=1e-12)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-11, atol=1e-11, err_msg=name)


def test_trilinear_and_nearest_on_volumes():
    D, H, W = 3, 4, 5
    d, h, w = np.meshgrid(np.arange(D), np.arange(H), np.arange(W), indexing="ij")
    f = (0.5 * d - 2.0 * h + 0.25 * w)[None, None]                 # linear: trilinear reproduces it exactly
    y = F.interpolate(nn.tensor(f), size=(5, 7, 9), mode="trilinear", align_corners=True).numpy()[0, 0]
    i, j, k = np.meshgrid(np.arange(5) * (D - 1) / 4, np.arange(7) * (H - 1) / 6, np.arange(9) * (W - 1) / 8,
                          indexing="ij")
    np.testing.assert_allclose(y, 0.5 * i - 2.0 * j + 0.25 * k, rtol=1e-12, atol=1e-12)
    near = nn.Upsample(scale_factor=2, mode="nearest")(nn.tensor(f)).numpy()
    np.testing.assert_array_equal(near, f.repeat(2, 2).repeat(2, 3).repeat(2, 4))
    assert gradcheck(lambda t: F.interpolate(t, scale_factor=(1.5, 2, 0.7), mode="trilinear"),
                     (nn.tensor(np.random.default_rng(3).standard_normal((1, 2, 3, 3, 4)), requires_grad=True),))
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 5, 6))
    for kw in (dict(scale_factor=2, mode="trilinear"), dict(size=(3, 7, 4), mode="trilinear", align_corners=True),
               dict(scale_factor=1.7, mode="nearest"), dict(size=(5, 3, 9), mode="nearest-exact")):
        np.testing.assert_allclose(F.interpolate(nn.tensor(x), **kw).numpy(),
                                   torch.nn.functional.interpolate(torch.tensor(x), **kw).numpy(), rtol=1e-13,
                                   atol=1e-14)


def test_conv3d_padding_modes_pad_the_input_first():
    x = np.random.default_rng(6).standard_normal((1, 2, 4, 5, 6))
    layer = nn.Conv3d(2, 3, 3, padding=(1, 2, 1), padding_mode="replicate").double()
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2), (1, 1)), mode="edge")
    np.testing.assert_allclose(layer(nn.tensor(x)).detach().numpy(),
                               F.conv3d(nn.tensor(padded), layer.weight, layer.bias).detach().numpy(), rtol=1e-6,
                               atol=1e-6)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv3d(2, 3, 3, padding_mode="mirror")
    torch = pytest.importorskip("torch")
    for mode in ("reflect", "circular"):
        theirs = torch.nn.Conv3d(2, 3, (3, 2, 3), padding="same", padding_mode=mode).double()
        ours = nn.Conv3d(2, 3, (3, 2, 3), padding="same", padding_mode=mode)
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        ours.double()
        np.testing.assert_allclose(ours(nn.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-12, atol=1e-12)
