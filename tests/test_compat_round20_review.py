"""Review of round 20 (tests/test_compat_round20_A.py ... _G.py): what the review of that change fixed.

- ``Tensor ** Tensor`` in float32 with 8 to 15 elements: round 20 computed it correctly rounded (as PyTorch's scalar
  loop, libm's powf) below 8 elements only, but PyTorch's vectorised loop takes two vectors at a time (16 elements
  with AVX2, 32 with AVX-512), so below 16 every element is correctly rounded there; nn gave NumPy's float32 power,
  an ulp off for about a fifth of the values.
- ``nll_loss`` / ``cross_entropy`` of a batch with a 0-d target: PyTorch's ValueError "Expected input batch_size (N)
  to match target batch_size (0).", where round 20's target-shape errors gave the RuntimeError of a (N, 1) target.
- ``x[index] = v`` on a leaf that requires grad: PyTorch's refusal says "a view of a leaf Variable" only when the
  index selects, unsqueezes or slices a dim short of its whole length; round 20 took every slice but ``[:]`` for a
  view (``x[0:len(x)] = v``, ``x[..., 0:n] = v`` write into x itself in PyTorch).
"""
import numpy as np
import pytest

import nn
import nn.functional as F


def test_short_float32_tensor_power_is_correctly_rounded_below_sixteen_elements():
    rng = np.random.default_rng(2)
    a = rng.uniform(0.1, 3, (20, 12)).astype(np.float32)
    b = rng.uniform(-3, 3, (20, 12)).astype(np.float32)
    # (NumPy's own float32 power is off for some of these on CPUs with AVX-512, whose SIMD path is not correctly
    # rounded; on AVX2 CPUs it calls libm's powf and agrees: a premise of the machine, not asserted)
    for x, e in zip(a, b):
        got = (nn.tensor(x) ** nn.tensor(e)).numpy()
        np.testing.assert_array_equal(got, (x.astype(np.float64) ** e.astype(np.float64)).astype(np.float32))


def test_short_float32_tensor_power_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for n in range(1, 16):
        a = rng.uniform(0.1, 3, n).astype(np.float32)
        b = rng.uniform(-3, 3, n).astype(np.float32)
        np.testing.assert_array_equal((nn.tensor(a) ** nn.tensor(b)).numpy(),
                                      (torch.tensor(a) ** torch.tensor(b)).numpy())


@pytest.mark.parametrize("loss", [F.nll_loss, F.cross_entropy])
@pytest.mark.parametrize("n", [1, 2])
def test_a_0d_target_of_a_batch_is_pytorchs_batch_size_error(loss, n):
    with pytest.raises(ValueError, match=rf"^Expected input batch_size \({n}\) to match target batch_size \(0\)\.$"):
        loss(nn.zeros(n, 3), nn.tensor(1))


@pytest.mark.parametrize("shape, index, view", [
    ((3,), slice(0, 3), False), ((3,), slice(0, 5), False), ((3, 3), (Ellipsis, slice(0, 3)), False),
    ((2, 3, 3), (slice(0, 2), slice(None), [1, 2]), False), ((3,), slice(1, None), True), ((3, 3), (0, [1, 2]), True),
    ((2, 3, 3), (0, slice(None), [1, 2]), True), ((3,), (None, slice(0, 3)), True)])
def test_a_leaf_written_through_a_whole_slice_is_no_view(shape, index, view):
    # PyTorch slices only a dim not taken whole (x[0:len] is x itself): its refusal names "a view of" a leaf only
    # for a select, an unsqueeze or a slice short of the dim (round 20 took any slice but [:] as a view)
    x = nn.zeros(*shape, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        x[index] = 1.0
    assert str(info.value).startswith("a view of a leaf Variable" if view else "a leaf Variable")
