"""torch.ops: the operator namespaces (``torch.ops.aten.clone.default``), as names libraries register against.

PyG's Index / EdgeIndex / HashTensor modules key their ``__torch_dispatch__`` tables by ATen overloads at import
time (``@implements(aten.cat.default)``), so each ``torch.ops.<namespace>.<op>.<overload>`` is one hashable
object here too. nn has no dispatcher: such tables are never consulted by nn's own ops; calling an ATen overload
runs nn's function of the same name (``aten.cat.default(tensors, dim)`` is ``nn.cat``; ``aten.add_.Tensor(x, y)``
is ``x.add_(y)``; ``aten.slice``, which has no torch function, is ``x[..., start:end:step]`` along its dim).
Operators of other libraries' namespaces (``torch.ops.pyg.knn``) do not exist here: touching one raises
AttributeError, as PyTorch does for an operator that was never registered.
"""

__all__ = ["aten", "OpOverload", "OpOverloadPacket"]


class OpOverload:
    """One overload of an operator (``aten.sort.stable``): hashable, printable, callable."""

    def __init__(self, packet, overload):
        self._packet, self._overloadname = packet, overload
        self.__name__ = f"{packet._name}.{overload}"

    @property
    def overloadpacket(self):
        return self._packet

    def name(self):
        return f"{self._packet._namespace}::{self._packet._name}" + (
            "" if self._overloadname == "default" else f".{self._overloadname}")

    def __call__(self, *args, **kwargs):
        return self._packet(*args, **kwargs)

    def __repr__(self):
        return f"<OpOverload(op='{self._packet._namespace}.{self._packet._name}', overload='{self._overloadname}')>"

    def __str__(self):
        return f"{self._packet._namespace}.{self._packet._name}.{self._overloadname}"


class OpOverloadPacket:
    """An operator with its overloads as attributes (``aten.cat.default``); calling it runs nn's function."""

    def __init__(self, namespace, name):
        self._namespace, self._name, self._overloads = namespace, name, {}
        self.__name__ = name

    def __getattr__(self, overload):
        if overload.startswith("__"):
            raise AttributeError(overload)
        if overload not in self._overloads:
            self._overloads[overload] = OpOverload(self, overload)
        return self._overloads[overload]

    def __call__(self, *args, **kwargs):
        import nn
        name = self._name
        if self._namespace == "aten":
            if name.endswith("_") and not name.startswith("_") and args and isinstance(args[0], nn.Tensor):
                return getattr(args[0], name)(*args[1:], **kwargs)          # in place: the Tensor method
            fn = _ATEN_ONLY.get(name) or getattr(nn, name, None)
            if callable(fn):
                return fn(*args, **kwargs)
            if args and isinstance(args[0], nn.Tensor) and callable(getattr(args[0], name, None)):
                return getattr(args[0], name)(*args[1:], **kwargs)
        else:
            from . import library  # noqa: PLC0415 - an operator a Library defined: its kernel
            qualname = f"{self._namespace}::{name}"
            if qualname in library._packets:
                kernel = library._kernel(qualname)
                if kernel is None:
                    raise NotImplementedError(f"Could not run '{qualname}' with arguments from the 'CPU' backend. "
                                              f"This could be because the operator doesn't exist for this backend")
                return kernel(*args, **kwargs)
        raise NotImplementedError(f"torch.ops.{self._namespace}.{name}: nn has no operator of this name "
                                  f"(call nn's function or Tensor method instead)")

    def __repr__(self):
        return f"<OpOverloadPacket(op='{self._namespace}.{self._name}')>"


def _slice(self, dim=0, start=None, end=None, step=1):
    """aten::slice.Tensor: self[start:end:step] along dim (s5-pytorch's associative scan, a port of jax.lax's,
    slices by it), with ATen's checks in its order and words."""
    from .tensor import refuse_dims_out_of_range  # noqa: PLC0415 - as `import nn` above: this module loads alone
    if self.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    refuse_dims_out_of_range(self.ndim, dim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    return self[(slice(None),) * (dim % self.ndim) + (slice(start, end, step),)]


_ATEN_ONLY = {"slice": _slice}          # ATen operators that torch has no function of the same name for


class _OpNamespace:
    """``torch.ops.aten``: its operators as attributes, one object per name."""

    def __init__(self, name):
        self._name, self._packets = name, {}

    def __getattr__(self, op):
        if op.startswith("__"):
            raise AttributeError(op)
        if self._name != "aten" and f"{self._name}::{op}" not in _library_operators():
            raise AttributeError(f"'_OpNamespace' '{self._name}' object has no attribute '{op}'")
        if op not in self._packets:
            self._packets[op] = OpOverloadPacket(self._name, op)
        return self._packets[op]


def _library_operators():
    """The "ns::name" of every operator an nn.library.Library defined (its packets: a name, without overloads)."""
    from .library import _packets  # noqa: PLC0415 - nn.library imports this module
    return _packets


aten = _OpNamespace("aten")
_namespaces = {"aten": aten}


def __getattr__(name):
    """torch.ops.<any namespace>: a namespace object (its operators: only aten's exist here)."""
    if name.startswith("__"):
        raise AttributeError(name)
    return _namespaces.setdefault(name, _OpNamespace(name))


def load_library(path):
    """torch.ops.load_library: loads a C++ operator library into PyTorch; nn cannot use one."""
    raise OSError(f"torch.ops.load_library({path!r}): nn cannot load compiled PyTorch operator libraries")
