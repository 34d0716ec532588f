"""Review of the forty-fifth round's second wave (the convolutions' argument checks, the out= resize warning and
where(out=), the argument parser's refusals, NumPy's keywords on the reductions, InstanceNorm's load and x.new),
against PyTorch 2.13 directly. Grids in one process compared nn with PyTorch on the same NumPy inputs (error type and
first line, result shape and dtype, warnings): 999 calls on the parser's side (23 reductions' keyword sets, as
methods, functions and with input=, on 2-D, 0-d and empty tensors; first arguments of 9 types to exp, abs, neg, sum,
add; NumPy's names for input, alone and with the input; 18 forms of normal; fftfreq / rfftfreq of 8 values of n; the
index and scatter ops with 7 kinds of index as methods, functions and in place; 14 of F's activations by position and
keyword) and 280 on the rest (conv1d / 2d / 3d and their transposes over 22 argument sets, the six layers over 10, an
empty batch, an unbatched input, a non-contiguous one; out= of five shapes for add, mul, exp and where; linspace over
13 bound sets and logspace over 4 bases bit for bit; x.new of arrays and tensors of either dtype, with requires_grad;
InstanceNorm1d's load over tracking, version, strict and extra keys: 32 cases), and 468 calls of fft.fftfreq /
rfftfreq (n from -3 to 1001, spacings 1, 0.5, -2, 0.1, 3 and 0, three dtypes) bit for bit. Most of what still differs
is listed by the areas (the index ops' positions in their function forms, an ndarray index taken, the conv parser's
"got (...)" list, a layer's ValueError detail).

Still different (not fixed): PyTorch's own words for a dilation of 0 depend on its CPU backend (float32 through
oneDNN: "non-positive dilation is not supported", or for a transposed conv "could not create a primitive
descriptor..."; float64: "dilation should be greater than zero, but got [0, 0]"), and nn gives the float64 words for
both; a conv of an empty batch with a dilation of 0 computes in PyTorch and is refused by nn; ``x.new(y, device=...)``
of a tensor is PyTorch's RuntimeError ("Legacy tensor new of the form tensor.new(tensor, device=device) is not
supported.") and a copy in nn; an overloaded function given the input twice (``nn.sum(input=t, x1=t)``) says
"unexpected keyword argument 'x1'" where PyTorch says "received an invalid combination of arguments" (both TypeError;
nn's OVERLOADED table does not list sum); a complex dtype to fftfreq / rfftfreq computes in nn where PyTorch raises
NotImplementedError ("arange_cpu" not implemented for 'ComplexFloat').

The failures of nn these tests pin down:

- A NumPy name for input given with the input (``nn.exp(t, x=t)``, ``nn.exp(x=t, input=t)``, ``nn.exp(a=t, x=t)``,
  ``nn.linalg.vector_norm(x=t, a=t)``) said "got multiple values for argument 'input'" (exp's words from this round's
  parser change, vector_norm's from round 28's); PyTorch's parser takes no alias then: "exp() got an
  unexpected keyword argument 'x'" (the first one given), and "clamp() received an invalid combination of arguments"
  for an overloaded function.
- ``x.new(y)`` of a tensor of x's dtype shared y's memory but dropped y from the graph (requires_grad False, no
  gradient to y); PyTorch returns y's alias: requires_grad as y's, the gradient flowing to y.
- ``x.new(y)`` of a tensor of another dtype cast it; PyTorch refuses: TypeError "expected TensorOptions(dtype=float,
  device=cpu, layout=Strided, requires_grad=false (default), pinned_memory=false (default),
  memory_format=(nullopt)) (got TensorOptions(dtype=double, ...))".
- ``fft.fftfreq(0)``, ``fft.rfftfreq(0)`` and any spacing ``d=0`` raised ZeroDivisionError, ``fftfreq(-1)`` NumPy's
  ValueError, and ``rfftfreq(-1)`` was empty; PyTorch multiplies the integers by 1 / (n d) (inf): ``fftfreq(0)`` is
  empty, ``rfftfreq(0)`` is ``[nan]``, ``fftfreq(4, d=0.0)`` is ``[nan, inf, -inf, -inf]``; ``fftfreq(-1)`` is
  RuntimeError "Trying to create tensor with negative dimension -1: [-1]", and ``rfftfreq(-1)`` is ``[-0.]`` (n / 2
  truncated, as C++'s). A grid of 468 calls (n from -3 to 1001, six spacings with 0 and negatives, three dtypes)
  now agrees with PyTorch bit for bit (168 differed).
- ``where(condition, out=o)`` raised AttributeError ("'tuple' object has no attribute 'dtype'"); PyTorch's
  where(condition) has no out=: "where() received an invalid combination of arguments - got (Tensor, out=Tensor), but
  expected one of:".
"""
import numpy as np
import pytest

import nn

_OPTIONS = ("device=cpu, layout=Strided, requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


def _error(call):
    with pytest.raises(Exception) as caught:
        call()
    return caught.type.__name__, str(caught.value).split("\n")[0]


def test_input_given_twice_by_a_numpy_name():
    t = nn.tensor([1.0, 2.0])
    assert _error(lambda: nn.exp(t, x=t)) == ("TypeError", "exp() got an unexpected keyword argument 'x'")
    assert _error(lambda: nn.exp(x=t, input=t)) == ("TypeError", "exp() got an unexpected keyword argument 'x'")
    assert _error(lambda: nn.exp(a=t, x=t)) == ("TypeError", "exp() got an unexpected keyword argument 'a'")
    assert _error(lambda: nn.linalg.vector_norm(x=t, a=t)) == (
        "TypeError", "linalg_vector_norm() got an unexpected keyword argument 'x'")
    assert _error(lambda: nn.clamp(x=t, input=t))[1].startswith(
        "clamp() received an invalid combination of arguments - got (")
    assert nn.exp(x=t).tolist() == np.exp([1.0, 2.0]).astype(np.float32).tolist()      # (one name alone: taken)


def test_new_of_a_tensor_is_its_alias():
    y = nn.tensor([1.0, 2.0], requires_grad=True)
    r = nn.zeros(1).new(y)
    assert r.requires_grad and r is not y
    (r * 3).sum().backward()
    assert np.asarray(y.grad).tolist() == [3.0, 3.0]
    z = nn.ones(2)
    w = nn.zeros(1).new(z)
    w[0] = 5.0
    assert z.tolist() == [5.0, 1.0] and not w.requires_grad


def test_new_of_a_tensor_of_another_dtype_is_refused():
    assert _error(lambda: nn.zeros(1).new(nn.zeros(2, dtype=nn.float64))) == (
        "TypeError", f"expected TensorOptions(dtype=float, {_OPTIONS} (got TensorOptions(dtype=double, {_OPTIONS})")
    assert _error(lambda: nn.zeros(1, dtype=nn.int64).new(nn.zeros(2, dtype=nn.int32))) == (
        "TypeError", f"expected TensorOptions(dtype=long int, {_OPTIONS} (got TensorOptions(dtype=int, {_OPTIONS})")


def test_where_of_a_condition_alone_takes_no_out():
    c = nn.tensor([True, False])
    assert _error(lambda: nn.where(c, out=nn.zeros(2))) == (
        "TypeError", "where() received an invalid combination of arguments - got (Tensor, out=Tensor), but expected "
                     "one of:")
    o = nn.zeros(2)
    assert nn.where(c, nn.ones(2), nn.zeros(2), out=o) is o and o.tolist() == [1.0, 0.0]


def test_fft_frequencies_of_no_points_or_no_spacing():
    assert nn.fft.fftfreq(0).shape == (0,) and nn.fft.fftfreq(0).dtype == nn.float32
    assert np.isnan(nn.fft.rfftfreq(0).numpy()).tolist() == [True]
    assert nn.fft.fftfreq(4, 0.0).tolist()[1:] == [np.inf, -np.inf, -np.inf]
    assert np.isnan(nn.fft.fftfreq(4, 0.0)[0].item())
    assert nn.fft.rfftfreq(3, 0.0).tolist()[1:] == [np.inf]
    r = nn.fft.rfftfreq(-1)
    assert r.tolist() == [0.0] and np.signbit(r.numpy()).tolist() == [True]
    assert nn.fft.rfftfreq(-3).shape == (0,)
    assert _error(lambda: nn.fft.fftfreq(-1)) == ("RuntimeError", "Trying to create tensor with negative dimension -1: "
                                                                  "[-1]")


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    calls = [lambda L, t: L.exp(t, x=t), lambda L, t: L.exp(x=t, input=t), lambda L, t: L.exp(a=t, x=t),
             lambda L, t: L.linalg.vector_norm(x=t, a=t), lambda L, t: L.zeros(1).new(L.zeros(2, dtype=L.float64)),
             lambda L, t: L.where(L.tensor([True, False]), out=L.zeros(2))]
    for call in calls:
        assert _error(lambda: call(torch, torch.tensor([1.0, 2.0]))) == _error(lambda: call(nn, nn.tensor([1.0, 2.0])))
    for n in (-3, -1, 0, 1, 5, 8):
        for d in (1.0, 0.1, -2.0, 0.0):
            for f in ("fftfreq", "rfftfreq"):
                if f == "fftfreq" and n < 0:
                    continue
                assert getattr(torch.fft, f)(n, d).numpy().tobytes() == getattr(nn.fft, f)(n, d).numpy().tobytes()
    yt, yn = torch.tensor([1.0, 2.0], requires_grad=True), nn.tensor([1.0, 2.0], requires_grad=True)
    rt, rn = torch.zeros(1).new(yt), nn.zeros(1).new(yn)
    assert rt.requires_grad == rn.requires_grad
    (rt * 3).sum().backward()
    (rn * 3).sum().backward()
    assert yt.grad.tolist() == np.asarray(yn.grad).tolist()
