"""Model registry: every colorizer is built from a plain config dict, so a weights file can rebuild it.

API
    build_model(config) -> nn.Module      config = {"model": name, **constructor keyword arguments};
                                          missing arguments take the constructor's defaults. The returned
                                          module has ``.config``: the COMPLETE dict (name + every argument,
                                          defaults filled in), JSON-serialisable, so build_model(m.config)
                                          rebuilds an identical architecture.
    register_model(name, trainable=True)  class decorator: ``@register_model("convnet")`` above a Module
                                          subclass whose __init__ takes only keyword-friendly JSON values.
    model_names(trainable_only=False)     tuple of the registered names, in registration order (with
                                          trainable_only, those `colorize train` can train from scratch).
    model_class(name)                     the registered class (ColorizeError for an unknown name).
    accepts(name, argument)               True when the model's constructor has that keyword (train.py asks
                                          ``accepts(name, "num_classes")`` to decide whether to pass scene labels).
    inference(model)                      context manager: eval mode and no graph inside, training flag restored.
    find_bins_head(model)                 the model's BinsHead, or None for a model that regresses ab.
    decoding_heads(model)                 every BinsHead inside the model (an ensemble's members' too): the heads
                                          whose decoding ``colorize predict --decode`` sets.
    logits_only(model)                    context manager: a bins head's ab left undecoded (None) inside.
    fuse_batchnorm(model)                 for prediction: each BatchNorm after a conv folded into it (eval mode).
    for_prediction(model)                 fuse_batchnorm, and every Sequential run as written (predict, evaluate).

Model contract (what the trainer, the losses and predict rely on; nothing else is asked of a model)
    forward(x, target_ab=None) with x: (N, 1, H, W) float32 Tensor, L scaled to [-1, 1]
        -> ColorOutput (colorize/models/output.py): ab (N, 2, H, W) Tensor (ab / 128; None from a bins head in
           training mode, where the loss reads the logits), and optionally
           logits (per-pixel ab-bin logits), scene_logits (N, K), kl (a VAE's KL term).
        target_ab (N, 2, H, W), the true ab / 128, is given at training time for conditional models (a VAE's
        encoder); every other model ignores it, and prediction never passes it.
"""
import contextlib
import inspect

import nn

from ..errors import ColorizeError

_REGISTRY = {}


@contextlib.contextmanager
def inference(model):
    """Inside: the model in eval mode and no graph recorded; its training flag is restored after."""
    was_training = model.training
    model.eval()
    try:
        with nn.no_grad():
            yield model
    finally:
        model.train(was_training)


def find_bins_head(model):
    """The model's bins head, or None for a model that regresses ab (not `bins_head`: that is the submodule)."""
    return getattr(model, "bins_head", None) if getattr(model, "head", "ab") == "bins" else None


def decoding_heads(model):
    """Every bins head inside model (a blend's bins members' too), in module order."""
    from .bins_head import BinsHead
    return [m for m in model.modules() if isinstance(m, BinsHead)]


@contextlib.contextmanager
def logits_only(model):
    """Inside: a bins-head model's forward leaves ab None (its logits are not decoded); others unchanged."""
    head = find_bins_head(model)
    if head is None:
        yield model
        return
    skip, head.skip_decode = head.skip_decode, True
    try:
        yield model
    finally:
        head.skip_decode = skip


def fuse_batchnorm(model):
    """Fold each BatchNorm2d (with running statistics) that directly follows a Conv2d in a Sequential
    into that conv (nn.utils.fusion.fuse_conv_bn_eval; the BatchNorm becomes an Identity): the same
    outputs up to float rounding (1e-5), one pass fewer over those maps. The conv models' blocks are
    such Sequentials (the shipped fusion model keeps no BatchNorm, so a first predict never compiles
    its kernel); the ResNet's BasicBlock BatchNorms are attributes, not folded.
    For prediction only: the model stays in eval mode and its state_dict loses those BatchNorms. -> model"""
    model.eval()
    for seq in [m for m in model.modules() if isinstance(m, nn.Sequential)]:
        for i in range(len(seq) - 1):
            if type(seq[i]) is nn.Conv2d and type(seq[i + 1]) is nn.BatchNorm2d \
                    and seq[i + 1].running_mean is not None:
                seq[i] = nn.utils.fusion.fuse_conv_bn_eval(seq[i], seq[i + 1])
                seq[i + 1] = nn.Identity()
    return model


def for_prediction(model):
    """The model as `colorize predict` and `evaluate` run it: BatchNorms folded (fuse_batchnorm), and every
    Sequential's layers run as written (``fuse_upsample_conv = False``). nn's fusion of Upsample + Conv2d
    saves about a tenth of a warm prediction (77-87 against 92-94 ms for a 455 x 256 photo at one thread),
    but on a first run it compiles a kernel that prediction otherwise never needs: 0.8 s, which took a
    first `colorize predict` from 3.7-3.9 s to 4.6 s. Training keeps the fusion. -> model"""
    fuse_batchnorm(model)
    for m in model.modules():
        if isinstance(m, nn.Sequential):
            m.fuse_upsample_conv = False
    return model


def register_model(name, trainable=True):
    """Class decorator adding a model class to the registry under ``name``. trainable=False: built from trained
    models only (an ensemble), so `colorize train --model` does not offer it."""
    def deco(cls):
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"model name {name!r} is already registered by {_REGISTRY[name].__name__}")
        cls.model_name, cls.trainable = name, trainable
        _REGISTRY[name] = cls
        return cls
    return deco


def model_names(trainable_only=False):
    """Names of the registered models (those `colorize train` can train, with trainable_only), in registration
    order."""
    return tuple(name for name, cls in _REGISTRY.items() if cls.trainable or not trainable_only)


def model_class(name):
    if name not in _REGISTRY:
        raise ColorizeError(f"unknown model {name!r}; available models: {', '.join(_REGISTRY) or 'none'}")
    return _REGISTRY[name]


def _parameters(cls):
    """Constructor keyword parameters (name -> default, inspect.Parameter.empty when required)."""
    sig = inspect.signature(cls.__init__)
    return {p.name: p.default for p in list(sig.parameters.values())[1:]
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def accepts(name, argument):
    return argument in _parameters(model_class(name))


def build_model(config):
    """config dict -> model (an nn.Module) with ``.config`` holding the full configuration."""
    if not isinstance(config, dict) or "model" not in config:
        raise ColorizeError(f"a model configuration must be a dict with a 'model' key, got {config!r}")
    name = config["model"]
    cls = model_class(name)
    params = _parameters(cls)
    kwargs = {k: v for k, v in config.items() if k != "model"}
    unknown = sorted(set(kwargs) - set(params))
    if unknown:
        raise ColorizeError(f"model {name!r} has no option(s) {', '.join(unknown)}; "
                            f"its options are {', '.join(params) or 'none'}")
    missing = [k for k, d in params.items() if d is inspect.Parameter.empty and k not in kwargs]
    if missing:
        raise ColorizeError(f"model {name!r} needs option(s) {', '.join(missing)}")
    try:
        model = cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise ColorizeError(f"bad option for model {name!r}: {e}") from e
    full = {"model": name}
    full.update({k: kwargs.get(k, d) for k, d in params.items()})
    full.update(getattr(model, "config", None) or {})     # what the model filled in itself (e.g. bin centres)
    model.config = full
    return model


# Built-in models register themselves on import.
from . import mlp  # noqa: E402,F401  (first: the CLI's default and first choice)
from . import conv  # noqa: E402,F401
from . import resnet  # noqa: E402,F401
from . import unet_vae  # noqa: E402,F401
from . import ensemble  # noqa: E402,F401
from .output import ColorOutput  # noqa: E402,F401
