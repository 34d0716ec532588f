"""nn.backends.cudnn: flags that PyTorch scripts set; nn has no cuDNN, so they change nothing."""
enabled = True
benchmark = False
deterministic = False       # nn's CPU kernels are deterministic for a given thread count anyway
allow_tf32 = True


def is_available():
    return False


def version():
    return None
