"""pytorch-forecasting 1.8.0 (with lightning 2.6.6, torchmetrics 1.9.0, pandas 3.0.6, scikit-learn 1.9.1 and
scikit-base 1.0.2) from the package registry, ported by the porting rule (every .py file of pytorch-forecasting,
lightning and torchmetrics) and run against the originals on PyTorch in float64: TimeSeriesDataSet with
GroupNormalizer, EncoderNormalizer and NaNLabelEncoder, TemporalFusionTransformer, NBeats, NHiTS, DeepAR,
RecurrentNetwork and DecoderMLP by hand and through a Lightning Trainer, predict, TFT's interpretation, Lightning
checkpoints. The failures these tests pin down, each reproduced in a few lines (the packages themselves are never
imported here): pytorch-forecasting imports `_clipped_sigmoid` from `torch.distributions.transforms` and annotates
with `torch.DeviceObjType` at import; a float32 `var` / `std` was NumPy's float32 sum of squares, where PyTorch's
kernel accumulates in double and rounds once (EncoderNormalizer's scales an ulp apart in a third of the windows);
`nn.save` refused any object but containers, numbers, strings and tensors, where `torch.save` pickles anything
(a pytorch-forecasting checkpoint keeps its loss, logging metrics and a fitted normalizer holding a pandas frame in
`hyper_parameters`), and `nn.load(..., weights_only=False)` refused every global where PyTorch resolves them (the
model's `load_from_checkpoint` passes it), also while Lightning's `pl_legacy_patch` has replaced `pickle.Unpickler`."""
import collections
import io
import pickle

import numpy as np
import pytest

import nn
from nn.serialization_torch import TorchFileError


# ---- torch.distributions.transforms._clipped_sigmoid (pytorch-forecasting's encoders import it) -------------------

def test_clipped_sigmoid_keeps_inside_tiny_and_one_minus_eps():
    from nn.distributions.transforms import _clipped_sigmoid, SigmoidTransform
    for dtype in (np.float32, np.float64):
        info = np.finfo(dtype)
        y = _clipped_sigmoid(nn.tensor(np.array([-800.0, 0.0, 2.0, 200.0], dtype=dtype))).numpy()
        assert y.dtype == dtype
        np.testing.assert_array_equal(y[[0, 1, 3]], np.array([info.tiny, 0.5, 1 - info.eps], dtype=dtype))
        np.testing.assert_allclose(y[2], 1 / (1 + np.exp(-2.0)), rtol=1e-6)
    x = nn.tensor([-3.0, 0.5, 40.0])
    np.testing.assert_array_equal(SigmoidTransform()(x).numpy(), _clipped_sigmoid(x).numpy())


# ---- torch.DeviceObjType (pytorch-forecasting: `device: str | torch.DeviceObjType`) -------------------------------

def test_device_obj_type_is_a_class_nothing_makes():
    assert isinstance(nn.DeviceObjType, type)
    assert (str | nn.DeviceObjType).__args__ == (str, nn.DeviceObjType)
    assert not isinstance(nn.device("cpu"), nn.DeviceObjType)          # TorchScript's type, not torch.device
    with pytest.raises(TypeError, match=r"torch._C.DeviceObjType: No constructor defined!"):
        nn.DeviceObjType()


# ---- float32 var / std accumulate in double and round once (EncoderNormalizer's per-window scales) -----------------

def test_float32_var_and_std_are_the_double_results_rounded_once():
    rng = np.random.default_rng(0)
    for n in (3, 8, 9, 33, 200):
        x = rng.gamma(2.0, 1.5, size=(300, n)).astype(np.float32)
        wide = x.astype(np.float64)
        for correction in (0, 1):
            var = nn.var(nn.tensor(x), dim=-1, correction=correction).numpy()
            std = nn.tensor(x).std(-1, correction=correction).numpy()
            assert var.dtype == std.dtype == np.float32
            np.testing.assert_array_equal(var, np.var(wide, axis=-1, ddof=correction).astype(np.float32))
            np.testing.assert_array_equal(std, np.std(wide, axis=-1, ddof=correction).astype(np.float32))
    # all elements, std_mean, and the gradient (2 (x - mean) / (N - 1) / (2 std), float32) unchanged in kind
    x = rng.standard_normal((4, 5)).astype(np.float32)
    assert nn.std(nn.tensor(x)).item() == np.float32(np.std(x.astype(np.float64), ddof=1))
    assert nn.std_mean(nn.tensor(x), 0)[0].numpy().tolist() == np.std(x.astype(np.float64), 0, ddof=1).astype(
        np.float32).tolist()
    t = nn.tensor(x, requires_grad=True)
    t.std(1).sum().backward()
    assert t.grad.dtype == nn.float32
    d = x.astype(np.float64) - x.astype(np.float64).mean(1, keepdims=True)
    np.testing.assert_allclose(t.grad.numpy(), d / 4 / np.std(x.astype(np.float64), 1, ddof=1, keepdims=True),
                               rtol=1e-5, atol=1e-6)


def test_float32_var_std_against_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).gamma(2.0, 1.5, size=(400, 8)).astype(np.float32)
    for f in ("var", "std"):
        np.testing.assert_array_equal(getattr(nn.tensor(x), f)(-1).numpy(),
                                      getattr(torch.from_numpy(x), f)(-1).numpy())


# ---- nn.save of any picklable object; nn.load(weights_only=False) rebuilds it --------------------------------------

class Normalizer:
    """A fitted object as pytorch-forecasting keeps in hyper_parameters: tensors, NumPy arrays, shared parts."""

    def __init__(self, center, table, frame):
        self.center, self.table, self.frame = center, table, frame
        self.same = frame
        self.extra = {("a", 1): b"x", "groups": {1, 2}, "by": collections.defaultdict(list, g=[center])}


class IndexLike:
    """Holds its values as an ndarray `_data`, as a pandas Index does (not a tensor)."""

    def __init__(self, values):
        self._data = values


def _checkpoint():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
    frame = IndexLike(np.array(["a", "b"], dtype=object))
    obj = Normalizer(nn.tensor([1.5, -2.0]), np.arange(4.0), frame)
    return model, obj, {"state_dict": model.state_dict(), "hyper_parameters": {"loss": model, "norm": obj},
                        "flag": object()}


def test_save_pickles_any_object_and_load_rebuilds_it_with_weights_only_false():
    model, obj, ckpt = _checkpoint()
    buf = io.BytesIO()
    nn.save(ckpt, buf)                          # nn.save: "... is a Sequential; a .pt file holds ..." (TypeError)
    with pytest.raises(TorchFileError, match="Weights only load failed"):  # the default load runs nothing
        nn.load(io.BytesIO(buf.getvalue()))
    back = nn.load(io.BytesIO(buf.getvalue()), weights_only=False)
    m, n = back["hyper_parameters"]["loss"], back["hyper_parameters"]["norm"]
    assert type(m) is nn.Sequential and type(m[0].weight) is nn.Parameter and m[0].weight.requires_grad
    x = nn.tensor([[0.3, -1.2]])
    np.testing.assert_array_equal(m(x).detach().numpy(), model(x).detach().numpy())
    assert type(n) is Normalizer and isinstance(n.center, nn.Tensor)
    np.testing.assert_array_equal(n.center.numpy(), [1.5, -2.0])
    assert type(n.table) is np.ndarray and n.table.tolist() == [0.0, 1.0, 2.0, 3.0]    # NumPy's, not a tensor
    assert type(n.frame) is IndexLike and type(n.frame._data) is np.ndarray and n.frame._data.tolist() == ["a", "b"]
    assert n.same is n.frame                                   # one object, as pickle keeps it
    assert n.extra[("a", 1)] == b"x" and n.extra["groups"] == {1, 2}            # any keys, pickle's own kinds
    assert type(n.extra["by"]) is collections.defaultdict and n.extra["by"]["g"][0] is n.center
    assert isinstance(back["state_dict"]["0.weight"], nn.Tensor)
    buf = io.BytesIO()
    nn.save({"model": model, "weight": model[0].weight}, buf)
    back = nn.load(io.BytesIO(buf.getvalue()), weights_only=False)
    assert back["model"][0].weight is back["weight"] and type(back["weight"]._data) is np.ndarray


def test_trusted_load_under_a_replaced_pickle_unpickler():
    # Lightning's pl_legacy_patch sets pickle.Unpickler to its own subclass while it loads a checkpoint; nn's
    # unpickler must not call that class's find_class on itself (TypeError: super(type, obj) ...)
    class Redirecting(pickle.Unpickler):
        def find_class(self, module, name):
            return super().find_class(module, name)
    _, _, ckpt = _checkpoint()
    buf = io.BytesIO()
    nn.save(ckpt, buf)
    original = pickle.Unpickler
    pickle.Unpickler = Redirecting
    try:
        back = nn.load(io.BytesIO(buf.getvalue()), weights_only=False)
    finally:
        pickle.Unpickler = original
    assert type(back["hyper_parameters"]["norm"]) is Normalizer


def test_objects_cross_with_torch():
    torch = pytest.importorskip("torch")
    model, obj, _ = _checkpoint()
    buf = io.BytesIO()
    nn.save({"norm": obj, "model": model, "weight": model[0].weight}, buf)
    back = torch.load(io.BytesIO(buf.getvalue()), weights_only=False)             # PyTorch reads nn's objects
    assert type(back["weight"]) is torch.nn.Parameter and back["model"][0].weight is back["weight"]
    np.testing.assert_array_equal(back["weight"].detach().numpy(), model[0].weight.detach().numpy())
    theirs = back["norm"]
    assert isinstance(theirs.center, torch.Tensor) and theirs.center.tolist() == [1.5, -2.0]
    assert theirs.same is theirs.frame
    tbuf = io.BytesIO()
    torch.save({"norm": Normalizer(torch.tensor([3.0]), np.ones(2), None)}, tbuf)
    ours = nn.load(io.BytesIO(tbuf.getvalue()), weights_only=False)["norm"]          # and nn PyTorch's
    assert isinstance(ours.center, nn.Tensor) and ours.center.tolist() == [3.0] and ours.table.tolist() == [1.0, 1.0]
