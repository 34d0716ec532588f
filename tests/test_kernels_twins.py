"""nn.kernels.numpy_twins: every kernel swapped for its NumPy twin inside, put back after."""
import numpy as np
import pytest

import nn
import nn.kernels as K
from nn.kernels.threads import _blas_controllers
from nn.kernels.twins import _twinned


def test_every_kernel_with_a_twin_is_swapped_inside_and_restored_after():
    names = [name for name, _, _ in _twinned(K)]
    assert {"conv2d_forward", "conv2d_grad_weight", "leaky_relu_forward", "upsample_nearest2d_forward",
            "batch_norm_apply", "adam_update", "soft_xent_backward"} <= set(names)
    before = {n: getattr(K, n) for n in names}
    with K.numpy_twins():
        for n in names:
            assert getattr(K, n) is getattr(K, n + "_ref"), n
    assert {n: getattr(K, n) for n in names} == before
    with pytest.raises(RuntimeError):
        with K.numpy_twins():
            raise RuntimeError("inside")
    assert {n: getattr(K, n) for n in names} == before


def test_other_modules_kernels_are_swapped_too():
    from colorize.kernels import mrf
    kernel = mrf.mean_field
    with K.numpy_twins(mrf):
        assert mrf.mean_field is mrf.mean_field_ref
    assert mrf.mean_field is kernel


def test_blas_runs_on_the_kernels_thread_count_inside_and_gets_its_own_back():
    libs = _blas_controllers()
    if not libs:
        pytest.skip("no BLAS library found by threadpoolctl")
    before = [lib.num_threads for lib in libs]
    threads = nn.get_num_threads()
    try:
        nn.set_num_threads(1)
        with K.numpy_twins():
            assert [lib.num_threads for lib in libs] == [1] * len(libs)
    finally:
        nn.set_num_threads(threads)
    assert [lib.num_threads for lib in libs] == before


def _train_step(seed):
    """One SGD step (momentum) of a small float32 conv net touching conv, BatchNorm, LeakyReLU, pooling,
    upsampling, linear and soft-target cross-entropy -> its parameters and loss after the step. (float32: the
    kernels the colorize tests compile anyway; SGD, not Adam, whose first step is lr * sign(gradient) and
    would turn a rounding difference in a near-zero gradient into a difference of 2 lr.)"""
    nn.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.LeakyReLU(0.1), nn.MaxPool2d(2),
                        nn.Upsample(scale_factor=2), nn.Conv2d(4, 3, 3, stride=2, padding=1), nn.ReLU(),
                        nn.Flatten(), nn.Linear(3 * 4 * 4, 5))
    opt = nn.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(seed)
    x = nn.tensor(rng.standard_normal((3, 2, 8, 8)).astype(np.float32))
    target = nn.tensor(rng.dirichlet(np.ones(5), size=3).astype(np.float32))
    loss = nn.functional.cross_entropy(net(x), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return [p.detach().numpy().copy() for p in net.parameters()], float(loss.item())


def test_a_training_step_through_the_twins_matches_the_kernels():
    kernels, loss_k = _train_step(0)
    with K.numpy_twins():
        twins, loss_t = _train_step(0)
    assert np.isclose(loss_k, loss_t, rtol=1e-6)
    for a, b in zip(kernels, twins):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
