"""einx itself on nn tensors (nn/einx.py, einx 0.4.3), through the round's packages: the comparison scripts of areas
L (BS-RoFormer's flow model, PoPE), M (slot attention, vector-quantize, now with ResidualVQ's beam search), N
(titans-pytorch, native-sparse-attention, x-transformers) and O (En-transformer, equiformer) re-run with the real
einx on the nn side in place of the stand-ins and the ported einx, and einx's public operations (id / rearrange,
the elementwise, reduction, index, dot, sort / flip / roll and softmax families) probed on nn beside PyTorch in
float32 and float64, with gradients, non-contiguous, integer and bool inputs and Python scalars.

The failures these tests pin down, in a few lines:

- ``.data.copy_(src)`` (and ``.data.add_`` / ``mul_`` / ``div_`` / ``+=`` ...) with a src that does not broadcast
  to the array raised NumPy's ValueError ("could not broadcast input array from shape (2,6,8) into shape
  (1,6,8)"; vector-quantize's ResidualVQ with beam search and k-means init, ``embed_avg.data.copy_(embed_sum)``),
  where PyTorch raises RuntimeError "output with shape [1, 6, 8] doesn't match the broadcast shape [2, 6, 8]" (or
  "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0").
- an integer ``//``, ``%``, ``floor_divide``, ``remainder``, ``fmod`` or ``div(rounding_mode=...)`` by 0 gave 0
  with NumPy's RuntimeWarning (``einx.floor_divide`` of integer tensors); PyTorch's integer kernels raise
  RuntimeError "ZeroDivisionError".
- ``softmax`` / ``log_softmax`` of an integer, bool or complex tensor (``einx.softmax`` of integer scores) raised
  nn's TypeError "must be a float tensor"; PyTorch raises NotImplementedError naming its kernel,
  '"softmax_lastdim_kernel_impl" not implemented for 'Long'' along the last dim, '"softmax_kernel_impl" ...'
  along another (the error is still a TypeError too, as the loss kernels' refusal since round 30).
"""
import warnings

import numpy as np
import pytest

import nn


# ---- .data in-place methods with an operand that does not broadcast ------------------------------------------------

@pytest.mark.parametrize("call, words", [
    (lambda d: d.copy_(nn.zeros(2, 6, 8)), "output with shape [1, 6, 8] doesn't match the broadcast shape [2, 6, 8]"),
    (lambda d: d.add_(nn.zeros(2, 6, 8)), "output with shape [1, 6, 8] doesn't match the broadcast shape [2, 6, 8]"),
    (lambda d: d.mul_(nn.zeros(2, 6, 8)), "output with shape [1, 6, 8] doesn't match the broadcast shape [2, 6, 8]"),
    (lambda d: d.__iadd__(np.zeros((2, 6, 8))),
     "output with shape [1, 6, 8] doesn't match the broadcast shape [2, 6, 8]"),
    (lambda d: d.copy_(nn.zeros(7)), "The size of tensor a (8) must match the size of tensor b (7) at non-singleton "
                                     "dimension 2"),
    (lambda d: d.sub_(nn.zeros(7), alpha=2), "The size of tensor a (8) must match the size of tensor b (7) at "
                                             "non-singleton dimension 2"),
])
def test_data_in_place_of_a_wrong_shape_is_pytorchs_runtime_error(call, words):
    x = nn.zeros(1, 6, 8)
    with pytest.raises(RuntimeError) as info:
        call(x.data)
    assert str(info.value) == words


def test_data_in_place_that_broadcasts_still_writes():
    x = nn.zeros(2, 3)
    x.data.copy_(nn.tensor([1., 2., 3.]))
    x.data.add_(nn.ones(1, 3))
    x.data += 1
    np.testing.assert_array_equal(x.numpy(), [[3., 4., 5.]] * 2)


# ---- integer division by zero ------------------------------------------------------------------------------------------

A = nn.tensor([-7, 7, 0])
Z = nn.tensor([0, 2, 0])


@pytest.mark.parametrize("call", [
    lambda: A // 0, lambda: A % 0, lambda: 5 // Z, lambda: 5 % Z, lambda: nn.floor_divide(A, Z),
    lambda: nn.remainder(A, Z), lambda: nn.fmod(A, Z), lambda: nn.fmod(A, 0),
    lambda: nn.div(A, Z, rounding_mode="floor"), lambda: nn.div(A, Z, rounding_mode="trunc"),
    lambda: A.clone().floor_divide_(0), lambda: A.clone().remainder_(0), lambda: nn.tensor(5) // nn.tensor(0),
    lambda: nn.tensor([5], dtype=nn.uint8) // 0,
])
def test_integer_division_by_zero_raises(call):
    with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
        call()


def test_float_and_nonzero_integer_division_unchanged():
    np.testing.assert_array_equal((A // 2).numpy(), [-4, 3, 0])
    np.testing.assert_array_equal(nn.div(A, 2, rounding_mode="trunc").numpy(), [-3, 3, 0])
    np.testing.assert_array_equal(nn.fmod(A, 3).numpy(), [-1, 1, 0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal((nn.tensor([5., -5.]) // 0).numpy(), [np.inf, -np.inf])
        np.testing.assert_array_equal((A / 0).numpy()[:2], [-np.inf, np.inf])    # true division: floats
    assert (nn.zeros(0, dtype=nn.int64) // nn.zeros(0, dtype=nn.int64)).shape == (0,)


# ---- softmax of a non-float tensor ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("x, dim, kernel, name", [
    (nn.tensor([[1, 2], [3, 4]]), -1, "lastdim_kernel_impl", "Long"),
    (nn.tensor([[1, 2], [3, 4]]), 1, "lastdim_kernel_impl", "Long"),
    (nn.tensor([[1, 2], [3, 4]]), 0, "kernel_impl", "Long"),
    (nn.tensor([[1, 2], [3, 4]]).t(), -2, "kernel_impl", "Long"),
    (nn.tensor(3), 0, "lastdim_kernel_impl", "Long"),
    (nn.tensor([True, False]), 0, "lastdim_kernel_impl", "Bool"),
    (nn.tensor([1, 2], dtype=nn.int32), 0, "lastdim_kernel_impl", "Int"),
    (nn.tensor([1j]), -1, "lastdim_kernel_impl", "ComplexFloat"),
])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_of_a_non_float_tensor_names_pytorchs_kernel(x, dim, kernel, name, op):
    for call in (lambda: getattr(x, op)(dim), lambda: getattr(nn.functional, op)(x, dim)):
        with pytest.raises(NotImplementedError) as info:
            call()
        assert str(info.value) == f"\"{op}_{kernel}\" not implemented for '{name}'"
        assert isinstance(info.value, TypeError)        # (nn's error before, which older tests pin)


def test_softmax_of_an_integer_tensor_with_dtype_and_out_of_range_dim():
    y = nn.tensor([[1, 2]]).softmax(-1, dtype=nn.float64)
    np.testing.assert_allclose(y.numpy(), [[1 / (1 + np.e), np.e / (1 + np.e)]], rtol=1e-15)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"):
        nn.tensor([[1, 2]]).softmax(5)                  # the dim is checked before the dtype, as PyTorch


# ---- through einx (the calls that found them) ------------------------------------------------------------------------

def test_einx_floor_divide_and_softmax_of_integers():
    einx = pytest.importorskip("einx")
    x = nn.tensor([[-7, 7], [3, 4]])
    np.testing.assert_array_equal(einx.floor_divide("a b, b", x, nn.tensor([2, 3])).numpy(), [[-4, 2], [1, 1]])
    with pytest.raises(Exception) as info:              # einx wraps the op's error, keeping it as the cause
        einx.floor_divide("a b, b", x, nn.tensor([2, 0]))
    assert type(info.value.__cause__) is RuntimeError and str(info.value.__cause__) == "ZeroDivisionError"
    with pytest.raises(Exception) as info:
        einx.softmax("a [b]", x)
    assert isinstance(info.value.__cause__, NotImplementedError)
    assert str(info.value.__cause__) == "\"softmax_lastdim_kernel_impl\" not implemented for 'Long'"


def test_same_errors_as_einx_on_pytorch():
    einx = pytest.importorskip("einx")
    torch = pytest.importorskip("torch")

    def cause(lib, call):
        try:
            call(lib)
        except Exception as e:
            c = e.__cause__ or e
            return NotImplementedError if isinstance(c, NotImplementedError) else type(c), str(c)
        return None

    for call in (lambda L: einx.floor_divide("a, ", L.tensor([-7, 7]), 0),
                 lambda L: einx.softmax("[a] b", L.tensor([[1, 2], [3, 4]])),
                 lambda L: einx.log_softmax("a [b]", L.tensor([[True, False]])),
                 lambda L: L.zeros(1, 6, 8).data.copy_(L.zeros(2, 6, 8))):
        assert cause(torch, call) == cause(nn, call)
