"""Lazy layers (the d2l book's models): the input size read from the first call, then the eager class."""
import numpy as np
import pytest

import nn


def _lenet(m):
    """d2l's LeNet with batch norm, written with lazy layers (m: nn or torch.nn)."""
    return m.Sequential(m.LazyConv2d(6, kernel_size=5, padding=2), m.LazyBatchNorm2d(), m.Sigmoid(),
                        m.AvgPool2d(kernel_size=2, stride=2), m.Flatten(), m.LazyLinear(12), m.LazyBatchNorm1d(),
                        m.Sigmoid(), m.LazyLinear(10, bias=False))


def test_lazy_layers_take_their_size_from_the_first_call_and_become_eager():
    net = _lenet(nn)
    assert [name for name, _ in net.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias", "5.weight",
                                                           "5.bias", "6.weight", "6.bias", "8.weight"]
    seen = []
    net[5].register_forward_hook(lambda module, args, out: seen.append(tuple(out.shape)))
    y = net(nn.randn(2, 1, 12, 12))
    assert y.shape == (2, 10) and seen == [(2, 12)]                 # a hook registered before survives
    assert [type(m) for m in net] == [nn.Conv2d, nn.BatchNorm2d, nn.Sigmoid, nn.AvgPool2d, nn.Flatten, nn.Linear,
                                      nn.BatchNorm1d, nn.Sigmoid, nn.Linear]
    assert (net[0].in_channels, net[1].num_features, net[5].in_features, net[8].bias) == (1, 6, 216, None)
    assert [tuple(p.shape) for p in net.parameters()] == [(6, 1, 5, 5), (6,), (6,), (6,), (12, 216), (12,), (12,),
                                                          (12,), (10, 12)]
    hit = []
    net.apply(lambda m: hit.append(type(m).__name__) if type(m) in (nn.Linear, nn.Conv2d) else None)  # d2l's init_cnn
    assert hit == ["Conv2d", "Linear", "Linear"]
    opt = nn.optim.SGD(net.parameters(), lr=0.1)
    before = net[8].weight.detach().clone()
    nn.functional.cross_entropy(net(nn.randn(4, 1, 12, 12)), nn.tensor([0, 1, 2, 3])).backward()
    opt.step()
    assert not np.array_equal(net[8].weight.detach().numpy(), before.numpy())
    with pytest.raises(TypeError):
        nn.LazyLinear(10, bogus=1)                                  # arguments are checked at construction
    assert nn.LazyConv1d(4, 3)(nn.randn(5, 8)).shape == (4, 6)      # one unbatched sample: channels first


def test_lazy_layers_as_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 1, 12, 12)).astype(np.float32)
    ours, theirs = _lenet(nn), _lenet(torch.nn)
    ours(nn.tensor(x))
    theirs(torch.tensor(x))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(nn.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
