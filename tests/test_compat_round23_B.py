"""Diffusion samplers and models from the package registry: k-diffusion 0.1.1.post1 (with torchsde 0.2.6, trampoline
0.1.2, torchdiffeq 0.2.5 and dctorch 0.1.2, installed with --no-deps; scikit-image, safetensors, torchvision,
jsonmerge, clean-fid and clip name-only stand-ins on both sides), ported by the porting rule (every .py file; renamed
k_diffusionp / torchsdep / torchdiffeqp / dctorchp in their import lines) and run against the original on PyTorch
2.13 with PyTorch's weights and the same NumPy inputs and noise: every sampler of k_diffusion.sampling (euler,
euler_ancestral, heun, dpm_2, dpm_2_ancestral, lms, dpm_fast, dpm_adaptive, dpmpp_2s_ancestral, dpmpp_sde with its
BrownianTreeNoiseSampler, dpmpp_2m, dpmpp_2m_sde midpoint / heun, dpmpp_3m_sde) with gradients through the steps,
log_likelihood, the sigma schedules, the Denoiser wrappers and their losses, the external wrappers (VDenoiser,
CompVisDenoiser, CompVisVDenoiser, DiscreteEpsDDPMDenoiser), image_v1's U-Net and image_transformer_v1 with AdamW
steps and state_dicts, the augmentation pipeline and wrapper, the EMA / lr-schedule / timestep-density utilities, the
KID / FID metrics and the config builders. In float64 everything agreed to 1e-14.

The failure these tests pin down (k-diffusion is not imported here): k-diffusion's schedules are float32 by default,
and `get_sigmas_karras` raises a float32 ramp of a few sigmas to the power rho, `(max_inv_rho + ramp * (min_inv_rho -
max_inv_rho)) ** rho`. PyTorch's pow kernel computes `x ** 3`, `x ** -2` and `x ** -0.5` as `x*x*x`, `1/(x*x)` and
`rsqrt(x)` in the dtype, and any other exponent of fewer than 16 float32 elements with libm's `powf` (correctly
rounded: the float64 power rounded once); nn used NumPy's float32 power, an ulp off for a fifth to a third of the
values.
"""
import numpy as np
import pytest

import nn


def _f32(n, seed=0):
    return (np.random.default_rng(seed).random(n) * 10 + 0.01).astype(np.float32)


# ---- Tensor ** scalar in float32: PyTorch's special exponents and its scalar loop ---------------------------------

def test_karras_schedule_power_of_a_few_float32_sigmas_is_the_correctly_rounded_power():
    rho = 7.0
    min_inv_rho, max_inv_rho = 0.0292 ** (1 / rho), 14.6146 ** (1 / rho)      # Stable Diffusion's range
    ramp = nn.linspace(0, 1, 10)
    sigmas = (max_inv_rho + ramp * (min_inv_rho - max_inv_rho)) ** rho
    base = (max_inv_rho + ramp * (min_inv_rho - max_inv_rho)).numpy()
    assert sigmas.dtype == nn.float32
    np.testing.assert_array_equal(sigmas.numpy(), (base.astype(np.float64) ** rho).astype(np.float32))
    # (NumPy's own float32 power, nn's before, differs from this on CPUs with AVX-512, where NumPy takes a SIMD
    # path that is not correctly rounded; on AVX2 CPUs it calls libm's powf and agrees: no premise to assert)


@pytest.mark.parametrize("p", [7.0, 1 / 7, 1.5, -1.5, 1 / 3, 4.0])
def test_float32_power_of_fewer_than_16_elements_is_rounded_once_from_float64(p):
    x = _f32(3000)
    ours = np.concatenate([(nn.tensor(x[i:i + 10]) ** p).numpy() for i in range(0, 3000, 10)])
    expected = (x.astype(np.float64) ** p).astype(np.float32)
    assert ours.dtype == np.float32
    # (NumPy's float32 power, what nn gave before, is off for many of these on AVX-512 CPUs only: see above)
    np.testing.assert_array_equal(ours, expected)
    np.testing.assert_array_equal((nn.tensor(x[5]) ** p).numpy(), expected[5])     # a 0-d tensor too


@pytest.mark.parametrize("p, formula", [(3.0, lambda a: a * a * a), (-2.0, lambda a: np.float32(1) / (a * a)),
                                        (-0.5, lambda a: np.float32(1) / np.sqrt(a))])
def test_float32_cube_inverse_square_and_rsqrt_exponents_as_pytorchs_kernel(p, formula):
    x = _f32(4096, seed=1)
    expected = formula(x)
    assert (x ** np.float32(p) != expected).mean() > 0.1
    np.testing.assert_array_equal((nn.tensor(x) ** p).numpy(), expected)
    np.testing.assert_array_equal(nn.tensor(x).pow(p).numpy(), expected)
    if p == -0.5:
        np.testing.assert_array_equal((nn.tensor(x) ** p).numpy(), nn.tensor(x).rsqrt().numpy())
    # the edges stay PyTorch's (0 ** -2 and rsqrt(0) inf, rsqrt(-1) NaN, silently), an int tensor's power is float32,
    # and the gradient is still p x^(p-1)
    z = nn.tensor([0.0, -1.0, 2.0])
    edges = {3.0: [0.0, -1.0, 8.0], -2.0: [np.inf, 1.0, 0.25], -0.5: [np.inf, np.nan, np.float32(1) / np.sqrt(np.float32(2))]}
    np.testing.assert_array_equal((z ** p).numpy(), np.array(edges[p], dtype=np.float32))
    assert (nn.tensor([1, 2]) ** p).dtype == nn.float32
    w = nn.tensor(1.7, dtype=nn.float64, requires_grad=True)
    (w ** p).backward()
    assert abs(float(w.grad) - p * 1.7 ** (p - 1)) < 1e-12 * abs(p * 1.7 ** (p - 1))


def test_float32_scalar_power_matches_pytorch_bit_for_bit():
    torch = pytest.importorskip("torch")
    x = _f32(600, seed=2)
    for p in (7.0, 1.5, 3.0, -2.0, -0.5, 2.0, -1.0):
        theirs = np.concatenate([(torch.from_numpy(x[i:i + 10].copy()) ** p).numpy() for i in range(0, 600, 10)])
        ours = np.concatenate([(nn.tensor(x[i:i + 10]) ** p).numpy() for i in range(0, 600, 10)])
        np.testing.assert_array_equal(ours, theirs)
    for p in (3.0, -2.0, -0.5):
        np.testing.assert_array_equal((nn.tensor(x) ** p).numpy(), (torch.from_numpy(x) ** p).numpy())
