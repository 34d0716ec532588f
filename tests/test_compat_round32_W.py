"""Flow-matching text-to-speech from the package registry: e2-tts-pytorch 2.2.2 (installed with --no-deps; its
torch dependencies x-transformers, hyper-connections, hl-gauss-pytorch, torchdiffeq and torch-einops-utils ported
too), ported by the porting rule (e2_tts_pytorchp, ...) and run against the original on PyTorch 2.13 in float64
with PyTorch's weights and its random draws handed over: E2TTS (losses, velocity consistency, frequency tokens,
interpolated text, concatenated condition, clean-output parametrisation, gradients, Adam steps), sample (midpoint,
euler, rk4 and adaptive dopri5 odeint, classifier-free guidance with and without a null model, durations from an
int, a tensor or the DurationPredictor) and DurationPredictor (regression and HL-Gauss losses).

The failure these tests pin down, in a few lines (the packages are not imported here):

- ``torch.maximum(lens + 1, None)`` (E2TTS.sample with neither a duration nor a duration predictor) is PyTorch's
  TypeError "maximum(): argument 'other' (position 2) must be Tensor, not NoneType"; nn refused Python numbers
  only and raised "Tensor data must be numbers, got NoneType (dtype object)" from the lifting of None. maximum,
  minimum, fmax and fmin now refuse anything but a tensor in PyTorch's words (fmax / fmin took a number and
  returned a result, and said "'NoneType' object has no attribute '_lift'" for a None input).
- as Tensor methods PyTorch counts ``other`` as position 1 (``x.minimum(1)``: "minimum(): argument 'other'
  (position 1) must be Tensor, not int"); nn said position 2.
"""
import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- maximum / minimum / fmax / fmin take two tensors -----------------------------------------------------------

@pytest.mark.parametrize("op", ["maximum", "minimum", "fmax", "fmin"])
@pytest.mark.parametrize("other, kind", [(None, "NoneType"), ([1, 2], "list"), (2, "int"), ("a", "str")])
def test_maximum_family_refuses_a_non_tensor_other_in_pytorchs_words(op, other, kind):
    # PyTorch 2.13: torch.maximum(torch.ones(2), None) -> TypeError "maximum(): argument 'other' (position 2)
    # must be Tensor, not NoneType" (the same for minimum, fmax, fmin and a list, an int, a str)
    with pytest.raises(TypeError, match=rf"^{op}\(\): argument 'other' \(position 2\) must be Tensor, not {kind}$"):
        getattr(nn, op)(nn.ones(2), other)
    # between tensors nothing changes: e2-tts' duration = torch.maximum(lens + 1, duration), lens [8, 5] and
    # duration [10, 4] -> [10, 6] (int64); fmax([1, nan], [nan, 2]) -> [1, 2]; nn's .data arrays and NumPy scalars
    # stay accepted (the values of p.data.sum() in ported optimizer code)
    assert _f(nn.maximum(nn.tensor([8, 5]) + 1, nn.tensor([10, 4]))).tolist() == [10, 6]
    assert _f(nn.fmax(nn.tensor([1.0, np.nan]), nn.tensor([np.nan, 2.0]))).tolist() == [1.0, 2.0]
    assert _f(nn.maximum(nn.ones(2), np.float64(3.0))).tolist() == [3.0, 3.0]


@pytest.mark.parametrize("op", ["maximum", "minimum", "fmax", "fmin"])
@pytest.mark.parametrize("first, kind", [(None, "NoneType"), (2.0, "float")])
def test_maximum_family_refuses_a_non_tensor_input_in_pytorchs_words(op, first, kind):
    # PyTorch 2.13: torch.fmax(None, torch.ones(2)) -> TypeError "fmax(): argument 'input' (position 1) must be
    # Tensor, not NoneType"
    with pytest.raises(TypeError, match=rf"^{op}\(\): argument 'input' \(position 1\) must be Tensor, not {kind}$"):
        getattr(nn, op)(first, nn.ones(2))


def test_maximum_family_errors_match_torch():
    torch = pytest.importorskip("torch")
    for op in ["maximum", "minimum", "fmax", "fmin"]:
        for args_t, args_n in [((torch.ones(2), None), (nn.ones(2), None)), ((None, torch.ones(2)), (None, nn.ones(2))),
                               ((torch.ones(2), 1.5), (nn.ones(2), 1.5))]:
            with pytest.raises(TypeError) as et:
                getattr(torch, op)(*args_t)
            with pytest.raises(TypeError) as en:
                getattr(nn, op)(*args_n)
            assert str(en.value) == str(et.value)


@pytest.mark.parametrize("op", ["maximum", "minimum", "fmax", "fmin"])
def test_maximum_family_method_counts_other_as_position_1(op):
    # PyTorch 2.13: torch.ones(2).maximum(None) -> TypeError "maximum(): argument 'other' (position 1) must be
    # Tensor, not NoneType" (the method's parser does not count self; nn said position 2); x.fmin(other=y) works
    with pytest.raises(TypeError, match=rf"^{op}\(\): argument 'other' \(position 1\) must be Tensor, not NoneType$"):
        getattr(nn.ones(2), op)(None)
    with pytest.raises(TypeError, match=rf"^{op}\(\): argument 'other' \(position 1\) must be Tensor, not int$"):
        getattr(nn.ones(2), op)(2)
    assert _f(getattr(nn.tensor([1.0, 3.0]), op)(other=nn.tensor([2.0, 2.0]))).tolist() == (
        [2.0, 3.0] if op in ("maximum", "fmax") else [1.0, 2.0])
