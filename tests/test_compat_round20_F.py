"""fvcore 0.1.5.post20221221 (with iopath 0.1.10, portalocker, yacs, termcolor), poutyne 1.19.0 and pytorch-tcn 1.2.3
from the package registry (`pip install --no-deps`), ported by the porting rule (every .py file; renamed fvcorep,
poutynep, pytorch_tcnp in their own import lines) and run against the originals on PyTorch 2.13 in float64 with
PyTorch's weights, perturbed, and the same inputs: fvcore's sigmoid_focal_loss(_star)(_jit) (float32 by the package's
own `.float()`), giou_loss, smooth_l1_loss, c2_xavier_fill / c2_msra_fill, precise_bn.update_bn_stats,
parameter_count(_table), the param schedulers and Checkpointer / PeriodicCheckpointer on a local folder with an
optimizer and a scheduler (files read by the other side); poutyne's Model.fit / fit_generator / evaluate / predict
with batch and epoch metrics, ModelCheckpoint, OptimizerCheckpoint, CSVLogger, EarlyStopping, BestModelRestore, the
LR-scheduler wrappers, ClipNorm / ClipValue and an Experiment trained, tested and resumed in a temp folder;
pytorch-tcn's TCN causal and non-causal with weight, batch and layer norm, seven activations, the six kernel
initialisers, dilation reset, gates, skip connections, embeddings, output projections, streaming inference and three
Adam steps. fvcore's FlopCountAnalysis / ActivationCountAnalysis trace with TorchScript (torch.jit._get_trace_graph),
which nn does not have: the tracer is named so that fvcore.nn imports, and it raises.

The failures these tests pin down, each in a few lines (the packages are never imported here): `torch.ao.quantization`
(ObserverBase, FakeQuantizeBase), which fvcore's checkpoint module imports at the top, was missing; so were
`torch.jit._get_trace_graph` and `torch._C.Graph` (fvcore.nn's jit_analysis imports the one and annotates with the
other), so no part of fvcore.nn imported; Softmax / LogSoftmax / Softmin and their functional forms without a dim
took PyTorch's implicit dim silently, where PyTorch warns (pytorch-tcn's `output_activation='log_softmax'`); nn.save
refused an ndarray of a dtype no tensor storage holds (NumPy's uint32 generator key in poutyne's saved random states),
which torch.save pickles by NumPy; NAdam kept mu_product in float32 where PyTorch keeps it in the default dtype
(poutyne's 'nadam' under a float64 default drifted 4e-11 from PyTorch); a bare ``p.grad.min()`` / ``max()`` was a
NumPy scalar without ``.cpu()`` (poutyne's gradient tracker: ``layer_gradient.min().cpu().numpy()``), where PyTorch's
is a 0-d tensor."""
import io
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


# ---- torch.ao.quantization's base classes (fvcore.common.checkpoint imports them) ------------------------------------

def test_ao_quantization_base_classes():
    from nn.ao import quantization
    from nn.ao.quantization import FakeQuantizeBase, ObserverBase
    assert quantization.ObserverBase is ObserverBase and issubclass(ObserverBase, nn.Module)
    with pytest.raises(TypeError):
        ObserverBase(nn.float32)                     # abstract: forward and calculate_qparams

    class Identity(FakeQuantizeBase):
        def forward(self, x):
            return x

        def calculate_qparams(self, **kwargs):
            return nn.tensor([1.0]), nn.tensor([0])

    fq = Identity()
    assert sorted(fq.state_dict()) == ["fake_quant_enabled", "observer_enabled"]
    assert fq.fake_quant_enabled.dtype == nn.uint8 and fq.fake_quant_enabled.tolist() == [1]
    fq.disable_observer()
    fq.disable_fake_quant()
    assert fq.observer_enabled.tolist() == [0] and fq.fake_quant_enabled.tolist() == [0]
    fq.enable_observer()
    assert fq.observer_enabled.tolist() == [1]

    class MinMax(ObserverBase):
        def forward(self, x):
            return x

        def calculate_qparams(self, **kwargs):
            return None

    ob = MinMax.with_args(dtype=nn.quint8 if hasattr(nn, "quint8") else "quint8")()
    assert isinstance(ob, ObserverBase) and ob.is_dynamic is False
    # fvcore's Checkpointer asks isinstance(module, (ObserverBase, FakeQuantizeBase)) of every module
    assert not isinstance(nn.Linear(2, 2), (ObserverBase, FakeQuantizeBase))


def test_ao_quantization_is_an_attribute_after_import():
    # as torch.ao.quantization after `import torch` (a fresh interpreter: no other test's import counts)
    code = "import nn; print(nn.ao.quantization.ObserverBase.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ObserverBase"


# ---- torch.jit._get_trace_graph and torch._C's IR names (fvcore.nn.jit_analysis) -------------------------------------

def test_trace_graph_names_exist_and_the_tracer_refuses():
    from nn.jit import _get_trace_graph, TracerWarning   # noqa: F401  (fvcore's import line)
    for name in ("Graph", "Node", "Value"):
        cls = getattr(nn._C, name)
        with pytest.raises(TypeError, match="No constructor defined"):
            cls()

    def annotated(module) -> nn._C.Graph:                # evaluated when fvcore's module is imported
        return module
    assert annotated.__annotations__["return"] is nn._C.Graph
    with pytest.raises(RuntimeError, match="_get_trace_graph"):
        _get_trace_graph(nn.Linear(2, 2), (nn.ones(1, 2),))


# ---- softmax / log_softmax / softmin without a dim warn, as PyTorch's ---------------------------------------------------

@pytest.mark.parametrize("name, module", [("softmax", "Softmax"), ("log_softmax", "LogSoftmax"),
                                          ("softmin", "Softmin")])
def test_implicit_softmax_dim_warns(name, module):
    x = nn.tensor(np.arange(24.0).reshape(2, 3, 4) / 7)
    message = (f"Implicit dimension choice for {name} has been deprecated. "
               "Change the call to include dim=X as an argument.")
    with pytest.warns(UserWarning, match=message):
        y = getattr(F, name)(x)
    with pytest.warns(UserWarning, match=message):
        z = getattr(nn, module)()(x)
    # a 3-d input takes dim 0, as PyTorch's legacy rule
    np.testing.assert_allclose(y.numpy(), getattr(F, name)(x, 0).numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(z.numpy(), y.numpy(), rtol=0, atol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(F, name)(x, dim=1)
        getattr(nn, module)(dim=-1)(x)


def test_implicit_softmax_dim_matches_pytorch():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).standard_normal((2, 3, 4))
    for name in ("softmax", "log_softmax", "softmin"):
        with warnings.catch_warnings(record=True) as ours:
            warnings.simplefilter("always")
            a = getattr(F, name)(nn.tensor(data))
        with warnings.catch_warnings(record=True) as theirs:
            warnings.simplefilter("always")
            b = getattr(torch.nn.functional, name)(torch.tensor(data))
        assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-15)


# ---- nn.save of an ndarray no tensor storage holds: pickled by NumPy (poutyne's save_random_states) --------------------

def _random_states():
    state = np.random.RandomState(5).get_state()      # ('MT19937', uint32 key (624,), pos, has_gauss, cached)
    return {"cpu": nn.get_rng_state(), "numpy": state, "python": (3, (1, 2), None)}


def test_save_pickles_unsupported_dtype_arrays_by_numpy():
    states = _random_states()
    buffer = io.BytesIO()
    nn.save(states, buffer, pickle_module=pickle)
    buffer.seek(0)
    back = nn.load(buffer, pickle_module=pickle)           # an explicit pickle_module: a trusted load
    key = back["numpy"][1]
    assert type(key) is np.ndarray and key.dtype == np.uint32 and key.shape == (624,)
    np.testing.assert_array_equal(key, states["numpy"][1])
    rs = np.random.RandomState()
    rs.set_state(back["numpy"])
    assert rs.randint(0, 2 ** 31) == np.random.RandomState(5).randint(0, 2 ** 31)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError):           # NumPy's reconstructor is not a weight: refused
        nn.load(buffer)
    # a float array still goes in as a tensor storage, and a tensor of such a dtype is still refused
    buffer = io.BytesIO()
    nn.save({"w": np.ones(3), "k": np.arange(3, dtype=np.uint32)}, buffer)
    buffer.seek(0)
    back = nn.load(buffer, weights_only=False)
    assert isinstance(back["w"], nn.Tensor) and type(back["k"]) is np.ndarray


def test_saved_random_states_read_by_pytorch():
    torch = pytest.importorskip("torch")
    states = _random_states()
    buffer = io.BytesIO()
    nn.save(states, buffer, pickle_module=pickle)
    buffer.seek(0)
    back = torch.load(buffer, pickle_module=pickle)
    np.testing.assert_array_equal(back["numpy"][1], states["numpy"][1])
    assert back["numpy"][0] == "MT19937" and isinstance(back["cpu"], torch.Tensor)
    buffer = io.BytesIO()
    torch.save({"numpy": states["numpy"]}, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(nn.load(buffer, weights_only=False)["numpy"][1], states["numpy"][1])


# ---- NAdam's mu_product in the default dtype (poutyne's 'nadam' optimizer under float64) -------------------------------

def _nadam_reference(w, grads, scalar, lr=2e-3, b1=0.9, b2=0.999, eps=1e-8, psi=4e-3):
    """torch.optim.NAdam's single-tensor step in NumPy, mu_product kept in `scalar` (PyTorch: the default dtype)."""
    m, v, mu_product = np.zeros_like(w), np.zeros_like(w), scalar(1.0)
    for t, g in enumerate(grads, 1):
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        mu_product = scalar(mu_product) * scalar(mu)
        m = m + (1 - b1) * (g - m)
        v = v * b2 + (1 - b2) * g * g
        denom = np.sqrt(v / (1 - b2 ** t)) + eps
        w = w - lr * (1 - mu) / (1 - float(mu_product)) * g / denom
        w = w - lr * mu_next / (1 - float(mu_product) * mu_next) * m / denom
    return w


@pytest.mark.parametrize("default", ["float64", "float32"])
def test_nadam_mu_product_in_default_dtype(default):
    rng = np.random.default_rng(3)
    w0, grads = rng.standard_normal((4, 3)), [rng.standard_normal((4, 3)) for _ in range(6)]
    before = nn.get_default_dtype()
    nn.set_default_dtype(getattr(nn, default))
    try:
        p = nn.tensor(w0.copy(), requires_grad=True)          # float64 parameters either way
        opt = nn.optim.NAdam([p])
        for g in grads:
            p.grad = nn.tensor(g)
            opt.step()
    finally:
        nn.set_default_dtype(before)
    expected = _nadam_reference(w0, grads, getattr(np, default))
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-14, atol=1e-15)
    # the two dtypes give different weights: mu_product's rounding reaches them
    other = _nadam_reference(w0, grads, np.float32 if default == "float64" else np.float64)
    assert np.abs(other - expected).max() > 1e-12


def test_nadam_float64_default_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    w0, grads = rng.standard_normal((5,)), [rng.standard_normal((5,)) for _ in range(5)]
    before_t, before_n = torch.get_default_dtype(), nn.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    nn.set_default_dtype(nn.float64)
    try:
        out = []
        for lib in (torch, nn):
            p = lib.tensor(w0.copy(), requires_grad=True)
            opt = lib.optim.NAdam([p], lr=1e-2, momentum_decay=5e-3)
            for g in grads:
                p.grad = lib.tensor(g)
                opt.step()
            out.append(p.detach().numpy())
    finally:
        torch.set_default_dtype(before_t)
        nn.set_default_dtype(before_n)
    np.testing.assert_allclose(out[1], out[0], rtol=1e-15, atol=1e-16)


# ---- a bare max() / min() of .grad / .data is 0-d, as PyTorch's 0-d tensor (poutyne's GradientTracker) ------------------

def test_bare_min_max_of_grad_are_zero_dim():
    p = nn.Parameter(nn.tensor(np.array([[0.5, -1.5], [2.0, 0.25]])))
    (p * nn.tensor(np.array([[1.0, -3.0], [0.5, 2.0]]))).sum().backward()
    gmin, gmax = p.grad.min(), p.grad.max()
    # poutyne: batch_layer_min.append(layer_gradient.min().cpu().numpy())
    low = gmin.cpu().numpy()
    assert isinstance(low, np.ndarray) and low.shape == () and float(low) == -3.0
    assert gmax.shape == () and gmax.item() == 2.0 and float(gmax - gmin) == 5.0
    assert p.data.max() == 2.0 and p.data.min().tolist() == -1.5
    # NumPy's own functions pass keywords and keep NumPy's scalars; a dim keeps PyTorch's (values, indices)
    assert type(np.max(p.grad)) is np.float64 and type(np.min(p.data, axis=None)) is np.float64
    values, indices = p.data.max(1)
    assert values.tolist() == [0.5, 2.0] and indices.tolist() == [0, 0]
    assert p.data.sum().shape == () and p.data.sum().cpu().item() == 1.25     # bare sum / mean 0-d too (round 27 B)


def test_bare_min_max_of_grad_match_pytorch():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(6).standard_normal((3, 4))
    out = []
    for lib in (torch, nn):
        p = lib.nn.Parameter(lib.tensor(data)) if lib is torch else nn.Parameter(nn.tensor(data))
        (p ** 3).sum().backward()
        out.append([p.grad.min().cpu().numpy(), p.grad.max().cpu().numpy(), p.data.max().cpu().numpy()])
    for a, b in zip(out[1], out[0]):
        assert a.shape == b.shape == () and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-15)
