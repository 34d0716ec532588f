"""nn.set_default_dtype, as torch.set_default_dtype (checked against PyTorch when it is installed)."""
import numpy as np
import pytest

import nn

from porting import load_script, port


@pytest.fixture
def float64_default():
    nn.set_default_dtype(nn.float64)
    try:
        yield
    finally:
        nn.set_default_dtype(nn.float32)


def _dtypes(lib):
    return [str(t.dtype).split(".")[-1] for t in (
        lib.tensor([0.1]), lib.tensor(1.5), lib.zeros(2), lib.ones(2), lib.full((2,), 1.5), lib.rand(2), lib.randn(2),
        lib.arange(0.0, 2.0), lib.linspace(0, 1, 3), lib.eye(2), lib.empty(2), lib.tensor([1, 2]) / 2,
        lib.nn.Linear(2, 2).weight if hasattr(lib, "nn") else lib.Linear(2, 2).weight,
        lib.tensor([1, 2]), lib.full((2,), 3))]


def test_factories_layers_and_division_follow_the_default(float64_default):
    got = _dtypes(nn)
    assert got[:13] == ["float64"] * 13 and got[13:] == ["int64", "int64"]
    assert nn.get_default_dtype() == nn.float64
    assert nn.tensor(np.ones(2, np.float32)).dtype == nn.float32     # NumPy data keeps its dtype
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    try:
        assert _dtypes(torch) == got
    finally:
        torch.set_default_dtype(torch.float32)


def test_the_default_is_float32_and_only_floats_are_accepted():
    assert nn.get_default_dtype() == nn.float32 and nn.Linear(2, 2).weight.dtype == nn.float32
    with pytest.raises(TypeError, match="float32 and float64"):
        nn.set_default_dtype(nn.int64)


SCRIPT = '''
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)


class PINN(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))

    def forward(self, x):
        return self.net(x)


def fit(model, steps=5):
    x = torch.linspace(0, 1, 32).reshape(-1, 1)
    y = torch.sin(3.0 * x)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses
'''


def test_a_float64_script_trains_as_in_pytorch(float64_default):
    torch = pytest.importorskip("torch")
    try:
        theirs_ns = load_script(SCRIPT)
        torch.manual_seed(0)
        theirs = theirs_ns["PINN"]()
        ours_ns = load_script(port(SCRIPT))
        ours = ours_ns["PINN"]()
        assert ours.net[0].weight.dtype == nn.float64
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        np.testing.assert_allclose(ours_ns["fit"](ours), theirs_ns["fit"](theirs), rtol=1e-12)
    finally:
        torch.set_default_dtype(torch.float32)


def test_mixed_integer_and_scalar_operations_follow_the_default(float64_default):
    got = [str(t.dtype).split(".")[-1] for t in (
        nn.tensor([1, 2]) * 1.5, nn.tensor([1, 2]) + 0.5, nn.exp(nn.tensor([1, 2])), nn.sqrt(nn.tensor([4])),
        nn.where(nn.tensor([True, False]), 1.5, 0.0), nn.distributions.Normal(0.0, 1.0).sample())]
    assert got == ["float64"] * 6 and nn.finfo().dtype == nn.float64
    assert repr(nn.tensor([1.5])) == "tensor([1.5000])"              # the default dtype goes unsaid, as PyTorch
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    try:
        want = [str(t.dtype).split(".")[-1] for t in (
            torch.tensor([1, 2]) * 1.5, torch.tensor([1, 2]) + 0.5, torch.exp(torch.tensor([1, 2])),
            torch.sqrt(torch.tensor([4])), torch.where(torch.tensor([True, False]), 1.5, 0.0),
            torch.distributions.Normal(0.0, 1.0).sample())]
        assert got == want
    finally:
        torch.set_default_dtype(torch.float32)
