"""torchani 2.9.0 and mace-torch 0.3.16 (machine-learned interatomic potentials; mace on e3nn 0.6.0 with opt_einsum_fx
0.1.4 and opt_einsum 3.4.0) from the package registry, ported by the porting rule (every .py file; the packages
renamed torchanip, macep, e3nnp, opt_einsum_fxp, opt_einsump in their import lines) and run against the originals
on PyTorch 2.13 in float64 with PyTorch's weights, perturbed: ANI models from ``arch.simple_ani`` (ensembles,
ANINetworks / ANISharedNetworks / SingleNN, GELU or CELU networks, xTB repulsion, DFT-D3 dispersion, the all-pairs,
cell-list, adaptive and Verlet neighbour lists, periodic cells), the legacy ``nn.Sequential`` of AEVComputer,
ANIModel and EnergyShifter, energies, forces, Hessians, vibrational analysis, force training with create_graph, AdamW
/ SGD steps, the ASE calculator (energy, forces, three kinds of stress, BFGS); MACE and ScaleShiftMACE with six
interaction blocks, energies, forces, stress, virials, mace's weighted losses, Adam / AdamW steps, state dicts both
ways. The failures these tests pin down, each in a few lines (the packages are never imported here): torchani's
containers rename every key the state dict hands their ``_load_from_state_dict``, and nn handed each module the
whole dict where PyTorch hands it the keys under its prefix; ``F.celu``'s gradient is PyTorch's, which scales by
1 / float32(alpha) (ANI's CELU(0.1): forces 2e-10 apart); forces with create_graph=True through ``remainder``
(torchani maps periodic coordinates into the cell with it) were refused; ``torch.save(model)`` of a MACE model failed
in nn: its gate, ``torch.nn.functional.silu`` taken at mace's import, is no longer the object of that name once
e3nn's graph building has turned dispatching on; ``arange`` with bounds against its step (torchani's periodic shifts
for an infinite cutoff) gave an empty range where PyTorch raises."""
from collections import OrderedDict

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck, gradgradcheck


# ---- load_state_dict: a module's _load_from_state_dict sees the keys under its prefix only (torchani) -------------

class _RenamingContainer(nn.Module):
    """torchani's ANINetworks in short: it prefixes 'atomics.' to every key it is given (old checkpoints)."""

    def __init__(self):
        super().__init__()
        self.atomics = nn.ModuleDict({"H": nn.Linear(2, 1)})
        self.seen = []

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        self.seen.append(sorted(state_dict))
        for k in list(state_dict):
            suffix = k.split(prefix)[-1] if prefix else k
            if not suffix.startswith("atomics."):
                state_dict[prefix + "atomics." + suffix] = state_dict.pop(k)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)


def test_load_from_state_dict_sees_only_the_keys_under_its_prefix():
    model = nn.ModuleDict({"aev": nn.Linear(3, 2), "nets": _RenamingContainer(), "shift": nn.Linear(1, 1)})
    sd = {k: v + 0.5 for k, v in model.state_dict().items()}
    assert model.load_state_dict(sd) is not None          # nn renamed 'aev.weight' to 'nets.atomics.aev.weight'
    assert model["nets"].seen == [["nets.atomics.H.bias", "nets.atomics.H.weight"]]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, sd[k])


def test_load_from_state_dict_edits_reach_the_children():
    # an old checkpoint's key, renamed by the container, loads into its child
    model = nn.ModuleDict({"aev": nn.Linear(3, 2), "nets": _RenamingContainer()})
    sd = OrderedDict(model.state_dict())
    w = np.full((1, 2), 0.25)
    sd["nets.H.weight"] = w
    del sd["nets.atomics.H.weight"]
    model.load_state_dict(sd)
    np.testing.assert_array_equal(model["nets"].atomics["H"].weight.detach().numpy(), w)


def test_load_from_state_dict_renaming_in_a_child_does_not_reach_its_siblings():
    class Dropper(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(1, 1)

        def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
            state_dict.pop("b.weight", None)           # not its key: PyTorch's copy does not hold it
            super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
    model = nn.ModuleDict({"a": Dropper(), "b": nn.Linear(1, 1, bias=False)})
    sd = {k: v + 1.5 for k, v in model.state_dict().items()}
    model.load_state_dict(sd)
    np.testing.assert_array_equal(model["b"].weight.detach().numpy(), sd["b.weight"])


def test_load_from_state_dict_against_pytorch():
    torch = pytest.importorskip("torch")

    class TorchRenaming(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.atomics = torch.nn.ModuleDict({"H": torch.nn.Linear(2, 1)})

        def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
            for k in list(state_dict):
                suffix = k.split(prefix)[-1] if prefix else k
                if not suffix.startswith("atomics."):
                    state_dict[prefix + "atomics." + suffix] = state_dict.pop(k)
            super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
    theirs = torch.nn.ModuleDict({"aev": torch.nn.Linear(3, 2), "nets": TorchRenaming()})
    ours = nn.ModuleDict({"aev": nn.Linear(3, 2), "nets": _RenamingContainer()})
    sd = {k: v.detach().numpy() + 0.5 for k, v in theirs.state_dict().items()}
    theirs.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
    ours.load_state_dict(sd)
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[k], v.numpy())


# ---- F.celu: PyTorch's forward and its gradient's float32 1 / alpha (ANI's CELU(0.1)) -----------------------------

def test_celu_forward_is_x_where_positive():
    x = nn.tensor([0.11, 0.21, 0.44, -0.11, -0.23, 0.0], dtype=nn.float64)
    y = F.celu(x, alpha=0.1).numpy()
    np.testing.assert_array_equal(y[:3], [0.11, 0.21, 0.44])          # elu(x / 0.1) * 0.1 is 0.11000000000000001
    np.testing.assert_array_equal(y[3:], 0.1 * np.expm1(np.array([-0.11, -0.23, 0.0]) * 10.0))


def test_celu_gradient_scales_by_the_float32_reciprocal_of_alpha():
    s = 1.0 / float(np.float32(0.1))                   # 9.99999985098839, not 10
    x = nn.tensor([-0.5, 0.0, 0.7], dtype=nn.float64, requires_grad=True)
    (g,) = nn.autograd.grad(F.celu(x, alpha=0.1).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [0.1 * s * np.exp(-0.5 * s), 0.1 * s, 1.0])
    assert g.detach().numpy()[1] == 0.999999985098839
    (gg,) = nn.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), [0.1 * s * s * np.exp(-0.5 * s), 0.0, 0.0], rtol=1e-15)
    assert nn.CELU(0.1)(nn.tensor([0.11], dtype=nn.float64)).item() == 0.11


def test_celu_module_and_alpha_zero():
    x = nn.tensor([-1.0, 2.0], dtype=nn.float64, requires_grad=True)
    nn.CELU(0.1)(x).sum().backward()
    assert x.grad.numpy()[0] == 0.1 * (1.0 / float(np.float32(0.1))) * np.exp(-1.0 / float(np.float32(0.1)))
    with pytest.raises(RuntimeError, match="ZeroDivisionError: alpha cannot be 0 for CELU"):
        F.celu(x, alpha=0.0)


def test_celu_gradcheck_and_second_order():
    x = nn.tensor(np.array([-1.3, -0.4, -0.05, 0.3, 1.2]), dtype=nn.float64, requires_grad=True)
    for alpha in (0.1, 1.0, 2.5):
        assert gradcheck(lambda t: F.celu(t, alpha=alpha), (x,))
        assert gradgradcheck(lambda t: F.celu(t, alpha=alpha), (x,))


def test_celu_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([-3.0, -0.5, -1e-3, 0.0, 1e-3, 0.11, 2.0])
    for alpha in (0.1, 0.37, 1.0, 2.5):
        xt = torch.tensor(x, requires_grad=True)
        xn = nn.tensor(x, requires_grad=True)
        yt, yn = torch.nn.functional.celu(xt, alpha), F.celu(xn, alpha)
        (gt,) = torch.autograd.grad(yt.sum(), xt, create_graph=True)
        (gn,) = nn.autograd.grad(yn.sum(), xn, create_graph=True)
        (ggt,) = torch.autograd.grad((gt * torch.tensor(x + 1)).sum(), xt)
        (ggn,) = nn.autograd.grad((gn * nn.tensor(x + 1)).sum(), xn)
        # (to an ulp: PyTorch's vectorised exp / expm1 and NumPy's round differently)
        np.testing.assert_allclose(yn.detach().numpy(), yt.detach().numpy(), rtol=5e-16, atol=1e-18)
        np.testing.assert_allclose(gn.detach().numpy(), gt.detach().numpy(), rtol=5e-16, atol=1e-18)
        np.testing.assert_allclose(ggn.numpy(), ggt.numpy(), rtol=1e-15, atol=1e-18)


# ---- remainder / fmod under create_graph (torchani's map into the periodic cell, forces for training) -------------

def test_remainder_can_be_differentiated_twice():
    x = nn.tensor([-2.3, 0.4, 3.1, 7.9], dtype=nn.float64, requires_grad=True)
    b = nn.tensor(1.5, dtype=nn.float64, requires_grad=True)
    y = nn.remainder(x, b)
    energy = (y ** 3).sum()
    (fx, fb) = nn.autograd.grad(energy, (x, b), create_graph=True)
    yd, q = np.mod(x.detach().numpy(), 1.5), np.floor(x.detach().numpy() / 1.5)
    np.testing.assert_allclose(fx.detach().numpy(), 3 * yd ** 2, rtol=1e-14)
    np.testing.assert_allclose(fb.detach().numpy(), (-3 * yd ** 2 * q).sum(), rtol=1e-14)
    (hx,) = nn.autograd.grad(fx.sum(), x)
    np.testing.assert_allclose(hx.numpy(), 6 * yd, rtol=1e-14)


def test_remainder_and_fmod_gradgradcheck():
    x = nn.tensor(np.array([-2.3, 0.4, 3.1, 7.9]), dtype=nn.float64, requires_grad=True)
    b = nn.tensor(np.array([1.5, -1.1, 0.7, 2.2]), dtype=nn.float64, requires_grad=True)
    for op in (nn.remainder, nn.fmod):
        assert gradgradcheck(lambda u, v: op(u, v) ** 2, (x, b))
        assert gradgradcheck(lambda u: op(u, 1.3) ** 2, (x,))


# ---- nn.save of a module holding a function of nn taken before dispatching was on (mace's gate_dict) -----------

_PICKLE_SCRIPT = r"""
import io, nn, nn.functional as F
from nn import fx
gate = F.silu                                   # mace.modules.gate_dict = {"silu": torch.nn.functional.silu, ...}
graph = fx.Graph()
proxy = fx.Proxy(graph.placeholder("x"), fx.proxy.GraphAppendingTracer(graph))   # e3nn's codegen: dispatch on
nn.tanh(proxy)
assert F.silu is not gate and F.silu._undispatched is gate
module = nn.Module()
module.gate, module.same = gate, gate
buf = io.BytesIO()
nn.save(module, buf)
buf.seek(0)
loaded = nn.load(buf, weights_only=False)
assert loaded.gate is F.silu and loaded.same is F.silu
print(loaded.gate(nn.tensor([1.0], dtype=nn.float64)).item())
"""


def test_save_a_module_holding_a_function_taken_before_dispatch():
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(nn.__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # a process of its own: turning dispatch on lasts for the rest of a process
    out = subprocess.run([sys.executable, "-c", _PICKLE_SCRIPT], capture_output=True, text=True, env=env, cwd=root,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout.split()[-1]) == 1.0 / (1.0 + np.exp(-1.0))


# ---- arange's checks (torchani's periodic shifts for an infinite cutoff: PyTorch raises, nn gave an empty range) --

def test_arange_refuses_bounds_against_the_step_as_pytorch():
    for args in ((1, 0), (1, -5), (0, 5, -1), (1.0, 0.5), (1, -9223372036854775807)):
        with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step sign"):
            nn.arange(*args)
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        nn.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match=r"unsupported range: 0 -> inf"):
        nn.arange(0, float("inf"))
    with pytest.raises(RuntimeError, match=r"unsupported range: 0 -> nan"):
        nn.arange(0.0, float("nan"))
    assert nn.arange(3, 3).tolist() == [] and nn.arange(5, 0, -2).tolist() == [5, 3, 1]
