"""nn._subclasses: the names of torch._subclasses that library code imports (nn has no tensor subclasses for
tracing)."""
from . import fake_tensor  # noqa: E402,F401  (an attribute after import, as torch._subclasses.fake_tensor)
