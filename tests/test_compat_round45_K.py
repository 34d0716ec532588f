"""nn against PyTorch 2.13 directly (round 45, area K): what PyTorch's argument parser refuses where nn took a value
or refused it in other words. Grids comparing nn with PyTorch 2.13 in one process (error type and first line,
result type, shape and dtype): a Fraction, Decimal, set, bytes, range, ndarray subclass and ``object()`` first to
``exp``, ``abs``, ``sum`` and ``neg`` (28 calls: 14 differed before, none after); ``exp(x=t)``, ``normal(2.0)`` and
``fft.fftfreq`` / ``fft.rfftfreq`` with a float n by position and keyword, and the five in-place index ops with a dim
of a wrong type or a float index (19 calls: all differed, none after); the ``normal`` forms with a number or tensor
mean and std, with and without size, std, dtype and generator (22 calls: 11 differed, none after); 36 of F's
activations given a number by position and by keyword (72 calls: 35 differed, 16 after); the index ops
(``index_select``, ``scatter``, ``scatter_add``, ``scatter_reduce``, ``index_add``, ``index_reduce``, ``index_copy``,
``index_fill``, ``gather``) with an index that is a float, a list or None, as method, function, in-place method and
keyword (102 calls: 93 differed, 24 after). No values are computed differently: these are refusals.

Still different (not fixed): the function forms of the index ops count their positions as the methods do
(``index_add(t, 0, 1.0, s)`` says "(position 2)" where PyTorch says "(position 3)", and an overloaded one lists its
arguments without the leading "Tensor, "), one implementation serving both; F's functions that PyTorch writes in
Python and that call a method of their input (``F.sigmoid``, ``F.tanh``, ``F.softmax``, ``F.log_softmax``, ``F.glu``,
``F.normalize``, ``F.softsign``, ``F.tanhshrink``) raise Python's AttributeError in PyTorch ("'float' object has no
attribute 'tanh'") where nn gives the parser's TypeError, as earlier rounds chose.

The failures of nn these tests pin down:

- A first argument of a type outside nn's table of Python and NumPy values (a Fraction, a Decimal, a set, bytes, a
  range, an ndarray subclass, ``object()``) reached the function: ``nn.abs`` raised AttributeError ("'Fraction'
  object has no attribute '_data'") and ``nn.neg(Fraction(1, 2))`` returned a Fraction. PyTorch refuses anything
  that is not a Tensor: "abs(): argument 'input' (position 1) must be Tensor, not Fraction".
- ``nn.exp(x=t)`` was refused ("unexpected keyword argument 'x'"); PyTorch's parser takes NumPy's ``x=`` (and
  ``a=``, ``x1=``) for a parameter named input.
- ``nn.normal(2.0)`` and ``nn.normal(2.0, 1.0)`` drew a number; PyTorch's signatures that take a number mean need a
  Tensor std or a size: "normal(): argument 'mean' (position 1) must be Tensor, not float" (one argument) and
  "normal() received an invalid combination of arguments" (more).
- ``nn.fft.fftfreq(2.0)`` raised NumPy's ValueError "n should be an integer" and ``nn.fft.rfftfreq(2.0)`` computed;
  PyTorch: "fft_fftfreq(): argument 'n' (position 1) must be int, not float".
- The in-place index ops (``x.index_add_``, ``index_copy_``, ``index_fill_``, ``index_reduce_``, ``scatter_reduce_``)
  named the out-of-place function in their parser words ("index_add(): argument 'dim' ..."); PyTorch names
  ``index_add_()``.
- An index that is no Tensor (a float, a list, None) to the index and scatter ops was nn's ValueError ("index must be
  a 0-d or 1-D integer tensor") or RuntimeError, or computed (a list); PyTorch's parser refuses it: "index_add():
  argument 'index' (position 2) must be Tensor, not float", for ``scatter`` / ``index_fill`` "received an invalid
  combination of arguments".
- F's C++ builtins given ``input=`` a number (``F.gelu``, ``F.softplus``, ``F.hardshrink``, ``F.softshrink``,
  ``F.logsigmoid``, ``F.pdist``, ``F.relu_``, ``F.elu_``, ...) named "(position 1)"; PyTorch's builtins name no
  position there. ``F.relu6`` / ``F.selu`` worded their refusal as ``hardtanh()`` / ``elu()`` and ``F.logsigmoid`` as
  ``logsigmoid()``; PyTorch says ``relu6()``, ``selu()`` and ``log_sigmoid()``.
"""
import decimal
import fractions

import numpy as np
import pytest

import nn
import nn.functional as F


def _error(call):
    with pytest.raises(Exception) as info:
        call()
    return type(info.value).__name__, str(info.value).split("\n")[0]


class _Sub(np.ndarray):
    pass


ODD_VALUES = [(fractions.Fraction(1, 2), "Fraction"), (decimal.Decimal(1), "decimal.Decimal"), ({1.0}, "set"),
              (b"ab", "bytes"), (range(3), "range"), (np.ones(3).view(_Sub), "_Sub"), (object(), "object")]


@pytest.mark.parametrize("value, words", ODD_VALUES, ids=[w for _, w in ODD_VALUES])
@pytest.mark.parametrize("name", ["abs", "neg"])
def test_odd_value_first_is_refused(name, value, words):
    assert _error(lambda: getattr(nn, name)(value)) == (
        "TypeError", f"{name}(): argument 'input' (position 1) must be Tensor, not {words}")
    assert _error(lambda: getattr(nn, name)(input=value)) == (
        "TypeError", f"{name}(): argument 'input' must be Tensor, not {words}")


def test_numpy_x_for_input():
    t = nn.tensor([0.0, 1.0], dtype=nn.float64)
    assert np.allclose(nn.exp(x=t).numpy(), np.exp([0.0, 1.0]))
    assert np.allclose(nn.sqrt(a=t).numpy(), [0.0, 1.0])
    # the input given twice: PyTorch's parser takes no alias then ("unexpected keyword argument", the first one)
    assert _error(lambda: nn.exp(t, x=t)) == ("TypeError", "exp() got an unexpected keyword argument 'x'")
    assert _error(lambda: nn.exp(x=t, input=t)) == ("TypeError", "exp() got an unexpected keyword argument 'x'")
    assert _error(lambda: nn.exp(a=t, x=t)) == ("TypeError", "exp() got an unexpected keyword argument 'a'")
    # still taken: a tensor's .data (nn's own array) and a Tensor subclass
    assert nn.abs(-t.data).tolist() == [0.0, 1.0] and nn.abs(nn.nn.Parameter(-t)).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("call, words", [
    (lambda: nn.normal(2.0), "normal(): argument 'mean' (position 1) must be Tensor, not float"),
    (lambda: nn.normal(mean=2.0), "normal(): argument 'mean' must be Tensor, not float"),
    (lambda: nn.normal(None), "normal(): argument 'mean' (position 1) must be Tensor, not NoneType"),
    (lambda: nn.normal(2.0, 1.0),
     "normal() received an invalid combination of arguments - got (float, float), but expected one of:"),
    (lambda: nn.normal(2.0, std=1.0),
     "normal() received an invalid combination of arguments - got (float, std=float), but expected one of:"),
])
def test_normal_number_mean_needs_size(call, words):
    assert _error(call) == ("TypeError", words)


def test_normal_forms_with_a_tensor_or_size():
    t = nn.ones(3, dtype=nn.float64)
    assert _error(lambda: nn.normal(2.0, dtype=nn.float64)) == (
        "TypeError", "normal() received an invalid combination of arguments - got (float, dtype=torch.dtype), but "
                     "expected one of:")
    assert nn.normal(2.0, 1.0, (3,)).shape == (3,)
    assert nn.normal(2.0, 1.0, size=(2,), dtype=nn.float64).dtype == nn.float64
    assert nn.normal(2.0, t).dtype == nn.float64 and nn.normal(mean=2.0, std=t).shape == (3,)
    assert nn.normal(t).shape == (3,) and nn.normal(t, 2.0).shape == (3,) and nn.normal(mean=t).shape == (3,)


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
def test_fftfreq_n_must_be_int(name):
    f = getattr(nn.fft, name)
    assert _error(lambda: f(2.0)) == ("TypeError", f"fft_{name}(): argument 'n' (position 1) must be int, not float")
    assert _error(lambda: f(n=2.0)) == ("TypeError", f"fft_{name}(): argument 'n' must be int, not float")
    assert _error(lambda: f(True)) == ("TypeError", f"fft_{name}(): argument 'n' (position 1) must be int, not bool")
    assert f(np.int64(4)).tolist() == f(4).tolist()


@pytest.mark.parametrize("call, words", [
    (lambda t, i: t.index_add_(0.5, i, t), "index_add_(): argument 'dim' (position 1) must be int, not float"),
    (lambda t, i: t.index_copy_(0.5, i, t), "index_copy_(): argument 'dim' (position 1) must be int, not float"),
    (lambda t, i: t.index_reduce_(0.5, i, t, "prod"),
     "index_reduce_(): argument 'dim' (position 1) must be int, not float"),
    (lambda t, i: t.scatter_reduce_(0.5, i, t, "sum"),
     "scatter_reduce_(): argument 'dim' (position 1) must be int, not float"),
    (lambda t, i: t.index_fill_(0.5, i, 1.0),
     "index_fill_() received an invalid combination of arguments - got (float, Tensor, float), but expected one of:"),
])
def test_in_place_index_ops_name_themselves(call, words):
    assert _error(lambda: call(nn.ones(3), nn.tensor([0, 1, 2]))) == ("TypeError", words)


INDEX_CALLS = [
    ("index_select", lambda t, s, i: t.index_select(0, i), lambda t, s: t.index_select(0, index=1.0)),
    ("scatter_add", lambda t, s, i: t.scatter_add(0, i, s), lambda t, s: t.scatter_add(0, index=1.0, src=s)),
    ("scatter_add_", lambda t, s, i: t.scatter_add_(0, i, s), None),
    ("scatter_reduce", lambda t, s, i: t.scatter_reduce(0, i, s, "sum"), None),
    ("scatter_reduce_", lambda t, s, i: t.scatter_reduce_(0, i, s, "sum"), None),
    ("index_add", lambda t, s, i: t.index_add(0, i, s), lambda t, s: t.index_add(0, index=1.0, source=s)),
    ("index_add_", lambda t, s, i: t.index_add_(0, i, s), None),
    ("index_reduce", lambda t, s, i: t.index_reduce(0, i, s, "prod"), None),
    ("index_copy", lambda t, s, i: t.index_copy(0, i, s), None),
    ("index_copy_", lambda t, s, i: t.index_copy_(0, i, s), None),
]


@pytest.mark.parametrize("name, call, keyword", INDEX_CALLS, ids=[c[0] for c in INDEX_CALLS])
@pytest.mark.parametrize("index, kind", [(1.0, "float"), ([0], "list"), (None, "NoneType")])
def test_index_must_be_tensor(name, call, keyword, index, kind):
    t, s = nn.ones(3), nn.ones(3)
    assert _error(lambda: call(t, s, index)) == (
        "TypeError", f"{name}(): argument 'index' (position 2) must be Tensor, not {kind}")
    if keyword is not None and kind == "float":
        assert _error(lambda: keyword(t, s)) == ("TypeError", f"{name}(): argument 'index' must be Tensor, not float")


@pytest.mark.parametrize("call, words", [
    (lambda t, s: t.scatter(0, [0], s), "scatter() received an invalid combination of arguments - got (int, list, "
                                        "Tensor), but expected one of:"),
    (lambda t, s: t.scatter_(0, 1.0, s), "scatter_() received an invalid combination of arguments - got (int, "
                                         "float, Tensor), but expected one of:"),
    (lambda t, s: t.index_fill(0, None, 1.0), "index_fill() received an invalid combination of arguments - got "
                                              "(int, NoneType, float), but expected one of:"),
    (lambda t, s: t.index_fill_(0, [0], 1.0), "index_fill_() received an invalid combination of arguments - got "
                                              "(int, list, float), but expected one of:"),
])
def test_overloaded_index_ops_refuse_as_a_whole(call, words):
    assert _error(lambda: call(nn.ones(3), nn.ones(3))) == ("TypeError", words)


def test_index_ops_take_tensors_and_arrays_only():
    t = nn.zeros(3)
    assert _error(lambda: t.index_add(0, (0,), nn.ones(1))) == (
        "TypeError", "index_add(): argument 'index' (position 2) must be Tensor, not tuple")
    assert t.index_add(0, nn.tensor([0, 2]), nn.ones(2)).tolist() == [1.0, 0.0, 1.0]
    assert t.index_fill(0, np.array([1]), 5.0).tolist() == [0.0, 5.0, 0.0]


BUILTINS = [("gelu", F.gelu), ("softplus", F.softplus), ("hardshrink", F.hardshrink), ("softshrink", F.softshrink),
            ("log_sigmoid", F.logsigmoid), ("pdist", F.pdist), ("relu_", F.relu_), ("elu_", F.elu_),
            ("leaky_relu_", F.leaky_relu_), ("hardtanh_", F.hardtanh_), ("celu_", F.celu_), ("selu_", F.selu_),
            ("rrelu_", F.rrelu_)]


@pytest.mark.parametrize("words, f", BUILTINS, ids=[w for w, _ in BUILTINS])
def test_f_builtins_keyword_input_names_no_position(words, f):
    assert _error(lambda: f(input=2.0)) == ("TypeError", f"{words}(): argument 'input' must be Tensor, not float")
    assert _error(lambda: f(2.0)) == ("TypeError", f"{words}(): argument 'input' (position 1) must be Tensor, not "
                                                   "float")


@pytest.mark.parametrize("words, f", [("relu6", F.relu6), ("selu", F.selu)])
def test_f_python_functions_name_themselves(words, f):
    for call in (lambda: f(2.0), lambda: f(input=2.0)):       # (PyTorch's Python F hands input on by position)
        assert _error(call) == ("TypeError", f"{words}(): argument 'input' (position 1) must be Tensor, not float")
    assert F.relu6(nn.tensor([-1.0, 7.0])).tolist() == [0.0, 6.0]


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF                 # noqa: PLC0415

    def outcome(call):
        try:
            r = call()
        except Exception as e:      # noqa: BLE001
            return type(e).__name__, str(e).split("\n")[0].replace("torch._C.Generator", "Generator")
        return "ok", tuple(r.shape)

    calls = [
        "M.abs(Fr)", "M.neg(Fr)", "M.abs(input=Se)", "M.exp(x=T)", "M.normal(2.0)", "M.normal(mean=2.0)",
        "M.normal(2.0, 1.0)", "M.normal(2.0, 1.0, (3,))", "M.normal(2.0, T)", "M.fft.fftfreq(2.0)",
        "M.fft.rfftfreq(n=2.0)", "T.index_add_(0.5, I, T)", "T.index_fill_(0.5, I, 1.0)", "T.index_add(0, 1.0, T)",
        "T.index_select(0, [0])", "T.scatter(0, [0], T)", "T.scatter_reduce_(0, None, T, 'sum')",
        "Fn.gelu(input=2.0)", "Fn.relu_(input=2.0)", "Fn.logsigmoid(2.0)", "Fn.relu6(2.0)", "Fn.selu(input=2.0)",
    ]
    for text in calls:
        theirs = outcome(lambda: eval(text, {"M": torch, "Fn": TF, "T": torch.ones(3), "I": torch.tensor([0, 1, 2]),
                                             "Fr": fractions.Fraction(1, 2), "Se": {1.0}}))
        ours = outcome(lambda: eval(text, {"M": nn, "Fn": F, "T": nn.ones(3), "I": nn.tensor([0, 1, 2]),
                                           "Fr": fractions.Fraction(1, 2), "Se": {1.0}}))
        assert ours == theirs, text
