"""CALM-pytorch 0.2.2 (an anchor language model composed with augmenting ones through cross-attention) with
x-transformers 2.31.10 and pytorch-custom-utils 0.0.21, and unet-stylegan2 0.5.1 (a StyleGAN2 generator with a U-Net
discriminator) with linear-attention-transformer 0.19.1 (and what it imports: local-attention 1.11.2,
axial-positional-embedding 0.3.12, product-key-memory 0.3.0, linformer 0.2.3, colt5-attention 0.11.2,
hyper-connections 0.4.11, torch-einops-utils 0.2.0), from their wheels, ported file by file by the porting rule
(each renamed with a trailing p in its own import lines; nothing else changed) and run against the originals on
PyTorch 2.13 in one process (round 49, area H). beartype 0.23.1, tqdm and loguru ran as they are. accelerate (CALM's
FineTuner, pytorch-custom-utils' optimizer wrapper) and pytorch_warmup are name-only stand-ins on both sides, so
CALM's model ran without its trainer (forward, loss, backward and 3 AdamW steps from pytorch-custom-utils'
`get_adam_optimizer`, with `clip_grad_norm_`); unet-stylegan2's torchvision, fire and retry are stand-ins, its
`torch.cuda.is_available()` assertion and `.cuda()` calls were answered by the same CPU stand-in on both sides, and
its `Trainer.train` ran on tensors handed to its loader. PyTorch's weights moved by 0.1 x a NumPy normal and loaded
by ``state_dict``; every draw (``randn``, ``rand``, ``randint``, ``uniform_``, the image noise, Python's
``random()`` of the package and NumPy's CutMix box) read from one NumPy stream per side; float64, with float32 spot
checks.

unet-stylegan2: `Trainer.train` at steps 32000, 32032, 31999 and 32010 (so the gradient penalty's double backward
through the discriminator, the path-length penalty's through the style vectors, CutMix with its consistency loss,
the moving averages and their reset all run), 16 and 32 pixel images, `aug_prob` 0 / 0.5 / 1 with the color,
translation and cutout augmentations, `no_const`, `mixed_prob` 0 and 1, `apply_pl_reg`, `lr_mul`, `cr_weight`,
`style_depth`; then `generate_truncated` through the moving-average models and the discriminator's two heads.
Largest relative differences in float64: losses 8.0e-16, generated images 3.3e-15, the discriminator's outputs
8.4e-14 and weights after 4 steps of both optimizers 2.6e-13 (32 pixels, a first gradient penalty of 5e5; PyTorch
against itself with its real images moved by an ulp 1.1e-13 and 3.8e-13); on another draw of the same configuration
(a first gradient penalty of 4.6e7) 6.0e-13 and 6.6e-11, not measured against PyTorch by an ulp; the other
configurations 2.1e-14 and 1.9e-13. The key biases of the linear attention are left out of these: the keys' softmax
runs over the positions, so a key bias has a zero gradient in exact arithmetic and Adam turns the rounding into
steps (nn against PyTorch 6e-8 to 2.3e-3 relative; where both were measured, nn 1.4e-5 and PyTorch against itself by
an ulp 6.6e-5). Float32 (the package's `torch.FloatTensor(...).uniform_` noise): losses 2.3e-7, images
1.1e-6, weights 1.5e-4 after 4 steps (PyTorch against itself with its images moved by a float32 ulp 2.1e-4).
The package's options that fail on PyTorch fail alike on nn: `transparent=True` (a 3-channel `conv_out` given 4
channels) and `fmap_max` below the filters (the moving-average generator is built without it).

CALM: anchors and augments built from x-transformers' TransformerWrapper (also with flash attention, rotary
positions and GLU feed-forwards), ContinuousTransformerWrapper (`input_shape`, `extract_blocks_fn`) and a model of
``nn.TransformerEncoderLayer`` blocks (`transformer_blocks`, `mask_kwarg`, one returning its hiddens with
`model_return_hiddens`), one and two augments, explicit `connections` and `connect_every_num_layers`, hidden
positions 'input' and 'output', `attn_kwargs` (with and without the context projection, pre-RMSNorm and flash),
`pad_id`, `mask`, `prompt_mask`, `anchor_llm_in_train_mode=False`; the loss, the cross-attentions' gradients, the
weights after 3 steps, eval logits and `generate` (nucleus filtering, Gumbel sampling): float64 loss 2.8e-16,
gradients 1.4e-14, weights 2.4e-14, logits 1.3e-15, the same tokens, with x-transformers' float32 attention softmax
and float32 rotary frequencies computed in float64 on both sides (as shipped, 1.4e-8: NumPy's float32 sin / cos, as
documented before); float32 as shipped: loss 1.4e-7, gradients 2.4e-5, weights 7.0e-5.
linear-attention-transformer's LM under its AutoregressiveWrapper and Autopadder (causal and not, local heads,
reversible layers, GLU, rotary positions, token shift, axial attention, context, Linformer, a PKM layer, `emb_dim`):
losses 2.6e-16, gradients 4.0e-13, weights after 2 Adam steps 1.1e-12 (the PKM layer's keys; PyTorch against
itself with its weights moved by an ulp 2.5e-13 and 6.2e-13; with a context 4.4e-14 and 1.9e-13, PyTorch against
itself 1.6e-13 and 6.8e-13), the same generated tokens. None of the packages ships tests.

The packages' own paths met no difference of nn. Probing the functions they call with their other argument forms
beside PyTorch found the differences below, now fixed.

Still different (not fixed): nn's strides are NumPy's, so `contiguous(memory_format=channels_last)` keeps the
row-major strides; `index_add` / `index_copy` with a source of the wrong shape say nn's ValueError ("index_add: source
must have shape (0, 2), got (2, 2)") where PyTorch says "index_add_(): Number of indices (0) should be equal to
source.size(dim): (2), for dim: 0", and a 0-d index with a 1-D source into a 2-D tensor is written where PyTorch
refuses it ("index_copy_(): When source and destination are not scalars, their dimensionality must match. ...");
`p.data = ndarray` is taken (nn's documented rule for its arrays; PyTorch: "Variable data has to be a tensor, but got
numpy.ndarray"), and so is a hook that returns nn's arrays (`grad.data * 2`); PyTorch's legacy type names print as
``nn.FloatTensor`` in the hook's type words; meshgrid's warning leaves out PyTorch's "(Triggered internally at ...)".
unet-stylegan2's `evaluate` names a local `nn` (`nn = noise(...)`), which the porting rule cannot port (as the
stylegan2 round found); its `generate_truncated` was run instead.

The failures of nn these tests pin down (the package is not imported here):

- ``index_select``, ``index_add``, ``index_reduce``, ``index_copy`` and ``index_fill`` with an index of a dtype they
  do not take: nn computed with uint8, int8 and int16 indices (index_copy and index_fill with int32 too) and refused
  float and bool ones with its own ValueError ("index_select: index must be a 0-d or 1-D integer tensor, got dtype
  float32 and shape (2,)"), and took an empty float index; PyTorch refuses each in its words: "index_select():
  Expected dtype int32 or int64 for index", "index_add_(): Expected dtype int32/int64 for index but got: Float",
  "index_copy_(): Expected a long tensor for index, but got Int" (RuntimeErrors) and "index_fill_(): Expected dtype
  int64 for index." (an IndexError, before the dims).
- A gradient hook that returned a tensor of another size or dtype was cast or failed later in the backward with nn's
  own words; PyTorch refuses it as the hook returns: "hook '<lambda>' has changed the size of value", "hook
  '<lambda>' has changed the type of value (was torch.FloatTensor got torch.DoubleTensor)", and a non-tensor with
  the TypeError "expected Variable, but hook returned 'int'".
- ``register_hook`` and ``retain_grad`` on a tensor that does not require grad said nn's words; PyTorch's are
  "cannot register a hook on a tensor that doesn't require gradient" and "can't retain_grad on Tensor that has
  requires_grad=False".
- ``p.data = integer_tensor`` on a tensor that requires grad turned it into an integer tensor that requires grad;
  PyTorch raises "data set to a tensor that requires gradients must be floating point or complex dtype".
- The legacy constructors with a negative size (``FloatTensor(-1, 2)``) raised NumPy's ValueError "negative
  dimensions are not allowed"; PyTorch's RuntimeError is "Trying to create tensor with negative dimension -1: [-1,
  2]".
"""
import numpy as np
import pytest

import nn
from porting import raised

pytestmark = pytest.mark.filterwarnings("ignore:index_reduce")


# the index_* family's refusal of an index dtype it does not take (PyTorch 2.13's class and words): index_select,
# index_add and index_reduce take int32 and int64, index_copy and index_fill int64 only; an empty index is checked too
_INDEX_CASES = [
    ("select", np.float32, (2,), ("RuntimeError", "index_select(): Expected dtype int32 or int64 for index")),
    ("select", np.uint8, (2,), ("RuntimeError", "index_select(): Expected dtype int32 or int64 for index")),
    ("select", np.int16, (), ("RuntimeError", "index_select(): Expected dtype int32 or int64 for index")),
    ("select", np.bool_, (0,), ("RuntimeError", "index_select(): Expected dtype int32 or int64 for index")),
    ("add", np.float32, (2,), ("RuntimeError", "index_add_(): Expected dtype int32/int64 for index but got: Float")),
    ("add", np.uint8, (2,), ("RuntimeError", "index_add_(): Expected dtype int32/int64 for index but got: Byte")),
    ("add", np.bool_, (0,), ("RuntimeError", "index_add_(): Expected dtype int32/int64 for index but got: Bool")),
    ("reduce", np.int16, (2,), ("RuntimeError", "index_reduce_(): Expected dtype int32/int64 for index but got: "
                                                "Short")),
    ("copy", np.int32, (2,), ("RuntimeError", "index_copy_(): Expected a long tensor for index, but got Int")),
    ("copy", np.float64, (0,), ("RuntimeError", "index_copy_(): Expected a long tensor for index, but got Double")),
    ("fill", np.int32, (2,), ("IndexError", "index_fill_(): Expected dtype int64 for index.")),
    ("fill", np.uint8, (1, 2), ("IndexError", "index_fill_(): Expected dtype int64 for index.")),
    ("fill", np.float32, (0,), ("IndexError", "index_fill_(): Expected dtype int64 for index.")),
]


def _index_call(L, op, index):
    a = L.arange(6.0).reshape(3, 2)
    n = index.shape[0] if index.ndim else 1
    if op == "select":
        return lambda: L.index_select(a, 0, index)
    if op == "add":
        return lambda: a.index_add(0, index, L.ones(n, 2))
    if op == "reduce":
        return lambda: a.index_reduce(0, index, L.ones(n, 2), "prod")
    if op == "copy":
        return lambda: a.index_copy(0, index, L.ones(n, 2))
    return lambda: a.index_fill(0, index, 1.0)


@pytest.mark.parametrize("op, dtype, shape, expected", _INDEX_CASES)
def test_index_ops_refuse_an_index_dtype_they_do_not_take(op, dtype, shape, expected):
    index = nn.tensor(np.zeros(shape, dtype))
    assert raised(_index_call(nn, op, index)) == expected


def test_index_ops_take_the_index_dtypes_they_take():
    a = nn.arange(6.0).reshape(3, 2)
    i32 = nn.tensor([2, 0], dtype=nn.int32)
    np.testing.assert_array_equal(nn.index_select(a, 0, i32).numpy(), [[4.0, 5.0], [0.0, 1.0]])
    np.testing.assert_array_equal(a.index_add(0, i32, nn.ones(2, 2)).numpy(), [[1.0, 2.0], [2.0, 3.0], [5.0, 6.0]])
    # an out-of-range uint8 index is refused for its dtype, before its values are read (nn said "index out of range")
    assert raised(lambda: nn.index_select(a, 0, nn.tensor([7], dtype=nn.uint8))) == (
        "RuntimeError", "index_select(): Expected dtype int32 or int64 for index")
    # unet-stylegan2's `tile` (its evaluate's mixing images), an int64 index from torch.LongTensor:
    #     order_index = torch.LongTensor(np.concatenate([init_dim * np.arange(n_tile) + i for i in range(init_dim)]))
    #     return torch.index_select(a, dim, order_index)
    t = nn.arange(4.0).reshape(2, 2).repeat(2, 1)
    order = nn.LongTensor(np.concatenate([2 * np.arange(2) + i for i in range(2)]))
    np.testing.assert_array_equal(nn.index_select(t, 0, order).numpy(), [[0, 1], [0, 1], [2, 3], [2, 3]])


def test_register_hook_and_retain_grad_refusals_in_pytorchs_words():
    assert raised(lambda: nn.ones(2).register_hook(lambda g: g)) == (
        "RuntimeError", "cannot register a hook on a tensor that doesn't require gradient")
    assert raised(lambda: nn.ones(2).retain_grad()) == (
        "RuntimeError", "can't retain_grad on Tensor that has requires_grad=False")


def _hooked_backward(replace, graph=False):
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(replace)
    if graph:
        return lambda: nn.autograd.grad(y.sum(), x, create_graph=True)
    return lambda: y.sum().backward()


def named_hook(g):
    return nn.ones(3)


class CallableHook:
    def __call__(self, g):
        return nn.ones(3)


def test_a_hook_that_changes_the_gradients_size_or_type_is_refused():
    # PyTorch checks what a hook returns against the gradient it was given (torch/csrc/autograd/python_hook.cpp):
    # a Tensor, of the same type and size; the hook is named by its __name__, or '<unknown>'
    assert raised(_hooked_backward(lambda g: nn.ones(3))) == (
        "RuntimeError", "hook '<lambda>' has changed the size of value")
    size_words = "hook '{}' has changed the size of value"
    assert raised(_hooked_backward(lambda g: g[None])) == ("RuntimeError", size_words.format("<lambda>"))
    assert raised(_hooked_backward(named_hook)) == ("RuntimeError", size_words.format("named_hook"))
    assert raised(_hooked_backward(CallableHook())) == ("RuntimeError", size_words.format("<unknown>"))
    assert raised(_hooked_backward(lambda g: g.double())) == (
        "RuntimeError", "hook '<lambda>' has changed the type of value (was nn.FloatTensor got nn.DoubleTensor)")
    assert raised(_hooked_backward(lambda g: 5)) == ("TypeError", "expected Variable, but hook returned 'int'")
    assert raised(_hooked_backward(lambda g: nn.ones(3), graph=True)) == (
        "RuntimeError", "hook '<lambda>' has changed the size of value")
    # a leaf's hook too
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: nn.ones(3))
    assert raised(lambda: (x * 2).sum().backward()) == ("RuntimeError", "hook '<lambda>' has changed the size of value")
    # what a hook may return: None, a Tensor of the gradient's type and size, or nn's array of it (`g.data * 3`)
    for replace, want in ((lambda g: None, [2.0, 2.0]), (lambda g: g * 3, [6.0, 6.0]),
                          (lambda g: g.data * 3, [6.0, 6.0])):
        x = nn.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(replace)
        y.sum().backward()
        np.testing.assert_array_equal(x.grad, want)


def test_data_of_a_tensor_that_requires_grad_must_stay_floating():
    p = nn.nn.Parameter(nn.ones(2))
    assert raised(lambda: setattr(p, "data", nn.tensor([1, 2]))) == (
        "RuntimeError", "data set to a tensor that requires gradients must be floating point or complex dtype")
    assert p.dtype == nn.float32
    # a float of another precision (unet-stylegan2's EMA: `ma_params.data = old * beta + (1 - beta) * new`) and a
    # tensor that does not require grad are taken
    p.data = nn.tensor([0.5, 1.5], dtype=nn.float64)
    assert p.dtype == nn.float64 and p.requires_grad
    t = nn.ones(2)
    t.data = nn.tensor([1, 2])
    assert t.dtype == nn.int64


@pytest.mark.parametrize("make", [lambda: nn.FloatTensor(-1, 2), lambda: nn.Tensor(2, -3), lambda: nn.LongTensor(-1),
                                  lambda: nn.Tensor(nn.Size([-1]))])
def test_legacy_constructors_refuse_a_negative_size(make):
    kind, words = raised(make)
    assert kind == "RuntimeError" and words.startswith("Trying to create tensor with negative dimension -")
    assert raised(lambda: nn.FloatTensor(-1, 2))[1] == "Trying to create tensor with negative dimension -1: [-1, 2]"
    assert raised(lambda: nn.Tensor(2, -3))[1] == "Trying to create tensor with negative dimension -3: [2, -3]"


def test_index_dtype_hook_and_data_refusals_as_pytorch():
    torch = pytest.importorskip("torch")
    for op, dtype, shape, _ in _INDEX_CASES:
        for other in (np.float64, np.int8, np.int32, np.int64):
            for shp in (shape, (1,)):
                got = [raised_or_none(_index_call(L, op, L.tensor(np.zeros(shp, other if shp != shape else dtype))))
                       for L in (torch, nn)]
                assert got[0] == got[1], (op, dtype, other, shp, got)
    for replace in ("ones3", "none", "times3", "double", "int"):
        got = []
        for L in (torch, nn):
            fn = {"ones3": lambda g: L.ones(3), "none": lambda g: None, "times3": lambda g: g * 3,
                  "double": lambda g: g.double(), "int": lambda g: 1}[replace]
            x = L.tensor([1.0, 2.0], requires_grad=True)
            y = x * 2
            y.register_hook(fn)
            outcome = raised_or_none(lambda: y.sum().backward())
            got.append(outcome if outcome else np.asarray(x.grad).tolist())
        got = [(g[0], g[1].replace("torch.", "nn.")) if isinstance(g, tuple) else g for g in got]
        assert got[0] == got[1], (replace, got)
    for L in (torch, nn):
        p = L.nn.Parameter(L.ones(2))
        assert raised(lambda: setattr(p, "data", L.tensor([1, 2]))) == (
            "RuntimeError", "data set to a tensor that requires gradients must be floating point or complex dtype")
        assert raised(lambda: L.FloatTensor(-1, 2)) == (
            "RuntimeError", "Trying to create tensor with negative dimension -1: [-1, 2]")


def raised_or_none(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the point is which one
        return type(e).__name__, str(e).split("\n")[0]
    return None
