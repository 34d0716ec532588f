"""meshgpt-pytorch 1.8.1 (lucidrains' MeshGPT) with the packages it imports, ported by the porting rule: PyTorch
Geometric 2.8.1 (SAGEConv; every .py file and its jinja templates of Python code), vector-quantize-pytorch 1.32.0
(ResidualLFQ, ResidualVQ with k-means, the rotation trick, stochastic codes), x-transformers 2.31.10, local-attention
1.11.2, hyper-connections 0.4.11, taylor-series-linear-attention 0.1.11, gateloop-transformer 0.2.5,
classifier-free-guidance-pytorch 0.7.1, pytorch-custom-utils 0.0.21, pytorch-warmup 0.2.0, ema-pytorch 0.8.3,
rotary-embedding-torch 0.9.1 and torch-einops-utils 0.2.0, each renamed with a `p` suffix (PyG: `pygp`) and run beside
the originals in one process, float64, from PyTorch's weights, every draw (randint, randperm, multinomial, uniform_,
randn, dropout masks, a shuffling loader's order) from one NumPy stream per side; accelerate, huggingface_hub,
environs, transformers and open_clip are stand-ins on both sides. MeshAutoencoder (LFQ / RVQ, attention blocks,
SAGEConv aggregations, quads, checkpointed quantizer, dropout), MeshTransformer (gateloops, text conditioning with
FiLM and cross-attention, classifier-free guidance, cached / uncached generation) and both trainers agree with PyTorch
to 1e-13; the package met one difference of nn's: its trainers checkpoint their LR scheduler (LambdaLR by default, or
the user's class) by `state_dict()`, where nn left out PyTorch's bookkeeping keys ('_step_count', '_is_initial',
'_get_lr_called_within_step'), MultiStepLR's milestones, OneCycleLR's phases and CyclicLR's mode / momentum settings
and '_scale_fn_custom', so that PyTorch could not load nn's CyclicLR state (KeyError '_scale_fn_custom') and key
lists and orders differed from PyTorch's. Each test states PyTorch 2.13's layout by hand; with torch installed,
PyTorch's own dicts."""
import collections

import numpy as np
import pytest

import nn


def _run(make, steps=2, metric=None, opt="SGD"):
    """A scheduler made on a fresh optimizer and stepped `steps` times (optimizer first, as PyTorch asks)."""
    p = nn.Parameter(nn.zeros(2))
    o = nn.optim.SGD([p], lr=0.1, momentum=0.9) if opt == "SGD" else nn.optim.Adam([p], lr=0.1)
    s = make(nn, o)
    for _ in range(steps):
        o.step()
        s.step() if metric is None else s.step(metric)
    return s


def _torch_run(make, steps=2, metric=None):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(2))
    o = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    s = make(torch, o)
    for _ in range(steps):
        o.step()
        s.step() if metric is None else s.step(metric)
    return s


def test_lambda_lr_state_dict_has_pytorchs_bookkeeping_keys_in_order():
    # pytorch-custom-utils' default scheduler, saved in meshgpt's trainer checkpoints
    s = _run(lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, lr_lambda=lambda step: 1.0))
    assert list(s.state_dict().items()) == [("base_lrs", [0.1]), ("last_epoch", 2), ("_step_count", 3),
                                            ("_is_initial", False), ("_get_lr_called_within_step", False),
                                            ("_last_lr", [0.1]), ("lr_lambdas", [None])]


def test_step_and_cosine_state_dicts_in_pytorchs_order():
    s = _run(lambda lib, o: lib.optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.5))
    assert list(s.state_dict()) == ["step_size", "gamma", "base_lrs", "last_epoch", "_step_count", "_is_initial",
                                    "_get_lr_called_within_step", "_last_lr"]
    s = _run(lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2), steps=3)
    sd = s.state_dict()
    assert list(sd) == ["T_0", "T_i", "T_mult", "eta_min", "T_cur", "base_lrs", "last_epoch", "_step_count",
                        "_is_initial", "_get_lr_called_within_step", "_last_lr"]
    assert sd["_step_count"] == 0 and sd["_is_initial"] is False    # (PyTorch's step() of this one never counts)


def test_multistep_state_dict_starts_with_the_milestones_counter_and_loads_it():
    s = _run(lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(o, milestones=[1, 2, 2]))
    sd = s.state_dict()
    assert list(sd)[:2] == ["milestones", "gamma"] and sd["milestones"] == collections.Counter({2: 2, 1: 1})
    other = _run(lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(o, milestones=[5]), steps=0)
    other.load_state_dict(sd)
    assert other.milestones == collections.Counter({2: 2, 1: 1})


def test_one_cycle_state_dict_holds_pytorchs_phases():
    s = _run(lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10))
    sd = s.state_dict()
    assert list(sd)[:5] == ["total_steps", "_schedule_phases", "_anneal_func_type", "cycle_momentum", "use_beta1"]
    assert sd["_schedule_phases"] == [
        {"end_step": 2.0, "start_lr": "initial_lr", "end_lr": "max_lr", "start_momentum": "max_momentum",
         "end_momentum": "base_momentum"},
        {"end_step": 9, "start_lr": "max_lr", "end_lr": "min_lr", "start_momentum": "base_momentum",
         "end_momentum": "max_momentum"}]
    assert sd["_anneal_func_type"] == "cos" and sd["cycle_momentum"] is True and sd["use_beta1"] is False
    # a linear one's phases and anneal come back on load, and the next lrs follow them
    lin = _run(lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10,
                                                                 anneal_strategy="linear"), steps=4)
    back = _run(lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10), steps=0)
    back.load_state_dict(lin.state_dict())
    assert back._anneal_func_type == "linear"
    lin.optimizer.step(); lin.step(); back.optimizer.step(); back.step()
    assert back.get_last_lr() == pytest.approx(lin.get_last_lr(), rel=1e-15)


def test_cyclic_state_dict_holds_mode_momenta_and_scale_fn_custom():
    s = _run(lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, mode="exp_range",
                                                             gamma=0.9, step_size_up=2), steps=3)
    sd = s.state_dict()
    assert list(sd) == ["max_lrs", "total_size", "step_ratio", "mode", "gamma", "scale_mode", "cycle_momentum",
                        "use_beta1", "base_momentums", "max_momentums", "base_lrs", "last_epoch", "_step_count",
                        "_is_initial", "_get_lr_called_within_step", "_last_lr", "_scale_fn_custom"]
    assert (sd["mode"], sd["gamma"], sd["scale_mode"], sd["_scale_fn_custom"]) == ("exp_range", 0.9, "iterations", None)
    assert sd["max_lrs"] == [0.1] and sd["base_momentums"] == [0.8] and sd["max_momentums"] == [0.9]
    # a triangular one takes the exp_range mode back with the state, and steps as the saved one
    other = _run(lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2),
                 steps=0)
    other.load_state_dict(sd)
    assert other.mode == "exp_range" and other.scale_mode == "iterations"
    s.optimizer.step(); s.step(); other.optimizer.step(); other.step()
    assert other.get_last_lr() == pytest.approx(s.get_last_lr(), rel=1e-15)
    # a callable object as scale_fn: its attributes are saved and restored, a function is None
    class Half:
        def __init__(self):
            self.factor = 0.5

        def __call__(self, x):
            return self.factor

    fn = Half()
    s = _run(lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, scale_fn=fn), steps=1)
    fn.factor = 0.25
    assert s.state_dict()["_scale_fn_custom"] == {"factor": 0.25}
    plain = _run(lambda lib, o: lib.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, cycle_momentum=False))
    assert "use_beta1" not in plain.state_dict() and plain.state_dict()["cycle_momentum"] is False


def test_reduce_on_plateau_state_dict_in_pytorchs_order():
    s = _run(lambda lib, o: lib.optim.lr_scheduler.ReduceLROnPlateau(o), metric=1.0)
    assert list(s.state_dict()) == ["factor", "default_min_lr", "min_lrs", "patience", "cooldown", "eps",
                                    "last_epoch", "_last_lr", "mode_worse", "mode", "threshold", "threshold_mode",
                                    "best", "cooldown_counter", "num_bad_epochs"]


CASES = [("StepLR", dict(step_size=1), None), ("MultiStepLR", dict(milestones=[1, 2, 2]), None),
         ("CosineAnnealingLR", dict(T_max=3), None), ("LinearLR", {}, None),
         ("LambdaLR", dict(lr_lambda=lambda e: 1.0), None), ("OneCycleLR", dict(max_lr=1.0, total_steps=10), None),
         ("CyclicLR", dict(base_lr=0.01, max_lr=0.1), None), ("ReduceLROnPlateau", {}, 1.0)]


@pytest.mark.parametrize("name, kwargs, metric", CASES, ids=[c[0] for c in CASES])
def test_state_dicts_equal_pytorchs_and_load_both_ways(name, kwargs, metric):
    torch = pytest.importorskip("torch")
    make = lambda lib, o: getattr(lib.optim.lr_scheduler, name)(o, **kwargs)
    theirs, ours = _torch_run(make, metric=metric).state_dict(), _run(make, metric=metric).state_dict()
    assert list(ours) == list(theirs)
    assert {k: str(v) for k, v in ours.items() if k != "lr_lambdas"} == \
        {k: str(v) for k, v in theirs.items() if k != "lr_lambdas"}
    # PyTorch reads nn's (its CyclicLR pops '_scale_fn_custom': a KeyError before), nn reads PyTorch's; both go on
    t, p = _torch_run(make, steps=0), _run(make, steps=0)
    t.load_state_dict(dict(ours))
    p.load_state_dict(dict(theirs))
    for _ in range(3):
        t.optimizer.step(); p.optimizer.step()
        (t.step(), p.step()) if metric is None else (t.step(2.0), p.step(2.0))
    np.testing.assert_allclose(p.get_last_lr(), t.get_last_lr(), rtol=1e-12)
