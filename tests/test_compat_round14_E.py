"""pyro-ppl 1.9.2 from the package registry, ported by the porting rule (every .py file) and run against the original
on PyTorch in float64 (SVI with hand-written and automatic guides, a VAE with pyro.module, PyroModule Bayesian nets,
TraceEnum_ELBO mixtures and HMMs, poutine handlers, HMC / NUTS). The failures these tests pin down, each reproduced
in a few lines (pyro itself is never imported here): pyro's param store imports torch.serialization.MAP_LOCATION;
its constraints module re-exports every name of torch.distributions.constraints (is_dependent, lower_triangular,
multinomial, one_hot, positive_semidefinite, square, symmetric, MixtureSameFamilyConstraint); it registers a KL
divergence against its own abstract Distribution class; asks torch._C._get_tracing_state() before each plate and
filters torch.jit.TracerWarning; pyro.module compares tensors by `_cdata`; SVI zeroes gradients with
`p.grad = torch.zeros_like(p.grad)` and the next backward left a 0-d parameter's .grad a NumPy scalar, which the
optimizers refuse; its patched HalfCauchy.log_prob reads `self.base_dist`; and the porting rule rewrote pyro's own
submodule `pyro.distributions.torch` as if it were the torch module."""
import math
import os
import sys
import warnings

import numpy as np
import pytest

import nn
import nn.distributions as D
from nn.distributions import constraints

sys.path.insert(0, os.path.dirname(__file__))
from porting import port  # noqa: E402


def _arr(t):
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


# ---- torch.serialization.MAP_LOCATION (pyro/params/param_store.py imports it for an annotation) ---------------------

def test_serialization_map_location_alias():
    from nn.serialization import MAP_LOCATION
    assert MAP_LOCATION is not None


# ---- the constraints PyTorch has (pyro's constraints module does `from torch.distributions.constraints import *`
# and names each of them) ----------------------------------------------------------------------------------------------

CONSTRAINT_CASES = [
    ("lower_triangular", [[[1., 0.], [2., 3.]], [[1., 1.], [0., 1.]]], [True, False]),
    ("square", np.ones((2, 3, 3)), [True, True]),
    ("square", np.ones((2, 2, 3)), [False, False]),
    ("symmetric", [[[1., 2.], [2., 1.]], [[1., 2.], [2.5, 1.]]], [True, False]),
    ("positive_semidefinite", [[[1., 1.], [1., 1.]], [[1., 2.], [2., 1.]]], [True, False]),
    ("one_hot", [[0., 1., 0.], [1., 1., 0.], [0., 0., 0.5]], [True, False, False]),
]


@pytest.mark.parametrize("name,value,expected", CONSTRAINT_CASES)
def test_matrix_and_vector_constraints(name, value, expected):
    c = getattr(constraints, name)
    assert name in constraints.__all__
    got = c.check(nn.tensor(np.asarray(value, dtype=np.float64)))
    np.testing.assert_array_equal(_arr(got), expected)
    assert c.event_dim in (1, 2)
    if name == "one_hot":
        assert c.is_discrete and c.event_dim == 1


def test_multinomial_and_mixture_constraints():
    m = constraints.multinomial(5)
    np.testing.assert_array_equal(_arr(m.check(nn.tensor([[1., 2., 2.], [3., 3., 0.], [-1., 2., 2.]]))),
                                  [True, False, False])              # sum <= upper_bound, all >= 0
    assert m.is_discrete and m.event_dim == 1
    mix = constraints.MixtureSameFamilyConstraint(constraints.positive)
    np.testing.assert_array_equal(_arr(mix.check(nn.tensor([1., -1., 2.]))), [True, False, True])
    assert repr(mix) == "MixtureSameFamilyConstraint(GreaterThan(lower_bound=0.0))"
    with pytest.raises(AssertionError):
        constraints.MixtureSameFamilyConstraint("positive")


def test_is_dependent():
    assert constraints.is_dependent(constraints.dependent)
    assert constraints.is_dependent(constraints.dependent(is_discrete=True, event_dim=1))
    assert not constraints.is_dependent(constraints.real)
    assert not constraints.is_dependent(constraints.positive)

    class WithSupport:
        @constraints.dependent_property(is_discrete=False, event_dim=0)
        def support(self):
            return constraints.interval(0.0, 1.0)

    assert constraints.is_dependent(WithSupport.support)        # read on the class: the constraint itself
    assert not constraints.is_dependent(WithSupport().support)


def test_constraints_against_torch():
    torch = pytest.importorskip("torch")
    tc = torch.distributions.constraints
    assert set(tc.__all__) <= set(constraints.__all__)
    for name, value, _ in CONSTRAINT_CASES:
        v = np.asarray(value, dtype=np.float64)
        np.testing.assert_array_equal(_arr(getattr(constraints, name).check(nn.tensor(v))),
                                      getattr(tc, name).check(torch.tensor(v)).numpy())
        assert getattr(constraints, name).event_dim == getattr(tc, name).event_dim
    v = np.array([[1., 2., 2.], [3., 3., 0.], [-1., 2., 2.]])
    np.testing.assert_array_equal(_arr(constraints.multinomial(5).check(nn.tensor(v))),
                                  tc.multinomial(5).check(torch.tensor(v)).numpy())
    assert constraints.is_dependent(constraints.dependent) == tc.is_dependent(tc.dependent)


# ---- register_kl against a class that is not a Distribution (pyro: register_kl(Delta, pyro's abstract Distribution))

def test_register_kl_with_an_abstract_base():
    import abc

    class AbstractDist(abc.ABC):                       # pyro.distributions.Distribution: an ABC, not torch's class
        pass

    class MyNormal(D.Normal, AbstractDist):
        pass

    @D.register_kl(MyNormal, AbstractDist)
    def _kl(p, q):
        return -q.log_prob(p.loc)

    p, q = MyNormal(nn.tensor(0.5), nn.tensor(1.0)), MyNormal(nn.tensor(0.0), nn.tensor(2.0))
    expected = -(-math.log(2.0) - 0.5 * math.log(2 * math.pi) - 0.5 * (0.5 / 2.0) ** 2)
    np.testing.assert_allclose(float(D.kl_divergence(p, q)), expected, rtol=1e-6)
    with pytest.raises(TypeError):
        D.register_kl("Normal", D.Normal)


# ---- torch._C._get_tracing_state, torch.jit.TracerWarning, Tensor._cdata ---------------------------------------------

def test_tracing_state_and_tracer_warning():
    assert nn._C._get_tracing_state() is None
    assert issubclass(nn.jit.TracerWarning, Warning)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=nn.jit.TracerWarning)    # pyro's jit_iter
        warnings.warn("traced", nn.jit.TracerWarning)


def test_cdata_names_the_tensor_not_its_storage():
    a = nn.zeros(3)
    assert isinstance(a._cdata, int) and a._cdata == a._cdata
    b = a.view(3)
    assert b._cdata != a._cdata                         # a view is another tensor (PyTorch: another TensorImpl)
    p = nn.Parameter(nn.zeros(2))
    assert p._cdata == p._cdata and p._cdata != nn.zeros(2)._cdata


# ---- a 0-d parameter's .grad after `p.grad = zeros_like(p.grad)` and another backward (pyro's SVI.step) --------------

@pytest.mark.parametrize("via_inputs", [False, True])
def test_zero_dim_grad_stays_an_array(via_inputs):
    a = nn.tensor(1.5, dtype=nn.float64, requires_grad=True)
    (a * 2).backward()
    a.grad = nn.zeros_like(a.grad)                      # pyro.infer.util.zero_grads
    loss = a * 3
    loss.backward(inputs=[a]) if via_inputs else loss.backward()
    assert isinstance(a._grad, np.ndarray) and a._grad.shape == ()
    assert float(a.grad) == 3.0 and tuple(a.grad.shape) == ()
    opt = nn.optim.Adam([a], lr=0.1)
    opt.step()                                          # refused before: a .grad of type float64
    np.testing.assert_allclose(float(a), 1.4, rtol=1e-8)    # Adam's first step: lr * g / (|g| + eps)


# ---- HalfCauchy / HalfNormal's base_dist (pyro's patched HalfCauchy.log_prob reads it) -------------------------------

def test_half_cauchy_base_dist():
    d = D.HalfCauchy(nn.tensor([0.5, 2.0], dtype=nn.float64))
    x = nn.tensor([0.3, 1.7], dtype=nn.float64)
    base = d.base_dist
    assert isinstance(base, D.Cauchy)
    scale = np.array([0.5, 2.0])
    cauchy = -np.log(np.pi * scale * (1 + (np.array([0.3, 1.7]) / scale) ** 2))
    np.testing.assert_allclose(_arr(base.log_prob(x)), cauchy, rtol=1e-12)
    np.testing.assert_allclose(_arr(base.log_prob(x)) + math.log(2), _arr(d.log_prob(x)), rtol=1e-12)
    h = D.HalfNormal(nn.tensor(1.5, dtype=nn.float64))
    assert isinstance(h.base_dist, D.Normal)
    np.testing.assert_allclose(float(h.base_dist.scale), 1.5)


def test_half_cauchy_base_dist_against_torch():
    torch = pytest.importorskip("torch")
    t = torch.distributions.HalfCauchy(torch.tensor([0.5, 2.0], dtype=torch.float64))
    d = D.HalfCauchy(nn.tensor([0.5, 2.0], dtype=nn.float64))
    x = np.array([0.3, 1.7])
    np.testing.assert_allclose(_arr(d.base_dist.log_prob(nn.tensor(x))),
                               t.base_dist.log_prob(torch.tensor(x)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(_arr(d.base_dist.scale), t.base_dist.scale.numpy())


# ---- the porting rule leaves an attribute named torch alone (pyro.distributions.torch is pyro's own module) ----------

def test_port_leaves_attribute_named_torch():
    src = ("import torch\nimport pyro.distributions.torch\n"
           "d = pyro.distributions.torch.Independent(base, 1)\nx = torch.zeros(3)\ny = torch.nn.Linear(2, 2)\n"
           "z = torch.optim.SGD\nimport horovod.torch as hvd\nname = 'torch.distributions.Normal'\n")
    out = port(src)
    assert "d = pyro.distributions.torch.Independent(base, 1)" in out
    assert "import pyro.distributions.torch\n" in out
    assert "import horovod.torch as hvd" in out
    assert "x = nn.zeros(3)" in out and "y = nn.Linear(2, 2)" in out and "z = nn.optim.SGD" in out
    assert "name = 'nn.distributions.Normal'" in out      # a dotted name in a string is still the module's


# ---- a Transform that is also a Module (pyro's TransformModule / ComposeTransformModule): Transform.__init__ is
# cooperative, so Module.__init__ runs and the flow's layers register --------------------------------------------------

def test_transform_module_gets_module_init():
    class Scale(D.transforms.Transform, nn.Module):                 # pyro.distributions.TransformModule's bases
        bijective = True
        domain = codomain = constraints.real

        def __init__(self):
            super().__init__(cache_size=1)
            self.log_scale = nn.Parameter(nn.tensor([0.5, -0.2], dtype=nn.float64))
            self.net = nn.Linear(2, 2)

        def _call(self, x):
            return x * self.log_scale.exp()

        def _inverse(self, y):
            return y / self.log_scale.exp()

        def log_abs_det_jacobian(self, x, y):
            return self.log_scale.expand(x.shape)

        __hash__ = object.__hash__

    class ComposeModule(D.transforms.ComposeTransform, nn.ModuleList):    # ComposeTransformModule's bases
        def __init__(self, parts):
            super().__init__(parts)
            for part in parts:
                self.append(part)

    t = Scale()
    assert t._cache_size == 1 and [n for n, _ in t.named_parameters()] == ["log_scale", "net.weight", "net.bias"]
    flow = ComposeModule([t, Scale()])
    assert len(list(flow.parameters())) == 6 and len(flow) == 2
    x = nn.tensor([[1.0, 2.0]], dtype=nn.float64)
    np.testing.assert_allclose(_arr(flow(x)), [[np.exp(1.0), 2 * np.exp(-0.4)]], rtol=1e-12)


# ---- Module._named_members(get_members_fn, prefix, recurse) in PyTorch's signature (pyro's named_pyro_params) --------

def test_named_members_takes_a_function():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    model.extra = {"a": 1}

    def params_of(module):
        return module._parameters.items()

    names = [n for n, _ in model._named_members(params_of, prefix="m", recurse=True)]
    assert names == ["m.0.weight", "m.0.bias", "m.1.weight", "m.1.bias"]
    assert [n for n, _ in model[0]._named_members(params_of, recurse=False)] == ["weight", "bias"]
    assert [n for n, _ in model.named_parameters(prefix="m")] == names


# ---- transform_to / biject_to for the matrix constraints, cat and stack (pyro's PyroParam(..., lower_cholesky)) ------

def _lower_cholesky_expected(x):
    return np.tril(x, -1) + np.diag(np.exp(np.diag(x)))


def test_transform_to_matrix_constraints():
    x = np.array([[0.3, 9.0, 9.0], [1.2, -0.5, 9.0], [-0.7, 0.4, 0.1]])
    t = D.transform_to(constraints.lower_cholesky)
    y = t(nn.tensor(x))
    np.testing.assert_allclose(_arr(y), _lower_cholesky_expected(x), rtol=1e-12)
    np.testing.assert_allclose(_arr(t.inv(y)), np.tril(x), rtol=1e-12)
    L = _lower_cholesky_expected(x)
    for c in (constraints.positive_definite, constraints.positive_semidefinite):
        np.testing.assert_allclose(_arr(D.transform_to(c)(nn.tensor(x))), L @ L.T, rtol=1e-12)
    with pytest.raises(NotImplementedError):
        D.biject_to(constraints.lower_cholesky)              # not a bijection, as in PyTorch
    r = D.biject_to(constraints.corr_cholesky)(nn.tensor([0.2, -0.4, 0.9], dtype=nn.float64))
    np.testing.assert_allclose(np.linalg.norm(_arr(r), axis=-1), 1.0, rtol=1e-12)
    v = nn.tensor([0.5, -1.0, 2.0], dtype=nn.float64)
    cat = constraints.cat([constraints.real, constraints.positive], 0, [1, 2])
    np.testing.assert_allclose(_arr(D.biject_to(cat)(v)),
                               [0.5, np.exp(-1.0), np.exp(2.0)], rtol=1e-12)
    np.testing.assert_allclose(_arr(D.transform_to(constraints.stack([constraints.positive, constraints.real], 0))(
        nn.tensor([0.0, -3.0], dtype=nn.float64))), [1.0, -3.0], rtol=1e-12)


def test_transform_to_matrix_constraints_against_torch():
    torch = pytest.importorskip("torch")
    tc = torch.distributions.constraints
    x = np.random.default_rng(0).standard_normal((2, 3, 3))
    for name in ("lower_cholesky", "positive_definite", "positive_semidefinite", "corr_cholesky"):
        inp = x if name != "corr_cholesky" else x[:, 0]
        np.testing.assert_allclose(_arr(D.transform_to(getattr(constraints, name))(nn.tensor(inp))),
                                   torch.distributions.transform_to(getattr(tc, name))(torch.tensor(inp)).numpy(),
                                   rtol=1e-12, atol=1e-15)


# ---- Tensor.data.diagonal(dim1=, dim2=) as a writable view (pyro's safe_cholesky adds jitter through it) -------------

def test_data_diagonal_is_a_writable_view():
    x = nn.zeros(2, 3, 3, dtype=nn.float64)
    x.data.diagonal(dim1=-1, dim2=-2).add_(0.5)
    np.testing.assert_array_equal(x.numpy(), np.broadcast_to(0.5 * np.eye(3), (2, 3, 3)))
    y = nn.zeros(3, 4, dtype=nn.float64)
    y.data.diagonal(1).fill_(2.0)
    y.data.diagonal(offset=-1, dim1=1, dim2=0).add_(3.0)               # dims swapped: the same superdiagonal
    np.testing.assert_array_equal(y.numpy(), 5.0 * np.eye(3, 4, 1))
    a = np.arange(24.0).reshape(2, 3, 4)
    t = nn.tensor(a)
    for args in [(0, 0, 2), (1, 1, 2), (-1, 1, 2), (2, 2, 1), (0, -1, -2), (5, 1, 2)]:
        np.testing.assert_array_equal(t.data.diagonal(*args), np.diagonal(a, *args))
    assert np.trace(t.data[0]) == np.trace(a[0])                       # NumPy's own functions still work
    np.testing.assert_array_equal(t.data.diagonal(axis1=1, axis2=2), np.diagonal(a, 0, 1, 2))


def test_data_diagonal_against_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(24.0).reshape(2, 3, 4)
    for args in [(0, 0, 2), (1, 1, 2), (-1, 1, 2), (2, 2, 1), (0, -1, -2)]:
        np.testing.assert_array_equal(nn.tensor(a).data.diagonal(*args), torch.tensor(a).data.diagonal(*args).numpy())
    t, x = torch.zeros(2, 3, 3), nn.zeros(2, 3, 3)
    t.data.diagonal(dim1=-1, dim2=-2).add_(1e-6)
    x.data.diagonal(dim1=-1, dim2=-2).add_(1e-6)
    np.testing.assert_array_equal(x.numpy(), t.numpy())


# ---- with_cache on an inverse and on a composition (pyro's AutoRegressiveMessenger: t.inv.with_cache()) --------------

def test_with_cache_of_inverse_and_compose():
    T = D.transforms
    for t in (T.ExpTransform(), T.AffineTransform(1.0, 2.0),
              T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)])):
        cached_inverse = t.inv.with_cache()
        assert cached_inverse.inv._cache_size == 1
        y = nn.tensor([1.5, 3.0], dtype=nn.float64)
        x = cached_inverse(y)
        assert cached_inverse.inv(x) is y                  # the cache answers the round trip with the same tensor
        np.testing.assert_allclose(_arr(t(x)), [1.5, 3.0], rtol=1e-12)
    c = T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 2.0)])
    assert c.with_cache(0) is c
    cc = c.with_cache()
    assert isinstance(cc, T.ComposeTransform) and cc._cache_size == 1 and all(p._cache_size == 1 for p in cc.parts)
    np.testing.assert_allclose(_arr(cc(nn.tensor(0.0, dtype=nn.float64))), 3.0, rtol=1e-12)   # 1 + 2 exp(0)


def test_with_cache_against_torch():
    torch = pytest.importorskip("torch")
    tt = torch.distributions.transforms
    t = tt.ComposeTransform([tt.ExpTransform(), tt.AffineTransform(1.0, 2.0)]).inv.with_cache()
    nt = D.transforms
    n = nt.ComposeTransform([nt.ExpTransform(), nt.AffineTransform(1.0, 2.0)]).inv.with_cache()
    y = np.array([1.5, 3.0])
    np.testing.assert_allclose(_arr(n(nn.tensor(y))), t(torch.tensor(y)).numpy(), rtol=1e-12)
