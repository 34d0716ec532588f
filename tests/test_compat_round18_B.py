"""Eighteenth compatibility round, area B: fastai 2.8.12 (fastcore 2.2.41, fasttransform 0.0.5, fastprogress 1.0.3,
plum-dispatch 2.10.1; `pip install --no-deps`) ported by tests/porting.py's rule (the package renamed `fastaip`) and
run side by side with the original on PyTorch 2.13, from PyTorch's weights perturbed, in float64 (fastai's flat
losses compute in float32: its `tensor()` casts float64 to float32).

What ran: `Learner` on `DataLoaders.from_dsets` of synthetic tensors with `fit`, `fit_one_cycle`, `fit_flat_cos`,
`lr_find`; fastai's optimizers (SGD, Adam, RAdam, QHAdam, Lamb, Larc, ranger, RMSProp, `OptimWrapper` over AdamW) with
weight decay, `freeze` / `unfreeze` and discriminative learning rates; the callbacks (GradientAccumulation,
GradientClip, SaveModelCallback, EarlyStopping, ReduceLROnPlateau, MixUp / CutMix with shared draws); the flat
losses and metrics; `tabular_learner`, `collab_learner`, xresnet; `save` / `load` / `export` / `load_learner`.

What the tests pin down (each failed before its fix):
- fastai's DataLoader iterates a `_FakeLoader` (not a DataLoader) through `_SingleProcessDataLoaderIter`, which
  fetches as PyTorch's does from `_DatasetKind`, `_index_sampler`, `_auto_collation`; `_DatasetKind` and
  `nn.utils.data._utils.fetch` exist.
- `typing.get_type_hints(module)` works on a Module instance (PyTorch's class annotations: fastai's BaseLoss
  stores its loss's hints on it).
- `torch.amp.grad_scaler.OptState` (fastai's fp16 callback imports it).
- a plain Tensor's `__dict__` can be given a subclass instance's `__dict__` (fastai's `retain_meta`).
- `lerp` refuses an `end` (or a weight Tensor that is not 0-dim) of another dtype, as PyTorch, and rounds as
  PyTorch's kernel where the weight is at least 0.5.
- `save` writes an object reduced by `copyreg.__newobj__` with pickle's NEWOBJ, and `load(weights_only=True)`
  builds the classes allowed by `serialization.safe_globals` / `add_safe_globals` (fastai's optimizer state holds a
  fastcore `L`).
- `BatchNorm1d(0)` builds, as PyTorch's (fastai's TabularModel without continuous columns).
"""
import io
import itertools
import pickletools
import typing
import zipfile

import numpy as np
import pytest

import nn


# -- DataLoader iterators over a loader that is not nn's DataLoader ----------------------------------------------

class _FakeLoader:
    """fastai's _FakeLoader, reduced: an iterable 'dataset' that is the loader itself."""
    _IterableDataset_len_called, _auto_collation, drop_last = None, False, False
    _index_sampler = itertools.count()
    timeout, num_workers, pin_memory, pin_memory_device = 0, 0, False, ""

    def __init__(self, batches):
        from nn.utils.data.dataloader import _DatasetKind
        self._dataset_kind = _DatasetKind.Iterable
        self.dataset, self.batches = self, batches

    def collate_fn(self, x):
        return x

    def __iter__(self):
        return iter(self.batches)


def test_single_process_iterator_over_a_fake_loader():
    from nn.utils.data.dataloader import _SingleProcessDataLoaderIter, _DatasetKind
    assert (_DatasetKind.Map, _DatasetKind.Iterable) == (0, 1)
    batches = [nn.tensor([1.0, 2.0]), nn.tensor([3.0])]
    out = list(_SingleProcessDataLoaderIter(_FakeLoader(batches)))
    assert len(out) == 2 and out[0] is batches[0] and out[1] is batches[1]


def test_fetchers_as_pytorch():
    from nn.utils.data._utils.fetch import _MapDatasetFetcher, _IterableDatasetFetcher
    from nn.utils.data.dataloader import _DatasetKind
    ds = [10, 11, 12, 13, 14]
    f = _DatasetKind.create_fetcher(_DatasetKind.Map, ds, True, list, False)
    assert isinstance(f, _MapDatasetFetcher) and f.fetch([4, 0]) == [14, 10]
    it = _DatasetKind.create_fetcher(_DatasetKind.Iterable, ds, True, list, True)
    assert isinstance(it, _IterableDatasetFetcher)
    assert it.fetch([0, 1]) == [10, 11] and it.fetch([0, 1]) == [12, 13]
    with pytest.raises(StopIteration):              # one left, drop_last
        it.fetch([0, 1])


# -- Module annotations ------------------------------------------------------------------------------------------

def test_get_type_hints_of_module_instances():
    assert typing.get_type_hints(nn.CrossEntropyLoss()) == {"ignore_index": int, "label_smoothing": float}
    assert typing.get_type_hints(nn.NLLLoss()) == {"ignore_index": int}
    assert typing.get_type_hints(nn.MSELoss()) == {"reduction": str}
    hints = typing.get_type_hints(nn.ReLU())
    assert hints["training"] is bool and hints["_version"] is int
    assert nn.Module.dump_patches is False and nn.Module.call_super_init is False


# -- amp ---------------------------------------------------------------------------------------------------------

def test_amp_grad_scaler_module():
    from nn.amp.grad_scaler import OptState, GradScaler
    assert GradScaler is nn.amp.GradScaler
    assert [s.value for s in (OptState.READY, OptState.UNSCALED, OptState.STEPPED)] == [0, 1, 2]


# -- __dict__ of a plain Tensor given a subclass's ---------------------------------------------------------------

class _Meta(nn.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return super().__torch_function__(func, types, args, kwargs or {})


def test_plain_tensor_takes_a_subclass_dict():
    s = _Meta(nn.tensor([1.0, 2.0]))
    s.img_size = (4, 4)
    plain = nn.tensor([5.0, 6.0, 7.0])
    plain.__dict__ = s.__dict__             # fastai's retain_meta: res.set_meta(x) -> self.__dict__ = x.__dict__
    assert plain.img_size == (4, 4) and dict(plain.__dict__) == {"img_size": (4, 4)}
    np.testing.assert_array_equal((plain * 2).numpy(), [10.0, 12.0, 14.0])     # its own values kept


# -- lerp ---------------------------------------------------------------------------------------------------------

def test_lerp_dtype_checks():
    a, b = nn.ones(2, dtype=nn.float64), nn.ones(2)
    with pytest.raises(RuntimeError, match="expected dtype double for `end` but got dtype float"):
        nn.lerp(a, b, 0.5)
    with pytest.raises(RuntimeError, match="expected dtype double for `end` but got dtype float"):
        a.lerp(nn.tensor(0.0), 0.98)                # fastai's AvgSmoothLoss with a float64 loss
    with pytest.raises(RuntimeError, match="expected dtype double for `weight` but got dtype float"):
        nn.lerp(a, a, b)
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype double"):
        b.lerp_(a, 0.5)
    assert nn.lerp(a, a, nn.tensor(0.5)).dtype == nn.float64       # a 0-dim weight of another dtype is allowed
    assert nn.lerp(b, b, nn.tensor(0.5, dtype=nn.float64)).dtype == nn.float32


def test_lerp_rounds_as_pytorch():
    x = nn.tensor([0.1, 0.7, 1.3])
    e = nn.tensor([2.3, -1.1, 0.37])
    # weight >= 0.5: end - (end - x) * (1 - w), in float32
    assert nn.lerp(x, e, 0.98).numpy().tolist() == [2.25600004196167, -1.0640000104904175, 0.3885999917984009]
    w = nn.tensor([0.2, 0.98, 0.6])
    assert nn.lerp(x, e, w).numpy()[1] == np.float32(-1.0640000104904175)
    # 0-dim, as fastai's AvgSmoothLoss: lerp(loss, val, 0.98) (PyTorch's values)
    assert nn.lerp(nn.tensor(0.3), nn.tensor(2.7), 0.98).item() == 2.6520001888275146
    assert nn.lerp(nn.tensor(0.3, dtype=nn.float64), nn.tensor(2.7, dtype=nn.float64), 0.98).item() == 2.652


def test_lerp_gradients():
    from nn.gradcheck import gradcheck
    x = nn.tensor([0.1, 0.7, 1.3], dtype=nn.float64, requires_grad=True)
    e = nn.tensor([2.3, -1.1, 0.37], dtype=nn.float64, requires_grad=True)
    w = nn.tensor([0.2, 0.98, 0.6], dtype=nn.float64, requires_grad=True)
    assert gradcheck(nn.lerp, (x, e, w))
    assert gradcheck(lambda x, e: nn.lerp(x, e, 0.75), (x, e))


# -- save / load of allowlisted objects ---------------------------------------------------------------------------

class Bag:
    """An object pickled by copyreg.__newobj__ and its __dict__ (as fastcore's L)."""

    def __init__(self, items):
        self.items = items


def _saved(obj):
    buf = io.BytesIO()
    nn.save(obj, buf)
    return buf.getvalue()


def test_save_writes_newobj_and_safe_globals_load():
    state = {"model": {"w": nn.ones(2, dtype=nn.float64)},
             "opt": {"hypers": Bag([{"lr": 0.1}]), "state": [{"grad_avg": nn.zeros(2)}]}}
    data = _saved(state)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        pkl = z.read(next(n for n in z.namelist() if n.endswith("data.pkl")))
    ops = [(op.name, arg) for op, arg, _ in pickletools.genops(pkl)]
    assert ("NEWOBJ", None) in ops and not any("copyreg" in str(arg) for _, arg in ops)
    with pytest.raises(ValueError, match="Bag"):
        nn.load(io.BytesIO(data), weights_only=True)
    with nn.serialization.safe_globals([Bag]):
        out = nn.load(io.BytesIO(data), weights_only=True)
    assert type(out["opt"]["hypers"]) is Bag and out["opt"]["hypers"].items == [{"lr": 0.1}]
    np.testing.assert_array_equal(out["model"]["w"].numpy(), [1.0, 1.0])
    with nn.serialization.safe_globals([(Bag, f"{__name__}.Bag")]):
        assert nn.load(io.BytesIO(data), weights_only=True)["opt"]["hypers"].items == [{"lr": 0.1}]


def test_torch_loads_what_nn_saved_with_safe_globals():
    torch = pytest.importorskip("torch")
    data = _saved({"hypers": Bag([1, 2]), "w": nn.ones(3)})
    with torch.serialization.safe_globals([Bag]):
        out = torch.load(io.BytesIO(data), weights_only=True)
    assert out["hypers"].items == [1, 2] and out["w"].tolist() == [1.0, 1.0, 1.0]


# -- BatchNorm of no features ----------------------------------------------------------------------------------

def test_batchnorm_of_zero_features_builds():
    bn = nn.BatchNorm1d(0)          # fastai's TabularModel without continuous columns (collab_learner(use_nn=True))
    assert bn.weight.shape == (0,) and bn.running_mean.shape == (0,)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    with pytest.raises(RuntimeError):       # (PyTorch's, making the weight)
        nn.BatchNorm1d(-1)
