"""Shared test helpers."""
import functools
import importlib
import os
import random
import sys
import zlib

import numpy as np
import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


@pytest.fixture(autouse=True)
def _seeded(request):
    """Every test starts from random streams fixed by its own name (nn's, NumPy's and Python's global generators,
    and PyTorch's when it is imported), so that its draws do not depend on which tests ran before it in the same
    pytest-xdist worker. NN_TEST_SEED=k shifts every seed by k: a sweep over k finds tests whose tolerance holds
    only for the draws they happen to get."""
    import nn
    seed = (zlib.crc32(request.node.nodeid.encode()) + int(os.environ.get("NN_TEST_SEED", "0"))) % 2 ** 32
    nn.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    torch = _torch_if_installed()
    if torch is not None:
        torch.manual_seed(seed)


@functools.cache
def _torch_if_installed():
    """PyTorch, imported once per process, or None without it (imported here rather than by the first test
    that needs it, so that test's draws are seeded like every other's)."""
    try:
        import torch
    except ImportError:
        return None
    return torch


@pytest.fixture(scope="session")
def example():
    """example(name) -> examples/<name>.py imported as a module (its functions are what the example runs)."""
    def load(name):
        sys.path.insert(0, EXAMPLES)
        try:
            return importlib.import_module(name)
        finally:
            sys.path.remove(EXAMPLES)
    return load


@pytest.fixture
def blas_hold_spy():
    """(Spy, seen): a drop-in for nn.kernels.single_thread_blas that appends the BLAS thread count seen
    inside each hold it enters to `seen` (monkeypatch it over the name a module calls)."""
    from nn.kernels import threads
    seen = []

    class Spy(threads.single_thread_blas):
        def __enter__(self):
            held = super().__enter__()
            seen.append(threads.blas_num_threads())
            return held
    return Spy, seen


@pytest.fixture(scope="session")
def train_tiny(tmp_path_factory):
    """train_tiny(epochs) -> the model.npz of a tiny model trained by `colorize train` on 6 synthetic
    beaches of 16 x 16 (for tests of predict that need real weights, not good ones)."""
    from colorize.cli import main

    def train(epochs):
        run = tmp_path_factory.mktemp("tiny") / "run"
        assert main(["train", "synthetic:beach", "--out", str(run), "--images", "6", "--size", "16",
                     "--epochs", str(epochs), "--quiet"]) == 0
        return str(run / "model.npz")
    return train


@pytest.fixture(scope="session")
def signal_colorize():
    """signal_colorize(args, ready, sig, settle=0) -> (exit status, stderr): run `python -m colorize ARGS` in a
    child process, wait until ready() is true (at most 120 s), `settle` seconds more, then send it sig."""
    import signal
    import subprocess
    import time

    def run(args, ready, sig=signal.SIGINT, settle=0.0):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.getcwd()] + sys.path))
        proc = subprocess.Popen([sys.executable, "-m", "colorize"] + [str(a) for a in args], stderr=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, env=env)
        try:
            deadline = time.monotonic() + 120
            while not ready() and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.02)
            time.sleep(settle)
            assert proc.poll() is None, "the command finished before the signal; give it more work"
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        return proc.returncode, err
    return run


@pytest.fixture
def kernel_threads():
    """kernel_threads(n): run the rest of the test with n kernel threads (nn.kernels.set_num_threads; skipped
    if Numba allows fewer); the count is restored afterwards."""
    from nn.kernels import threads
    before = threads.get_num_threads()

    def use(n):
        if n > threads.numba.config.NUMBA_NUM_THREADS:
            pytest.skip(f"needs {n} threads, Numba has {threads.numba.config.NUMBA_NUM_THREADS}")
        threads.set_num_threads(n)
    yield use
    threads.set_num_threads(before)
