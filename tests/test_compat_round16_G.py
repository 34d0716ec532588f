"""Structured prediction and state-space sequence models, ported by the porting rule and run against PyTorch in
float64 (pytorch-crf 0.7.2, torch-struct 0.5, mambapy 1.2.0). The failure these tests pin down comes from
torch-struct's sampling: its `MultiSampledSemiring` draws samples with `torch.multinomial` inside the backward of an
`autograd.Function` (a logsumexp whose "gradient" is a sample), once per node of the dynamic program, so which node
takes which draws depends on the order backward runs the nodes. nn ran them in the reverse of a depth-first order;
PyTorch's engine runs the ready node created last first (the highest sequence number) and a leaf's AccumulateGrad as
soon as its last consumer ran, so the projective DependencyCRF drew other trees from the same random stream. The
packages themselves are never imported here: each idiom is reproduced in a few lines."""
import numpy as np
import pytest

import nn


def _tagging_function(log, lib=nn):
    """An autograd.Function (of lib: nn, or torch) that passes its input through and notes its name when its
    backward runs."""
    class Tag(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, name):
            ctx.name = name
            return x.clone()

        @staticmethod
        def backward(ctx, grad):
            log.append(ctx.name)
            return grad, None
    return Tag


# ---- backward runs the nodes in PyTorch's order ---------------------------------------------------------------------

def test_backward_runs_the_last_created_branch_first():
    log = []
    Tag = _tagging_function(log)
    x = nn.ones(2, requires_grad=True)
    a, b = Tag.apply(x, "a"), Tag.apply(x, "b")
    (a + b).sum().backward()
    assert log == ["b", "a"]                    # PyTorch 2.13's order (nn ran a first)
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_backward_order_follows_creation_not_operand_position():
    log = []
    Tag = _tagging_function(log)
    x = nn.ones(2, requires_grad=True)
    a = Tag.apply(x, "a")
    b = Tag.apply(a * 2, "b")
    c = Tag.apply(x * 3, "c")
    (b + c).sum().backward()
    assert log == ["c", "b", "a"]               # c was created last; nn ran b, a, c
    log.clear()
    c = Tag.apply(x * 3, "c")
    a = Tag.apply(x, "a")
    b = Tag.apply(a * 2, "b")
    (b + c).sum().backward()
    assert log == ["b", "a", "c"]


def test_a_leaf_accumulates_as_soon_as_its_last_consumer_ran():
    log = []
    Tag = _tagging_function(log)
    w1, w2 = nn.ones(2, requires_grad=True), nn.ones(2, requires_grad=True)
    w1.register_post_accumulate_grad_hook(lambda p: log.append("acc w1"))
    w2.register_post_accumulate_grad_hook(lambda p: log.append("acc w2"))
    p = Tag.apply(w2, "p")
    q = Tag.apply(w1 * 2, "q")
    (p * q).sum().backward()
    assert log == ["q", "acc w1", "p", "acc w2"]    # nn ran p, w2, q, w1


def test_tensor_and_node_hooks_run_in_pytorchs_order():
    log = []
    x = nn.ones(2, requires_grad=True)
    a, b = x * 2, x * 3
    c = a.sin() + b.cos()
    d = a.exp()
    for name, t in (("a", a), ("b", b), ("c", c), ("d", d)):
        t.grad_fn.register_hook(lambda grad_inputs, grad_outputs, name=name: log.append(name))
        t.register_hook(lambda grad, name=name: log.append("tensor " + name))
    (c * d).sum().backward()
    assert log == ["tensor d", "d", "tensor c", "c", "tensor b", "b", "tensor a", "a"]    # nn ran c, b, d, a


def test_in_place_op_is_a_new_node_in_the_order():
    log = []
    Tag = _tagging_function(log)
    x = nn.ones(2, requires_grad=True)
    a = Tag.apply(x, "a")
    b = Tag.apply(x, "b")
    a.mul_(3)                                   # a's node is now newer than b's: its hook runs before b's backward
    a.register_hook(lambda grad: log.append("hook of a"))
    (a + b).sum().backward()
    assert log == ["hook of a", "b", "a"]
    np.testing.assert_array_equal(x.grad, [4.0, 4.0])


def test_draws_in_backward_are_taken_in_pytorchs_order():
    """torch-struct's sampled logsumexp: each node's backward draws one index from the softmax of its logits (the
    'gradient' is a one-hot sample); with one random stream, which node gets which draw is backward's order."""
    draws = iter([0.05, 0.95])

    class SampledLogSumExp(nn.autograd.Function):
        @staticmethod
        def forward(ctx, logits):
            ctx.save_for_backward(logits)
            return nn.logsumexp(logits, dim=-1)

        @staticmethod
        def backward(ctx, grad):
            logits, = ctx.saved_tensors
            cdf = np.cumsum(logits.softmax(-1).detach().numpy(), -1)
            one_hot = np.zeros(cdf.shape)
            one_hot[min(int((next(draws) > cdf).sum()), cdf.size - 1)] = 1.0
            return grad * nn.tensor(one_hot)

    first = nn.zeros(2, requires_grad=True)
    second = nn.zeros(2, requires_grad=True)
    (SampledLogSumExp.apply(first) + SampledLogSumExp.apply(second)).backward()
    np.testing.assert_array_equal(second.grad, [1.0, 0.0])     # the node made last takes the first draw
    np.testing.assert_array_equal(first.grad, [0.0, 1.0])


def test_backward_order_matches_pytorch():
    torch = pytest.importorskip("torch")
    logs = {}
    for lib in (torch, nn):
        Tag = _tagging_function(logs.setdefault(lib.__name__, []), lib)
        x = lib.ones(3, requires_grad=True)
        h = Tag.apply(x, "h")
        left = Tag.apply(h.sin(), "left")
        right = Tag.apply(h.exp() * 2, "right")
        mid = Tag.apply(x * left, "mid")
        (mid + right + left).sum().backward()
        a, b = Tag.apply(x, "a"), Tag.apply(x.cos(), "b")
        (a * b).sum().backward()
    assert logs["nn"] == logs["torch"]
