"""einsum: Einstein summation over named dims, as torch.einsum (explicit letters; no '...').

Backward of operand k: the same contraction with g in the output's place and
operand k's subscripts as the output; letters that only operand k has were
summed in the forward pass, so its gradient is broadcast along them.
"""
import numpy as np

from ..tensor import Tensor


def _parse(equation, n):
    equation = equation.replace(" ", "")
    if "." in equation:
        raise ValueError("einsum: '...' (ellipsis) is not supported; name every dim with a letter")
    lhs, arrow, out = equation.partition("->")
    subs = lhs.split(",")
    if len(subs) != n:
        raise ValueError(f"einsum: the equation names {len(subs)} operands but {n} were given")
    if not arrow:                                     # implicit output: letters used once, sorted
        letters = "".join(subs)
        out = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return subs, out


def einsum(equation, *operands):
    """einsum("bij,bjk->bik", a, b) (operands also as one list)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out = _parse(equation, len(operands))
    datas = [t._data for t in operands]
    for s, d in zip(subs, datas):
        if len(s) != d.ndim:
            raise ValueError(f"einsum: subscripts {s!r} name {len(s)} dims for an operand of shape {d.shape}")
    sizes = {c: n for s, d in zip(subs, datas) for c, n in zip(s, d.shape)}
    y = np.einsum(f"{','.join(subs)}->{out}", *datas)

    def backward(g):
        grads = []
        for k, (s, t) in enumerate(zip(subs, operands)):
            if not t.requires_grad:
                grads.append(None)
                continue
            if len(set(s)) != len(s):
                raise NotImplementedError(f"einsum backward: repeated letters in one operand ({s!r}) are "
                                          f"not supported")
            others = [(subs[j], datas[j]) for j in range(len(subs)) if j != k]
            seen = out + "".join(o for o, _ in others)
            kept = "".join(c for c in s if c in seen)
            gk = np.einsum(f"{','.join([out] + [o for o, _ in others])}->{kept}", g, *[d for _, d in others])
            # letters only operand k has: put them back as broadcast dims
            gk = gk.reshape([sizes[c] if c in seen else 1 for c in s])
            grads.append(np.broadcast_to(gk, [sizes[c] for c in s]))
        return tuple(grads)
    return Tensor._make(np.asarray(y), tuple(operands), backward, "einsum")
