"""Dimensionality reduction and non-negative factorisations from the package registry: torchdr 0.5 and torchnmf
0.3.5 (installed with --no-deps, with tqdm), ported by the porting rule (torchdrp, torchnmfp) and run against the
originals on PyTorch 2.13 in float64 with the same data, initial embeddings / factors and random draws.

The failures these tests pin down, in a few lines (neither package is imported here):

- an optimizer's parameter group is the caller's dict, filled in place: PyTorch's ``add_param_group`` sets the
  defaults into the dict it is given (``setdefault``) and appends that very dict, so an optimizer built again from
  the same list of dicts inherits the first one's lr and momentum, and both share the group. torchdr's
  neighbour embeddings keep ``params_ = [{"params": embedding}]`` and rebuild SGD after early exaggeration with
  ``momentum=0.8``: PyTorch's new SGD still runs with 0.5 (the dict's), nn's took 0.8 (it copied the dict), so
  TSNE / SNE embeddings parted from the second step after the exaggeration phase (0.7 relative after 20 steps).
- a one-element tensor as a hyper-parameter: torchdr's default UMAP / LargeVis / InfoTSNE scheduler is
  ``LinearLR(start_factor=torch.tensor(1.0), end_factor=torch.tensor(0))`` and PyTorch takes tensors for lr and
  the scheduler factors; nn raised ``ValueError: Invalid start_factor: tensor(1.) (expected a number)``. A
  one-element real tensor now counts as its value (the lr in ``param_groups`` is then a float where PyTorch keeps
  the tensor; the values are the same).
- ``np.array(tensor)`` copies, as with a PyTorch tensor (``np.asarray`` still shares the memory): nn's
  ``__array__`` ignored NumPy 2's ``copy=True`` and returned its own array, so a copy taken before an in-place
  step (``p.mul_`` in torchnmf's multiplicative updates, an optimizer step) changed with the tensor.
"""
import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- parameter groups: the caller's dict, filled in place ----------------------------------------------------------

def test_param_group_dict_is_filled_in_place_and_shared():
    p = nn.zeros(2, requires_grad=True)
    groups = [{"params": p}]
    first = nn.optim.SGD(groups, lr=1.0, momentum=0.5)
    # PyTorch 2.13: groups[0] is first.param_groups[0], now holding params as a list and every default
    assert first.param_groups[0] is groups[0]
    assert isinstance(groups[0]["params"], list) and groups[0]["params"][0] is p
    assert groups[0]["lr"] == 1.0 and groups[0]["momentum"] == 0.5 and groups[0]["nesterov"] is False
    second = nn.optim.SGD(groups, lr=2.0, momentum=0.8)
    # the dict already has lr and momentum: the new optimizer's defaults do not replace them
    assert second.param_groups[0] is first.param_groups[0]
    assert second.param_groups[0]["lr"] == 1.0 and second.param_groups[0]["momentum"] == 0.5
    assert second.defaults["lr"] == 2.0 and second.defaults["momentum"] == 0.8


def test_rebuilt_sgd_from_the_same_groups_steps_with_the_first_momentum():
    # torchdr's early-exaggeration switch: SGD(momentum=0.5) for 2 steps, then SGD(momentum=0.8) built from the same
    # dicts for 2 steps on loss sum(p^3). The second optimizer's momentum is 0.5 (PyTorch 2.13); by hand:
    # g = 3 p^2, buf = 0.5 buf + g (a fresh buffer starts at g), p -= 0.1 buf.
    p = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    groups = [{"params": p}]
    expected = np.array([1.0, 2.0])
    for momentum, steps in ((0.5, 2), (0.8, 2)):
        opt = nn.optim.SGD(groups, lr=0.1, momentum=momentum)
        buf = None
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            (p ** 3).sum().backward()
            opt.step()
            g = 3 * expected ** 2
            buf = g if buf is None else 0.5 * buf + g
            expected = expected - 0.1 * buf
    np.testing.assert_allclose(_f(p), expected, rtol=1e-15)


def test_adam_built_from_an_sgd_group_keeps_its_values_and_adds_its_own():
    p = nn.zeros(2, requires_grad=True)
    groups = [{"params": [p], "lr": 0.3}]
    nn.optim.SGD(groups, momentum=0.9)
    adam = nn.optim.Adam(groups)
    group = adam.param_groups[0]
    assert group["lr"] == 0.3 and group["momentum"] == 0.9          # PyTorch 2.13: SGD's keys stay in the dict
    assert group["betas"] == (0.9, 0.999) and group["eps"] == 1e-8


# ---- a one-element tensor as a hyper-parameter ----------------------------------------------------------------------

def test_linear_lr_takes_tensor_factors():
    # torchdr's UMAP default: LinearLR(start_factor=torch.tensor(1.0), end_factor=torch.tensor(0), total_iters=4);
    # PyTorch 2.13 lrs after each step from lr 0.5: 0.375, 0.25, 0.125, 0, 0
    p = nn.zeros(2, requires_grad=True)
    opt = nn.optim.SGD([p], lr=0.5)
    sched = nn.optim.lr_scheduler.LinearLR(opt, start_factor=nn.tensor(1.0), end_factor=nn.tensor(0), total_iters=4)
    lrs = []
    for _ in range(5):
        opt.step()
        sched.step()
        lrs.append(float(opt.param_groups[0]["lr"]))
    np.testing.assert_allclose(lrs, [0.375, 0.25, 0.125, 0.0, 0.0], rtol=1e-15, atol=0)


def test_optimizers_take_a_tensor_lr_and_refuse_a_bad_one():
    p = nn.tensor([1.0, -2.0], dtype=nn.float64, requires_grad=True)
    opt = nn.optim.SGD([p], lr=nn.tensor(0.5))
    p.sum().backward()
    opt.step()
    np.testing.assert_allclose(_f(p), [0.5, -2.5], rtol=1e-15)
    assert float(nn.optim.Adam([p], lr=nn.tensor(1e-3, dtype=nn.float64)).param_groups[0]["lr"]) == 1e-3
    with pytest.raises(ValueError):
        nn.optim.SGD([p], lr=nn.tensor(-0.5))                         # PyTorch: "Invalid learning rate: -0.5"
    with pytest.raises(ValueError):
        nn.optim.SGD([p], lr=nn.tensor([0.1, 0.2]))                   # not one value


# ---- np.array copies, np.asarray shares ------------------------------------------------------------------------------

def test_np_array_copies_and_np_asarray_shares():
    t = nn.tensor([1.0, 2.0], dtype=nn.float64)
    copied, shared = np.array(t), np.asarray(t)
    t.add_(1)
    np.testing.assert_array_equal(copied, [1.0, 2.0])                 # PyTorch 2.13: the copy keeps the old values
    np.testing.assert_array_equal(shared, [2.0, 3.0])                 # and asarray sees the in-place change
    p = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    before = np.array(p.detach())
    with nn.no_grad():
        p.mul_(3)
    np.testing.assert_array_equal(before, [1.0, 2.0])
    converted = np.array(t, dtype=np.float32)
    assert converted.dtype == np.float32
    np.testing.assert_array_equal(converted, [2.0, 3.0])
    assert np.array(t, copy=False) is not None                        # no copy needed: the tensor's own array


# ---- Parameter.__new__ builds the parameter ---------------------------------------------------------------------------

class _ManifoldParameter(nn.Parameter):
    """torchdr's (and geoopt's) recipe: Parameter.__new__ by name, an __init__ that does not call Parameter's."""

    def __new__(cls, data, requires_grad, manifold, c):
        return nn.Parameter.__new__(cls, data, requires_grad)

    def __init__(self, data, requires_grad, manifold, c):
        self.c = c
        self.manifold = manifold


def test_parameter_subclass_built_by_parameter_new():
    p = _ManifoldParameter(nn.tensor([0.1, -0.2], dtype=nn.float64), True, "PoincareBall", 1)
    # PyTorch 2.13: a leaf Parameter of that class holding the data, with the subclass's attributes
    assert isinstance(p, nn.Parameter) and type(p) is _ManifoldParameter
    assert p.requires_grad and p.is_leaf and p.c == 1 and p.manifold == "PoincareBall"
    np.testing.assert_array_equal(_f(p), [0.1, -0.2])
    (p ** 2).sum().backward()
    np.testing.assert_allclose(_f(p.grad), [0.2, -0.4], rtol=1e-15)
    frozen = _ManifoldParameter(nn.tensor([1.0]), False, "Euclidean", 0)
    assert not frozen.requires_grad
    # plain Parameters and lazy ones are built as before
    assert nn.Parameter(nn.ones(2)).requires_grad and nn.Parameter().shape == (0,)
    assert isinstance(nn.UninitializedParameter(), nn.Parameter)


def test_parameter_subclass_with_super_new_and_no_init():
    class Scaled(nn.Parameter):
        def __new__(cls, data, scale=2.0):
            self = super().__new__(cls, data * scale)
            self.scale = scale
            return self
    p = Scaled(nn.tensor([1.0, 2.0], dtype=nn.float64))
    np.testing.assert_array_equal(_f(p), [2.0, 4.0])            # PyTorch 2.13: __init__ ignores the arguments
    assert p.requires_grad and p.scale == 2.0


# ---- linalg.svd(driver=None) ----------------------------------------------------------------------------------------

def test_svd_takes_driver_none_and_refuses_a_cuda_driver():
    A = nn.tensor([[3.0, 0.0], [4.0, 5.0]], dtype=nn.float64)
    U, S, Vh = nn.linalg.svd(A, full_matrices=False, driver=None)      # torchdr's PCA passes its svd_driver
    np.testing.assert_allclose(_f(S), np.linalg.svd(_f(A), compute_uv=False), rtol=1e-14)
    np.testing.assert_allclose(_f(nn.linalg.svdvals(A, driver=None)), _f(S), rtol=1e-15)
    for f in (lambda: nn.linalg.svd(A, driver="gesvd"), lambda: nn.linalg.svdvals(A, driver="gesvdj")):
        with pytest.raises(RuntimeError, match="keyword argument `driver=` is only supported on CUDA inputs with "
                                               "cuSOLVER backend"):
            f()


# ---- clamp's gradient where clipped: 0, even for a NaN gradient ---------------------------------------------------------

def test_clamp_backward_stops_a_nan_gradient_where_clipped():
    # PyTorch 2.13, x = [2, -2, 0.5], gradient NaN everywhere: clamp(max=0) -> [0, nan, 0], clamp(min=0) ->
    # [nan, 0, nan], clamp(-1, 1) -> [0, 0, nan]
    nan = float("nan")
    for f, expected in ((lambda x: x.clamp(max=0), [0.0, nan, 0.0]), (lambda x: x.clamp(min=0), [nan, 0.0, nan]),
                        (lambda x: x.clamp(-1, 1), [0.0, 0.0, nan]), (lambda x: nn.clamp(x, max=0), [0.0, nan, 0.0]),
                        (lambda x: x.clamp_max(0), [0.0, nan, 0.0]), (lambda x: x.clip(min=0), [nan, 0.0, nan])):
        x = nn.tensor([2.0, -2.0, 0.5], dtype=nn.float64, requires_grad=True)
        f(x).backward(nn.tensor([nan] * 3, dtype=nn.float64))
        np.testing.assert_array_equal(_f(x.grad), expected)


def test_zero_times_sqrt_of_a_clamp_has_a_finite_gradient():
    # d/dx [(x - 3)^2 + 0 * sqrt((2 - x).clamp(max=0))] at x = 0: sqrt's slope at 0 is inf, times the 0 coming down
    # is NaN, and clamp (clipped there) passes 0 on: PyTorch's gradient is -6
    x = nn.tensor([0.0], dtype=nn.float64, requires_grad=True)
    with np.errstate(all="ignore"):
        ((x - 3) ** 2 + (2 - x).clamp(max=0).sqrt() * 0).sum().backward()
    np.testing.assert_array_equal(_f(x.grad), [-6.0])


# ---- LBFGS' line search at a NaN loss -------------------------------------------------------------------------------

def test_cubic_interpolate_of_a_nan_point_is_the_middle_of_the_bounds():
    from nn.optim.lbfgs import _cubic_interpolate
    nan = float("nan")
    # PyTorch 2.13: `if d2_square >= 0` is False for NaN, so (xmin_bound + xmax_bound) / 2
    assert _cubic_interpolate(0.0, 1.0, -1.0, 1.0, nan, nan, bounds=(1.01, 10.0)) == 5.505
    assert float(_cubic_interpolate(nn.tensor(0.0), nn.tensor(1.0), nn.tensor(-1.0), nn.tensor(1.0), nn.tensor(nan),
                                    nn.tensor(nan))) == 0.5


@pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad=True")      # PyTorch warns too
def test_lbfgs_strong_wolfe_goes_on_past_a_nan_loss():
    # torchdr's SymmetricEntropicAffinity(optimizer="LBFGS") meets NaN losses in the line search; PyTorch 2.13 steps
    # on from the middle of its bounds. The points this closure is evaluated at, by PyTorch:
    x = nn.tensor([0.0], dtype=nn.float64, requires_grad=True)
    opt = nn.optim.LBFGS([x], lr=1.0, max_iter=6, line_search_fn="strong_wolfe")
    seen = []

    def closure():
        opt.zero_grad()
        loss = ((x - 3) ** 2 + (2 - x).clamp(max=0).sqrt() * 0 + nn.log(2 - x) * 0).sum()   # NaN beyond x = 2
        loss.backward()
        seen.append(float(x.detach()[0]))
        return loss
    with np.errstate(all="ignore"):
        opt.step(closure)
    np.testing.assert_allclose(seen, [0.0, 1.0, 3.0, 12.01, 61.60005, 334.54822525, 1836.87997975125,
                                      10105.851547404382], rtol=1e-14)
