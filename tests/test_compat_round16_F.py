"""laplace-torch 0.3 (with its backends curvlinops-for-pytorch 3.0.1, backpack-for-pytorch 1.7.1 and asdfghjkl 0.1a4,
and linear-operator 0.6.1, einconv 0.1.0, unfoldNd 0.2.3, torchmetrics 1.9.0 beneath them), bayesian-torch 0.5.0 and
blitz-bayesian-pytorch 0.2.8 from the package registry, ported by the porting rule (every .py file) and run against
the originals on PyTorch in float64. The failures these tests pin down, each reproduced in a few lines (the packages
themselves are never imported here): `import laplace` imports every backend, and BackPACK subclasses
`torch.fx.Tracer` at import (with `Graph`, `Node` in its annotations), asdl imports `torch.cuda.nvtx` and takes
`dist.ReduceOp.SUM` as a default argument, laplace imports `_precision_to_scale_tril` from
`torch.distributions.multivariate_normal`; and BackPACK's Kronecker factors, computed in module backward hooks, kept
a graph in nn (the hooks ran with grad mode on, PyTorch's engine runs them with it off), so the second
marginal-likelihood step of `optimize_prior_precision` back-propagated through a released graph; and
`linalg.solve_triangular(A, B)` with A (b, n, n) and B (n, n), b == n, read B as b vectors (linalg.solve's rule); the
Cholesky error did not say which leading minor (and batch element) failed."""
import math

import numpy as np
import pytest

import nn


# ---- grad mode inside backward: off unless create_graph (BackPACK's KFAC factors, computed in backward hooks) -------

def test_hooks_run_with_grad_mode_off_during_backward():
    lin = nn.Linear(2, 2)
    seen = []
    lin.register_full_backward_hook(lambda m, gi, go: seen.append(("module", nn.is_grad_enabled())))
    x = nn.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
    y = lin(x)
    y.register_hook(lambda g: seen.append(("tensor", nn.is_grad_enabled())))
    y.sum().backward()
    assert sorted(seen) == [("module", False), ("tensor", False)]
    assert nn.is_grad_enabled()                     # restored after backward


def test_factor_made_in_a_backward_hook_records_no_graph():
    # BackPACK's idiom: a forward hook keeps the input, a backward hook forms a factor from it and the output
    # gradient; the factor is data (no graph), so a loss built from it twice back-propagates twice without error
    lin = nn.Linear(2, 2)
    store = {}
    lin.register_forward_hook(lambda m, i, o: store.__setitem__("a", i[0]))
    lin.register_full_backward_hook(lambda m, gi, go: store.__setitem__("A", store["a"].T @ store["a"] * go[0].sum()))
    x = nn.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
    lin(x).sum().backward()
    A = store["A"]
    assert not A.requires_grad and A.grad_fn is None
    np.testing.assert_allclose(A.numpy(), np.array([[10.0, -1.0], [-1.0, 5.0]]) * 4.0)
    prec = nn.tensor(1.0, requires_grad=True)
    for _ in range(2):                              # optimize_prior_precision: one backward per step
        prec.grad = None
        (A * prec).sum().backward()
        assert prec.grad.item() == pytest.approx(52.0)


# ---- torch.fx.Tracer / Graph / Node (BackPACK's graph_utils at import) -----------------------------------------------

def test_fx_tracer_subclass_and_leaf_rule():
    from nn.fx import Graph, GraphModule, Node, Tracer

    class Custom(nn.Module):
        def forward(self, x):
            return x

    class BackpackTracer(Tracer):
        def is_leaf_module(self, m, module_qualified_name):
            if isinstance(m, Custom):
                return True
            return super().is_leaf_module(m, module_qualified_name)

    tracer = BackpackTracer()
    assert tracer.is_leaf_module(nn.Linear(2, 2), "lin") is True             # the library's own layers
    assert tracer.is_leaf_module(nn.Sequential(nn.ReLU()), "seq") is False   # but not Sequential
    assert tracer.is_leaf_module(Custom(), "c") is True
    assert Tracer().is_leaf_module(Custom(), "c") is False                   # user modules are traced into
    assert Tracer().autowrap_modules == (math,) and Tracer().param_shapes_constant is False
    graph = tracer.trace(nn.Sequential(Custom(), nn.ReLU()))      # (tracing is there since the eighteenth round)
    assert [(n.op, n.target) for n in graph.nodes if n.op == "call_module"] == [("call_module", "0"),
                                                                                ("call_module", "1")]
    assert isinstance(Graph(), Graph)           # graphs can be built since the seventeenth round (area D)
    assert isinstance(Graph, type) and isinstance(Node, type) and issubclass(GraphModule, nn.Module)


# ---- torch.cuda.nvtx (asdl) ------------------------------------------------------------------------------------------

def test_cuda_nvtx_imports_and_raises_as_a_cpu_build():
    from nn.cuda import nvtx

    @nvtx.range("reduce_scatter_grad")              # decorating at import time is fine (asdl does so)
    def f():
        return 1

    message = "NVTX functions not installed. Are you sure you have a CUDA build?"
    with pytest.raises(RuntimeError, match=message):
        nvtx.range_push("a")
    with pytest.raises(RuntimeError, match=message):
        nvtx.mark("a")
    with pytest.raises(RuntimeError, match=message):
        f()
    with pytest.raises(RuntimeError, match=message):
        with nvtx.range("cov_{}", "kron"):
            pass


# ---- torch.distributed.ReduceOp (asdl's default argument) ----------------------------------------------------------

def test_distributed_reduce_op_names():
    import nn.distributed as dist

    def all_reduce_grad(module, async_op=False, op=dist.ReduceOp.SUM):
        return op

    assert all_reduce_grad(None) == 0 and repr(dist.ReduceOp.SUM) == "<RedOpType.SUM: 0>"
    assert [int(getattr(dist.ReduceOp, n)) for n in ("SUM", "AVG", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR",
                                                     "PREMUL_SUM")] == list(range(9))
    assert dist.ReduceOp.MAX is dist.ReduceOp.RedOpType.MAX


# ---- torch.distributions.multivariate_normal._precision_to_scale_tril (laplace.utils) --------------------------------

def test_precision_to_scale_tril():
    from nn.distributions.multivariate_normal import _precision_to_scale_tril
    P = nn.tensor([[4.0, 2.0], [2.0, 3.0]], dtype=nn.float64)
    L = _precision_to_scale_tril(P).numpy()
    # P^-1 = [[3, -2], [-2, 4]] / 8, whose lower Cholesky factor is [[sqrt(3/8), 0], [-2/sqrt(24), sqrt(1/3)]]
    np.testing.assert_allclose(L, [[math.sqrt(3 / 8), 0.0], [-2 / math.sqrt(24), math.sqrt(1 / 3)]], rtol=1e-14)
    Pb = nn.tensor(np.stack([np.array([[4.0, 2.0], [2.0, 3.0]]), np.array([[2.0, -1.0], [-1.0, 5.0]])]))
    Lb = _precision_to_scale_tril(Pb).numpy()
    np.testing.assert_allclose(Lb @ np.swapaxes(Lb, 1, 2), np.linalg.inv(Pb.numpy()), rtol=1e-14)
    np.testing.assert_allclose(nn.distributions.MultivariateNormal(nn.zeros(2, dtype=nn.float64), precision_matrix=P)
                               .scale_tril.numpy(), L, rtol=1e-14)


def test_solve_triangular_takes_b_as_a_matrix_when_its_shape_is_a_batch_of_vectors():
    # A (2, 2, 2) and B (2, 2): B.shape == A.shape[:-1], which linalg.solve reads as two vectors; solve_triangular
    # always reads B as a matrix, broadcast over A's batch (the batched precision matrices of laplace's KFAC)
    A = nn.tensor([[[2.0, 0.0], [1.0, 4.0]], [[1.0, 0.0], [-1.0, 2.0]]], requires_grad=True)
    B = nn.tensor([[2.0, 4.0], [3.0, 8.0]], requires_grad=True)
    X = nn.linalg.solve_triangular(A, B, upper=False)
    assert tuple(X.shape) == (2, 2, 2)
    np.testing.assert_allclose(X.detach().numpy(), [[[1.0, 2.0], [0.5, 1.5]], [[2.0, 4.0], [2.5, 6.0]]])
    X.sum().backward()
    assert tuple(B.grad.shape) == (2, 2) and tuple(A.grad.shape) == (2, 2, 2)
    Xr = nn.linalg.solve_triangular(A, B, upper=False, left=False)
    np.testing.assert_allclose(Xr.detach().numpy()[0], B.detach().numpy() @ np.linalg.inv([[2.0, 0.0], [1.0, 4.0]]))


def test_cholesky_error_names_the_failing_minor_and_batch_element():
    # the full-Hessian posteriors of laplace are indefinite: PyTorch's message says where the factorisation stops
    with pytest.raises(nn.linalg.LinAlgError) as e:
        nn.linalg.cholesky(nn.tensor([[1.0, 2.0], [2.0, 1.0]]))
    assert str(e.value) == ("linalg.cholesky: The factorization could not be completed because the input is not "
                            "positive-definite (the leading minor of order 2 is not positive-definite).")
    with pytest.raises(RuntimeError, match=r"^linalg.cholesky: \(Batch element 1\): The factorization could not be "
                                           r"completed because the input is not positive-definite \(the leading minor "
                                           r"of order 1 is not positive-definite\).$"):
        nn.linalg.cholesky(nn.stack([nn.eye(2), nn.tensor([[-1.0, 0.0], [0.0, 1.0]])]))


def test_precision_to_scale_tril_gradient_by_finite_differences():
    from nn.distributions.multivariate_normal import _precision_to_scale_tril
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 3))
    P0 = A @ A.T + 3 * np.eye(3)
    W = rng.standard_normal((3, 3))

    def f(P):
        return float((_precision_to_scale_tril(nn.tensor(P)).numpy() * W).sum())

    P = nn.tensor(P0, requires_grad=True)
    (_precision_to_scale_tril(P) * nn.tensor(W)).sum().backward()
    numeric = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            E = np.zeros((3, 3))
            E[i, j] = 1e-6
            numeric[i, j] = (f(P0 + E) - f(P0 - E)) / 2e-6
    # the factor reads one triangle of P, so compare the symmetric parts (the direction a precision can move)
    sym = lambda M: 0.5 * (M + M.T)      # noqa: E731
    np.testing.assert_allclose(sym(P.grad.numpy()), sym(numeric), atol=1e-8)


def test_precision_to_scale_tril_against_pytorch():
    torch = pytest.importorskip("torch")
    from torch.distributions.multivariate_normal import _precision_to_scale_tril as theirs
    from nn.distributions.multivariate_normal import _precision_to_scale_tril as ours
    rng = np.random.default_rng(1)
    A = rng.standard_normal((2, 4, 4))
    P = A @ A.transpose(0, 2, 1) + np.eye(4)
    np.testing.assert_allclose(ours(nn.tensor(P)).numpy(), theirs(torch.tensor(P)).numpy(), rtol=1e-13, atol=1e-15)


def test_grad_mode_in_hooks_as_pytorch():
    torch = pytest.importorskip("torch")
    seen = {}
    for lib, L in ((torch, torch.nn), (nn, nn)):
        lin = L.Linear(2, 2)
        out = []
        lin.register_full_backward_hook(lambda m, gi, go, out=out, lib=lib: out.append(lib.is_grad_enabled()))
        lin(lib.ones(1, 2, requires_grad=True)).sum().backward()
        seen[lib.__name__] = out
    assert seen["nn"] == seen["torch"] == [False]
