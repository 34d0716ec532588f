"""The bins head of the conv models, BinsLoss and rebalancing wiring, --decode in predict/evaluate."""
import json

import numpy as np
import pytest

import nn
from colorize import bins as B
from colorize.checkpoint import load_weights, save_weights
from colorize.cli import main
from colorize.images import save_image
from colorize.losses import BinsLoss, RegressionLoss, block_mean
from colorize.models import build_model, inference
from colorize.models.output import ColorOutput
from colorize.predict import DEFAULT_WEIGHTS, colorize_image, predict_logits, set_decoding
from colorize.errors import ColorizeError
from colorize.settings import TrainSettings, make_loss
from colorize.synthetic import make_scene

CENTRES = B.gamut_bins()


def _bins_model(name="unet", **kw):
    nn.manual_seed(0)
    return build_model(dict({"model": name, "width": 4, "depth": 2, "head": "bins"}, **kw))


def _batch(n=4, hw=(16, 16), seed=0):
    from colorize.color import ab_to_target, l_to_input, rgb_to_lab
    rgb = np.stack([make_scene(k, hw, rng=seed + i) for i, k in
                    enumerate(["beach", "forest", "sunrise", "beach"][:n])]).astype(np.float32)
    lab = rgb_to_lab(rgb)
    return l_to_input(lab[..., 0])[:, None], ab_to_target(lab[..., 1:]).transpose(0, 3, 1, 2).copy()


def test_regression_loss_on_a_bins_model_in_training_mode_is_a_clear_error():
    m = _bins_model()
    x, y = _batch()
    with pytest.raises(ValueError, match="BinsLoss"):
        RegressionLoss("mse")(m(nn.tensor(x)), nn.tensor(y))


def test_bins_head_shapes_and_config():
    m = _bins_model()
    x, _ = _batch()
    out = m(nn.tensor(x))
    assert isinstance(out, ColorOutput)
    assert out.logits.shape == (4, len(CENTRES), 8, 8)                 # half the input size
    assert out.ab is None                                              # training mode: the loss reads logits
    with inference(m):
        assert m(nn.tensor(x)).ab.shape == (4, 2, 16, 16)
    assert m.config["head"] == "bins" and np.array_equal(np.asarray(m.config["centres"], np.float32), CENTRES)
    # odd sizes: logits at ceil(H / 2), ab cropped back to the input
    m.eval()
    with nn.no_grad():
        out = m(nn.tensor(np.zeros((1, 1, 13, 11), np.float32)))
    assert out.logits.shape[2:] == (7, 6) and out.ab.shape[2:] == (13, 11)


@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("params, features", [(np.float32, np.float32), (np.float64, np.float64),
                                              (np.float32, np.float64)])
def test_bins_head_is_its_conv(params, features, n_threads, kernel_threads, monkeypatch):
    # at one thread the head computes its 1x1 conv as bias + W @ h in one nn.baddbmm, at more by the Conv2d
    # (parallel kernels): either way the same as running the Conv2d, gradients included; mixed dtypes take
    # the conv, which refuses them as PyTorch's does
    from colorize.models.bins_head import BinsHead
    kernel_threads(n_threads)
    calls, baddbmm = [], nn.baddbmm
    monkeypatch.setattr(nn, "baddbmm", lambda *a, **k: calls.append(1) or baddbmm(*a, **k))
    rng = np.random.default_rng(5)
    head = BinsHead(6, bins="kmeans:5", centres=rng.normal(size=(5, 2)).astype(np.float32) * 30).to(params)
    h = nn.tensor(rng.normal(size=(2, 6, 3, 4)).astype(features), requires_grad=True)
    g = nn.tensor(rng.normal(size=(2, 5, 3, 4)))
    if params != features:
        for f in (head, head.conv):
            with pytest.raises(RuntimeError, match="Input type .* and bias type .* should be the same"):
                f(h)
        assert not calls
        return
    grads = []
    for f in (head, head.conv):
        h.grad = head.conv.weight.grad = head.conv.bias.grad = None
        y = f(h)
        y.backward(g)
        grads.append((y.data, h.grad, head.conv.weight.grad, head.conv.bias.grad))
    assert len(calls) == (1 if n_threads == 1 else 0)
    tol = 1e-5 if params == np.float32 else 1e-12
    assert grads[0][0].dtype == params
    for ours, conv in zip(*grads):
        np.testing.assert_allclose(ours, conv, rtol=tol, atol=tol)


def test_head_ab_is_the_default_and_unchanged():
    nn.manual_seed(0)
    m = build_model({"model": "fusion", "width": 4, "depth": 2})
    assert m.head == "ab" and not hasattr(m, "bins_head")
    out = m(nn.tensor(_batch()[0]))
    assert out.logits is None and out.ab.shape == (4, 2, 16, 16)


def test_bins_head_trains_and_the_loss_falls():
    m = _bins_model("fusion")
    x, y = _batch()
    prior = B.bin_prior(y * 128, CENTRES)
    loss = make_loss(TrainSettings(), head="bins", centres=CENTRES, prior=prior)
    opt = nn.optim.Adam(m.parameters(), lr=1e-2)
    values = []
    for _ in range(12):
        value = loss(m(nn.tensor(x)), nn.tensor(y))
        opt.zero_grad()
        value.backward()
        opt.step()
        values.append(value.item())
    assert values[-1] < 0.9 * values[0], values


def test_bins_loss_is_weighted_soft_cross_entropy():
    """The loss equals mean_pixels w[nearest bin] * -sum_q soft_q log softmax_q, targets from 2x2-averaged ab."""
    rng = np.random.default_rng(0)
    y = rng.uniform(-0.4, 0.4, (2, 2, 8, 6)).astype(np.float32)
    logits = rng.normal(size=(2, len(CENTRES), 4, 3)).astype(np.float64)
    prior = B.bin_prior(y * 128, CENTRES)
    w = B.rebalance_weights(prior, 0.5)
    loss = make_loss(TrainSettings(), head="bins", centres=CENTRES, prior=prior).pixel_loss
    assert isinstance(loss, BinsLoss) and np.allclose(loss.class_weights, w)
    got = loss(ColorOutput(nn.tensor(np.zeros((2, 2, 8, 6))), logits=nn.tensor(logits)), nn.tensor(y)).item()
    small = y.reshape(2, 2, 4, 2, 3, 2).mean(axis=(3, 5)) * 128
    soft = B.soft_encode(small, CENTRES)
    assert np.allclose(soft.sum(1), 1, atol=1e-5)
    logp = logits - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True)) - \
        logits.max(1, keepdims=True)
    ce = -(soft * logp).sum(1)
    expect = np.mean(w[B.nearest_bin(small, CENTRES)] * ce)
    assert got == pytest.approx(expect, rel=1e-5)
    # rebalance 0: plain soft cross-entropy
    plain = make_loss(TrainSettings(rebalance=0.0), head="bins", centres=CENTRES, prior=prior).pixel_loss
    assert plain.class_weights is None


@pytest.mark.parametrize("f", [1, 2, 3, 4, 7, 8, 12])
def test_block_mean_is_the_mean_of_each_block(f):
    """The targets' f x f block mean: NumPy's mean over the block axes, to its bits below 8 (training runs unchanged)."""
    t = (np.random.default_rng(f).standard_normal((2, 3, 5 * f, 4 * f)) * 30).astype(np.float32)
    expect = t.reshape(2, 3, 5, f, 4, f).mean(axis=(3, 5))
    got = block_mean(t, f)
    assert got.shape == (2, 3, 5, 4) and got.dtype == np.float32
    if f < 8:
        assert np.array_equal(got, expect)
    else:                                   # NumPy sums 8 or more terms pairwise
        assert np.allclose(got, expect, rtol=0, atol=1e-5)


def test_regression_rebalance_uses_the_same_prior():
    rng = np.random.default_rng(1)
    y = rng.uniform(-0.4, 0.4, (2, 2, 6, 6)).astype(np.float32)
    prior = B.bin_prior(y * 128, CENTRES)
    assert make_loss(TrainSettings(), centres=CENTRES, prior=prior).pixel_loss.rebalance_weights is None
    loss = make_loss(TrainSettings(rebalance=0.5), centres=CENTRES, prior=prior).pixel_loss
    assert isinstance(loss, RegressionLoss)
    pw = loss.rebalance_weights(y)
    assert pw.shape == (2, 1, 6, 6)
    assert np.allclose(pw[:, 0], B.rebalance_weights(prior, 0.5)[B.nearest_bin(y * 128, CENTRES)])


def test_training_run_wires_rebalancing_for_both_heads():
    """run_training's loss: bins -> BinsLoss with the training prior's weights; ab + rebalance -> weighted MSE."""
    from colorize import data as D
    from colorize.distribution import PixelRebalance, training_prior
    from colorize.train import make_run_loss, train_ab
    ds = D.load_dataset("synthetic:mixed", size=16, n=4, seed=0)
    prior = training_prior(train_ab(ds), CENTRES)
    bins_loss = make_run_loss(TrainSettings(), _bins_model(), ds).pixel_loss
    assert np.allclose(bins_loss.class_weights, B.rebalance_weights(prior, 0.5))
    nn.manual_seed(0)
    reg = build_model({"model": "unet", "width": 4, "depth": 2})
    assert make_run_loss(TrainSettings(), reg, ds).pixel_loss.rebalance_weights is None
    weigh = make_run_loss(TrainSettings(rebalance=0.25), reg, ds).pixel_loss.rebalance_weights
    assert isinstance(weigh, PixelRebalance) and np.allclose(weigh.w, B.rebalance_weights(prior, 0.25))


def test_flip_average_averages_logits():
    m = _bins_model(flip_average=True)
    x, _ = _batch(2)
    m.eval()
    with nn.no_grad():
        out = m(nn.tensor(x))
        a = m._forward(nn.tensor(x), decode=False).logits.data
        b = m._forward(nn.tensor(x[:, :, :, ::-1].copy()), decode=False).logits.data
    assert np.allclose(out.logits.data, (a + b[:, :, :, ::-1]) / 2, atol=1e-6)


def test_annealed_at_t1_is_the_mean_and_decodings_differ():
    m = _bins_model()
    x, _ = _batch(2)
    m.eval()
    res = {}
    for method, T in (("annealed", 1.0), ("mean", 0.38), ("annealed", 0.38), ("mode", 0.38), ("mrf", 0.38)):
        set_decoding(m, method, T)
        with nn.no_grad():
            res[(method, T)] = m(nn.tensor(x)).ab.data
    assert np.allclose(res[("annealed", 1.0)], res[("mean", 0.38)], atol=1e-6)
    assert not np.allclose(res[("annealed", 0.38)], res[("mean", 0.38)])
    # mode: every pixel of the decoded (half-size) map is a bin centre
    z = predict_logits(m, x)
    set_decoding(m, "mode")
    mode_ab = m.bins_head.decode_logits(z)
    pixels = mode_ab.transpose(0, 2, 3, 1).reshape(-1, 2)                  # (N h w, 2), same order as ravel
    assert np.allclose(pixels, CENTRES[np.argmax(z, 1).ravel()])


def test_weights_round_trip_keep_centres_and_decoding(tmp_path):
    km = B.kmeans_bins(np.random.default_rng(0).normal(0, 20, (500, 2)), 6)
    m = _bins_model(bins="kmeans:6", centres=km.tolist(), decode="mode", temperature=0.5)
    save_weights(tmp_path / "m.npz", m, {"size": 16})
    m2, _ = load_weights(tmp_path / "m.npz")
    assert m2.bins_head.decode == "mode" and m2.bins_head.temperature == 0.5
    assert np.array_equal(m2.bins_head.centres, km)
    x, _ = _batch(1)
    with nn.no_grad():
        m.eval()
        assert np.allclose(m(nn.tensor(x)).ab.data, m2(nn.tensor(x)).ab.data)
    with pytest.raises(ColorizeError, match="kmeans"):
        build_model({"model": "unet", "width": 4, "depth": 2, "head": "bins", "bins": "kmeans:6"})
    with pytest.raises(ColorizeError, match="bins"):
        build_model({"model": "unet", "width": 4, "depth": 2, "head": "bins", "bins": "cubes"})


def test_a_decoding_chosen_after_training_is_saved_with_the_weights(tmp_path):
    # what train_default --set-decode and a shipped model rely on: set_decoding, save, load -> same choice
    m = _bins_model(decode="annealed", temperature=0.38)
    set_decoding(m, "mrf", 0.6)
    save_weights(tmp_path / "m.npz", m, {"size": 16})
    m2, _ = load_weights(tmp_path / "m.npz")
    assert (m2.bins_head.decode, m2.bins_head.temperature) == ("mrf", 0.6)


def test_old_regression_weights_still_load(tmp_path):
    """A weights file whose config predates the head option (no 'head' key) loads as a regression model."""
    nn.manual_seed(0)
    m = build_model({"model": "fusion", "width": 4, "depth": 2})
    old = {k: v for k, v in m.config.items() if k not in ("head", "bins", "centres", "decode", "temperature")}
    m.config = old
    save_weights(tmp_path / "old.npz", m, {"size": 16})
    m2, _ = load_weights(tmp_path / "old.npz")
    assert m2.head == "ab"
    shipped, meta = load_weights(DEFAULT_WEIGHTS)                   # the shipped default loads, whatever its head
    rgb = make_scene("beach", (20, 30), rng=0)
    assert colorize_image(shipped, rgb, 24).shape == (20, 30, 3)


def test_bins_model_colorizes_at_several_scales():
    m = _bins_model()
    rgb = make_scene("forest", (21, 30), rng=3)
    one = colorize_image(m, rgb, 16)
    many = colorize_image(m, rgb, [12, 16, 20])
    assert one.shape == many.shape == (21, 30, 3)
    assert np.isfinite(many).all()


# ------------------------------------------------------------------ CLI

def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def bins_run(tmp_path_factory):
    """A tiny bins run trained through the CLI (2 epochs on generated scenes)."""
    d = tmp_path_factory.mktemp("bins")
    code = main(["train", "synthetic:mixed", "--model", "unet", "--head", "bins", "--model-opt", "width=4",
                 "--model-opt", "depth=2", "--epochs", "2", "--images", "6", "--size", "16", "--no-augment",
                 "--val-split", "0.34", "--out", str(d / "run"), "--quiet"])
    assert code == 0
    return d


def test_train_writes_the_colour_bias_report(bins_run):
    metrics = json.loads((bins_run / "run" / "metrics.json").read_text())
    for row in ("model", "gray", "mean_ab"):
        for key in ("auc", "auc_rebalanced", "auc_rebalanced_per_image", "ciede2000", "intersection",
                    "chroma_ratio"):
            assert key in metrics["colour_bias"][row]
    assert (bins_run / "run" / "ab_histograms.png").exists()


@pytest.mark.parametrize("method", ["annealed", "mean", "mode", "mrf"])
def test_predict_with_each_decoding_writes_a_file(bins_run, tmp_path, method, capsys):
    src = tmp_path / "in.png"
    save_image(str(src), make_scene("beach", (20, 28), rng=5))
    code, out, err = _run(["predict", "--weights", bins_run / "run" / "model.npz", "--decode", method,
                           "--temperature", "0.3", src, "--out", tmp_path / "out"], capsys)
    assert code == 0, err
    assert (tmp_path / "out" / "in_color.png").exists()


def test_evaluate_prints_the_colour_bias_lines(bins_run, tmp_path, capsys):
    code, out, err = _run(["evaluate", "synthetic:mixed", "--images", "3", "--weights",
                           bins_run / "run" / "model.npz", "--decode", "mode", "--out", tmp_path / "ev"], capsys)
    assert code == 0, err
    assert "AuC reb" in out and "reb/img" in out and "CIEDE2000" in out
    assert "hist. intersection" in out and "chroma ratio" in out
    for line in ("model ", "mean-ab baseline", "gray baseline"):
        assert sum(line in row for row in out.splitlines()) >= 3      # on the metric and colour-bias rows
    assert (tmp_path / "ev" / "ab_histograms.png").exists()
    assert json.loads((tmp_path / "ev" / "metrics.json").read_text())["decode"]["method"] == "mode"


def test_decode_on_a_regression_model_is_a_clear_error(tmp_path, capsys):
    nn.manual_seed(0)
    m = build_model({"model": "unet", "width": 4, "depth": 2})
    save_weights(tmp_path / "reg.npz", m, {"size": 16})
    src = tmp_path / "in.png"
    save_image(str(src), make_scene("beach", (20, 28), rng=5))
    for cmd in (["predict", "--weights", tmp_path / "reg.npz", "--decode", "mode", src, "--out", tmp_path / "o"],
                ["evaluate", "synthetic:beach", "--images", "2", "--weights", tmp_path / "reg.npz",
                 "--temperature", "0.5"]):
        code, out, err = _run(cmd, capsys)
        assert code == 2
        assert err.startswith("error: ") and "bins head" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_head_bins_on_the_mlp_is_a_clear_error(tmp_path, capsys):
    code, out, err = _run(["train", "synthetic:beach", "--model", "mlp", "--head", "bins", "--out",
                           tmp_path / "r"], capsys)
    assert code == 2 and "conv models" in err
    code, out, err = _run(["train", "synthetic:beach", "--model", "unet", "--head", "bins", "--bins", "kmeans:x",
                           "--out", tmp_path / "r"], capsys)
    assert code == 2 and "kmeans:K" in err and len(err.strip().splitlines()) == 1


def test_validation_reads_the_logits_without_decoding(monkeypatch):
    # the trainer's validation loss needs only the logits: an MRF decoding there would cost time for nothing
    from colorize import data as D
    from colorize.models.bins_head import BinsHead
    from colorize.settings import make_loss, make_optimizer, make_scheduler, settings_for
    from colorize.train import Trainer
    ds = D.load_dataset("synthetic:beach", size=16, n=6, seed=0)
    train, val = D.split(ds, 0.34, seed=0)
    m = _bins_model(decode="mrf")
    s = settings_for("unet")
    t = Trainer(m, make_loss(s, head="bins", centres=m.bins_head.centres), make_optimizer(m, s),
                make_scheduler(make_optimizer(m, s), s), settings=s, train_set=train, val_set=val, quiet=True)

    def refuse(*args, **kwargs):
        raise AssertionError("validation decoded the logits")
    monkeypatch.setattr(BinsHead, "decode_logits", refuse)
    loss, _ = t.validate()
    assert np.isfinite(loss) and not m.bins_head.skip_decode           # restored after validation
    with inference(m), pytest.raises(AssertionError, match="decoded"):      # eval mode outside validate decodes
        m(nn.tensor(np.zeros((1, 1, 16, 16), np.float32)))
