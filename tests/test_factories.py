"""Factories and top-level functions: dtypes inferred as PyTorch does, keywords, seeding, one implementation."""
import inspect

import numpy as np
import pytest

import nn


def _name(dtype):
    return str(dtype).replace("torch.", "")


def test_tensor_infers_dtype_as_pytorch():
    torch = pytest.importorskip("torch")
    for data in (1.5, 3, True, [1, 2], [1.0, 2], [[True, False]], np.arange(3), np.ones(2),
                 np.ones(2, np.float32), np.int32(4)):
        assert nn.tensor(data).dtype.name == _name(torch.tensor(data).dtype), data


def test_tensor_copies_from_numpy_shares():
    a = np.zeros(3)
    t, s = nn.tensor(a), nn.from_numpy(a)
    a[0] = 1.0
    assert t.tolist() == [0.0, 0.0, 0.0] and s.tolist() == [1.0, 0.0, 0.0] and s.dtype == nn.float64
    shared = nn.as_tensor(a)
    shared.data[1] = 2.0                                  # .data is a view of the very array: a sees the write
    assert a.tolist() == [1.0, 2.0, 0.0] and nn.as_tensor(s) is s
    with pytest.raises(TypeError, match="ndarray"):
        nn.from_numpy([1.0])


def test_factory_shapes_dtypes_and_keywords():
    torch = pytest.importorskip("torch")
    calls = [lambda L: L.zeros(2, 3), lambda L: L.zeros((2, 3), dtype=L.int64), lambda L: L.ones([4]),
             lambda L: L.ones(2, 2, dtype=L.float64), lambda L: L.full((2, 2), 7), lambda L: L.full((2,), 1.5),
             lambda L: L.full((1,), True), lambda L: L.empty(3, 1).zero_(), lambda L: L.eye(3), lambda L: L.eye(2, 4),
             lambda L: L.arange(5), lambda L: L.arange(1, 2, 0.25), lambda L: L.arange(0.0, 1.0, 0.1),
             lambda L: L.arange(10, 0, -3), lambda L: L.linspace(0, 1, 5), lambda L: L.zeros(0),
             lambda L: L.zeros_like(L.ones(2, dtype=L.int32)), lambda L: L.ones_like(L.zeros(2, 3)),
             lambda L: L.full_like(L.zeros(2), 3.0), lambda L: L.zeros(2).new_ones(3),
             lambda L: L.ones(2, dtype=L.float64).new_zeros((1, 2)), lambda L: L.ones(1).new_tensor([1, 2]),
             lambda L: L.ones(2, dtype=L.int64).new_full((2,), 4)]
    for make in calls:
        ours, theirs = make(nn), make(torch)
        assert tuple(ours.shape) == tuple(theirs.shape) and ours.dtype.name == _name(theirs.dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_random_factories_are_seeded_and_shaped():
    for make in (lambda: nn.rand(2, 3), lambda: nn.randn((4,)), lambda: nn.randint(0, 10, (5,)),
                 lambda: nn.randint(6, (3, 2)), lambda: nn.randperm(7), lambda: nn.rand_like(nn.zeros(2)),
                 lambda: nn.randn_like(nn.zeros(3, dtype=nn.float64)), lambda: nn.zeros(3).normal_(0, 2),
                 lambda: nn.empty(4).uniform_(-1, 1)):
        nn.manual_seed(5)
        a = make()
        nn.manual_seed(5)
        b = make()
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        nn.manual_seed(6)
        assert not np.array_equal(make().numpy(), a.numpy())
    assert nn.rand(3, 4).dtype == nn.float32 and nn.randn(2, dtype=nn.float64).dtype == nn.float64
    assert nn.randint(3, (10,)).dtype == nn.int64 and set(nn.randint(3, (50,)).tolist()) == {0, 1, 2}
    assert sorted(nn.randperm(6).tolist()) == list(range(6))
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    assert nn.randn(3, generator=g1).tolist() == nn.randn(3, generator=g2).tolist()
    assert nn.zeros(2).normal_(generator=np.random.default_rng(2)).tolist() == \
        nn.zeros(2).normal_(generator=np.random.default_rng(2)).tolist()
    with pytest.raises(TypeError, match="generator"):
        nn.rand(2, generator=3)
    r = nn.rand(1000)
    assert 0.0 <= r.min().item() and r.max().item() < 1.0


def test_requires_grad_keyword():
    w = nn.zeros(2, 3, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    (w * 2).sum().backward()
    assert w.grad.shape == (2, 3)
    with pytest.raises(RuntimeError, match="floating point"):
        nn.zeros(2, dtype=nn.long, requires_grad=True)
    assert nn.randn(2, requires_grad=True).requires_grad


def test_in_place_fills():
    x = nn.empty(2, 2)
    assert x.fill_(3.0) is x and x.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    assert x.zero_().sum().item() == 0.0
    x.copy_(nn.tensor([1.0, 2.0]))                 # broadcast
    assert x.tolist() == [[1.0, 2.0], [1.0, 2.0]]
    x.add_(1).mul_(2).sub_(nn.ones(2, 2), alpha=2)
    assert x.tolist() == [[2.0, 4.0], [2.0, 4.0]]
    w = nn.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor"):
        w.normal_()
    with nn.no_grad():
        w.uniform_(-0.1, 0.1)
    assert w.abs().max().item() <= 0.1
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        nn.zeros(2, dtype=nn.int64).add_(0.5)


def test_top_level_functions_are_the_functional_ones():
    F = nn.functional
    unwrapped = inspect.unwrap             # nn.cat, nn.exp...: with PyTorch's out= (and cat with NumPy's axis=)
    for name in ("cat", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "flatten"):
        assert unwrapped(getattr(nn, name)) is unwrapped(getattr(F, name)), name
    # (once a Tensor subclass turns __torch_function__ dispatch on, the method and the function are two wrappers)
    assert unwrapped(nn.Tensor.relu) is unwrapped(F.relu) and unwrapped(nn.Tensor.flatten) is unwrapped(F.flatten)
    assert unwrapped(nn.sum) is unwrapped(nn.Tensor.sum) and unwrapped(nn.exp) is unwrapped(nn.Tensor.exp)  # one implementation


def test_grad_mode_functions():
    w = nn.ones(2, requires_grad=True)
    assert nn.is_grad_enabled()
    with nn.set_grad_enabled(False):
        assert not (w * 2).requires_grad
        with nn.enable_grad():
            assert (w * 2).requires_grad
    with nn.inference_mode():
        assert not (w * 2).requires_grad
    with nn.inference_mode(False):
        assert (w * 2).requires_grad
    prev = nn.set_grad_enabled(False)
    assert not nn.is_grad_enabled()
    nn.set_grad_enabled(True)
    assert nn.is_grad_enabled() and prev is not None


def test_small_helpers():
    a = nn.tensor([1.0, 2.0])
    assert nn.is_tensor(a) and not nn.is_tensor(np.ones(1)) and nn.numel(nn.zeros(2, 5)) == 10
    assert nn.allclose(a, a + 1e-9) and not nn.allclose(a, a + 1) and nn.equal(a, a.clone())
    assert nn.where(nn.tensor([True, False, True]))[0].tolist() == [0, 2]
    assert nn.stack([a, a]).shape == (2, 2) and nn.cat([a, a]).shape == (4,)
