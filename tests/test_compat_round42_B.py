"""Round 42, area B: torch-hd 5.8.4 (torchhd, its wheel), hyperdimensional computing on Tensor subclasses.

torchhd's 171 files (its own tests with them) were ported by the porting rule (``torchhdp``; pandas, requests and
openpyxl, imported for its datasets only, name-only stubs; tqdm 4.70.1 beside it) and run beside the original on
PyTorch 2.13 in one process, float64 as the default dtype on both sides and every draw (``bernoulli_``,
``uniform_``, ``normal_``, ``rand``, ``randn``, ``randint``, ``randperm``, ``multinomial``, the init functions,
Uniform / Normal samples, dropout) handed over from one NumPy stream per side: the eight VSA models (MAP, BSC, HRR,
FHRR, BSBC, VTB, MCR, CGR) in every supported dtype through the functional API, the embeddings (forward, backward,
SGD steps, eval, state dicts), the structures, the associative memories, and the eleven classifiers' fit / predict.
All agree to 5e-15 in float64 (integer and bool models exactly; MCR's bundle and LeHDC's sign() of Adam steps of
zero gradients excepted: PyTorch's Sleef atan2 and fused multiply-adds, 1 ulp). Failures found (nn's):

- BSC's ``negative`` is ``torch.logical_not(self, out=torch.empty_like(self))``: nn's logical and bitwise functions
  took no ``out=``.
- the embeddings of BSC / MAP / BSBC / MCR hold bool and integer hypervectors: ``F.embedding`` refused a weight that
  is not floating ("weight must be a float tensor"), where PyTorch's lookup takes any dtype.
- ``nn.Parameter(t)`` of a Tensor subclass instance (SparseDistributed's keys, the embeddings' weights) gave an
  ``nn.Parameter``: PyTorch keeps t's class (its methods, ``bind``, ``bundle``, and its ``__torch_function__``),
  detached and flagged ``_is_param``, and ``isinstance(t, Parameter)`` holds through Parameter's metaclass.
- multiplying two VSA models' tensors (``a * b``, a MAPTensor and an HRRTensor) raised the dispatch TypeError;
  PyTorch's binary operators return NotImplemented when no ``__torch_function__`` answers ("unsupported operand").
- ``torch.autograd.grad`` of VSA tensors returns gradients of their class (it hands the call to
  ``__torch_function__``, whose default converts the results); nn's returned plain Tensors.
- HRR's ``multibind`` (``torch.prod(fft(x), dim=-2, dtype=x.dtype)``) warned NumPy's ComplexWarning on every call;
  PyTorch warns "Casting complex values to real discards the imaginary part", a UserWarning, once a process.
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn import dtypes as _dtypes


# -- logical / bitwise out= ------------------------------------------------------------------------------------

def _bsc_negative(L, x):
    """BSCTensor.negative: torch.logical_not(self, out=torch.empty_like(self))."""
    out = L.empty_like(x)
    return L.logical_not(x, out=out), out


@pytest.mark.parametrize("dtype", ["bool", "float64", "int64"])
def test_logical_not_writes_into_out_in_its_dtype(dtype):
    x = nn.tensor([True, False, True]).to(getattr(nn, dtype))
    y, out = _bsc_negative(nn, x)
    assert y is out and y.dtype == getattr(nn, dtype)
    np.testing.assert_array_equal(y.numpy(), np.array([0, 1, 0]).astype(dtype))


def test_logical_and_bitwise_functions_take_out():
    a, b = nn.tensor([True, True, False]), nn.tensor([True, False, False])
    for name, want in [("logical_and", [1, 0, 0]), ("logical_or", [1, 1, 0]), ("logical_xor", [0, 1, 0])]:
        out = nn.empty(3, dtype=nn.float32)
        assert getattr(nn, name)(a, b, out=out) is out
        np.testing.assert_array_equal(out.numpy(), np.float32(want))
    i, j = nn.tensor([12, 10]), nn.tensor([10, 6])
    for name, want in [("bitwise_and", [8, 2]), ("bitwise_or", [14, 14]), ("bitwise_xor", [6, 12])]:
        out = nn.empty(2, dtype=nn.int64)
        assert getattr(nn, name)(i, j, out=out) is out
        np.testing.assert_array_equal(out.numpy(), want)
    out = nn.empty(2, dtype=nn.int64)
    nn.bitwise_not(i, out=out)
    np.testing.assert_array_equal(out.numpy(), [-13, -11])


# -- embedding of bool and integer weights --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["bool", "int64", "int8", "uint8", "complex64"])
def test_embedding_looks_up_rows_of_any_dtype(dtype):
    # torchhd's Random / Level embeddings of BSC (bool) and BSBC (int64) hypervectors: F.embedding(idx, weight)
    table = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0]]).astype(dtype)
    w = nn.Parameter(nn.tensor(table), requires_grad=False)
    y = F.embedding(nn.tensor([[2, 0], [1, 1]]), w)
    assert y.dtype == w.dtype and tuple(y.shape) == (2, 2, 3)
    np.testing.assert_array_equal(y.numpy(), table[[[2, 0], [1, 1]]])


def test_embedding_max_norm_of_an_integer_weight_is_pytorchs_error():
    with pytest.raises(RuntimeError, match=r"^norm\(\): input dtype should be either floating point or complex\. "
                                           r"Got Long instead\.$"):
        F.embedding(nn.tensor([1, 2]), nn.ones(4, 3, dtype=nn.int64), max_norm=1.0)


# -- Parameter of a Tensor subclass ------------------------------------------------------------------------------

class _HV(nn.Tensor):
    """A VSATensor's shape: a Tensor subclass with methods of its own and the default __torch_function__."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return super().__torch_function__(func, types, args, kwargs or {})

    def bind(self, other):
        return nn.mul(self, other)


class _SparseDistributed(nn.Module):
    """torchhd.memory.SparseDistributed's parameters: nn.Parameter(functional.random(...), requires_grad)."""

    def __init__(self):
        super().__init__()
        keys = nn.tensor([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]]).as_subclass(_HV)
        self.keys = nn.Parameter(keys, False)
        self.values = nn.Parameter(nn.zeros(2, 3).as_subclass(_HV), requires_grad=True)


def test_parameter_of_a_tensor_subclass_keeps_its_class():
    m = _SparseDistributed()
    assert type(m.keys) is _HV and type(m.values) is _HV           # was: nn.Parameter
    assert isinstance(m.keys, nn.Parameter) and m.keys._is_param is True
    assert not m.keys.requires_grad and m.values.requires_grad
    assert [n for n, _ in m.named_parameters()] == ["keys", "values"]
    np.testing.assert_array_equal(m.keys.bind(m.keys).numpy(), np.ones((2, 3)))     # its own methods
    assert type(m.keys * 2) is _HV and not isinstance(m.keys * 2, nn.Parameter)   # ops: the class, no flag
    assert type(nn.Parameter(nn.ones(2))) is nn.Parameter            # a plain tensor: a Parameter, as before


def test_parameter_of_a_subclass_is_detached_from_its_data():
    x = nn.ones(3, requires_grad=True)
    h = (x * 2).as_subclass(_HV)
    p = nn.Parameter(h)
    assert type(p) is _HV and p is not h and p.grad_fn is None and p.requires_grad
    (p * 3).sum().backward()
    np.testing.assert_array_equal(p.grad, [3.0, 3.0, 3.0])
    assert x.grad is None


def test_autograd_grad_hands_over_to_the_subclass():
    # torch.autograd.grad dispatches on its outputs and inputs: Tensor's default __torch_function__ gives the
    # gradients the subclass (an HRRTensor leaf's gradient is an HRRTensor); .backward()'s .grad stays plain
    a = nn.tensor([1.0, -2.0, 0.5], dtype=nn.float64).as_subclass(_HV).requires_grad_(True)
    (g,) = nn.autograd.grad((a.bind(a) * 3).sum(), a)
    assert type(g) is _HV                                              # was: nn.Tensor
    np.testing.assert_array_equal(g.numpy(), [6.0, -12.0, 3.0])
    b = nn.ones(2, dtype=nn.float64, requires_grad=True)
    (g,) = nn.autograd.grad((b.as_subclass(_HV) * 2).sum(), b)       # a plain leaf, a subclass on the way
    assert type(g) is _HV
    (g,) = nn.autograd.grad((b * 2).sum(), b)
    assert type(g) is nn.Tensor


class _Model(nn.Tensor):
    """Two VSA models' shape: each __torch_function__ answers only calls on its own class (MAPTensor, HRRTensor)."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if not all(issubclass(cls, t) for t in types):
            return NotImplemented
        return super().__torch_function__(func, types, args, kwargs or {})


class _OtherModel(nn.Tensor):
    __torch_function__ = classmethod(_Model.__torch_function__.__func__)


def test_an_operator_no_handler_answers_is_not_implemented():
    # torchhd.bind(MAP, HRR) is torch.mul(...): a TypeError; the operator (a * b) returns NotImplemented, as
    # PyTorch's binary operators do, so Python says "unsupported operand type(s)" (nn raised the dispatch error)
    a, b = nn.ones(2).as_subclass(_Model), nn.ones(2).as_subclass(_OtherModel)
    with pytest.raises(TypeError, match=r"^unsupported operand type\(s\) for \*: '_Model' and '_OtherModel'$"):
        a * b
    with pytest.raises(TypeError, match=r"^unsupported operand type\(s\) for //: '_Model' and '_OtherModel'$"):
        a // b
    with pytest.raises(TypeError, match="_Model"):
        nn.mul(a, b)                                       # the function still raises
    assert type(a * 2) is _Model and type(3 - a) is _Model


# -- complex -> real casts warn once ---------------------------------------------------------------------------

def test_complex_to_real_cast_warns_once_as_pytorch():
    flag = getattr(_dtypes, "_IMAGINARY_DISCARDED", [])   # (a process warns once: cleared here, then restored)
    saved = list(flag)
    flag.clear()
    try:
        z = nn.tensor([1 + 1j, 2 - 1j], dtype=nn.complex128)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            a = nn.prod(z, dim=0, dtype=nn.float64)          # HRR's multibind: the real parts' product
            b = z.to(nn.float64)
            c = nn.zeros(2, dtype=nn.float64).copy_(z)
            d = nn.zeros(2, dtype=nn.float64)
            d[:] = z
            e = nn.sum(z, dtype=nn.float32)
    finally:
        flag[:] = saved
    assert [(w.category, str(w.message)) for w in caught] == [
        (UserWarning, "Casting complex values to real discards the imaginary part")]
    assert caught[0].filename == __file__
    assert a.item() == 2.0 and e.item() == 3.0 and e.dtype == nn.float32
    for t in (b, c, d):
        np.testing.assert_array_equal(t.numpy(), [1.0, 2.0])


# -- against PyTorch, where it is installed -------------------------------------------------------------------

def test_against_pytorch():
    torch = pytest.importorskip("torch")
    x = torch.tensor([True, False])
    assert torch.logical_not(x, out=torch.empty(2, dtype=torch.float64)).tolist() == \
        nn.logical_not(nn.tensor([True, False]), out=nn.empty(2, dtype=nn.float64)).tolist()
    assert torch.nn.functional.embedding(torch.tensor([1]), torch.eye(2, dtype=torch.bool)).tolist() == \
        F.embedding(nn.tensor([1]), nn.eye(2, dtype=nn.bool)).tolist()
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.functional.embedding(torch.tensor([1, 2]), torch.ones(4, 3, dtype=torch.int64), max_norm=1.0)
    with pytest.raises(RuntimeError) as ours:
        F.embedding(nn.tensor([1, 2]), nn.ones(4, 3, dtype=nn.int64), max_norm=1.0)
    assert str(ours.value) == str(theirs.value)

    class HV(torch.Tensor):
        pass
    p = torch.nn.Parameter(torch.ones(2).as_subclass(HV), requires_grad=False)
    assert type(p) is HV and isinstance(p, torch.nn.Parameter) and p._is_param
    b = torch.ones(2, dtype=torch.float64, requires_grad=True)
    assert type(torch.autograd.grad((b.as_subclass(HV) * 2).sum(), b)[0]) is HV
