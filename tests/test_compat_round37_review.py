"""Review of round 37's amp subclasses (701b6a0) and F.linear_cross_entropy (6e4b9f4): regressions found and fixed.

- ``torch.cuda.amp.GradScaler("cuda")`` / ``GradScaler("cuda", enabled=...)`` (torch.amp's device argument passed
  to the deprecated class, whose first argument is init_scale: a common port) runs on PyTorch 2.13 without CUDA,
  disabled; since nn.cuda.amp.GradScaler became the deprecated subclass, nn raised "could not convert string to
  float: 'cuda'". A disabled scaler reads none of its options, as PyTorch's. Its "CUDA is not available" warning
  names the caller's line (PyTorch's stacklevel=2) and an enabled scaler's bad factors are PyTorch's
  AssertionErrors (nn raised ValueErrors).
- ``get_autocast_dtype`` (now also autocast's fast_dtype when dtype is None) is bfloat16 on "hpu", "xla" and "maia"
  as on the CPU (nn said float16).
- ``F.linear_cross_entropy`` of an integer input and a float weight: linear's mm refusal in PyTorch's words (nn
  refused the integer input in its own TypeError before linear saw it).
"""
import os
import warnings

import pytest

import nn
import nn.functional as F
from test_compat_round37_V import CUDA_SCALER, _record


NO_CUDA_SCALER = ("UserWarning", "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.")


@pytest.mark.parametrize("kwargs, warned", [(dict(), [CUDA_SCALER, NO_CUDA_SCALER]),
                                            (dict(enabled=False), [CUDA_SCALER])])
def test_cuda_amp_grad_scaler_given_the_device_string_runs_disabled(kwargs, warned):
    scaler, caught = _record(lambda: nn.cuda.amp.GradScaler("cuda", **kwargs))
    assert caught == warned
    assert not scaler.is_enabled() and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    loss = nn.tensor(3.0, requires_grad=True) * 2
    assert scaler.scale(loss) is loss


def test_grad_scaler_warning_names_the_callers_line_and_bad_factors_are_assertion_errors():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.amp.GradScaler()
    assert [os.path.basename(w.filename) for w in caught] == [os.path.basename(__file__)]
    with pytest.raises(AssertionError, match=r"^The growth factor must be > 1\.0\.$"):
        nn.amp.GradScaler("cpu", growth_factor=0.5)
    with pytest.raises(AssertionError, match=r"^The backoff factor must be < 1\.0\.$"):
        nn.amp.GradScaler("cpu", backoff_factor=1.0)


def test_autocast_default_dtypes_per_device_are_pytorchs():
    for device in ("cpu", "hpu", "xla", "maia"):
        assert nn.get_autocast_dtype(device) is nn.bfloat16, device
        assert nn.autocast(device).fast_dtype is nn.bfloat16, device
    for device in ("cuda", "xpu", "mps", "mtia", "ipu"):
        assert nn.get_autocast_dtype(device) is nn.float16, device


def test_linear_cross_entropy_of_an_integer_input_is_refused_by_linear_in_pytorchs_words():
    w, t = nn.ones(4, 3, dtype=nn.float64), nn.tensor([0, 1])
    with pytest.raises(RuntimeError, match=r"^expected m1 and m2 to have the same dtype, but got: long int != double$"):
        F.linear_cross_entropy(nn.ones(2, 3, dtype=nn.int64), w, t)
    with pytest.raises(RuntimeError, match=r"^expected m1 and m2 to have the same dtype, but got: bool != double$"):
        F.linear_cross_entropy(nn.ones(2, 3, dtype=nn.bool), w, t)


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        scaler, caught = _record(lambda: lib.cuda.amp.GradScaler("cuda", enabled=False))
        assert caught == [CUDA_SCALER] and not scaler.is_enabled()
        for device in ("hpu", "xla", "maia", "xpu", "mps"):
            assert str(lib.get_autocast_dtype(device)).split(".")[-1] == \
                str(torch.get_autocast_dtype(device)).split(".")[-1], device
        with pytest.raises(AssertionError, match="growth factor"):
            lib.amp.GradScaler("cpu", growth_factor=1.0)
        with pytest.raises(RuntimeError, match=r"^expected m1 and m2 to have the same dtype, but got: long int != "
                                               r"double$"):
            (torch.nn.functional if lib is torch else F).linear_cross_entropy(
                lib.ones(2, 3, dtype=lib.int64), lib.ones(4, 3, dtype=lib.float64), lib.tensor([0, 1]))
