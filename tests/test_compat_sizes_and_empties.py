"""PyTorch behaviour around sizes, empty tensors and NaN that nn lacked: integer tensors taken as sizes and counts
(arange(lengths.max()), zeros(n, 2), x.split(n)), cat leaving out 1-D empty tensors, the NaN mean of no elements,
varargs dims (x.flip(0, 1)), scatter(..., reduce=), index_copy, a no-op expand that in-place ops write through,
NaN as the largest value in sort / topk / max, clone(memory_format=), split(split_size=) and view(dtype). Each test
asserts the expected values itself; the *_as_pytorch tests also run the same code on PyTorch when it is installed."""
import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck


def _np(v):
    """A result as an ndarray (Tensors of either library, arrays, numbers) or a tuple of them (a shape)."""
    if hasattr(v, "detach"):
        return v.detach().numpy()
    return tuple(v) if isinstance(v, tuple) and all(isinstance(n, int) for n in v) else np.asarray(v)


def _same_as_pytorch(program):
    """Run program(module) on nn and on PyTorch and compare every result (NaN equal to NaN)."""
    torch = pytest.importorskip("torch")
    ours, theirs = program(nn), program(torch)
    assert ours.keys() == theirs.keys()
    for key in ours:
        a, b = _np(ours[key]), _np(theirs[key])
        if isinstance(a, tuple):
            assert a == tuple(b), key
        else:
            np.testing.assert_array_equal(a, b, err_msg=key)
            assert a.dtype == b.dtype, key


# -- 1. integer tensors as sizes and counts ----------------------------------------------------------------------

def _sizes_program(M):
    L = M.tensor([2, 4, 3])
    n, x = L.max(), M.arange(8)
    return {"arange(n)": M.arange(n), "arange(0, n)": M.arange(0, n), "arange(0, n, 2)": M.arange(0, n, M.tensor(2)),
            "arange(3.5)": M.arange(M.tensor(3.5)), "zeros(n, 2)": tuple(M.zeros(n, 2).shape),
            "ones((n, 2))": tuple(M.ones((n, 2)).shape), "empty([n])": tuple(M.empty([n]).shape),
            "randn(n)": tuple(M.randn(n).shape), "rand(2, n)": tuple(M.rand(2, n).shape),
            "full": M.full((n,), 1.5), "new_zeros": tuple(x.new_zeros(n, L[0]).shape),
            "new_full": tuple(x.new_full((n,), 2).shape), "randint": tuple(M.randint(5, (n,)).shape),
            "split": [tuple(p.shape) for p in x.split(L[0])], "split list": [tuple(p.shape) for p in x.split([n, 4])],
            "view": tuple(x.view(n, -1).shape), "reshape": tuple(x.reshape(L[0], n).shape),
            "expand": tuple(M.ones(1, 3).expand(n, 3).shape), "repeat": tuple(M.ones(1, 3).repeat(n, 1).shape),
            "narrow": x.narrow(0, M.tensor(1), n), "topk": x.topk(n).values, "chunk": len(x.chunk(n)),
            "tile": tuple(x.tile(L[0]).shape), "sum(dim)": x.view(2, 4).sum(M.tensor(1)),
            "squeeze(dim)": tuple(M.ones(1, 2).squeeze(M.tensor(0)).shape)}


def test_integer_tensors_serve_as_sizes_and_counts():
    r = _sizes_program(nn)
    np.testing.assert_array_equal(r["arange(n)"].numpy(), [0, 1, 2, 3])
    assert r["arange(n)"].dtype == nn.int64 and r["arange(3.5)"].dtype == nn.float32
    np.testing.assert_array_equal(r["arange(3.5)"].numpy(), [0, 1, 2, 3])
    np.testing.assert_array_equal(r["arange(0, n, 2)"].numpy(), [0, 2])
    assert r["zeros(n, 2)"] == (4, 2) and r["ones((n, 2))"] == (4, 2) and r["empty([n])"] == (4,)
    assert r["randn(n)"] == (4,) and r["rand(2, n)"] == (2, 4) and r["randint"] == (4,)
    assert r["new_zeros"] == (4, 2) and r["new_full"] == (4,) and r["full"].shape == (4,)
    assert r["split"] == [(2,), (2,), (2,), (2,)] and r["split list"] == [(4,), (4,)]
    assert r["view"] == (4, 2) and r["reshape"] == (2, 4) and r["expand"] == (4, 3) and r["repeat"] == (4, 3)
    np.testing.assert_array_equal(r["narrow"].numpy(), [1, 2, 3, 4])
    np.testing.assert_array_equal(r["topk"].numpy(), [7, 6, 5, 4])
    assert r["chunk"] == 4 and r["tile"] == (16,) and r["squeeze(dim)"] == (2,)
    np.testing.assert_array_equal(r["sum(dim)"].numpy(), [6, 22])


def test_integer_tensors_as_sizes_as_pytorch():
    _same_as_pytorch(lambda M: {k: v for k, v in _sizes_program(M).items() if not k.startswith("rand")})


def test_what_is_not_a_size_is_refused_with_the_reason():
    for bad in (2.5, True, nn.tensor(2.0), nn.tensor([2, 3])):     # (PyTorch 2.13's parser: a first size that is
        with pytest.raises(TypeError, match=r"^zeros\(\) takes 1 positional argument but 2 were given$"):  # no int
            nn.zeros(bad, 2)
    with pytest.raises(RuntimeError, match=r"^Trying to create tensor with negative dimension -1: \[-1\]$"):
        nn.ones(nn.tensor(-1))                          # (PyTorch 2.13's words; nn's ValueError until round 46)
    with pytest.raises(TypeError, match="0-d tensor"):
        nn.arange(nn.tensor([3]))
    # (PyTorch 2.13's parser: no signature of view takes a float tensor first)
    with pytest.raises(TypeError, match=r"^view\(\) received an invalid combination of arguments - got \(Tensor, "):
        nn.arange(6).view(nn.tensor(2.0), -1)


# -- 2. cat leaves out 1-D empty tensors ------------------------------------------------------------------------

def test_cat_leaves_out_one_dimensional_empty_tensors():
    x = nn.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(nn.cat([nn.tensor([]), x]).numpy(), x.numpy())
    np.testing.assert_array_equal(nn.cat([nn.Tensor(), x, nn.tensor([]), x], 1).numpy(),
                                  np.concatenate([x.numpy()] * 2, 1))
    assert nn.cat([nn.tensor([]), nn.ones(2, 3, dtype=nn.int64)]).dtype == nn.float32     # it counts in the dtype
    assert nn.cat([nn.tensor([]), nn.tensor([])]).shape == (0,)
    a, b = nn.zeros(0, requires_grad=True), nn.ones(2, 2, requires_grad=True)
    nn.cat([a, b]).sum().backward()
    assert a.grad is None and np.array_equal(b.grad, np.ones((2, 2)))     # left out of the graph, as in PyTorch
    with pytest.raises(ValueError, match=r"^Sizes of tensors must match except in dimension 0\. Expected size 3 but "
                                         r"got size 2 for tensor number 1 in the list\.$"):      # PyTorch's words
        nn.cat([x, nn.zeros(0, 2)])                                      # a 2-D empty tensor still has to fit
    with pytest.raises(IndexError, match="out of range"):
        nn.cat([x, x], 2)


def test_cat_of_empty_tensors_as_pytorch():
    _same_as_pytorch(lambda M: {"e, 2d": M.cat([M.tensor([]), M.ones(2, 3)]),
                                "2d, e, 2d, dim -1": M.cat([M.ones(2, 3), M.Tensor(), M.zeros(2, 1)], -1),
                                "e, int": M.cat([M.tensor([]), M.ones(2, 3, dtype=M.int64)]),
                                "e, (0, 3), 2d": M.cat([M.tensor([]), M.zeros(0, 3), M.ones(1, 3)])})


# -- 3. the mean of no elements is NaN ---------------------------------------------------------------------------

def test_mean_var_and_std_of_no_elements_are_nan():
    x = nn.arange(3.0)
    with np.errstate(all="raise"):
        assert np.isnan(x[x > 9].mean().item()) and np.isnan(nn.zeros(0).mean().item())
        np.testing.assert_array_equal(nn.zeros(3, 0).mean(1).numpy(), [np.nan] * 3)
        assert nn.zeros(3, 0).mean(0).shape == (0,)
        assert np.isnan(nn.zeros(0).var().item()) and np.isnan(nn.zeros(0).std().item())
        np.testing.assert_array_equal(nn.zeros(2, 0).var(1, keepdim=True).numpy(), [[np.nan], [np.nan]])
    for reduce in ("mean", "var", "std"):
        e = nn.zeros(0, requires_grad=True)
        getattr(e, reduce)().backward()
        assert e.grad.shape == (0,)


def test_empty_reductions_as_pytorch():
    _same_as_pytorch(lambda M: {"mean": M.zeros(0).mean(), "mean dim": M.zeros(2, 0).mean(1),
                                "var": M.zeros(0).var(), "std dim": M.zeros(3, 0).std(1),
                                "var_mean": M.var_mean(M.zeros(0))[1]})


# -- 4. dims as separate arguments -------------------------------------------------------------------------------

def test_dims_as_separate_arguments():
    x = nn.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(x.flip(0, 1).numpy(), [[5, 4, 3], [2, 1, 0]])
    np.testing.assert_array_equal(x.flip(0, 1).numpy(), x.flip((0, 1)).numpy())
    np.testing.assert_array_equal(nn.flip(x, dims=[1]).numpy(), [[2, 1, 0], [5, 4, 3]])
    assert nn.ones(1, 1, 2).squeeze(0, 1).shape == (2,) and nn.ones(1, 1, 2).squeeze(dim=(0, 1)).shape == (2,)
    y = nn.ones(1, 2, 1)
    y.squeeze_(0, 2)
    assert y.shape == (2,)
    assert nn.ones(2, 3, 4).permute(0, 2, 1).shape == (2, 4, 3) and x.repeat(2, 1).shape == (4, 3)
    assert x.view(3, 2).shape == (3, 2) and nn.ones(1, 3).expand(2, 3).shape == (2, 3)
    assert x.tile(2, 1).shape == (4, 3) and x.transpose(0, 1).shape == (3, 2)
    # PyTorch 2.13's words for a repeated dim, as every op reading a dim list says them (squeeze too)
    for repeated in (lambda: x.flip(0, 0), lambda: x.flip((1, -1)), lambda: x.squeeze((0, 0))):
        with pytest.raises(RuntimeError, match=r"^dim \d appears multiple times in the list of dims$"):
            repeated()


def test_dims_as_separate_arguments_as_pytorch():
    _same_as_pytorch(lambda M: {"flip": M.arange(24.0).reshape(2, 3, 4).flip(0, 2),
                                "squeeze": tuple(M.ones(1, 2, 1).squeeze(0, 2).shape),
                                "flip dims=": M.flip(M.arange(4.0).reshape(2, 2), dims=(1,))})


# -- 5. scatter with reduce= -------------------------------------------------------------------------------------

def test_scatter_reduce_add_and_multiply():
    idx = nn.tensor([0, 0, 2])
    np.testing.assert_array_equal(nn.zeros(3).scatter_(0, idx, 1.0, reduce="add").numpy(), [2, 0, 1])
    np.testing.assert_array_equal(nn.full((3,), 2.0).scatter_(0, idx, 3.0, reduce="multiply").numpy(), [18, 2, 6])
    src = nn.tensor([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(nn.ones(3).scatter(0, idx, src, reduce="add").numpy(), [4, 1, 4])
    np.testing.assert_array_equal(nn.ones(3).scatter(0, idx, src + 1, reduce="multiply").numpy(), [6, 1, 4])
    np.testing.assert_array_equal(nn.ones(3).scatter(0, idx, value=2.0, reduce="add").numpy(), [5, 1, 3])
    np.testing.assert_array_equal(nn.zeros(3, dtype=nn.int64).scatter_(0, idx[:2], 2, reduce="add").numpy(), [4, 0, 0])
    with pytest.raises(RuntimeError, match="^reduce argument must be either add or multiply.$"):   # PyTorch's words
        nn.zeros(3).scatter(0, idx, 1.0, reduce="sum")
    index = nn.tensor([[0, 0], [2, 1]])
    y = nn.randn(2, 3, dtype=nn.float64, requires_grad=True).scatter(1, index, nn.randn(2, 3, dtype=nn.float64),
                                                                     reduce="add")
    with pytest.raises(RuntimeError, match="^derivative for aten::scatter is not implemented$"):    # (PyTorch has none)
        y.sum().backward()


def test_scatter_reduce_as_pytorch():
    def program(M):
        idx2 = M.tensor([[0, 0], [2, 1]])
        return {"add 2d": M.zeros(2, 3).scatter_(1, idx2, M.arange(1.0, 7.0).reshape(2, 3), reduce="add"),
                "multiply 2d": M.ones(2, 3).scatter(1, idx2, M.arange(1.0, 7.0).reshape(2, 3), reduce="multiply"),
                "value": M.ones(4).scatter(0, M.tensor([3, 3]), 0.5, reduce="multiply")}
    _same_as_pytorch(program)


# -- 6. index_copy -----------------------------------------------------------------------------------------------

def test_index_copy_values_and_errors():
    src = nn.arange(4.0).reshape(2, 2)
    np.testing.assert_array_equal(nn.zeros(3, 2).index_copy(0, nn.tensor([2, 0]), src).numpy(),
                                  [[2, 3], [0, 0], [0, 1]])
    np.testing.assert_array_equal(nn.index_copy(nn.zeros(2, 3), 1, nn.tensor([2, 0]), src).numpy(),
                                  [[1, 0, 0], [3, 0, 2]])
    x = nn.zeros(3)
    assert x.index_copy_(0, nn.tensor([2, 0]), nn.tensor([5.0, 6.0])) is x
    np.testing.assert_array_equal(x.numpy(), [6, 0, 5])
    np.testing.assert_array_equal(nn.zeros(3).index_copy(0, nn.tensor([1, 1]), nn.tensor([5.0, 6.0])).numpy(),
                                  [0, 6, 0])                                          # the last one stays
    np.testing.assert_array_equal(nn.zeros(3).index_copy(0, nn.tensor(1), nn.tensor(5.0)).numpy(), [0, 5, 0])
    with pytest.raises(IndexError):
        nn.zeros(3).index_copy(0, nn.tensor([-1]), nn.tensor([5.0]))
    with pytest.raises(RuntimeError, match="^index_copy_\\(\\): Source/destination tensor must have same slice shapes"):
        nn.zeros(3, 2).index_copy(0, nn.tensor([1]), nn.ones(1, 3))                  # PyTorch's words
    with pytest.raises(RuntimeError, match="same dtype"):                              # PyTorch's RuntimeError
        nn.zeros(3).index_copy(0, nn.tensor([1]), nn.ones(1, dtype=nn.float64))


def test_index_copy_gradients():
    a, s = nn.ones(3, 2, requires_grad=True), nn.ones(2, 2, requires_grad=True)
    (a.index_copy(0, nn.tensor([2, 0]), s) * nn.arange(6.0).reshape(3, 2)).sum().backward()
    np.testing.assert_array_equal(a.grad, [[0, 0], [2, 3], [0, 0]])       # the kept row only
    np.testing.assert_array_equal(s.grad, [[4, 5], [0, 1]])                # each source row where it went
    for dim, index, shape in ((0, [2, 0], (2, 4)), (1, [3, 1, 0], (3, 3))):
        assert gradcheck(lambda x, y: x.index_copy(dim, nn.tensor(index), y),
                         (nn.randn(3, 4, dtype=nn.float64, requires_grad=True),
                          nn.randn(*shape, dtype=nn.float64, requires_grad=True)))


def test_index_copy_as_pytorch():
    def program(M):
        a, s = M.ones(3, 2, dtype=M.float64, requires_grad=True), M.ones(2, 2, dtype=M.float64, requires_grad=True)
        y = a.index_copy(0, M.tensor([2, 0]), s * 2)
        (y * M.arange(6.0, dtype=M.float64).reshape(3, 2)).sum().backward()
        return {"y": y, "a.grad": a.grad, "s.grad": s.grad,
                "in place": M.zeros(4).index_copy_(0, M.tensor([3, 1]), M.tensor([1.0, 2.0]))}
    _same_as_pytorch(program)


# -- 7. expand without growth is a writable view -----------------------------------------------------------------

def test_expand_that_grows_nothing_is_a_view_in_place_ops_write_through():
    x = nn.arange(12.0).reshape(3, 4)
    y = x.expand(1, 3, 4).contiguous().add_(1)          # contiguous already: the view itself, as PyTorch's
    np.testing.assert_array_equal(y.numpy()[0], np.arange(1.0, 13.0).reshape(3, 4))
    np.testing.assert_array_equal(x.numpy(), y.numpy()[0])                                # written through
    x.expand(3, 4).add_(1)
    x.expand(-1, -1).mul_(2)
    np.testing.assert_array_equal(x.numpy(), 2 * np.arange(2.0, 14.0).reshape(3, 4))
    grown = nn.ones(1, 4).expand(3, 4)
    np.testing.assert_array_equal(grown.contiguous().add_(1).numpy(), np.full((3, 4), 2.0))   # a copy
    with pytest.raises(RuntimeError, match="clone"):
        grown.add_(1)                                          # its rows share memory, as PyTorch refuses too
    w = nn.ones(3, 4, requires_grad=True)
    (w.expand(1, 3, 4) * 2).sum().backward()
    np.testing.assert_array_equal(w.grad, np.full((3, 4), 2.0))


def test_expand_and_in_place_as_pytorch():
    def program(M):
        x = M.arange(12.0).reshape(3, 4)
        x.expand(1, 3, 4).contiguous().add_(1)
        x.expand(3, 4).mul_(2)
        return {"x": x, "grown": M.ones(1, 4).expand(3, 4).contiguous().add_(1)}
    _same_as_pytorch(program)


# -- 8. NaN ranks as the largest value ---------------------------------------------------------------------------

def test_nan_is_the_largest_value_in_sort_topk_and_max():
    nan = float("nan")
    v = nn.tensor([1.0, nan, 3.0, nan, 2.0])
    top = v.topk(2)
    assert np.isnan(top.values.numpy()).all() and top.indices.tolist() == [1, 3]
    assert v.topk(3, largest=False).indices.tolist() == [0, 4, 2]
    assert v.sort().indices.tolist() == [0, 4, 2, 1, 3]
    assert v.sort(descending=True).indices.tolist() == [1, 3, 2, 4, 0]
    assert v.argsort(descending=True, stable=True).tolist() == [1, 3, 2, 4, 0]
    assert nn.tensor([1, 2, 1, 2, 1]).argsort(descending=True, stable=True).tolist() == [1, 3, 0, 2, 4]
    assert nn.tensor([0, 1, 200, 3], dtype=nn.uint8).sort(descending=True).values.tolist() == [200, 3, 1, 0]
    assert nn.tensor([-2 ** 63, 0, 5]).sort(descending=True).indices.tolist() == [2, 1, 0]
    assert nn.tensor([True, False, True]).sort(descending=True).indices.tolist() == [0, 2, 1]
    assert np.isnan(v.max().item()) and v.argmax().item() == 1
    w = v.clone().requires_grad_()
    w.max().backward()
    np.testing.assert_array_equal(w.grad, [0, 0.5, 0, 0.5, 0])             # shared by the NaNs, as PyTorch
    t = v.clone().requires_grad_()
    t.topk(2).values.sum().backward()
    np.testing.assert_array_equal(t.grad, [0, 1, 0, 1, 0])
    assert v.cummax(0).indices.tolist() == [0, 1, 1, 3, 3]                  # a later NaN takes over


def test_nan_ordering_as_pytorch():
    def program(M):
        v = M.tensor([[1.0, float("nan"), 3.0, float("-inf")], [float("nan"), 0.0, float("inf"), float("nan")]])
        w = v.clone().requires_grad_()
        w.max().backward()
        return {"sort": v.sort(1).indices, "sort desc": v.sort(1, descending=True).indices,
                "topk": v.topk(2, 1).values, "max dim": v.max(1).indices, "argsort": v.argsort(0),
                "max grad": w.grad, "cummin": v.cummin(1).indices,
                "uint8": M.tensor([5, 0, 255, 7], dtype=M.uint8).sort(descending=True).values}
    _same_as_pytorch(program)


# -- 9. clone(memory_format=), split(split_size=), view(dtype) ---------------------------------------------------

def test_clone_memory_format_split_size_and_view_dtype():
    x = nn.arange(12.0).reshape(3, 4)
    for fmt in (nn.contiguous_format, nn.preserve_format):
        np.testing.assert_array_equal(x.clone(memory_format=fmt).numpy(), x.numpy())
        np.testing.assert_array_equal(nn.clone(x, memory_format=fmt).numpy(), x.numpy())
    assert [tuple(p.shape) for p in x.split(split_size=3, dim=1)] == [(3, 3), (3, 1)]
    assert [tuple(p.shape) for p in nn.split(x, split_size_or_sections=2)] == [(2, 4), (1, 4)]
    f = nn.tensor([1.0, 2.0])
    np.testing.assert_array_equal(f.view(nn.int32).numpy(), [1065353216, 1073741824])
    np.testing.assert_array_equal(f.view(dtype=nn.uint8).numpy(), [0, 0, 128, 63, 0, 0, 0, 64])
    assert nn.ones(2, 2).view(nn.uint8).shape == (2, 8) and nn.ones(2, 4).view(nn.float64).shape == (2, 2)
    assert nn.tensor([65537], dtype=nn.int32).view(nn.int16).tolist() == [1, 1]
    f.view(nn.int32).zero_()
    np.testing.assert_array_equal(f.numpy(), [0, 0])                        # shared memory
    assert not nn.ones(2, requires_grad=True).view(nn.float32).requires_grad    # not differentiable, as PyTorch
    with pytest.raises(RuntimeError, match=r"self.size\(-1\) must be divisible by 2 to view Float as Double \(different "
                                           r"element sizes\), but got 3"):
        nn.ones(3).view(nn.float64)


def test_clone_split_and_view_dtype_as_pytorch():
    def program(M):
        x = M.arange(12.0).reshape(3, 4)
        return {"clone": x.clone(memory_format=M.contiguous_format), "split": x.split(split_size=3, dim=1)[1],
                "view i32": x.view(M.int32), "view u8": M.tensor([1.5, -2.0]).view(M.uint8),
                "view f64": x.view(M.float64), "view i16": M.tensor([65537, -1], dtype=M.int32).view(M.int16)}
    _same_as_pytorch(program)
