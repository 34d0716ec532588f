"""PyTorch's ``out=`` leftovers of round 48, against PyTorch 2.13 directly (round 49, area D; no package). Grid
scripts called each family on PyTorch and on nn in one process, on the same NumPy inputs, and compared whether the
call computes or raises, the error's type and first line, the results' dtype, shape, requires_grad and values (to
1e-6), whether the out is returned, what a view's base sees, the gradients a backward() gives the leaves (or its
error) and the warnings:

- outs in a graph: 145 call forms of the functions that take out= (the products, joins, indexing, older and newer
  linear algebra, reductions, scans, sorts, softmaxes, pointwise and special functions), each with an input that
  requires grad, an out that is a leaf requiring grad or a non-leaf in a graph, both, and an out of another dtype
  (1,015 calls: 241 differed before, 32 now); 45 non-differentiable ones (histc, all, any, argmax, argmin, argsort,
  searchsorted, bucketize, isin, the comparisons, logical and bitwise ops, signbit, nonzero, sort's indices, ...)
  the same way (315 calls: 129 differed, 3 now);
- aliasing outs: 67 calls of an out that is an input, a part of one or another view of one (cross, index_add and
  the index ops, addmm, mm, mv, matmul, bmm, baddbmm, addr, cumsum, sort, topk, the pointwise ops, cat, stack, tril,
  gather, take, mean, sum, linalg.solve, ...): 28 differed, 8 now;
- the integer addmv, addmm, baddbmm, addbmm and addr (and the addmm_ method) with float, bool and complex alpha /
  beta, and float and bool ones with complex alpha / beta (204 calls: 105 differed, none now); ldexp into each dtype
  (63 calls: 12 differ, as before); normal's three tensor forms and bernoulli given factory keywords without out=
  (40 calls: 34 differed, none now); a wrong-shaped view of a larger tensor as the out of 12 functions (60 calls: 58
  differed, 16 now).

Where both compute, the float64 values agree to 3.2e-16 relative (linalg.cond), the gradients through the outs to
8.8e-16, float32 outs exactly (the same float64 result cast), the integer products exactly. A plain call without
out= is unchanged (min of 40 x 300 calls on 4 x 4 float64 tensors, three alternated runs, base / now, µs: add 4.0 /
4.0, mm 6.8 / 6.8, sum 6.8 / 6.9, sin 2.0 / 2.0, cumsum 6.5 / 6.5; addmm and addmv moved by ±30 µs from run to run
either way on the loaded machine; their new scalar conversion returns at once for beta=1, alpha=1).

Still different (not fixed): a copy into a non-leaf out in a graph gives the out's earlier graph no gradient where
PyTorch's CopyBackwards gives zeros (copy_'s rule in nn, 28 calls); PyTorch writes ``linalg.lu``'s permutation into
a leaf out that requires grad (4 calls); heaviside of an input that requires grad into an out that does not is
written outside the graph (PyTorch: a backward that raises); ger's / chain_matmul's / lu_solve's deprecation
warnings (documented). addmm / baddbmm / bmm into an out that is an operand overwrite it while BLAS reads it on
PyTorch (an order nn does not model), and so do mean / sum into a part of their input and tril of its own
transpose; cat into its own input resizes the out before refusing (one warning more); stack into its own input
fails in other words. ldexp of a float input and an integer exponent into an out of another floating or complex
dtype is PyTorch's internal assertion ("!needs_dynamic_casting ... INTERNAL ASSERT FAILED", a bug it asks to have
reported); nn writes the value. An empty view given as an out gets new memory in nn (NumPy keeps no offset for an
empty view; PyTorch resizes it in its storage), and so does a view whose storage is too small (PyTorch grows the
storage, which the base then shows); linalg's LAPACK results are column-major in PyTorch's resized out.

The failures of nn these tests pin down (the package is not imported here):

- ``inner``, ``tensordot``, ``matrix_power`` with n 1 (and 0), ``linalg.norm`` / ``matrix_norm`` refused an input
  or an out in a graph; PyTorch computes and copies into the out in the graph (the gradient flows through it; a leaf
  out meets copy_'s "a leaf Variable that requires grad is being used in an in-place operation."), after checking
  the out's dtype.
- ``diag``, ``slice_scatter``, ``floor_divide``, ``gcd``, ``bitwise_and`` (and ``conj_physical``, ``heaviside``,
  ``lcm``, the other bitwise ops, ``histogram``, ``linalg.eigvals``, ``ldl_factor``) refused an input or an out in a
  graph, and ``softmax`` / ``log_softmax`` passed a gradient through theirs; PyTorch's kernels
  without a derivative write into the out, whose grad_fn is NotImplemented and whose backward raises "derivative for
  aten::diag_embed is not implemented", and refuse a leaf out as "aten::diag_embed(): functions with out=...".
- The non-differentiable argmax, argmin, argsort, all, any given an out in a graph of the wrong dtype gave the
  autograd refusal where PyTorch checks the dtype first; histc, the comparisons and the logical ops write into such
  an out, which keeps requiring grad.
- torch.linalg's refusals named the Python function ("vector_norm()") where PyTorch names linalg_vector_norm(),
  linalg_cholesky_ex(), linalg_inv_ex() (matrix_power with a negative n), sum() (matrix_rank).
- ``linalg.multi_dot``, ``householder_product``, ``tensorinv``, ``tensorsolve`` and ``isin`` took no out=.
- An out that shares memory with an input was computed where PyTorch refuses: "unsupported operation: some elements
  of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before
  performing the operation." (a part or another view of an input for the pointwise ops, scans and sort; any
  overlap for cross, gather, index_select, take, masked_select and the joins; the source of index_add and kin).
  ``mm`` / ``mv`` / ``matmul`` into an operand gave the product; PyTorch's kernel zeroes the out first: zeros.
- Integer ``addmv`` / ``addmm`` / ``baddbmm`` / ``addbmm`` with a float alpha or beta computed in floats (or
  refused, "integer tensors take integer beta and alpha"); PyTorch converts them to the integer dtype (2.5 -> 2) and
  refuses one its range cannot hold ("value cannot be converted to type uint8_t without overflow"); ``addbmm`` of
  int32 gave int64. ``addr`` of a floating result refused any complex alpha in add's words; PyTorch takes 1+0j and
  refuses 1j: "value cannot be converted to type double without overflow".
- ``normal(mean_tensor, std, dtype=...)`` (and device=, requires_grad=) computed; PyTorch's parser has no such form.
- ``bernoulli(p, out=o)`` with p requiring grad drew into o; PyTorch refuses as any out= in a graph.
- A view of a larger tensor given as an out of another shape was replaced by new memory; PyTorch resizes it in its
  storage from the view's offset, so its base sees the result there.
"""
import warnings

import numpy as np
import pytest

import nn

OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
           "memory location. Please clone() the tensor before performing the operation.")
LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
REFUSED = "(): functions with out=... arguments don't support automatic differentiation, but one of the arguments " \
          "requires grad."


def _t(values, dtype=nn.float64, requires_grad=False):
    return nn.tensor(values, dtype=dtype, requires_grad=requires_grad)


@pytest.mark.parametrize("name", ["inner", "tensordot"])
def test_composites_copy_into_an_out_in_the_graph(name):
    x, y = _t([[1.0, 2.0], [3.0, 4.0]], requires_grad=True), _t([[1.0, 0.0], [1.0, 1.0]])
    call = (lambda o: nn.inner(x, y, out=o)) if name == "inner" else (lambda o: nn.tensordot(x, y.T, 1, out=o))
    out = nn.zeros(2, 2, dtype=nn.float64)
    assert call(out) is out and out.requires_grad          # (PyTorch's CopyBackwards)
    np.testing.assert_array_equal(out.detach().numpy(), [[1.0, 3.0], [3.0, 7.0]])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 1.0], [2.0, 1.0]])     # (each row: y summed over rows)
    with pytest.raises(RuntimeError, match=LEAF):
        call(nn.zeros(2, 2, dtype=nn.float64, requires_grad=True))
    with pytest.raises(RuntimeError, match="^tensordot: Expected the output tensor to have dtype Double, but got an "
                                           "output tensor with dtype Float$"):    # (before the graph is looked at)
        call(nn.zeros(2, 2, dtype=nn.float32, requires_grad=True))


def test_the_copied_out_s_gradient_against_central_differences():
    a = np.array([[1.5, -0.5, 2.0], [0.3, 1.1, -0.7]])
    b = np.array([[0.2, 1.0, -1.0], [2.0, 0.5, 0.1]])

    def f(values, record=False):
        x = _t(values, requires_grad=record)
        out = nn.zeros(2, 2, dtype=nn.float64)
        nn.inner(x, _t(b), out=out)
        return (out * out).sum() if record else float((out * out).sum())
    x_grad = _t(a, requires_grad=True)
    out = nn.zeros(2, 2, dtype=nn.float64)
    nn.inner(x_grad, _t(b), out=out)
    (out * out).sum().backward()
    numeric = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        d = np.zeros_like(a)
        d[i] = 1e-6
        numeric[i] = (f(a + d) - f(a - d)) / 2e-6
    np.testing.assert_allclose(x_grad.grad.numpy(), numeric, rtol=1e-8, atol=1e-9)


def test_matrix_power_by_n_and_linalg_names():
    A = _t([[2.0, 1.0], [0.0, 1.0]], requires_grad=True)
    out = nn.zeros(2, 2, dtype=nn.float64)
    assert nn.matrix_power(A, 1, out=out) is out and out.requires_grad
    out = nn.zeros(2, 2, dtype=nn.float32)          # (n 0: an identity copied in, outside the graph, with a cast)
    assert nn.matrix_power(A, 0, out=out) is out and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), np.eye(2))
    with pytest.raises(RuntimeError) as caught:
        nn.matrix_power(A, -1, out=nn.zeros(2, 2, dtype=nn.float64))
    assert str(caught.value) == "linalg_inv_ex" + REFUSED
    for call, words in ((lambda o: nn.linalg.vector_norm(A, out=o), "linalg_vector_norm"),
                        (lambda o: nn.linalg.cholesky(A, out=o), "linalg_cholesky_ex"),
                        (lambda o: nn.linalg.solve_triangular(A, A, upper=True, out=o), "linalg_solve_triangular"),
                        (lambda o: nn.cholesky_solve(A, A, out=o), "cholesky_solve")):
        with pytest.raises(RuntimeError) as caught:
            call(nn.zeros(2, 2, dtype=nn.float64))
        assert str(caught.value) == words + REFUSED
    with pytest.raises(TypeError, match=r"^linalg_vector_norm\(\): argument 'out' must be Tensor, not list$"):
        nn.linalg.vector_norm(A.detach(), out=[1])


@pytest.mark.parametrize("name, call, op", [
    ("diag of a vector", lambda x, o: nn.diag(x[0], out=o), "diag_embed"),
    ("diag of a matrix", lambda x, o: nn.diag(x, out=o), "diagonal_copy"),
    ("slice_scatter", lambda x, o: nn.slice_scatter(x, x[:, :1] * 0, 1, 0, 1, out=o), "slice_scatter"),
    ("floor_divide", lambda x, o: nn.floor_divide(x, 0.7, out=o), "floor_divide"),
    ("softmax", lambda x, o: nn.softmax(x, 1, out=o), "softmax")])
def test_kernels_without_a_derivative_write_into_the_graph(name, call, op):
    x = _t([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    expected = call(x.detach(), None)
    out = nn.zeros(tuple(expected.shape), dtype=nn.float64)
    assert call(x, out) is out and out.requires_grad
    np.testing.assert_array_equal(out.detach().numpy(), expected.numpy())
    assert type(out.grad_fn).__name__ == "NotImplemented"
    with pytest.raises(RuntimeError, match=f"^derivative for aten::{op} is not implemented$"):
        out.sum().backward()
    with pytest.raises(RuntimeError) as caught:         # (a leaf out: refused in the op's ATen name)
        call(x.detach(), nn.zeros(tuple(expected.shape), dtype=nn.float64, requires_grad=True))
    assert str(caught.value) == f"aten::{op}" + REFUSED


def test_integer_kernels_without_a_derivative_write_into_a_non_leaf_out():
    w = nn.zeros(2, dtype=nn.float64, requires_grad=True)
    out = w * 1.0
    assert nn.gcd(nn.tensor([6, 4]), nn.tensor([4, 6]), out=out) is out and out.tolist() == [2.0, 2.0]
    assert type(out.grad_fn).__name__ == "NotImplemented"
    with pytest.raises(RuntimeError, match="^derivative for aten::gcd is not implemented$"):
        out.sum().backward()
    with pytest.raises(RuntimeError) as caught:
        nn.bitwise_and(nn.tensor([6, 4]), nn.tensor([4, 6]), out=w)
    assert str(caught.value) == "aten::bitwise_and" + REFUSED


def test_non_differentiable_ops_check_their_out_first():
    x = _t([[1.0, -2.0], [3.0, 0.5]])
    leaf = nn.zeros(2, dtype=nn.float64, requires_grad=True)
    for call, words in ((lambda o: nn.argmax(x, 1, out=o), "Expected out tensor to have dtype long int, but got "
                                                           "double instead"),
                        (lambda o: nn.argsort(x, stable=True, out=o), "Expected out tensor to have dtype long int, "
                                                                      "but got double instead"),
                        (lambda o: nn.all(x, 1, out=o), "all only supports bool tensor for result, got: Double"),
                        (lambda o: nn.any(x, 1, out=o), "any only supports bool tensor for result, got: Double")):
        with pytest.raises(RuntimeError) as caught:
            call(leaf if "argsort" not in words and call(None).ndim == 1 else nn.zeros(2, 2, dtype=nn.float64,
                                                                                        requires_grad=True))
        assert str(caught.value) == words
    # histc, the comparisons and the logical ops have no gradient at all: they write into the leaf, which stays one
    out = nn.zeros(2, 2, dtype=nn.float64, requires_grad=True)
    assert nn.gt(x, 0.7, out=out) is out and out.requires_grad and out.is_leaf
    np.testing.assert_array_equal(out.detach().numpy(), [[1.0, 0.0], [1.0, 0.0]])
    hist = nn.zeros(2, dtype=nn.float64, requires_grad=True)
    assert nn.histc(x, 2, out=hist) is hist and hist.requires_grad
    np.testing.assert_array_equal(hist.detach().numpy(), [1.0, 3.0])


def test_out_forms_nn_lacked():
    A = _t([[2.0, 1.0], [1.0, 3.0]])
    out = nn.empty(0, dtype=nn.float64)
    assert nn.linalg.multi_dot([A, A], out=out) is out
    np.testing.assert_array_equal(out.numpy(), [[5.0, 5.0], [5.0, 10.0]])
    with pytest.raises(RuntimeError, match="^multi_dot\\(\\): expected out tensor to have dtype double but got float$"):
        nn.linalg.multi_dot([A, A], out=nn.empty(2, 2, dtype=nn.float32))
    out = nn.empty(2, 2, dtype=nn.float32)
    assert nn.linalg.tensorinv(A, ind=1, out=out) is out
    np.testing.assert_allclose(out.numpy(), [[0.6, -0.2], [-0.2, 0.4]], rtol=1e-6)
    with pytest.raises(RuntimeError, match="^tensorsolve: Expected result to be safely castable from Double dtype, "
                                           "but got result with dtype Long$"):
        nn.linalg.tensorsolve(A, _t([1.0, 2.0]), out=nn.empty(2, dtype=nn.int64))
    mask = nn.empty(3, dtype=nn.bool)
    assert nn.isin(_t([1.0, 2.0, 3.0]), _t([2.0]), out=mask) is mask
    assert mask.tolist() == [False, True, False]
    with pytest.raises(RuntimeError, match="^Expected out tensor to have dtype bool, but got double instead$"):
        nn.isin(_t([1.0, 2.0, 3.0]), _t([2.0]), out=nn.empty(3, dtype=nn.float64))


@pytest.mark.parametrize("case", ["cross", "linalg.cross", "add of a transpose", "add of a row", "sin shifted",
                                  "index_add source", "gather", "index_select", "cumsum of a transpose"])
def test_an_out_sharing_memory_with_an_input_is_refused(case):
    x = nn.arange(16.0).reshape(4, 4)
    v = nn.arange(12.0).reshape(4, 3)
    calls = {"cross": lambda: nn.cross(v, v.flip(1), dim=1, out=v),
             "linalg.cross": lambda: nn.linalg.cross(v.flip(1), v, out=v),
             "add of a transpose": lambda: nn.add(x, x.T, out=x),
             "add of a row": lambda: nn.add(x, x[0], out=x),
             "sin shifted": lambda: nn.sin(x[1:], out=x[:-1]),
             "index_add source": lambda: nn.index_add(x, 0, nn.tensor([0, 2]), x[:2], out=x),
             "gather": lambda: nn.gather(x, 1, nn.tensor([[1, 0, 3, 2]] * 4), out=x),
             "index_select": lambda: nn.index_select(x, 0, nn.tensor([1, 0, 3, 2]), out=x),
             "cumsum of a transpose": lambda: nn.cumsum(x.T, 1, out=x)}
    with pytest.raises(RuntimeError) as caught:
        calls[case]()
    assert str(caught.value) == OVERLAP
    np.testing.assert_array_equal(x.numpy(), np.arange(16.0).reshape(4, 4))      # (refused before anything changed)


def test_outs_pytorch_lets_share_memory():
    x = nn.arange(16.0).reshape(4, 4)
    assert nn.add(x, 1.0, out=x) is x and x[0, 0].item() == 1.0                  # (the input itself)
    assert nn.index_add(x, 0, nn.tensor([0]), nn.ones(1, 4), out=x) is x and x[0, 0].item() == 2.0
    y = nn.arange(16.0).reshape(4, 4)
    nn.add(y[:, 0], 1.0, out=y[0])              # (a strided column: too hard for PyTorch's check, computed)
    assert y[0].tolist() == [1.0, 5.0, 9.0, 13.0]
    # mm / mv / matmul into an operand: PyTorch's kernel zeroes the out before it reads the operands
    a, b = nn.arange(4.0).reshape(2, 2) + 1, nn.ones(2, 2)
    assert nn.mm(a, b, out=a) is a and a.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    m, v = nn.arange(4.0).reshape(2, 2), nn.ones(2)
    assert nn.mv(m, v, out=v) is v and v.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("dtype", [nn.int64, nn.int32, nn.uint8])
def test_integer_products_convert_alpha_and_beta_to_their_dtype(dtype):
    mat, vec, inp = _t([[1, 2, 3], [4, 5, 6]], dtype), _t([1, 2, 3], dtype), _t([1, 2], dtype)
    r = nn.addmv(inp, mat, vec, alpha=0.5)                  # (alpha 0: beta * input)
    assert r.dtype == dtype and r.tolist() == [1, 2]
    r = nn.addmv(inp, mat, vec, beta=1.5, alpha=2.5)        # (2 * [14, 32] + 1 * [1, 2])
    assert r.dtype == dtype and r.tolist() == [29, 66]
    r = nn.addmm(inp[:, None].expand(2, 2), mat, mat.T, alpha=2.0)
    assert r.dtype == dtype and r.tolist() == [[29, 65], [66, 156]]
    r = nn.baddbmm(inp[None, :, None].expand(1, 2, 2), mat[None], mat.T[None], beta=0.9)
    assert r.dtype == dtype and r.tolist() == [[[14, 32], [32, 77]]]
    r = nn.addbmm(inp[:, None].expand(2, 2), mat[None], mat.T[None], beta=0)
    assert r.dtype == dtype and r.tolist() == [[14, 32], [32, 77]]
    name = {nn.int64: "int64_t", nn.int32: "int", nn.uint8: "uint8_t"}[dtype]
    with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {name} without overflow$"):
        nn.addmm(inp[:, None].expand(2, 2), mat, mat.T, alpha=1j)
    if dtype == nn.uint8:
        with pytest.raises(RuntimeError, match="^value cannot be converted to type uint8_t without overflow$"):
            nn.addmv(inp, mat, vec, beta=-0.5)


def test_addr_of_a_floating_result_converts_a_complex_alpha():
    inp, v = _t([[1.0, 1.0], [1.0, 1.0]]), _t([1.0, 2.0])
    assert nn.addr(inp, v, v, alpha=1 + 0j).tolist() == [[2.0, 3.0], [3.0, 5.0]]
    for kw in (dict(alpha=1j), dict(beta=2j)):
        with pytest.raises(RuntimeError, match="^value cannot be converted to type double without overflow$"):
            nn.addr(inp, v, v, **kw)
        with pytest.raises(RuntimeError, match="^value cannot be converted to type float without overflow$"):
            nn.addr(inp.float(), v.float(), v.float(), **kw)


@pytest.mark.parametrize("kw", [dict(dtype=nn.float32), dict(device="cpu"), dict(requires_grad=True)])
def test_normal_s_tensor_forms_take_no_factory_keywords(kw):
    mean = _t([0.0, 1.0])
    got = "dtype=torch.dtype" if "dtype" in kw else "device=str" if "device" in kw else "requires_grad=bool"
    for args, types in (((mean, mean), "Tensor, Tensor"), ((mean, 2.0), "Tensor, float"),
                        ((0.5, mean), "float, Tensor")):
        with pytest.raises(TypeError) as caught:
            nn.normal(*args, **kw)
        assert str(caught.value).split("\n")[0] == (f"normal() received an invalid combination of arguments - got "
                                                    f"({types}, {got}), but expected one of:")
    assert nn.normal(0.0, 1.0, (2,), **kw).shape == (2,)        # (the form with a size takes them)


def test_bernoulli_of_probabilities_in_a_graph_refuses_an_out():
    p = _t([0.2, 0.7], requires_grad=True)
    out = nn.zeros(2, dtype=nn.float64)
    with pytest.raises(RuntimeError) as caught:
        nn.bernoulli(p, out=out)
    assert str(caught.value) == "bernoulli" + REFUSED
    assert out.tolist() == [0.0, 0.0]


def test_a_wrong_shaped_view_is_resized_in_its_storage():
    base = nn.full((4, 4), 9.0, dtype=nn.float64)
    out = base[:2, :2]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert nn.neg(nn.arange(6.0, dtype=nn.float64).reshape(2, 3), out=out) is out
    assert ["was resized since it had shape [2, 2]" in str(w.message) for w in caught] == [True]
    assert out.shape == (2, 3) and out.tolist() == [[-0.0, -1.0, -2.0], [-3.0, -4.0, -5.0]]
    # (the view's storage from its offset, now contiguous: the base's first six elements)
    assert base.tolist() == [[-0.0, -1.0, -2.0, -3.0], [-4.0, -5.0, 9.0, 9.0], [9.0] * 4, [9.0] * 4]
    base = nn.full((10,), 9.0, dtype=nn.float64)
    out = base[2:3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nn.add(nn.ones(2, 2, dtype=nn.float64), 1.0, out=out)
    assert base.tolist() == [9.0, 9.0, 2.0, 2.0, 2.0, 2.0, 9.0, 9.0, 9.0, 9.0]


def test_against_pytorch():
    torch = pytest.importorskip("torch")

    def outcome(lib, f):
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            try:
                r = f(lib)
            except Exception as e:      # noqa: BLE001 - the error's type and first line are compared
                return type(e).__name__, str(e).split("\n")[0].split(" (copy_:")[0]
        return str(r.dtype).split(".")[1], tuple(r.shape), r.requires_grad, r.detach().numpy().round(12).tolist()

    def T(lib, values, rg=False, dt="float64"):
        return lib.tensor(values, dtype=getattr(lib, dt), requires_grad=rg)
    X = [[1.0, 2.0], [3.0, 4.5]]
    calls = [
        lambda L: L.inner(T(L, X, True), T(L, X), out=L.zeros(2, 2, dtype=L.float64)),
        lambda L: L.tensordot(T(L, X), T(L, X), 1, out=L.zeros(2, 2, dtype=L.float64, requires_grad=True)),
        lambda L: L.diag(T(L, X, True), out=L.zeros(2, dtype=L.float64)),
        lambda L: L.diag(T(L, X), out=L.zeros(2, dtype=L.float64, requires_grad=True)),
        lambda L: L.slice_scatter(T(L, X, True), T(L, [[0.0], [0.0]]), 1, 0, 1, out=L.zeros(2, 2, dtype=L.float32)),
        lambda L: L.argmax(T(L, X), 1, out=L.zeros(2, dtype=L.float64, requires_grad=True)),
        lambda L: L.le(T(L, X), 2.0, out=L.zeros(2, 2, dtype=L.float64, requires_grad=True)),
        lambda L: L.linalg.vector_norm(T(L, X, True), out=L.zeros((), dtype=L.float64)),
        lambda L: L.chain_matmul(T(L, X, True), T(L, X), out=L.zeros(2, 2, dtype=L.float32)),
        lambda L: (lambda x: L.add(x, x.T, out=x))(T(L, X)),
        lambda L: (lambda x: L.mm(x, x, out=x))(T(L, X)),
        lambda L: L.addmv(T(L, [1, 2], dt="int64"), T(L, [[1, 2], [3, 4]], dt="int64"), T(L, [1, 1], dt="int64"),
                          alpha=2.7, beta=-1.5),
        lambda L: L.addr(T(L, X), T(L, [1.0, 2.0]), T(L, [1.0, 2.0]), alpha=3j),
        lambda L: L.normal(T(L, [0.0, 1.0]), 1.0, dtype=L.float64),
        lambda L: (lambda b: (L.neg(T(L, [[1.0, 2.0, 3.0]]), out=b[:1, :2]), b)[1])(L.zeros(3, 3, dtype=L.float64)),
    ]
    for i, f in enumerate(calls):
        assert outcome(nn, f) == outcome(torch, f), i
