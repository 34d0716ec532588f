"""The register-blocked micro-kernels (nn/kernels/simd.py) against their NumPy twins, on random
operands, offsets, step counts and strides."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numba import njit

from nn.kernels import simd
from nn.kernels.simd import BCOLS, BR, MR, MX, MY, TILE_COLS, VL


@njit(cache=True)
def call_gather_tile(a, a0, b, b0, boff, s0, S, out, o0, ldo, accumulate):
    simd.gather_tile(a, a0, b, b0, boff, s0, S, out, o0, ldo, accumulate)


@njit(cache=True)
def call_bcast_tile(a, aoff, r0, soff, s0, S, b, b0, ldb, out, o0, ldo, resume):
    simd.bcast_tile(a, aoff, r0, soff, s0, S, b, b0, ldb, out, o0, ldo, resume)


@njit(cache=True)
def call_dot_tile(y, y0, ldy, x, x0, ldx, n, out, out0):
    simd.dot_tile(y, y0, ldy, x, x0, ldx, n, out, out0)


def test_tile_sizes_fit_the_vector_width():
    assert VL in (8, 16) and TILE_COLS == simd.NV * VL and MY * MX == VL and BCOLS == simd.BV * VL


@settings(max_examples=60, deadline=None)
@given(S=st.integers(0, 40), s0=st.integers(0, 5), a0=st.integers(0, 7), b0=st.integers(0, 33),
       ldo=st.integers(0, 9), o0=st.integers(0, 5), accumulate=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_gather_tile_matches_twin(S, s0, a0, b0, ldo, o0, accumulate, seed):
    """Arbitrary (unaligned) offsets into a, b and out, any step count (0 included: out = 0 or kept)."""
    rng = np.random.default_rng(seed)
    ldo = TILE_COLS + ldo                                        # rows of out may not overlap
    a = rng.standard_normal(a0 + S * MR).astype(np.float32)
    b = rng.standard_normal(b0 + 300).astype(np.float32)
    boff = np.concatenate([rng.integers(-5, 5, s0), rng.integers(0, 300 - TILE_COLS, S)]).astype(np.int64)
    out = rng.standard_normal(o0 + MR * ldo).astype(np.float32)
    want = out.copy()
    simd.gather_tile_ref(a, a0, b, b0, boff, s0, S, want, o0, ldo, accumulate)
    call_gather_tile(a, a0, b, b0, boff, s0, S, out, o0, ldo, int(accumulate))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-4)


@settings(max_examples=60, deadline=None)
@given(S=st.integers(0, 40), r0=st.integers(0, 5), s0=st.integers(0, 5), b0=st.integers(0, 9),
       gap=st.integers(0, 9), o0=st.integers(0, 5), resume=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_bcast_tile_matches_twin(S, r0, s0, b0, gap, o0, resume, seed):
    """Arbitrary row offsets into a (rows may repeat), negative step offsets (as the grad input's),
    unaligned b and out with different row lengths, S = 0 (out = 0, or kept when resuming)."""
    rng = np.random.default_rng(seed)
    ldb, ldo = BCOLS + gap, BCOLS + 2 * gap + 1                   # b's and out's row lengths
    a = rng.standard_normal(200).astype(np.float32)
    aoff = rng.integers(50, 150, r0 + BR).astype(np.int64)
    soff = rng.integers(-50, 50, s0 + S).astype(np.int64)
    b = rng.standard_normal(b0 + max(S, 1) * ldb).astype(np.float32)
    out = rng.standard_normal(o0 + BR * ldo).astype(np.float32)
    want = out.copy()
    simd.bcast_tile_ref(a, aoff, r0, soff, s0, S, b, b0, ldb, want, o0, ldo, resume)
    call_bcast_tile(a, aoff, r0, soff, s0, S, b, b0, ldb, out, o0, ldo, int(resume))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-4)


def test_bcast_tile_resumed_in_pieces_rounds_as_one_call():
    """Steps taken in three calls (the second and third resuming) give the very bits of one call."""
    rng = np.random.default_rng(3)
    S, ldb = 37, BCOLS
    a = rng.standard_normal(300).astype(np.float32)
    aoff = rng.integers(0, 100, BR).astype(np.int64)
    soff = rng.integers(0, 200, S).astype(np.int64)
    b = rng.standard_normal(S * ldb).astype(np.float32)
    whole, pieces = np.empty(BR * BCOLS, np.float32), np.full(BR * BCOLS, np.nan, np.float32)
    call_bcast_tile(a, aoff, 0, soff, 0, S, b, 0, ldb, whole, 0, BCOLS, 0)
    for k, (lo, hi) in enumerate([(0, 10), (10, 11), (11, S)]):
        call_bcast_tile(a, aoff, 0, soff, lo, hi - lo, b, lo * ldb, ldb, pieces, 0, BCOLS, int(k > 0))
    np.testing.assert_array_equal(pieces, whole)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 12), y0=st.integers(0, 9), x0=st.integers(0, 9), gapy=st.integers(0, 7),
       gapx=st.integers(0, 7), out0=st.integers(0, 3), seed=st.integers(0, 2**31 - 1))
def test_dot_tile_matches_twin(n, y0, x0, gapy, gapx, out0, seed):
    """Row strides longer than the rows (gaps), unaligned starts, n = 0; the sums are added to out."""
    rng = np.random.default_rng(seed)
    K = n * VL
    ldy, ldx = K + gapy, K + gapx
    y = rng.standard_normal(y0 + MY * ldy + 1).astype(np.float32)
    x = rng.standard_normal(x0 + MX * ldx + 1).astype(np.float32)
    out = rng.standard_normal(out0 + VL + 2).astype(np.float32)
    want = out.copy()
    simd.dot_tile_ref(y, y0, ldy, x, x0, ldx, n, want, out0)
    call_dot_tile(y, y0, ldy, x, x0, ldx, n, out, out0)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-4)


def test_twins_match_definition():
    """The twins themselves against explicit loops, on one small case each."""
    rng = np.random.default_rng(0)
    S = 3
    a, b = rng.standard_normal(S * MR).astype(np.float32), rng.standard_normal(200).astype(np.float32)
    boff = np.array([5, 0, 17], np.int64)
    out = np.zeros(MR * TILE_COLS, np.float32)
    simd.gather_tile_ref(a, 0, b, 2, boff, 0, S, out, 0, TILE_COLS, 0)
    for r in range(MR):
        for j in range(TILE_COLS):
            want = sum(a[s * MR + r] * b[2 + boff[s] + j] for s in range(S))
            assert abs(out[r * TILE_COLS + j] - want) < 1e-4
    n = 2
    y, x = rng.standard_normal(MY * n * VL).astype(np.float32), rng.standard_normal(MX * n * VL).astype(np.float32)
    out = np.ones(VL, np.float32)
    simd.dot_tile_ref(y, 0, n * VL, x, 0, n * VL, n, out, 0)
    for i in range(MY):
        for j in range(MX):
            want = 1 + sum(y[i * n * VL + k] * x[j * n * VL + k] for k in range(n * VL))
            assert abs(out[i * MX + j] - want) < 1e-4
    a, b = rng.standard_normal(50).astype(np.float32), rng.standard_normal(S * BCOLS).astype(np.float32)
    aoff, soff = rng.integers(0, 30, BR).astype(np.int64), np.array([4, 0, 19], np.int64)
    out = np.zeros(BR * BCOLS, np.float32)
    simd.bcast_tile_ref(a, aoff, 0, soff, 0, S, b, 0, BCOLS, out, 0, BCOLS, 0)
    for r in range(BR):
        for j in range(BCOLS):
            want = sum(a[aoff[r] + soff[s]] * b[s * BCOLS + j] for s in range(S))
            assert abs(out[r * BCOLS + j] - want) < 1e-4


def test_job_count():
    """At most `most` items per job (sizes n*k//jobs differ by <= 1), and a job count that is a
    multiple of the threads whenever the items allow it."""
    from nn.kernels.conv_simd import job_count
    for n in range(1, 60):
        for most in (1, 3, 8):
            for threads in (1, 2, 3):
                jobs = job_count(n, most, threads)
                sizes = [(k + 1) * n // jobs - k * n // jobs for k in range(jobs)]
                assert sum(sizes) == n and max(sizes) <= most and min(sizes) >= 1
                if n >= threads:
                    assert jobs % threads == 0 or jobs == n, (n, most, threads, jobs)


AVX2_CHECK = """
import numpy as np
from nn.kernels import conv, simd
assert simd.VL == 8, simd.VL
rng = np.random.default_rng(0)
for (N, C, H, W, O, k, s, p) in [(2, 12, 9, 7, 10, 3, 1, 1), (3, 10, 11, 10, 13, 3, 2, 1)]:
    x = rng.standard_normal((N, C, H, W)).astype(np.float32)
    w = rng.standard_normal((O, C, k, k)).astype(np.float32)
    b = rng.standard_normal(O).astype(np.float32)
    y = conv._conv2d_forward(x, w, b, (s, s), (p, p), "simd")
    gy = rng.standard_normal(y.shape).astype(np.float32)
    pairs = [(conv._conv2d_forward(x, w, b, (s, s), (p, p), route), conv.conv2d_forward_ref(x, w, b, (s, s), (p, p)))
             for route in ("simd", "small")]
    for route in ("simd", "small"):
        pairs += [(conv._conv2d_grad_input(gy, w, (H, W), (s, s), (p, p), route),
                   conv.conv2d_grad_input_ref(gy, w, (H, W), (s, s), (p, p))),
                  (conv._conv2d_grad_weight(gy, x, (k, k), (s, s), (p, p), route),
                   conv.conv2d_grad_weight_ref(gy, x, (k, k), (s, s), (p, p)))]
    for got, want in pairs:
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
print("ok")
"""


def test_avx2_variant_in_a_subprocess(tmp_path):
    """The 8-float (AVX2) tile shapes, compiled for a Haswell target in a fresh process (with its own
    Numba cache): the code path of CPUs without AVX-512 (the 'simd' and 'small' conv routes), checked
    against the twins. Skipped where this process already compiles for 8 floats (a host without AVX-512):
    the tests above run that path here."""
    import os
    import subprocess
    import sys
    if VL == 8:
        pytest.skip("this process already runs the 8-float (AVX2) tiles: the host has no AVX-512")
    env = dict(os.environ, NUMBA_CPU_NAME="haswell", NUMBA_CACHE_DIR=str(tmp_path))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    r = subprocess.run([sys.executable, "-c", AVX2_CHECK], env=env, cwd=root, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-2000:]
