"""torch names that real code calls and nn lacked: torch.poisson / binomial, histogramdd, constant_pad_nd,
nuclear_norm / frobenius_norm, the in-place celu_ / selu_ / rrelu_, Tensor.hardshrink / prelu, and Tensor's queries as functions (adjoint, is_conj,
get_device, the anomaly switch). Values by hand or NumPy; PyTorch 2.13's where it is installed."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck


def test_poisson_and_binomial_draws():
    nn.manual_seed(0)
    rates = nn.tensor([0.0, 1.0, 50.0] * 2000)
    draws = nn.poisson(rates).numpy().reshape(-1, 3)
    assert draws.dtype == np.float32 and (draws >= 0).all() and (draws == np.round(draws)).all()
    assert (draws[:, 0] == 0).all()
    np.testing.assert_allclose(draws.mean(0)[1:], [1.0, 50.0], rtol=0.05)
    with pytest.raises(RuntimeError, match="non-negative"):
        nn.poisson(nn.tensor([-1.0]))
    nn.manual_seed(0)
    a = nn.binomial(nn.tensor([10.0] * 4000), nn.tensor([0.3]))
    nn.manual_seed(0)
    b = nn.binomial(nn.tensor([10.0] * 4000), nn.tensor([0.3]))
    np.testing.assert_array_equal(a.numpy(), b.numpy())             # the same seed, the same draws
    assert a.numpy().max() <= 10 and abs(a.numpy().mean() - 3.0) < 0.15
    assert (nn.binomial(nn.tensor([7.0]), nn.tensor([1.0])).numpy() == 7).all()


def test_histogramdd_counts_weights_and_density():
    points = nn.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0]])
    hist, edges = nn.histogramdd(points, bins=[3, 3], weight=nn.tensor([1.0, 2.0, 4.0, 8.0]))
    np.testing.assert_array_equal(hist.numpy(), [[0, 1, 0], [2, 0, 0], [4, 0, 8]])
    np.testing.assert_allclose(edges[0].numpy(), [0, 2 / 3, 4 / 3, 2], rtol=1e-6)
    dens = nn.histogramdd(nn.tensor([[0.0, 1.0], [1.0, 0.0]]), bins=2, range=[0.0, 1.0, 0.0, 2.0], density=True)
    np.testing.assert_array_equal(dens.hist.numpy(), [[0, 1], [1, 0]])     # 1 / (2 points * area 0.5)
    np.testing.assert_array_equal(dens.bin_edges[1].numpy(), [0, 1, 2])


@pytest.mark.filterwarnings("ignore:.*nuclear_norm is deprecated")     # (PyTorch's, once per process)
def test_constant_pad_and_the_deprecated_norms():
    np.testing.assert_array_equal(nn.constant_pad_nd(nn.ones(1, 2), [1, 1], 3.0).numpy(), [[3, 1, 1, 3]])
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    assert nn.nuclear_norm(nn.eye(3)).item() == pytest.approx(3.0)
    np.testing.assert_allclose(nn.nuclear_norm(nn.tensor(a), dim=(1, 2)).numpy(),
                               np.linalg.svd(a, compute_uv=False).sum(-1), rtol=1e-12)
    np.testing.assert_allclose(nn.frobenius_norm(nn.tensor(a), dim=(1, 2), keepdim=True).numpy(),
                               np.sqrt((a ** 2).sum((1, 2), keepdims=True)), rtol=1e-12)
    x = nn.tensor(a, requires_grad=True)
    assert gradcheck(lambda t: nn.nuclear_norm(t, dim=(1, 2)), (x,))
    assert gradcheck(lambda t: nn.frobenius_norm(t, dim=(0, 2)), (x,))
    assert gradcheck(lambda t: nn.constant_pad_nd(t, [1, 2, 0, 1], 0.5), (x,))


def test_in_place_activations_and_methods():
    x = nn.tensor([-1.0, 2.0])
    out = F.selu_(x)
    assert out is x
    np.testing.assert_allclose(x.numpy(), [1.0507009873554805 * 1.6732632423543772 * (np.exp(-1) - 1),
                                           1.0507009873554805 * 2], rtol=1e-6)
    y = nn.tensor([-1.0, 2.0])
    nn.celu_(y, 2.0)
    np.testing.assert_allclose(y.numpy(), [2 * (np.exp(-0.5) - 1), 2.0], rtol=1e-6)
    z = nn.tensor([-1.0, 2.0])
    nn.rrelu_(z)                                      # not training: the mean slope (1/8 + 1/3) / 2
    np.testing.assert_allclose(z.numpy(), [-(1 / 8 + 1 / 3) / 2, 2.0], rtol=1e-6)
    np.testing.assert_array_equal(nn.tensor([-1.0, 0.2, 2.0]).hardshrink().numpy(), [-1, 0, 2])
    np.testing.assert_array_equal(nn.tensor([-1.0, 2.0]).prelu(nn.tensor([0.25])).numpy(), [-0.25, 2])


def test_tensor_queries_as_functions():
    t = nn.ones(2, 3)
    assert nn.get_device(t) == -1 and nn.is_conj(t) is False and nn.is_neg(t) is False
    assert nn.is_inference(t) is False and nn.adjoint(t).shape == (3, 2)
    before = nn.is_anomaly_enabled()
    try:
        nn.set_anomaly_enabled(True)
        assert nn.is_anomaly_enabled() and nn.is_anomaly_check_nan_enabled()
        nn.set_anomaly_enabled(True, check_nan=False)
        assert not nn.is_anomaly_check_nan_enabled()
    finally:
        nn.set_anomaly_enabled(before)
    assert nn.is_anomaly_enabled() == before


def test_as_pytorch():
    torch = pytest.importorskip("torch")
    pts = np.random.default_rng(1).uniform(0, 2, (50, 3))
    ours, theirs = nn.histogramdd(nn.tensor(pts), bins=[2, 3, 4]), torch.histogramdd(torch.tensor(pts), bins=[2, 3, 4])
    np.testing.assert_array_equal(ours.hist.numpy(), theirs.hist.numpy())
    for a, b in zip(ours.bin_edges, theirs.bin_edges):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    # (PyTorch's deprecation warning comes once per process unless warn_always: another test in this worker may
    # have called torch.nuclear_norm before)
    always = torch.is_warn_always_enabled()
    torch.set_warn_always(True)
    try:
        with pytest.warns(UserWarning):
            np.testing.assert_allclose(nn.nuclear_norm(nn.tensor(a), dim=(1, 2)).numpy(),
                                       torch.nuclear_norm(torch.tensor(a), dim=(1, 2)).numpy(), rtol=1e-12)
    finally:
        torch.set_warn_always(always)
    assert torch.get_device(torch.ones(1)) == nn.get_device(nn.ones(1))
