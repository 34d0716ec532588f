"""Round 15, area B: MONAI 1.6.1 run unchanged under PyTorch and ported by the porting rule (UNet, BasicUNet,
SegResNet, DynUNet, AttentionUnet, UNETR, SwinUNETR, DenseNet121, VarAutoEncoder; the Dice / Focal / Tversky / SSIM
losses, the metrics, sliding_window_inference, array transforms). Each test pins a behaviour that was missing or
differed before this round's fixes; the values asserted are PyTorch 2.13's, computed by hand or NumPy, and checked
against PyTorch where it is installed."""
import typing

import numpy as np
import pytest

import nn


def _t(a, grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# ---- import-time names: monai/utils/state_cacher.py, monai/data/utils.py, monai/networks/nets/dints.py ----------

def test_serialization_default_protocol_and_collate_pattern():
    from nn.serialization import DEFAULT_PROTOCOL
    from nn.utils.data._utils.collate import np_str_obj_array_pattern
    assert DEFAULT_PROTOCOL == 2
    # the dtype kinds default_collate leaves alone: bytes, strings, objects (not numbers, not bools)
    kinds = [np.dtype(d).str for d in ("S3", "U3", "O", "f8", "i4", "?")]
    assert [bool(np_str_obj_array_pattern.search(k)) for k in kinds] == [True, True, True, False, False, False]


def test_jit_interface_returns_the_class():
    class Cell(nn.Module):
        def forward(self, x):
            return x
    assert nn.jit.interface(Cell) is Cell


def test_jit_isinstance_with_typing_forms():
    t = nn.ones(2)
    check = nn.jit.isinstance
    assert check(t, nn.Tensor) and not check(None, nn.Tensor) and not check(3, nn.Tensor)
    assert check([t, t], typing.List[nn.Tensor]) and not check([t, 1], typing.List[nn.Tensor])
    assert check({"a": t}, typing.Dict[str, nn.Tensor]) and not check({1: t}, typing.Dict[str, nn.Tensor])
    assert check((1, "a"), typing.Tuple[int, str]) and not check((1,), typing.Tuple[int, str])
    assert check(None, typing.Optional[nn.Tensor]) and check(t, typing.Optional[nn.Tensor])
    assert check([[1], [2]], typing.List[typing.List[int]]) and check(3, (str, int))


def test_jit_isinstance_against_torch():
    torch = pytest.importorskip("torch")
    cases = [(torch.ones(2), torch.Tensor), (None, typing.Optional[torch.Tensor]), ([1, "a"], typing.List[int]),
             ({"k": [1]}, typing.Dict[str, typing.List[int]]), ((1, 2.0), typing.Tuple[int, float])]
    expected = [torch.jit.isinstance(v, ty) for v, ty in cases]
    assert expected == [True, True, False, True, True]
    mine = [(nn.ones(2), nn.Tensor), (None, typing.Optional[nn.Tensor]), ([1, "a"], typing.List[int]),
            ({"k": [1]}, typing.Dict[str, typing.List[int]]), ((1, 2.0), typing.Tuple[int, float])]
    assert [nn.jit.isinstance(v, ty) for v, ty in mine] == expected


# ---- group_norm / instance_norm of a single value: PyTorch refuses (SwinUNETR / BasicUNet at a 1x1 bottleneck) --

def test_instance_norm_one_position_raises():
    for shape in ((1, 4, 1, 1, 1), (2, 4, 1), (1, 4, 1, 1)):
        with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
            nn.InstanceNorm2d(4)(nn.ones(shape)) if len(shape) == 4 else nn.functional.instance_norm(nn.ones(shape))
    with pytest.raises(ValueError, match="more than 1 spatial element"):       # in eval mode too (input statistics)
        nn.InstanceNorm2d(4).eval()(nn.ones((1, 4, 1, 1)))
    # with running statistics in eval mode there is nothing to estimate: allowed
    m = nn.InstanceNorm2d(4, track_running_stats=True).eval()
    np.testing.assert_allclose(m(nn.ones((1, 4, 1, 1))).numpy(), np.full((1, 4, 1, 1), 1 / np.sqrt(1 + 1e-5)))
    # two positions: normalised to -1, 1 (biased variance 1 when the values are -1 and 1)
    y = nn.functional.instance_norm(_t([[[-1.0, 1.0]]]), eps=0.0)
    np.testing.assert_allclose(y.numpy(), [[[-1.0, 1.0]]])


def test_group_norm_one_value_per_group_raises():
    with pytest.raises(ValueError, match=r"more than 1 value per channel when training, got input size \[1, 4, 1, 1\]"):
        nn.GroupNorm(4, 4)(nn.ones((1, 4, 1, 1)))
    # two channels per group, or two samples: statistics exist, no error; (x - mean) / sqrt(var + eps) per group
    y = nn.functional.group_norm(_t([[[[1.0]], [[3.0]], [[0.0]], [[2.0]]]]), 2, eps=0.0)
    np.testing.assert_allclose(y.numpy().ravel(), [-1.0, 1.0, -1.0, 1.0])
    assert tuple(nn.GroupNorm(4, 4)(nn.ones((2, 4, 1, 1))).shape) == (2, 4, 1, 1)


def test_norms_of_one_value_against_torch():
    torch = pytest.importorskip("torch")
    for build, shape in ((lambda m: m.InstanceNorm3d(4), (1, 4, 1, 1, 1)), (lambda m: m.GroupNorm(4, 4), (1, 4, 1, 1))):
        with pytest.raises(ValueError) as theirs:
            build(torch.nn)(torch.ones(shape))
        with pytest.raises(ValueError) as ours:
            build(nn)(nn.ones(shape))
        assert str(theirs.value).split(", got")[0] == str(ours.value).split(", got")[0]
    assert tuple(torch.nn.GroupNorm(2, 4)(torch.ones(1, 4, 1, 1)).shape) == tuple(nn.GroupNorm(2, 4)(nn.ones((1, 4, 1, 1))).shape)


# ---- Tensor.as_subclass: MONAI's MetaTensor.__new__ ---------------------------------------------------------------

def test_as_subclass_shares_data_and_graph():
    class Meta(nn.Tensor):
        pass
    x = _t([1.0, 2.0], grad=True)
    y = x.as_subclass(Meta)
    assert type(y) is Meta and y.requires_grad and not y.is_leaf
    assert np.shares_memory(y.detach().numpy(), x.detach().numpy())
    (y * _t([3.0, 5.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 5.0])          # the gradient passes unchanged
    plain = nn.ones(2).as_subclass(Meta)
    assert type(plain) is Meta and not plain.requires_grad
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        x.as_subclass(int)


def test_as_subclass_against_torch():
    torch = pytest.importorskip("torch")

    class TMeta(torch.Tensor):
        pass
    class Meta(nn.Tensor):
        pass
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = x.as_subclass(TMeta)
    (y * torch.tensor([3.0, 5.0], dtype=torch.float64)).sum().backward()
    ours = _t([1.0, 2.0], grad=True)
    z = ours.as_subclass(Meta)
    (z * _t([3.0, 5.0])).sum().backward()
    assert (type(y) is TMeta, y.is_leaf, y.requires_grad) == (True, False, True) == (type(z) is Meta, z.is_leaf,
                                                                                    z.requires_grad)
    np.testing.assert_allclose(ours.grad.numpy(), x.grad.numpy())


# ---- torch.clamp_ & co.: MONAI's compute_importance_map (sliding_window_inference) -------------------------------

def test_top_level_inplace_functions():
    x = _t([-1.0, 0.5, 2.0])
    assert nn.clamp_(x, min=0.1) is x
    np.testing.assert_allclose(x.numpy(), [0.1, 0.5, 2.0])
    y = _t([1.0, 4.0])
    nn.sqrt_(y)
    np.testing.assert_allclose(y.numpy(), [1.0, 2.0])
    z = _t([0.0, 1.0])
    nn.exp_(z)
    np.testing.assert_allclose(z.numpy(), [1.0, np.e])
    assert nn.zero_(z) is z and not z.numpy().any()


def test_top_level_inplace_functions_against_torch():
    torch = pytest.importorskip("torch")
    for name, args in (("clamp_", dict(min=0.1, max=1.0)), ("sigmoid_", {}), ("neg_", {}), ("clamp_min_", dict(min=0.0))):
        a = torch.tensor([-1.0, 0.5, 2.0], dtype=torch.float64)
        b = _t([-1.0, 0.5, 2.0])
        getattr(torch, name)(a, **args)
        getattr(nn, name)(b, **args)
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-15, err_msg=name)


# ---- linalg.lstsq with a vector right-hand side: MONAI's Savitzky-Golay coefficients ------------------------------

def test_lstsq_vector_rhs():
    A = np.array([[1.0, 0.0, 1.0, 2.0], [0.0, 1.0, 1.0, -1.0], [1.0, 1.0, 0.0, 3.0]])   # 3 x 4: underdetermined
    b = np.array([1.0, 2.0, 3.0])
    r = nn.linalg.lstsq(_t(A), _t(b))
    assert tuple(r.solution.shape) == (4,)
    np.testing.assert_allclose(r.solution.numpy(), np.linalg.pinv(A) @ b, rtol=1e-12)   # the minimum-norm solution
    tall = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])                                  # a line fit
    batch = nn.linalg.lstsq(_t(np.stack([tall, tall])), _t([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]])).solution
    np.testing.assert_allclose(batch.numpy(), [[0.0, 1.0], [1.0, 0.0]], atol=1e-12)
    A2 = _t(tall, grad=True)
    assert nn.gradcheck(lambda a: nn.linalg.lstsq(a, _t([0.5, 1.0, 4.0])).solution, (A2,))


def test_lstsq_vector_rhs_against_torch():
    torch = pytest.importorskip("torch")
    A = np.random.default_rng(0).standard_normal((5, 3))
    b = np.arange(5.0)
    theirs = torch.linalg.lstsq(torch.tensor(A), torch.tensor(b)).solution
    ours = nn.linalg.lstsq(_t(A), _t(b)).solution
    assert tuple(ours.shape) == tuple(theirs.shape) == (3,)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


# ---- torch.random.default_generator and the collate registry: MONAI's DataLoader and list_data_collate ------------

def test_default_generator_is_the_global_stream():
    nn.manual_seed(5)
    g = nn.random.default_generator
    assert g.initial_seed() == 5
    first = nn.rand(2).numpy().copy()
    nn.manual_seed(5)
    nn.empty((), dtype=nn.int64).random_(generator=nn.random.default_generator)   # a draw through it ...
    assert not np.array_equal(nn.rand(2).numpy(), first)                         # ... advances the global stream
    assert nn.random.default_generator.manual_seed(7) is not None and nn.initial_seed() == 7
    again = nn.rand(3).numpy().copy()
    nn.manual_seed(7)
    np.testing.assert_array_equal(nn.rand(3).numpy(), again)       # reseeding through it = nn.manual_seed


def test_default_generator_against_torch():
    torch = pytest.importorskip("torch")
    g = torch.random.default_generator
    assert g is torch.default_generator and g.manual_seed(11) is g and torch.initial_seed() == 11
    assert nn.random.default_generator.manual_seed(11).initial_seed() == nn.initial_seed() == 11


def test_default_collate_fn_map_is_consulted():
    from nn.utils.data._utils.collate import default_collate_fn_map

    class Box:
        def __init__(self, v):
            self.v = v
    seen = {}

    def collate_boxes(batch, *, collate_fn_map=None):
        seen["map"] = collate_fn_map
        return [b.v for b in batch]
    default_collate_fn_map[Box] = collate_boxes
    try:
        out = nn.utils.data.default_collate([{"b": Box(1), "x": _t([1.0])}, {"b": Box(2), "x": _t([2.0])}])
    finally:
        del default_collate_fn_map[Box]
    assert out["b"] == [1, 2] and seen["map"] is default_collate_fn_map
    np.testing.assert_array_equal(out["x"].numpy(), [[1.0], [2.0]])
    with pytest.raises(TypeError):                   # unregistered again: not a collatable type
        nn.utils.data.default_collate([Box(1), Box(2)])


def test_default_collate_fn_map_against_torch():
    torch = pytest.importorskip("torch")
    from torch.utils.data._utils.collate import default_collate_fn_map as theirs

    class TBox:
        def __init__(self, v):
            self.v = v
    from nn.utils.data._utils.collate import default_collate_fn_map as ours

    def by_value(batch, *, collate_fn_map=None):
        return [b.v for b in batch]
    theirs[TBox] = ours[TBox] = by_value
    try:
        expected = torch.utils.data.default_collate([{"b": TBox(1)}, {"b": TBox(2)}])
        assert expected == {"b": [1, 2]} == nn.utils.data.default_collate([{"b": TBox(1)}, {"b": TBox(2)}])
    finally:
        del theirs[TBox], ours[TBox]
