"""In-place ops: fill_, zero_, normal_, uniform_, log_normal_, cauchy_, geometric_, copy_, add_, sub_, mul_, div_, clamp_,
masked_fill_, scatter_, scatter_add_, the in-place twins of the shape-keeping methods (relu_, exp_, index_add_, ...: _IN_PLACE), +=.

Outside a recorded graph (nn.no_grad(), or no input requires grad) they write
into the tensor's array, so other references to it see the change, as in
PyTorch. While a graph is recorded:
- on a leaf that requires grad they raise, as PyTorch does;
- otherwise the tensor becomes the op's result in the graph (``_rebase``): its
  previous value lives on as a hidden parent, so ``out = nn.zeros(2, 3);
  out[0] = f(x)`` sends gradients to x. Ops recorded *before* the change
  read the previous state: they are pointed at it (``_prior_state``), as
  PyTorch's version counter lets its graph keep that state.
- ``x += y`` (and -=, *=, /=) is ``x.add_(y)``, so every reference to x (a
  caller's argument, a list entry) sees the change, as PyTorch's; only where
  nn cannot write a view through to its base does it compute ``x + y`` out
  of place and rebind the name.
"""
import weakref

import numpy as np

from .. import init
from ..array import legacy_scalar_first
from ..dtypes import (cast, checked_fill, real_for_cast, refuse_kinds, result_dtype, scalar_dtype, scalar_type_name,
                      typeid_name)
from ..tensor import (Tensor, GradFn, broadcast_shape, defers_to, is_grad_enabled, _remember_consumer,
                      next_sequence_number, _instance_dict, _follow_recorded_grad, _node_name, quietly,
                      method_argument_error)
from ._attach import attach, parsed_ints, fill_value_parsed
from .pointwise import checked_alpha, _scaled, masked_fill
from .shape import beta_alpha_first


def _refuse_leaf(input, op, view=False):
    """PyTorch's refusal of an in-place change of a leaf that requires grad (view: of a view of one), in its
    words, then nn's advice."""
    if input.requires_grad and input.is_leaf and is_grad_enabled():
        raise RuntimeError(f"{'a view of ' if view else ''}a leaf Variable that requires grad is being used in an "
                           f"in-place operation. ({op}: an in-place change of a leaf tensor that requires grad; do "
                           f"it inside `with nn.no_grad():` or on a copy (y = x.clone()))")


def _refuse_view(input, op):
    """A part of a tensor made by basic indexing (x[1:], x[0], x[..., ::2], and narrow, select, split, unbind,
    which index) is written through to the tensor after a recorded in-place op (_write_through), as PyTorch's
    view; so is a view of the whole tensor made by reshape / view / permute / transpose (and the ops made of
    them), and a part of one (Longformer's h.view(...).transpose(1, 2)[:, :w].masked_fill_(...)). Refuse here
    only what cannot be: a view of a leaf that requires grad (as PyTorch), or a part of a tensor made otherwise
    (as_strided, unfold, expand) that shares memory with its parent, rather than change it alone."""
    if is_grad_enabled():
        _refuse_multi_output_view(input)
    view_of = input.__dict__.get("_view_of")
    if view_of is not None:
        base = view_of[0]
        if is_grad_enabled():              # refused before anything changes, as PyTorch's checks
            _refuse_leaf(base, op, view=True)
            if "_view_of" in base.__dict__:
                _refuse_view(base, op)
            elif any(np.may_share_memory(base._data, p._data) for p in base._parents):
                _refuse_view_of_leaf(base, op)
                raise NotImplementedError(f"{op}: an in-place change, in a graph, through a view of a tensor that "
                                          f"shares memory with its input (expand, as_strided, unfold) is not "
                                          f"written through in nn; index the tensor itself or compute out of place")
        return
    if is_grad_enabled():
        _refuse_view_of_leaf(input, op)
        _refuse_overlap(input._data, op)
    if is_grad_enabled() and any(input._data.size < p._data.size and np.may_share_memory(input._data, p._data)
                                 for p in input._parents):
        raise NotImplementedError(f"{op}: an in-place change of a part (a slice) of a tensor in a graph is not written "
                                  f"through to that tensor in nn; assign instead (h[1:] = h[1:] * 10) or compute "
                                  f"out of place")


# in-place ops PyTorch lets write into a tensor whose elements share memory (each element gets one value, so the
# aliasing cannot disagree; masked_fill_ / index_put_ with a deprecation warning); x[...] = v is refused by the
# part it writes (a copy_ into x[index] for a basic index: indexing.py)
_OVERLAP_TAKEN = frozenset(("fill_", "zero_", "masked_fill_", "index_fill_", "index_put_", "fill_diagonal_",
                            "x[...] = v"))


# the ops PyTorch records as one node returning several views (CreationMeta::MULTI_OUTPUT_NODE); tensor_split,
# hsplit and unsafe_split slice one view at a time, and their pieces may be changed in place
_MULTI_OUTPUT_VIEWS = frozenset(("unbind", "split", "split_with_sizes"))


def _refuse_multi_output_view(input):
    """PyTorch's RuntimeError for a recorded in-place change of a piece of unbind / split / chunk, or of a view of
    one (pytorch_kinematics' quaternion_from_euler: ai, aj, ak = torch.unbind(rpy, -1); ai /= 2.0): those views
    share one node, which a change of one cannot rebase. Checked before the leaf checks, as PyTorch's
    handle_view_on_rebase; a piece already changed outside a graph (its node replaced) is no longer one."""
    t = input
    while True:
        group = t.__dict__.get("_grad_fn_group")
        if group is not None and group[0].op in _MULTI_OUTPUT_VIEWS and group[1] is t._backward:
            break
        view_of = t.__dict__.get("_view_of")
        if view_of is None:
            return
        t = view_of[0]
    # the piece itself: its number among the op's outputs; a view of it: output 0 of the view's own node
    output, node = (group[2], _node_name(group[0].op)) if t is input else (0, GradFn.of(input).name())
    name = node[:-len("Backward0")]
    raise RuntimeError(f"Output {output} of {name} is a view and is being modified inplace. This view is the output "
                       f"of a function that returns multiple views. Such functions do not allow the output views to "
                       f"be modified inplace. You should replace the inplace operation by an out-of-place one.")


def _refuse_overlap(data, op):
    """PyTorch's refusal of an in-place op (but those of _OVERLAP_TAKEN) writing into an array (a tensor's, or the
    part x[index] = v copies into) whose elements share memory (an expand that repeats: a zero stride over a dim of
    size > 1), in a graph or not."""
    if op in _OVERLAP_TAKEN:
        return
    # (an empty array's strides may be 0: nothing in it shares memory)
    if isinstance(data, np.ndarray) and data.size > 1 and any(stride == 0 and size > 1
                                                              for stride, size in zip(data.strides, data.shape)):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                           "single memory location. Please clone() the tensor before performing the operation.")


def same_data(a, b):
    """Are arrays a and b the same elements of the same memory (same start, shape, strides and dtype)? PyTorch's
    copy_ then returns at once, before its refusal of an expanded destination (load_state_dict(m.state_dict())
    of a module whose buffer is an expand, geotorch's Hurwitz `torch.eye(n).expand(*batch, n, n)`)."""
    return a is b or (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                      and a.strides == b.strides and a.dtype == b.dtype
                      and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def _refuse_view_of_leaf(input, op):
    """PyTorch's refusal of an in-place change of a view of a leaf that requires grad, for the views nn does not
    mark with _view_of (expand, and chains of views: TNT's `patches = repeat(tokens[:n + 1], 'n d -> b n d',
    b=b); patches += pos`; nn's unfold and as_strided copy, so are not seen): walk back through the parents whose
    memory input shares, as PyTorch's view chain leads back to its base (a loop: a chain of a thousand views
    must not exceed Python's recursion limit, which backward does not)."""
    stack, seen = [input], set()
    while stack:
        t = stack.pop()
        for parent in t._parents:
            if id(parent) not in seen and np.may_share_memory(t._data, parent._data):
                seen.add(id(parent))
                _refuse_leaf(parent, op, view=True)
                stack.append(parent)


def _write_through(input):
    """After a recorded in-place op on x[index] (a basic-indexing view, which __getitem__ marks with _view_of),
    change the base as PyTorch's shared storage does: record base[index] = view (for a view of the whole tensor,
    which reshape and permute mark with a function undoing them, base[...] = undo(view)), so the base takes the new
    values and its gradient flows through the op (torchvision's Swin V2: qkv_bias = qkv_bias.clone();
    qkv_bias[n:2 * n].zero_()). A base that is itself such a view passes the change on in its own setitem. The
    view keeps its own array from here on: a later change of the base is not seen by it."""
    view_of = input.__dict__.get("_view_of")
    if view_of is not None:
        base, index = view_of
        if callable(index):        # a view of the whole tensor: index puts its values back in base's layout
            base[...] = index(input)
        else:
            base[index] = input
    return input


def _bump_version(input):
    """Count an in-place change, as PyTorch's version counter (Tensor._version: kornia's augmentations compare it
    to know whether the parameters they cached a transform for were changed since). Per tensor: a view changed in
    place does not count on its base."""
    input.__dict__["_version_count"] = input.__dict__.get("_version_count", 0) + 1


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _check_result_cast(result_dtype, input):
    """PyTorch's in-place rule: a result of a higher kind (complex > floating > integer > bool) cannot be written
    into the tensor (x *= 1j on a real x, long.div_(2), bool.add_(1)): RuntimeError in its words."""
    if _KIND_RANK.get(result_dtype.kind, 2) > _KIND_RANK.get(input.dtype.kind, 2):
        raise RuntimeError(f"result type {scalar_type_name(result_dtype)} can't be cast to the desired output type "
                           f"{scalar_type_name(input.dtype)}")


def _refuse_growing(shape, result_shape):
    """PyTorch's RuntimeError for an in-place op whose result has another shape than the tensor's (it cannot grow
    the tensor to the broadcast shape)."""
    if tuple(result_shape) != tuple(shape):
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape {list(result_shape)}")


def _write(input, data, op=None):
    """Copy data (broadcast to input's shape, cast to its dtype) into input's array (op: the in-place op's name,
    for PyTorch's refusal of an expanded tensor)."""
    data = np.asarray(data)
    _check_result_cast(data.dtype, input)
    if not isinstance(input._data, np.ndarray):        # a NumPy scalar from a full reduction
        input._data = np.array(input._data)
    if not input._data.flags.writeable and input._data.size:      # (an empty expand takes nothing, as PyTorch)
        if op is not None:
            _refuse_overlap(input._data, op)
        raise RuntimeError("in-place op on a read-only tensor: an expanded one (several elements share one memory "
                           "location) or a read-only NumPy array; write into a copy (x = x.clone()) instead")
    if data.shape != input._data.shape:
        # x += ones(2, 2) into a (2,) tensor: PyTorch's RuntimeError, not NumPy's ValueError from copyto (and
        # its words for shapes that do not broadcast: x.copy_(ones(2)) into a (3,) tensor)
        _refuse_growing(input._data.shape, broadcast_shape(input._data.shape, data.shape))
    if input._data.size:
        if data.dtype == input._data.dtype:
            np.copyto(input._data, data)
        else:       # (quietly: PyTorch's copy_ casts silently, a float64 beyond float32's range to inf)
            quietly(np.copyto, input._data, data, casting="unsafe")
    _bump_version(input)
    return input


def _prior_state(input):
    """The tensor's current state, moved to a new Tensor before an in-place op overwrites it. Hooks stay with
    that state, the one they were registered on (as PyTorch); retain_grad follows the tensor."""
    prior = object.__new__(Tensor)
    prior.__dict__.update(_instance_dict(input))      # (all of it: a subclass's __dict__ shows less)
    prior.__dict__.pop("_retains_grad", None)
    prior.__dict__.pop("_grad_of", None)              # (a recorded .grad is the tensor, which takes the new state)
    if input.__dict__.pop("_grad_hooks", None) is not None and input.__dict__.get("_retains_grad"):
        input.__dict__["_grad_hooks"] = {}
    # the ops recorded so far read the state that now moves aside: they point at it from here on, so their
    # gradients reach it and not the tensor's new state (the list stays with prior, as those ops' parent)
    for ref in input.__dict__.pop("_consumers", ()):
        node = ref()
        if node is not None:
            node._parents = tuple(prior if p is input else p for p in node._parents)
    # and prior is the op that read input's parents now: a later in-place change of one of them (x[t].unsqueeze_(0)
    # then x[1] = ...) must re-point prior, not the tensor's new state
    for parent in prior._parents:
        consumers = parent.__dict__.get("_consumers")
        if consumers:
            consumers[:] = [weakref.ref(prior) if r() is input else r for r in consumers]
    return prior


def _rebase(input, data, parents, backward, op, graph_backward=None):
    """Make input the recorded result of an in-place op: (data, parents, backward[, graph_backward]).

    The previous state moves to a new Tensor, ``prior`` (_prior_state), which replaces input
    among the parents, so the graph stays acyclic.
    """
    prior = _prior_state(input)
    return _take_place(input, data, tuple(prior if p is input else p for p in parents), backward, graph_backward, op)


def _keep_buffer(input):
    """A module's buffer read by attribute that took a new array (an in-place op recorded in a graph: the prior
    state keeps the old one) stays the module's buffer: the module takes the new array, as PyTorch's buffer is the
    tensor changed in place (pytorch-ood's RunningCenters: `self.running_centers[classes] = cma`, cma from the
    batch's features, which require grad). Reading it back gives this tensor, its graph with it."""
    slot = input.__dict__.get("_buffer_slot")
    if slot is not None:
        slot.rebind(input._data)


def _take_place(input, data, parents, backward, graph_backward, op):
    """input becomes the graph node (data, parents, backward, graph_backward) of an in-place op. Everything of
    its previous node goes (the prior state kept a copy), the create_graph backward too: a stale one would
    differentiate the wrong op."""
    input.__dict__.pop("_graph_backward", None)
    input.__dict__.pop("_saves_nothing", None)     # the in-place op's node is released after backward as any other
    input.__dict__.pop("_free_saved", None)
    old = input._data
    input.__dict__.update(_data=data, _grad=None, requires_grad=True, _parents=parents, _backward=backward, _op=op,
                          _seq=next_sequence_number())
    _follow_recorded_grad(input, old)              # (p.grad.zero_() of a recorded .grad: p's gradient is the result)
    _keep_buffer(input)
    _bump_version(input)
    if graph_backward is not None:
        input._graph_backward = graph_backward
    _remember_consumer(input, parents)             # its new state reads these: a later change of one re-points it
    return input


def _apply(input, op, compute, *operands, **named):
    """An in-place op whose out-of-place result is compute(t, *operands, **named), t the tensor's current state
    (an operand that is the tensor itself, as in h.add_(h), is that state too).

    While a graph is recorded, the current state first moves to a new Tensor (``prior``) and the result is
    computed from it, so that every node the op creates (a composite op makes several) points at the prior
    state, never at the tensor being overwritten; the tensor then takes the result's place in the graph. Ops
    recorded BEFORE the change point at the prior state too (``_prior_state``). The result must keep the tensor's shape and takes its dtype (a floating
    result is refused by an integer tensor), as PyTorch's in-place ops."""
    def run(t):
        swap = lambda x: t if x is input else x          # noqa: E731
        return _checked(input, compute(t, *map(swap, operands), **{k: swap(v) for k, v in named.items()}))
    if not (input.requires_grad and is_grad_enabled()):
        result = run(input)
        if not result.requires_grad:                   # nothing recorded: write into the tensor's array
            return _write(input, result._data, op)
        # an operand requires grad (out = zeros(); out.add_(x)): computed again below, from the prior state
    _refuse_leaf(input, op)
    _refuse_view(input, op)
    prior = _prior_state(input)
    result = run(prior)
    if result.dtype != input.dtype:
        _check_result_cast(result._data.dtype, input)
        result = result.to(input.dtype)
    return _write_through(_take_place(input, result._data, result._parents, result._backward,
                                      result.__dict__.get("_graph_backward"), op))


def _reshaped(name):
    """x.<name>_(...) for the view ops that change the shape (squeeze_, unsqueeze_, t_, transpose_, swapdims_):
    the tensor takes the view's shape; in a graph it becomes the view's node, as _apply does."""
    def iop(input, *args, **kwargs):
        try:
            return _reshape_in_place(input, args, kwargs)
        except (TypeError, RuntimeError) as error:
            # (the parser's and t_'s words name the in-place method: "transpose_(): argument", "t_() expects")
            if not str(error).startswith(name + "("):
                raise
            raise type(error)(name + "_" + str(error)[len(name):]) from None

    def _reshape_in_place(input, args, kwargs):
        if not (input.requires_grad and is_grad_enabled()):
            input._data = getattr(input, name)(*args, **kwargs)._data
            _keep_buffer(input)                        # (a buffer's unsqueeze_: the module's buffer changes shape)
            return input
        _refuse_leaf(input, name + "_")
        result = getattr(_prior_state(input), name)(*args, **kwargs)
        return _take_place(input, result._data, result._parents, result._backward,
                           result.__dict__.get("_graph_backward"), name + "_")
    iop.__name__ = name + "_"
    return iop


def _checked(input, result):
    """result, which must keep input's shape (an in-place op's)."""
    _refuse_growing(input.shape, result.shape)
    return result


def add_(input, other, alpha=1, *rest):
    alpha, (other,) = legacy_scalar_first(alpha, (other,), rest, "add_")
    alpha = checked_alpha(input, other, alpha)
    return _apply(input, "add_", lambda t, o: t + _scaled(t, o, alpha), other)


def sub_(input, other, alpha=1, *rest):
    alpha, (other,) = legacy_scalar_first(alpha, (other,), rest, "sub_")
    alpha = checked_alpha(input, other, alpha)
    return _apply(input, "sub_", lambda t, o: t - _scaled(t, o, alpha), other)


def mul_(input, other):
    return _apply(input, "mul_", lambda t, o: t * o, other)


def div_(input, other, *, rounding_mode=None):
    return _apply(input, "div_", lambda t, o: t.div(o, rounding_mode=rounding_mode), other)


def clamp_(input, min=None, max=None):
    """clamp in place. Number bounds whose result type the tensor cannot hold (long.clamp_(min=0.5)) are refused in
    PyTorch's words for its scalar kernel, which name the tensor's C++ element type ("... desired output type long
    int"); tensor bounds get _apply's check, which names its ScalarType (Long), as PyTorch's."""
    if not isinstance(min, Tensor) and not isinstance(max, Tensor) and (min is not None or max is not None):
        result = scalar_dtype([b for b in (min, max) if b is not None], input.dtype)
        if _KIND_RANK.get(result.kind, 2) > _KIND_RANK.get(input.dtype.kind, 2):
            raise RuntimeError(f"result type {scalar_type_name(result)} can't be cast to the desired output type "
                               f"{typeid_name(input.dtype)}")
    return _apply(input, "clamp_", lambda t, lo, hi: t.clamp(lo, hi), min, max)


@fill_value_parsed("masked_fill_", ("input", "mask", "value"), masks=("mask",))
def masked_fill_(input, mask, value):
    if isinstance(mask, Tensor):
        # a mask that does not broadcast: PyTorch's in-place op names the tensor first (masked_fill names the mask)
        broadcast_shape(input.shape, mask.shape)
    return _apply(input, "masked_fill_", lambda t, m, v: t.masked_fill(m, v), mask, value)


@parsed_ints(overloaded_at=(3, 4), dim="int", index="Tensor")      # (and axis= for dim=, as scatter)
def scatter_(input, dim, index, src=None, *, value=None, reduce=None):
    return _apply(input, "scatter_", lambda t, s_: t.scatter(dim, index, s_, value=value, reduce=reduce), src)


@parsed_ints(dim="int", index="Tensor", src="Tensor")
def scatter_add_(input, dim, index, src):
    return _apply(input, "scatter_add_", lambda t, s_: t.scatter_add(dim, index, s_), src)


def copy_(input, src, non_blocking=False):
    """Overwrite the values with src's (broadcast to this shape, cast to this dtype); the old values get no
    gradient, src (if it requires one) gets g summed back to its shape."""
    src = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
    if src.is_meta and not input.is_meta:
        raise NotImplementedError("Cannot copy out of meta tensor; no data!")
    # (into an integer or bool tensor the copy is not differentiable: written outside the graph, as PyTorch's)
    if is_grad_enabled() and (src.requires_grad and input.dtype.kind in "fc" or input.requires_grad):
        _refuse_leaf(input, "copy_")
        _refuse_view(input, "copy_")
        _refuse_growing(input.shape, broadcast_shape(input.shape, src.shape))
        data = quietly(np.broadcast_to(src._data, input.shape).astype, input.dtype)      # (a copy: silent, as _write)
        # (create_graph: src's gradient is g itself, so it can be differentiated again: e3nn's Extract copies
        # slices of a gated feature into new tensors inside a network whose forces are an energy's gradient)
        # (the old values, in a graph of their own, get zeros: PyTorch's CopyBackwards, not None)
        old, srcs = _old_graph(input), (src,) if src.requires_grad else ()
        return _write_through(_rebase(input, data, (*old, *srcs), lambda g: (*_zeros(old, g), *(g for _ in srcs)),
                                      "copy_", lambda g: (*_zeros_graph(old, g), *(g for _ in srcs))))
    # any dtype, as PyTorch's copy_ (cast quietly: a float64 beyond float32's range is inf, without NumPy's warning)
    # (cast by dtypes.cast: quietly only where it can overflow, so float32 -> float64 pays nothing)
    try:
        return _write(input, cast(src._data, input._data.dtype), "copy_")
    except RuntimeError:
        if same_data(input._data, src._data):       # x.copy_(x) of an expand: PyTorch's copy_ returns before refusing
            _bump_version(input)
            return input
        raise


def _old_graph(input):
    """() or (a stand-in for input's current state in the graph), for an in-place op that overwrites every value:
    PyTorch's ZeroBackward0 / FillBackward / CopyBackwards give that state's graph zeros (not None). The stand-in
    reads input's parents, not its values (zeros of no memory), so the overwritten values are freed once no other
    op reads them, as PyTorch's node keeps only the old node, not the old output."""
    parents = tuple(p for p in input._parents if p.requires_grad) if input.requires_grad else ()
    if not parents:
        return ()
    return (Tensor._make(np.broadcast_to(np.zeros((), input._data.dtype), input.shape), parents,
                         lambda g: tuple(np.zeros(p.shape, p._data.dtype) for p in parents), "overwritten",
                         lambda g: tuple(Tensor._wrap(np.zeros(p.shape, p._data.dtype)) for p in parents)),)


def _zeros(old, g):
    """The gradient of old (_old_graph's stand-in, or nothing): zeros of g's shape."""
    return tuple(np.zeros_like(g) for _ in old)


def _zeros_graph(old, g):
    """_zeros for a create_graph backward (g a Tensor)."""
    return tuple(Tensor._wrap(np.zeros_like(g._data)) for _ in old)


def _overwrite(input, values, op):
    """fill_ / zero_ / normal_ / uniform_: new constant values; a tensor in a graph stays in it (requires_grad,
    as PyTorch) and passes zeros back to its old values."""
    _refuse_leaf(input, op)
    if input.requires_grad and is_grad_enabled():
        _refuse_view(input, op)
        old = _old_graph(input)
        return _write_through(_rebase(input, np.asarray(values, dtype=input.dtype).copy(), old,
                                      lambda g: _zeros(old, g), op, lambda g: _zeros_graph(old, g)))
    return _write(input, values, op)


def _refuse_value_dims(value):
    """PyTorch's RuntimeError for a fill value that is a Tensor of one or more dims (a 1-element one too)."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")


@fill_value_parsed("fill", ("input", "value"))
def fill(input, value):
    """torch.fill(input, value): a new tensor of input's shape and dtype, every element value (a number, or a 0-d
    Tensor). Its gradient, as PyTorch's FillBackward: zeros for input, the sum of g for a value Tensor (a masked_fill
    of every element)."""
    _refuse_value_dims(value)
    return masked_fill(input, Tensor._wrap(np.ones((), bool)), value)


@fill_value_parsed("fill_", ("input", "value"))
def fill_(input, value):
    """Every element set to value, cast to the tensor's dtype (an int64 tensor's fill_(1.7) writes 1, as PyTorch)."""
    if isinstance(value, Tensor) and value.ndim and input.requires_grad and is_grad_enabled():
        _refuse_leaf(input, "fill_")        # (a leaf, or a view of one, is refused before the value's dims)
        _refuse_view(input, "fill_")
    _refuse_value_dims(value)
    if is_grad_enabled() and (input.requires_grad or isinstance(value, Tensor) and value.requires_grad):
        # in a graph, FillBackward's gradients: zeros to the old values, sum(g) to a 0-d value that requires grad
        return _apply(input, "fill_", fill, value)
    if isinstance(value, Tensor):       # a 0-d Tensor's value is copied, cast unchecked (PyTorch: uint8 300 -> 44)
        with np.errstate(over="ignore", invalid="ignore"):     # (a complex value's real part: PyTorch's warning)
            filled = real_for_cast(np.full(input.shape, value.item()), input.dtype)
            return _overwrite(input, filled.astype(input.dtype), "fill_")
    v = checked_fill(value, input.dtype)
    return _overwrite(input, np.full(input.shape, v).astype(input.dtype), "fill_")


def zero_(input):
    return _overwrite(input, np.zeros(input.shape, input.dtype), "zero_")


def normal_(input, mean=0.0, std=1.0, generator=None):
    """Fill with draws from N(mean, std^2) from nn's generator (seed it with nn.manual_seed); on a meta tensor
    nothing (no draws), as PyTorch's."""
    if input.is_meta:
        return input
    return _overwrite(input, init.normal_draws(input.shape, mean, std, generator, input.dtype), "normal_")


def uniform_(input, a=0.0, b=1.0, generator=None, **kwargs):
    """Fill with draws from U(a, b) from nn's generator (also accepts PyTorch's from=, to=)."""
    a, b = kwargs.pop("from", a), kwargs.pop("to", b)
    if input.is_meta:                           # no draws on the meta device, as PyTorch's
        return input
    return _overwrite(input, init.uniform_draws(input.shape, a, b, generator, input._data.dtype), "uniform_")


def exponential_(input, lambd=1.0, *, generator=None):
    """Fill with draws from the exponential distribution of rate lambd (mean 1 / lambd): -log(1 - U) / lambd."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    _continuous_only(input, "Exponential", scalar_type_name)
    u = init.uniform_draws(input.shape, 0.0, 1.0, generator)
    return _overwrite(input, -np.log1p(-u) / lambd, "exponential_")


def random_(input, *args, generator=None, **kwargs):
    """Fill with integers drawn uniformly from [from, to): random_(to), random_(from, to) (also from=, to=), or
    random_() up to the largest integer the dtype holds exactly (2^24 for float32, 2^53 for float64)."""
    low = kwargs.pop("from", args[0] if len(args) == 2 else 0)
    high = kwargs.pop("to", args[-1] if args else None)
    if high is None:
        d = input.dtype
        high = 2 ** (np.finfo(d).nmant + 1) + 1 if d.kind == "f" else int(np.iinfo(d).max) if d.kind in "iu" else 2
    # the draws fit the dtype (checked), so a bool tensor takes its 0 / 1 draws as PyTorch's does
    draws = init.integer_draws(input.shape, low, high, generator, input.dtype)
    return _overwrite(input, draws.astype(input.dtype) if input.dtype.kind == "b" else draws, "random_")


def log_normal_(input, mean=1.0, std=2.0, *, generator=None):
    """Fill with draws of exp(N(mean, std^2)) (mean and std those of the underlying normal, as PyTorch's)."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    init.refuse_non_floating(input.dtype, "log_normal")
    return _overwrite(input, np.exp(init.normal_draws(input.shape, mean, std, generator)), "log_normal_")


def _continuous_only(input, law, type_name):
    """PyTorch's RuntimeError for exponential_ / cauchy_ into a tensor that is not floating (type_name: how its
    message prints the dtype, Long for one law, long int for the other)."""
    if input.dtype.kind != "f":
        raise RuntimeError(f"{law} distribution is a continuous probability distribution. dtype must be a floating "
                           f"point but you specified {type_name(input.dtype)}")


def geometric_(input, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...): ceil(log(1 - U) / log(1 - p))."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    refuse_kinds(input.dtype, "bc", "geometric_cpu")           # PyTorch's kernel: integers and floats
    u = init.uniform_draws(input.shape, 0.0, 1.0, generator)
    k = np.maximum(np.ceil(np.log1p(-u) / np.log1p(-p)), 1)
    return _overwrite(input, k.astype(np.int64) if input.dtype.kind in "iu" else k, "geometric_")


def cauchy_(input, median=0.0, sigma=1.0, *, generator=None):
    """Fill with draws from the Cauchy distribution: median + sigma * tan(pi * (U - 1/2))."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
    _continuous_only(input, "Cauchy", typeid_name)
    u = init.uniform_draws(input.shape, 0.0, 1.0, generator)
    return _overwrite(input, median + sigma * np.tan(np.pi * (u - 0.5)), "cauchy_")


def _in_place(name):
    """x.<name>_(...) = x.<name>(...) written back into x (the rules above)."""
    def iop(input, *args, **kwargs):
        try:
            return _apply(input, name + "_", lambda t, *a, **k: getattr(t, name)(*a, **k), *args, **kwargs)
        except TypeError as error:      # the method's parser words name the in-place method, as PyTorch's
            if str(error).startswith(name + "() ") or str(error).startswith(name + "(): "):
                words = name + "_" + str(error)[len(name):]
                if not hasattr(error, "function_words"):
                    raise TypeError(words) from None
                # (and the function form's, torch.gcd_(x, 0, None))
                raise method_argument_error(words, name + "_" + error.function_words[len(name):]) from None
            raise
    iop.__name__ = name + "_"
    return iop


# PyTorch's in-place twins of shape-keeping methods (x.relu_(), x.exp_(), x.index_add_(...)): each computes the
# method's result and writes it back
_IN_PLACE = ("exp", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "abs", "neg", "sigmoid", "tanh", "relu", "sin",
             "cos", "tan", "floor", "ceil", "round", "trunc", "frac", "reciprocal", "square", "sign", "sgn", "pow",
             "clamp_min", "clamp_max", "remainder", "fmod", "lerp", "triu", "tril", "erf",
             "expm1", "exp2", "erfinv", "erfc", "lgamma", "digamma", "sinc", "asinh", "acosh", "atanh", "cumsum", "cumprod", "eq", "ne", "lt", "le", "gt", "ge", "addmm",
             "bitwise_and", "bitwise_or", "bitwise_xor", "logical_not", "nan_to_num", "logit", "xlogy", "hypot", "atan2", "asin", "acos", "atan", "arcsin",
             "arccos", "arctan", "arctan2", "sinh", "cosh", "deg2rad", "rad2deg", "multiply", "divide", "subtract",
             "true_divide", "index_add", "index_reduce", "index_copy", "index_fill", "masked_scatter", "index_put", "fill_diagonal",
             "scatter_reduce", "addmv", "addr", "addbmm", "renorm", "put", "logical_and", "logical_or", "logical_xor",
             "floor_divide", "absolute", "negative", "fix", "copysign", "heaviside", "arcsinh", "arccosh", "arctanh",
             "bitwise_not", "baddbmm", "greater", "greater_equal", "less", "less_equal", "not_equal",
             "gcd", "lcm", "ldexp", "i0", "igamma", "igammac", "nextafter", "polygamma", "mvlgamma",
             "bitwise_left_shift", "bitwise_right_shift")


def _refuse_higher_operand(input, other):
    """The in-place ops whose kernels refuse some operands (bitwise and / or / xor and the shifts a floating one,
    floor_divide / remainder / fmod an integer zero): PyTorch checks that the result type fits the tensor first, so
    `bool_mask &= float_mask` is "result type Double can't be cast to the desired output type Bool", not
    '"bitwise_and_cpu" not implemented for 'Double''. (The words name the promoted type: float64 with complex64
    is ComplexDouble.)"""
    if isinstance(other, Tensor):
        _check_result_cast(result_dtype(input._data, other._data), input)
    elif isinstance(other, (bool, int, float, complex)) and \
            _KIND_RANK.get(np.dtype(type(other)).kind, 0) > _KIND_RANK.get(input.dtype.kind, 2):
        _check_result_cast(np.dtype(scalar_dtype([other], input.dtype)), input)


def _result_fits_first(in_place):
    """in_place (an integer-only op's x.<name>_(other)) checking the result type first (_refuse_higher_operand)."""
    def iop(input, other, *args, **kwargs):
        _refuse_higher_operand(input, other)
        return in_place(input, other, *args, **kwargs)
    iop.__name__ = in_place.__name__
    return iop


def _augmented(name, op, in_place, result_fits_first=False):
    reflected = "__r" + name[3:]                                # __iand__: __rand__

    def iop(input, other):
        if defers_to(other, reflected):     # x &= obj: Python falls back to x & obj, then obj.__rand__(x)
            return NotImplemented
        if is_grad_enabled() and (input.requires_grad or getattr(other, "requires_grad", False)):
            # recording a graph: in place, as PyTorch (timm NaFlex's `x += pos_embed` inside a method must
            # change its caller's x); a view nn cannot write through (_refuse_view) is computed out of place
            # and the name rebound, as before
            try:
                return in_place(input, other)
            except NotImplementedError:
                return op(input, other)
        if result_fits_first:       # (on the graph path in_place checks it: _result_fits_first)
            _refuse_higher_operand(input, other)
        return _write(input, op(input, other)._data, name)
    iop.__name__ = name
    return iop


def _beta_alpha_in_place(name, names):
    """x.<name>_(...) for addmm / addmv / addr / addbmm / baddbmm, whose deprecated orders with the numbers first
    (distmat.addmm_(1, -2, x, c.t())) PyTorch's warning names as the in-place method (addmm_), then as _in_place."""
    plain = _in_place(name)

    def iop(input, *args, **kwargs):
        if len(args) > 2:       # (beta / alpha passed on only when given: 1.5 us less for x.addmm_(a, b))
            _, *args, kwargs["beta"], kwargs["alpha"] = beta_alpha_first(
                name + "_", names, (input,) + args, kwargs.pop("beta", 1), kwargs.pop("alpha", 1))
        return plain(input, *args, **kwargs)
    iop.__name__ = name + "_"
    return iop


_IN_PLACE_OPS = {name + "_": _in_place(name) for name in _IN_PLACE}
_IN_PLACE_OPS.update({name + "_": _beta_alpha_in_place(name, names) for name, names in (
    ("addmm", ("mat1", "mat2")), ("addmv", ("mat", "vec")), ("addr", ("vec1", "vec2")),
    ("addbmm", ("batch1", "batch2")), ("baddbmm", ("batch1", "batch2")))})
_IN_PLACE_OPS.update({name: _result_fits_first(_IN_PLACE_OPS[name]) for name in (
    "bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_left_shift_", "bitwise_right_shift_", "floor_divide_",
    "remainder_", "fmod_")})
attach(**_IN_PLACE_OPS)


def addcmul_(input, tensor1, tensor2, *rest, value=1):
    """x.addcmul_(t1, t2, value=v): x += v * t1 * t2 (also the deprecated value-first order, warned in the name
    addcmul_, as PyTorch)."""
    value, (tensor1, tensor2) = legacy_scalar_first(value, (tensor1, tensor2), rest, "addcmul_")
    return _apply(input, "addcmul_", lambda t, a, b: t.addcmul(a, b, value=value), tensor1, tensor2)


def addcdiv_(input, tensor1, tensor2, *rest, value=1):
    """x.addcdiv_(t1, t2, value=v): x += v * t1 / t2 (also the deprecated value-first order)."""
    value, (tensor1, tensor2) = legacy_scalar_first(value, (tensor1, tensor2), rest, "addcdiv_")
    return _apply(input, "addcdiv_", lambda t, a, b: t.addcdiv(a, b, value=value), tensor1, tensor2)


attach(addcmul_, addcdiv_)


def float_power_(input, exponent):
    """x.float_power_(e): the power in float64, which x must hold already (PyTorch refuses a narrower base)."""
    if input.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {input.dtype} but the operation's result "
                           f"requires dtype float64")
    return _in_place("float_power")(input, exponent)


attach(float_power_)
attach(_version=property(lambda self: self.__dict__.get("_version_count", 0)))
attach(**{name + "_": _reshaped(name) for name in ("squeeze", "unsqueeze", "t", "transpose", "swapdims", "swapaxes")})
attach(add_, sub_, mul_, div_, clamp_, masked_fill_, scatter_, scatter_add_, copy_, fill_, zero_, normal_, uniform_,
       exponential_, random_, log_normal_, cauchy_, geometric_,
       clip_=clamp_, clamp_min_=lambda input, min: clamp_(input, min=min),
       clamp_max_=lambda input, max: clamp_(input, max=max),
       __iadd__=_augmented("__iadd__", lambda a, b: a + b, add_),
       __isub__=_augmented("__isub__", lambda a, b: a - b, sub_),
       __imul__=_augmented("__imul__", lambda a, b: a * b, mul_),
       __itruediv__=_augmented("__itruediv__", lambda a, b: a / b, div_),
       # the other augmented assignments change the tensor in place too, as PyTorch's (`mask &= keep` on a tensor
       # held elsewhere); without them Python rebinds the name to a new tensor and the original keeps its values
       __ifloordiv__=_augmented("__ifloordiv__", lambda a, b: a // b, _IN_PLACE_OPS["floor_divide_"], True),
       __imod__=_augmented("__imod__", lambda a, b: a % b, _IN_PLACE_OPS["remainder_"], True),
       __ipow__=_augmented("__ipow__", lambda a, b: a ** b, _IN_PLACE_OPS["pow_"]),
       __iand__=_augmented("__iand__", lambda a, b: a & b, _IN_PLACE_OPS["bitwise_and_"], True),
       __ior__=_augmented("__ior__", lambda a, b: a | b, _IN_PLACE_OPS["bitwise_or_"], True),
       __ixor__=_augmented("__ixor__", lambda a, b: a ^ b, _IN_PLACE_OPS["bitwise_xor_"], True),
       __ilshift__=_augmented("__ilshift__", lambda a, b: a << b, _IN_PLACE_OPS["bitwise_left_shift_"], True),
       __irshift__=_augmented("__irshift__", lambda a, b: a >> b, _IN_PLACE_OPS["bitwise_right_shift_"], True))
