"""Molecular property prediction from the package registry: chemprop 2.3.1 (installed with --no-deps, with rdkit;
name-only stand-ins on both sides for cuik_molmaker, descriptastorus, multiprocess, astartes and configargparse),
ported by the porting rule (chempropp, with Lightning and torchmetrics ported beside it) and run against the
original on PyTorch 2.13 in float64 with PyTorch's weights and the same rdkit featurization: bond and atom message
passing (depth, undirected, bias, activations, extra atom / bond features and descriptors, their transforms), the
Mean / Sum / Norm / Attentive aggregations, BatchNorm, every predictor (regression, MVE, evidential, quantile,
binary, multiclass, Dirichlet, spectral) with its criterion and chemprop's metrics, training_step with weights and
NaN targets, Adam with the Noam-like scheduler, the MPNN and the multi-component MPNN fitted by Lightning's
Trainer, the scalers and graph transforms, and state_dicts both ways.

The failure these tests pin down, in a few lines (chemprop is not imported here):

- relu's gradient where its input is NaN: PyTorch's ReLU backward is ``threshold_backward(grad, result, 0)``,
  ``0 where result <= 0, else grad``, so a NaN output passes its gradient on (NaN where the incoming gradient is
  NaN); nn's was ``grad where result > 0, else 0``, a 0 there. chemprop's MulticlassMCCLoss has a NaN gradient
  (its ``x.sqrt()`` under ``torch.where(x == 0, ...)``); after one Adam step the predictor's last Linear was NaN
  and, through the ReLU before it, PyTorch's first Linear bias got a NaN gradient and nn's a finite one, so the
  two trainings parted (8 of 8 bias entries). Now ``0 where y <= 0, else g``, in the Numba kernel, its NumPy
  twin and the create_graph path. (elu, selu, celu, hardtanh and relu6 are left: PyTorch's own answer at a NaN
  input depends on the tensor's length, its vectorised and scalar loops disagreeing.)
- ``F.one_hot`` checks as PyTorch's, in its order and words, all RuntimeError: an index tensor of any dtype but
  int64 ("one_hot is only applicable to index tensor of type LongTensor."; chemprop's
  MulticlassConformalEvaluator one-hot encodes float targets, and nn took int32 / uint8 / int16 and raised
  TypeError for floats), an empty input with num_classes -1 or 0 ("Can not infer total number of classes from
  empty tensor."; nn returned a (0, 0) tensor), a negative value ("Class values must be non-negative.") and a
  value not below num_classes ("Class values must be smaller than num_classes."); nn raised ValueError in its
  own words. An empty input with num_classes > 0 gives (*, num_classes), as before.
"""
import pytest
import numpy as np

import nn
from nn import kernels as K

NAN = float("nan")


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- relu's gradient at a NaN input -------------------------------------------------------------------------------

def test_relu_backward_passes_the_gradient_at_a_nan_input():
    # PyTorch 2.13: x = [nan, -1, 0, 2], gradient [1, nan, nan, 3] -> x.grad = [1, 0, 0, 3]
    for dtype in (nn.float64, nn.float32):
        x = nn.tensor([NAN, -1.0, 0.0, 2.0], dtype=dtype, requires_grad=True)
        y = nn.functional.relu(x)
        assert np.isnan(_f(y)[0])
        y.backward(nn.tensor([1.0, NAN, NAN, 3.0], dtype=dtype))
        np.testing.assert_array_equal(_f(x.grad), [1.0, 0.0, 0.0, 3.0])
        assert x.grad.dtype == dtype


def test_relu_module_inplace_and_create_graph_at_a_nan_input():
    for act in (nn.ReLU(), nn.ReLU(inplace=True), nn.functional.relu, nn.relu):
        x = nn.tensor([NAN, -1.0, 0.0, 2.0], dtype=nn.float64, requires_grad=True)
        act(x.clone()).sum().backward()
        np.testing.assert_array_equal(_f(x.grad), [1.0, 0.0, 0.0, 1.0])
    x = nn.tensor([NAN, -1.0, 0.0, 2.0], dtype=nn.float64, requires_grad=True)
    g, = nn.autograd.grad(nn.relu(x).sum(), x, create_graph=True)      # PyTorch: [1, 0, 0, 1]
    np.testing.assert_array_equal(_f(g), [1.0, 0.0, 0.0, 1.0])


def test_relu_backward_kernel_at_nan_on_the_threaded_path_and_its_numpy_twin():
    n = (1 << 17) + 5                                   # above the kernels' PARALLEL_MIN: split over threads
    y = np.where(np.arange(n) % 3 == 0, np.nan, np.where(np.arange(n) % 3 == 1, 0.0, 1.5))
    g = np.full(n, 2.0)
    expected = np.where(np.arange(n) % 3 == 1, 0.0, 2.0)
    np.testing.assert_array_equal(K.relu_backward(g, y), expected)
    np.testing.assert_array_equal(K.relu_backward_ref(g, y), expected)


def test_a_nan_layer_after_relu_makes_the_earlier_bias_gradient_nan():
    # chemprop's FFN after a NaN Adam step: Linear -> ReLU -> Linear whose weight is NaN. The gradient reaching the
    # ReLU is NaN everywhere; where the first Linear's output is positive or NaN PyTorch passes it on
    first, second = nn.Linear(2, 3).double(), nn.Linear(3, 1).double()
    with nn.no_grad():
        first.weight.copy_(nn.tensor([[1.0, 0.0], [NAN, 0.0], [-1.0, 0.0]], dtype=nn.float64))
        first.bias.zero_()
        second.weight.fill_(NAN)
    x = nn.tensor([[1.0, 2.0]], dtype=nn.float64)
    second(nn.functional.relu(first(x))).sum().backward()
    # hidden = [1, nan, -1]: the positive and the NaN unit pass the NaN gradient on, the negative one gives 0
    b = _f(first.bias.grad)
    assert np.isnan(b[0]) and np.isnan(b[1]) and b[2] == 0.0


# ---- F.one_hot's checks -------------------------------------------------------------------------------------------

def test_one_hot_takes_int64_only_in_pytorchs_words():
    F = nn.functional
    for t in (nn.tensor([1.0, 2.0]), nn.tensor([1, 2], dtype=nn.int32), nn.tensor([1, 2], dtype=nn.uint8),
              nn.tensor([1, 2], dtype=nn.int16), nn.tensor([True, False])):
        with pytest.raises(RuntimeError, match=r"^one_hot is only applicable to index tensor of type LongTensor\.$"):
            F.one_hot(t, 3)
    np.testing.assert_array_equal(_f(F.one_hot(nn.tensor([2, 0]), 3)), [[0, 0, 1], [1, 0, 0]])


def test_one_hot_value_and_empty_checks_in_pytorchs_order_and_words():
    F = nn.functional
    for values, n, message in (([1, -1], 3, "Class values must be non-negative."),
                               ([-1, 5], 3, "Class values must be non-negative."),       # the sign is checked first
                               ([1, 3], 3, "Class values must be smaller than num_classes."),
                               ([1, 2], 0, "Class values must be smaller than num_classes."),
                               ([1, 2], -2, "Class values must be smaller than num_classes.")):
        with pytest.raises(RuntimeError) as info:
            F.one_hot(nn.tensor(values), n)
        assert str(info.value) == message
    for n in (-1, 0):
        with pytest.raises(RuntimeError, match="^Can not infer total number of classes from empty tensor.$"):
            F.one_hot(nn.tensor([], dtype=nn.int64), n)
    empty = F.one_hot(nn.zeros((0, 2), dtype=nn.int64), 4)
    assert empty.shape == (0, 2, 4) and empty.dtype == nn.int64
    assert F.one_hot(nn.tensor(2), 5).tolist() == [0, 0, 1, 0, 0]
