"""nn.fx.replace_pattern / subgraph_rewriter, as torch.fx's: the graphs, node names, matches and modules below are
what PyTorch 2.13 gives for the same code (its documentation's example among them), checked against PyTorch where
it is installed."""
import numpy as np
import pytest

import nn
import nn.fx
from nn.fx.subgraph_rewriter import replace_pattern_with_filters


def _ops(gm):
    return [(n.op, n.name) for n in gm.graph.nodes]


def docs_example(torch, fx):
    """PyTorch's docstring example: two copies of cat + sum replaced by stack."""
    class M(torch.nn.Module):
        def forward(self, x, w1, w2):
            m1 = torch.cat([w1, w2]).sum()
            m2 = torch.cat([w1, w2]).sum()
            return x + torch.max(m1) + torch.max(m2)

    def pattern(w1, w2):
        return torch.cat([w1, w2]).sum()

    def replacement(w1, w2):
        return torch.stack([w1, w2])

    gm = fx.symbolic_trace(M())
    return gm, fx.replace_pattern(gm, pattern, replacement)


def chained(torch, fx):
    """A pattern matched twice along one chain (the second match's input is the first's output), a third copy
    left alone because its inner node has a user outside it, and a Module replacement whose Linear is copied in."""
    class N(torch.nn.Module):
        def forward(self, x):
            a = torch.relu(x).neg()
            b = torch.relu(a).neg()
            r = torch.relu(b)
            return a + b + r.neg() + r

    class R(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Linear(3, 3)

        def forward(self, x):
            return self.scale(x) * 2

    gm = fx.symbolic_trace(N())
    return gm, fx.replace_pattern(gm, lambda x: torch.relu(x).neg(), fx.symbolic_trace(R()))


def test_docs_example():
    gm, matches = docs_example(nn, nn.fx)
    assert _ops(gm) == [("placeholder", "x"), ("placeholder", "w1"), ("placeholder", "w2"),
                        ("call_function", "stack"), ("call_function", "max_1"), ("call_function", "add"),
                        ("call_function", "stack_1"), ("call_function", "max_2"), ("call_function", "add_1"),
                        ("output", "output")]
    assert [m.anchor.name for m in matches] == ["sum_1", "sum_1"]     # the pattern's node, as PyTorch's
    assert sorted((k.name, v.name) for k, v in matches[0].nodes_map.items()) == [
        ("cat", "cat"), ("sum_1", "sum_1"), ("w1", "w1"), ("w2", "w2")]
    x, w1, w2 = (nn.tensor(np.arange(3.0) + i) for i in range(3))
    np.testing.assert_allclose(gm(x, w1, w2).numpy(), (x + 2 * np.maximum(w1.numpy(), w2.numpy()).max()).numpy())


def test_chained_matches_self_containment_and_modules():
    gm, matches = chained(nn, nn.fx)
    assert len(matches) == 2
    assert [n.name for n in gm.graph.nodes] == ["x", "scale", "mul", "scale_1", "mul_1", "relu_2", "add", "neg_2",
                                                "add_1", "add_2", "output"]
    assert sorted(gm.state_dict()) == ["scale.bias", "scale.weight"]
    x = nn.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=nn.float32)      # the Linear's dtype
    lin = gm.scale
    a = lin(x) * 2
    b = lin(a) * 2
    r = b.relu()
    np.testing.assert_allclose(gm(x).detach().numpy(), (a + b - r + r).detach().numpy())


def test_a_match_that_would_form_a_cycle_is_skipped():
    """Two returned values, one feeding the other's input through a node outside the match: PyTorch skips it
    (replacing it would use a value before it is computed)."""
    class M(nn.Module):
        def forward(self, x):
            a = nn.relu(x)
            b = nn.sigmoid(a + 1)
            return a, b

    gm = nn.fx.symbolic_trace(M())
    matches = nn.fx.replace_pattern(gm, lambda x, y: (nn.relu(x), nn.sigmoid(y)), lambda x, y: (nn.tanh(x), y))
    assert matches == [] and [n.name for n in gm.graph.nodes] == ["x", "relu", "add", "sigmoid", "output"]


def test_filters_literals_and_replacements():
    class K(nn.Module):
        def forward(self, x):
            return x.add(1).mul(3) + x.add(2).mul(3)

    gm = nn.fx.symbolic_trace(K())
    plain = nn.fx.replace_pattern(nn.fx.symbolic_trace(K()), lambda x: x.add(1).mul(3), lambda x: x.sub(5))
    assert len(plain) == 1                                      # literals must be equal...
    res = replace_pattern_with_filters(gm, lambda x: x.add(1).mul(3), lambda x: x.sub(5), ignore_literals=True)
    assert [[n.name for n in r.replacements] for r in res] == [["sub"], ["sub_1"]]     # ...unless ignored
    none = replace_pattern_with_filters(nn.fx.symbolic_trace(K()), lambda x: x.add(1).mul(3), lambda x: x,
                                        match_filters=[lambda m, g, p: False])
    assert none == []
    np.testing.assert_array_equal(gm(nn.tensor([1.0])).numpy(), [-8.0])


def test_unused_submodules_deleted():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 2))

        def forward(self, x):
            return self.b(x)

    gm = nn.fx.GraphModule(M(), nn.fx.symbolic_trace(M()).graph)
    gm.add_submodule("c.d", nn.Tanh())
    assert [n for n, _ in gm.named_modules()] == ["", "b", "b.0", "b.1", "c", "c.d"]
    gm.delete_all_unused_submodules()
    assert [n for n, _ in gm.named_modules()] == ["", "b", "b.0", "b.1"]
    assert gm.delete_submodule("b.1") and not gm.delete_submodule("b.9")


@pytest.mark.parametrize("case", [docs_example, chained])
def test_against_pytorch(case):
    torch = pytest.importorskip("torch")
    import torch.fx  # noqa: F401
    (tg, tm), (ng, nm) = case(torch, torch.fx), case(nn, nn.fx)
    assert _ops(ng) == _ops(tg)
    assert [str(n.target) for n in ng.graph.nodes if n.op != "call_function"] == \
        [str(n.target) for n in tg.graph.nodes if n.op != "call_function"]
    assert [(m.anchor.name, sorted((k.name, v.name) for k, v in m.nodes_map.items())) for m in nm] == \
        [(m.anchor.name, sorted((k.name, v.name) for k, v in m.nodes_map.items())) for m in tm]
    assert sorted(ng.state_dict()) == sorted(tg.state_dict())
