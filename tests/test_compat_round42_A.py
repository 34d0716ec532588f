"""geotorch 0.4.0 (constrained optimisation on manifolds by torch.nn.utils.parametrize; its wheel) ported file by
file by the porting rule (package geotorch -> geotorchp) and run against the original on PyTorch 2.13 in one process
(round 42, area A): every constraint (symmetric / skew with both triangles, sphere and its embedded form, orthogonal
with "expm", "cayley" and callables, grassmannian, almost_orthogonal with its three f, low_rank, fixed_rank,
invertible, sln, positive_definite, positive_semidefinite and its low-rank and fixed-rank forms, alpha_stable) on
square, wide and tall Linear weights, Conv2d kernels (batches of matrices) and biases, in float64 from the same
draws (torch's normal_ / uniform_ fed nn's generator stream) and PyTorch's weights: sample() and the registered
initialisation, forward, backward, SGD with momentum and Adam steps (with update_base), parametrize.cached(), eval,
assignment through right_inverse, state-dict round trips both ways, remove_parametrizations, and the package's
errors. Everything agrees to rounding (float64 3e-16 to 4e-15; alpha_stable's Adam steps 6e-9, ill-conditioned:
PyTorch against itself disturbed by an ulp moves 7e-5; float32 to 4e-6).

The failures of nn these tests pin down (the package is not imported here):

- The exponential trivialisation (SO / Stiefel forward, ``base @ torch.linalg.matrix_exp(skew)``) moved weights
  1e-11 off PyTorch's after one step: nn took SciPy's Pade approximation, exact to rounding, where PyTorch's
  matrix_exp evaluates Bader, Blanes and Casas's Taylor polynomials (degree 1 ... 18 by the 1-norm, scaling and
  squaring above) whose degree-8 form is 1e-12 off e^A, and runs the degree-18 form for every matrix of a stack of
  more than one (so a Conv2d kernel's matrices and a single matrix differ). nn now computes PyTorch's polynomials
  (its values to the bit for one matrix), quietly for overflowing or NaN matrices, and the gradient as PyTorch's
  linalg_matrix_exp_differential (the same exponential of the block matrix [[A^H, G], [0, A^H]]).
- alpha_stable on a Conv2d registers the buffer ``torch.eye(n).expand(*batch, n, n)``: loading the module's own
  state dict into it (a round trip in one process) is a copy of the expand into itself, which PyTorch's copy_ skips
  before its overlap check; nn refused it ("more than one element of the written-to tensor refers to a single
  memory location"). Loading another tensor into it stays refused, as PyTorch's.
- Pickling a parametrized module (torch.save(model)) is refused with PyTorch's whole message (nn left out its link),
  and nn.save lets what an object's reduction raises pass unchanged, as torch.save (it wrapped it in a TypeError).
"""
import io
import pickle
import threading
import warnings

import numpy as np
import pytest

import nn
from porting import raised

OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single memory "
           "location. Please clone() the tensor before performing the operation.")


def _rotation(t, dtype=nn.float64):
    """[[0, t], [-t, 0]]: its exponential is the rotation [[cos t, sin t], [-sin t, cos t]]."""
    return nn.tensor([[0.0, t], [-t, 0.0]], dtype=dtype)


def _hex(values):
    return [float.fromhex(v) for v in values]


# ---- matrix_exp: PyTorch's Taylor polynomials ------------------------------------------------------------------------

def test_matrix_exp_of_one_matrix_is_pytorchs_degree_8_polynomial():
    # geotorch's SO.forward: base @ matrix_exp(skew); a skew part of 1-norm 0.02 after a step lies in PyTorch's
    # degree-8 interval (3.4e-4, 0.0499], whose polynomial is 2.6e-12 off sin(0.02) (nn gave the exact rotation)
    E = nn.linalg.matrix_exp(_rotation(0.02))
    cos, sin = _hex(["0x1.ffe5c95658e58p-1", "0x1.47a87cd99e499p-6"])   # PyTorch 2.13's, to the bit
    assert E.dtype == nn.float64
    assert E.tolist() == [[cos, sin], [-sin, cos]]
    assert abs(sin - np.sin(0.02)) > 2e-12
    E32 = nn.linalg.matrix_exp(_rotation(0.02, nn.float32))
    assert E32.dtype == nn.float32
    np.testing.assert_array_equal(E32.numpy(), np.array([[0.9998000264167786, 0.019998665899038315],
                                                         [-0.019998665899038315, 0.9998000264167786]], np.float32))


def test_matrix_exp_of_a_stack_runs_degree_18_for_every_matrix():
    # a Conv2d kernel's (out, in, k, k) matrices: PyTorch 2.13 evaluates a stack of more than one matrix by the
    # degree-18 polynomial (with scaling and squaring), so the same matrix in a stack comes out exact here
    A = _rotation(0.02)
    stacked = nn.linalg.matrix_exp(nn.stack([A, A]))
    cos, sin = _hex(["0x1.ffe5c95658d97p-1", "0x1.47a87cda55868p-6"])
    np.testing.assert_allclose(stacked.numpy(), np.array([[[cos, sin], [-sin, cos]]] * 2), rtol=0, atol=4e-18)
    assert not np.allclose(stacked[0].numpy(), nn.linalg.matrix_exp(A).numpy(), rtol=0, atol=1e-13)
    # a stack of one is one matrix
    assert nn.linalg.matrix_exp(A[None]).tolist() == [nn.linalg.matrix_exp(A).tolist()]


def test_matrix_exp_overflow_and_nan_are_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nn.linalg.matrix_exp(nn.full((2, 2), 1000.0)).tolist() == [[np.inf, np.inf], [np.inf, np.inf]]
        assert np.isnan(nn.linalg.matrix_exp(nn.full((3, 2, 2), np.nan)).numpy()).all()
        assert np.isnan(nn.linalg.matrix_exp(nn.full((2, 2), np.inf)).numpy()).all()
    assert nn.linalg.matrix_exp(nn.zeros(0, 0)).shape == (0, 0)
    assert nn.linalg.matrix_exp(nn.tensor([[[2.0]]], dtype=nn.float64)).tolist() == [[[float(np.exp(2.0))]]]


def test_matrix_exp_against_pytorch_over_norms_shapes_and_dtypes():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for dtype, tol in [(np.float64, 1e-13), (np.float32, 2e-5), (np.complex128, 1e-12)]:
        for shape in [(), (3,)]:
            for scale in [1e-9, 1e-4, 0.005, 0.02, 0.1, 0.5, 3.0]:
                a = rng.standard_normal(shape + (3, 3)) * scale
                if dtype is np.complex128:
                    a = a + 1j * rng.standard_normal(shape + (3, 3)) * scale
                a = a.astype(dtype)
                g = rng.standard_normal(shape + (3, 3)).astype(dtype)
                theirs = torch.tensor(a, requires_grad=True)
                ours = nn.tensor(a, requires_grad=True)
                Et, En = torch.linalg.matrix_exp(theirs), nn.linalg.matrix_exp(ours)
                (Et * torch.tensor(g)).real.sum().backward()
                (En * nn.tensor(g)).real.sum().backward()
                np.testing.assert_allclose(En.detach().numpy(), Et.detach().numpy(), rtol=tol, atol=tol)
                np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=tol, atol=tol)


def test_geotorch_orthogonal_weight_after_steps_matches_pytorch():
    # geotorch's SO / Stiefel: X -> base @ matrix_exp(tril(X, -1) - tril(X, -1)^T), trained by gradient steps; one
    # matrix (its skew part of 1-norm 0.03, where nn was 1.8e-12 off) and a batch of them (a Conv2d kernel)
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for shape in [(4, 4), (2, 3, 3)]:
        base = np.linalg.qr(rng.standard_normal(shape))[0]
        x0, target = rng.standard_normal(shape) * 0.005, rng.standard_normal(shape)
        result = []
        for lib in (torch, nn):
            X = lib.tensor(x0.copy(), requires_grad=True)
            for _ in range(3):
                X.grad = None
                L = X.tril(-1)
                W = lib.tensor(base) @ lib.linalg.matrix_exp(L - L.transpose(-2, -1))
                ((W - lib.tensor(target)) ** 2).sum().backward()
                with lib.no_grad():
                    X -= 0.002 * X.grad
            result.append(W.detach().numpy())
        np.testing.assert_allclose(result[1], result[0], rtol=0, atol=1e-15)


# ---- copy_ of an expand into itself (load_state_dict of the module's own state) -------------------------------------

class _Hurwitz(nn.Module):
    """The buffer geotorch's Hurwitz registers for a batch of matrices (alpha_stable on a Conv2d kernel)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("In", nn.eye(3).expand(2, 3, 3))


def test_load_state_dict_of_a_modules_own_expanded_buffer():
    m = _Hurwitz()
    state = m.state_dict()
    assert m.load_state_dict(state) is not None
    assert m.In.stride() == (0, 3, 1) and m.In.tolist() == np.broadcast_to(np.eye(3), (2, 3, 3)).tolist()
    # another tensor into the expand: refused, as PyTorch's
    with pytest.raises(RuntimeError) as error:
        m.load_state_dict({"In": state["In"].clone()})
    assert ('While copying the parameter named "In", whose dimensions in the model are nn.Size([2, 3, 3]) and '
            'whose dimensions in the checkpoint are nn.Size([2, 3, 3]), an exception occurred : '
            f"({OVERLAP!r},).") in str(error.value)


def test_copy_of_an_expand_into_itself_is_a_no_op():
    x = nn.eye(3).expand(2, 3, 3)
    for i, source in enumerate([x, x.detach(), x[:], x.view(2, 3, 3), x.expand(2, 3, 3)], 1):
        assert x.copy_(source) is x and x._version == i
    assert x.tolist() == np.broadcast_to(np.eye(3), (2, 3, 3)).tolist()
    assert raised(lambda: x.copy_(x.clone())) == ("RuntimeError", OVERLAP)
    assert raised(lambda: x.copy_(x[:, :, ::-1])) == ("RuntimeError", OVERLAP)


# ---- parametrized modules refuse pickling in PyTorch's words --------------------------------------------------------

def test_pickling_a_parametrized_module_is_refused_in_pytorchs_words():
    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    layer = nn.Linear(3, 3)
    nn.utils.parametrize.register_parametrization(layer, "weight", Symmetric())
    refusal = ("RuntimeError", "Serialization of parametrized modules is only supported through state_dict(). See:\n"
                               "https://pytorch.org/tutorials/beginner/saving_loading_models.html"
                               "#saving-loading-a-general-checkpoint-for-inference-and-or-resuming-training")
    assert raised(lambda: pickle.dumps(layer)) == refusal
    # torch.save(model): what the object's reduction raises, unchanged (nn.save wrapped it in a TypeError of its own)
    assert raised(lambda: nn.save(layer, io.BytesIO())) == refusal
    assert raised(lambda: nn.save({"lock": threading.Lock()}, io.BytesIO())) == (
        "TypeError", "cannot pickle '_thread.lock' object")
