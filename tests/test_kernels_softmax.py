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
    np.testing.assert_allclose(out, soft_xent_backward_ref(p, q, a, scale), rtol=tol, atol=tol)


def test_non_contiguous_inputs():
    rng = np.random.default_rng(1)
    p = rng.random((3, 6, 10)).astype(np.float32)[:, ::2, :]            # (3, 3, 10), strided
    q = np.asfortranarray(rng.random((3, 3, 10)).astype(np.float32))
    a, scale = rng.random((3, 10)), rng.random((10, 3)).T                # scale transposed: not contiguous
    np.testing.assert_allclose(soft_xent_backward(p, q, a, scale), soft_xent_backward_ref(p, q, a, scale),
                               rtol=1e-6, atol=1e-6)


def test_independent_of_the_twin_formula():
    # (a p - q) * scale written out element by element, and its meaning: for p = softmax(z), a = sum q,
    # it is scale times the gradient of -sum_c q_c log softmax_c(z) (checked by central differences)
    rng = np.random.default_rng(2)
    z, q = rng.normal(size=(1, 4, 1)), rng.random((1, 4, 1))
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    out = soft_xent_backward(p, q, q.sum(axis=1), np.full((1, 1), 2.0))

    def loss(zz):
        return -(q * (zz - np.log(np.exp(zz).sum(axis=1, keepdims=True)))).sum()
    for c in range(4):
        dz = np.zeros_like(z)
        dz[0, c, 0] = 1e-6
        assert np.isclose(out[0, c, 0], 2.0 * (loss(z + dz) - loss(z - dz)) / 2e-6, rtol=1e-6)


def test_read_only_inputs_share_the_compiled_kernel():
    from nn.kernels.softmax import _backward
    p = np.full((1, 2, 1), 0.5)
    q = p.copy()
    q.flags.writeable = False
    soft_xent_backward(p, q, np.ones((1, 1)), np.broadcast_to(np.float64(1.0), (1, 1)))
    soft_xent_backward(p, p.copy(), np.ones((1, 1)), np.ones((1, 1)))
    assert len([sig for sig in _backward.signatures if sig[0].dtype.name == "float64"]) == 1


def test_bad_shapes_are_refused():
    p = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(ValueError, match="soft_xent_backward"):
        soft_xent_backward(p, p.astype(np.float64), np.zeros((2, 4)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="soft_xent_backward"):
        soft_xent_backward(p, p, np.zeros((2, 3)), np.zeros((2, 3)))
