"""pykeen 1.11.1 (knowledge-graph embeddings) from the package registry, with the pure-Python dependencies it needs
at import (class-resolver 0.8.2, docdata 0.0.5, more-itertools 11.2.1, pystow 0.10.3, dataclasses-json 0.6.7,
click-default-group 1.2.4, more-click 0.1.3) and the ones that import PyTorch ported with it: torch-max-mem 0.1.6,
torch-ppr 0.0.8, class-resolver's `contrib.torch` and opt_einsum 3.4.0 (pykeen calls `opt_einsum.contract(...,
backend="torch")`), all by the porting rule, renamed `pykeenp`, `class_resolverp`, `torch_max_memp`, `torch_pprp`,
`opt_einsump`, and run against the originals on PyTorch 2.13 in float64: 34 models' scores and gradients, sLCWA and
LCWA training with shared draws (12 losses), `RankBasedEvaluator`, `predict_target` / `predict_all`, `pipeline()`
and save / load. The failures these tests pin down, each reproduced in a few lines (pykeen itself is never imported
here): `Tensor.detach_()` on an op's result that another op had already read cut that op's gradient (pykeen's
regularizers take `weight * term`, then `term.detach_().zero_()` before the loss's backward: no regularization
gradient reached the embeddings); `binary_cross_entropy_with_logits` with float64 logits and a float32 target (the
LCWA labels) rounded its mean's gradient to float32 (PyTorch divides by numel in the input's dtype) and its loss
once where PyTorch's in-place steps round twice; `binary_cross_entropy` computed with a target of another dtype
where PyTorch raises "Found dtype Float but expected Double"; `save(obj, path, pickle_protocol=...)` (pykeen's
`PipelineResult.save_model`) was a TypeError; `torch.cuda.OutOfMemoryError` (`torch.OutOfMemoryError`), which
pykeen's sub-batch search catches, was missing.
"""
import numpy as np
import pytest

import nn


# ---- detach_ of a non-leaf: ops recorded from it keep their gradient (pykeen's Regularizer.pop_regularization_term) --

def test_detach_inplace_keeps_the_gradient_of_ops_recorded_before():
    x = nn.tensor(np.arange(1.0, 7.0).reshape(2, 3) / 7, requires_grad=True)
    term = nn.zeros(1, dtype=nn.float64) + x.norm(p=2, dim=-1).mean()
    result = nn.as_tensor(0.5) * term           # recorded before the detach_
    term.detach_().zero_()
    assert term.is_leaf and not term.requires_grad and term.grad_fn is None
    assert result.grad_fn is not None
    ((x ** 2).sum() + result.sum()).backward()
    xd = x.detach().numpy()
    expected = 2 * xd + 0.5 * xd / np.linalg.norm(xd, axis=-1, keepdims=True) / 2
    np.testing.assert_allclose(x.grad, expected, rtol=1e-14)
    assert float(term) == 0.0                   # the zero_ still lands in the detached tensor


def test_detach_inplace_then_new_ops_record_nothing():
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = y * 2
    y.detach_()
    w = y * 5                                   # after detach_: a constant
    assert not w.requires_grad
    z.sum().backward()
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])
    assert not y.requires_grad                  # restored after the backward ran


def test_detach_inplace_matches_pytorch():
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (torch, nn):
        x = lib.tensor(np.linspace(-1.0, 2.0, 6).reshape(3, 2), requires_grad=True)
        term = lib.zeros(1, dtype=lib.float64) + x.abs().pow(3).sum()
        out = lib.as_tensor(0.25) * term
        term.detach_().zero_()
        (out.sum() + x.sin().sum()).backward()
        grads.append(np.asarray(x.grad))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-14)


# ---- binary_cross_entropy_with_logits, float64 logits and float32 targets, mean: the gradient in float64 ----------

def test_bce_with_logits_float32_target_mean_gradient_divides_in_the_input_dtype():
    # pykeen's LCWA labels are float32; with float64 scores PyTorch's loss is float32 (the target's dtype) but its
    # backward is (sigmoid(x) - y) / n in float64; nn multiplied by the float32 mean's rounded 1 / n (3e-8 off)
    xs = np.linspace(-2.0, 2.5, 12).reshape(4, 3)
    ys = (np.arange(12).reshape(4, 3) % 3 == 0).astype(np.float32)
    x = nn.tensor(xs, requires_grad=True)
    loss = nn.functional.binary_cross_entropy_with_logits(x, nn.tensor(ys))
    assert loss.dtype == nn.float32
    exact = np.mean(np.maximum(xs, 0) - xs * ys + np.log1p(np.exp(-np.abs(xs))))
    assert float(loss) == np.float32(exact)
    loss.backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad, (1 / (1 + np.exp(-xs)) - ys) / 12, rtol=1e-15, atol=0)


def test_bce_with_logits_float32_target_mean_second_derivative():
    xs = np.array([[0.3, -1.2, 2.0], [0.5, 0.1, -0.7]])
    x = nn.tensor(xs, requires_grad=True)
    y = nn.tensor(np.array([[1, 0, 0], [0, 1, 1]], dtype=np.float32))
    g, = nn.autograd.grad(nn.functional.binary_cross_entropy_with_logits(x, y), x, create_graph=True)
    h, = nn.autograd.grad(g.sum(), x)
    s = 1 / (1 + np.exp(-xs))
    np.testing.assert_allclose(h, s * (1 - s) / 6, rtol=1e-6)     # (the recorded loss is float32)


def test_bce_with_logits_float32_target_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((16, 12)) * 3, (rng.random((16, 12)) < 0.2).astype(np.float32)
    xt, xn = torch.tensor(xs, requires_grad=True), nn.tensor(xs, requires_grad=True)
    lt = torch.nn.functional.binary_cross_entropy_with_logits(xt, torch.tensor(ys))
    ln = nn.functional.binary_cross_entropy_with_logits(xn, nn.tensor(ys))
    lt.backward(), ln.backward()
    assert float(ln) == lt.item()
    np.testing.assert_allclose(xn.grad, xt.grad.numpy(), rtol=1e-14, atol=1e-18)


# ---- binary_cross_entropy: a target of another floating dtype is PyTorch's RuntimeError ---------------------------

def test_binary_cross_entropy_refuses_a_target_of_another_dtype():
    # pykeen's BCEAfterSigmoidLoss with float32 LCWA labels and a float64 model fails under PyTorch; nn computed it
    with pytest.raises(RuntimeError, match="^Found dtype Float but expected Double$"):
        nn.functional.binary_cross_entropy(nn.full((2,), 0.3, dtype=nn.float64), nn.ones(2, dtype=nn.float32))
    with pytest.raises(RuntimeError, match="^Found dtype Double but expected Float$"):
        nn.BCELoss()(nn.full((2,), 0.3), nn.ones(2, dtype=nn.float64))
    out = nn.functional.binary_cross_entropy(nn.full((2,), 0.25, dtype=nn.float64), nn.ones(2, dtype=nn.float64))
    assert float(out) == pytest.approx(-np.log(0.25), rel=1e-15)


# ---- save(obj, path, pickle_protocol=...): torch.save's options (pykeen's PipelineResult.save_model) -------------

def test_save_takes_torch_saves_pickle_options(tmp_path):
    import pickle
    import zipfile
    model = nn.Linear(3, 2)
    path = tmp_path / "trained_model.pkl"
    nn.save(model, path, pickle_protocol=pickle.HIGHEST_PROTOCOL)
    with zipfile.ZipFile(path) as zf:
        data = zf.read(next(n for n in zf.namelist() if n.endswith("data.pkl")))
    assert data[:2] == b"\x80" + bytes([pickle.HIGHEST_PROTOCOL])
    again = nn.load(path, weights_only=False)
    np.testing.assert_array_equal(again.weight.detach().numpy(), model.weight.detach().numpy())
    nn.save(model.state_dict(), tmp_path / "sd.pt", pickle_module=pickle, pickle_protocol=4)
    assert sorted(nn.load(tmp_path / "sd.pt")) == ["bias", "weight"]


def test_save_with_a_protocol_loads_in_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    import pickle
    sd = {"w": nn.tensor(np.arange(6.0).reshape(2, 3)), "n": 3}
    nn.save(sd, tmp_path / "x.pt", pickle_protocol=pickle.HIGHEST_PROTOCOL)
    got = torch.load(tmp_path / "x.pt", weights_only=False)     # (PyTorch's weights_only reader stops at protocol
                                                                # 4's frames, on its own files too)
    np.testing.assert_array_equal(got["w"].numpy(), np.arange(6.0).reshape(2, 3))
    assert got["n"] == 3


def test_bce_with_logits_float32_target_rounds_as_pytorchs_inplace_steps():
    # PyTorch: loss = (1 - target).mul_(input).sub_(log_sigmoid(input)), in place on the float32 (1 - target): the
    # product is rounded to float32 before the difference is (pykeen's FocalLoss on LCWA labels: 5e-9 apart)
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((16, 12)) * 3
    ys = (rng.random((16, 12)) < 0.2).astype(np.float32)
    expected = (((1 - ys) * xs).astype(np.float32) + np.logaddexp(0, -xs)).astype(np.float32)
    got = nn.functional.binary_cross_entropy_with_logits(nn.tensor(xs), nn.tensor(ys), reduction="none")
    assert got.dtype == nn.float32
    np.testing.assert_array_equal(got.numpy(), expected)


# ---- torch.cuda.OutOfMemoryError (pykeen's sub-batch search catches it) ----------------------------------------------

def test_out_of_memory_error_is_one_runtime_error_class():
    assert nn.cuda.OutOfMemoryError is nn.OutOfMemoryError
    assert issubclass(nn.OutOfMemoryError, RuntimeError)
    try:                                        # pykeen: a RuntimeError from the batch passes through the except
        raise RuntimeError("Found dtype Float but expected Double")
    except nn.cuda.OutOfMemoryError:
        pytest.fail("not an out-of-memory error")
    except RuntimeError as error:
        assert "expected Double" in str(error)
