"""A review of round 49's areas E, F, G and H (the linear-algebra and special-function leftovers: kthvalue among ties,
zeta, histogram, solve_triangular's parsing, multi_dot, det / svd / eig / cholesky_ex gradients, cond, vector_norm,
lu_solve, the older forms' warnings and set_warn_always; nan_to_num's overflow; the fills' value parsing of masked_fill
/ fill / index_fill; the index ops' dtype refusals, gradient hooks' checks, ``.data =`` and the legacy constructors'
negative sizes), against PyTorch 2.13 over grids wider than the areas' tests, each call's error type and first line, or
its result's dtype, shape, requires_grad and values (1e-12 relative, 1e-10 for zeta and svd), and its warnings compared.
E and F (2,296 calls): kthvalue of float64, float32 (with NaN), int64, int32, int16 and uint8 rows of 1 to 30 values
drawn from 4 (many ties), k first, middle and last, dims -1, 1 and 0, keepdim, transposed inputs, a row of 3,000, 0-d,
empty, k 0, bool, its gradient among ties and out=; zeta with x or q or both requiring grad, of broadcast, pole (q =
-1.5, x = 1) and integer inputs, number operands, its backward and create_graph; histogram / histogramdd with and
without weights, bins as tensors, inputs requiring grad and their backward; solve_triangular by 7 keyword sets, upper by
position, out=; multi_dot of 10 shape lists, none, mixed dtypes and integers; det's gradient at singular and zero
matrices; svdvals / eigvals / svd / torch.svd of complex matrices and svd gradients of loss that depend on the vectors'
phases or not; cholesky_ex's gradient of a matrix that is not positive-definite; cond of no elements; vector_norm / norm
of order 0; lu_solve with out=; set_warn_always; ger / Tensor.ger with and without out=; nan_to_num of float32, float64,
int64, bool and complex64 by 7 keyword sets as function, method in place and with out=, and its gradient. G (2,977
calls): masked_fill (method, function, in place, keywords, input=) of float64, int64, bool, float32 requiring grad and
transposed tensors by 18 values (numbers, NumPy scalars, complex, tuple, list, None, 0-d array, Fraction, str, 0-d / 1-d
/ empty / int / grad-requiring tensors) and 7 masks; fill / fill_ and index_fill / index_fill_ by the same values and
int64, int32 and float indices. H (3,227 calls): index_select / index_add (with alpha) / index_copy / index_fill /
index_reduce of 2-d, 0-d and transposed tensors by 7 index dtypes, 4 index shapes (1-d, empty, one element, 2-d) and
dims 0, -1, 1, 2; 14 gradient hooks (wrong dtype, size, rank, a number, a list, a half tensor, a functools.partial, a
callable object) on leaves and non-leaves in backward and in ``autograd.grad(create_graph=True)``; ``.data =`` of 7
dtypes with and without requires_grad; the legacy constructors and ``Tensor.new`` / ``new_empty`` with negative sizes.
The changed functions' existing tests pass (69 files naming the index ops, multi_dot, set_warn_always, nan_to_num, zeta,
register_hook or ``.new(``: 2,076 passed; the 13 naming index_fill after its last change: 860 passed), and the hot paths
(beach_mlp's Linear / Sigmoid / MSE / SGD step, a colorize-like conv / conv_transpose / batch norm / leaky_relu /
cross-entropy / Adam step at batch 8 of 32 pixels, masked_fill, fill_, index_select, index_fill, kthvalue, nan_to_num,
sum / mean / max, an embedding's forward and backward) were timed against the tree before the round. Area E's tests
reach kthvalue's quickselect replay only on rows under 4,096 elements (its Python path): one test here pins PyTorch's
indices among ties on longer rows (the compiled path).

Found and fixed: area H's index dtype check came before the dim was wrapped (and, but for index_fill, before the index
was checked to be a vector), so ``x.index_add(2, float_index, src)`` said "index_add_(): Expected dtype int32/int64 for
index but got: Float" where PyTorch says "Dimension out of range (expected to be in range of [-2, 1], but got 2)";
index_copy, index_select and index_reduce alike, and a 2-d index with a bad dim named the vector rule first (older than
the round). index_fill read its index before its value tensor's dims, which PyTorch checks first ("index_fill_ only
supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)."); index_fill of a 0-d tensor filled it with
an empty index and failed its backward on the scalar gradient (older than the round). ``x.new(-1, 2)`` said nn's "zeros:
Dimension size must be non-negative." where the legacy constructors now say PyTorch's "Trying to create tensor with
negative dimension -1: [-1, 2]". Area E's zeta gradient in q could not be differentiated again (``autograd.grad(...,
create_graph=True)``: nn's NotImplementedError), and now has its graph form (d/dq of -x zeta(x + 1, q) through zeta
itself). nan_to_num of a complex tensor returned it unchanged (NaN and inf kept; older than the round), where PyTorch
replaces each part, and refuses one requiring grad ("nan_to_num does not support automatic differentiation for outputs
with complex dtype."). multi_dot of matrices that do not chain said matmul's "mat1 and mat2 shapes cannot be multiplied
(3x4 and 3x2)" (a ShapeError) where PyTorch says "multi_dot(): tensors 0 and 1 with shapes [3, 4] and [3, 2] cannot be
multiplied", after each pair's dtype check. ``set_warn_always`` took any value and ``b=`` by keyword; PyTorch's
parameter is positional-only and a bool ("setWarnOnlyOnce expects a bool, but got int"). A hook returning an object of a
class written in Python was named with its module ('fractions.Fraction'; PyTorch 'Fraction': now the shared
``parser_type_name``, which area H's check had written again).

Still different (not fixed): the order of keywords in the parser's "got (...)" line with three keywords
(``masked_fill(input=x, mask=m, value=(5,))``: PyTorch "(mask=Tensor, value=tuple, input=Tensor, )", nn "(value=tuple,
mask=Tensor, input=Tensor, )"): nn lists them in reverse order, PyTorch's order for one or two keywords, not for three,
where PyTorch's follows its own hashing of the names; a grad-requiring value tensor filled into an integer tensor
(PyTorch "Autograd not support dtype: Long"); index ops of a 0-d tensor with a dim or index out of range say nn's words;
the hook's type names read ``nn.FloatTensor``; ``linalg.solve_triangular(A=...)`` is taken (PyTorch names its first
parameter ``input``); float32 histogram bin edges computed in float64 and rounded (an ulp from PyTorch's float32 steps);
the deprecation warnings lack "(Triggered internally at ...)".
"""
import fractions
import math
import warnings

import numpy as np
import pytest

import nn


def raised(call):
    try:
        call()
    except Exception as error:      # noqa: BLE001 - the type and first line are what is compared
        return type(error).__name__, str(error).split("\n")[0]
    return None


@pytest.mark.filterwarnings("ignore:index_reduce")
@pytest.mark.parametrize("call, expected", [
    (lambda L: L.ones(2, 3).index_add(2, L.tensor([0.0, 1.0]), L.ones(2, 2)),
     ("IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got 2)")),
    (lambda L: L.ones(2, 3).index_copy(-3, L.tensor([[0], [1]]), L.ones(2, 2)),
     ("IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got -3)")),
    (lambda L: L.ones(2, 3).index_add(2, L.tensor([[0.5]]), L.ones(2, 1)),
     ("IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got 2)")),
    (lambda L: L.ones(2, 3).index_reduce(2, L.tensor([[0]]), L.ones(2, 1), "prod"),
     ("IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got 2)")),
    (lambda L: L.ones(2, 3).index_fill(1, L.tensor([0], dtype=L.int32), L.ones(1)),
     ("RuntimeError", "index_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).")),
    (lambda L: L.ones(2, 3).index_fill(1, L.tensor([0.0]), L.ones(2, 2)),
     ("RuntimeError", "index_fill_ only supports a 0-dimensional value tensor, but got tensor with 2 dimension(s).")),
    (lambda L: L.ones(2, 3).index_fill(5, L.tensor([[0]]), L.ones(2)),
     ("RuntimeError", "index_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s).")),
])
def test_index_ops_check_dim_and_value_before_the_index_dtype(call, expected):
    assert raised(lambda: call(nn)) == expected


def test_index_fill_of_a_zero_d_tensor():
    empty = nn.tensor([], dtype=nn.int64)
    assert nn.tensor(1.5).index_fill(0, empty, 2.0).item() == 1.5          # an empty index fills nothing
    assert nn.tensor(1.5).index_fill_(-1, empty, nn.tensor(2.0)).item() == 1.5
    assert nn.tensor(1.5).index_fill(-1, nn.tensor([0]), 2.0).item() == 2.0
    x, v = nn.tensor(1.5, requires_grad=True), nn.tensor(2.0, requires_grad=True)
    (x.index_fill(0, nn.tensor([0]), v) * 3).backward()
    assert (float(x.grad), float(v.grad)) == (0.0, 3.0)


def test_tensor_new_refuses_a_negative_size_in_the_legacy_words():
    assert raised(lambda: nn.ones(1).new(-1, 2)) == (
        "RuntimeError", "Trying to create tensor with negative dimension -1: [-1, 2]")
    assert raised(lambda: nn.ones(1).new(nn.Size([2, -3]))) == (
        "RuntimeError", "Trying to create tensor with negative dimension -3: [2, -3]")
    assert raised(lambda: nn.ones(1).new(np.int64(-1))) == (
        "RuntimeError", "Trying to create tensor with negative dimension -1: [-1]")
    assert nn.ones(1, dtype=nn.float64).new(2, 0).shape == (2, 0)


def test_zetas_gradient_in_q_differentiates_again():
    q = nn.tensor([1.5, 2.5], dtype=nn.float64, requires_grad=True)
    x = nn.tensor([3.0, 4.0], dtype=nn.float64)
    g, = nn.autograd.grad(nn.special.zeta(x, q).sum(), q, create_graph=True)
    h, = nn.autograd.grad(g.sum(), q)
    # -x zeta(x + 1, q) and x (x + 1) zeta(x + 2, q): PyTorch 2.13's values
    np.testing.assert_allclose(g.detach().numpy(), [-0.7045455170012184, -0.05229266658445522], rtol=1e-13)
    np.testing.assert_allclose(h.numpy(), [1.7371249133336124, 0.0964281964278639], rtol=1e-13)
    x = nn.tensor([3.0, 4.0], dtype=nn.float64, requires_grad=True)
    assert raised(lambda: nn.autograd.grad(nn.special.zeta(x, q).sum(), x, create_graph=True)) == (
        "NotImplementedError", "the derivative for 'zeta' is not implemented.")


def test_nan_to_num_of_a_complex_tensor_replaces_each_part():
    big = float(np.finfo(np.float32).max)
    x = nn.tensor([complex(math.nan, math.inf), complex(1, -math.inf), 2 + 1j], dtype=nn.complex64)
    assert nn.nan_to_num(x).tolist() == [complex(0, big), complex(1, -big), 2 + 1j]
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # (no NumPy overflow warning, as PyTorch's)
        assert nn.nan_to_num(x, nan=3.0, posinf=1e39).tolist() == [complex(3, math.inf), complex(1, -big), 2 + 1j]
    assert x.clone().nan_to_num_(neginf=-5.0).tolist() == [complex(0, big), complex(1, -5), 2 + 1j]
    z = nn.tensor([complex(math.nan, 1)], dtype=nn.complex128, requires_grad=True)
    assert raised(lambda: nn.nan_to_num(z)) == (
        "RuntimeError", "nan_to_num does not support automatic differentiation for outputs with complex dtype.")
    with nn.no_grad():
        assert nn.nan_to_num(z).tolist() == [1j]


def test_multi_dot_names_the_pair_that_does_not_chain():
    words = "multi_dot(): tensors {} and {} with shapes {} and {} cannot be multiplied"
    assert raised(lambda: nn.linalg.multi_dot([nn.ones(3, 4), nn.ones(3, 2)])) == (
        "RuntimeError", words.format(0, 1, [3, 4], [3, 2]))
    assert raised(lambda: nn.linalg.multi_dot([nn.ones(4), nn.ones(3, 2)])) == (
        "RuntimeError", words.format(0, 1, [4], [3, 2]))
    assert raised(lambda: nn.linalg.multi_dot([nn.ones(3, 4), nn.ones(4, 5), nn.ones(4, 2)])) == (
        "RuntimeError", words.format(1, 2, [4, 5], [4, 2]))
    assert raised(lambda: nn.linalg.multi_dot([nn.ones(3, 4), nn.ones(5)])) == (
        "RuntimeError", words.format(0, 1, [3, 4], [5]))
    # each pair's dtype first: tensor 1's dtype before its shape
    assert raised(lambda: nn.linalg.multi_dot([nn.ones(3, 4), nn.ones(3, 2, dtype=nn.float64)])) == (
        "RuntimeError",
        "multi_dot(): all tensors must have be the same dtype but tensor 0 is float and tensor 1 double")
    assert nn.linalg.multi_dot([nn.ones(4), nn.ones(4)]).shape == ()


def test_set_warn_always_takes_a_bool_by_position_only():
    was = nn.is_warn_always_enabled()
    try:
        for value, name in ((1, "int"), (np.bool_(True), "numpy.bool"), (None, "NoneType"),
                            (nn.tensor(True), "Tensor")):
            assert raised(lambda: nn.set_warn_always(value)) == (
                "RuntimeError", f"setWarnOnlyOnce expects a bool, but got {name}")
        assert raised(lambda: nn.set_warn_always(b=True)) == (
            "TypeError", "set_warn_always() got some positional-only arguments passed as keyword arguments: 'b'")
        nn.set_warn_always(True)
        assert nn.is_warn_always_enabled() is True
    finally:
        nn.set_warn_always(was)


def test_a_hook_returning_a_python_class_is_named_as_pytorch():
    x = nn.ones(2, requires_grad=True)
    x.register_hook(lambda g: fractions.Fraction(1, 2))
    assert raised(lambda: x.sum().backward()) == ("TypeError", "expected Variable, but hook returned 'Fraction'")


def test_kthvalue_among_ties_in_rows_past_the_python_path():
    # above 4,096 elements the quickselect replay runs compiled (area E's tests reach only the Python path):
    # PyTorch 2.13's indices
    a = nn.tensor((np.arange(5000) * 7 % 3).astype(np.float64)[None])
    assert [a.kthvalue(k).indices.tolist() for k in (1, 1667, 2500, 5000)] == [[2493], [621], [553], [3125]]
    b = nn.tensor(np.stack([np.arange(2500) * 7 % 3, np.arange(2500) * 5 % 4]))
    assert [b.kthvalue(k).indices.tolist() for k in (1, 700, 2500)] == [[1260, 592], [357, 1173], [1562, 2499]]


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    calls = []
    for dt in ("uint8", "int16", "int32", "int64", "float32"):
        for shape in ([0, 1], [[0], [1]], []):
            for d in (0, -1, 2, -3):
                idx = (lambda L, dt=dt, shape=shape: L.tensor(shape, dtype=getattr(L, dt)))
                src = (lambda L, n=len(shape), d=d:
                       L.ones(n, 3) if d == 0 else L.ones(2, n) if d == -1 else L.ones(2, 3))
                calls += [
                    lambda L, idx=idx, d=d: L.ones(2, 3).index_select(d, idx(L)),
                    lambda L, idx=idx, src=src, d=d: L.ones(2, 3).index_add(d, idx(L), src(L)),
                    lambda L, idx=idx, src=src, d=d: L.ones(2, 3).index_copy(d, idx(L), src(L)),
                    lambda L, idx=idx, d=d: L.ones(2, 3).index_fill(d, idx(L), 2.0),
                    lambda L, idx=idx, d=d: L.ones(2, 3).index_fill(d, idx(L), L.ones(2))]
    calls += [lambda L, ix=ix: L.tensor(1.5).index_fill(0, L.tensor(ix, dtype=L.int64), 2.0) for ix in ([], [0], [-1])]
    calls += [lambda L, a=a: L.ones(1).new(*a).shape for a in ((-1, 2), (2, -1), (0,), (2, 3))]
    calls += [lambda L, s=s: L.linalg.multi_dot([L.ones(*t) for t in s]).shape
              for s in (((3, 4), (3, 2)), ((4,), (5,)), ((3, 4), (4, 5), (4, 2)), ((3, 4), (4,)))]
    calls += [lambda L, v=v: L.set_warn_always(v) for v in (1, 1.0, None)]
    calls += [lambda L: L.nan_to_num(L.tensor([complex(math.nan, math.inf), 1 - 1j], dtype=L.complex64)).tolist(),
              lambda L: L.nan_to_num(L.tensor([complex(math.nan, 1)], dtype=L.complex128, requires_grad=True))]

    def second(L):
        q = L.tensor([0.5, 2.0], dtype=L.float64, requires_grad=True)
        g, = L.autograd.grad(L.special.zeta(L.tensor([2.0, 5.0], dtype=L.float64), q).sum(), q, create_graph=True)
        return [round(v, 10) for v in L.autograd.grad(g.sum(), q)[0].tolist()]
    calls.append(second)

    def outcome(L, call):
        try:
            value = call(L)
        except Exception as error:      # noqa: BLE001
            return type(error).__name__, str(error).split("\n")[0]
        return "ok", value
    for call in calls:
        theirs, ours = outcome(torch, call), outcome(nn, call)
        if theirs[0] == "ok" and isinstance(theirs[1], torch.Tensor):
            theirs, ours = ("ok", theirs[1].tolist()), ("ok", ours[1].tolist())
        assert ours == theirs
