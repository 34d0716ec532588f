"""uformer-pytorch 0.0.8 (a U-shaped window-attention transformer for image restoration, with axial rotary
embeddings and an optional sinusoidal time embedding), kronecker-attention-pytorch 0.0.6 (attention over the row and
column means of a feature map, added back as an outer sum) and cross-transformers-pytorch 0.0.2 (few-shot
classification by attention from a query image's features to the support images' features; their wheels) ported
file by file by the porting rule (uformer_pytorch -> uformer_pytorchp, kronecker_attention_pytorch ->
kronecker_attention_pytorchp, cross_transformers_pytorch -> cross_transformers_pytorchp in their own import lines;
nothing else changed; einops' `rearrange` / `repeat` run on nn's tensors through nn's einops backend) and run
against the originals on PyTorch 2.13 in one process (round 46, area B). PyTorch's initial weights, perturbed by
N(0, 0.1^2) and loaded by ``state_dict`` (keys, dtypes and the rotary ``scales`` buffer equal), the same NumPy
inputs, float64 and float32; the packages draw nothing at random. Uformer over nine constructions and 19 input
sizes (dim 4-8, stages 1-3, ``num_blocks``, ``dim_head``, ``window_size`` and ``heads`` as ints and as per-stage
tuples, ``ff_mult`` 1-4, ``channels`` 1-3, ``input_channels`` / ``output_channels``, ``time_emb`` with float and
int64 times; square and oblong images; head sizes 5, 6 and 10, whose rotary embedding covers part of each head;
window 1), its ``Block`` alone (rotary embedding on and off, with and without a skip input and a time embedding),
``AxialRotaryEmbedding`` (dims 4-16, ``max_freq`` 4-10, 1x1 to 3x7 maps) and ``TimeSinuPosEmb``;
KroneckerSelfAttention over four constructions and four map sizes (1 x 9, 6 x 1, ...); CrossTransformer (default
dims, ``dim_key`` / ``dim_value`` 1-16) around a small conv backbone, 1-3 queries, 1-5 classes, 1-4 supports each.
Each: outputs, input and parameter gradients of a random projection, losses and weights over three steps of Adam,
SGD with momentum or AdamW; also under ``no_grad`` / ``inference_mode``, channels-last and transposed inputs, a
float32 input to a float64 model, a 3-d input, float64 as the default dtype, reprs, and the packages' own failures
(a map not divisible by the window, wrong channels, a time without ``time_emb``), alike on both sides. Largest
relative differences in float64: outputs 2.6e-15, input gradients 7.9e-15, parameter gradients 1.1e-14 (Uformer;
KroneckerSelfAttention and CrossTransformer 9.5e-16 / 1.9e-15 / 2.2e-15), weights after SGD 3.5e-16 and after
Adam 1.6e-14 where no gradient entry is near Adam's eps (CrossTransformer 7.6e-15); gradients of the time input
4.0e-14 and of the time MLP 1.6e-14 (sin and cos of times up to 1000: PyTorch against itself with the times an ulp
apart, 1.8e-14); weights after Adam and AdamW 5.4e-12 in Uformer (gradient entries of about 1.4e-8, near Adam's
eps, where lr / eps scales the last bit of the gradient; PyTorch against itself with the input an ulp apart,
3.4e-12).
Float32: outputs 9.0e-7, gradients 4.5e-6 (time input 3.6e-5), weights after Adam 4.4e-4 (PyTorch against itself
an ulp apart: 1.3e-4).

Still different (not fixed): a half or bfloat16 model is nn's TypeError ("dtype float16 is not supported") where
PyTorch's fails in its own way (the rotary embedding's float32 buffer meets a half matmul: "expected m1 and m2 to
have the same dtype"); einops' messages print an nn tensor's shape as ``(4, 8, 6, 8)`` where PyTorch's say
``torch.Size([4, 8, 6, 8])`` (nn's ``str`` of a Size, documented); of ``.to()``'s argument errors, those PyTorch's
parser words for its one plausible signature (five arguments: "to() got multiple values for argument 'copy'",
"to(): argument 'device' (position 1) must be torch.device, not torch.dtype") are the "invalid combination" first
line in nn, and ``var(x, unbiased=True, correction=None)`` computes where PyTorch's parser refuses the pair; the
function form ``torch.chunk(x, 2.0)`` says "(position 2)" where nn says "(position 1)". The packages ship no tests.

The failures of nn these tests pin down (the packages are not imported here):

- ``x.to(dtype, non_blocking, copy)``, ``x.to(device, dtype, non_blocking, copy)`` and ``x.to(other,
  non_blocking, copy)``: nn skipped every positional bool, so ``copy=True`` given by position returned ``x``
  itself where PyTorch returns a copy (writing into the "copy" changed ``x``).
- ``.to()``'s arguments that none of PyTorch's three signatures takes were read loosely: ``x.to(t, nn.float64)``,
  ``x.to(nn.float64, nn.float32)``, ``x.to('cpu', False)``, ``x.to(False, nn.float64)``, ``x.to(nn.float64,
  dtype=nn.float32)``, ``x.to(nn.float32, copy=1)``, three positional bools: nn cast (the last dtype winning) where
  PyTorch raises TypeError "to() received an invalid combination of arguments - got (Tensor, torch.dtype), but
  expected one of:"; ``x.to(other=t)`` was nn's own words. A Python bool, float or complex in the tensor's place
  is PyTorch's tensor of it (``x.to(True)`` is a bool tensor, ``x.to(1.5)`` float64), where nn returned ``x``
  unchanged or refused; ``x.to(tensor=t)`` (the parser's keyword) was refused.
- ``Module.to`` (and ``torch._C._nn._parse_to``) refuse a copy argument given at all, True or False, by keyword or
  position: PyTorch's RuntimeError ".to() does not accept copy argument"; nn ignored it.
- ``torch.var_mean(x, False)`` and ``torch.std_mean(x, True)`` (the old signature with ``unbiased`` in ``dim``'s
  place, which ``var`` and ``std`` took) raised "mean(): argument 'dim' (position 1) must be tuple of ints, not
  bool" in nn.
- ``var`` / ``std`` / ``var_mean`` / ``std_mean`` given both ``unbiased`` and ``correction`` computed in nn
  (``correction`` winning); PyTorch's parser refuses them: "var() received an invalid combination of arguments -
  got (Tensor, correction=int, unbiased=bool, dim=int), but expected one of:".
- ``torch.einsum('i->i')`` and ``torch.einsum(t)``, without operands: PyTorch's ValueError "einsum(): must specify
  the equation string and at least one operand, or at least one operand and its subscripts list"; nn raised
  RuntimeError "fewer operands were provided than specified in the equation" (or failed unpacking the sublists).
"""
import numpy as np
import pytest

import nn
from porting import raised

INVALID_TO = "to() received an invalid combination of arguments - got ({}), but expected one of:"


# ---------------------------------------------------------------------------------------------------------------
# Tensor.to: PyTorch's three signatures, copy given by position

def test_to_copies_when_copy_is_given_by_position():
    x = nn.tensor([1.0, 2.0], dtype=nn.float64)
    for args in [(nn.float64, False, True), ("cpu", nn.float64, False, True), (x, False, True),
                 (None, nn.float64, False, True)]:
        y = x.to(*args)
        assert y is not x and y.dtype == nn.float64
        y[0] = 5.0                              # a copy: x keeps its values, as PyTorch's
        assert x.tolist() == [1.0, 2.0]
    # non_blocking alone (one bool) and copy=False leave x itself, as before
    assert x.to(nn.float64, True) is x and x.to(x, False, False) is x and x.to("cpu", nn.float64, True) is x


@pytest.mark.parametrize("make, got", [
    (lambda x: (x, nn.float64), "Tensor, torch.dtype"),
    (lambda x: (nn.float64, nn.float32), "torch.dtype, torch.dtype"),
    (lambda x: (nn.float64, "cpu"), "torch.dtype, str"),
    (lambda x: ("cpu", "cpu"), "str, str"),
    (lambda x: ("cpu", False), "str, bool"),
    (lambda x: (False, nn.float64), "bool, torch.dtype"),
    (lambda x: (x, x), "Tensor, Tensor"),
    (lambda x: (x, "cpu"), "Tensor, str"),
    (lambda x: (nn.float64, False, True, False), "torch.dtype, bool, bool, bool"),
])
def test_to_refuses_what_no_signature_takes(make, got):
    x = nn.tensor([1.0, 2.0])
    assert raised(lambda: x.to(*make(x))) == ("TypeError", INVALID_TO.format(got))


def test_to_refuses_keywords_no_signature_takes():
    x = nn.tensor([1.0, 2.0])
    # (keywords in reverse order, and a trailing ", " when only keywords are given, as PyTorch's parser prints)
    for call, got in [(lambda: x.to(nn.float32, dtype=nn.float64), "torch.dtype, dtype=torch.dtype"),
                      (lambda: x.to(x, dtype=nn.float32), "Tensor, dtype=torch.dtype"),
                      (lambda: x.to("cpu", device="cpu"), "str, device=str"),
                      (lambda: x.to(nn.float32, device="cpu"), "torch.dtype, device=str"),
                      (lambda: x.to(nn.float32, copy=1), "torch.dtype, copy=int"),
                      (lambda: x.to(copy=None), "copy=NoneType, "),
                      (lambda: x.to(other=x), "other=Tensor, "),
                      (lambda: x.to(nn.float64, False, True, copy=True), "torch.dtype, bool, bool, copy=bool")]:
        assert raised(call) == ("TypeError", INVALID_TO.format(got))


def test_to_takes_a_python_number_as_a_tensor_and_the_tensor_keyword():
    x = nn.tensor([0.0, 2.0])
    # PyTorch 2.13: x.to(True) is x.to(torch.tensor(True)) (bool), x.to(1.5) a float64 tensor's dtype
    assert x.to(True).dtype == nn.bool and x.to(True).tolist() == [False, True]
    assert x.to(1.5).dtype == nn.float64 and x.to(1j).dtype == nn.complex128
    t = nn.tensor([1.0], dtype=nn.float64)
    assert x.to(tensor=t).dtype == nn.float64 and x.to(tensor=x) is x
    # the forms that were right stay: None as the device, dtype=None, keywords alone
    assert x.to(None) is x and x.to("cpu", None) is x and x.to(device="cpu", dtype=None) is x
    assert x.to(dtype=nn.float64, non_blocking=True, copy=False).dtype == nn.float64


@pytest.mark.parametrize("call", [
    lambda m: m.to(copy=True), lambda m: m.to(copy=False), lambda m: m.to(nn.float64, copy=False),
    lambda m: m.to(nn.float64, False, True), lambda m: m.to(nn.float64, False, False),
    lambda m: m.to("cpu", nn.float64, False, True), lambda m: m.to(nn.zeros(1), False, False),
])
def test_module_to_refuses_a_copy_argument(call):
    m = nn.Linear(3, 2)
    assert raised(lambda: call(m)) == ("RuntimeError", ".to() does not accept copy argument")
    assert m.weight.dtype == nn.float32             # (nothing cast)


def test_parse_to_refuses_a_copy_argument():
    assert raised(lambda: nn._C._nn._parse_to(nn.float64, copy=False)) == \
        ("RuntimeError", ".to() does not accept copy argument")
    assert raised(lambda: nn._C._nn._parse_to(nn.float64, False, False)) == \
        ("RuntimeError", ".to() does not accept copy argument")
    assert nn._C._nn._parse_to(nn.float64, True)[1:3] == (nn.float64, True)
    assert raised(lambda: nn.Linear(3, 2).to(nn.float64, nn.float64)) == \
        ("TypeError", INVALID_TO.format("torch.dtype, torch.dtype"))


# ---------------------------------------------------------------------------------------------------------------
# var / std / var_mean / std_mean: the old (input, unbiased) signature; unbiased and correction together

X = [[1.0, 2.0], [4.0, 7.0]]        # mean 3.5, squared deviations summing to 21


def test_var_mean_and_std_mean_take_unbiased_in_dims_place():
    x = nn.tensor(X, dtype=nn.float64)
    var, mean = nn.var_mean(x, False)               # every element, divided by 4
    assert (var.item(), mean.item(), var.shape) == (5.25, 3.5, ())
    var, mean = nn.var_mean(x, True)                # Bessel's correction: / 3
    assert (var.item(), mean.item()) == (7.0, 3.5)
    std, mean = nn.std_mean(x, True)
    assert (std.item(), mean.item()) == (np.sqrt(7.0), 3.5)
    std, mean = nn.std_mean(x, False)
    assert (std.item(), mean.item()) == (np.sqrt(5.25), 3.5)
    # a 0-d tensor: one element, its variance with correction NaN, without 0
    var, mean = nn.var_mean(nn.tensor(2.0), False)
    assert (var.item(), mean.item()) == (0.0, 2.0)


@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
def test_var_family_refuses_unbiased_with_correction(name):
    x = nn.tensor(X, dtype=nn.float64)
    fn = getattr(nn, name)
    words = name + "() received an invalid combination of arguments - got ({}), but expected one of:"
    assert raised(lambda: fn(x, dim=1, unbiased=False, correction=0)) == \
        ("TypeError", words.format("Tensor, correction=int, unbiased=bool, dim=int"))
    assert raised(lambda: fn(x, True, correction=1)) == ("TypeError", words.format("Tensor, bool, correction=int"))
    assert raised(lambda: fn(x, 1, True, True, correction=0)) == \
        ("TypeError", words.format("Tensor, int, bool, bool, correction=int"))
    if name in ("var", "std"):                      # the methods name no tensor
        assert raised(lambda: getattr(x, name)(1, True, correction=0)) == \
            ("TypeError", words.format("int, bool, correction=int"))
    # each alone is taken, as before
    assert np.allclose(np.asarray(fn(x, dim=1, correction=0)[0] if name.endswith("mean") else
                                  fn(x, dim=1, correction=0)),
                       [0.25, 2.25] if name.startswith("var") else [0.5, 1.5])


# ---------------------------------------------------------------------------------------------------------------
# einsum without operands

def test_einsum_without_operands_is_a_value_error():
    words = ("einsum(): must specify the equation string and at least one operand, or at least one operand and its "
             "subscripts list")
    assert raised(lambda: nn.einsum("i->i")) == ("ValueError", words)
    assert raised(lambda: nn.einsum(nn.ones(2))) == ("ValueError", words)
    assert raised(lambda: nn.einsum("i->i", [])) == ("ValueError", words)
    # uformer's spaced equation, as before
    assert nn.einsum("i, j -> i  j", nn.ones(2), nn.ones(3)).shape == (2, 3)


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def _outcome(fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - the point is which one
        return type(e).__name__, str(e).split("\n")[0]
    if isinstance(r, tuple):
        return tuple(np.round(np.asarray(t.detach()), 12).tolist() for t in r)
    if isinstance(r, bool):
        return r
    values = np.asarray(r.detach())
    return str(r.dtype).rpartition(".")[2], (np.round(values, 12) if values.dtype.kind in "fc" else values).tolist()


TO_FORMS = [(), ("f32",), ("f32", False), ("f32", False, True), ("f64", False, True), ("f64", True, True),
            ("f64", False, True, False), ("cpu",), ("cpu", "f64"), ("cpu", "f64", False, True), ("cpu", False),
            ("T",), ("T", False, True), ("T", "f64"), ("T", "cpu"), ("f64", "f32"), ("f64", "cpu"), (None,),
            ("cpu", None), (True,), (1.5,), (False, "f64"), ("T", "T")]
TO_KEYWORDS = [{}, {"copy": True}, {"copy": False}, {"non_blocking": True}, {"dtype": "f32"}, {"device": "cpu"}]


def test_to_against_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        lib.x = lib.tensor([0.5, 2.0], dtype=lib.float64)

    def value(lib, a):
        return {"f32": lib.float32, "f64": lib.float64, "T": lib.x}.get(a, a) if isinstance(a, str) else a
    for form in TO_FORMS:
        for keywords in TO_KEYWORDS:
            if len(form) + len(keywords) == 5:      # (PyTorch's words for its one plausible signature: left)
                continue
            results = []
            for lib in (torch, nn):
                args = [value(lib, a) for a in form]
                kw = {k: value(lib, v) for k, v in keywords.items()}
                module = torch.nn.Linear(2, 2) if lib is torch else nn.Linear(2, 2)
                results.append((_outcome(lambda: lib.x.to(*args, **kw)),
                                _outcome(lambda: lib.x.to(*args, **kw) is lib.x),
                                _outcome(lambda: module.to(*args, **kw).weight)[0]))
            assert results[0] == results[1], (form, keywords)
    del torch.x, nn.x


def test_var_family_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    forms = [((1,), dict(unbiased=False, keepdim=True)), ((False,), {}), ((True,), {}), ((), dict(dim=1, correction=0)),
             ((), dict(dim=(0, 2), correction=2)), ((1, True), {}), ((), dict(dim=1, unbiased=False, correction=0)),
             ((True,), dict(correction=1)), ((1, False, True), dict(correction=0)), ((), dict(dim=None, correction=0))]
    for name in ["var", "std", "var_mean", "std_mean"]:
        for args, kw in forms:
            ours = _outcome(lambda: getattr(nn, name)(nn.tensor(x), *args, **kw))
            theirs = _outcome(lambda: getattr(torch, name)(torch.tensor(x), *args, **kw))
            assert ours == theirs, (name, args, kw)
            if name in ("var", "std"):
                ours = _outcome(lambda: getattr(nn.tensor(x), name)(*args, **kw))
                theirs = _outcome(lambda: getattr(torch.tensor(x), name)(*args, **kw))
                assert ours == theirs, (name, args, kw)
    assert _outcome(lambda: nn.einsum("i->i")) == _outcome(lambda: torch.einsum("i->i"))
