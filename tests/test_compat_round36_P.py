"""Text utilities and classic ImageNet architectures from the package registry: pytorch-nlp 0.5.0 (torchnlp) and
Cadene's pretrainedmodels 0.7.4 (both installed with --no-deps), ported by the porting rule (torchnlpp,
pretrainedmodelsp) and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights and its random
draws handed over (dropout masks, bernoulli draws, permutations, multinomial draws): torchnlp's Attention (dot,
general), LockedDropout, WeightDrop / WeightDropLSTM / WeightDropGRU / WeightDropLinear, CNNEncoder, the text and
label encoders, pad_tensor / stack_and_pad_tensors, the samplers, utils, accuracy metrics and random-state
helpers; pretrainedmodels' FBResNet, CaffeResNet, SENet (SE-ResNet, SE-ResNeXt, senet154's SEBottleneck), DPN,
Xception, BNInception, NASNet-A mobile and large, PNASNet-5, PolyNet, InceptionV4 and InceptionResNetV2 (forward in
train and eval, features / logits, gradients, SGD and Adam steps, state-dict round trips).

The failure these tests pin down, in a few lines (the packages are not imported here):

- ``t.squeeze(0)[:l]`` with ``l`` a whole lengths tensor (torchnlp's ``TextEncoder.batch_decode(..., dim=1)``, a
  bug of the package) is PyTorch's TypeError "only integer tensors of a single element can be converted to an
  index" (a Tensor slice bound is read through ``Tensor.__index__``); nn said "a slice index must be an int (or an
  integer tensor with one element), got tensor([7, 5, 5, 2])". ``operator.index(t)`` itself added ", got a nn.int64
  tensor of shape (2,)" to PyTorch's words, and refused a one-element bool tensor, which PyTorch reads as 0 / 1
  (``x[:torch.tensor(True)]`` is ``x[:1]``, ``ModuleList[torch.tensor(True)]`` its item 1, ``range(torch.tensor(
  True))`` is ``range(1)``; as a size it stays refused). Slice bounds are now read by ``operator.index``, as there
  (a test of the eleventh round stated the bool refusal for ModuleList: corrected).
"""
import operator

import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


INDEX_WORDS = "^only integer tensors of a single element can be converted to an index$"


@pytest.mark.parametrize("bound", [[7, 5, 5, 2], 1.5, 2.0, []])
def test_tensor_slice_bound_that_is_no_index_raises_pytorchs_words(bound):
    # PyTorch 2.13: torch.arange(5)[:torch.tensor([7, 5, 5, 2])] (and a float or an empty bound, as start, stop or
    # step) -> TypeError "only integer tensors of a single element can be converted to an index"
    x = nn.arange(5)
    b = nn.tensor(bound, dtype=nn.int64) if bound == [] else nn.tensor(bound)
    for index in [slice(None, b), slice(b, None), slice(None, None, b)]:
        with pytest.raises(TypeError, match=INDEX_WORDS):
            x[index]
    # bounds that are indices still slice: x[torch.tensor(1):torch.tensor([3])] -> [1, 2]; x[::torch.tensor(2)] ->
    # [0, 2, 4]; x[:torch.tensor(3, dtype=torch.uint8)] -> [0, 1, 2]; the gradient of w[1:3].sum() is
    # [0, 1, 1, 0, 0]
    assert _f(x[nn.tensor(1):nn.tensor([3])]).tolist() == [1, 2]
    assert _f(x[::nn.tensor(2)]).tolist() == [0, 2, 4]
    assert _f(x[:nn.tensor(3, dtype=nn.uint8)]).tolist() == [0, 1, 2]
    assert _f(x[:nn.tensor(True)]).tolist() == [0] and _f(x[nn.tensor([True]):]).tolist() == [1, 2, 3, 4]
    w = nn.zeros(5, dtype=nn.float64, requires_grad=True)
    w[nn.tensor(1):nn.tensor(3)].sum().backward()
    assert _f(w.grad).tolist() == [0.0, 1.0, 1.0, 0.0, 0.0]


@pytest.mark.parametrize("value, dtype", [([1, 2], None), (1.5, None), ([], nn.int64), (2.0, nn.float64)])
def test_operator_index_raises_pytorchs_words(value, dtype):
    # PyTorch 2.13: operator.index(torch.tensor([1, 2])) (a float, an empty tensor) -> TypeError "only integer
    # tensors of a single element can be converted to an index", nothing after it
    with pytest.raises(TypeError, match=INDEX_WORDS):
        operator.index(nn.tensor(value, dtype=dtype))


def test_operator_index_reads_a_bool_tensor_as_an_integer():
    # PyTorch 2.13: operator.index(torch.tensor(True)) -> 1, of torch.tensor([False]) -> 0; [1, 2, 3][torch.tensor(
    # True)] -> 2; list(range(torch.tensor(True))) -> [0]; ModuleList([a, b, c])[torch.tensor(True)] is b
    assert operator.index(nn.tensor(True)) == 1 and operator.index(nn.tensor([False])) == 0
    assert [1, 2, 3][nn.tensor(True)] == 2 and list(range(nn.tensor(True))) == [0]
    layers = nn.ModuleList([nn.Identity(), nn.ReLU(), nn.Tanh()])
    assert layers[nn.tensor(True)] is layers[1]
    assert operator.index(nn.tensor([4])) == 4 and type(operator.index(nn.tensor(4))) is int
    # as a size it stays refused (PyTorch: torch.zeros(torch.tensor(True)) is a RuntimeError "Expected
    # scalar.isIntegral(false) to be true"; nn's TypeError), and an int tensor stays a size
    with pytest.raises((TypeError, RuntimeError)):
        nn.zeros(nn.tensor(True))
    assert tuple(nn.zeros(nn.tensor(2), 3).shape) == (2, 3)


def test_slice_and_index_errors_match_torch():
    torch = pytest.importorskip("torch")
    for bound in [[7, 5, 5, 2], 1.5]:
        with pytest.raises(TypeError) as et:
            torch.arange(5)[:torch.tensor(bound)]
        with pytest.raises(TypeError) as en:
            nn.arange(5)[:nn.tensor(bound)]
        assert str(et.value) == str(en.value)
    with pytest.raises(TypeError) as et:
        operator.index(torch.tensor([1, 2]))
    with pytest.raises(TypeError) as en:
        operator.index(nn.tensor([1, 2]))
    assert str(et.value) == str(en.value)
    assert torch.arange(5)[:torch.tensor(True)].tolist() == _f(nn.arange(5)[:nn.tensor(True)]).tolist()
    assert operator.index(torch.tensor(True)) == operator.index(nn.tensor(True))
