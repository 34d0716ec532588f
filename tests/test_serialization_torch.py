"""PyTorch's .pt/.pth weight files both ways without PyTorch, and a restricted unpickler that
refuses crafted pickles without running them."""
import collections
import io
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import nn
from nn.serialization_torch import TorchFileError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _state():
    rng = np.random.default_rng(0)
    return collections.OrderedDict([
        ("conv.weight", rng.standard_normal((4, 3, 3, 3)).astype(np.float32)),
        ("conv.bias", rng.standard_normal(4).astype(np.float32)),
        ("bn.running_mean", rng.standard_normal(4)),                       # float64
        ("bn.num_batches_tracked", np.array(7, dtype=np.int64)),           # 0-d int64, as PyTorch's
        ("mask", np.array([True, False])), ("empty", np.zeros((0, 2), np.float32)),
    ])


def _assert_same(a, b):
    assert list(a) == list(b)
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize("suffix", [".pt", ".pth"])
def test_round_trip_through_our_own_pt_file(tmp_path, suffix):
    path = tmp_path / ("w" + suffix)
    nn.save(_state(), path)
    assert zipfile.is_zipfile(path)
    _assert_same(nn.load(path), _state())


def test_checkpoint_dicts_come_back_nested(tmp_path):
    ck = {"state_dict": _state(), "epoch": 3, "best": 0.25, "name": "run", "history": [1.0, 2.0], "opt": None}
    nn.save(ck, tmp_path / "ck.pth")
    back = nn.load(tmp_path / "ck.pth")
    _assert_same(back["state_dict"], _state())
    assert (back["epoch"], back["best"], back["name"], back["history"], back["opt"]) == (3, 0.25, "run", [1.0, 2.0], None)


def test_npz_stays_the_default(tmp_path):
    nn.save(_state(), tmp_path / "w.npz")
    assert np.load(tmp_path / "w.npz").files == list(_state())


def test_torch_reads_what_we_write(tmp_path):
    torch = pytest.importorskip("torch")
    nn.save(_state(), tmp_path / "w.pth")
    back = torch.load(tmp_path / "w.pth", weights_only=True)
    _assert_same({k: v.numpy() for k, v in back.items()}, _state())


def test_we_read_what_torch_writes(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Linear(4, 2))
    sd = model.state_dict()
    sd["a_view"] = torch.randn(4, 5)[:, 1]                  # offset + stride into a shared storage
    sd["half"] = torch.randn(3).half()
    sd["bf16"] = torch.randn(3).bfloat16()
    torch.save(sd, tmp_path / "t.pth")
    torch.save({"model": model.state_dict(), "epoch": 5, "param": torch.nn.Parameter(torch.ones(2))},
               tmp_path / "ck.pt")
    back = nn.load(tmp_path / "t.pth")
    assert list(back) == list(sd)
    for k, v in sd.items():
        # Tensors, as torch.load gives; the half-precision ones widened to float32 (exactly): nn has no half tensors
        want = v.float().numpy() if v.dtype in (torch.bfloat16, torch.half) else v.numpy()
        assert isinstance(back[k], nn.Tensor) and back[k].dtype == want.dtype and back[k].shape == want.shape, k
        np.testing.assert_array_equal(back[k].numpy(), want)
    ck = nn.load(tmp_path / "ck.pt")
    assert ck["epoch"] == 5 and list(ck["model"]) == list(model.state_dict())
    np.testing.assert_array_equal(ck["param"], np.ones(2, np.float32))


def test_a_torch_file_loads_where_torch_cannot_be_imported(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save(torch.nn.Linear(3, 2).state_dict(), tmp_path / "lin.pth")
    code = ("import sys; sys.modules['torch'] = None\n"
            "import nn\n"
            "try:\n    import torch\nexcept ImportError:\n    pass\nelse:\n    raise SystemExit('torch imported')\n"
            f"sd = nn.load({str(tmp_path / 'lin.pth')!r})\n"
            "m = nn.Linear(3, 2); m.load_state_dict(sd)\n"
            "print(sorted(sd), m.weight.shape, 'torch' in sys.modules and sys.modules['torch'] is not None)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": ROOT}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['bias', 'weight'] (2, 3) False"


def _crafted(tmp_path, pickle_bytes, name="evil.pth"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/version", "3\n")
    return path


class _Payload:
    def __init__(self, func, arg):
        self.func, self.arg = func, arg

    def __reduce__(self):
        return self.func, (self.arg,)


@pytest.mark.parametrize("func", [os.system, exec, eval])
def test_crafted_pickles_are_refused_and_never_run(tmp_path, func):
    marker = tmp_path / "pwned"
    command = f"touch {marker}" if func is os.system else f"open({str(marker)!r}, 'w').close()"
    evil = pickle.dumps({"weight": _Payload(func, command)}, protocol=2)
    path = _crafted(tmp_path, evil)
    # PyTorch's words (torch.load's weights-only refusal): a blocked module, or a builtin named bare
    with pytest.raises(TorchFileError, match=r"(?s)^Weights only load failed\. .*(GLOBAL (posix|nt|os)\.system "
                                             r"whose module (posix|nt|os) is blocked|GLOBAL (exec|eval) was not an "
                                             r"allowed global)"):
        nn.load(path)
    assert not marker.exists()


def test_the_crafted_payload_would_really_run(tmp_path):
    """Check on the test itself: unpickled by plain pickle, the same bytes do create the file."""
    marker = tmp_path / "pwned"
    pickle.loads(pickle.dumps(_Payload(exec, f"open({str(marker)!r}, 'w').close()"), protocol=2))
    assert marker.exists()


def test_malformed_torch_files_give_one_line_errors(tmp_path):
    legacy = tmp_path / "old.pth"
    legacy.write_bytes(pickle.dumps(0x1950A86A20F9469CFC6C))
    with pytest.raises(TorchFileError, match="legacy"):
        nn.load(legacy)
    plain = _crafted(tmp_path, pickle.dumps({"a": 1, "b": [2.5, "x"]}, protocol=2), "plain.pth")
    assert nn.load(plain) == {"a": 1, "b": [2.5, "x"]}      # plain containers are fine
    buf = io.BytesIO()
    nn.serialization_torch.save_torch({"w": np.ones(3, np.float32)}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z, zipfile.ZipFile(tmp_path / "cut.pth", "w") as out:
        for n in z.namelist():
            if "/data/" not in n:
                out.writestr(n, z.read(n))
    with pytest.raises(TorchFileError, match="lacks the storage record"):
        nn.load(tmp_path / "cut.pth")


def _round_trip(obj, **load_args):
    buf = io.BytesIO()
    nn.save(obj, buf)
    buf.seek(0)
    return nn.load(buf, **load_args)


@pytest.mark.parametrize("weights_only", [None, False])
def test_parameters_and_requires_grad_load_as_saved(weights_only):
    # torch.load gives a saved Parameter back as a Parameter and a leaf that required grad still requiring it,
    # weights-only or not (state_dict()'s detached tensors come back not requiring grad)
    p, t = nn.Parameter(nn.ones(2)), nn.ones(3, requires_grad=True)
    out = _round_trip({"p": p, "t": t, "plain": nn.ones(1), "list": [p]}, weights_only=weights_only)
    assert type(out["p"]) is nn.Parameter and out["p"].requires_grad
    assert type(out["list"][0]) is nn.Parameter
    assert type(out["t"]) is nn.Tensor and out["t"].requires_grad and out["t"].is_leaf
    assert not out["plain"].requires_grad
    frozen = _round_trip(nn.Parameter(nn.ones(2), requires_grad=False))
    assert type(frozen) is nn.Parameter and not frozen.requires_grad
    assert not any(v.requires_grad for v in _round_trip(nn.nn.Linear(2, 2).state_dict()).values())


def test_an_integer_tensor_marked_as_requiring_grad_is_refused():
    buf = io.BytesIO()
    nn.save(nn.ones(2, requires_grad=True), buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        records = {name: zf.read(name) for name in zf.namelist()}
    key = next(k for k in records if k.endswith("data.pkl"))
    assert b"FloatStorage" in records[key]
    records[key] = records[key].replace(b"FloatStorage", b"IntStorage")
    crafted = io.BytesIO()
    with zipfile.ZipFile(crafted, "w") as zf:
        for name, data in records.items():
            zf.writestr(name, data)
    crafted.seek(0)
    with pytest.raises(TorchFileError, match="requiring grad"):
        nn.load(crafted)


def test_a_top_level_defaultdict_or_namedtuple_keeps_its_type():
    # torch.save pickles them as themselves: the trusted load rebuilds them, the weights-only load refuses them
    counts = collections.defaultdict(list)
    counts["a"].append(nn.ones(1))
    pair = collections.namedtuple("Pair", "x y")(nn.ones(1), 2)
    globals()["Pair"] = type(pair)      # (pickled by reference: it must be found under its name)
    try:
        for obj in (counts, pair):
            back = _round_trip(obj, weights_only=False)
            assert type(back) is type(obj)
            with pytest.raises(TorchFileError):
                _round_trip(obj)
        assert _round_trip(counts, weights_only=False)["b"] == []
    finally:
        del globals()["Pair"]
