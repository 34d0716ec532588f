"""einsum: Einstein summation over named dims, as torch.einsum (letters, and '...' for the dims they leave out).

Backward of operand k: the same contraction with g in the output's place and
operand k's subscripts as the output; letters that only operand k has were
summed in the forward pass, so its gradient is broadcast along them. A letter
repeated in one operand ('ii->i') reads its diagonal: the gradient is written
back onto that diagonal, zero elsewhere.
"""
import functools
import math
import string

import numpy as np

from ..dtypes import bmm_kernel, bmm_scalar_type_mismatch, kernel_not_implemented, result_dtype
from ..tensor import Tensor, conj_if_complex, quietly


def _check_subscripts(s, where):
    """PyTorch's RuntimeErrors for a '.' of operand i's or the output's subscripts that is not one '...'."""
    if "." not in s:
        return
    i, found = 0, False
    while i < len(s):
        if s[i] != ".":
            i += 1
            continue
        if found:
            raise RuntimeError("einsum(): found '.' for output but an ellipsis (...) was already found"
                               if where == "output" else
                               f"einsum(): found '.' for {where} for which an ellipsis was already found")
        if s[i:i + 3] != "...":
            raise RuntimeError(f"einsum(): found '.' for {where} that is not part of any ellipsis"
                               + (" (...)" if where == "output" else ""))
        i, found = i + 3, True


_SUBSCRIPT_CHARACTERS = frozenset(string.ascii_letters + " ,.")


def _check_characters(equation):
    """PyTorch's RuntimeError for a character of the equation that is no letter, space, '.', its '->' or (before the
    arrow) ','."""
    arrow = equation.find("->")
    end = len(equation) if arrow < 0 else arrow
    if set(equation[:end]) <= _SUBSCRIPT_CHARACTERS and "," not in equation[end:] and \
            set(equation[end + 2:]) <= _SUBSCRIPT_CHARACTERS:
        return
    for i, c in enumerate(equation):
        if not (c.isascii() and c.isalpha() or c in " ." or c == "," and i < end or arrow >= 0 and i in (arrow, arrow + 1)):
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation string, subscripts "
                               f"must be in [a-zA-Z]")


def _check_output(out, lhs):
    """PyTorch's RuntimeErrors for an explicit output letter that no operand has or that is written twice."""
    seen = set()
    for c in out.replace("...", ""):
        if c not in lhs:
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input operand")
        if c in seen:
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
        seen.add(c)


def _parse(equation, shapes):
    """-> (subscripts per operand, output subscripts, broadcast shape of the '...' dims), with each '...'
    spelled out in letters the equation does not use: an operand's '...' stands for its dims the letters do not
    name, right-aligned across operands as NumPy broadcasting aligns them."""
    original, equation = equation, equation.replace(" ", "")
    lhs, arrow, out = equation.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(shapes):        # PyTorch's RuntimeErrors
        raise RuntimeError(f"einsum(): {'more' if len(shapes) > len(subs) else 'fewer'} operands were provided "
                           "than specified in the equation")
    _check_characters(original)
    for i, sub in enumerate(subs):
        if "." in sub:
            _check_subscripts(sub, f"operand {i}")
    if arrow:
        _check_subscripts(out, "output")
        _check_output(out, lhs)
    spare = [c for c in string.ascii_letters if c not in equation]
    counts = [len(shape) - len(s.replace("...", "")) if "..." in s else 0 for s, shape in zip(subs, shapes)]
    n_ell = max(counts, default=0)
    for i, (s, shape, k) in enumerate(zip(subs, shapes, counts)):
        if k < 0:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s) - 3}) is more than the "
                               f"number of dimensions ({len(shape)}) for operand {i}")
    ell = "".join(spare[:n_ell])
    ell_shape = [1] * n_ell                           # the '...' dims, right-aligned, broadcast as PyTorch's
    for i, (s, shape, k) in enumerate(zip(subs, shapes, counts)):
        start = s.find("...")
        for j, n in enumerate(shape[start:start + k] if start >= 0 else ()):
            d = n_ell - k + j
            if ell_shape[d] == 1:
                ell_shape[d] = n
            elif n not in (1, ell_shape[d]):          # (PyTorch's words, its missing space included)
                raise RuntimeError(f"einsum(): dimension {j} covered by ellipsis in operand {i}has size {n} which "
                                   f"does not broadcast with previously seen ellipsis with size {ell_shape[d]} "
                                   "for the respective dimension")
    subs = [s.replace("...", ell[n_ell - k:]) for s, k in zip(subs, counts)]
    if not arrow:                                     # implicit output: '...' dims, then letters used once, sorted
        letters = "".join(subs)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    out = out.replace("...", ell)
    return subs, out, dict(zip(ell, ell_shape))


def _letter_sizes(subs, shapes, ell_sizes):
    """-> {letter: size}, with PyTorch's checks and RuntimeErrors: a letter repeated in one operand names dims of
    one size; across operands a letter's sizes agree or are 1 (broadcast); '...' letters take ell_sizes."""
    for i, (s, shape) in enumerate(zip(subs, shapes)):
        first = {}
        for c, n in zip(s, shape):
            if first.setdefault(c, n) != n:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't match, "
                                   f"{n} != {first[c]}")
    sizes = dict(ell_sizes)
    for i, (s, shape) in enumerate(zip(subs, shapes)):
        for c, n in zip(s, shape):
            if c in ell_sizes:
                continue
            seen = sizes.get(c, 1)
            if seen == 1:
                sizes[c] = n
            elif n not in (1, seen):
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which does not broadcast "
                                   f"with previously seen size {seen}")
    return sizes


def _diagonal(a, s, u):
    """The view of array a (subscripts s, a letter may repeat) on the elements einsum reads: one dim per distinct
    letter of s, in the order u; its stride is the sum of the strides of the dims that letter names."""
    strides = [sum(a.strides[i] for i, c in enumerate(s) if c == letter) for letter in u]
    return np.lib.stride_tricks.as_strided(a, [a.shape[s.index(c)] for c in u], strides)


def _from_sublists(args):
    """PyTorch's sublist form einsum(a, [0, 1], b, [1, 2], [0, 2]) -> ("ab,bc->ac", (a, b)): dims numbered 0-51
    (letters a-z, A-Z), Ellipsis for '...', an optional last list for the output."""
    letter = lambda i: "..." if i is Ellipsis else "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]  # noqa: E731
    pairs, out = args[:len(args) - len(args) % 2], args[len(args) - len(args) % 2:]
    operands, subs = pairs[0::2], ["".join(map(letter, sub)) for sub in pairs[1::2]]
    return ",".join(subs) + ("->" + "".join(map(letter, out[0])) if out else ""), tuple(operands)


def _contraction_for(subs, out, k):
    """The gradient of operand k of an einsum with these subscripts: its distinct letters u (a repeated one reads
    a diagonal), the other operands' indices, the letters seen outside it, and the equation contracting the output
    gradient with the others down to u's letters that are seen (the rest are broadcast back by the caller)."""
    u = "".join(dict.fromkeys(subs[k]))
    others = [j for j in range(len(subs)) if j != k]
    seen = out + "".join(subs[j] for j in others)
    kept = "".join(c for c in u if c in seen)
    return u, others, seen, f"{','.join([out] + [subs[j] for j in others])}->{kept}"


def _sum_dtype(dtype):
    """torch.sum's dtype: bool and integers count in int64."""
    return np.dtype(np.int64) if dtype.kind in "biu" else dtype


@functools.lru_cache(maxsize=None)
def _promoted(a, b):
    """The dtype of PyTorch's mul of two tensors with dims of dtypes a and b (its category rules: int64 times
    float32 is float32)."""
    return a if a == b else result_dtype(np.empty(1, a), np.empty(1, b))


def _contraction_dtype(subs, out, ell, shapes, dtypes):
    """PyTorch's einsum replayed on sizes and dtypes (ATen's einsum and sumproduct_pair) -> the result's dtype, or
    its error. Every operand is aligned to the output's dims, then the summed ones (the '...' dims first, then the
    letters A-Z, a-z), with size 1 where it lacks one; they are contracted left to right, a pair at a time. A
    summed dim that only one operand still holds with size != 1 is summed out at once (torch.sum: bool and
    integers count in int64); a pair with no dim to sum together is multiplied (promoting two dtypes); otherwise
    it is a bmm of left (lro, lo, sum) and right (lro, sum, ro), lo / ro the dims of size != 1 on one side only
    (a dim of size 1 on both counts as ro), the sides swapped when every ro dim comes before every lo dim. bmm
    takes one dtype, not bool (its errors name the dtypes by one product's size), but an empty product (no
    element, or nothing to sum) it fills with zeros in the right operand's dtype, refusing nothing."""
    dims = list(out) + [c for c in ell if c not in out] + sorted({c for s in subs for c in s} - set(out) - set(ell))
    first = len(out)
    ops = [([dict(zip(s, shape)).get(c, 1) for c in dims], dtype) for s, shape, dtype in zip(subs, shapes, dtypes)]
    if len(ops) == 1:
        return _sum_dtype(dtypes[0]) if len(dims) > first else dtypes[0]
    counts = [sum(shape[d] != 1 for shape, _ in ops) for d in range(len(dims))]
    left, ldtype = ops[0]
    for right, rdtype in ops[1:]:
        left, right, summed = list(left), list(right), []
        for d in range(first, len(dims)):
            if left[d] != 1 and right[d] != 1:
                counts[d] -= 1
                if counts[d] == 1:
                    summed.append(d)
                    counts[d] = 0
            elif counts[d] == 1 and (left[d] != 1 or right[d] != 1):
                if left[d] != 1:
                    left[d], ldtype = 1, _sum_dtype(ldtype)
                else:
                    right[d], rdtype = 1, _sum_dtype(rdtype)
                counts[d] = 0
        if not summed:
            left, ldtype = [r if n == 1 else n for n, r in zip(left, right)], _promoted(ldtype, rdtype)
            continue
        lro, lo, ro, k = [], [], [], 1
        for d in range(len(dims)):
            if d in summed:
                k *= left[d]
            elif left[d] != 1 and right[d] != 1:
                lro.append(d)
            elif left[d] != 1:
                lo.append(d)
            else:
                ro.append(d)
        if lo and ro and ro[-1] < lo[0]:
            left, right, ldtype, rdtype, lo, ro = right, left, rdtype, ldtype, ro, lo
        rows, cols = math.prod(left[d] for d in lo), math.prod(right[d] for d in ro)
        if k and rows and cols and math.prod(left[d] for d in lro):
            if ldtype != rdtype:
                raise bmm_scalar_type_mismatch(ldtype.name, rdtype.name, rows * k * cols)
            if ldtype == np.bool_:
                raise kernel_not_implemented(bmm_kernel("bmm", rows * k * cols), ldtype)
        left = [left[d] if d in lro or d in lo else right[d] if d in ro else 1 for d in range(len(dims))]
        ldtype = rdtype
    return ldtype


_PAIR_WORK = 32768     # letters' sizes multiplied: below it np.einsum's own loop is the faster


def _contract(subs, out, arrays):
    """np.einsum of arrays with these (spelled-out) subscripts -> out. A pair of float arrays of one dtype, no letter
    repeated in either, is contracted as PyTorch's einsum contracts it, by a batched matrix product (np.matmul of
    (batch, kept of a, summed) and (batch, summed, kept of b); a letter of one operand only is summed first): the
    rounding of PyTorch's bmm rather than of NumPy's element loop, and BLAS's speed (10x at (2, 64, 4, 16)^2)."""
    # (the sizes' product bounds the work measured below: small pairs, the common case, leave at once)
    if len(arrays) != 2 or arrays[0].dtype != arrays[1].dtype or arrays[0].dtype.kind not in "fc" or \
            arrays[0].size * arrays[1].size < _PAIR_WORK:
        return np.einsum(f"{','.join(subs)}->{out}", *arrays)
    (sa, sb), (a, b) = subs, arrays
    # no letter of both summed (an outer or element-wise product): PyTorch multiplies, as np.einsum's loop does (a
    # matrix product of inner size 1 would be 10-25x slower)
    if len(set(sa)) != len(sa) or len(set(sb)) != len(sb) or not any(c in sb and c not in out for c in sa) or \
            a.size * math.prod(n for c, n in zip(sb, b.shape) if c not in sa) < _PAIR_WORK:
        return np.einsum(f"{','.join(subs)}->{out}", *arrays)
    own_a = [i for i, c in enumerate(sa) if c not in sb and c not in out]
    own_b = [i for i, c in enumerate(sb) if c not in sa and c not in out]
    # (inf - inf, inf * 0: NaN, silently as PyTorch's and np.einsum's loop, whatever the caller's np.errstate)
    if own_a:
        a, sa = quietly(a.sum, axis=tuple(own_a)), "".join(c for i, c in enumerate(sa) if i not in own_a)
    if own_b:
        b, sb = quietly(b.sum, axis=tuple(own_b)), "".join(c for i, c in enumerate(sb) if i not in own_b)
    batch = [c for c in sa if c in sb and c in out]
    lo = [c for c in sa if c not in sb]
    ro = [c for c in sb if c not in sa]
    summed = [c for c in sa if c in sb and c not in out]
    size = {**dict(zip(sa, a.shape)), **dict(zip(sb, b.shape))}
    count = lambda letters: math.prod(size[c] for c in letters)  # noqa: E731
    a = a.transpose([sa.index(c) for c in batch + lo + summed]).reshape(count(batch), count(lo), count(summed))
    b = b.transpose([sb.index(c) for c in batch + summed + ro]).reshape(count(batch), count(summed), count(ro))
    y = quietly(np.matmul, a, b).reshape([size[c] for c in batch + lo + ro])
    order = batch + lo + ro
    return y.transpose([order.index(c) for c in out])


def einsum(equation, *operands):
    """einsum("bij,bjk->bik", a, b) (operands also as one list; '...' for the dims the letters leave out; or
    PyTorch's sublist form einsum(a, [0, 1], b, [1, 2], [0, 2])). Dispatches to ``__torch_function__`` itself,
    after unpacking the list form, as PyTorch's torch.functional.einsum: an fx Proxy among listed operands
    records ``einsum(equation, *operands)`` (opt_einsum's torch backend calls the list form)."""
    if not operands:            # (PyTorch's torch.functional.einsum counts its arguments first)
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least one "
                         "operand and its subscripts list")
    if not isinstance(equation, str):
        equation, operands = _from_sublists((equation,) + operands)
    from .. import overrides  # noqa: PLC0415 (nn.overrides imports the tensor ops)
    if overrides._modes_anywhere or any(type(t) is not Tensor for t in operands):
        # PyTorch's order: the arguments as given are offered to the modes and __torch_function__ types (a list's
        # items are not looked into), then the list form is unpacked and einsum called again
        given = tuple(t for t in operands if not isinstance(t, (list, tuple)))
        if overrides.has_torch_function(given):
            return overrides.handle_torch_function(einsum, given, equation, *operands)
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            return einsum(equation, *operands[0])
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, out, ell_sizes = _parse(equation, [t.shape for t in operands])
    for i, (s, t) in enumerate(zip(subs, operands)):
        if len(s) != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) does not match the "
                               f"number of dimensions ({t.ndim}) for operand {i} and no ellipsis was given")
    sizes = _letter_sizes(subs, [t.shape for t in operands], ell_sizes)
    dtypes = [t._data.dtype for t in operands]
    if dtypes[0].kind not in "fc" or any(d != dtypes[0] for d in dtypes):
        # (a float or complex dtype throughout is the result's as it is; otherwise PyTorch's contraction is
        # replayed for its errors and its result's dtype, which every operand is cast to)
        dtypes = [_contraction_dtype(subs, out, ell_sizes, [t.shape for t in operands], dtypes)] * len(dtypes)
    # a dim of size 1 against a larger one of its letter (or of '...') broadcasts, as PyTorch's: expanded (a
    # differentiable view, its gradient summed back) before the sum
    operands = tuple(t.broadcast_to([sizes[c] for c in s]) if any(sizes[c] != n for c, n in zip(s, t.shape)) else t
                     for s, t in zip(subs, operands))
    # (a complex operand cast to a real dtype, in an empty product only, by its real part: NumPy's cast would warn
    # where PyTorch's bmm casts nothing)
    datas = [(t._data.real if t._data.dtype.kind == "c" and d.kind != "c" else t._data).astype(d, copy=False)
             for t, d in zip(operands, dtypes)]
    y = _contract(subs, out, datas)

    def per_operand(grad_of):
        # grad_of(k, s, t) for each operand that needs a gradient, None for the others
        return tuple(grad_of(k, s, t) if t.requires_grad else None for k, (s, t) in enumerate(zip(subs, operands)))

    def backward(g):
        def grad_of(k, s, t):
            u, others, seen, spec = _contraction_for(subs, out, k)
            # (complex operands conjugated: the gradient of a product is g times the conjugate of the others)
            gk = _contract(spec.split("->")[0].split(","), spec.split("->")[1],
                           [g] + [conj_if_complex(datas[j]) for j in others])
            # letters only operand k has: put them back as broadcast dims
            gk = np.broadcast_to(gk.reshape([sizes[c] if c in seen else 1 for c in u]), [sizes[c] for c in u])
            if u != s:                          # the diagonal it read gets the gradient, the rest of it none
                full = np.zeros(t.shape, gk.dtype)
                _diagonal(full, s, u)[...] = gk
                gk = full
            return gk
        return per_operand(grad_of)

    def graph_backward(g):
        # create_graph: the same contractions as Tensor einsums (each linear in g and in the other operands), so
        # the gradient is differentiable again (zuko's NAF differentiates its monotone network's Jacobian)
        def grad_of(k, s, t):
            u, others, seen, spec = _contraction_for(subs, out, k)
            if u != s:
                raise NotImplementedError("create_graph=True: the gradient of an einsum reading a diagonal "
                                          "(a repeated letter) cannot be differentiated again in nn yet")
            # (the others in the dtype the forward computed in, by a recorded cast: an einsum of float32 and float64
            # operands contracts float64 ones, and its gradients' contractions must too; real only: backpropagate
            # refuses complex)
            gk = einsum(spec, g, *[operands[j] if operands[j]._data.dtype == dtypes[j] else operands[j].to(dtypes[j])
                                   for j in others])
            return gk.reshape([sizes[c] if c in seen else 1 for c in u]).expand([sizes[c] for c in u])
        return per_operand(grad_of)
    return Tensor._make(np.asarray(y), tuple(operands), backward, "einsum", graph_backward)


einsum._dispatches = True          # (it hands calls over itself: nn.overrides leaves it unwrapped)
