"""Integer and bool tensors: held without gradients; dtype promotion in ops as PyTorch does it."""
import numpy as np
import pytest

import nn


def test_integer_and_bool_tensors_cannot_require_grad():
    for t in (nn.tensor([1, 2]), nn.tensor([True]), nn.zeros(2, dtype=nn.uint8), nn.arange(3).int()):
        assert not t.requires_grad
        with pytest.raises(RuntimeError, match="floating point"):
            t.requires_grad_()
    labels = nn.tensor([0, 2, 1])
    assert labels.dtype == nn.long and labels.tolist() == [0, 2, 1]


def _name(dtype):
    return str(dtype).replace("torch.", "")


@pytest.mark.parametrize("expr", [
    lambda L, i, f, b: i + 1, lambda L, i, f, b: i * 2.5, lambda L, i, f, b: i / 2, lambda L, i, f, b: i / i,
    lambda L, i, f, b: i + f, lambda L, i, f, b: f * i, lambda L, i, f, b: i.int() + i,
    lambda L, i, f, b: b + 1, lambda L, i, f, b: b * 1.5, lambda L, i, f, b: b & b, lambda L, i, f, b: ~b,
    lambda L, i, f, b: i ** 2, lambda L, i, f, b: i.sum(), lambda L, i, f, b: b.sum(),
    lambda L, i, f, b: i.max(), lambda L, i, f, b: i.argmax(), lambda L, i, f, b: (i == f).sum(),
    lambda L, i, f, b: f.double() + f, lambda L, i, f, b: f.double() * 2.0, lambda L, i, f, b: i.float().mean(),
    lambda L, i, f, b: i.to(L.uint8) + 1, lambda L, i, f, b: L.where(b, i, f), lambda L, i, f, b: L.exp(i),
    lambda L, i, f, b: i.clamp(0, 1), lambda L, i, f, b: f[i], lambda L, i, f, b: f[b],
    lambda L, i, f, b: i % 2, lambda L, i, f, b: i // 2, lambda L, i, f, b: 7 % (i + 1), lambda L, i, f, b: f // 0.3,
    lambda L, i, f, b: i.div(2, rounding_mode='floor'), lambda L, i, f, b: L.div(-i, 2, rounding_mode='trunc'),
    lambda L, i, f, b: f.div(0.3, rounding_mode='trunc'), lambda L, i, f, b: i.add(1, alpha=3), lambda L, i, f, b: i.mul(f),
    lambda L, i, f, b: L.cat([i, i]), lambda L, i, f, b: L.stack([b, b]), lambda L, i, f, b: i.view(3, 1),
])
def test_result_dtype_and_values_match_pytorch(expr):
    torch = pytest.importorskip("torch")
    out = []
    for L in (nn, torch):
        i, f, b = L.tensor([2, 0, 1]), L.tensor([0.5, 1.0, 2.0]), L.tensor([True, False, True])
        out.append(expr(L, i, f, b))
    ours, theirs = out
    assert ours.dtype.name == _name(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_mean_of_integers_is_refused_as_in_pytorch():
    with pytest.raises(RuntimeError, match="floating"):     # PyTorch's RuntimeError (the 28th round, A)
        nn.tensor([1, 2]).mean()


def test_int_tensor_times_float_parameter_has_gradient():
    w = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = nn.tensor([1, 0, 1])
    (w * mask).sum().backward()
    assert w.grad.tolist() == [1.0, 0.0, 1.0]


# ---- dtype objects: torch.dtype's surface over NumPy's dtypes ------------------------------------------------------

def test_dtype_objects_stand_for_numpy_dtypes():
    x = nn.ones(2, dtype=nn.float64)
    assert x.dtype is nn.float64 and nn.tensor([1]).dtype is nn.int64 and nn.tensor([True]).dtype is nn.bool
    assert isinstance(x.dtype, nn.dtype) and not isinstance(x.data.dtype, nn.dtype)    # .data is NumPy's array
    assert x.dtype == np.float64 and np.dtype("float64") == x.dtype and x.dtype != np.float32
    assert x.dtype != nn.float32 and nn.double is nn.float64 and nn.long is nn.int64
    assert nn.float32 != None  # noqa: E711 (np.dtype(None) is float64: a dtype is never None)
    assert {np.dtype("float32"): "f"}[nn.float32] == "f" and {nn.int64: "i"}[np.dtype("int64")] == "i"
    assert nn.float32 in (np.float64, np.float32) and np.float32 in (nn.float64, nn.float32)
    assert np.zeros(2, x.dtype).dtype == np.float64 and np.dtype(nn.uint8) == np.uint8
    assert np.finfo(nn.float32).eps == np.finfo(np.float32).eps and np.issubdtype(nn.int32, np.integer)
    assert (nn.float32.kind, nn.float32.name, nn.float32.itemsize, nn.float32.type) == ("f", "float32", 4, np.float32)
    assert (nn.float64.byteorder, nn.float64.hasobject, nn.complex64.alignment) == ("=", False, 4)   # NumPy's others
    with pytest.raises(AttributeError):
        nn.float32._type_                       # private names are not passed on (NumPy probes them)


def test_dtype_objects_print_and_pickle_as_torch_dtypes_do():
    import copy
    import pickle
    assert repr(nn.float32) == str(nn.float32) == "nn.float32" and str(nn.bool) == "nn.bool"
    assert str(nn.tensor([1.0]).double().dtype).split(".")[1] == "float64"      # Hugging Face's dtype to JSON
    for d in (nn.float32, nn.float64, nn.int64, nn.bool, nn.complex64, nn.uint8):
        assert pickle.loads(pickle.dumps(d)) is d and copy.deepcopy(d) is d
        assert getattr(nn, str(d).split(".")[1]) is d
    assert nn.complex128.to_real() is nn.float64 and nn.float32.to_complex() is nn.complex64
    assert nn.result_type(nn.ones(1), 2.0) is nn.float32 and nn.promote_types(nn.int64, nn.float64) is nn.float64
    torch = pytest.importorskip("torch")
    for name in ("float32", "float64", "int64", "bool", "complex64", "uint8"):
        assert str(getattr(torch, name)).split(".")[1] == str(getattr(nn, name)).split(".")[1] == name


def test_the_default_dtype_is_a_dtype_object():
    nn.set_default_dtype(nn.float64)
    try:
        assert nn.get_default_dtype() is nn.float64 and nn.tensor([1.5]).dtype is nn.float64
    finally:
        nn.set_default_dtype(np.float32)                        # a NumPy dtype is taken too
    assert nn.get_default_dtype() is nn.float32


def test_dtypes_in_a_pt_file_are_torch_dtypes_by_name():
    import io
    import zipfile
    buf = io.BytesIO()
    nn.save({"dtype": nn.float64, "w": nn.ones(2), "kinds": [nn.int64, nn.bool]}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        pkl = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
    assert b"torch\nfloat64\n" in pkl and b"torch\nint64\n" in pkl     # PyTorch's own globals, by name
    buf.seek(0)
    back = nn.load(buf)
    assert back["dtype"] is nn.float64 and back["kinds"][0] is nn.int64 and back["kinds"][1] is nn.bool
    torch = pytest.importorskip("torch")
    buf.seek(0)
    theirs = torch.load(buf, weights_only=True)
    assert theirs["dtype"] is torch.float64 and theirs["kinds"] == [torch.int64, torch.bool]
    mine = io.BytesIO()
    torch.save({"d": torch.float32, "c": torch.complex64}, mine)
    mine.seek(0)
    back = nn.load(mine)
    assert back["d"] is nn.float32 and back["c"] is nn.complex64


def test_numpy_arrays_dtypes_get_the_flags_by_the_opt_in_in_a_child():
    # .data, .grad and state_dict() values are NumPy arrays with NumPy's dtypes (NumPy's own code reads
    # type(a.dtype)); yolov5's ModelEMA asks `v.dtype.is_floating_point` of state_dict() values, which the
    # process-wide opt-in gives; asked in a child, so this process stays as `import nn` leaves it
    import json
    import os
    import subprocess
    import sys
    code = ("import json, nn\n"
            "m = nn.Linear(2, 2); m(nn.ones(1, 2)).sum().backward()\n"
            "before = hasattr(m.state_dict()['weight'].dtype, 'is_floating_point')\n"
            "assert nn.dtypes.give_numpy_dtypes_torch_flags()\n"
            "vals = [m.weight.data, m.weight.grad, m.state_dict()['bias'], nn.tensor([1]).data]\n"
            "print(json.dumps([before] + [v.dtype.is_floating_point for v in vals]))")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=root), capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [False, True, True, True, False]
    assert not hasattr(nn.Linear(2, 2).state_dict()["weight"].dtype, "is_floating_point")


def test_calling_nn_dtype_gives_the_one_object():
    assert nn.dtype("float32") is nn.float32 and nn.dtype(np.int64) is nn.int64
    assert nn.ones(1).dtype == nn.float32 and nn.ones(1).dtype is nn.float32
