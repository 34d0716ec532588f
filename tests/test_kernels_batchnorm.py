"""The batch-norm kernels against their NumPy twins on random shapes, float32 and float64."""
import numpy as np
from hypothesis import given, settings, strategies as st

from nn.kernels import batchnorm as BN


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 4), c=st.integers(1, 5), m=st.integers(1, 40), training=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 10_000))
def test_kernels_match_their_twins(n, c, m, training, dtype, seed):
    if n * m < 2:
        n, m = 2, m
    rng = np.random.default_rng(seed)
    x = (rng.normal(0.5, 2.0, (n, c, m))).astype(dtype)
    g = rng.normal(size=(n, c, m)).astype(dtype)
    w = rng.normal(size=c).astype(dtype)
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    mean, var = BN.batch_norm_stats(x)
    mean_r, var_r = BN.batch_norm_stats_ref(x)
    np.testing.assert_allclose(mean, mean_r, **tol)
    np.testing.assert_allclose(var, var_r, **tol)
    inv_std = 1.0 / np.sqrt(var + 1e-5)
    shift = rng.normal(size=c)
    y = BN.batch_norm_apply(x, mean, inv_std * w, shift)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, BN.batch_norm_apply_ref(x, mean, inv_std * w, shift), **tol)
    for got, want in zip(BN.batch_norm_backward(g, x, mean, inv_std, w, training),
                         BN.batch_norm_backward_ref(g, x, mean, inv_std, w, training)):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want, **tol)


def test_large_inputs_split_over_threads_give_the_twins_values_and_the_one_thread_bits(kernel_threads):
    """Past PARALLEL_MIN values the channels are split over the threads: the same bits as one thread."""
    rng = np.random.default_rng(0)
    n, c, m = 3, 7, BN.PARALLEL_MIN // 16 + 5          # 3 * 7 * m > PARALLEL_MIN
    x = rng.normal(0.5, 2.0, (n, c, m)).astype(np.float32)
    g = rng.normal(size=(n, c, m)).astype(np.float32)
    w = rng.normal(size=c).astype(np.float32)
    results = []
    for threads in (1, 2):
        kernel_threads(threads)
        mean, var = BN.batch_norm_stats(x)
        inv_std = 1.0 / np.sqrt(var + 1e-5)
        results.append([mean, var, BN.batch_norm_apply(x, mean, inv_std * w, -mean)]
                       + list(BN.batch_norm_backward(g, x, mean, inv_std, w, True)))
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)
    mean, var, y, gx, gw, gb = results[1]
    np.testing.assert_allclose(mean, BN.batch_norm_stats_ref(x)[0], rtol=1e-6)
    inv_std = 1.0 / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(y, BN.batch_norm_apply_ref(x, mean, inv_std * w, -mean), rtol=1e-5, atol=1e-5)
    for got, want in zip((gx, gw, gb), BN.batch_norm_backward_ref(g, x, mean, inv_std, w, True)):
        np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-3)
