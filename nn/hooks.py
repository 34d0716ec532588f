"""RemovableHandle: what the register_*_hook methods return (torch.utils.hooks.RemovableHandle)."""
import itertools

_ids = itertools.count(1)


class RemovableHandle:
    """remove() unregisters the hook (also on leaving a `with` block)."""

    def __init__(self, registry, hook, extra_dict=None):
        self.id, self._registry = next(_ids), registry
        # dicts that also key by this id (PyTorch's: one dict, or a list of them)
        self._extra = () if extra_dict is None else tuple(extra_dict) if isinstance(extra_dict, list) else (extra_dict,)
        registry[self.id] = hook

    def remove(self):
        for d in (self._registry,) + self._extra:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
