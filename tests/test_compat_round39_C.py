"""lucidrains' AudioLM and SoundStorm from the package registry: audiolm-pytorch 2.4.0 and soundstorm-pytorch 0.6.1
(their wheels), with what they import, vector-quantize-pytorch 1.32.0, local-attention 1.11.2, gateloop-transformer
0.2.5, hyper-connections 0.4.11, rotary-embedding-torch 0.9.1, torch-einops-utils 0.2.0, ema-pytorch 0.8.3 and
beartype / tqdm / loguru, all ported file by file by the porting rule (``...p`` packages) and run against the
originals on PyTorch 2.13 with PyTorch's weights and every draw handed over (``randn``, ``rand``, ``randint``,
``randperm``, ``multinomial``, ``uniform_``, ``bernoulli_`` from one NumPy stream per side; Python's ``random``
seeded alike). torchaudio (not installed) was a stand-in written once in PyTorch and ported (torchaudio 2.11's
``resample``, ``spectrogram`` and ``MelSpectrogram``), fairseq a stand-in building a tiny HuBERT-like or
vq-wav2vec-like model from a checkpoint (read by ``torch.load`` / ``nn.load``) and joblib's ``load`` a pickled
k-means; transformers, encodec, accelerate and wandb names only. Covered: SoundStream (residual VQ with k-means
and EMA, LFQ, FSQ, groups, squeeze-excite, local attention, gate loops, the discriminators and every loss,
gradient penalties, tokenize / decode / resample, save / load across), the Semantic / Coarse / Fine transformers
with their wrappers (losses, 2 Adam steps, kv-cache generation) and AudioLM's generation, SoundStorm's masked
generation (flash / T5 bias, self-conditioning, token critic, grouped quantizers, semantic conditioning). Float64:
outputs, gradients and weights after the steps agree to 1e-14 or better (Adam's steps on gradients that are zero
in exact arithmetic to 4e-11), but where the package is ill-conditioned (the rotation trick's gradients, 2.5e-10,
where PyTorch moves as much against itself when its input moves by an ulp).

Failure found (nn's): SoundStream's ComplexSTFTDiscriminator convolves the complex STFT with complex weights
(``nn.Conv2d(..., dtype=torch.complex64)``, then ``F.conv2d`` on ``view_as_complex`` parameters): nn's
convolutions refused complex tensors ("conv2d: input must be a float tensor"). PyTorch's convolutions (1-3 d,
transposed too) take complex tensors by Gauss's trick over real convolutions, and refuse mixed dtypes in their
own words.
"""
import numpy as np
import pytest

import nn
import nn.functional as F


def _c(rs, *shape):
    return rs.standard_normal(shape) + 1j * rs.standard_normal(shape)


def _np_conv1d(x, w, b=None, stride=1, padding=0):
    """Cross-correlation of (N, C, L) with (O, C, k) in NumPy (complex or real)."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    N, C, L = x.shape
    O, _, k = w.shape
    Lo = (L - k) // stride + 1
    y = np.zeros((N, O, Lo), np.result_type(x, w))
    for i in range(Lo):
        y[:, :, i] = np.einsum("nck,ock->no", x[:, :, i * stride:i * stride + k], w)
    return y if b is None else y + b[None, :, None]


def _np_conv2d(x, w, b=None, stride=1, groups=1):
    N, C, H, W = x.shape
    O, Cg, kh, kw = w.shape
    Ho, Wo = (H - kh) // stride + 1, (W - kw) // stride + 1
    y = np.zeros((N, O, Ho, Wo), np.result_type(x, w))
    og = O // groups
    for g in range(groups):
        xs, ws = x[:, g * Cg:(g + 1) * Cg], w[g * og:(g + 1) * og]
        for i in range(Ho):
            for j in range(Wo):
                y[:, g * og:(g + 1) * og, i, j] = np.einsum(
                    "nchw,ochw->no", xs[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw], ws)
    return y if b is None else y + b[None, :, None, None]


def test_complex_conv1d_values_and_gradients_as_pytorch():
    """y_o = sum_k w_k x_(o+k) + b on complex tensors; with a real loss L = Re(sum G y), PyTorch's gradients are
    conj(dL/dz)'s convention: grad x_j = conj(sum_o G_o w_(j-o)), grad w_k = conj(sum_o G_o x_(o+k)),
    grad b = conj(sum_o G_o). The SoundStream STFT discriminator's complex convolutions train on these."""
    rs = np.random.RandomState(0)
    X, W, B = _c(rs, 2, 3, 7), _c(rs, 4, 3, 3), _c(rs, 4)
    G = _c(rs, 2, 4, 4)
    x, w, b = (nn.tensor(a, requires_grad=True) for a in (X, W, B))
    y = F.conv1d(x, w, b, stride=2, padding=1)
    assert y.dtype == nn.complex128
    np.testing.assert_allclose(y.detach().numpy(), _np_conv1d(X, W, B, stride=2, padding=1), rtol=1e-13, atol=1e-13)
    (y * nn.tensor(G)).real.sum().backward()
    Xp = np.pad(X, ((0, 0), (0, 0), (1, 1)))
    gxp = np.zeros_like(Xp)
    gw = np.zeros_like(W)
    for o in range(4):
        gxp[:, :, 2 * o:2 * o + 3] += np.einsum("no,ock->nck", G[:, :, o], W)
        gw += np.einsum("no,nck->ock", G[:, :, o], Xp[:, :, 2 * o:2 * o + 3])
    np.testing.assert_allclose(x.grad.numpy(), np.conj(gxp[:, :, 1:-1]), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(w.grad.numpy(), np.conj(gw), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(b.grad.numpy(), np.conj(G.sum((0, 2))), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("dtype", [nn.complex64, nn.complex128])
def test_complex_conv2d_with_groups_and_stride_and_a_complex_layer(dtype):
    """conv2d of complex tensors (groups, stride, one image unbatched), and nn.Conv2d(dtype=complex64) as
    SoundStream's ComplexConv2d builds it: complex results of the input's precision."""
    rs = np.random.RandomState(1)
    X, W, B = _c(rs, 2, 4, 6, 5), _c(rs, 6, 2, 3, 2), _c(rs, 6)
    npd = np.complex64 if dtype == nn.complex64 else np.complex128
    X, W, B = X.astype(npd), W.astype(npd), B.astype(npd)
    tol = 2e-5 if dtype == nn.complex64 else 1e-13
    y = F.conv2d(nn.tensor(X), nn.tensor(W), nn.tensor(B), stride=2, groups=2)
    assert y.dtype == dtype
    np.testing.assert_allclose(y.numpy(), _np_conv2d(X, W, B, stride=2, groups=2), rtol=tol, atol=tol)
    one = F.conv2d(nn.tensor(X[0]), nn.tensor(W), None, groups=2)
    np.testing.assert_allclose(one.numpy(), _np_conv2d(X[:1], W, groups=2)[0], rtol=tol, atol=tol)
    layer = nn.Conv2d(4, 6, (3, 2), groups=2, dtype=dtype)
    assert layer.weight.dtype == dtype
    with nn.no_grad():
        layer.weight.copy_(nn.tensor(W))
        layer.bias.copy_(nn.tensor(B))
    np.testing.assert_allclose(layer(nn.tensor(X)).detach().numpy(), _np_conv2d(X, W, B, groups=2), rtol=tol, atol=tol)


def test_complex_view_as_real_parameters_train_through_conv2d():
    """SoundStream's ComplexConv2d: real Parameters holding view_as_real pairs, view_as_complex in the forward,
    F.conv2d with the complex input; the gradients reach the real pairs (checked against NumPy's complex
    correlation: grad W = conj(sum G x), stored as (real, imag))."""
    rs = np.random.RandomState(2)
    X, W, B = _c(rs, 1, 2, 4, 4), _c(rs, 3, 2, 3, 3), _c(rs, 3)
    weight = nn.Parameter(nn.tensor(np.stack([W.real, W.imag], -1)))
    bias = nn.Parameter(nn.tensor(np.stack([B.real, B.imag], -1)))
    y = F.conv2d(nn.tensor(X), nn.view_as_complex(weight), nn.view_as_complex(bias), padding=1)
    Xp = np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1)))
    np.testing.assert_allclose(y.detach().numpy(), _np_conv2d(Xp, W, B), rtol=1e-13, atol=1e-13)
    y.abs().sum().backward()                                  # the logits_abs read-out
    G = np.conj(y.detach().numpy() / np.abs(y.detach().numpy()))        # |y| hands on y / |y| = conj(G)
    gw = np.zeros_like(W)
    for i in range(4):
        for j in range(4):
            gw += np.einsum("no,nchw->ochw", G[:, :, i, j], Xp[:, :, i:i + 3, j:j + 3])
    gw = np.conj(gw)
    np.testing.assert_allclose(weight.grad.numpy(), np.stack([gw.real, gw.imag], -1), rtol=1e-12, atol=1e-12)
    gb = np.conj(G.sum((0, 2, 3)))
    np.testing.assert_allclose(bias.grad.numpy(), np.stack([gb.real, gb.imag], -1), rtol=1e-12, atol=1e-12)


def test_complex_transposed_and_3d_convolutions():
    """conv_transpose1d (y[i s + k] += x[i] w[k]) and conv3d of complex tensors, against NumPy."""
    rs = np.random.RandomState(3)
    X, W = _c(rs, 1, 2, 4), _c(rs, 2, 3, 3)
    y = F.conv_transpose1d(nn.tensor(X), nn.tensor(W), stride=2)
    ref = np.zeros((1, 3, 9), complex)
    for i in range(4):
        ref[:, :, 2 * i:2 * i + 3] += np.einsum("nc,cok->nok", X[:, :, i], W)
    np.testing.assert_allclose(y.numpy(), ref, rtol=1e-13, atol=1e-13)
    X3, W3 = _c(rs, 1, 2, 3, 4, 4), _c(rs, 2, 2, 2, 3, 3)
    y3 = F.conv3d(nn.tensor(X3), nn.tensor(W3))
    ref3 = np.zeros((1, 2, 2, 2, 2), complex)
    for d in range(2):
        for i in range(2):
            for j in range(2):
                ref3[:, :, d, i, j] = np.einsum("ncdhw,ocdhw->no", X3[:, :, d:d + 2, i:i + 3, j:j + 3], W3)
    np.testing.assert_allclose(y3.numpy(), ref3, rtol=1e-13, atol=1e-13)
    yt3 = F.conv_transpose3d(nn.tensor(X3), nn.tensor(W3[:, :1]), stride=1)
    assert yt3.dtype == nn.complex128 and tuple(yt3.shape) == (1, 1, 4, 6, 6)


@pytest.mark.parametrize("fn, xs, ws, dtypes, message", [
    ("conv2d", (1, 2, 5, 5), (3, 2, 3, 3), ("complex128", "float64", None),
     "Input type (CPUComplexDoubleType) and weight type (torch.DoubleTensor) should be the same"),
    ("conv2d", (1, 2, 5, 5), (3, 2, 3, 3), ("complex64", "complex128", None),
     "Input type (CPUComplexFloatType) and weight type (CPUComplexDoubleType) should be the same"),
    ("conv2d", (1, 2, 5, 5), (3, 2, 3, 3), ("float64", "complex128", None), "expected scalar type Double but found ComplexDouble"),
    ("conv1d", (1, 2, 5), (3, 2, 3), ("complex128", "complex128", "float64"),
     "Input type (c10::complex<double>) and bias type (double) should be the same"),
    ("conv1d", (1, 2, 5), (3, 2, 3), ("float64", "float64", "complex128"),
     "Input type (double) and bias type (c10::complex<double>) should be the same"),
    ("conv_transpose2d", (1, 2, 5, 5), (2, 3, 3, 3), ("complex128", "complex128", "complex64"),
     "Input type (CPUComplexDoubleType) and bias type (CPUComplexFloatType) should be the same"),
    ("conv_transpose1d", (1, 2, 5), (2, 3, 3), ("float64", "float64", "complex128"),
     "result type ComplexDouble can't be cast to the desired output type Double"),
    ("conv_transpose3d", (1, 2, 3, 3, 3), (2, 3, 3, 3, 3), ("float64", "float64", "complex128"),
     "expected scalar type Double but found ComplexDouble"),
    ("conv3d", (1, 2, 4, 4, 4), (3, 2, 3, 3, 3), ("complex128", "float32", None),
     "Input type (CPUComplexDoubleType) and weight type (torch.FloatTensor) should be the same"),
])
def test_complex_convolution_dtype_errors_in_pytorchs_words(fn, xs, ws, dtypes, message):
    """A complex convolution with parameters of another type is PyTorch's RuntimeError, in its words (its
    Tensor::toString names for a complex input's weight, the typeid names for the bias of a non-transposed one)."""
    xd, wd, bd = (None if d is None else getattr(nn, d) for d in dtypes)
    bias = None if bd is None else nn.ones(ws[1] if "transpose" in fn else ws[0], dtype=bd)
    with pytest.raises(RuntimeError) as info:
        getattr(F, fn)(nn.ones(xs, dtype=xd), nn.ones(ws, dtype=wd), bias)
    assert str(info.value) == message


def test_complex_stft_discriminator_step_against_pytorch():
    """The package's ComplexSTFTDiscriminator in miniature (stft -> complex convs with view_as_real parameters ->
    ModReLU -> |logits|), forward and parameter gradients, against PyTorch when it is installed."""
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(4)
    wave = rs.standard_normal((2, 128))
    params = [np.stack([p.real, p.imag], -1) for p in (_c(rs, 3, 1, 3, 3), _c(rs, 3), _c(rs, 1, 3, 3, 3), _c(rs, 1))]

    def run(lib, Fn):
        ps = [lib.tensor(p, requires_grad=True) for p in params]
        b = lib.tensor(0.1, requires_grad=True)
        x = lib.stft(lib.tensor(wave), 32, hop_length=8, win_length=32, window=lib.hann_window(32, dtype=lib.float64),
                     return_complex=True)[:, None]
        w1, b1, w2, b2 = (lib.view_as_complex(p) for p in ps)
        h = Fn.conv2d(x.to(w1.dtype), w1, b1, stride=(1, 2), padding=1)
        h = Fn.relu(lib.abs(h) + b) * lib.exp(1.j * lib.angle(h))         # ModReLU
        out = Fn.conv2d(h, w2, b2, padding=1).abs()
        out.sum().backward()
        return [out.detach().numpy()] + [p.grad.numpy() for p in ps + [b]]

    import torch.nn.functional as TF
    for mine, theirs in zip(run(nn, F), run(torch, TF)):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12 * np.abs(theirs).max())
