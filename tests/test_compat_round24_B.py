"""Lie groups, rotations and pose optimisation from the package registry: pypose 0.9.5 and roma 1.8.0 (installed with
--no-deps; no stand-ins), ported by the porting rule (every .py file; renamed pyposep / romap in their import lines)
and run against the originals on PyTorch 2.13 in float64 on the same NumPy inputs: pypose's LieTensor for SO3 / so3 /
SE3 / se3 / Sim3 / sim3 / RxSO3 / rxso3 (Exp, Log, Inv, Mul, @, Act, Adj, AdjT, Jinvp, Jr, Retr, matrix, translation,
rotation, scale, euler, from_matrix / mat2*, indexing, view, lview, cat, stack, cumprod / cummul / cumops) with
gradients, pypose.function (point2pixel, reprojerr, pixel2point, cart2homo / homo2cart, knn, svdtf, the filters,
chspline / bspline, bmv / bvv / bvmv), pypose.optim (GaussNewton / LevenbergMarquardt with the Cholesky / LSTSQ / PINV
solvers, seven robust kernels, FastTriggs / Triggs, TrustRegion / Adaptive / Constant, StopOnPlateau.optimize) on a
pose-inversion and a curve-fitting problem, pypose.module (EKF, UKF, IMUPreintegrator, LQR, MPC), pp.Parameter under
SGD / Adam / AdamW / RMSprop with state_dicts both ways; roma's mappings (rotvec / unitquat / rotmat / euler, all
directions, procrustes and its custom Functions, special_gramschmidt, symmatrixvec_to_unitquat, slerps, quaternion
algebra, geodesic distances, registrations) and its transforms (Linear .. RigidUnitQuat). In float64 all agreed to
1.8e-14 (the curve fits, which amplify rounding through a nearly singular solve, to 1.2e-11).

The failures these tests pin down (neither package is imported here):
- roma's import failed: ``jvp = torch.autograd.Function.jvp`` (its NoJvp Functions) needs Function's jvp attribute,
  PyTorch's staticmethod that raises NotImplementedError; nn's Function had none.
- roma's procrustes / Horn Functions call ``ctx.save_for_forward(...)`` in setup_context: nn's ctx had no such method.
- pypose's cumprod / cummul / cumops over a length that is not a power of two failed: they run
  ``arange(i, L, dtype=int64)`` for i up to ``2 ** int(log2(L))`` counted by ``arange(log2(L) + 1, dtype=int64)``.
  PyTorch's integer arange casts the bounds and the step to int64 first (arange(2.58, dtype=int64) is [0, 1]; for
  narrower integer dtypes the count stays ceil((end - start) / step) of the given numbers), nn counted in floats.
- isclose / allclose of shapes that do not broadcast raised NumPy's ValueError, where PyTorch raises its RuntimeError
  (pypose's mat2Sim3 / from_matrix of a batch).
- A buffer registered as a Tensor subclass (pypose's IMUPreintegrator keeps its rotation, an SO3 LieTensor, as one)
  read back as a plain Tensor, so ``self.rot.Inv()`` failed; PyTorch's buffer is the object itself.
- SGD wrote a subclass parameter's array directly: PyTorch's CPU SGD ends with ``param.add_(d_p, alpha=-lr)``, which a
  pp.Parameter overrides to retract on its manifold (Exp(d_p) * p), so the pose after a step differed by 1e-2.
"""
import math

import numpy as np
import pytest

import nn


# ---- autograd.Function's jvp and ctx.save_for_forward (roma) ---------------------------------------------------

class _Square(nn.autograd.Function):
    """y = x^2 with PyTorch 2's setup_context that also saves for a jvp (as roma's procrustes); dy/dx = 2x."""

    @staticmethod
    def forward(x):
        return x * x

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])
        ctx.save_for_forward(inputs[0], None)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 2 * x * g


class _SquareNoJvp(_Square):
    jvp = nn.autograd.Function.jvp          # roma's _ProcrustesManualDerivativesNoJvp


def test_function_has_pytorchs_jvp_that_raises():
    with pytest.raises(NotImplementedError, match="You must implement the jvp function for custom autograd.Function"):
        nn.autograd.Function.jvp(None, None)
    assert _SquareNoJvp.jvp is nn.autograd.Function.jvp


def test_setup_context_may_save_for_forward():
    x = nn.tensor([1.5, -2.0], dtype=nn.float64, requires_grad=True)
    y = _SquareNoJvp.apply(x)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), [2.25, 4.0])
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -4.0])


def test_save_for_forward_keeps_tensors_and_refuses_other_values():
    ctx = nn.autograd.function.FunctionCtx((True,))
    t = nn.ones(2)
    ctx.save_for_forward(t, None)
    assert ctx.saved_for_forward[0] is t and ctx.saved_for_forward[1] is None
    with pytest.raises(AssertionError, match="save_for_forward expects all arguments to be tensors"):
        ctx.save_for_forward(t, 3)


def test_save_for_forward_and_jvp_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib, ctx in [(torch, torch.autograd.function.FunctionCtx()), (nn, nn.autograd.function.FunctionCtx(()))]:
        with pytest.raises(AssertionError, match="save_for_forward expects all arguments to be tensors"):
            ctx.save_for_forward(lib.ones(2), 3)
        ctx.save_for_forward(lib.ones(2))
        assert len(ctx.saved_for_forward) == 1
        with pytest.raises(NotImplementedError, match="You must implement the jvp function"):
            lib.autograd.Function.jvp(None, None)


# ---- arange with float bounds and an integer dtype (pypose's cumops) -------------------------------------------

@pytest.mark.parametrize("args, dtype, expected", [
    ((2.58,), "int64", [0, 1]), ((2.9,), "int64", [0, 1]), ((-0.5, 2.7), "int64", [0, 1]),
    ((-2.5, 2), "int64", [-2, -1, 0, 1]), ((0, 3, 1.5), "int64", [0, 1, 2]),
    ((1.2, 5.9, 2.2), "int64", [1, 3]), ((0, -3.7, -1), "int64", [0, -1, -2]), ((0.9,), "int64", []),
    ((-2.5, 2), "int32", [-2, -1, 0, 1, 2]), ((0, 3, 0.5), "int32", [0] * 6), ((-0.5, 2.7), "int16", [0, 1, 2, 3]),
    ((-2.5, 2), "uint8", [254, 255, 0, 1, 2])])
def test_arange_of_float_bounds_in_an_integer_dtype_casts_them_as_pytorch(args, dtype, expected):
    out = nn.arange(*args, dtype=getattr(nn, dtype))
    assert out.dtype == getattr(nn, dtype)
    assert out.tolist() == expected


def test_arange_int64_step_that_truncates_to_zero_and_the_sign_checks():
    with pytest.raises(ValueError, match="step must be nonzero"):
        nn.arange(0, 3, 0.5, dtype=nn.int64)
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step sign"):
        nn.arange(3.5, 3.2, dtype=nn.int64)          # checked on the given numbers, before the cast
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step sign"):
        nn.arange(0, 3, -0.5, dtype=nn.int64)
    assert nn.arange(nn.tensor(2.58), dtype=nn.int64).tolist() == [0, 1]
    # the narrower integer dtypes count in the given numbers and step by the cast step
    assert nn.arange(2.58, dtype=nn.int32).tolist() == [0, 1, 2]
    assert nn.arange(0, 3, 1.5, dtype=nn.int32).tolist() == [0, 1]
    assert nn.arange(1.2, 5.9, 2.2, dtype=nn.int32).tolist() == [1, 3, 5]
    assert nn.arange(0, -3.7, -1, dtype=nn.int32).tolist() == [0, -1, -2, -3]
    assert nn.arange(0.5, 3, dtype=nn.int64).tolist() == [0, 1, 2]


def test_pypose_cumops_doubling_loop_runs_for_any_length():
    # pypose.cumops_: for i in pow(2, arange(log2(L) + 1, dtype=int64)): index = arange(i, L, dtype=int64)
    for L, steps in [(3, [1, 2]), (5, [1, 2, 4]), (6, [1, 2, 4]), (8, [1, 2, 4, 8])]:
        powers = nn.pow(2, nn.arange(math.log2(L) + 1, dtype=nn.int64))
        assert powers.tolist() == steps
        assert [nn.arange(i, L, dtype=nn.int64).tolist() for i in powers] == [list(range(i, L)) for i in steps]


def test_integer_arange_of_float_bounds_matches_pytorch():
    torch = pytest.importorskip("torch")
    for args in [(2.58,), (0.5, 3), (-2.5, 2), (0, 3, 1.5), (-0.5, 2.7), (1.2, 5.9, 2.2), (0, -3.7, -1), (7.9, 0.2, -2.5)]:
        for dt in ["int64", "int32", "uint8", "int16"]:
            assert nn.arange(*args, dtype=getattr(nn, dt)).tolist() == \
                torch.arange(*args, dtype=getattr(torch, dt)).tolist(), (args, dt)


# ---- isclose / allclose of shapes that do not broadcast --------------------------------------------------------

@pytest.mark.parametrize("fn", ["isclose", "allclose"])
def test_isclose_allclose_of_unbroadcastable_shapes_is_pytorchs_runtime_error(fn):
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(2\) at "
                                           r"non-singleton dimension 1"):
        getattr(nn, fn)(nn.ones(2, 3, 1), nn.ones(2, 3))
    assert getattr(nn, fn)(nn.ones(2, 3), nn.ones(3)) is True if fn == "allclose" else \
        getattr(nn, fn)(nn.ones(2, 3), nn.ones(3)).shape == (2, 3)
    assert bool(nn.allclose(nn.ones(3), 1.0))


# ---- a buffer that is a Tensor subclass reads back as it (pypose's IMUPreintegrator) ---------------------------

class _Rotation(nn.Tensor):
    """A Tensor subclass with an attribute, as pypose's LieTensor and its ltype."""

    def Inv(self):
        return -self


def _rotation(values, kind="SO3"):
    r = nn.tensor(values, dtype=nn.float64).as_subclass(_Rotation)
    r.kind = kind
    return r


def test_buffer_registered_as_a_tensor_subclass_reads_back_as_it():
    m = nn.Module()
    m.register_buffer("rot", _rotation([1.0, 2.0]), persistent=False)
    assert type(m.rot) is _Rotation and m.rot.kind == "SO3"
    np.testing.assert_array_equal(m.rot.Inv().numpy(), [-1.0, -2.0])
    m.rot.mul_(2)                       # still the buffer's own array
    np.testing.assert_array_equal(m.rot.numpy(), [2.0, 4.0])
    m2 = m.float()
    assert type(m2.rot) is _Rotation and m2.rot.dtype == nn.float32
    m.rot = _rotation([5.0, 6.0], kind="SE3")      # assigned: the new one's class and attributes
    assert m.rot.kind == "SE3"
    m.rot = nn.zeros(2)                             # a plain Tensor: plain again
    assert type(m.rot) is nn.Tensor and not hasattr(m.rot, "kind")
    m.register_buffer("plain", nn.ones(1))
    assert type(m.plain) is nn.Tensor


def test_buffer_subclass_as_pytorch():
    torch = pytest.importorskip("torch")

    class Rot(torch.Tensor):
        pass
    m = torch.nn.Module()
    r = torch.ones(2).as_subclass(Rot)
    r.kind = "SO3"
    m.register_buffer("rot", r, persistent=False)
    assert type(m.rot) is Rot and m.rot.kind == "SO3"
    ours = nn.Module()
    ours.register_buffer("rot", _rotation([1.0, 1.0]), persistent=False)
    assert type(ours.rot) is _Rotation and ours.rot.kind == "SO3"


# ---- SGD steps a subclass parameter through its own add_ (pypose's pp.Parameter retracts) ----------------------

class _UnitParameter(nn.Parameter):
    """A parameter on the unit sphere whose add_ retracts (steps, then normalises), as pp.Parameter's Exp(d) * p."""

    def add_(self, other, alpha=1):
        self.data = (self.data + alpha * other) / (self.data + alpha * other).norm()
        return self


def _sgd_reference(p0, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    """PyTorch's SGD (d_p formula) with the retraction p <- (p - lr d_p) / |p - lr d_p| in NumPy."""
    p, buf = p0.copy(), None
    for g in grads:
        g = -g if maximize else g
        g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = (p - lr * g) / np.linalg.norm(p - lr * g)
    return p


@pytest.mark.parametrize("kw", [{}, dict(momentum=0.9), dict(momentum=0.9, nesterov=True, weight_decay=0.1),
                                dict(momentum=0.5, dampening=0.3, maximize=True)])
def test_sgd_updates_a_subclass_parameter_through_its_add_(kw):
    p0 = np.array([0.6, 0.8, 0.0])
    target = np.array([0.3, -0.2, 0.9])
    p = _UnitParameter(nn.tensor(p0))
    opt = nn.optim.SGD([p], lr=0.1, **kw)
    grads = []
    for _ in range(3):
        opt.zero_grad()
        loss = ((p - nn.tensor(target)) ** 2).sum()
        loss.backward()
        grads.append(p.grad.numpy().copy())
        opt.step()
    assert type(p) is _UnitParameter
    np.testing.assert_allclose(p.detach().numpy(), _sgd_reference(p0, grads, 0.1, **kw), rtol=1e-13, atol=1e-15)
    assert abs(np.linalg.norm(p.detach().numpy()) - 1) < 1e-14         # stayed on the sphere
    # a plain Parameter beside it still takes the fused update
    w = nn.Parameter(nn.tensor([1.0, -2.0], dtype=nn.float64))
    opt = nn.optim.SGD([w], lr=0.5, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    # p1 = p0 - 0.5 * 2 p0 = 0; buf1 = 2 p0; g2 = 0, buf2 = 0.9 buf1; p2 = -0.5 * 0.9 * 2 p0
    np.testing.assert_allclose(w.detach().numpy(), [-0.9, 1.8])
