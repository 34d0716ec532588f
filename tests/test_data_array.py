"""Tensor.data and Tensor.grad: NumPy arrays that also have PyTorch's in-place methods (nn/array.py)."""
import numpy as np
import pytest

import nn
from nn.array import DataArray

from porting import assert_port_touches_only_torch_lines, load_script, port


def _param(values):
    return nn.Parameter(nn.tensor(np.asarray(values, np.float64)))


def test_data_and_grad_are_ndarrays_that_write_through():
    p = _param([1.0, -2.0, 3.0])
    assert isinstance(p.data, np.ndarray) and type(p.data) is DataArray and repr(p.data).startswith("array(")
    p.data.mul_(2).add_(1)                                  # chained, as in PyTorch
    assert p.tolist() == [3.0, -3.0, 7.0]
    (p * p).sum().backward()
    assert isinstance(p.grad, np.ndarray) and p.grad.tolist() == [6.0, -6.0, 14.0]
    p.grad.data.zero_()                                     # .data of the gradient is the gradient
    assert p.grad.tolist() == [0.0, 0.0, 0.0]
    (p * p).sum().backward()                                # accumulates onto the zeroed gradient
    assert p.grad.tolist() == [6.0, -6.0, 14.0]
    p.grad = nn.ones(3, dtype=nn.float64)                   # a Tensor is taken as its array
    assert type(p.grad) is DataArray and p.grad.tolist() == [1.0, 1.0, 1.0]
    p.data = np.zeros(3)                                    # new values, same Parameter
    assert p.tolist() == [0.0, 0.0, 0.0] and p.requires_grad


@pytest.mark.parametrize("name, args, expected", [
    ("zero_", (), [0.0, 0.0, 0.0]),
    ("fill_", (0.5,), [0.5, 0.5, 0.5]),
    ("copy_", (np.array([4.0, 5.0, 6.0]),), [4.0, 5.0, 6.0]),
    ("add_", (np.array([1.0, 1.0, 1.0]),), [2.0, -1.0, 4.0]),
    ("sub_", (1.0,), [0.0, -3.0, 2.0]),
    ("mul_", (-2.0,), [-2.0, 4.0, -6.0]),
    ("div_", (np.array([1.0, 2.0, 4.0]),), [1.0, -1.0, 0.75]),
    ("clamp_", (-1.0, 2.0), [1.0, -1.0, 2.0]),
])
def test_in_place_methods_change_the_tensor(name, args, expected):
    p = _param([1.0, -2.0, 3.0])
    out = getattr(p.data, name)(*args)
    assert type(out) is DataArray and np.shares_memory(out, p.data)
    assert p.tolist() == expected


def test_methods_with_alpha_and_value_and_tensor_operands():
    p = _param([1.0, 2.0])
    t = nn.tensor([2.0, 4.0], dtype=nn.float64)
    p.data.add_(t, alpha=-0.5)                              # p.data.add_(p.grad, alpha=-lr)
    assert p.tolist() == [0.0, 0.0]
    p.data.addcmul_(t, t, value=0.25)
    assert p.tolist() == [1.0, 4.0]
    p.data.addcdiv_(t, t, value=2)
    assert p.tolist() == [3.0, 6.0]
    p.data.sub_(t, alpha=2).clamp_(min=-3.0)
    assert p.tolist() == [-1.0, -2.0]
    with pytest.raises(ValueError, match="min, max"):
        p.data.clamp_()


def test_random_fills_use_nn_generator():
    p = nn.Parameter(nn.zeros(400, 300))
    nn.manual_seed(3)
    p.data.normal_(1.0, 0.02)
    first = p.data.copy()
    assert abs(first.mean() - 1.0) < 0.002 and abs(first.std() - 0.02) < 0.001
    nn.manual_seed(3)
    p.data.normal_(1.0, 0.02)
    assert np.array_equal(p.data, first)                    # the same seed, the same values
    p.data.uniform_(-0.1, 0.1)
    assert -0.1 <= p.data.min() and p.data.max() <= 0.1 and p.data.max() - p.data.min() > 0.19


def test_queries():
    g = _param([3.0, -4.0]).data
    assert g.norm().item() == 5.0 and g.norm(1) == 7.0 and g.norm(float("inf")) == 4.0
    assert g.dim() == 1 and g.numel() == 2 and g.size == 2  # size stays NumPy's element count
    c = g.clone()
    c[0] = 0.0
    # a copy: a Tensor that requires no grad, as PyTorch's p.data.clone() (round 41, area D; a DataArray before)
    assert type(c) is nn.Tensor and not c.requires_grad and g[0] == 3.0 and c.mul_(2).tolist() == [0.0, -8.0]
    assert type(g.numpy()) is np.ndarray and g.cpu() is g


def test_nn_computes_on_plain_arrays():
    # NumPy ops on the subclass cost more: results of ops on .data must not carry it into the graph
    p = _param([1.0, 2.0])
    y = nn.Tensor(p.data * 2) + p
    assert type(y._data) is np.ndarray and type(nn.Tensor(p.data)._data) is np.ndarray
    y.sum().backward()
    assert type(p._grad) is np.ndarray


SCRIPT = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x):
        x = F.relu(self.bn(self.conv(x)))
        return self.fc(x.view(x.size(0), -1))


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        m.weight.data.normal_(0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        m.weight.data.normal_(1.0, 0.02)
        m.bias.data.fill_(0)
    elif classname.find('Linear') != -1:
        m.weight.data.uniform_(-0.1, 0.1)
        m.bias.data.zero_()


def train_step(model, buffers, x, y, lr=0.1, clip=0.05):
    model.zero_grad()
    x.grad = None
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    total_norm = 0.0
    for p in model.parameters():
        total_norm += p.grad.data.norm(2).item() ** 2
    for p, buf in zip(model.parameters(), buffers):
        p.grad.data.clamp_(-clip, clip)
        buf.mul_(0.9).add_(p.grad.data)
        p.data.add_(buf, alpha=-lr)
    return loss.item(), total_norm ** 0.5, x.grad.data.norm(2).item()
'''


def test_pytorch_idioms_on_data_and_grad_port_and_train():
    """Hand-written init and update loops through .data/.grad, in the style of older PyTorch examples
    (DCGAN's weights_init, a manual SGD with clipping), ported by the rule; against PyTorch when installed."""
    assert_port_touches_only_torch_lines(SCRIPT)
    ours_ns = load_script(port(SCRIPT))
    nn.manual_seed(0)
    model = ours_ns["Net"]().double()
    model.apply(ours_ns["weights_init"])
    assert np.all(model.bn.bias.data == 0) and np.all(model.fc.bias.data == 0)
    assert abs(model.bn.weight.data.mean() - 1.0) < 0.05 and np.abs(model.fc.weight.data).max() <= 0.1
    assert 0.005 < model.conv.weight.data.std() < 0.04

    torch = pytest.importorskip("torch")
    theirs_ns = load_script(SCRIPT)
    torch.manual_seed(0)
    theirs = theirs_ns["Net"]().double()
    theirs.apply(theirs_ns["weights_init"])
    model.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(0)
    bufs_t = [torch.zeros_like(p.data) for p in theirs.parameters()]
    bufs_o = [nn.zeros_like(p.data) for p in model.parameters()]
    for _ in range(3):
        x = rng.standard_normal((5, 1, 6, 6))
        y = rng.integers(0, 3, 5)
        got = ours_ns["train_step"](model, bufs_o, nn.tensor(x, requires_grad=True), nn.tensor(y))
        want = theirs_ns["train_step"](theirs, bufs_t, torch.tensor(x, requires_grad=True), torch.tensor(y))
        np.testing.assert_allclose(got, want, rtol=1e-10)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[key], value.numpy(), rtol=1e-10, atol=1e-12, err_msg=key)


def test_functions_take_data_as_a_constant_tensor():
    # the accuracy idiom of PyTorch's tutorials: _, predicted = torch.max(outputs.data, 1)
    outputs = nn.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5]], requires_grad=True)
    _, predicted = nn.max(outputs.data, 1)
    assert isinstance(predicted, nn.Tensor) and (predicted == nn.tensor([1, 0])).sum().item() == 2
    probs = nn.functional.softmax(outputs.data, dim=1)
    assert isinstance(probs, nn.Tensor) and not probs.requires_grad
    assert type(probs._data) is np.ndarray
    np.testing.assert_allclose(probs.sum(1).numpy(), [1.0, 1.0], rtol=1e-6)
    assert (outputs.data * outputs).requires_grad                       # mixed with a Tensor: a Tensor


def test_tensor_methods_numpy_lacks_run_on_data_as_a_constant_tensor():
    # the FGSM tutorial's data_grad.data.sign(), seq2seq's decoder_output.data.topk(1)
    x = nn.tensor([[0.5, -2.0, 3.0]], requires_grad=True)
    (x * x).sum().backward()
    sign = x.grad.data.sign()
    assert isinstance(sign, nn.Tensor) and sign.tolist() == [[1.0, -1.0, 1.0]] and not sign.requires_grad
    values, indices = x.data.topk(1)
    assert values.tolist() == [[3.0]] and indices.tolist() == [[2]]
    assert x.data.sum() == 1.5                              # a name NumPy has keeps NumPy's meaning
    with pytest.raises(AttributeError, match="no attribute 'no_such_method'"):
        x.data.no_such_method()


def test_reductions_give_scalars_and_buffers_stay_plain():
    p = _param([1.0, 2.0, 3.0])
    # a bare reduction is 0-d, as PyTorch's 0-d tensor (round 27, area B); NumPy's own np.mean keeps NumPy's scalar
    assert p.data.sum().shape == () and float(p.data.mean()) == 2.0 and type(np.mean(p.data)) is np.float64
    loss = (p * p).mean()
    assert loss.data.cpu().numpy() == pytest.approx(14.0 / 3) and loss.data.item() == pytest.approx(14.0 / 3)
    bn = nn.BatchNorm1d(3)
    bn(nn.randn(4, 3))                                     # num_batches_tracked += 1 re-assigns the buffer
    assert all(type(b) is np.ndarray for b in dict.values(bn._buffers))     # what nn computes on stays plain
    # the state dict hands out the module's own arrays as DataArrays, as PyTorch code expects of its values
    # (v.clone(), v.cpu(), v.copy_(...) in an EMA)
    sd = bn.state_dict()
    assert all(type(v) is DataArray for v in sd.values())
    assert all(np.shares_memory(sd[name], b) for name, b in bn._buffers.items())


def test_names_both_libraries_have_follow_the_caller():
    # PyTorch's form gets PyTorch's meaning (no in-place sort of a weight, the unbiased std, max(1) -> pair);
    # NumPy's functions, which call these methods with keywords, keep NumPy's
    w = nn.Parameter(nn.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], dtype=nn.float64))
    values, indices = w.data.sort()
    assert w.tolist() == [[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]] and indices.tolist() == [[1, 2, 0], [0, 2, 1]]
    _, predicted = w.data.max(1)
    assert predicted.tolist() == [0, 1] and w.data.min(0)[0].tolist() == [0.0, 1.0, 2.0]
    x = w.detach().numpy()
    assert w.data.std().item() == pytest.approx(x.std(ddof=1)) and w.data.var(1).tolist() == pytest.approx(x.var(1, ddof=1))
    assert np.std(w.data) == pytest.approx(x.std()) and np.max(w.data, axis=1).tolist() == [3.0, 5.0]
    assert np.sort(w.data, axis=1).tolist() == [[1.0, 2.0, 3.0], [0.0, 4.0, 5.0]] and w.data.max() == 5.0


def test_view_and_reductions_in_pytorchs_form_on_data_and_gradients():
    # labml's EstimatedBatchNorm: exp_mean.view(1, -1, 1); llama2.c: freqs.view(shape); flattening gradients
    b = nn.arange(6.0).data
    assert b.view(2, -1, 1).shape == (2, 3, 1) and b.view([1, 6]).shape == (1, 6) and b.view(-1).shape == (6,)
    b.view(2, 3)[1, 0] = 30.0                                           # a view: writes reach the array
    assert b[3] == 30.0 and type(b.view(-1)) is DataArray
    assert b.view(np.int64).dtype == np.int64 and b.view(np.ndarray).__class__ is np.ndarray    # NumPy's form
    with pytest.raises(RuntimeError, match="Use .reshape"):
        np.arange(6.0).reshape(2, 3).view(DataArray).T.view(-1)
    assert b.sum(dim=0).item() == 42.0 and b.mean(dim=0).item() == 7.0
    assert b.sum(0, True).tolist() == [42.0] and b.argmax(dim=0).item() == 3
    assert b.sum().dtype == np.float32 and b.sum().shape == () and np.sum(b) == 42.0 and np.mean(b) == 7.0 and np.argmax(b) == 3
    lin = nn.Linear(3, 2)
    lin(nn.ones(1, 3)).sum().backward()
    assert nn.cat([p.grad.view(-1) for p in lin.parameters()]).shape == (8,)


def test_method_arguments_as_pytorchs():
    p = _param([3.0, 0.0, -4.0])
    assert p.data.norm(0) == 2.0 and p.data.norm(2, 0).item() == 5.0
    p.data.add_(nn.ones(3, dtype=nn.float64), alpha=nn.tensor(2.0))        # a 0-d tensor as alpha
    assert p.tolist() == [5.0, 2.0, -2.0]
    with pytest.raises(RuntimeError, match="one-element"):
        p.data.fill_(nn.ones(3))
