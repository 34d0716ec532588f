"""nn.autograd.Function: write an op of your own, as with torch.autograd.Function (torch.autograd.function's
names: Function, FunctionCtx, once_differentiable).

A custom op is a class with two static methods, forward and backward side by side::

    class Cube(nn.Function):
        @staticmethod
        def forward(ctx, x):                 # x: Tensor (any shape)
            ctx.save_for_backward(x)
            return x * x * x
        @staticmethod
        def backward(ctx, grad):             # grad = dL/dy, shape of y
            x, = ctx.saved_tensors
            return grad * 3 * x * x          # dL/dx = dL/dy * 3 x^2

    y = Cube.apply(x)                        # not Cube()(x), as in PyTorch

``apply`` runs forward without recording a graph (inside ``no_grad``) and then
records ONE node for the whole op with ``Tensor._make``, exactly as the
built-in ops do; loss.backward() calls your backward for that node. backward
returns one gradient per forward argument (a Tensor, ndarray or None; None for
arguments that are not Tensors, such as ints or None, or need no gradient),
each of its argument's shape: the engine checks this and raises an error naming your class.

As in PyTorch: forward may return a tuple of outputs (backward then takes one gradient per output: zeros for
an output the loss does not use, or None after ``ctx.set_materialize_grads(False)``); PyTorch 2's form,
``forward(x, k)`` without ctx plus ``setup_context(ctx, inputs, output)``, works too; ``ctx`` carries
``save_for_backward(*tensors)`` / ``saved_tensors``, ``needs_input_grad`` (one bool per forward argument),
``mark_non_differentiable(*outputs)`` (those outputs need no gradient; backward still gets a zero for
them), ``mark_dirty(*inputs)`` (inputs forward changed in place and returns) and any attribute you set
(``ctx.alpha = 2``). With create_graph=True your backward is recorded, so its result can be differentiated
again, unless it is decorated with ``@once_differentiable``.
"""
import functools
import inspect
import itertools
import warnings
import weakref

import numpy as np

from ..array import DataArray
from ..tensor import Tensor, _release_error, enable_grad, is_grad_enabled, no_grad

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


def once_differentiable(backward):
    """Decorate a Function's backward that is differentiated once only: with create_graph=True its result is
    then a constant (as PyTorch's), not a recorded computation."""
    @functools.wraps(backward)
    def wrapped(ctx, *grad_outputs):
        with no_grad():
            return backward(ctx, *grad_outputs)
    return wrapped


class FunctionCtx:
    """The ``ctx`` handed to forward (or setup_context) and then to backward of one call of a Function."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._saved = ()                # None once a backward without retain_graph freed them
        self._dirty = ()
        self._non_differentiable = ()
        self._output_refs = {}          # id(an output forward returned and saved) -> weakref to apply's output

    def save_for_backward(self, *tensors):
        """Keep Tensors (or None) for backward, where they come back as ``ctx.saved_tensors``. A ``.data``
        array (nn's form of PyTorch's ``t.data``, a tensor there) is kept as the Tensor on its values."""
        for i, t in enumerate(tensors):
            if not (t is None or isinstance(t, (Tensor, DataArray))):
                raise TypeError(f"save_for_backward takes Tensors or None, but argument {i} is a "
                                f"{type(t).__name__}; keep other values as attributes (ctx.k = k)")
        self._saved = tensors

    def save_for_forward(self, *tensors):
        """Keep Tensors (or None) for a jvp rule, as ``ctx.saved_for_forward`` (PyTorch's; nn has no forward-mode
        AD, but a Function's setup_context may call it unconditionally, as roma's procrustes does)."""
        for t in tensors:
            if not (t is None or isinstance(t, (Tensor, DataArray))):
                raise AssertionError("save_for_forward expects all arguments to be tensors; you should save "
                                     "non-tensors as attributes on ctx.")
        self.saved_for_forward = tensors

    @property
    def saved_tensors(self):
        """What save_for_backward kept; an output of forward comes back as the output apply returned (the one in
        the graph, so that a recorded backward differentiates through it). After a backward without retain_graph
        they are gone: reading them is PyTorch's error (the node's backward may run again if it does not)."""
        if self._saved is None:
            _release_error(None)

        def resolve(t):
            ref = self._output_refs.get(id(t))
            out = None if ref is None else ref()
            return t if out is None else out
        return tuple(resolve(t) for t in self._saved)

    @property
    def saved_variables(self):
        """saved_tensors by its pre-0.4 name, still in PyTorch with a DeprecationWarning (NAFNet's and OmniSR's
        LayerNorm Functions read it)."""
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning, stacklevel=2)
        return self.saved_tensors

    def mark_non_differentiable(self, *outputs):
        """Outputs (of forward) that get no gradient: they come out with requires_grad=False."""
        self._non_differentiable = outputs

    def mark_dirty(self, *inputs):
        """Inputs that forward changed in place and returns: apply's output is that same tensor, now in the graph."""
        self._dirty = inputs

    def set_materialize_grads(self, value):
        """False: backward gets None (not zeros) for an output the loss does not use."""
        self.materialize_grads = bool(value)


_CTX_OWN = len(vars(FunctionCtx(())))      # how many attributes FunctionCtx sets itself


def _is(t, seq):
    return any(t is s for s in seq)


class Function:
    """Base class of a custom op: subclass it, define forward and backward, call ``apply``."""

    @staticmethod
    def forward(ctx, *args):
        """The op on Tensors (``args`` as given to apply) -> a Tensor or a tuple of outputs."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """PyTorch 2's form: forward(*args) without ctx; this then fills ctx from the inputs and the output."""
        raise NotImplementedError("setup_context is not defined: forward takes ctx first, or define "
                                  "setup_context(ctx, inputs, output)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """One dL/d(output) per output -> one dL/d(arg) per forward argument (Tensor, ndarray or None)."""
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward-mode rule (PyTorch's attribute, which a subclass may alias, as roma's ``jvp =
        Function.jvp``); nn has no forward-mode AD, so it is never called by nn itself."""
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        new_style = cls.setup_context is not Function.setup_context
        if new_style:                   # as PyTorch: the arguments bound to forward's signature, defaults filled in
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, {}
        ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a.requires_grad and is_grad_enabled() for a in args))
        with no_grad():                 # forward's own ops record nothing: this op is one node
            out = cls.forward(*args) if new_style else cls.forward(ctx, *args, **kwargs)
            out, arrays = _arrays_as_tensors(out)
            if new_style:
                cls.setup_context(ctx, args, out)
        if any(isinstance(t, DataArray) for t in ctx._saved):
            ctx._saved = tuple(arrays[id(t)] if id(t) in arrays else Tensor._wrap(t.view(np.ndarray))
                               if isinstance(t, DataArray) else t for t in ctx._saved)
        many = isinstance(out, (tuple, list))
        if not many and not isinstance(out, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return one Tensor or a tuple of them, "
                            f"got {type(out).__name__}")
        results = _record(cls, ctx, args, tuple(out) if many else (out,))
        return (tuple(results) if isinstance(out, tuple) else list(results)) if many else results[0]


def _arrays_as_tensors(out):
    """forward's output with each ``.data`` array in it (a DataArray: torchopt's implicit differentiation returns
    ``tuple(t.data for t in output)``, Tensors in PyTorch) as a Tensor on its values -> (output, {id(array): that
    Tensor}), so a saved array is the same output."""
    if isinstance(out, Tensor):                 # (the common case, first: apply runs this on every call)
        return out, {}
    many = isinstance(out, (tuple, list))
    if not any(isinstance(o, DataArray) for o in (out if many else (out,))):
        return out, {}
    arrays = {id(o): Tensor._wrap(o.view(np.ndarray)) for o in (out if many else (out,)) if isinstance(o, DataArray)}
    if not many:
        return arrays[id(out)], arrays
    return type(out)(arrays.get(id(o), o) for o in out), arrays


def _attributes_as_outputs(ctx, inputs):
    """Each output forward kept as an attribute of ctx (xitorch's solve_ivp keeps its solution as ctx.yt and reads
    it in its backward) as apply's output, as in PyTorch, whose forward's tensor itself becomes the result: a
    backward with create_graph=True differentiates through it back to this op (an input returned as it is stays the
    input there; as in PyTorch, ctx then holds it, a reference cycle for the garbage collector)."""
    attributes, refs = vars(ctx), ctx._output_refs
    for key, value in itertools.islice(attributes.items(), _CTX_OWN, None):     # (FunctionCtx's own come first)
        if id(value) in refs and not _is(value, inputs):
            attributes[key] = refs[id(value)]()


def _record(cls, ctx, args, outs):
    """apply's outputs for forward's outputs ``outs``: the differentiable ones recorded as results of one op
    whose backward is cls.backward. One such output is that node itself; several are views of one hidden
    node whose value is all of them flattened one after another (so the engine sums each output's gradient
    into its slice, and backward runs once, after all of them)."""
    name = cls.__name__
    inputs = [a for a in args if isinstance(a, Tensor)]
    dirty = ctx._dirty
    for d in dirty:
        if not _is(d, inputs):
            raise RuntimeError(f"{name}: mark_dirty got a tensor that is not an input of forward; mark only "
                               f"the inputs forward changed in place")
        if not _is(d, outs):
            raise RuntimeError(f"{name}: an input marked dirty (changed in place) was not returned by forward; "
                               f"return every input it changes in place")
    recording = is_grad_enabled() and any(a.requires_grad for a in inputs)
    diff = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.dtype.kind in "fc"
            and not _is(o, ctx._non_differentiable)]
    if not (recording and diff):
        return [o if not isinstance(o, Tensor) or _is(o, dirty) else Tensor._make(o._data, (), None, name)
                for o in outs]
    priors = {}
    for d in dirty:
        if d.requires_grad and d.is_leaf:
            raise RuntimeError(f"{name}: forward changed in place (mark_dirty) a leaf tensor that requires "
                               f"grad; pass a copy (x.clone())")
        from ..tensor_ops.inplace import _prior_state  # noqa: PLC0415 - only for mark_dirty
        priors[id(d)] = _prior_state(d)     # its value before forward's change takes its place among the inputs
    parents = tuple(priors.get(id(a), a) for a in inputs)
    n_args = len(args)

    def run_backward(out_grads, graph):
        """cls.backward from one gradient (or None) per output -> one per Tensor input (Tensors if graph)."""
        grads_in = []
        for o, g in zip(outs, out_grads):
            if g is None and ctx.materialize_grads and isinstance(o, Tensor):
                g = np.zeros_like(o._data)
            grads_in.append(g if g is None or isinstance(g, Tensor) else Tensor._wrap(g))
        with enable_grad() if graph else no_grad():
            grads = cls.backward(ctx, *grads_in)
        if not isinstance(grads, tuple):
            grads = (grads,)            # a list too is one gradient, as PyTorch reads it (and refuses below)
        if len(grads) > n_args and all(g is None for g in grads[n_args:]):
            grads = grads[:n_args]      # extra trailing Nones are fine, as in PyTorch
        if len(grads) != n_args:
            raise RuntimeError(f"backward of {name!r} returned {len(grads)} gradients for its {n_args} forward "
                               f"arguments; it must return one per argument (None for an argument that needs "
                               f"no gradient)")
        result = []
        for position, (a, g, needed) in enumerate(zip(args, grads, ctx.needs_input_grad), 1):
            if isinstance(g, (list, tuple)):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if not isinstance(a, Tensor):
                if g is not None:       # (PyTorch's words: xitorch's quad returns one for a float bound)
                    raise RuntimeError(f"function {name}Backward returned a gradient different than None at position "
                                       f"{position}, but the corresponding forward input was not a Variable")
            elif not needed:                # ignored whatever its shape, as PyTorch's (torchdyn's adjoint returns
                result.append(None)         # a 2-element gradient for a t_span that needs none)
            elif graph:
                result.append(g if g is None or isinstance(g, Tensor) else Tensor._wrap(np.asarray(g)))
            else:
                result.append(g._data if isinstance(g, Tensor) else g)
        return tuple(result)

    def node(o, parents, backward, graph_backward, saves=True):
        if _is(o, dirty):               # the input itself becomes the op's result, as PyTorch's mark_dirty
            from ..tensor_ops.inplace import _take_place  # noqa: PLC0415
            return _take_place(o, o._data, parents, backward, graph_backward, name)
        return Tensor._make(o._data, parents, backward, name, graph_backward, saves)

    def frees_saved(t):
        """t, the node that runs cls.backward, kept by a backward without retain_graph as PyTorch keeps a Function's
        node: only ctx's saved tensors are freed, so a backward that reads none of them may run again (cvxpylayers'
        sparse product saves x but reads only ctx.scipy_csr_T)."""
        if t.requires_grad and t._backward is not None and not _is(t, dirty):
            t._saves_nothing = True
            t._free_saved = functools.partial(setattr, ctx, "_saved", None)
        return t

    results = list(outs)
    if len(diff) == 1:
        k = diff[0]
        only = lambda g: [g if i == k else None for i in range(len(outs))]        # noqa: E731
        results[k] = frees_saved(node(outs[k], parents, lambda g: run_backward(only(g), False),
                                      lambda g: run_backward(only(g), True)))
    else:
        dtype = np.result_type(*(outs[i].dtype for i in diff))
        ends = np.cumsum([outs[i]._data.size for i in diff]).tolist()
        spans = {i: (end - outs[i]._data.size, end) for i, end in zip(diff, ends)}
        total, reached = ends[-1], set()

        def joint_grads(g):             # the flat gradient cut back into one per output (None where none came)
            out_grads = [None] * len(outs)
            for i in reached:
                lo, hi = spans[i]
                out_grads[i] = g[lo:hi].reshape(outs[i].shape).to(outs[i].dtype) if isinstance(g, Tensor) else \
                    g[lo:hi].reshape(outs[i].shape).astype(outs[i].dtype, copy=False)
            reached.clear()
            return out_grads
        joint = frees_saved(Tensor._make(np.broadcast_to(np.zeros((), dtype), (total,)), parents,
                                         lambda g: run_backward(joint_grads(g), False),
                                         name, lambda g: run_backward(joint_grads(g), True)))

        def placed(i):                  # output i's gradient -> the joint node's: it, in its slice, zeros elsewhere
            lo, hi = spans[i]

            def backward(g):
                reached.add(i)
                flat = np.zeros(total, dtype)
                flat[lo:hi] = g.reshape(-1)
                return (flat,)

            def graph_backward(g):
                from ..functional import pad  # noqa: PLC0415
                reached.add(i)
                return (pad(g.reshape(-1).to(dtype), (lo, total - hi)),)
            return backward, graph_backward
        for i in diff:
            # an output's node only places its gradient (saves nothing), so it is not released before the joint
            # node's backward runs: that backward may compute from saved outputs (torchopt's implicit gradients
            # differentiate an optimality function of the solutions), as PyTorch's graph keeps them
            results[i] = node(outs[i], (joint,), *placed(i), saves=False)
    # a saved output comes back as apply's output (ctx holds it weakly: no reference cycle through the graph)
    ctx._output_refs = {id(o): weakref.ref(r) for o, r in zip(outs, results) if r is not o}
    if len(vars(ctx)) > _CTX_OWN:      # forward set attributes of its own
        _attributes_as_outputs(ctx, inputs)
    for i, o in enumerate(outs):        # the outputs that need no gradient: outside the graph
        if isinstance(o, Tensor) and i not in diff and not _is(o, dirty):
            results[i] = Tensor._make(o._data, (), None, name)
    return results
