"""nn.functional and nn's layers take PyTorch's keyword names: the tensor argument is `input` (F.relu(input=t),
F.linear(input=x, weight=w), F.softmax(input=s, dim=-1), layer(input=t)), as third-party code sometimes writes
it, and a traced layer's placeholder is named after it (`input_1`), as PyTorch's."""
import inspect

import numpy as np
import pytest

import nn
import nn.functional as F

# name -> the other arguments the call needs
CALLS = {
    "relu": {}, "leaky_relu": {"negative_slope": 0.2}, "sigmoid": {}, "tanh": {}, "elu": {"alpha": 0.5},
    "gelu": {"approximate": "tanh"}, "softplus": {"beta": 2.0}, "silu": {}, "hardtanh": {"min_val": -0.5},
    "relu6": {}, "selu": {}, "mish": {}, "hardsigmoid": {}, "hardswish": {}, "logsigmoid": {}, "softsign": {},
    "tanhshrink": {}, "softshrink": {"lambd": 0.3}, "hardshrink": {"lambd": 0.3},
    "threshold": {"threshold": 0.1, "value": -2.0}, "celu": {"alpha": 0.7}, "glu": {"dim": -1},
    "rrelu": {}, "log_softmax": {"dim": 1}, "softmax": {"dim": 1}, "softmin": {"dim": 1},
    "prelu": {"weight": nn.tensor([0.25], dtype=nn.float64)}, "linear": {"weight": nn.tensor(np.eye(4)[:3] + 0.5)},
    "dropout": {"p": 0.5, "training": False}, "flatten": {"start_dim": 1},
}


def _x():
    return nn.tensor(np.linspace(-3, 3, 24).reshape(6, 4))


@pytest.mark.parametrize("name", sorted(CALLS))
def test_input_keyword_gives_the_positional_result(name):
    f, kw = getattr(F, name), CALLS[name]
    assert next(iter(inspect.signature(f).parameters)) == "input"
    np.testing.assert_array_equal(f(input=_x(), **kw).numpy(), f(_x(), **kw).numpy())


def test_pool_and_norm_input_keyword():
    x = nn.tensor(np.arange(2 * 3 * 4 * 4, dtype=np.float64).reshape(2, 3, 4, 4))
    np.testing.assert_array_equal(F.max_pool2d(input=x, kernel_size=2).numpy(), F.max_pool2d(x, 2).numpy())
    np.testing.assert_array_equal(F.avg_pool2d(input=x, kernel_size=2).numpy(), F.avg_pool2d(x, 2).numpy())
    mean, var = np.zeros(3), np.ones(3)
    np.testing.assert_array_equal(F.batch_norm(input=x, running_mean=mean, running_var=var).numpy(),
                                  F.batch_norm(x, mean, var).numpy())


def test_softmin_takes_dtype():
    y = F.softmin(input=nn.tensor([[1.0, 2.0]], dtype=nn.float32), dim=1, dtype=nn.float64)
    assert y.dtype == nn.float64
    np.testing.assert_allclose(y.numpy(), np.exp([[-1.0, -2.0]]) / np.exp([[-1.0, -2.0]]).sum())


def test_keyword_names_match_pytorch():
    """Every keyword name of a PyTorch functional whose signature Python can read is accepted by ours."""
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    missing = {}
    for name in dir(TF):
        ours, theirs = getattr(F, name, None), getattr(TF, name)
        if name.startswith("_") or not callable(ours) or isinstance(theirs, type):
            continue
        try:
            tp, op = inspect.signature(theirs).parameters, inspect.signature(ours).parameters
        except (TypeError, ValueError):
            continue
        if any(p.kind == p.VAR_KEYWORD for p in op.values()):
            continue
        names = [n for n, p in tp.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        gone = [n for n in names if n not in op]
        if gone:
            missing[name] = gone
    assert missing == {}


def test_normalize_out():
    out = nn.zeros(2, 2)
    assert F.normalize(nn.tensor([[3.0, 4.0], [0.0, 2.0]]), out=out) is out
    np.testing.assert_allclose(out.numpy(), [[0.6, 0.8], [0.0, 1.0]])


@pytest.mark.parametrize("layer", [nn.ReLU(), nn.Linear(4, 3), nn.Dropout(0.5), nn.LayerNorm(4), nn.Identity(),
                                   nn.Sequential(nn.Linear(4, 2), nn.Tanh()), nn.Softmax(dim=1), nn.GELU()],
                         ids=lambda m: type(m).__name__)
def test_layer_called_with_input_keyword(layer):
    layer.eval()
    np.testing.assert_array_equal(layer(input=_x().float()).detach().numpy(), layer(_x().float()).detach().numpy())


def test_conv_and_pool_layers_take_input_keyword():
    x = nn.tensor(np.linspace(-1, 1, 2 * 3 * 6 * 6).reshape(2, 3, 6, 6), dtype=nn.float32)
    for layer in (nn.Conv2d(3, 2, 3), nn.MaxPool2d(2), nn.AvgPool2d(2), nn.BatchNorm2d(3).eval(),
                  nn.ConvTranspose2d(3, 2, 2, stride=2), nn.Upsample(scale_factor=2), nn.ZeroPad2d(1)):
        np.testing.assert_array_equal(layer(input=x).detach().numpy(), layer(x).detach().numpy())


def test_traced_layer_placeholder_is_input():
    from nn.fx import symbolic_trace
    # PyTorch's names for torch.fx.symbolic_trace(torch.nn.Linear(4, 3)): `input` shadows a builtin, so `input_1`
    names = [n.name for n in symbolic_trace(nn.Linear(4, 3)).graph.nodes]
    assert names == ["input_1", "weight", "bias", "linear", "output"]


def test_poisson_nll_loss_takes_log_input():
    loss = nn.PoissonNLLLoss()
    assert loss(log_input=nn.tensor([0.0, 1.0]), target=nn.tensor([1.0, 2.0])).item() == pytest.approx(
        ((1 - 1 * 0) + (np.e - 2 * 1)) / 2)


def test_layer_forward_names_match_pytorch():
    """Every layer whose PyTorch forward names its tensor `input` names it so too."""
    torch = pytest.importorskip("torch")
    differ = []
    for name in dir(torch.nn):
        theirs, ours = getattr(torch.nn, name), getattr(nn, name, None)
        if not (isinstance(theirs, type) and issubclass(theirs, torch.nn.Module)) or not isinstance(ours, type):
            continue
        try:
            tp = [n for n, p in inspect.signature(theirs.forward).parameters.items()
                  if p.kind == p.POSITIONAL_OR_KEYWORD]             # not Module's own *input
            op = list(inspect.signature(ours.forward).parameters)
        except (TypeError, ValueError):
            continue
        if len(tp) > 1 and tp[1] == "input" and len(op) > 1 and op[1] != "input":
            differ.append(name)
    assert differ == []
