"""nGPT-pytorch 0.2.16 (the normalized transformer: nGPT, nTransformer, the experimental nGPT with its orthogonality
losses, NormLinear over ``register_parametrization``, Scale, Residual, FeedForward, Attention, and the evo crossover)
with rotary-embedding-torch 0.9.1, and light-recurrent-unit-pytorch 0.1.4 (LightRecurrentUnitCell / Layer, the
stacked, gated and block forms; einx 0.4.3 as installed, torch-einops-utils 0.2.0) from their wheels, ported file by
file by the porting rule (nGPT_pytorch -> nGPT_pytorchp, rotary_embedding_torch -> rotary_embedding_torchp,
light_recurrent_unit_pytorch -> light_recurrent_unit_pytorchp, torch_einops_utils -> torch_einops_utilsp in their own
import lines; nothing else changed) and run against the originals on PyTorch 2.13 in one process (round 47, area A).
PyTorch's initial weights perturbed by N(0, 0.1^2) and loaded by ``state_dict``, the same NumPy inputs, float64 and
float32; outputs projected on NumPy normals and back-propagated; three Adam steps (AdamW for the LRU blocks with a
feed-forward), nGPT's weights normalised after each step by its own ``register_step_post_hook`` routine (by
``norm_weights_`` for nTransformer and the experimental nGPT).

nGPT 0.2.16 defines ``__eq__`` (for its evo crossover) on Scale, NormLinear, Attention, FeedForward and nGPT, which
makes those modules unhashable: on PyTorch every traversal (``.double()``, ``.parameters()``, ``norm_weights_``)
raises TypeError "unhashable type: 'NormLinear'", so the package cannot run at all; the same small shim on both sides
(``cls.__hash__ = object.__hash__`` after import) let the comparison run. nGPT: 13 constructions (the defaults;
``manual_norm_weights``; ``tied_embedding``; ``num_hyperspheres=2``; ``causal=False`` with key masks, one batch row
fully masked; ``attn_norm_qk=False``; ``add_value_residual=False``; ``norm_eps=0.1``; norm_eps with hyperspheres and
manual norms; every per-layer scale hyper-parameter as numbers and as tuples; depth 1 with one head; depth 3 with
four heads; ``attn_flash_kwargs``), each forward plain, with ``return_hiddens``, ``return_loss`` and both, then the
training steps; ``ce_ignore_index``; steps without the hook (``norm_weights_`` by hand); sequences of one token.
nTransformer: 5 constructions (rotary on and off, non-causal with masks, manual norms with hyperspheres and norm_eps,
scales) with and without ``norm_input``. The experimental nGPT: 3 constructions, ``return_breakdown``. evo:
``cross_over_ngpt`` of two perturbed models (parametrized and manual), a given child, ``deepcopy`` of parametrized
modules, its ``randperm`` read from one NumPy stream per side. LRU: the cell (heads 1-3, ``proj_input=False``,
``learned_init_hidden``, ``dim_hidden``; 1-d, 2-d and 3-d inputs, a given hidden), the layer (with a given hidden,
sequences of 1), ``LightRecurrentUnit`` (depth 1-3, per-layer ``proj_input``, given hiddens),
``GatedLightRecurrentUnit`` (depth 1-2, ``num_layers_per_depth`` 1-3), ``LightRecurrentUnitBlock`` (gated or
stacked, ``has_ff_block``), gradients to the inputs, given hiddens and every parameter. Largest relative differences
in float64: nGPT outputs 9.7e-15, gradients 2.0e-14, weights after three steps 2.0e-14 but one; nTransformer
outputs over the steps 2.0e-14; the experimental nGPT 6.1e-14 (its weights after the steps); evo children identical;
LRU outputs 4.9e-16, gradients 3.1e-15, weights 7.2e-16. The one larger number is nGPT without the value residual,
the FeedForward's output projection after three steps: 2.0e-12 (its other weights 2.6e-13), where PyTorch against
itself with one embedding weight moved by an ulp gives 1.7e-12 (2.3e-13): Adam's division by each entry's gradient
scale magnifies rounding in the small gradient entries of weights renormalised after each step. Float32 (outputs /
gradients / weights after the steps): nGPT 1.5e-6 / 8.6e-6 / 4.1e-4 (the same projection; 1.8e-4 with two
hyperspheres, 3.9e-5 in the experimental nGPT, 1.4e-5 with norm_eps, below 6e-6 elsewhere), LRU 3.3e-7 / 1.2e-6 /
2.2e-7. Neither package ships tests.

The packages' own paths met nn's difference on nGPT's ``__eq__`` (nn's traversals kept a set of ids, so nGPT ran on
nn where PyTorch refuses it) and on Attention's ``flash_kwargs`` (nn ran any choice of kernels, where PyTorch's CPU
refuses a choice without its math and flash kernels, and the math kernel refuses a mask with ``is_causal``); the lerp
and SDPBackend fixes came from probing those functions' other argument forms side by side with PyTorch.

Still different (not fixed): F.scaled_dot_product_attention does not check the last dims' stride 1 that PyTorch's
flash kernel requires (nn's tensors have NumPy's layouts): where only that refuses the flash kernel, a mask with
``is_causal`` is taken by nn and refused by PyTorch's math kernel. Its math path words a head count enable_gqa cannot
split in nn's words, takes key and value of different head counts under enable_gqa by refusing them (PyTorch's math
kernel repeats each to the query's heads), and takes a mask of more dims than the scores (PyTorch: "output with
shape [2, 2, 4, 5] doesn't match the broadcast shape [1, 2, 2, 4, 5]"). lerp's refusal given by keywords names the
types in position order (PyTorch: "got (weight=float, end=float, )"), and a call without a weight is Python's
TypeError. A SDPBackend member can be iterated over and indexed by name (PyTorch's C++ enum cannot).

The failures of nn these tests pin down (the packages are not imported here):

- ``Module.named_modules`` / ``named_children`` (and so ``modules``, ``children``, ``parameters``, ``apply``,
  ``to``, ``double``, ``train``, ``zero_grad``) kept a set of ids, where PyTorch keeps a set of the modules: a module
  class that defines ``__eq__`` without ``__hash__`` (nGPT's NormLinear) is unhashable, and PyTorch raises TypeError
  "unhashable type: 'NormLinear'" where nn went on; two modules equal by their own ``__eq__`` and ``__hash__`` are
  listed once by PyTorch (their parameters too), twice by nn; a ``memo`` given to ``named_modules`` holds modules.
- ``F.scaled_dot_product_attention`` ignored the kernels ``sdpa_kernel`` / ``torch.backends.cuda`` allow: on the CPU
  PyTorch chooses its flash kernel where it is enabled and takes the call, else its math kernel; neither enabled
  (``sdpa_kernel([])``, ``[SDPBackend.EFFICIENT_ATTENTION]``, ``[SDPBackend.CUDNN_ATTENTION]``, nGPT's Attention with
  ``flash_kwargs`` enabling neither) is RuntimeError "No viable backend for scaled_dot_product_attention was found.
  This is likely due to turning off both the math kernel and the fused kernels."; only flash, which refuses the call
  (3-d inputs, dropout, differing heads or head sizes, a 3-d mask, integer inputs), warns "Flash attention kernel not
  used because:" and why, then raises "No available kernel.  Aborting execution."; the math kernel (flash off, or
  refusing: a 3-d mask) refuses ``attn_mask`` with ``is_causal`` ("_scaled_dot_product_attention: Explicit attn_mask
  should not be set when is_causal=True"), which nn took; a 1-d or 0-d mask of 4-d inputs is the flash check's
  IndexError. An empty call computes whatever is enabled.
- ``SDPBackend`` was an IntEnum: ``str(SDPBackend.MATH)`` was "0" (PyTorch: "SDPBackend.MATH") and
  ``SDPBackend.MATH == 0`` True (PyTorch: False); ``sdpa_kernel`` took a tuple or set (PyTorch's AssertionError
  "Backend must be an instance of SDPBackend or a list of SDPBackend instances, got tuple"), refused a list holding
  anything but backends (PyTorch ignores those) and gave None to ``with ... as`` (PyTorch: {}).
- ``lerp`` (nGPT's residual update, the LRU's hidden update): a complex number weight made a real input's result
  complex, where PyTorch converts it to the input's dtype ("value cannot be converted to type double without
  overflow" for an imaginary part; 0.3+0j lerps in float64); a None or str weight, or an end that is no Tensor (a
  number, a list, a NumPy array), was NumPy's or Python's own error (or computed, for an array end), where PyTorch's
  parser says "lerp() received an invalid combination of arguments - got (Tensor, NoneType), but expected one of:"
  (the function form "got (Tensor, Tensor, NoneType)").
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.attention import SDPBackend, sdpa_kernel
from tests.porting import raised

NO_BACKEND = ("No viable backend for scaled_dot_product_attention was found. This is likely due to turning off both "
              "the math kernel and the fused kernels.")
AT = " (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/transformers/sdp_utils_cpp."


# ---------------------------------------------------------------------------------------------------------------
# Module traversal: a set of the modules, as PyTorch's

class NormLinear(nn.Module):
    """nGPT-pytorch 0.2.16's NormLinear, cut down: __eq__ (for its evo crossover) without __hash__."""
    def __init__(self, dim, dim_out):
        super().__init__()
        self.dim, self.dim_out = dim, dim_out
        self.linear = nn.Linear(dim, dim_out, bias=False)

    def __eq__(self, x):
        return isinstance(x, NormLinear) and self.dim == x.dim and self.dim_out == x.dim_out


class Tagged(nn.Module):
    """Equal, and hashed, by its size."""
    def __init__(self, n):
        super().__init__()
        self.n = n
        self.w = nn.Parameter(nn.ones(n))

    def __eq__(self, other):
        return isinstance(other, Tagged) and self.n == other.n

    def __hash__(self):
        return hash(("Tagged", self.n))


def test_an_unhashable_module_stops_every_traversal_as_in_pytorch():
    model = nn.Sequential(NormLinear(3, 4), nn.ReLU())
    words = ("TypeError", "unhashable type: 'NormLinear'")
    for call in (lambda: list(model.modules()), lambda: list(model.children()), lambda: list(model.parameters()),
                 lambda: model.double(), lambda: model.train(), lambda: model.apply(print),
                 lambda: list(model.named_modules(remove_duplicate=False)), lambda: model.zero_grad(),
                 lambda: list(NormLinear(3, 4).parameters())):
        assert raised(call) == words
    # what does not go through the set works there too: the state dict, the repr, the child's own children
    assert sorted(model.state_dict()) == ["0.linear.weight"]
    assert repr(model).startswith("Sequential(\n  (0): NormLinear(")
    assert [name for name, _ in model[0].named_children()] == ["linear"]


def test_modules_equal_by_their_own_hash_are_listed_once_as_in_pytorch():
    model = nn.Sequential(Tagged(2), Tagged(2), Tagged(3))
    assert [name for name, _ in model.named_modules()] == ["", "0", "2"]
    assert [name for name, _ in model.named_children()] == ["0", "2"]
    assert [name for name, _ in model.named_parameters()] == ["0.w", "2.w"]
    assert [name for name, _ in model.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    assert [name for name, _ in model.named_parameters(remove_duplicate=False)] == ["0.w", "1.w", "2.w"]
    assert sorted(model.state_dict()) == ["0.w", "1.w", "2.w"]
    # a memo of modules: the given one (and those equal to it) are skipped
    assert [name for name, _ in model.named_modules(memo={model[2]})] == ["", "0"]
    model.double()                      # (_apply visits the children: the second Tagged(2) is not one of them)
    assert model[0].w.dtype == nn.float64 and model[1].w.dtype == nn.float32


# ---------------------------------------------------------------------------------------------------------------
# scaled_dot_product_attention under the kernels sdpa_kernel allows: PyTorch's CPU choice

def _qkv(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [nn.tensor(rng.standard_normal(s)) for s in shapes]


def _attend(backends, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with sdpa_kernel(backends):
                out = F.scaled_dot_product_attention(*args, **kwargs)
        except Exception as error:      # noqa: BLE001 - the point is which one
            return (type(error).__name__, str(error)), [str(w.message) for w in caught]
    return out, [str(w.message) for w in caught]


def test_sdpa_without_math_or_flash_kernel_has_no_backend():
    q, k, v = _qkv((2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3))
    for backends in ([], [SDPBackend.EFFICIENT_ATTENTION], [SDPBackend.CUDNN_ATTENTION],
                     [SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION, SDPBackend.OVERRIDEABLE]):
        assert _attend(backends, q, k, v) == (("RuntimeError", NO_BACKEND), [])
    # the older switches are the same ones
    nn.backends.cuda.enable_flash_sdp(False)
    nn.backends.cuda.enable_math_sdp(False)
    try:
        assert raised(lambda: F.scaled_dot_product_attention(q, k, v)) == ("RuntimeError", NO_BACKEND)
    finally:
        nn.backends.cuda.enable_flash_sdp(True)
        nn.backends.cuda.enable_math_sdp(True)
    # an empty call is answered before the choice
    q0, k0, v0 = _qkv((2, 2, 0, 3), (2, 2, 5, 3), (2, 2, 5, 3))
    assert _attend([], q0, k0, v0)[0].shape == (2, 2, 0, 3)
    # nGPT-pytorch 0.2.16's Attention: its flash_kwargs pick the kernels
    SDP_BACKEND_MAP = dict(enable_flash=SDPBackend.FLASH_ATTENTION, enable_mem_efficient=SDPBackend.EFFICIENT_ATTENTION,
                           enable_math=SDPBackend.MATH, enable_cudnn=SDPBackend.CUDNN_ATTENTION)
    flash_kwargs = dict(enable_flash=False, enable_math=False, enable_mem_efficient=True, enable_cudnn=True)
    sdpa_backends = [SDP_BACKEND_MAP[enable_str] for enable_str, enable in flash_kwargs.items() if enable]
    assert _attend(sdpa_backends, q, k, v, is_causal=True, scale=2.0)[0] == ("RuntimeError", NO_BACKEND)


def test_sdpa_flash_alone_refuses_what_its_cpu_kernel_cannot_take():
    q, k, v = _qkv((2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3))
    flash = [SDPBackend.FLASH_ATTENTION]
    expected = F.scaled_dot_product_attention(q, k, v).numpy()
    out, caught = _attend(flash, q, k, v)
    np.testing.assert_array_equal(out.numpy(), expected)
    assert caught == []
    refused = ("RuntimeError", "No available kernel.  Aborting execution.")
    first = "Flash attention kernel not used because:" + AT + "cpp:99.)"
    q3, k3, v3 = _qkv((2, 4, 3), (2, 5, 3), (2, 5, 3))
    assert _attend(flash, q3, k3, v3) == (refused, [first, (
        "All fused kernels requires query, key and value to be 4 dimensional, but got Query dim: 3, Key dim: 3, "
        "Value dim: 3 instead." + AT + "h:327.)")])
    assert _attend(flash, q, k, v, dropout_p=0.5) == (refused, [
        first, "Both fused kernels do not support non-zero dropout." + AT + "h:241.)"])
    qh, = _qkv((2, 3, 4, 3))
    assert _attend(flash, qh, k, v)[1][1] == (
        "For dense input, both fused kernels require query, key and value to have the same num_heads. Query.sizes(): "
        "[2, 3, 4, 3], Key sizes(): [2, 2, 5, 3], Value sizes(): [2, 2, 5, 3] instead. To broadcast dense inputs, try "
        "using unsqueeze and expand_to before passing them into the kernel." + AT + "h:437.)")
    _, v6 = _qkv((1,), (2, 2, 5, 6))
    assert _attend(flash, q, k, v6)[1][1] == (
        "Flash attention requires q,k,v to have the same last dimension. Got Query.size(-1): 3, Key.size(-1): 3, "
        "Value.size(-1): 6 instead." + AT + "cpp:21.)")
    mask3 = nn.ones(2, 4, 5, dtype=nn.bool)
    assert _attend(flash, q, k, v, attn_mask=mask3) == (refused, [first, (
        "Please use the following attn mask shapes: 2d - ({Q_seq_len, 1}  x {KV_seq_len, 1}); 4d - ({Batch, 1} x "
        "{Num_heads, 1} x {Q_seq_len, 1}  x {KV_seq_len, 1})" + AT + "h:314.)")])
    # a mask that requires grad, or whose last dims do not fit: refused without a reason
    assert _attend(flash, q, k, v, attn_mask=nn.zeros(4, 5, requires_grad=True, dtype=nn.float64)) == (
        refused, [first])
    # grouped queries are taken; an integer input is refused for its dtype
    qg, = _qkv((2, 4, 4, 3))
    assert _attend(flash, qg, k, v, enable_gqa=True)[0].shape == (2, 4, 4, 3)
    ints = [t.long() for t in (q, k, v)]
    assert _attend(flash, *ints)[1][1] == (
        "Expected query, key and value to all be of dtype: {Float, Double, BFloat16, Half}. Got Query dtype: long int, "
        "Key dtype: long int, and Value dtype: long int instead." + AT + "h:91.)")


def test_sdpa_math_kernel_refuses_a_mask_with_is_causal():
    q, k, v = _qkv((2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3))
    mask = nn.tensor(np.random.default_rng(1).random((4, 5)) > 0.3)
    words = ("RuntimeError", "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    # the flash kernel applies both; where math serves the call (flash off, or a 3-d mask flash refuses) it refuses
    both = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=True)
    assert both.shape == (2, 2, 4, 3)
    assert _attend([SDPBackend.MATH], q, k, v, attn_mask=mask, is_causal=True) == (words, [])
    assert _attend([SDPBackend.MATH, SDPBackend.EFFICIENT_ATTENTION], q, k, v, attn_mask=mask, is_causal=True)[0] == words
    assert raised(lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=mask.expand(2, 4, 5), is_causal=True)) == words
    # a 1-d or 0-d mask of 4-d inputs: the flash check reads its size(-2)
    assert raised(lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=nn.ones(5, dtype=nn.bool))) == (
        "IndexError", "Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    assert raised(lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=nn.tensor(True))) == (
        "IndexError", "Dimension specified as -2 but tensor has no dimensions")
    out, caught = _attend([SDPBackend.MATH], q, k, v, attn_mask=nn.ones(5, dtype=nn.bool))      # math broadcasts it
    np.testing.assert_allclose(out.numpy(), F.scaled_dot_product_attention(q, k, v).numpy(), rtol=1e-15)


def test_sdp_backend_is_no_int_and_sdpa_kernel_takes_a_backend_or_a_list():
    assert str(SDPBackend.MATH) == f"{SDPBackend.MATH}" == "SDPBackend.MATH"
    assert repr(SDPBackend.FLASH_ATTENTION) == "<SDPBackend.FLASH_ATTENTION: 1>"
    assert SDPBackend.MATH != 0 and not isinstance(SDPBackend.MATH, int)
    assert int(SDPBackend.EFFICIENT_ATTENTION) == 2 and SDPBackend.CUDNN_ATTENTION.value == 3
    assert raised(lambda: SDPBackend.MATH + 1)[0] == "TypeError"
    for backends, name in (((SDPBackend.MATH,), "tuple"), ({SDPBackend.MATH}, "set"), ("math", "str"), (0, "int")):
        def enter(backends=backends):
            with sdpa_kernel(backends):
                pass
        assert raised(enter) == ("AssertionError", "Backend must be an instance of SDPBackend or a list of "
                                                   f"SDPBackend instances, got {name}")
    with sdpa_kernel([SDPBackend.MATH, "x", 0]) as context:     # what is no backend is ignored
        assert context == {}
        assert nn.backends.cuda.math_sdp_enabled() and not nn.backends.cuda.flash_sdp_enabled()
    assert nn.backends.cuda.flash_sdp_enabled()


# ---------------------------------------------------------------------------------------------------------------
# lerp: a complex number weight in the input's dtype; the parser's refusals

def test_lerp_complex_weight_and_refused_arguments():
    x, y = nn.tensor([1.0, 2.0], dtype=nn.float64), nn.tensor([3.0, 5.0], dtype=nn.float64)
    for weight in (0.3 + 0j, np.complex128(0.3)):
        out = x.lerp(y, weight)
        assert out.dtype == nn.float64 and np.allclose(out.tolist(), [1.6, 2.9], rtol=1e-15)
    assert raised(lambda: x.lerp(y, 0.5j)) == ("RuntimeError", "value cannot be converted to type double without overflow")
    assert raised(lambda: x.float().lerp(y.float(), 0.5j)) == (
        "RuntimeError", "value cannot be converted to type float without overflow")
    assert raised(lambda: x.clone().lerp_(y, np.complex128(1j))) == (
        "RuntimeError", "value cannot be converted to type double without overflow")
    assert raised(lambda: nn.tensor([1]).lerp(nn.tensor([2]), 0.5j)) == (
        "NotImplementedError", "\"lerp_kernel_scalar\" not implemented for 'Long'")
    xc = x.to(nn.complex128)
    assert xc.lerp(xc + 1, 0.5j).tolist() == [(1 + 0.5j), (2 + 0.5j)]
    words = "lerp() received an invalid combination of arguments - got ({}), but expected one of:"
    assert raised(lambda: x.lerp(y, None)) == ("TypeError", words.format("Tensor, NoneType"))
    assert raised(lambda: nn.lerp(x, y, None)) == ("TypeError", words.format("Tensor, Tensor, NoneType"))
    assert raised(lambda: x.lerp(y, "a")) == ("TypeError", words.format("Tensor, str"))
    assert raised(lambda: x.lerp(2.0, 0.5)) == ("TypeError", words.format("float, float"))
    assert raised(lambda: nn.lerp(x, 2.0, 0.5)) == ("TypeError", words.format("Tensor, float, float"))
    assert raised(lambda: x.lerp([1.0, 2.0], 0.5)) == ("TypeError", words.format("list, float"))
    assert raised(lambda: x.lerp(np.ones(2), 0.5)) == ("TypeError", words.format("numpy.ndarray, float"))
    assert raised(lambda: x.clone().lerp_(y, None)) == (
        "TypeError", "lerp_() received an invalid combination of arguments - got (Tensor, NoneType), but expected one of:")
    assert x.lerp(y, True).tolist() == [3.0, 5.0] and x.lerp(y, np.float32(0.5)).tolist() == [2.0, 3.5]


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def test_traversal_sdpa_choice_and_lerp_against_pytorch():
    torch = pytest.importorskip("torch")
    from torch.nn.attention import SDPBackend as TB, sdpa_kernel as t_kernel

    class TorchNormLinear(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(3, 4, bias=False)

        def __eq__(self, x):
            return True

    class TorchTagged(torch.nn.Module):
        def __init__(self, n):
            super().__init__()
            self.n, self.w = n, torch.nn.Parameter(torch.ones(n))

        def __eq__(self, other):
            return self.n == other.n

        def __hash__(self):
            return hash(("Tagged", self.n))
    theirs = torch.nn.Sequential(TorchNormLinear())
    ours = nn.Sequential(NormLinear(3, 4))
    assert raised(lambda: list(ours.parameters()))[0] == raised(lambda: list(theirs.parameters()))[0] == "TypeError"
    assert [n for n, _ in nn.Sequential(Tagged(2), Tagged(2), Tagged(3)).named_parameters()] == \
        [n for n, _ in torch.nn.Sequential(TorchTagged(2), TorchTagged(2), TorchTagged(3)).named_parameters()]

    rng = np.random.default_rng(0)
    shapes = {"4d": ((2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3)), "3d": ((2, 4, 3), (2, 5, 3), (2, 5, 3)),
              "heads": ((2, 3, 4, 3), (2, 2, 5, 3), (2, 2, 5, 3)), "vdim": ((2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 6))}
    arrays = {k: [rng.standard_normal(s) for s in v] for k, v in shapes.items()}
    masks = {None: None, "2d": rng.random((4, 5)) > 0.3, "3d": rng.random((2, 4, 5)) > 0.3}
    names = [(), ("MATH",), ("FLASH_ATTENTION",), ("EFFICIENT_ATTENTION",), ("FLASH_ATTENTION", "MATH")]

    def call(lib, fn, kernel, backend, names, qkv, mask, causal, dropout):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with kernel([getattr(backend, n) for n in names]):
                    out = fn(*[lib.from_numpy(a) for a in qkv], attn_mask=None if mask is None else
                             lib.from_numpy(mask), is_causal=causal, dropout_p=dropout)
                result = ("ok", tuple(out.shape), None if dropout else out.numpy())
            except RuntimeError as error:       # (nn's ShapeError is one)
                result = ("RuntimeError", str(error), None)
        return result, [str(w.message) for w in caught]
    for qkv in arrays.values():
        for mask in masks.values():
            for causal in (False, True):
                for dropout in (0.0, 0.5):
                    for backends in names:
                        args = (backends, qkv, mask, causal, dropout)
                        (*mine, mine_out), mine_warned = call(nn, F.scaled_dot_product_attention, sdpa_kernel,
                                                              SDPBackend, *args)
                        (*their, their_out), their_warned = call(torch, torch.nn.functional.scaled_dot_product_attention,
                                                                 t_kernel, TB, *args)
                        assert (mine, mine_warned) == (their, their_warned), args
                        if mine_out is not None:
                            np.testing.assert_allclose(mine_out, their_out, rtol=1e-13, atol=1e-15)
    assert str(SDPBackend.MATH) == str(TB.MATH) and (SDPBackend.MATH == 0) == (TB.MATH == 0)
    x, y = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    for weight in (0.5j, np.complex128(2j), None, "a"):
        kind, words = raised(lambda: torch.tensor(x).lerp(torch.tensor(y), weight))
        assert raised(lambda: nn.tensor(x).lerp(nn.tensor(y), weight)) == (kind, words.split("\n")[0])
    mine, their = nn.tensor(x).lerp(nn.tensor(y), 0.3 + 0j), torch.tensor(x).lerp(torch.tensor(y), 0.3 + 0j)
    assert mine.dtype == nn.float64 and their.dtype == torch.float64 and mine.tolist() == their.tolist()
