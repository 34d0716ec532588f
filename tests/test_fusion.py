"""Conv-BatchNorm fusion (nn.utils.fusion, colorize.models.fuse_batchnorm): the fused conv computes what
the pair computes in eval mode, matches PyTorch's fusion, and prediction is unchanged by it."""
import numpy as np
import pytest

import nn
from nn.utils.fusion import fuse_conv_bn_eval
from colorize.models import build_model, fuse_batchnorm, inference


def _randomised_bn(channels, rng, dtype=np.float64):
    bn = nn.BatchNorm2d(channels).to(dtype)
    # (buffers are Tensors: filled by copy_, as in PyTorch, whose indexing takes no NumPy array)
    bn.running_mean.copy_(nn.from_numpy(rng.normal(size=channels)))
    bn.running_var.copy_(nn.from_numpy(rng.uniform(0.2, 3.0, channels)))
    bn.weight.data[...] = rng.normal(size=channels)
    bn.bias.data[...] = rng.normal(size=channels)
    return bn.eval()


@pytest.mark.parametrize("transpose", [False, True])
@pytest.mark.parametrize("bias", [False, True])
def test_fused_conv_computes_conv_then_eval_batchnorm(bias, transpose):
    rng = np.random.default_rng(int(bias) + 2 * int(transpose))
    cls = nn.ConvTranspose2d if transpose else nn.Conv2d
    conv = cls(3, 5, 3, stride=2, padding=1, bias=bias).to(np.float64).eval()
    bn = _randomised_bn(5, rng)
    x = nn.tensor(rng.normal(size=(2, 3, 7, 6)))
    expected = bn(conv(x)).data
    fused = fuse_conv_bn_eval(conv, bn, transpose=transpose)
    np.testing.assert_allclose(fused(x).data, expected, rtol=1e-12, atol=1e-12)
    assert fused.bias is not None and (conv.bias is None) == (not bias)      # the originals are unchanged
    assert np.array_equal(bn(conv(x)).data, expected)


def test_fusion_refuses_training_mode_untracked_statistics_and_grouped_transposed():
    conv, bn = nn.Conv2d(2, 2, 1), nn.BatchNorm2d(2)
    with pytest.raises(ValueError, match="eval"):
        fuse_conv_bn_eval(conv, bn)
    with pytest.raises(ValueError, match="track_running_stats"):
        fuse_conv_bn_eval(conv.eval(), nn.BatchNorm2d(2, track_running_stats=False).eval())
    with pytest.raises(ValueError, match="grouped transposed"):
        fuse_conv_bn_eval(nn.ConvTranspose2d(4, 6, 3, groups=2).eval(), nn.BatchNorm2d(6).eval(), transpose=True)


def test_fused_weights_keep_requires_grad():
    conv, bn = nn.Conv2d(2, 3, 1).eval(), nn.BatchNorm2d(3).eval()
    assert fuse_conv_bn_eval(conv, bn).weight.requires_grad
    conv.weight.requires_grad_(False)
    fused = fuse_conv_bn_eval(conv, bn)
    assert not fused.weight.requires_grad and not fused.bias.requires_grad


def test_fused_weights_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    conv, bn = nn.Conv2d(4, 6, 3, bias=False).eval(), _randomised_bn(6, rng, np.float32)
    theirs_conv, theirs_bn = torch.nn.Conv2d(4, 6, 3, bias=False).eval(), torch.nn.BatchNorm2d(6).eval()
    theirs_conv.load_state_dict({k: torch.tensor(v) for k, v in conv.state_dict().items()})
    theirs_bn.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in bn.state_dict().items()})
    ours = fuse_conv_bn_eval(conv, bn)
    theirs = torch.nn.utils.fusion.fuse_conv_bn_eval(theirs_conv, theirs_bn)
    np.testing.assert_allclose(ours.weight.data, theirs.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.bias.data, theirs.bias.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_sequential_setitem_keeps_the_name():
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    seq[-1] = nn.Identity()
    assert list(dict(seq.named_children())) == ["0", "1"] and isinstance(seq[1], nn.Identity)
    with pytest.raises(IndexError):
        seq[2] = nn.ReLU()
    with pytest.raises(TypeError, match="one index at a time"):
        seq[0:1] = nn.ReLU()


def test_fuse_batchnorm_leaves_a_models_prediction_unchanged():
    model = build_model({"model": "fusion", "width": 8, "depth": 2, "global_dim": 16, "batchnorm": True})
    rng = np.random.default_rng(0)
    for m in model.modules():                      # running statistics away from (0, 1), so fusion matters
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(nn.from_numpy(rng.normal(size=m.num_features)))
            m.running_var.copy_(nn.from_numpy(rng.uniform(0.5, 2.0, m.num_features)))
    x = nn.tensor(rng.uniform(-1, 1, (2, 1, 24, 32)).astype(np.float32))
    with inference(model):
        before = model(x).ab.data
    n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    fuse_batchnorm(model)
    assert n_bn > 0 and not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    with inference(model):
        after = model(x).ab.data
    np.testing.assert_allclose(after, before, rtol=1e-4, atol=1e-5)


def test_fuse_batchnorm_keeps_a_batchnorm_without_running_statistics():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3, track_running_stats=False))

        def forward(self, x):
            return self.body(x)

    model = fuse_batchnorm(Block())
    assert isinstance(model.body[1], nn.BatchNorm2d)


def test_for_prediction_runs_the_upsampling_and_its_conv_as_written(monkeypatch):
    # colorize predict / evaluate keep the two ops: the fused one would compile one more kernel on a first run
    import nn.modules.container as container
    from colorize.models import for_prediction
    calls = []

    def counted(*args):
        calls.append(1)
        return fused_op(*args)
    fused_op = container.upsample2x_conv3x3
    monkeypatch.setattr(container, "upsample2x_conv3x3", counted)
    model = build_model({"model": "fusion", "width": 8, "depth": 2, "global_dim": 16})
    x = nn.tensor(np.random.default_rng(1).uniform(-1, 1, (1, 1, 16, 24)).astype(np.float32))
    with inference(model):
        fused = model(x).ab.data
    n_fused = len(calls)
    for_prediction(model)
    assert all(not m.fuse_upsample_conv for m in model.modules() if isinstance(m, nn.Sequential))
    with inference(model):
        written = model(x).ab.data
    assert n_fused > 0 and len(calls) == n_fused        # the decoder's pairs: fused before, as written after
    np.testing.assert_allclose(written, fused, rtol=0, atol=1e-5)
