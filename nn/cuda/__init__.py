"""nn.cuda: there is no GPU backend. is_available() is False, so PyTorch's usual
``device = "cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU."""

from . import amp                 # torch.cuda.amp's (older) names: from torch.cuda.amp import autocast, GradScaler
from . import nvtx                # torch.cuda.nvtx's names: from torch.cuda import nvtx (asdl)
from ..legacy_types import _cuda_types

globals().update(_cuda_types())   # nn.cuda.FloatTensor ...: legacy CUDA types, of which no nn Tensor is one


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Does nothing (no CUDA generator), as torch.cuda.manual_seed without a GPU."""


def manual_seed_all(seed):
    """Does nothing (no CUDA generator), as torch.cuda.manual_seed_all without a GPU."""


def get_rng_state_all():
    """The states of every CUDA device's generator: none, as torch.cuda.get_rng_state_all without a GPU ([])."""
    return []


def set_rng_state_all(new_states):
    """Sets one state per CUDA device: there are none, so nothing happens (Lightning's isolate_rng restores [])."""


def get_rng_state(device="cuda"):
    """One device's generator state: PyTorch initialises CUDA to read it, which fails without a GPU."""
    raise AssertionError("Torch not compiled with CUDA enabled")


def set_rng_state(new_state, device="cuda"):
    """Sets one device's generator state, as torch.cuda.set_rng_state without a GPU: PyTorch clones the state for
    a callback run when CUDA initialises (never, here), so a Tensor is taken and nothing happens; anything else
    fails at the clone, in PyTorch's words (pytorch_toolbelt's set_rng_state hands it get_rng_state_all's [])."""
    new_state.clone()


def seed():
    """Does nothing (no CUDA generator), as torch.cuda.seed without a GPU."""


def seed_all():
    """Does nothing (no CUDA generator), as torch.cuda.seed_all without a GPU."""


def initial_seed():
    """The current device's initial seed: PyTorch initialises CUDA to read it, which fails without a GPU."""
    raise AssertionError("Torch not compiled with CUDA enabled")


def empty_cache():
    """Does nothing (no GPU memory), as torch.cuda.empty_cache without a GPU."""


def synchronize(device=None):
    """Does nothing: CPU work is finished when the call that started it returns (timing code calls this)."""


_initialized = False             # reversible-layer code checks torch.cuda._initialized before saving CUDA rng states


def is_initialized():
    return False


def is_bf16_supported(including_emulation=True):
    return False


def memory_allocated(device=None):
    """0 bytes (no GPU memory), as torch.cuda.memory_allocated without a GPU (training loops log it)."""
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0


class OutOfMemoryError(RuntimeError):
    """torch.OutOfMemoryError, also torch.cuda.OutOfMemoryError (one class): nn never raises it, code catches it
    (pykeen's batch-size search: ``except torch.cuda.OutOfMemoryError``)."""


class Stream:
    """torch.cuda.Stream, a name for annotations (PyG's ``record_stream(stream: torch.cuda.Stream)``); making one
    needs CUDA, as in a CPU-only PyTorch."""

    def __init__(self, device=None, priority=0, **kwargs):
        raise RuntimeError("torch.cuda.Stream requires CUDA support")


class Event:
    """torch.cuda.Event, a name only: making one needs CUDA."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        raise RuntimeError("Tried to instantiate dummy base class Event")


class StreamContext:
    """torch.cuda.StreamContext: selects a stream for its block; no stream other than None can exist here, and with
    None it does nothing, as PyTorch's (Hugging Face's ``stream_context`` annotates with it)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def stream(stream):
    """torch.cuda.stream(s): the StreamContext of s."""
    return StreamContext(stream)


class CUDAGraph:
    """torch.cuda.CUDAGraph, a name for annotations (Hugging Face's continuous batching keys its graphs by it);
    making one needs CUDA."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("Tried to instantiate dummy base class CUDAGraph")


class graph:
    """torch.cuda.graph, the context manager that captures a CUDAGraph, a name for annotations; entering one needs
    a side stream, hence CUDA, as in a CPU-only PyTorch."""

    def __init__(self, cuda_graph, pool=None, stream=None, capture_error_mode="global"):
        Stream()


def current_stream(device=None):
    raise AssertionError("Torch not compiled with CUDA enabled")


def _random_module():
    """torch.cuda.random (torchattacks' APGD and Square call torch.cuda.random.manual_seed(seed)): the generator
    calls of a build without a GPU; seeding does nothing, reading a single device's state fails as PyTorch's."""
    from .._submodule import submodule

    return submodule(__name__, "random", "torch.cuda.random: no CUDA generator exists in nn.",
                     manual_seed=manual_seed, manual_seed_all=manual_seed_all, seed=seed, seed_all=seed_all,
                     get_rng_state_all=get_rng_state_all, set_rng_state_all=set_rng_state_all,
                     get_rng_state=get_rng_state, set_rng_state=set_rng_state, initial_seed=initial_seed)


random = _random_module()
