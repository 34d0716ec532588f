"""Loss functions and modules: float64 gradchecks, argument errors, and PyTorch cross-checks
(float64, skipped without torch) for every option PyTorch documents."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn import Tensor
from nn.gradcheck import gradcheck


def t64(*shape, seed=0, requires_grad=True, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed)
    return nn.tensor(rng.uniform(low, high, size=shape), requires_grad=requires_grad)


def probs(*shape, seed=0, requires_grad=False):
    """A probability distribution along dim 1."""
    e = np.exp(np.random.default_rng(seed).normal(size=shape))
    return nn.tensor(e / e.sum(axis=1, keepdims=True), requires_grad=requires_grad)


def labels(shape, C, seed=0, ignore=None):
    t = np.random.default_rng(seed).integers(0, C, size=shape)
    if ignore is not None:
        t.flat[::3] = ignore
    return t


SHAPES = [(4, 3), (2, 4, 3, 2)]
REDUCTIONS = ["mean", "sum", "none"]


# ---------------------------------------------------------------------------- gradchecks

@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,smoothing,ignore", [(False, 0.0, None), (True, 0.0, 1),
                                                        (False, 0.2, -100), (True, 0.3, 2)])
def test_cross_entropy_indices_gradcheck(shape, reduction, weighted, smoothing, ignore):
    x = t64(*shape, seed=1, low=-2, high=2)
    t = labels((shape[0],) + shape[2:], shape[1], seed=2, ignore=ignore)
    w = np.random.default_rng(3).uniform(0.5, 2, shape[1]) if weighted else None
    ii = -100 if ignore is None else ignore
    assert gradcheck(lambda x: F.cross_entropy(x, t, w, ignore_index=ii, reduction=reduction,
                                               label_smoothing=smoothing), (x,))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,smoothing", [(False, 0.0), (True, 0.0), (True, 0.25)])
def test_cross_entropy_probabilities_gradcheck(shape, reduction, weighted, smoothing):
    x, y = t64(*shape, seed=4, low=-2, high=2), probs(*shape, seed=5, requires_grad=True)
    w = np.random.default_rng(6).uniform(0.5, 2, shape[1]) if weighted else None
    assert gradcheck(lambda x, y: F.cross_entropy(x, y, w, reduction=reduction,
                                                  label_smoothing=smoothing), (x, y))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_gradcheck(shape, reduction, weighted):
    x = t64(*shape, seed=7)
    t = labels((shape[0],) + shape[2:], shape[1], seed=8, ignore=-1)
    w = np.random.default_rng(9).uniform(0.5, 2, shape[1]) if weighted else None
    assert gradcheck(lambda x: F.nll_loss(x, t, w, ignore_index=-1, reduction=reduction), (x,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_gradcheck(reduction, weighted):
    x, y = t64(3, 4, seed=10, low=0.05, high=0.95), t64(3, 4, seed=11, low=0, high=1)
    w = np.random.default_rng(12).uniform(0.5, 2, (1, 4)) if weighted else None
    assert gradcheck(lambda x, y: F.binary_cross_entropy(x, y, w, reduction=reduction), (x, y))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,pos_weighted", [(False, False), (True, False), (False, True), (True, True)])
def test_bce_with_logits_gradcheck(reduction, weighted, pos_weighted):
    x, y = t64(3, 4, seed=13, low=-3, high=3), t64(3, 4, seed=14, low=0, high=1)
    rng = np.random.default_rng(15)
    w = rng.uniform(0.5, 2, (3, 1)) if weighted else None
    pw = rng.uniform(0.5, 3, 4) if pos_weighted else None
    assert gradcheck(lambda x, y: F.binary_cross_entropy_with_logits(x, y, w, reduction=reduction,
                                                                     pos_weight=pw), (x, y))


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradcheck(reduction, log_target):
    x = nn.tensor(np.log(probs(3, 4, seed=16).data), requires_grad=True)
    y = probs(3, 4, seed=17)
    y = nn.tensor(np.log(y.data) if log_target else y.data, requires_grad=True)
    assert gradcheck(lambda x, y: F.kl_div(x, y, reduction=reduction, log_target=log_target), (x, y))


def test_cross_entropy_probability_target_equals_onehot_index_target():
    x = t64(5, 4, seed=18, requires_grad=False)
    t = labels((5,), 4, seed=19)
    onehot = np.eye(4)[t]
    for eps in (0.0, 0.1):
        a = F.cross_entropy(x, t, label_smoothing=eps).item()
        b = F.cross_entropy(x, onehot, label_smoothing=eps).item()
        assert a == pytest.approx(b, rel=1e-12)


def test_int_tensor_targets_are_accepted_when_tensor_holds_ints():
    x = t64(4, 3, seed=20, requires_grad=False)
    t = labels((4,), 3, seed=21)
    tt = nn.tensor(t)
    assert F.cross_entropy(x, tt).item() == F.cross_entropy(x, t).item()


# ---------------------------------------------------------------------------- errors

def test_bad_arguments_give_one_line_errors():
    x = t64(2, 3)
    with pytest.raises(RuntimeError, match="^expected target dtype to be Long or Byte, but got Double$"):
        F.cross_entropy(x, np.array([0.0, 1.0]))                                        # PyTorch's words
    with pytest.raises(IndexError, match=r"^Target 3 is out of bounds\.$"):
        F.cross_entropy(x, np.array([0, 3]))
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        F.cross_entropy(x, np.array([0, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.nll_loss(x, np.array([0, 1]), weight=np.ones(2))
    with pytest.raises(ValueError, match="^average is not a valid value for reduction$"):     # PyTorch's words
        F.kl_div(x, x, reduction="average")
    with pytest.raises(RuntimeError, match="^all elements of input should be between 0 and 1$"):     # PyTorch's
        F.binary_cross_entropy(nn.tensor(np.array([1.5])), nn.tensor(np.array([1.0])))


# ---------------------------------------------------------------------------- PyTorch cross-checks

def _compare(ours_fn, torch_fn, arrays, grad_mask, torch, tol=1e-10):
    ours = [nn.tensor(a.copy(), requires_grad=m) if a.dtype.kind == "f" else a for a, m in zip(arrays, grad_mask)]
    theirs = [torch.tensor(a.copy(), requires_grad=m) if a.dtype.kind == "f" else torch.from_numpy(a)
              for a, m in zip(arrays, grad_mask)]
    y, yt = ours_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(99).standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    for o, t, m in zip(ours, theirs, grad_mask):
        if m:
            np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,smoothing,ignore", [(False, 0.0, None), (True, 0.1, 1), (False, 0.3, 0)])
def test_cross_entropy_indices_vs_torch(shape, reduction, weighted, smoothing, ignore):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(30).normal(size=shape)
    t = labels((shape[0],) + shape[2:], shape[1], seed=31, ignore=ignore)
    w = np.random.default_rng(32).uniform(0.5, 2, shape[1]) if weighted else None
    ii = -100 if ignore is None else ignore
    _compare(lambda x: nn.CrossEntropyLoss(w, ignore_index=ii, reduction=reduction, label_smoothing=smoothing)(x, t),
             lambda x: torch.nn.CrossEntropyLoss(None if w is None else torch.tensor(w), ignore_index=ii,
                                                 reduction=reduction, label_smoothing=smoothing)(x, torch.from_numpy(t)),
             [x], [True], torch)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,smoothing", [(False, 0.0), (True, 0.2)])
def test_cross_entropy_probabilities_vs_torch(shape, reduction, weighted, smoothing):
    torch = pytest.importorskip("torch")
    x, y = np.random.default_rng(33).normal(size=shape), probs(*shape, seed=34).data
    w = np.random.default_rng(35).uniform(0.5, 2, shape[1]) if weighted else None
    _compare(lambda x, y: F.cross_entropy(x, y, w, reduction=reduction, label_smoothing=smoothing),
             lambda x, y: torch.nn.functional.cross_entropy(x, y, None if w is None else torch.tensor(w),
                                                            reduction=reduction, label_smoothing=smoothing),
             [x, y], [True, True], torch)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities_float32_strided_vs_torch(reduction):
    # the input gradient's kernel in its real use: float32, a target that is a strided view, N = 0 too
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(39)
    for shape in [(3, 5, 4, 6), (0, 5, 2, 2)]:
        x = rng.normal(size=shape).astype(np.float32)
        y = rng.dirichlet(np.ones(shape[1]), size=(shape[0],) + shape[2:]).astype(np.float32)
        y = np.moveaxis(y, -1, 1)                                          # (N, C, ...), not contiguous
        xo = nn.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        with np.errstate(divide="ignore", invalid="ignore"):              # N = 0, 'mean': 0 / 0, NaN as PyTorch
            lo = F.cross_entropy(xo, y, reduction=reduction, label_smoothing=0.1)
        lt = torch.nn.functional.cross_entropy(xt, torch.from_numpy(np.ascontiguousarray(y)), reduction=reduction,
                                               label_smoothing=0.1)
        g = rng.normal(size=lt.shape).astype(np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):
            lo.backward(nn.tensor(g))
        lt.backward(torch.from_numpy(g))
        assert xo.grad.dtype == np.float32
        np.testing.assert_allclose(lo.data, lt.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(xo.grad, xt.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_cross_entropy_label_smoothing_as_a_numpy_float():
    # np.float64(eps) must not promote a float32 target (the gradient kernel takes one dtype)
    rng = np.random.default_rng(40)
    x, y = rng.normal(size=(2, 3, 4)).astype(np.float32), rng.random((2, 3, 4)).astype(np.float32)
    grads = []
    for eps in (0.1, np.float64(0.1), np.float32(0.1)):
        xo = nn.tensor(x, requires_grad=True)
        F.cross_entropy(xo, y, label_smoothing=eps).backward()
        grads.append(xo.grad)
    assert all(g.dtype == np.float32 for g in grads)
    np.testing.assert_allclose(grads[1], grads[0], rtol=0, atol=0)
    np.testing.assert_allclose(grads[2], grads[0], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_vs_torch(reduction):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(36).normal(size=(3, 4, 2))
    t = labels((3, 2), 4, seed=37, ignore=2)
    w = np.random.default_rng(38).uniform(0.5, 2, 4)
    _compare(lambda x: nn.NLLLoss(w, ignore_index=2, reduction=reduction)(x, t),
             lambda x: torch.nn.NLLLoss(torch.tensor(w), ignore_index=2, reduction=reduction)(x, torch.from_numpy(t)),
             [x], [True], torch)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_losses_vs_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(39)
    p, y, z = rng.uniform(0.02, 0.98, (3, 4)), rng.uniform(0, 1, (3, 4)), rng.normal(size=(3, 4)) * 3
    w, pw = rng.uniform(0.5, 2, (3, 1)), rng.uniform(0.5, 3, 4)
    _compare(lambda p, y: nn.BCELoss(w, reduction=reduction)(p, y),
             lambda p, y: torch.nn.BCELoss(torch.tensor(w), reduction=reduction)(p, y), [p, y], [True, True], torch)
    _compare(lambda z, y: nn.BCEWithLogitsLoss(w, reduction=reduction, pos_weight=pw)(z, y),
             lambda z, y: torch.nn.BCEWithLogitsLoss(torch.tensor(w), reduction=reduction,
                                                     pos_weight=torch.tensor(pw))(z, y), [z, y], [True, True], torch)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_vs_torch(reduction, log_target):
    torch = pytest.importorskip("torch")
    x = np.log(probs(3, 5, seed=40).data)
    y = probs(3, 5, seed=41).data
    y = np.log(y) if log_target else y
    _compare(lambda x, y: nn.KLDivLoss(reduction=reduction, log_target=log_target)(x, y),
             lambda x, y: torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)(x, y),
             [x, y], [True, True], torch)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_vs_torch(reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(42)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    for ours, theirs in [(nn.MSELoss, torch.nn.MSELoss), (nn.L1Loss, torch.nn.L1Loss)]:
        _compare(lambda a, b: ours(reduction=reduction)(a, b), lambda a, b: theirs(reduction=reduction)(a, b),
                 [a, b], [True, True], torch)
    _compare(lambda a, b: nn.SmoothL1Loss(reduction=reduction, beta=0.5)(a, b),
             lambda a, b: torch.nn.SmoothL1Loss(reduction=reduction, beta=0.5)(a, b), [a, b], [True, True], torch)
