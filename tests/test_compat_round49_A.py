"""How Tensor methods and top-level functions read, and refuse, their arguments: PyTorch 2.13's argument parser,
against PyTorch directly (round 49, area A; no package). A grid script called every public Tensor method and every
top-level function that torch and nn share (501 methods and 513 functions: the intersections of dir(torch.Tensor) /
dir(nn.Tensor) and dir(torch) / dir(nn), without the global setters, the loaders and the types) on a 3 x 4 float64
tensor, side by side in one process: with no argument beyond the tensor; with one argument of each wrong type
(None, 1.5, 'a', (1.5, 2.5), [1, 2.5], True) first and, after an int 0, second; the first parameter (PyTorch's
name, from its stubs) given by position and by keyword; that parameter given None or 1.5 by keyword; and an unknown
keyword. Each call compared whether it computes or raises, and the exception's type and first line. Of 13,776
calls, 8,669 differed before and 6,945 differ now (6,960 of 14,112 with the functions added meanwhile); by form,
before / after: no argument 461 / 116, an unknown keyword 750 / 385, an argument given twice 479 / 304, a wrong
type 6,979 / 6,140. No value is computed differently, so there are no numerical differences to report, except
fftn / ifftn / fft2 / ifft2 with dim=(), which now return PyTorch's complex copy of the input (equal to it exactly,
in float64 and float32).

Still different (not fixed), by how often the grid meets them: a method that takes no argument given one
(x.abs(None): PyTorch's "abs() takes 0 positional arguments but 1 was given", Python's "abs() takes 1 positional
argument but 2 were given" in nn; about 2,000 calls) or a keyword ("Tensor.abs() takes no keyword arguments"; 161):
those methods are left unwrapped, to keep x.sum(), x.relu() and the other plain calls as fast as before. Wrong
types of the other arguments (1,146 method calls, 1,409 function calls): each function's own check words them,
often in nn's words ("adaptive_avg_pool1d: output_size must be an int, got None"); the shape and indexing methods'
ones agree. Function forms outside the Tensor-first wrapper (torch.add, torch.conv1d, ...) keep Python's words for
a missing argument, and PyTorch's signatures shown in one line ("add() ... but expected (Tensor input, Tensor
other, *, Number alpha = 1, Tensor out = None)") are not written for the functions. A required argument given
twice with a wrong type is refused for its type by PyTorch first (x.allclose(0, other=0): "argument 'other'
(position 1) must be Tensor, not int"); nn names the duplicate. Names nn gives its parameters otherwise are named
so in the words (cholesky_solve's "L" where PyTorch says "input2", dot's "other" for "tensor").

The failures of nn these tests pin down (the package is not imported here):

- ``x.permute()``, ``x.reshape()``, ``x.expand()``, ``x.broadcast_to()``, ``x.tile()`` and ``x.repeat(bogus=1)``
  computed (tile returned the input, reshape and expand of a tensor whose shape fits none) or raised nn's errors
  (permute's ShapeError naming "sparse_coo"); PyTorch's parser says 'permute() missing 1 required positional
  arguments: "dims"', and ``x.view()`` "view() received an invalid combination of arguments - got (), but expected
  one of:".
- Their sizes of a wrong type were nn's "a size must be an int (or an integer tensor with one element), got None";
  PyTorch's words are "permute(): argument 'dims' (position 1) must be tuple of ints, not NoneType", and
  "permute() takes 1 positional argument but 2 were given" for a first size that is no int among several; view's
  name its own argument ("view(): argument 'size' failed to unpack the object at pos 2 ...", not reshape's).
- Sizes given both ways (``x.permute(1, 0, dims=(1, 0))``) were taken from the keyword; a keyword int
  (``x.permute(dims=1)``) was one dim; an unknown keyword named the function (``_broadcast_to_method()``).
- ``torch.permute(x, 1, 0)``, ``torch.reshape(x, 2, 6)`` and ``torch.tile(x, 2, 1)`` computed; PyTorch's function
  forms take one tuple ("permute() takes 2 positional arguments but 3 were given") and count the tensor in the
  position ("reshape(): argument 'shape' (position 2) must be tuple of ints, not NoneType").
- A keyword tuple whose first element is no int named the element ("flip(): argument 'dims' must be tuple of ints,
  but found element of type float at pos 0"); PyTorch names the container: "... must be tuple of ints, not tuple".
- A Tensor method called with arguments that do not bind spoke Python's words ("gather() missing 2 required
  positional arguments: 'dim' and 'index'", "gather() got multiple values for argument 'dim'"); PyTorch's parser
  reads them in order: 'gather() missing 2 required positional argument: "dim", "index"' (its plural as it has
  it), too many ("masked_select() takes 1 positional argument but 2 were given", the tensor uncounted), a missing
  one before a duplicate or an unknown keyword, "received an invalid combination of arguments" for an overloaded
  method (``x.masked_fill()``, with add's one shown signature "but expected (Tensor other, *, Number alpha = 1)"),
  and Python's own words with "Tensor." for its methods written in Python (``x.unflatten()``). The function forms
  through the Tensor-first wrapper (``torch.gather(x)``, ``torch.narrow(x)``) likewise.
- ``fft.fftn(x, dim=())`` (and ifftn, fft2, ifft2) raised "fftn must transform at least one axis"; PyTorch returns
  a complex copy of x (the real-to-complex transforms still refuse, as PyTorch's).
"""
import numpy as np
import pytest

import nn


def _x():
    return nn.tensor(np.arange(12.0).reshape(3, 4), dtype=nn.float64)


def _raises(call, kind, words):
    with pytest.raises(kind) as info:
        call()
    assert str(info.value).split("\n")[0] == words


# (call, PyTorch 2.13's exception type, first line of its words)
SIZES_METHODS = [
    (lambda x: x.permute(), TypeError, 'permute() missing 1 required positional arguments: "dims"'),
    (lambda x: x.reshape(), TypeError, 'reshape() missing 1 required positional arguments: "shape"'),
    (lambda x: x.expand(), TypeError, 'expand() missing 1 required positional arguments: "size"'),
    (lambda x: x.tile(), TypeError, 'tile() missing 1 required positional arguments: "dims"'),
    (lambda x: x.broadcast_to(), TypeError, 'broadcast_to() missing 1 required positional arguments: "size"'),
    (lambda x: x.view(), TypeError,
     "view() received an invalid combination of arguments - got (), but expected one of:"),
    (lambda x: x.permute(bogus=1), TypeError, 'permute() missing 1 required positional arguments: "dims"'),
    (lambda x: x.repeat(bogus=1), TypeError, 'repeat() missing 1 required positional arguments: "repeats"'),
    (lambda x: x.broadcast_to(size=(3, 4), bogus=2), TypeError,
     "broadcast_to() got an unexpected keyword argument 'bogus'"),
    (lambda x: x.permute(1, 0, dims=(1, 0)), TypeError, "permute() got multiple values for argument 'dims'"),
    (lambda x: x.reshape(2, 6, shape=(6, 2)), TypeError, "reshape() got multiple values for argument 'shape'"),
    (lambda x: x.tile(1, dims=(2,)), TypeError, "tile() got multiple values for argument 'dims'"),
    (lambda x: x.view(2, 6, size=(6, 2)), TypeError,
     "view() received an invalid combination of arguments - got (int, int, size=tuple), but expected one of:"),
    (lambda x: x.view(2, 6, dtype=nn.int32), TypeError,
     "view() received an invalid combination of arguments - got (int, int, dtype=torch.dtype), but expected one of:"),
    (lambda x: x.view(dtype=1.5), TypeError,
     "view() received an invalid combination of arguments - got (dtype=float, ), but expected one of:"),
    (lambda x: x.permute(None), TypeError,
     "permute(): argument 'dims' (position 1) must be tuple of ints, not NoneType"),
    (lambda x: x.expand(1.5), TypeError, "expand(): argument 'size' (position 1) must be tuple of ints, not float"),
    (lambda x: x.tile("a"), TypeError, "tile(): argument 'dims' (position 1) must be tuple of ints, not str"),
    (lambda x: x.permute((1.5, 2.5)), TypeError,
     "permute(): argument 'dims' (position 1) must be tuple of ints, but found element of type float at pos 0"),
    (lambda x: x.expand([1, 2.5]), TypeError, "expand(): argument 'size' failed to unpack the object at pos 2 with "
                                              "error \"type must be tuple of ints,but got float\""),
    (lambda x: x.broadcast_to(True), TypeError,
     "broadcast_to(): argument 'size' (position 1) must be tuple of ints, not bool"),
    (lambda x: x.permute(2.5, 1), TypeError, "permute() takes 1 positional argument but 2 were given"),
    (lambda x: x.reshape(2.5, 1), TypeError, "reshape() takes 1 positional argument but 2 were given"),
    (lambda x: x.view(2, 1.5), TypeError, "view(): argument 'size' failed to unpack the object at pos 2 with error "
                                          "\"type must be tuple of ints,but got float\""),
    (lambda x: x.view(2.5, 1), TypeError,
     "view() received an invalid combination of arguments - got (float, int), but expected one of:"),
    (lambda x: x.permute(dims=1), TypeError, "permute(): argument 'dims' must be tuple of ints, not int"),
    (lambda x: x.reshape(shape=None), TypeError, "reshape(): argument 'shape' must be tuple of ints, not NoneType"),
    (lambda x: x.expand(size=(2.5, 3)), TypeError, "expand(): argument 'size' must be tuple of ints, not tuple"),
    (lambda x: x.permute(dims=(0, 1.5)), TypeError, "permute(): argument 'dims' failed to unpack the object at pos 2 "
                                                    "with error \"type must be tuple of ints,but got float\""),
    (lambda x: x.view(size=None), TypeError,
     "view() received an invalid combination of arguments - got (size=NoneType, ), but expected one of:"),
]


@pytest.mark.parametrize("case", range(len(SIZES_METHODS)))
def test_the_sizes_methods_read_their_arguments_as_pytorchs_parser(case):
    call, kind, words = SIZES_METHODS[case]
    _raises(lambda: call(_x()), kind, words)


def test_the_sizes_methods_still_take_what_pytorch_takes():
    x = _x()
    assert x.permute(dims=(1, 0)).shape == (4, 3) and x.permute([1, 0]).shape == (4, 3)
    assert x.reshape(shape=[4, 3]).shape == (4, 3) and x.view(size=(2, 6)).shape == (2, 6)
    assert x.view(nn.int64).dtype == nn.int64 and x.view(dtype=nn.int64).shape == (3, 4)
    assert x.expand(size=(2, 3, 4)).shape == (2, 3, 4) and x.tile(dims=(2,)).shape == (3, 8)
    assert x.repeat(repeats=(1, 2)).shape == (3, 8) and x.broadcast_to(2, 3, 4).shape == (2, 3, 4)
    assert x.reshape(2, 6, True).shape == (2, 6, 1)       # (a bool after the first size is an index: 1)
    # a 0-d tensor's empty shape, by a tuple (nn's own code gives it so: a 0-d permute's backward, jacobian)
    s = nn.tensor(2.0, requires_grad=True)
    (s.permute(()) * 3).backward()
    assert float(s.grad) == 3.0
    assert nn.autograd.functional.jacobian(lambda a: a * 2, s).shape == ()
    assert nn.movedim(s, 0, 0).shape == () and s.t().shape == ()
    # what was already so, kept: the function forms compute with one tuple (a Size too) and name an unknown keyword
    # once the sizes are given; a tuple of no ints by position names its element; a TypeError raised within a method
    # whose arguments bind is its own
    assert nn.permute(x, (1, 0)).shape == (4, 3) and nn.reshape(x, [6, 2]).shape == (6, 2)
    assert nn.reshape(x, x.T.shape).shape == (4, 3) and nn.reshape(x, shape=(12,)).shape == (12,)
    assert nn.tile(x, (2,)).shape == (3, 8) and nn.broadcast_to(nn.ones(4), (3, 4)).shape == (3, 4)
    _raises(lambda: nn.broadcast_to(x, 3, 4), TypeError, "broadcast_to() takes 2 positional arguments but 3 were given")
    _raises(lambda: nn.reshape(x, (2, 6), bogus=1), TypeError, "reshape() got an unexpected keyword argument 'bogus'")
    _raises(lambda: x.permute(1, 0, bogus=1), TypeError, "permute() got an unexpected keyword argument 'bogus'")
    _raises(lambda: x.flip((1.5,)), TypeError,
            "flip(): argument 'dims' (position 1) must be tuple of ints, but found element of type float at pos 0")
    _raises(lambda: x.index_select(1, nn.zeros(2, dtype=nn.int64), bogus=1), TypeError,
            "index_select() got an unexpected keyword argument 'bogus'")
    _raises(lambda: nn.masked_select(x, x > 5, 1), TypeError,
            "masked_select() takes 2 positional arguments but 3 were given")
    _raises(lambda: x.gather(1, None), TypeError,
            "gather(): argument 'index' (position 2) must be Tensor, not NoneType")
    assert x.gather(1, nn.zeros(3, 1, dtype=nn.int64)).shape == (3, 1)


FUNCTIONS = [
    (lambda x: nn.permute(x, 1, 0), TypeError, "permute() takes 2 positional arguments but 3 were given"),
    (lambda x: nn.reshape(x, 2, 6), TypeError, "reshape() takes 2 positional arguments but 3 were given"),
    (lambda x: nn.tile(x, 2, 1), TypeError, "tile() takes 2 positional arguments but 3 were given"),
    (lambda x: nn.permute(x, 1), TypeError, "permute(): argument 'dims' (position 2) must be tuple of ints, not int"),
    (lambda x: nn.reshape(x, None), TypeError,
     "reshape(): argument 'shape' (position 2) must be tuple of ints, not NoneType"),
    (lambda x: nn.broadcast_to(x, None), TypeError,
     "broadcast_to(): argument 'size' (position 2) must be tuple of ints, not NoneType"),
    (lambda x: nn.tile(x, (1.5,)), TypeError,
     "tile(): argument 'dims' (position 2) must be tuple of ints, but found element of type float at pos 0"),
    (lambda x: nn.tile(x), TypeError, 'tile() missing 1 required positional arguments: "dims"'),
    (lambda x: nn.permute(x, bogus=1), TypeError, 'permute() missing 1 required positional arguments: "dims"'),
]


@pytest.mark.parametrize("case", range(len(FUNCTIONS)))
def test_the_sizes_functions_take_one_tuple_as_pytorchs(case):
    call, kind, words = FUNCTIONS[case]
    _raises(lambda: call(_x()), kind, words)


KEYWORD_TUPLES = [
    (lambda x: x.flip(dims=(1.5,)), "flip(): argument 'dims' must be tuple of ints, not tuple"),
    (lambda x: x.flip(dims=[1.5]), "flip(): argument 'dims' must be tuple of ints, not list"),
    (lambda x: x.roll(1, dims=(1.5,)), "roll(): argument 'dims' must be tuple of ints, not tuple"),
    (lambda x: x.amax(dim=(1.5,)), "amax(): argument 'dim' must be tuple of ints, not tuple"),
]


@pytest.mark.parametrize("case", range(len(KEYWORD_TUPLES)))
def test_a_keyword_tuple_of_no_ints_names_the_container(case):
    call, words = KEYWORD_TUPLES[case]
    _raises(lambda: call(_x()), TypeError, words)


BINDING = [
    (lambda x, i, m: x.gather(), 'gather() missing 2 required positional argument: "dim", "index"'),
    (lambda x, i, m: x.gather(1), 'gather() missing 1 required positional arguments: "index"'),
    (lambda x, i, m: x.gather(1, dim=1), 'gather() missing 1 required positional arguments: "index"'),
    (lambda x, i, m: x.gather(index=i), 'gather() missing 2 required positional argument: "dim", "index"'),
    (lambda x, i, m: x.index_add(0), 'index_add() missing 2 required positional argument: "index", "source"'),
    (lambda x, i, m: x.select(0), 'select() missing 1 required positional arguments: "index"'),
    (lambda x, i, m: x.transpose(0, dim0=0), 'transpose() missing 1 required positional arguments: "dim1"'),
    (lambda x, i, m: x.masked_select(m, 1), "masked_select() takes 1 positional argument but 2 were given"),
    (lambda x, i, m: x.masked_fill(), "masked_fill() received an invalid combination of arguments - got (), but "
                                      "expected one of:"),
    (lambda x, i, m: x.scatter(1, dim=1), "scatter() received an invalid combination of arguments - got (int, "
                                          "dim=int), but expected one of:"),
    (lambda x, i, m: x.add(), "add() received an invalid combination of arguments - got (), but expected (Tensor "
                              "other, *, Number alpha = 1)"),
    (lambda x, i, m: x.eq(), "eq() received an invalid combination of arguments - got (), but expected one of:"),
    (lambda x, i, m: x.unflatten(), "Tensor.unflatten() missing 2 required positional arguments: 'dim' and 'sizes'"),
    (lambda x, i, m: x.take_along_dim(), 'take_along_dim() missing 1 required positional arguments: "indices"'),
    (lambda x, i, m: x.kthvalue(), 'kthvalue() missing 1 required positional arguments: "k"'),
    # the function forms (through the Tensor-first wrapper): the tensor counted
    (lambda x, i, m: nn.gather(x), 'gather() missing 2 required positional argument: "dim", "index"'),
    (lambda x, i, m: nn.narrow(x), "narrow() received an invalid combination of arguments - got (Tensor), but "
                                   "expected one of:"),
]


@pytest.mark.parametrize("case", range(len(BINDING)))
def test_arguments_that_do_not_bind_are_refused_in_the_parsers_words(case):
    x = _x()
    i = nn.zeros(3, 4, dtype=nn.int64)
    m = x > 5
    _raises(lambda: BINDING[case][0](x, i, m), TypeError, BINDING[case][1])


def test_fftn_over_no_dims_is_a_complex_copy():
    # PyTorch 2.13: torch.fft.fftn(x, dim=()) of float64 x is x as complex128, a new tensor, differentiable
    for name in ("fftn", "ifftn", "fft2"):
        x = nn.tensor([[1.0, -2.0, 0.5]], dtype=nn.float64, requires_grad=True)
        y = getattr(nn.fft, name)(x, dim=())
        assert y.dtype == nn.complex128 and y.shape == (1, 3)
        np.testing.assert_array_equal(y.detach().numpy(), np.array([[1.0, -2.0, 0.5]], dtype=np.complex128))
        y.real.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.ones((1, 3)))
    assert nn.fft.fftn(nn.ones(2, dtype=nn.int64), dim=[]).dtype == nn.complex64
    assert nn.fft.ifftn(nn.ones(2, dtype=nn.float32), dim=()).dtype == nn.complex64
    _raises(lambda: nn.fft.fftn(nn.ones(2), dim=(), norm="bad"), RuntimeError, 'Invalid normalization mode: "bad"')
    _raises(lambda: nn.fft.rfftn(nn.ones(2), dim=()), RuntimeError, "rfftn must transform at least one axis")


def _first_line_with(lib, call, *args):
    """What call(*args) gives with the module name nn bound to lib (torch or nn) in the call's globals."""
    globals_ = call.__globals__
    saved = globals_["nn"]
    globals_["nn"] = lib
    try:
        call(*args)
        return "computed"
    except TypeError as error:
        return str(error).split("\n")[0]
    finally:
        globals_["nn"] = saved


def test_the_same_refusals_as_pytorch():
    torch = pytest.importorskip("torch")
    cases = ([c for c, _, _ in SIZES_METHODS] + [c for c, _, _ in FUNCTIONS] + [c for c, _ in KEYWORD_TUPLES])
    for call in cases:
        got = [_first_line_with(lib, call, lib.tensor(np.arange(12.0).reshape(3, 4), dtype=lib.float64))
               for lib in (torch, nn)]
        assert got[0] == got[1]
    for call, _ in BINDING:
        got = []
        for lib in (torch, nn):
            x = lib.tensor(np.arange(12.0).reshape(3, 4), dtype=lib.float64)
            got.append(_first_line_with(lib, call, x, lib.zeros(3, 4, dtype=lib.int64), x > 5))
        assert got[0] == got[1]
    for name in ("fftn", "ifftn", "fft2", "ifft2"):
        a = np.array([[1.0, -2.0, 0.5]])
        want = getattr(torch.fft, name)(torch.tensor(a), dim=()).numpy()
        np.testing.assert_array_equal(getattr(nn.fft, name)(nn.tensor(a), dim=()).numpy(), want)
