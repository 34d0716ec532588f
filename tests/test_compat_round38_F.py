"""GFlowNets from the package registry: torchgfn 2.4.1 (import name gfn; installed with --no-deps, with dill 0.4.1
and tqdm 4.70.1 real, and tensordict, torch_geometric and linear_attention_transformer as name-only stubs on both
sides: they serve the graph environments and one transformer module only), ported by the porting rule (gfnp) and
run against the original on PyTorch 2.13 in float64 (float32 for the polar Box, whose PF module is float32-only)
with PyTorch's weights loaded into nn's and every draw handed over (Categorical / Beta / Normal /
MultivariateNormal samples by inverse CDFs of one NumPy uniform stream per side, torch.rand / randn / randint /
randperm / bernoulli / multinomial from that stream): HyperGrid (seven rewards, four preprocessors), DiscreteEBM,
SetAddition, PerfectBinaryTree, BitSequence (LSTM, GRU and transformer policies), ConditionalHyperGrid with the
conditional estimators, BoxCartesian and BoxPolar with their Beta-mixture estimators, DiffusionSampling (five
targets, pinned Brownian motion), the TB, logZ-estimator, ZVar, DB (forward-looking too), ModifiedDB, SubTB (seven
weightings), FM, RTB, TrustPCL and MLE-diffusion losses, local search, backward sampling, the replay buffers, the
containers and the errors users meet: trajectories, log-probs, losses, gradients and weights after three Adam
steps agree to 1e-13 (float64).

The failures of nn these tests pin down (the package is not imported here):

- SubTB's loss subtracts -inf targets from -inf predictions on every call (``scores.append(preds - targets)``,
  masked afterwards): nn printed NumPy's "RuntimeWarning: invalid value encountered in subtract" each time, where
  PyTorch is silent; so did add / mul, sum, prod, cumsum / cumprod and matmul of infinities, and backward passes
  through NaN gradients (log_softmax's backward). nn's element-wise ops and its backward pass now compute under
  a silent NumPy error state (one context-variable set, ~0.2 us), whatever np.errstate says.
- When a policy's weights went NaN (ModifiedDB on DiscreteEBM, on both sides), PyTorch's Categorical refuses the
  NaN logits at construction ("Expected parameter logits (Tensor of shape (6, 9)) of distribution
  UnsqueezedCategorical(logits: torch.Size([6, 9])) to satisfy the constraint IndependentConstraint(Real(), 1), but
  found invalid values: ..."); nn built it and the sampler failed later on NumPy's "Probabilities contain NaN" (or,
  with other draws, looped). Categorical now checks its normalised parameter as PyTorch's does, in its words;
  a distribution's repr is PyTorch's (``Normal(loc: 0.0, scale: 1.0)``, ``Categorical(logits: nn.Size([6, 9]))``),
  as are IndependentConstraint's repr and the words for giving both or neither of probs / logits.
- DiffusionSampling's Gaussian-mixture targets build a tensor from a list of NumPy arrays; PyTorch warns once per
  process ("Creating a tensor from a list of numpy.ndarrays is extremely slow. ..."), nn said nothing.
"""
import warnings

import numpy as np
import pytest

import nn
import nn.factories

D = nn.distributions
INF, NAN = float("inf"), float("nan")


@pytest.fixture(autouse=True)
def _validating():
    """Distributions validate by default here, as on a fresh PyTorch (whatever an earlier test left)."""
    saved = D.Distribution._validate_args
    D.Distribution.set_default_validate_args(True)
    yield
    D.Distribution.set_default_validate_args(saved)


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


def _silently(fn):
    """fn() under warnings as errors: a RuntimeWarning from NumPy fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


# ---- infinities and NaN pass silently, as in PyTorch ----------------------------------------------------------------

def test_subtb_scores_of_masked_infinities_are_silent():
    # torchgfn's SubTBGFlowNet.get_scores: preds and targets hold -inf past each trajectory's end, the difference is
    # taken for every sub-trajectory length and the NaN masked out afterwards
    log_pf_cum = nn.tensor([[0.0, 0.0], [-0.5, -0.7], [-1.1, -INF], [-INF, -INF]], dtype=nn.float64)
    log_flows = nn.tensor([[0.3, 0.2], [0.1, -INF], [-INF, -INF]], dtype=nn.float64)
    preds = _silently(lambda: log_pf_cum[1:] - log_pf_cum[:-1] + log_flows)
    targets = nn.tensor([[0.2, -0.4], [-0.3, -INF], [-INF, -INF]], dtype=nn.float64)
    scores = _silently(lambda: preds - targets)
    expected = np.array([[-0.5 + 0.3 - 0.2, -0.7 + 0.2 + 0.4], [-0.6 + 0.1 + 0.3, NAN], [NAN, NAN]])
    np.testing.assert_allclose(_f(scores), expected, rtol=1e-15)
    mask = nn.tensor([[False, False], [False, True], [True, True]])
    assert _silently(lambda: scores[~mask].pow(2).mean()).item() == pytest.approx(
        np.mean(expected[~_f(mask)] ** 2), rel=1e-15)


@pytest.mark.parametrize("name, op, expected", [
    ("sub", lambda a, b: a - b, [NAN, NAN, -INF]),
    ("rsub", lambda a, b: INF - a, [NAN, INF, INF]),
    ("add", lambda a, b: a + (-b), [NAN, NAN, -INF]),
    ("mul", lambda a, b: a * b * 0, [NAN, NAN, NAN]),
    ("sub_", lambda a, b: a.clone().sub_(b), [NAN, NAN, -INF]),
    ("torch.sub", lambda a, b: nn.sub(a, b), [NAN, NAN, -INF]),
    ("sum", lambda a, b: nn.stack([a, -b]).sum(0), [NAN, NAN, -INF]),
    ("prod", lambda a, b: nn.stack([a, nn.zeros(3, dtype=nn.float64)]).prod(0), [NAN, NAN, 0.0]),
    ("cumsum", lambda a, b: nn.stack([a, -b]).cumsum(0)[1], [NAN, NAN, -INF]),
    ("cumprod", lambda a, b: nn.stack([a, nn.zeros(3, dtype=nn.float64)]).cumprod(0)[1], [NAN, NAN, 0.0]),
    ("matmul", lambda a, b: (a[:, None] @ nn.zeros(1, 1, dtype=nn.float64))[:, 0], [NAN, NAN, 0.0]),
])
def test_arithmetic_of_infinities_is_silent(name, op, expected):
    a = nn.tensor([INF, -INF, 0.0], dtype=nn.float64)
    b = nn.tensor([INF, -INF, INF], dtype=nn.float64)
    np.testing.assert_array_equal(_f(_silently(lambda: op(a, b))), expected)
    with np.errstate(all="raise"):              # a caller's errstate changes nothing (TorchIO), and is kept
        np.testing.assert_array_equal(_f(op(a, b)), expected)
        with pytest.raises(FloatingPointError):
            np.subtract(np.inf, np.inf)
    with pytest.warns(RuntimeWarning):          # NumPy's own ops still warn outside nn
        np.subtract(np.array(np.inf), np.array(np.inf))


def test_backward_through_nan_is_silent():
    # a policy whose logits went NaN: its log_softmax backward (g - exp(y) * sum(g)) and the sums after it
    x = nn.tensor([[NAN, 1.0, 0.0], [0.5, -INF, 0.0]], dtype=nn.float64, requires_grad=True)
    y = nn.log_softmax(x, -1)
    _silently(lambda: (y * nn.tensor([1.0, 2.0, INF], dtype=nn.float64)).sum().backward())
    np.testing.assert_array_equal(_f(x.grad), [[NAN, NAN, NAN], [-INF, NAN, NAN]])      # (PyTorch's values)


# ---- Categorical checks its parameters as PyTorch's ------------------------------------------------------------------

class UnsqueezedCategorical(D.Categorical):
    """torchgfn's gfn.utils.distributions.UnsqueezedCategorical (its constructor and sample)."""

    def __init__(self, probs=None, logits=None, validate_args=None, debug=False):
        super().__init__(probs=probs, logits=logits, validate_args=validate_args)
        self.debug = debug

    def sample(self, sample_shape=()):
        return super().sample(sample_shape).unsqueeze(-1)


def test_nan_logits_are_refused_in_pytorchs_words():
    # torchgfn's DiscretePolicyEstimator.to_probability_distribution once the weights are NaN: masked logits
    logits = nn.full((6, 9), NAN, dtype=nn.float64)
    words = ("Expected parameter logits (Tensor of shape (6, 9)) of distribution UnsqueezedCategorical(logits: "
             "nn.Size([6, 9])) to satisfy the constraint IndependentConstraint(Real(), 1), but found invalid values:\n")
    with pytest.raises(ValueError) as info:
        UnsqueezedCategorical(logits=logits, debug=False)
    assert str(info.value).startswith(words) and "nan" in str(info.value)
    # validation off (per instance, or by default): built, as PyTorch's
    assert np.isnan(_f(D.Categorical(logits=logits, validate_args=False).probs)).all()
    D.Distribution.set_default_validate_args(False)
    try:
        assert np.isnan(_f(UnsqueezedCategorical(logits=logits).logits)).all()
    finally:
        D.Distribution.set_default_validate_args(True)


@pytest.mark.parametrize("kwargs, name, constraint, shown", [
    ({"logits": [[INF, 1.0]]}, "logits", "IndependentConstraint(Real(), 1)", "tensor([[nan, -inf]])"),
    ({"logits": [[-INF, -INF]]}, "logits", "IndependentConstraint(Real(), 1)", "tensor([[nan, nan]])"),
    ({"probs": [[0.0, 0.0]]}, "probs", "Simplex()", "tensor([[nan, nan]])"),
    ({"probs": [[-1.0, 2.0]]}, "probs", "Simplex()", "tensor([[-1.,  2.]])"),
])
def test_categorical_parameter_errors(kwargs, name, constraint, shown):
    # PyTorch checks the normalised parameter it was given (logits - logsumexp, probs / sum)
    with pytest.raises(ValueError) as info:
        D.Categorical(**{k: nn.tensor(v) for k, v in kwargs.items()})
    assert str(info.value) == (f"Expected parameter {name} (Tensor of shape (1, 2)) of distribution Categorical("
                               f"{name}: nn.Size([1, 2])) to satisfy the constraint {constraint}, but found invalid "
                               f"values:\n{shown}")


def test_categorical_other_refusals_and_masked_logits():
    for name in ("probs", "logits"):
        with pytest.raises(ValueError, match=f"^`{name}` parameter must be at least one-dimensional.$"):
            D.Categorical(**{name: nn.tensor(0.5)})
    for family, args in [(D.Categorical, ()), (D.Bernoulli, ()), (D.Geometric, ()), (D.Binomial, (3,))]:
        with pytest.raises(ValueError, match="^Either `probs` or `logits` must be specified, but not both.$"):
            family(*args)
        with pytest.raises(ValueError, match="^Either `probs` or `logits` must be specified, but not both.$"):
            family(*args, probs=nn.tensor([0.5]), logits=nn.tensor([0.0]))
    # a masked action (-inf) is fine: probability 0, log-probabilities normalised as PyTorch's (logits - logsumexp)
    logits = nn.tensor([[0.0, 1.0, -INF]], dtype=nn.float64, requires_grad=True)
    d = D.Categorical(logits=logits)
    e = np.exp([0.0, 1.0])
    np.testing.assert_allclose(_f(d.probs), [[e[0] / e.sum(), e[1] / e.sum(), 0.0]], rtol=1e-15)
    np.testing.assert_allclose(_f(d.logits)[0, :2], np.log(e / e.sum()), rtol=1e-15)
    d.log_prob(nn.tensor([1])).sum().backward()
    np.testing.assert_allclose(_f(logits.grad), [[-e[0] / e.sum(), e[0] / e.sum(), 0.0]], rtol=1e-15)


def test_distribution_reprs_are_pytorchs():
    assert repr(D.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"
    assert repr(D.Normal(nn.zeros(2), 1.0)) == "Normal(loc: nn.Size([2]), scale: nn.Size([2]))"
    assert repr(D.Uniform(0.0, 1.0)) == "Uniform(low: 0.0, high: 1.0)"
    assert repr(D.Categorical(logits=nn.zeros(6, 9))) == "Categorical(logits: nn.Size([6, 9]))"
    assert repr(D.Categorical(probs=nn.ones(3) / 3)) == "Categorical(probs: nn.Size([3]))"
    assert repr(D.Bernoulli(probs=nn.tensor([0.3]))) == "Bernoulli(probs: tensor([0.3000]))"
    assert repr(D.Beta(1.0, 2.0)) == "Beta()"               # its parameters live in a Dirichlet, as PyTorch's
    assert repr(D.constraints.independent(D.constraints.real, 1)) == "IndependentConstraint(Real(), 1)"
    normal = D.Normal(nn.zeros(2), 1.0)
    assert repr(D.Independent(normal, 1)) == "Independent(Normal(loc: nn.Size([2]), scale: nn.Size([2])), 1)"
    assert repr(D.MixtureSameFamily(D.Categorical(logits=nn.zeros(2)), normal)) == (
        "MixtureSameFamily(\n  Categorical(logits: nn.Size([2])),\n  Normal(loc: nn.Size([2]), scale: nn.Size([2])))")


# ---- a list of NumPy arrays: PyTorch's once-per-process hint --------------------------------------------------------

def test_tensor_from_list_of_arrays_warns_once(monkeypatch):
    monkeypatch.setattr(nn.factories, "_NDARRAY_LIST_WARNED", [])
    # DiffusionSampling's SimpleGaussianMixture: torch.tensor(covariances) of a list of NumPy matrices
    covariances = [np.eye(2), 2 * np.eye(2)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for data in ([], [1.0, 2.0], [np.float64(1.0)], [nn.tensor(1.0)], [np.zeros((0,))]):
            nn.tensor(data)
        assert not caught
        t = nn.tensor(covariances)
        nn.tensor([[np.zeros(2)]])
    assert t.shape == (2, 2, 2) and _f(t)[1, 1, 1] == 2.0
    assert [str(w.message) for w in caught] == [
        "Creating a tensor from a list of numpy.ndarrays is extremely slow. Please consider converting the list to a "
        "single numpy.ndarray with numpy.array() before converting to a tensor."]
    assert caught[0].category is UserWarning and caught[0].filename == __file__


# ---- against PyTorch, where it is installed -------------------------------------------------------------------------

def test_against_pytorch():
    torch = pytest.importorskip("torch")
    a, b = [INF, -INF, 0.0], [INF, -INF, INF]
    for lib in (torch, nn):
        x, y = lib.tensor(a, dtype=lib.float64), lib.tensor(b, dtype=lib.float64)
        np.testing.assert_array_equal(_f(_silently(lambda: x - y)), [NAN, NAN, -INF])
    for kwargs in [{"logits": [[NAN, 1.0]]}, {"logits": [[INF, 1.0]]}, {"probs": [[-1.0, 2.0]]}, {"probs": [[0., 0.]]},
                   {"probs": [0.5, 0.5], "logits": [0.0, 0.0]}, {}]:
        words = []
        for lib in (torch, nn):        # (validate_args given: another test may have turned the default off)
            with pytest.raises(ValueError) as info:
                lib.distributions.Categorical(**{k: lib.tensor(v) for k, v in kwargs.items()}, validate_args=True)
            words.append(str(info.value).replace("torch.Size", "nn.Size"))
        assert words[0] == words[1]
    for make in [lambda lib: lib.distributions.Normal(0.0, 1.0), lambda lib: lib.distributions.Uniform(0.0, 2.0),
                 lambda lib: lib.distributions.Categorical(logits=lib.zeros(6, 9)),
                 lambda lib: lib.distributions.Bernoulli(probs=lib.tensor([0.3])),
                 lambda lib: lib.distributions.Independent(lib.distributions.Normal(lib.zeros(3), 1.0), 1),
                 lambda lib: lib.distributions.MixtureSameFamily(lib.distributions.Categorical(logits=lib.zeros(2)),
                                                                 lib.distributions.Normal(lib.zeros(2), 1.0))]:
        assert repr(make(torch)).replace("torch.Size", "nn.Size") == repr(make(nn))
