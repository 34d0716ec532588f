"""Real segmentation / perceptual / Riemannian packages, ported by the porting rule and run against PyTorch in float64
(segmentation-models-pytorch 0.6.0 on torchvision 0.28.0's models and timm 1.0.31, lpips 0.1.4, geoopt 0.5.1). The
failures these tests pin down: torchvision imports `tqdm` from torch.utils.model_zoo and decorates with
torch.jit._script_if_tracing / _overload_method (DenseNet's typed forward stubs); lpips ships its linear layers'
weights in PyTorch's legacy (pre-1.6, non-zip) torch.save format; geoopt's ManifoldTensor / ManifoldParameter are
Tensor subclasses built in __new__ by Tensor._make_subclass, pickled by extending super().__reduce_ex__ and deep-copied
through p.data.clone(memory_format=...); DeepLab's ASPP convolutions (dilation 12 to 36) ran on a dilated kernel of
up to 73 x 73 taps, so a DeepLabV3 forward took minutes. The packages themselves are never imported here: each
idiom is reproduced in a few lines."""
import copy
import io
import pickle
import struct
import sys
import types

import numpy as np
import pytest

import nn
import nn.functional as F
from porting import load_script, port


# ---- torch.utils.model_zoo.tqdm (torchvision/datasets/utils.py) ---------------------------------------------------

def test_model_zoo_reexports_hub_tqdm():
    from nn.utils.model_zoo import tqdm
    import nn.hub
    assert tqdm is nn.hub.tqdm


def test_model_zoo_tqdm_matches_pytorch():
    torch = pytest.importorskip("torch")
    import torch.utils.model_zoo
    import nn.utils.model_zoo
    assert torch.utils.model_zoo.tqdm is torch.hub.tqdm
    assert nn.utils.model_zoo.tqdm is nn.hub.tqdm


# ---- torch.jit's decorators in torchvision (ops/boxes.py, models/densenet.py) -------------------------------------

DENSE_LAYER = '''
import torch
import torch.nn as nn
from torch import Tensor
from typing import List

@torch.jit._script_if_tracing
def halve(x):
    return x / 2

class DenseLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 2, 1)

    @torch.jit._overload_method  # noqa: F811
    def forward(self, input: List[Tensor]) -> Tensor:
        pass

    @torch.jit._overload_method  # noqa: F811
    def forward(self, input: Tensor) -> Tensor:
        pass

    def forward(self, input):  # noqa: F811
        prev = [input] if isinstance(input, Tensor) else input
        return halve(self.conv(torch.cat(prev, 1)))
'''


def test_jit_overload_method_and_script_if_tracing_keep_the_function():
    ns = load_script(port(DENSE_LAYER))
    layer = ns["DenseLayer"]().double()
    a, b = np.random.RandomState(0).randn(2, 1, 2, 3, 3)
    out = layer([nn.tensor(a), nn.tensor(b)])
    w, c = layer.conv.weight.detach().numpy()[:, :, 0, 0], layer.conv.bias.detach().numpy()
    expected = (np.einsum("oc,nchw->nohw", w, np.concatenate([a, b], 1)) + c[:, None, None]) / 2
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    assert nn.jit._overload(halve := (lambda x: x)) is halve


def test_jit_overload_method_against_pytorch():
    torch = pytest.importorskip("torch")
    theirs = {"__name__": "dense_layer"}                # PyTorch's _overload_method reads the module's name
    exec(compile(DENSE_LAYER, "<script>", "exec"), theirs)
    ours = load_script(port(DENSE_LAYER))
    torch.manual_seed(0)
    lt = theirs["DenseLayer"]().double()
    lo = ours["DenseLayer"]().double()
    lo.load_state_dict({k: v.numpy() for k, v in lt.state_dict().items()})
    x = np.random.RandomState(1).randn(2, 4, 3, 3)
    np.testing.assert_allclose(lo(nn.tensor(x)).detach().numpy(), lt(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-12)


# ---- the legacy (pre-1.6) torch.save stream (lpips' weights/v0.1/alex.pth) ----------------------------------------

class _Storage:
    def __init__(self, key, name, array):
        self.key, self.name, self.array = key, name, array


class _Global:
    """A global written by name (pickle wants a callable in a reduce)."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):
        raise TypeError("for pickling only")


def _legacy_bytes(tensors, extra_global=None):
    """A legacy torch.save stream written by hand, PyTorch 1.x's layout: the magic number, protocol 1001, sys_info,
    the object (an OrderedDict of _rebuild_tensor_v2 calls over persistent-id storages), the storage keys, then each
    storage as an int64 element count and its raw little-endian bytes."""
    storages = []

    class P(pickle._Pickler):
        dispatch = dict(pickle._Pickler.dispatch)

        def save_global_obj(self, obj):
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
            self.memoize(obj)
        dispatch[_Global] = save_global_obj

        def persistent_id(self, obj):
            if isinstance(obj, _Storage):
                return ("storage", _Global("torch", obj.name), obj.key, "cpu", obj.array.size, None)
            return None

    class T:
        def __init__(self, storage, offset, size, stride):
            self.args = (storage, offset, size, stride, False, _R(_Global("collections", "OrderedDict"), ()))

        def __reduce__(self):
            return _Global("torch._utils", "_rebuild_tensor_v2"), self.args

    class _R:
        def __init__(self, f, a):
            self.f, self.a = f, a

        def __reduce__(self):
            return self.f, self.a

    items = []
    for i, (key, (name, array, offset, size, stride)) in enumerate(tensors.items()):
        s = _Storage(str(1000 + i), name, array)
        storages.append(s)
        items.append((key, T(s, offset, size, stride)))
    obj = _R(_Global("collections", "OrderedDict"), (items,))
    if extra_global is not None:
        obj = _R(_Global(*extra_global), ("echo hi",))
    buf = io.BytesIO()
    for head in (0x1950a86a20f9469cfc6c, 1001, {"protocol_version": 1001, "little_endian": True,
                                                "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(head, buf, protocol=2)
    P(buf, protocol=2).dump(obj)
    pickle.dump([s.key for s in storages], buf, protocol=2)
    for s in storages:
        buf.write(struct.pack("<q", s.array.size) + s.array.astype(s.array.dtype.newbyteorder("<")).tobytes())
    return buf.getvalue()


def test_load_reads_the_legacy_format():
    a = np.arange(12, dtype=np.float32)
    data = _legacy_bytes({"lin0.model.1.weight": ("FloatStorage", a, 0, (1, 4, 1, 1), (4, 1, 1, 1)),
                          "view": ("FloatStorage", a, 5, (2, 2), (4, 2)),
                          "steps": ("LongStorage", np.array([3, 4], np.int64), 1, (1,), (1,))})
    sd = nn.load(io.BytesIO(data))
    assert list(sd) == ["lin0.model.1.weight", "view", "steps"]
    np.testing.assert_array_equal(sd["lin0.model.1.weight"].numpy(), a[:4].reshape(1, 4, 1, 1))
    np.testing.assert_array_equal(sd["view"].numpy(), [[5, 7], [9, 11]])
    assert sd["view"].dtype == nn.float32 and sd["steps"].dtype == nn.int64
    assert sd["steps"].tolist() == [4]


def test_load_legacy_file_path_and_state_dict(tmp_path):
    w = np.random.RandomState(0).randn(2, 3).astype(np.float32)
    path = tmp_path / "lin.pth"
    path.write_bytes(_legacy_bytes({"weight": ("FloatStorage", w.ravel(), 0, (2, 3), (3, 1)),
                                    "bias": ("FloatStorage", np.ones(2, np.float32), 0, (2,), (1,))}))
    layer = nn.Linear(3, 2)
    layer.load_state_dict(nn.load(str(path), map_location="cpu"))
    np.testing.assert_array_equal(layer.weight.detach().numpy(), w)


def test_load_legacy_refuses_code():
    data = _legacy_bytes({}, extra_global=("os", "system"))
    with pytest.raises(nn.serialization.TorchFileError, match="os.system"):
        nn.load(io.BytesIO(data))
    with pytest.raises(ValueError):                     # truncated: the storage bytes are missing
        nn.load(io.BytesIO(_legacy_bytes({"w": ("FloatStorage", np.ones(3, np.float32), 0, (3,), (1,))})[:-5]))


def test_load_legacy_against_pytorch():
    torch = pytest.importorskip("torch")
    t = torch.arange(12.0, dtype=torch.float64).reshape(3, 4)
    obj = {"w": t, "v": t[1:, ::2], "n": torch.tensor([1, 2, 3]), "b": torch.tensor([True, False]),
           "f": torch.linspace(0, 1, 5), "epoch": 3}
    buf = io.BytesIO()
    torch.save(obj, buf, _use_new_zipfile_serialization=False)
    assert not buf.getvalue().startswith(b"PK")
    ours = nn.load(io.BytesIO(buf.getvalue()))
    buf.seek(0)
    theirs = torch.load(buf)
    assert list(ours) == list(theirs) and ours["epoch"] == 3
    for k in ("w", "v", "n", "b", "f"):
        np.testing.assert_array_equal(ours[k].numpy(), theirs[k].numpy())
        assert str(ours[k].dtype).split(".")[-1] == str(theirs[k].dtype).split(".")[-1]
    ours_hand = nn.load(io.BytesIO(_legacy_bytes({"x": ("DoubleStorage", np.arange(4.0), 1, (3,), (1,))})))
    theirs_hand = torch.load(io.BytesIO(_legacy_bytes({"x": ("DoubleStorage", np.arange(4.0), 1, (3,), (1,))})))
    np.testing.assert_array_equal(ours_hand["x"].numpy(), theirs_hand["x"].numpy())


# ---- Tensor subclasses built in __new__ (geoopt's ManifoldTensor / ManifoldParameter) ----------------------------

TAGGED = '''
import copy, functools
import torch

class Tagged(torch.Tensor):
    def __new__(cls, *args, tag="flat", requires_grad=False, **kwargs):
        if len(args) == 1 and isinstance(args[0], torch.Tensor):
            data = args[0].data
        else:
            data = torch.Tensor(*args, **kwargs)
        instance = torch.Tensor._make_subclass(cls, data, requires_grad)
        instance.tag = tag
        return instance

    def __reduce_ex__(self, proto):
        build, proto = super(Tagged, self).__reduce_ex__(proto)
        new_build = functools.partial(_rebuild_tagged, build_fn=build)
        return new_build, proto + (dict(), self.__class__, self.tag, self.requires_grad)

    def __deepcopy__(self, memo):
        result = type(self)(self.data.clone(memory_format=torch.preserve_format), tag=self.tag,
                            requires_grad=self.requires_grad)
        memo[id(self)] = result
        return result

class TaggedParameter(Tagged, torch.nn.Parameter):
    def __new__(cls, data=None, tag=None, requires_grad=True):
        if data is None:
            data = Tagged(tag=tag or "flat")
        elif not isinstance(data, Tagged):
            data = Tagged(data, tag=tag or "flat")
        instance = Tagged._make_subclass(cls, data, requires_grad)
        instance.tag = data.tag
        return instance

def _rebuild_tagged(*args, build_fn):
    tensor = build_fn(*args[:-4])
    return args[-3](tensor, tag=args[-2], requires_grad=args[-1])

class Model(torch.nn.Module):
    def __init__(self, x):
        super().__init__()
        self.p = TaggedParameter(x, tag="sphere")

    def forward(self):
        return (self.p ** 2).sum()
'''


def _as_module(source, name):
    """Run source as an importable module (pickle finds its classes and functions by module and name)."""
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module.__dict__


def test_make_subclass_shares_data_and_registers_as_parameter():
    ns = load_script(port(TAGGED))
    x = nn.tensor([1.0, -2.0, 3.0], dtype=nn.float64)
    t = ns["Tagged"](x, tag="ball")
    assert type(t) is ns["Tagged"] and t.tag == "ball" and not t.requires_grad
    x.data[0] = 5.0                                     # shares the values, as PyTorch's _make_subclass
    assert t.tolist() == [5.0, -2.0, 3.0]
    assert ns["Tagged"](2, 3).shape == (2, 3) and ns["Tagged"](2, 3).dtype == nn.float32
    empty = ns["TaggedParameter"]()
    assert empty.shape == (0,) and empty.requires_grad and isinstance(empty, nn.Parameter)
    model = ns["Model"](nn.tensor([1.0, 2.0], dtype=nn.float64))
    (name, p), = model.named_parameters()
    assert name == "p" and type(p) is ns["TaggedParameter"] and p.tag == "sphere" and p.requires_grad
    opt = nn.optim.SGD(model.parameters(), lr=0.25)
    model().backward()
    np.testing.assert_array_equal(p.grad, [2.0, 4.0])
    opt.step()
    assert p.tolist() == [0.5, 1.0] and type(model.p) is ns["TaggedParameter"]


def test_make_subclass_keeps_a_user_base_classes_init():
    # only nn's own __init__ is skipped after a __new__ built the instance; one a user's base class defines runs,
    # as Python runs it under PyTorch
    class Base(nn.Tensor):
        def __init__(self, data, tag):
            super().__init__(data)
            self.tag = tag

    class Made(Base):
        def __new__(cls, data, tag):
            return nn.Tensor._make_subclass(cls, nn.tensor(data))

    made = Made(np.ones(2), tag="x")
    assert made.tag == "x" and made.tolist() == [1.0, 1.0]


def test_subclass_pickles_through_super_reduce_ex_and_deepcopies():
    ns = _as_module(port(TAGGED), "tagged_round14_nn")
    p = ns["TaggedParameter"](nn.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=nn.float64), tag="stiefel")
    build, args = nn.Tensor.__reduce_ex__(p, 2)         # PyTorch's (rebuild, arguments) pair
    assert callable(build) and isinstance(args, tuple)
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is ns["TaggedParameter"] and q.tag == "stiefel" and q.requires_grad
    assert q.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    c = copy.deepcopy(p)
    assert type(c) is ns["TaggedParameter"] and c is not p and c.tag == "stiefel" and c.tolist() == p.tolist()
    assert np.asarray(p.data.clone(memory_format=nn.preserve_format)).tolist() == p.tolist()
    # plain tensors and parameters: pickled and copied with their attributes, as before
    w = nn.Parameter(nn.tensor([1.0, 2.0]))
    w.note = 7
    w2 = pickle.loads(pickle.dumps(w))
    assert type(w2) is nn.Parameter and w2.note == 7 and w2.requires_grad and w2.tolist() == [1.0, 2.0]
    y = (nn.tensor([1.0, 2.0], requires_grad=True) * 3).sum()
    with pytest.raises(RuntimeError, match="graph leaves"):  # a recorded result, as PyTorch (its graph would be copied)
        copy.deepcopy(y)
    assert copy.deepcopy(y.detach()).item() == 9.0
    lin = nn.Linear(2, 2)
    lin2 = copy.deepcopy(lin)
    assert lin2.weight is not lin.weight and np.array_equal(lin2.weight.detach().numpy(), lin.weight.detach().numpy())


def test_subclass_against_pytorch():
    torch = pytest.importorskip("torch")
    theirs, ours = _as_module(TAGGED, "tagged_round14_torch"), _as_module(port(TAGGED), "tagged_round14_nn")
    x = np.array([0.6, -0.8, 0.0])
    mt, mo = theirs["Model"](torch.from_numpy(x.copy())), ours["Model"](nn.tensor(x.copy()))
    ot, oo = torch.optim.Adam(mt.parameters(), lr=0.1), nn.optim.Adam(mo.parameters(), lr=0.1)
    for _ in range(2):
        ot.zero_grad(), oo.zero_grad()
        mt().backward(), mo().backward()
        ot.step(), oo.step()
    np.testing.assert_allclose(mo.p.detach().numpy(), mt.p.detach().numpy(), rtol=1e-14)
    assert type(mo.p).__name__ == type(mt.p).__name__ == "TaggedParameter"
    qt, qo = pickle.loads(pickle.dumps(mt.p)), pickle.loads(pickle.dumps(mo.p))
    assert (type(qt).__name__, qt.tag, qt.requires_grad) == (type(qo).__name__, qo.tag, qo.requires_grad)


# ---- large dilations (segmentation_models_pytorch's DeepLabV3 / V3+ ASPP, rates 12, 24, 36) -----------------------

def _conv_reference(x, w, b, stride, padding, dilation):
    """Direct NumPy cross-correlation: y[n, o, i, j] = b[o] + sum w[o, c, p, q] x_pad[n, c, i s + p d, j s + q d]."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    kh, kw = w.shape[2:]
    Ho = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    Wo = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((x.shape[0], w.shape[0], Ho, Wo)) + b[:, None, None]
    for p in range(kh):
        for q in range(kw):
            win = xp[:, :, p * dh:p * dh + (Ho - 1) * sh + 1:sh, q * dw:q * dw + (Wo - 1) * sw + 1:sw]
            y += np.einsum("oc,nchw->nohw", w[:, :, p, q], win)
    return y


def _refuse_dilated_kernels(monkeypatch):
    import nn.functional.convolution as conv

    def refuse(w, dilation):
        raise AssertionError(f"a dilated kernel was built for dilation {dilation}")
    monkeypatch.setattr(conv, "_dilate", refuse)


@pytest.mark.parametrize("stride,padding,dilation,groups", [((1, 1), (12, 12), (12, 12), 1),
                                                            ((1, 1), (36, 36), (36, 36), 1),
                                                            ((2, 1), (3, 5), (4, 5), 2)])
def test_large_dilation_values_and_gradients(stride, padding, dilation, groups, monkeypatch):
    _refuse_dilated_kernels(monkeypatch)                # the route by taps, not a kernel of (d (k - 1) + 1)^2 taps
    rng = np.random.RandomState(0)
    x, w, b = rng.randn(2, 4, 7, 9), rng.randn(6, 4 // groups, 3, 3), rng.randn(6)
    xo, wo, bo = (nn.tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.conv2d(xo, wo, bo, stride, padding, dilation, groups)
    if groups == 1:
        np.testing.assert_allclose(y.detach().numpy(), _conv_reference(x, w, b, stride, padding, dilation),
                                   rtol=1e-12, atol=1e-12)
    g = rng.randn(*y.shape)
    (y * nn.tensor(g)).sum().backward()
    # the gradient of sum(g * y): dx scatters g through the same taps, dw correlates g with the windows
    if groups == 1:
        eps = 1e-6
        i = (1, 2, 3, 4)
        xpl, xmi = x.copy(), x.copy()
        xpl[i] += eps
        xmi[i] -= eps
        num = ((_conv_reference(xpl, w, b, stride, padding, dilation)
                - _conv_reference(xmi, w, b, stride, padding, dilation)) * g).sum() / (2 * eps)
        np.testing.assert_allclose(xo.grad[i], num, rtol=1e-7)
        np.testing.assert_allclose(bo.grad, g.sum((0, 2, 3)), rtol=1e-12)
    assert nn.gradcheck(lambda a, c: F.conv2d(a, c, None, stride, padding, dilation, groups),
                        (nn.tensor(rng.randn(1, 4, 5, 6), requires_grad=True),
                         nn.tensor(rng.randn(2, 4 // groups, 3, 3), requires_grad=True)))


def test_large_dilation_does_not_build_the_dilated_kernel(monkeypatch):
    """DeepLab's ASPP rate 36 on an 8 x 8 map: a 73 x 73 dilated kernel would make the forward minutes long."""
    _refuse_dilated_kernels(monkeypatch)
    x = nn.tensor(np.random.RandomState(0).randn(1, 8, 8, 8), requires_grad=True)
    w = nn.tensor(np.random.RandomState(1).randn(4, 8, 3, 3), requires_grad=True)
    y = F.conv2d(x, w, None, 1, 36, 36)
    y.sum().backward()
    assert y.shape == (1, 4, 8, 8) and x.grad.shape == (1, 8, 8, 8)


def test_large_dilation_against_pytorch(monkeypatch):
    torch = pytest.importorskip("torch")
    _refuse_dilated_kernels(monkeypatch)
    rng = np.random.RandomState(2)
    for stride, padding, dilation, groups in (((1, 1), (24, 24), (24, 24), 1), ((1, 2), (6, 2), (6, 3), 2),
                                              ((1, 1), "same", (5, 4), 1)):
        x, w, b = rng.randn(2, 4, 9, 8), rng.randn(6, 4 // groups, 3, 3), rng.randn(6)
        ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
        os_ = [nn.tensor(a, requires_grad=True) for a in (x, w, b)]
        yt = torch.nn.functional.conv2d(*ts, stride, padding, dilation, groups)
        yo = F.conv2d(*os_, stride, padding, dilation, groups)
        np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
        g = rng.randn(*yt.shape)
        (yt * torch.from_numpy(g)).sum().backward()
        (yo * nn.tensor(g)).sum().backward()
        for a, c in zip(os_, ts):
            np.testing.assert_allclose(a.grad, c.grad.numpy(), rtol=1e-11, atol=1e-12)


# ---- `with torch.device(...)` (segmentation_models_pytorch's TimmUniversalEncoder) --------------------------------

TIMM_PROBE = '''
import torch

def probe(make):
    try:
        with torch.device("meta"):
            made = make()
        where = "meta"
    except Exception:
        made = make()
        where = "fallback"
    with torch.device("cpu") as d:
        inside = torch.zeros(2).device
    return made, where, d, inside
'''


def test_device_is_a_context_manager():
    made, where, d, inside = load_script(port(TIMM_PROBE))["probe"](lambda: nn.ones(3))
    # the meta device exists since the sixteenth round (tests/test_compat_round16_B.py): built there, as PyTorch's
    assert where == "meta" and str(made.device) == "meta" and made.shape == (3,)
    assert d == nn.device("cpu") and inside == nn.device("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        with nn.device("cuda"):
            pass


def test_device_context_manager_against_pytorch():
    torch = pytest.importorskip("torch")
    made, where, d, inside = load_script(TIMM_PROBE)["probe"](lambda: torch.ones(3))
    assert where == "meta" and str(made.device) == "meta"               # PyTorch builds on the meta device
    assert str(d) == str(inside) == "cpu"
    _, _, ours_d, ours_inside = load_script(port(TIMM_PROBE))["probe"](lambda: nn.ones(3))
    assert str(ours_d) == str(ours_inside) == "cpu"


# ---- Tensor.set_ (geoopt's Distance2StereographicHyperplanes.reset_parameters) -------------------------------------

def test_set_shares_the_source_and_takes_its_shape():
    p = nn.Parameter(nn.zeros(2, 3))
    with pytest.raises(RuntimeError):                   # an in-place change of a leaf that requires grad
        p.set_(nn.ones(4))
    src = nn.arange(4.0)
    with nn.no_grad():
        assert p.set_(src) is p
    assert p.shape == (4,) and p.requires_grad and isinstance(p, nn.Parameter)
    src.data[0] = 9.0                                   # the same memory, as PyTorch's set_
    assert p.tolist() == [9.0, 1.0, 2.0, 3.0]
    with pytest.raises(RuntimeError, match="Could not set tensor of type double to a tensor of type float"):
        nn.zeros(3).set_(nn.ones(2, dtype=nn.float64))
    assert nn.zeros(3).set_().shape == (0,)


def test_set_refused_in_a_graph_and_rebinds_a_buffer():
    # set_ has no derivative: PyTorch refuses it while grad is enabled on a tensor that requires grad (either side)
    w = nn.Parameter(nn.ones(3))
    with pytest.raises(RuntimeError, match="set_"):
        (w * 2).set_(nn.ones(3))
    with pytest.raises(RuntimeError, match="set_"):
        nn.zeros(3).set_(w * 2)
    m = nn.BatchNorm1d(3)
    with nn.no_grad():
        m.running_mean.set_(nn.ones(3))
    assert m.running_mean.tolist() == [1.0, 1.0, 1.0]                   # the module's buffer, as PyTorch's
    x = nn.zeros(2)
    before = x._version
    x.set_(nn.ones(2))
    assert x._version == before + 1


def test_set_against_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        x, y = lib.zeros(3), lib.arange(4.0)
        x.set_(y)
        y[0] = 9.0
        assert x.tolist() == [9.0, 1.0, 2.0, 3.0] and tuple(x.shape) == (4,)
        with pytest.raises(RuntimeError, match="Could not set tensor of type double to a tensor of type float"):
            lib.zeros(3).set_(lib.ones(2, dtype=lib.float64))
