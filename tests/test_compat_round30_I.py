"""Optimizers, PCA and a contrastive loss from the package registry: heavyball 3.2.1 (with opt-einsum 3.4.0; both
installed with --no-deps), torch-pca 1.1.0 and info-nce-pytorch 0.1.4, ported by the porting rule (heavyballp,
torch_pcap, info_ncep) and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights and its
random draws handed over, heavyball's torch.compile switched off (utils.compile_mode = None) on both sides: every
optimizer of heavyball over four steps of a conv + two Linear model (parameters, state_dict keys and values, param
groups, loading PyTorch's state_dict), the SAM / SplitOpt wrappers, the schedule-free train / eval switch, the
backward hooks (hook_optimizer_into_model, fused_hook) and ~60 functions of heavyball.utils on their own; PCA with
each solver (full, covariance_eigh, randomized with each power-iteration normalizer) and whitening; InfoNCE with
every negative_mode / reduction / temperature, with its gradients.

The failures these tests pin down, in a few lines (the packages are not imported here):

- ``from torch._prims_common import DeviceLikeType`` (torch_pca's annotations), ``from torch._dynamo.exc import
  TorchDynamoException``, ``torch._dynamo.utils.disable_cache_limit()`` (heavyball's step runs under it) and
  ``from torch.backends import opt_einsum`` (heavyball's set_torch sets its flags) did not import: nn had no such
  modules. They exist now, answering as PyTorch's do when nothing is compiled.
- ``linalg.lu`` / ``lu_factor`` / ``lu_factor_ex`` / ``lu_unpack`` of a rectangular m x n matrix raised
  NotImplementedError ("nn factors square matrices only"); PyTorch factors it (P (m, m), L (m, k), U (k, n),
  pivots (k,), k = min(m, n)) and differentiates it (linalg_lu_backward's wide and tall forms). torch_pca's
  randomized PCA with power_iteration_normalizer="LU" factors its tall (n_samples, n_random) matrix so. An LU
  that is not square now gets lu_solve's own words, and LU without pivoting names linalg.lu_factor, as PyTorch's.
- ``p.add(g, alpha=a)`` / ``sub`` / ``add_`` / ``sub_`` with a float32 g and a float64 p scaled g by alpha in
  float32 before the float64 sum, and ``addcmul`` multiplied its float32 tensors in float32; PyTorch computes in
  the result dtype (alpha * float64(g)). heavyball's float32 optimizer states with float64 parameters differed by
  1e-9 (relative) after one step.
- A Linear layer's post-accumulate-grad hooks ran weight before bias; PyTorch's linear is addmm(bias, x, weight.t()),
  so its engine reaches the bias's AccumulateGrad first. heavyball's fused_hook (one optimizer that steps every
  parameter whenever one gradient is accumulated) ended 1.4 % (relative) away after three steps.
"""
import sys

import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- the modules heavyball and torch_pca import ---------------------------------------------------------------

def test_prims_common_type_aliases_import():
    # PyTorch 2.13: torch._prims_common.DeviceLikeType is str | torch.device | int
    from nn._prims_common import DeviceLikeType, ShapeType, TensorLikeType
    assert DeviceLikeType == str | nn.device | int
    assert TensorLikeType is nn.Tensor
    assert isinstance((2, 3), ShapeType.__args__[-1].__origin__)


def test_dynamo_exc_and_disable_cache_limit():
    from nn._dynamo.exc import TorchDynamoException, Unsupported
    from nn._dynamo.utils import disable_cache_limit
    assert issubclass(TorchDynamoException, RuntimeError) and issubclass(Unsupported, TorchDynamoException)
    config = nn._dynamo.config
    before = config.cache_size_limit, config.accumulated_cache_size_limit
    with disable_cache_limit():                 # PyTorch: both limits sys.maxsize in the block, restored after
        assert config.cache_size_limit == config.accumulated_cache_size_limit == sys.maxsize
    assert (config.cache_size_limit, config.accumulated_cache_size_limit) == before


def test_backends_opt_einsum_flags():
    from nn.backends import opt_einsum
    try:
        import opt_einsum as package
    except ImportError:
        package = None
    assert opt_einsum.is_available() is (package is not None) and opt_einsum.get_opt_einsum() is package
    assert opt_einsum.enabled is (package is not None)
    assert opt_einsum.strategy == ("auto" if package is not None else None)
    if package is None:
        with pytest.raises(ValueError, match=r"^opt_einsum is not available, so setting `enabled` to True"):
            opt_einsum.set_flags(True)
        return
    # PyTorch's checks and words; flags() restores the flags
    with pytest.raises(ValueError, match=r"^`strategy` must be one of the following: \[auto, greedy, optimal\] "
                                         r"but is bogus$"):
        opt_einsum.set_flags(_strategy="bogus")
    with opt_einsum.flags(strategy="greedy"):
        assert opt_einsum.strategy == "greedy"
    assert opt_einsum.strategy == "auto"
    assert opt_einsum.set_flags(False) == (True, "auto")
    with pytest.raises(ValueError, match=r"^opt_einsum is not enabled, so setting a `strategy` to greedy"):
        opt_einsum.set_flags(_strategy="greedy")
    opt_einsum.set_flags(True)
    assert (opt_einsum.enabled, opt_einsum.strategy) == (True, "auto")


# ---- LU of rectangular matrices -----------------------------------------------------------------------------------

def test_lu_of_a_wide_matrix():
    # PyTorch 2.13, A = [[1, 2, 3], [4, 5, 6]]: P = [[0, 1], [1, 0]], L = [[1, 0], [0.25, 1]],
    # U = [[4, 5, 6], [0, 0.75, 1.5]]; lu_factor: LU = [[4, 5, 6], [0.25, 0.75, 1.5]], pivots [2, 2] (int32)
    A = nn.tensor([[1., 2., 3.], [4., 5., 6.]], dtype=nn.float64)
    P, L, U = nn.linalg.lu(A)
    np.testing.assert_array_equal(_f(P), [[0, 1], [1, 0]])
    np.testing.assert_allclose(_f(L), [[1, 0], [0.25, 1]], rtol=0, atol=1e-15)
    np.testing.assert_allclose(_f(U), [[4, 5, 6], [0, 0.75, 1.5]], rtol=0, atol=1e-15)
    LU, piv = nn.linalg.lu_factor(A)
    np.testing.assert_allclose(_f(LU), [[4, 5, 6], [0.25, 0.75, 1.5]], rtol=0, atol=1e-15)
    assert piv.dtype == nn.int32 and _f(piv).tolist() == [2, 2]
    LU2, piv2, info = nn.linalg.lu_factor_ex(A)
    assert _f(info).tolist() == 0 and _f(piv2).tolist() == [2, 2]
    P2, L2, U2 = nn.lu_unpack(LU, piv)
    assert (P2.shape, L2.shape, U2.shape) == ((2, 2), (2, 2), (2, 3))


def test_lu_of_a_tall_batched_matrix():
    # PyTorch 2.13, B = [[1, 2], [3, 4], [5, 7]]: P = [[0, 1, 0], [0, 0, 1], [1, 0, 0]], L = [[1, 0], [0.2, 1],
    # [0.6, -1/3]], U = [[5, 7], [0, 0.6]], pivots [3, 3]; a batch of two: each factored alone
    B = np.array([[1., 2.], [3., 4.], [5., 7.]])
    P, L, U = nn.linalg.lu(nn.tensor(np.stack([B, 2 * B])))
    assert (P.shape, L.shape, U.shape) == ((2, 3, 3), (2, 3, 2), (2, 2, 2))
    np.testing.assert_array_equal(_f(P)[0], [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    np.testing.assert_allclose(_f(L)[0], [[1, 0], [0.2, 1], [0.6, -1 / 3]], rtol=1e-13)
    np.testing.assert_allclose(_f(U)[1], [[10, 14], [0, 1.2]], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(_f(P @ L @ U), np.stack([B, 2 * B]), rtol=1e-14)
    _, piv = nn.linalg.lu_factor(nn.tensor(B))
    assert _f(piv).tolist() == [3, 3]


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (2, 3, 4), (2, 4, 3), (1, 4), (4, 1)])
def test_lu_gradient_of_a_rectangular_matrix_matches_finite_differences(shape):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    m, n = shape[-2:]
    k = min(m, n)
    gl = rng.standard_normal(shape[:-2] + (m, k))
    gu = rng.standard_normal(shape[:-2] + (k, n))

    def f(x):
        _, L, U = nn.linalg.lu(x)
        return (L * nn.tensor(gl)).sum() + (U * nn.tensor(gu)).sum()

    A = nn.tensor(a, requires_grad=True)
    f(A).backward()
    h, fd = 1e-6, np.zeros_like(a)
    for i in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[i] = h
        fd[i] = (f(nn.tensor(a + e)).item() - f(nn.tensor(a - e)).item()) / (2 * h)
    np.testing.assert_allclose(_f(A.grad), fd, rtol=1e-6, atol=1e-7)
    # through lu_factor's packed LU too (lu_unpack is differentiable in it)
    g = rng.standard_normal(a.shape)
    A2 = nn.tensor(a, requires_grad=True)
    (nn.linalg.lu_factor(A2)[0] * nn.tensor(g)).sum().backward()
    fd2 = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[i] = h
        fd2[i] = ((_f(nn.linalg.lu_factor(nn.tensor(a + e))[0]) - _f(nn.linalg.lu_factor(nn.tensor(a - e))[0]))
                  * g).sum() / (2 * h)
    np.testing.assert_allclose(_f(A2.grad), fd2, rtol=1e-6, atol=1e-7)


def test_lu_errors_in_pytorchs_words():
    LU, piv = nn.linalg.lu_factor(nn.tensor(np.eye(3, 5)))
    with pytest.raises(RuntimeError, match=r"^torch\.linalg\.lu_solve: A must be batches of square matrices, but "
                                           r"they are 3 by 5 matrices$"):
        nn.linalg.lu_solve(LU, piv, nn.ones(3, 1, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"^linalg\.lu_factor: LU without pivoting is not implemented on the "
                                           r"CPU$"):
        nn.linalg.lu(nn.ones(3, 3, dtype=nn.float64), pivot=False)


# ---- add / sub / addcmul of two dtypes: computed in the result dtype -----------------------------------------------

def test_add_with_alpha_scales_in_the_result_dtype():
    # PyTorch 2.13: p = ones(3) float64, a = full(3, 0.3) float32: p.add(a, alpha=-0.0025)[0] = 0.9992499999701977
    # = 1 - float64(float32(0.3)) * 0.0025 (nn gave 0.9992499999934807: the product rounded to float32 first)
    p, a = nn.ones(3, dtype=nn.float64), nn.full((3,), 0.3, dtype=nn.float32)
    want = 1 - np.float64(np.float32(0.3)) * 0.0025
    assert want == 0.9992499999701977
    assert nn.add(p, a, alpha=-0.0025)[0].item() == want
    assert p.sub(a, alpha=0.0025)[0].item() == want
    q = p.clone()
    q.add_(a, alpha=-0.0025)
    assert q[0].item() == want and q.dtype == nn.float64
    q = p.clone()
    q.sub_(a, alpha=0.0025)
    assert q[0].item() == want
    # float32 in place, a float64 operand: computed in float64, then rounded once (PyTorch: 1.0299999713897705)
    f = nn.ones(3, dtype=nn.float32)
    f.add_(p * 0.1, alpha=0.3)
    assert f[0].item() == 1.0299999713897705 and f.dtype == nn.float32
    # a 0-d float64 tensor does not promote a float32 one: float32 throughout (PyTorch: 0.33000001311302185)
    r = a.add(nn.tensor(0.1, dtype=nn.float64), alpha=0.3)
    assert r.dtype == nn.float32 and r[0].item() == 0.33000001311302185


def test_addcmul_of_float32_tensors_into_float64_multiplies_in_float64():
    # PyTorch 2.13: ones(3) float64 .addcmul(a, a, value=0.0025) with a = 0.3 float32 -> 1.0002250000178814
    p, a = nn.ones(3, dtype=nn.float64), nn.full((3,), 0.3, dtype=nn.float32)
    want = 1 + np.float64(np.float32(0.3)) ** 2 * 0.0025
    assert want == 1.0002250000178814
    assert nn.addcmul(p, a, a, value=0.0025)[0].item() == want
    q = p.clone()
    q.addcmul_(a, a, value=0.0025)
    assert q[0].item() == want


def test_add_with_alpha_of_two_dtypes_keeps_its_gradients():
    # d(p + alpha a)/da = alpha, in a's dtype (float32), as PyTorch's
    p = nn.ones(3, dtype=nn.float64, requires_grad=True)
    a = nn.full((3,), 0.3, dtype=nn.float32, requires_grad=True)
    (nn.add(p, a, alpha=-0.25) * nn.tensor([1., 2., 3.], dtype=nn.float64)).sum().backward()
    assert a.grad.dtype == nn.float32 and p.grad.dtype == nn.float64
    np.testing.assert_allclose(_f(a.grad), [-0.25, -0.5, -0.75])
    np.testing.assert_allclose(_f(p.grad), [1, 2, 3])


# ---- the order of a Linear's post-accumulate-grad hooks ------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (4,)])
def test_linear_accumulates_bias_before_weight(shape):
    # PyTorch 2.13: nn.Linear(4, 2)'s hooks run ['bias', 'weight'] (addmm(bias, x, weight.t())); Conv2d's
    # ['weight', 'bias']
    layer, order = nn.Linear(4, 2), []
    for name, p in layer.named_parameters():
        p.register_post_accumulate_grad_hook(lambda p, name=name: order.append(name))
    layer(nn.randn(*shape, requires_grad=True)).sum().backward()
    assert order == ["bias", "weight"]
    conv, order = nn.Conv2d(2, 3, 3), []
    for name, p in conv.named_parameters():
        p.register_post_accumulate_grad_hook(lambda p, name=name: order.append(name))
    conv(nn.randn(1, 2, 5, 5)).sum().backward()
    assert order == ["weight", "bias"]


def test_linear_gradients_and_double_backward_unchanged():
    rng = np.random.default_rng(1)
    x = nn.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = nn.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    b = nn.tensor(rng.standard_normal(2), requires_grad=True)
    gy = rng.standard_normal((3, 2))
    gx, gw, gb = nn.autograd.grad((F.linear(x, w, b) * nn.tensor(gy)).sum(), (x, w, b), create_graph=True)
    np.testing.assert_allclose(_f(gx), gy @ _f(w))
    np.testing.assert_allclose(_f(gw), gy.T @ _f(x))
    np.testing.assert_allclose(_f(gb), gy.sum(0))
    (g2w,) = nn.autograd.grad((gx ** 2).sum(), (w,))          # d/dw sum((gy w)^2) = 2 gy^T gy w
    np.testing.assert_allclose(_f(g2w), 2 * gy.T @ gy @ _f(w))


def test_a_fused_hook_optimizer_steps_in_pytorchs_order():
    """heavyball's fused_hook: one optimizer over all parameters, stepped (and zeroed) in every parameter's
    post-accumulate hook. PyTorch 2.13 with a Linear(2, 1) (weight [[0.5, -1]], bias [0.25]), x = [[1, 2]],
    loss = y^2, SGD(lr=0.1): the bias's hook first steps the bias alone (weight has no grad yet):
    bias = 0.25 - 0.1 * 2 * (-1.25) = 0.5; then the weight's hook steps the weight alone (the bias's grad was
    zeroed): weight = [0.5, -1] - 0.1 * (-2.5) * [1, 2] = [0.75, -0.5]."""
    layer = nn.Linear(2, 1)
    with nn.no_grad():
        layer.weight.copy_(nn.tensor([[0.5, -1.0]]))
        layer.bias.copy_(nn.tensor([0.25]))
    opt = nn.optim.SGD(layer.parameters(), lr=0.1)

    def hook(p):
        opt.step()
        opt.zero_grad()

    for p in layer.parameters():
        p.register_post_accumulate_grad_hook(hook)
    (layer(nn.tensor([[1.0, 2.0]])) ** 2).sum().backward()
    np.testing.assert_allclose(_f(layer.bias), [0.5])
    np.testing.assert_allclose(_f(layer.weight), [[0.75, -0.5]])


# ---- against PyTorch, when it is installed ---------------------------------------------------------------------------

def test_rectangular_lu_and_mixed_add_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    for shape in [(3, 5), (5, 3), (2, 4, 6)]:
        a = rng.standard_normal(shape)
        At, An = torch.tensor(a, requires_grad=True), nn.tensor(a, requires_grad=True)
        outs = torch.linalg.lu(At), nn.linalg.lu(An)
        for t, o in zip(*outs):
            np.testing.assert_allclose(_f(o), t.detach().numpy(), rtol=1e-12, atol=1e-14)
        g = [rng.standard_normal(tuple(t.shape)) for t in outs[0][1:]]
        sum((t * torch.tensor(gi)).sum() for t, gi in zip(outs[0][1:], g)).backward()
        sum((o * nn.tensor(gi)).sum() for o, gi in zip(outs[1][1:], g)).backward()
        np.testing.assert_allclose(_f(An.grad), At.grad.numpy(), rtol=1e-10, atol=1e-12)
    p, a = rng.standard_normal(5), rng.standard_normal(5).astype(np.float32)
    for op in ("add", "sub"):       # (PyTorch's kernel fuses the multiply-add: an ulp apart at most)
        np.testing.assert_allclose(_f(getattr(nn, op)(nn.tensor(p), nn.tensor(a), alpha=0.37)),
                                   getattr(torch, op)(torch.tensor(p), torch.tensor(a), alpha=0.37).numpy(),
                                   rtol=1e-15, atol=1e-16)
