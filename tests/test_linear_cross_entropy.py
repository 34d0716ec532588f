"""F.linear_cross_entropy, nn.LinearCrossEntropyLoss and nn.LinearCrossEntropyOptions (PyTorch 2.13's): the loss of
a linear layer's logits, cross_entropy(linear(x, W, b), target), with K-dimensional losses from a weight
(C, d1, ..., dK, in). Values by hand (NumPy's log-softmax), gradients against central differences in float64, the
checks in PyTorch's words, and the same numbers as PyTorch where it is installed (weights moved by state_dict)."""
import re
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.gradcheck import gradcheck


def _rng(seed=0):
    return np.random.default_rng(seed)


def _log_softmax(z, axis):
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def test_value_is_cross_entropy_of_the_linear_logits_with_a_k_dimensional_weight():
    rng = _rng()
    x, W, b = rng.standard_normal((5, 4)), rng.standard_normal((6, 2, 3, 4)), rng.standard_normal((6, 2, 3))
    t = rng.integers(0, 6, (5, 2, 3))
    z = np.einsum("ni,cjki->ncjk", x, W) + b                         # logits (N, C, d1, d2)
    nll = -np.take_along_axis(_log_softmax(z, 1), t[:, None], 1)[:, 0]
    out = F.linear_cross_entropy(nn.tensor(x), nn.tensor(W), nn.tensor(t), linear_bias=nn.tensor(b), reduction="none")
    assert out.shape == (5, 2, 3)
    np.testing.assert_allclose(np.asarray(out), nll, rtol=1e-12)
    mean = F.linear_cross_entropy(nn.tensor(x), nn.tensor(W), nn.tensor(t), linear_bias=nn.tensor(b))
    np.testing.assert_allclose(float(mean), nll.mean(), rtol=1e-12)


@pytest.mark.parametrize("case", ["indices", "probabilities", "k_dim", "unbatched", "smoothing_weight"])
def test_gradients_match_central_differences(case):
    rng = _rng(1)
    batch = () if case == "unbatched" else (3,)
    K = (2,) if case == "k_dim" else ()
    x = nn.tensor(rng.standard_normal(batch + (4,)), requires_grad=True)
    W = nn.tensor(rng.standard_normal((5,) + K + (4,)), requires_grad=True)
    b = nn.tensor(rng.standard_normal((5,) + K), requires_grad=True)
    if case == "probabilities":
        p = rng.random((3, 5))
        target = nn.tensor(p / p.sum(1, keepdims=True))
    else:
        target = nn.tensor(rng.integers(0, 5, batch + K))
    kwargs = dict(weight=nn.tensor(rng.random(5) + 0.5), label_smoothing=0.2) if case == "smoothing_weight" else {}
    assert gradcheck(lambda x, W, b: F.linear_cross_entropy(x, W, target, linear_bias=b, **kwargs), (x, W, b))


def test_ignore_index_defaults_to_minus_100_for_indices_and_is_refused_beside_probabilities():
    rng = _rng(2)
    x, W = nn.tensor(rng.standard_normal((3, 4))), nn.tensor(rng.standard_normal((5, 4)))
    kept = F.linear_cross_entropy(x[1:], W, nn.tensor([1, 2]))
    assert float(F.linear_cross_entropy(x, W, nn.tensor([-100, 1, 2]))) == pytest.approx(float(kept), rel=1e-12)
    assert float(F.linear_cross_entropy(x, W, nn.tensor([4, 1, 2]), ignore_index=4)) == pytest.approx(float(kept),
                                                                                                    rel=1e-12)
    with pytest.raises(RuntimeError, match=r"^ignore_index cannot be specified when target contains probabilities$"):
        F.linear_cross_entropy(x, W, nn.tensor(np.full((3, 5), 0.2)), ignore_index=1)


@pytest.mark.parametrize("args, words", [
    (((2, 3, 4), (5, 4)), "expected input with dimensionality 1 or 2, got 3"),
    (((3, 4), (4,)), "expected linear_weight with dimensionality at least 2, got 1"),
    (((3, 4), (5, 3)), "expected equal input and linear_weight last dimensions (in_features), got 4 and 3, "
                       "respectively"),
    (((4,), (5, 2, 4)), "K-dimensional loss defined by linear_weight shape (5, 2, 4) requires batched input, "
                        "(N, 4), got unbatched input with shape (4,)"),
])
def test_shape_checks_in_pytorchs_words(args, words):
    x_shape, w_shape = args
    with pytest.raises(RuntimeError, match="^" + re.escape(words) + "$"):
        F.linear_cross_entropy(nn.zeros(*x_shape), nn.zeros(*w_shape), nn.tensor([0]))
    with pytest.raises(RuntimeError, match=r"^expected linear_bias shape \(5,\), got \(4,\)$"):
        F.linear_cross_entropy(nn.zeros(3, 4), nn.zeros(5, 4), nn.tensor([0, 1, 2]), linear_bias=nn.zeros(4))


def test_options_give_the_same_loss_and_warn_where_pytorchs_chunked_path_falls_back():
    rng = _rng(3)
    x, W, t = nn.tensor(rng.standard_normal((3, 4))), nn.tensor(rng.standard_normal((5, 4))), nn.tensor([0, 4, 2])
    options = nn.LinearCrossEntropyOptions()
    with warnings.catch_warnings():
        warnings.simplefilter("error")                 # int64 targets, no smoothing: PyTorch's chunked path, silent
        chunked = F.linear_cross_entropy(x, W, t, options=options)
    assert float(chunked) == float(F.linear_cross_entropy(x, W, t))
    with pytest.warns(UserWarning, match=r"^linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
                                         r"\{'mean','sum','none'\}, label_smoothing == 0, target.dtype == int64, "
                                         r"out_features == \(\)\. Got reduction='mean', label_smoothing=0\.1, "
                                         r"target\.dtype=nn\.int64, out_features=\(\), tracing=False, "
                                         r"linear_bias\.shape=None\.$"):
        F.linear_cross_entropy(x, W, t, label_smoothing=0.1, options=options)


def test_options_fields_defaults_and_checks_are_pytorchs():
    assert repr(nn.LinearCrossEntropyOptions()) == (
        "LinearCrossEntropyOptions(allow_retain_graph=False, batch_chunk_size=None, chunking_method='auto', "
        "acc_policy='auto', acc_dtype=None)")
    nn.LinearCrossEntropyOptions(chunking_method="aspect_ratio:2", batch_chunk_size=8, acc_dtype=nn.float32)
    for kwargs, words in [(dict(acc_policy="fast"), "invalid acc_policy: 'fast'"),
                          (dict(chunking_method="aspect_ratio:0"), "invalid chunking_method: 'aspect_ratio:0'"),
                          (dict(batch_chunk_size=0), "batch_chunk_size must be positive int or None, got 0")]:
        with pytest.raises(ValueError, match="^" + re.escape(words) + "$"):
            nn.LinearCrossEntropyOptions(**kwargs)
    with pytest.raises(ValueError, match=r"^acc_dtype must be one of .* got nn\.int32\. Pass acc_dtype=None"):
        nn.LinearCrossEntropyOptions(acc_dtype=nn.int32)


def test_module_holds_a_flat_linear_prints_and_checks_as_pytorchs():
    loss = nn.LinearCrossEntropyLoss(4, 6, out_features=(2, 3), bias=True, reduction="sum")
    assert list(loss.state_dict()) == ["linear.weight", "linear.bias"]
    assert loss.linear.weight.shape == (36, 4) and loss.linear.bias.shape == (36,)
    assert repr(loss) == (
        "LinearCrossEntropyLoss(\n  in_features=4, num_classes=6, out_features=(2, 3), bias=True, reduction=sum, "
        "ignore_index=None, label_smoothing=0.0, options=None\n  (linear): Linear(in_features=4, out_features=36, "
        "bias=True)\n)")
    rng = _rng(4)
    x, t = nn.tensor(rng.standard_normal((5, 4)), dtype=nn.float32), nn.tensor(rng.integers(0, 6, (5, 2, 3)))
    w, b = loss.linear.weight.detach().reshape(6, 2, 3, 4), loss.linear.bias.detach().reshape(6, 2, 3)
    np.testing.assert_allclose(float(loss(x, t).detach()),
                               float(F.linear_cross_entropy(x, w, t, linear_bias=b, reduction="sum")), rtol=1e-6)
    with pytest.raises(RuntimeError, match=r"^expected weight shape to be \(6,\), got \(5,\)$"):
        nn.LinearCrossEntropyLoss(4, 6, weight=nn.ones(5))
    with pytest.raises(RuntimeError, match=r"^expected label_smoothing to be in range \[0, 1\], got 1\.5$"):
        nn.LinearCrossEntropyLoss(4, 6, label_smoothing=1.5)


@pytest.mark.parametrize("kwargs", [dict(), dict(bias=True, weight=True, label_smoothing=0.1),
                                    dict(out_features=(2, 3), bias=True, reduction="none"), dict(ignore_index=2)])
def test_module_agrees_with_pytorch(kwargs):
    torch = pytest.importorskip("torch")
    rng = _rng(5)
    kwargs = dict(kwargs)
    if kwargs.pop("weight", False):
        kwargs["weight"] = rng.random(6) + 0.5
    theirs_kwargs = {k: torch.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
    ours_kwargs = {k: nn.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
    theirs = torch.nn.LinearCrossEntropyLoss(4, 6, **theirs_kwargs).double()
    ours = nn.LinearCrossEntropyLoss(4, 6, **ours_kwargs).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    x, t = rng.standard_normal((5, 4)), rng.integers(0, 6, (5,) + kwargs.get("out_features", ()))
    a, b = theirs(torch.tensor(x), torch.tensor(t)), ours(nn.tensor(x), nn.tensor(t))
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_allclose(np.asarray(b.detach()), a.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.asarray(ours.linear.weight.grad), theirs.linear.weight.grad.numpy(), rtol=1e-12,
                               atol=1e-14)
