"""pytorch-partial-crf 0.2.1 (linear-chain CRFs with partial and fuzzy annotation; its wheel) and torchinterp1d 1.1
(batched linear interpolation; its source distribution), without dependencies in a private folder, ported file by
file by the porting rule (renamed pytorch_partial_crfp and torchinterp1dp in their own import lines; nothing else
changed) and run against the originals on PyTorch 2.13 in one process (round 45, area C), float64 and float32, the
same NumPy inputs, PyTorch's parameters (perturbed by N(0, 0.3^2) away from their draw) loaded into the port.
CRFs: ``CRF``, ``PartialCRF`` (unlabelled positions -1 and ``create_possible_tag_masks``) and ``MarginalCRF`` (soft
and one-hot marginal tags), with and without ``padding_idx``, batches of 1-4 sequences of lengths 1-7 padded by a
mask (uint8, as the package makes it) and without one: the loss, its gradients to the emissions and to the start,
end and transition scores, ``marginal_probabilities``, ``viterbi_decode`` and ``restricted_viterbi_decode`` paths,
and 4 Adam steps of each CRF on a Linear emission layer, then decoding. torchinterp1d: ``interp1d`` /
``Interp1d.apply`` with 1-d and 2-d x, y and xnew in every combination the package documents (one x for many y,
many x for one y, a 1-d xnew for 2-d x / y, (1, N) rows), query points outside x's range, which of x, y and xnew
require grad, the gradients of the package's formula (its forward called in grad mode; see below).
Largest differences (float64, relative to each output's scale): CRF losses 1.5e-16, emission gradients 4.5e-16,
parameter gradients 5.8e-16, marginals 9.9e-16, loss and weights over the Adam steps 3.3e-16 / 7.7e-16, Viterbi and
restricted Viterbi paths identical, possible-tag masks identical; MarginalCRF with soft marginal tags 2.7e-8 (loss),
1.9e-7 (gradients): the package takes ``marginal_tags.float()`` and ``log`` of it in float32, where PyTorch's
vectorised float32 log and NumPy's differ in the last place for about 7 % of values (each within an ulp; with one-hot
tags, whose logs are exact, 2e-16). torchinterp1d: outputs, and the gradients of x, y and xnew through the formula,
identical (0) in float64 and float32. float32: CRF losses 8.7e-8, gradients 6.1e-7, marginals 1.9e-6.

Still different (not fixed): torchinterp1d 1.1's backward does not run on PyTorch 2.13. Its forward computes the
result under ``torch.enable_grad()``, saves that result and the inputs' views with ``save_for_backward`` and its
backward calls ``autograd.grad(saved_result, inputs)``; but the tensor forward returns becomes apply's output (its
grad_fn the Function's node), so for 1-d inputs PyTorch raises "The differentiated Tensor at index 0 appears to not
have been used in the graph. Set allow_unused=True if this is the desired behavior." (a view taken in forward, where
grad mode is off, of an input that requires grad requires grad in PyTorch, with no grad_fn), where nn raises "One of
the differentiated Tensors does not require grad" (nn's view taken without grad mode does not require grad); for 2-d
inputs the backward re-enters its own node without end on both sides (PyTorch keeps spawning re-entrant threads,
nn stops at RecursionError). A view made without grad mode of a tensor that requires grad stays
``requires_grad=False`` in nn. ``PartialCRF`` with a batch of one writes IMPOSSIBLE_SCORE into the caller's emissions
(``emissions.transpose(0, 1).contiguous()`` is the same tensor) and both refuse it: "a view of a leaf Variable that
requires grad is being used in an in-place operation.", nn adding its advice in parentheses (an earlier round's
decision). PyTorch's uint8 ``where`` warning ends "(Triggered internally at ...TensorCompare.cpp:621.)".

The failures of nn these tests pin down (the packages are not imported here):

- torchinterp1d finds each query point's interval by ``torch.searchsorted(x, xnew, out=ind)`` into an int64 tensor
  it made; nn's ``searchsorted`` had no ``out=`` argument, so every ``interp1d`` call raised TypeError "searchsorted()
  got an unexpected keyword argument 'out'". ``searchsorted`` and ``bucketize`` now take ``out=`` as PyTorch's: the
  indices are written into ``out`` (a view writes through to its base) and ``out`` is returned; an ``out`` of another
  dtype than int64 (int32 with ``out_int32=True``) is PyTorch's RuntimeError "torch.searchsorted(): output tensor's
  dtype is wrong, it can only be Int(int32) or Long(int64) depending on whether out_int32 flag is True, but we got
  output tensor's dtype Float and out_int32 flag is False" (bucketize's says searchsorted too).
- pytorch-partial-crf's ``viterbi_decode`` and ``restricted_viterbi_decode`` call ``torch.where`` with the package's
  uint8 mask at every step; PyTorch warns "where received a uint8 condition tensor. This behavior is deprecated ..."
  once per process (TORCH_WARN_ONCE), nn warned once per calling line (Python's default filter), so the package gave
  two warnings on nn where PyTorch gives one, and every call under ``warnings.simplefilter("always")``.
- Met beside the uint8 masks above (not on the packages' paths): ``masked_scatter`` / ``masked_scatter_`` with a
  uint8 mask warns "masked_scatter_ received a mask with dtype torch.uint8, this behavior is now deprecated,please
  use a mask with dtype torch.bool instead." in PyTorch 2.13 and then raises RuntimeError "masked_scatter_ only
  supports boolean masks, but got mask with dtype Byte"; nn warned and scattered.
"""
import warnings

import numpy as np
import pytest

import nn
from nn.tensor_ops import pointwise


# ---------------------------------------------------------------------------------------------------------------
# searchsorted / bucketize with out= (torchinterp1d 1.1's Interp1d.forward)

SEQ = [0.0, 1.0, 2.0, 3.0]
VALUES = [[0.5, 2.5], [3.5, -1.0]]


def test_searchsorted_writes_into_out_and_returns_it():
    out = nn.empty(2, 2, dtype=nn.int64)
    result = nn.searchsorted(nn.tensor(SEQ), nn.tensor(VALUES), out=out)
    assert result is out
    assert out.tolist() == [[1, 3], [4, 0]]          # PyTorch 2.13's values
    out32 = nn.empty(2, 2, dtype=nn.int32)
    assert nn.searchsorted(nn.tensor(SEQ), nn.tensor(VALUES), out_int32=True, right=True, out=out32) is out32
    assert out32.dtype == nn.int32 and out32.tolist() == [[1, 3], [4, 0]]
    out = nn.empty(2, 2, dtype=nn.int64)
    assert nn.searchsorted(nn.tensor([0.0, 1.0, 1.0, 3.0]), nn.tensor([[1.0, 1.0], [3.0, 0.0]]), side="right",
                           out=out).tolist() == [[3, 3], [4, 1]]


def test_searchsorted_out_a_view_writes_through_to_its_base():
    base = nn.zeros(3, 3, dtype=nn.int64)
    nn.searchsorted(nn.tensor(SEQ), nn.tensor(VALUES), out=base[:2, 1:])
    assert base.tolist() == [[0, 1, 3], [0, 4, 0], [0, 0, 0]]


def test_bucketize_out():
    out = nn.empty(2, 2, dtype=nn.int64)
    assert nn.bucketize(nn.tensor(VALUES), nn.tensor(SEQ), out=out) is out
    assert out.tolist() == [[1, 3], [4, 0]]


@pytest.mark.parametrize("dtype, out_int32, name", [(nn.float32, False, "Float"), (nn.int32, False, "Int"),
                                                    (nn.int64, True, "Long"), (nn.float64, True, "Double")])
def test_searchsorted_out_of_another_dtype_is_refused_in_pytorch_words(dtype, out_int32, name):
    message = ("torch.searchsorted(): output tensor's dtype is wrong, it can only be Int(int32) or Long(int64) "
               "depending on whether out_int32 flag is True, but we got output tensor's dtype "
               f"{name} and out_int32 flag is {out_int32}")
    for call in (lambda out: nn.searchsorted(nn.tensor(SEQ), nn.tensor(VALUES), out_int32=out_int32, out=out),
                 lambda out: nn.bucketize(nn.tensor(VALUES), nn.tensor(SEQ), out_int32=out_int32, out=out)):
        with pytest.raises(RuntimeError) as info:
            call(nn.empty(2, 2, dtype=dtype))
        assert str(info.value) == message


def interp1d_rows(x, y, xnew):
    """torchinterp1d 1.1's Interp1d.forward for 2-d x, y, xnew of one row count, its interval search as shipped
    (ported; the searchsorted into an int64 tensor it made, as the package does), without its grad bookkeeping."""
    eps = nn.finfo(y.dtype).eps
    ynew = nn.zeros(x.shape[0], xnew.shape[-1])
    ind = ynew.long()
    nn.searchsorted(x.contiguous().squeeze(), xnew.contiguous(), out=ind)
    ind -= 1
    ind = nn.clamp(ind, 0, x.shape[1] - 1 - 1)
    slopes = (y[:, 1:] - y[:, :-1]) / (eps + (x[:, 1:] - x[:, :-1]))
    return nn.gather(y, 1, ind) + nn.gather(slopes, 1, ind) * (xnew - nn.gather(x, 1, ind))


def test_torchinterp1d_forward_runs_with_its_searchsorted_out():
    x = nn.tensor([[0.0, 1.0, 3.0], [0.0, 2.0, 4.0]], dtype=nn.float64)
    y = nn.tensor([[0.0, 2.0, 6.0], [1.0, 1.0, -3.0]], dtype=nn.float64)
    xnew = nn.tensor([[-1.0, 0.5, 2.0, 5.0], [1.0, 3.0, 4.0, 6.0]], dtype=nn.float64)
    got = interp1d_rows(x, y, xnew)
    # linear through the end segments outside x's range (eps 2.2e-16 in the slopes: within rounding)
    np.testing.assert_allclose(got.numpy(), [[-2.0, 1.0, 4.0, 10.0], [1.0, -1.0, -3.0, -7.0]], rtol=1e-14,
                               atol=1e-14)


# ---------------------------------------------------------------------------------------------------------------
# where with a uint8 condition: PyTorch's warning once per process (pytorch-partial-crf's viterbi_decode)

def test_where_uint8_condition_warns_once_per_process(monkeypatch):
    monkeypatch.setattr(pointwise, "_WHERE_UINT8_WARNED", [], raising=False)      # as in a fresh process
    mask = nn.tensor([1, 0, 1], dtype=nn.uint8)
    a, b = nn.tensor([1.0, 2.0, 3.0]), nn.tensor([-1.0, -2.0, -3.0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = nn.where(mask, a, b)
        second = nn.where(mask.unsqueeze(0), a, b)            # another line, another call: no second warning
        third = nn.where(mask, a, 0.0)
    assert [str(w.message) for w in caught] == [
        "where received a uint8 condition tensor. This behavior is deprecated and will be removed in a future "
        "version of PyTorch. Use a boolean condition instead."]
    assert caught[0].category is UserWarning
    assert first.tolist() == [1.0, -2.0, 3.0] and second.tolist() == [[1.0, -2.0, 3.0]]
    assert third.tolist() == [1.0, 0.0, 3.0]


def test_masked_scatter_uint8_mask_warns_then_is_refused():
    x = nn.tensor([[1.0, 2.0], [3.0, 4.0]])
    mask = nn.tensor([[1, 0], [0, 1]], dtype=nn.uint8)
    for call in (lambda: x.masked_scatter(mask, nn.tensor([10.0, 20.0])),
                 lambda: x.clone().masked_scatter_(mask, nn.tensor([10.0, 20.0])),
                 lambda: nn.masked_scatter(x, mask, nn.tensor([10.0, 20.0]))):
        with pytest.warns(UserWarning, match="masked_scatter_ received a mask with dtype torch.uint8, this behavior "
                                             "is now deprecated,please use a mask with dtype torch.bool instead."):
            with pytest.raises(RuntimeError) as info:
                call()
        assert str(info.value) == "masked_scatter_ only supports boolean masks, but got mask with dtype Byte"
    assert x.masked_scatter(mask.bool(), nn.tensor([10.0, 20.0])).tolist() == [[10.0, 2.0], [3.0, 20.0]]


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def test_searchsorted_out_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for seq_shape, val_shape in [((9,), (4,)), ((9,), (3, 5)), ((3, 9), (3, 5)), ((2, 3, 6), (2, 3, 4))]:
        seq = np.sort(rng.normal(size=seq_shape), axis=-1)
        seq[..., 2] = seq[..., 1]                                   # a tie
        vals = rng.normal(size=val_shape)
        vals.flat[0] = seq.flat[1]
        for kwargs in ({}, {"right": True}, {"side": "right"}, {"out_int32": True}):
            dt_t = torch.int32 if kwargs.get("out_int32") else torch.int64
            dt_n = nn.int32 if kwargs.get("out_int32") else nn.int64
            ot, on = torch.empty(val_shape, dtype=dt_t), nn.empty(val_shape, dtype=dt_n)
            rt = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), out=ot, **kwargs)
            rn = nn.searchsorted(nn.tensor(seq), nn.tensor(vals), out=on, **kwargs)
            assert rt is ot and rn is on
            np.testing.assert_array_equal(on.numpy(), ot.numpy())
            assert str(on.dtype).split(".")[1] == str(ot.dtype).split(".")[1]
    for dt_t, dt_n in [(torch.float32, nn.float32), (torch.int32, nn.int32), (torch.int16, nn.int16)]:
        with pytest.raises(RuntimeError) as et:
            torch.searchsorted(torch.tensor(SEQ), torch.tensor(VALUES), out=torch.empty(2, 2, dtype=dt_t))
        with pytest.raises(RuntimeError) as en:
            nn.searchsorted(nn.tensor(SEQ), nn.tensor(VALUES), out=nn.empty(2, 2, dtype=dt_n))
        assert str(en.value) == str(et.value)


def test_where_uint8_warning_count_against_pytorch(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(pointwise, "_WHERE_UINT8_WARNED", [], raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            nn.where(nn.tensor([1, 0], dtype=nn.uint8), nn.ones(2), nn.zeros(2))
    assert len(caught) == 1
    # PyTorch's count: at most one in a process (none here if an earlier test already had it warn)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        for _ in range(3):
            torch.where(torch.tensor([1, 0], dtype=torch.uint8), torch.ones(2), torch.zeros(2))
    assert len(theirs) <= 1
    if theirs:
        assert str(theirs[0].message).startswith(str(caught[0].message))
