"""Functional meta-learning, constrained and multi-objective optimization from the package registry: higher 0.2.1,
cooper-optim 1.0.1 and torchjd 0.18.0 (with qpsolvers 4.13.0 and quadprog 0.1.14, torchjd's QP solver for UPGrad /
DualProj, installed with --no-deps), ported by the porting rule (every .py file; the packages renamed higherp,
cooperp and torchjdp in their import lines) and run against the originals on PyTorch 2.13 with PyTorch's weights and
the same NumPy inputs in float64: higher's innerloop_ctx with every differentiable optimizer (SGD with momentum /
Nesterov / dampening / weight decay, Adam with AMSGrad, Adagrad, RMSprop centered with momentum, Adadelta, ASGD,
Adamax, Rprop), copy_initial_weights, track_higher_grads and override, second-order gradients through the inner
loop of an MLP, a CNN with BatchNorm (train and eval) and RNN / LSTM / GRU; cooper's Lagrangian, Augmented
Lagrangian and quadratic-penalty formulations with dense, indexed and implicit multipliers, the simultaneous,
alternating and extrapolation optimizers, ExtraSGD / ExtraAdam, nuPI and the penalty updaters on a logistic
regression with rate constraints; torchjd's aggregators and weightings, mtl_backward / backward / jac / jac_to_grad
and Jacobian descent steps.

The failures these tests pin down, each in a few lines (no package is imported here): torchjd's autojac imports
``torch.autograd.graph.Node`` (the abstract class of graph nodes, ``isinstance(y.grad_fn, Node)``), which nn lacked;
torchjd differentiates by ``vmap`` of ``autograd.grad(..., retain_graph=False)`` over a graph built outside the
mapped function, which PyTorch runs as one batched backward, while nn ran it once per element and released the
graph after the first ("backward() through a graph a second time"); higher's differentiable Adagrad copies the
optimizer's per-parameter state, which PyTorch's Adagrad creates in its constructor (step 0, sum =
initial_accumulator_value) and nn's created on the first step (KeyError 'step'); higher assigns the fast weights of
an RNN / LSTM / GRU to ``_flat_weights``, which PyTorch's recurrent forward reads and nn had as a read-only property;
cooper's nuPI keeps its gains Kp / Ki as tensors in its param groups and calls ``Ki.ne(0)``, but nn's
``load_state_dict`` turned every tensor hyper-parameter into a number (PyTorch keeps a copy of the tensor); torchjd's
autogram engine asks ``autograd.grad`` for gradients at ``GradientEdge``s (``torch.autograd.graph.get_gradient_edge``
and edges built from ``next_functions``), which nn had neither.
"""
import numpy as np
import pytest

import nn


# ---- torch.autograd.graph.Node --------------------------------------------------------------------------------

def test_graph_node_is_the_abstract_class_of_grad_fns():
    from nn.autograd.graph import Node
    w = nn.ones(3, requires_grad=True)
    y = (w * 2).sum()
    assert isinstance(y.grad_fn, Node)
    leaf_node = y.grad_fn.next_functions[0][0].next_functions[0][0]
    assert type(leaf_node).__name__ == "AccumulateGrad" and isinstance(leaf_node, Node)
    assert not isinstance(3, Node) and not isinstance(w, Node) and not issubclass(int, Node)
    with pytest.raises(TypeError):
        Node()                      # abstract, as PyTorch's


def test_leaves_found_through_next_functions_typed_by_node():
    """torchjd's get_leaf_tensors: a breadth-first walk of next_functions collecting the AccumulateGrad nodes."""
    from collections import deque

    from nn.autograd.graph import Node
    a, b = nn.tensor([1.0, 2.0], requires_grad=True), nn.tensor([3.0], requires_grad=True)
    out = (a * b).tanh().sum() + b.sum()
    seen, leaves, todo = set(), [], deque([out.grad_fn])
    while todo:
        node = todo.popleft()
        assert isinstance(node, Node)
        if type(node).__name__ == "AccumulateGrad" and node not in seen:
            seen.add(node)
            leaves.append(node.variable)
        todo.extend(child for child, _ in node.next_functions if child is not None)
    assert {id(x) for x in leaves} == {id(a), id(b)}



def test_gradient_edges_and_grad_at_an_edge():
    """torchjd's autogram: get_gradient_edge of an output, edges from next_functions, autograd.grad(inputs=edges)."""
    from nn.autograd.graph import GradientEdge, get_gradient_edge
    w = nn.tensor([1.0, -2.0], requires_grad=True)
    h = w * 3.0
    y = (h ** 2).sum()
    edge = get_gradient_edge(h)
    assert isinstance(edge, GradientEdge) and edge.node is h.grad_fn and edge.output_nr == 0
    assert edge == get_gradient_edge(h) and hash(edge) == hash(get_gradient_edge(h))
    assert get_gradient_edge(w).node is h.grad_fn.next_functions[0][0]      # a leaf: its AccumulateGrad
    below = [GradientEdge(child, nr) for child, nr in y.grad_fn.next_functions if child is not None]
    g_h, = nn.autograd.grad(y, edge, retain_graph=True)                       # one edge, not a sequence
    np.testing.assert_allclose(g_h.numpy(), [6.0, -12.0])                     # 2 h
    g_w, = nn.autograd.grad(y, [get_gradient_edge(w)], retain_graph=True)
    np.testing.assert_allclose(g_w.numpy(), [18.0, -36.0])                    # 18 w
    assert len(below) == 1
    with pytest.raises(RuntimeError, match="does not require gradients"):
        get_gradient_edge(nn.ones(2))


# ---- vmap of autograd.grad with retain_graph=False ------------------------------------------------------------

def test_vmap_of_grad_without_retain_graph_gives_the_jacobian():
    """PyTorch's vmap runs autograd.grad once, batched, and then frees the graph; nn runs it per row and keeps
    the graph until the last row."""
    x = nn.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = nn.stack([(x ** 2).sum(), (x * 3).sum(), x.prod()])

    def vjp(v):
        return nn.autograd.grad(y, x, grad_outputs=v, retain_graph=False)[0]

    jac = nn.vmap(vjp)(nn.eye(3))
    x_ = np.array([0.5, -1.0, 2.0])
    expected = np.stack([2 * x_, np.full(3, 3.0), np.prod(x_) / x_])
    np.testing.assert_allclose(jac.numpy(), expected, rtol=1e-6)
    with pytest.raises(RuntimeError, match="a second time"):   # freed after the last row, as PyTorch's
        nn.autograd.grad(y, x, grad_outputs=nn.ones(3))


def test_vmap_inside_vmap_keeps_the_graph_for_the_outer_rows():
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    y = x ** 3

    def inner(u):
        return nn.vmap(lambda v: nn.autograd.grad(y, x, grad_outputs=v * u)[0])(nn.eye(2))

    out = nn.vmap(inner)(nn.tensor([1.0, 2.0]))
    d = np.diag(3 * np.array([1.0, 2.0]) ** 2)
    np.testing.assert_allclose(out.numpy(), np.stack([d, 2 * d]))


# ---- Adagrad's state from the constructor ---------------------------------------------------------------------

def test_adagrad_creates_its_state_in_the_constructor():
    p, q = nn.nn.Parameter(nn.ones(2)), nn.nn.Parameter(nn.ones(3))
    opt = nn.optim.Adagrad([p, q], lr=0.5, initial_accumulator_value=0.1)
    assert opt.state[p]["step"] == 0
    np.testing.assert_allclose(np.asarray(opt.state[q]["sum"]), [0.1, 0.1, 0.1])
    assert sorted(opt.state_dict()["state"]) == [0, 1]       # PyTorch saves both before any step
    p.grad = nn.ones(2)
    opt.step()
    # sum 0.1 + 1; p = 1 - 0.5 * 1 / sqrt(1.1) (PyTorch: 0.5233)
    np.testing.assert_allclose(p.detach().numpy(), 1 - 0.5 / np.sqrt(1.1), rtol=1e-6)
    assert opt.state[p]["step"] == 1 and opt.state[q]["step"] == 0
    np.testing.assert_allclose(np.asarray(opt.state[p]["sum"]), [1.1, 1.1], rtol=1e-6)


def test_adagrad_state_copied_by_a_differentiable_optimizer():
    """higher's DifferentiableAdagrad: state['step'] += 1 and state['sum'] from the optimizer's own state."""
    p = nn.nn.Parameter(nn.tensor([1.0, -2.0], dtype=nn.float64))
    opt = nn.optim.Adagrad([p], lr=0.1, initial_accumulator_value=0.5)
    state = dict(opt.state[p])
    g = nn.tensor([0.3, -0.4], dtype=nn.float64)
    state["step"] += 1
    s = nn.tensor(state["sum"]) + g * g
    new = p - 0.1 * g / (s.sqrt() + 1e-10)
    np.testing.assert_allclose(new.detach().numpy(), [1 - 0.03 / np.sqrt(0.59), -2 + 0.04 / np.sqrt(0.66)])


# ---- RNNBase._flat_weights -------------------------------------------------------------------------------------

@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU"])
def test_assigned_flat_weights_are_what_forward_uses(cls):
    nn.manual_seed(0)
    rnn = getattr(nn, cls)(3, 4, num_layers=2)
    x = nn.randn(5, 2, 3)
    names = rnn._flat_weights_names
    assert [n for n in names] == [n for names_ in rnn._all_weights for n in names_]
    scaled = [w * 0.5 for w in rnn._flat_weights]
    rnn._flat_weights = scaled                      # higher's patched forward does this with its fast weights
    out = rnn(x)[0]
    twin = getattr(nn, cls)(3, 4, num_layers=2)
    twin.load_state_dict({n: w.detach() for n, w in zip(names, scaled)})
    np.testing.assert_allclose(out.detach().numpy(), twin(x)[0].detach().numpy(), rtol=1e-6)
    # the gradient reaches what the fast weights came from
    out.sum().backward()
    assert all(rnn._parameters[n].grad is not None for n in names)


def test_assigning_a_weight_by_name_replaces_its_flat_entry():
    rnn = nn.RNN(2, 3)
    rnn._flat_weights = [w * 1.0 for w in rnn._flat_weights]
    new = nn.nn.Parameter(nn.zeros(3, 3))
    rnn.weight_hh_l0 = new                          # PyTorch's __setattr__ updates _flat_weights[idx]
    assert rnn._flat_weights[rnn._flat_weights_names.index("weight_hh_l0")] is new
    plain = nn.RNN(2, 3)
    assert plain._flat_weights[0] is plain.weight_ih_l0     # unassigned: the parameters themselves


# ---- Optimizer.load_state_dict of a tensor hyper-parameter -----------------------------------------------------

class _PI(nn.optim.Optimizer):
    """An optimizer written for torch.optim (no _validate), keeping its gains as tensors, as cooper's nuPI."""

    def __init__(self, params, lr=0.1, Ki=1.0):
        super().__init__(params, dict(lr=lr, Ki=nn.as_tensor(Ki)))

    @nn.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None and group["Ki"].ne(0).any():
                    p.sub_(group["lr"] * group["Ki"] * p.grad)


def test_tensor_hyper_parameter_of_a_torch_style_optimizer_loads_as_a_tensor():
    p = nn.nn.Parameter(nn.tensor([1.0, 2.0]))
    saved = _PI([p], Ki=0.5).state_dict()
    q = nn.nn.Parameter(nn.tensor([1.0, 2.0]))
    opt = _PI([q], Ki=2.0)
    opt.load_state_dict(saved)
    ki = opt.param_groups[0]["Ki"]
    assert isinstance(ki, nn.Tensor) and float(ki) == 0.5           # PyTorch keeps (a copy of) the tensor
    assert ki is not saved["param_groups"][0]["Ki"]
    q.grad = nn.tensor([1.0, 1.0])
    opt.step()                                                      # Ki.ne(0): a float has no .ne
    np.testing.assert_allclose(q.detach().numpy(), [0.95, 1.95], rtol=1e-6)
    # nn's own optimizers compute in NumPy: they still get numbers
    opt = nn.optim.SGD([p], lr=0.1)
    state = opt.state_dict()
    state["param_groups"][0]["lr"] = nn.tensor(0.25)
    opt.load_state_dict(state)
    assert opt.param_groups[0]["lr"] == 0.25 and not isinstance(opt.param_groups[0]["lr"], nn.Tensor)
