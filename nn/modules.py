"""Module, Parameter, containers and layers, with PyTorch's names, shapes and defaults.

A Module keeps three ordered registries, filled automatically by attribute
assignment (``self.fc = Linear(2, 3)``, ``self.w = Parameter(...)``):

- ``_parameters``: trainable Parameters (Tensors with requires_grad=True),
- ``_buffers``: plain ndarrays that are state but not trained (BatchNorm's running
  statistics), added with ``register_buffer``,
- ``_modules``: child Modules.

``state_dict()`` walks them recursively and names entries like PyTorch does
(``0.weight``, ``encoder.conv1.bias``, ``bn.running_mean``), so weights can move
between this library and PyTorch with ``torch.from_numpy`` / ``.numpy()``.

Layers hold their Parameters and call ``nn.functional`` in ``forward``; default
initialisation is PyTorch's ``reset_parameters`` drawn from nn's seeded RNG.
"""
import math
import numbers
from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from . import functional as F
from . import init
from .tensor import Tensor

__all__ = ["Parameter", "Module", "Sequential", "ModuleList", "Linear", "Conv2d", "ConvTranspose2d",
           "Upsample", "BatchNorm2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "MaxPool2d", "AvgPool2d",
           "Dropout", "Flatten", "Identity", "StateDictError", "IncompatibleKeys"]


class Parameter(Tensor):
    """A Tensor that a Module registers as trainable (requires_grad=True by default)."""

    def __init__(self, data, requires_grad=True):
        if isinstance(data, Tensor):
            data = data.data
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + repr(self.data)


class StateDictError(KeyError):
    """load_state_dict found missing / unexpected keys or mismatched shapes.

    A KeyError subclass (as the problem is about keys) whose message lists every problem.
    ``missing_keys``, ``unexpected_keys`` and ``shape_mismatches`` hold the details.
    """

    def __init__(self, message, missing_keys=(), unexpected_keys=(), shape_mismatches=()):
        super().__init__(message)
        self.message = message
        self.missing_keys = list(missing_keys)
        self.unexpected_keys = list(unexpected_keys)
        self.shape_mismatches = list(shape_mismatches)

    def __str__(self):  # KeyError would repr() the message, quoting it; print it plainly
        return self.message


class IncompatibleKeys(NamedTuple):
    """What load_state_dict returns (as PyTorch): keys it could not match when strict=False."""
    missing_keys: list
    unexpected_keys: list


# ---------------------------------------------------------------------------------------------
# Argument checks shared by the layers
# ---------------------------------------------------------------------------------------------

def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        rule = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {rule}, got {value!r}")
    return int(value)


def _pair(name, value, minimum):
    """int or 2-sequence of ints -> tuple of two ints, each >= minimum."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return (_check_int(name, value[0], minimum), _check_int(name, value[1], minimum))
    v = _check_int(name, value, minimum)
    return (v, v)


def _check_float(name, value, low=None, high=None, low_open=False, high_open=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value}")
    return value


def _check_input_ndim(module, x, ndim, layout):
    if x.ndim != ndim:
        raise ValueError(f"{type(module).__name__} expects a {ndim}-D input {layout}, "
                         f"got shape {tuple(x.shape)}")


# ---------------------------------------------------------------------------------------------
# Module
# ---------------------------------------------------------------------------------------------

class Module:
    """Base class of every layer and model (as torch.nn.Module).

    Subclasses call ``super().__init__()`` first, assign Parameters / Modules as
    attributes, and define ``forward``. Calling the module calls ``forward``.
    """

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    # ---- registration by attribute assignment ----------------------------------------------

    def _registries(self, name):
        try:
            return (object.__getattribute__(self, "_parameters"), object.__getattribute__(self, "_buffers"),
                    object.__getattribute__(self, "_modules"))
        except AttributeError:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() call: call "
                                 f"super().__init__() first in {type(self).__name__}.__init__") from None

    def __setattr__(self, name, value):
        if isinstance(value, (Parameter, Module)) or name in self.__dict__.get("_parameters", ()) \
                or name in self.__dict__.get("_buffers", ()) or name in self.__dict__.get("_modules", ()):
            params, buffers, modules = self._registries(name)
        else:
            object.__setattr__(self, name, value)
            return
        if isinstance(value, Parameter):
            self._discard(name)
            params[name] = value
        elif isinstance(value, Module):
            self._discard(name)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter {name!r} "
                                "(nn.Parameter or None expected)")
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module {name!r} "
                                "(nn.Module or None expected)")
            modules[name] = None
        else:  # a buffer
            buffers[name] = self._check_buffer(name, value)

    def _discard(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            self.__dict__[registry].pop(name, None)
        self.__dict__.pop(name, None)
        self.__dict__["_non_persistent_buffers"].discard(name)

    @staticmethod
    def _check_buffer(name, value):
        if value is None or isinstance(value, np.ndarray):
            return value
        raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} (ndarray or None expected)")

    def __getattr__(self, name):
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(registry, ()):
                del self.__dict__[registry][name]
                self.__dict__["_non_persistent_buffers"].discard(name)
                return
        object.__delattr__(self, name)

    def _check_new_name(self, kind, name):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name must be a str, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f"{kind} name can't be empty or contain '.', got {name!r}")
        self._registries(name)
        if hasattr(self, name) and not any(name in self.__dict__[r] for r in
                                           ("_parameters", "_buffers", "_modules")):
            raise KeyError(f"attribute {name!r} already exists")

    def register_parameter(self, name, param):
        """Add a Parameter (or None, a declared-but-absent parameter such as a missing bias)."""
        self._check_new_name("parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign {type(param).__name__} as parameter {name!r} "
                            "(nn.Parameter or None expected)")
        self._discard(name)
        self._parameters[name] = param

    def register_buffer(self, name, array, persistent=True):
        """Add a buffer: an ndarray of state that is saved in state_dict but not trained.

        ``persistent=False`` keeps it out of state_dict.
        """
        self._check_new_name("buffer", name)
        self._discard(name)
        self._buffers[name] = self._check_buffer(name, array)
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a child module (or None)."""
        self._check_new_name("module", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._discard(name)
        self._modules[name] = module

    # ---- traversal -------------------------------------------------------------------------

    def named_modules(self, memo=None, prefix=""):
        """Yield (name, module) for this module and all descendants, pre-order, each once."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            yield from child.named_modules(memo, prefix + ("." if prefix else "") + name)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry, recurse):
        seen = set()
        modules = self.named_modules() if recurse else [("", self)]
        for mod_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))  # a shared parameter is listed once
                yield (mod_prefix + "." if mod_prefix else "") + name, value

    def named_parameters(self, recurse=True):
        yield from self._named_members("_parameters", recurse)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse):
            yield p

    def named_buffers(self, recurse=True):
        yield from self._named_members("_buffers", recurse)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse):
            yield b

    def apply(self, fn):
        """Call fn(m) on every child (recursively) and then on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- mode, gradients, dtype -------------------------------------------------------------

    def train(self, mode=True):
        """Set training mode (Dropout active, BatchNorm uses batch statistics) recursively."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        """Set evaluation mode (same as train(False))."""
        return self.train(False)

    def zero_grad(self):
        """Reset the gradient of every parameter to None (PyTorch's default set_to_none=True)."""
        for p in self.parameters():
            p.grad = None

    def to(self, dtype):
        """Cast every floating parameter and buffer to ``dtype`` (e.g. np.float64 for gradcheck)."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"Module.to expects a floating dtype, got {dtype}")
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None and p.data.dtype != dtype:
                    p.data = p.data.astype(dtype)
                    p.grad = None
            for name, b in m._buffers.items():
                if b is not None and b.dtype.kind == "f":
                    m._buffers[name] = b.astype(dtype)
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    # ---- calling ----------------------------------------------------------------------------

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define forward() in the subclass")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- state dict -------------------------------------------------------------------------

    def _state_entries(self, prefix=""):
        """(key, ndarray holder, kind) in PyTorch's order: own params, own buffers, then children."""
        for name, p in self._parameters.items():
            if p is not None:
                yield prefix + name, p
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                yield prefix + name, (self, name)
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_entries(prefix + name + ".")

    @staticmethod
    def _entry_array(entry):
        if isinstance(entry, tuple):
            module, name = entry
            return module._buffers[name]
        return entry.data

    def state_dict(self):
        """OrderedDict name -> ndarray COPY of every parameter and persistent buffer.

        Keys as PyTorch: ``0.weight``, ``encoder.conv1.bias``, ``bn.running_mean``,
        ``bn.num_batches_tracked`` (int64, 0-d). Ready for ``nn.save``.
        """
        return OrderedDict((key, self._entry_array(entry).copy()) for key, entry in self._state_entries())

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays from ``state_dict`` into parameters and buffers (values cast to their dtype).

        With strict=True every key must match: missing and unexpected keys are reported
        together with any shape mismatch in ONE StateDictError (a KeyError), and nothing is
        modified. With strict=False missing / unexpected keys are allowed (shape mismatches
        still raise) and returned as IncompatibleKeys(missing_keys, unexpected_keys).
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"expected a dict of name -> ndarray, got {type(state_dict).__name__}")
        entries = OrderedDict(self._state_entries())
        missing = [k for k in entries if k not in state_dict]
        unexpected = [k for k in state_dict.keys() if k not in entries]
        mismatched, values = [], {}
        for key, entry in entries.items():
            if key not in state_dict:
                continue
            target = self._entry_array(entry)
            value = state_dict[key]
            if isinstance(value, Tensor):
                value = value.data
            value = np.asarray(value)
            if value.shape != target.shape:
                mismatched.append((key, tuple(value.shape), tuple(target.shape)))
            elif not (value.dtype.kind in "biuf"):
                mismatched.append((key, f"dtype {value.dtype}", f"numeric dtype {target.dtype}"))
            else:
                values[key] = value
        if mismatched or (strict and (missing or unexpected)):
            lines = [f"Error(s) in loading state_dict for {type(self).__name__}:"]
            if strict and missing:
                lines.append("  Missing key(s): " + ", ".join(repr(k) for k in missing))
            if strict and unexpected:
                lines.append("  Unexpected key(s): " + ", ".join(repr(k) for k in unexpected))
            for key, got, want in mismatched:
                lines.append(f"  size mismatch for {key!r}: copying a param with shape {got} from the "
                             f"state_dict, the shape in the current model is {want}")
            raise StateDictError("\n".join(lines), missing if strict else (),
                                 unexpected if strict else (), mismatched)
        for key, value in values.items():
            # In-place copy: the Parameter objects (which optimizers hold) stay the same.
            target = self._entry_array(entries[key])
            target[...] = value.astype(target.dtype, copy=False)
        return IncompatibleKeys(missing, unexpected)

    # ---- printing ---------------------------------------------------------------------------

    def extra_repr(self):
        """One-line description of this module's settings, shown inside its repr."""
        return ""

    def __repr__(self):
        lines = [f"({name}): " + _indent(repr(child), 2) for name, child in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}(" + (f"{extra}" if extra else "")
        return head + "\n" + "\n".join("  " + line for line in lines) + "\n)"


def _indent(text, spaces):
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


# ---------------------------------------------------------------------------------------------
# Containers
# ---------------------------------------------------------------------------------------------

class Sequential(Module):
    """Modules applied in order. ``Sequential(a, b)`` names them '0', '1';
    ``Sequential(OrderedDict(name=module, ...))`` keeps the given names.
    Indexable (int or slice), has len() and iteration."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, self._check_module(module, name))
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), self._check_module(module, i))

    @staticmethod
    def _check_module(module, where):
        if not isinstance(module, Module):
            raise TypeError(f"Sequential entry {where!r} is a {type(module).__name__}, not an nn.Module")
        return module

    def _index(self, idx):
        n = len(self._modules)
        if isinstance(idx, bool) or not isinstance(idx, numbers.Integral):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, got {type(idx).__name__}")
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range for {type(self).__name__} of length {n}")
        return int(idx) % n

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx)]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), self._check_module(module, len(self)))
        return self

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x


class ModuleList(Module):
    """A list of modules, registered as '0', '1', ... (it has no forward of its own)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _check_module(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList entries must be nn.Module, got {type(module).__name__}")
        return module

    def _index(self, idx):
        return Sequential._index(self, idx)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return list(self._modules.values())[self._index(idx)]

    def __setitem__(self, idx, module):
        self._modules[str(self._index(idx))] = self._check_module(module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), self._check_module(module))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(); iterate over it in your module's forward()")


# ---------------------------------------------------------------------------------------------
# Layers with parameters
# ---------------------------------------------------------------------------------------------

def _bias_bound(weight):
    """PyTorch's bias init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in as init computes it."""
    fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
    return 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0


def _reset_weight_and_bias(weight, bias):
    """PyTorch's default init for Linear and conv layers.

    kaiming_uniform_ with a = sqrt(5) draws the weight from U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    (PyTorch's historical default); the bias from the same range.
    """
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = _bias_bound(weight)
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """y = x @ weight.T + bias.   x: (N, in_features) -> y: (N, out_features).
    weight: (out_features, in_features), bias: (out_features,)."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features = _check_int("in_features", in_features, 1)
        self.out_features = _check_int("out_features", out_features, 1)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=np.float32))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=np.float32))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_weight_and_bias(self.weight, self.bias)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class _ConvNd(Module):
    """Shared parts of Conv2d and ConvTranspose2d (argument checks, init, repr)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, bias, weight_shape):
        super().__init__()
        self.in_channels = _check_int("in_channels", in_channels, 1)
        self.out_channels = _check_int("out_channels", out_channels, 1)
        self.kernel_size = _pair("kernel_size", kernel_size, 1)
        self.stride = _pair("stride", stride, 1)
        self.padding = padding
        self.weight = Parameter(np.empty(weight_shape(self.in_channels, self.out_channels, self.kernel_size),
                                         dtype=np.float32))
        if bias:
            self.bias = Parameter(np.empty(self.out_channels, dtype=np.float32))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_weight_and_bias(self.weight, self.bias)

    def _check_input(self, x):
        _check_input_ndim(self, x, 4, "(N, C, H, W)")
        if x.shape[1] != self.in_channels:
            raise ValueError(f"{type(self).__name__} expects {self.in_channels} input channels, "
                             f"got input of shape {tuple(x.shape)}")

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if getattr(self, "output_padding", (0, 0)) != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation, as PyTorch).
    x: (N, in_channels, H, W) -> y: (N, out_channels, Ho, Wo), Ho = (H + 2*ph - kh) // sh + 1.
    weight: (out_channels, in_channels, kh, kw), bias: (out_channels,).
    padding: int, pair, 'valid' (= 0) or 'same' (output size = input size; stride 1 only, as PyTorch)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True):
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"padding must be an int, a pair of ints, 'same' or 'valid', got {padding!r}")
            padding_ = (0, 0) if padding == "valid" else "same"
        else:
            padding_ = _pair("padding", padding, 0)
        if padding_ == "same" and _pair("stride", stride, 1) != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions (as in PyTorch); "
                             "use an explicit padding such as padding=kernel_size // 2")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding_, bias,
                         lambda cin, cout, k: (cout, cin) + k)

    def forward(self, x):
        self._check_input(x)
        return F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution (the gradient of Conv2d with respect to its input).
    x: (N, in_channels, H, W) -> y: (N, out_channels, Ho, Wo),
    Ho = (H - 1) * sh - 2 * ph + kh + output_padding_h.
    weight: (in_channels, out_channels, kh, kw) (PyTorch's layout), bias: (out_channels,).
    Init as PyTorch, whose fan_in here is weight.shape[1] * kh * kw = out_channels * kh * kw."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, bias=True):
        padding_ = _pair("padding", padding, 0)
        output_padding_ = _pair("output_padding", output_padding, 0)
        stride_ = _pair("stride", stride, 1)
        if output_padding_[0] >= stride_[0] or output_padding_[1] >= stride_[1]:
            raise ValueError(f"output_padding {output_padding_} must be smaller than stride {stride_}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding_, bias,
                         lambda cin, cout, k: (cin, cout) + k)
        self.output_padding = output_padding_

    def forward(self, x):
        self._check_input(x)
        return F.conv_transpose2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding,
                                  output_padding=self.output_padding)


class BatchNorm2d(Module):
    """Batch normalisation over (N, H, W) for each of C channels (Ioffe & Szegedy, 2015).
    x: (N, C, H, W) -> same shape. weight (gamma) and bias (beta): (C,) if affine.

    Training: normalise with the batch mean and biased variance, and update the running
    statistics in place: running = (1 - momentum) * running + momentum * batch, with the
    UNBIASED batch variance for running_var (as PyTorch); num_batches_tracked += 1.
    momentum=None uses a cumulative average (factor 1 / num_batches_tracked).
    Eval: normalise with the running statistics (if track_running_stats)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        self.num_features = _check_int("num_features", num_features, 1)
        self.eps = _check_float("eps", eps, low=0.0, low_open=True)
        self.momentum = None if momentum is None else _check_float("momentum", momentum, 0.0, 1.0)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_features, dtype=np.float32))
            self.bias = Parameter(np.zeros(self.num_features, dtype=np.float32))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype=np.float32))
            self.register_buffer("running_var", np.ones(self.num_features, dtype=np.float32))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def forward(self, x):
        _check_input_ndim(self, x, 4, "(N, C, H, W)")
        if x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm2d expects {self.num_features} channels, got input of shape {tuple(x.shape)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1  # in place on the 0-d int64 array
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch_stats = self.training or self.running_mean is None
        # In training with tracking, F.batch_norm updates the running arrays in place.
        track = (not self.training) or self.track_running_stats
        return F.batch_norm(x, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, training=use_batch_stats, momentum=factor, eps=self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


# ---------------------------------------------------------------------------------------------
# Layers without parameters
# ---------------------------------------------------------------------------------------------

class Upsample(Module):
    """Resize (N, C, H, W) by ``size`` (Ho, Wo) or ``scale_factor``; mode 'nearest' or 'bilinear'."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample needs exactly one of size or scale_factor")
        if mode not in ("nearest", "bilinear"):
            raise ValueError(f"Upsample mode must be 'nearest' or 'bilinear', got {mode!r}")
        if align_corners is not None and mode == "nearest":
            raise ValueError("align_corners can only be set with mode='bilinear'")
        if size is not None:
            size = _pair("size", size, 1)
        if scale_factor is not None:
            if isinstance(scale_factor, (tuple, list)):
                scale_factor = tuple(_check_float("scale_factor", s, 0.0, low_open=True) for s in scale_factor)
                if len(scale_factor) != 2:
                    raise ValueError(f"scale_factor must be a number or a pair, got {scale_factor!r}")
            else:
                scale_factor = _check_float("scale_factor", scale_factor, 0.0, low_open=True)
        self.size = size
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, x):
        _check_input_ndim(self, x, 4, "(N, C, H, W)")
        kwargs = {} if self.align_corners is None else {"align_corners": self.align_corners}
        return F.interpolate(x, size=self.size, scale_factor=self.scale_factor, mode=self.mode, **kwargs)

    def extra_repr(self):
        info = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return info + f", mode={self.mode!r}"


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair("kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else _pair("stride", stride, 1)
        self.padding = _pair("padding", padding, 0)
        if self.padding[0] > self.kernel_size[0] // 2 or self.padding[1] > self.kernel_size[1] // 2:
            raise ValueError(f"padding {self.padding} should be at most half of kernel_size {self.kernel_size}")
        # repr as PyTorch: plain ints when given as ints
        self._repr_args = (kernel_size, self.kernel_size[0] if stride is None else stride, padding)

    def extra_repr(self):
        k, s, p = self._repr_args
        return f"kernel_size={k}, stride={s}, padding={p}"


class MaxPool2d(_Pool2d):
    """Max over kh x kw windows. x: (N, C, H, W) -> (N, C, Ho, Wo); stride defaults to kernel_size;
    padding counts as -inf."""

    def forward(self, x):
        _check_input_ndim(self, x, 4, "(N, C, H, W)")
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """Mean over kh x kw windows (zero padding counted, as PyTorch's count_include_pad=True)."""

    def forward(self, x):
        _check_input_ndim(self, x, 4, "(N, C, H, W)")
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = _check_float("negative_slope", negative_slope)

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x):
        return F.tanh(x)


class Dropout(Module):
    """In training, zero each element with probability p and scale the rest by 1 / (1 - p);
    identity in eval mode. Uses nn's seeded RNG."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = _check_float("p (dropout probability)", p, 0.0, 1.0)

    def forward(self, x):
        return F.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Flatten(Module):
    """(N, C, H, W) -> (N, C*H*W): flattens dims start_dim..end."""

    def __init__(self, start_dim=1):
        super().__init__()
        if isinstance(start_dim, bool) or not isinstance(start_dim, numbers.Integral):
            raise ValueError(f"start_dim must be an int, got {start_dim!r}")
        self.start_dim = int(start_dim)

    def forward(self, x):
        return F.flatten(x, self.start_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}"


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for an optional layer)."""

    def forward(self, x):
        return x
