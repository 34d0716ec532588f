"""deepinv 0.5.0 (inverse problems in imaging) from the package registry, with torchvision 0.28.0's Python
transforms and utils beneath it, ported by the porting rule (every .py file of both) and run against the originals on
PyTorch in float64, with the same weights and every random draw (noise, masks, Monte-Carlo probes, transforms, R2R's
corruptions) read from one NumPy stream: physics operators (denoising with Gaussian / Poisson / Poisson-Gaussian
noise, Blur, BlurFFT, Downsampling, Inpainting, CompressedSensing, MRI, Tomography) with `A`, `A_adjoint`,
`A_dagger`, `prox_l2`, `A_vjp`; 20 denoisers trained 2 Adam steps; PnP / RED / TV / L1 / Tikhonov with PGD, HQS,
ADMM, DRS, FISTA, GD through `optim_builder`; unfolded PGD (`unfolded_builder`) and 14 losses (supervised, MC, SURE
Gaussian / Poisson / Poisson-Gaussian, EI with rotations and shifts, R2R, Neighbor2Neighbor, splitting, TV) trained
3 steps; metrics; the Trainer for 2 epochs with checkpoints loaded across. The failures these tests pin down, each
reproduced in a few lines (the packages themselves are never imported here): a Generator's `get_state()` is a uint8
tensor (deepinv registers it as a buffer and moves it with `.to(device)`); norm layers' `_check_input_dim` (deepinv's
bias-free BatchNorm2d calls it); `ParameterDict` holds modules and plain values as PyTorch's (an unfolded algorithm's
ParameterLists of step sizes became single Parameters and its floats Parameters, so its state_dict had other keys);
an element of `.data` is 0-d (`torch.sqrt(1 + 2 * gamma * self.mu.data[k])` in DScCP); `torch._dynamo.utils`
(torchvision's roi_align imports `is_compile_supported`)."""
import numpy as np
import pytest

import nn
import nn.functional as F


# ---- torch.Generator.get_state / set_state (deepinv's random generators keep their initial state as a buffer) ----

def test_generator_state_is_a_uint8_tensor():
    g = nn.Generator().manual_seed(7)
    state = g.get_state()
    assert isinstance(state, nn.Tensor) and state.dtype == nn.uint8 and state.dim() == 1
    moved = state.to("cpu").clone()
    first = nn.rand(5, generator=g)
    g.set_state(moved)
    np.testing.assert_array_equal(nn.rand(5, generator=g).numpy(), first.numpy())
    m = nn.Module()
    m.register_buffer("initial_random_state", g.get_state())
    assert m.state_dict()["initial_random_state"].dtype == nn.uint8


def test_generator_state_matches_the_global_state_layout():
    nn.manual_seed(11)
    g = nn.Generator().manual_seed(11)
    np.testing.assert_array_equal(g.get_state().numpy(), nn.get_rng_state().numpy())
    with pytest.raises(ValueError):
        g.set_state(nn.zeros(3, dtype=nn.uint8))


# ---- _BatchNorm._check_input_dim (deepinv's UNet(batch_norm="biasfree") subclasses BatchNorm2d and calls it) -----

def test_norm_layers_check_input_dim_in_pytorchs_words():
    for layer, bad, message in ((nn.BatchNorm1d(3), nn.ones(2, 3, 4, 5), "expected 2D or 3D input (got 4D input)"),
                                (nn.BatchNorm2d(3), nn.ones(2, 3), "expected 4D input (got 2D input)"),
                                (nn.BatchNorm3d(3), nn.ones(2, 3), "expected 5D input (got 2D input)"),
                                (nn.InstanceNorm2d(3), nn.ones(2, 3), "expected 3D or 4D input (got 2D input)"),
                                (nn.SyncBatchNorm(3), nn.ones(3), "expected at least 2D input (got 1D input)")):
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            layer._check_input_dim(bad)
    nn.BatchNorm2d(3)._check_input_dim(nn.ones(1, 3, 2, 2))      # accepted: returns None


def test_bias_free_batch_norm_subclass_runs():
    class BFBatchNorm2d(nn.BatchNorm2d):                 # deepinv.models.unet's, in short
        def forward(self, x):
            self._check_input_dim(x)
            y = x.transpose(0, 1).contiguous().view(x.size(1), -1)
            y = y / (y.var(dim=1) + self.eps).sqrt().view(-1, 1) * self.weight.view(-1, 1)
            return y.view(x.size(1), x.size(0), *x.shape[2:]).transpose(0, 1)

    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    out = BFBatchNorm2d(3)(nn.tensor(x)).detach().numpy()
    y = x.transpose(1, 0, 2, 3).reshape(3, -1)
    want = (y / np.sqrt(y.var(axis=1, ddof=1) + 1e-5)[:, None]).reshape(3, 2, 4, 4).transpose(1, 0, 2, 3)
    np.testing.assert_allclose(out, want, rtol=1e-12)


# ---- an element of .data is 0-d (deepinv's DScCP: torch.sqrt(1 + 2 * gamma * self.mu.data[k])) -------------------

def test_data_element_is_zero_dim_and_feeds_nn_functions():
    mu = nn.Parameter(nn.tensor([0.5, 2.0], dtype=nn.float64))
    element = mu.data[1]
    assert element.shape == () and float(element) == 2.0
    out = nn.sqrt(1 + 2 * 0.5 * mu.data[1])
    assert isinstance(out, nn.Tensor) and out.shape == ()
    np.testing.assert_allclose(out.item(), np.sqrt(3.0))
    # NumPy's meaning is kept where NumPy code reads it: iteration gives numbers, full reductions NumPy scalars
    assert set(np.unique(nn.tensor([0.0, 2.0, 2.0]).data)) == {0.0, 2.0}
    assert isinstance(np.sum(mu.data), np.floating)
    # a bare PyTorch-style full reduction is 0-d, as PyTorch's 0-d tensor (round 27, area B: mmengine's .mean().cpu())
    assert mu.data.sum().shape == () and float(mu.data.sum()) == 2.5


# ---- ParameterDict holds any value, as PyTorch's (deepinv's unfolded PGD: ParameterLists of step sizes, floats) ---

def test_parameter_dict_keeps_modules_and_plain_values():
    steps = nn.ParameterList([nn.Parameter(nn.tensor(0.8)), nn.Parameter(nn.tensor(0.7))])
    d = nn.ParameterDict({"stepsize": steps, "lambda": 1.0, "w": nn.ones(2)})
    assert list(d.keys()) == ["lambda", "stepsize", "w"]                 # a plain dict's keys, sorted
    assert d["lambda"] == 1.0 and d["stepsize"] is steps and isinstance(d["w"], nn.Parameter)
    assert list(d.state_dict()) == ["w", "stepsize.0", "stepsize.1"]    # PyTorch's keys: no 'lambda'
    assert [n for n, _ in d.named_parameters()] == ["w", "stepsize.0", "stepsize.1"]
    assert "(lambda): Object of type: float" in repr(d) and "(stepsize): Object of type: ParameterList" in repr(d)
    copied = d.copy()
    assert list(copied.keys()) == ["lambda", "stepsize", "w"] and copied["stepsize"] is steps
    assert d.pop("lambda") == 1.0 and "lambda" not in d and len(d) == 2
    with pytest.raises(TypeError, match="not a string"):
        d[0] = nn.ones(1)


# ---- torch._dynamo.utils.is_compile_supported (torchvision's ops/roi_align.py imports it at import) -----------------

def test_dynamo_utils_is_compile_supported():
    from nn._dynamo.utils import is_compile_supported
    assert is_compile_supported("cpu") is True and is_compile_supported(nn.device("cpu")) is True
    assert is_compile_supported("cuda") is False
