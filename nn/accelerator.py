"""torch.accelerator: no accelerator here, so code that asks for one runs on the CPU."""


def is_available():
    return False


def device_count():
    return 0


def current_accelerator(check_available=False):
    return None
