"""Music source separation from the package registry: demucs 4.1.0 and openunmix 1.3.0 (both installed with
--no-deps; julius 0.2.8 was installed already), ported by the porting rule (every .py file; renamed demucsp,
openunmixp and juliusp in their own import lines; torchaudio, which openunmix imports at the top, stood in on both
sides by a name-only module) and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights:
demucs' Demucs (v2: LSTM, GLU, rescale, local attention and LSTM in the DConv branches), HDemucs (cac, no cac,
Wiener filtering, multi_freqs, time-only), HTDemucs (cross-domain transformer with sin / scaled embeddings),
spectro / ispectro, apply_model with shifts, split, overlap and BagOfModels weights, get_state / set_state /
serialize_model and the augmentations with one draw on both sides; openunmix's OpenUnmix, TorchSTFT / TorchISTFT,
ComplexNorm, wiener / expectation_maximization and Separator end to end.

The failure these tests pin down (no package is imported here): ``torch.cat`` / ``torch.stack`` return a
contiguous tensor whatever their inputs' strides, but nn's cat kept NumPy's ``np.concatenate`` layout, which
follows the inputs' (transposed in, transposed out): demucs' ``HDemucs._wiener`` / ``HTDemucs._wiener`` stack
``z_out.transpose(-1, -2)`` pieces and call ``view_as_complex`` on the result, which nn refused ("Tensor must have
a last dimension with stride 1"), so every HDemucs / HTDemucs with ``cac=False`` failed in its forward.
"""
import numpy as np

import nn


def _contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return tuple(reversed(strides))


# ---- cat / stack are contiguous, as PyTorch's -----------------------------------------------------------------

def test_cat_of_transposed_is_contiguous():
    a = nn.arange(24.).reshape(3, 4, 2).transpose(-1, -2)          # (3, 2, 4), strides (8, 1, 2)
    for y in (nn.cat([a], 0), nn.cat([a, a], 0), nn.cat([a, a], -1)):
        assert y.is_contiguous() and y.stride() == _contiguous_strides(tuple(y.shape))
    y = nn.cat([a, a], 0)
    assert y.stride() == (8, 4, 1)                                  # PyTorch: torch.cat([a, a]).stride()
    np.testing.assert_array_equal(y.numpy(), np.concatenate([a.numpy()] * 2, 0))


def test_stack_of_transposed_is_contiguous():
    a = nn.arange(24.).reshape(3, 4, 2).transpose(-1, -2)
    for y in (nn.stack([a]), nn.stack([a, a]), nn.stack([a, a], dim=-1)):
        assert y.is_contiguous() and y.stride() == _contiguous_strides(tuple(y.shape))
    assert nn.stack([a]).stride() == (24, 8, 4, 1)


def test_view_as_complex_of_stacked_transposed_pieces():
    # demucs' _wiener: wiener() -> (T, F, C, S, 2) pieces transposed to (..., 2, S) ... and back: a (..., 2)
    # last dim reached through transposes, stacked, then viewed as complex
    rs = np.random.RandomState(0)
    pieces = [rs.randn(5, 3, 4, 2) for _ in range(2)]              # (T, F, S, 2) stored as (T, F, 2, S)^T
    ts = [nn.tensor(p.transpose(0, 1, 3, 2).copy(), requires_grad=True) for p in pieces]
    out = nn.view_as_complex(nn.stack([nn.cat([t.transpose(-1, -2)], dim=0) for t in ts], 0))
    expected = np.stack(pieces, 0)
    np.testing.assert_array_equal(out.detach().numpy(), expected[..., 0] + 1j * expected[..., 1])
    w = rs.randn(*out.shape) + 1j * rs.randn(*out.shape)
    (out * nn.tensor(w)).real.sum().backward()
    for i, t in enumerate(ts):                                     # d Re(w z) / d(x, y) = (Re w, -Im w)
        g = np.stack([w.real, -w.imag], -1)[i].transpose(0, 1, 3, 2)
        np.testing.assert_allclose(t.grad.numpy(), g, rtol=0, atol=0)


def test_cat_gradients_unchanged():
    # each input still gets its own slice of the gradient, in its own shape
    a = nn.tensor(np.arange(6.).reshape(2, 3), requires_grad=True)
    b = nn.tensor(np.arange(12.).reshape(4, 3), requires_grad=True)
    y = nn.cat([a.t(), b.t()], 1)                                    # (3, 2) and (3, 4) -> (3, 6)
    assert y.is_contiguous()
    np.testing.assert_array_equal(y.detach().numpy(), np.concatenate([a.detach().numpy().T, b.detach().numpy().T], 1))
    w = np.arange(18.).reshape(3, 6)
    (y * nn.tensor(w)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), w[:, :2].T)
    np.testing.assert_array_equal(b.grad.numpy(), w[:, 2:].T)
