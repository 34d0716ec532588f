"""torch.ao.quantization's base classes as PyTorch defines them, for the code that tests modules against them
(fvcore's Checkpointer skips the per-channel observers' shape mismatches): ObserverBase and FakeQuantizeBase.
No concrete observer, fake-quantize module or quantized kernel exists in nn."""
from abc import ABC, abstractmethod
from functools import partial

from ...modules.module import Module


class _PartialWrapper:
    """What `with_args` returns (PyTorch's _PartialWrapper): a constructor with bound keywords, called later."""

    def __init__(self, p):
        self.p = p

    def __call__(self, *args, **keywords):
        return self.p(*args, **keywords)

    def __repr__(self):
        return self.p.__repr__()


def _with_args(cls_or_self, **kwargs):
    return _PartialWrapper(partial(cls_or_self, **kwargs))


class _QParamsModule(ABC, Module):
    """What both base classes declare abstract: forward (records statistics or fake-quantizes) and
    calculate_qparams (-> scale and zero point)."""

    @abstractmethod
    def forward(self, x):
        pass

    @abstractmethod
    def calculate_qparams(self, **kwargs):
        pass


class ObserverBase(_QParamsModule):
    """torch.ao.quantization.ObserverBase: the abstract observer (forward records statistics, calculate_qparams
    turns them into a scale and zero point); `dtype` and `is_dynamic` as PyTorch's."""

    def __init__(self, dtype, is_dynamic=False):
        super().__init__()
        self.dtype = dtype
        self.is_dynamic = is_dynamic

    with_args = classmethod(_with_args)


class FakeQuantizeBase(_QParamsModule):
    """torch.ao.quantization.FakeQuantizeBase: the abstract fake-quantize module, with PyTorch's uint8 buffers
    `fake_quant_enabled` and `observer_enabled` (shape (1,), 1) and their enable / disable switches."""

    def __init__(self):
        super().__init__()
        from ...factories import tensor
        from ...dtypes import uint8
        self.register_buffer("fake_quant_enabled", tensor([1], dtype=uint8))
        self.register_buffer("observer_enabled", tensor([1], dtype=uint8))

    def enable_fake_quant(self, enabled=True):
        self.fake_quant_enabled[0] = 1 if enabled else 0

    def disable_fake_quant(self):
        self.enable_fake_quant(False)

    def enable_observer(self, enabled=True):
        self.observer_enabled[0] = 1 if enabled else 0

    def disable_observer(self):
        self.enable_observer(False)

    with_args = classmethod(_with_args)
