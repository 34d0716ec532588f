"""nn against PyTorch 2.13 directly (round 45, second wave, area L; no third-party package): grids in one process
comparing nn with PyTorch on the same NumPy inputs, by the error's type and first line, the value, shape and dtype,
and the warnings. (1) The reductions sum, mean, prod, max, min, amax, amin, argmax, argmin, std, var, all, any,
logsumexp, nansum, nanmean, median, nanmedian, mode, cumsum, cumprod, norm, count_nonzero, as Tensor methods and as
functions, with NumPy's keywords (axis=None / an int / a tuple, keepdims=, keepdim= without a dim, dtype=None,
out=None): 504 calls (and 220 of keepdim / axis=None combinations); before, 92 of the 504 disagreed (nn reduced
where PyTorch raises), after, 60 (the dtype=None and out=None ones below). (2) load_state_dict of a state dict
with and without version metadata that holds running statistics into an InstanceNorm that tracks none, strict and
not: 2 of 4 cases disagreed, none now. (3) x.new(array), torch.Tensor, FloatTensor, DoubleTensor, LongTensor of
arrays of float32, float64, int64, int32: whether the result shares the array's memory, and its dtype: 3 of 28
disagreed (x.new of an array of x's dtype copied), none now; x.new(tensor) of x's dtype now shares too. No values
are computed differently: the changes are which calls are refused, and memory sharing.

Still different (not fixed): a reduction given NumPy's dtype=None where PyTorch's signature has no dtype (std, var,
all, any, amax, amin, argmax, argmin, logsumexp, median, count_nonzero: PyTorch raises TypeError) still drops it in
nn, which np.sum-style callers pass on; and torch.norm(x, dtype=None), which PyTorch takes, raises TypeError in nn.
Where PyTorch's words for a refused call depend on the whole keyword set (x.max(axis=None, keepdim=True): "argument
'dim' must be int, not NoneType" as a method, "received an invalid combination of arguments" as a function), nn
gives one of them; both are TypeError. nn's lazy layers (LazyLinear, LazyConv2d, LazyBatchNorm2d, ...)
are still no instances of their eager class before their first call (PyTorch's LazyLinear is a Linear from the
start): the eager modules import nn's lazy module, so deriving the lazy classes from them needs the layers' files
reordered, and the eager classes' methods (reset_parameters, extra_repr, __setattr__) made safe on placeholders; a
redesign, left for later.

The failures of nn these tests pin down:

- ``x.max(axis=None)``, ``x.min(axis=None)``, ``x.prod(axis=None)`` (and as functions) reduced every element where
  PyTorch 2.13 raises TypeError "max() received an invalid combination of arguments - got (axis=NoneType, ), but
  expected one of:" (their dim is an int, not an optional one).
- ``x.sum(keepdims=True)``, ``x.mean(keepdim=True)``, ``x.prod(keepdim=False)``, ``x.max(keepdims=True)`` with no
  dim answered (max ignored keepdim) where PyTorch raises TypeError "sum() received an invalid combination of
  arguments - got (keepdims=bool, ), but expected one of:" (its signatures without a dim take no keepdim).
- ``x.median(axis=None)``, ``x.nanmedian(axis=None)``, ``x.mode(axis=None)`` answered where PyTorch raises TypeError
  "median(): argument 'dim' must be int, not NoneType"; ``x.median(keepdim=True)`` where it raises TypeError
  'median() missing 1 required positional arguments: "dim"'.
- ``InstanceNorm1d().load_state_dict(sd)`` of a state dict with no version metadata (a plain dict, or a checkpoint
  saved before PyTorch 0.4.0) that holds running_mean / running_var listed them as unexpected keys (and with
  strict=False returned them) where PyTorch raises RuntimeError "Unexpected running stats buffer(s) "running_mean"
  and "running_var" for InstanceNorm1d with track_running_stats=False. ...", strict or not.
- ``x.new(array)`` of an array of x's dtype copied it where PyTorch's shares its memory (as torch.Tensor(array)
  and FloatTensor(array) do), and ``x.new(y)`` of a tensor of x's dtype copied y where PyTorch's shares y's memory.
- ``nansum`` / ``nanmean`` refused PyTorch's ``dtype=`` (TypeError "unexpected keyword argument 'dtype'") where
  PyTorch accumulates the sum in that dtype (nanmean: then divides by the count of numbers).
"""
from collections import OrderedDict

import numpy as np
import pytest

import nn


# ---------------------------------------------------------------- reductions with NumPy's keywords

@pytest.mark.parametrize("name", ["max", "min", "prod"])
def test_int_dim_reductions_refuse_axis_none(name):
    x = nn.tensor(np.arange(1.0, 7.0).reshape(2, 3))
    with pytest.raises(TypeError, match=rf"^{name}\(\) received an invalid combination of arguments - got "
                                        rf"\(axis=NoneType, \), but expected one of:"):
        getattr(x, name)(axis=None)
    with pytest.raises(TypeError, match=rf"^{name}\(\) received an invalid combination of arguments - got "
                                        rf"\(Tensor, axis=NoneType\), but expected one of:"):
        getattr(nn, name)(x, axis=None)
    # NumPy's keywords PyTorch takes still are
    assert x.sum(axis=None).item() == 21.0 and x.mean(axis=None).item() == 3.5      # (dim=None: all, as PyTorch)
    assert x.sum(axis=1, keepdims=True).tolist() == [[6.0], [15.0]]
    assert x.max(axis=1, keepdims=True).values.tolist() == [[3.0], [6.0]]
    assert x.prod(1, keepdim=True).tolist() == [[6.0], [120.0]]
    assert nn.max(x, 0, keepdim=True).values.tolist() == [[4.0, 5.0, 6.0]]
    assert x.amax(keepdim=True).tolist() == [[6.0]] and x.argmax(keepdim=True).tolist() == [[5]]
    assert x.sum(dim=None, keepdim=True).tolist() == [[21.0]]
    assert x.median(dim=1, keepdims=True).values.tolist() == [[2.0], [5.0]]
    assert x.max(x.flip(0)).tolist() == [[4.0, 5.0, 6.0], [4.0, 5.0, 6.0]]


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min"])
@pytest.mark.parametrize("key", ["keepdim", "keepdims"])
def test_keepdim_without_dim_is_refused(name, key):
    x = nn.tensor(np.arange(1.0, 7.0).reshape(2, 3))
    with pytest.raises(TypeError, match=rf"^{name}\(\) received an invalid combination of arguments - got "
                                        rf"\({key}=bool, \), but expected one of:"):
        getattr(x, name)(**{key: True})
    with pytest.raises(TypeError, match=rf"^{name}\(\) received an invalid combination of arguments - got "
                                        rf"\(Tensor, {key}=bool\), but expected one of:"):
        getattr(nn, name)(x, **{key: False})


@pytest.mark.parametrize("name", ["median", "nanmedian", "mode"])
def test_dim_required_reductions(name):
    x = nn.tensor(np.arange(1.0, 7.0).reshape(2, 3))
    with pytest.raises(TypeError, match=rf"^{name}\(\): argument 'dim' must be int, not NoneType$"):
        getattr(x, name)(axis=None)
    with pytest.raises(TypeError, match=rf"^{name}\(\): argument 'dim' must be int, not NoneType$"):
        getattr(nn, name)(x, axis=None, keepdim=True)
    if name == "mode":                  # (a default dim, -1: keepdim alone is taken)
        assert x.mode(keepdim=True).values.tolist() == [[1.0], [4.0]]
    else:
        with pytest.raises(TypeError, match=rf'^{name}\(\) missing 1 required positional arguments: "dim"$'):
            getattr(x, name)(keepdims=True)


# ---------------------------------------------------------------- InstanceNorm's load of old checkpoints

_WORDS = ('Unexpected running stats buffer(s) "{p}running_mean" and "{p}running_var" for InstanceNorm1d with '
          'track_running_stats=False. If state_dict is a checkpoint saved before 0.4.0, this may be expected because '
          'InstanceNorm1d does not track running stats by default since 0.4.0. Please remove these keys from '
          'state_dict. If the running stats are actually needed, instead set track_running_stats=True in '
          'InstanceNorm1d to enable them. See the documentation of InstanceNorm1d for details.')


def _stats(prefix=""):
    return OrderedDict([(prefix + "running_mean", np.zeros(3, np.float32)),
                        (prefix + "running_var", np.ones(3, np.float32)),
                        (prefix + "num_batches_tracked", np.array(0, np.int64))])


@pytest.mark.parametrize("strict", [True, False])
def test_instance_norm_refuses_unversioned_running_stats(strict):
    m = nn.InstanceNorm1d(3)
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(_stats(), strict=strict)
    lines = str(info.value).strip("'\"").split("\n\t")
    assert lines[0] == "Error(s) in loading state_dict for InstanceNorm1d:"
    assert lines[-1] == _WORDS.format(p="")
    # strict: num_batches_tracked is still an unexpected key (the running stats were taken out of the load)
    assert lines[1:-1] == (['Unexpected key(s) in state_dict: "num_batches_tracked". '] if strict else [])
    seq = nn.Sequential(nn.InstanceNorm1d(3))       # (a child's prefix; no metadata for it)
    with pytest.raises(RuntimeError, match="Unexpected running stats buffer"):
        seq.load_state_dict(_stats("0."), strict=False)
    sd = _stats()
    sd._metadata = OrderedDict({"": {"version": 1}})     # a checkpoint of version 1: plain unexpected keys
    result = nn.InstanceNorm1d(3).load_state_dict(sd, strict=False)
    assert result.unexpected_keys == ["running_mean", "running_var", "num_batches_tracked"]
    m = nn.InstanceNorm1d(3, track_running_stats=True)
    assert m.load_state_dict(_stats()).missing_keys == []


# ---------------------------------------------------------------- x.new shares memory as torch.Tensor does

def test_new_shares_an_array_of_its_dtype():
    x = nn.zeros(2)
    a = np.zeros(3, np.float32)
    t = x.new(a)
    t[0] = 5.0
    assert a[0] == 5.0 and t.dtype == nn.float32
    b = np.zeros(3, np.float64)
    u = x.new(b)                            # another dtype: a cast copy, of x's dtype
    u[0] = 5.0
    assert b[0] == 0.0 and u.dtype == nn.float32
    i = np.zeros(2, np.int64)
    v = nn.zeros(1, dtype=nn.int64).new(i)
    v[1] = 7
    assert i[1] == 7
    y = nn.ones(2)
    w = x.new(y)
    w[0] = 5.0
    assert y.tolist() == [5.0, 1.0]


# ---------------------------------------------------------------- against PyTorch itself

_KEYWORDS = [dict(axis=None), dict(axis=1), dict(axis=(0, 1)), dict(keepdims=True), dict(axis=1, keepdims=True),
             dict(dim=1, keepdims=True), dict(keepdim=False), dict(axis=None, keepdim=True), dict(out=None),
             dict(axis=1, out=None)]


def _outcome(lib, name, kwargs, method, data):
    t = lib.tensor(data)
    try:
        r = getattr(t, name)(**kwargs) if method else getattr(lib, name)(t, **kwargs)
    except Exception as e:          # noqa: BLE001 - the outcome compared
        return type(e).__name__
    r = r[0] if isinstance(r, tuple) else r
    return tuple(r.shape), np.asarray(r.tolist()).round(9).tolist()


def test_reduction_keywords_against_pytorch():
    torch = pytest.importorskip("torch")
    data = np.arange(1.0, 7.0).reshape(2, 3)
    names = ("sum mean prod max min amax amin argmax argmin std var logsumexp nansum nanmean median nanmedian mode "
             "cumsum cumprod count_nonzero").split()
    for name in names:
        for method in (True, False):
            for kwargs in _KEYWORDS:
                if not method and "out" in kwargs:
                    continue        # (nn's functions take out= where some of PyTorch's refuse it)
                assert _outcome(torch, name, kwargs, method, data) == _outcome(nn, name, kwargs, method, data), \
                    (name, kwargs, method)


def test_instance_norm_load_and_new_against_pytorch():
    torch = pytest.importorskip("torch")
    for strict in (True, False):
        words = []
        for lib in (torch, nn):
            sd = OrderedDict((k, lib.tensor(v)) for k, v in _stats().items())
            try:
                lib.nn.InstanceNorm2d(3).load_state_dict(sd, strict=strict) if lib is torch else \
                    lib.InstanceNorm2d(3).load_state_dict(sd, strict=strict)
            except RuntimeError as e:
                words.append(str(e).strip("'\""))
        assert len(words) == 2 and words[0] == words[1]
    for dt in (np.float32, np.float64, np.int64):
        shared = []
        for lib in (torch, nn):
            a = np.zeros(3, dt)
            t = lib.zeros(1, dtype=lib.float64).new(a)
            t[0] = 5
            shared.append((a[0], str(t.dtype).split(".")[-1]))
        assert shared[0] == shared[1]


@pytest.mark.parametrize("name", ["nansum", "nanmean"])
def test_nansum_and_nanmean_take_pytorchs_dtype(name):
    # torch.nansum / torch.nanmean(input, dim=None, keepdim=False, *, dtype=None): the sum accumulated in dtype, then
    # (nanmean) divided by the count of numbers; nn refused dtype= ("unexpected keyword argument 'dtype'")
    x = nn.tensor(np.array([[1.0, np.nan], [2.0, 3.0]], np.float32), requires_grad=True)
    whole = getattr(nn, name)(x, dtype=nn.float64)
    rows = getattr(x, name)(1, dtype=nn.float64)
    assert whole.dtype == nn.float64 and rows.dtype == nn.float64
    assert whole.item() == {"nansum": 6.0, "nanmean": 2.0}[name]
    assert rows.tolist() == {"nansum": [1.0, 5.0], "nanmean": [1.0, 2.5]}[name]
    rows.sum().backward()
    assert x.grad.dtype == np.float32
    assert x.grad.tolist() == {"nansum": [[1.0, 0.0], [1.0, 1.0]], "nanmean": [[1.0, 0.0], [0.5, 0.5]]}[name]
