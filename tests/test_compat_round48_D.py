"""PyTorch's ``out=`` keyword on the factories and random draws (round 48, area D), against PyTorch 2.13 directly; no
package was ported. A grid script called each function of the family on both libraries in one process, on the same
NumPy inputs: ``zeros`` (1-d and 2-d sizes), ``ones``, ``empty``, ``full`` (an int and a float fill), ``arange`` (int
and float steps), ``range``, ``linspace``, ``logspace``, ``rand``, ``randn``, ``randperm``, ``randint``, ``eye``,
``normal`` in its four forms (numbers and a size; tensor mean and std; number mean, tensor std; tensor mean, number
std), ``bernoulli``, ``multinomial``, ``empty_strided``, ``empty_permuted``, the five windows (``hann``, ``hamming``,
``blackman``, ``bartlett``, ``kaiser``), ``poisson`` and ``binomial``. Each was given outs of the eight dtypes (bool,
uint8, int32, int64, float32, float64, complex64, complex128, all empty), an out of a wrong non-empty shape, an empty
float32 one, a 2-d one of the result's element count, an out that requires grad, ``dtype=`` equal to and other than
the out's, ``requires_grad=True`` with a float64 and an int64 out, a view of a row of a larger tensor (the base must
see the values), and, for ``bernoulli`` and ``normal``, an out that is also the input: 530 calls. Compared: whether
the call computes or raises, the exception's type and first line, the returned object being the out, the out's dtype,
shape and ``requires_grad``, the warnings, and the values of the functions that draw nothing (the draws' dtypes and
shapes only; ``empty``'s values are unspecified). Before the fixes 432 calls differed; now 4 do (below). The values
written agree: the integers exactly, the floating factories' values are those of the calls without ``out=`` (earlier
rounds matched them to the bit; ``logspace`` into a complex out differs by 4e-16 relative, as it does without
``out=``). The no-out path gains one Python call: on a function that does nothing, 0.074 us plain and 0.173 us
through the ``out=`` wrapper (0.062 / 0.148 us through the windows' keyword check), min of 5 x 20,000 calls; whole
calls on a small tensor were 14.9 / 15.0 us (``zeros(3)``), 23.1 / 22.9 us (``arange(5)``) and 22.3 / 19.4 us
(``randn(3)``) before / after, noise of the shared machine larger than the difference. Random draws: with an out of
the result's dtype PyTorch draws the same numbers as without and leaves its generator in the same state, and so does
nn (whose stream is NumPy's, as before).

Still different (not fixed): ``bernoulli`` given ``dtype=`` or ``requires_grad=`` raises "bernoulli() got an
unexpected keyword argument 'dtype'" where PyTorch's parser of its two signatures says "received an invalid
combination of arguments" (the grid's 4 calls; the same without ``out=``); ``empty_strided``, ``empty_permuted``,
``poisson`` and ``binomial`` take no ``out=`` on either side. A view given as the out in a wrong shape is resized by
PyTorch in its storage (the base sees the first elements) and replaced in nn (the rule of every ``out=`` of nn).
``normal``'s tensor forms take ``dtype=`` without ``out=`` in nn (PyTorch refuses it; with ``out=`` nn refuses it
too). ``normal(mean, std: Tensor)`` into a wrong-shaped out warns of the resize in nn as ``normal(mean, std)`` of two
tensors does, where PyTorch resizes that one form silently.

The failures of nn these tests pin down (the package is not imported here):

- ``zeros``, ``ones``, ``empty``, ``full``, ``arange``, ``range``, ``linspace``, ``logspace``, ``rand``, ``randn``,
  ``randperm``, ``normal``, ``bernoulli`` and ``multinomial`` took no ``out=`` ("zeros() got an unexpected keyword
  argument 'out'"); now the result is written into the out and the out returned. The factories compute in the out's
  dtype (``linspace(0, 2, 5, out=long)`` is [0, 0, 1, 1, 2], ``full((2,), 2.5, out=long)`` [2, 2]); given another
  dtype, "dtype Double does not match dtype of out parameter (Float)"; each kernel's refusal of a dtype it has no
  form for is PyTorch's ('"check_uniform_bounds" not implemented for 'Long'', '"randperm" not implemented for
  'Bool'', '"bernoulli_tensor_cpu_self_" not implemented for 'ComplexDouble'', "multinomial expects Long tensor out,
  got: Float"). The out is resized silently (arange warns in its words when the count differs, and a range keeps an
  out of its count's shape); ``normal(mean, std: float)`` adds mean into the out unresized (PyTorch's broadcast
  error otherwise) and an out that is mean holds twice the scaled noise.
- ``requires_grad=True`` with ``out=`` on ``eye`` and ``randint`` (and the new ones) was refused as a result in a
  graph; PyTorch sets it on the out ("Only Tensors of floating point and complex dtype can require gradients" for an
  integer out). An out that requires grad is refused naming ATen's op ("aten::eye(): functions with out=...");
  ``empty`` and ``randn``: "cannot resize variables that require grad"; ``multinomial`` checks the out's dtype first.
- The windows (``hann_window``, ``hamming_window``, ``blackman_window``, ``bartlett_window``, ``kaiser_window``)
  refused ``out=`` (or any keyword they do not take) as "got an unexpected keyword argument 'out'"; PyTorch's parser
  of their overloads says "hann_window() received an invalid combination of arguments - got (int, out=Tensor), but
  expected one of:".
- ``normal`` into a complex dtype (``dtype=`` or an out) drew real numbers; PyTorch draws as ``randn`` does (the same
  numbers after the same seed), each part of variance 1/2.
- Without ``out=``: ``normal(0., 1., (3,), dtype=int64)`` drew integers (PyTorch: '"normal_kernel_cpu" not
  implemented for 'Long''); ``randperm(3, dtype=bool)`` / complex and ``range(0, 2, dtype=bool)`` / complex computed
  (PyTorch: '"randperm" not implemented for 'Bool'', '"range_cpu" not implemented for 'ComplexFloat'').
"""
import warnings

import numpy as np
import pytest

import nn
from tests.porting import raised

RESIZE_WORDS = "An output with one or more elements was resized since it had shape [7], which does not match the " \
               "required output shape [4]."


def empty(dtype=nn.float32, n=0):
    return nn.zeros(n, dtype=dtype)


# ---------------------------------------------------------------------------------------------------------------
# out= taken, the result written in the out's dtype (PyTorch 2.13's values)

P = [0.2, 0.9, 0.5, 0.7]

WRITTEN = [
    ("zeros", lambda o: nn.zeros(3, out=o), nn.int64, [0, 0, 0]),
    ("ones", lambda o: nn.ones(2, 2, out=o), nn.bool, [[True, True], [True, True]]),
    ("empty", lambda o: nn.empty(3, out=o), nn.complex128, None),
    ("full", lambda o: nn.full((2,), 2.5, out=o), nn.int64, [2, 2]),
    ("full_bool", lambda o: nn.full((2,), 2, out=o), nn.bool, [True, True]),
    ("arange", lambda o: nn.arange(3, out=o), nn.float32, [0.0, 1.0, 2.0]),
    ("arange_int32", lambda o: nn.arange(0, 2.5, 0.5, out=o), nn.int32, [0, 0, 0, 0, 0]),
    ("range", lambda o: nn.range(0, 2, out=o), nn.int64, [0, 1, 2]),
    ("linspace", lambda o: nn.linspace(0, 2, 5, out=o), nn.int64, [0, 0, 1, 1, 2]),
    ("linspace_complex", lambda o: nn.linspace(0, 2, 3, out=o), nn.complex64, [0, 1, 2]),
    ("logspace", lambda o: nn.logspace(0, 2, 5, out=o), nn.int64, [1, 3, 10, 31, 100]),
    ("randperm", lambda o: nn.randperm(4, out=o), nn.uint8, None),
    ("rand", lambda o: nn.rand(3, out=o), nn.float64, None),
    ("rand_complex", lambda o: nn.rand(2, out=o), nn.complex128, None),
    ("randn", lambda o: nn.randn(3, out=o), nn.complex128, None),
    ("normal", lambda o: nn.normal(0.0, 1.0, (3,), out=o), nn.float64, None),
    ("normal_tensors", lambda o: nn.normal(nn.tensor(P, dtype=nn.float64), nn.tensor(P, dtype=nn.float64), out=o),
     nn.float32, None),
    ("normal_tensor_std", lambda o: nn.normal(1.0, nn.tensor(P, dtype=nn.float64), out=o), nn.float32, None),
    ("bernoulli", lambda o: nn.bernoulli(nn.tensor([0.0, 1.0, 1.0, 0.0], dtype=nn.float64), out=o), nn.int8,
     [0, 1, 1, 0]),
    ("multinomial", lambda o: nn.multinomial(nn.tensor([0.0, 1.0, 0.0]), 1, out=o), nn.int64, [1]),
]


@pytest.mark.parametrize("name,call,dtype,values", WRITTEN, ids=[w[0] for w in WRITTEN])
def test_factory_writes_into_the_out_in_its_dtype(name, call, dtype, values):
    out = empty(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # (range's deprecation)
        result = call(out)
    assert result is out and out.dtype == dtype
    if values is not None:
        assert out.tolist() == values
    if name == "randperm":
        assert sorted(out.tolist()) == [0, 1, 2, 3]
    if name.startswith("rand") and name != "randperm" and name != "randn":
        data = out.numpy()
        assert np.all((data.real >= 0) & (data.real < 1))


REFUSED = [
    ("dtype_other", lambda: nn.zeros(3, dtype=nn.float64, out=empty()), "RuntimeError",
     "dtype Double does not match dtype of out parameter (Float)"),
    ("normal_dtype_other", lambda: nn.normal(0.0, 1.0, (3,), dtype=nn.float64, out=empty(nn.int64)), "RuntimeError",
     "dtype Double does not match dtype of out parameter (Long)"),
    ("randperm_dtype_other", lambda: nn.randperm(4, dtype=nn.int64, out=empty(nn.int32)), "RuntimeError",
     "dtype Long does not match dtype of out parameter (Int)"),
    ("rand_long", lambda: nn.rand(3, out=empty(nn.int64)), "NotImplementedError",
     "\"check_uniform_bounds\" not implemented for 'Long'"),
    ("randn_int", lambda: nn.randn(3, out=empty(nn.int32)), "NotImplementedError",
     "\"normal_kernel_cpu\" not implemented for 'Int'"),
    ("normal_tensor_long", lambda: nn.normal(nn.tensor(P, dtype=nn.float64), 1.0, out=empty(nn.int64, 4)),
     "NotImplementedError", "\"normal_kernel_cpu\" not implemented for 'Long'"),
    ("randperm_bool", lambda: nn.randperm(3, out=empty(nn.bool)), "NotImplementedError",
     "\"randperm\" not implemented for 'Bool'"),
    ("arange_complex", lambda: nn.arange(3, out=empty(nn.complex128)), "NotImplementedError",
     "\"arange_cpu\" not implemented for 'ComplexDouble'"),
    ("range_bool", lambda: nn.range(0, 2, out=empty(nn.bool)), "NotImplementedError",
     "\"range_cpu\" not implemented for 'Bool'"),
    ("linspace_bool", lambda: nn.linspace(0, 1, 3, out=empty(nn.bool)), "NotImplementedError",
     "\"linspace_cpu\" not implemented for 'Bool'"),
    ("full_overflow", lambda: nn.full((2,), 300, out=empty(nn.uint8)), "RuntimeError",
     "value cannot be converted to type uint8_t without overflow"),
    ("bernoulli_complex", lambda: nn.bernoulli(nn.tensor(P, dtype=nn.float64), out=empty(nn.complex128)),
     "NotImplementedError", "\"bernoulli_tensor_cpu_self_\" not implemented for 'ComplexDouble'"),
    ("multinomial_float", lambda: nn.multinomial(nn.tensor(P), 2, out=empty()), "RuntimeError",
     "multinomial expects Long tensor out, got: Float"),
    ("multinomial_int32", lambda: nn.multinomial(nn.tensor(P), 2, out=empty(nn.int32)), "RuntimeError",
     "multinomial expects Long tensor out, got: Int"),
    ("normal_tensor_dtype", lambda: nn.normal(nn.tensor(P), 1.0, out=empty(), dtype=nn.float32), "TypeError",
     "normal() received an invalid combination of arguments - got (Tensor, float, dtype=torch.dtype, out=Tensor), "
     "but expected one of:"),
]


@pytest.mark.parametrize("name,call,error,words", REFUSED, ids=[r[0] for r in REFUSED])
def test_factory_out_refusals_in_pytorchs_words(name, call, error, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # (range's deprecation)
        kind, message = raised(call)
    assert (kind, message.split("\n")[0]) == (error, words)


GRAD_OUT = [
    ("zeros", lambda o: nn.zeros(3, out=o), "aten::zeros(): functions with out=... arguments don't support automatic "
                                            "differentiation, but one of the arguments requires grad."),
    ("eye", lambda o: nn.eye(3, out=o), "aten::eye(): functions with out=... arguments don't support automatic "
                                        "differentiation, but one of the arguments requires grad."),
    ("arange", lambda o: nn.arange(3, out=o), "aten::arange(): functions with out=... arguments don't support "
                                              "automatic differentiation, but one of the arguments requires grad."),
    ("normal_tensor", lambda o: nn.normal(nn.tensor(P, dtype=nn.float64), 1.0, out=o),
     "normal(): functions with out=... arguments don't support automatic differentiation, but one of the arguments "
     "requires grad."),
    ("empty", lambda o: nn.empty(3, out=o), "cannot resize variables that require grad"),
    ("randn", lambda o: nn.randn(3, out=o), "cannot resize variables that require grad"),
    ("multinomial", lambda o: nn.multinomial(nn.tensor(P), 2, out=o), "multinomial expects Long tensor out, got: "
                                                                      "Double"),
]


@pytest.mark.parametrize("name,call,words", GRAD_OUT, ids=[g[0] for g in GRAD_OUT])
def test_an_out_that_requires_grad_is_refused(name, call, words):
    out = nn.zeros(4 if name == "normal_tensor" else 3, dtype=nn.float64, requires_grad=True)
    assert raised(lambda: call(out)) == ("RuntimeError", words)
    with nn.no_grad():
        if name in ("empty", "randn"):      # (their out= forms resize the out first, in any grad mode)
            assert raised(lambda: call(out)) == ("RuntimeError", words)
        elif name != "multinomial":         # (outside a graph it is written, as PyTorch's)
            assert call(out) is out
            # (a factory sets the out's flag to its requires_grad=, False when not given; a sampler leaves it)
            assert out.requires_grad == name.startswith(("normal_tensor", "bernoulli"))


@pytest.mark.parametrize("call", [lambda o: nn.ones(3, out=o, requires_grad=True),
                                  lambda o: nn.eye(2, out=o, requires_grad=True),
                                  lambda o: nn.randint(3, (2,), out=o, requires_grad=True),
                                  lambda o: nn.linspace(0, 1, 3, out=o, requires_grad=True),
                                  lambda o: nn.rand(3, out=o, requires_grad=True)],
                         ids=["ones", "eye", "randint", "linspace", "rand"])
def test_requires_grad_is_set_on_the_out(call):
    out = empty(nn.float64)
    assert call(out) is out
    assert out.requires_grad and out.is_leaf and out.grad_fn is None
    assert raised(lambda: call(empty(nn.int64))) in (
        ("RuntimeError", "Only Tensors of floating point and complex dtype can require gradients"),
        ("NotImplementedError", "\"check_uniform_bounds\" not implemented for 'Long'"))     # (rand's kernel first)


def test_resizing_the_out():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # the factories and samplers resize an out of another shape silently
        assert nn.zeros(3, out=empty(n=5)).shape == (3,)
        assert nn.zeros(3, out=nn.zeros(1, 3)).shape == (3,)
        assert nn.bernoulli(nn.tensor(P), out=nn.zeros(2, 2)).shape == (4,)
        assert nn.multinomial(nn.tensor(P), 2, out=empty(nn.int64, 5)).shape == (2,)
        # a range keeps an out of its count, whatever its shape
        assert nn.arange(3, out=nn.zeros(1, 3)).tolist() == [[0.0, 1.0, 2.0]]
        assert nn.linspace(0, 1, 3, out=nn.zeros(3, 1)).tolist() == [[0.0], [0.5], [1.0]]
        assert not caught
        # arange warns in its words when the count differs
        assert nn.arange(3, out=empty(n=5)).tolist() == [0.0, 1.0, 2.0]
        # normal of two tensors: the deprecation warning of any out= op
        assert nn.normal(nn.tensor(P), nn.tensor(P), out=empty(n=7)).shape == (4,)
    assert [str(w.message) for w in caught][0] == (
        "The number of elements in the out tensor of shape [5] is 5 which does not match the computed number of "
        "elements 3. Note that this may occur as a result of rounding error. The out tensor will be resized to a "
        "tensor of shape (3,). (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
        "RangeFactories.cpp:199.)")
    assert str(caught[1].message).startswith(RESIZE_WORDS)
    assert all(w.filename == __file__ for w in caught)
    # normal(mean, std: float) adds mean into the out in place: no resize
    assert raised(lambda: nn.normal(nn.tensor(P), 1.0, out=empty())) == (
        "ShapeError", "The size of tensor a (4) must match the size of tensor b (0) at non-singleton dimension 0")
    assert nn.normal(nn.tensor([2.0]), 0.0, out=empty(n=3)).tolist() == [2.0, 2.0, 2.0]


def test_a_view_as_the_out_is_written_in_place():
    base = nn.zeros(2, 4)
    row = base[1]
    assert nn.arange(4, out=row) is row
    assert base.tolist() == [[0.0] * 4, [0.0, 1.0, 2.0, 3.0]]
    base = nn.zeros(2, 4)
    column = base[:, 1]
    assert nn.ones(2, out=column) is column
    assert base.tolist() == [[0.0, 1.0, 0.0, 0.0]] * 2


def test_normal_into_its_own_mean():
    # PyTorch draws the noise into the out, scales it and adds mean (now that noise): 2 std noise
    y = nn.tensor(P, dtype=nn.float64)
    assert nn.normal(y, 0.0, out=y) is y and y.tolist() == [0.0] * 4
    y = nn.tensor(P, dtype=nn.float64)
    assert nn.normal(y, y * 0, out=y) is y and y.tolist() == [0.0] * 4
    nn.manual_seed(3)
    noise = nn.normal(nn.zeros(4, dtype=nn.float64), 0.5)
    nn.manual_seed(3)
    y = nn.tensor(P, dtype=nn.float64)
    nn.normal(y, 0.5, out=y)
    np.testing.assert_allclose(y.numpy(), 2 * noise.numpy(), rtol=1e-15)


@pytest.mark.parametrize("draw", [lambda **k: nn.rand(3, **k), lambda **k: nn.randn(3, **k),
                                  lambda **k: nn.randperm(5, **k), lambda **k: nn.normal(0.0, 1.0, (3,), **k),
                                  lambda **k: nn.bernoulli(nn.tensor(P), **k),
                                  lambda **k: nn.multinomial(nn.tensor(P), 2, **k)],
                         ids=["rand", "randn", "randperm", "normal", "bernoulli", "multinomial"])
def test_out_draws_the_same_numbers_as_without(draw):
    nn.manual_seed(0)
    a = draw()
    after_a = nn.rand(2)
    nn.manual_seed(0)
    b = draw(out=nn.zeros(0, dtype=a.dtype))
    after_b = nn.rand(2)
    assert a.tolist() == b.tolist() and after_a.tolist() == after_b.tolist()


@pytest.mark.parametrize("call", [lambda: nn.normal(0.0, 1.0, (3,), dtype=nn.complex128),
                                  lambda: nn.normal(0.0, 1.0, (3,), out=empty(nn.complex128)),
                                  lambda: nn.normal(nn.zeros(3, dtype=nn.float64), 1.0, out=empty(nn.complex128, 3))],
                         ids=["dtype", "out", "tensor_mean_out"])
def test_a_complex_normal_draws_as_randn(call):
    # PyTorch 2.13: after manual_seed(0), normal(0., 1., (3,), dtype=complex128) is randn(3, dtype=complex128),
    # [1.0896-0.2075j, -1.5406+0.4019j, -0.7669-0.9890j]: each part of variance 1/2
    nn.manual_seed(0)
    want = nn.randn(3, dtype=nn.complex128)
    nn.manual_seed(0)
    got = call()
    assert got.dtype == nn.complex128 and got.tolist() == want.tolist() and np.all(got.numpy().imag != 0)


@pytest.mark.parametrize("call,words", [
    (lambda: nn.normal(0.0, 1.0, (3,), dtype=nn.int64), "\"normal_kernel_cpu\" not implemented for 'Long'"),
    (lambda: nn.randperm(3, dtype=nn.bool), "\"randperm\" not implemented for 'Bool'"),
    (lambda: nn.randperm(3, dtype=nn.complex128), "\"randperm\" not implemented for 'ComplexDouble'"),
    (lambda: nn.range(0, 2, dtype=nn.complex64), "\"range_cpu\" not implemented for 'ComplexFloat'"),
], ids=["normal_long", "randperm_bool", "randperm_complex", "range_complex"])
def test_kernels_without_a_dtype_form_refuse_it(call, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert raised(call) == ("NotImplementedError", words)


@pytest.mark.parametrize("name,call,got", [
    ("hann_window", lambda: nn.hann_window(3, out=empty()), "int, out=Tensor"),
    ("bartlett_window", lambda: nn.bartlett_window(3, False, out=empty()), "int, bool, out=Tensor"),
    ("kaiser_window", lambda: nn.kaiser_window(3, True, 2.0, out=empty()), "int, bool, float, out=Tensor"),
    ("hamming_window", lambda: nn.hamming_window(window_length=3, out=empty()), "out=Tensor, window_length=int, "),
    ("blackman_window", lambda: nn.blackman_window(3, foo=1), "int, foo=int"),
], ids=["hann", "bartlett", "kaiser", "hamming_keyword", "blackman_unknown"])
def test_the_windows_take_no_out_in_their_parsers_words(name, call, got):
    assert raised(call) == ("TypeError", f"{name}() received an invalid combination of arguments - got ({got}), but "
                                         f"expected one of:")


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself: a small grid

def test_grid_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([0.2, 0.9, 0.5, 0.7])
    calls = {
        "zeros": lambda m, T, **k: m.zeros(2, 3, **k), "ones": lambda m, T, **k: m.ones(3, **k),
        "full": lambda m, T, **k: m.full((3,), 2.5, **k), "arange": lambda m, T, **k: m.arange(0, 1.5, 0.5, **k),
        "range": lambda m, T, **k: m.range(0, 2, **k), "linspace": lambda m, T, **k: m.linspace(0, 2, 5, **k),
        "logspace": lambda m, T, **k: m.logspace(0, 2, 5, **k), "eye": lambda m, T, **k: m.eye(2, **k),
        "rand": lambda m, T, **k: m.rand(3, **k), "randn": lambda m, T, **k: m.randn(3, **k),
        "randperm": lambda m, T, **k: m.randperm(4, **k), "normal": lambda m, T, **k: m.normal(0.0, 1.0, (3,), **k),
        "normal_t": lambda m, T, **k: m.normal(T(x), 1.0, **k), "bernoulli": lambda m, T, **k: m.bernoulli(T(x), **k),
        "multinomial": lambda m, T, **k: m.multinomial(T(x), 2, **k), "empty": lambda m, T, **k: m.empty(3, **k),
        "hann_window": lambda m, T, **k: m.hann_window(3, **k),
        "kaiser_window": lambda m, T, **k: m.kaiser_window(3, **k),
        "empty_strided": lambda m, T, **k: m.empty_strided((3,), (1,), **k),
        "poisson": lambda m, T, **k: m.poisson(T(x), **k),
    }
    drawn = {"rand", "randn", "randperm", "normal", "normal_t", "bernoulli", "multinomial", "empty"}

    def outs(m):
        for s in ("bool", "uint8", "int64", "float32", "float64", "complex128"):
            yield lambda s=s: m.zeros(0, dtype=getattr(m, s)), {}
        yield lambda: m.zeros(4, dtype=m.float64), {}
        yield lambda: m.zeros(3, dtype=m.float64, requires_grad=True), {}
        yield lambda: m.zeros(0, dtype=m.float32), {"dtype": m.float64}
        yield lambda: m.zeros(0, dtype=m.float64), {"requires_grad": True}

    def run(m, T, call, make, kwargs):
        out = make()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                r = call(m, T, out=out, **kwargs)
                got = (r is out, str(r.dtype).split(".")[-1], tuple(r.shape), r.requires_grad,
                       np.array(r.detach().tolist()))
            except Exception as e:  # noqa: BLE001
                got = (type(e).__name__.replace("ShapeError", "RuntimeError"), str(e).split("\n")[0])
        return got, [str(w.message)[:40] for w in caught if "range is deprecated" not in str(w.message)]

    for name, call in calls.items():
        for (mt, kt), (mn, kn) in zip(outs(torch), outs(nn)):
            if name == "bernoulli" and kt:      # (its parser's words for a keyword it does not take: not nn's)
                continue
            (t, tw), (n, nw) = run(torch, lambda a: torch.tensor(a), call, mt, kt), run(nn, nn.tensor, call, mn, kn)
            assert tw == nw, name
            assert len(t) == len(n) and t[:4] == n[:4], (name, t, n)
            if len(t) == 5 and name not in drawn:
                np.testing.assert_allclose(t[4], n[4], rtol=1e-15)   # (complex logspace: 4e-16, as before)
