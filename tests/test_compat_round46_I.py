"""Two things at the Tensor's core, checked against PyTorch 2.13 directly (round 46, area I): an nn Tensor mixed with
a PyTorch tensor in one call, and the views ``Tensor.view`` takes.

What was run: in one process with PyTorch 2.13 (CPU), ``torch.ones(2) == nn.ones(2)``, ``torch.add`` / ``torch.relu``
/ ``torch.nn.functional.relu`` / ``torch.Tensor.add`` of an nn Tensor (and of an nn Parameter), the binary operators
both ways round, and ``nn.add`` of a PyTorch tensor; then a grid of ``view`` and ``view_as`` against PyTorch: 11
base shapes (with size-1 and size-0 dims and a 0-d tensor) under every permutation of their dims, 10 slicings of a
(4, 6, 4) tensor with steps, offsets, an integer index and an empty range (each also transposed), expanded (stride
0) tensors and a strided transposed slice, each viewed to every factorisation of its numel into at most 4 sizes,
to -1 and to a leading 1: 7980 cases. The same tensors have the same strides on both sides (the sizes > 1 of
non-empty tensors), every case PyTorch views gives the same values, and writing one element through each such view
changes the same element of its base on both sides. Values are exact (no arithmetic);
there is no float32 / float64 difference to measure.

Still different (not fixed): ``Tensor.view`` never refuses; where PyTorch raises "view size is not compatible with
input tensor's size and stride" nn gives reshape's copy. nn's tensors are NumPy arrays, and the layout a non-view op
returns follows NumPy where PyTorch's kernel returns a contiguous tensor (softmax, layer_norm, cumsum, topk,
masked_fill of a transposed tensor, a sum over a permuted one, conv3d, a gradient through a transpose), so a refusal
decided by nn's strides would refuse views PyTorch takes (``p.grad.view(-1)``). The strides
reported for size-1 dims and for empty tensors differ from PyTorch's (they never decide a view). Mixing the two
libraries in one call is PyTorch's TypeError or, for an operator, Python's reflected operator: ``torch_t + nn_t``
is nn's answer (an nn Tensor, nn reads the PyTorch tensor as an array), ``nn_t + torch_t`` Python's TypeError.

The failures of nn these tests pin down (the package is not imported here):

- An nn Tensor in a PyTorch call recursed without end: PyTorch's dispatcher asks the nn Tensor's
  ``__torch_function__`` (nn.Tensor is a foreign type to PyTorch), whose default ran ``func`` again with nn's own
  switch off, which PyTorch does not see, so PyTorch asked again (``torch.ones(2) == nn.ones(2)``,
  ``torch.add(torch_t, nn_t)``: RecursionError). Tensor's default ``__torch_function__`` and
  ``_disabled_torch_function_impl`` now decline PyTorch's own functions with NotImplemented, as PyTorch's
  documentation tells a foreign type to do, and PyTorch raises its TypeError ("Multiple dispatch failed for
  'torch.add'; all __torch_function__ handlers returned NotImplemented"), or, for ``==``, Python's fallback gives
  False.
- ``nn._C._disabled_torch_function_impl`` was a Python function, so read from a Parameter (``p.__torch_function__``)
  it was a method bound to the Parameter, where PyTorch's (a C function) is itself: PyTorch's dispatcher passed the
  Parameter as ``func`` ("argument after ** must be a mapping, not tuple").
"""
import sys
import types

import numpy as np
import pytest

import nn

VIEW_WORDS = ("view size is not compatible with input tensor's size and stride (at least one dimension spans across "
              "two contiguous subspaces). Use .reshape(...) instead.")


# ---------------------------------------------------------------------------------------------------------------
# An nn Tensor asked by PyTorch's dispatcher about PyTorch's own functions

@pytest.fixture
def pytorch_loaded(monkeypatch):
    """A module named torch in sys.modules (PyTorch itself where installed): nn tells PyTorch's functions apart only
    once PyTorch is imported."""
    if "torch" not in sys.modules:
        monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))


def _pytorch_functions():
    """Stand-ins with the marks of PyTorch 2.13's functions as its dispatcher passes them: ``torch.add`` (a builtin of
    module 'torch'), ``torch.nn.functional.relu`` (module 'torch.nn.functional'), the method ``torch.Tensor.eq``
    (a method descriptor whose __objclass__ is torch._C.TensorBase)."""
    calls = []

    def add(*args, **kwargs):
        calls.append("add")
        return "ran"
    add.__module__ = "torch"

    def relu(*args, **kwargs):
        calls.append("relu")
        return "ran"
    relu.__module__ = "torch.nn.functional"

    TensorBase = type("TensorBase", (), {"__module__": "torch._C"})

    class MethodDescriptor:
        __objclass__ = TensorBase

        def __call__(self, *args, **kwargs):
            calls.append("eq")
            return "ran"
    return [add, relu, MethodDescriptor()], calls


@pytest.mark.parametrize("which", ["tensor", "parameter", "subclass"])
def test_pytorchs_own_functions_are_declined_as_pytorch_tells_a_foreign_type(pytorch_loaded, which):
    # torch.ones(2) == nn.ones(2) in PyTorch 2.13 asks nn.Tensor.__torch_function__(torch.Tensor.eq, (nn.Tensor,),
    # (torch_t, nn_t)); calling func back asks again without end, so the answer must be NotImplemented
    class Sub(nn.Tensor):
        pass
    x = {"tensor": nn.ones(2), "parameter": nn.Parameter(nn.ones(2)), "subclass": nn.ones(2).as_subclass(Sub)}[which]
    funcs, calls = _pytorch_functions()
    for func in funcs:
        assert x.__torch_function__(func, (type(x),), (x,), {}) is NotImplemented
    assert calls == []

    # nn's own functions, and a user's handed over by handle_torch_function, still run through the defaults
    def users(t):
        return t * 3
    out = x.__torch_function__(nn.add, (type(x),), (x, x), {})
    assert out.tolist() == [2.0, 2.0] and x.__torch_function__(users, (type(x),), (x,), {}).tolist() == [3.0, 3.0]
    assert type(out) is {"tensor": nn.Tensor, "parameter": nn.Tensor, "subclass": Sub}[which]


def test_disabled_torch_function_impl_is_itself_on_a_parameter():
    # PyTorch 2.13: torch.nn.Parameter(torch.ones(2)).__torch_function__ is torch._C._disabled_torch_function_impl
    p = nn.Parameter(nn.ones(2))
    assert p.__torch_function__ is nn._C._disabled_torch_function_impl
    assert nn.Parameter.__torch_function__ is nn._C._disabled_torch_function_impl
    assert nn._C._disabled_torch_function_impl.__name__ == "_disabled_torch_function_impl"


def test_mixing_with_pytorch_tensors_raises_pytorchs_typeerror_not_recursion():
    torch = pytest.importorskip("torch")
    t, n, p = torch.ones(2), nn.ones(2), nn.Parameter(nn.ones(2))
    assert (t == n) is False and (n == t) is False          # both decline; Python's identity fallback
    for call, name in [(lambda: torch.add(t, n), "torch.add"), (lambda: torch.add(n, n), "torch.add"),
                       (lambda: torch.relu(n), "torch.relu"), (lambda: t.add(n), "torch.Tensor.add"),
                       (lambda: torch.add(p, 1), "torch.add")]:
        with pytest.raises(TypeError, match=f"Multiple dispatch failed for '{name}'; all __torch_function__ "
                                            f"handlers returned NotImplemented"):
            call()
    with pytest.raises(TypeError, match="no implementation found for 'torch.nn.functional.relu' on types that "
                                        "implement __torch_function__"):
        torch.nn.functional.relu(n)
    assert (t + n).tolist() == [2.0, 2.0]                  # PyTorch declines, nn's reflected + answers


# ---------------------------------------------------------------------------------------------------------------
# Tensor.view: PyTorch's rule of which sizes a strided tensor can be viewed to

def _base(shape):
    return nn.arange(float(np.prod(shape))).reshape(shape)


# (tensor, sizes) that PyTorch 2.13 views
VIEWS = [
    (lambda: _base((4, 6)).t(), (3, 2, 4)),           # splitting the stride-1 dim only
    (lambda: _base((4, 6)).t(), (6, 2, 2)),
    (lambda: _base((2, 3, 4)).permute(1, 0, 2), (3, 2, 2, 2)),
    (lambda: _base((2, 3, 4)).permute(2, 0, 1), (4, 6)),
    (lambda: _base((4, 6))[:, ::2], (12,)),        # strides (6, 2): 6 = 2 * 3
    (lambda: _base((4, 6))[:, ::2], (2, 2, 3)),
    (lambda: _base((4, 1, 6)).transpose(0, 1), (24,)),  # a size-1 dim moved: still contiguous
    (lambda: _base((4,)).view(1, 4).expand(3, 4), (3, 2, 2)),
    (lambda: _base((3,)).view(3, 1).expand(3, 4), (3, 4, 1)),
    (lambda: _base((0, 3)).t(), (9, 0)),              # empty: any sizes of 0 elements
    (lambda: _base((4, 6)).t()[:, :0], (-1,)),
]


def test_the_views_pytorch_takes_share_memory_and_autograd_follows_them():
    for make, sizes in VIEWS:
        x = make()
        v, w = x.view(*sizes), x.view_as(nn.empty(x.reshape(sizes).shape))
        assert v.tolist() == w.tolist() == x.reshape(sizes).tolist()
        if v.numel() and x.stride().count(0) == 0:          # (an expanded tensor's elements share memory)
            v[(-1,) * v.ndim] = -5.0
            assert x[(-1,) * x.ndim].item() == -5.0 and w[(-1,) * w.ndim].item() == -5.0
    leaf = nn.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    y = leaf.permute(0, 2, 1).contiguous()                  # (clone would keep the permuted layout in PyTorch)
    w = y.view(8, 3)
    w.mul_(nn.arange(1.0, 4.0))                             # in place through the view: y's graph sees it
    (y * y).sum().backward()
    expected = 2 * np.arange(24.0).reshape(2, 3, 4) * np.arange(1.0, 4.0)[None, :, None] ** 2
    assert np.array_equal(leaf.grad.numpy(), expected)


def test_view_grid_against_pytorch():
    torch = pytest.importorskip("torch")
    import itertools
    cases = 0
    for shape in [(2, 3, 4), (2, 1, 3, 2), (4, 6)]:
        a = np.arange(float(np.prod(shape))).reshape(shape)
        for perm in itertools.permutations(range(len(shape))):
            t, n = torch.tensor(a).permute(perm), nn.tensor(a).permute(perm)
            for sizes in [(-1,), (t.shape[0], -1), (-1, t.shape[-1]), (2, -1, 2), (1, -1, 3)]:
                cases += 1
                try:
                    expected = t.view(sizes).numpy()
                except RuntimeError as error:     # (nn gives reshape's copy: see the module's docstring)
                    assert str(error) == VIEW_WORDS
                    expected = t.reshape(sizes).numpy()
                assert np.array_equal(n.view(sizes).numpy(), expected)
    assert cases == 5 * (6 + 24 + 2)
