"""hamburger-pytorch 0.0.3 (matrix-decomposition attention by NMF), bottleneck-transformer-pytorch 0.1.4 (BoTNet
stacks with relative and absolute position logits), point-transformer-pytorch 0.1.5 (point-cloud attention over k
nearest neighbours, with masks) and focal-loss-torch 0.1.2 (their wheels, without dependencies, in a private folder;
einops 0.8.2 beside them) ported file by file by the porting rule (hamburger_pytorch -> hamburger_pytorchp,
bottleneck_transformer_pytorch -> bottleneck_transformer_pytorchp, point_transformer_pytorch ->
point_transformer_pytorchp, focal_loss -> focal_lossp in their own import lines; nothing else changed) and run
against the originals on PyTorch 2.13 in one process (round 46, area F). PyTorch's initial weights, perturbed
(N(0, 0.2^2) added; the NMF bases and codes scaled by U(0.5, 1.5) to stay positive), loaded by ``state_dict``; the
same NumPy inputs; no package draws at run time (its only draws are initial weights). Float64, float32 spot checks,
each model trained 3 steps with Adam, AdamW and SGD (momentum, Nesterov), comparing outputs, input and parameter
gradients (through a random projection of the output) and the state dicts after the steps.

- Hamburger: ``Hamburger`` with inner_dim None / wider / narrower, ratio 1-8 (and a rank of 0), K 0-8 (the
  one-step gradient: the NMF factors get gradients only for K = 1), 3-d, 4-d and 5-d inputs, an all-negative input,
  an empty batch. Float64: outputs 5.5e-16, input gradients 9.9e-16, parameter gradients 8.2e-16, weights after 3
  steps 2.8e-16; float32 4.5e-7 / 4.4e-7 / 5.3e-7 / 2.3e-7.
- BottleStack and BottleBlock: downsample on and off, rel_pos_emb on and off, 1-3 layers, square and non-square
  fmap_size, heads 1-3, proj_factor 1-4, ReLU / GELU / SiLU / LeakyReLU, train and eval mode, and the README's
  BoTNet (a ResNet stem, the stack, adaptive pooling, a Linear head) under cross-entropy and SGD with weight decay.
  Float64: outputs 5.5e-14, input gradients 9.0e-14, parameter gradients 3.3e-13, state dicts (running statistics
  too) 1.3e-13 after 3 steps. This is BatchNorm over small batches and conditioned so: at the first step, PyTorch
  against itself with its input and weights disturbed by an ulp differs by up to 4.6e-14 per gradient (nn: up to
  1.1e-14), and over 3 SGD steps by 1.8e-14 (nn 6.4e-14). Float32: outputs 1.2e-5, gradients 8.7e-5, weights
  4.1e-5, against 1.9e-5 for PyTorch against itself with its float32 input disturbed by an ulp.
- PointTransformerLayer and MultiheadPointTransformerLayer: dim, heads, dim_head, pos_mlp_hidden_dim,
  attn_mlp_hidden_mult, num_neighbors None / below n / above n / 0, no mask, a random bool mask, a batch element
  with every point masked, an all-True mask, positions with and without gradients, duplicate points (tied
  distances in ``topk``), one point, no points. Float64 with SGD: outputs 9.2e-16, input gradients 1.4e-15,
  position gradients 6.5e-16, parameter gradients 9.4e-16. With Adam: attn_mlp's last bias (the softmax runs over
  the neighbours, so a bias constant over them has an exact gradient of 0) and the hidden units active at every
  neighbour of a point have gradients of 1e-16 noise on both sides, which Adam's first step turns into lr * g / (|g|
  + eps): outputs differ by up to 5.7e-11 after 3 steps, PyTorch against itself with an input disturbed by an ulp by
  2.5e-11. Float32: 4e-7 with SGD; with Adam the same noise is above eps and moves those weights by a whole step on
  both sides (PyTorch against itself 1.6e-2).
- FocalLoss: gamma 0, 0.5, 1, 2, 5 (and -1), weights None or per class (float32 weights with float64
  probabilities, as the README's ``torch.FloatTensor``, and integer weights), ignore_index -100 / -1 / a class /
  every target, reduction mean / sum / none, binary 1-d probabilities, (N, C), (B, T, C) and (B, H, W, C), a
  probability of exactly 1 or 0 for the target (eps 1e-16 and 0), empty inputs; the gradient to the logits through
  softmax / sigmoid. Float64: losses 8.4e-16, gradients 8.8e-16; float32: 4.5e-7 / 3.9e-7; dtypes equal; the
  package's own errors (probabilities outside [0, 1], an unknown reduction, weights that are no Tensor) and
  ``one_hot``'s (an int32 / uint8 / int16 target, a class out of range, a negative class) equal.

Still different (not fixed): ``Tensor.view`` of a layout that cannot be viewed reshapes in nn where PyTorch raises
"view size is not compatible with input tensor's size and stride ..." (the known note: nn's layouts are NumPy's):
FocalLoss given ``softmax(logits, 1).permute(0, 2, 3, 1)`` (or a transposed target) fails on PyTorch and returns a
loss on nn. Shape errors (``mat1 and mat2 shapes cannot be multiplied``, a broadcast of a wrong mask, a kernel
larger than an empty neighbour set) are nn's ShapeError, a RuntimeError, where PyTorch names RuntimeError. A
convolution of an integer input or weight keeps nn's TypeError (known). float16 / bfloat16 probabilities: nn has
no such dtypes. topk / kthvalue given a float *tensor* as k keep nn's words ("topk: k must be an int (or an integer
tensor with one element), got tensor(2.)") where PyTorch's parser says "must be int, not Tensor" (the parser's
int check takes every Tensor, as ``max(a, b)`` needs a tensor in dim's place), a dim given as a 1-d tensor of one
element is taken where PyTorch refuses it, and the functions' forms count positions as the methods do (as every
function nn's parser checks; "(position 1)" where PyTorch says "(position 2)").

The failures of nn these tests pin down (the packages are not imported here):

- point-transformer picks neighbours by ``rel_dist.topk(num_neighbors, largest = False)``; given a float count
  (``num_neighbors = 2.0``, or one computed by division) nn refused it in its own words ("topk: k must be an int
  (or an integer tensor with one element), got 2.0") where PyTorch's parser says "topk(): argument 'k' (position 1)
  must be int, not float"; and so for a bool, None, a str, a list or a NumPy float, by position and by keyword (no
  position then).
- ``kthvalue`` given such a k computed (``x.kthvalue(2.0)``, ``x.kthvalue(True)``, ``x.kthvalue(np.float64(2))``
  returned values) or failed in Python's words ("'<=' not supported between instances of 'int' and 'NoneType'")
  where PyTorch raises its parser's TypeError; and given an integer tensor of one element as k
  (``x.kthvalue(torch.tensor([2]))``, which PyTorch takes) it raised "Index tensor must have the same number of
  dimensions as input tensor".
"""
import numpy as np
import pytest

import nn

from porting import raised


X = np.array([[3.0, 1.0, 2.0, 0.5], [0.0, -1.0, 4.0, 2.5], [7.0, 6.0, -2.0, 1.0]])

# (k, the type name PyTorch's parser gives it)
NOT_INTS = [(2.0, "float"), (True, "bool"), (None, "NoneType"), ("2", "str"), ([2], "list"),
            (np.float64(2.0), "numpy.float64")]


@pytest.mark.parametrize("k, name", NOT_INTS)
def test_topk_refuses_a_k_that_is_no_int_in_the_parsers_words(k, name):
    x = nn.tensor(X)
    assert raised(lambda: x.topk(k)) == ("TypeError", f"topk(): argument 'k' (position 1) must be int, not {name}")
    assert raised(lambda: x.topk(k, largest=False)) == \
        ("TypeError", f"topk(): argument 'k' (position 1) must be int, not {name}")
    assert raised(lambda: x.topk(k=k)) == ("TypeError", f"topk(): argument 'k' must be int, not {name}")
    assert raised(lambda: nn.topk(x, k=k)) == ("TypeError", f"topk(): argument 'k' must be int, not {name}")
    assert raised(lambda: x.topk(2, k)) == \
        ("TypeError", f"topk(): argument 'dim' (position 2) must be int, not {name}")


@pytest.mark.parametrize("k, name", NOT_INTS)
def test_kthvalue_refuses_a_k_that_is_no_int(k, name):
    x = nn.tensor(X)
    assert raised(lambda: x.kthvalue(k)) == \
        ("TypeError", f"kthvalue(): argument 'k' (position 1) must be int, not {name}")
    assert raised(lambda: x.kthvalue(k=k, dim=0)) == ("TypeError", f"kthvalue(): argument 'k' must be int, not {name}")
    assert raised(lambda: nn.kthvalue(x, k=k)) == ("TypeError", f"kthvalue(): argument 'k' must be int, not {name}")


def test_kthvalue_takes_an_integer_tensor_of_one_element_as_k():
    # PyTorch reads k through __index__: tensor([2]) and tensor(2) are the int 2 (the second smallest of each row)
    x = nn.tensor(X, requires_grad=True)
    for k in (nn.tensor([2]), nn.tensor(2), np.int64(2)):
        values, indices = x.kthvalue(k)
        assert values.tolist() == [1.0, 0.0, 1.0] and indices.tolist() == [1, 0, 3]
    values.sum().backward()
    assert x.grad.tolist() == [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]
    values, indices = nn.kthvalue(x, nn.tensor([3]), 0, keepdim=True)
    assert values.tolist() == [[7.0, 6.0, 4.0, 2.5]] and indices.tolist() == [[2, 2, 1, 1]]


def test_point_transformer_neighbours_counted_by_a_float():
    # point-transformer-pytorch 0.1.5, PointTransformerLayer.forward: the k nearest points of each point (itself
    # first, at distance 0) by topk of the pairwise distances, smallest first
    pos = nn.tensor([[[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 0.5]]])
    rel_pos = pos[:, :, None, :] - pos[:, None, :, :]
    rel_dist = rel_pos.norm(dim=-1)
    dist, indices = rel_dist.topk(2, largest=False)
    assert indices.tolist() == [[[0, 3], [1, 0], [2, 0], [3, 0]]]
    assert dist.tolist() == [[[0.0, 0.5], [0.0, 1.0], [0.0, 3.0], [0.0, 0.5]]]
    num_neighbors = 4 / 2       # a count computed by division is a float
    assert raised(lambda: rel_dist.topk(num_neighbors, largest=False)) == \
        ("TypeError", "topk(): argument 'k' (position 1) must be int, not float")


def test_topk_and_kthvalue_argument_grid_against_pytorch():
    torch = pytest.importorskip("torch")
    values = [2.0, True, None, "2", [2], np.float64(2.0), np.int64(2), 2, (lambda lib: lib.tensor(2)),
              (lambda lib: lib.tensor([2]))]       # (a float tensor or several elements: nn's words, left)

    def outcome(lib, op, form, k):
        k = k(lib) if callable(k) else k
        x = lib.tensor(X)
        try:
            if form == "method":
                result = getattr(x, op)(k)
            elif form == "keyword":
                result = getattr(x, op)(k=k, dim=0)
            else:
                result = getattr(lib, op)(x, k=k)
        except Exception as e:  # noqa: BLE001 - the point is which one
            return type(e).__name__, str(e).split("\n")[0]
        return [r.tolist() for r in result]

    for op in ("topk", "kthvalue"):
        for form in ("method", "keyword", "function by keyword"):
            for k in values:
                assert outcome(nn, op, form, k) == outcome(torch, op, form, k), (op, form, k)
