"""Round 42, area H: torchmeta 1.8.0 (its wheel) and elegantrl 0.3.6 (its sdist).

Both packages' every file was ported by the porting rule (``torchmetap``, ``elegantrlp``) and run against the
originals on PyTorch 2.13 in float64 (and float32), with PyTorch's weights and one NumPy stream of draws handed to
both (elegantrl's torch.rand / randint / randn_like / multinomial / randperm, Normal.rsample, Categorical.sample);
torchvision, h5py, gym and isaacgym were name-only stubs. torchmeta: MetaLinear / Bilinear / Conv1d-3d /
BatchNorm1d-3d / LayerNorm / Embedding / EmbeddingBag / MultiheadAttention in MetaSequentials (its MAML and
sinusoid models), gradient_update_parameters (first and second order, dict step sizes, two inner steps) and the
meta-gradients, Adam outer steps, eval, state dicts; the toy datasets through its helpers, ClassSplitter,
CombinationMetaDataset and (Batch)MetaDataLoader; the prototypical, matching and ridge-regression (R2D2) utilities;
its own test-suite (the same 182 pass and 5 fail on both). elegantrl: the QNet / Actor / Critic families and each
agent's update_net (DQN, DuelingDQN, DoubleDQN, D3QN, DDPG, TD3, SAC, ModSAC, PPO, DiscretePPO, A2C,
DiscreteA2C) on hand-made buffers and on a tiny environment through explore_env. All agree to rounding (float64
1e-14). Failures (nn's):

- ``import torchmeta`` stopped at modules/parallel.py: ``from torch.nn.parallel import parallel_apply``,
  ``from torch.nn.parallel.scatter_gather import scatter_kwargs``, ``from torch.nn.parallel.replicate import
  _broadcast_coalesced_reshape`` did not exist.
- second-order MAML through a MetaEmbeddingBag raised "the gradient of embedding_bag cannot be differentiated again
  in nn yet" at the inner step; PyTorch takes the inner step (create_graph) and refuses only when the meta-gradient
  goes back through it, in its words (NotImplementedError; RuntimeError for per_sample_weights).
- torchmeta's SubsetTask overrides Subset.__getitem__ only: PyTorch 2.13's Subset refuses such a subclass when it is
  built (NotImplementedError asking for __getitems__); nn built it. (The package fails on PyTorch 2.13 here; both
  runs gave SubsetTask the __getitems__ PyTorch's message asks for.)
- elegantrl's ConvNet in float64 fed a float32 image batch: PyTorch names the dtypes as oneDNN does ("Input type
  (torch.FloatTensor) and weight type (torch.DoubleTensor) should be the same or input should be a MKLDNN tensor
  ...") wherever its CPU convolution runs oneDNN; nn said "expected scalar type Float but found Double" always, and
  checked the weight's dtype before the kernel's size (PyTorch: the bias's dtype, the size, then the weight's).
"""
import numpy as np
import pytest

import nn
import nn.functional as F
from nn.utils.data import DataLoader, Dataset, Subset

from porting import raised


# ----------------------------------------------------------------------------- torch.nn.parallel's names

def test_torchmeta_parallel_imports_and_one_cpu_semantics():
    # torchmeta/modules/parallel.py's imports (ImportError before)
    from nn.parallel import parallel_apply
    from nn.parallel.replicate import _broadcast_coalesced_reshape, replicate
    from nn.parallel.scatter_gather import scatter_kwargs
    x = nn.arange(8.0).reshape(4, 2)
    inputs, kwargs = scatter_kwargs((x,), {"scale": 2.0}, [0, 1])
    assert len(inputs) == len(kwargs) == 2 and kwargs == ({"scale": 2.0}, {"scale": 2.0})
    np.testing.assert_array_equal(inputs[1][0].numpy(), [[4.0, 5.0], [6.0, 7.0]])
    inputs, kwargs = scatter_kwargs((x,), None, [0, 1])        # the missing side padded with {} / ()
    assert kwargs == ({}, {})
    inputs, kwargs = scatter_kwargs((), {"t": x}, [0, 1])
    assert inputs == ((), ()) and kwargs[0]["t"].shape == (2, 2)
    lin = nn.Linear(2, 3)
    outs = parallel_apply([lin, lin], [x[:2], (x[2:],)])        # a bare tensor is one argument, as PyTorch's
    np.testing.assert_allclose(nn.cat(outs).detach().numpy(), lin(x).detach().numpy())
    with pytest.raises(AssertionError, match="The number of modules 2 is not equal to the number of inputs 1"):
        parallel_apply([lin, lin], [x])
    with pytest.raises(AssertionError, match="The number of modules 1 is not equal to the number of kwargs_tup 2"):
        parallel_apply([lin], [x], [{}, {}])
    assert replicate(lin, [0, 1]) == [lin, lin]
    w = nn.ones(2, requires_grad=True)
    (kept,), (detached,) = _broadcast_coalesced_reshape([w], [0], False)[0], _broadcast_coalesced_reshape([w], [0],
                                                                                                            True)[0]
    assert kept is w and not detached.requires_grad


# ----------------------------------------------------------------------------- embedding_bag under create_graph

NOT_TWICE = "the derivative for '_embedding_bag_backward' is not implemented."


def _inner_step(mode, weights=False):
    """MetaEmbeddingBag's forward and gradient_update_parameters' create_graph step: -> (w, grads, psw)."""
    w = nn.tensor(np.arange(15.0).reshape(5, 3) / 10, requires_grad=True)
    idx = nn.tensor([1, 2, 2, 4, 0])
    psw = nn.tensor([1.0, -2.0, 0.5, 3.0, 1.5], dtype=nn.float64, requires_grad=True) if weights else None
    y = F.embedding_bag(idx, w, nn.tensor([0, 3]), mode=mode, per_sample_weights=psw)
    grads = nn.autograd.grad((y ** 2).sum(), [w] + ([psw] if weights else []), create_graph=True)
    return w, grads, psw


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_inner_step_under_create_graph(mode):
    # was: NotImplementedError at autograd.grad; PyTorch gives the gradient (recorded) ...
    w, (g,), _ = _inner_step(mode)
    rows = np.arange(15.0).reshape(5, 3) / 10
    bag0, bag1 = [1, 2, 2], [4, 0]
    expected = np.zeros((5, 3))
    if mode == "max":       # the first entry reaching each bag's max per column takes 2 y
        for bag in (bag0, bag1):
            best = rows[bag].max(0)
            for col in range(3):
                expected[bag[int(np.argmax(rows[bag][:, col]))], col] += 2 * best[col]
    else:
        for bag in (bag0, bag1):
            y = rows[bag].sum(0) / (len(bag) if mode == "mean" else 1)
            for i in bag:
                expected[i] += 2 * y / (len(bag) if mode == "mean" else 1)
    np.testing.assert_allclose(g.detach().numpy(), expected, rtol=1e-14)
    assert g.requires_grad
    # ... and the meta-gradient through it is PyTorch's NotImplementedError
    assert raised(lambda: g.sum().backward()) == ("NotImplementedError", NOT_TWICE)


def test_embedding_bag_per_sample_weights_second_order_errors():
    w, (gw, gp), psw = _inner_step("sum", weights=True)
    assert raised(lambda: gp.sum().backward()) == (
        "RuntimeError", "derivative for aten::_embedding_bag_per_sample_weights_backward is not implemented")
    assert raised(lambda: gw.sum().backward()) == ("NotImplementedError", NOT_TWICE)


def test_embedding_bag_gradient_of_a_linear_loss_needs_no_graph():
    # a loss linear in the bags: the weight's gradient is a constant, not recorded (PyTorch: requires_grad False)
    w = nn.tensor(np.ones((4, 2)), requires_grad=True)
    y = F.embedding_bag(nn.tensor([[0, 1], [1, 3]]), w, mode="sum")
    (g,) = nn.autograd.grad((y * nn.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=nn.float64)).sum(), w, create_graph=True)
    assert not g.requires_grad
    np.testing.assert_array_equal(g.numpy(), [[1, 2], [4, 6], [0, 0], [3, 4]])


# ----------------------------------------------------------------------------- Subset subclasses

class _Task(Dataset):
    def __getitem__(self, i):
        return i * 10

    def __len__(self):
        return 6


SUBSET_WORDS = ("SubsetTask overrides __getitem__ but not __getitems__. When subclassing Subset and overriding "
                "__getitem__, you must also override __getitems__ to ensure DataLoader works correctly with your "
                "custom logic. A simple implementation:\n\ndef __getitems__(self, indices):\n    return "
                "[self.__getitem__(idx) for idx in indices]")


def test_subset_overriding_only_getitem_is_refused_as_pytorch():
    class SubsetTask(Subset):           # torchmeta.utils.data.task.SubsetTask
        def __getitem__(self, index):
            return self.dataset[self.indices[index]] + 1

    assert raised(lambda: SubsetTask(_Task(), [0, 2])) == ("NotImplementedError", SUBSET_WORDS)

    class Fixed(SubsetTask):
        def __getitems__(self, indices):
            return [self.__getitem__(idx) for idx in indices]

    batch = next(iter(DataLoader(Fixed(_Task(), [0, 2, 5]), batch_size=3)))
    np.testing.assert_array_equal(batch.numpy(), [1, 21, 51])


def test_subset_getitems_uses_the_datasets_own():
    class Batched(_Task):
        def __getitems__(self, indices):
            return [-i for i in indices]

    sub = Subset(Batched(), [4, 1, 3])
    assert sub.__getitems__([0, 2]) == [-4, -3]
    assert Subset(_Task(), [4, 1]).__getitems__([1, 0]) == [10, 40]
    np.testing.assert_array_equal(next(iter(DataLoader(sub, batch_size=3))).numpy(), [-4, -1, -3])


# ----------------------------------------------------------------------------- convolution dtype words

ONEDNN = ("Input type (torch.FloatTensor) and weight type (torch.DoubleTensor) should be the same or input should be "
          "a MKLDNN tensor and weight is a dense tensor")
NATIVE = "expected scalar type Float but found Double"

# (op, input shape, weight shape, kwargs, PyTorch's words with one thread)
CASES = [
    ("conv2d", (2, 3, 112, 112), (32, 3, 5, 5), {"stride": 2}, ONEDNN),     # elegantrl's ConvNet(112)'s first layer
    ("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), {}, ONEDNN),                     # a batch above 1
    ("conv2d", (1, 3, 8, 8), (4, 3, 3, 3), {}, NATIVE),                     # one image, small
    ("conv2d", (3, 8, 8), (4, 3, 3, 3), {}, NATIVE),                        # unbatched
    ("conv2d", (1, 3, 9, 9), (4, 3, 4, 4), {}, ONEDNN),                     # a kernel above 3 x 3
    ("conv2d", (1, 4, 9, 9), (4, 2, 3, 3), {"groups": 2}, ONEDNN),          # groups
    ("conv2d", (1, 3, 90, 90), (4, 3, 3, 3), {}, ONEDNN),                   # more than 20480 values
    ("conv2d", (2, 1, 1, 1), (1, 1, 1, 1), {}, NATIVE),                     # 1 x 1, unstrided, one thread
    ("conv2d", (2, 3, 9, 9), (4, 3, 1, 1), {"stride": 2}, ONEDNN),          # 1 x 1 strided
    ("conv1d", (2, 3, 9), (4, 3, 3), {}, ONEDNN),
    ("conv1d", (1, 3, 9), (4, 3, 5), {}, NATIVE),                           # (as a height-1 image: kh = 1)
    ("conv1d", (1, 3, 9000), (4, 3, 3), {}, ONEDNN),
    ("conv3d", (1, 3, 4, 90, 90), (4, 3, 3, 3, 3), {}, NATIVE),             # (the first four dims' count only)
    ("conv3d", (1, 3, 6, 9, 9), (4, 3, 1, 5, 5), {}, ONEDNN),
    ("conv_transpose2d", (1, 3, 9, 9), (3, 4, 3, 3), {}, NATIVE),
    ("conv_transpose2d", (2, 3, 9, 9), (3, 4, 3, 3), {}, ONEDNN),
    ("conv_transpose1d", (2, 3, 9), (3, 4, 3), {}, ONEDNN),
    ("conv_transpose3d", (2, 3, 3, 9, 9), (3, 4, 3, 3, 3), {}, ONEDNN),
]


@pytest.fixture
def one_thread(monkeypatch):
    """PyTorch's choice reads its thread count (a 1 x 1 kernel runs oneDNN with several): pin nn's to 1."""
    import nn.kernels.threads as threads
    monkeypatch.setattr(threads, "get_num_threads", lambda: 1)


def test_conv_weight_dtype_words_as_pytorch_cpu(one_thread):
    # was "expected scalar type Float but found Double" in every case; the oneDNN cases and the others together
    for op, xs, ws, kwargs, words in CASES:
        x, w = nn.zeros(xs), nn.zeros(ws, dtype=nn.float64)
        assert raised(lambda: getattr(F, op)(x, w, **kwargs)) == ("RuntimeError", words), (op, xs, ws, kwargs)


def test_conv_dtype_words_other_cases(one_thread):
    x = nn.zeros(2, 3, 8, 8)
    # a float64 input never runs oneDNN
    assert raised(lambda: F.conv2d(x.double(), nn.zeros(4, 3, 3, 3))) == (
        "RuntimeError", "expected scalar type Double but found Float")
    # the bias first (before the kernel's size), then the kernel's size, then the weight
    w64, b64 = nn.zeros(4, 3, 9, 9, dtype=nn.float64), nn.zeros(4, dtype=nn.float64)
    assert raised(lambda: F.conv2d(x, w64, b64)) == ("RuntimeError",
                                                     "Input type (float) and bias type (double) should be the same")
    kind, words = raised(lambda: F.conv2d(x, w64))
    assert kind == "ShapeError" and words.startswith("Calculated padded input size per channel: (8 x 8). Kernel size: "
                                                     "(9 x 9).")
    kind, words = raised(lambda: F.conv3d(nn.zeros(2, 3, 3, 3, 3), nn.zeros(4, 3, 5, 5, 5, dtype=nn.float64)))
    assert kind == "ShapeError" and "Kernel size: (5 x 5 x 5)" in words
    # the layers: elegantrl's ConvNet(112) made double, fed a float32 batch of images
    conv = nn.Conv2d(3, 32, (5, 5), stride=(2, 2), bias=False).double()
    assert raised(lambda: conv(nn.zeros(2, 3, 112, 112))) == ("RuntimeError", ONEDNN)


def test_conv_dtype_words_against_pytorch():
    # (a pin of CASES' hand-stated words against PyTorch, which the tests above hold nn to; nn is not run here)
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for op, xs, ws, kwargs, words in CASES:
            assert raised(lambda: getattr(TF, op)(torch.zeros(xs), torch.zeros(ws, dtype=torch.float64),
                                                  **kwargs)) == ("RuntimeError", words), (op, xs, ws)
    finally:
        torch.set_num_threads(threads)


def test_embedding_bag_and_subset_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    for mode in ("sum", "mean", "max"):
        w = torch.tensor(np.arange(15.0).reshape(5, 3) / 10, requires_grad=True)
        y = TF.embedding_bag(torch.tensor([1, 2, 2, 4, 0]), w, torch.tensor([0, 3]), mode=mode)
        (g,) = torch.autograd.grad((y ** 2).sum(), w, create_graph=True)
        np.testing.assert_allclose(_inner_step(mode)[1][0].detach().numpy(), g.detach().numpy(), rtol=1e-14)
        assert raised(lambda: g.sum().backward()) == ("NotImplementedError", NOT_TWICE)

    class SubsetTask(torch.utils.data.Subset):
        def __getitem__(self, index):
            return index

    assert raised(lambda: SubsetTask([1, 2], [0])) == ("NotImplementedError", SUBSET_WORDS)
