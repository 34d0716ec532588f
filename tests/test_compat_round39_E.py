"""A time-series forecaster from the package registry: neuralprophet 0.9.0 (its wheel, with pytorch-lightning 2.6.6,
lightning-fabric 2.6.6, lightning-utilities 0.15.3, torchmetrics 1.9.0, captum 0.9.0, pandas 2.3.3, holidays 0.109,
tensorboardX 2.6.5 with protobuf 7.36.2 for Lightning's TensorBoardLogger, plotly 7.1.0 and tqdm, all installed with
``--no-deps`` in a private folder), ported by the porting rule (neuralprophetp, pytorch_lightningp, lightning_fabricp,
torchmetricsp, captump) and run against the original on PyTorch 2.13 in one process, as shipped (float32) and in
float64 (a copy of each side whose ``torch.float`` / ``float32`` casts are float64), with PyTorch's initial weights
loaded into the port and each shuffled loader's order drawn from one NumPy stream per side: ``fit`` / ``predict`` /
``test`` for trend (piecewise linear, discontinuous, off), seasonality (additive, multiplicative, conditional,
global-local), AR-Net (linear and deep), lagged and future regressors (the four future-regressor models), events
and country holidays, the Huber / MSE / MAE / custom and pinball losses, the lr finder, validation, early stopping,
checkpointing, conformal prediction, save / load, TorchProphet and plots; TimeNet's forward, components and
gradients side by side.

The failures these tests pin down, in a few lines (the package is not imported here):

- NeuralProphet's ``load`` (and Lightning's reload after the lr finder, when no learning rate is given) calls
  ``torch.load(path)`` on a pickled forecaster; PyTorch >= 2.6 refuses it by default, and the documented way out
  is ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``, which nn ignored (the lr finder and ``load`` then failed on nn alone).
  nn.load now reads PyTorch's two environment switches, with its warning and its error when both are set.
- A protocol-2 pickle (torch.save's) names builtins ``__builtin__``: nn's ``get_unsafe_globals_in_checkpoint``
  listed ``__builtin__.list`` where PyTorch lists ``builtins.list`` (so the name did not import), and
  ``safe_globals([list])`` did not allow it; names are now mapped to Python 3's as PyTorch's reader does.
"""
import collections
import io
import warnings

import numpy as np
import pytest

import nn


class _Config:
    """A plain settings object, as NeuralProphet's configure dataclasses in a pickled forecaster."""

    def __init__(self, n_lags):
        self.n_lags = n_lags


class _Forecaster:
    def __init__(self):
        self.config = _Config(3)
        self.model = nn.Linear(3, 1)


_NO_WO = "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"
_WO = "TORCH_FORCE_WEIGHTS_ONLY_LOAD"


def _saved_forecaster():
    buf = io.BytesIO()
    nn.save(_Forecaster(), buf)              # neuralprophet.save: torch.save(forecaster, path)
    return buf.getvalue()


# ---- torch.load's environment switches ----------------------------------------------------------------------------

def test_force_no_weights_only_load_reads_a_pickled_forecaster(monkeypatch):
    # neuralprophet.load: m = torch.load(path, map_location=torch_map_location); refused by default on both
    data = _saved_forecaster()
    monkeypatch.delenv(_NO_WO, raising=False)
    monkeypatch.delenv(_WO, raising=False)
    with pytest.raises(Exception) as err:
        nn.load(io.BytesIO(data), map_location=None)
    assert isinstance(err.value, __import__("pickle").UnpicklingError)
    monkeypatch.setenv(_NO_WO, "1")
    with pytest.warns(UserWarning) as rec:
        m = nn.load(io.BytesIO(data), map_location=None)
    assert [str(w.message) for w in rec] == [
        "Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since the`weights_only` argument was not "
        "explicitly passed to `torch.load`, forcing weights_only=False."]
    assert rec[0].filename == __file__                  # at the caller of load
    assert isinstance(m, _Forecaster) and m.config.n_lags == 3 and isinstance(m.model, nn.Linear)
    # an explicit weights_only wins over it, and other true spellings count ("y", "yes", "true", any case)
    with pytest.raises(Exception):
        nn.load(io.BytesIO(data), weights_only=True)
    monkeypatch.setenv(_NO_WO, "YES")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert isinstance(nn.load(io.BytesIO(data)), _Forecaster)
    monkeypatch.setenv(_NO_WO, "0")
    with pytest.raises(Exception):
        nn.load(io.BytesIO(data))


def test_force_weights_only_load_and_both_switches(monkeypatch):
    data = _saved_forecaster()
    monkeypatch.delenv(_NO_WO, raising=False)
    monkeypatch.setenv(_WO, "true")
    with pytest.raises(Exception) as err:                # even weights_only=False is made a restricted read
        nn.load(io.BytesIO(data), weights_only=False)
    assert isinstance(err.value, __import__("pickle").UnpicklingError)
    with pytest.raises(RuntimeError, match="^Can not safely load weights when explicit pickle_module is specified$"):
        nn.load(io.BytesIO(data), pickle_module=__import__("pickle"))
    monkeypatch.setenv(_NO_WO, "1")
    with pytest.raises(RuntimeError, match=r"^Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or "
                                           r"`TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should be set, but both were set\.$"):
        nn.load(io.BytesIO(data))
    monkeypatch.delenv(_WO)
    monkeypatch.delenv(_NO_WO)
    sd = {"w": nn.ones(2)}                                # a plain state dict still loads as before
    buf = io.BytesIO()
    nn.save(sd, buf)
    buf.seek(0)
    np.testing.assert_array_equal(nn.load(buf)["w"].numpy(), [1.0, 1.0])


def test_force_no_weights_only_load_against_pytorch(monkeypatch):
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2), "cfg": _Config(2)}, buf)
    monkeypatch.setenv(_NO_WO, "1")
    monkeypatch.delenv(_WO, raising=False)
    with pytest.warns(UserWarning) as theirs:
        t = torch.load(io.BytesIO(buf.getvalue()))
    with pytest.warns(UserWarning) as mine:
        n = nn.load(io.BytesIO(buf.getvalue()))
    assert [str(w.message) for w in mine] == [str(w.message) for w in theirs]
    assert n["cfg"].n_lags == t["cfg"].n_lags == 2
    np.testing.assert_array_equal(n["w"].numpy(), t["w"].numpy())
    monkeypatch.setenv(_WO, "1")
    for load in (torch.load, nn.load):
        with pytest.raises(RuntimeError) as err:
            load(io.BytesIO(buf.getvalue()))
        assert "should be set, but both were set." in str(err.value)


# ---- protocol 2's __builtin__ names ---------------------------------------------------------------------------------

def test_protocol2_builtin_names_are_python3s():
    buf = io.BytesIO()
    nn.save({"kind": list, "w": nn.ones(2)}, buf)        # protocol 2: GLOBAL '__builtin__ list'
    assert b"c__builtin__\nlist\n" in buf.getvalue()     # (the pickle is stored uncompressed in the archive)
    assert nn.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(buf.getvalue())) == ["builtins.list"]
    with nn.serialization.safe_globals([list]):
        assert nn.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(buf.getvalue())) == []
        out = nn.load(io.BytesIO(buf.getvalue()))
    assert out["kind"] is list
    with pytest.raises(Exception, match="GLOBAL list was not an allowed global"):  # PyTorch names a builtin bare
        nn.load(io.BytesIO(buf.getvalue()))
    # a MetricsLogger's history (defaultdict(list)) names both; the allowed set is still read without them
    buf = io.BytesIO()
    nn.save({"h": collections.defaultdict(list), "s": {1, 2}}, buf)
    assert sorted(nn.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(buf.getvalue()))) == [
        "builtins.list", "collections.defaultdict"]


def test_protocol2_builtin_names_against_pytorch():
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"kind": list, "h": collections.defaultdict(list), "w": torch.ones(2)}, buf)
    assert sorted(nn.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(buf.getvalue()))) == sorted(
        torch.serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(buf.getvalue())))
    buf = io.BytesIO()
    torch.save({"kind": list, "w": torch.ones(2)}, buf)
    with torch.serialization.safe_globals([list]), nn.serialization.safe_globals([list]):
        t, n = torch.load(io.BytesIO(buf.getvalue())), nn.load(io.BytesIO(buf.getvalue()))
    assert t["kind"] is n["kind"] is list
