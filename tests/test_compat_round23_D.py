"""Optimizers, schedulers and losses from the package registry: pytorch_optimizer 4.1.0 (pure Python, installed with
--no-deps), ported by the porting rule (every .py file; renamed pytorch_optimizerp in its own import lines) and run
against the original on PyTorch 2.13 in float64 with PyTorch's weights: every optimizer of
get_supported_optimizers() on a Linear + Conv2d model for 6 steps with the same losses (default hyper-parameters,
then weight decay, decoupled / fixed decay, AMSGrad, Nesterov, ams_bound, adanorm, maximize, cautious where an
optimizer takes them), the optimizer's state_dict compared after 3 steps, loaded from PyTorch's into ours and the run
continued; the wrappers (SAM, WSAM, LookSAM, FriendlySAM, BSAM, Lookahead with every pullback_momentum, OrthoGrad,
PCGrad, ScheduleFreeWrapper, Ranger21); the schedulers over 50 steps; the losses with input gradients; the utilities.

The failures these tests pin down, each in a few lines (no package is imported here): pytorch_optimizer imports
``_group_tensors_by_device_and_dtype`` from ``torch.utils._foreach_utils``, which nn lacked (the package did not
import); ADOPT clamps its second moments by ``torch._foreach_maximum_(exp_avg_sqs, eps)``, PyTorch's scalar overload,
which nn refused ("maximum(): argument 'other' (position 2) must be Tensor, not float"); SPlus writes its EMAs by
``torch.lerp(side, grad @ grad.T, weight=..., out=side)``, and nn's lerp took no ``out=``; Magma (like PyTorch's own
Optimizer.__init__) calls ``self._patch_step_function()``, which nn's Optimizer lacked; StableSPAM's state_dict adds
a 'total_step' key beside 'state' and 'param_groups', which PyTorch's load_state_dict ignores and nn's refused
("unexpected key(s) ['total_step'] in optimizer state_dict"); Lookahead with pullback_momentum='pullback' lerps the
base SGD's momentum buffers by ``torch._foreach_lerp_`` (nn's SGD keeps them as NumPy arrays, which the foreach ops
refused: "expected a list of Tensors"), and with 'reset' replaces them by ``torch.zeros_like(p)``, which nn's SGD
then could not update ("'Tensor' object has no attribute 'flags'"); nn's LBFGS state lacked PyTorch's 'prev_loss' and
'al' entries, and a state loaded from PyTorch's file (history lists of Tensors) made its next step fail ("'Tensor'
object has no attribute 'astype'").
"""
import math

import numpy as np
import pytest

import nn


# ---- torch.utils._foreach_utils ---------------------------------------------------------------------------------

def test_group_tensors_by_device_and_dtype_with_indices():
    from nn.utils import _foreach_utils
    a, b, c = nn.zeros(2, dtype=nn.float64), nn.zeros(3), nn.ones(1, dtype=nn.float64)
    groups = _foreach_utils._group_tensors_by_device_and_dtype([[a, b, c], [a, None, c]], with_indices=True)
    assert set(groups) == {(nn.device("cpu"), nn.float64), (nn.device("cpu"), nn.float32)}
    (lists64, idx64), (lists32, idx32) = groups[(a.device, nn.float64)], groups[(b.device, nn.float32)]
    assert idx64 == [0, 2] and idx32 == [1]
    assert lists64[0][0] is a and lists64[0][1] is c and lists64[1][1] is c     # the inputs themselves, no copies
    assert lists32 == [[b], [None]]
    # without indices the index lists are empty, as PyTorch's
    plain = _foreach_utils._group_tensors_by_device_and_dtype([[a, b, c]])
    assert [indices for _, indices in plain.values()] == [[], []]
    assert isinstance(plain, dict) and all(isinstance(v, tuple) for v in plain.values())


def test_group_tensors_refuses_as_pytorch():
    from nn.utils import _foreach_utils
    with pytest.raises(RuntimeError, match="1-th Tensor is not"):
        _foreach_utils._group_tensors_by_device_and_dtype([[nn.zeros(1), None]])
    with pytest.raises(RuntimeError, match="nested_tensorlist.empty"):
        _foreach_utils._group_tensors_by_device_and_dtype([])


def test_foreach_support_queries():
    from nn.utils import _foreach_utils
    cpu = nn.device("cpu")
    assert _foreach_utils._device_has_foreach_support(cpu)
    assert _foreach_utils._has_foreach_support([nn.zeros(1), None], cpu)
    assert not _foreach_utils._has_foreach_support([nn.Parameter(nn.zeros(1))], cpu)   # type(t) is not Tensor
    assert "cpu" in _foreach_utils._get_fused_kernels_supported_devices()
    assert "cpu" not in _foreach_utils._get_foreach_kernels_supported_devices()


# ---- torch._foreach_maximum_ / _foreach_minimum with a number ---------------------------------------------------

def test_foreach_maximum_and_minimum_take_a_number():
    a = nn.tensor([0.1, 0.7, math.nan], dtype=nn.float64)
    b = nn.tensor([[2.0, -1.0]], dtype=nn.float32)
    hi = nn._foreach_maximum([a, b], 0.5)
    lo = nn._foreach_minimum([a, b], [0.5, 0.0])
    np.testing.assert_array_equal(hi[0].numpy(), [0.5, 0.7, math.nan])
    np.testing.assert_array_equal(lo[0].numpy(), [0.1, 0.5, math.nan])
    np.testing.assert_array_equal(hi[1].numpy(), [[2.0, 0.5]])
    np.testing.assert_array_equal(lo[1].numpy(), [[0.0, -1.0]])
    assert hi[1].dtype == nn.float32
    out = nn._foreach_maximum_([a, b], 1e-3 * 1000)                    # ADOPT: in place, returns the list
    assert out[0] is a
    np.testing.assert_array_equal(a.numpy(), [1.0, 1.0, math.nan])
    np.testing.assert_array_equal(b.numpy(), [[2.0, 1.0]])
    # a Tensor other keeps Tensor.maximum's meaning
    np.testing.assert_array_equal(nn._foreach_maximum([b], [nn.tensor([[3.0, 0.0]])])[0].numpy(), [[3.0, 1.0]])


# ---- torch.lerp(..., out=) --------------------------------------------------------------------------------------

def test_lerp_writes_into_out():
    side = nn.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=nn.float64)
    g = nn.tensor([[1.0, -1.0], [0.5, 2.0]], dtype=nn.float64)
    expected = side.numpy() + 0.25 * (g @ g.T).numpy() - 0.25 * side.numpy()
    result = nn.lerp(side, g @ g.T, weight=0.25, out=side)          # SPlus's EMA of grad @ grad.T
    assert result is side
    np.testing.assert_allclose(side.numpy(), expected, rtol=1e-15)
    assert nn.lerp(nn.zeros(2), nn.ones(2), 0.5).tolist() == [0.5, 0.5]   # without out= unchanged


# ---- Optimizer._patch_step_function -----------------------------------------------------------------------------

def test_patch_step_function_for_a_wrapper_that_skips_optimizer_init():
    class Wrapper(nn.optim.Optimizer):
        """Magma's shape: no Optimizer.__init__, the base optimizer's groups, _patch_step_function called."""
        def __init__(self, optimizer):
            self._patch_step_function()
            self.optimizer = optimizer
            self.defaults = optimizer.defaults

        @property
        def param_groups(self):
            return self.optimizer.param_groups

        @property
        def state(self):
            return self.optimizer.state

        def step(self, closure=None):
            return self.optimizer.step(closure)

    p = nn.Parameter(nn.tensor([1.0, 2.0], dtype=nn.float64))
    w = Wrapper(nn.optim.SGD([p], lr=0.5))
    assert w._zero_grad_profile_name == "Optimizer.zero_grad#Wrapper.zero_grad"
    seen = []
    w.register_step_pre_hook(lambda opt, args, kwargs: seen.append("pre"))
    (p * p).sum().backward()
    w.step()
    assert seen == ["pre"]
    np.testing.assert_allclose(p.detach().numpy(), [0.0, 0.0])


# ---- load_state_dict ignores keys beside 'state' and 'param_groups' ---------------------------------------------

def test_load_state_dict_ignores_extra_keys():
    p = nn.Parameter(nn.tensor([1.0, -2.0], dtype=nn.float64))
    opt = nn.optim.Adam([p], lr=0.1)
    (p ** 2).sum().backward()
    opt.step()
    saved = {**opt.state_dict(), "total_step": 7}                   # StableSPAM's state_dict
    other = nn.optim.Adam([nn.Parameter(nn.tensor([0.0, 0.0], dtype=nn.float64))], lr=0.3)
    other.load_state_dict(saved)
    assert other.param_groups[0]["lr"] == 0.1
    assert list(other.state.values())[0]["step"] == 1


# ---- Lookahead's momentum pullback / reset on nn's SGD ----------------------------------------------------------

def _sgd_reference(x0, grads, lr, momentum, buffers_after=None):
    """SGD with momentum by hand: buf = g (first) or momentum * buf + g; x -= lr * buf. buffers_after: {step: new
    buffer}, a buffer replaced from outside after that step."""
    x, buf = np.array(x0, float), None
    for k, g in enumerate(grads):
        buf = g.copy() if buf is None else momentum * buf + g
        x = x - lr * buf
        if buffers_after and k in buffers_after:
            buf = buffers_after[k]
    return x, buf


def test_foreach_lerp_writes_into_sgd_momentum_buffers():
    p = nn.Parameter(nn.tensor([1.0, -1.0], dtype=nn.float64))
    opt = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    (p ** 2).sum().backward()
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    before = np.array(buf, copy=True)
    slow = nn.zeros(2, dtype=nn.float64)
    nn._foreach_lerp_([buf], [slow], weight=0.5)                    # Lookahead(pullback_momentum='pullback')
    np.testing.assert_allclose(np.asarray(opt.state[p]["momentum_buffer"]), before * 0.5)
    nn._foreach_copy_([slow], [opt.state[p]["momentum_buffer"]])
    np.testing.assert_allclose(slow.numpy(), before * 0.5)
    # the next step goes on from the pulled-back buffer
    opt.zero_grad()
    (p ** 2).sum().backward()
    x_before = p.detach().numpy().copy()
    g = 2 * x_before
    opt.step()
    np.testing.assert_allclose(p.detach().numpy(), x_before - 0.1 * (0.9 * before * 0.5 + g), rtol=1e-15)


def test_sgd_takes_a_momentum_buffer_tensor_put_in_its_state():
    p = nn.Parameter(nn.tensor([1.0, -2.0, 0.5], dtype=nn.float64))
    opt = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    grads = []
    for k in range(4):
        opt.zero_grad()
        (p ** 3).sum().backward()
        grads.append(3 * p.detach().numpy() ** 2)
        opt.step()
        if k == 1:
            opt.state[p]["momentum_buffer"] = nn.zeros_like(p)      # Lookahead(pullback_momentum='reset')
    # a buffer of zeros: the next step is momentum * 0 + g, as PyTorch's (no "first step" restart)
    x, _ = _sgd_reference([1.0, -2.0, 0.5], [np.asarray(g) for g in grads], 0.1, 0.9, {1: np.zeros(3)})
    np.testing.assert_allclose(p.detach().numpy(), x, rtol=1e-14)
    buf = opt.state[p]["momentum_buffer"]
    assert isinstance(buf, nn.Tensor)                               # the Tensor put there, updated in place
    np.testing.assert_allclose(buf.numpy(), 0.9 * grads[2] + grads[3], rtol=1e-14)


# ---- LBFGS: PyTorch's state entries, and its history loaded as Tensors --------------------------------------------

def _lbfgs_problem():
    w = nn.Parameter(nn.tensor([1.5, -0.5, 2.0], dtype=nn.float64))
    a = np.array([[3.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 1.0]])
    opt = nn.optim.LBFGS([w], lr=1.0, max_iter=3, history_size=5)

    def closure():
        opt.zero_grad()
        loss = 0.5 * (w @ nn.tensor(a) @ w) + (w ** 4).sum() * 0.1
        loss.backward()
        return loss
    return w, opt, closure


def test_lbfgs_state_has_prev_loss_and_the_two_loop_coefficients():
    w, opt, closure = _lbfgs_problem()
    opt.step(closure)
    state = opt.state[w]
    # PyTorch's keys: prev_loss (the loss before the last update, a float) and al (history_size slots, None
    # until the two-loop recursion fills them)
    assert {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss",
            "al"} == set(state)
    assert isinstance(state["prev_loss"], float)
    assert len(state["al"]) == 5
    used = len(state["old_dirs"])
    assert 0 < used < 5 and all(v is not None for v in state["al"][:used])
    assert all(v is None for v in state["al"][used:])
    assert set(opt.state_dict()["state"][0]) == set(state)


def test_lbfgs_steps_on_after_loading_a_history_of_tensors():
    w, opt, closure = _lbfgs_problem()
    opt.step(closure)
    saved = opt.state_dict()
    # PyTorch's file, read by nn.load: every array of the state, in the lists too, a Tensor
    as_tensors = {"param_groups": saved["param_groups"], "state": {0: {
        k: ([None if v is None else nn.tensor(np.asarray(v, dtype=np.float64)) for v in value]
            if isinstance(value, list) else nn.tensor(value) if isinstance(value, np.ndarray) else value)
        for k, value in saved["state"][0].items()}}}
    w2, opt2, closure2 = _lbfgs_problem()
    w2.data = w.detach().numpy().copy()
    opt2.load_state_dict(as_tensors)
    opt.step(closure)
    opt2.step(closure2)                                         # nn raised: 'Tensor' object has no attribute 'astype'
    np.testing.assert_allclose(w2.detach().numpy(), w.detach().numpy(), rtol=1e-15, atol=1e-15)
