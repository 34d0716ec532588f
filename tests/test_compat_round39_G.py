"""Domain adaptation and Lightning's model zoo from the package registry: pytorch-adapt 0.0.83 (with
pytorch-metric-learning 1.6.3, torchmetrics 0.9.3, scikit-learn 1.9.1) and lightning-bolts 0.7.0 (pl_bolts, on
pytorch-lightning 1.9.5 with torchmetrics 0.11.4 and lightning-utilities 0.15.3), installed with --no-deps into a
private folder (setuptools 75.8 for the pkg_resources both import; torchvision a name-only stand-in on both sides),
ported by the porting rule (pytorch_adaptp, pl_boltsp, pytorch_lightningp, torchmetricsp, ...) and run against the
originals on PyTorch 2.13 in one process, in float64, with PyTorch's weights (perturbed) loaded into nn's and every
draw handed over (F.dropout masks, torch.randn / rand for VAT noise, ATDOC's memory, StochasticLinear, sliced
Wasserstein projections, the VAE's reparameterised draw, the GANs' noise): pytorch-adapt's 40 layers and losses,
its adapters (Classifier, Finetuner, DANN, DANNE, CDAN(E), CDANNE, GAN(E), DomainConfusion, GVB(E), MCD, SymNets,
VADA, Aligner, ADDA; hooks BSP, MCC, BNM, AFN, entropy, diversity, ATDOC) for 3 steps; pl_bolts' AE / VAE, GAN /
DCGAN / Pix2Pix / SRGAN components, UNet, PixelCNN, image GPT-2, SimCLR, BYOL (with its EMA update), SimSiam,
SwAV (sinkhorn), the RL networks and losses, LARS and the warm-up cosine schedules, and Lightning 1.9's Trainer
fitting LogisticRegression, LinearRegression, GAN and DCGAN: outputs, gradients and weights agree to 1e-13 or
better (the exceptions, conditioning or the packages' own float32, are in docs/pytorch_compatibility.md).

The failures of nn these tests pin down (the packages are not imported here):

- ``import pytorch_lightning`` (1.9) reads ``torch.backends.quantized.supported_engines`` at import: nn had no
  ``nn.backends.quantized``. It now has PyTorch's module for a build without quantized engines: ``['none']``,
  ``engine`` 'none', other engines refused in PyTorch's words.
- Lightning 1.9's QuantizationAwareTraining callback (imported by ``import pytorch_lightning``) imports
  ``torch.ao.quantization.qconfig.QConfig``, ``torch.quantization.FakeQuantizeBase`` / ``fuse_modules`` and
  ``torch.ao.quantization.fuse_modules_qat``: none existed.
- pl_bolts' PixelCNN builds ``nn.ConstantPad2d((0, 0, 1, 0, 0, 0, 0, 0), 1)``: PyTorch keeps a padding tuple as
  given (F.pad pads as many dims as it has pairs; an odd length is F.pad's RuntimeError when the layer runs); nn
  refused any tuple but four ints when the layer was built.
- pl_bolts' CPCTask builds its InfoNCE labels as ``torch.arange(n) // ((h - i - 1) * w)``, with n = 0 and a zero
  divisor for the last prediction step: PyTorch's integer kernels check each divisor they meet, so an empty result
  is an empty tensor; nn refused any integer zero divisor ("ZeroDivisionError") before looking at the sizes.
"""
import sys

import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- torch.backends.quantized: Lightning 1.9 reads it at import ------------------------------------------------------

def test_quantized_backend_is_pytorchs_build_without_engines():
    # pytorch_lightning/utilities/imports.py, at import:
    supported = bool([eg for eg in nn.backends.quantized.supported_engines if eg != "none"])
    assert supported is False
    q = nn.backends.quantized
    assert q.supported_engines == ["none"] and q.engine == "none"
    assert sys.modules["nn.backends.quantized"] is q
    q.engine = "none"                                            # the one engine there is: accepted
    q.engine = ""
    with pytest.raises(RuntimeError) as info:
        q.engine = "fbgemm"
    assert str(info.value) == "quantized engine FBGEMM is not supported"
    with pytest.raises(RuntimeError) as info:
        q.engine = "x86"
    assert str(info.value) == "quantized engine X86 is not supported"
    with pytest.raises(RuntimeError) as info:
        q.engine = "bogus"
    assert str(info.value) == "bogus is not a valid value for quantized engine"
    with pytest.raises(RuntimeError, match="^Assignment not supported$"):
        q.supported_engines = ["x86"]
    assert q.engine == "none" and q.supported_engines == ["none"]


# ---- torch.quantization / torch.ao.quantization names Lightning 1.9 imports ---------------------------------------

def test_lightning_quantization_callback_imports():
    # pytorch_lightning/callbacks/quantization.py's import lines, ported
    from nn.ao.quantization.qconfig import QConfig
    from nn.quantization import FakeQuantizeBase, fuse_modules
    from nn.ao.quantization import fuse_modules_qat
    import nn.ao.quantization as aoq
    assert nn.quantization.QConfig is QConfig is aoq.QConfig and FakeQuantizeBase is aoq.FakeQuantizeBase
    assert fuse_modules is aoq.fuse_modules
    with pytest.raises(NotImplementedError):
        fuse_modules_qat(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)), ["0", "1"])


def test_qconfig_is_pytorchs_namedtuple_refusing_observer_instances():
    from nn.ao.quantization.qconfig import QConfig
    from nn.ao.quantization import ObserverBase

    class Obs(ObserverBase):
        def forward(self, x):
            return x

        def calculate_qparams(self):
            return 1.0, 0

    q = QConfig(activation=Obs.with_args(dtype=None), weight=Obs)
    assert isinstance(q, tuple) and q._fields == ("activation", "weight") and q.weight is Obs
    assert repr(QConfig(1, 2)) == "QConfig(activation=1, weight=2)"
    with pytest.raises(ValueError) as info:
        QConfig(Obs(dtype=None), Obs)
    assert str(info.value) == ("QConfig received observer instance, please pass observer class instead. "
                               "Use MyObserver.with_args(x=1) to override arguments to constructor if needed")


def test_fuse_modules_folds_eval_conv_bn_and_linear_bn_as_pytorch():
    rng = np.random.default_rng(0)
    m = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(12, 4),
                      nn.BatchNorm1d(4)).double()
    for bn in (m[1], m[5]):
        bn.running_mean.data[...] = rng.standard_normal(bn.running_mean.shape)
        bn.running_var.data[...] = rng.random(bn.running_var.shape) + 0.5
        bn.weight.data[...] = rng.standard_normal(bn.weight.shape)
    with pytest.raises(AssertionError, match="^Fusion only for eval!$"):       # PyTorch's words
        nn.quantization.fuse_modules(m, ["0", "1"])
    m.eval()
    x = nn.tensor(rng.standard_normal((2, 2, 4, 4)))
    fused = nn.quantization.fuse_modules(m, [["0", "1"], ["4", "5"]])
    assert isinstance(fused[1], nn.Identity) and isinstance(fused[5], nn.Identity)
    assert isinstance(m[1], nn.BatchNorm2d)                                  # inplace=False: a copy
    np.testing.assert_allclose(_f(fused(x)), _f(m(x)), rtol=1e-12, atol=1e-12)
    same = nn.quantization.fuse_modules(m, ["0", "1"], inplace=True)
    assert same is m and isinstance(m[1], nn.Identity)


# ---- padding layers keep a tuple as given ----------------------------------------------------------------------------

def test_constant_pad2d_with_eight_values_pads_four_dims_as_pytorch():
    # pl_bolts' PixelCNN: shift the feature map down one row
    pad = nn.ConstantPad2d((0, 0, 1, 0, 0, 0, 0, 0), 1)
    assert pad.padding == (0, 0, 1, 0, 0, 0, 0, 0)
    assert repr(pad) == "ConstantPad2d(padding=(0, 0, 1, 0, 0, 0, 0, 0), value=1)"
    x = nn.tensor(np.arange(24.0).reshape(1, 2, 3, 4), requires_grad=True)
    y = pad(x)
    expected = np.pad(np.arange(24.0).reshape(1, 2, 3, 4), [(0, 0), (0, 0), (1, 0), (0, 0)], constant_values=1)
    np.testing.assert_array_equal(_f(y), expected)
    (y * nn.tensor(np.arange(32.0).reshape(1, 2, 4, 4))).sum().backward()
    np.testing.assert_array_equal(_f(x.grad), np.arange(32.0).reshape(1, 2, 4, 4)[:, :, 1:])
    # fewer pairs than the layer's dims, or more: F.pad's reading, as PyTorch
    assert nn.ConstantPad1d((1, 2, 3, 4), 2.0)(nn.ones(1, 2, 3, 4)).shape == (1, 2, 10, 7)
    assert nn.ConstantPad3d((1, 2), 0.0)(nn.ones(1, 2, 3, 4)).shape == (1, 2, 3, 7)
    assert nn.ZeroPad2d((1, 2))(nn.ones(1, 2, 3, 4)).shape == (1, 2, 3, 7)
    assert nn.ZeroPad2d(2).padding == (2, 2, 2, 2)


def test_an_odd_padding_tuple_is_refused_when_the_layer_runs():
    layer = nn.ZeroPad2d((1, 2, 3))                               # built, as PyTorch's
    assert layer.padding == (1, 2, 3)
    with pytest.raises(RuntimeError, match="^Padding length must be divisible by 2$"):
        layer(nn.ones(1, 2, 3, 4))


# ---- integer division by zero of an empty tensor -------------------------------------------------------------------

def test_integer_division_by_zero_of_an_empty_result_is_empty_as_pytorch():
    # CPCTask.compute_loss_h for the last step i = h - 1: n = 0 rows, and a divisor (h - i - 1) * w of 0
    b, h, w, i = 2, 3, 3, 2
    n = b * (h - i - 1) * w
    b1 = nn.arange(n) // ((h - i - 1) * w)
    c1 = nn.arange(n) % ((h - i - 1) * w)
    labels = b1 * h * w + (i + 1) * w + c1
    assert labels.shape == (0,) and labels.dtype == nn.int64
    empty = nn.zeros(0, 3, dtype=nn.long)
    for result in (empty // nn.tensor([1, 0, 2]), nn.fmod(empty, 0), nn.remainder(empty, 0),
                   empty.div(0, rounding_mode="trunc"), empty.div(0, rounding_mode="floor"),
                   nn.tensor(5) // nn.zeros(0, dtype=nn.long)):
        assert result.numel() == 0 and result.dtype == nn.int64
    # a result with elements meets the zero: PyTorch's error, as before
    for op in (lambda: nn.arange(3) // 0, lambda: nn.arange(3) % 0, lambda: 5 // nn.tensor([0]),
               lambda: nn.fmod(nn.arange(2), 0),
               lambda: nn.tensor([4, 6]).div(nn.tensor([2, 0]), rounding_mode="trunc")):
        with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
            op()


# ---- the packages' idioms, pinned --------------------------------------------------------------------------------

def test_simclr_nt_xent_loss_row_sub_from_legacy_tensor_constructor():
    # SimCLR.nt_xent_loss: Tensor(neg.shape).fill_(e ** (1 / t)) is float32, neg float64: the difference float64
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    out_1, out_2, t = nn.tensor(a, requires_grad=True), nn.tensor(b, requires_grad=True), 0.5
    out = nn.cat([out_1, out_2], dim=0)
    neg = nn.exp(nn.mm(out, out.t().contiguous()) / t).sum(dim=-1)
    row_sub = nn.Tensor(neg.shape).fill_(np.e ** (1 / t))
    assert row_sub.dtype == nn.float32 and (neg - row_sub).dtype == nn.float64
    neg = nn.clamp(neg - row_sub, min=1e-6)
    pos = nn.exp(nn.sum(out_1 * out_2, dim=-1) / t)
    loss = -nn.log(nn.cat([pos, pos], dim=0) / (neg + 1e-6)).mean()
    o = np.concatenate([a, b])
    s = np.exp(o @ o.T / t)
    n = s.sum(-1) - np.float32(np.e ** 2)
    p = np.exp((a * b).sum(-1) / t)
    np.testing.assert_allclose(loss.item(), -np.log(np.concatenate([p, p]) / (n + 1e-6)).mean(), rtol=1e-14)


def test_domain_loss_of_float64_logits_and_float32_labels_is_float32_as_pytorch():
    # pytorch-adapt's DomainLossHook: labels.type(torch.float) against float64 domain logits
    logits = nn.tensor([0.3, -1.2, 2.0], dtype=nn.float64, requires_grad=True)
    labels = nn.zeros(3, dtype=nn.long).type(nn.float)
    loss = nn.BCEWithLogitsLoss(reduction="none")(logits, labels)
    assert loss.dtype == nn.float32                        # PyTorch 2.13: the result takes the target's dtype
    np.testing.assert_allclose(_f(loss), np.log1p(np.exp([0.3, -1.2, 2.0])), rtol=5e-7)
    loss.mean().backward()
    assert logits.grad.dtype == np.float64


def test_gradient_reversal_and_entropy_of_softmax():
    # pytorch-adapt's GradientReversal (an autograd.Function scaling the gradient by -weight) and EntropyLoss
    class _GradientReversal(nn.autograd.Function):
        @staticmethod
        def forward(ctx, x, alpha):
            ctx.alpha = alpha
            return x.view_as(x)

        @staticmethod
        def backward(ctx, grad_output):
            return -ctx.alpha * grad_output, None

    x = nn.tensor([[1.0, 2.0, 0.5]], dtype=nn.float64, requires_grad=True)
    y = _GradientReversal.apply(x, 0.3)
    p = F.softmax(y, dim=1)
    ent = -(p * F.log_softmax(y, dim=1)).sum(dim=1).mean()
    ent.backward()
    q = np.exp([1.0, 2.0, 0.5]) / np.exp([1.0, 2.0, 0.5]).sum()
    np.testing.assert_allclose(ent.item(), -(q * np.log(q)).sum(), rtol=1e-15)
    # dH/dx_i = -q_i (log q_i + H), reversed and scaled
    h = -(q * np.log(q)).sum()
    np.testing.assert_allclose(_f(x.grad)[0], 0.3 * q * (np.log(q) + h), rtol=1e-13)


# ---- against PyTorch, where it is installed -------------------------------------------------------------------------

def test_padding_layers_and_fuse_modules_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((1, 2, 3, 4))
    for name, args in [("ConstantPad2d", ((0, 0, 1, 0, 0, 0, 0, 0), 1.0)), ("ConstantPad1d", ((1, 2, 3, 4), 2.0)),
                       ("ConstantPad3d", ((1, 2), 0.0)), ("ZeroPad2d", ((1, 2),)), ("ZeroPad2d", (1,))]:
        theirs, ours = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(_f(ours(nn.tensor(x))), theirs(torch.tensor(x)).numpy())
    torch.manual_seed(0)
    t = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3), torch.nn.BatchNorm2d(3), torch.nn.Flatten(),
                            torch.nn.Linear(6, 4), torch.nn.BatchNorm1d(4)).double()
    with torch.no_grad():
        for p in t.parameters():
            p.add_(0.3 * torch.randn_like(p))
        for bn in (t[1], t[4]):
            bn.running_mean.normal_()
            bn.running_var.uniform_(0.5, 1.5)
    o = nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.Flatten(), nn.Linear(6, 4), nn.BatchNorm1d(4)).double()
    o.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    t.eval(), o.eval()
    ft = torch.ao.quantization.fuse_modules(t, [["0", "1"], ["3", "4"]])
    fo = nn.quantization.fuse_modules(o, [["0", "1"], ["3", "4"]])
    assert sorted(fo.state_dict()) == sorted(ft.state_dict())
    for k, v in ft.state_dict().items():
        np.testing.assert_allclose(_f(fo.state_dict()[k]), v.numpy(), rtol=1e-13, atol=1e-15, err_msg=k)
    assert [type(m).__name__ for m in fo] == [type(m).__name__ for m in ft]
    assert nn.backends.quantized.supported_engines == ["none"]      # PyTorch's is a build with engines
