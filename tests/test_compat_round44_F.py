"""pytorchltr 0.2.1 (learning to rank: its pure-Python parts) and s5-pytorch 0.2.1 (S5 state-space layers), from
their sdists, ported file by file by the porting rule (packages renamed pytorchltrp / s5p in their own import lines;
sklearn a name-only stub on both sides; pytorchltr's Cython svmrank parser replaced on both sides by the same
pure-Python parser of the format) and run against the originals on PyTorch 2.13 in one process (round 44, area F),
float64 unless said, the same NumPy inputs, every random draw (``randperm`` tie-breaks, ``rand``, ``bernoulli``,
``normal`` in the initialisers) handed over from one NumPy stream per side.

s5-pytorch: ``S5`` (dense, complex-normal and block-diagonal initialisations, bidirectional, liquid, 2 and 3
degrees, zero-order-hold and bilinear discretisations, a float / per-batch / per-batch-and-step ``step_scale``,
an injected and a returned state, ``forward_rnn`` stepped by hand), ``S5SSM`` and ``S5Block`` (GEGLU or not,
``ff_mult``) with PyTorch's weights (perturbed) loaded by state_dict: outputs, input and parameter gradients through
a random projection, 3 Adam / AdamW steps, eval; the initialisers (HiPPO DPLR / normal, log steps, variance scaling
in every mode and distribution, real and complex, truncated normals, the B / C initialisers), the discretisations
with gradients, jax.lax's associative scan as the package ports it (shapes 0-3 d, every axis, reverse, pytrees,
complex) and ``_interleave``; the package's own checks. Largest differences: outputs 4e-16, input gradients 8e-16,
parameter gradients 5e-15, weights after 3 Adam / AdamW steps 6e-14, with B_tilde in complex128; as shipped the
package casts B_tilde to complex64 (``as_complex``'s default) inside ``torch.vmap``, and PyTorch's batched vmap sums
the batch's gradients before that cast rounds them where nn's vmap (a loop) rounds each sample's: B's gradient 7e-8,
weights after Adam 8e-8 (nn's equals PyTorch's loop over the samples exactly). float32 as shipped: outputs 9e-8.
pytorchltr: the pairwise hinge / DCG-hinge / logistic losses and LambdaARP1 / 2, LambdaNDCG1 / 2 (sigma 0.5 / 1 / 2;
2-d and 3-d scores, ties, padded lists) 1.7e-15 with gradients 6e-16; ``dcg``, ``ndcg`` (k None / 1 / 3 / 8 / 20,
exp or not), ``arp``, ``generate_pytrec_eval``, the utilities, the PBM click simulators and the list samplers exact;
the svmrank dataset (normalised, filtered) through DataLoaders with each sampler exact; a scorer trained 2 epochs by
each loss with SGD 7e-15 and Adam 2e-15 (the output bias, whose exact gradient is zero for pairwise losses, 2e-6:
rounding noise scaled by Adam); the error paths (1-d scores, mismatched shapes, ...) in the same words. The
LambdaNDCG losses build their gains in float32 (``2.0 + arange``) and sum them: 1.4e-7 (a float32 sum rounds an ulp
apart, known); with float64 as the default dtype 1.7e-15.

The failure of nn these tests pin down (the packages are not imported here):

- s5-pytorch's ``associative_scan`` (jax.lax's, ported to PyTorch) slices by ``torch.ops.aten.slice(elem, axis,
  start, end, step)``, which has no torch function of its name: nn's ``ops.aten`` found no ``nn.slice`` and raised
  NotImplementedError, so no S5 layer ran. ``aten.slice`` is now ``x[..., start:end:step]`` along its dim (a view,
  differentiable), with ATen's errors in its order and words.
"""
import numpy as np
import pytest

import nn

aten = nn.ops.aten


# ---------------------------------------------------------------------------------------------------------------
# torch.ops.aten.slice (s5's associative scan)

def test_aten_slice_values():
    x = nn.arange(10.)
    assert aten.slice(x, 0, 0, -1, 2).tolist() == [0., 2., 4., 6., 8.]          # the scan's pairs
    assert aten.slice(x, 0, 1, None, 2).tolist() == [1., 3., 5., 7., 9.]
    assert aten.slice(x).tolist() == list(np.arange(10.))
    assert aten.slice(x, 0, -3).tolist() == [7., 8., 9.]
    assert aten.slice(x, -1, 2, 100, 3).tolist() == [2., 5., 8.]
    assert aten.slice(x, 0, 8, 2).shape == (0,)
    assert aten.slice(x, 0, -100, -20).shape == (0,)
    assert aten.slice.Tensor(x, dim=0, start=2, end=None, step=3).tolist() == [2., 5., 8.]
    m = nn.arange(12).reshape(3, 4)
    assert aten.slice(m, 1, 1, 3).tolist() == [[1, 2], [5, 6], [9, 10]]
    assert aten.slice(m, 1, 1, 3).dtype == nn.int64


def test_aten_slice_is_a_differentiable_view():
    x = nn.arange(10.)
    aten.slice(x, 0, 1, 5)[0] = 100.
    assert x[1].item() == 100.
    x = nn.arange(10., requires_grad=True)
    aten.slice(x, 0, 1, 8, 3).sum().backward()
    assert x.grad.tolist() == [0., 1., 0., 0., 1., 0., 0., 1., 0., 0.]


@pytest.mark.parametrize("args, error, words", [
    ((0, 0, 5, 0), RuntimeError, "slice step must be positive"),
    ((0, 0, 5, -1), RuntimeError, "slice step must be positive"),
    ((1, 0, 5, 0), IndexError, r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"),
    ((-2,), IndexError, r"Dimension out of range \(expected to be in range of \[-1, 0\], but got -2\)")])
def test_aten_slice_errors(args, error, words):
    with pytest.raises(error, match=f"^{words}$"):
        aten.slice(nn.arange(10.), *args)


def test_aten_slice_of_a_0d_tensor():
    with pytest.raises(IndexError, match=r"^slice\(\) cannot be applied to a 0-dim tensor\.$"):
        aten.slice(nn.tensor(1.), 5, 0, 1, 0)


def _scan(op, elems, axis=0):
    """s5-pytorch's port of jax.lax.associative_scan's recursion (s5/jax_compat.py _scan), as ported."""
    n = elems[0].shape[axis]
    if n < 2:
        return elems
    reduced = op([aten.slice(e, axis, 0, -1, 2) for e in elems], [aten.slice(e, axis, 1, None, 2) for e in elems])
    odd = _scan(op, reduced, axis)
    if n % 2 == 0:
        even = op([aten.slice(e, axis, 0, -1) for e in odd], [aten.slice(e, axis, 2, None, 2) for e in elems])
    else:
        even = op(odd, [aten.slice(e, axis, 2, None, 2) for e in elems])
    even = [nn.cat([aten.slice(e, axis, 0, 1), r], dim=axis) if r.shape.numel() > 0 else aten.slice(e, axis, 0, 1)
            for e, r in zip(elems, even)]
    out = []
    for a, b in zip(even, odd):          # _interleave
        if a.shape[axis] == b.shape[axis] + 1:
            pad = [0, 0] * b.ndim
            pad[(b.ndim - axis - 1) * 2 + 1] = 1
            b = nn.functional.pad(b, pad)
            x = nn.flatten(nn.stack([a, b], dim=axis + 1), start_dim=axis, end_dim=axis + 1)
            out.append(aten.slice(x, axis, 0, 2 * a.shape[axis] - 1))
        else:
            out.append(nn.flatten(nn.stack([a, b], dim=axis + 1), start_dim=axis, end_dim=axis + 1))
    return out


def _recurrence(q_i, q_j):
    """S5's binary operator: (A_j A_i, A_j Bu_i + Bu_j)."""
    return [q_j[0] * q_i[0], nn.addcmul(q_j[1], q_j[0], q_i[1])]


@pytest.mark.parametrize("length", [2, 5, 8])
def test_s5_scan_of_a_complex_recurrence(length):
    rng = np.random.default_rng(length)
    A = 0.9 * np.exp(1j * rng.uniform(0, 6, (length, 3)))
    Bu = rng.standard_normal((length, 3)) + 1j * rng.standard_normal((length, 3))
    bu = nn.tensor(Bu, requires_grad=True)
    _, xs = _scan(_recurrence, [nn.tensor(A), bu])
    want = Bu.copy()
    for t in range(1, length):
        want[t] = A[t] * want[t - 1] + Bu[t]
    np.testing.assert_allclose(xs.detach().numpy(), want, rtol=1e-13, atol=1e-14)
    xs.real.sum().backward()             # d sum_t Re x_t / d Bu_s = conj(sum_{t >= s} prod_{s < r <= t} A_r)
    grad = np.array([sum(np.prod(A[s + 1:t + 1], axis=0) for t in range(s, length)) for s in range(length)])
    np.testing.assert_allclose(bu.grad.numpy(), grad.conj(), rtol=1e-13, atol=1e-14)


def test_aten_slice_matches_pytorch():
    torch = pytest.importorskip("torch")
    vals = [None, -10, -1, 0, 2, 5]
    for shape in [(0,), (4,), (3, 5), (2, 0, 3)]:
        x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
        for dim in range(-len(shape) - 1, len(shape) + 1):
            for start in vals:
                for end in vals:
                    for step in (1, 3, 0):
                        try:
                            want = torch.ops.aten.slice(torch.from_numpy(x), dim, start, end, step).numpy()
                        except (IndexError, RuntimeError) as e:
                            with pytest.raises(type(e)) as ours:
                                aten.slice(nn.tensor(x), dim, start, end, step)
                            assert str(ours.value) == str(e)
                            continue
                        got = aten.slice(nn.tensor(x), dim, start, end, step).numpy()
                        assert got.shape == want.shape and (got == want).all()
