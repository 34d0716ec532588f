"""A review of round 46's areas A, B and C (gumbel_softmax, one_hot, scatter with reduce=, layer_norm of non-float
inputs; Tensor.to's three signatures, var_mean / std_mean's old signature, unbiased with correction, einsum without
operands; the in-place bitwise, shift and division ops' result-type check, logical_* refusing numbers), against
PyTorch 2.13 over grids wider than the areas' tests. A: ``one_hot`` over 11 inputs (lists, tuples, ints, None, 0-d,
empty, int32, float, negative, non-contiguous) by 9 ``num_classes`` (-1, 0, 3, 5, 3.0, None, True, a 0-d tensor, a
NumPy int), positional and keyword; ``gumbel_softmax`` over 11 logits (integer, bool, complex, list, int, None, 0-d,
empty along either dim, float64) by ``hard`` by five dims, five ``eps``, ``tau=0``, ``logits=``, gradients and
non-contiguous inputs; ``scatter`` / ``scatter_`` / ``torch.scatter`` with seven reduces by tensor, float and int
sources, with out-of-range, int32 and over-long indices; ``scatter_reduce`` in three forms by ten reduces;
``layer_norm`` over 8 input dtypes by 5 weight dtypes by 4 bias dtypes by a right and a wrong shape, and
``LayerNorm`` with and without affine (763 cases). B: ``.to()`` of a contiguous and a transposed tensor, of a
module and ``torch._C._nn._parse_to`` over 166 positional forms by 10 keyword sets; ``var`` / ``std`` /
``var_mean`` / ``std_mean``, function and method, over six inputs (float64, 0-d, empty, int64, complex,
transposed) by 24 argument forms; 23 ``einsum`` forms without or with too few operands (7773 cases). C: eleven
augmented assignments and 16 in-place and out-of-place methods over 9 tensor dtypes by 21 operands (tensors of
each dtype, 0-d tensors, zeros, Python numbers, None, a list), 0-d, broadcasting, transposed, empty, view and
requires_grad cases; ``logical_and`` / ``or`` / ``xor`` in seven forms by 21 operands (5390 cases).

Found and fixed: the in-place ``fmod_`` (a sibling of ``remainder_``, left out of area C's list) computed before
checking that the result type fits the tensor: ``bool_t.fmod_(int_t)`` with a zero divisor was nn's
"ZeroDivisionError" where PyTorch says "result type Long can't be cast to the desired output type Bool", and
``float_t.fmod_(1j)`` the kernel's NotImplementedError; the result-type check of area C named the operand's dtype
where PyTorch names the promoted one (``float64_t &= complex64_t``: "result type ComplexDouble can't be cast to
the desired output type Double"; nn said ComplexFloat), and it cost 4 us per call with a Python number (now a
type comparison first, 0.5 us). ``torch._C._nn._parse_to`` counted any positional True as ``non_blocking`` and gave
no device for a Python number in the tensor's place, which area B's ``.to()`` now reads as a tensor:
``_parse_to(True)`` is PyTorch's (cpu, torch.bool, False, None), nn's was (None, bool, True, None); it now reads
the arguments by the same binding as ``.to()`` (one reading of them, not two). ``var`` / ``std`` / ``var_mean`` /
``std_mean`` with a bool in dim's place (the old signature (input, bool unbiased), which takes nothing else) and a
keyword: ``var(x, False, keepdim=True)`` computed, ``var_mean(x, True, unbiased=True)`` too; PyTorch's parser
refuses them ("var() received an invalid combination of arguments - got (Tensor, bool, keepdim=bool), but
expected one of:"). ``layer_norm`` read its later parameters' dtypes before its shapes and its kernel's dtype:
``layer_norm(x, (3,), w, b_int64)`` with a weight of 4 was "expected scalar type Float but found Long" where
PyTorch checks the shape first ("Expected weight to be of same shape as normalized_shape, ..."), and an integer
input with an integer weight and a float bias is PyTorch's NotImplementedError '"LayerNormKernelImpl" not
implemented for 'Long'', not the parameters' mismatch.

Still different (not fixed; the grids' other rows): ``one_hot(t, num_classes=3.0)`` names "(position 2)" and
``one_hot()`` is Python's words; ``scatter(..., reduce=None)`` computes where PyTorch's parser refuses a None
reduce, and ``reduce=3`` is the RuntimeError where PyTorch's parser says TypeError; ``scatter_reduce`` checks its
reduce before the index's dtype; ``x.to(copy=True)`` of a transposed tensor is contiguous where PyTorch keeps the
strides; ``x.to(0, False)`` is PyTorch's int64 tensor (a Python int taken as a tensor once the device signature
fails), nn's TypeError; ``x.to(np.float64)`` is taken (nn takes NumPy types as dtypes); the five-argument ``.to()``
words; ``var(x, True, dim=1)`` is Python's "got multiple values for argument 'dim'" (the fast path of a lone
``dim=``); ``var(x, 0, None)`` and ``unbiased=None`` with a correction compute; ``einsum()`` and ``einsum(None,
t)`` are Python's or NumPy's TypeErrors; an in-place op whose operand broadcasts past the tensor checks the result
type before the shape (as nn's ``+=`` always did); logical_*'s method errors are nn's MethodArgumentError (a
TypeError); the bitwise functions (which take a number first, so no wrapper counts the tensor) word an operand
no signature takes as their methods do ("got (NoneType)" where ``torch.bitwise_and(x, None)`` says "got (Tensor,
NoneType)"); lists and NumPy arrays as the other operand are taken (older than the round).

The failures of nn these tests pin down:

- ``x.fmod_(other)`` computed before checking the result type: ``bool_t.fmod_(int_t)`` "ZeroDivisionError" for
  "result type Long can't be cast to the desired output type Bool".
- The in-place result-type words named the operand's dtype, not the promoted one (ComplexFloat for
  ComplexDouble).
- ``torch._C._nn._parse_to(True)``: (None, bool, True, None) for PyTorch's (cpu, torch.bool, False, None).
- ``var(x, False, keepdim=True)`` and its siblings computed; PyTorch's parser refuses a keyword beside the old
  signature's bool.
- ``layer_norm`` checked a later parameter's dtype before the shapes and the kernel's input dtype.
- The comparisons and the bitwise ops given an operand no signature takes (None, a str), as functions and methods,
  returned ``NotImplemented`` as their value (``nn.eq(x, None)``, ``x.lt(None)``, ``nn.bitwise_and(x, None)``; a
  truthy value in an ``if``), and ``x.bitwise_and_(None)`` was an AttributeError: PyTorch's parser refuses them
  ("eq() received an invalid combination of arguments - got (Tensor, NoneType), but expected one of:"; the
  operators keep Python's answers: ``x == None`` is False, ``x < None`` Python's TypeError). Their missing-argument
  words named ``_logical.<locals>.op()``; they name the op (Python's words, where PyTorch's parser says
  'missing 1 required positional arguments: "other"').
"""
import numpy as np
import pytest

import nn
import nn.functional as F
from porting import raised

INVALID = "{}() received an invalid combination of arguments - got ({}), but expected one of:"


def test_in_place_fmod_checks_the_result_type_first():
    x = nn.tensor([True, False])
    assert raised(lambda: x.fmod_(nn.tensor([0, 1]))) == (
        "RuntimeError", "result type Long can't be cast to the desired output type Bool")
    assert x.tolist() == [True, False]
    assert raised(lambda: nn.tensor([1.0], dtype=nn.float64).fmod_(1j)) == (
        "RuntimeError", "result type ComplexDouble can't be cast to the desired output type Double")
    # what fits still computes, an integer zero still the kernel's words
    assert nn.tensor([5, -5]).fmod_(nn.tensor([3], dtype=nn.int32)).tolist() == [2, -2]
    assert nn.tensor([5.5]).fmod_(2).tolist() == [1.5]
    assert raised(lambda: nn.tensor([5]).fmod_(0)) == ("RuntimeError", "ZeroDivisionError")


def test_in_place_result_type_words_name_the_promoted_type():
    for op in ("__iand__", "__ior__", "__imod__", "bitwise_xor_", "floor_divide_", "remainder_"):
        x = nn.tensor([1.0, 2.0], dtype=nn.float64)
        assert raised(lambda: getattr(x, op)(nn.tensor([1j, 0j], dtype=nn.complex64))) == (
            "RuntimeError", "result type ComplexDouble can't be cast to the desired output type Double"), op
    # a 0-d operand of a higher kind decides the type (int32 with a 0-d float64: Double)
    assert raised(lambda: nn.tensor([1], dtype=nn.int32).__ilshift__(nn.tensor(2.0, dtype=nn.float64))) == (
        "RuntimeError", "result type Double can't be cast to the desired output type Int")
    assert raised(lambda: nn.tensor([True]).bitwise_or_(2.5)) == (
        "RuntimeError", "result type Float can't be cast to the desired output type Bool")


def test_parse_to_reads_a_python_number_as_a_tensor():
    parse = nn._C._nn._parse_to
    assert parse(True) == (nn.device("cpu"), nn.bool, False, None)
    assert parse(False, True) == (nn.device("cpu"), nn.bool, True, None)
    assert parse(1.5) == (nn.device("cpu"), nn.float64, False, None)
    assert parse(tensor=nn.ones(1)) == (nn.device("cpu"), nn.float32, False, None)
    # the forms that were right stay
    assert parse(nn.float64, True) == (None, nn.float64, True, None)
    assert parse("cpu", non_blocking=True) == (nn.device("cpu"), None, True, None)
    assert parse() == (None, None, False, None)


@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
def test_var_family_old_signature_takes_no_keyword(name):
    x = nn.tensor([[1.0, 2.0], [4.0, 7.0]], dtype=nn.float64)
    fn = getattr(nn, name)
    assert raised(lambda: fn(x, False, keepdim=True)) == (
        "TypeError", INVALID.format(name, "Tensor, bool, keepdim=bool"))
    assert raised(lambda: fn(x, True, unbiased=True)) == (
        "TypeError", INVALID.format(name, "Tensor, bool, unbiased=bool"))
    if name in ("var", "std"):
        assert raised(lambda: getattr(x, name)(True, keepdim=False)) == (
            "TypeError", INVALID.format(name, "bool, keepdim=bool"))
    result = fn(x, False)                       # the old signature alone, as before: every element, / 4
    assert (result[0] if name.endswith("mean") else result).item() == (5.25 if name.startswith("var") else
                                                                       np.sqrt(5.25))


def test_layer_norm_checks_shape_then_kernel_then_later_parameters():
    assert raised(lambda: F.layer_norm(nn.ones(2, 4), (3,), nn.ones(4), nn.ones(4, dtype=nn.int64))) == (
        "RuntimeError", "Expected weight to be of same shape as normalized_shape, but got weight of shape [4] and "
                        "normalized_shape = [3]")
    assert raised(lambda: F.layer_norm(nn.ones(2, 4, dtype=nn.int64), (4,), nn.ones(4, dtype=nn.int64),
                                       nn.ones(4))) == (
        "NotImplementedError", "\"LayerNormKernelImpl\" not implemented for 'Long'")
    # the mixed-dtype check still comes first, the bias' mismatch still after a right shape
    assert raised(lambda: F.layer_norm(nn.ones(2, 4), (3,), nn.ones(4, dtype=nn.int64))) == (
        "RuntimeError", "mixed dtype (CPU): expect parameter to have scalar type of Float")
    assert raised(lambda: F.layer_norm(nn.ones(2, 4), (4,), nn.ones(4), nn.ones(4, dtype=nn.float64))) == (
        "RuntimeError", "expected scalar type Float but found Double")


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def test_review_grid_against_pytorch():
    torch = pytest.importorskip("torch")
    dts = ["bool", "int32", "int64", "float32", "float64"]
    calls = []
    for a in dts:
        for b in dts + ["complex64"]:
            for op in ("fmod_", "__iand__", "__imod__", "bitwise_left_shift_"):
                if a == b == "bool" and op == "bitwise_left_shift_":
                    continue            # bool << bool: still different (NumPy shifts bools as int8)
                calls.append(lambda m, f, a=a, b=b, op=op: getattr(m.tensor([1, 3]).to(getattr(m, a)), op)(
                    m.tensor([2, 0]).to(getattr(m, b))))
        for s in (True, 2, 2.5, 1j):
            calls.append(lambda m, f, a=a, s=s: m.tensor([1, 3]).to(getattr(m, a)).fmod_(s))
    for xd in ("float32", "int64", "bool"):
        for wd in (None, "float32", "int64"):
            for bd in (None, "float32", "int64", "float64"):
                for shape in ((4,), (3,)):
                    calls.append(lambda m, f, xd=xd, wd=wd, bd=bd, shape=shape: f.layer_norm(
                        m.ones(2, 4, dtype=getattr(m, xd)), shape,
                        None if wd is None else m.ones(4, dtype=getattr(m, wd)),
                        None if bd is None else m.ones(4, dtype=getattr(m, bd))))
    for name in ("var", "std", "var_mean", "std_mean"):
        for args, kw in [((False,), {"keepdim": True}), ((True,), {"unbiased": False}), ((True,), {"correction": 0}),
                         ((False,), {}), ((1,), {"keepdim": True})]:
            calls.append(lambda m, f, name=name, args=args, kw=kw: getattr(m, name)(m.ones(2, 3), *args, **kw))
    for args in [(True,), (False, True), (1.5,), (1j,), ("cpu",), (None,), ()]:
        calls.append(lambda m, f, args=args: tuple(str(v).rpartition(".")[2] for v in m._C._nn._parse_to(*args)))

    def outcome(call, lib, fn):
        try:
            r = call(lib, fn)
        except Exception as e:  # noqa: BLE001 - the point is which one
            return type(e).__name__, str(e).split("\n")[0]
        if isinstance(r, tuple) and r and not isinstance(r[0], str):
            return [(str(t.dtype).rpartition(".")[2], repr(np.asarray(t).tolist())) for t in r]
        return r if isinstance(r, tuple) else (str(r.dtype).rpartition(".")[2], repr(np.asarray(r).tolist()))
    differ = [i for i, call in enumerate(calls)
              if outcome(call, torch, torch.nn.functional) != outcome(call, nn, F)]
    assert not differ, [(outcome(calls[i], torch, torch.nn.functional), outcome(calls[i], nn, F)) for i in differ[:3]]


def test_comparisons_and_bitwise_ops_refuse_an_operand_no_signature_takes():
    x = nn.tensor([1, 2])
    for call, words in [(lambda: nn.eq(x, None), INVALID.format("eq", "Tensor, NoneType")),
                        (lambda: x.eq(None), INVALID.format("eq", "NoneType")),
                        (lambda: nn.lt(x, "a"), INVALID.format("lt", "Tensor, str")),
                        (lambda: x.ge(None), INVALID.format("ge", "NoneType")),
                        (lambda: x.bitwise_and(None), INVALID.format("bitwise_and", "NoneType")),
                        (lambda: x.bitwise_or_(None), INVALID.format("bitwise_or_", "NoneType"))]:
        assert raised(call) == ("TypeError", words)
    assert (x == None) is False and (x != None) is True            # noqa: E711 - the operators: Python's answers
    assert raised(lambda: x < None)[0] == raised(lambda: x & None)[0] == "TypeError"
    assert raised(lambda: nn.logical_and(x.bool())) == (
        "TypeError", 'logical_and() missing 1 required positional arguments: "other"')      # (PyTorch's parser)


def test_comparisons_with_none_against_pytorch():
    torch = pytest.importorskip("torch")
    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        for lib in (torch, nn):
            x = lib.tensor([1, 2])
            for call, given in [(lambda: getattr(x, name)(None), "NoneType"),
                                (lambda: getattr(lib, name)(x, "a"), "Tensor, str")]:
                kind, words = raised(call)
                assert (kind, words.split("\n")[0]) == ("TypeError", INVALID.format(name, given)), lib
