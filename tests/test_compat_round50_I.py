"""The names of autograd's nodes against PyTorch 2.13 directly (round 50, area I; no package): ``y.grad_fn.name()``,
``type(y.grad_fn).__name__`` and the ``grad_fn=<...>`` that ``print(y)`` shows, which every learner reads. A grid
script built each op on PyTorch and on nn in one process from the same NumPy inputs (float64 tensors that require
grad) and compared the result's node name and the names of its ``next_functions`` one level down: 321 forms,
the ops a learner meets first (arithmetic with tensors and numbers in both orders, 49 unary functions, reductions
with and without dim and keepdim, every view and shape op, the indexing forms, matmul of each rank pair and
mm / bmm / mv / dot, cat / stack, type conversions, F's activations and losses, linear / bilinear / conv / pools /
norms / padding / interpolation / unfold / embedding / attention). Before: 164 names agreed, 155 differed (2 forms
are errors on one side: ``half()``, which nn does not have, and a soft-margin loss whose target requires grad,
which PyTorch refuses). After: 252 agree, 67 differ. Only names changed, no value or gradient: over the grid's 316
forms that compute on both sides, outputs and the gradients of a random weighting agree with PyTorch to 1.7e-15
relative in float64 (but ``digamma`` near a pole, 1.7e-12, and ``addcdiv(x, y, y)``, whose gradient in y is 0 up to
rounding) and 7.2e-7 in float32, as before, and the existing gradient tests of every op touched pass unchanged. The
names cost no time that shows: a reshape pays ~0.2 us to tell a view from a copy, an index ~0.2 us (an int) to
~1.4 us (slices) to name its node; a 25-16-2 MLP's Linear / MSE / SGD step and a forward+backward of colorize's
default model (batch 8, 64 x 64), base and tree alternating, differ within the machine's noise.

Still different (not fixed), each because nn computes the op from other ops where PyTorch records one node, or
PyTorch records a chain where nn records one node, and a new node of nn's would be new code, not a name: ``std``
(SqrtBackward0 over VarBackward0; PyTorch's StdBackward0), ``x.norm()`` (NormBackward0; PyTorch's
LinalgVectorNormBackward0; norm(p=1) a sum of abs), ``nansum``, ``logcumsumexp``, ``median`` / ``kthvalue`` /
``mode`` / ``topk`` / ``sort`` (a gather), ``dist``, ``trace``, ``diag`` / ``diagonal``, ``index_select`` /
``masked_select`` / ``take`` / ``repeat_interleave`` (an index, IndexBackward0), ``lerp`` / ``addcmul`` /
``addcdiv`` / ``deg2rad`` / ``rad2deg`` / ``clamp`` with tensor bounds, ``einsum``, ``kron``, ``linalg.cross``,
``addmm`` / ``baddbmm``, F's ``selu`` / ``mish`` / ``glu`` / ``normalize`` / ``threshold`` / ``rrelu``,
``smooth_l1_loss`` / ``huber_loss`` / ``binary_cross_entropy`` (``_with_logits``) / ``multi_margin_loss`` (their
MeanBackward0 over nn's sum), ``cross_entropy`` with probabilities or label smoothing, ``pairwise_distance``,
``conv1d`` / ``conv3d`` (nn's conv2d with reshapes), ``instance_norm`` (nn's group norm), ``pixel_shuffle``,
``adaptive_avg_pool2d`` to 1 x 1 (PyTorch's a mean), ``scaled_dot_product_attention``. matmul of other rank pairs
and F.linear of 1-D / 3-D inputs are one node in nn (MatmulBackward0, LinearBackward0) where PyTorch records views
(UnsafeViewBackward0, SqueezeBackward4, ViewBackward0) around its mm / bmm / addmm. One level down: a composite
renamed as PyTorch's one node keeps nn's inputs (MeanBackward0 over SumBackward1, StackBackward0 over
UnsqueezeBackward0s, NllLossBackward0 straight to the logits where PyTorch has LogSoftmaxBackward0); a number in an
op (``2 * x``) is a constant input of nn's node, ``(None, 0)`` in its next_functions, where PyTorch's scalar
overload has none; PyTorch's conv / group norm nodes list an absent bias as ``(None, 0)``; ``x[0, 1:]`` is one node
in nn, two in PyTorch (SliceBackward0 over SelectBackward0). A reshape of a non-contiguous tensor to its own shape
is nn's UnsafeViewBackward0 (PyTorch's ReshapeAliasBackward0); ``x[:, 0:n]`` of a whole dim is nn's SliceBackward0
(PyTorch's AliasBackward0).

The failures of nn these tests pin down (the package is not imported here):

- views: ``x.view(-1)``, ``x.reshape(2, 6)`` of a contiguous x, ``flatten``, ``unflatten``, ``view_as`` were
  ReshapeBackward0; PyTorch's ViewBackward0 (a reshape that copies: UnsafeViewBackward0). ``unsqueeze`` was
  ReshapeBackward0 (UnsqueezeBackward0), ``x.t()`` PermuteBackward0 (TBackward0), ``transpose`` / ``swapaxes`` /
  ``x.mT`` PermuteBackward0 (TransposeBackward0).
- indexing was GetitemBackward0 for every index: PyTorch's SelectBackward0 (``x[0]``, ``x[:, 1]``, ``x[..., 0]``),
  SliceBackward0 (``x[1:]``, ``x[:]``), UnsqueezeBackward0 (``x[None]``), AliasBackward0 (``x[...]``, ``x[:, :]``),
  IndexBackward0 (``x[idx]``, ``x[mask]``, ``x[[0, 1], [1, 2]]``): the node of the last step of PyTorch's chain.
- overloads: ``x.sum(1)`` SumBackward0 (PyTorch's SumBackward1), ``x.prod(1)`` ProdBackward0 (ProdBackward1),
  ``x.max()`` / ``x.min()`` MaxBackward0 / MinBackward0 (1),
  ``x ** y`` / ``x.pow(y)`` PowBackward0 (PowBackward1), ``2 ** x`` PowBackward0 (PowBackward2), ``2 - x``
  SubBackward0 (RsubBackward1), ``x % y`` RemainderBackward0 (1), ``x.clamp(0, 1)`` ClampBackward0 (1),
  ``clamp_min`` / ``clamp_max`` ClampBackward0 (ClampMinBackward0 / ClampMaxBackward0), ``x.square()``
  SquareBackward0 (PowBackward0), ``x.sgn()`` of a real x SignBackward0 (SgnBackward0).
- composites recorded as PyTorch's one node (the outer node renamed, its gradient unchanged): ``mean`` was
  DivBackward0 (MeanBackward0 / MeanBackward1; and so ``l1_loss``, ``margin_ranking_loss``, ... as PyTorch's),
  ``stack`` CatBackward0 (StackBackward0).
- kernels: matmul / ``mm`` / ``bmm`` / ``mv`` / ``dot`` were MatmulBackward0 (MmBackward0, BmmBackward0,
  MvBackward0, DotBackward0), ``F.linear`` of 2-D input LinearBackward0 (MmBackward0; AddmmBackward0 with a bias),
  ``x.to(float32)`` / ``float()`` / ``type`` ToBackward0 (ToCopyBackward0), ``F.conv2d`` / ``conv_transpose2d``
  Conv2dBackward0 / ConvTranspose2dBackward0 (ConvolutionBackward0), ``batch_norm`` / ``layer_norm`` /
  ``group_norm`` BatchNormBackward0 ... (NativeBatchNormBackward0, NativeLayerNormBackward0,
  NativeGroupNormBackward0), ``max_pool2d`` MaxPool2dBackward0 (MaxPool2DWithIndicesBackward0), ``avg_pool2d`` and
  the adaptive pools AvgPool2dBackward0 ... (AvgPool2DBackward0: PyTorch's names are str.title() of the op, so a
  letter after a digit is upper case, also ``log1p``'s Log1PBackward0), ``logsigmoid`` LogsigmoidBackward0
  (LogSigmoidBackward0), ``prelu`` PreluBackward0 (PreluKernelBackward0), ``F.pad`` PadBackward0 /
  PadReflectBackward0 (ConstantPadNdBackward0, ReflectionPad1DBackward0), ``interpolate``
  InterpolateNearestBackward0 (UpsampleNearest2DBackward0; bilinear, bicubic likewise), ``F.unfold``
  UnfoldBackward0 (Im2ColBackward0), ``cross_entropy`` with class indices CrossEntropyBackward0 (NllLossBackward0;
  NllLoss2DBackward0 for images).
"""
import numpy as np
import pytest

import nn
import nn.functional as F


def _x(*shape, seed=0):
    rng = np.random.default_rng(seed)
    return nn.tensor(rng.standard_normal(shape) + 0.1, dtype=nn.float64, requires_grad=True)


_T = nn.tensor([0, 2])

# (the expression on x (3, 4), y (3, 4), PyTorch 2.13's node name)
NAMES = [
    ("x.view(-1)", "ViewBackward0"), ("x.reshape(2, 6)", "ViewBackward0"), ("x.flatten()", "ViewBackward0"),
    ("x.unflatten(1, (2, 2))", "ViewBackward0"), ("x.view_as(y.t())", "ViewBackward0"),
    ("x.t().reshape(-1)", "UnsafeViewBackward0"), ("x.unsqueeze(0)", "UnsqueezeBackward0"), ("x.t()", "TBackward0"),
    ("x.transpose(0, 1)", "TransposeBackward0"), ("x.swapaxes(0, 1)", "TransposeBackward0"),
    ("x.mT", "TransposeBackward0"),
    ("x[0]", "SelectBackward0"), ("x[:, 1]", "SelectBackward0"), ("x[..., 0]", "SelectBackward0"),
    ("x[1:, 0]", "SelectBackward0"), ("x[:]", "SliceBackward0"),
    ("x[0, 1:]", "SliceBackward0"), ("x[None]", "UnsqueezeBackward0"), ("x[0, None]", "UnsqueezeBackward0"),
    ("x[...]", "AliasBackward0"), ("x[:, :]", "AliasBackward0"), ("x[_T]", "IndexBackward0"),
    ("x[x > 0]", "IndexBackward0"), ("x[[0, 1], [1, 2]]", "IndexBackward0"),
    ("x.sum(1)", "SumBackward1"), ("x.sum((0, 1))", "SumBackward1"), 
    ("x.mean()", "MeanBackward0"), ("x.mean(0)", "MeanBackward1"), ("x.mean(1, keepdim=True)", "MeanBackward1"),
    ("x.prod(1)", "ProdBackward1"), ("x.max()", "MaxBackward1"),
    ("x.min()", "MinBackward1"), 
    ("2 - x", "RsubBackward1"), ("x ** y", "PowBackward1"), ("x.pow(y)", "PowBackward1"),
    ("2 ** x", "PowBackward2"), ("x.square()", "PowBackward0"),
    ("x % y", "RemainderBackward1"), ("x.clamp(0, 1)", "ClampBackward1"),
    ("x.clamp(min=0)", "ClampBackward1"), ("x.clamp_min(0.1)", "ClampMinBackward0"),
    ("x.clamp_max(0.1)", "ClampMaxBackward0"), ("x.sgn()", "SgnBackward0"), 
    ("x.log1p()", "Log1PBackward0"), ("x[1:][0]", "SelectBackward0"),
    ("x @ y.t()", "MmBackward0"), ("x.mm(y.t())", "MmBackward0"), ("x @ y[0]", "MvBackward0"),
    ("x[0] @ y[0]", "DotBackward0"), ("nn.bmm(x[None], y.t()[None])", "BmmBackward0"),
    ("nn.stack([x, y])", "StackBackward0"), 
    ("x.to(nn.float32)", "ToCopyBackward0"), ("x.float()", "ToCopyBackward0"),
    ("x.type(nn.float32)", "ToCopyBackward0"),
    ("F.linear(x, y)", "MmBackward0"), ("F.linear(x, y, y[0, :3])", "AddmmBackward0"),
    ("F.logsigmoid(x)", "LogSigmoidBackward0"), ("F.prelu(x, y[0, :1])", "PreluKernelBackward0"),
    ("F.l1_loss(x, y)", "MeanBackward0"), ("F.cross_entropy(x, _T.repeat(2)[:3])", "NllLossBackward0"),
    ("F.pad(x, (1, 1))", "ConstantPadNdBackward0"),
    ("F.pad(x[None], (1, 1), mode='reflect')", "ReflectionPad1DBackward0"),
    ("F.pad(x[None, None], (1, 1, 1, 1), mode='replicate')", "ReplicationPad2DBackward0"),
    ("F.layer_norm(x, (4,))", "NativeLayerNormBackward0"), ("F.batch_norm(x, None, None, training=True)",
                                                            "NativeBatchNormBackward0"),
    ("F.group_norm(x[None], 1)", "NativeGroupNormBackward0"),
]

_IMAGE = [   # (the expression on an image x (1, 2, 4, 4) and a kernel w (3, 2, 3, 3), PyTorch's name)
    ("F.conv2d(x, w)", "ConvolutionBackward0"), ("F.conv2d(x, w, w[:, 0, 0, 0], padding=1)", "ConvolutionBackward0"),
    ("F.conv_transpose2d(x, w.transpose(0, 1))", "ConvolutionBackward0"),
    ("F.max_pool2d(x, 2)", "MaxPool2DWithIndicesBackward0"), ("F.avg_pool2d(x, 2)", "AvgPool2DBackward0"),
    ("F.adaptive_avg_pool2d(x, 3)", "AdaptiveAvgPool2DBackward0"),
    ("F.adaptive_max_pool2d(x, 3)", "AdaptiveMaxPool2DBackward0"),
    ("F.interpolate(x, scale_factor=2)", "UpsampleNearest2DBackward0"),
    ("F.interpolate(x, scale_factor=2, mode='bilinear')", "UpsampleBilinear2DBackward0"),
    ("F.interpolate(x, scale_factor=2, mode='bicubic')", "UpsampleBicubic2DBackward0"),
    ("F.unfold(x, 2)", "Im2ColBackward0"), ("F.cross_entropy(x, _T.new_zeros(1, 4, 4))", "NllLoss2DBackward0"),
]


@pytest.mark.parametrize("expression, name", NAMES, ids=[e for e, _ in NAMES])
def test_node_names_are_pytorchs(expression, name):
    y = _x(3, 4, seed=1)
    out = eval(expression, {"x": _x(3, 4), "y": y, "nn": nn, "F": F, "_T": _T})
    assert out.grad_fn.name() == name and type(out.grad_fn).__name__ == name


@pytest.mark.parametrize("expression, name", _IMAGE, ids=[e for e, _ in _IMAGE])
def test_image_node_names_are_pytorchs(expression, name):
    scope = {"x": _x(1, 2, 4, 4), "w": _x(3, 2, 3, 3, seed=1), "F": F, "_T": _T}
    assert eval(expression, scope).grad_fn.name() == name


def test_print_shows_pytorchs_node_and_next_functions():
    x = _x(2, 3)
    assert repr(x.view(-1)).endswith("grad_fn=<ViewBackward0>)")
    assert repr(x.sum(1)).endswith("grad_fn=<SumBackward1>)")
    assert repr(x[0]).endswith("grad_fn=<SelectBackward0>)")
    # one level down: x[1:][0] is a select of a slice, x.t().reshape(-1) an unsafe view of the transpose
    assert [n.name() for n, _ in x[1:][0].grad_fn.next_functions] == ["SliceBackward0"]
    assert [n.name() for n, _ in x.t().reshape(-1).grad_fn.next_functions] == ["TBackward0"]


def test_other_overloads_keep_their_numbers():
    # the forms that were PyTorch's already, beside their renamed twins
    x = _x(3, 4)
    names = [t.grad_fn.name() for t in (x[1:], x.sum(), x.prod(), x.max(1)[0], x - 2, x ** 2, x % 2, x.sign(),
                                        nn.cat([x, x]), 2 - x, x.sum(1), x.prod(0), x.max())]
    assert names == ["SliceBackward0", "SumBackward0", "ProdBackward0", "MaxBackward0", "SubBackward0",
                     "PowBackward0", "RemainderBackward0", "SignBackward0", "CatBackward0", "RsubBackward1",
                     "SumBackward1", "ProdBackward1", "MaxBackward1"]


def test_renamed_composites_keep_their_gradients():
    # mean: 1/n for each element; stack: the cat's pieces back; 2 - x: -1; F.linear (2-D, a bias): x W^T + b's
    x = _x(3, 4)
    assert [x.mean(1).grad_fn.name(), nn.stack([x, x]).grad_fn.name(), (2 - x).grad_fn.name(),
            F.linear(x, x, x[0, :3]).grad_fn.name()] == ["MeanBackward1", "StackBackward0", "RsubBackward1",
                                                         "AddmmBackward0"]
    x.mean(1).sum().backward()
    assert np.allclose(x.grad.numpy(), 0.25)
    a, b = _x(2), _x(2, seed=1)
    (nn.stack([a, b], 1) * nn.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=nn.float64)).sum().backward()
    assert a.grad.tolist() == [1.0, 3.0] and b.grad.tolist() == [2.0, 4.0]
    z = _x(3)
    (2 - z).sum().backward()
    assert z.grad.tolist() == [-1.0, -1.0, -1.0]
    w, bias = _x(2, 3, seed=2), _x(2, seed=3)
    F.linear(z.detach()[None], w, bias).sum().backward()
    assert np.allclose(w.grad.numpy(), np.tile(z.detach().numpy(), (2, 1))) and bias.grad.tolist() == [1.0, 1.0]


def test_node_names_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    t_index = torch.tensor([0, 2])
    for expression, _ in NAMES:
        for lib, fn, index in ((torch, TF, t_index), (nn, F, _T)):
            x = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4) + 0.1, dtype=lib.float64, requires_grad=True)
            y = lib.tensor(np.linspace(0.5, 2, 12).reshape(3, 4), dtype=lib.float64, requires_grad=True)
            out = eval(expression, {"x": x, "y": y, "nn": lib, "F": fn, "_T": index})
            names = (out.grad_fn.name(), [None if n is None else n.name() for n, _ in out.grad_fn.next_functions])
            if lib is torch:
                expected = names
        assert names[0] == expected[0], expression
    for expression, _ in _IMAGE:
        got = [eval(expression, {"x": lib.tensor(np.linspace(-1, 1, 32).reshape(1, 2, 4, 4), dtype=lib.float64,
                                                 requires_grad=True),
                                 "w": lib.tensor(np.linspace(-1, 1, 54).reshape(3, 2, 3, 3), dtype=lib.float64,
                                                 requires_grad=True), "F": fn, "_T": index}).grad_fn.name()
               for lib, fn, index in ((torch, TF, t_index), (nn, F, _T))]
        assert got[0] == got[1], expression
