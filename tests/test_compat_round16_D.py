"""Sixteenth compatibility round, area D: torchvision 0.28.0's model zoo (`torchvision/models`, `ops/misc.py`,
`ops/stochastic_depth.py`, `_utils`), ported by the porting rule and compared with PyTorch 2.13 model by model.

Idioms that broke on nn:
- MNASNet (``_version = 2``) reads ``local_metadata["version"]`` in its ``_load_from_state_dict`` and raises on
  None: nn's ``state_dict()`` carried no ``_metadata`` (PyTorch's per-module ``{"version": cls._version}``), so
  ``model.load_state_dict(model.state_dict())`` failed, and ``nn.save`` dropped the metadata from the file (a
  torchvision MNASNet saved by nn could not be loaded by PyTorch either).
- A plain dict (``{k: v for k, v in ckpt.items()}``, the usual key-renaming idiom) without
  ``num_batches_tracked`` loads into PyTorch's BatchNorm (``_version = 2``: older checkpoints lack that buffer, so
  it is filled in when the metadata's version is missing or below 2); nn reported it missing.
"""
import collections
import io

import numpy as np
import pytest

import nn


class _Versioned(nn.Module):
    """MNASNet's loader: a module version 2 whose _load_from_state_dict insists on knowing the checkpoint's."""
    _version = 2

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 3)
        self.seen = []

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        version = local_metadata.get("version", None)
        if version not in (1, 2):
            raise ValueError(f"version should be set to 1 or 2 instead of {version}")
        self.seen.append(version)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


def _net():
    return nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2), _Versioned())


def test_state_dict_metadata_holds_each_modules_version():
    sd = _net().state_dict()
    assert sd._metadata == collections.OrderedDict([("", {"version": 1}), ("0", {"version": 1}),
                                                    ("1", {"version": 2}), ("2", {"version": 2}),
                                                    ("2.fc", {"version": 1})])


def test_module_reading_its_version_loads_its_own_state_dict():
    net = _net()
    net.load_state_dict(net.state_dict())
    assert net[2].seen == [2]
    with pytest.raises(ValueError, match="instead of None"):        # a plain dict has no metadata, as in PyTorch
        net.load_state_dict(dict(net.state_dict()))


def test_state_dict_post_hook_gets_the_local_metadata():
    net, got = _net(), []
    net[1]._register_state_dict_hook(lambda m, sd, prefix, local: got.append((prefix, local)))
    net.state_dict()
    assert got == [("1.", {"version": 2})]


def test_save_load_keeps_the_metadata():
    net = _net()
    buf = io.BytesIO()
    nn.save(net.state_dict(), buf)
    buf.seek(0)
    loaded = nn.load(buf)
    assert loaded._metadata == net.state_dict()._metadata
    net.load_state_dict(loaded)
    assert net[2].seen == [2]


def test_batchnorm_fills_num_batches_tracked_for_versionless_dicts():
    bn = nn.BatchNorm2d(2)
    bn.num_batches_tracked[...] = 5
    old = {"weight": np.array([2.0, 3.0], np.float32), "bias": np.zeros(2, np.float32),
           "running_mean": np.ones(2, np.float32), "running_var": np.ones(2, np.float32)}
    result = bn.load_state_dict(old)                    # no metadata: version None < 2, the count is kept
    assert result.missing_keys == [] and int(bn.num_batches_tracked) == 5
    np.testing.assert_array_equal(bn.weight.detach().numpy(), [2.0, 3.0])
    current = collections.OrderedDict(old)
    current._metadata = {"": {"version": 2}}             # a version-2 checkpoint must have it
    with pytest.raises(KeyError, match="num_batches_tracked"):
        bn.load_state_dict(current)
    assert bn.load_state_dict(current, strict=False).missing_keys == ["num_batches_tracked"]


def test_instance_norm_is_a_version_2_norm_too():
    norm = nn.InstanceNorm2d(2, track_running_stats=True)
    assert norm.state_dict()._metadata == {"": {"version": 2}}
    assert norm.load_state_dict({"running_mean": np.zeros(2), "running_var": np.ones(2)}).missing_keys == []


def test_torch_reads_the_metadata_nn_saved_and_back():
    torch = pytest.importorskip("torch")
    net = _net()
    buf = io.BytesIO()
    nn.save(net.state_dict(), buf)
    buf.seek(0)
    theirs = torch.load(buf)
    assert theirs._metadata == net.state_dict()._metadata
    ref = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 1), torch.nn.BatchNorm2d(2))
    assert dict(ref.state_dict()._metadata) == {k: v for k, v in net.state_dict()._metadata.items() if k < "2"}
    buf = io.BytesIO()
    torch.save(ref.state_dict(), buf)
    buf.seek(0)
    assert nn.load(buf)._metadata == ref.state_dict()._metadata
