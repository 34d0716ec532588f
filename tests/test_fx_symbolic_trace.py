"""torch.fx symbolic tracing (``nn.fx.symbolic_trace``, ``nn.fx.Tracer.trace``): a module's forward run on Proxies
and recorded as a Graph, as PyTorch's; the GraphModule generated from it computes what the module does.

The graphs are pinned by hand (the nodes PyTorch 2.13 records for the same code) and, where PyTorch is installed,
compared with its own trace of the same script, node by node. torchvision's ``create_feature_extractor`` (a Tracer
subclass overriding ``call_module`` and ``create_proxy``) was run on the ported torchvision 0.28 model zoo while this
was written: the node names of all 20 families tried equal PyTorch's.
"""
import copy
import math
import pickle

import numpy as np
import pytest

import nn
from nn import fx
from porting import load_script, port

SCRIPT = '''
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import fx


def helper(x, k):
    return x * k + 1


fx.wrap("helper")


class Res(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(4, 4)
        self.register_buffer("shift", torch.arange(4.0))
        self.const = torch.full((4,), 2.0)
        self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
        self.scale = nn.Parameter(torch.full((4,), 0.5))

    def forward(self, x, flag: bool = True):
        h = self.l1(x) + self.shift
        for b in self.blocks:
            h = h + b(h).tanh()
        if flag:
            h = h * self.const * self.scale
        h = helper(h, 3.0) / math.sqrt(h.shape[1])
        return torch.cat([h, x], dim=1).sum(-1, keepdim=True), F.relu(h).mean()


class Ctrl(nn.Module):
    def forward(self, x):
        if x.sum() > 0:
            return x
        return -x


class Length(nn.Module):
    def forward(self, x):
        return len(x)


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Res()
        self.head = nn.Sequential(nn.Linear(1, 2), nn.ReLU())

    def forward(self, x):
        a, b = self.inner(x)
        return self.head(a) + b


class KeepInner(fx.Tracer):
    def is_leaf_module(self, m, module_qualified_name):
        return module_qualified_name == "inner" or super().is_leaf_module(m, module_qualified_name)


def matmul_relu(a, b):
    return F.relu(a) @ b.t()
'''

# the nodes PyTorch 2.13 records for Res with concrete_args={"flag": True}: (op, target name, node name)
RES_NODES = [
    ("placeholder", "x", "x"), ("placeholder", "flag_1", "flag_1"), ("call_function", "eq", "eq"),
    ("call_function", "_assert", "_assert"), ("call_module", "l1", "l1"), ("get_attr", "shift", "shift"),
    ("call_function", "add", "add"), ("call_module", "blocks.0", "blocks_0"), ("call_method", "tanh", "tanh"),
    ("call_function", "add", "add_1"), ("call_module", "blocks.1", "blocks_1"), ("call_method", "tanh", "tanh_1"),
    ("call_function", "add", "add_2"), ("get_attr", "const", "const"), ("call_function", "mul", "mul"),
    ("get_attr", "scale", "scale"), ("call_function", "mul", "mul_1"), ("call_function", "helper", "helper"),
    ("call_function", "getattr", "getattr_1"),
    ("call_function", "getitem", "getitem"), ("call_function", "sqrt", "sqrt"),
    ("call_function", "truediv", "truediv"), ("call_function", "cat", "cat"), ("call_method", "sum", "sum_1"),
    ("call_function", "relu", "relu"), ("call_method", "mean", "mean"), ("output", "output", "output")]


def _nodes(graph):
    return [(n.op, n.target if isinstance(n.target, str) else n.target.__name__, n.name) for n in graph.nodes]


@pytest.fixture(scope="module")
def ours():
    return load_script(port(SCRIPT))


def test_a_module_traces_into_the_graph_pytorch_records_and_computes_the_same(ours):
    nn.manual_seed(0)
    model = ours["Res"]().double()
    gm = fx.symbolic_trace(model, concrete_args={"flag": True})
    assert _nodes(gm.graph) == RES_NODES
    assert type(gm).__name__ == "Res" and isinstance(gm, fx.GraphModule)
    # the plain tensor attribute and the buffer are read by name (not as _tensor_constant0); the attribute becomes
    # a buffer of the GraphModule, as in PyTorch
    assert sorted(gm.state_dict()) == sorted([*model.state_dict(), "const"])
    x = nn.randn(3, 4, dtype=nn.float64, requires_grad=True)
    a, b = model(x), gm(x, True)
    np.testing.assert_array_equal(a[0].detach().numpy(), b[0].detach().numpy())
    np.testing.assert_array_equal(a[1].detach().numpy(), b[1].detach().numpy())
    b[0].sum().backward()               # the generated forward is differentiable as the module is
    assert gm.l1.weight.grad is not None and model.l1.weight.grad is not None
    with pytest.raises(AssertionError, match="specialized to have value True"):
        gm(x, False)


def test_tracing_puts_everything_back(ours):
    call, getattr_, sqrt, helper = nn.Module.__call__, nn.Module.__getattr__, math.sqrt, ours["helper"]
    fx.symbolic_trace(ours["Res"](), concrete_args={"flag": False})
    with pytest.raises(fx.proxy.TraceError, match="control flow"):
        fx.symbolic_trace(ours["Ctrl"]())            # a traced value in an if: refused, as PyTorch
    with pytest.raises(RuntimeError, match="'len' is not supported"):
        fx.symbolic_trace(ours["Length"]())
    assert (nn.Module.__call__, nn.Module.__getattr__, math.sqrt, ours["helper"]) == (call, getattr_, sqrt, helper)


def test_a_function_a_custom_leaf_and_a_deep_copy(ours):
    g = fx.symbolic_trace(ours["matmul_relu"])
    assert _nodes(g.graph) == [("placeholder", "a", "a"), ("placeholder", "b", "b"),
                               ("call_function", "relu", "relu"), ("call_method", "t", "t"),
                               ("call_function", "matmul", "matmul"), ("output", "output", "output")]
    a, b = nn.randn(2, 3), nn.randn(4, 3)
    np.testing.assert_array_equal(g(a, b).numpy(), ours["matmul_relu"](a, b).numpy())
    assert type(g).__name__ == "matmul_relu"

    tracer = ours["KeepInner"]()
    outer = ours["Outer"]()
    graph = tracer.trace(outer)
    assert _nodes(graph) == [("placeholder", "x", "x"), ("call_module", "inner", "inner"),
                             ("call_function", "getitem", "getitem"), ("call_function", "getitem", "getitem_1"),
                             ("call_module", "head.0", "head_0"), ("call_module", "head.1", "head_1"),
                             ("call_function", "add", "add"), ("output", "output", "output")]
    gm = fx.GraphModule(tracer.root, graph, "Outer")
    assert 'getattr(self.head, "0")' in gm.code or "getattr(self.head, '0')" in gm.code
    x = nn.randn(5, 4)
    np.testing.assert_array_equal(gm(x).detach().numpy(), outer(x).detach().numpy())
    twin = copy.deepcopy(gm)
    np.testing.assert_array_equal(twin(x).detach().numpy(), outer(x).detach().numpy())
    assert twin.inner is not gm.inner


def test_the_same_graphs_as_pytorch(ours):
    torch = pytest.importorskip("torch")
    theirs = load_script(SCRIPT)
    pairs = [(theirs["Res"](), ours["Res"](), {"flag": True}), (theirs["matmul_relu"], ours["matmul_relu"], None)]
    for t, o, concrete in pairs:     # (graphs only: PyTorch generates no code for a function of an exec'd script)
        assert _nodes(fx.Tracer().trace(o, concrete)) == _nodes(torch.fx.Tracer().trace(t, concrete))
    assert _nodes(ours["KeepInner"]().trace(ours["Outer"]())) == _nodes(theirs["KeepInner"]().trace(theirs["Outer"]()))


FUSE_SCRIPT = '''
import operator
import torch
import torch.nn as nn
from torch import fx
from torch.fx.experimental.optimization import fuse


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, padding=1)
        self.b1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 8, 3, bias=False)
        self.b2 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)
        self.b3 = nn.BatchNorm1d(4)
        self.shared = nn.Conv2d(8, 8, 1)
        self.b4 = nn.BatchNorm2d(8)

    def forward(self, x):
        x = torch.relu(self.b1(self.c1(x)))
        x = self.b2(self.c2(x)) + 1
        s = self.shared(x)
        x = self.b4(s) + s              # the conv's output has another user: left unfused
        return self.b3(self.fc(x.mean((2, 3))))


class AddToMul(fx.Transformer):
    def call_function(self, target, args, kwargs):
        if target is operator.add:
            target = operator.mul
        return super().call_function(target, args, kwargs)
'''


def _net(namespace):
    nn.manual_seed(0)
    net = namespace["Net"]().double()
    rng = np.random.default_rng(1)
    for m in net.modules():
        if type(m).__name__.startswith("BatchNorm"):        # statistics and affine parameters far from 0 and 1
            n = m.num_features
            m.load_state_dict({"running_mean": rng.uniform(-1, 1, n), "running_var": rng.uniform(0.5, 2, n),
                               "weight": rng.uniform(0.5, 1.5, n), "bias": rng.uniform(-1, 1, n),
                               "num_batches_tracked": np.array(3)})
    return net.eval()


def test_fuse_folds_batchnorm_into_the_layer_before_it():
    ns = load_script(port(FUSE_SCRIPT))
    net = _net(ns)
    fused = ns["fuse"](net)
    called = [n.target for n in fused.graph.nodes if n.op == "call_module"]
    assert called == ["c1", "c2", "shared", "b4", "fc"]          # b1, b2, b3 folded; b4 kept (s used twice)
    x = nn.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)))
    np.testing.assert_allclose(fused(x).detach().numpy(), net(x).detach().numpy(), rtol=1e-12, atol=1e-12)
    assert isinstance(net.b1, nn.BatchNorm2d)                    # a copy was fused, not net itself


def test_transformer_records_the_graph_again_with_a_subclass_change():
    ns = load_script(port(FUSE_SCRIPT))
    net = _net(ns)
    gm = ns["AddToMul"](fx.symbolic_trace(net)).transform()
    x = nn.tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)))
    h = nn.relu(net.b1(net.c1(x)))
    h = net.b2(net.c2(h)) * 1
    s = net.shared(h)
    expected = net.b3(net.fc((net.b4(s) * s).mean((2, 3))))
    np.testing.assert_allclose(gm(x).detach().numpy(), expected.detach().numpy(), rtol=1e-13)
    assert "add" not in [n.name for n in gm.graph.nodes]


def test_fuse_and_transform_as_pytorch():
    torch = pytest.importorskip("torch")
    theirs, ours = load_script(FUSE_SCRIPT), load_script(port(FUSE_SCRIPT))
    net = _net(ours)
    ref = theirs["Net"]().double()
    ref.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
    ref.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
    for make in (lambda ns, m: ns["fuse"](m), lambda ns, m: ns["AddToMul"](ns["fx"].symbolic_trace(m)).transform()):
        a, b = make(ours, net), make(theirs, ref)
        assert _nodes(a.graph) == _nodes(b.graph)
        np.testing.assert_allclose(a(nn.tensor(x)).detach().numpy(), b(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_an_alias_is_recorded_under_its_own_name():
    # torch.concat and torch.swapaxes are functions of their own in PyTorch (MaxViT's SwapAxes is traced as
    # "swapaxes"); once dispatch is on, nn's other names for one function are wrappers of their own too
    def f(x):
        return nn.swapaxes(nn.concat([x, x]), 0, 1)

    g = fx.symbolic_trace(f)
    assert [(n.op, n.name) for n in g.graph.nodes] == [("placeholder", "x"), ("call_function", "concat"),
                                                       ("call_function", "swapaxes"), ("output", "output")]
    x = nn.randn(2, 3)
    np.testing.assert_array_equal(g(x).numpy(), np.concatenate([x.numpy(), x.numpy()]).T)
    assert nn.concat is not nn.cat and nn.swapaxes.__name__ == "swapaxes"
    for name in ("row_stack", "moveaxis", "arccos", "arcsin", "absolute", "negative"):   # all the other names
        assert getattr(nn, name).__name__ == name
    assert pickle.loads(pickle.dumps(nn.concat)) is nn.concat and pickle.loads(pickle.dumps(nn.cat)) is nn.cat
