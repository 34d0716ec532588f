"""soft_xent_backward (the gradient of softmax cross-entropy with probability targets) against its NumPy twin."""
import numpy as np
import pytest

from nn.kernels import soft_xent_backward, soft_xent_backward_ref


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-6), (np.float64, 1e-14)])
@pytest.mark.parametrize("shape", [(2, 3, 5), (1, 313, 64), (4, 1, 1), (0, 3, 4), (3, 7, 1)])
def test_matches_twin(shape, dtype, tol):
    rng = np.random.default_rng(sum(shape))
    p = rng.dirichlet(np.ones(shape[1]), size=(shape[0], shape[2])).transpose(0, 2, 1).astype(dtype)
    q = rng.random(shape).astype(dtype)
    a, scale = q.sum(axis=1), rng.normal(size=(shape[0], shape[2]))
    out = soft_xent_backward(p, q, a, scale)
    assert out.dtype == dtype and out.shape == shape
    np.testing.assert_allclose(out, soft_xent_backward_ref(p, q, a, scale), rtol=0, atol=tol)


def test_non_contiguous_inputs():
    rng = np.random.default_rng(1)
    p = rng.random((3, 6, 10)).astype(np.float32)[:, ::2, :]            # (3, 3, 10), strided
    q = np.asfortranarray(rng.random((3, 3, 10)).astype(np.float32))
    a, scale = rng.random((3, 10)), rng.random((10, 3)).T                # scale transposed: not contiguous
    np.testing.assert_allclose(soft_xent_backward(p, q, a, scale), soft_xent_backward_ref(p, q, a, scale),
                               rtol=0, atol=1e-6)


def test_bad_shapes_are_refused():
    p = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(ValueError, match="soft_xent_backward"):
        soft_xent_backward(p, p.astype(np.float64), np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="soft_xent_backward"):
        soft_xent_backward(p, p, np.zeros((2, 3)), np.zeros((2, 3)))
