"""Person re-identification and self-supervised learning from the package registry: torchreid 0.2.5 (its sdist; the
Cython rank metric's Python fallback) and solo-learn 1.0.2 (its wheel; torchmetrics 0.9.3 for its k-NN metric,
with lightning-utilities 0.15.3 and setuptools 75.8), ported by the porting rule (torchreidp, solop, torchmetricsp)
and run against the originals on PyTorch 2.13 in one process, in float64, with PyTorch's weights (perturbed)
loaded into nn's and the draws handed over (dropout masks, randn / randperm of the queues, memory banks, k-means
and W-MSE): torchreid's 30 models (OSNet, OSNet-AIN, OSNet-IBN, HACNN, MLFN, PCB, MuDeep, ResNet-mid, the
ResNets / SE-ResNets / ResNeXt / IBN, DenseNet, Xception, Inception-v4, NASNet, MobileNetV2, ShuffleNet v1/v2,
SqueezeNet) forward / backward / optimizer steps / eval, its losses, metrics (distances, CMC / mAP, re-ranking),
optimizer and scheduler builders (RAdam too), both engines with a fake data manager, checkpoints across the two
libraries and FeatureExtractor; solo-learn's twelve losses, its utilities (LARS, momentum updater, Sinkhorn-Knopp,
whitening, k-means, k-NN) and fifteen methods on a tiny ResNet (torchvision, timm, pl_bolts and Lightning as
name-only stand-ins on both sides): everything agrees to PyTorch's own sensitivity (docs/pytorch_compatibility.md).

The failures of nn these tests pin down (the packages are not imported here):

- solo-learn's Whitening2d (W-MSE) calls ``torch.cholesky(f_cov)`` and ``torch.triangular_solve(eye, L,
  upper=False)``: PyTorch 2.13 gives each its deprecation UserWarning once per process (cholesky's out= form its
  own); nn gave none. ``torch.cholesky(A, True)`` takes upper positionally (nn.cholesky was linalg.cholesky,
  keyword-only: a TypeError), and the older form's errors name ``cholesky:``, not ``linalg.cholesky:``.
- torchreid's models given one image (C, H, W) fail in their first BatchNorm2d: PyTorch's words are
  "expected 4D input (got 3D input)"; nn's were its own ("BatchNorm2d expects a 4-D input (N, C, H, W), got shape
  ..."). The batch norms' and instance norms' forwards now raise PyTorch's words (their ``_check_input_dim``'s).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.linalg

_CHOLESKY_WORDS = (
    "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch release.\n"
    "L = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\n"
    "U = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
    "This transform will produce equivalent results for all valid (symmetric positive definite) inputs.")
_TRIANGULAR_SOLVE_WORDS = (
    "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand will be removed in a future "
    "PyTorch release.\ntorch.linalg.solve_triangular has its arguments reversed and does not return a copy of one of "
    "the inputs.\nX = torch.triangular_solve(B, A).solution\nshould be replaced with\n"
    "X = torch.linalg.solve_triangular(A, B).")


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


# ---- the older torch.cholesky / torch.triangular_solve: solo-learn's Whitening2d --------------------------------

def _whitening2d(x, output_dim, eps=0.0):
    # solo/utils/whitening.py, Whitening2d.forward, ported
    x = x.unsqueeze(2).unsqueeze(3)
    m = x.mean(0).view(output_dim, -1).mean(-1).view(1, -1, 1, 1)
    xn = x - m
    T = xn.permute(1, 0, 2, 3).contiguous().view(output_dim, -1)
    f_cov = nn.mm(T, T.permute(1, 0)) / (T.shape[-1] - 1)
    eye = nn.eye(output_dim).type(f_cov.type())
    f_cov_shrinked = (1 - eps) * f_cov + eps * eye
    inv_sqrt = nn.triangular_solve(eye, nn.cholesky(f_cov_shrinked), upper=False)[0]
    inv_sqrt = inv_sqrt.contiguous().view(output_dim, output_dim, 1, 1)
    decorrelated = nn.functional.conv2d(xn, inv_sqrt)
    return decorrelated.squeeze(2).squeeze(2)


def test_whitening_warns_as_pytorch_once_each(monkeypatch):
    monkeypatch.setattr(nn.linalg, "_OLDER_WARNED", set())
    x = nn.tensor(np.random.default_rng(0).standard_normal((16, 4)), requires_grad=True)
    y, words = _caught(lambda: _whitening2d(x, 4))
    assert words == [_CHOLESKY_WORDS, _TRIANGULAR_SOLVE_WORDS]
    # whitened: the covariance of the output is the identity; the gradient flows through both solves
    z = y.detach().numpy()
    np.testing.assert_allclose(np.cov(z.T), np.eye(4), atol=1e-12)
    (y * nn.tensor(np.arange(64.0).reshape(16, 4))).sum().backward()
    assert np.isfinite(x.grad.numpy()).all() and np.abs(x.grad.numpy()).max() > 0
    _, words = _caught(lambda: _whitening2d(x, 4, eps=0.1))        # once per process, as TORCH_WARN_ONCE
    assert words == []


def test_older_cholesky_takes_upper_positionally_and_names_itself(monkeypatch):
    monkeypatch.setattr(nn.linalg, "_OLDER_WARNED", set())
    a = nn.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=nn.float64)
    U, words = _caught(lambda: nn.cholesky(a, True))
    np.testing.assert_allclose(U.numpy(), [[2.0, 1.0], [0.0, np.sqrt(2.0)]], rtol=1e-15)
    assert words == [_CHOLESKY_WORDS]
    L, words = _caught(lambda: a.cholesky(upper=False))               # the method: the same kernel, warned already
    np.testing.assert_allclose(L.numpy(), [[2.0, 0.0], [1.0, np.sqrt(2.0)]], rtol=1e-15)
    assert words == []
    out = nn.empty(2, 2, dtype=nn.float64)
    _, words = _caught(lambda: nn.cholesky(a, out=out))             # the out= form: its own kernel, its own warning
    assert words == [_CHOLESKY_WORDS]
    np.testing.assert_allclose(out.numpy(), L.numpy(), rtol=0)
    with pytest.raises(RuntimeError) as info:                       # (PyTorch's _LinAlgError is a RuntimeError)
        nn.cholesky(-a)
    assert str(info.value) == ("cholesky: The factorization could not be completed because the input is not "
                               "positive-definite (the leading minor of order 1 is not positive-definite).")
    with pytest.raises(RuntimeError, match=r"^cholesky: A must be batches of square matrices, but they are 2 by 3 "
                                           r"matrices$"):
        nn.cholesky(nn.ones(2, 3, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"^linalg\.cholesky: "):  # linalg.cholesky keeps its own name, quietly
        nn.linalg.cholesky(-a)


def test_triangular_solve_method_warns_once(monkeypatch):
    monkeypatch.setattr(nn.linalg, "_OLDER_WARNED", set())
    a = nn.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=nn.float64)
    (X, A), words = _caught(lambda: a.triangular_solve(a, upper=True))
    np.testing.assert_allclose(X.numpy(), [[2 / 3, 0.0], [2 / 3, 1.0]], rtol=1e-15)
    np.testing.assert_array_equal(A.numpy(), a.numpy())
    assert words == [_TRIANGULAR_SOLVE_WORDS]
    (X, _), words = _caught(lambda: nn.triangular_solve(nn.eye(2, dtype=nn.float64), a, upper=False, transpose=True))
    np.testing.assert_allclose(X.numpy(), [[0.25, -1 / 6], [0.0, 1 / 3]], rtol=1e-15)
    assert words == []


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_older_forms_against_pytorch(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(nn.linalg, "_OLDER_WARNED", set())
    r = np.random.default_rng(1).standard_normal((5, 5))
    spd = r @ r.T + 5 * np.eye(5)
    for upper in (False, True):
        theirs = torch.cholesky(torch.tensor(spd), upper)
        ours = nn.cholesky(nn.tensor(spd), upper)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-13, atol=1e-15)
    b = np.random.default_rng(2).standard_normal((5, 3))
    for upper, transpose, unit in ((False, False, False), (True, True, False), (False, True, True)):
        t = torch.triangular_solve(torch.tensor(b), torch.tensor(spd), upper, transpose, unit)[0]
        o = nn.triangular_solve(nn.tensor(b), nn.tensor(spd), upper, transpose, unit)[0]
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-12, atol=1e-14)


# ---- the batch and instance norms' dims checks in PyTorch's words: torchreid's models given one image -------------

_WRONG_DIMS = [(nn.BatchNorm1d, (3,), "expected 2D or 3D input (got 1D input)"),
               (nn.BatchNorm1d, (2, 3, 4, 5), "expected 2D or 3D input (got 4D input)"),
               (nn.BatchNorm2d, (3, 8, 4), "expected 4D input (got 3D input)"),
               (nn.BatchNorm2d, (1, 3, 2, 2, 2), "expected 4D input (got 5D input)"),
               (nn.BatchNorm3d, (2, 3, 4, 5), "expected 5D input (got 4D input)"),
               (nn.LazyBatchNorm2d, (3, 4, 4), "expected 4D input (got 3D input)"),
               (nn.InstanceNorm1d, (3,), "expected 2D or 3D input (got 1D input)"),
               (nn.InstanceNorm2d, (3, 4), "expected 3D or 4D input (got 2D input)"),
               (nn.InstanceNorm2d, (1, 3, 2, 2, 2), "expected 3D or 4D input (got 5D input)"),
               (nn.InstanceNorm3d, (2, 3, 4), "expected 4D or 5D input (got 3D input)"),
               (nn.LazyInstanceNorm2d, (2, 3), "expected 3D or 4D input (got 2D input)")]


@pytest.mark.parametrize("cls, shape, words", _WRONG_DIMS)
def test_norm_layers_refuse_wrong_dims_in_pytorchs_words(cls, shape, words):
    with pytest.raises(ValueError) as info:
        cls(3)(nn.zeros(shape))
    assert str(info.value) == words


def test_reid_model_given_one_image():
    # torchreid's OSNet-style stem (ConvLayer: conv, BatchNorm2d, ReLU) in eval, handed x[0] instead of x
    class ConvLayer(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
            self.bn = nn.BatchNorm2d(4)

        def forward(self, x):
            return nn.functional.relu(self.bn(self.conv(x)))

    model = ConvLayer().eval()
    assert tuple(model(nn.zeros(2, 3, 8, 4)).shape) == (2, 4, 8, 4)
    with pytest.raises(ValueError, match=r"^expected 4D input \(got 3D input\)$"):
        model(nn.zeros(3, 8, 4))                                    # the conv takes it; the batch norm does not


def test_norm_words_against_pytorch():
    torch = pytest.importorskip("torch")
    for cls, shape, _ in _WRONG_DIMS:
        theirs = getattr(torch.nn, cls.__name__)(3)
        with pytest.raises(ValueError) as expected:
            theirs(torch.zeros(shape))
        with pytest.raises(ValueError) as got:
            cls(3)(nn.zeros(shape))
        assert str(got.value) == str(expected.value)
