"""avalanche-lib 0.6.0 (continual learning) from the package registry, installed without dependencies and ported by
the porting rule (every .py file, the package renamed `avalanchep`), run against the original on PyTorch in float64
from the same perturbed weights, on synthetic class-incremental benchmarks built from tensors (`tensors_benchmark`,
`nc_benchmark`, `ni_benchmark`, `dataset_benchmark`), with every random draw (replay buffers' `torch.rand`, GEM's
shuffled memory loader, the heads the dynamic modules grow) read from one NumPy stream: Naive, EWC (separate and
online), SI, LwF, Replay, GEM, A-GEM, Cumulative, JointTraining, MAS, GDumb, LFL and more strategies, the plugin
machinery (EvaluationPlugin with accuracy / loss / forgetting metrics, LRSchedulerPlugin, EarlyStoppingPlugin),
IncrementalClassifier, MultiHeadClassifier, SimpleMLP, SimpleCNN. The failures these tests pin down, each
reproduced in a few lines (avalanche itself is never imported here): avalanche imports `broadcast_object_list`
from `torch.distributed` and sets `torch.distributed.distributed_c10d._unpickler` at import; its FlatData calls
`ConcatDataset.cumsum`; its MultiHeadClassifier reads and writes a module's `_buffers[name]` as Tensors; its
LRSchedulerPlugin calls `ReduceLROnPlateau._reset()` at each experience (missing, the learning rate was halved where
PyTorch's was not); GSS calls `torch.arange(end=n)`; its checkpoints import `torch.default_generator`, save a dict
holding the strategy object with `pickle_module=dill` and load it with `torch.load(fname, pickle_module=dill)`."""
import math
import pickle

import numpy as np
import pytest

import nn


# ---- torch.distributed's object collectives and distributed_c10d (avalanche.distributed, imported by everything) --

def test_distributed_object_collectives_and_c10d_exist():
    from nn.distributed import broadcast_object_list, all_gather_object, gather_object   # noqa: F401
    import nn.distributed.distributed_c10d as c10d
    assert c10d is nn.distributed.distributed_c10d
    assert c10d._unpickler is pickle.Unpickler and c10d._pickler is pickle.Pickler
    assert c10d.is_initialized() is False and c10d.broadcast_object_list is broadcast_object_list
    with pytest.raises(RuntimeError, match="Default process group has not been initialized"):
        broadcast_object_list([1, 2])


# ---- ConcatDataset.cumsum (avalanche's FlatData: ConcatDataset.cumsum(self._datasets)) ----------------------------

def test_concat_dataset_cumsum_is_a_static_method():
    from nn.utils.data import ConcatDataset, TensorDataset
    assert ConcatDataset.cumsum([[1, 2], [3], [], [4, 5, 6]]) == [2, 3, 3, 6]
    ds = ConcatDataset([TensorDataset(nn.zeros(2)), TensorDataset(nn.ones(3))])
    assert ds.cumulative_sizes == [2, 5] and len(ds) == 5 and ds[4][0].item() == 1.0


# ---- Module._buffers[name] as Tensors (avalanche's MultiHeadClassifier grows its active-unit masks) ---------------

def test_buffers_registry_subscript_gives_tensors_and_takes_tensors():
    m = nn.Module()
    m.register_buffer("mask", nn.zeros(3, dtype=nn.int8))
    got = m._buffers["mask"]
    assert isinstance(got, nn.Tensor) and got.dtype == nn.int8
    out = nn.arange(3.0)
    out[..., nn.logical_not(got)] = -1.0              # MultiHeadClassifier.forward_single_task
    np.testing.assert_array_equal(out.numpy(), [-1.0, -1.0, -1.0])
    got[1] = 1                                        # the registry's own memory, as PyTorch's buffer
    np.testing.assert_array_equal(m.mask.numpy(), [0, 1, 0])
    old = m._buffers["mask"]                          # growing it: a new Tensor in the registry, the old rows copied
    m._buffers["mask"] = nn.zeros(5, dtype=nn.int8)
    m._buffers["mask"][:3] = old
    np.testing.assert_array_equal(m.mask.numpy(), [0, 1, 0, 0, 0])
    assert list(m.state_dict()) == ["mask"]
    np.testing.assert_array_equal(m.state_dict()["mask"].numpy(), [0, 1, 0, 0, 0])
    m.double()                                        # _apply over the registry still works (int8 stays)
    assert m._buffers["mask"].dtype == nn.int8


def test_buffers_registry_keeps_none_and_missing_key_error():
    bn = nn.BatchNorm1d(2, track_running_stats=False)
    assert bn._buffers["running_mean"] is None
    with pytest.raises(KeyError):
        nn.Module()._buffers["nothing"]


# ---- ReduceLROnPlateau._reset() and mode_worse (avalanche's LRSchedulerPlugin, reset_scheduler=True) ---------------

def test_reduce_lr_on_plateau_reset_and_mode_worse():
    w = nn.Parameter(nn.zeros(2))
    opt = nn.optim.SGD([w], lr=0.1)
    sched = nn.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    assert sched.mode_worse == math.inf and sched.best == math.inf
    for metric in (1.0, 0.9, 0.95):
        sched.step(metric)
    assert opt.param_groups[0]["lr"] == 0.05 and sched.best == 0.9
    sched.num_bad_epochs, sched.cooldown_counter = 3, 2
    sched._reset()
    assert (sched.best, sched.num_bad_epochs, sched.cooldown_counter) == (math.inf, 0, 0)
    sched.step(5.0)                                   # after a reset any metric is an improvement
    assert opt.param_groups[0]["lr"] == 0.05 and sched.best == 5.0
    assert sched.state_dict()["mode_worse"] == math.inf
    up = nn.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max")
    assert up.mode_worse == -math.inf and up.best == -math.inf


# ---- arange(end=n) (avalanche's GSS_greedyPlugin: torch.arange(end=batch_item_sim.size(0), device=...)) ------------

def test_arange_with_end_only_counts_from_zero():
    np.testing.assert_array_equal(nn.arange(end=4).numpy(), [0, 1, 2, 3])
    assert nn.arange(end=4).dtype == nn.int64 and nn.arange(end=2.0).dtype == nn.get_default_dtype()
    np.testing.assert_array_equal(nn.arange(start=1, end=3).numpy(), [1, 2])
    np.testing.assert_array_equal(nn.arange(3).numpy(), [0, 1, 2])
    with pytest.raises(TypeError, match="end"):
        nn.arange()


# ---- torch.default_generator (avalanche.training.determinism: `from torch import default_generator`) -------------

def test_default_generator_imported_once_follows_manual_seed():
    from nn import default_generator
    nn.manual_seed(3)
    first = nn.rand(4).numpy()
    nn.manual_seed(99)                                # a later reseed must not leave the imported object behind
    default_generator.manual_seed(3)                  # avalanche's cpu_rng_seed
    np.testing.assert_array_equal(nn.rand(4).numpy(), first)
    assert nn.initial_seed() == 3 == default_generator.initial_seed()
    nn.manual_seed(5)
    a = nn.randperm(6, generator=default_generator).numpy()
    nn.manual_seed(5)
    np.testing.assert_array_equal(nn.randperm(6).numpy(), a)


# ---- save / load of a checkpoint holding objects, with pickle_module (avalanche's save_checkpoint and
# ---- maybe_load_checkpoint: torch.save({"strategy": ..., "exp_counter": 1}, fname, pickle_module=dill)) -----------

class _Strategy:
    def __init__(self):
        self.model = nn.Linear(2, 3)
        self.counter = 4


def test_save_dict_holding_an_object_and_load_with_pickle_module(tmp_path):
    fname = tmp_path / "ckpt.pkl"
    strategy = _Strategy()
    nn.save({"strategy": strategy, "exp_counter": 1}, fname, pickle_module=pickle)
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle_module is specified"):
        nn.load(fname, pickle_module=pickle, weights_only=True)
    back = nn.load(fname, pickle_module=pickle)       # trusted: PyTorch sets weights_only=False here
    assert back["exp_counter"] == 1 and back["strategy"].counter == 4
    np.testing.assert_array_equal(back["strategy"].model.weight.detach().numpy(),
                                  strategy.model.weight.detach().numpy())
    with pytest.raises(TypeError):                    # an .npz file still holds arrays only
        nn.save({"strategy": strategy}, tmp_path / "ckpt.npz")
