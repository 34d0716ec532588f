"""Compressive-memory transformers, a transformer GAN, pixel-level contrastive learning and Kolmogorov-Arnold
networks from the package registry: infini-transformer-pytorch 0.2.1 (with rotary-embedding-torch 0.9.1),
transganformer 0.0.17, pixel-level-contrastive-learning 0.1.1 and TorchKAN 0.1.1 (its wheel and sdist hold no
code: the model files of its repository, 1ssb/torchkan, KAN / KAL_Net / KAC_Net / KANvolver / Legendvolver /
Polyvolver / LinearKAN / efficient-KAN's KANLinear / Lazy_KAN), ported by the porting rule (each renamed with a
trailing p; kornia and torchvision name-only stand-ins on both sides) and run against the originals on PyTorch 2.13
in one process, in float64, with PyTorch's weights (perturbed) loaded into nn's and the draws handed over (torch's
randn / rand / randint / uniform_ / dropout masks and Python's random): Infini-Transformer's segments with carried
and detached memories, the delta rule, the kv cache, the wrapper's segment losses with backward inside and its
generate; TransGANformer's generator, discriminator, gradient penalty, augmentations and its Trainer (steps, EMA,
checkpoints across the two libraries); PixelCL (PixPro and pixel contrast, the momentum encoder); the KANs'
forward / backward / Adam steps / eval and efficient-KAN's update_grid: everything agrees to PyTorch's own
sensitivity (docs/pytorch_compatibility.md).

The failure of nn these tests pin down (the packages are not imported here):

- efficient-KAN's ``curve2coeff`` (TorchKAN's model.py: ``update_grid`` and every KANLinear's init) fits spline
  coefficients by ``torch.linalg.lstsq(A, B)`` of B-spline bases, whose leading columns are empty when no sample
  falls in the first knot spans. PyTorch's default driver, gelsy, gets an uninitialised ``jpvt`` workspace
  (``at::empty``; a permutation, so nonzero, after the first matrix of a batch): LAPACK then fixes every column
  in place, R is unpivoted and an empty or dependent leading column ends the rank there (rank 0, zero
  coefficients). nn took the SVD's minimum-norm solution (other coefficients, rank = A's). nn's gelsy is now
  LAPACK's with every column fixed; the other drivers give PyTorch's residuals / rank / singular_values, the
  gradient is pinv(A)'s whatever the driver and rcond (nn's followed rcond), and a bad driver or mixed dtypes
  give PyTorch's words.
"""
import numpy as np
import pytest

import nn


def _t(a, grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# ---- efficient-KAN's curve2coeff (TorchKAN model.py) --------------------------------------------------------------

def _b_splines(x, grid, spline_order):
    # KANLinear.b_splines, ported
    x = x.unsqueeze(-1)
    bases = ((x >= grid[:, :-1]) & (x < grid[:, 1:])).to(x.dtype)
    for k in range(1, spline_order + 1):
        bases = ((x - grid[:, : -(k + 1)]) / (grid[:, k:-1] - grid[:, : -(k + 1)]) * bases[:, :, :-1]) + \
                ((grid[:, k + 1:] - x) / (grid[:, k + 1:] - grid[:, 1:(-k)]) * bases[:, :, 1:])
    return bases.contiguous()


def _curve2coeff_inputs():
    # a KANLinear(2, 1, grid_size=3, spline_order=1): no sample in the first knot span of either input
    grid = (nn.arange(-1, 5) * (2 / 3) - 1).expand(2, -1).contiguous()
    x = _t([[0.1, 0.5], [0.3, 0.9], [0.7, -0.2], [0.95, 0.4]])
    y = _t([[[1.0], [2.0]], [[0.5], [1.0]], [[-1.0], [0.0]], [[2.0], [3.0]]])
    return _b_splines(x, grid, 1).transpose(0, 1), y.transpose(0, 1)


def test_curve2coeff_with_an_empty_leading_basis_column_is_pytorchs():
    A, B = _curve2coeff_inputs()
    assert (A[:, :, 0].numpy() == 0).all()
    out = nn.linalg.lstsq(A, B)
    # PyTorch 2.13: rank [0, 0] and zero coefficients (gelsy meets the empty column first and stops)
    assert out.rank.tolist() == [0, 0] and out.rank.dtype == nn.int64
    np.testing.assert_array_equal(out.solution.numpy(), np.zeros((2, 4, 1)))
    torch = pytest.importorskip("torch")
    # (a call's first matrix reads PyTorch's uninitialised jpvt, which may pivot it: compared from the second on)
    a, b = torch.tensor(A.numpy()), torch.tensor(B.numpy())
    theirs = torch.linalg.lstsq(torch.cat([a[:1], a]), torch.cat([b[:1], b]))
    assert theirs.rank[1:].tolist() == [0, 0]
    np.testing.assert_array_equal(out.solution.numpy(), theirs.solution[1:].numpy())


def test_gelsy_stops_at_a_dependent_leading_column_and_keeps_the_minimum_norm_of_the_rest():
    # column 1 is zero: the unpivoted R has rank 1; the rank-1 system r1 . x = (Q^T b)_1 with r1 = c0^T A / |c0|
    # = [14, 0, 6] / sqrt(14) and (Q^T b)_1 = 17 / sqrt(14), solved for the least norm: x = 17 / 232 [14, 0, 6]
    A = _t([[1, 0, 1], [2, 0, 1], [3, 0, 1]])
    b = _t([[1], [2], [4]])
    out = nn.linalg.lstsq(A, b)
    assert out.rank.item() == 1
    np.testing.assert_allclose(out.solution.numpy().ravel(), 17 / 232 * np.array([14, 0, 6]), rtol=1e-13)
    # a dependent trailing column leaves the minimum-norm solution (the SVD's)
    a = np.random.default_rng(0).standard_normal((6, 3))
    a[:, 2] = a[:, 0] - a[:, 1]
    rhs = np.random.default_rng(1).standard_normal((6, 2))
    out = nn.linalg.lstsq(_t(a), _t(rhs))
    assert out.rank.item() == 2
    np.testing.assert_allclose(out.solution.numpy(), np.linalg.lstsq(a, rhs, rcond=None)[0], atol=1e-12)


def test_lstsq_results_per_driver_are_pytorchs():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 5, 2))
    x_ls = np.linalg.lstsq(a[0], b[0], rcond=None)[0]
    res = ((a[0] @ x_ls - b[0]) ** 2).sum(0)
    for driver in ("gels", "gelsd", "gelss", "gelsy", None):
        out = nn.linalg.lstsq(_t(a), _t(b), driver=driver)
        np.testing.assert_allclose(out.solution.numpy()[0], x_ls, rtol=1e-12)
        if driver in ("gels", "gelsd", "gelss"):       # tall and full rank: residuals (..., k)
            np.testing.assert_allclose(out.residuals.numpy()[0], res, rtol=1e-12)
        else:
            assert tuple(out.residuals.shape) == (0,)
        assert tuple(out.rank.shape) == ((0,) if driver == "gels" else (2,)) and out.rank.dtype == nn.int64
        if driver in ("gelsd", "gelss"):
            np.testing.assert_allclose(out.singular_values.numpy(), np.linalg.svd(a, compute_uv=False), rtol=1e-12)
        else:
            assert tuple(out.singular_values.shape) == (0,)
    wide = nn.linalg.lstsq(_t(a.transpose(0, 2, 1)), _t(rng.standard_normal((2, 3, 1))), driver="gelsd")
    assert tuple(wide.residuals.shape) == (0,) and tuple(wide.singular_values.shape) == (2, 3)
    deficient = a[0].copy()
    deficient[:, 1] = deficient[:, 0]
    out = nn.linalg.lstsq(_t(deficient), _t(b[0]), driver="gelsd")   # rank 2 < 3: no residuals
    assert out.rank.item() == 2 and tuple(out.residuals.shape) == (0,)


def test_lstsq_gradient_is_pinvs_whatever_rcond():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((5, 3)) @ np.diag([1.0, 0.3, 0.01])
    b = rng.standard_normal((5, 2))
    A, B = _t(a, True), _t(b, True)
    out = nn.linalg.lstsq(A, B, rcond=0.05, driver="gelsd")   # cuts the third singular value out of the solution
    assert out.rank.item() == 2
    np.testing.assert_allclose(out.solution.detach().numpy(), np.linalg.lstsq(a, b, rcond=0.05)[0], rtol=1e-12)
    out.solution.sum().backward()
    A2, B2 = _t(a, True), _t(b, True)
    (nn.linalg.pinv(A2) @ B2).sum().backward()        # PyTorch's backward: pinv(A)'s, rcond or not
    np.testing.assert_allclose(A.grad.numpy(), A2.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(B.grad.numpy(), B2.grad.numpy(), rtol=1e-12)
    assert nn.gradcheck(lambda x, y: nn.linalg.lstsq(x, y).solution, (_t(a, True), _t(b, True)))


def test_lstsq_errors_are_pytorchs():
    with pytest.raises(RuntimeError, match=r"^torch\.linalg\.lstsq: parameter `driver` should be one of "
                                           r"\(gels, gelsy, gelsd, gelss\)$"):
        nn.linalg.lstsq(nn.ones(3, 2), nn.ones(3, 1), driver="gelsx")
    with pytest.raises(RuntimeError, match="^torch.linalg.lstsq: Expected input and other to have the same dtype, "
                                           "but got input's dtype Float and other's dtype Double$"):
        nn.linalg.lstsq(nn.ones(3, 2, dtype=nn.float32), nn.ones(3, 1, dtype=nn.float64))


def test_lstsq_against_pytorch_per_driver():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    for a in (rng.standard_normal((3, 6, 4)), rng.standard_normal((4, 2))):
        b = rng.standard_normal(a.shape[:-1] + (2,))
        for driver in ("gels", "gelsy", "gelsd", "gelss"):
            # (gelsy with a cutting rcond: PyTorch's first matrix depends on its uninitialised jpvt, pivoted or not)
            for rcond in ((None, 0.4) if driver in ("gelsd", "gelss") else (None,)):
                ours = nn.linalg.lstsq(_t(a), _t(b), rcond=rcond, driver=driver)
                theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), rcond=rcond, driver=driver)
                for name in ("solution", "residuals", "rank", "singular_values"):
                    x, y = getattr(ours, name).numpy(), getattr(theirs, name).numpy()
                    assert x.shape == y.shape and x.dtype == y.dtype, (driver, rcond, name)
                    np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12, err_msg=f"{driver} {rcond} {name}")
