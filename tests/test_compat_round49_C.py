"""PyTorch's view copies, ``torch.<view>_copy``, against PyTorch 2.13 directly (round 49, area C; no package). Which
of them PyTorch has, and what each takes, was decided by calling them: all 25 names asked for exist (and
``narrow_copy``, also a Tensor method); ``indices_copy`` and ``values_copy`` of a sparse COO tensor raise PyTorch's
NotImplementedError (no SparseCPU kernel), while ``values_copy``, ``crow_indices_copy`` and ``col_indices_copy`` of a
CSR tensor compute. nn had none of them. A grid script called each copy on PyTorch and on nn in one process, on the
same NumPy inputs (a 2 x 3 x 4 float64 tensor, its transpose (not contiguous), slices, a matrix, a vector, a 0-d
tensor, an empty one, a complex one, an int64 one), 152 call forms: positional and keyword arguments, negative
dims, PyTorch's refusals (too many or missing arguments, wrong types, an unknown keyword, dims out of range, sizes
that do not fit), each form's values, shape, dtype and requires_grad compared, then the result written into (the
input must not change: no result is a view), then with an input that requires grad, a backward of a random weighting
of the result (gradients compared, or the backward's error). All 152 forms differed before ("module 'nn' has no
attribute 'transpose_copy'"); after: none, but ``narrow_copy`` with a negative start, whose gradient PyTorch gets
wrong (below). Values agree exactly (float64 and float32: copies); gradients to 2.2e-16 relative in float64 and
6.1e-8 in float32 (``expand_copy``: the four copies of an element summed in another order). A second grid gave
each form that computes an out= of the result's dtype and shape, of float64, float32, int64, complex128 and bool,
of a wrong non-empty shape, an empty one, a leaf that requires grad (with and without grad mode), a non-leaf that
requires grad, a view of a larger tensor, a NumPy array and a list, and an input that requires grad (and a backward
through the out); the three list-valued copies were given lists of outs (right, empty, int64 or wrong-shaped first,
too short, one Tensor, an ndarray element, one requiring grad). Compared: computes or raises, the error's type and
first line, what is returned (the out, or None), the outs' shapes, dtypes, values, requires_grad and grad_fn, the
view's base, the warnings, the backward's error. 1,236 calls: all differed before, 5 differ now (below).
Gradients of the differentiable copies are checked against central differences in float64 here.

Still different (not fixed): ``narrow_copy`` with a negative start: PyTorch's NarrowCopyBackward0 slices the
gradient at the negative start, so its gradient is zero (or a size error); nn's is narrow's (the right one).
``select_copy`` of a complex tensor and ``view_as_complex_copy`` of an input that requires grad with out=: PyTorch
writes (the out's backward raises), nn refuses as without out= ("... does not support automatic differentiation
for outputs with complex dtype."), 3 calls. ``view_copy(x, dtype, out=o)`` of an x that requires grad: PyTorch's out
requires grad (a backward that raises), nn's does not (2 calls).
A NumPy array as an element of a tuple out (``max(x, 0, out=(ndarray, t))``) is refused in ``_write``'s words,
"max(): argument 'out' must be Tensor, not numpy.ndarray", where PyTorch's parser says "expected Tensor as element 0
in argument 3, but got numpy.ndarray". nn's "sparse" tensors are dense (nn/sparse.py): ``values_copy`` and the CSR
index copies compute on any tensor as nn's ``values()`` / ``crow_indices()`` do, where PyTorch refuses a strided one;
``indices_copy`` (no CPU kernel for COO in PyTorch) and ``ccol_indices_copy`` / ``row_indices_copy`` (nn has no
compressed-column accessors) are left out. The grad_fn chain is the view's node under the copy's, where PyTorch
has one node.

The failures of nn these tests pin down (the package is not imported here):

- ``alias_copy``, ``as_strided_copy``, ``detach_copy``, ``diagonal_copy``, ``expand_copy``, ``permute_copy``,
  ``select_copy``, ``slice_copy``, ``split_copy``, ``split_with_sizes_copy``, ``squeeze_copy``, ``t_copy``,
  ``transpose_copy``, ``unbind_copy``, ``unfold_copy``, ``unsqueeze_copy``, ``view_copy``, ``view_as_real_copy``,
  ``view_as_complex_copy``, ``narrow_copy`` (and ``Tensor.narrow_copy``), ``values_copy``, ``crow_indices_copy``
  and ``col_indices_copy`` were missing: each is its view's values in memory of its own, differentiable as the view
  (grad_fn TransposeBackward0_copy, ...; narrow_copy's NarrowCopyBackward0); ``detach_copy`` requires grad and its
  backward raises "derivative for aten::detach_copy is not implemented"; ``select_copy`` / ``view_as_complex_copy``
  of a complex result refuse an input that requires grad.
- Their arguments are read as PyTorch's parser reads them, in the copy's name: "select_copy(): argument 'dim'
  (position 2) must be int, not str", "permute_copy() takes 2 positional arguments but 4 were given",
  'select_copy() missing 2 required positional argument: "dim", "index"', "view_copy() received an invalid
  combination of arguments - got (Tensor, int), but expected one of:".
- out=: the result's dtype only ("Expected out tensor to have dtype double, but got float instead"; narrow_copy's
  "Expected self.dtype() == output.dtype() to be true, ..."), a wrong shape resized with the deprecation warning
  (narrow_copy silently); a leaf out that requires grad is refused as "aten::t_copy(): functions with out=...", an
  input that requires grad writes and the out's backward raises "derivative for aten::t_copy is not implemented".
  split_copy, split_with_sizes_copy and unbind_copy take a list of outs and return None ("split_copy_Tensor_out()
  expected an out= argument of size 2, got size 1"); split_copy's outs take any dtype and are never resized.
- A NumPy array given as out= to any function with out= (``nn.add(x, y, out=np.empty(...))``) was written; PyTorch
  refuses it: "add(): argument 'out' must be Tensor, not numpy.ndarray" (a tensor's ``.grad`` / ``.data`` array,
  nn's own, is still written in place).
- The view ops' own words: ``as_strided`` ("mismatch in length of strides and shape", "as_strided: Negative strides
  are not supported at the moment, got strides: [-1, 2]", "Tensor: invalid storage offset -1", "setStorage: sizes
  [2, 2], strides [1, 2], storage offset 100, and itemsize 8 requiring a storage size of 832 are out of bounds for
  storage of size 192"), ``unfold`` ("maximum size for tensor at dimension 2 is 4 but size is 5", "step is 0 but
  must be > 0", "size is -1 but must be >= 0"), ``view(dtype)`` (RuntimeError "self.size(-1) must be divisible by 2
  to view Float as Double (different element sizes), but got 3", "self.stride(-1) must be 1 ...", "self.dim()
  cannot be 0 ..."; nn's ValueError before) and ``view_as_complex`` of an integer tensor ("... only supported for
  half, float and double tensors, but got a tensor of scalar type: Long").
"""
import warnings

import numpy as np
import pytest

import nn
from porting import central_difference

X = np.arange(24.0).reshape(2, 3, 4)
M = np.arange(6.0).reshape(2, 3)


def _x():        # (sharing X's memory: a copy that were a view of its input would write into X)
    return nn.from_numpy(X)


def _m():
    return nn.from_numpy(M)


def _raises(error, words, call):
    with pytest.raises(error) as caught:
        call()
    assert str(caught.value).split("\n")[0] == words


# (call, PyTorch 2.13's values)
VALUES = [
    (lambda: nn.alias_copy(_m()), [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]),
    (lambda: nn.as_strided_copy(_x(), (2, 2), (1, 2), 3), [[3.0, 5.0], [4.0, 6.0]]),
    (lambda: nn.as_strided_copy(_x().transpose(0, 2), (2, 2), (1, 4)), [[0.0, 4.0], [1.0, 5.0]]),
    (lambda: nn.detach_copy(_m()), [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]),
    (lambda: nn.diagonal_copy(_x(), 1, -1, 0), [[12.0], [16.0], [20.0]]),
    (lambda: nn.diagonal_copy(_x(), offset=-1, dim1=2, dim2=1), [[1.0, 6.0, 11.0], [13.0, 18.0, 23.0]]),
    (lambda: nn.expand_copy(_m()[:1], (2, 2, 3)), [[[0.0, 1.0, 2.0]] * 2] * 2),
    (lambda: nn.expand_copy(_m()[:, :1], size=[-1, 2], implicit=True), [[0.0, 0.0], [3.0, 3.0]]),
    (lambda: nn.permute_copy(_x()[:, :2, :2], (2, 0, 1)), [[[0.0, 4.0], [12.0, 16.0]], [[1.0, 5.0], [13.0, 17.0]]]),
    (lambda: nn.permute_copy(_m(), dims=[-1, 0]), [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]),
    (lambda: nn.select_copy(_x(), 1, -1), [[8.0, 9.0, 10.0, 11.0], [20.0, 21.0, 22.0, 23.0]]),
    (lambda: nn.select_copy(_m().t(), dim=0, index=2), [2.0, 5.0]),
    (lambda: nn.slice_copy(_x()[0], -1, None, None, 2), [[0.0, 2.0], [4.0, 6.0], [8.0, 10.0]]),
    (lambda: nn.slice_copy(_m(), dim=1, start=-2, end=100), [[1.0, 2.0], [4.0, 5.0]]),
    (lambda: nn.slice_copy(_m(), 0, 5, -5), np.zeros((0, 3))),
    (lambda: nn.squeeze_copy(_m()[:1]), [0.0, 1.0, 2.0]),
    (lambda: nn.squeeze_copy(_m()[:1, None], (0, 1)), [0.0, 1.0, 2.0]),
    (lambda: nn.squeeze_copy(_m()[:1], dim=-1), [[0.0, 1.0, 2.0]]),
    (lambda: nn.t_copy(_m()), [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]),
    (lambda: nn.t_copy(_m()[0]), [0.0, 1.0, 2.0]),
    (lambda: nn.transpose_copy(_x()[:, :, :2], 0, -1),
     [[[0.0, 12.0], [4.0, 16.0], [8.0, 20.0]], [[1.0, 13.0], [5.0, 17.0], [9.0, 21.0]]]),
    (lambda: nn.transpose_copy(nn.tensor(2.5), 0, -1), 2.5),
    (lambda: nn.unfold_copy(_m(), 1, 2, 1), [[[0.0, 1.0], [1.0, 2.0]], [[3.0, 4.0], [4.0, 5.0]]]),
    (lambda: nn.unfold_copy(_m(), dimension=-1, size=0, step=2), np.zeros((2, 2, 0))),
    (lambda: nn.unsqueeze_copy(_m(), -1), [[[0.0], [1.0], [2.0]], [[3.0], [4.0], [5.0]]]),
    (lambda: nn.view_copy(_m().t(), (6,)), [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]),
    (lambda: nn.view_copy(_m(), size=[-1, 2]), [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]),
    (lambda: nn.view_copy(nn.tensor([1.0, 2.0]), nn.int32), [1065353216, 1073741824]),
    (lambda: nn.narrow_copy(_m(), 1, -2, 1), [[1.0], [4.0]]),
    (lambda: _m().narrow_copy(dim=1, start=1, length=2), [[1.0, 2.0], [4.0, 5.0]]),
    (lambda: nn.view_as_real_copy(nn.tensor([1 + 2j, 3 - 4j])), [[1.0, 2.0], [3.0, -4.0]]),
    (lambda: nn.view_as_complex_copy(_m().reshape(3, 2)), [1j, 2 + 3j, 4 + 5j]),
    (lambda: nn.split_copy(_m(), 2, 1), ([[0.0, 1.0], [3.0, 4.0]], [[2.0], [5.0]])),
    (lambda: nn.split_with_sizes_copy(_m(), [1, 2], dim=-1), ([[0.0], [3.0]], [[1.0, 2.0], [4.0, 5.0]])),
    (lambda: nn.unbind_copy(_m(), 1), ([0.0, 3.0], [1.0, 4.0], [2.0, 5.0])),
]


@pytest.mark.parametrize("call, expected", VALUES, ids=range(len(VALUES)))
def test_view_copies_are_the_views_values_in_memory_of_their_own(call, expected):
    result = call()
    pieces, wanted = (result, expected) if isinstance(result, tuple) else ((result,), (expected,))
    assert len(pieces) == len(wanted)
    for piece, values in zip(pieces, wanted):
        np.testing.assert_array_equal(piece.numpy(), np.asarray(values))
        assert piece._data.flags.c_contiguous and piece._data.flags.writeable
        assert not any(np.shares_memory(piece._data, a) for a in (X, M))
        before = [a.copy() for a in (X, M)]
        if piece.numel():
            piece.fill_(-7)             # (writing into a copy leaves the input alone)
        assert all(np.array_equal(a, b) for a, b in zip((X, M), before))


def test_copies_of_views_of_an_input_leave_it_alone():
    x = _m()
    for y in (nn.t_copy(x), nn.alias_copy(x), nn.view_copy(x, (6,)), nn.select_copy(x, 0, 0), nn.unbind_copy(x)[0],
              nn.diagonal_copy(x), nn.expand_copy(x[:1], (2, 3)), nn.squeeze_copy(x), nn.slice_copy(x, 1, 0, 2)):
        y.fill_(-1)
    np.testing.assert_array_equal(x.numpy(), M)


GRADIENT_CALLS = {
    "alias_copy": lambda t: nn.alias_copy(t), "as_strided_copy": lambda t: nn.as_strided_copy(t, (3, 2), (2, 5), 1),
    "diagonal_copy": lambda t: nn.diagonal_copy(t, -1, 2, 0), "expand_copy": lambda t: nn.expand_copy(t[:1], (3, 3, 4)),
    "permute_copy": lambda t: nn.permute_copy(t, (2, 0, 1)), "select_copy": lambda t: nn.select_copy(t, -1, 2),
    "slice_copy": lambda t: nn.slice_copy(t, 2, 1, None, 2), "split_copy": lambda t: nn.split_copy(t, 3, -1),
    "split_with_sizes_copy": lambda t: nn.split_with_sizes_copy(t, [1, 2], 1),
    "squeeze_copy": lambda t: nn.squeeze_copy(t[:1], 0), "t_copy": lambda t: nn.t_copy(t[0]),
    "transpose_copy": lambda t: nn.transpose_copy(t, 0, -1), "unbind_copy": lambda t: nn.unbind_copy(t, 1),
    "unfold_copy": lambda t: nn.unfold_copy(t, 2, 2, 1), "unsqueeze_copy": lambda t: nn.unsqueeze_copy(t, 1),
    "view_copy": lambda t: nn.view_copy(t.transpose(0, 2), (-1, 2)),
    "view_as_real_copy": lambda t: nn.view_as_real_copy(nn.view_as_complex(t[..., :2].contiguous())),
    "narrow_copy": lambda t: nn.narrow_copy(t, 1, 1, 2), "values_copy": lambda t: nn.values_copy(t),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CALLS))
def test_view_copies_gradients_against_central_differences(name):
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((2, 3, 4)) + 3.0       # (no zeros: values_copy keeps the non-zeros)
    call = GRADIENT_CALLS[name]
    pieces = lambda r: r if isinstance(r, tuple) else (r,)      # noqa: E731
    weights = [rng.standard_normal(tuple(p.shape)) for p in pieces(call(nn.tensor(x0)))]

    def f(a):
        return sum(float((p.detach().numpy() * w).sum()) for p, w in zip(pieces(call(nn.tensor(a))), weights))
    x = nn.tensor(x0, requires_grad=True)
    loss = sum((p * nn.tensor(w)).sum() for p, w in zip(pieces(call(x)), weights))
    loss.backward()
    np.testing.assert_allclose(x.grad, central_difference(f, x0), rtol=1e-7, atol=1e-8)


def test_copies_grad_fn_names_and_their_autograd_refusals():
    x = nn.tensor(M, requires_grad=True)
    assert type(nn.transpose_copy(x, 0, 1).grad_fn).__name__ == "TransposeBackward0_copy"
    assert nn.split_copy(x, 1)[0].grad_fn.name() == "SplitBackward0_copy"
    assert type(nn.narrow_copy(x, 0, 0, 1).grad_fn).__name__ == "NarrowCopyBackward0"
    d = nn.detach_copy(x)
    assert d.requires_grad and not d.is_leaf           # (PyTorch's detach_copy has no derivative formula)
    _raises(RuntimeError, "derivative for aten::detach_copy is not implemented", lambda: d.sum().backward())
    with nn.no_grad():
        assert not nn.detach_copy(x).requires_grad
    c = nn.tensor(M + 1j * M, requires_grad=True)
    _raises(RuntimeError, "select_copy does not support automatic differentiation for outputs with complex dtype.",
            lambda: nn.select_copy(c, 0, 1))
    assert nn.t_copy(c).requires_grad
    _raises(RuntimeError, "view_as_complex_copy does not support automatic differentiation for outputs with complex "
                          "dtype.", lambda: nn.view_as_complex_copy(nn.tensor(M[:, :2], requires_grad=True)))
    assert not nn.view_copy(nn.ones(2, requires_grad=True), nn.int32).requires_grad


PARSER = [
    (lambda: nn.select_copy(_x(), "a", 1), "select_copy(): argument 'dim' (position 2) must be int, not str"),
    (lambda: nn.select_copy(_x(), 0, 1.0), "select_copy(): argument 'index' (position 3) must be int, not float"),
    (lambda: nn.select_copy(_x()), 'select_copy() missing 2 required positional argument: "dim", "index"'),
    (lambda: nn.select_copy(_x(), dim=0), 'select_copy() missing 1 required positional arguments: "index"'),
    (lambda: nn.select_copy(_x(), 0, index=1, dim=0), "select_copy() got multiple values for argument 'dim'"),
    (lambda: nn.select_copy(_x(), 0, 1, foo=1), "select_copy() got an unexpected keyword argument 'foo'"),
    (lambda: nn.select_copy(1.5, 0, 1), "select_copy(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda: nn.alias_copy(_x(), 1), "alias_copy() takes 1 positional argument but 2 were given"),
    (lambda: nn.permute_copy(_x(), 2, 0, 1), "permute_copy() takes 2 positional arguments but 4 were given"),
    (lambda: nn.permute_copy(_x(), 2), "permute_copy(): argument 'dims' (position 2) must be tuple of ints, not int"),
    (lambda: nn.expand_copy(_x(), 3), "expand_copy(): argument 'size' (position 2) must be tuple of ints, not int"),
    (lambda: nn.expand_copy(_x(), (2, 3, 4), True), "expand_copy() takes 2 positional arguments but 3 were given"),
    (lambda: nn.expand_copy(_x(), (2, 3, 4), implicit=1), "expand_copy(): argument 'implicit' must be bool, not int"),
    (lambda: nn.as_strided_copy(_x(), (2,), (1,), 0, 1),
     "as_strided_copy() takes from 3 to 4 positional arguments but 5 were given"),
    (lambda: nn.as_strided_copy(_x()), 'as_strided_copy() missing 2 required positional argument: "size", "stride"'),
    (lambda: nn.diagonal_copy(_x(), None), "diagonal_copy(): argument 'offset' (position 2) must be int, not NoneType"),
    (lambda: nn.slice_copy(_x(), 0, step=None), "slice_copy(): argument 'step' must be int, not NoneType"),
    (lambda: nn.slice_copy(_x(), 1, 1, 1, 1, 1, 1), "slice_copy() takes from 1 to 5 positional arguments but 7 were "
                                                    "given"),
    (lambda: nn.split_copy(_x(), [1, 3], 2), "split_copy(): argument 'split_size' (position 2) must be int, not list"),
    (lambda: nn.split_with_sizes_copy(_x(), 2),
     "split_with_sizes_copy(): argument 'split_sizes' (position 2) must be tuple of ints, not int"),
    (lambda: nn.unfold_copy(_x(), 2, "a", 1), "unfold_copy(): argument 'size' (position 3) must be int, not str"),
    (lambda: nn.t_copy(_m(), dim=0), "t_copy() got an unexpected keyword argument 'dim'"),
    (lambda: nn.squeeze_copy(_x(), "a"), "squeeze_copy() received an invalid combination of arguments - got (Tensor, "
                                         "str), but expected one of:"),
    (lambda: nn.squeeze_copy(_x(), dim=None), "squeeze_copy() received an invalid combination of arguments - got "
                                              "(Tensor, dim=NoneType), but expected one of:"),
    (lambda: nn.view_copy(_x(), 6, 4), "view_copy() received an invalid combination of arguments - got (Tensor, int, "
                                       "int), but expected one of:"),
    (lambda: nn.view_copy(_x(), 24), "view_copy() received an invalid combination of arguments - got (Tensor, int), "
                                     "but expected one of:"),
    (lambda: nn.narrow_copy(_x(), 0, "a", 1), "narrow_copy(): argument 'start' (position 3) must be int, not str"),
    (lambda: _x().narrow_copy(0, "a", 1), "narrow_copy(): argument 'start' (position 2) must be int, not str"),
    (lambda: _x().narrow_copy(0, 0, 1, 1), "narrow_copy() takes 3 positional arguments but 4 were given"),
    (lambda: _x().narrow_copy(0, 0, 1, out=None), "narrow_copy() got an unexpected keyword argument 'out'"),
]


@pytest.mark.parametrize("call, words", PARSER, ids=range(len(PARSER)))
def test_view_copies_read_arguments_as_pytorchs_parser(call, words):
    _raises(TypeError, words, call)


KERNEL = [
    (lambda: nn.select_copy(_x(), 1, 5), IndexError, "select(): index 5 out of range for tensor of size [2, 3, 4] at "
                                                     "dimension 1"),
    (lambda: nn.slice_copy(nn.tensor(1.0)), IndexError, "slice() cannot be applied to a 0-dim tensor."),
    (lambda: nn.slice_copy(_x(), 2, 0, 4, 0), RuntimeError, "slice step must be positive"),
    (lambda: nn.slice_copy(_x(), 3), IndexError, "Dimension out of range (expected to be in range of [-3, 2], but got "
                                                 "3)"),
    (lambda: nn.t_copy(_x()), RuntimeError, "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    (lambda: nn.permute_copy(_x(), (0, 0, 1)), RuntimeError, "permute(): duplicate dims are not allowed."),
    (lambda: nn.view_as_real_copy(_x()), RuntimeError, "view_as_real is only supported for complex tensors"),
    (lambda: nn.view_as_complex_copy(_x()), RuntimeError, "Tensor must have a last dimension of size 2"),
    (lambda: nn.view_as_complex_copy(nn.tensor([[1, 2]])), RuntimeError,
     "view_as_complex is only supported for half, float and double tensors, but got a tensor of scalar type: Long"),
    (lambda: nn.as_strided_copy(_x(), (2,), (1, 2)), RuntimeError, "mismatch in length of strides and shape"),
    (lambda: nn.as_strided_copy(_x(), (2, 2), (-1, 2)), RuntimeError,
     "as_strided: Negative strides are not supported at the moment, got strides: [-1, 2]"),
    (lambda: nn.as_strided_copy(_x(), (2, 2), (1, 2), -1), RuntimeError, "Tensor: invalid storage offset -1"),
    (lambda: nn.as_strided_copy(_x(), (2, 2), (1, 2), 100), RuntimeError,
     "setStorage: sizes [2, 2], strides [1, 2], storage offset 100, and itemsize 8 requiring a storage size of 832 "
     "are out of bounds for storage of size 192"),
    (lambda: nn.unfold_copy(_x(), 2, 5, 1), RuntimeError, "maximum size for tensor at dimension 2 is 4 but size is 5"),
    (lambda: nn.unfold_copy(_x(), 2, 2, 0), RuntimeError, "step is 0 but must be > 0"),
    (lambda: nn.unfold_copy(_x(), 1, -1, 1), RuntimeError, "size is -1 but must be >= 0"),
    (lambda: nn.view_copy(nn.ones(3), nn.float64), RuntimeError,
     "self.size(-1) must be divisible by 2 to view Float as Double (different element sizes), but got 3"),
    (lambda: nn.ones(2, 4, dtype=nn.float64)[:, ::2].view(nn.float32), RuntimeError,
     "self.stride(-1) must be 1 to view Double as Float (different element sizes), but got 2"),
    (lambda: nn.tensor(1.0).view(nn.complex64), RuntimeError,
     "self.dim() cannot be 0 to view Float as ComplexFloat (different element sizes)"),
    (lambda: nn.split_with_sizes_copy(_x(), [1, 2], 2), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 4 (input tensor's size at dimension 2), but got "
     "split_sizes=[1, 2]"),
]


@pytest.mark.parametrize("call, error, words", KERNEL, ids=range(len(KERNEL)))
def test_view_copies_raise_their_views_words(call, error, words):
    _raises(error, words, call)


def test_view_copy_out_dtype_shape_and_graph():
    out = nn.zeros(3, 2, dtype=nn.float64)
    assert nn.t_copy(_m(), out=out) is out
    np.testing.assert_array_equal(out.numpy(), M.T)
    _raises(RuntimeError, "Expected out tensor to have dtype double, but got float instead",
            lambda: nn.t_copy(_m(), out=nn.zeros(3, 2)))
    _raises(RuntimeError, "Expected out tensor to have dtype double, but got long int instead",
            lambda: nn.transpose_copy(_m(), 0, 1, out=nn.zeros(3, 2, dtype=nn.int64)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = nn.zeros(5, dtype=nn.float64)
        nn.unsqueeze_copy(_m(), 0, out=out)
    assert out.shape == (1, 2, 3) and "An output with one or more elements was resized" in str(caught[0].message)
    base = nn.zeros(3, 3, 2, dtype=nn.float64)
    nn.t_copy(_m(), out=base[1])
    np.testing.assert_array_equal(base.numpy()[1], M.T)
    _raises(RuntimeError, "aten::t_copy(): functions with out=... arguments don't support automatic differentiation, "
                          "but one of the arguments requires grad.",
            lambda: nn.t_copy(_m(), out=nn.zeros(3, 2, dtype=nn.float64, requires_grad=True)))
    out = nn.zeros(3, 2, dtype=nn.float64)
    nn.t_copy(nn.tensor(M, requires_grad=True), out=out)       # (written; the out's backward raises)
    assert out.requires_grad
    _raises(RuntimeError, "derivative for aten::t_copy is not implemented", lambda: out.sum().backward())
    with nn.no_grad():
        leaf = nn.zeros(3, 2, dtype=nn.float64, requires_grad=True)
        nn.t_copy(_m(), out=leaf)
    assert leaf.requires_grad and leaf.is_leaf
    np.testing.assert_array_equal(leaf.detach().numpy(), M.T)
    # narrow_copy's own kernel: its words for another dtype, a silent resize, the autograd refusal
    _raises(RuntimeError, "Expected self.dtype() == output.dtype() to be true, but got false.  (Could this error "
                          "message be improved?  If so, please report an enhancement request to PyTorch.)",
            lambda: nn.narrow_copy(_m(), 0, 0, 1, out=nn.zeros(1, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.narrow_copy(_m(), 0, 0, 1, out=nn.zeros(5, dtype=nn.float64))
    assert out.shape == (1, 3)
    _raises(RuntimeError, "narrow_copy(): functions with out=... arguments don't support automatic differentiation, "
                          "but one of the arguments requires grad.",
            lambda: nn.narrow_copy(nn.tensor(M, requires_grad=True), 0, 0, 1, out=nn.zeros(1, 3, dtype=nn.float64)))


def test_list_valued_copies_write_lists_of_outs_and_return_none():
    outs = [nn.zeros(2, 2, dtype=nn.complex128), nn.zeros(2, 1, dtype=nn.int32)]
    assert nn.split_copy(_m(), 2, 1, out=outs) is None      # (split_copy's kernel copies in by copy_: any dtype)
    np.testing.assert_array_equal(outs[0].numpy(), [[0, 1], [3, 4]])
    np.testing.assert_array_equal(outs[1].numpy(), [[2], [5]])
    _raises(RuntimeError, "The size of tensor a (4) must match the size of tensor b (2) at non-singleton dimension 1",
            lambda: nn.split_copy(_m(), 2, 1, out=[nn.zeros(4, dtype=nn.float64), nn.zeros(2, 1)]))
    _raises(RuntimeError, "split_copy_Tensor_out() expected an out= argument of size 2, got size 1",
            lambda: nn.split_copy(_m(), 2, 1, out=[nn.zeros(0)]))
    _raises(TypeError, "split_copy(): argument 'out' must be tuple of Tensors, not Tensor",
            lambda: nn.split_copy(_m(), 2, 1, out=nn.zeros(0)))
    _raises(TypeError, "expected Tensor as element 1 in argument 3, but got numpy.ndarray",
            lambda: nn.split_copy(_m(), 2, 1, out=[nn.zeros(2, 2), np.zeros((2, 1))]))
    outs = (nn.zeros(0, dtype=nn.float64), nn.zeros(0, dtype=nn.float64))
    assert nn.split_with_sizes_copy(_m(), [2, 1], 1, out=outs) is None
    assert [tuple(o.shape) for o in outs] == [(2, 2), (2, 1)]
    _raises(RuntimeError, "Expected out tensor to have dtype double, but got long int instead",
            lambda: nn.split_with_sizes_copy(_m(), [2, 1], 1, out=[nn.zeros(2, 2, dtype=nn.int64), nn.zeros(0)]))
    _raises(RuntimeError, "split_with_sizes_copy_out expected an out= argument of size 2, got size 3",
            lambda: nn.split_with_sizes_copy(_m(), [2, 1], 1, out=[nn.zeros(0)] * 3))
    outs = [nn.zeros(3, dtype=nn.float64), nn.zeros(3, dtype=nn.float64)]
    assert nn.unbind_copy(nn.tensor(M, requires_grad=True), out=outs) is None
    assert not any(o.requires_grad for o in outs)           # (the pieces are written outside any graph)
    np.testing.assert_array_equal(outs[1].numpy(), [3.0, 4.0, 5.0])
    _raises(RuntimeError, "unbind_copy_int_out expected an out= argument of size 2, got size 3",
            lambda: nn.unbind_copy(_m(), out=[nn.zeros(0)] * 3))
    _raises(RuntimeError, "unbind_copy(): functions with out=... arguments don't support automatic differentiation, "
                          "but one of the arguments requires grad.",
            lambda: nn.unbind_copy(_m(), out=[nn.zeros(3, dtype=nn.float64), nn.zeros(3, requires_grad=True)]))
    leaf = nn.zeros(2, 2, dtype=nn.float64, requires_grad=True)     # (split_copy's writes into it, unrefused)
    nn.split_copy(_m(), 2, 1, out=[leaf, nn.zeros(2, 1, dtype=nn.float64)])
    assert leaf.is_leaf and leaf.requires_grad


def test_a_numpy_array_is_no_out():
    for call, name in ((lambda o: nn.add(_m(), 1, out=o), "add"), (lambda o: nn.sin(_m(), out=o), "sin"),
                       (lambda o: nn.zeros(3, out=o), "zeros"),
                       (lambda o: nn.t_copy(_m(), out=o), "t_copy")):
        _raises(TypeError, f"{name}(): argument 'out' must be Tensor, not numpy.ndarray", lambda: call(np.zeros(3)))
    _raises(TypeError, "t_copy(): argument 'out' must be Tensor, not list", lambda: nn.t_copy(_m(), out=[nn.zeros(0)]))
    _raises(TypeError, "view_copy() received an invalid combination of arguments - got (Tensor, tuple, "
                       "out=numpy.ndarray), but expected one of:", lambda: nn.view_copy(_m(), (6,), out=np.zeros(6)))
    _raises(TypeError, "mm() received an invalid combination of arguments - got (Tensor, Tensor, out=numpy.ndarray), "
                       "but expected one of:", lambda: nn.mm(_m(), _m().t(), out=np.zeros(3)))     # (overloaded)
    p = nn.zeros(3, requires_grad=True)             # a tensor's .grad array, nn's own, is still written in place
    (p * 2.0).sum().backward()
    grad = p.grad
    assert nn.mul(grad, 3, out=grad) is grad
    np.testing.assert_array_equal(p.grad, [6.0, 6.0, 6.0])


def test_view_copies_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    data = rng.standard_normal((2, 3, 4))
    forms = [("alias_copy", ()), ("as_strided_copy", ((3, 2), (2, 5), 1)), ("detach_copy", ()),
             ("diagonal_copy", (1, -1, 0)), ("expand_copy", ((2, 2, 3, 4),)), ("permute_copy", ((2, 0, 1),)),
             ("select_copy", (1, -1)), ("slice_copy", (2, 1, None, 2)), ("split_copy", (3, -1)),
             ("split_with_sizes_copy", ([1, 2], 1)), ("squeeze_copy", ()), ("transpose_copy", (0, -1)),
             ("unbind_copy", (1,)), ("unfold_copy", (2, 2, 1)), ("unsqueeze_copy", (1,)), ("view_copy", ((-1, 2),)),
             ("narrow_copy", (1, -2, 1))]
    for name, args in forms:
        results = []
        for lib in (torch, nn):
            x = lib.tensor(data.transpose(2, 1, 0).copy().transpose(2, 1, 0), requires_grad=True)
            r = getattr(lib, name)(x, *args)
            pieces = r if isinstance(r, (tuple, list)) else (r,)
            results.append([p.detach().numpy().copy() for p in pieces])
        for a, b in zip(*results):
            np.testing.assert_array_equal(a, b)
    for lib_out in (torch, nn):         # out= of each library: the same dtype rule and words
        with pytest.raises(RuntimeError) as caught:
            lib_out.t_copy(lib_out.zeros(2, 3, dtype=lib_out.float64), out=lib_out.zeros(3, 2))
        assert str(caught.value) == "Expected out tensor to have dtype double, but got float instead"
