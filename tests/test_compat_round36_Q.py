"""Knowledge distillation from the package registry: torchdistill 1.1.5 (installed with --no-deps), ported by the
porting rule (torchdistillp) and run against the original on PyTorch 2.13 in float64 with PyTorch's weights: every
mid-level loss with its gradients (KD, FSP, AT, PKT, FT, DAB, RKD, VID, CCKD, SPKD, CRD with its memory bank,
AuxSSKD, SSKD, PAD, HCL, KTA, affinity, ChSim, DIST, DIST+, SRD, LogitStdKD, SKD), the loss wrappers, and
DistillationBox / TrainingBox over the forward-hook machinery and every auxiliary model wrapper.

The failures these tests pin down, in a few lines (the package is not imported here):

- torchdistill's common/module_util.py imports ``get_model_state_dict``, ``set_model_state_dict`` and
  ``StateDictOptions`` from ``torch.distributed.checkpoint.state_dict`` at the top (for FSDP-wrapped models);
  nn.distributed had no ``checkpoint``, so no part of the package imported (ModuleNotFoundError). Without a process
  group they are a module's own state_dict (``ignore_frozen_params`` leaves frozen parameters out) and
  load_state_dict (``strict``), as PyTorch's on an unwrapped module.
- torchdistill's optimizer registry is every class of ``torch.optim``, which has ``Muon`` (PyTorch 2.13); nn had no
  ``nn.optim.Muon`` (``get_optimizer(model, 'Muon')`` failed). It is now there with PyTorch's defaults, checks and
  words; PyTorch runs the Newton-Schulz iteration in bfloat16 on purpose, which nn (no bfloat16 dtype) emulates by
  rounding each float32 result to bfloat16 where PyTorch's tensor would be, so the updates are PyTorch's bits.
- SKDDirectionLoss on a batch of one takes ``torch.cov`` of one observation (NaN) and ``linalg.cholesky`` of it:
  PyTorch raises (LAPACK's potrf takes a NaN pivot as not positive definite: "linalg.cholesky: The factorization
  could not be completed because the input is not positive-definite (the leading minor of order 1 is not
  positive-definite)."); nn's cholesky (NumPy's) returned NaNs and the loss went on. (cholesky_ex already
  reported such a matrix in its info.)
- KDLoss with student and teacher logits of different widths reaches ``kl_div(log_p (4, 10), p (4, 7))``:
  PyTorch's words name the target "tensor a" ("The size of tensor a (7) must match the size of tensor b (10) at
  non-singleton dimension 1": its kernel's first binary op is target * input); nn named the input first.
- torchdistill's loss registry is every class of ``torch.nn.modules.loss``; PyTorch still has the deprecated
  ``NLLLoss2d`` (an NLLLoss that warns a FutureWarning when built), nn had not.
"""
import inspect

import numpy as np
import pytest

import nn
from nn.optim.muon import to_bfloat16, zeropower_via_newtonschulz


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- torch.distributed.checkpoint.state_dict ----------------------------------------------------------------------

def test_distributed_checkpoint_state_dict_imports_as_torchdistill_does():
    # torchdistill/common/module_util.py, ported: the line that failed with ModuleNotFoundError
    from nn.distributed.checkpoint.state_dict import get_model_state_dict, set_model_state_dict, StateDictOptions
    # PyTorch 2.13: StateDictOptions() -> StateDictOptions(full_state_dict=False, cpu_offload=False,
    # ignore_frozen_params=False, keep_submodule_prefixes=True, strict=True, broadcast_from_rank0=False,
    # flatten_optimizer_state_dict=False, dsd_fqn_modifiers='_fqn_modifiers')
    assert repr(StateDictOptions()) == (
        "StateDictOptions(full_state_dict=False, cpu_offload=False, ignore_frozen_params=False, "
        "keep_submodule_prefixes=True, strict=True, broadcast_from_rank0=False, flatten_optimizer_state_dict=False, "
        "dsd_fqn_modifiers='_fqn_modifiers')")
    assert list(inspect.signature(get_model_state_dict).parameters) == ["model", "submodules", "options"]
    assert list(inspect.signature(set_model_state_dict).parameters) == ["model", "model_state_dict", "options"]
    assert nn.distributed.checkpoint.state_dict.get_model_state_dict is get_model_state_dict


def test_get_and_set_model_state_dict_on_an_unwrapped_module():
    from nn.distributed.checkpoint.state_dict import get_model_state_dict, set_model_state_dict, StateDictOptions
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    m[0].bias.requires_grad_(False)
    # PyTorch: the module's state_dict keys, in its order; ignore_frozen_params leaves out '0.bias'
    keys = ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"]
    state = get_model_state_dict(m, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
    assert list(state) == keys
    assert list(get_model_state_dict(m, options=StateDictOptions(ignore_frozen_params=True))) == \
        [k for k in keys if k != "0.bias"]
    state = {k: nn.zeros_like(v) if k == "0.weight" else v for k, v in state.items()}
    result = set_model_state_dict(m, state, options=StateDictOptions(full_state_dict=True, strict=True))
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    np.testing.assert_array_equal(_f(m[0].weight), np.zeros((3, 2)))


# ---- torch.optim.Muon --------------------------------------------------------------------------------------------

def test_muon_is_in_nn_optim_with_pytorchs_defaults():
    # PyTorch 2.13: Muon(params, lr=0.001, weight_decay=0.1, momentum=0.95, nesterov=True,
    # ns_coefficients=(3.4445, -4.775, 2.0315), eps=1e-07, ns_steps=5, adjust_lr_fn=None)
    assert nn.optim.Muon is not None and "Muon" in nn.optim.__all__
    params = inspect.signature(nn.optim.Muon).parameters
    assert {k: v.default for k, v in params.items() if k != "params"} == dict(
        lr=0.001, weight_decay=0.1, momentum=0.95, nesterov=True, ns_coefficients=(3.4445, -4.775, 2.0315),
        eps=1e-07, ns_steps=5, adjust_lr_fn=None)
    opt = nn.optim.Muon([nn.Parameter(nn.zeros(3, 2))])
    assert sorted(opt.param_groups[0]) == ["adjust_lr_fn", "eps", "lr", "momentum", "nesterov", "ns_coefficients",
                                           "ns_steps", "params", "weight_decay"]


def test_to_bfloat16_rounds_to_nearest_even():
    # PyTorch: torch.tensor([1 + 2**-8, 1 + 3 * 2**-8, -3.14159, 1e-3], dtype=float64).bfloat16().float()
    # -> [1.0, 1.015625, -3.140625, 0.00099945068359375] (the ties go to the even mantissa)
    out = to_bfloat16(np.array([1 + 2 ** -8, 1 + 3 * 2 ** -8, -3.14159, 1e-3]))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [1.0, 1.015625, -3.140625, 0.00099945068359375])
    assert np.isnan(to_bfloat16(np.array([np.nan])))[0] and to_bfloat16(np.array([np.inf]))[0] == np.inf


def test_newton_schulz_gives_pytorchs_bfloat16_orthogonalisation():
    g = np.array([[0.5, -1., 2.], [1.5, 0.25, -0.75]])
    # PyTorch: torch.optim._muon._zeropower_via_newtonschulz(g, (3.4445, -4.775, 2.0315), 5, 1e-7).float()
    expected = [[0.22265625, -0.470703125, 0.9453125], [0.63671875, 0.12060546875, -0.349609375]]
    np.testing.assert_array_equal(zeropower_via_newtonschulz(g), expected)
    np.testing.assert_array_equal(zeropower_via_newtonschulz(g.T), np.array(expected).T)     # tall: transposed
    # it approximates U V^T: singular values near 1 (Muon's polynomial leaves them in about [0.7, 1.2])
    s = np.linalg.svd(zeropower_via_newtonschulz(np.random.default_rng(0).standard_normal((6, 9))), compute_uv=False)
    assert 0.6 < s.min() and s.max() < 1.25


def test_muon_steps_give_pytorchs_parameters_and_momentum():
    w = nn.Parameter(nn.tensor([[1., 2., 0.5], [-1., 0.25, 3.]], dtype=nn.float64))
    g = np.array([[0.5, -1., 2.], [1.5, 0.25, -0.75]])
    opt = nn.optim.Muon([w], lr=0.1)
    for _ in range(2):
        w.grad = nn.tensor(g)
        opt.step()
    # PyTorch 2.13, the same two steps of torch.optim.Muon([W], lr=0.1)
    np.testing.assert_allclose(_f(w), [[0.9381117187500001, 2.0538699218749996, 0.3019328125],
                                       [-1.1079671875000001, 0.2201060546875, 3.011805859375]], rtol=1e-14)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"], [[0.04875, -0.0975, 0.195],
                                                                 [0.14625, 0.024375, -0.073125]], rtol=1e-13)
    assert _f(w).dtype == np.float64
    # the state round trip: a new optimizer loaded from the state dict goes on as the first one
    w2 = nn.Parameter(nn.tensor(_f(w)))
    opt2 = nn.optim.Muon([w2], lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    for p, o in ((w, opt), (w2, opt2)):
        p.grad = nn.tensor(g)
        o.step()
    np.testing.assert_array_equal(_f(w2), _f(w))


@pytest.mark.parametrize("kwargs, words", [
    (dict(lr=-1), "Learning rate should be >= 0 but is: -1"),
    (dict(momentum=-1), "momentum should be >= 0 but is: -1"),
    (dict(weight_decay=-1), "weight decay should be >= 0 but is: -1"),
    (dict(adjust_lr_fn="x"), "Adjust learning rate function x is not supported"),
])
def test_muon_constructor_checks_in_pytorchs_words(kwargs, words):
    with pytest.raises(ValueError, match=f"^{words}$"):
        nn.optim.Muon([nn.Parameter(nn.zeros(3, 2))], **kwargs)


def test_muon_refuses_non_matrix_parameters_and_too_many_steps():
    # PyTorch: "Muon only supports 2D parameters whereas we found a parameter with size: torch.Size([3])"
    with pytest.raises(ValueError, match=r"^Muon only supports 2D parameters whereas we found a parameter with "
                                         r"size: nn\.Size\(\[3\]\)$"):
        nn.optim.Muon([nn.Parameter(nn.zeros(3))])
    p = nn.Parameter(nn.zeros(3, 2))
    opt = nn.optim.Muon([p], ns_steps=100)
    p.grad = nn.ones(3, 2)
    with pytest.raises(ValueError, match="^Number of steps must be less than 100 for computational efficiency$"):
        opt.step()


def test_muon_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for kwargs in ({}, dict(nesterov=False), dict(adjust_lr_fn="match_rms_adamw", lr=0.02, weight_decay=0.01),
                   dict(momentum=0.5, ns_steps=3, eps=1e-5)):
        for dtype in ("float64", "float32"):
            ws = [rng.standard_normal(s).astype(dtype) for s in [(5, 3), (3, 7), (4, 4)]]
            pt = [torch.nn.Parameter(torch.tensor(w)) for w in ws]
            pn = [nn.Parameter(nn.tensor(w)) for w in ws]
            ot, on = torch.optim.Muon(pt, **kwargs), nn.optim.Muon(pn, **kwargs)
            for _ in range(4):
                for a, b in zip(pt, pn):
                    g = rng.standard_normal(a.shape).astype(dtype)
                    a.grad, b.grad = torch.tensor(g), nn.tensor(g)
                ot.step()
                on.step()
            for a, b in zip(pt, pn):   # float32: PyTorch's add_(alpha=) rounds once (a fused multiply-add)
                np.testing.assert_allclose(_f(b), a.detach().numpy(), rtol=1e-6 if dtype == "float32" else 1e-14)
                assert _f(b).dtype == np.dtype(dtype)


# ---- linalg.cholesky of a NaN matrix -------------------------------------------------------------------------------

@pytest.mark.parametrize("A, order", [([[np.nan, 0.], [0., 1.]], 1), ([[1., 0.], [0., np.nan]], 2),
                                      ([[1., np.nan], [np.nan, 1.]], 2)])
def test_cholesky_of_a_nan_matrix_raises_as_pytorch(A, order):
    # PyTorch: torch.linalg.cholesky(A) -> torch.linalg.LinAlgError (a RuntimeError) "linalg.cholesky: The
    # factorization could not be completed because the input is not positive-definite (the leading minor of order
    # {order} is not positive-definite)."; cholesky_ex reports info = order
    words = ("linalg.cholesky: The factorization could not be completed because the input is not positive-definite "
             f"(the leading minor of order {order} is not positive-definite).")
    with pytest.raises(RuntimeError) as info:
        nn.linalg.cholesky(nn.tensor(A))
    assert str(info.value) == words and isinstance(info.value, nn.linalg.LinAlgError)
    assert int(nn.linalg.cholesky_ex(nn.tensor(A)).info) == order


def test_cholesky_of_a_batch_with_a_nan_matrix_names_the_batch_element():
    A = nn.tensor([[[1., 0.], [0., 1.]], [[1., np.nan], [np.nan, 1.]]])
    with pytest.raises(RuntimeError, match=r"^linalg\.cholesky: \(Batch element 1\): The factorization could not "
                                           r"be completed because the input is not positive-definite \(the leading "
                                           r"minor of order 2 is not positive-definite\)\.$"):
        nn.linalg.cholesky(A)
    # a positive-definite matrix is unchanged: [[4, 2], [2, 3]] -> [[2, 0], [1, sqrt(2)]]
    np.testing.assert_allclose(_f(nn.linalg.cholesky(nn.tensor([[4., 2.], [2., 3.]], dtype=nn.float64))),
                               [[2., 0.], [1., np.sqrt(2.)]], rtol=1e-15, atol=1e-15)


# ---- kl_div's broadcasting error names the target first -------------------------------------------------------------

@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("inp, tgt, words", [
    ((4, 10), (4, 7), "The size of tensor a (7) must match the size of tensor b (10) at non-singleton dimension 1"),
    ((4, 10), (3, 10), "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0"),
    ((2, 3), (4, 1, 3, 1), "The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
                           "dimension 2"),
    ((5,), (2, 3), "The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 1"),
])
def test_kl_div_broadcasting_error_in_pytorchs_words(inp, tgt, words, log_target):
    # PyTorch 2.13: F.kl_div(torch.zeros(inp), torch.zeros(tgt), reduction='sum', log_target=...) -> RuntimeError
    with pytest.raises(RuntimeError) as info:
        nn.functional.kl_div(nn.zeros(inp), nn.zeros(tgt), reduction="sum", log_target=log_target)
    assert str(info.value) == words
    # a target that broadcasts is still taken silently: (4, 1) against (4, 3) sums t (log t - x) over (4, 3)
    t = np.full((4, 1), 0.5)
    np.testing.assert_allclose(float(nn.functional.kl_div(nn.zeros(4, 3), nn.tensor(t), reduction="sum")),
                               12 * 0.5 * np.log(0.5), rtol=1e-15)


# ---- NLLLoss2d -----------------------------------------------------------------------------------------------------

def test_nllloss2d_is_the_deprecated_nllloss():
    # PyTorch 2.13: torch.nn.NLLLoss2d() warns FutureWarning "`NLLLoss2d` has been deprecated. Please use `NLLLoss`
    # instead as a drop-in replacement and see https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for more
    # details." and is an NLLLoss (repr "NLLLoss2d()")
    with pytest.warns(FutureWarning, match=r"^`NLLLoss2d` has been deprecated\. Please use `NLLLoss` instead as a "
                                           r"drop-in replacement and see https://pytorch\.org/docs/main/nn\.html#"
                                           r"torch\.nn\.NLLLoss for more details\.$"):
        loss = nn.NLLLoss2d(ignore_index=1, reduction="sum")
    assert isinstance(loss, nn.NLLLoss) and repr(loss) == "NLLLoss2d()"
    assert (loss.ignore_index, loss.reduction) == (1, "sum")
    # a (1, 2, 1, 2) map of log-probabilities, targets [[0, 1]] with 1 ignored: -(-0.5) = 0.5
    x = nn.tensor([[[[-0.5, -0.25]], [[-1.0, -2.0]]]], dtype=nn.float64)
    assert float(loss(x, nn.tensor([[[0, 1]]]))) == 0.5
    import nn.modules.loss as loss_module
    assert loss_module.NLLLoss2d is nn.NLLLoss2d
