"""nn.fft: discrete Fourier transforms, as torch.fft (NumPy's pocketfft underneath), with gradients.

    fft / ifft (complex <-> complex), rfft (real -> the n // 2 + 1 non-negative frequencies), irfft (back to
    n real values), hfft / ihfft (a Hermitian signal's transform); their 2-D (fft2, ...) and n-D (fftn, ...)
    forms; fftfreq, rfftfreq, fftshift, ifftshift.

Arguments as PyTorch's: n= (1-D) or s= (2-D, n-D) pads with zeros or truncates the input along each transformed
dim first (for irfft: the length of the real output, default 2 (m - 1)); dim= the dims (n-D: the last len(s),
or all); norm= "backward" (the default: 1/n on the inverse), "ortho" (1/sqrt(n) both ways) or "forward" (1/n on
the forward transform). A real input to fft is taken as complex; float32 gives complex64, float64 complex128.

Gradients (PyTorch's convention for complex tensors, nn/tensor_ops/complex.py). A transform y = s F x (F the
DFT matrix, s its scale) has the adjoint s F^H, which is the inverse transform with the other norm ("backward"
and "forward" swap, "ortho" stays), applied at length n and padded or cut back to the input's length. rfft keeps
the first n // 2 + 1 rows of F: its adjoint pads g with zeros to n first, and a real input takes the real part.
irfft reads each bin 0 < k < n / 2 twice (as X_k and conj(X_k)) and the others once: its gradient is rfft of g
(the other norm) with those bins doubled.
"""
import numbers
import warnings

import numpy as np

from .dtypes import SCALAR_TYPE_NAMES, to_complex, type_string, to_real, float_dtype, get_default_dtype, to_dtype, \
    kernel_not_implemented
from .device import check_device
from .tensor import (Tensor, _normalize_axes, _parser_takes_int, grad_for, not_a_tensor_error, parser_no_signature,
                     quietly, refuse_dims_out_of_range)
from .tensor_ops._attach import parsed_ints
from .tensor_ops.complex import conj, view_as_real as _view_as_real
from .tensor_ops.out_arg import with_out
from .tensor_ops.shape import roll

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _norm(norm):
    norm = "backward" if norm is None else norm.decode() if isinstance(norm, bytes) else norm
    if norm not in _DUAL:
        raise RuntimeError(f'Invalid normalization mode: "{norm}"')
    return norm


def _fit(a, length, axis):
    """a cut or padded with zeros along axis to length (the backward of the forward's padding or cutting)."""
    have = a.shape[axis]
    if have > length:
        return np.take(a, np.arange(length), axis)
    if have < length:
        pad = [(0, 0)] * a.ndim
        pad[axis] = (0, length - have)
        return np.pad(a, pad)
    return a


# PyTorch's words for a complex input of the transforms that take a real one (rfft2 / ihfft2: rfftn's / ihfftn's)
_REAL_INPUT_WORDS = {"rfft": "rfft expects a real input tensor, but got {}",
                     "ihfft": "ihfft expects a real input tensor, but got {}",
                     "rfftn": "rfftn expects a real-valued input tensor, but got {}",
                     "ihfftn": "Only supports floating-point dtypes, but found: {}"}


def _refuse_complex(input, op):
    """PyTorch's RuntimeError for a complex input of op (rfft, ihfft, rfftn, ihfftn), its first check."""
    if isinstance(input, Tensor) and input.dtype.kind == "c":
        raise RuntimeError(_REAL_INPUT_WORDS[op].format(SCALAR_TYPE_NAMES[input.dtype.name]))


def _transform(input, n, dim, norm, kind, other_norm=False):
    """One 1-D transform of input along dim: kind "fft", "ifft" (complex -> complex), "rfft" (real -> half
    spectrum) or "irfft" (half spectrum -> n real values); other_norm: with the dual of the norm given (hfft's)."""
    if not isinstance(input, Tensor):
        raise not_a_tensor_error(f"fft.{kind}", "input", None, input)
    if kind == "rfft":
        _refuse_complex(input, "rfft")
    x = input._data
    if x.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    axis = _normalize_axes(dim, x.ndim)[0]
    if kind == "rfft":
        x = x.astype(float_dtype(x.dtype), copy=False)
    else:                                           # complex in (a real input has imaginary part 0)
        x = x.astype(to_complex(float_dtype(x.dtype)), copy=False)
    length = x.shape[axis]
    if n is None:
        n = 2 * (length - 1) if kind == "irfft" else length
    n = int(n)
    if n < 1:
        raise RuntimeError(f"Invalid number of data points ({n}) specified")
    norm = _norm(norm)                              # (after the dtype, dim and n, PyTorch's order)
    if other_norm:
        norm = _DUAL[norm]
    y = quietly(getattr(np.fft, kind), x, n=n, axis=axis, norm=norm)    # (an inf in the input: NaN, as PyTorch)
    y = y.astype(to_real(x.dtype) if kind == "irfft" else to_complex(x.dtype), copy=False)
    dual = _DUAL[norm]

    def backward(g):
        if kind == "fft":
            gx = np.fft.ifft(g, axis=axis, norm=dual)
        elif kind == "ifft":
            gx = np.fft.fft(g, axis=axis, norm=dual)
        elif kind == "rfft":                        # the dropped half of the spectrum had gradient 0
            gx = np.fft.ifft(g, n=n, axis=axis, norm=dual).real
        else:                                       # irfft: bins 0 < k < n / 2 count twice
            gx = np.fft.rfft(g, axis=axis, norm=dual)
            twice = np.ones(gx.shape[axis], gx.real.dtype)
            twice[1:(n + 1) // 2] = 2
            gx = gx * twice.reshape((-1,) + (1,) * (gx.ndim - axis - 1))
        return (grad_for(_fit(gx, length, axis), input),)       # a real input takes the real part

    def graph_backward(g):
        # the same adjoint transforms on Tensors (recorded, so create_graph can differentiate them again)
        if kind == "fft":
            gx = ifft(g, dim=axis, norm=dual)
        elif kind == "ifft":
            gx = fft(g, dim=axis, norm=dual)
        elif kind == "rfft":
            gx = ifft(g, n=n, dim=axis, norm=dual).real
        else:
            twice = np.ones(n // 2 + 1, to_real(g._data.dtype))
            twice[1:(n + 1) // 2] = 2
            gx = rfft(g, dim=axis, norm=dual) * Tensor._wrap(twice.reshape((-1,) + (1,) * (g.ndim - axis - 1)))
        return (_fit_graph(gx, length, axis),)                  # (the engine takes a real input's real part)
    return Tensor._make(y, (input,), backward, f"fft_{kind}", graph_backward)


def _fit_graph(t, length, axis):
    """_fit of a Tensor, recorded: narrowed, or joined to zeros, along axis to length."""
    have = t.shape[axis]
    if have > length:
        return t.narrow(axis, 0, length)
    if have < length:
        from .functional import cat     # noqa: PLC0415 - nn.functional imports nn.tensor_ops, which imports this
        shape = list(t.shape)
        shape[axis] = length - have
        return cat([t, Tensor._wrap(np.zeros(shape, t._data.dtype))], axis)
    return t


@parsed_ints(function=True, words="fft_fft", n="SymInt?", dim="int", norm="str?")
def fft(input, n=None, dim=-1, norm=None):
    """The 1-D discrete Fourier transform along dim (complex output)."""
    return _transform(input, n, dim, norm, "fft")


@parsed_ints(function=True, words="fft_ifft", n="SymInt?", dim="int", norm="str?")
def ifft(input, n=None, dim=-1, norm=None):
    """The inverse of fft."""
    return _transform(input, n, dim, norm, "ifft")


@parsed_ints(function=True, words="fft_rfft", n="SymInt?", dim="int", norm="str?")
def rfft(input, n=None, dim=-1, norm=None):
    """fft of a real input, keeping the n // 2 + 1 non-negative frequencies."""
    return _transform(input, n, dim, norm, "rfft")


@parsed_ints(function=True, words="fft_irfft", n="SymInt?", dim="int", norm="str?")
def irfft(input, n=None, dim=-1, norm=None):
    """The inverse of rfft: n real values (default 2 (m - 1)) from the m non-negative frequencies; the imaginary
    parts of the zero frequency (and of n / 2 for an even n) are ignored."""
    return _transform(input, n, dim, norm, "irfft")


@parsed_ints(function=True, words="fft_hfft", n="SymInt?", dim="int", norm="str?")
def hfft(input, n=None, dim=-1, norm=None):
    """The (real) transform of a signal with Hermitian symmetry given by its first half: irfft(conj(x)) with the
    other norm, as torch.fft.hfft."""
    return _transform(conj(input), n, dim, norm, "irfft", other_norm=True)


@parsed_ints(function=True, words="fft_ihfft", n="SymInt?", dim="int", norm="str?")
def ihfft(input, n=None, dim=-1, norm=None):
    """The inverse of hfft: conj(rfft(x)) with the other norm."""
    _refuse_complex(input, "ihfft")
    return conj(_transform(input, n, dim, norm, "rfft", other_norm=True))


# -- 2-D and n-D: one 1-D transform per dim (a separable sum) ----------------------------------------------

def _dims_and_sizes(input, s, dim, what, empty=False):
    """(dims, sizes) as PyTorch reads s= and dim=: dim None takes the last len(s) dims (all without s); a size of
    -1 keeps that dim's length (None: each transform's default). empty: no dims is no transform (fftn's dim=()),
    else refused ("rfftn must transform at least one axis")."""
    ndim = input.ndim
    if isinstance(s, (numbers.Integral, Tensor)):     # (one size, as PyTorch's parser takes it)
        s = [s]
    if dim is None:
        if s is not None and len(s) > ndim:       # (PyTorch's check: the last len(s) dims must exist)
            raise RuntimeError(f"Got shape with {len(s)} values but input tensor only has {ndim} dimensions.")
        dims = list(range(ndim - len(s), ndim)) if s is not None else list(range(ndim))
    else:
        dims = [dim] if isinstance(dim, numbers.Integral) else list(dim)
        if ndim == 0 and dims:
            raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
        refuse_dims_out_of_range(ndim, *dims)
        dims = [int(d) % ndim for d in dims]
        if len(set(dims)) != len(dims):
            raise RuntimeError("FFT dims must be unique")
    if s is None:
        sizes = [None] * len(dims)
    else:
        s = list(s)
        if len(s) != len(dims):
            raise RuntimeError("When given, dim and shape arguments must have the same length")
        sizes = [None if k == -1 else int(k) for k in s]
    if not dims and not empty:
        raise RuntimeError(f"{what} must transform at least one axis")
    return dims, sizes


def _separable(input, s, dim, norm, kind, what):
    dims, sizes = _dims_and_sizes(input, s, dim, what, empty=True)
    if not dims:        # (fftn(x, dim=()): PyTorch's copy of x as complex, transformed over no dim)
        _norm(norm)
        return input.to(to_complex(float_dtype(input._data.dtype)), copy=True)
    out = input
    for d, n in zip(dims, sizes):
        out = _transform(out, n, d, norm, kind)
    return out


@parsed_ints(function=True, words="fft_fftn", s="ints?", dim="ints?", norm="str?")
def fftn(input, s=None, dim=None, norm=None):
    """The n-D transform over dim (default: all dims, or the last len(s))."""
    return _separable(input, s, dim, norm, "fft", "fftn")


@parsed_ints(function=True, words="fft_ifftn", s="ints?", dim="ints?", norm="str?")
def ifftn(input, s=None, dim=None, norm=None):
    return _separable(input, s, dim, norm, "ifft", "ifftn")


@parsed_ints(function=True, words="fft_rfftn", s="ints?", dim="ints?", norm="str?")
def rfftn(input, s=None, dim=None, norm=None):
    """rfft over the last of dim, then fft over the others."""
    return _rfftn(input, s, dim, norm, "rfftn")


def _rfftn(input, s, dim, norm, what, dual=False):
    """rfftn named what in its refusals; dual: with the other norm (ihfftn's, which refuses a complex input after
    reading the dims and the norm, where rfftn refuses it first)."""
    if not dual:
        _refuse_complex(input, what)
    dims, sizes = _dims_and_sizes(input, s, dim, what)
    if dual:
        _norm(norm)
        _refuse_complex(input, what)
    out = _transform(input, sizes[-1], dims[-1], norm, "rfft", dual)
    for d, n in zip(dims[:-1], sizes[:-1]):
        out = _transform(out, n, d, norm, "fft", dual)
    return out


@parsed_ints(function=True, words="fft_irfftn", s="ints?", dim="ints?", norm="str?")
def irfftn(input, s=None, dim=None, norm=None):
    """ifft over all but the last of dim, then irfft over the last (its output length s[-1], default
    2 (m - 1))."""
    return _irfftn(input, s, dim, norm, "irfftn")


def _irfftn(input, s, dim, norm, what, dual=False):
    """irfftn named what in its refusals; dual: with the other norm (hfftn's)."""
    dims, sizes = _dims_and_sizes(input, s, dim, what)
    out = input
    for d, n in zip(dims[:-1], sizes[:-1]):
        out = _transform(out, n, d, norm, "ifft", dual)
    return _transform(out, sizes[-1], dims[-1], norm, "irfft", dual)


@parsed_ints(function=True, words="fft_hfftn", s="ints?", dim="ints?", norm="str?")
def hfftn(input, s=None, dim=None, norm=None):
    """The n-D hfft: irfftn of conj(x) with the other norm."""
    return _irfftn(conj(input), s, dim, norm, "hfftn", dual=True)


@parsed_ints(function=True, words="fft_ihfftn", s="ints?", dim="ints?", norm="str?")
def ihfftn(input, s=None, dim=None, norm=None):
    """The inverse of hfftn: conj(rfftn(x)) with the other norm."""
    return conj(_rfftn(input, s, dim, norm, "ihfftn", dual=True))


@parsed_ints(function=True, words="fft_fft2", s="ints?", dim="ints", norm="str?")
def fft2(input, s=None, dim=(-2, -1), norm=None):
    return fftn(input, s, dim, norm)


@parsed_ints(function=True, words="fft_ifft2", s="ints?", dim="ints", norm="str?")
def ifft2(input, s=None, dim=(-2, -1), norm=None):
    return ifftn(input, s, dim, norm)


@parsed_ints(function=True, words="fft_rfft2", s="ints?", dim="ints", norm="str?")
def rfft2(input, s=None, dim=(-2, -1), norm=None):
    return rfftn(input, s, dim, norm)


@parsed_ints(function=True, words="fft_irfft2", s="ints?", dim="ints", norm="str?")
def irfft2(input, s=None, dim=(-2, -1), norm=None):
    return irfftn(input, s, dim, norm)


@parsed_ints(function=True, words="fft_hfft2", s="ints?", dim="ints", norm="str?")
def hfft2(input, s=None, dim=(-2, -1), norm=None):
    return hfftn(input, s, dim, norm)


@parsed_ints(function=True, words="fft_ihfft2", s="ints?", dim="ints", norm="str?")
def ihfft2(input, s=None, dim=(-2, -1), norm=None):
    return ihfftn(input, s, dim, norm)


# -- frequencies and shifts ------------------------------------------------------------------------------

@parsed_ints(function=True, words="fft_fftfreq", n="int")     # (NumPy's fftfreq(2.0): ValueError)
def fftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """The sample frequencies of an n-point fft: [0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d n)."""
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    k = np.concatenate([np.arange((n + 1) // 2), np.arange(-(n // 2), 0)])     # the integers, in fft's order
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    return _frequencies(k, n, d, dt, device, requires_grad, "fftfreq")


@parsed_ints(function=True, words="fft_rfftfreq", n="int")    # (rfftfreq(2.0) computed)
def rfftfreq(n, d=1.0, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """The sample frequencies of an n-point rfft: [0, 1, ..., n // 2] / (d n)."""
    dt = to_dtype(dtype) if dtype is not None else get_default_dtype()
    # (n / 2 truncated, as C++'s: rfftfreq(-1) is [-0.], as PyTorch's)
    return _frequencies(np.arange(int(n / 2) + 1, dtype=np.float64), n, d, dt, device, requires_grad, "rfftfreq")


def _frequencies(k, n, d, dtype, device, requires_grad, what):
    # PyTorch multiplies the integers by 1 / (n d) in the output dtype
    if dtype.kind not in "fc":
        raise RuntimeError(f"{what} requires a floating point or complex dtype")
    if dtype.kind == "c":           # (PyTorch's frequencies are made by arange, which has no complex kernel)
        raise kernel_not_implemented("arange_cpu", dtype)
    check_device(device)
    with np.errstate(divide="ignore", invalid="ignore"):      # (n = 0: the one point of rfftfreq(0) is 0 * inf, NaN)
        values = np.round(k).astype(dtype) * (np.float64(1.0) / np.float64(n * d)).astype(dtype)
    return Tensor._wrap(values.astype(dtype, copy=False), requires_grad=requires_grad)


# PyTorch's out= (torch.fft.rfft(x, out=y)) on the transforms and the frequencies (nn/tensor_ops/out_arg.py)
(fft, ifft, rfft, irfft, hfft, ihfft, fft2, ifft2, rfft2, irfft2, hfft2, ihfft2, fftn, ifftn, rfftn, irfftn, hfftn,
 ihfftn, fftfreq, rfftfreq) = map(with_out, (fft, ifft, rfft, irfft, hfft, ihfft, fft2, ifft2, rfft2, irfft2, hfft2,
                                             ihfft2, fftn, ifftn, rfftn, irfftn, hfftn, ihfftn, fftfreq, rfftfreq))


def _shift(input, dim, sign):
    dims = list(range(input.ndim)) if dim is None else [dim] if isinstance(dim, numbers.Integral) else list(dim)
    shifts = [sign * (input.shape[d] // 2) for d in dims]
    return roll(input, shifts, dims)


def fftshift(input, dim=None):
    """The zero frequency moved to the centre: a roll by n // 2 along each of dim (default all)."""
    return _shift(input, dim, 1)


def ifftshift(input, dim=None):
    """The inverse of fftshift: a roll by -(n // 2)."""
    return _shift(input, dim, -1)


# -- short-time Fourier transforms (torch.stft / torch.istft), composed of the ops above ---------------------

def _type_string(t):
    """A tensor's type as PyTorch's stft / istft messages print it: torch.DoubleTensor, CPUComplexFloatType."""
    return type_string(t.dtype)


def _stft_repr(name, input, window, **args):
    """PyTorch's prefix of stft's / istft's argument errors: 'stft(torch.DoubleTensor[2, 1256], n_fft=256, ...)'."""
    def show(v):
        return "None" if v is None else str(int(v)) if isinstance(v, bool) else str(v)
    win = "None" if window is None else f"{_type_string(window)}{{{list(window.shape)}}}"
    head = f"{name}({_type_string(input)}{list(input.shape)}, "
    items = list(args.items())
    return head + ", ".join([f"{k}={show(v)}" for k, v in items[:3]] + [f"window={win}"]
                            + [f"{k}={show(v)}" for k, v in items[3:]]) + ") "


def _full_window(window, win_length, n_fft, dtype):
    """The window (ones when None, PyTorch's rectangular default) padded with zeros on both sides to n_fft."""
    if window is None:
        window = Tensor._wrap(np.ones(win_length, dtype))
    left = (n_fft - win_length) // 2
    if left or n_fft - win_length - left:
        from .functional import pad     # noqa: PLC0415 - nn.functional imports nn.tensor_ops, which imports this
        window = pad(window, (left, n_fft - win_length - left))
    return window


_STFT_WARNED = set()    # PyTorch warns once per process (TORCH_WARN_ONCE), at each of its three sites
_SPECTRAL_OPS = " (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/SpectralOps.cpp:"


def _warn_once(site, message):
    """stft's / istft's warning `message`, given the first time its site (a name) is reached in this process."""
    if site not in _STFT_WARNED:
        _STFT_WARNED.add(site)
        warnings.warn(message, UserWarning, stacklevel=3)


def stft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, pad_mode="reflect",
         normalized=False, onesided=None, return_complex=None, align_to_window=None):
    """Short-time Fourier transform, as torch.stft: input (L) or (B, L) -> (B?, n_fft // 2 + 1 (onesided) or n_fft,
    frames) complex. Frames of n_fft samples every hop_length (default n_fft // 4), times the window (win_length,
    default n_fft, centred in the frame; ones when None); center=True pads n_fft // 2 on both sides by pad_mode
    first; normalized multiplies by n_fft^-1/2. return_complex=False gives the view_as_real pairs (deprecated
    in PyTorch); a real input must say which. align_to_window=True (center=False only) frames the win_length
    samples under the window every hop_length (1 + (L - win_length) // hop_length frames) rather than n_fft ones."""
    if center and align_to_window is not None:
        raise RuntimeError("stft align_to_window should only be set when center = false")
    x = input
    if center:              # as PyTorch's Python wrapper, before its parser and checks (which print the padded shape)
        from .functional import pad     # noqa: PLC0415 - (see _full_window)
        lead = (1,) * (3 - x.ndim) + tuple(x.shape) if x.ndim < 3 else tuple(x.shape)
        x = pad(x.reshape(lead), (int(n_fft // 2), int(n_fft // 2)), mode=pad_mode)
        x = x.reshape(tuple(x.shape[-input.ndim:]) if input.ndim < 3 else tuple(x.shape))
    # then the parser of the overload without center / pad_mode: ints (or None), Python bools (or None), a Tensor
    if not (_parser_takes_int(n_fft) and all(v is None or _parser_takes_int(v) for v in (hop_length, win_length))
            and type(normalized) is bool and all(v is None or type(v) is bool
                                                 for v in (onesided, return_complex, align_to_window))
            and (window is None or isinstance(window, Tensor))):
        raise parser_no_signature("stft", (x, n_fft, hop_length, win_length, window, normalized, onesided,
                                           return_complex, align_to_window), {})
    n_fft, hop_length, win_length = (None if v is None else int(v) for v in (n_fft, hop_length, win_length))
    if window is None:              # the kernel's first words
        _warn_once("stft window", "A window was not provided. A rectangular window will be applied,which is known "
                   "to cause spectral leakage. Other windows such as nn.hann_window or nn.hamming_window are "
                   "recommended to reduce spectral leakage.To suppress this warning and use a rectangular window, "
                   "explicitly set `window=nn.ones(n_fft, device=<device>)`." + _SPECTRAL_OPS + "835.)")
    if return_complex is None:
        if input.dtype.kind != "c" and (window is None or window.dtype.kind != "c"):
            raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                               "further require that return_complex=True in a future PyTorch release.")
        return_complex = True
    hop_length = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length

    def check(ok, message):     # PyTorch's words after its argument summary
        if not ok:
            raise RuntimeError(_stft_repr("stft", x, window, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                                          normalized=bool(normalized), onesided=onesided,
                                          return_complex=bool(return_complex), align_to_window=align_to_window)
                               + ": " + message)
    check(x.dtype.kind in "fc", "expected a tensor of floating point or complex values")    # first, as ATen
    check(x.ndim in (1, 2), "expected a 1D or 2D tensor")
    # ATen prints win_length after "n_fft=" (its words, kept)
    check(0 < n_fft <= x.shape[-1], f"expected 0 < n_fft < {x.shape[-1]}, but got n_fft={win_length}")
    check(hop_length > 0, f"expected hop_length > 0, but got hop_length={hop_length}")
    check(0 < win_length <= n_fft, f"expected 0 < win_length <= n_fft, but got win_length={win_length}")
    check(window is None or (window.ndim == 1 and window.shape[0] == win_length),
          f"expected a 1D window tensor of size equal to win_length={win_length}, but got window with size "
          f"{list(window.shape) if window is not None else []}")
    if not return_complex:
        _warn_once("stft return_complex", "stft with return_complex=False is deprecated. In a future pytorch "
                   "release, stft will return complex tensors for all inputs, and return_complex=False will raise "
                   "an error.\nNote: you can still call nn.view_as_real on the complex output to recover the old "
                   "return format." + _SPECTRAL_OPS + "874.)")
    x = x if x.ndim == 2 else x.unsqueeze(0)
    if align_to_window and win_length < n_fft:     # frames of n_fft centred on each window of win_length samples
        from .functional import pad     # noqa: PLC0415 - (see _full_window)
        left = (n_fft - win_length) // 2
        x = pad(x, (left, n_fft - win_length - left))
    real_dtype = to_real(float_dtype(x.dtype))
    frames = x.unfold(-1, n_fft, hop_length) * _full_window(window, win_length, n_fft, real_dtype)
    complex_in = frames.dtype.kind == "c"
    if complex_in and onesided:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    onesided = not complex_in if onesided is None else onesided
    norm = "ortho" if normalized else "backward"
    spec = rfft(frames, dim=-1, norm=norm) if onesided else fft(frames, dim=-1, norm=norm)
    spec = spec.transpose(-1, -2)
    if input.ndim == 1:
        spec = spec.squeeze(0)
    return spec if return_complex else _view_as_real(spec)


# (PyTorch's one C++ signature: each argument's type is checked, in its order and words)
@parsed_ints(function=True, input="Tensor", n_fft="SymInt", hop_length="SymInt?", win_length="SymInt?",
             window="Tensor?", center="bool", normalized="bool", onesided="bool?", length="SymInt?",
             return_complex="bool")
def istft(input, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
          onesided=None, length=None, return_complex=False):
    """The inverse of stft, as torch.istft: inverse transforms of the frames, times the window, overlap-added and
    divided by the overlap-added squared window (an error where it is below 1e-11)."""
    from .functional import fold, pad     # noqa: PLC0415 - (see _full_window)
    if window is None:              # first, as PyTorch's
        _warn_once("istft window", "A window was not provided. A rectangular window will be applied.Please provide "
                   "the same window used by stft to make the inversion lossless.To suppress this warning and use a "
                   "rectangular window, explicitly set `window=nn.ones(n_fft, device=<device>)`." + _SPECTRAL_OPS
                   + "1035.)")
    if input.dtype.kind != "c":
        raise RuntimeError("istft requires a complex-valued input tensor matching the output from stft with "
                           "return_complex=True.")
    hop_length = n_fft // 4 if hop_length is None else hop_length
    win_length = n_fft if win_length is None else win_length
    prefix = _stft_repr("istft", input, window, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                        center=bool(center), normalized=bool(normalized), onesided=onesided, length=length,
                        return_complex=bool(return_complex))

    def check(ok, message):     # PyTorch's words after its argument summary
        if not ok:
            raise RuntimeError(prefix + ": " + message)
    check(input.numel() > 0, "input tensor cannot be empty.")
    check(input.ndim in (2, 3), f"expected a tensor with 3 or 4 dimensions, but got {input.ndim + 1}")
    spec = input if input.ndim == 3 else input.unsqueeze(0)
    n_frames, fft_size = spec.shape[-1], spec.shape[-2]
    onesided = fft_size != n_fft if onesided is None else onesided
    if onesided:
        check(n_fft // 2 + 1 == fft_size, "expected the frequency dimension (3rd to the last) of the input tensor to "
                                          f"match n_fft / 2 + 1 when onesided=True, but got {fft_size}")
    else:
        check(n_fft == fft_size, "expected the frequency dimension (3rd to the last) of the input tensor to match "
                                 f"n_fft when onesided=False, but got {fft_size}")
    check(0 < hop_length <= win_length, "expected 0 < hop_length <= win_length")
    check(0 < win_length <= n_fft, "expected 0 < win_length <= n_fft")
    check(window is None or (window.ndim == 1 and window.shape[0] == win_length),
          "Invalid window shape. window has to be 1D and length of `win_length`")
    if return_complex and onesided:
        raise RuntimeError("Cannot have onesided output if window or input is complex")
    norm = "ortho" if normalized else "backward"
    frames = spec.transpose(-1, -2)                                          # (B, frames, freqs)
    frames = irfft(frames, n=n_fft, dim=-1, norm=norm) if onesided else ifft(frames, n=n_fft, dim=-1, norm=norm)
    if not return_complex and frames.dtype.kind == "c":
        frames = frames.real
    w = _full_window(window, win_length, n_fft, to_real(input.dtype))
    frames = frames * w
    total = n_fft + hop_length * (n_frames - 1)

    def overlap_add(f):                 # (B, frames, n_fft) real -> (B, total): each frame added in at k * hop
        return fold(f.transpose(1, 2), (1, total), (1, n_fft), stride=(1, hop_length)).reshape(f.shape[0], total)
    if frames.dtype.kind == "c":
        from .tensor_ops.complex import complex as _complex, real, imag     # noqa: PLC0415
        y = _complex(overlap_add(real(frames)), overlap_add(imag(frames)))
    else:
        y = overlap_add(frames)
    envelope = overlap_add((w * w).reshape(1, 1, n_fft).repeat(1, n_frames, 1)).reshape(total)
    start = n_fft // 2 if center else 0
    end = (start + length if center else length) if length is not None else (total - n_fft // 2 if center else total)
    y, envelope = y[:, start:min(end, total)], envelope[start:min(end, total)]
    if envelope.numel() and float(envelope.abs().min().item()) < 1e-11:     # the NOLA condition fails
        raise RuntimeError(prefix + "window overlap add min: 1\n[ CPUBoolType{} ]")
    y = y / envelope
    if end > total:
        y = pad(y, (0, end - total))
    return y if input.ndim == 3 else y.squeeze(0)


def _istft_method(self, n_fft, hop_length=None, win_length=None, window=None, center=True, normalized=False,
                  onesided=None, length=None, return_complex=False):
    """x.istft(...): PyTorch's Tensor.istft hands its arguments on to torch.istft by position (return_complex by
    keyword), so its parser's words name their positions ("istft(): argument 'center' (position 6) must be bool,
    not int")."""
    return istft(self, n_fft, hop_length, win_length, window, center, normalized, onesided, length,
                 return_complex=return_complex)


_istft_method.__name__ = _istft_method.__qualname__ = "istft"
Tensor.stft, Tensor.istft = stft, _istft_method        # x.stft(n_fft, ...), as PyTorch's methods
