"""nn.backends: PyTorch's backend switches, kept so scripts that set them run (nn has CPU kernels only).

As in PyTorch, `disable_global_flags()` freezes the cuDNN flags: assigning them then raises, except inside
`__allow_nonbracketed_mutation()` (MONAI's `set_determinism` sets them under it) or `cudnn.flags(...)`."""
import contextlib

_allow_nonbracketed_mutation_flag = True


def disable_global_flags():
    """Refuse plain assignments to the backend flags from now on (use the `flags()` context managers)."""
    global _allow_nonbracketed_mutation_flag
    _allow_nonbracketed_mutation_flag = False


def flags_frozen():
    """True after `disable_global_flags()`, outside `__allow_nonbracketed_mutation()`."""
    return not _allow_nonbracketed_mutation_flag


@contextlib.contextmanager
def __allow_nonbracketed_mutation():
    global _allow_nonbracketed_mutation_flag
    old = _allow_nonbracketed_mutation_flag
    _allow_nonbracketed_mutation_flag = True
    try:
        yield
    finally:
        _allow_nonbracketed_mutation_flag = old


from . import cuda, cudnn, mkldnn, mps, opt_einsum, quantized  # noqa: E402,F401
