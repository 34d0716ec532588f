"""A differential probe of Tensor methods and torch functions (round 29, area E): every public method nn.Tensor
shares with torch.Tensor called without arguments on 0-d, empty, (3,), (2, 3), transposed and sliced inputs of
float32 / float64 / int64 / int32 / uint8 / bool / complex64, and twenty binary functions (and their in-place
forms) between every pair of those dtypes (1-D and 0-d) and Python int, float, bool and complex, compared with
PyTorch 2.13 by (type, dtype, shape, values) or (exception type, message). The failures these tests pin down:

- ``diag_embed`` of an integer or bool tensor gave float32 (its identity was float32 for a non-float input);
  PyTorch keeps the input's dtype.
- ``nonzero`` / ``argwhere`` of a 0-d tensor gave (1, 1) (or (0, 1)); PyTorch's has no index column: (1, 0) or
  (0, 0). (``as_tuple=True`` was right: one 1-D tensor.)
- ``square`` of a bool tensor stayed bool; PyTorch's is ``pow(x, 2)``, int64.
- ``all`` / ``any`` of a uint8 tensor gave bool; PyTorch's give uint8 0 / 1 there (bool for other dtypes).
- ``slogdet`` (``linalg.slogdet``, ``Tensor.slogdet``) returned a plain tuple; PyTorch's is a named tuple
  (``sign``, ``logabsdet``).
- ``cov`` / ``corrcoef`` of a complex tensor dropped the imaginary part (cast by ``.float()``); PyTorch's stay
  complex (``X @ X.mH``, the correlations' real and imaginary parts clipped to [-1, 1] apart). ``cov`` of a bool
  tensor is PyTorch's RuntimeError "cov(): bool dtype is not supported for input" (nn returned a number).
- ``mode`` over an empty dim: PyTorch's IndexError "mode(): Expected reduction dim 0 to have non-zero size."
  (nn: RuntimeError in other words). ``linalg.qr`` / ``linalg.svd`` of a vector or an integer tensor:
  PyTorch's RuntimeErrors "linalg.qr: The input tensor A must have at least 2 dimensions." / "...: Expected a
  floating point or complex tensor as input. Got Long" (nn: ValueError in its own words).
- ``eq`` / ``ne`` / ``lt`` ... and the ``==`` operator with a Python complex returned ``NotImplemented`` (the
  function) or Python's identity answer ``False`` (the operator); PyTorch compares (a bool tensor). ``lt`` /
  ``le`` / ``gt`` / ``ge`` of a complex promoted dtype are PyTorch's NotImplementedError ('"lt_cpu" not
  implemented for 'ComplexFloat''); nn compared by NumPy's lexicographic order.
- ``bitwise_and`` / ``or`` / ``xor`` / shifts computed in NumPy's promotion, where a 0-d int64 tensor widened an
  int32 or uint8 one to int64; PyTorch's 0-d tensor of the same category does not.
- ``copysign`` kept input's float dtype (float32 with a float64 ``other`` gave float32, PyTorch float64; a 0-d
  float64 input with a float32 vector gave float64, PyTorch float32); integer operands give the default float;
  a complex operand is PyTorch's NotImplementedError ('"copysign_cpu" not implemented for 'ComplexFloat'').
- ``float_power`` with a complex operand cast it to float64, dropping the imaginary part; PyTorch's is complex128.
"""
import numpy as np
import pytest

import nn


def _v(t):
    return np.asarray(t.detach())


def test_diag_embed_keeps_integer_and_bool_dtypes():
    y = nn.diag_embed(nn.tensor([1, 2]))
    assert y.dtype == nn.int64 and _v(y).tolist() == [[1, 0], [0, 2]]
    assert nn.diag_embed(nn.tensor([1, 2], dtype=nn.uint8)).dtype == nn.uint8
    b = nn.diag_embed(nn.tensor([True, False]), offset=1)
    assert b.dtype == nn.bool and _v(b).tolist() == [[False, True, False], [False, False, False],
                                                      [False, False, False]]
    x = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    nn.diag_embed(x, offset=-1).sum().backward()
    assert _v(x.grad).tolist() == [1.0, 1.0]


def test_nonzero_of_a_zero_d_tensor_has_no_index_column():
    assert tuple(nn.nonzero(nn.tensor(3.0)).shape) == (1, 0)
    assert tuple(nn.nonzero(nn.tensor(0)).shape) == (0, 0)
    assert tuple(nn.tensor(True).argwhere().shape) == (1, 0)
    assert [_v(i).tolist() for i in nn.tensor(2.0).nonzero(as_tuple=True)] == [[0]]
    assert _v(nn.argwhere(nn.tensor([[0, 1], [2, 0]]))).tolist() == [[0, 1], [1, 0]]


def test_square_of_bool_is_int64():
    y = nn.square(nn.tensor([True, False]))
    assert y.dtype == nn.int64 and _v(y).tolist() == [1, 0]
    assert nn.tensor([3], dtype=nn.int32).square().dtype == nn.int32


def test_all_any_of_uint8_give_uint8():
    x = nn.tensor([[1, 2], [0, 3]], dtype=nn.uint8)
    a = x.all()
    assert a.dtype == nn.uint8 and a.item() == 0
    assert _v(x.all(dim=1)).tolist() == [1, 0] and x.all(dim=1).dtype == nn.uint8
    assert x.any(dim=0, keepdim=True).dtype == nn.uint8 and _v(x.any(dim=0, keepdim=True)).tolist() == [[1, 1]]
    assert nn.tensor([], dtype=nn.uint8).all().item() == 1
    assert nn.tensor([1, 2], dtype=nn.int32).any().dtype == nn.bool


def test_slogdet_is_a_named_tuple():
    A = nn.tensor([[0.0, 2.0], [1.0, 0.0]], dtype=nn.float64)
    r = nn.linalg.slogdet(A)
    assert r.sign.item() == -1.0 and abs(r.logabsdet.item() - np.log(2)) < 1e-15
    sign, logabsdet = A.slogdet()
    assert sign.item() == -1.0 and type(A.slogdet()).__name__ != "tuple"


def test_cov_corrcoef_of_complex_stay_complex():
    x = nn.tensor([[1 + 2j, 3 - 1j, 0.5j], [2, 1j, -1]], dtype=nn.complex128)
    c = nn.cov(x)
    # PyTorch 2.13: [[4.5833+0j, -0.4167+0.6667j], [-0.4167-0.6667j, 2.6667+0j]]
    a = np.array([[1 + 2j, 3 - 1j, 0.5j], [2, 1j, -1]])
    ac = a - a.mean(1, keepdims=True)
    want = ac @ ac.conj().T / 2
    assert c.dtype == nn.complex128 and np.allclose(_v(c), want, atol=1e-15)
    assert abs(want[0, 1] - (-5 / 12 + 2j / 3)) < 1e-15
    r = nn.corrcoef(x)
    d = np.sqrt(want.diagonal().real)
    assert r.dtype == nn.complex128 and np.allclose(_v(r), want / d[:, None] / d[None, :], atol=1e-15)
    v = nn.cov(nn.tensor([1 + 1j, 2 - 1j, 0j], dtype=nn.complex64))
    assert v.dtype == nn.complex64 and abs(v.item() - 2.0) < 1e-6     # var of re 1 + var of im 1


def test_cov_of_bool_is_refused():
    with pytest.raises(RuntimeError, match=r"^cov\(\): bool dtype is not supported for input$"):
        nn.cov(nn.tensor([True, False]))
    assert nn.cov(nn.tensor([1, 2, 4])).dtype == nn.float32


def test_mode_qr_svd_errors_in_pytorchs_words():
    with pytest.raises(IndexError, match=r"^mode\(\): Expected reduction dim 0 to have non-zero size\.$"):
        nn.tensor([]).mode()
    with pytest.raises(RuntimeError, match=r"^linalg\.qr: The input tensor A must have at least 2 dimensions\.$"):
        nn.linalg.qr(nn.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"^linalg\.svd: The input tensor A must have at least 2 dimensions\.$"):
        nn.linalg.svd(nn.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"^linalg\.svd: Expected a floating point or complex tensor as input\. "
                                           r"Got Long$"):
        nn.linalg.svd(nn.tensor([[1, 2], [3, 4]]))


def test_comparisons_with_a_python_complex():
    x = nn.tensor([1.5, 2.0])
    assert _v(x == 2 + 0j).tolist() == [False, True]
    assert _v(nn.eq(x, 1j)).tolist() == [False, False] and _v(x != 1j).tolist() == [True, True]
    with pytest.raises(NotImplementedError, match="^\"lt_cpu\" not implemented for 'ComplexFloat'$"):
        nn.lt(x, 1j)
    with pytest.raises(NotImplementedError, match="^\"ge_cpu\" not implemented for 'ComplexFloat'$"):
        x >= nn.tensor([1j, 2])
    y = nn.tensor([1.0, 0.0])
    assert y.eq_(1 + 0j) is y and _v(y).tolist() == [1.0, 0.0]


def test_bitwise_ops_promote_as_pytorch():
    i32 = nn.tensor([4, 5], dtype=nn.int32)
    r = nn.bitwise_and(nn.tensor(6), i32)
    assert r.dtype == nn.int32 and _v(r).tolist() == [4, 4]
    assert (nn.tensor([4, 5], dtype=nn.uint8) | nn.tensor(2, dtype=nn.int32)).dtype == nn.uint8
    assert (i32 << nn.tensor(1)).dtype == nn.int32 and _v(i32 << nn.tensor(1)).tolist() == [8, 10]
    assert (i32 ^ nn.tensor([1, 1])).dtype == nn.int64


def test_copysign_promotes_as_pytorch():
    y = nn.copysign(nn.tensor([1.0, 2.0]), nn.tensor([-1.0, 1.0], dtype=nn.float64))
    assert y.dtype == nn.float64 and _v(y).tolist() == [-1.0, 2.0]
    assert nn.copysign(nn.tensor(2.25, dtype=nn.float64), nn.tensor([1.0, -1.0])).dtype == nn.float32
    z = nn.copysign(nn.tensor([1, -2]), nn.tensor([-1, 1]))
    assert z.dtype == nn.float32 and _v(z).tolist() == [-1.0, 2.0]
    assert nn.copysign(nn.tensor([1, -2], dtype=nn.int32), -1.0).dtype == nn.float32
    with pytest.raises(NotImplementedError, match="^\"copysign_cpu\" not implemented for 'ComplexFloat'$"):
        nn.copysign(nn.tensor([1j]), nn.tensor([1.0]))
    x = nn.tensor([1.0, -3.0], dtype=nn.float64, requires_grad=True)
    nn.copysign(x, nn.tensor([-1.0, -1.0], dtype=nn.float64)).sum().backward()
    assert _v(x.grad).tolist() == [-1.0, 1.0]


def test_float_power_with_complex_is_complex128():
    y = nn.float_power(nn.tensor([2.0]), 1j)
    assert y.dtype == nn.complex128 and np.allclose(_v(y), [2.0 ** 1j], rtol=0, atol=1e-15)  # 0.7692+0.6390j
    z = nn.float_power(nn.tensor([2 + 1j]), 2)
    assert z.dtype == nn.complex128 and np.allclose(_v(z), [3 + 4j])
    assert nn.float_power(nn.tensor([2.0]), nn.tensor([1j])).dtype == nn.complex128
    assert nn.float_power(nn.tensor([2], dtype=nn.int32), 2).dtype == nn.float64


def test_bool_powers_and_divisions_as_pytorch():
    b = nn.tensor([True, False])
    y = b ** 2
    assert y.dtype == nn.int64 and _v(y).tolist() == [1, 0]           # NumPy's bool ** 2 is int8
    assert (nn.tensor(True) ** 3).dtype == nn.int64
    t, f = b ** True, b ** False                                       # PyTorch: a copy, ones; bool stays bool
    assert t.dtype == nn.bool and _v(t).tolist() == [True, False]
    assert f.dtype == nn.bool and _v(f).tolist() == [True, True]
    assert (b ** nn.tensor(2)).dtype == nn.int64 and (nn.tensor([2]) ** b).dtype == nn.int64
    for fn, kernel in ((lambda: b ** nn.tensor(True), "pow"), (lambda: b // True, "div_floor_cpu"),
                       (lambda: nn.floor_divide(b, b), "div_floor_cpu"), (lambda: b % b, "remainder_cpu"),
                       (lambda: b.fmod(True), "fmod_cpu"),
                       (lambda: nn.div(b, b, rounding_mode="trunc"), "div_trunc_cpu")):
        with pytest.raises(NotImplementedError, match=f"^\"{kernel}\" not implemented for 'Bool'$"):
            fn()
    assert (b // 2).dtype == nn.int64 and _v(b % 2).tolist() == [1, 0]


def test_inplace_broadcast_error_in_pytorchs_words():
    # PyTorch: RuntimeError "output with shape [] doesn't match the broadcast shape [2]" for every in-place op
    with pytest.raises(RuntimeError, match=r"^output with shape \[\] doesn't match the broadcast shape \[2\]$"):
        nn.tensor(1.0).add_(nn.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match=r"^output with shape \[1\] doesn't match the broadcast shape \[2, 1\]$"):
        nn.tensor([1.0]).pow_(nn.tensor([[1.0], [2.0]]))
    with pytest.raises(RuntimeError, match=r"^output with shape \[2\] doesn't match the broadcast shape \[3, 2\]$"):
        nn.zeros(2).atan2_(nn.zeros(3, 2))


def test_rounding_and_abs_of_bool_are_refused():
    # NumPy's floor / round of a bool array is float16 (a dtype nn has no tensors of); PyTorch refuses
    b = nn.tensor([True, False])
    for fn, kernel in ((b.floor, "floor_vml_cpu"), (b.ceil, "ceil_vml_cpu"), (b.round, "round_vml_cpu"),
                       (b.trunc, "trunc_vml_cpu"), (b.fix, "trunc_vml_cpu"), (b.floor_, "floor_vml_cpu"),
                       (lambda: nn.round(b, decimals=1), "round_cpu"), (b.abs, "abs_cpu"),
                       (lambda: abs(b), "abs_cpu")):
        with pytest.raises(NotImplementedError, match=f"^\"{kernel}\" not implemented for 'Bool'$"):
            fn()
    assert nn.tensor([1, -2]).floor().dtype == nn.int64 and _v(nn.tensor([1, -2]).abs()).tolist() == [1, 2]


def test_complex_rounding_divisions_refused_and_number_first_operands():
    z = nn.tensor([1 + 1j])
    for fn, kernel in ((lambda: z // z, "div_floor_cpu"), (lambda: z % z, "remainder_cpu"),
                       (lambda: nn.fmod(z, z), "fmod_cpu"),
                       (lambda: nn.div(z, z, rounding_mode="trunc"), "div_trunc_cpu")):
        with pytest.raises(NotImplementedError, match=f"^\"{kernel}\" not implemented for 'ComplexFloat'$"):
            fn()
    x = nn.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"^eq\(\) received an invalid combination of arguments - got \(int, Tensor\)"):
        nn.eq(1, x)
    with pytest.raises(TypeError, match=r"^logical_and\(\): argument 'input' \(position 1\) must be Tensor, not bool$"):
        nn.logical_and(True, x)
    # the bitwise ops take a number first (PyTorch's (Scalar, Tensor) overload), in the tensor's dtype
    r = nn.bitwise_and(3, nn.tensor([1, 2], dtype=nn.uint8))
    assert r.dtype == nn.uint8 and _v(r).tolist() == [1, 2]
    assert _v(nn.bitwise_left_shift(1, nn.tensor([1, 2]))).tolist() == [2, 4]


def test_reductions_over_an_empty_dim_list_reduce_everything():
    # PyTorch: x.sum(dim=()) == x.sum(); all / any with dim=() keep the tensor
    x = nn.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=nn.float64, requires_grad=True)
    assert x.sum(dim=()).item() == 10.0 and tuple(x.sum(dim=[], keepdim=True).shape) == (1, 1)
    assert x.mean(dim=()).item() == 2.5 and x.amax(dim=()).item() == 4.0 and x.amin(dim=[]).item() == 1.0
    assert abs(x.var(dim=()).item() - 5 / 3) < 1e-15 and abs(x.std(dim=()).item() - (5 / 3) ** 0.5) < 1e-15
    assert x.nansum(dim=()).item() == 10.0 and x.nanmean(dim=()).item() == 2.5
    assert abs(x.norm(dim=()).item() - 30 ** 0.5) < 1e-15
    assert nn.count_nonzero(nn.tensor([[1, 0], [2, 3]]), dim=()).item() == 3
    assert tuple(x.all(dim=()).shape) == (2, 2) and tuple(x.any(dim=()).shape) == (2, 2)
    x.mean(dim=()).backward()
    assert _v(x.grad).tolist() == [[0.25, 0.25], [0.25, 0.25]]


def test_logcumsumexp_refuses_integers_and_bool():
    for dt, name in ((nn.int64, "Long"), (nn.bool, "Bool"), (nn.uint8, "Byte")):
        with pytest.raises(NotImplementedError, match=f"^\"logcumsumexp_out_cpu\" not implemented for '{name}'$"):
            nn.tensor([1, 0], dtype=dt).logcumsumexp(0)


def test_copysign_of_bool_and_xlogy_of_complex():
    y = nn.copysign(nn.tensor([True, False]), -1)            # PyTorch: tensor([-1., -0.])
    assert y.dtype == nn.float32 and _v(y).tolist() == [-1.0, 0.0] and np.signbit(_v(y)).tolist() == [True, True]
    with pytest.raises(NotImplementedError, match="^\"xlogy_cpu\" not implemented for 'ComplexFloat'$"):
        nn.xlogy(nn.tensor([1.0]), nn.tensor(1j))


def test_rounding_of_complex_is_refused():
    z = nn.tensor([1.5 + 1j])
    for fn, words in ((z.floor, "floor is not supported for complex inputs"),
                      (z.ceil, "ceil is not supported for complex inputs"),
                      (z.trunc, "trunc is not supported for complex inputs"),
                      (z.fix, "trunc is not supported for complex inputs"),
                      (z.round, "\"round_vml_cpu\" not implemented for 'ComplexFloat'"),
                      (lambda: nn.round(z, decimals=1), "\"round_cpu\" not implemented for 'ComplexFloat'")):
        with pytest.raises(NotImplementedError, match=f"^{words}$"):
            fn()
