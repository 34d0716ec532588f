"""Spiking neural networks from the package registry: SpikingJelly 2.0.0 (installed with --no-deps), its
``activation_based`` package ported by the porting rule (every .py file; renamed spikingjellyp in its own import
lines; torchvision, h5py and PyTorch's ``torch.utils.tensorboard`` stood in on both sides by name-only modules) and run
against the original on PyTorch 2.13 in float64 (float32 where the package computes in it on purpose) with PyTorch's
weights and every random draw from one NumPy source: the neurons (IF, LIF, parametric LIF, QIF, EIF, Izhikevich,
LIAF, KLIF, PSN / masked / sliding PSN) in single- and multi-step mode, every surrogate function, the layer
wrappers and containers, the functional helpers, the monitors, the encoders, activation checkpointing (memopt) and
the model zoo's small nets.

The failures these tests pin down (no package is imported here):

- ``torch.library.triton_op`` did not exist in nn: SpikingJelly registers each neuron's kernel as one (its
  ``_ops`` package, imported by every neuron's forward), so no neuron ran.
- A kernel given by ``Library.impl(name, fn, "AutogradCPU")`` (or "Autograd") to an operator made by
  ``custom_op`` / ``triton_op`` takes the call in PyTorch before the operator's registered autograd formula
  (autograd then sees the kernel's own ops); nn ran the operator's body and the registered backward. SpikingJelly's
  float32 neurons go that way.
- ``torch.ops.<ns>.<name>.default`` of such an operator (SpikingJelly calls ``torch.ops.sj_lif.forward.default``)
  did not exist in nn.
- ``from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import checkpoint_wrapper, CheckpointWrapper``
  (SpikingJelly's memopt, imported by the model zoo) failed: nn had no such module.
- ``BatchNorm2d(4, step_mode="m")`` raised "_NormBase.__init__() got an unexpected keyword argument"; PyTorch's
  ``_BatchNorm`` has its own ``__init__``, so the message names ``_BatchNorm.__init__()``.
"""
import itertools

import numpy as np
import pytest

import nn

_COUNTER = itertools.count()
RNG = np.random.default_rng(27)


def _t(a, requires_grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# ---- torch.library.triton_op ---------------------------------------------------------------------------------

def test_triton_op_is_a_custom_op_reachable_through_nn_ops():
    ns = f"round27a_{next(_COUNTER)}"

    def scale(x: nn.Tensor, k: float) -> nn.Tensor:
        return x * k
    op = nn.library.triton_op(f"{ns}::scale", scale, mutates_args=())
    assert isinstance(op, nn.library.CustomOpDef)
    x = _t([1.0, -2.0], requires_grad=True)
    for call in (op, getattr(nn.ops, ns).scale, getattr(nn.ops, ns).scale.default):
        np.testing.assert_array_equal(call(x, 3.0).detach().numpy(), [3.0, -6.0])
    # no autograd formula registered: the operator is opaque, as a custom_op's
    with pytest.raises(RuntimeError, match="no autograd formula was registered"):
        op(x, 3.0).sum().backward()


def test_triton_op_decorator_with_registered_autograd():
    ns = f"round27a_{next(_COUNTER)}"

    @nn.library.triton_op(f"{ns}::cube", mutates_args=())
    def cube(x: nn.Tensor) -> nn.Tensor:
        return x * x * x

    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x
    nn.library.register_autograd(f"{ns}::cube", backward, setup_context=setup_context)
    x = _t([0.5, -1.5], requires_grad=True)
    getattr(nn.ops, ns).cube.default(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.75, 6.75], rtol=1e-15)


# ---- Library.impl(..., "AutogradCPU") takes the call ----------------------------------------------------------

def _scale_op_with_backward(calls, make=None):
    ns = f"round27a_{next(_COUNTER)}"
    make = make or nn.library.triton_op

    def body(x: nn.Tensor, k: float) -> nn.Tensor:
        calls.append("body")
        return x * k

    def backward(ctx, g):
        calls.append("backward")
        return g * 100.0, None
    op = make(f"{ns}::scale", body, mutates_args=())
    nn.library.register_autograd(f"{ns}::scale", backward, setup_context=lambda ctx, inputs, output: None)
    return ns, op


def test_cpu_kernel_keeps_the_registered_backward():
    calls = []
    ns, op = _scale_op_with_backward(calls)
    lib = nn.library.Library(ns, "FRAGMENT")
    lib.impl("scale", lambda x, k: (calls.append("cpu"), x * k)[1], "CPU")
    x = _t([1.0, 2.0], requires_grad=True)
    op(x, 3.0).sum().backward()
    assert calls == ["cpu", "backward"]            # PyTorch: ['cpu', 'bwd'], grad 100
    np.testing.assert_array_equal(x.grad.numpy(), [100.0, 100.0])


@pytest.mark.parametrize("key", ["AutogradCPU", "Autograd"])
def test_autograd_kernel_runs_before_the_registered_backward(key):
    calls = []
    ns, op = _scale_op_with_backward(calls, nn.library.custom_op)
    lib = nn.library.Library(ns, "FRAGMENT")
    lib.impl("scale", lambda x, k: (calls.append("autograd"), x * (2 * k))[1], key)
    for call in (op, getattr(nn.ops, ns).scale, getattr(nn.ops, ns).scale.default):
        calls.clear()
        x = _t([1.0, 2.0], requires_grad=True)
        y = call(x, 3.0)
        y.sum().backward()
        # PyTorch 2.13: the kernel's result [6, 12], its own gradient 6 (not the registered 100)
        assert calls == ["autograd"]
        np.testing.assert_array_equal(y.detach().numpy(), [6.0, 12.0])
        np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])
    calls.clear()
    with nn.no_grad():
        np.testing.assert_array_equal(op(_t([1.0]), 3.0).numpy(), [6.0])
    assert calls == ["autograd"]


# ---- torch.distributed.algorithms._checkpoint.checkpoint_wrapper ---------------------------------------------

def _cw():
    """torch.distributed.algorithms._checkpoint.checkpoint_wrapper's port (imported in each test: the import
    itself is what failed)."""
    from nn.distributed.algorithms._checkpoint import checkpoint_wrapper
    return checkpoint_wrapper


def _mlp():
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()


def test_checkpoint_wrapper_module_path():
    import sys
    cw = _cw()
    assert sys.modules["nn.distributed.algorithms._checkpoint.checkpoint_wrapper"] is cw
    assert nn.distributed.algorithms._checkpoint.checkpoint_wrapper is cw
    assert cw.CheckpointImpl.REENTRANT != cw.CheckpointImpl.NO_REENTRANT


def test_checkpoint_wrapper_keeps_names_and_state_dict_keys():
    cw = _cw()
    plain = _mlp()
    wrapped = cw.checkpoint_wrapper(_mlp())
    assert isinstance(wrapped, cw.CheckpointWrapper)
    assert [n for n, _ in wrapped.named_modules()] == ["", "_checkpoint_wrapped_module",
                                                      "_checkpoint_wrapped_module.0", "_checkpoint_wrapped_module.1",
                                                      "_checkpoint_wrapped_module.2"]
    keys = ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert list(wrapped.state_dict()) == keys
    assert [n for n, _ in wrapped.named_parameters()] == keys
    assert wrapped[2] is wrapped._checkpoint_wrapped_module[2]         # indexing and attributes go through
    assert wrapped.training is True and len(wrapped._checkpoint_wrapped_module) == 3
    wrapped.load_state_dict(plain.state_dict())                          # a plain module's state into the wrapper
    for a, b in zip(wrapped.parameters(), plain.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    other = _mlp()
    other.load_state_dict(wrapped.state_dict())                          # and back
    np.testing.assert_array_equal(other[0].weight.detach().numpy(), plain[0].weight.detach().numpy())


@pytest.mark.parametrize("impl", ["NO_REENTRANT", "REENTRANT"])
def test_checkpoint_wrapper_gradients_equal_the_plain_module(impl):
    cw = _cw()
    plain = _mlp()
    wrapped = cw.checkpoint_wrapper(_mlp(), checkpoint_impl=getattr(cw.CheckpointImpl, impl))
    wrapped.load_state_dict(plain.state_dict())
    x0, w = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 2))
    grads = []
    for m in (plain, wrapped):
        x = _t(x0, requires_grad=True)
        y = m(x)
        (y * _t(w)).sum().backward()
        grads.append([x.grad.numpy()] + [p.grad.numpy() for p in m.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_allclose(b, a, rtol=1e-14, atol=1e-15)


def test_checkpoint_wrapper_reentrant_with_keywords_and_custom_fn():
    class Affine(nn.Module):
        def forward(self, x, scale=1.0, shift=None):
            return x * scale + (0 if shift is None else shift)
    cw = _cw()
    x = _t([1.0, 2.0], requires_grad=True)
    y = cw.checkpoint_wrapper(Affine(), checkpoint_impl=cw.CheckpointImpl.REENTRANT)(x, scale=_t([3.0, 3.0]),
                                                                               shift=_t([1.0, 1.0]))
    np.testing.assert_array_equal(y.detach().numpy(), [4.0, 7.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    seen = []

    def my_checkpoint(fn, *args, tag, **kwargs):
        seen.append(tag)
        return fn(*args, **kwargs)
    out = cw.checkpoint_wrapper(Affine(), checkpoint_fn=my_checkpoint, tag="t")(x, scale=2.0)
    assert seen == ["t"]
    np.testing.assert_array_equal(out.detach().numpy(), [2.0, 4.0])


def test_apply_activation_checkpointing_wraps_innermost_first():
    m = nn.Sequential(nn.Linear(8, 5), nn.Tanh(), nn.Sequential(nn.Linear(5, 4), nn.Linear(4, 3))).double()
    _cw().apply_activation_checkpointing(m, check_fn=lambda s: isinstance(s, (nn.Linear, nn.Sequential)))
    # PyTorch 2.13's module names and keys for this model (the root itself is not wrapped)
    assert [n for n, _ in m.named_modules()] == [
        "", "0", "0._checkpoint_wrapped_module", "1", "2", "2._checkpoint_wrapped_module",
        "2._checkpoint_wrapped_module.0", "2._checkpoint_wrapped_module.0._checkpoint_wrapped_module",
        "2._checkpoint_wrapped_module.1", "2._checkpoint_wrapped_module.1._checkpoint_wrapped_module"]
    assert list(m.state_dict()) == ["0.weight", "0.bias", "2.0.weight", "2.0.bias", "2.1.weight", "2.1.bias"]
    assert tuple(m(_t(RNG.standard_normal((2, 8)))).shape) == (2, 3)


def test_offload_wrapper_runs_the_module():
    cw = _cw()
    plain = _mlp()
    wrapped = cw.offload_wrapper(plain)
    assert isinstance(wrapped, cw.OffloadWrapper)
    x = _t(RNG.standard_normal((2, 3)))
    np.testing.assert_array_equal(wrapped(x).detach().numpy(), plain(x).detach().numpy())
    assert list(wrapped.state_dict()) == list(plain.state_dict())


# ---- _BatchNorm.__init__ ---------------------------------------------------------------------------------------

def test_batchnorm_unexpected_keyword_names_batchnorm_init():
    with pytest.raises(TypeError, match=r"^_BatchNorm\.__init__\(\) got an unexpected keyword argument 'step_mode'"):
        nn.BatchNorm2d(4, step_mode="m")
    with pytest.raises(TypeError, match=r"^SyncBatchNorm\.__init__\(\) got an unexpected keyword"):
        nn.SyncBatchNorm(4, step_mode="m")
    bn = nn.BatchNorm1d(3, 1e-3, 0.2, True, True, bias=False)
    assert (bn.eps, bn.momentum, bn.bias) == (1e-3, 0.2, None)
