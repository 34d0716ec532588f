"""Idioms of third-party PyTorch code found failing by a port-and-compare hunt, each against PyTorch when it is
installed: the pre-1.5 argument orders, torch.jit's run-time no-ops, Identity's ignored arguments, an LSTM state
given as a list, Tensor.unfold, and affine_grid + grid_sample at pixel centres (a spatial transformer)."""
import warnings

import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck

from porting import load_script, port
from test_grid_sample import STN


def test_number_first_argument_orders_of_old_code():
    y = nn.full((3,), 2.0)
    nn.array._DEPRECATED_OVERLOAD_WARNED.clear()     # PyTorch warns once per process (round 44 H): afresh for each
    with pytest.warns(UserWarning, match="deprecated"):
        assert nn.ones(3).add_(-0.5, y).tolist() == [0.0, 0.0, 0.0]
    nn.array._DEPRECATED_OVERLOAD_WARNED.clear()
    with pytest.warns(UserWarning):
        assert nn.ones(3).sub(0.5, y).tolist() == [0.0, 0.0, 0.0]
    nn.array._DEPRECATED_OVERLOAD_WARNED.clear()
    with pytest.warns(UserWarning):
        assert nn.ones(3).addcmul_(2, y, y).tolist() == [9.0, 9.0, 9.0]
    nn.array._DEPRECATED_OVERLOAD_WARNED.clear()
    with pytest.warns(UserWarning):
        assert nn.ones(3).addcdiv(2, y, y).tolist() == [3.0, 3.0, 3.0]
    p = nn.Parameter(nn.ones(2))
    (p * p).sum().backward()
    nn.array._DEPRECATED_OVERLOAD_WARNED.clear()
    with pytest.warns(UserWarning):
        p.data.add_(-0.5, p.grad.data)                    # the char-RNN tutorial's update
    assert p.tolist() == [0.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # today's orders do not warn
        assert nn.ones(2).add(nn.ones(2), alpha=3).tolist() == [4.0, 4.0] and nn.ones(2).add(2).tolist() == [3.0, 3.0]
    with pytest.raises(TypeError):
        nn.ones(3).addcmul_(2, y, y, y)


def test_jit_identity_and_lstm_state_list():
    from nn.jit.annotations import Optional, Tuple          # noqa: F401 (torchvision imports these)
    assert not nn.jit.is_scripting() and not nn.jit.is_tracing() and nn.jit.annotate(int, 3) == 3
    f = nn.jit.unused(lambda: 1)
    assert f() == 1 and nn.jit.script(f) is f and nn.jit.ignore(f) is f and nn.jit.ignore(drop=True)(f) is f
    assert isinstance(nn.Identity(54, unused_argument1=0.1), nn.Identity) and nn.Identity(inplace=True)(y := nn.ones(2)) is y
    lstm = nn.LSTM(3, 4, batch_first=True)
    out, (h, c) = lstm(nn.randn(2, 5, 3), [nn.zeros(1, 2, 4), nn.zeros(1, 2, 4)])
    assert out.shape == (2, 5, 4) and h.shape == c.shape == (1, 2, 4)


@pytest.mark.parametrize("dim, size, step", [(1, 3, 2), (1, 2, 1), (0, 3, 1), (-1, 1, 1), (1, 7, 1), (1, 0, 3)])
def test_tensor_unfold(dim, size, step):
    x = np.random.default_rng(0).standard_normal((3, 7, 2))
    gradcheck(lambda t: t.unfold(dim, size, step), (nn.tensor(x, requires_grad=True),))
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(nn.tensor(x).unfold(dim, size, step).numpy(),
                                  torch.tensor(x).unfold(dim, size, step).numpy())


def test_unfold_running_average_of_the_dqn_tutorial():
    durations = nn.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    means = durations.unfold(0, 4, 1).mean(1).view(-1)
    assert means.tolist() == [2.5, 3.5, 4.5]
    with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 0 is 4 but size is 5"):
        nn.ones(4).unfold(0, 5, 1)                  # (PyTorch's words)


def test_affine_grid_matches_pytorch_to_the_bit():
    torch = pytest.importorskip("torch")
    theta = np.random.default_rng(1).standard_normal((2, 2, 3))
    theta[0] = [[1, 0, 0], [0, 1, 0]]
    for dtype, tdtype in ((nn.float64, torch.float64), (nn.float32, torch.float32)):
        for size in ((2, 1, 7, 5), (2, 3, 28, 28), (2, 1, 1, 9)):
            for align in (False, True):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")           # PyTorch warns about 1-pixel grids
                    want = torch.nn.functional.affine_grid(torch.tensor(theta, dtype=tdtype), size, align).numpy()
                got = nn.functional.affine_grid(nn.tensor(theta, dtype=dtype), size, align).numpy()
                np.testing.assert_array_equal(got[0], want[0])          # the identity: the base grid itself
                np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == nn.float32 else 1e-14, atol=1e-7)


def test_grid_sample_on_a_pixel_centre_takes_pytorchs_cell():
    # an identity transform puts every point on a pixel centre, where the slope to the grid is one-sided
    torch = pytest.importorskip("torch")
    x = (np.arange(7.0) ** 2).reshape(1, 1, 1, 7)
    grid = np.zeros((1, 1, 1, 2))
    grid[..., 0] = 0.2857142857142857                       # PyTorch's affine_grid value at pixel 4 of 7
    results = []
    for lib, F in ((torch, torch.nn.functional), (nn, nn.functional)):
        g = lib.tensor(grid, requires_grad=True)
        out = F.grid_sample(lib.tensor(x), g, align_corners=False)
        out.sum().backward()
        results.append((out.item(), np.asarray(g.grad).ravel().tolist()))
    assert results[0] == results[1]


# test_grid_sample.py's spatial transformer, started from the identity as PyTorch's tutorial starts it
# (.data.fill_(0) and a FloatTensor assigned to .data): every sample point then lies on a pixel centre
STN_FROM_IDENTITY = STN.replace("""        nn.init.zeros_(self.fc_loc[2].weight)
        with torch.no_grad():
            self.fc_loc[2].bias.copy_(torch.tensor([0.95, 0.1, 0.03, -0.05, 1.05, 0.02], dtype=torch.float))""",
                                """        self.fc_loc[2].weight.data.fill_(0)
        self.fc_loc[2].bias.data = torch.FloatTensor([1, 0, 0, 0, 1, 0])""")


def test_a_spatial_transformer_from_the_identity_trains_as_in_pytorch():
    assert STN_FROM_IDENTITY != STN
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs_ns, ours_ns = load_script(STN_FROM_IDENTITY), load_script(port(STN_FROM_IDENTITY))
        torch.manual_seed(0)
        theirs = theirs_ns["Net"]().double()
        ours = ours_ns["Net"]().double()
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
        rng = np.random.default_rng(2)
        x, y = rng.standard_normal((4, 1, 12, 12)), rng.integers(0, 10, 4)
        want = theirs_ns["train"](theirs, torch.tensor(x), torch.tensor(y), 3)
        got = ours_ns["train"](ours, nn.tensor(x), nn.tensor(y), 3)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-10, atol=1e-13, err_msg=key)
