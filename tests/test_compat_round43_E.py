"""Structured pruning from the package registry: torch-pruning 1.6.1 (import name torch_pruning), copied from the wheel
and ported file by file by the porting rule (27 files, 16 changed; renamed ``torch_pruningp``), run against the
original on PyTorch 2.13 in one process, in float64, PyTorch's weights (perturbed: no BatchNorm weight 1, no bias 0)
loaded into nn's, the same NumPy inputs and the same draws (``torch.rand(n)`` of RandomImportance reads one NumPy
stream per side). Hand-made models: conv / BatchNorm / residual add / concat / depthwise and grouped convs /
GroupNorm / flatten into a Linear; a bottleneck ResNet (``ReLU(inplace=True)``, ``out += identity``); an Embedding /
LayerNorm / concat / BatchNorm1d MLP; a two-block ViT (timm-style qkv reshape / permute / unbind, unwrapped cls-token
and position parameters, ``num_heads``, head dims and whole heads pruned); ``nn.MultiheadAttention``; PReLU /
InstanceNorm / ConvTranspose2d. ``DependencyGraph`` + ``get_pruning_group`` + ``group.prune()``; every importance
(Magnitude p = 1, 2 with each group reduction and normalizer, BNScale, LAMP, FPGM, Taylor, Hessian, Random,
Activation, OBDC); MetaPruner / MagnitudePruner local and global, ``pruning_ratio`` / ``ch_sparsity`` dicts,
iterative steps, interactive, isomorphic, ignored layers, ``round_to``; BNScalePruner, GroupNormPruner and
GrowingRegPruner with their ``regularize`` between backward and SGD steps; ``count_ops_and_params``;
``tp.state_dict`` / ``tp.save`` / ``tp.load`` / ``tp.load_state_dict`` into a fresh model; pruned state dicts loaded
across into PyTorch's pruned models. 260 pruner configurations: pruned shapes and operation counts equal PyTorch's;
outputs, weights after 2 SGD steps and eval outputs agree to 4e-14, gradients to 2e-13 (GroupNormPruner 3e-11: its
regularizer's importance is float32, where PyTorch's CPU ``sqrt`` is not correctly rounded and NumPy's is); float32
as shipped to 1e-5. The ViT with the ``prod`` / ``gate`` group reductions prunes other qkv rows (nn's batched matmul
is one autograd node, so the unbind's pieces are reached in another order); an LSTM fails on both sides.

What the package met of nn (each fixed; the package is not imported here):

- ``_prune_parameter_and_grad``: ``torch.index_select(weight, 1, keep_idxs)`` with an index past the dim (a group
  asked to prune channels a layer does not have): ATen's fast path along dim 1 raises RuntimeError "INDICES element
  is out of DATA bounds, id=4 axis_dim=4"; nn said IndexError "index out of range in self" (PyTorch's words only
  on its general path); an empty dim of an empty tensor, and a 0-d input with other than one index, have words too.
- A grouped conv pruned to a width groups does not divide: PyTorch's RuntimeError "Given groups=2, expected weight
  to be divisible by 2 at dimension 0, but got weight of size [[5, 4, 1, 1]] instead" (its doubled brackets) before
  the input-channel check; nn said ValueError in its own words, or named the channels; fewer weight rows than groups
  ("expected weight to be at least 2") and a bias of the wrong size ("expected bias to be 1-dimensional with 6
  elements") likewise, also for conv1d / conv3d and the transposed convolutions.
- torch-pruning lowers ``BatchNorm.num_features`` by the number of channels it removes, so a group asked for an
  index past the layer leaves ``num_features`` below the channels kept: PyTorch's forward does not read it
  (``F.batch_norm`` checks the running statistics, weight and bias against the input); nn's forward refused.
- ``nn.MultiheadAttention`` pruned to an embed_dim the heads do not divide: PyTorch's forward asserts
  "embed_dim 13 not divisible by num_heads 4"; nn failed later, in a reshape's words.
- GroupNormPruner / GrowingRegPruner read ``layer.weight.data[:, idxs]``: an index past the dim said NumPy's
  "index 6 is out of bounds for axis 1 with size 6"; PyTorch's is "... for dimension 0 with size 6" (the index
  tensor named by its place, as nn's Tensor indexing already does).
"""
import numpy as np
import pytest

import nn
import nn.functional as F
from porting import raised


def _words(fn):
    """raised(fn) with nn's ShapeError (a RuntimeError) named as the RuntimeError PyTorch raises."""
    kind, message = raised(fn)
    return ("RuntimeError" if kind == "ShapeError" else kind), message


# ---- index_select past the dim: ATen's three words ------------------------------------------------------------------

INDEX_SELECT_CASES = [   # (shape, dim, index, (type, words))
    ((8, 4, 3, 3), 1, [0, 1, 2, 4], ("RuntimeError", "INDICES element is out of DATA bounds, id=4 axis_dim=4")),
    ((8, 4), -1, [1, 4, -3], ("RuntimeError", "INDICES element is out of DATA bounds, id=4 axis_dim=4")),
    ((8, 4), 1, [-1], ("RuntimeError", "INDICES element is out of DATA bounds, id=-1 axis_dim=4")),
    ((2, 3, 4), 1, [3], ("RuntimeError", "INDICES element is out of DATA bounds, id=3 axis_dim=3")),
    ((2, 3, 4), 2, [4], ("IndexError", "index out of range in self")),
    ((8, 4, 3, 3), 0, [8], ("IndexError", "index out of range in self")),
    ((4,), 0, [4], ("IndexError", "index out of range in self")),
    ((0, 4, 3), 2, [3], ("RuntimeError", "INDICES element is out of DATA bounds, id=3 axis_dim=3")),
    ((0, 4), 0, [0], ("RuntimeError", "index_select(): self indexing axis dim should be positive")),
    ((3, 0), 1, [5], ("RuntimeError", "index_select(): self indexing axis dim should be positive")),
    ((), 0, [0, 0], ("RuntimeError", "index_select(): Index to scalar can have only 1 value, got 2 value(s)")),
    ((), 0, [], ("RuntimeError", "index_select(): Index to scalar can have only 1 value, got 0 value(s)")),
]


def test_index_select_out_of_range_words_are_atens():
    # torch-pruning's _prune_parameter_and_grad, pruning a conv's input channels with a kept index past the dim
    weight = nn.Parameter(nn.zeros(8, 4, 3, 3))
    assert raised(lambda: nn.index_select(weight, 1, nn.LongTensor([0, 1, 2, 4]).contiguous())) == (
        "RuntimeError", "INDICES element is out of DATA bounds, id=4 axis_dim=4")
    for shape, dim, index, words in INDEX_SELECT_CASES:
        x = nn.zeros(*shape) if shape else nn.tensor(1.0)
        assert raised(lambda: nn.index_select(x, dim, nn.tensor(index, dtype=nn.int64))) == words, (shape, dim)
        assert raised(lambda: x.index_select(dim, nn.tensor(index, dtype=nn.int64))) == words, (shape, dim)
    # what works still works: in range, empty, the empty dims of an empty tensor
    x = nn.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(nn.index_select(x, 1, nn.tensor([2, 0])).numpy(), x.numpy()[:, [2, 0]])
    assert nn.index_select(x, 1, nn.tensor([], dtype=nn.int64)).shape == (2, 0, 4)
    assert nn.index_select(nn.zeros(0, 4), 1, nn.tensor([3])).shape == (0, 1)
    assert nn.index_select(nn.tensor(5.0), 0, nn.tensor([0])).item() == 5.0


def test_index_select_out_of_range_words_against_pytorch():
    torch = pytest.importorskip("torch")
    for shape, dim, index, words in INDEX_SELECT_CASES:
        x = torch.zeros(*shape) if shape else torch.tensor(1.0)
        assert raised(lambda: torch.index_select(x, dim, torch.tensor(index, dtype=torch.int64))) == words, shape
        ours = nn.zeros(*shape) if shape else nn.tensor(1.0)        # (side by side: nn's words are the same)
        assert _words(lambda: nn.index_select(ours, dim, nn.tensor(index, dtype=nn.int64))) == words, shape


# ---- the convolutions' weight / groups / bias checks: ATen's order and words ----------------------------------------

CONV_CASES = [   # (op, input shape, weight shape, bias size or None, groups, words)
    # torch-pruning's grouped conv pruned to 5 output channels, groups=2
    ("conv2d", (1, 8, 5, 5), (5, 4, 1, 1), None, 2,
     "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [[5, 4, 1, 1]] "
     "instead"),
    ("conv2d", (1, 6, 5, 5), (5, 2, 1, 1), None, 2,            # before the input's channels
     "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [[5, 2, 1, 1]] "
     "instead"),
    ("conv2d", (1, 4, 5, 5), (1, 4, 1, 1), None, 2,
     "Given groups=2, expected weight to be at least 2 at dimension 0, but got weight of size [1, 4, 1, 1] instead"),
    ("conv2d", (1, 4, 5, 5), (0, 2, 1, 1), None, 2,
     "Given groups=2, expected weight to be at least 2 at dimension 0, but got weight of size [0, 2, 1, 1] instead"),
    ("conv2d", (1, 4, 5, 5), (6, 2, 1, 1), 5, 2,
     "Given weight of size [6, 2, 1, 1], expected bias to be 1-dimensional with 6 elements, but got bias of size [5] "
     "instead"),
    ("conv1d", (1, 3, 5), (5, 1, 1), None, 3,
     "Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of size [[5, 1, 1]] instead"),
    ("conv1d", (1, 4, 5), (6, 2, 1), 12, 2,
     "Given weight of size [6, 2, 1], expected bias to be 1-dimensional with 6 elements, but got bias of size [12] "
     "instead"),
    ("conv3d", (1, 4, 5, 5, 5), (4, 3, 1, 1, 1), 6, 2,         # (nn's conv3d met the bias at its broadcast add)
     "Given groups=2, weight of size [4, 3, 1, 1, 1], expected input[1, 4, 5, 5, 5] to have 6 channels, but got 4 "
     "channels instead"),
    ("conv3d", (1, 6, 5, 5, 5), (4, 3, 1, 1, 1), 6, 2,
     "Given weight of size [4, 3, 1, 1, 1], expected bias to be 1-dimensional with 4 elements, but got bias of size "
     "[6] instead"),
    ("conv_transpose2d", (1, 5, 5, 5), (5, 2, 1, 1), None, 2,
     "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [[5, 2, 1, 1]] "
     "instead"),
    ("conv_transpose2d", (1, 4, 5, 5), (4, 2, 1, 1), 5, 2,
     "Given transposed=1, weight of size [4, 2, 1, 1], expected bias to be 1-dimensional with 4 elements, but got bias "
     "of size [5] instead"),
    ("conv_transpose1d", (1, 2, 5), (2, 2, 1), None, 4,
     "Given groups=4, expected weight to be at least 4 at dimension 0, but got weight of size [2, 2, 1] instead"),
    ("conv_transpose3d", (1, 3, 5, 5, 5), (3, 1, 1, 1, 1), 4, 3,
     "Given transposed=1, weight of size [3, 1, 1, 1, 1], expected bias to be 1-dimensional with 3 elements, but got "
     "bias of size [4] instead"),
]


def _conv(lib_f, lib, op, x_shape, w_shape, bias, groups):
    b = None if bias is None else lib.zeros(bias)
    return getattr(lib_f, op)(lib.zeros(*x_shape), lib.zeros(*w_shape), b, groups=groups)


def test_conv_groups_and_bias_checks_are_atens():
    for op, x_shape, w_shape, bias, groups, words in CONV_CASES:
        assert _words(lambda: _conv(F, nn, op, x_shape, w_shape, bias, groups)) == ("RuntimeError", words), (op, words)
    # torch-pruning's pruned grouped conv as a layer: the forward names the weight
    conv = nn.Conv2d(8, 8, 1, groups=2)
    conv.weight = nn.Parameter(conv.weight.data[:5])
    conv.bias = nn.Parameter(conv.bias.data[:5])
    conv.out_channels = 5
    with pytest.raises(RuntimeError, match=r"^Given groups=2, expected weight to be divisible by 2 at dimension 0, "
                                           r"but got weight of size \[\[5, 4, 1, 1\]\] instead$"):
        conv(nn.zeros(1, 8, 3, 3))
    # what works still works
    assert F.conv2d(nn.zeros(1, 4, 5, 5), nn.zeros(6, 2, 1, 1), nn.zeros(6), groups=2).shape == (1, 6, 5, 5)
    assert F.conv_transpose2d(nn.zeros(1, 4, 5, 5), nn.zeros(4, 3, 1, 1), nn.zeros(6), groups=2).shape == (1, 6, 5, 5)
    assert F.conv3d(nn.zeros(1, 4, 3, 3, 3), nn.zeros(6, 2, 1, 1, 1), nn.zeros(6), groups=2).shape == (1, 6, 3, 3, 3)


def test_conv_groups_and_bias_checks_against_pytorch():
    torch = pytest.importorskip("torch")
    for op, x_shape, w_shape, bias, groups, words in CONV_CASES:
        assert raised(lambda: _conv(torch.nn.functional, torch, op, x_shape, w_shape, bias, groups)) == (
            "RuntimeError", words), (op, words)
        assert _words(lambda: _conv(F, nn, op, x_shape, w_shape, bias, groups)) == ("RuntimeError", words), op


# ---- BatchNorm's forward does not read num_features ------------------------------------------------------------------

def _pruned_batchnorm(lib, affine=True, track=True):
    """torch-pruning's prune_batchnorm_out_channels with one index past the layer (idxs [1, 5] of 4 channels):
    three channels kept, num_features lowered by two."""
    bn = lib.nn.BatchNorm2d(4, affine=affine, track_running_stats=track)
    keep = [0, 2, 3]
    if track:
        bn.running_mean = bn.running_mean.data[keep] + 0.5
        bn.running_var = bn.running_var.data[keep] * 2.0
    if affine:
        bn.weight = lib.nn.Parameter(bn.weight.data[keep] * 3.0)
        bn.bias = lib.nn.Parameter(bn.bias.data[keep] - 1.0)
    bn.num_features = bn.num_features - 2
    return bn.double()


def test_batchnorm_forward_does_not_read_num_features():
    x = nn.tensor(np.sin(np.arange(2 * 3 * 2 * 2.0)).reshape(2, 3, 2, 2))
    xs = x.numpy()
    mean, var = xs.mean((0, 2, 3), keepdims=True), xs.var((0, 2, 3), keepdims=True)
    for affine in (True, False):
        for track in (True, False):
            bn = _pruned_batchnorm(nn, affine, track)
            y = bn(x)                   # training: the batch's statistics
            scale = (3.0 if affine else 1.0)
            shift = (-1.0 if affine else 0.0)
            np.testing.assert_allclose(y.detach().numpy(), (xs - mean) / np.sqrt(var + 1e-5) * scale + shift, atol=1e-6)
            if track:
                assert int(bn.num_batches_tracked) == 1
                bn.eval()               # eval: the running statistics, of the three channels kept
                rm, rv = bn.running_mean.numpy().reshape(1, 3, 1, 1), bn.running_var.numpy().reshape(1, 3, 1, 1)
                expected = (xs - rm) / np.sqrt(rv + 1e-5) * scale + shift
                np.testing.assert_allclose(bn(x).detach().numpy(), expected, atol=1e-6)
    # a real mismatch is still F.batch_norm's, in PyTorch's words
    with pytest.raises(RuntimeError, match=r"^running_mean should contain 3 elements not 4$"):
        nn.BatchNorm2d(4)(x)
    with pytest.raises(RuntimeError, match=r"^weight should contain 3 elements not 4$"):
        nn.BatchNorm2d(4, track_running_stats=False)(x)
    assert nn.BatchNorm2d(4, affine=False, track_running_stats=False)(x).shape == (2, 3, 2, 2)   # reads nothing


def test_batchnorm_num_features_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.sin(np.arange(2 * 3 * 2 * 2.0)).reshape(2, 3, 2, 2)
    for affine in (True, False):
        for track in (True, False):
            ours, theirs = _pruned_batchnorm(nn, affine, track), _pruned_batchnorm(torch, affine, track)
            for train in (True, False):
                ours.train(train)
                theirs.train(train)
                mine, reference = ours(nn.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy()
                np.testing.assert_allclose(mine, reference, rtol=1e-12, atol=1e-12)


# ---- MultiheadAttention pruned to a width the heads do not divide ----------------------------------------------------

def _pruned_mha(lib, width, heads=4):
    """torch-pruning's MultiheadAttention pruner keeping `width` of 16 features (no head removed)."""
    m = lib.nn.MultiheadAttention(16, heads, batch_first=True)
    keep = list(range(width))
    qkv = keep + [16 + k for k in keep] + [32 + k for k in keep]
    m.in_proj_weight = lib.nn.Parameter(m.in_proj_weight.data[qkv][:, keep])
    m.in_proj_bias = lib.nn.Parameter(m.in_proj_bias.data[qkv])
    m.out_proj.weight = lib.nn.Parameter(m.out_proj.weight.data[keep][:, keep])
    m.out_proj.bias = lib.nn.Parameter(m.out_proj.bias.data[keep])
    m.embed_dim = m.kdim = m.vdim = width
    m.head_dim = width // heads
    return m


def test_multihead_attention_forward_checks_the_heads_divide_embed_dim():
    m = _pruned_mha(nn, 13)
    x = nn.ones(2, 3, 13)
    assert raised(lambda: m(x, x, x)) == ("AssertionError", "embed_dim 13 not divisible by num_heads 4")
    q = nn.ones(3, 2, 14)
    assert raised(lambda: F.multi_head_attention_forward(
        q, q, q, 14, 4, nn.ones(42, 14), nn.zeros(42), None, None, False, 0.0, nn.ones(14, 14), nn.zeros(14),
        training=False)) == ("AssertionError", "embed_dim 14 not divisible by num_heads 4")
    m = _pruned_mha(nn, 12)                     # a width they divide works
    x = nn.ones(2, 3, 12)
    assert m(x, x, x)[0].shape == (2, 3, 12)


def test_multihead_attention_pruned_against_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        m = _pruned_mha(lib, 13)
        x = lib.ones(2, 3, 13)
        assert raised(lambda: m(x, x, x)) == ("AssertionError", "embed_dim 13 not divisible by num_heads 4"), lib


# ---- p.data[index] past the dim: PyTorch's words ---------------------------------------------------------------------

DATA_INDEX_CASES = [    # (index, words)
    ((slice(None), [1, 6]), "index 6 is out of bounds for dimension 0 with size 6"),   # GroupNormPruner's
    (([0, 6], [0, 1]), "index 6 is out of bounds for dimension 0 with size 6"),
    (([0, 1], [0, 7]), "index 7 is out of bounds for dimension 1 with size 6"),
    ((7,), "index 7 is out of bounds for dimension 0 with size 6"),
    ((slice(None), 7), "index 7 is out of bounds for dimension 1 with size 6"),
    ((0, 1, 2), "too many indices for tensor of dimension 2"),
]


def test_data_index_out_of_bounds_words_are_pytorchs():
    # GroupNormPruner.regularize: w = layer.weight.data[:, idxs]; layer.weight.grad.data[:, idxs] += ...
    w = nn.Parameter(nn.zeros(6, 6))
    w.grad = nn.zeros(6, 6)
    for index, words in DATA_INDEX_CASES:
        assert raised(lambda: w.data[index]) == ("IndexError", words), index
        assert raised(lambda: w.grad.data.__setitem__(index, 1.0)) == ("IndexError", words), index
    assert w.data[:, [1, 5]].shape == (6, 2)       # what works still works
    w.grad.data[:, [1, 5]] += 1.0
    assert float(w.grad.sum()) == 12.0


def test_data_index_out_of_bounds_against_pytorch():
    torch = pytest.importorskip("torch")
    w, ours = torch.nn.Parameter(torch.zeros(6, 6)), nn.Parameter(nn.zeros(6, 6))
    for index, words in DATA_INDEX_CASES:
        assert raised(lambda: w.data[index]) == ("IndexError", words), index
        assert raised(lambda: ours.data[index]) == ("IndexError", words), index
