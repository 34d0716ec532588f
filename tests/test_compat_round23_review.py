"""Round 23, the review of the whole round's change (1351c5a..624a8ce: the seven areas' fixes), each claim checked
against PyTorch 2.13.

The failures these tests pin down: the round made float32 `x ** p` round as PyTorch's pow kernel (x*x*x, 1/(x*x)
and rsqrt for 3, -2 and -0.5; libm's powf for fewer than 16 float32 elements), but the backward pass still took
p * a^(p-1) from NumPy's power, where PyTorch's pow_backward is exponent * self.pow(exponent - 1) by the same kernel:
the gradient of a few float32 elements' `x ** -2`, `x ** -0.5` or `x ** 2.5` was an ulp off PyTorch's for a third
of them, and `x ** 4`'s gradient (4 * x.pow(3), which PyTorch computes as x*x*x) an ulp off in float32 and float64;
the forward and the backward now round by one function. The round added F._mha_shape_check (PyTorch's rank checks
of multi_head_attention_forward, in its words) beside multi_head_attention_forward's own batched / unbatched test
(query.ndim == 2), which checked nothing: a batched query with 2-D keys, a 4-D or 1-D query, or a mask of the wrong
rank failed later in nn's words or NumPy's ("too many values to unpack", "shape '[5, 4, 2]' is invalid",
"key_padding_mask must be (2, 3), got (3,)"), where PyTorch raises its AssertionErrors first; it now calls
_mha_shape_check (which reads the ranks of masks given as arrays too), for nn.MultiheadAttention as well. Likewise
the round's F._canonical_mask was not used by nn's own attention: an integer mask Tensor was refused in nn's words
(TypeError "attention masks must be bool or floating, got int64"; PyTorch: AssertionError "only bool and floating
types of key_padding_mask are supported") and a bool key_padding_mask beside a float attn_mask did not warn as
PyTorch's MultiheadAttention does; multi_head_attention_forward now passes mask Tensors through it. Checking
the powers of other dtypes (before the round as after it): an integer tensor to a negative Python int power gave
floats (nn.tensor([2, 3]) ** -2 was [0.25, 0.1111]) where PyTorch refuses it ("Integers to negative integer powers
are not allowed."), and an integer tensor to an integer tensor exponent with negative entries was refused in NumPy's
words (ValueError) where PyTorch computes its integer power: 1 ** -n = 1, (-1) ** -n = +-1, any other base 0.
"""
import numpy as np
import pytest

import nn
import nn.functional as F

X32 = np.array([2.331799268722534, 2.174374580383301, 0.6359326839447021, 0.5911241769790649, 2.210036516189575,
                2.8103713989257812], np.float32)


# ---- the gradient of a scalar power, rounded as PyTorch's pow_backward ------------------------------------------

@pytest.mark.parametrize("p", [-2.0, -0.5, 2.5])
def test_small_float32_power_gradient_is_powf_rounded(p):
    # failed before: p * NumPy's float32 a ** (p - 1), an ulp off for 1-3 of these 6 values; PyTorch's
    # p * x.pow(p - 1) is libm's powf below 16 elements (the float64 power rounded once)
    x = nn.tensor(X32, requires_grad=True)
    (x ** p).sum().backward()
    expected = np.float32(p) * (X32.astype(np.float64) ** (p - 1)).astype(np.float32)
    assert x.grad.dtype == nn.float32
    np.testing.assert_array_equal(x.grad.numpy(), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fourth_power_gradient_is_four_times_x_x_x(dtype):
    # failed before: 4 * NumPy's a ** 3.0; PyTorch's 4 * x.pow(3) is x*x*x (its pow kernel's special exponent)
    a = (np.random.default_rng(5).random(50) * 3 + 0.25).astype(dtype)
    x = nn.tensor(a, requires_grad=True)
    (x ** 4).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), dtype(4) * (a * a * a))


def test_power_gradients_match_pytorch_bit_for_bit():
    torch = pytest.importorskip("torch")
    # (float64 exponents whose p - 1 is general, -2 and -0.5, are left out: there NumPy's float64 power is itself
    # an ulp off PyTorch's for a few percent of values, before and after the round)
    for a, exponents in ((X32, (-2.0, -0.5, 2.5, 3, 4, 0.5, -1)),
                         ((np.random.default_rng(6).random(40) * 3 + 0.25).astype(np.float64), (3, 4, 0.5, -1))):
        for p in exponents:
            ours = nn.tensor(a, requires_grad=True)
            (ours ** p).sum().backward()
            theirs = torch.tensor(a, requires_grad=True)
            (theirs ** p).sum().backward()
            np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_power_gradient_at_zero_stays_silent_and_infinite():
    # (d/dx x^0.5 at 0 is inf, as PyTorch's, without NumPy's divide warning)
    x = nn.tensor([0.0, 4.0], requires_grad=True)
    with np.errstate(all="raise"):
        (x ** 0.5).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [np.inf, 0.25])


# ---- integer powers with negative exponents ---------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: nn.tensor([2, 3]) ** -2, lambda: nn.tensor([True, False]) ** -1,
                                  lambda: nn.tensor(2, dtype=nn.uint8) ** np.int64(-1),
                                  lambda: nn.tensor([2, 3]).pow_(-1), lambda: nn.pow(nn.tensor([0]), -1)])
def test_integer_tensor_to_a_negative_int_is_refused(make):
    # failed before: a float result (or "result type Float can't be cast" for pow_)
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed."):
        make()


def test_integer_tensor_to_a_negative_float_stays_a_float_power():
    # (what stays as it was)
    np.testing.assert_array_equal((nn.tensor([2, 4]) ** -1.0).numpy(), np.array([0.5, 0.25], np.float32))


def test_integer_tensor_exponents_may_be_negative():
    # failed before: NumPy's ValueError; PyTorch's powi gives 1 for base 1, +-1 for base -1, 0 otherwise
    a, b = nn.tensor([-3, -2, -1, -1, 0, 1, 2, 3]), nn.tensor([-1, -2, -3, -2, -1, -5, -1, 2])
    out = a ** b
    assert out.dtype == nn.int64
    assert out.tolist() == [0, 0, -1, 1, 0, 1, 0, 9]
    assert (2 ** nn.tensor([-1, 2])).tolist() == [0, 4]
    assert (nn.tensor([0, 1, 2], dtype=nn.uint8) ** nn.tensor([-1, -1, -2], dtype=nn.int8)).dtype == nn.int16
    x = nn.tensor([2, 1])
    x.pow_(nn.tensor([-1, -1]))
    assert x.tolist() == [0, 1]


def test_integer_powers_match_pytorch():
    torch = pytest.importorskip("torch")
    a, b = [-3, -2, -1, 0, 1, 2, 3], [-1, -2, -3, -1, -5, -1, 2]
    assert (nn.tensor(a) ** nn.tensor(b)).tolist() == (torch.tensor(a) ** torch.tensor(b)).tolist()
    with pytest.raises(RuntimeError) as theirs:
        torch.tensor(a) ** -1
    with pytest.raises(RuntimeError) as ours:
        nn.tensor(a) ** -1
    assert str(ours.value) == str(theirs.value)


# ---- multi_head_attention_forward checks the ranks first, as PyTorch's _mha_shape_check --------------------------

E, H = 4, 2
_RNG = np.random.default_rng(7)
_W = [_RNG.standard_normal(s) for s in ((3 * E, E), (3 * E,), (E, E), (E,))]


def _mha(q, k, v, key_padding_mask=None, attn_mask=None):
    w, b, wo, bo = (nn.tensor(t) for t in _W)
    return F.multi_head_attention_forward(nn.zeros(*q), nn.zeros(*k), nn.zeros(*v), E, H, w, b, None, None, False,
                                          0.0, wo, bo, key_padding_mask=key_padding_mask, attn_mask=attn_mask)


@pytest.mark.parametrize("q, k, kpm, attn, message", [
    ((3, 2, E), (5, E), None, None,
     "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found 2-D and 2-D tensors respectively"),
    ((3, 2, 1, E), (3, 2, 1, E), None, None,
     "query should be unbatched 2D or batched 3D tensor but received 4-D query tensor"),
    ((E,), (E,), None, None, "query should be unbatched 2D or batched 3D tensor but received 1-D query tensor"),
    ((3, 2, E), (3, 2, E), (3,), None,
     "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D but found 1-D tensor instead"),
    ((3, E), (3, E), (1, 3), None,
     "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D but found 2-D tensor instead"),
    ((3, 2, E), (3, 2, E), None, (1, 4, 3, 3),
     "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found 4-D tensor instead"),
    ((3, E), (3, E), None, (4, 3, 3), "Expected `attn_mask` shape to be (2, 3, 3) but got"),
])
def test_multi_head_attention_forward_refuses_ranks_in_pytorchs_words(q, k, kpm, attn, message):
    # failed before: ShapeError / ValueError in nn's or NumPy's words, after the projections
    pattern = message.replace("(", r"\(").replace(")", r"\)")
    for as_array in (False, True):          # nn also takes masks as arrays
        kpm_ = None if kpm is None else np.zeros(kpm, bool)
        attn_ = None if attn is None else np.zeros(attn, bool)
        if not as_array:
            kpm_, attn_ = (None if m is None else nn.tensor(m) for m in (kpm_, attn_))
        with pytest.raises(AssertionError, match=pattern):
            _mha(q, k, k, kpm_, attn_)


def test_multihead_attention_module_refuses_a_batched_query_with_unbatched_keys():
    # failed before: "shape '[5, 4, 2]' is invalid for input of size 20"
    m = nn.MultiheadAttention(E, H)
    with pytest.raises(AssertionError, match=r"For batched \(3-D\) `query`, expected `key` and `value` to be 3-D"):
        m(nn.zeros(3, 2, E), nn.zeros(5, E), nn.zeros(5, E))


def test_multi_head_attention_forward_still_takes_batched_and_unbatched_inputs():
    # (what stays as it was: an unbatched call is the batched one of batch 1, masks of the right ranks accepted)
    q = _RNG.standard_normal((3, E))
    w, b, wo, bo = (nn.tensor(t) for t in _W)

    def call(query, **masks):
        return F.multi_head_attention_forward(query, query, query, E, H, w, b, None, None, False, 0.0, wo, bo,
                                              **masks)[0]
    one = call(nn.tensor(q), key_padding_mask=nn.tensor([0.0, -np.inf, 0.0]), attn_mask=nn.zeros(H, 3, 3))
    batched = call(nn.tensor(q[:, None]), key_padding_mask=nn.tensor([[0.0, -np.inf, 0.0]]), attn_mask=nn.zeros(3, 3))
    assert one.shape == (3, E) and batched.shape == (3, 1, E)
    np.testing.assert_allclose(one.numpy(), batched.numpy()[:, 0], rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("name", ["key_padding_mask", "attn_mask"])
def test_multihead_attention_refuses_integer_masks_in_pytorchs_words(name):
    # failed before: TypeError "attention masks must be bool or floating, got int64"
    m, x = nn.MultiheadAttention(E, H), nn.zeros(3, 2, E)
    mask = nn.zeros(2, 3, dtype=nn.int64) if name == "key_padding_mask" else nn.zeros(3, 3, dtype=nn.int32)
    with pytest.raises(AssertionError, match=f"only bool and floating types of {name} are supported"):
        m(x, x, x, **{name: mask})


def test_multihead_attention_warns_on_mismatched_mask_types():
    # failed before: no warning
    m, x = nn.MultiheadAttention(E, H), nn.zeros(3, 2, E)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        m(x, x, x, key_padding_mask=nn.zeros(2, 3, dtype=nn.bool), attn_mask=nn.zeros(3, 3))
    blocked = nn.tensor([[False, True, False], [False, False, False]])
    same = m(x + 1, x, x, key_padding_mask=blocked, attn_mask=nn.zeros(3, 3, dtype=nn.bool))[0]
    additive = m(x + 1, x, x, key_padding_mask=nn.zeros(2, 3).masked_fill(blocked, float("-inf")),
                 attn_mask=nn.zeros(3, 3))[0]
    np.testing.assert_array_equal(same.detach().numpy(), additive.detach().numpy())


def test_multi_head_attention_forward_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    w, b, wo, bo = (torch.tensor(t) for t in _W)
    for q, k in (((3, 2, E), (5, E)), ((3, 2, 1, E), (3, 2, 1, E)), ((E,), (E,))):
        with pytest.raises(AssertionError) as theirs:
            torch.nn.functional.multi_head_attention_forward(torch.zeros(*q), torch.zeros(*k), torch.zeros(*k), E, H,
                                                             w, b, None, None, False, 0.0, wo, bo)
        with pytest.raises(AssertionError) as ours:
            _mha(q, k, k)
        assert str(ours.value) == str(theirs.value)
