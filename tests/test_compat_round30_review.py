"""Review of compatibility round 30 (f4e3756): what the review changed, each test failing on f4e3756's nn.

1. prelu's errors: the round put PyTorch's channel-count message first, but kept nn's own ValueError for a weight of
   2 or more dims and answered a 0-d input with a many-slope weight by the channel-count message. PyTorch 2.13
   checks, in this order: (a weight of more than one element) "Not allow zero-dim input tensor." for a 0-d input,
   then the channel count; then "prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2", all
   RuntimeErrors.
2. linalg.lu_factor / lu / lu_factor_ex of empty matrices (0 x n, m x 0, or an empty batch): the round's
   rectangular LU reshaped its pivots with -1 and stacked an empty list (a NumPy ValueError; 7ddf629 refused
   0 x 3 as not square); PyTorch gives empty factors: lu_factor(ones(0, 3)) is LU (0, 3) and int32 pivots (0,),
   lu is P (0, 0), L (0, 0), U (0, 3); lu(ones(3, 0)) is P = eye(3), L (3, 0), U (0, 0); info of a batch (2, 0, 0)
   is zeros (2,).
3. A test that could not fail: test_a_fused_hook_optimizer_steps_in_pytorchs_order (round 30, I) zeroes every
   gradient in its hook, which makes the result the same whichever parameter's hook runs first. Without the
   zero_grad the order shows: PyTorch 2.13 runs the bias's hook first (its step moves the bias alone), then the
   weight's (which steps the weight and the bias again): bias 0.25 -> 0.5 -> 0.75, weight [0.75, -0.5]. (This one
   fails on 7ddf629, before the round's fix. Three guards pass on f4e3756 too: the cases fixes 1, 5 and 6 keep,
   test_prelu_weight_checks_keep_the_channel_count_and_scalar_cases, test_linear_still_expands_a_bias_of_its_own_dtype
   and test_softshrink_with_lambd_zero_is_the_identity.)
4. cosine_similarity of shapes that do not broadcast: the round broadcast them with np.broadcast_shapes, whose
   NumPy ValueError ("shape mismatch: objects cannot be broadcast ...") replaced PyTorch's RuntimeError "The size
   of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0" (nn's broadcast_shape has it).
5. linear with a bias that expands to the output ((), (1,), (N, out)) but of another dtype: the round's expansion
   returned linear(x, weight) + bias before the dtype check, so a float32 bias on float64 x and weight promoted
   silently; PyTorch's addmm checks dtypes first: RuntimeError "self and mat2 must have the same dtype, but got
   Float and Double" (for a wrong-shaped bias of another dtype too).
6. softshrink with a negative (or NaN, or infinite) lambd: the round's rewrite (as the relu form before it) computed
   x - clip(x, -lambd, lambd) with the bounds crossed; PyTorch 2.13 refuses: RuntimeError "lambda must be in range
   [0, 3.40282e+38] for input dtype Float, but found -0.5" ("[0, 1.79769e+308] ... Double" for float64); lambd 0
   is taken (the identity).
"""
import re

import numpy as np
import pytest

import nn
import nn.functional as F


# ---- 1. prelu's errors, PyTorch's order and words ---------------------------------------------------------------

def test_prelu_refuses_a_zero_dim_input_with_several_slopes():
    with pytest.raises(RuntimeError, match=r"^Not allow zero-dim input tensor\.$"):
        F.prelu(nn.tensor(0.5), nn.tensor([0.25, 0.5, 0.75]))


def test_prelu_refuses_a_weight_of_two_dims_with_pytorchs_words():
    msg = r"^prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2$"
    for x in (nn.ones(2, 3, 4), nn.ones(3), nn.tensor(0.5)):
        with pytest.raises(RuntimeError, match=msg):
            F.prelu(x, nn.full((1, 1), 0.25))


def test_prelu_weight_checks_keep_the_channel_count_and_scalar_cases():
    with pytest.raises(RuntimeError, match=r"^Mismatch of parameter numbers and input channel size\. Found "
                                           r"parameter numbers = 2 and channel size = 3\.$"):
        F.prelu(nn.ones(2, 3), nn.tensor([0.25, 0.5]))
    # a 0-d weight (one slope) and a one-slope weight on a 0-d input are taken, as PyTorch's
    np.testing.assert_allclose(F.prelu(nn.tensor([-2.0, 1.0]), nn.tensor(0.25)).numpy(), [-0.5, 1.0])
    np.testing.assert_allclose(F.prelu(nn.tensor(-2.0), nn.tensor([0.25])).numpy(), -0.5)


# ---- 2. LU of empty matrices ------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, piv, P, L, U", [
    ((0, 3), (0,), (0, 0), (0, 0), (0, 3)),
    ((3, 0), (0,), (3, 3), (3, 0), (0, 0)),
    ((0, 3, 3), (0, 3), (0, 3, 3), (0, 3, 3), (0, 3, 3)),
    ((2, 0, 0), (2, 0), (2, 0, 0), (2, 0, 0), (2, 0, 0)),
])
def test_lu_of_empty_matrices_gives_empty_factors(shape, piv, P, L, U):
    A = nn.ones(*shape, dtype=nn.float64, requires_grad=True)
    LU, pivots = nn.linalg.lu_factor(A)
    assert tuple(LU.shape) == shape and tuple(pivots.shape) == piv and pivots.dtype == nn.int32
    p, lo, up = nn.linalg.lu(A)
    assert (tuple(p.shape), tuple(lo.shape), tuple(up.shape)) == (P, L, U)
    info = nn.linalg.lu_factor_ex(A)[2]
    assert tuple(info.shape) == shape[:-2] and not info.numpy().any()
    (lo.sum() + up.sum()).backward()
    assert tuple(A.grad.shape) == shape


def test_lu_of_a_tall_empty_matrix_has_the_identity_permutation():
    p, _, _ = nn.linalg.lu(nn.ones(3, 0, dtype=nn.float64))
    np.testing.assert_array_equal(p.numpy(), np.eye(3))


# ---- 3. the fused-hook order, by a test that can fail -----------------------------------------------------------

def test_post_accumulate_hooks_of_linear_run_bias_first_without_zero_grad():
    layer = nn.Linear(2, 1)
    with nn.no_grad():
        layer.weight.copy_(nn.tensor([[0.5, -1.0]]))
        layer.bias.copy_(nn.tensor([0.25]))
    opt = nn.optim.SGD(layer.parameters(), lr=0.1)
    for p in layer.parameters():
        p.register_post_accumulate_grad_hook(lambda p: opt.step())
    (layer(nn.tensor([[1.0, 2.0]])) ** 2).sum().backward()
    # y = 0.5 - 2 + 0.25 = -1.25: dL/dbias = -2.5, dL/dweight = [-2.5, -5]; bias stepped twice, weight once
    np.testing.assert_allclose(layer.bias.detach().numpy(), [0.75])
    np.testing.assert_allclose(layer.weight.detach().numpy(), [[0.75, -0.5]])


# ---- 4. cosine_similarity's broadcasting error ------------------------------------------------------------------

def test_cosine_similarity_of_shapes_that_do_not_broadcast_gives_pytorchs_error():
    with pytest.raises(RuntimeError, match=r"^The size of tensor a \(3\) must match the size of tensor b \(2\) at "
                                           r"non-singleton dimension 0$"):
        F.cosine_similarity(nn.ones(3), nn.ones(2), 0)


# ---- 5. linear's dtype check before its bias expansion ----------------------------------------------------------

@pytest.mark.parametrize("bias_shape", [(), (1,), (1, 4), (2, 4), (3,)])
def test_linear_refuses_a_bias_of_another_dtype_whatever_its_shape(bias_shape):
    x, w = nn.ones(2, 3, dtype=nn.float64), nn.ones(4, 3, dtype=nn.float64)
    with pytest.raises(RuntimeError, match=r"^self and mat2 must have the same dtype, but got Float and Double$"):
        F.linear(x, w, nn.ones(bias_shape, dtype=nn.float32))


def test_linear_still_expands_a_bias_of_its_own_dtype():
    y = F.linear(nn.ones(2, 3, dtype=nn.float64), nn.ones(4, 3, dtype=nn.float64), nn.full((2, 1), 0.5,
                                                                                         dtype=nn.float64).expand(2, 4))
    np.testing.assert_allclose(y.numpy(), np.full((2, 4), 3.5))
    assert y.dtype == nn.float64


# ---- 6. softshrink's lambd range --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, bound, name", [(nn.float32, "3.40282e+38", "Float"), (nn.float64, "1.79769e+308",
                                                                                           "Double")])
def test_softshrink_refuses_a_negative_lambd_with_pytorchs_words(dtype, bound, name):
    msg = rf"^lambda must be in range \[0, {re.escape(bound)}\] for input dtype {name}, but found -0.5$"
    with pytest.raises(RuntimeError, match=msg):
        F.softshrink(nn.ones(2, dtype=dtype), -0.5)
    with pytest.raises(RuntimeError, match=r"but found nan$"):
        F.softshrink(nn.ones(2, dtype=dtype), float("nan"))


def test_softshrink_with_lambd_zero_is_the_identity():
    np.testing.assert_allclose(F.softshrink(nn.tensor([1.0, -0.2]), 0).numpy(), [1.0, -0.2])
