"""Tensor and reverse-mode automatic differentiation.

A Tensor wraps a NumPy array (``.data``). Every operation on Tensors that
need a gradient records, on its result, the inputs it came from
(``_parents``) and a function (``_backward``) that turns the gradient of the
result into gradients of those inputs (the chain rule, one op at a time).
``loss.backward()`` walks that graph from the loss back to the leaves:

    1. sort the graph topologically (iteratively: a 10,000-op chain is fine),
    2. visit nodes from the loss backwards; each node hands its gradient to
       its parents through its ``_backward``; a node used twice receives
       (and sums) two contributions,
    3. leaves (tensors created by the user, such as weights) keep the summed
       gradient in ``.grad``; everything else is released as soon as it has
       been used, so the activations of a network do not outlive backward().

Element-wise arithmetic, reductions and reshapes live here; the neural-network
ops (conv2d, relu, losses...) live in nn/functional.py and are built the same
way, with ``Tensor._make``.

dtype rules: python numbers and lists become float32; float ndarrays keep
their dtype (float32 or float64); integer ndarrays are rejected. In an op, a
python/NumPy scalar takes the dtype of the Tensor it meets (``x * 2.0`` stays
float32); two Tensors follow NumPy's promotion (float32 + float64 -> float64).
"""
import numpy as np

__all__ = ["Tensor", "no_grad", "is_grad_enabled", "manual_seed", "get_rng"]

# ----------------------------------------------------------------------------
# Global state: gradient recording switch and the library's random generator.

_grad_enabled = True
_rng = np.random.default_rng()


def is_grad_enabled():
    """True unless inside a ``with nn.no_grad():`` block."""
    return _grad_enabled


class no_grad:
    """Context manager (or decorator) that turns off graph recording.

    Inside it, ops compute values only: results have requires_grad=False and
    keep no reference to their inputs (inference, optimizer updates).
    """

    def __enter__(self):
        global _grad_enabled
        self._prev = _grad_enabled
        _grad_enabled = False
        return self

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._prev
        return False

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)
        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper


def manual_seed(seed):
    """Seed the generator used by nn.init and dropout (like torch.manual_seed)."""
    global _rng
    _rng = np.random.default_rng(seed)


def get_rng():
    """The library's current numpy Generator (re-read it after manual_seed)."""
    return _rng


# ----------------------------------------------------------------------------
# Helpers

def _as_float_array(data, what="Tensor data"):
    """ndarray of float32/float64 from ``data``; python numbers/lists -> float32."""
    if isinstance(data, Tensor):
        return data.data
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        arr = np.asarray(data)
        if arr.dtype == np.float32 or arr.dtype == np.float64:
            return arr
        if arr.dtype.kind == "f":  # float16 etc.: compute in float32
            return arr.astype(np.float32)
        raise TypeError(
            f"{what} must be a float array, got dtype {arr.dtype}; convert it first, "
            f"e.g. arr.astype(np.float32)")
    arr = np.asarray(data)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be numbers, got {type(data).__name__} (dtype {arr.dtype})")
    return arr.astype(np.float32)


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: the backward of NumPy broadcasting.

    If x of shape (3, 1) was broadcast to (2, 3, 4) in the forward pass, each
    x element was used 2*4 times, so its gradient is the sum over those axes.
    """
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:                                   # leading axes that were added
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:                                        # axes of length 1 that were stretched
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def _broadcasts_to(shape, target):
    """True if an array of ``shape`` broadcasts to ``target`` (NumPy's rule, read from the right)."""
    if len(shape) > len(target):
        return False
    return all(n == m or n == 1 for n, m in zip(shape[::-1], target[::-1]))


def _check_grads(node, grads):
    """The engine's contract with every op's backward (as PyTorch's): a tuple or list with one
    gradient per input, each None or an array of its input's shape (or of a shape the input was
    broadcast to, which ``unbroadcast`` sums back). Raises RuntimeError naming the op."""
    op = repr(node._op) if node._op else "an unnamed op"
    if not isinstance(grads, (tuple, list)):
        raise RuntimeError(f"backward of {op} returned a {type(grads).__name__}; it must return a tuple "
                           f"with one gradient (or None) per input ({len(node._parents)} inputs)")
    if len(grads) != len(node._parents):
        raise RuntimeError(f"backward of {op} returned {len(grads)} gradients for its "
                           f"{len(node._parents)} inputs; it must return one per input (None for an "
                           f"input that needs no gradient)")
    for i, (parent, pg) in enumerate(zip(node._parents, grads)):
        if pg is None:
            continue
        if not isinstance(pg, (np.ndarray, np.generic)):
            raise RuntimeError(f"backward of {op} returned a {type(pg).__name__} as the gradient of "
                               f"input {i}; expected a NumPy array or None")
        if pg.shape != parent.shape and not _broadcasts_to(parent.shape, pg.shape):
            raise RuntimeError(f"backward of {op} returned a gradient of shape {pg.shape} for input {i} "
                               f"of shape {parent.shape}; a gradient must have its input's shape (or the "
                               f"shape the input was broadcast to in the forward pass)")


def _release_error(_grad):
    raise RuntimeError(
        "backward() through a graph a second time: the graph was released after the first "
        "backward() to free memory. Recompute the forward pass, or pass retain_graph=True "
        "to the first backward().")


def _normalize_axes(dim, ndim):
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        if not -ndim <= d < max(ndim, 1):
            raise IndexError(f"dimension {d} out of range for a {ndim}-D tensor")
        out.append(int(d) % max(ndim, 1))
    return tuple(sorted(set(out)))


# ----------------------------------------------------------------------------

class Tensor:
    """An n-dimensional float array that can record how it was computed.

    Tensor(data, requires_grad=False)
        data: ndarray of float32/float64 (kept as is, not copied) or python
              number/list (-> float32).
        requires_grad: if True this is a leaf whose ``.grad`` is filled by
              backward().
    """

    # NumPy must not try to handle `ndarray * Tensor` itself: this makes it
    # call Tensor.__rmul__ and friends instead.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False):
        self.data = _as_float_array(data)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._backward = None       # None marks a leaf
        self._op = ""

    @classmethod
    def _make(cls, data, parents, backward, op=""):
        """Result of an op: records the graph only if some parent needs a gradient.

        data: the forward result (ndarray); parents: the input Tensors;
        backward(g) -> a tuple with one gradient (ndarray, or None) per parent, each
        of the parent's shape, or of a shape the parent was broadcast to in the
        forward pass (it is summed back down with ``unbroadcast``); op: the op's
        name, used in error messages. backward() checks all of this (_check_grads).
        """
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = None
        out._op = op
        if _grad_enabled and any(p.requires_grad for p in parents):
            out.requires_grad = True
            out._parents = tuple(parents)
            out._backward = backward
        else:                       # a constant: keep no reference to the inputs
            out.requires_grad = False
            out._parents = ()
            out._backward = None
        return out

    # -- basic properties -----------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    is_leaf = property(lambda self: self._backward is None)

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        body = np.array2string(self.data, precision=4, threshold=20, separator=", ",
                               prefix="Tensor(")
        extra = ", requires_grad=True" if self.requires_grad else ""
        if self.dtype != np.float32:
            extra = f", dtype={self.dtype}" + extra
        return f"Tensor({body}{extra})"

    def item(self):
        """The value of a one-element tensor as a python float."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return float(self.data.reshape(()))

    def numpy(self):
        """The underlying ndarray (shared, not copied)."""
        return self.data

    def detach(self):
        """Same data (shared), cut from the graph: no gradient flows through it."""
        return Tensor(self.data)

    def zero_grad(self):
        self.grad = None

    # -- backward ---------------------------------------------------------------
    def backward(self, grad=None, retain_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

        grad: the gradient of some final scalar with respect to self (same
        shape as self); may be omitted only if self has a single element.
        The graph is released afterwards unless retain_graph=True. As in
        PyTorch, only leaves keep ``.grad``; intermediate results do not.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the "
                "computation had requires_grad=True (or it ran inside nn.no_grad()).")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient argument needs a scalar output, got shape "
                    f"{self.shape}; reduce it first (e.g. loss.sum() or loss.mean()) or pass "
                    f"grad= of the same shape.")
            grad = np.ones_like(self.data)
        else:
            grad = grad.data if isinstance(grad, Tensor) else np.asarray(grad)
            if grad.shape != self.shape:
                raise ValueError(f"backward(grad): grad has shape {grad.shape} but the tensor "
                                 f"has shape {self.shape}")
            grad = grad.astype(self.dtype, copy=False)

        order = self._topological_order()
        grads = {id(self): grad}    # gradients waiting to be handed to parents
        summed = set()              # keys whose gradient is a sum we allocated (safe to add into)
        for node in reversed(order):            # from the output back to the leaves
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._backward is None:          # leaf: keep the (summed) gradient
                node.grad = np.array(g, dtype=node.dtype) if node.grad is None else node.grad + g
                continue
            parent_grads = node._backward(g)
            _check_grads(node, parent_grads)
            for parent, pg in zip(node._parents, parent_grads):
                if pg is None or not parent.requires_grad:
                    continue
                pg = unbroadcast(pg, parent.shape).astype(parent.dtype, copy=False)
                key = id(parent)
                # a parent used several times sums its contributions; a backward's own result
                # may be a view shared with another parent, so only our own sum is added into
                if key not in grads:
                    grads[key] = pg
                elif key in summed:
                    grads[key] += pg
                else:
                    grads[key] = grads[key] + pg
                    summed.add(key)
            if not retain_graph:                # free saved activations as we go
                node._parents = ()
                node._backward = _release_error

    def _topological_order(self):
        """Nodes that need a gradient, every node after all of its parents.

        Depth-first search with an explicit stack (no recursion limit): a node
        is pushed once to expand its parents, then again to be emitted after them.
        """
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for p in node._parents:
                if p.requires_grad and id(p) not in seen:
                    stack.append((p, False))
        return order

    # -- element-wise arithmetic ------------------------------------------------
    def _lift(self, other, op=None):
        """Turn the other operand into a Tensor (scalars and lists take self's dtype).

        For an element-wise op, also check that the two shapes broadcast.
        """
        if not isinstance(other, Tensor):
            if isinstance(other, (int, float, np.number, list, tuple)):
                other = Tensor(np.asarray(other, dtype=self.dtype))
            else:
                other = Tensor(other)   # ndarray: validated (float) and kept as is
        if op is not None:
            try:
                np.broadcast_shapes(self.shape, other.shape)
            except ValueError:
                raise ValueError(f"{op}: shapes {self.shape} and {other.shape} cannot broadcast "
                                 f"(trailing dims must be equal or 1)") from None
        return other

    def __add__(self, other):
        other = self._lift(other, "+")

        def backward(g):
            # d(a+b)/da = d(a+b)/db = 1
            return g, g
        return Tensor._make(self.data + other.data, (self, other), backward, "add")

    def __mul__(self, other):
        other = self._lift(other, "*")
        a, b = self.data, other.data

        def backward(g):
            # d(a*b)/da = b, d(a*b)/db = a
            return (g * b if self.requires_grad else None,
                    g * a if other.requires_grad else None)
        return Tensor._make(a * b, (self, other), backward, "mul")

    def __neg__(self):
        def backward(g):
            return (-g,)
        return Tensor._make(-self.data, (self,), backward, "neg")

    def __sub__(self, other):
        other = self._lift(other, "-")

        def backward(g):
            # d(a-b)/da = 1, d(a-b)/db = -1
            return g, (-g if other.requires_grad else None)
        return Tensor._make(self.data - other.data, (self, other), backward, "sub")

    def __truediv__(self, other):
        other = self._lift(other, "/")
        a, b = self.data, other.data

        def backward(g):
            # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
            return (g / b if self.requires_grad else None,
                    -g * a / (b * b) if other.requires_grad else None)
        return Tensor._make(a / b, (self, other), backward, "div")

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor) or np.ndim(exponent) != 0:
            raise TypeError("x ** p supports a scalar exponent p only")
        p = float(exponent)
        a = self.data

        def backward(g):
            # d(a^p)/da = p * a^(p-1)
            return (g * (p * a ** (p - 1)),)
        return Tensor._make(a ** np.asarray(p, dtype=a.dtype), (self,), backward, "pow")

    def __matmul__(self, other):
        other = self._lift(other)
        a, b = self.data, other.data
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("@ needs tensors with at least one dimension; use * for scalars")
        # 1-D operands are treated as a row (left) or column (right) vector, as in NumPy.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if a2.shape[-1] != b2.shape[-2]:
            raise ValueError(f"@: shapes {a.shape} and {b.shape} do not match "
                             f"({a2.shape[-1]} != {b2.shape[-2]})")
        out2 = a2 @ b2

        def backward(g):
            # C = A B  =>  dA = dC B^T, dB = A^T dC (then undo batch broadcasting)
            g2 = g.reshape(out2.shape)
            ga = gb = None
            if self.requires_grad:
                ga = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
            if other.requires_grad:
                gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
            return ga, gb
        out = out2
        if b.ndim == 1:
            out = out[..., 0]
        if a.ndim == 1:
            out = out[..., 0, :] if b.ndim > 1 else out[..., 0]
        return Tensor._make(out, (self, other), backward, "matmul")

    # reflected versions: `2 * x`, `1 - x`, `ndarray @ x` ...
    def __radd__(self, other):
        return self._lift(other) + self

    def __rmul__(self, other):
        return self._lift(other) * self

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __rmatmul__(self, other):
        return self._lift(other) @ self

    def exp(self):
        y = np.exp(self.data)

        def backward(g):
            # d(e^x)/dx = e^x
            return (g * y,)
        return Tensor._make(y, (self,), backward, "exp")

    def log(self):
        x = self.data

        def backward(g):
            # d(ln x)/dx = 1/x
            return (g / x,)
        return Tensor._make(np.log(x), (self,), backward, "log")

    def sqrt(self):
        y = np.sqrt(self.data)

        def backward(g):
            # d(sqrt x)/dx = 1 / (2 sqrt x)
            return (g / (2 * y),)
        return Tensor._make(y, (self,), backward, "sqrt")

    def abs(self):
        x = self.data

        def backward(g):
            # d|x|/dx = sign(x) (0 at 0, as PyTorch)
            return (g * np.sign(x),)
        return Tensor._make(np.abs(x), (self,), backward, "abs")

    # activations: implemented in nn/functional.py, offered here as methods
    def relu(self):
        from . import functional as F
        return F.relu(self)

    def sigmoid(self):
        from . import functional as F
        return F.sigmoid(self)

    def tanh(self):
        from . import functional as F
        return F.tanh(self)

    # -- reductions ---------------------------------------------------------------
    def sum(self, dim=None, keepdim=False):
        """Sum over ``dim`` (int, tuple or None for all axes)."""
        axes = _normalize_axes(dim, self.ndim)
        shape = self.shape

        def backward(g):
            # every summed element contributes with weight 1: spread g back over the axes
            if not keepdim:
                g = np.expand_dims(g, axes)
            return (np.broadcast_to(g, shape),)
        return Tensor._make(np.sum(self.data, axis=axes, keepdims=keepdim), (self,),
                            backward, "sum")

    def mean(self, dim=None, keepdim=False):
        """Mean over ``dim`` (int, tuple or None for all axes)."""
        axes = _normalize_axes(dim, self.ndim)
        count = int(np.prod([self.shape[a] for a in axes])) if axes else 1
        return self.sum(dim=axes, keepdim=keepdim) * (1.0 / count)

    # -- shape ops ------------------------------------------------------------------
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        old = self.shape
        try:
            y = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"cannot reshape a tensor of shape {old} ({self.size} elements) "
                             f"into {shape}") from None

        def backward(g):
            return (g.reshape(old),)
        return Tensor._make(y, (self,), backward, "reshape")

    def permute(self, *dims):
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        if sorted(d % self.ndim for d in dims) != list(range(self.ndim)):
            raise ValueError(f"permute{dims} is not a permutation of the {self.ndim} "
                             f"dimensions of a tensor of shape {self.shape}")
        inverse = tuple(np.argsort([d % self.ndim for d in dims]))

        def backward(g):
            # moving the axes back is the inverse permutation
            return (np.transpose(g, inverse),)
        return Tensor._make(np.transpose(self.data, dims), (self,), backward, "permute")

    def transpose(self, dim0, dim1):
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(*dims)

    @property
    def T(self):
        if self.ndim != 2:
            raise ValueError(f".T is for 2-D tensors, got shape {self.shape}; use permute()")
        return self.permute(1, 0)

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data
        if isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        shape, dtype = self.shape, self.dtype
        parts = index if isinstance(index, tuple) else (index,)
        basic = all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice))
                    for i in parts)

        def backward(g):
            # each selected element gets its gradient back; the others get 0
            gx = np.zeros(shape, dtype=dtype)
            if basic:
                gx[index] = g
            else:                     # fancy indexing may select an element twice: sum
                np.add.at(gx, index, g)
            return (gx,)
        return Tensor._make(self.data[index], (self,), backward, "getitem")
