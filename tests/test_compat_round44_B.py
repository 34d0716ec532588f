"""tntorch from the package registry: tntorch 1.1.2 (its wheel; tensor networks in the TT, Tucker and CP formats),
installed without dependencies (NumPy and SciPy are the project's; maxvolpy is absent, so its cross-approximation
runs tntorch's own NumPy maxvol on both sides; sklearn is absent, so ``PCEInterpolator.fit`` is not run), ported
file by file by the porting rule (``tntorchp``) and run beside the unchanged package on PyTorch 2.13 in one
process, in float64 and with float32 as the default dtype, the same NumPy inputs, and every draw of ``torch.rand`` /
``randn`` (random cores, cross-approximation's initial cores) read from one NumPy stream per side (NumPy's global
stream, which cross seeds its pivots from, reseeded alike). One edit beyond the rule: the rule renames the bare name
``torch``, so the methods ``Tensor.torch()`` and ``TTMatrix.torch()`` / ``CPMatrix.torch()`` (tntorch's "decompress"
methods, not the module) became ``def nn(self)`` while their callers kept ``.torch()``; they are renamed back (a limit
of the rule's text substitution, not nn's).

Run (about 190 cases, each in float64 and float32): construction from full tensors by TT-SVD (``ranks_tt``, ``eps``,
``algorithm='eig'``), Tucker (``ranks_tucker``, with TT), CP by ALS (from HOSVD and on a Tucker core), batched
tensors, NumPy input; the factories (``rand`` / ``randn`` with TT, Tucker, CP and mixed ranks, ``ones``, ``zeros``,
``full``, ``eye``, ``arange``, ``linspace``, ``logspace``, ``gaussian``, ``meshgrid``); arithmetic between every
pair of formats, slicing (ints, slices, None, Ellipsis, fancy and bool indices, ``__setitem__``), the metrics
(``dot`` with ``k``, ``dist``, ``relative_error``, ``rmse``, ``r_squared``, ``norm``, ``normsq``, ``sum`` / ``mean``
over dims, ``var``, ``std``, moments, ``hadamard_sum``), every element-wise op by cross-approximation (``exp``,
``log``, ``sin``, ..., ``atan2``, ``cumprod``), ``cross`` over domains (vectors and matrix forms, ``return_info``,
``record_samples``), ``minimum`` / ``argmax``, the derivatives (``partial``, ``gradient``, ``partialset``,
``laplacian``, ``divergence``, ``curl``, ``active_subspace``, ``dgsm``), ANOVA and Sobol indices, masks and logic
(``symbols``, ``only``, ``is_tautology``, ``implies``, ``weight_mask``, ``accepted_inputs``), the tools (``cat``,
``ttm``, ``pad``, ``flip``, ``unbind``, ``convolve``, ``generate_basis``, ``reduce``, ``sample``, ``hash``),
orthogonalisation and ``round_tt`` / ``round_tucker`` / ``truncated_svd``, ``TTMatrix`` / ``CPMatrix`` products,
``sparse_tt_svd``, ``als_completion``; gradients through TT-SVD, Tucker, CP-ALS, ``eig`` and cross-approximation to
the full tensor, and to TT / CP-Tucker cores; 5 steps of Adam, SGD and RMSprop fitting TT, Tucker and CP cores by
hand, and ``tn.optimize`` (Adam; SGD with momentum) for 20-30 iterations.

Largest differences in float64 (relative to the largest value): reconstructions, metrics, slicing, derivatives,
ANOVA 7.5e-14 or better; gradients through TT-SVD 2e-13, through ``eig`` 2.2e-13, CP-ALS 5e-14; cores after Adam /
SGD / RMSprop steps 7e-14, after ``tn.optimize`` 1.2e-16. The TT / Tucker cores themselves differ by the signs of
singular vectors (PyTorch's MKL and NumPy's OpenBLAS choose differently), so ``pad`` with a fill value (which fills
the cores) and the orthogonalised cores differ by sign while every reconstruction agrees; cross-approximations
(element-wise ops, ``cumprod``, ``cross`` with a tolerance) agree to their tolerance 1e-6 only, as PyTorch against
itself with the input disturbed by an ulp moves by 2.6e-6 (the maxvol pivots among equal candidates); CP-ALS with
more ranks than a mode has, and ``als_completion`` for 10 sweeps, are ill-conditioned (PyTorch against itself
disturbed by an ulp: 1.08 and 5.8e5). float32: 1e-6 to 7e-5 (float32 rounding; cancellations in the derivatives).

Differences nn's side met (each test below failed before its fix):
- tntorch's TT-SVD (``tn.Tensor(full, ranks_tt=...)``, ``round_tt``, Tucker) takes ``torch.linalg.svd(M)`` (full
  matrices) of wide and tall unfoldings and keeps U's first columns; a gradient through it raised nn's
  "the gradient through U or Vh of full_matrices=True is defined for square matrices only". PyTorch ignores the
  gradients of the columns past min(m, n) (derivatives.yaml narrows U, Vh and their gradients): nn/linalg.py
  ``_svd``'s backward now does the same.
- ``tn.eye(n)`` calls ``torch.eye(n, None)``: PyTorch's TypeError "eye() received an invalid combination of
  arguments - got (int, NoneType), ..."; nn made an n x n identity for m=None (and then failed elsewhere in NumPy's
  words). ``eye``'s sizes are now checked in PyTorch's words (its parser's for a non-int, RuntimeError "n must be
  greater or equal to 0, got -1") (nn/factories.py ``eye``).
- An index of a type PyTorch does not index with (tntorch's ``t['a']`` reaches a core's ``[..., 'a', :]``):
  PyTorch's TypeError "new(): invalid data type 'str'" for str / bytes (also in a list), and IndexError "only
  integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got float)" for
  other types; nn gave NumPy's IndexError words (or a ufunc error for a list of str). A short list holding a str
  is a tuple of indices, as PyTorch's heuristic reads it (a str is a sequence there) (nn/tensor_ops/indexing.py:
  the words on the error path only, the str in the list heuristic's type test).
"""
import numpy as np
import pytest

import nn

from porting import raised


def _tt_svd_loss(T, x, r):
    """tntorch's truncated_svd step of a TT-SVD: svd of an unfolding (full matrices), the first r columns of U and
    rows of Vh (S folded into the right factor), a sign-invariant loss of the rank-r reconstruction."""
    U, S, Vh = T.linalg.svd(x.reshape(4, -1))
    left, right = U[:, :r], S[:r, None] * Vh[:r]
    approx = (left @ right).reshape(x.shape)
    return (approx * approx).sum() + approx[0, 1].sum() + (left @ right).exp().sum()


def test_svd_gradient_with_full_matrices_ignores_the_extra_columns():
    """tntorch's Tensor(x, ranks_tt=...) with x requiring grad: the SVD of a wide (and then tall) unfolding."""
    a = nn.tensor([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=nn.float64, requires_grad=True)
    U, S, Vh = nn.linalg.svd(a)                          # U is 3 x 3: its last column has no part in a
    assert U.shape == (3, 3)
    ((U[:, :2] * S) @ Vh).sum().backward()               # the reconstruction: d sum(a) / d a = 1
    np.testing.assert_allclose(a.grad.numpy(), np.ones((3, 2)), atol=1e-14)
    for shape, extra in (((5, 3), lambda U, Vh: U[:, 3:]), ((3, 5), lambda U, Vh: Vh[3:])):
        b = nn.tensor(np.random.default_rng(1).standard_normal(shape), requires_grad=True)
        U, S, Vh = nn.linalg.svd(b)
        extra(U, Vh).sum().backward()       # only U's columns (Vh's rows) past min(m, n): ignored, as PyTorch's
        assert np.array_equal(b.grad.numpy(), np.zeros(shape))
    # the full and the thin SVD give the same gradient (PyTorch's narrowing)
    x = np.random.default_rng(2).standard_normal((4, 3, 5))
    grads = []
    for full in (True, False):
        t = nn.tensor(x, requires_grad=True)
        U, S, Vh = nn.linalg.svd(t.reshape(4, -1), full_matrices=full)
        ((U[:, :2] * S[:2]) @ Vh[:2]).pow(2).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-13, atol=1e-13)


def test_svd_gradient_with_full_matrices_as_pytorchs():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((4, 3, 5))
    for r in (1, 2, 4):
        ours = nn.tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        _tt_svd_loss(nn, ours, r).backward()
        _tt_svd_loss(torch, theirs, r).backward()
        want = theirs.grad.numpy()
        np.testing.assert_allclose(ours.grad.numpy(), want, rtol=0, atol=1e-12 * np.abs(want).max())


def test_eye_sizes_refused_in_pytorchs_words():
    """tntorch's tn.eye(n) calls torch.eye(n, m) with m=None."""
    combination = "eye() received an invalid combination of arguments - got ({}), but expected one of:"
    assert raised(lambda: nn.eye(4, None)) == ("TypeError", combination.format("int, NoneType"))
    assert raised(lambda: nn.eye(3, 2.0)) == ("TypeError", combination.format("int, float"))
    assert raised(lambda: nn.eye(None, None)) == ("TypeError", combination.format("NoneType, NoneType"))
    assert raised(lambda: nn.eye(3, True)) == ("TypeError", combination.format("int, bool"))
    assert raised(lambda: nn.eye(4.0)) == ("TypeError", "eye(): argument 'n' (position 1) must be int, not float")
    assert raised(lambda: nn.eye(None)) == ("TypeError", "eye(): argument 'n' (position 1) must be int, not NoneType")
    assert raised(lambda: nn.eye(True)) == ("TypeError", "eye(): argument 'n' (position 1) must be int, not bool")
    assert raised(lambda: nn.eye(-1)) == ("RuntimeError", "n must be greater or equal to 0, got -1")
    assert raised(lambda: nn.eye(4, -1)) == ("RuntimeError", "m must be greater or equal to 0, got -1")
    assert raised(lambda: nn.eye(-2, -1)) == ("RuntimeError", "n must be greater or equal to 0, got -2")
    assert nn.eye(3, 2).shape == (3, 2) and nn.eye(0).shape == (0, 0)
    assert nn.eye(np.int64(3), np.int32(2)).shape == (3, 2)
    assert nn.eye(n=3, m=2, dtype=nn.float64).dtype == nn.float64
    assert np.array_equal(nn.eye(nn.tensor(3)).numpy(), np.eye(3))


def test_index_of_a_type_pytorch_does_not_index_with():
    """tntorch's t['a'] indexes each core with [..., 'a', :]; x[1.5] and x[:, 2.0] are a user's slips."""
    x = nn.ones(3, 4, 5)
    assert raised(lambda: x[..., "a", :]) == ("TypeError", "new(): invalid data type 'str'")
    assert raised(lambda: x["a"]) == ("TypeError", "new(): invalid data type 'str'")
    assert raised(lambda: x[b"x"]) == ("TypeError", "new(): invalid data type 'bytes'")
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        assert raised(lambda: x[["a"]]) == ("TypeError", "new(): invalid data type 'str'")
    assert raised(lambda: x[0, [1, "b"]]) == ("TypeError", "new(): invalid data type 'str'")
    words = "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices (got {})"
    assert raised(lambda: x[1.5]) == ("IndexError", words.format("float"))
    assert raised(lambda: x[:, 2.0]) == ("IndexError", words.format("float"))
    assert raised(lambda: x[{}]) == ("IndexError", words.format("dict"))
    assert raised(lambda: x[1j]) == ("IndexError", words.format("complex"))
    assert raised(lambda: x[1.5, "a"]) == ("IndexError", words.format("float"))     # the first part's
    assert raised(lambda: x["a", 1.5]) == ("TypeError", "new(): invalid data type 'str'")
    with pytest.warns(UserWarning, match="non-tuple sequence"):     # a list holding a str is a tuple, as there
        assert raised(lambda: x[[1.5, "a"]]) == ("IndexError", words.format("float"))
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        assert raised(lambda: x[[[0], 1.5]]) == ("IndexError", words.format("float"))

    def put():
        x[0, 1.5] = 2.0
    assert raised(put) == ("IndexError", words.format("float"))
    assert x[[1.5, 2]].shape == (2, 4, 5)          # floats in a list are truncated, as PyTorch's
