"""Python numbers and keyword forms in nn's functions, against PyTorch 2.13 directly (round 45, area H; no package).

What was run: a grid over every public function of ``torch`` that nn also has, and those of ``torch.special``,
``torch.linalg``, ``torch.fft`` and ``torch.nn.functional`` (716 functions), each called with a Python float, int,
bool, complex, None, a list, a tuple, a str, a NumPy float64 scalar and a NumPy array in the first (tensor) position,
positionally and as ``input=``, on PyTorch and on nn in one process, comparing the exception type and the first line
of its words (or the results, where both compute): 14320 calls; a second grid of 148 calls (function and method
forms) of the functions with a ``dim`` given as NumPy's ``axis=`` (and ``keepdims=``) with valid arguments; and
``eye`` and the window functions with sizes of every type given by position and by keyword. Before the round, 11971
of the 14320 calls disagreed (4218 with another exception type or one side computing: ``nn.neg(2.0)`` was -2.0,
``nn.abs(2.0)`` an AttributeError); after it 3335 (595), most of the rest a multi-argument function given one number
(1632) or another keyword name (750), see below. The axis grid went from 35 of 148 to 13 (12 of them TypeErrors on
both sides in other words, the last ``Tensor.unflatten(axis=)``, which nn takes and PyTorch's Python method does
not). No value is computed differently: these are refusals and keyword forms, so there are no float64 / float32
differences to report (the axis= calls agree exactly in float64).

Still different (not fixed): a call with too few arguments and a number first (``torch.gather(2.0)``) is refused
by PyTorch's parser for the number's type before it counts the arguments; nn's Python functions count first
("missing 2 required positional arguments"); the words of an overloaded function whose one remaining signature
PyTorch prints in its first line ("addcmul() received an invalid combination of arguments - got (float), but
expected (Tensor input, ...)") are nn's "expected one of:" form; the functions of ``torch.nn.functional`` that
PyTorch writes in Python fail on a number in their own ways (``F.softsign(2)``: "'int' object has no attribute
'abs'", ``F.softmax(2.0)``: "... has no attribute 'dim'"), where nn's raise PyTorch's parser's TypeError; F's
functions still take a float NumPy array (by design); nn's linear algebra names its first parameter ``A`` where
PyTorch's parser names it ``input`` (``torch.linalg.cholesky(A=t)`` fails on PyTorch): nn now takes both.

The failures of nn these tests pin down (the package is not imported here):

- Of the functions of the top-level namespace (and ``nn.special``, ``nn.linalg``, ``nn.fft``) that take a tensor
  first, those given a Python number, None, a str, a list, a tuple, a NumPy scalar or a NumPy array raised
  AttributeError ("'float' object has no attribute '_data'"), an error in nn's own words ("flatten: input must be a
  Tensor (or float ndarray), got float"), or computed (``neg``, ``negative``, ``positive``, ``deg2rad``,
  ``rad2deg``, ``resolve_conj``, ``resolve_neg``, ``atan2(1.0, t)``, ``cartesian_prod``) where PyTorch's argument
  parser raises "abs(): argument 'input' (position 1) must be Tensor, not float"; one wrapper (``tensor_first`` in
  nn/tensor_ops/_attach.py) now refuses them, by PyTorch's name (``special_erfinv``, ``linalg_inv``, ``absolute``),
  its parser's argument name (``input`` for ``torch.det``, ``A`` for ``torch.linalg.inv``, ``x`` for
  ``special.airy_ai``), and "received an invalid combination of arguments" where several signatures fit.
- Given by keyword (``nn.exp(input=2.0)``), the words named "(position 1)": PyTorch's name no position.
- ``axis=`` for ``dim=`` was refused by ``scatter``, ``scatter_add``, ``scatter_reduce``, ``index_add``,
  ``index_copy``, ``index_fill``, ``index_reduce``, ``take_along_dim``, ``select_scatter``, ``slice_scatter`` (as
  functions and methods), which PyTorch's parser takes.
- ``eye(n=2.0)`` named "(position 1)"; ``eye(2, m=2.0)`` and ``eye(n=2, m=2.0)`` listed the keyword sizes as
  positional ones; and the parser's words named nn's dtype, device, Size, layout, memory_format and Generator
  without PyTorch's module ("got (float, dtype=torch.dtype)").
- ``F``'s functions refused a number in nn's own words ("relu: input must be a Tensor (or float ndarray), got
  float") where PyTorch says "relu(): argument 'input' (position 1) must be Tensor, not float".
- ``torch.det(input=t)``, ``torch.linalg.cholesky(input=t)``, ``torch.special.airy_ai(x=t)``: PyTorch's keyword
  for the first argument was refused ("got an unexpected keyword argument 'input'").
- The window functions (``hann_window`` ... ``kaiser_window``) raised ValueError ("hann_window: window_length must
  be a non-negative int, got 2.0") for a float, bool or None length and for a negative one, where PyTorch raises
  "hann_window(): argument 'window_length' (position 1) must be int, not float" and the RuntimeError "hann_window
  requires non-negative window_length, got window_length=-1".
"""
import inspect
import pickle

import numpy as np
import pytest

import nn
import nn.functional as F

# (function as nn binds it, PyTorch's name in its words, its parser's name for the first argument)
ONE_SIGNATURE = [
    ("abs", "abs", "input"), ("absolute", "absolute", "input"), ("neg", "neg", "input"),
    ("negative", "negative", "input"), ("positive", "positive", "input"), ("deg2rad", "deg2rad", "input"),
    ("rad2deg", "rad2deg", "input"), ("frac", "frac", "input"), ("exp", "exp", "input"), ("trace", "trace", "input"),
    ("flatten", "flatten", "input"), ("sigmoid", "sigmoid", "input"), ("square", "square", "input"),
    ("diag", "diag", "input"), ("real", "real", "input"), ("arccos", "arccos", "input"), ("numel", "numel", "input"),
    ("resolve_neg", "resolve_neg", "input"), ("zeros_like", "zeros_like", "input"), ("abs_", "abs_", "input"),
    ("det", "det", "input"), ("trapezoid", "trapezoid", "y"), ("special.erfinv", "special_erfinv", "input"),
    ("special.expit", "special_expit", "input"), ("linalg.inv", "linalg_inv", "A"),
    ("linalg.cholesky", "linalg_cholesky", "input"), ("linalg.matrix_norm", "linalg_matrix_norm", "input"),
    ("fft.fft", "fft_fft", "input"), ("fft.rfft", "fft_rfft", "input"),
]
VALUES = [(2.0, "float"), (2, "int"), (True, "bool"), (1 + 2j, "complex"), (None, "NoneType"), ([1.0], "list"),
          ((1.0,), "tuple"), ("a", "str"), (np.float64(2.0), "numpy.float64"), (np.ones(2), "numpy.ndarray")]


def _function(name):
    module, _, attr = name.rpartition(".")
    return getattr(getattr(nn, module) if module else nn, attr)


def _words(call):
    with pytest.raises(TypeError) as info:
        call()
    return str(info.value).splitlines()[0]


@pytest.mark.parametrize("name, words, arg", ONE_SIGNATURE, ids=[name for name, _, _ in ONE_SIGNATURE])
def test_a_python_value_first_is_refused_in_pytorchs_parsers_words(name, words, arg):
    fn = _function(name)
    for value, kind in VALUES:
        assert _words(lambda: fn(value)) == f"{words}(): argument '{arg}' (position 1) must be Tensor, not {kind}"
        # by keyword: no position (nn said "(position 1)")
        assert _words(lambda: fn(**{arg: value})) == f"{words}(): argument '{arg}' must be Tensor, not {kind}"


@pytest.mark.parametrize("name", ["quantile", "movedim", "clamp", "lt", "masked_fill"])
def test_overloaded_functions_refuse_a_number_first_as_an_invalid_combination(name):
    fn = getattr(nn, name)
    assert _words(lambda: fn(2.0)) == \
        f"{name}() received an invalid combination of arguments - got (float), but expected one of:"
    assert _words(lambda: fn(input=2.0)) == \
        f"{name}() received an invalid combination of arguments - got (input=float, ), but expected one of:"


def test_a_functions_own_parser_words_tell_one_signature_from_several():
    # torch.sum(True) fits one signature; with dim=0 several do
    assert _words(lambda: nn.sum(True)) == "sum(): argument 'input' (position 1) must be Tensor, not bool"
    assert _words(lambda: nn.sum(True, dim=0)) == \
        "sum() received an invalid combination of arguments - got (bool, dim=int), but expected one of:"
    assert _words(lambda: nn.mm([1.0], nn.ones(1, 1))) == \
        "mm(): argument 'input' (position 1) must be Tensor, not list"
    assert _words(lambda: nn.atan2(1.0, nn.tensor([2.0]))) == \
        "atan2(): argument 'input' (position 1) must be Tensor, not float"
    # (PyTorch's unique_consecutive, written in Python, hands its input on by position; nn raised AttributeError)
    assert _words(lambda: nn.unique_consecutive(2.0)) == \
        "unique_consecutive(): argument 'input' (position 1) must be Tensor, not float"
    # the functions with a signature taking a number first still compute
    t = nn.tensor([1.0, 2.0])
    assert nn.add(2, t).tolist() == [3.0, 4.0] and nn.sub(2, t).tolist() == [1.0, 0.0]
    assert nn.mul(2, t).tolist() == [2.0, 4.0] and nn.pow(2, t).tolist() == [2.0, 4.0]
    assert nn.bitwise_and(3, nn.tensor([1, 2])).tolist() == [1, 2]
    assert nn.isin(2, nn.tensor([1, 2])).item() is True
    assert nn.special.xlogy(2.0, nn.tensor([1.0])).tolist() == [0.0]
    # a tensor, and nn's own array (a tensor's .data), are taken as before
    assert nn.neg(t).tolist() == [-1.0, -2.0] and nn.abs(t.data).tolist() == [1.0, 2.0]


def test_pytorchs_keyword_for_a_first_argument_nn_names_otherwise():
    a = nn.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=nn.float64)
    assert nn.det(input=a).item() == pytest.approx(8.0)
    assert nn.linalg.cholesky(input=a).tolist()[0][0] == pytest.approx(2.0)
    assert nn.linalg.cholesky(A=a).tolist()[0][0] == pytest.approx(2.0)       # (nn's name still taken)
    assert nn.special.airy_ai(x=nn.tensor([0.0], dtype=nn.float64)).item() == pytest.approx(0.3550280538878172)
    # (the wrapped functions keep their names, signatures and pickle by name; the signature of a function that takes
    # out= lists it, keyword-only: PyTorch's builtins have none to inspect, and the argument parser's words for a
    # call that does not bind read it: frac(x, out=y, bogus=1) names 'bogus', as PyTorch's)
    for fn in (nn.frac, nn.absolute, nn.exp, nn.special.erfinv, nn.linalg.inv, nn.det):
        assert pickle.loads(pickle.dumps(fn)) is fn
    assert str(inspect.signature(nn.frac)) == "(input, *, out=None)" and nn.absolute.__qualname__ == "absolute"


@pytest.mark.parametrize("name", ["relu", "mish", "dropout", "elu", "hardtanh", "silu"])
def test_functional_refuses_a_number_in_pytorchs_words(name):
    assert _words(lambda: getattr(F, name)(2.0)) == f"{name}(): argument 'input' (position 1) must be Tensor, not float"


# (name, extra positional arguments, keyword arguments given as axis=, PyTorch's result)
X = [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]
AXIS_CALLS = [
    ("scatter", lambda: dict(index=nn.tensor([[1, 0, 2, 0]]), src=nn.ones(1, 4)),
     [[0.0, 1.0, 2.0, 1.0], [1.0, 5.0, 6.0, 7.0], [8.0, 9.0, 1.0, 11.0]]),
    ("scatter_add", lambda: dict(index=nn.tensor([[1, 0, 2, 0]]), src=nn.ones(1, 4)),
     [[0.0, 2.0, 2.0, 4.0], [5.0, 5.0, 6.0, 7.0], [8.0, 9.0, 11.0, 11.0]]),
    ("scatter_reduce", lambda: dict(index=nn.tensor([[1, 0, 2, 0]]), src=nn.ones(1, 4), reduce="sum"),
     [[0.0, 2.0, 2.0, 4.0], [5.0, 5.0, 6.0, 7.0], [8.0, 9.0, 11.0, 11.0]]),
    ("index_add", lambda: dict(index=nn.tensor([2]), source=nn.ones(1, 4)),
     [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [9.0, 10.0, 11.0, 12.0]]),
    ("index_copy", lambda: dict(index=nn.tensor([2]), source=nn.ones(1, 4)),
     [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [1.0, 1.0, 1.0, 1.0]]),
    ("index_fill", lambda: dict(index=nn.tensor([0]), value=-1.0),
     [[-1.0, -1.0, -1.0, -1.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]),
    ("index_reduce", lambda: dict(index=nn.tensor([1]), source=nn.full((1, 4), 2.0), reduce="prod"),
     [[0.0, 1.0, 2.0, 3.0], [8.0, 10.0, 12.0, 14.0], [8.0, 9.0, 10.0, 11.0]]),
    ("take_along_dim", lambda: dict(indices=nn.tensor([[2, 0, 1, 0]])), [[8.0, 1.0, 6.0, 3.0]]),
    ("select_scatter", lambda: dict(src=nn.zeros(4), index=1),
     [[0.0, 1.0, 2.0, 3.0], [0.0, 0.0, 0.0, 0.0], [8.0, 9.0, 10.0, 11.0]]),
    ("slice_scatter", lambda: dict(src=nn.zeros(1, 4), start=2, end=3),
     [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [0.0, 0.0, 0.0, 0.0]]),
]


@pytest.mark.parametrize("name, kwargs, expected", AXIS_CALLS, ids=[c[0] for c in AXIS_CALLS])
@pytest.mark.parametrize("form", ["function", "method"])
def test_axis_for_dim_in_the_scatter_gather_and_index_ops(name, kwargs, expected, form):
    x = nn.tensor(X)
    fn = getattr(nn, name) if form == "function" else getattr(x, name)
    args = (x,) if form == "function" else ()
    assert fn(*args, axis=0, **kwargs()).tolist() == expected
    # (the parser's int check, as for the other dims; scatter and index_fill are overloaded: no signature fits)
    words = "() received an invalid combination of arguments - got (" if name in ("scatter", "index_fill") else \
        "(): argument 'dim' must be int, not bool"
    with pytest.raises(TypeError) as info:
        fn(*args, dim=True, **kwargs())
    assert str(info.value).startswith(name + words)


def test_eye_words_a_size_given_by_keyword_as_pytorch():
    assert _words(lambda: nn.eye(n=2.0)) == "eye(): argument 'n' must be int, not float"
    assert _words(lambda: nn.eye(n=None)) == "eye(): argument 'n' must be int, not NoneType"
    assert _words(lambda: nn.eye(2.0)) == "eye(): argument 'n' (position 1) must be int, not float"
    combination = "eye() received an invalid combination of arguments - got ({}), but expected one of:"
    assert _words(lambda: nn.eye(2, m=2.0)) == combination.format("int, m=float")
    assert _words(lambda: nn.eye(n=2, m=2.0)) == combination.format("m=float, n=int, ")
    assert _words(lambda: nn.eye(m=2, n=2.0)) == combination.format("n=float, m=int, ")
    assert _words(lambda: nn.eye(2.0, dtype=nn.float64)) == combination.format("float, dtype=torch.dtype")
    assert _words(lambda: nn.eye(2, None)) == combination.format("int, NoneType")
    with pytest.raises(RuntimeError, match="^m must be greater or equal to 0, got -1$"):
        nn.eye(2, m=-1)
    assert nn.eye(n=2, m=3).shape == (2, 3) and nn.eye(3).shape == (3, 3)
    assert list(inspect.signature(nn.eye).parameters)[:2] == ["n", "m"]


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window",
                                  "kaiser_window"])
def test_window_functions_refuse_a_length_of_another_type_as_pytorchs_parser(name):
    fn = getattr(nn, name)
    for value, kind in ((2.0, "float"), (True, "bool"), (None, "NoneType")):
        # (nn: ValueError "hann_window: window_length must be a non-negative int, got 2.0")
        assert _words(lambda: fn(value)) == f"{name}(): argument 'window_length' (position 1) must be int, not {kind}"
    with pytest.raises(RuntimeError, match=f"^{name} requires non-negative window_length, got window_length=-1$"):
        fn(-1)
    assert fn(nn.tensor(3)).shape == (3,)           # (a 0-d integer tensor is an int to PyTorch's parser)


def test_parser_words_name_pytorchs_c_types_with_their_module():
    for value, words in ((nn.float64, "torch.dtype"), (nn.device("cpu"), "torch.device"), (nn.Size([1]), "torch.Size"),
                         (nn.strided, "torch.layout"), (nn.contiguous_format, "torch.memory_format")):
        assert _words(lambda: nn.exp(value)) == f"exp(): argument 'input' (position 1) must be Tensor, not {words}"


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    def first_line(call):
        try:
            call()
        except Exception as error:      # noqa: BLE001 - the type and words compared
            return type(error).__name__, str(error).splitlines()[0]
        return "ok", None

    names = [(name, arg) for name, _, arg in ONE_SIGNATURE] + [
        (name, "input") for name in ("var", "std", "clamp", "lt", "movedim", "hypot", "atan2", "maximum", "sinc",
                                     "logit", "trace", "cumsum", "softmax", "quantile", "masked_fill")]
    for name, arg in names:
        module, _, attr = name.rpartition(".")
        theirs = getattr(getattr(torch, module) if module else torch, attr)
        ours = _function(name)
        for value, _ in VALUES:
            assert first_line(lambda: ours(value)) == first_line(lambda: theirs(value)), (name, value)
            assert first_line(lambda: ours(**{arg: value})) == first_line(lambda: theirs(**{arg: value})), name
    for name in ("relu", "mish", "elu", "silu", "hardtanh"):
        assert first_line(lambda: getattr(F, name)(2.0)) == first_line(lambda: getattr(TF, name)(2.0)), name
    for name, kwargs, _ in AXIS_CALLS:
        x, tx = nn.tensor(X), torch.tensor(X)
        converted = {k: (torch.tensor(v.numpy()) if isinstance(v, nn.Tensor) else v) for k, v in kwargs().items()}
        assert getattr(nn, name)(x, axis=0, **kwargs()).tolist() == \
            getattr(torch, name)(tx, axis=0, **converted).tolist(), name
        # a dim of a wrong type: the words up to the arguments listed (whose keyword order is the parser's own)
        kind, words = first_line(lambda: getattr(x, name)(dim=True, **kwargs()))
        their_kind, their_words = first_line(lambda: getattr(tx, name)(dim=True, **converted))
        assert (kind, words.split(" - got")[0]) == (their_kind, their_words.split(" - got")[0]), name
    for name in ("hann_window", "kaiser_window"):
        for value in (2.0, True, -1):
            assert first_line(lambda: getattr(nn, name)(value)) == first_line(lambda: getattr(torch, name)(value))
    for call in ("eye(n=2.0)", "eye(2.0)", "eye(2, m=2.0)", "eye(n=2, m=2.0)", "eye(2, None)", "eye(n=True)",
                 "eye(n=-1)", "eye(2.0, dtype={}.float64)"):
        assert first_line(lambda: eval("nn." + call.format("nn"), {"nn": nn})) == \
            first_line(lambda: eval("torch." + call.format("torch"), {"torch": torch})), call
