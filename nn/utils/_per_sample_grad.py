"""torch.nn.utils._per_sample_grad: call_for_per_sample_grads, per-sample gradients in a ``grad_sample`` field
(opacus' ``grad_sample_mode="ew"``).

PyTorch wraps each trainable parameter in an ExpandedWeight whose ops (linear, conv1d / 2d / 3d, embedding,
group_norm, layer_norm, instance_norm) compute per-sample gradients in their backward. nn gets the same values per
layer: the call runs the module on detached copies of its parameters (so the parameters' own ``.grad`` stays None,
as PyTorch's), records each such layer's input, and when the gradient of the layer's output arrives, takes each
sample's gradient of <grad_output[i], layer(input[i])>: Linear's and Embedding's in closed form (one einsum, PyTorch's
scatter-add), the others by nn.func.vmap over nn.func.grad of the layer alone.
"""
from .. import func as _func
from ..grad_mode import enable_grad as _enable_grad

# the layers whose functions PyTorch's ExpandedWeights handle; any other layer with trainable parameters is refused
# with PyTorch's message, naming the function that layer calls
_SUPPORTED = ("Linear", "Conv1d", "Conv2d", "Conv3d", "Embedding", "GroupNorm", "LayerNorm", "InstanceNorm1d",
              "InstanceNorm2d", "InstanceNorm3d")
_FUNCTION_OF = {"EmbeddingBag": "embedding_bag", "RMSNorm": "rms_norm", "BatchNorm1d": "batch_norm",
                "BatchNorm2d": "batch_norm", "BatchNorm3d": "batch_norm", "LSTM": "lstm", "GRU": "gru", "RNN": "rnn_tanh",
                "ConvTranspose1d": "conv_transpose1d", "ConvTranspose2d": "conv_transpose2d",
                "ConvTranspose3d": "conv_transpose3d", "PReLU": "prelu", "Bilinear": "bilinear",
                "MultiheadAttention": "multi_head_attention_forward"}


def _supported(layer):
    import nn                                                 # noqa: PLC0415
    return isinstance(layer, tuple(getattr(nn, n) for n in _SUPPORTED))


def _accumulate(layer, originals, activation, grad_output, batch_size, loss_reduction):
    """Each sample's gradient of the layer's parameters, added to the original parameters' grad_sample."""
    names = list(originals)
    import nn                                                 # noqa: PLC0415
    if isinstance(layer, nn.Embedding):
        # PyTorch's closed form: grad_output scattered to the rows each sample looked up, padding_idx and
        # scale_grad_by_freq not applied
        b, dim = activation.shape[0], originals["weight"].shape[1]
        index = activation.unsqueeze(-1).expand(*activation.shape, dim).reshape(b, -1, dim)
        grad = nn.zeros((b,) + tuple(originals["weight"].shape), dtype=grad_output.dtype)
        grads = (grad.scatter_add_(1, index, grad_output.reshape(b, -1, dim)),)
    elif type(layer) is nn.Linear:
        # sum over the positions of each sample (a sequence's tokens) of outer(grad_output, input), in one einsum
        b = activation.shape[0]
        x, g = activation.reshape(b, -1, activation.shape[-1]), grad_output.reshape(b, -1, grad_output.shape[-1])
        per = {"weight": lambda: nn.einsum("bto,bti->boi", g, x), "bias": lambda: g.sum(1)}
        grads = tuple(per[n]() for n in names)
    else:
        grads = None

    def sample_loss(params, x, g):
        out = _func.functional_call(layer, dict(zip(names, params)), (x.unsqueeze(0),))
        return (out * g.unsqueeze(0)).sum()

    params = tuple(originals[n].detach() for n in names)
    with _enable_grad():
        grads = grads or _func.vmap(_func.grad(sample_loss), in_dims=(None, 0, 0))(params, activation, grad_output)
    for name, grad in zip(names, grads):
        grad = grad.detach()
        if loss_reduction == "mean":
            grad = grad * batch_size
        if grad.shape[0] < batch_size:
            padded = nn.zeros((batch_size,) + tuple(grad.shape[1:]), dtype=grad.dtype)
            padded[:grad.shape[0]] = grad
            grad = padded
        orig = originals[name]
        previous = getattr(orig, "grad_sample", None)
        orig.grad_sample = grad if previous is None else previous + grad


def call_for_per_sample_grads(module, *, batch_size=None, loss_reduction="sum", batch_first=True):
    """A forward function for ``module`` whose backward puts each trainable parameter's per-sample gradients, shape
    (batch_size, *param.shape), in ``param.grad_sample`` (added to one already there) and leaves ``param.grad``
    alone; with loss_reduction="mean" they are scaled by the batch size. batch_size None: the first dim (the second
    if not batch_first) of every tensor argument, which must agree."""
    from ..modules.module import Module                       # noqa: PLC0415
    from ..tensor import Tensor                               # noqa: PLC0415
    from . import _pytree                                     # noqa: PLC0415
    import nn                                                 # noqa: PLC0415
    import functools                                          # noqa: PLC0415

    if loss_reduction not in ["sum", "mean"]:
        raise RuntimeError(f"Expected loss_reduction argument to be sum or mean, got {loss_reduction}")
    if not isinstance(module, Module):
        raise RuntimeError(f"Module passed must be nn.Module, got {type(module).__name__}")
    if not (batch_size is None or isinstance(batch_size, int)):
        raise RuntimeError(f"Batch size passed must be None or an integer, got {type(batch_size).__name__}")
    if batch_size is not None and batch_size < 1:
        raise RuntimeError(f"Batch size must be positive, got {batch_size}")
    for weight in module.parameters():
        if getattr(weight, "grad_sample", None) is not None:
            raise RuntimeError("Current Expanded Weights accumulates the gradients, which will be incorrect for "
                               f"multiple calls without clearing gradients. Please clear out the grad_sample "
                               f"parameter of {weight} or post an issue to pytorch/pytorch to prioritize correct "
                               f"behavior")

    def compute_batch_size(*args, **kwargs):
        found = None
        for arg in _pytree.tree_leaves((args, kwargs)):
            if not isinstance(arg, Tensor):
                continue
            size = arg.shape[0] if batch_first else arg.shape[1]
            if found is not None and found != size:
                raise RuntimeError("When computing batch size, found at least one input with batch size "
                                   f"{found} and one with batch size {size}. Please specify it explicitly using "
                                   "the batch size kwarg in call_for_per_sample_grads")
            found = size
        if found is None:
            raise RuntimeError("Unable to find a tensor in the passed args and kwargs. They may not be pytree-able "
                               "and so ExpandedWeights cannot compute the batch size from the inputs. Please "
                               "specify it explicitly")
        return found

    @functools.wraps(module.forward)
    def wrapper(*args, **kwargs):
        size = batch_size if batch_size is not None else compute_batch_size(*args, **kwargs)
        handles = []

        def record(layer, originals):
            def hook(mod, inputs, output):
                if isinstance(output, Tensor) and output.requires_grad:
                    x = inputs[0].detach()
                    if isinstance(mod, nn.Embedding) and x.dim() == 1:
                        raise RuntimeError(f"Expanded Weights needs an input with a batch size, got a 1D tensor, {x}")
                    output.register_hook(lambda g: _accumulate(layer, originals, x, g, size, loss_reduction))
            return hook

        claimed = set()
        # innermost layers first: a parameter belongs to the innermost layer that holds it (opacus' DPLSTM holds its
        # cells' Linear parameters under its own names too)
        for layer in reversed(list(module.modules())):
            originals = {n: p for n, p in layer._parameters.items()
                         if p is not None and p.requires_grad and id(p) not in claimed}
            claimed.update(id(p) for p in originals.values())
            if not originals:
                continue
            if not _supported(layer):
                name = _FUNCTION_OF.get(type(layer).__name__, type(layer).__name__.lower())
                raise RuntimeError(f"Expanded Weights encountered but cannot handle function {name}")
            handles.append(layer.register_forward_hook(record(layer, originals)))
        copies = {n: p.detach().requires_grad_(True) if p.requires_grad else p for n, p in module.named_parameters()}
        try:
            return _func.functional_call(module, copies, args, kwargs)
        finally:
            for handle in handles:
                handle.remove()

    return wrapper
