"""Quantum circuit simulation from the package registry: torchquantum 0.1.8, installed from its wheel with ``pip install
--no-deps`` into a private folder (qiskit, qiskit_nature, torchpack, torchvision, pathos, dill, pylatexenc, sklearn,
tqdm and opt_einsum as name-only stub modules on both sides), ported file by file by the porting rule (166 files, 130
changed, renamed ``torchquantump``) and run against the original on PyTorch 2.13 in one process: complex128 / float64
(copies of both sides whose ``macro.C_DTYPE`` / ``F_DTYPE`` read complex128 / float64) and complex64 / float32 as
shipped, PyTorch's weights loaded into nn's modules, the same NumPy states and inputs, the same draws (``RandomLayer``'s
``np.random`` choices, ``measure``'s ``random.choices``, the phase and activation noise models' ``randn`` read from
one NumPy stream per side). The package's own NameErrors (``mat_dict`` in eleven gate files, ``Op1QAllLayer`` and
others in the layer templates) were mended alike on both sides by injecting the missing names. Compared: every
operator of ``op_name_dict`` in module form (plain and ``inverse``) and every function of ``func_name_dict`` on a
batched 4-qubit state, with gradients of the state and the parameters; the RandomLayer variants, the op-all,
entanglement, template, n-local and QFT layers; every ``encoder_op_list_name_dict`` encoder, the State / Amplitude /
Phase / MultiPhase encoders; ``expval``, ``expval_joint_analytical``, the MeasureAll / MultipleTimes / PauliSum
modules, ``measure`` and ``expval_joint_sampling(_grouping)`` with the same draws; a hybrid QFC classifier (also in
static mode) and a conv + amplitude-encoder + RealAmplitudes model trained 3 Adam steps, eval mode, state dicts across
libraries; the phase / activation noise models; the density-matrix ``NoiseDevice``; error paths. Outputs and
gradients agree to 2e-15 in complex128, samples exactly; weights after 3 Adam steps to 1e-12 but where a gradient is
zero in exact arithmetic (U3's phi before a Z measurement: 1e-17 on either side, and Adam's first step is lr * sign(g);
PyTorch against itself with an input one ulp off differs as much).

The differences nn's side met (the package is not imported here):

- the controlled gates' ``matrix[:, 2, 2] = co`` with batched parameters (cu3, cu, cu1, cp, cr, singleexcitation)
  fail on both sides; nn named the tensor ``torch.ComplexDoubleTensor`` where PyTorch's expand says
  ``CPUComplexDoubleType`` (and ``CPUBoolType`` for bool);
- ``globalphase``'s ``torch.tensor([[exp]])`` of a complex tensor that requires grad: PyTorch's once-per-process
  "Converting a tensor with requires_grad=True to a scalar" warning came for float tensors only, and not before the
  size check of a larger tensor (nor for ``complex(t)``);
- ``MeasureMultiQubitPauliSum``'s ``res_all * self.obs_list[0]["coefficient"]`` (a tensor times a list) is a
  TypeError on PyTorch, whose operators take no list or tuple; nn multiplied element-wise.
"""
import collections
import warnings

import numpy as np
import pytest

import nn
from porting import raised


# ---- expand's words name complex and bool tensors as PyTorch's Tensor::toString -------------------------------------

def _cu3_matrix(params):
    """torchquantum's functional/u3.py cu3_matrix, ported, to the failing line."""
    theta = params[:, 0].unsqueeze(dim=-1).type(nn.complex128)
    phi = params[:, 1].unsqueeze(dim=-1).type(nn.complex128)
    co = nn.cos(theta / 2)
    matrix = nn.tensor([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]],
                       dtype=nn.complex128).unsqueeze(0).repeat(phi.shape[0], 1, 1)
    matrix[:, 2, 2] = co
    return matrix


def test_expand_words_name_complex_and_bool_tensors():
    tail = "the number of sizes provided (1) must be greater or equal to the number of dimensions in the tensor (2)"
    assert raised(lambda: _cu3_matrix(nn.ones(3, 3))) == (
        "RuntimeError", "expand(CPUComplexDoubleType{[3, 1]}, size=[3]): " + tail)
    for dtype, name in ((nn.complex64, "CPUComplexFloatType"), (nn.bool, "CPUBoolType"),
                        (nn.float64, "torch.DoubleTensor"), (nn.int64, "torch.LongTensor"),
                        (nn.uint8, "torch.ByteTensor")):
        assert raised(lambda: nn.zeros(3, 1, dtype=dtype).expand(3)) == (
            "RuntimeError", f"expand({name}{{[3, 1]}}, size=[3]): " + tail)
    assert _cu3_matrix(nn.ones(1, 3)).shape == (1, 4, 4)          # one set of parameters runs


# ---- a tensor that requires grad read as a number: PyTorch's one warning -------------------------------------------

_WORDS = "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior."


def _globalphase_matrix(params):
    """torchquantum's functional/global_phase.py, ported."""
    phase = params.type(nn.complex128)
    exp = nn.exp(1j * phase)
    return nn.tensor([[exp]], dtype=nn.complex128, device=params.device)


def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn()
        except ValueError as e:
            assert str(e) == "only one element tensors can be converted to Python scalars"
    return [str(w.message).split("\n")[0] for w in caught]


def test_a_complex_tensor_read_as_a_number_warns_once(monkeypatch):
    from nn.tensor_ops import convert
    monkeypatch.setattr(convert, "_FLOAT_GRAD_WARNED", [])
    phi = nn.tensor([[0.3]], dtype=nn.float64, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = _globalphase_matrix(phi)
    assert [str(w.message).split("\n")[0] for w in caught] == [_WORDS] and caught[0].filename == __file__
    assert m.dtype == nn.complex128 and not m.requires_grad          # a new leaf, outside phi's graph
    np.testing.assert_allclose(m.numpy(), [[np.exp(0.3j)]], rtol=1e-15)
    # one site, once per process: float() and complex() after it are silent
    assert _warnings_of(lambda: complex(nn.tensor([1j], requires_grad=True))) == []
    monkeypatch.setattr(convert, "_FLOAT_GRAD_WARNED", [])
    assert _warnings_of(lambda: complex(nn.tensor([1j], requires_grad=True))) == [_WORDS]


def test_the_warning_comes_before_the_size_check(monkeypatch):
    from nn.tensor_ops import convert
    # globalphase with a batch of 3 phases: the warning, then the ValueError, as PyTorch's
    monkeypatch.setattr(convert, "_FLOAT_GRAD_WARNED", [])
    assert _warnings_of(lambda: _globalphase_matrix(nn.zeros(3, 1, dtype=nn.float64, requires_grad=True))) == [_WORDS]
    monkeypatch.setattr(convert, "_FLOAT_GRAD_WARNED", [])
    assert _warnings_of(lambda: nn.tensor([nn.zeros(3, requires_grad=True)])) == [_WORDS]
    # the rows of a larger tensor are read as a whole: no warning; nor under no_grad
    monkeypatch.setattr(convert, "_FLOAT_GRAD_WARNED", [])
    rows = nn.zeros(2, requires_grad=True)
    assert _warnings_of(lambda: nn.tensor([[1.0, 2.0], rows])) == []
    with nn.no_grad():
        assert _warnings_of(lambda: nn.tensor([[nn.exp(1j * nn.ones(1, requires_grad=True))]])) == []


# ---- operators take no list or tuple -------------------------------------------------------------------------------

def test_a_tensor_times_a_list_is_a_type_error():
    # MeasureMultiQubitPauliSum.forward: (res_all * self.obs_list[0]["coefficient"]).sum(-1)
    res_all = nn.ones(2, 4)
    coefficient = [0.5, 0.2]
    index_words = ("TypeError", "only integer tensors of a single element can be converted to an index")
    assert raised(lambda: (res_all * coefficient).sum(-1)) == index_words
    assert raised(lambda: coefficient * res_all) == index_words
    assert [1, 2] * nn.tensor(2) == [1, 2, 1, 2] and nn.tensor(2) * (7,) == (7, 7)     # a sequence's repetition
    assert raised(lambda: res_all + [1.0]) == ("TypeError", "unsupported operand type(s) for +: 'Tensor' and 'list'")
    assert raised(lambda: [1.0] + res_all) == ("TypeError", 'can only concatenate list (not "Tensor") to list')
    assert raised(lambda: (1, 2) - res_all) == ("TypeError", "unsupported operand type(s) for -: 'tuple' and 'Tensor'")
    assert raised(lambda: res_all / (1, 2)) == ("TypeError", "unsupported operand type(s) for /: 'Tensor' and 'tuple'")
    assert raised(lambda: [2] / res_all) == ("TypeError", "unsupported operand type(s) for /: 'list' and 'Tensor'")
    assert raised(lambda: res_all ** [2]) == ("TypeError",
                                              "unsupported operand type(s) for ** or pow(): 'Tensor' and 'list'")
    assert raised(lambda: [2] ** res_all) == ("TypeError",
                                              "unsupported operand type(s) for ** or pow(): 'list' and 'Tensor'")
    assert raised(lambda: res_all // [2]) == ("TypeError", "unsupported operand type(s) for //: 'Tensor' and 'list'")
    assert raised(lambda: [2] % res_all) == ("TypeError", "unsupported operand type(s) for %: 'list' and 'Tensor'")
    pair = collections.namedtuple("Pair", "a b")(1, 2)
    assert raised(lambda: res_all - pair) == ("TypeError", "unsupported operand type(s) for -: 'Tensor' and 'Pair'")
    # add / sub / mul / div as functions: PyTorch's parser's words
    assert raised(lambda: nn.mul(res_all, coefficient)) == (
        "TypeError", "mul(): argument 'other' (position 2) must be Tensor, not list")
    assert raised(lambda: nn.add((1.0,), res_all)) == (
        "TypeError", "add(): argument 'input' (position 1) must be Tensor, not tuple")
    assert raised(lambda: nn.sub(res_all, [1.0], alpha=2)) == (
        "TypeError", "sub(): argument 'other' (position 2) must be Tensor, not list")
    assert raised(lambda: nn.div(res_all, (2,), rounding_mode="floor")) == (
        "TypeError", "div(): argument 'other' (position 2) must be Tensor, not tuple")
    # numbers, tensors and arrays are operands as before
    x = nn.ones(2, 2)
    assert (x * 2.0).tolist() == [[2.0, 2.0]] * 2 and (2 * x + x).tolist() == [[3.0, 3.0]] * 2
    assert (x * np.array([1.0, 2.0])).tolist() == [[1.0, 2.0]] * 2 and (1 - x / 2).tolist() == [[0.5, 0.5]] * 2


def test_operators_with_sequences_against_pytorch():
    torch = pytest.importorskip("torch")
    import operator
    names = ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul")
    for other in ([0.5, 0.2], (1, 2), [1], [[1, 2]], [True, False], collections.namedtuple("P", "a b")(1, 2)):
        for name in names:
            op = getattr(operator, name)
            for theirs, ours in ((lambda: op(torch.ones(2, 2), other), lambda: op(nn.ones(2, 2), other)),
                                 (lambda: op(other, torch.ones(2, 2)), lambda: op(other, nn.ones(2, 2)))):
                assert raised(ours) == raised(theirs), (name, other)
    assert [1, 2] * torch.tensor(2) == [1, 2] * nn.tensor(2)
    for name in ("add", "sub", "mul", "div"):
        assert raised(lambda: getattr(nn, name)(nn.ones(2), [1, 2])) == \
            raised(lambda: getattr(torch, name)(torch.ones(2), [1, 2]))
        assert raised(lambda: getattr(nn, name)((1, 2), nn.ones(2))) == \
            raised(lambda: getattr(torch, name)((1, 2), torch.ones(2)))


def test_warning_and_expand_words_against_pytorch(monkeypatch):
    torch = pytest.importorskip("torch")
    from nn.tensor_ops import convert
    monkeypatch.setattr(convert, "_FLOAT_GRAD_WARNED", [])
    for dtype in ("complex64", "complex128", "bool", "float32", "int64", "int32", "uint8"):
        assert raised(lambda: nn.zeros(3, 1, dtype=getattr(nn, dtype)).expand(3)) == \
            raised(lambda: torch.zeros(3, 1, dtype=getattr(torch, dtype)).expand(3))
    t = torch.zeros(3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert raised(lambda: nn.tensor([nn.zeros(3, requires_grad=True)])) == raised(lambda: torch.tensor([t]))
