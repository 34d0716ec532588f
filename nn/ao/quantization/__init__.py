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


def fuse_modules(model, modules_to_fuse, inplace=False, fuser_func=None, fuse_custom_config_dict=None):
    """torch.ao.quantization.fuse_modules for the pairs nn can fold: each list of names (or a list of such lists)
    names a convolution or Linear and the BatchNorm after it, in eval mode; the first becomes the fused layer
    (nn.utils.fusion) and the BatchNorm an Identity, as PyTorch's. Patterns with an activation would need
    PyTorch's intrinsic modules (ConvReLU2d, ...), which nn lacks: NotImplementedError."""
    import copy
    from ...modules import BatchNorm1d, BatchNorm2d, BatchNorm3d, Conv1d, Conv2d, Conv3d, Identity, Linear
    from ...utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval
    if not inplace:
        model = copy.deepcopy(model)
    groups = modules_to_fuse if all(isinstance(g, (list, tuple)) for g in modules_to_fuse) else [modules_to_fuse]
    pairs = {(Conv1d, BatchNorm1d): fuse_conv_bn_eval, (Conv2d, BatchNorm2d): fuse_conv_bn_eval,
             (Conv3d, BatchNorm3d): fuse_conv_bn_eval, (Linear, BatchNorm1d): fuse_linear_bn_eval}
    for names in groups:
        mods = [model.get_submodule(name) for name in names]
        if any(m.training for m in mods):
            raise AssertionError("Fusion only for eval!")
        fuser = pairs.get(tuple(type(m) for m in mods))
        if fuser is None:
            raise NotImplementedError(f"nn fuses a convolution or Linear with the BatchNorm after it; "
                                      f"{tuple(type(m) for m in mods)} needs PyTorch's intrinsic modules")
        model.set_submodule(names[0], fuser(*mods))
        model.set_submodule(names[1], Identity())
    return model


def fuse_modules_qat(model, modules_to_fuse, inplace=False, fuser_func=None, fuse_custom_config_dict=None):
    """torch.ao.quantization.fuse_modules_qat: fusing for quantization-aware training makes PyTorch's intrinsic
    QAT modules (ConvBn2d, ...), which nn lacks."""
    raise NotImplementedError("nn has no quantization-aware training modules (torch.ao.nn.intrinsic.qat), so "
                              "fuse_modules_qat is not available; fuse_modules folds eval-mode pairs")


from .qconfig import QConfig  # noqa: E402,F401
