"""nn.autograd.grad and nn.autograd.Variable, against PyTorch's when it is installed."""
import numpy as np
import pytest

import nn
from nn.autograd import Variable

from porting import load_script, port


def test_grad_returns_gradients_and_leaves_dot_grad_alone():
    x = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    y = nn.tensor([3.0], dtype=nn.float64, requires_grad=True)
    z = (x * x).sum() + (x * y).sum()
    gx, gy = nn.autograd.grad(z, [x, y], retain_graph=True)
    assert gx.tolist() == [5.0, 7.0] and gy.tolist() == [3.0] and x.grad is None and y.grad is None
    (gx2,) = nn.autograd.grad([z, 2 * z], x, retain_graph=True)      # several outputs add up
    assert gx2.tolist() == [15.0, 21.0]
    (gx3,) = nn.autograd.grad(x * y, x, grad_outputs=nn.tensor([1.0, -1.0], dtype=nn.float64))
    assert gx3.tolist() == [3.0, -3.0]
    z.backward()                                                       # the graph was kept: backward still runs
    assert x.grad.tolist() == [5.0, 7.0]


def test_grad_of_an_intermediate_and_of_unused_inputs():
    x = nn.tensor([1.0, -2.0], requires_grad=True)
    h = x * 3
    unused = nn.tensor([1.0], requires_grad=True)
    loss = (h * h).sum()
    gh, gu = nn.autograd.grad(loss, (h, unused), retain_graph=True, allow_unused=True)
    assert gh.tolist() == [6.0, -12.0] and gu is None
    (gz,) = nn.autograd.grad(loss, unused, retain_graph=True, materialize_grads=True)
    assert gz.tolist() == [0.0]
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        nn.autograd.grad(loss, unused, retain_graph=True)
    (gx,) = nn.autograd.grad(loss, x, create_graph=True)             # a recorded gradient (test_create_graph.py)
    assert gx.tolist() == [18.0, -36.0] and gx.requires_grad
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require grad"):
        nn.autograd.grad(loss, nn.ones(2))
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs$"):
        nn.autograd.grad(h, x)                                         # PyTorch 2.13's words
    nn.autograd.grad(loss, x)                                          # releases the graph
    with pytest.raises(RuntimeError, match="a second time"):
        nn.autograd.grad(loss, x)


def test_variable_is_a_tensor_outside_the_graph():
    a = nn.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    v = Variable(b)
    assert isinstance(v, nn.Tensor) and not v.requires_grad and v.is_leaf
    assert isinstance(b, Variable) and not isinstance(b.data, Variable)
    w = Variable(nn.ones(2), requires_grad=True)
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]
    with pytest.warns(UserWarning, match="no_grad"):
        Variable(nn.ones(1), volatile=True)


SALIENCY = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Variable


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 3)
        self.conv2 = nn.Conv2d(6, 8, 3, stride=2)
        self.fc = nn.Linear(8 * 3 * 3, 4)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 1)
        return self.fc(x.view(x.size(0), -1))


def saliency(model, images, labels):
    images = Variable(images, requires_grad=True)
    scores = model(images).gather(1, labels.view(-1, 1)).squeeze()
    grads, = torch.autograd.grad(scores.sum(), images)
    return grads.abs().max(dim=1)[0]


def hidden_gradient(model, images):
    h = F.relu(model.conv1(images))
    out = model.fc(F.relu(model.conv2(h)).view(images.size(0), -1)).sum()
    return torch.autograd.grad(out, [h, model.fc.weight])
'''


def test_saliency_and_hidden_gradients_as_pytorch():
    torch = pytest.importorskip("torch")
    theirs_ns, ours_ns = load_script(SALIENCY), load_script(port(SALIENCY))
    torch.manual_seed(0)
    theirs = theirs_ns["Net"]().double()
    ours = ours_ns["Net"]().double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 3, 9, 9))
    labels = np.array([0, 3, 1])
    got = ours_ns["saliency"](ours, nn.tensor(x), nn.tensor(labels))
    want = theirs_ns["saliency"](theirs, torch.tensor(x), torch.tensor(labels))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-14)
    for g, w in zip(ours_ns["hidden_gradient"](ours, nn.tensor(x)), theirs_ns["hidden_gradient"](theirs, torch.tensor(x))):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-10, atol=1e-14)
    assert all(p.grad is None for p in ours.parameters())


def test_grad_fn_names_the_op_as_pytorch():
    x = nn.ones(2, requires_grad=True)
    y = (x * 2).sum()
    assert x.grad_fn is None and nn.ones(2).grad_fn is None and (x * 2).detach().grad_fn is None
    assert y.grad_fn.name() == "SumBackward0" and repr(y) == "tensor(4., grad_fn=<SumBackward0>)"
    assert (x * 2).grad_fn.name() == "MulBackward0"
    with nn.no_grad():
        assert (x * 2).grad_fn is None


def test_grad_runs_only_the_paths_to_its_inputs():
    x = nn.ones(2, requires_grad=True)
    w = nn.ones(2, requires_grad=True)
    a = (x * 3).exp()
    (gw,) = nn.autograd.grad((a * w).sum(), w)
    np.testing.assert_allclose(gw.numpy(), np.exp(3.0) * np.ones(2), rtol=1e-6)
    a.sum().backward()                                    # a's own graph was not run, nor released
    np.testing.assert_allclose(x.grad, 3 * np.exp(3.0) * np.ones(2), rtol=1e-6)
