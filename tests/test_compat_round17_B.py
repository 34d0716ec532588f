"""opacus 1.6.0 (differential privacy: per-sample gradients) from the package registry, installed without dependencies
(opt_einsum and scipy were there), ported by the porting rule (135 .py files, 107 changed; renamed `opacusp`) and run
against the original on PyTorch 2.13 in float64: GradSampleModule in the hooks, functorch, ew (ExpandedWeights) and
ghost modes over Linear, Conv1d / 2d / 3d, LayerNorm, GroupNorm, InstanceNorm, RMSNorm, Embedding, EmbeddingBag,
DPLSTM / DPGRU / DPRNN and DPMultiheadAttention; ModuleValidator.fix; PrivacyEngine.make_private /
make_private_with_epsilon with Poisson sampling, flat / per-layer / ghost clipping, BatchMemoryManager, the RDP, GDP
and PRV accountants, checkpoints. The failures these tests pin down, each reproduced in a few lines (opacus itself is
never imported here): `import opacus` imports `DTensor` from `torch.distributed.tensor`, `FSDPModule` from
`torch.distributed._composable.fsdp` and `implicit_replication` from `torch.distributed._tensor.experimental` (names
only: no process group exists in nn), and `_collate_fn_t` from `torch.utils.data.dataloader`; opacus'
`grad_sample_mode="ew"` calls `torch.nn.utils._per_sample_grad.call_for_per_sample_grads`, which nn did not have: per-
sample gradients in `param.grad_sample`, `param.grad` left None, scaled by the batch size for loss_reduction="mean",
Embedding's in PyTorch's closed form (no padding_idx), PyTorch's errors for the functions ExpandedWeights cannot
handle, for a second call without clearing grad_sample and for disagreeing batch sizes; and `ModuleValidator.fix`
(MultiheadAttention -> DPMultiheadAttention) failed in `state_dict`: DPMultiheadAttention overrides it and calls
`Module._save_to_state_dict`, which nn lacked (now state_dict calls it for every module, as PyTorch's)."""
import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck


# ---- torch.distributed names opacus imports at the top (a build without process groups) ------------------------

def test_distributed_tensor_and_fsdp_names():
    from nn.distributed.tensor import DTensor, Replicate, Shard  # noqa: F401
    from nn.distributed._tensor.experimental import implicit_replication
    from nn.distributed._composable.fsdp import FSDPModule
    from nn.distributed.fsdp import FSDPModule as FSDPModule2
    assert FSDPModule is FSDPModule2 and nn.distributed.fsdp.FSDPModule is FSDPModule
    assert nn.distributed.tensor.DTensor is DTensor and nn.distributed._tensor.DTensor is DTensor
    p = nn.Parameter(nn.ones(2))
    assert type(p) is not nn.distributed.tensor.DTensor and not isinstance(p, DTensor)
    assert not isinstance(nn.Linear(2, 2), FSDPModule)
    with implicit_replication():                 # a no-op here
        pass
    with pytest.raises(RuntimeError, match="Default process group has not been initialized"):
        DTensor.from_local(nn.ones(2), None)
    with pytest.raises(RuntimeError, match="Default process group has not been initialized"):
        nn.distributed.fsdp.fully_shard(nn.Linear(2, 2))


def test_dataloader_type_aliases():
    from nn.utils.data.dataloader import _collate_fn_t, _worker_init_fn_t  # noqa: F401
    import typing
    assert typing.get_args(_worker_init_fn_t) == ([int], None)


# ---- call_for_per_sample_grads (opacus' grad_sample_mode="ew") -------------------------------------------------

def call_for_per_sample_grads(module, **kwargs):
    from nn.utils._per_sample_grad import call_for_per_sample_grads as call
    return call(module, **kwargs)


def _linear(seed=0):
    rng = np.random.default_rng(seed)
    lin = nn.Linear(3, 2).double()
    lin.load_state_dict({"weight": rng.standard_normal((2, 3)), "bias": rng.standard_normal(2)})
    return lin, rng


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_linear_per_sample_grads_by_hand(reduction):
    lin, rng = _linear()
    x = rng.standard_normal((4, 3))
    g = rng.standard_normal((4, 2))
    out = call_for_per_sample_grads(lin, loss_reduction=reduction)(nn.tensor(x))
    loss = (out * nn.tensor(g)).sum() / (4 if reduction == "mean" else 1)
    loss.backward()
    # sample i's gradient of <g_i, W x_i + b>: outer(g_i, x_i) and g_i ("mean": scaled back by the batch size)
    np.testing.assert_allclose(lin.weight.grad_sample.numpy(), np.einsum("bo,bi->boi", g, x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(lin.bias.grad_sample.numpy(), g, rtol=1e-14, atol=1e-15)
    assert lin.weight.grad is None and lin.bias.grad is None        # PyTorch leaves .grad alone


def test_sequence_input_and_frozen_parameter():
    lin, rng = _linear(1)
    lin.bias.requires_grad_(False)
    x = rng.standard_normal((2, 5, 3))
    g = rng.standard_normal((2, 5, 2))
    (call_for_per_sample_grads(lin)(nn.tensor(x)) * nn.tensor(g)).sum().backward()
    np.testing.assert_allclose(lin.weight.grad_sample.numpy(), np.einsum("bto,bti->boi", g, x), rtol=1e-13)
    assert getattr(lin.bias, "grad_sample", None) is None


def test_conv_and_norm_layers_sum_to_the_gradient():
    # per-sample gradients of a conv / group norm / layer norm stack equal each sample's own gradient, and the input
    # gradient is the ordinary one
    nn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, groups=2), nn.GroupNorm(2, 4), nn.Tanh(),
                          nn.Flatten(), nn.Linear(4 * 16, 5), nn.LayerNorm(5)).double()
    rng = np.random.default_rng(2)
    for p in model.parameters():
        p.data.add_(nn.tensor(rng.uniform(-0.1, 0.1, p.shape)))
    x = rng.standard_normal((3, 2, 4, 4))
    g = rng.standard_normal((3, 5))
    xt = nn.tensor(x, requires_grad=True)
    (call_for_per_sample_grads(model)(xt) * nn.tensor(g)).sum().backward()
    for i in range(3):
        model.zero_grad()
        xi = nn.tensor(x[i:i + 1], requires_grad=True)
        (model(xi) * nn.tensor(g[i:i + 1])).sum().backward()
        np.testing.assert_allclose(xt.grad.numpy()[i:i + 1], xi.grad.numpy(), rtol=1e-12, atol=1e-14)
        for p in model.parameters():
            np.testing.assert_allclose(p.grad_sample.numpy()[i], p.grad.numpy(), rtol=1e-11, atol=1e-14)


def test_wrapped_forward_gradcheck():
    lin, rng = _linear(3)
    f = call_for_per_sample_grads(nn.Sequential(lin, nn.Tanh()))

    def fn(x):
        for p in lin.parameters():
            p.grad_sample = None
        return f(x)
    assert gradcheck(fn, (nn.tensor(rng.standard_normal((2, 3)), requires_grad=True),))


def test_embedding_per_sample_grads_ignore_padding_idx_as_pytorch():
    emb = nn.Embedding(4, 2, padding_idx=0).double()
    idx = np.array([[1, 0, 1], [2, 3, 0]])
    g = np.arange(12, dtype=float).reshape(2, 3, 2)
    (call_for_per_sample_grads(emb)(nn.tensor(idx)) * nn.tensor(g)).sum().backward()
    expected = np.zeros((2, 4, 2))
    for b in range(2):
        for t in range(3):
            expected[b, idx[b, t]] += g[b, t]          # row 0 (padding_idx) gets its gradient too, as PyTorch's
    np.testing.assert_array_equal(emb.weight.grad_sample.numpy(), expected)
    with pytest.raises(RuntimeError, match="Expanded Weights needs an input with a batch size, got a 1D tensor"):
        call_for_per_sample_grads(nn.Embedding(4, 2))(nn.tensor([1, 2]))


def test_parameter_held_under_two_names_belongs_to_the_inner_layer():
    # opacus' DPLSTM registers its cells' Linear parameters as its own too (RenameParamsMixin)
    class Renamed(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = nn.Linear(2, 2).double()
            self.register_parameter("weight_l0", self.cell.weight)

        def forward(self, x):
            return self.cell(x)
    m = Renamed()
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    call_for_per_sample_grads(m)(nn.tensor(x)).sum().backward()
    np.testing.assert_allclose(m.cell.weight.grad_sample.numpy(), np.einsum("bo,bi->boi", np.ones((2, 2)), x))


@pytest.mark.parametrize("layer, name", [(lambda: nn.EmbeddingBag(4, 2), "embedding_bag"),
                                         (lambda: nn.RMSNorm(3), "rms_norm"),
                                         (lambda: nn.BatchNorm1d(3), "batch_norm")])
def test_unsupported_functions_are_pytorchs_error(layer, name):
    with pytest.raises(RuntimeError, match=f"Expanded Weights encountered but cannot handle function {name}$"):
        call_for_per_sample_grads(nn.Sequential(layer()))(nn.tensor([[0, 1, 2]]) if name == "embedding_bag"
                                                          else nn.ones(2, 3))


def test_errors_as_pytorch():
    lin, _ = _linear()
    with pytest.raises(RuntimeError, match="Expected loss_reduction argument to be sum or mean, got max"):
        call_for_per_sample_grads(lin, loss_reduction="max")
    with pytest.raises(RuntimeError, match="Batch size must be positive, got 0"):
        call_for_per_sample_grads(lin, batch_size=0)
    with pytest.raises(RuntimeError, match="found at least one input with batch size 2 and one with batch size 3"):
        call_for_per_sample_grads(nn.Bilinear(3, 3, 2))(nn.ones(2, 3), nn.ones(3, 3))
    call_for_per_sample_grads(lin)(nn.ones(2, 3, dtype=nn.float64)).sum().backward()
    with pytest.raises(RuntimeError, match="Current Expanded Weights accumulates the gradients"):
        call_for_per_sample_grads(lin)                  # grad_sample not cleared


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils._per_sample_grad import call_for_per_sample_grads as theirs
    rng = np.random.default_rng(5)
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Conv1d(2, 3, 3, padding=1), torch.nn.GroupNorm(1, 3), torch.nn.Flatten(),
                             torch.nn.Linear(15, 4), torch.nn.LayerNorm(4)).double()
    om = nn.Sequential(nn.Conv1d(2, 3, 3, padding=1), nn.GroupNorm(1, 3), nn.Flatten(), nn.Linear(15, 4),
                       nn.LayerNorm(4)).double()
    with torch.no_grad():
        for p in tm.parameters():
            p.add_(torch.from_numpy(rng.uniform(-0.1, 0.1, p.shape)))
    om.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    x = rng.standard_normal((5, 2, 5))
    g = rng.standard_normal((5, 4))
    (theirs(tm, loss_reduction="mean")(torch.from_numpy(x)) * torch.from_numpy(g)).mean().backward()
    (call_for_per_sample_grads(om, loss_reduction="mean")(nn.tensor(x)) * nn.tensor(g)).mean().backward()
    for p, q in zip(tm.parameters(), om.parameters()):
        np.testing.assert_allclose(q.grad_sample.numpy(), p.grad_sample.numpy(), rtol=1e-12, atol=1e-15)
        assert p.grad is None and q.grad is None


# ---- Module._save_to_state_dict (opacus' DPMultiheadAttention overrides state_dict and calls it) -------------------

def test_save_to_state_dict_is_the_modules_own_entries():
    from collections import OrderedDict

    class Renaming(nn.Module):
        # DPMultiheadAttention's pattern: its own state_dict, built from _save_to_state_dict and its children's
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(nn.tensor([1.5, -2.0]))
            self.register_buffer("count", nn.tensor(3))
            self.register_buffer("scratch", nn.tensor(0.0), persistent=False)
            self.inner = nn.Linear(1, 1)

        def state_dict(self, destination=None, prefix="", keep_vars=False):
            destination = OrderedDict() if destination is None else destination
            self._save_to_state_dict(destination, prefix, keep_vars)
            self.inner.state_dict(destination=destination, prefix=prefix + "inner.", keep_vars=keep_vars)
            destination[prefix + "alias"] = destination[prefix + "inner.weight"]
            return destination
    m = Renaming()
    own = OrderedDict()
    m._save_to_state_dict(own, "p.", False)
    assert list(own) == ["p.w", "p.count"]                 # no children, no non-persistent buffer
    np.testing.assert_array_equal(own["p.w"], [1.5, -2.0])
    assert own["p.w"] is not m.w
    kept = OrderedDict()
    m._save_to_state_dict(kept, "", True)
    assert kept["w"] is m.w                                # keep_vars: the Parameter itself
    outer = nn.Sequential(m)
    assert list(outer.state_dict()) == ["0.w", "0.count", "0.inner.weight", "0.inner.bias", "0.alias"]


def test_state_dict_calls_an_overridden_save_to_state_dict():
    class Extra(nn.Linear):
        def _save_to_state_dict(self, destination, prefix, keep_vars):
            super()._save_to_state_dict(destination, prefix, keep_vars)
            destination[prefix + "note"] = nn.tensor(7.0)
    sd = nn.Sequential(Extra(2, 1)).state_dict()
    assert list(sd) == ["0.weight", "0.bias", "0.note"] and float(sd["0.note"]) == 7.0
