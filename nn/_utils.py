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
