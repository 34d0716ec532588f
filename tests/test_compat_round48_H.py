"""hessian-eigenthings 1.0.0a5 (Hessian, generalised Gauss-Newton and empirical Fisher operators; deflated power
iteration with and without momentum, Lanczos, Hutchinson / Hutch++ traces and stochastic Lanczos quadrature),
torch-levenberg-marquardt 1.2.3 (the Levenberg-Marquardt training module, its losses, damping and parameter
selection strategies) and cka-pytorch 1.1.3 (centred kernel alignment of two models' layers by forward hooks) from
their wheels, ported file by file by the porting rule (hessian_eigenthings -> hessian_eigenthingsp,
torch_levenberg_marquardt -> tlmp, cka_pytorch -> cka_pytorchp in their own import lines; nothing else changed) and
run against the originals on PyTorch 2.13 in one process (round 48, area H). hessian-eigenthings 1.0 is a rewrite:
the `mode`, `max_possible_gpu_samples` and `use_gpu` options of the 0.x releases are gone; its operators take
`full_dataset`, `num_batches`, `microbatch_size`, `method` ('autograd' or 'finite_difference') and `param_filter`,
and its algorithms `momentum`, `which`, `reorthogonalize`. torch-levenberg-marquardt's `utils` (its
pytorch-lightning module and `fit` loop) and cka-pytorch's lightning-fabric wrapper, torchmetrics accumulator and
tqdm bars got the same small stand-ins on both sides (the accumulator: a state cloned from its default and added
to); cka-pytorch's seaborn plot was left out. PyTorch's initial weights moved by 0.1 x a NumPy normal and loaded by
``state_dict``; the same NumPy inputs; every random draw (the power-iteration and Lanczos start vectors, the trace
probes, the Rademacher SLQ starts, ``randperm`` / ``randint`` of the parameter selection) read from one NumPy stream
per side; float64, with float32 spot checks.

hessian-eigenthings, on an MLP (Linear-Tanh-Linear) and a convnet (Conv2d-GELU-MaxPool2d-Flatten-Linear-Softplus-
Linear), with cross-entropy and MSE, over a list of three (input, target) batches: Hessian-vector products for every
operator option (the defaults, `full_dataset=False`, `num_batches=2`, `microbatch_size=4`, finite differences,
`match_names('*weight')`), the GGN operator (``torch.func.jvp`` / ``vjp`` through ``functional_call``) and the
empirical Fisher (``vmap`` of ``grad``); deflated power iteration (k 3, and k 2 with momentum 0.1), Lanczos (LM, LA
without reorthogonalisation, SA), both trace estimators with both probe distributions, and spectral densities;
eigenvalues, eigenvectors up to sign, residuals, iteration counts and convergence flags compared. Largest relative
differences in float64: Hessian-vector products 6.0e-16 (the GGN 5.0e-16, the Fisher 4.3e-16), eigenvalues 1.0e-15,
eigenvectors 5.5e-15, traces 7.5e-16 (standard errors 2.2e-15), spectral densities 2.0e-15 and their quadrature
weights 2.7e-15; iteration counts and convergence flags identical. Above 1e-13, each from the computation: the
finite-difference products 1.0e-11 (gradients' rounding divided by 2 eps = 1.2e-5), power-iteration residuals
||Av - lambda v|| 1.2e-12 (a difference of nearly equal vectors at convergence), and Lanczos eigenvectors without
reorthogonalisation 7.8e-11 (a basis that has lost orthogonality; on the convnet with cross-entropy and with MSE nn
against PyTorch 7.8e-11 and 2.2e-11, PyTorch against itself with its inputs moved by an ulp 1.6e-11 and 7.0e-11). Float32: products 2.1e-7, eigenvalues 3.5e-7,
eigenvectors 3.5e-7, the GGN 1.8e-7.

torch-levenberg-marquardt, 4 steps each: three models (Tanh MLP, Sigmoid-ELU MLP, Conv2d model) with each of its six
losses (MSE, L1, Huber, cross-entropy, BCE after a Sigmoid, BCE with logits), then the MLP with MSE and the convnet
with cross-entropy under each option: `solve_method` 'qr' / 'cholesky' / 'solve', `use_vmap=False` (``jacrev`` of
the whole batch; otherwise ``vmap(jacrev, randomness='different')``), `max_batch_size` (the sliced over- and
underdetermined Gauss-Newton forms), damping modes 'adaptive' and 'fletcher', a learning rate of 0.5 with 3
attempts, other damping factors with `auto_reset`, random / random-layer / cyclic parameter selection, and an
underdetermined batch of 4. Outputs, losses, the damping factor (its float32 tensor: identical), attempts per step,
stop flags and weights: float64 loss 3.2e-12 (a loss near zero after the steps: its relative size is the
cancellation of the residuals), weights 8.4e-13 (a damped Gauss-Newton solve with damping 1e-6 and below, whose
condition number multiplies the rounding); float32 loss 1.2e-7, weights 2.5e-6.

cka-pytorch: two models (an MLP with a nested Sequential; a convnet with LayerNorm and a ModuleList entry), the
layers by default, by name, by type and by two types each, `hook_recursive=False`, `batched_feature_size=2`, 1 and 2
epochs, epsilon 1e-4 and 0; the hooked layer names identical, the hooks removed by ``reset`` alike (a later
calculation is a KeyError on both sides), ``hsic1`` of random Gram matrices and its ValueError. CKA matrices in
float64 (default dtype float64) 2.4e-14; in float32 3.6e-5, PyTorch against itself with its inputs moved by an ulp
6.1e-6 (the unbiased HSIC estimator cancels its three terms). None of the packages ships tests.

The packages' own paths ran unchanged on nn; a probe of the functions they call against PyTorch (``linalg.qr``,
``solve_triangular``, ``cholesky``, ``solve``, ``eigh``, ``vector_norm``, ``dot``, ``addr_``, ``outer``, ``std``,
``diagonal``, ``bmm``, ``argsort``, ``split``, ``randperm``, ``randint``, ``Generator``, the loss functions with
``reduction='none'``) found the differences below.

Still different (not fixed): ``torch.device('cpu') == 'cpu'`` is False on PyTorch and True on nn (kept, as
documented by an earlier round). ``addr`` of a real result with a complex alpha is PyTorch's
"value cannot be converted to type float without overflow" and nn's "For non-complex input tensors, argument alpha
must not be a complex number." (add's words). The integer ``addmv`` / ``addmm`` / ``baddbmm`` / ``addbmm`` with a
float alpha or beta are computed by PyTorch in the integer dtype and by nn in floats or refused with nn's TypeError.
``linalg.solve_triangular`` without ``upper`` is a TypeError in both, with Python's words on nn. PyTorch warns
twice for the variance of a complex tensor without a degree of freedom, nn once. The exception class
of a failed factorisation prints as ``LinAlgError`` (PyTorch's ``_LinAlgError``). Half precision is not a dtype of
nn.

The failures of nn these tests pin down (the packages are not imported here):

- ``linalg.vector_norm`` / ``linalg.matrix_norm`` / ``linalg.norm`` ignored ``dtype=`` (hessian-eigenthings takes
  its norms with ``linalg.vector_norm``): a float32 input's norm with ``dtype=float64`` was float32 (the norm of
  [3e30, 4e30] inf), a complex64 one with complex128 float32, and every refusal was missing; ``Tensor.norm`` and
  ``nn.norm`` took no ``dtype``. PyTorch casts the input first and checks the dtype in its words: "dtype should be
  floating point or complex, but got Long", "dtype should be real for real inputs, but got ComplexDouble", "dtype
  should be complex for complex inputs, but got Double", "the dtype of the input (Double) should be convertible
  without narrowing to the specified dtype (Float)" (Half, BFloat16 named so).
- ``addr`` / ``Tensor.addr_`` (Lanczos's Ritz vectors) took a float alpha or beta of integer tensors (a float32
  result, or the in-place cast error), a bool alpha or beta of non-bool ones, and gave int64 for bools with an int
  alpha, where PyTorch checks beta then alpha as add does: "For integral input tensors, argument beta must not be a
  floating point number.", "Boolean alpha only supported for Boolean results.", and keeps bools bool.
- ``outer`` / ``ger`` / ``Tensor.outer`` and ``addr`` of a tensor that is not 1-D were nn's ValueError "outer:
  expected two 1-D tensors, got (2, 2) and (2,)"; PyTorch's RuntimeError names the argument: "outer: Expected 1-D
  argument self, but got 2-D", "addr: Expected 1-D argument vec2, but got 2-D".
- ``var`` / ``std`` / ``var_mean`` / ``std_mean`` (Hutchinson's standard error) gave NaN silently where the
  correction leaves no degree of freedom (one sample, an empty reduction, ``correction=3`` of three); PyTorch warns
  each call: "std(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor (input
  numel divided by output numel)." (var_mean, std_mean named so).
- ``linalg.qr`` (Hutch++'s sketch) with an unknown mode was nn's ValueError; PyTorch's RuntimeError is "qr received
  unrecognized mode 'bad' but expected one of 'reduced' (default), 'r', or 'complete'", and a mode that is not a
  string its parser's TypeError "linalg_qr(): argument 'mode' must be str, not int".
"""
import warnings

import numpy as np
import pytest

import nn
from porting import raised


def test_norms_compute_in_the_dtype_given():
    x = nn.tensor([[3e30, 4e30], [0.0, 1e30]])
    v = nn.linalg.vector_norm(x[0], dtype=nn.float64)         # in float32, 3e30 ** 2 overflows
    assert v.dtype == nn.float64 and v.item() == pytest.approx(4.999999984567896e+30, rel=1e-15)
    assert nn.linalg.norm(x[0], dtype=nn.float64).dtype == nn.float64
    assert x[0].norm(dtype=nn.float64).item() == v.item() == nn.norm(x[0], dtype=nn.float64).item()
    y = nn.tensor([[3.0, 4.0], [1.0, 2.0]])
    assert nn.linalg.matrix_norm(y, dtype=nn.float64).dtype == nn.float64
    assert nn.linalg.matrix_norm(y, 2, dtype=nn.float64).item() == pytest.approx(5.4649857042190435, rel=1e-14)
    assert y.norm("nuc", dtype=nn.float64).item() == pytest.approx(5.830951894845301, rel=1e-14)
    assert [r[0] for r in y.norm(2, 1, True, dtype=nn.float64).tolist()] == pytest.approx([5.0, 5 ** 0.5], rel=1e-15)
    z = nn.linalg.vector_norm(y.to(nn.complex64), dtype=nn.complex128)           # a complex norm is real
    assert z.dtype == nn.float64 and z.item() == pytest.approx(30 ** 0.5, rel=1e-15)
    assert nn.linalg.vector_norm(y, 1, dtype=nn.float64).dtype == nn.float64
    out = nn.empty((), dtype=nn.float64)
    assert nn.linalg.vector_norm(y, dtype=nn.float64, out=out) is out and out.item() == pytest.approx(30 ** 0.5)
    # the gradient goes back through the cast: float32, x / |x| for the 2-norm
    w = nn.tensor([3.0, -4.0], requires_grad=True)
    nn.linalg.vector_norm(w, dtype=nn.float64).backward()
    assert w.grad.dtype == nn.float32 and w.grad.tolist() == pytest.approx([0.6, -0.8], rel=1e-7)


def test_norm_dtype_refusals_in_pytorchs_words():
    x = nn.tensor([[3.0, 4.0], [1.0, 2.0]])
    assert raised(lambda: nn.linalg.vector_norm(x, dtype=nn.int64)) == (
        "RuntimeError", "linalg.vector_norm: dtype should be floating point or complex, but got Long")
    assert raised(lambda: nn.linalg.vector_norm(x, dtype=nn.complex128)) == (
        "RuntimeError", "linalg.vector_norm: dtype should be real for real inputs, but got ComplexDouble")
    assert raised(lambda: nn.linalg.vector_norm(x.to(nn.complex64), dtype=nn.float64)) == (
        "RuntimeError", "linalg.vector_norm: dtype should be complex for complex inputs, but got Double")
    assert raised(lambda: x.norm(dtype=nn.bfloat16)) == (
        "RuntimeError", "linalg.vector_norm: the dtype of the input (Float) should be convertible without narrowing "
                        "to the specified dtype (BFloat16)")
    assert raised(lambda: nn.linalg.matrix_norm(x.double(), dtype=nn.float32)) == (
        "RuntimeError", "linalg.matrix_norm: the dtype of the input (Double) should be convertible without narrowing "
                        "to the specified dtype (Float)")
    assert raised(lambda: nn.linalg.norm(x, 2, dtype=nn.bool)) == (
        "RuntimeError", "linalg.matrix_norm: dtype should be floating point or complex, but got Bool")
    # an integer input is refused first, whatever the dtype
    assert raised(lambda: nn.linalg.vector_norm(nn.tensor([3, 4]), dtype=nn.float64)) == (
        "RuntimeError", "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long")


def test_addr_checks_beta_then_alpha_as_add_does():
    x, v = nn.zeros(3, 3, dtype=nn.int64), nn.tensor([1, 2, 3])
    assert raised(lambda: nn.addr(x, v, v, alpha=0.5)) == (
        "RuntimeError", "For integral input tensors, argument alpha must not be a floating point number.")
    assert raised(lambda: nn.addr(x, v, v, beta=0.5, alpha=0.5)) == (
        "RuntimeError", "For integral input tensors, argument beta must not be a floating point number.")
    assert raised(lambda: x.addr_(v, v, alpha=2.0)) == (
        "RuntimeError", "For integral input tensors, argument alpha must not be a floating point number.")
    assert raised(lambda: nn.addr(x, v, v, alpha=True)) == (
        "RuntimeError", "Boolean alpha only supported for Boolean results.")
    assert raised(lambda: nn.addr(x.double(), v.double(), v.double(), beta=True)) == (
        "RuntimeError", "Boolean beta only supported for Boolean results.")
    b = nn.addr(x.bool(), v.bool(), nn.tensor([True, False, True]), alpha=2)       # input | (2 -> True) & outer
    assert b.dtype == nn.bool and b.tolist() == [[True, False, True]] * 3
    assert nn.addr(x.bool(), v.bool(), v.bool(), alpha=0).tolist() == [[False] * 3] * 3
    r = nn.addr(x, v.double(), v.double(), alpha=0.5)                              # a float result takes it
    assert r.dtype == nn.float64 and r[2].tolist() == [1.5, 3.0, 4.5]
    assert nn.addr(x, v, v, beta=2, alpha=3)[1].tolist() == [6, 12, 18]


def test_outer_and_addr_name_the_argument_that_is_not_1d():
    a, v = nn.ones(2, 2), nn.ones(2)
    assert raised(lambda: nn.outer(a, v)) == ("RuntimeError", "outer: Expected 1-D argument self, but got 2-D")
    assert raised(lambda: v.outer(a)) == ("RuntimeError", "outer: Expected 1-D argument vec2, but got 2-D")
    assert raised(lambda: nn.ger(nn.tensor(1.0), v)) == ("RuntimeError",
                                                        "outer: Expected 1-D argument self, but got 0-D")
    assert raised(lambda: nn.addr(a, a, v)) == ("RuntimeError", "addr: Expected 1-D argument vec1, but got 2-D")
    assert raised(lambda: a.addr_(v, a)) == ("RuntimeError", "addr: Expected 1-D argument vec2, but got 2-D")


def test_qr_mode_refusals_in_pytorchs_words():
    a = nn.ones(2, 2)
    assert raised(lambda: nn.linalg.qr(a, mode="bad")) == (
        "RuntimeError", "qr received unrecognized mode 'bad' but expected one of 'reduced' (default), 'r', or "
                        "'complete'")
    assert raised(lambda: nn.linalg.qr(a, 1)) == ("TypeError",
                                                  "linalg_qr(): argument 'mode' (position 2) must be str, not int")
    assert raised(lambda: nn.linalg.qr(a, mode=None)) == ("TypeError",
                                                          "linalg_qr(): argument 'mode' must be str, not NoneType")


def test_var_and_std_warn_when_no_degree_of_freedom_is_left():
    words = ("(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor (input "
             "numel divided by output numel).")
    x = nn.ones(3, 1)
    for call, name in [(lambda: x[:1].var(), "var"), (lambda: x.std(1), "std"), (lambda: nn.var_mean(x, 1), "var_mean"),
                       (lambda: nn.std_mean(x, 1), "std_mean"), (lambda: x.std(0, correction=3), "std"),
                       (lambda: nn.ones(0, 3).std(0), "std"), (lambda: nn.tensor(2.0).std(), "std")]:
        with pytest.warns(UserWarning) as caught:
            call()
        assert [str(w.message) for w in caught] == [name + words]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.std().item() == 0.0 and x.var(1, correction=0).tolist() == [0.0] * 3
        assert x.double().var(correction=2.5).item() == 0.0                  # 3 - 2.5 > 0


_CASES = [
    "L.linalg.vector_norm(x, dtype=L.float64)", "L.linalg.vector_norm(x, 1, 1, True, dtype=L.float64)",
    "L.linalg.vector_norm(x, 0, dtype=L.float64)", "L.linalg.vector_norm(x, float('inf'), dtype=L.float64)",
    "L.linalg.vector_norm(x, dtype=L.float32)", "L.linalg.vector_norm(x, dtype=L.int64)",
    "L.linalg.vector_norm(x, dtype=L.complex64)", "L.linalg.vector_norm(x.double(), dtype=L.float32)",
    "L.linalg.vector_norm(x.to(L.complex64), dtype=L.complex128)", "L.linalg.vector_norm(x.to(L.complex64), "
    "dtype=L.float32)", "L.linalg.matrix_norm(x, dtype=L.float64)", "L.linalg.matrix_norm(x, -2, dtype=L.float64)",
    "L.linalg.matrix_norm(x, 'nuc', dtype=L.float64)", "L.linalg.matrix_norm(x, 1, dtype=L.bfloat16)",
    "L.linalg.norm(x, dtype=L.float64)", "L.linalg.norm(x[0], 3, dtype=L.float64)", "x.norm(dtype=L.float64)",
    "x.norm(1, 0, dtype=L.float64)", "L.norm(x, 'fro', dtype=L.float64)", "x.norm('nuc', dtype=L.float64)",
    "L.addr(i, j, j, alpha=0.5)", "L.addr(i, j, j, beta=0.5)", "L.addr(i, j, j, alpha=True)",
    "L.addr(i.bool(), j.bool(), j.bool(), alpha=3)", "L.addr(i.bool(), j.bool(), j.bool(), alpha=0.0)",
    "L.addr(i, j.double(), j, alpha=0.25, beta=3)", "L.addr(i.double(), j, j, beta=False)",
    "i.clone().addr_(j, j, beta=2.5)", "L.outer(x, j)", "L.outer(j, x)", "L.ger(x[0, 0], j)", "L.addr(x, x, j)",
    "L.addr(x, j.float(), x)", "L.linalg.qr(x, mode='economic')", "L.linalg.qr(x.double(), 'r')",
]


def test_against_pytorch():
    torch = pytest.importorskip("torch")

    def run(lib, case):
        x = lib.tensor([[3.0, -4.0], [1.0, 2.5]])
        i, j = lib.zeros(2, 2, dtype=lib.int64), lib.tensor([1, 2])
        try:
            r = eval(case, {"L": lib, "x": x, "i": i, "j": j})       # noqa: S307 - the cases above
        except Exception as e:  # noqa: BLE001 - the point is which one
            return type(e).__name__, str(e)
        r = r[1] if isinstance(r, tuple) else r
        values = np.asarray(r.tolist())
        return str(r.dtype).split(".")[-1], (values.round(12) if values.dtype.kind in "fc" else values).tolist()
    for case in _CASES:
        assert run(nn, case) == run(torch, case), case
