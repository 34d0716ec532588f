"""A review of round 35's second half (area R2): `.data` indexing with Tensor indices, std's zero-safe backward, a
Sequential holding None and the spectral_norm / weight_norm submodules, run against PyTorch 2.13 and the tree before
the round side by side (28 index kinds x get / set / += x float / int / bool / complex parameters and buffers; std /
var / std_mean / var_mean over 8 inputs x 4 dtypes x 11 dim / correction forms, first and second derivatives).
No package is imported here.

- std's recorded backward (create_graph) took ``variance.sqrt()`` again and divided by it under a mask: the masked
  0 * inf made every second derivative of a row with std 0 NaN (PyTorch's: 0, from its std_backward's masked_fill).
- var's backward divided by the forward's max(N - correction, 0), so a correction above N gave NaN gradients:
  PyTorch's var_backward divides by N - correction itself with a dim (two elements, correction 3: 2 / -1, finite;
  N = correction: +-inf, NaN where x is the mean) and, with no dim, gives NaN where x is the mean and +inf elsewhere.
- ``from torch.nn.utils.spectral_norm import SpectralNorm`` (and weight_norm's ``WeightNorm``), the hook classes
  code looks for in ``module._forward_pre_hooks``, were missing; remove_spectral_norm / remove_weight_norm of a
  module without one raised nn's words, not PyTorch's ("spectral_norm of 'weight' not found in
  Linear(in_features=4, out_features=3, bias=True)").
"""
import itertools

import numpy as np
import pytest

import nn


def _grad2(x, f, w, w2):
    """d/dx of sum(w2 * g) with g = d sum(w * f(x)) / dx, by create_graph."""
    t = nn.tensor(x, requires_grad=True)
    g, = nn.autograd.grad((f(t) * nn.tensor(w)).sum(), t, create_graph=True)
    h, = nn.autograd.grad((g * nn.tensor(w2)).sum(), t)
    return np.asarray(g.detach()), np.asarray(h)


def test_std_second_derivative_is_zero_where_std_is_zero():
    # PyTorch 2.13: the constant row's first and second derivatives are 0; the other rows' second derivative is
    # finite differences of the first
    x = np.array([[0.3, -1.2, 2.0, 0.7], [5.0, 5.0, 5.0, 5.0]])
    w, w2 = np.array([0.7, -1.3]), np.array([[0.2, -0.5, 1.1, 0.4], [0.9, -0.3, 0.6, 1.5]])
    for f in (lambda t: nn.std(t, dim=1), lambda t: t.std(1, keepdim=True).squeeze(1),
              lambda t: nn.std_mean(t, dim=1, correction=0)[0]):
        g, h = _grad2(x, f, w, w2)
        assert np.all(g[1] == 0) and np.all(h[1] == 0)
        eps, fd = 1e-6, np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = eps
            fd[i] = ((_grad2(x + e, f, w, w2)[0] - _grad2(x - e, f, w, w2)[0]) * w2).sum() / (2 * eps)
        np.testing.assert_allclose(h[0], fd[0], rtol=1e-5, atol=1e-8)


def test_std_second_derivative_whole_zero_tensor():
    # std of an all-zero tensor (every dim): PyTorch's gradients of both orders are 0, not NaN
    g, h = _grad2(np.zeros((2, 3)), lambda t: t.std(), np.array(1.0), np.ones((2, 3)))
    assert np.all(g == 0) and np.all(h == 0)


_VAR_CASES = [
    # PyTorch 2.13, the gradient of var(x, **kw).sum() * -2 (by hand from its var_backward)
    (dict(dim=1, correction=3), [[3., 4.]], [[-2., 2.]]),                  # 2 / (2 - 3) * -2 * (x - 3.5)
    (dict(dim=1, correction=2.5), [[3., 4.]], [[-4., 4.]]),
    (dict(dim=(0, 1), correction=3), [[3., 4.]], [[-2., 2.]]),
    (dict(dim=1, correction=2), [[3., 4.]], [[np.inf, -np.inf]]),           # 2 / 0 = inf times -2 (x - mean)
    (dict(dim=1, correction=2), [[3.]], [[-0.]]),                           # 2 / -1 * -2 * 0
    (dict(correction=2), [[3., 4.]], [[-np.inf, -np.inf]]),                 # no dim: inf where x is not the mean
    (dict(correction=3), [[3., 3.]], [[np.nan, np.nan]]),                  # and NaN where it is
    (dict(correction=2), [[3.]], [[np.nan]]),
]


def test_var_gradient_with_correction_at_or_above_n():
    for (kw, x, grad), dtype in itertools.product(_VAR_CASES, (np.float64, np.float32)):
        t = nn.tensor(np.array(x, dtype=dtype), requires_grad=True)
        (nn.var(t, **kw) * -2).sum().backward()
        assert t.grad.dtype == dtype
        np.testing.assert_array_equal(np.asarray(t.grad), np.array(grad, dtype=dtype))
        g, = nn.autograd.grad((nn.var(t, **kw) * -2).sum(), t, create_graph=True)
        np.testing.assert_array_equal(np.asarray(g.detach()), np.array(grad, dtype=dtype))


def test_spectral_and_weight_norm_hook_classes():
    from nn.utils.spectral_norm import SpectralNorm
    from nn.utils.weight_norm import WeightNorm
    m = nn.utils.spectral_norm(nn.Linear(4, 3))
    hooks = [h for h in m._forward_pre_hooks.values() if isinstance(h, SpectralNorm)]
    assert len(hooks) == 1 and hooks[0].name == "weight" and hooks[0].dim == 0 and hooks[0].n_power_iterations == 1
    m.eval()
    np.testing.assert_allclose(np.asarray(hooks[0].compute_weight(m, False).detach()), np.asarray(m(nn.eye(4)).detach()
                               - m.bias.detach()).T, rtol=1e-6)
    lin = nn.Linear(4, 3)
    hook = WeightNorm.apply(lin, "weight", 0)
    assert isinstance(hook, WeightNorm) and sorted(dict(lin.named_parameters())) == ["bias", "weight_g", "weight_v"]
    np.testing.assert_allclose(np.asarray(hook.compute_weight(lin).detach()), np.asarray(lin.weight_v.detach()),
                               rtol=1e-6)
    hook = SpectralNorm.apply(nn.Linear(4, 3), "weight", 2, 0, 1e-12)      # (module, name, n_power_iterations, dim, eps)
    assert isinstance(hook, SpectralNorm) and hook.n_power_iterations == 2 and hook.eps == 1e-12


def test_norm_hook_errors_in_pytorch_words():
    m = nn.Linear(4, 3)
    with pytest.raises(ValueError, match=r"^spectral_norm of 'weight' not found in Linear\(in_features=4, "
                                         r"out_features=3, bias=True\)$"):
        nn.utils.remove_spectral_norm(m)
    with pytest.raises(ValueError, match=r"^weight_norm of 'weight' not found in Linear\(in_features=4, "):
        nn.utils.remove_weight_norm(m)


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([[0.3, -1.2, 2.0, 0.7], [5.0, 5.0, 5.0, 5.0]])
    w2 = np.array([[0.2, -0.5, 1.1, 0.4], [0.9, -0.3, 0.6, 1.5]])
    out = []
    for T in (torch, nn):
        t = T.tensor(x, requires_grad=True)
        g, = T.autograd.grad(T.std(t, dim=1).sum(), t, create_graph=True)
        h, = T.autograd.grad((g * T.tensor(w2)).sum(), t)
        out.append(np.asarray(h.detach()))
    np.testing.assert_allclose(out[1], out[0], rtol=1e-12, atol=1e-15)
