"""diffsort 0.2.0 (differentiable sorting networks), torch_cka 0.21 (CKA similarity of two models through forward
hooks) and torchlayers 0.1.1 (shape-inferring layers), from the package registry: installed from their wheels with
--no-deps into a private folder (tqdm 4.70.1 beside them; matplotlib's Agg backend for torch_cka's plots), every .py
file ported by the porting rule (renamed diffsortp, torch_ckap, torchlayersp) and run against the originals on
PyTorch 2.13 in one process, float64 (and float32 as shipped), PyTorch's weights (perturbed by U(0.05, 0.2), so
none is 0 or 1) loaded into nn's models by state_dict, the same NumPy inputs, and StandardNormalNoise's
``randn_like`` read from one NumPy stream per side. One change outside the rule: torchlayers has a submodule of its
own named ``torch`` (``_inferable/torch.py``), so the rule's ``from . import custom, torch`` -> ``..., nn`` was put
back (the attribute reads ``_inferable.torch.X`` are left alone by the rule).

diffsort: ``DiffSortNet`` / ``sort`` over both networks (bitonic, odd_even), sizes 2, 3, 4, 5, 7, 8, 9, 16 (ties
included), every distribution (logistic, logistic_phi, gaussian through its ``NormalCDF`` autograd.Function,
reciprocal, cauchy, optimal) and steepness 1, 10, 50: sorted values 3.4e-16, permutation matrices 1.4e-15, input
gradients through both 1.7e-13 (the worst cases are PyTorch's own conditioning: disturbing the input by an ulp moves
PyTorch's gradient 1.5e-14 to 1.1e-10); float32 4.3e-7 / 4.3e-6 / 1.4e-5; the networks' matrices exactly equal
(float32); its errors (unknown network or distribution, both distribution arguments, a network on another device)
the same types and words. torch_cka: ``CKA`` of a CNN (Conv2d, BatchNorm2d, MaxPool2d, Linear) against an MLP
(Flatten, Tanh, GELU) over ``DataLoader``s of a ``TensorDataset`` (one or two loaders, chosen layers, names, batch
sizes 4 and 6): float32 as shipped 1e-4 - 3e-3 (its unbiased HSIC cancels large terms in float32), float64 (default
dtype float64 on both sides) 1.7e-12, where PyTorch against itself with the input disturbed by an ulp moves 6.5e-13;
layer names, model names, warnings and the saved heat-map PNG equal; with float64 models and the float32
``torch.ones`` of its HSIC both sides raise "expected m1 and m2 to have the same dtype, but got: float != double".
torchlayers: reprs of 47 layers before the first forward, ``build`` of a text CNN (Conv1d), the classification model
of its tests (Residual, grouped Conv, GroupNorm, ChannelShuffle, SqueezeExcitation, Dropout2d, InstanceNorm, Poly /
WayPoly of Fire, StochasticDepth, GlobalAvgPool), an auto-encoder (InvertedResidualBottleneck with and without
squeeze-excitation, SeparableConv, DepthwiseConv, MPoly, ConvPixelShuffle, StandardNormalNoise, ConvTranspose,
dilated and rectangular "same" convolutions), a 3-d and a circular-padded 1-d model, and the recurrent layers and
cells (GRU, LSTM bidirectional, RNN with relu, RNNCell, GRUCell, LSTMCell, MultiheadAttention): outputs 6.0e-14,
input gradients 1.4e-13, parameter gradients 3.5e-13 of the largest, weights after 3 SGD (momentum) steps 1.5e-13,
eval 6.3e-14, the state_dict through nn.save read by torch.load the same; after 3 Adam steps 2.9e-7 on the conv
biases in front of a BatchNorm / InstanceNorm (their gradient is zero in exact arithmetic, and Adam's first step is
lr * sign of each side's rounding); ICNR initialisation with the same draws bit-equal; Dropout(1d/2d/3d) whole
channels at the rate asked; 57 error cases the same types and words, but for those below.

Differences nn's side met (each fixed here, and failing before):
- ``torchlayers.build`` round-trips the model through ``torch.save`` / ``torch.load``, which PyTorch 2.13 refuses
  (weights_only): ``pickle.UnpicklingError`` "Weights only load failed. This file can still be loaded, ...
  Unsupported global: GLOBAL torch.nn.modules.container.Sequential ...". nn refused with its own words ("refers
  to ..., which a weight file does not need; refused ..."); now PyTorch's message, for a blocked module (sys, os,
  posix, nt) too, and a builtin named bare (nn/serialization_torch.py).
- ``torchlayers.RNN(hidden_size=...)`` is built from ``inspect.signature(torch.nn.RNN.__init__)``, which is
  ``(*args, **kwargs)`` in PyTorch: nn's explicit signature made torchlayers pass and print every default
  (``nonlinearity=tanh, device=None, dtype=None``, ``bias=True`` where PyTorch's repr says ``bias=False``).
  ``nn.RNN`` now takes ``*args, **kwargs`` as PyTorch's: ``proj_size`` given by keyword is PyTorch's ValueError
  (a TypeError before), missing sizes name ``RNNBase.__init__()`` (nn/modules/rnn.py).
- The Transformer layers' ``activation`` defaults to the function ``F.relu`` in PyTorch (``'relu'`` in nn): with
  PyTorch's default torchlayers' generated ``__init__`` is a SyntaxError (``<function relu at 0x...>``), so
  ``torchlayers.TransformerEncoderLayer(...)`` fails on PyTorch and worked on nn (nn/modules/transformer.py).
- A convolution whose groups do not divide its channels: PyTorch's ValueError "in_channels must be divisible by
  groups" / "out_channels must be divisible by groups" (nn named both counts in words of its own;
  nn/modules/conv.py, threedim.py).
- ``F.pixel_shuffle`` / ``pixel_unshuffle`` (torchlayers' ConvPixelShuffle on a 1-d signal): ATen's RuntimeErrors
  in its order and words (dimensions, factor, channels / height / width; a float factor the parser's TypeError),
  where nn raised one ValueError of its own (nn/functional/shapes.py).
- torch_cka's ``export()`` names each dataset by ``repr(dataloader.dataset)``: PyTorch's
  "<torch.utils.data.dataset.TensorDataset object at 0x...>", nn's "<nn.utils.data.TensorDataset ...>"; the
  dataset, sampler and DataLoader classes now name PyTorch's submodules (nn.utils.data.dataset, .sampler,
  .dataloader), which bind them (nn/utils/data/__init__.py).
Still different (not fixed): nn's ShapeError (a RuntimeError) where PyTorch raises RuntimeError itself (reshape,
broadcasting, cat's sizes); torchlayers' ``Dense`` calls ``torch.cat(t, t, dim=1)``, Python's "cat() got multiple
values for argument 'dim'" in nn, the parser's "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not
Tensor" in PyTorch; a convolution layer's unknown padding string or padding_mode keeps nn's words (PyTorch prints a
set, in the hash seed's order); a refused weights-only load is nn's TorchFileError (also an UnpicklingError and a
ValueError); ``dir(torchlayers)`` lists all of nn (nn is torch and torch.nn at once); float16 (diffsort's Half
path) is no dtype of nn's; ``RNN`` with proj_size given positionally is refused (PyTorch builds it);
``PixelShuffle(0)`` is refused when built (PyTorch at forward); ``pixel_unshuffle`` of a 0-channel input is
(N, 0, H/r, W/r) where PyTorch returns the input's shape.
The last two tests pin agreements measured (a Cauchy odd-even sorting network and its gradient; torch_cka's
float64-by-float32 HSIC product refused in PyTorch's words): they pass on the tree before too.
"""
import inspect
import io
import pickle
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F

from porting import raised

_UNSAFE = ("In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` from `False` "
           "to `True`. Re-running `torch.load` with `weights_only` set to `False` will likely succeed, but it can "
           "result in arbitrary code execution. Do it only if you got the file from a trusted source.")
_DOCS = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default with weights_only "
         "https://pytorch.org/docs/stable/generated/torch.load.html.")


def _unsupported(path):
    return ("Weights only load failed. This file can still be loaded, to do so you have two options, \x1b[1mdo those "
            "steps only if you trust the source of the checkpoint\x1b[0m. \n\t(1) " + _UNSAFE + "\n\t(2) "
            "Alternatively, to load with `weights_only=True` please check the recommended steps in the following "
            f"error message.\n\tWeightsUnpickler error: Unsupported global: GLOBAL {path} was not an allowed global "
            f"by default. Please use `torch.serialization.add_safe_globals([{path}])` or the "
            f"`torch.serialization.safe_globals([{path}])` context manager to allowlist this global if you trust "
            f"this class/function." + _DOCS)


def _saved(obj):
    buf = io.BytesIO()
    nn.save(obj, buf)
    return buf.getvalue()


def test_weights_only_load_refuses_a_whole_model_in_pytorchs_words():
    """torchlayers.build: torch.save(module, buffer); torch.load(io.BytesIO(buffer.getvalue()))."""
    data = _saved(nn.Sequential(nn.Linear(3, 2)))
    with pytest.raises(pickle.UnpicklingError) as info:
        nn.load(io.BytesIO(data))
    assert str(info.value) == _unsupported("nn.modules.container.Sequential")
    assert raised(lambda: nn.load(io.BytesIO(_saved({"a": slice(1, 2)})), weights_only=True))[1] == \
        _unsupported("slice")                                   # a builtin named bare
    import os
    assert raised(lambda: nn.load(io.BytesIO(_saved({"f": os.getcwd}))))[1] == (
        f"Weights only load failed. {_UNSAFE}\n\n\nTrying to load unsupported GLOBAL {os.getcwd.__module__}."
        f"getcwd whose module {os.getcwd.__module__} is blocked." + _DOCS)
    back = nn.load(io.BytesIO(data), weights_only=False)        # the trusted load, as PyTorch's advice says
    assert type(back) is nn.Sequential and back[0].weight.shape == (2, 3)


def test_weights_only_refusal_of_a_pytorch_file_is_pytorchs_message():
    torch = pytest.importorskip("torch")
    for obj in (torch.nn.Sequential(torch.nn.Linear(3, 2)), {"a": slice(1, 2)}, {"f": torch.nn.functional.relu}):
        buf = io.BytesIO()
        torch.save(obj, buf)
        want = raised(lambda: torch.load(io.BytesIO(buf.getvalue())))
        got = raised(lambda: nn.load(io.BytesIO(buf.getvalue())))
        assert want[0] == "UnpicklingError" and got[1] == want[1]


def test_rnn_takes_args_and_kwargs_as_pytorchs():
    """torchlayers.RNN(hidden_size=5): its __init__ is generated from the parameters of nn.RNN.__init__."""
    assert [str(p) for p in inspect.signature(nn.RNN.__init__).parameters.values()] == ["self", "*args", "**kwargs"]
    m = nn.RNN(4, 6, 2, "relu", False, True)                    # nonlinearity 4th, then RNNBase's arguments
    assert (m.nonlinearity, m.mode, m.num_layers, m.bias, m.batch_first) == ("relu", "RNN_RELU", 2, False, True)
    assert repr(m) == "RNN(4, 6, num_layers=2, bias=False, batch_first=True)"
    assert nn.RNN(4, 6, nonlinearity="relu", dropout=0.0).mode == "RNN_RELU"
    assert raised(lambda: nn.RNN(4, 6, proj_size=0)) == (
        "ValueError", "proj_size argument is only supported for LSTM, not RNN or GRU")
    assert raised(lambda: nn.RNN(4, 6, 1, "sigmoid")) == (
        "ValueError", "Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'.")
    assert raised(lambda: nn.RNN()) == (
        "TypeError", "RNNBase.__init__() missing 2 required positional arguments: 'input_size' and 'hidden_size'")
    assert raised(lambda: nn.RNN(4, 6, foo=1)) == (
        "TypeError", "RNNBase.__init__() got an unexpected keyword argument 'foo'")
    x = nn.tensor(np.linspace(-1, 1, 2 * 3 * 4).reshape(2, 3, 4), dtype=nn.float32)
    assert m(x)[0].shape == (2, 3, 6)


def test_transformer_layers_default_activation_is_f_relu():
    """torchlayers exec()s "def __init__(self, nhead, ..., activation=<function relu at 0x...>, ...)": PyTorch's
    default is the function F.relu, so that fails (SyntaxError) as on PyTorch."""
    for cls in (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer, nn.Transformer):
        default = inspect.signature(cls.__init__).parameters["activation"].default
        assert default is F.relu and str(inspect.signature(cls.__init__).parameters["activation"]).startswith(
            "activation=<function relu at 0x")
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0)
    assert layer.activation is F.relu and layer.activation_relu_or_gelu == 1
    assert nn.TransformerDecoderLayer(4, 2, 8).activation is F.relu
    x = nn.tensor(np.linspace(-2, 2, 3 * 2 * 4).reshape(3, 2, 4), dtype=nn.float32)
    named = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation="relu")
    named.load_state_dict(layer.state_dict())
    np.testing.assert_array_equal(layer(x).detach().numpy(), named(x).detach().numpy())
    default = inspect.signature(nn.TransformerEncoderLayer).parameters["activation"].default
    with pytest.raises(SyntaxError):
        exec(f"def __init__(self, activation={default}):\n pass", {})


@pytest.mark.parametrize("cls", ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
                                 "ConvTranspose3d"])
def test_convolution_groups_words(cls):
    """torchlayers.Conv(3, groups=2) on 2 channels: PyTorch's _ConvNd checks in_channels, then out_channels."""
    layer = getattr(nn, cls)
    assert raised(lambda: layer(3, 4, 3, groups=2)) == ("ValueError", "in_channels must be divisible by groups")
    assert raised(lambda: layer(2, 3, 3, groups=2)) == ("ValueError", "out_channels must be divisible by groups")
    assert raised(lambda: layer(3, 3, 3, groups=2)) == ("ValueError", "in_channels must be divisible by groups")
    assert layer(4, 6, 3, groups=2).weight.shape[:2] in ((6, 2), (4, 3))


def test_pixel_shuffle_errors_are_atens():
    """torchlayers.ConvPixelShuffle on (N, C, L): PixelShuffle of a 3-d input reads its channels at dim -3."""
    x3 = nn.ones(1, 8, 5)
    assert raised(lambda: nn.PixelShuffle(2)(x3)) == (
        "RuntimeError", "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                        "upscale_factor, but input.size(-3)=1 is not divisible by 4")
    assert raised(lambda: F.pixel_shuffle(nn.ones(8, 5), 2)) == (
        "RuntimeError", "pixel_shuffle expects input to have at least 3 dimensions, but got input with 2 dimension(s)")
    assert raised(lambda: F.pixel_shuffle(nn.ones(2, 8, 4, 4), 0)) == (
        "RuntimeError", "pixel_shuffle expects a positive upscale_factor, but got 0")
    assert raised(lambda: F.pixel_shuffle(nn.ones(2, 4, 3, 3), 2.0)) == (
        "TypeError", "pixel_shuffle(): argument 'upscale_factor' (position 2) must be int, not float")
    assert raised(lambda: F.pixel_unshuffle(x3, 2)) == (
        "RuntimeError", "pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=5 is "
                        "not divisible by 2")
    assert raised(lambda: F.pixel_unshuffle(nn.ones(2, 8, 5, 4), 2)) == (
        "RuntimeError", "pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=5 is "
                        "not divisible by 2")
    assert raised(lambda: F.pixel_unshuffle(nn.ones(8, 4), 2)) == (
        "RuntimeError", "pixel_unshuffle expects input to have at least 3 dimensions, but got input with 2 "
                        "dimension(s)")
    assert raised(lambda: F.pixel_unshuffle(nn.ones(2, 8, 4, 4), -1)) == (
        "RuntimeError", "pixel_unshuffle expects a positive downscale_factor, but got -1")
    x = nn.tensor(np.arange(2 * 8 * 4 * 6, dtype=np.float64).reshape(2, 8, 4, 6))
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())


def test_pixel_shuffle_errors_against_pytorch():
    torch = pytest.importorskip("torch")
    for shape in ((8, 5), (1, 8, 5), (8, 4, 4), (2, 8, 5, 4), (2, 8, 4, 5), (2, 9, 6, 6), (3, 2, 8, 6, 6)):
        for r in (2, 0, -1, 3, 1, 2.0, True):
            x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
            for fn in ("pixel_shuffle", "pixel_unshuffle"):
                try:
                    want = ("ok", getattr(torch.nn.functional, fn)(torch.tensor(x), r).numpy())
                except Exception as e:  # noqa: BLE001 - the point is which one
                    want = (type(e).__name__, str(e))
                try:
                    got = ("ok", getattr(F, fn)(nn.tensor(x), r).numpy())
                except Exception as e:  # noqa: BLE001
                    got = (type(e).__name__, str(e))
                if want[0] == "ok":
                    assert got[0] == "ok" and np.array_equal(got[1], want[1]), (fn, shape, r)
                else:
                    assert got == want, (fn, shape, r)


def test_dataset_sampler_and_loader_classes_name_pytorchs_submodules():
    """torch_cka: self.model1_info['Dataset'] = dataloader1.dataset.__repr__().split('\\n')[0]."""
    data = nn.utils.data
    ds = data.TensorDataset(nn.ones(3, 2))
    loader = data.DataLoader(ds, batch_size=2)
    assert repr(loader.dataset).startswith("<nn.utils.data.dataset.TensorDataset object at 0x")
    assert {c.__module__ for c in (data.Dataset, data.IterableDataset, data.Subset, data.ConcatDataset,
                                   data.ChainDataset, data.StackDataset, data.random_split)} == \
        {"nn.utils.data.dataset"}
    assert {c.__module__ for c in (data.Sampler, data.SequentialSampler, data.RandomSampler, data.BatchSampler,
                                   data.SubsetRandomSampler, data.WeightedRandomSampler)} == {"nn.utils.data.sampler"}
    assert data.DataLoader.__module__ == "nn.utils.data.dataloader"
    back = pickle.loads(pickle.dumps((ds, data.RandomSampler(range(3)), data.random_split)))
    assert type(back[0]) is data.TensorDataset and type(back[1]) is data.RandomSampler and back[2] is data.random_split
    assert np.array_equal(back[0][1][0].numpy(), np.ones(2, np.float32))


def test_sorting_network_agrees_with_pytorch():
    """diffsort's execute_sort on a 4-wire odd-even network: a Cauchy swap and its gradient (pinned agreement)."""
    torch = pytest.importorskip("torch")
    x = np.array([[0.3, -1.2, 0.3, 2.0], [1.0, 0.5, -0.5, -1.0]])
    nets = []
    for shifted in (False, True, False, True):
        pairs = [(1, 2)] if shifted else [(0, 1), (2, 3)]
        k = len(pairs) + (2 if shifted else 0)
        sa, sb, cmin, cmax = np.zeros((k, 4)), np.zeros((k, 4)), np.zeros((4, k)), np.zeros((4, k))
        for c, (a, b) in enumerate(pairs):
            sa[c, a] = sb[c, b] = cmin[a, c] = cmax[b, c] = 1
        if shifted:
            for c, a in ((1, 0), (2, 3)):
                sa[c, a] = sb[c, a] = 1
                cmin[a, c] = cmax[a, c] = 0.5
        nets.append((sa, sb, cmin, cmax))

    def run(lib, x):
        X = lib.eye(4, dtype=x.dtype).repeat(x.shape[0], 1, 1)
        for sa, sb, cmin, cmax in nets:
            sa, sb, cmin, cmax = (lib.tensor(m, dtype=lib.float32).type(x.dtype) for m in (sa, sb, cmin, cmax))
            a, b = x @ sa.T, x @ sb.T
            alpha = 1 / np.pi * lib.atan(10.0 * (b - a)) + .5
            aX, bX = X @ sa.T, X @ sb.T
            w_min = alpha.unsqueeze(-2) * aX + (1 - alpha).unsqueeze(-2) * bX
            w_max = (1 - alpha).unsqueeze(-2) * aX + alpha.unsqueeze(-2) * bX
            X = (w_max @ cmax.T.unsqueeze(-3)) + (w_min @ cmin.T.unsqueeze(-3))
            x = (alpha * a + (1 - alpha) * b) @ cmin.T + ((1 - alpha) * a + alpha * b) @ cmax.T
        return x, X

    xt, xn = torch.tensor(x, requires_grad=True), nn.tensor(x, requires_grad=True)
    (yt, Pt), (yn, Pn) = run(torch, xt), run(nn, xn)
    W = np.linspace(-1, 1, 32).reshape(2, 4, 4)
    (yt.sum() + (Pt * torch.tensor(W)).sum()).backward()
    (yn.sum() + (Pn * nn.tensor(W)).sum()).backward()
    np.testing.assert_allclose(yn.detach().numpy(), yt.detach().numpy(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(Pn.detach().numpy(), Pt.detach().numpy(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=0, atol=1e-13 * np.abs(xt.grad.numpy()).max())


def test_cka_hsic_of_float64_features_and_float32_ones_is_refused():
    """torch_cka's _HSIC: torch.ones(N, 1) (float32) against float64 features, as PyTorch refuses it."""
    K = nn.tensor(np.ones((4, 4)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert raised(lambda: K @ nn.ones(4, 1)) == (
            "RuntimeError", "expected m1 and m2 to have the same dtype, but got: double != float")
        assert raised(lambda: nn.ones(4, 1).t() @ K) == (
            "RuntimeError", "expected m1 and m2 to have the same dtype, but got: float != double")
