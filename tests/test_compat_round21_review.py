"""Review of round 21 (tests/test_compat_round21_A.py ... _G.py and the dtype commits before them): what the review
of that change fixed.

- ``instance_norm`` with running statistics of another dtype than its input: PyTorch repeats the statistics per
  instance before its batch_norm, which casts them, so it checks only weight and bias (a float32 input takes
  float64 statistics and the reverse); the round's norm check took the statistics for parameters and refused.
- ``embedding_bag`` with ``per_sample_weights`` of another dtype and a mode other than 'sum': PyTorch refuses the
  mode first (its NotImplementedError, in its words); the round's dtype check came first, a RuntimeError.
- ``scaled_dot_product_attention``'s mask: PyTorch takes a bool, float32 or query-dtype mask Tensor (a float64 mask
  for a float32 query is refused) and names both dtypes; nn took any floating mask, and its message stopped at the
  mask's NumPy dtype (the round refused query / key / value of two dtypes next to it).
"""
import numpy as np
import pytest

import nn
import nn.functional as F


# ---- instance_norm: the running statistics are not checked against the input's dtype --------------------------------

@pytest.mark.parametrize("x_dtype, stats_dtype", [(np.float32, np.float64), (np.float64, np.float32)])
@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_takes_running_statistics_of_another_dtype(x_dtype, stats_dtype, use_input_stats):
    x = np.array([[[1.0, 2.0, 4.0], [0.0, 3.0, 3.0]]], x_dtype)                       # (1, 2, 3)
    rm, rv = np.array([1.0, 2.0], stats_dtype), np.array([4.0, 1.0], stats_dtype)
    weight = nn.tensor([2.0, 1.0], dtype=nn.float32 if x_dtype == np.float32 else nn.float64)
    y = F.instance_norm(nn.tensor(x), rm, rv, weight=weight, use_input_stats=use_input_stats, eps=0.0)
    assert y.dtype == (nn.float32 if x_dtype == np.float32 else nn.float64)
    if use_input_stats:
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        np.testing.assert_allclose(y.numpy(), (x - mean) / np.sqrt(var) * [[[2.0], [1.0]]], rtol=1e-6)
        # the statistics move by momentum 0.1 toward the instance means (7/3, 2) and unbiased variances (7/3, 3)
        np.testing.assert_allclose(rm, [0.9 + 0.7 / 3, 1.8 + 0.2], rtol=1e-6)
        np.testing.assert_allclose(rv, [3.6 + 0.7 / 3, 0.9 + 0.3], rtol=1e-6)
        assert rm.dtype == stats_dtype
    else:
        np.testing.assert_allclose(y.numpy(), [[[0.0, 1.0, 3.0], [-2.0, 1.0, 1.0]]], rtol=1e-6)


def test_instance_norm_still_checks_weight_and_bias():
    x = nn.ones(2, 3, 4)
    with pytest.raises(RuntimeError, match=r"^mixed dtype \(CPU\): expect parameter to have scalar type of Float$"):
        F.instance_norm(x, nn.zeros(3), nn.ones(3), weight=nn.ones(3, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"^expected scalar type Float but found Double$"):
        F.instance_norm(x, weight=nn.ones(3), bias=nn.ones(3, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"^mixed dtype \(CPU\): all inputs must share same datatype\.$"):
        F.instance_norm(x.double(), nn.zeros(3), nn.ones(3), weight=nn.ones(3))


def test_instance_norm_statistics_dtypes_as_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for x_dtype, stats_dtype in [(np.float32, np.float64), (np.float64, np.float32)]:
        x = rng.standard_normal((2, 3, 5)).astype(x_dtype)
        rm, rv = rng.random(3).astype(stats_dtype), (rng.random(3) + 0.5).astype(stats_dtype)
        for use in (True, False):
            theirs_rm, ours_rm = torch.tensor(rm), rm.copy()
            theirs = torch.nn.functional.instance_norm(torch.tensor(x), theirs_rm, torch.tensor(rv),
                                                       use_input_stats=use)
            ours = F.instance_norm(nn.tensor(x), ours_rm, rv.copy(), use_input_stats=use)
            assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(ours_rm, theirs_rm.numpy(), rtol=1e-6)


# ---- embedding_bag: per_sample_weights refuses the mode before the dtype ---------------------------------------------

def test_embedding_bag_per_sample_weights_refuses_the_mode_first():
    idx, weight = nn.tensor([[0, 1]]), nn.ones(3, 2)
    for psw in (nn.ones(1, 2), nn.ones(1, 2, dtype=nn.float64)):
        with pytest.raises(NotImplementedError, match=r"^embedding_bag: per_sample_weights was not None\. "
                                                      r"per_sample_weights is only supported for mode='sum' "
                                                      r"\(got mode='mean'\)\. Please open a feature request on "
                                                      r"GitHub\.$"):
            F.embedding_bag(idx, weight, per_sample_weights=psw)          # mode='mean' by default
    with pytest.raises(RuntimeError, match=r"^Expected tensor for argument #1 'weight' to have the same type"):
        F.embedding_bag(idx, weight, per_sample_weights=nn.ones(1, 2, dtype=nn.float64), mode="sum")


def test_embedding_bag_per_sample_weights_errors_as_pytorch():
    torch = pytest.importorskip("torch")
    for mode in ("mean", "max", "sum"):
        with pytest.raises(Exception) as theirs:
            torch.nn.functional.embedding_bag(torch.tensor([[0, 1]]), torch.ones(3, 2),
                                              per_sample_weights=torch.ones(1, 2, dtype=torch.float64), mode=mode)
        with pytest.raises(Exception) as ours:
            F.embedding_bag(nn.tensor([[0, 1]]), nn.ones(3, 2), per_sample_weights=nn.ones(1, 2, dtype=nn.float64),
                            mode=mode)
        assert type(ours.value).__name__ == type(theirs.value).__name__
        assert str(ours.value) == str(theirs.value)


# ---- scaled_dot_product_attention: the mask's dtype ------------------------------------------------------------------

def test_attention_mask_of_a_wider_float_dtype_is_refused_in_pytorchs_words():
    q = nn.ones(1, 2, 3)
    with pytest.raises(RuntimeError, match=r"^Expected attn_mask dtype to be bool or float or to match query dtype, "
                                           r"but got attn_mask\.dtype: double and  query\.dtype: float instead\.$"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=nn.zeros(2, 2, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"attn_mask\.dtype: long int and  query\.dtype: double instead\.$"):
        F.scaled_dot_product_attention(q.double(), q.double(), q.double(), attn_mask=nn.zeros(2, 2, dtype=nn.long))
    # what PyTorch takes: bool, float32 (for any query) and the query's dtype
    q64 = q.double()
    assert F.scaled_dot_product_attention(q64, q64, q64, attn_mask=nn.zeros(2, 2)).dtype == nn.float64
    assert F.scaled_dot_product_attention(q, q, q, attn_mask=nn.ones(2, 2, dtype=nn.bool)).dtype == nn.float32
    assert F.scaled_dot_product_attention(q64, q64, q64, attn_mask=nn.zeros(2, 2, dtype=nn.float64)).shape == (1, 2, 3)


def test_attention_mask_dtypes_as_pytorch():
    torch = pytest.importorskip("torch")
    for q_dtype, m_dtype in [("float64", "float32"), ("float32", "float64"), ("float32", "int64"),
                             ("float64", "int32"), ("float32", "bool"), ("float64", "float64")]:
        def call(lib, F_):
            q = lib.ones(1, 2, 3, dtype=getattr(lib, q_dtype))
            try:
                return F_.scaled_dot_product_attention(q, q, q, attn_mask=lib.zeros(2, 2, dtype=getattr(lib, m_dtype)))
            except RuntimeError as e:
                return str(e)
        theirs, ours = call(torch, torch.nn.functional), call(nn, F)
        if isinstance(theirs, str):
            assert ours == theirs
        else:
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
