"""Physics-informed learning from the package registry: pina-mathlab 0.3.2.post2610 (installed with --no-deps, with
lightning 2.6.6 --no-deps; torch_geometric a name-only stand-in on both sides, so the graph models were not run),
ported by the porting rule with lightning and the installed torchmetrics 1.9.0 (every .py file; renamed pinap /
lightningp / torchmetricsp in their import lines) and run against the original on PyTorch 2.13 in float64 with
PyTorch's weights and the same NumPy draws: LabelTensor (extract, append, vstack, cat, indexing, labels through ops),
pina.domain (CartesianDomain in every mode, EllipsoidDomain, Union / Intersection / Difference / Exclusion),
pina.operator (grad / div / laplacian / advection) and pina.model (FeedForward, ResidualFeedForward, DeepONet, MIONet,
the averaging and low-rank neural operators, KAN, the embeddings and blocks).

The failures these tests pin down, each in a few lines (pina is not imported here):

- pina's LabelTensor subclasses Tensor with ``__new__`` calling ``super().__new__(cls, x)`` and an ``__init__`` calling
  ``super().__init__()``. PyTorch's Tensor.__init__ changes nothing; nn's no-argument Tensor.__init__ refilled the
  instance with an empty float tensor, so every LabelTensor was shape (0,) ("Number of dof (3) does not match tensor
  shape (0)").
- ``Tensor.__new__(cls, t)`` with a tensor t is PyTorch's alias of t, still in t's graph (grad_fn AliasBackward0);
  nn made a leaf on t's values, so LabelTensor(network output) had no graph and pina.operator's autograd.grad raised
  "element 0 of tensors does not require grad". ``as_subclass``'s node is named AliasBackward0 too, as PyTorch's.
- A Tensor subclass prints as ``LabelTensor([[...]])`` with its continuation lines indented to match (PyTorch's
  _str_intern names every subclass but Parameter by its class); nn printed ``tensor(``.
- ``copy.deepcopy`` of a view copied the tensor it was a view of along with it (nn's record of the view): pina's
  LabelTensor.__deepcopy__ deep-copies ``self.as_subclass(Tensor)``, a view of itself, and recursed without end
  (RecursionError). PyTorch's copy of a view is a tensor of its own (``_is_view()`` False, ``_base`` None).
- ``Tensor.name`` is PyTorch's read-only attribute, always None (LabelTensor.summation reads ``tensors[0].name``,
  which pina.operator's div calls); nn had none (AttributeError).
"""
import numpy as np
import pytest

import nn


class Labelled(nn.Tensor):
    """pina's LabelTensor pattern, cut down: __new__ makes the instance from x, __init__ adds the labels."""

    @staticmethod
    def __new__(cls, x, labels, *args, **kwargs):
        if isinstance(x, Labelled):
            return x
        return super().__new__(cls, x, *args, **kwargs)

    def __init__(self, x, labels):
        super().__init__()
        self.labels = list(labels)


# ---- super().__init__() after super().__new__(cls, x) keeps the data --------------------------------------------------

def test_subclass_init_without_arguments_keeps_the_data_made_in_new():
    x = nn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=nn.float64)
    t = Labelled(x, ["x", "y", "t"])
    assert type(t) is Labelled and t.labels == ["x", "y", "t"]
    assert tuple(t.shape) == (2, 3) and t.dtype == nn.float64
    np.testing.assert_array_equal(t.numpy(), x.numpy())
    i = Labelled(nn.tensor([1, 2]), ["a", "b"])          # an integer tensor keeps its dtype
    assert i.dtype == nn.int64 and i.tolist() == [1, 2]
    # plain Tensor() is still the empty float tensor
    assert tuple(nn.Tensor().shape) == (0,)


# ---- Tensor.__new__(cls, t): an alias in t's graph ---------------------------------------------------------------------

def test_subclass_made_from_a_tensor_is_an_alias_in_its_graph():
    x = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    y = x * 2
    t = Labelled(y, ["a", "b"])
    assert t.requires_grad and not t.is_leaf
    assert t.grad_fn.name() == "AliasBackward0"
    y.data[0] = 7.0                                       # the values are shared, not copied
    assert t[0].item() == 7.0
    (t * nn.tensor([3.0, 5.0], dtype=nn.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 10.0])
    # from a leaf: an alias of it as well, which backward reaches
    x.grad = None
    s = Labelled(x, ["a", "b"])
    assert s is not x and s.grad_fn.name() == "AliasBackward0"
    s.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    # no graph: shares the values, requires no grad
    c = Labelled(nn.ones(2), ["a", "b"])
    assert not c.requires_grad and c.is_leaf


def test_as_subclass_node_is_named_alias_backward():
    x = nn.ones(2, requires_grad=True)
    assert x.as_subclass(Labelled).grad_fn.name() == "AliasBackward0"


def test_pina_operator_laplacian_through_the_subclass():
    # pina.operator.laplacian: u = LabelTensor(net(x)), du/dx by autograd.grad(create_graph=True), then again;
    # u = x0^2 sin(x1): laplacian = 2 sin(x1) - x0^2 sin(x1)
    X = np.array([[0.3, 0.7], [1.2, -0.4], [-0.5, 2.0]])
    x = nn.tensor(X, requires_grad=True)
    u = Labelled(x[:, :1] ** 2 * nn.sin(x[:, 1:]), ["u"])
    g = nn.autograd.grad(u, x, grad_outputs=nn.ones_like(u), create_graph=True)[0]
    g = Labelled(g, ["dudx", "dudy"])
    lap = sum(nn.autograd.grad(g[:, i:i + 1], x, grad_outputs=nn.ones_like(u), retain_graph=True)[0][:, i]
              for i in range(2))
    expected = 2 * np.sin(X[:, 1]) - X[:, 0] ** 2 * np.sin(X[:, 1])
    np.testing.assert_allclose(lap.detach().numpy(), expected, rtol=1e-14)
    np.testing.assert_allclose(g.detach().numpy(), np.stack([2 * X[:, 0] * np.sin(X[:, 1]),
                                                             X[:, 0] ** 2 * np.cos(X[:, 1])], 1), rtol=1e-14)


def test_subclass_alias_matches_pytorch():
    torch = pytest.importorskip("torch")

    class Labelled(torch.Tensor):        # (the same name: the repr's indent follows it)
        @staticmethod
        def __new__(cls, x, labels):
            return super().__new__(cls, x)

        def __init__(self, x, labels):
            super().__init__()

    X = np.array([[0.3, 0.7], [1.2, -0.4]])
    xt = torch.tensor(X, requires_grad=True)
    xn = nn.tensor(X, requires_grad=True)
    ut, un = Labelled(xt.sin() * 3, ["u", "v"]), globals()["Labelled"](xn.sin() * 3, ["u", "v"])
    assert un.grad_fn.name() == ut.grad_fn.name()
    gt = torch.autograd.grad(ut.sum(), xt)[0]
    gn = nn.autograd.grad(un.sum(), xn)[0]
    np.testing.assert_allclose(gn.numpy(), gt.numpy(), rtol=1e-15)
    assert repr(un.detach()) == repr(ut.detach()).replace("torch.", "nn.")


# ---- the repr of a Tensor subclass ---------------------------------------------------------------------------------------

def test_subclass_repr_names_the_class():
    t = Labelled(nn.tensor([[0.5, 1.0], [2.0, 3.0]]), ["a", "b"])
    assert repr(t) == "Labelled([[0.5000, 1.0000],\n          [2.0000, 3.0000]])"
    x = nn.ones(2, requires_grad=True)
    assert repr(x.as_subclass(Labelled)) == "Labelled([1., 1.], grad_fn=<AliasBackward0>)"
    # Parameter and Buffer print as plain tensors, as PyTorch's
    assert repr(nn.Parameter(nn.ones(2))) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    assert repr(nn.Buffer(nn.ones(2))) == "tensor([1., 1.])"
    assert repr(nn.ones(2)) == "tensor([1., 1.])"


# ---- copy.deepcopy of a view -----------------------------------------------------------------------------------------

class Copied(Labelled):
    """LabelTensor.__deepcopy__: a new instance from a deep copy of the plain-Tensor view of itself."""

    def __deepcopy__(self, memo):
        import copy
        return type(self)(copy.deepcopy(self.as_subclass(nn.Tensor)), copy.deepcopy(self.labels))


def test_deepcopy_of_a_subclass_through_its_plain_view():
    import copy
    t = Copied(nn.tensor([[1.0, 2.0]], dtype=nn.float64), ["x", "y"])
    c = copy.deepcopy(t)
    assert type(c) is Copied and c.labels == ["x", "y"] and c is not t
    c.data[0, 0] = 5.0                                    # a copy: the original is untouched
    assert t[0, 0].item() == 1.0 and c[0, 0].item() == 5.0


def test_deepcopy_of_a_view_is_not_a_view():
    import copy
    w = nn.ones(3, 3)
    c = copy.deepcopy(w[0])
    assert not c._is_view() and c._base is None
    c.add_(1)
    assert w.sum().item() == 9.0 and c.tolist() == [2.0, 2.0, 2.0]


# ---- Tensor.name -----------------------------------------------------------------------------------------------------

def test_tensor_name_is_none_and_read_only():
    t = nn.ones(2)
    assert t.name is None and Labelled(t, ["a", "b"]).name is None
    with pytest.raises(AttributeError):
        t.name = "x"
