"""pad_sequence (torch.nn.utils.rnn): variable-length sequences stacked into one padded tensor. Packed sequences
(pack_padded_sequence and the rest) are not supported: pad, and pass the lengths or a mask instead."""
from ..tensor import Tensor
from ..functional.shapes import pad


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Tensors (L_i, *) -> (max L, B, *) (or (B, max L, *) with batch_first), each padded with padding_value at
    the end (padding_side='right') or the start ('left'); differentiable in the sequences."""
    sequences = list(sequences)
    if not sequences or not all(isinstance(s, Tensor) for s in sequences):
        raise ValueError("pad_sequence: expected a non-empty list of Tensors")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        amounts = [0, 0] * (s.ndim - 1) + ([0, extra] if padding_side == "right" else [extra, 0])
        padded.append(pad(s, tuple(amounts), value=padding_value) if extra else s)
    from ..tensor_ops.shape import stack            # noqa: PLC0415 - tensor_ops imports functional
    return stack(padded, 0 if batch_first else 1)
