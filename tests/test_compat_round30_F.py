"""A side-by-side probe of nn.functional against torch.nn.functional 2.13 (no package): every function both have,
called on float32 / float64 (and int64 / bool where PyTorch takes or refuses them), batched and unbatched, empty
and non-contiguous inputs, with their main keyword arguments varied; values (rtol 1e-6 in float64), dtypes, shapes,
inputs left unchanged, first-order gradients, and errors compared.

The failures these tests pin down, in a few lines:

- ``mse_loss`` / ``l1_loss`` / ``smooth_l1_loss`` / ``huber_loss`` of a float input and an integer (or bool)
  target (integer labels as regression targets) raised TypeError "target must be a float tensor"; PyTorch promotes
  the integer tensor and computes in the float dtype (float32 input, int64 target -> float32 loss).
- ``gaussian_nll_loss(input, target, 0.5)``: PyTorch takes a Python float var (var * ones_like(input)); nn raised
  TypeError. A var with one dim of size 1 elsewhere than last ((N, 1, H, W) for an (N, C, H, W) input, PyTorch's
  homoscedastic case) was refused; the errors now have PyTorch's words ("var is of incorrect size", "var has
  negative entry/entries").
- ``triplet_margin_loss`` / ``triplet_margin_with_distance_loss`` of a 1-D negative beside 2-D anchor and
  positive broadcast it silently; PyTorch raises RuntimeError "The anchor, positive, and negative tensors are
  expected to have the same number of dimensions, ...".
- an empty batch (N = 0): ``batch_norm`` (training or eval), ``group_norm``, ``instance_norm`` and
  ``local_response_norm`` raised (a reshape to (0, C, -1) is ambiguous); PyTorch returns an empty result (zero
  gradients, batch_norm's running statistics unchanged). batch_norm of (N, C, 0) in training raised "Expected more
  than 1 value per channel", which PyTorch raises only for exactly one value.
- ``max_pool1d/2d/3d`` with dilation > 1 and ``ceil_mode=True`` raised NotImplementedError; PyTorch pools the
  last, partial windows (the far side padded with -inf by _ceil_extra of the dilated extent).
- NaN in a pooling window: PyTorch's scan (val > max || isnan(val)) ends on the last NaN, so return_indices names
  it; nn's max_pool3d (depth taps), dilated max_pool2d and the adaptive max pools named the first (silently
  different indices, and gradients routed elsewhere).
- ``adaptive_max_pool1d/2d/3d`` of an empty batch raised (a reshape to (0, C, -1)); ``max_unpool2d`` refused an
  unbatched (C, h, w) input, which PyTorch takes.
- ``F.linear`` refused a bias other than (out,); PyTorch's addmm expands any bias that fits the output ((), (1,),
  (N, out), (N, 1)).
- ``softmax`` / ``log_softmax`` / ``softmin`` of an empty dim and ``logsumexp`` over one raised NumPy's "zero-size
  array to reduction operation maximum"; PyTorch gives an empty result and -inf (so scaled_dot_product_attention
  over no keys gives zeros). ``softmax(int_tensor, dim, dtype=torch.float32)`` was refused; PyTorch casts first.
- activation gradients: ``hardtanh`` / ``relu6`` / ``hardswish`` / ``hardsigmoid`` of a 0-d input raised TypeError
  in backward ("return arrays must be of ArrayType"); at NaN / inf the composed ops gave other gradients than
  PyTorch's backward kernels (elu / selu / celu NaN instead of 1 at NaN; hardswish NaN at +-inf and NaN;
  hardsigmoid 1/6 at NaN; softshrink 2 and hardshrink 0 at NaN), and elu's second derivative at 0 was alpha
  (PyTorch 0). hardswish, hardsigmoid, softshrink and hardshrink are now single ops with PyTorch's conditions.
- ``cdist(p=0)`` / ``pdist(p=0)`` (the count of differing components) raised ValueError; a negative p now raises
  PyTorch's RuntimeError "cdist only supports non-negative p values".
- ``F.pad(x, pad, mode='reflect', value=2.5)`` ignored the value; PyTorch raises RuntimeError 'Padding mode
  "reflect" doesn't take in value argument'.
- ``interpolate`` of a uint8 image in the nearest modes was refused; PyTorch copies the pixels (uint8 out).
- ``multi_head_attention_forward(static_k=, static_v=)`` raised NotImplementedError; PyTorch uses the given
  (N * H, S, E / H) keys / values in place of the projected ones (with its size checks and words).
- ``huber_loss(float32 input, float64 target)`` gave float64; PyTorch's kernel gives float32 (the input's).
- ``glu`` of an odd dim raised ValueError in nn's words (PyTorch: RuntimeError "Halving dimension must be even, but
  dimension 1 is size 3"; a 0-d input its own words), and of an empty dim failed ("not enough values to unpack").
- ``cosine_similarity(a (3,), b (1,), dim=0)`` took b's norm before broadcasting (silently sqrt(3) times PyTorch's
  value); PyTorch expands both inputs first.
- create_graph=True through ``smooth_l1_loss`` / ``huber_loss``, ``binary_cross_entropy``, ``kl_div``, ``prelu``,
  ``sign`` (``lp_pool``), ``unfold`` / ``fold``: nn raised NotImplementedError ("cannot be differentiated again");
  PyTorch differentiates them twice (checked here against central differences of the first derivative).
"""
import warnings

import numpy as np
import pytest

import nn

F = nn.functional


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- regression losses: an integer target beside a float input -------------------------------------------------

@pytest.mark.parametrize("name, value, grad", [
    ("mse_loss", 8 / 3, [0.0, 4 / 3, -4 / 3]),          # d = (0, 2, -2): mean d^2, 2 d / 3
    ("l1_loss", 4 / 3, [0.0, 1 / 3, -1 / 3]),
    ("smooth_l1_loss", 1.0, [0.0, 1 / 3, -1 / 3]),      # |d| - 0.5 = 1.5 twice, / 3
    ("huber_loss", 1.0, [0.0, 1 / 3, -1 / 3]),
])
def test_regression_loss_promotes_an_integer_target(name, value, grad):
    # PyTorch 2.13: F.mse_loss(torch.tensor([1., 2., 3.]), torch.tensor([1, 0, 5])) -> tensor(2.6667) (float32)
    x = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    loss = getattr(F, name)(x, nn.tensor([1, 0, 5]))
    assert loss.dtype == nn.float32
    np.testing.assert_allclose(_f(loss), value, rtol=1e-6)
    loss.backward()
    np.testing.assert_allclose(_f(x.grad), grad, rtol=1e-6, atol=1e-7)
    x64 = nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64)
    assert getattr(F, name)(x64, nn.tensor([1, 0, 5])).dtype == nn.float64
    if name != "huber_loss":        # (huber's kernel writes into the input's dtype: refused, test_compat_round30_K)
        assert getattr(F, name)(nn.tensor([1, 0, 5]), x64).dtype == nn.float64      # integer input, float target
    assert F.mse_loss(x.detach(), nn.tensor([True, False, True])).dtype == nn.float32


def test_regression_loss_of_two_integer_tensors_is_still_refused():
    with pytest.raises(TypeError):
        F.mse_loss(nn.tensor([1, 2]), nn.tensor([1, 0]))


# ---- gaussian_nll_loss -------------------------------------------------------------------------------------------

def test_gaussian_nll_loss_takes_a_float_var():
    # PyTorch 2.13: F.gaussian_nll_loss(x, y, 0.5, reduction='none') == 0.5 (log 0.5 + (x - y)^2 / 0.5)
    x = nn.tensor([0.5, -1.0, 2.0], dtype=nn.float64, requires_grad=True)
    y = nn.tensor([0.0, 1.0, 2.5], dtype=nn.float64)
    loss = F.gaussian_nll_loss(x, y, 0.5, reduction="none")
    d = np.array([0.5, -2.0, -0.5])
    np.testing.assert_allclose(_f(loss), 0.5 * (np.log(0.5) + d * d / 0.5), rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(_f(x.grad), d / 0.5, rtol=1e-12)
    full = F.gaussian_nll_loss(x, y, 0.5, full=True)
    np.testing.assert_allclose(_f(full), np.mean(0.5 * (np.log(0.5) + d * d / 0.5)) + 0.5 * np.log(2 * np.pi))
    with pytest.raises(ValueError, match=r"^var has negative entry/entries$"):
        F.gaussian_nll_loss(x, y, -0.5)


def test_gaussian_nll_loss_var_with_one_dim_of_size_one():
    # PyTorch 2.13: input (2, 3, 4), var (2, 1, 4) is homoscedastic over dim 1 (broadcast); var (2, 3) is the input's
    # shape without the last dim; var (1, 3, 1) (two dims of 1) -> ValueError "var is of incorrect size"
    rng = np.random.default_rng(0)
    x, y, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4)), rng.random((2, 1, 4)) + 0.5
    loss = F.gaussian_nll_loss(nn.tensor(x), nn.tensor(y), nn.tensor(v), reduction="none")
    np.testing.assert_allclose(_f(loss), 0.5 * (np.log(v) + (x - y) ** 2 / v), rtol=1e-12)
    v2 = rng.random((2, 3)) + 0.5
    loss = F.gaussian_nll_loss(nn.tensor(x), nn.tensor(y), nn.tensor(v2), reduction="none")
    np.testing.assert_allclose(_f(loss), 0.5 * (np.log(v2[..., None]) + (x - y) ** 2 / v2[..., None]), rtol=1e-12)
    for shape in ((1, 3, 1), (2, 4), (3, 4)):
        with pytest.raises(ValueError, match=r"^var is of incorrect size$"):
            F.gaussian_nll_loss(nn.tensor(x), nn.tensor(y), nn.ones(*shape, dtype=nn.float64))
    with pytest.raises(ValueError, match=r"^var has negative entry/entries$"):
        F.gaussian_nll_loss(nn.tensor(x), nn.tensor(y), -nn.ones(2, 3, 4, dtype=nn.float64))


# ---- triplet losses: the dims must agree ---------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [F.triplet_margin_loss, F.triplet_margin_with_distance_loss])
def test_triplet_losses_refuse_inputs_of_different_dims(fn):
    a = nn.ones(4, 3)
    msg = (r"^The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
           r"got: anchor 2D, positive 2D, and negative 1D inputs$")
    with pytest.raises(RuntimeError, match=msg):
        fn(a, a, a[0])
    with pytest.raises(RuntimeError, match=r"anchor 1D, positive 2D, and negative 2D"):
        fn(a[0], a, a)
    assert fn(a[None], a[None], a[None]).item() == 1.0        # 3-D triplets: distance 0, loss = margin


# ---- normalisation of an empty batch --------------------------------------------------------------------------------

def test_batch_norm_of_an_empty_batch():
    # PyTorch 2.13: F.batch_norm(zeros(0, 3, 4), rm, rv, w, training=True) -> empty (0, 3, 4); rm, rv unchanged;
    # w.grad zeros; BatchNorm1d(3)(zeros(0, 3)) -> (0, 3) with num_batches_tracked 1
    x = nn.zeros(0, 3, 4, dtype=nn.float64, requires_grad=True)
    w = nn.ones(3, dtype=nn.float64, requires_grad=True)
    rm, rv = nn.zeros(3, dtype=nn.float64), nn.ones(3, dtype=nn.float64)
    y = F.batch_norm(x, rm, rv, w, training=True)
    assert tuple(y.shape) == (0, 3, 4)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 4)
    np.testing.assert_array_equal(_f(w.grad), [0, 0, 0])
    np.testing.assert_array_equal(_f(rm), [0, 0, 0])
    np.testing.assert_array_equal(_f(rv), [1, 1, 1])
    assert tuple(F.batch_norm(nn.zeros(0, 3), None, None, training=True).shape) == (0, 3)
    assert tuple(F.batch_norm(nn.zeros(0, 3, 4), nn.zeros(3), nn.ones(3)).shape) == (0, 3, 4)
    assert tuple(F.batch_norm(nn.zeros(2, 3, 0), None, None, training=True).shape) == (2, 3, 0)
    m = nn.BatchNorm1d(3)
    assert tuple(m(nn.zeros(0, 3)).shape) == (0, 3)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        F.batch_norm(nn.zeros(1, 3), None, None, training=True)


@pytest.mark.parametrize("fn", [lambda x: F.group_norm(x, 3), F.instance_norm,
                                lambda x: F.local_response_norm(x, 2)])
def test_group_instance_and_local_response_norm_of_an_empty_batch(fn):
    # PyTorch 2.13: each returns an empty (0, 3, 4) tensor
    x = nn.zeros(0, 3, 4, dtype=nn.float64, requires_grad=True)
    y = fn(x)
    assert tuple(y.shape) == (0, 3, 4) and y.dtype == nn.float64
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3, 4)


# ---- pooling -------------------------------------------------------------------------------------------------------

def _max_pool_ref(x, k, s, p, d, ceil):
    """Max pooling of a 1-D row by the definition (PyTorch's output size; -inf padding; first max wins)."""
    L = len(x)
    ke = d * (k - 1) + 1
    n = (L + 2 * p - ke + (s - 1 if ceil else 0)) // s + 1
    if ceil and (n - 1) * s >= L + p:
        n -= 1
    out, idx = [], []
    for o in range(n):
        taps = [o * s - p + t * d for t in range(k)]
        taps = [t for t in taps if 0 <= t < L]
        best = max(taps, key=lambda t: (x[t], -t))
        out.append(x[best])
        idx.append(best)
    return np.array(out), np.array(idx)


@pytest.mark.parametrize("k, s, p, d", [(2, 1, 1, 2), (3, 2, 1, 2), (2, 3, 0, 2), (3, 2, 0, 3)])
def test_dilated_max_pool_with_ceil_mode(k, s, p, d):
    # PyTorch 2.13 takes dilation > 1 with ceil_mode=True (nn raised NotImplementedError); e.g.
    # F.max_pool1d(x (1, 1, 9), 2, 1, 1, 2, ceil_mode=True) has 9 outputs, the last reading taps 7 and 9 (past the end)
    rng = np.random.default_rng(0)
    row = rng.standard_normal(9)
    want, want_idx = _max_pool_ref(row, k, s, p, d, True)
    x = nn.tensor(row[None, None], requires_grad=True)
    y, idx = F.max_pool1d(x, k, s, p, d, ceil_mode=True, return_indices=True)
    np.testing.assert_array_equal(_f(y)[0, 0], want)
    np.testing.assert_array_equal(_f(idx)[0, 0], want_idx)
    y.sum().backward()
    np.testing.assert_array_equal(_f(x.grad)[0, 0], np.bincount(want_idx, minlength=9))
    # 2-D: the same along each axis of a separable input (max of a + b over a window is max a + max b)
    a, b = rng.standard_normal(7), rng.standard_normal(9)
    y2 = F.max_pool2d(nn.tensor((a[:, None] + b[None, :])[None]), k, s, p, d, ceil_mode=True)
    np.testing.assert_allclose(_f(y2)[0], _max_pool_ref(a, k, s, p, d, True)[0][:, None]
                               + _max_pool_ref(b, k, s, p, d, True)[0][None, :], rtol=1e-12)


def test_max_pools_take_the_last_nan_of_a_window():
    # PyTorch 2.13's scan replaces its maximum when val > max or isnan(val), so of several NaNs the last is the index:
    # a (4, 4, 4) volume with NaN at flat 1, 4 and 16: F.max_pool3d(x, 2, return_indices=True) -> index 16 (nn: 4,
    # the 2-d pool's last NaN of the first depth slice); max_pool2d with dilation 2, NaN at 0 and 2 -> 2;
    # adaptive_max_pool2d(x, 1) with NaN at 1 and 4 -> 4 (nn took NumPy's argmax, the first NaN)
    x = np.arange(64.0).reshape(1, 1, 4, 4, 4)
    for pos in ((0, 0, 1), (0, 1, 0), (1, 0, 0)):
        x[(0, 0) + pos] = np.nan
    assert _f(F.max_pool3d(nn.tensor(x), 2, return_indices=True)[1]).flat[0] == 16
    assert _f(F.adaptive_max_pool3d(nn.tensor(x), 1, return_indices=True)[1]).flat[0] == 16
    p = np.arange(25.0).reshape(1, 1, 5, 5)
    p[0, 0, 0, 0] = p[0, 0, 0, 2] = np.nan
    assert _f(F.max_pool2d(nn.tensor(p), 2, dilation=2, return_indices=True)[1]).flat[0] == 2
    q = np.arange(16.0).reshape(1, 1, 4, 4)
    q[0, 0, 0, 1] = q[0, 0, 1, 0] = np.nan
    v, i = F.adaptive_max_pool2d(nn.tensor(q), 1, return_indices=True)
    assert np.isnan(_f(v).flat[0]) and _f(i).flat[0] == 4
    xt = nn.tensor(q, requires_grad=True)
    F.adaptive_max_pool1d(xt.reshape(1, 1, 16), 1).sum().backward()
    assert _f(xt.grad).reshape(-1).tolist() == [0.0] * 4 + [1.0] + [0.0] * 11
    r = np.array([[[1.0, 5.0, 2.0]]])                # no NaN: the first maximum still
    assert _f(F.adaptive_max_pool1d(nn.tensor(r), 1, return_indices=True)[1]).item() == 1


@pytest.mark.parametrize("d", [1, 2, 3])
def test_adaptive_max_pool_of_an_empty_batch(d):
    # PyTorch 2.13: F.adaptive_max_pool2d(zeros(0, 3, 4, 4), 2, True) -> two (0, 3, 2, 2) tensors
    x = nn.zeros((0, 3) + (4,) * d, requires_grad=True)
    y, i = getattr(F, f"adaptive_max_pool{d}d")(x, 2, True)
    assert tuple(y.shape) == (0, 3) + (2,) * d and tuple(i.shape) == (0, 3) + (2,) * d
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 3) + (4,) * d


def test_max_unpool2d_of_one_image():
    # PyTorch 2.13 takes an unbatched (C, h, w) input to max_unpool2d (nn: "input must be 4-D")
    x = nn.tensor(np.arange(48.0).reshape(3, 4, 4), requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    out = F.max_unpool2d(y, idx, 2)
    assert tuple(out.shape) == (3, 4, 4)
    want = np.zeros((3, 4, 4))
    want[:, 1::2, 1::2] = np.arange(48.0).reshape(3, 4, 4)[:, 1::2, 1::2]
    np.testing.assert_array_equal(_f(out), want)
    out.sum().backward()
    np.testing.assert_array_equal(_f(x.grad), (want != 0).astype(float))
    assert tuple(F.max_unpool2d(y, idx, 2, output_size=(5, 5)).shape) == (3, 5, 5)


# ---- linear with a bias of another shape -----------------------------------------------------------------------------

def test_linear_expands_a_bias_that_fits_the_output():
    # PyTorch 2.13: F.linear(x (3, 4), w (5, 4), b) takes b of shape (), (1,), (3, 5) or (3, 1) (addmm expands it);
    # (4,) is refused
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((3, 4)), rng.standard_normal((5, 4))
    for shape in ((), (1,), (3, 5), (3, 1)):
        b = rng.standard_normal(shape)
        bt = nn.tensor(b, requires_grad=True)
        y = F.linear(nn.tensor(x), nn.tensor(w), bt)
        np.testing.assert_allclose(_f(y), x @ w.T + b, rtol=1e-12)
        y.sum().backward()
        np.testing.assert_allclose(_f(bt.grad), _bias_grad(shape), rtol=1e-12)
    with pytest.raises(ValueError):
        F.linear(nn.tensor(x), nn.tensor(w), nn.ones(4, dtype=nn.float64))


def _bias_grad(shape):
    """The gradient of sum(x W^T + b) w.r.t. a bias of shape expanded to (3, 5): the count of outputs per entry."""
    return {(): 15.0, (1,): np.array([15.0]), (3, 5): np.ones((3, 5)), (3, 1): np.full((3, 1), 5.0)}[shape]


# ---- softmax family and logsumexp of an empty dim; softmax of an integer input with dtype= ---------------------------

def test_softmax_family_of_an_empty_dim():
    # PyTorch 2.13: F.softmax(zeros(2, 0), -1) -> an empty (2, 0) tensor (log_softmax, softmin too);
    # zeros(2, 0).logsumexp(-1) -> tensor([-inf, -inf]); an attention over no keys gives zeros
    x = nn.zeros(2, 0, dtype=nn.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn in (F.softmax, F.log_softmax, F.softmin):
            y = fn(x, -1)
            assert tuple(y.shape) == (2, 0)
            y.sum().backward()
        np.testing.assert_array_equal(_f(x.logsumexp(-1)), [-np.inf, -np.inf])
    q = nn.ones(2, 3, 4, 5)
    out = F.scaled_dot_product_attention(q, nn.zeros(2, 3, 0, 5), nn.zeros(2, 3, 0, 7))
    np.testing.assert_array_equal(_f(out), np.zeros((2, 3, 4, 7)))
    # a fully masked row still gives NaN (softmax) and -inf (logsumexp), as PyTorch's
    assert np.isnan(_f(F.softmax(nn.tensor([[-np.inf, -np.inf]]), 1))).all()
    assert _f(nn.tensor([[-np.inf, -np.inf]]).logsumexp(1)).tolist() == [-np.inf]


def test_softmax_of_an_integer_input_with_a_float_dtype():
    # PyTorch 2.13: F.softmax(torch.tensor([[1, 2, 3]]), 1, dtype=torch.float32) -> [[0.0900, 0.2447, 0.6652]]
    # (without dtype= it refuses the integer input, as nn does)
    x = nn.tensor([[1, 2, 3]])
    e = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    y = F.softmax(x, 1, dtype=nn.float32)
    assert y.dtype == nn.float32
    np.testing.assert_allclose(_f(y)[0], e, rtol=1e-6)
    np.testing.assert_allclose(_f(F.log_softmax(x, 1, dtype=nn.float64))[0], np.log(e), rtol=1e-12)
    np.testing.assert_allclose(_f(F.softmin(x, 1, dtype=nn.float64))[0], e[::-1], rtol=1e-12)
    with pytest.raises(TypeError):
        F.softmax(x, 1)


# ---- activations' gradients ----------------------------------------------------------------------------------------

# hardsigmoid's slope is PyTorch's kernel constant 1.0f / 6.0f, the float32 quotient, in float64 too
@pytest.mark.parametrize("fn, slope", [(F.hardtanh, 1.0), (F.relu6, 1.0), (F.hardswish, 0.7 / 3 + 0.5),
                                       (F.hardsigmoid, float(np.float32(1) / np.float32(6)))])
def test_piecewise_activations_backward_of_a_0d_input(fn, slope):
    # PyTorch 2.13: F.hardtanh(torch.tensor(0.7, requires_grad=True)).backward() -> grad 1; nn raised TypeError
    # "return arrays must be of ArrayType" (an in-place logical_not on a NumPy bool)
    x = nn.tensor(0.7, dtype=nn.float64, requires_grad=True)
    fn(x).backward()
    np.testing.assert_allclose(_f(x.grad), slope, rtol=1e-12)


def test_activation_gradients_at_nan_and_inf_follow_pytorchs_conditions():
    # PyTorch 2.13's backward kernels, at x = [nan, inf, -inf, -3, 3, 0.5]:
    #   elu / selu / celu: x <= 0 ? alpha e^x : 1         -> NaN takes 1 (nn: NaN)
    #   hardswish: x <= -3 ? 0 : x < 3 ? x/3 + 1/2 : 1     -> [1, 1, 0, 0, 1, 2/3] (nn: NaN at nan, inf and -inf)
    #   hardsigmoid: -3 < x < 3 ? 1/6 : 0                  -> NaN takes 0 (nn: 1/6)
    #   softshrink / hardshrink(0.5): -l <= x <= l ? 0 : 1 -> NaN takes 1 (nn: 2 and 0)
    x = np.array([np.nan, np.inf, -np.inf, -3.0, 3.0, 0.5])
    want = {
        F.elu: [1, 1, 0, np.exp(-3), 1, 1],
        F.selu: np.array([1, 1, 0, 1.6732632423543772 * np.exp(-3), 1, 1]) * 1.0507009873554805,
        F.celu: [1, 1, 0, np.exp(-3), 1, 1],
        F.hardswish: [1, 1, 0, 0, 1, 0.5 / 3 + 0.5],
        F.hardsigmoid: [0, 0, 0, 0, 0, float(np.float32(1) / np.float32(6))],
        F.softshrink: [1, 1, 1, 1, 1, 0],
        F.hardshrink: [1, 1, 1, 1, 1, 0],
    }
    for fn, g in want.items():
        t = nn.tensor(x, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = fn(t)
        y.sum().backward()
        np.testing.assert_allclose(_f(t.grad), g, rtol=1e-12, err_msg=fn.__name__)
        t2 = nn.tensor(x, requires_grad=True)       # create_graph: the same first derivative by recorded ops
        (g2,) = nn.autograd.grad(fn(t2).sum(), t2, create_graph=True)
        np.testing.assert_allclose(_f(g2), g, rtol=1e-12, err_msg=fn.__name__)
    # the shrinks' forward: NaN stays NaN
    assert np.isnan(_f(F.softshrink(nn.tensor([np.nan])))[0]) and np.isnan(_f(F.hardshrink(nn.tensor([np.nan])))[0])


def _fd(fn, x, h=1e-6):
    out = np.empty_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        out.flat[i] = (fn(x + e) - fn(x - e)) / (2 * h)
    return out


@pytest.mark.parametrize("name", ["hardswish", "hardsigmoid", "softshrink", "hardshrink"])
def test_rewritten_activations_match_finite_differences(name):
    x = np.array([-4.0, -2.5, -0.7, -0.2, 0.1, 0.6, 1.3, 2.8, 3.6])
    fn = getattr(F, name)
    t = nn.tensor(x, requires_grad=True)
    y = fn(t)
    w = np.cos(np.arange(x.size))
    (y * nn.tensor(w)).sum().backward()
    np.testing.assert_allclose(_f(t.grad), _fd(lambda a: (_f(fn(nn.tensor(a))) * w).sum(), x), rtol=1e-6, atol=1e-9)
    # second derivative (create_graph), against finite differences of the first
    def first(a):
        ta = nn.tensor(a, requires_grad=True)
        return _f(nn.autograd.grad((fn(ta) * nn.tensor(w)).sum(), ta)[0])
    t2 = nn.tensor(x, requires_grad=True)
    (g,) = nn.autograd.grad((fn(t2) * nn.tensor(w)).sum(), t2, create_graph=True)
    (gg,) = nn.autograd.grad(g.sum(), t2, allow_unused=True)
    want = _fd(lambda a: first(a).sum(), x)
    np.testing.assert_allclose(np.zeros_like(x) if gg is None else _f(gg), want, rtol=1e-5, atol=1e-7)


def test_elu_second_derivative_is_zero_at_zero():
    # PyTorch 2.13 (elu_double_backward): d2/dx2 elu at x = 0 is 0 (nn gave alpha); selu scales it
    for fn in (F.elu, F.selu):
        t = nn.tensor([0.0, -1.0], dtype=nn.float64, requires_grad=True)
        (g,) = nn.autograd.grad(fn(t).sum(), t, create_graph=True)
        (gg,) = nn.autograd.grad(g.sum(), t)
        scale = 1.0507009873554805 * 1.6732632423543772 if fn is F.selu else 1.0
        np.testing.assert_allclose(_f(gg), [0.0, scale * np.exp(-1.0)], rtol=1e-12)


# ---- cdist / pdist with p = 0 ----------------------------------------------------------------------------------------

def test_cdist_and_pdist_with_p_zero():
    # PyTorch 2.13: torch.cdist(a, b, p=0) counts the differing components, with a zero gradient; F.pdist(a, 0)
    # too; a negative p: RuntimeError "cdist only supports non-negative p values" ("pdist ..." for pdist)
    a = nn.tensor([[1.0, 2.0, 3.0], [1.0, 0.0, 3.0], [0.0, 0.0, 0.0]], requires_grad=True)
    b = nn.tensor([[1.0, 2.0, 0.0]])
    d = nn.cdist(a, b, p=0)
    np.testing.assert_array_equal(_f(d), [[1.0], [2.0], [2.0]])
    d.sum().backward()
    np.testing.assert_array_equal(_f(a.grad), np.zeros((3, 3)))
    np.testing.assert_array_equal(_f(F.pdist(a, 0)), [1.0, 3.0, 2.0])
    with pytest.raises(RuntimeError, match=r"^cdist only supports non-negative p values$"):
        nn.cdist(a, b, p=-1.0)
    with pytest.raises(RuntimeError, match=r"^pdist only supports non-negative p values$"):
        F.pdist(a, -1.0)


# ---- pad: a value with a non-constant mode ---------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_refuses_a_value_with_a_non_constant_mode(mode):
    # PyTorch 2.13: F.pad(x, (1, 1), mode='reflect', value=2.5) -> RuntimeError 'Padding mode "reflect" doesn't take
    # in value argument' (nn ignored the value); value=0 or None is taken
    x = nn.tensor(np.arange(8.0).reshape(1, 2, 4))
    with pytest.raises(RuntimeError, match=rf'^Padding mode "{mode}" doesn\'t take in value argument$'):
        F.pad(x, (1, 1), mode=mode, value=2.5)
    np.testing.assert_array_equal(_f(F.pad(x, (1, 1), mode=mode, value=0)), _f(F.pad(x, (1, 1), mode=mode)))


# ---- interpolate of a uint8 image in the nearest modes ---------------------------------------------------------------

def test_interpolate_nearest_takes_uint8_pixels():
    # PyTorch 2.13: F.interpolate(uint8 (1, 1, 2, 3), scale_factor=2) -> uint8, each pixel repeated 2 x 2;
    # 'nearest-exact' and 3-D / 5-D inputs too; 'area' still refuses uint8
    img = np.array([[[[0, 128, 255], [7, 8, 9]]]], dtype=np.uint8)
    y = F.interpolate(nn.tensor(img), scale_factor=2)
    assert y.dtype == nn.uint8
    np.testing.assert_array_equal(_f(y)[0, 0], img[0, 0].repeat(2, 0).repeat(2, 1))
    # size 5 from 3 ('nearest-exact': src = floor((dst + 0.5) * 3 / 5) = 0, 0, 1, 2, 2)
    row = np.array([[[10, 20, 30]]], dtype=np.uint8)
    np.testing.assert_array_equal(_f(F.interpolate(nn.tensor(row), size=5, mode="nearest-exact"))[0, 0],
                                  [10, 10, 20, 30, 30])
    # 'nearest': src = floor(dst * 3 / 5) = 0, 0, 1, 1, 2
    np.testing.assert_array_equal(_f(F.interpolate(nn.tensor(row), size=5))[0, 0], [10, 10, 20, 20, 30])
    vol = np.arange(8, dtype=np.uint8).reshape(1, 1, 2, 2, 2)
    np.testing.assert_array_equal(_f(F.interpolate(nn.tensor(vol), scale_factor=2)),
                                  vol.repeat(2, 2).repeat(2, 3).repeat(2, 4))
    with pytest.raises(NotImplementedError, match="^\"adaptive_avg_pool2d\" not implemented for 'Byte'$"):
        F.interpolate(nn.tensor(img), scale_factor=2, mode="area")     # PyTorch 2.13's words


# ---- multi_head_attention_forward with static_k / static_v -----------------------------------------------------------

def _mha_reference(q, w_in, b_in, w_out, b_out, H, k_heads, v_heads):
    """PyTorch's multi_head_attention_forward with static_k / static_v (N * H, S, Dh): the projected queries
    against the given per-head keys and values, then the output projection."""
    L, N, E = q.shape
    Dh = E // H
    qh = (q @ w_in[:E].T + b_in[:E]).reshape(L, N * H, Dh).transpose(1, 0, 2) / np.sqrt(Dh)
    s = qh @ k_heads.transpose(0, 2, 1)
    a = np.exp(s - s.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    out = (a @ v_heads).transpose(1, 0, 2).reshape(L, N, E) @ w_out.T + b_out
    return out, a.reshape(N, H, L, -1).mean(1)


def test_multi_head_attention_forward_with_static_keys_and_values():
    # PyTorch 2.13 takes static_k / static_v (N * H, S, E / H) in place of the projected keys / values (nn raised
    # NotImplementedError); a wrong first dim: AssertionError "expecting static_k.size(0) of 6, but got 4"
    rng = np.random.default_rng(2)
    E, H, L, S, N = 6, 2, 4, 7, 3
    q, kv = rng.standard_normal((L, N, E)), rng.standard_normal((5, N, E))
    w_in, b_in, w_out, b_out = (rng.standard_normal(s) for s in ((3 * E, E), (3 * E,), (E, E), (E,)))
    sk, sv = rng.standard_normal((N * H, S, E // H)), rng.standard_normal((N * H, S, E // H))
    t = [nn.tensor(a) for a in (q, kv, kv, w_in, b_in)]
    qt = nn.tensor(q, requires_grad=True)
    skt = nn.tensor(sk, requires_grad=True)
    out, weights = F.multi_head_attention_forward(qt, t[1], t[2], E, H, t[3], t[4], None, None, False, 0.0,
                                                  nn.tensor(w_out), nn.tensor(b_out), training=False,
                                                  static_k=skt, static_v=nn.tensor(sv))
    want_out, want_w = _mha_reference(q, w_in, b_in, w_out, b_out, H, sk, sv)
    np.testing.assert_allclose(_f(out), want_out, rtol=1e-10)
    np.testing.assert_allclose(_f(weights), want_w, rtol=1e-10)
    out.sum().backward()
    assert tuple(skt.grad.shape) == (N * H, S, E // H) and np.abs(_f(skt.grad)).sum() > 0
    with pytest.raises(AssertionError, match=r"^expecting static_k.size\(0\) of 6, but got 4$"):
        F.multi_head_attention_forward(t[0], t[1], t[2], E, H, t[3], t[4], None, None, False, 0.0, nn.tensor(w_out),
                                       nn.tensor(b_out), training=False, static_k=nn.tensor(sk[:4]))


def test_huber_loss_keeps_the_inputs_float_dtype():
    # PyTorch 2.13: F.huber_loss(float32 input, float64 target) -> float32 (its kernel writes into a tensor like the
    # input; mse / l1 / smooth_l1 promote to float64); a float64 weight still promotes the weighted loss
    x = nn.tensor([0.25, -1.5, 3.0], dtype=nn.float32, requires_grad=True)
    t = nn.tensor([0.0, 0.5, 1.0], dtype=nn.float64)
    d = np.array([0.25, -2.0, 2.0])
    want = np.where(np.abs(d) < 1, 0.5 * d * d, np.abs(d) - 0.5)
    y = F.huber_loss(x, t, reduction="none")
    assert y.dtype == nn.float32
    np.testing.assert_allclose(_f(y), want, rtol=1e-6)
    loss = F.huber_loss(x, t)
    assert loss.dtype == nn.float32
    loss.backward()
    assert x.grad.dtype == nn.float32
    np.testing.assert_allclose(_f(x.grad), np.clip(d, -1, 1) / 3, rtol=1e-6)
    assert F.huber_loss(x, t, weight=nn.ones(3, dtype=nn.float64)).dtype == nn.float64
    assert F.mse_loss(x, t).dtype == nn.float64 and F.smooth_l1_loss(x, t).dtype == nn.float64


# ---- glu: PyTorch's errors, and an empty dim -------------------------------------------------------------------------

def test_glu_errors_and_empty_dim():
    # PyTorch 2.13: F.glu(zeros(2, 3), 1) -> RuntimeError "Halving dimension must be even, but dimension 1 is size 3"
    # (dim -1 is named 1); a 0-d input: "glu does not support scalars because halving size must be even";
    # F.glu(zeros(0, 4), 1) -> (0, 2), F.glu(zeros(2, 0), 1) -> (2, 0) (nn: "not enough values to unpack")
    for dim in (1, -1):
        with pytest.raises(RuntimeError, match=r"^Halving dimension must be even, but dimension 1 is size 3$"):
            F.glu(nn.zeros(2, 3), dim)
    with pytest.raises(RuntimeError, match=r"^glu does not support scalars because halving size must be even$"):
        F.glu(nn.tensor(1.0), 0)
    assert tuple(F.glu(nn.zeros(0, 4), 1).shape) == (0, 2)
    x = nn.zeros(2, 0, requires_grad=True)
    y = F.glu(x, 1)
    assert tuple(y.shape) == (2, 0)
    y.sum().backward()
    assert tuple(x.grad.shape) == (2, 0)
    v = np.array([[1.0, -2.0, 0.5, 3.0]])
    np.testing.assert_allclose(_f(F.glu(nn.tensor(v), -1)), v[:, :2] / (1 + np.exp(-v[:, 2:])), rtol=1e-12)


# ---- cosine_similarity broadcasts before the norms -------------------------------------------------------------------

def test_cosine_similarity_broadcasts_its_inputs_before_taking_norms():
    # PyTorch 2.13 (expand_outplace first): F.cosine_similarity(a (3,), b (1,), dim=0) = a . [b, b, b] / (|a| sqrt(3)
    # |b|); nn took |b| of the unexpanded (1,) tensor (a result sqrt(3) times too large, silently)
    a, b = np.array([0.5, -1.0, 2.0]), np.array([0.7])
    want = (a * b).sum() / (np.linalg.norm(a) * np.sqrt(3) * abs(b[0]))
    at, bt = nn.tensor(a, requires_grad=True), nn.tensor(b, requires_grad=True)
    y = F.cosine_similarity(at, bt, dim=0)
    np.testing.assert_allclose(_f(y), want, rtol=1e-12)
    y.backward()

    def f(av, bv):
        return (av * bv).sum() / (np.linalg.norm(av) * np.linalg.norm(np.broadcast_to(bv, av.shape)))
    np.testing.assert_allclose(_f(at.grad), _fd(lambda v: f(v, b), a), rtol=1e-6)
    np.testing.assert_allclose(_f(bt.grad), _fd(lambda v: f(a, v), b), rtol=1e-6, atol=1e-9)
    # (2, 1, 5) against (1, 3, 1) along the last dim: the (1, 3, 1) one is expanded to 5 equal entries
    x1, x2 = np.arange(10.0).reshape(2, 1, 5) - 4, np.array([1.0, -2.0, 0.5]).reshape(1, 3, 1)
    e1, e2 = np.broadcast_arrays(x1, x2)
    want = (e1 * e2).sum(-1) / (np.linalg.norm(e1, axis=-1) * np.linalg.norm(e2, axis=-1))
    np.testing.assert_allclose(_f(F.cosine_similarity(nn.tensor(x1), nn.tensor(x2), dim=-1)), want, rtol=1e-12)


# ---- second derivatives (create_graph) that nn refused ---------------------------------------------------------------

def _first_grad_dot(fn, arrays, w_seed=0):
    """s(arrays) = sum_i <d/dx_i sum(fn(*xs) * w), v_i>, by first-order gradients only (w, v fixed draws)."""
    ts = [nn.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    w = nn.tensor(np.cos(np.arange(y.numel()) * 0.37 + w_seed).reshape(tuple(y.shape)))
    gs = nn.autograd.grad((y * w).sum(), ts, allow_unused=True)
    return sum(float((_f(g) * np.sin(np.arange(g.numel()) * 0.53 + k).reshape(g.shape)).sum())
               for k, g in enumerate(gs) if g is not None)


def _check_second_derivative(fn, arrays, rtol=1e-5, atol=1e-7):
    """The create_graph gradient of s (above) against central differences of s, for every input."""
    ts = [nn.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*ts)
    w = nn.tensor(np.cos(np.arange(y.numel()) * 0.37).reshape(tuple(y.shape)))
    gs = nn.autograd.grad((y * w).sum(), ts, create_graph=True, allow_unused=True)
    s = sum((g * nn.tensor(np.sin(np.arange(g.numel()) * 0.53 + k).reshape(tuple(g.shape)))).sum()
            for k, g in enumerate(gs) if g is not None)
    hs = nn.autograd.grad(s, ts, allow_unused=True)
    for i, (a, h) in enumerate(zip(arrays, hs)):
        def s_of(v, i=i):
            return _first_grad_dot(fn, [v if j == i else b for j, b in enumerate(arrays)])
        want = _fd(s_of, a, h=1e-5)
        np.testing.assert_allclose(np.zeros_like(a) if h is None else _f(h), want, rtol=rtol, atol=atol)


def test_second_derivatives_of_losses_nn_refused():
    # PyTorch 2.13 differentiates these gradients again (WGAN-GP / MAML-style create_graph=True); nn raised
    # NotImplementedError "the gradient of smooth_l1 (binary_cross_entropy, kl_div, prelu, sign, unfold) cannot be
    # differentiated again"
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    p, q = 1 / (1 + np.exp(-x)), 1 / (1 + np.exp(-t))
    _check_second_derivative(lambda a, b: F.smooth_l1_loss(a, b, beta=0.7), [x, t])
    _check_second_derivative(lambda a, b: F.huber_loss(a, b, delta=0.7), [x, t])
    _check_second_derivative(lambda a, b: F.binary_cross_entropy(a, b, weight=nn.tensor(np.abs(t))), [p, q])
    _check_second_derivative(lambda a, b: F.kl_div(a.log_softmax(1), b.softmax(1), reduction="batchmean"), [x, t])
    _check_second_derivative(lambda a, b: F.kl_div(a, b, reduction="sum", log_target=True), [x, t])
    _check_second_derivative(lambda a, w: F.prelu(a, w) ** 2,
                             [rng.standard_normal((2, 3, 4)), np.array([0.2, 0.5, 1.5])])
    _check_second_derivative(lambda a: F.lp_pool2d(a.abs() + 0.1, 3, 2), [rng.standard_normal((1, 2, 4, 4))])
    _check_second_derivative(lambda a: F.unfold(a, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)) ** 2,
                             [rng.standard_normal((1, 2, 4, 5))])
    _check_second_derivative(lambda a: F.fold(a, (4, 5), 2) ** 2, [rng.standard_normal((1, 8, 12))])
