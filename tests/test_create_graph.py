"""Gradients of gradients: nn.autograd.grad(create_graph=True) and gradgradcheck, against finite differences of
first derivatives (float64), and against PyTorch on a physics-informed loss, a gradient penalty and a
Hessian-vector product."""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.autograd import grad, gradgradcheck


def _t(*shape, low=0.5, high=1.5, seed=0):
    rng = np.random.default_rng(seed + sum(shape))
    return nn.tensor(rng.uniform(low, high, shape), dtype=nn.float64, requires_grad=True)


def _signed(*shape, seed=0):
    rng = np.random.default_rng(seed + 7 * sum(shape))
    x = rng.uniform(0.2, 1.5, shape) * rng.choice([-1.0, 1.0], shape)      # away from the kinks at 0
    return nn.tensor(x, dtype=nn.float64, requires_grad=True)


UNARY = {
    "exp": lambda x: x.exp(), "log": lambda x: x.log(), "log1p": lambda x: x.log1p(), "sqrt": lambda x: x.sqrt(),
    "reciprocal": lambda x: x.reciprocal(), "square": lambda x: x.square(), "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(), "tanh": lambda x: x.tanh(), "sigmoid": lambda x: x.sigmoid(),
    "softplus": lambda x: F.softplus(x * 3, beta=2.0, threshold=5.0), "silu": F.silu,
    "pow": lambda x: x ** 3.5, "elu": lambda x: F.elu(x - 1, 0.7), "erf": lambda x: (x - 1).erf(),
    "gelu": lambda x: F.gelu(x - 1), "gelu_tanh": lambda x: F.gelu(x - 1, approximate="tanh"), "neg": lambda x: -x, "clone": lambda x: x.clone(),
    "norm": lambda x: x.norm(2, dim=1, keepdim=True) * x, "norm_all": lambda x: x.norm() * x,
    "log2": lambda x: x.log2(), "log10": lambda x: x.log10(), "rsqrt": lambda x: x.rsqrt(), "tan": lambda x: x.tan(),
    "asin": lambda x: (x * 0.5).asin(), "acos": lambda x: (x * 0.5).acos(), "atan": lambda x: x.atan(),
    "sinh": lambda x: x.sinh(), "cosh": lambda x: x.cosh(), "asinh": lambda x: x.asinh(),
    "acosh": lambda x: (x + 1).acosh(), "atanh": lambda x: (x * 0.5).atanh(), "expm1": lambda x: x.expm1(),
    "exp2": lambda x: x.exp2(),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_second_derivatives_of_smooth_ops(name):
    assert gradgradcheck(lambda x: UNARY[name](x) * UNARY[name](x), [_t(3, 4)])


@pytest.mark.parametrize("name", ["abs", "relu", "leaky_relu"])
def test_piecewise_linear_ops_have_zero_second_derivative_and_keep_their_input_in_the_graph(name):
    f = {"abs": lambda x: x.abs(), "relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, 0.2)}[name]
    x, w = _signed(3, 4), _t(3, 4)
    assert gradgradcheck(lambda x, w: f(x) * w * w, [x, w])
    g, = grad((f(x) * w).sum(), x, create_graph=True)
    h = grad(g.sum(), [x, w])
    assert np.all(h[0].numpy() == 0)                            # as PyTorch: zeros, not None
    np.testing.assert_allclose(h[1].numpy(), {"abs": np.sign, "relu": lambda v: (v > 0) * 1.0,
                                              "leaky_relu": lambda v: np.where(v > 0, 1, 0.2)}[name](x.detach().numpy()))


def test_arithmetic_with_broadcasting_and_numbers():
    a, b = _t(2, 3, 4), _t(3, 1, seed=1)
    assert gradgradcheck(lambda a, b: (a * b) / (a + b) - b * b + 2 / a - (1 - a) * 3, [a, b])


@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((2, 3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)),
                                    ((4,), (4,)), ((2, 1, 3, 4), (5, 4, 2))])
def test_matmul(shapes):
    a, b = _t(*shapes[0]), _t(*shapes[1], seed=2)
    assert gradgradcheck(lambda a, b: (a @ b).tanh(), [a, b])


def test_linear_with_and_without_bias():
    x, w, b = _t(2, 3, 4), _t(5, 4, seed=1), _t(5, seed=2)
    assert gradgradcheck(lambda x, w, b: F.linear(x, w, b).sigmoid(), [x, w, b])
    assert gradgradcheck(lambda x, w: F.linear(x, w).tanh(), [x, w])


def test_shape_ops_indexing_and_cat():
    x, y = _t(2, 3, 4), _t(2, 2, 4, seed=3)
    ops = [lambda x, y: (x.reshape(6, 4) * x.view(6, 4)).sum(1),
           lambda x, y: x.permute(2, 0, 1).exp() * x.transpose(0, 2).transpose(1, 2).sin(),
           lambda x, y: x.unsqueeze(0).expand(3, 2, 3, 4).tanh() * x.mean(),
           lambda x, y: (x.flatten(1).t() ** 2).contiguous(),
           lambda x, y: x[:, 1:, ::2].exp() * x[0, 0, 0],
           lambda x, y: x[:, [0, 2, 0]] * x[x.detach() > 1.0].sum(),           # advanced indexing, repeats
           lambda x, y: nn.cat([x, y, x], dim=1).tanh() * nn.cat([y, x, x], 1).sum(dim=(0, 2), keepdim=True)]
    for op in ops:
        assert gradgradcheck(op, [x, y])
    # a cast to float32 and back (finite differences cannot see through float32): d2(x^3)/dx2 = 6x
    g, = grad((x.to(nn.float32) ** 3).sum(), x, create_graph=True)
    h, = grad(g.sum(), x)
    assert g.dtype == h.dtype == nn.float64
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("stride, padding, dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 1, 2)])
def test_convolutions(stride, padding, dilation):
    x, w, b = _signed(2, 2, 6, 7), _signed(3, 2, 3, 2, seed=1), _signed(3, seed=2)
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation).tanh(), [x, w, b])
    xt = _signed(2, 3, 4, 5, seed=3)
    assert gradgradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b[:2], stride, padding, 0, 1, dilation).tanh(),
                         [xt, w, b])


def test_grouped_convolutions():
    # StyleGAN2's modulated conv (groups = batch) under a path-length penalty; depthwise convs
    stride, padding = 2, 1
    x, w, b = _signed(1, 4, 4, 5), _signed(6, 2, 3, 3, seed=1), _signed(6, seed=2)
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, groups=2).tanh(), [x, w, b])
    depthwise = _signed(4, 1, 3, 3, seed=3)
    assert gradgradcheck(lambda x, w: F.conv2d(x, w, None, stride, padding, groups=4).tanh(), [x, depthwise])
    xt = _signed(1, 6, 2, 3, seed=4)
    assert gradgradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b[:4], stride, padding, 0, 2).tanh(),
                         [xt, w, b])


def test_softmax_family_and_losses():
    rng = np.random.default_rng(0)
    x, x3 = _signed(4, 5), _signed(2, 5, 3)
    p = nn.tensor(rng.dirichlet(np.ones(5), 4), dtype=nn.float64, requires_grad=True)
    y, y3 = nn.tensor(rng.integers(0, 5, 4)), nn.tensor(rng.integers(0, 5, (2, 3)))
    y3._data[0, 1] = -100                                               # an ignored position
    w = nn.tensor(rng.uniform(0.5, 2, 5), dtype=nn.float64)
    cases = [(lambda x: F.softmax(x, 1) ** 2, [x]),
             (lambda x: F.log_softmax(x, 0) ** 2, [x]),
             (lambda x, p: F.mse_loss(x.tanh(), p), [x, p]),
             (lambda x, p: F.mse_loss(x, p, reduction="none") * x, [x, p]),      # its gradient depends on x
             (lambda x: F.cross_entropy(x * x, y), [x]),
             (lambda x: F.cross_entropy(x * x, y, weight=w, label_smoothing=0.1, reduction="sum"), [x]),
             (lambda x: F.cross_entropy(x * x, y3, reduction="none") * x[:, 0], [x3]),
             (lambda x, p: F.cross_entropy(x * x, p * p, label_smoothing=0.2, weight=w), [x, p]),
             (lambda x: F.nll_loss(F.log_softmax(x * x, 1), y, weight=w), [x])]
    for f, inputs in cases:
        assert gradgradcheck(f, inputs)


def test_linear_resampling_pooling_padding_and_dropout():
    x = _signed(2, 3, 6, 7)
    cases = [lambda x: F.interpolate(x, scale_factor=2, mode="nearest"),
             lambda x: F.interpolate(x, size=(9, 5), mode="bilinear", align_corners=False),
             lambda x: F.interpolate(x, size=(9, 11), mode="bicubic", align_corners=True),
             lambda x: F.max_pool2d(x, 2),
             lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True),
             lambda x: F.avg_pool2d(x, 3, 2, 1),
             lambda x: F.adaptive_avg_pool2d(x, (4, 3)),
             lambda x: F.adaptive_avg_pool2d(x[0], 1),
             lambda x: F.pad(x, (1, 2, 0, 1), value=0.5),
             lambda x: F.pad(x, (2, 1, 1, 2), mode="reflect"),
             lambda x: F.pad(x, (2, 1, 1, 2), mode="circular"),
             lambda x: (nn.manual_seed(0), F.dropout(x, 0.3))[1]]                # the same mask every call
    for f in cases:
        assert gradgradcheck(lambda x: f(x) ** 2, [x])


def test_selections_masks_and_spreads():
    q, k, v = _signed(1, 2, 3, 4), _signed(1, 2, 3, 4, seed=1), _signed(1, 2, 3, 4, seed=2)
    positive = _t(1, 2, 3, 4, seed=3)
    cases = [lambda q, k, v: q.masked_fill(k > 0, -1.0) * q,
             lambda q, k, v: nn.where(k[0, 0] > 0, q, v[0, :1]) ** 2,
             lambda q, k, v: nn.maximum(q, k) ** 2 + nn.minimum(q, 2 * k) ** 2,
             lambda q, k, v: q.clamp(-0.5, 0.5) ** 2 * k,
             lambda q, k, v: q.max(dim=1)[0] ** 2 + q.min(dim=3, keepdim=True)[0] ** 2,
             lambda q, k, v: q.max() ** 2 * k + q.amax(1) ** 2 + q.amin((1, 3), keepdim=True) ** 2 * k,
             lambda q, k, v: q.var(1) ** 2 + q.std((2, 3), keepdim=True) * q + q.var() * q,
             lambda q, k, v: positive ** k * q + positive ** (v * v),
             lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)]
    for f in cases:
        assert gradgradcheck(f, [q, k, v])


def test_embedding_rows_with_padding_and_frequency_scaling():
    weight, idx = _signed(6, 3), nn.tensor(np.array([[0, 2, 2], [5, 1, 2]]))
    assert gradgradcheck(lambda w: F.embedding(idx, w) ** 2, [weight])
    assert gradgradcheck(lambda w: F.embedding(idx, w, padding_idx=2, scale_grad_by_freq=True) ** 2, [weight])


def test_normalisation_layers_train_and_eval():
    x, w, b = _signed(3, 4, 2, 3), _signed(4, seed=1), _signed(4, seed=2)
    running = (np.full(4, 0.1), np.full(4, 1.5))
    cases = [lambda x, w, b: F.batch_norm(x, np.zeros(4), np.ones(4), w, b, training=True),
             lambda x, w, b: F.batch_norm(x, None, None, training=True) * w.sum(),
             lambda x, w, b: F.batch_norm(x, *running, w, b, training=False),
             lambda x, w, b: F.layer_norm(x.transpose(1, 3), (4,), w, b),
             lambda x, w, b: F.group_norm(x, 2, w, b),
             lambda x, w, b: F.instance_norm(x) * b.sum()]
    for f in cases:
        assert gradgradcheck(lambda x, w, b: f(x, w, b) ** 2, [x, w, b])


def test_a_mixed_partial_through_a_small_network():
    nn.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 6), nn.Tanh(), nn.Linear(6, 1)).double()
    xt = _t(5, 2)

    def u_x(xt):
        with nn.enable_grad():                                      # gradcheck evaluates under no_grad
            u = net(xt)
            return grad(u, xt, nn.ones_like(u), create_graph=True)[0][:, :1]
    assert gradgradcheck(lambda xt: net(xt), [xt])
    assert nn.autograd.gradcheck(u_x, [xt])                         # d/dxt of du/dx: second derivatives


def test_in_place_ops_in_a_graph_differentiate_as_themselves():
    # the tensor that an in-place op rewrites takes that op's create_graph backward, not its former op's
    x = _t(2, 3)
    assert gradgradcheck(lambda x: (x * x).add_(1).mul_(x).t_().unsqueeze_(0), [x])
    h = x * x
    h[0] = 1.0                                                  # setitem's own create_graph backward, not x * x's
    g, = grad(h.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), np.vstack([np.zeros(3), 2 * x.detach().numpy()[1]]))
    np.testing.assert_allclose(grad(g.sum(), x)[0].numpy(), [[0.0] * 3, [2.0] * 3])


def test_what_is_not_differentiable_twice_says_so():
    x, w = _t(2, 4, 4, 4), _t(2, 2, 3, 3)
    with pytest.raises(NotImplementedError, match="adaptive_max_pool2d"):
        grad(F.adaptive_max_pool2d(x, 2).sum(), x, create_graph=True)
    with pytest.raises(NotImplementedError, match="adaptive_max_pool2d"):
        F.adaptive_max_pool2d(x, 2).sum().backward(create_graph=True)
    with pytest.raises(ValueError, match="in_dim=0"):     # batched: nothing to batch over (as PyTorch's vmap)
        grad((x * x).sum(), x, is_grads_batched=True)


def test_the_graph_is_kept_by_default_with_create_graph_and_released_without():
    x = _t(3)
    y = (x ** 3).sum()
    g, = grad(y, x, create_graph=True)
    g2, = grad(y, x)                                                # still there: retain_graph defaulted to True
    np.testing.assert_allclose(g.detach().numpy(), g2.numpy())
    with pytest.raises(RuntimeError, match="second time"):
        grad(y, x)
    h, = grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.detach().numpy())


def _pinn_and_penalty(lib, F_, rs):
    """A physics-informed residual u_t + u u_x - nu u_xx, a WGAN-GP gradient penalty and a Hessian-vector
    product, written once for both libraries; returns what they compute."""
    out = {}
    net = lib.nn.Sequential(lib.nn.Linear(2, 16), lib.nn.Tanh(), lib.nn.Linear(16, 16), lib.nn.Tanh(),
                            lib.nn.Linear(16, 1)).double()
    net.load_state_dict({k: lib.from_numpy(rs.randn(*v.shape) * 0.5) for k, v in net.state_dict().items()})
    x = lib.from_numpy(rs.rand(20, 1)).requires_grad_(True)
    t = lib.from_numpy(rs.rand(20, 1)).requires_grad_(True)
    opt = lib.optim.Adam(net.parameters(), lr=1e-3)
    losses = []
    for _ in range(3):
        u = net(lib.cat([x, t], dim=1))
        u_x = lib.autograd.grad(u, x, grad_outputs=lib.ones_like(u), create_graph=True)[0]
        u_t = lib.autograd.grad(u, t, grad_outputs=lib.ones_like(u), create_graph=True)[0]
        u_xx = lib.autograd.grad(u_x, x, grad_outputs=lib.ones_like(u_x), create_graph=True)[0]
        loss = lib.mean((u_t + u * u_x - 0.01 / np.pi * u_xx) ** 2) + lib.mean(u[:5] ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    out["pinn"] = losses + [p.detach().numpy().copy() for p in net.parameters()]
    critic = lib.nn.Sequential(lib.nn.Linear(3, 8), lib.nn.LeakyReLU(0.2), lib.nn.Linear(8, 1)).double()
    critic.load_state_dict({k: lib.from_numpy(rs.randn(*v.shape) * 0.5) for k, v in critic.state_dict().items()})
    real, fake, alpha = lib.from_numpy(rs.randn(6, 3)), lib.from_numpy(rs.randn(6, 3)), lib.from_numpy(rs.rand(6, 1))
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    score = critic(mixed)
    g = lib.autograd.grad(score, mixed, lib.ones(score.size(), dtype=lib.float64), create_graph=True,
                          retain_graph=True, only_inputs=True)[0]
    penalty = ((g.view(g.size(0), -1).norm(2, dim=1) - 1) ** 2).mean() * 10
    penalty.backward()
    out["penalty"] = [penalty.item()] + [None if p.grad is None else p.grad.numpy().copy() for p in critic.parameters()]
    conv_critic = lib.nn.Sequential(lib.nn.Conv2d(2, 4, 3, stride=2, padding=1), lib.nn.LeakyReLU(0.2),
                                    lib.nn.Conv2d(4, 4, 3, padding=1), lib.nn.Softplus(), lib.nn.Flatten(),
                                    lib.nn.Linear(4 * 4 * 4, 1)).double()
    conv_critic.load_state_dict({k: lib.from_numpy(rs.randn(*v.shape) * 0.3)
                                 for k, v in conv_critic.state_dict().items()})
    images = lib.from_numpy(rs.randn(3, 2, 8, 8)).requires_grad_(True)
    score = conv_critic(images).sum()
    g, = lib.autograd.grad(score, images, create_graph=True)
    r1 = (g ** 2).sum() * 5                                             # an R1 penalty
    r1.backward()
    out["conv penalty"] = [r1.item()] + [None if p.grad is None else p.grad.numpy().copy()
                                         for p in conv_critic.parameters()]
    # a second-order meta-learning step: the loss after one inner SGD step, differentiated through that step
    meta = lib.nn.Linear(5, 3).double()
    meta.load_state_dict({k: lib.from_numpy(rs.randn(*v.shape)) for k, v in meta.state_dict().items()})
    xs, ys = lib.from_numpy(rs.randn(8, 5)), lib.from_numpy(rs.randint(0, 3, 8))
    inner = lib.nn.functional.cross_entropy(meta(xs), ys)
    gw, gb = lib.autograd.grad(inner, [meta.weight, meta.bias], create_graph=True)
    adapted = lib.nn.functional.linear(xs, meta.weight - 0.5 * gw, meta.bias - 0.5 * gb)
    outer = lib.nn.functional.cross_entropy(adapted.softmax(1).log(), ys, label_smoothing=0.1)
    out["meta"] = [outer.item()] + [gr.numpy() for gr in lib.autograd.grad(outer, [meta.weight, meta.bias])]
    # backward(create_graph=True): each .grad is recorded, so a penalty on it adds a second-order term;
    # backward(inputs=...) adds into the named tensors' .grad only
    lin = lib.nn.Linear(3, 2).double()
    lin.load_state_dict({k: lib.from_numpy(rs.randn(*v.shape)) for k, v in lin.state_dict().items()})
    (lin(lib.from_numpy(rs.randn(4, 3))) ** 3).sum().backward(create_graph=True)
    first = [p.grad.detach().numpy().copy() for p in lin.parameters()]
    penalty = (lin.weight.grad ** 2).sum() + (lin.bias.grad ** 2).sum()
    penalty.backward(inputs=[lin.weight])
    out["backward create_graph"] = [penalty.item()] + first + [p.grad.detach().numpy() for p in lin.parameters()]
    lin.zero_grad()                                                     # and several outputs at once
    y = lin(lib.from_numpy(rs.randn(4, 3)))
    lib.autograd.backward([y, y.sum() * 3], [lib.from_numpy(rs.randn(4, 2)), None])
    out["backward create_graph"] += [p.grad.numpy() for p in lin.parameters()]
    w = lib.from_numpy(rs.randn(4)).requires_grad_(True)
    g, = lib.autograd.grad((lib.sin(w) * w.exp()).sum() + (w @ w) ** 2, w, create_graph=True)
    out["hvp"] = [lib.autograd.grad(g @ lib.from_numpy(rs.randn(4)), w)[0].numpy()]
    return out


@pytest.mark.filterwarnings("ignore:Using backward.. with create_graph=True")
def test_against_pytorch_a_physics_informed_loss_a_gradient_penalty_and_a_hessian_vector_product():
    torch = pytest.importorskip("torch")
    ours = _pinn_and_penalty(nn, F, np.random.RandomState(0))
    theirs = _pinn_and_penalty(torch, torch.nn.functional, np.random.RandomState(0))
    for key in ("pinn", "penalty", "conv penalty", "meta", "backward create_graph", "hvp"):
        for a, b in zip(ours[key], theirs[key]):
            if b is None:
                assert a is None, key
            else:
                np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=key)


def test_jacobian_and_hessian():
    from nn.autograd.functional import hessian, jacobian
    rng = np.random.default_rng(0)
    a, x = rng.standard_normal((4, 3)), rng.standard_normal(3)
    A, xt = nn.tensor(a), nn.tensor(x)
    np.testing.assert_allclose(jacobian(lambda v: A @ v.tanh(), xt).numpy(), a * (1 - np.tanh(x) ** 2), rtol=1e-12)
    # (x.x)^2: H = 8 x x' + 4 (x.x) I
    np.testing.assert_allclose(hessian(lambda v: (v @ v) ** 2, xt).numpy(), 8 * np.outer(x, x) + 4 * (x @ x) * np.eye(3),
                               rtol=1e-12)
    J = jacobian(lambda u, v: (u * v).sum(), (xt, 2 * xt))
    assert isinstance(J, tuple) and J[0].shape == (3,) and not J[0].requires_grad
    H = hessian(lambda u, v: (u * u * v).sum(), (xt, 2 * xt))
    np.testing.assert_allclose(H[0][1].numpy(), np.diag(2 * x), rtol=1e-12)           # d2/du dv of u^2 v
    torch = pytest.importorskip("torch")

    def both(lib):
        u, w = lib.tensor(x), lib.tensor(a)
        J = lib.autograd.functional.jacobian(lambda u, w: (lib.tanh(w @ u) * w.sum(0)[0]).exp(), (u, w))
        H = lib.autograd.functional.hessian(lambda u, w: (lib.sin(u) * (w @ u)[:3]).sum(), (u, w))
        return [J[0], J[1], H[0][0], H[0][1], H[1][0], H[1][1]]
    for p, q in zip(both(nn), both(torch)):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-10, atol=1e-12)
