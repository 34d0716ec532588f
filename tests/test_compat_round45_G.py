"""torch-pesq 0.1.2 (a differentiable PESQ loss) and audtorch 0.6.4 (audio datasets, transforms, metrics, samplers and
collate functions), their wheels, ported file by file by the porting rule (packages torch_pesq -> torch_pesqp and
audtorch -> audtorchp in their own import lines; nothing else changed) and run against the originals on PyTorch 2.13
in one process (round 45, area G), on the same NumPy inputs. torchaudio, torchtyping, typeguard, librosa, resampy,
audiofile, pandas, tabulate and tqdm are not installed: the same stand-ins served both sides. torchtyping's
TensorType and typeguard's typechecked are names only; torchaudio's lfilter is the IIR filter as a convolution with
its impulse response (computed in NumPy from the coefficients, applied by each side's conv1d), its Spectrogram each
side's stft (center=False, Hann window, power 2, the window a buffer as torchaudio's), its Resample torchaudio's
windowed-sinc kernel (NumPy) applied by each side's pad and strided conv1d; librosa's stft / istft / magphase and
resampy's resample NumPy or SciPy functions (audtorch's transforms are NumPy code on both sides); pandas, tabulate,
tqdm and audiofile names only (the file-backed datasets were not run).

PesqLoss (the Bark filterbank, loudness, silent-frame gating, symmetric and asymmetric disturbances, `mos`, `raw`
and the loss) at 16 kHz and through the 48 kHz resampler, PyTorch's buffers loaded into the port by state_dict, a
batch of two half-second signals: in float64 the loss 2.3e-15, `mos` 1.1e-15, the two disturbances 4.8e-15 (relative
to their scale), the gradient with respect to the degraded signal 3.3e-14 (PyTorch against itself with the degraded
signal an ulp away: 1.5e-14; the loss takes sixth powers and roots of clamped, masked spectra), four Adam steps on
the degraded signal 7.9e-15; float32 as shipped (the Bark constants are float64 Parameters, so both sides return
float64 alike) loss 2.1e-7, gradient 1.8e-5 (PyTorch against itself an ulp away 6.1e-6). `nbarks` other than 49
fails alike on both sides (the package's Loudness keeps 49 bands), in the same words. torch-pesq's own tests
(`test_autodiff`, `test_loss_range`, `test_sums`) pass on both sides. audtorch: `pearsonr` and `concordance_cc`
(1-d and 2-d, batch first or not) and `PearsonR` / `ConcordanceCC` with every reduction 3.9e-16, their gradients
9.8e-16 (a row of two samples has a correlation of exactly +-1 and a zero gradient: rounding alike), float32 2.1e-7;
`EnergyConservingLoss` (every reduction) 1.5e-16, gradients equal; `Seq2Seq` collation (sequence dims 0, 1, -1,
batch_first None / True / False, pad values, sorting) directly and through DataLoaders, 120 cases, equal;
`buckets_by_boundaries`, `buckets_of_even_size` (also reversed), `defined_split`, `BucketSampler` (batch sizes,
num_batches, permuted order True / a list, shuffling, drop_last; NumPy's draws seeded alike) through DataLoaders over
ConcatDatasets of TensorDatasets, 144 cases, equal, with the same assertion and error words; the 25 transforms
(Crop, RandomCrop, Pad, RandomPad, Replicate, RandomReplicate, Expand, Downmix, Upmix, Remix, Normalize,
Standardize, Resample, Spectrogram, Log, RandomMask, MaskSpectrogramTime / Frequency, Compose) on NumPy signals,
`torch.randint` handed over from one NumPy stream per side: equal.

The transforms given a Tensor (RandomMask returns one, so Compose([RandomMask(...), Normalize()]) hands Normalize a
tensor) differed: audtorch's functions call NumPy's `np.amax(x, axis=...)`, `np.mean`, `np.std`, which call the
tensor's own method with NumPy's keywords, `x.max(axis=-1, out=None)`. PyTorch's Tensor methods have no `out=`, so
PyTorch raises TypeError there; nn's methods took it, and `max(axis=-1)` gave (values, indices), which
`np.expand_dims` stacked into a (2, 2, 1) array: Normalize returned a wrong tensor without a word. Over 146 calls of
NumPy functions on a tensor (reductions with axis None / 0 / -1 / keepdims, and the functions NumPy runs on the
array when the method refuses), 76 differed from PyTorch, 65 of them in a value or type; now 40 differ, 37 only in
the TypeError's words.

Still different (not fixed): the words of those TypeErrors where PyTorch's parser lists its signatures
("all() received an invalid combination of arguments - got (out=NoneType, axis=int, ), ...", and for `all`, `any`,
`std`, `var` and keepdims) or reads axis=None as the dim ("max(): argument 'dim' must be int, not NoneType"): nn
names the first keyword it does not take ("max() got an unexpected keyword argument 'axis'"), a TypeError alike;
NumPy 2's DeprecationWarning about PyTorch's `__array_wrap__` signature (nn's takes NumPy 2's arguments, so NumPy
does not warn); `np.choose(idx, t)` and `np.flip(t)`, which PyTorch refuses ("Tensor is not a sequence", "step
must be greater than zero") and nn computes; `np.round` of a bool tensor (float16 in PyTorch; nn has no float16);
nn's state_dict values are nn's arrays (float32 prints as `float32`, not `torch.float32`).

The failures of nn these tests pin down (the packages are not imported here):

- A Tensor method took `out=`, which PyTorch's Tensor methods do not have (only the functions do: `torch.sum(x, 0,
  out=buf)`): `x.sum(0, out=None)` is PyTorch's TypeError "sum() got an unexpected keyword argument 'out'" (and
  `mean`, `max`, `min`, `prod`, `amax`, `cumsum`, ... the methods that take NumPy's axis=); nn returned the sum.
  PyTorch's parser names the first keyword it has no place for, NumPy's `axis=` / `keepdims=` too once the call
  fails: `x.sum(axis=0, out=None)` is "sum() got an unexpected keyword argument 'axis'".
- So NumPy's reductions of a tensor, which call the method with `out=None` (`np.sum(t, axis=0)`,
  `np.amax(np.abs(t), axis=-1)`: audtorch's Normalize, Standardize, Downmix given a tensor), raise TypeError as
  in PyTorch; nn answered, Normalize with a wrong shape. (The function forms keep `out=`.)
- NumPy's functions that fall back to the array when the method refuses (`np.cumsum(t, axis=0)`, `np.argmax(t)`,
  `np.round(t)`, `np.clip(t, 0, 1)`, `np.transpose(t)`, `np.take(t > 0, [0, 4])`) wrap the result by the
  tensor's `__array_wrap__`: PyTorch's gives a Tensor (a bool result as uint8, a 0-d result a 0-d Tensor); nn had
  none and gave ndarrays.
"""
import numpy as np
import pytest

import nn


def _t():
    return nn.tensor([[1., -2, 3], [4, 5, -6]], dtype=nn.float64)


# ---------------------------------------------------------------------------------------------------------------
# Tensor methods have no out= (the functions do)

@pytest.mark.parametrize("call, word", [
    (lambda t: t.sum(0, out=None), "sum() got an unexpected keyword argument 'out'"),
    (lambda t: t.sum(dim=0, out=None), "sum() got an unexpected keyword argument 'out'"),
    (lambda t: t.sum(out=None, axis=0), "sum() got an unexpected keyword argument 'out'"),
    (lambda t: t.sum(axis=0, out=None), "sum() got an unexpected keyword argument 'axis'"),
    (lambda t: t.sum(0, keepdims=True, out=None), "sum() got an unexpected keyword argument 'keepdims'"),
    (lambda t: t.mean(axis=0, dtype=None, out=None), "mean() got an unexpected keyword argument 'axis'"),
    (lambda t: t.max(axis=-1, out=None), "max() got an unexpected keyword argument 'axis'"),
    (lambda t: t.max(dim=0, out=None), "max() got an unexpected keyword argument 'out'"),
    (lambda t: t.prod(axis=0, dtype=None, out=None), "prod() got an unexpected keyword argument 'axis'"),
    (lambda t: t.cumsum(0, out=None), "cumsum() got an unexpected keyword argument 'out'"),
    (lambda t: t.amax(0, out=None), "amax() got an unexpected keyword argument 'out'"),
    (lambda t: t.argmax(axis=0, out=None), "argmax() got an unexpected keyword argument 'axis'"),
])
def test_tensor_methods_refuse_out_as_pytorch(call, word):
    with pytest.raises(TypeError) as info:
        call(_t())
    assert str(info.value) == word


def test_the_functions_keep_out_their_methods_refuse_it():
    t, buf = _t(), nn.zeros(3, dtype=nn.float64)
    assert nn.sum(t, 0, out=buf) is buf and buf.tolist() == [5.0, 3.0, -3.0]
    values, indices = nn.zeros(2, dtype=nn.float64), nn.zeros(2, dtype=nn.int64)
    nn.max(t, 1, out=(values, indices))
    assert values.tolist() == [3.0, 5.0] and indices.tolist() == [2, 1]
    assert t.sum(axis=0).tolist() == [5.0, 3.0, -3.0] and t.max(axis=1)[0].tolist() == [3.0, 5.0]   # axis= alone
    with pytest.raises(TypeError, match="sum\\(\\) got an unexpected keyword argument 'out'"):
        t.sum(0, out=buf)


# ---------------------------------------------------------------------------------------------------------------
# NumPy's reductions of a tensor call the method with out=None: PyTorch raises

@pytest.mark.parametrize("call, word", [
    (lambda t: np.sum(t, axis=0), "sum() got an unexpected keyword argument 'axis'"),
    (lambda t: np.mean(t, axis=-2), "mean() got an unexpected keyword argument 'axis'"),
    (lambda t: np.amax(np.abs(t), axis=-1), "max() got an unexpected keyword argument 'axis'"),
    (lambda t: np.prod(t, axis=0), "prod() got an unexpected keyword argument 'axis'"),
    (lambda t: np.min(t, axis=1), "min() got an unexpected keyword argument 'axis'"),
])
def test_numpy_reductions_of_a_tensor_raise_as_pytorch(call, word):
    with pytest.raises(TypeError) as info:
        call(_t())
    assert str(info.value) == word


def test_numpy_reductions_of_a_tensor_are_type_errors():
    for call in (lambda t: np.amax(t), lambda t: np.sum(t), lambda t: np.all(t), lambda t: np.any(t, axis=0),
                 lambda t: np.max(t, axis=1, keepdims=True)):
        with pytest.raises(TypeError):      # (PyTorch's words differ here: its parser lists its signatures)
            call(_t())


def normalize(signal, *, axis=None):
    """audtorch 0.6.4, transforms/functional.py: normalize (its body)."""
    if axis is not None:
        peak = np.expand_dims(np.amax(np.abs(signal), axis=axis), axis=axis)
    else:
        peak = np.amax(np.abs(signal))
    return signal / np.maximum(peak, 1e-7)


def test_audtorch_normalize_of_a_tensor_raises_instead_of_a_wrong_shape():
    signal = np.arange(32.0).reshape(2, 16)
    assert normalize(signal, axis=-1).shape == (2, 16)             # a NumPy signal: as audtorch means it
    with pytest.raises(TypeError, match="max\\(\\) got an unexpected keyword argument 'axis'"):
        normalize(nn.tensor(signal), axis=-1)                      # nn gave a (2, 2, 16) result


# ---------------------------------------------------------------------------------------------------------------
# NumPy's array fallbacks wrap their result by Tensor.__array_wrap__: a Tensor

_FALLBACKS = [
    (lambda t: np.cumsum(t, axis=0), nn.float64, [[1.0, -2.0, 3.0], [5.0, 3.0, -3.0]]),
    (lambda t: np.cumprod(t, axis=1), nn.float64, [[1.0, -2.0, -6.0], [4.0, 20.0, -120.0]]),
    (lambda t: np.argmax(t), nn.int64, 4),
    (lambda t: np.argsort(t, axis=1), nn.int64, [[1, 0, 2], [2, 0, 1]]),
    (lambda t: np.around(t / 4, 1), nn.float64, [[0.2, -0.5, 0.8], [1.0, 1.2, -1.5]]),
    (lambda t: np.clip(t, 0, 1), nn.float64, [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]),
    (lambda t: np.transpose(t), nn.float64, [[1.0, 4.0], [-2.0, 5.0], [3.0, -6.0]]),
    (lambda t: np.repeat(t[0], 2), nn.float64, [1.0, 1.0, -2.0, -2.0, 3.0, 3.0]),
    (lambda t: np.ptp(t), nn.float64, 11.0),
    (lambda t: np.take(t > 0, [0, 4]), nn.uint8, [1, 1]),               # a bool result as uint8, as PyTorch's
    (lambda t: np.cumsum(t > 0, axis=0), nn.int64, [[1, 0, 1], [2, 1, 1]]),
]


def test_numpy_fallbacks_give_tensors_as_pytorch():
    for call, dtype, value in _FALLBACKS:
        r = call(_t())
        assert isinstance(r, nn.Tensor) and r.dtype == dtype and r.tolist() == value


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def _numpy_calls():
    calls = []
    for f in ["sum", "mean", "max", "min", "amax", "amin", "prod", "all", "any", "std", "var", "argmax", "argmin",
              "cumsum", "cumprod", "ptp", "median", "nansum", "nanmean", "average"]:
        for a in ["", ", axis=0", ", axis=-1", ", axis=1, keepdims=True", ", axis=None"]:
            calls.append(f"np.{f}(t{a})")
    return calls + ["np.round(t)", "np.around(t, 1)", "np.clip(t, 0, 1)", "np.transpose(t)", "np.argsort(t)",
                    "np.nonzero(t)", "np.repeat(t, 2)", "np.ravel(t)", "np.sort(t)", "np.diff(t)", "np.take(t, [0])",
                    "np.compress([1, 0], t, axis=0)", "np.trace(t)", "np.squeeze(t)", "np.swapaxes(t, 0, 1)",
                    "np.reshape(t, (3, 2))", "np.resize(t, (3, 2))", "np.partition(t, 1)", "np.diagonal(t)",
                    "np.expand_dims(t, 0)", "np.concatenate([t, t])", "np.stack([t, t])", "np.where(t > 0)",
                    "np.abs(t)", "np.maximum(t, 0)", "np.isnan(t)", "np.unique(t)", "np.count_nonzero(t)",
                    "np.roll(t, 1)", "np.tile(t, 2)", "np.pad(t, 1)", "np.cumsum(t > 0, axis=0)",
                    "np.argmax(t > 0)", "np.take(t > 0, [0, 4])"]


def test_numpy_functions_of_a_tensor_against_pytorch():
    torch = pytest.importorskip("torch")
    import warnings

    def answer(lib, call):
        t = lib.tensor([[1., -2, 3], [4, 5, -6]], dtype=lib.float64)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)     # (NumPy 2 on PyTorch's __array_wrap__)
                v = eval(call, {"np": np, "t": t})
        except TypeError:
            return "TypeError"                  # (the words: see the tests above)
        items = v if isinstance(v, tuple) else (v,)
        return [(type(x).__name__ if isinstance(x, np.ndarray) else "Tensor" if isinstance(x, (torch.Tensor, nn.Tensor))
                 else type(x).__name__, str(getattr(x, "dtype", "")).split(".")[-1], np.asarray(x).tolist())
                for x in items]
    calls = _numpy_calls()
    differ = [c for c in calls if answer(torch, c) != answer(nn, c)]
    assert len(calls) == 134 and differ == []
