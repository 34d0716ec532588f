"""Round 16, area C: ``__torch_function__`` on Tensor subclasses and TorchFunctionMode, as MONAI 1.6.1's MetaTensor
(a Tensor subclass whose ``__torch_function__`` carries the affine and metadata through every op and copies them
with ``self.__dict__ = dict(other.__dict__)``) and Lightning's ``_EmptyInit`` mode use them.

Idioms that broke: nn never called a subclass's ``__torch_function__`` (ops on a subclass gave plain Tensors, so
the metadata was lost); ``t.__dict__`` held nn's own state (``_data``, the graph), so copying a tensor's
``__dict__`` replaced its values; a mode's ``__torch_function__`` was never called; a named tuple result had no
``torch.return_types`` type; ``nn.unbind`` and ``nn.Tensor.unbind`` were one object (MONAI's batch handling
recursed); ``collate_tensor_fn`` was missing; a tensor from ``as_subclass`` could not be pickled."""
import copy
import pickle

import numpy as np
import pytest

import nn
import nn.functional as F
from nn import overrides


class Logged(nn.Tensor):
    """A logging subclass: records the functions it answers, then Tensor's default."""
    calls = []

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        cls.calls.append(func)
        return super().__torch_function__(func, types, args, kwargs)


class Meters(nn.Tensor):
    """A units-carrying subclass: the unit rides on the instance's __dict__, copied to results."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        ret = super().__torch_function__(func, types, args, kwargs)
        unit = next(a.__dict__.get("unit") for a in args if isinstance(a, Meters))
        if isinstance(ret, Meters):
            ret.__dict__ = {"unit": unit}
        return ret


class Plain(nn.Tensor):
    pass


def test_results_of_ops_methods_operators_and_indexing_keep_the_subclass():
    x = nn.tensor([[1.0, -2.0], [3.0, 4.0]]).as_subclass(Plain)
    for result in (x + 1, 2 * x, x @ x, nn.exp(x), x.sum(dim=0), x[0], x.T, F.relu(x), nn.cat([x, x]),
                   x.max(dim=1).values, x.reshape(4)):
        assert type(result) is Plain
    assert type(x.max(dim=1)) is nn.return_types.max and x.max(dim=1).n_fields == 2
    assert isinstance(x.sum().item(), float) and type(x.shape) is nn.Size
    assert x.tolist() == [[1.0, -2.0], [3.0, 4.0]]


def test_subclass_torch_function_is_called_with_the_public_function():
    Logged.calls.clear()
    x = nn.ones(2, 3).as_subclass(Logged)
    y = nn.exp(x)
    y[0]
    x.T
    assert Logged.calls == [nn.exp, nn.Tensor.__getitem__, nn.Tensor.T.__get__]
    assert type(y) is Logged
    assert nn.Tensor.unbind is not nn.unbind         # PyTorch's: the method and the function are told apart


def test_units_subclass_carries_its_attribute_and_gradients_flow():
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    m = x.as_subclass(Meters)
    m.unit = "m"
    y = (m * 3).sum()
    assert type(y) is Meters and y.unit == "m"
    y.backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0])


def test_parameter_results_are_plain_tensors():
    w = nn.Parameter(nn.ones(2))
    assert type(w + 1) is nn.Tensor and type(F.linear(nn.ones(1, 2).as_subclass(Plain), w[None])) is Plain


def test_dict_of_a_subclass_holds_only_python_attributes():
    a = nn.tensor([1.0, 2.0]).as_subclass(Meters)
    a.unit = "m"
    b = nn.tensor([5.0, 6.0]).as_subclass(Meters)
    assert dict(a.__dict__) == {"unit": "m"}
    b.__dict__ = copy.deepcopy(a.__dict__)          # MetaTensor's copy of metadata: the values stay
    b.__dict__.update({k: a.__dict__[k] for k in a.__dict__.keys()})
    assert b.tolist() == [5.0, 6.0] and b.unit == "m"
    c = copy.deepcopy(a)
    d = pickle.loads(pickle.dumps(a))
    assert c.tolist() == d.tolist() == [1.0, 2.0] and c.unit == d.unit == "m" and type(d) is Meters


def test_disable_torch_function_subclass_and_nowrap():
    x = nn.ones(2).as_subclass(Plain)
    with nn._C.DisableTorchFunctionSubclass():
        assert type(x + 1) is nn.Tensor
    assert type(x + 1) is Plain
    assert not overrides.has_torch_function((nn.ones(1),)) and overrides.has_torch_function((x,))


class Counting(overrides.TorchFunctionMode):
    def __init__(self):
        self.names = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.names.append(func.__name__)
        return func(*args, **(kwargs or {}))


def test_mode_sees_every_call_once_and_nests():
    a = nn.tensor([1.0, -2.0])
    with Counting() as outer:
        with Counting() as inner:
            b = F.relu(a * 2).sum()
            nn.zeros(2)
        nn.exp(a)
    assert inner.names == ["mul", "relu", "sum", "zeros"]       # a * 2 is handed over as Tensor.mul, as PyTorch
    assert outer.names == inner.names + ["exp"]          # each call through the inner mode reaches the outer
    assert b.item() == 2.0 and overrides._get_current_function_mode_stack() == []


def test_mode_can_skip_init_functions_as_lightnings_empty_init():
    class EmptyInit(overrides.TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            if getattr(func, "__module__", None) == "nn.init":
                return args[0]
            return func(*args, **(kwargs or {}))
    w = nn.Parameter(nn.full((3,), 7.0))
    with EmptyInit():
        nn.init.normal_(w)
    assert w.tolist() == [7.0, 7.0, 7.0]
    nn.init.zeros_(w)
    assert w.tolist() == [0.0, 0.0, 0.0]


def test_collate_tensor_fn_stacks_through_the_subclass():
    from nn.utils.data._utils.collate import collate_tensor_fn
    out = collate_tensor_fn([nn.ones(2).as_subclass(Plain), nn.zeros(2).as_subclass(Plain)])
    assert type(out) is Plain and out.tolist() == [[1.0, 1.0], [0.0, 0.0]]


def test_against_pytorch():
    torch = pytest.importorskip("torch")

    class TPlain(torch.Tensor):
        pass
    t = torch.tensor([[1.0, -2.0], [3.0, 4.0]]).as_subclass(TPlain)
    x = nn.tensor([[1.0, -2.0], [3.0, 4.0]]).as_subclass(Plain)
    for f in (lambda m, T: m + 1, lambda m, T: T.exp(m), lambda m, T: m[0], lambda m, T: m.max(dim=1).values,
              lambda m, T: T.cat([m, m])):
        r, s = f(t, torch), f(x, nn)
        assert (type(r) is TPlain) == (type(s) is Plain)
        np.testing.assert_allclose(s.tolist(), r.tolist())


def test_flop_counter_mode_counts_products_and_convolutions_as_pytorch():
    # Lightning's ModelSummary: "Total Flops" from FlopCounterMode(display=False) around the example forward
    from nn.utils.flop_counter import FlopCounterMode
    from nn.ops import aten
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 2, 3, stride=2, groups=2),
                          nn.Flatten(), nn.Linear(18, 5), nn.Linear(5, 3, bias=False))
    a, b = nn.randn(4, 2, 3, 5), nn.randn(5, 6)
    with nn.no_grad(), FlopCounterMode(display=False) as counter:
        model(nn.randn(2, 3, 8, 8))
        a @ b                                       # folded to one mm
        nn.bmm(a[0], nn.randn(2, 5, 7))
        nn.randn(3) @ nn.randn(3)                   # a dot: PyTorch's counter has no formula for it
        F.linear(nn.randn(3, 4, 5), nn.randn(6, 5), nn.randn(6))
    # convolutions 2*2*(4*3*3*3)*64 + 2*2*(2*2*3*3)*9 = 27648 + 1296; addmm 2*2*18*5 + 2*12*5*6; mm 2*2*5*3 + 2*24*5*6; bmm 2*2*3*5*7
    assert counter.get_flop_counts()["Global"] == {aten.convolution: 28944, aten.addmm: 1080, aten.mm: 1500,
                                                   aten.bmm: 420}
    assert counter.get_total_flops() == 31944              # PyTorch 2.13's numbers for the same calls


def test_transformer_activation_lookup_follows_dispatch():
    # nn.modules.transformer kept F.gelu in a dict built at import; once a subclass turned dispatch on, F.gelu
    # was another object and `_get_activation_fn("gelu") is F.gelu` (PyTorch: True) failed
    from nn.modules.transformer import _get_activation_fn

    class Marked(nn.Tensor):
        pass

    assert _get_activation_fn("gelu") is F.gelu and _get_activation_fn("relu") is F.relu
