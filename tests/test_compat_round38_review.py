"""The review of compatibility round 38: one regression test per fix it made.

- einsum's matmul path (nn/tensor_ops/einsum.py _contract) took outer and element-wise products, where no letter of
  both operands is summed, as batched matrix products of inner size 1: 10x slower for 'bi,bj->bij' and 25x for
  'ijk,ijk->ijk' than np.einsum's loop. PyTorch multiplies those (its sumproduct_pair's mul); so does nn again.
- einsum's matmul path ran NumPy's matmul and sums under the caller's error state: an inf times 0 warned "invalid value
  encountered in matmul" (an error under np.errstate(all="raise")), where np.einsum's loop before it, and PyTorch,
  give NaN silently; it runs quietly now, as the round made Tensor.__matmul__.
- einsum's character check let a ',' after the '->' through, to NumPy's ValueError; PyTorch refuses it as any other
  character that is no subscript, at its index.
- RNNBase.forward read an LSTM's state as (hx[0], hx[1]) and let a third one pass; PyTorch's kernel refuses it
  ("lstm expects two hidden states") after the size checks, where its Python code has not rebuilt it as a pair
  (a batched input, or a packed one without sorted_indices); the round's parent refused it in nn's own words.
- The lazy convolutions read in_channels from a 1-D input's missing dim (IndexError) or ran the eager conv's check
  (its op's name); PyTorch's _LazyConvXdMixin checks the rank first, naming the lazy class.
- nn.hub's trust check lacked PyTorch's _TRUSTED_REPO_OWNERS, so torch.hub.load("facebookresearch/dinov2:<ref>", ...)
  with the default trust_repo="check" asked on stdin where PyTorch trusts the owner.
- cdist's differences path recomputed its distances for create_graph=True with the default compute_mode, so past 25
  rows (and in pdist, which always takes the differences) by the matrix-product form, whose rounding at a small
  distance is large: the recorded gradient of close points was off by 0.1 from backward()'s.
- cdist's matrix-product form, likewise, warned or raised on an inf (inf - inf in its product); PyTorch's gives NaN
  there silently.
- Categorical checked its parameters' dims before that exactly one was given: Categorical(probs=0-d, logits=0-d)
  said "`probs` parameter must be at least one-dimensional." where PyTorch says "Either `probs` or `logits` ...".
- autograd.backward([]) raised AttributeError (PyTorch runs nothing), and backward(..., inputs=[]) said `grad()`.
"""
import builtins
import warnings

import numpy as np
import pytest

import nn
import nn.hub
import nn.tensor_ops.einsum as einsum_module


# ---- einsum: products without a summed letter are not matrix products -------------------------------------------

class _CountingNumPy:
    """numpy, with its matmul calls counted (set as the einsum module's np)."""

    def __init__(self):
        self.matmuls = 0

    def __getattr__(self, name):
        return getattr(np, name)

    def matmul(self, *args, **kwargs):
        self.matmuls += 1
        return np.matmul(*args, **kwargs)


@pytest.mark.parametrize("equation, shapes", [("bi,bj->bij", [(100, 64), (100, 64)]),
                                              ("ijk,ijk->ijk", [(40, 40, 40), (40, 40, 40)]),
                                              ("i,j->ij", [(300,), (300,)])])
def test_einsum_products_without_a_summed_letter_are_multiplied(monkeypatch, equation, shapes):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s).astype(np.float32) for s in shapes)
    counting = _CountingNumPy()
    monkeypatch.setattr(einsum_module, "np", counting)
    y = nn.einsum(equation, nn.tensor(a), nn.tensor(b))
    assert counting.matmuls == 0
    np.testing.assert_array_equal(y.data, np.einsum(equation, a, b))     # one product per element: exact


def test_einsum_contractions_still_take_the_matrix_product(monkeypatch):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((4, 64, 32)), rng.standard_normal((4, 32, 64))
    counting = _CountingNumPy()
    monkeypatch.setattr(einsum_module, "np", counting)
    x = nn.tensor(a, requires_grad=True)
    y = nn.einsum("bij,bjk->bik", x, nn.tensor(b))
    y.backward(nn.ones(4, 64, 64, dtype=nn.float64))
    assert counting.matmuls == 2                    # the forward and x's gradient
    np.testing.assert_allclose(y.data, a @ b, rtol=1e-12)
    np.testing.assert_allclose(x.grad, np.ones((4, 64, 64)) @ b.transpose(0, 2, 1), rtol=1e-12)


def test_einsum_products_and_their_gradients_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    for equation, shapes in [("bi,bj->bij", [(100, 64), (100, 64)]), ("ijk,ijk->ijk", [(40, 40, 40)] * 2)]:
        a, b = (rng.standard_normal(s).astype(np.float32) for s in shapes)
        xs = [nn.tensor(v, requires_grad=True) for v in (a, b)]
        ts = [torch.tensor(v, requires_grad=True) for v in (a, b)]
        y, yt = nn.einsum(equation, *xs), torch.einsum(equation, *ts)
        np.testing.assert_array_equal(y.data, yt.detach().numpy())
        g = rng.standard_normal(y.shape).astype(np.float32)
        y.backward(nn.tensor(g))
        yt.backward(torch.tensor(g))
        for x, t in zip(xs, ts):
            np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("equation, shapes", [("ij,jk->ik", [(64, 64), (64, 64)]),
                                              ("ijz,jk->ik", [(64, 64, 8), (64, 64)]),
                                              ("bij,bjk->bik", [(2, 64, 64), (2, 64, 64)])])
def test_einsum_inf_times_zero_is_nan_silently(equation, shapes):
    a = np.full(shapes[0], np.inf, np.float32)
    a[..., 1] = -np.inf                             # (an own letter's sum: inf - inf)
    x = nn.tensor(a, requires_grad=True)
    for mode in ("warn", "raise"):
        with np.errstate(all=mode), warnings.catch_warnings():
            warnings.simplefilter("error")
            y = nn.einsum(equation, x, nn.zeros(*shapes[1]))
            y.backward(nn.ones(*y.shape))
        assert np.isnan(y.data).all()


def test_einsum_comma_in_the_output_is_an_invalid_subscript():
    a, b = nn.ones(2, 3), nn.ones(3, 4)
    for equation, index in (("ij,jk->i,k", 8), ("ij,jk->ik,", 9), ("ij,jk->,", 7), ("ij->i,", 5)):
        operands = (a, b) if "," in equation.split("->")[0] else (a,)
        with pytest.raises(RuntimeError, match=f"^einsum\\(\\): invalid subscript given at index {index} in the "
                                               f"equation string, subscripts must be in \\[a-zA-Z\\]$"):
            nn.einsum(equation, *operands)
    assert tuple(nn.einsum("ij,jk->i k", a, b).shape) == (2, 4)      # a space is no subscript, anywhere


def test_einsum_comma_in_the_output_as_pytorch():
    torch = pytest.importorskip("torch")
    for equation in ("ij,jk->i,k", "ij,jk->ik,", ",ij,jk->ik", "-ij,jk"):
        words = []
        for lib in (torch, nn):
            with pytest.raises(RuntimeError) as info:
                lib.einsum(equation, lib.ones(2, 3), lib.ones(3, 4))
            words.append(str(info.value))
        assert words[0] == words[1]


# ---- LSTM: two states, no more ------------------------------------------------------------------------------------

def _lstm_words(lib, lstm, x, hx):
    try:
        lstm(x, hx)
    except RuntimeError as e:
        return str(e)
    return "no error"


def test_lstm_refuses_a_third_state_after_the_size_checks():
    lstm = nn.LSTM(3, 4)
    x, h = nn.zeros(5, 2, 3), nn.zeros(1, 2, 4)
    assert _lstm_words(nn, lstm, x, (h, h, h)) == "lstm expects two hidden states"
    assert _lstm_words(nn, lstm, x, [h, h, h]) == "lstm expects two hidden states"
    packed = nn.utils.rnn.pack_sequence([nn.zeros(5, 3), nn.zeros(3, 3)])
    assert _lstm_words(nn, lstm, packed, (h, h, h)) == "lstm expects two hidden states"
    # where PyTorch's Python code rebuilds the state as a pair first, a third one is dropped unread
    assert _lstm_words(nn, lstm, nn.zeros(5, 3), (nn.zeros(1, 4),) * 3) == "no error"
    unsorted = nn.utils.rnn.pack_sequence([nn.zeros(3, 3), nn.zeros(5, 3)], enforce_sorted=False)
    assert _lstm_words(nn, lstm, unsorted, (h, h, h)) == "no error"
    # the sizes are checked first, as PyTorch's check_forward_args runs before its kernel
    assert _lstm_words(nn, lstm, x, (nn.zeros(1, 3, 4), h, h)) == "Expected hidden[0] size (1, 2, 4), got [1, 3, 4]"
    out, (h1, c1) = lstm(x, [h, h])                 # a list of two, as PyTorch takes it
    assert tuple(out.shape) == (5, 2, 4) and tuple(h1.shape) == tuple(c1.shape) == (1, 2, 4)


def test_lstm_third_state_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        lib.manual_seed(0)
    lstm_t, lstm_n = torch.nn.LSTM(3, 4), nn.LSTM(3, 4)
    h = torch.zeros(1, 2, 4)
    for lengths, enforce_sorted in (([5, 3], True), ([3, 5], False)):
        seqs = [torch.zeros(n, 3) for n in lengths]
        xt = torch.nn.utils.rnn.pack_sequence(seqs, enforce_sorted=enforce_sorted)
        xn = nn.utils.rnn.pack_sequence([nn.tensor(s.numpy()) for s in seqs], enforce_sorted=enforce_sorted)
        assert _lstm_words(nn, lstm_n, xn, (nn.tensor(h.numpy()),) * 3) == _lstm_words(torch, lstm_t, xt, (h,) * 3)
    for x, h in ((torch.zeros(5, 2, 3), h), (torch.zeros(5, 3), torch.zeros(1, 4))):
        xn, hn = nn.tensor(x.numpy()), nn.tensor(h.numpy())
        assert _lstm_words(nn, lstm_n, xn, (hn,) * 3) == _lstm_words(torch, lstm_t, x, (h,) * 3)


# ---- lazy convolutions check the input's rank, as PyTorch's ------------------------------------------------------

@pytest.mark.parametrize("cls, d", [("LazyConv1d", 1), ("LazyConv2d", 2), ("LazyConv3d", 3),
                                    ("LazyConvTranspose1d", 1), ("LazyConvTranspose2d", 2),
                                    ("LazyConvTranspose3d", 3)])
def test_lazy_conv_input_rank(cls, d):
    layer = getattr(nn, cls)(2, 1)
    for shape in ((2,), (2,) * (d + 3)):
        with pytest.raises(RuntimeError) as info:
            layer(nn.zeros(*shape))
        assert str(info.value) == (f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {cls}, but got "
                                   f"input of size: nn.Size({list(shape)})")
    assert type(layer).__name__ == cls                 # still lazy: a right input builds it
    assert tuple(layer(nn.zeros(*(3,) * (d + 1))).shape)[0] == 2


def test_lazy_conv_input_rank_as_pytorch():
    torch = pytest.importorskip("torch")
    for cls in ("LazyConv2d", "LazyConvTranspose3d"):
        for shape in ((2,), (2,) * 6):
            words = []
            for lib, layers in ((torch, torch.nn), (nn, nn)):
                try:
                    getattr(layers, cls)(2, 1)(lib.zeros(*shape))
                except RuntimeError as e:
                    words.append(str(e).replace("torch.Size", "Size").replace("nn.Size", "Size"))
            assert len(words) == 2 and words[0] == words[1]


# ---- nn.hub trusts PyTorch's owners -------------------------------------------------------------------------------

@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    old = nn.hub._hub_dir
    nn.hub.set_dir(str(tmp_path))

    def no_prompt(*args):
        raise AssertionError("asked on stdin")
    monkeypatch.setattr(builtins, "input", no_prompt)
    yield tmp_path
    nn.hub._hub_dir = old


def test_hub_trusts_pytorchs_owners_without_asking(hub_cache):
    # PyTorch 2.13's _TRUSTED_REPO_OWNERS: its check passes without a prompt and writes nothing to trusted_list
    for owner in ("facebookresearch", "facebookincubator", "pytorch", "fairinternal"):
        with pytest.raises(RuntimeError, match="nn downloads nothing"):
            nn.hub.load(f"{owner}/repo:v9", "entry")
    assert (hub_cache / "trusted_list").read_text() == ""
    with pytest.raises(AssertionError, match="asked on stdin"):        # any other owner is asked about
        nn.hub.load("someone/repo:v9", "entry")


def test_hub_trusted_owners_as_pytorch():
    torch = pytest.importorskip("torch")
    assert nn.hub._TRUSTED_REPO_OWNERS == torch.hub._TRUSTED_REPO_OWNERS


# ---- autograd.backward: no tensors, and an empty inputs ----------------------------------------------------------

def test_autograd_backward_of_nothing_and_empty_inputs():
    assert nn.autograd.backward([]) is None
    assert nn.autograd.backward(()) is None
    x = nn.ones(2, requires_grad=True)
    for call in (lambda: nn.autograd.backward([x.sum()], inputs=[]),
                 lambda: nn.autograd.backward([x.sum(), x.sum()], inputs=[]),
                 lambda: nn.autograd.backward([], inputs=[]),
                 lambda: x.sum().backward(inputs=[])):
        with pytest.raises(RuntimeError, match=r"^`inputs` argument to `backward\(\)` cannot be empty\.$"):
            call()
    assert x.grad is None


def test_autograd_backward_of_nothing_as_pytorch():
    torch = pytest.importorskip("torch")
    assert torch.autograd.backward([]) is None
    x = torch.ones(2, requires_grad=True)
    for call in (lambda: torch.autograd.backward([x.sum()], inputs=[]), lambda: x.sum().backward(inputs=[]),
                 lambda: torch.autograd.backward([], inputs=[])):
        with pytest.raises(RuntimeError, match=r"^`inputs` argument to `backward\(\)` cannot be empty\.$"):
            call()


# ---- cdist / pdist: create_graph's gradient is backward()'s -------------------------------------------------------

def _close_points():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((30, 3)).astype(np.float32) * 100
    a[1] = a[0] + np.float32(1e-2)              # 0.017 apart, among points 100 apart
    return a


@pytest.mark.parametrize("distance", [lambda x: nn.pdist(x),
                                      lambda x: nn.cdist(x, x, compute_mode="donot_use_mm_for_euclid_dist")])
def test_cdist_differences_recorded_gradient_is_backwards(distance):
    a = _close_points()
    x = nn.tensor(a, requires_grad=True)
    recorded, = nn.autograd.grad(distance(x).sum(), x, create_graph=True)
    plain, = nn.autograd.grad(distance(x).sum(), x)
    np.testing.assert_allclose(recorded.data, plain.data, rtol=1e-5, atol=1e-5)
    recorded.sum().backward()                   # and it is differentiable again
    assert np.isfinite(x.grad).all()


def test_pdist_gradient_as_pytorch():
    torch = pytest.importorskip("torch")
    a = _close_points()
    x, t = nn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    recorded, = nn.autograd.grad(nn.pdist(x).sum(), x, create_graph=True)
    expected, = torch.autograd.grad(torch.pdist(t).sum(), t)
    np.testing.assert_allclose(recorded.data, expected.numpy(), rtol=1e-4, atol=1e-4)


def _inf_points():
    a, b = np.ones((30, 3), np.float32), np.ones((30, 3), np.float32)
    a[0, 0], b[1, 1] = np.inf, np.inf
    return a, b


def test_cdist_matrix_form_inf_is_nan_silently():
    a, b = _inf_points()
    for mode in ("warn", "raise"):
        with np.errstate(all=mode), warnings.catch_warnings():
            warnings.simplefilter("error")
            x = nn.tensor(a, requires_grad=True)
            d = nn.cdist(x, nn.tensor(b))
            d.sum().backward()
        # the row of the inf point and the column of the other are NaN (inf - inf in |a|^2 - 2 a.b + |b|^2)
        expected = np.zeros((30, 30), bool)
        expected[0, :] = expected[:, 1] = True
        np.testing.assert_array_equal(np.isnan(d.data), expected)


def test_cdist_matrix_form_inf_as_pytorch():
    torch = pytest.importorskip("torch")
    a, b = _inf_points()
    d, t = nn.cdist(nn.tensor(a), nn.tensor(b)), torch.cdist(torch.tensor(a), torch.tensor(b))
    np.testing.assert_array_equal(np.isnan(d.data), np.isnan(t.numpy()))


# ---- Categorical: exactly one of probs and logits, checked first -------------------------------------------------

def test_categorical_checks_one_parameter_given_before_its_dims():
    both = "^Either `probs` or `logits` must be specified, but not both.$"
    for kwargs, words in (({"probs": nn.tensor(0.5), "logits": nn.tensor(0.5)}, both),
                          ({"probs": nn.tensor([0.5]), "logits": nn.tensor(0.5)}, both),
                          ({}, both),
                          ({"probs": nn.tensor(0.5)}, "^`probs` parameter must be at least one-dimensional.$"),
                          ({"logits": nn.tensor(0.5)}, "^`logits` parameter must be at least one-dimensional.$")):
        with pytest.raises(ValueError, match=words):
            nn.distributions.Categorical(**kwargs)


def test_categorical_check_order_as_pytorch():
    torch = pytest.importorskip("torch")
    for probs, logits in ((0.5, 0.5), ([0.5], 0.5), (0.5, None), (None, 0.5), (None, None)):
        words = []
        for lib in (torch, nn):
            kwargs = {k: lib.tensor(v) for k, v in (("probs", probs), ("logits", logits)) if v is not None}
            with pytest.raises(ValueError) as info:
                lib.distributions.Categorical(**kwargs)
            words.append(str(info.value))
        assert words[0] == words[1]


# ---- logsumexp: one node, the composed ops' arithmetic (Categorical's logits are normalised by it) ---------------

def test_logsumexp_is_one_node_rounding_as_the_composed_ops():
    # the node does (x - m).exp().sum(keepdim).log() + m in one: the same values and gradients bit for bit, over
    # float32 (nn's exp of small float32 tensors rounds from float64) and float64, infinities, several dims
    rng = np.random.default_rng(0)
    for trial in range(60):
        nd = int(rng.integers(1, 4))
        shape = tuple(int(v) for v in rng.integers(1, 6, nd))
        dt = (np.float32, np.float64)[trial % 2]
        a = (rng.standard_normal(shape) * rng.choice([1, 10, 100])).astype(dt)
        if trial % 7 == 0:
            a.flat[0] = np.inf
        if trial % 11 == 0:
            a.flat[-1] = -np.inf
        dim = tuple(sorted({int(d) % nd for d in rng.integers(-nd, nd, int(rng.integers(1, nd + 1)))}))
        keep = bool(trial % 3)
        x1, x2 = nn.tensor(a, requires_grad=True), nn.tensor(a, requires_grad=True)
        y1 = nn.logsumexp(x1, dim, keepdim=keep)
        m = np.max(a, axis=dim, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0).astype(dt)
        y2 = (x2 - m).exp().sum(dim, keepdim=True).log() + m
        y2 = y2 if keep else y2.squeeze(dim)
        g = rng.standard_normal(y1.shape).astype(dt)
        y1.backward(nn.tensor(g))
        y2.backward(nn.tensor(g))
        assert y1.shape == y2.shape and y1.dtype == y2.dtype
        np.testing.assert_array_equal(y1.detach().numpy(), y2.detach().numpy())
        np.testing.assert_array_equal(x1.grad, x2.grad)
    assert type(nn.logsumexp(nn.ones(2, requires_grad=True), 0).grad_fn).__name__ == "LogsumexpBackward0"


def test_logsumexp_second_derivative_against_finite_differences():
    a = np.random.default_rng(1).standard_normal((3, 4))
    v = np.random.default_rng(2).standard_normal((3, 4))

    def grad_dot_v(arr):
        x = nn.tensor(arr, requires_grad=True)
        g, = nn.autograd.grad((nn.logsumexp(x, 1) ** 2).sum(), x, create_graph=True)
        return g, x
    g, x = grad_dot_v(a)
    h, = nn.autograd.grad((g * nn.tensor(v)).sum(), x)
    eps = 1e-6
    for i in np.ndindex(a.shape):
        d = np.zeros_like(a)
        d[i] = eps
        numeric = ((grad_dot_v(a + d)[0].detach().numpy() - grad_dot_v(a - d)[0].detach().numpy()) * v).sum() / (2 * eps)
        assert abs(np.asarray(h)[i] - numeric) < 1e-8
