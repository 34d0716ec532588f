"""geomloss 0.3.1 (optimal-transport losses), torchensemble 0.2.0 (ensembles of PyTorch models) and torchkbnufft 1.5.2
(non-uniform FFTs for MRI) from the package registry (`pip install --no-deps`), ported by the porting rule (every .py
file; renamed geomlossp, torchensemblep, torchkbnufftp) and run against the originals on PyTorch in float64 (and
complex64 / complex128), with the same inputs and weights and every random draw read from one NumPy stream:
geomloss' SamplesLoss (sinkhorn balanced / unbalanced, debiased or not, several blurs and scalings, hausdorff with a
kernel, energy, gaussian, laplacian; weighted, unweighted and batched clouds; values, gradients w.r.t. positions and
weights, potentials, gradient flows) and its new `geomloss.ot` solvers; torchensemble's Voting, Bagging, Fusion,
GradientBoosting, SoftGradientBoosting, Snapshot, AdversarialTraining, FastGeometric and NeuralForest classifiers and
regressors on an MLP and a small CNN (2 epochs, optimizers and schedulers, predict, evaluate, the io checkpoints);
torchkbnufft's KbNufft, KbNufftAdjoint, KbInterp / KbInterpAdjoint, sparse interpolation matrices, density
compensation and ToepNufft on a 16 x 16 image with 3 coils and a radial trajectory. The failures these tests pin down,
each reproduced in a few lines (the packages themselves are never imported here): `torch.jit.fork` / `torch.jit.wait`
/ `torch.jit.Future` (torchkbnufft's interpolation forks one task per batch or coil chunk; outside TorchScript PyTorch
runs it at once); the backward of sqrt / log / rsqrt / reciprocal at 0 printed NumPy's RuntimeWarnings where PyTorch is
silent (geomloss' Sinkhorn with a cost `sqrt(...) ** 1.5` on its debiasing terms); `autograd.grad`'s errors for an
input the outputs do not use and for one that does not require grad, in PyTorch's words (torchkbnufft gives no
gradient for its trajectory); a refused weights-only load is a `pickle.UnpicklingError`, as PyTorch's
(torchensemble's checkpoints hold the loss module); and the rest of PyTorch's weights-only allow-list (set, bytes,
bytearray, complex, Counter, torch.Size, torch.device), with nn.save writing Size and device under PyTorch's names."""
import collections
import pickle
import warnings
import zipfile

import numpy as np
import pytest

import nn


# ---- torch.jit.fork / wait / Future (torchkbnufft's table interpolation) ------------------------------------------

def test_jit_fork_runs_the_task_now_and_wait_returns_its_result():
    calls = []

    def task(a, b=1):
        calls.append((a, b))
        return a + b

    future = nn.jit.fork(task, nn.tensor([1.0, 2.0]), b=3)
    assert calls and future.done()                       # run at once, in this thread (PyTorch's eager fork)
    assert isinstance(future, nn.jit.Future) and nn.jit.Future is nn.futures.Future
    np.testing.assert_array_equal(nn.jit.wait(future).numpy(), [4.0, 5.0])
    futures = [nn.jit.fork(task, i) for i in range(3)]   # torchkbnufft's fork_and_accum: fork all, then wait all
    assert [nn.jit.wait(f) for f in futures] == [1, 2, 3]


def test_jit_fork_raises_the_tasks_error_itself():
    def bad():
        raise ValueError("boom")
    with pytest.raises(ValueError, match="boom"):
        nn.jit.fork(bad)


# ---- backward of sqrt / log / rsqrt / reciprocal at 0: inf and NaN silently, as PyTorch ---------------------------

@pytest.mark.parametrize("name, at_zero", [("sqrt", np.inf), ("log", np.inf), ("rsqrt", -np.inf),
                                           ("reciprocal", -np.inf)])
def test_infinite_derivative_at_zero_is_silent(name, at_zero):
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # PyTorch prints nothing here
        x = nn.tensor([0.0, 1.0], requires_grad=True)
        getattr(nn, name)(x).sum().backward()
        first = x.grad.numpy().copy()
        x = nn.tensor([0.0, 1.0], requires_grad=True)
        getattr(nn, name)(x)[1].backward()               # a zero gradient times an infinite derivative: NaN
        second = x.grad.numpy()
    slope = {"sqrt": 0.5, "log": 1.0, "rsqrt": -0.5, "reciprocal": -1.0}[name]
    np.testing.assert_array_equal(first, [at_zero, slope])
    assert np.isnan(second[0]) and second[1] == slope


def test_sinkhorn_style_cost_with_zero_distances_backpropagates_silently():
    x = nn.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cost = ((x.unsqueeze(1) - x.detach().unsqueeze(0)) ** 2).sum(-1).sqrt() ** 1.5   # zero on the diagonal
        cost.sum().backward()
    assert np.isnan(x.grad.numpy()).all()                # PyTorch: 0 * inf on the diagonal gives NaN too


# ---- autograd.grad of an input the outputs do not use: PyTorch's words (torchkbnufft's trajectory has no gradient) --

def test_grad_of_an_unused_input_in_pytorchs_words():
    x, y = nn.ones(2, requires_grad=True), nn.ones(2, requires_grad=True)
    message = (r"The differentiated Tensor at index 1 appears to not have been used in the graph\. "
               r"Set allow_unused=True if this is the desired behavior\.")
    with pytest.raises(RuntimeError, match=message):
        nn.autograd.grad((x * 2).sum(), [x, y])
    with pytest.raises(RuntimeError, match=message):        # batched grad_outputs: the same check
        nn.autograd.grad(x * 2, [x, y], nn.eye(2), is_grads_batched=True)
    with pytest.raises(RuntimeError,
                       match=r"^One of the differentiated Tensors does not require grad \(input 1: set requires_grad"):
        nn.autograd.grad((x * 2).sum(), [x, nn.ones(2)])
    gx, gy = nn.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    np.testing.assert_array_equal(gx.numpy(), [2.0, 2.0])
    assert gy is None


# ---- a refused weights-only load is a pickle.UnpicklingError (torchensemble's io.load) ----------------------------

def test_refused_weights_only_load_is_an_unpickling_error(tmp_path):
    path = str(tmp_path / "ckpt.pth")
    nn.save({"model": {"w": nn.ones(2)}, "_criterion": nn.CrossEntropyLoss(), "n_outputs": 3}, path)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        nn.load(path)
    state = nn.load(path, weights_only=False)            # the trusted load, as after PyTorch's advice
    assert isinstance(state["_criterion"], nn.CrossEntropyLoss) and state["n_outputs"] == 3


# ---- the rest of PyTorch's weights-only allow-list ----------------------------------------------------------------

def test_weights_only_load_takes_pytorchs_plain_values(tmp_path):
    path = str(tmp_path / "values.pt")
    values = {"set": {1, 2}, "bytes": b"ab\x00\xff", "bytearray": bytearray(b"xy"), "complex": 1 + 2j,
              "counter": collections.Counter("aab"), "size": nn.Size([2, 3]), "device": nn.device("cpu"),
              "t": nn.ones(2)}
    nn.save(values, path)
    with zipfile.ZipFile(path) as z:
        pkl = z.read([n for n in z.namelist() if n.endswith("data.pkl")][0])
    assert b"torch\nSize\n" in pkl and b"torch\ndevice\n" in pkl     # PyTorch's names, not nn's classes
    back = nn.load(path)
    for key in ("set", "bytes", "bytearray", "complex", "counter"):
        assert back[key] == values[key] and type(back[key]) is type(values[key]), key
    assert type(back["size"]) is nn.Size and back["size"] == (2, 3)
    assert back["device"] == nn.device("cpu")


def test_weights_only_files_cross_load_with_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    theirs, ours = str(tmp_path / "theirs.pt"), str(tmp_path / "ours.pt")
    torch.save({"size": torch.Size([2, 3]), "device": torch.device("cpu"), "set": {3}, "b": b"\x01",
                "counter": collections.Counter("ab"), "c": 2j}, theirs)
    got = nn.load(theirs)
    assert type(got["size"]) is nn.Size and got["size"] == (2, 3) and got["device"] == nn.device("cpu")
    assert got["set"] == {3} and got["b"] == b"\x01" and got["counter"] == collections.Counter("ab") and got["c"] == 2j
    nn.save({"size": nn.Size([4]), "device": nn.device("cpu")}, ours)
    got = torch.load(ours)                               # weights_only=True, PyTorch's default
    assert type(got["size"]) is torch.Size and got["size"] == (4,) and got["device"] == torch.device("cpu")
