"""Regression tests of the review of the eighteenth compatibility round: PyTorch's values written by hand (checked
against PyTorch 2.13 when it is installed)."""
from collections import OrderedDict

import numpy as np
import pytest

import nn


# -- lerp ---------------------------------------------------------------------------------------------------------

def test_lerp_takes_a_complex_number_weight():
    # torch.lerp(zeros(2, cfloat), ones(2, cfloat), 0.3+0.1j) -> [0.3+0.1j, 0.3+0.1j]; 0.6j -> [0.6j, 0.6j]
    # (the branch on |weight| < 0.5 compared a complex number with floats: TypeError)
    a, b = nn.zeros(2, dtype=nn.complex64), nn.ones(2, dtype=nn.complex64)
    np.testing.assert_allclose(nn.lerp(a, b, 0.3 + 0.1j).numpy(), [0.3 + 0.1j] * 2, rtol=1e-6)
    np.testing.assert_allclose(nn.lerp(a, b, 0.6j).numpy(), [0.6j] * 2, rtol=1e-6)
    np.testing.assert_allclose(a.lerp(b, 0.6j).numpy(), [0.6j] * 2, rtol=1e-6)


def test_lerp_float64_is_rounded_once_in_a_tie():
    # w (end - input) + input = 1 + 2^-53 + a tiny positive error: one rounding gives 1 + 2^-52 (PyTorch's fma);
    # rounding the error terms first made it a tie, rounded to even: 1.0
    w = float(np.nextafter(1 / 6, 1))
    start, end = 1.0, 1.0 + 3 * 2.0 ** -52
    out = nn.lerp(nn.tensor([start], dtype=nn.float64), nn.tensor([end], dtype=nn.float64), w)
    assert out.item() == 1.0 + 2.0 ** -52
    weight = nn.tensor([w], dtype=nn.float64)
    assert nn.lerp(nn.tensor([start], dtype=nn.float64), nn.tensor([end], dtype=nn.float64), weight).item() \
        == 1.0 + 2.0 ** -52


def test_lerp_float32_is_rounded_once_in_a_tie():
    # start = 1 + 2^-23, w (end - start) = 2^-24 - 2^-71 (w = 10610063 * 2^-48, end - start = 13264529 * 2^-23,
    # 10610063 * 13264529 = 2^47 - 1): just below half an ulp, so PyTorch's float32 fma gives start itself
    # (1.0000001); a float64 sum first rounds it onto the tie, which went to even: 1.0000002
    start = np.float32(1 + 2.0 ** -23)
    end = np.float32((2 ** 23 + 1 + 13264529) * 2.0 ** -23)
    w = 10610063 * 2.0 ** -48
    out = nn.lerp(nn.tensor([start, start]), nn.tensor([end, end]), w).numpy()
    assert out.tolist() == [float(start)] * 2
    assert nn.lerp(nn.tensor(start), nn.tensor(end), nn.tensor(np.float32(w))).item() == float(start)


def test_lerp_float64_overflowing_values_as_pytorch():
    # torch.lerp([1e300, -inf, nan], [-1e300, 1, 1], 0.7) -> [-4e299, -inf, nan] (double)
    out = nn.lerp(nn.tensor([1e300, -np.inf, np.nan], dtype=nn.float64),
                  nn.tensor([-1e300, 1.0, 1.0], dtype=nn.float64), 0.7).numpy()
    np.testing.assert_allclose(out[:1], [-4e299], rtol=1e-15)
    assert out[1] == -np.inf and np.isnan(out[2])


def test_lerp_cross_checked_with_pytorch():
    torch = pytest.importorskip("torch")
    w = float(np.nextafter(1 / 6, 1))
    ours = nn.lerp(nn.tensor([1.0], dtype=nn.float64), nn.tensor([1.0 + 3 * 2.0 ** -52], dtype=nn.float64), w)
    theirs = torch.lerp(torch.tensor([1.0], dtype=torch.float64),
                        torch.tensor([1.0 + 3 * 2.0 ** -52], dtype=torch.float64), w)
    assert ours.item() == theirs.item()
    c = torch.lerp(torch.zeros(2, dtype=torch.complex64), torch.ones(2, dtype=torch.complex64), 0.3 + 0.1j)
    np.testing.assert_allclose(nn.lerp(nn.zeros(2, dtype=nn.complex64), nn.ones(2, dtype=nn.complex64),
                                       0.3 + 0.1j).numpy(), c.numpy())


# -- load_state_dict: the per-prefix walk without a scan of every key per child ----------------------------------

class _CountedKey(str):
    """A state-dict key that counts the prefix tests made on it."""
    calls = 0

    def startswith(self, *args):
        _CountedKey.calls += 1
        return str.startswith(self, *args)

    def find(self, *args):
        _CountedKey.calls += 1
        return str.find(self, *args)


def _counted(state_dict):
    return OrderedDict((_CountedKey(k), v) for k, v in state_dict.items())


def test_load_state_dict_of_batch_norms_does_not_scan_every_key_per_module():
    model = nn.Sequential(*[nn.BatchNorm1d(2) for _ in range(30)])
    sd = _counted(model.state_dict())
    _CountedKey.calls = 0
    model.load_state_dict(sd)
    assert _CountedKey.calls <= 2 * len(sd)          # 30 modules x 150 keys before


class _Renaming(nn.Module):
    """Renames 'old<i>.' keys to '<i>.' (as torchani's containers do) in its own step."""

    def __init__(self, n):
        super().__init__()
        self.layers = nn.Sequential(*[nn.BatchNorm1d(2) for _ in range(n)])

    def _load_from_state_dict(self, state_dict, prefix, *rest):
        for k in [k for k in state_dict if k.startswith(prefix + "layers.old")]:
            state_dict[_CountedKey(prefix + "layers." + k[len(prefix + "layers.old"):])] = state_dict.pop(k)
        super()._load_from_state_dict(state_dict, prefix, *rest)


def test_load_state_dict_walk_gives_each_child_its_keys_in_one_pass():
    model = _Renaming(30)
    sd = OrderedDict((k.replace("layers.", "layers.old", 1), v + 1) for k, v in model.state_dict().items())
    counted = _counted(sd)
    _CountedKey.calls = 0
    model.load_state_dict(counted)
    assert _CountedKey.calls <= 6 * len(sd)          # each child scanned every key before (30 x 150)
    np.testing.assert_array_equal(model.layers[29].running_var.numpy(), [2.0, 2.0])
    assert model.layers[0].num_batches_tracked.item() == 1


# -- ParameterDict's | and |= (PyTorch's: a copy updated with the other, keys in order) ------------------------------

def test_parameter_dict_or():
    a = nn.ParameterDict({"x": nn.zeros(1), "y": 2.0})
    b = nn.ParameterDict({"y": nn.ones(1), "z": nn.ones(2)})
    c = a | b
    assert list(c.keys()) == ["x", "y", "z"] and c["y"] is b["y"]
    assert list(a.keys()) == ["x", "y"] and a["y"] == 2.0
    a |= b
    assert list(a.keys()) == ["x", "y", "z"] and len(list(a.parameters())) == 3
    d = OrderedDict(w=nn.zeros(3)) | nn.ParameterDict({"v": nn.zeros(1)})
    assert list(d.keys()) == ["w", "v"]
