"""einops on nn tensors (nn/einops.py): its functions take nn Tensors with gradients, its PyTorch layers exist as
nn Modules (`from einops.layers.torch import X` -> `from nn.einops import X`, the porting rule's import line).
Skipped where einops is not installed (it is in the test extras)."""
import copy

import numpy as np
import pytest

einops = pytest.importorskip("einops")

import nn  # noqa: E402
from nn.einops import EinMix, Rearrange, Reduce  # noqa: E402

RNG = np.random.default_rng(5)


def t(a, grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_functions_take_nn_tensors():
    a = RNG.normal(size=(2, 3, 4, 6))
    x = t(a)
    y = einops.rearrange(x, "b c h (w p) -> b (h w) (p c)", p=2)
    assert isinstance(y, nn.Tensor)
    np.testing.assert_array_equal(y.numpy(), a.reshape(2, 3, 4, 3, 2).transpose(0, 2, 3, 4, 1).reshape(2, 12, 6))
    np.testing.assert_array_equal(einops.reduce(x, "b c h w -> b c", "max").numpy(), a.max((2, 3)))
    np.testing.assert_allclose(einops.reduce(x, "b c (h h2) w -> b c h w", "mean", h2=2).numpy(),
                               a.reshape(2, 3, 2, 2, 6).mean(3))
    np.testing.assert_array_equal(einops.repeat(x[0, 0], "h w -> k h w", k=3).numpy(), np.broadcast_to(a[0, 0], (3, 4, 6)))
    np.testing.assert_allclose(einops.einsum(x, x, "b c h w, b d h w -> b c d").numpy(),
                               np.einsum("bchw,bdhw->bcd", a, a), rtol=1e-13)
    packed, shapes = einops.pack([x, x[:, :1]], "b * h w")
    assert tuple(packed.shape) == (2, 4, 4, 6)
    first, second = einops.unpack(packed, shapes, "b * h w")
    np.testing.assert_array_equal(second.numpy(), a[:, :1])
    assert einops.asnumpy(x) is not None and np.array_equal(einops.asnumpy(x), a)


def test_gradients_flow_through_einops():
    x = t(RNG.normal(size=(2, 4, 6)), True)
    assert nn.gradcheck(lambda v: einops.reduce(einops.rearrange(v, "b (h p) w -> b h (w p)", p=2), "b h w -> b w",
                                                "sum") ** 2, (x,))
    assert nn.gradcheck(lambda v: einops.repeat(v, "b h w -> b h w k", k=2).prod(-1), (x,))


def test_layers_are_modules():
    nn.manual_seed(0)
    model = nn.Sequential(Rearrange("b c (h p) -> b h (p c)", p=2),
                          EinMix("b h d -> b h e", weight_shape="d e", bias_shape="e", d=6, e=5),
                          Reduce("b h e -> b e", "mean")).double()
    x = t(RNG.normal(size=(2, 3, 4)))
    out = model(x)
    w, b = model[1].weight.detach().numpy(), model[1].bias.detach().numpy()
    want = (a := x.numpy().reshape(2, 3, 2, 2).transpose(0, 2, 3, 1).reshape(2, 2, 6)) @ w + b
    np.testing.assert_allclose(out.detach().numpy(), want.mean(1), rtol=1e-13)
    assert list(model.state_dict()) == ["1.weight", "1.bias"] and a.shape == (2, 2, 6)
    copied = copy.deepcopy(model)
    np.testing.assert_array_equal(copied(x).detach().numpy(), out.detach().numpy())
    out.sum().backward()
    assert model[1].weight.grad.shape == (6, 5)


def test_layers_match_pytorchs():
    torch = pytest.importorskip("torch")
    from einops.layers.torch import EinMix as TorchEinMix
    theirs = TorchEinMix("b (h p) d -> b h e", weight_shape="p d e", bias_shape="e", p=2, d=3, e=4).double()
    ours = EinMix("b (h p) d -> b h e", weight_shape="p d e", bias_shape="e", p=2, d=3, e=4).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    a = RNG.normal(size=(2, 6, 3))
    np.testing.assert_allclose(ours(t(a)).detach().numpy(), theirs(torch.tensor(a)).detach().numpy(), rtol=1e-13)
