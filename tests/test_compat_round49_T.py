"""The forty-ninth round, area T: PyTorch's ``out=`` on torch.fft's functions.

What was run: no package; a grid against PyTorch 2.13 in one process, on the same NumPy inputs, of every function of
torch.fft that takes ``out=`` (calling each with an out decides it: the eighteen transforms ``fft``, ``ifft``,
``rfft``, ``irfft``, ``hfft``, ``ihfft`` and their 2-D and n-D forms, and the factories ``fftfreq`` and
``rfftfreq``; ``fftshift`` and ``ifftshift`` take none). Each transform on float64, float32, complex128 and complex64
inputs (as each takes them) with outs of the result's dtype, of float32, float64, complex64, complex128 and int64,
an empty out, outs of a wrong non-empty shape, a slice and a transpose of a larger tensor and a view of one that must
grow, an input that requires grad (with an out of the right and of the wrong dtype), a leaf out and a non-leaf out
that require grad, both under no_grad, ``s=`` / ``n=`` with ``norm="ortho"``, a bad norm, a list as the out,
``input=`` by keyword and the input as its own out; the factories with outs of five dtypes, ``dtype=`` beside the
out, empty, wrong-count, strided and too-short outs, ``requires_grad=True``, leaf and non-leaf outs that require
grad with and without grad mode. Compared: the error's type and first line, the warnings, whether the result is
the out, the out's dtype, shape, strides, ``requires_grad`` and grad_fn's type, the values and the larger tensor under a
view. 1232 calls: all 1232 differed before (nn's fft functions took no ``out=``), 3 after (below). Largest relative
difference of the values written (to each out's largest element): 2.7e-16 from float64 and complex128 inputs,
1.9e-7 from float32 and complex64 ones (computed in the input's dtype and cast, as PyTorch: pocketfft's rounding).

What changed for users: the torch.fft functions take ``out=`` through nn's one mechanism (nn/tensor_ops/out_arg.py):
the transform is computed in the input's dtype and cast into any out of its kind (complex64 into a complex128 out
and back; float32 / float64 for irfft, hfft and their forms), an out of the other kind refused in PyTorch's words
("fft expects a complex output tensor, but got Double", "irfftn expects a floating point output tensor, but got
ComplexFloat": the 2-D and n-D forms name the n-D op) -- the 1-D transforms of a real input and to a real output
before reading their other arguments, the others after, as ATen's order -- outs resized with the deprecation
warning (an empty one silently), views written in place; in a graph refused naming ATen's op (``_fft_c2c``,
``_fft_r2c``, ``_fft_c2r``), but ``ifft`` and ``ihfft`` of a real input, which PyTorch writes by conj_physical's
``out=`` form (the result's own dtype only, "Found dtype ComplexDouble but expected ComplexFloat"; an input in a
graph is written with a backward that raises "derivative for aten::conj_physical is not implemented", a leaf out is
refused as "aten::conj_physical()"); a list as the out is PyTorch's parser's "fft_rfft(): argument 'out' must be
Tensor, not list". ``fftfreq`` / ``rfftfreq`` take ``out=`` as the other factories: made in the out's dtype,
``dtype=`` another than the out's refused ("dtype Double does not match dtype of out parameter (Float)"), an out
of another count resized with arange's warning, ``requires_grad=`` setting the out's flag, a leaf out that requires
grad refused as "aten::fft_fftfreq()". Without ``out=``, ``fftfreq`` / ``rfftfreq`` of an integer dtype are
PyTorch's RuntimeError ("fftfreq requires a floating point or complex dtype"; nn made zeros) and of a complex dtype
its NotImplementedError ('"arange_cpu" not implemented for 'ComplexFloat''; nn computed).

Still different (3 of the grid's calls, and one case outside it): a non-leaf out that requires grad given to
``fftfreq`` / ``rfftfreq`` is refused by nn, where PyTorch writes it and gives it a grad_fn whose backward raises --
as for every factory of nn (``torch.zeros(3, out=nonleaf)`` too: older than this round, left to the factories'
``out=``); a strided out of ``fftfreq`` gets PyTorch's values in nn, where PyTorch's kernel resizes an empty slice
of it and writes the negative frequencies into the memory after the view's start, contiguously (``torch.zeros(10)
[::2]`` as the out of ``fftfreq(5)`` holds [0, .2, .4, -.4, .8]), and a 2-D out of the right count likewise
((1, 5): PyTorch's [0, .2, .4, .6, .8]). Outside the grid: ``ihfftn`` / ``ihfft2`` over ONE dim
with an out hand their arguments to conj_physical_out in the wrong order in PyTorch 2.13 (the out is read and its
conjugate written into a temporary, which is returned: zeros for a zero out, the out untouched); nn writes the
transform into the out, as over two dims.

Speed of the plain calls (min of 40 x 300 calls on a 4 x 8 float64 tensor, two processes each, before / after, µs):
``rfft`` 11.8-12.0 / 11.6-11.9, ``fft`` 11.9-12.3 / 12.0-12.1, ``rfft2`` 26.8-27.6 / 26.9-27.9, ``fft(x, dim=0)``
12.3-12.4 / 12.4-12.8 (a call with keywords passes the wrapper's pop of ``out``), ``fftfreq(8)`` 9.8-9.9 / 9.9-10.1.

The failures of nn these tests pin down (the package is not imported here):
- every transform of nn.fft refused ``out=`` (TypeError: unexpected keyword argument), as did fftfreq / rfftfreq;
- nothing refused an out of the other kind, in PyTorch's words and order;
- nothing resized a wrong-shaped out with PyTorch's warning or wrote a view out in place;
- nothing refused an out= call in a graph naming _fft_c2c / _fft_r2c / _fft_c2r, nor wrote ifft / ihfft of a real
  input that requires grad through conj_physical's out= form;
- fftfreq / rfftfreq with an out: no dtype from the out, no refusal of another dtype= or of an out requiring grad,
  no arange warning for an out of another count;
- fftfreq / rfftfreq of an integer dtype made zeros, and of a complex dtype computed, where PyTorch refuses both.
"""
import warnings

import numpy as np
import pytest

import nn

_RESIZED = ("An output with one or more elements was resized since it had shape [2, 2], which does not match the "
            "required output shape [3, {}]. This behavior is deprecated, and in a future PyTorch release outputs "
            "will not be resized unless they have zero elements. You can explicitly reuse an out tensor t by "
            "resizing it, inplace, to zero elements with t.resize_(0). (Triggered internally at "
            "/__w/pytorch/pytorch/aten/src/ATen/native/Resize.cpp:30.)")
_REFUSED = "{}(): functions with out=... arguments don't support automatic differentiation, but one of the " \
           "arguments requires grad."

_RNG = np.random.default_rng(5)
_REAL = _RNG.standard_normal((3, 6))
_COMPLEX = _REAL + 1j * _RNG.standard_normal((3, 6))
_C2C = ("fft", "ifft", "fft2", "ifft2", "fftn", "ifftn")
_R2C = ("rfft", "rfft2", "rfftn", "ihfft", "ihfft2", "ihfftn")
_C2R = ("irfft", "irfft2", "irfftn", "hfft", "hfft2", "hfftn")


@pytest.mark.parametrize("name", _C2C + _R2C + _C2R)
def test_each_transform_writes_its_out(name):
    # PyTorch 2.13: every transform takes out=, returns the out itself; an empty out is resized silently, a complex64
    # out of a complex128 result (or a float32 one of a float64 result) takes the values cast
    f = getattr(nn.fft, name)
    x = nn.tensor(_REAL if name in _R2C else _COMPLEX)
    expected = f(x)
    out = nn.empty(0, dtype=expected.dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(x, out=out) is out
    assert out.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    narrow = nn.zeros(expected.shape, dtype=nn.float32 if name in _C2R else nn.complex64)
    if name == "ihfft":     # (written by conj_physical's out=, the result's dtype only)
        with pytest.raises(RuntimeError, match="^Found dtype ComplexFloat but expected ComplexDouble$"):
            f(x, out=narrow)
        return
    assert f(x, out=narrow) is narrow and narrow.dtype == (nn.float32 if name in _C2R else nn.complex64)
    np.testing.assert_allclose(narrow.numpy(), expected.numpy(), rtol=1e-6, atol=1e-6)


def test_an_out_of_the_other_kind_is_refused_in_pytorchs_words():
    x, z = nn.tensor(_REAL), nn.tensor(_COMPLEX)
    for call, words in [
            (lambda: nn.fft.fft(x, out=nn.empty(0, dtype=nn.float64)), "fft expects a complex output tensor, but got "
                                                                        "Double"),
            (lambda: nn.fft.rfft(x, out=nn.empty(0, dtype=nn.int64)), "rfft expects a complex output tensor, but got "
                                                                       "Long"),
            (lambda: nn.fft.fft2(z, out=nn.empty(0)), "fftn expects a complex output tensor, but got Float"),
            (lambda: nn.fft.ihfft2(x, out=nn.empty(0)), "ihfftn expects a complex output tensor, but got Float"),
            (lambda: nn.fft.irfft2(z, out=nn.empty(0, dtype=nn.complex64)),
             "irfftn expects a floating point output tensor, but got ComplexFloat"),
            (lambda: nn.fft.hfft(z, out=nn.empty(0, dtype=nn.int64)),
             "hfft expects a floating point output tensor, but got Long"),
            # (the 1-D transforms of a real input and to a real output check the out first; the others after reading
            # their arguments, and rfft a complex input before the out)
            (lambda: nn.fft.irfft(z, norm="bad", out=nn.empty(0, dtype=nn.complex128)),
             "irfft expects a floating point output tensor, but got ComplexDouble"),
            (lambda: nn.fft.fft(x, norm="bad", out=nn.empty(0)), "fft expects a complex output tensor, but got Float"),
            (lambda: nn.fft.fft(z, norm="bad", out=nn.empty(0)), 'Invalid normalization mode: "bad"'),
            (lambda: nn.fft.rfft(z, out=nn.empty(0)), "rfft expects a real input tensor, but got ComplexDouble"),
            # (ifft of a real input writes by conj_physical's out=: the result's own dtype only)
            (lambda: nn.fft.ifft(nn.tensor(_REAL, dtype=nn.float32), out=nn.empty(0, dtype=nn.complex128)),
             "Found dtype ComplexDouble but expected ComplexFloat")]:
        with pytest.raises(RuntimeError) as info:
            call()
        assert str(info.value) == words
    with pytest.raises(TypeError, match=r"^fft_rfft\(\): argument 'out' must be Tensor, not list$"):
        nn.fft.rfft(x, out=[])


def test_a_wrong_shape_is_resized_with_the_warning_and_a_view_is_written_in_place():
    x = nn.tensor(_REAL)
    out = nn.ones(2, 2, dtype=nn.complex128)
    with pytest.warns(UserWarning) as record:
        assert nn.fft.rfft(x, out=out) is out
    assert [str(w.message) for w in record] == [_RESIZED.format(4)]
    assert out.shape == (3, 4)
    base = nn.zeros(6, 3, dtype=nn.complex128)
    view = base.t()
    assert nn.fft.fft(x, out=view) is view and view.stride() == (1, 3)
    np.testing.assert_allclose(base.numpy(), np.fft.fft(_REAL).T, rtol=1e-15, atol=1e-14)


def test_out_in_a_graph():
    x, z = nn.tensor(_REAL, requires_grad=True), nn.tensor(_COMPLEX, requires_grad=True)
    for call, op in [(lambda o: nn.fft.rfft(x, out=o), "_fft_r2c"), (lambda o: nn.fft.fft(x, out=o), "_fft_r2c"),
                     (lambda o: nn.fft.fft(z, out=o), "_fft_c2c"), (lambda o: nn.fft.fft2(x, out=o), "_fft_c2c"),
                     (lambda o: nn.fft.ihfft2(x, out=o), "_fft_c2c"), (lambda o: nn.fft.rfftn(x, out=o), "_fft_r2c")]:
        with pytest.raises(RuntimeError) as info:
            call(nn.empty(0, dtype=nn.complex128))
        assert str(info.value) == _REFUSED.format(op)
    with pytest.raises(RuntimeError) as info:
        nn.fft.irfft(nn.tensor(_COMPLEX), out=nn.zeros(3, 10, requires_grad=True, dtype=nn.float64))
    assert str(info.value) == _REFUSED.format("_fft_c2r")
    # ifft / ihfft of a real input: conj_physical's out= writes in the graph, with a backward that raises
    out = nn.empty(0, dtype=nn.complex128)
    assert nn.fft.ihfft(x, out=out) is out and out.requires_grad and type(out.grad_fn).__name__ == "NotImplemented"
    with pytest.raises(RuntimeError, match="^derivative for aten::conj_physical is not implemented$"):
        out.abs().sum().backward()
    with pytest.raises(RuntimeError) as info:
        nn.fft.ifft(nn.tensor(_REAL), out=nn.zeros(3, 6, dtype=nn.complex128, requires_grad=True))
    assert str(info.value) == _REFUSED.format("aten::conj_physical")
    leaf = nn.zeros(3, 4, dtype=nn.complex128, requires_grad=True)
    with nn.no_grad():
        assert nn.fft.rfft(x, out=leaf) is leaf
    assert leaf.requires_grad and leaf.grad_fn is None
    np.testing.assert_allclose(leaf.detach().numpy(), np.fft.rfft(_REAL), rtol=1e-15, atol=1e-14)


def test_fftfreq_and_rfftfreq_take_out_as_the_factories():
    out = nn.empty(0, dtype=nn.float64)
    assert nn.fft.fftfreq(5, 0.5, out=out) is out and out.dtype == nn.float64
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.4, 0.8, -0.8, -0.4])
    with pytest.raises(RuntimeError, match=r"^dtype Double does not match dtype of out parameter \(Float\)$"):
        nn.fft.rfftfreq(5, out=nn.empty(3), dtype=nn.float64)
    with pytest.raises(RuntimeError, match="^rfftfreq requires a floating point or complex dtype$"):
        nn.fft.rfftfreq(5, out=nn.empty(3, dtype=nn.int64))
    with pytest.raises(NotImplementedError, match="^\"arange_cpu\" not implemented for 'ComplexFloat'$"):
        nn.fft.fftfreq(5, out=nn.empty(5, dtype=nn.complex64))
    short = nn.ones(2)
    with pytest.warns(UserWarning) as record:
        assert nn.fft.rfftfreq(5, out=short) is short
    assert [str(w.message) for w in record] == [
        "The number of elements in the out tensor of shape [2] is 2 which does not match the computed number of "
        "elements 3. Note that this may occur as a result of rounding error. The out tensor will be resized to a "
        "tensor of shape (3,). (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/RangeFactories."
        "cpp:199.)"]
    np.testing.assert_array_equal(short.numpy(), np.array([0, 1, 2], np.float32) * np.float32(0.2))
    flagged = nn.empty(5)
    assert nn.fft.fftfreq(5, out=flagged, requires_grad=True) is flagged and flagged.requires_grad
    with pytest.raises(RuntimeError) as info:
        nn.fft.fftfreq(5, out=nn.zeros(5, requires_grad=True))
    assert str(info.value) == _REFUSED.format("aten::fft_fftfreq")
    # (and without out=: PyTorch's frequencies are made by arange, for floating dtypes only)
    with pytest.raises(RuntimeError, match="^fftfreq requires a floating point or complex dtype$"):
        nn.fft.fftfreq(5, dtype=nn.int64)
    with pytest.raises(NotImplementedError, match="^\"arange_cpu\" not implemented for 'ComplexDouble'$"):
        nn.fft.rfftfreq(5, dtype=nn.complex128)


def test_against_pytorch():
    torch = pytest.importorskip("torch")

    def run(module, name, input_dtype, out_dtype, shape, grad):
        f = getattr(module.fft, name)
        x = module.tensor(_COMPLEX if input_dtype.startswith("complex") else _REAL).to(getattr(module, input_dtype))
        x.requires_grad_(grad)
        out = module.ones(shape, dtype=getattr(module, out_dtype))
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            try:
                result = f(x, out=out)
            except Exception as e:      # noqa: BLE001 - the error is what is compared
                return type(e).__name__, str(e).splitlines()[0].replace("torch.", "nn.")
        return (result is out, str(out.dtype).split(".")[-1], tuple(out.shape), out.requires_grad,
                [str(w.message)[:60] for w in record]), out.detach().numpy()

    for name in ("fft", "ifft", "rfft", "irfft", "ihfft", "hfft2", "ihfftn", "irfftn"):
        for input_dtype in ("float64", "complex64"):
            if name in _R2C and input_dtype.startswith("complex"):
                continue
            for out_dtype in ("float32", "complex128"):
                for shape, grad in (((0,), False), ((2, 2), False), ((0,), True)):
                    args = (name, input_dtype, out_dtype, shape, grad)
                    ours, theirs = run(nn, *args), run(torch, *args)
                    assert ours[0] == theirs[0], args
                    if isinstance(ours[1], np.ndarray):     # (complex64 transforms: pocketfft's rounding)
                        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6, atol=1e-6)
