"""torch.autograd.graph's names that model code imports: ``save_on_cpu`` (Hugging Face's activation offloading
wraps its forward pass in it), ``saved_tensors_hooks`` (trl's activation offloading subclasses it) and ``Node``
(torchjd walks ``grad_fn.next_functions`` typed by it), ``GradientEdge`` and ``get_gradient_edge`` (torchjd's
autogram asks autograd.grad for the gradients at edges)."""
import abc
import contextlib
from typing import NamedTuple, Optional

__all__ = ["Node", "GradientEdge", "get_gradient_edge", "save_on_cpu", "saved_tensors_hooks",
           "disable_saved_tensors_hooks"]


class Node(abc.ABC):
    """The abstract class of autograd's graph nodes, as PyTorch's: ``isinstance(y.grad_fn, Node)`` is True for
    every node nn hands out (an op's GradFn, a leaf's AccumulateGrad) without their deriving from it."""

    @abc.abstractmethod
    def name(self):
        """The node's name (MulBackward0)."""

    @property
    @abc.abstractmethod
    def next_functions(self):
        """One (node, 0) pair per input of the op."""

    @abc.abstractmethod
    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) after the node's backward ran."""

    @abc.abstractmethod
    def register_prehook(self, fn):
        """fn(grad_outputs) before the node's backward runs."""

    @classmethod
    def __subclasshook__(cls, subclass):
        from ..tensor import AccumulateGrad, GradFn  # noqa: PLC0415 - nn.tensor imports nn.autograd
        if cls is Node and issubclass(subclass, (GradFn, AccumulateGrad)):
            return True
        return NotImplemented


class GradientEdge(NamedTuple):
    """An input of a graph node: (node, output_nr), as PyTorch's; autograd.grad takes one in place of the tensor
    whose gradient flows along it. Equal and of one hash for the same node (nodes are held: y.grad_fn is
    y.grad_fn)."""
    node: Node
    output_nr: int
    ownership_token: Optional[object] = None


def get_gradient_edge(tensor):
    """The edge whose gradient is tensor's: (tensor.grad_fn, 0), or (its AccumulateGrad, 0) for a leaf."""
    from ..tensor import AccumulateGrad  # noqa: PLC0415 - nn.tensor imports nn.autograd
    if not tensor.requires_grad:
        raise RuntimeError("It is not possible to get the gradient edge for a Tensor that does not require "
                           "gradients")
    return GradientEdge(tensor.grad_fn or AccumulateGrad.of(tensor), 0)


def _edge_tensor(edge):
    """The tensor whose gradient flows along a GradientEdge (autograd.grad's inputs and outputs)."""
    node = edge.node
    tensor = getattr(node, "variable", None)        # a leaf's AccumulateGrad
    if tensor is None and getattr(node, "_tensor", None) is not None:
        tensor = node._tensor()
    if tensor is None:
        raise RuntimeError(f"autograd.grad: the tensor of {edge.node!r} is gone (its graph was freed)")
    return tensor


class saved_tensors_hooks:
    """A context under which PyTorch passes each tensor an op saves for backward through pack_hook and what that
    returned through unpack_hook when backward needs it (offloading, compression). nn's ops keep their saved arrays
    inside their backward functions, with no point to hook into, so the hooks are kept but never called: the saved
    values, the results and the gradients are those of the block run without the context, which is what hooks that
    move or store tensors unchanged (offloading) give."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        return None

    def __exit__(self, *args):
        return None


@contextlib.contextmanager
def disable_saved_tensors_hooks(error_message):
    """A context under which registering saved-tensor hooks is an error in PyTorch; nn calls none (see above)."""
    yield


class save_on_cpu(contextlib.nullcontext):
    """Keep the tensors saved for backward on the CPU (optionally pinned) and move them back for the backward pass.
    Every nn tensor lives in CPU memory already, so the saved values, the results and the gradients are those of
    the block run without it: the context changes nothing."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        super().__init__()
        self.pin_memory, self.device_type = pin_memory, device_type
