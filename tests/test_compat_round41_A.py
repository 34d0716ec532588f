"""e2cnn 0.2.3 (equivariant steerable CNNs; its wheel, with SciPy) ported file by file by the porting rule and run
against the original on PyTorch 2.13 in one process (round 41, area A): the gspaces Rot2dOnR2 (N = 4, 8 and
continuous with a maximum frequency), FlipRot2dOnR2, Flip2dOnR2 and TrivialOnR2; R2Conv in 24 configurations (basis
expansion to a filter, the cached filter of eval mode, export() to a Conv2d), R2ConvTransposed, R2Diffop, the
non-linearities, batch norms, poolings, R2Upsampling, the container modules and a small C8 / C4 / D4 network end to
end (forward, backward, Adam steps, eval, rotated inputs on both sides), in float64 from PyTorch's weights with the
same draws, and in float32. Everything agrees to rounding (float64 1e-16 to 1e-14).

The failures of nn these tests pin down (the package is not imported here):

- R2Upsampling(size=...).export() builds ``torch.nn.Upsample(scale_factor=None, mode=..., align_corners=...)``:
  PyTorch builds any Upsample and checks its arguments when it runs (F.interpolate's words); nn refused when building
  (a ValueError from export() where PyTorch returns the layer). With it, F.interpolate's sizes below 1 (a negative
  scale factor, a size of 0, an empty input) are the kernels' RuntimeError, as PyTorch's.
- e2cnn's SingleBlockBasisExpansion writes ``full_mask[mask] = norms.to(torch.uint8)`` with a uint8 mask: with one
  basis element kept (a 1x1 kernel) PyTorch's index_put_ hands the lone mask and the one value to masked_fill_,
  which refuses a uint8 mask ("masked_fill_ only supports boolean masks, ..."), so R2Conv(kernel_size=1) fails on
  PyTorch and built on nn. Beside it: a NumPy uint8 array as an index is a mask in PyTorch (nn read its 0s and 1s as
  positions), as is a uint8 Tensor indexing a ``.data`` array; float arrays and lists as indices are truncated to
  int64 (nn refused).
"""
import warnings

import numpy as np
import pytest

import nn
from porting import raised

BYTE_FILL = ("RuntimeError", "masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")
DEPRECATED = "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead."


def _set(x, index, value):
    x[index] = value
    return x


def _words(fn):
    """fn() -> (its result or (exception name, message), the messages of the warnings it gave)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            out = fn()
        except Exception as e:  # noqa: BLE001 - the point is which one
            out = (type(e).__name__, str(e))
    return out, [str(w.message) for w in seen]


# ---- Upsample: built whatever its arguments, checked when it runs ---------------------------------------------------

def test_upsample_without_size_or_scale_factor_is_built_and_refuses_when_run():
    # e2cnn's R2Upsampling.export() of R2Upsampling(in_type, size=13, align_corners=True)
    up = nn.Upsample(scale_factor=None, mode="bilinear", align_corners=True)
    assert repr(up) == "Upsample(size=None, mode='bilinear')" and up.eval() is up
    x = nn.zeros(1, 2, 4, 4)
    assert raised(lambda: up(x)) == ("ValueError", "either size or scale_factor should be defined")
    both = nn.Upsample(size=4, scale_factor=2)
    assert repr(both) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert raised(lambda: both(x)) == ("ValueError", "only one of size or scale_factor should be defined")
    corners = nn.Upsample(scale_factor=2, align_corners=True)
    assert raised(lambda: corners(x)) == ("ValueError", "align_corners option can only be set with the interpolating "
                                                        "modes: linear | bilinear | bicubic | trilinear")
    unknown = nn.Upsample(scale_factor=2, mode="foo")
    assert repr(unknown) == "Upsample(scale_factor=2.0, mode='foo')"
    assert raised(lambda: unknown(x)) == ("NotImplementedError", "Input Error: Only 3D, 4D and 5D input Tensors "
                                          "supported (got 4D) for the modes: nearest | linear | bilinear | bicubic | "
                                          "trilinear | lanczos | area | nearest-exact (got foo)")
    assert raised(lambda: nn.Upsample(size=2, recompute_scale_factor=True)(x)) == (
        "ValueError", "recompute_scale_factor is not meaningful with an explicit size.")
    assert nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)(x).shape == (1, 2, 8, 8)


def test_interpolate_sizes_below_one_are_refused_in_the_kernels_words():
    # a negative or rounding-to-zero scale factor, a size of 0, an empty input: PyTorch's upsampling kernels refuse
    # (nn refused a non-positive scale factor or size in words of its own, ValueError, and resized an empty input)
    F = nn.functional
    assert raised(lambda: nn.Upsample(scale_factor=-1)(nn.zeros(1, 1, 2, 2))) == (
        "RuntimeError", "Input and output sizes should be greater than 0, but got input (H: 2, W: 2) output "
                        "(H: -2, W: -2)")
    assert raised(lambda: F.interpolate(nn.zeros(1, 1, 4), scale_factor=0.1, mode="linear")) == (
        "RuntimeError", "Input and output sizes should be greater than 0, but got input (W: 4) and output (W: 0)")
    assert raised(lambda: F.interpolate(nn.zeros(1, 1, 2, 2, 2), size=0)) == (
        "RuntimeError", "Input and output sizes should be greater than 0, but got input (D: 2, H: 2, W: 2) output "
                        "(D: 0, H: 0, W: 0)")
    assert raised(lambda: F.interpolate(nn.zeros(1, 1, 0, 2), size=(2, 2), mode="bilinear")) == (
        "RuntimeError", "Input and output sizes should be greater than 0, but got input (H: 0, W: 2) output "
                        "(H: 2, W: 2)")
    assert raised(lambda: F.interpolate(nn.zeros(1, 1, 2, 2), scale_factor=0, mode="bicubic", antialias=True)) == (
        "RuntimeError", "Input and output sizes should be greater than 0, but got input (H: 2, W: 2) output "
                        "(H: 0, W: 0)")


# ---- a uint8 mask with one value: masked_fill_'s refusal -------------------------------------------------------------

def test_uint8_mask_with_one_value_is_refused_as_masked_fill_does():
    # e2cnn's SingleBlockBasisExpansion: mask = torch.tensor(mask.astype(np.uint8)); full_mask = zeros_like(mask);
    # full_mask[mask] = norms.to(torch.uint8), here with one basis element kept (PyTorch 2.13, no warning)
    mask = nn.tensor([0, 1, 0], dtype=nn.uint8)
    assert _words(lambda: _set(nn.zeros_like(mask), mask, nn.tensor([True]).to(nn.uint8))) == (BYTE_FILL, [])
    u8 = nn.tensor([1, 0, 1], dtype=nn.uint8)
    for index, value in [(u8, 2.0), (u8, nn.tensor(2.0)), (u8, nn.ones(1, 1)), ([u8], 2.0)]:
        assert _words(lambda: _set(nn.zeros(3), index, value))[0] == BYTE_FILL
    assert _words(lambda: _set(nn.zeros(3, 2), (u8, slice(None)), 2.0))[0] == BYTE_FILL      # slices go first
    assert _words(lambda: _set(nn.zeros(2, 3), (0, u8), 2.0))[0] == BYTE_FILL                 # so do ints
    assert _words(lambda: _set(nn.zeros(2, 2), nn.tensor([[1, 0], [0, 1]], dtype=nn.uint8), 3.0))[0] == BYTE_FILL
    assert _words(lambda: _set(nn.zeros(3), u8, nn.tensor(2.0, requires_grad=True)))[0] == BYTE_FILL
    assert _words(lambda: nn.zeros(3).index_put_((u8,), nn.tensor(2.0)))[0] == BYTE_FILL
    assert _words(lambda: nn.zeros(3).index_put((u8,), nn.tensor([2.0])))[0] == BYTE_FILL
    # the mask's shape is checked first
    assert _words(lambda: _set(nn.zeros(4), u8, 2.0))[0] == (
        "IndexError", "The shape of the mask [3] at index 0 does not match the shape of the indexed tensor [4] at "
                      "index 0")


def test_uint8_mask_with_several_values_or_indices_is_a_deprecated_bool_mask():
    u8 = nn.tensor([1, 0, 1], dtype=nn.uint8)
    out, said = _words(lambda: _set(nn.zeros(3), u8, nn.tensor([4.0, 5.0])).tolist())
    assert out == [4.0, 0.0, 5.0] and said == [DEPRECATED]
    out, said = _words(lambda: nn.zeros(3).index_put_((u8,), nn.tensor(2.0), accumulate=True).tolist())
    assert out == [2.0, 0.0, 2.0] and said == [DEPRECATED]
    out, said = _words(lambda: _set(nn.zeros(3, 2), (nn.tensor([0, 1]), u8[:2]), 2.0).tolist())    # not the only one
    assert out == [[2.0, 0.0], [2.0, 0.0], [0.0, 0.0]] and said == [DEPRECATED]
    assert _words(lambda: _set(nn.zeros(3), u8.bool(), 2.0).tolist()) == ([2.0, 0.0, 2.0], [])
    assert _words(lambda: nn.arange(3.0)[u8].tolist()) == ([0.0, 2.0], [DEPRECATED])
    # a 0-d uint8 tensor is read as True / False, quietly
    assert _words(lambda: _set(nn.zeros(3), nn.tensor(1, dtype=nn.uint8), 2.0).tolist()) == ([2.0, 2.0, 2.0], [])


def test_numpy_and_list_indices_are_read_as_pytorch_reads_them():
    # an array becomes a uint8 / bool tensor (a mask) or else an int64 one: floats truncated toward zero
    a = np.array([1, 0, 1], dtype=np.uint8)
    assert _words(lambda: nn.arange(3.0)[a].tolist()) == ([0.0, 2.0], [DEPRECATED])
    assert _words(lambda: _set(nn.zeros(3), a, nn.tensor([4.0, 5.0])).tolist())[0] == [4.0, 0.0, 5.0]
    assert _words(lambda: _set(nn.zeros(3), a, 4.0))[0] == BYTE_FILL
    assert nn.arange(5.0)[np.array([1.7, -1.5, 0.0])].tolist() == [1.0, 4.0, 0.0]
    assert nn.arange(5.0)[[1.7, 0.2]].tolist() == [1.0, 0.0]
    assert _set(nn.zeros(5), [1.7, 3.2], 2.0).tolist() == [0.0, 2.0, 0.0, 2.0, 0.0]
    assert nn.arange(5.0)[np.array([1, 4], dtype=np.int8)].tolist() == [1.0, 4.0]
    assert raised(lambda: nn.arange(3.0)[nn.tensor([1.0])]) == (
        "IndexError", "tensors used as indices must be long, int, byte or bool tensors")


def test_data_arrays_read_a_uint8_mask_as_a_tensor_does():
    # p.data is a Tensor in PyTorch: a uint8 index there is a mask too (nn's array took its 0s and 1s as positions)
    u8 = nn.tensor([1, 0, 1], dtype=nn.uint8)
    x = nn.arange(3.0)
    assert _words(lambda: x.data[u8].tolist()) == ([0.0, 2.0], [DEPRECATED])
    assert _words(lambda: x.data[np.array([1, 0, 1], dtype=np.uint8)].tolist())[0] == [0.0, 2.0]
    d = nn.zeros(3).data
    assert _words(lambda: _set(d, u8, 2.0))[0] == BYTE_FILL
    assert d.tolist() == [0.0, 0.0, 0.0]
    assert _words(lambda: _set(d, u8, nn.tensor([4.0, 5.0])).tolist()) == ([4.0, 0.0, 5.0], [DEPRECATED])
    assert x.data[nn.tensor([2, 0])].tolist() == [2.0, 0.0] and x.data[1:, ].tolist() == [1.0, 2.0]


# ---- against PyTorch, where it is installed -------------------------------------------------------------------------

def test_indexing_with_uint8_and_numpy_indices_matches_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda L: _set(L.zeros(3), L.tensor([1, 0, 1], dtype=L.uint8), 2.0),
        lambda L: _set(L.zeros(3), L.tensor([1, 0, 1], dtype=L.uint8), L.ones(2)),
        lambda L: _set(L.zeros(3, 2), (L.tensor([1, 0, 1], dtype=L.uint8), slice(None)), 2.0),
        lambda L: _set(L.zeros(2, 3), (0, L.tensor([1, 0, 1], dtype=L.uint8)), 2.0),
        lambda L: _set(L.zeros(3, 2), (L.tensor([0, 1]), L.tensor([1, 0], dtype=L.uint8)), 2.0),
        lambda L: _set(L.zeros(4), L.tensor([1, 0, 1], dtype=L.uint8), 2.0),
        lambda L: _set(L.zeros(3), L.tensor(1, dtype=L.uint8), 2.0),
        lambda L: L.zeros(3).index_put_((L.tensor([1, 0, 1], dtype=L.uint8),), L.tensor(2.0)),
        lambda L: L.zeros(3).index_put_((L.tensor([1, 0, 1], dtype=L.uint8),), L.tensor(2.0), accumulate=True),
        lambda L: L.arange(3.0)[np.array([1, 0, 1], dtype=np.uint8)],
        lambda L: _set(L.zeros(3), np.array([1, 0, 1], dtype=np.uint8), 4.0),
        lambda L: L.arange(5.0)[np.array([1.7, -1.5, 0.0])],
        lambda L: L.arange(5.0)[[1.7, 0.2]],
        lambda L: L.arange(3.0).data[L.tensor([1, 0, 1], dtype=L.uint8)],
        lambda L: _set(L.zeros(3).data, L.tensor([1, 0, 1], dtype=L.uint8), 2.0),
    ]
    for case in cases:
        theirs, ours = _words(lambda: case(torch)), _words(lambda: case(nn))
        if hasattr(theirs[0], "tolist"):
            theirs, ours = (theirs[0].tolist(), theirs[1]), (ours[0].tolist(), ours[1])
        assert ours[0] == theirs[0]
        assert ours[1] == [w.split(" (Triggered internally")[0] for w in theirs[1]]


def test_upsample_arguments_match_torch():
    torch = pytest.importorskip("torch")
    for kwargs in [dict(), dict(size=2, scale_factor=2), dict(scale_factor=2, align_corners=True),
                   dict(scale_factor=2, mode="foo"), dict(scale_factor=None, mode="bilinear", align_corners=True),
                   dict(scale_factor=-1), dict(size=0, mode="bilinear"), dict(scale_factor=0.3, mode="bicubic")]:
        theirs, ours = torch.nn.Upsample(**kwargs), nn.Upsample(**kwargs)
        assert repr(ours) == repr(theirs)
        assert raised(lambda: ours(nn.zeros(1, 1, 2, 2))) == raised(lambda: theirs(torch.zeros(1, 1, 2, 2)))
