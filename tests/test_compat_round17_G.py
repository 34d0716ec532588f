"""tensordict 0.15.3 (pure-Python wheel, with pyvers 0.2.2), ported by the porting rule (68 `.py` files, 62 changed;
renamed `tensordictp`) and run against the original on PyTorch in float64: TensorDict construction, indexing,
stacking, cat, apply, update, nested keys, memmap and save / load, tensorclass, TensorDictModule /
TensorDictSequential / ProbabilisticTensorDictModule policies trained with Adam, from_module / to_module functional
calls and vmap over TensorDicts and stacked parameters. The failures these tests pin down, each reproduced in a few
lines (tensordict itself is never imported here): `import tensordict` needs `torch._C._functorch` as an importable
module, `torch._functorch.vmap`'s helpers, `torch.utils.weak.WeakIdKeyDictionary`, `torch.utils._contextlib`,
`torch.utils.data._utils.worker._generate_state`, `torch.nn.utils._named_member_accessor.swap_tensor`, the quantized
dtypes, the pytree helpers `_list_flatten`, `SequenceKey`, `Context`, `tree_is_leaf`, `is_structseq_instance`,
`is_traceable_wrapper_subclass`, `torch._utils._get_available_device_type`, the module registration hooks and
`torch._ops.HigherOrderOperator`; `torch.gather(..., out=)`; `torch.from_file`, `torch.frombuffer`,
`torch.StorageBase` and a Tensor subclass built by `super().__new__(cls, data)` (MemoryMappedTensor);
`torch._guards.active_fake_mode` and `torch._C._is_alias_of` (load_memmap, to_module); an `out=` wrapper made over a
function that already dispatched hid nn.stack / nn.cat from `__torch_function__` (TensorDict keys its overrides by
them); vmap over objects that answer `__torch_function__` (a TensorDict in, a TensorDict out) indexes them along the
mapped dim and stacks the results with nn.stack, as tensordict's patch of PyTorch's vmap does."""
import gc
import math
import os

import numpy as np
import pytest

import nn


# ---- import-time names ---------------------------------------------------------------------------------------------

def test_functorch_probe_module_imports():
    from nn._C._functorch import get_unwrapped, is_batchedtensor
    t = nn.ones(2)
    assert is_batchedtensor(t) is False
    with pytest.raises(RuntimeError, match="No wrappers present!"):
        get_unwrapped(t)


def test_functorch_vmap_helpers():
    from nn._functorch.vmap import _broadcast_to_and_flatten, _get_name, _maybe_remove_batch_dim, tree_flatten
    _, spec = tree_flatten(((1, 2), {"a": 3}))
    assert _broadcast_to_and_flatten(0, spec) == [0, 0, 0]
    assert _broadcast_to_and_flatten((None, 1), spec) == [None, None, 1]
    assert _broadcast_to_and_flatten((0, 1, 2), spec) is None
    assert _get_name(test_functorch_vmap_helpers) == "test_functorch_vmap_helpers"
    t = nn.ones(2)
    assert _maybe_remove_batch_dim("f", t, 1, 2, None) is t
    with pytest.raises(ValueError, match="must only return Tensors"):
        _maybe_remove_batch_dim("f", 3, 1, 2, 0)


def test_worker_seed_state_is_pytorchs():
    from nn.utils.data._utils.worker import _generate_state
    # PyTorch 2.13's values
    assert _generate_state(0, 0) == [2968811710, 3677149159, 745650761, 2884920346]
    assert _generate_state(12345, 2) == [3787096388, 3252174164, 4282761530, 1250853594]


def test_weak_id_key_dictionary():
    from nn.utils.weak import WeakIdKeyDictionary
    d = WeakIdKeyDictionary()
    a, b = nn.ones(2), nn.ones(2)                   # equal values, different objects
    d[a], d[b] = "a", "b"
    assert d[a] == "a" and d[b] == "b" and len(d) == 2 and a in d
    assert nn.zeros(1) not in d
    del a
    gc.collect()
    assert len(d) == 1 and list(d.values()) == ["b"]


def test_quantized_dtypes_are_names():
    assert str(nn.qint8) == "nn.qint8" and nn.quint4x2 is not nn.qint8
    assert nn.qint32.itemsize == 4 and nn.quint8.itemsize == 1
    assert not nn.qint8.is_floating_point and not nn.qint8.is_complex
    with pytest.raises(RuntimeError, match="isSignedType not supported for quantized types"):
        nn.qint8.is_signed


def test_decorator_context_manager():
    from nn.utils._contextlib import _DecoratorContextManager
    seen = []

    class Flag(_DecoratorContextManager):
        def __enter__(self):
            seen.append("in")

        def __exit__(self, *exc):
            seen.append("out")

    @Flag()
    def f(x):
        return x + 1

    @Flag()
    def gen():
        yield 1
        yield 2

    assert f(1) == 2 and seen == ["in", "out"]
    seen.clear()
    assert list(gen()) == [1, 2] and seen == ["in", "out"] * 3      # start, each resume, the end


def test_pytree_helpers():
    import os as _os
    from nn.utils._pytree import (SequenceKey, _list_flatten, _list_flatten_with_keys, _list_unflatten,
                                  is_structseq_instance, tree_is_leaf)
    assert _list_flatten([1, 2]) == ([1, 2], None)
    assert _list_flatten_with_keys([1, 2]) == ([(SequenceKey(0), 1), (SequenceKey(1), 2)], None)
    assert _list_unflatten((3, 4), None) == [3, 4] and str(SequenceKey(1)) == "[1]"
    assert SequenceKey(1).get([5, 6]) == 6
    assert is_structseq_instance(_os.stat(".")) and not is_structseq_instance((1, 2))
    assert tree_is_leaf(1) and tree_is_leaf(None) and not tree_is_leaf([1]) and not tree_is_leaf({"a": 1})
    assert tree_is_leaf((1, 2), is_leaf=lambda x: isinstance(x, tuple))


def test_traceable_wrapper_subclass():
    from nn.utils._python_dispatch import is_traceable_wrapper_subclass

    class Wrapper(nn.Tensor):
        __torch_function__ = nn._C._disabled_torch_function_impl

        def __tensor_flatten__(self):
            return [], None

        @staticmethod
        def __tensor_unflatten__(inner, meta, size, stride):
            return None

    assert not is_traceable_wrapper_subclass(nn.ones(1))
    assert is_traceable_wrapper_subclass(Wrapper(np.ones(1)))


def test_swap_tensor():
    from nn.utils._named_member_accessor import swap_tensor
    lin = nn.Linear(2, 3)
    old = lin.weight
    new = nn.zeros(3, 2)                            # a plain tensor where a Parameter was (tensordict's to_module)
    assert swap_tensor(lin, "weight", new) is old
    assert lin.weight is new
    np.testing.assert_array_equal(lin(nn.ones(1, 2)).detach().numpy(), lin.bias.detach().numpy()[None])
    with pytest.raises(KeyError, match="tensor name can"):
        swap_tensor(lin, "a.b", new)


def test_device_helpers():
    from nn._utils import _get_available_device_type, _get_device_module
    assert _get_available_device_type() is None
    assert _get_device_module("cpu") is nn.cpu
    with pytest.raises(RuntimeError, match="does not have a corresponding module"):
        _get_device_module("nodevice")


def test_global_registration_hooks():
    from nn.modules.module import (_global_parameter_registration_hooks, register_module_buffer_registration_hook,
                                   register_module_module_registration_hook,
                                   register_module_parameter_registration_hook)
    seen = []
    handles = [register_module_parameter_registration_hook(lambda m, n, v: seen.append(("param", n))),
               register_module_buffer_registration_hook(lambda m, n, v: seen.append(("buffer", n))),
               register_module_module_registration_hook(lambda m, n, v: seen.append(("module", n)))]
    try:
        nn.Sequential(nn.BatchNorm1d(2))
    finally:
        for h in handles:
            h.remove()
    assert ("param", "weight") in seen and ("buffer", "running_mean") in seen and ("module", "0") in seen
    assert not _global_parameter_registration_hooks
    n = len(seen)
    nn.Linear(1, 1)
    assert len(seen) == n                           # removed


def test_registration_hook_replaces_the_value():
    from nn.modules.module import register_module_parameter_registration_hook
    h = register_module_parameter_registration_hook(
        lambda m, n, p: nn.Parameter(p.detach() * 2) if n == "scale" else None)
    try:
        m = nn.Module()
        m.scale = nn.Parameter(nn.ones(2))
        m.register_parameter("other", nn.Parameter(nn.ones(1)))
    finally:
        h.remove()
    assert m.scale.tolist() == [2.0, 2.0] and m.other.tolist() == [1.0]


def test_higher_order_operator():
    from nn._ops import HigherOrderOperator
    op = HigherOrderOperator("my_cond")
    assert op.name() == "my_cond" and not isinstance(nn.stack, HigherOrderOperator)
    op.py_impl("default")(lambda x: x + 1)
    assert op(1) == 2


def test_gather_out_and_sparse_grad():
    x = nn.tensor([[1.0, 2.0], [3.0, 4.0]])
    out = nn.empty(2, 2)
    r = nn.gather(x, 1, nn.tensor([[1, 0], [0, 0]]), out=out, sparse_grad=False)
    assert r is out
    np.testing.assert_array_equal(out.numpy(), [[2.0, 1.0], [3.0, 3.0]])


# ---- memmap: files, buffers, storages, a subclass built in __new__ --------------------------------------------------

def test_from_file_shared_and_private(tmp_path):
    f = str(tmp_path / "x.bin")
    t = nn.from_file(f, shared=True, size=3, dtype=nn.float64)     # made, zero-filled
    assert os.path.getsize(f) == 24 and t.tolist() == [0.0, 0.0, 0.0]
    t[1] = 5.0
    assert np.fromfile(f, np.float64).tolist() == [0.0, 5.0, 0.0]   # shared: the write reached the file
    p = nn.from_file(f, shared=False, size=2, dtype=nn.float64)
    p[0] = 7.0
    assert np.fromfile(f, np.float64).tolist() == [0.0, 5.0, 0.0]   # private: it did not
    assert p.tolist() == [7.0, 5.0]
    with pytest.raises(RuntimeError, match="is smaller than the required mapping size <80>"):
        nn.from_file(f, shared=False, size=10, dtype=nn.float64)
    with pytest.raises(RuntimeError, match="in read-only mode"):
        nn.from_file(str(tmp_path / "none.bin"), shared=False, size=1)


def test_frombuffer_shares_memory():
    buf = bytearray(np.arange(3, dtype=np.float32).tobytes())
    t = nn.frombuffer(buf, dtype=nn.float32)
    t[0] = 9.0
    assert np.frombuffer(bytes(buf), np.float32).tolist() == [9.0, 1.0, 2.0]
    assert nn.frombuffer(buf, dtype=nn.float32, count=1, offset=4).tolist() == [1.0]
    with pytest.raises(ValueError, match=r"both buffer length \(0\) and count \(-1\) must not be 0"):
        nn.frombuffer(bytearray(), dtype=nn.float32)
    with pytest.raises(ValueError, match="must be non-negative and no greater than buffer length"):
        nn.frombuffer(buf, dtype=nn.float32, offset=12)


def test_storage_base():
    assert isinstance(nn.ones(2).untyped_storage(), nn.StorageBase)
    assert not isinstance(nn.ones(2), nn.StorageBase)


def test_subclass_built_by_super_new_with_data():
    class Mapped(nn.Tensor):                        # tensordict's MemoryMappedTensor's recipe
        __torch_function__ = nn._C._disabled_torch_function_impl

        def __new__(cls, source):
            return super().__new__(cls, source)

        def __init__(self, source):
            ...

    base = nn.tensor([1.0, 2.0])
    m = Mapped(base)
    assert type(m) is Mapped and m.tolist() == [1.0, 2.0] and not m.requires_grad
    m[0] = 5.0
    assert base.tolist() == [5.0, 2.0]              # the data is shared, as PyTorch's alias
    assert nn.Tensor([3.0]).tolist() == [3.0] and type(nn.Tensor(2)) is nn.Tensor


def test_guards_and_is_alias_of():
    assert nn._guards.active_fake_mode() is None and nn._guards.detect_fake_mode() is None
    x = nn.arange(6.0)
    assert nn._C._is_alias_of(x[2:], x.view(2, 3)) and not nn._C._is_alias_of(x, x.clone())


# ---- __torch_function__ of a non-Tensor type: the function passed is the public one -------------------------------

class _Bag:
    """A non-Tensor type keyed by nn's public functions, as TensorDict keys its overrides."""
    handled = {}

    def __init__(self, values):
        self.values = nn.tensor(values)

    @property
    def shape(self):
        return self.values.shape

    @property
    def ndim(self):
        return self.values.ndim

    def __getitem__(self, index):
        return _Bag(self.values[index].numpy())

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func not in cls.handled:
            return NotImplemented
        return cls.handled[func](*args, **(kwargs or {}))


_Bag.handled[nn.stack] = lambda bags, dim=0: _Bag(nn.stack([b.values for b in bags], dim).numpy())
_Bag.handled[nn.cat] = lambda bags, dim=0: _Bag(nn.cat([b.values for b in bags], dim).numpy())


def test_public_function_reaches_torch_function():
    a, b = _Bag([1.0, 2.0]), _Bag([3.0, 4.0])
    assert nn.stack([a, b]).values.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert nn.cat([a, b]).values.tolist() == [1.0, 2.0, 3.0, 4.0]


def test_out_wrapper_over_a_dispatching_function_stays_public():
    from nn.overrides import dispatching
    from nn.tensor_ops.out_arg import with_out
    seen = []

    class Probe:
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            seen.append(func)
            return "answered"

    def double(x):
        return x * 2

    public = with_out(dispatching(double))
    assert public(Probe()) == "answered" and seen == [public]
    out = nn.empty(2)
    assert public(nn.tensor([1.0, 2.0]), out=out) is out and out.tolist() == [2.0, 4.0]


# ---- vmap over tensor-likes (TensorDicts): indexed along the dim, results stacked by nn.stack ----------------------

def test_vmap_maps_a_tensor_like_as_a_unit():
    bag = _Bag([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    out = nn.vmap(lambda b, w: b.values * w)(bag, nn.tensor([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(out.numpy(), [[1.0, 2.0], [30.0, 40.0], [500.0, 600.0]])
    seen = []
    res = nn.vmap(lambda b: seen.append(b.shape) or b)(bag)        # a unit out: stacked through nn.stack
    assert seen == [(2,)] * 3 and isinstance(res, _Bag) and res.values.tolist() == bag.values.tolist()
    res = nn.vmap(lambda b: b, in_dims=1, out_dims=1)(bag)
    assert res.values.tolist() == bag.values.tolist()


def test_vmap_copies_a_unit_passed_whole_for_each_call():
    class Box(_Bag):
        def __copy__(self):                         # a shallow copy: a new object, the same values
            new = Box.__new__(Box)
            new.values = self.values
            return new

    box = Box([1.0, 2.0])

    def f(b, w):
        b.out = b.values * w                         # written into the argument (a TensorDictModule's output)
        return b.out
    out = nn.vmap(f, in_dims=(None, 0))(box, nn.tensor([1.0, 3.0]))
    assert out.tolist() == [[1.0, 2.0], [3.0, 6.0]] and not hasattr(box, "out")


# ---- torchrl's imports and its PPO / SAC losses ---------------------------------------------------------------------

def test_squeeze_of_a_0d_tensor_takes_dims_minus_one_and_zero():
    x = nn.tensor(3.0)
    assert x.squeeze(-1).shape == () and x.squeeze(0).shape == () and nn.squeeze(x, -1).item() == 3.0
    with pytest.raises(IndexError):
        x.squeeze(1)


def test_has_rsample_follows_the_base_distribution():
    D = nn.distributions
    base = D.Normal(nn.zeros(2), nn.ones(2))
    tanh = D.TransformedDistribution(base, [D.TanhTransform()])
    assert tanh.has_rsample and D.Independent(base, 1).has_rsample
    assert not D.Independent(D.Categorical(nn.ones(2, 3)), 1).has_rsample

    class Faster(D.TransformedDistribution):          # torchrl's TanhNormal: base_dist set without __init__
        def __init__(self, base):
            self.base_dist, self.transforms = base, [D.TanhTransform()]
            D.Distribution.__init__(self, base.batch_shape, base.event_shape, validate_args=False)
    assert Faster(base).has_rsample
    assert D.Independent(base, 1).expand((3, 2)).has_rsample


def test_kl_registry_holds_the_built_in_pairs_and_dispatches_as_pytorch():
    import warnings
    from nn.distributions.kl import _KL_REGISTRY
    D = nn.distributions
    # torchrl's has_analytic_kl looks the pair up here (its KL-penalty PPO takes the closed form then)
    assert (D.Normal, D.Normal) in _KL_REGISTRY and (D.Categorical, D.Categorical) in _KL_REGISTRY
    p, q = D.Normal(nn.tensor(0.0), nn.tensor(1.0)), D.Normal(nn.tensor(1.0), nn.tensor(2.0))
    assert float(D.kl_divergence(p, q)) == pytest.approx(math.log(2.0) + (1.0 + 1.0) / 8.0 - 0.5)

    class Base:
        pass

    class MyNormal(D.Normal, Base):
        pass

    @D.register_kl(MyNormal, Base)
    def _kl(p, q):
        return nn.tensor(7.0)
    try:
        mp = MyNormal(nn.tensor(0.0), nn.tensor(1.0))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert float(D.kl_divergence(mp, mp)) == 7.0        # by p's type first: (MyNormal, Base)
        assert [str(w.message) for w in caught] == [
            "Ambiguous kl_divergence(MyNormal, MyNormal). Please register_kl(MyNormal, Normal)"]
    finally:
        del _KL_REGISTRY[MyNormal, Base]


def test_kl_registry_name():
    from nn.distributions.kl import _KL_REGISTRY, register_kl
    D = nn.distributions

    class MyNormal(D.Normal):
        pass

    @register_kl(MyNormal, MyNormal)
    def _kl(p, q):
        return nn.zeros(())
    try:
        assert _KL_REGISTRY[MyNormal, MyNormal] is _kl
    finally:
        del _KL_REGISTRY[MyNormal, MyNormal]


def test_dropout_base_class():
    from nn.modules.dropout import _DropoutNd

    class Consistent(_DropoutNd):
        def forward(self, x):
            return x

    c = Consistent(p=0.2)
    assert c.p == 0.2 and c.inplace is False and repr(c) == "Consistent(p=0.2, inplace=False)"
    assert isinstance(nn.Dropout(0.1), _DropoutNd)


def test_lazy_module_mixin():
    from nn.modules.lazy import LazyModuleMixin
    from nn.parameter import UninitializedParameter, is_lazy

    class Eager(nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = nn.Parameter(nn.ones(1))

        def forward(self, x):
            return x @ self.weight

    class LazyScale(LazyModuleMixin, Eager):
        cls_to_become = Eager

        def __init__(self):
            super().__init__()
            self.weight = UninitializedParameter()

        def initialize_parameters(self, x):
            self.weight.materialize((x.shape[-1],))
            with nn.no_grad():
                self.weight.fill_(2.0)

    m = LazyScale()
    assert is_lazy(m.weight) and m.has_uninitialized_params()
    assert m(nn.ones(2, 3)).tolist() == [6.0, 6.0]
    assert type(m) is Eager and not is_lazy(m.weight) and m.weight.shape == (3,)
    assert not m._forward_pre_hooks


def test_parameter_meta_cell_docs_and_data_copy():
    from nn.parameter import _ParameterMeta
    assert isinstance(nn.Parameter, _ParameterMeta)
    for cell in (nn.RNNCell, nn.LSTMCell, nn.GRUCell):
        assert isinstance(cell.__doc__, str)         # torchrl appends them to its own docstrings at import
    p = nn.Parameter(nn.zeros(2))
    p.data.copy_(nn.tensor([1.0, 2.0]), non_blocking=True)
    assert p.tolist() == [1.0, 2.0]


def test_is_set_to():
    x = nn.arange(6.0)
    assert x.is_set_to(x) and x.is_set_to(x.view(6)) and x.is_set_to(x.data)     # .data: torchrl's SoftUpdate
    assert not x.is_set_to(x.clone()) and not x[1:].is_set_to(x) and not x.view(2, 3).is_set_to(x)
