"""Meta-learning from the package registry: learn2learn 0.2.0 (its sdist; the pure-Python parts: algorithms,
utils, optim, nn, vision.models; the Cython data modules, datasets, gym, text and the Lightning classes left out),
ported by the porting rule (learn2learnp) and run against the original on PyTorch 2.13 in float64 with PyTorch's
weights and the same draws (dropout masks and DropBlock's Bernoulli samples handed over): MAML (first and second
order, allow_nograd / allow_unused) on MLPs, OmniglotFC, OmniglotCNN, CNN4, MiniImagenetCNN, ResNet12, a
WideResNet and recurrent layers, MetaSGD, GBML with ModuleTransform / KroneckerTransform / MetaCurvatureTransform /
TransformDictionary, LearnableOptimizer, the Kronecker layers, PrototypicalClassifier, MetaModule /
ParameterTransform and the utils (clone_module, update_module, detach_module, clone_parameters, magic_box,
clone_distribution): adapted parameters, query losses, second-order meta-gradients and weights after outer Adam
steps.

The failures these tests pin down, in a few lines (the package is not imported here):

- MetaSGD's second-order meta-gradients were wrong (0.34 relative): ``meta_sgd_update`` stores the gradient of
  ``autograd.grad(..., create_graph=True)`` as ``p.grad = g`` and builds ``p - p._lr * p.grad``; PyTorch's
  ``.grad`` hands back that recorded tensor, graph and all, while nn kept only its array, so the outer loss saw
  the inner gradient as a constant.
- Reading ``.grad`` of a non-leaf tensor that holds none gave no warning; PyTorch warns (UserWarning "The .grad
  attribute of a Tensor that is not a leaf Tensor is being accessed. ..."), also from ``Module._apply`` when a
  module holds updated (non-leaf) tensors in its parameters' slots, as MAML's clones of an LSTM do.
"""
import warnings

import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


NONLEAF_GRAD = ("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
                "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
                "for more information.")


# ---- .grad = a recorded gradient keeps its graph (MetaSGD) -------------------------------------------------------

def test_grad_assigned_a_recorded_tensor_is_handed_back_with_its_graph():
    # PyTorch 2.13: w = [1, 2]; g = d sum(w^3)/dw = 3 w^2 (create_graph); c = w.clone(); c.grad = g -> c.grad is g,
    # and d sum(c - 0.1 c.grad)/dw = 1 - 0.1 * 6 w = [0.4, -0.2]
    w = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    (g,) = nn.autograd.grad((w ** 3).sum(), [w], create_graph=True)
    c = w.clone()
    c.grad = g
    assert c.grad is g and c.grad.requires_grad
    (d,) = nn.autograd.grad((c - 0.1 * c.grad).sum(), [w])
    np.testing.assert_allclose(_f(d), [0.4, -0.2], rtol=1e-15)
    # a new value replaces it: an array, or a tensor that does not require grad, is plain data again
    c.grad = np.zeros(2)
    assert c.grad is not g and not isinstance(c.grad, nn.Tensor)
    c.grad = g.detach()
    assert not isinstance(c.grad, nn.Tensor)
    np.testing.assert_array_equal(c.grad, [3.0, 12.0])


def _meta_sgd_update(model, lrs, grads):
    # learn2learn.algorithms.meta_sgd.meta_sgd_update, as it is
    for p, lr, g in zip(model.parameters(), lrs, grads):
        p.grad = g
        p._lr = lr
    for key in model._parameters:
        p = model._parameters[key]
        if p is not None and p.grad is not None:
            model._parameters[key] = p - p._lr * p.grad
            p.grad = None
            p._lr = None
    return model


def test_meta_sgd_update_second_order_gradients():
    # w = 2, support loss (w x)^2 at x = 1 -> g = 2w = 4; w' = w - lr g = 1.6 (lr = 0.1); query loss w'^2 = 2.56:
    # d/dlr = 2 w' (-g) = -12.8, d/dw = 2 w' (1 - 2 lr) = 2.56 (3.2 with the inner gradient taken as a constant)
    lin = nn.Linear(1, 1, bias=False).double()
    lin.weight.data.fill_(2.0)
    lr = nn.Parameter(nn.tensor([[0.1]], dtype=nn.float64))
    clone = nn.Linear(1, 1, bias=False).double()
    clone._parameters["weight"] = lin.weight.clone()                  # learn2learn's clone_module
    x = nn.ones(1, 1, dtype=nn.float64)
    grads = nn.autograd.grad(clone(x).pow(2).sum(), list(clone.parameters()), create_graph=True)
    _meta_sgd_update(clone, [lr], grads)
    np.testing.assert_allclose(_f(clone.weight), [[1.6]], rtol=1e-15)
    clone(x).pow(2).sum().backward()
    np.testing.assert_allclose(_f(lr.grad), [[-12.8]], rtol=1e-14)
    np.testing.assert_allclose(_f(lin.weight.grad), [[2.56]], rtol=1e-14)


def test_meta_sgd_second_order_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    xs, xq, w = rng.standard_normal((6, 4)), rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    torch.manual_seed(0)
    t = torch.nn.Linear(4, 3).double()
    o = nn.Linear(4, 3).double()
    o.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    found = []
    for lib, m, clone in ((torch, t, torch.nn.Linear(4, 3).double()), (nn, o, nn.Linear(4, 3).double())):
        lrs = [lib.nn.Parameter(lib.full(tuple(p.shape), 0.3, dtype=lib.float64)) if lib is torch else
               nn.Parameter(nn.full(tuple(p.shape), 0.3, dtype=nn.float64)) for p in m.parameters()]
        for k, p in m._parameters.items():
            clone._parameters[k] = p.clone()
        inner = (lib.tanh(clone(lib.tensor(xs))) * lib.tensor(w)).sum()
        _meta_sgd_update(clone, lrs, lib.autograd.grad(inner, list(clone.parameters()), create_graph=True))
        (lib.tanh(clone(lib.tensor(xq))) * lib.tensor(w)).pow(2).sum().backward()
        found.append([_f(p.grad) if lib is nn else p.grad.numpy() for p in list(m.parameters()) + lrs])
    for a, b in zip(*found):
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-15)


# ---- .grad of a non-leaf tensor warns, as PyTorch's ---------------------------------------------------------------

def test_nonleaf_grad_read_warns_as_torch():
    x = nn.ones(2, requires_grad=True)
    y = x * 3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert y.grad is None
    assert [str(w.message) for w in caught] == [NONLEAF_GRAD]
    assert caught[0].category is UserWarning and caught[0].filename == __file__     # the user's line
    # no warning: a leaf, a tensor that does not require grad, one made under no_grad, a retained gradient, a
    # leaf after backward
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is None
        assert (nn.ones(2) * 2).grad is None
        with nn.no_grad():
            assert (x * 2).grad is None
        z = x * 2
        z.retain_grad()
        assert z.grad is None
        z.sum().backward()
        np.testing.assert_array_equal(z.grad, [1.0, 1.0])
        np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_module_apply_with_updated_tensors_warns_as_torch():
    # learn2learn's clone_module / update_module put p + update (non-leaf) in an LSTM's parameter slots and call
    # module._apply(lambda x: x) to re-flatten; PyTorch's _apply reads param.grad and warns
    lstm = nn.LSTM(2, 2)
    lstm._parameters["weight_ih_l0"] = lstm.weight_ih_l0 * 1.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lstm._apply(lambda t: t)
    assert [str(w.message) for w in caught] == [NONLEAF_GRAD]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(2, 2)._apply(lambda t: t)                  # leaves only: silent
