"""Meta's flow_matching 1.0.10 and Microsoft's mup 1.0.0 from the package registry (installed with --no-deps;
torchdiffeq 0.2.5, which flow_matching's ODESolver calls, ported again), ported by the porting rule (flow_matchingp,
mupp, torchdiffeqp) and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights and its random
draws handed over: the affine, discrete-mixture and geodesic paths with every scheduler and conversion, the ODE,
likelihood, discrete Euler and Riemannian solvers, the generalized KL loss, Adam training of small velocity models;
μP's readouts, base shapes, optimizers, initialisers, coord check and μP training of an MLP and a small transformer.

The failures these tests pin down, in a few lines (the packages are not imported here):

- ``import mup`` failed: mup's init module does ``from torch.nn.init import _calculate_correct_fan,
  _calculate_fan_in_and_fan_out, _no_grad_fill_, _no_grad_normal_, _no_grad_uniform_, calculate_gain`` (and
  ``_no_grad_trunc_normal_`` for its trunc_normal_). nn.init had no ``_no_grad_*`` fillers; it has PyTorch's five now
  (fill, zero, uniform, normal, trunc_normal), with PyTorch's signatures (no defaults for the bounds and moments).
- nn.init's errors and warnings were in nn's own words: ``mup.init.xavier_uniform_`` on a bias said "Fan in and
  fan out can not be computed for a tensor with fewer than 2 dimensions (got shape (3,))" where PyTorch says "... for
  tensor with fewer than 2 dimensions"; ``mup.init.eye_`` on a bias "eye_: only 2-D tensors are supported" where
  PyTorch says "Only tensors with 2 dimensions are supported". All of nn.init's messages are PyTorch's now (eye_,
  dirac_ (two errors), orthogonal_, sparse_, the fan mode, calculate_gain's nonlinearity and slope, the zero-element
  warning without nn's suffix), and trunc_normal_ gives PyTorch's warning when the mean is more than 2 std from
  [a, b].
- ``copy.deepcopy`` of a Parameter kept its ``.grad`` and Python attributes (mup's ``p.infshape``); PyTorch's
  Parameter.__deepcopy__ builds a new parameter of the same class from the values and requires_grad only, so a
  deep-copied μP model has no infshapes (MuAdam asserts "Did you forget to call `mup.set_base_shapes`") and a copy
  made after a backward has no gradients (an optimizer over the copy steps nothing).
"""
import copy
import warnings

import numpy as np
import pytest

import nn
from nn import init


# ---- PyTorch's private fillers, imported by mup ---------------------------------------------------------------

def test_init_has_pytorchs_private_no_grad_fillers():
    # PyTorch 2.13: from torch.nn.init import _no_grad_fill_, _no_grad_normal_, _no_grad_uniform_,
    # _no_grad_trunc_normal_, _no_grad_zero_ works (mup.init imports them); each fills in place and returns the tensor
    from nn.init import (_calculate_correct_fan, _calculate_fan_in_and_fan_out, _no_grad_fill_,  # noqa: F401
                         _no_grad_normal_, _no_grad_trunc_normal_, _no_grad_uniform_, _no_grad_zero_, calculate_gain)
    w = nn.Parameter(nn.empty(200, 50))
    assert _no_grad_fill_(w, 0.5) is w and np.all(w.detach().numpy() == 0.5)
    assert _no_grad_zero_(w) is w and np.all(w.detach().numpy() == 0.0)
    # mup's sampler: _no_grad_uniform_(tensor, a * scale, b * scale) with scale = width_mult ** -0.5 = 0.5
    assert _no_grad_uniform_(w, -0.5 * 0.5, 0.5 * 0.5) is w
    x = w.detach().numpy()
    assert x.min() >= -0.25 and x.max() < 0.25 and abs(x.std() - 0.5 / np.sqrt(12)) < 0.01
    assert _no_grad_normal_(w, mean=0.0, std=0.3) is w
    assert abs(w.detach().numpy().std() - 0.3) < 0.01 and abs(w.detach().numpy().mean()) < 0.01
    assert _no_grad_trunc_normal_(w, mean=0.0, std=1.0, a=-0.5, b=0.5) is w
    assert np.abs(w.detach().numpy()).max() <= 0.5
    # a parameter stays a leaf that requires grad (no graph recorded), as under PyTorch's torch.no_grad()
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


def test_no_grad_fillers_take_pytorchs_signatures():
    # PyTorch 2.13: _no_grad_uniform_(tensor, a, b, generator=None) has no defaults for a and b (nor normal's mean and
    # std, trunc_normal's four): a missing one is a TypeError; a generator is taken
    w = nn.empty(3)
    with pytest.raises(TypeError):
        init._no_grad_uniform_(w, 0.0)
    with pytest.raises(TypeError):
        init._no_grad_normal_(w, 0.0)
    with pytest.raises(TypeError):
        init._no_grad_trunc_normal_(w, 0.0, 1.0, -2.0)
    a = init._no_grad_normal_(nn.empty(4), 0.0, 1.0, np.random.default_rng(3)).numpy().copy()
    b = init._no_grad_normal_(nn.empty(4), 0.0, 1.0, generator=np.random.default_rng(3)).numpy()
    np.testing.assert_array_equal(a, b)
    # the public checks hold (PyTorch's uniform_ range error)
    with pytest.raises(RuntimeError, match=r"uniform_ expects to return a \[from, to\) range, but found from=2 > to=1"):
        init._no_grad_uniform_(w, 2.0, 1.0)


# ---- nn.init's errors and warnings in PyTorch's words ----------------------------------------------------------

@pytest.mark.parametrize("call, words", [
    (lambda: init.xavier_uniform_(nn.empty(3)), "Fan in and fan out can not be computed for tensor with fewer than 2 "
                                                "dimensions"),
    (lambda: init.kaiming_normal_(nn.empty(3)), "Fan in and fan out can not be computed for tensor with fewer than 2 "
                                                "dimensions"),
    (lambda: init.eye_(nn.empty(3)), "Only tensors with 2 dimensions are supported"),
    (lambda: init.eye_(nn.empty(2, 2, 2)), "Only tensors with 2 dimensions are supported"),
    (lambda: init.dirac_(nn.empty(3, 3)), "Only tensors with 3, 4, or 5 dimensions are supported"),
    (lambda: init.dirac_(nn.empty(3, 3, 3), groups=2), "dim 0 must be divisible by groups"),
    (lambda: init.orthogonal_(nn.empty(3)), "Only tensors with 2 or more dimensions are supported"),
    (lambda: init.sparse_(nn.empty(3), 0.1), "Only tensors with 2 dimensions are supported"),
    (lambda: init.kaiming_uniform_(nn.empty(3, 3), mode="Bad"), "Mode bad not supported, please use one of "
                                                                "['fan_in', 'fan_out']"),
    (lambda: init.calculate_gain("bad"), "Unsupported nonlinearity bad"),
    (lambda: init.calculate_gain("leaky_relu", "x"), "negative_slope x not a valid number"),
    (lambda: init.calculate_gain("leaky_relu", True), "negative_slope True not a valid number"),
])
def test_init_errors_in_pytorchs_words(call, words):
    # PyTorch 2.13's ValueErrors, word for word (mup.init.xavier_uniform_ / eye_ on a bias reach the first ones)
    with pytest.raises(ValueError) as e:
        call()
    assert str(e.value) == words


@pytest.mark.parametrize("fill", [init.kaiming_uniform_, init.kaiming_normal_])
def test_zero_element_warning_in_pytorchs_words(fill):
    # PyTorch 2.13: UserWarning "Initializing zero-element tensors is a no-op" (nn appended "(kaiming_uniform_)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fill(nn.empty(0, 3))
    assert [str(w.message) for w in caught] == ["Initializing zero-element tensors is a no-op"]
    assert tuple(out.shape) == (0, 3)


def test_trunc_normal_warns_when_the_mean_is_far_from_the_bounds():
    # PyTorch 2.13: trunc_normal_(w, mean=0, std=1, a=3, b=4) warns "mean is more than 2 std from [a, b] in
    # nn.init.trunc_normal_. The distribution of values may be incorrect." and still fills within [a, b]
    w = nn.empty(4)
    with pytest.warns(UserWarning, match=r"^mean is more than 2 std from \[a, b\] in nn\.init\.trunc_normal_\. "
                                         r"The distribution of values may be incorrect\.$"):
        init.trunc_normal_(w, 0.0, 1.0, 3.0, 4.0)
    assert w.numpy().min() >= 3.0 and w.numpy().max() <= 4.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # within 2 std: no warning (mup's std=0.02, a=-2, b=2)
        init.trunc_normal_(w, 0.0, 0.02)
        init.trunc_normal_(w, 0.0, 1.0, 1.5, 2.5)


# ---- Parameter deepcopy as PyTorch's ---------------------------------------------------------------------------

def test_parameter_deepcopy_drops_grad_and_python_attributes():
    # PyTorch 2.13's Parameter.__deepcopy__ is type(self)(self.data.clone(), self.requires_grad): after a backward,
    # deepcopy(model).weight.grad is None, and an attribute set on a parameter (mup's p.infshape) is not copied
    model = nn.Linear(3, 2)
    model.weight.infshape = ("InfDim(8, 32)", None)
    model(nn.ones(1, 3)).sum().backward()
    twin = copy.deepcopy(model)
    assert type(twin.weight) is nn.Parameter and twin.weight.requires_grad and twin.weight.is_leaf
    np.testing.assert_array_equal(twin.weight.detach().numpy(), model.weight.detach().numpy())
    assert twin.weight.grad is None and twin.bias.grad is None
    assert not hasattr(twin.weight, "infshape") and model.weight.infshape == ("InfDim(8, 32)", None)
    twin.weight.data[0, 0] = 7.0                        # the values are a copy
    assert model.weight.detach().numpy()[0, 0] != 7.0
    # an optimizer over the copy steps nothing (PyTorch's SGD skips parameters without .grad)
    before = twin.weight.detach().numpy().copy()
    nn.optim.SGD(twin.parameters(), lr=1.0).step()
    np.testing.assert_array_equal(twin.weight.detach().numpy(), before)
    frozen = nn.Parameter(nn.ones(2), requires_grad=False)
    assert copy.deepcopy(frozen).requires_grad is False
    # a parameter used twice in a module is one parameter in the copy (the memo), as in PyTorch (MuSharedReadout
    # shares the embedding's weight); a plain Tensor's deepcopy still keeps its .grad and attributes (PyTorch's
    # Tensor.__deepcopy__ does)
    emb = nn.Embedding(5, 3)
    head = nn.Linear(3, 5, bias=False)
    head.weight = emb.weight
    pair = copy.deepcopy(nn.ModuleList([emb, head]))
    assert pair[0].weight is pair[1].weight and pair[0].weight is not emb.weight
    t = nn.tensor([1.0, 2.0], requires_grad=True)
    t.note = "kept"
    (t * 3).sum().backward()
    c = copy.deepcopy(t)
    assert c.note == "kept" and c.grad.tolist() == [3.0, 3.0]
    lazy = copy.deepcopy(nn.LazyLinear(2))              # an uninitialised parameter copies as one
    assert type(lazy.weight).__name__ == "UninitializedParameter"
    assert tuple(lazy(nn.ones(1, 4)).shape) == (1, 2)


def test_init_errors_and_parameter_deepcopy_match_torch():
    torch = pytest.importorskip("torch")
    calls = [lambda L: L.nn.init.xavier_uniform_(L.empty(3)), lambda L: L.nn.init.eye_(L.empty(3)),
             lambda L: L.nn.init.dirac_(L.empty(3, 3)), lambda L: L.nn.init.dirac_(L.empty(3, 3, 3), groups=2),
             lambda L: L.nn.init.orthogonal_(L.empty(3)), lambda L: L.nn.init.sparse_(L.empty(3), 0.1),
             lambda L: L.nn.init.kaiming_uniform_(L.empty(3, 3), mode="Bad"),
             lambda L: L.nn.init.calculate_gain("bad"), lambda L: L.nn.init.calculate_gain("leaky_relu", "x")]
    for call in calls:
        with pytest.raises(ValueError) as et:
            call(torch)
        with pytest.raises(ValueError) as en:
            call(nn)
        assert str(en.value) == str(et.value)
    for L in (torch, nn):
        model = L.nn.Linear(3, 2)
        model.weight.infshape = 1
        model(L.ones(1, 3)).sum().backward()
        twin = copy.deepcopy(model)
        assert twin.weight.grad is None and not hasattr(twin.weight, "infshape")
