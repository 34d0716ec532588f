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
