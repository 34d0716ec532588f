"""Physics-informed neural-network solvers from the package registry: neurodiffeq 0.7.0 and nangs 2021.12.6, installed
from their sdists without dependencies into a private folder (dill, tqdm and ordered-set beside them; pandas and seaborn
name-only stubs on both sides; matplotlib Agg), copied and ported file by file by the porting rule (neurodiffeq: 21
files, 19 changed, renamed ``neurodiffeqp``; nangs: 16 files, 15 changed, renamed ``nangsp``) and run against the
originals on PyTorch 2.13 in one process, in float64 and float32, PyTorch's weights (perturbed: no weight 0 or 1) loaded
into nn's by state_dict, every draw (``rand``, ``normal``, ``randint``, ``randperm`` of the generators and samplers)
handed over from one NumPy stream per side. neurodiffeq: ``diff`` / ``safe_diff`` / ``unsafe_diff`` to order 3 and the
parameter gradients through them; FCNN, Resnet, MonomialNN, SinActv, Swish and APTx (trainable or not); every condition
(NoCondition, IVP Dirichlet / Neumann / callable, DirichletBVP, DirichletBVP2D, IBVP1D and DoubleEndedBVP1D in their
four Dirichlet / Neumann combinations, BundleIVP, BundleDirichletBVP, the spherical ones and their harmonic-basis forms,
EnsembleCondition, ``set_impose_on``) with gradients to the coordinates and weights; every generator (1-D in its eight
methods, 2-D, 3-D, N-D, spherical, concat / ensemble / mesh, static, predefined, transform, filter, resample, batch,
sampler); the Cartesian, spherical and cylindrical operators; Legendre, zonal and real spherical harmonics, Fourier
series and their Laplacians; the five losses; Solver1D for 4 epochs with Adam, SGD with momentum, LBFGS (closure),
RMSprop and AdamW, the losses by name, ``MSELoss`` and the default, two batches, metrics, and the callbacks (Report,
Eve, SetLossFn, conditioned and combined with &, |, ~, PeriodLocal, ClosedIntervalGlobal, RepeatedMetricDown / Below,
Stop); Solver2D (Laplace, heat with an IBVP1D), SolverSpherical (with and without a harmonics enforcer), BundleSolver1D;
a Solver1D subclass with ``additional_loss`` and gradient clipping in ``_do_optimizer_step``; MetricsMonitor through
MonitorCallback (figures saved); the Hypersolver with Euler; solutions, residuals and internals; ``solver.save`` /
``Solver1D.load`` by dill and training on (with Adam, NAdam, RAdam, SGD, AdamW: PyTorch's Adam does not pickle by dill
0.4.1 here, so nn's loaded solver is compared with PyTorch's unsaved one). nangs: a 2-D advection PDE with Dirichlet,
Neumann and Periodic boundary conditions, RandomSampler, MLP, Adam with OneCycleLR and SGD with L1Loss, ``eval``, Mesh's
DataLoader. Largest differences in float64 (relative to scale): outputs and derivatives 9e-15 (operators), gradients
9e-15, weights and loss histories after the training runs 1e-15 (nangs 1e-14); float32 as shipped 1e-6 (LBFGS's line
search over 12 iterations 2e-4: float32 rounding it amplifies, 4e-16 in float64). neurodiffeq's own test suite, ported,
passes on nn but where it fails on PyTorch too (9 tests: ``scipy.special.sph_harm`` gone, NumPy 2's ``float`` of a
1-element array, Matplotlib's ``set_subplotspec``, warnings its legacy paths no longer give).

What the packages met of nn (each fixed; the packages are not imported here):

- neurodiffeq's default training points are ``torch.normal(mean=grid, std=s)`` around a ``linspace(...,
  requires_grad=True)`` grid, and its equations differentiate by ``autograd.grad(u, t)`` with respect to those
  points: PyTorch's ``normal`` is differentiable in a tensor mean or std (a zero gradient), so the draw requires
  grad; nn's draw did not, and every Solver1D / Solver2D on default generators raised "One of the differentiated
  Tensors does not require grad".
- neurodiffeq tells an optimizer whose step needs a closure (LBFGS) from one where it is optional by
  ``inspect.signature(optimizer.step)``: PyTorch's are ``(self, closure=None)`` (LBFGS's ``(self, closure)``);
  nn's read ``(self)``, the signature of the step they wrap, though they take PyTorch's closure.
"""
import inspect

import numpy as np
import pytest

import nn


# ---- normal of a tensor mean or std that requires grad -------------------------------------------------------------

def test_normal_of_a_mean_that_requires_grad_requires_grad():
    grid = nn.linspace(0.0, 2.0, 8, requires_grad=True)
    points = nn.normal(mean=grid, std=0.0625)           # neurodiffeq's Generator1D('equally-spaced-noisy')
    assert points.requires_grad and points.grad_fn is not None
    t = points.reshape(-1, 1)
    u = 1.0 + (1 - nn.exp(-t)) * nn.sin(3 * t)
    du, = nn.autograd.grad(u, t, grad_outputs=nn.ones_like(u), create_graph=True)   # neurodiffeq's diff
    np.testing.assert_allclose(du.detach().numpy(), (nn.exp(-t) * nn.sin(3 * t)
                                                     + (1 - nn.exp(-t)) * 3 * nn.cos(3 * t)).detach().numpy(),
                               rtol=1e-6)
    (du ** 2).mean().backward()
    np.testing.assert_array_equal(np.asarray(grid.grad), np.zeros(8, np.float32))   # PyTorch's zero gradient
    for with_mean, with_std in [(True, False), (False, True), (True, True)]:
        mean = nn.zeros(3, requires_grad=True)
        std = nn.full((3,), 0.5, requires_grad=True)
        y = nn.normal(mean if with_mean else 0.0, std if with_std else 0.5)
        assert y.requires_grad
        (2 * y).sum().backward()
        assert (mean.grad is not None, std.grad is not None) == (with_mean, with_std)
        for leaf in [mean] * with_mean + [std] * with_std:
            np.testing.assert_array_equal(np.asarray(leaf.grad), np.zeros(3, np.float32))
    assert not nn.normal(grid.detach(), 0.1).requires_grad
    with nn.no_grad():
        assert not nn.normal(grid, 0.1).requires_grad


def test_normal_requires_grad_against_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        mean = lib.linspace(0.0, 1.0, 4, requires_grad=True)
        std = lib.full((4,), 0.25, requires_grad=True)
        flags = []
        for args in [(mean, 0.1), (0.0, std), (mean, std), (mean.detach(), 0.1), (mean.detach(), std.detach())]:
            y = lib.normal(*args)
            flags.append(y.requires_grad)
            if y.requires_grad:
                (3 * y).sum().backward()
                flags.append([None if leaf.grad is None else np.asarray(leaf.grad).tolist() for leaf in (mean, std)])
                mean.grad = std.grad = None
        if lib is torch:
            want = flags
        else:
            assert flags == want


# ---- optimizers' step(self, closure=None) --------------------------------------------------------------------------

def _requires_closure(optimizer):
    """neurodiffeq.solvers._requires_closure"""
    closure_param = inspect.signature(optimizer.step).parameters.get('closure')
    return bool(closure_param and closure_param.default == inspect._empty)


def test_optimizer_step_signature_is_pytorchs():
    params = [nn.Parameter(nn.ones(3))]
    for cls in (nn.optim.SGD, nn.optim.Adam, nn.optim.AdamW, nn.optim.RMSprop, nn.optim.Adagrad, nn.optim.Adadelta,
                nn.optim.Adamax, nn.optim.NAdam, nn.optim.RAdam, nn.optim.ASGD, nn.optim.Rprop):
        assert str(inspect.signature(cls.step)) == "(self, closure=None)", cls
        optimizer = cls(params, lr=0.1)
        assert str(inspect.signature(optimizer.step)) == "(closure=None)"
        assert not _requires_closure(optimizer)
    assert str(inspect.signature(nn.optim.LBFGS.step)) == "(self, closure)"
    assert _requires_closure(nn.optim.LBFGS(params))

    class Sub(nn.optim.Adam):                               # a subclass's own step keeps its own signature
        def step(self, closure=None, scale=1.0):
            return super().step(closure)
    assert str(inspect.signature(Sub.step)) == "(self, closure=None, scale=1.0)"


def test_optimizer_step_signatures_against_pytorch():
    torch = pytest.importorskip("torch")
    for name in dir(torch.optim):
        theirs = getattr(torch.optim, name)
        if (isinstance(theirs, type) and issubclass(theirs, torch.optim.Optimizer)
                and theirs is not torch.optim.Optimizer):
            assert str(inspect.signature(getattr(nn.optim, name).step)) == str(inspect.signature(theirs.step)), name
