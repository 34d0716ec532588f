"""Adversarial attacks and k-means from the package registry: cleverhans 4.0.0 (its PyTorch part, cleverhans/torch)
and kmeans-pytorch 0.3 (installed with --no-deps; tqdm, not installed, as a name-only module on both sides), ported
by the porting rule (cleverhansp, kmeans_pytorchp) and run against the originals on PyTorch 2.13 in float64 (the
package's `.to(torch.float)` / `.float()` casts made the default dtype on both sides) and as shipped in float32, with
PyTorch's weights in an MLP and a small CNN and every draw handed over (`rand`, `randn`, `rand_like`,
`Tensor.uniform_` and `Laplace.sample` read one NumPy stream per side; kmeans' `np.random.choice` seeded alike):
fast_gradient_method, projected_gradient_descent, carlini_wagner_l2, spsa, hop_skip_jump_attack, sparse_l1_descent,
noise and semantic over norms, targeting, clipping, random starts and sanity checks (1280 configurations), the
model's inputs, logits and input gradients at every call compared; kmeans / kmeans_predict / pairwise_distance /
pairwise_cosine / initialize.

No failure was nn's: every attack agrees to rounding (CW to 1e-10 in float64 through NumPy's and PyTorch's tanh
differing by an ulp, amplified by Adam's normalisation of gradients of 1e-7). These tests pin the package's idioms
that nn runs as PyTorch does; the first broke for a few minutes during the round's concurrent edits of nn's
reductions (``torch.sum(x.grad ** 2, dims, keepdim=True)``, cleverhans' optimize_linear for the L2 norm, was
refused as "argument 'input' (position 1) must be Tensor, not DataArray"), so every L2 attack failed.
"""
import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


def _grad_of(x0):
    """x0's gradient of a fixed loss, as fast_gradient_method takes it: the leaf's .grad after backward()."""
    x = nn.tensor(x0, requires_grad=True)
    (x ** 3).sum().backward()
    return x.grad


def test_optimize_linear_l2_reduces_a_leafs_grad():
    # cleverhans/torch/utils.py optimize_linear(grad, eps, norm=2) on x.grad (PyTorch 2.13: the direction
    # grad / ||grad|| per sample, of norm 1, then scaled by eps)
    x0 = np.array([[[1.0, -2.0], [0.5, 0.0]], [[0.0, 0.0], [0.0, 0.0]]])
    grad = _grad_of(x0)
    red_ind = list(range(1, len(grad.size())))
    avoid_zero_div = nn.tensor(1e-12, dtype=grad.dtype)
    square = nn.max(avoid_zero_div, nn.sum(grad ** 2, red_ind, keepdim=True))
    opt = grad / nn.sqrt(square)
    norm = opt.pow(2).sum(dim=red_ind, keepdim=True).sqrt()
    one_mask = (square <= avoid_zero_div).to(nn.float) * norm + (square > avoid_zero_div).to(nn.float)
    assert nn.allclose(norm, one_mask, rtol=1e-05, atol=1e-08)
    g = 3 * x0 ** 2
    expected = g / np.sqrt(np.maximum(1e-12, (g ** 2).sum(axis=(1, 2), keepdims=True)))
    np.testing.assert_allclose(_f(0.3 * opt), 0.3 * expected, rtol=1e-15)
    assert tuple(square.shape) == (2, 1, 1) and square.dtype == nn.float64


def test_sparse_l1_step_keeps_pytorchs_percentile_ties_and_l1_ball():
    # sparse_l1_descent's step: kthvalue(keepdim=True) of |grad| per row, ties kept by ge(...).int().float(), the
    # perturbation renorm'ed into the L1 ball (PyTorch 2.13's values below; renorm scales by maxnorm / (norm + 1e-7))
    g = nn.tensor([[0.1, -0.5, 0.3, 0.2], [0.0, 0.2, -0.2, 0.1]], dtype=nn.float64)
    percentile, _ = nn.kthvalue(g.abs(), 2, keepdim=True)
    np.testing.assert_array_equal(_f(percentile), [[0.2], [0.1]])
    tied = nn.ge(g.abs(), percentile.repeat(1, 4)).int().float()
    assert tied.dtype == nn.float32
    np.testing.assert_array_equal(_f(tied), [[0, 1, 1, 1], [0, 1, 1, 1]])
    eta = nn.tensor([[3.0, -1.0], [0.5, 0.25]], dtype=nn.float64).renorm(p=1, dim=0, maxnorm=2.0)
    np.testing.assert_allclose(_f(eta), [[3 * 2 / (4 + 1e-7), -2 / (4 + 1e-7)], [0.5, 0.25]], rtol=1e-15)


def test_kmeans_centre_update_of_one_and_of_no_point():
    # kmeans_pytorch's update: selected = nonzero(choice == k).squeeze(); index_select(X, 0, selected).mean(0);
    # one point gives a 0-d index (one row), none an empty one (a NaN centre), as PyTorch 2.13
    X = nn.arange(6.0, dtype=nn.float64).view(3, 2)
    one = nn.nonzero(nn.tensor([False, True, False])).squeeze()
    assert tuple(one.shape) == ()
    np.testing.assert_array_equal(_f(nn.index_select(X, 0, one)), [[2.0, 3.0]])
    none = nn.nonzero(nn.tensor([False, False, False])).squeeze()
    assert tuple(none.shape) == (0,)
    assert np.isnan(_f(nn.index_select(X, 0, none).mean(dim=0))).all()


def test_matches_pytorch_where_installed():
    torch = pytest.importorskip("torch")
    x0 = np.random.RandomState(0).randn(3, 2, 2)
    xt = torch.tensor(x0, requires_grad=True)
    (xt ** 3).sum().backward()
    theirs = torch.sum(xt.grad ** 2, [1, 2], keepdim=True)
    ours = nn.sum(_grad_of(x0) ** 2, [1, 2], keepdim=True)
    np.testing.assert_allclose(_f(ours), theirs.numpy(), rtol=1e-15)
