"""Deep hedging, minimum-distortion embedding and learning-rate range tests from the package registry: pfhedge 0.23.0,
pymde 0.3.0 and torch-lr-finder 0.2.2 (installed with --no-deps), ported by the porting rule (pfhedgep, pymdep,
torch_lr_finderp) and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights and its random
draws handed over: pfhedge's instruments and their simulations, pfhedge.stochastic, the Black-Scholes modules with
their greeks and implied volatilities, Hedger (MultiLayerPerceptron, WhalleyWilmott, Naked, a no-transaction band
net) with its losses, fit, price and compute_pnl, pfhedge.nn.functional with gradients; pymde's recipes, MDE with
its losses, penalties and constraints, embed step by step, quadratic, the preprocessing graph; LRFinder's range
test with both schedules, smoothing, divergence stop, accumulation, a validation loader, reset and the suggestion.

The failures these tests pin down, in a few lines (the packages are not imported here):

- an instrument's ``.to(torch.float64)`` parses its arguments by ``torch._C._nn._parse_to`` and asks
  ``dtype.is_floating_point``; nn's ``_parse_to`` gave NumPy's dtype, which has no such attribute
  (AttributeError). It now gives nn's dtype objects, as PyTorch gives torch.dtype.
- every pfhedge repr prints its floats by ``torch._tensor_str._Formatter(torch.tensor([v])).format(v)``; nn's
  ``_tensor_str`` had no ``_Formatter`` (AttributeError). It now formats one value as a repr does ('1.', '0.2000',
  '1.0000e-04', '1'), right-aligned to the widest, with ``width()``.
- the options' moneyness reads ``spot[..., index]`` with ``index = ...`` (all time steps): two Ellipses, which
  PyTorch takes (each stands for the dims not specified, those past the last dim dropped) and NumPy refuses
  ("an index can only have a single ellipsis"). Read and written as PyTorch's now.
- ``MultiLayerPerceptron()`` builds a LazyLinear; under ``set_default_dtype(float64)`` PyTorch's placeholder is
  float64 and materialises so, nn's placeholder was always float32 and the built layer was cast back to it
  ("mat1 and mat2 must have the same dtype, but got Double and Float"). The placeholders take the default dtype
  at construction, or the ``dtype=`` given, as PyTorch's ``UninitializedParameter``.
- pymde's ``proj_standardized(X, inplace=True)`` calls ``torch.linalg.svd(X, full_matrices=False, out=(U, s, Vh))``;
  nn's svd had no ``out=`` (TypeError).
- torch-lr-finder's ``reset()`` restores the optimizer's state cached before the range test; PyTorch's
  ``load_state_dict`` makes each group the saved one, nn's kept keys the saved group lacked, so the range test's
  ``initial_lr`` stayed and a second ``range_test`` refused ("Optimizer already has a scheduler attached to it").
- pymde's ``hutchpp`` calls the older ``torch.qr``, which PyTorch 2.13 says is deprecated (a UserWarning, once per
  process); nn's was silent.
- pymde's ``quadratic.spectral(cg=True)`` calls ``torch.lobpcg`` with a float64 start ``X`` for a float32
  Laplacian when the default dtype is float64; PyTorch refuses ("expected m1 and m2 to have the same dtype, but
  got: float != double"), nn's lobpcg (solved exactly by eigh) ignored X's dtype and computed.
"""
import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


@pytest.fixture
def default_dtype():
    """Restores the default dtype after a test that changes it."""
    before = nn.get_default_dtype()
    yield
    nn.set_default_dtype(before)


# ---- torch._C._nn._parse_to gives dtypes that answer is_floating_point --------------------------------------------

def test_parse_to_gives_nn_dtypes():
    # PyTorch 2.13: torch._C._nn._parse_to(torch.float64) -> (None, torch.float64, False, None); pfhedge's
    # BasePrimary.to then asks `dtype.is_floating_point` and refuses an integer dtype with its own TypeError
    p = nn._C._nn._parse_to
    device, dtype, non_blocking, memory_format = p(nn.float64)
    assert device is None and dtype is nn.float64 and non_blocking is False and memory_format is None
    assert dtype.is_floating_point
    assert p(nn.zeros(2, dtype=nn.int64))[1] is nn.int64 and not p(nn.zeros(2, dtype=nn.int64))[1].is_floating_point
    assert p("cpu", nn.float32, non_blocking=True)[1] is nn.float32
    assert p(dtype=nn.float64)[1] is nn.float64 and p("cpu")[1] is None


def test_an_instrument_to_method_built_on_parse_to():
    # pfhedge's instruments: device, dtype, *_ = self._parse_to(*args, **kwargs); refuse a non-floating dtype
    def to(*args, **kwargs):
        device, dtype, *_ = nn._C._nn._parse_to(*args, **kwargs)
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError(f"to() only accepts floating point dtypes, but got desired dtype={dtype}")
        return device, dtype

    assert to(nn.float64) == (None, nn.float64)
    with pytest.raises(TypeError, match=r"^to\(\) only accepts floating point dtypes, but got desired "
                                        r"dtype=nn\.int64$"):
        to(nn.int64)


# ---- torch._tensor_str._Formatter -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, text", [(1, "1"), (1.0, "1."), (1e-4, "1.0000e-04"), (0.2, "0.2000"),
                                         (20 / 250, "0.0800"), (1e5, "100000."), (-0.5, "-0.5000"),
                                         (2.5e-9, "2.5000e-09")])
def test_formatter_formats_one_value_as_pytorch(value, text):
    # PyTorch 2.13: torch._tensor_str._Formatter(torch.tensor([v])).format(v) (pfhedge's _format_float, which
    # prints BrownianStock(sigma=0.2000, dt=4.0000e-03), EuropeanOption(strike=1., maturity=0.0800), ...)
    from nn._tensor_str import _Formatter
    formatter = _Formatter(nn.tensor([value]))
    assert formatter.format(value) == text
    assert formatter.width() == len(text)


def test_formatter_right_aligns_to_the_widest_value():
    # PyTorch 2.13: _Formatter(torch.tensor([1.5, 100.25, 3.])).format(3.0) == '  3.0000' (width 8); integers,
    # booleans and NaN likewise: ' 3' (width 2), ' True' (width 5), '   nan' beside '2.5000'
    from nn._tensor_str import _Formatter
    assert _Formatter(nn.tensor([1.5, 100.25, 3.0])).format(3.0) == "  3.0000"
    assert _Formatter(nn.tensor([1.5, 100.25, 3.0])).width() == 8
    assert _Formatter(nn.tensor([1, 22, 3])).format(3) == " 3"
    assert _Formatter(nn.tensor([True, False])).format(True) == " True"
    nan_formatter = _Formatter(nn.tensor([float("nan"), 2.5]))
    assert (nan_formatter.format(float("nan")), nan_formatter.format(2.5), nan_formatter.width()) == \
        ("   nan", "2.5000", 6)


def test_formatter_matches_torch():
    torch = pytest.importorskip("torch")
    from torch._tensor_str import _Formatter as TorchFormatter
    from nn._tensor_str import _Formatter
    for values in ([1.0], [0.2], [1e-4], [3], [1.5, 100.25, 3.0], [1e9, 1.0], [-0.0, 2.0]):
        for v in values:
            assert _Formatter(nn.tensor(values)).format(v) == TorchFormatter(torch.tensor(values)).format(v)


# ---- several Ellipses in one index --------------------------------------------------------------------------------

def test_two_ellipses_read_as_pytorch():
    # PyTorch 2.13, x = arange(24.).reshape(2, 3, 4): x[..., ...] is x; x[0, ..., ...] is x[0];
    # x[..., None, ...] has shape (2, 3, 4, 1); x[None, ..., 1, ...] is x[None, :, :, 1] (1, 2, 3);
    # x[..., [1], ...] is x[..., [1]] (2, 3, 1)
    x = nn.arange(24.0).reshape(2, 3, 4)
    data = _f(x)
    assert np.array_equal(_f(x[..., ...]), data)
    assert np.array_equal(_f(x[0, ..., ...]), data[0])
    assert tuple(x[..., None, ...].shape) == (2, 3, 4, 1)
    assert np.array_equal(_f(x[..., None, ...]), data[..., None])
    assert np.array_equal(_f(x[None, ..., 1, ...]), data[None, :, :, 1])
    assert np.array_equal(_f(x[..., [1], ...]), data[..., [1]])
    # pfhedge's moneyness: index = ... if time_step is None else [time_step]; spot[..., index] / strike
    spot = nn.tensor([[1.0, 1.5, 0.75], [1.0, 0.5, 1.25]])
    assert np.allclose(_f(spot[..., ...] / 2.0), _f(spot) / 2.0)
    assert _f(spot[..., [1]]).tolist() == [[1.5], [0.5]]


def test_two_ellipses_gradient_and_write():
    # the read is differentiable (each element's gradient 1 here); a write through x[..., ...] fills all of x
    x = nn.arange(6.0).reshape(2, 3).requires_grad_()
    x[..., ...][0].sum().backward()
    assert _f(x.grad).tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    y = nn.zeros(2, 3)
    y[..., ...] = 5.0
    assert _f(y).tolist() == [[5.0] * 3] * 2
    y[0, ..., ...] = nn.tensor([1.0, 2.0, 3.0])
    assert _f(y).tolist() == [[1.0, 2.0, 3.0], [5.0] * 3]
    # x[..., ..., 1, 2]: the Ellipses stand for no dims (PyTorch: the element [1, 2]); x[..., ..., [1]] of a 3-d x:
    # each stands for two, five dims in all (PyTorch: "too many indices for tensor of dimension 3 (got 5)")
    assert _f(nn.arange(6.0).reshape(2, 3)[..., ..., 1, 2]).tolist() == 5.0
    with pytest.raises(IndexError, match="^too many indices for tensor of dimension 3"):
        nn.zeros(2, 3, 4)[..., ..., [1]]


# ---- lazy layers take the default dtype at construction -----------------------------------------------------------

def test_lazy_linear_built_under_float64_default_is_float64(default_dtype):
    # PyTorch 2.13: with set_default_dtype(float64), LazyLinear(3)(torch.zeros(2, 4)).weight.dtype is float64
    # (pfhedge's MultiLayerPerceptron() in a float64 program)
    nn.set_default_dtype(nn.float64)
    layer = nn.LazyLinear(3)
    out = layer(nn.zeros(2, 4))
    assert layer.weight.dtype is nn.float64 and layer.bias.dtype is nn.float64 and out.dtype is nn.float64
    conv = nn.LazyConv2d(3, 2)
    norm = nn.LazyBatchNorm1d()
    nn.set_default_dtype(nn.float32)            # (the dtype at construction counts, not at the first call)
    conv(nn.zeros(1, 2, 5, 5, dtype=nn.float64))
    norm(nn.zeros(3, 2, dtype=nn.float64))
    assert conv.weight.dtype is nn.float64 and norm.weight.dtype is nn.float64 and norm.running_mean.dtype is nn.float64


def test_lazy_linear_dtype_argument_and_mismatch(default_dtype):
    # PyTorch 2.13: LazyLinear(3, dtype=torch.float64) under the float32 default is float64; one built under the
    # float32 default and called on float64 input refuses: "mat1 and mat2 must have the same dtype, but got Double
    # and Float"; UninitializedParameter(dtype=torch.float64).dtype is float64, UninitializedParameter() the default
    nn.set_default_dtype(nn.float32)
    layer = nn.LazyLinear(3, dtype=nn.float64)
    layer(nn.zeros(2, 4, dtype=nn.float64))
    assert layer.weight.dtype is nn.float64 and layer.bias.dtype is nn.float64
    assert nn.UninitializedParameter(dtype=nn.float64).dtype is nn.float64
    assert nn.UninitializedParameter().dtype is nn.float32
    lazy = nn.LazyLinear(3)
    nn.set_default_dtype(nn.float64)
    assert nn.UninitializedParameter().dtype is nn.float64
    with pytest.raises(RuntimeError, match="^mat1 and mat2 must have the same dtype, but got Double and Float$"):
        lazy(nn.zeros(2, 4))
    assert nn.LazyLinear(3).double()(nn.zeros(2, 4)).dtype is nn.float64


# ---- linalg.svd(out=) ---------------------------------------------------------------------------------------------

def test_linalg_svd_writes_into_out():
    # PyTorch 2.13: torch.linalg.svd(X, full_matrices=False, out=(U, s, Vh)) writes the thin factors into the
    # given tensors and returns them (pymde's proj_standardized(X, inplace=True)); X = [[1, 2], [3, 4], [5, 7]] has
    # singular values 10.19140..., 0.36714...
    X = nn.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]], dtype=nn.float64)
    U, s, Vh = nn.zeros(3, 2, dtype=nn.float64), nn.zeros(2, dtype=nn.float64), nn.zeros(2, 2, dtype=nn.float64)
    result = nn.linalg.svd(X, full_matrices=False, out=(U, s, Vh))
    assert result[0] is U and result[1] is s and result[2] is Vh
    assert np.allclose(_f(s), np.linalg.svd(_f(X), compute_uv=False))
    assert np.allclose(_f(U) * _f(s) @ _f(Vh), _f(X))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        nn.linalg.svd(X.clone().requires_grad_(), full_matrices=False, out=(U, s, Vh))


# ---- lobpcg refuses another dtype for X or B ----------------------------------------------------------------------

@pytest.mark.parametrize("a, x, words", [("float32", "float64", "float != double"),
                                         ("float64", "float32", "double != float")])
def test_lobpcg_refuses_a_start_of_another_dtype(a, x, words):
    # PyTorch 2.13: torch.lobpcg(A=eye(6, float32), X=randn(6, 2, float64)) -> RuntimeError "expected m1 and m2 to
    # have the same dtype, but got: float != double" (its first product A @ X)
    A = nn.eye(6, dtype=getattr(nn, a)) * nn.arange(1.0, 7.0, dtype=getattr(nn, a))
    with pytest.raises(RuntimeError, match=f"^expected m1 and m2 to have the same dtype, but got: {words}$"):
        nn.lobpcg(A=A, X=nn.ones(6, 2, dtype=getattr(nn, x)), largest=False)


def test_lobpcg_refuses_b_of_another_dtype_and_takes_matching_ones():
    # PyTorch 2.13: lobpcg(A float32, B float64, k=1) -> "... but got: double != float" (B @ X first); A float64,
    # B float32 -> "float != double"; with matching dtypes the smallest eigenpairs of diag(1..6) are 1 and 2
    with pytest.raises(RuntimeError, match="but got: double != float$"):
        nn.lobpcg(A=nn.eye(6), B=nn.eye(6, dtype=nn.float64), k=1)
    with pytest.raises(RuntimeError, match="but got: float != double$"):
        nn.lobpcg(A=nn.eye(6, dtype=nn.float64), B=nn.eye(6), k=1)
    A = nn.diag(nn.arange(1.0, 7.0, dtype=nn.float64))
    E, V = nn.lobpcg(A=A, X=nn.ones(6, 2, dtype=nn.float64), largest=False)
    assert np.allclose(_f(E), [1.0, 2.0]) and tuple(V.shape) == (6, 2)


# ---- Optimizer.load_state_dict takes the saved groups ----------------------------------------------------------------

def test_load_state_dict_drops_keys_the_saved_groups_lack():
    # PyTorch 2.13: optimizer.load_state_dict(saved) makes each group the saved one (its params substituted), so a
    # scheduler's 'initial_lr' added after the save is gone: torch-lr-finder's reset() loads the state cached
    # before its range test's schedule, and the next range_test checks `"initial_lr" in param_group` ("Optimizer
    # already has a scheduler attached to it" in nn before). A hyper-parameter the saved group lacks (an older
    # PyTorch's state) keeps this optimizer's value.
    import copy
    p = nn.Parameter(nn.ones(2))
    opt = nn.optim.SGD([p], lr=0.1, momentum=0.9)
    saved = copy.deepcopy(opt.state_dict())
    schedule = nn.optim.lr_scheduler.ExponentialLR(opt, 0.5)
    opt.step()
    schedule.step()
    opt.param_groups[0]["note"] = "added after the save"
    assert opt.param_groups[0]["initial_lr"] == 0.1 and opt.param_groups[0]["lr"] == 0.05
    opt.load_state_dict(saved)
    group = opt.param_groups[0]
    assert "initial_lr" not in group and "note" not in group
    assert group["lr"] == 0.1 and group["momentum"] == 0.9 and group["params"][0] is p
    older = copy.deepcopy(saved)
    del older["param_groups"][0]["nesterov"]
    opt.load_state_dict(older)
    assert opt.param_groups[0]["nesterov"] is False
    nn.optim.lr_scheduler.ExponentialLR(opt, 0.5)      # a new schedule starts from the restored lr
    assert opt.param_groups[0]["initial_lr"] == 0.1


# ---- the older torch.qr warns that it is deprecated -----------------------------------------------------------------

def test_older_qr_warns_once(monkeypatch):
    # PyTorch 2.13: torch.qr(A) (and A.qr()) warns once per process (TORCH_WARN_ONCE), a UserWarning starting
    # "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch release." (pymde's
    # hutchpp calls it); the factors are linalg.qr's
    import warnings
    import nn.linalg
    monkeypatch.setattr(nn.linalg, "_OLDER_WARNED", set())       # (round 40: one flag set for the older forms)
    A = nn.tensor([[2.0, 0.0], [0.0, 3.0], [0.0, 0.0]])
    with pytest.warns(UserWarning, match=r"^torch\.qr is deprecated in favor of torch\.linalg\.qr and will be removed "
                                         r"in a future PyTorch release\.\nThe boolean parameter 'some' has been "
                                         r"replaced with a string parameter 'mode'\."):
        Q, R = nn.qr(A)
    assert np.allclose(np.abs(_f(R)), [[2.0, 0.0], [0.0, 3.0]]) and tuple(Q.shape) == (3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tuple(A.qr(some=False)[0].shape) == (3, 3)


def test_fixes_match_torch():
    torch = pytest.importorskip("torch")
    t = torch.arange(24.0).reshape(2, 3, 4)
    x = nn.arange(24.0).reshape(2, 3, 4)
    for index in [(..., ...), (0, ..., ...), (..., None, ...), (None, ..., 1, ...), (..., [1], ...)]:
        assert np.array_equal(_f(x[index]), t[index].numpy())
    assert [str(v).replace("torch.", "nn.") for v in torch._C._nn._parse_to(torch.float64)] == \
        [str(v) for v in nn._C._nn._parse_to(nn.float64)]
    for a, b in [(torch.float32, torch.float64), (torch.float64, torch.float32)]:
        with pytest.raises(RuntimeError) as et:
            torch.lobpcg(A=torch.eye(6, dtype=a), X=torch.ones(6, 2, dtype=b))
        with pytest.raises(RuntimeError) as en:
            nn.lobpcg(A=nn.eye(6, dtype=getattr(nn, str(a)[6:])), X=nn.ones(6, 2, dtype=getattr(nn, str(b)[6:])))
        assert str(et.value) == str(en.value)


# ---- the optimizer flags each of PyTorch's optimizers has (found by this area, fixed by the lead) ----------------
# nn put maximize, foreach, capturable, differentiable and fused into every optimizer's groups and took all five
# as arguments; PyTorch 2.13's SGD and Adagrad have no capturable, its Adadelta, Adamax, NAdam, RAdam, RMSprop,
# Rprop and ASGD no fused, SparseAdam none but maximize (refused as unexpected keyword arguments, absent from the
# groups and so from state dicts).
_PYTORCH_FLAGS = {
    "SGD": {"maximize", "foreach", "differentiable", "fused"},
    "Adagrad": {"maximize", "foreach", "differentiable", "fused"},
    "Adam": {"maximize", "foreach", "capturable", "differentiable", "fused"},
    "AdamW": {"maximize", "foreach", "capturable", "differentiable", "fused"},
    "SparseAdam": {"maximize"},
    **{n: {"maximize", "foreach", "capturable", "differentiable"}
       for n in ("Adadelta", "Adamax", "NAdam", "RAdam", "RMSprop", "Rprop", "ASGD")},
}
_ALL_FLAGS = {"maximize", "foreach", "capturable", "differentiable", "fused"}


@pytest.mark.parametrize("name", sorted(_PYTORCH_FLAGS))
def test_each_optimizer_has_pytorchs_flags_and_refuses_the_others(name):
    p = nn.Parameter(nn.ones(2))
    cls = getattr(nn.optim, name)
    assert set(cls([p]).param_groups[0]) & _ALL_FLAGS == _PYTORCH_FLAGS[name]
    assert set(cls([p]).state_dict()["param_groups"][0]) & _ALL_FLAGS == _PYTORCH_FLAGS[name]
    for flag in sorted(_ALL_FLAGS - _PYTORCH_FLAGS[name]):
        with pytest.raises(TypeError, match=rf"^{name}\.__init__\(\) got an unexpected keyword argument '{flag}'$"):
            cls([p], **{flag: None})
    with pytest.raises(TypeError, match=rf"^{name}\.__init__\(\) got an unexpected keyword argument 'turbo'$"):
        cls([p], turbo=True)
