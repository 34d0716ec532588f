"""Round 15, area C: training frameworks from the package registry (lightning 2.6.6 with torchmetrics 1.9.0, skorch
1.4.0 with scikit-learn 1.9.1), each run unchanged under PyTorch and ported.

Each test failed before its fix. Values are checked against hand derivations; where PyTorch is installed, against
PyTorch 2.13 too. The packages themselves are not needed: the tests make the calls they make.
"""
import io
import pickle
from collections import OrderedDict, namedtuple

import numpy as np
import pytest

import nn


# -- names Lightning imports at the top ----------------------------------------------------------------------------

def test_untyped_storage_and_incompatible_keys_names():
    # lightning.fabric.utilities.types: `UntypedStorage: TypeAlias = torch.UntypedStorage`;
    # fabric.wrappers: `from torch.nn.modules.module import _IncompatibleKeys` (the return annotation)
    from nn.modules.module import _IncompatibleKeys
    assert isinstance(nn.ones(3).untyped_storage(), nn.UntypedStorage)
    assert nn.ones(3, dtype=nn.float64).untyped_storage().nbytes() == 24
    result = nn.Linear(2, 2).load_state_dict({"weight": np.zeros((2, 2))}, strict=False)
    assert isinstance(result, _IncompatibleKeys) and result.missing_keys == ["bias"]


def test_parallel_distributed_submodule():
    # fabric.strategies.ddp: `from torch.nn.parallel.distributed import DistributedDataParallel`
    from nn.parallel.distributed import DistributedDataParallel
    assert DistributedDataParallel is nn.parallel.DistributedDataParallel
    assert DistributedDataParallel.__module__ == "nn.parallel.distributed"


def test_tensor_metaclass_script_module_graph_module():
    # fabric.utilities.load: `from torch._C import _TensorMeta`; pytorch.core.module: `from torch import ScriptModule`
    # and `-> Union[ScriptModule, torch.fx.GraphModule]` (annotations evaluated at class creation)
    from nn._C import _TensorMeta
    assert isinstance(nn.Tensor, _TensorMeta) and isinstance(nn.ones(1), nn.Tensor)
    assert nn.ScriptModule is nn.jit.ScriptModule
    assert issubclass(nn.fx.GraphModule, nn.Module) and not isinstance(nn.Linear(1, 1), nn.fx.GraphModule)


def test_profiler_names():
    # pytorch.profilers.pytorch: `torch.autograd.profiler.emit_nvtx` in a Union, `torch.profiler.kineto_available()`
    with nn.autograd.profiler.emit_nvtx(record_shapes=True) as ctx:
        y = nn.ones(2) * 2
    assert isinstance(ctx, nn.autograd.profiler.emit_nvtx) and y.tolist() == [2.0, 2.0]
    assert nn.profiler.kineto_available() is True


def test_torch_function_mode_stack():
    # fabric.utilities.init: `class _EmptyInit(TorchFunctionMode)`, entered by every Trainer.init_module()
    from nn.overrides import TorchFunctionMode, _get_current_function_mode_stack

    class Mode(TorchFunctionMode):
        def __init__(self, enabled=True):
            super().__init__()
            self.enabled = enabled

    outer, inner = Mode(), Mode(False)
    with outer:
        with inner:
            assert _get_current_function_mode_stack() == [outer, inner]
        assert _get_current_function_mode_stack() == [outer]
    assert _get_current_function_mode_stack() == []
    assert outer.__torch_function__(nn.add, (), (nn.ones(1), 2.0)).tolist() == [3.0]


def test_pytorch_file_reader_records():
    # fabric.utilities.load._lazy_load: `torch.PyTorchFileReader(str(filename))`, `.get_record("data.pkl")`
    buf = io.BytesIO()
    nn.save({"w": nn.ones(2)}, buf)
    buf.seek(0)
    import zipfile
    with zipfile.ZipFile(buf) as z:
        pickled = z.read("archive/data.pkl")
    buf.seek(0)
    reader = nn.PyTorchFileReader(buf)
    assert reader.get_record("data.pkl") == pickled
    assert reader.has_record("byteorder") and not reader.has_record("nope")
    assert {"data.pkl", "data/0", "byteorder"} <= set(reader.get_all_records())


def test_pytorch_file_reader_reads_torch_files():
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    buf.seek(0)
    ours = nn.PyTorchFileReader(buf)
    assert sorted(ours.get_all_records()) == ['.data/serialization_id', '.format_version', '.storage_alignment',
                                              'byteorder', 'data.pkl', 'data/0', 'version']
    assert ours.get_record("byteorder") == b"little"


# -- pytree: Lightning flattens batches by hand with PyTorch's node registry -----------------------------------------

def _flatten_by_hand(pytree, _pytree):
    """lightning.pytorch.utilities._pytree._tree_flatten, minus its primitive-container rule."""
    node_type = _pytree._get_node_type(pytree)
    if node_type not in _pytree.SUPPORTED_NODES:
        return [pytree], _pytree.LeafSpec()
    children, context = _pytree.SUPPORTED_NODES[node_type].flatten_fn(pytree)
    leaves, specs = [], []
    for child in children:
        flat, spec = _flatten_by_hand(child, _pytree)
        leaves += flat
        specs.append(spec)
    return leaves, _pytree.TreeSpec(node_type, context, specs)


NT = namedtuple("NT", "a b")


def _tree():
    return {"x": [1, (2, 3)], "y": NT(4, 5), "z": OrderedDict(q=6)}


def test_pytree_supported_nodes_and_treespec_from_parts():
    import nn.utils._pytree as pt
    assert pt._get_node_type(NT(1, 2)) is namedtuple and pt._get_node_type([1]) is list
    assert set(pt.SUPPORTED_NODES) >= {tuple, list, dict, namedtuple, OrderedDict}
    assert pt.SUPPORTED_NODES[dict].flatten_fn({"a": 1, "b": 2}) == ([1, 2], ["a", "b"])
    assert pt.SUPPORTED_NODES[namedtuple].unflatten_fn([7, 8], NT) == NT(7, 8)
    leaves, spec = _flatten_by_hand(_tree(), pt)
    assert leaves == [1, 2, 3, 4, 5, 6]
    assert spec == pt.tree_structure(_tree())                   # the same spec tree_flatten makes
    assert pt.tree_unflatten([10 * v for v in leaves], spec) == \
        {"x": [10, (20, 30)], "y": NT(40, 50), "z": OrderedDict(q=60)}
    assert spec.type is dict and spec.context == ["x", "y", "z"] and spec.num_children == 3
    assert spec.children_specs[1].type is namedtuple and spec.children_specs[1].context is NT
    assert spec.children_specs[0].context is None


def test_pytree_registered_node_and_torch():
    import nn.utils._pytree as pt

    class Box:
        def __init__(self, a, b):
            self.a, self.b = a, b

    pt.register_pytree_node(Box, lambda x: ([x.a, x.b], "box"), lambda values, context: Box(*values))
    assert pt.SUPPORTED_NODES[Box].type is Box
    with pytest.raises(ValueError, match="already registered"):
        pt.register_pytree_node(list, lambda x: (x, None), lambda v, c: v)
    leaves, spec = _flatten_by_hand([Box(1, 2)], pt)
    assert leaves == [1, 2] and spec.children_specs[0].context == "box"
    rebuilt = pt.tree_unflatten([3, 4], spec)
    assert isinstance(rebuilt[0], Box) and (rebuilt[0].a, rebuilt[0].b) == (3, 4)
    torch = pytest.importorskip("torch")
    import torch.utils._pytree as tpt
    tleaves, tspec = _flatten_by_hand(_tree(), tpt)
    leaves, spec = _flatten_by_hand(_tree(), pt)
    assert leaves == tleaves and spec.num_leaves == tspec.num_leaves
    assert spec.context == tspec.context and spec.children_specs[1].context is tspec.children_specs[1].context


# -- the Trainer's and skorch's calls ------------------------------------------------------------------------------

def test_parse_to():
    # fabric's _DeviceDtypeModuleMixin.to: `device, dtype = torch._C._nn._parse_to(*args, **kwargs)[:2]`
    p = nn._C._nn._parse_to
    assert p(nn.float64) == (None, nn.float64, False, None)
    assert p("cpu", nn.float32, non_blocking=True) == (nn.device("cpu"), nn.float32, True, None)
    assert p(nn.zeros(2, dtype=nn.int64)) == (nn.device("cpu"), nn.int64, False, None)
    assert p(dtype=nn.float64)[:2] == (None, nn.float64) and p("cpu")[:2] == (nn.device("cpu"), None)
    assert p(nn.device("cpu"), memory_format=nn.channels_last)[3] is nn.channels_last
    torch = pytest.importorskip("torch")
    assert [str(v) for v in torch._C._nn._parse_to("cpu", torch.float32, non_blocking=True)[::2]] == \
        [str(v) for v in p("cpu", nn.float32, non_blocking=True)[::2]]


def test_dataloader_keeps_multiprocessing_context_and_cuda_rng_states():
    # the Trainer's _worker_check reads loader.multiprocessing_context; isolate_rng restores
    # torch.cuda.set_rng_state_all(torch.cuda.get_rng_state_all()) around the sanity check
    import multiprocessing
    ds = nn.utils.data.TensorDataset(nn.ones(4, 1))
    assert nn.utils.data.DataLoader(ds).multiprocessing_context is None
    loader = nn.utils.data.DataLoader(ds, num_workers=1, multiprocessing_context="spawn")
    assert loader.multiprocessing_context is multiprocessing.get_context("spawn")
    assert "multiprocessing_context" not in vars(loader)      # a property, as PyTorch's (ignite copies vars())
    with pytest.raises(ValueError, match=r"only be used with multi-process loading \(num_workers > 0\), but got "
                                         r"num_workers=0"):
        nn.utils.data.DataLoader(ds, multiprocessing_context="spawn")
    with pytest.raises(ValueError, match="should specify a valid start method"):
        nn.utils.data.DataLoader(ds, num_workers=1, multiprocessing_context="bogus")
    assert nn.cuda.get_rng_state_all() == []
    assert nn.cuda.set_rng_state_all([]) is None


def test_flop_counter_mode_context():
    # pytorch.utilities.model_summary: FlopCounterMode(mods=None, display=False, depth=2), entered around the
    # example input's forward; since the sixteenth round it counts as PyTorch's (2 * 1 * 3 * 2 for the addmm;
    # tests/test_compat_round16_C.py)
    from nn.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(mods=None, display=False, depth=2)
    with counter:
        nn.Linear(3, 2)(nn.ones(1, 3))
    assert counter.get_total_flops() == 12 and isinstance(counter.get_flop_counts(), dict)


# -- forward hooks with keyword arguments (Lightning's model summary) ----------------------------------------------

class _KwNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2, 2)

    def forward(self, x, scale=1.0):
        return self.lin(x) * scale


def test_forward_hooks_with_kwargs_and_prepend():
    m = _KwNet().double()
    x = nn.tensor([[1.0, -2.0]], dtype=nn.float64)
    plain = m(x, scale=3.0).detach().numpy()
    seen = []
    m.register_forward_hook(lambda mod, args, kwargs, out: seen.append(("kw", kwargs, out.shape)), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: seen.append("plain"))
    m.register_forward_hook(lambda mod, args, out: seen.append("first"), prepend=True)
    # a pre-hook with kwargs may replace both: doubles x and sets scale=1
    m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] * 2,), {"scale": 1.0}), with_kwargs=True)
    out = m(x, scale=3.0)
    np.testing.assert_allclose(out.detach().numpy(), plain / 3.0 * 2 - m.lin.bias.detach().numpy(), rtol=1e-15)
    assert seen == ["first", ("kw", {"scale": 1.0}, (1, 2)), "plain"]
    assert list(m._forward_hooks_with_kwargs.values()) == [True]
    m.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match=r"forward pre-hook must return None or a tuple of \(new_args, new_kwargs\)"):
        m(x)


def test_forward_hooks_with_kwargs_against_torch():
    torch = pytest.importorskip("torch")

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 2)

        def forward(self, x, scale=1.0):
            return self.lin(x) * scale

    t, m = TNet().double(), _KwNet().double()
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    for net in (t, m):
        net.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] + 1,), dict(kwargs, scale=2.0)),
                                      with_kwargs=True)
        net.register_forward_hook(lambda mod, args, kwargs, out: out + kwargs["scale"], with_kwargs=True)
    x = np.array([[0.5, -1.0]])
    np.testing.assert_allclose(m(nn.tensor(x), scale=5.0).detach().numpy(),
                               t(torch.tensor(x), scale=5.0).detach().numpy(), rtol=1e-15)


# -- Module.float() / double() as PyTorch's: torchmetrics' Metric keeps its states' dtype -------------------------

class _Stateful(nn.Module):
    """torchmetrics' Metric._apply in short: a state converted by .to() / set_dtype, not by .float() / .double()."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(1, 1)
        self.state = nn.zeros(1)

    def _apply(self, fn, recurse=True):
        this = super()._apply(fn)
        if not any(name in str(fn) for name in ("Module.half", "Module.float", "Module.double", "Module.type")):
            self.state = fn(self.state)
        return this


def test_double_and_float_leave_metric_states():
    m = _Stateful()
    m.double()
    assert m.lin.weight.dtype == nn.float64 and m.state.dtype == nn.float32
    m.float()
    assert m.lin.weight.dtype == nn.float32 and m.state.dtype == nn.float32
    m.to(nn.float64)
    assert m.lin.weight.dtype == nn.float64 and m.state.dtype == nn.float64
    assert nn.Linear(2, 2).double().weight.dtype == nn.float64     # plain modules as before
    torch = pytest.importorskip("torch")
    seen = []
    t = torch.nn.Linear(1, 1)
    t._apply = lambda fn, recurse=True: seen.append(str(fn)) or t
    t.double()
    assert "Module.double" in seen[0]


# -- CyclicLR pickles (skorch pickles a net with its LRScheduler callback) -----------------------------------------

def _cyclic_lrs(lib, mode, steps=7):
    model = (nn if lib is nn else lib.nn).Linear(1, 1)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    sched = lib.optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=2, mode=mode, gamma=0.9,
                                            cycle_momentum=False)
    lrs = []
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    return sched, lrs


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr_pickles(mode):
    sched, lrs = _cyclic_lrs(nn, mode)
    copy = pickle.loads(pickle.dumps(sched))
    copy.optimizer.step()
    copy.step()
    sched.optimizer.step()
    sched.step()
    assert copy.get_last_lr() == sched.get_last_lr()
    # by hand: 4-step cycles, the lr at step s rises by 0.045 per step to 0.1 at s = 2, 6, ...
    scale = {"triangular": [1] * 8, "triangular2": [1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25],
             "exp_range": [0.9 ** s for s in range(1, 9)]}[mode]
    rise = [0.5, 1.0, 0.5, 0.0, 0.5, 1.0, 0.5, 0.0]
    np.testing.assert_allclose(lrs + copy.get_last_lr(), [0.01 + 0.09 * r * s for r, s in zip(rise, scale)],
                               rtol=1e-14)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr_against_torch(mode):
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(_cyclic_lrs(nn, mode, 9)[1], _cyclic_lrs(torch, mode, 9)[1], rtol=1e-14)


def test_removed_forward_hooks_with_kwargs_leave_no_ids():
    m = nn.Linear(2, 2)
    for _ in range(3):
        m.register_forward_hook(lambda mod, args, kwargs, out: None, with_kwargs=True).remove()
        m.register_forward_pre_hook(lambda mod, args, kwargs: None, with_kwargs=True).remove()
    assert not m._forward_hooks_with_kwargs and not m._forward_pre_hooks_with_kwargs
    assert not m._forward_hooks and not m._forward_pre_hooks
