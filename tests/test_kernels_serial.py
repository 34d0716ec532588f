"""The serial copies of the parallel conv kernels (nn/kernels/serial.py): one thread runs them
and never the parallel builds, more threads run the parallel builds; both give the twins' results."""
import numpy as np
import pytest

from nn.kernels import conv, conv_direct, conv_layout, conv_simd
from nn.kernels.serial import pick

PARALLEL = [(conv_simd, "forward"), (conv_simd, "grad_input_planes"), (conv_simd, "grad_weight_taps"),
            (conv_direct, "forward"), (conv_direct, "grad_input_planes"), (conv_direct, "grad_weight"),
            (conv_layout, "copy_rows")]

CASES = [dict(N=3, C=10, O=9, H=13, W=11, stride=(1, 1)),      # simd route, several column jobs
         dict(N=2, C=1, O=6, H=9, W=12, stride=(2, 2)),        # direct route (one input channel)
         dict(N=2, C=5, O=1, H=8, W=7, stride=(1, 1)),         # direct forward (one output channel)
         dict(N=1, C=9, O=9, H=2, W=2, stride=(2, 2))]         # one column job: still the parallel build


def _forbid(monkeypatch, which):
    """Replace the parallel ('parallel') or serial ('serial') kernels by ones that fail when called."""
    def refuse(*args):
        raise AssertionError(f"the {which} kernel was called")
    for module, name in PARALLEL:
        monkeypatch.setattr(module, name if which == "parallel" else name + "_serial", refuse)


def _run_cases():
    for case in CASES:
        rng = np.random.default_rng(case["N"] * 7 + case["C"])
        x = rng.standard_normal((case["N"], case["C"], case["H"], case["W"])).astype(np.float32)
        w = rng.standard_normal((case["O"], case["C"], 3, 3)).astype(np.float32)
        s, p = case["stride"], (1, 1)
        y = conv.conv2d_forward(x, w, None, s, p)
        np.testing.assert_allclose(y, conv.conv2d_forward_ref(x, w, None, s, p), rtol=1e-4, atol=1e-4)
        gy = rng.standard_normal(y.shape).astype(np.float32)
        np.testing.assert_allclose(conv.conv2d_grad_input(gy, w, x.shape[2:], s, p),
                                   conv.conv2d_grad_input_ref(gy, w, x.shape[2:], s, p), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(conv.conv2d_grad_weight(gy, x, (3, 3), s, p),
                                   conv.conv2d_grad_weight_ref(gy, x, (3, 3), s, p), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("n_threads", [1, 2])
def test_thread_count_picks_serial_or_parallel(monkeypatch, n_threads, numba_threads):
    numba_threads(n_threads)
    _forbid(monkeypatch, "parallel" if n_threads == 1 else "serial")
    _run_cases()


def test_serial_copies_are_serial_and_cached_apart():
    for module, name in PARALLEL:
        kernel, serial = getattr(module, name), getattr(module, name + "_serial")
        assert kernel.targetoptions.get("parallel") and not serial.targetoptions.get("parallel")
        assert serial.py_func.__qualname__ == name + "_serial"          # its own cache file
        assert serial.py_func.__code__ is kernel.py_func.__code__        # one source
    assert pick("p", "s", 1) == "s" and pick("p", "s", 2) == "p"
