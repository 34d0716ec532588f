"""Neural audio codecs and audio DSP from the package registry: encodec 0.1.1, vocos 0.1.0, julius 0.2.8, auraloss 0.4.0
and torchlibrosa 0.1.0 (installed with --no-deps; torchaudio, librosa and huggingface_hub stand-ins, the same modules
on both sides), ported by the porting rule and run against the originals on PyTorch 2.13 with PyTorch's weights and
the same NumPy inputs and random draws in float64: encodec's SEANet encoder / decoder (weight_norm, time_group_norm,
causal, LSTM), SConv1d / SConvTranspose1d / NormConv2d / SLSTM, the residual vector quantizer (k-means init, EMA
codebooks, commitment loss, straight-through gradient), EncodecModel with segments and normalisation, the multi-scale
STFT discriminator, the LM model and the arithmetic coder; vocos' backbones, heads, ISTFT / MDCT / IMDCT,
discriminators and losses; julius' resampling, filters, band splitting and FFT convolution; auraloss' time- and
frequency-domain losses and FIR filters; torchlibrosa's conv-based STFT / ISTFT / DFT, log-mel bank and SpecAugment.

The failures these tests pin down, each in a few lines (none of the packages is imported here):

- matmul / bmm / baddbmm of two dtypes: PyTorch's error depends on the path its matmul takes. Batched products say
  "expected scalar type A but found B" with the operands' order reversed from 400 multiply-adds per matrix on (its
  BLAS path; auraloss' mel filterbank, float32, against a float64 spectrogram of (4, 129, 63) said "Float but found
  Double" where PyTorch says "Double but found Float"); a matrix or vector times a batch folds into mm / addmv
  when the first operand requires grad; a batch or matrix times a vector is addmv's "addmv input tensors must have
  the same dtype" (nn said "expected m1 and m2" whenever one operand was not batched, and never reversed the
  batched order).
- F.fold (torchlibrosa's ISTFT overlap-add with win_length != n_fft): PyTorch's col2im RuntimeErrors in its words
  (nn raised ValueError "fold: input must be ..."), and an unbatched (C * kh * kw, L) input is folded to
  (C, H, W) as PyTorch's (nn refused it).
- float() / int() / bool() / item() of a tensor without exactly one element (`julius.core.volume(x).item()` of a batch):
  PyTorch's exceptions and words ("only one element tensors can be converted to Python scalars" is a ValueError;
  "Boolean value of Tensor with more than one value is ambiguous"; item(): "a Tensor with 3 elements cannot be
  converted to Scalar", then nn's hint). float() of a tensor that requires grad (an auraloss loss logged by
  float(loss)) gives PyTorch's once-per-process UserWarning "Converting a tensor with requires_grad=True to a scalar
  may lead to unexpected behavior." (nn was silent).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def _message(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


def _ones(shape, dtype, requires_grad=False):
    return nn.ones(*shape, dtype=dtype, requires_grad=requires_grad)


# ---- matmul / bmm / baddbmm of two dtypes: the path's own error ----------------------------------------------------

@pytest.mark.parametrize("a_shape, b_shape, expected", [
    ((1, 32, 129), (4, 129, 63), "expected scalar type Double but found Float"),  # auraloss' mel bank: BLAS path
    ((5, 8, 10), (5, 10, 5), "expected scalar type Double but found Float"),      # exactly 400 multiply-adds
    ((3, 4), (2, 4, 5), "expected scalar type Float but found Double"),           # a matrix times a batch: bmm
    ((10, 10), (2, 10, 10), "expected scalar type Double but found Float"),
    ((40,), (2, 40, 10), "expected scalar type Double but found Float"),
    ((3, 4), (4,), "addmv input tensors must have the same dtype, but got Double, Float, and Double"),
    ((2, 3, 4), (4,), "addmv input tensors must have the same dtype, but got Double, Float, and Double"),
])
def test_mixed_dtype_matmul_says_the_paths_error(a_shape, b_shape, expected):
    a, b = _ones(a_shape, nn.float32), _ones(b_shape, nn.float64)
    assert _message(lambda: nn.matmul(a, b)) == (RuntimeError, expected)
    assert _message(lambda: a @ b) == (RuntimeError, expected)


def test_mixed_dtype_matmul_folds_when_the_first_operand_requires_grad():
    # PyTorch computes (b.mT @ a.mT).mT by mm / mv then: the operands in that order
    b = _ones((2, 10, 10), nn.float64)
    assert _message(lambda: _ones((10, 10), nn.float32, True) @ b) == (
        RuntimeError, "expected m1 and m2 to have the same dtype, but got: double != float")
    assert _message(lambda: _ones((10,), nn.float32, True) @ b) == (
        RuntimeError, "addmv input tensors must have the same dtype, but got Float, Double, and Float")
    # 3-D @ 3-D with batch sizes 1 and B: the batch of 1 that requires grad is dropped first (then folded)
    assert _message(lambda: _ones((1, 32, 129), nn.float32, True) @ _ones((4, 129, 63), nn.float64)) == (
        RuntimeError, "expected m1 and m2 to have the same dtype, but got: double != float")
    assert _message(lambda: _ones((7, 1, 10), nn.float32) @ _ones((1, 10, 40), nn.float64, True)) == (
        RuntimeError, "expected m1 and m2 to have the same dtype, but got: float != double")
    # a batch times a batch never folds otherwise
    assert _message(lambda: _ones((2, 2, 10, 10), nn.float32, True) @ b) == (
        RuntimeError, "expected scalar type Double but found Float")


def test_mixed_dtype_bmm_and_baddbmm_follow_the_same_threshold():
    small, large = (2, 3, 4), (2, 10, 10)
    # below 400 multiply-adds per product (its naive loop) the first operand's dtype is the expected one
    assert _message(lambda: _ones((5, 8, 10), nn.float32) @ _ones((5, 10, 4), nn.float64))[1] == \
        "expected scalar type Float but found Double"
    assert _message(lambda: nn.bmm(_ones(small, nn.float32), _ones((2, 4, 3), nn.float64)))[1] == \
        "expected scalar type Float but found Double"
    assert _message(lambda: nn.bmm(_ones(large, nn.float32), _ones(large, nn.float64)))[1] == \
        "expected scalar type Double but found Float"
    assert _message(lambda: nn.baddbmm(_ones((2, 3, 3), nn.float32), _ones(small, nn.float32),
                                       _ones((2, 4, 3), nn.float64)))[1] == \
        "expected scalar type Float but found Double"
    assert _message(lambda: nn.baddbmm(_ones(large, nn.float64), _ones(large, nn.float64),
                                       _ones(large, nn.float32)))[1] == "expected scalar type Float but found Double"


def test_mixed_dtype_matmul_against_pytorch():
    torch = pytest.importorskip("torch")
    for a_shape, b_shape in [((1, 32, 129), (4, 129, 63)), ((3, 4), (2, 4, 5)), ((7, 7), (3, 7, 9)), ((6,), (2, 6, 70)),
                             ((2, 3, 4), (4,)), ((3, 4), (4,)), ((7, 1, 10), (1, 10, 40)), ((2, 2, 9, 9), (2, 9, 9))]:
        for da, db in [("float32", "float64"), ("float64", "float32")]:
            for grad in (False, True):
                with pytest.raises(RuntimeError) as theirs:
                    torch.ones(a_shape, dtype=getattr(torch, da), requires_grad=grad) @ torch.ones(
                        b_shape, dtype=getattr(torch, db))
                a = _ones(a_shape, getattr(nn, da), grad)
                assert _message(lambda: a @ _ones(b_shape, getattr(nn, db)))[1] == str(theirs.value)


# ---- F.fold: PyTorch's col2im errors and unbatched input -----------------------------------------------------------

def test_fold_channel_count_error_is_pytorchs():
    # torchlibrosa's ISTFT(n_fft=128, win_length=100) folds 128 rows with a (1, 100) kernel
    assert _message(lambda: F.fold(nn.ones(2, 128, 41), (1, 1700), (1, 100), stride=(1, 40))) == (
        RuntimeError, "Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got "
                      "input.size(1)=128 and kernel_size=(1, 100).")


def test_fold_block_count_and_rank_errors_are_pytorchs():
    assert _message(lambda: F.fold(nn.ones(1, 8, 9), (4, 4), 2, padding=1)) == (
        RuntimeError, "Given output_size=(4, 4), kernel_size=(2, 2), dilation=(1, 1), padding=(1, 1), stride=(1, 1), "
                      "expected size of input's dimension 2 to match the calculated number of sliding blocks 5 * 5 = "
                      "25, but got input.size(2)=9.")
    assert _message(lambda: F.fold(nn.ones(2, 2, 100, 41), (1, 1700), (1, 100))) == (
        RuntimeError, "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                      "dimensions for input, but got: [2, 2, 100, 41]")


def test_fold_unbatched_input_sums_overlaps_with_its_gradient():
    cols = np.arange(72.0).reshape(8, 9)                   # (C * 2 * 2, 3 * 3) for C = 2, a (4, 4) image
    x = nn.tensor(cols, requires_grad=True)
    y = F.fold(x, (4, 4), 2)
    assert tuple(y.shape) == (2, 4, 4)
    expected = np.zeros((2, 4, 4))
    c = cols.reshape(2, 2, 2, 3, 3)
    for i in range(2):
        for j in range(2):
            expected[:, i:i + 3, j:j + 3] += c[:, i, j]
    np.testing.assert_array_equal(y.detach().numpy(), expected)
    np.testing.assert_array_equal(F.fold(nn.tensor(cols[None]), (4, 4), 2).numpy()[0], expected)
    (y * nn.tensor(np.arange(32.0).reshape(2, 4, 4))).sum().backward()
    w = np.arange(32.0).reshape(2, 4, 4)         # the adjoint: each column entry reads its pixel's weight
    grad = np.stack([w[:, i:i + 3, j:j + 3] for i in range(2) for j in range(2)], 1).reshape(8, 9)
    np.testing.assert_array_equal(x.grad.numpy(), grad)
    assert tuple(nn.Fold((4, 4), 2)(nn.ones(8, 9)).shape) == (2, 4, 4)


def test_fold_against_pytorch():
    torch = pytest.importorskip("torch")
    cols = np.random.default_rng(0).standard_normal((6, 21))
    ours = F.fold(nn.tensor(cols), (5, 6), (3, 2), padding=1, stride=(2, 1))
    np.testing.assert_allclose(ours.numpy(), torch.nn.functional.fold(
        torch.tensor(cols), (5, 6), (3, 2), padding=1, stride=(2, 1)).numpy(), rtol=0, atol=1e-15)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.fold(torch.ones(2, 100, 40), (1, 1700), (1, 100), stride=(1, 40))
    assert _message(lambda: F.fold(nn.ones(2, 100, 40), (1, 1700), (1, 100), stride=(1, 40)))[1] == str(theirs.value)


# ---- float() / int() / bool() / item() of a tensor without one element ---------------------------------------------

def test_python_scalar_conversions_say_pytorchs_words():
    for convert in (float, int):
        for t in (nn.ones(2), nn.ones(0), nn.ones(2, 3)):
            assert _message(lambda: convert(t)) == (ValueError, "only one element tensors can be converted to Python "
                                                                "scalars")
    assert _message(lambda: bool(nn.ones(2))) == (RuntimeError, "Boolean value of Tensor with more than one value is "
                                                                "ambiguous")
    assert _message(lambda: bool(nn.ones(0))) == (RuntimeError, "Boolean value of Tensor with no values is ambiguous")
    kind, words = _message(lambda: nn.ones(3).item())
    assert issubclass(kind, RuntimeError) and words.startswith("a Tensor with 3 elements cannot be converted to Scalar")
    assert float(nn.ones(1, 1)) == 1.0 and int(nn.full((1,), 7)) == 7 and bool(nn.zeros(1)) is False


def test_python_scalar_conversions_against_pytorch():
    torch = pytest.importorskip("torch")
    for fn in (float, int, bool, lambda t: t.item()):
        for shape in ((2,), (0,), (2, 3)):
            with pytest.raises(Exception) as theirs:
                fn(torch.ones(shape))
            kind, words = _message(lambda: fn(nn.ones(*shape)))
            assert issubclass(kind, type(theirs.value)) and words.startswith(str(theirs.value))


# ---- float() of a tensor that requires grad: PyTorch's once-per-process warning ------------------------------------

def test_float_of_a_tensor_that_requires_grad_warns_once(monkeypatch):
    from nn.tensor_ops import convert
    monkeypatch.setattr(convert, "_FLOAT_GRAD_WARNED", [])
    x = nn.ones(1, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with nn.no_grad():
            float(x)                                  # not under no_grad
        x.item(), int(x), float(x.detach())           # nor item() / int() / a detached tensor
        assert caught == []
        assert float(x * 2) == 2.0 and float(x) == 1.0       # once per process
    assert len(caught) == 1 and caught[0].category is UserWarning and caught[0].filename == __file__
    assert str(caught[0].message) == ("Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
                                      "behavior.\nConsider using tensor.detach() first.")
