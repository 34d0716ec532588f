"""lucidrains' VoiceBox and NaturalSpeech 2 from the package registry, ported by the porting rule and run against the
originals on PyTorch 2.13 in float64 from PyTorch's weights with the same inputs and draws (round 40, area B):
voicebox-pytorch 0.5.0 (its Transformer with rotary embeddings, register tokens, U-Net skips, qk-norm, gateloop
layers; VoiceBox, DurationPredictor, ConditionalFlowMatcherWrapper's loss and ODE sampling through torchdiffeq, the
VoiceBoxTrainer) and naturalspeech2-pytorch 0.1.8 (its Model, the diffusion wrapper's loss and DDIM sampling, the
phoneme and speech-prompt encoders, the duration / pitch predictor, the aligner with its forward-sum and bin losses
and the monotonic alignment search), with gateloop-transformer, rotary-embedding-torch, torchdiffeq and ema-pytorch
ported too (every file ported, renamed so that both copies load side by side; every `randn` / `rand` / `uniform_`
and Python's `random` handed to both sides from one NumPy stream each; torchaudio, audiolm-pytorch, vocos,
spear-tts, torchode, pyworld and accelerate were name-only stand-ins, the same on both sides).

Outputs, gradients and weights after Adam steps agree to rounding; nn's failures were in einsum and the batched
matrix product beneath NaturalSpeech 2's `expand_encodings` (`einsum('k l m n, k j m -> k j n', attn, enc)`, one
channel l of size 1; the packages are not imported here):

- a float32 alignment mask against float64 encodings: PyTorch contracts the operands as ATen's sumproduct_pair does,
  where a dim of size 1 on both sides counts as the right operand's and decides whether the two are swapped, so
  PyTorch names "expected scalar type Float but found Double" where nn, which left size-1 letters out of its rule,
  named them the other way round; with durations of zero (`sample` before training) the product is empty and
  PyTorch's bmm refuses nothing, returning zeros in its second operand's dtype, where nn raised.
- the same replay gives PyTorch's result dtypes where the operands' dtypes differ: PyTorch multiplies with its own
  promotion (an int64 or bool operand beside float32 gives float32; nn gave NumPy's float64) and sums a letter that
  one operand alone holds with torch.sum (bool and integers count in int64: a bool einsum whose shared letter is 1 in
  one operand counts, where nn refused it as a bool bmm).
- `bmm`, `matmul`'s batched path and `baddbmm` of two dtypes with an empty product (no element, or nothing to sum)
  give zeros in the second operand's dtype, as PyTorch's, where nn refused; a complex second operand names its
  dtype as the expected one from 400 multiply-adds on ("expected scalar type ComplexFloat but found Float"), as
  float32 / float64 ones do (nn said mm's "expected m1 and m2 to have the same dtype").
"""
import numpy as np
import pytest

import nn
from porting import raised


def _f(t):
    return np.asarray(t.detach())


# ---- einsum: PyTorch's pairwise contraction, size-1 dims included ---------------------------------------------------

def test_einsum_size_one_dims_name_the_dtypes_as_pytorch():
    # NaturalSpeech 2's expand_encodings: l of size 1 in attn, absent from enc and the output (PyTorch 2.13): the
    # dims are k, j, n, then l, m; l is 1 on both sides, so it counts as the right operand's and no swap happens
    a, b = nn.ones(2, 1, 5, 3, dtype=nn.float32), nn.ones(2, 16, 5, dtype=nn.float64)
    assert raised(lambda: nn.einsum("klmn,kjm->kjn", a, b)) == (
        "RuntimeError", "expected scalar type Float but found Double")
    # letters of size 1 on one side only are summed out of the other before anything is multiplied: no sum is left
    # for a bmm, so the two dtypes are promoted (d: 20 ones, X: 20 ones)
    y = nn.einsum("aYd,dXaY->a", nn.ones(5, 1, 20, dtype=nn.float64), nn.ones(1, 20, 5, 1))
    assert y.dtype == nn.float64
    np.testing.assert_array_equal(_f(y), [400.0] * 5)


def test_einsum_of_an_empty_product_refuses_nothing():
    # PyTorch 2.13: zero durations leave an alignment of length 0; bmm fills it with zeros in its second operand's
    # dtype (here enc's float64) without checking the dtypes
    y = nn.einsum("klmn,kjm->kjn", nn.ones(2, 1, 5, 0), nn.ones(2, 16, 5, dtype=nn.float64))
    assert y.shape == (2, 16, 0) and y.dtype == nn.float64
    # the output's letters in the order k, i: the right operand's dims come first, so the two are swapped
    y = nn.einsum("ij,jk->ki", nn.ones(2, 3), nn.ones(3, 0, dtype=nn.float64))
    assert y.shape == (0, 2) and y.dtype == nn.float32
    # nothing to sum: zeros of the full shape
    y = nn.einsum("ij,jk->ik", nn.ones(2, 0), nn.ones(0, 4, dtype=nn.float64))
    assert y.shape == (2, 4) and y.dtype == nn.float64 and not _f(y).any()


def test_einsum_promotes_as_pytorch_multiplies():
    ints = nn.tensor([[1, 2, 3], [4, 5, 6]])
    x = nn.tensor([0.5, 0.25, 0.125])               # float32
    y = nn.einsum("ij,j->ij", ints, x)               # PyTorch 2.13: float32 (nn gave NumPy's float64)
    assert y.dtype == nn.float32
    np.testing.assert_array_equal(_f(y), [[0.5, 0.5, 0.375], [2.0, 1.25, 0.75]])
    mask = nn.tensor([True, False, True])
    assert nn.einsum("j,j->j", mask, x).dtype == nn.float32
    # a sum over j with an int64 operand is a bmm of two dtypes, refused
    assert raised(lambda: nn.einsum("ij,j->i", ints, x)) == (
        "RuntimeError", "expected scalar type Long but found Float")
    # the gradients keep each operand's dtype
    a = nn.ones(3, dtype=nn.float32, requires_grad=True)
    b = nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64, requires_grad=True)
    y = nn.einsum("i,i->i", a, b)
    y.sum().backward()
    assert y.dtype == nn.float64 and a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    np.testing.assert_array_equal(a.grad, [1, 2, 3])


def test_einsum_sums_a_lone_bool_dim_as_counts():
    # b is 1 in the first operand and 4 in the second: PyTorch sums it out of the second with torch.sum (int64
    # counts), then multiplies; nn refused it as a bool bmm ('"bmm" not implemented for 'Bool'')
    y = nn.einsum("XbdY,XdYb->YX", nn.ones(5, 1, 1, 1, dtype=nn.bool), nn.ones(1, 1, 1, 4, dtype=nn.bool))
    assert y.dtype == nn.int64 and y.shape == (1, 5)
    np.testing.assert_array_equal(_f(y), [[4] * 5])


# ---- bmm, matmul, baddbmm of two dtypes -----------------------------------------------------------------------------

@pytest.mark.parametrize("m, k, p", [(1, 0, 3), (0, 4, 3), (2, 3, 0)])
def test_empty_batched_products_of_two_dtypes(m, k, p):
    # PyTorch 2.13: no element or nothing to sum: zeros in the second operand's dtype, nothing refused
    x, w = nn.ones(2, m, k, dtype=nn.float32), nn.ones(2, k, p, dtype=nn.float64)
    for y in (nn.bmm(x, w), x @ w, nn.matmul(x, w), x.bmm(w), nn.baddbmm(nn.zeros(2, m, p), x, w)):
        assert y.shape == (2, m, p) and y.dtype == nn.float64 and not _f(y).any()
    y = nn.bmm(nn.ones(2, m, k, dtype=nn.float64), nn.ones(2, k, p, dtype=nn.int64))
    assert y.dtype == nn.int64
    # mm checks the dtypes first, empty or not
    assert raised(lambda: nn.ones(m, k) @ nn.ones(k, p, dtype=nn.float64)) == (
        "RuntimeError", "expected m1 and m2 to have the same dtype, but got: float != double")


def test_empty_batched_product_gradients():
    x = nn.ones(2, 0, 5, requires_grad=True)
    w = nn.ones(2, 5, 3, dtype=nn.float64, requires_grad=True)
    y = nn.bmm(x, w)
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == (2, 0, 5)
    assert w.grad.dtype == np.float64 and not np.asarray(w.grad).any()


@pytest.mark.parametrize("dtype, name", [(nn.complex64, "ComplexFloat"), (nn.complex128, "ComplexDouble")])
def test_bmm_with_a_complex_second_operand_names_it_expected(dtype, name):
    # from 400 multiply-adds per product (5 * 8 * 20) PyTorch's bmm expects the second operand's BLAS type
    x, w = nn.ones(2, 5, 8), nn.ones(2, 8, 20, dtype=dtype)
    for fn in (lambda: nn.bmm(x, w), lambda: x @ w, lambda: nn.baddbmm(nn.zeros(2, 5, 20), x, w)):
        assert raised(fn) == ("RuntimeError", f"expected scalar type {name} but found Float")
    # below 400 the first operand's
    assert raised(lambda: nn.bmm(nn.ones(2, 2, 3), nn.ones(2, 3, 4, dtype=dtype))) == (
        "RuntimeError", f"expected scalar type Float but found {name}")


# ---- against PyTorch, where it is installed -------------------------------------------------------------------------

def test_einsum_of_mixed_and_empty_operands_matches_torch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(0)
    letters = "abcXY"
    for _ in range(120):
        used = rs.choice(list(letters), size=rs.randint(2, 5), replace=False)
        size = {c: int(rs.choice([0, 1, 1, 2, 3, 8, 20])) for c in used}
        subs = ["".join(rs.choice(used, size=rs.randint(1, min(3, len(used)) + 1), replace=False))
                for _ in range(rs.choice([2, 2, 3]))]
        out = [c for c in sorted(set("".join(subs))) if rs.rand() < 0.5]
        rs.shuffle(out)
        equation = ",".join(subs) + "->" + "".join(out)
        arrays = [(rs.rand(*[size[c] if rs.rand() < 0.85 else 1 for c in s]) * 3).astype(
            rs.choice([np.float32, np.float64, np.int64, np.bool_])) for s in subs]
        results = []
        for lib in (torch, nn):
            try:
                y = lib.einsum(equation, *[lib.tensor(a) for a in arrays])
                results.append((tuple(y.shape), str(y.dtype).split(".")[-1], np.asarray(y).astype(np.float64).round(4)))
            except RuntimeError as e:
                results.append(str(e))
        theirs, ours = results
        if isinstance(theirs, str) or isinstance(ours, str):
            assert theirs == ours, (equation, [a.shape for a in arrays], [a.dtype for a in arrays])
        else:
            assert theirs[:2] == ours[:2], (equation, [a.shape for a in arrays], [a.dtype for a in arrays])
            np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5, atol=1e-3, err_msg=equation)


def test_batched_products_of_two_dtypes_match_torch():
    torch = pytest.importorskip("torch")
    names = ["float32", "float64", "int64", "complex64"]
    for a in names:
        for b in names:
            if a == b:
                continue
            for m, k, p in ((2, 3, 4), (5, 8, 20), (1, 0, 3), (0, 4, 3)):
                results = []
                for lib in (torch, nn):
                    x, w = lib.ones(2, m, k, dtype=getattr(lib, a)), lib.ones(2, k, p, dtype=getattr(lib, b))
                    try:
                        y = lib.bmm(x, w)
                        results.append((tuple(y.shape), str(y.dtype).split(".")[-1]))
                    except RuntimeError as e:
                        results.append(str(e))
                assert results[0] == results[1], (a, b, (m, k, p))
