"""lucidrains' make-a-video-pytorch 0.4.0 from the package registry, ported by the porting rule and run against the
original on PyTorch 2.13 (round 38, area D): its SpaceTimeUnet on images and videos (pseudo-3D convolutions, the
factorised spatial and temporal attention with continuous position biases, flash and causal, the GEGLU feed-forward
with its token shift, pixel-shuffle down- and upsampling in space and time, timestep conditioning), each part alone
and the whole U-Net, in float64 (a second copy of each side with the package's two float32 casts made float64) and
as shipped in float32, from PyTorch's weights (perturbed), with the same NumPy inputs; forward, backward through a
random projection, Adam / AdamW / SGD steps, eval, state_dict round trips (nn.save -> torch.load and back) and the
errors a user meets. The package itself is not imported here.

The failure these tests pin down, in a few lines:

- PseudoConv3d hands any input that is not 5-D to its ``nn.Conv2d`` as it is (``is_video = x.ndim == 5``), and
  FeedForward / Downsample build 1x1 ``nn.Conv3d`` / ``nn.Conv2d`` on rearranged inputs: a tensor of the wrong rank
  (a 6-D batch of clips, a 3-D sequence) reaches the convolution. PyTorch 2.13 refuses it first, before any other
  argument's check, with RuntimeError "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of
  size: [1, 4, 2, 2, 5, 5]" (the same words for conv1d / conv3d / conv_transpose1d-3d, with their ranks); nn raised
  ValueError in its own words ("conv2d: input must be 4-D (N, C, H, W) (or 3-D, one image (C, H, W)), got shape
  ...", "conv1d: expected (N, C, L) or (C, L) input, ...", "conv3d: input must be (N, C, D, H, W) or ..."), and after
  a bad padding string or stride when there was one. Now every convolution checks its input's rank first, in
  PyTorch's words (a ShapeError: the RuntimeError PyTorch raises, and the ValueError nn raised).
- Beside it, the same layers with ``padding_mode='reflect'`` (or 'replicate', 'circular') pad first: PyTorch's
  non-constant ``F.pad`` takes 1-3 padded dims of a sample or a batch only (pad size 2 for 2-D / 3-D inputs, 4 for
  3-D / 4-D, 6 for 4-D / 5-D) and refuses the rest with NotImplementedError "Padding size 4 is not supported for 5D
  input tensor. ..." (ReflectionPadNd / ReplicationPadNd the same); nn padded the last dims of any input (a 5-D clip
  through ``Conv2d(padding_mode='reflect')`` was padded, then refused by the convolution in other words; a 4-D
  input to ``ReflectionPad1d`` was padded). The circular pads check the rank themselves first, ValueError "expected
  4D or 5D input (got 3D input)"; nn's padded. Now F.pad and the circular pads refuse them as PyTorch's. An older
  test (test_compat_round5) padded a 4-D input by (-1, 1) in reflect mode; it now pads a 3-D one, as PyTorch takes.
"""
import numpy as np
import pytest

import nn
import nn.functional as F


def _message(fn):
    with pytest.raises(RuntimeError) as caught:
        fn()
    return str(caught.value)


RANK_CASES = [  # (call on library L, PyTorch 2.13's message)
    (lambda L: L.nn.Conv2d(4, 4, 3, padding=1)(L.zeros(1, 4, 2, 2, 5, 5)),      # PseudoConv3d's spatial_conv, 6-D
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [1, 4, 2, 2, 5, 5]"),
    (lambda L: L.nn.Conv2d(4, 4, 1)(L.zeros(2, 5)),
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 5]"),
    (lambda L: L.nn.Conv1d(4, 4, 3, padding=1)(L.zeros(1, 4, 3, 3)),            # PseudoConv3d's temporal_conv
     "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [1, 4, 3, 3]"),
    (lambda L: L.nn.Conv3d(6, 4, 1, bias=False)(L.zeros(6, 2, 4, 4)),           # FeedForward's proj_in: one
     None),                                                                      # unbatched 4-D clip runs
    (lambda L: L.nn.Conv3d(6, 4, 1, bias=False)(L.zeros(1, 1, 6, 2, 4, 4)),
     "Expected 4D (unbatched) or 5D (batched) input to conv3d, but got input of size: [1, 1, 6, 2, 4, 4]"),
    (lambda L: L.nn.functional.conv1d(L.tensor(1.0), L.zeros(3, 1, 1)),
     "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: []"),
    (lambda L: L.nn.ConvTranspose2d(2, 3, 2)(L.zeros(1, 2, 2, 5, 5)),
     "Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: [1, 2, 2, 5, 5]"),
    (lambda L: L.nn.functional.conv_transpose1d(L.zeros(2, 3, 4, 5), L.zeros(3, 2, 1), output_padding=3),
     "Expected 2D (unbatched) or 3D (batched) input to conv_transpose1d, but got input of size: [2, 3, 4, 5]"),
    (lambda L: L.nn.functional.conv_transpose3d(L.zeros(2, 3, 4), L.zeros(3, 2, 1, 1, 1)),
     "Expected 4D (unbatched) or 5D (batched) input to conv_transpose3d, but got input of size: [2, 3, 4]"),
    # the rank is checked before a bad padding string, stride or groups (and before the dtype), as PyTorch's
    (lambda L: L.nn.functional.conv2d(L.zeros(2, 3, 4, 5, 5), L.zeros(3, 2, 1, 1), padding="foo"),
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3, 4, 5, 5]"),
    (lambda L: L.nn.functional.conv2d(L.zeros(0, 2, 3, 4, 5), L.zeros(3, 2, 1, 1), stride=0, groups=0),
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [0, 2, 3, 4, 5]"),
    (lambda L: L.nn.functional.conv1d(L.zeros(2, 3, 4, 5), L.zeros(3, 2, 1), padding="foo"),
     "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [2, 3, 4, 5]"),
    (lambda L: L.nn.functional.conv3d(L.zeros(2, 3, 4), L.zeros(3, 2, 1, 1, 1), padding="same", stride=(1, 2)),
     "Expected 4D (unbatched) or 5D (batched) input to conv3d, but got input of size: [2, 3, 4]"),
    (lambda L: L.nn.functional.conv2d(L.zeros(1, 2, 2, 5, 5, dtype=L.int64), L.zeros(3, 2, 1, 1)),
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [1, 2, 2, 5, 5]"),
]


@pytest.mark.parametrize("index", range(len(RANK_CASES)))
def test_convolution_of_the_wrong_rank_is_pytorchs_error(index):
    # make_a_video's PseudoConv3d: `if is_video: x = rearrange(...)` else x goes to nn.Conv2d as it is
    call, words = RANK_CASES[index]
    if words is None:
        assert tuple(call(nn).shape) == (4, 2, 4, 4)
        return
    assert _message(lambda: call(nn)) == words
    with pytest.raises(ValueError):         # nn's former type still catches it (ShapeError is both)
        call(nn)


def test_pseudo_conv3d_runs_images_and_videos_and_refuses_other_ranks():
    # the package's PseudoConv3d forward, as ported (dirac_-initialised temporal conv: identity in time)
    from einops import rearrange

    spatial, temporal = nn.Conv2d(3, 4, 3, padding=1), nn.Conv1d(4, 4, 3, padding=1)
    nn.init.dirac_(temporal.weight.data)
    nn.init.zeros_(temporal.bias.data)

    def pseudo_conv3d(x, enable_time=True):
        b, c, *_, h, w = x.shape
        is_video = x.ndim == 5
        enable_time &= is_video
        if is_video:
            x = rearrange(x, 'b c f h w -> (b f) c h w')
        x = spatial(x)
        if is_video:
            x = rearrange(x, '(b f) c h w -> b c f h w', b=b)
        if not enable_time:
            return x
        x = rearrange(x, 'b c f h w -> (b h w) c f')
        x = temporal(x)
        return rearrange(x, '(b h w) c f -> b c f h w', h=h, w=w)

    video = nn.randn(2, 3, 4, 5, 6, dtype=nn.float64)
    spatial.double(), temporal.double()
    out = pseudo_conv3d(video)
    assert tuple(out.shape) == (2, 4, 4, 5, 6)
    # the temporal conv is the identity at init: the video's frames are the image conv's outputs
    np.testing.assert_allclose(out[:, :, 1].detach().numpy(), spatial(video[:, :, 1]).detach().numpy(), rtol=1e-14)
    assert tuple(pseudo_conv3d(video[:, :, 0]).shape) == (2, 4, 5, 6)
    assert _message(lambda: pseudo_conv3d(video[None])) == (
        "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [1, 2, 3, 4, 5, 6]")


def test_continuous_position_bias_index_idioms():
    # ContinuousPositionBias.forward's integer bookkeeping for dimensions (2, 3): strides from a flipped cumprod and
    # an int F.pad with a negative pad, relative positions made non-negative in place, then flattened indices
    dimensions = (2, 3)
    shape = nn.tensor(dimensions)
    strides = nn.flip(2 * shape - 1, (0,)).cumprod(dim=-1)
    strides = nn.flip(F.pad(strides, (1, -1), value=1), (0,))
    assert strides.dtype == nn.int64 and strides.tolist() == [5, 1]
    grid = nn.stack(nn.meshgrid(*[nn.arange(d) for d in dimensions], indexing='ij'), dim=-1).reshape(-1, 2)
    rel_dist = grid[:, None] - grid[None]
    rel_dist += (shape - 1)
    rel_dist *= strides
    indices = rel_dist.sum(dim=-1)
    g = np.stack(np.meshgrid(np.arange(2), np.arange(3), indexing='ij'), -1).reshape(-1, 2)
    expected = ((g[:, None] - g[None] + [1, 2]) * [5, 1]).sum(-1)
    assert indices.dtype == nn.int64 and (indices.numpy() == expected).all()
    table = nn.arange(15 * 2, dtype=nn.float64).reshape(15, 2)
    assert tuple(table[indices].shape) == (6, 6, 2) and (table[indices][..., 0].numpy() == 2 * expected).all()


PAD_WORDS = ("Padding size {} is not supported for {}D input tensor.\nSupported combinations for non-constant "
             "padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: padding size = "
             "4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")

PAD_CASES = [  # (call on library L, (exception type name, PyTorch 2.13's message) or the result's shape)
    (lambda L: L.nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect")(L.zeros(1, 2, 2, 5, 5)),
     ("NotImplementedError", PAD_WORDS.format(4, 5))),
    (lambda L: L.nn.functional.pad(L.zeros(1, 2, 2, 5, 5), (9, 9, 1, 1), mode="circular"),   # before the wrap check
     ("NotImplementedError", PAD_WORDS.format(4, 5))),
    (lambda L: L.nn.functional.pad(L.zeros(1, 2, 2, 5, 5), (1,) * 8, mode="reflect"),
     ("NotImplementedError", PAD_WORDS.format(8, 5))),
    (lambda L: L.nn.functional.pad(L.zeros(2, 3, 4, 5), (), mode="replicate"),
     ("NotImplementedError", PAD_WORDS.format(0, 4))),
    (lambda L: L.nn.ReflectionPad1d(1)(L.zeros(5)), ("NotImplementedError", PAD_WORDS.format(2, 1))),
    (lambda L: L.nn.ReplicationPad1d(1)(L.zeros(1, 2, 3, 4)), ("NotImplementedError", PAD_WORDS.format(2, 4))),
    (lambda L: L.nn.functional.pad(L.zeros(1, 2, 2, 5, 5), (1, 1, 1, 1), mode="reflect", value=2.0),   # first
     ("RuntimeError", 'Padding mode "reflect" doesn\'t take in value argument')),
    (lambda L: L.nn.CircularPad3d(1)(L.zeros(2, 3, 4)), ("ValueError", "expected 4D or 5D input (got 3D input)")),
    (lambda L: L.nn.CircularPad1d(1)(L.zeros(1, 2, 3, 4)), ("ValueError", "expected 2D or 3D input (got 4D input)")),
    (lambda L: L.nn.CircularPad2d(1)(L.zeros(2, 3)), ("ValueError", "expected 3D or 4D input (got 2D input)")),
    (lambda L: L.nn.functional.pad(L.zeros(2, 3, 4, 5), (1,) * 6, mode="replicate"), (2, 5, 6, 7)),
    (lambda L: L.nn.CircularPad2d(1)(L.zeros(3, 4, 5)), (3, 6, 7)),
    (lambda L: L.nn.ReflectionPad2d(1)(L.zeros(2, 3, 4, 5)), (2, 3, 6, 7)),
    (lambda L: L.nn.functional.pad(L.zeros(1, 2, 3, 4, 5, 6), (1, 1), mode="constant"), (1, 2, 3, 4, 5, 8)),
]


def _outcome(call, L):
    try:
        return tuple(call(L).shape)
    except Exception as error:     # noqa: BLE001 - the outcome compared
        return type(error).__name__, str(error)


@pytest.mark.parametrize("index", range(len(PAD_CASES)))
def test_non_constant_padding_of_an_unsupported_rank_is_refused_as_pytorchs(index):
    call, expected = PAD_CASES[index]
    assert _outcome(call, nn) == expected


def test_rank_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    for call, words in RANK_CASES:
        if words is None:
            assert tuple(call(torch).shape) == tuple(call(nn).shape)
            continue
        with pytest.raises(RuntimeError) as caught:
            call(torch)
        assert str(caught.value) == words == _message(lambda: call(nn))
    for call, expected in PAD_CASES:
        assert _outcome(call, torch) == expected
