"""The U-Net conditional VAE (colorize/models/unet_vae.py), its loss, the sampling and `predict --samples`."""
import os

import numpy as np
import pytest

import nn
from nn import functional as F
from colorize.cli import main
from colorize.images import load_image, save_image
from colorize.losses import VAELoss
from colorize.models import build_model
from colorize.models.conv import UNet
from colorize.models.output import ColorOutput
from colorize.sampling import pick_distinct, sample_ab
from colorize.synthetic import make_scene

SMALL = dict(width=4, depth=2, latent_dim=3, encoder_width=4)


def _vae(trained_inject=True, **kw):
    """A small UNetVAE; trained_inject: random weights on z in the bottleneck's 1x1 conv (as after training;
    at initialisation they are zero, so z would not change the output yet)."""
    nn.manual_seed(0)
    model = build_model(dict({"model": "unet_vae"}, **dict(SMALL, **kw)))
    if trained_inject:
        w = model.inject[0].weight.data
        w[:, -model.latent_dim:] = np.random.default_rng(9).normal(0, 0.5, w[:, -model.latent_dim:].shape)
    return model


def _batch(n=2, hw=(16, 16), seed=0):
    rng = np.random.default_rng(seed)
    return (nn.Tensor(rng.uniform(-1, 1, (n, 1) + hw).astype(np.float32)),
            nn.Tensor(rng.uniform(-0.3, 0.3, (n, 2) + hw).astype(np.float32)))


def test_is_a_unet_with_the_unet_names():
    model = _vae()
    assert isinstance(model, UNet)
    unet = build_model({"model": "unet", "width": 4, "depth": 2})
    keys = set(model.state_dict())
    assert set(unet.state_dict()) <= keys                        # the U-Net part keeps its names
    assert {k.split(".")[0] for k in keys - set(unet.state_dict())} == {"posterior", "inject"}
    assert model.config == dict({"model": "unet_vae", "batchnorm": False, "activation": "relu",
                                 "upsample": "nearest"}, **SMALL)


def test_starts_as_the_unet_it_extends():
    # inject = identity on the middle features and zero on z: the untrained VAE is the U-Net, whatever z
    vae = _vae(trained_inject=False)
    unet = build_model({"model": "unet", "width": 4, "depth": 2})
    unet.load_state_dict({k: v for k, v in vae.state_dict().items() if k in unet.state_dict()})
    x, t = _batch(2, (12, 20))
    np.testing.assert_allclose(vae(x).ab.data, unet(x).ab.data, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(vae(x, target_ab=t).ab.data, unet(x).ab.data, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("hw", [(13, 21), (5, 7), (1, 1), (16, 16)])
def test_forward_shapes_for_odd_sizes(hw):
    model = _vae()
    x, t = _batch(2, hw)
    out = model(x)                                               # prediction: z = 0
    assert isinstance(out, ColorOutput) and out.ab.shape == (2, 2) + hw and out.kl is None
    assert np.all(np.abs(out.ab.data) < 1)
    out = model(x, target_ab=t)                                  # training: z from the posterior
    assert out.ab.shape == (2, 2) + hw and out.kl.shape == ()
    assert model.decode_latent(x, np.ones((2, 3), np.float32)).ab.shape == (2, 2) + hw


def test_kl_is_the_closed_form_of_the_posterior():
    model = _vae()
    x, t = _batch()
    out = model(x, target_ab=t)
    mu, logvar = model.posterior(F.cat([x, t], dim=1))
    m, lv = mu.data.astype(np.float64), logvar.data.astype(np.float64)
    want = (0.5 * (m ** 2 + np.exp(lv) - 1 - lv)).sum(axis=1).mean()   # sum over latent dims, mean over batch
    np.testing.assert_allclose(out.kl.item(), want, rtol=1e-5)


def test_training_samples_z_from_nn_generator_and_prediction_uses_the_prior_mean():
    model = _vae()
    x, t = _batch()
    nn.manual_seed(3)
    a = model(x, target_ab=t).ab.data
    nn.manual_seed(3)
    b = model(x, target_ab=t).ab.data
    c = model(x, target_ab=t).ab.data
    np.testing.assert_array_equal(a, b)                          # same seed, same eps
    assert not np.array_equal(a, c)                              # a new eps
    np.testing.assert_array_equal(model(x).ab.data,
                                  model.decode_latent(x, np.zeros((2, 3), np.float32)).ab.data)


def test_gradients_reach_the_posterior_through_the_reparameterisation():
    model = _vae()
    x, t = _batch()
    out = model(x, target_ab=t)
    ((out.ab - t) ** 2).mean().backward()                       # reconstruction alone, no KL
    assert np.abs(model.posterior.fc.weight.grad).sum() > 0
    assert np.abs(model.posterior.convs[0].weight.grad).sum() > 0


def test_vae_loss_anneals_beta_and_adds_the_kl():
    loss = VAELoss(beta=0.01, warmup=4)
    betas = []
    for e in range(1, 8):
        loss.start_epoch(e)
        betas.append(loss.current_beta)
    np.testing.assert_allclose(betas, [0, 0.0025, 0.005, 0.0075, 0.01, 0.01, 0.01])
    x, t = _batch()
    out = _vae()(x, target_ab=t)
    value = loss(out, t)
    mse = F.mse_loss(out.ab, t).item()
    np.testing.assert_allclose(value.item(), mse + 0.01 * out.kl.item(), rtol=1e-5)
    assert set(loss.parts) == {"colour", "kl", "beta"}
    np.testing.assert_allclose(loss(out._replace(kl=None), t).item(), mse, rtol=1e-6)   # validation
    no_warmup = VAELoss(beta=0.5, warmup=0)
    no_warmup.start_epoch(1)
    assert no_warmup.current_beta == 0.5
    with pytest.raises(ValueError):
        VAELoss(beta=-1)


def test_a_few_steps_reduce_the_loss():
    from colorize.color import rgb_to_lab_batch
    from colorize.data import lab_to_model_arrays
    from colorize.synthetic import make_scenes
    images, _, _ = make_scenes("mixed", 6, size=16, seed=0)
    x, y = lab_to_model_arrays(rgb_to_lab_batch(images))
    model = _vae(width=8)
    loss = VAELoss(beta=0.01, warmup=0)
    opt = nn.optim.Adam(model.parameters(), lr=3e-3)
    values = []
    nn.manual_seed(1)
    for _ in range(12):
        v = loss(model(nn.Tensor(x), target_ab=nn.Tensor(y)), nn.Tensor(y))
        opt.zero_grad()
        v.backward()
        opt.step()
        values.append(v.item())
    assert np.mean(values[-3:]) < 0.85 * np.mean(values[:3]), values


def test_pick_distinct_keeps_one_of_each_group():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    sizes = [10, 6, 3]
    pts = np.concatenate([c + 0.1 * rng.standard_normal((n, 2)) for c, n in zip(centres, sizes)])
    picks = pick_distinct(pts, 3)
    assert len(set(picks)) == 3
    got = [int(np.argmin(((centres - pts[i]) ** 2).sum(axis=1))) for i in picks]
    assert got == [0, 1, 2]                                      # one per group, largest group first
    assert pick_distinct(pts, 3) == picks                        # deterministic
    with pytest.raises(ValueError):
        pick_distinct(pts, 20)


def test_sample_ab_is_reproducible_and_distinct():
    model = _vae()
    x, _ = _batch(1)
    a = sample_ab(model, x.data, 3, draws=8, rng=5)
    b = sample_ab(model, x.data, 3, draws=8, rng=5)
    assert a.shape == (3, 2, 16, 16)
    np.testing.assert_array_equal(a, b)
    assert all(not np.array_equal(a[i], a[j]) for i in range(3) for j in range(i))
    with pytest.raises(ValueError, match="latent"):
        sample_ab(build_model({"model": "unet", "width": 4, "depth": 2}), x.data, 2)


def _run(argv, capsys=None):
    return main([str(a) for a in argv])


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    """A tiny unet_vae trained through the CLI, and one input photo."""
    root = tmp_path_factory.mktemp("vae")
    run = root / "run"
    code = _run(["train", "synthetic:mixed", "--model", "unet_vae", "--out", run, "--epochs", "2", "--size", "16",
                 "--images", "6", "--batch-size", "3", "--lr", "0.01", "--no-augment", "--quiet",
                 "--model-opt", "width=4",
                 "--model-opt", "depth=2", "--model-opt", "latent_dim=3", "--model-opt", "encoder_width=4"])
    assert code == 0
    photo = root / "scene.png"
    save_image(str(photo), make_scene("beach", (20, 26), rng=3))
    return run, photo


def test_predict_samples_writes_k_files_that_differ_and_the_seed_fixes_them(vae_run, tmp_path, capsys):
    run, photo = vae_run
    weights = run / "model.npz"
    assert _run(["predict", "--weights", weights, photo, "--out", tmp_path / "a", "--samples", "3", "--seed", "7",
                 "--quiet"]) == 0
    names = sorted(os.listdir(tmp_path / "a"))
    assert names == ["scene_sample1.png", "scene_sample2.png", "scene_sample3.png"]
    imgs = [load_image(str(tmp_path / "a" / n)) for n in names]
    assert all(im.shape == (20, 26, 3) for im in imgs)
    assert all(not np.array_equal(imgs[i], imgs[j]) for i in range(3) for j in range(i))
    assert _run(["predict", "--weights", weights, photo, "--out", tmp_path / "b", "--samples", "3", "--seed", "7",
                 "--quiet"]) == 0
    for n in names:
        np.testing.assert_array_equal(load_image(str(tmp_path / "a" / n)), load_image(str(tmp_path / "b" / n)))
    assert _run(["predict", "--weights", weights, photo, "--out", tmp_path / "c", "--samples", "3", "--seed", "8",
                 "--quiet"]) == 0
    assert any(not np.array_equal(load_image(str(tmp_path / "a" / n)), load_image(str(tmp_path / "c" / n)))
               for n in names)
    # without --samples: one image, the prior mean
    assert _run(["predict", "--weights", weights, photo, "--out", tmp_path / "d", "--quiet"]) == 0
    assert os.listdir(tmp_path / "d") == ["scene_color.png"]


def test_a_photos_samples_do_not_depend_on_the_other_photos_of_the_run(vae_run, tmp_path):
    run, photo = vae_run
    other = tmp_path / "first.png"
    save_image(str(other), make_scene("forest", (18, 24), rng=4))
    weights = run / "model.npz"
    assert _run(["predict", "--weights", weights, photo, "--out", tmp_path / "alone", "--samples", "2",
                 "--quiet"]) == 0
    assert _run(["predict", "--weights", weights, other, photo, "--out", tmp_path / "after", "--samples", "2",
                 "--quiet"]) == 0
    for n in ("scene_sample1.png", "scene_sample2.png"):
        np.testing.assert_array_equal(load_image(str(tmp_path / "alone" / n)), load_image(str(tmp_path / "after" / n)))


def test_the_cli_run_logs_the_kl_and_its_weights_load_back(vae_run):
    import json
    from colorize.checkpoint import load_weights
    run, _ = vae_run
    history = json.load(open(run / "history.json"))
    assert [h["train_beta"] for h in history] == [0.0, 0.002]   # kl_warmup 5: beta rises 0.01 / 5 per epoch
    assert all(h["train_kl"] > 0 for h in history)
    model, _ = load_weights(str(run / "model.npz"))
    assert model.config["model"] == "unet_vae" and model.latent_dim == 3


@pytest.mark.parametrize("name,options", [("unet_vae", {"width": 4, "depth": 2, "latent_dim": 3}),
                                          ("resnet", {}), ("resnet", {"fusion": True, "global_dim": 8}),
                                          ("resnet", {"head": "bins"})])
def test_save_load_round_trip(name, options, tmp_path):
    from colorize.checkpoint import load_weights
    from colorize.predict import predict_ab
    from colorize.train import run_training
    result = run_training("synthetic:mixed", tmp_path / "run", model=name, model_options=options, epochs=1,
                          size=16, images=6, batch_size=3, augment=False, quiet=True)
    loaded, _ = load_weights(str(tmp_path / "run" / "model.npz"))
    assert loaded.config == result["model"].config
    x, _ = _batch(2, (16, 20))
    np.testing.assert_array_equal(predict_ab(result["model"], x.data), predict_ab(loaded, x.data))


def test_samples_with_a_model_without_latent_is_a_one_line_error(tmp_path, capsys):
    run = tmp_path / "run"
    assert _run(["train", "synthetic:beach", "--model", "unet", "--out", run, "--epochs", "1", "--size", "16",
                 "--images", "4", "--quiet", "--model-opt", "width=4", "--model-opt", "depth=2"]) == 0
    photo = tmp_path / "p.png"
    save_image(str(photo), make_scene("beach", 16, rng=1))
    capsys.readouterr()
    assert _run(["predict", "--weights", run / "model.npz", photo, "--out", tmp_path / "o", "--samples", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --samples needs a model with a latent") and err.count("\n") == 1
    assert not os.path.exists(tmp_path / "o")
