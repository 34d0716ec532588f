"""nn.fx.experimental.proxy_tensor: torch's make_fx tracing mode, which nn never enters."""


def get_proxy_mode():
    """None: no proxy-tensor tracing is active (kornia's distance_transform asks before reading values)."""
    return None
