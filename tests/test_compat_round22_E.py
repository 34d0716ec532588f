"""tsai 1.0.1 (time-series deep learning on fastai) from the package registry, installed with --no-deps with fastai
2.8.12, fastcore 2.2.41, fasttransform 0.0.5, plum-dispatch 2.10.1 (beartype, rich), fastprogress 1.0.3,
fastdownload 0.0.8, psutil 7.2.2, pyts 0.14.1, imbalanced-learn 0.14.2 and sklearn-compat 0.1.6, ported by the
porting rule with fastai (every .py file; renamed tsaip and fastaip in their import lines; torchvision, which
fastai.vision imports at the top, a name-only stand-in on both sides; tsai.basics and tsai.models.all imported, not
tsai.all, whose data.image needs pyts' old module names and export needs fastcore's removed Param) and run against
the originals on PyTorch 2.13 with PyTorch's weights in float64: InceptionTime(Plus), XceptionTime(Plus),
ResNet(Plus), ResCNN, FCN(Plus), the RNN / LSTM / GRU (Plus), RNN_FCN(Plus) and MLSTM_FCN families, RNNAttention,
TCN, mWDN, OmniScaleCNN, XCM(Plus), TST / TSTPlus, TSiTPlus, TransformerModel, PatchTST, TSSequencerPlus, gMLP,
ConvTranPlus, TSPerceiver, HydraPlus, MiniRocket (float32, as the package computes), ROCKET, TabModel,
TabTransformer, GatedTabTransformer, xresnet1d18plus and tsai's layers (outputs, input and parameter gradients,
3 Adam steps, eval, state_dict both ways).

The failures these tests pin down, each in a few lines (tsai is never imported here): MiniRocket in float64 passes
float32 quantile levels to ``torch.quantile``, which PyTorch refuses ("quantile() q tensor must be same dtype as the
input tensor") and nn computed; nn's quantile also took integer input and raised ValueErrors in its own words where
PyTorch raises RuntimeErrors ("quantile() q must be in the range [0, 1] but got 1.5", "... input tensor must be
non-empty", "... q must be a scalar or 1D tensor", "... interpolation must be one of ..."), made a 0-d tensor q a
1-element result and refused an empty q. ConvTranPlus with n_heads != 8 gathers a [576, 8] index from a [47, 2]
table: PyTorch refuses ("Size does not match at dimension 1 expected index [576, 8] to be no larger than self
[47, 2] apart from dimension 0"), nn read past the table (NumPy's IndexError) or, for a smaller bound, silently;
scatter's index larger than self or src got nn's ValueError or NumPy's IndexError, not PyTorch's "Expected index
[5, 1] to be no larger than self [4, 2] apart from dimension 1 and to be no larger size than src [5, 1]". tsai's
Clip layer calls
``torch.maximum(x, 0.5)`` and its Concat ``torch.cat(x, ...)`` with one tensor: PyTorch raises TypeErrors, nn
computed. Its MultiEmbedding given float codes met nn's own TypeError for embedding indices (PyTorch's
RuntimeError "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got
torch.FloatTensor instead (while checking arguments for embedding)"; uint8 / int16 indices too), and a float index
tensor nn's own words, not PyTorch's "tensors used as indices must be long, int, byte or bool tensors". tsai's
AdaptiveWeightedAvgPool1d of the wrong length met nn's own Linear words, not PyTorch's "mat1 and mat2 shapes cannot
be multiplied (12x16 and 2x4)".
"""
import numpy as np
import pytest

import nn
import nn.functional as F


# ---- quantile: PyTorch's checks, order and words (tsai's MiniRocket in float64) -------------------------------------

def test_quantile_refuses_levels_of_another_dtype():
    x = nn.tensor(np.arange(12.0).reshape(3, 4))                               # float64
    with pytest.raises(RuntimeError, match=r"^quantile\(\) q tensor must be same dtype as the input tensor$"):
        nn.quantile(x, nn.tensor([0.25, 0.5], dtype=nn.float32), dim=1)
    with pytest.raises(RuntimeError, match=r"^quantile\(\) q tensor must be same dtype as the input tensor$"):
        nn.nanquantile(x.float(), nn.tensor([0.5], dtype=nn.float64))
    got = nn.quantile(x, nn.tensor([0.25, 0.5], dtype=nn.float64), dim=1)       # the same dtype: as before
    assert got.dtype == nn.float64 and got.tolist() == [[0.75, 4.75, 8.75], [1.5, 5.5, 9.5]]
    assert nn.quantile(x.float(), 0.5, dim=1).dtype == nn.float32             # a number q takes the input's dtype


def test_quantile_checks_in_pytorchs_words():
    x = nn.ones(3, 4, dtype=nn.float64)
    cases = [(lambda: nn.quantile(x, 0.5, interpolation="bogus"),
              r"^quantile\(\) interpolation must be one of linear, lower, higher, midpoint or nearest, but got bogus$"),
             (lambda: nn.quantile(x, 1.5), r"^quantile\(\) q must be in the range \[0, 1\] but got 1\.5$"),
             (lambda: nn.nanquantile(x, 2.0), r"^quantile\(\) q must be in the range \[0, 1\] but got 2$"),
             (lambda: nn.quantile(nn.ones(0), 2.0), r"but got 2$"),          # a number q is checked first
             (lambda: nn.quantile(nn.ones(0), 0.5), r"^quantile\(\) input tensor must be non-empty$"),
             (lambda: nn.quantile(x, nn.tensor([[0.5]], dtype=nn.float64)),
              r"^quantile\(\) q must be a scalar or 1D tensor$"),
             (lambda: nn.quantile(nn.ones(3, dtype=nn.int64), 0.5),
              r"^quantile\(\) input tensor must be either float or double dtype$"),
             (lambda: nn.quantile(x, nn.tensor([1.5], dtype=nn.float64)),
              r"^quantile\(\) q values must be in the range \[0, 1\]$")]
    for call, words in cases:
        with pytest.raises(RuntimeError, match=words):
            call()


def test_quantile_of_a_0d_level_tensor_is_0d():
    x = nn.tensor([1.0, 2.0, 3.0, 4.0], dtype=nn.float64)
    got = nn.quantile(x, nn.tensor(0.5, dtype=nn.float64))
    assert got.shape == () and got.item() == 2.5
    assert nn.quantile(x, nn.tensor([0.5], dtype=nn.float64)).shape == (1,)
    none = nn.quantile(nn.ones(3, 4, dtype=nn.float64), nn.tensor([], dtype=nn.float64), dim=1)   # no levels
    assert none.shape == (0, 3) and none.dtype == nn.float64


def test_quantile_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(22).standard_normal((3, 5))
    for q in (0.3, [0.1, 0.8]):
        ours = nn.quantile(nn.tensor(x), nn.tensor(q, dtype=nn.float64), dim=1)
        theirs = torch.quantile(torch.tensor(x), torch.tensor(q, dtype=torch.float64), dim=1)
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15)
    for bad in (lambda m: m.quantile(m.tensor(x), m.tensor([0.5], dtype=m.float32)),
                lambda m: m.quantile(m.tensor(x), -0.25)):
        with pytest.raises(RuntimeError) as theirs:
            bad(torch)
        with pytest.raises(RuntimeError) as ours:
            bad(nn)
        assert str(ours.value) == str(theirs.value)


# ---- gather / scatter: index no larger than self (and src) (tsai's ConvTranPlus with n_heads != 8) -----------------

def test_gather_index_larger_than_input_outside_dim_is_refused():
    table = nn.zeros(47, 2)
    with pytest.raises(RuntimeError, match=r"^Size does not match at dimension 1 expected index \[576, 8\] to be no "
                                           r"larger than self \[47, 2\] apart from dimension 0$"):
        table.gather(0, nn.zeros(576, 8, dtype=nn.int64))
    # a larger bound in a dim NumPy would still read (index 0 < 47 rows): refused too, dim named non-negative
    with pytest.raises(RuntimeError, match=r"^Size does not match at dimension 0 expected index \[48, 1\] to be no "
                                           r"larger than self \[47, 2\] apart from dimension 1$"):
        table.gather(-1, nn.zeros(48, 1, dtype=nn.int64))
    # what PyTorch allows: larger along dim, smaller elsewhere, an empty index
    x = nn.arange(8.0).reshape(4, 2)
    assert x.gather(1, nn.tensor([[1, 0, 1]])).tolist() == [[1.0, 0.0, 1.0]]
    assert x.gather(1, nn.zeros(0, 3, dtype=nn.int64)).shape == (0, 3)


def test_scatter_index_larger_than_self_or_src_is_refused():
    words = (r"^Expected index \[5, 1\] to be no larger than self \[4, 2\] apart from dimension 1 and to be no larger "
             r"size than src \[5, 1\]$")
    with pytest.raises(RuntimeError, match=words):
        nn.zeros(4, 2).scatter(1, nn.zeros(5, 1, dtype=nn.int64), nn.ones(5, 1))
    with pytest.raises(RuntimeError, match=words):
        nn.zeros(4, 2).scatter_add(1, nn.zeros(5, 1, dtype=nn.int64), nn.ones(5, 1))
    with pytest.raises(RuntimeError, match=r"no larger size than src \[2, 1\]$"):
        nn.zeros(4, 2).scatter(1, nn.zeros(3, 1, dtype=nn.int64), nn.ones(2, 1))
    with pytest.raises(RuntimeError, match=r"^Expected index \[5, 1\] to be no larger than self \[4, 2\] apart from "
                                           r"dimension 1$"):
        nn.zeros(4, 2).scatter(-1, nn.zeros(5, 1, dtype=nn.int64), 1.0)
    got = nn.zeros(2, 3).scatter_add(1, nn.tensor([[0, 0], [2, 1]]), nn.ones(2, 4))    # src larger: as before
    assert got.tolist() == [[2.0, 0.0, 0.0], [0.0, 1.0, 1.0]]


# ---- maximum / minimum take tensors only; cat refuses one tensor (tsai's Clip and Concat layers) ---------------------

def test_maximum_and_minimum_refuse_a_number():
    x = nn.tensor([0.25, 0.75])
    with pytest.raises(TypeError, match=r"^maximum\(\): argument 'other' \(position 2\) must be Tensor, not float$"):
        nn.maximum(x, 0.5)
    # the method counts other as position 1, as PyTorch 2.13's torch.ones(2).minimum(1) (round 32, area W)
    with pytest.raises(TypeError, match=r"^minimum\(\): argument 'other' \(position 1\) must be Tensor, not int$"):
        x.minimum(1)
    with pytest.raises(TypeError, match=r"^maximum\(\): argument 'input' \(position 1\) must be Tensor, not float$"):
        nn.maximum(0.5, x)
    assert nn.maximum(x, nn.tensor(0.5)).tolist() == [0.5, 0.75]         # a 0-d tensor: as PyTorch's clip idiom
    assert nn.minimum(x, nn.tensor([0.5, 0.5])).tolist() == [0.25, 0.5]


def test_cat_refuses_a_single_tensor():
    x = nn.ones(3, 4)
    with pytest.raises(TypeError,
                       match=r"^cat\(\): argument 'tensors' \(position 1\) must be tuple of Tensors, not Tensor$"):
        nn.cat(x, dim=1)
    assert nn.cat((x, x), 1).shape == (3, 8) and nn.cat([x]).shape == (3, 4)


# ---- embedding's indices: Long or Int; index tensors: PyTorch's words (tsai's MultiEmbedding) ---------------------

def test_embedding_refuses_indices_other_than_long_and_int():
    emb = nn.Embedding(5, 3)
    for dtype, name in ((nn.float32, "FloatTensor"), (nn.float64, "DoubleTensor"), (nn.uint8, "ByteTensor"),
                        (nn.int16, "ShortTensor")):
        with pytest.raises(RuntimeError, match=r"^Expected tensor for argument #1 'indices' to have one of the "
                                               r"following scalar types: Long, Int; but got nn\." + name +
                                               r" instead \(while checking arguments for embedding\)$"):
            emb(nn.ones(2, 3, dtype=dtype))
    for dtype in (nn.int32, nn.int64):
        assert emb(nn.tensor([[1, 4]], dtype=dtype)).shape == (1, 2, 3)
    assert F.embedding(nn.tensor([0, 2]), nn.arange(6.0).reshape(3, 2)).tolist() == [[0.0, 1.0], [4.0, 5.0]]


def test_float_index_tensor_gets_pytorchs_words():
    with pytest.raises(IndexError, match=r"^tensors used as indices must be long, int, byte or bool tensors$"):
        nn.arange(4.0)[nn.tensor([1.0])]


# ---- linear of the wrong width: PyTorch's matmul words (tsai's AdaptiveWeightedAvgPool1d) -------------------------

def test_linear_size_mismatch_names_the_matrices():
    for shape, rows in (((3, 4, 16), 12), ((16,), 1), ((2, 0, 16), 0)):
        with pytest.raises(RuntimeError, match=rf"^mat1 and mat2 shapes cannot be multiplied \({rows}x16 and 2x4\)$"):
            F.linear(nn.ones(shape), nn.ones(4, 2))
    with pytest.raises(RuntimeError, match=r"^mat1 and mat2 shapes cannot be multiplied \(4x5 and 3x2\)$"):
        nn.Linear(3, 2)(nn.ones(4, 5))
    with pytest.raises(RuntimeError,
                       match=r"^both arguments to linear need to be at least 1D, but they are 0D and 2D$"):
        F.linear(nn.ones(()), nn.ones(4, 2))
    assert F.linear(nn.ones(5, 3), nn.ones(4, 3)).shape == (5, 4)
