"""Diffusion segmentation, bit diffusion and a graph transformer from the package registry: med-seg-diff-pytorch
0.3.3, bit-diffusion 0.1.4 and graph-transformer-pytorch 0.1.1 (lucidrains), with what they import (beartype 0.23.1,
tqdm 4.70.1, ema-pytorch 0.8.3, rotary-embedding-torch 0.9.1, einops; accelerate as a single-process stand-in and
torchvision as a name-only module on both sides, the five transforms bit-diffusion's Dataset uses written in PyTorch
and ported), installed from their wheels with ``pip install --no-deps`` into a private folder, ported file by file
by the porting rule and run against the originals on PyTorch 2.13 in one process, float64, PyTorch's (perturbed)
weights loaded into nn's, the same NumPy inputs and the same draws (randn, randn_like, rand, randint, Tensor.uniform_,
Python's random and the loader's shuffle read one NumPy stream per side). Compared: MedSegDiff's Unet (FFT-based
ff-parser conditioning, static and dynamic, self-conditioning, skip-connected condition maps), its loss for the three
objectives and two schedules, Adam steps, DDPM and DDIM sampling; bit-diffusion's bit conversions, Unet, loss with
self-conditioning, DDPM / DDIM sampling and its Trainer's steps on a folder of PNGs with EMA and a checkpoint;
GraphTransformer (feed-forwards, edge norm, rotary, adjacency, masks). Outputs, gradients and weights agree to 1e-14
of each set's largest entry or better, but for entries whose gradient is zero in exact arithmetic.

The failures nn's side met, in a few lines (the packages are not imported here):

- GraphTransformer called with neither edges nor an adjacency matrix hands ``0`` to its edge Linear: PyTorch raises
  "linear(): argument 'input' (position 1) must be Tensor, not int"; nn raised its own words ("linear: input must be
  a Tensor (or float ndarray), got int"). F.linear (and every Linear) now gives PyTorch's parser's TypeError.
- bit-diffusion's Trainer builds ``DataLoader(..., pin_memory=True)``: PyTorch warns on each pass "'pin_memory'
  argument is set as true but no accelerator is found, then device pinned memory won't be used." (and that
  ``pin_memory_device`` is deprecated); nn was silent.

The rest pins what the packages lean on (ff-parser's FFT gradients, the bit conversions' integer dtypes).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from porting import raised


# ---- F.linear of something that is no tensor (GraphTransformer without edges) -------------------------------------

class EdgesToKV(nn.Module):
    """graph_transformer_pytorch's Attention.edges_to_kv applied to ``default(edges, 0) + default(adj_mat, 0)``."""

    def __init__(self):
        super().__init__()
        self.edges_to_kv = nn.Linear(16, 16)

    def forward(self, edges=None, adj_mat=None):
        all_edges = (edges if edges is not None else 0) + (adj_mat if adj_mat is not None else 0)
        return self.edges_to_kv(all_edges)


def test_linear_of_a_non_tensor_is_pytorchs_parser_error():
    with pytest.raises(TypeError, match=r"^linear\(\): argument 'input' \(position 1\) must be Tensor, not int$"):
        EdgesToKV()()
    w = nn.zeros(3, 4)
    assert raised(lambda: F.linear(None, w)) == (
        "TypeError", "linear(): argument 'input' (position 1) must be Tensor, not NoneType")
    assert raised(lambda: F.linear([1.0] * 4, w)) == (
        "TypeError", "linear(): argument 'input' (position 1) must be Tensor, not list")
    assert raised(lambda: F.linear(nn.zeros(2, 4), 1.5)) == (
        "TypeError", "linear(): argument 'weight' (position 2) must be Tensor, not float")
    assert raised(lambda: F.linear(nn.zeros(2, 4), w, 3)) == (
        "TypeError", "linear(): argument 'bias' (position 3) must be Tensor, not int")
    assert raised(lambda: F.linear(nn.zeros(2, 3, dtype=nn.complex64), 2)) == (      # the complex path too
        "TypeError", "linear(): argument 'weight' (position 2) must be Tensor, not int")
    # what works still works: tensors, NumPy arrays (nn takes them everywhere), no bias
    assert EdgesToKV()(nn.zeros(2, 3, 3, 16)).shape == (2, 3, 3, 16)
    assert F.linear(np.ones((2, 4)), nn.ones(3, 4)).tolist() == [[4.0] * 3] * 2


def test_linear_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    for args in ((0,), (None,), ([1.0, 2.0],), ("edges",)):
        theirs = raised(lambda: torch.nn.functional.linear(*args, torch.zeros(3, 2)))
        assert raised(lambda: F.linear(*args, nn.zeros(3, 2))) == theirs
    for weight, bias in ((2, None), (torch.zeros(3, 2), 1.0)):
        theirs = raised(lambda: torch.nn.functional.linear(torch.zeros(1, 2), weight, bias))
        ours = raised(lambda: F.linear(nn.zeros(1, 2), nn.zeros(3, 2) if hasattr(weight, "shape") else weight, bias))
        assert ours == theirs


# ---- DataLoader(pin_memory=True) without an accelerator (bit-diffusion's Trainer) -----------------------------------

PIN = "'pin_memory' argument is set as true but no accelerator is found, then device pinned memory won't be used."


def test_pin_memory_without_an_accelerator_warns_on_each_pass():
    loader = nn.utils.data.DataLoader(list(range(4)), batch_size=2, shuffle=True, pin_memory=True)
    for _ in range(2):                                  # each pass, as PyTorch's iterator's __init__
        with pytest.warns(UserWarning) as record:
            batches = list(loader)
        assert [str(w.message) for w in record] == [PIN]
        assert sorted(sum((b.tolist() for b in batches), [])) == [0, 1, 2, 3]
    loader = nn.utils.data.DataLoader(list(range(4)), batch_size=2, pin_memory=True, pin_memory_device="cpu")
    with pytest.warns(UserWarning) as record:
        next(iter(loader))
    assert [str(w.message) for w in record] == [
        "pin_memory_device is deprecated, the current accelerator will be used as the device,"
        "ignore pin_memory_device='cpu'.", PIN]
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # without pin_memory: silent
        assert len(list(nn.utils.data.DataLoader(list(range(4)), batch_size=2, pin_memory_device="cpu"))) == 2


def test_pin_memory_warnings_match_pytorch():
    torch = pytest.importorskip("torch")
    for kwargs in (dict(pin_memory=True), dict(pin_memory=True, pin_memory_device="cpu"), dict(pin_memory=False)):
        with warnings.catch_warnings(record=True) as theirs:
            warnings.simplefilter("always")
            next(iter(torch.utils.data.DataLoader(list(range(4)), batch_size=2, **kwargs)))
        with warnings.catch_warnings(record=True) as ours:
            warnings.simplefilter("always")
            next(iter(nn.utils.data.DataLoader(list(range(4)), batch_size=2, **kwargs)))
        assert [(w.category, str(w.message)) for w in ours] == [(w.category, str(w.message)) for w in theirs]


# ---- pins: MedSegDiff's ff-parser (fft2 of the map, a real attention map, ifft2(...).real) --------------------------

def test_ff_parser_values_and_gradients_are_the_hand_derived_ones():
    rng = np.random.default_rng(0)
    x0, m0, p = rng.normal(size=(2, 3, 4, 6)), rng.normal(size=(3, 4, 6)), rng.normal(size=(2, 3, 4, 6))
    q = rng.normal(size=(2, 3, 4, 6, 2))
    x, m = nn.tensor(x0, requires_grad=True), nn.tensor(m0, requires_grad=True)
    spectrum = nn.fft.fft2(x)
    y = nn.fft.ifft2(spectrum * m).real.type(x.dtype)
    as_real = nn.view_as_real(spectrum)                 # the dynamic map's input: (b, d, h, w, ri)
    assert y.dtype == nn.float64 and as_real.shape == (2, 3, 4, 6, 2)
    ((y * nn.tensor(p)).sum() + (as_real * nn.tensor(q)).sum()).backward()
    n, big_x = 24, np.fft.fft2(x0)
    np.testing.assert_allclose(np.asarray(y.detach()), np.fft.ifft2(big_x * m0).real, atol=1e-14)
    np.testing.assert_allclose(np.asarray(as_real.detach()), np.stack([big_x.real, big_x.imag], -1), atol=1e-13)
    # L = Re<G, X * M> with G = fft2(P) / N: dL/dM = Re(conj(G) X) summed over the batch, dL/dx = Re(N ifft2(M G));
    # the view_as_real term Re<Q, fft2 x> adds Re(N ifft2(Q)), Q = q_re + i q_im
    g = np.fft.fft2(p) / n
    np.testing.assert_allclose(np.asarray(m.grad), np.real(np.conj(g) * big_x).sum(0), atol=1e-13)
    np.testing.assert_allclose(np.asarray(x.grad), np.real(n * np.fft.ifft2(m0 * g + q[..., 0] + 1j * q[..., 1])),
                               atol=1e-13)


# ---- pins: bit-diffusion's decimal <-> bits (integer ops and their dtypes) ------------------------------------------

def decimal_to_bits(x, bits=8):                         # bit_diffusion.decimal_to_bits, einops as reshapes
    x = (x * 255).int().clamp(0, 255)
    mask = 2 ** nn.arange(bits - 1, -1, -1)
    b, c, h, w = x.shape
    out = ((x.reshape(b, c, 1, h, w) & mask.reshape(bits, 1, 1)) != 0).float()
    return out.reshape(b, c * bits, h, w) * 2 - 1


def bits_to_decimal(x, bits=8):                         # bit_diffusion.bits_to_decimal
    x = (x > 0).int()
    mask = 2 ** nn.arange(bits - 1, -1, -1, dtype=nn.int32)
    b, cd, h, w = x.shape
    dec = (x.reshape(b, cd // bits, bits, h, w) * mask.reshape(bits, 1, 1)).sum(2)
    return (dec / 255).clamp(0., 1.), dec


def test_bit_conversions_keep_pytorchs_dtypes_and_values():
    img = nn.tensor([[[[0.0, 5 / 255, 1.0, 0.5]]]], dtype=nn.float64)
    assert (2 ** nn.arange(3)).dtype == nn.int64 and (img.int() & nn.arange(2).reshape(2, 1, 1)).dtype == nn.int64
    bits = decimal_to_bits(img)
    assert bits.dtype == nn.float32 and bits.shape == (1, 8, 1, 4)
    # 0 -> all -1; 5 = 00000101; 255 -> all +1; 0.5 * 255 = 127.5 -> int 127 = 01111111
    assert bits[0, :, 0, 1].tolist() == [-1, -1, -1, -1, -1, 1, -1, 1]
    assert bits[0, :, 0, 3].tolist() == [-1, 1, 1, 1, 1, 1, 1, 1]
    back, dec = bits_to_decimal(bits)
    assert dec.dtype == nn.int64                        # an int32 sum is int64, as PyTorch
    assert back.dtype == nn.get_default_dtype()         # int / int: the default float dtype
    assert dec[0, 0, 0].tolist() == [0, 5, 255, 127]
    np.testing.assert_allclose(np.asarray(back)[0, 0, 0], np.array([0, 5, 255, 127]) / 255, rtol=1e-7)
