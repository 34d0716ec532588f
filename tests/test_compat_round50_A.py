"""How the functional pools, fold / unfold, interpolate and the other size-taking functions read and check their
sizes, against PyTorch 2.13 directly (round 50, area A; no package). A grid script called, side by side with PyTorch
in one process on the same NumPy inputs (float64), F.max_pool1d / 2d / 3d (with return_indices, ceil_mode,
dilation), avg_pool1d / 2d / 3d (count_include_pad, divisor_override), lp_pool1d / 2d / 3d, the adaptive max and
average pools of 1, 2 and 3 dims (return_indices), fractional_max_pool2d / 3d, max_unpool1d / 2d / 3d, fold, unfold,
interpolate (every mode of each rank, size or scale_factor, align_corners, recompute_scale_factor, antialias),
upsample / upsample_nearest / upsample_bilinear, pad (every mode), pixel_shuffle / pixel_unshuffle, channel_shuffle,
grid_sample / affine_grid, and torch.split / tensor_split / chunk / unflatten / masked_scatter / masked_select. The
forms: valid calls; an input of the wrong rank; an empty input (batch, channels or spatial dims); a kernel larger
than the (padded) input; a stride of 0 or -1; a negative padding; a padding above half the kernel; a dilation of 0
or -1; sizes given as 2.0, 2.5, True, None, '2', (2.0, 2.0), (2, 2.0), a tuple of one, of four and of none, 0, -1,
(0, 2), (-1, 2), [2, 2], NumPy's int64, (2, True) and (None, 2). Each call compared whether it computes or raises,
the exception's type and first line, and where both computed the shapes, dtypes and values. Of the 1,511 calls,
702 differed before (nn's ShapeError, a RuntimeError and a ValueError both, counted as PyTorch's RuntimeError);
20 differ now. Where both compute, the values agree to 1e-10 relative (the grid's tolerance; no value changed).

Still different (not fixed): ``t.unflatten(dim, None)`` (and a size 0 or ()) as a Tensor method is PyTorch's
Python method's RuntimeError "unflatten: sizes must be non-empty" before its parser; nn's method gives the
parser's TypeError, as ``torch.unflatten`` does. masked_select / masked_scatter with a mask or source that is no
Tensor (None, an int) give nn's RuntimeError or AttributeError where PyTorch's parser says "masked_select():
argument 'mask' (position 2) must be Tensor, not NoneType" (4 calls). adaptive_max_pool1d of an empty input names
adaptive_max_pool2d and the 2-d shape in its words (2 calls). lp_pool1d with a kernel tuple of one computes where
PyTorch's ``.mul(kernel_size)`` fails on the tuple. fractional_max_pool2d / 3d read their sizes in nn's words (10
calls: an output_ratio given alone, a float or 0 kernel, an output_size of the wrong length, a wrong rank).
``torch.split(t, None)`` is nn's "give split_size" TypeError. affine_grid's refusal of theta's shape names
``nn.Size`` where PyTorch's names ``torch.Size``. Outside the grid: adaptive_avg_pool2d to (1, 1) is PyTorch's
mean over the last two dims of an input of any rank (a 5-D input computes), nn checks the rank; interpolate with a
str scale_factor in 'area' mode computes in PyTorch (its Python multiplies the size by the str).

The failures of nn these tests pin down (the package is not imported here):

- The max / average / LP pools of 1, 2 and 3 dims read kernel_size, stride, padding and dilation as PyTorch's
  parser does, in its words: "max_pool2d(): argument 'kernel_size' (position 2) must be tuple of ints, not
  float", "... not bool" (True was taken as 1), "... but found element of type NoneType at pos 0", "argument
  'stride' failed to unpack the object at pos 2 with error "type must be tuple of ints,but got float"". The
  average pools, PyTorch's builtins, name a position only for an argument given by position ("avg_pool2d():
  argument 'stride' must be tuple of ints, not float" by keyword), and read divisor_override as an int. nn raised
  its ValueError "max_pool2d: kernel_size must be an int or a pair of ints, got 2.0".
- Their kernels' checks, in PyTorch's order and words (RuntimeError; nn's ShapeError, which is a ValueError too):
  "max_pool2d: kernel_size must either be a single int, or a tuple of two ints", "avg_pool3d: stride must be
  omitted, a single int, or a tuple of three ints", "avg_pool1d() argument 'kernel_size' should contain one int
  (got 2)", "max_pool1d() padding must be an int, list of ints, or tuple of ints of size 1 but got size 2",
  "stride should not be zero", "pad must be non-negative, but got pad: -1", "kernel size should be greater than
  zero, but got kH: -1 kW: -1", "dilation should be greater than zero, but got dilationH: 0 dilationW: 0" (a
  dilation of 0 computed), "divisor must be not zero" (a negative divisor computes, as PyTorch's), "non-empty 3D
  or 4D (batch mode) tensor expected for input", "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch
  size for input, but got:[2, 0, 6, 6]" (an empty channel dim computed), avg_pool2d's IndexError for a 2-D input,
  "Expected 2 to 3 dimensions, but got 4-dimensional tensor for argument #1 'self' (while checking arguments for
  avg_pool1d)"; max_pool2d's stride=() is the kernel. lp_pool2d / 3d unpack kernel_size first ("not enough values
  to unpack (expected 2, got 1)").
- The adaptive pools read output_size as F's Python and PyTorch's parser do ("object of type 'float' has no len()",
  "Input dimension should be at least 5", "... must be tuple of ints, not bool"), take a size of 0 (an empty
  output) and a bool after the first element, and check in their kernels' words ("adaptive_avg_pool2d: output_size
  must be 2", "... elements of output_size must be greater than or equal to 0 but received {-1, -1}",
  "adaptive_max_pool2d(): internal error: output_size.size() must be 2", "Trying to create tensor with negative
  dimension -1: [2, 3, -1, -1]", "adaptive_max_pool2d(): Expected input to have non-zero size for non-batch
  dimensions, ...", "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [2, 3, 2, 6, 6]").
- unfold / fold read their sizes as F's ``_pair`` hands them to im2col / col2im: "im2col(): argument
  'kernel_size' (position 2) must be tuple of ints, but found element of type float at pos 0" (True was taken as
  1), "It is expected stride equals to 2, but got size 1" (a tuple of one was taken for both dims).
- interpolate reads size and scale_factor as F's Python and the upsampling kernels' parsers do: "expected size to
  be one of int or Tuple[int] or Tuple[int, int] or Tuple[int, int, int], but got size with types [<class 'int'>,
  <class 'float'>]", "upsample_nearest2d() received an invalid combination of arguments - got (Tensor, list,
  NoneType), but expected one of:", "upsample_nearest2d(): argument 'scale_factors' must be tuple of floats, but
  found element of type NoneType at pos 2"; a scale_factor True and a size (2, True) compute; 'area' hands its
  size to the adaptive average pools (a size of 0 computes an empty output, -1 is their refusal).
- split / tensor_split / unflatten refuse as PyTorch's parsers: "split_with_sizes(): argument 'split_sizes'
  (position 2) must be tuple of ints, not float", "split() received an invalid combination of arguments - got
  (Tensor, bool, int), but expected one of:", "tensor_split() received an invalid combination of arguments - got
  (Tensor, float), but expected one of:" (nn computed), "unflatten(): argument 'sizes' (position 3) must be tuple of
  ints, not int", "unflatten: sizes must be non-empty"; max_unpool2d's indices of another dtype than int64 ("elements
  in indices should be type int64 but got: Float"); affine_grid's size ("affine_grid_generator(): argument 'size'
  (position 2) must be tuple of ints, but found element of type float at pos 0").
"""
import numpy as np
import pytest

import nn
import nn.functional as F

X4 = nn.tensor(np.arange(144.0).reshape(2, 3, 4, 6))
X3 = nn.tensor(np.arange(36.0).reshape(2, 3, 6))
X5 = nn.tensor(np.arange(2 * 3 * 4 * 4 * 4, dtype=np.float64).reshape(2, 3, 4, 4, 4))
T = nn.tensor(np.arange(24.0).reshape(6, 4))
COLS = nn.tensor(np.arange(2 * 12 * 16, dtype=np.float64).reshape(2, 12, 16))

FOUND = "must be tuple of ints, but found element of type"
UNPACK = 'failed to unpack the object at pos 2 with error "type must be tuple of ints,but got float"'


def _raises(kind, words, call):
    with pytest.raises(kind) as caught:
        call()
    assert str(caught.value).split("\n")[0] == words


@pytest.mark.parametrize("call, words", [
    (lambda: F.max_pool2d(X4, 2.0), "max_pool2d(): argument 'kernel_size' (position 2) must be tuple of ints, not "
                                    "float"),
    (lambda: F.max_pool2d(X4, True), "max_pool2d(): argument 'kernel_size' (position 2) must be tuple of ints, not "
                                     "bool"),
    (lambda: F.max_pool2d(X4, 2, stride=(2, 2.0)), f"max_pool2d(): argument 'stride' {UNPACK}"),
    (lambda: F.max_pool2d(X4, 2, padding=None), "max_pool2d(): argument 'padding' (position 4) must be tuple of ints, "
                                                "not NoneType"),
    (lambda: F.max_pool2d(X4, 2, dilation=2.0), "max_pool2d(): argument 'dilation' (position 5) must be tuple of ints, "
                                                "not float"),
    (lambda: F.max_pool3d(X5, (None, 2)), f"max_pool3d(): argument 'kernel_size' (position 2) {FOUND} NoneType at "
                                          f"pos 0"),
    (lambda: F.max_pool1d(X3, "2"), "max_pool1d(): argument 'kernel_size' (position 2) must be tuple of ints, not str"),
    (lambda: F.avg_pool2d(X4, 2, stride=2.0), "avg_pool2d(): argument 'stride' must be tuple of ints, not float"),
    (lambda: F.avg_pool2d(X4, 2, 2.0), "avg_pool2d(): argument 'stride' (position 3) must be tuple of ints, not float"),
    (lambda: F.avg_pool2d(X4, 2, padding=(2.0, 2.0)), "avg_pool2d(): argument 'padding' must be tuple of ints, not "
                                                      "tuple"),
    (lambda: F.avg_pool2d(X4, 2, divisor_override=2.5), "avg_pool2d(): argument 'divisor_override' must be int, not "
                                                        "float"),
    (lambda: F.avg_pool1d(X3, 2, padding=(2.0,)), "avg_pool1d(): argument 'padding' must be tuple of ints, not tuple"),
    (lambda: F.avg_pool3d(X5, (2, 2.0)), f"avg_pool3d(): argument 'kernel_size' {UNPACK}"),
    (lambda: F.lp_pool2d(X4, 2, 2.0), "avg_pool2d(): argument 'kernel_size' (position 2) must be tuple of ints, not "
                                      "float"),
])
def test_pool_sizes_are_read_by_pytorchs_parser(call, words):
    _raises(TypeError, words, call)


@pytest.mark.parametrize("call, kind, words", [
    (lambda: F.max_pool2d(X4, (2, 2, 2)), RuntimeError, "max_pool2d: kernel_size must either be a single int, or a "
                                                        "tuple of two ints"),
    (lambda: F.max_pool2d(X4, 2, stride=(2, 2, 2)), RuntimeError, "max_pool2d: stride must either be omitted, a single "
                                                                  "int, or a tuple of two ints"),
    (lambda: F.max_pool2d(X4, 2, dilation=(1, 1, 1)), RuntimeError, "max_pool2d: dilation must be either a single int, "
                                                                    "or a tuple of two ints"),
    (lambda: F.avg_pool3d(X5, (2, 2)), RuntimeError, "avg_pool3d: kernel_size must be a single int, or a tuple of "
                                                     "three ints"),
    (lambda: F.avg_pool1d(X3, (2, 2)), RuntimeError, "avg_pool1d() argument 'kernel_size' should contain one int (got "
                                                     "2)"),
    (lambda: F.max_pool1d(X3, 2, padding=(1, 1)), RuntimeError, "max_pool1d() padding must be an int, list of ints, or "
                                                                "tuple of ints of size 1 but got size 2"),
    (lambda: F.max_pool1d(X3, 0), RuntimeError, "max_pool1d() kernel_size must be greater than zero, but got 0"),
    (lambda: F.max_pool2d(X4, 2, stride=0), RuntimeError, "stride should not be zero"),
    (lambda: F.max_pool2d(X4, 0), RuntimeError, "stride should not be zero"),
    (lambda: F.max_pool2d(X4, -1), RuntimeError, "kernel size should be greater than zero, but got kH: -1 kW: -1"),
    (lambda: F.avg_pool2d(X4, 2, stride=(-1, 2)), RuntimeError, "stride should be greater than zero, but got dH: -1 "
                                                                "dW: 2"),
    (lambda: F.max_pool3d(X5, 2, stride=-1), RuntimeError, "stride should be greater than zero, but got dT: -1 dH: -1 "
                                                           "dW: -1"),
    (lambda: F.max_pool2d(X4, 3, padding=-1), RuntimeError, "pad must be non-negative, but got pad: -1"),
    (lambda: F.max_pool2d(X4, 2, dilation=0), RuntimeError, "dilation should be greater than zero, but got dilationH: "
                                                            "0 dilationW: 0"),
    (lambda: F.avg_pool2d(X4, 2, divisor_override=0), RuntimeError, "divisor must be not zero"),
    (lambda: F.max_pool2d(nn.zeros(6, 6), 2), RuntimeError, "non-empty 3D or 4D (batch mode) tensor expected for "
                                                            "input"),
    (lambda: F.max_pool2d(nn.zeros(2, 0, 6, 6), 2), RuntimeError, "Expected 3D or 4D (batch mode) tensor with "
                                                                  "optional 0 dim batch size for input, but got:[2, 0, "
                                                                  "6, 6]"),
    (lambda: F.avg_pool2d(nn.zeros(6, 6), 2), IndexError, "Dimension out of range (expected to be in range of [-2, 1], "
                                                          "but got -3)"),
    (lambda: F.avg_pool2d(nn.zeros(2, 3, 2, 6, 6), 2), RuntimeError, "Expected 3D or 4D (batch mode) tensor with "
                                                                     "optional 0 dim batch size for input, but got:[2, "
                                                                     "3, 2, 6, 6]"),
    (lambda: F.avg_pool1d(nn.zeros(2, 3, 2, 6), 2), RuntimeError, "Expected 2 to 3 dimensions, but got 4-dimensional "
                                                                  "tensor for argument #1 'self' (while checking "
                                                                  "arguments for avg_pool1d)"),
    (lambda: F.max_pool1d(nn.zeros(6), 2), RuntimeError, "max_pool1d: Expected 2D or 3D (batch mode) tensor with "
                                                         "optional 0 dim batch size for input, but got:[6]"),
    (lambda: F.max_pool3d(nn.zeros(2, 3, 2, 6, 6, 6), 2), RuntimeError, "non-empty 4D or 5D (batch mode) tensor "
                                                                        "expected for input"),
    (lambda: F.avg_pool3d(nn.zeros(2, 0, 6, 6, 6), 2), RuntimeError, "avg_pool3d(): Expected input's non-batch "
                                                                     "dimensions to have positive length, but input "
                                                                     "has a shape of [2, 0, 6, 6, 6] and non-batch "
                                                                     "dimension 0 has length zero!"),
    (lambda: F.lp_pool2d(X4, 2, (2,)), ValueError, "not enough values to unpack (expected 2, got 1)"),
])
def test_pool_kernels_check_in_pytorchs_order_and_words(call, kind, words):
    _raises(kind, words, call)


def test_pools_compute_what_pytorch_computes():
    # PyTorch 2.13: stride=() is the kernel; a negative divisor divides by it
    assert F.max_pool2d(X4, 2, stride=()).tolist() == F.max_pool2d(X4, 2).tolist()
    y = F.avg_pool2d(X4[:, :, :2, :4], 2, divisor_override=-1)
    assert y.shape == (2, 3, 1, 2) and y[0, 0].tolist() == [[-(0 + 1 + 6 + 7), -(2 + 3 + 8 + 9)]]


@pytest.mark.parametrize("call, kind, words", [
    (lambda: F.adaptive_avg_pool2d(X4, 2.0), TypeError, "object of type 'float' has no len()"),
    (lambda: F.adaptive_max_pool2d(X4, None), TypeError, "object of type 'NoneType' has no len()"),
    (lambda: F.adaptive_avg_pool2d(X4, np.int64(2)), TypeError, "object of type 'numpy.int64' has no len()"),
    (lambda: F.adaptive_avg_pool2d(X4, True), TypeError, "adaptive_avg_pool2d(): argument 'output_size' (position 2) "
                                                         "must be tuple of ints, not bool"),
    (lambda: F.adaptive_max_pool3d(X5, (2, 2.0, 2)), TypeError, f"adaptive_max_pool3d(): argument 'output_size' "
                                                                f"{UNPACK}"),
    (lambda: F.adaptive_avg_pool2d(X4, (2, 2, 2, 2)), ValueError, "Input dimension should be at least 5"),
    (lambda: F.adaptive_avg_pool2d(X4, (2,)), RuntimeError, "adaptive_avg_pool2d: output_size must be 2"),
    (lambda: F.adaptive_avg_pool2d(X4, -1), RuntimeError, "adaptive_avg_pool2d: elements of output_size must be "
                                                          "greater than or equal to 0 but received {-1, -1}"),
    (lambda: F.adaptive_avg_pool3d(X5, -1), RuntimeError, "adaptive_avg_pool3d: elements of output_size must be "
                                                          "greater than or equal to 0 but received {-1, -1,-1}"),
    (lambda: F.adaptive_max_pool2d(X4, (2,)), RuntimeError, "adaptive_max_pool2d(): internal error: "
                                                            "output_size.size() must be 2"),
    (lambda: F.adaptive_max_pool2d(X4, -1), RuntimeError, "Trying to create tensor with negative dimension -1: [2, "
                                                          "3, -1, -1]"),
    (lambda: F.adaptive_max_pool2d(nn.zeros(2, 3, 0, 0), 3), RuntimeError, "adaptive_max_pool2d(): Expected input to "
                                                                           "have non-zero size for non-batch "
                                                                           "dimensions, but input has sizes [2, 3, 0, "
                                                                           "0] with dimension 2 being empty"),
    (lambda: F.adaptive_avg_pool2d(nn.zeros(2, 3, 2, 6, 6), 3), RuntimeError, "adaptive_avg_pool2d(): Expected 3D or "
                                                                              "4D tensor, but got [2, 3, 2, 6, 6]"),
    (lambda: F.adaptive_avg_pool1d(X3, (2, 2)), RuntimeError, "adaptive_avg_pool1d() argument 'output_size' should "
                                                              "contain one int (got 2)"),
    (lambda: F.adaptive_avg_pool1d(X3, 2.0), TypeError, "adaptive_avg_pool1d(): argument 'output_size' (position 2) "
                                                        "must be tuple of ints, not float"),
])
def test_adaptive_pools_read_output_size_as_pytorch(call, kind, words):
    _raises(kind, words, call)


def test_adaptive_pools_compute_empty_and_bool_sizes():
    # PyTorch 2.13: an output size of 0 is an empty output; a bool after the first element is its int
    assert F.adaptive_avg_pool2d(X4, 0).shape == (2, 3, 0, 0)
    y, i = F.adaptive_max_pool3d(X5, 0, return_indices=True)
    assert y.shape == i.shape == (2, 3, 0, 0, 0)
    assert F.adaptive_avg_pool1d(X3, 0).shape == (2, 3, 0)
    y = F.adaptive_avg_pool2d(X4, (2, True))          # rows 0-1 and 2-3, all six columns
    assert y.shape == (2, 3, 2, 1) and y[0, 0, :, 0].tolist() == [5.5, 17.5]


@pytest.mark.parametrize("call, kind, words", [
    (lambda: F.unfold(X4, 2.0), TypeError, f"im2col(): argument 'kernel_size' (position 2) {FOUND} float at pos 0"),
    (lambda: F.unfold(X4, True), TypeError, f"im2col(): argument 'kernel_size' (position 2) {FOUND} bool at pos 0"),
    (lambda: F.unfold(X4, 2, stride=None), TypeError, f"im2col(): argument 'stride' (position 5) {FOUND} NoneType at "
                                                      f"pos 0"),
    (lambda: F.unfold(X4, 2, dilation="2"), TypeError, f"im2col(): argument 'dilation' (position 3) {FOUND} str at "
                                                       f"pos 0"),
    (lambda: F.unfold(X4, 2, stride=(2,)), RuntimeError, "It is expected stride equals to 2, but got size 1"),
    (lambda: F.unfold(X4, (2, 2, 2, 2)), RuntimeError, "It is expected kernel_size equals to 2, but got size 4"),
    (lambda: F.fold(COLS, 2.0, 2), TypeError, f"col2im(): argument 'output_size' (position 2) {FOUND} float at pos 0"),
    (lambda: F.fold(COLS, (5, 5), 2, stride=True), TypeError, f"col2im(): argument 'stride' (position 6) {FOUND} bool "
                                                              f"at pos 0"),
    (lambda: F.fold(COLS, (5, 5), (2,)), RuntimeError, "It is expected kernel_size equals to 2, but got size 1"),
])
def test_fold_and_unfold_read_sizes_as_pytorch(call, kind, words):
    _raises(kind, words, call)


@pytest.mark.parametrize("call, kind, words", [
    (lambda: F.interpolate(X4, size=2.0), TypeError, "upsample_nearest2d() received an invalid combination of "
                                                     "arguments - got (Tensor, list, NoneType), but expected one of:"),
    (lambda: F.interpolate(X4, size=True, mode="bilinear"), TypeError, "upsample_bilinear2d() received an invalid "
                                                                       "combination of arguments - got (Tensor, list, "
                                                                       "bool, NoneType), but expected one of:"),
    (lambda: F.interpolate(X3, scale_factor="2", mode="nearest-exact"), TypeError,
     "_upsample_nearest_exact1d() received an invalid combination of arguments - got (Tensor, NoneType, list), but "
     "expected one of:"),
    (lambda: F.interpolate(X4, scale_factor=(None, 2)), TypeError, "upsample_nearest2d() received an invalid "
                                                                   "combination of arguments - got (Tensor, NoneType, "
                                                                   "tuple), but expected one of:"),
    (lambda: F.interpolate(X4, scale_factor=(2, None)), TypeError, "upsample_nearest2d(): argument 'scale_factors' "
                                                                   "must be tuple of floats, but found element of type "
                                                                   "NoneType at pos 2"),
    (lambda: F.interpolate(X4, size=(2, 2.0)), TypeError, "expected size to be one of int or Tuple[int] or Tuple[int, "
                                                          "int] or Tuple[int, int, int], but got size with types "
                                                          "[<class 'int'>, <class 'float'>]"),
    (lambda: F.interpolate(X4, size=2.0, mode="area"), TypeError, f"adaptive_avg_pool2d(): argument 'output_size' "
                                                                  f"(position 2) {FOUND} float at pos 0"),
    (lambda: F.interpolate(X4, size=-1, mode="area"), RuntimeError, "adaptive_avg_pool2d: elements of output_size "
                                                                     "must be greater than or equal to 0 but received "
                                                                     "{-1, -1}"),
])
def test_interpolate_reads_sizes_as_pytorch(call, kind, words):
    _raises(kind, words, call)


def test_interpolate_computes_what_pytorch_computes():
    # PyTorch 2.13: a bool after the first size is its int; a scale factor True is 1; 'area' to size 0 is empty
    y = F.interpolate(X4, size=(2, True))
    assert y.shape == (2, 3, 2, 1) and y[0, 0, :, 0].tolist() == [0.0, 12.0]
    assert F.interpolate(X4, scale_factor=True).tolist() == X4.tolist()
    assert F.interpolate(X4, scale_factor=(2, True)).shape == (2, 3, 8, 6)
    assert F.interpolate(X4, size=0, mode="area").shape == (2, 3, 0, 0)
    assert F.interpolate(X3, scale_factor=0.1, mode="area").shape == (2, 3, 0)


@pytest.mark.parametrize("call, kind, words", [
    (lambda: nn.split(T, 2.0), TypeError, "split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of "
                                          "ints, not float"),
    (lambda: T.split(np.int64(2)), TypeError, "split_with_sizes(): argument 'split_sizes' (position 2) must be tuple "
                                              "of ints, not numpy.int64"),
    (lambda: nn.split(T, (True, 5)), TypeError, f"split_with_sizes(): argument 'split_sizes' (position 2) {FOUND} "
                                                f"bool at pos 0"),
    (lambda: T.split(True), TypeError, "split() received an invalid combination of arguments - got (Tensor, bool, "
                                       "int), but expected one of:"),
    (lambda: nn.tensor_split(T, 2.0), TypeError, "tensor_split() received an invalid combination of arguments - got "
                                                 "(Tensor, float), but expected one of:"),
    (lambda: T.tensor_split((2.0, 4.0)), TypeError, "tensor_split() received an invalid combination of arguments - "
                                                    "got (tuple), but expected one of:"),
    (lambda: nn.unflatten(T, 0, 2), TypeError, "unflatten(): argument 'sizes' (position 3) must be tuple of ints, not "
                                               "int"),
    (lambda: nn.unflatten(T, 0, (2.0, 3)), TypeError, f"unflatten(): argument 'sizes' (position 3) {FOUND} float at "
                                                      f"pos 0"),
    (lambda: nn.unflatten(T, 0, ()), RuntimeError, "unflatten: sizes must be non-empty"),
    (lambda: F.max_unpool2d(X4[:, :, :2, :2], nn.zeros(2, 3, 2, 2), 2), RuntimeError,
     "elements in indices should be type int64 but got: Float"),
    (lambda: F.max_unpool3d(X5[:, :, :2, :2, :2], nn.zeros(2, 3, 2, 2, 2), 2), RuntimeError,
     "elements in indices should be type int64"),
    (lambda: F.affine_grid(nn.zeros(2, 2, 3), (2.0, 3, 4, 5), align_corners=False), TypeError,
     f"affine_grid_generator(): argument 'size' (position 2) {FOUND} float at pos 0"),
])
def test_size_taking_functions_refuse_in_pytorchs_words(call, kind, words):
    _raises(kind, words, call)


def _outcome(lib, call):
    """What call(lib) does: the exception's kind (nn's ShapeError is PyTorch's RuntimeError) and first line, or the
    shapes and values of what it returns."""
    try:
        y = call(lib)
    except Exception as error:                  # noqa: BLE001 - the kind and words are what is compared
        kind = "RuntimeError" if type(error).__name__ == "ShapeError" else type(error).__name__
        return kind, str(error).split("\n")[0]
    ys = y if isinstance(y, tuple) else (y,)
    return [np.asarray(t.detach().numpy() if lib is not nn else t._data) for t in ys]


def _same(a, b):
    if isinstance(a, tuple) or isinstance(b, tuple):
        return a == b
    return len(a) == len(b) and all(x.shape == y.shape and np.allclose(x, y, rtol=1e-12, atol=0) for x, y in zip(a, b))


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    x4, x3, x5 = np.arange(144.0).reshape(2, 3, 4, 6), np.arange(36.0).reshape(2, 3, 6), np.arange(
        384.0).reshape(2, 3, 4, 4, 4)

    def t(lib, a):
        return lib.tensor(a)
    calls = []
    for k in (2, 2.0, True, None, (2, 2.0), (2.0, 2), (2, 2, 2), (), 0, -1, (2, True), (True, 2)):
        calls += [lambda L, k=k: L.nn.functional.max_pool2d(t(L, x4), k),
                  lambda L, k=k: L.nn.functional.max_pool2d(t(L, x4), 2, stride=k),
                  lambda L, k=k: L.nn.functional.avg_pool2d(t(L, x4), 2, stride=k),
                  lambda L, k=k: L.nn.functional.avg_pool1d(t(L, x3), k),
                  lambda L, k=k: L.nn.functional.max_pool3d(t(L, x5), 2, padding=k),
                  lambda L, k=k: L.nn.functional.adaptive_avg_pool2d(t(L, x4), k),
                  lambda L, k=k: L.nn.functional.adaptive_max_pool2d(t(L, x4), k),
                  lambda L, k=k: L.nn.functional.unfold(t(L, x4), k),
                  lambda L, k=k: L.nn.functional.interpolate(t(L, x4), size=k),
                  lambda L, k=k: L.nn.functional.interpolate(t(L, x4), size=k, mode="bilinear"),
                  lambda L, k=k: L.nn.functional.lp_pool2d(t(L, x4), 2, k)]
    for shape in ((6, 6), (2, 0, 6, 6), (2, 3, 1, 1), (2, 3, 2, 4, 6)):
        calls += [lambda L, s=shape: L.nn.functional.max_pool2d(L.zeros(s, dtype=L.float64), 2),
                  lambda L, s=shape: L.nn.functional.avg_pool2d(L.zeros(s, dtype=L.float64), 2)]
    calls += [lambda L: L.nn.functional.max_pool2d(t(L, x4), 2, dilation=0),
              lambda L: L.nn.functional.max_pool2d(t(L, x4), 3, padding=2, dilation=2),
              lambda L: L.nn.functional.avg_pool2d(t(L, x4), 2, divisor_override=0),
              lambda L: L.split(t(L, x4), 2.0),
              lambda L: L.unflatten(t(L, x4), 0, 2)]
    differ = [i for i, call in enumerate(calls) if not _same(_outcome(torch, call), _outcome(nn, call))]
    assert differ == [], [(calls[i].__code__.co_firstlineno, calls[i].__defaults__, _outcome(torch, calls[i]),
                           _outcome(nn, calls[i])) for i in differ[:3]]
