"""nn._subclasses.fake_tensor: torch's fake (shape-only) tensors exist only while compiling; nn has none."""


def is_fake(x):
    """False: every nn tensor holds its values (kornia's distance_transform asks before reading them)."""
    return False
