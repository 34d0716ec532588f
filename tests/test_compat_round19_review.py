"""Review of compatibility round 19: regression tests for the defects the review fixed (pass without PyTorch)."""
import warnings

import numpy as np
import pytest

import nn


# ---- the other pointwise functions with an infinite value or derivative at the edge of their domain: silent, as
# PyTorch's (round 19 made sqrt / log / rsqrt / reciprocal so; log2, log10, asin, acos, acosh and atanh still warned)

@pytest.mark.parametrize("name, x, value, grad", [
    ("log2", [0.0, 1.0, -2.0], [-np.inf, 0.0, np.nan], [np.inf, 1 / np.log(2.0), -0.5 / np.log(2.0)]),
    ("log10", [0.0, 1.0, -2.0], [-np.inf, 0.0, np.nan], [np.inf, 1 / np.log(10.0), -0.5 / np.log(10.0)]),
    ("atanh", [0.0, 1.0, -2.0], [0.0, np.inf, np.nan], [1.0, np.inf, -1 / 3]),
    ("asin", [1.0, -1.0, 2.0], [np.pi / 2, -np.pi / 2, np.nan], [np.inf, np.inf, np.nan]),
    ("acos", [1.0, -1.0, 2.0], [0.0, np.pi, np.nan], [-np.inf, -np.inf, np.nan]),
    ("acosh", [1.0, -1.0, 2.0], [0.0, np.nan, np.arccosh(2.0)], [np.inf, np.inf, 1 / np.sqrt(3.0)]),
])
def test_domain_edges_are_silent_forward_and_backward(name, x, value, grad):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = nn.tensor(np.array(x), requires_grad=True)
        y = getattr(nn, name)(t)
        y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), value, rtol=1e-15)
    np.testing.assert_allclose(t.grad.numpy(), grad, rtol=1e-15)


# ---- a non-leaf pickles as a leaf without its graph: its tensor hooks (part of that graph) are left out too, as
# PyTorch's (a lambda hook made the pickle fail; a named one came back on the new leaf)

def _triple(g):
    return g * 3


def test_pickled_non_leaf_leaves_its_hooks_out():
    import pickle
    a = nn.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    b.register_hook(lambda g: g * 3)
    c = pickle.loads(pickle.dumps(b))
    assert c.is_leaf and c.requires_grad and c.grad_fn is None
    b2 = a * 2
    b2.register_hook(_triple)
    d = pickle.loads(pickle.dumps(b2))
    d.sum().backward()
    np.testing.assert_array_equal(d.grad.numpy(), [1.0, 1.0])     # no hook on the new leaf
    b2.sum().backward()                                             # the original keeps its hook
    np.testing.assert_array_equal(a.grad.numpy(), [6.0, 6.0])


# ---- max_pool3d: a window whose real values are all -inf takes its first real element, not the depth padding (as
# PyTorch's scan, which starts at the first element inside the input): the index was negative and the gradient lost

def test_max_pool3d_all_minus_inf_window_points_inside_the_input():
    import nn.functional as F
    x = nn.tensor(np.full((1, 1, 3, 3, 3), -np.inf), requires_grad=True)
    y, i = F.max_pool3d(x, 2, 2, 1, return_indices=True)
    # windows start at depth -1 (padding) and 1; rows and columns likewise: the first real element of each
    np.testing.assert_array_equal(i.numpy().ravel(), [0, 1, 3, 4, 9, 10, 12, 13])
    F.max_pool3d(x, 2, 2, 1).sum().backward()
    assert x.grad.numpy().sum() == 8.0              # every window's gradient reaches the input
    np.testing.assert_array_equal(np.flatnonzero(x.grad.numpy()), [0, 1, 3, 4, 9, 10, 12, 13])
    # ceil_mode's extra window at the back, and a depth dilation
    z = nn.tensor(np.full((1, 1, 4, 2, 2), -np.inf))
    _, j = F.max_pool3d(z, (3, 1, 1), (2, 1, 1), (1, 0, 0), ceil_mode=True, return_indices=True)
    np.testing.assert_array_equal(j.numpy()[0, 0, :, 0, 0], [0, 4, 12])
    _, j = F.max_pool3d(z, (2, 1, 1), (1, 1, 1), (1, 0, 0), (2, 1, 1), return_indices=True)
    np.testing.assert_array_equal(j.numpy()[0, 0, :, 0, 0], [4, 0, 4, 8])


def test_max_pool3d_all_minus_inf_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.full((2, 1, 4, 3, 5), -np.inf)
    x[1, 0, 2, 1, 1] = 0.0
    for args in [(2, 2, 1, 1, False), (3, 2, 1, 1, True), ((2, 1, 1), 1, (1, 0, 0), (2, 1, 1), False)]:
        a, b = nn.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (ya, ia), (yb, ib) = (nn.functional.max_pool3d(a, *args, return_indices=True),
                              torch.nn.functional.max_pool3d(b, *args, return_indices=True))
        np.testing.assert_array_equal(ia.numpy(), ib.numpy())
        ya.sum().backward()
        yb.sum().backward()
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_pickled_leaf_leaves_its_grad_out():
    """As PyTorch's (copy.copy goes through the same pickling form): the values and requires_grad, no .grad."""
    import copy
    import pickle
    a = nn.ones(2, requires_grad=True)
    a.sum().backward()
    for b in (pickle.loads(pickle.dumps(a)), copy.copy(a)):
        assert b.grad is None and b.requires_grad and b.tolist() == [1.0, 1.0]
    p = nn.Parameter(nn.ones(2))
    p.sum().backward()
    q = pickle.loads(pickle.dumps(p))
    assert isinstance(q, nn.Parameter) and q.grad is None and q.requires_grad
