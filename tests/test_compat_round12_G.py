"""Real third-party pure-PyTorch packages, ported by the porting rule and run against PyTorch in float64 (torchdiffeq,
efficientnet_pytorch, pytorch-tcn and lucidrains' perceiver-pytorch, axial-attention, linformer,
vector-quantize-pytorch, mlp-mixer, g-mlp, nystrom-attention, conformer, ...). The failures these tests pin down:
perceiver-pytorch appends None to a ModuleList for an absent layer (PyTorch's add_module takes None); the
reversible layers of axial-attention and linformer import torch.utils.checkpoint's get_device_states /
set_device_states and read torch.cuda._initialized; vector-quantize-pytorch picks `torch.detach` as a function.
The packages themselves are never imported here: each idiom is reproduced in a few lines."""
import warnings

import numpy as np
import pytest

import nn
from porting import load_script, port


# ---- None entries in ModuleList / Sequential (perceiver-pytorch's attn_residuals) --------------------------------

PERCEIVER_STYLE = '''
import torch
from torch import nn

class Net(nn.Module):
    def __init__(self, depth=3, residual=False):
        super().__init__()
        self.layers = nn.ModuleList([])
        self.extras = nn.ModuleList([])
        for _ in range(depth):
            self.layers.append(nn.Linear(4, 4))
            self.extras.append(nn.Linear(4, 4, bias=False) if residual else None)

    def forward(self, x):
        for layer, extra in zip(self.layers, self.extras):
            x = torch.tanh(layer(x)) + (extra(x) if extra is not None else 0.)
        return x
'''


def test_module_list_takes_none_entries_as_pytorch():
    ns = load_script(port(PERCEIVER_STYLE))
    net = ns["Net"]()
    assert len(net.extras) == 3 and list(net.extras) == [None, None, None]
    assert sorted(net.state_dict()) == ["layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight",
                                        "layers.2.bias", "layers.2.weight"]
    assert [name for name, _ in net.named_modules()] == ["", "layers", "layers.0", "layers.1", "layers.2", "extras"]
    x = np.linspace(-1, 1, 8).reshape(2, 4)
    out = net.double()(nn.tensor(x)).detach().numpy()                # float64 layers for float64 input, as PyTorch needs
    ref = x
    for i in range(3):
        ref = np.tanh(ref @ net.layers[i].weight.detach().numpy().T + net.layers[i].bias.detach().numpy())
    np.testing.assert_allclose(out, ref, rtol=1e-6)
    assert "(0-2): 3 x None" in repr(net.extras)
    with_res = ns["Net"](residual=True)
    assert all(isinstance(m, nn.Linear) for m in with_res.extras)


def test_none_through_insert_setitem_and_sequential():
    ml = nn.ModuleList([nn.Linear(2, 2)])
    ml.insert(0, None)
    ml += [None]
    assert [type(m).__name__ for m in ml] == ["NoneType", "Linear", "NoneType"]
    ml[1] = None
    assert list(ml) == [None, None, None]
    seq = nn.Sequential(nn.Linear(2, 2), None)
    assert len(seq) == 2 and seq[1] is None
    for bad in (3, "layer", nn.Linear):                  # anything else is still refused, as PyTorch's TypeError
        with pytest.raises(TypeError):
            nn.ModuleList([bad])


def test_module_list_none_against_pytorch():
    torch = pytest.importorskip("torch")
    ours = load_script(port(PERCEIVER_STYLE))["Net"]().double()
    theirs = load_script(PERCEIVER_STYLE)["Net"]().double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.linspace(-1, 1, 8).reshape(2, 4)
    out, ref = ours(nn.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy()
    # tanh is rounded differently by NumPy and PyTorch: an output near 0 amid outputs near 1 keeps only its
    # absolute error (an ulp of the largest), so the tolerance is relative to the largest output
    np.testing.assert_allclose(out, ref, rtol=1e-14, atol=1e-14 * np.abs(ref).max())
    assert repr(ours.extras) == repr(theirs.extras)
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


# ---- reversible layers: torch.utils.checkpoint's rng helpers (axial-attention, linformer, reformer) -------------

REVERSIBLE_STYLE = '''
import torch
import torch.nn as nn
from torch.utils.checkpoint import get_device_states, set_device_states

class Deterministic(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net
        self.cpu_state = None
        self.cuda_in_fwd = None
        self.gpu_devices = None
        self.gpu_states = None

    def record_rng(self, *args):
        self.cpu_state = torch.get_rng_state()
        if torch.cuda._initialized:
            self.cuda_in_fwd = True
            self.gpu_devices, self.gpu_states = get_device_states(*args)

    def forward(self, *args, record_rng=False, set_rng=False, **kwargs):
        if record_rng:
            self.record_rng(*args)
        if not set_rng:
            return self.net(*args, **kwargs)
        rng_devices = []
        if self.cuda_in_fwd:
            rng_devices = self.gpu_devices
        with torch.random.fork_rng(devices=rng_devices, enabled=True):
            torch.set_rng_state(self.cpu_state)
            if self.cuda_in_fwd:
                set_device_states(self.gpu_devices, self.gpu_states)
            return self.net(*args, **kwargs)
'''


def test_reversible_deterministic_block_replays_its_dropout():
    ns = load_script(port(REVERSIBLE_STYLE))
    nn.manual_seed(0)
    block = ns["Deterministic"](nn.Dropout(0.5))
    x = nn.ones(64)
    first = block(x, record_rng=True).numpy()
    after = block(x).numpy()                              # the generator moved on
    replay = block(x, set_rng=True).numpy()               # the recorded state, inside fork_rng
    np.testing.assert_array_equal(replay, first)
    assert not np.array_equal(after, first)
    assert nn.cuda._initialized is False and block.cuda_in_fwd is None


def test_checkpoint_rng_and_detach_helpers():
    from nn.utils.checkpoint import (check_backward_validity, detach_variable, get_device_states,
                                     set_device_states)
    x = nn.ones(3, requires_grad=True)
    assert get_device_states(x, 2, "a") == ([], [])      # CPU tensors only: no device states
    set_device_states([], [])
    with pytest.raises(RuntimeError):
        set_device_states([0], [nn.get_rng_state()])
    y, n, z = detach_variable((x * 2, 5, nn.zeros(2)))
    assert y.requires_grad and y.grad_fn is None and n == 5 and not z.requires_grad
    (y * 3).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [3.0, 3.0, 3.0])
    assert x.grad is None                                 # cut from the graph that made it
    with pytest.raises(RuntimeError, match="Only tuple of tensors is supported"):
        detach_variable([x])
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        check_backward_validity((nn.ones(2), 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_backward_validity((x,))


def test_checkpoint_helpers_against_pytorch():
    torch = pytest.importorskip("torch")
    from torch.utils import checkpoint as theirs
    from nn.utils import checkpoint as ours
    assert theirs.get_device_states(torch.ones(2)) == ours.get_device_states(nn.ones(2)) == ([], [])
    assert theirs.detach_variable((torch.ones(2, requires_grad=True) * 2,))[0].requires_grad
    assert torch.cuda._initialized is nn.cuda._initialized is False


# ---- torch.detach as a function (vector-quantize-pytorch: maybe_detach = torch.detach if ... else identity) -----

def test_top_level_detach_and_detach_():
    x = nn.tensor([1.0, -2.0], requires_grad=True)
    maybe_detach = nn.detach
    y = x * 3
    d = maybe_detach(y)
    assert not d.requires_grad and d.grad_fn is None
    np.testing.assert_array_equal(d.numpy(), [3.0, -6.0])
    loss = (y * d).sum()                                  # d is a constant: dloss/dx = 3 * d
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [9.0, -18.0])
    z = x * 2
    assert nn.detach_(z) is z and not z.requires_grad and z.grad_fn is None


def test_top_level_detach_against_pytorch():
    torch = pytest.importorskip("torch")
    assert torch.detach(torch.ones(1, requires_grad=True) * 2).requires_grad is nn.detach(
        nn.ones(1, requires_grad=True) * 2).requires_grad is False
