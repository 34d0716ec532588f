"""sbi 0.27.0 (simulation-based inference; with nflows 0.14, zuko 1.6.0 and skorch 1.4.0 beneath it) from the package
registry, ported by the porting rule (every .py file of sbi, nflows and zuko) and run against the originals on
PyTorch in float64 (sbi asserts float32 data: its literal float32 was made float64 in both copies), with the same
weights and every random draw read from one NumPy stream: NPE with MAF, NSF, MDN and zuko flows, NLE, NRE_A / B / C
and BNRE, embedding nets, two-round NPE_C with the atomic loss, `simulate_for_sbi`, posteriors' `log_prob`,
`sample`, `map`, MCMC, save and load. The failures these tests pin down, each reproduced in a few lines (the
packages themselves are never imported here): sbi's VI samplers import `torch.optim.adagrad` / `adamax` / `adamw`;
its LRU embedding imports `torch._higher_order_ops.associative_scan` and casts its real input to complex, a cast
that cut the graph; its CNN embedding sizes a Linear by a 0-d integer tensor; a posterior pickles (a transform
whose inverse was asked for held a weak reference, a tensor read by an op held weak references to the results, and
nn's dispatching functions, such as the activation `torch.tanh` that nflows' MADE keeps, did not pickle by name)."""
import io
import pickle

import numpy as np
import pytest

import nn
import nn.functional as F


# ---- torch.optim's per-optimizer modules (sbi.samplers.vi: from torch.optim.adagrad import Adagrad) -------------

def test_optimizer_modules_import_their_class():
    from nn.optim.adagrad import Adagrad
    from nn.optim.adamax import Adamax
    from nn.optim.adamw import AdamW
    from nn.optim.nadam import NAdam
    from nn.optim.radam import RAdam
    from nn.optim.sparse_adam import SparseAdam
    assert (Adagrad, Adamax, AdamW, NAdam, RAdam, SparseAdam) == (nn.optim.Adagrad, nn.optim.Adamax, nn.optim.AdamW,
                                                                 nn.optim.NAdam, nn.optim.RAdam, nn.optim.SparseAdam)


# ---- torch._higher_order_ops.associative_scan (sbi's LRUEmbedding, mode="scan") ----------------------------------

def _linear_recurrence(first, then):
    # (a1, b1) then (a2, b2): x -> a2 (a1 x + b1) + b2, the LRU's combine
    return then[0] * first[0], then[0] * first[1] + then[1]


def test_associative_scan_is_the_inclusive_scan():
    from nn._higher_order_ops.associative_scan import associative_scan
    x = nn.arange(1.0, 9.0)
    np.testing.assert_array_equal(associative_scan(lambda u, v: u + v, x, 0, combine_mode="generic").numpy(),
                                  [1, 3, 6, 10, 15, 21, 28, 36])
    np.testing.assert_array_equal(
        associative_scan(lambda u, v: u + v, x, 0, reverse=True, combine_mode="generic").numpy(),
        [36, 35, 33, 30, 26, 21, 15, 8])
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 7, 3)) + 1j * rng.standard_normal((2, 7, 3))
    b = rng.standard_normal((2, 7, 3)) + 1j * rng.standard_normal((2, 7, 3))
    for reverse in (False, True):
        got_a, got_x = associative_scan(_linear_recurrence, (nn.tensor(a), nn.tensor(b)), dim=1, reverse=reverse,
                                        combine_mode="generic")
        want_a, want_x = np.empty_like(a), np.empty_like(b)
        steps = range(6, -1, -1) if reverse else range(7)
        pa, px = None, None
        for t in steps:                             # x_t = a_t x_{t-1} + b_t, from x = 0
            pa = a[:, t] if pa is None else a[:, t] * pa
            px = b[:, t] if px is None else a[:, t] * px + b[:, t]
            want_a[:, t], want_x[:, t] = pa, px
        np.testing.assert_allclose(got_a.numpy(), want_a, rtol=1e-13)
        np.testing.assert_allclose(got_x.numpy(), want_x, rtol=1e-13)


def test_associative_scan_pairs_as_pytorch():
    torch = pytest.importorskip("torch")
    from torch._higher_order_ops.associative_scan import associative_scan as theirs
    from nn._higher_order_ops.associative_scan import associative_scan as ours
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 9, 3)), rng.standard_normal((2, 9, 3))
    for n in (1, 2, 5, 9):
        for reverse in (False, True):
            want = theirs(_linear_recurrence, (torch.tensor(a[:, :n]), torch.tensor(b[:, :n])), dim=1,
                          reverse=reverse, combine_mode="generic")
            got = ours(_linear_recurrence, (nn.tensor(a[:, :n]), nn.tensor(b[:, :n])), dim=1, reverse=reverse,
                       combine_mode="generic")
            for g, w in zip(got, want):
                np.testing.assert_array_equal(g.numpy(), w.numpy())      # the same pairings: the same bits


def test_associative_scan_gradient_and_errors():
    from nn._higher_order_ops.associative_scan import associative_scan
    from nn.gradcheck import gradcheck
    rng = np.random.default_rng(2)
    a = nn.tensor(rng.uniform(0.5, 1.0, (2, 5)), requires_grad=True)
    b = nn.tensor(rng.standard_normal((2, 5)), requires_grad=True)
    assert gradcheck(lambda u, v: associative_scan(_linear_recurrence, (u, v), 1, combine_mode="generic")[1],
                     (a, b))
    with pytest.raises(ValueError, match="need to be on CUDA or XPU"):
        associative_scan(_linear_recurrence, (a, b), 1)
    with pytest.raises(ValueError, match="Combine_mode must either 'pointwise' or 'generic'"):
        associative_scan(_linear_recurrence, (a, b), 1, combine_mode="tree")


# ---- a real tensor cast to complex stays in the graph (LRUEmbedding: u = input.to(dtype=B.dtype)) -----------------

def test_real_to_complex_cast_is_differentiable():
    r = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    z = r.to(dtype=nn.complex128) * nn.tensor([1 + 2j, 3 - 1j], dtype=nn.complex128)
    assert z.requires_grad
    (z.real ** 2 + z.imag).sum().backward()
    # d/dr [(r Re w)^2 + r Im w] = 2 r (Re w)^2 + Im w
    np.testing.assert_allclose(np.asarray(r.grad), [2 * 1 * 1 + 2, 2 * 2 * 9 - 1])
    assert np.asarray(r.grad).dtype == np.float64
    c = nn.tensor([1 + 2j, 3 - 1j], requires_grad=True)
    (c.to(nn.float64) * nn.tensor([2.0, 3.0])).sum().backward()    # complex -> real: the real part, grad back
    np.testing.assert_allclose(np.asarray(c.grad), [2.0, 3.0])
    assert not nn.tensor([1.0], requires_grad=True).to(nn.int64).requires_grad


# ---- a 0-d integer tensor as a layer's size (CNNEmbedding: nn.Linear(num_cnn_output, ...)) -------------------------

def test_linear_sized_by_a_0d_integer_tensor():
    lin = nn.Linear(nn.tensor(12), nn.tensor(3))
    assert lin.weight.shape == (3, 12) and lin.in_features == 12
    assert repr(lin) == "Linear(in_features=12, out_features=3, bias=True)"
    with pytest.raises(TypeError, match="failed to unpack the object at pos 2 with error \"type must be tuple of "
                                        "ints,but got Tensor\""):       # (torch.empty's parser, as PyTorch's)
        nn.Linear(nn.tensor(1.5), 2)


# ---- pickling (sbi: pickle.dump(posterior)) ---------------------------------------------------------------------

def test_dispatching_functions_pickle_by_name():
    for f in (nn.exp, nn.tanh, nn.matmul, nn.add, nn.cat, F.tanh, F.relu, F.linear, nn.linalg.solve,
              nn.Tensor.add, nn.Tensor.matmul):
        assert pickle.loads(pickle.dumps(f)) is f, f


class _Block(nn.Module):                            # nflows' MADE keeps its activation function
    def __init__(self):
        super().__init__()
        self.lin, self.activation = nn.Linear(2, 2), nn.tanh

    def forward(self, x):
        return self.activation(self.lin(x))


def test_functions_pickle_by_name_once_subclasses_dispatch():
    class Tagged(nn.Tensor):                        # a subclass that takes part: every function now dispatches
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return super().__torch_function__(func, types, args, kwargs or {})

    for f in (nn.tanh, nn.sigmoid, F.tanh, F.gelu, F.softplus, nn.Tensor.exp, nn.Tensor.__add__):
        assert pickle.loads(pickle.dumps(f)) is f, f

    block = _Block()
    copy = pickle.loads(pickle.dumps(block))
    x = nn.tensor([[0.5, -1.0]])
    np.testing.assert_array_equal(copy(x).detach().numpy(), block(x).detach().numpy())


def test_tensor_read_by_an_op_pickles():
    scale = nn.tensor([2.0, 0.5])
    w = nn.tensor([1.0, 3.0], requires_grad=True)
    y = scale * w                                   # scale now notes y as a consumer (a weak reference)
    back = pickle.loads(pickle.dumps(scale))
    np.testing.assert_array_equal(back.numpy(), [2.0, 0.5])
    buf = io.BytesIO()
    nn.save({"scale": scale, "y": y}, buf)
    buf.seek(0)
    np.testing.assert_array_equal(nn.load(buf)["scale"].numpy(), [2.0, 0.5])


def test_transform_whose_inverse_was_asked_for_pickles():
    from nn.distributions.transforms import AffineTransform, ComposeTransform, ExpTransform
    t = ComposeTransform([AffineTransform(nn.tensor([1.0]), nn.tensor([2.0])), ExpTransform()])
    inv = t.inv                                     # the transform keeps a weak reference to its inverse
    x = nn.tensor([0.3])
    for obj in (t, inv):
        back = pickle.loads(pickle.dumps(obj))
        np.testing.assert_allclose(back(x).numpy(), obj(x).numpy())
    np.testing.assert_allclose(pickle.loads(pickle.dumps(t)).inv(t(x)).numpy(), [0.3])
