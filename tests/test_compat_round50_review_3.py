"""A review of round 50's areas E, F, G and H (bincount, repeat_interleave, index_fill, diag, true_divide, bernoulli
and randperm; the gradient clipping functions; numpy arrays in another byte order; ``torch.torch``), against PyTorch
2.13 over grids wider than the areas' tests, each call's error type and first line, or its result's dtype, shape and
values compared. E (1,574 calls): bincount of int64, int32, uint8, int16, int8, empty, 0-d, 2-d, negative, float,
bool, complex and strided inputs by 9 weights (none, float64, float32, int64, bool, of another length, 2-d, a list,
complex) and 5 minlengths (0, 7, -1, a float, none), and as a method; repeat_interleave (function and method) by 15
counts (ints, negative, 0-d, 1-d of the right and wrong lengths, 2-d, float, bool, int32, empty, Python floats and
bools) and 6 dims (None, 0, 1, -1, 2, -3), the counts-only form by 8 counts and 3 more integer dtypes, output_size,
0-d and empty inputs and a gradient; diag and Tensor.diag of 0-d, 1-d, 2-d, 3-d, empty and strided tensors by 5
diagonals; index_fill / index_fill_ of a 3 x 4 tensor by 11 indices (in and out of range, negative, 0-d, 2-d, float,
int32, empty), 4 dims and 3 values; true_divide (function, method, in place) of float and integer tensors, numbers,
lists, ``rounding_mode``, ``out=`` and keywords, its gradient and node; bernoulli / Tensor.bernoulli / bernoulli_ of
11 inputs (float64, float32, int64, bool, complex, out of [0, 1], NaN, 0-d, empty) by 8 p (none, 0.5, 0, 1, 2, -0.5,
NaN, True), bernoulli_ of 6 tensors by 9 tensor p; randperm of 9 n and 6 dtypes. F (849 calls): clip_grad_norm_ of 11
gradient sets (float32, float64, mixed, NaN, inf, zeros, an empty tensor, 0-d, complex, small, strided) by 8 norm
types, 4 max norms and error_if_nonfinite, get_total_norm by 6 norm types, clip_grad_value_ by 4 values,
clip_grads_with_norm_ by 9 totals, the parameter forms (one tensor, a generator, no gradient, an empty list, a number
or None in the list), and 300 random float32 / float64 gradient sets bit by bit. G (630 calls): 35 arrays (big-endian
float16 to complex128, integer and bool arrays, reversed, 0-d and empty ones, memmaps of both byte orders and reversed,
strings, objects, long doubles, datetimes, structured and record arrays, a matrix) by 19 constructors and operations
(from_numpy, tensor, as_tensor, asarray, the legacy constructors, new_tensor, new, arithmetic with tensors, indexing,
where, sparse_coo_tensor, default_collate). The changed functions' existing tests pass (78 files naming them: 2,296
passed), and the hot paths were timed against the tree before the round (function-call counts of beach_mlp's step
and of a colorize-like step equal within 0.3 %; wall times within the machine's noise).

Found and fixed: ``bincount`` of an empty 1-d input with weights of another length raised "weights should be 1-d and
have the same length as input", and with empty weights answered float32 zeros; PyTorch answers int64 zeros of
minlength first, whatever the weights. ``repeat_interleave`` checked a negative int count before the dim (PyTorch:
"Dimension out of range (expected to be in range of [-2, 1], but got 2)" first), and its size error named the dim
wrapped ("input.size(1)") where PyTorch names it as given ("input.size(-1)"); the counts-only form gave int64 for
int32 counts (PyTorch keeps the counts' dtype) and took uint8, int8 and int16 counts, which PyTorch's kernel refuses
('"repeat_interleave_cpu" not implemented for 'Byte''; older than the round). ``bernoulli`` of a complex tensor with a
number p drew where PyTorch refuses ('"bernoulli_scalar_cpu_" not implemented for 'ComplexFloat''), and
``Tensor.bernoulli_`` went its own way: a number p out of [0, 1] said the tensor kernel's "Expected p_in >= 0 && p_in
<= 1 ..." (PyTorch "bernoulli_ expects p to be in [0, 1], but got p=2", an empty tensor too), a complex tensor or
integer / bool / complex tensor p drew (PyTorch: NotImplementedError in its kernel's words), and an empty tensor with
a p of another shape failed the broadcast (PyTorch returns it). ``randperm(2.0)`` and ``randperm(True)`` drew; PyTorch's
parser says "randperm(): argument 'n' (position 1) must be int, not float". ``get_total_norm`` / ``clip_grad_norm_``
with an empty gradient and norm type inf answered its other tensors' norm (the new helper's docstring said PyTorch's
foreach norm gives 0), where PyTorch raises "_foreach_norm cannot compute the infinity norm on an empty tensor because
the operation does not have an identity" (and for -inf or a negative order "linalg.vector_norm cannot compute the -inf
norm on an empty tensor ..."); integer gradients gave an int64 norm (PyTorch: "linalg.vector_norm: Expected a floating
point or complex tensor as input. Got Long"); a negative order over a zero element gave NumPy's RuntimeWarning "divide
by zero encountered in power" (PyTorch's answer, 0, is silent).

Still different (not fixed): ``repeat_interleave`` with a Python float or bool count raises the kernel's
NotImplementedError where PyTorch's parser says "repeat_interleave() received an invalid combination of arguments -
got (Tensor, float, NoneType), but expected one of:"; ``repeat_interleave`` of a 0-d tensor along dim 0 says "tuple
index out of range"; ``bernoulli`` of a tensor requiring grad gives a tensor not requiring grad (PyTorch's has a
BernoulliBackward0 node whose gradient is zero); ``true_divide`` of a list names div in its parser error; the
total norm is an ulp from PyTorch's in 50 of 300 random gradient sets (NumPy's summation order). A tensor plus a
big-endian integer array is float32 (PyTorch, whose conversion refuses the array, lets NumPy compute: float64), and
nn takes NumPy arrays in ``where`` and on the left of ``+`` (PyTorch refuses them; nn's design). default_collate of a
reversed or big-endian array of strings, objects or datetimes names the strides or byte order where PyTorch names the
dtype first.

The failures of nn these tests pin down (the packages are not imported here):

- bincount of an empty input with weights: int64 zeros of minlength, whatever the weights' length or dtype;
- repeat_interleave: the dim before an int count's sign, the dim as given in the size error, the counts-only form in
  the counts' dtype, and only int32 / int64 counts;
- bernoulli with a number p refuses a complex input; Tensor.bernoulli_ in PyTorch's words and order for number and
  tensor p, an empty tensor returned as it is;
- randperm's n read by PyTorch's parser (an int: no float, no bool);
- get_total_norm's refusals of an empty gradient under inf and negative orders and of integer gradients, and no
  warning for a zero element under a negative order.
"""
import math
import warnings

import numpy as np
import pytest

import nn

EMPTY_INF = ("_foreach_norm cannot compute the infinity norm on an empty tensor because the operation does not have "
             "an identity")


def _raised(call):
    """(the builtin exception class's name, the message's first line) of what call() raises."""
    try:
        call()
    except Exception as e:  # noqa: BLE001 - the point is which one
        kind = next(c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins")
        return kind, str(e).splitlines()[0]
    raise AssertionError("no error")


# (call on a library L, PyTorch 2.13's exception type, its message's first line)
REFUSALS = [
    ("L.repeat_interleave(L.zeros(2, 3), -1, 2)", "IndexError",
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    ("L.zeros(2).repeat_interleave(-1, dim=5)", "IndexError",
     "Dimension out of range (expected to be in range of [-1, 0], but got 5)"),
    ("L.zeros(2, 3).repeat_interleave(L.tensor([1, 2]), dim=-1)", "RuntimeError",
     "repeats must have the same size as input along dim, but got repeats.size(0) = 2 and input.size(-1) = 3"),
    ("L.repeat_interleave(L.tensor([1, 2], dtype=L.uint8))", "NotImplementedError",
     "\"repeat_interleave_cpu\" not implemented for 'Byte'"),
    ("L.ones(2).repeat_interleave(L.tensor([1, 2], dtype=L.int16))", "NotImplementedError",
     "\"repeat_interleave_cpu\" not implemented for 'Short'"),
    ("L.bernoulli(L.zeros(2, dtype=L.complex64), p=0.5)", "NotImplementedError",
     "\"bernoulli_scalar_cpu_\" not implemented for 'ComplexFloat'"),
    ("L.zeros(2).bernoulli_(2)", "RuntimeError", "bernoulli_ expects p to be in [0, 1], but got p=2"),
    ("L.zeros(0).bernoulli_(p=-0.5)", "RuntimeError", "bernoulli_ expects p to be in [0, 1], but got p=-0.5"),
    ("L.zeros(2, dtype=L.complex64).bernoulli_()", "NotImplementedError",
     "\"bernoulli_scalar_cpu_\" not implemented for 'ComplexFloat'"),
    ("L.zeros(2).bernoulli_(L.tensor([1, 0]))", "NotImplementedError",
     "\"bernoulli_tensor_cpu_p_\" not implemented for 'Long'"),
    ("L.zeros(2).bernoulli_(L.tensor([0.5, 0.5], dtype=L.complex64))", "NotImplementedError",
     "\"bernoulli_tensor_cpu_p_\" not implemented for 'ComplexFloat'"),
    ("L.zeros(2, dtype=L.complex64).bernoulli_(L.zeros(3))", "NotImplementedError",
     "\"bernoulli_tensor_cpu_self_\" not implemented for 'ComplexFloat'"),
    ("L.randperm(2.0)", "TypeError", "randperm(): argument 'n' (position 1) must be int, not float"),
    ("L.randperm(True)", "TypeError", "randperm(): argument 'n' (position 1) must be int, not bool"),
    ("L.nn.utils.get_total_norm([L.zeros(0), L.ones(2)], float('inf'))", "RuntimeError", EMPTY_INF),
    ("L.nn.utils.get_total_norm([L.zeros(0, dtype=L.int64)], float('inf'))", "RuntimeError", EMPTY_INF),
    ("L.nn.utils.get_total_norm([L.ones(2), L.zeros(0)], -float('inf'))", "RuntimeError",
     "linalg.vector_norm cannot compute the -inf norm on an empty tensor because the operation does not have an "
     "identity"),
    ("L.nn.utils.get_total_norm([L.zeros(0)], -0.5)", "RuntimeError",
     "linalg.vector_norm cannot compute the -0.5 norm on an empty tensor because the operation does not have an "
     "identity"),
    ("L.nn.utils.get_total_norm([L.tensor([3, 4])])", "RuntimeError",
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    ("L.nn.utils.get_total_norm([L.tensor([True])], 1)", "RuntimeError",
     "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Bool"),
]


@pytest.mark.parametrize("call, error, words", REFUSALS, ids=[c for c, _, _ in REFUSALS])
def test_refusals_in_pytorchs_order_and_words(call, error, words):
    assert _raised(lambda: eval(call, {"L": nn})) == (error, words)


def test_bincount_of_an_empty_input_is_int64_zeros_whatever_the_weights():
    # PyTorch 2.13: torch.bincount(torch.tensor([], dtype=torch.long), torch.tensor([1., 2.]), 3) -> tensor([0, 0,
    # 0]) (int64), and with empty float32 weights tensor([], dtype=torch.int64)
    out = nn.bincount(nn.tensor([], dtype=nn.int64), nn.tensor([1.0, 2.0]), 3)
    assert (out.dtype, out.tolist()) == (nn.int64, [0, 0, 0])
    out = nn.bincount(nn.tensor([], dtype=nn.int32), weights=nn.tensor([], dtype=nn.float32))
    assert (out.dtype, out.tolist()) == (nn.int64, [])
    # a non-empty input keeps its checks and the weights' float dtype
    out = nn.bincount(nn.tensor([1, 1]), nn.tensor([0.5, 2.0], dtype=nn.float32))
    assert (out.dtype, out.tolist()) == (nn.float32, [0.0, 2.5])


def test_repeat_interleave_counts_keep_their_dtype():
    # PyTorch 2.13: torch.repeat_interleave(torch.tensor([0, 2, 1], dtype=torch.int32)) -> tensor([1, 1, 2],
    # dtype=torch.int32); int64 counts give int64
    out = nn.repeat_interleave(nn.tensor([0, 2, 1], dtype=nn.int32))
    assert (out.dtype, out.tolist()) == (nn.int32, [1, 1, 2])
    out = nn.repeat_interleave(nn.tensor([2, 0, 1]))
    assert (out.dtype, out.tolist()) == (nn.int64, [0, 0, 2])
    assert nn.tensor([5, 6]).repeat_interleave(nn.tensor([1, 2], dtype=nn.int32)).tolist() == [5, 6, 6]


def test_bernoulli_in_place_keeps_pytorchs_answers():
    # PyTorch 2.13: an empty tensor is returned as it is, whatever p's shape; a number p or a float tensor p draws
    # 0 / 1 in the tensor's own dtype
    x = nn.zeros(0)
    assert x.bernoulli_(nn.tensor([2.0, 0.0])) is x
    x = nn.zeros(3, dtype=nn.int64)
    assert x.bernoulli_(1.0) is x and (x.dtype, x.tolist()) == (nn.int64, [1, 1, 1])
    x = nn.zeros(2, dtype=nn.float64)
    assert x.bernoulli_(nn.tensor([1.0, 0.0], dtype=nn.float32)).tolist() == [1.0, 0.0]
    assert x.bernoulli_(nn.tensor(1.0)).tolist() == [1.0, 1.0]
    # and a tensor p out of [0, 1] is refused by the tensor kernel's check
    assert _raised(lambda: x.bernoulli_(nn.tensor([2.0, 0.0]))) == (
        "RuntimeError", "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be "
        "improved?  If so, please report an enhancement request to PyTorch.)")


def test_total_norm_of_a_negative_order_over_a_zero_is_silent():
    # PyTorch 2.13: get_total_norm([tensor([0., 2.]), tensor([1.])], -1) -> tensor(0.), no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        total = nn.utils.get_total_norm([nn.tensor([0.0, 2.0]), nn.tensor([1.0])], -1)
    assert total.item() == 0.0
    # an empty gradient under the orders with an identity is still taken (0 counts it as zero)
    assert nn.utils.get_total_norm([nn.zeros(0), nn.tensor([3.0, 4.0])], 2).item() == 5.0
    assert nn.utils.get_total_norm([nn.zeros(0), nn.tensor([3.0, 4.0])], 0).item() == 1.0
    assert math.isclose(nn.utils.get_total_norm([nn.zeros(0), nn.tensor([3.0, 4.0])], 1).item(), 7.0)


def test_review_grids_against_pytorch():
    torch = pytest.importorskip("torch")
    for call, _, _ in REFUSALS:
        assert _raised(lambda: eval(call, {"L": nn})) == _raised(lambda: eval(call, {"L": torch})), call
    x = np.arange(6.0).reshape(2, 3)
    cases = [(np.array([1, 0, 2]), (1, -1)), (np.array([1, 0, 2, 2, 1, 0]), (None,))] + \
        [(counts, (None, 0, 1, -1)) for counts in (np.array([2], np.int32), np.array(3), 2)]
    for counts, dims in cases:
        for dim in dims:
            want = torch.repeat_interleave(torch.from_numpy(x), counts if isinstance(counts, int) else
                                           torch.from_numpy(counts), dim)
            got = nn.repeat_interleave(nn.tensor(x), counts if isinstance(counts, int) else nn.tensor(counts), dim)
            np.testing.assert_array_equal(got.numpy(), want.numpy())
    for length in (0, 2):
        for minlength in (0, 4):
            weights = np.ones(length)
            want = torch.bincount(torch.tensor([], dtype=torch.long), torch.from_numpy(weights), minlength)
            got = nn.bincount(nn.tensor([], dtype=nn.int64), nn.tensor(weights), minlength)
            assert (str(got.dtype).split(".")[-1], got.tolist()) == (str(want.dtype).split(".")[-1], want.tolist())
    for norm_type in (2, 1, 0, 3.5, math.inf, -math.inf, -1):
        grads = [np.array([0.0, 2.0, -3.0]), np.array([1.5]), np.array([4.0, 0.5])]
        want = torch.nn.utils.get_total_norm([torch.from_numpy(g) for g in grads], norm_type).item()
        got = nn.utils.get_total_norm([nn.tensor(g) for g in grads], norm_type).item()
        assert got == pytest.approx(want, rel=1e-15, abs=0), norm_type
