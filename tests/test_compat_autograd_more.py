"""PyTorch behaviour of custom autograd Functions beyond the basic form (several outputs, ctx.mark_dirty /
mark_non_differentiable / set_materialize_grads, PyTorch 2's setup_context, once_differentiable), of div's
rounding modes and ** at 0, of einsum with a repeated letter, and of integer inputs to float-only ops: each test
asserts the expected values itself and, when PyTorch is installed, compares with it."""
import numpy as np
import pytest

import nn
from nn.autograd.function import once_differentiable
from nn.gradcheck import gradcheck, gradgradcheck


def t64(*shape, seed=0, low=-1.0, high=1.0):
    return nn.tensor(np.random.default_rng(seed).uniform(low, high, shape), requires_grad=True)


def _torch():
    return pytest.importorskip("torch")


def _functions(M):
    """The custom ops of these tests, written once against a module M (nn, or torch to compare)."""
    seen = []

    class ProdSum(M.autograd.Function):
        """(a * b, a + b): d/da = g1 b + g2, d/db = g1 a + g2."""
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b, a + b

        @staticmethod
        def backward(ctx, g_prod, g_sum):
            seen.append((g_prod, g_sum))
            a, b = ctx.saved_tensors
            return g_prod * b + g_sum, g_prod * a + g_sum

    class DoubleArgmax(M.autograd.Function):
        """(2 x, argmax of x as a float marked non-differentiable): dx = 2 g."""
        @staticmethod
        def forward(ctx, x):
            where = (x == x.max()).to(x.dtype)
            ctx.mark_non_differentiable(where)
            return x * 2, where

        @staticmethod
        def backward(ctx, g, g_where):
            seen.append(g_where)
            return g * 2

    class Lazy(M.autograd.Function):
        """(2 x, 3 x) with set_materialize_grads(False): an unused output's gradient is None."""
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g2, g3):
            seen.append((g2, g3))
            return (0 if g2 is None else g2 * 2) + (0 if g3 is None else g3 * 3)

    class DoubleInPlace(M.autograd.Function):
        """x *= 2 in place, marked dirty: dx = 2 g."""
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Scale(M.autograd.Function):
        """PyTorch 2's form: x * k, ctx filled by setup_context; dx = k g, nothing for k."""
        @staticmethod
        def forward(x, k=2.0, mask=None):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k, mask = inputs
            ctx.k = k
            ctx.save_for_backward(x, None)

        @staticmethod
        def backward(ctx, g):
            x, nothing = ctx.saved_tensors
            seen.append((nothing, ctx.needs_input_grad))
            return g * ctx.k, None, None

    class Exp(M.autograd.Function):
        """e^x, saving its output; backward g e^x by Tensor ops (so differentiable again)."""
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    class ExpOnce(Exp):
        @staticmethod
        @once_differentiable if M is nn else M.autograd.function.once_differentiable
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    return seen, ProdSum, DoubleArgmax, Lazy, DoubleInPlace, Scale, Exp, ExpOnce


def _prod_sum_grads(M, a, b):
    seen, ProdSum, *_ = _functions(M)
    a, b = M.tensor(a, requires_grad=True), M.tensor(b, requires_grad=True)
    prod, total = ProdSum.apply(a, b)
    prod.sum().backward()                               # only the first output is used
    return np.asarray(a.grad), np.asarray(b.grad), [np.asarray(g) for g in seen[-1]]


def test_function_forward_returning_a_tuple_gets_one_gradient_per_output():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    ga, gb, (g_prod, g_sum) = _prod_sum_grads(nn, a, b)
    np.testing.assert_allclose(ga, b)
    np.testing.assert_allclose(gb, a)
    np.testing.assert_array_equal(g_prod, [1, 1])
    np.testing.assert_array_equal(g_sum, [0, 0])       # the unused output's gradient: zeros, as PyTorch's
    _, ProdSum, *_ = _functions(nn)
    assert gradcheck(ProdSum.apply, (t64(2, 3), t64(2, 3, seed=1)))
    assert gradcheck(lambda x, y: ProdSum.apply(x, y)[1] * ProdSum.apply(x, y)[0], (t64(3), t64(3, seed=1)))
    torch = _torch()
    for ours, theirs in zip(_prod_sum_grads(nn, a, b), _prod_sum_grads(torch, a, b)):
        np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float))


def _argmax_and_lazy(M):
    seen, _, DoubleArgmax, Lazy, *_ = _functions(M)
    x = M.tensor([1.0, 3.0, 2.0], requires_grad=True)
    y, where = DoubleArgmax.apply(x)
    y.sum().backward()
    out = [where.requires_grad, np.asarray(x.grad), np.asarray(seen[-1]), np.asarray(where)]
    x = M.tensor([1.0, 3.0], requires_grad=True)
    y2, y3 = Lazy.apply(x)
    y2.sum().backward()
    return out + [np.asarray(x.grad), seen[-1][1] is None]


def test_mark_non_differentiable_and_set_materialize_grads():
    where_requires_grad, gx, g_where, where, gx_lazy, got_none = _argmax_and_lazy(nn)
    assert not where_requires_grad
    np.testing.assert_array_equal(where, [0, 1, 0])
    np.testing.assert_allclose(gx, [2, 2, 2])
    np.testing.assert_array_equal(g_where, [0, 0, 0])  # backward still gets a slot for it: zeros
    np.testing.assert_allclose(gx_lazy, [2, 2])
    assert got_none                                    # set_materialize_grads(False): None for the unused output
    torch = _torch()
    for ours, theirs in zip(_argmax_and_lazy(nn), _argmax_and_lazy(torch)):
        np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float))


def _dirty(M):
    *_, DoubleInPlace, _, _, _ = _functions(M)
    x = M.tensor([1.0, 3.0], requires_grad=True)
    y = x * 1
    z = DoubleInPlace.apply(y)
    (z * z).sum().backward()
    return z is y, np.asarray(z.detach()), np.asarray(x.grad)


def test_mark_dirty_makes_the_changed_input_the_output():
    same, z, gx = _dirty(nn)
    assert same
    np.testing.assert_allclose(z, [2, 6])
    np.testing.assert_allclose(gx, [8, 24])            # d (2x)^2 / dx = 8 x
    *_, DoubleInPlace, _, _, _ = _functions(nn)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        DoubleInPlace.apply(nn.tensor([1.0], requires_grad=True))
    assert gradcheck(lambda x: DoubleInPlace.apply(x * 1) ** 2, (t64(3),))
    torch = _torch()
    for ours, theirs in zip(_dirty(nn), _dirty(torch)):
        np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float))


def test_mark_dirty_input_must_be_returned():
    class Forgets(nn.autograd.Function):
        @staticmethod
        def forward(ctx, buf, x):
            buf.add_(x)
            ctx.mark_dirty(buf)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return None, g * 2

    with pytest.raises(RuntimeError, match="marked dirty .* was not returned"):
        Forgets.apply(nn.zeros(2), nn.ones(2, requires_grad=True))


def _setup_context(M):
    seen, *_, Scale, _, _ = _functions(M)
    x = M.tensor([1.0, 3.0], requires_grad=True)
    Scale.apply(x, 4.0, None).sum().backward()
    g4 = np.asarray(x.grad)
    x.grad = None
    Scale.apply(x).sum().backward()                    # k's default, bound as PyTorch binds it
    return g4, np.asarray(x.grad), seen[-1][0] is None, tuple(seen[-1][1])


def test_setup_context_form_with_non_tensor_and_none_arguments():
    g4, g_default, saved_none, needs = _setup_context(nn)
    np.testing.assert_allclose(g4, [4, 4])
    np.testing.assert_allclose(g_default, [2, 2])
    assert saved_none and needs == (True, False, False)
    *_, Scale, _, _ = _functions(nn)
    assert gradcheck(lambda x: Scale.apply(x, 0.5), (t64(2, 3),))
    torch = _torch()
    assert [np.asarray(v).tolist() for v in _setup_context(nn)] == [np.asarray(v).tolist()
                                                                     for v in _setup_context(torch)]


def test_function_errors_name_the_mistake():
    class IntGrad(nn.autograd.Function):
        @staticmethod
        def forward(ctx, x, n):
            return x * n

        @staticmethod
        def backward(ctx, g):
            return g * 3, 1.0           # a gradient for the int argument

    with pytest.raises(RuntimeError, match="^function IntGradBackward returned a gradient different than None at "
                                           "position 2, but the corresponding forward input was not a Variable$"):
        IntGrad.apply(nn.ones(2, requires_grad=True), 3).sum().backward()

    class SavesInt(nn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match="argument 1 is a int; keep other values as attributes"):
        SavesInt.apply(nn.ones(2, requires_grad=True))


def _second_derivatives(M):
    *_, Exp, ExpOnce = _functions(M)
    x = M.tensor([0.5, -1.0], requires_grad=True)
    g, = M.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
    gg, = M.autograd.grad(g.sum(), x)
    g_once, = M.autograd.grad(ExpOnce.apply(x).sum(), x, create_graph=True)
    return np.asarray(gg), g_once.requires_grad, np.asarray(g_once.detach())


def test_create_graph_records_a_function_backward_unless_once_differentiable():
    gg, once_requires_grad, g_once = _second_derivatives(nn)
    np.testing.assert_allclose(gg, np.exp([0.5, -1.0]))
    assert not once_requires_grad                      # once_differentiable: a constant, as PyTorch's
    np.testing.assert_allclose(g_once, np.exp([0.5, -1.0]))
    _, ProdSum, *_, Exp, _ = _functions(nn)
    assert gradgradcheck(Exp.apply, (t64(2, 3),))
    assert gradgradcheck(ProdSum.apply, (t64(2, 3), t64(2, 3, seed=1)))
    torch = _torch()
    for ours, theirs in zip(_second_derivatives(nn), _second_derivatives(torch)):
        np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float))


# ----------------------------------------------------------------------------- div's rounding modes, ** at 0

def _div_rounding(M):
    out = []
    for mode in ("floor", "trunc"):
        x = M.tensor([1.5, -2.5, 7.0], requires_grad=True)
        d = M.tensor([2.0, 2.0, -2.0], requires_grad=True)
        y = M.div(x, d, rounding_mode=mode)
        y.sum().backward()
        out += [np.asarray(y.detach()), np.asarray(x.grad), np.asarray(d.grad)]
    ints = M.tensor([-7, 7, -6])
    out += [np.asarray(M.div(ints, M.tensor([2, -2, 4]), rounding_mode="trunc")),
            np.asarray(M.div(ints, 2, rounding_mode="floor")), np.asarray(M.div(M.tensor(1.0), 0.1, rounding_mode="floor"))]
    return out


def test_div_with_a_rounding_mode_has_a_zero_gradient():
    floor, gx_f, gd_f, trunc, gx_t, gd_t, int_trunc, int_floor, tenth = _div_rounding(nn)
    np.testing.assert_array_equal(floor, [0, -2, -4])
    np.testing.assert_array_equal(trunc, [0, -1, -3])
    for g in (gx_f, gd_f, gx_t, gd_t):
        np.testing.assert_array_equal(g, [0, 0, 0])
    np.testing.assert_array_equal(int_trunc, [-3, -3, -1])
    np.testing.assert_array_equal(int_floor, [-4, 3, -3])
    assert int_trunc.dtype == np.int64 and tenth == 9   # floor as Python's //: 1 // 0.1 is 9
    for mode in ("floor", "trunc"):                     # away from the jumps the slope is 0 both sides
        assert gradcheck(lambda a, b: nn.div(a, b, rounding_mode=mode), (t64(5, low=0.1, high=0.9),
                                                                          t64(5, seed=1, low=2.0, high=3.0)))
    with pytest.raises(RuntimeError, match="floor_divide .* has no derivative"):
        (nn.ones(2, requires_grad=True) // 2).sum().backward()
    torch = _torch()
    for ours, theirs in zip(_div_rounding(nn), _div_rounding(torch)):
        np.testing.assert_array_equal(ours, theirs)


def _pow_grads(M):
    out = []
    for p in (0, 0.0, 1, 2, 0.5, 3.0, -2.0):
        x = M.tensor([0.0, -2.0, 1.5], dtype=M.float64, requires_grad=True)
        (x ** p).sum().backward()
        out.append(np.asarray(x.grad))
    x = M.tensor([0.0, 0.0, 0.0, -2.0, 1.5, 0.0], dtype=M.float64, requires_grad=True)
    e = M.tensor([0.0, 1.0, 2.0, 3.0, 0.0, -1.0], dtype=M.float64, requires_grad=True)
    (x ** e).sum().backward()
    return out + [np.asarray(x.grad), np.asarray(e.grad)]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")     # 0^-1 = inf, (-2)^0.5 = nan, as PyTorch
def test_pow_gradient_at_zero_and_for_negative_bases():
    g0, g00, g1, g2, g_half, g3, g_m2, gx, ge = _pow_grads(nn)
    np.testing.assert_array_equal(g0, [0, 0, 0])       # x^0 = 1: slope 0, at 0 too (not 0 * 0^-1 = nan)
    np.testing.assert_array_equal(g00, [0, 0, 0])
    np.testing.assert_array_equal(g1, [1, 1, 1])
    np.testing.assert_allclose(g2, [0, -4, 3])
    assert g_half[0] == np.inf and np.isnan(g_half[1])
    np.testing.assert_allclose(g3, [0, 12, 6.75])      # negative base, integer-valued float exponent
    np.testing.assert_allclose(g_m2, [-np.inf, 0.25, -2 / 1.5 ** 3])
    np.testing.assert_allclose(gx, [0, 1, 0, 12, 0, -np.inf])       # d/dx = 0 where the exponent is 0
    np.testing.assert_allclose(ge, [0, 0, 0, np.nan, np.log(1.5), -np.inf])   # 0 * log 0 taken as 0
    assert gradcheck(lambda x: x ** 0, (t64(4),))
    assert gradcheck(lambda x: x ** 3.0 + x ** -2.0, (t64(4, low=-2.0, high=-0.5),))
    exps = nn.tensor([0.0, 1.0, 2.0, 0.5], dtype=nn.float64, requires_grad=True)
    assert gradcheck(lambda x, e: x ** e, (t64(4, low=0.5, high=2.0), exps))
    torch = _torch()
    for ours, theirs in zip(_pow_grads(nn), _pow_grads(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-15)


# ----------------------------------------------------------------------------- einsum, a letter repeated

EINSUM_REPEATED = [("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("bii->bi", [(2, 3, 3)]), ("iij->j", [(3, 3, 2)]),
                   ("iji->ij", [(3, 2, 3)]), ("ii,ij->j", [(3, 3), (3, 4)]), ("ij,jj->i", [(2, 3), (3, 3)]),
                   ("...ii->...i", [(2, 3, 3)])]


@pytest.mark.parametrize("equation,shapes", EINSUM_REPEATED)
def test_einsum_backward_with_a_repeated_letter(equation, shapes):
    xs = [t64(*shape, seed=k) for k, shape in enumerate(shapes)]
    assert gradcheck(lambda *ts: nn.einsum(equation, *ts), xs)
    torch = _torch()
    ys = [torch.tensor(x.detach().numpy(), requires_grad=True) for x in xs]
    w = np.random.default_rng(9).standard_normal(torch.einsum(equation, *ys).shape)
    (nn.einsum(equation, *xs) * nn.tensor(w)).sum().backward()
    (torch.einsum(equation, *ys) * torch.tensor(w)).sum().backward()
    for x, y in zip(xs, ys):
        np.testing.assert_allclose(x.grad, y.grad.numpy(), rtol=1e-12)


def test_einsum_diagonal_gradient_lands_on_the_diagonal():
    x = nn.ones(3, 3, dtype=nn.float64, requires_grad=True)
    (nn.einsum("ii->i", x) * nn.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, np.diag([1.0, 2.0, 3.0]))
    x = nn.ones(2, 2, 3, dtype=nn.float64, requires_grad=True)
    nn.einsum("iij->j", x).sum().backward()             # a trace per j: 1 on each diagonal, 0 off it
    np.testing.assert_array_equal(x.grad, np.eye(2)[:, :, None] * np.ones(3))


# ----------------------------------------------------------------------------- integer inputs, float ops

def _integer_inputs(M):
    ints = M.tensor([0, 1, 3])
    out = [(op, str(getattr(ints, op)().dtype).split(".")[-1], np.asarray(getattr(ints, op)()).tolist())
           for op in ("sigmoid", "tanh", "exp", "sqrt", "sin", "log1p")]
    out += [(name, str(f(ints).dtype).split(".")[-1], np.asarray(f(ints)).tolist()) for name, f in [
        ("softsign", M.nn.functional.softsign), ("tanhshrink", M.nn.functional.tanhshrink),
        ("bool sigmoid", lambda t: (t > 0).sigmoid()), ("clamp(0, 2.5)", lambda t: t.clamp(0, 2.5)),
        ("clamp(min=0.5)", lambda t: t.clamp(min=0.5)), ("clamp(0, 2)", lambda t: t.clamp(0, 2)),
        ("bool clamp(0, 0.5)", lambda t: (t > 0).clamp(0, 0.5))]]
    return out


def test_integer_inputs_to_float_ops_compute_in_the_default_dtype():
    got = {name: (dtype, values) for name, dtype, values in _integer_inputs(nn)}
    for op in ("sigmoid", "tanh", "exp", "sqrt", "softsign", "tanhshrink"):
        assert got[op][0] == "float32", op
    np.testing.assert_allclose(got["sigmoid"][1], 1 / (1 + np.exp(-np.array([0.0, 1.0, 3.0]))), rtol=1e-6)
    assert got["bool sigmoid"][0] == "float32"
    assert got["clamp(0, 2.5)"] == ("float32", [0.0, 1.0, 2.5])      # not float64
    assert got["clamp(min=0.5)"] == ("float32", [0.5, 1.0, 3.0])
    assert got["clamp(0, 2)"] == ("int64", [0, 1, 2])
    assert got["bool clamp(0, 0.5)"][0] == "float32"
    nn.set_default_dtype(nn.float64)
    try:
        assert nn.tensor([0, 1]).sigmoid().dtype == nn.float64 and nn.tensor([0, 1]).clamp(0, 0.5).dtype == nn.float64
    finally:
        nn.set_default_dtype(nn.float32)
    with pytest.raises(RuntimeError, match="float"):
        nn.tensor([0, 1]).mean()                        # PyTorch refuses too: mean needs a float dtype
    torch = _torch()
    ours, theirs = _integer_inputs(nn), _integer_inputs(torch)
    for (name, dtype, values), (_, dtype_t, values_t) in zip(ours, theirs):
        assert dtype == dtype_t, name
        np.testing.assert_allclose(values, values_t, rtol=1e-6, err_msg=name)
