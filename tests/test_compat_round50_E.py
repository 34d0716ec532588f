"""torchkeras 4.0.5, a Keras-like training layer on PyTorch, ported to nn (round 50, area E). The wheel was unpacked
into a private folder with the packages it imports that the environment lacked (pandas 2.3.3, tqdm 4.70.1,
scikit-learn 1.9.1, tabulate 0.10.0 and their pure-Python dependencies) and the three registry packages its tabular
models import: tabm 0.0.3, rtdl-num-embeddings 0.0.12 and pytorch-tabnet 4.1.0. All four were ported file by file
by the porting rule into renamed copies, changing only their own import lines (``torchkeras`` -> ``torchkerasp``,
``tabm`` -> ``tabmp``, ...); no file needed anything more. accelerate, which ``KerasModel.fit`` / ``evaluate``
import, was given to both sides as the same small single-process stand-in (prepare returns its arguments,
backward calls ``loss.backward()``, clip_grad_norm_ calls the library's ``nn.utils.clip_grad_norm_``, save and
get_state_dict are the library's), ported by the same rule. Both sides ran in one process on the same NumPy data,
PyTorch's weights (perturbed by 0.05 normal noise) loaded into the port by ``state_dict``; the random draws made
while building (``random.uniform`` in the GFLU and soft trees, NODE's ``np.random.beta`` data-aware thresholds)
were seeded alike for both sides.

What ran: every tabular model (``torchkeras.tabular.models``) that runs without network, each for the binary,
regression and multiclass tasks, 21 configurations: CategoryEmbedding (batch norm, xavier, LeakyReLU), AutoInt
(attention pooling, deep layers, shared embeddings), DANet (ghost batch norm), FTTransformer (attention feature
importance, ReGLU, shared-embedding fraction), GANDALF (learnable sparsity on and off), GATE (chained trees,
tree-wise attention, sigmoid binning and softmax masks), NODE (entmax and sparsemax / sparsemoid), TabTransformer,
TabNet (through pytorch-tabnet), FM, DeepFM, DeepCross (stacked and mixed crosses), PeMLP and TabM (through tabm and
rtdl-num-embeddings): built from ``TabularDataset`` / ``merge_dataset_config``, an eval forward, then three Adam
steps in train mode of ``forward`` and ``compute_loss`` (logits, loss, every gradient, weights after the steps), then
an eval forward again, in float64 and float32. ``KerasModel.fit`` / ``evaluate`` on a small MLP with all five
metrics (Accuracy, Precision, Recall, AUC, KS), a StepLR scheduler, early stopping on ``val_auc`` and the
checkpoint saved and loaded by ``torch.save`` / ``torch.load(weights_only=True)``; ``KerasModel`` with the tabular
``StepRunner`` on a tabular model; the IOU metric (binary and 3 classes); ``summary``; the vision modules: UNet
(bilinear and transposed), ResNet50 (with and without its top), and SSD300's default boxes, encoder, loss and
scale-back (SGD steps with momentum for the networks). Dropout was set to 0 on both sides. None of the packages
ships tests.

Largest relative differences (float64, to each output's scale): tabular logits before training 3.1e-15, in training
3.8e-15 (TabM 3.0e-14), losses 1.5e-15, gradients 6.4e-14 (TabNet; TabM 9.2e-13, where PyTorch with its inputs moved by
an ulp differs from itself by 4.2e-13), weights after three Adam steps 1.2e-12 (PeMLP; TabM 1.0e-11, PyTorch against
itself 3.9e-12), eval logits after them 9.6e-14; ``KerasModel.fit`` histories 2.2e-16 (losses and metrics, with the
tabular StepRunner too), weights after fit 4.3e-14 (FTTransformer, AdamW, three epochs), IOU and the SSD pieces exact or
3.4e-16, UNet outputs 2.2e-14 and gradients 2.6e-13. Where more, the computation is ill-conditioned: (1) a parameter
whose exact gradient is zero: the bias of a Linear followed by a batch norm (CategoryEmbedding with batch norm, DeepFM,
DeepCross, DANet's ghost batch norm, the continuous inputs' normalizing batch norm before one) and the key biases of
AutoInt's attention: per tensor the gradients differ by their own size (relative 1 to 8; about 1e-17 absolute), and Adam
turns that rounding into steps (weights 4.4e-8, eval logits after them 2.4e-9); (2) GATE's t-softmax thresholds: their
gradients are about 1e-8, sums of terms 1e7 times larger (7.8e-10 relative, 9e-18 absolute); (3) ResNet50 on 32-pixel
images ends in batch norms over two values per channel (1 x 1 spatial, batch 2), whose outputs are +-1 up to rounding
(3e-5); on 64-pixel images, batch 4, its outputs differ by 1.9e-13 and gradients by 7.6e-13 (PyTorch against itself,
inputs moved by an ulp: 9.8e-14 and 5.3e-13). SSD300's whole forward (ResNet50 backbone, two 300-pixel images, train
mode): locations and confidences 2.6e-13 (its loss with the random targets given is NaN on both sides alike). Float32:
well-conditioned models' logits 2.5e-6, losses 2.5e-7, gradients 9.8e-5 (TabNet), eval logits 6.7e-6; TabM's 3.7e-2
gradients and 5.3e-2 weights are what PyTorch gives against itself with its float32 inputs moved by an ulp (3.7e-2,
5.3e-2); the metrics' AUC 7e-8 (an ulp of its float32 cumulative sums).

The package's own paths met no difference of nn. The failures fixed came from calling the functions it uses beside
PyTorch with their other argument forms: ``bincount`` (the IOU metric's confusion matrix), ``repeat_interleave``
(TabM's ``compute_loss``), ``index_fill_`` (SSD's encoder), ``diag`` (the IOU metric), ``true_divide`` (the
Precision, Recall and AUC metrics), ``bernoulli`` (pytorch-tabnet's pretraining obfuscation mask) and
``randperm`` (pytorch-tabnet's mixup augmentations).

Still different (not fixed): ``summary`` prints its "Input size (MB)" from ``sys.getsizeof(input_data)``, which is the
Python object's size: a PyTorch Tensor is 80 bytes whatever its elements, an nn Tensor 56, so that line and the
estimated total differ (0.000076 and 0.000053 MB); both are right for their objects, and nn does not fake PyTorch's C
struct size. Warnings PyTorch raises in C++ keep their "(Triggered internally at ...)" suffix there only (bincount's
complex weights). ``median`` of an empty tensor raises where PyTorch returns NaN; ``addcmul`` with operands that do
not broadcast names them in the other order;
``x.addcmul_(t1, t2, 2)`` (value by position) is refused as "too many positional arguments" where PyTorch says
"addcmul_() takes 2 positional arguments but 3 were given". ``bernoulli(x, p=t)`` with a tensor p of several elements is
nn's RuntimeError "Boolean value of Tensor with more than one value is ambiguous" (it drew before) where PyTorch's
parser says "bernoulli() received an invalid combination of arguments - got (Tensor, p=Tensor), but expected one of:".
Not run: ``HugModel`` (transformers' Trainer), the DeepKNN model (faiss), SSD300's ``predict`` / ``PostProcess``
(``torch.ops.torchvision.nms``, torchvision), the TensorBoard and wandb callbacks, ``flop_summary`` (fvcore), the chat,
data-download and ``tools`` modules (network), the soups (optuna), fit with ``plot=True`` (matplotlib and pandas
drawing, no tensor), dropout in training mode.

The failures of nn these tests pin down (the package is not imported here):

- ``bincount`` refused every bad input with its own ValueError "bincount: expected a 1-D tensor of non-negative
  integers"; PyTorch checks the kernel's dtype first (NotImplementedError '"bincount_cpu" not implemented for
  'Float''), then minlength (RuntimeError "minlength should be >= 0"), then the input ("bincount only supports 1-d
  non-negative integral inputs."), then the weights ("weights should be 1-d and have the same length as input"; nn
  said NumPy's "The weights and list don't have the same length."). Its arguments are read by PyTorch's parser
  ("bincount(): argument 'weights' must be Tensor, not list"; nn summed a list; "argument 'minlength' must be int,
  not float"), and complex weights are cast to their real part with PyTorch's warning (nn: NumPy's TypeError).
- ``repeat_interleave`` raised ValueError ("repeat_interleave: 3 repeats for a dim of size 2", "repeats must be
  non-negative") and took float and bool counts and 2-D counts; PyTorch: RuntimeError "repeats must have the same
  size as input along dim, but got repeats.size(0) = 3 and input.size(0) = 2", "Repeats must be non-negative" (an
  int), "repeats can not be negative" (a tensor), "repeats must be 0-dim or 1-dim tensor", "repeat_interleave only
  accept 1D vector as repeat", and NotImplementedError '"repeat_interleave_cpu" not implemented for 'Float''.
- ``index_fill`` out of range said "index_fill: index out of range for dim 0 of size 4"; PyTorch's IndexError "index
  5 is out of bounds for dimension 0 with size 4" (the first index out of range, the dim counted from 0).
- ``diag`` of a 0-d or 3-d tensor raised ValueError "diag: expected a 1-D or 2-D tensor, got 0-D"; PyTorch's
  RuntimeError "diag(): Supports 1D or 2D tensors. Got 0D".
- ``bernoulli`` said "bernoulli: probabilities must be in [0, 1]" (ValueError) and drew from integer and bool
  probabilities; PyTorch's RuntimeError "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this
  error message be improved?  ...)" (NaN too), NotImplementedError '"bernoulli_tensor_cpu_p_" not implemented for
  'Long'', and for a number p "bernoulli_ expects p to be in [0, 1], but got p=2"; with a number p the draws have
  the input's dtype (int64 for an int64 input; nn gave float32).
- ``randperm(-1)`` was an empty permutation; PyTorch's RuntimeError "Trying to create tensor with negative dimension
  -1: [-1]".
- ``true_divide`` was ``div`` and took ``rounding_mode`` (``true_divide(x, y, rounding_mode='floor')`` floored);
  PyTorch's has none: "true_divide() got an unexpected keyword argument 'rounding_mode'", and the method's
  "true_divide() received an invalid combination of arguments - got (int, rounding_mode=NoneType), but expected one
  of:".
"""
import warnings

import numpy as np
import pytest

import nn
from porting import central_difference, raised

# (call on a library L, PyTorch 2.13's exception type, its message's first line)
BINCOUNT = [
    ("L.bincount(L.tensor([0., 1.]))", "NotImplementedError", "\"bincount_cpu\" not implemented for 'Float'"),
    ("L.bincount(L.tensor([True, False]))", "NotImplementedError", "\"bincount_cpu\" not implemented for 'Bool'"),
    ("L.bincount(L.tensor([[0.5]]))", "NotImplementedError", "\"bincount_cpu\" not implemented for 'Float'"),
    ("L.bincount(L.tensor([0., 1.]), minlength=-1)", "NotImplementedError",
     "\"bincount_cpu\" not implemented for 'Float'"),
    ("L.bincount(L.tensor([0, 1]), minlength=-1)", "RuntimeError", "minlength should be >= 0"),
    ("L.bincount(L.tensor([[0, 1]]), minlength=-1)", "RuntimeError", "minlength should be >= 0"),
    ("L.bincount(L.tensor([0, -1]))", "RuntimeError", "bincount only supports 1-d non-negative integral inputs."),
    ("L.bincount(L.tensor([[0, 1]]))", "RuntimeError", "bincount only supports 1-d non-negative integral inputs."),
    ("L.bincount(L.tensor(3))", "RuntimeError", "bincount only supports 1-d non-negative integral inputs."),
    ("L.bincount(L.tensor([-1]), weights=L.tensor([1., 2.]))", "RuntimeError",
     "bincount only supports 1-d non-negative integral inputs."),
    ("L.bincount(L.tensor([0, 1]), weights=L.tensor([1., 2., 3.]))", "RuntimeError",
     "weights should be 1-d and have the same length as input"),
    ("L.bincount(L.tensor([0, 1]), weights=L.tensor([[1., 2.]]))", "RuntimeError",
     "weights should be 1-d and have the same length as input"),
    ("L.bincount(L.tensor([0, 1]), weights=[1., 2.])", "TypeError",
     "bincount(): argument 'weights' must be Tensor, not list"),
    ("L.bincount(L.tensor([0, 1]), minlength=2.5)", "TypeError",
     "bincount(): argument 'minlength' must be int, not float"),
]
REPEAT_INTERLEAVE = [
    ("L.tensor([1, 2]).repeat_interleave(L.tensor([1, 2, 3]))", "RuntimeError",
     "repeats must have the same size as input along dim, but got repeats.size(0) = 3 and input.size(0) = 2"),
    ("L.tensor([[1, 2], [3, 4]]).repeat_interleave(L.tensor([1, 2, 3]), dim=1)", "RuntimeError",
     "repeats must have the same size as input along dim, but got repeats.size(0) = 3 and input.size(1) = 2"),
    ("L.tensor([1, 2]).repeat_interleave(L.tensor([-1, 2, 3]))", "RuntimeError",
     "repeats must have the same size as input along dim, but got repeats.size(0) = 3 and input.size(0) = 2"),
    ("L.tensor([1, 2]).repeat_interleave(-1)", "RuntimeError", "Repeats must be non-negative"),
    ("L.tensor([1, 2]).repeat_interleave(L.tensor([-1, 2]))", "RuntimeError", "repeats can not be negative"),
    ("L.tensor([1, 2]).repeat_interleave(L.tensor(-1))", "RuntimeError", "repeats can not be negative"),
    ("L.repeat_interleave(L.tensor([-1, 2]))", "RuntimeError", "repeats can not be negative"),
    ("L.tensor([1, 2]).repeat_interleave(L.tensor([[1, 2]]))", "RuntimeError",
     "repeats must be 0-dim or 1-dim tensor"),
    ("L.repeat_interleave(L.tensor([[1, 2]]))", "RuntimeError", "repeat_interleave only accept 1D vector as repeat"),
    ("L.repeat_interleave(L.tensor(2))", "RuntimeError", "repeat_interleave only accept 1D vector as repeat"),
    ("L.tensor([1, 2]).repeat_interleave(L.tensor([1., 2.]))", "NotImplementedError",
     "\"repeat_interleave_cpu\" not implemented for 'Float'"),
    ("L.tensor([1, 2]).repeat_interleave(L.tensor([True, False]))", "NotImplementedError",
     "\"repeat_interleave_cpu\" not implemented for 'Bool'"),
    ("L.repeat_interleave(L.tensor([1., 2.]))", "NotImplementedError",
     "\"repeat_interleave_cpu\" not implemented for 'Float'"),
]
INDEX_FILL_AND_DIAG = [
    ("L.zeros(4).index_fill_(0, L.tensor([5]), 2.0)", "IndexError",
     "index 5 is out of bounds for dimension 0 with size 4"),
    ("L.zeros(4).index_fill_(0, L.tensor([-5]), 2.0)", "IndexError",
     "index -5 is out of bounds for dimension 0 with size 4"),
    ("L.zeros(2, 3).index_fill_(-1, L.tensor([0, 3]), 2.0)", "IndexError",
     "index 3 is out of bounds for dimension 1 with size 3"),
    ("L.zeros(4).index_fill_(0, L.tensor([1, 7, -9]), 2.0)", "IndexError",
     "index 7 is out of bounds for dimension 0 with size 4"),
    ("L.zeros(4).index_fill_(0, L.tensor(9), 2.0)", "IndexError",
     "index 9 is out of bounds for dimension 0 with size 4"),
    ("L.zeros(2, 3).index_fill(0, L.tensor([2]), L.tensor(1.))", "IndexError",
     "index 2 is out of bounds for dimension 0 with size 2"),
    ("L.zeros(()).index_fill_(0, L.tensor([1]), 2.0)", "IndexError",
     "index 1 is out of bounds for dimension 0 with size 1"),
    ("L.diag(L.tensor(1.))", "RuntimeError", "diag(): Supports 1D or 2D tensors. Got 0D"),
    ("L.zeros(()).diag(1)", "RuntimeError", "diag(): Supports 1D or 2D tensors. Got 0D"),
    ("L.diag(L.zeros(2, 2, 2))", "RuntimeError", "diag(): Supports 1D or 2D tensors. Got 3D"),
]
TRUE_DIVIDE = [
    ("L.true_divide(L.tensor([3]), L.tensor([2]), rounding_mode='floor')", "TypeError",
     "true_divide() got an unexpected keyword argument 'rounding_mode'"),
    ("L.tensor([3]).true_divide(2, rounding_mode=None)", "TypeError",
     "true_divide() received an invalid combination of arguments - got (int, rounding_mode=NoneType), but expected "
     "one of:"),
    ("L.tensor([3.]).true_divide_(2, rounding_mode='floor')", "TypeError",
     "true_divide_() received an invalid combination of arguments - got (int, rounding_mode=str), but expected one "
     "of:"),
]
BERNOULLI_AND_RANDPERM = [
    ("L.bernoulli(L.tensor([-0.5]))", "RuntimeError",
     "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  If so, "
     "please report an enhancement request to PyTorch.)"),
    ("L.bernoulli(L.tensor([float('nan')]))", "RuntimeError",
     "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be improved?  If so, "
     "please report an enhancement request to PyTorch.)"),
    ("L.bernoulli(L.tensor([1]))", "NotImplementedError", "\"bernoulli_tensor_cpu_p_\" not implemented for 'Long'"),
    ("L.bernoulli(L.tensor([True]))", "NotImplementedError", "\"bernoulli_tensor_cpu_p_\" not implemented for 'Bool'"),
    ("L.bernoulli(L.tensor([0.5 + 0j]))", "NotImplementedError",
     "\"bernoulli_tensor_cpu_self_\" not implemented for 'ComplexFloat'"),
    ("L.bernoulli(L.tensor([0.5]), p=2.0)", "RuntimeError", "bernoulli_ expects p to be in [0, 1], but got p=2"),
    ("L.bernoulli(L.tensor([1]), p=-0.5)", "RuntimeError", "bernoulli_ expects p to be in [0, 1], but got p=-0.5"),
    ("L.randperm(-1)", "RuntimeError", "Trying to create tensor with negative dimension -1: [-1]"),
    ("L.randperm(n=-3, dtype=L.float64)", "RuntimeError", "Trying to create tensor with negative dimension -3: [-3]"),
]
REFUSALS = BINCOUNT + REPEAT_INTERLEAVE + INDEX_FILL_AND_DIAG + TRUE_DIVIDE + BERNOULLI_AND_RANDPERM


@pytest.mark.parametrize("call, error, words", REFUSALS, ids=[c for c, _, _ in REFUSALS])
def test_refusals_in_pytorchs_order_and_words(call, error, words):
    name, message = raised(lambda: eval(call, {"L": nn}))
    assert (name, message.splitlines()[0]) == (error, words)


def test_bincount_and_repeat_interleave_values_kept():
    # PyTorch 2.13: counts are int64; float32 weights sum in float32, any other weights in float64 (complex ones by
    # their real part, with the copy kernel's warning); int32 and int8 inputs and counts are taken
    out = nn.bincount(nn.tensor([0, 2, 2], dtype=nn.int32), minlength=4)
    assert (out.dtype, out.tolist()) == (nn.int64, [1, 0, 2, 0])
    out = nn.bincount(nn.tensor([0, 1, 1]), weights=nn.tensor([1., 2., 3.], dtype=nn.float32))
    assert (out.dtype, out.tolist()) == (nn.float32, [1.0, 5.0])
    out = nn.bincount(nn.tensor([0, 1], dtype=nn.int8), weights=nn.tensor([True, False]))
    assert (out.dtype, out.tolist()) == (nn.float64, [1.0, 0.0])
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        out = nn.bincount(nn.tensor([0, 1]), weights=nn.tensor([1 + 1j, 2]))
    assert (out.dtype, out.tolist()) == (nn.float64, [1.0, 2.0])
    assert nn.bincount(nn.tensor([], dtype=nn.int64)).tolist() == []
    # TabM's compute_loss: target.repeat_interleave(k), and counts of int32, and one count for every element
    assert nn.tensor([[1, 2]]).repeat_interleave(2).tolist() == [1, 1, 2, 2]
    assert nn.tensor([1, 2]).repeat_interleave(nn.tensor([1, 2], dtype=nn.int32)).tolist() == [1, 2, 2]
    assert nn.tensor([1, 2]).repeat_interleave(nn.tensor([2])).tolist() == [1, 1, 2, 2]
    assert nn.repeat_interleave(nn.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    assert nn.zeros(4).index_fill_(0, nn.tensor([-4, 3]), 2.0).tolist() == [2.0, 0.0, 0.0, 2.0]


def test_bernoulli_of_a_number_p_keeps_the_inputs_dtype():
    # PyTorch 2.13: bernoulli(input, p) is empty_like(input).bernoulli_(p): an int64 input gives int64 draws
    out = nn.bernoulli(nn.tensor([1, 1, 1]), p=1.0)
    assert (out.dtype, out.tolist()) == (nn.int64, [1, 1, 1])
    out = nn.bernoulli(nn.zeros(2, dtype=nn.float64), p=0.0)
    assert (out.dtype, out.tolist()) == (nn.float64, [0.0, 0.0])
    out = nn.bernoulli(nn.tensor([0., 1.]))
    assert (out.dtype, out.tolist()) == (nn.float32, [0.0, 1.0])


def test_true_divide_is_division_with_out_and_gradients():
    # PyTorch 2.13: true_divide(input, other, *, out=None) is input / other (integers give the default float dtype)
    x = nn.tensor([3, 4])
    assert nn.true_divide(x, 2).tolist() == [1.5, 2.0] and nn.true_divide(x, other=2).dtype == nn.float32
    out = nn.empty(2)
    assert nn.true_divide(x, nn.tensor([2., 8.]), out=out) is out and out.tolist() == [1.5, 0.5]
    with pytest.raises(TypeError, match="unexpected keyword argument 'rounding_mode'"):
        nn.true_divide(x, 2, rounding_mode="trunc")
    # its gradients, d(a / b) = da / b - a db / b^2, against central differences in float64
    rs = np.random.RandomState(0)
    a0, b0 = rs.randn(3, 2), rs.rand(2) + 0.5
    w = rs.randn(3, 2)
    a, b = nn.tensor(a0, requires_grad=True), nn.tensor(b0, requires_grad=True)
    (nn.true_divide(a, b) * nn.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), central_difference(lambda v: (v / b0 * w).sum(), a0), rtol=1e-8)
    np.testing.assert_allclose(b.grad.numpy(), central_difference(lambda v: (a0 / v * w).sum(), b0), rtol=1e-8)
    y = nn.tensor([3.])
    assert y.true_divide_(2) is y and y.tolist() == [1.5]


def test_refusals_against_pytorch():
    torch = pytest.importorskip("torch")
    for call, _, _ in REFUSALS:
        theirs, ours = raised(lambda: eval(call, {"L": torch})), raised(lambda: eval(call, {"L": nn}))
        assert (ours[0], ours[1].splitlines()[0]) == (theirs[0], theirs[1].splitlines()[0]), call
    rs = np.random.RandomState(1)
    for n in (0, 1, 5, 40):
        x, w = rs.randint(0, 6, n), rs.randn(n)
        for kw in ({}, {"minlength": 8}):
            np.testing.assert_array_equal(nn.bincount(nn.tensor(x), **kw).numpy(),
                                          torch.bincount(torch.tensor(x), **kw).numpy())
            np.testing.assert_allclose(nn.bincount(nn.tensor(x), nn.tensor(w), **kw).numpy(),
                                       torch.bincount(torch.tensor(x), torch.tensor(w), **kw).numpy(), rtol=1e-15)
        counts = rs.randint(0, 3, n)
        np.testing.assert_array_equal(nn.tensor(w).repeat_interleave(nn.tensor(counts)).numpy(),
                                      torch.tensor(w).repeat_interleave(torch.tensor(counts)).numpy())
