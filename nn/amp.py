"""torch.amp's names as nn runs them: mixed precision changes nothing here.

autocast runs a region in float16 or bfloat16 on hardware that has fast kernels for them; nn has no such
kernels (nor a GPU), so a region under autocast computes in the dtypes it was given, as PyTorch does with
enabled=False. GradScaler multiplies the loss by a power of two before backward and divides the gradients by
it before the step, so that float16 gradients do not underflow, and skips a step whose gradients overflowed.
As PyTorch's on a machine without CUDA, GradScaler() (device "cuda") disables itself with a warning and the
loop runs unscaled; GradScaler("cpu") scales, unscales and skips as PyTorch's (GradScaler's doc):

    scaler = nn.amp.GradScaler()            (also nn.cuda.amp.GradScaler)
    with nn.autocast(device_type="cuda", dtype=nn.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()           scale(): loss * scale (the loss itself when disabled)
    scaler.unscale_(optimizer)              the true gradients again (clip_grad_norm_ after it sees them)
    scaler.step(optimizer)                  optimizer.step(), unless a gradient is inf or NaN
    scaler.update()                         adapt the scale
"""
import functools
import warnings
from enum import Enum

import numpy as np

from .tensor import Tensor


class autocast:
    """Context manager and decorator; the region runs unchanged (see the module docstring). As PyTorch's on a
    machine without CUDA, a "cuda" region disables itself with PyTorch's warning, and so does a region whose dtype
    is neither float16 nor bfloat16; ``fast_dtype`` is PyTorch's default for the device type when dtype is None."""

    def __init__(self, device_type="cuda", dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device_type = self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        enabled = bool(enabled) and _autocast_supported(device_type, self.fast_dtype)
        self.enabled = self._enabled = enabled

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return run


def _autocast_supported(device_type, dtype):
    """Whether PyTorch's autocast(device_type, dtype) stays enabled on a machine without CUDA; PyTorch's warning
    (from its __init__, at the caller's line) when it disables itself."""
    from .dtypes import bfloat16, float16
    if device_type == "cuda":               # torch.cuda.amp.common.amp_definitely_not_available()
        warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.", stacklevel=3)
        return False
    if dtype not in (bfloat16, float16):
        name = device_type.upper()
        warnings.warn(f"In {name} autocast, but the target dtype is not supported. Disabling autocast.\n{name} "
                      "Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.", stacklevel=3)
        return False
    return True


def is_autocast_enabled(device_type=None):
    """False: an autocast region computes in its inputs' dtypes here, as PyTorch's with enabled=False."""
    return False


def get_autocast_dtype(device_type):
    """The dtype an autocast region of that device type would compute in: PyTorch's defaults, bfloat16 on the CPU
    (and on "hpu", "xla", "maia") and float16 elsewhere (a name only here: nn's regions compute in their inputs'
    dtypes)."""
    from .dtypes import bfloat16, float16
    return bfloat16 if device_type in ("cpu", "hpu", "xla", "maia") else float16


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """torch.amp.custom_fwd: the decorator of a custom autograd Function's ``forward`` (or, in speechbrain's
    features, of a module's). It records on ``args[0]`` the autocast state ``custom_bwd`` restores
    (``_dtype``, ``_fwd_used_autocast``) and would cast the inputs to ``cast_inputs`` inside an autocast
    region; no region is ever enabled here, so ``fwd`` runs on its inputs as they are, as PyTorch's outside one."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        args[0]._dtype = get_autocast_dtype(device_type)
        args[0]._fwd_used_autocast = False
        return fwd(*args, **kwargs)
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type):
    """torch.amp.custom_bwd: runs ``backward`` under the autocast state its ``forward`` recorded (custom_fwd)."""
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args, **kwargs):
        with autocast(device_type=device_type, enabled=args[0]._fwd_used_autocast, dtype=args[0]._dtype):
            return bwd(*args, **kwargs)
    return decorate_bwd


class OptState(Enum):
    """torch.amp.grad_scaler.OptState: an optimizer's stage between two update() calls (fastai imports it)."""
    READY = 0
    UNSCALED = 1
    STEPPED = 2


_READY, _UNSCALED, _STEPPED = OptState.READY, OptState.UNSCALED, OptState.STEPPED


class GradScaler:
    """torch.amp.GradScaler: dynamic loss scaling. For device "cuda" (the default, and nn.cuda.amp.GradScaler's) it
    is disabled with PyTorch's warning, as PyTorch's is on a machine without CUDA: scale() returns its argument,
    step() calls optimizer.step(), get_scale() is 1.0. For device "cpu" it scales as PyTorch's: scale() multiplies
    by the scale (a float32 power of two, init_scale at first), unscale_() divides the gradients by it and
    notes whether any is inf or NaN, step() then skips optimizer.step() if one was, and update() multiplies the
    scale by backoff_factor after such a step, or by growth_factor after growth_interval steps without one."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._device = str(device)
        if enabled and self._device == "cuda":
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                          stacklevel=2)
            enabled = False
        self._enabled = bool(enabled)
        if self._enabled:
            if not growth_factor > 1.0:
                raise AssertionError("The growth factor must be > 1.0.")
            if not backoff_factor < 1.0:
                raise AssertionError("The backoff factor must be < 1.0.")
            init_scale, growth_factor = float(init_scale), float(growth_factor)
            backoff_factor, growth_interval = float(backoff_factor), int(growth_interval)
        # disabled, PyTorch's scaler reads none of them: torch.cuda.amp.GradScaler("cuda") (torch.amp's device argument
        # passed as the deprecated form's init_scale, a common port) runs unscaled without CUDA
        self._init_scale, self._growth_factor = init_scale, growth_factor
        self._backoff_factor, self._growth_interval = backoff_factor, growth_interval
        self._scale, self._growth_tracker = None, 0          # the scale is made on the first scale(), as PyTorch's
        self._per_optimizer_states = {}                      # id(optimizer) -> {"stage": ..., "found_inf": bool}

    def is_enabled(self):
        return self._enabled

    def scale(self, outputs):
        """outputs (a Tensor, or a list / tuple of them, nested) times the scale."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = np.float32(self._init_scale)
        if isinstance(outputs, Tensor):
            return outputs * float(self._scale)
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def _state(self, optimizer):
        return self._per_optimizer_states.setdefault(id(optimizer), {"stage": _READY, "found_inf": None})

    def unscale_(self, optimizer):
        """Divide the gradients of optimizer's parameters by the scale (in place), noting any inf or NaN."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        if self._scale is None:
            raise RuntimeError("Attempted unscale_ but _scale is None.  This may indicate your script did not use "
                               "scaler.scale(loss or outputs) earlier in the iteration.")
        inv_scale = np.float32(1.0 / np.float64(self._scale))      # as PyTorch: the float64 reciprocal, in float32
        found_inf = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is not None:
                    g *= g.dtype.type(inv_scale)
                    found_inf = found_inf or not np.isfinite(g).all()
        state["found_inf"], state["stage"] = found_inf, _UNSCALED

    def step(self, optimizer, *args, **kwargs):
        """optimizer.step(...) on unscaled gradients (unscale_ first if not done), skipped if one is inf or NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale=None):
        """Adapt the scale to the steps since the last update (see the class doc), or set it to new_scale."""
        if not self._enabled:
            return
        if new_scale is not None:
            if isinstance(new_scale, Tensor) and (new_scale.numel() != 1 or new_scale.requires_grad):
                raise ValueError("new_scale should be a float or a 1-element torch.cuda.FloatTensor or "
                                 "torch.FloatTensor with requires_grad=False.")
            self._scale = np.float32(float(new_scale))
        else:
            found = [s["found_inf"] for s in self._per_optimizer_states.values() if s["found_inf"] is not None]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(found):
                self._scale, self._growth_tracker = np.float32(self._scale * np.float32(self._backoff_factor)), 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = np.float32(self._scale * np.float32(self._growth_factor))
                    self._scale = grown if np.isfinite(grown) else self._scale
                    self._growth_tracker = 0
        self._per_optimizer_states = {}

    def get_scale(self):
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else float(self._scale)

    def get_growth_factor(self):
        return self._growth_factor

    def set_growth_factor(self, new_factor):
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self):
        return self._backoff_factor

    def set_backoff_factor(self, new_factor):
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self):
        return self._growth_interval

    def set_growth_interval(self, new_interval):
        self._growth_interval = int(new_interval)

    def state_dict(self):
        """PyTorch's keys (empty when disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor, "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved from a disabled "
                               "instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        if self._scale is not None:
            self._scale = np.float32(self._init_scale)
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


from ._submodule import submodule as _submodule  # noqa: E402
grad_scaler = _submodule(__name__, "grad_scaler", "torch.amp.grad_scaler: GradScaler and OptState.",
                         GradScaler=GradScaler, OptState=OptState)
