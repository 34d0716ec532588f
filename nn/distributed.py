"""torch.distributed's queries for a single process: nn runs in one process, so no process group ever exists.

Training scripts import it at the top and ask ``dist.is_available() and dist.is_initialized()`` before any
collective call; both are False here, so they take their single-process path. The calls that need a group
raise PyTorch's error.
"""
import enum


def is_available():
    """False: no distributed backend (the scripts' single-process path)."""
    return False


def is_initialized():
    """False: init_process_group can never have been called."""
    return False


def _no_group(*args, **kwargs):
    raise RuntimeError("Default process group has not been initialized, please make sure to call "
                       "init_process_group. (nn runs in one process: there is no process group to join.)")


def init_process_group(*args, **kwargs):
    raise RuntimeError("init_process_group: nn runs in one process and has no distributed backend; run the "
                       "script without a launcher (world size 1)")


get_rank = get_world_size = barrier = all_reduce = all_gather = broadcast = reduce = destroy_process_group = _no_group
# the object and scatter/gather collectives (avalanche imports broadcast_object_list at its top)
broadcast_object_list = all_gather_object = gather_object = scatter_object_list = gather = scatter = \
    reduce_scatter = all_to_all = new_group = get_backend = _no_group


class ProcessGroup:
    """PyTorch's stub in a build without distributed support: a name for annotations (diffusers'
    `group: dist.ProcessGroup`), never instantiated by a group."""


GroupName = ProcessGroup


class _WorldMeta(type):
    """PyTorch's metaclass of `group` and `GroupMember`: the class property WORLD, the default process group, None
    until init_process_group, so here always (Lightning's `all_gather` reads `torch.distributed.group.WORLD`)."""

    @property
    def WORLD(cls):
        return None


class group(metaclass=_WorldMeta):
    """Group class. Placeholder."""


class GroupMember(metaclass=_WorldMeta):
    """Group member class."""

    NON_GROUP_MEMBER = -100


class ReduceOp:
    """The reduction names of the collectives (``dist.ReduceOp.SUM`` as a default argument, asdl's natural
    gradient): members of the enum RedOpType with PyTorch's values; no collective runs here."""
    RedOpType = enum.IntEnum("RedOpType", [("SUM", 0), ("AVG", 1), ("PRODUCT", 2), ("MIN", 3), ("MAX", 4),
                                           ("BAND", 5), ("BOR", 6), ("BXOR", 7), ("PREMUL_SUM", 8)])
    SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR, PREMUL_SUM = RedOpType


def _optim_module():
    """torch.distributed.optim as the submodule nn.distributed.optim (registered in sys.modules, so `from
    torch.distributed.optim import ZeroRedundancyOptimizer` ports: ignite's checkpoint handler imports it for an
    isinstance check). ZeroRedundancyOptimizer shards optimizer state across a process group, which never exists here;
    constructing one fails as PyTorch's does without init_process_group."""
    from ._submodule import submodule
    from .optim.optimizer import Optimizer

    class ZeroRedundancyOptimizer(Optimizer):
        def __init__(self, params, optimizer_class, process_group=None, parameters_as_bucket_view=False,
                     overlap_with_ddp=False, **defaults):
            raise ValueError("Default process group has not been initialized, please make sure to call "
                             "init_process_group.")

    return submodule(__name__, "optim", "torch.distributed.optim: ZeroRedundancyOptimizer (no process group exists "
                     "in nn, so none can be built).", ZeroRedundancyOptimizer=ZeroRedundancyOptimizer)


optim = _optim_module()


def _rpc_module():
    """torch.distributed.rpc as PyTorch has it in a build without RPC support: only ``is_available()`` (False),
    so `from torch.distributed import rpc` ports (PyG's distributed package imports it at import time)."""
    from ._submodule import submodule
    return submodule(__name__, "rpc", "torch.distributed.rpc in a build without RPC: is_available() only.",
                     is_available=lambda: False)


rpc = _rpc_module()


def _autograd_module():
    """torch.distributed.autograd as PyTorch has it in a build without distributed autograd: ``is_available()``
    (False) and the class ``context``, so `import torch.distributed.autograd as autograd` ports (torchopt's
    distributed package imports it at import time and asks is_available())."""
    from ._submodule import submodule

    class context:
        """The distributed autograd context of a `with` block; none can be opened without RPC."""

        def __enter__(self):
            raise RuntimeError("torch.distributed.autograd.context: nn runs in one process and has no "
                               "distributed autograd (is_available() is False)")

        def __exit__(self, exc_type, exc_value, traceback):
            return None

    return submodule(__name__, "autograd", "torch.distributed.autograd in a build without distributed autograd: "
                     "is_available() and context.", is_available=lambda: False, context=context)


autograd = _autograd_module()


def _elastic_module():
    """torch.distributed.elastic.multiprocessing.errors: ``record``, the decorator a launched entry point wears
    (torchopt's `auto_init_rpc` imports it at import time). One process, no children: ``record`` runs the function
    under PyTorch's default ErrorHandler (an exception is written as JSON to $TORCHELASTIC_ERROR_FILE when that is
    set, then re-raised; SystemExit(0) returns None)."""
    import faulthandler
    import functools
    import json
    import os
    import time
    import traceback
    import warnings
    from ._submodule import submodule

    class ErrorHandler:
        """Writes an exception as JSON to the file named by $TORCHELASTIC_ERROR_FILE (nothing when unset)."""

        def _get_error_file_path(self):
            return os.environ.get("TORCHELASTIC_ERROR_FILE", None)

        def initialize(self):
            try:
                faulthandler.enable(all_threads=True)
            except Exception as e:
                warnings.warn(f"Unable to enable fault handler. {type(e).__name__}: {e}", stacklevel=2)

        def record_exception(self, e):
            file = self._get_error_file_path()
            if file:
                data = {"message": {"message": f"{type(e).__name__}: {e}",
                                    "extraInfo": {"py_callstack": traceback.format_exc(),
                                                  "timestamp": str(int(time.time()))}}}
                with open(file, "w") as fp:
                    json.dump(data, fp)

    class ChildFailedError(Exception):
        """A launched child process failed; nn launches none, so it is never raised here."""

    def get_error_handler():
        return ErrorHandler()

    def record(fn, error_handler=None):
        """`fn` wrapped so an exception it raises is recorded by `error_handler` (default: get_error_handler())
        and re-raised; SystemExit with code 0 returns None."""
        if not error_handler:
            error_handler = get_error_handler()

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            error_handler.initialize()
            try:
                return fn(*args, **kwargs)
            except SystemExit as se:
                if se.code == 0:
                    return None
                raise
            except Exception as e:
                error_handler.record_exception(e)
                raise

        return wrapper

    errors = submodule(__name__ + ".elastic.multiprocessing", "errors", "torch.distributed.elastic.multiprocessing."
                       "errors: record and the default ErrorHandler (one process, no children).", record=record,
                       ErrorHandler=ErrorHandler, ChildFailedError=ChildFailedError,
                       get_error_handler=get_error_handler)
    multiprocessing = submodule(__name__ + ".elastic", "multiprocessing", "torch.distributed.elastic."
                                "multiprocessing: errors.", errors=errors)
    return submodule(__name__, "elastic", "torch.distributed.elastic: multiprocessing.errors.",
                     multiprocessing=multiprocessing)


elastic = _elastic_module()


def _nn_module():
    """torch.distributed.nn and its .functional: the differentiable collectives (lightly's BarlowTwinsLoss and
    LeJEPA import `from torch.distributed import nn as dist_nn` at the top and call `dist_nn.all_reduce` only
    under a process group). No group exists here, so each call raises PyTorch's ValueError."""
    from ._submodule import submodule

    def _collective(*args, **kwargs):
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")

    names = ("all_gather", "all_reduce", "all_to_all", "all_to_all_single", "broadcast", "gather", "reduce",
             "reduce_scatter", "scatter")
    functional = submodule(__name__ + ".nn", "functional", "torch.distributed.nn.functional: collectives that "
                           "need a process group (none exists in nn).", **{n: _collective for n in names})
    module = submodule(__name__, "nn", "torch.distributed.nn: the differentiable collectives (no process group "
                       "exists in nn).", functional=functional, **{n: _collective for n in names})
    _collective.__module__ = functional.__name__
    return module


nn = _nn_module()


def _device_mesh_module():
    """torch.distributed.device_mesh as PyTorch has it in a build without distributed support: the stub class
    `DeviceMesh` and a no-op `init_device_mesh`, so annotations such as diffusers' dataclass field
    `mesh: torch.distributed.device_mesh.DeviceMesh | None = None` evaluate at import time."""
    from ._submodule import submodule

    class DeviceMesh:
        """A stub: no device mesh can exist without a process group."""

    def init_device_mesh(*args, **kwargs):
        """A no-op, as PyTorch's stub in a build without distributed support."""

    return submodule(__name__, "device_mesh", "torch.distributed.device_mesh in a build without distributed "
                     "support: stubs only.", DeviceMesh=DeviceMesh, init_device_mesh=init_device_mesh)


device_mesh = _device_mesh_module()


def _tensor_modules():
    """torch.distributed.tensor (and its older name torch.distributed._tensor) with .experimental, and
    torch.distributed.fsdp (also torch.distributed._composable.fsdp): names for imports, annotations and the checks
    `type(p) is DTensor` / `isinstance(m, FSDPModule)`, which are False here (opacus imports DTensor, FSDPModule and
    implicit_replication at the top). Sharding needs a process group, which never exists in nn: making a DTensor or
    sharding a module raises PyTorch's error."""
    import contextlib
    import sys
    from ._submodule import submodule
    from . import _C
    from .tensor import Tensor

    class DTensor(Tensor):
        """A tensor sharded over a device mesh; none can exist without a process group."""
        # no __torch_function__ of its own: defining it at import must not turn dispatch on for every call
        __torch_function__ = _C._disabled_torch_function_impl

        def __new__(cls, *args, **kwargs):
            _no_group()

        @staticmethod
        def from_local(*args, **kwargs):
            _no_group()

    class Placement:
        """How a DTensor is laid out over one mesh dimension."""

    class Shard(Placement):
        def __init__(self, dim):
            self.dim = dim

    class Replicate(Placement):
        pass

    class Partial(Placement):
        def __init__(self, reduce_op="sum"):
            self.reduce_op = reduce_op

    @contextlib.contextmanager
    def implicit_replication():
        """No DTensor exists here, so nothing is replicated: a context that does nothing."""
        yield

    experimental = submodule(__name__ + ".tensor", "experimental", "torch.distributed.tensor.experimental: "
                             "implicit_replication (a no-op: no DTensor exists in nn).", DTensor=DTensor,
                             implicit_replication=implicit_replication)
    tensor = submodule(__name__, "tensor", "torch.distributed.tensor: DTensor and placements as names (no process "
                       "group exists in nn, so no DTensor can be made).", DTensor=DTensor, Placement=Placement,
                       Shard=Shard, Replicate=Replicate, Partial=Partial, DeviceMesh=device_mesh.DeviceMesh,
                       init_device_mesh=device_mesh.init_device_mesh, distribute_tensor=_no_group,
                       distribute_module=_no_group, experimental=experimental)
    sys.modules[__name__ + "._tensor"] = tensor
    sys.modules[__name__ + "._tensor.experimental"] = experimental

    class FSDPModule:
        """The class fully_shard mixes into a module; no module is one here."""

    def fully_shard(module, *args, **kwargs):
        _no_group()

    from .modules.module import Module

    class FullyShardedDataParallel(Module):
        """FSDP1's wrapper; none can be made without a process group (trl imports it for isinstance checks)."""

        def __init__(self, module, *args, **kwargs):
            _no_group()

    from . import _fsdp_api
    config = {name: getattr(_fsdp_api, name) for name in _fsdp_api.__all__}
    api = submodule(__name__ + ".fsdp", "api", _fsdp_api.__doc__, **config)
    fsdp_module = submodule(__name__ + ".fsdp", "fully_sharded_data_parallel", "torch.distributed.fsdp."
                            "fully_sharded_data_parallel: FullyShardedDataParallel as a name.",
                            FullyShardedDataParallel=FullyShardedDataParallel, **config)
    fsdp = submodule(__name__, "fsdp", "torch.distributed.fsdp: FSDPModule as a name (no module can be sharded "
                     "without a process group).", FSDPModule=FSDPModule, fully_shard=fully_shard,
                     FullyShardedDataParallel=FullyShardedDataParallel, fully_sharded_data_parallel=fsdp_module,
                     api=api, **config)
    FullyShardedDataParallel.__module__ = fsdp_module.__name__
    for value in config.values():
        value.__module__ = api.__name__
    composable = submodule(__name__, "_composable", "torch.distributed._composable: fsdp.", fsdp=fsdp)
    sys.modules[composable.__name__ + ".fsdp"] = fsdp
    return tensor, tensor, fsdp, composable


tensor, _tensor, fsdp, _composable = _tensor_modules()


def _c10d_module():
    """torch.distributed.distributed_c10d, the module the collectives live in: the same functions, and the
    `_pickler` / `_unpickler` classes the object collectives pickle with (avalanche sets `_unpickler` at import)."""
    import pickle
    from ._submodule import submodule
    module = submodule(__name__, "distributed_c10d", "torch.distributed.distributed_c10d: the single-process "
                       "collectives of nn.distributed.")
    for name in ("is_available", "is_initialized", "init_process_group", "get_rank", "get_world_size", "barrier",
                 "all_reduce", "all_gather", "broadcast", "reduce", "destroy_process_group", "broadcast_object_list",
                 "all_gather_object", "gather_object", "scatter_object_list", "gather", "scatter", "reduce_scatter",
                 "all_to_all", "new_group", "get_backend", "ProcessGroup", "ReduceOp", "group", "GroupMember"):
        setattr(module, name, globals()[name])
    module._pickler, module._unpickler = pickle.Pickler, pickle.Unpickler
    return module


distributed_c10d = _c10d_module()

def _checkpoint_module():
    """torch.distributed.checkpoint.state_dict: ``get_model_state_dict`` / ``set_model_state_dict`` and their
    ``StateDictOptions`` (torchdistill imports them at the top and calls them for FSDP-wrapped models). Without a
    process group no module is sharded, so they are a module's own state_dict (``ignore_frozen_params`` leaves out
    parameters that do not require grad) and load_state_dict (with ``options.strict``)."""
    from dataclasses import dataclass
    from ._submodule import submodule

    @dataclass
    class StateDictOptions:
        full_state_dict: bool = False
        cpu_offload: bool = False
        ignore_frozen_params: bool = False
        keep_submodule_prefixes: bool = True
        strict: bool = True
        broadcast_from_rank0: bool = False
        flatten_optimizer_state_dict: bool = False
        dsd_fqn_modifiers: str = "_fqn_modifiers"

    StateDictOptions.__qualname__ = "StateDictOptions"     # its repr names the class only, as PyTorch's

    def get_model_state_dict(model, *, submodules=None, options=None):
        """model's state_dict (tensors detached), without frozen parameters if options ask so."""
        options = options or StateDictOptions()
        state = model.state_dict()
        if options.ignore_frozen_params:
            frozen = {name for name, p in model.named_parameters() if not p.requires_grad}
            state = {k: v for k, v in state.items() if k not in frozen}
        return state

    def set_model_state_dict(model, model_state_dict, *, options=None):
        """model.load_state_dict(model_state_dict, strict=options.strict) -> its missing / unexpected keys."""
        options = options or StateDictOptions()
        return model.load_state_dict(model_state_dict, strict=options.strict)

    state_dict = submodule(__name__ + ".checkpoint", "state_dict", _checkpoint_module.__doc__,
                           StateDictOptions=StateDictOptions, get_model_state_dict=get_model_state_dict,
                           set_model_state_dict=set_model_state_dict)
    return submodule(__name__, "checkpoint", "torch.distributed.checkpoint: state_dict (no process group: a "
                     "module's own state).", state_dict=state_dict)


checkpoint = _checkpoint_module()

# torch.distributed.algorithms._checkpoint.checkpoint_wrapper (activation checkpointing; no process group needed)
from ._checkpoint_wrapper import algorithms  # noqa: E402
