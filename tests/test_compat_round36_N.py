"""Out-of-distribution detection and Bayesian layers from the package registry: pytorch-ood 0.4.0 and torchbnn 1.2
(installed with --no-deps; torchvision as a name-only stub on both sides), ported by the porting rule (pytorch_oodp,
torchbnnp) and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights and its random draws
handed over: the detectors (logit-, feature-, feature-map- and gradient-based, fitted on a small loader), the
losses with SGD / Adam steps, the metrics and utils; BayesLinear / BayesConv2d / BayesBatchNorm2d, BKLLoss, freeze /
unfreeze, the deprecated model conversion and a few training steps of a Bayesian MLP.

The failures these tests pin down, in a few lines (the packages are not imported here):

- ``import torchbnn`` failed: its loss module does ``from torch.nn import _reduction as _Reduction``, which nn
  lacked. nn._reduction now gives PyTorch's ``get_enum`` / ``legacy_get_string`` / ``legacy_get_enum`` over nn's
  own reduction checks.
- pytorch-ood's IILoss keeps running class centers in a buffer and updates it with
  ``self.running_centers[classes] = cma``, cma computed from the batch's features (which require grad). The write
  was recorded in the graph, and a recorded in-place op gives the tensor a new array (the prior state keeps the
  old one); the module still held the old array, so the buffer never changed (nn's centers stayed zero, PyTorch's
  moved: every later step differed). The same for ``buf.add_(x)`` with x requiring grad and, without a graph, for
  ``buf.unsqueeze_(0)``. The module now takes the new array.
- ``torch.is_inference(f)`` (odin_preprocessing given its arguments in the wrong order) is PyTorch's TypeError
  "is_inference(): argument 'input' (position 1) must be Tensor, not function"; nn answered False (is_conj,
  is_neg and get_device too; adjoint raised an AttributeError).
"""
import warnings

import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- nn._reduction (torch.nn._reduction) --------------------------------------------------------------------------

def test_reduction_module_gives_pytorchs_enum_and_legacy_strings():
    # PyTorch 2.13: from torch.nn import _reduction; get_enum('none' / 'mean' / 'sum') -> 0 / 1 / 2;
    # 'elementwise_mean' -> 1 with the UserWarning "reduction='elementwise_mean' is deprecated. Please use
    # reduction='mean' instead."; legacy_get_string(None, None) -> 'mean' (and warns), (False, None) -> 'sum',
    # (True, False) -> 'none'; legacy_get_enum(False, True, emit_warning=False) -> 2 without a warning
    from nn import _reduction as _Reduction
    assert [_Reduction.get_enum(r) for r in ("none", "mean", "sum")] == [0, 1, 2]
    with pytest.warns(UserWarning, match=r"^reduction='elementwise_mean' is deprecated\. Please use reduction='mean'"):
        assert _Reduction.get_enum("elementwise_mean") == 1
    with pytest.warns(UserWarning, match=r"^size_average and reduce args will be deprecated, please use "
                                         r"reduction='sum' instead\.$"):
        assert _Reduction.legacy_get_string(False, None) == "sum"
    with pytest.warns(UserWarning):
        assert _Reduction.legacy_get_string(None, None) == "mean"
    with pytest.warns(UserWarning):
        assert _Reduction.legacy_get_string(True, False) == "none"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _Reduction.legacy_get_enum(False, True, emit_warning=False) == 2


@pytest.mark.parametrize("bad", ["bogus", None])
def test_reduction_get_enum_refuses_in_pytorchs_words(bad):
    # PyTorch 2.13: get_enum('bogus') -> ValueError "bogus is not a valid value for reduction" (None: "None is ...")
    from nn import _reduction
    with pytest.raises(ValueError, match=rf"^{bad} is not a valid value for reduction$"):
        _reduction.get_enum(bad)


def test_reduction_module_matches_torch():
    pytest.importorskip("torch")
    import torch.nn._reduction as theirs
    from nn import _reduction as ours
    for r in ("none", "mean", "sum"):
        assert ours.get_enum(r) == theirs.get_enum(r)
    for size_average in (None, True, False):
        for reduce in (None, True, False):
            assert ours.legacy_get_string(size_average, reduce, False) == theirs.legacy_get_string(
                size_average, reduce, False)
            assert ours.legacy_get_enum(size_average, reduce, False) == theirs.legacy_get_enum(
                size_average, reduce, False)


# ---- a module's buffer changed in place inside a graph ------------------------------------------------------------

def _module_with_buffer():
    m = nn.Module()
    m.register_buffer("b", nn.zeros(3, 2))
    return m


def test_buffer_setitem_of_a_value_that_requires_grad_changes_the_buffer():
    # PyTorch 2.13: m.b[tensor([0, 2])] = x[tensor([0, 2])] * 2 (x ones (3, 2), requires grad) -> m.b is
    # [[2, 2], [0, 0], [2, 2]] with grad_fn IndexPutBackward0, so is m.state_dict()['b']; m.b.sum().backward()
    # -> x.grad [[2, 2], [0, 0], [2, 2]] (nn: the buffer stayed zero and had no graph)
    x = nn.ones(3, 2, requires_grad=True)
    m = _module_with_buffer()
    m.b[nn.tensor([0, 2])] = x[nn.tensor([0, 2])] * 2
    assert _f(m.b).tolist() == [[2.0, 2.0], [0.0, 0.0], [2.0, 2.0]]
    assert _f(m.state_dict()["b"]).tolist() == [[2.0, 2.0], [0.0, 0.0], [2.0, 2.0]]
    assert m.b.grad_fn is not None and m.b is m.b
    m.b.sum().backward()
    assert _f(x.grad).tolist() == [[2.0, 2.0], [0.0, 0.0], [2.0, 2.0]]


def test_running_centers_update_as_pytorch_ood_does():
    # pytorch-ood's RunningCenters.update: cma = mu[classes] + centers[classes] * n; centers[classes] = cma / (n + 1);
    # n += 1. Features [[1, 2], [3, 4], [5, 6]] of classes [0, 1, 0], requiring grad: PyTorch 2.13 -> centers
    # [[3, 4], [3, 4], [0, 0]], n [1]; a second batch [[0, 0], [2, 2], [4, 4]] -> [[2.5, 3], [2.5, 3], [0, 0]]
    class RunningCenters(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("running_centers", nn.zeros(3, 2))
            self.register_buffer("num_batches_tracked", nn.zeros(1))

        def update(self, x, target):
            classes = nn.unique(target)
            mu = nn.full((3, 2), float("nan"))
            for c in classes:
                mu[c] = x[target == c].mean(dim=0)
            cma = mu[classes] + self.running_centers[classes] * self.num_batches_tracked
            self.running_centers[classes] = cma / (self.num_batches_tracked + 1)
            self.num_batches_tracked += 1
            return mu

    m = RunningCenters()
    y = nn.tensor([0, 1, 0])
    m.update(nn.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True), y)
    assert _f(m.running_centers).tolist() == [[3.0, 4.0], [3.0, 4.0], [0.0, 0.0]]
    with nn.no_grad():
        m.update(nn.tensor([[0.0, 0.0], [2.0, 2.0], [4.0, 4.0]]), y)
    assert _f(m.running_centers).tolist() == [[2.5, 3.0], [2.5, 3.0], [0.0, 0.0]]
    assert _f(m.num_batches_tracked).tolist() == [2.0]


def test_buffer_add_of_a_tensor_that_requires_grad_changes_the_buffer():
    # PyTorch 2.13: m.b.add_(x) (x ones (3, 2), requires grad) -> m.b all ones, grad_fn AddBackward0
    x = nn.ones(3, 2, requires_grad=True)
    m = _module_with_buffer()
    m.b.add_(x)
    assert _f(m.b).tolist() == [[1.0, 1.0]] * 3 and m.b.grad_fn is not None
    (m.b * nn.tensor([[1.0, 2.0]])).sum().backward()
    assert _f(x.grad).tolist() == [[1.0, 2.0]] * 3


def test_buffer_reshaped_in_place_changes_the_module_buffer():
    # PyTorch 2.13: m.b.unsqueeze_(0) -> m.b.shape (1, 3, 2), m.state_dict()['b'].shape (1, 3, 2); t_() -> (2, 3)
    m = _module_with_buffer()
    m.b.unsqueeze_(0)
    assert tuple(m.b.shape) == (1, 3, 2) and tuple(m.state_dict()["b"].shape) == (1, 3, 2)
    m = _module_with_buffer()
    m.b.t_()
    assert tuple(m.b.shape) == (2, 3) and tuple(m.state_dict()["b"].shape) == (2, 3)


def test_buffer_in_place_matches_torch():
    torch = pytest.importorskip("torch")
    for T in (torch, nn):
        x = T.ones(3, 2, requires_grad=True)
        m = T.nn.Module() if T is torch else nn.Module()
        m.register_buffer("b", T.zeros(3, 2))
        m.b[T.tensor([1])] = x[T.tensor([0])] * 3
        m.b.mul_(x + 1)
        (m.b ** 2).sum().backward()
        if T is torch:
            theirs = (m.b.detach().numpy(), x.grad.numpy())
        else:
            np.testing.assert_array_equal(_f(m.b), theirs[0])
            np.testing.assert_array_equal(_f(x.grad), theirs[1])


# ---- torch.is_inference / is_conj / is_neg / adjoint / get_device take a tensor -----------------------------------

@pytest.mark.parametrize("name", ["is_inference", "is_conj", "is_neg", "adjoint", "get_device"])
@pytest.mark.parametrize("bad, kind", [(lambda: 0, "function"), (None, "NoneType"), (3, "int"), ([1.0], "list")])
def test_tensor_queries_refuse_a_non_tensor_in_pytorchs_words(name, bad, kind):
    # PyTorch 2.13: torch.is_inference(lambda: 0) -> TypeError "is_inference(): argument 'input' (position 1) must
    # be Tensor, not function" (the same for is_conj, is_neg, adjoint, get_device; None, an int, a list)
    with pytest.raises(TypeError, match=rf"^{name}\(\): argument 'input' \(position 1\) must be Tensor, not {kind}$"):
        getattr(nn, name)(bad)


def test_tensor_queries_answer_for_a_tensor():
    # PyTorch 2.13: is_inference / is_conj / is_neg of a CPU tensor False, get_device -1, adjoint of (2, 3) is (3, 2)
    x = nn.arange(6.0).reshape(2, 3)
    assert nn.is_inference(x) is False and nn.is_conj(x) is False and nn.is_neg(x) is False
    assert nn.get_device(x) == -1
    assert _f(nn.adjoint(x)).tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    assert nn.is_inference.__name__ == "is_inference"


def test_tensor_queries_errors_match_torch():
    torch = pytest.importorskip("torch")
    for name in ["is_inference", "is_conj", "is_neg", "adjoint", "get_device"]:
        with pytest.raises(TypeError) as et:
            getattr(torch, name)(print)
        with pytest.raises(TypeError) as en:
            getattr(nn, name)(print)
        assert str(en.value) == str(et.value)
