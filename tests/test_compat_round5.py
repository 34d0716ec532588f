"""Behaviour third-party PyTorch code relies on, found by running real programs on nn (a fifth round): each test
asserts PyTorch's behaviour, which nn did not have before (compared with PyTorch itself when it is installed)."""
import numpy as np
import pytest

import nn


def test_in_place_operators_on_data_arrays_take_tensor_operands():
    # yolov5 / timm ModelEMA: v *= d; v += (1 - d) * msd[k].detach() over state_dict() values, and p.data -= lr * g
    model, ema = nn.Linear(3, 2), nn.Linear(3, 2)
    before = ema.weight.data.copy()
    msd = model.state_dict()
    with nn.no_grad():
        for k, v in ema.state_dict().items():
            v *= 0.9
            v += 0.1 * msd[k].detach()
    np.testing.assert_allclose(ema.weight.data, 0.9 * before + 0.1 * model.weight.data, rtol=1e-6)
    p = nn.Parameter(nn.ones(2))
    g, = nn.autograd.grad((p * p).sum(), p)
    p.data -= 0.1 * g
    p.data /= nn.tensor(2.0)
    np.testing.assert_allclose(p.data, [0.4, 0.4], rtol=1e-6)


def test_tensors_inside_a_list_count_as_their_number():
    # top-k accuracies are (1,)-shaped tensors; torch.tensor([acc1, acc5]) is (2,)
    assert nn.tensor([nn.tensor([50.0]), nn.tensor([75.0])]).shape == (2,)
    assert nn.tensor([[nn.tensor([1.0])], [nn.tensor([2.0])]]).shape == (2, 1)
    assert nn.tensor([nn.tensor(3), 4]).dtype == nn.int64
    assert nn.tensor([np.array([1.0]), np.array([2.0])]).shape == (2, 1)       # arrays stay sequences, as there
    with pytest.raises(ValueError, match="one element"):
        nn.tensor([nn.tensor([1.0, 2.0]), nn.tensor([3.0, 4.0])])


def test_autograd_grad_stops_at_a_wanted_non_leaf():
    # the gradient with respect to x needs nothing below x: the graph behind x is neither run nor released
    a = nn.tensor([0.5, 1.0], requires_grad=True)
    x = a * 2
    (x ** 2).sum().backward()                          # releases x's node, as any training step does
    g, = nn.autograd.grad((x ** 3).sum(), x)
    np.testing.assert_allclose(g.numpy(), [3.0, 12.0])
    b = nn.tensor([0.5, 1.0], requires_grad=True)
    y = b * 2
    nn.autograd.grad((y ** 3).sum(), y)
    (y ** 2).sum().backward()                          # y's own graph is still there
    np.testing.assert_allclose(b.grad, [4.0, 8.0])
    c = nn.tensor([0.5, 1.0], requires_grad=True)
    z = c * 3
    gz, gc = nn.autograd.grad((z * z).sum(), [z, c])  # one wanted below another still runs through
    np.testing.assert_allclose(gz.numpy(), [3.0, 6.0]), np.testing.assert_allclose(gc.numpy(), [9.0, 18.0])


def test_a_cast_saves_nothing_so_backward_passes_through_it_again():
    # a physics-informed network's input x = tensor(X, requires_grad=True).float(), differentiated every step
    d = nn.tensor([0.5, 1.0], dtype=nn.float32, requires_grad=True)
    u = d.double()
    for step in range(2):
        out = (u ** 3).sum()
        gu, = nn.autograd.grad(out, u, create_graph=True)
        (gu.sum() + out).backward()
    np.testing.assert_allclose(d.grad, 2 * (6 * np.array([0.5, 1.0]) + 3 * np.array([0.25, 1.0])), rtol=1e-6)
    e = nn.tensor([1.0, 2.0], requires_grad=True)
    w = e * e                                          # mul saves its inputs: a second pass is refused, as PyTorch
    w.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        w.sum().backward()


def test_a_zero_dim_tensor_decides_the_dtype_only_from_a_higher_category():
    # a GP's nn.Parameter(tensor(np.log(v))) (0-d float64) beside float32 data keeps the model in float32
    x, s = nn.ones(3), nn.tensor(np.log(2.0))
    assert (x * s).dtype == nn.float32 and (s * x).dtype == nn.float32 and (x + nn.exp(nn.Parameter(s))).dtype == nn.float32
    i = nn.ones(3, dtype=nn.int64)
    assert (i * nn.tensor(2.5, dtype=nn.float64)).dtype == nn.float64          # float over integer: the 0-d decides
    assert (i * nn.tensor(3, dtype=nn.int32)).dtype == nn.int64
    assert (nn.tensor([True, False]) + nn.tensor(5)).dtype == nn.int64
    assert (nn.tensor(1.0, dtype=nn.float32) * nn.tensor(2.0, dtype=nn.float64)).dtype == nn.float64   # both 0-d
    assert (x * nn.ones(3, dtype=nn.float64)).dtype == nn.float64                                      # both with dims


def test_pytorch_submodule_import_lines():
    # cleanrl: from torch.distributions.normal import Normal; old mixed precision: from torch.cuda.amp import autocast
    from nn.cuda.amp import GradScaler, autocast
    from nn.distributions.categorical import Categorical
    from nn.distributions.kl import kl_divergence
    from nn.distributions.normal import Normal
    import nn.distributed as dist
    assert Normal is nn.distributions.Normal and Categorical is nn.distributions.Categorical
    assert kl_divergence is nn.distributions.kl_divergence
    # PyTorch 2's torch.cuda.amp classes are deprecated subclasses of torch.amp's (round 37 V), not the same classes
    assert issubclass(autocast, nn.amp.autocast) and issubclass(GradScaler, nn.amp.GradScaler)
    assert autocast is not nn.amp.autocast and nn.cuda.amp.autocast is autocast
    # torchvision's and yolov5's utils ask before any collective call: the single-process path
    assert not (dist.is_available() and dist.is_initialized())
    with pytest.raises(RuntimeError, match="process group has not been initialized"):
        dist.get_world_size()


def _ascent(name, steps=3, **kw):
    p = nn.Parameter(nn.tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3)))
    opt = getattr(nn.optim, name)([p], **kw)
    for _ in range(steps):
        opt.zero_grad()
        (p ** 3).sum().backward()
        opt.step()
    return p.data.copy(), opt


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam"])
def test_optimizers_take_pytorch_flags_and_maximize(name):
    # milestones/Pytorch-UNet: RMSprop(..., foreach=True); the flags change nothing on the CPU
    plain, opt = _ascent(name, lr=0.01)
    flagged, _ = _ascent(name, lr=0.01, foreach=True, **({} if name in ("SGD", "Adagrad") else {"capturable": False}))
    np.testing.assert_array_equal(plain, flagged)
    # the flags each has in PyTorch 2.13 (SGD and Adagrad have no capturable, only the Adams fused)
    assert {"maximize", "foreach", "differentiable"} <= set(opt.param_groups[0])
    # maximize ascends: the same as descending the negated objective
    up, _ = _ascent(name, lr=0.01, maximize=True)
    p = nn.Parameter(nn.tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3)))
    opt = getattr(nn.optim, name)([p], lr=0.01)
    for _ in range(3):
        opt.zero_grad()
        (-(p ** 3)).sum().backward()
        opt.step()
    np.testing.assert_allclose(up, p.data, rtol=1e-12, atol=1e-15)
    with pytest.raises(NotImplementedError, match="differentiable"):
        getattr(nn.optim, name)([p], lr=0.01, differentiable=True)


def test_sgd_default_lr_and_adam_decoupled_weight_decay():
    p = nn.Parameter(nn.ones(2))
    assert nn.optim.SGD([{"params": [p], "lr": 0.01}], momentum=0.9).param_groups[0]["lr"] == 0.01
    assert nn.optim.SGD([p]).param_groups[0]["lr"] == 1e-3                     # PyTorch 2's default
    adamw, _ = _ascent("AdamW", lr=0.01, weight_decay=0.1)
    decoupled, _ = _ascent("Adam", lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)
    np.testing.assert_array_equal(adamw, decoupled)


SCHEDULES = [("StepLR", dict(step_size=2, gamma=0.5)), ("MultiStepLR", dict(milestones=[1, 3], gamma=0.5)),
             ("ExponentialLR", dict(gamma=0.9)), ("CosineAnnealingLR", dict(T_max=5)), ("LinearLR", dict(total_iters=3)),
             ("ConstantLR", dict(total_iters=2)), ("PolynomialLR", dict(total_iters=4, power=2.0)),
             ("LambdaLR", dict(lr_lambda=lambda e: 0.5 ** e)), ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.9))]


def _lrs(lib, name, kw, last_epoch=None, epochs=None):
    p = lib.nn.Parameter(lib.ones(2))
    opt = lib.optim.SGD([p], lr=0.1)
    if last_epoch is not None:
        for group in opt.param_groups:
            group["initial_lr"] = 0.1
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw, **({} if last_epoch is None else {"last_epoch": last_epoch}))
    out = [opt.param_groups[0]["lr"]]
    for e in epochs or range(4):
        opt.step()
        sched.step(e) if epochs else sched.step()
        out.append(opt.param_groups[0]["lr"])
    return out


@pytest.mark.parametrize("name,kw", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedulers_resume_with_last_epoch_and_step_to_an_epoch(name, kw):
    with pytest.raises(KeyError, match="initial_lr"):               # resuming needs the groups' initial_lr
        getattr(nn.optim.lr_scheduler, name)(nn.optim.SGD([nn.Parameter(nn.ones(1))], lr=0.1), **kw, last_epoch=3)
    resumed = _lrs(nn, name, kw, last_epoch=2)
    if name in ("ExponentialLR", "CosineAnnealingLR", "PolynomialLR", "MultiplicativeLR"):
        assert resumed[0] == 0.1                     # a chainable schedule's first step keeps the current lr
    with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)`"):
        jumped = _lrs(nn, name, kw, epochs=[3, 5, 1, 7])
        from_zero = _lrs(nn, name, kw, epochs=[0, 0, 4, 2])
    torch = pytest.importorskip("torch")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for ours, args in ((resumed, dict(last_epoch=2)), (jumped, dict(epochs=[3, 5, 1, 7])),
                           (from_zero, dict(epochs=[0, 0, 4, 2])), (_lrs(nn, name, kw), {})):
            np.testing.assert_allclose(ours, _lrs(torch, name, kw, **args), rtol=1e-12, atol=1e-15)


def test_kl_div_of_a_zero_target_against_a_log_zero_input_is_nan():
    # the Annotated Transformer's label-smoothing example: predict.log() of a zero probability, target zeroed there
    x = nn.tensor([[0.0, 0.2, 0.7, 0.1, 0.0]]).log()
    t = nn.tensor([[0.0, 0.1, 0.6, 0.3, 0.0]])
    terms = nn.functional.kl_div(x, t, reduction="none").numpy()
    assert np.isnan(terms[0, [0, 4]]).all() and np.isfinite(terms[0, 1:4]).all()
    assert np.isnan(nn.nn.KLDivLoss(reduction="sum")(x, t).item())
    finite = nn.functional.kl_div(nn.tensor([[-1.0, -2.0]]), nn.tensor([[0.0, 0.5]]), reduction="none").numpy()
    np.testing.assert_allclose(finite, [[0.0, 0.5 * (np.log(0.5) + 2.0)]], rtol=1e-6)


def test_two_d_convolutions_and_poolings_take_one_image_without_a_batch_dim():
    # bentrevett's FastText: F.avg_pool2d(embedded, (embedded.shape[1], 1)) on a (batch, len, emb) tensor
    from nn.autograd import gradcheck
    F = nn.functional
    rng = np.random.default_rng(7)
    x = nn.tensor(rng.standard_normal((2, 5, 6)), requires_grad=True)
    w, wt = nn.tensor(rng.standard_normal((3, 2, 2, 2)), requires_grad=True), nn.tensor(rng.standard_normal((2, 3, 2, 2)))
    for op in (lambda a: F.conv2d(a, w, padding=1), lambda a: F.conv_transpose2d(a, wt, stride=2),
               lambda a: F.max_pool2d(a, 2), lambda a: F.avg_pool2d(a, (3, 1)), lambda a: F.max_pool2d(a, 2, 1, 1)):
        np.testing.assert_array_equal(op(x).detach().numpy(), op(x.unsqueeze(0)).detach().numpy()[0])
    assert gradcheck(lambda a, b: F.conv2d(a, b, stride=2) + 1, [x, w])
    assert gradcheck(lambda a: F.avg_pool2d(a, 2) * F.max_pool2d(a, 2), [x])
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    assert y.shape == idx.shape == (2, 2, 3)
    assert nn.Conv2d(2, 4, 3).double()(x).shape == (4, 3, 4) and nn.MaxPool2d(2)(x).shape == (2, 2, 3)


def test_smaller_names_values_and_gradients():
    from nn.autograd import gradcheck
    rng = np.random.default_rng(8)
    a, b = (nn.tensor(rng.standard_normal((3, 4)), requires_grad=True) for _ in range(2))
    y, xs = nn.tensor(np.abs(rng.standard_normal((3, 4))) + 0.1, requires_grad=True), nn.tensor(np.cumsum(rng.random(4)))
    for fn, args in [(nn.fmax, [a, b]), (nn.fmin, [a, b]), (nn.copysign, [a, b]), (nn.logaddexp2, [a, b]),
                     (lambda t: nn.trapezoid(t), [y]), (lambda t: nn.trapz(t, xs), [y]),
                     (lambda t: nn.cumulative_trapezoid(t, xs, dim=-1), [y]), (lambda t: nn.trapezoid(t, dx=0.5, dim=0), [y]),
                     (lambda s, t: nn.dist(s, t, 3), [a, b]), (lambda s, t: nn.rsub(s, t, alpha=2), [a, b])]:
        assert gradcheck(fn, args)
    # by hand: a NaN loses in fmax / fmin; the trapezoid rule; the sign bit of -0.0
    n = nn.tensor([np.nan, 1.0, np.nan])
    np.testing.assert_array_equal(nn.fmax(n, nn.tensor([2.0, np.nan, np.nan])).numpy(), [2.0, 1.0, np.nan])
    assert nn.trapz(nn.tensor([1.0, 2.0, 4.0]), nn.tensor([0.0, 1.0, 3.0])).item() == 7.5      # yolo's mAP area
    np.testing.assert_array_equal(nn.cumulative_trapezoid(nn.tensor([1.0, 2.0, 4.0])).numpy(), [1.5, 4.5])
    assert nn.signbit(nn.tensor([-0.0, 0.0, -2.0])).tolist() == [True, False, True]
    np.testing.assert_array_equal(nn.heaviside(nn.tensor([-1.0, 0.0, 3.0]), nn.tensor([0.5])).numpy(), [0.0, 0.5, 1.0])
    lo, hi = nn.aminmax(nn.tensor([[3.0, -1.0], [0.5, 7.0]]), dim=1)
    assert lo.tolist() == [-1.0, 0.5] and hi.tolist() == [3.0, 7.0]
    assert nn.greater(nn.tensor([2]), 1).item() and nn.not_equal(nn.tensor([1]), 2).item() \
        and nn.absolute(nn.tensor([-2])).item() == 2     # (a function of its own in PyTorch, as nn's once dispatch is on)
    assert nn.result_type(nn.ones(2, dtype=nn.int64), 2.5) == nn.float32 and not nn.can_cast(nn.float64, nn.int32)
    np.testing.assert_allclose(nn.hann_window(4, dtype=nn.float64).numpy(), [0.0, 0.5, 1.0, 0.5], atol=1e-15)
    np.testing.assert_allclose(nn.hann_window(5, periodic=False, dtype=nn.float64).numpy(), [0, 0.5, 1, 0.5, 0], atol=1e-15)


def test_cholesky_solve_inverse_and_the_older_triangular_solve():
    from nn.autograd import gradcheck
    rng = np.random.default_rng(9)
    m = rng.standard_normal((4, 4))
    A = nn.tensor(m @ m.T + 4 * np.eye(4))
    B = nn.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    L, U = nn.linalg.cholesky(A), nn.linalg.cholesky(A, upper=True)
    expected = np.linalg.solve(A.numpy(), B.detach().numpy())
    np.testing.assert_allclose(nn.cholesky_solve(B, L).detach().numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(nn.cholesky_solve(B, U, upper=True).detach().numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(nn.cholesky_inverse(L).numpy(), np.linalg.inv(A.numpy()), rtol=1e-10, atol=1e-12)
    X, copy = nn.triangular_solve(B, U)                       # (b, A), upper by default
    np.testing.assert_allclose(U.numpy() @ X.detach().numpy(), B.detach().numpy(), atol=1e-12)
    assert copy is not U and np.array_equal(copy.numpy(), U.numpy())
    Lg = nn.tensor(L.numpy(), requires_grad=True)
    assert gradcheck(lambda b, l: nn.cholesky_solve(b, l.tril()), [B, Lg])


def test_lp_pooling_local_response_norm_and_alpha_dropout():
    from nn.autograd import gradcheck
    F = nn.functional
    rng = np.random.default_rng(10)
    x = nn.tensor(np.abs(rng.standard_normal((2, 5, 4, 6))) + 0.1, requires_grad=True)
    x1 = nn.tensor(np.abs(rng.standard_normal((2, 3, 7))) + 0.1, requires_grad=True)
    for fn, args in [(lambda t: F.lp_pool2d(t, 2, 2), [x]), (lambda t: F.lp_pool2d(t, 3, (2, 3), stride=1), [x]),
                     (lambda t: F.lp_pool1d(t, 1.5, 3), [x1]), (lambda t: F.local_response_norm(t, 3), [x]),
                     (lambda t: F.local_response_norm(t, 4, alpha=0.1, k=2.0), [x1])]:
        assert gradcheck(fn, args)
    # by hand: p = 2 pooling is the Euclidean norm of each window; size-1 LRN divides by (k + alpha x^2)^beta
    window = x.detach().numpy()[0, 0, :2, :2]
    np.testing.assert_allclose(F.lp_pool2d(x, 2, 2).detach().numpy()[0, 0, 0, 0], np.sqrt((window ** 2).sum()))
    v = x.detach().numpy()
    np.testing.assert_allclose(F.local_response_norm(x, 1, alpha=0.5, beta=0.75, k=2.0).detach().numpy(),
                               v / (2.0 + 0.5 * v ** 2) ** 0.75, rtol=1e-12)
    nn.manual_seed(0)
    y = F.alpha_dropout(nn.randn(200000, dtype=nn.float64), 0.2, training=True)
    assert abs(y.mean().item()) < 0.01 and abs(y.std().item() - 1) < 0.01          # SELU's fixed point kept
    assert F.alpha_dropout(x, 0.5, training=False) is x
    assert nn.LPPool2d(2, 2)(x).shape == (2, 5, 2, 3) and nn.LocalResponseNorm(3)(x).shape == x.shape


def test_pytorch_format_files_hold_any_object_and_give_tensors_back(tmp_path):
    # torch.save(embeddings, "emb.pt"); torchvision's average_checkpoints calls p.clone() on what torch.load gave
    emb = nn.randn(4, 3)
    nn.save(emb, tmp_path / "emb.pt")
    back = nn.load(tmp_path / "emb.pt")
    assert isinstance(back, nn.Tensor) and np.array_equal(back.numpy(), emb.numpy())
    nn.save([emb, {"epoch": 3, "acc": nn.tensor(71.5)}], tmp_path / "list.pth.tar")
    items = nn.load(tmp_path / "list.pth.tar")
    assert isinstance(items[0], nn.Tensor) and items[1]["epoch"] == 3 and items[1]["acc"].item() == 71.5
    model = nn.Linear(3, 2)
    nn.save({"model": model.state_dict()}, tmp_path / "ck.pt")
    state = nn.load(tmp_path / "ck.pt")["model"]
    assert all(isinstance(v, nn.Tensor) for v in state.values())
    nn.Linear(3, 2).load_state_dict(state)
    with pytest.raises(TypeError, match="an .npz file holds a dict"):
        nn.save(emb, tmp_path / "emb.npz")
    nn.save(model.state_dict(), tmp_path / "w.npz")
    assert all(isinstance(v, np.ndarray) for v in nn.load(tmp_path / "w.npz").values())     # nn's own format: arrays


def test_swa_utils_averaged_model_ema_swalr_and_update_bn():
    from nn.optim.swa_utils import SWALR, AveragedModel, get_ema_avg_fn, get_ema_multi_avg_fn, update_bn
    rng = np.random.default_rng(11)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).double()
    swa, ema = AveragedModel(model), AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    ema_buffers = AveragedModel(model, avg_fn=get_ema_avg_fn(0.8), use_buffers=True)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    sched = SWALR(opt, swa_lr=0.05, anneal_epochs=3)
    X, Y = nn.tensor(rng.standard_normal((8, 3))), nn.tensor(rng.standard_normal((8, 1)))
    seen, lrs = [], []
    for _ in range(4):
        opt.zero_grad()
        ((model(X) - Y) ** 2).mean().backward()
        opt.step()
        seen.append(model[0].weight.detach().numpy().copy())
        for averaged in (swa, ema, ema_buffers):
            averaged.update_parameters(model)
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    # by hand: SWA is the plain mean of the weights seen; EMA starts at the first and moves 10% each time
    np.testing.assert_allclose(swa.module[0].weight.detach().numpy(), np.mean(seen, axis=0), rtol=1e-12)
    expected = seen[0]
    for w in seen[1:]:
        expected = expected + 0.1 * (w - expected)
    np.testing.assert_allclose(ema.module[0].weight.detach().numpy(), expected, rtol=1e-12)
    assert int(swa.n_averaged.item()) == 4 and "n_averaged" in swa.state_dict()
    # cosine annealing from 0.1 to 0.05 over 3 steps, then held (PyTorch's values: 0.0875, 0.0625, 0.05, 0.05)
    np.testing.assert_allclose(lrs, [0.0875, 0.0625, 0.05, 0.05], rtol=1e-12)
    update_bn([(X[:4], 0), (X[4:], 1)], swa)
    hidden = swa.module[0](X).detach().numpy()
    np.testing.assert_allclose(swa.module[1].running_mean.numpy(), hidden.mean(0), rtol=1e-10)   # the pass's mean
    assert swa.training


def test_copy_casts_to_the_destination_dtype():
    a = nn.zeros(3, dtype=nn.int64)
    a.copy_(nn.tensor([1.7, -1.7, 2.2]))                 # truncated, as PyTorch's copy_
    assert a.tolist() == [1, -1, 2]


def test_negative_padding_crops_and_parameters_print_as_pytorch():
    from nn.autograd import gradcheck
    x = nn.tensor(np.random.default_rng(12).standard_normal((1, 2, 5, 6)), requires_grad=True)
    y = nn.functional.pad(x, (-1, 2, 1, -2))                  # crop 1 left and 2 bottom, pad 2 right and 1 top
    assert y.shape == (1, 2, 4, 7)
    np.testing.assert_array_equal(y.detach().numpy()[..., 1:, :5], x.detach().numpy()[..., :3, 1:])
    assert (y.detach().numpy()[..., 0, :] == 0).all() and (y.detach().numpy()[..., 5:] == 0).all()
    assert gradcheck(lambda t: nn.functional.pad(t, (-1, 2, 1, -2)), [x])
    # reflect crops too, after padding, as PyTorch 2.13 (round 20, area C): 1 reflected on the right, 1 cropped left
    # (on a 3-D input: PyTorch's non-constant padding of one dim takes 2-D or 3-D inputs only)
    xs = x.detach().numpy()[0]
    np.testing.assert_array_equal(nn.functional.pad(x[0], (-1, 1), mode="reflect").detach().numpy(),
                                  np.concatenate([xs[..., 1:], xs[..., 4:5]], axis=-1))
    assert repr(nn.Parameter(nn.ones(2))) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"


def test_sparse_adam_moves_only_the_rows_looked_up():
    # word2vec / recommenders: Embedding(sparse=True) with SparseAdam ("lazy" Adam)
    nn.manual_seed(0)
    emb = nn.Embedding(10, 3, sparse=True).double()
    start = emb.weight.detach().numpy().copy()
    opt = nn.optim.SparseAdam(list(emb.parameters()), lr=0.1)
    opt.zero_grad()
    (emb(nn.tensor([1, 2, 2, 5])) ** 2).sum().backward()
    opt.step()
    moved = np.flatnonzero(np.any(emb.weight.detach().numpy() != start, axis=1))
    assert moved.tolist() == [1, 2, 5]
    # the first step of Adam moves each touched element by lr (m / sqrt(v) = sign g after bias correction)
    np.testing.assert_allclose(np.abs(emb.weight.detach().numpy()[moved] - start[moved]), 0.1, rtol=1e-4)  # up to eps / |g|
    untouched = opt.state[emb.weight]["exp_avg"][[0, 3, 4]]
    assert not untouched.any()                                # rows not looked up keep zero moments
    torch = pytest.importorskip("torch")
    ours, theirs = nn.Embedding(10, 3, sparse=True).double(), torch.nn.Embedding(10, 3, sparse=True).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    o, t = nn.optim.SparseAdam(list(ours.parameters()), lr=0.1), torch.optim.SparseAdam(list(theirs.parameters()), lr=0.1)
    for idx in ([1, 2, 2, 5], [2, 7], [1, 1, 9]):
        for lib, model, opt in ((nn, ours, o), (torch, theirs, t)):
            opt.zero_grad()
            (model(lib.tensor(idx)) ** 3).sum().backward()
            opt.step()
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-12)


def test_numpy_axis_keyword_reversed_and_wrapped_small_integers():
    x = nn.arange(6.0).reshape(2, 3)
    assert x.sum(axis=1, keepdim=True).tolist() == [[3.0], [12.0]]          # torchmetrics' confmat normalisation
    assert nn.cat([x, x], axis=1).shape == (2, 6) and x.max(axis=1)[0].tolist() == [2.0, 5.0]
    with pytest.raises(TypeError, match="sum\\(\\) got an unexpected keyword argument 'axis'"):
        np.sum(x, axis=0)           # NumPy calls x.sum(axis=0, out=None): PyTorch's method has no out=
    assert nn.cat([reversed(nn.arange(3.0)), nn.ones(1)]).tolist() == [2.0, 1.0, 0.0, 1.0]
    u = nn.tensor([200], dtype=nn.uint8)
    assert (u & -16).tolist() == [192] and (u + 300).tolist() == [244]      # torchvision's posterize: wrapped
    assert nn.tensor([250, 10], dtype=nn.uint8).cumsum(0).tolist() == [250, 260]    # accumulated in int64
    assert nn.tensor([True, True]).prod().dtype == nn.int64


def test_std_over_a_single_element_has_a_nan_gradient():
    a = nn.tensor([[1.0], [2.0]], requires_grad=True)
    a.std(1).sum().backward()
    assert np.isnan(a.grad).all()


def test_in_place_reshape_of_a_row_keeps_the_gradient_chain():
    # DeepAR: train_batch[t].unsqueeze_(0).clone() after train_batch[t, i, 0] = mu[i], step after step
    for op, x in (("unsqueeze_", nn.tensor([1.0, 0.0, 0.0])), ("squeeze_", nn.tensor([[1.0], [0.0], [0.0]]))):
        w = nn.tensor(2.0, requires_grad=True)
        arg = (0,) if op == "unsqueeze_" else ()
        m = getattr(x[0], op)(*arg).clone() * w
        for t in (1, 2):
            x[t] = m.reshape(-1)[0]
            m = getattr(x[t], op)(*arg).clone() * w
        m.sum().backward()
        assert m.sum().item() == 8.0 and w.grad.item() == 12.0                 # w^3 and 3 w^2


def test_shape_keywords_one_element_conv_arguments_and_pytorch_module_utils():
    x = nn.arange(24.0).reshape(2, 3, 4)
    assert x.reshape(shape=(4, 6)).shape == (4, 6) and x.view(size=(4, 6)).shape == (4, 6)     # MAE's patchify
    assert x.permute(dims=(2, 0, 1)).shape == (4, 2, 3) and x.expand(size=(2, 2, 3, 4)).shape == (2, 2, 3, 4)
    assert x.repeat(repeats=(1, 2, 1)).shape == (2, 6, 4) and x.mean(axis=(1, 2), keepdims=True).shape == (2, 1, 1)
    conv = nn.Conv2d(2, 3, 3, stride=[2], padding=[1])                # EfficientNet-PyTorch decodes strides as [s]
    assert conv.stride == (2,) and conv(nn.ones(1, 2, 6, 6)).shape == (1, 3, 3, 3)    # PyTorch's _pair([2])
    from nn.modules.utils import _pair, _single, _triple, consume_prefix_in_state_dict_if_present
    assert _pair(3) == (3, 3) and _pair([1, 2]) == (1, 2) and _single(4) == (4,) and _triple(1) == (1, 1, 1)
    state = {"module.w": 1, "b": 2}
    consume_prefix_in_state_dict_if_present(state, "module.")
    assert state == {"w": 1, "b": 2}
    m = nn.Module()
    m.register_buffer(name="w", tensor=nn.ones(2), persistent=False)    # MobileViTv2's keywords
    assert "w" not in m.state_dict() and m.w.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("mode", ["circular", "reflect", "replicate"])
def test_conv_padding_modes(mode):
    # Informer's TokenEmbedding: Conv1d(..., padding=1, padding_mode='circular')
    from nn.autograd import gradcheck
    rng = np.random.default_rng(13)
    for conv, shape in ((nn.Conv1d(2, 3, 3, padding=1, padding_mode=mode), (2, 2, 7)),
                        (nn.Conv2d(2, 3, 3, padding="same", dilation=2, padding_mode=mode), (1, 2, 6, 7))):
        conv = conv.double()
        x = nn.tensor(rng.standard_normal(shape), requires_grad=True)
        pads = [2, 2, 2, 2] if len(shape) == 4 else [1, 1]
        expected = (nn.functional.conv2d if len(shape) == 4 else nn.functional.conv1d)(
            nn.functional.pad(x, pads, mode=mode), conv.weight, conv.bias, dilation=conv.dilation)
        np.testing.assert_allclose(conv(x).detach().numpy(), expected.detach().numpy(), rtol=1e-12)
        assert gradcheck(lambda t: conv(t), [x])
    with pytest.raises(ValueError, match='^Only "zeros" padding mode is supported for ConvTranspose2d$'):
        nn.ConvTranspose2d(2, 3, 3, padding_mode=mode)


def test_lstm_weight_names_distribution_submodules_and_index_bounds():
    lstm = nn.LSTM(3, 4, num_layers=2)
    assert lstm._all_weights[1] == ["weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"]
    for names in lstm._all_weights:                                        # DeepAR's forget-gate bias
        for name in filter(lambda n: "bias" in n, names):
            bias = getattr(lstm, name)
            bias.data[4:8].fill_(1.0)
    assert lstm.bias_hh_l1.data[4:8].tolist() == [1.0] * 4 and len(lstm.all_weights) == 2
    assert nn.distributions.normal.Normal is nn.distributions.Normal             # the dotted spelling
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        nn.zeros(3).scatter_add_(0, nn.tensor([0, -1]), nn.ones(2))
    with pytest.raises(IndexError, match="index 3 is out of bounds"):
        nn.gather(nn.arange(3.0), 0, nn.tensor([3]))


def test_clamp_with_tensor_bounds_and_fmax_give_ties_to_the_input():
    for fn, expected in ((lambda a: a.clamp(min=nn.full((3,), 2.0)), [0.0, 1.0, 1.0]),
                         (lambda a: a.clamp(max=nn.full((3,), 2.0)), [1.0, 1.0, 0.0]),
                         (lambda a: nn.fmax(a, nn.full((3,), 2.0)), [0.0, 1.0, 1.0]),
                         (lambda a: nn.fmin(a, nn.full((3,), 2.0)), [1.0, 1.0, 0.0])):
        a = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
        fn(a).sum().backward()
        assert a.grad.tolist() == expected
    lo, hi = nn.tensor([0.0, 2.5, 1.0], requires_grad=True), nn.tensor([0.5, 3.0, 2.0], requires_grad=True)
    (nn.clamp(nn.tensor([1.0, 2.0, 3.0]), min=lo, max=hi) * nn.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert lo.grad.tolist() == [0.0, 2.0, 0.0] and hi.grad.tolist() == [1.0, 0.0, 3.0]


def test_a_value_replaced_after_the_forward_is_what_backward_reads():
    # a hand-written spectral norm sets u.data = ... after using u: PyTorch's backward reads u's values then
    w = nn.tensor([1.0, 2.0], requires_grad=True)
    u = nn.Parameter(nn.tensor([1.0, 0.0]), requires_grad=False)
    s = (u * w).sum()
    u.data = nn.tensor([0.0, 1.0])
    s.backward()
    assert w.grad.tolist() == [0.0, 1.0]
    p = nn.Parameter(nn.tensor([1.0, 2.0]))
    best = p.data                                  # no graph reads p: the alias keeps the old values
    p.data = nn.tensor([5.0, 6.0])
    assert best.tolist() == [1.0, 2.0] and p.tolist() == [5.0, 6.0]


def test_tied_weights_made_once_backward_every_step():
    w = nn.Parameter(nn.tensor([[1.0, 2.0], [3.0, 4.0]]))
    wt = w.t()                                     # pt-sdae's decoder_weight = encoder_weight.t(), in __init__
    opt = nn.optim.SGD([w], lr=0.1)
    for loss_expected in (1.0, 0.9):
        loss = (wt * nn.tensor([[1.0, 0.0], [0.0, 0.0]])).sum()
        assert abs(loss.item() - loss_expected) < 1e-6
        opt.zero_grad()
        loss.backward()
        opt.step()


def test_containers_as_lists_and_module_helpers():
    layers = nn.ModuleList()
    layers += [nn.Linear(2, 2)]                     # kan-bayashi's WaveNet
    layers.insert(0, nn.ReLU())
    layers.append(nn.Tanh())
    assert type(layers.pop(1)).__name__ == "Linear" and [type(m).__name__ for m in layers] == ["ReLU", "Tanh"]
    del layers[0]
    assert list(layers._modules) == ["0"]
    seq = nn.Sequential(nn.ReLU(), nn.Tanh())
    seq.insert(1, nn.Sigmoid())
    seq.extend([nn.Identity()])
    both = seq + nn.Sequential(nn.ReLU())
    del both[1:3]
    assert [type(m).__name__ for m in both] == ["ReLU", "Identity", "ReLU"] and list(both._modules) == ["0", "1", "2"]
    assert len(seq * 2) == 8 and nn.Conv1d(1, 1, 1)._get_name() == "Conv1d"
    net = nn.Sequential(nn.BatchNorm1d(2))
    assert net.get_buffer("0.running_var").tolist() == [1.0, 1.0]
    net.set_submodule("0", nn.Identity())
    assert isinstance(net[0], nn.Identity)
    pd = nn.ParameterDict({"a": nn.Parameter(nn.ones(1))})
    assert pd.get("b") is None and pd.setdefault("b", nn.Parameter(nn.zeros(1))).shape == (1,)
    from nn.optim.optimizer import Optimizer, required

    class Custom(Optimizer):                       # the custom-optimizer idiom: lr=required
        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))

        def step(self):
            pass
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        Custom([nn.Parameter(nn.ones(1))])
    assert Custom([{"params": [nn.Parameter(nn.ones(1))], "lr": 0.1}]).param_groups[0]["lr"] == 0.1


def test_one_d_pooling_keywords():
    x = nn.arange(6.0).reshape(1, 1, 6)
    np.testing.assert_allclose(nn.AvgPool1d(4, 2, 1, count_include_pad=False)(x).numpy().ravel(), [1.0, 2.5, 4.0])
    assert nn.MaxPool1d(3, 2, ceil_mode=True)(x).shape == (1, 1, 3) and nn.functional.avg_pool1d(x, 4, 4, ceil_mode=True).shape == (1, 1, 2)
    values, idx = nn.MaxPool1d(2, return_indices=True)(x)
    assert values.numpy().ravel().tolist() == [1.0, 3.0, 5.0] and idx.numpy().ravel().tolist() == [1, 3, 5]


def test_shape_is_a_size_so_new_reads_its_slices_as_sizes():
    # mmdet's bbox_overlaps on empty boxes: bboxes1.new(batch_shape + (rows, cols))
    x = nn.zeros(3, 4)
    assert isinstance(x.shape, nn.Size) and x.shape.numel() == 12 and x.shape == (3, 4)
    assert x.new(x.shape[:-2] + (0, 4)).shape == (0, 4) and x.new(x.shape).shape == (3, 4)
    assert x.new((2, 3)).tolist() == [2.0, 3.0]                   # a plain tuple is data, as in PyTorch
    assert f"{x.shape}" == "(3, 4)" and repr(x.shape) == "nn.Size([3, 4])"


def test_cdist_inf_shifts_histogram_and_model_zoo():
    from nn.autograd import gradcheck
    rng = np.random.default_rng(14)
    a, b = nn.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True), nn.tensor(rng.standard_normal((2, 5, 4)))
    d = nn.cdist(a, b, p=float("inf"))
    np.testing.assert_allclose(d.detach().numpy(), np.abs(a.detach().numpy()[:, :, None] - b.numpy()[:, None]).max(-1))
    assert gradcheck(lambda t: nn.cdist(t, b, p=float("inf")), [a])
    x = nn.tensor([1, 2, 200], dtype=nn.uint8)
    assert (x << 1).tolist() == [2, 4, 144] and (x >> 2).tolist() == [0, 0, 50]
    assert nn.bitwise_right_shift(nn.tensor([-8]), 1).tolist() == [-4]
    hist, edges = nn.histogram(nn.tensor([0.0, 0.5, 1.0, 1.0]), bins=2)
    assert hist.tolist() == [1.0, 3.0] and edges.tolist() == [0.0, 0.5, 1.0]
    from nn.utils import model_zoo                                    # EfficientNet-PyTorch's import line
    with pytest.raises(RuntimeError, match="downloads nothing"):
        model_zoo.load_url("https://example.org/w.pth")


def test_review_mends():
    # autograd.grad still refuses a released node above the wanted tensor (its graph may have led there)
    w = nn.tensor([1.0, 2.0], requires_grad=True)
    a = (w * 2).exp()
    a.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        nn.autograd.grad((a + w * 3).sum(), w)
    # .data = on a view of another tensor replaces the view's array, never writing into that tensor
    big, v = nn.randn(4, 3), nn.randn(3, requires_grad=True)
    row = big[0]
    before = big.numpy().copy()
    _ = v * row
    row.data = nn.zeros(3)
    np.testing.assert_array_equal(big.numpy(), before)
    # an in-place op on a node that saved nothing is released after backward like any other
    x = nn.randn(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):       # a view of a leaf that requires grad, as PyTorch
        x.view(6).mul_(2)
    h = (x * 1).view(6)
    h.mul_(2)
    h.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        h.sum().backward()
    assert nn.take_along_dim(nn.tensor([1.0, 2.0]), nn.tensor([-1]), 0).tolist() == [2.0]
    assert nn.cumulative_trapezoid(nn.zeros(3, 0)).shape == (3, 0)
    s = nn.zeros(2, 3).shape
    assert isinstance(s * 2, nn.Size) and s * 2 == (2, 3, 2, 3)
    with pytest.raises(TypeError):
        s + [5]
    with pytest.raises(TypeError, match="^sum\\(\\) got an unexpected keyword argument 'axis'$"):  # PyTorch's
        nn.ones(2, 3).sum(dim=0, axis=1)
    from nn.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9), use_buffers=True)
    for _ in range(2):
        model(nn.randn(5, 3))
        ema.update_parameters(model)                 # integer buffers follow the model (they crashed)
    assert int(ema.state_dict()["module.1.num_batches_tracked"]) == 2


def test_transpose_of_a_zero_dim_tensor_is_itself():
    x = nn.tensor(1.0)
    assert x.transpose(0, 0).item() == 1.0 and x.transpose(-1, 0).shape == ()
