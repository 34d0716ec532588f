"""topk's order among tied values: PyTorch's CPU kernel (ATen's TopKImpl.h topk_impl_loop) as built with GCC.

PyTorch fills a row's (value, index) pairs into a vector and, comparing values only, calls
std::partial_sort(first, first + k, last) when k * 64 <= n, else std::nth_element(first, first + k - 1, last)
followed (sorted=True) by std::sort(first, first + k - 1); the first k pairs are the result. Equal values are
therefore ordered by libstdc++'s introselect / introsort / heap algorithms, which this module follows step by step
(median-of-three pivot, unguarded partition, insertion sort below 16 elements, heap select), so that the indices
of ties are PyTorch's.

The functions compare keys, not values: each value's rank among the row's distinct values in the order PyTorch's
comparator puts them (largest or smallest first, NaN first when largest and last when smallest, equal values and
all NaN sharing one rank; nn/tensor_ops/reductions.py computes them), so that "a goes first" is key a < key b and
every comparison, hence every step, is the comparator's on the values.

topk_rows(keys (R, n) int64, k, sorted) -> indices (R, k) int64; sort_rows(keys) -> indices (R, n) int64, the order
of sort(stable=False), which calls std::sort (ATen's SortingKernel.cpp) on each row's pairs. The functions are plain
Python, run as they are on small inputs (on lists) and, above PYTHON_MAX elements, compiled by Numba
(register_jitable: the same code, so the Python form is the compiled kernel's twin).
"""
import numpy as np
from numba import njit
from numba.extending import register_jitable

# Rows of at most this many elements in all are ordered by the plain-Python functions below (a few ms, where the
# kernel's first compilation takes seconds); larger inputs by the compiled kernel.
PYTHON_MAX = 4096


def _swap(v, ix, i, j):
    v[i], v[j] = v[j], v[i]
    ix[i], ix[j] = ix[j], ix[i]


def _push_heap(v, ix, lo, hole, top, val, vix):
    """libstdc++ __push_heap on the heap at v[lo:]: val sifts up from hole (offsets from lo)."""
    parent = (hole - 1) // 2
    while hole > top and v[lo + parent] < val:
        v[lo + hole], ix[lo + hole] = v[lo + parent], ix[lo + parent]
        hole = parent
        parent = (hole - 1) // 2
    v[lo + hole], ix[lo + hole] = val, vix


def _adjust_heap(v, ix, lo, hole, length, val, vix):
    """libstdc++ __adjust_heap: the hole moves down to a leaf along the larger children, then val is pushed."""
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if v[lo + child] < v[lo + child - 1]:
            child -= 1
        v[lo + hole], ix[lo + hole] = v[lo + child], ix[lo + child]
        hole = child
    if (length & 1) == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        v[lo + hole], ix[lo + hole] = v[lo + child - 1], ix[lo + child - 1]
        hole = child - 1
    _push_heap(v, ix, lo, hole, top, val, vix)


def _pop_heap(v, ix, lo, hi, result):
    """libstdc++ __pop_heap(first=lo, last=hi, result): the top goes to result, result's pair into the heap."""
    val, vix = v[result], ix[result]
    v[result], ix[result] = v[lo], ix[lo]
    _adjust_heap(v, ix, lo, 0, hi - lo, val, vix)


def _heap_select(v, ix, lo, mid, hi):
    """libstdc++ __heap_select: v[lo:mid] becomes a heap of the pairs that go first among v[lo:hi]."""
    length = mid - lo
    if length >= 2:                                  # __make_heap
        parent = (length - 2) // 2
        while True:
            _adjust_heap(v, ix, lo, parent, length, v[lo + parent], ix[lo + parent])
            if parent == 0:
                break
            parent -= 1
    for i in range(mid, hi):
        if v[i] < v[lo]:
            _pop_heap(v, ix, lo, mid, i)


def _partial_sort(v, ix, lo, mid, hi):
    """libstdc++ __partial_sort: heap select, then __sort_heap of v[lo:mid]."""
    _heap_select(v, ix, lo, mid, hi)
    while mid - lo > 1:
        mid -= 1
        _pop_heap(v, ix, lo, mid, mid)


def _linear_insert(v, ix, last):
    """libstdc++ __unguarded_linear_insert: v[last] moves left past the pairs it goes before."""
    val, vix = v[last], ix[last]
    nxt = last - 1
    while val < v[nxt]:
        v[last], ix[last] = v[nxt], ix[nxt]
        last = nxt
        nxt -= 1
    v[last], ix[last] = val, vix


def _insertion_sort(v, ix, lo, hi):
    """libstdc++ __insertion_sort of v[lo:hi]."""
    for i in range(lo + 1, hi):
        if v[i] < v[lo]:
            val, vix = v[i], ix[i]
            for j in range(i, lo, -1):
                v[j], ix[j] = v[j - 1], ix[j - 1]
            v[lo], ix[lo] = val, vix
        else:
            _linear_insert(v, ix, i)


def _partition_pivot(v, ix, lo, hi):
    """libstdc++ __unguarded_partition_pivot: the median of (lo + 1, middle, hi - 1) moved to lo, then the
    unguarded partition of v[lo + 1:hi] around it -> the cut."""
    a, b, c = lo + 1, lo + (hi - lo) // 2, hi - 1
    if v[a] < v[b]:                                  # __move_median_to_first
        if v[b] < v[c]:
            _swap(v, ix, lo, b)
        elif v[a] < v[c]:
            _swap(v, ix, lo, c)
        else:
            _swap(v, ix, lo, a)
    elif v[a] < v[c]:
        _swap(v, ix, lo, a)
    elif v[b] < v[c]:
        _swap(v, ix, lo, c)
    else:
        _swap(v, ix, lo, b)
    first, last, pivot = lo + 1, hi, v[lo]
    while True:                                      # __unguarded_partition (the swap inline: its hot loop)
        while v[first] < pivot:
            first += 1
        last -= 1
        while pivot < v[last]:
            last -= 1
        if not first < last:
            return first
        v[first], v[last] = v[last], v[first]
        ix[first], ix[last] = ix[last], ix[first]
        first += 1


def _lg(n):
    """floor(log2(n)) for n >= 1 (libstdc++ __lg)."""
    r = 0
    while n > 1:
        n >>= 1
        r += 1
    return r


def _nth_element(v, ix, nth, hi):
    """libstdc++ nth_element(0, nth, hi) by __introselect."""
    lo = 0
    depth = _lg(hi) * 2
    while hi - lo > 3:
        if depth == 0:
            _heap_select(v, ix, lo, nth + 1, hi)
            _swap(v, ix, lo, nth)
            return
        depth -= 1
        cut = _partition_pivot(v, ix, lo, hi)
        if cut <= nth:
            lo = cut
        else:
            hi = cut
    _insertion_sort(v, ix, lo, hi)


def _introsort_loop(v, ix, hi, depth):
    """libstdc++ __introsort_loop on v[0:hi] (ranges of 16 or fewer are left to the final insertion sort). Its
    recursion on the right part is a stack here (Numba's cache cannot hold a recursive function); the parts are
    disjoint, so the order they are taken in changes nothing."""
    stack = [(0, hi, depth)]
    while len(stack):
        lo, hi, depth = stack.pop()
        while hi - lo > 16:
            if depth == 0:
                _partial_sort(v, ix, lo, hi, hi)
                break
            depth -= 1
            cut = _partition_pivot(v, ix, lo, hi)
            stack.append((cut, hi, depth))
            hi = cut


def _sort(v, ix, hi):
    """libstdc++ std::sort of v[0:hi]: introsort, then the final insertion sort."""
    if hi <= 0:
        return
    _introsort_loop(v, ix, hi, _lg(hi) * 2)
    if hi > 16:
        _insertion_sort(v, ix, 0, 16)
        for i in range(16, hi):                      # __unguarded_insertion_sort
            _linear_insert(v, ix, i)
    else:
        _insertion_sort(v, ix, 0, hi)


def _select(v, ix, k, sorted):
    """One row: PyTorch's calls on the (key, index) pairs v, ix (arrays or lists); the top k are then first."""
    n = len(v)
    if k * 64 <= n:
        _partial_sort(v, ix, 0, k, n)
    else:
        _nth_element(v, ix, k - 1, n)
        if sorted:
            _sort(v, ix, k - 1)


def _load_row(keys, r, v, ix):
    """Row r of keys (R, n) into the pairs v (n,) and ix (n,): the keys and their positions 0..n-1."""
    for j in range(len(v)):
        v[j] = keys[r, j]
        ix[j] = j


def _rows(keys, k, sorted, whole):
    """keys (R, n) int64 -> indices (R, k) int64: each row's (key, index) pairs after std::sort (whole, k = n) or
    PyTorch's top-k selection, the first k kept."""
    rows, n = keys.shape
    out = np.empty((rows, k), np.int64)
    v = np.empty(n, np.int64)
    ix = np.empty(n, np.int64)
    for r in range(rows):
        _load_row(keys, r, v, ix)
        if whole:
            _sort(v, ix, n)
        else:
            _select(v, ix, k, sorted)
        for j in range(k):
            out[r, j] = ix[j]
    return out


def _topk_rows(keys, k, sorted):
    """keys (R, n) int64 -> indices (R, k) int64 (the compiled kernel's body)."""
    return _rows(keys, k, sorted, False)


def _sort_rows(keys):
    """keys (R, n) int64 -> indices (R, n) int64: std::sort of each row (the compiled kernel's body)."""
    return _rows(keys, keys.shape[1], True, True)


def _quick_select(v, ix, k):
    """One row: ATen's quick_select_template (SortingUtils.h), which kthvalue calls with k - 1, on the (key, index)
    pairs v, ix; its comparator gt_or_nan(a, b) is a's key > b's (the keys rank NaN last). Sedgewick's partition
    around a median-of-three pivot, swapping equal keys too: the index left at place k among ties is PyTorch's."""
    lo, hi = 0, len(v) - 1
    while True:
        if hi <= lo:                    # one element
            return
        if hi == lo + 1:                # two elements
            if v[lo] > v[hi]:
                _swap(v, ix, lo, hi)
            return
        _swap(v, ix, (lo + hi) >> 1, lo + 1)
        if v[lo + 1] > v[hi]:
            _swap(v, ix, lo + 1, hi)
        if v[lo] > v[hi]:
            _swap(v, ix, lo, hi)
        if v[lo + 1] > v[lo]:
            _swap(v, ix, lo + 1, lo)
        i, j, piv = lo + 1, hi, v[lo]
        while True:
            i += 1
            while piv > v[i]:
                i += 1
            j -= 1
            while v[j] > piv:
                j -= 1
            if j < i:
                break
            _swap(v, ix, i, j)
        _swap(v, ix, lo, j)
        if j <= k:                      # the active partition
            lo = i
        if j >= k:
            hi = j - 1


def _kth_rows(keys, k):
    """keys (R, n) int64 -> indices (R,) int64: the index quick_select leaves at place k - 1 of each row."""
    rows, n = keys.shape
    out = np.empty(rows, np.int64)
    v = np.empty(n, np.int64)
    ix = np.empty(n, np.int64)
    for r in range(rows):
        _load_row(keys, r, v, ix)
        _quick_select(v, ix, k - 1)
        out[r] = ix[k - 1]
    return out


# the helpers above stay plain Python functions, and are compiled into the kernels that call them
for _fn in (_swap, _push_heap, _adjust_heap, _pop_heap, _heap_select, _partial_sort, _linear_insert, _insertion_sort,
            _partition_pivot, _lg, _nth_element, _introsort_loop, _sort, _select, _load_row, _rows, _quick_select):
    register_jitable(_fn)
topk_rows_kernel = njit(nogil=True, cache=True)(_topk_rows)     # (compiled on its first call, then from the cache)
sort_rows_kernel = njit(nogil=True, cache=True)(_sort_rows)
kth_rows_kernel = njit(nogil=True, cache=True)(_kth_rows)


def sort_rows(keys):
    """keys (R, n) int64 (see the module doc) -> the indices (R, n) int64 that PyTorch's sort(stable=False) gives
    each row: libstdc++'s std::sort, whose order among equal values is its introsort's."""
    if keys.size <= PYTHON_MAX:
        out = np.empty(keys.shape, np.int64)
        for r, row in enumerate(keys.tolist()):
            ix = list(range(len(row)))
            _sort(row, ix, len(row))
            out[r] = ix
        return out
    return sort_rows_kernel(np.ascontiguousarray(keys, np.int64))


def topk_rows(keys, k, sorted):
    """keys (R, n) int64 (see the module doc) -> the indices (R, k) int64 of each row's top k, in PyTorch's order."""
    if k == 0 or keys.size <= PYTHON_MAX:
        out = np.empty((keys.shape[0], k), np.int64)
        for r, row in enumerate(keys.tolist()):
            ix = list(range(len(row)))
            _select(row, ix, k, sorted)
            out[r] = ix[:k]
        return out
    return topk_rows_kernel(np.ascontiguousarray(keys, np.int64), k, sorted)


def kth_rows(keys, k):
    """keys (R, n) int64 (see the module doc, smallest first) -> the indices (R,) int64 PyTorch's kthvalue gives
    each row: where ATen's quickselect leaves the k-th smallest, which among equal values is its partition's."""
    if keys.size <= PYTHON_MAX:
        out = np.empty(keys.shape[0], np.int64)
        for r, row in enumerate(keys.tolist()):
            ix = list(range(len(row)))
            _quick_select(row, ix, k - 1)
            out[r] = ix[k - 1]
        return out
    return kth_rows_kernel(np.ascontiguousarray(keys, np.int64), k)
