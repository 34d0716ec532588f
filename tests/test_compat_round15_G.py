"""Tabular models and pruning, ported by the porting rule and run against PyTorch in float64 (rtdl_revisiting_models
0.0.2, rtdl_num_embeddings 0.0.12, torch-pruning 1.6.1, pytorch-tabnet 4.1.0). The failures these tests pin down all
come from torch-pruning, which builds its dependency graph by walking the autograd graph: it stores each layer's
`output.grad_fn` from a forward hook, then walks `grad_fn.next_functions` from the model's output and looks the nodes
it meets up in that dict (so a node must be one object for as long as it is held), skips leaves by the name of their
`AccumulateGrad` node (`.variable`), reads a split's `_saved_dim` / `_saved_split_size(s)` to map channels through
`split` / `chunk` (and `_saved_start` / `_saved_end` through a slice `x[:, 4:]`), prunes a conv's weight along the dim
`layer.transposed` tells, and scores channels by `layer.weight.data[idxs].flatten(1)`. nn had no next_functions, a new
grad_fn object at every read, one node per piece of a split, a slice that was an unnamed selection, no `transposed`
and NumPy's `flatten(order)` on `.data`. The packages themselves are never imported here: each idiom is reproduced in
a few lines."""
import numpy as np
import pytest

import nn
import nn.functional as F


def _walk(root):
    """Every node reachable from root through next_functions (a graph walker's loop)."""
    seen, stack = [], [root]
    while stack:
        node = stack.pop()
        if node is None or any(node is s for s in seen):
            continue
        seen.append(node)
        stack.extend(n for n, _ in node.next_functions)
    return seen


# ---- grad_fn: one node per op, next_functions, AccumulateGrad ------------------------------------------------------

def test_grad_fn_is_one_object_while_held():
    x = nn.ones(3, requires_grad=True)
    y = x * 2
    assert y.grad_fn is y.grad_fn
    assert (x + 1).grad_fn.name() == "AddBackward0"
    assert x.grad_fn is None and nn.ones(2).grad_fn is None


def test_next_functions_reads_the_graph():
    x = nn.tensor([1.0, -2.0, 3.0], requires_grad=True)
    w = nn.tensor([0.5, 0.5, 0.5], requires_grad=True)
    c = nn.tensor([2.0, 2.0, 2.0])
    z = nn.cat([x * c, w], 0).sum()
    (cat, i), = z.grad_fn.next_functions
    assert i == 0 and cat.name() == "CatBackward0"
    (mul, _), (acc_w, _) = cat.next_functions
    assert mul.name() == "MulBackward0"
    assert acc_w.name() == "torch::autograd::AccumulateGrad" and acc_w.variable is w
    assert acc_w.next_functions == ()
    (acc_x, _), (none, k) = mul.next_functions         # the constant c needs no gradient: (None, 0), as PyTorch's
    assert acc_x.variable is x and none is None and k == 0
    assert mul.next_functions[0][0] is acc_x           # the same leaf node again


def test_node_stored_by_a_hook_is_reached_through_next_functions():
    # torch-pruning's trace: gradfn2module[output.grad_fn] = module in a forward hook, then a walk from the output;
    # the ReLU(inplace=True) after the BatchNorm moves BatchNorm's output state aside, and its node must follow it
    nn.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3), nn.ReLU(inplace=True), nn.Conv2d(3, 2, 1))
    recorded = {}
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.BatchNorm2d)):
            m.register_forward_hook(lambda mod, inputs, out: recorded.__setitem__(out.grad_fn, mod))
    out = model(nn.ones(1, 2, 2, 2))
    nodes = _walk(out.grad_fn)
    found = [recorded[n] for n in nodes if n in recorded]
    assert sorted(map(id, found)) == sorted(id(m) for m in model if not isinstance(m, nn.ReLU))
    names = sorted(n.name() for n in nodes)
    assert names.count("torch::autograd::AccumulateGrad") == 6 and "ReluBackward0" in names


def test_in_place_op_keeps_the_earlier_node_as_its_input():
    x = nn.tensor([1.0, -1.0], requires_grad=True)
    a = x * 2
    before = a.grad_fn
    a.relu_()
    assert a.grad_fn.name() == "ReluBackward0"
    assert a.grad_fn.next_functions[0][0] is before and before.name() == "MulBackward0"


def test_graph_walk_matches_pytorch():
    torch = pytest.importorskip("torch")

    def names(lib):
        x = lib.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([0.25, -1.0], dtype=lib.float64, requires_grad=True)
        a, b = x.chunk(2, dim=1)
        y = (lib.cat([a * w[:1], b], 1) + 1).relu().sum()
        return sorted(n.name() for n in _walk(y.grad_fn) if n.name() in (
            "SumBackward0", "ReluBackward0", "AddBackward0", "CatBackward0", "MulBackward0", "SplitBackward0",
            "torch::autograd::AccumulateGrad"))
    assert names(nn) == names(torch)


# ---- split / chunk / unbind: one node for all the pieces, with PyTorch's saved attributes -------------------------

def test_split_pieces_share_one_node_with_saved_sizes():
    x = nn.ones(2, 8, 3, requires_grad=True)
    a, b = x.split([3, 5], 1)
    node = a.grad_fn
    assert b.grad_fn is node and node.name() == "SplitWithSizesBackward0"
    assert node._saved_dim == 1 and tuple(node._saved_split_sizes) == (3, 5)
    assert tuple(node._saved_self_sym_sizes) == (2, 8, 3)
    assert node.next_functions[0][0].variable is x
    pieces = x.chunk(2, dim=1)
    assert pieces[0].grad_fn is pieces[1].grad_fn and pieces[0].grad_fn.name() == "SplitBackward0"
    assert pieces[0].grad_fn._saved_split_size == 4 and pieces[0].grad_fn._saved_dim == 1
    rows = x.unbind(0)
    assert rows[1].grad_fn is rows[0].grad_fn and rows[0].grad_fn.name() == "UnbindBackward0"
    assert rows[0].grad_fn._saved_dim == 0
    # the gradients are still each piece's own
    (a.sum() * 2 + b.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, :, 0], [2, 2, 2, 1, 1, 1, 1, 1])


def test_split_node_matches_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        x = lib.ones(2, 6, dtype=lib.float64, requires_grad=True)
        node = x.split(2, 1)[2].grad_fn
        assert node.name() == "SplitBackward0" and node._saved_split_size == 2 and node._saved_dim == 1
        node = x.split([1, 5], 1)[0].grad_fn
        assert node.name() == "SplitWithSizesBackward0" and list(node._saved_split_sizes) == [1, 5]
        assert x.unbind(1)[3].grad_fn.name() == "UnbindBackward0"


def test_a_single_slice_is_slice_backward_with_its_bounds():
    # torch-pruning maps channels through x[:, :4] / x[:, 4:] by _saved_dim / _saved_start / _saved_end / _saved_step
    x = nn.ones(2, 8, 3, requires_grad=True)
    node = x[:, 4:].grad_fn
    assert node.name() == "SliceBackward0" and node.next_functions[0][0].variable is x
    assert (node._saved_dim, node._saved_start, node._saved_end, node._saved_step) == (1, 4, 2 ** 63 - 1, 1)
    assert tuple(node._saved_self_sym_sizes) == (2, 8, 3)
    node = x[..., 1:2].grad_fn
    assert (node._saved_dim, node._saved_start, node._saved_end, node._saved_step) == (2, 1, 2, 1)
    node = x[:, 1:7:2].grad_fn
    assert (node._saved_dim, node._saved_start, node._saved_end, node._saved_step) == (1, 1, 7, 2)
    assert x[0].grad_fn.name() != "SliceBackward0"             # an int selects (SelectBackward0 in PyTorch)
    (x[:, 1:7:2] * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, :, 0], [0, 3, 0, 3, 0, 3, 0, 0])


def test_slice_node_matches_pytorch():
    torch = pytest.importorskip("torch")

    def saved(lib, key):
        node = lib.ones(2, 8, 3, dtype=lib.float64, requires_grad=True)[key].grad_fn
        return node.name(), node._saved_dim, node._saved_start, node._saved_end, node._saved_step
    for key in [(slice(None), slice(4, None)), (slice(None), slice(None, 4)), (slice(1, None),),
                (Ellipsis, slice(1, 2)), (slice(None), slice(1, 7, 2))]:
        assert saved(nn, key) == saved(torch, key), key


# ---- Conv.transposed, .data.flatten(start_dim) -----------------------------------------------------------------

def test_conv_transposed_attribute():
    assert nn.Conv2d(2, 3, 1).transposed is False and nn.ConvTranspose2d(2, 3, 2).transposed is True
    assert nn.Conv1d(2, 3, 1).transposed is False and nn.ConvTranspose1d(2, 3, 2).transposed is True
    assert nn.Conv3d(2, 3, 1).transposed is False and nn.ConvTranspose3d(2, 3, 2).transposed is True


def test_conv_transposed_matches_pytorch():
    torch = pytest.importorskip("torch")
    for name in ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"):
        assert getattr(nn, name)(2, 2, 1).transposed == getattr(torch.nn, name)(2, 2, 1).transposed, name


def test_data_flatten_takes_a_start_dim():
    w = nn.Parameter(nn.tensor(np.arange(24.0).reshape(4, 3, 2)))
    flat = w.data[[0, 2]].flatten(1)
    assert tuple(flat.shape) == (2, 6)
    np.testing.assert_array_equal(np.asarray(flat.abs().sum(1)), [15.0, 87.0])
    assert tuple(w.data.flatten(0, 1).shape) == (12, 2)
    assert w.data.flatten().shape == (24,)                      # NumPy's call keeps NumPy's meaning
    np.testing.assert_array_equal(w.data.flatten("F")[:3], [0.0, 6.0, 12.0])


def test_data_flatten_matches_pytorch():
    torch = pytest.importorskip("torch")
    v = np.random.default_rng(0).standard_normal((4, 3, 2))
    ours = nn.Parameter(nn.tensor(v)).data[[1, 3]].flatten(1).norm(p=2, dim=1)
    theirs = torch.nn.Parameter(torch.tensor(v)).data[[1, 3]].flatten(1).norm(p=2, dim=1)
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), rtol=1e-15)
