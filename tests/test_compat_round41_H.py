"""Round 41, area H: torchmd 1.1.2 (its sdist), the molecular-dynamics engine torchmd-net trains its priors with.

torchmd's 16 files were ported by the porting rule (``torchmdp``) and run against the originals on PyTorch 2.13 in
float64 (and float32), moleculekit a stand-in on both sides: a hand-built 10-atom system (a 7-atom chain with a
branch: bonds, angles, AMBER and CHARMM-style dihedrals and an improper, 1-4 pairs; three argon atoms; charges) in a
12 A periodic box, its force field a YAML file read by the package's YamlForcefield. Forces.compute over every term
(bonds, angles, dihedrals, impropers, 1-4, LJ, repulsion, electrostatics with a cutoff and reaction field, the LJ
switch, an external neural potential), explicit and autograd forces, replicas; gradients with respect to positions
and the force-field tables; force matching by create_graph (torchmd-net's loss) with Adam; the Integrator (velocity
Verlet, Langevin with the draws handed over), the Wrapper, the three minimizers and run.py's setup / dynamics. All
agree to rounding (1e-13). Failures found (nn's):

- a term whose energy is infinite (the package's own repulsion with autograd forces divides by its
  ``explicit_forces=False``) gave NaN forces on every atom: the minimum image ``d - L * round(d / L)`` passed
  g * 0 = NaN back through round; PyTorch's round / floor / ceil / trunc / sign give zeros_like(grad).
  maximum / minimum multiplied the loser's gradient by 0 in the same way (and gave none to either side of a NaN).
- force matching with autograd forces (F = -dE/dx, create_graph=True) stopped at the dihedral's atan2: "the
  gradient of atan2 cannot be differentiated again in nn yet".
- probing the other zero-slope gradients the same way: hardtanh / relu6, hardsigmoid, softshrink and hardshrink
  multiplied an inf / NaN gradient by their 0 slope (NaN) where PyTorch's kernels select 0; so did the recorded
  (create_graph) gradients of these, relu and clamp.

momentfm 0.1.4 on a ported transformers 5.25.0 T5 (float64 and float32) agreed to rounding; nothing of nn's failed.
"""
import numpy as np
import pytest

import nn
import nn.functional as F

INF, NAN = float("inf"), float("nan")


def _wrap_dist(L, dist, box):
    """torchmd.forces.wrap_dist: the minimum image in a rectangular box."""
    return dist - box.unsqueeze(0) * L.round(dist / box.unsqueeze(0))


def _infinite_pair_forces(L):
    """torchmd's evaluate_repulsion with explicit_forces=False passed as its `scale`: (A / r^12) / False."""
    pos = L.tensor([[1.0, 2.0, 3.0], [1.5, 2.0, 11.5]], dtype=L.float64, requires_grad=True)
    box = L.tensor([12.0, 12.0, 12.0], dtype=L.float64)
    d = _wrap_dist(L, pos[0:1] - pos[1:2], box)             # (-0.5, 0, 3.5) through the boundary
    E = (1e3 * (1 / L.norm(d, dim=1)) ** 12) / False
    return L.autograd.grad(E.sum(), pos)[0]


def test_minimum_image_passes_an_infinite_gradient_as_pytorch():
    # was: every component NaN (round's backward g * 0 = inf * 0); PyTorch: dE/dd = -inf * d / r, so +-inf where
    # d has a component, NaN where it is 0 (-inf * 0)
    g = _infinite_pair_forces(nn).numpy()
    np.testing.assert_array_equal(g, [[INF, NAN, -INF], [-INF, NAN, INF]])


@pytest.mark.parametrize("op", ["round", "floor", "ceil", "trunc", "sign", "round2"])
def test_piecewise_constant_ops_pass_zeros_back(op):
    x = nn.tensor([1.3, 2.0, -0.7], dtype=nn.float64, requires_grad=True)
    fn = (lambda t: nn.round(t, decimals=2)) if op == "round2" else getattr(nn, op)
    (g,) = nn.autograd.grad(fn(x), x, nn.tensor([INF, NAN, -INF], dtype=nn.float64))
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0, 0.0])
    # create_graph: the zeros are constants, and the ops beside them still differentiate
    (g,) = nn.autograd.grad(fn(x).sum(), x, create_graph=True)
    assert not g.requires_grad and g.numpy().tolist() == [0.0, 0.0, 0.0]
    (g,) = nn.autograd.grad((fn(x ** 2) + x ** 3).sum(), x, create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * np.array([1.3, 2.0, -0.7]), rtol=1e-15)


@pytest.mark.parametrize("op, gx, gy", [
    ("maximum", [0.0, NAN, 1.0, 2.0, -INF, 0.0], [INF, NAN, 1.0, 2.0, -INF, 3.0]),
    ("minimum", [INF, NAN, 1.0, 2.0, -INF, 3.0], [0.0, NAN, 1.0, 2.0, -INF, 0.0])])
def test_maximum_minimum_give_the_loser_zero_and_both_sides_of_a_nan_the_gradient(op, gx, gy):
    # PyTorch: where(x == y, g / 2, g).masked_fill_(loses, 0): a loser gets 0 even of inf / NaN, a tie half (inf
    # and NaN halves stay so), a NaN operand makes neither lose (was: inf * 0 = NaN to the loser, 0 to x beside NaN)
    x = nn.tensor([1.0, 2.0, NAN, 1.5, INF, -INF], dtype=nn.float64, requires_grad=True)
    y = nn.tensor([1.5, 2.0, 1.0, NAN, INF, 0.0], dtype=nn.float64, requires_grad=True)
    g = nn.tensor([INF, NAN, 1.0, 2.0, -INF, 3.0], dtype=nn.float64)
    ax, ay = nn.autograd.grad(getattr(nn, op)(x, y), (x, y), g)
    np.testing.assert_array_equal(ax.numpy(), gx)
    np.testing.assert_array_equal(ay.numpy(), gy)


@pytest.mark.parametrize("name, expected", [
    ("hardtanh", [0.0, NAN, -INF, INF, 0.0, 0.0]), ("relu6", [0.0, 0.0, 0.0, INF, 2.0, 0.0]),
    ("hardsigmoid", [INF, NAN, -INF, INF, 0.0, 0.0]), ("softshrink", [INF, 0.0, 0.0, 0.0, 2.0, INF]),
    ("hardshrink", [INF, 0.0, 0.0, 0.0, 2.0, INF])])
def test_clipping_activations_select_the_gradient(name, expected):
    # PyTorch's backward kernels select (x <= min || x >= max ? 0 : g), so an inf / NaN gradient is 0 where the
    # slope is (was: g * 0 = NaN there); hardsigmoid's 1/6 of an inf is inf
    x = nn.tensor([-2.0, -0.3, 0.0, 0.4, 3.0, 7.0], dtype=nn.float64, requires_grad=True)
    (g,) = nn.autograd.grad(getattr(F, name)(x), x, nn.tensor([INF, NAN, -INF, INF, 2.0, INF], dtype=nn.float64))
    got = g.numpy()
    if name == "hardsigmoid":
        got = np.where(np.isfinite(got), got * 6, got).round(6)     # (its slope is float32's 1/6)
        expected = [v * 6 if np.isfinite(v) else v for v in expected]
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name, g_expected, gg_expected", [
    ("relu", [0.0, 1.0, NAN, 0.0], [0.0, 2.0, 3.0, 0.0]), ("hardtanh", [0.0, 1.0, 0.0, -INF], [0.0, 2.0, 0.0, 4.0]),
    ("clamp", [0.0, 1.0, 0.0, -INF], [0.0, 2.0, 0.0, 4.0]), ("abs", [-INF, 1.0, NAN, NAN], [-1.0, 2.0, 3.0, 0.0])])
def test_recorded_gradients_of_relu_clamp_hardtanh_select_too(name, g_expected, gg_expected):
    # under create_graph the gradient was g * slope (NaN for an inf g where the slope is 0); PyTorch's
    # threshold_backward / clamp_backward / hardtanh_backward select, and their gradient in g is the same selection;
    # abs (g * sgn(x)) multiplies in PyTorch too: NaN at x = 0 (a pin: it passed before)
    fn = {"relu": F.relu, "hardtanh": F.hardtanh, "clamp": lambda t: nn.clamp(t, 0.0, 1.0), "abs": nn.abs}[name]
    x = nn.tensor([-1.0, 0.5, 2.0, 0.0], dtype=nn.float64, requires_grad=True)
    go = nn.tensor([INF, 1.0, NAN, -INF], dtype=nn.float64, requires_grad=True)
    (g,) = nn.autograd.grad(fn(x), x, go, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), g_expected)
    (gg,) = nn.autograd.grad((g * nn.tensor([1.0, 2.0, 3.0, 4.0], dtype=nn.float64)).sum(), go)
    np.testing.assert_array_equal(gg.numpy(), gg_expected)


def test_maximum_second_derivative_with_broadcasting_and_ties():
    # a pin (it passed before the fix too) of the rewritten recorded backward: out = max(x^2, y^2), x (3,), y (2, 1):
    # the winner's 2x per row, a tie (x = 2 = y) half to each
    x = nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64, requires_grad=True)
    y = nn.tensor([[2.0], [2.0]], dtype=nn.float64, requires_grad=True)
    a, b = nn.autograd.grad(nn.maximum(x ** 2, y ** 2).sum(), (x, y), create_graph=True)
    np.testing.assert_array_equal(a.detach().numpy(), [0.0, 4.0, 12.0])
    np.testing.assert_array_equal(b.detach().numpy(), [[6.0], [6.0]])
    ((a ** 2).sum() + (b ** 3).sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 16.0, 96.0])
    np.testing.assert_array_equal(y.grad.numpy(), [[324.0], [324.0]])


def test_atan2_gradient_can_be_differentiated_again():
    # was: NotImplementedError "the gradient of atan2 cannot be differentiated again in nn yet"; d atan2 = (x dy -
    # y dx) / r2, its Hessian [[-2xy, y2 - x2], [y2 - x2, 2xy]] / r2^2; 0 / NaN at the origin as PyTorch
    y0, x0 = np.array([[0.0, 1.0, -0.5]]), np.array([[0.0], [2.0]])
    wy, wx = np.array([[0.3, -0.7, 1.1]]), np.array([[0.9], [-0.4]])
    y, x = nn.tensor(y0, requires_grad=True), nn.tensor(x0, requires_grad=True)
    gy, gx = nn.autograd.grad(nn.atan2(y, x).sum(), (y, x), create_graph=True)
    Y, X = np.broadcast_arrays(y0, x0)
    r2 = X * X + Y * Y
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_allclose(gy.detach().numpy(), np.where(r2 > 0, X / r2, 0).sum(0, keepdims=True), rtol=1e-15)
        np.testing.assert_allclose(gx.detach().numpy(), np.where(r2 > 0, -Y / r2, 0).sum(1, keepdims=True),
                                   rtol=1e-15)
        ((gy * nn.tensor(wy)).sum() + (gx * nn.tensor(wx)).sum()).backward()
        hyy, hxy, hxx = -2 * X * Y / r2 ** 2, (Y * Y - X * X) / r2 ** 2, 2 * X * Y / r2 ** 2
        dy = (wy * hyy + wx * hxy)[1:].sum(0, keepdims=True)            # the row x = 2 ...
        dx = (wy * hxy + wx * hxx).sum(1, keepdims=True)
    dy[0, 1:] += (wy * hyy + wx * hxy)[0, 1:]                            # ... and the row x = 0 off the origin
    np.testing.assert_allclose(y.grad.numpy()[:, 1:], dy[:, 1:], rtol=1e-14)
    np.testing.assert_allclose(x.grad.numpy()[1:], dx[1:], rtol=1e-14)
    assert np.isnan(y.grad.numpy()[0, 0]) and np.isnan(x.grad.numpy()[0, 0])


def _torsion_force_matching(L, k0):
    """torchmd's evaluate_torsion (AMBER term) in miniature: the dihedral angle by crosses, norms and atan2, the
    force F = -dE/dx by create_graph, a force-matching loss -> (loss, dloss/dk)."""
    pos = L.tensor([[0.1, 1.2, 0.0], [0.0, 0.0, 0.1], [1.4, 0.1, 0.0], [1.6, 1.1, 0.9]], dtype=L.float64,
                   requires_grad=True)
    k = L.tensor(k0, dtype=L.float64, requires_grad=True)
    r12, r23, r34 = pos[1:2] - pos[0:1], pos[2:3] - pos[1:2], pos[3:4] - pos[2:3]
    crossA, crossB = L.cross(r12, r23, dim=1), L.cross(r23, r34, dim=1)
    crossC = L.cross(r23, crossA, dim=1)
    normcrossB = crossB / L.norm(crossB, dim=1).unsqueeze(1)
    cosPhi = L.sum(crossA * normcrossB, dim=1) / L.norm(crossA, dim=1)
    sinPhi = L.sum(crossC * normcrossB, dim=1) / L.norm(crossC, dim=1)
    phi = -L.atan2(sinPhi, cosPhi)
    E = (k[0] * (1 + L.cos(3 * phi - 0.3)) + k[1] * (1 + L.cos(phi))).sum()
    F = -L.autograd.grad(E, pos, create_graph=True)[0]
    loss = ((F - L.ones(4, 3, dtype=L.float64)) ** 2).mean()
    return loss.item(), L.autograd.grad(loss, k)[0].numpy()


def test_dihedral_force_matching_matches_central_differences():
    loss, g = _torsion_force_matching(nn, [0.16, 0.25])
    h = 1e-6
    fd = [(_torsion_force_matching(nn, [0.16 + h * (i == 0), 0.25 + h * (i == 1)])[0]
           - _torsion_force_matching(nn, [0.16 - h * (i == 0), 0.25 - h * (i == 1)])[0]) / (2 * h) for i in range(2)]
    np.testing.assert_allclose(g, fd, rtol=1e-7)


def test_as_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _torsion_force_matching(nn, [0.16, 0.25]), _torsion_force_matching(torch, [0.16, 0.25])
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-14)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-13)
    np.testing.assert_array_equal(_infinite_pair_forces(nn).numpy(), _infinite_pair_forces(torch).numpy())
    rs = np.random.default_rng(0)
    y0, x0 = rs.standard_normal(50), rs.standard_normal(50)
    y0[:3], x0[:3] = 0.0, [0.0, 1.0, -1.0]                  # the origin and the axis
    out = []
    for L in (nn, torch):
        y, x = L.tensor(y0, requires_grad=True), L.tensor(x0, requires_grad=True)
        gy, gx = L.autograd.grad(L.atan2(y, x).sum(), (y, x), create_graph=True)
        (gy * gx).sum().backward()
        out.append([v.detach().numpy() for v in (gy, gx, y.grad, x.grad)])
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)             # the same formula, bit for bit (NaN at the origin)
    for op in ("maximum", "minimum"):
        a = rs.choice([0.0, 1.0, NAN, INF, -INF], 40)
        b = rs.choice([0.0, 1.0, NAN, INF, -INF], 40)
        g = rs.choice([1.0, 2.0, NAN, INF, -INF], 40)
        res = []
        for L in (nn, torch):
            x, y = L.tensor(a, requires_grad=True), L.tensor(b, requires_grad=True)
            res.append([v.numpy() for v in L.autograd.grad(getattr(L, op)(x, y), (x, y), L.tensor(g))])
        for u, v in zip(*res):
            np.testing.assert_array_equal(u, v)
    import torch.nn.functional as tF
    # (no NaN input: PyTorch's vectorised loop zeroes its gradient, the scalar tail passes it)
    x0 = np.array([[-2.0, -0.3, 0.0, 0.4, 3.0, 7.0], [1.0, 1.0, -1.0, 5.0, 5.0, 0.2],
                   [-4.0, -3.0, 6.0, -1.0, 0.5, -0.5]])
    g0 = rs.choice([1.0, NAN, INF, -INF], x0.shape)
    for name in ("hardtanh", "relu6", "hardsigmoid", "softshrink", "hardshrink"):
        res = []
        for L, FF in ((nn, F), (torch, tF)):
            x = L.tensor(x0, requires_grad=True)
            res.append(L.autograd.grad(getattr(FF, name)(x), x, L.tensor(g0))[0].numpy())
        np.testing.assert_array_equal(*res, err_msg=name)
