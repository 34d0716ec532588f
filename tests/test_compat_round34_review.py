"""A review of round 34's change (area R): its parser checks, scalar and constructor overflow rules run against
PyTorch 2.13 side by side over grids (dims as ints, NumPy ints, 0-d tensors, tuples / lists, by keyword and
position, on bool / uint8 / int32 / float32 / float64 / complex / 0-d / empty / non-contiguous tensors; NumPy's
functions on nn tensors; schedulers through state_dict round trips; einops / einx), and the tree before the round.
No regression of the round was found in those grids but one; these are the failures found, the first new:

- ``x.lerp(y, 2**64 - 1)`` (a float weight PyTorch reads as a Scalar and computes in double) raised the new
  Scalar check's OverflowError "can't convert negative int to unsigned": lerp's ``1 - weight`` is an int below
  -2**63 once the weight is that large. A Python int weight is now read once (refused beyond uint64 as PyTorch's)
  and used as a float; an integer input with a number weight is PyTorch's NotImplementedError
  '"lerp_kernel_scalar" not implemented for 'Long'' (nn computed an integer lerp).
- ``tensor([2**63, 1], dtype=int64)`` wrapped to -2**63 silently, and ``tensor([2**63, 1])`` /
  ``tensor([[2**63], [1]])`` / ``as_tensor`` / ``LongTensor([2**63, 1])`` gave floats: NumPy reads such mixed
  Python ints as float64, which round 34's uint64 test missed. PyTorch: ValueError "Overflow when unpacking long
  long" (a float dtype, or a float beside it, takes the value).
- ``x.max(dim=t)`` / ``x.max(t, True)`` / ``x.min(t, keepdim=True)`` with a 0-d integer tensor t were the
  element-wise max(x, t); PyTorch's parser reads a lone positional tensor as ``other`` and one by keyword or beside
  keepdim as the dim: (values, indices).
- ``x.movedim(t, 0)`` with a 0-d integer tensor: "iteration over a 0-d tensor"; PyTorch takes it as an int.
- ``F.normalize(x, dim=[0, -1])`` raised "'list' object cannot be interpreted as an integer" and ``dim=()`` divided
  each element by its own size; PyTorch's vector norm takes a list, () as every dim, and a 0-d input with dim 0.
  Out-of-range dims are PyTorch's IndexError (was NumPy's AxisError).
- a dim repeated in a reduction's list (``x.sum((0, 0))``, ``x.mean([1, -2])``, amax, std, var_mean, logsumexp,
  count_nonzero, vector norms, F.normalize) was summed once; PyTorch's RuntimeError "dim 0 appears multiple times
  in the list of dims" (as nn already said for a 0-d input), now from _normalize_axes.
- true division of an integer tensor by a Python number outside its dtype wrapped the number into that dtype
  first: ``uint8_tensor / 256`` was inf, ``/ -1`` divided by 255, ``int32_tensor / 2**31`` was negative. PyTorch
  converts the Scalar to the float result dtype as it is.
- ``addcmul`` / ``addcdiv``'s value was used as a number beside the tensors: a float value promoted an integer
  addcmul to float32, and values out of the dtype's range wrapped or gave inf. PyTorch converts the Scalar to the
  op's dtype as a fill (2.5 -> 2 into int64; "value cannot be converted to type int64_t without overflow", "...
  float ..." for 1e39 in float32); a bool addcmul is '"addcmul_cpu_out" not implemented for 'Bool''.
- ``x.softmax(dim=(0, 1))`` / ``x.log_softmax(dim=[0])`` named "(position 1)" (PyTorch's parser names no position
  for a keyword), and ``aminmax(dim=(0, 1))`` reduced over the tuple: "aminmax(): argument 'dim' must be int, not
  tuple".
The round's per-call cost was measured on common ops and cut where it was more than a fraction of a microsecond
(permute checked each dim through _dims: x.permute / x.transpose 1-1.5 us faster than before the round now; sizes,
flip, flatten and tuple dims of plain ints pass at once); behaviour unchanged there.
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


# ---------------------------------------------------------------- lerp's Python int weight


def test_lerp_takes_a_python_int_weight_as_pytorchs_scalar():
    x = nn.tensor([1.0, 2.0], dtype=nn.float64)
    for weight, expected in ((2 ** 64 - 1, [2.0 ** 64, 2.0 ** 65]),    # 1 + w * (2 - 1), 2 + w * (4 - 2), in double
                             (2 ** 63, [2.0 ** 63, 2.0 ** 64]), (-2 ** 63, [-2.0 ** 63, -2.0 ** 64]),
                             (True, [2.0, 4.0]), (2, [3.0, 6.0])):
        for out in (x.lerp(x * 2, weight), nn.lerp(x, x * 2, weight)):
            assert out.dtype == nn.float64
            np.testing.assert_allclose(out.numpy(), expected, rtol=1e-15)
    for weight, words in ((2 ** 64, "int too big to convert"),
                          (-2 ** 63 - 1, "can't convert negative int to unsigned")):
        with pytest.raises(OverflowError, match=words):
            x.lerp(x, weight)


def test_lerp_by_a_large_int_weight_gradient():
    # lerp(a, b, w) = a + w (b - a): d/da = 1 - w, d/db = w (w = 2**64 - 1 read as the double 2**64)
    a = nn.tensor([1.0, -2.0], dtype=nn.float64, requires_grad=True)
    b = nn.tensor([3.0, 5.0], dtype=nn.float64, requires_grad=True)
    a.lerp(b, 2 ** 64 - 1).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0 - 2.0 ** 64] * 2)
    np.testing.assert_array_equal(b.grad.numpy(), [2.0 ** 64] * 2)


@pytest.mark.parametrize("dtype, name", [(nn.int64, "Long"), (nn.uint8, "Byte"), (nn.bool, "Bool")])
@pytest.mark.parametrize("weight", [1, 0.5])
def test_lerp_of_an_integer_input_by_a_number_is_pytorchs_error(dtype, name, weight):
    x = nn.tensor([1, 0], dtype=dtype)
    with pytest.raises(NotImplementedError, match=f"\"lerp_kernel_scalar\" not implemented for '{name}'"):
        x.lerp(x, weight)


# ---------------------------------------------------------------- ints beyond int64 that NumPy reads as float64


@pytest.mark.parametrize("make", [
    lambda: nn.tensor([2 ** 63, 1]),
    lambda: nn.tensor([2 ** 63, 1], dtype=nn.int64),
    lambda: nn.tensor([2 ** 63, 1], dtype=nn.int32),
    lambda: nn.tensor([[2 ** 63], [1]]),
    lambda: nn.tensor([1.5, 2 ** 63], dtype=nn.int64),
    lambda: nn.as_tensor([2 ** 63, 1]),
    lambda: nn.LongTensor([2 ** 63, 1]),
])
def test_mixed_python_ints_beyond_int64_are_pytorchs_value_error(make):
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        make()


def test_mixed_python_ints_beyond_int64_only_where_an_integer_is_made():
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        nn.tensor([[1, 2], [2 ** 63, 3]], dtype=nn.uint8)
    # PyTorch stores a Python int as a double for a floating dtype, and infers float32 beside a float
    for out, dtype in ((nn.tensor([2 ** 63, 1], dtype=nn.float64), nn.float64),
                       (nn.tensor([1.5, 2 ** 63]), nn.float32), (nn.tensor([2 ** 64, 1.5]), nn.float32),
                       (nn.FloatTensor([2 ** 63, 1]), nn.float32), (nn.zeros(1).new_tensor([2 ** 63, 1]), nn.float32),
                       (nn.FloatTensor([-2 ** 63 - 1, 1]), nn.float32)):
        assert out.dtype == dtype
        assert abs(float(out.abs().max())) >= 2.0 ** 63
    # (the look for Python ints runs where a value is that large; floats keep their own rules)
    assert nn.tensor([1e300, 2]).tolist() == [float("inf"), 2.0]
    assert nn.tensor([float("inf"), 1], dtype=nn.float64).tolist() == [float("inf"), 1.0]
    with pytest.raises(RuntimeError, match="value cannot be converted to type int64 without overflow"):
        nn.tensor([2.0 ** 70, 1], dtype=nn.int64)
    assert nn.tensor([2 ** 62, 1]).tolist() == [2 ** 62, 1]
    assert nn.tensor([[-2 ** 63, 2 ** 63 - 1]]).dtype == nn.int64


# ---------------------------------------------------------------- max / min of a 0-d tensor dim


def _x():
    return nn.tensor([[0.0, 5.0, 2.0], [3.0, 1.0, 4.0]], dtype=nn.float64)


@pytest.mark.parametrize("call, values, indices", [
    (lambda x, t: x.max(dim=t), [5.0, 4.0], [1, 2]),
    (lambda x, t: x.min(dim=t), [0.0, 1.0], [0, 1]),
    (lambda x, t: x.max(t, True), [[5.0], [4.0]], [[1], [2]]),
    (lambda x, t: x.max(t, keepdim=True), [[5.0], [4.0]], [[1], [2]]),
    (lambda x, t: nn.max(x, t, True), [[5.0], [4.0]], [[1], [2]]),
    (lambda x, t: nn.min(x, dim=t, keepdim=False), [0.0, 1.0], [0, 1]),
])
def test_max_and_min_read_a_zero_d_tensor_by_keyword_or_beside_keepdim_as_the_dim(call, values, indices):
    out = call(_x(), nn.tensor(1))
    np.testing.assert_array_equal(out.values.numpy(), values)
    np.testing.assert_array_equal(out.indices.numpy(), indices)
    # a lone positional tensor is still the other operand (PyTorch's max(other))
    x = _x()
    np.testing.assert_array_equal(x.max(nn.tensor(1)).numpy(), [[1.0, 5.0, 2.0], [3.0, 1.0, 4.0]])
    np.testing.assert_array_equal(x.min(nn.tensor(2.5)).numpy(), [[0.0, 2.5, 2.0], [2.5, 1.0, 2.5]])


# ---------------------------------------------------------------- shape ops' dims


def test_shape_ops_take_zero_d_integer_tensor_dims_and_keep_the_parsers_checks():
    x = nn.zeros(2, 3, 4)
    assert x.movedim(nn.tensor(2), 0).shape == (4, 2, 3)
    assert nn.movedim(x, nn.tensor(-1), nn.tensor(0)).shape == (4, 2, 3)
    assert x.moveaxis(0, nn.tensor(1)).shape == (3, 2, 4)
    with pytest.raises(TypeError):
        x.movedim(nn.tensor(1.0), 0)
    # the plain-int fast paths (permute, flip, flatten, sizes, tuple dims) keep PyTorch's checks and words
    assert x.permute(-1, 0, 1).shape == (4, 2, 3)
    assert x.flip(0, -1).shape == (2, 3, 4)
    assert x.mean((0, 1)).shape == (4,)
    assert x.flatten(1).shape == (2, 12)
    assert nn.zeros(2, True).shape == (2, 1)        # (a bool after the first size: an index, as PyTorch's)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"):
        x.permute(0, 3, 1)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-3, 2\], but got -4\)"):
        x.transpose(0, -4)
    with pytest.raises(TypeError, match="failed to unpack the object at pos 2"):
        x.sum((0, "a"))
    with pytest.raises(TypeError, match="must be tuple of ints, but found element of type bool at pos 0"):
        x.amax((True, 1))
    with pytest.raises(TypeError, match=r"argmax\(\): argument 'dim' \(position 1\) must be int, not tuple"):
        x.argmax((0, 1))
    with pytest.raises(TypeError, match=r"flatten\(\): argument 'start_dim' \(position 1\) must be int, not bool"):
        x.flatten(True)
    with pytest.raises(TypeError, match="flip"):
        x.flip((0, None))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.size(np.int64(1)) == 3


# ---------------------------------------------------------------- F.normalize's dims


def _y():
    return nn.tensor(np.arange(24.0).reshape(2, 3, 4) - 7)


def _normalized(a, p, axes):
    return a / np.maximum((np.abs(a) ** p).sum(axis=axes, keepdims=True) ** (1 / p), 1e-12)


@pytest.mark.parametrize("dim, axes", [([0, -1], (0, 2)), ((), (0, 1, 2)), ([], (0, 1, 2))])
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_normalize_takes_dims_as_pytorchs_vector_norm(dim, axes, p):
    x = _y()
    np.testing.assert_allclose(F.normalize(x, p=p, dim=dim).numpy(), _normalized(x.numpy(), p, axes), rtol=1e-6)


def test_normalize_of_a_zero_d_input_and_out_of_range_dims():
    assert F.normalize(nn.tensor(3.0), dim=0).item() == 1.0
    assert F.normalize(nn.tensor(-3.0), dim=-1).item() == -1.0
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"):
        F.normalize(_y(), dim=3)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\], but got 1\)"):
        F.normalize(nn.tensor(3.0), dim=1)
    x = _y()                                        # (the dims it took before, unchanged)
    for dim, axes in (((1, 2), (1, 2)), (None, (0, 1, 2)), (np.int64(1), (1,)), (nn.tensor(-1), (2,))):
        np.testing.assert_allclose(F.normalize(x, dim=dim).numpy(), _normalized(x.numpy(), 2.0, axes), rtol=1e-6)


def test_normalize_over_a_list_of_dims_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 3, 4))
    w = rng.normal(size=(2, 3, 4))
    x = nn.tensor(a, requires_grad=True)
    (F.normalize(x, p=3.0, dim=[0, 2]) * nn.tensor(w)).sum().backward()

    def f(v):
        return float((F.normalize(nn.tensor(v), p=3.0, dim=[0, 2]).numpy() * w).sum())
    numeric = np.zeros_like(a)
    h = 1e-6
    for i in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[i] += h
        down[i] -= h
        numeric[i] = (f(up) - f(down)) / (2 * h)
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-5, atol=1e-8)


# ---------------------------------------------------------------- a dim repeated in a reduction's list


@pytest.mark.parametrize("call, words", [
    (lambda x: x.sum((0, 0)), "dim 0 appears multiple times in the list of dims"),
    (lambda x: x.mean([1, -2]), "dim 1 appears multiple times in the list of dims"),
    (lambda x: x.amax((2, 0, -1)), "dim 2 appears multiple times in the list of dims"),
    (lambda x: x.std((0, 0)), "dim 0 appears multiple times"),
    (lambda x: nn.var_mean(x, (1, 1)), "dim 1 appears multiple times"),
    (lambda x: x.logsumexp((0, -3)), "dim 0 appears multiple times"),
    (lambda x: x.count_nonzero((2, 2)), "dim 2 appears multiple times"),
    (lambda x: nn.linalg.vector_norm(x, 2, (0, 0)), "dim 0 appears multiple times"),
    (lambda x: x.norm(1, [1, 1]), "dim 1 appears multiple times"),
    (lambda x: F.normalize(x, dim=[0, 0]), "dim 0 appears multiple times"),
])
def test_a_dim_repeated_in_a_reductions_list_is_pytorchs_error(call, words):
    # PyTorch's dim bitset refuses a repeated dim (nn summed it once)
    with pytest.raises(RuntimeError, match=words):
        call(nn.zeros(2, 3, 4))
    assert nn.zeros(2, 3, 4).sum((0, -1)).shape == (3,)


# ---------------------------------------------------------------- true division of integers by a number


@pytest.mark.parametrize("call, expected", [
    (lambda: nn.tensor([1, 2], dtype=nn.uint8) / 256, [1 / 256, 2 / 256]),
    (lambda: nn.tensor([1, 2], dtype=nn.uint8) / -1, [-1.0, -2.0]),
    (lambda: nn.tensor([1, 2], dtype=nn.uint8).div(300), [1 / 300, 2 / 300]),
    (lambda: nn.tensor([1, 2], dtype=nn.int32) / 2 ** 31, [2.0 ** -31, 2.0 ** -30]),
    (lambda: nn.tensor([1, 2], dtype=nn.int32).true_divide(2 ** 33), [2.0 ** -33, 2.0 ** -32]),
    (lambda: nn.div(nn.tensor([1, 2], dtype=nn.int32), 2 ** 31), [2.0 ** -31, 2.0 ** -30]),
    (lambda: nn.tensor([1, 2], dtype=nn.int32) / (2 ** 63 - 1), [1 / (2.0 ** 63), 2 / (2.0 ** 63)]),
])
def test_integers_over_a_number_out_of_their_range_divide_by_the_number(call, expected):
    # PyTorch's true division takes the number as a Scalar in the float result dtype (nn wrapped it into the
    # integer dtype first: uint8 / 256 was inf, int32 / 2**31 negative)
    out = call()
    assert out.dtype == nn.float32
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-7)
    # (numbers in range, as before)
    np.testing.assert_array_equal((nn.tensor([True, False]) / 2).numpy(), [0.5, 0.0])
    np.testing.assert_array_equal((nn.tensor([3, 6]) / np.int64(4)).numpy(), [0.75, 1.5])


# ---------------------------------------------------------------- addcmul's / addcdiv's value


def test_addcmul_value_is_a_scalar_converted_to_the_ops_dtype():
    # PyTorch converts value to the dtype addcmul computes in, as a fill: a float into int64 truncated
    x = nn.tensor([1, 0, 2])
    assert x.addcmul(x, x, value=2.5).tolist() == [3, 0, 10]            # 1 + 2 * 1, 2 + 2 * 4
    assert x.addcmul(x, x, value=-2.5).tolist() == [-1, 0, -6]
    assert x.addcmul(x, x, value=nn.tensor(2.5)).tolist() == [3, 0, 10]
    assert x.addcmul(x, x, value=np.float32(1.5)).dtype == nn.int64
    u = x.to(nn.uint8)
    assert u.addcmul(u, u, value=-1).tolist() == [0, 0, 254]            # -1 is 255 in uint8: 1 + 255 wraps to 0
    f = nn.tensor([1.0, 2.0, 3.0])
    assert x.addcmul(f, f, value=2.5).tolist() == [3.5, 10.0, 24.5]     # (float32: the value as it is)
    np.testing.assert_array_equal(f.addcdiv(f, f, value=-0.5).numpy(), [0.5, 1.5, 2.5])
    for call, words in ((lambda: x.addcmul(x, x, value=2 ** 63), "type int64_t without overflow"),
                        (lambda: u.addcmul(u, u, value=300), "type uint8_t without overflow"),
                        (lambda: f.addcmul(f, f, value=1e39), "type float without overflow"),
                        (lambda: f.addcdiv(f, f, value=1e39), "type float without overflow")):
        with pytest.raises(RuntimeError, match=f"value cannot be converted to {words}"):
            call()
    b = nn.tensor([True])
    with pytest.raises(NotImplementedError, match="\"addcmul_cpu_out\" not implemented for 'Bool'"):
        b.addcmul(b, b, value=2)


# ---------------------------------------------------------------- softmax / aminmax dims by keyword


@pytest.mark.parametrize("call, words", [
    (lambda x: x.softmax(dim=(0, 1)), "softmax(): argument 'dim' must be int, not tuple"),
    (lambda x: x.log_softmax(dim=[0]), "log_softmax(): argument 'dim' must be int, not list"),
    (lambda x: x.softmax(dim=None), "softmax(): argument 'dim' must be int, not NoneType"),
    (lambda x: nn.aminmax(x, dim=(0, 1)), "aminmax(): argument 'dim' must be int, not tuple"),
    (lambda x: x.aminmax(dim=[0]), "aminmax(): argument 'dim' must be int, not list"),
])
def test_softmax_methods_and_aminmax_read_a_keyword_dim_as_pytorchs_parser(call, words):
    # by keyword PyTorch's parser names no position (nn said "(position 1)"; aminmax reduced over the tuple)
    x = nn.zeros(2, 3)
    with pytest.raises(TypeError, match=words.replace("(", r"\(").replace(")", r"\)")):
        call(x)
    with pytest.raises(TypeError, match=r"softmax\(\): argument 'dim' \(position 1\) must be int, not tuple"):
        x.softmax((0, 1))
    assert x.softmax(dim=np.int64(1)).shape == (2, 3) and nn.aminmax(x, dim=np.int64(0)).min.shape == (3,)


def test_errors_match_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64)
        assert x.lerp(x * 2, 2 ** 64 - 1).tolist() == [2.0 ** 64, 2.0 ** 65]
        with pytest.raises(ValueError, match="Overflow when unpacking long long"):
            lib.tensor([2 ** 63, 1], dtype=lib.int64)
        y = lib.tensor([[0.0, 5.0, 2.0], [3.0, 1.0, 4.0]])
        assert y.max(dim=lib.tensor(1)).indices.tolist() == [1, 2]
        assert tuple(lib.zeros(2, 3).movedim(lib.tensor(1), 0).shape) == (3, 2)
        out = lib.nn.functional.normalize(y, dim=[0, 1])
        np.testing.assert_allclose(out.numpy(), y.numpy() / np.linalg.norm(y.numpy()), rtol=1e-6)
