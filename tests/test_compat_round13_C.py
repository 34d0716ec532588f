"""Round 13, area C: complex tensors and nn.fft (torch.fft), with PyTorch's complex autograd convention.

Each test failed before its fix (there were no complex tensors and no nn.fft). Values are checked against NumPy or
hand derivations; where PyTorch is installed, against PyTorch 2.13 too. The gradient of a real loss L with respect
to a complex z = x + iy is dL/dx + i dL/dy (PyTorch's .grad).
"""
import numpy as np
import pytest

import nn


def _complex(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _as_real_fn(op):
    """A function of float64 tensors for nn.gradcheck: complex inputs given as their (..., 2) real pairs, a complex
    output returned as its real pairs."""
    def fn(*xs):
        out = op(*[nn.view_as_complex(x) for x in xs])
        return nn.view_as_real(out) if out.is_complex() else out
    return fn


def _pairs(z):
    return nn.tensor(np.stack([z.real, z.imag], -1), requires_grad=True)


# -- dtypes and promotion -------------------------------------------------------------------------------------

def test_complex_dtypes_and_promotion():
    assert nn.cfloat == nn.complex64 == np.complex64 and nn.cdouble == nn.complex128 == np.complex128
    assert nn.tensor([1 + 2j, 3]).dtype == nn.complex64            # Python complex: complex64 (default float32)
    assert nn.tensor([1.0, 2.0]).cfloat().dtype == nn.complex64
    assert nn.tensor([1.0, 2.0]).cdouble().dtype == nn.complex128
    assert (nn.ones(3) * 1j).dtype == nn.complex64
    assert (nn.ones(3, dtype=nn.float64) * 1j).dtype == nn.complex128
    assert (nn.ones(3, dtype=nn.int64) * 1j).dtype == nn.complex64
    assert (nn.ones(3) * nn.tensor(1j, dtype=nn.complex128)).dtype == nn.complex64    # a 0-d complex128
    assert (nn.ones(3, dtype=nn.cfloat) * nn.ones(3, dtype=nn.float64)).dtype == nn.complex128
    assert (nn.ones(3, dtype=nn.cfloat) * nn.tensor(1.0, dtype=nn.float64)).dtype == nn.complex64
    z = nn.tensor([1 + 2j])
    assert z.is_complex() and nn.is_complex(z) and not nn.ones(1).is_complex() and not z.is_floating_point()
    assert nn.tensor([1 + 2j], requires_grad=True).requires_grad


def test_complex_repr():
    assert repr(nn.tensor([1 + 2j, 3 - 1j])) == "tensor([1.+2.j, 3.-1.j])"
    assert repr(nn.tensor([1.5 - 0.25j], dtype=nn.cdouble)) == "tensor([1.5000-0.2500j], dtype=nn.complex128)"


def test_complex_random_factories_draw_real_and_imaginary_pairs():
    nn.manual_seed(3)
    a = nn.randn(2, 3, dtype=nn.cfloat)
    nn.manual_seed(3)
    b = nn.randn(2, 3, 2) * np.sqrt(0.5)          # variance 1 in all: 1/2 per part, as PyTorch
    assert a.dtype == nn.complex64 and a.shape == (2, 3)
    np.testing.assert_allclose(a.numpy(), b.numpy()[..., 0] + 1j * b.numpy()[..., 1], rtol=1e-6)
    nn.manual_seed(3)
    u = nn.rand(5, dtype=nn.cdouble).numpy()
    assert u.dtype == np.complex128 and (u.real >= 0).all() and (u.imag < 1).all() and (u.imag != 0).all()


# -- complex ops and their gradients --------------------------------------------------------------------------

def test_parts_views_and_their_gradients():
    z = nn.tensor([1 + 2j, 3 - 1j], dtype=nn.cdouble, requires_grad=True)
    assert z.real.tolist() == [1, 3] and z.imag.tolist() == [2, -1]
    z.imag.sum().backward()
    np.testing.assert_array_equal(z.grad, [1j, 1j])                  # dL/dy = 1
    z.grad = None
    (z.real * 2).sum().backward()
    np.testing.assert_array_equal(z.grad, [2, 2])
    r = nn.view_as_real(z)
    assert r.shape == (2, 2) and r.tolist() == [[1, 2], [3, -1]]
    back = nn.view_as_complex(nn.tensor([[1.0, 2.0], [3.0, -1.0]]))
    assert back.dtype == nn.complex64 and back.tolist() == [1 + 2j, 3 - 1j]
    with pytest.raises(RuntimeError):
        nn.view_as_complex(nn.ones(2, 3))
    with pytest.raises(RuntimeError):
        nn.view_as_real(nn.ones(2))


def test_abs_angle_conj_gradients_by_hand():
    z0 = np.array([1 + 2j, 3 - 1j])
    z = nn.tensor(z0, requires_grad=True)
    z.abs().sum().backward()
    np.testing.assert_allclose(z.grad, z0 / np.abs(z0), rtol=1e-15)          # d|z| = z / |z|
    z.grad = None
    z.angle().sum().backward()
    np.testing.assert_allclose(z.grad, [-0.4 + 0.2j, 0.1 + 0.3j], rtol=1e-15)  # i z / |z|^2
    z.grad = None
    (z * z).real.sum().backward()                 # Re z^2 = x^2 - y^2: (2x, -2y) = 2 conj(z)
    np.testing.assert_allclose(z.grad, 2 * np.conj(z0), rtol=1e-15)
    z.grad = None
    (z.conj() * nn.tensor([1j, 1j])).real.sum().backward()    # Re(i (x - iy)) = y: (0, 1)
    np.testing.assert_allclose(z.grad, [1j, 1j])
    assert nn.resolve_conj(z).tolist() == z0.tolist()         # no pending conjugation: the values themselves
    np.testing.assert_array_equal(nn.isreal(nn.tensor([1 + 0j, 1j])).numpy(), [True, False])


def test_complex_and_polar():
    a = nn.tensor([2.0, 0.5], dtype=nn.float64, requires_grad=True)
    b = nn.tensor([0.3, -1.0], dtype=nn.float64, requires_grad=True)
    z = nn.polar(a, b)
    np.testing.assert_allclose(z.detach().numpy(), [2 * np.exp(0.3j), 0.5 * np.exp(-1j)], rtol=1e-15)
    (z * nn.tensor([1 - 2j, 0.5j])).real.sum().backward()
    w = np.array([1 - 2j, 0.5j])            # L = Re(w r e^{it}): dL/dr = Re(w e^{it}), dL/dt = Re(i w r e^{it})
    np.testing.assert_allclose(a.grad, (w * np.exp(1j * np.array([0.3, -1.0]))).real, rtol=1e-14)
    np.testing.assert_allclose(b.grad, (1j * w * z.detach().numpy()).real, rtol=1e-14)
    c = nn.complex(nn.tensor([1.0]), nn.tensor([2.0]))
    assert c.dtype == nn.complex64 and c.tolist() == [1 + 2j]
    with pytest.raises(RuntimeError, match="scalar type Float but got scalar type Double"):
        nn.complex(nn.tensor([1.0]), nn.tensor([2.0], dtype=nn.float64))


def test_gradcheck_complex_elementwise_and_products():
    rng = np.random.default_rng(0)
    x, y = _pairs(_complex(rng, 3, 4)), _pairs(_complex(rng, 3, 4))
    for op in (lambda a, b: a * b, lambda a, b: a / b, lambda a, b: (a.exp() + b.log()) * a.sin(),
               lambda a, b: nn.tanh(a) + nn.sigmoid(b) + a ** 2 + a.sqrt(), lambda a, b: a @ b.mT,
               lambda a, b: nn.einsum("ij,kj->ik", a, b), lambda a, b: a.abs() + b.angle(),
               lambda a, b: nn.sgn(a) * b.conj(), lambda a, b: a.var(dim=1) + a.norm() + a.mean(),
               lambda a, b: nn.vdot(a[0], b[0]) * 1j, lambda a, b: a.mH @ b):
        assert nn.gradcheck(_as_real_fn(op), (x, y))
    r = nn.tensor(rng.standard_normal((3, 4)), requires_grad=True)       # a real input meeting complex values
    assert nn.gradcheck(lambda r_, y_: nn.view_as_real(r_ * nn.view_as_complex(y_) + r_.exp()), (r, y))
    assert nn.gradcheck(lambda a_, t_: nn.view_as_real(nn.polar(a_, t_) * 1j) + nn.complex(a_, t_).abs()[:, None],
                        (nn.tensor(rng.random(4) + 0.5, requires_grad=True),
                         nn.tensor(rng.standard_normal(4), requires_grad=True)))


def test_complex_methods_against_hand_values():
    z0 = np.array([[1 + 1j, 2], [3, 4j]])
    z = nn.tensor(z0)
    np.testing.assert_array_equal(z.mH.numpy(), z0.conj().T)
    np.testing.assert_array_equal(z.H.numpy(), z0.conj().T)
    np.testing.assert_array_equal(z.adjoint().numpy(), z0.conj().T)
    np.testing.assert_allclose(nn.vdot(z[0], z[1]).item(), np.vdot(z0[0], z0[1]))
    np.testing.assert_allclose(z.norm().item(), np.linalg.norm(z0))
    assert z.norm().dtype == nn.float64
    np.testing.assert_allclose(z.var().item(), np.var(z0, ddof=1))
    np.testing.assert_allclose(nn.sgn(z).numpy(), z0 / np.abs(z0))
    np.testing.assert_allclose(z.mean().item(), z0.mean())
    np.testing.assert_allclose(nn.functional.linear(z, z).numpy(), z0 @ z0.T)
    with pytest.raises(RuntimeError, match="ComplexFloat can't be cast to the desired output type Float"):
        x = nn.zeros(2)
        x *= 1j
    with pytest.raises(RuntimeError, match="real scalar outputs"):
        nn.tensor([1j], requires_grad=True).sum().backward()


# -- nn.fft ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("norm", [None, "backward", "ortho", "forward"])
def test_fft_values_as_numpy(norm):
    rng = np.random.default_rng(1)
    x, z = rng.standard_normal((3, 8)), _complex(rng, 3, 7)
    for name, data in (("fft", z), ("ifft", z), ("rfft", x), ("irfft", z), ("hfft", z), ("ihfft", x)):
        for n in (None, 5, 12):
            got = getattr(nn.fft, name)(nn.tensor(data), n=n, dim=-1, norm=norm).numpy()
            np.testing.assert_allclose(got, getattr(np.fft, name)(data, n=n, norm=norm), rtol=1e-12, atol=1e-14)
    x3 = rng.standard_normal((2, 6, 5))
    np.testing.assert_allclose(nn.fft.rfft2(nn.tensor(x3), norm=norm).numpy(), np.fft.rfft2(x3, norm=norm),
                               atol=1e-13)
    np.testing.assert_allclose(nn.fft.fftn(nn.tensor(x3), s=(4, 7), norm=norm).numpy(),
                               np.fft.fftn(x3, s=(4, 7), axes=(1, 2), norm=norm), atol=1e-13)
    spec = np.fft.rfftn(x3, axes=(0, 2))
    np.testing.assert_allclose(nn.fft.irfftn(nn.tensor(spec), s=(2, 5), dim=(0, 2), norm=norm).numpy(),
                               np.fft.irfftn(spec, s=(2, 5), axes=(0, 2), norm=norm), atol=1e-13)


def test_fft_dtypes_and_errors():
    assert nn.fft.fft(nn.ones(4)).dtype == nn.complex64
    assert nn.fft.rfft(nn.ones(4, dtype=nn.float64)).dtype == nn.complex128
    assert nn.fft.irfft(nn.ones(3, dtype=nn.cfloat)).dtype == nn.float32
    assert nn.fft.fft(nn.tensor([1, 2, 3])).dtype == nn.complex64
    with pytest.raises(RuntimeError, match="rfft expects a real input tensor"):
        nn.fft.rfft(nn.ones(4, dtype=nn.cfloat))
    with pytest.raises(RuntimeError, match="Invalid normalization mode"):
        nn.fft.fft(nn.ones(3), norm="x")
    with pytest.raises(RuntimeError, match="Invalid number of data points"):
        nn.fft.fft(nn.ones(3), n=0)


@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_fft_gradchecks(norm):
    rng = np.random.default_rng(2)
    z, x = _pairs(_complex(rng, 2, 6)), nn.tensor(rng.standard_normal((2, 7)), requires_grad=True)
    checks = [(lambda a: nn.fft.fft(a, n=8, norm=norm), z), (lambda a: nn.fft.ifft(a, n=4, norm=norm), z),
              (lambda a: nn.fft.irfft(a, n=9, norm=norm), z), (lambda a: nn.fft.irfft(a, norm=norm), z),
              (lambda a: nn.fft.hfft(a, n=7, norm=norm), z), (lambda a: nn.fft.fft2(a, s=(3, 5), norm=norm), z),
              (lambda a: nn.fft.irfft2(a, s=(3, 4), norm=norm), z), (lambda a: nn.fft.ifftn(a, norm=norm), z),
              (lambda a: nn.fft.hfftn(a, norm=norm), z)]
    for op, inp in checks:
        assert nn.gradcheck(_as_real_fn(op), (inp,))
    for op in (lambda a: nn.fft.rfft(a, n=10, norm=norm), lambda a: nn.fft.rfft(a, n=5, norm=norm),
               lambda a: nn.fft.ihfft(a, norm=norm), lambda a: nn.fft.rfft2(a, norm=norm),
               lambda a: nn.fft.rfftn(a, s=(3, 6), norm=norm), lambda a: nn.fft.fft(a, norm=norm),
               lambda a: nn.fft.ihfftn(a, norm=norm), lambda a: nn.fft.fftshift(a) * 2):
        assert nn.gradcheck(lambda a: (lambda out: nn.view_as_real(out) if out.is_complex() else out)(op(a)), (x,))


def test_irfft_gradient_doubles_the_inner_bins():
    # irfft reads each bin 0 < k < n/2 as X_k and conj(X_k): its gradient is rfft(g) / n with those bins doubled
    rng = np.random.default_rng(3)
    for n in (8, 9):
        spec = nn.tensor(_complex(rng, n // 2 + 1), requires_grad=True)
        g = rng.standard_normal(n)
        nn.fft.irfft(spec, n=n).backward(nn.tensor(g))
        twice = np.full(n // 2 + 1, 2.0)
        twice[0] = 1
        if n % 2 == 0:
            twice[-1] = 1
        np.testing.assert_allclose(spec.grad, np.fft.rfft(g) / n * twice, rtol=1e-13, atol=1e-15)


def test_fftfreq_and_shifts():
    for n, d in ((8, 1.0), (5, 0.3), (1, 2.0)):
        np.testing.assert_allclose(nn.fft.fftfreq(n, d, dtype=nn.float64).numpy(), np.fft.fftfreq(n, d), rtol=1e-15)
        np.testing.assert_allclose(nn.fft.rfftfreq(n, d, dtype=nn.float64).numpy(), np.fft.rfftfreq(n, d),
                                   rtol=1e-15)
    assert nn.fft.fftfreq(4).dtype == nn.float32
    x = np.arange(15.0).reshape(3, 5)
    np.testing.assert_array_equal(nn.fft.fftshift(nn.tensor(x)).numpy(), np.fft.fftshift(x))
    np.testing.assert_array_equal(nn.fft.ifftshift(nn.tensor(x), dim=1).numpy(), np.fft.ifftshift(x, axes=1))


# -- complex parameters: state dicts and optimizers ------------------------------------------------------------

class _Spectral(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights1 = nn.Parameter(0.5 * nn.rand(2, 3, 3, dtype=nn.cfloat))


def test_complex_parameter_loads_and_steps_like_its_real_pairs():
    m = _Spectral()
    w0 = (np.arange(18) * (0.1 + 0.2j)).reshape(2, 3, 3)
    m.load_state_dict({"weights1": w0})                    # complex128 into a complex64 Parameter: cast
    assert m.weights1.dtype == nn.complex64
    np.testing.assert_allclose(m.weights1.detach().numpy(), w0, rtol=1e-6)
    g = (np.arange(18) - 8.5 + 1j * (np.arange(18) % 4 - 1.5)).reshape(2, 3, 3)
    for opt_cls, expect in ((nn.optim.SGD, lambda p: p - 0.1 * g),
                            # Adam's first step per real and imaginary part: lr * g / (|g| + eps) of each part
                            (nn.optim.Adam, lambda p: p - 0.1 * (g.real / (np.abs(g.real) + 1e-8)
                                                                  + 1j * g.imag / (np.abs(g.imag) + 1e-8)))):
        p = nn.Parameter(nn.tensor(w0))
        opt = opt_cls([p], lr=0.1)
        p.grad = g.copy()
        opt.step()
        np.testing.assert_allclose(p.detach().numpy(), expect(w0), rtol=1e-12)


def test_spectral_conv_backward_and_adam_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x0, w0 = rng.standard_normal((2, 3, 10)), _complex(rng, 3, 4, 3)
    results = []
    for T in (torch, nn):
        x = T.tensor(x0, requires_grad=True)
        w = T.nn.Parameter(T.tensor(w0))
        opt = T.optim.Adam([w], lr=0.01)
        for _ in range(2):
            x_ft = T.fft.rfft(x)
            out_ft = T.zeros(2, 4, 6, dtype=T.cdouble)
            out_ft[:, :, :3] = T.einsum("bix,iox->box", x_ft[:, :, :3], w)
            y = T.fft.irfft(out_ft, n=10)
            loss = (y * T.tensor(np.cos(np.arange(10.0)))).sum() + T.fft.fft2(y, norm="ortho").abs().mean()
            opt.zero_grad()
            x.grad = None
            loss.backward()
            opt.step()
        results.append([loss.item(), np.asarray(x.grad), np.asarray(w.detach())])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_ops_against_pytorch_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    z0, x0 = _complex(rng, 4, 6), rng.standard_normal((4, 6))
    ops = [lambda T, z, x: T.fft.ihfft(x, n=8), lambda T, z, x: T.fft.hfft2(z, s=(3, 5), norm="ortho"),
           lambda T, z, x: T.fft.rfftn(x, s=(5, 4), norm="forward"), lambda T, z, x: T.angle(z) * T.sgn(z),
           lambda T, z, x: T.view_as_real(T.polar(x.abs(), x) * z), lambda T, z, x: T.tanh(z) * T.sigmoid(z),
           lambda T, z, x: T.fft.irfftn(z, dim=(0, 1)) + x.sum(), lambda T, z, x: z.var(dim=0) + z.std() * x[0]]
    for op in ops:
        grads, weight = [], None
        for T in (torch, nn):
            z, x = T.tensor(z0, requires_grad=True), T.tensor(x0, requires_grad=True)
            out = op(T, z, x)
            if weight is None:
                weight = _complex(rng, *out.shape)
            (out * T.tensor(weight)).real.sum().backward()
            grads.append([0 if t.grad is None else np.asarray(t.grad.resolve_conj() if T is torch else t.grad)
                          for t in (z, x)])
        for theirs, ours in zip(*grads):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


# -- stft / istft ---------------------------------------------------------------------------------------------

def test_stft_as_framed_rfft_and_istft_inverts_it():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 40))
    win = np.hanning(14)[1:-1]                                       # win_length 12, centred in n_fft 16
    spec = nn.stft(nn.tensor(x), 16, hop_length=4, win_length=12, window=nn.tensor(win), return_complex=True)
    padded = np.pad(x, ((0, 0), (8, 8)), mode="reflect")
    frames = np.stack([padded[:, k * 4:k * 4 + 16] for k in range(1 + (56 - 16) // 4)], 1)
    expect = np.fft.rfft(frames * np.pad(win, 2), axis=-1).transpose(0, 2, 1)
    assert spec.shape == (2, 9, 11) and spec.dtype == nn.complex128
    np.testing.assert_allclose(spec.numpy(), expect, atol=1e-12)
    back = nn.istft(spec, 16, hop_length=4, win_length=12, window=nn.tensor(win), length=40)
    np.testing.assert_allclose(back.numpy(), x, atol=1e-12)
    assert nn.stft(nn.tensor(x[0]), 8, window=nn.ones(8), return_complex=True).shape == (5, 21)
    with pytest.raises(RuntimeError, match="return_complex"):
        nn.stft(nn.tensor(x), 8, window=nn.ones(8))
    xt = nn.tensor(x, requires_grad=True)
    assert nn.gradcheck(lambda a: nn.view_as_real(nn.stft(a, 8, 3, window=nn.tensor(np.hanning(8)),
                                                          return_complex=True)).sum(-1) +
                        nn.istft(nn.stft(a, 8, 2, window=nn.tensor(np.hanning(8)), return_complex=True), 8, 2,
                                 window=nn.tensor(np.hanning(8)), length=40).sum(), (xt,))


def test_stft_istft_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x0 = rng.standard_normal((2, 50))
    out = []
    for T in (torch, nn):
        x = T.tensor(x0, requires_grad=True)
        w = T.tensor(np.hanning(12))
        s = T.stft(x, 16, 5, 12, window=w, normalized=True, onesided=False, return_complex=True)
        y = T.istft(s, 16, 5, 12, window=w, normalized=True, onesided=False, length=47)
        (s.abs().sum() + (y * T.tensor(np.cos(np.arange(47.0)))).sum()).backward()
        out.append([np.asarray(s.detach().resolve_conj() if T is torch else s.detach()), np.asarray(y.detach()),
                    np.asarray(x.grad)])
    for theirs, ours in zip(*out):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-13)


def test_complex_tensors_save_and_load(tmp_path):
    state = {"w": nn.tensor([1 + 2j, 3j]), "v": nn.tensor([0.5 - 1j], dtype=nn.cdouble)}
    nn.save(state, tmp_path / "c.pt")
    back = nn.load(tmp_path / "c.pt")
    assert back["w"].dtype == nn.complex64 and back["w"].tolist() == [1 + 2j, 3j]
    assert back["v"].dtype == nn.complex128 and back["v"].tolist() == [0.5 - 1j]
    torch = pytest.importorskip("torch")
    theirs = torch.load(tmp_path / "c.pt")
    assert theirs["w"].dtype == torch.complex64 and theirs["v"].tolist() == [0.5 - 1j]
    torch.save({"z": torch.tensor([2 - 1j])}, tmp_path / "t.pt")
    assert nn.load(tmp_path / "t.pt")["z"].tolist() == [2 - 1j]


def test_clip_grad_norm_of_complex_gradients():
    a, b = nn.Parameter(nn.tensor([[1 + 2j, -3 + 0.5j]])), nn.Parameter(nn.tensor([0.5, -2.0]))
    a.grad, b.grad = np.array([[1 + 2j, -3 + 0.5j]], np.complex64), np.array([0.5, -2.0], np.float32)
    total = nn.utils.clip_grad_norm_([a, b], 1.0)
    expect = np.sqrt(1 + 4 + 9 + 0.25 + 0.25 + 4)                  # the moduli of the complex entries
    assert total.dtype == nn.float32
    np.testing.assert_allclose(total.item(), expect, rtol=1e-6)
    np.testing.assert_allclose(a.grad, np.array([[1 + 2j, -3 + 0.5j]]) / (expect + 1e-6), rtol=1e-6)


# ---- review mends: what the complex support refuses instead of computing wrongly, and its promotions -------------

def test_create_graph_through_complex_ops_takes_the_conjugates():
    # the recorded (differentiable) backwards once were real formulas that dropped the conjugates (the unconjugated
    # graph gave [0.5-1j, 0.63+1.26j]), so create_graph was refused here; since round 40 (area H) they record
    # PyTorch's conjugates (torch: d|c*d|/dc = [0.5+1j, 1.26-0.63j]) and can be differentiated again, as PyTorch's
    c = nn.tensor([1 + 2j, 2 - 1j], dtype=nn.complex128, requires_grad=True)
    d = nn.tensor([0.5 - 1j, 1 + 1j], dtype=nn.complex128)
    cv, dv = np.array([1 + 2j, 2 - 1j]), np.array([0.5 - 1j, 1 + 1j])
    w = cv * dv
    for create_graph in (False, True):
        (g,) = nn.autograd.grad((c * d).abs().sum(), [c], create_graph=create_graph)      # PyTorch's value
        np.testing.assert_allclose(g.detach().numpy(), w / np.abs(w) * np.conj(dv), rtol=1e-12)  # d|w|/dw conj(dw/dc)
    (g.real + 2 * g.imag).sum().backward()                  # PyTorch 2.13's second derivative
    np.testing.assert_allclose(c.grad.numpy(), [0, (2 + 4j) / np.sqrt(10)], rtol=1e-12, atol=1e-15)
    r = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)     # a real leaf into a complex op, too
    (gr,) = nn.autograd.grad((r * d).abs().sum(), [r], create_graph=True)
    np.testing.assert_allclose(gr.detach().numpy(), np.abs(dv), rtol=1e-12)              # |d|, real
    (gr * r).sum().backward()                               # d(r |d|)/dr = |d| (|d| does not depend on r)
    np.testing.assert_allclose(r.grad.numpy(), np.abs(dv), rtol=1e-12)


def test_a_strided_complex_parameter_is_refused_by_the_optimizer_not_left_unchanged():
    z = np.arange(12).reshape(4, 3) * (1 + 0.5j)
    p = nn.Parameter(nn.tensor(z, dtype=nn.complex128).T)           # last dimension strided
    (p.abs() ** 2).sum().backward()
    for opt in (nn.optim.SGD([p], lr=0.1), nn.optim.Adam([p], lr=0.1)):
        with pytest.raises(ValueError, match="contiguous"):
            opt.step()
    p.data = p.data.contiguous()                                    # the remedy the message names
    before = p.detach().numpy().copy()
    nn.optim.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.detach().numpy(), before - 0.1 * p.grad, rtol=1e-12)


def test_integer_tensor_with_a_0d_complex128_promotes_to_complex128_and_complex_is_signed():
    # torch: ones(3, int32) * tensor(1j, complex128) -> complex128 (a 0-d complex beside integers keeps its dtype)
    for dt in (nn.int32, nn.int64, nn.uint8, nn.bool):
        assert (nn.ones(3, dtype=dt) * nn.tensor(1j, dtype=nn.complex128)).dtype == nn.complex128
        assert (nn.ones(3, dtype=dt) * nn.tensor(1j, dtype=nn.complex64)).dtype == nn.complex64
    assert (nn.ones(3, dtype=nn.float32) * nn.tensor(1j, dtype=nn.complex128)).dtype == nn.complex64
    assert nn.tensor([1j]).is_signed() and nn.is_signed(nn.tensor([1j]))
