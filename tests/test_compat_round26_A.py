"""Adversarial attacks and defences from the package registry: advertorch 0.2.3 (installed with --no-deps), ported
by the porting rule (every .py file; renamed advertorchp in its own import lines; torchvision, which
advertorch.functional imports at the top for JPEGFilter, stood in on both sides by a name-only module; PyTorch's
removed `torch.autograd.gradcheck.zero_gradients`, which the FAB attack imports, put back by the driver on both
sides) and run against the original on PyTorch 2.13 with PyTorch's weights and every random draw from one NumPy
source: FGSM / FGM, the PGD family (Linf, L2, L1, sparse L1; random start on and off; targeted), BIM, momentum,
Carlini-Wagner, EAD, DDN, FAB (Linf / L2 / L1), LBFGS, JSMA, single-pixel and local search, the spatial
transform attack, the fast feature attack, SPSA, BPDA, the smoothing / bit-squeezing defences, utils and losses.

The failures these tests pin down (no package is imported here):

- ``from torch.autograd.gradcheck import ...`` (a module in PyTorch, whose ``torch.autograd.gradcheck`` attribute
  is the function) failed on nn: there was no ``nn.autograd.gradcheck`` module.
- ``x[mask] = y.data[mask]`` with a float64 ``y`` and a float32 ``x`` (Carlini-Wagner's and EAD's bookkeeping in
  float64) raises PyTorch's "Index put requires the source and destination dtypes match"; nn cast silently,
  because a Tensor's ``.data`` is an array in nn and only Tensor values were checked.
- ``F.grid_sample`` of a float64 input on a float32 grid (the spatial transform attack in float64) raises
  PyTorch's "expected scalar type Double but found Float"; nn cast the grid.
- ``x ** inf`` (advertorch's ``_get_norm_batch(x, inf)``) printed NumPy's "invalid value encountered in
  multiply" in the backward (inf * 0 = NaN); PyTorch is silent.
- A custom Function whose backward returns a list (advertorch's ``BPDAWrapper`` hands on the user's
  ``backward``'s result) is refused by PyTorch, which takes only a tuple as several gradients; nn accepted it.
"""
import sys
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


# ---- nn.autograd.gradcheck, the module --------------------------------------------------------------------------

def test_autograd_gradcheck_module_imports():
    from nn.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
    assert "nn.autograd.gradcheck" in sys.modules
    assert nn.autograd.gradcheck is gradcheck           # the attribute stays the function, as torch.autograd's
    x = nn.tensor([0.3, -0.7], dtype=nn.float64, requires_grad=True)
    assert gradcheck(lambda t: t.sin() * t, (x,))
    assert gradgradcheck(lambda t: t.sin() * t, (x,))
    assert issubclass(GradcheckError, AssertionError)


def test_autograd_gradcheck_module_error():
    from nn.autograd.gradcheck import GradcheckError, gradcheck

    class Wrong(nn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    with pytest.raises(GradcheckError):
        gradcheck(Wrong.apply, (nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True),))


# ---- x[mask] = y.data[mask]: the dtype check --------------------------------------------------------------------

def test_setitem_of_data_array_checks_dtype():
    dst = nn.zeros(3)                                    # float32
    src = nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64, requires_grad=True)
    mask = nn.tensor([True, False, True])
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match, got "
                                           "Float for the destination and Double for the source."):
        dst[mask] = src.data[mask]                       # Carlini-Wagner: final_l2distsqs[mask] = l2distsq[mask]
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
        dst[nn.tensor([0, 2])] = src.data[:2]
    np.testing.assert_array_equal(dst.numpy(), [0, 0, 0])
    # what stays allowed
    dst[mask] = src.data[:1]                             # one element: masked_fill_, which converts (PyTorch too)
    np.testing.assert_array_equal(dst.numpy(), [1, 0, 1])
    dst[0:3] = src.data                                  # a basic index: copy_, which converts
    np.testing.assert_array_equal(dst.numpy(), [1, 2, 3])
    same = nn.zeros(3, dtype=nn.float64)
    same[mask] = src.data[mask]
    np.testing.assert_array_equal(same.numpy(), [1, 0, 3])
    dst = nn.zeros(3)
    # a NumPy array is no value PyTorch's indexing takes (nn converted it until the forty-second round)
    with pytest.raises(TypeError, match=r"^can't assign a numpy\.ndarray to a torch\.FloatTensor$"):
        dst[mask] = np.array([5.0, 6.0])
    np.testing.assert_array_equal(dst.numpy(), [0, 0, 0])


def test_setitem_of_data_array_as_torch():
    torch = pytest.importorskip("torch")
    words = []
    for lib in (torch, nn):
        dst = lib.zeros(3)
        with pytest.raises(RuntimeError) as e:
            dst[lib.tensor([True, False, True])] = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64).data[:2]
        words.append(str(e.value))
    assert words[0] == words[1]


# ---- grid_sample: the grid's dtype must be the input's ----------------------------------------------------------

@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_grid_sample_dtype_mismatch(mode):
    x = nn.tensor(np.random.default_rng(0).random((1, 1, 4, 4)))            # float64
    grid = nn.tensor(np.random.default_rng(1).uniform(-1, 1, (1, 2, 2, 2)), dtype=nn.float32)
    with pytest.raises(RuntimeError, match="^expected scalar type Double but found Float$"):
        F.grid_sample(x, grid, mode=mode, align_corners=False)
    with pytest.raises(RuntimeError, match="^expected scalar type Float but found Double$"):
        F.grid_sample(x.float(), grid.double(), mode=mode, align_corners=False)


def test_grid_sample_volumetric_dtype_mismatch_and_same_dtype_values():
    rng = np.random.default_rng(2)
    with pytest.raises(RuntimeError, match="expected scalar type Double but found Float"):
        F.grid_sample(nn.tensor(rng.random((1, 1, 3, 3, 3))), nn.zeros(1, 2, 2, 2, 3), align_corners=True)
    x = rng.random((1, 1, 3, 3))
    y = F.grid_sample(nn.tensor(x), nn.zeros(1, 1, 1, 2, dtype=nn.float64), align_corners=True)
    assert y.dtype == nn.float64
    np.testing.assert_allclose(y.numpy().ravel(), [x[0, 0, 1, 1]], rtol=1e-15)     # the centre, exactly


def test_spatial_transform_in_float64_as_torch():
    torch = pytest.importorskip("torch")
    words = []
    for lib in (torch, nn):
        theta = lib.tensor([[[1.0, 0.1, 0.0], [0.0, 1.0, 0.0]]])                 # float32, as advertorch's
        grid = lib.nn.functional.affine_grid(theta, (1, 1, 4, 4), align_corners=False)
        with pytest.raises(RuntimeError) as e:
            lib.nn.functional.grid_sample(lib.ones(1, 1, 4, 4, dtype=lib.float64), grid, align_corners=False)
        words.append(str(e.value))
    assert words[0] == words[1]


# ---- pow's backward at an infinite slope is silent --------------------------------------------------------------

def test_pow_inf_backward_silent():
    x = nn.tensor([0.3, -0.2, 0.0, 1.0, 2.0], dtype=nn.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x.pow(float("inf")).sum().backward()
    # d x^inf / dx = inf * x^inf: inf * 0 = NaN below 1 in magnitude, inf at 1 and above (PyTorch's values)
    np.testing.assert_array_equal(np.asarray(x.grad), [np.nan, np.nan, np.nan, np.inf, np.inf])


def test_pow_inf_norm_backward_silent():
    # advertorch's _get_norm_batch(x, inf): x.abs().pow(inf).sum(1).pow(1 / inf)
    x = nn.tensor(np.random.default_rng(3).uniform(-0.5, 0.5, (2, 6)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        n = x.abs().pow(float("inf")).sum(1).pow(1.0 / float("inf"))
        n.sum().backward()
    np.testing.assert_array_equal(n.detach().numpy(), [1.0, 1.0])
    assert np.isnan(np.asarray(x.grad)).all()


def test_pow_infinite_slope_times_zero_silent():
    x = nn.tensor([0.0, 4.0], dtype=nn.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (x.pow(0.5) * nn.tensor([0.0, 1.0], dtype=nn.float64)).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [np.nan, 0.25])


# ---- a Function's backward returns a tuple, not a list ----------------------------------------------------------

def _function(n_inputs, grads):
    class F_(nn.autograd.Function):
        @staticmethod
        def forward(ctx, *xs):
            return sum(x * 2 for x in xs)

        @staticmethod
        def backward(ctx, g):
            return grads(g)
    return F_


def test_function_backward_list_refused():
    x = nn.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^expected Variable or None \(got list\)$"):
        _function(1, lambda g: [g * 2]).apply(x).sum().backward()
    xs = [nn.ones(2, requires_grad=True) for _ in range(2)]
    with pytest.raises(RuntimeError, match="returned 1 gradients for its 2"):          # a list is one gradient
        _function(2, lambda g: [g * 2, g * 2]).apply(*xs).sum().backward()
    # a tuple, or one gradient alone, as before
    x = nn.ones(2, requires_grad=True)
    _function(1, lambda g: (g * 2,)).apply(x).sum().backward()
    _function(1, lambda g: g * 2).apply(x).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [4.0, 4.0])
    xs = [nn.ones(2, requires_grad=True) for _ in range(2)]
    _function(2, lambda g: (g * 2, None)).apply(*xs).sum().backward()
    np.testing.assert_array_equal(np.asarray(xs[0].grad), [2.0, 2.0])
    assert xs[1].grad is None


def test_function_backward_list_as_torch():
    torch = pytest.importorskip("torch")
    words = []
    for lib in (torch, nn):
        class G(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return [g * 2]
        with pytest.raises(RuntimeError) as e:
            G.apply(lib.ones(2, requires_grad=True)).sum().backward()
        words.append(str(e.value))
    assert words[0] == words[1] == "expected Variable or None (got list)"
