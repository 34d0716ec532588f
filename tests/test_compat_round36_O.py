"""SE(3)-equivariant attention and a GAN zoo from the package registry: se3-transformer-pytorch 0.9.0 and torchgan
0.1.0 (installed with --no-deps), ported by the porting rule (se3_transformer_pytorchp, torchganp) and run against
the originals on PyTorch 2.13 in float64 with PyTorch's weights and its random draws handed over: SE3Transformer
(neighbours, adjacency, edges, global features, linear / one-headed / tied keys, EGNN, reversible), the basis,
ConvSE3 / NormSE3 / LinearSE3 / AttentionSE3, an equivariance check; torchgan's models, losses, layers and
Trainer.

The failures these tests pin down, in a few lines (the packages are not imported here):

- torchgan's ``mutual_information_penalty`` takes ``dist.log_prob(c)`` of a ``OneHotCategorical`` and a
  ``Normal``; given codes of the wrong width PyTorch raises ValueError "The right-most size of value must match
  event_shape: ..." and nn a broadcasting ShapeError; given a vector that is not one-hot PyTorch raises ValueError
  "Expected value argument (...) to be within the support (OneHot()) ..." and nn returned a number. nn's families
  never checked log_prob's value (PyTorch's each start with ``if self._validate_args: self._validate_sample(value)``):
  a Bernoulli of 0.5, a Poisson of -1, a Uniform beyond its bounds, a Normal of NaN, a Dirichlet off the simplex,
  a float instead of a Tensor all gave numbers. Now nn's own families validate there (the base class wraps their
  log_prob), unless the instance was built with validate_args=False (now kept on the instance) or validation is
  off by default; a user's subclass validates by itself, as on PyTorch. Multinomial had no support (PyTorch's:
  non-negative counts summing to at most total_count).
- ``_validate_sample`` read the public event_shape / batch_shape, where PyTorch reads the stored _event_shape /
  _batch_shape: a subclass that presents another event_shape (gpytorch's multitask normal, (n, t) over n * t
  values) was refused.
- ``OneHotCategorical.log_prob`` weighted the logits by the value; PyTorch takes the category of the vector's
  first largest entry (``value.max(-1)[1]``): with validation off, [0.5, 0.5] under probs [0.2, 0.8] is log 0.2.
"""
import math
import sys

import numpy as np
import pytest

import nn
from nn.distributions import (Bernoulli, Beta, Categorical, Dirichlet, Distribution, Exponential, MultivariateNormal,
                              Normal, OneHotCategorical, Poisson, Uniform, constraints)

SUPPORT = r"^Expected value argument \(Tensor of shape \({}\)\) to be within the support "


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


@pytest.fixture(autouse=True)
def _validation_on():
    """Validation on (PyTorch's default) on both sides for each test: torch._dynamo, once set up by another test
    of the suite, turns PyTorch's default off for good (eval_frame's patching)."""
    torch = sys.modules.get("torch")
    saved = Distribution._validate_args, torch and torch.distributions.Distribution._validate_args
    Distribution.set_default_validate_args(True)
    if torch:
        torch.distributions.Distribution.set_default_validate_args(True)
    yield
    Distribution.set_default_validate_args(saved[0])
    if torch:
        torch.distributions.Distribution.set_default_validate_args(saved[1])


# ---- log_prob checks its value against the support ------------------------------------------------------------

@pytest.mark.parametrize("build, value, shape", [
    (lambda: Bernoulli(probs=nn.tensor([0.3])), [0.5], "1,"),
    (lambda: Poisson(nn.tensor([1.0])), [-1.0], "1,"),
    (lambda: Exponential(nn.tensor([1.0])), [-1.0], "1,"),
    (lambda: Uniform(nn.tensor([0.0]), nn.tensor([1.0])), [2.0], "1,"),
    (lambda: Beta(nn.tensor([2.0]), nn.tensor([2.0])), [1.5], "1,"),
    (lambda: Normal(nn.tensor([0.0]), nn.tensor([1.0])), [float("nan")], "1,"),
    (lambda: Dirichlet(nn.tensor([1.0, 2.0])), [0.3, 0.3], "2,"),
    (lambda: OneHotCategorical(probs=nn.tensor([0.2, 0.8])), [0.5, 0.5], "2,"),
])
def test_log_prob_refuses_a_value_outside_the_support(build, value, shape):
    # PyTorch 2.13 (validation on by default): ValueError "Expected value argument (Tensor of shape (1,)) to be
    # within the support (Boolean()) of the distribution Bernoulli(...), but found invalid values: ..."; the same
    # for a Poisson of -1, an Exponential of -1, Uniform(0, 1) of 2, a Beta of 1.5, a Normal of NaN, a Dirichlet of
    # [0.3, 0.3] and a OneHotCategorical of [0.5, 0.5] (nn returned -0.78, -inf, 1, -inf, NaN, NaN, -0.51, -0.92)
    with pytest.raises(ValueError, match=SUPPORT.format(shape)):
        build().log_prob(nn.tensor(value, dtype=nn.float64))


def test_log_prob_refuses_a_categorical_index_out_of_range_as_a_support_error():
    # PyTorch: Categorical(probs=[0.2, 0.8]).log_prob(tensor([5])) -> ValueError (IntegerInterval(0, 1)), not the
    # gather's IndexError nn raised
    with pytest.raises(ValueError, match=SUPPORT.format("1,")):
        Categorical(probs=nn.tensor([0.2, 0.8])).log_prob(nn.tensor([5]))


def test_log_prob_checks_the_value_shape_and_type():
    # PyTorch: Normal of batch (2,) at a (1, 3) value -> "Value is not broadcastable with batch_shape+event_shape:
    # torch.Size([1, 3]) vs torch.Size([2])." (nn: a broadcasting ShapeError); MultivariateNormal of event (2,) at
    # (3,) -> "The right-most size of value must match event_shape: ..."; a float -> "The value argument to
    # log_prob must be a Tensor" (nn computed)
    with pytest.raises(ValueError, match=r"^Value is not broadcastable with batch_shape\+event_shape: \(1, 3\) vs \(2,\)"):
        Normal(nn.zeros(2), nn.ones(2)).log_prob(nn.ones(1, 3))
    with pytest.raises(ValueError, match=r"^The right-most size of value must match event_shape: \(3,\) vs \(2,\)"):
        MultivariateNormal(nn.zeros(2), covariance_matrix=nn.eye(2)).log_prob(nn.ones(3))
    with pytest.raises(ValueError, match=r"^The value argument to log_prob must be a Tensor$"):
        Normal(nn.tensor(0.0), nn.tensor(1.0)).log_prob(0.5)
    # torchgan's mutual_information_penalty with codes of the wrong width: OneHotCategorical over 4 classes, (2, 3)
    with pytest.raises(ValueError, match=r"^The right-most size of value must match event_shape: \(2, 3\) vs \(4,\)"):
        OneHotCategorical(logits=nn.zeros(2, 4)).log_prob(nn.tensor(np.eye(3)[:2]))


def test_validation_off_computes_as_pytorch():
    # PyTorch: validate_args=False (by keyword or position) or set_default_validate_args(False) skips the check:
    # Normal(0, 1, False).log_prob(nan) -> nan, Uniform(0, 1).log_prob(2.) -> -inf; in range nothing changes
    # (validation on, the default: Normal(0, 1).log_prob(nan) is the support's ValueError; nn gave nan)
    with pytest.raises(ValueError, match=SUPPORT.format("")):
        Normal(nn.tensor(0.0), nn.tensor(1.0)).log_prob(nn.tensor(float("nan")))
    assert math.isnan(Normal(nn.tensor(0.0), nn.tensor(1.0), False).log_prob(nn.tensor(float("nan"))).item())
    assert math.isnan(Normal(nn.tensor(0.0), nn.tensor(1.0), validate_args=False)
                      .log_prob(nn.tensor(float("nan"))).item())
    assert Uniform(nn.tensor(0.0), nn.tensor(1.0), validate_args=False).log_prob(nn.tensor(2.0)).item() == -math.inf
    Distribution.set_default_validate_args(False)
    try:
        assert Uniform(nn.tensor(0.0), nn.tensor(1.0)).log_prob(nn.tensor(2.0)).item() == -math.inf
    finally:
        Distribution.set_default_validate_args(True)
    np.testing.assert_allclose(Normal(nn.tensor(0.0), nn.tensor(1.0)).log_prob(nn.tensor(0.5)).item(),
                               -0.125 - 0.5 * math.log(2 * math.pi), rtol=1e-7)

    # a user's subclass with its own log_prob validates by itself, as on PyTorch (nothing is wrapped for it)
    class Flat(Distribution):
        support = constraints.unit_interval

        def log_prob(self, value):
            return value * 0

    assert Flat().log_prob(nn.tensor(5.0)).item() == 0


def test_validate_sample_reads_the_stored_event_shape():
    # PyTorch's _validate_sample compares with self._event_shape / self._batch_shape: a MultivariateNormal subclass
    # that presents event_shape (3, 2) over 6 values (as gpytorch's MultitaskMultivariateNormal) takes a (6,) value
    # and its log_prob is the 6-d density (PyTorch: N(0, I_6) at 0 -> -3 log(2 pi) = -5.5136); nn raised
    # "The right-most size of value must match event_shape: (6,) vs (3, 2)."
    class FlatEvent(MultivariateNormal):
        @property
        def event_shape(self):
            return (3, 2)

    d = FlatEvent(nn.zeros(6, dtype=nn.float64), covariance_matrix=nn.eye(6, dtype=nn.float64))
    d._validate_sample(nn.zeros(6, dtype=nn.float64))
    np.testing.assert_allclose(d.log_prob(nn.zeros(6, dtype=nn.float64)).item(), -3 * math.log(2 * math.pi),
                               rtol=1e-12)


# ---- OneHotCategorical.log_prob reads the category ---------------------------------------------------------------

def test_one_hot_categorical_log_prob_takes_the_first_largest_entry():
    # PyTorch: OneHotCategorical(probs=[0.2, 0.8], validate_args=False).log_prob([0.5, 0.5]) = log 0.2 = -1.6094
    # (value.max(-1)[1] is index 0); nn weighted the logits by the value: 0.5 log 0.2 + 0.5 log 0.8 = -0.9163
    d = OneHotCategorical(probs=nn.tensor([0.2, 0.8], dtype=nn.float64), validate_args=False)
    np.testing.assert_allclose(d.log_prob(nn.tensor([0.5, 0.5], dtype=nn.float64)).item(), math.log(0.2), rtol=1e-12)
    np.testing.assert_allclose(d.log_prob(nn.tensor([0.1, 0.7], dtype=nn.float64)).item(), math.log(0.8), rtol=1e-12)
    # the support is PyTorch's OneHot(): a multi-hot or a zero vector is refused (nn's support was an independent
    # Boolean, which took them)
    assert repr(OneHotCategorical(probs=nn.tensor([0.2, 0.8])).support) == "OneHot()"
    for bad in ([1.0, 1.0], [0.0, 0.0]):
        with pytest.raises(ValueError, match=SUPPORT.format("2,") + r"\(OneHot\(\)\)"):
            OneHotCategorical(probs=nn.tensor([0.2, 0.8])).log_prob(nn.tensor(bad))
    # one-hot values as before, and the gradient to the logits: d log_softmax(l)_k / dl = e_k - softmax(l)
    logits = np.array([[0.3, -1.2, 0.5], [1.0, 0.0, -0.5]])
    value = np.eye(3)[[2, 0]]
    L = nn.tensor(logits, requires_grad=True)
    lp = OneHotCategorical(logits=L).log_prob(nn.tensor(value))
    soft = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(_f(lp), np.log((soft * value).sum(-1)), rtol=1e-12)
    lp.sum().backward()
    np.testing.assert_allclose(_f(L.grad), value - soft, rtol=1e-12, atol=1e-15)
    # a masked class (-inf logit) gives -inf there, as PyTorch's
    assert OneHotCategorical(logits=nn.tensor([[0.0, -math.inf, 1.0]])).log_prob(nn.tensor([[0.0, 1.0, 0.0]])).item() \
        == -math.inf


# ---- side by side with PyTorch, where it is installed -------------------------------------------------------------

CASES = [("Bernoulli", dict(probs=[0.3]), [0.5]), ("Categorical", dict(probs=[0.2, 0.8]), [5]),
         ("Poisson", dict(rate=[1.0]), [-1.0]), ("Normal", dict(loc=[0.0], scale=[1.0]), [float("nan")]),
         ("Exponential", dict(rate=[1.0]), [-1.0]), ("Uniform", dict(low=[0.0], high=[1.0]), [2.0]),
         ("Beta", dict(concentration1=[2.0], concentration0=[2.0]), [1.5]),
         ("OneHotCategorical", dict(probs=[0.2, 0.8]), [0.5, 0.5]),
         ("Normal", dict(loc=[0.0, 0.0], scale=[1.0, 1.0]), [[1.0, 2.0, 3.0]]),
         ("Gamma", dict(concentration=[2.0], rate=[1.0]), [-1.0]), ("Dirichlet", dict(concentration=[1.0, 2.0]), [0.3, 0.3]),
         ("Binomial", dict(total_count=3, probs=[0.3]), [4.0]), ("Laplace", dict(loc=[0.0], scale=[1.0]), [float("nan")]),
         ("LogNormal", dict(loc=[0.0], scale=[1.0]), [-1.0]), ("HalfNormal", dict(scale=[1.0]), [-1.0]),
         ("Geometric", dict(probs=[0.3]), [1.5]), ("Multinomial", dict(total_count=3, probs=[0.5, 0.5]), [-1.0, 1.0]),
         ("Pareto", dict(scale=[1.0], alpha=[2.0]), [0.5]), ("Weibull", dict(scale=[1.0], concentration=[2.0]), [-0.5]),
         ("Chi2", dict(df=[2.0]), [-1.0]), ("NegativeBinomial", dict(total_count=[2.0], probs=[0.3]), [-1.0]),
         ("ContinuousBernoulli", dict(probs=[0.3]), [1.5]), ("HalfCauchy", dict(scale=[1.0]), [-1.0]),
         ("MultivariateNormal", dict(loc=[0.0, 0.0], covariance_matrix=[[1.0, 0.0], [0.0, 1.0]]), [[1.0, 2.0, 3.0]]),
         ("InverseGamma", dict(concentration=[2.0], rate=[1.0]), [-1.0]), ("StudentT", dict(df=[3.0]), [float("nan")])]


@pytest.mark.parametrize("name, params, value", CASES)
def test_log_prob_validation_as_pytorchs(name, params, value):
    torch = pytest.importorskip("torch")
    out = []
    for lib in (torch, nn):
        d = getattr(lib.distributions, name)(**{k: lib.tensor(v, dtype=lib.float64) if isinstance(v, list) else v
                                                 for k, v in params.items()})
        try:
            r = d.log_prob(lib.tensor(value, dtype=lib.int64 if name == "Categorical" else lib.float64))
            out.append(("ok", np.round(np.asarray(r.detach().numpy(), float), 10).tolist()))
        except ValueError as e:
            out.append(("ValueError", str(e).split(" (")[0].split(":")[0]))
    assert out[0] == out[1]
