"""Training loops and k-means from the package registry: torchbearer 0.5.5 (with tqdm), torch-kmeans 0.2.0,
fast-pytorch-kmeans 0.2.2 and kmeans_pytorch 0.3 (installed with --no-deps; a name-only psutil stand-in on both sides
for fast-pytorch-kmeans, which reads it only to size GPU chunks), ported by the porting rule (torchbearerp,
torch_kmeansp, fast_pytorch_kmeansp, kmeans_pytorchp) and run against the originals on PyTorch 2.13 in float64 with
PyTorch's weights and the same random draws: torchbearer's Trial (with_generators / with_data / with_train_data,
run, evaluate, predict, replay, infinite loaders, custom closures, state_dict and load_state_dict), its metrics
(acc, loss, mse, cat_acc, bin_acc, top-k, roc_auc, lr, epoch, the mean / std / var / running-mean decorators,
lambda, epoch-lambda and to_dict metrics), its callbacks (gradient clipping by norm and value, L1 / L2 / Lp weight
decay, the LR scheduler wrappers, early stopping, TerminateOnNaN, the checkpointers and CSVLogger writing files,
the on_* decorators, Mixup, Cutout, RandomErase, CutMix, BCPlus, SamplePairing, ManifoldMixup, label smoothing,
UnpackState, the weight initialisers and LSUV, the console and tqdm printers), and the three k-means packages' fit /
predict / fit_predict with Euclidean and cosine distances, mini-batches, soft and constrained k-means.

The failures these tests pin down, in a few lines (none of the packages is imported here):

- ``torch.serialization.pickle``: torch.serialization imports pickle, and torchbearer's checkpointers take
  ``pickle_module=torch.serialization.pickle`` as a default argument, so ``import torchbearer`` failed on nn with
  an AttributeError. nn.serialization now imports pickle too (it still writes with its own pickler).
- ``nn.save`` of a dict keyed by objects: torchbearer's ``Trial.state_dict()`` (what its checkpointers save) is
  keyed by its ``StateKey`` objects, and torch.save pickles any key; nn.save raised "TypeError: nn.save: the object
  has keys that are not str, int or float". A key now goes through the same pickling as a value (a str, int or
  float as itself; an object by its reduction, read back with ``weights_only=False`` as PyTorch's).
- CyclicLR and OneCycleLR with ``cycle_momentum`` (torchbearer's CyclicLR callback over Adam, saved by its
  checkpointers): PyTorch records ``max_momentum`` / ``base_momentum`` in every param group (OneCycleLR also
  ``max_lr`` / ``min_lr``), so the optimizer's state_dict holds them; nn's groups lacked them. An optimizer without
  momentum or betas is refused in PyTorch's words ("optimizer must support momentum or beta1 with
  `cycle_momentum` option enabled"; nn said "... betas with cycle_momentum enabled").
- iterating a 0-d ``.data``: torchbearer's metrics see ``state.data`` (every value's ``.data``), and a metric that
  returns a 0-d value where a dict is expected fails in ``dict.update`` with PyTorch's "TypeError: iteration over a
  0-d tensor"; nn's ``.data`` array said "len() of unsized object".
"""
import os
import pickle

import numpy as np
import pytest

import nn


class Key:
    """A state key as torchbearer's StateKey: hashed and compared by its name (module level: picklable)."""

    def __init__(self, key):
        self.key = key

    def __hash__(self):
        return hash(self.key)

    def __eq__(self, other):
        return str(other) == self.key

    def __str__(self):
        return self.key

    __repr__ = __str__


# ---- torch.serialization.pickle ----------------------------------------------------------------------------------

def test_serialization_module_holds_pickle_for_default_arguments(tmp_path):
    # torchbearer: def __init__(self, ..., pickle_module=torch.serialization.pickle,
    #                            pickle_protocol=torch.serialization.DEFAULT_PROTOCOL)
    assert nn.serialization.pickle is pickle
    assert nn.serialization.DEFAULT_PROTOCOL == 2
    path = os.path.join(tmp_path, "m.pt")
    nn.save({"w": nn.tensor([1.0, 2.0])}, path, pickle_module=nn.serialization.pickle,
            pickle_protocol=nn.serialization.DEFAULT_PROTOCOL)
    np.testing.assert_array_equal(np.asarray(nn.load(path)["w"]), [1.0, 2.0])


# ---- nn.save of a dict keyed by objects --------------------------------------------------------------------------

def _trial_like_state():
    return {Key("torchbearer_version"): "0.5.5",
            Key("model"): {"0.weight": nn.tensor([[1.0, 2.0]]), "0.bias": nn.tensor([0.5])},
            Key("optimizer"): {"state": {}, "param_groups": [{"lr": 0.1, "params": [0, 1]}]},
            Key("history"): [{"loss": 0.25, "train_steps": 4}],
            ("a", 1): 3, True: "t"}


def test_save_takes_a_dict_keyed_by_objects_and_loads_it_back(tmp_path):
    # PyTorch 2.13: torch.save(trial.state_dict(), path) then torch.load(path, weights_only=False) gives the same keys
    path = os.path.join(tmp_path, "trial.pt")
    nn.save(_trial_like_state(), path)
    back = nn.load(path, weights_only=False)
    assert [type(k) for k in back] == [Key, Key, Key, Key, tuple, bool]
    assert [str(k) for k in back] == ["torchbearer_version", "model", "optimizer", "history", "('a', 1)", "True"]
    assert back["torchbearer_version"] == "0.5.5" and back[("a", 1)] == 3 and back[True] == "t"
    np.testing.assert_array_equal(np.asarray(back["model"]["0.weight"]), [[1.0, 2.0]])
    assert back["history"] == [{"loss": 0.25, "train_steps": 4}]
    assert back["optimizer"]["param_groups"][0]["lr"] == 0.1
    # str, int, float and None keys save as before (a weights-only load reads them)
    nn.save({"a": nn.tensor([1.0]), 2: nn.tensor([2.0]), 0.5: nn.tensor([3.0]), None: 1}, path)
    plain = nn.load(path)
    assert list(plain) == ["a", 2, 0.5, None]
    np.testing.assert_array_equal(np.asarray(plain[0.5]), [3.0])


def test_a_weights_only_load_refuses_the_object_keys(tmp_path):
    # PyTorch 2.13's default weights_only=True load refuses the unknown class (an UnpicklingError)
    path = os.path.join(tmp_path, "trial.pt")
    nn.save(_trial_like_state(), path)
    with pytest.raises(pickle.UnpicklingError):
        nn.load(path)


def test_object_keys_read_by_pytorch():
    torch = pytest.importorskip("torch")
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "trial.pt")
        nn.save(_trial_like_state(), path)
        theirs = torch.load(path, weights_only=False)
        assert [str(k) for k in theirs] == ["torchbearer_version", "model", "optimizer", "history", "('a', 1)", "True"]
        assert isinstance(theirs["model"]["0.weight"], torch.Tensor)
        assert theirs["model"]["0.weight"].tolist() == [[1.0, 2.0]]
        torch.save({Key("model"): {"w": torch.tensor([1.0, 2.0])}}, path)
        ours = nn.load(path, weights_only=False)
        assert type(next(iter(ours))) is Key
        np.testing.assert_array_equal(np.asarray(ours["model"]["w"]), [1.0, 2.0])


# ---- iterating a 0-d .data ---------------------------------------------------------------------------------------

def test_iterating_a_0d_data_raises_pytorchs_type_error():
    # PyTorch 2.13: {}.update(torch.tensor(0.5).data) -> TypeError("iteration over a 0-d tensor")
    with nn.no_grad():
        value = (nn.tensor([1.0, -3.0]).abs().max()).data
    with pytest.raises(TypeError, match="^iteration over a 0-d tensor$"):
        {}.update(value)
    with pytest.raises(TypeError, match="^iteration over a 0-d tensor$"):
        iter(nn.tensor(2.0).data)
    # 1-d and 2-d .data iterate as before (NumPy scalars, then rows)
    assert [float(v) for v in nn.tensor([1.0, 2.0]).data] == [1.0, 2.0]
    assert [list(map(float, r)) for r in nn.tensor([[1.0, 2.0], [3.0, 4.0]]).data] == [[1.0, 2.0], [3.0, 4.0]]


# ---- CyclicLR / OneCycleLR momentum bookkeeping in the param groups ---------------------------------------------

def _opt(kind, **kw):
    p = nn.Parameter(nn.zeros(2))
    return getattr(nn.optim, kind)([p], lr=0.1, **kw)


def test_cyclic_lr_records_the_momentum_range_in_the_groups():
    # PyTorch 2.13: CyclicLR(Adam, 0.01, 0.1, step_size_up=2) -> group['max_momentum'] 0.9, ['base_momentum'] 0.8,
    # betas (0.9, 0.999); after 3 steps (down half-way) betas[0] = 0.85, lr 0.055
    opt = _opt("Adam")
    sched = nn.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=2)
    group = opt.param_groups[0]
    assert (group["max_momentum"], group["base_momentum"]) == (0.9, 0.8)
    assert group["betas"] == (0.9, 0.999)
    for _ in range(3):
        opt.step()
        sched.step()
    assert group["betas"][0] == pytest.approx(0.85, abs=1e-15) and group["betas"][1] == 0.999
    assert group["lr"] == pytest.approx(0.055, abs=1e-15)
    assert {"max_momentum", "base_momentum"} <= set(opt.state_dict()["param_groups"][0])
    sgd = _opt("SGD", momentum=0.5)
    nn.optim.lr_scheduler.CyclicLR(sgd, 0.01, 0.1, base_momentum=0.7, max_momentum=0.95)
    assert (sgd.param_groups[0]["momentum"], sgd.param_groups[0]["max_momentum"],
            sgd.param_groups[0]["base_momentum"]) == (0.95, 0.95, 0.7)
    plain = _opt("Adam")
    nn.optim.lr_scheduler.CyclicLR(plain, 0.01, 0.1, cycle_momentum=False)
    assert "max_momentum" not in plain.param_groups[0]


def test_one_cycle_lr_records_its_lr_and_momentum_range_in_the_groups():
    # PyTorch 2.13: OneCycleLR(SGD(momentum=0.5), max_lr=0.1, total_steps=10): max_lr 0.1, min_lr 0.004 / 1e4,
    # initial_lr 0.004, max_momentum 0.95, base_momentum 0.85, momentum 0.95
    opt = _opt("SGD", momentum=0.5)
    nn.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    group = opt.param_groups[0]
    assert group["max_lr"] == 0.1 and group["min_lr"] == pytest.approx(0.004 / 1e4, rel=1e-15)
    assert group["initial_lr"] == pytest.approx(0.004, rel=1e-15)
    assert (group["max_momentum"], group["base_momentum"], group["momentum"]) == (0.95, 0.85, 0.95)


def test_cycling_momentum_without_momentum_is_refused_in_pytorchs_words():
    words = "^optimizer must support momentum or beta1 with `cycle_momentum` option enabled$"
    with pytest.raises(ValueError, match=words):
        nn.optim.lr_scheduler.CyclicLR(_opt("Adagrad"), 0.01, 0.1)
    with pytest.raises(ValueError, match=words):
        nn.optim.lr_scheduler.OneCycleLR(_opt("Adagrad"), max_lr=0.1, total_steps=10)
