"""How the layer constructors read their size and option arguments, against PyTorch 2.13 directly (round 49, area B;
no package). A grid script built every layer class that torch.nn and nn both have and whose constructor takes sizes
(Linear, LazyLinear, Bilinear, Conv1d/2d/3d, ConvTranspose1d/2d/3d and their Lazy forms, Embedding, EmbeddingBag,
RNN, LSTM, GRU and their cells, BatchNorm1d/2d/3d and InstanceNorm1d/2d/3d with and without affine and running
statistics, their Lazy forms, SyncBatchNorm, GroupNorm, LayerNorm, RMSNorm, LocalResponseNorm, CrossMapLRN2d, the
max, average, LP, adaptive, fractional pools and max unpools, Upsample and its 2-d forms, PixelShuffle /
PixelUnshuffle, ChannelShuffle, Fold / Unfold, MultiheadAttention, Transformer and its encoder / decoder and their
layers, Flatten / Unflatten, the 15 padding layers, AdaptiveLogSoftmaxWithLoss, PReLU, Softmax / LogSoftmax /
Softmin / GLU and CosineSimilarity) on both libraries in one process, each with every size (and, for the
tuple-taking ones, each tuple) replaced in turn by 2.0, 2.5, True, False, None, '2', (2,), (2, 2), -1, 0, NumPy's
int64 and int32, NumPy's float64, a 0-d int64 tensor and [2]; tuples by one of the wrong length, (2.0, 2.0),
(2, 2.0), NumPy integers, a list, (True, True), (2, True), (None, None), (-1, -1) and (0, 0): 3,104 constructions.
Compared: whether it builds, the error's type and first line, every public attribute the layer stores (value and
Python type: PyTorch stores its arguments as given), the shapes of its parameters and buffers and its repr; where
both build, forward on the same input with PyTorch's state_dict loaded into nn, in float64 and in float32 (the
outputs agree to 1.9e-15 relative in float64 and 4.2e-7 in float32 wherever both compute, but for CrossMapLRN2d(-1),
a negative size, 4e-4). Before the fixes 1,272 constructions differed: 855 in what the constructor did (nn raised
ValueError "in_channels must be an integer, got 2.0" where PyTorch raises torch.empty's TypeError or Python's, or
builds; nn stored int(size) where PyTorch keeps True or np.int64(2)), 417 only in forward. Now none differs in
construction and 431 differ in forward, almost all of them (349) in the functional pools', fold's, interpolate's and
convolutions' own argument checks of a layer built with a tuple PyTorch also refuses, in other words or types
(listed below).

Still different (not fixed): the functional max / average / LP / adaptive pools, fold / unfold and interpolate
check a kernel_size, stride, padding, dilation or output_size that is a float, a tuple of the wrong length or a
negative value in nn's words (a ValueError "max_pool2d: kernel_size must be an int or a pair of ints") where
PyTorch's parser raises TypeError or its kernel RuntimeError (349 forward calls; the layers now build what PyTorch
builds and fail only in forward, like PyTorch's); they compute a tuple starting with True and a dilation of 0,
which PyTorch refuses, and refuse an output_size of 0 or (2, True), and interpolate a size (2, True), which PyTorch
computes; a transposed convolution called positionally with a float stride gives
the keyword form's words ("argument 'stride' must be tuple of ints, not tuple") where PyTorch's name the position
and element ("(position 4) must be tuple of ints, but found element of type float at pos 0"), and the
non-transposed ones list the given arguments by nn's keywords in "received an invalid combination of arguments - got
(Tensor, Tensor, stride=tuple)"; groups given as a 0-d tensor is refused by F.conv2d where PyTorch converts it;
InstanceNorm of 0 channels fails in forward (a ZeroDivisionError) where PyTorch returns the empty input; RNN / LSTM
/ GRU built with num_layers=True, Embedding with padding_idx=True and TransformerEncoder with num_layers 0 or -1
compute in forward where PyTorch's kernels or its Python refuse them; a Conv1d built with a
kernel of two sizes fails in forward in nn's words. BatchNorm's and LayerNorm's eps (and BatchNorm's momentum) are
still checked by nn when built (PyTorch stores any value).

The failures of nn these tests pin down (the package is not imported here):

- Linear, Bilinear, Embedding, EmbeddingBag, the batch and instance norms, the RNN cells, RNN / LSTM / GRU, the
  convolutions, GroupNorm, LayerNorm, RMSNorm, PReLU, MultiheadAttention, TransformerEncoder / Decoder, Flatten,
  Unflatten, ChannelShuffle and the padding layers stored their sizes as ints (``Linear(True, 3).in_features`` was
  1, ``Linear(np.int64(2), 3).in_features`` an int); PyTorch stores them as given, and its repr shows them so
  ("Linear(in_features=True, out_features=3, bias=True)", "EmbeddingBag(np.int64(4), 3, mode='mean')",
  "LayerNorm((np.int64(3),), ...)", "ZeroPad2d((np.int64(1), np.int64(1), np.int64(1), np.int64(1)))").
- A size that is a sequence, where torch.empty takes it as the whole shape, was refused: ``BatchNorm1d((2,))`` and
  ``PReLU((2,))`` build (2,) tensors on PyTorch; ``PReLU(2.0)`` built where PyTorch raises "empty(): argument 'size'
  (position 1) must be tuple of ints, not float".
- The norms that make no tensor of their size refused a size nn could not read: ``BatchNorm1d(2.5, affine=False,
  track_running_stats=False)`` and ``InstanceNorm1d(None)`` build on PyTorch.
- The convolutions, GroupNorm, LayerNorm, RMSNorm, MultiheadAttention and the Transformer's layers refused a size
  that is no int with nn's ValueError ("in_channels must be an integer, got 2.0", "num_groups must be an integer");
  PyTorch reads sizes where it uses them: the groups' modulo ("unsupported operand type(s) for %: 'tuple' and
  'int'", ZeroDivisionError for GroupNorm(0, 4)), torch.empty's parser where the weight is made ("empty(): argument
  'size' failed to unpack the object at pos 2 with error "type must be tuple of ints,but got float"") and
  ``range()`` for the layer counts ("'float' object cannot be interpreted as an integer"); a kernel of the wrong
  length builds (``Conv1d(2, 2, (2, 2))`` has a (2, 2, 2, 2) weight), and ``GroupNorm(2.0, 4)``, ``LayerNorm((2,
  True))`` and ``Flatten(2.5)`` build.
- RNN / LSTM / GRU refused a bool size ("an integer is required") and took a float num_layers or proj_size.
- MaxPool2d / AvgPool2d checked their arguments when built (``MaxPool2d(2, padding=2)`` raised); PyTorch builds
  them and refuses in forward. FractionalMaxPool3d lacked PyTorch's check "kernel_size must be greater than 0".
- Upsample made a list size a tuple and took a list scale_factor and a scale_factor of 0 (PyTorch: "float()
  argument must be a string or a real number, not 'list'"; None).
- Unflatten took NumPy integers and floats in unflattened_size (PyTorch: "unflattened_size must be tuple of ints,
  but found element of type float at pos 1") and refused a dim that is no int; ChannelShuffle refused a groups of 0
  or 2.0 when built, and F.channel_shuffle's refusals were nn's ValueError where PyTorch's are its parser's
  TypeError and RuntimeErrors ("Number of groups to divide channels in must be positive. Value of groups:0").
- F.conv2d / conv_transpose2d (and the 1-d and 3-d ones), F.layer_norm and F.rms_norm refused a bool after the first
  element of a size tuple, which PyTorch's parser takes as an index (``stride=(1, True)`` is (1, 1)), and gave an
  element after the first that is no int in other words than PyTorch's "failed to unpack the object at pos 2".
- GLU / F.glu given a dim that is no int named it "(position 1)" where PyTorch's says "(position 2)", and the
  softmaxes named a NumPy float64 dim "float64" (PyTorch: "numpy.float64").
- MultiheadAttention's kdim=-1 was NumPy's "negative dimensions are not allowed" (PyTorch: "Trying to create tensor
  with negative dimension -1: [4, -1]").
"""
import numpy as np
import pytest

import nn
import nn.functional as F

EMPTY_FIRST = "empty(): argument 'size' (position 1) must be tuple of ints, but found element of type {} at pos 0"
EMPTY_LATER = "empty(): argument 'size' failed to unpack the object at pos 2 with error \"type must be tuple of " \
              "ints,but got {}\""
EMPTY_ONE = "empty(): argument 'size' (position 1) must be tuple of ints, not {}"
NOT_INT = "'{}' object cannot be interpreted as an integer"


def raised(f):
    try:
        f()
    except Exception as e:      # noqa: BLE001 (the type and first line are what is compared)
        return type(e), str(e).split("\n")[0]
    return None


def test_sizes_are_stored_as_given():
    i64 = np.int64(2)
    linear = nn.Linear(True, 3)
    assert linear.in_features is True and linear.weight.shape == (3, 1)
    assert repr(linear) == "Linear(in_features=True, out_features=3, bias=True)"
    assert type(nn.Linear(i64, 3).in_features) is np.int64 and type(nn.Linear(3, i64).out_features) is np.int64
    assert nn.Bilinear(2, True, 4).in2_features is True
    assert repr(nn.Embedding(4, True)) == "Embedding(4, True)"
    assert repr(nn.EmbeddingBag(np.int64(4), 3)) == "EmbeddingBag(np.int64(4), 3, mode='mean')"
    assert repr(nn.EmbeddingBag(4, 3, padding_idx=np.int64(2))) == \
        "EmbeddingBag(4, 3, mode='mean', padding_idx=np.int64(2))"
    assert repr(nn.RNNCell(True, 3)) == "RNNCell(True, 3)" and nn.LSTMCell(2, True).hidden_size is True
    assert type(nn.GRU(2, 3, num_layers=i64).num_layers) is np.int64
    assert type(nn.BatchNorm1d(i64).num_features) is np.int64
    assert type(nn.InstanceNorm2d(i64, affine=True).num_features) is np.int64
    assert type(nn.Conv2d(i64, 3, 3).in_channels) is np.int64 and type(nn.ConvTranspose3d(2, i64, 2).out_channels) \
        is np.int64
    assert type(nn.GroupNorm(i64, 4).num_groups) is np.int64
    assert repr(nn.LayerNorm(np.int64(3))) == "LayerNorm((np.int64(3),), eps=1e-05, elementwise_affine=True, bias=True)"
    assert type(nn.RMSNorm(i64).normalized_shape[0]) is np.int64
    assert type(nn.PReLU(i64).num_parameters) is np.int64
    assert type(nn.MultiheadAttention(4, i64).num_heads) is np.int64
    assert type(nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, 6), i64).num_layers) is np.int64
    assert type(nn.Flatten(i64).start_dim) is np.int64 and type(nn.ChannelShuffle(i64).groups) is np.int64
    assert repr(nn.ZeroPad2d(np.int64(1))) == "ZeroPad2d((np.int64(1), np.int64(1), np.int64(1), np.int64(1)))"
    # and forward runs on them (PyTorch's too)
    x = nn.tensor(np.arange(6.0).reshape(2, 3), dtype=nn.float32)
    assert nn.Linear(np.int64(3), 2)(x).shape == (2, 2) and nn.RNNCell(3, True)(x).shape == (2, 1)
    assert nn.LayerNorm(np.int64(3))(x).shape == (2, 3)


def test_one_size_may_be_the_whole_shape():
    # torch.empty((2,)) is a (2,) tensor: the norms' num_features and PReLU's num_parameters are handed to it
    bn = nn.BatchNorm1d((2,))
    assert bn.num_features == (2,) and bn.weight.shape == (2,) and bn.running_mean.shape == (2,)
    assert nn.BatchNorm1d((2, 2), affine=False).running_var.shape == (2, 2)
    assert nn.PReLU([2]).weight.shape == (2,)
    assert raised(lambda: nn.PReLU(2.0)) == (TypeError, EMPTY_ONE.format("float"))
    assert raised(lambda: nn.PReLU(True)) == (TypeError, EMPTY_ONE.format("bool"))


def test_norms_read_their_sizes_where_pytorchs_do():
    assert nn.BatchNorm1d(2.5, affine=False, track_running_stats=False).num_features == 2.5     # nothing made of it
    assert nn.InstanceNorm1d(None).num_features is None
    assert nn.GroupNorm(2.0, 4).weight.shape == (4,) and nn.GroupNorm(True, 4, affine=False).num_groups is True
    assert raised(lambda: nn.GroupNorm(2, 2.0)) == (TypeError, EMPTY_ONE.format("float"))
    assert raised(lambda: nn.GroupNorm(None, 4)) == (TypeError, "unsupported operand type(s) for %: 'int' and "
                                                                "'NoneType'")
    assert raised(lambda: nn.GroupNorm(0, 4)) == (ZeroDivisionError, "integer modulo by zero")
    assert raised(lambda: nn.GroupNorm(2, 2.5)) == (ValueError, "num_channels (2.5) must be divisible by num_groups "
                                                                "(2)")
    for layer in (nn.LayerNorm, nn.RMSNorm):
        assert raised(lambda: layer(True)) == (TypeError, EMPTY_FIRST.format("bool"))
        assert raised(lambda: layer((2, 2.0))) == (TypeError, EMPTY_LATER.format("float"))
        norm = layer((2, True))             # a bool after the first size is an index to torch.empty's parser
        assert norm.normalized_shape == (2, True) and norm.weight.shape == (2, 1)
        assert norm(nn.ones(3, 2, 1)).shape == (3, 2, 1)
        assert layer("2", elementwise_affine=False).normalized_shape == ("2",)
        assert raised(lambda: layer(2.0, elementwise_affine=False)) == (TypeError, "'float' object is not iterable")


def test_convolutions_read_their_sizes_where_pytorchs_do():
    assert raised(lambda: nn.Conv2d(2.0, 3, 3)) == (TypeError, EMPTY_LATER.format("float"))     # (3, 2.0, 3, 3)
    assert raised(lambda: nn.Conv2d(2, 3.0, 3)) == (TypeError, EMPTY_FIRST.format("float"))
    assert raised(lambda: nn.Conv1d(2, 2, 2.0)) == (TypeError, EMPTY_LATER.replace("pos 2", "pos 3").format("float"))
    assert raised(lambda: nn.Conv2d(2, (2,), 3)) == (TypeError, "unsupported operand type(s) for %: 'tuple' and "
                                                                "'int'")
    assert raised(lambda: nn.Conv3d(2.5, 2, 3)) == (ValueError, "in_channels must be divisible by groups")
    assert raised(lambda: nn.ConvTranspose2d(2, True, 3)) == (TypeError, EMPTY_ONE.format("bool"))    # the bias's
    conv = nn.Conv1d(2, 2, (2, 2))          # a kernel of another length builds, as PyTorch's _single keeps it
    assert conv.kernel_size == (2, 2) and conv.weight.shape == (2, 2, 2, 2)
    assert repr(conv) == "Conv1d(2, 2, kernel_size=(2, 2), stride=(1,))"
    assert nn.Conv2d(2, 2, (2,)).weight.shape == (2, 2, 2)


def test_recurrent_layers_read_their_sizes_where_pytorchs_do():
    rnn = nn.RNN(True, 3)
    assert rnn.input_size is True and rnn.weight_ih_l0.shape == (3, 1)
    assert rnn(nn.ones(4, 2, 1, dtype=nn.float32))[0].shape == (4, 2, 3)
    lstm = nn.LSTM(2, True)                 # gates 4 * True = 4 rows, each of 1
    assert lstm.weight_hh_l0.shape == (4, 1) and lstm(nn.ones(4, 2, 2))[0].shape == (4, 2, 1)
    assert raised(lambda: nn.RNN(2, True)) == (TypeError, EMPTY_FIRST.format("bool"))      # its gates: True rows
    assert raised(lambda: nn.GRU(2, 3, num_layers=2.0)) == (TypeError, NOT_INT.format("float"))
    assert raised(lambda: nn.LSTM(2, 3, proj_size=2.0)) == (TypeError, EMPTY_LATER.format("float"))
    assert raised(lambda: nn.LSTM(2, 3, proj_size=True)) == (TypeError, EMPTY_FIRST.format("bool"))


def test_attention_and_transformer_sizes():
    assert raised(lambda: nn.MultiheadAttention(4.0, 2)) == (TypeError, EMPTY_FIRST.format("float"))
    assert raised(lambda: nn.MultiheadAttention(4, 2, kdim=2.0)) == (TypeError, EMPTY_LATER.format("float"))
    assert raised(lambda: nn.MultiheadAttention(4, 2, vdim=-1)) == (RuntimeError, "Trying to create tensor with "
                                                                                  "negative dimension -1: [4, -1]")
    assert nn.MultiheadAttention(4, 2, kdim=True).k_proj_weight.shape == (4, 1)
    assert raised(lambda: nn.TransformerEncoderLayer(2.0, 2)) == (TypeError, EMPTY_FIRST.format("float"))
    layer = nn.TransformerDecoderLayer(4, 2, 6)
    assert raised(lambda: nn.TransformerDecoder(layer, 2.0)) == (TypeError, NOT_INT.format("float"))
    assert raised(lambda: nn.Transformer(4, 2, 1, "2", 6)) == (TypeError, NOT_INT.format("str"))


def test_shape_layers_pools_padding_and_upsampling_build_as_pytorchs():
    assert nn.Flatten(2.5).start_dim == 2.5 and nn.Unflatten(1.5, (2, 2)).dim == 1.5
    assert raised(lambda: nn.Unflatten(1, (2, 2.0))) == (TypeError, "unflattened_size must be tuple of ints, but "
                                                                    "found element of type float at pos 1")
    assert raised(lambda: nn.Unflatten(1, (np.int64(2), 2))) == (TypeError, "unflattened_size must be tuple of ints, "
                                                                            "but found element of type int64 at pos 0")
    assert raised(lambda: nn.Unflatten(1, 4)) == (TypeError, "unflattened_size must be a tuple of ints, but found "
                                                             "type int")
    assert repr(nn.Unflatten(1, [2, 2])) == "Unflatten(dim=1, unflattened_size=[2, 2])"
    assert nn.ChannelShuffle(0).groups == 0 and nn.ChannelShuffle(2.0).groups == 2.0
    x = nn.zeros(1, 4, 2, 2)
    assert raised(lambda: nn.ChannelShuffle(2.0)(x)) == (TypeError, "channel_shuffle(): argument 'groups' (position "
                                                                    "2) must be int, not float")
    assert raised(lambda: F.channel_shuffle(x, 0)) == (RuntimeError, "Number of groups to divide channels in must be "
                                                                     "positive. Value of groups:0")
    assert raised(lambda: F.channel_shuffle(x, 3))[1] == "Number of channels must be divisible by groups. Got 4 " \
                                                         "channels and 3 groups."
    assert raised(lambda: F.channel_shuffle(nn.zeros(4, 2), 2))[1] == "channel_shuffle expects input with > 2 dims, " \
                                                                      "but got input with sizes [4, 2]"
    assert raised(lambda: nn.GLU(2.0)(x)) == (TypeError, "glu(): argument 'dim' (position 2) must be int, not float")
    assert raised(lambda: nn.Softmax(np.float64(1.0))(x)) == (TypeError, "softmax(): argument 'dim' (position 1) must "
                                                                         "be int, not numpy.float64")
    assert nn.MaxPool2d(2, padding=2).padding == 2 and nn.AvgPool2d((2, 2.0)).kernel_size == (2, 2.0)
    assert nn.MaxPool2d(-1).kernel_size == -1
    assert raised(lambda: nn.FractionalMaxPool3d(0, output_size=3)) == (ValueError, "kernel_size must be greater "
                                                                                    "than 0, but got 0")
    assert nn.ZeroPad1d((np.int64(1), 2)).padding == (1, 2) and type(nn.ZeroPad1d((np.int64(1), 2)).padding[0]) \
        is np.int64
    assert nn.Upsample(size=[2, 2]).size == [2, 2]
    assert nn.Upsample(scale_factor=0).scale_factor is None
    assert raised(lambda: nn.Upsample(scale_factor=[2])) == (TypeError, "float() argument must be a string or a real "
                                                                        "number, not 'list'")


def test_functional_size_tuples_take_a_bool_after_the_first():
    x = nn.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    w = nn.ones(1, 1, 2, 2, dtype=nn.float64)
    np.testing.assert_array_equal(F.conv2d(x, w, stride=(1, True)).numpy(), F.conv2d(x, w, stride=1).numpy())
    np.testing.assert_array_equal(F.conv_transpose2d(x, w, padding=(0, False)).numpy(),
                                  F.conv_transpose2d(x, w).numpy())
    assert raised(lambda: F.conv2d(x, w, stride=(1, 2.0))) == (TypeError, "conv2d(): argument 'stride' failed to "
                                                                          "unpack the object at pos 2 with error \"type"
                                                                          " must be tuple of ints,but got float\"")
    np.testing.assert_array_equal(F.layer_norm(nn.ones(3, 2, 1), (2, True)).numpy(), np.zeros((3, 2, 1)))
    assert F.rms_norm(nn.ones(3, 2, 1), [2, True]).shape == (3, 2, 1)


_CALLS = [  # (class name, args, kwargs) of the fixes, built on both libraries
    ("Linear", (True, 3), {}), ("Linear", (np.int64(2), 3), {}), ("Bilinear", (2, 3, True), {}),
    ("Embedding", (4, True), {}), ("EmbeddingBag", (np.int64(4), 3), {}), ("RNNCell", (True, 3), {}),
    ("RNN", (True, 3), {}), ("LSTM", (2, True), {}), ("RNN", (2, True), {}), ("GRU", (2, 3), {"num_layers": 2.0}),
    ("LSTM", (2, 3), {"proj_size": 2.0}), ("BatchNorm1d", ((2,),), {}), ("BatchNorm2d", ((2, 2),), {"affine": False}),
    ("BatchNorm1d", (2.5,), {"affine": False, "track_running_stats": False}), ("InstanceNorm1d", (None,), {}),
    ("PReLU", (2.0,), {}), ("PReLU", ((2,),), {}), ("Conv2d", (2.0, 3, 3), {}), ("Conv2d", (2, 3.0, 3), {}),
    ("Conv2d", (2, (2,), 3), {}), ("Conv1d", (2, 2, (2, 2)), {}), ("Conv3d", (2.5, 2, 3), {}),
    ("ConvTranspose2d", (2, True, 3), {}), ("GroupNorm", (2.0, 4), {}), ("GroupNorm", (2, 2.0), {}),
    ("GroupNorm", (None, 4), {}), ("GroupNorm", (0, 4), {}), ("LayerNorm", (True,), {}),
    ("LayerNorm", ((2, True),), {}),
    ("RMSNorm", ((2, 2.0),), {}), ("RMSNorm", ("2",), {"elementwise_affine": False}),
    ("MultiheadAttention", (4.0, 2), {}), ("MultiheadAttention", (4, 2), {"kdim": 2.0}),
    ("MultiheadAttention", (4, 2), {"vdim": -1}), ("MultiheadAttention", (4, np.int64(2)), {}),
    ("TransformerEncoderLayer", (2.0, 2), {}), ("Transformer", (4, 2, 2.0, 1, 6), {}), ("Flatten", (2.5,), {}),
    ("Unflatten", (1, (2, 2.0)), {}), ("Unflatten", (1, [2, 2]), {}), ("ChannelShuffle", (0,), {}),
    ("MaxPool2d", (2,), {"padding": 2}), ("AvgPool2d", ((2, 2.0),), {}),
    ("FractionalMaxPool3d", (0,), {"output_size": 3}),
    ("ZeroPad2d", (np.int64(1),), {}), ("Upsample", (), {"size": [2, 2]}), ("Upsample", (), {"scale_factor": [2]}),
]


def _outcome(L, name, args, kwargs, names=None):
    """The layer's repr, the attributes PyTorch's stores (names: those of PyTorch's layer) by type and repr, and its
    tensors' shapes; or the error's type and first line."""
    try:
        m = getattr(L.nn, name)(*args, **kwargs)
    except Exception as e:      # noqa: BLE001
        return type(e).__name__, str(e).split("\n")[0]
    names = names or [k for k, v in vars(m).items() if not k.startswith("_") and k not in ("training",
                      "call_super_init", "dump_patches") and isinstance(v, (bool, int, float, str, tuple, list,
                                                                           np.generic, type(None)))]
    attrs = {k: (type(getattr(m, k)).__name__, repr(getattr(m, k))) for k in names}
    return repr(m), attrs, {k: tuple(t.shape) for k, t in list(m.named_parameters()) + list(m.named_buffers())}


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    for name, args, kwargs in _CALLS:
        theirs = _outcome(torch, name, args, kwargs)
        assert _outcome(nn, name, args, kwargs, theirs[1] if len(theirs) == 3 else None) == theirs, name
    x = np.random.default_rng(0).standard_normal((1, 4, 5, 5))
    for stride in ((1, True), (2, 1)):
        t = torch.nn.functional.conv2d(torch.tensor(x), torch.ones(3, 4, 2, 2, dtype=torch.float64), stride=stride)
        m = F.conv2d(nn.tensor(x), nn.ones(3, 4, 2, 2, dtype=nn.float64), stride=stride)
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-13)
