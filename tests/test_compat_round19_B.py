"""pytorch-widedeep 1.7.0 (wide & deep tabular, text and recommendation models, their losses and Trainer) from the
package registry (`pip install --no-deps`; gensim, spaCy and torchvision, imported at its top level for text
tokenizing and image models only, stood in by name-only modules on both sides), ported by the porting rule (130
`.py` files, 122 changed, renamed `pytorch_widedeepp`) and run against the original on PyTorch with the same
perturbed weights and inputs: Wide, TabMlp (standard, piecewise and periodic continuous embeddings), TabResnet,
TabNet (sparsemax and entmax), TabTransformer, SAINT, FTTransformer, TabPerceiver, TabFastFormer,
ContextAttentionMLP, SelfAttentionMLP, the decoders, ModelFuser, WideDeep with wide + deeptabular, the
recommendation models (DeepFM, xDeepFM, DCN, DCNv2, GDCN, AutoInt, AutoIntPlus) and the RNN text models in float64
(forward, gradients, weights after 3 Adam(W) steps, eval); the package's losses (focal, tweedie, huber, ZILN,
quantile, the FocalR losses, InfoNCE, encoder-decoder); `Trainer.fit` for 2 epochs (binary, regression,
multiclass, focal, huber, quantile, tweedie, ZILN, RMSE objectives; per-component optimizers and schedulers,
LRHistory, EarlyStopping, ModelCheckpoint), `predict` / `predict_proba`, `save` / load both ways, fine-tuning
routines, Tab2Vec, in the Trainer's own float32.

No failure of nn was found in this area: every difference was float32 rounding where the package hard-codes float32
(its Trainer), or a PyTorch refusal of mixed float32 / float64 operands that nn promotes (documented). The tests
below pin down the behaviours of nn that the port leaned on, by hand-stated or NumPy values; they do not import the
package, and pass without PyTorch.
"""
import math

import numpy as np
import pytest

import nn
import nn.functional as F


def test_empty_float_tensor_constructor_as_widedeep_starts_its_deep_side():
    # WideDeep._forward_deep: deepside = torch.FloatTensor().to(device)
    t = nn.FloatTensor().to("cpu")
    assert tuple(t.shape) == (0,) and t.dtype == nn.float32


def test_lognormal_log_prob_from_its_module_path_as_ziln_loss_uses_it():
    # ZILNLoss: torch.distributions.log_normal.LogNormal(loc=loc, scale=scale).log_prob(safe_labels)
    import nn.distributions.log_normal as log_normal
    loc, scale, y = np.array([[0.1], [0.3]]), np.array([[0.5], [0.7]]), np.array([[1.5], [2.0]])
    d = log_normal.LogNormal(loc=nn.tensor(loc), scale=nn.tensor(scale))
    expected = -np.log(y * scale * math.sqrt(2 * math.pi)) - (np.log(y) - loc) ** 2 / (2 * scale ** 2)
    np.testing.assert_allclose(d.log_prob(nn.tensor(y)).numpy(), expected, rtol=1e-14)


def test_one_hot_rows_of_eye_and_focal_binary_cross_entropy_weight():
    # FocalLoss: binary_target = torch.eye(num_class)[target.squeeze().long()], then a weighted BCE
    rows = nn.eye(3)[nn.tensor([2, 0]).long()]
    np.testing.assert_array_equal(rows.numpy(), [[0, 0, 1], [1, 0, 0]])
    assert rows.dtype == nn.float32
    p = np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]], dtype=np.float32)
    w = np.array([[1.0, 2.0, 0.5], [0.25, 1.0, 3.0]], dtype=np.float32)
    got = F.binary_cross_entropy(nn.tensor(p), rows, nn.tensor(w)).item()
    t = rows.numpy()
    expected = np.mean(-w * (t * np.log(p) + (1 - t) * np.log(1 - p)))
    assert abs(got - expected) < 1e-6 * abs(expected)


def test_binary_cross_entropy_refuses_a_target_of_another_dtype_in_pytorchs_words():
    # the float64 FocalLoss fails so on PyTorch (its float32 eye target); nn says the same
    with pytest.raises(RuntimeError, match="Found dtype Float but expected Double"):
        F.binary_cross_entropy(nn.tensor([0.2, 0.7], dtype=nn.float64), nn.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="Found dtype Double but expected Float"):
        F.binary_cross_entropy(nn.tensor([0.2, 0.7]), nn.tensor([0.0, 1.0], dtype=nn.float64))


def test_linear_built_with_a_device_inside_forward():
    # ModelFuser._project: nn.Linear(output_dims[i], proj_dim, bias=False, device=x.device)(x)
    x = nn.ones(2, 3)
    layer = nn.Linear(3, 4, bias=False, device=x.device)
    assert layer.bias is None and tuple(layer(x).shape) == (2, 4)


def test_elementwise_max_of_two_tensors_as_ziln_clamps_its_scale():
    # ZILNLoss: scale = torch.max(F.softplus(input[..., 2:]), eps_tensor)
    a = nn.tensor([[1e-9], [0.5]], dtype=nn.float64)
    eps = nn.full_like(a, np.finfo(np.float64).eps)
    np.testing.assert_array_equal(nn.max(a, eps).numpy(), [[1e-9], [0.5]])
    np.testing.assert_array_equal(nn.max(nn.zeros_like(a), eps).numpy(), eps.numpy())


def test_against_pytorch_lognormal_and_focal_pieces():
    torch = pytest.importorskip("torch")
    loc, scale, y = np.array([[0.1], [-0.3]]), np.array([[0.5], [1.7]]), np.array([[1.5], [0.2]])
    theirs = torch.distributions.log_normal.LogNormal(torch.tensor(loc), torch.tensor(scale)).log_prob(torch.tensor(y))
    import nn.distributions.log_normal as log_normal
    ours = log_normal.LogNormal(nn.tensor(loc), nn.tensor(scale)).log_prob(nn.tensor(y))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-14)
