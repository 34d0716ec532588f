"""Smaller pieces of PyTorch's surface that third-party code leans on: samplers, pad_sequence, parameters as a
vector, Embedding.from_pretrained, ParameterDict, get_submodule / get_parameter, the init functions trunc_normal_,
orthogonal_, eye_, dirac_, unique, cdist, bilinear, the 1-d pools, pads and dropout, Softmax2d and the fixed-mode
upsampling layers; against PyTorch (values and gradients) where it is installed, and by their own properties."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck
from nn.utils.data import (BatchSampler, DataLoader, RandomSampler, SequentialSampler, SubsetRandomSampler,
                           TensorDataset, WeightedRandomSampler)


def test_samplers_and_dataloader():
    ds = TensorDataset(nn.arange(10))
    assert list(SequentialSampler(ds)) == list(range(10))
    nn.manual_seed(0)
    assert sorted(RandomSampler(ds)) == list(range(10))
    drawn = list(RandomSampler(ds, replacement=True, num_samples=25))
    assert len(drawn) == 25 and set(drawn) <= set(range(10))
    counts = np.bincount(list(RandomSampler(ds, num_samples=15)), minlength=10)   # 15 > 10: into a second permutation
    assert counts.sum() == 15 and counts.min() == 1 and counts.max() == 2
    assert sorted(SubsetRandomSampler([1, 3, 5])) == [1, 3, 5]
    counts = np.bincount(list(WeightedRandomSampler([1.0, 0.0, 3.0], 8000)), minlength=3) / 8000
    np.testing.assert_allclose(counts, [0.25, 0.0, 0.75], atol=0.02)
    assert sorted(WeightedRandomSampler([1.0, 0.0, 3.0, 1.0], 3, replacement=False)) == [0, 2, 3]
    batches = list(BatchSampler(SequentialSampler(ds), 4, drop_last=False))
    assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(BatchSampler(range(10), 4, True)) == 2
    got = [b[0].tolist() for b in DataLoader(ds, batch_size=2, sampler=SubsetRandomSampler([2, 4, 6]))]
    assert sorted(sum(got, [])) == [2, 4, 6]
    got = [b[0].tolist() for b in DataLoader(ds, batch_sampler=BatchSampler(range(5), 2, True))]
    assert got == [[0, 1], [2, 3]]
    with pytest.raises(ValueError, match="without replacement"):
        WeightedRandomSampler([1.0, 0.0], 2, replacement=False)


def test_pad_sequence_matches_pytorch_and_passes_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    seqs = [rng.standard_normal((n, 3)) for n in (2, 5, 1)]
    for kw in ({}, {"batch_first": True}, {"padding_value": -1.0}, {"batch_first": True, "padding_side": "left"}):
        mine = nn.utils.rnn.pad_sequence([nn.tensor(s) for s in seqs], **kw).numpy()
        want = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], **kw).numpy()
        np.testing.assert_array_equal(mine, want)
    ts = [nn.tensor(s, requires_grad=True) for s in seqs]
    assert gradcheck(lambda *t: nn.utils.rnn.pad_sequence(t, batch_first=True), ts)


def test_parameters_as_a_vector_and_back():
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    v = nn.utils.parameters_to_vector(model.parameters())
    assert v.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    nn.utils.vector_to_parameters(nn.arange(v.shape[0]).float(), model.parameters())
    np.testing.assert_array_equal(model[0].weight.detach().numpy().ravel(), np.arange(12))
    np.testing.assert_array_equal(model[1].bias.detach().numpy(), [24, 25])
    with pytest.raises(ValueError, match="the parameters 26"):
        nn.utils.vector_to_parameters(nn.zeros(3), model.parameters())


def test_embedding_from_pretrained_parameter_dict_and_lookups():
    table = np.arange(12.0).reshape(4, 3)
    frozen = nn.Embedding.from_pretrained(nn.tensor(table))
    np.testing.assert_array_equal(frozen(nn.tensor([3, 0])).numpy(), table[[3, 0]])
    assert not frozen.weight.requires_grad and nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    pd = nn.ParameterDict({"a": nn.zeros(2), "b": np.ones(3)})
    pd["c"] = nn.Parameter(nn.ones(1))
    assert list(pd.keys()) == ["a", "b", "c"] and "b" in pd and len(pd) == 3
    assert sorted(name for name, _ in pd.named_parameters()) == ["a", "b", "c"]
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    assert model.get_submodule("1.1") is model[1][1] and model.get_submodule("") is model
    assert model.get_parameter("1.1.bias") is model[1][1].bias
    with pytest.raises(AttributeError, match="has no attribute `7`"):
        model.get_submodule("1.7")
    model.register_module("head", nn.Identity())
    assert "head" in dict(model.named_children())


def test_init_functions():
    nn.manual_seed(0)
    w = nn.empty(200, 300)
    nn.init.trunc_normal_(w, mean=0.5, std=1.0, a=-1.0, b=1.5)
    assert w.numpy().min() >= -1.0 and w.numpy().max() <= 1.5 and abs(w.numpy().mean() - 0.4) < 0.05
    q = nn.init.orthogonal_(nn.empty(5, 8), gain=2.0).numpy()
    np.testing.assert_allclose(q @ q.T, 4 * np.eye(5), atol=1e-5)
    q = nn.init.orthogonal_(nn.empty(6, 2, 2)).numpy().reshape(6, 4)
    np.testing.assert_allclose(q.T @ q, np.eye(4), atol=1e-5)
    np.testing.assert_array_equal(nn.init.eye_(nn.empty(2, 3)).numpy(), np.eye(2, 3))
    conv = nn.Conv2d(3, 6, 3, padding=1, bias=False)
    nn.init.dirac_(conv.weight, groups=2)
    x = nn.randn(1, 3, 4, 4)
    y = conv(x).detach().numpy()
    np.testing.assert_allclose(y[0, :3], x.numpy()[0], atol=1e-6)       # group 0 passes channels 0..2
    np.testing.assert_allclose(y[0, 3:], x.numpy()[0], atol=1e-6)       # and group 1 too


def test_unique_cdist_bilinear_match_pytorch():
    torch = pytest.importorskip("torch")
    v = np.array([[3, 1], [2, 3], [3, 1]])
    for kw in ({}, {"return_inverse": True, "return_counts": True}, {"dim": 0, "return_inverse": True}):
        mine, want = nn.unique(nn.tensor(v), **kw), torch.unique(torch.tensor(v), **kw)
        for a, b in zip(mine if isinstance(mine, tuple) else (mine,), want if isinstance(want, tuple) else (want,)):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    rng = np.random.default_rng(1)
    x1, x2 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4, 3))
    w, b = rng.standard_normal((6, 3, 3)), rng.standard_normal(6)
    for p in (1.0, 2.0, 3.5):
        out = []
        for L in (nn, torch):
            a, c = L.tensor(x1, requires_grad=True), L.tensor(x2, requires_grad=True)
            d = L.cdist(a, c, p)
            (d * L.tensor(np.linspace(-1, 1, d.numel()).reshape(tuple(d.shape)))).sum().backward()
            out.append([d.detach().numpy(), np.asarray(a.grad), np.asarray(c.grad)])
        for m, t in zip(*out):
            np.testing.assert_allclose(m, t, rtol=1e-10, atol=1e-12)
    same = nn.tensor(x1[0], requires_grad=True)
    nn.cdist(same, same).sum().backward()                              # zero distances: gradient 0, not NaN
    assert np.all(np.isfinite(same.grad))
    np.testing.assert_allclose(F.bilinear(nn.tensor(x1), nn.tensor(x1 + 1), nn.tensor(w), nn.tensor(b)).numpy(),
                               torch.nn.functional.bilinear(torch.tensor(x1), torch.tensor(x1 + 1), torch.tensor(w),
                                                            torch.tensor(b)).numpy(), rtol=1e-12)
    ts = [nn.tensor(a, requires_grad=True) for a in (x1[0], x1[0] * 2, w, b)]
    assert gradcheck(F.bilinear, ts)
    assert gradcheck(lambda a, c: nn.cdist(a, c, 2.5), [nn.tensor(x1, requires_grad=True), nn.tensor(x2, requires_grad=True)])


def test_layers_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    seq, img = rng.standard_normal((2, 3, 11)), rng.standard_normal((2, 3, 5, 6))
    pairs = [("AdaptiveAvgPool1d", (4,), seq), ("AdaptiveMaxPool1d", (3,), seq[0]), ("ZeroPad1d", ((1, 2),), seq),
             ("ConstantPad1d", (2, -1.5), seq), ("ReflectionPad1d", (3,), seq), ("ReplicationPad1d", ((2, 1),), seq),
             ("Softmax2d", (), img), ("UpsamplingNearest2d", (None, 2), img), ("UpsamplingBilinear2d", ((7, 9),), img)]
    for name, args, x in pairs:
        got = getattr(nn, name)(*args)(nn.tensor(x)).numpy()
        want = getattr(torch.nn, name)(*args)(torch.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=name)
    torch.manual_seed(0)
    theirs = torch.nn.Bilinear(3, 4, 5).double()
    ours = nn.Bilinear(3, 4, 5).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    a, b = rng.standard_normal((6, 3)), rng.standard_normal((6, 4))
    np.testing.assert_allclose(ours(nn.tensor(a), nn.tensor(b)).detach().numpy(),
                               theirs(torch.tensor(a), torch.tensor(b)).detach().numpy(), rtol=1e-12)


def test_dropout1d_zeroes_whole_channels():
    nn.manual_seed(0)
    y = nn.Dropout1d(0.5)(nn.ones(4, 50, 7)).numpy()
    per_channel = y.reshape(200, 7)
    assert np.all((per_channel == 0).all(1) | (per_channel == 2).all(1))
    assert 0.35 < (per_channel[:, 0] == 0).mean() < 0.65
    layer = nn.Dropout1d(0.5)
    layer.eval()
    np.testing.assert_array_equal(layer(nn.ones(3, 4)).numpy(), 1)
