"""ColorOutput: the one type every colorizer's forward returns.

    ab            (N, 2, H, W) Tensor: the predicted a, b divided by 128; None from a bins head in training
                  mode (its loss reads the logits; eval mode decodes them)
    logits        (N, Q, h, w) Tensor or None: per-pixel logits over Q ab bins (a distribution head)
    scene_logits  (N, K) Tensor or None: scene-classification logits (Iizuka et al.'s auxiliary head)
    kl            scalar Tensor or None: KL(q(z | x, ab) || p(z)) of a conditional VAE at training time

Loss objects (colorize/losses.py) read the fields they need; the trainer and predict only pass it on
and read ``.ab``. A NamedTuple, so ``ab, *_ = model(x)`` unpacks like a tuple.
"""
from typing import NamedTuple, Optional

from nn import Tensor


class ColorOutput(NamedTuple):
    ab: Optional[Tensor]
    logits: Optional[Tensor] = None
    scene_logits: Optional[Tensor] = None
    kl: Optional[Tensor] = None
