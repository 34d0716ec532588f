"""A training framework's contrib parts from the package registry: Catalyst 22.4 (installed with --no-deps, with
hydra-slayer 0.5.0, which catalyst.registry imports at the top), ported by the porting rule (catalystp) and run
against the original on PyTorch 2.13 in float64 with PyTorch's weights and the same NumPy draws: the contrib losses
(contrastive, Barlow Twins, NTXent, supervised contrastive, focal, Dice / IoU / Trevsky, Lovasz, triplet losses with
the in-batch samplers, Huber, Circle, Wing, the RecSys losses), the contrib layers (ArcFace & co., the global and
temporal poolings, GeM, squeeze-and-excitation, RMSNorm, factorized Linear), the contrib optimizers (AdamP, SGDP,
Lamb, QHAdamW, RAdam, Ralamb, Lookahead) with OneCycleLRWithWarmup, catalyst.metrics' functional metrics and the
utils (mixup, momentum helpers, checkpoints both ways, SWA's average_weights).

The failures these tests pin down, each in a few lines (catalyst is not imported here):

- A 0-d tensor in the number place of PyTorch's deprecated number-first overloads (``x.add_(alpha, other)``,
  ``add`` / ``sub_`` / ``addcmul_`` / ``addcdiv_(value, t1, t2)``) is taken as its number, as a Python number
  is: Catalyst's Ralamb steps by ``p.add_(-step_size * lr * trust_ratio, exp_avg)`` with ``trust_ratio`` a 0-d
  tensor (a ratio of norms). nn took the 0-d tensor as the `other` and exp_avg as alpha and raised "Boolean value
  of Tensor with more than one value is ambiguous" (addcmul_ / addcdiv_: "too many positional arguments").
- ``addcdiv`` rounded in another order: PyTorch's kernel computes ``input + value * tensor1 / tensor2``
  (value times tensor1 first, then the division, in the dtype common to all three); nn computed
  ``tensor1 / tensor2 * value``, an ulp apart for about 2 % of the elements in float64 and float32, so every
  optimizer stepping by ``addcdiv_`` (AdamP, SGDP, QHAdamW, RAdam, Lamb, ...) drifted from PyTorch's from the
  first step. Now bit for bit, also through ``.data.addcdiv_`` and with mixed dtypes.
- A ``grad_outputs`` / ``backward(gradient)`` of the wrong shape (Catalyst's GradientPenaltyLoss gives a (B, 1)
  ``grad_outputs`` for its critic's output) raises RuntimeError in PyTorch, "Mismatch in shape: grad_output[0] has
  a shape of torch.Size([3]) and output[0] has a shape of torch.Size([2])."; nn raised ValueError in its own words.
"""
import warnings

import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- a 0-d tensor as the number of the deprecated number-first overloads ------------------------------------------

def _deprecated(call):
    nn.array._DEPRECATED_OVERLOAD_WARNED.clear()     # PyTorch warns once per process (round 44 H): afresh for each
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    assert any("This overload of" in str(w.message) for w in caught)
    return out


def test_add_with_a_0d_tensor_first_takes_it_as_alpha():
    x, e, a = nn.ones(3), nn.arange(3.0), nn.tensor(0.5)
    for call in (lambda: x.clone().add_(a, e), lambda: x.clone().add(a, e), lambda: nn.add(x, a, e)):
        np.testing.assert_array_equal(_f(_deprecated(call)), [1.0, 1.5, 2.0])
    np.testing.assert_array_equal(_f(_deprecated(lambda: x.clone().sub_(a, e))), [1.0, 0.5, 0.0])
    with warnings.catch_warnings():                     # two 0-d tensors: today's order, no warning
        warnings.simplefilter("error")
        np.testing.assert_array_equal(_f(nn.ones(2).add_(nn.tensor(2.0), alpha=nn.tensor(0.5))), [2.0, 2.0])


def test_addcmul_and_addcdiv_with_a_0d_tensor_value_first():
    x, e, a = nn.ones(3), nn.arange(3.0), nn.tensor(0.5)
    np.testing.assert_array_equal(_f(_deprecated(lambda: x.clone().addcmul_(a, e, e))), [1.0, 1.5, 3.0])
    np.testing.assert_allclose(_f(_deprecated(lambda: x.clone().addcdiv_(a, e, e + 1))), [1.0, 1.25, 1 + 1 / 3],
                               rtol=1e-7)


def test_a_parameters_data_takes_a_0d_tensor_first_too():
    p = nn.nn.Parameter(nn.ones(3))
    _deprecated(lambda: p.data.add_(nn.tensor(-0.5), nn.arange(3.0)))
    np.testing.assert_array_equal(_f(p), [1.0, 0.5, 0.0])


def test_ralamb_step_with_a_0d_trust_ratio():
    # Ralamb: trust_ratio = weight_norm / radam_norm (0-d tensors); p_data.add_(-step * lr * trust_ratio, exp_avg)
    p = nn.tensor([3.0, 4.0], dtype=nn.float32)
    exp_avg = nn.tensor([0.1, -0.2], dtype=nn.float32)
    trust_ratio = p.pow(2).sum().sqrt() / nn.tensor(2.0)            # 2.5, a 0-d float32 tensor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p.add_(-0.1 * trust_ratio, exp_avg)
    np.testing.assert_allclose(_f(p), [3.0 - 0.025, 4.0 + 0.05], rtol=1e-6)
    assert p.dtype == nn.float32


def test_0d_tensor_first_matches_pytorch():
    torch = pytest.importorskip("torch")
    x, e = np.ones(3), np.arange(3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.tensor(x).add_(torch.tensor(0.25), torch.tensor(e)).numpy()
        ours = nn.tensor(x).add_(nn.tensor(0.25), nn.tensor(e))
    np.testing.assert_array_equal(_f(ours), theirs)


# ---- addcdiv rounds as input + value * tensor1 / tensor2 ---------------------------------------------------------

def _operands(dtype=np.float64, n=2000, seed=0):
    r = np.random.default_rng(seed)
    return [(r.random(n) + 0.1).astype(dtype) for _ in range(3)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_addcdiv_rounds_value_times_tensor1_first(dtype):
    a, b, c = _operands(dtype)
    v = -0.0123456789
    expected = a + dtype(v) * b / c                       # PyTorch's kernel: self + value * t1 / t2
    assert not np.array_equal(a + b / c * dtype(v), expected)   # the other order is an ulp off for some
    T = nn.tensor
    for out in (T(a).addcdiv(T(b), T(c), value=v), nn.addcdiv(T(a), T(b), T(c), value=v),
                T(a).addcdiv_(T(b), T(c), value=v)):
        assert out.dtype == T(a).dtype
        np.testing.assert_array_equal(_f(out), expected)


def test_addcdiv_on_a_parameters_data():
    a, b, c = _operands()
    v = -0.0123456789
    p = nn.nn.Parameter(nn.tensor(a.copy()))
    p.data.addcdiv_(nn.tensor(b), nn.tensor(c), value=v)
    np.testing.assert_array_equal(_f(p), a + v * b / c)


def test_addcdiv_of_mixed_dtypes_computes_in_the_common_dtype():
    a, b, c = _operands()
    b32 = b.astype(np.float32)
    v = -0.0123456789
    out = nn.tensor(a).addcdiv(nn.tensor(b32), nn.tensor(c), value=v)
    assert out.dtype == nn.float64
    np.testing.assert_array_equal(_f(out), a + v * b32.astype(np.float64) / c)
    p = nn.nn.Parameter(nn.tensor(b32.copy()))             # float32 self, float64 divisor: computed in float64
    p.data.addcdiv_(nn.tensor(b32), nn.tensor(c), value=v)
    np.testing.assert_array_equal(_f(p), (b32 + v * b32.astype(np.float64) / c).astype(np.float32))


def test_addcdiv_of_mixed_dtypes_gradients_by_finite_differences():
    # the float32 tensor1 is cast to float64 inside: its gradient comes back float32, the others float64
    a, b, c = _operands(seed=1)
    b = b.astype(np.float32)
    v = 0.7
    ta, tb, tc = (nn.tensor(x, requires_grad=True) for x in (a, b, c))
    out = ta.addcdiv(tb, tc, value=v)
    np.testing.assert_array_equal(_f(out), a + v * b.astype(np.float64) / c)
    a, b, c = a[:5], b[:5], c[:5]
    ta, tb, tc = (nn.tensor(x, requires_grad=True) for x in (a, b, c))
    w = np.linspace(0.5, 1.5, 5)
    (ta.addcdiv(tb, tc, value=v) * nn.tensor(w)).sum().backward()
    assert tb.grad.dtype == np.float32 and ta.grad.dtype == tc.grad.dtype == np.float64
    h = 1e-6
    f = lambda a, b, c: (w * (a + v * b / c)).sum()       # noqa: E731
    for k, t in enumerate((ta, tb, tc)):
        num = np.empty(5)
        for i in range(5):
            args_p, args_m = [np.array(x, dtype=np.float64) for x in (a, b, c)], [np.array(x, dtype=np.float64)
                                                                                  for x in (a, b, c)]
            args_p[k][i] += h
            args_m[k][i] -= h
            num[i] = (f(*args_p) - f(*args_m)) / (2 * h)
        np.testing.assert_allclose(_f(t.grad), num, rtol=1e-6 if k == 1 else 1e-7)


def test_addcdiv_matches_pytorch_bit_for_bit():
    torch = pytest.importorskip("torch")
    for dtype in (np.float64, np.float32):
        a, b, c = _operands(dtype, seed=3)
        theirs = torch.tensor(a).addcdiv(torch.tensor(b), torch.tensor(c), value=-0.031).numpy()
        np.testing.assert_array_equal(_f(nn.tensor(a).addcdiv(nn.tensor(b), nn.tensor(c), value=-0.031)), theirs)


# ---- a wrong-shaped grad_outputs / gradient: PyTorch's RuntimeError ----------------------------------------------

MISMATCH = r"Mismatch in shape: grad_output\[{}\] has a shape of torch.Size\({}\) and output\[{}\] has a shape of " \
           r"torch.Size\({}\)\."


def test_grad_with_wrong_shaped_grad_outputs_raises_pytorchs_runtime_error():
    x = nn.ones(2, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=MISMATCH.format(0, r"\[3\]", 0, r"\[2\]")):
        nn.autograd.grad(y, x, nn.ones(3), retain_graph=True)
    with pytest.raises(RuntimeError, match=MISMATCH.format(0, r"\[1\]", 0, r"\[\]")):
        nn.autograd.grad(y.sum(), x, nn.ones(1), retain_graph=True)
    with pytest.raises(RuntimeError, match=MISMATCH.format(1, r"\[1, 2\]", 1, r"\[2\]")):
        nn.autograd.grad([y, y * 3], x, [nn.ones(2), nn.ones(1, 2)], retain_graph=True)


def test_backward_with_a_wrong_shaped_gradient_raises_pytorchs_runtime_error():
    x = nn.ones(2, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=MISMATCH.format(0, r"\[3\]", 0, r"\[2\]")):
        y.backward(nn.ones(3), retain_graph=True)
    with pytest.raises(RuntimeError, match=MISMATCH.format(0, r"\[2, 1\]", 0, r"\[2\]")):
        nn.autograd.backward([y], [nn.ones(2, 1)], retain_graph=True)
    y.backward(nn.ones(2))                                  # the right shape still goes
    np.testing.assert_array_equal(_f(x.grad), [2.0, 2.0])
