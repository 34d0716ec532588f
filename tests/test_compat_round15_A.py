"""timm 1.0.31 (pytorch-image-models) run unchanged under PyTorch and ported by the rule (every .py file of a copy,
the package renamed): its training-loop pieces (Mixup / CutMix targets, its losses, optimizers, schedulers,
ModelEmaV3, NativeScaler, checkpoints) and layers in float64. Each test failed before its fix and states PyTorch's
behaviour by NumPy / hand values, and against PyTorch 2.13 itself when it is installed. The package stays out of
the tests: each test is the idiom timm uses."""
import numpy as np
import pytest

import nn
import nn.functional as F

RNG = np.random.default_rng(15)


def _softplus_neg(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)       # log(1 + e^-x)


# ---- binary_cross_entropy_with_logits: the loss takes the target's dtype -------------------------------------------

def test_bce_with_logits_loss_has_the_float_targets_dtype():
    # timm's Mixup builds its soft targets with torch.full(...) in the default dtype (float32); a float64 model's
    # logits with them through BinaryCrossEntropy: PyTorch computes (1 - target).mul_(input).sub_(log_sigmoid(input))
    # in place, so the loss is float32 (nn gave float64), and float32 logits with float64 targets give float64
    # (nn gave float32). The gradient keeps each operand's dtype.
    x = RNG.standard_normal((3, 4))
    t = RNG.random((3, 4)).astype(np.float32)
    ref = ((1 - t.astype(np.float64)) * x + _softplus_neg(x))                 # the float64 element-wise loss
    xo = nn.tensor(x, requires_grad=True)
    to = nn.tensor(t, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(xo, to)
    assert loss.dtype == nn.float32
    np.testing.assert_allclose(loss.item(), ref.mean(), rtol=1e-6)
    loss.backward()
    assert xo.grad.dtype == np.float64 and to.grad.dtype == np.float32
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(xo.grad.numpy(), (sig - t) / 12, rtol=1e-6)    # d/dx = (sigmoid(x) - t) / N
    np.testing.assert_allclose(to.grad.numpy(), -x / 12, rtol=1e-6)           # d/dt = -x / N
    # the reverse, and every reduction and weighting
    pw = np.array([1.0, 2.0, 3.0, 0.5])
    for kw in ({}, {"pos_weight": nn.tensor(pw)}, {"weight": nn.tensor(pw)}):
        for red in ("mean", "sum", "none"):
            out = F.binary_cross_entropy_with_logits(nn.tensor(x.astype(np.float32)), nn.tensor(t.astype(np.float64)),
                                                     reduction=red, **kw)
            assert out.dtype == nn.float64, (kw, red)
            out = F.binary_cross_entropy_with_logits(nn.tensor(x), nn.tensor(t), reduction=red, **kw)
            assert out.dtype == nn.float32, (kw, red)
            lw = 1 + (pw - 1) * t if "pos_weight" in kw else 1
            el = ((1 - t) * x + lw * _softplus_neg(x)) * (pw if "weight" in kw else 1)
            want = el if red == "none" else el.sum() if red == "sum" else el.mean()
            np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
    # same dtypes: unchanged (float64 throughout)
    assert F.binary_cross_entropy_with_logits(nn.tensor(x), nn.tensor(t.astype(np.float64))).dtype == nn.float64
    assert nn.BCEWithLogitsLoss()(nn.tensor(x), nn.tensor(t)).dtype == nn.float32


def test_bce_with_logits_mixed_dtypes_against_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((5, 3))
    t = RNG.random((5, 3))
    pw = RNG.random(3) + 0.5
    for xd, td in ((np.float64, np.float32), (np.float32, np.float64), (np.float64, np.float64)):
        for kw in ({}, {"pos_weight": pw}, {"weight": pw}):
            for red in ("mean", "sum", "none"):
                xt = torch.tensor(x.astype(xd), requires_grad=True)
                xo = nn.tensor(x.astype(xd), requires_grad=True)
                a = torch.nn.functional.binary_cross_entropy_with_logits(
                    xt, torch.tensor(t.astype(td)), reduction=red, **{k: torch.tensor(v) for k, v in kw.items()})
                b = F.binary_cross_entropy_with_logits(xo, nn.tensor(t.astype(td)), reduction=red,
                                                       **{k: nn.tensor(v) for k, v in kw.items()})
                assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]
                tol = 1e-12 if xd == td else 1e-6
                np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=tol)
                a.sum().backward()
                b.sum().backward()
                assert xo.grad.dtype == xd
                np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=tol, atol=1e-7 if tol > 1e-9 else 0)


# ---- x += t in a recorded graph is in place ------------------------------------------------------------------------

def _add_pos_embed(x, pos):
    x += pos.transpose(0, 1)          # timm NaFlexVit._apply_learned_naflex_pos_embed_grid_sample: "leave as '+='"


def test_augmented_assignment_in_a_graph_changes_the_tensor_itself():
    # nn computed x + t out of place and rebound the name while a graph was recorded, so a method adding into
    # its argument left the caller's tensor unchanged: NaFlex's grid-sampled position embedding was silently
    # never added (and pos_embed got no gradient). PyTorch's += is add_: every reference sees the change.
    a = RNG.standard_normal((2, 3))
    p = RNG.standard_normal((3, 2))
    w = nn.tensor(a, requires_grad=True)
    pos = nn.tensor(p, requires_grad=True)
    x = w * 2
    alias = [x]
    _add_pos_embed(x, pos)
    np.testing.assert_allclose(x.detach().numpy(), 2 * a + p.T, rtol=1e-15)
    assert alias[0] is x
    (x * x).sum().backward()
    np.testing.assert_allclose(pos.grad.numpy(), 2 * (2 * a + p.T).T, rtol=1e-14)     # d/dpos sum(x^2) = 2x^T
    np.testing.assert_allclose(w.grad.numpy(), 4 * (2 * a + p.T), rtol=1e-14)
    # -=, *=, /= too; an op recorded before the change keeps reading the old values (d/dw sum(exp(2w)) = 2e^{2w})
    w.grad = None
    x = w * 2
    y = x.exp()
    x *= pos.t()
    x -= 1.0
    x /= 4.0
    np.testing.assert_allclose(x.detach().numpy(), (2 * a * p.T - 1) / 4, rtol=1e-14)
    (y.sum() + x.sum()).backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * np.exp(2 * a) + 2 * p.T / 4, rtol=1e-14)
    # in place keeps the tensor's dtype (float32 += float64 stays float32), and a basic-indexing view writes
    # through to its base
    x32 = (w * 1).float()
    x32 += pos.t()
    assert x32.dtype == nn.float32
    h = w * 1
    v = h[:, :2]
    v += 10.0 * pos[:2].t()
    np.testing.assert_allclose(h.detach().numpy()[:, :2], a[:, :2] + 10 * p[:2].T, rtol=1e-14)
    np.testing.assert_allclose(h.detach().numpy()[:, 2], a[:, 2], rtol=0)
    # a leaf that requires grad refuses, as PyTorch's "a leaf Variable that requires grad is being used in an
    # in-place operation"; outside a graph the array is written
    with pytest.raises(RuntimeError, match="leaf"):
        w += 1.0
    with nn.no_grad():
        w += 1.0
    np.testing.assert_allclose(w.detach().numpy(), a + 1, rtol=1e-15)


def test_augmented_assignment_against_torch():
    torch = pytest.importorskip("torch")
    a, p = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2))
    results = []
    for lib, mk in ((torch, lambda v: torch.tensor(v, requires_grad=True)), (nn, lambda v: nn.tensor(v, requires_grad=True))):
        w, pos = mk(a), mk(p)
        x = w * 2
        y = x.exp()           # saves its result, not x: PyTorch allows changing x afterwards
        _add_pos_embed(x, pos)
        x *= 3.0
        x32 = (w * 1).float()
        x32 += pos.t()
        (x.pow(2).sum() + y.sum() + x32.sum()).backward()
        results.append((x.detach().numpy(), str(x32.dtype).split(".")[-1], w.grad.numpy(), pos.grad.numpy()))
    (xt, dt, wt, pt), (xo, do, wo, po) = results
    assert dt == do == "float32"
    np.testing.assert_allclose(xo, xt, rtol=1e-15)
    np.testing.assert_allclose(wo, wt, rtol=1e-14)
    np.testing.assert_allclose(po, pt, rtol=1e-14)


# ---- a checkpoint holding the training script's argparse.Namespace -------------------------------------------------

def test_save_and_load_a_checkpoint_with_argparse_namespace(tmp_path):
    # timm's CheckpointSaver (train.py) saves {'epoch', 'arch', 'state_dict', 'optimizer', 'version', 'args', ...}
    # with args the parsed argparse.Namespace: nn.save refused it (TypeError), PyTorch pickles it (Namespace()
    # then its attributes), and resume_checkpoint reads it back
    import argparse
    w = RNG.standard_normal((3, 2))
    args = argparse.Namespace(model="resnet10t", lr=0.05, sched="cosine", decay_milestones=[90, 180], amp=False)
    path = tmp_path / "last.pth.tar"
    nn.save({"epoch": 2, "arch": "resnet", "state_dict": {"fc.weight": nn.tensor(w)}, "version": 2, "args": args}, path)
    back = nn.load(path, map_location="cpu", weights_only=False)
    assert isinstance(back["args"], argparse.Namespace) and back["args"] == args
    assert back["epoch"] == 2 and back["version"] == 2
    np.testing.assert_array_equal(back["state_dict"]["fc.weight"].numpy(), w)
    # a Namespace holding a tensor, through a file object
    import io
    buf = io.BytesIO()
    nn.save({"args": argparse.Namespace(scale=nn.tensor(w))}, buf)
    buf.seek(0)
    np.testing.assert_array_equal(nn.load(buf)["args"].scale.numpy(), w)


def test_namespace_checkpoint_against_torch(tmp_path):
    torch = pytest.importorskip("torch")
    import argparse
    args = argparse.Namespace(model="vit", lr=1e-3, smoothing=0.1, img_size=[64, 64])
    ours = tmp_path / "ours.pth.tar"
    nn.save({"args": args, "state_dict": {"w": nn.tensor(np.arange(3.0))}}, ours)
    theirs = torch.load(ours, map_location="cpu", weights_only=False)      # PyTorch reads nn's file
    assert theirs["args"] == args
    np.testing.assert_array_equal(theirs["state_dict"]["w"].numpy(), np.arange(3.0))
    path = tmp_path / "theirs.pth.tar"
    torch.save({"args": argparse.Namespace(model="x", t=torch.ones(2, dtype=torch.float64))}, path)
    back = nn.load(path)                                                   # and nn reads PyTorch's
    assert back["args"].model == "x"
    np.testing.assert_array_equal(back["args"].t.numpy(), np.ones(2))


# ---- utils.checkpoint: the recomputation's side effects ------------------------------------------------------------

def test_checkpoint_reruns_the_function_during_backward():
    # PyTorch's checkpoint recomputes the function when backward reaches it, so a BatchNorm inside (timm's
    # set_grad_checkpointing -> checkpoint_seq on a ResNet) updates its running statistics twice per step; nn
    # called the function once, so the running statistics (and eval outputs) after training differed.
    x = RNG.standard_normal((4, 3, 5, 5))
    bn = nn.BatchNorm2d(3).double()
    y = nn.utils.checkpoint.checkpoint(bn, nn.tensor(x, requires_grad=True), use_reentrant=False)
    assert int(bn.num_batches_tracked) == 1
    y.sum().backward()
    assert int(bn.num_batches_tracked) == 2
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3), ddof=1)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.1 * mean + 0.9 * 0.1 * mean, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.9 * (0.9 + 0.1 * var) + 0.1 * var, rtol=1e-13)
    # the recomputation draws the first call's random numbers and leaves the generator where it was
    nn.manual_seed(0)
    drop = nn.Dropout(0.5)
    seen = []
    drop.register_forward_hook(lambda m, i, o: seen.append(o.detach().numpy().copy()))
    out = nn.utils.checkpoint.checkpoint(drop, nn.tensor(np.ones(8), requires_grad=True), use_reentrant=False)
    after = nn.get_rng_state()
    out.sum().backward()
    assert len(seen) == 2
    np.testing.assert_array_equal(seen[0], seen[1])
    np.testing.assert_array_equal(nn.get_rng_state().numpy(), after.numpy())
    # checkpoint_sequential: every segment but the last is checkpointed
    layers = nn.Sequential(*[nn.BatchNorm1d(2).double() for _ in range(4)])
    nn.utils.checkpoint.checkpoint_sequential(layers, 2, nn.tensor(RNG.standard_normal((5, 2)), requires_grad=True),
                                              use_reentrant=False).sum().backward()
    assert [int(m.num_batches_tracked) for m in layers] == [2, 2, 1, 1]


def test_checkpoint_running_statistics_against_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((4, 3, 5, 5))
    bt = torch.nn.Sequential(torch.nn.Conv2d(3, 3, 3), torch.nn.BatchNorm2d(3)).double()
    bo = nn.Sequential(nn.Conv2d(3, 3, 3), nn.BatchNorm2d(3)).double()
    bo.load_state_dict({k: v.numpy() for k, v in bt.state_dict().items()})
    w = RNG.standard_normal((4, 3, 3, 3))                    # (a plain sum after BatchNorm has zero gradient)
    for reentrant in (True, False):
        (torch.utils.checkpoint.checkpoint(bt, torch.tensor(x, requires_grad=True), use_reentrant=reentrant)
         * torch.tensor(w)).sum().backward()
        (nn.utils.checkpoint.checkpoint(bo, nn.tensor(x, requires_grad=True), use_reentrant=reentrant)
         * nn.tensor(w)).sum().backward()
    for k, v in bt.state_dict().items():
        np.testing.assert_allclose(bo.state_dict()[k], v.numpy(), rtol=1e-12, err_msg=k)
    np.testing.assert_allclose(bo[0].weight.grad.numpy(), bt[0].weight.grad.numpy(), rtol=1e-12)


def test_checkpoint_of_a_function_returning_its_input_leaves_no_hook():
    from nn.utils.checkpoint import checkpoint
    calls = []
    w = nn.tensor([1.0, 2.0], requires_grad=True)
    out = checkpoint(lambda x: calls.append(1) or x, w, use_reentrant=False)
    assert out is w
    (w * 2).sum().backward()
    (w * 3).sum().backward()
    assert len(calls) == 1                      # PyTorch: the function ran once; unrelated backwards rerun nothing
