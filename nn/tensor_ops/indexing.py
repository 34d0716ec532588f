"""Indexing: x[i] with ints, slices, None, Ellipsis, integer tensors/arrays/lists and bool masks; x[i] = v.

Reading is differentiable: each selected element gets its gradient back.
Writing follows nn/tensor_ops/inplace.py: in place outside a recorded graph,
recorded (the written values get their gradient) inside one.
"""
import operator
import re
import warnings

import numpy as np

from ..array import DataArray, refuse_negative_strides
from ..caller_warnings import warn_at_caller
from ..dtypes import FLOAT32_MAX, checked_fill, real_for_cast, scalar_type_name
from ..tensor import (Tensor, parser_type_name, expands_to, _normalize_axes, is_grad_enabled, linear_graph_backward,
                      _linear_map, quietly)
from ._attach import attach, parsed_ints, fill_value_parsed
from .inplace import (_refuse_leaf, _refuse_overlap, _refuse_view, _rebase, _write, _write_through,
                      _bump_version, same_data)
from .pointwise import _mask
from .shape import _one_node, expand


def _index(index, ndim=None, into=None, value=None):
    """NumPy index from a PyTorch one (of a tensor with ndim dims), and whether it is basic (ints, slices, None,
    ...) only. into, value: the tensor written into and the value, for x[index] = value and index_put_ (PyTorch
    refuses a uint8 mask there when it is the only tensor index and the value one element: below)."""
    if (isinstance(index, list) and len(index) < 32 and any(
            i is None or i is Ellipsis or isinstance(i, (Tensor, np.ndarray, list, tuple, slice, str, bytes))
            for i in index)):
        # PyTorch's (and old NumPy's) heuristic: a short list holding a sequence (a str too), tensor, slice, None or
        # ... is a tuple of indices (pytorch-metric-learning's mat[[rows, cols]]), with its deprecation warning
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
                      "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be interpreted "
                      "as tensor index, x[torch.tensor(seq)], which will result either in an error or a different "
                      "result", UserWarning, stacklevel=3)
        index = tuple(index)
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    dots = 0                                # how many Ellipses (PyTorch takes several, NumPy one)
    refused = False
    for i in parts:
        if i is Ellipsis:
            dots += 1
            out.append(i)
            continue
        if type(i) is np.ndarray:
            refuse_negative_strides(i)      # a user's a[::-1] index: PyTorch's ValueError
            # PyTorch makes an array a uint8 / bool tensor (a mask) or else an int64 one (floats truncated)
            i = Tensor._wrap(i) if i.dtype == np.uint8 else i.astype(np.int64) if i.dtype.kind == "f" else i
        if isinstance(i, slice) and any(isinstance(b, Tensor) for b in (i.start, i.stop, i.step)):
            # bounds read now: a Tensor bound changed in place later (begin += n) is not the one backward must use
            # PyTorch reads a Tensor bound through Tensor.__index__ (its TypeError and words, a bool tensor as 0 / 1)
            i = slice(*(operator.index(b) if isinstance(b, Tensor) else b for b in (i.start, i.stop, i.step)))
        elif isinstance(i, Tensor) and i.ndim == 0 and i.dtype.kind in "iu" and i.dtype != np.uint8:
            i = int(i._data)              # an integer, as PyTorch's 0-d index: a basic index (a view); uint8: a mask
        if isinstance(i, Tensor):
            if i.dtype.kind not in "biu":
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")    # PyTorch's
            i = i._data
            if i.dtype == np.uint8:         # a pre-1.2 mask ((x > 0).byte(), ByteTensor): a bool mask, as PyTorch's
                if into is not None and _fills_through_mask(parts, value):
                    refused = True          # (no deprecation warning: PyTorch refuses before it would give one)
                elif i.ndim:                # (a 0-d one is read as True / False, quietly, as PyTorch's)
                    warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
                                  "instead.", UserWarning, stacklevel=3)
                i = i.astype(bool)
        elif isinstance(i, list):
            i = np.asarray([j.item() if isinstance(j, Tensor) else j for j in i])
            if i.size == 0 or i.dtype.kind == "f":     # x[:, []]: an empty int64 index; floats truncated, as
                i = i.astype(np.int64)                  # PyTorch's
            elif i.dtype.kind in "US":                  # x[0, [1, 'b']]: PyTorch's index tensor of str data
                raise _index_type_error((i.flat[0].item(),))
        out.append(i)
    if dots > 1 and ndim is not None:
        out = _several_ellipses(out, ndim)
    if refused:
        # ATen's index_put_ hands a lone mask and one value to masked_fill_ (after checking the mask's shape),
        # which takes only bool masks (e2cnn's full_mask[mask] = norms.to(torch.uint8) of one basis element)
        _check_masks(out, into._data.shape)
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype unsigned char")
    basic = all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in out)
    return tuple(out), basic


def _fills_through_mask(parts, value):
    """Whether x[parts] = value is ATen's masked_fill_ case: the value one element and a single tensor index (ints,
    slices, None and ... are applied first; a 0-d tensor counts as a number), so that a uint8 mask is refused."""
    n = np.size(value._data if isinstance(value, Tensor) else value)
    return n == 1 and sum(isinstance(i, list) or isinstance(i, (Tensor, np.ndarray)) and i.ndim > 0
                          for i in parts) == 1


def _dims_taken(index):
    """How many dims of the indexed tensor an index's parts take (a bool mask its own ndim; None and ... none)."""
    return sum(i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1
               for i in index if i is not None and i is not Ellipsis)


def _several_ellipses(index, ndim):
    """An index with several Ellipses as PyTorch reads it (NumPy refuses more than one): each stands for the ndim
    minus the specified dims, the full slices running past the last dim dropped (pfhedge's spot[..., index] with
    index = ...: x[..., ...] is x; x[..., None, ...] is x[..., None]; x[0, ..., ...] is x[0])."""
    fill = [slice(None)] * max(ndim - _dims_taken(index), 0)
    out = [part for i in index for part in (fill if i is Ellipsis else [i])]
    while _dims_taken(out) > ndim and isinstance(out[-1], slice) and out[-1] == slice(None):
        out.pop()
    return out


def _check_masks(index, shape, put=False):
    """PyTorch's IndexError for a bool (or byte) mask whose shape differs from the dims it indexes (NumPy's words
    differ, and NumPy takes an empty mask for any dim): the mask is checked against the tensor the basic indices
    (ints, slices, None, ...) leave, dim by dim, as ATen's expandTensors (ImplicitPRM's loss[mask] with a mask of
    another batch). index: as _index gives it; put: index_put's, whose tensors are counted one each and whose
    masks may reach past the last dim."""
    taken = _dims_taken(index)
    if put and len(index) > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)} (got {len(index)})")
    if taken > len(shape) and not put:
        return                                  # too many indices: NumPy's error, in PyTorch's words by the caller
    sliced, masks, dim = list(shape) if put else [], [], 0     # index_put's indices are tensors: input's dims
    for i in index:
        if put:
            if isinstance(i, np.ndarray) and i.dtype == bool:
                masks.append((i, dim))
            dim += i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1
        elif i is None:
            sliced.append(1)
        elif i is Ellipsis:
            sliced.extend(shape[dim:dim + len(shape) - taken])
            dim += len(shape) - taken
        elif isinstance(i, slice):
            sliced.append(len(range(*i.indices(shape[dim]))))
            dim += 1
        elif isinstance(i, np.ndarray) and i.dtype == bool:
            masks.append((i, len(sliced)))
            sliced.extend(shape[dim:dim + i.ndim])
            dim += i.ndim
        else:                                   # an int drops its dim; an integer array keeps it
            if isinstance(i, np.ndarray):
                sliced.append(shape[dim])
            dim += 1
    if not put:
        sliced.extend(shape[dim:])
    n = len(sliced)
    for mask, start in masks:
        for j, size in enumerate(mask.shape):
            if start + j >= n:
                raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got "
                                 f"{start + j})")
            if size != sliced[start + j]:
                raise IndexError(f"The shape of the mask {list(mask.shape)} at index {j} does not match the shape of "
                                 f"the indexed tensor {sliced} at index {start + j}")


def _int_array_placement(index, shape):
    """index in NumPy's form giving PyTorch's result when integers mix with integer arrays. PyTorch takes an int
    as a basic index (the dim is dropped first), NumPy as an advanced one, so x[0, :, rows, cols] is (C, K) in
    PyTorch and (K, C) in NumPy (an int and an array apart make NumPy move the arrays' dims to the front). Then
    every dim gets an integer array broadcast to PyTorch's result shape; other indexes are returned as they are."""
    if any(i is None or (isinstance(i, np.ndarray) and i.dtype == bool) for i in index):
        return index
    at = [k for k, i in enumerate(index) if isinstance(i, np.ndarray)]
    ints = [k for k, i in enumerate(index) if isinstance(i, (int, np.integer))]
    advanced = sorted(at + ints)                       # NumPy's advanced indexes
    if not at or not ints or advanced[-1] - advanced[0] + 1 == len(advanced):
        return index                                   # all adjacent: NumPy's placement is PyTorch's
    if Ellipsis in [i for i in index if not isinstance(i, np.ndarray)]:
        e = next(k for k, i in enumerate(index) if not isinstance(i, np.ndarray) and i is Ellipsis)
        index = _without_ellipsis(index, e, len(shape))
    index = index + (slice(None),) * (len(shape) - len(index))
    kept = [k for k, i in enumerate(index) if not isinstance(i, (int, np.integer))]   # dims after PyTorch's ints
    arrays = [j for j, k in enumerate(kept) if isinstance(index[k], np.ndarray)]
    try:
        block = np.broadcast_shapes(*(index[kept[j]].shape for j in arrays))
    except ValueError:
        raise _indices_mismatch([index[kept[j]].shape for j in arrays]) from None
    together = arrays[-1] - arrays[0] + 1 == len(arrays)
    first = arrays[0] if together else 0               # where PyTorch puts the arrays' dims
    dims, axis = [], {}                                # the result's dims; the result axis of each slice
    for j, k in enumerate(kept):
        if j == first:
            dims.extend(block)
        if not isinstance(index[k], np.ndarray):
            axis[k] = len(dims)
            dims.append(len(range(*index[k].indices(shape[k]))))
    start = sum(1 for j in range(first) if not isinstance(index[kept[j]], np.ndarray))
    out = []
    for k, i in enumerate(index):
        if isinstance(i, np.ndarray):
            after = len(dims) - start - len(block)
            out.append(np.broadcast_to(i, block).reshape((1,) * start + block + (1,) * after))
        elif isinstance(i, slice):
            r = np.arange(*i.indices(shape[k]))
            out.append(r.reshape((1,) * axis[k] + (-1,) + (1,) * (len(dims) - axis[k] - 1)))
        else:
            out.append(np.asarray(i))
    return tuple(out)


def __getitem__(input, index):
    raw = index
    index, basic = _index(index, input._data.ndim)
    given = index                       # (before the placement: the error names PyTorch's index tensors)
    if not basic:
        _check_masks(index, input._data.shape)
        index = _int_array_placement(index, input._data.shape)
    x = input._data
    shape = x.shape
    try:
        picked = x[index]
    except IndexError as e:
        index = None if basic else _reading_nothing(given, shape)
        if index is None:
            raise _torch_index_error(e, raw, None if basic else given, shape) from None
        picked = x[index]
    if basic and isinstance(picked, np.generic) and isinstance(x, np.ndarray):
        # NumPy gives a copied scalar for one element (x[1], x[1, 2]); PyTorch a 0-d view, which x[1].add_(1)
        # writes through and whose data_ptr() is inside x's memory (Hugging Face's tied-weight check reads
        # w.view(-1)[-1].data_ptr()): with an Ellipsis added NumPy gives that 0-d view
        picked = x[index + (Ellipsis,)]

    def backward(g):
        # each selected element gets its gradient back; the others get 0
        gx = np.zeros(shape, dtype=g.dtype)
        if basic:
            gx[index] = g
        else:                     # advanced indexing may select an element twice: sum
            np.add.at(gx, index, g)
        return (gx,)
    out = Tensor._make(picked, (input,), backward, "index",              # a selection: linear in x
                       linear_graph_backward(lambda a: a[index], lambda g: backward(g)[0], "getitem"),
                       saves=not basic)  # a slice / select saves sizes only in PyTorch (an index tensor is saved)
    if basic and out._backward is not None:     # (PyTorch's node, named only where one is recorded)
        out._op = _index_node(index, shape)
    if basic:                  # a view in PyTorch: a recorded in-place change of it goes to input too
        out._view_of = (input, index)
        cut = _one_slice(index, len(shape)) if out._backward is not None else None
        if cut is not None:    # x[:, 4:]: PyTorch's SliceBackward0, whose bounds torch-pruning maps channels by
            d, s = cut
            _one_node((out,), "slice", dim=d, start=0 if s.start is None else s.start, step=s.step or 1,
                      end=9223372036854775807 if s.stop is None else s.stop, self_sym_sizes=shape)
    return out


def _index_node(index, shape):
    """The op of PyTorch's last node of x[index] for a basic index (NumPy's, as _index gives it; an advanced one's is
    IndexBackward0): PyTorch's basic indexing is a chain of one node per int (select), None (unsqueeze) and slice
    short of its whole dim, the last of which is the result's (x[0, 1:] SliceBackward0, x[1:, 0] SelectBackward0); a
    lone slice is a slice (x[:]) and an index of whole slices and ... an alias (x[:, :], x[...])."""
    if len(index) == 1:         # (the common x[0], x[1:], x[None]: decided at once, on this hot path)
        i = index[0]
        return "slice" if isinstance(i, slice) else "unsqueeze" if i is None else "alias" if i is Ellipsis else \
            "select"
    last, dim = "alias", 0
    for i in index:
        if i is Ellipsis:
            dim += len(shape) - sum(1 for j in index if j is not None and j is not Ellipsis)
        elif i is None:
            last = "unsqueeze"
        else:
            if not isinstance(i, slice):
                last = "select"
            elif dim < len(shape) and i.indices(shape[dim]) != (0, shape[dim], 1):
                last = "slice"
            dim += 1
    return last


def _through_view(index, shape):
    """Whether PyTorch's x[index] = v writes through a view of x: x[0] = v, x[None] = v, x[1:] = v (a select, an
    unsqueeze or a slice short of the whole dim), where x[mask] = v, x[:] = v, x[0:len] = v, x[...] = v write into
    x itself. index: as _index gives it."""
    taken = sum(i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1
                for i in index if i is not None and i is not Ellipsis)
    dim = 0
    for i in index:
        if i is None or isinstance(i, (int, np.integer)):
            return True
        if i is Ellipsis:
            dim += len(shape) - taken
        elif isinstance(i, slice):
            if dim < len(shape) and i.indices(shape[dim]) != (0, shape[dim], 1):
                return True
            dim += 1
        else:
            dim += i.ndim if i.dtype == bool else 1
    return False


def _indices_mismatch(shapes):
    """PyTorch's IndexError for index tensors whose shapes do not broadcast together (shapes: sequences of ints)."""
    listed = ", ".join(str(list(shape)) for shape in shapes)
    return IndexError(f"shape mismatch: indexing tensors could not be broadcast together with shapes {listed}")


def _torch_index_error(e, index=0, parsed=None, shape=None):
    """NumPy's IndexError in PyTorch's words ("too many indices for tensor of dimension 3", "index 5 is out of
    bounds for dimension 0 with size 3"); index: the index as the user gave it (its form names a 0-d tensor's
    error); parsed, shape: an advanced index as _index gives it and the indexed tensor's shape (for the words of
    ATen's index kernel, _out_of_bounds)."""
    msg = str(e)
    if parsed is not None and "out of bounds" in msg:
        error = _out_of_bounds(parsed, shape)
        if error is not None:
            return error
    many = re.match(r"too many indices for array: array is (\d+)-dimensional", msg)
    if many and many.group(1) == "0":
        # PyTorch's words depend on the index as given: x[0], x[3], x[1:]; a tuple (x[:, None], x[..., 0], x[0,]),
        # a list or a tensor has too many indices
        if isinstance(index, slice):
            return IndexError("slice() cannot be applied to a 0-dim tensor.")
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            return IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                              "in C++ to convert a 0-dim tensor to a number" if index == 0 else
                              f"index {index} is out of bounds for dimension 0 with size 0")
    if many:
        return IndexError(f"too many indices for tensor of dimension {many.group(1)}")
    if msg.startswith("only integers, slices"):
        return _index_type_error(index)
    if msg.startswith("shape mismatch: indexing arrays could not be broadcast together with shapes "):
        # index tensors of shapes that do not broadcast: NumPy's "(4,) (0,) " -> PyTorch's "[4], [0]"
        shapes = re.findall(r"\(([\d,]*)\)", msg.rsplit("shapes ", 1)[1])
        return _indices_mismatch([[int(n) for n in shape.split(",") if n] for shape in shapes])
    return IndexError(re.sub(r"out of bounds for axis (\d+)", r"out of bounds for dimension \1", msg))


def _index_type_error(index):
    """PyTorch's error for an index part of a type it does not index with (NumPy's words differ): a str or bytes is
    read as the data of an index tensor (TypeError "new(): invalid data type 'str'"), anything else is an
    IndexError naming its type (tntorch's t['a'], x[1.5], x[:, 2.0]). index: as the user gave it."""
    for part in index if isinstance(index, (tuple, list)) else (index,):    # (a list here was read as a tuple)
        if isinstance(part, (str, bytes)):
            return TypeError(f"new(): invalid data type '{type(part).__name__}'")
        if not (part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice, Tensor, np.ndarray,
                                                                       list, tuple))):
            return IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                              f"valid indices (got {parser_type_name(part)})")
    return IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
                      "indices")


def _sizes_taken(index, shape):
    """Each part of an index (as _index gives it) with the sizes of the dims of shape it takes (None: none; ...:
    the dims it stands for; a mask: as many as its own)."""
    taken, dim = _dims_taken(index), 0
    for i in index:
        k = (0 if i is None else len(shape) - taken if i is Ellipsis else
             i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1)
        yield i, shape[dim:dim + k]
        dim += k


def _out_of_bounds(index, shape):
    """PyTorch's IndexError for an advanced index past its dim (None if none is): ATen's kernel sees the tensor
    indices left once ints (selects), slices, None and ... are applied, a mask as one in-range index per dim it
    covers, and names the j-th of them, not the dim it indexes (x[:, [5]] of a (3, 2) x: "index 5 is out of
    bounds for dimension 0 with size 2"), at the first element of the broadcast indices that fails; before that
    it refuses an indexed dim of size 0 under a non-empty index, naming neither (allRank's dcg at rank 0 gathers
    cum_dcg[:, [-1]] from a (B, 0) tensor). index: as _index gives it (no placement)."""
    error = _select_out_of_bounds(index, shape)
    if error is not None:
        return error
    indexers, counts = [], []                               # (array or None for a mask's, its dim's size)
    for i, sizes in _sizes_taken(index, shape):
        if isinstance(i, np.ndarray):
            indexers += [(None if i.dtype == bool else i, n) for n in sizes]
            if i.dtype == bool:
                counts.append((int(np.count_nonzero(i)),))
    try:
        block = np.broadcast_shapes(*counts, *(a.shape for a, _ in indexers if a is not None))
    except ValueError:
        return None                                         # (the shapes' error comes first)
    if any(n == 0 for _, n in indexers) and 0 not in block:
        return IndexError("index is out of bounds for dimension with size 0")
    bad = [(j, np.broadcast_to(a, block), np.broadcast_to((a < -n) | (a >= n), block).ravel(), n)
           for j, (a, n) in enumerate(indexers) if a is not None]
    first = [(int(np.argmax(b)), j, a, n) for j, a, b, n in bad if b.any()]
    if not first:
        return None
    at, j, a, n = min(first, key=lambda f: f[:2])          # the first failing element, its first failing index
    return IndexError(f"index {int(a.ravel()[at])} is out of bounds for dimension {j} with size {n}")


def _select_out_of_bounds(index, shape):
    """PyTorch's IndexError for an int past its dim (None if none is): ATen applies the ints (selects), slices, None
    and ... before any tensor index, left to right, and names an int by its place in the index, not by the dim it
    indexes (x[None, 9, [0]] of a (3, 4) x: "index 9 is out of bounds for dimension 1 with size 3"). index: as
    _index gives it."""
    for place, (i, sizes) in enumerate(_sizes_taken(index, shape)):
        if isinstance(i, (int, np.integer)) and type(i) is not bool and sizes and not -sizes[0] <= i < sizes[0]:
            return IndexError(f"index {int(i)} is out of bounds for dimension {place} with size {sizes[0]}")
    return None


def _clipped(index, shape):
    """The index as NumPy takes it, its integer arrays clipped into their dims: the shape of PyTorch's result, which
    its kernel, checking an index only as it reads through it, fills after the value's shape and dtype are checked;
    None where ATen refuses first (an indexed dim of size 0 under a non-empty index). index: as _index gives it."""
    if _dims_taken(index) > len(shape):
        return None                                         # (too many indices: their own error)
    clipped = []
    for i, sizes in _sizes_taken(index, shape):
        if isinstance(i, np.ndarray) and i.dtype != bool and i.size:
            if sizes[0] == 0:
                return None
            i = np.clip(i, -sizes[0], sizes[0] - 1)
        clipped.append(i)
    try:
        placed = _int_array_placement(tuple(clipped), shape)
        np.broadcast_to(np.False_, shape)[placed]        # (an int past its dim: refused, as by PyTorch's select)
    except IndexError:
        return None
    return placed


def _reading_nothing(index, shape):
    """Where the result has no element ATen's kernel reads no index, and none past its dim is refused (x[:, [9]] of
    a (0, 4) x is a (0, 1) tensor; NumPy refuses it): -> the clipped index then (_clipped), else None. Called only
    once NumPy has refused the index."""
    placed = _clipped(index, shape)
    return placed if placed is not None and np.broadcast_to(np.False_, shape)[placed].size == 0 else None


def _refused_or_empty(e, input, index, raw, basic, value, given):
    """x[index] = value where NumPy refused the index (IndexError e) -> (PyTorch's error, None), or (None, the
    clipped index) where the result is empty: ATen checks the value's shape, then reads the indices, none where
    there is no element to write. index: as NumPy takes it; raw: as given; given: as _index gives it."""
    if basic:
        return _torch_index_error(e, raw), None
    error = _value_shape_error(input, index, raw, False, value, given)
    if error is not None:
        return error, None
    empty = _reading_nothing(given, input._data.shape)
    return (_torch_index_error(e, raw, given, input._data.shape) if empty is None else None), empty


def _without_ellipsis(index, e, ndim):
    """The index tuple with its Ellipsis at position e replaced by the full slices it stands for (ndim dims)."""
    return index[:e] + (slice(None),) * (ndim - len(index) + 1) + index[e + 1:]


def _one_slice(index, ndim):
    """(dim, slice) when the basic index selects by a single slice along one dim (x[:, 4:], x[..., 1:2]); else
    None (ints, None and several slices are other nodes, or a chain of them, in PyTorch)."""
    if not all(isinstance(i, slice) or i is Ellipsis for i in index):
        return None
    dots = [k for k, i in enumerate(index) if i is Ellipsis]
    if len(dots) > 1:
        return None
    if dots:
        index = _without_ellipsis(index, dots[0], ndim)
    cut = [(d, i) for d, i in enumerate(index) if i != slice(None)]
    return cut[0] if len(cut) == 1 else None


def _drop_leading_ones(v, ndim):
    """v without its leading size-1 dims beyond ndim: PyTorch writes a (1,)-shaped tensor into one element
    (thop's m.total_params[0] = DoubleTensor([n])), where NumPy refuses a sequence for a scalar slot."""
    while isinstance(v, np.ndarray) and v.ndim > ndim and v.shape[0] == 1:
        v = v[0]
    return v


def _refuse_overlapping_part(data, index, v=None):
    """x[index] = v with a basic index is PyTorch's copy_ into the view x[index]: refused where that part's elements
    share memory (x[:, 0] = 1 of an x = y.expand(2, 3); x[0] = v writes one row and is taken). An index out of
    range is left to the assignment, for its error. True where v (an array), expanded to the part's shape as
    PyTorch's setitem expands it, is that part's own elements (x[...] = x, x[:, 0] = x[0, 0] of an expand): copy_
    returns at once then, as PyTorch's, before its refusal (inplace.same_data)."""
    if 0 in getattr(data, "strides", ()):           # (no zero stride: nothing shares memory, no view to make)
        try:
            part = data[index]
        except IndexError:
            return False
        if isinstance(v, np.ndarray) and v.ndim:
            w = _drop_leading_ones(v, part.ndim)
            if expands_to(w.shape, part.shape) and same_data(part, np.broadcast_to(w, part.shape)):
                return True
        _refuse_overlap(part, "copy_")
    return False


_INF = float("inf")


def _fits_plainly(value, dtype):
    """Whether a number needs none of fill_'s checks to go into dtype (checked_fill costs ~2 us): a Python float
    within float32's range (or inf / nan) or an int64 one into a floating tensor, an int of int32's range into a
    signed integer tensor of 32 bits or more, a bool anywhere."""
    kind, kind_of_value = dtype.kind, type(value)
    if kind_of_value is float:
        return kind == "f" and (-FLOAT32_MAX <= value <= FLOAT32_MAX or value != value or value in (_INF, -_INF))
    if kind_of_value is int:
        limit = 2 ** 63 if kind == "f" else 2 ** 31 if kind == "i" and dtype.itemsize >= 4 else 0
        return -limit <= value < limit
    return kind_of_value is bool


# what x[index] = value takes (a Tensor's .data / .grad array, a DataArray, stands for its Tensor); the common
# types are looked up first (isinstance of a non-Tensor against Tensor costs ~0.5 us)
_ASSIGNABLE = (Tensor, DataArray, int, float, complex, np.integer)
_ASSIGNABLE_TYPES = frozenset((Tensor, DataArray, int, float, bool, complex, np.int64, np.float64))


def __setitem__(input, index, value):
    raw = index
    dt = input._data.dtype
    if type(value) is float and -FLOAT32_MAX <= value <= FLOAT32_MAX and dt.kind == "f" or \
            type(value) is int and -2147483648 <= value <= 2147483647 and (dt.kind == "f" or dt.kind == "i" and
                                                                           dt.itemsize >= 4):
        pass                            # (the common cases, inline: x[i] = 0.5 or labels[i] = 3 in a loop)
    elif type(value) not in _ASSIGNABLE_TYPES and not isinstance(value, _ASSIGNABLE):
        # PyTorch's indexing takes a Tensor or a Python number (NumPy's integers, and its float64 and complex128,
        # which are Python's float and complex); a NumPy array, a list, np.float32 or np.bool_ it refuses
        # (pytorch_kinematics' th[..., i] = joint_position of a dict of arrays)
        raise TypeError(f"can't assign a {parser_type_name(value)} to a torch.{scalar_type_name(dt)}Tensor")
    elif isinstance(value, (int, float, complex, np.number)) and not _fits_plainly(value, input._data.dtype):
        # PyTorch makes a number a tensor of x's dtype first, by fill_'s checked conversion: x[i] = 1e39 of a float32
        # x is its RuntimeError ("value cannot be converted to type float without overflow"), before any index check
        if type(value) is int and not -2 ** 63 <= value < 2 ** 63:
            # (its indexing reads a Python int as an int64 first, whatever the dtype: fill_'s uint64 range is not
            # taken there, x[i] = 2 ** 63 is its ValueError)
            raise ValueError("Overflow when unpacking long long")
        value = checked_fill(value, input._data.dtype)
    index, basic = _index(index, input._data.ndim, input, value)
    given = index                       # (before the placement, which may turn ints and slices into arrays)
    if not basic:
        _check_masks(index, input._data.shape)
        index = _int_array_placement(index, input._data.shape)
        # (a Tensor's .data / .grad array stands for a Tensor: PyTorch's x[m] = y.data[m] checks its dtype too)
        if isinstance(value, (Tensor, DataArray)) and value._data.dtype != input._data.dtype:
            if not _masked_fill_like(given, value):
                # PyTorch checks the indices, then the value's shape, then the dtypes
                raise _value_shape_error(input, index, raw, basic, value, given) or _dtype_error(input, value)
            # masked_fill_ reads the one value as a number, checked as fill_ checks it: x[mask] = a float64 tensor
            # of 1e39 into float32 is its RuntimeError "value cannot be converted to type float without overflow"
            checked_fill(value._data.reshape(-1)[0].item(), input._data.dtype)
    tracked = is_grad_enabled() and (input.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
    if not tracked:
        # cast to the tensor's dtype, as PyTorch's index_put_ (labels[i] = 2.7 on an int64 tensor writes 2)
        v = value._data if isinstance(value, Tensor) else value
        if not isinstance(input._data, np.ndarray):
            _write(input, input._data)
        if basic and _refuse_overlapping_part(input._data, index, v):
            _bump_version(input)
            return
        try:
            if isinstance(v, np.ndarray) and v.ndim and v.shape[0] == 1:     # (x[index] may refuse: PyTorch's words)
                v = _drop_leading_ones(v, np.ndim(input._data[index]))
            if isinstance(v, np.ndarray) and v.dtype != input._data.dtype:
                v = real_for_cast(v, input._data.dtype)         # (PyTorch's warning, once, for complex into real)
                quietly(input._data.__setitem__, index, v)     # (a cast: silent, as PyTorch's copy_ / index_put_)
            else:
                input._data[index] = v
        except IndexError as e:
            error, _ = _refused_or_empty(e, input, index, raw, basic, value, given)
            if error is not None:
                raise error from None
        except ValueError as e:
            raise _value_shape_error(input, index, raw, basic, value, given) or e from None
        _bump_version(input)
        return
    if input.requires_grad and input.is_leaf:
        _refuse_leaf(input, "x[...] = v", view=_through_view(given, input.shape))
    _refuse_view(input, "x[...] = v")
    if basic:
        _refuse_overlapping_part(input._data, index, value._data if isinstance(value, Tensor) else None)
    value = value if isinstance(value, Tensor) else input._lift(value)
    data = input._data.copy()
    try:
        v = _drop_leading_ones(value._data, data[index].ndim)
        if v.dtype != data.dtype:
            quietly(data.__setitem__, index, v)         # (a cast: silent, as PyTorch's copy_)
        else:
            data[index] = v
    except IndexError as e:
        error, index = _refused_or_empty(e, input, index, raw, basic, value, given)
        if error is not None:                   # (else no element written; the graph's index reads nothing either)
            raise error from None
    except ValueError as e:
        raise _value_shape_error(input, index, raw, basic, value, given) or e from None

    extra = value.ndim - data[index].ndim      # leading 1s NumPy drops on assignment (an unsqueeze_d view)

    def backward(g):
        # overwritten elements of the old tensor get no gradient; the written values get theirs
        # (summed down to value's shape by the engine)
        g_old = g.copy()
        g_old[index] = 0
        g_value = g[index]
        return g_old, (g_value.reshape((1,) * extra + g_value.shape) if extra > 0 else g_value)

    def graph_backward(g):
        # the same, recorded: linear in g (a mask, a selection)
        kept = np.ones(data.shape, dtype=bool)
        kept[index] = False
        g_value = g[index]
        return g.masked_fill(Tensor._wrap(~kept), 0), (g_value.reshape((1,) * extra + tuple(g_value.shape)) if extra > 0
                                                 else g_value)
    _write_through(_rebase(input, data, (input, value), backward, "setitem", graph_backward))


attach(__getitem__, __setitem__)


def _along(index, axis):
    """Full NumPy index that picks index[i...] along axis and i... elsewhere (index may be smaller)."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[axis] = index
    return tuple(grids)


class IndexBoundsError(RuntimeError, IndexError):
    """An index past a dim in gather / scatter: PyTorch's kernel raises RuntimeError; nn raised IndexError before,
    which code written for nn may catch (as ShapeError is both ValueError and RuntimeError)."""


def _index_along(op, input, dim, index, src=None):
    """gather / scatter's index: an integer tensor with input's number of dims -> (its array, the full NumPy
    index that picks index[i...] along dim and i... elsewhere). src: scatter's source tensor, whose size index
    may not exceed in any dim."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    # PyTorch's checks and words (the scatter family names itself scatter(), its operand "self")
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{'gather' if op == 'gather' else 'scatter'}(): Expected dtype int32/int64 for index")
    if idx.ndim != input.ndim:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as "
                           f"{'input' if op == 'gather' else 'self'} tensor")
    axis = _normalize_axes(dim, input.ndim)[0]
    if idx.size:
        # PyTorch's shape checks: index no larger than input apart from dim (NumPy would index past the end or
        # name an axis of its own), and for scatter no larger than src in any dim (tsai's ConvTranPlus with
        # n_heads != 8 gathers a [576, 8] index from a [47, 2] table)
        big = [d for d in range(idx.ndim) if d != axis and idx.shape[d] > input.shape[d]]
        sizes = f"index {list(idx.shape)} to be no larger than self {list(input.shape)} apart from dimension {axis}"
        if op == "gather" and big:
            raise RuntimeError(f"Size does not match at dimension {big[0]} expected {sizes}")
        if isinstance(src, Tensor):
            if big or any(a > b for a, b in zip(idx.shape, src.shape)):
                raise RuntimeError(f"Expected {sizes} and to be no larger size than src {list(src.shape)}")
        elif big:
            raise RuntimeError(f"Expected {sizes}")
    n = input.shape[axis] if input.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        # PyTorch refuses a negative index here rather than counting from the end (bucketize(x, edges) - 1
        # giving -1 would otherwise land in the last bin without a word); its kernel's RuntimeError names the
        # first bad index in row-major order
        flat = idx.reshape(-1)
        bad = int(flat[np.flatnonzero((flat < 0) | (flat >= n))[0]])
        raise IndexBoundsError(f"index {bad} is out of bounds for dimension {axis} with size {n}")
    return idx, (_along(idx, axis) if idx.ndim else ())     # 0-d: the one element (index 0), as PyTorch's


def gather(input, dim, index, *, sparse_grad=False):
    """out[i][j][k] = input[i][index[i][j][k]][k] for dim=1 (index: int64, same number of dims); sparse_grad (a
    sparse gradient in PyTorch) changes nothing here: the gradient is dense."""
    _, where = _index_along("gather", input, dim, index)
    shape = input.shape

    def backward(g):
        # each output element came from one input element: send its gradient there (summing repeats)
        gx = np.zeros(shape, dtype=g.dtype)
        np.add.at(gx, where, g)
        return (gx,)
    return Tensor._make(input._data[where], (input,), backward, "gather",
                        linear_graph_backward(lambda a: a[where], lambda g: backward(g)[0], "gather"))


# PyTorch's parser takes only a Tensor as the index (None: OpenNMT's GeneratorLM scoring a batch without a target; a
# list), before any dtype check; nn's own arrays (.data) stay taken. The function counts input as position 1, the
# method does not: one checked form each
gather, _gather_method = (parsed_ints(function=function, dim="int", index="Tensor")(gather)
                          for function in (True, False))


@parsed_ints(dim="int", index="Tensor")
def index_select(input, dim, index):
    """The slices of input at the positions index (1-D integer) along dim (composed of indexing above)."""
    raw = index._data if isinstance(index, Tensor) else np.asarray(index)
    axis = _normalize_axes(dim, input.ndim)[0] if input.ndim else 0
    size = input.shape[axis] if input.ndim else 1
    if input.ndim == 0 and raw.ndim <= 1 and raw.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {raw.size} value(s)")
    if raw.size and raw.ndim <= 1 and raw.dtype in (np.int32, np.int64) and (raw.min() < 0 or raw.max() >= size):
        raise _index_select_bounds_error(input, axis, size, raw.reshape(-1))
    axis, idx = _index_vector("index_select", input, dim, index)
    if input.ndim == 0:                         # a 0-d tensor is its own only slice (index [0] or 0), as PyTorch's
        return input.clone()
    return input[(slice(None),) * axis + (idx,)]


def _index_select_bounds_error(input, axis, size, raw):
    """The error of index_select's index raw (1-D, some value out of [0, size), size: input's length along axis):
    PyTorch counts no index from the end in index_select (index_fill does). Its CPU kernel has three words: an
    empty dim of an empty tensor (above 1-D), the fast path along dim 1 (and any dim of an empty tensor, above 1-D)
    naming the first bad index, and the general path."""
    if input.ndim > 1 and size == 0:
        return RuntimeError("index_select(): self indexing axis dim should be positive")
    if input.ndim > 1 and (axis == 1 or 0 in input.shape):
        bad = (raw < 0) | (raw >= size)
        return RuntimeError(f"INDICES element is out of DATA bounds, id={int(raw[bad.argmax()])} axis_dim={size}")
    return IndexError("index out of range in self")


@parsed_ints(mask="Tensor")      # (the parser's "masked_select(): argument 'mask' (position 2) must be Tensor, ...")
def masked_select(input, mask):
    """The elements of input where mask is True, as a 1-D tensor (input and mask broadcast together)."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = np.broadcast_shapes(input.shape, m.shape)
    x = input if input.shape == shape else input.expand(shape)
    return x[np.broadcast_to(m, shape)]


@parsed_ints(mask="Tensor", source="Tensor")
def masked_scatter(input, mask, source):
    """A copy of input whose elements where mask is True (broadcast to input's shape) are source's first elements,
    in row-major order. Gradients: input's where mask is False, source's first mask.sum() elements the rest."""
    if source.dtype != input.dtype:             # PyTorch's checks in its order and words (its missing space included)
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{scalar_type_name(input.dtype)} and "
                           f"{scalar_type_name(source.dtype)}")
    if isinstance(mask, Tensor) and mask.dtype == np.uint8:        # PyTorch 2.13 warns, then refuses it (_mask)
        warnings.warn("masked_scatter_ received a mask with dtype torch.uint8, this behavior is now deprecated,"
                      "please use a mask with dtype torch.bool instead.", UserWarning, stacklevel=2)
    m = np.broadcast_to(_mask(mask, "masked_scatter"), input.shape)
    k = int(m.sum())
    if source.numel() < k:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    y = input._data.copy()
    y[m] = source._data.reshape(-1)[:k]

    def backward(g):
        gs = np.zeros(source.numel(), g.dtype)
        gs[:k] = g[m]
        return np.where(m, 0, g), gs.reshape(source.shape)
    return Tensor._make(y, (input, source), backward, "masked_scatter")


def _scatter_index(op, input, dim, index, src):
    """(where to write, the part of src written): index and src checked. A src tensor must have input's dtype, as
    PyTorch's scatter kernels check (flair's mean subtoken pooling scatters a float32 mask into float64 counts)."""
    if isinstance(src, Tensor) and src.dtype != input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    idx, where = _index_along(op, input, dim, index, src)
    return where, tuple(slice(0, n) for n in idx.shape)


@parsed_ints(overloaded_at=(3, 4), dim="int", index="Tensor")      # (and axis= for dim=, as PyTorch's parser)
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of input with out[i][index[i][j][k]][k] = src[i][j][k] for dim=1 (src a tensor, or a number
    given as src or value=); positions written twice keep one of the values, as in PyTorch. reduce='add' or
    'multiply': src is added into (multiplied into) those positions instead, repeats accumulating."""
    src = value if src is None else src
    if reduce is not None:
        return _scatter_accumulate(input, dim, index, src, reduce)
    where, part = _scatter_index("scatter", input, dim, index, src)
    y = input._data.copy()
    is_tensor = isinstance(src, Tensor)
    y[where] = src._data[part] if is_tensor else src

    def backward(g):
        # written positions take src's value: their gradient goes to src (gathered), none to the old input
        g_in = g.copy()
        g_in[where] = 0
        if not is_tensor:
            return (g_in,)
        g_src = np.zeros(src.shape, g.dtype)
        g_src[part] = g[where]
        return g_in, g_src
    return Tensor._make(y, (input, src) if is_tensor else (input,), backward, "scatter")


_SCATTER_REDUCE_WARNED = []   # PyTorch warns once per process (TORCH_WARN_ONCE) of reduce= with a tensor src


def _scatter_accumulate(input, dim, index, src, reduce):
    """scatter(..., reduce='add' | 'multiply'): scatter_reduce's sum / prod with input's own values included (a
    number src is sent from every position of index). PyTorch's deprecation warning for a tensor src comes first,
    then its RuntimeError for another reduce."""
    if isinstance(src, Tensor) and not _SCATTER_REDUCE_WARNED:
        _SCATTER_REDUCE_WARNED.append(True)
        warn_at_caller("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
                       "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.")
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    parents = (input, src) if isinstance(src, Tensor) else (input,)
    if not isinstance(src, Tensor):
        src = Tensor._wrap(np.full(np.shape(getattr(index, "_data", index)), src, dtype=input.dtype))
    y = scatter_reduce(input.detach(), dim, index, src.detach(), "sum" if reduce == "add" else "prod")

    def backward(g):        # (PyTorch has no derivative formula for scatter with a reduce)
        raise RuntimeError("derivative for aten::scatter is not implemented")
    return Tensor._make(y._data, parents, backward, "scatter")


@parsed_ints(dim="int", index="Tensor", src="Tensor")
def scatter_add(input, dim, index, src):
    """A copy of input with src[i][j][k] added at out[i][index[i][j][k]][k] for dim=1 (repeats add up)."""
    where, part = _scatter_index("scatter_add", input, dim, index, src)
    y = input._data.copy()
    np.add.at(y, where, src._data[part])

    def backward(g):
        # y = x + sum of src at its positions  =>  dx = g, dsrc = g gathered at those positions
        g_src = np.zeros(src.shape, g.dtype)
        g_src[part] = g[where]
        return g, g_src

    def scatter_back(g_src):            # the adjoint of that gather: scatter_add's own map, from zeros
        out = np.zeros(input.shape, g_src.dtype)
        np.add.at(out, where, g_src[part])
        return out

    def graph_backward(g):              # linear in g (create_graph=True: PyG's EquilibriumAggregation)
        return g, _linear_map(g, lambda a: backward(a)[1], scatter_back, "scatter_add_backward")
    return Tensor._make(y, (input, src), backward, "scatter_add", graph_backward)


_SCATTER_REDUCE = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum, "amin": np.minimum}
_SCATTER_REDUCE_ALIASES = {"max": "amax", "min": "amin"}     # (PyTorch's get_reduction_enum takes both spellings)


@parsed_ints(dim="int", index="Tensor", src="Tensor")
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """A copy of input where each position index names (along dim, as scatter) becomes the reduction (sum, prod,
    mean, amax, amin) of the src values sent there, and of its own value with include_self. Gradients: sum
    and mean as the values' shares; amax / amin to the values equal to the result, split evenly among ties (as
    PyTorch); prod has none here."""
    reduce = _SCATTER_REDUCE_ALIASES.get(reduce, reduce)
    if reduce not in _SCATTER_REDUCE:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    where, part = _scatter_index("scatter_reduce", input, dim, index, src)
    x, s = input._data, src._data[part]
    hit = np.zeros(x.shape, np.int64)
    np.add.at(hit, where, 1)
    y = x.copy()
    if not include_self:                           # the positions src reaches start from the op's identity
        lowest, highest = (-np.inf, np.inf) if x.dtype.kind == "f" else (np.iinfo(x.dtype).min, np.iinfo(x.dtype).max)
        y[hit > 0] = {"sum": 0, "mean": 0, "prod": 1, "amax": lowest, "amin": highest}[reduce]
    _SCATTER_REDUCE[reduce].at(y, where, s)
    count = hit + (1 if include_self else 0)       # how many values each position reduced
    if reduce == "mean":
        y = np.where(hit > 0, y / np.maximum(count, 1), y).astype(x.dtype)

    def backward(g):
        if reduce == "prod":
            raise NotImplementedError("scatter_reduce: the gradient of reduce='prod' is not supported")
        if reduce in ("sum", "mean"):
            share = g / np.maximum(count, 1) if reduce == "mean" else g
            g_self = np.where(hit > 0, share if include_self else 0, g)
            g_src = np.zeros(src.shape, g.dtype)
            g_src[part] = share[where]
            return g_self, g_src
        # amax / amin: the values equal to the result share its gradient evenly
        self_wins = (x == y) & (hit > 0) if include_self else np.zeros(x.shape, bool)
        src_wins = s == y[where]
        ties = self_wins.astype(np.int64)
        np.add.at(ties, where, src_wins)
        share = g / np.maximum(ties, 1)
        g_self = np.where(hit > 0, np.where(self_wins, share, 0), g)
        g_src = np.zeros(src.shape, g.dtype)
        g_src[part] = np.where(src_wins, share[where], 0)
        return g_self, g_src
    return Tensor._make(y, (input, src), backward, "scatter_reduce")


def segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0, unsafe=False, initial=None):
    """torch.segment_reduce (and torch._segment_reduce, which PyG's `segment` calls): data (N, ...) cut along axis
    into consecutive segments of the given lengths (S,) (or offsets (S + 1,), lengths = diff(offsets)), each reduced
    to one row -> (S, ...). reduce: 'sum', 'mean', 'prod', 'max' / 'amax', 'min' / 'amin'. An empty segment gives
    the reduction's identity (0, 1, -inf, inf; NaN for 'mean'), or `initial` when given; otherwise initial joins
    the reduction (added once for 'sum' and 'mean' (whose divisor stays the length), multiplied for 'prod', compared
    for 'max' / 'min'), as PyTorch. Gradients: sum g; mean g / length; prod g * (product of the others); max / min g
    to the values equal to the result, split evenly among ties. Lengths must be 1-D (axis 0) here."""
    names = {"sum": "sum", "mean": "mean", "prod": "prod", "max": "max", "amax": "max", "min": "min", "amin": "min"}
    if reduce not in names:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    reduce = names[reduce]
    if indices is not None:
        raise RuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    if lengths is None and offsets is None:
        raise RuntimeError("segment_reduce(): Either lengths or offsets must be defined.")
    bounds = lengths if lengths is not None else offsets
    bounds = bounds._data if isinstance(bounds, Tensor) else np.asarray(bounds)
    axis = _normalize_axes(axis, data.ndim)[0]
    if axis != bounds.ndim - 1:             # (the segments run along the last dim of lengths)
        raise RuntimeError(f"segment_reduce(): Expected axis to be the last dimension of lengths but got {axis}.")
    if bounds.ndim != 1:
        raise NotImplementedError("segment_reduce: only 1-D lengths / offsets (segments along axis 0) are supported")
    counts = bounds.astype(np.int64) if lengths is not None else np.diff(bounds.astype(np.int64))
    if (counts < 0).any():
        raise RuntimeError("lengths contains negative value!")
    x = data._data
    if not unsafe and counts.sum() != x.shape[0]:
        raise RuntimeError("segment_reduce(): Expected all rows of lengths along axis to sum to "
                           "data.size(lengths.dim()-1) when !unsafe.")
    ids = np.repeat(np.arange(len(counts)), counts)
    x = x[:len(ids)]
    shape = (len(counts),) + x.shape[1:]
    span = counts.reshape((-1,) + (1,) * (x.ndim - 1))            # each segment's length, broadcastable
    if x.dtype.kind == "f":
        lowest, highest = -np.inf, np.inf
    else:
        lowest, highest = np.iinfo(x.dtype).min, np.iinfo(x.dtype).max
    start = {"sum": 0, "mean": 0, "prod": 1, "max": lowest, "min": highest}[reduce]
    y = np.full(shape, start, dtype=x.dtype)
    {"sum": np.add, "mean": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}[reduce].at(y, ids, x)
    if reduce == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            y = np.where(span > 0, (y + (0 if initial is None else initial)) / np.maximum(span, 1),
                         np.nan if initial is None else initial).astype(x.dtype)
    elif initial is not None:
        y = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}[reduce](y, initial)
        y = y.astype(x.dtype)

    def backward(g):
        if reduce == "sum":
            gx = g[ids]
        elif reduce == "mean":
            gx = (g / np.maximum(span, 1))[ids]
        elif reduce == "prod":                      # d/dx_i prod = the product of the others (zeros included)
            zero = x == 0
            zeros = np.zeros(shape, np.int64)
            np.add.at(zeros, ids, zero)
            others = np.ones(shape, x.dtype)
            np.multiply.at(others, ids, np.where(zero, 1, x))
            if initial is not None:
                others = others * initial
            with np.errstate(invalid="ignore", divide="ignore"):
                gx = np.where(zeros[ids] == 0, y[ids] / np.where(zero, 1, x),
                              np.where(zero & (zeros[ids] == 1), others[ids], 0)) * g[ids]
        else:                                       # max / min: the values equal to the result share its gradient
            wins = x == y[ids]
            ties = np.zeros(shape, np.int64)
            np.add.at(ties, ids, wins)
            gx = np.where(wins, (g / np.maximum(ties, 1))[ids], 0)
        full = np.zeros(data.shape, g.dtype)       # (rows past the segments, with unsafe=True: no gradient)
        full[:len(ids)] = gx
        return (full,)
    return Tensor._make(y, (data,), backward, "segment_reduce")


def _not_a_vector(op, idx):
    """PyTorch's error for an index of more than one dim (idx), in each index_* op's own words."""
    if op == "index_fill":
        return RuntimeError("Index has to be a vector/scalar")
    if op == "index_copy":
        return IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {idx.ndim})")
    if op == "index_select":
        return IndexError("index_select(): Index is supposed to be a vector")
    return IndexError(f"{op}_(): Index is supposed to be a vector, but got dim: {idx.ndim} with type: "
                      f"{scalar_type_name(idx.dtype)} and size: {list(idx.shape)}")


def _check_index_dtype(op, idx):
    """PyTorch's refusal of an index array idx of a dtype op does not take (an empty one too), in op's words:
    index_select, index_add and index_reduce take int32 and int64, index_copy and index_fill int64 only."""
    if idx.dtype == np.int64 or (idx.dtype == np.int32 and op not in ("index_copy", "index_fill")):
        return
    if op == "index_select":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if op == "index_copy":
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got {scalar_type_name(idx.dtype)}")
    if op == "index_fill":
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    raise RuntimeError(f"{op}_(): Expected dtype int32/int64 for index but got: {scalar_type_name(idx.dtype)}")


def _index_vector(op, input, dim, index, negative=False):
    """(dim as an axis, index as a 1-D int64 array within that dim) for the index_* ops; negative: indices from
    the end are allowed (index_fill, as PyTorch), else refused (index_add)."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if op == "index_fill":                      # its kernel checks the dtype first, the others after dim and dims
        _check_index_dtype(op, idx)
    axis = _normalize_axes(dim, input.ndim)[0]
    if idx.ndim > 1:
        raise _not_a_vector(op, idx)
    _check_index_dtype(op, idx)
    size = input.shape[axis] if input.ndim else 1
    if idx.size and (idx.min() < (-size if negative else 0) or idx.max() >= size):
        if op in ("index_copy", "index_fill"):      # (PyTorch's kernels' words; index_add's vary with its path)
            flat = idx.reshape(-1)
            bad = flat[(flat < (-size if negative else 0)) | (flat >= size)][0]
            raise IndexError(f"{'index_copy_(): ' if op == 'index_copy' else ''}index {bad} is out of bounds for "
                             f"dimension {axis} with size {size}")
        if op == "index_reduce":
            raise IndexError("index out of range in self")
        raise IndexError(f"{op}: index out of range for dim {dim} of size {size}")
    return axis, idx.reshape(-1).astype(np.int64) % max(size, 1)


def _check_source(op, input, dim, index, source):
    """PyTorch's checks of index_add's, index_reduce's and index_copy's index and source, in its order and words
    (their meta functions; the index's bounds come later, in the kernel): index 0-d or 1-D of the op's dtypes,
    source of input's dtype and shape but len(index) along dim (a 0-d input or source: as PyTorch compares them)."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    n, shape, given = idx.size, tuple(input.shape), tuple(source.shape)
    axis = _normalize_axes(dim, input.ndim)[0]
    if idx.ndim > 1:
        raise _not_a_vector(op, idx)
    if op == "index_copy":
        if not given and n != 1:
            raise IndexError(f"index_copy_(): When source is scalar, index should have one element (got {n})")
        if given and shape and len(given) != len(shape):
            raise IndexError(f"index_copy_(): When source and destination are not scalars, their dimensionality must "
                             f"match. Source dimensionality ({len(given)}), destination dimensionality ({len(shape)})")
    _check_index_dtype(op, idx)
    _check_source_dtype(op, input, source)
    if op == "index_copy":
        # (slice shapes: each shape without dim, where it has one; printed as C++ prints a vector, "2 3")
        mine, theirs = (list(t[:axis] + t[axis + 1:]) if t else [] for t in (shape, given))
        if mine != theirs:
            raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination "
                               f"slice shape: {' '.join(map(str, mine))} at dimension {axis} and source slice shape: "
                               f"{' '.join(map(str, theirs))} at dimension 0.")
        if given and n != given[axis]:
            raise IndexError(f"index_copy_(): Number of indices ({n}) should be equal to source.size(dim) "
                             f"({given[axis]})")
        return
    if axis and axis >= len(given):
        raise RuntimeError(f"{op}_(): Indexing dim {axis} is out of bounds of the source tensor with dim {len(given)}")
    if n != (given[axis] if given else 1):
        if not given:       # (its words read source.size(dim) of a 0-d source)
            raise IndexError(f"Dimension specified as {axis} but tensor has no dimensions")
        raise RuntimeError(f"{op}_(): Number of indices ({n}) should be equal to source.size(dim): ({given[axis]}), "
                           f"for dim: {axis}")
    # (the shapes without dim, unless one is 0-d)
    mine, theirs = (shape[:axis] + shape[axis + 1:], given[:axis] + given[axis + 1:]) if shape and given else \
        (shape, given)
    if mine != theirs:
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(shape)} source.shape = {list(given)}")


def _check_source_dtype(op, input, source):
    """PyTorch's refusal of a source of another dtype than input's, in op's words."""
    if source.dtype != input.dtype:
        mine, theirs = (scalar_type_name(t) for t in (input.dtype, source.dtype))
        if op == "index_copy":
            raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                               f"{mine} and (source) {theirs}")
        raise RuntimeError(f"{op}_(): self ({mine}) and source ({theirs}) must have the same scalar type")


def _index_source(op, input, dim, index, source):
    """(where: the NumPy index of the slices at index along dim, source's array in the shape of input[where]) for
    index_add, index_reduce and index_copy, their arguments checked as PyTorch's (_check_source)."""
    _check_source(op, input, dim, index, source)
    axis, idx = _index_vector(op, input, dim, index)
    where = (slice(None),) * axis + (idx,) if input.ndim else ()
    expected = input.shape[:axis] + (len(idx),) + input.shape[axis + 1:] if input.ndim else ()
    return where, source._data.reshape(expected)


@parsed_ints(dim="int", index="Tensor", source="Tensor")
def index_add(input, dim, index, source, *, alpha=1):
    """A copy of input with alpha * source's slices added at the positions index along dim (repeats add up)."""
    where, s = _index_source("index_add", input, dim, index, source)
    y = input._data.copy()
    np.add.at(y, where, s * alpha)

    def backward(g):
        # y = x + alpha * source scattered: dx = g, dsource = alpha * g read at those positions
        return g, (g[where] * alpha).reshape(source.shape)

    def spread(b):
        # the adjoint of reading g at those positions: b scattered back, summing repeats (the op itself)
        out = np.zeros(y.shape, dtype=b.dtype)
        np.add.at(out, where, b.reshape(s.shape) * alpha)
        return out
    # create_graph (forces as the gradient of a message-passing energy): both gradients are linear in g
    return Tensor._make(y, (input, source), backward, "index_add",
                        lambda g: (g, _linear_map(g, lambda a: backward(a)[1], spread, "index_add_backward")))


_INDEX_REDUCE_WARNED = []     # PyTorch warns once per process (TORCH_WARN_ONCE) that index_reduce is in beta


@parsed_ints(dim="int", index="Tensor")
def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """A copy of input whose slices at index along dim become the reduction ('prod', 'mean', 'amax', 'amin') of the
    source slices sent there (index (n,), source of input's shape with n along dim), and of their own values with
    include_self: scatter_reduce with index spread over source's shape (its gradients)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    if not _INDEX_REDUCE_WARNED:
        _INDEX_REDUCE_WARNED.append(True)
        warn_at_caller("index_reduce() is in beta and the API may change at any time. (Triggered internally at "
                       "/__w/pytorch/pytorch/aten/src/ATen/native/TensorAdvancedIndexing.cpp:1523.)")
    if input.ndim == 0:
        _check_source("index_reduce", input, dim, index, source)
        return index_reduce(input.reshape(1), 0, index, source.reshape(1), reduce, include_self=include_self)[0]
    where, s = _index_source("index_reduce", input, dim, index, source)
    axis, idx = len(where) - 1, where[-1]
    spread = np.broadcast_to(idx.reshape((-1,) + (1,) * (s.ndim - axis - 1)), s.shape)
    return scatter_reduce(input, axis, Tensor._wrap(np.ascontiguousarray(spread)), source.reshape(s.shape), reduce,
                          include_self=include_self)


@parsed_ints(dim="int", index="Tensor", source="Tensor")
def index_copy(input, dim, index, source):
    """A copy of input whose slices at the positions index (0-d or 1-D) along dim are source's slices; source: input's
    shape with len(index) along dim. A position named twice keeps the last slice, as PyTorch. Gradients: input's
    where it was not overwritten, source's read at its positions."""
    where, s = _index_source("index_copy", input, dim, index, source)
    y = input._data.copy()
    y[where] = s

    def backward(g):
        # overwritten slices get no gradient; each source slice gets the gradient at its position
        g_in = g.copy()
        g_in[where] = 0
        return g_in, g[where].reshape(source.shape)
    return Tensor._make(y, (input, source), backward, "index_copy")


@fill_value_parsed("index_fill", ("input", "dim", "index", "value"))
@parsed_ints(overloaded_at=(3,), dim="int", index="Tensor")
def index_fill(input, dim, index, value):
    """A copy of input with the slices at index along dim set to value (a number or a 0-d tensor, which gets
    the gradient of every filled element)."""
    is_tensor = isinstance(value, Tensor)
    if is_tensor and value.ndim != 0:           # (PyTorch's first check, before the index's)
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} "
                           "dimension(s).")
    axis, idx = _index_vector("index_fill", input, dim, index, negative=True)
    # (a 0-d tensor: its one element, unless the index is empty)
    where = (slice(None),) * axis + (idx,) if input.ndim else np.asarray(idx.size > 0)
    y = input._data.copy()
    if y.dtype.kind != "c" and np.iscomplexobj(value._data if is_tensor else value):     # (PyTorch's words)
        raise RuntimeError("index_fill_(): Converting complex Scalar to non-complex type is not supported")
    y[where] = checked_fill(value.item() if is_tensor else value, y.dtype)     # a 0-d Tensor's too, as PyTorch's

    def backward(g):
        # filled elements take value: their gradient goes to value (summed), none to the old input
        g_in = np.array(g)                          # (a copy; an array for a 0-d tensor's scalar too)
        g_in[where] = 0
        return (g_in, np.asarray(g[where].sum(), g.dtype)) if is_tensor else (g_in,)
    return Tensor._make(y, (input, value) if is_tensor else (input,), backward, "index_fill")


def _dtype_error(input, values):
    """PyTorch's index_put_ check: the values' dtype must be the tensor's (x[idx] = v and index_put)."""
    mine, theirs = (scalar_type_name(t) for t in (input.dtype, values.dtype))
    return RuntimeError(f"Index put requires the source and destination dtypes match, got {mine} for the "
                        f"destination and {theirs} for the source.")


def _value_shape_error(input, index, raw, basic, value, given=None):
    """PyTorch's error for x[index] = value where the indices do not broadcast together (IndexError) or the
    value does not broadcast to x[index] (RuntimeError); None if neither. index: as NumPy takes it; raw: as given;
    given: an advanced index as _index gives it (ATen's words for an index out of range, _out_of_bounds).
    PyTorch drops the value's leading 1s, then copies into a view (a basic index: expand's words) or puts
    (an advanced one: "shape mismatch: value tensor of shape [2] cannot be broadcast to indexing result of
    shape [2, 5]")."""
    shape = input._data.shape
    try:
        target = np.broadcast_to(np.False_, shape)[index].shape    # (no copy of x for the shape)
    except IndexError as e:
        index = None if basic or given is None else _clipped(given, shape)
        if index is None:
            return _torch_index_error(e, raw, None if basic else given, shape)
        target = np.broadcast_to(np.False_, shape)[index].shape    # (ATen checks the indices after the value)
    v = value._data if isinstance(value, Tensor) else np.asarray(value)
    shape = v.shape
    while shape and shape[0] == 1:
        shape = shape[1:]
    if expands_to(shape, target):
        return None
    if not basic:
        return RuntimeError(f"shape mismatch: value tensor of shape {list(shape)} cannot be broadcast to indexing "
                            f"result of shape {list(target)}")
    try:
        expand(Tensor._wrap(np.broadcast_to(np.zeros((), v.dtype), shape)), *target)
    except RuntimeError as e:
        return e
    return None


def _masked_fill_like(index, value):
    """Whether PyTorch writes x[index] = value by masked_fill_, which converts the value: one bool mask the only
    advanced index (beside ints, slices, None and ...) and a one-element value. A 0-d bool tensor is not a mask
    there: PyTorch reads it as the index [0] (True) or [] (False) of a new dim, so its values' dtype is checked."""
    advanced = [i for i in (index if isinstance(index, tuple) else (index,)) if isinstance(i, np.ndarray)]
    return len(advanced) == 1 and advanced[0].dtype == np.bool_ and advanced[0].ndim > 0 and value._data.size == 1


def index_put(input, indices, values, accumulate=False):
    """A copy of input with values written at the advanced index `indices` (a tuple of integer or bool tensors,
    as x[indices] = values), or added there with accumulate=True (repeated positions add up)."""
    where, _ = _index(tuple(indices), into=None if accumulate else input, value=values)
    _check_masks(where, input._data.shape, put=True)
    if isinstance(values, Tensor) and values.dtype != input.dtype:
        raise _dtype_error(input, values)
    values = values if isinstance(values, Tensor) else input._lift(values)
    y = input._data.copy()
    try:
        v = np.broadcast_to(values._data.astype(y.dtype, copy=False), y[where].shape)
    except IndexError as e:             # (as x[where] = values)
        error, where = _refused_or_empty(e, input, where, tuple(indices), False, values, where)
        if error is not None:
            raise error from None
        v = np.broadcast_to(values._data.astype(y.dtype, copy=False), y[where].shape)
    except ValueError as e:             # (values that do not broadcast: PyTorch's "shape mismatch" RuntimeError)
        raise _value_shape_error(input, where, tuple(indices), False, values, where) or e from None
    if accumulate:
        np.add.at(y, where, v)
    else:
        y[where] = v

    def backward(g):
        # written positions take values (their old contents get nothing); added ones pass g to both
        g_in = g.copy()
        if not accumulate:
            g_in[where] = 0
        return g_in, g[where]                          # summed down to values' shape by the engine
    return Tensor._make(y, (input, values), backward, "index_put")


def fill_diagonal(input, fill_value, wrap=False):
    """A copy of input with its main diagonal (all dims of equal size beyond 2-D) set to fill_value; wrap: a tall
    matrix's diagonal restarts every ncols + 1 rows, as numpy.fill_diagonal and torch's fill_diagonal_."""
    if input.ndim < 2 or (input.ndim > 2 and len(set(input.shape)) != 1):
        raise ValueError(f"fill_diagonal_: expected a 2-D tensor, or all dims of equal size, got {tuple(input.shape)}")
    mask = np.zeros(input.shape, np.bool_)
    np.fill_diagonal(mask, True, wrap=wrap)
    return input.masked_fill(Tensor._wrap(mask), fill_value)


def take(input, index):
    """input's elements at the flat indices index (the result takes index's shape)."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.size and idx.dtype.kind not in "iu":
        raise ValueError(f"take: index must be an integer tensor, got {idx.dtype}")
    return input.reshape(-1)[idx.astype(np.int64)]


def argwhere(input):
    """Indices of the non-zero elements: (n, ndim) int64 (as nonzero)."""
    return nonzero(input)


def nonzero(input, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim (as_tuple)."""
    where = np.nonzero(np.atleast_1d(input._data))
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in where)
    # (n, ndim): a 0-d input gives (1, 0) or (0, 0), no index column, as PyTorch
    return Tensor._wrap(np.stack(where, axis=1).astype(np.int64)[:, :input.ndim])


attach(index_select, index_add, index_reduce, index_copy, index_fill, index_put, fill_diagonal, take, masked_select,
       masked_scatter, scatter, scatter_add, scatter_reduce, argwhere, nonzero, gather=_gather_method)
