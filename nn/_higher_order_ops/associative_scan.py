"""torch._higher_order_ops.associative_scan: an inclusive scan with an associative combine function, computed
as PyTorch's eager `generic_associative_scan` (the same pairings, so the same rounding), differentiable through
the ops of `combine_fn`."""
import functools

from ..utils import _pytree as pytree


def _slice(x, dim, start, stop=None, step=1):
    index = [slice(None)] * x.ndim
    index[dim] = slice(start, stop, step)
    return x[tuple(index)]


def _interleave(a, b, dim=0):
    """a0 b0 a1 b1 ... along dim (a may be one longer than b)."""
    import nn
    trunc = a.shape[dim] == b.shape[dim] + 1
    if trunc:                                   # pad b with one slice, dropped after interleaving
        b = nn.cat([b, nn.zeros_like(_slice(a, dim, 0, 1))], dim=dim)
    out = nn.stack([a, b], dim=dim + 1).flatten(dim, dim + 1)
    return _slice(out, dim, 0, a.shape[dim] + b.shape[dim] - 1) if trunc else out


def generic_associative_scan(operator, leaves, dim=0, additional_inputs=()):
    """The scan of the flat list `leaves` along dim by recursive pairing: operator(*lhs_leaves, *rhs_leaves)."""
    import nn

    def call(*args):
        return pytree.tree_leaves(operator(*args))

    def _scan(elems):
        n = elems[0].shape[dim]
        if n < 2:
            return elems
        reduced = call(*[_slice(e, dim, 0, -1, 2) for e in elems], *[_slice(e, dim, 1, None, 2) for e in elems],
                       *additional_inputs)
        odd = _scan(reduced)
        if n % 2 == 0:
            even = call(*[_slice(e, dim, 0, -1) for e in odd], *[_slice(e, dim, 2, None, 2) for e in elems],
                        *additional_inputs)
        else:
            even = call(*odd, *[_slice(e, dim, 2, None, 2) for e in elems], *additional_inputs)
        even = [nn.cat([_slice(e, dim, 0, 1), r], dim=dim) if r.numel() > 0 else _slice(e, dim, 0, 1)
                for e, r in zip(elems, even)]
        return [_interleave(e, o, dim=dim) for e, o in zip(even, odd)]

    return _scan(list(leaves))


def associative_scan(combine_fn, xs, dim, reverse=False, combine_mode="pointwise"):
    """Inclusive scan of xs (a tensor or a pytree of tensors of one shape) along dim with the associative
    `combine_fn(lhs, rhs)`: out[0] = xs[0], out[i] = combine_fn(out[i-1], xs[i]) (as PyTorch's, computed by
    recursive pairing). combine_mode "pointwise" needs CUDA or XPU tensors, as in PyTorch; "generic" calls
    combine_fn through vmap over the scanned dim."""
    import nn
    leaves, spec = pytree.tree_flatten(xs)
    if not callable(combine_fn):
        raise ValueError(f"Combine_fn must be a callable, but got {combine_fn}")
    if not isinstance(dim, int):
        raise ValueError("Dim must be an int, but got " + str(type(dim)))
    if not isinstance(reverse, bool):
        raise RuntimeError("Reverse must be a bool, but got " + str(type(reverse)))
    if combine_mode not in ["pointwise", "generic"]:
        raise ValueError(f"Combine_mode must either 'pointwise' or 'generic', but got {combine_mode}")
    if combine_mode == "pointwise":
        raise ValueError("For combine_mode='pointwise', all input tensors need to be on CUDA or XPU")
    if len(leaves) == 0:
        raise ValueError("Expected at least 1 xs leaf")
    if any(not isinstance(x, nn.Tensor) for x in leaves):
        raise ValueError("xs leaves must be a Tensor")
    ndim = leaves[0].ndim
    if any(x.ndim <= (dim if dim >= 0 else dim + ndim) for x in leaves) or any(x.shape[dim] == 0 for x in leaves):
        raise ValueError("All xs leaves must at least have 'dim' number of dimensions and scan dimension > 0")
    dim = dim + ndim if dim < 0 else dim
    leaves = [nn.movedim(x, dim, 0) for x in leaves]
    if reverse:
        leaves = [nn.flip(x, [0]) for x in leaves]
    n = len(leaves)
    batched = nn.vmap(combine_fn, in_dims=0, out_dims=0)

    def flat(*args):
        return batched(pytree.tree_unflatten(list(args[:n]), spec), pytree.tree_unflatten(list(args[n:]), spec))

    out = generic_associative_scan(flat, leaves)
    if reverse:
        out = [nn.flip(x, [0]) for x in out]
    return pytree.tree_unflatten([nn.movedim(x, 0, dim) for x in out], spec)
