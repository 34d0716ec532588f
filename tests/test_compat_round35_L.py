"""Five of lucidrains' packages from the package registry: enformer-pytorch 0.8.12, lambda-networks 0.4.0,
axial-attention 0.6.1, mlp-mixer-pytorch 0.3.1 and tab-transformer-pytorch 0.6.1 (installed with --no-deps; the
torch packages they import, hyper-connections, x-mlps-pytorch, torch-einops-utils and
discrete-continuous-embed-readout, ported too), ported by the porting rule (enformer_pytorchp, ...) and run
against the originals on PyTorch 2.13 in float64 with PyTorch's weights: Enformer (stem, conv tower, attention
pooling, relative positional features, heads, Poisson loss, correlation), LambdaLayer (global and local
contexts), AxialAttention / AxialImageTransformer / AxialPositionalEmbedding, MLPMixer / MLPMixer3D /
Permutator, TabTransformer / FTTransformer.

The failure these tests pin down, in a few lines (the packages are not imported here):

- ``nn.Sequential(layer, None)`` is an entry PyTorch keeps (x-mlps-pytorch's ``MLP(..., activation=None)``,
  TabTransformer's default ``mlp_act=None``, builds ``Sequential(Linear, None)``); calling it raises PyTorch's
  TypeError "'NoneType' object is not callable" at the None. nn's forward first asked whether two neighbouring
  entries fuse (an Upsample followed by a Conv2d) and read the hooks of None: AttributeError "'NoneType' object
  has no attribute '__dict__'".
"""
import numpy as np
import pytest

import nn


def test_sequential_with_a_none_entry_fails_at_the_call_as_pytorch():
    # PyTorch 2.13: torch.nn.Sequential(Linear(2, 2), None)(x) -> TypeError "'NoneType' object is not callable"
    seq = nn.Sequential(nn.Linear(2, 2), None)
    with pytest.raises(TypeError, match=r"^'NoneType' object is not callable$"):
        seq(nn.zeros(1, 2))
    # None first, and None after an Upsample (the pair nn checks for fusion) fail the same way
    with pytest.raises(TypeError, match=r"^'NoneType' object is not callable$"):
        nn.Sequential(None, nn.ReLU())(nn.zeros(2))
    with pytest.raises(TypeError, match=r"^'NoneType' object is not callable$"):
        nn.Sequential(nn.Upsample(scale_factor=2), None)(nn.zeros(1, 1, 2, 2))


def test_sequential_with_a_none_entry_is_an_ordinary_module():
    # PyTorch 2.13: len 2, seq[1] is None, named_children / modules skip it, state_dict has the Linear's keys
    seq = nn.Sequential(nn.Linear(2, 2), None).double()
    assert len(seq) == 2 and seq[1] is None
    assert list(dict(seq.named_children())) == ["0"]
    assert [name for name, _ in seq.named_modules()] == ["", "0"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias"]
    assert repr(seq) == "Sequential(\n  (0): Linear(in_features=2, out_features=2, bias=True)\n  (1): None\n)"


def test_upsample_conv_fusion_still_runs_after_the_reordering():
    # an Upsample(x2, nearest) then a 3x3 Conv2d still gives the plain composition (fused or not)
    rng = np.random.default_rng(0)
    seq = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(2, 3, 3, padding=1)).double()
    x = nn.tensor(rng.standard_normal((1, 2, 3, 4)))
    fused = seq(x).detach().numpy()
    seq.fuse_upsample_conv = False
    plain = seq(x).detach().numpy()
    np.testing.assert_allclose(fused, plain, rtol=1e-12, atol=1e-12)


def test_sequential_none_entry_against_pytorch():
    torch = pytest.importorskip("torch")
    for make in (lambda m: m.Sequential(m.Linear(2, 2), None), lambda m: m.Sequential(None, m.ReLU())):
        with pytest.raises(TypeError) as theirs:
            make(torch.nn)(torch.zeros(1, 2))
        with pytest.raises(TypeError) as ours:
            make(nn)(nn.zeros(1, 2))
        assert str(ours.value) == str(theirs.value)
