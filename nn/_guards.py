"""torch._guards: the tracing context's queries, for code that asks them outside any trace (tensordict's
`load_memmap` asks for the fake mode). Nothing is ever traced here."""

__all__ = ["active_fake_mode", "detect_fake_mode"]


def active_fake_mode():
    """The FakeTensorMode of the trace in progress: None, there is none."""
    return None


def detect_fake_mode(inputs=None):
    """The FakeTensorMode of the trace or of fake inputs: None (nn has no fake tensors)."""
    return None
