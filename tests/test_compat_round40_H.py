"""Round 40, area H: deep-daze 0.11.1 (its wheel) with siren-pytorch 0.1.7 and its bundled CLIP, and double backward
(create_graph=True) through complex tensors.

(1) deep-daze's, siren-pytorch's, torch-optimizer 0.3.0's and pytorch-ranger 0.1.1's files were ported by the porting
rule (``deep_dazep``, ...) and run against the originals on PyTorch 2.13 (torchvision a stand-in on both sides with
Normalize / Compose) in float64 with PyTorch's weights and the same draws (``randint``, ``normal_``, ``uniform_`` from
one NumPy stream, Python's ``random`` seeded alike): SIREN layers and wrappers, DeepDaze's cutout loss with a ViT and
a ResNet CLIP and 2 Adam / AdamP / DiffGrad steps, CLIP's encoders, and Imagine in float32. All agree to rounding.
Failures found (nn's): deep-daze's ``clip.load`` calls ``torch.jit.load`` first (a state dict file makes it fall
back on PyTorch's RuntimeError; OpenAI's CLIP files are TorchScript archives): nn.jit had no ``load``
(AttributeError); siren-pytorch's SirenWrapper(img) with an image of another size: PyTorch's mse_loss warns of the
target size before the broadcast fails, nn's failed without the warning.

(2) The thirty-ninth round left a gradient penalty through a complex STFT discriminator refused: backpropagate
raised "create_graph=True through complex tensors (...) is not supported" for any op meeting a complex tensor, as
the recorded backwards were real formulas without PyTorch's conjugates. Now mul / div / pow / matmul / the
pointwise ops record g times the conjugate of the derivative, real / imag / view_as_real / view_as_complex /
complex / conj / abs / sgn and the fft transforms (so stft / istft) record their gradients, a real input's
gradient from a complex one is its real part, and Tensor.unfold (stft's frames) has a recorded gradient (it had
none, real or complex); the ops whose recorded gradient holds for complex values are listed in
nn.tensor.COMPLEX_GRAPH_OPS, any other meeting a complex tensor still refuses.
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def _disc(L, F_, x, w):
    """audiolm-pytorch's ComplexSTFTDiscriminator in miniature: stft, a complex conv2d with view_as_complex weights,
    ComplexLeakyReLU on the parts, a strided complex conv to one channel, view_as_real logits."""
    s = L.stft(x.reshape(1, -1), n_fft=8, hop_length=2, win_length=8, window=L.hann_window(8, dtype=x.dtype),
               return_complex=True).unsqueeze(1)
    h = F_.conv2d(s, L.view_as_complex(w[:36].reshape(2, 1, 3, 3, 2)), L.view_as_complex(w[36:40].reshape(2, 2)),
                  padding=1)
    h = L.complex(F_.leaky_relu(h.real, 0.1), F_.leaky_relu(h.imag, 0.1))
    out = F_.conv2d(h, L.view_as_complex(w[40:48].reshape(1, 2, 2, 1, 2)), stride=(2, 1))
    return L.view_as_real(out).mean()


def _spectral(L, F_, x, w):
    """stft into istft, rfft / fft / irfft / ifft, complex products and quotients, abs, real / imag, pow, exp, a
    complex matmul."""
    z = L.complex(x, w)
    X = L.fft.rfft(x * w)
    Y = L.fft.fft(X * X.conj() + X) / (X + 2.0)
    m = z.reshape(2, 3) @ z.reshape(3, 2).conj()
    window = L.hann_window(4, dtype=x.dtype)
    s = L.stft(x, n_fft=4, hop_length=2, window=window, return_complex=True) * L.complex(w[:3], w[3:]).reshape(3, 1)
    y = L.istft(s, n_fft=4, hop_length=2, window=window, length=6)
    return ((y * x).sum() + L.fft.irfft(Y, n=6).pow(2).sum() + L.view_as_real(L.fft.ifft(z, norm="ortho")).sum()
            + (X.abs() ** 3).sum() + (z ** 2).imag.sum() + m.abs().sum() + L.exp(z).real.mean())


def _penalty(L, F_, case, x0, w0, create_graph=True):
    """A gradient penalty: g = grad(case, (x, w), create_graph), P = (|g_x| - 1)^2 + sum g_w^3; with create_graph
    P.backward() -> (P, dP/dx, dP/dw), else P alone."""
    x = L.tensor(x0, requires_grad=True)
    w = L.tensor(w0, requires_grad=True)
    gx, gw = L.autograd.grad(case(L, F_, x, w), (x, w), create_graph=create_graph)
    pen = (gx.norm() - 1) ** 2 + (gw * gw * gw).sum()
    if not create_graph:
        return pen.item()
    pen.backward()
    return pen.item(), x.grad.numpy(), w.grad.numpy()


def _central_differences(case, x0, w0, ix, iw, h=1e-5):
    """dP/dx[ix], dP/dw[iw] by central differences of the penalty of first-order gradients."""
    def p(x, w):
        return _penalty(nn, F, case, x, w, create_graph=False)
    ex, ew = np.eye(len(x0))[ix], np.eye(len(w0))[iw]
    dx = np.array([(p(x0 + h * e, w0) - p(x0 - h * e, w0)) / (2 * h) for e in ex])
    dw = np.array([(p(x0, w0 + h * e) - p(x0, w0 - h * e)) / (2 * h) for e in ew])
    return dx, dw


@pytest.mark.parametrize("case, n, m", [(_disc, 16, 48), (_spectral, 6, 6)])
def test_gradient_penalty_through_complex_ops_matches_finite_differences(case, n, m):
    # was: NotImplementedError "create_graph=True through complex tensors (view_as_real) is not supported"
    rs = np.random.default_rng(3)
    x0, w0 = rs.standard_normal(n), rs.standard_normal(m)
    _, dx, dw = _penalty(nn, F, case, x0, w0)
    ix, iw = rs.permutation(n)[:6], rs.permutation(m)[:8]
    fx, fw = _central_differences(case, x0, w0, ix, iw)
    np.testing.assert_allclose(dx[ix], fx, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(dw[iw], fw, rtol=1e-6, atol=1e-7)


def test_complex_product_double_backward_takes_the_conjugates():
    # L = |z w|^2: PyTorch's grad (dL/dx + i dL/dy) is 2 z |w|^2; P = sum |g|^2 = 4 |z|^2 |w|^4 has gradients
    # 8 z |w|^4 and 16 |z|^2 |w|^2 w (the real formulas without conjugates give other values)
    z0, w0 = np.array([1 + 2j, -0.5 + 0.25j]), np.array([0.3 - 1j, 2 + 1j])
    z, w = nn.tensor(z0, requires_grad=True), nn.tensor(w0, requires_grad=True)
    (g,) = nn.autograd.grad(((z * w).abs() ** 2).sum(), z, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 2 * z0 * abs(w0) ** 2, rtol=1e-14)
    (g.abs() ** 2).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), 8 * z0 * abs(w0) ** 4, rtol=1e-14)
    np.testing.assert_allclose(w.grad.numpy(), 16 * abs(z0) ** 2 * abs(w0) ** 2 * w0, rtol=1e-14)


def test_real_weight_meeting_complex_values_gets_the_real_part_under_create_graph():
    # y = w z with w real: dL/dw = Re(sum g conj(z)); the recorded one too (it was cast with a ComplexWarning)
    z0 = np.array([1 + 2j, 3 - 1j])
    z, w = nn.tensor(z0, requires_grad=True), nn.tensor([0.5, -2.0], dtype=nn.float64, requires_grad=True)
    (gw,) = nn.autograd.grad(((w * z).abs() ** 2).sum(), w, create_graph=True)
    assert gw.dtype == nn.float64
    np.testing.assert_allclose(gw.detach().numpy(), 2 * w.detach().numpy() * abs(z0) ** 2, rtol=1e-14)
    gw.sum().backward()             # d/dz sum 2 w |z|^2 = 4 w z
    np.testing.assert_allclose(z.grad.numpy(), 4 * np.array([0.5, -2.0]) * z0, rtol=1e-14)


def test_unfold_frames_can_be_differentiated_twice():
    # Tensor.unfold (stft's frames) had no recorded gradient: "the gradient of unfold cannot be differentiated again"
    x = nn.tensor([1.0, -2.0, 3.0, 0.5, 2.0], requires_grad=True)
    frames = x.unfold(0, 3, 1)                      # windows (0..2), (1..3), (2..4)
    (g,) = nn.autograd.grad((frames ** 3).sum(), x, create_graph=True)
    counts = np.array([1, 2, 3, 2, 1])
    np.testing.assert_allclose(g.detach().numpy(), 3 * counts * x.detach().numpy() ** 2)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * counts * x.detach().numpy())


def test_ops_without_a_complex_recorded_gradient_still_refuse():
    r = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"create_graph=True through complex tensors \(polar\)"):
        nn.autograd.grad(nn.polar(r, r).abs().sum(), r, create_graph=True)


def test_gradient_penalty_through_complex_ops_as_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as tF
    rs = np.random.default_rng(5)
    for case, n, m in [(_disc, 16, 48), (_spectral, 6, 6)]:
        x0, w0 = rs.standard_normal(n), rs.standard_normal(m)
        ours = _penalty(nn, F, case, x0, w0)
        x, w = torch.tensor(x0, requires_grad=True), torch.tensor(w0, requires_grad=True)
        gx, gw = torch.autograd.grad(case(torch, tF, x, w), (x, w), create_graph=True)
        pen = (gx.norm() - 1) ** 2 + (gw * gw * gw).sum()
        pen.backward()
        np.testing.assert_allclose(ours[0], pen.item(), rtol=1e-13)
        np.testing.assert_allclose(ours[1], x.grad.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ours[2], w.grad.numpy(), rtol=1e-12, atol=1e-14)


# ---- deep-daze's CLIP loader: torch.jit.load ------------------------------------------------------------------

def _clip_load(path):
    """deep-daze's clip.load(path, jit=False) up to the weights: a TorchScript archive's state dict, else (PyTorch's
    RuntimeError for a file that is none) the warning and torch.load's state dict."""
    try:
        model = nn.jit.load(path, map_location="cpu").eval()
        state_dict = None
    except RuntimeError:
        warnings.warn(f"File {path} is not a JIT archive. Loading as a state dict instead")
        state_dict = nn.load(path, map_location="cpu")
    return state_dict or model.state_dict()


def _script_archive():
    """A TorchScript archive as torch.jit.save writes one (data.pkl of __torch__ objects, constants.pkl, the classes'
    code with their __parameters__ / __buffers__ lists), made with nn's torch.save writer."""
    import io
    import zipfile
    from nn.serialization_torch import _Global, _Reduced, save_torch

    def script_object(module, name, state):
        return _Reduced(_Global("copyreg", "__newobj__"), (_Global(module, name),), state)
    lin = script_object("__torch__.torch.nn.modules.linear", "Linear",
                        {"weight": nn.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), "bias": nn.tensor([0.5, -0.5, 1.0]),
                         "training": False, "_is_full_backward_hook": None})
    top = script_object("__torch__", "M", {"p": nn.tensor([7.0, 8.0]), "b": nn.tensor([1.0, 1.0]), "training": False,
                                           "_is_full_backward_hook": None, "scale": 2, "l": lin})
    buf = io.BytesIO()
    save_torch(top, buf, archive_name="ts")
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("ts/constants.pkl", b"\x80\x02).")
        z.writestr("ts/code/__torch__.py", 'class M(Module):\n  __parameters__ = ["p", ]\n  __buffers__ = ["b", ]\n')
        z.writestr("ts/code/__torch__/torch/nn/modules/linear.py",
                   'class Linear(Module):\n  __parameters__ = ["weight", "bias", ]\n  __buffers__ = []\n')
    return buf.getvalue()


def test_jit_load_reads_a_torchscript_archives_weights(tmp_path):
    # was: AttributeError "module 'nn.jit' has no attribute 'load'" (deep-daze's CLIP loader calls it first)
    path = tmp_path / "clip_jit.pt"
    path.write_bytes(_script_archive())
    with pytest.warns(DeprecationWarning, match=r"`torch.jit.load` is deprecated. Please switch to `torch.export`."):
        m = nn.jit.load(str(path), map_location="cpu")
    assert type(m).__name__ == "RecursiveScriptModule" and m.original_name == "M" and m.l.original_name == "Linear"
    assert list(m.state_dict()) == ["p", "b", "l.weight", "l.bias"]       # parameters, buffers, then submodules
    assert [n for n, _ in m.named_buffers()] == ["b"] and m.scale == 2 and m.training is False
    np.testing.assert_array_equal(m.l.weight.detach().numpy(), [[1, 2], [3, 4], [5, 6]])
    with pytest.warns(DeprecationWarning):
        sd = _clip_load(str(path))
    np.testing.assert_array_equal(np.asarray(sd["p"]), [7, 8])
    with pytest.raises(RuntimeError, match="nn runs no TorchScript code"):
        m(nn.ones(2))


def test_jit_load_refuses_other_files_in_pytorchs_words(tmp_path):
    miniz = ("This is an internal miniz error. If you are seeing this error, there is a high likelihood that your "
             "checkpoint file is corrupted. This can happen if the checkpoint was not saved properly, was transferred "
             "incorrectly, or the file was modified after saving.")
    state = tmp_path / "clip.pt"
    nn.save({"w": nn.ones(2)}, str(state))
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"hello")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for path, error, words in [
                (state, RuntimeError, "PytorchStreamReader failed locating file constants.pkl: file not found. " + miniz),
                (junk, RuntimeError, "PytorchStreamReader failed reading zip archive: not a ZIP archive. " + miniz),
                (tmp_path / "none.pt", ValueError, f"The provided filename {tmp_path / 'none.pt'} does not exist"),
                (tmp_path, ValueError, f"The provided filename {tmp_path} is a directory")]:
            with pytest.raises(error) as info:
                nn.jit.load(str(path))
            assert str(info.value) == words
        # so deep-daze's loader falls back to the state dict, with its warning
        with pytest.warns(UserWarning, match="is not a JIT archive. Loading as a state dict instead"):
            sd = _clip_load(str(state))
    np.testing.assert_array_equal(np.asarray(sd["w"]), [1, 1])


def test_jit_load_of_a_pytorch_archive_as_pytorch(tmp_path):
    torch = pytest.importorskip("torch")

    class M(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.l = torch.nn.Linear(2, 3)
            self.register_buffer("b", torch.ones(2))
            self.seq = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
            self.p = torch.nn.Parameter(torch.randn(3, dtype=torch.float64))

        def forward(self, x):
            return self.seq(self.l(x))
    path = str(tmp_path / "m.pt")
    torch.jit.trace(M().eval(), torch.ones(4, 2)).save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        theirs, ours = torch.jit.load(path).state_dict(), nn.jit.load(path).state_dict()
    assert list(ours) == list(theirs)
    for k, v in theirs.items():
        np.testing.assert_array_equal(np.asarray(ours[k]), v.numpy(), err_msg=k)
        assert np.asarray(ours[k]).dtype == v.numpy().dtype, k


def test_mse_loss_warns_of_another_target_size_before_the_broadcast_fails():
    # siren-pytorch's SirenWrapper(img) of an image of another size: PyTorch warns, then fails to broadcast
    with pytest.warns(UserWarning, match="Using a target size .* that is different to the input size"):
        with pytest.raises(RuntimeError, match=r"The size of tensor a \(5\) must match the size of tensor b \(4\) at "
                                               r"non-singleton dimension 2"):
            F.mse_loss(nn.zeros(1, 3, 5, 4), nn.zeros(1, 3, 4, 4))
