"""Face detection and compiled classical models from the package registry: facenet-pytorch 2.6.0 (MTCNN with the
P-, R- and O-net weights its wheel ships, loaded by nn.load; InceptionResnetV1 with random weights) and
hummingbird-ml 0.4.12 (scikit-learn models compiled to tensor programs: trees by gemm, tree_trav and
perf_tree_trav, gradient boosting, linear models, SVMs, scalers, encoders, decompositions, mixtures, MLPs,
pipelines), each installed with --no-deps, ported by the porting rule (facenet_pytorchp, hummingbirdp) and run
against the original on PyTorch 2.13 with the same inputs and weights.

The failures these tests pin down, in a few lines (the packages are not imported here):

- ``torch.linalg.solve_triangular`` is a substitution (BLAS's trsm): no pivoting, and no check of the diagonal.
  nn solved the triangle with solve's pivoted LU, whose row swaps round otherwise: on an ill-conditioned float64
  triangle (40 x 40, a solution of size 2e5) 7e-12 from the exact solution where PyTorch's is within 5e-16 (the
  precision factors hummingbird's BayesianGaussianMixture computes by it differed from PyTorch's in float32).
- a zero on the diagonal gives inf / nan in PyTorch (``solve_triangular([[1, 0], [2, 0]], [[1], [1]])`` is
  [[1], [-inf]]); nn raised LinAlgError "torch.linalg.solve: The solver failed because the input matrix is
  singular.".
  solve_triangular (and cholesky_solve, cholesky_inverse, triangular_solve, lu_solve, which call it) now
  substitutes by trsm, with its own backward (dB = T^-T g, dT = -dB X^T on the triangle): the gradient,
  double-backward, broadcasting and dtype tests below guard that new code (they passed through LU too).
- hummingbird's ``save`` pickles its compiled module, whose trees keep ``decision_cond = torch.le``: PyTorch's
  functions pickle by name, nn's raised "Can't pickle local object '_compare.<locals>.op'". 59 of nn's top-level
  functions (the comparisons and logical / bitwise ops made by a factory, clamp, index_select, gather, max, ... behind
  a decorator whose __qualname__ led to another object) and F.elu_ / hardtanh_ / leaky_relu_ / threshold_ did not
  pickle; overrides.install now names every function of nn's own that its home module does not bind (as it did
  for its dispatching wrappers), and F's in-place activations carry their qualified name.
- hummingbird's torch.jit backend calls ``torch.jit.optimized_execution(model)``, a context manager in PyTorch;
  nn.jit had no such name (AttributeError). It is a no-op context manager (nothing is compiled).
"""
import numpy as np
import pytest

import nn
from porting import central_difference


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


def _ill_conditioned_lower(n=40, seed=0):
    """A lower triangle with O(1) entries and diagonal in [0.5, 1.5]: its inverse grows like 2^n (cond ~ 1e9)."""
    rng = np.random.default_rng(seed)
    L = np.tril(rng.standard_normal((n, n)))
    L[np.diag_indices(n)] = rng.uniform(0.5, 1.5, n)
    return L, rng.standard_normal((n, 1))


def _substitution(L, b):
    """Forward substitution in extended precision (NumPy's longdouble), rounded to float64: the exact solution."""
    L, x = L.astype(np.longdouble), np.zeros(b.shape, np.longdouble)
    for i in range(len(L)):
        x[i] = (b[i] - L[i, :i] @ x[:i]) / L[i, i]
    return x.astype(np.float64)


# ---- solve_triangular substitutes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("upper, left", [(False, True), (True, False)])
def test_solve_triangular_substitutes_on_an_ill_conditioned_triangle(upper, left):
    # PyTorch 2.13 (trsm): within 5e-16 of the exact solution (max |x| 2.5e5); nn's pivoted LU was 7e-12 off.
    # L x = b, and X L^T = b^T (L^T X^T = b). (An upper triangle A X = B never pivots: LU was substitution there.)
    L, b = _ill_conditioned_lower()
    exact = _substitution(L, b)
    if left:
        got = nn.linalg.solve_triangular(nn.tensor(L), nn.tensor(b), upper=upper)
    else:
        got = nn.linalg.solve_triangular(nn.tensor(L.T.copy()), nn.tensor(b.T.copy()), upper=upper, left=False).mT
    assert np.abs(exact).max() > 1e5
    np.testing.assert_allclose(_f(got), exact, rtol=0, atol=2e-15 * np.abs(exact).max())


def test_solve_triangular_with_a_zero_on_the_diagonal_gives_inf_as_pytorch():
    # PyTorch 2.13: solve_triangular([[1, 0], [2, 0]], [[1], [1]], upper=False) -> [[1], [-inf]], no error (trsm
    # divides by the zero); nn raised LinAlgError "torch.linalg.solve: The solver failed because the input matrix
    # is singular."
    with np.errstate(all="raise"):                 # and no NumPy warning on the way
        X = nn.linalg.solve_triangular(nn.tensor([[1.0, 0.0], [2.0, 0.0]]), nn.tensor([[1.0], [1.0]]), upper=False)
    assert X.dtype == nn.float32
    np.testing.assert_array_equal(_f(X), [[1.0], [-np.inf]])
    # upper: [[0, 1], [0, 1]] X = [[1], [1]] -> x1 = 1, x0 = (1 - 1) / 0 = nan
    X = nn.linalg.solve_triangular(nn.tensor([[0.0, 1.0], [0.0, 1.0]]), nn.tensor([[1.0], [1.0]]), upper=True)
    assert np.isnan(_f(X)[0, 0]) and _f(X)[1, 0] == 1.0


def test_solve_triangular_keeps_the_dtype_and_broadcasts_batches():
    # A (2, 1, 3, 3) and B (4, 3, 2) -> X (2, 4, 3, 2), float32 stays float32; each matrix A[i, 0] X[i, j] = B[j]
    rng = np.random.default_rng(1)
    A = (np.triu(rng.standard_normal((2, 1, 3, 3))) + 3 * np.eye(3)).astype(np.float32)
    B = rng.standard_normal((4, 3, 2)).astype(np.float32)
    X = nn.linalg.solve_triangular(nn.tensor(A), nn.tensor(B), upper=True)
    assert X.shape == (2, 4, 3, 2) and X.dtype == nn.float32
    np.testing.assert_allclose(np.triu(A) @ _f(X), np.broadcast_to(B, (2, 4, 3, 2)), rtol=0, atol=1e-5)
    assert nn.linalg.solve_triangular(nn.zeros(0, 0), nn.zeros(0, 3), upper=True).shape == (0, 3)
    # one triangle for a batch of right-hand sides (solved side by side): each the same as on its own
    X = nn.linalg.solve_triangular(nn.tensor(A[1, 0]), nn.tensor(B), upper=True)
    assert X.shape == (4, 3, 2)
    for j in range(4):
        np.testing.assert_array_equal(_f(X[j]), _f(nn.linalg.solve_triangular(nn.tensor(A[1, 0]), nn.tensor(B[j]),
                                                                              upper=True)))


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_solve_triangular_gradients_by_central_differences(upper, left, unitriangular):
    # float64: d/dA and d/dB of sum(W * X) by central differences, A (2, 1, 3, 3) broadcast against B (2, 3, 3)
    # (the engine sums the batch back); only A's triangle (off its diagonal with unitriangular) gets a gradient
    rng = np.random.default_rng(2)
    A0 = rng.standard_normal((2, 1, 3, 3)) + 4 * np.eye(3)
    B0 = rng.standard_normal((2, 3, 3))
    W = rng.standard_normal((2, 2, 3, 3))

    def value(a, b):
        X = nn.linalg.solve_triangular(nn.tensor(a), nn.tensor(b), upper=upper, left=left,
                                       unitriangular=unitriangular)
        return float((X * nn.tensor(W)).sum())

    A, B = nn.tensor(A0, requires_grad=True), nn.tensor(B0, requires_grad=True)
    X = nn.linalg.solve_triangular(A, B, upper=upper, left=left, unitriangular=unitriangular)
    (X * nn.tensor(W)).sum().backward()
    np.testing.assert_allclose(_f(A.grad), central_difference(lambda a: value(a, B0), A0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(_f(B.grad), central_difference(lambda b: value(A0, b), B0), rtol=1e-6, atol=1e-8)
    mask = np.triu(np.ones((3, 3)), 1 if unitriangular else 0)
    mask = mask if upper else mask.T
    assert np.all(_f(A.grad)[..., mask == 0] == 0)


def test_solve_triangular_gradient_can_be_differentiated_again():
    # create_graph: the recorded backward (gradgradcheck in float64 by central differences)
    rng = np.random.default_rng(3)
    A = nn.tensor(np.tril(rng.standard_normal((3, 3))) + 3 * np.eye(3), requires_grad=True)
    B = nn.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    f = lambda a, b: nn.linalg.solve_triangular(a, b, upper=False)
    assert nn.autograd.gradcheck(f, (A, B))
    assert nn.autograd.gradgradcheck(f, (A, B))


def test_solve_triangular_matches_torch():
    torch = pytest.importorskip("torch")
    L, b = _ill_conditioned_lower()
    theirs = torch.linalg.solve_triangular(torch.tensor(L), torch.tensor(b), upper=False).numpy()
    np.testing.assert_allclose(_f(nn.linalg.solve_triangular(nn.tensor(L), nn.tensor(b), upper=False)), theirs,
                               rtol=0, atol=2e-15 * np.abs(theirs).max())
    theirs = torch.linalg.solve_triangular(torch.tensor([[1.0, 0.0], [2.0, 0.0]]), torch.ones(2, 1), upper=False)
    np.testing.assert_array_equal(_f(nn.linalg.solve_triangular(nn.tensor([[1.0, 0.0], [2.0, 0.0]]), nn.ones(2, 1),
                                                                upper=False)), theirs.numpy())


# ---- nn's functions pickle by name ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["le", "lt", "ge", "gt", "eq", "ne", "greater_equal", "less", "logical_and",
                                  "bitwise_xor", "clamp", "index_select", "gather", "max", "min", "maximum", "pow",
                                  "sign", "trunc", "tril", "zeros_like", "rand_like", "lerp", "dot", "addcmul",
                                  "nan_to_num", "relu_"])
def test_top_level_functions_pickle_as_themselves(name):
    # PyTorch 2.13: pickle.loads(pickle.dumps(torch.le)) is torch.le (hummingbird's save() pickles its tree
    # modules, which hold decision_cond=torch.le); nn's raised "Can't pickle local object '_compare.<locals>.op'"
    # (a factory's function) or "it's not the same object as nn.tensor_ops.indexing.index_select" (a decorated one)
    import pickle
    fn = getattr(nn, name)
    assert pickle.loads(pickle.dumps(fn)) is fn


@pytest.mark.parametrize("name", ["elu_", "hardtanh_", "leaky_relu_", "threshold_"])
def test_functional_in_place_activations_pickle_as_themselves(name):
    # PyTorch 2.13: torch.nn.functional.elu_ pickles; nn's raised "Can't pickle local object
    # '_written_back.<locals>.in_place'"
    import pickle
    fn = getattr(nn.functional, name)
    assert pickle.loads(pickle.dumps(fn)) is fn


class _Tree(nn.Module):
    """hummingbird's tree_trav module in small: it keeps decision_cond = torch.le (its container is pickled on save)."""

    def __init__(self):
        super().__init__()
        self.decision_cond = nn.le
        self.threshold = nn.Parameter(nn.tensor([0.5]), requires_grad=False)

    def forward(self, x):
        return self.decision_cond(x, self.threshold)


def test_a_module_holding_a_comparison_pickles():
    import pickle
    copy = pickle.loads(pickle.dumps(_Tree()))
    assert copy.decision_cond is nn.le
    np.testing.assert_array_equal(_f(copy(nn.tensor([0.2, 0.5, 0.9]))), [True, True, False])


# ---- torch.jit.optimized_execution -------------------------------------------------------------------------------

def test_jit_optimized_execution_is_a_context_manager():
    # PyTorch 2.13: torch.jit.optimized_execution(should_optimize) is a contextlib context manager (hummingbird's
    # torch.jit backend calls it with the traced model and drops the result); nn.jit had no such name
    # (AttributeError: module 'nn.jit' has no attribute 'optimized_execution')
    with nn.jit.optimized_execution(False):
        value = nn.ones(2).sum()
    assert float(value) == 2.0
    manager = nn.jit.optimized_execution(nn.Linear(2, 2))
    assert hasattr(manager, "__enter__") and hasattr(manager, "__exit__")
