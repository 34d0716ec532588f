"""A review of the forty-seventh round's module traversal, attention kernel choice, lerp, pad_sequence / F.pad value,
linspace / logspace, Tensor.type and Adam / AdamW constructor checks, by grids of calls run side by side with
PyTorch 2.13 (their results, dtypes, shapes, error types and words, warnings).

Grids: 216 module traversals (named_modules / named_children / parameters / buffers / state_dict / double / to /
train / apply / zero_grad / requires_grad_ / deepcopy / load_state_dict / a given memo, over models holding
unhashable modules, modules equal by their own hash, modules equal to all or to none, shared modules, ModuleDict and
ModuleList); 9,490 scaled_dot_product_attention calls (2-d to 5-d inputs, grouped queries, differing
batches, heads and value sizes, empty queries, keys and batches; none, 1-d to 4-d bool, float and requires-grad
masks; is_causal, dropout, enable_gqa; five kernel choices) and 54 SDPBackend / sdpa_kernel forms; 10,752 lerp calls
(method, function, in-place and keyword forms; float32, float64, complex, int64, 0-d, empty and non-contiguous
inputs; tensor, number, list, ndarray and None ends; 21 kinds of weight); 4,649 pad_sequence and F.pad calls (33
padding values, 18 kinds of sequence list, batch_first and padding_side values, five modes, odd and negative pad
amounts); 1,066 linspace / logspace calls (20 kinds of bound, 13 of steps, seven dtypes, 13 bases, keyword forms);
2,025 Tensor.type and Module.type calls (13 dtypes of input, 54 arguments), and 4,880 Adam / AdamW / SGD / Adagrad /
NAdam / RAdam / Adamax / Adadelta / RMSprop / ASGD / Rprop constructions (26 betas, 8 learning rates, 10 sets of
fused / foreach / capturable flags). The traversals and the optimizers agree everywhere; elsewhere what differed
before the review and differs still is below (the grids before / after: attention 1,388 / 1,324 besides 180 masks of
more dims than the scores, SDPBackend 6 / 5, lerp 3,484 / 1,332, pad_sequence and F.pad 4 / 0, linspace and logspace
58 / 16, Tensor.type 293 / 213).

Differences found and fixed (each pinned below): lerp converted a complex weight before checking end's dtype and the
shapes, so a mismatched end with weight 0.5j gave "value cannot be converted" where PyTorch gives "expected dtype
double for `end` but got dtype float"; it named an int64 or complex end's dtype "long" and "complex128" (PyTorch:
"long int", "c10::complex<double>"); and it took a weight beyond float32's range (1e40) as inf where PyTorch's scalar
kernel refuses it. pad_sequence did not check a padding value against the dtype where nothing needed padding
(PyTorch fills its whole output first: 1e40 in float32 is its RuntimeError). linspace / logspace with both bounds
tensors named one of them in the 0-d refusal (PyTorch names both: "but got start with 1 dimension(s) and end with 0
dimension(s).") and took a Fraction bound. Tensor.type refused bytes and 'torch.sparse.FloatTensor' (PyTorch takes
both), and refused 'torch.cuda.FloatTensor' as an invalid type, or cast to nn.cuda.FloatTensor on the CPU, where
PyTorch fails for want of CUDA. sdpa_kernel ignored an unhashable entry of its list (PyTorch's dict.fromkeys raises
TypeError). scaled_dot_product_attention with enable_gqa took a 2-d query (PyTorch's math kernel reads dim -3:
IndexError).

Still different: scaled_dot_product_attention of an empty query, key or value with a mask that does not broadcast
is refused by nn (PyTorch answers empty calls before reading the mask); a head count enable_gqa cannot split is
worded in nn's words; a mask of more dims than the scores is broadcast (all older than this round). lerp's
refusals given by keyword, and an in-place lerp of a 0-d input whose result would broadcast larger with a complex
weight (nn: "value cannot be converted", PyTorch: "output with shape [] doesn't match the broadcast shape").
linspace / logspace take no out= and a dtype given as a str, and word an unknown keyword in Python's words; a
complex linspace from a NaN or infinite bound and a complex logspace of base 0 differ in their NaN parts. Tensor.type
of a half type is nn's float16 refusal; of nn.DoubleStorage its words differ; Module.type to an integer dtype casts
its parameters (PyTorch: "data set to a tensor that requires gradients must be floating point or complex dtype").
SDPBackend members are Python Enum members (indexed by name, one object per value, picklable).

The failures of nn these tests pin down:

- lerp checked a complex weight before end's dtype and the shapes, named int64 and complex dtypes in NumPy's words,
  and took a float32 weight out of float32's range.
- pad_sequence did not check its padding value against the dtype where nothing is padded.
- linspace / logspace named one bound where both are tensors, and took a Fraction bound.
- Tensor.type refused bytes and sparse type names, and did not refuse CUDA types as nn's .cuda() does.
- sdpa_kernel ignored an unhashable list entry; scaled_dot_product_attention took a 2-d query with enable_gqa.
"""
import warnings
from fractions import Fraction

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.attention import SDPBackend, sdpa_kernel
from nn.utils.rnn import pad_sequence
from tests.porting import raised

CPU_ONLY = ("RuntimeError", "nn runs on the CPU only: cannot use device 'cuda' (nn.cuda.is_available() is False); "
                            "use 'cpu'")


def test_lerp_checks_end_and_shapes_before_converting_the_weight():
    x = nn.ones(2, 3, dtype=nn.float64)
    assert raised(lambda: x.lerp(nn.ones(2, 3), 0.5j)) == (
        "RuntimeError", "expected dtype double for `end` but got dtype float")
    assert raised(lambda: nn.lerp(x, nn.ones(2, 3, dtype=nn.int64), 0.5)) == (
        "RuntimeError", "expected dtype double for `end` but got dtype long int")
    assert raised(lambda: x.to(nn.complex128).lerp(x, 0.5)) == (
        "RuntimeError", "expected dtype c10::complex<double> for `end` but got dtype double")
    assert raised(lambda: nn.ones(2, dtype=nn.int64).lerp(nn.ones(2, dtype=nn.int64), nn.ones(2))) == (
        "RuntimeError", "expected dtype long int for `weight` but got dtype float")
    assert raised(lambda: nn.zeros(0, dtype=nn.float64).lerp(x, 0.5j))[1] == (
        "The size of tensor a (0) must match the size of tensor b (3) at non-singleton dimension 1")


def test_lerp_weight_is_converted_to_the_input_dtype_checked():
    words = "value cannot be converted to type {} without overflow"
    assert raised(lambda: nn.ones(2).lerp(nn.zeros(2), 1e40)) == ("RuntimeError", words.format("float"))
    assert raised(lambda: nn.ones(2).lerp(nn.zeros(2), 1e40 + 0j)) == ("RuntimeError", words.format("float"))
    assert raised(lambda: nn.ones(2, dtype=nn.complex64).lerp(nn.zeros(2, dtype=nn.complex64), 1e40)) == (
        "RuntimeError", words.format("c10::complex<float>"))
    assert nn.ones(2, dtype=nn.float64).lerp(nn.zeros(2, dtype=nn.float64), 1e40).tolist() == [-1e40, -1e40]
    assert nn.ones(2).lerp(nn.zeros(2), float("inf")).tolist() == [-np.inf, -np.inf]
    assert raised(lambda: nn.ones(2).lerp(nn.zeros(2), 2 ** 70)) == ("OverflowError", "int too big to convert")


def test_pad_sequence_checks_the_padding_value_where_nothing_is_padded():
    words = ("RuntimeError", "value cannot be converted to type float without overflow")
    assert raised(lambda: pad_sequence([nn.ones(3)], padding_value=1e40)) == words
    assert raised(lambda: pad_sequence([nn.ones(2), nn.ones(2)], True, 1e40)) == words
    assert raised(lambda: pad_sequence([nn.ones(2, dtype=nn.uint8)], padding_value=300)) == (
        "RuntimeError", "value cannot be converted to type uint8_t without overflow")
    assert pad_sequence([nn.ones(2, dtype=nn.float64)], padding_value=1e40).tolist() == [[1.0], [1.0]]


def test_linspace_and_logspace_name_both_tensor_bounds_and_refuse_a_fraction():
    for fn in ("linspace", "logspace"):
        f = getattr(nn, fn)
        words = f"{fn} only supports 0-dimensional start and end tensors, but got "
        assert raised(lambda: f(nn.tensor([1.0]), nn.tensor(2.0), 3)) == (
            "RuntimeError", words + "start with 1 dimension(s) and end with 0 dimension(s).")
        assert raised(lambda: f(nn.tensor(1.0), nn.tensor([[2.0]]), 3)) == (
            "RuntimeError", words + "start with 0 dimension(s) and end with 2 dimension(s).")
        assert raised(lambda: f(nn.tensor([1.0]), 2, 3)) == ("RuntimeError", words + "start with 1 dimension(s).")
        assert raised(lambda: f(Fraction(1, 2), 1, 3)) == (
            "TypeError", f"{fn}() received an invalid combination of arguments - got (Fraction, int, int), but "
                         f"expected one of:")
    assert nn.linspace(np.float32(0.5), nn.tensor(1.0), 3).tolist() == [0.5, 0.75, 1.0]


def test_tensor_type_takes_bytes_and_sparse_names_and_refuses_cuda_types():
    x = nn.ones(2)
    assert x.type(b"torch.DoubleTensor").dtype == nn.float64
    assert x.type("torch.sparse.DoubleTensor").dtype == nn.float64
    assert x.type("nn.sparse.LongTensor").dtype == nn.int64
    assert raised(lambda: x.type("torch.cuda.FloatTensor")) == CPU_ONLY
    assert raised(lambda: x.type(nn.cuda.FloatTensor)) == CPU_ONLY
    assert raised(lambda: x.type("torch.cuda.double")) == CPU_ONLY
    assert raised(lambda: x.type("torch.sparse.double")) == ("ValueError", "invalid type: 'torch.sparse.double'")
    assert raised(lambda: x.type(b"double")) == ("ValueError", "invalid type: 'double'")


def test_sdpa_kernel_refuses_an_unhashable_entry_and_gqa_needs_a_head_dim():
    def enter():
        with sdpa_kernel([SDPBackend.MATH, [SDPBackend.FLASH_ATTENTION]]):
            pass
    assert raised(enter) == ("TypeError", "unhashable type: 'list'")
    assert nn.backends.cuda.flash_sdp_enabled() and nn.backends.cuda.math_sdp_enabled()
    with sdpa_kernel([SDPBackend.MATH, SDPBackend.MATH, "x"]):
        assert nn.backends.cuda.math_sdp_enabled() and not nn.backends.cuda.flash_sdp_enabled()
    q, k = nn.ones(4, 3, dtype=nn.float64), nn.ones(5, 3, dtype=nn.float64)
    assert raised(lambda: F.scaled_dot_product_attention(q, k, k, enable_gqa=True)) == (
        "IndexError", "Dimension out of range (expected to be in range of [-2, 1], but got -3)")
    assert F.scaled_dot_product_attention(q, k, k).shape == (4, 3)
    assert F.scaled_dot_product_attention(q[None], k[None], k[None], enable_gqa=True).shape == (1, 4, 3)


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    from torch.nn.attention import SDPBackend as TB, sdpa_kernel as t_kernel
    from torch.nn.utils.rnn import pad_sequence as t_pad_sequence

    def outcome(fn):
        try:
            value = fn()
        except Exception as e:  # noqa: BLE001 - the point is which one
            kind = "RuntimeError" if isinstance(e, RuntimeError) else type(e).__name__
            return kind, str(e).split("\n")[0].replace("torch.", "nn.")
        return str(value.dtype).split(".")[-1], np.asarray(value.tolist()).tolist()

    def same(expression):
        theirs = outcome(lambda: eval(expression, {"L": torch, "P": t_pad_sequence, "np": np, "Fraction": Fraction}))
        ours = outcome(lambda: eval(expression, {"L": nn, "P": pad_sequence, "np": np, "Fraction": Fraction}))
        assert ours == theirs, expression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for end in ("L.ones(2, 3)", "L.ones(2, 3, dtype=L.long)", "L.ones(2, 3, dtype=L.complex128)", "L.zeros(0)"):
            for weight in ("0.5j", "0.3", "1e40", "L.ones(3, dtype=L.float32)"):
                same(f"L.ones(2, 3, dtype=L.float64).lerp({end}, {weight})")
        for expression in ("L.ones(2).lerp(L.zeros(2), 1e40)", "L.ones(2, dtype=L.complex64).lerp(L.zeros(2, "
                           "dtype=L.complex64), 1e40)", "P([L.ones(3)], padding_value=1e40)",
                           "P([L.ones(2, dtype=L.uint8)], padding_value=300)",
                           "L.linspace(L.tensor([1.]), L.tensor(2.), 3)", "L.logspace(L.tensor(1.), L.tensor([[2.]]), 3)",
                           "L.linspace(Fraction(1, 2), 1, 3)", "L.ones(2).type(b'torch.DoubleTensor')",
                           "L.ones(2).type('torch.sparse.DoubleTensor').to_dense()", "L.ones(2).type(b'double')"):
            same(expression)
    for lib, kernel, backend in ((torch, t_kernel, TB), (nn, sdpa_kernel, SDPBackend)):
        def enter(kernel=kernel, backend=backend):
            with kernel([backend.MATH, [backend.MATH]]):
                pass
        assert raised(enter) == ("TypeError", "unhashable type: 'list'")
    q, k = np.ones((4, 3)), np.ones((5, 3))
    theirs = raised(lambda: torch.nn.functional.scaled_dot_product_attention(
        *map(torch.from_numpy, (q, k, k)), enable_gqa=True))
    assert raised(lambda: F.scaled_dot_product_attention(*map(nn.from_numpy, (q, k, k)), enable_gqa=True)) == theirs
    assert raised(lambda: torch.ones(2).type("torch.cuda.FloatTensor"))[0] == CPU_ONLY[0]
