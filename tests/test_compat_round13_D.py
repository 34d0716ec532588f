"""Round 13, area D: Stable-Baselines3 2.9.2 (PPO, A2C, DQN, SAC, TD3, DDPG, HER, its policies and distributions),
ported whole by the porting rule and run against the original on PyTorch. What it needed of nn, each test failing
before its fix: a device compared with a string that names no device ("auto"), and TensorBoard's hparams records
(`torch.utils.tensorboard.summary.hparams`, `file_writer.add_summary`), which SB3's logger imports."""
import os
import struct

import pytest

import nn


def test_device_equals_a_string_that_names_no_device_is_false():
    # SB3's get_device(): `if device == "auto": ...` with a device object; PyTorch answers False, nn raised
    cpu = nn.device("cpu")
    assert (cpu == "auto") is False and cpu != "auto"
    assert (cpu == "cuda:x") is False and (cpu == "") is False
    assert nn.device("cuda", 0) == "cuda:0"                     # a device string still parses (nn's meaning)


def test_device_equals_a_string_that_names_no_device_as_pytorch():
    torch = pytest.importorskip("torch")
    assert (torch.device("cpu") == "auto") is False and torch.device("cpu") != "auto"


def _field(n, payload):
    """A length-delimited protobuf field (payloads here stay under 128 bytes: one length byte)."""
    assert len(payload) < 128
    return bytes([n << 3 | 2, len(payload)]) + payload


def _double(n, x):
    return bytes([n << 3 | 1]) + struct.pack("<d", x)


def _plugin(tag, content):
    # Summary{value: Value{1: tag, 9: SummaryMetadata{1: PluginData{1: "hparams", 2: content}}}}
    return _field(1, _field(1, tag.encode()) + _field(9, _field(1, _field(1, b"hparams") + _field(2, content))))


def test_summary_hparams_encodes_the_hparams_plugin_records():
    from nn.utils.tensorboard.summary import hparams
    exp, ssi, sei = hparams({"lr": 0.5, "algo": "PPO", "flag": True, "skip": None}, {"reward": 0})
    # Experiment: HParamInfo{1: name, 4: type} (3 float64, 1 string; True is the number 1.0), MetricInfo{1: {2: tag}}
    infos = (_field(4, _field(1, b"lr") + b"\x20\x03") + _field(4, _field(1, b"algo") + b"\x20\x01")
             + _field(4, _field(1, b"flag") + b"\x20\x03") + _field(5, _field(1, _field(2, b"reward"))))
    assert bytes(exp) == _plugin("_hparams_/experiment", _field(2, infos))
    # SessionStartInfo: map entries {1: key, 2: google.protobuf.Value{2: number | 3: string}}
    entries = (_field(1, _field(1, b"lr") + _field(2, _double(2, 0.5)))
               + _field(1, _field(1, b"algo") + _field(2, _field(3, b"PPO")))
               + _field(1, _field(1, b"flag") + _field(2, _double(2, 1.0))))
    assert bytes(ssi) == _plugin("_hparams_/session_start_info", _field(3, entries))
    assert bytes(sei) == _plugin("_hparams_/session_end_info", _field(4, b"\x08\x01"))       # status: success
    assert sei.SerializeToString() == bytes(sei)
    with pytest.raises(TypeError):
        hparams([("lr", 1)], {})
    with pytest.raises(TypeError):
        hparams({"lr": 1.0}, {}, {"lr": ["a"]})
    with pytest.raises(ValueError):
        hparams({"lr": [1]}, {})


def test_summary_hparams_as_pytorch():
    torch = pytest.importorskip("torch")
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard.summary import hparams as theirs
    from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData
    from tensorboard.compat.proto.summary_pb2 import Summary
    from nn.utils.tensorboard.summary import hparams as ours
    cases = [({"lr": 3e-4, "algo": "PPO", "n": 3, "flag": True, "none": None}, {"rew": 0, "loss": 1.5}, None),
             ({}, {}, None),
             ({"a": 0.0, "s": "", "b": False}, {"m": 1}, {"a": [0.0, 1.0], "s": ["", "x"], "b": [True]}),
             ({"t": 2.5}, {"x": 0}, None)]
    for hp, md, dd in cases:
        a, b = [s.SerializeToString() for s in theirs(hp, md, dd)], [bytes(s) for s in ours(hp, md, dd)]
        assert a[0] == b[0] and a[2] == b[2]
        # the session's hparams are a protobuf map, whose order PyTorch's protobuf does not fix: compare as maps
        parsed = []
        for raw in (a[1], b[1]):
            value = Summary.FromString(raw).value[0]
            data = HParamsPluginData.FromString(value.metadata.plugin_data.content)
            parsed.append((value.tag, dict(data.session_start_info.hparams)))
        assert parsed[0] == parsed[1]
    t = ours({"t": nn.tensor([2.5])}, {})[1]
    assert t == theirs({"t": torch.tensor([2.5])}, {})[1].SerializeToString()


def _events(log_dir):
    """The Event messages of the one event file in log_dir (TFRecords: length, crc, data, crc)."""
    (name,) = [n for n in os.listdir(log_dir) if n.startswith("events.out.tfevents.")]
    data, out, i = open(os.path.join(log_dir, name), "rb").read(), [], 0
    while i < len(data):
        (length,) = struct.unpack("<Q", data[i:i + 8])
        out.append(data[i + 12:i + 12 + length])
        i += 16 + length
    return out


def test_add_summary_and_add_hparams_write_the_records(tmp_path):
    from nn.utils.tensorboard import SummaryWriter
    from nn.utils.tensorboard.summary import hparams
    exp, ssi, sei = hparams({"lr": 0.5}, {"reward": 0})
    with SummaryWriter(str(tmp_path / "a")) as w:
        assert w.file_writer.get_logdir() == str(tmp_path / "a")
        w.file_writer.add_summary(exp)                  # SB3's TensorBoardOutputFormat writes HParam this way
        w.file_writer.add_summary(ssi, global_step=3, walltime=1.0)
    events = _events(str(tmp_path / "a"))
    assert len(events) == 3
    # wall_time (field 1: 0x09 and 8 bytes, any values), then the summary (0x2a) with no step field (0x10) between
    assert events[1][:1] == b"\x09" and events[1][9:] == b"\x2a" + bytes([len(exp)]) + exp
    assert events[2] == _double(1, 1.0) + b"\x10\x03" + b"\x2a" + bytes([len(ssi)]) + ssi
    with SummaryWriter(str(tmp_path / "b")) as w:
        w.add_hparams({"lr": 0.5}, {"reward": 2.0}, run_name="run")
    events = _events(str(tmp_path / "b" / "run"))
    assert [e.endswith(s) for e, s in zip(events[1:4], (exp, ssi, sei))] == [True] * 3
    assert b"reward" in events[4] and struct.pack("<f", 2.0) in events[4]          # the metric as a scalar too


def test_add_hparams_as_pytorch(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter as TheirWriter
    from nn.utils.tensorboard import SummaryWriter
    with SummaryWriter(str(tmp_path / "b")) as w:
        w.add_hparams({"lr": 0.5}, {"reward": 2.0}, run_name="run")
    events = _events(str(tmp_path / "b" / "run"))
    with TheirWriter(str(tmp_path / "c")) as w:
        w.add_hparams({"lr": 0.5}, {"reward": 2.0}, run_name="run")
    theirs = _events(str(tmp_path / "c" / "run"))
    assert [e[9:] for e in theirs[1:]] == [e[9:] for e in events[1:]]          # all but the wall times


def test_var_mean_and_other_reductions_take_numpy_axis_and_keepdims():
    # pfrl's EmpiricalNormalization: torch.var_mean(x, axis=0, keepdims=True, unbiased=False)
    import numpy as np
    a = np.array([[1.0, 2.0, 4.0], [3.0, -2.0, 0.0], [2.0, 0.0, 5.0]])
    x = nn.tensor(a)
    var, mean = nn.var_mean(x, axis=0, keepdims=True, unbiased=False)
    np.testing.assert_allclose(var.numpy(), a.var(0, keepdims=True), rtol=1e-15)
    np.testing.assert_allclose(mean.numpy(), a.mean(0, keepdims=True), rtol=1e-15)
    std, mean = nn.std_mean(x, axis=1)
    np.testing.assert_allclose(std.numpy(), a.std(1, ddof=1), rtol=1e-15)
    assert nn.cummax(x, axis=0)[0].numpy().tolist() == np.maximum.accumulate(a, 0).tolist()
    assert x.cummin(axis=1)[1].numpy().tolist() == [[0, 0, 0], [0, 1, 1], [0, 1, 1]]
    np.testing.assert_allclose(nn.logcumsumexp(x, axis=1).numpy(), np.log(np.cumsum(np.exp(a), 1)), rtol=1e-14)
    assert x.count_nonzero(axis=0).numpy().tolist() == [3, 2, 2]
    assert nn.kthvalue(x, 1, axis=0, keepdims=True)[0].numpy().tolist() == [[1.0, -2.0, 0.0]]
    assert x.topk(1, axis=1)[1].numpy().tolist() == [[2], [0], [2]]
    assert nn.quantile(x, 0.5, axis=0, keepdims=True).numpy().tolist() == [[2.0, 0.0, 4.0]]
    assert x.mode(axis=0)[0].shape == (3,) and nn.nanquantile(x, 0.5, axis=1).numpy().tolist() == [2.0, 0.0, 2.0]
    with pytest.raises(TypeError):
        nn.var_mean(x, dim=0, axis=0)


def test_var_mean_with_numpy_axis_as_pytorch():
    import numpy as np
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 2.0, 4.0], [3.0, -2.0, 0.0], [2.0, 0.0, 5.0]])
    x, t = nn.tensor(a), torch.tensor(a)
    for mine, theirs in zip(nn.var_mean(x, axis=0, keepdims=True, unbiased=False),
                            torch.var_mean(t, axis=0, keepdims=True, unbiased=False)):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-15)
    assert x.topk(2, axis=0)[1].numpy().tolist() == t.topk(2, axis=0)[1].tolist()


def test_packed_sequence_built_from_sorted_indices_fills_in_unsorted_indices():
    # pfrl's RecurrentSequential re-wraps outputs as PackedSequence(h, batch_sizes=..., sorted_indices=...) and
    # pads them back: the order of the batch comes from the inverse permutation PyTorch's constructor fills in
    import numpy as np
    rnn = nn.utils.rnn
    seqs = [nn.tensor([[1.0], [2.0]]), nn.tensor([[3.0], [4.0], [5.0]]), nn.tensor([[6.0]])]
    packed = rnn.pack_sequence(seqs, enforce_sorted=False)
    again = rnn.PackedSequence(packed.data * 10, batch_sizes=packed.batch_sizes, sorted_indices=packed.sorted_indices)
    assert packed.sorted_indices.numpy().tolist() == [1, 0, 2]
    assert again.unsorted_indices.numpy().tolist() == [1, 0, 2]          # the inverse of [1, 0, 2]
    padded, lengths = rnn.pad_packed_sequence(again, batch_first=True)
    assert lengths.numpy().tolist() == [2, 3, 1]
    assert padded[:, :, 0].numpy().tolist() == [[10, 20, 0], [30, 40, 50], [60, 0, 0]]
    other = rnn.PackedSequence(packed.data, packed.batch_sizes, nn.tensor([2, 0, 1]))
    assert other.unsorted_indices.numpy().tolist() == [1, 2, 0]
    legacy = rnn.PackedSequence((packed.data, packed.batch_sizes))
    assert legacy.sorted_indices is None and legacy.unsorted_indices is None and np.array_equal(
        legacy.batch_sizes.numpy(), [3, 2, 1])
    assert isinstance(again._replace(data=again.data), rnn.PackedSequence)


def test_packed_sequence_from_sorted_indices_as_pytorch():
    torch = pytest.importorskip("torch")
    rnn = nn.utils.rnn
    seqs = [nn.tensor([[1.0], [2.0]]), nn.tensor([[3.0], [4.0], [5.0]]), nn.tensor([[6.0]])]
    packed = rnn.pack_sequence(seqs, enforce_sorted=False)
    again = rnn.PackedSequence(packed.data * 10, batch_sizes=packed.batch_sizes, sorted_indices=packed.sorted_indices)
    padded = rnn.pad_packed_sequence(again, batch_first=True)[0]
    t = torch.nn.utils.rnn.pack_sequence([torch.tensor(s.numpy()) for s in seqs], enforce_sorted=False)
    t2 = torch.nn.utils.rnn.PackedSequence(t.data * 10, batch_sizes=t.batch_sizes, sorted_indices=t.sorted_indices)
    assert t2.unsorted_indices.tolist() == again.unsorted_indices.numpy().tolist()
    assert torch.nn.utils.rnn.pad_packed_sequence(t2, batch_first=True)[0].tolist() == padded.numpy().tolist()
