"""Review of round 37's .grad changes (f334548): a recorded gradient held as .grad (``p.grad = g`` with g requiring
grad, ``backward(create_graph=True)``, a retained gradient of a create_graph pass) is the tensor g itself in PyTorch,
so an in-place change of ``p.grad`` (zero_, mul_, +=, clamp_, index assignment, ``.data =``) is p's gradient. nn
kept p's gradient as g's array, and an in-place op recorded in a graph gives g a new array: p.grad fell back to the
old values (p.grad.zero_() left it unchanged; an optimizer step read the gradient before p.grad.mul_(2)). p's
gradient now follows g. ``zero_grad(set_to_none=False)`` detaches a recorded gradient first, as PyTorch's (its
graph reached the meta-parameters after zeroing), and Module.zero_grad reads .grad as PyTorch's does, so a non-leaf
tensor in a parameter's slot warns there too (as Module._apply now does).
"""
import warnings

import numpy as np
import pytest

import nn

NONLEAF = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed."


def _v(t):
    return np.asarray(t.detach() if isinstance(t, nn.Tensor) else t).tolist()


def _pq():
    return nn.tensor([1.0, 2.0], requires_grad=True), nn.tensor([5.0, 6.0], requires_grad=True)


# ---- an in-place change of a recorded .grad is the gradient (PyTorch 2.13's values in the comments) ---------------

def test_assigned_recorded_grad_zeroed_in_place():
    p, q = _pq()
    g = q * 1
    p.grad = g
    p.grad.zero_()                                  # PyTorch: p.grad is g, tensor([0., 0.])
    assert p.grad is g and _v(p.grad) == [0.0, 0.0]


def test_assigned_recorded_grad_changed_in_place_reaches_step_and_backward():
    p, q = _pq()
    p.grad = q * 1
    p.grad.mul_(2)
    nn.optim.SGD([p], lr=1.0).step()                # PyTorch: p = [1 - 10, 2 - 12]
    assert _v(p) == [-9.0, -10.0]
    p, q = _pq()
    p.grad = q * 1
    p.grad.mul_(2)
    p.grad.sum().backward()                         # the recorded doubling reaches q: [2., 2.]
    assert _v(q.grad) == [2.0, 2.0]
    p, q = _pq()
    p.grad = q * 1
    p.grad.mul_(2)
    (p * 1).sum().backward()                        # accumulated into the doubled gradient: [11., 13.]
    assert _v(p.grad) == [11.0, 13.0]


@pytest.mark.parametrize("change, expected", [
    (lambda g: g.clamp_(max=5.5), [5.0, 5.5]),
    (lambda g: g.__setitem__(0, 0.0), [0.0, 6.0]),
    (lambda g: setattr(g, "data", nn.tensor([7.0, 8.0])), [7.0, 8.0]),
])
def test_assigned_recorded_grad_other_changes(change, expected):
    p, q = _pq()
    p.grad = q * 1
    change(p.grad)
    assert _v(p.grad) == expected


def test_assigned_recorded_grad_augmented_assignment():
    p, q = _pq()
    p.grad = q * 1
    g = p.grad
    g += 1                                          # PyTorch: p.grad is g, [6., 7.]
    assert p.grad is g and _v(p.grad) == [6.0, 7.0]


def test_create_graph_grad_changed_in_place():
    p, q = _pq()
    (p ** 3).sum().backward(create_graph=True)      # p.grad = 3 p^2 = [3., 12.], recorded
    p.grad.zero_()
    assert _v(p.grad) == [0.0, 0.0]
    p, q = _pq()
    (p ** 3).sum().backward(create_graph=True)
    p.grad.add_(q)
    nn.optim.SGD([p], lr=1.0).step()                # PyTorch: p = [1 - 8, 2 - 18]
    assert _v(p) == [-7.0, -16.0]
    p, q = _pq()
    (p ** 3).sum().backward(create_graph=True)
    p.grad.data = nn.tensor([7.0, 8.0])
    assert _v(p.grad) == [7.0, 8.0]


def test_retained_recorded_grad_zeroed_in_place():
    p, _ = _pq()
    y = p * 2
    y.retain_grad()
    (y ** 2).sum().backward(create_graph=True)      # y.grad = 2 y = [4., 8.], recorded
    y.grad.zero_()
    assert _v(y.grad) == [0.0, 0.0]


# ---- zero_grad(set_to_none=False) detaches a recorded gradient, as PyTorch's ----------------------------------------

@pytest.mark.parametrize("how", ["module", "optimizer"])
def test_zero_grad_keeping_tensors_detaches_a_recorded_grad(how):
    lr = nn.tensor([0.5, 0.5], requires_grad=True)
    m = nn.Module()
    m.p = nn.Parameter(nn.tensor([1.0, 2.0]))
    m.p.grad = lr * 3
    if how == "module":
        m.zero_grad(set_to_none=False)
    else:
        nn.optim.SGD(m.parameters(), lr=0.1).zero_grad(set_to_none=False)
    # PyTorch: tensor([0., 0.]), requires_grad False; then nothing reaches lr through it
    assert _v(m.p.grad) == [0.0, 0.0] and not getattr(m.p.grad, "requires_grad", False)
    (m.p * 2).sum().backward()
    (m.p - m.p.grad).sum().backward()
    assert lr.grad is None


# ---- Module.zero_grad reads .grad as PyTorch's ---------------------------------------------------------------------

@pytest.mark.parametrize("set_to_none", [True, False])
def test_module_zero_grad_with_updated_tensors_warns(set_to_none):
    # PyTorch 2.13's zero_grad reads p.grad of every parameter: one warning per non-leaf tensor in a parameter slot
    # that holds no gradient (learn2learn's clones), none for leaves
    lin = nn.Linear(2, 2)
    lin._parameters["weight"] = lin.weight * 1.0
    lin._parameters["bias"] = lin.bias * 1.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lin.zero_grad(set_to_none=set_to_none)
    assert [str(w.message)[:len(NONLEAF)] for w in caught] == [NONLEAF, NONLEAF]
    assert all(w.category is UserWarning and w.filename == __file__ for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.Linear(2, 2).zero_grad(set_to_none=set_to_none)


def test_module_zero_grad_warnings_match_torch():
    torch = pytest.importorskip("torch")
    counts = []
    for lib in (torch, nn):
        lin = lib.nn.Linear(2, 2)
        lin._parameters["weight"] = lin.weight * 1.0
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lin.zero_grad()
            lin.zero_grad(set_to_none=False)
        counts.append(sum(str(w.message).startswith(NONLEAF) for w in caught))
    assert counts[0] == counts[1] == 2
