"""trl 1.16.0 (Hugging Face TRL; `pip install --no-deps`) on transformers 5.25.0, accelerate 1.16.0 and peft 0.21.2,
all four ported by the porting rule and run against the originals on PyTorch in float64 from the same tiny GPT-2,
Qwen2 and Llama weights (perturbed), a word-level tokenizer built offline and the same sampling draws (generate's
`multinomial` read one NumPy stream on both sides): SFTTrainer (completion-only loss, full loss, plain text, BFD
and wrapped packing, padding-free), DPOTrainer (sigmoid, IPO, hinge, sigmoid + SFT, a reference model), RewardTrainer
(with centring and margins), KTOTrainer (kto, apo_zero_unpaired), ORPO and CPO (sigmoid, hinge, IPO, SimPO),
GRPOTrainer with Python reward functions (dapo, grpo, dr_grpo, bnpo losses, two iterations with clipping, a KL
term against a reference model), trl's utility functions and collators called directly, and save / load across.
The failures these tests pin down, each reproduced in a few lines (trl itself is never imported here): trl's SFT
trainer imports `CheckpointPolicy` and `create_selective_checkpoint_contexts` from `torch.utils.checkpoint` (its
selective activation checkpointing passes `context_fn=` to `checkpoint`), `saved_tensors_hooks` from
`torch.autograd.graph` (its activation offloading subclasses it) and `FullyShardedDataParallel` from
`torch.distributed.fsdp.fully_sharded_data_parallel` (isinstance checks); and transformers' padding check
`pad_token_id in input_ids[:, [-1, 0]]` needs PyTorch's `Tensor.__contains__` (any entry equal), where Python's
fallback iterated over rows and asked a 2-element row for its truth value. Found on the way (transformers' tied-weight
check on save reads `w.view(-1)[-1].data_ptr()`): one element by integer indices was a copy, so `x[1].add_(1)` left
`x` unchanged, where PyTorch's 0-d result is a view; the same for an element of `.data`."""
import contextlib

import numpy as np
import pytest

import nn


# ---- Tensor.__contains__ (transformers' warn_if_padding_and_no_attention_mask) -------------------------------------

def test_contains_looks_at_every_entry():
    t = nn.tensor([[1, 2], [3, 0]])
    assert 0 in t and 3 in t and 2.0 in t
    assert 5 not in t
    assert nn.tensor(3) in t and nn.tensor([9, 2]) in t     # broadcast, then any
    assert nn.tensor([9, 8]) not in t
    assert True not in nn.tensor([False, False])


def test_contains_refuses_other_types_as_pytorch():
    t = nn.tensor([[1, 2], [3, 0]])
    with pytest.raises(RuntimeError, match=r"Tensor.__contains__ only supports Tensor or scalar, but you passed in "
                                           r"a <class 'str'>."):
        "a" in t
    with pytest.raises(RuntimeError, match="only supports Tensor or scalar"):
        [1] in t


def test_contains_against_pytorch():
    torch = pytest.importorskip("torch")
    data = np.array([[1.5, 2.0, -1.0], [0.0, 4.0, 2.5]])
    for element in [0, 2, 2.5, 3, -1.0, 7]:
        assert (element in nn.tensor(data)) == (element in torch.tensor(data))


# ---- torch.utils.checkpoint: selective checkpointing (trl's enable_selective_activation_checkpointing) ---------------

def test_checkpoint_policy_names_and_values():
    from nn.utils.checkpoint import CheckpointPolicy, SelectiveCheckpointContext
    assert [(p.name, p.value) for p in CheckpointPolicy] == [
        ("MUST_SAVE", 0), ("PREFER_SAVE", 1), ("MUST_RECOMPUTE", 2), ("PREFER_RECOMPUTE", 3),
        ("MUST_CPU_OFFLOAD", 4), ("PREFER_CPU_OFFLOAD", 5)]
    assert SelectiveCheckpointContext(is_recompute=False).is_recompute is False


def test_selective_checkpoint_contexts_give_the_plain_gradients():
    from functools import partial
    from nn.utils.checkpoint import CheckpointPolicy, checkpoint, create_selective_checkpoint_contexts

    def policy(ctx, op, *args, **kwargs):
        return CheckpointPolicy.MUST_SAVE if "attention" in str(op) else CheckpointPolicy.PREFER_RECOMPUTE

    x = nn.tensor([[0.5, -1.0, 2.0]], dtype=nn.float64, requires_grad=True)
    w = nn.tensor([[1.5], [0.25], [-0.5]], dtype=nn.float64, requires_grad=True)
    y = checkpoint(lambda a, b: nn.tanh(a @ b) * 3.0, x, w, use_reentrant=False,
                   context_fn=partial(create_selective_checkpoint_contexts, policy))
    y.sum().backward()
    h = 0.5 * 1.5 - 1.0 * 0.25 - 2.0 * 0.5
    d = 3.0 * (1 - np.tanh(h) ** 2)
    np.testing.assert_allclose(y.detach().numpy(), [[3.0 * np.tanh(h)]], rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), d * np.array([[1.5, 0.25, -0.5]]), rtol=1e-15)
    np.testing.assert_allclose(w.grad.numpy(), d * np.array([[0.5], [-1.0], [2.0]]), rtol=1e-15)


def test_checkpoint_enters_context_fn_contexts():
    from nn.utils.checkpoint import checkpoint
    seen = []

    @contextlib.contextmanager
    def note(name):
        seen.append(name + " in")
        yield
        seen.append(name + " out")

    x = nn.tensor([1.0, 2.0], requires_grad=True)
    y = checkpoint(lambda a: (a * a).sum(), x, use_reentrant=False, context_fn=lambda: (note("fwd"), note("re")))
    assert seen == ["fwd in", "fwd out"]
    y.backward()
    assert seen == ["fwd in", "fwd out", "re in", "re out"]     # the recomputation runs under the second one
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_context_fn_needs_non_reentrant_checkpoint_as_pytorch():
    from nn.utils.checkpoint import checkpoint, create_selective_checkpoint_contexts, noop_context_fn
    ctx = lambda: create_selective_checkpoint_contexts(lambda *a, **k: None)     # noqa: E731
    x = nn.tensor([1.0], requires_grad=True)
    for reentrant in (True, None):                      # None is PyTorch's True
        with pytest.raises(ValueError, match="Passing `context_fn` or `debug` is only supported when "
                                             "use_reentrant=False."):
            checkpoint(lambda a: a * 2, x, use_reentrant=reentrant, context_fn=ctx)
    assert checkpoint(lambda a: a * 2, x, use_reentrant=True, context_fn=noop_context_fn).item() == 2.0


def test_create_selective_checkpoint_contexts_checks_its_argument():
    from nn.utils.checkpoint import create_selective_checkpoint_contexts
    with pytest.raises(TypeError, match="policy_fn_or_list must be either a function or a list of ops."):
        create_selective_checkpoint_contexts(3)
    with pytest.raises(ValueError, match="Please update the OpOverloadPacket to a specific OpOverload."):
        create_selective_checkpoint_contexts([nn.ops.aten.mm])
    fwd, rec = create_selective_checkpoint_contexts([nn.ops.aten.mm.default])
    with fwd, rec:
        pass


def test_selective_checkpoint_against_pytorch():
    torch = pytest.importorskip("torch")
    from functools import partial
    import torch.utils.checkpoint as tc
    from nn.utils import checkpoint as nc
    assert [p.name for p in nc.CheckpointPolicy] == [p.name for p in tc.CheckpointPolicy]
    x = np.array([[0.3, -0.7, 1.1], [2.0, 0.1, -0.4]])
    outs = []
    for lib, mod in ((torch, tc), (nn, nc)):
        a = lib.tensor(x, requires_grad=True)
        pol = lambda ctx, op, *r, mod=mod, **k: mod.CheckpointPolicy.PREFER_RECOMPUTE     # noqa: E731
        y = mod.checkpoint(lambda t, lib=lib: lib.sigmoid(t @ t.T).sum(), a, use_reentrant=False,
                           context_fn=partial(mod.create_selective_checkpoint_contexts, pol))
        y.backward()
        outs.append((y.item(), a.grad.numpy()))
    assert abs(outs[0][0] - outs[1][0]) < 1e-15
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-14)


# ---- torch.autograd.graph.saved_tensors_hooks (trl's OffloadActivations / NoOpManager subclass it) -----------------

def test_saved_tensors_hooks_is_a_context_to_subclass():
    from nn.autograd.graph import disable_saved_tensors_hooks, saved_tensors_hooks

    class NoOp(saved_tensors_hooks):                  # trl.models.activation_offloading.NoOpManager
        def __init__(self):
            super().__init__(lambda t: t, lambda t: t)

    x = nn.tensor([0.5, -2.0], dtype=nn.float64, requires_grad=True)
    with NoOp() as entered:
        y = (nn.exp(x) * x).sum()
    assert entered is None                            # PyTorch's __enter__ returns None
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, -2.0]) * (1 + np.array([0.5, -2.0])), rtol=1e-15)
    hooks = saved_tensors_hooks(abs, abs)
    assert hooks.pack_hook is abs and hooks.unpack_hook is abs
    with disable_saved_tensors_hooks("no hooks here"):
        pass


# ---- torch.distributed.fsdp.FullyShardedDataParallel (trl.models.utils imports it at the top) ----------------------

def test_fully_sharded_data_parallel_is_importable_and_needs_a_process_group():
    from nn.distributed.fsdp import FullyShardedDataParallel
    from nn.distributed.fsdp.fully_sharded_data_parallel import FullyShardedDataParallel as FSDP
    assert FSDP is FullyShardedDataParallel and issubclass(FSDP, nn.Module)
    assert FSDP.__module__ == "nn.distributed.fsdp.fully_sharded_data_parallel"
    assert not isinstance(nn.Linear(2, 2), FSDP)
    with pytest.raises(RuntimeError, match="Default process group has not been initialized"):
        FSDP(nn.Linear(2, 2))


# ---- one element by integer indices is a 0-d view (found by transformers' tied-weight check on save) ----------------

def test_element_of_a_tensor_is_a_view():
    w = nn.zeros(2, 3)
    w[1, 2].add_(1.0)                                 # PyTorch: written through to w
    w[0][1].mul_(0.0).add_(4.0)
    np.testing.assert_array_equal(w.numpy(), [[0.0, 4.0, 0.0], [0.0, 0.0, 1.0]])
    e = w[1, 2]
    w.add_(5.0)                                       # and the view sees a later change of w
    assert e.item() == 6.0
    v = nn.ones(4, 3, dtype=nn.float64)
    assert v.view(-1)[-1].data_ptr() - v.data_ptr() == 88      # (4 * 3 - 1) * 8 bytes in
    assert v[2, 1].data_ptr() - v.data_ptr() == 56
    # and still the element's gradient, recorded in-place changes included
    a = nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64, requires_grad=True)
    (a[1] * 3.0 + a[-1] * a[0]).backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0, 1.0])
    b = nn.tensor([1.0, 2.0], requires_grad=True).clone()
    b[0].mul_(5.0)                                    # recorded in-place change of a view of a non-leaf
    b.sum().backward()
    assert b.tolist() == [5.0, 2.0]


def test_element_of_data_is_a_view():
    p = nn.Parameter(nn.ones(4, 3, dtype=nn.float64))
    d = p.data
    d[1][2].add_(5.0)                                 # PyTorch: p.data[1][2] is a view of p
    d[3, 0].mul_(-1.0)
    np.testing.assert_array_equal(p.detach().numpy(), [[1, 1, 1], [1, 1, 6], [1, 1, 1], [-1, 1, 1]])
    last = d.view(-1)[-1]
    assert last.shape == () and last.data_ptr() - d.data_ptr() == 88
    assert float(nn.sqrt(1 + 2 * d[1, 2])) == np.sqrt(13.0)     # still usable as a 0-d tensor-like value


def test_element_views_against_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        w = lib.zeros(2, 3, dtype=lib.float64)
        w[1, 2].add_(1.0)
        w.data[0][1].add_(2.0)
        x = w.view(-1)
        assert x[-1].data_ptr() - w.data_ptr() == 40 and x[4].data_ptr() - w.data_ptr() == 32
        assert w.tolist() == [[0.0, 2.0, 0.0], [0.0, 0.0, 1.0]]
