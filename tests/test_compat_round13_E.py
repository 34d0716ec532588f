"""Real image packages from the package registry, ported by the porting rule and run against PyTorch in float64:
kornia 0.9.0 (color, filters, geometry, enhance, losses, metrics, morphology, augmentation), pytorch-msssim 1.0.0,
piq 0.8.0 and torchmetrics 1.9.0's functional image and regression metrics. The failures these tests pin down, each
reproduced in a few lines (the packages themselves are never imported here): kornia reads `dtype.is_floating_point`
in its kernels, keys tables by torch.uint16 / uint32 / uint64 and lists torch.complex32, asks
torch.backends.mkldnn, torch._C._are_functorch_transforms_active, torch.onnx.is_in_onnx_export and
isinstance(h, torch.SymInt) on its eager paths, checks values with torch._assert_async, imports
torch.utils.dlpack, torch._subclasses.fake_tensor and torch.fx.experimental.proxy_tensor, holds `conv = torch.conv2d`
as a class attribute (HausdorffERLoss), snapshots its augmentation parameters by `Tensor._version`, and fits
ZCAWhitening into buffers that must keep their graph; its ZCA matrix of a rank-deficient covariance differentiates
through U of an SVD with many zero singular values; torchmetrics asks `tensor.is_mps`."""
import copy
import pickle

import numpy as np
import pytest

import nn
import nn.functional as F


# ---- dtype flags (kornia's `if not sigma.dtype.is_floating_point` in every Gaussian kernel) ------------------------

# (is_floating_point, is_complex, is_signed, itemsize) as torch.dtype gives them
DTYPE_FLAGS = {"float32": (True, False, True, 4), "float64": (True, False, True, 8), "float16": (True, False, True, 2),
               "bfloat16": (True, False, True, 2), "complex64": (False, True, True, 8),
               "complex128": (False, True, True, 16), "complex32": (False, True, True, 4),
               "int64": (False, False, True, 8), "int32": (False, False, True, 4), "int16": (False, False, True, 2),
               "int8": (False, False, True, 1), "uint8": (False, False, False, 1), "bool": (False, False, False, 1),
               "uint16": (False, False, False, 2), "uint32": (False, False, False, 4),
               "uint64": (False, False, False, 8)}


def test_dtypes_answer_is_floating_point_is_complex_is_signed_as_torch():
    flags = {name: (getattr(nn, name).is_floating_point, getattr(nn, name).is_complex, getattr(nn, name).is_signed,
                    getattr(nn, name).itemsize) for name in DTYPE_FLAGS}
    assert flags == DTYPE_FLAGS
    s = nn.tensor([[1.5]], dtype=nn.float64)
    assert [s.dtype.is_floating_point, s.dtype.is_complex, nn.tensor([[2]]).dtype.is_floating_point,
            nn.tensor([1j]).dtype.is_complex, nn.tensor([True]).dtype.is_signed] == [True, False, False, True, False]
    assert not hasattr(np.dtype("float32"), "is_floating_point")    # NumPy's own dtypes are left as they are
    torch = pytest.importorskip("torch")
    for name, want in DTYPE_FLAGS.items():
        d = getattr(torch, name)
        assert (d.is_floating_point, d.is_complex, d.is_signed, d.itemsize) == want, name


def test_limited_support_dtypes_exist_as_names_and_tensors_refuse_them():
    table = {nn.uint16: nn.int16, nn.uint32: nn.int32, nn.uint64: nn.int64}       # kornia's _UNSIGNED_AS_SIGNED
    assert table[nn.uint16] == nn.int16 and nn.chalf is nn.complex32 and repr(nn.complex32) == "nn.complex32"
    assert nn.float32 not in (nn.float16, nn.bfloat16, nn.complex32)
    for dtype in (nn.uint16, nn.uint32, nn.uint64, nn.complex32):
        with pytest.raises(TypeError, match="not supported"):
            nn.zeros(2, dtype=dtype)


# ---- backend, compiler and tracing probes that kornia asks on its eager paths ------------------------------------

def test_backend_and_tracing_probes_answer_as_eager_pytorch_without_them():
    assert nn.backends.mkldnn.is_available() is False and nn.backends.mkldnn.enabled is True
    with nn.backends.mkldnn.flags(enabled=False):
        assert nn.backends.mkldnn.enabled is False
    assert nn.backends.mkldnn.enabled is True
    assert nn._C._are_functorch_transforms_active() is False
    assert nn._C._functorch.is_legacy_batchedtensor(nn.ones(2)) is False
    assert nn.onnx.is_in_onnx_export() is False
    with pytest.raises(nn.onnx.OnnxExporterError):
        nn.onnx.export(nn.Linear(2, 2), (nn.ones(1, 2),), "m.onnx")
    from nn._subclasses.fake_tensor import is_fake
    from nn.fx.experimental.proxy_tensor import get_proxy_mode
    assert is_fake(nn.ones(1)) is False and get_proxy_mode() is None
    assert callable(nn.fx.wrap) and callable(nn.fx.symbolic_trace)      # nn.fx, now a package, keeps its names


def test_symbolic_shape_names():
    assert isinstance(3, (int, nn.SymInt)) and not isinstance(3.0, (nn.SymInt, nn.SymFloat, nn.SymBool))
    assert (nn.sym_int(2.7), nn.sym_int(-2.7), nn.sym_int(5)) == (2, -2, 5)   # truncation toward zero
    assert (nn.sym_float(3), nn.sym_max(2, 7), nn.sym_min(2, 7), nn.sym_not(False)) == (3.0, 7, 2, True)
    torch = pytest.importorskip("torch")
    assert (torch.sym_int(2.7), torch.sym_int(-2.7)) == (2, -2)


def test_assert_async_check_and_shape_as_tensor():
    nn._assert_async(nn.tensor(True))
    nn._assert_async(nn.tensor(0.5), "fine")
    with pytest.raises(RuntimeError, match="Bandwidth must be finite"):
        nn._assert_async(nn.tensor(False), "Bandwidth must be finite and greater than zero.")
    with pytest.raises(RuntimeError, match="single nonzero value, but got zero"):
        nn._assert_async(nn.tensor(0.0))
    with pytest.raises(RuntimeError, match="more than one value"):
        nn._assert_async(nn.tensor([True, True]))
    nn._check(True)
    with pytest.raises(RuntimeError, match="Expected cond to be True"):
        nn._check(False)
    with pytest.raises(RuntimeError, match="^size$"):
        nn._check(False, lambda: "size")
    with pytest.raises(TypeError, match="cond must be a bool"):
        nn._check(nn.tensor(True))
    shape = nn._shape_as_tensor(nn.zeros(2, 3))
    assert shape.tolist() == [2, 3] and shape.dtype == nn.int64


# ---- torch.utils.dlpack (kornia's Image.from_dlpack / to_dlpack) ---------------------------------------------------

def test_dlpack_round_trip_shares_memory():
    from nn.utils.dlpack import from_dlpack, to_dlpack
    x = nn.arange(6.0).reshape(2, 3)
    y = from_dlpack(to_dlpack(x))
    y[0, 0] = 7.0
    assert x[0, 0].item() == 7.0 and not y.requires_grad and y.shape == (2, 3)
    a = np.arange(3.0)
    t = nn.from_dlpack(a)
    t += 1
    assert a.tolist() == [1.0, 2.0, 3.0]
    assert x.__dlpack_device__() == (1, 0)
    with pytest.raises(BufferError, match="require gradient"):
        nn.ones(2, requires_grad=True).__dlpack__()
    assert nn.to_dlpack is to_dlpack
    torch = pytest.importorskip("torch")
    tt = torch.arange(3.0)
    u = from_dlpack(tt)
    u[0] = 5.0
    assert tt.tolist() == [5.0, 1.0, 2.0]
    assert torch.from_dlpack(x).tolist() == x.tolist()


# ---- conv functions are not bound as methods (kornia's HausdorffERLoss: conv = torch.conv2d) -----------------------

class _Morph:
    conv = nn.conv2d
    conv3 = F.conv3d

    def dilate(self, x, kernel):
        return self.conv(x, weight=kernel, padding=1, groups=1)


def test_conv_functions_as_class_attributes_are_not_bound():
    x = nn.tensor(np.arange(16.0).reshape(1, 1, 4, 4))
    k = nn.ones(1, 1, 3, 3, dtype=nn.float64)
    out = _Morph().dilate(x, k)
    xp = np.pad(np.arange(16.0).reshape(4, 4), 1)
    want = sum(xp[i:i + 4, j:j + 4] for i in range(3) for j in range(3))
    np.testing.assert_array_equal(out.numpy()[0, 0], want)
    assert _Morph().conv3(nn.ones(1, 1, 2, 2, 2), nn.ones(1, 1, 1, 1, 1)).shape == (1, 1, 2, 2, 2)
    for f in (nn.conv1d, nn.conv2d, F.conv3d, F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d):
        assert pickle.loads(pickle.dumps(f)) is f and copy.deepcopy(f) is f
    m = nn.Linear(2, 2)
    m.fn = F.conv2d
    assert copy.deepcopy(m).fn is F.conv2d


def test_conv_class_attribute_as_pytorch():
    torch = pytest.importorskip("torch")

    class Theirs:
        conv = torch.conv2d
    x = np.random.default_rng(0).standard_normal((2, 1, 5, 6))
    k = np.random.default_rng(1).standard_normal((1, 1, 3, 3))
    np.testing.assert_allclose(_Morph().conv(nn.tensor(x), weight=nn.tensor(k), padding=1).numpy(),
                               Theirs().conv(torch.tensor(x), weight=torch.tensor(k), padding=1).numpy(), rtol=1e-12)


# ---- Tensor._version (kornia's _params_snapshot) and the device probes (torchmetrics' is_mps) ----------------------

def test_version_counts_in_place_changes_as_pytorch():
    x = nn.zeros(3)
    seen = [x._version]
    x.add_(1)
    seen.append(x._version)
    x[0] = 5
    seen.append(x._version)
    x.fill_(2)
    seen.append(x._version)
    seen.append((x * 2)._version)
    z = nn.ones(2, requires_grad=True) * 1
    z.mul_(2)
    seen.append(z._version)
    z[0] = 1.0
    seen.append(z._version)
    x.zero_()
    x.clamp_(0, 1)
    x.relu_()
    seen.append(x._version)
    assert seen == [0, 1, 2, 3, 0, 1, 2, 6]           # PyTorch 2.13's counts for the same steps


def test_device_probes():
    t = nn.ones(1)
    assert not any(getattr(t, n) for n in ("is_mps", "is_xpu", "is_quantized", "is_mkldnn", "is_nested", "is_xla"))


# ---- buffers that hold a graph (kornia's ZCAWhitening(detach_transforms=False)(x, include_fit=True)) -------------

class _Whitening(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean_vector", None)
        self.register_buffer("scale", nn.zeros(2))

    def forward(self, x):
        self.mean_vector = x.mean(0, keepdim=True)       # a fitted buffer, still in the graph
        self.scale = x.std(0, keepdim=True)
        return (x - self.mean_vector) / self.scale


def test_a_buffer_assigned_a_graph_tensor_keeps_its_graph():
    x0 = np.array([[1.0, 2.0], [2.0, 0.5], [4.0, 1.5]])
    w = np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 1.0]])
    x = nn.tensor(x0, requires_grad=True)
    m = _Whitening()
    (m(x) * nn.tensor(w)).sum().backward()
    assert m.mean_vector.requires_grad and "mean_vector" in dict(m.named_buffers())

    def loss(v):                                       # the same function in NumPy, for central differences
        return float((((v - v.mean(0)) / v.std(0, ddof=1)) * w).sum())
    numeric = np.zeros_like(x0)
    for i in np.ndindex(*x0.shape):
        e = np.zeros_like(x0)
        e[i] = 1e-6
        numeric[i] = (loss(x0 + e) - loss(x0 - e)) / 2e-6
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-7, atol=1e-8)
    m.scale = nn.zeros(2)                              # a plain tensor ends it
    assert not m.scale.requires_grad
    assert nn.gradcheck(lambda v: _Whitening()(v), [nn.tensor(x0, requires_grad=True)])
    torch = pytest.importorskip("torch")
    mt = torch.nn.Module()
    mt.register_buffer("b", None)
    xt = torch.ones(2, requires_grad=True)
    mt.b = xt * 2
    assert mt.b.requires_grad


# ---- the SVD's gradient through U of a square rank-deficient matrix (kornia's ZCA of fewer samples than features) --

def _zca_loss(lib, x, w, eps=0.1):
    xc = x - x.mean(0, keepdim=True)
    cov = xc.t().mm(xc) / (x.shape[0] - 1)
    U, S, _ = lib.linalg.svd(cov)
    T = U.mm(lib.rsqrt(S.reshape(-1, 1) + eps) * U.t())
    return (xc.mm(T) * w).sum()


def test_svd_gradient_of_a_rank_deficient_square_matrix():
    rng = np.random.default_rng(0)
    x0, w = rng.standard_normal((6, 12)), rng.standard_normal((6, 12))
    x = nn.tensor(x0, requires_grad=True)
    _zca_loss(nn, x, nn.tensor(w)).backward()

    def loss(v):           # the ZCA matrix as (C + eps)^-1/2 by NumPy's eigh: no SVD, no derivative formula
        vc = v - v.mean(0)
        lam, V = np.linalg.eigh(vc.T @ vc / 5)
        return float((vc @ (V / np.sqrt(np.clip(lam, 0, None) + 0.1)) @ V.T * w).sum())
    numeric = np.zeros_like(x0)
    for i in np.ndindex(*x0.shape):
        e = np.zeros_like(x0)
        e[i] = 1e-6
        numeric[i] = (loss(x0 + e) - loss(x0 - e)) / 2e-6
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-6, atol=1e-7)
    torch = pytest.importorskip("torch")
    xt = torch.tensor(x0, requires_grad=True)
    _zca_loss(torch, xt, torch.tensor(w)).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-10)


def test_svd_gradient_of_tall_and_wide_matrices_keeps_the_projector_terms():
    rng = np.random.default_rng(1)
    for shape in ((5, 3), (3, 5)):
        a = nn.tensor(rng.standard_normal(shape), requires_grad=True)
        assert nn.gradcheck(lambda m: nn.linalg.svd(m, full_matrices=False).U.sum(-1) ** 2 +
                            nn.linalg.svd(m, full_matrices=False).S.sum(), [a])
        assert nn.gradcheck(lambda m: (nn.linalg.svd(m, full_matrices=False).Vh ** 2 * 1.5).sum(0) +
                            nn.linalg.svd(m, full_matrices=False).S[0], [a])


# ---- torch.autograd.forward_ad's probe (kornia's median, focal, morphology and distance-transform fast paths) -------

def test_forward_ad_unpack_dual_probe_and_dual_tensors_refused():
    from nn.autograd import forward_ad
    x = nn.ones(2, requires_grad=True)
    primal, tangent = forward_ad.unpack_dual(x)
    assert primal is x and tangent is None and forward_ad.unpack_dual(x).tangent is None
    with pytest.raises(NotImplementedError, match="forward-mode"):
        forward_ad.make_dual(x, nn.ones(2))
    with pytest.raises(NotImplementedError, match="forward-mode"):
        with forward_ad.dual_level():
            pass
    torch = pytest.importorskip("torch")
    assert torch.autograd.forward_ad.unpack_dual(torch.ones(2)).tangent is None
