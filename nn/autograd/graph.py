"""torch.autograd.graph's names that model code imports: ``save_on_cpu`` (Hugging Face's activation offloading
wraps its forward pass in it) and ``saved_tensors_hooks`` (trl's activation offloading subclasses it)."""
import contextlib

__all__ = ["save_on_cpu", "saved_tensors_hooks", "disable_saved_tensors_hooks"]


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
