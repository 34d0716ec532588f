"""Adversarial attacks from the package registry: foolbox 3.3.4 on eagerpy 0.30.0 (both installed with --no-deps),
ported by the porting rule (every .py file of both; renamed foolboxp / eagerpyp in their own import lines; GitPython
stood in on both sides by a name-only ``git`` module; the string "torch" of eagerpy's lazy imports and framework
check read "nn") and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights and every random
draw from one NumPy source: eagerpy's PyTorchTensor API (arithmetic, reductions, argmax / argsort / topk,
index_update, onehot_like, where, pad, clip, norms, value_and_grad, random draws, crossentropy, slogdet, matmul,
errors) and foolbox's PyTorchModel, criteria, distances and attacks on a small MLP and CNN.

The failures these tests pin down (no package is imported here):

- ``argmax`` / ``argmin`` of a bool (or complex) tensor raise RuntimeError in PyTorch ("argmax(): does not support
  bool input"); nn returned NumPy's index (eagerpy's ``(logits > 0).argmax(axis=1)`` went through on nn only).
- Uniform and normal draws into an integer or bool dtype (``torch.rand(3, dtype=torch.long)``, ``rand_like`` /
  ``randn_like`` of an int64 tensor, ``x_int.uniform_()`` / ``normal_()`` / ``log_normal_()``, ``nn.init.uniform_`` /
  ``normal_``; eagerpy's ``ep.uniform(x_int, shape)``) raise NotImplementedError naming PyTorch's CPU kernel
  ('"check_uniform_bounds" not implemented for 'Long'', '"normal_kernel_cpu" ...', '"log_normal_cpu" ...'); nn raised
  TypeError from rand / randn and cast the draws into the integer tensor in uniform_ / normal_ (a RuntimeError there).
- The argument checks of those draws are RuntimeErrors in PyTorch's words: "uniform_ expects to return a [from, to)
  range, but found from=2 > to=1", "normal expects std >= 0.0, but found std -1" (``normal_``, ``nn.init.normal_``,
  ``torch.normal`` with a number std; "normal expects all elements of std >= 0.0" with a tensor std) and
  "log_normal_ expects std > 0.0, but found std=0"; nn raised ValueError in its own words.
- The other selections PyTorch's CPU kernels refuse for bool or complex tensors (found beside argmax): ``sort`` /
  ``argsort`` / ``msort`` of a complex tensor (RuntimeError " Sort does not support complex dtypes on CPU"),
  ``topk`` of a bool or complex one ("topk does not support bool dtypes on CPU", though sort takes bool),
  ``kthvalue``, ``median`` and ``nanmedian`` of either (NotImplementedError '"kthvalue_cpu" / "median_cpu" (all
  elements) / "median_out" (along a dim) not implemented for 'Bool''); nn sorted them (complex numbers by NumPy's
  lexicographic order).
- ``sign`` of a bool tensor is the tensor in PyTorch (eagerpy's ``sign`` of a mask); nn raised NumPy's
  UFuncTypeError. ``logsumexp`` of a bool tensor counts it as 0 / 1 in the default dtype; nn raised the
  "Subtraction ... with a bool tensor" error of its own shift.
- ``mean`` / ``var`` / ``std`` / ``var_mean`` / ``std_mean`` / ``nanmean`` of an integer or bool tensor raise
  RuntimeError in PyTorch ("mean(): could not infer output dtype. Input dtype must be either a floating point or
  complex dtype. Got: Long", "std and var only support floating point and complex dtypes", ...); nn raised TypeError
  in its own words, and took the nanmean of integers.
"""
import numpy as np
import pytest

import nn


# ---- argmax / argmin of bool and complex tensors ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin_refuse_bool_input(name):
    for x in (nn.tensor([True, False, True]), nn.tensor([[True, False]]), nn.tensor(True),
              nn.zeros(0, 3, dtype=nn.bool)):
        with pytest.raises(RuntimeError, match=rf"^{name}\(\): does not support bool input$"):
            getattr(x, name)(dim=0) if x.ndim == 2 else getattr(x, name)()
    with pytest.raises(RuntimeError, match=rf"{name}\(\): does not support bool input"):
        getattr(nn, name)(nn.tensor([[True, False]]), dim=1, keepdim=True)
    # numbers go as before, and a bool mask converted to a number first, as in PyTorch
    x = nn.tensor([[1, 5, 2], [7, 0, 7]])
    np.testing.assert_array_equal(getattr(x, name)(1).numpy(), [1, 0] if name == "argmax" else [0, 1])
    assert getattr(nn.tensor(2.0), name)(0).item() == 0
    np.testing.assert_array_equal(getattr(nn.tensor([[False, True]]).long(), name)(1).numpy(),
                                  [1] if name == "argmax" else [0])


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin_refuse_complex_input(name):
    with pytest.raises(RuntimeError, match=rf"{name}\(\): does not support complex input"):
        getattr(nn.tensor([1 + 1j, 2 - 1j]), name)()


# ---- sort / topk / kthvalue / median of bool and complex tensors --------------------------------------------------

def test_sort_argsort_msort_refuse_complex_input():
    z = nn.tensor([[1 + 2j, 3 - 1j, 0.5j]])
    for call in (lambda: z.sort(), lambda: z.sort(descending=True), lambda: nn.argsort(z, stable=True),
                 lambda: z.msort(), lambda: nn.tensor(1j).sort()):
        with pytest.raises(RuntimeError, match=r"^ Sort does not support complex dtypes on CPU$"):
            call()
    # bool sorts, as in PyTorch (False first, ties in their order)
    values, indices = nn.tensor([True, False, True, False]).sort()
    np.testing.assert_array_equal(values.numpy(), [False, False, True, True])
    np.testing.assert_array_equal(indices.numpy(), [1, 3, 0, 2])


def test_topk_refuses_bool_and_complex_input():
    for x in (nn.tensor([True, False, True]), nn.tensor(True)):
        with pytest.raises(RuntimeError, match=r"^topk does not support bool dtypes on CPU$"):
            x.topk(1)
    with pytest.raises(RuntimeError, match=r"^ topk does not support complex dtypes on CPU$"):
        nn.zeros(0, dtype=nn.complex64).topk(0)
    np.testing.assert_array_equal(nn.tensor([1, 3, 2]).topk(2).indices.numpy(), [1, 2])


def test_kthvalue_median_nanmedian_refuse_bool_and_complex_input():
    for x, name in ((nn.tensor([[True, False, True]]), "Bool"), (nn.tensor([[1j, 2 + 0j, 3j]]), "ComplexFloat")):
        with pytest.raises(NotImplementedError, match=rf"^\"kthvalue_cpu\" not implemented for '{name}'$"):
            x.kthvalue(1, 1)
        for call in (x.median, x.nanmedian):
            with pytest.raises(NotImplementedError, match=rf"^\"median_cpu\" not implemented for '{name}'$"):
                call()
            with pytest.raises(NotImplementedError, match=rf"^\"median_out\" not implemented for '{name}'$"):
                call(1)
    assert nn.tensor([3, 1, 2]).median().item() == 2 and nn.tensor([3, 1, 2]).kthvalue(3).values.item() == 3


# ---- sign and logsumexp of bool tensors ----------------------------------------------------------------------------

def test_sign_of_a_bool_tensor_is_the_tensor():
    b = nn.tensor([[True, False], [False, True]])
    for s in (b.sign(), nn.sign(b), b.sgn()):
        assert s.dtype == nn.bool
        np.testing.assert_array_equal(s.numpy(), b.numpy())
    b.sign_()
    np.testing.assert_array_equal(b.numpy(), [[True, False], [False, True]])


def test_logsumexp_of_a_bool_tensor_counts_it_as_zero_one():
    b = nn.tensor([[True, False], [True, True]])
    out = nn.logsumexp(b, 1)
    assert out.dtype == nn.get_default_dtype()
    np.testing.assert_allclose(out.numpy(), [np.log(np.e + 1), np.log(2 * np.e)], rtol=1e-6)
    np.testing.assert_allclose(b.logsumexp((0, 1), keepdim=True).numpy(), [[np.log(3 * np.e + 1)]], rtol=1e-6)


# ---- mean / var / std of integer and bool tensors ------------------------------------------------------------------

def test_mean_var_std_of_integer_tensors_raise_pytorchs_runtime_error():
    i, b = nn.tensor([[1, 2], [3, 5]]), nn.tensor([True, False])
    with pytest.raises(RuntimeError, match=r"^mean\(\): could not infer output dtype\. Input dtype must be either a "
                                           r"floating point or complex dtype\. Got: Long$"):
        i.mean()
    with pytest.raises(RuntimeError, match=r"complex dtype\. Got: Bool$"):
        b.mean(0)
    for call in (lambda: i.var(), lambda: i.std(1), lambda: nn.var(b)):
        with pytest.raises(RuntimeError, match=r"^std and var only support floating point and complex dtypes$"):
            call()
    with pytest.raises(RuntimeError, match=r"^var_mean only support floating point and complex dtypes$"):
        nn.var_mean(i)
    with pytest.raises(RuntimeError, match=r"^std_mean only support floating point and complex dtypes$"):
        nn.std_mean(b, 0)
    with pytest.raises(RuntimeError, match=r"^nanmean\(\): expected input to have floating point or complex dtype "
                                           r"but got Long$"):
        i.nanmean()
    # a dtype= to convert to, floating and complex tensors go
    assert i.mean(dtype=nn.float64).item() == 2.75
    assert nn.tensor([1j, 3j]).mean().item() == 2j and nn.tensor([1.0, float("nan"), 3.0]).nanmean().item() == 2.0
    np.testing.assert_allclose(nn.var_mean(nn.tensor([1.0, 2.0, 6.0]))[0].item(), 7.0)


# ---- uniform / normal draws into integer and bool dtypes ------------------------------------------------------------

@pytest.mark.parametrize("dtype, name", [(nn.int64, "Long"), (nn.int32, "Int"), (nn.int16, "Short"),
                                         (nn.int8, "Char"), (nn.uint8, "Byte"), (nn.bool, "Bool")])
def test_rand_randn_of_an_integer_dtype_name_the_kernel(dtype, name):
    with pytest.raises(NotImplementedError, match=rf"^\"check_uniform_bounds\" not implemented for '{name}'$"):
        nn.rand(3, dtype=dtype)
    with pytest.raises(NotImplementedError, match=rf"^\"normal_kernel_cpu\" not implemented for '{name}'$"):
        nn.randn(2, 2, dtype=dtype)
    with pytest.raises(NotImplementedError, match="check_uniform_bounds"):
        nn.zeros(2, dtype=dtype).uniform_()
    with pytest.raises(NotImplementedError, match="normal_kernel_cpu"):
        nn.zeros(2, dtype=dtype).normal_()


def test_like_and_inplace_draws_of_an_int64_tensor():
    x = nn.tensor([1, 2])
    with pytest.raises(NotImplementedError, match="\"check_uniform_bounds\" not implemented for 'Long'"):
        nn.rand_like(x)
    with pytest.raises(NotImplementedError, match="\"normal_kernel_cpu\" not implemented for 'Long'"):
        nn.randn_like(x)
    with pytest.raises(NotImplementedError, match="\"log_normal_cpu\" not implemented for 'Long'"):
        x.log_normal_()
    with pytest.raises(NotImplementedError, match="check_uniform_bounds"):
        nn.init.uniform_(nn.zeros(3, dtype=nn.int64))
    with pytest.raises(NotImplementedError, match="normal_kernel_cpu"):
        nn.init.normal_(nn.zeros(3, dtype=nn.int64))
    with pytest.raises(NotImplementedError, match="normal_kernel_cpu"):
        nn.zeros(3, dtype=nn.int64).data.normal_()
    # the dtype is refused before requires_grad is looked at, as in PyTorch
    with pytest.raises(NotImplementedError, match="normal_kernel_cpu"):
        nn.randn(2, dtype=nn.int64, requires_grad=True)
    np.testing.assert_array_equal(x.numpy(), [1, 2])        # nothing written
    # floating, complex and meta tensors still go (no draws and no check on the meta device, as PyTorch's)
    assert nn.rand(2, 3, dtype=nn.float32).dtype == nn.float32 and nn.randn(4).dtype == nn.get_default_dtype()
    assert nn.rand(2, dtype=nn.complex64).dtype == nn.complex64
    assert nn.randn_like(nn.zeros(2, dtype=nn.float64)).shape == (2,)
    u = nn.zeros(500).uniform_(-2, 3)
    assert -2 <= u.min().item() and u.max().item() < 3
    assert nn.rand(3, dtype=nn.int64, device="meta").is_meta
    assert nn.empty(3, dtype=nn.int64, device="meta").uniform_().is_meta


# ---- the draws' argument checks in PyTorch's words ----------------------------------------------------------------

def test_uniform_bounds_error_is_pytorchs():
    with pytest.raises(RuntimeError,
                       match=r"^uniform_ expects to return a \[from, to\) range, but found from=2 > to=1$"):
        nn.zeros(2).uniform_(2, 1)
    with pytest.raises(RuntimeError, match=r"from=0\.5 > to=-1\.5"):
        nn.init.uniform_(nn.zeros(2), 0.5, -1.5)
    # an integer tensor is refused by its dtype first (PyTorch dispatches before the bounds check)
    with pytest.raises(NotImplementedError, match="check_uniform_bounds"):
        nn.zeros(2, dtype=nn.int64).uniform_(2, 1)


def test_normal_std_error_is_pytorchs():
    for call in (lambda: nn.zeros(2).normal_(0, -1.0), lambda: nn.init.normal_(nn.zeros(2), 0.0, -1),
                 lambda: nn.normal(0.0, -1.0, size=(2,)), lambda: nn.normal(nn.zeros(2), -1.0)):
        with pytest.raises(RuntimeError, match=r"^normal expects std >= 0\.0, but found std -1$"):
            call()
    with pytest.raises(RuntimeError, match=r"but found std -0\.5$"):
        nn.zeros(2).normal_(0, -0.5)
    with pytest.raises(RuntimeError, match=r"^normal expects all elements of std >= 0\.0$"):
        nn.normal(nn.zeros(2), -nn.ones(2))
    # std is checked before the dtype, as in PyTorch's normal_
    with pytest.raises(RuntimeError, match="normal expects std"):
        nn.zeros(2, dtype=nn.int64).normal_(0, -1)


def test_log_normal_std_error_is_pytorchs():
    with pytest.raises(RuntimeError, match=r"^log_normal_ expects std > 0\.0, but found std=-1$"):
        nn.zeros(2).log_normal_(0, -1)
    with pytest.raises(RuntimeError, match=r"but found std=0$"):
        nn.zeros(2).log_normal_(0, 0)
    assert (nn.zeros(50).log_normal_(0, 0.5) > 0).all()


# ---- against PyTorch where it is installed ------------------------------------------------------------------------

def test_errors_match_pytorch():
    torch = pytest.importorskip("torch")

    def error(call):
        try:
            call()
        except Exception as e:       # noqa: BLE001 - the type and words are what is compared
            return type(e), str(e)
        return None

    for make in (lambda m: m.tensor([True, False]).argmax(), lambda m: m.tensor([1j]).argmin(),
                 lambda m: m.rand(2, dtype=m.int32), lambda m: m.randn(2, dtype=m.bool),
                 lambda m: m.zeros(2, dtype=m.uint8).uniform_(), lambda m: m.zeros(2).uniform_(3, 1),
                 lambda m: m.zeros(2).normal_(0, -2), lambda m: m.normal(m.zeros(2), -m.ones(2)),
                 lambda m: m.zeros(2).log_normal_(1, 0), lambda m: m.zeros(2, dtype=m.int64).log_normal_(),
                 lambda m: m.tensor([1j]).sort(), lambda m: m.tensor([True]).topk(1),
                 lambda m: m.tensor([[True]]).median(1), lambda m: m.tensor([1j]).kthvalue(1),
                 lambda m: m.tensor([1, 2]).mean(), lambda m: m.tensor([1, 2]).std(),
                 lambda m: m.std_mean(m.tensor([1])), lambda m: m.tensor([3]).nanmean()):
        assert error(lambda: make(nn)) == error(lambda: make(torch))
