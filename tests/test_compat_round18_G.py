"""chronos-forecasting 2.3.2 (Chronos on T5 and on GPT-2, Chronos-Bolt, Chronos-2, on transformers 5.25.0) and torchcfm
1.0.7 (with POT 0.9.7, torchdiffeq 0.2.5, torchdyn 1.0.6 and torchcde 0.2.5) from the package registry, ported by the
porting rule and run against the originals on PyTorch in float64, with the same (perturbed) weights and the same
random draws from one NumPy stream: Chronos' pipelines' `predict` / `predict_quantiles` / `embed` (generation's
`multinomial` draws shared), Chronos-2 with covariates, groups, long horizons, `predict_df` and `fit()` through the
Trainer, the models' losses, gradients, AdamW steps and save / load both ways; torchcfm's five flow matchers with its
OT plans, its MLP and UNet trained a few steps, sampling by torchdiffeq's `odeint` / `odeint_adjoint` and torchdyn's
`NeuralODE`. Both packages ran without an exception; what differed were float32 numbers, and the ones nn rounded
otherwise than PyTorch are pinned here (the packages themselves are never imported): `torch.lerp` rounds once (its
kernel is an fma: fma(w, end - input, input) for |w| < 0.5, else fma(w - 1, end - input, end)), and `torch.quantile`
/ `nanquantile` take the rank q (n - 1) in the input's dtype, interpolate by that lerp and, for "lower", "higher" and
"nearest", return the element itself (Chronos' `predict_quantiles` and Chronos-Bolt's long-horizon `predict`
reduce float32 samples by `torch.quantile`)."""
from fractions import Fraction

import numpy as np
import pytest

import nn


# ---- lerp rounds once, as PyTorch's kernel (an fma) ---------------------------------------------------------------

def _fma_lerp(a, b, w, dtype=np.float64):
    """PyTorch's lerp: fma(w, b - a, a) for |w| < 0.5, else fma(w - 1, b - a, b), with b - a and w - 1 rounded to
    dtype, the product and the sum exact (Fractions), to be rounded once."""
    a, b, w = dtype(a), dtype(b), dtype(w)
    coeff, base = (w, a) if abs(w) < 0.5 else (w - dtype(1), b)
    return Fraction(float(coeff)) * Fraction(float(b - a)) + Fraction(float(base))


def test_lerp_float64_rounds_once():
    a, b, w = [-1.83, -16.69, 1.94], [5.41, 2.76, 11.12], [0.47, 0.68, 0.15]
    out = nn.lerp(nn.tensor(a, dtype=nn.float64), nn.tensor(b, dtype=nn.float64), nn.tensor(w, dtype=nn.float64))
    # PyTorch's values; two roundings (a + w (b - a), b - (b - a)(1 - w)) give 1.5728, -3.4640000000000004, 3.317
    assert out.numpy().tolist() == [1.5727999999999998, -3.464, 3.3169999999999997]
    assert out.numpy().tolist() == [float(_fma_lerp(*v)) for v in zip(a, b, w)]


def test_lerp_float32_rounds_once():
    a = nn.tensor([20.41, -20.2, -3.91])
    b = nn.tensor([-25.56, -2.32, 4.82])
    want = [-16.365999221801758, -7.147599697113037, 1.7644997835159302]     # PyTorch's
    assert nn.lerp(a, b, nn.tensor([0.8, 0.73, 0.65])).numpy().tolist() == want
    assert nn.lerp(a[:1], b[:1], 0.8).item() == want[0]                      # a number as the weight
    exact = [_fma_lerp(x, y, w, np.float32) for x, y, w in zip(a.numpy(), b.numpy(), [0.8, 0.73, 0.65])]
    assert want == [float(np.float32(float(v))) for v in exact]
    m = a.clone()
    m.lerp_(b, nn.tensor([0.8, 0.73, 0.65]))                                  # in place too (an EMA's update)
    assert m.numpy().tolist() == want


def test_lerp_still_differentiable_after_rounding():
    from nn.gradcheck import gradcheck
    x = nn.tensor([-1.83, -16.69, 1.94], dtype=nn.float64, requires_grad=True)
    e = nn.tensor([5.41, 2.76, 11.12], dtype=nn.float64, requires_grad=True)
    w = nn.tensor([0.47, 0.68, 0.15], dtype=nn.float64, requires_grad=True)
    assert gradcheck(nn.lerp, (x, e, w))
    nn.lerp(x, e, w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.53, 0.32, 0.85])
    np.testing.assert_allclose(w.grad.numpy(), [5.41 + 1.83, 2.76 + 16.69, 11.12 - 1.94])


# ---- quantile: ranks in the input's dtype, PyTorch's lerp, and elements themselves for lower / higher / nearest --

def test_quantile_higher_and_nearest_are_elements():
    x = nn.tensor([18.8, -12.1, 2.6, -3.1, -10.6], dtype=nn.float64)
    # q (n - 1) = 1.2: the element above, -3.1 itself (a + (b - a) * 1 gave -3.0999999999999996)
    assert nn.quantile(x, 0.3, interpolation="higher").item() == -3.1
    assert nn.quantile(x, 0.4, interpolation="nearest").item() == -3.1
    assert nn.quantile(x, 0.3, interpolation="lower").item() == -10.6
    y = nn.tensor([1.1, -5.5, -7.8, 7.5, 16.3])
    assert nn.quantile(y, 0.3, interpolation="higher").item() == np.float32(1.1)


def test_quantile_linear_and_midpoint_as_pytorch():
    x = nn.tensor([-0.5, 13.4, -5.2, -12.6, -18.4], dtype=nn.float64)
    assert nn.quantile(x, 0.3).item() == -11.12                      # PyTorch's (a + (b - a) w: -11.120000000000001)
    assert nn.quantile(nn.tensor([-3.4, 7.9, 6.3, 15.5, 0.1], dtype=nn.float64), 0.3,
                       interpolation="midpoint").item() == 3.1999999999999997
    # float32: the rank 0.3 * 4 in float32 (1.2000000476837158), then one rounding
    y = nn.tensor([-8.0, -13.2, -2.5, 4.2, 11.4])
    assert nn.quantile(y, 0.3).item() == -6.899999618530273
    assert nn.quantile(nn.tensor([11.7, 7.2, -20.0, 2.7, -11.0]), 0.3,
                       interpolation="midpoint").item() == -4.149999618530273
    # a tensor of levels, and nanquantile (a row's numbers only) take the same path
    rows = nn.tensor([[-8.0, -13.2, -2.5, 4.2, 11.4], [-8.0, float("nan"), -13.2, -2.5, 4.2]])
    got = nn.nanquantile(rows, nn.tensor([0.3, 0.9]), dim=1).numpy()
    assert got[0, 0] == np.float32(-6.899999618530273)
    assert got[:, 1].tolist() == nn.quantile(rows[1, [0, 2, 3, 4]], nn.tensor([0.3, 0.9])).numpy().tolist()


def test_quantile_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        x = (rng.normal(size=(400, 7)) * 10).astype(dtype)
        x[::5, 3] = np.nan
        for interpolation in ("linear", "lower", "higher", "nearest", "midpoint"):
            for q in (0.1, 0.3, 0.77, 0.95):
                for fn in ("quantile", "nanquantile"):
                    ours = getattr(nn, fn)(nn.tensor(x), q, dim=1, interpolation=interpolation).numpy()
                    theirs = getattr(torch, fn)(torch.tensor(x), q, dim=1, interpolation=interpolation).numpy()
                    np.testing.assert_array_equal(ours, theirs, err_msg=f"{fn} {interpolation} {q} {dtype}")
        a, b, w = (rng.normal(size=1000) * 10).astype(dtype), (rng.normal(size=1000) * 10).astype(dtype), \
            rng.uniform(-0.5, 1.5, size=1000).astype(dtype)
        np.testing.assert_array_equal(nn.lerp(nn.tensor(a), nn.tensor(b), nn.tensor(w)).numpy(),
                                      torch.lerp(torch.tensor(a), torch.tensor(b), torch.tensor(w)).numpy())
