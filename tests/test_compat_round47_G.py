"""Layer construction with sizes of 0 and below, and the bool arguments of the sorting and reducing ops, against
PyTorch 2.13 directly (round 47, area G; no package was ported). Grids in one process compared nn with PyTorch, on the
same NumPy inputs in float64 (float32 spot checks), by whether a call builds, the error's type and first line, and,
where it runs, the shapes, dtypes and values of outputs and of the gradients of a sum of squares (PyTorch's weights
loaded into nn's layer by ``state_dict``). The convolutions: Conv1d / 2d / 3d, their transposes and the six lazy
forms, kernel_size 0, -1, 3 and (3, 0, 2), stride 0 and -1, padding -1, 1, 2, 5, 'same' and 'valid', dilation 0 and
-1, output_padding -1, 1 and 2, padding modes, channels -1, 0 and 2 / 4, float sizes and settings (4872 calls: 3597
disagreed before, 215 after, listed below). The layers: Bilinear with out_features / in1 / in2 of 0 and -1, PReLU(0)
and PReLU(-1), LSTMCell / GRUCell / RNNCell (tanh, relu) with 0 and -1 hidden or 0 input features, RNN / LSTM / GRU
with 0 hidden or input, Embedding and EmbeddingBag ('mean', 'sum', 'max') of 0 rows or 0 columns and padding_idx 0,
MultiheadAttention with embed_dim 0, kdim / vdim 0, num_heads 0 and -2 and empty batches, Linear of 0 features
(56 constructions, each built, run and back-propagated: 25 disagreed before in float64, none after). The ops: topk,
sort, argsort, kthvalue, max / min (with a dim), msort, cummax and the reductions with keepdim (sum, mean, prod, amax,
argmax, argmin, median, nanmedian, mode, logsumexp, std, all, nansum), unique, given True, False, 1, 0, 1.0, 0.0, 2,
None, 'x', NumPy's True_, int64(1) and float64(1.0) for largest= / sorted= / keepdim= / descending= / stable=, by
keyword and by position, as functions and as methods, on 0-d, 1-d and 2-d inputs, and topk / kthvalue with k 0, 1,
0.0, True, -1, 5 (2160 calls: 1740 disagreed before, 90 after). Values: no computation was changed; where a call
runs on both sides the outputs and gradients agree exactly (largest relative difference 0 in float64 and float32).

Still different (not fixed): a float size is refused by both but not alike: nn's layers raise ValueError in their own
words ("kernel_size must be an integer, got 1.5") where PyTorch's ``torch.empty`` raises TypeError ('empty(): argument
'size' failed to unpack the object at pos 3 with error "type must be tuple of ints,but got float"'), and Conv1d with a
kernel_size of two ints is nn's ValueError where PyTorch makes a 4-d weight; a float stride / padding / dilation given
to a layer is refused in forward by both with TypeError, nn's words naming the keyword where PyTorch's list the
layer's positional arguments; ConvTranspose2d(0, 4, 3, stride=2, output_padding=2) is refused for its output_padding
where PyTorch first names the weight's 0 channels (both RuntimeError); a transposed convolution's empty input of
another dtype than its weight is refused by nn where PyTorch returns the empty output; padding='same' with a dilation
of -1 is refused for the dilation where PyTorch names the negative padding it computes from it. PyTorch's float32
EmbeddingBag of embedding_dim 0 fails in its kernel ("Expected i < index_size to be true, but got false.") where nn,
as PyTorch in float64, returns the empty bags. ``x.sort(dim=0, descending=1, stable=True)`` (the method with three
keywords) is refused "as a whole" by nn where PyTorch names descending (both TypeError; with fewer keywords PyTorch
refuses as a whole too), and sort's ``stable`` is taken by position in nn where PyTorch takes it by keyword only.
``unique(sorted=1)``: PyTorch's Python function passes it to ``_unique2``, whose parser refuses it; nn takes it.

The failures of nn these tests pin down (the package is not imported here):

- A convolution layer (Conv1d / 2d / 3d, the transposes, the lazy forms) of kernel_size 0 was nn's ValueError
  ("kernel_size must be a positive integer, got 0") where PyTorch builds it and its forward fails in its kernel's words
  ("kernel size should be greater than zero, but got kernel_height: 1 kernel_width: 0"; "... but got [1, 0]" with a
  dilation; "... but got: 0 x 0 x 0 (TxHxW)" for Conv3d); Conv3d and the transposed 1-3 d ones built and then failed
  with TypeError, AttributeError or AssertionError of nn's internals. In / out channels or a kernel size below 0 were
  nn's ValueError where PyTorch's torch.empty raises "Trying to create tensor with negative dimension -1: [4, -1, 3]"
  (a lazy layer at its first call, LazyLinear too).
- A dilation of 0 was refused before the shapes (nn: "dilation should be greater than zero, but got [0, 0]" for a
  layer of 0 output channels, where PyTorch first says "Given groups=1, expected weight to be at least 1 at dimension
  0, ..."); a transposed convolution of 0 output channels ran where PyTorch refuses "non-empty 2D or 4D weight tensor
  expected, but got: [2, 0, 3, 3]"; an empty input (a batch of 0, or 0 channels) with a dilation or kernel of 0 failed
  in nn's kernels (ValueError "slice step cannot be zero", AssertionError) where PyTorch returns its empty output, and
  an input of 0 channels gave out_channels channels where PyTorch's output has none: Conv2d(0, 4, 3) of (1, 0, 7, 7)
  is (1, 0, 5, 5).
- Bilinear(3, 4, 0) was nn's ValueError where PyTorch builds it (weight (0, 3, 4)) and runs it; in1_features 0 is
  PyTorch's ValueError "in1_features must be > 0, but got (in1_features=0)", and a negative size torch.empty's words.
- PReLU(num_parameters=0) was nn's ValueError where PyTorch builds it (its forward on 0 channels runs, on 3 says
  "Mismatch of parameter numbers and input channel size. Found parameter numbers = 0 and channel size = 3."); nn's
  prelu also failed on that empty input (NumPy's reshape ValueError).
- LSTMCell(3, 0), GRUCell(3, 0), RNNCell(3, 0) were ZeroDivisionError (the init's 1/sqrt(hidden_size)) where PyTorch
  builds them; a negative hidden_size was NumPy's ValueError, PyTorch's "Trying to create tensor with negative
  dimension -4: [-4, 3]".
- Embedding(3, 0) and EmbeddingBag(3, 0) failed in backward (NumPy's reshape ValueError); Embedding(0, 3) looked up
  was IndexError "index out of range in self", PyTorch's RuntimeError "index_select(): self indexing axis dim should be
  positive"; Embedding(0, 3, padding_idx=0) was nn's AssertionError where PyTorch's init fails "index 0 is out of
  bounds for dimension 0 with size 0"; EmbeddingBag's indices out of range were nn's IndexError of its own words, where
  PyTorch raises RuntimeError "embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be 7" (its
  float32 / float16 / bfloat16 'sum' / 'mean' kernel without padding_idx: "Index 1 of input takes value 7 which is not
  in the valid range [0, 3)").
- ``topk(0)`` of a 0-d tensor raised RuntimeError where PyTorch returns the element (values 0-d, index 0).
- topk's largest / sorted, kthvalue's, max's / min's (with a dim) and the reductions' keepdim, sort's / argsort's
  descending and stable took ints, floats, None and NumPy bools (as truth values, or nn's own TypeError "integer
  argument expected, got float") where PyTorch's parser takes a Python bool only: "topk(): argument 'largest' must be
  bool, not int", "kthvalue(): argument 'keepdim' (position 4) must be bool, not float", "max(): argument 'keepdim'
  (position 2) must be bool, not numpy.bool", or for several signatures "sort() received an invalid combination of
  arguments - got (Tensor, int, int), but expected one of:".
"""
import numpy as np
import pytest

import nn
import nn.functional as F
from tests.porting import raised

# (PyTorch's init warns so too, for a layer with a weight of no elements)
pytestmark = pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")

# ---------------------------------------------------------------------------------------------------------------
# convolution layers: sizes of 0 and below build as PyTorch's and fail where PyTorch's do

def _forward_error(layer, shape):
    x = nn.tensor(np.ones(shape))
    return raised(lambda: layer.double()(x))


def test_conv_layers_of_kernel_size_zero_build_and_fail_in_forward():
    two_d = "kernel size should be greater than zero, but got kernel_height: {} kernel_width: 0"
    cases = [(nn.Conv1d(2, 4, 0), (1, 2, 7), two_d.format(1)),
             (nn.Conv2d(2, 4, 0), (1, 2, 7, 7), two_d.format(0)),
             (nn.Conv2d(2, 4, (2, 0)), (1, 2, 7, 7), two_d.format(2)),
             (nn.Conv1d(2, 4, 0, dilation=2), (1, 2, 7), "kernel size should be greater than zero, but got [1, 0]"),
             (nn.Conv1d(2, 4, 0, dilation=0), (1, 2, 7), "kernel size should be greater than zero, but got [1, 0]"),
             (nn.Conv3d(2, 4, 0), (1, 2, 5, 5, 5), "kernel size should be greater than zero, but got: 0 x 0 x 0 "
                                                   "(TxHxW)"),
             (nn.Conv3d(2, 4, (3, 0, 2)), (1, 2, 5, 5, 5), "kernel size should be greater than zero, but got: "
                                                           "3 x 0 x 2 (TxHxW)"),
             (nn.Conv3d(2, 4, 0, dilation=2), (1, 2, 5, 5, 5), "kernel size should be greater than zero, but got "
                                                               "[0, 0, 0]"),
             (nn.ConvTranspose1d(2, 4, 0), (1, 2, 7), two_d.format(1)),
             (nn.ConvTranspose1d(2, 4, 0, dilation=0), (1, 2, 7), two_d.format(1)),
             (nn.ConvTranspose2d(2, 4, 0), (1, 2, 7, 7), two_d.format(0)),
             (nn.ConvTranspose3d(2, 4, 0), (1, 2, 5, 5, 5),
              "non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x kernel_width) tensor "
              "expected for weight, but got: [2, 4, 0, 0, 0]"),
             (nn.LazyConv2d(4, 0), (1, 2, 7, 7), two_d.format(0)),
             (nn.LazyConvTranspose3d(4, (3, 0, 2)), (1, 2, 5, 5, 5),
              "non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x kernel_width) tensor "
              "expected for weight, but got: [2, 4, 3, 0, 2]")]
    for layer, shape, words in cases:
        assert _forward_error(layer, shape) == ("RuntimeError", words), layer
    assert nn.Conv2d(2, 4, 0).weight.shape == (4, 2, 0, 0)
    assert nn.ConvTranspose1d(2, 4, 0).weight.shape == (2, 4, 0)


def test_conv_layers_of_negative_sizes_fail_making_their_weight():
    words = "Trying to create tensor with negative dimension -1: {}"
    assert raised(lambda: nn.Conv2d(2, 4, -1)) == ("RuntimeError", words.format([4, 2, -1, -1]))
    assert raised(lambda: nn.Conv3d(2, 4, -1)) == ("RuntimeError", words.format([4, 2, -1, -1, -1]))
    assert raised(lambda: nn.Conv1d(-1, 4, 3)) == ("RuntimeError", words.format([4, -1, 3]))
    assert raised(lambda: nn.Conv1d(2, -1, 0)) == ("RuntimeError", words.format([-1, 2, 0]))
    assert raised(lambda: nn.ConvTranspose3d(2, -1, 3)) == ("RuntimeError", words.format([2, -1, 3, 3, 3]))
    # the constructor's checks come first, as PyTorch's
    assert raised(lambda: nn.ConvTranspose1d(-1, 4, 3, padding_mode="reflect")) == (
        "ValueError", 'Only "zeros" padding mode is supported for ConvTranspose1d')
    assert raised(lambda: nn.Conv2d(-1, 4, 3, groups=2)) == ("ValueError", "in_channels must be divisible by groups")
    # a lazy layer makes its weight at its first call
    lazy = nn.LazyConv1d(-1, 3).double()
    assert raised(lambda: lazy(nn.tensor(np.ones((1, 2, 7))))) == ("RuntimeError", words.format([-1, 2, 3]))
    linear = nn.LazyLinear(-1).double()
    assert raised(lambda: linear(nn.tensor(np.ones((2, 3))))) == ("RuntimeError", words.format([-1, 3]))


def test_conv_kernel_checks_come_after_the_shapes():
    # PyTorch's dilation of 0 is its kernels' check, after the channels'
    assert _forward_error(nn.Conv2d(2, 0, 3, dilation=0), (1, 2, 7, 7)) == (
        "RuntimeError", "Given groups=1, expected weight to be at least 1 at dimension 0, but got weight of size "
                        "[0, 2, 3, 3] instead")
    assert _forward_error(nn.Conv2d(2, 4, 3, dilation=0), (1, 2, 7, 7)) == (
        "RuntimeError", "dilation should be greater than zero, but got [0, 0]")
    assert _forward_error(nn.ConvTranspose2d(2, 0, 3), (1, 2, 7, 7)) == (
        "RuntimeError", "non-empty 2D or 4D weight tensor expected, but got: [2, 0, 3, 3]")
    assert _forward_error(nn.ConvTranspose1d(2, 0, 3), (1, 2, 7)) == (
        "RuntimeError", "non-empty 2D or 4D weight tensor expected, but got: [2, 0, 1, 3]")
    assert _forward_error(nn.ConvTranspose3d(2, 0, 3), (1, 2, 5, 5, 5)) == (
        "RuntimeError", "non-empty 5D (n_output_plane x n_input_plane x kernel_depth x kernel_height x kernel_width) "
                        "tensor expected for weight, but got: [2, 0, 3, 3, 3]")
    # an empty input runs through none of those checks: an empty weight is the IndexError of its first element
    x = nn.tensor(np.ones((0, 2, 7)))
    assert raised(lambda: F.conv1d(x, nn.tensor(np.ones((4, 2, 0))))) == (
        "IndexError", "select(): index 0 out of range for tensor of size [0] at dimension 0")


def test_conv_of_an_empty_input_is_empty_as_pytorchs():
    # PyTorch's shapes; an input of no channels has an output of no channels
    cases = [(nn.Conv1d(2, 4, 3, dilation=0), (0, 2, 7), (0, 4, 7)),
             (nn.Conv2d(2, 4, 3, dilation=0), (0, 2, 7, 7), (0, 4, 7, 7)),
             (nn.Conv3d(2, 4, 3, dilation=0), (0, 2, 4, 4, 4), (0, 4, 4, 4, 4)),
             (nn.ConvTranspose2d(2, 4, 3, dilation=0), (0, 2, 7, 7), (0, 4, 7, 7)),
             (nn.ConvTranspose3d(2, 4, 3, dilation=0), (0, 2, 4, 4, 4), (0, 4, 4, 4, 4)),
             (nn.Conv1d(0, 4, 3), (1, 0, 7), (1, 0, 5)),
             (nn.Conv1d(0, 4, 3), (0, 7), (0, 5)),
             (nn.Conv2d(0, 4, 3), (1, 0, 7, 7), (1, 0, 5, 5)),
             (nn.Conv2d(0, 4, 0), (1, 0, 7, 7), (1, 0, 8, 8)),
             (nn.Conv2d(0, 4, 3, dilation=0), (1, 0, 7, 7), (1, 0, 7, 7)),
             (nn.Conv3d(0, 4, (3, 0, 2)), (1, 0, 7, 7, 7), (1, 0, 5, 8, 6))]
    for layer, shape, out in cases:
        layer = layer.double()
        x = nn.tensor(np.ones(shape), requires_grad=True)
        y = layer(x)
        assert tuple(y.shape) == out and y.dtype == nn.float64, layer
        (y * y).sum().backward()
        assert tuple(x.grad.shape) == shape and not x.grad.numpy().any()
        assert tuple(layer.weight.grad.shape) == tuple(layer.weight.shape) and not layer.weight.grad.numpy().any()
        assert not layer.bias.grad.numpy().any()


# ---------------------------------------------------------------------------------------------------------------
# Bilinear, PReLU, the cells, Embedding and EmbeddingBag of 0 sizes

def test_bilinear_of_zero_out_features_builds_and_runs():
    m = nn.Bilinear(3, 4, 0).double()
    assert m.weight.shape == (0, 3, 4) and m.bias.shape == (0,)
    a = nn.tensor(np.ones((2, 3)), requires_grad=True)
    b = nn.tensor(np.ones((2, 4)), requires_grad=True)
    y = m(a, b)
    assert tuple(y.shape) == (2, 0)
    (y * y).sum().backward()
    assert m.weight.grad.shape == (0, 3, 4) and a.grad.numpy().tolist() == [[0.0] * 3] * 2
    assert raised(lambda: nn.Bilinear(0, 4, 2)) == ("ValueError", "in1_features must be > 0, but got (in1_features=0)")
    assert raised(lambda: nn.Bilinear(-1, 4, 2)) == (
        "RuntimeError", "Trying to create tensor with negative dimension -1: [2, -1, 4]")
    assert raised(lambda: nn.Bilinear(3, 4, -1)) == (
        "RuntimeError", "Trying to create tensor with negative dimension -1: [-1, 3, 4]")
    assert nn.Bilinear(3, 0, 2).weight.shape == (2, 3, 0)       # (built; its forward fails, as PyTorch's)


def test_prelu_of_zero_parameters():
    m = nn.PReLU(0).double()
    assert m.weight.shape == (0,)
    x = nn.tensor(np.ones((2, 0)), requires_grad=True)
    y = m(x)
    assert tuple(y.shape) == (2, 0)
    y.sum().backward()
    assert m.weight.grad.shape == (0,)
    assert raised(lambda: m(nn.tensor(np.ones((2, 3))))) == (
        "RuntimeError", "Mismatch of parameter numbers and input channel size. Found parameter numbers = 0 and channel "
                        "size = 3.")
    assert raised(lambda: nn.PReLU(-1)) == ("RuntimeError", "Trying to create tensor with negative dimension -1: [-1]")


def test_cells_of_zero_hidden_units():
    x = nn.tensor(np.ones((2, 3)), requires_grad=True)
    for cls, chunks in ((nn.LSTMCell, 4), (nn.GRUCell, 3), (nn.RNNCell, 1)):
        cell = cls(3, 0).double()
        assert cell.weight_ih.shape == (0, 3) and cell.weight_hh.shape == (0, 0) and cell.bias_ih.shape == (0,)
        out = cell(x)
        states = out if isinstance(out, tuple) else (out,)
        assert [tuple(s.shape) for s in states] == [(2, 0)] * len(states)
        sum((s * s).sum() for s in states).backward()
        assert x.grad.numpy().tolist() == [[0.0] * 3] * 2
        x.grad = None
        rows = -chunks
        assert raised(lambda: cls(3, -1)) == (
            "RuntimeError", f"Trying to create tensor with negative dimension {rows}: [{rows}, 3]")
    assert nn.RNNCell(3, 0, nonlinearity="relu").double()(x).shape == (2, 0)
    assert nn.LSTMCell(3, 0, bias=False).weight_hh.shape == (0, 0)


def test_embeddings_of_zero_rows_or_columns():
    e = nn.Embedding(3, 0).double()
    y = e(nn.tensor([0, 2]))
    assert tuple(y.shape) == (2, 0)
    (y * y).sum().backward()
    assert e.weight.grad.shape == (3, 0)
    for mode in ("mean", "sum", "max"):
        bag = nn.EmbeddingBag(3, 0, mode=mode).double()
        y = bag(nn.tensor([0, 2]), nn.tensor([0, 1]))
        assert tuple(y.shape) == (2, 0)
        (y * y).sum().backward()
        assert bag.weight.grad.shape == (3, 0)
    assert raised(lambda: nn.Embedding(0, 3)(nn.tensor([0, 0]))) == (
        "RuntimeError", "index_select(): self indexing axis dim should be positive")
    assert tuple(nn.Embedding(0, 3)(nn.tensor(np.zeros(0, np.int64))).shape) == (0, 3)
    assert raised(lambda: nn.Embedding(0, 3, padding_idx=0)) == (
        "IndexError", "index 0 is out of bounds for dimension 0 with size 0")
    assert raised(lambda: nn.Embedding(3, 2, padding_idx=3)) == (
        "AssertionError", "Padding_idx must be within num_embeddings")
    assert nn.Embedding(3, 2, padding_idx=-3).padding_idx == 0


def test_embedding_bag_index_out_of_range_words():
    idx, offsets = nn.tensor([0, 7]), nn.tensor([0])
    expected = "embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be 7"
    w64 = nn.tensor(np.ones((3, 2)))
    w32 = nn.tensor(np.ones((3, 2), np.float32))
    assert raised(lambda: F.embedding_bag(idx, w64, offsets)) == ("RuntimeError", expected)
    assert raised(lambda: F.embedding_bag(idx, w32, offsets, mode="max")) == ("RuntimeError", expected)
    assert raised(lambda: F.embedding_bag(idx, w32, offsets, padding_idx=0)) == ("RuntimeError", expected)
    assert raised(lambda: F.embedding_bag(idx, w32, offsets)) == (
        "RuntimeError", "Index 1 of input takes value 7 which is not in the valid range [0, 3)")
    assert raised(lambda: F.embedding_bag(nn.tensor([[-1, 0]]), w32, mode="sum")) == (
        "RuntimeError", "Index 0 of input takes value -1 which is not in the valid range [0, 3)")
    assert raised(lambda: nn.EmbeddingBag(0, 3).double()(nn.tensor([0, 0]), nn.tensor([0, 1]))) == (
        "RuntimeError", "embedding_bag: Expected idx >= 0 && idx < num_embeddings but found idx to be 0")


# ---------------------------------------------------------------------------------------------------------------
# topk of a 0-d tensor; the bool arguments as PyTorch's parser reads them

def test_topk_zero_of_a_zero_d_tensor_is_the_element():
    x = nn.tensor(2.5, requires_grad=True)
    for k in (0, 1):
        values, indices = x.topk(k)
        assert values.shape == () and values.item() == 2.5 and indices.shape == () and indices.item() == 0
    values, indices = nn.topk(x, 0, sorted=False)
    values.backward()
    assert x.grad.item() == 1.0
    assert raised(lambda: x.topk(2)) == ("RuntimeError", "selected index k out of range")


def test_bool_arguments_take_a_python_bool_only():
    x = nn.tensor([3.0, 1.0, 2.0, 5.0])
    cases = [
        (lambda: x.topk(1, largest=1), "topk(): argument 'largest' must be bool, not int"),
        (lambda: nn.topk(x, 1, sorted=1.0), "topk(): argument 'sorted' must be bool, not float"),
        (lambda: x.topk(1, 0, 0), "topk(): argument 'largest' (position 3) must be bool, not int"),
        (lambda: nn.topk(x, 1, 0, None), "topk(): argument 'largest' (position 4) must be bool, not NoneType"),
        (lambda: nn.topk(x, 1, -1, True, np.True_), "topk(): argument 'sorted' (position 5) must be bool, not "
                                                    "numpy.bool"),
        (lambda: x.kthvalue(1, 0, 1), "kthvalue(): argument 'keepdim' (position 3) must be bool, not int"),
        (lambda: nn.kthvalue(x, 1, 0, 1.0), "kthvalue(): argument 'keepdim' (position 4) must be bool, not float"),
        (lambda: x.kthvalue(1, keepdim=np.int64(1)), "kthvalue(): argument 'keepdim' must be bool, not numpy.int64"),
        (lambda: x.max(0, 1), "max(): argument 'keepdim' (position 2) must be bool, not int"),
        (lambda: x.min(0, keepdim=None), "min(): argument 'keepdim' must be bool, not NoneType"),
        (lambda: nn.max(x, 0, 1), "max() received an invalid combination of arguments - got (Tensor, int, int), but "
                                  "expected one of:"),
        (lambda: nn.min(x, 0, keepdim=1.0), "min() received an invalid combination of arguments - got (Tensor, int, "
                                            "keepdim=float), but expected one of:"),
        (lambda: x.sort(0, 1), "sort() received an invalid combination of arguments - got (int, int), but expected "
                               "one of:"),
        (lambda: x.sort(descending=1), "sort() received an invalid combination of arguments - got (descending=int, ), "
                                       "but expected one of:"),
        (lambda: nn.sort(x, stable=0), "sort() received an invalid combination of arguments - got (Tensor, "
                                       "stable=int), but expected one of:"),
        (lambda: nn.argsort(x, descending=1.0), "argsort() received an invalid combination of arguments - got "
                                                "(Tensor, descending=float), but expected one of:"),
        (lambda: x.argsort(stable=None), "argsort() received an invalid combination of arguments - got "
                                         "(stable=NoneType, ), but expected one of:"),
        (lambda: x.sum(0, keepdim=1), "sum(): argument 'keepdim' must be bool, not int"),
        (lambda: nn.sum(x, 0, 1.0), "sum(): argument 'keepdim' (position 3) must be bool, not float"),
        (lambda: x.mean(0, 1), "mean(): argument 'keepdim' (position 2) must be bool, not int"),
        (lambda: nn.mean(x, 0, 1), "mean() received an invalid combination of arguments - got (Tensor, int, int), "
                                   "but expected one of:"),
        (lambda: x.argmax(0, keepdim=0), "argmax(): argument 'keepdim' must be bool, not int"),
        (lambda: x.median(0, keepdim=0), "median(): argument 'keepdim' must be bool, not int"),
        (lambda: x.amax(0, keepdim=0), "amax(): argument 'keepdim' must be bool, not int"),
        (lambda: x.logsumexp(0, keepdim=0), "logsumexp(): argument 'keepdim' must be bool, not int"),
        (lambda: x.std(0, keepdim=1), "std() received an invalid combination of arguments - got (int, keepdim=int), "
                                      "but expected one of:"),
        (lambda: nn.all(x, 0, keepdim=1), "all() received an invalid combination of arguments - got (Tensor, int, "
                                          "keepdim=int), but expected one of:"),
    ]
    for call, words in cases:
        assert raised(call) == ("TypeError", words), words
    # a Python bool (and sort's stable=None) run
    assert x.topk(2, largest=False).indices.tolist() == [1, 2]
    assert x.sort(stable=None).indices.tolist() == [1, 2, 0, 3]
    assert x.max(0, True).values.tolist() == [5.0]
    assert nn.max(x, nn.tensor([4.0, 4.0, 4.0, 4.0])).tolist() == [4.0, 4.0, 4.0, 5.0]


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def _outcome(fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - the point is which one
        name = type(e).__name__
        return "RuntimeError" if name == "ShapeError" else name, str(e).split("\n")[0]
    rs = r if isinstance(r, tuple) else (r,)
    return "ok", [(tuple(v.shape), np.asarray(v.detach().numpy()).round(12).tolist()) for v in rs]


def test_conv_layers_against_pytorch():
    torch = pytest.importorskip("torch")
    layers = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]
    settings = [dict(kernel_size=0), dict(kernel_size=-1), dict(kernel_size=0, dilation=0), dict(kernel_size=2,
                dilation=0), dict(kernel_size=0, padding=-1)]
    for name in layers:
        n = int(name[-2])
        for kw in settings:
            for cin, cout, batch in ((2, 3, 1), (2, 0, 1), (0, 3, 1), (2, 3, 0)):
                got = []
                for lib in (torch.nn, nn):
                    def run():
                        torch.manual_seed(0)
                        m = getattr(lib, name)(cin, cout, **kw).double()
                        if lib is nn:
                            m.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
                        x = np.random.RandomState(0).randn(batch, max(cin, 0), *[4] * n)
                        y = m(torch.tensor(x) if lib is torch.nn else nn.tensor(x))
                        return y
                    if lib is torch.nn:
                        torch.manual_seed(0)
                        try:
                            theirs = getattr(torch.nn, name)(cin, cout, **kw).double()
                        except Exception:  # noqa: BLE001 - compared below
                            theirs = None
                    got.append(_outcome(run))
                assert got[0] == got[1], (name, cin, cout, batch, kw)


def test_layers_of_zero_sizes_against_pytorch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(0)
    cases = [("Bilinear", (3, 4, 0), [(2, 3), (2, 4)]), ("Bilinear", (3, 0, 2), [(2, 3), (2, 0)]),
             ("PReLU", (0,), [(2, 0)]), ("PReLU", (0,), [(2, 3)]), ("LSTMCell", (3, 0), [(2, 3)]),
             ("GRUCell", (3, 0), [(2, 3)]), ("RNNCell", (0, 3), [(2, 0)]), ("Linear", (3, 0), [(2, 3)]),
             ("MultiheadAttention", (4, 2, 0.0, True, False, False, 0, 3), [(2, 1, 4), (3, 1, 0), (3, 1, 3)])]
    for name, args, shapes in cases:
        xs = [rs.randn(*s) for s in shapes]
        torch.manual_seed(0)
        theirs = getattr(torch.nn, name)(*args).double()
        ours = getattr(nn, name)(*args).double()
        ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        got = []
        for m, lib in ((theirs, torch), (ours, nn)):
            def run():
                ins = [lib.tensor(x, requires_grad=True) for x in xs]
                out = m(*ins)
                out = out[0] if name in ("LSTMCell", "MultiheadAttention") else out
                (out * out).sum().backward()
                return (out,) + tuple(p.grad for p in m.parameters()) + tuple(i.grad for i in ins)
            got.append(_outcome(run))
        assert got[0] == got[1], (name, args)


def test_bool_arguments_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, 4.0]])
    calls = [("topk", (1,), "largest"), ("topk", (1,), "sorted"), ("kthvalue", (1, 0), "keepdim"),
             ("max", (0,), "keepdim"), ("min", (1,), "keepdim"), ("sort", (0,), "descending"),
             ("argsort", (), "descending"), ("sort", (), "stable"), ("sum", (0,), "keepdim"),
             ("mean", (1,), "keepdim"), ("median", (0,), "keepdim"), ("var", (0,), "keepdim")]
    for value in (True, False, 1, 0.0, None, np.True_):
        for op, args, key in calls:
            for positional in (False, True):
                if positional and (key == "stable" or op == "var" and value is None):
                    continue        # (stable is keyword-only in PyTorch; nn's var takes unbiased=None)
                got = []
                for lib in (torch, nn):
                    t = lib.tensor(x)
                    a, kw = (args + (value,), {}) if positional else (args, {key: value})
                    if positional and op in ("topk", "argsort"):
                        a, kw = ((1, -1, value) if op == "topk" and key == "largest" else
                                 (1, -1, True, value) if op == "topk" else (-1, value)), {}
                    got.append((_outcome(lambda: getattr(t, op)(*a, **kw)),
                                _outcome(lambda: getattr(lib, op)(t, *a, **kw))))
                assert got[0] == got[1], (op, key, value, positional)
    assert _outcome(lambda: torch.tensor(2.5).topk(0)) == _outcome(lambda: nn.tensor(2.5).topk(0))
