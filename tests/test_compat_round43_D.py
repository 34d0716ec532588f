"""grad-cam 1.5.7 (pytorch_grad_cam; with ttach 0.0.3 ported beside it, scikit-learn 1.9.1, tqdm, OpenCV, and a
torchvision stub holding only tensor `resize` and `ops.box_iou`, written for both sides), PyHessian 0.1 and
pytorch-revgrad 0.2.0, installed with --no-deps from their sdist / wheels, every .py file ported by the porting rule
(packages renamed pytorch_grad_camp, ttachp, pyhessianp, pytorch_revgradp) and run against the originals on PyTorch
2.13 in one process, in float64 (and float32), with PyTorch's weights loaded into the ported models and the same
random draws (np.random for RandomCAM; torch.randn / randn_like / randint_like replaced on both sides by one NumPy
stream each for ROAD's imputer and PyHessian's vectors).

grad-cam: GradCAM, HiResCAM, GradCAMElementWise, GradCAM++, XGradCAM, EigenCAM, EigenGradCAM, LayerCAM, ScoreCAM,
AblationCAM (also ratio_channels_to_ablate < 1), FullGrad, KPCA_CAM, ShapleyCAM, FEM, SegEigenCAM, RefineCAM,
RandomCAM, FinerCAM (GradCAM and ShapleyCAM bases) and SESS on a small CNN with BatchNorm (one and two target layers,
eigen_smooth, aug_smooth through ttach, the default and explicit targets: ClassifierOutputTarget, its Softmax and
ReST forms, FinerWeightedTarget, SoftmaxOutputTarget, RawScoresOutputTarget, SemanticSegmentationTarget on a
segmentation net, FasterRCNNBoxScoreTarget with fasterrcnn_reshape_transform on a dict-output detector), a token
model with vit_reshape_transform / swinT_reshape_transform (AblationLayerVit), ActivationsAndGradients,
GuidedBackpropReLUModel, DeepFeatureFactorization, and the metrics (CamMultImageConfidenceChange, DropInConfidence,
IncreaseInConfidence, ROAD MoRF / LeRF / averages / combined, Complexity, Coherency, ARCC): the CAMs agree exactly in
float64 (ScoreCAM 1 float32 ulp, 6e-8: its softmax runs on torch.Tensor(scores), float32), gradients 2.8e-16,
float32 1e-6. PyHessian: hessian(...).eigenvalues (top 3), trace, density (with torch.eig, removed since 1.9, given
as eigh on both sides) on an MLP and a CNN with cross-entropy and MSE, for one batch and a DataLoader: 2.6e-15.
revgrad: a domain-adversarial net (RevGrad with alpha 1, 0.3, 2.5) under SGD and Adam, 3 steps: 3.3e-16 (float32
4.5e-7), the functional form's reversed gradients exact.

The failure of nn these tests pin down (the package is not imported here):

- ActivationsAndGradients stores the gradient a tensor hook sees (``output.register_hook(_store_grad)``, kept as
  ``grad.cpu().detach()``) and the CAM methods read it as ``g.cpu().data.numpy()``; behind an AdaptiveAvgPool2d
  (or a mean) nn handed the hook the backward's read-only np.broadcast_to array, so writing into the stored
  gradient (``grads[grads < 0] = 0`` in a Grad-CAM variant, or ``g.mul_(...)`` in a hook) failed with NumPy's
  "assignment destination is read-only" or nn's overlap error, where PyTorch's hooks get a tensor of their own, and
  what a hook writes into it flows on. The same held for grad_fn hooks and modules' full backward (pre-)hooks.
"""
import numpy as np
import pytest

import nn


def _cnn(lib):
    """A conv -> ReLU -> AdaptiveAvgPool2d(1) -> Linear classifier with hand-set weights (grad-cam's usual shape)."""
    conv = lib.nn.Conv2d(1, 2, 1, bias=False)
    lin = lib.nn.Linear(2, 3, bias=False)
    with lib.no_grad():
        conv.weight.copy_(lib.tensor([[[[1.0]]], [[[2.0]]]], dtype=lib.float64))
        lin.weight.copy_(lib.tensor([[1.0, -1.0], [0.5, 2.0], [-3.0, 1.0]], dtype=lib.float64))
    relu = lib.nn.ReLU()
    model = lib.nn.Sequential(conv.double(), relu, lib.nn.AdaptiveAvgPool2d(1), lib.nn.Flatten(), lin.double())
    return model


class ActivationsAndGradients:
    """pytorch_grad_cam's ActivationsAndGradients (1.5.7), as written there (detach=True, no reshape_transform)."""

    def __init__(self, model, target_layers):
        self.model, self.gradients, self.activations = model, [], []
        self.handles = [h for layer in target_layers for h in (layer.register_forward_hook(self.save_activation),
                                                                layer.register_forward_hook(self.save_gradient))]

    def save_activation(self, module, input, output):
        self.activations.append(output.cpu().detach())

    def save_gradient(self, module, input, output):
        if not hasattr(output, "requires_grad") or not output.requires_grad:
            return

        def _store_grad(grad):
            self.gradients = [grad.cpu().detach()] + self.gradients
        output.register_hook(_store_grad)

    def __call__(self, x):
        self.gradients, self.activations = [], []
        return self.model(x)


# ---- a tensor hook's gradient is the hook's own --------------------------------------------------------------------

def test_gradient_stored_by_a_cam_hook_can_be_written_into():
    model = _cnn(nn)
    ag = ActivationsAndGradients(model, [model[1]])
    x = nn.tensor(np.arange(8.0).reshape(1, 1, 2, 4) - 3.0)
    out = ag(x)
    out[:, 2].sum().backward()                  # ClassifierOutputTarget(2)
    grads = ag.gradients[0].cpu().data.numpy()  # (1, 2, 2, 4): d out[2] / d relu = W[2, c] / (2 * 4)
    np.testing.assert_array_equal(grads, np.broadcast_to(np.array([-3.0, 1.0])[None, :, None, None] / 8, (1, 2, 2, 4)))
    assert grads.flags.writeable            # PyTorch's .numpy() of the stored gradient; nn's was a read-only broadcast
    grads[grads < 0] = 0                        # a Grad-CAM variant keeping the positive gradients
    assert grads[0, 0].sum() == 0 and grads[0, 1].sum() == 1.0
    g = ag.gradients[0]
    g.mul_(2)                                   # in place on the Tensor: PyTorch's is contiguous (48, 16, 4, 1)-like
    assert g.is_contiguous() and g[0, 1, 0, 0].item() == 0.25


def test_what_a_tensor_hook_writes_into_its_gradient_flows_on():
    # PyTorch: the hook's in-place change reaches the leaf (d mean(2x) / dx = 2/3, times 3 -> 2)
    x = nn.ones(2, 3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g.mul_(3))      # (its result is g itself: the same gradient goes on)
    y.mean(1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))
    # behind adaptive_avg_pool2d (the CAMs' target layers): zeroing the gradient in the hook zeroes the leaf's
    x = nn.ones(1, 2, 2, 2, requires_grad=True)
    y = x * 1.0
    y.register_hook(lambda g: g.zero_())
    nn.functional.adaptive_avg_pool2d(y, 1).sum().backward()
    assert x.grad.abs().sum().item() == 0


def test_node_hooks_and_module_backward_hooks_get_writable_gradients():
    seen = {}
    x = nn.ones(2, 3, requires_grad=True)
    y = x * 2
    y.grad_fn.register_prehook(lambda go: seen.update(pre=go[0].numpy().flags.writeable))
    y.grad_fn.register_hook(lambda gi, go: seen.update(node=(gi[0].numpy().flags.writeable,
                                                             go[0].numpy().flags.writeable)))
    y.mean(1).sum().backward()
    assert seen == {"pre": True, "node": (True, True)}

    def pre(module, grad_output):
        grad_output[0].mul_(0)                  # PyTorch: written into, so the input's gradient is zero

    lin = nn.nn.Linear(3, 3)
    lin.register_full_backward_pre_hook(pre)
    x = nn.ones(2, 3, requires_grad=True)
    lin(x).mean(1).sum().backward()
    assert x.grad.abs().sum().item() == 0

    stored = []
    relu = nn.nn.ReLU()
    relu.register_full_backward_hook(lambda m, gi, go: stored.append(go[0].numpy()))
    x = nn.ones(1, 2, 3, 3, requires_grad=True)
    nn.functional.adaptive_avg_pool2d(relu(x), 1).sum().backward()
    assert stored[0].flags.writeable and stored[0].shape == (1, 2, 3, 3)
    np.testing.assert_array_equal(stored[0], np.full((1, 2, 3, 3), np.float32(1 / 9)))      # float32 input


# ---- against PyTorch, where installed -----------------------------------------------------------------------------

def test_hook_gradients_as_pytorchs():
    torch = pytest.importorskip("torch")
    x0 = np.random.default_rng(0).standard_normal((2, 1, 2, 4))
    for lib in (torch, nn):
        model = _cnn(lib)
        ag = ActivationsAndGradients(model, [model[1]])
        out = ag(lib.tensor(x0))
        out[:, 1].sum().backward()
        g = ag.gradients[0].cpu().data.numpy()
        g[g < 0] = 0
        if lib is torch:
            expected = g.copy()
        else:
            np.testing.assert_array_equal(g, expected)
    for lib in (torch, nn):
        x = lib.tensor(x0, requires_grad=True)
        y = x * 3
        y.register_hook(lambda g: g.mul_(-1))
        lib.nn.functional.adaptive_avg_pool2d(y, 1)[:, 0, 0, 0].sum().backward()
        if lib is torch:
            expected = x.grad.numpy().copy()
        else:
            np.testing.assert_array_equal(x.grad.numpy(), expected)
