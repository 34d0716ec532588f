"""Equivariant networks, linear attention and FFT convolutions from the package registry: En-transformer 1.6.6,
equiformer-pytorch 0.5.4, taylor-series-linear-attention 0.2.0 and fft-conv-pytorch 1.2.0 (installed with
--no-deps, with rotary-embedding-torch 0.9.1 ported too), ported by the porting rule (en_transformerp, ...) and run
against the originals on PyTorch 2.13 in float64 with PyTorch's weights: FFTConv1d / 2d / 3d and fft_conv (stride,
padding, dilation, groups, bias, padding modes), TaylorSeriesLinearAttn, EnTransformer and Equiformer.

The failures these tests pin down, in a few lines (the packages are not imported here):

- ``x.real`` / ``x.imag`` of a complex tensor were not views in a recorded graph, and ``x.real = y`` wrote the
  values past the graph: fft-conv-pytorch builds its product with ``c = torch.zeros(..., dtype=torch.complex64);
  c.real, c.imag = real, imag`` and conjugates with ``kernel_fr.imag *= -1``, so every FFTConv output had no
  gradient (PyTorch: CopySlices, the gradients of real and imag). The parts are now views written back into the
  tensor (as reshape's and indexing's views), and ``x.real = y`` is PyTorch's ``x.real.copy_(y)``, which also lets
  a real x take ``x.real = y`` (nn refused: "real is not implemented for tensors with non-complex dtypes").
  ``view_as_real`` / ``view_as_complex`` are such views too: in a recorded graph nn lost an in-place change made
  through them (``c = torch.view_as_complex(x * 1); c.imag.mul_(3)`` left c as it was, and its gradient too).
- the reentrant ``checkpoint`` (``use_reentrant=True``, and the default) kept the graph when no tensor argument
  required grad: En-transformer's ``checkpoint_sequential(self.layers, depth, (feats, coors, mask, ...))`` hands
  its segments a tuple, and PyTorch's CheckpointFunction then warns "None of the inputs have requires_grad=True.
  Gradients will be None" and runs them without a graph (only the last segment trains); nn trained every layer
  and said nothing (not under no_grad either, where PyTorch warns too); and it passed keyword arguments on where
  PyTorch's reentrant form raises "Unexpected keyword arguments: b".
- ``a @ b`` with inner sizes that differ (fft-conv-pytorch given the wrong channels) raised nn's "@: shapes ... do
  not match"; PyTorch raises in the words of the kernel matmul picks (dot, mv / mm, a folded N-D operand, bmm).
"""
import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- real / imag as views in a graph ----------------------------------------------------------------------------

def test_setting_real_and_imag_records_the_gradients():
    # PyTorch 2.13: r = [1., 2.], i = [3., 4.] (requiring grad); c = torch.zeros(2, dtype=torch.complex64);
    # c.real, c.imag = r, i; (c.abs() ** 2).sum().backward() -> r.grad = [2., 4.], i.grad = [6., 8.]
    r = nn.tensor([1.0, 2.0], requires_grad=True)
    i = nn.tensor([3.0, 4.0], requires_grad=True)
    c = nn.zeros(2, dtype=nn.complex64)
    c.real, c.imag = r, i
    assert c.requires_grad and c.dtype == nn.complex64
    np.testing.assert_array_equal(_f(c), [1 + 3j, 2 + 4j])
    (c.abs() ** 2).sum().backward()
    np.testing.assert_allclose(_f(r.grad), [2.0, 4.0])
    np.testing.assert_allclose(_f(i.grad), [6.0, 8.0])


def test_in_place_change_of_imag_reaches_the_gradient():
    # PyTorch 2.13: x = [1., 2., 3., 4., -1., 0.5] (float64, requiring grad); F = torch.fft.rfft(x); F.imag *= -1;
    # y = torch.fft.irfft(F, n=6) -> y = [1., 0.5, -1., 4., 3., 2.] (x reversed cyclically: x[-k mod 6]);
    # (y * w).sum().backward() with w = [1., -2., .5, 3., .7, -1.1] -> x.grad = w[-k mod 6] = [1., -1.1, .7, 3., .5, -2.]
    x = nn.tensor([1.0, 2.0, 3.0, 4.0, -1.0, 0.5], dtype=nn.float64, requires_grad=True)
    w = nn.tensor([1.0, -2.0, 0.5, 3.0, 0.7, -1.1], dtype=nn.float64)
    F = nn.fft.rfft(x)
    F.imag *= -1
    y = nn.fft.irfft(F, n=6)
    np.testing.assert_allclose(_f(y), [1.0, 0.5, -1.0, 4.0, 3.0, 2.0], atol=1e-14)
    (y * w).sum().backward()
    np.testing.assert_allclose(_f(x.grad), [1.0, -1.1, 0.7, 3.0, 0.5, -2.0], atol=1e-14)


def test_in_place_change_of_real_and_setting_it_again():
    # PyTorch 2.13: x = [1., 2., 3.] (requiring grad); c = x * (1 + 2j); c.real *= 3; c.real = c.real * 2
    # -> c = [6+2j, 12+4j, 18+6j]; (c.abs() ** 2).sum().backward() -> x.grad = 2 * (36 + 4) * x = [80., 160., 240.]
    x = nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64, requires_grad=True)
    c = x * (1 + 2j)
    c.real *= 3
    c.real = c.real * 2
    np.testing.assert_allclose(_f(c), [6 + 2j, 12 + 4j, 18 + 6j])
    (c.abs() ** 2).sum().backward()
    np.testing.assert_allclose(_f(x.grad), [80.0, 160.0, 240.0])


def test_real_part_view_gradient_by_finite_differences():
    # d/dx of sum(w * |z|^2) with z = x * (1 + 2j), then z.imag *= x (in place): z = x + 2i x^2 ->
    # |z|^2 = x^2 + 4 x^4; checked against central differences in float64
    w = np.array([0.3, -1.2, 0.8])

    def loss(xv, grad=False):
        x = nn.tensor(xv, dtype=nn.float64, requires_grad=grad)
        z = x * (1 + 2j)
        z.imag *= x
        return x, (nn.tensor(w) * z.abs() ** 2).sum()
    x0 = np.array([0.7, -0.4, 1.3])
    x, L = loss(x0, True)
    L.backward()
    eps, num = 1e-6, np.zeros(3)
    for k in range(3):
        d = np.zeros(3)
        d[k] = eps
        num[k] = (loss(x0 + d)[1].item() - loss(x0 - d)[1].item()) / (2 * eps)
    np.testing.assert_allclose(_f(x.grad), num, rtol=1e-7)
    np.testing.assert_allclose(_f(x.grad), w * (2 * x0 + 16 * x0 ** 3), rtol=1e-12)


def test_setting_real_of_a_real_tensor_and_of_a_number():
    # PyTorch 2.13: x = torch.zeros(2); x.real = torch.ones(2) -> x = [1., 1.] (x.real is x);
    # x.imag = ... -> RuntimeError "imag is not implemented for tensors with non-complex dtypes.";
    # c = torch.zeros(2, dtype=torch.complex64); c.real = 3.0 -> [3+0j, 3+0j]; with no graph the view's memory is c's
    x = nn.zeros(2)
    x.real = nn.ones(2)
    np.testing.assert_array_equal(_f(x), [1.0, 1.0])
    with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes"):
        x.imag = nn.ones(2)
    c = nn.zeros(2, dtype=nn.complex64)
    c.real = 3.0
    c.imag.add_(nn.tensor([1.0, 2.0]))
    np.testing.assert_array_equal(_f(c), [3 + 1j, 3 + 2j])


def test_view_as_real_and_view_as_complex_write_back_in_a_graph():
    # PyTorch 2.13: x = [[1., 2.], [3., 4.]] (requiring grad); c = torch.view_as_complex(x * 1); c.imag.mul_(3);
    # (torch.view_as_real(c) * [[1., 2.], [3., 4.]]).sum().backward() -> x.grad = [[1., 6.], [3., 12.]]
    x = nn.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=nn.float64, requires_grad=True)
    w = nn.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=nn.float64)
    c = nn.view_as_complex(x * 1)
    c.imag.mul_(3)
    np.testing.assert_array_equal(_f(c), [1 + 6j, 3 + 12j])
    (nn.view_as_real(c) * w).sum().backward()
    np.testing.assert_array_equal(_f(x.grad), [[1.0, 6.0], [3.0, 12.0]])
    # x = [1+2j, 3-1j] (complex128, requiring grad); y = x * 1; r = torch.view_as_real(y); r[:, 1] *= 2;
    # r.mul_([1., 3.]) -> y = [1+12j, 3-6j]; (y.abs() ** 2).sum().backward() -> x.grad = [2+144j, 6-72j]
    x = nn.tensor([1 + 2j, 3 - 1j], dtype=nn.complex128, requires_grad=True)
    y = x * 1
    r = nn.view_as_real(y)
    r[:, 1] *= 2
    r.mul_(nn.tensor([1.0, 3.0], dtype=nn.float64))
    np.testing.assert_array_equal(_f(y), [1 + 12j, 3 - 6j])
    (y.abs() ** 2).sum().backward()
    np.testing.assert_allclose(_f(x.grad), [2 + 144j, 6 - 72j])


# ---- the reentrant checkpoint when no argument requires grad ----------------------------------------------------

def test_reentrant_checkpoint_without_grad_inputs_warns_and_records_nothing():
    # PyTorch 2.13: lin = Linear(2, 2); y = checkpoint(lin, torch.ones(1, 2), use_reentrant=True) -> UserWarning
    # "None of the inputs have requires_grad=True. Gradients will be None", y.requires_grad False (lin gets no
    # gradient); with use_reentrant=False no warning and y.requires_grad True; under no_grad the warning too
    from nn.utils.checkpoint import checkpoint
    lin = nn.Linear(2, 2)
    x = nn.ones(1, 2)
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True. Gradients will be None"):
        y = checkpoint(lin, x, use_reentrant=True)
    assert not y.requires_grad
    np.testing.assert_allclose(_f(y), _f(lin(x)), rtol=1e-6)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert checkpoint(lin, x, use_reentrant=False).requires_grad
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        with nn.no_grad():
            checkpoint(lin, x, use_reentrant=True)


def test_checkpoint_sequential_over_a_tuple_trains_only_the_last_segment():
    # PyTorch 2.13: two blocks taking and returning a tuple (x, extra), checkpoint_sequential(blocks, 2, (x, None),
    # use_reentrant=True) with x requiring grad: the first segment gets a tuple (no tensor argument) -> the warning,
    # x.grad None, the first block's weight.grad None; the last block's weight gets its gradient
    from nn.utils.checkpoint import checkpoint_sequential

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, inp):
            x, extra = inp
            return self.lin(x), extra
    blocks = nn.Sequential(Block(), Block())
    x = nn.randn(2, 3, requires_grad=True)
    with pytest.warns(UserWarning, match="Gradients will be None"):
        y, _ = checkpoint_sequential(blocks, 2, (x, None), use_reentrant=True)
    y.sum().backward()
    assert x.grad is None and blocks[0].lin.weight.grad is None
    assert blocks[1].lin.weight.grad is not None


def test_reentrant_checkpoint_refuses_keyword_arguments():
    # PyTorch 2.13: checkpoint(lambda a, b=1: a * b, x, b=2, use_reentrant=True) -> ValueError
    # "Unexpected keyword arguments: b"; with use_reentrant=False the keyword reaches the function
    from nn.utils.checkpoint import checkpoint
    x = nn.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="^Unexpected keyword arguments: b$"):
        checkpoint(lambda a, b=1: a * b, x, b=2, use_reentrant=True)
    np.testing.assert_array_equal(_f(checkpoint(lambda a, b=1: a * b, x, b=2, use_reentrant=False)), [2.0, 2.0])


def test_fft_conjugate_product_against_pytorch():
    # fft-conv-pytorch's pattern (rfftn, kernel_fr.imag *= -1, c.real, c.imag = ..., irfftn), float64, against
    # PyTorch where it is installed: values and the gradients of signal and kernel
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    s0, k0, w = rng.standard_normal(8), rng.standard_normal(8), rng.standard_normal(8)

    def run(lib, s, k):
        sf, kf = lib.fft.rfftn(s, dim=(0,)), lib.fft.rfftn(k, dim=(0,))
        kf.imag *= -1
        real = sf.real * kf.real - sf.imag * kf.imag
        imag = sf.imag * kf.real + sf.real * kf.imag
        c = lib.zeros(real.shape, dtype=lib.complex128)
        c.real, c.imag = real, imag
        y = lib.fft.irfftn(c, dim=(0,))
        (y * lib.tensor(w)).sum().backward()
        return y
    st, kt = torch.tensor(s0, requires_grad=True), torch.tensor(k0, requires_grad=True)
    sn, kn = nn.tensor(s0, requires_grad=True), nn.tensor(k0, requires_grad=True)
    yt, yn = run(torch, st, kt), run(nn, sn, kn)
    np.testing.assert_allclose(_f(yn), yt.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(_f(sn.grad), st.grad.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(_f(kn.grad), kt.grad.numpy(), rtol=1e-12, atol=1e-13)


# ---- matmul's size errors in PyTorch's words ----------------------------------------------------------------------

@pytest.mark.parametrize("shapes, grad, message", [
    (((3,), (4,)), (False, False), "inconsistent tensor size, expected tensor [3] and src [4] to have the same number "
                                    "of elements, but got 3 and 4 elements respectively"),
    (((2, 3), (4,)), (False, False), "size mismatch, got input (2), mat (2x3), vec (4)"),
    (((3,), (4, 2)), (False, False), "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x2)"),
    (((2, 3), (4, 2)), (False, False), "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)"),
    (((5, 2, 3), (4, 2)), (False, False), "mat1 and mat2 shapes cannot be multiplied (10x3 and 4x2)"),
    (((5, 2, 3), (4,)), (False, False), "size mismatch, got input (10), mat (10x3), vec (4)"),
    (((3,), (5, 4, 2)), (False, False), "Expected size for first two dimensions of batch2 tensor to be: [5, 3] but "
                                        "got: [5, 4]."),
    (((3,), (5, 4, 2)), (True, False), "size mismatch, got input (10), mat (10x4), vec (3)"),
    (((2, 3), (5, 4, 2)), (True, False), "mat1 and mat2 shapes cannot be multiplied (10x4 and 3x2)"),
    (((2, 3), (5, 4, 2)), (False, False), "Expected size for first two dimensions of batch2 tensor to be: [5, 3] but "
                                          "got: [5, 4]."),
    (((2, 1, 6, 1, 3), (1, 6, 4, 6)), (False, False), "Expected size for first two dimensions of batch2 tensor to "
                                                      "be: [12, 3] but got: [12, 4]."),
])
def test_matmul_size_errors_are_pytorchs(shapes, grad, message):
    # PyTorch 2.13: a @ b with inner sizes that differ raises RuntimeError in the words of the kernel matmul picks
    # (dot, mv, mm, the N-D operand folded into mv / mm, or bmm over the broadcast batch); nn said
    # "@: shapes (2, 1, 6, 1, 3) and (1, 6, 4, 6) do not match (3 != 4)" (fft-conv-pytorch with the wrong channels)
    a = nn.ones(*shapes[0]).requires_grad_(grad[0])
    b = nn.ones(*shapes[1]).requires_grad_(grad[1])
    with pytest.raises(RuntimeError) as info:
        a @ b
    assert str(info.value) == message


def test_matmul_size_error_of_a_non_contiguous_batch_takes_bmm():
    # PyTorch 2.13: x = torch.ones(2, 5, 3).transpose(0, 1) (5 x 2 x 3, leading dims not foldable without a copy);
    # x @ torch.ones(4, 2) -> "Expected size for first two dimensions of batch2 tensor to be: [5, 3] but got:
    # [5, 4]."; the contiguous torch.ones(5, 2, 3) folds: "mat1 and mat2 shapes cannot be multiplied (10x3 and 4x2)";
    # torch.mv(torch.ones(2, 3), torch.ones(4)) -> "size mismatch, got input (2), mat (2x3), vec (4)"
    with pytest.raises(RuntimeError, match=r"^Expected size for first two dimensions of batch2 tensor to be: \[5, 3\] "
                                           r"but got: \[5, 4\]\.$"):
        nn.ones(2, 5, 3).transpose(0, 1) @ nn.ones(4, 2)
    with pytest.raises(RuntimeError, match=r"^mat1 and mat2 shapes cannot be multiplied \(10x3 and 4x2\)$"):
        nn.matmul(nn.ones(5, 2, 3), nn.ones(4, 2))
    with pytest.raises(RuntimeError, match=r"^size mismatch, got input \(2\), mat \(2x3\), vec \(4\)$"):
        nn.mv(nn.ones(2, 3), nn.ones(4))
