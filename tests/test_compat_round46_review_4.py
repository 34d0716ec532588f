"""A review of the forty-sixth round's second wave (areas I, J and K), checked against PyTorch 2.13 side by side.

What was checked, in one process with PyTorch 2.13 (CPU), by error type and first line, values, dtypes and
warnings:

- ``Tensor.view`` over the layouts nn's own ops return: 124 tensors (conv1d / 2d / 3d and their transposes, the conv
  and linear layers, matmul / bmm / einsum / linear with transposed operands, transpose / permute + contiguous or
  clone, slicing, integer indexing, expand, as_strided, unfold, tensors from NumPy arrays in Fortran and permuted
  order, pointwise ops, softmax, layer / batch / group norm, the poolings, interpolate, pad, cat / stack / chunk /
  split / unbind, where, masked_fill, cumsum, sort, topk, max, LSTM / GRU / MultiheadAttention outputs, the
  gradients of matmul, conv2d, linear and a transposed product), each viewed to every factorisation of its numel
  into at most 3 sizes, to -1 and with two neighbouring dims merged (8,509 views). With the area's refusal, nn
  refused 438 views that PyTorch takes (and still took 628 that PyTorch refuses).
- the argument parser's int checks: 78 calls (topk, kthvalue, sum, mean, max, min, argmax, cumsum, softmax, chunk,
  transpose, select, narrow, flatten, tril / triu, roll, flip, diagonal, movedim, gather, index_select, sort, median,
  tensor_split, split, unflatten, cat, stack, view, reshape, expand, zeros, arange, ...) as methods, functions and by
  keyword, each given 29 values (Python, NumPy and 0-d / 1-element tensors of seven dtypes, bools, floats, tuples
  holding them): 2,233 calls. No call PyTorch takes is refused now that nn took before the round (53 calls are
  refused by nn and taken by PyTorch, all refused before the round too: a bool tensor as a dim, uint8 dims read
  in uint8 by ``unsqueeze`` / ``diagonal`` / ``stack``, one-element tensors as ``roll``'s shifts or ``split``'s
  sizes).
- ``out=`` and the reduce names: ``clamp`` (six forms of bounds), ``abs``, ``mean`` (with and without a dim),
  ``all``, ``any``, ``nansum``, ``cumsum``, ``cumprod`` and ``sum`` of eight input dtypes into outs of eight dtypes;
  the scans and ``logsumexp`` without a dim, with ``axis=`` and ``None``; ``scatter_reduce`` with "max" / "min";
  ``index_reduce`` with other names; ``scatter`` / ``scatter_`` with ``reduce=`` forward and backward (1,258
  calls; 80 differed after the area, 53 now, listed below and by the area).

Differences found and fixed:

- ``Tensor.view`` (and ``view_as``) refused, after the round's change, whenever NumPy's reshape had to copy. nn's
  layouts are NumPy's, not PyTorch's: softmax, layer_norm, cumsum, topk or masked_fill of a transposed tensor, a sum
  over a permuted one and conv3d return non-contiguous arrays where PyTorch's are contiguous, and so do gradients
  computed through a transpose (``x.grad`` after ``x.t() @ m``), so ``p.grad.view(-1)`` and the like raised "view
  size is not compatible with input tensor's size and stride" where PyTorch views. ``view`` gives reshape's result
  again, as before the round (a copy where PyTorch refuses: documented as still different).
- ``mean`` without a dim into an out its input cannot be cast to (a floating or complex input into an integer or bool
  out, an integer input into a bool out) said "result type Double can't be cast to the desired output type Long" or
  "could not infer output dtype"; PyTorch: RuntimeError "mean.dtype_out(): input types can't be cast to the desired
  output type Long".
- ``nansum`` of a floating tensor into a complex out computed; PyTorch: NotImplementedError '"nansum_cpu" not
  implemented for 'ComplexFloat''.

Still different (not fixed): the view refusal (above); ``mean`` with a dim of a float64 or complex tensor into an
integer or bool out names "Float" as PyTorch's result type where nn names the input's; ``clamp`` of a bool tensor by
tensor bounds computes where PyTorch raises '"clamp_cpu" not implemented for 'Bool''; ``scatter_reduce`` "amax" /
"amin" of complex tensors compute, and "amin" of a bool tensor is NumPy's ValueError (PyTorch computes); the other
leftovers are the areas' own.
"""
import numpy as np
import pytest

import nn
import nn.functional as F


# ---------------------------------------------------------------------------------------------------------------
# Tensor.view of the layouts nn's ops return: every view PyTorch takes

M = np.arange(24.0).reshape(4, 6) / 7.0


def _grad_through_transpose():
    x = nn.tensor(M, requires_grad=True)
    (x.t() @ nn.tensor(M)).sum().backward()
    return x.grad            # PyTorch's: M.sum(1) broadcast to each column, shape (4, 6), contiguous


@pytest.mark.parametrize("make", [
    lambda: nn.tensor(M).t().softmax(-1),
    lambda: F.layer_norm(nn.tensor(M).t(), (4,)),
    lambda: nn.tensor(M).t().cumsum(0),
    lambda: nn.tensor(M).t().topk(2, 0)[0],
    lambda: nn.tensor(M).t().masked_fill(nn.tensor(M).t() > 1, 0.0),
    lambda: nn.tensor(np.arange(120.0).reshape(2, 3, 4, 5)).permute(0, 2, 3, 1).sum(1),
    lambda: F.conv3d(nn.ones(1, 2, 3, 4, 4, dtype=nn.float64), nn.ones(2, 2, 2, 2, 2, dtype=nn.float64)),
    _grad_through_transpose,
], ids=["softmax", "layer_norm", "cumsum", "topk", "masked_fill", "sum", "conv3d", "grad"])
def test_view_takes_the_views_pytorch_takes_of_nns_layouts(make):
    # PyTorch 2.13 returns each of these contiguous, so every view of it is taken: view(-1) is its values in order
    y = make()
    assert np.array_equal(y.view(-1).numpy(), y.numpy().ravel())
    assert np.array_equal(y.view_as(nn.empty(y.numel())).numpy(), y.numpy().ravel())


def test_view_of_a_gradient_through_a_transpose():
    g = _grad_through_transpose()
    expected = np.repeat(M.sum(1, keepdims=True), 6, axis=1).ravel()
    assert np.array_equal(g.view(-1).numpy(), expected)                 # torch: x.grad.view(-1) works
    assert np.array_equal(g.view(2, 12).numpy(), expected.reshape(2, 12))


def test_view_against_pytorch_over_nns_layouts():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    a, w3 = np.arange(96.0).reshape(1, 2, 3, 4, 4) / 9, np.ones((2, 2, 2, 2, 2))
    pairs = [
        (lambda L, f: L.tensor(M).t().softmax(-1)), (lambda L, f: f.layer_norm(L.tensor(M).t(), (4,))),
        (lambda L, f: L.tensor(M).t().cumsum(0)), (lambda L, f: L.tensor(M).t().topk(2, 0)[0]),
        (lambda L, f: L.tensor(M).t().sort(0)[0]), (lambda L, f: f.conv3d(L.tensor(a), L.tensor(w3))),
        (lambda L, f: L.tensor(a).permute(0, 2, 3, 4, 1).sum(2)), (lambda L, f: L.tensor(M).t() * L.tensor(M[:, 0])),
    ]
    taken = 0
    for make in pairs:
        t, n = make(torch, tf), make(nn, F)
        sh = list(t.shape)
        for sizes in [(-1,), (sh[0], -1), (-1, sh[-1])] + [tuple(sh[:i] + [-1] + sh[i + 2:]) for i in range(len(sh) - 1)]:
            try:
                expected = t.view(sizes).numpy()
            except RuntimeError:
                continue
            taken += 1
            assert np.allclose(n.view(sizes).numpy(), expected, rtol=1e-14, atol=1e-14)   # (layer_norm: an ulp)
    assert taken > 20


# ---------------------------------------------------------------------------------------------------------------
# out= of mean without a dim, nansum into a complex out

@pytest.mark.parametrize("x, out, name", [
    (lambda: nn.tensor([0.5, 1.0]), lambda: nn.empty(0, dtype=nn.int64), "Long"),
    (lambda: nn.tensor([0.5, 1.0], dtype=nn.float64), lambda: nn.empty(0, dtype=nn.uint8), "Byte"),
    (lambda: nn.tensor([0.5 + 1j, 1.0]), lambda: nn.empty(0, dtype=nn.int32), "Int"),
    (lambda: nn.tensor([1, 2]), lambda: nn.empty(0, dtype=nn.bool), "Bool"),
])
def test_mean_without_a_dim_into_an_out_the_input_cannot_be_cast_to(x, out, name):
    with pytest.raises(RuntimeError) as info:
        nn.mean(x(), out=out())
    assert str(info.value) == f"mean.dtype_out(): input types can't be cast to the desired output type {name}"


@pytest.mark.parametrize("dtype, name", [(nn.complex64, "ComplexFloat"), (nn.complex128, "ComplexDouble")])
def test_nansum_of_a_floating_tensor_into_a_complex_out(dtype, name):
    for call in (lambda o: nn.nansum(nn.tensor([0.5, float("nan")]), out=o),
                 lambda o: nn.nansum(nn.tensor([[0.5, 1.0]]), 0, out=o)):
        with pytest.raises(NotImplementedError) as info:
            call(nn.empty(0, dtype=dtype))
        assert str(info.value) == f'"nansum_cpu" not implemented for \'{name}\''
    out = nn.empty(0, dtype=nn.float64)                             # a floating out still sums, skipping NaN
    assert nn.nansum(nn.tensor([0.5, float("nan")]), out=out).item() == 0.5
