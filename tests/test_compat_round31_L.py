"""Mixture-of-experts and band-split audio transformers from the package registry: st-moe-pytorch 0.1.8,
soft-moe-pytorch 0.1.9, CoLT5-attention 0.11.2 and BS-RoFormer 1.2.4, with the dependencies they import
(local-attention, hyper-connections, rotary-embedding-torch, PoPE-pytorch, torch-einops-utils; beartype and einx),
installed with --no-deps, ported by the porting rule and run against the originals on PyTorch 2.13 in float64 with
PyTorch's weights and its random draws handed over.

The failures these tests pin down, in a few lines (the packages are not imported here):

- the gradient of ``torch.polar(abs, angle)`` with respect to ``abs`` was e^(i angle) everywhere; PyTorch's
  polar_backward takes the direction of the result, sgn(z) = sign(abs) e^(i angle), so a negative abs gets the
  negated derivative and abs = 0 gets 0. PoPE's ``apply_pope_to_qk(..., return_complex=True)`` with a partial
  rotation makes the unrotated features complex by ``torch.polar(q_rest, zeros_like(q_rest))`` of raw (signed)
  features: their gradients had the wrong sign (relative error 2).
- ``register_buffer`` of something that is not a tensor (PoPE's ``inv_freqs`` given as a list) raised nn's own
  words; PyTorch's TypeError says "cannot assign 'list' object to buffer 'inv_freqs' (torch Tensor or None
  required)", and an assignment to a buffer "cannot assign 'list' as buffer 'x' (torch.nn.Buffer, torch.Tensor or
  None expected)": both now in those words (torch read as nn, as the parameter messages already were, and nn's
  ndarray named beside the Tensor, as nn takes one).
- ``topk`` with k larger than the dim (CoLT5's ``topk(x, k)`` over fewer candidates than k) raised nn's own words;
  PyTorch's RuntimeError says "selected index k out of range" (also for a negative k); ``kthvalue`` likewise now
  says PyTorch's "kthvalue(): selected number k out of range for dimension 1".
"""
import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- polar: the gradient of abs follows sgn(z) -----------------------------------------------------------------------

_R = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])


def test_polar_abs_gradient_follows_the_sign_of_abs():
    # PyTorch 2.13: abs = [-1.5, 0, 2], angle = [0.3, 0, -1] (float64, both require grad);
    # (view_as_real(polar(abs, angle)) * [[1, 2], [3, 4], [5, 6]]).sum().backward() ->
    # abs.grad = [-1.546376902448285, 0.0, -2.3473143795066798]
    # angle.grad = [-2.4227291573848087, 0.0, 14.898337518496643]
    r = nn.tensor([-1.5, 0.0, 2.0], dtype=nn.float64, requires_grad=True)
    t = nn.tensor([0.3, 0.0, -1.0], dtype=nn.float64, requires_grad=True)
    z = nn.polar(r, t)
    np.testing.assert_allclose(_f(z), np.array([-1.5, 0.0, 2.0]) * np.exp(1j * np.array([0.3, 0.0, -1.0])), rtol=1e-15)
    (nn.view_as_real(z) * nn.tensor(_R)).sum().backward()
    np.testing.assert_allclose(_f(r.grad), [-1.546376902448285, 0.0, -2.3473143795066798], rtol=1e-14)
    np.testing.assert_allclose(_f(t.grad), [-2.4227291573848087, 0.0, 14.898337518496643], rtol=1e-14)


def test_polar_abs_of_result_has_gradient_one_for_negative_abs():
    # PyTorch 2.13 (float32): polar([-1.5, 0, 2], [0.3, 0, -1]).abs().sum().backward() -> abs.grad ~ [1, 0, 1]
    # (sgn(z) back through sgn(z)); angle.grad ~ 0
    r = nn.tensor([-1.5, 0.0, 2.0], requires_grad=True)
    t = nn.tensor([0.3, 0.0, -1.0], requires_grad=True)
    nn.polar(r, t).abs().sum().backward()
    np.testing.assert_allclose(_f(r.grad), [1.0, 0.0, 1.0], rtol=1e-6)
    np.testing.assert_allclose(_f(t.grad), [0.0, 0.0, 0.0], atol=1e-6)


def test_pope_style_partial_complex_rotation_gradient():
    # PoPE's unrotated features: polar(q_rest, zeros_like(q_rest)) is q_rest as a complex number; PyTorch's gradient
    # of Re(conj(c) * polar(q, 0)).sum() with respect to q is Re(c) * sign(q) (0 at q = 0): here [2, -0, -1, 0.5]
    q = nn.tensor([1.0, -2.0, -0.5, 3.0], dtype=nn.float64, requires_grad=True)
    c = nn.tensor([2 + 1j, 0 - 1j, 1 + 3j, 0.5 + 0j])
    z = nn.polar(q, nn.zeros_like(q))
    np.testing.assert_allclose(_f(z), [1.0, -2.0, -0.5, 3.0])
    (z * c.conj()).real.sum().backward()
    np.testing.assert_allclose(_f(q.grad), [2.0, 0.0, -1.0, 0.5], atol=1e-15)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_polar_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    r0 = rng.standard_normal((3, 4))
    r0[0, 0] = 0.0
    t0, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4, 2))
    r, t = nn.tensor(r0, requires_grad=True), nn.tensor(t0, requires_grad=True)
    (nn.view_as_real(nn.polar(r, t)) * nn.tensor(w)).sum().backward()
    rt, tt = torch.tensor(r0, requires_grad=True), torch.tensor(t0, requires_grad=True)
    (torch.view_as_real(torch.polar(rt, tt)) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(_f(r.grad), rt.grad.numpy(), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(_f(t.grad), tt.grad.numpy(), rtol=1e-13, atol=1e-15)


# ---- buffer refusals in PyTorch's words ------------------------------------------------------------------------------

def test_register_buffer_refuses_a_list_in_pytorchs_words():
    # PyTorch 2.13: m.register_buffer('inv_freqs', [1., .5]) -> TypeError
    # "cannot assign 'list' object to buffer 'inv_freqs' (torch Tensor or None required)"
    m = nn.Module()
    with pytest.raises(TypeError, match=r"^cannot assign 'list' object to buffer 'inv_freqs' "
                                        r"\(nn Tensor, ndarray or None required\)$"):
        m.register_buffer("inv_freqs", [1.0, 0.5])
    with pytest.raises(TypeError, match=r"^cannot assign 'float' object to buffer 'c' "
                                        r"\(nn Tensor, ndarray or None required\)$"):
        m.register_buffer("c", 3.0)
    m.register_buffer("ok", nn.zeros(2))                 # a Tensor (and nn's ndarray) is still taken
    m.register_buffer("arr", np.zeros(2))
    assert sorted(dict(m.named_buffers())) == ["arr", "ok"]


def test_assigning_a_list_to_a_buffer_refused_in_pytorchs_words():
    # PyTorch 2.13: m.register_buffer('x', zeros(1)); m.x = [1.] -> TypeError
    # "cannot assign 'list' as buffer 'x' (torch.nn.Buffer, torch.Tensor or None expected)"
    m = nn.Module()
    m.register_buffer("x", nn.zeros(1))
    with pytest.raises(TypeError, match=r"^cannot assign 'list' as buffer 'x' "
                                        r"\(nn\.Buffer, nn\.Tensor, ndarray or None expected\)$"):
        m.x = [1.0]
    m.x = None
    assert m.x is None and "x" in m._buffers


# ---- topk / kthvalue out of range in PyTorch's words -----------------------------------------------------------------

@pytest.mark.parametrize("call", [lambda x: x.topk(5), lambda x: x.topk(-1), lambda x: nn.topk(x, 4, dim=0),
                                  lambda x: nn.tensor(2.0).topk(2)])
def test_topk_k_out_of_range_in_pytorchs_words(call):
    # PyTorch 2.13: zeros(3, 4).topk(5), .topk(-1), topk(x, 4, dim=0), tensor(2.).topk(2) -> RuntimeError
    # "selected index k out of range"
    with pytest.raises(RuntimeError, match=r"^selected index k out of range$"):
        call(nn.zeros(3, 4))


@pytest.mark.parametrize("k, dim, where", [(5, -1, 1), (0, -1, 1), (4, -2, 0), (4, 0, 0)])
def test_kthvalue_k_out_of_range_in_pytorchs_words(k, dim, where):
    # PyTorch 2.13: zeros(3, 4).kthvalue(5) -> "kthvalue(): selected number k out of range for dimension 1";
    # kthvalue(4, dim=-2) -> "... for dimension 0"
    with pytest.raises(RuntimeError, match=rf"^kthvalue\(\): selected number k out of range for dimension {where}$"):
        nn.zeros(3, 4).kthvalue(k, dim=dim)
    with pytest.raises(RuntimeError, match=r"^kthvalue\(\): selected number k out of range for dimension 0$"):
        nn.tensor(2.0).kthvalue(2)
