"""nnU-Net's network architectures and lucidrains' CLIP from the package registry: dynamic-network-architectures
0.4.4 and x-clip 0.14.4 (installed with --no-deps, with ftfy 6.3.1 for x-clip's tokenizer; torchvision is not
installed, so a name-only stand-in for torchvision.transforms, identity layers, served both sides), ported by the
porting rule (every .py file; renamed dynamic_network_architecturesp / x_clipp in their own import lines) and run
against the originals on PyTorch 2.13 in float64 with PyTorch's weights: PlainConvUNet, ResidualEncoderUNet (BasicBlockD
and BottleneckD), ResidualUNet in 2-d and 3-d, with and without deep supervision, instance and batch norm; ResNetD
(BasicBlockD / BottleneckD, stem variants, squeeze-excitation, stochastic depth) and VGG in 2-d and 3-d; the building
blocks, the helpers mapping a conv class to its norm / dropout / pool / transposed conv, the initialisers; CLIP with
its losses (plain, decoupled, fine-grained all-token, extra latent projection, similarity regularisation, multiview,
MLM, SimSiam / SimCLR, frozen encoders, checkpointing) and its BPE tokenizer.

The failures these tests pin down (no package is imported here): dynamic_network_architectures' helper module does
``from torch.nn.modules.conv import _ConvNd, _ConvTransposeNd``, which nn lacked, so nothing of the package imported;
PyTorch's ConvTranspose1d/2d/3d are ``_ConvTransposeNd`` (a ``_ConvNd``), its Conv3d a ``_ConvNd``, and its
ConvTranspose3d not a Conv3d (nn's ConvTranspose3d subclassed Conv3d, so ``convert_conv_op_to_dim(ConvTranspose3d)``
said 3 where PyTorch raises). ``test_submodules_loadable`` on a ResNetD without a stem (``self.stem = None``) meets
``get_submodule``'s error: PyTorch's walk is hasattr / getattr with "`stem` is not an nn.Module" and "X has no
attribute `y`" (and get_parameter / get_buffer say "`bias` is not an nn.Parameter", "`w` is not a buffer"); nn had
messages of its own and returned None for a None parameter. x-clip's tokenizer pads int64 token lists with an empty
list's ``torch.tensor([])`` (float32) among them: PyTorch's pad_sequence fills an output of the first sequence's
dtype (int64 tokens), nn promoted the batch to float32. x-clip's checkpointed transformer calls
``checkpoint(fn, *args)``: PyTorch 2.13 warns that use_reentrant should be passed (checkpoint_sequential in its own
words) and takes True; nn was silent.
"""
import warnings

import numpy as np
import pytest

import nn
from nn.modules.conv import _ConvNd, _ConvTransposeNd
from nn.utils.rnn import pad_sequence


# ---- the conv class hierarchy ------------------------------------------------------------------------------------

def test_conv_transpose_base_class_as_pytorch():
    for cls in (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d):
        assert issubclass(cls, _ConvTransposeNd) and issubclass(cls, _ConvNd) and cls.transposed
    for cls in (nn.Conv1d, nn.Conv2d, nn.Conv3d):
        assert issubclass(cls, _ConvNd) and not issubclass(cls, _ConvTransposeNd) and not cls.transposed
    assert not issubclass(nn.ConvTranspose3d, nn.Conv3d)
    assert isinstance(nn.ConvTranspose3d(2, 3, 2), _ConvTransposeNd) and isinstance(nn.Conv3d(2, 3, 1), _ConvNd)


def test_conv_op_to_dim_by_issubclass_refuses_transposed_3d():
    # nnU-Net's convert_conv_op_to_dim: issubclass against Conv1d / Conv2d / Conv3d, else ValueError
    def dim(op):
        for d, c in ((1, nn.Conv1d), (2, nn.Conv2d), (3, nn.Conv3d)):
            if issubclass(op, c):
                return d
        raise ValueError(op)
    assert [dim(c) for c in (nn.Conv1d, nn.Conv2d, nn.Conv3d)] == [1, 2, 3]
    for op in (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d):
        with pytest.raises(ValueError):
            dim(op)


def test_conv3d_and_transpose_still_compute_and_print():
    rng = np.random.default_rng(0)
    up = nn.ConvTranspose3d(2, 3, 2, stride=2, bias=False).double()
    assert isinstance(up, _ConvTransposeNd) and not isinstance(up, nn.Conv3d)
    x = nn.tensor(rng.standard_normal((1, 2, 2, 2, 2)))
    y = up(x)
    w = up.weight.detach().numpy()          # each input voxel scatters w[c_in, c_out] into its 2 x 2 x 2 block
    expect = np.einsum("ncdhw,coijk->nodihjwk", x.numpy(), w).reshape(1, 3, 4, 4, 4)
    np.testing.assert_allclose(y.detach().numpy(), expect, rtol=1e-12, atol=1e-14)
    assert repr(up) == "ConvTranspose3d(2, 3, kernel_size=(2, 2, 2), stride=(2, 2, 2), bias=False)"
    assert repr(nn.Conv3d(2, 3, 3, padding=1)) == "Conv3d(2, 3, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))"


def test_conv_hierarchy_matches_torch():
    torch = pytest.importorskip("torch")
    from torch.nn.modules.conv import _ConvNd as TConvNd, _ConvTransposeNd as TConvTransposeNd
    for name in ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"):
        assert issubclass(getattr(nn, name), _ConvTransposeNd) == issubclass(getattr(torch.nn, name), TConvTransposeNd)
        assert issubclass(getattr(nn, name), nn.Conv3d) == issubclass(getattr(torch.nn, name), torch.nn.Conv3d)
        assert issubclass(getattr(torch.nn, name), TConvNd)


# ---- get_submodule / get_parameter / get_buffer messages ---------------------------------------------------------

def _model():
    m = nn.Sequential(nn.Linear(2, 3, bias=False), nn.BatchNorm1d(3))
    m.stem = None
    return m


@pytest.mark.parametrize("target, message", [("stem", "`stem` is not an nn.Module"),
                                             ("0.weight", "`weight` is not an nn.Module"),
                                             ("5", "Sequential has no attribute `5`"),
                                             ("0.nothing", "Linear has no attribute `nothing`")])
def test_get_submodule_errors_as_pytorch(target, message):
    with pytest.raises(AttributeError) as info:
        _model().get_submodule(target)
    assert str(info.value) == message


def test_get_parameter_and_buffer_errors_as_pytorch():
    m = _model()
    assert m.get_submodule("0") is m[0] and m.get_parameter("0.weight") is m[0].weight
    for call, target, message in ((m.get_parameter, "0.bias", "`bias` is not an nn.Parameter"),
                                  (m.get_parameter, "0.in_features", "`in_features` is not an nn.Parameter"),
                                  (m.get_parameter, "0.zz", "Linear has no attribute `zz`"),
                                  (m.get_buffer, "1.weight", "`weight` is not a buffer"),
                                  (m.get_buffer, "1.zz", "BatchNorm1d has no attribute `zz`")):
        with pytest.raises(AttributeError) as info:
            call(target)
        assert str(info.value) == message
    assert m.get_buffer("1.running_mean").shape == (3,)


# ---- pad_sequence's dtype ----------------------------------------------------------------------------------------

def test_pad_sequence_takes_the_first_sequences_dtype():
    tokens = pad_sequence([nn.tensor([5, 7]), nn.tensor([])], batch_first=True, padding_value=0.)
    assert tokens.dtype == nn.int64 and tokens.tolist() == [[5, 7], [0, 0]]
    cut = pad_sequence([nn.tensor([1, 2]), nn.tensor([2.7])], batch_first=True, padding_value=0.5)
    assert cut.dtype == nn.int64 and cut.tolist() == [[1, 2], [2, 0]]
    mixed = pad_sequence([nn.tensor([1.5]), nn.tensor([1, 2])], batch_first=True)
    assert mixed.dtype == nn.float32 and mixed.tolist() == [[1.5, 0.0], [1.0, 2.0]]


def test_pad_sequence_cast_keeps_gradients():
    a = nn.tensor([1., 2.], requires_grad=True)
    b = nn.tensor([2.7], dtype=nn.float64, requires_grad=True)
    out = pad_sequence([a, b], batch_first=True, padding_side="left")
    assert out.dtype == nn.float32 and np.allclose(out.detach().numpy(), [[1, 2], [0, 2.7]])
    (out * nn.tensor([[1., 2.], [3., 4.]])).sum().backward()
    assert a.grad.tolist() == [1.0, 2.0] and b.grad.tolist() == [4.0] and b.grad.dtype == nn.float64


# ---- checkpoint without use_reentrant ----------------------------------------------------------------------------

def test_checkpoint_warns_without_use_reentrant():
    from nn.utils.checkpoint import checkpoint, checkpoint_sequential
    layer = nn.Linear(2, 2)
    x = nn.randn(3, 2, requires_grad=True)
    with pytest.warns(UserWarning, match=r"^torch.utils.checkpoint: the use_reentrant parameter should be passed "
                                         r"explicitly. Starting in PyTorch 2.9"):
        out = checkpoint(layer, x)
    out.sum().backward()
    assert np.allclose(x.grad.numpy(), np.broadcast_to(layer.weight.detach().numpy().sum(0), (3, 2)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checkpoint(layer, x, use_reentrant=False)
        checkpoint(layer, x, use_reentrant=True)
    assert not caught
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checkpoint_sequential(nn.Sequential(layer, nn.Tanh(), nn.Linear(2, 2)), 2, x)
    assert [str(w.message)[:55] for w in caught] == ["torch.utils.checkpoint.checkpoint_sequential: the use_r"]
