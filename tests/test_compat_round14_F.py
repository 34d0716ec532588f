"""PyTorch Geometric 2.8.1, the whole package ported by the porting rule (renamed `pygp`) and run against PyTorch 2.13
in float64 (GCN, GAT / GATv2, SAGE, GIN / GINE, GraphConv, TransformerConv, EdgeConv and ~35 more convolutions,
pooling, aggregations, norms, the model zoo, GAE / VGAE / DGI, dense pooling, transforms, heterogeneous convs).
The failures these tests pin down, each reproduced in a few lines (the package itself is never imported here): at
import PyG reads `torch.__config__.show()`, registers classes with `torch.serialization.add_safe_globals`, keys
dispatch tables by `torch.ops.aten.<op>.<overload>`, sets `__torch_function__ = torch._C._disabled_torch_function_impl`,
imports torch._dynamo (is_compiling, OptimizedModule), torch._tensor_str, torch.distributed.rpc and
torch.utils.data.dataloader's iterator classes, annotates with torch.cuda.Stream and subclasses
torch.utils.data.sampler.Sampler through the attribute path; it compares layouts with torch.sparse_csr, writes a mask
by `torch.index_select(..., out=)`, reduces segments by `torch._segment_reduce`, makes lazy weights
(`torch.nn.UninitializedParameter` + `materialize`), converts indices by `torch._convert_indices_from_coo_to_csr`,
deep-copies MessagePassing modules (whose `__setstate__` ends in `super().__setstate__`), reads `running_mean` of an
untracked instance norm, calls `MultiheadAttention._reset_parameters()`, and differentiates through `scatter_add_`
twice (EquilibriumAggregation). Each test states PyTorch's behaviour; with torch installed, PyTorch's own numbers."""
import copy
import pickle

import numpy as np
import pytest

import nn
import nn.functional as F


def _torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


# ---- import-time names ---------------------------------------------------------------------------------------------

def test_config_show_is_text_without_mkl_off():
    text = nn.__config__.show()
    assert isinstance(text, str) and "built with" in text
    assert "USE_MKL=OFF" not in text                  # PyG's NO_MKL stays False, as with PyTorch's build here
    assert "get_num_threads" in nn.__config__.parallel_info()


def test_add_safe_globals_records_and_context_restores():
    class EdgeTypeStr(str):
        pass
    nn.serialization.clear_safe_globals()
    nn.serialization.add_safe_globals([EdgeTypeStr])
    assert nn.serialization.get_safe_globals() == [EdgeTypeStr]
    with nn.serialization.safe_globals([int]):
        assert nn.serialization.get_safe_globals() == [EdgeTypeStr, int]
    assert nn.serialization.get_safe_globals() == [EdgeTypeStr]
    nn.serialization.clear_safe_globals()
    assert nn.serialization.get_safe_globals() == []


def test_ops_aten_overloads_are_hashable_singletons_and_callable():
    aten = nn.ops.aten
    table = {aten.cat.default: "cat", aten.sort.stable: "sort"}
    assert aten.cat.default is aten.cat.default and table[aten.cat.default] == "cat"
    assert str(aten.cat.default) == "aten.cat.default" and aten.sort.stable.name() == "aten::sort.stable"
    assert aten.cat.default.name() == "aten::cat"
    out = aten.cat.default([nn.tensor([1, 2]), nn.tensor([3])], 0)
    assert out.tolist() == [1, 2, 3]
    x = nn.tensor([1.0, 2.0])
    aten.add_.Tensor(x, nn.tensor([1.0, 1.0]))
    assert x.tolist() == [2.0, 3.0]
    with pytest.raises(AttributeError):
        nn.ops.pyg.knn                                  # an operator nobody registered, as PyTorch
    torch = _torch()
    assert str(torch.ops.aten.cat.default) == str(aten.cat.default)
    assert torch.ops.aten.sort.stable.name() == aten.sort.stable.name()


def test_disabled_torch_function_impl_and_dynamo_names():
    class Index(nn.Tensor):
        __torch_function__ = nn._C._disabled_torch_function_impl
    assert nn._C._disabled_torch_function_impl(nn.add, (), (nn.tensor(1.0), nn.tensor(2.0))).item() == 3.0
    assert nn._C._get_default_device() == "cpu"
    from nn import _dynamo
    assert _dynamo.is_compiling() is False
    model = nn.Linear(2, 2)
    assert not isinstance(nn.compile(model), _dynamo.OptimizedModule)
    assert isinstance(_dynamo.OptimizedModule(model), nn.Module)


def test_cuda_stream_is_a_name_that_needs_cuda():
    def record_stream(stream: nn.cuda.Stream):
        return stream
    assert record_stream.__annotations__["stream"] is nn.cuda.Stream
    with pytest.raises(RuntimeError, match="requires CUDA"):
        nn.cuda.Stream()
    torch = _torch()
    with pytest.raises(RuntimeError, match="requires CUDA"):
        torch.cuda.Stream()


def test_tensor_str_body_and_print_opts():
    from nn._tensor_str import PRINT_OPTS, _tensor_str
    assert _tensor_str(nn.tensor([[1.0, 2.0], [3.5, 4.0]]), indent=0) == "[[1.0000, 2.0000],\n [3.5000, 4.0000]]"
    assert _tensor_str(nn.tensor([[1, 2], [3, 4]]), indent=3) == "[[1, 2],\n    [3, 4]]"
    assert PRINT_OPTS.threshold == 1000
    nn.set_printoptions(threshold=5)
    try:
        assert PRINT_OPTS.threshold == 5
    finally:
        nn.set_printoptions(profile="default")
    assert repr(nn.tensor([[1.0, 2.0], [3.5, 4.0]])) == "tensor([[1.0000, 2.0000],\n        [3.5000, 4.0000]])"
    torch = _torch()
    from torch._tensor_str import _tensor_str as theirs
    for value, indent in (([[1.0, 2.0], [3.5, 4.0]], 0), ([[1, 2], [3, 4]], 3), ([1e-5, 3.0], 2)):
        assert _tensor_str(nn.tensor(value), indent) == theirs(torch.tensor(value), indent)


def test_dataloader_iterator_object_and_submodule_attributes():
    import nn.utils.data as data
    from nn.utils.data.dataloader import _BaseDataLoaderIter, _MultiProcessingDataLoaderIter

    class Wrapped(data.DataLoader):             # PyG's NodeLoader: super()._get_iterator() wrapped
        def _get_iterator(self):
            inner = super()._get_iterator()
            assert isinstance(inner, _BaseDataLoaderIter) and not isinstance(inner, _MultiProcessingDataLoaderIter)
            return (b * 10 for b in inner)

    loader = data.DataLoader(data.TensorDataset(nn.arange(5.0)), batch_size=2)
    it = iter(loader)
    assert len(it) == 3 and iter(it) is it
    assert [b[0].tolist() for b in it] == [[0.0, 1.0], [2.0, 3.0], [4.0]]
    assert [b.tolist() for b in Wrapped(nn.arange(4.0), batch_size=2)] == [[0.0, 10.0], [20.0, 30.0]]
    assert data.sampler.Sampler is data.Sampler                      # torch.utils.data.sampler.Sampler
    assert data.dataset.Dataset is data.Dataset and data.dataloader.DataLoader is data.DataLoader


def test_distributed_rpc_module_in_a_build_without_rpc():
    from nn.distributed import rpc
    assert rpc.is_available() is False
    assert not hasattr(rpc, "api")                       # PyG's `if hasattr(rpc, 'api')` takes its plain path


def test_compressed_sparse_layouts_are_named_and_distinct():
    x = nn.zeros(2)
    assert x.layout == nn.strided
    assert x.layout != nn.sparse_csr and x.layout != nn.sparse_csc and nn.sparse_csr != nn.sparse_coo
    assert nn.sparse_bsr != nn.sparse_bsc


# ---- index_select(out=), segment_reduce, index conversions ---------------------------------------------------------

def test_index_select_out_writes_the_mask():
    node_mask = nn.tensor([True, False, True])
    edge_mask = nn.zeros(4, dtype=nn.bool)
    row = nn.tensor([0, 1, 2, 2])
    result = nn.index_select(node_mask, 0, row, out=edge_mask)
    assert result is edge_mask and edge_mask.tolist() == [True, False, True, True]


SEG_X = np.array([[1.0, 2.0], [3.0, 2.0], [5.0, 7.0], [5.0, 1.0], [2.0, 2.0]])
SEG_W = np.arange(1.0, 7.0).reshape(3, 2)
# (values, gradient of sum(nan_to_num(out) * SEG_W)) for offsets [0, 2, 2, 5], by hand (PyTorch 2.13's numbers)
SEG_EXPECTED = {
    ("sum", None): ([[4, 4], [0, 0], [12, 10]], [[1, 2], [1, 2], [5, 6], [5, 6], [5, 6]]),
    ("sum", 0.5): ([[4.5, 4.5], [0.5, 0.5], [12.5, 10.5]], [[1, 2], [1, 2], [5, 6], [5, 6], [5, 6]]),
    ("mean", None): ([[2, 2], [np.nan, np.nan], [4, 10 / 3]], [[0.5, 1], [0.5, 1], [5 / 3, 2], [5 / 3, 2], [5 / 3, 2]]),
    ("mean", 10.0): ([[7, 7], [10, 10], [22 / 3, 20 / 3]], [[0.5, 1], [0.5, 1], [5 / 3, 2], [5 / 3, 2], [5 / 3, 2]]),
    ("max", None): ([[3, 2], [-np.inf, -np.inf], [5, 7]], [[0, 1], [1, 1], [2.5, 6], [2.5, 0], [0, 0]]),
    ("amax", 0.5): ([[3, 2], [0.5, 0.5], [5, 7]], [[0, 1], [1, 1], [2.5, 6], [2.5, 0], [0, 0]]),
    ("min", None): ([[1, 2], [np.inf, np.inf], [2, 1]], [[1, 1], [0, 1], [0, 0], [0, 6], [5, 0]]),
    ("amin", 0.5): ([[0.5, 0.5]] * 3, [[0, 0]] * 5),
    ("prod", None): ([[3, 4], [1, 1], [50, 14]], [[3, 4], [1, 4], [50, 12], [50, 84], [125, 42]]),
    ("prod", 0.5): ([[1.5, 2], [0.5, 0.5], [25, 7]], [[1.5, 2], [0.5, 2], [25, 6], [25, 42], [62.5, 21]]),
}


@pytest.mark.parametrize("reduce,initial", list(SEG_EXPECTED))
def test_segment_reduce_values_and_gradients(reduce, initial):
    values, grad = SEG_EXPECTED[reduce, initial]
    x = nn.tensor(SEG_X, requires_grad=True)
    out = nn._segment_reduce(x, reduce, offsets=nn.tensor([0, 2, 2, 5]), initial=initial)
    np.testing.assert_allclose(out.detach().numpy(), values, rtol=1e-15)
    (out.nan_to_num(0.0, 0.0, 0.0) * nn.tensor(SEG_W)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), grad, rtol=1e-15)
    by_lengths = nn.segment_reduce(nn.tensor(SEG_X), reduce, lengths=nn.tensor([2, 0, 3]), initial=initial)
    np.testing.assert_allclose(by_lengths.numpy(), values, rtol=1e-15)


def test_segment_reduce_prod_gradient_with_zeros_and_gradcheck():
    x = nn.tensor([[1.0, 0.0], [3.0, 0.0], [0.0, 7.0], [5.0, 0.0], [2.0, 2.0]], requires_grad=True)
    nn.segment_reduce(x, "prod", lengths=nn.tensor([2, 0, 3])).sum().backward()
    assert x.grad.tolist() == [[3.0, 0.0], [1.0, 0.0], [10.0, 0.0], [0.0, 14.0], [0.0, 0.0]]
    rng = np.random.default_rng(0)
    data = rng.standard_normal((7, 3)) + 3.0                          # distinct values: no ties at the max / min
    for reduce in ("sum", "mean", "max", "min", "prod"):
        assert nn.gradcheck(lambda t: nn.segment_reduce(t, reduce, lengths=nn.tensor([3, 0, 4]), initial=1.5),
                            (nn.tensor(data, requires_grad=True),))


def test_segment_reduce_errors_as_pytorch():
    x = nn.zeros(5, 2)
    with pytest.raises(RuntimeError, match="Either lengths or offsets must be defined"):
        nn.segment_reduce(x, "sum")
    with pytest.raises(RuntimeError, match="sum to data.size"):
        nn.segment_reduce(x, "sum", lengths=nn.tensor([2, 2]))
    with pytest.raises(RuntimeError, match="reduce argument must be either sum, prod, mean, amax or amin"):
        nn.segment_reduce(x, "foo", lengths=nn.tensor([2, 3]))
    with pytest.raises(RuntimeError, match="indices based reduction is not supported"):
        nn.segment_reduce(x, "sum", indices=nn.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="Expected axis to be the last dimension of lengths"):
        nn.segment_reduce(x, "sum", lengths=nn.tensor([2, 3]), axis=1)


def test_segment_reduce_against_pytorch():
    torch = _torch()
    rng = np.random.default_rng(1)
    data = np.round(rng.standard_normal((9, 4)), 1)                   # rounded: ties at the max / min
    offsets = [0, 3, 3, 4, 9]
    for reduce in ("sum", "mean", "max", "min", "prod", "amax", "amin"):
        for initial in (None, 0.25):
            xt = torch.tensor(data, requires_grad=True)
            xn = nn.tensor(data, requires_grad=True)
            ot = torch._segment_reduce(xt, reduce, offsets=torch.tensor(offsets), initial=initial)
            on = nn._segment_reduce(xn, reduce, offsets=nn.tensor(offsets), initial=initial)
            np.testing.assert_allclose(on.detach().numpy(), ot.detach().numpy(), rtol=1e-14)
            w = rng.standard_normal(ot.shape)
            (ot.nan_to_num(0.0, 0.0, 0.0) * torch.tensor(w)).sum().backward()
            (on.nan_to_num(0.0, 0.0, 0.0) * nn.tensor(w)).sum().backward()
            np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-14, atol=1e-15)


def test_convert_indices_between_coo_and_csr():
    ptr = nn._convert_indices_from_coo_to_csr(nn.tensor([0, 0, 2, 2, 2, 4]), 6)
    assert ptr.tolist() == [0, 2, 2, 5, 5, 6, 6] and ptr.dtype == nn.int64
    assert nn._convert_indices_from_coo_to_csr(nn.tensor([0, 1]), 2, out_int32=True).dtype == nn.int32
    assert nn._convert_indices_from_coo_to_csr(nn.tensor([3, 1, 0]), 4).tolist() == [0, 3, 3, 3, 3]   # unsorted
    coo = nn._convert_indices_from_csr_to_coo(nn.tensor([0, 2, 2, 5]), nn.tensor([0, 1, 0, 1, 2]))
    assert coo.tolist() == [[0, 0, 2, 2, 2], [0, 1, 0, 1, 2]]
    torch = _torch()
    for idx, size in (([0, 0, 2, 2, 2, 4], 6), ([3, 1, 0], 4), ([], 3), ([1, 1, 1], 2)):
        theirs = torch._convert_indices_from_coo_to_csr(torch.tensor(idx, dtype=torch.long), size)
        assert nn._convert_indices_from_coo_to_csr(nn.tensor(idx, dtype=nn.int64), size).tolist() == theirs.tolist()


# ---- modules -------------------------------------------------------------------------------------------------------

def test_uninitialized_parameter_materializes_in_its_dtype():
    assert nn.UninitializedParameter is nn.parameter.UninitializedParameter

    class LazyLinear(nn.Module):                   # PyG's Linear(-1, out): materialised by a forward pre-hook
        def __init__(self, out):
            super().__init__()
            self.out = out
            self.weight = nn.parameter.UninitializedParameter()
            self._hook = self.register_forward_pre_hook(self.initialize)

        def initialize(self, module, inputs):
            if isinstance(self.weight, nn.UninitializedParameter):
                self.weight.materialize((self.out, inputs[0].size(-1)))
                nn.init.ones_(self.weight)
            self._hook.remove()

        def forward(self, x):
            return F.linear(x, self.weight)

    m = LazyLinear(3).double()
    y = m(nn.ones(2, 4, dtype=nn.float64))
    assert type(m.weight) is nn.Parameter and m.weight.dtype == nn.float64 and m.weight.shape == (3, 4)
    assert y.tolist() == [[4.0] * 3] * 2 and [n for n, _ in m.named_parameters()] == ["weight"]
    b = nn.UninitializedBuffer()
    b.materialize((2,), dtype=nn.float64)
    assert type(b) is nn.Tensor and b.shape == (2,)
    # a module holds an uninitialised buffer as the placeholder itself, as PyTorch's (a lazy module's running
    # statistics until their first call)
    holder = nn.Module()
    holder.register_buffer("running", nn.UninitializedBuffer())
    assert type(holder.running) is nn.UninitializedBuffer


class _MessagePassingLike(nn.Module):
    """PyG's MessagePassing.__setstate__: sets attributes, then super().__setstate__(data)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)
        self.fuse = True

    def __setstate__(self, data):
        self.fuse = data["fuse"]
        super().__setstate__(data)


def test_module_setstate_through_super_in_deepcopy_and_pickle():
    conv = _MessagePassingLike()
    for twin in (copy.deepcopy(conv), pickle.loads(pickle.dumps(conv))):
        assert twin.fuse and [n for n, _ in twin.named_parameters()] == ["lin.weight", "lin.bias"]
        np.testing.assert_array_equal(twin.lin.weight.detach().numpy(), conv.lin.weight.detach().numpy())
        assert twin.lin.weight is not conv.lin.weight


def test_untracked_instance_norm_has_none_running_stats():
    norm = nn.InstanceNorm1d(3, affine=True)
    assert norm.running_mean is None and norm.running_var is None and norm.num_batches_tracked is None
    assert sorted(norm.state_dict()) == ["bias", "weight"]
    tracked = nn.InstanceNorm1d(3, track_running_stats=True)
    assert tracked.running_mean.tolist() == [0.0, 0.0, 0.0]
    torch = _torch()
    assert sorted(torch.nn.InstanceNorm1d(3, affine=True).state_dict()) == sorted(norm.state_dict())


def test_multihead_attention_reset_parameters_as_pytorch():
    attn = nn.MultiheadAttention(4, 2, add_bias_kv=True)
    with nn.no_grad():
        attn.in_proj_bias.fill_(1.0)
        attn.out_proj.bias.fill_(1.0)
    nn.manual_seed(0)
    attn._reset_parameters()
    assert attn.in_proj_bias.abs().sum().item() == 0.0 and attn.out_proj.bias.abs().sum().item() == 0.0
    bound = float(np.sqrt(6.0 / (4 + 12)))                 # Xavier-uniform of the (12, 4) in_proj_weight
    assert attn.in_proj_weight.abs().max().item() <= bound and attn.in_proj_weight.std().item() > 0.1
    bias_k = attn.bias_k.detach().numpy().copy()
    attn._reset_parameters()                                # bias_k / bias_v drawn again (Xavier-normal)
    assert not np.array_equal(attn.bias_k.detach().numpy(), bias_k)


def test_scatter_add_differentiated_twice():
    rng = np.random.default_rng(0)
    X, S = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    idx = np.array([[0, 1, 3], [2, 2, 0], [1, 0, 0], [3, 3, 1], [0, 1, 2]])

    def second_order(lib):
        x, s = lib.tensor(X, requires_grad=True), lib.tensor(S, requires_grad=True)
        y = x.clone().scatter_add_(0, lib.tensor(idx), s * s)
        gx, gs = lib.autograd.grad((y ** 3).sum(), (x, s), create_graph=True)
        (gx.sum() + (gs ** 2).sum()).backward()
        return x.grad.numpy(), s.grad.numpy()

    gx, gs = second_order(nn)
    # by hand: y = X + scatter(S^2), L = sum(y^3): gx = 3y^2, gs = 6 y[idx]^2 S, so
    # L2 = sum(3y^2) + sum(36 y[idx]^4 S^2): dL2/dy = 6y + scatter(144 y[idx]^3 S^2) = dL2/dX,
    # dL2/dS = dL2/dy[idx] 2S + 72 y[idx]^4 S
    at = (idx, np.arange(3))
    y = X.copy()
    np.add.at(y, at, S * S)
    dy = 6 * y
    np.add.at(dy, at, 144 * y[at] ** 3 * S * S)
    ds = dy[at] * 2 * S + 72 * y[at] ** 4 * S
    np.testing.assert_allclose(gx, dy, rtol=1e-13)
    np.testing.assert_allclose(gs, ds, rtol=1e-13)
    assert nn.gradcheck(lambda s: nn.zeros(4, 3, dtype=nn.float64).scatter_add(0, nn.tensor(idx), s),
                        (nn.tensor(S, requires_grad=True),))
    torch = _torch()
    tx, ts = second_order(torch)
    np.testing.assert_allclose(gx, tx, rtol=1e-13)
    np.testing.assert_allclose(gs, ts, rtol=1e-13)
