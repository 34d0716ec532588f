"""torch.autograd.profiler's names: profile and record_function (nn/profiler.py: the labelled regions)."""
from ..profiler import EventList, profile, record_function  # noqa: F401
