"""Argument-parser refusals and small edges the thirty-third round left (area F of the thirty-fourth round): checked
against PyTorch 2.13 side by side over small grids, nn now raises PyTorch's type and words (or computes what PyTorch
computes). No package is imported here.

- a bool, None, str, float or list where PyTorch's argument parser wants an int dim (and an int where it wants a
  tuple) was taken as an int or failed in Python's words: ``x.sum(True)`` summed dim 1, ``x.transpose(True, 0)``,
  ``x.diagonal(True)``, ``x.cumsum(None)``, ``x.squeeze(None)`` computed; PyTorch refuses them as its parser does:
  "argmax(): argument 'dim' (position 1) must be int, not bool", "amax(): argument 'dim' (position 1) must be tuple
  of ints, not bool", "sum() received an invalid combination of arguments - got (bool), but expected one of:" (an
  overloaded method whose other signatures fit the number of arguments), "... must be tuple of ints, but found
  element of type bool at pos 0". One reader (check_parsed_ints in nn/tensor_ops/_attach.py) for every op. A size
  list takes a bool after its first element as PyTorch's parser does (zeros(2, True) is (2, 1); nn refused it);
  permute's errors are PyTorch's ("permute(): duplicate dims are not allowed.", nn: a ValueError of its own);
  Tensor.softmax / log_softmax require their dim (F.softmax(x) keeps the legacy implicit dim).
- ``finfo('float32')``, ``finfo(None)``, ``finfo(np.float32)``, ``iinfo('int32')`` were taken; PyTorch: TypeError
  "finfo(): argument 'type' (position 1) must be torch.dtype, not str".
- a complex64 fill of 1e40 (full, fill_, masked_fill, index_fill, pad) was inf; PyTorch: RuntimeError "value cannot
  be converted to type c10::complex<float> without overflow"; a complex number with an imaginary part into a real
  dtype overflows there (nn dropped the imaginary part); a bool fill of 2 ** 63 raised OverflowError (PyTorch:
  True); pad's value may not be complex; index_fill of a complex number into a real tensor, clamp of a complex
  tensor (nn clipped) are PyTorch's errors.
- the vector norms of order p < 0 over an empty tensor or dim were 0 (PyTorch: "linalg.vector_norm cannot compute
  the -1 norm on an empty tensor because the operation does not have an identity"); the 2 / -2 / 'nuc' matrix norms
  of complex matrices said "nn's svd takes real matrices only" (now from the singular values, with their gradient);
  F.normalize of a complex input was refused; matrix norms of empty matrices raised NumPy's IndexError.
- select / take_along_dim / rot90 / diagonal / cross / roll / diff / unsqueeze / flatten / transpose on 0-d or with
  dims out of range said nn's words or NumPy's; pad_sequence of 0-d tensors raised "tuple index out of range".
"""
import math
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.utils.rnn import pad_sequence


def _x():
    return nn.arange(24.0, dtype=nn.float64).reshape(2, 3, 4)


def _raises(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).split("\n")[0] == words
    return info.value


# ---- the argument parser's refusals of dims -------------------------------------------------------------------------

COMBINATION = "{}() received an invalid combination of arguments - got ({}), but expected one of:"


@pytest.mark.parametrize("call, words", [
    (lambda x: x.sum(True), COMBINATION.format("sum", "bool")),
    (lambda x: x.mean(False), COMBINATION.format("mean", "bool")),
    (lambda x: x.sum(1.5), COMBINATION.format("sum", "float")),
    (lambda x: x.sum([True]), COMBINATION.format("sum", "list")),
    (lambda x: x.sum(dim=True), COMBINATION.format("sum", "dim=bool, ")),
    (lambda x: x.sum(True, True), "sum(): argument 'dim' (position 1) must be tuple of ints, not bool"),
    (lambda x: x.sum(dim=True, keepdim=True), "sum(): argument 'dim' must be tuple of ints, not bool"),
    (lambda x: x.all(True, True), COMBINATION.format("all", "bool, bool")),
    (lambda x: x.prod(None), COMBINATION.format("prod", "NoneType")),
    (lambda x: x.prod(True, True), "prod(): argument 'dim' (position 1) must be int, not bool"),
    (lambda x: x.max(None), COMBINATION.format("max", "NoneType")),
    (lambda x: x.max(True, True), "max(): argument 'dim' (position 1) must be int, not bool"),
    (lambda x: x.sort(None, descending=True), COMBINATION.format("sort", "NoneType, descending=bool")),
    (lambda x: x.amax(True), "amax(): argument 'dim' (position 1) must be tuple of ints, not bool"),
    (lambda x: x.amin('a'), "amin(): argument 'dim' (position 1) must be tuple of ints, not str"),
    (lambda x: x.amax([0, 1.5]), "amax(): argument 'dim' failed to unpack the object at pos 2 with error \"type must "
                                 "be tuple of ints,but got float\""),
    (lambda x: x.logsumexp(None), "logsumexp(): argument 'dim' (position 1) must be tuple of ints, not NoneType"),
    (lambda x: x.argmax(True), "argmax(): argument 'dim' (position 1) must be int, not bool"),
    (lambda x: x.argmax([0]), "argmax(): argument 'dim' (position 1) must be int, not list"),
    (lambda x: x.cumsum(None), "cumsum(): argument 'dim' (position 1) must be int, not NoneType"),
    (lambda x: x.cumsum(dim=True), "cumsum(): argument 'dim' must be int, not bool"),
    (lambda x: x.median(True), "median(): argument 'dim' (position 1) must be int, not bool"),
    (lambda x: x.kthvalue(1, True), "kthvalue(): argument 'dim' (position 2) must be int, not bool"),
    (lambda x: x.topk(1, 0.0), "topk(): argument 'dim' (position 2) must be int, not float"),
    (lambda x: x.norm(2, True), "linalg_vector_norm(): argument 'dim' (position 3) must be tuple of ints, but found "
                                "element of type bool at pos 0"),
    (lambda x: nn.linalg.vector_norm(x, 2, True), "linalg_vector_norm(): argument 'dim' (position 3) must be tuple "
                                                  "of ints, not bool"),
])
def test_reductions_refuse_dims_as_pytorchs_parser(call, words):
    # PyTorch 2.13: torch.arange(24.).reshape(2, 3, 4).sum(True) -> TypeError "sum() received an invalid combination
    # of arguments - got (bool), but expected one of: ..." (nn summed dim 1); x.cumsum(None) -> TypeError (nn: dim 0)
    _raises(lambda: call(_x()), TypeError, words)


def test_reductions_refuse_a_bool_dim_but_take_what_pytorchs_parser_takes():
    x = _x()
    _raises(lambda: x.sum(False), TypeError, COMBINATION.format("sum", "bool"))      # (nn: dim 0)
    assert x.sum([0, True]).shape == (4,)           # (only the first element's type is checked)
    assert x.sum(np.int64(1)).shape == (2, 4) and x.argmax(nn.tensor(1)).shape == (2, 4)
    assert x.var(True).item() == pytest.approx(np.var(np.arange(24.0), ddof=1))     # (var's unbiased overload)
    assert x.sum(None).item() == 276.0 and x.amax(None).item() == 23.0 and x.argmax(None).item() == 23
    assert x.std(dim=None).item() == pytest.approx(np.std(np.arange(24.0), ddof=1))
    assert np.squeeze(nn.ones(1, 2)).shape == (2,)
    for reduce in (np.sum, np.max, np.amin, np.prod):   # NumPy calls x.sum(axis=None, out=None): PyTorch's methods
        with pytest.raises(TypeError):                  # have no out= (nor takes max / min / prod axis=None)
            reduce(x)
    assert np.cumsum(nn.ones(2, 2)).tolist() == [1.0, 2.0, 3.0, 4.0]         # (NumPy's flattened cumsum)


@pytest.mark.parametrize("call, words", [
    (lambda x: x.transpose(True, 0), "transpose(): argument 'dim0' (position 1) must be int, not bool"),
    (lambda x: x.transpose(0, 'a'), "transpose(): argument 'dim1' (position 2) must be int, not str"),
    (lambda x: x.diagonal(True), "diagonal(): argument 'offset' (position 1) must be int, not bool"),
    (lambda x: x.diagonal(0, None), "diagonal(): argument 'dim1' (position 2) must be int, not NoneType"),
    (lambda x: x.diagonal(offset=True), "diagonal(): argument 'offset' must be int, not bool"),
    (lambda x: x.flip(True), "flip(): argument 'dims' (position 1) must be tuple of ints, not bool"),
    (lambda x: x.flip(None), "flip(): argument 'dims' (position 1) must be tuple of ints, not NoneType"),
    (lambda x: x.select(True, 0), "select(): argument 'dim' (position 1) must be int, not bool"),
    (lambda x: x.select(0, 1.0), "select(): argument 'index' (position 2) must be int, not float"),
    (lambda x: x.unsqueeze(True), "unsqueeze(): argument 'dim' (position 1) must be int, not bool"),
    (lambda x: x.unsqueeze([0]), "unsqueeze(): argument 'dim' (position 1) must be int, not list"),
    (lambda x: x.chunk(2, True), "chunk(): argument 'dim' (position 2) must be int, not bool"),
    (lambda x: x.unbind((0, 1)), "unbind(): argument 'dim' (position 1) must be int, not tuple"),
    (lambda x: x.flatten(True), "flatten(): argument 'start_dim' (position 1) must be int, not bool"),
    (lambda x: x.flatten(0, None), "flatten(): argument 'end_dim' (position 2) must be int, not NoneType"),
    (lambda x: x.unflatten(True, (1, 2)), "unflatten(): argument 'dim' (position 1) must be int, not bool"),
    (lambda x: x.diff(dim=True), "diff(): argument 'dim' must be int, not bool"),
    (lambda x: x.size(True), "size(): argument 'dim' (position 1) must be int, not bool"),
    (lambda x: x.gather(None, nn.zeros(2, 3, 4, dtype=nn.int64)), "gather(): argument 'dim' (position 1) must be "
                                                                   "int, not NoneType"),
    (lambda x: x.index_select(True, nn.tensor([0])), "index_select(): argument 'dim' (position 1) must be int, not "
                                                     "bool"),
    (lambda x: x.triu(True), "triu(): argument 'diagonal' (position 1) must be int, not bool"),
    (lambda x: x[0].diag(True), "diag(): argument 'diagonal' (position 1) must be int, not bool"),
    (lambda x: x.roll(1, True), "roll(): argument 'dims' (position 2) must be tuple of ints, not bool"),
    (lambda x: x.roll(True, 0), "roll(): argument 'shifts' (position 1) must be tuple of ints, not bool"),
    (lambda x: x.rot90(1, 1), "rot90(): argument 'dims' (position 2) must be tuple of ints, not int"),
    (lambda x: nn.cat([x, x], True), "cat(): argument 'dim' (position 2) must be int, not bool"),
    (lambda x: nn.stack([x, x], None), "stack(): argument 'dim' (position 2) must be int, not NoneType"),
    (lambda x: x.reshape(True), "reshape(): argument 'shape' (position 1) must be tuple of ints, not bool"),
    (lambda x: x.split([1, 1], True), "split_with_sizes(): argument 'dim' (position 3) must be int, not bool"),
    (lambda x: x.squeeze((0, 'a')), "squeeze(): argument 'dim' failed to unpack the object at pos 2 with error "
                                    "\"type must be tuple of ints,but got str\""),
    (lambda x: x.squeeze(None), COMBINATION.format("squeeze", "NoneType")),
    (lambda x: x.squeeze(True), COMBINATION.format("squeeze", "bool")),
    (lambda x: x.narrow(True, 0, 1), COMBINATION.format("narrow", "bool, int, int")),
    (lambda x: x.split(1, True), COMBINATION.format("split", "Tensor, int, bool")),
    (lambda x: x.movedim([0], 1), COMBINATION.format("movedim", "list, int")),
    (lambda x: x.movedim(True, 1), COMBINATION.format("movedim", "bool, int")),
    (lambda x: x.tensor_split(2, True), COMBINATION.format("tensor_split", "int, bool")),
    (lambda x: x.repeat_interleave(2, 'a'), COMBINATION.format("repeat_interleave", "int, str")),
    (lambda x: x.view(True), COMBINATION.format("view", "bool")),
])
def test_shape_ops_refuse_arguments_as_pytorchs_parser(call, words):
    # PyTorch 2.13: x.transpose(True, 0) -> TypeError "transpose(): argument 'dim0' (position 1) must be int, not
    # bool" (nn swapped dims 1 and 0); x.squeeze(None) -> TypeError "squeeze() received an invalid combination ..."
    _raises(lambda: call(_x()), TypeError, words)


def test_shape_ops_refuse_a_bool_dim_but_take_what_pytorchs_parser_takes():
    x = _x()
    _raises(lambda: x.transpose(0, False), TypeError, "transpose(): argument 'dim1' (position 2) must be int, not bool")
    assert x.transpose(np.int64(0), nn.tensor(1)).shape == (3, 2, 4)
    assert x.flip(0, 1).shape == x.flip([0, 1]).shape == x.flip(dims=(0,)).shape == (2, 3, 4)
    assert x.roll(1).shape == x.roll((1, 2), (0, 1)).shape == (2, 3, 4)
    assert x.squeeze(dim=None).shape == (2, 3, 4) and nn.ones(1, 2).squeeze((0,)).shape == (2,)
    assert x.diagonal(offset=1, dim1=1, dim2=2).shape == (2, 3) and x.movedim((0,), (1,)).shape == (3, 2, 4)
    assert [t.shape for t in x.split([1, 1])] == [(1, 3, 4), (1, 3, 4)] and x.size(None) == (2, 3, 4)


def test_tensor_softmax_requires_its_dim_as_pytorchs_method():
    # PyTorch 2.13: x.softmax(None) -> TypeError "softmax(): argument 'dim' (position 1) must be int, not NoneType",
    # x.softmax() 'softmax() missing 1 required positional arguments: "dim"' (nn took the legacy implicit dim, which
    # F.softmax(x) still takes, with its warning)
    x = nn.ones(2, 3)
    _raises(lambda: x.softmax(None), TypeError, "softmax(): argument 'dim' (position 1) must be int, not NoneType")
    _raises(lambda: x.log_softmax(None), TypeError,
            "log_softmax(): argument 'dim' (position 1) must be int, not NoneType")
    _raises(lambda: x.softmax(), TypeError, 'softmax() missing 1 required positional arguments: "dim"')
    assert x.softmax(dim=0, dtype=nn.float64).dtype == nn.float64 and x.log_softmax(-1).shape == (2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        assert F.softmax(x).shape == (2, 3)


def test_sizes_take_a_bool_after_the_first_as_pytorchs_parser():
    # PyTorch 2.13: the parser checks a size list's first element's type alone and unpacks the rest as indices:
    # torch.zeros(2, True) is (2, 1), x.reshape(6, True) (6, 1), x.flip(0, True) flips dims 0 and 1; a bool first
    # is its TypeError (nn refused every bool: "a size must be an int ...")
    x = nn.ones(2, 3)
    assert nn.zeros(2, True).shape == (2, 1) and nn.zeros((2, False)).shape == (2, 0)
    assert nn.randn(2, True).shape == (2, 1)
    assert x.reshape(6, True).shape == x.view(6, True).shape == (6, 1) and x.repeat(1, True).shape == (2, 3)
    assert x.new_zeros(2, True).shape == (2, 1) and x.flip(0, True).tolist() == x.flip(0, 1).tolist()
    _raises(lambda: nn.zeros(True), TypeError, "zeros(): argument 'size' (position 1) must be tuple of ints, not bool")
    _raises(lambda: nn.zeros([True, 2]), TypeError,
            "zeros(): argument 'size' (position 1) must be tuple of ints, but found element of type bool at pos 0")


@pytest.mark.parametrize("dims, error, words", [
    ((0,), RuntimeError, "permute(sparse_coo): number of dimensions in the tensor input does not match the length of "
                         "the desired ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 1"),
    ((0, 0), RuntimeError, "permute(): duplicate dims are not allowed."),
    ((0, -2), RuntimeError, "permute(): duplicate dims are not allowed."),
    ((0, 2), IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
])
def test_permute_errors_are_pytorchs(dims, error, words):
    # PyTorch 2.13: torch.ones(2, 3).permute(0, 0) -> RuntimeError "permute(): duplicate dims are not allowed." (nn:
    # ValueError "permute(0, 0) is not a permutation of the 2 dimensions ..."; ShapeError is both)
    err = _raises(lambda: nn.ones(2, 3).permute(*dims), error, words)
    assert isinstance(err, ValueError) or error is IndexError
    assert nn.ones(2, 3, 4).permute(-1, 0, 1).shape == (4, 2, 3)


def test_finfo_and_iinfo_take_dtypes_only():
    # PyTorch 2.13: torch.finfo('float32') -> TypeError "finfo(): argument 'type' (position 1) must be torch.dtype,
    # not str"; finfo(float) is float64's, iinfo(int) int64's; finfo() the default dtype's
    for fn, value, name in [(nn.finfo, 'float32', "str"), (nn.iinfo, 'int32', "str"), (nn.finfo, None, "NoneType"),
                            (nn.finfo, np.float32, "type"), (nn.iinfo, 1, "int")]:
        _raises(lambda: fn(value), TypeError,
                f"{fn.__name__}(): argument 'type' (position 1) must be torch.dtype, not {name}")
    assert nn.finfo(float).eps == 2.0 ** -52 and nn.finfo().eps == 2.0 ** -23 and nn.iinfo(int).max == 2 ** 63 - 1
    assert nn.finfo(nn.float32).bits == 32 and nn.finfo(np.dtype("float64")).bits == 64     # (NumPy's dtypes too)


# ---- fill values out of range ---------------------------------------------------------------------------------------

C64 = "value cannot be converted to type c10::complex<float> without overflow"


@pytest.mark.parametrize("call", [
    lambda v: nn.full((2,), v, dtype=nn.complex64),
    lambda v: nn.zeros(2, dtype=nn.complex64).fill_(v),
    lambda v: nn.zeros(2, dtype=nn.complex64).masked_fill(nn.tensor([True, False]), v),
    lambda v: nn.zeros(2, dtype=nn.complex64).new_full((2,), v),
    lambda v: nn.full_like(nn.zeros(2, dtype=nn.complex64), v),
    lambda v: nn.zeros(2, dtype=nn.complex64).index_fill(0, nn.tensor([0]), v),
    lambda v: nn.full((2,), v) if isinstance(v, complex) else F.pad(nn.zeros(2, dtype=nn.complex64), (1, 1), value=v),
])
@pytest.mark.parametrize("value", [1e40, -1e40, complex(0, 1e40)])
def test_complex64_fill_out_of_range_is_pytorchs_overflow_error(call, value):
    # PyTorch 2.13: torch.full((2,), 1e40, dtype=torch.complex64) -> RuntimeError "value cannot be converted to type
    # c10::complex<float> without overflow" (nn: inf); so fill_, masked_fill, index_fill, pad (pad takes no complex
    # value; full of a complex number is complex64 by default)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # (and no NumPy overflow warning on the way)
        _raises(lambda: call(value), RuntimeError, C64)


def test_fill_values_pytorch_takes_and_refuses():
    # PyTorch 2.13: inf, NaN and 3e38 fill complex64; a complex number with an imaginary part overflows a real dtype
    # (its real part alone is taken: 2+0j fills 2.0), "float" / "double" / "int64_t" named; any number fills bool
    assert nn.full((1,), math.inf, dtype=nn.complex64).tolist() == [complex(math.inf, 0)]
    assert nn.full((1,), 3e38, dtype=nn.complex64).tolist() == [complex(np.float32(3e38), 0)]
    assert nn.full((1,), 2 + 0j, dtype=nn.float32).tolist() == [2.0]
    assert nn.zeros(1, dtype=nn.int64).fill_(300 + 0j).tolist() == [300]
    for dtype, name in [(nn.float32, "float"), (nn.float64, "double"), (nn.int64, "int64_t"), (nn.uint8, "uint8_t")]:
        for value in (1 + 1j, complex(0, math.nan)):
            for call in (lambda: nn.full((1,), value, dtype=dtype), lambda: nn.zeros(1, dtype=dtype).fill_(value),
                         lambda: nn.zeros(1, dtype=dtype).masked_fill(nn.tensor([True]), value)):
                _raises(call, RuntimeError, f"value cannot be converted to type {name} without overflow")
    _raises(lambda: nn.full((1,), 1e39 + 0j, dtype=nn.float32), RuntimeError,
            "value cannot be converted to type float without overflow")
    assert nn.full((2,), 2 ** 63, dtype=nn.bool).tolist() == [True, True]
    assert nn.zeros(1, dtype=nn.bool).fill_(1e300 + 1j).tolist() == [True]


def test_pad_index_fill_and_clamp_of_complex_values_are_pytorchs_errors():
    # PyTorch 2.13: F.pad(x, (1, 1), value=1+0j) -> TypeError "pad(): argument 'value' (position 4) must be float, not
    # complex"; index_fill of a complex number into a float tensor -> RuntimeError; clamp of a complex tensor ->
    # NotImplementedError (nn clipped the real parts); a float tensor clamped by 1+1j: the imaginary part overflows a
    # double, by 2+0j: clamped by 2 in its own dtype
    _raises(lambda: F.pad(nn.zeros(2), (1, 1), value=1 + 0j), TypeError,
            "pad(): argument 'value' (position 4) must be float, not complex")
    _raises(lambda: F.pad(nn.zeros(2), (1, 1), value='a'), TypeError,
            "pad(): argument 'value' (position 4) must be float, not str")
    assert F.pad(nn.zeros(1), (1, 0), value=np.float32(2)).tolist() == [2.0, 0.0]
    _raises(lambda: nn.zeros(2).index_fill(0, nn.tensor([0]), 1 + 0j), RuntimeError,
            "index_fill_(): Converting complex Scalar to non-complex type is not supported")
    for call in (lambda: nn.zeros(2, dtype=nn.complex64).clamp(max=1),
                 lambda: nn.zeros(2, dtype=nn.complex64).clamp_(0, 1),
                 lambda: nn.zeros(2, dtype=nn.int64).clamp(max=1 + 0j)):
        _raises(call, NotImplementedError, "clamp is not supported for complex types")
    _raises(lambda: nn.zeros(2).clamp(max=1 + 1j), RuntimeError,
            "value cannot be converted to type double without overflow")
    y = nn.tensor([1.0, 3.0], dtype=nn.float64).clamp(max=2 + 0j)
    assert y.dtype == nn.float64 and y.tolist() == [1.0, 2.0]


# ---- norms -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, dim, where", [
    ((0,), None, "on an empty tensor because the operation does not have an identity"),
    ((0, 3), 0, "on the dimension 0because this dimension is empty and the operation does not have an identity"),
    ((3, 0), -1, "on the dimension -1because this dimension is empty and the operation does not have an identity"),
])
@pytest.mark.parametrize("p, shown", [(-1, "-1"), (-2.0, "-2"), (-0.5, "-0.5"), (-1e-300, "-1e-300")])
def test_negative_order_norms_of_nothing_are_pytorchs_error(shape, dim, where, p, shown):
    # PyTorch 2.13: torch.linalg.vector_norm(torch.zeros(0), -1) -> RuntimeError "linalg.vector_norm cannot compute
    # the -1 norm on an empty tensor because the operation does not have an identity" (nn: 0)
    for call in (lambda: nn.linalg.vector_norm(nn.zeros(shape), p, dim), lambda: nn.zeros(shape).norm(p, dim)):
        _raises(call, RuntimeError, f"linalg.vector_norm cannot compute the {shown} norm {where}")
    assert nn.linalg.vector_norm(nn.zeros(3, 0), -1, 0).shape == (0,)      # (a dim of some length: an empty result)


A = np.random.default_rng(0).standard_normal((2, 3, 3)) + 1j * np.random.default_rng(1).standard_normal((2, 3, 3))


@pytest.mark.parametrize("ord, reduce", [(2, np.max), (-2, np.min), ("nuc", np.sum)])
@pytest.mark.parametrize("dtype", [nn.complex128, nn.complex64])
def test_complex_matrix_norms_from_singular_values(ord, reduce, dtype):
    # PyTorch 2.13: torch.linalg.matrix_norm of a complex matrix with ord 2 / -2 / 'nuc' is the real largest /
    # smallest / summed singular value (nn: TypeError "svd: nn's svd takes real matrices only")
    x = nn.tensor(A).to(dtype)
    want = reduce(np.linalg.svd(A, compute_uv=False), axis=-1)
    for out in (nn.linalg.matrix_norm(x, ord), nn.linalg.norm(x, ord, dim=(-2, -1))):
        assert out.dtype == (nn.float64 if dtype == nn.complex128 else nn.float32)
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-12 if dtype == nn.complex128 else 1e-5)
    np.testing.assert_allclose(nn.linalg.svdvals(nn.tensor(A)).numpy(), np.linalg.svd(A, compute_uv=False),
                               rtol=1e-12)


def complex_central_differences(value, a, h=1e-6):
    """dvalue/dRe a + i dvalue/dIm a (PyTorch's convention for the gradient of a real function of complex a), by
    float64 central differences of the real and imaginary parts of each element."""
    fd = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[i] = h
        fd[i] = (value(a + e) - value(a - e)) / (2 * h) + 1j * (value(a + 1j * e) - value(a - 1j * e)) / (2 * h)
    return fd


@pytest.mark.parametrize("ord", [2, -2, "nuc"])
def test_complex_singular_values_gradient_matches_finite_differences(ord):
    # d sigma_i = Re(u_i^H dA v_i): the gradient (dL/dRe A + i dL/dIm A, PyTorch's convention) is U diag(g) V^H;
    # float64 central differences of the real and imaginary parts
    a = A[0]
    x = nn.tensor(a, requires_grad=True)
    nn.linalg.matrix_norm(x, ord).backward()
    f = {2: np.max, -2: np.min, "nuc": np.sum}[ord]
    value = lambda m: f(np.linalg.svd(m, compute_uv=False))         # noqa: E731
    np.testing.assert_allclose(x.grad.numpy(), complex_central_differences(value, a), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("p, dim", [(2, 1), (1, 0), (math.inf, -1), (0.5, (0, 1)), (-1, 1)])
def test_normalize_of_a_complex_input_divides_by_its_real_norm(p, dim):
    # PyTorch 2.13: F.normalize of a complex tensor is x / max(||x||_p, eps) along dim, complex (nn: TypeError)
    x = nn.tensor(A[0])
    norm = (np.abs(A[0]) ** p).sum(axis=dim, keepdims=True) ** (1 / p) if p != math.inf else \
        np.abs(A[0]).max(axis=dim, keepdims=True)
    y = F.normalize(x, p, dim)
    assert y.dtype == nn.complex128
    np.testing.assert_allclose(y.numpy(), A[0] / norm, rtol=1e-12)
    assert F.normalize(nn.zeros(0, 3, dtype=nn.complex64)).shape == (0, 3)


def test_normalize_of_a_complex_input_gradient_matches_finite_differences():
    # float64 central differences of the real and imaginary parts of sum(Re(w * normalize(x)))
    a, w = A[0], A[1]
    x = nn.tensor(a, requires_grad=True)
    (F.normalize(x, 2, 1) * nn.tensor(w)).real.sum().backward()
    value = lambda m: np.sum((w * m / np.sqrt((np.abs(m) ** 2).sum(1, keepdims=True))).real)     # noqa: E731
    np.testing.assert_allclose(x.grad.numpy(), complex_central_differences(value, a), rtol=1e-6, atol=1e-8)


def test_matrix_norms_of_empty_matrices_are_pytorchs():
    # PyTorch 2.13: a max over an empty dim is 0 there (the norms are not negative), a min amin's IndexError naming
    # the dim as amin got it (nn: NumPy's "index 0 is out of bounds for dimension 1 with size 0")
    assert nn.linalg.matrix_norm(nn.zeros(2, 0, 3), 2).tolist() == [0.0, 0.0]
    assert nn.linalg.matrix_norm(nn.zeros(2, 0, 3), math.inf).tolist() == [0.0, 0.0]
    assert nn.linalg.matrix_norm(nn.zeros(2, 3, 0), 1).tolist() == [0.0, 0.0]
    assert nn.linalg.matrix_norm(nn.zeros(2, 3, 0), -math.inf).tolist() == [0.0, 0.0]
    _raises(lambda: nn.linalg.matrix_norm(nn.zeros(2, 0, 3), -2), IndexError,
            "amin(): Expected reduction dim -1 to have non-zero size.")
    _raises(lambda: nn.linalg.matrix_norm(nn.zeros(2, 3, 0), -1), IndexError,
            "amin(): Expected reduction dim 1 to have non-zero size.")
    _raises(lambda: nn.linalg.matrix_norm(nn.zeros(2, 0, 3), -1, dim=(0, 1)), IndexError,
            "amin(): Expected reduction dim 0 to have non-zero size.")
    _raises(lambda: nn.zeros(2, 0).amax((0, -1)), IndexError,
            "amax(): Expected reduction dim -1 to have non-zero size.")
    _raises(lambda: nn.zeros(2, 0).max(-1), IndexError, "max(): Expected reduction dim 1 to have non-zero size.")


# ---- 0-d inputs and dims out of range --------------------------------------------------------------------------------

NO_DIMS = "Dimension specified as {} but tensor has no dimensions"


@pytest.mark.parametrize("call, error, words", [
    (lambda s, v: s.select(0, 0), IndexError, "select() cannot be applied to a 0-dim tensor."),
    (lambda s, v: s.select(5, 0), IndexError, "select() cannot be applied to a 0-dim tensor."),
    (lambda s, v: v.select(-1, 5), IndexError, "select(): index 5 out of range for tensor of size [3] at dimension 0"),
    (lambda s, v: nn.take_along_dim(s, nn.tensor(0), 0), IndexError, NO_DIMS.format(0)),
    (lambda s, v: nn.take_along_dim(s, nn.tensor(0), -1), IndexError, NO_DIMS.format(0)),
    (lambda s, v: nn.take_along_dim(v, nn.tensor(0), 1), RuntimeError,
     "torch.take_along_dim(): input and indices should have the same number of dimensions, but got 1 dimensions for "
     "input, and 0 dimensions for indices"),
    (lambda s, v: nn.cross(s, s), RuntimeError, "no dimension of size 3 in input"),
    (lambda s, v: nn.cross(s, s, dim=0), IndexError, NO_DIMS.format(0)),
    (lambda s, v: nn.linalg.cross(s, s), IndexError, NO_DIMS.format(-1)),
    (lambda s, v: nn.cross(v, nn.ones(2, 3), dim=0), RuntimeError,
     "linalg.cross: inputs must have the same number of dimensions."),
    (lambda s, v: nn.cross(nn.ones(2, 4), nn.ones(2, 4), dim=1), RuntimeError,
     "linalg.cross: inputs dimension 1 must have length 3. Got 4 and 4"),
    (lambda s, v: s.rot90(1, (0, 1)), RuntimeError, "expected total dims >= 2, but got total dims = 0"),
    (lambda s, v: v.rot90(1, [0]), RuntimeError, "expected total rotation dims == 2, but got dims = 1"),
    (lambda s, v: nn.ones(2, 3, 4).rot90(1, [0, -3]), RuntimeError,
     "expected rotation dims to be different, but got dim0 = 0 and dim1 = -3"),
    (lambda s, v: nn.ones(2, 3, 4).diagonal(0, 1, -2), RuntimeError, "diagonal dimensions cannot be identical 1, -2"),
    (lambda s, v: s.roll(1, 0), IndexError, NO_DIMS.format(0)),
    (lambda s, v: v.roll(1, 1), IndexError, "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    (lambda s, v: v.roll((1, 1), 0), RuntimeError, "shifts and dimensions must align. shifts: 2, dims:1"),
    (lambda s, v: v.roll([]), RuntimeError, "`shifts` required"),
    (lambda s, v: s.diff(), RuntimeError, "diff expects input to be at least one-dimensional"),
    (lambda s, v: s.unsqueeze(1), IndexError, "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    (lambda s, v: s.transpose(1, 0), IndexError,
     "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    (lambda s, v: nn.ones(2, 3).transpose(0, 2), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda s, v: s.flatten(1), IndexError, "Dimension out of range (expected to be in range of [-1, 0], but got 1)"),
    (lambda s, v: nn.ones(2, 3).flatten(0, 5), IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    (lambda s, v: nn.ones(2, 3).flatten(1, 0), RuntimeError,
     "flatten() has invalid args: start_dim cannot come after end_dim"),
    (lambda s, v: pad_sequence([s]), RuntimeError, "ArrayRef: invalid slice, N = 1; size = 0"),
    (lambda s, v: pad_sequence([s, v], batch_first=True), RuntimeError, "ArrayRef: invalid slice, N = 1; size = 0"),
    (lambda s, v: pad_sequence([v, s]), IndexError, NO_DIMS.format(0)),
    (lambda s, v: pad_sequence([nn.ones(2, 3), s], padding_side="left"), IndexError, NO_DIMS.format(0)),
])
def test_zero_d_inputs_and_dims_out_of_range_in_pytorchs_words(call, error, words):
    # PyTorch 2.13: torch.tensor(2.).select(0, 0) -> IndexError "select() cannot be applied to a 0-dim tensor." (nn:
    # "tuple index out of range"); pad_sequence([torch.tensor(1.)]) -> RuntimeError "ArrayRef: invalid slice, ..."
    _raises(lambda: call(nn.tensor(2.0, dtype=nn.float64), nn.arange(3.0, dtype=nn.float64)), error, words)


def test_zero_d_inputs_pytorch_takes_and_its_dims_out_of_range():
    s = nn.tensor(2.0, dtype=nn.float64)
    _raises(lambda: s.roll(1, -1), IndexError, NO_DIMS.format(-1))        # (nn: NumPy's AxisError)
    assert s.roll(1).tolist() == 2.0 and s.flatten(0, -1).tolist() == [2.0] and s.transpose(0, -1).tolist() == 2.0
    assert nn.take_along_dim(s, nn.tensor(0)).tolist() == [2.0] and s.unsqueeze(-1).shape == (1,)
    assert nn.ones(2, 3).rot90(1, (0, 1)).shape == (3, 2) and nn.arange(3.0).roll(1, 0).tolist() == [2.0, 0.0, 1.0]


def test_errors_match_torch():
    torch = pytest.importorskip("torch")
    x = np.arange(24.0).reshape(2, 3, 4)
    calls = [lambda L: L.tensor(x).sum(True), lambda L: L.tensor(x).cumsum(None), lambda L: L.tensor(x).amax('a'),
             lambda L: L.tensor(x).transpose(True, 0), lambda L: L.tensor(x).diagonal(True),
             lambda L: L.tensor(x).flip(True), lambda L: L.tensor(x).squeeze(None), lambda L: L.tensor(x).select(0, 9),
             lambda L: L.finfo('float32'), lambda L: L.full((1,), 1e40, dtype=L.complex64),
             lambda L: L.linalg.vector_norm(L.zeros(0), -1), lambda L: L.tensor(2.0).select(0, 0),
             lambda L: L.nn.utils.rnn.pad_sequence([L.tensor(1.0)]), lambda L: L.ones(2, 3).flatten(1, 0)]
    for call in calls:
        got = []
        for lib in (torch, nn):
            with pytest.raises(Exception) as info:
                call(lib)
            got.append((isinstance(info.value, TypeError), isinstance(info.value, IndexError),
                        isinstance(info.value, RuntimeError), str(info.value).split("\n")[0].replace("torch.", "")))
        assert got[0] == got[1]
    a = torch.tensor(A, requires_grad=True)
    torch.linalg.matrix_norm(a, "nuc").sum().backward()
    b = nn.tensor(A, requires_grad=True)
    nn.linalg.matrix_norm(b, "nuc").sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(F.normalize(nn.tensor(A), 2, 1).numpy(),
                               torch.nn.functional.normalize(torch.tensor(A), 2, 1).numpy(), rtol=1e-12)
