"""Compile a first training step's backward kernels in a second process, beside this one's forward pass.

A first training step after install compiles its Numba kernels one after the other on one core (about
11 s for the default recipe on a 2-core machine): about half for the forward pass, half for the backward
pass and the optimizer step. start() hands a pickled copy of the model, the loss, the optimizer and the
first batch to a child process (`python -m colorize.warmup`), which

  1. runs the forward pass on the kernels' NumPy twins (nn.kernels.numpy_twins: nothing compiles);
  2. takes an optimizer step on zero gradients;
  3. runs every backward node once on a zero gradient, the nodes nearest the inputs first.

Steps 2 and 3 compile their kernels into Numba's on-disk cache in the reverse of the order this process's
backward pass and step meet them, so the two processes work towards each other from the two ends: when
this process reaches a kernel the child has compiled, it loads it (0.1-0.2 s); one the child has not
reached yet compiles here, as it would have anyway.

The child works on its own copies and its output is discarded: nothing here changes, results and seeds
included. It starts at one kernel thread too (set_num_threads counts the threads of the arithmetic; a
compile is a one-off, as PyTorch's compile workers are not held to torch.set_num_threads), but not when
the process may use one core only (NUMBA_NUM_THREADS, which follows the CPU affinity: `taskset -c 0`),
when Numba does not compile, or when an optimizer kernel is already in the cache (a training step has run
since install).
"""
import os
import pickle
import subprocess
import sys
import threading

import numba

import nn
from nn.kernels import numpy_twins
from nn.kernels.optim import adam_update_flat, sgd_update_flat
from nn.tensor import run_backwards_leaves_first

from .losses import forward_loss

_PACKAGES = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_started = False


def training_compiled():
    """Whether Numba's cache holds an optimizer kernel: if so, a training step has been compiled since
    install, and its kernels load from disk without help. Unsure (Numba's cache layout is private): True,
    so that nothing starts."""
    if numba.config.DISABLE_JIT:
        return True
    try:
        return any(os.path.exists(k._cache._cache_file._index_path) for k in (adam_update_flat, sgd_update_flat))
    except AttributeError:
        return True


def start(model, loss, optimizer, x, y, labels=None):
    """Start the child on copies of (model, loss, optimizer) and a batch x (N, 1, H, W), y (N, 2, H, W)
    ndarrays, labels (N,) or None; once per process (later steps find their kernels compiled in memory).
    Returns the thread that feeds and then reaps the child, or None if none started."""
    global _started
    if _started or numba.config.NUMBA_NUM_THREADS < 2 or not sys.executable or training_compiled():
        return None
    _started = True
    try:
        # two images are enough (the kernels route batches of two or more alike) and keep the twins quick
        payload = pickle.dumps((model, loss, optimizer, x[:2], y[:2], None if labels is None else labels[:2]),
                               protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:                       # a model or loss that does not pickle: no head start, no harm
        return None
    # run from the folder holding this colorize (and nn), so that the child imports the same code
    env = dict(os.environ)
    if env.get("NUMBA_CACHE_DIR"):
        env["NUMBA_CACHE_DIR"] = os.path.abspath(env["NUMBA_CACHE_DIR"])
    try:
        child = subprocess.Popen([sys.executable, "-m", "colorize.warmup"], cwd=_PACKAGES, env=env,
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:                         # no process to spare: the kernels compile here, as without it
        return None

    def feed_and_reap():                    # a pipe takes 64 KB at a time and the payload is MBs: not on this thread
        try:
            child.stdin.write(payload)
            child.stdin.close()
        except OSError:
            pass
        child.wait()

    thread = threading.Thread(target=feed_and_reap, name="colorize-warmup", daemon=True)
    thread.start()
    return thread


def _child():
    data = b"" if sys.stdin.isatty() else sys.stdin.buffer.read()
    if not data:
        sys.exit("colorize.warmup: nothing to do; colorize's training starts it with a pickled step on stdin")
    model, loss, optimizer, x, y, labels = pickle.loads(data)
    nn.set_num_threads(1)
    model.train()
    with numpy_twins():
        value = forward_loss(model, loss, x, y, labels)
    for group in optimizer.param_groups:    # the step comes last in the parent: first here
        for p in group["params"]:
            p.grad = nn.zeros_like(p)
    optimizer.step()
    run_backwards_leaves_first(value)


if __name__ == "__main__":
    _child()
