"""copy.deepcopy of a Tensor, as PyTorch's: a leaf is copied with its values, requires_grad, Python attributes and
a copy of its .grad, without its hooks; a recorded result (a non-leaf) is refused, since copying it would copy
its graph (PyTorch 2.13's error, with nn's advice after it)."""
import copy

import numpy as np
import pytest

import nn


def test_leaf_is_copied_with_its_grad_and_without_its_hooks():
    a = nn.tensor([1.0, 2.0], requires_grad=True)
    a.note = "kept"
    calls = []
    a.register_hook(lambda g: calls.append(1))
    (a * 3).sum().backward()
    assert calls == [1]
    b = copy.deepcopy(a)
    assert b is not a and b.requires_grad and b.is_leaf and b.note == "kept"
    assert b.grad.tolist() == [3.0, 3.0]
    b.grad.zero_()                                   # a copy of the gradient, not the same array
    assert a.grad.tolist() == [3.0, 3.0]
    (b * 2).sum().backward()                         # the hook stayed with a
    assert calls == [1] and b.grad.tolist() == [2.0, 2.0]


def test_a_recorded_result_is_refused_and_its_detached_copy_is_not():
    a = nn.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    with pytest.raises(RuntimeError, match=r"^Only Tensors created explicitly by the user \(graph leaves\) support "
                                           r"the deepcopy protocol"):
        copy.deepcopy(y)
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy({"loss": a[0]})                # a view is recorded too
    assert copy.deepcopy(y.detach()).tolist() == [2.0, 4.0]
    with nn.no_grad():
        z = a * 2
    assert copy.deepcopy(z).is_leaf
    model = nn.Linear(2, 2)
    model(nn.ones(1, 2)).sum().backward()
    twin = copy.deepcopy(model)                      # parameters are leaves: modules copy as before, and as
    np.testing.assert_array_equal(twin.weight.detach(), model.weight.detach())  # PyTorch's Parameter.__deepcopy__
    assert twin.weight.grad is None and model.weight.grad is not None             # does, without the .grad


def test_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        (a * 3).sum().backward()
        assert copy.deepcopy(a).grad.tolist() == [3.0, 3.0]
        with pytest.raises(RuntimeError, match="graph leaves"):
            copy.deepcopy(a * 2)
