"""Complex tensors: real / imag, view_as_real / view_as_complex, conj, angle, complex, polar.

Gradients follow PyTorch's convention: the gradient of a real loss L with respect to a complex z = x + iy is
dL/dx + i dL/dy. An op mapping real numbers to complex ones (complex, polar) gets the real part of
conj(dz/dt) * g for each real input t; an op mapping complex to real (real, imag, angle, abs) hands back
g * (dy/dx + i dy/dy).
"""
import functools

import numpy as np

from ..dtypes import SCALAR_TYPE_NAMES, scalar_type_name, to_real, to_complex
from ..tensor import Tensor
from ._attach import attach
from .convert import _mark_view


def _need_complex(input, what):
    if input.dtype.kind != "c":
        raise RuntimeError(f"{what} is not implemented for tensors with non-complex dtypes.")


def real(input):
    """The real part: of a complex tensor a (differentiable) view, of a real one the tensor itself (as PyTorch)."""
    if input.dtype.kind != "c":
        return input
    out = Tensor._make(input._data.real, (input,), lambda g: (g.astype(input.dtype),), "real",    # dL/dx = g
                       lambda g: (complex(g, _zeros(g)),))
    return _part_view(out, input, _with_real)


def imag(input):
    """The imaginary part of a complex tensor (a view); PyTorch refuses it for a real tensor."""
    _need_complex(input, "imag")
    # dL/dy = g (asarray: 1j times a 0-d array is a NumPy scalar, which the engine refused)
    out = Tensor._make(input._data.imag, (input,), lambda g: (np.asarray(1j * g),), "imag",
                       lambda g: (complex(_zeros(g), g),))
    return _part_view(out, input, _with_imag)


def _zeros(t):
    """Zeros of t's shape and dtype, a constant (the other part of a recorded gradient of real / imag)."""
    return Tensor._wrap(np.zeros(t.shape, t._data.dtype))


def _with_real(base, part):
    """base with its real parts replaced by part (the write-back of an in-place change of base.real)."""
    return complex(part, imag(base))


def _with_imag(base, part):
    return complex(real(base), part)


def _part_view(out, input, put_back):
    """Mark out (input.real or input.imag, which shares input's memory) as a view, as PyTorch's: an in-place
    change of it recorded in a graph (fft-conv-pytorch's ``kernel_fr.imag *= -1``) is written back into input
    (_write_through), so input's gradient sees it; with no graph recorded the shared memory does it."""
    return _mark_view(out, input, functools.partial(put_back, input))


def view_as_real(input):
    """(..., 2) real view of a complex tensor: [..., 0] the real parts, [..., 1] the imaginary ones."""
    if input.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    x = input._data
    if x.ndim and x.strides[-1] != x.itemsize:          # NumPy views only a unit-strided last dim as pairs
        x = np.ascontiguousarray(x)
    out = x[..., None].view(to_real(x.dtype))             # (..., 1) complex -> (..., 2) real, the same memory
    out = Tensor._make(out, (input,), lambda g: (np.ascontiguousarray(g).view(input.dtype)[..., 0],),
                       "view_as_real",                    # its gradient is that of (x, y): g0 + i g1
                       lambda g: (view_as_complex(g.contiguous()),))
    return _mark_view(out, input, view_as_complex)


def view_as_complex(input):
    """A complex view of a real tensor whose last dim has size 2 (real, imaginary), as torch.view_as_complex."""
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(f"view_as_complex is only supported for half, float and double tensors, but got a tensor "
                           f"of scalar type: {scalar_type_name(x.dtype)}")
    if x.ndim == 0 or x.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    if x.strides[-1] != x.itemsize:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if not x.flags.c_contiguous and any(s % (2 * x.itemsize) for s in x.strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    out = x.view(to_complex(x.dtype))[..., 0]

    def backward(g):
        g = np.ascontiguousarray(g.astype(out.dtype, copy=False))
        return (g[..., None].view(x.dtype),)             # the gradient of (x, y) is (Re g, Im g)
    return _mark_view(Tensor._make(out, (input,), backward, "view_as_complex", lambda g: (view_as_real(g),)),
                      input, view_as_real)


def conj(input):
    """The complex conjugate (a real tensor itself, as are resolve_conj and resolve_neg)."""
    if input.dtype.kind != "c":
        return input
    return Tensor._make(np.conj(input._data), (input,), lambda g: (np.conj(g),), "conj",    # x - iy: (gx, -gy)
                        lambda g: (conj(g),))


def conj_physical(input):
    return conj(input)


def angle(input):
    """The argument of each element in (-pi, pi] (of a real tensor: 0 or pi, NaN kept), as torch.angle."""
    x = input._data
    if x.dtype.kind != "c":
        xf = x if x.dtype.kind == "f" else x.astype(np.float32)
        y = np.where(np.isnan(xf), xf, np.where(xf < 0, np.pi, 0.0).astype(xf.dtype))
        return Tensor._make(y, (input,), lambda g: (np.zeros_like(g),), "angle", lambda g: (_zeros(g),))

    def backward(g):
        # atan2(y, x): d/dx = -y / r^2, d/dy = x / r^2, i.e. g * i z / |z|^2 (0 at the origin)
        r2 = (x * np.conj(x)).real
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.where(r2 > 0, g * 1j * x / np.where(r2 > 0, r2, 1), 0).astype(x.dtype),)

    def graph_backward(g):
        # the same by recorded ops (|z|^2 again, 1 in its place at the origin, where the gradient is 0)
        zero = Tensor._wrap((x == 0).astype(to_real(x.dtype)))
        return (g * (input * 1j) / (input.abs() ** 2 + zero) * (1 - zero),)
    return Tensor._make(np.angle(x).astype(to_real(x.dtype)), (input,), backward, "angle", graph_backward)


def _check_real_pair(a, b, allowed):
    """The two real operands of complex / polar: floating, of one dtype (PyTorch's messages)."""
    if a.dtype.kind != "f" or b.dtype.kind != "f":
        raise RuntimeError(f"Expected both inputs to be {allowed} tensors but got {a.dtype} and {b.dtype}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"Expected object of scalar type {SCALAR_TYPE_NAMES[a.dtype.name]} but got scalar type "
                           f"{SCALAR_TYPE_NAMES[b.dtype.name]} for second argument")


def complex(real, imag):
    """real + i imag from two real tensors of one floating dtype, as torch.complex."""
    _check_real_pair(real, imag, "Half, Float or Double")
    out = real._data + 1j * imag._data
    return Tensor._make(out.astype(to_complex(real.dtype), copy=False), (real, imag),
                        lambda g: (g.real, g.imag), "complex",    # dz/da = 1, dz/db = i: (Re g, Re(-i g) = Im g)
                        lambda g: (g.real, g.imag))       # (the arguments hide the functions real, imag)


def polar(abs, angle):
    """abs * (cos(angle) + i sin(angle)), as torch.polar."""
    _check_real_pair(abs, angle, "Float or Double")
    r, t = abs._data, angle._data
    unit = (np.cos(t) + 1j * np.sin(t)).astype(to_complex(r.dtype))
    out = r * unit

    def backward(g):
        # dz/dr = e^(i t), dz/dt = i z: each real input gets Re(conj(dz/d.) g); as PyTorch's polar_backward, r's
        # takes the direction of z itself, sgn(z) = sign(r) e^(i t): a negative abs (PoPE's polar(q, 0) of raw
        # features) gets the negated derivative and abs = 0 gets 0
        return (np.conj(unit) * g).real * np.sign(r), (np.conj(1j * out) * g).real
    return Tensor._make(out, (abs, angle), backward, "polar")


def is_complex(input):
    return input.dtype.kind == "c"


def _real_property(self):
    return real(self)


def _imag_property(self):
    return imag(self)


def _set_part(which):
    def setter(self, value):
        # x.real = y is PyTorch's x.real.copy_(y): recorded in a graph (fft-conv-pytorch's c.real, c.imag = re, im
        # passes re's and im's gradients on), and a real x takes y whole (x.imag = y still refuses a real x)
        getattr(self, which).copy_(value)
    return setter


attach(view_as_real, view_as_complex, conj_physical, angle,
       real=property(_real_property, _set_part("real")), imag=property(_imag_property, _set_part("imag")))
