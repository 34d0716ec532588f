"""torch.utils.data._utils.pin_memory's ``pin_memory(data, device=None)``, for code that imports it from there
(speechbrain's PaddedBatch). nn has no pinned memory: every tensor's ``pin_memory()`` returns it, so this walks
the containers as PyTorch's does and rebuilds them around the same tensors."""
import collections.abc
import copy


def pin_memory(data, device=None):
    """``data.pin_memory()`` of a tensor (or anything with that method), recursively through mappings, tuples
    (namedtuples kept) and sequences; strings, bytes and other values returned unchanged."""
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)     # (keeps a mapping subclass's own attributes)
                clone.update({k: pin_memory(sample, device) for k, sample in data.items()})
                return clone
            return type(data)({k: pin_memory(sample, device) for k, sample in data.items()})
        except TypeError:
            return {k: pin_memory(sample, device) for k, sample in data.items()}
    if isinstance(data, tuple):
        if hasattr(data, "_fields"):        # namedtuple
            return type(data)(*(pin_memory(sample, device) for sample in data))
        return type(data)(pin_memory(sample, device) for sample in data)
    if isinstance(data, collections.abc.Sequence):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, item in enumerate(data):
                    clone[i] = pin_memory(item, device)
                return clone
            return type(data)([pin_memory(sample, device) for sample in data])
        except TypeError:
            return [pin_memory(sample, device) for sample in data]
    return data
