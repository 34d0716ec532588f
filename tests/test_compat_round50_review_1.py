"""Review of the fiftieth round's size checks of the functional pools, fold / unfold, interpolate and the split family
(area A) and of its parser leftovers (area B: methods that take no argument, normal / randint / the legacy
constructors' sizes, the norms' eps and momentum read in forward, RNNCell's nonlinearity and RNNBase's mode, the
keywords' order), against PyTorch 2.13 directly; no package was ported. Grid scripts called ``torch`` and ``nn`` in
one process on the same NumPy inputs, comparing the error's type and first line, or the results' shapes, dtypes and
values (1e-10 relative). For area A (2,285 calls): the max, average and LP pools of 1, 2 and 3 dims with each of
kernel_size, stride and padding replaced by 20 values (2, 2.0, True, None, '2', (2.0, 2.0), (2, 2.0), (2,), (2, 2,
2), 0, -1, (0, 2), (-1, 2), (), [2, 2], NumPy's int64, (2, True), (True, 2), (int64, 2), [2]), each by position and
by keyword; float64, float32 and int64 inputs, transposed (not contiguous) and requiring grad, with a backward;
empty batch, channel and spatial dims, unbatched, 0-d and too many dims; dilation, ceil_mode, return_indices,
``stride=()`` / ``[]``, count_include_pad and divisor_override; the layers (MaxPool1d/2d/3d, AvgPool1d/2d/3d,
LPPool1d/2d) built with 12 bad sizes, in forward; the adaptive pools of 1-3 dims by 15 output sizes by position and
by keyword, batched and unbatched, with empty inputs; unfold / fold by 20 values of each size and fold's
output_size, and the Unfold / Fold layers; interpolate in five 2-d modes by 18 sizes and 16 scale factors (with and
without recompute_scale_factor) and in the 1-d and 3-d modes; pad in four modes by 13 paddings; split, x.split,
tensor_split, x.tensor_split and chunk by 15 sizes on dims 0, -2 and 1, unflatten in three forms by 11 sizes, and
tensors, keywords, 0-d and empty inputs; max_unpool1d/2d/3d with indices of five dtypes; affine_grid by 7 sizes.
1,312 calls differed on the round's base tree, 118 on the areas' tree and 71 after the review, none of them
agreeing on the base and differing now: integer inputs of the pools (nn refuses them, before the round too),
float32 results of the LP and 3-d average pools within float32's rounding (the grid's 1e-10 is float64's),
lp_pool1d with a tuple of one, interpolate with a scale factor of None or a str, a bool inside split's list,
``split(x, None)`` and ``tensor_split(tensor_indices_or_sections=...)`` (nn's keyword is ``indices_or_sections``). For area B (2,135 calls): each of the 135 wrapped methods on 3 x 4, 0-d,
empty, square and positive tensors, with and without requires_grad, on a Parameter and through ``Tensor.m(x)`` with
and without an argument; the keyword-only methods with their keywords; ``x.relu(True)`` leaving x alone; BatchNorm1d
/ 2d / 3d, InstanceNorm1d / 2d, GroupNorm, LayerNorm and RMSNorm with 22 eps / momentum / affine / statistics sets,
in training and eval, two forwards and a backward, their running statistics; F.batch_norm / layer_norm / group_norm
/ rms_norm / instance_norm with odd eps and momentum; RNNCell and RNN with six nonlinearities given when built or set
after; RNNBase with seven modes; normal by 15 forms, randint by 13, ``x.new`` / Tensor / LongTensor by 20 each; and
masked_fill / lerp refused with four keywords in all 48 orders. 822 calls differed on the base tree and 468 on the
areas' tree, none of them new: the in-place refusal's added hint, ``half()`` / ``bfloat16()`` (nn has no 16-bit
floats), ``values()`` / ``indices()`` / ``crow_indices()`` of a strided tensor (nn computes), ``float(memory_format=
...)``, and lerp's ``out=NoneType`` in the keyword listing. The hot paths were timed against the base tree in eight
alternated pairs of processes (min of 15 x 400 calls each): ``x.relu()`` 1.03, ``x.exp()`` 1.02, ``x.sigmoid()``
1.02, ``x.float()`` 1.13 (area B's wrapper: one Python call, about 0.1-0.2 us), ``x.t()`` 0.98, ``x.contiguous()``
and ``x.size()`` 1.0; ``F.max_pool2d`` / ``avg_pool2d`` / ``interpolate`` / ``adaptive_avg_pool2d`` / ``unfold`` /
``pad`` of a 2 x 3 x 8 x 8 tensor 0.92-1.05 (ratios of minima; the medians swung with the load, up to 2x). As a
measure free of the load, the Python calls one step makes were counted (cProfile): Adam step with forward and
backward of colorize's fusion model at batch 8, 64 x 64, 12,043 before the round and 12,048 now; max_pool2d 67 / 64,
avg_pool2d 59 / 61, interpolate 67 / 67, pad 112 / 112, a BatchNorm2d forward and backward 582 / 585, ``x.relu()``
50 / 51.

Still different (not fixed): the pools refuse integer inputs (PyTorch's max pools and avg pools compute them, the
1-d max pool is its NotImplementedError); lp_pool1d with a kernel tuple of one computes (PyTorch's ``.mul`` of the
tuple fails); ``interpolate`` with a scale factor holding None gives float()'s words where PyTorch's Python
multiplies by None, and a str scale factor computes; a bool after the first element of split's list is refused;
``x.split(None)`` keeps nn's words; conv2d and the other convolutions name the first of several sizes that fail to
unpack, where PyTorch's generated call names the last (``conv2d(x, w, None, (1, 1.0), (0, 0.0))``: 'padding');
``as_strided`` takes a float in its sizes.

The failures of nn these tests pin down:

- ``tensor_split`` refused a non-int section count in the words of a call without its dim ("got (Tensor, float)"),
  where PyTorch's overloaded parser lists the arguments as given: "tensor_split() received an invalid combination of
  arguments - got (Tensor, float, int), but expected one of:", the method ``x.tensor_split(2.0, dim=0)`` "got (float,
  dim=int)"; ``sections=2.0`` and ``indices=[1.0]`` computed, and a float tensor of indices was taken (PyTorch:
  "tensor_split expected tensor_indices_or_sections to have dtype of long, but got Float", and a 2-d one "... to be a
  zero-dimensional or one-dimensional tensor, but got a tensor with 2 dims").
- Two sizes whose later elements are not ints (``MaxPool2d((2, 2.0))``, whose stride is its kernel; ``avg_pool2d(x,
  (2, 2.0), padding=(0, 0.0))``; ``unfold(x, (2, 2.0), stride=(1, 1.0))``; ``roll(x, (1, 1.0), (0, 1.0))``) named
  the first; PyTorch's parser checks
  each argument's type, then its generated call unpacks the lists last argument first: "max_pool2d(): argument
  'stride' failed to unpack the object at pos 2 with error "type must be tuple of ints,but got float"". One function,
  ``parser_ints_each``, reads several sizes so (the pools, fold / unfold), and the parser's check of a call's
  arguments (``check_parsed_ints``) defers such a refusal the same way.
- ``adaptive_avg_pool1d(x, output_size=3.0)``, a builtin in PyTorch, named position 2 for an argument given by
  keyword ("adaptive_avg_pool1d(): argument 'output_size' must be tuple of ints, not float").
- ``avg_pool2d`` / ``lp_pool2d`` of a 0-d tensor said "Dimension out of range (expected to be in range of [-1, 0], but
  got -3)"; PyTorch's words for a tensor of no dims are "Dimension specified as -3 but tensor has no dimensions".
"""
import numpy as np
import pytest

import nn
import nn.functional as F

_X = np.random.default_rng(0).standard_normal((6, 4))


def _raises(call, kind, words):
    with pytest.raises(kind) as info:
        call()
    assert str(info.value).split("\n")[0] == words


@pytest.mark.parametrize("call, words", [
    (lambda x: nn.tensor_split(x, 2.0, 0), "got (Tensor, float, int)"),
    (lambda x: nn.tensor_split(x, 2.0, dim=0), "got (Tensor, float, dim=int)"),
    (lambda x: nn.tensor_split(x, None, 1), "got (Tensor, NoneType, int)"),
    (lambda x: x.tensor_split(2.0, dim=0), "got (float, dim=int)"),
    (lambda x: x.tensor_split((2.0, 4), 1), "got (tuple, int)"),
    (lambda x: nn.tensor_split(x, sections=2.0), "got (Tensor, sections=float)"),
    (lambda x: nn.tensor_split(x, indices=[1.0]), "got (Tensor, indices=list)"),
])
def test_tensor_split_lists_the_arguments_as_given(call, words):
    _raises(lambda: call(nn.tensor(_X)), TypeError,
            f"tensor_split() received an invalid combination of arguments - {words}, but expected one of:")


def test_tensor_split_refuses_tensors_of_other_dtypes_and_dims():
    x = nn.tensor(_X)
    _raises(lambda: nn.tensor_split(x, nn.tensor([1.0])), RuntimeError,
            "tensor_split expected tensor_indices_or_sections to have dtype of long, but got Float")
    _raises(lambda: x.tensor_split(nn.tensor([1], dtype=nn.int32)), RuntimeError,
            "tensor_split expected tensor_indices_or_sections to have dtype of long, but got Int")
    _raises(lambda: nn.tensor_split(x, nn.tensor([[1]])), RuntimeError,
            "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional tensor, "
            "but got a tensor with 2 dims")
    # what it takes is unchanged: a count, indices, an int64 tensor of either, keywords, a dim
    assert [p.shape[0] for p in nn.tensor_split(x, nn.tensor([1, 3]))] == [1, 2, 3]
    assert [p.shape[0] for p in nn.tensor_split(x, nn.tensor(4))] == [2, 2, 1, 1]
    assert [p.shape[1] for p in x.tensor_split(3, 1)] == [2, 1, 1]
    assert [p.shape[0] for p in nn.tensor_split(x, indices=[1, 3])] == [1, 2, 3]
    assert [p.shape[0] for p in nn.tensor_split(x, sections=2)] == [3, 3]


_UNPACK = 'failed to unpack the object at pos 2 with error "type must be tuple of ints,but got float"'


@pytest.mark.parametrize("call, words", [
    (lambda: nn.MaxPool2d((2, 2.0))(nn.ones(1, 1, 6, 6)), "max_pool2d(): argument 'stride' "),
    (lambda: nn.AvgPool2d((2, 2.0))(nn.ones(1, 1, 6, 6)), "avg_pool2d(): argument 'stride' "),
    (lambda: nn.MaxPool1d((2, 2.0))(nn.ones(1, 1, 6)), "max_pool1d(): argument 'stride' "),
    (lambda: F.max_pool2d(nn.ones(1, 1, 6, 6), (2, 2.0), (2, 2.0), (0, 0.0), (1, 1.0)),
     "max_pool2d(): argument 'dilation' "),
    (lambda: F.avg_pool2d(nn.ones(1, 1, 6, 6), (2, 2.0), padding=(0, 0.0)), "avg_pool2d(): argument 'padding' "),
    (lambda: F.unfold(nn.ones(1, 1, 6, 6), (2, 2.0), stride=(1, 1.0)), "im2col(): argument 'stride' "),
    (lambda: nn.roll(nn.ones(2, 3), (1, 1.0), (0, 1.0)), "roll(): argument 'dims' "),
    (lambda: nn.ones(2, 3).roll((1, 1.0), (0, 1.0)), "roll(): argument 'dims' "),
])
def test_of_several_sizes_that_fail_to_unpack_the_last_is_named(call, words):
    _raises(call, TypeError, words + _UNPACK)


def test_a_type_refusal_still_comes_before_an_unpacking_and_a_length():
    x = nn.ones(1, 1, 6, 6)
    _raises(lambda: F.max_pool2d(x, (2, 2.0), 2.0), TypeError,
            "max_pool2d(): argument 'stride' (position 3) must be tuple of ints, not float")
    _raises(lambda: F.max_pool2d(x, 2.0, (2, 2.0)), TypeError,
            "max_pool2d(): argument 'kernel_size' (position 2) must be tuple of ints, not float")
    _raises(lambda: F.max_pool2d(x, (2, 2, 2), (2, 2.0)), TypeError, "max_pool2d(): argument 'stride' " + _UNPACK)
    _raises(lambda: F.max_pool2d(x, (2, 2, 2), 2), RuntimeError,
            "max_pool2d: kernel_size must either be a single int, or a tuple of two ints")
    assert F.max_pool2d(x, (2, 3), (1, 2), 1).shape == (1, 1, 7, 3)       # (the sizes still in their order)
    assert F.avg_pool2d(x, (2, 3), stride=(1, 2), padding=1).shape == (1, 1, 7, 3)
    _raises(lambda: nn.MaxPool3d((2, 2, 2.0))(nn.ones(1, 1, 4, 6, 6)), TypeError,
            "max_pool3d(): argument 'stride' " + _UNPACK.replace("pos 2", "pos 3"))


def test_adaptive_avg_pool1d_names_no_position_for_a_keyword():
    x = nn.ones(2, 3, 9)
    _raises(lambda: F.adaptive_avg_pool1d(x, output_size=3.0), TypeError,
            "adaptive_avg_pool1d(): argument 'output_size' must be tuple of ints, not float")
    _raises(lambda: F.adaptive_avg_pool1d(x, output_size=(3.0,)), TypeError,
            "adaptive_avg_pool1d(): argument 'output_size' must be tuple of ints, not tuple")
    _raises(lambda: F.adaptive_avg_pool1d(x, 3.0), TypeError,
            "adaptive_avg_pool1d(): argument 'output_size' (position 2) must be tuple of ints, not float")
    assert F.adaptive_avg_pool1d(x, output_size=(3,)).shape == (2, 3, 3)


@pytest.mark.parametrize("pool", [lambda x: F.avg_pool2d(x, 2), lambda x: F.lp_pool2d(x, 2.0, 2)])
def test_avg_pool2d_of_a_0d_tensor(pool):
    _raises(lambda: pool(nn.tensor(1.0)), IndexError, "Dimension specified as -3 but tensor has no dimensions")
    _raises(lambda: pool(nn.ones(3)), IndexError, "Dimension out of range (expected to be in range of [-1, 0], but "
                                                  "got -3)")


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    def outcome(lib, call):
        try:
            r = call(lib, TF if lib is torch else F)
        except Exception as error:      # noqa: BLE001 - the error is what is compared
            return type(error).__name__.replace("ShapeError", "RuntimeError"), str(error).split("\n")[0]
        return "ok", [tuple(t.shape) for t in (r if isinstance(r, (tuple, list)) else (r,))]

    x = _X
    calls = [
        lambda lib, f: lib.tensor_split(lib.tensor(x), 2.0, 0),
        lambda lib, f: lib.tensor(x).tensor_split(True, dim=1),
        lambda lib, f: lib.tensor_split(lib.tensor(x), sections=2.0),
        lambda lib, f: lib.tensor_split(lib.tensor(x), lib.tensor([1.0])),
        lambda lib, f: lib.tensor_split(lib.tensor(x), lib.tensor([1, 3]), 1),
        lambda lib, f: lib.nn.MaxPool2d((2, 2.0))(lib.ones(1, 1, 6, 6)),
        lambda lib, f: lib.nn.AvgPool1d((2, 2.0))(lib.ones(1, 1, 6)),
        lambda lib, f: lib.nn.AvgPool3d((2, 2, 2.0))(lib.ones(1, 1, 4, 6, 6)),
        lambda lib, f: f.fold(lib.ones(1, 4, 9), (4, 4), (2, 2.0), stride=(1, 1.0)),
        lambda lib, f: f.max_pool2d(lib.ones(1, 1, 6, 6), (2, 2, 2), 2.0),
        lambda lib, f: f.max_pool3d(lib.ones(1, 1, 4, 6, 6), (2, 2, 2.0), padding=(0, 0, 0.0)),
        lambda lib, f: f.adaptive_avg_pool1d(lib.ones(2, 3, 9), output_size=None),
        lambda lib, f: f.adaptive_avg_pool1d(lib.ones(3, 9), output_size=(2,)),
        lambda lib, f: f.avg_pool2d(lib.tensor(1.0), 2),
        lambda lib, f: f.avg_pool2d(lib.ones(2, 3, 7, 6), (2, 3), (1, 2), 1),
        lambda lib, f: f.max_pool2d(lib.ones(2, 3, 7, 6), 3, 2, 1, 2, True, True),
        lambda lib, f: lib.roll(lib.ones(2, 3), (1, 1.0), (0, 1.0)),
    ]
    for call in calls:
        assert outcome(torch, call) == outcome(nn, call)
