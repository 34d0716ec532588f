"""nn.backends.mkldnn: no oneDNN (MKL-DNN) backend; the flag that scripts read or set changes nothing."""
import contextlib

enabled = True
deterministic = False


def is_available():
    return False


@contextlib.contextmanager
def flags(enabled=False, deterministic=False):
    """Set the flags for the block and restore them after, as torch.backends.mkldnn.flags."""
    module = globals()
    before = module["enabled"], module["deterministic"]
    module["enabled"], module["deterministic"] = enabled, deterministic
    try:
        yield
    finally:
        module["enabled"], module["deterministic"] = before
