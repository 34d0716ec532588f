"""torch._utils: the helpers third-party code imports from it (NVIDIA's model-parallel mappings, apex-style
gradient bucketing)."""
import nn


def _flatten_dense_tensors(tensors):
    """Tensors of any shapes -> one 1-D tensor of all their elements in order (the one tensor's `view(-1)` if
    there is one, as PyTorch's)."""
    if len(tensors) == 1:
        return tensors[0].reshape(-1)
    return nn.cat([t.contiguous().view(-1) for t in tensors])


def _unflatten_dense_tensors(flat, tensors):
    """A 1-D `flat` and the tensors it was made from -> views of `flat` with their shapes, in order (a list)."""
    outputs, offset = [], 0
    for tensor in tensors:
        numel = tensor.numel()
        outputs.append(flat.narrow(0, offset, numel).view(tensor.shape))
        offset += numel
    return outputs


def _take_tensors(tensors, size_limit):
    """Tensors -> a generator of lists of tensors of one `type()` each, every list's bytes within size_limit (a
    list goes over only with one tensor bigger than the limit), in order within a type; the unfinished lists last,
    in the order their types first came (mmengine's bucketed all_reduce)."""
    buckets = {}
    for tensor in tensors:
        if tensor.is_sparse:
            indices, values = tensor._indices(), tensor._values()
            size = indices.numel() * indices.element_size() + values.numel() * values.element_size()
        else:
            size = tensor.numel() * tensor.element_size()
        bucket = buckets.setdefault(tensor.type(), [[], 0])
        if bucket[1] + size > size_limit and bucket[1] > 0:
            yield bucket[0]
            bucket = buckets[tensor.type()] = [[], 0]
        bucket[0].append(tensor)
        bucket[1] += size
    for bucket, _ in buckets.values():
        if bucket:
            yield bucket


def _get_available_device_type():
    """The accelerator's device type name, None on a CPU-only build (nn's case: tensordict asks before syncing)."""
    return None


def _get_device_module(device_type):
    """nn.<device_type> (nn.cpu, nn.cuda), PyTorch's error for a device type without a module."""
    device_module = getattr(nn, device_type, None)
    if device_module is None:
        raise RuntimeError(f"Device '{device_type}' does not have a corresponding module registered as "
                           f"'torch.{device_type}'.")
    return device_module
