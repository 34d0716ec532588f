"""nn._subclasses.fake_tensor: torch's fake (shape-only) tensors exist only while compiling; nn has none."""
import contextlib


def is_fake(x):
    """False: every nn tensor holds its values (kornia's distance_transform asks before reading them)."""
    return False


@contextlib.contextmanager
def unset_fake_temporarily():
    """Leaves the fake-tensor mode for the block, yielding the mode it left: None here (there is none)."""
    yield None
