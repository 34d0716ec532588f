"""Review of the fortieth round, areas A-D (topk among ties; einsum's replay of ATen's contraction and the empty
batched products of two dtypes; the TensorList argument of stack / cat; the padding='same' warning and the pytree
node types), checked against PyTorch 2.13 side by side over grids (dtypes, 0-size and 0-d shapes, non-contiguous
inputs, gradients to the second order, error words, warnings). What the review found and fixed in nn:

- ``topk(0)`` of a tensor with an empty dim (``zeros(2, 0).topk(0)``) raised NumPy's "cannot reshape array of size 0"
  since area A's selection; PyTorch returns empty values and indices.
- area A's selection replayed every row of a tensor once one row had a tie, comparing values through a function per
  comparison, and compiled its Numba copies as sixteen dispatchers (20-35 s on a clean clone); it now replays only
  the rows whose deciding values are tied, on each value's rank among the row's distinct values (so a comparison is
  ``<`` of two ints, and the kernel has one signature), and the kernel is one ``njit(cache=True)`` function whose
  helpers are ``register_jitable`` (one cache file, about 3 s to compile).
- an einsum of a complex and a real operand whose product is empty (PyTorch's bmm gives zeros in the second
  operand's dtype) cast the complex operand with NumPy, which warns ComplexWarning; PyTorch says nothing.
- ``create_graph=True`` through an einsum of float32 and float64 operands without a summed letter (an outer product,
  which PyTorch multiplies with promotion) raised "expected scalar type Double but found Float" when its gradient's
  own einsum summed the float32 operand against the float64 gradient; the recorded gradient now contracts the
  operands in the forward's dtype (a recorded cast), as PyTorch's.
- (at the end of the stop) an element of the TensorList that is no Tensor: ``stack([[1., 2.], [3., 4.]])`` raised
  AttributeError ("'list' object has no attribute 'shape'"), ``hstack`` / ``dstack`` likewise, ``stack`` of NumPy
  arrays AttributeError where ``cat`` takes them; PyTorch's words now ("expected Tensor as element 0 in argument 0,
  but got list"), and every one of them takes NumPy arrays, as ``cat`` and nn's other functions do.
"""
import warnings

import numpy as np
import pytest

import nn
from nn.kernels import select


# ---- topk --------------------------------------------------------------------------------------------------------

def test_topk_of_nothing_from_empty_rows():
    # PyTorch 2.13: k = 0 picks nothing, whatever the other dims (nn raised NumPy's reshape error)
    for shape, dim in (((2, 0), 1), ((0, 40), 0), ((0,), 0), ((7, 2, 0), -1)):
        for srt in (True, False):
            v, i = nn.zeros(*shape).topk(0, dim=dim, sorted=srt)
            want = list(shape)
            want[dim] = 0
            assert tuple(v.shape) == tuple(want) == tuple(i.shape) and i.dtype == nn.int64


def test_topk_replays_only_the_tied_rows():
    # (a pin of the review's change, not of a fix: the same indices as before it) a row of distinct values keeps the
    # values' order; tied ones take PyTorch 2.13's picks (the round's hand-stated [1, 3, 2]); all in one call
    x = nn.tensor([[.5, .2, .9, .1, .7], [1., 1., 1., 1., .5], [.3, .3, .8, .1, .2]])
    assert x.topk(3).indices.tolist() == [[2, 4, 0], [1, 3, 2], [2, 1, 0]]
    # NaN ranks first (largest) and last (smallest), several NaN tie (the round's hand-stated cases)
    nan = float("nan")
    y = nn.tensor([[1., nan, 1., nan, 2., 1.], [0., 1., 2., 3., 4., 5.]])
    assert y.topk(3).indices.tolist() == [[1, 3, 4], [5, 4, 3]]


def test_topk_kernel_is_its_python_twin():
    """The compiled kernel (about 3 s to compile once, then read from Numba's cache) against its own body run as
    Python, on rows beyond the Python path's size, with ties of every width."""
    g = np.random.default_rng(0)
    keys = np.stack([g.integers(0, 2, 4500), g.integers(0, 40, 4500), np.zeros(4500, np.int64)])
    for k, srt in ((1, True), (70, True), (3000, True), (100, False)):
        assert np.array_equal(select.topk_rows_kernel(keys, k, srt), select._topk_rows(keys, k, srt))
    x = nn.tensor(keys.astype(np.float32))
    assert np.array_equal(x.topk(5).indices.numpy(), select._topk_rows(-keys, 5, True))


# ---- einsum ------------------------------------------------------------------------------------------------------

def test_einsum_empty_product_of_complex_and_real_warns_nothing():
    a, b = nn.ones(2, 0, dtype=nn.complex64), nn.ones(0, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = nn.einsum("ij,jk->ik", a, b)
    assert y.dtype == nn.float32 and y.shape == (2, 3) and not y.numpy().any()


def test_einsum_second_order_through_two_dtypes():
    # y_ij = a_i b_j (a float32, b float64: multiplied, float64); L = sum y^2, ga = 2 a sum(b^2), gb = 2 b sum(a^2);
    # d sum(ga) / da = 2 sum(b^2), d sum(ga) / db = 4 b sum(a)
    a = nn.tensor([1., 2.], requires_grad=True)
    b = nn.tensor([3., -1., 0.5], dtype=nn.float64, requires_grad=True)
    y = nn.einsum("i,j->ij", a, b)
    assert y.dtype == nn.float64
    ga, gb = nn.autograd.grad((y ** 2).sum(), (a, b), create_graph=True)
    assert ga.dtype == nn.float32 and gb.dtype == nn.float64
    np.testing.assert_allclose(ga.detach().numpy(), [20.5, 41.0])
    np.testing.assert_allclose(gb.detach().numpy(), [30., -10., 5.])
    ha, hb = nn.autograd.grad(ga.sum(), (a, b))
    np.testing.assert_allclose(ha.numpy(), [20.5, 20.5])
    np.testing.assert_allclose(hb.numpy(), [36., -12., 6.])


# ---- side by side with PyTorch, where it is installed ---------------------------------------------------------------

def test_topk_grid_against_pytorch():
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(11)
    for t in range(150):
        shape = tuple(int(s) for s in g.choice([0, 1, 2, 3, 17, 40], int(g.integers(1, 4))))
        shape = shape if np.prod(shape) <= select.PYTHON_MAX else shape[:2]     # (the kernel's test is the one above)
        dtype = [np.float32, np.float64, np.int64, np.uint8][t % 4]
        x = g.integers(0, int(g.choice([2, 3, 1000])), shape).astype(dtype)
        if x.dtype.kind == "f" and t % 5 == 0:
            x[g.random(shape) < .2] = np.nan
        if x.ndim >= 2 and t % 3 == 0:
            x = np.swapaxes(x, 0, 1)
        dim = int(g.integers(-x.ndim, x.ndim))
        k = int(g.integers(0, x.shape[dim] + 1))
        largest, srt = bool(g.integers(2)), bool(g.integers(2))
        a = torch.from_numpy(np.ascontiguousarray(x)).topk(k, dim, largest, srt)
        b = nn.tensor(x).topk(k, dim, largest, srt)
        assert np.array_equal(a.indices.numpy(), b.indices.numpy()), (x.shape, dim, k, largest, srt)
        assert np.array_equal(a.values.numpy(), b.values.numpy(), equal_nan=True)


def test_einsum_two_dtypes_second_order_against_pytorch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(0)
    for eq, sa, sb in (("i,j->ij", (3,), (4,)), ("bi,bj->bij", (2, 3), (2, 4)), ("ij,ij->ij", (2, 3), (2, 3))):
        for da, db in (("float32", "float64"), ("float64", "float32")):
            A, B = rs.randn(*sa), rs.randn(*sb)
            got = []
            for lib in (torch, nn):
                a = lib.tensor(A, dtype=getattr(lib, da), requires_grad=True)
                b = lib.tensor(B, dtype=getattr(lib, db), requires_grad=True)
                ga, gb = lib.autograd.grad((lib.einsum(eq, a, b) ** 2).sum(), (a, b), create_graph=True)
                h = lib.autograd.grad((ga ** 2).sum() + (gb ** 3).sum(), (a, b))
                got.append([np.asarray(t.detach(), dtype=np.float64) for t in (ga, gb) + h])
            for theirs, ours in zip(*got):
                np.testing.assert_allclose(ours, theirs, rtol=1e-5, err_msg=(eq, da, db))


# ---- the TensorList's elements -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["stack", "cat", "hstack", "vstack", "dstack", "column_stack"])
def test_tensor_list_elements_in_pytorchs_words(name):
    fn = getattr(nn, name)
    for given, words in (([[1., 2.], [3., 4.]], "element 0 in argument 0, but got list"),
                         ((1.0, 2.0), "element 0 in argument 0, but got float"),
                         ([nn.ones(2), None], "element 1 in argument 0, but got NoneType")):
        with pytest.raises(TypeError, match="^expected Tensor as " + words + "$"):
            fn(given)
    arrays = fn([np.ones(2), np.zeros(2)])          # NumPy arrays are taken, as nn's functions take them
    assert np.array_equal(arrays.numpy(), fn([nn.ones(2), nn.zeros(2)]).numpy())
