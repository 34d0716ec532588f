"""asteroid 0.7.0 and asteroid-filterbanks 0.4.0 from the package registry (`pip install --no-deps`, with julius
0.2.8, torch-optimizer 0.3.0 and pytorch-ranger 0.1.1; soundfile (compiled) and huggingface_hub name-only stand-ins
on both sides), ported together by the porting rule (every .py file; renamed asteroidp and asteroid_filterbanksp in
their own import lines) and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights:
ConvTasNet (five norms, causal, four filterbanks), DPRNNTasNet (LSTM / GRU / RNN, MulCat), DPTNet, SuDORMRFNet,
SuDORMRFImprovedNet, LSTMTasNet, DeMask, DCUNet, FasNetTAC (forward, input and parameter gradients, eval,
separate() on arrays, serialize() / from_pretrained on local files both ways); the masknn blocks, complex_nn, the
losses (PIT wrappers, SDR losses, MixIT, SinkPIT, multi-scale spectral, deep clustering, PMSQE) and asteroid.dsp
(overlap-add, dual-path, consistency, deltas, xcorr, VAD, the beamformers).

The failures these tests pin down, each in a few lines (the packages are never imported here):
asteroid's `serialize()` stores `torch.__version__` in its model package. nn.save wrote nn's TorchVersion under
nn's module name (a file PyTorch reads only with nn importable), and nn.load refused PyTorch's
`torch.torch_version.TorchVersion` even after the ported `add_safe_globals([nn.torch_version.TorchVersion])`, so
`from_pretrained` of a PyTorch-written package failed. asteroid's `BatchNorm` (norm_type "bN", DCUNet's complex
batch norm) subclasses `_BatchNorm` with its own `_check_input_dim` (2-D to 4-D): nn's forward ignored it and
refused every input in broken words ("BatchNorm expects a  input"). DCCRNet passes a NumPy integer as an LSTM's
input_size: PyTorch refuses it ("input_size should be of type int, got: int64"), nn built the layer. The
beamformers (MVDR, SDW-MWF, GEV) solve, invert, factor and diagonalise complex Hermitian matrices: nn's
`linalg.solve`, `inv`, `cholesky` and `eigh` took only real ones (and `cholesky` had no `out=`); an eigh gradient
that depends on the eigenvectors' phases is refused in PyTorch's words.
"""
import io
import zipfile

import numpy as np
import pytest

import nn
from nn.modules.batchnorm import _BatchNorm


# ---- the version string in a weight file (asteroid's serialize() / from_pretrained) -------------------------------

def test_save_writes_the_version_as_pytorchs_class():
    buf = io.BytesIO()
    nn.save({"torch_version": nn.__version__}, buf)
    data = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("archive/data.pkl")
    assert b"torch.torch_version\nTorchVersion" in data and b"nn.torch_version" not in data
    back = nn.load(io.BytesIO(buf.getvalue()), weights_only=False)["torch_version"]
    assert type(back) is nn.torch_version.TorchVersion and back == nn.__version__ and back >= "2.0"


def _file_naming_pytorchs_version():
    """A torch.save file of {'v': torch.__version__} as PyTorch writes it (its pickle by hand)."""
    buf = io.BytesIO()
    nn.save({"v": "x"}, buf)
    pkl = (b"\x80\x02}q\x00X\x01\x00\x00\x00vq\x01ctorch.torch_version\nTorchVersion\nq\x02"
           b"X\x06\x00\x00\x002.13.0q\x03\x85q\x04\x81q\x05s.")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for name in src.namelist():
            dst.writestr(name, pkl if name.endswith("data.pkl") else src.read(name))
    return out.getvalue()


def test_an_allowed_nn_global_admits_its_pytorch_name():
    raw = _file_naming_pytorchs_version()
    with pytest.raises(Exception, match="torch.torch_version.TorchVersion"):
        nn.load(io.BytesIO(raw))                     # weights-only: refused, as PyTorch's, until it is allowed
    with nn.serialization.safe_globals([nn.torch_version.TorchVersion]):
        v = nn.load(io.BytesIO(raw))["v"]
    assert type(v) is nn.torch_version.TorchVersion and v == "2.13.0"


def test_version_files_cross_with_pytorch():
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    nn.save({"v": nn.__version__}, buf)
    buf.seek(0)
    assert type(torch.load(buf, weights_only=False)["v"]) is torch.torch_version.TorchVersion
    buf = io.BytesIO()
    torch.save({"v": torch.__version__}, buf)
    with nn.serialization.safe_globals([nn.torch_version.TorchVersion]):
        assert nn.load(io.BytesIO(buf.getvalue()))["v"] == str(torch.__version__)


# ---- a _BatchNorm subclass with its own _check_input_dim (asteroid's BatchNorm, 2-D to 4-D) -----------------------

class _AnyDimBatchNorm(_BatchNorm):
    def _check_input_dim(self, input):
        if input.dim() < 2 or input.dim() > 4:
            raise ValueError("expected 4D or 3D input (got {}D input)".format(input.dim()))


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 4, 5)])
def test_batchnorm_subclass_checks_dims_by_its_own_method(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    y = _AnyDimBatchNorm(3).double()(nn.tensor(x))
    axes = tuple(i for i in range(len(shape)) if i != 1)
    expected = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-12, atol=1e-12)


def test_batchnorm_subclass_refusal_and_the_bare_base():
    with pytest.raises(ValueError, match=r"expected 4D or 3D input \(got 5D input\)"):
        _AnyDimBatchNorm(3)(nn.zeros(2, 3, 2, 2, 2))
    with pytest.raises(NotImplementedError):        # PyTorch's _NormBase._check_input_dim
        _BatchNorm(3)(nn.zeros(2, 3))


# ---- the recurrent layers' type checks (DCCRNet passes a NumPy integer input_size) --------------------------------

@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_recurrent_sizes_must_be_python_ints(cls):
    layer = getattr(nn, cls)
    with pytest.raises(TypeError, match="^input_size should be of type int, got: int64$"):
        layer(np.int64(3), 4)
    with pytest.raises(TypeError, match="^hidden_size should be of type int, got: int64$"):
        layer(3, np.int64(4))
    with pytest.raises(TypeError, match="^input_size should be of type int, got: float$"):
        layer(3.0, 4)
    with pytest.raises(TypeError, match="^bias should be of type bool, got: int$"):
        layer(3, 4, bias=1)
    with pytest.raises(TypeError, match="^batch_first should be of type bool, got: str$"):
        layer(3, 4, batch_first="yes")
    with pytest.raises(ValueError, match="^input_size must be greater than zero$"):
        layer(0, 4)
    assert layer(3, 4, np.int64(2)).num_layers == 2        # num_layers is not type-checked, as PyTorch's


# ---- complex linear algebra (asteroid's MVDR / SDW-MWF / GEV beamformers) -----------------------------------------

_rng = np.random.default_rng(7)
_M = _rng.standard_normal((2, 3, 3)) + 1j * _rng.standard_normal((2, 3, 3))
_HERM = _M @ np.conj(np.swapaxes(_M, -1, -2)) + 3 * np.eye(3)
_B = _rng.standard_normal((2, 3, 2)) + 1j * _rng.standard_normal((2, 3, 2))


def _loss_and_grads(fn, *arrays, weight_seed=1):
    """Re(sum(W * fn(*xs))) for a fixed complex W -> (its value function of arrays, the gradients nn gives)."""
    xs = [nn.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*xs)
    rng = np.random.default_rng(weight_seed)
    W = rng.standard_normal(tuple(y.shape)) + (1j * rng.standard_normal(tuple(y.shape)) if y.is_complex() else 0)

    def value(*arrs):
        return float(np.real(np.sum(W * fn(*[nn.tensor(a) for a in arrs]).detach().numpy())))
    (y * nn.tensor(W)).real.sum().backward() if y.is_complex() else (y * nn.tensor(W)).sum().backward()
    return value, [x.grad.numpy() for x in xs]


def _directional(value, arrays, i, direction, eps=1e-6):
    plus = [a + eps * direction if j == i else a for j, a in enumerate(arrays)]
    minus = [a - eps * direction if j == i else a for j, a in enumerate(arrays)]
    return (value(*plus) - value(*minus)) / (2 * eps)


def _random_direction(shape, seed, hermitian=False):
    rng = np.random.default_rng(seed)
    E = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return E + np.conj(np.swapaxes(E, -1, -2)) if hermitian else E


def test_complex_solve_and_inv_values_and_gradients():
    X = nn.linalg.solve(nn.tensor(_M), nn.tensor(_B))
    assert X.dtype == nn.complex128
    np.testing.assert_allclose(X.numpy(), np.linalg.solve(_M, _B), rtol=1e-13)
    np.testing.assert_allclose(nn.linalg.inv(nn.tensor(_M)).numpy(), np.linalg.inv(_M), rtol=1e-13)
    for fn, arrays in ((nn.linalg.solve, (_M, _B)), (nn.linalg.inv, (_M,)),
                       (lambda a, b: nn.linalg.solve(a, b[..., 0]), (_M, _B))):
        value, grads = _loss_and_grads(fn, *arrays)
        for i, g in enumerate(grads):           # PyTorch's convention: dL = Re(sum(conj(g) dz))
            E = _random_direction(arrays[i].shape, 10 + i)
            np.testing.assert_allclose(np.real(np.sum(np.conj(g) * E)), _directional(value, arrays, i, E),
                                       rtol=1e-7)


def test_complex_cholesky_value_gradient_and_out():
    L = nn.linalg.cholesky(nn.tensor(_HERM))
    expected = np.linalg.cholesky(_HERM)
    np.testing.assert_allclose(L.numpy(), expected, rtol=1e-13)
    np.testing.assert_allclose(nn.linalg.cholesky(nn.tensor(_HERM), upper=True).numpy(),
                               np.conj(np.swapaxes(expected, -1, -2)), rtol=1e-13)
    out = nn.empty(2, 3, 3, dtype=nn.complex128)
    assert nn.linalg.cholesky(nn.tensor(_HERM), out=out) is out
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-13)
    value, (g,) = _loss_and_grads(nn.linalg.cholesky, _HERM)
    E = _random_direction(_HERM.shape, 3, hermitian=True)          # along Hermitian matrices
    np.testing.assert_allclose(np.real(np.sum(np.conj(g) * E)), _directional(value, [_HERM], 0, E), rtol=1e-7)


def test_complex_eigh_real_eigenvalues_and_gradients():
    w, V = nn.linalg.eigh(nn.tensor(_HERM))
    assert w.dtype == nn.float64 and V.dtype == nn.complex128
    np.testing.assert_allclose(w.numpy(), np.linalg.eigvalsh(_HERM), rtol=1e-13)
    np.testing.assert_allclose((V @ nn.diag_embed(w.to(nn.complex128)) @ V.mH).numpy(), _HERM, rtol=1e-12)
    assert nn.linalg.eigvalsh(nn.tensor(_HERM)).dtype == nn.float64
    # eigenvalues, and |V|^2 (independent of each eigenvector's phase)
    for fn in (lambda a: nn.linalg.eigvalsh(a), lambda a: nn.linalg.eigh(a)[1].abs() ** 2):
        value, (g,) = _loss_and_grads(fn, _HERM)
        E = _random_direction(_HERM.shape, 4, hermitian=True)
        np.testing.assert_allclose(np.real(np.sum(np.conj(g) * E)), _directional(value, [_HERM], 0, E), rtol=1e-6)


def test_complex_eigh_refuses_a_phase_dependent_loss():
    V = nn.linalg.eigh(nn.tensor(_HERM, requires_grad=True))[1]
    with pytest.raises(RuntimeError, match=r"^linalg_eigh_backward: The eigenvectors in the complex case are "
                                           r"specified up to multiplication by e\^\{i phi\}\. The specified loss "
                                           r"function depends on this quantity, so it is ill-defined\.$"):
        V.real.sum().backward()


def test_complex_linalg_against_pytorch():
    torch = pytest.importorskip("torch")
    for name, args in (("solve", (_M, _B)), ("inv", (_M,)), ("cholesky", (_HERM,))):
        ours, theirs = _loss_and_grads(getattr(nn.linalg, name), *args)[1], []
        ts = [torch.tensor(a, requires_grad=True) for a in args]
        y = getattr(torch.linalg, name)(*ts)
        rng = np.random.default_rng(1)               # the W of _loss_and_grads
        Wt = rng.standard_normal(tuple(y.shape)) + 1j * rng.standard_normal(tuple(y.shape))
        (y * torch.tensor(Wt)).real.sum().backward()
        for a, t in zip(ours, ts):
            np.testing.assert_allclose(a, t.grad.numpy(), rtol=1e-12, atol=1e-14, err_msg=name)
