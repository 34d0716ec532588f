"""nn.cpu: torch.cpu's device functions (the CPU is nn's one device) and its older mixed-precision names
(``from torch.cpu.amp import autocast``)."""
from . import amp  # noqa: F401


def is_available():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def synchronize(device=None):
    """Does nothing: CPU work is finished when the call that started it returns."""
