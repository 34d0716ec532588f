"""YOLO detection, segmentation, pose, OBB and classification models from the package registry: ultralytics 8.4.190
(with ultralytics-thop 2.2.3, pure Python, both installed with --no-deps), ported by the porting rule (every .py
file; renamed ultralyticsp / thopp in their own import lines) and run against the original on PyTorch 2.13 in
float64 with PyTorch's weights: DetectionModel from yolov8n, yolo11n, yolov5nu, yolov9t and yolov10n, the seg, pose,
OBB and cls models (train-mode outputs, eval-mode decoded outputs, input and parameter gradients, fuse(),
state_dict), their losses on a synthetic batch with AdamW steps, the box / mask / rotated-box metrics, ops, NMS,
utils.tal, ModelEMA, build_optimizer, and model_info / get_flops through thop.

The failures these tests pin down, each in a few lines (no package is imported here): thop's FLOP rules name
PyTorch's private family bases at import (``torch.nn.modules.padding._ConstantPadNd``, ``_ReflectionPadNd``,
``_ReplicationPadNd``, ``_CircularPadNd``, ``torch.nn.modules.pooling._AdaptiveAvgPoolNd`` /
``_AdaptiveMaxPoolNd``), which nn lacked, and nn's AdaptiveMaxPool1d/2d/3d derived from AdaptiveAvgPool1d/2d/3d (a
max pool was an average pool to isinstance and to a walk of the MRO); thop also registers
``nn.FractionalMaxPool2d`` / ``3d``, which nn did not have (thop, and so ultralytics' model_info / get_flops and the
ClassificationModel, did not import); thop counts the products a forward runs functionally (C2PSA's attention
``q.transpose(-2, -1) @ k``) with a TorchFunctionMode that looks the function up in a dict keyed at its import by
``torch.Tensor.__matmul__``, ``Tensor.bmm``, ``F.linear``, ``F.scaled_dot_product_attention``: nn replaced those by
dispatching wrappers when the first mode was entered, so the mode was handed other objects and counted nothing (YOLO11n
reported 0.066118784 GFLOPs at 64 px where PyTorch reports 0.066124928).
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import nn
import nn.functional as F


# ---- PyTorch's private padding and adaptive-pooling family bases -------------------------------------------------

def test_padding_family_bases():
    from nn.modules import padding
    families = {padding._ConstantPadNd: ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d",
                                         "ZeroPad3d"],
                padding._ReflectionPadNd: ["ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d"],
                padding._ReplicationPadNd: ["ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d"],
                padding._CircularPadNd: ["CircularPad1d", "CircularPad2d", "CircularPad3d"]}
    for base, names in families.items():
        for other, other_names in families.items():
            for name in other_names:
                assert issubclass(getattr(nn, name), base) == (base is other), (base, name)
    # unchanged behaviour
    assert F.pad is not None and nn.ReflectionPad1d(1)(nn.arange(4.).reshape(1, 1, 4)).tolist() == [[[1, 0, 1, 2, 3, 2]]]
    assert nn.ZeroPad2d(1)(nn.ones(1, 1, 1, 1)).sum().item() == 1 and repr(nn.ZeroPad1d(2)) == "ZeroPad1d((2, 2))"


def test_adaptive_pool_family_bases():
    from nn.modules import pooling
    for d in "123":
        avg, mx = getattr(nn, f"AdaptiveAvgPool{d}d"), getattr(nn, f"AdaptiveMaxPool{d}d")
        assert issubclass(avg, pooling._AdaptiveAvgPoolNd) and not issubclass(avg, pooling._AdaptiveMaxPoolNd)
        assert issubclass(mx, pooling._AdaptiveMaxPoolNd) and not issubclass(mx, pooling._AdaptiveAvgPoolNd)
        assert not issubclass(mx, avg)                  # a max pool is no average pool, as in PyTorch
        m = mx(2, return_indices=True)
        assert m.output_size == 2 and m.return_indices is True and repr(m) == f"AdaptiveMaxPool{d}d(output_size=2)"
    y, i = nn.AdaptiveMaxPool2d(1, return_indices=True)(nn.tensor([[[[1.0, 3.0], [2.0, 0.0]]]]))
    assert y.item() == 3.0 and i.item() == 1
    assert nn.AdaptiveAvgPool2d((1, None))(nn.ones(1, 2, 3, 4)).shape == (1, 2, 1, 4)


def test_family_bases_match_pytorch():
    torch = pytest.importorskip("torch")
    for mod, names in [("padding", ["_ConstantPadNd", "_ReflectionPadNd", "_ReplicationPadNd", "_CircularPadNd"]),
                       ("pooling", ["_AdaptiveAvgPoolNd", "_AdaptiveMaxPoolNd"])]:
        for base in names:
            theirs, ours = getattr(getattr(torch.nn.modules, mod), base), getattr(getattr(nn.modules, mod), base)
            for name in dir(torch.nn):
                if name[0].isupper() and hasattr(nn, name) and isinstance(getattr(nn, name), type):
                    assert issubclass(getattr(torch.nn, name), theirs) == issubclass(getattr(nn, name), ours), name


# ---- FractionalMaxPool2d / 3d ------------------------------------------------------------------------------------

def test_fractional_max_pool2d_windows_and_indices():
    x = nn.arange(100.0).reshape(1, 1, 10, 10)
    # _random_samples[..., 0] draws the width's intervals, [..., 1] the height's (PyTorch 2.13's values)
    _, i = F.fractional_max_pool2d(x, 2, output_size=4, return_indices=True, _random_samples=nn.tensor([[[0.0, 0.9]]]))
    assert i.tolist() == [[[[11, 13, 16, 19], [41, 43, 46, 49], [61, 63, 66, 69], [91, 93, 96, 99]]]]
    y, i = F.fractional_max_pool2d(x, 2, output_size=4, return_indices=True, _random_samples=nn.tensor([[[0.9, 0.0]]]))
    assert i.tolist() == [[[[11, 14, 16, 19], [31, 34, 36, 39], [61, 64, 66, 69], [91, 94, 96, 99]]]]
    assert y.dtype == nn.float32 and i.dtype == nn.int64 and y.tolist() == i.float().tolist()
    # a tie keeps the first maximum; a NaN wins, the last one of its window
    z = nn.tensor([[[[1.0, 4.0, 3.0], [2.0, 4.0, 0.0], [7.0, 0.0, 0.0]]]])
    y, i = F.fractional_max_pool2d(z, 2, output_size=2, return_indices=True, _random_samples=nn.zeros(1, 1, 2))
    assert y.tolist() == [[[[4, 4], [7, 4]]]] and i.tolist() == [[[[1, 1], [6, 4]]]]
    y1, i1 = F.fractional_max_pool2d(z[0], 2, output_size=2, return_indices=True, _random_samples=nn.zeros(1, 1, 2))
    assert y1.shape == (1, 2, 2) and i1.tolist() == [[[1, 1], [6, 4]]]
    n = float("nan")
    z = nn.tensor([[[[1.0, n, 3.0], [n, 2.0, 5.0], [7.0, 0.0, 0.0]]]])
    y, i = F.fractional_max_pool2d(z, 2, output_size=2, return_indices=True, _random_samples=nn.zeros(1, 1, 2))
    assert i.tolist() == [[[[3, 1], [3, 5]]]] and np.isnan(y.numpy()).sum() == 3


def test_fractional_max_pool3d_windows():
    x = nn.arange(1000.0).reshape(1, 1, 10, 10, 10)
    # 3-d: _random_samples[..., 0, 1, 2] draw the time, height and width intervals
    _, i = F.fractional_max_pool3d(x, 2, output_size=4, return_indices=True,
                                   _random_samples=nn.tensor([[[0.9, 0.0, 0.0]]]))
    assert i[0, 0, :, 0, 0].tolist() == [111, 411, 611, 911] and i[0, 0, 0, :, 0].tolist() == [111, 131, 161, 191]
    assert i[0, 0, 0, 0, :].tolist() == [111, 113, 116, 119]
    _, i = F.fractional_max_pool3d(x, 2, output_size=4, return_indices=True,
                                   _random_samples=nn.tensor([[[0.0, 0.0, 0.9]]]))
    assert i[0, 0, 0, 0, :].tolist() == [111, 114, 116, 119] and i[0, 0, :, 0, 0].tolist() == [111, 311, 611, 911]


def test_fractional_max_pool_gradient_by_finite_differences():
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal((2, 3, 7, 8))
    u = nn.tensor(rng.random((2, 3, 2)))
    g = rng.standard_normal((2, 3, 4, 5))
    x = nn.tensor(x0, requires_grad=True)
    (F.fractional_max_pool2d(x, (3, 2), output_size=(4, 5), _random_samples=u) * nn.tensor(g)).sum().backward()
    f = (lambda a: float((F.fractional_max_pool2d(nn.tensor(a), (3, 2), output_size=(4, 5), _random_samples=u).numpy()
                          * g).sum()))
    fd = np.zeros_like(x0)
    for k in np.ndindex(*x0.shape):
        e = np.zeros_like(x0)
        e[k] = 1e-6
        fd[k] = (f(x0 + e) - f(x0 - e)) / 2e-6
    np.testing.assert_allclose(x.grad.numpy(), fd, atol=1e-8)
    x3 = nn.tensor(rng.standard_normal((1, 2, 5, 6, 7)), requires_grad=True)
    y = F.fractional_max_pool3d(x3, 2, output_ratio=0.5)
    y.sum().backward()
    assert y.shape == (1, 2, 2, 3, 3) and x3.grad.sum().item() == 36 and set(np.unique(x3.grad.numpy())) <= {0, 1, 2}


def test_fractional_max_pool_modules_and_errors():
    m = nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))
    assert m.kernel_size == (3, 3) and m.output_ratio == (0.5, 0.5) and m.output_size is None and repr(m) == \
        "FractionalMaxPool2d()" and dict(m.state_dict()) == {}
    assert nn.FractionalMaxPool3d(2, output_size=2).output_size == (2, 2, 2)
    assert m(nn.randn(2, 3, 10, 9)).shape == (2, 3, 5, 4)
    u = nn.tensor(np.random.default_rng(1).random((1, 2, 2)), dtype=nn.float32)
    a = nn.FractionalMaxPool2d(2, output_size=3, _random_samples=u)
    x = nn.randn(1, 2, 6, 6)
    assert (a(x) == F.fractional_max_pool2d(x, 2, output_size=3, _random_samples=u)).all()
    with pytest.raises(ValueError, match="requires specifying either an output size, or a pooling ratio"):
        nn.FractionalMaxPool2d(2)
    with pytest.raises(ValueError, match="only one of output_size and output_ratio may be specified"):
        nn.FractionalMaxPool2d(2, output_size=3, output_ratio=0.5)
    with pytest.raises(ValueError, match=r"output_ratio must be between 0 and 1 \(got 1.5\)"):
        nn.FractionalMaxPool3d(2, output_ratio=1.5)
    with pytest.raises(RuntimeError, match=r"fractional_max_pool2d\(\): pool height 4 too large relative to input "
                                           "height 4"):
        F.fractional_max_pool2d(nn.randn(1, 1, 4, 4), 4, output_size=2)
    assert F.fractional_max_pool2d(nn.randn(1, 1, 4, 6), 3, output_size=(2, 4)).shape == (1, 1, 2, 4)
    # 3-d refuses a last window that ends at the border, and checks time, width, height in that order
    with pytest.raises(RuntimeError, match="pool width 3 too large relative to input width 5"):
        F.fractional_max_pool3d(nn.randn(1, 1, 6, 4, 5), 3, output_size=(2, 2, 3))
    with pytest.raises(RuntimeError, match="pool height 3 too large relative to input height 4"):
        F.fractional_max_pool3d(nn.randn(1, 1, 5, 4, 6), 3, output_size=(1, 2, 1))
    with pytest.raises(RuntimeError, match="Expect _random_samples to have the same dtype as input"):
        F.fractional_max_pool2d(nn.randn(1, 1, 4, 4), 2, output_size=2, _random_samples=nn.rand(1, 1, 2).double())
    with pytest.raises(RuntimeError, match="no less then input batch size"):
        F.fractional_max_pool2d(nn.randn(2, 1, 4, 4), 2, output_size=2, _random_samples=nn.rand(1, 1, 2))


def test_fractional_max_pool_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    for dt in (np.float64, np.float32):
        for shape, k, o, nd in [((2, 3, 9, 11), (3, 2), (5, 8), 2), ((3, 7, 8), 3, 3, 2), ((1, 2, 40, 40), 3, 17, 2),
                                ((2, 2, 7, 8, 9), 2, (3, 4, 5), 3)]:
            x = rng.standard_normal(shape).astype(dt)
            x[x > 1.8] = np.nan
            u = rng.random((1 if len(shape) == nd + 1 else shape[0], shape[-nd - 1], nd)).astype(dt)
            g = None
            outs = []
            for lib, fn in ((torch, getattr(torch.nn.functional, f"fractional_max_pool{nd}d")),
                            (nn, getattr(F, f"fractional_max_pool{nd}d"))):
                xt = lib.tensor(x, requires_grad=True)
                y, i = fn(xt, k, output_size=o, return_indices=True, _random_samples=lib.tensor(u))
                g = rng.standard_normal(tuple(y.shape)).astype(dt) if g is None else g
                y.backward(lib.tensor(g))
                outs.append((y.detach().numpy(), i.numpy(), xt.grad.numpy()))
            for a, b in zip(*outs):
                assert a.dtype == b.dtype
                np.testing.assert_array_equal(a, b)


# ---- functions a TorchFunctionMode is handed: the objects PyTorch code captured at its import ----------------------

_COUNTER = r"""
import nn, nn.functional as F
keys = {F.linear: "linear", F.scaled_dot_product_attention: "sdpa", nn.Tensor.__matmul__: "@",
        nn.Tensor.__rmatmul__: "r@", nn.Tensor.bmm: "bmm", nn.matmul: "matmul"}     # taken before any mode, as thop
seen = []
class Counter(nn.overrides.TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in keys:
            seen.append(keys[func])
        return func(*args, **(kwargs or {}))
x = nn.ones(2, 3, 3)
with Counter():
    F.linear(x, x[0]); F.scaled_dot_product_attention(x, x, x); x @ x; x.__rmatmul__(x); x.bmm(x); nn.matmul(x, x)
print(seen)
"""


def test_functions_captured_before_the_first_mode_are_the_ones_it_sees():
    # a fresh interpreter: dispatching is switched on once per process, by the first mode or Tensor subclass
    root = os.path.dirname(os.path.dirname(os.path.abspath(nn.__file__)))        # this nn, first on the path
    out = subprocess.run([sys.executable, "-c", _COUNTER], capture_output=True, text=True, check=True, cwd=root).stdout
    # `x @ x` is handed over as Tensor.matmul, as PyTorch 2.13 does (so a key Tensor.__matmul__ sees no call there)
    assert out.strip() == "['linear', 'sdpa', 'r@', 'bmm', 'matmul']"


def test_linear_and_sdpa_behave_as_builtins():
    class Holder:
        lin = F.linear

    x, w = nn.ones(2, 3), nn.ones(4, 3)
    assert Holder().lin(x, w).shape == (2, 4)            # not bound as a method, as PyTorch's builtin
    assert F.linear.__name__ == "linear" and F.scaled_dot_product_attention.__name__ == "scaled_dot_product_attention"
    q = nn.ones(1, 2, 4)
    assert F.scaled_dot_product_attention(q, q, q, scale=0.5).shape == (1, 2, 4)
