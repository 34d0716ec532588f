"""Layer-wise relevance propagation and a segmentation toolbelt from the package registry: zennit 0.5.1 and
pytorch-toolbelt 0.8.0 (installed with --no-deps; torchvision and timm are not installed, so name-only stand-ins
for torchvision.models / torchvision.ops / timm.models.layers served both sides), ported by the porting rule (every
.py file; renamed zennitp / pytorch_toolbeltp in their own import lines) and run against the originals on PyTorch
2.13 in float64 with PyTorch's weights: zennit's composites (EpsilonPlus, EpsilonGammaBox, EpsilonPlusFlat,
EpsilonAlpha2Beta1(Flat), ExcitationBackprop, GuidedBackprop, DeconvNet, BetaSmooth, NameMap / LayerMap /
SpecialFirstLayerMap / Mixed / NameLayerMap composites) with their rules and canonizers (SequentialMergeBatchNorm,
NamedMergeBatchNorm, the ResNet canonizers on blocks built on the stand-in's classes), the attributors (Gradient,
SmoothGrad, IntegratedGradients, Occlusion), the hooks removed and the model unchanged after, zennit.image and
cmap; pytorch-toolbelt's losses, modules (activations, ABN, attention gates, pooling, upsampling, ASPP, OCNet,
encoders, UNet / FPN / DeepLab / BiFPN / CAN decoders, heads), TTA, tiled inference, utils and LR schedules.

The failures these tests pin down (no package is imported here): zennit computes relevances by hooks on the grad_fn
of an identity ``autograd.Function`` placed before each layer (``post.grad_fn.register_hook``) and on the layer
output's grad_fn, and its ``Gradient(create_graph=True)`` (the gradient of a relevance, "explanation of the
explanation") runs the backward with ``create_graph=True``. nn's engine ran a node's ``register_hook`` /
``register_prehook`` hooks only in the plain backward, not under ``create_graph``: there the hooks were skipped, and
the "relevance" silently came back as the plain gradient (zennit then failed at the second-order step with a
KeyError, its stored grad_output never set). PyTorch's engine runs them in both, handing the hooks the recorded
gradients (which require grad where the graph does) and recording what they return. pytorch_toolbelt's
``set_rng_state`` calls ``torch.cuda.set_rng_state``, which nn.cuda lacked (with ``get_rng_state``, ``seed``,
``seed_all`` and ``initial_seed``; nn.cuda.random refused ``set_rng_state`` with an AssertionError where PyTorch
without a GPU takes a Tensor silently).
"""
import numpy as np
import pytest

import nn


# ---- a node's hooks under create_graph --------------------------------------------------------------------------

def test_node_hook_runs_and_replaces_under_create_graph():
    x = nn.tensor([0.5, -1.5, 2.0], dtype=nn.float64, requires_grad=True)
    y = x ** 2
    z = y * 3
    seen = []

    def hook(grad_inputs, grad_outputs):
        seen.append((grad_inputs[0].requires_grad, grad_outputs[0].requires_grad))
        return (grad_inputs[0] * x,)                    # 6x -> 6x**2, recorded

    y.grad_fn.register_hook(hook)
    g, = nn.autograd.grad(z.sum(), x, create_graph=True)
    assert seen == [(True, False)]                      # PyTorch's flags: 6x is recorded, the incoming 3 is not
    np.testing.assert_allclose(g.detach().numpy(), [1.5, 13.5, 24.0], rtol=1e-15)
    assert g.requires_grad
    gg, = nn.autograd.grad(g.sum(), x)                  # d/dx sum(6x**2) = 12x, through the hook's result
    np.testing.assert_allclose(gg.numpy(), [6.0, -18.0, 24.0], rtol=1e-15)


def test_node_prehook_runs_under_create_graph():
    x = nn.tensor([0.5, -1.5, 2.0], dtype=nn.float64, requires_grad=True)
    y = nn.sin(x)
    z = y * x
    seen = []

    def prehook(grad_outputs):
        seen.append(grad_outputs[0].requires_grad)
        return (grad_outputs[0] * x,)

    y.grad_fn.register_prehook(prehook)
    g, = nn.autograd.grad(z.sum(), x, create_graph=True)
    xs = np.array([0.5, -1.5, 2.0])
    np.testing.assert_allclose(g.detach().numpy(), xs ** 2 * np.cos(xs) + np.sin(xs), rtol=1e-14)
    # the second gradient passes y's node again (z = y * x keeps y in g's graph), where the pre-hook turns the
    # incoming 1 into x: d/dx (x**2 cos x) + x cos x, as PyTorch computes it
    gg, = nn.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 2 * xs * np.cos(xs) - xs ** 2 * np.sin(xs) + xs * np.cos(xs), rtol=1e-14)
    assert seen == [True, False]


def test_node_hook_returning_none_keeps_the_recorded_gradient():
    x = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    y = x.exp()
    seen = []
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(grad_inputs[0].requires_grad))
    g, = nn.autograd.grad(y.sum(), x, create_graph=True)
    assert seen == [True]                               # it ran, on the recorded gradient, and returned None
    np.testing.assert_allclose(g.detach().numpy(), np.exp([1.0, 2.0]), rtol=1e-15)
    gg, = nn.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), np.exp([1.0, 2.0]), rtol=1e-15)


# ---- zennit's pattern: an epsilon-LRP rule on an identity Function's node ----------------------------------------

def _lrp_relevance(T, w, x, t, create_graph, eps=0.1):
    """zennit's Hook / BasicHook, cut down to one linear layer out = x @ w.T: an identity Function before the layer
    whose node's hook returns the epsilon-rule relevance x * w.T (t / stabilize(x @ w.T)), the grad_output taken
    from a hook on the layer output's node -> (relevance, input, state); state["active"] = False turns the rule off
    (zennit's Composite.inactive(): the relevance's own graph passes the identity's node again)."""
    class Identity(T.autograd.Function):
        @staticmethod
        def forward(ctx, *inputs):
            return inputs

        @staticmethod
        def backward(ctx, *grad_outputs):
            return grad_outputs

    stored = {"active": True}

    def rule(grad_inputs, grad_outputs):
        if not stored["active"]:
            return None
        inp = stored["input"].clone().requires_grad_()
        go = stored["grad_output"][0]
        with T.enable_grad():
            z = inp @ weight.T
        stabilized = z + eps * ((z >= 0).to(z.dtype) * 2 - 1)
        g, = T.autograd.grad(z, inp, go / stabilized, create_graph=go.requires_grad)
        return (inp * g,)

    weight = T.tensor(w)
    xt = T.tensor(x, requires_grad=True)
    post, = Identity.apply(xt)
    post.grad_fn.register_hook(rule)
    post = post.clone()
    stored["input"] = post
    out = post @ weight.T
    out.grad_fn.register_hook(lambda grad_inputs, grad_outputs: stored.__setitem__("grad_output", grad_outputs))
    relevance, = T.autograd.grad(out, xt, t, create_graph=create_graph)
    return relevance, xt, stored


def _lrp_reference(w, x, t, eps=0.1):
    z = x @ w.T
    return x * ((t / (z + eps * np.where(z >= 0, 1.0, -1.0))) @ w)


W = np.array([[1.0, -2.0, 0.5], [0.3, 0.8, -1.0]])
X = np.array([[0.7, -0.2, 1.3], [-0.4, 0.9, 0.25]])
TARGET = np.array([[1.0, 0.0], [0.0, 1.0]])


def test_lrp_hook_relevance_with_and_without_create_graph():
    expected = _lrp_reference(W, X, TARGET)
    for create_graph in (False, True):
        relevance, _, _ = _lrp_relevance(nn, W, X, nn.tensor(TARGET), create_graph)
        np.testing.assert_allclose(relevance.detach().numpy(), expected, rtol=1e-14, err_msg=str(create_graph))
    plain = TARGET @ W                                  # what nn returned under create_graph before (hook skipped)
    assert not np.allclose(expected, plain)


def test_lrp_hook_relevance_is_differentiable_finite_differences():
    # with a target that requires grad the rule records its own gradient (create_graph=go.requires_grad), so with
    # the rule off, d sum(R) / dx is the full derivative of the epsilon rule: a float64 central finite difference
    target = nn.tensor(TARGET, requires_grad=True)
    relevance, xt, state = _lrp_relevance(nn, W, X, target, create_graph=True)
    state["active"] = False
    grad, = nn.autograd.grad(relevance.sum(), xt)
    h, numeric = 1e-6, np.zeros_like(X)
    for idx in np.ndindex(*X.shape):
        up, down = X.copy(), X.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (_lrp_reference(W, up, TARGET).sum() - _lrp_reference(W, down, TARGET).sum()) / (2 * h)
    np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-7, atol=1e-9)


def test_lrp_hook_matches_pytorch():
    torch = pytest.importorskip("torch")
    for requires in (False, True):
        # the rule stays on for the second gradient here: it runs again where the graph passes its node
        theirs, tx, _ = _lrp_relevance(torch, W, X, torch.tensor(TARGET, requires_grad=requires), True)
        ours, ox, _ = _lrp_relevance(nn, W, X, nn.tensor(TARGET, requires_grad=requires), True)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-14)
        np.testing.assert_allclose(nn.autograd.grad((ours ** 2).sum(), ox)[0].numpy(),
                                   torch.autograd.grad((theirs ** 2).sum(), tx)[0].numpy(), rtol=1e-13)


# ---- torch.cuda's single-device generator calls (pytorch_toolbelt's random_utils) --------------------------------

def test_cuda_single_device_rng_calls_without_a_gpu():
    # PyTorch without a GPU: set_rng_state clones the state for a callback run when CUDA initialises (so a Tensor
    # is taken silently and anything else fails at the clone), seed / seed_all queue nothing, and reading a state
    # or the initial seed initialises CUDA and fails; torch.cuda.random holds the same functions
    state = nn.get_rng_state()
    for module in (nn.cuda, nn.cuda.random):
        assert module.set_rng_state(state) is None and module.set_rng_state(state, device=0) is None
        assert module.seed() is None and module.seed_all() is None
        for read in (module.get_rng_state, module.initial_seed):
            with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled"):
                read()
    # pytorch_toolbelt's set_rng_state hands it the list get_rng_state_all returned: PyTorch's AttributeError
    with pytest.raises(AttributeError, match="'list' object has no attribute 'clone'"):
        nn.cuda.set_rng_state(nn.cuda.get_rng_state_all())
