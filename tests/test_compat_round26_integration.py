"""The twenty-sixth round's integration: what an area's helper noticed outside its package and left to the
integrator (dalle-pytorch's area, checking `kl_div`'s promotion, found the same cast in three other losses).

- margin_ranking_loss, poisson_nll_loss and multilabel_soft_margin_loss cast a floating target to the input's dtype,
  so float32 scores with a float64 target gave a float32 loss; PyTorch's are composite ops that promote (float64).
- soft_margin_loss computed a gradient for a target that requires grad; PyTorch refuses such a target.
"""
import numpy as np
import pytest

import nn
import nn.functional as F

RNG = np.random.default_rng(26)
X1 = RNG.standard_normal((3, 4)).astype(np.float32)
X2 = RNG.standard_normal((3, 4)).astype(np.float32)
SIGNS = np.sign(RNG.random((3, 4)) - 0.5)
COUNTS = RNG.poisson(2.0, (3, 4)).astype(np.float64)
LABELS = (RNG.random((3, 4)) > 0.5).astype(np.float64)


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


# (the loss, its arguments, the float64 value PyTorch gives: its ops promote the float32 scores to the target's dtype)
PROMOTING = [
    ("margin_ranking_loss", (X1, X2, SIGNS), np.maximum(0, -SIGNS * (X1.astype(np.float64) - X2)).mean()),
    ("poisson_nll_loss", (X1, COUNTS), (np.exp(X1.astype(np.float64)) - COUNTS * X1).mean()),
    ("multilabel_soft_margin_loss", (X1, LABELS),
     -(LABELS * _log_sigmoid(X1.astype(np.float64)) + (1 - LABELS) * _log_sigmoid(-X1.astype(np.float64)))
     .mean(-1).mean()),
]


@pytest.mark.parametrize("name, args, expected", PROMOTING, ids=[p[0] for p in PROMOTING])
def test_a_float64_target_promotes_the_loss(name, args, expected):
    loss = getattr(F, name)(*[nn.tensor(a) for a in args])
    assert loss.dtype == nn.float64
    # float32 transcendental functions (exp, log-sigmoid) are still taken in the input's dtype, as PyTorch's
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-6)


@pytest.mark.parametrize("name, args, expected", PROMOTING, ids=[p[0] for p in PROMOTING])
def test_an_integer_target_keeps_the_input_dtype(name, args, expected):
    args = args[:-1] + (args[-1].astype(np.int64),)
    assert getattr(F, name)(*[nn.tensor(a) for a in args]).dtype == nn.float32


@pytest.mark.parametrize("name, args, expected", PROMOTING, ids=[p[0] for p in PROMOTING])
def test_promotion_against_pytorch(name, args, expected):
    torch = pytest.importorskip("torch")
    ours = [nn.tensor(a, requires_grad=True) for a in args]
    theirs = [torch.tensor(a, requires_grad=True) for a in args]
    mine, ref = getattr(F, name)(*ours), getattr(torch.nn.functional, name)(*theirs)
    mine.backward()
    ref.backward()
    assert str(mine.dtype).split(".")[1] == str(ref.dtype).split(".")[1]
    np.testing.assert_allclose(mine.item(), ref.item(), rtol=1e-7)
    for a, b in zip(ours, theirs):
        assert a.grad.dtype == b.grad.numpy().dtype
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_soft_margin_loss_refuses_a_target_that_requires_grad():
    target = nn.tensor(SIGNS, requires_grad=True)
    with pytest.raises(RuntimeError, match="The function 'soft_margin_loss' is not differentiable with respect to "
                                           "argument 'target'. This input cannot have requires_grad True."):
        F.soft_margin_loss(nn.tensor(X1.astype(np.float64), requires_grad=True), target)
    # a target that does not require grad still goes, and the input's gradient is there
    x = nn.tensor(X1.astype(np.float64), requires_grad=True)
    F.soft_margin_loss(x, nn.tensor(SIGNS)).backward()
    np.testing.assert_allclose(x.grad, -SIGNS / (1 + np.exp(SIGNS * X1.astype(np.float64))) / SIGNS.size, rtol=1e-12)


# where() and clamp() with a number the dtype cannot hold: PyTorch converts the number to the result's dtype with
# its overflow check (the rule of the fills), so uint8 where(m, x, 300) is an error, not 300 wrapped to 44
OVERFLOWING = [
    ("where(m, uint8, 300)", lambda: nn.where(nn.tensor([True, False]), nn.tensor([1, 2], dtype=nn.uint8), 300),
     "uint8_t"),
    ("where(m, 300, uint8)", lambda: nn.where(nn.tensor([True, False]), 300, nn.tensor([1, 2], dtype=nn.uint8)),
     "uint8_t"),
    ("where(m, int8, 200)", lambda: nn.where(nn.tensor([True, False]), nn.tensor([1, 2], dtype=nn.int8), 200),
     "int8_t"),
    ("where(m, float32, 1e300)", lambda: nn.where(nn.tensor([True, False]), nn.tensor([1.0, 2.0]), 1e300), "float"),
    ("uint8 clamp(0, 300)", lambda: nn.tensor([1, 2], dtype=nn.uint8).clamp(0, 300), "uint8_t"),
    ("uint8 clamp_(0, 300)", lambda: nn.tensor([1, 2], dtype=nn.uint8).clamp_(0, 300), "uint8_t"),
    ("uint8 clamp_min(300)", lambda: nn.tensor([1, 2], dtype=nn.uint8).clamp_min(300), "uint8_t"),
    ("int8 clamp(-300, 5)", lambda: nn.tensor([1, 2], dtype=nn.int8).clamp(-300, 5), "int8_t"),
    ("float32 clamp(0, 1e300)", lambda: nn.tensor([1.0, 2.0]).clamp(0, 1e300), "float"),
]


@pytest.mark.parametrize("call", [o[1] for o in OVERFLOWING], ids=[o[0] for o in OVERFLOWING])
def test_a_number_the_dtype_cannot_hold_is_refused(call):
    name = {o[1]: o[2] for o in OVERFLOWING}[call]
    with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {name} without overflow$"):
        call()


def test_numbers_the_dtype_holds_are_taken_as_pytorch_takes_them():
    m = nn.tensor([True, False])
    u8 = nn.tensor([1, 2], dtype=nn.uint8)
    # -1 wraps to 255 in uint8, as the fills' rule allows (PyTorch: [1, 255] and [3, 3])
    assert nn.where(m, u8, -1).tolist() == [1, 255] and nn.where(m, u8, -1).dtype == nn.uint8
    assert u8.clamp(-1, 3).tolist() == [3, 3]
    # a float number makes the default float dtype, where inf and NaN are held
    assert nn.where(m, u8, 2.5).tolist() == [1.0, 2.5]
    assert nn.where(m, nn.tensor([1.0, 2.0]), float("inf")).tolist() == [1.0, float("inf")]
    assert nn.tensor([1.0, 2.0]).clamp(max=float("inf")).tolist() == [1.0, 2.0]
    assert u8.clamp(0, 2.5).dtype == nn.float32
