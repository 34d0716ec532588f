"""Hugging Face transformers 5.25.0 run unchanged under PyTorch and ported by the rule (every .py file of a copy,
the package renamed): what its import-time infrastructure and its models needed of nn. Each test failed before its
fix and states PyTorch's behaviour by NumPy / hand values, and against PyTorch 2.13 itself when it is installed.
The package stays out of the tests: each test below is the idiom transformers uses (its fp8 cache's class
attributes, its ModelOutput pytree registration, masking_utils' ``TransformGetItemToIndex``, the continuous
batching annotations, ``save_on_cpu`` in modeling_utils, the grouped-matmul ``torch.library.custom_op`` of its
mixture-of-experts layers, SiLU after a fully masked attention row, huggingface_hub's state-dict sharding)."""
import collections
import dataclasses
import itertools
import warnings

import numpy as np
import pytest

import nn

RNG = np.random.default_rng(14)
_COUNTER = itertools.count()


def _t(a, requires_grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# ---- the 8-bit float dtypes, as names with PyTorch's finfo ---------------------------------------------------------

F8 = {"float8_e4m3fn": (8, 2.0 ** -3, 448.0, -448.0, 2.0 ** -6, 1.0),
      "float8_e5m2": (8, 2.0 ** -2, 57344.0, -57344.0, 2.0 ** -14, 1.0),
      "float8_e4m3fnuz": (8, 2.0 ** -3, 240.0, -240.0, 2.0 ** -7, 1.0),
      "float8_e5m2fnuz": (8, 2.0 ** -3, 57344.0, -57344.0, 2.0 ** -15, 1.0),
      "float8_e8m0fnu": (8, 1.0, 2.0 ** 127, 2.0 ** -127, 2.0 ** -127, 1.0)}


def test_float8_dtypes_exist_with_torch_finfo():
    # transformers' cache_utils at import: fp8_dtype = torch.float8_e4m3fn; fp8_max = torch.finfo(fp8_dtype).max
    # (AttributeError: module 'nn' has no attribute 'float8_e4m3fn'). Values: the formats' definitions (e4m3fn:
    # max 1.75 * 2^8, smallest normal 2^-6; e5m2: max 1.75 * 2^15, 2^-14; e8m0fnu: exponents only, 2^-127..2^127)
    for name, (bits, eps, hi, lo, tiny, resolution) in F8.items():
        dt = getattr(nn, name)
        info = nn.finfo(dt)
        assert (info.bits, info.eps, info.max, info.min, info.tiny, info.smallest_normal, info.resolution) == \
            (bits, eps, hi, lo, tiny, tiny, resolution), name
        assert info.dtype == name and repr(dt) == f"nn.{name}"
        assert dt.is_floating_point and not dt.is_complex and dt.itemsize == 1
        assert dt.is_signed == (name != "float8_e8m0fnu")
    assert (1 + 0.75) * 2.0 ** 8 == nn.finfo(nn.float8_e4m3fn).max
    assert nn.finfo(nn.bfloat16).max == (2 - 2.0 ** -7) * 2.0 ** 127        # the bfloat16 entry kept
    assert nn.finfo(nn.bfloat16).tiny == np.finfo(np.float32).tiny
    with pytest.raises(TypeError):                                           # a name only: no tensor holds one
        nn.zeros(2, dtype=nn.float8_e4m3fn)


def test_float8_finfo_against_torch():
    torch = pytest.importorskip("torch")
    for name in list(F8) + ["bfloat16"]:
        a, b = nn.finfo(getattr(nn, name)), torch.finfo(getattr(torch, name))
        assert (a.bits, a.eps, a.max, a.min, a.tiny, a.resolution, a.dtype) == \
            (b.bits, b.eps, b.max, b.min, b.tiny, b.resolution, b.dtype), name
        assert getattr(nn, name).is_signed == getattr(torch, name).is_signed


# ---- pytree: register_pytree_node (Hugging Face's ModelOutput) ---------------------------------------------------

def _output_class():
    """A ModelOutput-like class: an OrderedDict subclass and a dataclass, a fresh one per call (the registry is
    process-wide, as PyTorch's)."""
    @dataclasses.dataclass
    class Output(collections.OrderedDict):
        loss: object = None
        logits: object = None

        def __post_init__(self):
            for f in dataclasses.fields(self):
                if getattr(self, f.name) is not None:
                    self[f.name] = getattr(self, f.name)
    Output.__qualname__ = f"Output{next(_COUNTER)}"
    return Output


def _flatten(o):
    return list(o.values()), list(o.keys())


def _unflatten(values, context, output_type):
    return output_type(**dict(zip(context, values)))


def test_register_pytree_node_flattens_and_rebuilds_through_the_functions():
    # transformers.utils.generic: torch_pytree.register_pytree_node(output_type, flatten, unflatten,
    # serialized_type_name=..., flatten_with_keys_fn=torch_pytree._dict_flatten_with_keys) at class creation
    # (AttributeError: module 'nn.utils._pytree' has no attribute 'register_pytree_node')
    from functools import partial

    import nn.utils._pytree as pytree
    Output = _output_class()
    pytree.register_pytree_node(Output, _flatten, partial(_unflatten, output_type=Output),
                                serialized_type_name="Output", flatten_with_keys_fn=pytree._dict_flatten_with_keys)
    out = Output(loss=_t(2.0), logits=_t([[1.0, 2.0]]))
    leaves, spec = pytree.tree_flatten({"out": out, "n": 3})
    assert len(leaves) == 3 and leaves[0] is out["loss"] and leaves[1] is out["logits"] and leaves[2] == 3
    doubled = pytree.tree_map(lambda x: x * 2, {"out": out, "n": 3})
    assert type(doubled["out"]) is Output and list(doubled["out"].keys()) == ["loss", "logits"]
    np.testing.assert_array_equal(doubled["out"].logits.numpy(), [[2.0, 4.0]])
    assert doubled["n"] == 6
    with pytest.raises(ValueError, match="already registered as pytree node"):
        pytree.register_pytree_node(Output, _flatten, partial(_unflatten, output_type=Output))
    # a subclass is not the registered type: a leaf, as PyTorch's exact-type registry
    Sub = type("Sub", (Output,), {})
    assert len(pytree.tree_leaves(Sub(loss=_t(1.0)))) == 1
    keyed, keys = pytree._dict_flatten_with_keys({"a": 1, "b": 2})
    assert keys == ["a", "b"] and [(k.key, v) for k, v in keyed] == [("a", 1), ("b", 2)]
    assert repr(keyed[0][0]) == "MappingKey(key='a')" and str(keyed[0][0]) == "['a']"


def test_register_pytree_node_against_torch():
    torch = pytest.importorskip("torch")
    from functools import partial

    import nn.utils._pytree as pytree
    import torch.utils._pytree as tpytree
    Output = _output_class()
    for lib in (pytree, tpytree):
        lib.register_pytree_node(Output, _flatten, partial(_unflatten, output_type=Output))
    tree = [Output(loss=1.0, logits=2.0), (3.0, Output(logits=4.0))]
    assert pytree.tree_leaves(tree) == tpytree.tree_leaves(tree) == [1.0, 2.0, 3.0, 4.0]
    ours, theirs = pytree.tree_map(lambda v: v + 1, tree), tpytree.tree_map(lambda v: v + 1, tree)
    assert ours == theirs and type(ours[1][1]) is type(theirs[1][1]) is Output
    assert str(pytree._dict_flatten_with_keys({"a": 1})) == str(tpytree._dict_flatten_with_keys({"a": 1}))
    del torch


# ---- torch._dynamo / torch.compiler names read at import --------------------------------------------------------

def test_dynamo_and_compiler_names_transformers_imports():
    # masking_utils: from torch._dynamo._trace_wrapped_higher_order_op import TransformGetItemToIndex (module not
    # found), used as `with TransformGetItemToIndex(): mask = vmap(mask_fn)(...)`; deepgemm:
    # @torch._dynamo.assume_constant_result; the static cache: torch._dynamo.mark_static_address(t);
    # masking_utils: torch.compiler.is_exporting()
    from nn._dynamo._trace_wrapped_higher_order_op import TransformGetItemToIndex
    x = _t([[1.0, 2.0], [3.0, 4.0]])
    i = nn.tensor(1)
    with TransformGetItemToIndex():
        np.testing.assert_array_equal(x[i].numpy(), [3.0, 4.0])          # indexing as outside it
    np.testing.assert_array_equal(nn.vmap(lambda r: r[i])(x).numpy(), [2.0, 4.0])

    def f():
        return 7
    assert nn._dynamo.assume_constant_result(f) is f and nn.compiler.assume_constant_result(f) is f
    assert nn._dynamo.mark_static_address(x) is None
    assert nn.compiler.is_exporting() is False


# ---- torch.cuda names for annotations -----------------------------------------------------------------------------

def test_cuda_graph_and_stream_context_names():
    # continuous batching annotates with torch.cuda.CUDAGraph, torch.cuda.StreamContext, torch.cuda.graph at import
    # (AttributeError). Without CUDA: making a graph raises, a StreamContext of None does nothing
    assert isinstance(nn.cuda.CUDAGraph, type) and isinstance(nn.cuda.graph, type)
    with pytest.raises(RuntimeError, match="Tried to instantiate dummy base class CUDAGraph"):
        nn.cuda.CUDAGraph()
    with pytest.raises(RuntimeError, match="requires CUDA support"):
        nn.cuda.graph(None)
    with nn.cuda.StreamContext(None) as ctx:
        y = _t([1.0]) * 2
    assert ctx.stream is None and y.item() == 2.0
    with nn.cuda.stream(None):
        pass


def test_cuda_names_against_torch():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a CUDA build makes these for real")
    with pytest.raises(RuntimeError, match="Tried to instantiate dummy base class CUDAGraph"):
        torch.cuda.CUDAGraph()
    with pytest.raises(RuntimeError, match="requires CUDA support"):
        torch.cuda.graph(None)
    with torch.cuda.StreamContext(None):
        pass


# ---- torch.autograd.graph.save_on_cpu ----------------------------------------------------------------------------

def test_save_on_cpu_changes_nothing_on_the_cpu():
    # modeling_utils: from torch.autograd.graph import save_on_cpu (module not found); activation offloading runs
    # the forward pass inside it. On the CPU the values and gradients are those without it: d/dx sum(x^3) = 3x^2
    from nn.autograd.graph import save_on_cpu
    x0 = RNG.standard_normal(5)
    x = _t(x0, requires_grad=True)
    with save_on_cpu(pin_memory=True, device_type="cpu"):
        y = (x ** 3).sum()
    y.backward()
    np.testing.assert_allclose(y.item(), (x0 ** 3).sum(), rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), 3 * x0 ** 2, rtol=1e-15)


# ---- torch.library.custom_op / register_autograd / register_fake ----------------------------------------------------

def _grouped_mm(input, weight, offs):
    """Hugging Face's fallback: rows start..end of input times weight[i], group by group (offs: the ends)."""
    out = nn.zeros(input.shape[0], weight.shape[-1], dtype=input.dtype)
    start = 0
    for i, end in enumerate(offs.tolist()):
        out[start:end] = input[start:end] @ weight[i]
        start = end
    return out


def _grouped_mm_setup(ctx, inputs, output):
    ctx.save_for_backward(inputs[0], inputs[1])
    ctx.offs = inputs[2]


def _grouped_mm_backward(ctx, grad):
    # out_g = x_g W_g: dL/dx_g = g_g W_g^T, dL/dW_g = x_g^T g_g
    input, weight = ctx.saved_tensors
    gi, gw, start = nn.zeros_like(input), nn.zeros_like(weight), 0
    for i, end in enumerate(ctx.offs.tolist()):
        gi[start:end] = grad[start:end] @ weight[i].T
        gw[i] = input[start:end].T @ grad[start:end]
        start = end
    return gi, gw, None


def test_custom_op_with_registered_autograd_is_one_node_with_its_backward():
    # moe.py at import: torch.library.custom_op("transformers::grouped_mm_fallback", fn, mutates_args=(),
    # schema=...), register_fake(name, fake), register_autograd(name, backward, setup_context=...), then calls
    # torch.ops.transformers.grouped_mm_fallback(...) (AttributeError: module 'nn' has no attribute 'library')
    ns = f"round14a_{next(_COUNTER)}"
    op = nn.library.custom_op(f"{ns}::grouped_mm", _grouped_mm, mutates_args=(),
                              schema="(Tensor input, Tensor weight, Tensor offs) -> Tensor")
    nn.library.register_fake(f"{ns}::grouped_mm", lambda input, weight, offs: input.new_empty(0))
    nn.library.register_autograd(f"{ns}::grouped_mm", _grouped_mm_backward, setup_context=_grouped_mm_setup)
    assert getattr(nn.ops, ns).grouped_mm is op
    x0, w0 = RNG.standard_normal((5, 3)), RNG.standard_normal((2, 3, 4))
    offs = nn.tensor([2, 5])
    x, w = _t(x0, requires_grad=True), _t(w0, requires_grad=True)
    out = getattr(nn.ops, ns).grouped_mm(x, w, offs=offs)
    expected = np.concatenate([x0[:2] @ w0[0], x0[2:] @ w0[1]])
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-14)
    g0 = RNG.standard_normal((5, 4))
    (out * _t(g0)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.concatenate([g0[:2] @ w0[0].T, g0[2:] @ w0[1].T]), rtol=1e-14)
    np.testing.assert_allclose(w.grad.numpy(), np.stack([x0[:2].T @ g0[:2], x0[2:].T @ g0[2:]]), rtol=1e-14)
    assert nn.gradcheck(lambda a, b: op(a, b, offs), (_t(x0, True), _t(w0, True)), eps=1e-6, atol=1e-7)


def test_custom_op_decorator_without_autograd_refuses_backward():
    ns = f"round14a_{next(_COUNTER)}"

    @nn.library.custom_op(f"{ns}::square", mutates_args=())
    def square(x: nn.Tensor) -> nn.Tensor:
        return x * x
    x = _t([1.5, -2.0], requires_grad=True)
    y = square(x)
    np.testing.assert_array_equal(y.detach().numpy(), [2.25, 4.0])
    assert y.requires_grad
    with pytest.raises(RuntimeError, match=f"Trying to backward through {ns}.square.default but no autograd "
                                           f"formula was registered"):
        y.sum().backward()
    with pytest.raises(ValueError):
        nn.library.custom_op("no_namespace", lambda x: x, mutates_args=())


# ---- NaN through SiLU, softplus, logsigmoid: silent, as PyTorch's --------------------------------------------------

def test_silu_softplus_logsigmoid_pass_nan_silently():
    # Llama's MLP after a fully masked (left-padded) query row under eager attention: PyTorch's float32 softmax of
    # an all -inf row is NaN, the NaN reaches act_fn = SiLU, and NumPy's logaddexp printed "invalid value
    # encountered in logaddexp" (PyTorch: silent, NaN out). Values elsewhere: x sigmoid(x), log(1 + e^x), -log(1 + e^-x)
    x0 = np.array([np.nan, -1.0, 0.5, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fn, ref, dref in (
                (nn.functional.silu, lambda v: v / (1 + np.exp(-v)),
                 lambda v: 1 / (1 + np.exp(-v)) * (1 + v * (1 - 1 / (1 + np.exp(-v))))),
                (nn.functional.softplus, lambda v: np.log1p(np.exp(v)), lambda v: 1 / (1 + np.exp(-v))),
                (nn.functional.logsigmoid, lambda v: -np.log1p(np.exp(-v)), lambda v: 1 / (1 + np.exp(v)))):
            x = _t(x0, requires_grad=True)
            y = fn(x)
            y.sum().backward()
            assert np.isnan(y.detach().numpy()[0]) and np.isnan(x.grad.detach().numpy()[0])
            with np.errstate(over="ignore"):
                np.testing.assert_allclose(y.detach().numpy()[1:], ref(x0[1:]), rtol=1e-14)
                np.testing.assert_allclose(x.grad.numpy()[1:], dref(x0[1:]), rtol=1e-14)


def test_nan_activations_against_torch():
    torch = pytest.importorskip("torch")
    x0 = np.array([np.nan, -1.0, 0.5, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("silu", "softplus", "logsigmoid"):
            ours = getattr(nn.functional, name)(_t(x0)).numpy()
            theirs = getattr(torch.nn.functional, name)(torch.tensor(x0)).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-15, equal_nan=True, err_msg=name)


# ---- state_dict values and .data: a Tensor's device ----------------------------------------------------------------

def test_state_dict_values_have_a_device_with_type():
    # huggingface_hub's split_torch_state_dict_into_shards (save_pretrained) asks `tensor.device.type == "meta"` of
    # each state_dict value: NumPy 2's ndarray.device is the string 'cpu' (AttributeError: 'str' object has no
    # attribute 'type')
    layer = nn.Linear(3, 2)
    for value in list(layer.state_dict().values()) + [layer.weight.data]:
        assert value.device.type == "cpu" and value.device == nn.device("cpu")
        assert value.device == layer.weight.device
    grad_holder = _t(RNG.standard_normal(3), requires_grad=True)
    (grad_holder * 2).sum().backward()
    assert grad_holder.grad.device.type == "cpu"


def test_state_dict_device_against_torch():
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(3, 2)
    assert all(v.device.type == "cpu" and v.device == torch.device("cpu") for v in layer.state_dict().values())
