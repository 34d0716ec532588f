"""out= resizing, where(out=) and the speed of linspace / logspace, against PyTorch 2.13 directly (round 45, area J;
no third-party package).

What was run: a grid of nn against PyTorch 2.13 in one process over 84 out= cases (add, mul, exp, sum, cat, clamp,
matmul and where with a float, an int64 or a requires-grad input; an out of the result's shape, of another
non-empty shape, empty, 0-d): result values, the error type and first line, and the warnings given (caught with
the "always" filter). Before: 72 of 84 disagreed (no resize warning; no out= on where; the error words for an out=
call with a requires-grad argument); after: 7, all where(c, x, 0.0, out=o) with a Python number, which PyTorch's
out= overload refuses (TypeError: "where(): argument 'other' (position 3) must be Tensor, not float") and nn takes.
linspace / logspace: 15,552 cases (18 bounds each side from 0 to 3e38, 1e300, inf, NaN; 0 to 100 steps; float64,
float32, int64, uint8) agree with PyTorch bit for bit (NaN signs aside) before and after; 60 random logspace calls
(bounds up to +-300, bases 10, 2, e, 0.3, 7.5, -2, up to 5,000 points, float64 and float32) and 2.6 million
exponents of 16 bases against C's pow: 0 points apart.

Speed (median and best of repeats on a shared machine, so noisy): logspace of 10,000 float64 points 0.97-1.9 ms
-> 0.14 ms (each point by a Python-level C pow -> np.float_power, whose float64 loop calls C's pow element by
element; np.power's AVX-512 loop (SVML) is an ulp off for 5,835 of 110,000 points and agrees at 0 with
NPY_DISABLE_CPU_FEATURES="AVX512_SKX ...", so SVML is the only cause); linspace skips its np.errstate block
(0.9 us a call) for finite float32 / float64 bounds under 1e30, the same points bit for bit.

Still different (not fixed): where(condition, tensor, number, out=o) is computed where PyTorch's out= overload
refuses the number (its overloads without out= take it, as nn's); the out= functions other than where cast the
result into an out of another dtype where PyTorch refuses some casts (float into an integer out).

The failures of nn these tests pin down (the package is not imported here):

- an out= of another non-empty shape was resized silently, where PyTorch resizes it and warns ("An output with one
  or more elements was resized since it had shape [2], which does not match the required output shape [3]. ...")
  at the caller's line (an empty out is resized silently);
- an out= call with an argument that requires grad raised with nn's words "... requires grad (as PyTorch)" where
  PyTorch says "... but one of the arguments requires grad.";
- nn.where had no out= (TypeError), and PyTorch's where(out=) refuses an out of another dtype ("Expected out type to
  be Float but got Long").
"""
import math
import warnings

import numpy as np
import pytest

import nn

RESIZE = ("An output with one or more elements was resized since it had shape {}, which does not match the "
          "required output shape {}. This behavior is deprecated, and in a future PyTorch release outputs will "
          "not be resized unless they have zero elements. You can explicitly reuse an out tensor t by resizing "
          "it, inplace, to zero elements with t.resize_(0).")


def _caught(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        result = fn()
    return result, w


def test_out_of_another_shape_is_resized_with_pytorchs_warning_at_the_callers_line():
    out = nn.zeros(2)
    result, w = _caught(lambda: nn.add(nn.ones(3), 1.0, out=out))
    assert result is out and out.tolist() == [2.0, 2.0, 2.0]
    assert len(w) == 1 and w[0].category is UserWarning
    assert str(w[0].message).startswith(RESIZE.format("[2]", "[3]"))
    assert w[0].filename == __file__                    # the caller's line, as PyTorch's C++ warnings
    # a 2-d and a 0-d out, and a reduction's out (PyTorch's words: the shapes as lists)
    _, w = _caught(lambda: nn.sum(nn.ones(2, 3), 0, out=nn.zeros(3, 1)))
    assert [str(x.message)[:len(RESIZE.format("[3, 1]", "[3]"))] for x in w] == [RESIZE.format("[3, 1]", "[3]")]
    _, w = _caught(lambda: nn.exp(nn.zeros(2, 3), out=nn.tensor(0.0)))
    assert str(w[0].message).startswith(RESIZE.format("[]", "[2, 3]"))


def test_an_empty_or_fitting_out_is_written_without_a_warning():
    for out in (nn.zeros(0), nn.zeros(3)):
        result, w = _caught(lambda: nn.mul(nn.ones(3), 2.0, out=out))
        assert w == [] and result.tolist() == [2.0, 2.0, 2.0]


def test_out_with_an_argument_that_requires_grad_raises_pytorchs_words():
    with pytest.raises(RuntimeError) as info:
        nn.add(nn.ones(3, requires_grad=True), 1.0, out=nn.zeros(3))
    assert str(info.value) == ("add(): functions with out=... arguments don't support automatic differentiation, "
                               "but one of the arguments requires grad.")


def test_where_takes_out():
    c = nn.tensor([True, False, True])
    out = nn.zeros(3, dtype=nn.float64)
    result = nn.where(c, nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64), nn.zeros(3, dtype=nn.float64), out=out)
    assert result is out and out.tolist() == [1.0, 0.0, 3.0]
    big = nn.zeros(2, 2)                                # resized, with the warning, as PyTorch
    _, w = _caught(lambda: nn.where(c, nn.ones(3), nn.zeros(3), out=big))
    assert big.shape == (3,) and str(w[0].message).startswith(RESIZE.format("[2, 2]", "[3]"))
    with pytest.raises(RuntimeError, match=r"^Expected out type to be Float but got Long$"):
        nn.where(c, nn.ones(3), nn.zeros(3), out=nn.zeros(3, dtype=nn.int64))
    with pytest.raises(RuntimeError, match=r"^where\(\): functions with out=\.\.\. arguments don't support"):
        nn.where(c, nn.ones(3, requires_grad=True), nn.zeros(3), out=nn.zeros(3))
    assert [t.tolist() for t in nn.where(c)] == [[0, 2]]        # where(condition) alone: unchanged


def test_logspace_and_linspace_points_stay_cs_to_the_bit():
    # PyTorch's logspace kernel: base ** (start + step * i) for the first half, base ** (end - step * (n - 1 - i))
    # for the second, each by C's pow (math.pow); a regression guard for the vectorised path
    n, lo, hi = 1001, -3.0, 2.0
    step = (hi - lo) / (n - 1)
    want = [math.pow(10.0, lo + step * i if i < n // 2 else hi - step * (n - 1 - i)) for i in range(n)]
    assert nn.logspace(lo, hi, n, dtype=nn.float64).tolist() == want
    assert np.isnan(nn.logspace(-3.0, 2.0, 4, base=-2.0, dtype=nn.float64).numpy()[1])
    assert nn.linspace(0.0, 1.0, 5, dtype=nn.float64).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert nn.linspace(-1.0, 1.0, 3).dtype == nn.float32


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    for make_out in (lambda L: L.zeros(2), lambda L: L.zeros(0), lambda L: L.zeros(3, 1), lambda L: L.tensor(1.0)):
        got = []
        for L in (torch, nn):
            out = make_out(L)
            r, w = _caught(lambda: L.where(L.tensor([True, False, True]), L.ones(3), L.zeros(3), out=out))
            got.append((r.tolist(), [str(x.message).split(" (Triggered")[0] for x in w]))
        assert got[0] == got[1]
    rng = np.random.default_rng(0)
    for base in (10.0, 2.0, 0.3):
        lo, hi = sorted(rng.uniform(-30, 30, 2))
        assert np.array_equal(torch.logspace(lo, hi, 2000, base=base, dtype=torch.float64).numpy(),
                              nn.logspace(lo, hi, 2000, base=base, dtype=nn.float64).numpy())
        assert np.array_equal(torch.linspace(lo, hi, 2000, dtype=torch.float64).numpy(),
                              nn.linspace(lo, hi, 2000, dtype=nn.float64).numpy())
