"""torch.cuda.nvtx's names (NVIDIA profiler ranges). Libraries import them at the top (asdl:
``from torch.cuda import nvtx``); as in a CPU build of PyTorch, marking a range raises."""
from contextlib import contextmanager

__all__ = ["range_push", "range_pop", "range_start", "range_end", "mark", "range"]


def _not_installed(*args, **kwargs):
    """PyTorch's error without CUDA: there is no NVTX library to call."""
    raise RuntimeError("NVTX functions not installed. Are you sure you have a CUDA build?")


range_push = range_pop = range_start = range_end = mark = _not_installed


@contextmanager
def range(msg, *args, **kwargs):  # noqa: A001 (PyTorch's name)
    """Push a range named msg.format(*args, **kwargs) for the scope (a context manager or decorator)."""
    range_push(msg.format(*args, **kwargs))
    try:
        yield
    finally:
        range_pop()
