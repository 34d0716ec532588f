"""A review of round 48's areas E, F, G and H (the parser and dtype leftovers: norm's keepdim and dtype, var / std's
unbiased and correction, t / flip, the activations' dtype refusals, Module.type, lerp, istft; the Fourier
transforms' argument parsing; ``_C._LinAlgError``; addr / outer / qr and the variance's degrees-of-freedom warning),
against PyTorch 2.13 over grids wider than the areas' tests, each call's error type and first line, or its result's
dtype, shape and values (5 decimals) and its warnings compared. E: 23 activations (leaky_relu, elu, selu, celu,
softplus, softshrink, hardshrink, hardsigmoid, hardswish, mish, logsigmoid, rrelu, glu, silu, softsign, tanhshrink,
relu, relu6, gelu, sigmoid, tanh, hardtanh, threshold) as functions, in-place functions, methods and modules and of
empty, 0-d and transposed inputs, by 7 dtypes (int64, int32, uint8, bool, complex64, float64, float32; 1127 calls);
Tensor.norm / nn.norm / linalg.vector_norm (keyword and position) / matrix_norm / linalg.norm / norm 'nuc' by 8
keepdims (True, False, 1, 0, None, 1.0, NumPy's True_, 'a'); the same seven forms by 6 dtype= values of three input
dtypes; var / std / var_mean / std_mean as methods and functions by 14 keyword sets (unbiased None / 1 / False,
correction 0 / 2.5 / None / 'x' / True, dims, keepdim 1) of (3, 4), (1,), 0-d and (0, 3) inputs, and by 6 positional
forms; t / t_ / T / mT / H / mH / adjoint / flip / nn.flip / fliplr / flipud of 0-d to 3-d and empty inputs; lerp by
9 argument forms as method, function, in-place and with input=; Module.type of Linear / BatchNorm1d / ReLU by 5 dtypes
with and without requires_grad; istft by 9 keyword forms as function and method (816 calls). F, G, H: the six 1-D
transforms by 24 argument forms (n, dim and norm of each type, by position and keyword, NumPy ints, bytes norms) of
float64 and complex64 inputs; the twelve 2-D / n-D transforms by 18 forms of s / dim / norm; addr (function, method,
in-place) of float64, int64 and bool by 9 alpha / beta sets; outer / ger / Tensor.outer / addr of 1-D, 2-D, 0-d and
empty vectors; linalg.qr by 8 modes; ``except nn._C._LinAlgError`` (614 calls); the 13 schedulers' ``get_lr()`` by
hand before and after a step, ``get_last_lr()`` and ``state_dict()`` keys (65 calls); 10 layers' sizes given as NumPy
ints, bools, floats, None, str, tuples, 0-d tensors, 0 and -1 (218 calls). The hot paths touched (leaky_relu and
LeakyReLU forward and backward at (8, 64, 48, 48) and (16, 32), var / std / norm / lerp / softmax / gather, and
the ``parsed_ints`` wrapper's fast path, which many Tensor methods go through) were timed against the tree before the
round: no slowdown beyond noise (the wrapper's fast path is as fast or faster: an absent argument is no longer
checked through the full parser).

Found and fixed: var / std / var_mean / std_mean of an input whose output is empty (a (0, 3) tensor over dim 1) did
not warn where PyTorch does (its reduction factor is 0 when the output has no element), and the warning pointed into
nn rather than at the caller's line. ``linalg.qr`` refused a bytes mode (PyTorch's parser decodes it) and its
refusal of a non-str mode lacked "(position 2)" by position (now through the shared parser check). ``add`` / ``sub``
/ ``addr`` of integer or bool tensors with a complex alpha (or beta) said "For non-complex input tensors, argument
alpha must not be a complex number." where PyTorch's first check says "For integral input tensors, argument alpha
must not be a floating point number.". The n-D transforms given more sizes than the input has dims computed (over
one dim twice) where PyTorch says "Got shape with 3 values but input tensor only has 2 dimensions."; repeated dims
were "fftn dims must be unique" where PyTorch says "FFT dims must be unique", and a dim out of range named the whole
list ("but got [0, 5]") where PyTorch names the dim ("but got 5"). A complex input of ``ihfft`` said "rfft expects a
real input tensor" (PyTorch "ihfft ..."), of ``rfftn`` / ``rfft2`` and ``ihfftn`` / ``ihfft2`` the same (PyTorch "rfftn
expects a real-valued input tensor" and "Only supports floating-point dtypes, but found: ComplexFloat"), and the 1-D
transforms checked norm before the input's dtype and dim (PyTorch's order: dtype, dim, norm).

Still different (not fixed; the grids' other rows): ``Tensor.T`` warns once per call site in nn where PyTorch warns
once per process; a first element of a tuple of sizes given by keyword that is no int (``fftn(x, s=(1.0, 6))``)
names the element where PyTorch says "must be tuple of ints, not tuple" (area F's report); ``hfft`` / ``ihfft``
still check norm before dim; ``fftn`` / ``ifftn`` with ``dim=()`` are refused where PyTorch returns the input;
``addr`` of a float result with a complex alpha is add's words (PyTorch "value cannot be converted to type double
without overflow"), and of an empty vector nn's ValueError; a bool ``sub`` with a float alpha checks the alpha
before the bool subtraction; ``nn._C._LinAlgError.__name__`` is 'LinAlgError' ('_LinAlgError' in PyTorch).

The failures of nn these tests pin down:

- ``nn.zeros(0, 3).var(1)`` (std, var_mean, std_mean) gave no "degrees of freedom is <= 0" warning; the warning was
  attributed to nn's own file.
- ``linalg.qr(A, b'r')`` was a TypeError; ``linalg.qr(A, 1)`` lacked "(position 2)".
- ``add`` / ``sub`` / ``addr`` of integer tensors with a complex alpha or beta had the complex words.
- ``fft.fftn(x, s=(4, 6, 8))`` of a 2-d x computed; ``fftn(x, dim=(0, 0))`` and ``fftn(x, dim=(0, 5))`` had nn's
  words.
- ``fft.ihfft`` / ``rfftn`` / ``ihfftn`` of a complex input had rfft's words; ``rfft(x, dim=5, norm='x')`` refused the
  norm first.
"""
import warnings

import numpy as np
import pytest

import nn


def raised(call):
    try:
        call()
    except Exception as error:      # noqa: BLE001 - the type and words are what is compared
        return type(error).__name__, str(error).split("\n")[0]
    return "no error"


DOF = ("(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor (input numel "
       "divided by output numel).")


def test_variance_of_an_empty_output_warns_at_the_callers_line():
    # PyTorch 2.13: the reduction factor is 0 when the output has no element, so each of these warns
    for call, name in [(lambda: nn.zeros(0, 3).var(1), "var"), (lambda: nn.zeros(0, 3).std(1, keepdim=True), "std"),
                       (lambda: nn.var_mean(nn.zeros(0, 3), 1), "var_mean"),
                       (lambda: nn.std_mean(nn.zeros(0, 3), 1, correction=0), "std_mean"),
                       (lambda: nn.zeros(0, 3).var(1, correction=0), "var")]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert [str(w.message) for w in caught] == [name + DOF]
        assert caught[0].filename == __file__           # (at the caller's line, as PyTorch's C++ warnings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nn.zeros(2, 3).var(1, correction=0).tolist() == [0.0, 0.0]      # (a degree of freedom left: silent)


def test_qr_mode_read_as_pytorchs_parser_reads_a_str():
    a = nn.eye(2, dtype=nn.float64)
    q, r = nn.linalg.qr(a, b"r")                # PyTorch 2.13: a bytes mode is decoded
    assert tuple(q.shape) == (0,) and r.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert tuple(nn.linalg.qr(a, mode=b"complete").Q.shape) == (2, 2)
    assert raised(lambda: nn.linalg.qr(a, 1)) == ("TypeError",
                                                  "linalg_qr(): argument 'mode' (position 2) must be str, not int")
    assert raised(lambda: nn.linalg.qr(a, mode=b"x")) == (
        "RuntimeError", "qr received unrecognized mode 'x' but expected one of 'reduced' (default), 'r', or 'complete'")


def test_a_complex_alpha_of_integers_is_refused_as_not_integral():
    words = "For integral input tensors, argument {} must not be a floating point number."
    i, b = nn.ones(2, dtype=nn.int64), nn.ones(2, dtype=nn.bool)
    assert raised(lambda: nn.add(i, i, alpha=1j)) == ("RuntimeError", words.format("alpha"))
    assert raised(lambda: nn.ones(2, dtype=nn.uint8).sub_(nn.ones(2, dtype=nn.uint8), alpha=1j)) == (
        "RuntimeError", words.format("alpha"))
    assert raised(lambda: b.add(b, alpha=1j)) == ("RuntimeError", words.format("alpha"))
    m = nn.ones(3, 2, dtype=nn.int64)
    assert raised(lambda: nn.addr(m, nn.ones(3, dtype=nn.int64), i, alpha=1j)) == ("RuntimeError",
                                                                                   words.format("alpha"))
    assert raised(lambda: m.addr(nn.ones(3, dtype=nn.int64), i, beta=2j)) == ("RuntimeError", words.format("beta"))
    # a float tensor keeps the complex words
    assert raised(lambda: nn.ones(2).add(nn.ones(2), alpha=1j)) == (
        "RuntimeError", "For non-complex input tensors, argument alpha must not be a complex number.")


def test_fft_sizes_and_dims_checked_in_pytorchs_words():
    x = nn.ones(4, 12)
    for f in (nn.fft.fftn, nn.fft.ifftn, nn.fft.rfftn, nn.fft.irfftn, nn.fft.hfftn, nn.fft.ihfftn):
        assert raised(lambda: f(x, s=(4, 6, 8))) == (
            "RuntimeError", "Got shape with 3 values but input tensor only has 2 dimensions.")
        assert raised(lambda: f(x, dim=(0, 0))) == ("RuntimeError", "FFT dims must be unique")
        assert raised(lambda: f(x, dim=(0, 5))) == (
            "IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got 5)")
    assert raised(lambda: nn.fft.fft2(nn.ones(3), s=(2, 2))) == (
        "IndexError", "Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    assert tuple(nn.fft.fftn(x, s=(6, 8)).shape) == (6, 8)
    assert raised(lambda: nn.fft.fftn(nn.ones(()), dim=(0,))) == (
        "IndexError", "Dimension specified as 0 but tensor has no dimensions")
    assert tuple(nn.fft.rfftn(x, s=(6,)).shape) == (4, 4)


def test_real_transforms_refuse_a_complex_input_first_in_their_words():
    z = nn.ones(4, 6, dtype=nn.complex64)
    # PyTorch 2.13: the dtype is checked before dim and norm, each transform in its own words
    assert raised(lambda: nn.fft.ihfft(z, norm="x")) == (
        "RuntimeError", "ihfft expects a real input tensor, but got ComplexFloat")
    assert raised(lambda: nn.fft.rfft(z, dim=5)) == ("RuntimeError", "rfft expects a real input tensor, but got "
                                                                     "ComplexFloat")
    for f in (nn.fft.rfftn, nn.fft.rfft2):
        assert raised(lambda: f(z, dim=(0, 0))) == (
            "RuntimeError", "rfftn expects a real-valued input tensor, but got ComplexFloat")
    for f in (nn.fft.ihfftn, nn.fft.ihfft2):
        assert raised(lambda: f(z)) == ("RuntimeError", "Only supports floating-point dtypes, but found: ComplexFloat")
    # and a real input's dim before its norm
    assert raised(lambda: nn.fft.rfft(z.real, dim=5, norm="x")) == (
        "IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got 5)")
    assert raised(lambda: nn.fft.fft(z, dim=5, norm="x"))[0] == "IndexError"


def test_against_pytorch():
    torch = pytest.importorskip("torch")

    def both(call):
        out = []
        for lib in (torch, nn):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    r = call(lib)
                    got = (str(r.dtype).split(".")[-1], tuple(r.shape))
                except Exception as error:      # noqa: BLE001 - the type and words are what is compared
                    got = (type(error).__name__, str(error).split("\n")[0])
            out.append((got, [str(w.message).split(" (Triggered internally")[0] for w in caught]))
        return out

    calls = [lambda lib: lib.zeros(0, 3).var(1), lambda lib: lib.std_mean(lib.zeros(0, 3), 1)[0],
             lambda lib: lib.zeros(3, 0).std(1), lambda lib: lib.ones(1).var(),
             lambda lib: lib.linalg.qr(lib.eye(2), b"r").R, lambda lib: lib.linalg.qr(lib.eye(2), 1.0).R,
             lambda lib: lib.add(lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.int64), alpha=1j),
             lambda lib: lib.ones(2).sub(lib.ones(2), alpha=1j),
             lambda lib: lib.fft.fftn(lib.ones(4, 12), s=(4, 6, 8)),
             lambda lib: lib.fft.irfftn(lib.ones(4, 12), dim=(1, 1)),
             lambda lib: lib.fft.fft2(lib.ones(4, 12), dim=(0, -3)),
             lambda lib: lib.fft.ihfft(lib.ones(4, 6, dtype=lib.complex128), dim=3),
             lambda lib: lib.fft.ihfftn(lib.ones(4, 6, dtype=lib.complex128)),
             lambda lib: lib.fft.rfft2(lib.ones(4, 6, dtype=lib.complex128)),
             lambda lib: lib.fft.irfft(lib.ones(4, 6), dim=-3, norm="no")]
    for call in calls:
        a, b = both(call)
        assert a == b
