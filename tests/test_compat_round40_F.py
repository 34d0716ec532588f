"""ctgan 0.12.1 (CTGAN and TVAE, with rdt 2.0.0, pandas 2.3.3, scikit-learn 1.9.1) and cvxpylayers 1.2.0 (its torch
layer, with cvxpy 1.9.3 and diffcp 1.1.9 / SCS 3.3.1), installed with --no-deps into a private target, ported by the
porting rule and run against the originals on PyTorch 2.13: CTGAN and TVAE fitted for two epochs on a 60-row table of
two continuous and two discrete columns (the DataTransformer's Bayesian GMMs fitted once and shared; PyTorch's initial
weights loaded into nn's; normal, rand, randn_like, randperm, dropout masks and the gumbel noise read from one NumPy
stream per side), with the PacGAN discriminator's gradient penalty (create_graph=True), gumbel-softmax, conditional
vectors, sampling, save / load; cvxpylayers' CvxpyLayer on least squares, a constrained QP, an LP, the relu / sigmoid /
sparsemax / softmax examples, matrix and PSD variables, a geometric program, batched and mixed parameters, float32,
a parametric custom solver and a Linear + layer trained with Adam. Everything agrees to 1e-15 in float64 (the solver's
outputs and gradients exactly), except where the arithmetic is ill-conditioned on both sides alike.

The failures of nn these tests pin down (the packages are not imported here):

- cvxpylayers' CvxpyLayer.__init__ registers its problem matrices as ``torch.sparse_csr_tensor(crow_indices=...,
  col_indices=..., values=..., size=...)`` inside ``torch.sparse.check_sparse_tensor_invariants(enable=False)``: nn had
  no sparse_csr_tensor (AttributeError); it is now the dense tensor of those values, as nn's sparse_coo_tensor, with
  PyTorch's errors, and Tensor.crow_indices() / col_indices(); sparse_coo_tensor of Python floats is the default dtype.
- A second ``backward()`` through the layer's graph (cvxpylayers' ``_ScipySparseMatmul`` saves x but its backward reads
  only ``ctx.scipy_csr_T``; its solver Function reads only ctx attributes): PyTorch keeps a custom Function's node after
  a backward without retain_graph and frees only its saved tensors, so the second backward passes and only reading
  ``ctx.saved_tensors`` raises; nn released the node and refused the second backward outright.
"""
import numpy as np
import pytest

import nn

SECOND_TIME = "Trying to backward through the graph a second time"


# ---- torch.sparse_csr_tensor, as cvxpylayers builds its problem matrices -------------------------------------------

def scipy_csr_to_torch_csr(data, indices, indptr, shape):
    """cvxpylayers.torch.cvxpylayer.scipy_csr_to_torch_csr (its scipy matrix's three arrays handed in)."""
    with nn.sparse.check_sparse_tensor_invariants(enable=False):
        return nn.sparse_csr_tensor(crow_indices=nn.tensor(indptr, dtype=nn.int64),
                                    col_indices=nn.tensor(indices, dtype=nn.int64),
                                    values=nn.tensor(data, dtype=nn.float64), size=shape)


def test_sparse_csr_tensor_is_the_dense_matrix_of_its_rows():
    dense = np.array([[0.0, 1.5, 0.0, -2.0], [0.0, 0.0, 0.0, 0.0], [3.0, 0.0, 0.25, 0.0]])
    rows, cols = np.nonzero(dense)
    indptr = np.concatenate([[0], np.cumsum(np.count_nonzero(dense, axis=1))])
    q = scipy_csr_to_torch_csr(dense[rows, cols], cols, indptr, dense.shape)
    assert q.shape == (3, 4) and q.dtype == nn.float64 and not nn.sparse.check_sparse_tensor_invariants.is_enabled()
    np.testing.assert_array_equal(q.to_dense().numpy(), dense)
    np.testing.assert_array_equal(q.crow_indices().numpy(), indptr)
    np.testing.assert_array_equal(q.col_indices().numpy(), cols)
    p = np.arange(8.0).reshape(4, 2)                        # the layer's GPU path: q.to(dtype) @ p_stack
    np.testing.assert_array_equal((q.to(dtype=nn.float64) @ nn.tensor(p)).numpy(), dense @ p)
    # size inferred (rows from the pointer, columns from the largest index), columns unsorted within a row
    t = nn.sparse_csr_tensor(nn.tensor([0, 2, 2]), nn.tensor([1, 0]), nn.tensor([1.0, 2.0]))
    np.testing.assert_array_equal(t.numpy(), [[2.0, 1.0], [0.0, 0.0]])
    assert t.dtype == nn.float32
    assert nn.sparse_csr_tensor([0, 1], [0], [2]).dtype == nn.int64
    assert nn.sparse_csr_tensor([0, 1], [0], [2.0]).dtype == nn.float32          # the default dtype, as torch.tensor
    assert nn.sparse_csr_tensor(np.array([0, 1]), np.array([0]), np.array([2.0])).dtype == nn.float64
    assert nn.sparse_coo_tensor([[0]], [2.0]).dtype == nn.float32                 # (was float64: NumPy's inference)


def test_sparse_csr_tensor_values_are_differentiable():
    v = nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64, requires_grad=True)
    t = nn.sparse_csr_tensor(nn.tensor([0, 2, 3]), nn.tensor([0, 2, 1]), v, (2, 3))
    (t * nn.tensor([[1.0, 5.0, 7.0], [2.0, 3.0, 4.0]], dtype=nn.float64)).sum().backward()
    np.testing.assert_array_equal(v.grad, [1.0, 7.0, 3.0])
    leaf = nn.sparse_csr_tensor([0, 1], [0], [2.0], requires_grad=True)
    assert leaf.requires_grad and leaf.is_leaf


@pytest.mark.parametrize("args, words", [
    (([0, 2, 3], [0, 5, 1], [1.0, 2.0, 3.0], (2, 4)), "`0 <= col_indices < ncols` is not satisfied."),
    (([0, 2, 3], [0, 1], [1.0, 2.0, 3.0], (2, 4)),
     "col_indices.shape[-1] must be equal to nnz (=3) as defined by values.shape[0], but got 2"),
    (([0, 2, 3], [0, 1, 1], [1.0, 2.0, 3.0], (3, 4)),
     "crow_indices.shape[-1] must be equal to the number of rows + 1 (=4), but got 3"),
])
def test_sparse_csr_tensor_errors_in_pytorchs_words(args, words):
    with pytest.raises(RuntimeError) as info:
        nn.sparse_csr_tensor(*args, check_invariants=True)
    assert str(info.value) == words


# ---- a custom Function's node after backward: its saved tensors freed, the node kept --------------------------------

class ScipySparseMatmul(nn.autograd.Function):
    """cvxpylayers' _ScipySparseMatmul (a dense NumPy matrix for scipy's): PyTorch 2's form, saves x, reads only
    the transposed matrix kept on ctx."""

    @staticmethod
    def forward(mat, x):
        return nn.from_numpy(mat @ x.detach().numpy())

    @staticmethod
    def setup_context(ctx, inputs, output):
        mat, x = inputs
        ctx.mat_T = mat.T.copy()
        ctx.save_for_backward(x)

    @staticmethod
    @nn.autograd.function.once_differentiable
    def backward(ctx, grad_output):
        return None, nn.from_numpy(ctx.mat_T @ grad_output.numpy())


class Solve(nn.autograd.Function):
    """cvxpylayers' diffcp _CvxpyLayer in miniature: two tensor outputs and two that are not tensors (the adjoint
    and its data), setup_context keeping them on ctx; backward reads ctx attributes only."""

    @staticmethod
    def forward(q, scale):
        return q * scale, q.sum() * scale, ("adjoint", scale), (1, 2)

    @staticmethod
    def setup_context(ctx, inputs, outputs):
        ctx.scale = outputs[2][1]

    @staticmethod
    @nn.autograd.function.once_differentiable
    def backward(ctx, dprimal, ddual, _adj, _data):
        return dprimal * ctx.scale + ddual * ctx.scale, None


class ReadsSaved(nn.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 2


def test_second_backward_through_a_function_that_reads_nothing_saved():
    mat = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])
    p = nn.tensor([0.5, -1.0], dtype=nn.float64, requires_grad=True)
    y = ScipySparseMatmul.apply(mat, p.reshape(2).permute(0))
    primal, dual, adj, data = Solve.apply(y, 3.0)
    assert adj == ("adjoint", 3.0) and data == (1, 2) and primal.requires_grad
    out = primal.sum() + dual
    out.backward()
    first = p.grad.copy()
    np.testing.assert_array_equal(first, 6.0 * mat.sum(0))
    out.backward()                                  # PyTorch: passes (nothing saved is read), the gradients add up
    np.testing.assert_array_equal(p.grad, 2 * first)
    nn.autograd.grad(out, p)                        # autograd.grad too


def test_reading_saved_tensors_after_release_is_refused_as_pytorch():
    x = nn.ones(2, requires_grad=True)
    y = ReadsSaved.apply(x)
    y.sum().backward(retain_graph=True)
    y.sum().backward()                              # the first kept the graph: the second frees it
    np.testing.assert_array_equal(x.grad, [4.0, 4.0])
    with pytest.raises(RuntimeError) as info:
        y.sum().backward()
    assert str(info.value).startswith(SECOND_TIME + " (or directly access saved tensors after they have already "
                                                    "been freed).")
    z = ScipySparseMatmul.apply(np.eye(2), x * x)   # a node before the Function that saves (mul) is still released
    z.sum().backward()
    with pytest.raises(RuntimeError, match=SECOND_TIME):
        z.sum().backward()


def test_second_backward_through_functions_against_pytorch():
    torch = pytest.importorskip("torch")
    from porting import load_script, port
    script = '''
import torch
class Keeps(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.k = 2.0
        ctx.save_for_backward(x)
        return x * 2, x * 3
    @staticmethod
    def backward(ctx, g1, g2):
        return g1 * ctx.k + g2 * 3
class Reads(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2
    @staticmethod
    def backward(ctx, g):
        ctx.saved_tensors
        return g * 2
def run(fn, twice):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    out = fn.apply(x)
    loss = sum(o.sum() for o in out) if isinstance(out, tuple) else out.sum()
    loss.backward()
    try:
        for _ in range(twice):
            loss.backward()
    except RuntimeError as e:
        return str(e)
    return x.grad.tolist()
'''
    theirs, ours = load_script(script), load_script(port(script))
    for name in ("Keeps", "Reads"):
        for twice in (1, 2):
            assert ours["run"](ours[name], twice) == theirs["run"](theirs[name], twice)
