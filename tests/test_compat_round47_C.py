"""speculative-decoding 0.2.0 (speculative decoding with a small and a large model, with an early-exit head of the same
model and with a prophet model; ``base_decoding``; its Gumbel and top-k sampling functions) and gradnorm-pytorch 0.2.3
(GradNormLossWeighter, MockNetworkWithMultipleLosses) from their wheels, ported file by file by the porting rule
(speculative_decoding -> speculative_decodingp, gradnorm_pytorch -> gradnorm_pytorchp in their own import lines;
nothing else changed) and run against the originals on PyTorch 2.13 in one process (round 47, area C). beartype 0.23.1
was unpacked beside them; gradnorm imports accelerate only for the type of its optional ``accelerator`` argument and its
``backward``, so both sides had the same small stand-in (its ``backward(loss, **kw)`` is ``loss.backward(**kw)``).
speculative-decoding's early-exit head names ``RMSNorm``, which the module never imports: both sides ran with the name
bound to their library's ``RMSNorm``. PyTorch's initial weights perturbed (N(0, 0.2^2), N(0, 0.3^2)) and loaded by
``state_dict``, the same NumPy inputs, float64 and float32; every ``Tensor.uniform_`` (the Gumbel noise and the
acceptance draws) and ``torch.multinomial`` (the bonus token, after the library's own multinomial checked the
probabilities) read from one NumPy stream per side. speculative-decoding: the Decoder's logits and key-value caches
(batch 1 and 3), ``base_decoding`` and ``speculative_decoding`` (small model of another width and depth; gamma 1, 3
and 5; temperature 0.7-1.5; ``filter_thres`` 0, 0.5, 0.9; lenience 1 and 1.3), 3 seeds: every generated token and
every acceptance rate identical, the same number of draws on both sides; the early-exit Decoder's two losses through 3
Adam steps; ``ModelWithProphetWrapper`` (prophet of the model's width and of another, 1 and 2 leading start tokens,
the model's embeddings detached or not) through 3 Adam steps, then ``speculative_decoding_with_prophet_model``
(batch 1 and 3, gamma 3 and 4, and a target no longer than the prompt): tokens and acceptance rates identical.
gradnorm: the README's two uses (a shared backbone weight, and the backbone's activations) and every option, 3 seeds,
5 steps each under Adam: restoring force 0.5-2 with initial-loss EMA, ``frozen``, ``freeze=True``, ``loss_mask`` at
construction and per call (all False too), static ``loss_weights`` (a list, a tensor), losses as a dict / namedtuple
by ``loss_names`` or stacked, ``update_after_step`` / ``update_every``, ``scale``, ``grad_step=False`` (accumulated
weight gradients), the accelerator stand-in, eval mode, a float64 weighter, learning rate 0.5. Compared: the total
weighted loss, every buffer (loss weights, initial losses, step, initted) and its dtype, the accumulated weight
gradient, every parameter gradient (through ``autograd.grad(create_graph=True)`` and the grad-norm loss's second
backward) and the weights after the steps. Largest relative differences in float64: speculative-decoding logits
6.2e-16, caches 4.8e-16, early-exit losses 2.4e-16, gradients 2.4e-15, weights 2.1e-15; prophet losses 2.7e-16,
gradients 1.3e-15, weights 4.7e-16; gradnorm total loss 2.8e-15 (a sum of losses of both signs), gradients 1.0e-15,
weights 1.0e-15, loss weights and initial losses 1.8e-16 (float32 loss weights, the default: identical). Float32:
logits 3.5e-7, early-exit gradients 1.5e-6, weights 1.1e-6; gradnorm gradients 7.6e-7, loss weights 2.9e-7, weights
5.5e-7; the generated tokens still identical. No difference above 1e-13 in float64, so nothing needed an ulp test.
Neither package ships tests.

The packages' own paths ran unchanged on nn; a probe of the functions they call against PyTorch (``uniform_``,
``multinomial``, ``topk``, ``scatter_``, ``gather``, ``cumsum`` of bools, ``F.pad`` with a value, ``where``,
``lerp_``, ``F.normalize(p=1)``, ``norm``, ``l1_loss``, ``autograd.grad``, ``Parameter`` of a non-leaf, masked
assignment of a tensor that requires grad, ``torch.distributed`` without a process group, and the activations the
models use) found the differences below.

Still different (not fixed): the packages fail alike where they are at fault: speculative-decoding's
``speculative_decoding_with_same_model`` stops at its rotary table's length ("The size of tensor a (14) must match
the size of tensor b (10) at non-singleton dimension 2" on both sides), and its early-exit extra blocks name an
undefined ``rotary_emb``; gradnorm's ``initial_losses_decay`` below 1 with float64 losses and its default float32
buffers is ``lerp_``'s "expected dtype float for `end` but got dtype double" on both sides. Where PyTorch computes
``F.silu`` of a complex tensor (with its warning that the imaginary part is discarded), nn refuses it (TypeError);
the other activations' refusals of a non-float input (leaky_relu, elu, softplus, mish, hardswish, ...) are still
nn's TypeError where PyTorch's kernels raise NotImplementedError ('"elu_cpu" not implemented for 'Long''); half
precision is not a dtype of nn. ``torch.distributed.get_world_size()`` without a process group is PyTorch's
ValueError and nn's RuntimeError (an earlier round's decision).

The failures of nn these tests pin down (the packages are not imported here):

- ``Tensor.uniform_`` / ``nn.init.uniform_`` (speculative-decoding's Gumbel noise and acceptance draws) checked only
  from <= to: an infinite bound was NumPy's OverflowError "high - low range exceeds valid bounds", a NaN bound the
  [from, to) error, a bound outside float32 (-1e39) or a range wider than its largest value (-3e38, 3e38) drew
  (float32 infinities), where PyTorch checks each bound, then the order, then the width: "from is out of bounds for
  float", "to is out of bounds for double", "uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found
  to=3e+38 and from=-3e+38 which result in to-from to exceed the limit" (a complex tensor through its real dtype).
- ``F.relu`` / ``ReLU`` / ``Tensor.relu`` (speculative decoding's adjusted probabilities) of a bool tensor, and
  ``F.hardtanh`` / ``F.relu6`` of a bool or complex one, were nn's TypeError "relu: input must be a float tensor ...",
  where PyTorch raises RuntimeError "Boolean inputs not supported for relu" / "Bool inputs not supported for
  hardtanh" and, for complex, NotImplementedError "clamp is not supported for complex types".
- ``F.gelu`` / ``GELU`` (speculative-decoding's feed-forward) and ``F.silu`` / ``SiLU`` (gradnorm's mock network) of
  an integer or bool tensor (gelu: complex too) were the same TypeError, where PyTorch's kernels raise
  NotImplementedError '"GeluKernelImpl" not implemented for 'Long'' / '"silu_cpu" not implemented for 'Bool''
  (gelu after its check of ``approximate``).
- ``F.hardtanh(x, 2., 1.)`` said "hardtanh: min_val (2.0) cannot be greater than max_val (1.0)" (after the dtype
  check), PyTorch "min_val cannot be greater than max_val" (first); ``nn.Hardtanh(2., 1.)`` was a ValueError and
  ``nn.Hardtanh(1., 1.)`` was built, where PyTorch asserts "max_val (1.0) must be greater than min_val (2.0)"
  (AssertionError, equal bounds refused too).
- ``F.normalize`` (gradnorm's ``l1norm`` is ``normalize(p=1)``; met in the probe) with Tensor.norm's named norms:
  ``p='fro'``, which PyTorch hands to ``norm`` (the 2-norm over dim), was NumPy's TypeError "ufunc 'power' not
  supported for the input types"; ``p='nuc'`` or an unknown name is now PyTorch's RuntimeError
  ("linalg.matrix_norm: Order bogus not supported.", "linalg.matrix_norm: dim must be a 2-tuple. Got -1").
"""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck
from tests.porting import raised


# ---------------------------------------------------------------------------------------------------------------
# uniform_: PyTorch's check_uniform_bounds

def test_uniform_checks_each_bound_then_the_order_then_the_width():
    inf, nan = float("inf"), float("nan")
    assert raised(lambda: nn.zeros(3).uniform_(0, inf)) == ("RuntimeError", "to is out of bounds for float")
    assert raised(lambda: nn.zeros(3).uniform_(-inf, 0)) == ("RuntimeError", "from is out of bounds for float")
    assert raised(lambda: nn.zeros(3).uniform_(nan, 1)) == ("RuntimeError", "from is out of bounds for float")
    assert raised(lambda: nn.zeros(3).uniform_(0, nan)) == ("RuntimeError", "to is out of bounds for float")
    assert raised(lambda: nn.zeros(3).uniform_(inf, -inf)) == ("RuntimeError", "from is out of bounds for float")
    assert raised(lambda: nn.zeros(3).uniform_(-1e39, 0)) == ("RuntimeError", "from is out of bounds for float")
    assert raised(lambda: nn.zeros(3, dtype=nn.float64).uniform_(5, inf)) == (
        "RuntimeError", "to is out of bounds for double")
    assert raised(lambda: nn.zeros(3, dtype=nn.complex64).uniform_(0, inf)) == (
        "RuntimeError", "to is out of bounds for float")
    assert raised(lambda: nn.zeros(3).uniform_(-3e38, 3e38)) == (
        "RuntimeError", "uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found to=3e+38 and "
                        "from=-3e+38 which result in to-from to exceed the limit")
    assert raised(lambda: nn.zeros(3, dtype=nn.float64).uniform_(-1e308, 1e308)) == (
        "RuntimeError", "uniform_ expects to-from <= std::numeric_limits<Double>::max(), but found to=1e+308 and "
                        "from=-1e+308 which result in to-from to exceed the limit")
    assert raised(lambda: nn.zeros(3).uniform_(1, 0)) == (
        "RuntimeError", "uniform_ expects to return a [from, to) range, but found from=1 > to=0")
    assert raised(lambda: nn.init.uniform_(nn.zeros(2), 0, inf)) == ("RuntimeError", "to is out of bounds for float")
    assert raised(lambda: nn.zeros(0).uniform_(0, inf)) == ("RuntimeError", "to is out of bounds for float")
    # inside the bounds it draws as before (a range of width 3.4e38 fits float32)
    x = nn.zeros(4).uniform_(-1.7e38, 1.7e38)
    assert x.dtype == nn.float32 and np.isfinite(x.numpy()).all()
    assert nn.zeros(2, dtype=nn.float64).uniform_(2, 2).tolist() == [2.0, 2.0]


# ---------------------------------------------------------------------------------------------------------------
# activations of a bool, integer or complex tensor: PyTorch's errors

def test_relu_and_hardtanh_refuse_bool_and_complex_in_pytorchs_words():
    b, c = nn.ones(2, dtype=nn.bool), nn.ones(2, dtype=nn.complex64)
    relu_bool = ("RuntimeError", "Boolean inputs not supported for relu")
    for call in (lambda: F.relu(b), lambda: nn.relu(b), lambda: b.relu(), lambda: nn.ReLU()(b),
                 lambda: F.relu(b, inplace=True), lambda: nn.relu_(b)):
        assert raised(call) == relu_bool
    hardtanh_bool = ("RuntimeError", "Bool inputs not supported for hardtanh")
    for call in (lambda: F.hardtanh(b), lambda: F.relu6(b), lambda: nn.ReLU6()(b), lambda: F.hardtanh(b, inplace=True)):
        assert raised(call) == hardtanh_bool
    clamp_complex = ("NotImplementedError", "clamp is not supported for complex types")
    for call in (lambda: F.relu(c), lambda: F.hardtanh(c), lambda: F.relu6(c), lambda: F.relu(c, inplace=True)):
        assert raised(call) == clamp_complex
    # integers keep their dtype, as before
    assert F.relu(nn.tensor([-1, 2])).tolist() == [0, 2] and F.relu(nn.tensor([-1, 2])).dtype == nn.int64
    assert F.hardtanh(nn.tensor([-3, 2])).tolist() == [-1, 1]


def test_gelu_and_silu_refuse_non_float_by_their_kernels_names():
    assert raised(lambda: F.gelu(nn.ones(2, dtype=nn.int64))) == (
        "NotImplementedError", "\"GeluKernelImpl\" not implemented for 'Long'")
    assert raised(lambda: nn.GELU()(nn.ones(2, dtype=nn.bool))) == (
        "NotImplementedError", "\"GeluKernelImpl\" not implemented for 'Bool'")
    assert raised(lambda: F.gelu(nn.ones(2, dtype=nn.complex64))) == (
        "NotImplementedError", "\"GeluKernelImpl\" not implemented for 'ComplexFloat'")
    assert raised(lambda: F.gelu(nn.ones(0, dtype=nn.int64))) == (
        "NotImplementedError", "\"GeluKernelImpl\" not implemented for 'Long'")
    # gelu checks its approximate first, as PyTorch's
    assert raised(lambda: F.gelu(nn.ones(2, dtype=nn.int64), approximate="bad")) == (
        "RuntimeError", "approximate argument must be either none or tanh.")
    assert raised(lambda: F.silu(nn.ones(2, dtype=nn.int64))) == (
        "NotImplementedError", "\"silu_cpu\" not implemented for 'Long'")
    assert raised(lambda: nn.SiLU()(nn.ones(2, dtype=nn.bool))) == (
        "NotImplementedError", "\"silu_cpu\" not implemented for 'Bool'")
    assert raised(lambda: F.silu(nn.ones(2, dtype=nn.bool), inplace=True)) == (
        "NotImplementedError", "\"silu_cpu\" not implemented for 'Bool'")
    np.testing.assert_allclose(F.gelu(nn.tensor([1.0], dtype=nn.float64)).numpy(), [0.8413447460685429], rtol=1e-15)


def test_hardtanh_bounds_in_pytorchs_words_and_order():
    assert raised(lambda: F.hardtanh(nn.ones(2), 2.0, 1.0)) == ("ValueError", "min_val cannot be greater than max_val")
    # checked before the dtype, as PyTorch's F.hardtanh does
    assert raised(lambda: F.hardtanh(nn.ones(2, dtype=nn.bool), 2.0, 1.0)) == (
        "ValueError", "min_val cannot be greater than max_val")
    assert raised(lambda: nn.Hardtanh(2.0, 1.0)) == (
        "AssertionError", "max_val (1.0) must be greater than min_val (2.0)")
    assert raised(lambda: nn.Hardtanh(1.0, 1.0)) == (
        "AssertionError", "max_val (1.0) must be greater than min_val (1.0)")
    assert raised(lambda: nn.Hardtanh(2, 1)) == ("AssertionError", "max_val (1) must be greater than min_val (2)")
    assert F.hardtanh(nn.tensor([0.5, 3.0]), 1.0, 1.0).tolist() == [1.0, 1.0]      # F's equal bounds: taken


# ---------------------------------------------------------------------------------------------------------------
# F.normalize with Tensor.norm's named norms

def test_normalize_takes_the_named_norms_pytorch_hands_to_norm():
    x = nn.tensor([[3.0, 4.0], [0.0, 0.0]], dtype=nn.float64)
    assert F.normalize(x, p="fro", dim=-1).tolist() == [[0.6, 0.8], [0.0, 0.0]]
    assert F.normalize(x, p="fro", dim=(0, 1)).tolist() == [[0.6, 0.8], [0.0, 0.0]]
    assert F.normalize(nn.tensor([[3.0, 4.0]]), p="fro").dtype == nn.float32
    assert raised(lambda: F.normalize(x, p="bogus", dim=-1)) == (
        "RuntimeError", "linalg.matrix_norm: Order bogus not supported.")
    assert raised(lambda: F.normalize(x, p="nuc", dim=-1)) == (
        "RuntimeError", "linalg.matrix_norm: dim must be a 2-tuple. Got -1")
    t = nn.tensor(np.random.default_rng(1).standard_normal((2, 3)), requires_grad=True)
    assert gradcheck(lambda v: F.normalize(v, p="fro", dim=1), [t])


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def test_refusals_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    inf, nan = float("inf"), float("nan")
    calls = [(lambda m, f, dt=dt, a=a, b=b: m.zeros(3, dtype=getattr(m, dt)).uniform_(a, b))
             for dt in ("float32", "float64", "complex64", "complex128")
             for a, b in ((0, inf), (-inf, 0), (nan, 1), (0, nan), (-3e38, 3e38), (-1e308, 1e308), (1, 0), (-1e39, 0))]
    for op in ("relu", "relu6", "hardtanh", "gelu", "silu"):
        for dt in ("bool", "int64", "complex64"):
            # (relu, relu6 and hardtanh compute an integer tensor; PyTorch's silu computes a complex one)
            if not (op in ("relu", "relu6", "hardtanh") and dt == "int64") and not (op == "silu" and dt == "complex64"):
                calls.append(lambda m, f, op=op, dt=dt: getattr(f, op)(m.ones(2, dtype=getattr(m, dt))))
    calls += [lambda m, f, p=p, dim=dim: f.normalize(m.ones(2, 3), p=p, dim=dim)
              for p in ("nuc", "x") for dim in (1, (0, 1))]
    calls += [lambda m, f: f.hardtanh(m.ones(2), 2.0, 1.0), lambda m, f: m.nn.Hardtanh(2.0, 1.0),
              lambda m, f: m.nn.Hardtanh(1, 1), lambda m, f: f.gelu(m.ones(2, dtype=m.int64), approximate="x")]
    for call in calls:       # (some calls draw in float64 but not in float32: None where nothing is raised)
        assert _refusal(lambda: call(nn, F)) == _refusal(lambda: call(torch, torch.nn.functional))
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    for dim in (0, -1, (1, 2)):
        np.testing.assert_allclose(F.normalize(nn.tensor(x), p="fro", dim=dim).numpy(),
                                   torch.nn.functional.normalize(torch.tensor(x), p="fro", dim=dim).numpy(), rtol=1e-15)


def _refusal(fn):
    """What fn() raises, as raised() gives it, or None."""
    try:
        fn()
    except Exception:  # noqa: BLE001 - the point is which one
        return raised(fn)
    return None
