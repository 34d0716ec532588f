"""torch.utils.hooks's name: RemovableHandle (nn/hooks.py), as custom hook registries import it."""
from ..hooks import RemovableHandle  # noqa: F401
