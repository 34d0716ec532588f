"""Decoding per-pixel bin logits: annealed mean, mean, mode."""
import numpy as np
import pytest

from colorize import decode
from colorize.errors import ColorizeError

RNG = np.random.default_rng(0)
CENTRES = (RNG.standard_normal((7, 2)) * 40).astype(np.float32)


def _explicit_mean(logits, centres):
    e = np.exp(logits.astype(np.float64))
    p = e / e.sum(axis=1, keepdims=True)
    return np.einsum("nqhw,qc->nchw", p, centres.astype(np.float64))


def test_t1_is_the_mean():
    logits = RNG.standard_normal((2, 7, 3, 4)).astype(np.float32)
    ab = decode.annealed_mean(logits, CENTRES, T=1.0)
    assert ab.shape == (2, 2, 3, 4) and ab.dtype == np.float32
    np.testing.assert_allclose(ab, _explicit_mean(logits, CENTRES), rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(decode.mean(logits, CENTRES), ab)


def test_falling_temperature_approaches_the_mode():
    """|annealed(T) - mode| <= (1 - p_T(mode)) * max_q |c_q - c_mode|, and p_T(mode) rises to 1 as T falls."""
    logits = RNG.standard_normal((1, 7, 4, 4))
    top = np.argmax(logits, axis=1)
    np.put_along_axis(logits, top[:, None], np.take_along_axis(logits, top[:, None], 1) + 1.0, axis=1)  # gap 1
    mode = decode.mode(logits, CENTRES)
    np.testing.assert_array_equal(mode[0, :, 1, 2], CENTRES[top[0, 1, 2]])
    spread = np.abs(CENTRES[:, None] - CENTRES[None]).max()
    p_mode, dist = [], []
    for T in (1.0, 0.38, 0.1, 0.02):
        p_mode.append(np.take_along_axis(decode.softmax(logits, T), top[:, None], 1)[:, 0])
        dist.append(np.abs(decode.annealed_mean(logits, CENTRES, T) - mode).max(axis=1))
        assert np.all(dist[-1] <= (1 - p_mode[-1]) * spread + 1e-4)
    assert all(np.all(b > a) for a, b in zip(p_mode, p_mode[1:]))
    assert dist[0].max() > 1.0 and dist[-1].max() < 1e-6 * spread


def test_large_logits_do_not_overflow():
    logits = np.zeros((1, 7, 1, 1))
    logits[0, 3] = 1e4
    ab = decode.annealed_mean(logits, CENTRES, T=0.01)
    np.testing.assert_allclose(ab[0, :, 0, 0], CENTRES[3])


def test_decode_dispatch_and_errors():
    logits = RNG.standard_normal((1, 7, 2, 2))
    np.testing.assert_array_equal(decode.decode(logits, CENTRES, "mode"), decode.mode(logits, CENTRES))
    np.testing.assert_array_equal(decode.decode(logits, CENTRES, "annealed", T=0.5),
                                  decode.annealed_mean(logits, CENTRES, 0.5))
    with pytest.raises(ColorizeError, match="unknown decoding"):
        decode.decode(logits, CENTRES, "median")
    with pytest.raises(ColorizeError, match="lightness"):
        decode.decode(logits, CENTRES, "mrf")
    with pytest.raises(ColorizeError, match="temperature"):
        decode.annealed_mean(logits, CENTRES, T=0.0)
    with pytest.raises(ColorizeError, match="centres"):
        decode.mean(logits, CENTRES[:5])


def test_log_softmax_is_the_log_of_softmax():
    logits = RNG.standard_normal((2, 7, 3, 3)) * 5
    np.testing.assert_allclose(decode.log_softmax(logits, 0.5), np.log(decode.softmax(logits, 0.5)), atol=1e-12)
    big = np.zeros((1, 7, 1, 1))
    big[0, 0] = 1e4
    assert np.isfinite(decode.log_softmax(big)).all()           # log(0) avoided


def test_expected_ab_holds_blas_at_one_thread(monkeypatch, blas_hold_spy):
    # it runs in every training step of a bins model: BLAS threads left spinning after it doubled the CPU
    # time of the steps that follow
    from threadpoolctl import threadpool_limits
    from nn.kernels import threads
    import colorize.decode as DEC
    spy, seen = blas_hold_spy
    monkeypatch.setattr(DEC, "single_thread_blas", spy)
    prob = np.random.default_rng(0).dirichlet(np.ones(64), size=(2, 32, 32)).transpose(0, 3, 1, 2)
    centres = np.random.default_rng(1).normal(size=(64, 2)) * 30
    with threadpool_limits(2, user_api="blas"):
        ab = DEC.expected_ab(prob, centres)
        after = threads.blas_num_threads()
    assert seen == [1] and after == 2
    np.testing.assert_allclose(ab, np.einsum("nqhw,qc->nchw", prob, centres), rtol=1e-5, atol=1e-4)
