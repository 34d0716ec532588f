"""Survival analysis, Fisher geometry and SWA from the package registry: torchsurv 0.2.0 (with torchmetrics 1.9.0
and lightning-utilities 0.15.3), nngeometry 0.4 and torchcontrib 0.0.2 (installed with --no-deps), ported by the
porting rule (torchsurvp, torchmetricsp, nngeometryp, torchcontribp) and run against the originals on PyTorch 2.13
in float64 with PyTorch's weights: the Cox / Weibull / survival losses, ConcordanceIndex, Auc, BrierScore,
Kaplan-Meier and IPCW; nngeometry's FIM / FIM_MonteCarlo / Jacobian / GramMatrix / Hessian with every PMat
representation; torchcontrib's SWA wrapper, swap_swa_sgd, bn_update and FiLM.

The failures these tests pin down, in a few lines (the packages are not imported here):

- ``torch.linalg.ldl_factor`` / ``ldl_factor_ex`` / ``ldl_solve`` were missing: nngeometry's ``PMatDense.solve``
  (and its solve of a Jacobian, ``PFMap``) factors ``F + regul * I`` with ``ldl_factor`` and caches the factors
  for ``ldl_solve``. They are LAPACK's Bunch-Kaufman sytrf / sytrs (hetrf / hetrs for a complex Hermitian
  matrix) as PyTorch's: LD with L below the diagonal and D's 1 x 1 / 2 x 2 blocks, 1-based int32 pivots
  (negative for a 2 x 2 block), info for an exactly singular D, batches broadcast, PyTorch's errors and words,
  and no derivative (PyTorch has none: "derivative for aten::linalg_ldl_factor_ex is not implemented").
- ``Optimizer.load_state_dict`` raised ValueError ("state for parameter ..., which no parameter group of the
  state_dict holds") for an integer state key that is no parameter's index; PyTorch keeps such an entry as it
  is. torchcontrib's ``SWA.state_dict`` keys its averaging buffers by ``id(param)`` and its ``load_state_dict``
  hands them to ``Optimizer.load_state_dict``, so resuming an SWA run raised on nn and went through on PyTorch.
"""
import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- linalg.ldl_factor / ldl_factor_ex / ldl_solve ------------------------------------------------------------------

def test_ldl_factor_with_one_by_one_pivots():
    # PyTorch 2.13: A = [[4, 2, 0], [2, 0, 1], [0, 1, 3]] (float64) -> LD = [[4, 0, 0], [.5, -1, 0], [0, -1, 4]],
    # pivots = [1, 2, 3] (int32): A = L D L^T with L = [[1, 0, 0], [.5, 1, 0], [0, -1, 1]], D = diag(4, -1, 4)
    A = nn.tensor([[4.0, 2.0, 0.0], [2.0, 0.0, 1.0], [0.0, 1.0, 3.0]], dtype=nn.float64)
    LD, pivots = nn.linalg.ldl_factor(A)
    np.testing.assert_allclose(_f(LD), [[4.0, 0.0, 0.0], [0.5, -1.0, 0.0], [0.0, -1.0, 4.0]], atol=1e-15)
    assert pivots.dtype == nn.int32 and _f(pivots).tolist() == [1, 2, 3]
    X = nn.linalg.ldl_solve(LD, pivots, nn.tensor([[1.0], [2.0], [3.0]], dtype=nn.float64))
    # PyTorch 2.13: [[0.4375], [-0.375], [1.125]]
    np.testing.assert_allclose(_f(X), [[0.4375], [-0.375], [1.125]], atol=1e-15)


def test_ldl_factor_with_an_interchange_and_a_two_by_two_block():
    # PyTorch 2.13: A = [[1, 3, 0], [3, 2, 1], [0, 1, 4]] -> LD = [[2, 0, 0], [1.5, -3.5, 0], [.5, 3/7, 29/7]],
    # pivots = [2, 2, 3] (rows 1 and 2 swapped first); [[0, 1], [1, 0]] is one 2 x 2 block: LD = [[0, 0], [1, 0]],
    # pivots = [-2, -2]
    A = nn.tensor([[1.0, 3.0, 0.0], [3.0, 2.0, 1.0], [0.0, 1.0, 4.0]], dtype=nn.float64)
    LD, pivots = nn.linalg.ldl_factor(A)
    np.testing.assert_allclose(_f(LD), [[2.0, 0.0, 0.0], [1.5, -3.5, 0.0], [0.5, 3 / 7, 29 / 7]], rtol=1e-14)
    assert _f(pivots).tolist() == [2, 2, 3]
    LD, pivots = nn.linalg.ldl_factor(nn.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=nn.float64))
    np.testing.assert_array_equal(_f(LD), [[0.0, 0.0], [1.0, 0.0]])
    assert _f(pivots).tolist() == [-2, -2]
    b = nn.tensor([[3.0], [5.0]], dtype=nn.float64)
    np.testing.assert_allclose(_f(nn.linalg.ldl_solve(LD, pivots, b)), [[5.0], [3.0]], atol=1e-15)


def test_ldl_solve_matches_solve_and_broadcasts_batches():
    # the lower triangle is read (as PyTorch: sytrf with uplo='L'); batches of LD and of B broadcast
    g = np.random.default_rng(0)
    S = g.normal(size=(2, 4, 4))
    S = S + np.swapaxes(S, -1, -2)
    B = g.normal(size=(3, 1, 4, 2))
    LD, pivots = nn.linalg.ldl_factor(nn.tensor(np.tril(S) + 5 * np.triu(g.normal(size=(4, 4)), 1)))
    assert tuple(LD.shape) == (2, 4, 4) and tuple(pivots.shape) == (2, 4)
    X = nn.linalg.ldl_solve(LD, pivots, nn.tensor(B))
    assert tuple(X.shape) == (3, 2, 4, 2)
    np.testing.assert_allclose(_f(X), np.linalg.solve(S, B), rtol=1e-10, atol=1e-12)
    X64 = nn.linalg.ldl_solve(LD, pivots.long(), nn.tensor(B))            # int64 pivots go too, as PyTorch's
    np.testing.assert_array_equal(_f(X64), _f(X))
    assert tuple(nn.linalg.ldl_solve(LD, pivots, nn.zeros(2, 4, 0, dtype=nn.float64)).shape) == (2, 4, 0)
    # an empty matrix factors to empty results, as PyTorch's
    LD0, p0 = nn.linalg.ldl_factor(nn.ones(2, 0, 0))
    assert tuple(LD0.shape) == (2, 0, 0) and tuple(p0.shape) == (2, 0) and p0.dtype == nn.int32


def test_ldl_of_complex_symmetric_and_hermitian_matrices():
    # hermitian=False: A = P L D L^T P^T of a complex symmetric A; hermitian=True: L D L^H of a Hermitian one
    g = np.random.default_rng(1)
    C = g.normal(size=(3, 3)) + 1j * g.normal(size=(3, 3))
    b = g.normal(size=(3, 2)) + 0j
    for A, herm in ((C + C.T, False), (C + C.conj().T, True)):
        LD, pivots = nn.linalg.ldl_factor(nn.tensor(A), hermitian=herm)
        assert LD.dtype == nn.complex128
        X = nn.linalg.ldl_solve(LD, pivots, nn.tensor(b), hermitian=herm)
        np.testing.assert_allclose(_f(X), np.linalg.solve(A, b), rtol=1e-12, atol=1e-13)


def test_ldl_factor_ex_reports_an_exactly_singular_d():
    # PyTorch 2.13: ldl_factor_ex(zeros(3, 3)) -> LD = 0, pivots = [1, 2, 3], info = 1; ldl_factor and
    # check_errors=True reach an internal assert: "... torch.linalg.ldl_factor: Unknown error code: 1."
    LD, pivots, info = nn.linalg.ldl_factor_ex(nn.zeros(3, 3, dtype=nn.float64))
    np.testing.assert_array_equal(_f(LD), np.zeros((3, 3)))
    assert _f(pivots).tolist() == [1, 2, 3] and info.dtype == nn.int32 and int(info) == 1
    _, _, info = nn.linalg.ldl_factor_ex(nn.eye(3, dtype=nn.float64))
    assert int(info) == 0
    with pytest.raises(RuntimeError, match=r"torch\.linalg\.ldl_factor: Unknown error code: 1\.$"):
        nn.linalg.ldl_factor(nn.zeros(2, 3, 3, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"torch\.linalg\.ldl_factor_ex: Unknown error code: 1\.$"):
        nn.linalg.ldl_factor_ex(nn.zeros(3, 3, dtype=nn.float64), check_errors=True)


def test_ldl_errors_in_pytorch_words():
    with pytest.raises(RuntimeError, match=r"^torch\.linalg\.ldl_factor_ex: A must be batches of square matrices, "
                                           r"but they are 2 by 3 matrices$"):
        nn.linalg.ldl_factor(nn.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"^torch\.linalg\.ldl_factor_ex: The input tensor A must have at least "
                                           r"2 dimensions\.$"):
        nn.linalg.ldl_factor(nn.ones(3))
    with pytest.raises(RuntimeError, match=r"^torch\.linalg\.ldl_factor_ex: Expected a floating point or complex "
                                           r"tensor as input\. Got Long$"):
        nn.linalg.ldl_factor(nn.ones(3, 3, dtype=nn.long))
    LD, pivots = nn.linalg.ldl_factor(nn.eye(3, dtype=nn.float64) * 2)
    b = nn.ones(3, 2, dtype=nn.float64)
    cases = [
        (lambda: nn.linalg.ldl_solve(LD, pivots, nn.ones(4, 2, dtype=nn.float64)), RuntimeError,
         "Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix is 3 by 3 but each b matrix is 4 by 2"),
        (lambda: nn.linalg.ldl_solve(LD, pivots, nn.ones(3, 2)), RuntimeError,
         "Expected b and A to have the same dtype, but found b of type Float and A of type Double instead."),
        (lambda: nn.linalg.ldl_solve(LD, pivots.double(), b), RuntimeError,
         "torch.linalg.ldl_solve: Expected pivots to be integers. Got Double"),
        (lambda: nn.linalg.ldl_solve(LD, pivots[:2], b), RuntimeError,
         "torch.linalg.ldl_solve: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots with "
         "shape [2] instead"),
        (lambda: nn.linalg.ldl_solve(LD[0], pivots, b), RuntimeError,
         "torch.linalg.ldl_solve: The input tensor A must have at least 2 dimensions."),
        (lambda: nn.linalg.ldl_solve(LD, pivots, nn.ones(3, dtype=nn.float64)), IndexError,
         "Dimension out of range (expected to be in range of [-1, 0], but got -2)"),
        (lambda: nn.linalg.ldl_solve(LD.expand(2, 3, 3), pivots.expand(2, 3), nn.ones(3, 3, 1, dtype=nn.float64)),
         RuntimeError, "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0"),
    ]
    for call, kind, words in cases:
        with pytest.raises(kind) as info:
            call()
        assert str(info.value) == words


def test_ldl_has_no_derivative_as_in_pytorch():
    # PyTorch 2.13: LD requires grad when A does (pivots do not), and backward raises
    # "derivative for aten::linalg_ldl_factor_ex is not implemented"; ldl_solve likewise for linalg_ldl_solve
    A = nn.tensor([[4.0, 1.0], [1.0, 3.0]], dtype=nn.float64, requires_grad=True)
    LD, pivots = nn.linalg.ldl_factor(A)
    assert LD.requires_grad and not pivots.requires_grad
    with pytest.raises(RuntimeError, match="^derivative for aten::linalg_ldl_factor_ex is not implemented$"):
        LD.sum().backward()
    X = nn.linalg.ldl_solve(LD.detach(), pivots, A)
    assert X.requires_grad
    with pytest.raises(RuntimeError, match="^derivative for aten::linalg_ldl_solve is not implemented$"):
        X.sum().backward()


def test_nngeometry_dense_solve_through_ldl():
    # PMatDense._solve_cached: (LD, pivots) of F + regul I, then ldl_solve(LD, pivots, b.t()).t() for a batch of
    # right-hand sides as rows (a PVector, or a Jacobian's rows); equal to solving F + regul I
    g = np.random.default_rng(2)
    J = g.normal(size=(5, 7))
    F = nn.tensor(J.T @ J / 5)                       # a rank-5 Fisher matrix of 7 parameters
    regul = 1e-3
    LD, pivots = nn.linalg.ldl_factor(F + regul * nn.eye(7, dtype=nn.float64))
    rhs = nn.tensor(g.normal(size=(3, 7)))
    X = nn.linalg.ldl_solve(LD, pivots, rhs.t()).t()
    np.testing.assert_allclose(_f(X), np.linalg.solve(_f(F) + regul * np.eye(7), _f(rhs).T).T, rtol=1e-9)


def test_ldl_against_pytorch():
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(3)
    for n in (1, 2, 5, 8):
        for _ in range(4):
            S = g.normal(size=(n, n))
            S = S + S.T
            S[g.random((n, n)) < 0.3] = 0.0            # zeros on the diagonal bring 2 x 2 blocks and interchanges
            S = np.tril(S) + np.tril(S, -1).T
            LDt, pt, it = torch.linalg.ldl_factor_ex(torch.tensor(S))
            LDn, pn, info = nn.linalg.ldl_factor_ex(nn.tensor(S))
            np.testing.assert_array_equal(_f(pn), pt.numpy())
            assert int(info) == int(it)
            np.testing.assert_allclose(_f(LDn), LDt.numpy(), rtol=1e-12, atol=1e-12)
            if int(it) == 0:
                b = g.normal(size=(n, 2))
                np.testing.assert_allclose(_f(nn.linalg.ldl_solve(LDn, pn, nn.tensor(b))),
                                           torch.linalg.ldl_solve(LDt, pt, torch.tensor(b)).numpy(),
                                           rtol=1e-9, atol=1e-12)


# ---- Optimizer.load_state_dict: integer keys that are no parameter's index ----------------------------------------

def test_load_state_dict_keeps_an_integer_key_no_group_holds():
    # PyTorch 2.13: sd = SGD(...).state_dict(); sd['state'][12345] = {'x': ...}; sd['state']['k'] = 3;
    # a new SGD's load_state_dict(sd) -> state keys [param, 12345, 'k'], state[12345] the entry as it was
    p = nn.Parameter(nn.ones(2))
    opt = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(2)
    opt.step()
    sd = opt.state_dict()
    sd["state"][12345] = {"x": nn.ones(1)}
    sd["state"]["k"] = 3
    opt2 = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    opt2.load_state_dict(sd)
    assert 12345 in opt2.state and "k" in opt2.state
    np.testing.assert_array_equal(_f(opt2.state[12345]["x"]), [1.0])
    np.testing.assert_allclose(_f(opt2.state[p]["momentum_buffer"]), [1.0, 1.0])


def test_a_swa_style_wrapper_resumes():
    # torchcontrib's SWA: an Optimizer subclass that never calls Optimizer.__init__, shares its base optimizer's
    # param_groups, keeps its buffers in its own state keyed by id(param) in its state_dict, and loads them with
    # super().load_state_dict({"state": {id: ...}, "param_groups": ...}); PyTorch keeps those id keys as they are
    from collections import defaultdict

    class Averaged(nn.optim.Optimizer):
        def __init__(self, optimizer):
            self.optimizer = optimizer
            self.param_groups = optimizer.param_groups
            self.state = defaultdict(dict)

        def update(self):
            for group in self.param_groups:
                for p in group["params"]:
                    self.state[p]["swa_buffer"] = p.detach().clone()

        def state_dict(self):
            return {"swa_state": {id(k): v for k, v in self.state.items()},
                    "param_groups": self.optimizer.state_dict()["param_groups"]}

        def load_state_dict(self, state_dict):
            super().load_state_dict({"state": state_dict["swa_state"], "param_groups": state_dict["param_groups"]})

    w = nn.Parameter(nn.tensor([1.0, 2.0]))
    opt = Averaged(nn.optim.SGD([w], lr=0.1))
    opt.update()
    saved = opt.state_dict()
    opt2 = Averaged(nn.optim.SGD([w], lr=0.1))
    opt2.load_state_dict(saved)                  # nn raised "state for parameter <id>, which no parameter group ..."
    (key,) = saved["swa_state"]
    assert key in opt2.state
    np.testing.assert_array_equal(_f(opt2.state[key]["swa_buffer"]), [1.0, 2.0])
