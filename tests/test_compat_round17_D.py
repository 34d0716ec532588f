"""e3nn 0.6.0 (E(3)-equivariant networks) with opt_einsum_fx 0.1.4 and opt_einsum 3.4.0 beneath it, from the package
registry, ported by the porting rule (every .py file; the packages renamed e3nnp, opt_einsum_fxp, opt_einsump in
their import lines) and run against the originals on PyTorch 2.13 in float64: Irreps arithmetic, spherical
harmonics, Wigner matrices, rotations with shared draws, o3.Linear, TensorProduct in every connection mode,
FullyConnectedTensorProduct, ElementwiseTensorProduct, TensorSquare, Norm, Gate, FullyConnectedNet, Extract,
BatchNorm, soft_one_hot_linspace, and a NequIP-style network whose forces are the gradient of its energy with
create_graph, trained 3 Adam steps. The failures these tests pin down, each in a few lines (the packages are never
imported here): e3nn generates every tensor product and linear map as a torch.fx graph built by hand through
Proxies (``fx.Graph``, ``fx.Proxy``, ``fx.proxy.GraphAppendingTracer``, ``fx.GraphModule``), which opt_einsum_fx
rewrites (``fx.Interpreter`` shape propagation, ``inserting_after``, ``replace_all_uses_with``, ``erase_node``,
``node_copy``, ``lint``, graph deepcopy) and which e3nn pickles with its modules: nn.fx could only be named;
``torch.einsum(equation, [operands])`` (opt_einsum's torch backend) recorded the list instead of the operands;
``torch.functional.einsum`` / ``tensordot`` (nn.functional under the rule) were missing; ``torch._assert`` on a
Proxy condition asserted it; and create_graph=True through ``index_add``, ``copy_`` into a view and
``F.normalize`` (the forces of a message-passing energy) was refused."""
import copy
import operator
import pickle

import numpy as np
import pytest

import nn
import nn.functional as F
from nn import fx
from nn.gradcheck import gradcheck, gradgradcheck


def _graph_with_tracer():
    graph = fx.Graph()
    return graph, fx.proxy.GraphAppendingTracer(graph)


# ---- graphs built by hand through Proxies (e3nn's _codegen) ------------------------------------------------------

def test_graph_built_through_proxies_runs_as_a_graph_module():
    graph, tracer = _graph_with_tracer()
    x = fx.Proxy(graph.placeholder("x", nn.Tensor), tracer)
    w = fx.Proxy(graph.placeholder("w", nn.Tensor), tracer)
    size = nn.broadcast_tensors(x[..., :1], x[..., :1])[0].shape[:-1]
    y = nn.einsum("zi,ij->zj", x.reshape(-1, 3), w) * 0.5
    out = y.reshape(size + (2,))
    zeros = x.new_zeros(size + (1,))
    graph.output((out.node, zeros.node), nn.Tensor)
    graph.lint()
    assert [n.name for n in graph.nodes] == [
        "x", "w", "getitem", "getitem_1", "broadcast_tensors", "getitem_2", "getattr_1", "getitem_3", "reshape",
        "einsum", "mul", "add", "reshape_1", "add_1", "new_zeros", "output"]     # PyTorch's names
    ops = {n.name: (n.op, n.target) for n in graph.nodes}
    assert ops["getattr_1"] == ("call_function", getattr) and ops["mul"] == ("call_function", operator.mul)
    assert ops["reshape"] == ("call_method", "reshape") and ops["einsum"] == ("call_function", nn.einsum)
    gm = fx.GraphModule({}, graph, "tp_forward")
    assert isinstance(gm, fx.GraphModule) and isinstance(gm, nn.Module) and type(gm).__name__ == "tp_forward"
    assert gm.code.startswith("def forward(self, x, w):")
    xv, wv = np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2) / 7
    a, b = gm(nn.tensor(xv), nn.tensor(wv))
    np.testing.assert_allclose(a.numpy(), xv @ wv * 0.5, rtol=1e-15)
    assert b.shape == (2, 1) and not b.numpy().any()
    for other in (copy.deepcopy(gm), pickle.loads(pickle.dumps(gm))):         # e3nn pickles its GraphModules
        assert type(other).__name__ == "GraphModule"                          # (as PyTorch's copies are named)
        np.testing.assert_allclose(other(nn.tensor(xv), nn.tensor(wv))[0].numpy(), xv @ wv * 0.5, rtol=1e-15)


def test_get_attr_constants_become_buffers_of_the_graph_module():
    # e3nn registers its Wigner 3j constants on a Module root: they are buffers of the generated module, in
    # its state_dict (PyTorch's keys `_compiled_main_left_right._w3j_1_1_1`)
    root = nn.Module()
    root.register_buffer("_w3j", nn.tensor([1.0, 2.0]))
    root.plain = nn.tensor([3.0])
    graph = fx.Graph()
    x = graph.placeholder("x")
    c, d = graph.get_attr("_w3j"), graph.get_attr("plain")
    graph.output(graph.call_function(nn.add, (graph.call_function(nn.mul, (x, c)), d)))
    gm = fx.GraphModule(root, graph)
    assert sorted(gm.state_dict()) == ["_w3j", "plain"]       # a Tensor that is not a Parameter: a buffer
    np.testing.assert_array_equal(gm(nn.tensor([1.0, 1.0])).numpy(), [4.0, 5.0])
    gd = fx.GraphModule({"_w3j": nn.tensor([1.0, 2.0]), "plain": nn.tensor([0.0])}, copy.deepcopy(graph))
    assert sorted(gd.state_dict()) == ["_w3j", "plain"]
    with pytest.raises(RuntimeError, match="referenced target _w3j but that target was not provided"):
        fx.GraphModule({}, graph)


def test_graph_editing_as_opt_einsum_fx_does():
    graph, tracer = _graph_with_tracer()
    x = fx.Proxy(graph.placeholder("x"), tracer)
    y = x * 2
    z = y + 1
    graph.output(z.node)
    with pytest.raises(RuntimeError, match=r"Tried to erase Node mul but it still had 1 users in the graph: "
                                           r"\{add: None\}!"):
        graph.erase_node(y.node)
    with graph.inserting_after(y.node):
        neg = graph.call_function(operator.neg, (y.node,))
    y.node.replace_all_uses_with(neg, delete_user_cb=lambda user: user is not neg)
    assert z.node.args == (neg, 1) and list(y.node.users) == [neg]
    graph.lint()
    gm = fx.GraphModule({}, graph)
    assert gm(nn.tensor([1.0])).item() == -1.0                # -(2 x) + 1
    copied = copy.deepcopy(graph)
    assert [n.name for n in copied.nodes] == ["x", "mul", "neg", "add", "output"]
    assert all(n.graph is copied for n in copied.nodes)
    # dead code: unused nodes go, method calls too (in-place ones included), as PyTorch 2.13's rule
    g = fx.Graph()
    p = g.placeholder("x")
    g.call_function(nn.neg, (p,))
    g.call_method("copy_", (p, p))
    g.output(p)
    assert g.eliminate_dead_code() and [n.name for n in g.nodes] == ["x", "output"]
    # a node inserted before its input
    g = fx.Graph()
    p = g.placeholder("x")
    n1 = g.call_function(nn.neg, (p,))
    with g.inserting_before(n1):
        n2 = g.call_function(nn.relu, (n1,))
    g.output(n2)
    assert [n.name for n in g.nodes] == ["x", "relu", "neg", "output"]
    with pytest.raises(RuntimeError, match="Argument 'neg' of Node 'relu' was used before it has been defined!"):
        g.lint()


def test_interpreter_subclass_propagates_shapes():
    # opt_einsum_fx's EfficientShapeProp overrides run_node and writes node.meta
    graph, tracer = _graph_with_tracer()
    x = fx.Proxy(graph.placeholder("x"), tracer)
    graph.output(nn.einsum("ij,jk->ik", x, x.transpose(0, 1)).node)
    gm = fx.GraphModule({}, graph)
    seen = []

    class Shapes(fx.Interpreter):
        def run_node(self, n):
            result = super().run_node(n)
            n.meta = {"shape": tuple(result.shape)}
            seen.append(n.op)
            return result
    out = Shapes(gm).run(nn.ones(3, 2))
    assert tuple(out.shape) == (3, 3) and seen == ["placeholder", "call_method", "call_function", "output"]
    assert [n.meta["shape"] for n in graph.nodes] == [(3, 2), (2, 3), (3, 3), (3, 3)]
    from nn.fx.passes.shape_prop import ShapeProp
    ShapeProp(gm).propagate(nn.ones(4, 5, dtype=nn.float64))
    meta = [n.meta["tensor_meta"] for n in graph.nodes if n.op != "output"]
    assert [tuple(m.shape) for m in meta] == [(4, 5), (5, 4), (4, 4)] and meta[0].dtype == nn.float64


# ---- functions called on Proxies ------------------------------------------------------------------------------

def test_einsum_list_form_records_the_operands():
    # opt_einsum's torch backend calls torch.einsum(equation, operands): PyTorch unpacks the list before
    # dispatching, so the node reads einsum('ij,jk->ik', x, w), which opt_einsum_fx then finds by identity
    graph, tracer = _graph_with_tracer()
    x = fx.Proxy(graph.placeholder("x"), tracer)
    w = fx.Proxy(graph.placeholder("w"), tracer)
    e = nn.einsum("ij,jk->ik", [x, w])
    assert e.node.args == ("ij,jk->ik", x.node, w.node) and e.node.target is nn.einsum
    assert nn.functional.einsum is nn.einsum and nn.functional.tensordot is nn.tensordot   # torch.functional's
    t = nn.tensordot(x, w, dims=([1], [0]))
    assert t.node.target is nn.tensordot and t.node.kwargs["dims"] == ([1], [0])
    v = nn.einsum("ij,jk->ik", (nn.ones(2, 3), nn.ones(3, 2)))          # the list form on tensors, unchanged
    np.testing.assert_array_equal(v.numpy(), np.full((2, 2), 3.0))
    seen = []

    class Mode(nn.overrides.TorchFunctionMode):                           # a mode sees each form as given
        def __torch_function__(self, func, types, args=(), kwargs=None):
            seen.append((func, len(args)))
            return func(*args, **(kwargs or {}))
    a = nn.ones(2, 3)
    with Mode():
        nn.einsum("ij,kj->ik", a, a)
        nn.einsum("ij,kj->ik", [a, a])
    assert seen == [(nn.einsum, 3), (nn.einsum, 2)]


def test_assert_on_a_proxy_is_recorded():
    # e3nn's Extract: torch._assert(x.shape[-1] == dim, "invalid input shape")
    graph, tracer = _graph_with_tracer()
    x = fx.Proxy(graph.placeholder("x"), tracer)
    nn._assert(x.shape[-1] == 3, "invalid input shape")
    names = [n.name for n in graph.nodes]
    assert names == ["x", "getattr_1", "getitem", "eq", "_assert"]
    node = list(graph.nodes)[-1]
    assert node.target is nn._assert and node.args[1] == "invalid input shape"
    with pytest.raises(AssertionError, match="bad"):
        nn._assert(False, "bad")


def test_proxy_unpacking_and_refusals():
    graph, tracer = _graph_with_tracer()
    x = fx.Proxy(graph.placeholder("x"), tracer)
    a, b = x                                                   # unpacking: two getitem nodes
    assert [n.name for n in graph.nodes] == ["x", "getitem", "getitem_1"] and b.node.args == (x.node, 1)
    with pytest.raises(fx.proxy.TraceError, match="Proxy object cannot be iterated"):
        for _ in x:
            pass
    with pytest.raises(RuntimeError, match="'len' is not supported in symbolic tracing"):
        len(x)
    with pytest.raises(fx.proxy.TraceError, match="cannot be used as inputs to control flow"):
        bool(x)
    assert (2 - x).node.args == (2, x.node) and (-x).node.name == "neg"


# ---- create_graph through the ops of a message-passing energy (forces) -----------------------------------------

def test_index_add_differentiates_twice():
    rng = np.random.default_rng(0)
    x = nn.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    src = nn.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    idx = nn.tensor([0, 2, 2, 3, 0])

    def f(x, s):
        return nn.index_add(x, 0, idx, s * s, alpha=0.5) ** 2
    assert gradcheck(f, (x, src)) and gradgradcheck(f, (x, src))


def test_copy_into_a_view_differentiates_twice():
    # e3nn's Extract (inside Gate): out.narrow(-1, start, length).copy_(x.narrow(-1, ...)) into new zeros
    x = nn.tensor(np.random.default_rng(1).standard_normal((4, 3)), requires_grad=True)

    def f(x):
        out = nn.zeros(4, 5, dtype=nn.float64)
        out.narrow(1, 1, 3).copy_(x * x)
        out[:, :1].copy_(x[:, :1] ** 3)
        return out * out
    assert gradcheck(f, (x,)) and gradgradcheck(f, (x,))


def test_normalize_differentiates_twice():
    # spherical_harmonics(..., normalize=True) of edge vectors
    x = nn.tensor(np.random.default_rng(2).standard_normal((4, 3)), requires_grad=True)
    for p in (2.0, 3.0):
        assert gradgradcheck(lambda x: F.normalize(x, p=p, dim=-1) ** 2, (x,))


def test_forces_of_a_scattered_energy_match_finite_differences():
    # energy = sum over atoms of the squared sum of normalised edge vectors arriving there; forces = -dE/dpos
    # with create_graph, then a loss on the forces back-propagated to a weight
    rng = np.random.default_rng(3)
    pos0 = rng.standard_normal((4, 3))
    src, dst = nn.tensor([0, 1, 2, 3, 1]), nn.tensor([1, 0, 3, 2, 2])
    w = nn.tensor(0.7, dtype=nn.float64, requires_grad=True)

    def energy(pos):
        vec = F.normalize(pos[dst] - pos[src], dim=-1) * w
        agg = nn.zeros(4, 3, dtype=nn.float64).index_add(0, dst, vec)
        return (agg ** 2).sum()
    pos = nn.tensor(pos0, requires_grad=True)
    (forces,) = nn.autograd.grad(-energy(pos), pos, create_graph=True)
    eps, num = 1e-6, np.zeros_like(pos0)
    for i in range(4):
        for j in range(3):
            d = np.zeros_like(pos0)
            d[i, j] = eps
            num[i, j] = -(energy(nn.tensor(pos0 + d)).item() - energy(nn.tensor(pos0 - d)).item()) / (2 * eps)
    np.testing.assert_allclose(forces.detach().numpy(), num, atol=1e-7)
    (forces ** 2).sum().backward()
    # the loss is (w^2)^2 times a constant of the geometry: its derivative in w is 4 / w times the loss
    np.testing.assert_allclose(w.grad.item(), 4 / 0.7 * (forces ** 2).sum().item(), rtol=1e-12)


def test_against_pytorch_fx_names_and_values():
    torch = pytest.importorskip("torch")

    def build(lib):
        graph = lib.fx.Graph()
        tracer = lib.fx.proxy.GraphAppendingTracer(graph)
        x = lib.fx.Proxy(graph.placeholder("x"), tracer)
        w = lib.fx.Proxy(graph.placeholder("w"), tracer)
        y = lib.einsum("zi,ij->zj", [x.reshape(-1, 3), w]) / 3.0
        y = lib.cat([y[:, :2], x.new_zeros(x.shape[:-1] + (1,))], dim=-1)
        graph.output(lib.tensordot(y, w.transpose(0, 1), dims=([1], [0])).node)
        return graph, lib.fx.GraphModule({}, graph)
    (gt, mt), (gn, mn) = build(torch), build(nn)
    assert [n.name for n in gt.nodes] == [n.name for n in gn.nodes]
    assert [n.op for n in gt.nodes] == [n.op for n in gn.nodes]
    xv, wv = np.arange(6.0).reshape(2, 3), np.arange(9.0).reshape(3, 3) / 7
    np.testing.assert_allclose(mn(nn.tensor(xv), nn.tensor(wv)).numpy(),
                               mt(torch.tensor(xv), torch.tensor(wv)).numpy(), rtol=1e-15)
