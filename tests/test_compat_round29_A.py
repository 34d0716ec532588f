"""Metric learning from the package registry: pytorch-metric-learning 2.9.0 (installed with --no-deps; faiss left
out), ported by the porting rule (pytorch_metric_learningp) and run against the original on PyTorch 2.13 in float64
with PyTorch's weights and its random draws handed over: the distances (Lp with p / power / normalization, cosine,
dot product, SNR, batched), every loss of ``losses`` (pair, triplet, proxy and classification losses, FastAP,
histogram, PNP, smooth-AP, manifold, VICReg, self-supervised and cross-batch-memory wrappers) with each reducer and
regularizer, the miners, ``loss_and_miner_utils``, the samplers and the accuracy calculator, loss values,
gradients and SGD / Adam steps of the losses' parameters.

The failures these tests pin down, in a few lines (pytorch_metric_learning is not imported here):

- an out-of-range index in ``scatter_add`` / ``scatter`` / ``scatter_reduce`` / ``gather``: PyTorch's CPU kernel
  raises RuntimeError "index 5 is out of bounds for dimension 0 with size 5", naming the first bad index in
  row-major order; nn raised IndexError with the op's name before the words ("scatter_add: index 5 ...") and named
  the smallest negative or the largest index. DynamicSoftMarginLoss(num_bins=5) scatters a histogram bin one past
  the end and the two raised different errors.
- ``F.normalize(x, p=inf)`` (and ``-inf``) returned x unchanged: nn's own backward-carrying normalize took the power
  sum (sum |x|^inf)^(1/inf) = 1; PyTorch divides by ``x.norm(p)``, the largest (smallest) |x|. LpDistance(p=inf)
  normalizes its embeddings so (relative difference 1.9). Those p now go through ``x / x.norm(p).clamp_min(eps)``.
- ``Tensor.norm(p=-inf)`` / ``linalg.vector_norm(ord=-inf)`` gave 1 for every vector (the power sum again) and NaN
  gradients; PyTorch gives the smallest |x|. The other p (0.5, 1.5, 3, -1) gave NaN gradients at a zero vector
  and, for p < 1, at a zero entry, where PyTorch's linalg_vector_norm_backward gives 0; normalize(p < 1) too.
- ``cdist``'s backward gave NaN where the distance is 0 and the incoming gradient is inf (LpDistance(power=0.5) of
  a batch with itself: d ** 0.5 at the zero diagonal), and, for p < 1, where one component of a difference is 0;
  PyTorch's _cdist_backward gives 0 at a zero distance whatever the gradient (p != 1) and 0 at a zero component
  for p < 1.
- (found beside the package) ``index_select`` counted a negative index from the end, where PyTorch raises
  IndexError "index out of range in self" (its words on the dim-0 / 1-D path; an index past the end now says the
  same), and ``index_select`` of a 0-d tensor raised; PyTorch returns the tensor.

The scatter family's error is a RuntimeError that is also an IndexError (nn.tensor_ops.indexing.IndexBoundsError),
so code written for nn's earlier IndexError still catches it.
"""
import pytest
import numpy as np

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- the scatter family's out-of-range index ----------------------------------------------------------------------

def test_scatter_add_out_of_range_index_raises_pytorchs_runtime_error():
    # PyTorch 2.13: torch.scatter_add(torch.zeros(5), 0, torch.tensor([1, 5, 2]), torch.ones(3)) ->
    # RuntimeError: index 5 is out of bounds for dimension 0 with size 5
    z, s = nn.zeros(5, dtype=nn.float64), nn.ones(3, dtype=nn.float64)
    for index, bad in (([1, 5, 2], 5), ([1, -1, 2], -1), ([1, 7, 5], 7), ([1, 5, -7], 5), ([-7, 5, 1], -7)):
        with pytest.raises(RuntimeError, match=rf"^index {bad} is out of bounds for dimension 0 with size 5$"):
            nn.scatter_add(z, 0, nn.tensor(index), s)
    with pytest.raises(RuntimeError, match=r"^index 7 is out of bounds for dimension 0 with size 5$"):
        z.clone().scatter_add_(0, nn.tensor([1, 7, 2]), s)


def test_scatter_and_gather_name_the_first_bad_index_in_row_major_order():
    # PyTorch 2.13, a [3, 2] index [[0, 6], [9, 0], [0, 6]]: along dim 1 of a [3, 4] tensor, "index 6 ...
    # dimension 1 with size 4"; gather along dim 0: "index 6 ... dimension 0 with size 3"; dim=-1 is named 1
    x, idx = nn.zeros(3, 4, dtype=nn.float64), nn.tensor([[0, 6], [9, 0], [0, 6]])
    src = nn.ones(3, 2, dtype=nn.float64)
    with pytest.raises(RuntimeError, match=r"^index 6 is out of bounds for dimension 1 with size 4$"):
        x.scatter_add(1, idx, src)
    with pytest.raises(RuntimeError, match=r"^index 6 is out of bounds for dimension 0 with size 3$"):
        x.gather(0, idx)
    with pytest.raises(RuntimeError, match=r"^index 9 is out of bounds for dimension 1 with size 4$"):
        x.scatter_add(-1, nn.tensor([[0, 1], [9, 0], [0, 6]]), src)
    with pytest.raises(RuntimeError, match=r"^index 5 is out of bounds for dimension 0 with size 5$"):
        nn.scatter(nn.zeros(5), 0, nn.tensor([1, 5, 2]), 2.0)
    with pytest.raises(RuntimeError, match=r"^index 5 is out of bounds for dimension 0 with size 5$"):
        nn.scatter_reduce(nn.zeros(5), 0, nn.tensor([1, 5, 2]), nn.ones(3), "amax")
    with pytest.raises(RuntimeError, match=r"^index -1 is out of bounds for dimension 0 with size 5$"):
        nn.gather(nn.zeros(5), 0, nn.tensor([1, -1, 2]))
    # in range: unchanged
    np.testing.assert_array_equal(_f(nn.scatter_add(nn.zeros(5), 0, nn.tensor([1, 4, 1]), nn.ones(3))),
                                  [0, 2, 0, 0, 1])


def test_the_scatter_error_is_also_an_index_error():
    with pytest.raises(IndexError, match=r"^index -1 is out of bounds for dimension 0 with size 3$"):
        nn.zeros(3).scatter_add_(0, nn.tensor([0, -1]), nn.ones(2))


def test_index_select_refuses_a_negative_index_and_takes_a_0d_tensor():
    # PyTorch 2.13: torch.zeros(5).index_select(0, torch.tensor([1, -1])) -> IndexError: index out of range in self;
    # torch.tensor(3.).index_select(0, torch.tensor([0])) = tensor(3.) (0-d), gradient 1
    for index in ([1, -1], [1, 5], [-6]):
        with pytest.raises(IndexError, match=r"^index out of range in self$"):
            nn.zeros(5).index_select(0, nn.tensor(index))
    with pytest.raises(IndexError, match=r"^index out of range in self$"):
        nn.index_select(nn.zeros(3, 4), 0, nn.tensor([-1]))
    np.testing.assert_array_equal(_f(nn.arange(6.0).view(2, 3).index_select(1, nn.tensor([2, 0]))), [[2, 0], [5, 3]])
    x = nn.tensor(3.0, requires_grad=True)
    y = x.index_select(0, nn.tensor([0]))
    assert y.shape == () and y.item() == 3.0
    (y * 2).backward()
    assert x.grad.item() == 2.0


def test_a_histogram_scattered_one_bin_past_the_end_raises_as_pytorch():
    # DynamicSoftMarginLoss(num_bins=5)'s update: floor((d - min) / delta) = 5 for the largest difference, then
    # scatter_add into 5 bins -> PyTorch's RuntimeError
    hist = nn.zeros(5, dtype=nn.float64)
    data = nn.tensor([-1.9, 0.1, 2.0], dtype=nn.float64)
    idx = nn.floor((data + 2.0) / 0.8).to(dtype=nn.long)
    with pytest.raises(RuntimeError, match=r"^index 5 is out of bounds for dimension 0 with size 5$"):
        nn.scatter_add(hist, 0, idx, nn.ones(3, dtype=nn.float64))


# ---- normalize and norm with p = +-inf and p < 1 ------------------------------------------------------------------

def _central_fd(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_normalize_with_p_inf_divides_by_the_largest_absolute_value():
    # PyTorch 2.13: F.normalize([[1, -3, 2], [0.5, 0.1, -0.2]], p=inf) = [[1/3, -1, 2/3], [1, 0.2, -0.4]];
    # p=-inf divides by the smallest |x|: [[1, -3, 2], [5, 1, -2]]
    x = nn.tensor([[1.0, -3.0, 2.0], [0.5, 0.1, -0.2]], dtype=nn.float64)
    np.testing.assert_allclose(_f(nn.functional.normalize(x, p=float("inf"))),
                               [[1 / 3, -1, 2 / 3], [1, 0.2, -0.4]], rtol=1e-15)
    np.testing.assert_allclose(_f(nn.functional.normalize(x, p=-float("inf"))), [[1, -3, 2], [5, 1, -2]], rtol=1e-15)
    np.testing.assert_allclose(_f(nn.functional.normalize(x, p=float("inf"), dim=0)),
                               [[1, -1, 1], [0.5, 1 / 30, -0.1]], rtol=1e-15)


@pytest.mark.parametrize("p", [float("inf"), -float("inf"), 0.5, 3.0])
def test_normalize_gradient_matches_central_differences(p):
    x0 = np.array([[1.0, -3.0, 2.0], [0.5, 0.1, -0.2]])
    w = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])
    x = nn.tensor(x0, requires_grad=True)
    (nn.functional.normalize(x, p=p) * nn.tensor(w)).sum().backward()
    fd = _central_fd(lambda v: float((_f(nn.functional.normalize(nn.tensor(v), p=p)) * w).sum()), x0)
    np.testing.assert_allclose(_f(x.grad), fd, rtol=1e-7, atol=1e-8)


def test_norm_with_p_minus_inf_is_the_smallest_absolute_value():
    # PyTorch 2.13: torch.tensor([[1., -3, 2], [0.5, 0, -2]]).norm(p=-inf, dim=1) = [1, 0]; gradient of the sum:
    # sign(x) at the smallest |x| -> [[1, 0, 0], [0, 0, 0]] (sign(0) = 0)
    x = nn.tensor([[1.0, -3.0, 2.0], [0.5, 0.0, -2.0]], dtype=nn.float64, requires_grad=True)
    y = x.norm(p=-float("inf"), dim=1)
    np.testing.assert_array_equal(_f(y), [1.0, 0.0])
    y.sum().backward()
    np.testing.assert_array_equal(_f(x.grad), [[1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(_f(nn.linalg.vector_norm(x, ord=-float("inf"), dim=1)), [1.0, 0.0])
    assert nn.linalg.vector_norm(nn.tensor([-4.0, 2.0, 3.0]), ord=-float("inf")).item() == 2.0


@pytest.mark.parametrize("p", [0.5, 1.5, 3.0, -1.0])
def test_norm_gradient_is_zero_at_a_zero_vector_and_finite_elsewhere(p):
    # PyTorch 2.13: the gradient of x.norm(p, dim=1) is 0 on a zero row (no NaN), and for p < 1 it is 0 at a zero
    # entry of a non-zero row; elsewhere sign(x) |x|^(p-1) / ||x||^(p-1) (central differences)
    x0 = np.array([[1.0, -3.0, 2.0], [0.0, 0.0, 0.0], [0.5, 0.0, -0.2]])
    x = nn.tensor(x0, requires_grad=True)
    y = x.norm(p=p, dim=1)
    (y * nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64)).sum().backward()
    g = _f(x.grad)
    assert np.isfinite(g).all()
    np.testing.assert_array_equal(g[1], 0.0)
    if p < 0:                                   # a zero entry makes the norm 0 (|0|^p = inf): no gradient
        np.testing.assert_array_equal(_f(y)[2], 0.0)
        np.testing.assert_array_equal(g[2], 0.0)
    else:
        assert g[2, 1] == 0.0
        fd = _central_fd(lambda v: float(np.sum(np.abs(v) ** p) ** (1 / p)), x0[2, [0, 2]])
        np.testing.assert_allclose(g[2, [0, 2]], 3 * fd, rtol=1e-7)
    fd = _central_fd(lambda v: float(np.sum(np.abs(v) ** p) ** (1 / p)), x0[0])
    np.testing.assert_allclose(g[0], fd, rtol=1e-7)


# ---- cdist's gradient at a zero distance ---------------------------------------------------------------------------

def test_cdist_gradient_at_a_zero_distance_is_zero_whatever_the_incoming_gradient():
    # PyTorch 2.13 (direct path, <= 25 rows): x.grad of (cdist(x, x) ** 0.5).sum() is finite: the zero diagonal,
    # where d(d ** 0.5) = inf, contributes 0; the rest is the gradient of the off-diagonal sum
    x0 = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 1.0]])
    for p in (2.0, 1.5, 3.0):
        x = nn.tensor(x0, requires_grad=True)
        (nn.cdist(x, x, p=p) ** 0.5).sum().backward()

        def off_diagonal(v, p=p):
            d = (np.abs(v[:, None] - v[None]) ** p).sum(-1) ** (1 / p)
            return float((d[~np.eye(3, dtype=bool)] ** 0.5).sum())
        np.testing.assert_allclose(_f(x.grad), _central_fd(off_diagonal, x0), rtol=1e-7, atol=1e-9)
    # p = 1 is g sign(u) without the mask in PyTorch: inf * 0 = NaN there, as PyTorch's
    x = nn.tensor(x0, requires_grad=True)
    (nn.cdist(x, x, p=1.0) ** 0.5).sum().backward()
    assert np.isnan(_f(x.grad)).all()


def test_cdist_gradient_for_p_below_one_is_zero_at_a_zero_component():
    # PyTorch 2.13: cdist(x, x, p=0.5).sum() for rows [0, 0], [1, 2], [1, 5]: rows 1 and 2 differ by (0, -3), whose
    # zero component gets gradient 0 (|u|^(p-1) = inf there); the others sign(u) |u|^(p-1) / d^(p-1)
    x0 = np.array([[0.0, 0.0], [1.0, 2.0], [1.0, 5.0]])
    x = nn.tensor(x0, requires_grad=True)
    nn.cdist(x, x, p=0.5).sum().backward()
    u = x0[:, None] - x0[None]
    d = (np.sqrt(np.abs(u)).sum(-1)) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where((u != 0) & (d[..., None] > 0), np.sign(u) * np.abs(u) ** -0.5 / d[..., None] ** -0.5, 0)
    np.testing.assert_allclose(_f(x.grad), w.sum(1) - w.sum(0), rtol=1e-14)
    assert np.isfinite(_f(x.grad)).all()


def test_against_pytorch_norms_and_cdist():
    torch = pytest.importorskip("torch")
    x0 = np.array([[1.0, -3.0, 2.0, 3.0], [0.5, 0.1, -0.2, 0.0], [0, 0, 0, 0], [-2, 2, 1, 1]])
    for p in (float("inf"), -float("inf"), 0.5, 1.5, 3.0, -1.0):
        for op in ("norm", "normalize"):
            a = torch.tensor(x0, requires_grad=True)
            b = nn.tensor(x0, requires_grad=True)
            ya = a.norm(p=p, dim=1) if op == "norm" else torch.nn.functional.normalize(a, p=p)
            yb = b.norm(p=p, dim=1) if op == "norm" else nn.functional.normalize(b, p=p)
            np.testing.assert_allclose(_f(yb), ya.detach().numpy(), rtol=1e-14)
            (ya * torch.arange(1.0, 1 + ya.numel(), dtype=torch.float64).view(ya.shape)).sum().backward()
            (yb * nn.arange(1.0, 1 + yb.numel(), dtype=nn.float64).view(yb.shape)).sum().backward()
            np.testing.assert_allclose(_f(b.grad), a.grad.numpy(), rtol=1e-13, atol=1e-15)
    for p in (0.5, 1.5, 2.0, 3.0):
        a = torch.tensor(x0, requires_grad=True)
        b = nn.tensor(x0, requires_grad=True)
        (torch.cdist(a, a, p=p) ** 0.5).sum().backward()
        (nn.cdist(b, b, p=p) ** 0.5).sum().backward()
        np.testing.assert_allclose(_f(b.grad), a.grad.numpy(), rtol=1e-13, atol=1e-15)
