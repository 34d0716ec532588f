"""The state of nn's random generator (nn.init, dropout), as torch.random / torch.get_rng_state.

    state = nn.get_rng_state()      # a uint8 Tensor (a copy): save it with the checkpoint
    ...
    nn.set_rng_state(state)         # the same random numbers from here on again

The generator is NumPy's PCG64 (``nn.manual_seed(seed)`` makes a new one). Its state is
two 128-bit integers and a buffered 32-bit half; the array holds them as bytes, in the
order state, inc, has_uint32, uinteger, so it goes into an .npz file (nn.save) as it is.
``nn.random.fork_rng()`` restores the state when its block ends; ``nn.random.manual_seed`` /
``initial_seed`` / ``seed`` are nn.manual_seed's (torch.random's names).
"""
import contextlib
import numbers

import numpy as np

from . import tensor as _tensor
from .tensor import manual_seed, initial_seed, seed

__all__ = ["get_rng_state", "set_rng_state", "Generator", "fork_rng", "manual_seed", "initial_seed", "seed"]

_STATE_BYTES = 16 + 16 + 1 + 4


def _state_tensor(bit_gen, caller="get_rng_state"):
    """A PCG64 bit generator's state -> the uint8 Tensor of 37 bytes (a copy)."""
    st = bit_gen.state
    if st["bit_generator"] != "PCG64":
        raise RuntimeError(f"{caller}: expected nn's PCG64 generator, found {st['bit_generator']}")
    raw = (st["state"]["state"].to_bytes(16, "little") + st["state"]["inc"].to_bytes(16, "little")
           + bytes([st["has_uint32"]]) + st["uinteger"].to_bytes(4, "little"))
    return _tensor.Tensor._wrap(np.frombuffer(raw, dtype=np.uint8).copy())


def get_rng_state():
    """The generator's state as a uint8 Tensor of 37 bytes (a copy; a ByteTensor, as torch.get_rng_state's)."""
    return _state_tensor(_tensor.get_rng().bit_generator)


def set_rng_state(new_state):
    """Restore a state from get_rng_state(): the generator continues from where it was then."""
    _set_state_tensor(_tensor.get_rng().bit_generator, new_state)


def _state_array(new_state, caller):
    """A state for set_rng_state -> its 37 bytes, refused in PyTorch's words and types: a non-tensor is a TypeError
    "expected a torch.ByteTensor, but got NoneType" (Reformer's Deterministic replays a state it never recorded
    when a backward runs in eval mode), another dtype "RNG state must be a torch.ByteTensor", another element
    count a RuntimeError. nn's own uint8 arrays (nn.load of a saved state) stay accepted."""
    hint = f" ({caller}: expected the uint8 array of shape ({_STATE_BYTES},) that nn.get_rng_state() returns)"
    if not isinstance(new_state, (_tensor.Tensor, np.ndarray)):
        raise _tensor.ArgumentTypeError(f"expected a nn.ByteTensor, but got {_tensor.parser_type_name(new_state)}"
                                        f"{hint}")
    arr = np.asarray(new_state._data if isinstance(new_state, _tensor.Tensor) else new_state)
    if arr.dtype != np.uint8:
        raise _tensor.ArgumentTypeError(f"RNG state must be a nn.ByteTensor{hint}")
    if isinstance(new_state, _tensor.Tensor) and not new_state.is_contiguous():    # PyTorch reads its bytes in place
        raise RuntimeError("RNG state must be contiguous")
    if arr.size != _STATE_BYTES:       # PyTorch counts the bytes, whatever the shape
        raise _tensor.ShapeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input "
                                 f"RNG state size to be {arr.size}{hint}")
    return arr.tobytes()


def _set_state_tensor(bit_gen, new_state, caller="set_rng_state"):
    """Put a state from _state_tensor back into a PCG64 bit generator."""
    raw = _state_array(new_state, caller)
    bit_gen.state = {"bit_generator": "PCG64",
                     "state": {"state": int.from_bytes(raw[:16], "little"),
                               "inc": int.from_bytes(raw[16:32], "little")},
                     "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:], "little")}


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices", device_type="cuda"):
    """``with nn.random.fork_rng():`` draws inside the block leave nn's generator (its state and its seed) as it
    was before, as torch.random.fork_rng; devices / device_type name GPUs, which nn has none of."""
    if not enabled:
        yield
        return
    state, seed_before = get_rng_state(), _tensor.initial_seed()
    try:
        yield
    finally:
        if _tensor.initial_seed() != seed_before:   # manual_seed inside made a new generator: seed it back
            manual_seed(seed_before)
        set_rng_state(state)


def _generator_seed(seed):
    """Generator.manual_seed's seed: an int (not a float, str or bool, which torch.manual_seed would convert), in
    PyTorch's words, unpacked as torch.manual_seed's (a negative one wraps to 64 bits)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    return _tensor.seed_int(int(seed))


class Generator(np.random.Generator):
    """A random generator object, as torch.Generator: ``nn.Generator().manual_seed(42)``.

    It IS a numpy Generator (PCG64), so it goes wherever nn takes ``generator=``
    (random factories, nn.init, DataLoader, random_split). The same seed gives the
    same stream as ``nn.manual_seed(seed)``. A new one starts from PyTorch's default
    seed 67280421310721, so two fresh generators draw the same numbers (as torch's do).
    """

    DEFAULT_SEED = 67280421310721   # c10's default_rng_seed_val: torch.Generator().initial_seed()

    def __init__(self, device="cpu"):
        # None is PyTorch's default too: torch.Generator(None) draws on the CPU
        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"nn.Generator: only the CPU exists here, got device {device!r}")
        super().__init__(np.random.PCG64())
        self.manual_seed(self.DEFAULT_SEED)

    def manual_seed(self, seed):
        """Reseed in place and return self (so it chains, as in PyTorch)."""
        seed = _generator_seed(seed)
        self.bit_generator.state = np.random.PCG64(seed).state
        self._initial_seed = seed
        return self

    def seed(self):
        """Reseed from the operating system's entropy and return that seed (a 64-bit int), as
        torch.Generator.seed (CEBRA's samplers call it once to pick their seed)."""
        new = int(np.random.SeedSequence().entropy % 2 ** 64)
        self.manual_seed(new)
        return new

    def initial_seed(self):
        return self._initial_seed

    @property
    def device(self):
        """The device it draws for: the CPU (diffusers' randn_tensor reads `generator.device.type`)."""
        from .device import CPU
        return CPU

    def get_state(self):
        """The state as a uint8 Tensor (a copy), as torch.Generator.get_state's: deepinv registers it as a buffer
        and moves it with `.to(device)`."""
        return _state_tensor(self.bit_generator, "Generator.get_state")

    def set_state(self, state):
        """Restore a state from get_state() (NumPy's state dict is taken too)."""
        if isinstance(state, dict):
            self.bit_generator.state = state
        else:
            _set_state_tensor(self.bit_generator, state, "Generator.set_state")
        return self


class _GlobalGenerator(Generator):
    """nn's global generator as a Generator object (torch.random.default_generator): it draws from the global
    stream itself, so draws through it advance what nn.rand & co. draw next; manual_seed reseeds that stream in
    place (the same numbers as nn.manual_seed(seed) gives) and initial_seed is nn.initial_seed()."""

    def manual_seed(self, seed):
        seed = _generator_seed(seed)
        self.bit_generator.state = np.random.PCG64(seed).state
        _tensor._initial_seed = seed
        return self

    def initial_seed(self):
        return _tensor.initial_seed()


def __getattr__(name):
    """torch.random.default_generator (MONAI's DataLoader seeds its transforms from it): a Generator object over the
    global stream (nn.manual_seed reseeds that stream in place, so one kept from an earlier access follows it)."""
    if name == "default_generator":
        generator = Generator.__new__(_GlobalGenerator)
        np.random.Generator.__init__(generator, _tensor.get_rng().bit_generator)
        return generator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
