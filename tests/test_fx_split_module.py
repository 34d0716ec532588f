"""nn.fx.passes.split_module, as torch.fx's: the partitions' code, their order, inputs and outputs below are what
PyTorch 2.13 gives for the same model and callback (its documentation's example among them), checked against
PyTorch where it is installed."""
import operator

import numpy as np
import pytest

import nn
import nn.fx
from nn.fx.passes.split_module import split_module


def _lines(code):
    """Code lines without blanks and without PyTorch's `;  x = None` frees (nn's generated code has none)."""
    return [line.split(";  ")[0].rstrip() for line in code.splitlines() if line.strip()]


def docs_model(torch):
    """PyTorch's docstring example: a parameter, a Linear used twice."""
    class MyModule(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.param = torch.nn.Parameter(torch.linspace(-1, 1, 12, dtype=torch.float64).reshape(3, 4))
            self.linear = torch.nn.Linear(4, 5).double()
            with torch.no_grad():
                self.linear.weight.copy_(torch.linspace(-0.9, 1.1, 20, dtype=torch.float64).reshape(5, 4))
                self.linear.bias.copy_(torch.linspace(0.5, -0.3, 5, dtype=torch.float64))

        def forward(self, x, y):
            z = self.linear(x + self.param).clamp(min=0.0, max=1.0)
            w = self.linear(y).clamp(min=0.0, max=1.0)
            return z + w
    return MyModule()


def round_robin(n_partitions):
    counter = [0]

    def callback(node):
        counter[0] += 1
        return (counter[0] - 1) % n_partitions
    return callback


def _inputs(lib):
    rng = np.random.default_rng(0)
    return lib.tensor(rng.standard_normal((3, 4))), lib.tensor(rng.standard_normal((3, 4)))


def test_documentation_example_code_and_values():
    model = docs_model(nn)
    traced = nn.fx.symbolic_trace(model)
    qualname_map = {}
    split = split_module(traced, model, round_robin(3), qualname_map)
    assert _lines(split.code) == [
        "def forward(self, x, y):",
        "    param = self.param",
        "    submod_0 = self.submod_0(x, param, y)",
        "    getitem = submod_0[0]",
        "    getitem_1 = submod_0[1]",
        "    submod_1 = self.submod_1(getitem, getitem_1)",
        "    getitem_2 = submod_1[0]",
        "    getitem_3 = submod_1[1]",
        "    submod_2 = self.submod_2(getitem_2, getitem_3)",
        "    return submod_2"]
    assert _lines(split.submod_0.code) == [
        "def forward(self, x, param, y):",
        "    add = x + param",
        "    linear = self.linear(y)",
        "    return (add, linear)"]
    assert _lines(split.submod_2.code) == [
        "def forward(self, linear, clamp_1):",
        "    clamp = linear.clamp(min = 0.0, max = 1.0)",
        "    add = clamp + clamp_1",
        "    return add"]
    assert qualname_map == {"submod_0.linear": "linear", "submod_1.linear": "linear"}
    assert split.submod_0.linear is split.submod_1.linear is model.linear     # shared, not copied
    assert split.meta["partition_names"] == {"submod_0", "submod_1", "submod_2"}
    x, y = _inputs(nn)
    np.testing.assert_array_equal(split(x, y).detach().numpy(), model(x, y).detach().numpy())


def test_gradients_flow_through_the_partitions():
    model = docs_model(nn)
    split = split_module(nn.fx.symbolic_trace(model), model, round_robin(3))
    x, y = _inputs(nn)
    x.requires_grad_(True)
    split(x, y).sum().backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()] + [x.grad.numpy().copy()]
    model.zero_grad()
    x.grad = None
    model(x, y).sum().backward()
    for got, want in zip(grads, [p.grad.numpy() for p in model.parameters()] + [x.grad.numpy()]):
        np.testing.assert_array_equal(got, want)


def test_topological_order_names_and_tuple_return():
    model = docs_model(nn)
    traced = nn.fx.symbolic_trace(model)
    order = {n.name: i for i, n in enumerate(traced.graph.nodes)}
    # later nodes in lower partition ids (9, then 8): the partitions are called in dependency order, not by id
    split = split_module(traced, model, lambda node: 10 - order[node.name] // 3, keep_original_input_name=False,
                         partition_affix="pp", tuple_return=True)
    assert _lines(split.code) == [
        "def forward(self, x, y):",
        "    param = self.param",
        "    submod_pp_9 = self.submod_pp_9(x, param)",
        "    getitem = submod_pp_9[0]",
        "    submod_pp_8 = self.submod_pp_8(y, getitem)",
        "    getitem_1 = submod_pp_8[0]",
        "    return getitem_1"]
    assert _lines(split.submod_pp_8.code) == [
        "def forward(self, arg_0, arg_1):",
        "    linear = self.linear(arg_0)",
        "    clamp = linear.clamp(min = 0.0, max = 1.0)",
        "    add = arg_1 + clamp",
        "    return (add,)"]
    x, y = _inputs(nn)
    np.testing.assert_array_equal(split(x, y).detach().numpy(), model(x, y).detach().numpy())


def test_a_cycle_between_partitions_is_refused():
    model = docs_model(nn)
    traced = nn.fx.symbolic_trace(model)
    # the first and last computing nodes in one partition, the middle in another: 0 -> 1 -> 0
    names = [n.name for n in traced.graph.nodes if n.op not in ("placeholder", "get_attr", "output")]
    with pytest.raises(RuntimeError, match="cycle exists between partitions!"):
        split_module(traced, model, lambda node: int(node.name not in (names[0], names[-1])))


def test_a_module_read_by_get_attr_stays_inside_its_partition():
    """A graph built by hand reading a submodule with get_attr: the partition reads it itself, after its
    placeholders, instead of taking it as an input."""
    root = nn.Module()
    root.lin = nn.Linear(2, 2).double()
    graph = nn.fx.Graph()
    x = graph.placeholder("x")
    lin = graph.get_attr("lin")
    neg = graph.call_function(operator.neg, (x,))
    out = graph.call_function(nn.functional.linear,
                              (neg, graph.call_function(getattr, (lin, "weight"))))
    graph.output(out)
    gm = nn.fx.GraphModule(root, graph)
    split = split_module(gm, root, lambda node: 0 if node.target is operator.neg else 1)
    assert _lines(split.submod_1.code)[:3] == ["def forward(self, neg):", "    lin = self.lin",
                                               "    getattr_1 = lin.weight"]
    x = nn.tensor(np.array([[1.0, -2.0]]))
    np.testing.assert_array_equal(split(x).detach().numpy(), gm(x).detach().numpy())


@pytest.mark.parametrize("case", ["round_robin", "reversed", "pairs_in_order", "pairs_named"])
def test_as_pytorch(case):
    torch = pytest.importorskip("torch")
    from torch.fx.passes.split_module import split_module as torch_split_module  # noqa: PLC0415
    results = []
    for lib, split in ((torch, torch_split_module), (nn, split_module)):
        model = docs_model(lib)
        traced = lib.fx.symbolic_trace(model)
        order = {n.name: i for i, n in enumerate(traced.graph.nodes)}
        callback, kwargs = {
            "round_robin": (round_robin(3), {}),
            "reversed": (lambda node: 10 - order[node.name] // 3, {"tuple_return": True}),
            "pairs_in_order": (lambda node: order[node.name] // 2, {"keep_original_order": True}),
            "pairs_named": (lambda node: order[node.name] // 2, {"keep_original_node_name": True,
                                                                "keep_original_input_name": False}),
        }[case]
        qualname_map = {}
        result = split(traced, model, callback, qualname_map, **kwargs)
        codes = {name: _lines(sub.code) for name, sub in result.named_children()}
        results.append((_lines(result.code), codes, qualname_map, result(*_inputs(lib)).detach().numpy()))
    (t_code, t_subs, t_map, t_out), (n_code, n_subs, n_map, n_out) = results
    assert n_code == t_code
    assert n_subs == t_subs
    assert n_map == t_map
    np.testing.assert_allclose(n_out, t_out, rtol=1e-13, atol=1e-13)
