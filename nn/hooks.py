"""RemovableHandle: what the register_*_hook methods return (torch.utils.hooks.RemovableHandle)."""
import itertools

_ids = itertools.count(1)


class RemovableHandle:
    """remove() unregisters the hook (also on leaving a `with` block)."""

    def __init__(self, registry, hook):
        self.id, self._registry = next(_ids), registry
        registry[self.id] = hook

    def remove(self):
        self._registry.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
