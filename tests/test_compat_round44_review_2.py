"""Review of round 44, areas E-H (reviewer 2): defects found around the round's changes, each checked against
PyTorch 2.13 over a small grid (legacy typed storages 67 cases, torch.softmax / log_softmax 27, axis= for dim= 432).

- nn.FloatStorage / t.storage() (area G's TypedStorage): ``dtype`` was NumPy's (``str`` "float32" where PyTorch's is
  "torch.float32"; nn.FloatStorage.dtype, PyTorch's class-level dtype, was a property object); FloatStorage(True) is
  one element in PyTorch (a bool is an int to its parser), nn refused it; a slice of a TypedStorage is PyTorch's
  RuntimeError, nn returned a list; its device, untyped(), fill_, copy_, clone, is_shared / is_pinned were missing.
- torch.softmax / torch.log_softmax (area G made them F.softmax with axis=): PyTorch's function is
  softmax(input, dim, dtype=None), dim required and dtype third, where F.softmax's third is _stacklevel: nn's
  softmax(x, 1, float64) silently ignored the dtype, softmax(x) took the implicit dim where PyTorch's raises.
- axis= together with dim= (numpy_axis and parsed_ints): PyTorch's "unexpected keyword argument 'axis'", where nn
  said "got both dim= and axis= (its NumPy name); give one".
- the result types (area G named each as PyTorch's torch.return_types.<function>) printed as plain named tuples,
  ``max(values=..., indices=...)``, where PyTorch's read ``torch.return_types.max(\nvalues=...,\nindices=...)`` (44 of
  51 results checked print alike now; the rest differ in values or in PyTorch's ``*_out`` names for out=);
  lu_unpack(..., unpack_data=False) / unpack_pivots=False gave the full L, U / P where PyTorch's are empty.
- addmv / addr / addbmm given more positional arguments than PyTorch's (input, mat, vec) takes (area H made them take
  the deprecated numbers-first orders, 52 calls checked with their warnings): PyTorch's and the base's words "addmv()
  takes 3 positional arguments but 4 were given" had become nn's "received an invalid combination of arguments: ...";
  the in-place methods' are PyTorch's "addr_() takes 2 positional arguments but 3 were given".
"""
import numpy as np
import pytest

import nn

pytestmark = pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")


def test_typed_storage_dtype_is_nns():
    s = nn.FloatStorage([1.0, 2.0])
    assert str(s.dtype) == "nn.float32" and s.dtype is nn.float32
    assert str(nn.arange(3).storage().dtype) == "nn.int64"
    assert nn.LongStorage.dtype is nn.int64 and nn.BoolStorage.dtype is nn.bool     # class-level, as PyTorch's


def test_typed_storage_of_a_bool_size_and_its_slices():
    assert nn.FloatStorage(True).size() == 1            # PyTorch: a bool is an int (one element)
    s = nn.FloatStorage([1.0, 2.0, 3.0])
    assert s[1] == 2.0 and s[-1] == 3.0
    with pytest.raises(RuntimeError, match=r"^slices are only supported in UntypedStorage.__getitem__$"):
        s[0:2]


def test_typed_storage_methods():
    t = nn.arange(4.0).reshape(2, 2)
    s = t.storage()
    assert s.device == nn.device("cpu") and not s.is_shared() and not s.is_pinned()
    assert isinstance(s.untyped(), nn.UntypedStorage) and s.untyped().nbytes() == 16
    c = s.clone()
    assert s.fill_(7.0) is s and t.tolist() == [[7.0, 7.0], [7.0, 7.0]] and c.tolist() == [0.0, 1.0, 2.0, 3.0]
    f = nn.FloatStorage([1.0, 2.0])
    assert f.copy_(nn.DoubleStorage([5.0, 6.5])).tolist() == [5.0, 6.5] and type(f.clone()) is nn.FloatStorage


def test_result_types_print_as_pytorchs():
    r = nn.tensor([[1.0, 5.0], [3.0, 2.0]]).max(0)
    assert repr(r) == "nn.return_types.max(\nvalues=tensor([3., 5.]),\nindices=tensor([1, 0]))"
    assert str(nn.aminmax(nn.tensor([1.0, 2.0]))) == "nn.return_types.aminmax(\nmin=tensor(1.),\nmax=tensor(2.))"
    assert repr(nn.linalg.slogdet(nn.eye(2))).startswith("nn.return_types.linalg_slogdet(\nsign=tensor(1.),\n")


def test_lu_unpack_without_data_or_pivots():
    A = nn.tensor([[4.0, 1.0], [1.0, 3.0]], dtype=nn.float64, requires_grad=True)
    LU, pivots = nn.linalg.lu_factor(A)
    P, L, U = nn.lu_unpack(LU, pivots, unpack_data=False)            # PyTorch: empty L and U (in the graph)
    assert P.shape == (2, 2) and L.shape == U.shape == (0,) and L.requires_grad
    P, L, U = nn.lu_unpack(LU, pivots, unpack_pivots=False)
    assert P.shape == (0,) and L.shape == U.shape == (2, 2)


def test_torch_softmax_takes_dtype_third_and_requires_dim():
    x = nn.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    for fn in (nn.softmax, nn.log_softmax):
        assert fn(x, 1, nn.float64).dtype == nn.float64        # PyTorch: softmax(input, dim, dtype)
        np.testing.assert_allclose(fn(x, 1, nn.float64).numpy(), fn(x.double(), 1).numpy(), rtol=1e-15)
        assert fn(x, axis=0).shape == (2, 3)
        with pytest.raises(TypeError, match=f'^{fn.__name__}\\(\\) missing 1 required positional arguments: "dim"$'):
            fn(x)
        with pytest.raises(TypeError, match=rf"^{fn.__name__}\(\): argument 'dim' \(position 2\) must be int, "
                                            r"not NoneType$"):
            fn(x, None)


@pytest.mark.parametrize("call", [lambda x: x.sum(dim=0, axis=0), lambda x: nn.amax(x, dim=0, axis=0),
                                  lambda x: x.unsqueeze(dim=0, axis=0), lambda x: nn.softmax(x, dim=0, axis=0)])
def test_dim_and_axis_together_in_pytorchs_words(call):
    with pytest.raises(TypeError, match=r"^\w+\(\) got an unexpected keyword argument 'axis'$"):
        call(nn.ones(2, 3))


def test_too_many_positional_arguments_in_pytorchs_words():
    x, m, v = nn.ones(2, 2), nn.ones(2, 2), nn.ones(2)
    with pytest.raises(TypeError, match=r"^addmv\(\) takes 3 positional arguments but 4 were given$"):
        nn.addmv(v, m, v, 0.5)
    with pytest.raises(TypeError, match=r"^addr\(\) takes 3 positional arguments but 5 were given$"):
        nn.addr(x, v, v, 0.5, 2)
    with pytest.raises(TypeError, match=r"^addr_\(\) takes 2 positional arguments but 3 were given$"):
        x.addr_(v, v, 0.5)
    with pytest.raises(TypeError, match=r"^addmm_\(\) takes 2 positional arguments but 3 were given$"):
        x.addmm_(0.5, m, m, beta=3)


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lib in (torch, nn):
            assert str(lib.FloatStorage([1.0]).dtype) == lib.__name__ + ".float32"
            assert str(lib.IntStorage.dtype) == lib.__name__ + ".int32"
            assert lib.FloatStorage(True).size() == 1
            x = lib.ones(2, 3)
            assert lib.softmax(x, 1, lib.float64).dtype == lib.float64
            with pytest.raises(TypeError, match="unexpected keyword argument 'axis'"):
                x.sum(dim=0, axis=0)
