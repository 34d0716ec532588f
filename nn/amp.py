"""torch.amp's names as nn runs them: mixed precision changes nothing here.

autocast runs a region in float16 or bfloat16 on hardware that has fast kernels for them; nn has no such
kernels (nor a GPU), so a region under autocast computes in the dtypes it was given, as PyTorch does with
enabled=False. GradScaler multiplies the loss by a power of two before backward and divides the gradients by
it before the step, so that float16 gradients do not underflow; in float32 and float64 that round trip is
exact (barring overflow), so nn's scaler leaves the loss and the gradients as they are and steps:

    scaler = nn.amp.GradScaler()            (also nn.cuda.amp.GradScaler, nn.cpu.amp.GradScaler)
    with nn.autocast(device_type="cuda", dtype=nn.float16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()           scale(): the loss itself
    scaler.unscale_(optimizer)              nothing to undo (clip_grad_norm_ after it sees the true gradients)
    scaler.step(optimizer)                  optimizer.step()
    scaler.update()                         nothing to adapt
"""
import functools


class autocast:
    """Context manager and decorator; the region runs unchanged (see the module docstring)."""

    def __init__(self, device_type="cuda", dtype=None, enabled=True, cache_enabled=None):
        self.device_type, self.fast_dtype, self.enabled = device_type, dtype, bool(enabled)

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


def is_autocast_enabled(device_type=None):
    """False: an autocast region computes in its inputs' dtypes here, as PyTorch's with enabled=False."""
    return False


class GradScaler:
    """torch.amp.GradScaler's methods; scaling by a power of two and back is exact above float16, so it is
    skipped: scale() returns its argument, step() calls optimizer.step(), get_scale() is 1.0."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        self._enabled = bool(enabled)

    def is_enabled(self):
        return self._enabled

    def scale(self, outputs):
        return outputs

    def unscale_(self, optimizer):
        pass

    def step(self, optimizer, *args, **kwargs):
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        pass

    def get_scale(self):
        return 1.0

    def state_dict(self):
        return {}

    def load_state_dict(self, state_dict):
        pass
