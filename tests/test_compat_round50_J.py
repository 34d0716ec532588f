"""Round 50, area J: the small differences this round's other areas left as still different, against PyTorch 2.13.

No package was ported. Grid scripts called nn and PyTorch 2.13 side by side in one process on the same NumPy inputs
(float64) and compared, for each call, whether it computes or raises, the exception's type (nn's ShapeError, both
RuntimeError and ValueError, counted as PyTorch's RuntimeError) and first line, and where both computed the
values (to 1e-13). The calls: masked_select / masked_scatter / masked_scatter_ given None or an int as mask or
source (function and method forms); fractional_max_pool2d / 3d with kernel_size 2, 2.0, 0, -1, True, None, '2',
tuples of the right length, of one, of one too many, of floats and of zeros, and a kernel larger than the input,
each with output_size 3, 3.0, 0, -1, None, tuples of each length and of floats, and output_ratio 0.5, a tuple of
one, of the right length and of one too many, plus inputs of the wrong rank and with an empty batch, channel or
spatial dim (350 calls); Tensor.unflatten with None, 0, (), [] and an int; adaptive_max_pool1d of (C, L) and
(N, C, L) inputs, empty in each dim, with output sizes 2, -1, 0, 8, 2.0, None, (2,), (2, 2) (indices compared);
median / nanmedian / quantile / nanquantile of empty tensors of each dtype, with and without dim; addcmul /
addcdiv of operands that do not broadcast, in each order, and with a third positional argument; bernoulli with
p a tensor of several elements, of one, 0-d, requiring grad, a str, a bool, a NumPy float (function and method
forms); randperm(2.0 / '2' / True); linalg.vector_norm with ord 'fro', 'nuc', None, a 0-d tensor;
linalg.matrix_power / torch.matrix_power / Tensor.matrix_power with n 1.5; linalg.pinv and linalg.matrix_rank
with PyTorch's older rcond / tol by position and keyword, as numbers and tensors (one per matrix of a batch),
with hermitian by position, and mixed with atol; pinverse; linalg.lu_solve with B a vector and of mismatched
sizes (left and right); torch.cross (with and without dim) and linalg.cross, linalg.vecdot and matmul of ten pairs
of shapes (matched, broadcasting, mismatched, dim not of size 3, 0-d) with each dim (120 calls, values
compared); LocalResponseNorm and F.local_response_norm (3-D and 4-D inputs) with alpha, beta or k None, a str or
a list; clip_grads_with_norm_ with a float, an int and a 0-d tensor as total_norm.

Before the fixes (HEAD's nn, exported by `git archive`, first on the path), of the 94 calls of the first grid 66
differed, now 1 (torch.vecdot, absent from both: the names differ by the porting rule); of the 350 fractional
pooling calls 290 differed, now 30; of the 120 cross / vecdot / matmul calls 16, now 0; of the 32
adaptive_max_pool1d calls 20, now 0. Where both compute the values agree: pinv with rcond and matrix_rank with
tol to 1e-15 relative (the same SVD; float32 was not run, no arithmetic changed).

Still different (not fixed): fractional_max_pool2d / 3d with a kernel size of 0 or less (30 calls): PyTorch's
kernel computes, reading outside its windows (-inf values and indices of other windows), where nn refuses in
NumPy's words. x.add_(None) (and the other in-place arithmetic given None) fail in nn's conversion words where
PyTorch's parser names the argument. addcmul / addcdiv in the deprecated value-first order with one argument too
many keep nn's "too many positional arguments" where PyTorch lists the signature. median of an empty bool tensor
is refused by nn's dtype check (PyTorch returns True).

The failures of nn these tests pin down (the package is not imported here):

- masked_select / masked_scatter / masked_scatter_ took a mask or source that is no Tensor into their own checks
  ("masked_select: expected BoolTensor for mask", AttributeError); PyTorch's parser refuses it: "masked_select():
  argument 'mask' (position 2) must be Tensor, not NoneType" (position 1 for the method).
- fractional_max_pool2d / 3d read their sizes in nn's words: a float kernel or output size computed, a tuple of
  the wrong length failed in int()'s words, a wrong rank was nn's ValueError; PyTorch's F first reads
  output_ratio (len() of it in 2-d, a tuple of one an IndexError), then its parser ("must be tuple of ints, not
  float"), then its kernel's checks ("fractional_max_pool2d: kernel_size must either be a single Int or tuple of
  Ints", "fractional_max_pool3d_out(): Expected 4D or 5D tensor, but got: [...]", "... non-zero size for
  non-batch dimensions, but got[2, 0, 7, 7, 7] with dimension 1 being empty.", the 3-d kernel larger than the
  input whatever the output, "Trying to create tensor with negative dimension -1: [...]").
- Tensor.unflatten(dim, None) / (dim, 0): PyTorch's Python method refuses falsy sizes first ("unflatten: sizes
  must be non-empty"); nn gave the parser's TypeError.
- adaptive_max_pool1d of an empty input named adaptive_max_pool2d and the 4-D shape; an unbatched (0, L) input
  was refused where PyTorch returns (0, output_size).
- median / nanmedian of an empty tensor raised nn's RuntimeError; PyTorch returns NaN (an integer dtype's
  smallest value); median(dim) / nanmedian(dim) of an empty dim named kthvalue.
- addcmul / addcdiv of operands that do not broadcast named tensor1 and tensor2 (a 4 and a 5) where PyTorch folds
  input, tensor1, tensor2 in that order; x.addcmul_(t1, t2, 2) was "too many positional arguments" where PyTorch
  says "addcmul_() takes 2 positional arguments but 3 were given".
- bernoulli(x, p=t) with t of several elements failed on its truth value, of one element (1-D) computed; no
  signature of PyTorch's takes it.
- linalg.vector_norm(A, 'fro') computed (PyTorch's TypeError "argument 'ord' (position 2) must be Number, not
  str"); matrix_power(A, 1.5) was nn's "n must be an integer"; linalg.pinv(A, rcond) / linalg.matrix_rank(A, tol)
  (PyTorch's older overloads, by position or keyword) were refused; lu_solve of a vector named solve_triangular.
- torch.cross / linalg.cross of shapes that do not broadcast gave NumPy's ValueError, and broadcast a dim of size
  1 along dim, which PyTorch refuses ("linalg.cross: inputs dimension 0 must have length 3. Got 3 and 2").
- LocalResponseNorm with alpha, beta or k None or a str failed in nn's conversion words; PyTorch's
  div.mul(alpha).add(k).pow(beta) are refused by their parsers.
- clip_grads_with_norm_ with a Python number as total_norm computed; PyTorch's torch.clamp of the coefficient
  refuses it.
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def _raises(exc, words, fn):
    with pytest.raises(exc) as info:
        fn()
    assert str(info.value).split("\n")[0] == words
    return info.value


@pytest.mark.parametrize("call, words", [
    (lambda x: nn.masked_select(x, None), "masked_select(): argument 'mask' (position 2) must be Tensor, not NoneType"),
    (lambda x: nn.masked_select(x, 1), "masked_select(): argument 'mask' (position 2) must be Tensor, not int"),
    (lambda x: x.masked_select(None), "masked_select(): argument 'mask' (position 1) must be Tensor, not NoneType"),
    (lambda x: x.masked_scatter(None, x),
     "masked_scatter(): argument 'mask' (position 1) must be Tensor, not NoneType"),
    (lambda x: x.masked_scatter(x > 0.5, 1),
     "masked_scatter(): argument 'source' (position 2) must be Tensor, not int"),
    (lambda x: x.masked_scatter_(x > 0.5, None),
     "masked_scatter_(): argument 'source' (position 2) must be Tensor, not NoneType"),
])
def test_masked_select_and_scatter_take_tensors_only(call, words):
    _raises(TypeError, words, lambda: call(nn.ones(3, 4)))


@pytest.mark.parametrize("nd, kernel, kw, exc, words", [
    (2, 2.0, dict(output_size=3), TypeError,
     "fractional_max_pool2d(): argument 'kernel_size' (position 2) must be tuple of ints, not float"),
    (2, 2, dict(output_size=(3.0, 3.0)), TypeError, "fractional_max_pool2d(): argument 'output_size' (position 3) "
     "must be tuple of ints, but found element of type float at pos 0"),
    (2, (2,), dict(output_size=3), RuntimeError,
     "fractional_max_pool2d: kernel_size must either be a single Int or tuple of Ints"),
    (2, (2, 2), dict(output_size=(3, 3, 3)), RuntimeError,
     "fractional_max_pool2d: output_size must either be a single Int or tuple of Ints"),
    (2, 2, dict(output_ratio=0.5), TypeError, "object of type 'float' has no len()"),
    (2, 2, dict(output_ratio=(0.5,)), IndexError, "tuple index out of range"),
    (3, (2, 2), dict(output_size=3), RuntimeError,
     "fractional_max_pool3d: kernel_size must either be a single Int or tuple of three Ints"),
    (3, 2, dict(output_size=(3.0, 3.0, 3.0)), TypeError, "fractional_max_pool3d(): argument 'output_size' "
     "(position 3) must be tuple of ints, but found element of type float at pos 0"),
    (3, 8, dict(output_size=-1), RuntimeError,
     "fractional_max_pool3d_out(): pool time 8 too large relative to input time 7"),
    (3, 2, dict(output_size=-1), RuntimeError,
     "Trying to create tensor with negative dimension -1: [2, 3, -1, -1, -1]"),
])
def test_fractional_max_pool_sizes_read_as_pytorch(nd, kernel, kw, exc, words):
    fn = F.fractional_max_pool2d if nd == 2 else F.fractional_max_pool3d
    _raises(exc, words, lambda: fn(nn.ones(*(2, 3) + (7,) * nd), kernel, **kw))


def test_fractional_max_pool_ranks_and_empty_dims():
    _raises(RuntimeError, "fractional_max_pool2d(): Expected 3D or 4D tensor, but got: [1, 2, 3, 7, 7]",
            lambda: F.fractional_max_pool2d(nn.ones(1, 2, 3, 7, 7), 2, output_size=3))
    _raises(RuntimeError, "fractional_max_pool3d_out(): Expected input to have non-zero size for non-batch "
            "dimensions, but got[2, 0, 7, 7, 7] with dimension 1 being empty.",
            lambda: F.fractional_max_pool3d(nn.ones(2, 0, 7, 7, 7), 2, output_size=3))
    _raises(IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got -3)",
            lambda: F.fractional_max_pool2d(nn.ones(7, 7), 2, output_size=3))
    # what computes still does: a 3-d output ratio of four values takes the first three, as F's _triple
    assert F.fractional_max_pool3d(nn.ones(1, 2, 7, 7, 7), 2, output_ratio=(0.5,) * 4).shape == (1, 2, 3, 3, 3)


@pytest.mark.parametrize("sizes", [None, 0, ()])
def test_unflatten_method_refuses_falsy_sizes_first(sizes):
    _raises(RuntimeError, "unflatten: sizes must be non-empty", lambda: nn.ones(2, 6).unflatten(1, sizes))


def test_adaptive_max_pool1d_names_itself_and_takes_an_empty_unbatched_input():
    _raises(RuntimeError, "adaptive_max_pool1d(): Expected input to have non-zero size for non-batch dimensions, "
            "but input has sizes [2, 0, 5] with dimension 1 being empty",
            lambda: F.adaptive_max_pool1d(nn.zeros(2, 0, 5), 2))
    _raises(RuntimeError, "adaptive_max_pool1d(): Expected input to have non-zero size for non-batch dimensions, "
            "but input has sizes [3, 0] with dimension 1 being empty",
            lambda: F.adaptive_max_pool1d(nn.zeros(3, 0), 2))
    assert F.adaptive_max_pool1d(nn.zeros(0, 5), 2).shape == (0, 2)
    y, i = F.adaptive_max_pool1d(nn.tensor([[1.0, 5.0, 2.0, 0.0, 3.0]]), 2, return_indices=True)
    assert y.tolist() == [[5.0, 3.0]] and i.tolist() == [[1, 4]]


def test_median_of_an_empty_tensor():
    for fn in (nn.median, nn.nanmedian):
        assert np.isnan(fn(nn.zeros(0, 3)).item()) and fn(nn.zeros(0, dtype=nn.float64)).dtype == nn.float64
        assert fn(nn.zeros(0, dtype=nn.int64)).item() == -2 ** 63
        assert fn(nn.zeros(0, dtype=nn.int32)).item() == -2 ** 31
        _raises(IndexError, "median(): Expected reduction dim 0 to have non-zero size.",
                lambda: fn(nn.zeros(0, 3), 0))
        assert fn(nn.zeros(0, 3), 1).values.shape == (0,)
    x = nn.zeros(0, 3, requires_grad=True)
    nn.median(x).backward()
    assert x.grad.shape == (0, 3)
    _raises(RuntimeError, "quantile() input tensor must be non-empty", lambda: nn.quantile(nn.zeros(0), 0.5))


def test_addcmul_addcdiv_shapes_and_positional_words():
    a, b, c = nn.zeros(3), nn.zeros(4), nn.zeros(5)
    for fn in (nn.addcmul, nn.addcdiv):
        _raises(RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
                "dimension 0", lambda: fn(a, b, c))
        _raises(RuntimeError, "The size of tensor a (3) must match the size of tensor b (5) at non-singleton "
                "dimension 0", lambda: fn(a, c, a))
    t = nn.zeros(3)
    _raises(TypeError, "addcmul_() takes 2 positional arguments but 3 were given", lambda: t.addcmul_(t, t, 2))
    _raises(TypeError, "addcdiv() takes 2 positional arguments but 3 were given", lambda: t.addcdiv(t, t, 2))
    _raises(TypeError, "addcmul() takes 3 positional arguments but 4 were given", lambda: nn.addcmul(t, t, t, 2))


@pytest.mark.parametrize("p", [nn.zeros(3), nn.tensor([0.5]), nn.tensor(0.5, requires_grad=True), "a"])
def test_bernoulli_p_is_a_number(p):
    x = nn.zeros(3)
    name = type(p).__name__ if isinstance(p, str) else "Tensor"
    _raises(TypeError, f"bernoulli() received an invalid combination of arguments - got (Tensor, p={name}), but "
            "expected one of:", lambda: nn.bernoulli(x, p=p))
    _raises(TypeError, f"bernoulli() received an invalid combination of arguments - got (p={name}, ), but "
            "expected one of:", lambda: x.bernoulli(p=p))
    assert nn.bernoulli(x, p=nn.tensor(1.0)).tolist() == [1.0, 1.0, 1.0]


def test_linalg_argument_words():
    A = nn.eye(3)
    _raises(TypeError, "linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str",
            lambda: nn.linalg.vector_norm(A, "fro"))
    _raises(TypeError, "linalg_matrix_power(): argument 'n' (position 2) must be int, not float",
            lambda: nn.linalg.matrix_power(A, 1.5))
    _raises(TypeError, "matrix_power(): argument 'n' (position 2) must be int, not float",
            lambda: nn.matrix_power(A, 1.5))
    _raises(TypeError, "matrix_power(): argument 'n' (position 1) must be int, not float",
            lambda: A.matrix_power(1.5))
    LU, piv = nn.linalg.lu_factor(A)
    _raises(RuntimeError, "linalg.lu_solve: The input tensor B must have at least 2 dimensions.",
            lambda: nn.linalg.lu_solve(LU, piv, nn.ones(3)))
    _raises(RuntimeError, "linalg.lu_solve: Incompatible shapes of A and B for the equation XA = B (3x3 and 1x4)",
            lambda: nn.linalg.lu_solve(LU, piv, nn.ones(1, 4), left=False))


def test_pinv_and_matrix_rank_older_overloads():
    # PyTorch's linalg_pinv(A, rcond, hermitian): atol 0, rtol rcond; linalg_matrix_rank(A, tol, hermitian):
    # atol tol, rtol 0. A's singular values are 2, 1 and 1e-3
    U, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    A = nn.tensor(U @ np.diag([2.0, 1.0, 1e-3]) @ U.T)
    assert nn.linalg.matrix_rank(A, 0.01).item() == 2 and nn.linalg.matrix_rank(A, tol=1e-4).item() == 3
    assert nn.linalg.matrix_rank(A, 0.01, True).item() == 2
    keep2 = U[:, :2] @ np.diag([0.5, 1.0]) @ U[:, :2].T
    np.testing.assert_allclose(nn.linalg.pinv(A, 0.01).numpy(), keep2, atol=1e-12)
    np.testing.assert_allclose(nn.linalg.pinv(A, rcond=nn.tensor(0.01)).numpy(), keep2, atol=1e-12)
    # a tensor tolerance holds one per matrix of a batch
    B = nn.stack([A, A])
    assert nn.linalg.matrix_rank(B, atol=nn.tensor([0.01, 1e-4])).tolist() == [2, 3]
    _raises(TypeError, "linalg_pinv() received an invalid combination of arguments - got (Tensor, float, "
            "atol=float), but expected one of:", lambda: nn.linalg.pinv(A, 0.1, atol=0.1))


def test_cross_shapes_in_pytorch_words():
    a, b = nn.ones(3, 3), nn.ones(2, 3)
    _raises(RuntimeError, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0",
            lambda: nn.linalg.cross(a, b))
    _raises(RuntimeError, "linalg.cross: inputs dimension 0 must have length 3. Got 3 and 2",
            lambda: nn.cross(a, b, dim=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _raises(RuntimeError, "linalg.cross: inputs dimension 0 must have length 3. Got 3 and 2",
                lambda: nn.cross(a, b))
    # dim does not broadcast: a size 1 there is refused
    _raises(RuntimeError, "linalg.cross: inputs dimension 1 must have length 3. Got 1 and 3",
            lambda: nn.linalg.cross(nn.ones(4, 1), nn.ones(4, 3), dim=1))
    assert nn.linalg.cross(nn.tensor([[1.0, 0, 0]]), nn.tensor([[0.0, 1, 0], [0, 0, 1]])).tolist() == \
        [[0.0, 0.0, 1.0], [0.0, -1.0, 0.0]]


@pytest.mark.parametrize("arg, words", [
    (dict(alpha=None), "mul(): argument 'other' (position 1) must be Tensor, not NoneType"),
    (dict(alpha="a"), "mul(): argument 'other' (position 1) must be Tensor, not str"),
    (dict(k=[1]), "add(): argument 'other' (position 1) must be Tensor, not list"),
    (dict(beta=None), "pow() received an invalid combination of arguments - got (NoneType), but expected one of:"),
])
def test_local_response_norm_parameters_parsed_as_pytorch(arg, words):
    for shape in ((1, 3, 4), (1, 3, 4, 4)):
        _raises(TypeError, words, lambda: nn.LocalResponseNorm(2, **arg)(nn.ones(*shape)))
    # the function forms count the tensor
    _raises(TypeError, "mul(): argument 'other' (position 2) must be Tensor, not NoneType",
            lambda: nn.mul(nn.ones(2), None))


@pytest.mark.parametrize("total", [5.0, 5])
def test_clip_grads_with_norm_takes_a_tensor_total(total):
    p = nn.Parameter(nn.ones(3))
    p.grad = nn.ones(3)
    _raises(TypeError, "clamp() received an invalid combination of arguments - got (float, max=float), but "
            "expected one of:", lambda: nn.utils.clip_grads_with_norm_([p], 1.0, total))
    nn.utils.clip_grads_with_norm_([], 1.0, total)       # (no gradients: returns first, as PyTorch's)


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 7, 7))

    def outcome(lib, fn):
        try:
            r = fn(lib)
        except Exception as e:  # noqa: BLE001
            return (RuntimeError if isinstance(e, (RuntimeError, ValueError)) else type(e)), str(e).split("\n")[0]
        return "ok", np.asarray(r.detach().numpy() if hasattr(r, "detach") else r).tolist()

    calls = [
        lambda L: L.masked_select(L.tensor(x), None),
        lambda L: L.tensor(x).masked_scatter(L.tensor(x) > 0, 2),
        lambda L: getattr(L.nn.functional, "fractional_max_pool2d")(L.tensor(x), (2, 2, 2), output_size=3),
        lambda L: getattr(L.nn.functional, "fractional_max_pool2d")(L.tensor(x), 2.0, output_size=3),
        lambda L: L.tensor(x).unflatten(1, None),
        lambda L: L.nn.functional.adaptive_max_pool1d(L.zeros(0, 5, dtype=L.float64), 2),
        lambda L: L.nn.functional.adaptive_max_pool1d(L.tensor(x[0, :, 0]), 3),
        lambda L: L.median(L.zeros(0, dtype=L.float64)),
        lambda L: L.addcmul(L.zeros(3), L.zeros(5), L.zeros(3)),
        lambda L: L.bernoulli(L.zeros(3), p=L.zeros(3)),
        lambda L: L.linalg.vector_norm(L.tensor(x), "fro"),
        lambda L: L.linalg.matrix_power(L.tensor(x[0, 0]), 1.5),
        lambda L: L.linalg.pinv(L.tensor(x[0, 0]), 0.3),
        lambda L: L.linalg.matrix_rank(L.tensor(x[0, 0]), 0.5),
        lambda L: L.linalg.cross(L.tensor(x[0, :, :3]), L.tensor(x[1, :2, :3])),
        lambda L: L.nn.LocalResponseNorm(2, beta="a")(L.tensor(x)),
    ]
    for i, call in enumerate(calls):
        (tk, tv), (nk, nv) = outcome(torch, call), outcome(nn, call)
        assert tk == nk, i
        if tk == "ok":
            np.testing.assert_allclose(nv, tv, rtol=1e-13, atol=1e-13, err_msg=str(i))
        else:
            assert nv == tv, i
