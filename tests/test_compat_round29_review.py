"""A review of the whole twenty-ninth round's change (operators handed to __torch_function__, the new augmented
assignments, buffer views, PyTorch's repr layout, the norm / gather fixes), probed beside PyTorch 2.13 at their
neighbours. What it found, in a few lines each:

- ``x &= obj`` (and every augmented assignment: += -= *= /= //= %= **= &= |= ^= <<= >>=) with an operand that
  brings its own reflected operator: PyTorch's ``__iand__`` returns NotImplemented, so Python falls back to
  ``x & obj`` and then ``obj.__rand__(x)``; nn's computed ``x & obj`` (obj's answer) and wrote it into x
  (AttributeError: 'str' object has no attribute '_data'). Before the round `x &= obj` had fallen back to the
  binary operator, so for the eight new ones this was a regression. ``x // obj`` and ``x % obj`` did not defer
  either (TypeError); they now defer as + - * / @ ** did.
- ``x += ones(2, 2)`` into a (2,) tensor: PyTorch's RuntimeError "output with shape [2] doesn't match the
  broadcast shape [2, 2]"; nn let NumPy's copyto raise its ValueError.
- ``&``, ``|``, ``^``, ``<<``, ``>>`` (and bitwise_* / their in-place forms, now reached by ``&=``...) where the
  promoted dtype is floating or complex: PyTorch's NotImplementedError '"bitwise_and_cpu" not implemented for
  'Float'' (lshift_cpu / rshift_cpu for the shifts); nn raised TypeError in its own words (the round had given
  bitwise_not PyTorch's words already).
- A tensor assigned or registered as a buffer is what reading it returns in PyTorch (``m.buf = t; m.buf is t``);
  nn's new buffer views made a view of their own even then (the registry held a fresh ndarray view of t's array).
- Reprs: PyTorch puts each suffix (dtype=, requires_grad=, grad_fn=, size=) on a line of its own when it would
  pass the line width (its _add_suffixes); nn appended them to the last line. With set_printoptions(edgeitems=0)
  PyTorch always says size=; with sci_mode=True a tensor with no finite non-zero value keeps '0.' (its _Formatter
  returns before reading sci_mode); nn printed '0.0000e+00'.
- ``norm(p=inf / -inf)`` over an empty tensor or an empty dim: PyTorch's RuntimeError "linalg.vector_norm cannot
  compute the -inf norm on an empty tensor because the operation does not have an identity"; nn's came from amin
  / amax in their words ("Expected reduction dim to be specified").
- ``gather`` / ``scatter*`` of a 0-d tensor with a 0-d index (PyTorch: the one element): nn raised IndexError
  "list assignment index out of range".
"""
import numpy as np
import pytest

import nn


class _Reflected:
    """An operand with every reflected operator, each answering its own name."""
    def __getattr__(self, name):
        raise AttributeError(name)


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or", "xor", "lshift", "rshift"):
    setattr(_Reflected, f"__r{_op}__", (lambda name: lambda self, other: name)(f"__r{_op}__"))


@pytest.mark.parametrize("op, reflected", [("+", "__radd__"), ("-", "__rsub__"), ("*", "__rmul__"),
                                           ("/", "__rtruediv__"), ("//", "__rfloordiv__"), ("%", "__rmod__"),
                                           ("**", "__rpow__"), ("&", "__rand__"), ("|", "__ror__"),
                                           ("^", "__rxor__"), ("<<", "__rlshift__"), (">>", "__rrshift__")])
def test_augmented_and_binary_operators_defer_to_a_reflected_operand(op, reflected):
    # PyTorch: x op= obj and x op obj both give obj's reflected answer; x keeps its values
    x = nn.tensor([1, 2])
    ns = {"x": x, "o": _Reflected()}
    exec(f"x {op}= o", ns)
    assert ns["x"] == reflected
    assert eval(f"x {op} o", {"x": x, "o": _Reflected()}) == reflected
    assert x.tolist() == [1, 2]


def test_augmented_assignment_keeps_working_in_place():
    x = nn.tensor([[5, -7], [3, 4]])
    row = x[0]
    row //= 2
    x[1] **= 2
    mask = nn.tensor([True, True])
    alias = mask
    mask &= nn.tensor([True, False])
    assert x.tolist() == [[2, -4], [9, 16]] and alias.tolist() == [True, False]


def test_augmented_assignment_that_would_grow_the_tensor_is_pytorchs_runtime_error():
    x = nn.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape \[2, 2\]"):
        x += nn.ones(2, 2)
    with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape \[3, 2\]"):
        x **= nn.ones(3, 1)
    assert x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("fn, kernel", [(nn.bitwise_and, "bitwise_and_cpu"), (nn.bitwise_or, "bitwise_or_cpu"),
                                        (nn.bitwise_xor, "bitwise_xor_cpu"), (nn.bitwise_left_shift, "lshift_cpu"),
                                        (nn.bitwise_right_shift, "rshift_cpu")])
def test_bitwise_ops_refuse_floating_and_complex_in_pytorchs_words(fn, kernel):
    for a, b, name in [(nn.tensor([1.0]), nn.tensor([1]), "Float"),
                       (nn.tensor([1]), nn.tensor([1.0], dtype=nn.float64), "Double"),
                       (nn.tensor([1]), 1.5, "Float"), (nn.tensor([1 + 0j]), nn.tensor([1]), "ComplexFloat")]:
        with pytest.raises(NotImplementedError, match=f'"{kernel}" not implemented for \'{name}\''):
            fn(a, b)
    assert fn(nn.tensor([6]), 3).tolist() == [{"bitwise_and_cpu": 2, "bitwise_or_cpu": 7, "bitwise_xor_cpu": 5,
                                               "lshift_cpu": 48, "rshift_cpu": 0}[kernel]]


def test_bitwise_augmented_assignment_on_a_float_tensor():
    x = nn.tensor([1.0])
    with pytest.raises(NotImplementedError, match='"bitwise_and_cpu" not implemented for \'Float\''):
        x &= 1
    assert (nn.tensor([True]) | nn.tensor([False])).tolist() == [True]


def test_a_tensor_assigned_or_registered_as_a_buffer_reads_back_as_itself():
    m = nn.Module()
    t = nn.arange(3.0)
    m.register_buffer("b", t)
    assert m.b is t and m.b is m.b
    u = nn.ones(2)
    m.b = u
    assert m.b is u and m.state_dict()["b"].tolist() == [1.0, 1.0]
    read = m.b
    m.b = read                                  # assigned back the view it read
    assert m.b is read
    u.data = nn.full((3,), 7.0)                 # its .data rebinds the buffer, as before
    assert m.b.tolist() == [7.0, 7.0, 7.0]
    other = nn.Module()
    other.register_buffer("c", m.b)             # another module's buffer keeps its own slot
    assert other.c.tolist() == [7.0, 7.0, 7.0] and m.b is u
    m.double()                                  # a new array: a new view
    assert m.b is not u and m.b.dtype == nn.float64


def test_repr_suffixes_wrap_as_pytorchs_add_suffixes():
    nn.set_printoptions(linewidth=40)
    try:
        # PyTorch: 'tensor([0., 1., 2., 3., 4., 5., 6., 7.],\n       requires_grad=True)'
        assert repr(nn.arange(8.0).requires_grad_()) == \
            "tensor([0., 1., 2., 3., 4., 5., 6., 7.],\n       requires_grad=True)"
        y = nn.arange(8.0, dtype=nn.float64) * nn.ones(1, dtype=nn.float64, requires_grad=True)
        assert repr(y) == "tensor([0., 1., 2., 3., 4., 5., 6., 7.],\n       dtype=nn.float64,\n" \
                          "       grad_fn=<MulBackward0>)"
        assert repr(nn.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])"
    finally:
        nn.set_printoptions(profile="default")


def test_repr_says_the_size_with_edgeitems_zero_and_keeps_zeros_whole_in_sci_mode():
    nn.set_printoptions(edgeitems=0)
    try:
        assert repr(nn.tensor(3.25)) == "tensor(3.2500, size=())"
        assert repr(nn.zeros(2, 0)) == "tensor([], size=(2, 0))"
        assert repr(nn.arange(2000.0)) == "tensor([...], size=(2000,))"
    finally:
        nn.set_printoptions(profile="default")
    nn.set_printoptions(sci_mode=True)
    try:
        assert repr(nn.tensor([0.0, -0.0])) == "tensor([0., -0.])"
        assert repr(nn.tensor([float("nan"), 0.0])) == "tensor([nan, 0.])"
        assert repr(nn.tensor([1.0, 2.0])) == "tensor([1.0000e+00, 2.0000e+00])"
    finally:
        nn.set_printoptions(profile="default")
        nn.set_printoptions(sci_mode=None)


def test_inf_norms_of_an_empty_tensor_are_pytorchs_refusal():
    for p in (float("inf"), float("-inf")):
        with pytest.raises(RuntimeError, match=f"cannot compute the {p} norm on an empty tensor because the "
                                               "operation does not have an identity"):
            nn.tensor([]).norm(p=p)
        with pytest.raises(RuntimeError, match=f"cannot compute the {p} norm on the dimension -1because this "
                                               "dimension is empty"):
            nn.zeros(2, 0).norm(p=p, dim=-1)
        with pytest.raises(RuntimeError, match=f"cannot compute the {p} norm on an empty tensor"):
            nn.linalg.vector_norm(nn.zeros(0), ord=p)
        with pytest.raises(RuntimeError, match=f"cannot compute the {p} norm on an empty tensor"):
            nn.zeros(2, 0).norm(p=p, dim=())
        assert nn.zeros(2, 0).norm(p=p, dim=0).shape == (0,)
    assert nn.tensor([1.0, -3.0, 0.5]).norm(p=float("-inf")).item() == 0.5


def test_gather_and_scatter_of_a_zero_dim_tensor():
    x = nn.tensor(5.0, requires_grad=True)
    y = nn.gather(x, 0, nn.tensor(0))
    assert y.shape == () and y.item() == 5.0
    (y * 3).backward()
    assert float(x.grad) == 3.0
    assert nn.tensor(0.0).scatter(0, nn.tensor(0), nn.tensor(5.0)).item() == 5.0
    assert nn.tensor(1.0).scatter_add(0, nn.tensor(0), nn.tensor(5.0)).item() == 6.0
    assert nn.tensor(1.0).scatter_reduce(0, nn.tensor(0), nn.tensor(5.0), "amax").item() == 5.0
    with pytest.raises(RuntimeError, match="index 1 is out of bounds for dimension 0 with size 1"):
        nn.gather(nn.tensor(5.0), 0, nn.tensor(1))


def test_beside_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        x = lib.tensor([1, 2])
        ns = {"x": x, "o": _Reflected()}
        exec("x |= o", ns)
        assert ns["x"] == "__ror__"
    torch.set_printoptions(linewidth=40)
    nn.set_printoptions(linewidth=40)
    try:
        assert repr(torch.arange(8.0).requires_grad_()) == repr(nn.arange(8.0).requires_grad_())
    finally:
        torch.set_printoptions(profile="default")
        nn.set_printoptions(profile="default")
