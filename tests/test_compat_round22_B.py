"""EEG decoding from the package registry: braindecode 1.8.1 (with mne 1.13.2, lazy_loader 0.6, docstring-inheritance
3.0.0 and torchinfo 1.8.0, installed with --no-deps; skorch, scikit-learn, mne_bids, wfdb, h5py, pooch and
linear_attention_transformer name-only stand-ins on both sides, scikit-learn's ``check_random_state``,
``pairwise_distances``, ``kneighbors_graph`` and torchaudio's ``fftconvolve`` as stand-ins that run), ported by the
porting rule (every .py file; renamed braindecodep in its import lines) and run against the original on PyTorch 2.13
with PyTorch's weights and the same NumPy inputs in float64: 46 of braindecode.models (EEGNet, ShallowFBCSPNet,
Deep4Net, the EEGInception pair, EEGITNet, EEGConformer, ATCNet, TCN / BDTCN, HybridNet, the sleep stagers, USleep,
TIDNet, EEGSimpleConv, ContraWR, SPARCNet, EEGMiner, FBCNet / FBMSNet / FBLightConvNet, IFNet, CTNet,
AttentionBaseNet, EEGNeX, AttnSleep, DeepSleepNet, SignalJEPA and its three heads, EEGTCNet, SCCNet, TSception,
SincShallowNet, MSVTNet, EEGSym, SSTDPN, TCFormer, MEDFormer, EEGPT, CBraMod, DGCNN, Labram; SyncNet in float32) in
train and eval mode with input and parameter gradients, SGD steps and state_dicts both ways; every transform of
braindecode.augmentation with its NumPy-drawn randomness, the functional augmentations, braindecode.functional and
the training losses (CroppedLoss, TimeSeriesLoss, mixup_criterion).

The failures these tests pin down, each in a few lines (braindecode is not imported here): the sensor-rotation
transforms build their rotation matrix with ``torch.hstack([zero, torch.cos(angle), -torch.sin(angle)])`` on 0-d
angles, which PyTorch joins after ``atleast_1d`` and nn refused ("cat: dim 1 is out of range"); they normalise the
positions by ``torch.linalg.norm(rr, axis=1, keepdim=True)``, NumPy's ``axis=`` that PyTorch's argument parser
takes for ``dim=`` and nn's linalg norms did not; ``FTSurrogate`` checks
``isinstance(eps, (Real, torch.FloatTensor, torch.cuda.FloatTensor))`` and nn had no ``nn.cuda.FloatTensor``.
With them: ``cat`` / ``stack`` / ``hstack`` / ``vstack`` / ``dstack`` / ``column_stack`` now refuse what PyTorch
refuses in its words (empty lists, 0-d tensors in cat, stack's unequal sizes, dims out of range; cat's
mismatched ranks and sizes keep nn's words, which an earlier test pins).
"""
import numpy as np
import pytest

import nn


# ---- hstack / vstack of 0-d tensors (braindecode's _make_rotation_matrix) ----------------------------------------

def _rotation_x(lib, angle):
    """braindecode's rotation matrix about x of a 0-d angle, as it builds it (PyTorch: [[1,0,0],[0,c,-s],[0,s,c]])."""
    zero = lib.zeros(1, dtype=lib.float64)
    a = lib.as_tensor(np.float64(angle))
    return lib.stack([lib.as_tensor([1, 0, 0]), lib.hstack([zero, lib.cos(a), -lib.sin(a)]),
                      lib.hstack([zero, lib.sin(a), lib.cos(a)])])


def test_hstack_takes_0d_tensors_as_atleast_1d():
    r = _rotation_x(nn, 0.3)
    c, s = np.cos(0.3), np.sin(0.3)
    np.testing.assert_allclose(r.numpy(), [[1, 0, 0], [0, c, -s], [0, s, c]], rtol=1e-15)
    assert nn.hstack([nn.tensor(1), nn.tensor(2.0)]).tolist() == [1.0, 2.0]
    assert nn.hstack([nn.zeros(1), nn.tensor(0.5), nn.tensor([1.0, 2.0])]).tolist() == [0.0, 0.5, 1.0, 2.0]
    # 2-D first: along dim 1
    assert tuple(nn.hstack([nn.ones(2, 1), nn.ones(2, 3)]).shape) == (2, 4)


def test_hstack_gradient_of_0d_pieces():
    a = nn.tensor(0.3, dtype=nn.float64, requires_grad=True)
    out = nn.hstack([nn.zeros(1, dtype=nn.float64), nn.cos(a), -nn.sin(a)])
    (out * nn.tensor([5.0, 2.0, 3.0], dtype=nn.float64)).sum().backward()
    np.testing.assert_allclose(a.grad.item(), -2 * np.sin(0.3) - 3 * np.cos(0.3), rtol=1e-15)


def test_vstack_takes_0d_tensors_as_1x1():
    assert tuple(nn.vstack([nn.tensor(1.0), nn.tensor(2.0)]).shape) == (2, 1)
    assert tuple(nn.vstack([nn.ones(3), nn.ones(2, 3)]).shape) == (3, 3)


@pytest.mark.parametrize("name", ["hstack", "vstack", "dstack", "column_stack", "stack"])
def test_joins_refuse_an_empty_list_in_pytorchs_words(name):
    with pytest.raises(RuntimeError, match=f"^{name} expects a non-empty TensorList$"):
        getattr(nn, name)([])


def test_cat_errors_are_pytorchs():
    with pytest.raises(ValueError, match=r"^torch\.cat\(\): expected a non-empty list of Tensors$"):
        nn.cat([])
    with pytest.raises(RuntimeError, match=r"^zero-dimensional tensor \(at position 1\) cannot be concatenated$"):
        nn.cat([nn.ones(1), nn.tensor(1.0)])
    with pytest.raises(RuntimeError):        # PyTorch's words there: "Tensors must have same number of dimensions"
        nn.hstack([nn.tensor([1.0]), nn.ones(2, 2)])
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of \[-1, 0\], but got "
                                         r"-2\)$"):
        nn.cat([nn.ones(2)], -2)
    # PyTorch's legacy rule still holds: a (0,) tensor is left out whatever the others' shape
    assert tuple(nn.cat([nn.tensor([]), nn.ones(2, 2)], 1).shape) == (2, 2)


def test_stack_errors_are_pytorchs():
    with pytest.raises(RuntimeError, match=r"^stack expects each tensor to be equal size, but got \[2\] at entry 0 "
                                           r"and \[3\] at entry 2$"):
        nn.stack([nn.ones(2), nn.ones(2), nn.ones(3)], 1)
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of \[-2, 1\], but got "
                                         r"2\)$"):
        nn.stack([nn.ones(2)], 2)
    assert tuple(nn.stack([nn.ones(2)], -2).shape) == (1, 2)


def test_joins_match_pytorch():
    torch = pytest.importorskip("torch")
    for lib_args in ([0.3], [1.2]):
        np.testing.assert_allclose(_rotation_x(nn, *lib_args).numpy(), _rotation_x(torch, *lib_args).numpy(),
                                   rtol=1e-15)
    bad = [lambda L: L.cat([L.ones(2)], 1), lambda L: L.cat([L.tensor(1.0)]), lambda L: L.stack([L.ones(2), L.ones(3)]),
           lambda L: L.stack([L.ones(2)], -3), lambda L: L.hstack([]), lambda L: L.vstack([])]
    for f in bad:
        with pytest.raises(Exception) as theirs:
            f(torch)
        with pytest.raises(type(theirs.value)) as ours:
            f(nn)
        assert str(ours.value) == str(theirs.value)


# ---- linalg norms take NumPy's axis= / keepdims= (braindecode's _torch_normalize_vectors) ------------------------

def test_linalg_norms_take_axis_and_keepdims():
    x = nn.tensor([[3.0, 4.0], [0.0, 0.0], [1.0, 1.0]], dtype=nn.float64)
    n = nn.linalg.norm(x, axis=1, keepdim=True)
    np.testing.assert_allclose(n.numpy(), [[5.0], [0.0], [np.sqrt(2)]], rtol=1e-15)
    assert tuple(nn.linalg.vector_norm(x, axis=1, keepdims=True).shape) == (3, 1)
    np.testing.assert_allclose(nn.linalg.matrix_norm(x[None], axis=(1, 2)).numpy(), [np.sqrt(27.0)], rtol=1e-15)
    np.testing.assert_allclose(nn.linalg.norm(x, axis=0).numpy(), [np.sqrt(10.0), np.sqrt(17.0)], rtol=1e-15)
    # braindecode: norm > 0 as a mask, zero rows divided by 1
    norm = nn.linalg.norm(x, axis=1, keepdim=True)
    norm[~(norm > 0)] = 1
    np.testing.assert_allclose((x / norm).numpy(), [[0.6, 0.8], [0, 0], [2 ** -0.5, 2 ** -0.5]], rtol=1e-15)


# ---- nn.cuda's legacy tensor types (braindecode's ft_surrogate isinstance check) ---------------------------------

def test_cuda_legacy_types_exist_and_match_nothing():
    names = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor",
             "BoolTensor", "HalfTensor", "BFloat16Tensor"]
    for name in names:
        t = getattr(nn.cuda, name)
        assert t.is_cuda and t.dtype == getattr(nn, name).dtype
    x = nn.ones(2)
    assert not isinstance(x, nn.cuda.FloatTensor) and isinstance(x, nn.FloatTensor)
    assert isinstance(0.5, (float, nn.FloatTensor, nn.cuda.FloatTensor))
    assert not isinstance(nn.ones(2, dtype=nn.float64), (nn.FloatTensor, nn.cuda.FloatTensor))
    with pytest.raises(TypeError, match=r"^type torch\.cuda\.FloatTensor not available\. Torch not compiled with "
                                        r"CUDA enabled\.$"):
        nn.cuda.FloatTensor(2)
