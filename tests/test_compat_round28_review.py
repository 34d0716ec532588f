"""Review of the twenty-eighth compatibility round (three areas: foolbox on eagerpy, PennyLane's torch interface,
chemprop: dtype refusals of reductions and draws, relu at NaN, where() of two numbers, the softmax dim check, one_hot,
complex det / matrix_exp) and of the take-back of a late helper's share in nn/kernels/threads.py.

Found and mended:
- hardtanh / relu6 (and their in-place forms) zeroed the gradient at a NaN input, where PyTorch's hardtanh_backward
  (0 where x <= min_val or x >= max_val) passes it on, as the round made relu do; and their gradient could not be
  differentiated again (create_graph=True raised NotImplementedError).
- softmax / log_softmax's new dim check (_checked_dim) still took a bool, a tuple or a list (a tuple (1, 2) used its
  first axis silently); PyTorch's parser refuses them: "softmax(): argument 'dim' (position 1) must be int, not
  tuple".
- logsumexp of an integer tensor computed x - max in the integer dtype: uint8 wrapped around (inf); PyTorch takes
  integers in the default dtype first, as the round made bool do.
- log_normal_ of a complex tensor drew complex values; PyTorch's "log_normal_cpu" has no complex form.
- exponential_ / cauchy_ took no parameter checks (lambd = -1 drew negative "exponential" values) and gave a cast
  error for an integer tensor, and geometric_ raised ValueError and refused integer tensors: PyTorch's words are
  "exponential_ expects lambda > 0.0, ...", "Exponential distribution is a continuous probability distribution.
  dtype must be a floating point but you specified Long", "cauchy_ expects sigma > 0.0, ...", "geometric_ expects p
  to be in (0, 1), but got p=1.5"; geometric_ fills integer tensors, and refuses bool / complex ("geometric_cpu").
- nn.init.orthogonal_ / trunc_normal_ / sparse_ filled integer and bool tensors (cast draws); PyTorch draws with
  normal_ first: '"normal_kernel_cpu" not implemented for 'Long''.
- nansum / nanmean of complex tensors summed them; PyTorch: "nansum on CPU does not support complex inputs". sign of
  a complex tensor gave z / |z| (NumPy's); PyTorch refuses it ("Please use torch.sgn instead").
- numpy_axis's new x= / a= / x1= names for input took two of them (or one and input=) and silently kept one;
  PyTorch's parser refuses the call (TypeError).
- The '"kernel" not implemented for 'Type'' error was written three times (init, reductions, and now geometric_):
  one dtypes.kernel_not_implemented.
"""
import numpy as np
import pytest

import nn
import nn.functional as F

NAN = float("nan")


# -- 1. hardtanh / relu6 pass the gradient at NaN, and differentiate twice ------------------------------------------

@pytest.mark.parametrize("fn, want", [(lambda x: F.relu6(x), [3., 0., 0., 3., 0.]),
                                      (lambda x: F.hardtanh(x), [3., 0., 3., 0., 0.]),
                                      (lambda x: F.hardtanh(x * 1, inplace=True), [3., 0., 3., 0., 0.]),
                                      (lambda x: nn.ReLU6(inplace=True)(x * 1), [3., 0., 0., 3., 0.])])
def test_hardtanh_and_relu6_pass_the_gradient_at_nan(fn, want):
    """PyTorch 2.13: relu6 / hardtanh at [nan, -1, 0, 2, 7] with gradient 3 give [3, 0, 0, 3, 0] / [3, 0, 3, 0, 0]
    (0 at the kinks and outside, g at NaN)."""
    x = nn.tensor([NAN, -1., 0., 2., 7.], dtype=nn.float64, requires_grad=True)
    fn(x).backward(nn.full((5,), 3., dtype=nn.float64))
    np.testing.assert_array_equal(x.grad.numpy(), want)


def test_hardtanh_gradient_differentiates_again():
    x = nn.tensor([NAN, -2., 0.5, 2.], dtype=nn.float64, requires_grad=True)
    (g,) = nn.autograd.grad(F.hardtanh(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.detach().numpy(), [1., 0., 1., 0.])
    (g * nn.tensor([1., 2., 3., 4.], dtype=nn.float64)).sum().backward()   # piecewise constant: zero second order
    np.testing.assert_array_equal(x.grad.numpy(), 0.)


def test_hardtanh_gradient_matches_pytorch():
    torch = pytest.importorskip("torch")
    v = [NAN, -1., 0., 0.5, 1., 6., 7.]
    for lo, hi in [(-1., 1.), (0., 6.)]:
        x = nn.tensor(v, dtype=nn.float64, requires_grad=True)
        t = torch.tensor(v, dtype=torch.float64, requires_grad=True)
        F.hardtanh(x, lo, hi).sum().backward()
        torch.nn.functional.hardtanh(t, lo, hi).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


# -- 2. softmax's dim is one int ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dim, kind", [(True, "bool"), ((1,), "tuple"), ([1], "list"), (1.0, "float")])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_dim_must_be_an_int(op, dim, kind):
    x = nn.ones(2, 3)
    with pytest.raises(TypeError, match=rf"{op}\(\): argument 'dim' \(position 1\) must be int, not {kind}"):
        getattr(F, op)(x, dim=dim)


def test_softmax_dim_takes_numpy_ints_and_0d_integer_tensors():
    x = nn.tensor([[1., 2., 3.], [0., 0., 0.]])
    want = F.softmax(x, 1).numpy()
    np.testing.assert_array_equal(F.softmax(x, np.int64(1)).numpy(), want)
    np.testing.assert_array_equal(F.softmax(x, nn.tensor(1)).numpy(), want)
    np.testing.assert_array_equal(nn.Softmax(dim=-1)(x).numpy(), want)
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.softmax(x, 2)


# -- 3. logsumexp of integers in the default dtype --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [nn.uint8, nn.int32, nn.int64])
def test_logsumexp_of_integers_is_in_the_default_dtype(dtype):
    """PyTorch: logsumexp([3, 1, 2, 2]) = 3.6265235 (float32), uint8 included (no wraparound of x - max)."""
    out = nn.tensor([3, 1, 2, 2], dtype=dtype).logsumexp(0)
    assert out.dtype == nn.float32
    np.testing.assert_allclose(out.item(), np.log(np.exp([3., 1., 2., 2.]).sum()), rtol=1e-6)


# -- 4. draws: log_normal_ of complex, exponential_ / cauchy_ / geometric_ checks ---------------------------------

def test_log_normal_refuses_complex():
    with pytest.raises(NotImplementedError, match="\"log_normal_cpu\" not implemented for 'ComplexFloat'"):
        nn.zeros(3, dtype=nn.complex64).log_normal_()
    assert nn.zeros(3, dtype=nn.complex64).normal_().dtype == nn.complex64          # normal_ takes complex


def test_exponential_checks_its_rate_then_the_dtype():
    for lambd in (-1., 0.):
        with pytest.raises(RuntimeError, match=f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}"):
            nn.zeros(3, dtype=nn.int64).exponential_(lambd)
    for dtype, name in [(nn.int64, "Long"), (nn.bool, "Bool"), (nn.complex64, "ComplexFloat")]:
        with pytest.raises(RuntimeError, match="Exponential distribution is a continuous probability distribution. "
                                               f"dtype must be a floating point but you specified {name}"):
            nn.zeros(3, dtype=dtype).exponential_()
    assert (nn.zeros(100, dtype=nn.float64).exponential_(2.) > 0).all()


def test_cauchy_checks_its_scale_then_the_dtype():
    with pytest.raises(RuntimeError, match="cauchy_ expects sigma > 0.0, but found sigma=-1"):
        nn.zeros(3, dtype=nn.int64).cauchy_(0., -1.)
    for dtype, name in [(nn.int64, "long int"), (nn.uint8, "unsigned char"), (nn.complex64, r"c10::complex<float>")]:
        with pytest.raises(RuntimeError, match=f"dtype must be a floating point but you specified {name}"):
            nn.zeros(3, dtype=dtype).cauchy_()


def test_geometric_fills_integers_and_refuses_bool_and_complex():
    with pytest.raises(RuntimeError, match=r"geometric_ expects p to be in \(0, 1\), but got p=1.5"):
        nn.zeros(3).geometric_(1.5)
    k = nn.zeros(200, dtype=nn.int32).geometric_(0.5)
    assert k.dtype == nn.int32 and (k >= 1).all()
    for dtype, name in [(nn.bool, "Bool"), (nn.complex64, "ComplexFloat")]:
        with pytest.raises(NotImplementedError, match=f"\"geometric_cpu\" not implemented for '{name}'"):
            nn.zeros(3, dtype=dtype).geometric_(0.5)


@pytest.mark.parametrize("init", [lambda t: nn.nn.init.orthogonal_(t), lambda t: nn.nn.init.trunc_normal_(t),
                                  lambda t: nn.nn.init.sparse_(t, 0.5)])
def test_init_draws_refuse_integer_and_bool_tensors(init):
    for dtype, name in [(nn.int64, "Long"), (nn.bool, "Bool")]:
        with pytest.raises(NotImplementedError, match=f"\"normal_kernel_cpu\" not implemented for '{name}'"):
            init(nn.zeros(3, 3, dtype=dtype))
    assert init(nn.zeros(3, 3, dtype=nn.float64)).dtype == nn.float64


# -- 5. nansum / nanmean / sign of complex tensors ------------------------------------------------------------------

def test_nansum_and_nanmean_refuse_complex():
    z = nn.tensor([1j, 2.])
    for f in (nn.nansum, nn.nanmean, lambda t: t.nansum(0)):
        with pytest.raises(RuntimeError, match="nansum on CPU does not support complex inputs"):
            f(z)


def test_sign_refuses_complex_and_sgn_takes_it():
    z = nn.tensor([1j, 2.])
    with pytest.raises(NotImplementedError, match="torch.sign is not intended to support complex numbers"):
        z.sign()
    np.testing.assert_array_equal(z.sgn().numpy(), [1j, 1.])
    np.testing.assert_array_equal(nn.tensor([True, False]).sign().numpy(), [True, False])


def test_complex_refusals_match_pytorch():
    torch = pytest.importorskip("torch")
    for f in (lambda L: L.nansum(L.tensor([1j, 2.])), lambda L: L.tensor([1j]).sign(),
              lambda L: L.zeros(2, dtype=L.complex64).log_normal_(), lambda L: L.zeros(2, dtype=L.int64).exponential_(),
              lambda L: L.zeros(2, dtype=L.bool).geometric_(0.5)):
        caught = []
        for L in (torch, nn):
            with pytest.raises(Exception) as e:
                f(L)
            caught.append((e.type, str(e.value)))
        assert caught[0] == caught[1]


# -- 6. input's NumPy names: one at a time ---------------------------------------------------------------------------

def test_input_and_its_numpy_names_are_not_taken_together():
    t = nn.tensor([3., 4.])
    for call in (lambda: nn.linalg.vector_norm(x=t, a=t), lambda: nn.linalg.norm(input=t, x=t),
                 lambda: nn.sum(input=t, x1=t)):
        # PyTorch's parser then takes neither: "linalg_vector_norm() got an unexpected keyword argument 'x'" (its
        # overloaded norm and sum: "received an invalid combination of arguments")
        with pytest.raises(TypeError, match="got an unexpected keyword argument 'x1?'"):
            call()
    assert float(nn.linalg.norm(x=t)) == 5.0 and float(nn.sum(a=t)) == 7.0
