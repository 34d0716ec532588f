"""New functional ops and layers: float64 gradchecks, and PyTorch cross-checks (skipped without torch)
of values and gradients: adaptive pools, softmax family, ELU/GELU/Softplus/SiLU, group/layer norm,
normalize, BatchNorm1d, bilinear align_corners=True, one_hot, embedding, containers, Unflatten, Dropout2d,
SELU/Mish/Hardsigmoid/Hardswish/LogSigmoid/Softmin/PReLU."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn import Tensor
from nn.gradcheck import gradcheck


def t64(*shape, seed=0, requires_grad=True, scale=1.0):
    return nn.tensor(np.random.default_rng(seed).uniform(-1, 1, size=shape) * scale, requires_grad=requires_grad)


def distinct(*shape, seed=0):
    n = int(np.prod(shape))
    return nn.tensor((np.random.default_rng(seed).permutation(n) * 0.05 - n * 0.025 + 0.013).reshape(shape), requires_grad=True)


# (our op, torch op, input shapes, extra) — float64, ties avoided
OPS = [
    ("adaptive_avg_pool2d 1x1", lambda x: F.adaptive_avg_pool2d(x, 1), lambda T, x: T.adaptive_avg_pool2d(x, 1), [(2, 3, 5, 4)]),
    ("adaptive_avg_pool2d 3x2", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), lambda T, x: T.adaptive_avg_pool2d(x, (3, 2)), [(2, 2, 7, 5)]),
    ("adaptive_avg_pool2d tile", lambda x: F.adaptive_avg_pool2d(x, (2, None)), lambda T, x: T.adaptive_avg_pool2d(x, (2, None)), [(1, 2, 4, 3)]),
    ("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (3, 2)), lambda T, x: T.adaptive_max_pool2d(x, (3, 2)), [(2, 2, 7, 5)]),
    ("softmax", lambda x: F.softmax(x, dim=1), lambda T, x: T.softmax(x, dim=1), [(3, 4, 2)]),
    ("log_softmax", lambda x: F.log_softmax(x, dim=-1), lambda T, x: T.log_softmax(x, dim=-1), [(3, 4)]),
    ("elu", lambda x: F.elu(x, 0.7), lambda T, x: T.elu(x, 0.7), [(3, 4)]),
    ("gelu", F.gelu, lambda T, x: T.gelu(x), [(3, 4)]),
    ("gelu tanh", lambda x: F.gelu(x, approximate="tanh"), lambda T, x: T.gelu(x, approximate="tanh"), [(3, 4)]),
    ("softplus", lambda x: F.softplus(x, 2.0, 1.5), lambda T, x: T.softplus(x, 2.0, 1.5), [(3, 4)]),
    ("silu", F.silu, lambda T, x: T.silu(x), [(3, 4)]),
    ("selu", F.selu, lambda T, x: T.selu(x), [(3, 4)]),
    ("mish", lambda x: F.mish(x * 8), lambda T, x: T.mish(x * 8), [(3, 4)]),
    ("hardsigmoid", lambda x: F.hardsigmoid(x * 15), lambda T, x: T.hardsigmoid(x * 15), [(3, 4)]),
    ("hardswish", lambda x: F.hardswish(x * 15), lambda T, x: T.hardswish(x * 15), [(3, 4)]),
    ("logsigmoid", lambda x: F.logsigmoid(x * 10), lambda T, x: T.logsigmoid(x * 10), [(3, 4)]),
    ("softmin", lambda x: F.softmin(x, dim=1), lambda T, x: T.softmin(x, dim=1), [(3, 4, 2)]),
    ("prelu per channel", F.prelu, lambda T, x, w: T.prelu(x, w), [(2, 3, 4), (3,)]),
    ("prelu one slope", F.prelu, lambda T, x, w: T.prelu(x, w), [(3, 4), (1,)]),
    ("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b), lambda T, x, w, b: T.group_norm(x, 2, w, b), [(2, 4, 3, 2), (4,), (4,)]),
    ("group_norm no affine", lambda x: F.group_norm(x, 3), lambda T, x: T.group_norm(x, 3), [(2, 6, 5)]),
    ("layer_norm", lambda x, w, b: F.layer_norm(x, (3, 4), w, b), lambda T, x, w, b: T.layer_norm(x, (3, 4), w, b), [(2, 3, 4), (3, 4), (3, 4)]),
    ("normalize", lambda x: F.normalize(x, dim=1), lambda T, x: T.normalize(x, dim=1), [(3, 4)]),
    ("normalize p3", lambda x: F.normalize(x, p=3, dim=0), lambda T, x: T.normalize(x, p=3, dim=0), [(3, 4)]),
    ("bilinear align_corners", lambda x: F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=True),
     lambda T, x: T.interpolate(x, size=(5, 7), mode="bilinear", align_corners=True), [(2, 2, 3, 4)]),
    ("bilinear align_corners x2", lambda x: F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True),
     lambda T, x: T.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True), [(1, 2, 3, 1)]),
    ("batch_norm 1d", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     lambda T, x, w, b: T.batch_norm(x, None, None, w, b, training=True), [(5, 3, 4), (3,), (3,)]),
]


# PyTorch's hardsigmoid backward multiplies by 1/6 rounded to float32 (its kernel's constant is 1.0f / 6.0f) even
# in float64; nn's takes the same constant (the forty-first round), so its gradients agree as the others'
GRAD_RTOL = {}


def _inputs(shapes, seed):
    return [distinct(*s, seed=seed + i) if i == 0 else t64(*s, seed=seed + i) for i, s in enumerate(shapes)]


@pytest.mark.parametrize("name,ours,theirs,shapes", OPS, ids=[o[0] for o in OPS])
def test_gradcheck(name, ours, theirs, shapes):
    assert gradcheck(ours, _inputs(shapes, 1))


@pytest.mark.parametrize("name,ours,theirs,shapes", OPS, ids=[o[0] for o in OPS])
def test_vs_torch(name, ours, theirs, shapes):
    torch = pytest.importorskip("torch")
    mine = _inputs(shapes, 5)
    ref = [torch.tensor(t.data.copy(), requires_grad=True) for t in mine]
    y, yt = ours(*mine), theirs(torch.nn.functional, *ref)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(9).standard_normal(y.shape)
    y.backward(g)
    yt.backward(torch.tensor(g))
    for m, r in zip(mine, ref):
        np.testing.assert_allclose(m.grad, r.grad.numpy(), rtol=GRAD_RTOL.get(name, 1e-9), atol=1e-10)


def test_layers_match_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 6, 5, 5))
    pairs = [(nn.AdaptiveAvgPool2d((2, 3)), torch.nn.AdaptiveAvgPool2d((2, 3))),
             (nn.AdaptiveMaxPool2d(2), torch.nn.AdaptiveMaxPool2d(2)),
             (nn.GroupNorm(3, 6), torch.nn.GroupNorm(3, 6)), (nn.LayerNorm([5, 5]), torch.nn.LayerNorm([5, 5])),
             (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)), (nn.LogSoftmax(1), torch.nn.LogSoftmax(1)),
             (nn.ELU(), torch.nn.ELU()), (nn.GELU(), torch.nn.GELU()), (nn.SiLU(), torch.nn.SiLU()),
             (nn.Softplus(), torch.nn.Softplus()), (nn.SELU(), torch.nn.SELU()), (nn.Mish(), torch.nn.Mish()),
             (nn.Hardsigmoid(), torch.nn.Hardsigmoid()), (nn.Hardswish(), torch.nn.Hardswish()),
             (nn.LogSigmoid(), torch.nn.LogSigmoid()), (nn.Softmin(1), torch.nn.Softmin(1)),
             (nn.PReLU(), torch.nn.PReLU()), (nn.PReLU(6, init=0.1), torch.nn.PReLU(6, init=0.1)),
             (nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
              torch.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)),
             (nn.Sequential(nn.Flatten(), nn.Unflatten(1, (6, 25))),
              torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Unflatten(1, (6, 25))))]
    for ours, theirs in pairs:
        ours.double(), theirs.double()
        np.testing.assert_allclose(ours(nn.tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(),
                                   rtol=1e-10, atol=1e-12, err_msg=repr(ours))


def test_batchnorm1d_matches_torch_in_training_and_eval():
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm1d(3).double(), torch.nn.BatchNorm1d(3).double()
    for shape in [(6, 3), (4, 3, 5)]:
        x = np.random.default_rng(len(shape)).standard_normal(shape)
        np.testing.assert_allclose(ours(nn.tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(), atol=1e-10)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), atol=1e-12)
    ours.eval(), theirs.eval()
    x = np.random.default_rng(9).standard_normal((2, 3))
    np.testing.assert_allclose(ours(nn.tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(), atol=1e-10)
    with pytest.raises(ValueError, match=r"^expected 2D or 3D input \(got 4D input\)$"):     # PyTorch's words
        ours(nn.tensor(np.zeros((1, 3, 2, 2))))


def test_one_hot_and_embedding():
    labels = np.array([[0, 2], [1, 2]])
    oh = F.one_hot(labels, 4)
    oh = oh.data if isinstance(oh, Tensor) else oh
    assert oh.dtype == np.int64 and oh.shape == (2, 2, 4)
    np.testing.assert_array_equal(oh.argmax(-1), labels)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):   # PyTorch's
        F.one_hot(np.array([3]), 2)
    nn.manual_seed(0)
    emb = nn.Embedding(5, 3, padding_idx=0).double()
    assert np.all(emb.weight.data[0] == 0)
    idx = np.array([[1, 0, 1], [4, 1, 2]])
    assert gradcheck(lambda w: F.embedding(idx, w), [nn.tensor(emb.weight.data.copy(), requires_grad=True)])
    y = emb(idx)
    y.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad[:, 0], [0, 3, 1, 0, 1])   # row 0 (padding) gets nothing


def test_containers_and_state_dict_keys():
    torch = pytest.importorskip("torch")

    ours = nn.Module()
    ours.heads = nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.Linear(2, 1)})
    ours.scales = nn.ParameterList([np.ones(3, np.float32)])
    theirs = torch.nn.Module()
    theirs.heads = torch.nn.ModuleDict({"a": torch.nn.Linear(2, 3), "b": torch.nn.Linear(2, 1)})
    theirs.scales = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(3))])
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours.heads.keys()) == ["a", "b"] and "a" in ours.heads and len(ours.scales) == 1


def test_dropout2d_zeroes_whole_channels():
    nn.manual_seed(0)
    x = nn.tensor(np.ones((4, 8, 3, 3), np.float32), requires_grad=True)
    y = nn.Dropout2d(0.5)(x)
    per_channel = y.data.reshape(4, 8, -1)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert np.all(per_channel.min(axis=2) == per_channel.max(axis=2))
    layer = nn.Dropout2d(0.5).eval()
    assert layer(x) is x or np.array_equal(layer(x).data, x.data)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_modes_gradcheck_and_torch(mode):
    x = t64(2, 2, 4, 5, seed=11)
    assert gradcheck(lambda x: F.pad(x, (1, 2, 2, 1), mode=mode), (x,))
    torch = pytest.importorskip("torch")
    xt = torch.tensor(x.data.copy(), requires_grad=True)
    y, yt = F.pad(x, (1, 2, 2, 1), mode=mode), torch.nn.functional.pad(xt, (1, 2, 2, 1), mode=mode)
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    g = np.random.default_rng(1).standard_normal(y.shape)
    x.grad = None
    y.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
