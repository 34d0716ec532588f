"""GANs, an optimizer and a vocoder from the package registry: lucidrains' lightweight-gan 1.2.1 and
stylegan2-pytorch 1.9.0 (with kornia 0.9.0's filter2d, vector-quantize-pytorch 0.1.0 and contrastive-learner 0.1.1),
adabelief-pytorch 0.2.1 and NVIDIA's bigvgan 2.4.1 (all installed with --no-deps), ported by the porting rule
(lightweight_ganp, stylegan2_pytorchp, korniap, vector_quantize_pytorchp, contrastive_learnerp, adabelief_pytorchp,
bigvganp) and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights and its random draws
handed over (rand / randn / randint and Python's random read one NumPy stream on both sides): the Generator /
Discriminator of each GAN with linear attention, SLE / FCANet, SP-conv downsampling, the auxiliary decoders,
DiffAugment (color, translation, cutout, offset), the StyleGAN2 mapping network, modulated convolutions, noise
injection, vector quantization, the contrastive regulariser, EMA; the hinge / dual contrastive losses, the
second-order gradient penalty, path-length regularisation; three training steps with Adam or AdaBelief; AdaBelief's
flags against PyTorch; BigVGAN's AMP blocks (Snake / SnakeBeta, the anti-aliased activation and its kaiser-sinc
filters), weight_norm / remove_weight_norm, the MPD / MRD discriminators (weight and spectral norm), the losses, the
multi-scale mel loss, AdamW steps, ``_save_pretrained`` / ``_from_pretrained`` across the two libraries.

The failure these tests pin down, in a few lines (the packages are not imported here):

- BigVGAN's ``MultiScaleMelSpectrogramLoss`` run in float64 multiplies ``magnitude.transpose(2, -1) @
  mel_basis.T`` with a float32 mel basis. PyTorch's matmul folds an N-D operand into a matrix only when its leading
  dims fold without a copy (``should_fold``); a transposed one goes to bmm, which refuses two dtypes as "expected
  scalar type Float but found Double" (its operands named in an order that depends on the product's size, as nn's
  bmm already did). nn's refusal chose mm's words ("expected m1 and m2 to have the same dtype, but got: double !=
  float") for any N-D @ 2-D product, and counted a vector's length twice in the product's size.
- With both the sizes and the dtypes wrong, mm, mv and bmm name the sizes first ("mat1 and mat2 shapes cannot be
  multiplied (1x7 and 5x7)", "size mismatch, got input (5), mat (5x7), vec (5)", "Expected size for first two
  dimensions of batch2 tensor ..."); nn named the dtypes. (dot names the dtypes first, as nn did.)
"""
import numpy as np
import pytest

import nn


def _refusal(a, b):
    with pytest.raises(RuntimeError) as info:
        a @ b
    return str(info.value)


@pytest.mark.parametrize("batch, rows, inner, cols, first, second, words", [
    # work = rows * inner * cols below 400: bmm's own loop names the first operand's dtype as the expected one
    ((3,), 5, 9, 4, "float64", "float32", "expected scalar type Double but found Float"),
    ((2, 1), 5, 9, 4, "float32", "float64", "expected scalar type Float but found Double"),
    # from 400 on (BLAS): the second operand's dtype is the expected one
    ((2,), 7, 17, 5, "float64", "float32", "expected scalar type Float but found Double"),
    ((2, 3), 20, 30, 10, "float32", "float64", "expected scalar type Double but found Float"),
])
def test_transposed_batch_times_a_matrix_of_another_dtype_is_refused_by_bmm(batch, rows, inner, cols, first,
                                                                              second, words):
    # PyTorch 2.13: torch.ones(*batch, inner, rows, dtype=first).transpose(-1, -2) @ torch.ones(inner, cols,
    # dtype=second) -> RuntimeError words (the transposed operand does not fold: bmm); nn said "expected m1 and m2
    # to have the same dtype, but got: double != float"
    a = nn.ones(*batch, inner, rows, dtype=getattr(nn, first)).transpose(-1, -2)
    b = nn.ones(inner, cols, dtype=getattr(nn, second))
    assert _refusal(a, b) == words


def test_a_contiguous_batch_times_a_matrix_of_another_dtype_is_still_refused_by_mm():
    # PyTorch: a contiguous (2, 1, 7, 17) float64 folds into a matrix -> mm's words (unchanged by the fix above)
    a, b = nn.ones(2, 1, 7, 17, dtype=nn.float64), nn.ones(17, 5, dtype=nn.float32)
    assert _refusal(a, b) == "expected m1 and m2 to have the same dtype, but got: double != float"
    assert _refusal(a.transpose(-1, -2).contiguous().transpose(-1, -2).contiguous(), b.T.contiguous().T) == (
        "expected m1 and m2 to have the same dtype, but got: double != float")


def test_transposed_batch_times_a_vector_of_another_dtype_counts_the_vector_once():
    # PyTorch: torch.ones(2, 9, 5, dtype=float64).transpose(1, 2) @ torch.ones(9, dtype=float32) -> bmm of (5, 9) @
    # (9, 1), 45 multiply-adds: "expected scalar type Double but found Float" (nn said "addmv input tensors must
    # have the same dtype, but got Float, Double, and Float")
    a = nn.ones(2, 9, 5, dtype=nn.float64).transpose(1, 2)
    assert _refusal(a, nn.ones(9, dtype=nn.float32)) == "expected scalar type Double but found Float"
    # (40, 30) @ (30, 1): 1,200 -> the BLAS order
    a = nn.ones(2, 30, 40, dtype=nn.float64).transpose(1, 2)
    assert _refusal(a, nn.ones(30, dtype=nn.float32)) == "expected scalar type Float but found Double"


@pytest.mark.parametrize("sa, sb, words", [
    ((7,), (5, 7), r"^mat1 and mat2 shapes cannot be multiplied \(1x7 and 5x7\)$"),
    ((2, 5, 7), (5, 7), r"^mat1 and mat2 shapes cannot be multiplied \(10x7 and 5x7\)$"),
    ((5, 7), (5,), r"^size mismatch, got input \(5\), mat \(5x7\), vec \(5\)$"),
    ((2, 5, 7), (2, 5, 7), r"^Expected size for first two dimensions of batch2 tensor to be: \[2, 7\] but got: \[2, 5\]\.$"),
    ((7,), (5,), r"^dot : expected both vectors to have same dtype, but found Double and Float$"),
])
def test_sizes_are_checked_before_the_dtypes_as_pytorch(sa, sb, words):
    # PyTorch 2.13: torch.ones(*sa, dtype=float64) @ torch.ones(*sb, dtype=float32) -> RuntimeError words (the
    # sizes first; dot the dtypes); nn said "expected m1 and m2 to have the same dtype, but got: double != float",
    # "addmv input tensors must have the same dtype ..." or "expected scalar type Double but found Float"
    with pytest.raises(RuntimeError, match=words):
        nn.ones(*sa, dtype=nn.float64) @ nn.ones(*sb, dtype=nn.float32)


def test_mixed_dtype_products_name_the_dtypes_as_pytorch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(0)
    shapes = [(7,), (7, 5), (2, 5, 7), (2, 7, 5), (2, 40, 30), (2, 1, 7, 5)]
    checked = 0
    for sa in shapes:
        for sb in shapes:
            for ta in (False, True):
                for tb in (False, True):
                    if (ta and len(sa) < 2) or (tb and len(sb) < 2):
                        continue
                    for da, db in (("float64", "float32"), ("float32", "float64")):
                        words = []
                        values = rs.rand(*sa), rs.rand(*sb)
                        for lib in (torch, nn):
                            a = lib.tensor(values[0], dtype=getattr(lib, da))
                            b = lib.tensor(values[1], dtype=getattr(lib, db))
                            a, b = (a.transpose(-1, -2) if ta else a), (b.transpose(-1, -2) if tb else b)
                            try:
                                a @ b
                                words.append("ok")
                            except RuntimeError as e:
                                words.append(str(e))
                        checked += "dtype" in words[0] or "scalar type" in words[0]
                        assert words[1] == words[0], (sa, sb, ta, tb, da, db)
    assert checked > 20
