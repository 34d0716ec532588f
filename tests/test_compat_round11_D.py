"""Round 11, area D: tabular and recommender-system code (DLRM, DeepFM, DCN-v2, xDeepFM, AutoInt, TabNet,
FT-Transformer, SAINT, two-tower retrieval, SASRec, BERT4Rec, GRU4Rec, DIN / DIEN, MMoE, LightGCN and their
training scaffolding), ported by the porting rule. Each test pins a behaviour that differed from PyTorch's
before this round's fixes; the values asserted are PyTorch 2.13's."""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def test_slice_bounds_are_read_when_indexing_not_at_backward():
    """DeepCTR-Torch's DynamicGRU (DIEN's AUGRU) walks a PackedSequence's batch_sizes with
    `outputs[begin:begin + batch] = new_hx; begin += batch`: begin becomes a 0-d Tensor after the first step and
    `+=` then changes it in place. PyTorch reads the bounds when indexing; the backward used the changed ones."""
    x = nn.zeros(6, 4, dtype=nn.float64)
    v = nn.ones(3, 4, dtype=nn.float64, requires_grad=True)
    b = nn.tensor(1)
    x[b:b + 3] = v * 2
    b += 2
    x.sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), np.full((3, 4), 2.0))

    w = nn.arange(6.0, dtype=nn.float64).requires_grad_()
    begin = nn.tensor(2)
    y = w[begin:begin + 2]
    begin += 3
    (y * nn.tensor([1.0, 10.0], dtype=nn.float64)).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [0, 0, 1, 10, 0, 0])


def test_zero_dim_integer_tensor_index_is_a_view():
    """x[torch.tensor(1)] is a basic index in PyTorch (an integer): the result is a view of x."""
    x = nn.zeros(3, 2)
    y = x[nn.tensor(1)]
    assert y.shape == (2,)
    y.add_(10)
    np.testing.assert_array_equal(x.numpy(), [[0, 0], [10, 10], [0, 0]])
    w = nn.zeros(3, 2, dtype=nn.float64, requires_grad=True)
    z = w * 1
    z[nn.tensor(1)].mul_(3)
    z.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1, 1], [3, 3], [1, 1]])
    m = nn.zeros(3, 2)
    m[nn.tensor(2)] = 7.0
    np.testing.assert_array_equal(m.numpy(), [[0, 0], [0, 0], [7, 7]])
    with warnings.catch_warnings():                     # a 0-d uint8 tensor stays a mask (True / False), as
        warnings.simplefilter("error")                  # PyTorch's, which gives it no deprecation warning
        assert x[nn.tensor(1, dtype=nn.uint8)].shape == (1, 3, 2)


def test_parameter_dict_from_a_plain_dict_sorts_its_keys():
    """NGCF builds `nn.ParameterDict({'user_emb': ..., 'item_emb': ...})`: PyTorch's update() sorts a plain dict's
    keys (an OrderedDict, a ParameterDict or a list of pairs keeps its order), so parameters(), state_dict() and a
    saved optimizer's parameter numbering start with item_emb."""
    from collections import OrderedDict
    p = {name: nn.Parameter(nn.zeros(1)) for name in ("user_emb", "item_emb", "W_gc_0", "b_gc_0")}
    d = nn.ParameterDict(p)
    assert list(d.keys()) == ["W_gc_0", "b_gc_0", "item_emb", "user_emb"]
    assert [n for n, _ in d.named_parameters()] == ["W_gc_0", "b_gc_0", "item_emb", "user_emb"]
    assert next(iter(d.parameters())) is p["W_gc_0"]
    grown = nn.ParameterDict()
    grown.update({"w2": nn.Parameter(nn.zeros(1)), "w1": nn.Parameter(nn.zeros(1))})
    grown.update({"a": nn.Parameter(nn.zeros(1))})
    assert list(grown.keys()) == ["w1", "w2", "a"]
    assert list(nn.ParameterDict(OrderedDict(b=p["user_emb"], a=p["item_emb"])).keys()) == ["b", "a"]
    assert list(nn.ParameterDict([("b", p["user_emb"]), ("a", p["item_emb"])]).keys()) == ["b", "a"]
    assert list(nn.ParameterDict(d).keys()) == list(d.keys())
    assert list(d.copy().keys()) == list(d.keys())


def test_binary_cross_entropy_refuses_a_target_outside_0_1():
    """PyTorch: 'all elements of target should be between 0 and 1' (a click count passed as a label); nn computed
    a loss from it."""
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        F.binary_cross_entropy(nn.tensor([0.5, 0.2]), nn.tensor([2.0, 0.0]))
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        nn.BCELoss()(nn.tensor([0.5, 0.2]), nn.tensor([1.0, -0.5]))
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        F.binary_cross_entropy(nn.tensor([0.5, 0.2]), nn.tensor([float("nan"), 0.0]))
    loss = F.binary_cross_entropy(nn.tensor([0.5, 0.2], dtype=nn.float64), nn.tensor([1.0, 0.0], dtype=nn.float64))
    np.testing.assert_allclose(loss.item(), -(np.log(0.5) + np.log(0.8)) / 2, rtol=1e-15)
    # soft labels in [0, 1] stay accepted; with_logits takes any target, as PyTorch's
    F.binary_cross_entropy(nn.tensor([0.5, 0.2]), nn.tensor([0.3, 1.0]))
    F.binary_cross_entropy_with_logits(nn.tensor([0.5, 0.2]), nn.tensor([2.0, -1.0]))


def test_layout_names_and_sparse_addmm():
    """Graph code asks `adj.layout == torch.sparse_coo`, `x.layout == torch.strided`, `adj.is_coalesced()`, and
    calls torch.sparse.addmm: every nn tensor is strided (a sparse one is its dense stand-in)."""
    x = nn.tensor([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]], dtype=nn.float64)
    assert x.layout == nn.strided and x.layout != nn.sparse_coo
    assert isinstance(nn.sparse_coo, nn.layout) and repr(nn.strided) == "nn.strided"
    assert x.to_sparse().coalesce().is_coalesced()
    b = nn.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=nn.float64, requires_grad=True)
    c = nn.ones(2, 2, dtype=nn.float64)
    out = nn.sparse.addmm(c, x.to_sparse(), b, beta=0.5, alpha=2.0)
    np.testing.assert_allclose(out.detach().numpy(), 0.5 + 2.0 * (x.numpy() @ b.detach().numpy()))
    out.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), 2.0 * x.numpy().T @ np.ones((2, 2)))
