"""torch.autograd.graph's names that model code imports: ``save_on_cpu`` (Hugging Face's activation offloading
wraps its forward pass in it)."""
import contextlib

__all__ = ["save_on_cpu"]


class save_on_cpu(contextlib.nullcontext):
    """Keep the tensors saved for backward on the CPU (optionally pinned) and move them back for the backward pass.
    Every nn tensor lives in CPU memory already, so the saved values, the results and the gradients are those of
    the block run without it: the context changes nothing."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        super().__init__()
        self.pin_memory, self.device_type = pin_memory, device_type
