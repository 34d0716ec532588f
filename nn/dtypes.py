"""dtypes: PyTorch's dtype names, each standing for a NumPy dtype.

``nn.float32`` is an ``nn.dtype``: it prints as ``nn.float32``, has torch.dtype's ``is_floating_point``,
``is_complex``, ``is_signed``, ``itemsize``, ``to_real()`` and ``to_complex()``, and stands in for
``np.dtype("float32")`` everywhere: it compares and hashes equal to it (``x.dtype == np.float32`` and
``x.dtype == nn.float32`` are both True; a dict keyed by one finds the other), NumPy accepts it as a dtype
(``np.zeros(3, nn.float32)``, through its ``.dtype``, the NumPy dtype), and it has the NumPy dtype's
``kind``, ``name``, ``type``, ``char`` and ``str``. ``Tensor.dtype`` is one of these objects. A Tensor
holds one of:

    float32 (= float, the default), float64 (= double)     can require gradients
    complex64 (= cfloat), complex128 (= cdouble)           can require gradients (PyTorch's convention: the
                                                           gradient of a real loss is dL/dre + i dL/dim)
    int64 (= long), int32 (= int), int16, int8, uint8, bool  never require gradients

``nn.float``, ``nn.int`` and ``nn.bool`` shadow Python's builtins only as
attributes of ``nn``, as in PyTorch; this module defines them last and uses
``builtins`` for the Python types.
"""
import builtins
import math
import numbers

import numpy as np


class dtype:
    """A PyTorch-style dtype over a NumPy dtype (the module doc): one object per NumPy dtype (dtype.of)."""

    __slots__ = ("dtype", "kind", "itemsize", "name", "type", "char", "str")
    _by_numpy = {}

    def __new__(cls, numpy_dtype):                  # nn.dtype("float32") is nn.float32: one object per dtype
        existing = cls._by_numpy.get(np.dtype(numpy_dtype))
        return existing if existing is not None else super().__new__(cls)

    def __init__(self, numpy_dtype):
        d = self.dtype = np.dtype(numpy_dtype)      # the NumPy dtype; NumPy reads a dtype-like's .dtype
        self.kind, self.itemsize, self.name, self.type, self.char, self.str = d.kind, d.itemsize, d.name, d.type, \
            d.char, d.str                           # (NumPy's names are PyTorch's: float32, int64, bool, ...)
        dtype._by_numpy[d] = self

    @staticmethod
    def of(numpy_dtype):
        """The nn dtype of a NumPy dtype (an ndarray's .dtype); a NumPy dtype nn has no name for is returned as
        it is."""
        return dtype._by_numpy.get(numpy_dtype, numpy_dtype)

    is_floating_point = property(lambda self: self.kind == "f")
    is_complex = property(lambda self: self.kind == "c")
    is_signed = property(lambda self: self.kind in "fci")        # bool and unsigned ints are not (torch's)

    def to_complex(self):
        return dtype.of(to_complex(self.dtype))

    def to_real(self):
        return dtype.of(to_real(self.dtype))

    def __getattr__(self, name):                    # NumPy's rarer attributes (names, fields, byteorder, ...)
        if name.startswith("_"):                    # (NumPy probes private names of a dtype-like: refused fast)
            raise AttributeError(name)
        return getattr(self.dtype, name)

    def __eq__(self, other):
        if type(other) is dtype:
            return self is other                    # one object per NumPy dtype
        if isinstance(other, np.dtype):
            return self.dtype == other
        if other is None:                           # np.dtype(None) would be float64
            return False
        try:
            return self.dtype == np.dtype(other)
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.dtype)

    def __repr__(self):
        return f"nn.{self.name}"

    def __reduce__(self):                           # unpickles as the same object
        return (_named, (self.name,))


def _named(name):
    """The dtype nn.<name> (for unpickling)."""
    return globals()["bool_" if name == "bool" else name]


float32 = dtype(np.float32)
float64 = dtype(np.float64)
int64 = dtype(np.int64)
int32 = dtype(np.int32)
int16 = dtype(np.int16)
int8 = dtype(np.int8)
uint8 = dtype(np.uint8)
bool_ = dtype(np.bool_)
double = float64
long = int64
short = int16
complex64 = cfloat = dtype(np.complex64)
complex128 = cdouble = dtype(np.complex128)

# the dtypes a Tensor may hold
SUPPORTED = frozenset(d.dtype for d in (float32, float64, int64, int32, int16, int8, uint8, bool_, complex64,
                                          complex128))   # (NumPy's dtypes: a set look-up in every Tensor._wrap(array))


class _NameOnly:
    """A name PyTorch code passes around, printed as nn.<name>: a dtype with no NumPy dtype behind it (bfloat16);
    memory formats and layouts subclass it."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"nn.{self.name}"


# Half precision, as names only: code that passes them (autocast(dtype=nn.float16), x.dtype == nn.bfloat16) runs,
# and a Tensor asked to hold one is refused (to_dtype), since nn has no half-precision kernels
float16 = half = dtype(np.float16)
bfloat16 = _NameOnly("bfloat16")
# PyTorch's "limited support" unsigned integers, likewise names only: code compares dtypes with them and keys
# tables by them (kornia's {torch.uint16: torch.int16, ...}); a Tensor asked to hold one is refused
uint16 = dtype(np.uint16)
uint32 = dtype(np.uint32)
uint64 = dtype(np.uint64)
bfloat16.is_floating_point, bfloat16.is_complex, bfloat16.is_signed, bfloat16.itemsize = True, False, True, 2
# half-precision complex, likewise a name only (NumPy has no complex32)
complex32 = chalf = _NameOnly("complex32")
complex32.is_floating_point, complex32.is_complex, complex32.is_signed, complex32.itemsize = False, True, True, 4
# PyTorch's 8-bit floats, likewise names only: Hugging Face's fp8 caches and quantizers keep them as class
# attributes (fp8_dtype = torch.float8_e4m3fn; fp8_max = torch.finfo(fp8_dtype).max) at import time
float8_e4m3fn = _NameOnly("float8_e4m3fn")
float8_e5m2 = _NameOnly("float8_e5m2")
float8_e4m3fnuz = _NameOnly("float8_e4m3fnuz")
float8_e5m2fnuz = _NameOnly("float8_e5m2fnuz")
float8_e8m0fnu = _NameOnly("float8_e8m0fnu")
for _f8 in (float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu):
    _f8.is_floating_point, _f8.is_complex, _f8.is_signed, _f8.itemsize = True, False, _f8 is not float8_e8m0fnu, 1


class _Quantized(_NameOnly):
    """PyTorch's quantized integer dtypes, likewise names only (tensordict lists every dtype in a table at import)."""
    is_floating_point = is_complex = False

    @property
    def is_signed(self):
        raise RuntimeError("isSignedType not supported for quantized types")


qint8, quint8, qint32 = _Quantized("qint8"), _Quantized("quint8"), _Quantized("qint32")
quint4x2, quint2x4 = _Quantized("quint4x2"), _Quantized("quint2x4")
qint8.itemsize = quint8.itemsize = quint4x2.itemsize = quint2x4.itemsize = 1
qint32.itemsize = 4

# torch.finfo of the name-only floats: (bits, eps, max, min, tiny, resolution), PyTorch's values
_NAME_ONLY_FINFO = {"bfloat16": (16, 2.0 ** -7, (2 - 2.0 ** -7) * 2.0 ** 127, None, 2.0 ** -126, 0.01),
                    "float8_e4m3fn": (8, 2.0 ** -3, 448.0, None, 2.0 ** -6, 1.0),
                    "float8_e5m2": (8, 2.0 ** -2, 57344.0, None, 2.0 ** -14, 1.0),
                    "float8_e4m3fnuz": (8, 2.0 ** -3, 240.0, None, 2.0 ** -7, 1.0),
                    "float8_e5m2fnuz": (8, 2.0 ** -3, 57344.0, None, 2.0 ** -15, 1.0),
                    "float8_e8m0fnu": (8, 1.0, 2.0 ** 127, 2.0 ** -127, 2.0 ** -127, 1.0)}   # unsigned: min > 0


def give_numpy_dtypes_torch_flags():
    """Opt in to dtype.is_floating_point, .is_complex and .is_signed on NumPy's own dtypes too. nn's dtypes
    (Tensor.dtype) have them; `.data`, `.grad` and the values of state_dict() are NumPy arrays, whose dtypes are
    NumPy's (NumPy's own code reads `type(a.dtype)`), and yolov5's EMA asks `v.dtype.is_floating_point` of
    state_dict() values. NumPy's dtype type refuses new attributes, so this puts three read-only properties
    into np.dtype's own namespace (CPython's type dict, reached through the mapping proxy's referent;
    PyType_Modified drops the stale attribute caches): a change to NumPy for the whole process, which is why `import nn` never makes it and a program asks for it by calling
    this. NumPy has no attributes of these names. Returns False where it cannot (other interpreters); there
    `tensor.is_floating_point()` remains the way to ask."""
    import ctypes
    import gc
    flags = {"is_floating_point": property(lambda dt: dt.kind == "f"),
             "is_complex": property(lambda dt: dt.kind == "c"),
             "is_signed": property(lambda dt: dt.kind in "fci")}     # bool and unsigned ints are not (torch's)
    try:
        namespace = next(r for r in gc.get_referents(np.dtype.__dict__) if isinstance(r, dict))
        for name, value in flags.items():
            namespace.setdefault(name, value)
        ctypes.pythonapi.PyType_Modified(ctypes.py_object(np.dtype))
    except (StopIteration, AttributeError, TypeError, ValueError):
        return False
    return True


_NO_TYPE = object()          # finfo() with no argument (the default dtype's); an explicit None is refused


def _info_type(type, fn):
    """type, finfo / iinfo's argument as PyTorch's parser takes it: a dtype or Python's float / int / bool (nn also
    takes a NumPy dtype: state_dict() values and `.numpy()` arrays carry NumPy's); a name ('float32'), None, a number
    or NumPy's scalar class (np.float32) is its TypeError."""
    if isinstance(type, (dtype, _NameOnly, np.dtype)) or any(type is t for t in (builtins.float, builtins.int,
                                                                                 builtins.bool)):
        return type
    from .tensor import parser_type_name            # (nn.tensor imports this module)
    raise TypeError(f"{fn}(): argument 'type' (position 1) must be torch.dtype, not {parser_type_name(type)}")


class finfo:
    """Machine limits of a floating dtype (the default one when none is given), as torch.finfo: bits, and eps, max,
    min, tiny (= smallest_normal), resolution as Python floats (NumPy's would be float32 scalars for float32, whose
    arithmetic rounds and overflows in float32: finfo(float32).max * 10 is inf there); dtype, the dtype's name."""

    def __init__(self, type=_NO_TYPE):
        number = builtins.float                # (float and int are nn's dtypes in this module)
        type = None if type is _NO_TYPE else _info_type(type, "finfo")
        if isinstance(type, _NameOnly) and type.name in _NAME_ONLY_FINFO:     # bfloat16, the float8s
            self.bits, self.eps, self.max, low, self.tiny, self.resolution = _NAME_ONLY_FINFO[type.name]
            self.dtype, self.min = type.name, -self.max if low is None else low
            self.smallest_normal = self.tiny
            return
        # float16 is a name only for tensors here, but its limits are NumPy's
        dt = get_default_dtype() if type is None else float16 if type == float16 else to_dtype(type)
        if np.dtype(dt).kind not in "fc":       # PyTorch's TypeError (NumPy's finfo raises ValueError)
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = np.finfo(dt)
        self.bits, self.dtype = builtins.int(info.bits), info.dtype.name
        self.eps, self.max, self.min = number(info.eps), number(info.max), number(info.min)
        self.tiny = self.smallest_normal = number(info.tiny)
        self.resolution = 10.0 ** -info.precision

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as torch.iinfo: bits, min and max as Python ints, dtype the dtype's name; printed
    as PyTorch's, the limits in C++'s 6 significant digits (allennlp's info_value_of_dtype hands it on)."""

    def __init__(self, type):
        type = _info_type(type, "iinfo")
        floating_name = type == float16 or isinstance(type, _NameOnly) and type.name in _NAME_ONLY_FINFO
        dt = np.dtype(np.float16 if floating_name else to_dtype(type))  # (names only here: refused below, as finfo's)
        if dt.kind == "b":          # PyTorch's TypeErrors (NumPy's iinfo raises ValueError)
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if dt.kind not in "iu":
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(dt)
        self.bits, self.min, self.max, self.dtype = builtins.int(info.bits), builtins.int(info.min), builtins.int(
            info.max), dt.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def to_dtype(dtype, what="dtype"):
    """np.dtype from nn.float32 / np.float32 / "float32" / Python float, int, bool (as PyTorch reads them)."""
    if dtype is builtins.float:                 # Python's float is a double: torch.float64 too
        return float64
    if dtype is builtins.int:
        return int64
    if dtype is builtins.bool:
        return np.dtype(np.bool_)
    try:
        dt = dtype.name if isinstance(dtype, _NameOnly) else np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{what} must be a dtype such as nn.float32 or nn.int64, got {dtype!r}") from None
    if dt not in SUPPORTED:
        raise TypeError(f"{what} {dt} is not supported: a Tensor holds float32, float64, complex64, complex128, "
                        f"int64, int32, int16, int8, uint8 or bool")
    return dt


def is_floating(dtype):
    return np.dtype(dtype).kind == "f"


def to_complex(dtype):
    """The complex dtype of a real one's precision (float64 -> complex128; float32 and the rest -> complex64),
    as torch.dtype.to_complex; a complex dtype is kept."""
    dtype = np.dtype(dtype)
    return dtype if dtype.kind == "c" else complex128 if dtype == float64 else complex64


def to_real(dtype):
    """The real dtype of a complex one's precision (complex64 -> float32), as torch.dtype.to_real."""
    dtype = np.dtype(dtype)
    return np.dtype(dtype.char.lower()) if dtype.kind == "c" else dtype


_default_float = [float32]


def get_default_dtype():
    """The floating dtype of new Tensors and layers made from Python numbers: float32 unless set_default_dtype
    changed it, as PyTorch's."""
    return _default_float[0]


def set_default_dtype(dtype):
    """Make float32 or float64 the dtype of new floating Tensors (from Python floats, the float factories, true
    division of integers) and of new layers' parameters, as torch.set_default_dtype. Tensors that exist, and
    NumPy arrays given as data, keep theirs."""
    dt = to_dtype(dtype)
    if dt not in (float32, float64):
        raise TypeError(f"set_default_dtype: only float32 and float64 are supported, got {dtype!r}")
    _default_float[0] = float32 if dt == float32 else float64


# -- promotion: the dtype of an op's result (PyTorch's rules, on NumPy dtypes) --

CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}    # bool < integer < floating < complex (by dtype kind)


def result_dtype(a, b):
    """dtype of an op on ndarrays a and b, as PyTorch promotes: a 0-d operand beside one with dims decides the
    dtype only when its category (bool < integer < floating) is higher (float32 x times a 0-d float64 tensor
    stays float32, as there); otherwise a floating operand wins, else NumPy's promotion."""
    if a.dtype == b.dtype:                  # the common case, first
        return a.dtype
    if (a.ndim == 0) != (b.ndim == 0):
        dims, zero = (b, a) if a.ndim == 0 else (a, b)
        if CATEGORY[zero.dtype.kind] <= CATEGORY[dims.dtype.kind]:
            return dims.dtype
        if zero.dtype.kind == "c" and dims.dtype.kind == "f":      # a 0-d complex beside floats keeps their
            return to_complex(dims.dtype)                           # precision (complex64 next to float32)
        return zero.dtype
    ka, kb = CATEGORY[a.dtype.kind], CATEGORY[b.dtype.kind]
    if max(ka, kb) >= 2 and ka != kb:       # floating or complex beside a lower category
        high, low = (a.dtype, b.dtype) if ka > kb else (b.dtype, a.dtype)
        if high.kind == "c" and low.kind == "f":        # complex64 with float64: complex128
            return np.result_type(high, low)
        return high
    return np.result_type(a.dtype, b.dtype)


def scalar_dtype(value, dtype):
    """dtype a python/NumPy scalar (or list) takes next to a Tensor of ``dtype`` (as PyTorch)."""
    kind = np.asarray(value).dtype.kind
    if kind == "c":                         # x * 1j: complex of x's precision (the default one for integers)
        return to_complex(dtype if dtype.kind in "fc" else get_default_dtype())
    if kind == "b":
        return dtype
    if kind in "iu":
        return dtype if dtype.kind != "b" else np.dtype(np.int64)
    return dtype if dtype.kind in "fc" else get_default_dtype()


# PyTorch's ScalarType names, as its error messages print them ("result type Float can't be cast to ... Long")
SCALAR_TYPE_NAMES = {"complex64": "ComplexFloat", "complex128": "ComplexDouble", "float32": "Float",
                     "float64": "Double", "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                     "uint8": "Byte", "bool": "Bool", "float16": "Half", "bfloat16": "BFloat16"}
# the C++ element types PyTorch's messages name ("value cannot be converted to type float", "Could not set tensor of
# type double to a tensor of type float")
C_TYPE_NAMES = {"float16": "at::Half", "float32": "float", "float64": "double", "int64": "long", "int32": "int",
                "int16": "short", "int8": "char", "uint8": "unsigned char", "bool": "bool"}
# the element types as C++'s typeid prints them (masked_fill_'s message for a non-bool mask, the legacy
# constructors' TensorOptions)
TYPEID_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
                "uint8": "unsigned char", "float16": "c10::Half", "float32": "float", "float64": "double",
                "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}
_LARGEST = {np.dtype(t): builtins.float(np.finfo(t).max) for t in (np.float16, np.float32, np.float64)}
FLOAT32_MAX = _LARGEST[np.dtype(np.float32)]     # (a Python float: compared with numbers on hot paths)


def scalar_type_name(dt):
    """PyTorch's ScalarType name of a dtype (NumPy's or nn's, or its name), as its messages print it: Float."""
    name = dt if isinstance(dt, str) else dt.name
    return SCALAR_TYPE_NAMES.get(name, name)


def scalar_type_mismatch(expected, found):
    """PyTorch's RuntimeError for a tensor of dtype found where a kernel takes only dtype expected (a weight, a
    second operand): "expected scalar type Float but found Double"."""
    return RuntimeError(f"expected scalar type {scalar_type_name(expected)} but found {scalar_type_name(found)}")


def kernel_not_implemented(kernel, dtype):
    """PyTorch's NotImplementedError of a CPU kernel not built for dtype (a draw, a selection or a sort into
    bool / integer / complex): '"median_cpu" not implemented for 'Bool''."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_type_name(dtype)}'")


def refuse_kinds(dtype, kinds, kernel):
    """Raise kernel_not_implemented(kernel, dtype) if dtype's NumPy kind is one of kinds ('b' bool, 'i' / 'u'
    integers, 'c' complex): the dtypes PyTorch's CPU kernel of that name is not built for."""
    if np.dtype(dtype).kind in kinds:
        raise kernel_not_implemented(kernel, dtype)


def refuse_not_floating_or_complex(dtype, op):
    """PyTorch's RuntimeError of a linalg op (linalg.vector_norm under Tensor.norm and F.normalize,
    linalg.matrix_norm, ...) given an integer or bool tensor: "linalg.vector_norm: Expected a floating point or
    complex tensor as input. Got Long"."""
    if np.dtype(dtype).kind not in "fc":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got "
                           f"{scalar_type_name(dtype)}")


def norm_dtype(input_dtype, dtype, op):
    """The dtype a norm of an input of input_dtype computes in, given its dtype= (not None), after PyTorch's checks
    of it in its words ("linalg.vector_norm: ..."): floating or complex, of the input's kind (a complex input's norm
    is real: complex128 gives float64), and no narrower than the input."""
    have = np.dtype(input_dtype)
    want = dtype.name if isinstance(dtype, _NameOnly) else np.dtype(dtype)     # (bfloat16 has no NumPy dtype)
    kind = ("c" if want.startswith("complex") else "f") if isinstance(want, str) else want.kind
    if kind not in "fc":
        raise RuntimeError(f"{op}: dtype should be floating point or complex, but got {scalar_type_name(want)}")
    if kind != have.kind:
        which = "real" if kind == "c" else "complex"
        raise RuntimeError(f"{op}: dtype should be {which} for {which} inputs, but got {scalar_type_name(want)}")
    if isinstance(want, str) or np.promote_types(have, want) != want:
        raise RuntimeError(f"{op}: the dtype of the input ({scalar_type_name(have)}) should be convertible without "
                           f"narrowing to the specified dtype ({scalar_type_name(want)})")
    return want


def refuse_norm_input(dtype):
    """PyTorch's RuntimeError of norm (torch.dist, torch.native_norm) for an integer or bool input."""
    if np.dtype(dtype).kind not in "fc":
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                           f"{scalar_type_name(dtype)} instead.")


def bmm_kernel(op, work):
    """The CPU kernel PyTorch's bmm / baddbmm runs one (m, k) @ (k, n) product of work = m * k * n multiply-adds
    in, as its refusal of a bool operand names it: its own loop below 400 (op), else addmm over the batch."""
    return op if work < 400 else "addmm_impl_cpu_"


def bmm_scalar_type_mismatch(first, second, work, op="bmm"):
    """PyTorch's RuntimeError for a batched product (bmm, baddbmm, matmul's batched path) of two dtypes; work =
    m * k * n of one (m, k) @ (k, n) product. Its CPU bmm loops naively below 400 multiply-adds, in the first
    operand's dtype (none for bool: a NotImplementedError), and names that dtype as the expected one; from 400 on
    it reads the second operand as the expected one when that is float32 / float64 / complex (its BLAS types), and
    otherwise refuses as mm does (baddbmm in its own words)."""
    if work < 400:
        return kernel_not_implemented(op, "bool") if first == "bool" else scalar_type_mismatch(first, second)
    if second in ("float32", "float64", "complex64", "complex128"):
        return scalar_type_mismatch(second, first)
    if op == "baddbmm":
        return RuntimeError(f"mat1 and mat2 must have the same dtype, but got {scalar_type_name(first)} and "
                            f"{scalar_type_name(second)}")
    return RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {typeid_name(first)} != "
                        f"{typeid_name(second)}")


def typeid_name(dt):
    """The C++ typeid name of a dtype's element type, as PyTorch's messages print it: long int."""
    name = dt if isinstance(dt, str) else dt.name
    return TYPEID_NAMES.get(name, name)


def type_string(dt):
    """A tensor type as PyTorch's Tensor::toString prints it in messages (stft's, a complex convolution's): the
    legacy name torch.DoubleTensor for a real dtype, CPUComplexFloatType for a complex one and CPUBoolType for bool
    (the two kinds without a legacy name: expand's message)."""
    name = dt if isinstance(dt, str) else np.dtype(dt).name
    scalar = SCALAR_TYPE_NAMES.get(name, name.title())
    return f"CPU{scalar}Type" if name.startswith("complex") or name == "bool" else f"torch.{scalar}Tensor"


def checked_fill(value, dtype):
    """A fill value (full, fill_, masked_fill) checked against the dtype, as PyTorch: a finite number beyond a
    floating dtype's range is a RuntimeError (full(n, finfo(float64).min) in float32), not inf; so is a number an
    integer dtype cannot hold (fill_(300) in uint8), by `int_overflows`; a complex dtype's parts are checked against
    its float's range, and a complex number with an imaginary part overflows a real dtype. Returns the value, as a
    NumPy scalar of an integer dtype (cast as PyTorch casts it; a complex number's real part for a real dtype). A
    Python int beyond uint64 is first the Scalar parse's OverflowError (refuse_big_int), whatever the dtype."""
    refuse_big_int(value)
    dtype = np.dtype(dtype)
    if dtype.kind == "b" and isinstance(value, numbers.Number):
        return builtins.bool(value)     # any number is a bool (2 ** 63 too, which NumPy cannot cast from)
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        value = builtins.complex(value)
        if dtype.kind != "c":           # c10's rule: a complex number with an imaginary part (NaN too) overflows
            if value.imag != 0:         # (NaN != 0)
                name = C_TYPE_NAMES[dtype.name] if dtype.kind == "f" else _FILL_INT_NAMES[dtype.name]
                raise RuntimeError(f"value cannot be converted to type {name} without overflow")
            value = value.real          # (then checked as the real number)
    if dtype.kind == "c" and isinstance(value, numbers.Number) and not isinstance(value, (builtins.bool, np.bool_)):
        # each part against its float's range (full(n, 1e40, dtype=complex64) is PyTorch's error, not inf)
        part = _LARGEST[np.dtype(f"f{dtype.itemsize // 2}")]
        z = builtins.complex(value)
        if part < builtins.abs(z.real) < math.inf or part < builtins.abs(z.imag) < math.inf:
            raise RuntimeError(f"value cannot be converted to type {TYPEID_NAMES[dtype.name]} without overflow")
        return value
    if not isinstance(value, numbers.Real) or isinstance(value, (builtins.bool, np.bool_)):
        return value
    largest = _LARGEST.get(dtype)
    # (a NumPy float compared as a Python float: np.float32(3) against float64's largest warned "overflow
    # encountered in cast", NumPy casting the largest to float32)
    if largest is not None and largest < builtins.abs(builtins.float(value)) < math.inf:
        raise RuntimeError(f"value cannot be converted to type {C_TYPE_NAMES[dtype.name]} without overflow")
    if dtype.kind in "iu":
        if int_overflows(value, dtype):
            raise RuntimeError(f"value cannot be converted to type {_FILL_INT_NAMES[dtype.name]} without overflow")
        if not isinstance(value, numbers.Integral):
            with np.errstate(invalid="ignore"):     # (2.0 ** 63, int64's max as a double, passes c10's check)
                return np.float64(value).astype(dtype)[()]
        if dtype.kind == "u" and value < 0:
            return builtins.int(value) % (_INT_RANGES[dtype][1] + 1)   # a negative fill wraps (uint8: -1 -> 255)
    return value


def scalar_of(value, dtype):
    """A Scalar argument (addmm's beta and alpha) as a kernel of dtype reads it: c10's checked_convert, checked_fill's
    rule (an integer dtype truncates a float, 2.5 -> 2, and refuses one beyond its range, -0.5 for uint8; a real
    dtype refuses a complex number with an imaginary part), as a Python number, so NumPy keeps the array's dtype."""
    if type(value) is builtins.int and (dtype.kind in "fc" or value in (0, 1) and dtype.kind != "b"):
        return value            # (the common beta=1, alpha=1: nothing to convert)
    value = checked_fill(value.item() if isinstance(value, np.generic) else value, dtype)
    return value.item() if isinstance(value, np.generic) else value


# the integer types as PyTorch's fill messages name them
_FILL_INT_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t"}


# each integer dtype's (min, max), as Python ints
_INT_RANGES = {np.dtype(t): (builtins.int(np.iinfo(t).min), builtins.int(np.iinfo(t).max))
               for t in (np.uint8, np.int8, np.int16, np.int32, np.int64, np.uint16, np.uint32, np.uint64)}


def refuse_int_overflow(values, dtype):
    """PyTorch's RuntimeError when Python numbers (as the ndarray `values`) stored into the integer dtype overflow
    (tensor([300], dtype=uint8), ByteTensor([300])); an array's own cast is never checked (it wraps, as PyTorch's)."""
    if dtype.kind in "iu" and values.dtype != dtype and int_overflows(values, dtype):
        raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")


def refuse_big_int(value):
    """PyTorch's parse of a Python int given as a Scalar argument (full's and fill_'s value, arange's and linspace's
    ends), before any dtype is looked at: int64, or uint64 for one in [2**63, 2**64) (then checked against the
    dtype: full(n, 2**63) is 'cannot be converted to type int64_t'); beyond, Python's OverflowError as there."""
    if isinstance(value, builtins.int) and not isinstance(value, builtins.bool):
        if value >= 2 ** 64:
            raise OverflowError("int too big to convert")
        if value < -2 ** 63:
            raise OverflowError("can't convert negative int to unsigned")


def holds_big_int(data, arr):
    """Whether Python data, read by NumPy as arr, hold an int beyond int64: NumPy reads [2**63] as uint64 and
    [2**63, 1] as float64 (then wrapped into int64, or a float where PyTorch's store refuses it). A float64 array is
    looked into only where a value is that large (vdot: one C pass, ~0.5 us)."""
    if arr.dtype == np.uint64:
        return True
    if arr.dtype != np.float64 or not np.vdot(arr, arr) >= 2.0 ** 126:
        return False

    def big(d):
        if isinstance(d, (list, tuple)):
            return any(map(big, d))
        return type(d) is builtins.int and not -2 ** 63 <= d < 2 ** 63
    return big(data)


def int_overflows(values, dtype):
    """Whether numbers (an ndarray, or one real number: a fill value) stored into the integer dtype overflow, by
    c10's `overflows` rule, which tensor(data, dtype=...) and the fills apply: a float outside [lowest, max] (compared
    as floats, as c10 does) or NaN; an integer outside [min, max], except that an unsigned dtype takes negatives down
    to -max (they wrap: uint8 fill_(-1) is 255)."""
    low, high = _INT_RANGES[np.dtype(dtype)]
    lowest = -high if low == 0 else low
    if not isinstance(values, np.ndarray):          # one number, in Python arithmetic (a fill: ~10x cheaper)
        if isinstance(values, numbers.Integral):
            return not lowest <= builtins.int(values) <= high
        value = builtins.float(values)
        return not builtins.float(low) <= value <= builtins.float(high)       # (NaN too)
    if values.size == 0 or values.dtype.kind not in "iuf":
        return False
    if values.dtype.kind == "f":
        return builtins.bool(np.isnan(values).any()) or values.min() < low or values.max() > high
    return builtins.int(values.min()) < lowest or builtins.int(values.max()) > high


def float_dtype(dtype):
    """dtype a float-only op (exp, sigmoid, sqrt, ...) computes in: a floating dtype is kept, an integer or bool
    one gives the default float dtype (as PyTorch's sigmoid(int64) is float32)."""
    return dtype if dtype.kind in "fc" else get_default_dtype()


class QuietNumPy:
    """with QuietNumPy(): NumPy gives inf and NaN silently, whatever the caller's np.errstate says, as PyTorch's ops
    do: under NumPy's default, inf - inf warned "invalid value encountered in subtract" (torchgfn's SubTB loss on
    every call), and under np.errstate(all="raise") it raised (TorchIO runs every transform so, and its RandomGamma
    inverse multiplies 0 by 0 ** -0.2 = inf). NumPy 2 keeps its error state in a context variable: setting it
    costs ~0.2 µs, where np.errstate() costs ~3 µs."""
    __slots__ = ("_token",)

    def __enter__(self):
        self._token = _NP_ERRSTATE.set(_NP_IGNORE_ALL)

    def __exit__(self, *exc):
        _NP_ERRSTATE.reset(self._token)


def quietly(op, *args, **kwargs):
    """op(*args, **kwargs) (a NumPy function) under QuietNumPy, its two steps written out: the element-wise ops' hot
    path (the context manager's calls cost ~0.8 µs more per op)."""
    token = _NP_ERRSTATE.set(_NP_IGNORE_ALL)
    try:
        return op(*args, **kwargs)
    finally:
        _NP_ERRSTATE.reset(token)


try:
    from numpy._core.umath import _extobj_contextvar as _NP_ERRSTATE, _make_extobj
    _NP_IGNORE_ALL = _make_extobj(all="ignore")
except ImportError:     # NumPy 1: its errstate
    def QuietNumPy():  # noqa: F811
        return np.errstate(all="ignore")

    def quietly(op, *args, **kwargs):  # noqa: F811
        with np.errstate(all="ignore"):
            return op(*args, **kwargs)


def _part_size(dt):
    """The bytes of a floating dtype's number, or of each part of a complex one (complex64: 4, as float32's), so that
    float64 -> complex64 is seen to narrow."""
    return dt.itemsize // 2 if dt.kind == "c" else dt.itemsize


_IMAGINARY_DISCARDED = []      # PyTorch's warning below is TORCH_WARN_ONCE: once a process


def real_for_cast(a, dtype):
    """a complex array a about to be cast to a real dtype -> its real part, with PyTorch's warning, once a process
    (its copy kernel's TORCH_WARN_ONCE), where NumPy's astype warned a ComplexWarning at every cast (torch-hd's HRR
    multibind, torch.prod(fft(x), dtype=float64), on every call); any other a as it is."""
    if a.dtype.kind != "c" or np.dtype(dtype).kind == "c":
        return a
    if not _IMAGINARY_DISCARDED:
        _IMAGINARY_DISCARDED.append(True)
        from .caller_warnings import warn_at_caller  # noqa: PLC0415 - only the warning needs it
        warn_at_caller("Casting complex values to real discards the imaginary part")
    return a.real


def cast(a, dtype):
    """a as dtype (a itself when it is so). A narrowing cast quietly, as PyTorch casts: a float64 beyond float32's
    range is inf (float32 + a 0-d float64 tensor of 1e39), where NumPy warns "overflow encountered in cast"."""
    if a.dtype == dtype:
        return a
    a = real_for_cast(a, dtype)
    if a.dtype.kind in "fc" and (dtype.kind in "biu" or _part_size(dtype) < _part_size(a.dtype)):   # (may overflow)
        return quietly(a.astype, dtype)
    return a.astype(dtype)


# defined last: these names shadow Python's builtins in this module
float = float32
int = int32
bool = bool_
