"""torch.distributed.algorithms._checkpoint.checkpoint_wrapper: a module wrapped so that its forward runs under
activation checkpointing (nn.utils.checkpoint, or a checkpoint function of one's own), with the wrapped module's
parameter names and state_dict keys unchanged (the wrapper's child is ``_checkpoint_wrapped_module``; its prefix is
taken out of ``named_parameters`` and ``state_dict`` and put back by ``load_state_dict``).

PyTorch keeps it under torch.distributed, but it needs no process group: SpikingJelly's memopt imports
``checkpoint_wrapper`` and ``CheckpointWrapper`` at the top, Hugging Face and Lightning use
``apply_activation_checkpointing``. nn has one device, so ``offload_wrapper`` (activations saved to the CPU) runs
the module as it is.
"""
import enum
import functools

from ._submodule import submodule
from .modules.module import Module

_CHECKPOINT_WRAPPED_MODULE = "_checkpoint_wrapped_module"
_CHECKPOINT_PREFIX = _CHECKPOINT_WRAPPED_MODULE + "."


class CheckpointImpl(enum.Enum):
    REENTRANT = enum.auto()
    NO_REENTRANT = enum.auto()


def _replace_by_prefix(state_dict, old_prefix, new_prefix):
    """Rename in place every key of state_dict that starts with old_prefix (torch.distributed.utils')."""
    if old_prefix == new_prefix:
        raise ValueError("old_prefix and new_prefix must be distinct")
    for key in list(state_dict.keys()):
        if key.startswith(old_prefix):
            state_dict[new_prefix + key[len(old_prefix):]] = state_dict.pop(key)


class ActivationWrapper(Module):
    """The wrappers' base: the module as child ``_checkpoint_wrapped_module``, its names without that prefix."""

    def __init__(self, mod):
        super().__init__()
        self._checkpoint_wrapped_module = mod
        # state_dict without the prefix, so a plain module loads it; load_state_dict puts the prefix back
        self._register_state_dict_hook(self._post_state_dict_hook)
        self.register_load_state_dict_pre_hook(self._pre_load_state_dict_hook)

    def forward(self, *args, **kwargs):
        raise ValueError("Subclasses should implement forward().")

    def __getattr__(self, name):
        """A name the wrapper lacks is the wrapped module's."""
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._checkpoint_wrapped_module, name)

    def __getitem__(self, key):
        """Indexing goes to the wrapped module (a wrapped nn.Sequential)."""
        return self._checkpoint_wrapped_module.__getitem__(key)

    def named_parameters(self, *args, **kwargs):
        for name, param in super().named_parameters(*args, **kwargs):
            yield name.replace(_CHECKPOINT_PREFIX, ""), param

    @staticmethod
    def _post_state_dict_hook(module, state_dict, prefix, *args):
        _replace_by_prefix(state_dict, f"{prefix}{_CHECKPOINT_PREFIX}", prefix)
        return state_dict

    @staticmethod
    def _pre_load_state_dict_hook(module, state_dict, prefix, *args):
        _replace_by_prefix(state_dict, prefix, prefix + _CHECKPOINT_PREFIX)


class OffloadWrapper(ActivationWrapper):
    """PyTorch saves the activations on the CPU; nn's are there already: the module runs as it is."""

    def forward(self, *args, **kwargs):
        return self._checkpoint_wrapped_module(*args, **kwargs)


class CheckpointWrapper(ActivationWrapper):
    """The module, its forward under checkpoint_fn (nn.utils.checkpoint.checkpoint by default, reentrant or not as
    checkpoint_impl says) with checkpoint_fn_kwargs; made by checkpoint_wrapper."""

    def __init__(self, mod, checkpoint_impl=CheckpointImpl.NO_REENTRANT, checkpoint_fn=None, **checkpoint_fn_kwargs):
        super().__init__(mod)
        self.checkpoint_impl = checkpoint_impl
        if checkpoint_fn is None:
            from .utils.checkpoint import checkpoint as _utils_checkpoint    # noqa: PLC0415 - on use: import cost
            self.checkpoint_fn = functools.partial(
                _utils_checkpoint, use_reentrant=(self.checkpoint_impl == CheckpointImpl.REENTRANT),
                **checkpoint_fn_kwargs)
        else:
            self.checkpoint_fn = functools.partial(checkpoint_fn, **checkpoint_fn_kwargs)

    def forward(self, *args, **kwargs):
        if self.checkpoint_impl == CheckpointImpl.REENTRANT and kwargs:
            # reentrant checkpoint passes positional arguments only: the keywords ride along as positionals
            keys = tuple(kwargs)

            def run(*inputs):
                n = len(inputs) - len(keys)
                return self._checkpoint_wrapped_module(*inputs[:n], **dict(zip(keys, inputs[n:])))

            return self.checkpoint_fn(run, *args, *kwargs.values())
        return self.checkpoint_fn(self._checkpoint_wrapped_module, *args, **kwargs)


def offload_wrapper(module):
    """The module wrapped for activation offloading (OffloadWrapper)."""
    return OffloadWrapper(module)


def checkpoint_wrapper(module, checkpoint_impl=CheckpointImpl.NO_REENTRANT, checkpoint_fn=None,
                       **checkpoint_fn_kwargs):
    """The module wrapped so that each call checkpoints its forward -> a CheckpointWrapper."""
    return CheckpointWrapper(module, checkpoint_impl, checkpoint_fn, **checkpoint_fn_kwargs)


def apply_activation_checkpointing(model, checkpoint_wrapper_fn=checkpoint_wrapper, check_fn=lambda _: True,
                                   auto_wrap_policy=None):
    """Replace in place each submodule of model (not model itself) for which check_fn is true by
    checkpoint_wrapper_fn(submodule), the innermost first, as PyTorch's lambda policy does -> None."""
    if auto_wrap_policy is not None:        # a policy(module, recurse, nonwrapped_numel) takes check_fn's place
        if not callable(auto_wrap_policy):
            raise ValueError(f"Expected {auto_wrap_policy} to be callable or be a pre-defined wrap policy")

        def check_fn(module):
            numel = sum(p.numel() for p in module.parameters())
            return auto_wrap_policy(module=module, recurse=False, nonwrapped_numel=numel)

    def wrap(module, only_children):
        for name, child in list(module.named_children()):
            setattr(module, name, wrap(child, False))
        return checkpoint_wrapper_fn(module) if not only_children and check_fn(module) else module

    wrap(model, True)


_names = dict(CheckpointImpl=CheckpointImpl, ActivationWrapper=ActivationWrapper, OffloadWrapper=OffloadWrapper,
              CheckpointWrapper=CheckpointWrapper, offload_wrapper=offload_wrapper,
              checkpoint_wrapper=checkpoint_wrapper, apply_activation_checkpointing=apply_activation_checkpointing)
checkpoint_wrapper_module = submodule("nn.distributed.algorithms._checkpoint", "checkpoint_wrapper", __doc__,
                                      **_names)
_checkpoint_package = submodule("nn.distributed.algorithms", "_checkpoint",
                                "torch.distributed.algorithms._checkpoint: checkpoint_wrapper.",
                                checkpoint_wrapper=checkpoint_wrapper_module)
algorithms = submodule("nn.distributed", "algorithms", "torch.distributed.algorithms: _checkpoint.",
                       _checkpoint=_checkpoint_package)
