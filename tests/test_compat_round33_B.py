"""Perceiver AR, agent attention and autoregressive diffusion from the package registry: perceiver-ar-pytorch 0.0.10,
agent-attention-pytorch 0.1.7 and autoregressive-diffusion-pytorch 0.4.0 (installed with --no-deps; x-transformers,
torch-einops-utils, ema-pytorch and torchdiffeq ported too), ported by the porting rule (perceiver_ar_pytorchp, ...)
and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights and its random draws handed over:
PerceiverAR (prefix cross-attention, causal layers, rotary embeddings, its loss, the wrapper's top-k generation),
AgentSelfAttention / AgentTransformer (agent tokens, talking heads, gates, masks), the MLP denoiser, the EDM and
rectified-flow objectives and samplers, AutoregressiveDiffusion / AutoregressiveFlow, their image wrappers, the XM
wrapper and the image trainer's steps.

The failures these tests pin down, in a few lines (the packages are not imported here):

- ``torch.multinomial`` on bad weights (the wrapper's ``generate`` with ``filter_thres=1.0`` keeps no logit, so the
  softmax is all NaN; ``temperature=0``) raises PyTorch's RuntimeError "probability tensor contains either `inf`,
  `nan` or element < 0"; nn raised a ValueError of its own words for every bad input. Now PyTorch's checks in its
  order and words (dims, dtype, count, without-replacement count, values, zero rows), a float ``num_samples`` a
  TypeError, and without replacement it draws past a row's non-zero weights as PyTorch does (nn raised).
- RMSNorm's ``F.normalize`` of an integer input (AgentTransformer fed int64 tokens) is PyTorch's RuntimeError
  "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"; nn raised its own TypeError,
  and ``Tensor.norm`` / ``linalg.vector_norm`` / ``matrix_norm`` of integer tensors returned a value where PyTorch
  raises; ``torch.dist`` of two integer tensors says "norm(): input dtype should be ...".
- ``Tensor.norm(p="nuc")`` (met while checking the above) raised "'<' not supported between instances of 'str' and
  'int'"; PyTorch hands a string order to linalg.matrix_norm (the nuclear norm, its dim checks and words).
- ``proj_in`` of AutoregressiveDiffusion on ``seq[:, :-1]`` (a non-contiguous slice) in the wrong dtype: PyTorch's
  linear fuses the bias into addmm only for a 2-D or contiguous input, otherwise it runs matmul (mm's words when the
  rows fold, bmm's when they do not) then ``add_``; nn always spoke as addmm. bmm's refusal of a bool operand is a
  NotImplementedError in PyTorch (nn: RuntimeError).
"""
import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- multinomial: PyTorch's checks, order and words ---------------------------------------------------------------

@pytest.mark.parametrize("weights, k, replacement, words", [
    ([[1.0, float("nan")]], 1, False, "probability tensor contains either `inf`, `nan` or element < 0"),
    ([[1.0, float("inf")]], 1, True, "probability tensor contains either `inf`, `nan` or element < 0"),
    ([[1.0, -1.0]], 1, False, "probability tensor contains either `inf`, `nan` or element < 0"),
    ([[0.0, 0.0], [1.0, 1.0]], 1, True, r"invalid multinomial distribution \(sum of probabilities <= 0\)"),
    ([1.0, 1.0], 0, False, "cannot sample n_sample <= 0 samples"),
    ([1.0, 1.0], -1, True, "cannot sample n_sample <= 0 samples"),
    ([1.0, 1.0], 3, False, r"cannot sample n_sample > prob_dist.size\(-1\) samples without replacement"),
    # the count is checked before the values (nan with k > n speaks of the count)
    ([[1.0, float("nan")]], 5, False, r"cannot sample n_sample > prob_dist.size\(-1\) samples without replacement"),
    (1.0, 1, False, "prob_dist must be 1 or 2 dim"),
    ([[[1.0]]], 1, False, "prob_dist must be 1 or 2 dim"),
])
def test_multinomial_refuses_bad_weights_in_pytorchs_words(weights, k, replacement, words):
    # PyTorch 2.13: torch.multinomial(torch.tensor([[1., nan]]), 1) -> RuntimeError "probability tensor contains
    # either `inf`, `nan` or element < 0" (perceiver-ar's generate with filter_thres=1.0 or temperature=0); nn
    # raised ValueError "multinomial: input must be a 1-D or 2-D tensor of non-negative finite weights ..."
    with pytest.raises(RuntimeError, match=f"^{words}$"):
        nn.multinomial(nn.tensor(weights), k, replacement)


def test_multinomial_refuses_integer_weights_and_a_float_count():
    # PyTorch 2.13: an integer or bool input -> RuntimeError "multinomial only supports floating-point dtypes for
    # input, got: Long" (checked after the dim, before the count); num_samples=1.0 -> TypeError "multinomial():
    # argument 'num_samples' (position 2) must be int, not float" (position 1 as a method); nn drew from them
    with pytest.raises(RuntimeError, match="^multinomial only supports floating-point dtypes for input, got: Long$"):
        nn.multinomial(nn.tensor([1, 2]), 1)
    with pytest.raises(RuntimeError, match="^multinomial only supports floating-point dtypes for input, got: Bool$"):
        nn.multinomial(nn.tensor([True, False]), 0)
    with pytest.raises(RuntimeError, match="^prob_dist must be 1 or 2 dim$"):
        nn.multinomial(nn.ones(2, 2, 2, dtype=nn.long), 1)
    with pytest.raises(TypeError, match=r"^multinomial\(\): argument 'num_samples' \(position 2\) must be int, "
                                        r"not float$"):
        nn.multinomial(nn.tensor([1.0, 1.0]), 1.0)
    with pytest.raises(TypeError, match=r"^multinomial\(\): argument 'num_samples' \(position 1\) must be int, "
                                        r"not float$"):
        nn.tensor([1.0, 1.0]).multinomial(1.0)
    with pytest.raises(TypeError, match=r"^multinomial\(\): argument 'input' \(position 1\) must be Tensor, "
                                        r"not list$"):
        nn.multinomial([1.0, 2.0], 1)
    # an integer tensor of one element is an int (PyTorch reads it through __index__)
    assert nn.multinomial(nn.tensor([1.0, 1.0]), nn.tensor(2)).shape == (2,)


def test_multinomial_empty_rows_and_categories():
    # PyTorch 2.13: torch.multinomial(torch.ones(0, 3), 1, True) -> an int64 (0, 1) tensor; torch.ones(2, 0) with
    # replacement -> RuntimeError "aminmax(): cannot compute aminmax over an empty dimension as the operation has no
    # identity." (nn: NumPy's ValueErrors)
    out = nn.multinomial(nn.ones(0, 3), 1, True)
    assert out.shape == (0, 1) and out.dtype == nn.int64
    with pytest.raises(RuntimeError, match=r"^aminmax\(\): cannot compute aminmax over an empty dimension"):
        nn.multinomial(nn.ones(2, 0), 1, True)


def test_multinomial_without_replacement_draws_past_the_non_zero_weights():
    # PyTorch 2.13: torch.multinomial(torch.tensor([1., 0., 0.]), 2) -> [0, i] with i a zero-weight index (it ranks
    # w / Exp draws); nn raised "cannot draw 2 samples without replacement from rows with 1 non-zero weights"
    nn.manual_seed(0)
    for _ in range(20):
        d = nn.multinomial(nn.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 3.0]]), 3)
        assert d.dtype == nn.int64 and d.shape == (2, 3)
        assert d[0, 0].item() == 0 and sorted(d[0].tolist()) == [0, 1, 2]
        assert sorted(d[1, :2].tolist()) == [1, 2] and d[1, 2].item() == 0
    # the draws themselves are unchanged: frequencies of the first index follow the weights
    first = np.bincount([nn.multinomial(nn.tensor([1.0, 3.0]), 1).item() for _ in range(2000)], minlength=2)
    np.testing.assert_allclose(first / 2000, [0.25, 0.75], atol=0.04)


def test_multinomial_errors_match_torch():
    torch = pytest.importorskip("torch")
    cases = [([[1.0, float("nan")]], 1, False), ([[0.0, 0.0]], 1, True), ([1.0, 1.0], 0, False),
             ([1.0, 1.0], 3, False), (1.0, 1, False), ([1, 2], 1, False), ([1.0, 2.0], 1.5, True)]
    for w, k, rep in cases:
        with pytest.raises(Exception) as et:
            torch.multinomial(torch.tensor(w), k, rep)
        with pytest.raises(Exception) as en:
            nn.multinomial(nn.tensor(w), k, rep)
        assert type(en.value) is type(et.value) and str(en.value) == str(et.value)


# ---- vector norms of integer tensors ------------------------------------------------------------------------------

_VECTOR_NORM_WORDS = "^linalg.vector_norm: Expected a floating point or complex tensor as input. Got {}$"


@pytest.mark.parametrize("call", [
    lambda x: F.normalize(x, dim=-1),               # agent-attention's RMSNorm of int64 tokens
    lambda x: F.normalize(x, p=float("inf")),
    lambda x: x.norm(),
    lambda x: x.norm(p=1, dim=1),
    lambda x: x.norm(p=0),
    lambda x: nn.norm(x, dim=(0, 1)),
    lambda x: nn.linalg.vector_norm(x, 0),
    lambda x: nn.linalg.vector_norm(x, dtype=nn.float64),
    lambda x: nn.linalg.norm(x),
    lambda x: x.renorm(2, 0, 1.0),
])
@pytest.mark.parametrize("dtype, name", [(nn.long, "Long"), (nn.int32, "Int"), (nn.bool, "Bool")])
def test_vector_norm_refuses_integer_tensors(call, dtype, name):
    # PyTorch 2.13: F.normalize(torch.ones(2, 3, dtype=torch.long)) -> RuntimeError "linalg.vector_norm: Expected a
    # floating point or complex tensor as input. Got Long" (every p, Tensor.norm, linalg.norm, renorm); nn raised
    # TypeError "normalize: input must be a float tensor, ..." or returned a float64 norm
    with pytest.raises(RuntimeError, match=_VECTOR_NORM_WORDS.format(name)):
        call(nn.ones(2, 3, dtype=dtype))


def test_matrix_norm_and_dist_refuse_integer_tensors():
    # PyTorch 2.13: linalg.matrix_norm(long) -> "linalg.matrix_norm: Expected a floating point or complex tensor as
    # input. Got Long" (nn returned int64 1-norms); torch.dist(int32, int32) -> "norm(): input dtype should be either
    # floating point or complex. Got Int instead."; dist of an int and a float tensor promotes and computes
    for ord_ in ("fro", 1, float("inf"), 2):
        with pytest.raises(RuntimeError, match="^linalg.matrix_norm: Expected a floating point or complex tensor "
                                               "as input. Got Long$"):
            nn.linalg.matrix_norm(nn.ones(2, 3, dtype=nn.long), ord_)
    with pytest.raises(RuntimeError, match=r"^norm\(\): input dtype should be either floating point or complex. "
                                           r"Got Int instead.$"):
        nn.dist(nn.ones(2, dtype=nn.int32), nn.zeros(2, dtype=nn.int32), 1)
    assert nn.dist(nn.tensor([3, 0]), nn.tensor([0.0, 4.0])).item() == 5.0
    # floating tensors as before: values, and normalize's gradient against central differences
    x = nn.tensor([[3.0, -4.0], [0.0, 0.0]], dtype=nn.float64, requires_grad=True)
    y = F.normalize(x, dim=1)
    np.testing.assert_allclose(_f(y), [[0.6, -0.8], [0.0, 0.0]])
    assert x.norm().item() == 5.0 and nn.linalg.vector_norm(x, 0).item() == 2.0
    assert nn.linalg.matrix_norm(x, 1).item() == 4.0
    # d/dx of (normalize(x) * w).sum() by central differences (unchanged gradient)
    w = np.array([[0.3, -1.2], [0.7, 0.1]])
    (y * nn.tensor(w)).sum().backward()
    base = np.array([[3.0, -4.0], [0.5, 1.5]])
    xs = nn.tensor(base, requires_grad=True)
    (F.normalize(xs, dim=1) * nn.tensor(w)).sum().backward()
    num = np.zeros_like(base)
    for i in np.ndindex(base.shape):
        d = np.zeros_like(base); d[i] = 1e-6
        f = lambda a: float((_f(F.normalize(nn.tensor(a), dim=1)) * w).sum())   # noqa: E731
        num[i] = (f(base + d) - f(base - d)) / 2e-6
    np.testing.assert_allclose(_f(xs.grad), num, rtol=1e-7, atol=1e-9)


def test_tensor_norm_takes_the_nuclear_order():
    # PyTorch 2.13: A.norm(p='nuc') of a 2-D A is linalg.matrix_norm(A, 'nuc') (the sum of the singular values),
    # dim=(1, 2) per matrix of a batch, keepdim too; a 3-D A without dim -> RuntimeError "linalg.matrix_norm: dim
    # must be a 2-tuple. Got 0 1 2", one dim -> "... Got 1", a 1-D A -> "linalg.matrix_norm: The input tensor A must
    # have at least 2 dimensions.", p='bad' -> "linalg.matrix_norm: Order bad not supported."; nn raised TypeError
    # "'<' not supported between instances of 'str' and 'int'"
    a = np.arange(24.0).reshape(2, 3, 4)
    A = nn.tensor(a)
    want = [np.linalg.svd(m, compute_uv=False).sum() for m in a]
    np.testing.assert_allclose(A[0].norm(p="nuc").item(), want[0], rtol=1e-14)
    np.testing.assert_allclose(_f(nn.norm(A, p="nuc", dim=(1, 2))), want, rtol=1e-14)
    np.testing.assert_allclose(_f(A.norm(p="nuc", dim=(2, 1), keepdim=True)), np.reshape(want, (2, 1, 1)), rtol=1e-14)
    for call, words in [(lambda: A.norm(p="nuc"), "dim must be a 2-tuple. Got 0 1 2"),
                        (lambda: A.norm(p="nuc", dim=1), "dim must be a 2-tuple. Got 1"),
                        (lambda: A[0, 0].norm(p="nuc"), "The input tensor A must have at least 2 dimensions."),
                        (lambda: A[0].norm(p="bad"), "Order bad not supported."),
                        (lambda: nn.ones(2, 3, dtype=nn.long).norm(p="nuc"),
                         "Expected a floating point or complex tensor as input. Got Long")]:
        with pytest.raises(RuntimeError, match=f"^linalg.matrix_norm: {words}$"):
            call()
    # d ||A||_* / dA by central differences (= U V^T)
    base = np.array([[2.0, -1.0, 0.5], [0.3, 1.5, -2.0]])
    x = nn.tensor(base, requires_grad=True)
    x.norm(p="nuc").backward()
    num = np.zeros_like(base)
    for i in np.ndindex(base.shape):
        d = np.zeros_like(base); d[i] = 1e-6
        nuclear = lambda a: np.linalg.svd(a, compute_uv=False).sum()      # noqa: E731
        num[i] = (nuclear(base + d) - nuclear(base - d)) / 2e-6
    np.testing.assert_allclose(_f(x.grad), num, rtol=1e-7, atol=1e-9)


def test_integer_norm_errors_match_torch():
    torch = pytest.importorskip("torch")
    calls = [lambda m, x: m.nn.functional.normalize(x), lambda m, x: x.norm(p=1), lambda m, x: m.linalg.matrix_norm(x),
             lambda m, x: x.float().norm(p="nuc", dim=0), lambda m, x: x.norm(p="nuc"),
             lambda m, x: m.linalg.vector_norm(x, 0), lambda m, x: m.dist(x, x)]
    for call in calls:
        with pytest.raises(RuntimeError) as et:
            call(torch, torch.ones(2, 3, dtype=torch.long))
        with pytest.raises(RuntimeError) as en:
            call(nn, nn.ones(2, 3, dtype=nn.long))
        assert str(en.value) == str(et.value)


# ---- linear of two dtypes: which of PyTorch's products speaks -------------------------------------------------------

def test_linear_with_bias_on_a_non_contiguous_input_speaks_as_matmul():
    # PyTorch 2.13: F.linear(x[:, :-1], w, b) with x float32 (2, 4, 6) and w, b float64 (5, 6), (5,), w a Parameter:
    # the input is not contiguous, so no fused addmm: matmul folds the rows (the weight requires grad) and mm says
    # "expected m1 and m2 to have the same dtype, but got: float != double" (autoregressive-diffusion's proj_in on
    # seq[:, :-1]); nn said addmm's "mat1 and mat2 must have the same dtype, but got Float and Double"
    x = nn.ones(2, 4, 6, dtype=nn.float32)
    w = nn.nn.Parameter(nn.ones(5, 6, dtype=nn.float64))
    b = nn.nn.Parameter(nn.ones(5, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"^expected m1 and m2 to have the same dtype, but got: float != double$"):
        F.linear(x[:, :-1], w, b)
    # contiguous or 2-D: the fused addmm's words, as before
    for xs in (x, x[:1], x[0]):
        with pytest.raises(RuntimeError, match="^mat1 and mat2 must have the same dtype, but got Float and Double$"):
            F.linear(xs, w, b)
    # x[:, ::2] is not contiguous but its rows fold: mm's words
    with pytest.raises(RuntimeError, match=r"^expected m1 and m2 to have the same dtype, but got: float != double$"):
        F.linear(x[:, ::2], w, b)


def test_linear_on_unfoldable_rows_speaks_as_bmm():
    # PyTorch 2.13: a weight that does not require grad and an input whose leading dims are not one run of memory
    # (x[:, :-1], x.transpose(0, 1)): matmul's batched path, whose small CPU bmm (under 400 multiply-adds per
    # product) says "expected scalar type Float but found Double", the larger one (in 6, out 40: 960) names the
    # float64 weight as the expected type; with or without a bias (nn: addmm's or mm's words)
    x = nn.ones(2, 4, 6, dtype=nn.float32)
    w, b = nn.ones(5, 6, dtype=nn.float64), nn.ones(5, dtype=nn.float64)
    for xs in (x[:, :-1], x[:, 1:], x.transpose(0, 1)):
        for bias in (b, None):
            with pytest.raises(RuntimeError, match="^expected scalar type Float but found Double$"):
                F.linear(xs, w, bias)
    with pytest.raises(RuntimeError, match="^expected scalar type Double but found Long$"):
        F.linear(nn.ones(2, 4, 6, dtype=nn.long)[:, :-1], nn.ones(40, 6, dtype=nn.float64))
    # a bias of another dtype on the matmul path: matmul computes, then add_ casts the float64 bias into its
    # float32 result (a contiguous input: addmm's "self and mat2 must have the same dtype, but got Double and Float")
    y = F.linear(x[:, :-1], w.float(), b)
    assert y.dtype == nn.float32 and y.shape == (2, 3, 5) and np.all(_f(y) == 7.0)
    with pytest.raises(RuntimeError, match="^self and mat2 must have the same dtype, but got Double and Float$"):
        F.linear(x, w.float(), b)
    # same dtypes: the values are the fused ones
    xv = nn.tensor(np.arange(48.0).reshape(2, 4, 6))
    wv, bv = nn.tensor(np.linspace(-1, 1, 30).reshape(5, 6)), nn.tensor([0.5, -1.0, 0.0, 2.0, 1.0])
    np.testing.assert_allclose(_f(F.linear(xv[:, :-1], wv, bv)),
                               np.arange(48.0).reshape(2, 4, 6)[:, :-1] @ _f(wv).T + _f(bv), rtol=1e-14)


def test_bmm_of_a_bool_operand_is_not_implemented():
    # PyTorch 2.13: torch.bmm(bool (2, 2, 2), float) and torch.matmul's batched path -> NotImplementedError '"bmm"
    # not implemented for 'Bool'' (nn: RuntimeError with those words; NotImplementedError is a RuntimeError)
    for call in (lambda a, b: nn.bmm(a, b), lambda a, b: nn.matmul(a, b),
                 lambda a, b: F.linear(a.transpose(0, 1), b[0])):
        with pytest.raises(NotImplementedError, match="^\"bmm\" not implemented for 'Bool'$"):
            call(nn.ones(2, 2, 2, dtype=nn.bool), nn.ones(2, 2, 2))


def test_linear_dtype_errors_match_torch():
    torch = pytest.importorskip("torch")
    views = [lambda t: t[:, :-1], lambda t: t.transpose(0, 1), lambda t: t[:, ::2], lambda t: t, lambda t: t[0]]
    for view in views:
        for n_out in (5, 40):
            for bias in (True, False):
                for grad in (True, False):
                    for dts in (("float32", "float64"), ("int64", "float64"), ("float64", "float32"),
                                ("bool", "float32"), ("float64", "float64", "float32")):
                        got = []
                        for m in (torch, nn):
                            x = view(m.ones(2, 4, 6, dtype=getattr(m, dts[0])))
                            w = m.ones(n_out, 6, dtype=getattr(m, dts[1]), requires_grad=grad)
                            b = m.ones(n_out, dtype=getattr(m, dts[-1])) if bias else None
                            try:
                                got.append(str(m.nn.functional.linear(x, w, b).dtype).split(".")[-1])
                            except RuntimeError as e:
                                got.append((isinstance(e, NotImplementedError), str(e)))
                        assert got[0] == got[1], (view, n_out, bias, grad, dts)
