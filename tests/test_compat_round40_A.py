"""lucidrains' AlphaFold3 from the package registry, ported by the porting rule and run against the original on
PyTorch 2.13 in float64 from PyTorch's weights with the same inputs and draws (round 40, area A):
alphafold3-pytorch 0.8.3 (the whole network: input embedder, template embedder, MSA module, pairformer stack,
diffusion module with its atom attention encoder / decoder, the elucidated diffusion loss with the smooth LDDT and
bond losses, weighted rigid align, multi-chain permutation alignment, centre / random augmentation, distogram and
confidence heads, the ranking and model-selection scores; sampling; Adam steps), with colt5-attention 0.11.2,
taylor-series-linear-attention 0.2.0, frame-averaging-pytorch 0.1.2, torch-einops-utils 0.2.0, local-attention
1.11.2, rotary-embedding-torch 0.9.1 and hyper-connections 0.4.11 ported too (each renamed so that both copies load
side by side; `randn`, `rand`, `randn_like`, `randperm`, `randint` and the dropout masks fed to both sides from
one NumPy stream; rdkit, gemmi, polars and the hub / CLI packages were name-only stand-ins on both sides).

Outputs, gradients, samples and weights after Adam steps agree to rounding; the one difference was nn's:

- ``topk`` among equal values. PyTorch's CPU kernel orders (value, index) pairs by libstdc++'s nth_element / sort
  (or partial_sort when k * 64 <= n), comparing values only, so which of several equal values it returns, and in
  which order, is that algorithm's; nn took the stable sort's first k (ties by position). colt5's coordinate-descent
  router ends with ``scores.topk(num_tokens)`` on scores that are exactly 1.0 for more tokens than it routes, so nn
  routed other tokens (the token transformer's samples 1e-4 apart); AlphaFold3's ``get_indices_three_closest_atom_pos``
  takes ``(-dist).topk(2)`` where masked atoms are all at 1e4 (other frames for padded atoms). ``topk(sorted=False)``
  returned sorted values where PyTorch returns nth_element's order. nn now follows the same algorithms
  (nn/kernels/select.py) whenever the values deciding the top k are tied, or sorted=False.
"""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.kernels import select


def idx(x, k, **kw):
    return nn.topk(nn.tensor(x), k, **kw).indices.tolist()


# ---- topk among ties: PyTorch's order ------------------------------------------------------------------------

def test_topk_of_tied_values_takes_pytorchs_indices():
    # (PyTorch 2.13's indices, stated by hand; nn returned the first positions: [0, 1, 2], ...)
    assert idx([1., 1., 1., 1., .5], 3) == [1, 3, 2]
    assert idx([1., 1., 1., 1., .5], 3, largest=False) == [4, 2, 3]
    assert idx([.5, 1., 1., .2, 1., 1.], 3) == [1, 5, 4]
    assert idx([.5, 1., 1., .2, 1., 1.], 3, largest=False) == [3, 0, 4]
    assert idx([1.] * 10, 3) == [8, 6, 7]
    assert idx([0.] * 3 + [1.] * 3 + [0.] * 3, 3) == [3, 5, 4]
    assert idx([0.] * 3 + [1.] * 3 + [0.] * 3, 3, largest=False) == [7, 6, 1]
    assert nn.topk(nn.ones(2, 40), 5).indices.tolist() == [[28, 26, 27, 25, 29]] * 2
    # NaN ranks first (largest) and last (smallest); two NaN are tied too
    nan = float("nan")
    assert idx([1., nan, 1., nan, 2., 1.], 3) == [1, 3, 4]
    assert idx([1., nan, 1., nan, 2., 1.], 5, largest=False) == [5, 0, 2, 4, 3]
    # along another dim, integers
    x = [[0, 2, 2, 1], [3, 3, 3, 3], [1, 0, 1, 0]]
    assert idx(x, 2, dim=0) == [[1, 1, 1, 1], [2, 0, 0, 0]]
    assert idx(x, 3, dim=1, largest=False) == [[0, 3, 2], [2, 3, 0], [1, 3, 2]]
    # k * 64 <= n: partial_sort (a heap) rather than nth_element
    assert nn.topk(nn.ones(128), 2).indices.tolist() == [0, 1]
    assert nn.topk(nn.ones(130, dtype=nn.int32), 2, largest=False).indices.tolist() == [0, 1]


def test_topk_of_ties_beyond_sixteen_and_unsorted_follow_introsort():
    x = (nn.arange(300.) % 5)
    # nth_element, then std::sort of the first k - 1 (introsort above 16 elements, then insertion sort)
    assert x.topk(40).indices.tolist()[:12] == [169, 104, 109, 244, 149, 209, 179, 174, 214, 184, 249, 164]
    assert x.topk(40).indices.tolist()[-4:] == [94, 99, 204, 189]
    # sorted=False: nth_element's arrangement, as PyTorch (nn sorted them)
    assert x.topk(40, sorted=False).indices.tolist()[:10] == [114, 49, 274, 54, 59, 269, 64, 69, 194, 264]
    y = nn.tensor([5., 1., 4., 2., 3., 9., 0., 7.])
    assert y.topk(5, sorted=False).indices.tolist() == [0, 7, 5, 2, 4]
    assert y.topk(8, sorted=False).indices.tolist() == [4, 7, 2, 5, 0, 3, 1, 6]
    # the values are those indices' values; without ties the order is the values' (the sort's first k)
    v, i = x.topk(40, sorted=False)
    assert np.array_equal(v.numpy(), x.numpy()[i.numpy()])
    r = nn.tensor(np.random.default_rng(0).permutation(50).astype(float))
    assert r.topk(7).indices.tolist() == np.argsort(-r.numpy())[:7].tolist()


def test_topk_kernel_twin_matches_the_python_path():
    """The compiled kernel's body _topk_rows runs on arrays; its Python form (no compilation here) gives the list
    path's indices on rows of every kind of tie (keys: each value's rank, equal values sharing one)."""
    g = np.random.default_rng(3)
    keys = g.integers(0, 4, (6, 300))
    keys[1] = g.integers(0, 2, 300)
    for k, srt in ((1, True), (4, True), (37, True), (200, False), (300, True)):
        assert np.array_equal(select._topk_rows(keys, k, srt), select.topk_rows(keys, k, srt))


def test_topk_ties_with_gradients_reach_pytorchs_elements():
    x = nn.tensor([[1., 1., 1., 1., .5]], requires_grad=True)
    v, i = x.topk(3)
    (v * nn.tensor([[1., 2., 3.]])).sum().backward()
    assert i.tolist() == [[1, 3, 2]] and i.dtype == nn.int64
    assert x.grad.tolist() == [[0., 1., 3., 2., 0.]]


def test_alphafold3_frames_and_colt5_routing_pick_pytorchs_ties():
    # alphafold3_pytorch.utils.model_utils.get_indices_three_closest_atom_pos, its masked atoms at 1e4
    pos = nn.tensor([[0., 0, 0], [1, 0, 0], [0, 2, 0], [5, 5, 5], [9, 9, 9]])
    mask = nn.tensor([True, True, True, False, False])
    dist = nn.cdist(pos, pos)
    dist.masked_fill_(nn.eye(5, dtype=nn.bool), 1e4)
    dist.masked_fill_(~(mask[:, None] & mask[None]), 1e4)
    assert (-dist).topk(2, dim=-1).indices.tolist() == [[1, 2], [0, 2], [0, 1], [2, 4], [2, 4]]   # nn: [0, 1]
    # colt5_attention's CoordinateDescentRouter: scores.topk(num_tokens) of saturated coordinate-descent scores
    s = nn.tensor([[1., .3, 1., 1., .2, 1.]])
    assert s.topk(3, dim=-1).indices.tolist() == [[3, 5, 0]]                                          # nn: [0, 2, 3]


def test_topk_keeps_its_checks():
    # (a pin: these held before the round; the selection must keep them)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        nn.ones(3).topk(4)
    assert nn.ones(0).topk(0).indices.shape == (0,)
    assert nn.tensor(3.).topk(1).indices.tolist() == 0


# ---- what the package leans on elsewhere (kept as PyTorch's) -------------------------------------------------

def test_non_reentrant_checkpoint_recomputes_with_the_first_calls_dropout():
    # alphafold3's `checkpoint = partial(torch.utils.checkpoint.checkpoint, use_reentrant = False)` around
    # dropout layers: the gradient is the forward's mask, and the generator ends where one call leaves it
    from nn.utils.checkpoint import checkpoint
    nn.manual_seed(0)
    x = nn.ones(64, requires_grad=True)
    y = checkpoint(lambda t: F.dropout(t, 0.5) * 3.0, x, use_reentrant=False)
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), y.detach().numpy())
    after = nn.rand(3).tolist()
    nn.manual_seed(0)
    F.dropout(nn.ones(64), 0.5)
    assert nn.rand(3).tolist() == after


# ---- against PyTorch itself, where it is installed -----------------------------------------------------------

def test_topk_ties_against_pytorch():
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(7)
    for t in range(120):
        shape = tuple(int(s) for s in g.integers(1, 9, g.integers(1, 4)))
        dtype = [np.float32, np.float64, np.int64, np.int32, np.uint8][t % 5]
        x = g.integers(0, 3, shape).astype(dtype)
        if t % 7 == 0 and x.dtype.kind == "f":
            x[g.random(shape) < .2] = np.nan
        dim = int(g.integers(-len(shape), len(shape)))
        k = int(g.integers(0, shape[dim] + 1))
        largest, srt = bool(t % 2), bool(t % 3)
        a = torch.topk(torch.tensor(x), k, dim, largest, srt)
        b = nn.topk(nn.tensor(x), k, dim, largest, srt)
        assert np.array_equal(a.indices.numpy(), b.indices.numpy()), (shape, dim, k, largest, srt)
        assert np.array_equal(a.values.numpy(), b.values.numpy(), equal_nan=True)
