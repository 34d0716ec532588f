"""Ensembles: colorizers trained apart on the same photos, predicting as one (weights: one per member, sum 1).

    model = build_model({"model": "ensemble", "members": [config_1, ...], "weights": [w_1, ...]})
    model = ensemble_of([model_1, model_2, ...], weights=None)     built from the trained members' configs, with
                                                                  their state dicts (None: equal weights)
    out = model(x)     x (N, 1, H, W) -> ColorOutput
        bins members only (sharing their bin centres): logits = sum_i w_i logits_i (N, Q, h, w), decoded once by
            the first member's head (model.head == "bins"; averaged logits, not colours: two vivid but different
            guesses average to a dull midpoint, while averaged logits are still a distribution to decode)
        otherwise (model.head: "ab" for regression members only, "blend" for a mix): ab = sum_i w_i ab_i
            (N, 2, H, W), each bins member decoding its own logits.
    is_blend(model)    True for an ensemble whose ab is a weighted sum of its members' ab (predict averages each
                       member over the working sizes its own way, then sums: colorize.predict)

Why a blend: a regression model (squared error) and a bins model (cross-entropy over ab bins) fail differently. The
regression paints the average of the plausible colours (faded, rarely far wrong); the bins model commits to one
(vivid, sometimes confidently wrong, such as sand painted green). Their weighted sum keeps part of each one's
colour and part of the other's caution (README: "Two models as one" measures how much).

The state_dict keys are ``members.0.<key>``, ``members.1.<key>``...: an ``nn.ModuleList`` named members, as a
PyTorch module holding the same networks names them. ``decode`` and ``temperature`` (None: each member's own)
set every bins member's decoding, so ``colorize predict --decode`` works as on a single model.
"""
import numpy as np

import nn

from ..errors import ColorizeError
from . import build_model, decoding_heads, logits_only, register_model
from .bins_head import check_decode
from .output import ColorOutput


@register_model("ensemble", trainable=False)
class Ensemble(nn.Module):
    def __init__(self, members, weights=None, decode=None, temperature=None):
        super().__init__()
        if not isinstance(members, (list, tuple)) or len(members) < 2:
            raise ColorizeError("an ensemble needs a list of at least two members")
        self.members = nn.ModuleList([build_model(dict(m)) for m in members])
        self.weights = _weights(weights, len(members))
        heads = {getattr(m, "head", "ab") for m in self.members}
        if heads - {"ab", "bins"}:
            raise ColorizeError(f"an ensemble's members must regress ab or predict bins, got "
                                f"{', '.join(sorted(heads))}")
        self.head = heads.pop() if len(heads) == 1 else "blend"
        if self.head == "bins":
            first = self.members[0].bins_head.centres
            if any(not np.array_equal(m.bins_head.centres, first) for m in self.members[1:]):
                raise ColorizeError("an ensemble's bins members must share their bin centres (train them on the same "
                                    "photos with the same --seed) to average their logits")
        for head in decoding_heads(self):
            head.decode = head.decode if decode is None else decode
            head.temperature = head.temperature if temperature is None else float(temperature)
            check_decode(head.decode, head.temperature)
        self.config = {"members": [m.config for m in self.members], "weights": self.weights}

    @property
    def bins_head(self):
        """The head that decodes a bins ensemble's averaged logits: the first member's (a property, so that it is
        not registered twice in the state_dict)."""
        return self.members[0].bins_head if self.head == "bins" else None

    def forward(self, x, target_ab=None):
        """x: (N, 1, H, W) -> ColorOutput(ab (N, 2, H, W) (None: a bins ensemble in logits_only or training
        mode), logits: a bins ensemble's weighted mean)."""
        if self.head != "bins":
            return ColorOutput(_weighted_sum(self.weights, [m(x).ab for m in self.members]))
        logits = []
        for m in self.members:
            with logits_only(m):
                logits.append(m(x).logits)
        z = _weighted_sum(self.weights, logits)
        return ColorOutput(self.bins_head.decode_ab(z, x), logits=z)


def _weights(weights, n):
    if weights is None:
        return [1.0 / n] * n
    try:
        w = [float(v) for v in weights]
    except (TypeError, ValueError):
        w = []
    if len(w) != n or min(w) < 0 or not np.isclose(sum(w), 1.0):
        raise ColorizeError(f"an ensemble's weights must be {n} non-negative numbers summing to 1, got {weights!r}")
    return w


def _weighted_sum(weights, tensors):
    total = tensors[0] * weights[0]
    for w, t in zip(weights[1:], tensors[1:]):
        total = total + t * w
    return total


def is_blend(model):
    """True for an ensemble whose ab is its members' weighted ab (any but a bins ensemble, which averages logits)."""
    return isinstance(model, Ensemble) and model.head != "bins"


def ensemble_of(models, weights=None):
    """Trained models -> an Ensemble of copies of them (built from their configs, as a weights file rebuilds it,
    then given their state dicts)."""
    model = build_model({"model": "ensemble", "members": [m.config for m in models], "weights": weights})
    for member, trained in zip(model.members, models):
        member.load_state_dict(trained.state_dict())
    return model
