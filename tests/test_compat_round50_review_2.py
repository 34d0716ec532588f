"""Review of the fiftieth round's leftovers of the out= and in-place work (area C) and of the linear-algebra and
numerical leftovers (area D), against PyTorch 2.13 directly. Grid scripts called PyTorch and nn in one process on
the same NumPy inputs and compared whether the call computes or raises, the error's type and first line, the
results' shapes, dtypes, values, requires_grad and grad_fn names, and the gradients a backward gives (or its error):

- factories (zeros, ones, full, arange, linspace, logspace, range, eye, empty, randperm, rand) into outs of eight
  kinds (a non-leaf, a flattened and a row view of one, a leaf, a float32 non-leaf, an empty non-leaf, a plain and an
  int64 tensor) with requires_grad unset, True, False and under no_grad, and a backward: 384 calls, 103 differing;
  16 more into row, column, transposed and whole views of a non-leaf: only the base's node name (CopySlices);
- a non-Tensor out (a list, a tuple, a float, an int, an ndarray, a str, a list of tensors) given to 55 call forms
  (add with alpha, div with rounding_mode, clamp, mm, max, sum, std, sort, median, the factories, round with
  decimals, searchsorted with right=, bucketize, where, any, squeeze_copy, view_copy, linalg.norm, quantile, isin,
  normal, matrix_rank, topk, kthvalue, addmm with beta, ...): 440 calls, 27 differing, 13 now;
- copy_ (a source that requires grad, one that broadcasts), zero_, fill_ (a number, a 0-d and a 1-d tensor) and the
  eight in-place draws of a non-leaf, a view of a non-leaf, its transpose, a leaf, int64, bool, float32 and
  complex128 tensors, with backward and create_graph: 153 calls, 4 differing;
- masked_fill in its method, in-place, function and keyword forms, with 7 kinds of mask (NumPy bool and int, bool,
  uint8 and broadcast tensors, a list, a bool) and 6 values: 210 calls, 5 differing, none now;
- index_add (with alpha, in place), index_copy, index_fill and index_reduce of 0-d to 3-d tensors, every dim
  (negative too), 7 indices (0-d, empty, negative, out of range, int32, 2-d) and 7 source shapes: 3,801 calls,
  81 differing, all of them index_add's words for an index out of range (which vary with PyTorch's path);
- eigh / eigvalsh with 10 UPLOs (either case, bad strings, an int, by position) on 11 inputs (0-d, vectors,
  3 x 4, 0 x 0, batches, int64, bool, float32, complex128): 264 calls, 64 differing, 14 now (float32 rounding);
  pinv (hermitian, rtol, pinverse), matrix_rank (hermitian, atol), logdet, slogdet and det of the same inputs:
  132 calls, 9 differing, 7 now (float32 rounding); solve and solve_ex of 6 A shapes by 12 B shapes, left and right:
  288 calls, none differing;
- nan_to_num of float64, float32, complex128, complex64, int64 and bool tensors with 10 choices of nan / posinf /
  neginf (None, huge, NaN, bool) in 5 forms (warnings as errors): 300 calls, none differing; kthvalue of 1,500
  random rows of ties (NaN too, int32 / int64 / float32 / float64, keepdim, negative dims) and edge cases: none
  differing; squeeze's and squeeze_copy's nodes over 6 shapes and 12 forms: none differing;
- the gradients of slogdet, logdet, det, linalg.lu, lu_factor, lu_factor_ex and torch.lu at 11 matrices (exactly and
  numerically singular, zero, complex, batches, 3 x 4, 4 x 2, float32, 0 x 0), first order and with create_graph;
  lstsq of random inputs with NaN and infinities by each driver.

Still different (not fixed): a factory's out that is a view of a non-leaf of another shape (PyTorch resizes it in the
graph; nn raises expand's error, it refused before the round); the view nodes' names (AsStridedBackward0,
CopySlices); a float or int out of add / sub / mul / div (PyTorch's parser takes it as a number); searchsorted's
keywords given at their defaults are not named in the parser's words; index_add's words for an index out of range;
a fill_ of a value that requires grad into an integer tensor (PyTorch's backward raises "Autograd not support dtype:
Long"); bernoulli_ of a complex tensor computes; the create_graph gradients of lu and lu_factor are not implemented,
and slogdet's at a numerically singular matrix is solve's singular error where MKL's LU finds a tiny pivot (the
first-order gradients there differ the same way: an ill-conditioned LU); the real sign of slogdet passes zeros where
PyTorch's passes no gradient.

The failures of nn these tests pin down:

- `searchsorted` given a non-Tensor out left its keywords out of the parser's words ("got (Tensor, Tensor, out=list,
  right=bool)"), and `bucketize` named searchsorted ("bucketize() received an invalid combination of arguments").
- `masked_fill` of a 1-d value with a uint8 mask named the mask; PyTorch refuses the value's dims first.
- `linalg.pinv(A, hermitian=True)` ignored hermitian: PyTorch reads the Hermitian matrix of A's lower triangle (its
  eigh), so a non-symmetric A gave other values, and a non-square one computed where PyTorch raises eigh's "A must
  be batches of square matrices"; `linalg.matrix_rank(A, hermitian=True)` likewise.
- `linalg.eigh` / `eigvalsh` with a UPLO that is not a str raised Python's "object of type 'int' has no len()"
  (PyTorch's parser: "linalg_eigh(): argument 'UPLO' must be str, not int"), and of an integer or bool matrix gave a
  RuntimeError where PyTorch's kernel raises NotImplementedError '"linalg_eigh_cpu" not implemented for 'Long''
  (an empty one is an empty result of its dtype).
"""
import numpy as np
import pytest

import nn


def _first_line(error):
    return str(error).splitlines()[0]


def test_searchsorted_and_bucketize_refuse_a_non_tensor_out_in_their_own_words():
    # PyTorch 2.13: torch.searchsorted(s, v, right=True, out=[]) names the keyword; bucketize names itself
    s, v = nn.arange(5.0), nn.ones(2)
    with pytest.raises(TypeError) as info:
        nn.searchsorted(s, v, right=True, out=[])
    assert _first_line(info.value) == ("searchsorted() received an invalid combination of arguments - got (Tensor, "
                                       "Tensor, out=list, right=bool), but expected one of:")
    with pytest.raises(TypeError) as info:
        nn.bucketize(v, s, out=np.zeros(2))
    assert _first_line(info.value) == ("bucketize() received an invalid combination of arguments - got (Tensor, "
                                       "Tensor, out=numpy.ndarray), but expected one of:")
    o = nn.empty(0, dtype=nn.int64)
    assert nn.bucketize(v, s, right=True, out=o) is o and o.tolist() == [2, 2]


def test_masked_fill_refuses_a_value_with_dims_before_the_masks_dtype():
    # PyTorch 2.13: x.masked_fill(uint8 mask, tensor([1.5])) is "masked_fill_ only supports a 0-dimensional value
    # tensor, but got tensor with 1 dimension(s)."
    x, mask = nn.zeros(3), nn.tensor([1, 0, 1], dtype=nn.uint8)
    for call in (lambda: x.masked_fill(mask, nn.tensor([1.5])), lambda: x.clone().masked_fill_(mask, nn.tensor([1.5]))):
        with pytest.raises(RuntimeError, match=r"^masked_fill_ only supports a 0-dimensional value tensor, but got "
                                               r"tensor with 1 dimension\(s\)\.$"):
            call()
    with pytest.raises(RuntimeError, match="^masked_fill_ only supports boolean masks, but got mask with dtype "
                                           "unsigned char$"):
        x.masked_fill(mask, 1.5)


A = [[1.0, 2.0, 0.0], [-1.0, 3.0, 4.0], [2.0, 5.0, 1.0]]       # not symmetric


def test_pinv_and_matrix_rank_hermitian_read_the_lower_triangle():
    # PyTorch 2.13: linalg.pinv(A, hermitian=True) is the pseudo-inverse of tril(A) + tril(A, -1)^T (its eigh reads
    # the lower triangle); its gradient is pinv's general formula at A
    H = np.tril(A) + np.tril(A, -1).T
    a = nn.tensor(A, dtype=nn.float64, requires_grad=True)
    X = nn.linalg.pinv(a, hermitian=True)
    np.testing.assert_allclose(X.detach().numpy(), np.linalg.inv(H), rtol=1e-13)
    (X * nn.tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    Xn, W = np.linalg.inv(H), np.arange(9.0).reshape(3, 3)
    general = -Xn.T @ W @ Xn.T + (W.T - np.array(A) @ (Xn @ W.T)) @ (Xn @ Xn.T) + \
        (Xn.T @ Xn) @ (W.T - (W.T @ Xn) @ np.array(A))
    np.testing.assert_allclose(a.grad.numpy(), general, rtol=1e-12, atol=1e-12)
    # the rank of [[1, 5], [1, 5]] read as Hermitian [[1, 1], [1, 5]] is 2 (1 of the matrix itself)
    B = nn.tensor([[1.0, 5.0], [1.0, 5.0]], dtype=nn.float64)
    assert nn.linalg.matrix_rank(B).item() == 1 and nn.linalg.matrix_rank(B, hermitian=True).item() == 2
    # a non-square matrix is eigh's error; an empty one a result, as PyTorch's early return
    for call in (lambda: nn.linalg.pinv(nn.ones(3, 4), hermitian=True),
                 lambda: nn.linalg.matrix_rank(nn.ones(3, 4), hermitian=True)):
        with pytest.raises(RuntimeError, match="^linalg.eigh: A must be batches of square matrices, but they are 3 "
                                               "by 4 matrices$"):
            call()
    assert nn.linalg.pinv(nn.ones(0, 4), hermitian=True).shape == (4, 0)


def test_eigh_refuses_a_uplo_that_is_no_str_and_integer_matrices_as_pytorch():
    # PyTorch 2.13: its parser refuses UPLO=1 / None before anything; its kernel is not built for integers (an empty
    # integer matrix calls no kernel: an empty result)
    A = nn.eye(3, dtype=nn.float64)
    for fn in ("eigh", "eigvalsh"):
        for uplo, kind in ((1, "int"), (None, "NoneType")):
            with pytest.raises(TypeError, match=f"^linalg_{fn}\\(\\): argument 'UPLO' must be str, not {kind}$"):
                getattr(nn.linalg, fn)(nn.ones(3, 4) if kind == "int" else A, UPLO=uplo)
        with pytest.raises(NotImplementedError, match="^\"linalg_eigh_cpu\" not implemented for 'Long'$"):
            getattr(nn.linalg, fn)(nn.ones(3, 3, dtype=nn.int64))
    with pytest.raises(NotImplementedError, match="^\"linalg_eigh_cpu\" not implemented for 'Bool'$"):
        nn.linalg.eigh(nn.eye(3, dtype=nn.bool))
    w, V = nn.linalg.eigh(nn.zeros(2, 0, 0, dtype=nn.int64))
    assert (w.shape, w.dtype, V.shape, V.dtype) == ((2, 0), nn.int64, (2, 0, 0), nn.int64)


def test_against_pytorch():
    torch = pytest.importorskip("torch")

    def outcome(L, call):
        try:
            r = call(L)
        except Exception as error:      # noqa: BLE001 - the exception itself is compared
            return type(error).__name__, _first_line(error)
        return [np.asarray(t.detach().numpy()).round(10).tolist() for t in (r if isinstance(r, tuple) else (r,))]

    rng = np.random.default_rng(0)
    M, C = rng.standard_normal((2, 3, 3)), rng.standard_normal((3, 3)) + 1j * rng.standard_normal((3, 3))
    calls = [
        lambda L: L.searchsorted(L.arange(5.0), L.ones(2), right=True, out=[]),
        lambda L: L.bucketize(L.ones(2), L.arange(5.0), out=()),
        lambda L: L.zeros(3).masked_fill(L.tensor([1, 0, 1], dtype=L.uint8), L.tensor([1.5])),
        lambda L: L.linalg.pinv(L.tensor(M), hermitian=True),
        lambda L: L.linalg.pinv(L.tensor(C), hermitian=True),
        lambda L: L.linalg.pinv(L.ones(3, 4), hermitian=True),
        lambda L: L.linalg.matrix_rank(L.tensor([[1.0, 5.0], [1.0, 5.0]]), hermitian=True),
        lambda L: L.linalg.eigh(L.eye(3), UPLO=1),
        lambda L: L.linalg.eigvalsh(L.ones(3, 3, dtype=L.int64)),
        lambda L: L.linalg.eigh(L.zeros(0, 0, dtype=L.int64)),
    ]
    for k, call in enumerate(calls):
        assert outcome(torch, call) == outcome(nn, call), k
    grads = []
    for L in (torch, nn):
        c = L.tensor(C, requires_grad=True)
        L.linalg.pinv(c, hermitian=True).abs().sum().backward()
        grads.append(c.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-10, atol=1e-12)
