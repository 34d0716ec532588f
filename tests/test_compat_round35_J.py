"""The official Kolmogorov-Arnold network package: pykan 0.2.8 (import name kan; installed with --no-deps), ported by
the porting rule (kanp) and run against the original on PyTorch 2.13 in float64 with PyTorch's weights: the spline
utilities, KANLayer, Symbolic_KANLayer and SYMBOLIC_LIB, MultKAN (forward, update_grid, refine, fit with Adam and
its own LBFGS and the regularisers, attribute, prune / prune_node / prune_edge, fix_symbolic, suggest_symbolic,
auto_symbolic, symbolic_formula, saveckpt / loadckpt).

The failures these tests pin down, in a few lines (the package is not imported here):

- ``prune_node`` (and ``prune``) of a network with a symbolic layer raised IndexError ("too many indices for
  array"): Symbolic_KANLayer.get_subset reads ``self.mask.data[out_id][:, in_id]`` with out_id a
  ``torch.where(...)[0]`` of one element. PyTorch's ``.data`` is a Tensor and keeps the indexed dim ((1, n));
  nn's ``.data`` is a NumPy array, and NumPy reads a one-element integer Tensor through ``__index__`` as an
  integer, dropping the dim. ``.data`` now indexes (and assigns) with a Tensor's array.
- ``fit(opt="LBFGS")`` of a model with symbolic edges went NaN at its last step (PyTorch's stayed finite): the
  regulariser takes ``torch.std`` of a symbolic edge's spline part, which is all zeros. PyTorch's std backward is
  g / (2 std) masked to 0 where std is 0; nn's std was sqrt(var), whose 1 / (2 * 0) = inf times var's zero
  (x - mean) gave NaN in every gradient (0 * NaN in ``loss + lamb * reg`` even with lamb 0).
"""
import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- .data indexed by a one-element Tensor keeps the dim ------------------------------------------------------

def test_data_indexed_by_a_one_element_tensor_keeps_the_dim():
    # PyTorch 2.13: m = torch.ones(3, 2); m.data[torch.tensor([1])].shape -> (1, 2);
    # m.data[torch.tensor([1])][:, torch.tensor([0, 1])].shape -> (1, 2); m.data[:, torch.tensor([1])] -> (3, 1)
    m = nn.ones(3, 2)
    i = nn.tensor([1])
    assert m.data[i].shape == (1, 2)
    assert m.data[i][:, nn.tensor([0, 1])].shape == (1, 2)
    assert m.data[:, i].shape == (3, 1)
    # a 0-d tensor is an integer, a bool mask a mask, as in PyTorch
    assert m.data[nn.tensor(1)].shape == (2,)
    assert m.data[nn.tensor([True, False, True])].shape == (2, 2)


def test_pykan_symbolic_get_subset_mask_of_one_output():
    # Symbolic_KANLayer.get_subset: sbb.mask.data = self.mask.data[out_id][:, in_id] with out_id = tensor([0])
    # (one active node) and in_id = tensor([0, 2]): PyTorch gives the (1, 2) mask [[1, 3]]
    mask = nn.nn.Parameter(nn.tensor([[1., 2., 3.], [4., 5., 6.]])) if hasattr(nn, "nn") else \
        nn.Parameter(nn.tensor([[1., 2., 3.], [4., 5., 6.]]))
    out_id = nn.where(nn.tensor([True, False]))[0]
    in_id = nn.where(nn.tensor([True, False, True]))[0]
    np.testing.assert_array_equal(mask.data[out_id][:, in_id], [[1., 3.]])


def test_data_assigned_through_a_one_element_tensor_index():
    # PyTorch: d = torch.zeros(3, 2); d.data[torch.tensor([1])] = torch.tensor([[5., 6.]]) -> row 1 is [5, 6]
    d = nn.zeros(3, 2)
    d.data[nn.tensor([1])] = nn.tensor([[5., 6.]])
    np.testing.assert_array_equal(_f(d), [[0., 0.], [5., 6.], [0., 0.]])


# ---- std's gradient is 0 where std is 0 -------------------------------------------------------------------------

def test_std_gradient_of_a_constant_column_is_zero_not_nan():
    # PyTorch 2.13: x = [[1, 0], [1, 2], [1, 5]] (requires grad), torch.std(x, dim=0).sum().backward() ->
    # x.grad = [[0, -0.46358632], [0, -0.06622662], [0, 0.52981294]] (std_backward masks std == 0 to 0)
    x = nn.tensor([[1., 0.], [1., 2.], [1., 5.]], requires_grad=True)
    nn.std(x, dim=0).sum().backward()
    np.testing.assert_allclose(_f(x.grad), [[0, -0.46358632], [0, -0.06622662], [0, 0.52981294]], atol=1e-6)
    # all elements equal: torch.tensor([3., 3., 3.]).std().backward() -> zeros; std_mean too
    y = nn.tensor([3., 3., 3.], requires_grad=True)
    y.std().backward()
    np.testing.assert_array_equal(_f(y.grad), [0., 0., 0.])
    z = nn.tensor([3., 3., 3.], requires_grad=True)
    nn.std_mean(z)[0].backward()
    np.testing.assert_array_equal(_f(z.grad), [0., 0., 0.])


def test_std_gradient_zero_with_create_graph_and_zero_times_regulariser():
    # pykan's objective = train_loss + lamb * reg with lamb = 0 and reg built on std of a zero column: PyTorch's
    # gradient is train_loss's alone (finite)
    x = nn.tensor([[1., 0.], [1., 2.], [1., 5.]], requires_grad=True)
    w = nn.tensor([0.5, -1.0], requires_grad=True)
    loss = ((x * w) ** 2).mean() + 0.0 * nn.std(x * 0, dim=0).sum()
    loss.backward()
    assert np.isfinite(_f(w.grad)).all() and np.isfinite(_f(x.grad)).all()
    x2 = nn.tensor([[1., 0.], [1., 2.], [1., 5.]], requires_grad=True)
    g, = nn.autograd.grad(nn.std(x2, dim=0).sum(), x2, create_graph=True)
    np.testing.assert_allclose(_f(g), [[0, -0.46358632], [0, -0.06622662], [0, 0.52981294]], atol=1e-6)


@pytest.mark.parametrize("dim, correction", [(0, 1), (1, 0), (None, 1)])
def test_std_gradient_matches_central_finite_differences(dim, correction):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 3))
    w = rng.normal(size=(3,) if dim == 0 else (4,) if dim == 1 else ())

    def value(arr):
        return float((nn.std(nn.tensor(arr), dim=dim, correction=correction) * nn.tensor(w)).sum())
    x = nn.tensor(a, requires_grad=True)
    (nn.std(x, dim=dim, correction=correction) * nn.tensor(w)).sum().backward()
    eps, fd = 1e-6, np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        ap, am = a.copy(), a.copy()
        ap[idx] += eps
        am[idx] -= eps
        fd[idx] = (value(ap) - value(am)) / (2 * eps)
    np.testing.assert_allclose(_f(x.grad), fd, rtol=1e-7, atol=1e-9)


def test_std_float32_keeps_its_double_root_and_masked_gradient():
    # float32: PyTorch takes the root of the double variance; the gradient of a constant column is still 0
    x = nn.tensor([[2., 1.], [2., 3.]], dtype=nn.float32, requires_grad=True)
    s = nn.std(x, dim=0)
    assert s.dtype == nn.float32
    np.testing.assert_allclose(_f(s), [0., np.sqrt(2.)], rtol=1e-7)
    s.sum().backward()
    np.testing.assert_allclose(_f(x.grad), [[0., -0.70710677], [0., 0.70710677]], rtol=1e-6)


def test_std_against_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[1., 0., 4.], [1., 2., 4.], [1., 5., 4.]])
    t = torch.tensor(a, requires_grad=True)
    torch.std(t, dim=0).sum().backward()
    x = nn.tensor(a, requires_grad=True)
    nn.std(x, dim=0).sum().backward()
    np.testing.assert_allclose(_f(x.grad), t.grad.numpy(), rtol=1e-12, atol=1e-15)
