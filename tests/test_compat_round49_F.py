"""kan-gpt 1.2.0 (kan_gpt.model.GPT with its EFFICIENT_KAN and ORIGINAL_KAN layers, kan_gpt.mingpt.model.GPT, the
efficient-KAN KANLinear, pykan's KAN / KANLayer / Symbolic_KANLayer, its spline and fit_params helpers and its LBFGS),
ponder-transformer 0.0.8 (PonderTransformer), multistream-transformers 0.0.4 (MultistreamTransformer and its
AutoregressiveWrapper) and remixer-pytorch 0.0.3 (RemixerBlock) from their wheels, ported file by file by the porting
rule (renamed kan_gptp, ponder_transformerp, multistream_transformersp, remixer_pytorchp in their own import lines;
nothing else changed) and run against the originals on PyTorch 2.13 in one process (round 49, area F). tqdm, einops
0.8.2 and sympy 1.14.0 as installed, and on both sides the same small NumPy stand-in for scikit-learn's
LinearRegression (pykan's fit_params is its only user); kan-gpt's tokenizer, dataset, wandb and training scripts were
not run. PyTorch's initial weights were moved by 0.05-0.1 x a NumPy normal (KAN grids kept sorted) and loaded by
``state_dict``; both sides got the same NumPy inputs; every dropout mask, every ``multinomial`` draw of ``generate``
and every ``rand_like`` of PonderTransformer's halting came from one NumPy stream per side; pykan's ``train_kan``
batches from NumPy's global generator, seeded alike. Float64, with float32 runs beside. Covered: both GPTs' forward
with targets (``ignore_index=-1``), the KAN regularisation ``kan_loss`` (accumulated in place into a float32 tensor),
backward, 3 AdamW steps through ``configure_optimizers``, eval, and ``generate`` greedy, with ``top_k``, sampling with
``temperature`` and with ``top_k``; the efficient KAN with grid 2-5, its noise and spline scales, SiLU / GELU / Tanh
bases, ``grid_eps``, ``grid_range``, ``update_grid`` (its lstsq refit) and ``regularization_loss``; KANLinear of
spline orders 1, 2, 4 with and without the standalone scaler; pykan's KAN of five widths and options (grid 3-5, k 1-3,
``symbolic_enabled``, untrainable biases and scales), 2-d and 3-d inputs, ``update_grid_from_samples``, ``train_kan``
with Adam and with its own LBFGS, ``prune``, ``fix_symbolic``, ``suggest_symbolic``, ``auto_symbolic``,
``symbolic_formula`` (the same sympy formula), ``lock`` / ``unlock``, ``remove_edge``, ``get_range``; ``B_batch``,
``coef2curve``, ``curve2coef``, ``fit_params``; PonderTransformer's training loss (geometric prior, ``kl_div``
'batchmean', weighted cross-entropy) and its eval path with halting draws, with and without a mask, in four
constructions; MultistreamTransformer with 1-3 streams, causal, masked, in its AutoregressiveWrapper (loss, steps,
``generate`` with ``filter_thres``, ``eos_token``, ``temperature``); RemixerBlock causal x bias. Warnings were
recorded per side: none on either.

Largest relative differences in float64: logits 2.9e-15, gradients 1.4e-14 (first steps; 1.4e-13 after AdamW steps
with kan_loss); weights after 3 AdamW steps up to 1.1e-11, nearly all in ``c_attn``'s key bias, whose gradient is
zero in exact arithmetic (PyTorch against itself with its weights moved by an ulp: 1.3e-11); the efficient KAN of grid
5 (order-5 splines: kan-gpt passes ``spline_order=grid``; its update_grid least squares have condition numbers to
2e4) 7.7e-13 (PyTorch against itself: 5.3e-13); pykan 2.1e-14 but its LBFGS, 80 strong-Wolfe iterations with
tolerances 1e-32, whose losses differ by up to 2e-6 where PyTorch against itself by an ulp diverges more;
PonderTransformer 1e-14 but with ``ponder_lambda_p=0.1``, 1.0e-8 in the loss: its prior is computed in float32, and
float32 ``log(0.9)`` is -0.105360545 in NumPy (correctly rounded) and one ulp off in PyTorch; handed PyTorch's prior,
the losses agree to 3e-16. Multistream weights 8.3e-13 (PyTorch against itself: 8.4e-13), remixer 2.1e-15. Float32:
gradients 3.4e-5 or better. None of the packages ships tests.

Still different (not fixed): NumPy's float32 ``log`` / ``exp`` are an ulp from PyTorch's for some inputs (documented
before). The packages fail alike on both sides where they are at fault: ``coef2curve`` with k 0 (einsum of bool
bases: "expected scalar type Double but found Bool"), pykan's ``initialize_from_another_model`` ("'KANLayer' object
has no attribute 'type_as'"), ``prune`` of a float64 model (its copy is built in float32: "expected scalar type Float
but found Double"), and a non-causal RemixerBlock on a sequence shorter than ``seq_len``.

The failures of nn these tests pin down (the packages are not imported here):

- ``nan_to_num`` of a float32 tensor with a replacement beyond float32's range (pykan's ``fit_params`` cleans its
  r2 table and fitted curves by ``torch.nan_to_num``) gave NumPy's RuntimeWarning "overflow encountered in cast",
  where PyTorch writes inf silently.
"""
import warnings

import numpy as np
import pytest

import nn


def test_nan_to_num_beyond_the_dtypes_range_is_inf_without_a_warning():
    # PyTorch 2.13: torch.nan_to_num(tensor([nan, inf, -inf, 1.]), nan=2.0, posinf=1e40) (float32) is
    # tensor([2., inf, -3.4028e+38, 1.]) and warns nothing
    x = nn.tensor([float("nan"), float("inf"), float("-inf"), 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = nn.nan_to_num(x, nan=2.0, posinf=1e40)
        z = nn.nan_to_num(x, nan=1e39, neginf=-1e50)
    assert y.dtype == nn.float32
    np.testing.assert_array_equal(y.numpy(), np.array([2.0, np.inf, np.finfo(np.float32).min, 1.0], np.float32))
    np.testing.assert_array_equal(z.numpy(), np.array([np.inf, np.finfo(np.float32).max, -np.inf, 1.0], np.float32))
    # the slope is still 1 where x was finite, 0 where it was replaced
    x.requires_grad_(True)
    nn.nan_to_num(x, posinf=1e40).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 1.0])


def test_nan_to_num_as_pytorchs():
    torch = pytest.importorskip("torch")
    a = np.array([np.nan, np.inf, -np.inf, 1.0, -3.5], np.float32)
    for kw in (dict(nan=2.0, posinf=1e40), dict(nan=1e39, neginf=-1e50), dict(), dict(posinf=5.0)):
        with warnings.catch_warnings(record=True) as caught_t:
            warnings.simplefilter("always")
            theirs = torch.nan_to_num(torch.from_numpy(a), **kw)
        with warnings.catch_warnings(record=True) as caught_n:
            warnings.simplefilter("always")
            ours = nn.nan_to_num(nn.from_numpy(a), **kw)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert [str(w.message) for w in caught_n] == [str(w.message) for w in caught_t] == []
