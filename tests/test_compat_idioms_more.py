"""More idioms of third-party PyTorch code found failing by a second port-and-compare hunt (kuangliu's CIFAR
models, PyTorch-GAN, makemore, pytorch/examples' forward-forward, actor-critic, mnist_rnn, gcn, ViT, the
custom-function tutorial, VQ-VAE codebooks), each checked here, against PyTorch when it is installed."""
import warnings

import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck


@pytest.mark.parametrize("make", [
    lambda **kw: nn.Linear(3, 4, True, **kw), lambda **kw: nn.Bilinear(2, 3, 4, **kw),
    lambda **kw: nn.BatchNorm1d(3, **kw), lambda **kw: nn.BatchNorm2d(3, **kw), lambda **kw: nn.LayerNorm(3, **kw),
    lambda **kw: nn.GroupNorm(1, 3, **kw), lambda **kw: nn.InstanceNorm2d(3, affine=True, **kw),
    lambda **kw: nn.Embedding(5, 3, **kw), lambda **kw: nn.PReLU(**kw), lambda **kw: nn.Conv2d(1, 2, 3, **kw),
    lambda **kw: nn.Conv1d(1, 2, 3, **kw), lambda **kw: nn.ConvTranspose2d(1, 2, 3, **kw),
    lambda **kw: nn.LSTM(2, 3, **kw), lambda **kw: nn.GRUCell(2, 3, **kw),
    lambda **kw: nn.MultiheadAttention(4, 2, **kw), lambda **kw: nn.TransformerEncoderLayer(4, 2, 8, **kw),
])
def test_layers_take_device_and_dtype(make):
    layer = make(device="cpu", dtype=nn.float64)
    assert {p.dtype for p in layer.parameters()} == {np.dtype(np.float64)}
    assert all(b.dtype.kind != "f" or b.dtype == np.float64 for b in layer.buffers())
    with pytest.raises(ValueError, match="CPU only"):
        make(device="cuda")


def test_a_linear_subclass_passing_device_and_dtype_on():
    class Layer(nn.Linear):                      # pytorch/examples mnist_forward_forward
        def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
            super().__init__(in_features, out_features, bias, device, dtype)
    assert Layer(3, 2, dtype=nn.float64).weight.dtype == nn.float64


def test_buffers_have_pytorchs_in_place_methods():
    class Codebook(nn.Module):                   # a VQ-VAE EMA codebook's buffers
        def __init__(self):
            super().__init__()
            self.register_buffer("cluster_size", nn.tensor([1.0, 2.0, 3.0]))
    m = Codebook()
    assert nn.sum(m.cluster_size.data).item() == 6.0
    m.cluster_size.mul_(0.5).add_(nn.ones(3), alpha=0.5)
    assert m.state_dict()["cluster_size"].tolist() == [1.0, 1.5, 2.0]   # written through to the module
    assert m.cluster_size.unsqueeze(1).shape == (3, 1) and isinstance(m.cluster_size, nn.Tensor)   # as PyTorch


def test_tensor_of_zero_d_tensors():
    r = nn.tensor([1.0, 2.0])
    assert nn.tensor([r[0]]).tolist() == [1.0]            # actor_critic's torch.tensor([R])
    assert nn.tensor([r.sum(), r.mean()]).tolist() == [3.0, 1.5]


def test_submodule_imports_and_namespaces():
    from nn.autograd.function import Function, once_differentiable
    from nn.utils.data.dataloader import DataLoader
    from nn.utils.data.dataset import Dataset, TensorDataset  # noqa: F401
    from nn.utils.data.sampler import RandomSampler  # noqa: F401
    from nn.hub import tqdm
    assert DataLoader is nn.utils.data.DataLoader and Function is nn.autograd.Function
    assert not nn.xpu.is_available() and not nn.accelerator.is_available() and list(tqdm([1, 2])) == [1, 2]

    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            return g * 2
    x = nn.ones(2, requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_dropout2d_on_a_2d_input_drops_elements_as_pytorch():
    x = nn.ones(2, 3)
    with pytest.warns(UserWarning, match="2-D"):
        assert nn.Dropout2d(0.5).eval()(x).tolist() == x.tolist()
    with pytest.warns(UserWarning):
        y = nn.Dropout2d(0.5)(nn.ones(100, 100)).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and 0.3 < (y == 0).mean() < 0.7


def test_an_endless_sampler_is_drawn_lazily():
    s = nn.utils.data.RandomSampler(list(range(10)), replacement=True, num_samples=10 ** 10)
    batch = next(iter(nn.utils.data.DataLoader(list(range(10)), sampler=s, batch_size=4)))
    assert batch.shape == (4,) and batch.dtype == nn.int64


def test_function_backward_may_return_extra_nones_and_gradcheck_options():
    class Scale(nn.autograd.Function):
        @staticmethod
        def forward(ctx, x, k=2.0):
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None, None, None

    x = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    assert gradcheck(lambda t: Scale.apply(t, 3.0), (x,), eps=1e-6, atol=1e-4, fast_mode=False)
    assert gradcheck(lambda t: (t * 2, t.exp()), (x,))     # a tuple of outputs

    class Wrong(nn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3
    assert gradcheck(lambda t: Wrong.apply(t), (x,), raise_exception=False) is False
    with pytest.raises(TypeError, match="unexpected keyword"):
        gradcheck(lambda t: t * 2, (x,), not_an_option=True)


def test_sparse_names_on_dense_tensors():
    adj = nn.sparse_coo_tensor(nn.tensor([[0, 1, 1, 1], [2, 0, 2, 2]]), nn.tensor([3.0, 4.0, 5.0, 1.0]), (2, 3))
    assert adj.tolist() == [[0.0, 0.0, 3.0], [4.0, 0.0, 6.0]] and not adj.is_sparse and adj.to_sparse() is adj
    assert nn.spmm(adj, nn.ones(3, 1)).tolist() == [[3.0], [10.0]] == nn.sparse.mm(adj, nn.ones(3, 1)).tolist()


def test_instance_norm_without_weights_takes_other_channel_counts():
    # PyTorch's words (round 40's review: nn's were its own)
    with pytest.warns(UserWarning, match=r"input's size at dim=1 does not match num_features\. You can silence"):
        y = nn.InstanceNorm2d(64)(nn.randn(1, 8, 4, 4))
    assert y.shape == (1, 8, 4, 4)
    with pytest.raises(ValueError, match=r"expected input's size at dim=1 to match num_features \(64\), but got: 8\."):
        nn.InstanceNorm2d(64, affine=True)(nn.randn(1, 8, 4, 4))


def test_embedding_max_norm_as_pytorch():
    torch = pytest.importorskip("torch")
    w = np.random.default_rng(0).standard_normal((5, 3)) * 3
    idx = np.array([[0, 2], [2, 4]])
    ours = nn.Embedding(5, 3, max_norm=1.0, _weight=nn.tensor(w.copy()))
    theirs = torch.nn.Embedding(5, 3, max_norm=1.0, _weight=torch.tensor(w.copy()))
    np.testing.assert_allclose(ours(nn.tensor(idx)).detach().numpy(), theirs(torch.tensor(idx)).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Embedding(5, 3, sparse=True)


@pytest.mark.parametrize("padding_idx", [None, 1, -1])
@pytest.mark.parametrize("max_norm", [None, 0.8])
@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_embedding_options_as_pytorch(padding_idx, max_norm, scale_grad_by_freq):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w, g = rng.standard_normal((6, 3)), rng.standard_normal((2, 3, 3))
    idx = np.array([[1, 2, 1], [5, 1, 0]])
    kw = dict(padding_idx=padding_idx, max_norm=max_norm, scale_grad_by_freq=scale_grad_by_freq)
    ours, theirs = nn.Embedding(6, 3, _weight=nn.tensor(w.copy()), **kw), torch.nn.Embedding(6, 3, _weight=torch.tensor(w.copy()), **kw)
    y, t = ours(nn.tensor(idx)), theirs(torch.tensor(idx))
    (y * nn.tensor(g)).sum().backward()
    (t * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-12)


def test_embedding_scale_grad_by_freq_averages_each_rows_gradient():
    F = nn.functional
    idx = np.array([[1, 2, 1], [4, 1, 0]])                        # row 1 picked 3 times, the others once
    w = nn.tensor(np.random.default_rng(1).standard_normal((5, 2)), requires_grad=True)
    F.embedding(idx, w, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.array([[1, 1], [1, 1], [1, 1], [0, 0], [1, 1]]))
    # not a derivative by design (torch's heuristic): the true gradient (gradcheck-ed in test_layers_more)
    # divided by each row's count
    g = nn.tensor(np.random.default_rng(2).standard_normal((2, 3, 2)))
    plain, scaled = (nn.tensor(w.detach().numpy().copy(), requires_grad=True) for _ in range(2))
    (F.embedding(idx, plain) * g).sum().backward()
    (F.embedding(idx, scaled, scale_grad_by_freq=True) * g).sum().backward()
    counts = np.maximum(np.bincount(idx.ravel(), minlength=5), 1)[:, None]
    np.testing.assert_allclose(scaled.grad.numpy(), plain.grad.numpy() / counts, rtol=1e-12)
    with pytest.raises(IndexError, match="out of range"):
        F.embedding(np.array([-1]), w)


def test_sparse_coo_tensor_is_differentiable_in_its_values():
    v = nn.tensor([3.0, 4.0, 5.0, 1.0], dtype=nn.float64, requires_grad=True)
    idx = nn.tensor([[0, 1, 1, 1], [2, 0, 2, 2]])
    gradcheck(lambda t: nn.sparse_coo_tensor(idx, t, (2, 3)) ** 2, (v,))
    adj = nn.sparse_coo_tensor(idx, v, (2, 3))
    (adj * nn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=nn.float64)).sum().backward()
    assert v.grad.tolist() == [3.0, 4.0, 6.0, 6.0]


def test_torch_nn_paths_resolve_after_import_nn_as_torch():
    import nn as torch                                   # a script's `import torch`, changed
    assert torch.nn is nn and torch.nn.functional is nn.functional
    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 2)
    torch.nn.init.normal_(lin.weight, std=0.02)
    loss = torch.nn.functional.mse_loss(lin(torch.randn(4, 3)), torch.zeros(4, 2))
    loss.backward()
    total = torch.nn.utils.clip_grad_norm_(lin.parameters(), 1e-3)
    assert float(total) > 0 and np.linalg.norm(np.concatenate([p.grad.ravel() for p in lin.parameters()])) <= 1e-3 + 1e-9


def test_state_dict_values_take_pytorchs_idioms_and_stay_ndarrays():
    net = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    sd = net.state_dict()
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    best = {k: v.clone() for k, v in sd.items()}                 # the usual "keep the best weights" idiom
    on_cpu = {k: v.cpu() for k, v in sd.items()}
    net[0].weight.data.add_(1.0)
    assert not np.array_equal(net.state_dict()["0.weight"], best["0.weight"])       # copies, not views
    net.load_state_dict(best)
    np.testing.assert_array_equal(net.state_dict()["0.weight"], on_cpu["0.weight"])
    assert sd["1.num_batches_tracked"].numel() == 1 and sd["0.weight"].dim() == 2
