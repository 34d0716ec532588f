"""Cross-check against PyTorch (skipped when torch is not installed).

The same small network is built in both libraries, our weights are loaded into
torch's model with strict=True, and a few optimizer steps are run on both:
losses, weights and BatchNorm running statistics must agree in float32.
"""
import numpy as np
import pytest

import nn

torch = pytest.importorskip("torch")
tnn = torch.nn

RTOL = 1e-4


# Layers feeding a BatchNorm have no bias (as usual): BatchNorm cancels it, so its gradient is
# rounding noise, which Adam would rescale to steps of size lr in random directions.
def _ours(upsample_mode):
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
        nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.LeakyReLU(0.1),
        nn.Upsample(scale_factor=2, mode=upsample_mode),
        nn.ConvTranspose2d(6, 3, 3, stride=2, padding=1, output_padding=1, bias=False), nn.BatchNorm2d(3), nn.Tanh(),
        nn.MaxPool2d(2), nn.Conv2d(3, 2, 3, padding="same"), nn.Sigmoid(),
        nn.Flatten(), nn.Linear(2 * 8 * 8, 5))


def _theirs(upsample_mode):
    return tnn.Sequential(
        tnn.Conv2d(1, 4, 3, padding=1, bias=False), tnn.BatchNorm2d(4), tnn.ReLU(),
        tnn.Conv2d(4, 6, 3, stride=2, padding=1), tnn.LeakyReLU(0.1),
        tnn.Upsample(scale_factor=2, mode=upsample_mode),
        tnn.ConvTranspose2d(6, 3, 3, stride=2, padding=1, output_padding=1, bias=False), tnn.BatchNorm2d(3), tnn.Tanh(),
        tnn.MaxPool2d(2), tnn.Conv2d(3, 2, 3, padding="same"), tnn.Sigmoid(),
        tnn.Flatten(), tnn.Linear(2 * 8 * 8, 5))


def _pair(upsample_mode="nearest"):
    nn.manual_seed(0)
    ours = _ours(upsample_mode)
    theirs = _theirs(upsample_mode)
    result = theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()}, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    return ours, theirs


def _batch():
    rng = np.random.default_rng(0)
    return (rng.standard_normal((4, 1, 8, 8)).astype(np.float32),
            rng.standard_normal((4, 5)).astype(np.float32))


def _close(actual, expected, what):
    expected = np.asarray(expected)
    scale = max(float(np.abs(expected).max()), 1e-6)
    err = float(np.abs(np.asarray(actual, dtype=np.float64) - expected).max())
    assert err <= RTOL * scale, f"{what}: max abs difference {err:.3g} vs scale {scale:.3g}"


def _compare_models(ours, theirs, when):
    t_state = theirs.state_dict()
    o_state = ours.state_dict()
    assert list(o_state) == list(t_state)
    for key, value in o_state.items():
        expected = t_state[key].detach().numpy()
        if key.endswith("num_batches_tracked"):
            assert int(value) == int(expected), f"{when}: {key}"
        else:
            _close(value, expected, f"{when}: {key}")


def _run(make_opts, steps=4, upsample_mode="nearest"):
    ours, theirs = _pair(upsample_mode)
    o_opt, t_opt = make_opts(ours, theirs)
    xn, yn = _batch()
    x, y = nn.Tensor(xn), nn.Tensor(yn)
    xt, yt = torch.from_numpy(xn), torch.from_numpy(yn)
    for step in range(steps):
        o_opt.zero_grad()
        o_loss = nn.F.mse_loss(ours(x), y)
        o_loss.backward()
        o_opt.step()
        t_opt.zero_grad()
        t_loss = tnn.functional.mse_loss(theirs(xt), yt)
        t_loss.backward()
        t_opt.step()
        _close(o_loss.item(), t_loss.item(), f"loss at step {step}")
    _compare_models(ours, theirs, f"after {steps} steps")
    # eval mode uses the running statistics: outputs must agree too
    ours.eval(), theirs.eval()
    with torch.no_grad():
        _close(ours(x).data, theirs(xt).numpy(), "eval output")


def test_default_shapes_and_key_names_match_torch():
    ours, theirs = _pair()
    for (ok, ov), (tk, tv) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert ok == tk and ov.shape == tuple(tv.shape) and str(ov.dtype) == str(tv.dtype).replace("torch.", "")
    assert [type(m).__name__ for m in ours] == [type(m).__name__ for m in theirs]


def test_torch_state_dict_loads_into_ours():
    theirs = _theirs("nearest")
    ours = _ours("nearest")
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()}, strict=True)
    _compare_models(ours, theirs, "after loading torch weights")


def test_sgd_momentum_weight_decay_matches_torch():
    _run(lambda o, t: (nn.optim.SGD(o.parameters(), lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-3),
                       torch.optim.SGD(t.parameters(), lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-3)))


def test_sgd_nesterov_bilinear_matches_torch():
    _run(lambda o, t: (nn.optim.SGD(o.parameters(), lr=0.05, momentum=0.8, nesterov=True),
                       torch.optim.SGD(t.parameters(), lr=0.05, momentum=0.8, nesterov=True)),
         upsample_mode="bilinear")


def test_adam_matches_torch():
    _run(lambda o, t: (nn.optim.Adam(o.parameters(), lr=1e-3, betas=(0.8, 0.99), weight_decay=1e-2),
                       torch.optim.Adam(t.parameters(), lr=1e-3, betas=(0.8, 0.99), weight_decay=1e-2)))


def test_adam_amsgrad_matches_torch():
    _run(lambda o, t: (nn.optim.Adam(o.parameters(), lr=1e-3, amsgrad=True),
                       torch.optim.Adam(t.parameters(), lr=1e-3, amsgrad=True)))


def _lr_sequences(make_ours, make_theirs, metrics):
    po = nn.Parameter(np.zeros(1, np.float32))
    pt = torch.zeros(1, requires_grad=True)
    o_opt, t_opt = nn.optim.SGD([po], lr=0.1), torch.optim.SGD([pt], lr=0.1)
    o_sched, t_sched = make_ours(o_opt), make_theirs(t_opt)
    ours, theirs = [], []
    for m in metrics:
        o_opt.step(), t_opt.step()
        if m is None:
            o_sched.step(), t_sched.step()
        else:
            o_sched.step(m), t_sched.step(m)
        ours.append(o_sched.get_last_lr()[0])
        theirs.append(t_sched.get_last_lr()[0])
    return ours, theirs


def test_step_lr_sequence_matches_torch():
    ours, theirs = _lr_sequences(lambda o: nn.optim.StepLR(o, step_size=3, gamma=0.3),
                                 lambda t: torch.optim.lr_scheduler.StepLR(t, step_size=3, gamma=0.3), [None] * 10)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


@pytest.mark.parametrize("kwargs", [
    dict(factor=0.5, patience=2),
    dict(mode="max", factor=0.2, patience=1, cooldown=2, threshold=0.05),
    dict(factor=0.5, patience=0, threshold_mode="abs", threshold=0.1, min_lr=0.01),
])
def test_reduce_lr_on_plateau_sequence_matches_torch(kwargs):
    metrics = list(np.random.default_rng(3).uniform(0.5, 1.5, 25).cumsum() % 2)
    ours, theirs = _lr_sequences(lambda o: nn.optim.ReduceLROnPlateau(o, **kwargs),
                                 lambda t: torch.optim.lr_scheduler.ReduceLROnPlateau(t, **kwargs), metrics)
    assert len(set(theirs)) > 1                    # the sequence does reduce the lr
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
