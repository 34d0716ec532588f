"""OpenMMLab's training engine from the package registry: mmengine 0.10.7 (installed with --no-deps, with addict
2.4.0, yapf 0.43.0 and platformdirs 4.14.9), ported by the porting rule (every .py file; renamed mmenginep in its
own import lines) and run against the original on PyTorch 2.13 in float64 with PyTorch's weights and one NumPy draw
of inputs: mmengine.model (BaseModel's train_step / val_step / test_step and parse_losses, BaseDataPreprocessor,
ImgDataPreprocessor, stack_batch, BaseModule with init_cfg, the weight_init functions and *Init classes with their
draws handed over, ExponentialMovingAverage / MomentumAnnealingEMA / StochasticWeightAverage, the containers,
revert_sync_batchnorm / convert_sync_batchnorm, detect_anomalous_params), mmengine.optim (build_optim_wrapper with
paramwise_cfg, OptimWrapper's accumulation and gradient clipping, OptimWrapperDict, every parameter scheduler by
epoch and by iteration, ReduceOnPlateau) and a Runner training a few epochs with its default hooks, saving
checkpoints and resuming from them both ways.

The failures these tests pin down (no package is imported here):

1. ``import mmengine`` failed: its parrots_wrapper imports ``_ConvTransposeMixin`` from torch.nn.modules.conv
   (PyTorch's deprecated base, a FutureWarning when built) and ``_AvgPoolNd`` / ``_MaxPoolNd`` from
   torch.nn.modules.pooling (the bases of AvgPool1d/2d/3d and MaxPool1d/2d/3d); nn had neither.
2. ``mmengine.dist`` imports ``_take_tensors`` from torch._utils (its bucketed all_reduce): tensors grouped by
   ``type()`` into lists within a byte limit; nn had only the flatten / unflatten pair.
3. ``mmengine.model.wrappers`` imports the FSDP configuration names (``torch.distributed.fsdp.api``'s
   ShardingStrategy, StateDictType, FullStateDictConfig, MixedPrecision, CPUOffload, BackwardPrefetch, ...);
   nn's fsdp module had only FullyShardedDataParallel and FSDPModule.
4. ``BaseModule.init_weights`` takes ``param.data.mean().cpu()``: a bare full reduction of a Tensor's ``.data``
   is a 0-d tensor in PyTorch; nn gave a NumPy scalar, which has no ``.cpu()`` (bare max() / min() were 0-d
   already).
5. mmengine's ``load_state_dict`` (Runner's ``load_from`` / ``resume``, ``load_checkpoint``, PretrainedInit) walks
   the modules itself and calls each one's ``_load_from_state_dict``, which in PyTorch copies the module's own
   parameters and buffers and reports missing / unexpected keys and size mismatches; nn's only ran the pre hooks
   (its load_state_dict copies centrally), so every checkpoint load loaded nothing, silently, and a resumed run
   continued from the initial weights (0.72 relative off PyTorch after one more epoch).
"""
import warnings

import numpy as np
import pytest

import nn


# ---- 1. PyTorch's private layer bases that mmengine imports ------------------------------------------------------

def test_conv_transpose_mixin_is_a_deprecated_transposed_base():
    from nn.modules.conv import _ConvNd, _ConvTransposeMixin, _ConvTransposeNd
    assert issubclass(_ConvTransposeMixin, _ConvTransposeNd) and issubclass(_ConvTransposeMixin, _ConvNd)
    assert _ConvTransposeMixin.transposed is True

    class Up(_ConvTransposeMixin, nn.ConvTranspose2d):
        pass
    with pytest.warns(FutureWarning, match="`_ConvTransposeMixin` is a deprecated internal class"):
        up = Up(2, 3, 2)
    assert up(nn.ones(1, 2, 3, 3)).shape == (1, 3, 4, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.ConvTranspose2d(2, 3, 2)                     # the public layers do not warn


def test_pool_bases_as_pytorchs():
    from nn.modules.pooling import _AdaptiveAvgPoolNd, _AdaptiveMaxPoolNd, _AvgPoolNd, _MaxPoolNd
    for layer in (nn.MaxPool1d(2), nn.MaxPool2d(2), nn.MaxPool3d(2)):
        assert isinstance(layer, _MaxPoolNd) and not isinstance(layer, _AvgPoolNd)
    for layer in (nn.AvgPool1d(2), nn.AvgPool2d(2), nn.AvgPool3d(2)):
        assert isinstance(layer, _AvgPoolNd) and not isinstance(layer, _MaxPoolNd)
    for layer in (nn.AdaptiveMaxPool2d(1), nn.AdaptiveAvgPool2d(1)):
        assert not isinstance(layer, (_MaxPoolNd, _AvgPoolNd))
    assert isinstance(nn.AdaptiveMaxPool2d(1), _AdaptiveMaxPoolNd) and isinstance(nn.AdaptiveAvgPool1d(1),
                                                                                  _AdaptiveAvgPoolNd)
    x = nn.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    assert nn.MaxPool2d(2)(x).tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert nn.AvgPool2d(2)(x).tolist() == [[[[2.5, 4.5], [10.5, 12.5]]]]


# ---- 2. torch._utils._take_tensors --------------------------------------------------------------------------------

def test_take_tensors_buckets_by_type_within_the_byte_limit():
    from nn._utils import _take_tensors
    ts = [nn.zeros(3), nn.zeros(2, dtype=nn.float64), nn.zeros(5), nn.zeros(1), nn.zeros(4, dtype=nn.float64),
          nn.zeros(2)]
    buckets = list(_take_tensors(ts, 24))
    # PyTorch's: a full bucket goes out when the next tensor of its type would pass the limit; the unfinished
    # buckets last, in the order their types first came (float32 before float64)
    assert [[(t.dtype, t.numel()) for t in b] for b in buckets] == [
        [(nn.float32, 3)], [(nn.float64, 2)], [(nn.float32, 5), (nn.float32, 1)], [(nn.float32, 2)],
        [(nn.float64, 4)]]
    assert buckets[2][0] is ts[2]
    assert [len(b) for b in _take_tensors([nn.zeros(100)], 8)] == [1]      # one tensor over the limit: alone


# ---- 3. torch.distributed.fsdp.api's configuration names ----------------------------------------------------------

def test_fsdp_api_names():
    from nn.distributed.fsdp.api import (BackwardPrefetch, CPUOffload, FullOptimStateDictConfig,
                                         FullStateDictConfig, LocalStateDictConfig, MixedPrecision,
                                         OptimStateDictConfig, ShardedOptimStateDictConfig, ShardingStrategy,
                                         StateDictConfig, StateDictSettings, StateDictType)
    from nn.distributed.fsdp.fully_sharded_data_parallel import FullyShardedDataParallel, MixedPrecision as MP
    import nn.distributed.fsdp as fsdp
    assert MP is MixedPrecision is fsdp.MixedPrecision and fsdp.ShardingStrategy is ShardingStrategy
    assert [s.name for s in ShardingStrategy] == ["FULL_SHARD", "SHARD_GRAD_OP", "NO_SHARD", "HYBRID_SHARD",
                                                  "_HYBRID_SHARD_ZERO2"]
    assert [s.name for s in StateDictType] == ["FULL_STATE_DICT", "LOCAL_STATE_DICT", "SHARDED_STATE_DICT"]
    assert [s.name for s in BackwardPrefetch] == ["BACKWARD_PRE", "BACKWARD_POST"]
    full = FullStateDictConfig(offload_to_cpu=True)
    assert isinstance(full, StateDictConfig) and full.rank0_only is False and full.offload_to_cpu is True
    assert LocalStateDictConfig().offload_to_cpu is False and OptimStateDictConfig().offload_to_cpu is True
    assert FullOptimStateDictConfig().rank0_only is False and ShardedOptimStateDictConfig()._use_dtensor is False
    mp = MixedPrecision(param_dtype=nn.float16)
    assert mp.reduce_dtype is None and mp.cast_root_forward_inputs is True
    assert mp._module_classes_to_ignore == (nn.modules.batchnorm._BatchNorm,)
    assert CPUOffload().offload_params is False
    assert StateDictSettings(StateDictType.FULL_STATE_DICT, full, OptimStateDictConfig()).state_dict_config is full
    assert FullStateDictConfig.__module__ == "nn.distributed.fsdp.api"
    with pytest.raises(RuntimeError):
        FullyShardedDataParallel(nn.Linear(2, 2))       # still no sharding without a process group


# ---- 4. a bare full reduction of .data is 0-d ----------------------------------------------------------------------

def test_bare_reduction_of_data_is_zero_dim_with_tensor_methods():
    p = nn.Parameter(nn.tensor(np.array([[1.0, 2.0], [3.0, 6.0]])))
    mean = p.data.mean()
    # mmengine's BaseModule.init_weights: param.data.mean().cpu(), compared later with the new mean
    assert mean.cpu().shape == () and float(mean.cpu()) == 3.0 and mean.cpu().numpy().shape == ()
    assert p.data.sum().item() == 12.0 and p.data.prod().item() == 36.0 and p.data.argmax().item() == 3
    assert bool(p.data.all()) and bool(p.data.any()) and (mean != p.data.mean()) == False      # noqa: E712
    # NumPy's own functions still get NumPy's scalars; PyTorch's forms with a dim are unchanged
    assert type(np.mean(p.data)) is np.float64 and type(np.sum(p.data)) is np.float64
    assert p.data.sum(dim=0).tolist() == [4.0, 8.0]
    assert p.grad is None


# ---- 5. Module._load_from_state_dict called directly loads, as PyTorch's -----------------------------------------

def _mmengine_style_load(module, state_dict, strict=False):
    """mmengine.runner.checkpoint.load_state_dict's walk: every module's _load_from_state_dict, parents first."""
    missing, unexpected, errors = [], [], []

    def load(m, prefix=""):
        m._load_from_state_dict(state_dict, prefix, {}, True, missing, unexpected, errors)
        for name, child in m._modules.items():
            if child is not None:
                load(child, prefix + name + ".")
    load(module)
    return missing, unexpected, errors


def test_load_from_state_dict_called_directly_copies_own_entries():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    weight = model[0].weight
    sd = {k: np.full(v.shape, 7.0) for k, v in model.state_dict().items()}
    sd["1.num_batches_tracked"] = np.array(5)
    missing, unexpected, errors = _mmengine_style_load(model, sd)
    assert (missing, unexpected, errors) == ([], [], [])
    assert all(np.all(v == 7.0) for k, v in model.state_dict().items() if "num_batches" not in k)
    assert model[1].num_batches_tracked.item() == 5 and model[1].num_batches_tracked.dtype == nn.int64
    assert model[0].weight.dtype == nn.float32 and model[0].weight is weight and weight.requires_grad   # in place
    # nn's own load_state_dict still copies centrally, after every module's step: a failed load changes nothing
    # even through a subclass that edits its keys and calls super()._load_from_state_dict
    class Edited(nn.Linear):
        def _load_from_state_dict(self, state_dict, prefix, *args):
            state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")
            super()._load_from_state_dict(state_dict, prefix, *args)

    model = nn.Sequential(Edited(2, 2), nn.Linear(2, 1))
    before = {k: np.array(v) for k, v in model.state_dict().items()}
    bad = {"0.w": np.ones((2, 2)), "0.bias": np.ones(2), "1.weight": np.ones((3, 3)), "1.bias": np.ones(1)}
    with pytest.raises(Exception, match="size mismatch for 1.weight"):
        model.load_state_dict(bad)
    assert all(np.array_equal(model.state_dict()[k], v) for k, v in before.items())     # nothing changed
    good = dict(bad, **{"1.weight": np.full((1, 2), 3.0)})
    result = model.load_state_dict(good)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    assert model[0].weight.tolist() == [[1.0, 1.0], [1.0, 1.0]] and model[1].weight.tolist() == [[3.0, 3.0]]


def test_load_from_state_dict_reports_as_pytorchs():
    bn = nn.BatchNorm1d(2)
    sd = {"p.weight": nn.ones(3), "p.bias": 5, "p.running_var": nn.full((2,), 4.0),
          "p.num_batches_tracked": nn.tensor([7]), "p.extra": nn.ones(1), "p.sub.x": nn.ones(1),
          "q.weight": nn.ones(2)}
    missing, unexpected, errors = [], [], []
    bn._load_from_state_dict(sd, "p.", {}, True, missing, unexpected, errors)
    # PyTorch 2.13's lists and messages (its shapes print as torch.Size, nn's as nn.Size, as in load_state_dict)
    assert missing == ["p.running_mean"] and unexpected == ["p.extra", "p.sub.x"]
    assert errors == ["size mismatch for p.weight: copying a param with shape nn.Size([3]) from checkpoint, the shape "
                      "in current model is nn.Size([2]).",
                      "While copying the parameter named \"p.bias\", expected torch.Tensor or Tensor-like object "
                      "from checkpoint but received <class 'int'>"]
    # the keys that fit loaded; the 1-element 1-dim num_batches_tracked into the 0-dim buffer as its element
    assert bn.running_var.tolist() == [4.0, 4.0] and bn.num_batches_tracked.item() == 7
    assert bn.weight.tolist() == [1.0, 1.0] and bn.running_mean.tolist() == [0.0, 0.0]
    missing, unexpected, errors = [], [], []
    bn._load_from_state_dict(sd, "p.", {}, False, missing, unexpected, errors)
    assert (missing, unexpected, len(errors)) == ([], [], 2)


def test_direct_load_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    theirs = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Linear(4, 2)).double()
    ours = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.Linear(4, 2)).double()
    sd = {k: rng.normal(size=v.shape) if v.dtype.is_floating_point else np.array(3) for k, v in
          theirs.state_dict().items()}
    sd["2.weight"] = rng.normal(size=(2, 5))
    sd["0.stray"] = np.ones(1)
    want = _mmengine_style_load(theirs, {k: torch.tensor(v) for k, v in sd.items()})
    got = _mmengine_style_load(ours, sd)
    assert got[:2] == want[:2] and [e.replace("nn.Size", "torch.Size") for e in got[2]] == want[2]
    for k, v in theirs.state_dict().items():
        if k == "2.weight":                             # the size mismatch: neither side loads it
            continue
        np.testing.assert_array_equal(ours.state_dict()[k], v.numpy(), err_msg=k)
