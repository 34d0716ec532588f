"""Round 22, area A: pytorch-tabular 1.2.0 (with pytorch-tabnet 4.1.0 for its TabNet), installed with --no-deps
beside PyTorch Lightning 2.6.6, lightning-fabric, torchmetrics 1.9.0 and omegaconf, ported whole by the porting rule
(pytorch_tabular, pytorch_tabnet, pytorch_lightning, lightning_fabric and torchmetrics renamed in their own import
lines and dotted names) and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights: the model
zoo built by each side's TabularModel from one pandas frame (CategoryEmbedding, GANDALF, GATE, NODE with entmax /
sparsemax / ODST, TabNet, FTTransformer, TabTransformer, AutoInt, DANet, MDN), forward / loss / gradients / optimizer
steps / eval / state_dict both ways, the package's activations and layers directly, TabularModel.fit / predict /
evaluate / save_model / load_model on nn alone (regression and classification), and the DenoisingAutoEncoder's
pretrain / finetune.

The failures these tests pin down (pytorch-tabular is never imported here): TabTransformer's embedding layer makes
``nn.Embedding(continuous_dim, d)`` with no continuous column, an empty table PyTorch makes and nn refused
("num_embeddings must be a positive integer, got 0"); and every classification fit stopped in torchmetrics' micro
accuracy, which sums a 0-d count over ``dim=0`` (``tp = (preds == target).sum(); tp.sum(dim=0)``): PyTorch takes a
0-d tensor as one element along a dim in [-1, 0] for every reduction (sum, mean, var, prod, max / min with indices,
amax, all / any, logsumexp, norm, median, mode, sort, topk, kthvalue, the cumulative ones) and gives a 0-d result,
where nn raised NumPy's AxisError (or IndexError) and its cumsum / cumprod / logcumsumexp gave a 1-element 1-D tensor.
AutoInt with ``deep_layers=True, use_batch_norm=True`` feeds a (B, 5, 16) tensor to ``BatchNorm1d(16)``, refused on
both sides (a package bug), by nn in its own words; PyTorch's are "running_mean should contain 5 elements not 16"
("weight should ..." without running statistics).
"""
import numpy as np
import pytest

import nn


# ---- an empty embedding table


def test_embedding_with_no_rows_or_no_columns_is_an_empty_table():
    # pytorch-tabular's TabTransformer: nn.Embedding(continuous_dim, embedding_dim) with continuous_dim = 0
    e = nn.Embedding(0, 3)
    assert tuple(e.weight.shape) == (0, 3) and e.num_embeddings == 0
    assert repr(e) == "Embedding(0, 3)"
    assert tuple(e(nn.zeros(4, 0, dtype=nn.int64)).shape) == (4, 0, 3)
    assert tuple(nn.Embedding(3, 0)(nn.tensor([1, 2])).shape) == (2, 0)
    assert tuple(nn.EmbeddingBag(0, 3).weight.shape) == (0, 3)
    # its state_dict goes both ways as any other
    holder = nn.ModuleDict({"cont": nn.Embedding(0, 4), "cat": nn.Embedding(5, 4)})
    sd = holder.state_dict()
    assert tuple(sd["cont.weight"].shape) == (0, 4)
    holder.load_state_dict({k: np.zeros(tuple(v.shape)) for k, v in sd.items()})
    # what stays refused: a negative size, a padding row the table does not have
    with pytest.raises(RuntimeError, match=r"^Trying to create tensor with negative dimension -1: \[-1, 3\]$"):
        nn.Embedding(-1, 3)
    with pytest.raises(RuntimeError, match=r"^Trying to create tensor with negative dimension -1: \[3, -1\]$"):
        nn.Embedding(3, -1)
    with pytest.raises(AssertionError, match="^Padding_idx must be within num_embeddings$"):
        nn.Embedding(0, 3, padding_idx=1)
    # (padding_idx 0 passes PyTorch's asserts; filling that row of a table of no rows fails, in PyTorch's words)
    with pytest.raises(IndexError, match="^index 0 is out of bounds for dimension 0 with size 0$"):
        nn.Embedding(0, 3, padding_idx=0)


# ---- BatchNorm with the wrong number of channels: PyTorch's words


def test_batch_norm_with_the_wrong_channels_says_pytorchs_words():
    # pytorch-tabular's AutoInt (deep_layers, use_batch_norm): BatchNorm1d(16) on (B, 5, 16)
    with pytest.raises(RuntimeError, match=r"^running_mean should contain 5 elements not 16$"):
        nn.BatchNorm1d(16)(nn.randn(24, 5, 16))
    with pytest.raises(RuntimeError, match=r"^running_mean should contain 5 elements not 16$"):
        nn.BatchNorm2d(16).eval()(nn.randn(2, 5, 3, 3))
    with pytest.raises(RuntimeError, match=r"^weight should contain 5 elements not 16$"):
        nn.BatchNorm1d(16, track_running_stats=False)(nn.randn(24, 5))


# ---- reductions of a 0-d tensor along dim 0 / -1


def test_torchmetrics_micro_accuracy_sums_a_zero_d_count_over_dim_0():
    preds, target = nn.tensor([0, 2, 1, 1]), nn.tensor([0, 1, 1, 1])
    tp = (preds == target).sum()                   # 0-d
    fn = (preds != target).sum()
    tp, fn = tp.sum(dim=0), fn.sum(dim=0)          # _accuracy_reduce(average="micro")
    assert tp.shape == () and tp.dtype == nn.int64 and int(tp) == 3
    assert float(tp / (tp + fn)) == 0.75


@pytest.mark.parametrize("dim", [0, -1, (0,), [-1], nn.tensor(0)])
def test_reductions_of_a_zero_d_tensor_along_its_one_dim(dim):
    t = nn.tensor(2.5, dtype=nn.float64)
    for name in ["sum", "mean", "prod", "amax", "amin", "nansum", "nanmean", "logsumexp", "norm"]:
        if name == "prod" and isinstance(dim, (tuple, list)):   # PyTorch's prod takes one int dim (a list: its
            continue                                            # parser's TypeError)
        out = t.norm(dim=dim) if name == "norm" else getattr(t, name)(dim)
        assert out.shape == () and out.dtype == nn.float64, name
        assert float(out) == 2.5, name
    for name in ["all", "any"]:
        assert getattr(nn.tensor(True), name)(dim).shape == ()
    i = nn.tensor(5)
    assert i.sum(dim).dtype == nn.int64 and int(i.sum(dim)) == 5
    assert t.sum(dim, keepdim=True).shape == ()              # keepdim keeps no dim a 0-d tensor does not have


def test_value_index_reductions_and_scans_of_a_zero_d_tensor():
    t = nn.tensor(2.5, dtype=nn.float64)
    for name in ["max", "min", "median", "nanmedian", "mode", "sort"]:
        values, indices = getattr(t, name)(0)
        assert values.shape == () and indices.shape == () and float(values) == 2.5 and int(indices) == 0, name
        assert indices.dtype == nn.int64
    for values, indices in [t.topk(1), t.topk(1, 0), t.kthvalue(1, -1)]:
        assert values.shape == () and float(values) == 2.5 and int(indices) == 0
    assert t.argsort(0).shape == () and int(t.argsort(0)) == 0
    for name in ["cumsum", "cumprod", "logcumsumexp"]:                   # nn gave tensor([2.5])
        out = getattr(t, name)(0)
        assert out.shape == () and float(out) == 2.5, name
    assert nn.tensor(3).cumsum(0).dtype == nn.int64 and nn.tensor(3).cumsum(0).shape == ()
    v, m = nn.var_mean(t, 0)
    assert m.shape == v.shape == () and float(m) == 2.5 and np.isnan(float(v))   # one element, correction 1
    assert float(t.var(0, correction=0)) == 0.0 and float(nn.std(t, dim=-1, unbiased=False)) == 0.0


def test_reductions_of_a_zero_d_tensor_give_pytorchs_errors_for_other_dims():
    t = nn.tensor(5)
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)$"):
        t.sum(1)
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of \[-1, 0\], but got -2\)$"):
        nn.amax(t, dim=-2)
    with pytest.raises(RuntimeError, match=r"^dim 0 appears multiple times in the list of dims$"):
        t.sum([0, -1])
    # what was already right stays: no dim, max(a, b) of two 0-d tensors, and other ranks
    assert int(t.sum()) == 5 and float(nn.max(nn.tensor(1.0), nn.tensor(2.0))) == 2.0
    assert nn.tensor([[1, 2]]).sum(-1).tolist() == [3]


def test_gradients_through_reductions_of_a_zero_d_tensor():
    x = nn.tensor(3.0, dtype=nn.float64, requires_grad=True)
    y = ((x * x).sum(0) + x.logsumexp(-1) + x.amax(0) + 2 * x.max(0).values + 3 * x.cumsum(0)
         + nn.sum(input=x, dim=0) + x.topk(1).values + x.norm(dim=0) + x.mean((0,)))
    y.backward()
    # d/dx: 2x + 1 + 1 + 2 + 3 + 1 + 1 + sign(x) + 1 at x = 3
    assert y.shape == () and x.grad.shape == () and float(x.grad) == 17.0


def test_zero_d_reductions_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    for name, args in [("sum", (0,)), ("mean", (-1,)), ("amax", ((0,),)), ("cumsum", (0,)), ("logsumexp", (0,)),
                       ("prod", (0, True)), ("var", (0,))]:
        a = getattr(torch.tensor(2.5, dtype=torch.float64), name)(*args)
        b = getattr(nn.tensor(2.5, dtype=nn.float64), name)(*args)
        assert tuple(a.shape) == tuple(b.shape) == ()
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    a, b = torch.tensor(2.5).max(0), nn.tensor(2.5).max(0)
    assert tuple(a.indices.shape) == tuple(b.indices.shape) == () and int(a.indices) == int(b.indices)
