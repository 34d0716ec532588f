"""lucidrains' multimodal packages from the package registry, ported by the porting rule and run against the originals
on PyTorch 2.13 in float64 from PyTorch's weights with the same inputs and draws (round 37, area V): flamingo-pytorch
0.1.2, bidirectional-cross-attention 0.1.0, metaformer-gpt 0.0.5, mmdit 0.3.0 with x-transformers 2.31.10,
hyper-connections 0.4.11 and torch-einops-utils 0.2.0, video-diffusion-pytorch 0.7.0 with rotary-embedding-torch
0.9.1 and einops-exts 0.0.4 (every package ported, renamed so that both copies load side by side; torchvision a
name-only stub on both sides; the BERT text encoder not used: embeddings passed directly).

The failure these tests pin down, in a few lines (the packages are not imported here):

- video-diffusion-pytorch's ``Trainer`` builds ``GradScaler(enabled = amp)`` and trains under
  ``with autocast(enabled = self.amp)``, both from ``torch.cuda.amp``: PyTorch 2.13 warns that these are deprecated
  (FutureWarnings naming ``torch.amp``'s forms); nn said nothing, because ``nn.cuda.amp.autocast`` / ``GradScaler``
  were ``nn.amp``'s classes themselves. Their signatures were ``nn.amp``'s too, so ``torch.cuda.amp.GradScaler(1024.)``
  (PyTorch: init_scale) made a scaler for a device named "1024.0", enabled and scaling, and
  ``torch.cuda.amp.autocast(False)`` (PyTorch: enabled) a region for a device named False. Now they are PyTorch's
  deprecated subclasses with PyTorch's signatures and warnings, as are ``torch.cpu.amp``'s (bfloat16 by default);
  ``torch.amp.autocast("cuda")`` on a machine without CUDA disables itself with PyTorch's UserWarning, as does an
  autocast region whose dtype is neither float16 nor bfloat16, and ``fast_dtype`` is PyTorch's default when no dtype
  is given.
"""
import warnings

import numpy as np
import pytest

import nn


def _record(fn):
    """fn() -> (its result, [(warning class name, message)])."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [(w.category.__name__, str(w.message)) for w in caught]


CUDA_AUTOCAST = ("FutureWarning", "`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                                  "`torch.amp.autocast('cuda', args...)` instead.")
CUDA_SCALER = ("FutureWarning", "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                                "`torch.amp.GradScaler('cuda', args...)` instead.")
NO_CUDA = ("UserWarning", "CUDA is not available or torch_xla is imported. Disabling autocast.")


# ---- torch.cuda.amp: deprecated subclasses with PyTorch's signatures -------------------------------------------

def test_video_diffusion_trainer_amp_lines_warn_as_pytorch():
    # video_diffusion_pytorch.Trainer: self.scaler = GradScaler(enabled = amp); with autocast(enabled = self.amp)
    from nn.cuda.amp import GradScaler, autocast
    scaler, caught = _record(lambda: GradScaler(enabled=False))
    assert caught == [CUDA_SCALER]
    assert not scaler.is_enabled() and scaler.state_dict() == {} and scaler.get_scale() == 1.0
    region, caught = _record(lambda: autocast(enabled=False))
    assert caught == [CUDA_AUTOCAST]
    with region:
        assert nn.is_autocast_enabled() is False
    # PyTorch 2.13: subclasses of torch.amp's classes, not the same classes
    assert issubclass(autocast, nn.amp.autocast) and autocast is not nn.amp.autocast
    assert issubclass(GradScaler, nn.amp.GradScaler) and GradScaler is not nn.amp.GradScaler


def test_cuda_amp_signatures_are_pytorchs():
    # torch.cuda.amp.GradScaler(init_scale=2.**16, growth_factor, backoff_factor, growth_interval, enabled):
    # a first positional argument is the initial scale; without CUDA it is disabled, with both warnings
    scaler, caught = _record(lambda: nn.cuda.amp.GradScaler(1024.0))
    assert caught == [CUDA_SCALER, ("UserWarning", "torch.cuda.amp.GradScaler is enabled, but CUDA is not available."
                                                   "  Disabling.")]
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0
    loss = nn.tensor(3.0, requires_grad=True) * 2
    assert scaler.scale(loss) is loss                      # disabled: the loss itself
    # torch.cuda.amp.autocast(enabled=True, dtype=torch.float16, cache_enabled=True): positional enabled
    region, caught = _record(lambda: nn.cuda.amp.autocast(False))
    assert caught == [CUDA_AUTOCAST]
    assert region.device == "cuda" and region._enabled is False and region.fast_dtype is nn.float16
    region, caught = _record(lambda: nn.cuda.amp.autocast())
    assert caught == [CUDA_AUTOCAST, NO_CUDA]              # enabled: it disables itself, as PyTorch's without CUDA
    assert region._enabled is False and region.fast_dtype is nn.float16
    assert nn.cuda.amp.amp_definitely_not_available() is True


def test_cpu_amp_names_are_deprecated_as_pytorchs():
    region, caught = _record(lambda: nn.cpu.amp.autocast())
    assert caught == [("FutureWarning", "`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
                                        "`torch.amp.autocast('cpu', args...)` instead.")]
    assert region.fast_dtype is nn.bfloat16 and region._enabled is True and region.device == "cpu"
    scaler, caught = _record(lambda: nn.cpu.amp.GradScaler(init_scale=8.0))
    assert caught == [("FutureWarning", "`torch.cpu.amp.GradScaler(args...)` is deprecated. Please use "
                                        "`torch.amp.GradScaler('cpu', args...)` instead.")]
    assert scaler.is_enabled()
    assert float(scaler.scale(nn.tensor(1.5))) == 12.0    # the CPU scaler scales


# ---- torch.amp.autocast: disabled with PyTorch's warnings where PyTorch disables it ----------------------------

def test_autocast_disables_itself_as_pytorch():
    # no CUDA: torch.amp.autocast("cuda") warns and disables itself (its decorator form with enabled=False, as
    # x-transformers and rotary-embedding-torch write it, says nothing)
    region, caught = _record(lambda: nn.amp.autocast("cuda"))
    assert caught == [NO_CUDA] and region._enabled is False and region.fast_dtype is nn.float16
    region, caught = _record(lambda: nn.autocast("cuda", enabled=False))
    assert caught == [] and region._enabled is False
    # the CPU with a dtype autocast has no kernels for
    region, caught = _record(lambda: nn.autocast("cpu", dtype=nn.float32))
    assert caught == [("UserWarning", "In CPU autocast, but the target dtype is not supported. Disabling autocast.\n"
                                      "CPU Autocast only supports dtypes of torch.bfloat16, torch.float16 currently.")]
    assert region._enabled is False
    # the CPU's default dtype is bfloat16 (fast_dtype was None), enabled, silent
    region, caught = _record(lambda: nn.autocast("cpu"))
    assert caught == [] and region.fast_dtype is nn.bfloat16 and region._enabled is True
    with pytest.raises(ValueError, match=r"^Expected `device_type` of type `str`, got: `<class 'int'>`$"):
        nn.autocast(3)

    @nn.autocast("cuda", enabled=False)
    def double(t):
        return t * 2
    assert double(nn.ones(2, dtype=nn.float64)).tolist() == [2.0, 2.0]


def test_amp_warnings_match_torch():
    torch = pytest.importorskip("torch")
    calls = [("cuda.amp.autocast()", lambda m: m.cuda.amp.autocast()),
             ("cuda.amp.autocast(False)", lambda m: m.cuda.amp.autocast(False)),
             ("cuda.amp.GradScaler(1024.)", lambda m: m.cuda.amp.GradScaler(1024.0)),
             ("cuda.amp.GradScaler(enabled=False)", lambda m: m.cuda.amp.GradScaler(enabled=False)),
             ("cpu.amp.autocast()", lambda m: m.cpu.amp.autocast()),
             ("cpu.amp.GradScaler()", lambda m: m.cpu.amp.GradScaler()),
             ("amp.autocast('cuda')", lambda m: m.amp.autocast("cuda")),
             ("autocast('cpu', float32)", lambda m: m.autocast("cpu", dtype=m.float32)),
             ("autocast('cpu')", lambda m: m.autocast("cpu"))]
    for name, call in calls:
        theirs, their_warnings = _record(lambda: call(torch))
        ours, our_warnings = _record(lambda: call(nn))
        assert our_warnings == their_warnings, name
        if hasattr(theirs, "fast_dtype"):
            assert ours._enabled == theirs._enabled and str(ours.fast_dtype).split(".")[-1] == \
                str(theirs.fast_dtype).split(".")[-1], name
        else:
            assert ours.is_enabled() == theirs.is_enabled(), name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        assert np.isclose(nn.cpu.amp.GradScaler().get_scale(), torch.cpu.amp.GradScaler().get_scale())
