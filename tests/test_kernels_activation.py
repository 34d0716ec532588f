"""Activation kernels (nn/kernels/activation.py) vs their NumPy twins, including NaN, zeros and strided input."""
import numpy as np
from hypothesis import given, settings, strategies as st

from nn.kernels import activation as KA

SETTINGS = settings(max_examples=25, deadline=None)


@st.composite
def case(draw):
    shape = draw(st.sampled_from([(0,), (1,), (7,), (3, 5), (2, 3, 4, 5)]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.standard_normal(shape).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    if x.size > 3:                                  # exact zeros and a NaN: the edge cases of the masks
        x.flat[0], x.flat[1], x.flat[2] = 0.0, -0.0, np.nan
    if draw(st.booleans()) and x.ndim >= 2:         # same values, not C-contiguous
        x, g = (np.asfortranarray(a) for a in (x, g))
    return x, g, draw(st.sampled_from([0.01, 0.1, 0.5]))


@SETTINGS
@given(case())
def test_relu_matches_twin(c):
    x, g, _ = c
    y = KA.relu_forward(x)
    assert y.dtype == x.dtype and y.shape == x.shape
    np.testing.assert_array_equal(y, KA.relu_forward_ref(x))
    np.testing.assert_array_equal(KA.relu_backward(g, y), KA.relu_backward_ref(g, y))


@SETTINGS
@given(case())
def test_leaky_relu_matches_twin(c):
    x, g, slope = c
    y = KA.leaky_relu_forward(x, slope)
    assert y.dtype == x.dtype and y.shape == x.shape
    np.testing.assert_array_equal(y, KA.leaky_relu_forward_ref(x, slope))
    np.testing.assert_array_equal(KA.leaky_relu_backward(g, x, slope), KA.leaky_relu_backward_ref(g, x, slope))


def test_relu_twin_is_the_textbook_formula():
    x = np.array([-2.0, -0.0, 0.0, 1.5, np.nan], np.float32)
    np.testing.assert_array_equal(KA.relu_forward_ref(x), [0, 0, 0, 1.5, np.nan])
    y = KA.relu_forward(x)
    g = np.full(5, 3.0, np.float32)
    np.testing.assert_array_equal(KA.relu_backward(g, y), [0, 0, 0, 3, 3])   # NaN input: g, as PyTorch's
    np.testing.assert_array_equal(KA.leaky_relu_backward(g, x, 0.1), np.float32([0.3, 0.3, 0.3, 3, 0.3]))


def test_large_inputs_split_over_threads_give_the_twins_values(kernel_threads):
    """Past PARALLEL_MIN elements the kernels split the elements over the threads: the twins' values exactly."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(KA.PARALLEL_MIN * 2 + 3).astype(np.float32).reshape(-1, 1)
    g = rng.standard_normal(x.shape).astype(np.float32)
    kernel_threads(2)
    y = KA.relu_forward(x)
    np.testing.assert_array_equal(y, KA.relu_forward_ref(x))
    np.testing.assert_array_equal(KA.relu_backward(g, y), KA.relu_backward_ref(g, y))
    np.testing.assert_array_equal(KA.leaky_relu_forward(x, 0.1), KA.leaky_relu_forward_ref(x, 0.1))
    np.testing.assert_array_equal(KA.leaky_relu_backward(g, x, 0.1), KA.leaky_relu_backward_ref(g, x, 0.1))


def test_a_share_writes_its_own_elements_and_no_others():
    """Each kernel given the elements i0 .. i1 - 1 (one thread's share) writes exactly those: its twin's values
    there, the rest of the output untouched (the loops index slices from i0)."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(1000).astype(np.float32)
    g = rng.standard_normal(1000).astype(np.float32)
    slope = np.float32(0.1)
    cases = [(KA._relu, (x,), KA.relu_forward_ref(x)),
             (KA._relu_bwd, (g, x), KA.relu_backward_ref(g, x)),
             (KA._leaky, (x, slope), KA.leaky_relu_forward_ref(x, 0.1)),
             (KA._leaky_bwd, (g, x, slope), KA.leaky_relu_backward_ref(g, x, 0.1))]
    for kernel, args, want in cases:
        for i0, i1 in [(0, 1000), (37, 501), (501, 1000), (999, 1000), (400, 400)]:
            out = np.full(1000, 7.0, np.float32)
            kernel(i0, i1, *args, out)
            np.testing.assert_array_equal(out[i0:i1], want[i0:i1])
            assert (out[:i0] == 7).all() and (out[i1:] == 7).all(), (kernel, i0, i1)
