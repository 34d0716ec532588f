"""nn.save / nn.load: round trips, atomic writes, clear errors on bad files."""
import os

import numpy as np
import pytest

import nn
from nn import serialization


def _model():
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 2))


def test_state_dict_round_trip_through_a_file(tmp_path):
    nn.manual_seed(0)
    src = _model()
    x = nn.Tensor(np.random.default_rng(0).standard_normal((4, 1, 4, 4)).astype(np.float32))
    src(x)                                    # moves BatchNorm's running statistics off their defaults
    path = tmp_path / "model.npz"
    nn.save(src.state_dict(), path)
    loaded = nn.load(path)
    assert list(loaded) == list(src.state_dict())
    assert loaded["1.num_batches_tracked"].dtype == np.int64 and int(loaded["1.num_batches_tracked"]) == 1
    assert loaded["1.running_mean"].dtype == np.float32 and np.any(loaded["1.running_mean"] != 0)

    nn.manual_seed(1)
    dst = _model()
    dst.load_state_dict(loaded)
    for key, value in src.state_dict().items():
        np.testing.assert_array_equal(dst.state_dict()[key], value)
    src.eval(), dst.eval()
    np.testing.assert_array_equal(src(x).data, dst(x).data)


def test_files_are_plain_npz_without_pickle(tmp_path):
    path = tmp_path / "w.npz"
    state = {"file": np.arange(3), "allow_pickle": np.ones((2, 2), np.float64), "flag": np.array(True),
             "a/b.c": np.float32(1.5)}
    nn.save(state, path)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(state)
        np.testing.assert_array_equal(npz["allow_pickle"], state["allow_pickle"])
    loaded = nn.load(str(path))                # str and PathLike both work
    assert loaded["a/b.c"].dtype == np.float32 and loaded["a/b.c"] == 1.5
    assert loaded["flag"].dtype == np.bool_
    assert not path.with_suffix(".npz.npz").exists()


def test_save_accepts_parameters_and_rejects_bad_values(tmp_path):
    p = nn.Parameter(np.ones(3, np.float32))
    nn.save({"p": p}, tmp_path / "p.npz")
    np.testing.assert_array_equal(nn.load(tmp_path / "p.npz")["p"], np.ones(3, np.float32))
    with pytest.raises(TypeError, match="keys must be str"):
        nn.save({1: np.zeros(1)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="'obj'.*object"):
        nn.save({"obj": np.array([{}, None], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="dict"):
        nn.save([np.zeros(1)], tmp_path / "x.npz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nn.save({"a": np.zeros(1)}, tmp_path / "no_such_dir" / "x.npz")
    assert not (tmp_path / "x.npz").exists()


def test_failed_save_leaves_old_file_intact_and_no_temp_files(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    nn.save({"w": np.arange(4.0)}, path)
    before = path.read_bytes()

    calls = []
    original = np.lib.format.write_array

    def failing_write_array(fp, array, allow_pickle=False):
        calls.append(1)
        if len(calls) == 2:                   # fail half-way through the archive
            raise OSError("disk full")
        return original(fp, array, allow_pickle=allow_pickle)

    monkeypatch.setattr(np.lib.format, "write_array", failing_write_array)
    with pytest.raises(OSError, match="disk full"):
        nn.save({"w": np.zeros(1000), "v": np.ones(1000)}, path)
    assert len(calls) == 2
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


def test_load_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nothing.npz"
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        nn.load(path)


@pytest.mark.parametrize("make_bad", [
    lambda p: p.write_text("these are not weights\n"),
    lambda p: p.write_bytes(b""),
    lambda p: np.save(open(p, "wb"), np.zeros(3)),                     # a single .npy, not an archive
], ids=["text", "empty", "npy"])
def test_load_rejects_files_that_are_not_npz(tmp_path, make_bad):
    path = tmp_path / "bad.npz"
    make_bad(path)
    with pytest.raises(ValueError, match="bad.npz"):
        nn.load(path)


def test_load_rejects_truncated_and_pickled_archives(tmp_path):
    good = tmp_path / "good.npz"
    nn.save({"w": np.arange(1000.0), "b": np.ones(10)}, good)
    data = good.read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=f"cut{cut}.npz"):
            nn.load(bad)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, obj=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled.npz"):
        nn.load(pickled)
    with pytest.raises(IsADirectoryError, match=r"^\[Errno 21\] Is a directory"):     # open's error, as torch.load's
        nn.load(tmp_path)


def test_module_exports():
    assert nn.save is serialization.save and nn.load is serialization.load


def test_atomic_write_gives_usual_permissions_and_leaves_nothing_on_failure(tmp_path):
    from nn.serialization import atomic_write
    umask = os.umask(0o022)
    try:
        target = tmp_path / "out.bin"
        with atomic_write(target) as f:
            f.write(b"complete")
        assert target.read_bytes() == b"complete"
        assert (target.stat().st_mode & 0o777) == 0o644
        with pytest.raises(RuntimeError):
            with atomic_write(target) as f:
                f.write(b"half")
                raise RuntimeError("interrupted")
        assert target.read_bytes() == b"complete"          # old content untouched
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]   # no temporary left behind
    finally:
        os.umask(umask)


def test_save_and_load_take_file_objects_as_torch_does(tmp_path):
    import io
    state = {"weight": np.arange(6, dtype=np.float32).reshape(2, 3), "step": np.array(3)}
    buffer = io.BytesIO()
    nn.save(state, buffer)                             # torch.save's format: no extension to choose by
    buffer.seek(0)
    back = nn.load(buffer, map_location="cpu")
    assert sorted(back) == ["step", "weight"] and np.array_equal(back["weight"], state["weight"])
    with open(tmp_path / "w.pth", "wb") as f:
        nn.save(state, f)
    assert np.array_equal(nn.load(tmp_path / "w.pth")["weight"], state["weight"])
    npz = io.BytesIO()
    np.savez(npz, a=np.ones(2))
    npz.seek(0)
    assert nn.load(npz)["a"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="not a zip"):
        nn.load(io.BytesIO(b"not weights"))
    torch = pytest.importorskip("torch")
    buffer.seek(0)
    theirs = torch.load(buffer, weights_only=True)
    assert np.array_equal(theirs["weight"].numpy(), state["weight"])
    out = io.BytesIO()
    torch.save({"w": torch.ones(2)}, out)
    out.seek(0)
    assert nn.load(out)["w"].tolist() == [1.0, 1.0]
