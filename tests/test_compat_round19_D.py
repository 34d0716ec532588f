"""neuralforecast 3.3.0 (Nixtla's deep forecasting models on PyTorch Lightning 2.6.6, with coreforecast 0.0.20 and
utilsforecast 0.2.17) from the package registry, ported by the porting rule (every .py file of neuralforecast,
pytorch_lightning, lightning_fabric and torchmetrics; the packages renamed neuralforecastp, pytorch_lightningp,
lightning_fabricp, torchmetricsp in their import lines; ray a stand-in on both sides, imported only for the Auto*
models) and run against the original on PyTorch 2.13 in float64 with PyTorch's weights, perturbed, on a synthetic
panel of 3 monthly series of length 120 (horizon 12, input 24): MLP, NBEATS, NHITS, DLinear, NLinear, TSMixer,
PatchTST, iTransformer, TFT, LSTM, GRU, TCN, DeepAR, KAN and TiDE through the package's own ``training_step`` (window
creation, scalers, losses), their gradients, three steps of their own optimizer and ``predict_step``. The failures
these tests pin down, each in a few lines (the package is never imported here): every model's
``configure_optimizers`` builds ``StepLR(optimizer, step_size=1e8)`` (a float: "never decay" by default), which
PyTorch keeps as given and nn refused; Lightning's ``LightningModule.all_gather`` (the models' validation loss)
reads ``torch.distributed.group.WORLD``, which nn.distributed lacked; ``load_state_dict`` refused a 1-element 1-dim
tensor for a 0-dim parameter or buffer (PatchTST's attention scale, BatchNorm's ``num_batches_tracked``), which
PyTorch loads as its element (its backward compatibility with PyTorch 0.3's scalars); a tensor with a graph (a
result of ops on a tensor that requires grad) did not pickle, so Lightning's ``clean_namespace`` at
``trainer.predict`` dropped a fitted distribution loss (it keeps such a mean) from the model's hparams and the saved
model reloaded with the default loss and other shapes: PyTorch pickles it as a leaf with its requires_grad."""
import numpy as np
import pytest

import nn
import nn.optim as optim


# ---- StepLR keeps a float step_size as given (neuralforecast's configure_optimizers) --------------------------------

def test_step_lr_takes_a_float_step_size_as_pytorch():
    opt = optim.SGD([nn.Parameter(nn.zeros(1))], lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2.5, gamma=0.5)
    assert sched.step_size == 2.5 and isinstance(sched.step_size, float)
    lrs = []
    for _ in range(6):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    # PyTorch: decays where last_epoch % 2.5 == 0 (epoch 5): [1, 1, 1, 1, 0.5, 0.5]
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5]
    assert sched.state_dict()["step_size"] == 2.5
    big = optim.lr_scheduler.StepLR(optim.Adam([nn.Parameter(nn.zeros(1))], lr=1e-3), step_size=1e8, gamma=0.5)
    assert big.get_last_lr() == [1e-3]
    # PyTorch checks no step_size (round 34): 0 is Python's ZeroDivisionError at the first step, a str its TypeError
    for bad, error in ((0, ZeroDivisionError), (0.0, ZeroDivisionError), ("3", TypeError)):
        sched = optim.lr_scheduler.StepLR(opt, step_size=bad)
        with pytest.raises(error):
            sched.step()


# ---- torch.distributed.group.WORLD: None with no process group (Lightning's all_gather) ----------------------------

def test_distributed_group_world_is_none_without_a_process_group():
    import nn.distributed as dist
    assert dist.group.WORLD is None and dist.GroupMember.WORLD is None
    assert dist.GroupMember.NON_GROUP_MEMBER == -100
    assert dist.distributed_c10d.group is dist.group
    assert dist.group.__name__ == "group" and dist.group.__doc__ == "Group class. Placeholder."


# ---- load_state_dict: a 1-element 1-dim tensor loads into a 0-dim entry (PyTorch's compatibility rule) ------------

class _Scalars(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(nn.tensor(2.0))
        self.register_buffer("count", nn.tensor(0))


def test_load_state_dict_takes_a_one_element_vector_for_a_0d_entry():
    m = _Scalars()
    before = m.scale
    result = m.load_state_dict({"scale": nn.tensor([3.0]), "count": nn.tensor([7])})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert m.scale is before and m.scale.shape == () and float(m.scale) == 3.0
    assert m.count.shape == () and int(m.count) == 7
    m.load_state_dict({"scale": nn.tensor([4.0]), "count": nn.tensor([8])}, assign=True)
    assert m.scale.shape == () and float(m.scale) == 4.0 and m.scale.requires_grad
    assert m.count.shape == () and int(m.count) == 8
    bn = nn.BatchNorm1d(3)
    sd = bn.state_dict()
    sd["num_batches_tracked"] = nn.tensor([5])
    bn.load_state_dict(sd)
    assert bn.num_batches_tracked.shape == () and int(bn.num_batches_tracked) == 5
    # only one element: PyTorch's "size mismatch" otherwise
    with pytest.raises(RuntimeError, match="size mismatch for scale: "):
        _Scalars().load_state_dict({"scale": nn.tensor([3.0, 1.0]), "count": nn.tensor(1)})


# ---- pickle of a non-leaf: a leaf with the same values and requires_grad, no graph (PyTorch's) ----------------------

def test_pickle_of_a_tensor_with_a_graph_gives_a_leaf():
    import copy
    import pickle
    a = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 2 + 1
    c = pickle.loads(pickle.dumps(b))
    assert c.is_leaf and c.requires_grad and c.grad_fn is None and c.grad is None
    np.testing.assert_array_equal(c.detach().numpy(), [3.0, 5.0, 7.0])
    d = copy.copy(b)                    # copy.copy goes through __reduce_ex__ too: a leaf on the same values
    assert d.is_leaf and d.requires_grad
    np.testing.assert_array_equal(d.detach().numpy(), [3.0, 5.0, 7.0])
    # the original keeps its graph
    b.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0, 2.0])
    # in a container, as the loss object that holds it
    holder = {"mean": (a[1:] * a[1:]).mean(), "n": 2}
    back = pickle.loads(pickle.dumps(holder))
    assert back["n"] == 2 and back["mean"].is_leaf and float(back["mean"]) == 6.5
