"""Review of round 46, areas D-F (reviewer 2): defects found around the round's changes, each checked against
PyTorch 2.13 over a grid (randint and randint_like, 162 calls: the (high, size) and (low, high, size) forms by
position and keyword, sizes as tuples, lists, Size, empty, negative, tensors and ints, bounds as ints, NumPy
integers and floats, bools, None, 0-d and 1-d int / float / bool tensors, ints beyond int64, generator=, dtype=,
device=, layout=, requires_grad=, missing and extra arguments; topk and kthvalue, 290 calls: k and dim of every kind
above by method and function, positional and keyword, int and bool inputs, 0-d, empty, non-contiguous inputs,
keepdim, NaN, gradients). Area E changed nothing in nn; area F's topk / kthvalue agree with PyTorch on the grid but
for differences older than the round (below).

- randint's parser (area D) read every two-argument call as (high, size) but by position: randint(low=1, size=(3,))
  drew from [0, 1) and randint(size=(3,)) failed in the kernel, where PyTorch's parser (two arguments fit its
  (high, size) signature alone) names the first missing one: 'randint() missing 2 required positional argument:
  "high", "size"' (its plural as printed), 'randint() missing 1 required positional arguments: "size"' for
  randint(low=1, high=5) and randint(5, dtype=...); randint(size=(3,)) is "received an invalid combination".
- randint's bounds and size as tensors: PyTorch takes an integer tensor of one element as a bound and refuses a
  float tensor, or one of several elements ("randint(): argument 'high' (position 1) must be int, not Tensor";
  randint(0, tensor(5.), (3,)) "got (int, Tensor, tuple)"), where nn drew from it; a size that is a Tensor is
  refused ("argument 'size' (position 2) must be tuple of ints, not Tensor"), where nn let it through to its own
  words; an int32 tensor bound failed in nn's range check ("to - 1 is out of bounds"); a bound beyond int64 is
  PyTorch's ValueError "Overflow when unpacking long long", where nn drew from it.
- randint_like (area D) named its bounds as positional in its refusals and took randint_like(x, low=1) (drawing
  from [0, 1)), randint_like(x) and randint_like(x, 1, 5, 7) (its dtype) where PyTorch finds no signature
  ("got (Tensor, high=float)", "got (Tensor, low=int)", "got (Tensor)", "got (Tensor, int, int, int)", every keyword
  given named, dtype= and requires_grad= too); it refused a float tensor high, which PyTorch's (input, Tensor high)
  signature takes (a tensor high of one dimension is "high must be a scalar tensor and on CPU"); and it had no
  generator= (PyTorch's has).
- kthvalue over an empty dim (fixed after the review, which had noted it) was nn's RuntimeError "kthvalue():
  selected number k out of range for dimension 0", where PyTorch raises IndexError "kthvalue(): Expected reduction
  dim 0 to have non-zero size." (as mode does; a tensor with no elements reduced along a non-empty dim is empty).

Still different: a bool tensor as a randint bound is nn's TypeError where PyTorch fails an internal assert; randint's
size given by keyword with a float first element names the element ("but found element of type float at pos 0")
where PyTorch says "must be tuple of ints, not list"; randint's out= is missing and an unknown keyword is Python's
TypeError (PyTorch lists its signatures); a bool tensor as topk / kthvalue's k is nn's TypeError (PyTorch's internal
assert); topk(0) of a 0-d tensor fails in nn; largest= /
keepdim= given a float are taken (PyTorch: "must be bool, not float"); negative sizes are nn's ValueError.
"""
import numpy as np
import pytest

import nn

COMBINATION = "{}() received an invalid combination of arguments - got ({}), but expected one of:"


def first_line(fn, error=TypeError):
    with pytest.raises(error) as info:
        fn()
    return str(info.value).splitlines()[0]


def test_randint_names_the_missing_argument_of_its_two_argument_signature():
    assert first_line(lambda: nn.randint(low=1, size=(3,))) == \
        'randint() missing 2 required positional argument: "high", "size"'
    assert first_line(lambda: nn.randint(low=1, high=5)) == 'randint() missing 1 required positional arguments: "size"'
    assert first_line(lambda: nn.randint(5, dtype=nn.int32)) == \
        'randint() missing 1 required positional arguments: "size"'
    assert first_line(lambda: nn.randint(size=(3,))) == COMBINATION.format("randint", "size=tuple, ")
    # a positional argument is read before a keyword one, and checked before the next is looked for
    assert first_line(lambda: nn.randint((2,), high=5)) == \
        "randint(): argument 'high' (position 1) must be int, not tuple"
    # the accepted keyword forms draw as before
    assert nn.randint(1, 5, size=(3,)).min() >= 1 and nn.randint(low=1, high=5, size=(3,)).min() >= 1
    assert tuple(nn.randint(high=5, size=(2, 2)).shape) == (2, 2)


def test_randint_takes_integer_tensors_of_one_element_as_bounds_and_no_tensor_size():
    assert first_line(lambda: nn.randint(nn.tensor(5.0), (3,))) == \
        "randint(): argument 'high' (position 1) must be int, not Tensor"
    assert first_line(lambda: nn.randint(nn.tensor([5, 6]), (3,))) == \
        "randint(): argument 'high' (position 1) must be int, not Tensor"
    assert first_line(lambda: nn.randint(0, nn.tensor(5.0), (3,))) == COMBINATION.format("randint", "int, Tensor, tuple")
    assert first_line(lambda: nn.randint(5, nn.tensor([3]))) == \
        "randint(): argument 'size' (position 2) must be tuple of ints, not Tensor"
    assert first_line(lambda: nn.randint(0, 5, nn.tensor([2, 3]))) == COMBINATION.format("randint", "int, int, Tensor")
    for high in (nn.tensor(5), nn.tensor([5]), nn.tensor(5, dtype=nn.int32)):
        t = nn.randint(high, (40,))
        assert t.dtype == nn.int64 and tuple(t.shape) == (40,) and 0 <= t.min().item() and t.max().item() < 5
    assert nn.randint(nn.tensor(2, dtype=nn.int32), nn.tensor(3), (4,)).tolist() == [2, 2, 2, 2]


def test_randint_refuses_a_bound_beyond_int64_as_pytorchs_parser():
    for call in (lambda: nn.randint(0, 2 ** 63, (2,)), lambda: nn.randint(2 ** 63, (2,)),
                 lambda: nn.randint(-2 ** 63 - 1, 0, (2,))):
        assert first_line(call, ValueError) == "Overflow when unpacking long long"
    assert nn.randint(2 ** 63 - 2, 2 ** 63 - 1, (2,)).tolist() == [2 ** 63 - 2] * 2


def test_randint_like_names_its_keywords_and_finds_no_signature_as_pytorch():
    x = nn.zeros(3)
    refused = [
        (lambda: nn.randint_like(x, high=5.0), "Tensor, high=float"),
        (lambda: nn.randint_like(x, low=0.0, high=5), "Tensor, high=int, low=float"),
        (lambda: nn.randint_like(x, low=1), "Tensor, low=int"),
        (lambda: nn.randint_like(x), "Tensor"),
        (lambda: nn.randint_like(x, 1, 5, 7), "Tensor, int, int, int"),
        (lambda: nn.randint_like(x, 5, low=1), "Tensor, int, low=int"),
        (lambda: nn.randint_like(x, 5.0, requires_grad=False, dtype=nn.int64),
         "Tensor, float, dtype=torch.dtype, requires_grad=bool"),
    ]
    for call, got in refused:
        assert first_line(call) == COMBINATION.format("randint_like", got)
    assert set(nn.randint_like(x, low=1, high=3).tolist()) <= {1.0, 2.0}
    assert set(nn.randint_like(x, 1, high=3).tolist()) <= {1.0, 2.0}


def test_randint_like_takes_a_tensor_high_and_a_generator():
    x = nn.zeros(50)
    t = nn.randint_like(x, nn.tensor(5.0))          # (PyTorch's (input, Tensor high) signature)
    assert t.dtype == nn.float32 and 0 <= t.min().item() and t.max().item() <= 4
    assert first_line(lambda: nn.randint_like(x, nn.tensor([5])), RuntimeError) == \
        "high must be a scalar tensor and on CPU"
    a = nn.randint_like(x, 1000, generator=nn.Generator().manual_seed(3))
    b = nn.randint_like(x, 1000, generator=nn.Generator().manual_seed(3))
    assert a.tolist() == b.tolist() and len(set(a.tolist())) > 1


def test_randint_and_randint_like_agree_with_pytorch():
    torch = pytest.importorskip("torch")

    def outcome(lib, fn, args, kwargs):
        conv = (lambda v: v(lib) if callable(v) else v)
        try:
            t = getattr(lib, fn)(*map(conv, args), **{k: conv(v) for k, v in kwargs.items()})
        except (TypeError, ValueError, RuntimeError) as e:
            return type(e).__name__, str(e).splitlines()[0]
        return str(t.dtype).split(".")[-1], tuple(t.shape)

    def T(v):
        return lambda lib: lib.tensor(v)

    def X(lib):
        return lib.zeros(2, 3)

    int32 = (lambda lib: lib.int32)
    calls = [("randint", a, k) for a, k in [
        ((), {"low": 1, "size": (3,)}), ((), {"low": 1, "high": 5}), ((5,), {"dtype": int32}), ((), {"size": (3,)}),
        (((2,),), {"high": 5}), ((5,), {"low": 1}), ((5, (3,)), {"low": 1}), ((1, 5), {"size": (3,), "dtype": int32}),
        ((T(5.0), (3,)), {}), ((T([5, 6]), (3,)), {}), ((0, T(5.0), (3,)), {}), ((5, T([3])), {}),
        ((0, 5, T([2, 3])), {}), ((T(5), (3,)), {}), ((T([5]), (3,)), {}), ((T(np.int32(5)), (3,)), {}),
        ((0, 2 ** 63, (2,)), {}), ((2 ** 63, (2,)), {}), ((5, (3,)), {}), ((0, 5, [2, 3]), {}), ((5, ()), {}),
        ((), {"high": 5, "size": (3,)}), ((5, (3,)), {"generator": lambda lib: lib.Generator()})]]
    calls += [("randint_like", (X,) + a, k) for a, k in [
        ((), {"high": 5.0}), ((), {"low": 0.0, "high": 5}), ((), {"low": 1}), ((), {}), ((1, 5, 7), {}),
        ((5,), {"low": 1}), ((5.0,), {"requires_grad": False, "dtype": int32}), ((T(5.0),), {}), ((T([5]),), {}),
        ((1, T(5)), {}), ((1, T(5.0)), {}), ((), {"high": T(5.0)}), ((5,), {}), ((1, 5), {}), ((), {"low": 1, "high": 5}),
        ((1,), {"high": 5}), ((5,), {"generator": lambda lib: lib.Generator()}), ((2 ** 63,), {})]]
    for fn, args, kwargs in calls:
        assert outcome(nn, fn, args, kwargs) == outcome(torch, fn, args, kwargs), (fn, args, kwargs)


def test_kthvalue_over_an_empty_dim_is_pytorchs_index_error():
    for shape, dim in (((0, 3), 0), ((2, 0), 1), ((2, 0), -1)):
        with pytest.raises(IndexError, match=rf"^kthvalue\(\): Expected reduction dim {dim % 2} to have non-zero "
                                             r"size\.$"):
            nn.zeros(*shape).kthvalue(1, dim)
    assert nn.zeros(0, 3).kthvalue(1, 1).values.shape == (0,)        # nothing to reduce: empty, as PyTorch's
    with pytest.raises(RuntimeError, match=r"^kthvalue\(\): selected number k out of range for dimension 1$"):
        nn.zeros(2, 3).kthvalue(4, 1)
