"""lucidrains' LieTransformer from the package registry: lie-transformer-pytorch 0.0.17 (its wheel; einops 0.8.2
installed), its three files ported by the porting rule (lie_transformer_pytorchp) and run against the original on
PyTorch 2.13 with PyTorch's weights and the same draws: ``torch.randn`` (the SE3 lift's quaternions),
``torch.randint`` (farthest-point sampling's start) and ``Tensor.uniform_`` (the neighbourhood's noise) read one
NumPy stream per side, keyed by the library's generator state so that the reversible net's recomputation under
``fork_rng`` / ``set_rng_state`` is handed the same draws again. Covered: the Taylor-switched helpers (sinc, sincc,
cosc, coscc, sinc_inv), cross / uncross matrices, SO3 and SE3 exp / log / inv / elems2pairs / distance,
``lifted_elems`` and ``lift`` (per point or shared, 1-3 samples, edges), LieSelfAttention (training / eval, edges,
``ds_frac`` < 1 with FPS sampling, cached indices, fewer or more neighbours than points), its residual wrapper,
FeedForward, GlobalPool, FPSindices, batched_index_select and LieTransformer (tokens, edge types, depth 2,
reversible), forward, backward, 2 Adam steps, eval, state-dict round trips, 18 error paths. Float64: outputs,
gradients and weights after the steps agree to 3e-15 (the lifted pairs to 1e-12: a log near the identity and near
angle pi, where PyTorch moves as much when its own draws move by an ulp); float32 to 2.4e-6.

Failures found (nn's): the gradients of the coordinates were finite where PyTorch's are NaN. SE3.log takes
``theta = w.norm(dim=-1)`` of a zero rotation (a point paired with itself) and ``coscc(theta)``'s unused branch
``(1 - x sin x / ...) / x**2`` sends back NaN; PyTorch's norm backward is ``g * (x / |x|).masked_fill_(|x| == 0,
0)``, so NaN * 0 stays NaN, where nn put 0 in place of the whole product. And in float32 ``sincc``'s
``(x - sin(x)) / x**3`` at x = 1e-8 gave NaN input gradients where PyTorch's are 0: nn's derivative of a / b for b
was -g * a / (b * b), whose b * b underflows below 1e-19 in float32; PyTorch's is -g * ((a / b) / b).
"""
import numpy as np
import pytest

import nn


def _norm_grad(make_norm, x, upstream):
    """The gradient of make_norm(x) (one entry per row) reached by upstream at each row."""
    x = nn.tensor(x, requires_grad=True)
    n = make_norm(x)
    n.backward(nn.tensor(np.asarray(upstream, np.float64)))
    return x.grad.numpy()


@pytest.mark.parametrize("make_norm", [lambda x: x.norm(dim=-1), lambda x: nn.linalg.vector_norm(x, dim=-1),
                                       lambda x: nn.linalg.norm(x, dim=-1), lambda x: x.norm(p="fro", dim=-1),
                                       lambda x: x.norm(p=2, dim=-1)])
def test_two_norm_backward_keeps_nan_and_inf_at_a_zero_vector(make_norm):
    """PyTorch's 2-norm backward: g * (x / |x|) with x / |x| put to 0 at a zero vector, so a NaN or inf g gives NaN
    there (0 * NaN), a finite g gives 0, and elsewhere the product is g * (x / |x|) in that order."""
    x = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0], [0.0, 0.0, 0.0], [1.0, 2.0, 2.0]])
    g = _norm_grad(make_norm, x, [np.nan, 2.0, np.inf, 1.0 / 3.0])
    assert np.isnan(g[0]).all() and np.isnan(g[2]).all()
    np.testing.assert_array_equal(g[1], 2.0 * (x[1] / 5.0))
    np.testing.assert_array_equal(g[3], (1.0 / 3.0) * (x[3] / 3.0))
    np.testing.assert_array_equal(_norm_grad(make_norm, x[:1], [1.5]), [[0.0, 0.0, 0.0]])
    xr = nn.tensor(x, requires_grad=True)        # the recorded backward (create_graph=True) alike
    gr, = nn.autograd.grad(make_norm(xr), xr, nn.tensor([np.nan, 2.0, np.inf, 1.0 / 3.0], dtype=nn.float64),
                           create_graph=True)
    np.testing.assert_allclose(gr.detach().numpy(), g, rtol=1e-15)


def test_other_orders_still_mask_the_scale_at_a_zero_vector():
    """For p other than 1, 2 and inf PyTorch masks g / |x|^(p-1) itself, so a NaN g at a zero vector gives 0."""
    for p in (3, 1.5):
        np.testing.assert_array_equal(_norm_grad(lambda x: x.norm(p=p, dim=-1), np.zeros((1, 3)), [np.nan]),
                                      np.zeros((1, 3)))


def test_lie_group_log_of_the_identity_gives_nan_gradients():
    """The package's SE3.log on the pair of a point with itself (its rotation part w = 0): theta = w.norm(dim=-1),
    then coscc(theta) by torch.where over a Taylor branch and (1 - x sin x / clamp(2 (1 - cos x), 1e-6)) / x**2.
    The unused branch's 0/0 comes back as NaN through where, and through the norm, as on PyTorch: NaN in every
    component of w (nn gave 0)."""
    def coscc(x):
        x2 = x * x
        texpand = 1 / 12 * (1 + x2 / 60 * (1 + x2 / 42 * (1 + x2 / 40)))
        full = (1 - x * nn.sin(x) / (2 * (1 - nn.cos(x))).clamp(min=1e-6)) / x2
        return nn.where(x.abs() < 7e-2, texpand, full)
    w = nn.tensor(np.array([[0.0, 0.0, 0.0], [0.3, -0.2, 0.5]]), requires_grad=True)
    out = coscc(w.norm(dim=-1)[..., None, None])
    np.testing.assert_allclose(out.detach().numpy().ravel()[0], 1 / 12)
    out.sum().backward()
    assert np.isnan(w.grad.numpy()[0]).all() and np.isfinite(w.grad.numpy()[1]).all()


def test_two_norm_backward_against_pytorch():
    """The same upstream NaN / inf / finite gradients through PyTorch's norms (only where PyTorch is installed)."""
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0], [0.0, 0.0, 0.0], [0.1, -0.7, 0.2]])
    up = [np.nan, 2.0, np.inf, 1.0 / 3.0]
    for ours, theirs in ((lambda t: t.norm(dim=-1), lambda t: t.norm(dim=-1)),
                         (lambda t: nn.linalg.vector_norm(t, dim=-1), lambda t: torch.linalg.vector_norm(t, dim=-1)),
                         (lambda t: t.norm(p=3, dim=-1), lambda t: t.norm(p=3, dim=-1))):
        xt = torch.tensor(x, requires_grad=True)
        theirs(xt).backward(torch.tensor(up, dtype=torch.float64))
        np.testing.assert_allclose(_norm_grad(ours, x, up), xt.grad.numpy(), rtol=1e-15, atol=0)   # (NaN alike)


def test_division_gradient_of_a_tiny_denominator_is_pytorchs():
    """The package's ``sincc`` takes ``(x - sin(x)) / x**3`` beside its Taylor branch; in float32 at x = 1e-8, x**3 =
    1e-24 and its square underflows to 0. PyTorch's derivative for the denominator is -g * ((a / b) / b): 0 there
    (a zero g through where), and finite wherever the quotient is; nn computed -g * a / (b * b): NaN, or inf."""
    x = nn.tensor(np.array([1e-8, 0.5], np.float32), requires_grad=True)
    taylor = 1 / 6 * (1 - x * x / 20)
    full = (x - nn.sin(x)) / x ** 3
    nn.where(x.abs() < 7e-2, taylor, full).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    a = np.array([1e-200, 0.0, 3.0, 1.0])
    b = np.array([1e-170, 1e-170, 7.0, 3.0])
    g = np.array([1.0, 1.0, 0.1, 1.0 / 3.0])
    want = -g * (a / b / b)                                     # [-1e140, -0, ...]: finite
    for create_graph in (False, True):
        at, bt = nn.tensor(a, requires_grad=True), nn.tensor(b, requires_grad=True)
        ga, gb = nn.autograd.grad(at / bt, (at, bt), nn.tensor(g), create_graph=create_graph)
        np.testing.assert_array_equal(gb.detach().numpy(), want)
        np.testing.assert_array_equal(ga.detach().numpy(), g / b)


def test_division_gradient_against_pytorch():
    """(a / b)'s gradients for tiny, ordinary and complex denominators: PyTorch's to the last bit (real)."""
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(0)
    cases = [(np.array([1e-200, 0.0, 3.0, 1.0]), np.array([1e-170, 1e-170, 7.0, 3.0])),
             (rs.randn(5).astype(np.float32), np.array([1e-20, 3e-8, 1.5, -2.0, 1e-30], np.float32)),
             (rs.randn(6), rs.randn(6)), (rs.randn(3) + 1j * rs.randn(3), rs.randn(3) + 1j * rs.randn(3))]
    for a, b in cases:
        g = rs.randn(*a.shape).astype(a.dtype)
        at, bt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        (at / bt).backward(torch.tensor(g))
        an, bn = nn.tensor(a, requires_grad=True), nn.tensor(b, requires_grad=True)
        (an / bn).backward(nn.tensor(g))
        # (complex quotients: NumPy's division and PyTorch's round differently in the last bit)
        check = np.testing.assert_array_equal if a.dtype.kind == "f" else \
            (lambda x, y: np.testing.assert_allclose(x, y, rtol=1e-15))
        check(bn.grad.numpy(), bt.grad.numpy())
        check(an.grad.numpy(), at.grad.numpy())


def test_reversible_recomputation_replays_the_neighbourhood_noise():
    """The package's reversible blocks record ``torch.get_rng_state()`` before a block and, in the custom Function's
    backward, recompute it under ``torch.random.fork_rng()`` after ``torch.set_rng_state(state)``: the attention's
    ``zeros(...).uniform_(0, 1)`` noise must come out the same, and the generator after the fork as before it."""
    nn.manual_seed(3)
    state = nn.get_rng_state()
    first = nn.zeros((2, 3, 4)).uniform_(0, 1)
    after = nn.get_rng_state()
    with nn.random.fork_rng(devices=[], enabled=True):
        nn.set_rng_state(state)
        again = nn.zeros((2, 3, 4)).uniform_(0, 1)
    np.testing.assert_array_equal(again.numpy(), first.numpy())
    np.testing.assert_array_equal(nn.get_rng_state().numpy(), after.numpy())


def test_fps_subsampling_indexing_idioms():
    """FPSsubsample: ``abq_pairs[B, idx][B, :, idx]`` (advanced indices split by a slice move to the front:
    out[b, i, j] = x[b, idx[b, j], idx[b, i]]), ``torch.where(mask)[1][start]`` and ``distances[closer] =
    dist[closer]``; NumPy's rules, as PyTorch's."""
    x = np.arange(2 * 4 * 4 * 2, dtype=np.float64).reshape(2, 4, 4, 2)
    idx = np.array([[2, 0], [1, 3]])
    B = nn.arange(2).long()[:, None]
    out = nn.tensor(x)[B, nn.tensor(idx)][B, :, nn.tensor(idx)]
    b = np.arange(2)[:, None]
    np.testing.assert_array_equal(out.numpy(), x[b, idx][b, :, idx])
    assert out.shape == (2, 2, 2, 2) and out.numpy()[1, 0, 1, 0] == x[1, 3, 1, 0]
    mask = nn.tensor(np.array([[True, False, True, True], [False, True, True, False]]))
    np.testing.assert_array_equal(nn.where(mask)[1][nn.tensor([2, 4])].numpy(), [3, 2])
    distances = nn.ones(2, 4, dtype=nn.float64) * 1e8
    dist = nn.tensor(np.array([[1.0, 2e8, 3.0, 0.5], [5.0, 6.0, 2e8, 7.0]]))
    closer = dist < distances
    distances[closer] = dist[closer]
    np.testing.assert_array_equal(distances.numpy(), [[1.0, 1e8, 3.0, 0.5], [5.0, 6.0, 1e8, 7.0]])
    assert nn.max(distances, -1)[1].tolist() == [1, 2]
