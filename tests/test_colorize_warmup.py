"""colorize.warmup: a first training step's backward kernels compiled in a child process, and the autograd
walk it uses (nn.tensor.run_backwards_leaves_first)."""
import os

import numpy as np

import nn
from colorize import warmup
from colorize.losses import RegressionLoss
from colorize.models import build_model
from nn.tensor import run_backwards_leaves_first


def test_run_backwards_leaves_first_calls_each_node_once_leaves_first_and_keeps_graph_and_grads():
    x = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2.0
    z = y.exp()
    loss = z.sum()
    calls = []
    for name, node in (("y", y), ("z", z), ("loss", loss)):
        original = node._backward

        def recording(g, name=name, original=original):
            calls.append((name, g.shape, float(np.abs(g).sum())))
            return original(g)
        node._backward = recording
    run_backwards_leaves_first(loss)
    assert calls == [("y", (3,), 0.0), ("z", (3,), 0.0), ("loss", (), 0.0)]
    assert x.grad is None
    loss.backward()                              # the graph is still there, and the gradient is the true one
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2 * x.detach().numpy()), rtol=1e-6)


def _mlp_step_inputs():
    nn.manual_seed(0)
    model = build_model({"model": "mlp"})
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = rng.random((4, 1, 12, 12), dtype=np.float32)
    y = rng.uniform(-0.3, 0.3, (4, 2, 12, 12)).astype(np.float32)
    return model, RegressionLoss(), optimizer, x, y


def test_start_compiles_the_step_into_the_cache_of_a_child_and_changes_nothing_here(tmp_path, monkeypatch,
                                                                                      kernel_threads):
    monkeypatch.setattr(warmup, "training_compiled", lambda: False)
    monkeypatch.setattr(warmup, "_started", False)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    kernel_threads(2)
    model, loss, optimizer, x, y = _mlp_step_inputs()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    thread = warmup.start(model, loss, optimizer, x, y)
    assert thread is not None
    thread.join(120)
    assert not thread.is_alive()
    written = {name.split("-")[0] for _, _, files in os.walk(tmp_path) for name in files if name.endswith(".nbi")}
    assert "optim.adam_update_flat" in written          # the optimizer step's kernel, compiled there
    assert "patches._extract" in written                # and the kernel of the mlp's step that is not twinned
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    assert all(p.grad is None for p in model.parameters()) and not optimizer.state
    assert warmup.start(model, loss, optimizer, x, y) is None           # once per process


class _FakeChild:
    """Stands in for the child process: takes the payload, exits at once."""
    started = 0

    def __init__(self, *args, **kwargs):
        type(self).started += 1
        self.stdin = open(os.devnull, "wb")

    def wait(self):
        return 0


def test_start_runs_at_one_kernel_thread_but_not_on_one_core_or_once_a_step_is_compiled(monkeypatch,
                                                                                         kernel_threads):
    model, loss, optimizer, x, y = _mlp_step_inputs()
    monkeypatch.setattr(_FakeChild, "started", 0)
    monkeypatch.setattr(warmup.subprocess, "Popen", _FakeChild)
    monkeypatch.setattr(warmup, "training_compiled", lambda: False)
    monkeypatch.setattr(warmup, "_started", False)
    kernel_threads(2)                       # skips on a one-core machine, where nothing may start
    nn.set_num_threads(1)                   # one thread of arithmetic; the compile may still use the other core
    thread = warmup.start(model, loss, optimizer, x, y)
    assert thread is not None and _FakeChild.started == 1
    thread.join(10)
    with monkeypatch.context() as m:
        m.setattr(warmup, "_started", False)
        m.setattr(warmup.numba.config, "NUMBA_NUM_THREADS", 1)             # one core (taskset -c 0)
        assert warmup.start(model, loss, optimizer, x, y) is None
    monkeypatch.setattr(warmup, "_started", False)
    monkeypatch.setattr(warmup, "training_compiled", lambda: True)
    assert warmup.start(model, loss, optimizer, x, y) is None
    assert _FakeChild.started == 1


def test_start_skips_what_does_not_pickle(monkeypatch, kernel_threads):
    monkeypatch.setattr(warmup, "training_compiled", lambda: False)
    monkeypatch.setattr(warmup, "_started", False)
    model, _, optimizer, x, y = _mlp_step_inputs()
    kernel_threads(2)
    assert warmup.start(model, lambda out, target, labels: None, optimizer, x, y) is None


def test_training_compiled_is_true_when_numba_cache_layout_is_unknown(monkeypatch):
    class Bare:
        pass
    monkeypatch.setattr(warmup, "adam_update_flat", Bare())
    monkeypatch.setattr(warmup, "sgd_update_flat", Bare())
    assert warmup.training_compiled() is True
