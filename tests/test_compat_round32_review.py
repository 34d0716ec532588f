"""A review of the thirty-second round's change, checked against PyTorch 2.13 beyond the cases the round tested
(wider grids of dtypes, shapes, biases, targets, modes, run side by side in float64 and float32).

The failures these tests pin down, in a few lines:

- ``F.linear``: the round moved the mixed-dtype check before the shape checks whenever a bias was given, so a 0-d
  input against a weight of another dtype said "self and mat2 must have the same dtype" where PyTorch's first
  check says "both arguments to linear need to be at least 1D, but they are 0D and 2D". PyTorch fuses the bias
  into addmm (dtypes checked first, the bias expanded to the (rows, out) result) only for a 2-D input or a bias of
  one row ((out,), (1, out), (1,)); otherwise it runs matmul, then ``add_`` of the bias, so the output keeps its
  dtype (float32 input and weight with a float64 (2, 4) bias: float32; nn raised "self and mat2 ..."), an integer
  output refuses a float bias ("result type Double can't be cast to the desired output type Char"), and a shape
  error of matmul comes before any dtype error. A 1-D input with a (1, out) bias is PyTorch's fused case (nn
  refused it); a bias that does not expand gets expand's words (nn: "linear: bias must have shape ..."), and bool
  operands with no terms give PyTorch's zeros.
- ``F.bilinear`` checked no shapes: einsum's words, or a (1,) / (2, out) bias accepted, where PyTorch says
  "bilinear(): input dimensions do not match ...", "... input batch dimensions do not match at dim 0 ...",
  "... input1 size does not match weight size ...", "... bias size does not match weight size ...".
- class-index targets: PyTorch's spatial nll_loss kernel (input (N, C, d1...)) takes Long only: a uint8 target
  is its RuntimeError "expected scalar type Long but found Byte" (the round accepted Byte everywhere).
  ``_index_target``'s ``op`` argument was no longer read; it now takes the reduction.
- eval-mode batch_norm's backward read the running statistics' arrays from the forward: ``bn.running_var.data =
  ...`` between forward and backward replaces the array, which PyTorch's backward (saving the tensor itself) sees.
- conv_transpose1d/2d/3d with an output smaller than 1: PyTorch's RuntimeError "Given input size per channel:
  (1 x 4). Calculated output size per channel: (-1 x 5). Output size is too small"; nn raised its own ValueError,
  and conv_transpose3d with a zero-depth output returned an empty tensor.
- ``ConstantLR`` turned the int lr the round keeps into a float between epoch 0 and total_iters (PyTorch leaves
  the lr as it is); ``Optimizer.state_dict`` dropped an integer state key that no parameter holds (which the
  round's ``load_state_dict`` now keeps: torchcontrib's SWA resumes, then saves again).
- ``linalg.ldl_factor`` / ``ldl_factor_ex`` / ``ldl_solve`` took no ``out=``, as PyTorch's do.
- ``Generator.manual_seed`` / ``nn.manual_seed`` refused a negative seed (PyTorch wraps it to 64 bits: -1 is
  2**64 - 1), took 2**64 (PyTorch: "Overflow when unpacking long long"), and a Generator took 1.5, "3" or True
  (PyTorch: "manual_seed expected a long, but got float"; only torch.manual_seed converts with int()).
- a layer without parameters made with an integer ``dtype=`` (``LayerNorm(3, elementwise_affine=False,
  dtype=torch.int64)``, ``BatchNorm1d(3, affine=False, dtype=torch.int8)``) is built by PyTorch with its floating
  buffers in that dtype; nn raised Module.to's TypeError.
"""
import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- F.linear: PyTorch's dispatch (0-d check, fused addmm or matmul + add_) -------------------------------------

def test_linear_zero_d_input_is_refused_before_the_dtypes():
    # PyTorch 2.13: F.linear(torch.tensor(2.0), torch.ones(4, 3, dtype=torch.float64)) and with a bias ->
    # RuntimeError "both arguments to linear need to be at least 1D, but they are 0D and 2D"
    msg = "both arguments to linear need to be at least 1D, but they are 0D and 2D"
    with pytest.raises(RuntimeError, match=msg):
        F.linear(nn.tensor(2.0), nn.ones(4, 3, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=msg):
        F.linear(nn.tensor(2.0), nn.ones(4, 3), nn.ones(1, dtype=nn.float64))
    with pytest.raises(RuntimeError, match="they are 1D and 0D"):
        F.linear(nn.ones(3), nn.tensor(2.0))


def test_linear_bias_not_fused_keeps_the_outputs_dtype():
    # PyTorch 2.13: x = arange(12).reshape(2, 2, 3) / 4 (float32), w (4, 3) float32, b (2, 4) float64 ->
    # float32 y = x @ w.T + b (matmul, then add_ in place: the output keeps float32)
    x = np.arange(12, dtype=np.float32).reshape(2, 2, 3) / 4
    w = np.array([[1, 0, -1], [2, 1, 0], [0, 0, 1], [1, 1, 1]], np.float32)
    b = np.array([[0.5, 0, 0, 1], [0, 0.25, 0, 0]])
    y = F.linear(nn.tensor(x), nn.tensor(w), nn.tensor(b))
    assert y.dtype == nn.float32
    np.testing.assert_array_equal(_f(y), [[[0.0, 0.25, 0.5, 1.75], [-0.5, 2.75, 1.25, 3.0]],
                                          [[0.0, 4.75, 2.0, 6.25], [-0.5, 7.25, 2.75, 7.5]]])
    # ... and an integer output refuses a float bias in add_'s words; matmul's shape error comes first
    with pytest.raises(RuntimeError, match="result type Double can't be cast to the desired output type Char"):
        F.linear(nn.ones(2, 2, 2, 3, dtype=nn.int8), nn.ones(4, 3, dtype=nn.int8), nn.tensor(0.5, dtype=nn.float64))
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(4x3 and 0x4\)"):
        F.linear(nn.ones(2, 2, 3), nn.ones(4, 0), nn.tensor(1.0, dtype=nn.float64))
    # an integer (2, 4) bias broadcast over (2, 2, 2, 4): y[1, 1] = 3 + b
    y = F.linear(nn.ones(2, 2, 2, 3, dtype=nn.int8), nn.ones(4, 3, dtype=nn.int8),
                 nn.tensor([[1, 2, 3, 4], [5, 6, 7, 8]], dtype=nn.int8))
    assert y.dtype == nn.int8
    np.testing.assert_array_equal(_f(y)[1, 1], [[4, 5, 6, 7], [8, 9, 10, 11]])


def test_linear_one_row_bias_is_fused_and_expanded():
    # PyTorch 2.13: F.linear(tensor([1., 2., 3.]), w, tensor([[1., 2., 3., 4.]])) -> [-1., 6., 6., 10.] (addmm of
    # the (1, 3) row, the bias expanded to (1, 4)); a (3,) bias: expand's words; a 4-D input with a (1, 4) bias and
    # a 1-D weight: addmm's "mat2 must be a matrix, got 1-D tensor"
    w = nn.tensor([[1.0, 0, -1], [2, 1, 0], [0, 0, 1], [1, 1, 1]])
    np.testing.assert_array_equal(_f(F.linear(nn.tensor([1.0, 2, 3]), w, nn.tensor([[1.0, 2, 3, 4]]))),
                                  [-1.0, 6.0, 6.0, 10.0])
    expand = (r"The expanded size of the tensor \(4\) must match the existing size \(3\) at non-singleton "
              r"dimension 1.  Target sizes: \[1, 4\].  Tensor sizes: \[3\]")
    with pytest.raises(RuntimeError, match=expand):
        F.linear(nn.ones(3, dtype=nn.int8), nn.ones(4, 3, dtype=nn.int8), nn.ones(3, dtype=nn.int8))
    with pytest.raises(RuntimeError, match="mat2 must be a matrix, got 1-D tensor"):
        F.linear(nn.ones(2, 2, 2, 3), nn.ones(3), nn.ones(1, 4))
    with pytest.raises(RuntimeError, match="self and mat2 must have the same dtype, but got Float and Double"):
        F.linear(nn.ones(2, 3), nn.ones(3, dtype=nn.float64), nn.ones(4))


def test_linear_of_bool_operands_without_terms_is_zeros():
    # PyTorch 2.13: F.linear(torch.zeros(2, 0, dtype=torch.bool), torch.zeros(4, 0, dtype=torch.bool)) -> a (2, 4)
    # bool tensor of False (mm of an empty inner dim zeroes the result before any kernel)
    y = F.linear(nn.zeros(2, 0, dtype=nn.bool), nn.zeros(4, 0, dtype=nn.bool))
    assert y.dtype == nn.bool and y.shape == (2, 4) and not _f(y).any()


def test_linear_with_a_one_row_bias_gradients_by_finite_differences():
    # y = linear(x, W, b) for x (3,) and b (1, 4) (PyTorch's addmm of the (1, 3) row, nn's linear plus the expanded
    # bias; nn refused the bias before): central differences in float64
    rng = np.random.default_rng(0)
    x0, w0, b0, g = rng.standard_normal(3), rng.standard_normal((4, 3)), rng.standard_normal((1, 4)), \
        rng.standard_normal(4)
    x, w, b = (nn.tensor(a, requires_grad=True) for a in (x0, w0, b0))
    (F.linear(x, w, b) * nn.tensor(g)).sum().backward()

    def loss(xa, wa, ba):
        return float((((xa @ wa.T) + ba) * g).sum())
    for k, (arr, grad) in enumerate(((x0, x.grad), (w0, w.grad), (b0, b.grad))):
        num = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            args = [x0.copy(), w0.copy(), b0.copy()]
            args[k][i] += 1e-6
            up = loss(*args)
            args[k][i] -= 2e-6
            num[i] = (up - loss(*args)) / 2e-6
        np.testing.assert_allclose(_f(grad), num, rtol=1e-6, atol=1e-8)


# ---- F.bilinear's shape checks ------------------------------------------------------------------------------------

@pytest.mark.parametrize("shapes, error, message", [
    (((2, 3), (3, 2), (4, 3, 2), None), RuntimeError, "input batch dimensions do not match at dim 0: got 2 and 3"),
    (((2, 3), (2, 2, 2), (4, 3, 2), None), RuntimeError, "input dimensions do not match: got 2 and 3"),
    (((2, 4), (2, 2), (4, 3, 2), None), RuntimeError, "input1 size does not match weight size: got 4 but expected 3"),
    (((2, 3), (2, 5), (4, 3, 2), None), RuntimeError, "input2 size does not match weight size: got 5 but expected 2"),
    (((2, 3), (2, 2), (4, 3, 2), (1,)), RuntimeError, "bias size does not match weight size: got 1 but expected 4"),
    (((2, 3), (2, 2), (4, 3, 2), ()), IndexError, "Dimension specified as 0 but tensor has no dimensions"),
    (((), (), (4, 3, 2), None), IndexError, "Dimension specified as -1 but tensor has no dimensions"),
])
def test_bilinear_shape_errors_in_pytorchs_words(shapes, error, message):
    # PyTorch 2.13's bilinear (aten/src/ATen/native/Linear.cpp): these checks, in this order, after the dtypes
    s1, s2, sw, sb = shapes
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        F.bilinear(nn.ones(s1), nn.ones(s2), nn.ones(sw), None if sb is None else nn.ones(sb))


# ---- class-index targets --------------------------------------------------------------------------------------------

def test_spatial_uint8_target_is_refused_as_pytorchs_kernel_does():
    # PyTorch 2.13: nll_loss / cross_entropy of input (3, 4, 2) with a uint8 (3, 2) target -> RuntimeError "expected
    # scalar type Long but found Byte" (before the bounds check; a (3, 4) input with a (3,) uint8 target is computed;
    # an empty (0, 4, 2) batch with reduction='mean' returns first)
    x = nn.randn(3, 4, 2)
    for fn in (F.nll_loss, F.cross_entropy):
        for target in (nn.zeros(3, 2, dtype=nn.uint8), nn.full((3, 2), 7, dtype=nn.uint8)):
            with pytest.raises(RuntimeError, match="expected scalar type Long but found Byte"):
                fn(x, target)
        assert fn(nn.randn(3, 4), nn.tensor([0, 3, 1], dtype=nn.uint8)).shape == ()
        fn(nn.randn(0, 4, 2), nn.zeros(0, 2, dtype=nn.uint8))
        with pytest.raises(RuntimeError, match="expected scalar type Long but found Byte"):
            fn(nn.randn(0, 4, 2), nn.zeros(0, 2, dtype=nn.uint8), reduction="none")


# ---- eval batch_norm's backward --------------------------------------------------------------------------------------

def test_eval_batch_norm_backward_reads_statistics_replaced_through_data():
    # PyTorch 2.13: bn = BatchNorm1d(2).double().eval() (running_mean 0, running_var 1, weight 1); y = bn(x);
    # bn.running_var.data = bn.running_var.data * 4 (set_data: the saved tensor now holds 4); y.sum().backward() ->
    # x.grad = 1 / sqrt(4 + 1e-5) everywhere (the forward used var 1)
    bn = nn.nn.BatchNorm1d(2).double().eval()
    x = nn.randn(3, 2, dtype=nn.float64, requires_grad=True)
    y = bn(x)
    bn.running_var.data = bn.running_var.data * 4
    y.sum().backward()
    np.testing.assert_allclose(_f(x.grad), np.full((3, 2), 1 / np.sqrt(4 + 1e-5)), rtol=1e-14)


# ---- conv_transpose output size --------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn, x_shape, w_shape, padding, sizes", [
    (F.conv_transpose2d, (1, 2, 1, 4), (2, 3, 1, 2), 1, "(1 x 4). Calculated output size per channel: (-1 x 3)"),
    (F.conv_transpose1d, (1, 2, 1), (2, 3, 1), 1, "(1 x 1). Calculated output size per channel: (1 x -1)"),
    (F.conv_transpose3d, (1, 2, 1, 4, 4), (2, 3, 2, 2, 2), 1, "(1 x 4 x 4). Calculated output size per channel: "
                                                               "(0 x 3 x 3)"),
])
def test_conv_transpose_output_too_small_in_pytorchs_words(fn, x_shape, w_shape, padding, sizes):
    # PyTorch 2.13: RuntimeError "Given input size per channel: (1 x 4). Calculated output size per channel:
    # (-1 x 3). Output size is too small" (a conv_transpose1d names the height-1 image it runs as)
    message = f"Given input size per channel: {sizes}. Output size is too small"
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fn(nn.ones(*x_shape), nn.ones(*w_shape), None, 1, padding)


# ---- optimizers ------------------------------------------------------------------------------------------------------

def test_constant_lr_leaves_an_int_lr_as_it_is():
    # PyTorch 2.13: SGD([p], lr=1) with ConstantLR(factor=1, total_iters=2): lr after steps 1, 2, 3 is 1 (int),
    # 1.0, 1.0 (divided by the factor at total_iters)
    p = nn.nn.Parameter(nn.ones(2))
    opt = nn.optim.SGD([p], lr=1)
    sched = nn.optim.lr_scheduler.ConstantLR(opt, factor=1, total_iters=2)
    seen = []
    for _ in range(3):
        opt.step()
        sched.step()
        seen.append(opt.param_groups[0]["lr"])
    assert [type(v) for v in seen] == [int, float, float] and seen == [1, 1.0, 1.0]


def test_state_dict_saves_an_integer_key_that_load_state_dict_kept():
    # PyTorch 2.13: an optimizer's state_dict()["state"] with an extra entry 99: {"buf": 1} loads, and its
    # state_dict() holds the entry again (non-tensor keys are saved as they are)
    p = nn.nn.Parameter(nn.ones(2, dtype=nn.float64))
    opt = nn.optim.Adam([p], lr=0.1)
    p.grad = nn.ones(2, dtype=nn.float64)
    opt.step()
    sd = opt.state_dict()
    sd["state"][99] = {"buf": 1}
    opt2 = nn.optim.Adam([nn.nn.Parameter(nn.ones(2, dtype=nn.float64))], lr=0.1)
    opt2.load_state_dict(sd)
    again = opt2.state_dict()["state"]
    assert sorted(again) == [0, 99] and again[99] == {"buf": 1}


# ---- linalg.ldl_* out= -----------------------------------------------------------------------------------------------

def test_ldl_functions_take_out():
    # PyTorch 2.13: torch.linalg.ldl_factor_ex(A, out=(LD, pivots, info)) writes into and returns them;
    # A = [[2, 1], [1, 3]] -> LD = [[2, 0], [0.5, 2.5]], pivots [1, 2]; ldl_solve(..., ones(2, 1), out=X) -> [0.4, 0.2]
    A = nn.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=nn.float64)
    out = (nn.empty(2, 2, dtype=nn.float64), nn.empty(2, dtype=nn.int32), nn.empty((), dtype=nn.int32))
    LD, piv, info = nn.linalg.ldl_factor_ex(A, out=out)
    assert LD is out[0] and piv is out[1] and info is out[2]
    np.testing.assert_allclose(_f(out[0]), [[2.0, 0.0], [0.5, 2.5]])
    np.testing.assert_array_equal(_f(out[1]), [1, 2])
    out2 = (nn.empty(2, 2, dtype=nn.float64), nn.empty(2, dtype=nn.int32))
    assert nn.linalg.ldl_factor(A, out=out2)[0] is out2[0]
    X = nn.empty(2, 1, dtype=nn.float64)
    assert nn.linalg.ldl_solve(LD, piv, nn.ones(2, 1, dtype=nn.float64), out=X) is X
    np.testing.assert_allclose(_f(X), [[0.4], [0.2]])


# ---- layers made with an integer dtype= ------------------------------------------------------------------------------

def test_a_layer_without_parameters_takes_an_integer_dtype():
    # PyTorch 2.13: BatchNorm1d(3, affine=False, dtype=torch.int8) -> running_mean / running_var int8 (0 and 1),
    # num_batches_tracked int64; LayerNorm(3, elementwise_affine=False, dtype=torch.int64) is built
    bn = nn.nn.BatchNorm1d(3, affine=False, dtype=nn.int8)
    assert bn.running_mean.dtype == nn.int8 and bn.running_var.dtype == nn.int8
    assert bn.num_batches_tracked.dtype == nn.int64
    np.testing.assert_array_equal(_f(bn.running_var), [1, 1, 1])
    nn.nn.LayerNorm(3, elementwise_affine=False, dtype=nn.int64)
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
        nn.nn.BatchNorm1d(3, dtype=nn.int8)


# ---- against PyTorch, where it is installed --------------------------------------------------------------------------

def test_linear_against_pytorch_over_shapes_and_dtypes():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for dt in ("int16", "int64", "float32", "float64"):
        for xs in [(3,), (2, 3), (2, 2, 3), (2, 2, 2, 3)]:
            for bs in [None, (), (1,), (4,), (1, 4), (2, 4), (2, 2, 4)]:
                x, w = rng.integers(-2, 3, xs).astype(dt), rng.integers(-2, 3, (4, 3)).astype(dt)
                b = None if bs is None else rng.integers(-2, 3, bs).astype(dt)
                try:
                    want = torch.nn.functional.linear(torch.tensor(x), torch.tensor(w),
                                                      None if b is None else torch.tensor(b)).numpy()
                except RuntimeError as e:
                    with pytest.raises(RuntimeError, match=str(e).split("\n")[0].replace("(", r"\(")
                                       .replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):
                        F.linear(nn.tensor(x), nn.tensor(w), None if b is None else nn.tensor(b))
                    continue
                got = _f(F.linear(nn.tensor(x), nn.tensor(w), None if b is None else nn.tensor(b)))
                assert got.dtype == want.dtype and got.shape == want.shape
                np.testing.assert_allclose(got, want, rtol=1e-6)


# ---- Generator seeds -------------------------------------------------------------------------------------------------

def test_generator_seeds_are_unpacked_as_pytorchs():
    # PyTorch 2.13: torch.Generator().manual_seed(-1).initial_seed() -> 18446744073709551615 (two's complement),
    # torch.manual_seed(-2**63) -> initial_seed 2**63; 2**64 or -2**63 - 1 -> ValueError "Overflow when unpacking
    # long long"; Generator().manual_seed(1.5) -> RuntimeError "manual_seed expected a long, but got float" (also
    # str, bool), where torch.manual_seed(1.5) converts with int()
    assert nn.Generator().manual_seed(-1).initial_seed() == 2 ** 64 - 1
    nn.manual_seed(-2 ** 63)
    assert nn.initial_seed() == 2 ** 63
    for bad in (2 ** 64, -2 ** 63 - 1):
        with pytest.raises(ValueError, match="Overflow when unpacking long long"):
            nn.Generator().manual_seed(bad)
        with pytest.raises(ValueError, match="Overflow when unpacking long long"):
            nn.manual_seed(bad)
    for bad, name in ((1.5, "float"), ("3", "str"), (True, "bool")):
        with pytest.raises(RuntimeError, match=f"manual_seed expected a long, but got {name}"):
            nn.Generator().manual_seed(bad)
    nn.manual_seed(1.5)
    assert nn.initial_seed() == 1
    nn.manual_seed(0)
