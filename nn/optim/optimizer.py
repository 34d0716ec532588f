"""Optimizer: the base class of every optimizer.

Same names, defaults and update rules as torch.optim, so a training run can be
checked number for number against PyTorch.

An optimizer holds ``param_groups``: a list of dicts, each with ``'params'``
(a list of Parameters) and its hyper-parameters (``'lr'``, ...). Schedulers
change ``group['lr']`` between steps.

Saving for resume: ``optimizer.state_dict()`` is PyTorch's layout::

    {"state": {i: {"step": 3, "exp_avg": array, ...}},          per-parameter state of parameter i
     "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999), ..., "params": [0, 1, ...]}]}

Parameter i is the i-th parameter counting across groups in order (as PyTorch's integer ids), so the
state loads into a new optimizer built the same way, and a state saved by PyTorch (``torch.save``, read
by ``nn.load``) loads here. Save it inside a checkpoint with ``nn.save({...}, "ckpt.pt")`` (the .npz
format holds flat dicts of arrays only).
"""
import functools
import inspect
import numbers
import threading

import numpy as np

from ..caller_warnings import warn_at_caller
from ..dtypes import scalar_type_name
from ..grad_mode import enable_grad
from ..hooks import RemovableHandle
from ..tensor import Tensor
from ..tensor_ops.extras import typename as _typename    # torch.typename, for PyTorch's messages


# .on while an optimizer's constructor checks its arguments on this thread (Optimizer.__init__): _hyper checks
# only then (per thread: two optimizers built at once in two threads do not see each other's flag)
_checking = threading.local()


def checking():
    """Whether the hyper-parameters being read are the constructor's arguments, which PyTorch checks."""
    return getattr(_checking, "on", False)


def _hyper(value, check=None, words=None):
    """A hyper-parameter as a group keeps it: a one-element real tensor as its number, an int as an int (PyTorch
    keeps what it is given), anything else as it is (PyTorch checks no types: a str fails at the first step).
    check: PyTorch's comparison of the constructor's argument (``lambda v: 0.0 <= v`` for Adam's lr, ``lambda v:
    not v < 0.0`` for SGD's, which lets NaN through), run on the value as given, so that a str or None raises
    Python's TypeError of that comparison as there; False is ValueError "Invalid {words}: {value}"."""
    if check is not None and checking() and not check(value):
        raise ValueError(f"Invalid {words}: {value}")
    if isinstance(value, Tensor) and value.numel() == 1 and value.dtype.kind in "fiu":
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return value
    return int(value) if isinstance(value, numbers.Integral) else float(value)


def _lr(value, check):
    """The learning rate, read by _hyper with PyTorch's check of a tensor lr first (it must hold one value)."""
    if checking() and isinstance(value, Tensor) and value.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    return _hyper(value, check, "learning rate")


# The words of PyTorch 2.13's first op that takes a complex lr in each optimizer's update of a real parameter
# (OpenNMT's noam schedule of a model size of -1 makes (-1) ** -0.5 its rate): add_(alpha=), a cast of the
# result of param.mul_(1 - lr * wd) or of SparseAdam's sparse add_, Python's float comparisons (ASGD's float(lr),
# Adafactor's lr < 0 check), or addcdiv_ / full_like's value
_COMPLEX_LR_WORDS = dict(SGD="alpha", Adadelta="alpha", LBFGS="alpha", AdamW="cast", RAdam="cast", ASGD="real",
                         SparseAdam="add", Adafactor="compare", **dict.fromkeys(
                             ("Adam", "Adagrad", "Adamax", "NAdam", "RMSprop", "Rprop"), "value"))


def _refuse_complex_lr(optimizer, group):
    """PyTorch's error for a group of a built-in optimizer whose lr is complex, raised where its step would meet it:
    at the group's first real parameter with a gradient (a complex parameter takes a complex lr; a custom
    optimizer's step, its own code, is left to do what it does)."""
    kind = _COMPLEX_LR_WORDS.get(type(optimizer).__name__)
    if kind is None or not type(optimizer).__module__.startswith(__name__.rpartition(".")[0]):
        return
    p = next((p for p in group.get("params", ()) if p._grad is not None and p._data.dtype.kind == "f"), None)
    if p is None:
        return
    real = scalar_type_name(p._data.dtype)
    if kind == "real":
        raise TypeError("must be real number, not complex")
    if kind == "compare":
        raise TypeError("'<' not supported between instances of 'float' and 'complex'")
    if kind == "alpha":
        raise RuntimeError("For non-complex input tensors, argument alpha must not be a complex number.")
    if kind == "cast":
        raise RuntimeError(f"result type Complex{real} can't be cast to the desired output type {real}")
    if kind == "add":
        raise RuntimeError(f"Can't convert result type Complex{real} to output {real} in add operation")
    raise RuntimeError(f"value cannot be converted to type {real.lower()} without overflow")


class _RequiredParameter:
    """The default of a hyper-parameter that has none (from torch.optim.optimizer import Optimizer, required: how
    custom optimizers written for PyTorch mark lr as mandatory)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def real_view(a, read_only=False):
    """A complex array as its (..., 2) real pairs (view_as_real: the same memory), which PyTorch's optimizers
    update for a complex parameter (Adam's second moment is then per real and imaginary part, not |g|^2); None or a
    real array itself. A strided last dimension has no such view: a gradient (read_only) is copied, an array the
    kernel writes into is refused (an update of a copy would be lost)."""
    if a is None or a.dtype.kind != "c":
        return a
    if a.ndim and a.strides[-1] != a.itemsize:
        if not read_only:
            raise ValueError(f"a complex parameter of shape {a.shape} with a strided last dimension cannot be "
                             f"updated in place as real pairs; make it contiguous (p.data = p.data.contiguous()) "
                             f"before the optimizer's first step")
        a = np.ascontiguousarray(a)
    return a[..., None].view(a.real.dtype)


_FLAGS = ("foreach", "capturable", "differentiable", "fused")
# The flags a PyTorch optimizer lacks (its constructor refuses them, its groups do not hold them): SGD and Adagrad
# have no capturable, the others but Adam and AdamW no fused, SparseAdam none but maximize
_LACKS = dict(SGD=("capturable",), Adagrad=("capturable",), SparseAdam=_FLAGS,
              **{name: ("fused",) for name in ("Adadelta", "Adamax", "NAdam", "RAdam", "RMSprop", "Rprop", "ASGD")})


def pytorch_flags(owner, maximize=False, **flags):
    """PyTorch's keyword-only optimizer flags of optimizer owner ("SGD", ...), as group entries (its param_groups
    hold them too): maximize (ascend: the gradient is negated) and the implementation choices foreach, fused and
    capturable it has, which change nothing on the CPU here (one computation whichever is asked for).
    differentiable=True, a step autograd can see through, is not supported."""
    lacks = _LACKS.get(owner, ())
    for name in flags:
        if name not in _FLAGS or name in lacks:
            raise TypeError(f"{owner}.__init__() got an unexpected keyword argument '{name}'")
    if flags.get("differentiable"):
        raise NotImplementedError("differentiable=True is not supported: nn's optimizer steps are not recorded "
                                  "by autograd")
    given = dict(foreach=flags.get("foreach"), capturable=bool(flags.get("capturable", False)),
                 differentiable=False, fused=flags.get("fused"))
    return dict(maximize=bool(maximize), **{k: v for k, v in given.items() if k not in lacks})


def refuse_fused_with_foreach(defaults):
    """PyTorch's check of the optimizers that have fused (SGD, Adagrad, Adam, AdamW), made after its
    Optimizer.__init__ has read the parameters (so an empty parameter list is reported first)."""
    if defaults.get("fused") and defaults.get("foreach"):
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


class _StateByParam(dict):
    """Per-parameter state: a dict keyed by id(param), also indexable by the Parameter itself
    (``optimizer.state[p]["exp_avg"]`` as in PyTorch) without relying on Tensor hashing. As PyTorch's
    ``defaultdict(dict)``, ``state[p]`` of a parameter without state is a new empty dict. Other keys (MADGRAD's
    ``self.state['k']``, an optimizer-wide step counter) are kept as themselves, as PyTorch's. Iterating it
    (``for p, s in optimizer.state.items()``, ``keys()``, ``for p in state``) yields each parameter itself, as
    PyTorch's dict keyed by them; a key stored as itself (an integer id a loaded state_dict kept) as itself."""

    def __missing__(self, k):
        return super().setdefault(k, {})

    @staticmethod
    def _key(k):
        return id(k) if isinstance(k, (Tensor, np.ndarray)) else k

    def _stored(self, k):
        """k's key, remembering a Tensor key's object (iterating yields it for its id)."""
        key = self._key(k)
        if key is not k:
            self.__dict__.setdefault("_objects", {})[key] = k
        return key

    def __getitem__(self, k):
        return super().__getitem__(self._stored(k))

    def __setitem__(self, k, v):
        super().__setitem__(self._stored(k), v)

    def __delitem__(self, k):
        key = self._key(k)
        super().__delitem__(key)
        self.__dict__.get("_objects", {}).pop(key, None)

    def pop(self, k, *default):
        key = self._key(k)
        self.__dict__.get("_objects", {}).pop(key, None)
        return super().pop(key, *default)

    def clear(self):
        super().clear()
        self.__dict__.pop("_objects", None)

    def popitem(self):
        key, value = super().popitem()
        return self.__dict__.get("_objects", {}).pop(key, key), value

    def update(self, *args, **kwargs):
        for k, v in dict(*args, **kwargs).items():     # (by the parameter's id, as every other key)
            self[k] = v

    def __contains__(self, k):
        return super().__contains__(self._key(k))

    def get(self, k, default=None):
        return super().get(self._key(k), default)

    def setdefault(self, k, default=None):
        return super().setdefault(self._stored(k), default)

    def __iter__(self):
        objects = self.__dict__.get("_objects", {})
        return iter([objects.get(k, k) for k in dict.keys(self)])

    def keys(self):
        return list(self)

    def items(self):
        objects = self.__dict__.get("_objects", {})
        return [(objects.get(k, k), v) for k, v in dict.items(self)]

    def __reduce__(self):
        # pickled with the parameters themselves as keys: the ids inside mean nothing to the unpickled parameters
        # (Optimizer.__getstate__ says which parameter each id is; an id it does not know stays as it is)
        params = {**self.__dict__.get("_params_by_id", {}), **self.__dict__.get("_objects", {})}
        return _state_from_pairs, ([(params.get(k, k), v) for k, v in dict.items(self)],)


def _state_from_pairs(pairs):
    """An unpickled _StateByParam: parameter keys (the unpickled parameters) keyed by their ids again."""
    state = _StateByParam()
    for key, entries in pairs:
        state[key] = entries
    return state


_global_step_pre_hooks, _global_step_post_hooks = {}, {}


def register_optimizer_step_pre_hook(hook):
    """hook(optimizer, args, kwargs) runs before every optimizer's step (before its own pre-hooks); it may return
    (new_args, new_kwargs). Returns a removable handle."""
    return RemovableHandle(_global_step_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    """hook(optimizer, args, kwargs) runs after every optimizer's step (before its own post-hooks). Returns a
    removable handle."""
    return RemovableHandle(_global_step_post_hooks, hook)


def _hooked(step):
    """step between the step pre- and post-hooks (the global ones first, as PyTorch's); a step called from
    within another (a subclass's step calling super().step()) runs them once, in the outermost."""
    @functools.wraps(step)
    def hooked_step(self, *args, **kwargs):
        own = self.__dict__
        own["_opt_called"] = True                       # a scheduler stepped before any optimizer step warns
        if own.get("_in_step") or not (_global_step_pre_hooks or _global_step_post_hooks
                                       or own.get("_step_pre_hooks") or own.get("_step_post_hooks")):
            return step(self, *args, **kwargs)          # no hook anywhere (the usual case): nothing to wrap
        for hook in [*_global_step_pre_hooks.values(), *self.__dict__.get("_step_pre_hooks", {}).values()]:
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{hook} must return None or a tuple of (new_args, new_kwargs), but got "
                                       f"{result}.")
                args, kwargs = result
        self._in_step = True
        try:
            out = step(self, *args, **kwargs)
        finally:
            self._in_step = False
        for hook in [*_global_step_post_hooks.values(), *self.__dict__.get("_step_post_hooks", {}).values()]:
            hook(self, args, kwargs)
        return out
    return hooked_step


def _checks_grads_first(step):
    """step, checking the gradients first (within its hooks); a step(self) without arguments (this library's
    optimizers) also gets PyTorch's step(closure=None): the closure runs first, with gradients on, and step
    returns its loss."""
    if len(inspect.signature(step).parameters) > 1:           # step(self, closure, ...): it calls the closure
        @functools.wraps(step)
        def checked_step(self, *args, **kwargs):
            self._check_grads()
            return step(self, *args, **kwargs)
        return _hooked(checked_step)

    @functools.wraps(step)
    def step_with_closure(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._check_grads()
        step(self)
        return loss
    # its signature is PyTorch's step(self, closure=None), not the wrapped step(self)'s: neurodiffeq's solvers read
    # inspect.signature(optimizer.step) to tell an optional closure (Adam's) from a required one (LBFGS's)
    del step_with_closure.__wrapped__
    return _hooked(step_with_closure)


class Optimizer:
    """Base class: param_groups, zero_grad(), state_dict() / load_state_dict().

    Subclasses pass ``defaults`` (hyper-parameter name -> default) and define ``step()``, and
    may define ``_validate(group)`` to check a group's hyper-parameters, as this library's do;
    per-parameter state lives in ``self.state[param]`` (a dict; keyed internally by id(param)).
    A group may carry keys the defaults do not name (PyTorch keeps them too: an optimizer that
    wraps another, such as SAM, passes its groups on). Every subclass's ``step()`` starts with ``_check_grads()``
    (added by ``__init_subclass__``): a gradient of the wrong shape raises before any update; a
    ``step(self)`` also takes PyTorch's optional ``closure`` there (run first; its loss returned).
    """

    def __init_subclass__(cls, **kwargs):
        # every optimizer's step() first checks the gradients (_check_grads): a wrong-shaped
        # gradient would make the update kernels read past the end of the array
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = _checks_grads_first(cls.step)

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = _StateByParam()
        _checking.on = True                 # the arguments first, checked as PyTorch's __init__ checks them
        try:
            self._validate(dict(defaults))
        finally:
            _checking.on = False
        if isinstance(params, Tensor):
            raise TypeError(f"params argument given to the optimizer should be an iterable of Tensors or dicts, but "
                            f"got {_typename(params)}")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __getstate__(self):
        """What pickle saves (and copy.copy): the attributes but the hooks (PyTorch's leaves them out too); the
        per-parameter state is pickled keyed by the parameters themselves (see _StateByParam.__reduce__), so an
        unpickled optimizer goes on from its state, as PyTorch's, rather than restarting."""
        for value in self.__dict__.values():
            if isinstance(value, _StateByParam):
                value.__dict__["_params_by_id"] = {id(p): p for p in Optimizer._params(self)}
        return {k: v for k, v in self.__dict__.items() if not k.endswith("_hooks")}

    def __setstate__(self, state):
        """What copy / pickle restore (a custom optimizer's own __setstate__ calls this first, as PyTorch's)."""
        self.__dict__.update(state)

    def __deepcopy__(self, memo):
        """A deep copy whose state belongs to the copied parameters (it is keyed by id(param) inside)."""
        import copy  # noqa: PLC0415 - only when copying
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for group in self.__dict__.get("param_groups", ()):
            copy.deepcopy(group["params"], memo)    # the parameters first: memo then maps their ids to the copies
        contents = copy.deepcopy(self.__dict__, memo)
        for value in contents.values():
            if isinstance(value, _StateByParam):    # this optimizer's state (and a wrapped optimizer's): re-keyed
                objects = value.__dict__.get("_objects", {})     # (the copied parameters, where pickled as keys)
                items = [(memo[k] if k in memo else objects.get(k, k), v) for k, v in dict.items(value)]
                value.clear()                       # in place, so a wrapper sharing its base's state dict still
                for k, v in items:                  # shares the copy's
                    value[k] = v
        new.__setstate__(contents)
        return new

    def add_param_group(self, group):
        """Add a dict {'params': [...], hyper-parameters...}; missing hyper-parameters take the defaults. The dict
        itself becomes the group, filled in place as PyTorch's: an optimizer built again from the same dicts
        (torchdr's after early exaggeration) inherits the first one's lr / momentum, and shares the group."""
        if not isinstance(group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(group)}")
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering of "
                            "tensors in sets will change between runs. Please use a list instead.")
        params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}")
            if not p.is_leaf:               # a frozen parameter is accepted (and never updated), as in PyTorch
                raise ValueError("can't optimize a non-leaf Tensor")
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):     # PyTorch's warning; the parameter is kept twice
            warn_at_caller("optimizer contains a parameter group with duplicate parameters; in future, this will "
                           "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group):
        """Read a group's hyper-parameters into the values the step uses (_hyper). Run first on the constructor's
        arguments, when _hyper also checks them as PyTorch's __init__ does (a group given as a dict is not checked
        there either). Nothing to read here."""

    def _gradients(self, group, new_state):
        """(p, state, g, dt) for each parameter of group that has a gradient, for optimizers written in NumPy:
        state is created by new_state(p) on first use and its "step" counted; g is the gradient, negated
        with group["maximize"], plus weight_decay * p (L2, as torch), or, where the group says
        decoupled_weight_decay, with p first shrunk by 1 - lr * weight_decay (AdamW's decay, as torch)."""
        for p in group["params"]:
            if p._grad is None:
                continue
            if p._data.dtype.kind == "c":
                raise NotImplementedError(f"{type(self).__name__}: complex parameters are not supported yet (SGD, "
                                          f"Adam and AdamW update them, as their view_as_real pairs)")
            dt = p._data.dtype.type
            state = self.state.setdefault(p, {})
            if not state:
                state["step"] = 0
                state.update(new_state(p))
            state["step"] += 1
            g = np.asarray(p._grad, dtype=p._data.dtype)
            if group.get("maximize"):
                g = -g
            if group.get("weight_decay"):
                if group.get("decoupled_weight_decay"):
                    p._data *= dt(1 - group["lr"] * group["weight_decay"])
                else:
                    g = g + dt(group["weight_decay"]) * p._data
            yield p, state, g, dt

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient: to None (PyTorch's default, set_to_none=True), or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p._grad is None:
                    p._grad = None
                else:               # (a recorded gradient is detached first, as PyTorch's)
                    p.__dict__.pop("_grad_graph", None)
                    p._grad[...] = 0

    def step(self):
        raise NotImplementedError

    def _check_grads(self):
        """Every gradient has its parameter's shape (checked for all before any is updated). A group without
        "params" is passed over: a subclass that keeps its parameters elsewhere and takes them in step (betty's
        differentiable optimizers, step(params)) runs as on PyTorch, which checks nothing here."""
        for i, p in enumerate(Optimizer._params(self)):
            g = p._grad
            if g is None:
                continue
            if not isinstance(g, np.ndarray):
                raise TypeError(f"{type(self).__name__}.step: parameter {i} (shape {p._data.shape}) has a "
                                f".grad of type {type(g).__name__}; expected a NumPy array or None")
            if g.shape != p._data.shape:
                raise ValueError(f"{type(self).__name__}.step: parameter {i} has shape {p._data.shape} but "
                                 f"its .grad has shape {g.shape}; a gradient must have its parameter's "
                                 f"shape (check what set .grad, e.g. a custom backward)")
        for group in self.param_groups:
            if isinstance(group.get("lr"), complex):
                _refuse_complex_lr(self, group)

    def _params(self):
        # (nn's own code calls it as Optimizer._params(self): a subclass may set an attribute `_params`, as
        # PyTorch's LBFGS and pytorch-minimize's Minimizer do, self._params = self.param_groups[0]['params'])
        # (a group without "params": a subclass that takes its parameters in step, betty's step(params))
        return [p for group in self.param_groups for p in group.get("params", ())]

    # ---- hooks ------------------------------------------------------------------------------
    def _hooks(self, name):
        return self.__dict__.setdefault(name, {})

    def _patch_step_function(self):
        """PyTorch's Optimizer.__init__ helper that wraps the class's step between the step hooks; a wrapper that
        skips Optimizer.__init__ calls it itself (pytorch_optimizer's Magma). Here __init_subclass__ has wrapped
        step already, so only the profiler's zero_grad name is set."""
        self._zero_grad_profile_name = f"Optimizer.zero_grad#{self.__class__.__name__}.zero_grad"

    def register_step_pre_hook(self, hook):
        """hook(optimizer, args, kwargs) runs before step(); it may return (new_args, new_kwargs). Returns a
        handle whose remove() unregisters it."""
        return RemovableHandle(self._hooks("_step_pre_hooks"), hook)

    def register_step_post_hook(self, hook):
        """hook(optimizer, args, kwargs) runs after step(). Returns a removable handle."""
        return RemovableHandle(self._hooks("_step_post_hooks"), hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """hook(optimizer) runs before state_dict() builds the dict. Returns a removable handle."""
        return _registered(self._hooks("_state_dict_pre_hooks"), hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) runs on the dict state_dict() returns; it may return a replacement."""
        return _registered(self._hooks("_state_dict_post_hooks"), hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) runs before load_state_dict() loads; it may return a replacement dict."""
        return _registered(self._hooks("_load_state_dict_pre_hooks"), hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """hook(optimizer) runs after load_state_dict() loaded. Returns a removable handle."""
        return _registered(self._hooks("_load_state_dict_post_hooks"), hook, prepend)

    # ---- state dict: PyTorch's layout -------------------------------------------------------
    def state_dict(self):
        """PyTorch's layout: ``{"state": {i: {name: value}}, "param_groups": [{hyper-parameters..., "params":
        [i, ...]}]}``, i the parameter's index counting across groups in order (PyTorch's integer ids), so it
        loads into an optimizer built the same way, here or in PyTorch. The state's arrays are the optimizer's own,
        as PyTorch's tensors are (later steps change them: deepcopy to keep a snapshot). The state-dict hooks
        (register_state_dict_pre_hook / _post_hook) run before and on it."""
        for hook in list(self.__dict__.get("_state_dict_pre_hooks", {}).values()):
            hook(self)
        index = {id(p): i for i, p in enumerate(Optimizer._params(self))}
        groups = [{**{k: v for k, v in group.items() if k != "params"},
                   "params": [index[id(p)] for p in group["params"]]} for group in self.param_groups]
        # (keyed by id(param) inside; by the parameters themselves where a subclass made self.state a defaultdict)
        ids = {key: id(key) if isinstance(key, Tensor) else key for key in self.state}
        state = {index[ids[key]]: dict(entries)
                 for key, entries in self.state.items() if ids[key] in index and entries}
        # state under a key that is no parameter (MADGRAD's self.state['k'], an integer one load_state_dict kept:
        # torchcontrib's SWA) is saved as is, as PyTorch's
        others = {key: value for key, value in self.state.items()
                  if not isinstance(key, Tensor) and ids[key] not in index}
        result = {"state": {**dict(sorted(state.items())), **others}, "param_groups": groups}
        for hook in list(self.__dict__.get("_state_dict_post_hooks", {}).values()):
            replaced = hook(self, result)
            result = result if replaced is None else replaced
        return result

    def load_state_dict(self, state_dict):
        """Restore from ``state_dict()`` output: this library's or PyTorch's (``torch.save`` then ``nn.load``),
        or the flat ``param_groups.<g>.<name>`` / ``state.<i>.<name>`` dict of earlier versions.

        The optimizer must have been built with the same groups of same-shaped parameters.
        Raises ValueError naming the problem otherwise; nothing is changed in that case. The load-state-dict
        hooks (register_load_state_dict_pre_hook / _post_hook) run before (on a shallow copy, which a hook may
        replace) and after.
        """
        for hook in list(self.__dict__.get("_load_state_dict_pre_hooks", {}).values()):
            state_dict = dict(state_dict) if isinstance(state_dict, dict) else state_dict
            replaced = hook(self, state_dict)
            state_dict = state_dict if replaced is None else replaced
        self._load_state_dict(state_dict)
        for hook in list(self.__dict__.get("_load_state_dict_post_hooks", {}).values()):
            hook(self)

    def _load_state_dict(self, state_dict):
        if not isinstance(state_dict, dict):
            raise TypeError(f"load_state_dict expects a dict (an optimizer's state_dict()), got "
                            f"{type(state_dict).__name__}")
        # in PyTorch's layout, keys besides 'state' and 'param_groups' are ignored, as PyTorch's (a subclass's
        # state_dict may add its own, which its load_state_dict reads: pytorch_optimizer's StableSPAM saves
        # 'total_step', SPAM 'warmup'); the flat layout of earlier versions holds no others
        if "state" not in state_dict and "param_groups" not in state_dict:
            state_dict = _nested(state_dict)
            unexpected = sorted(map(str, set(state_dict) - {"state", "param_groups"}))
            if unexpected:
                raise ValueError(f"unexpected key(s) {unexpected} in optimizer state_dict (expected 'state' and "
                                 f"'param_groups')")
        if "param_groups" not in state_dict:
            raise ValueError("optimizer state_dict has no 'param_groups'; pass what optimizer.state_dict() returned")
        saved = list(state_dict["param_groups"])
        if len(saved) != len(self.param_groups):
            # PyTorch's words, then how many (SB3's set_parameters of another policy's optimizer)
            raise ValueError(f"loaded state dict has a different number of parameter groups (the state dict has "
                             f"{len(saved)}, this optimizer has {len(self.param_groups)})")
        # an optimizer written for torch.optim (no _validate of its own) gets a Tensor hyper-parameter back as a
        # Tensor, as PyTorch's (cooper's nuPI keeps Kp and Ki as tensors and calls Ki.ne(0)); nn's own optimizers
        # compute in NumPy and get numbers
        as_saved = type(self)._validate is Optimizer._validate
        new_groups, by_saved_id = [], {}
        for g, (group, loaded) in enumerate(zip(self.param_groups, saved)):
            ids = [int(i) for i in np.ravel(loaded.get("params", []))]
            if len(ids) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match the size of "
                                 f"optimizer's group (parameter group {g} holds {len(group['params'])} parameter(s) "
                                 f"but the loaded state_dict's group {g} holds {len(ids)})")
            by_saved_id.update(zip(ids, group["params"]))
            # PyTorch takes the saved group: a key only this group has is dropped (a scheduler's initial_lr, so
            # that torch-lr-finder's reset() detaches its schedule), but its parameters and names stay and a
            # hyper-parameter an older state lacks keeps this optimizer's value (PyTorch's __setstate__ setdefault)
            defaults = getattr(self, "defaults", {})    # (none in a wrapper that skips __init__: torchcontrib's SWA)
            new = {name: value for name, value in group.items()
                   if name in ("params", "param_names") or name in defaults}
            new.update({name: _group_value(value, as_saved) for name, value in loaded.items() if name != "params"})
            new_groups.append(new)
        new_state = _StateByParam()
        for i, entries in state_dict.get("state", {}).items():
            # no parameter's state (MADGRAD's 'k'; torchcontrib's SWA keys its buffers by id(param), which
            # match no index): loaded as is, as PyTorch's
            if not _is_index(i) or int(i) not in by_saved_id:
                new_state[i] = entries
                continue
            p = by_saved_id[int(i)]
            new_state[p] = self._restored(p, int(i), dict(entries))
        for group in new_groups:
            self._validate(group)
        self.param_groups[:] = new_groups
        self.state = new_state
        # as PyTorch's load_state_dict ends: a custom optimizer's __setstate__ (Sophia's, Adan's: group.setdefault
        # of newer options, "step" made a Tensor) runs on the loaded state; the base one changes nothing here
        self.__setstate__({"state": self.state, "param_groups": self.param_groups})

    def _restored(self, p, i, entries):
        """One parameter's loaded state: "step" an int, arrays of the parameter's shape in its dtype (copies).
        A Tensor entry that nn's own step does not keep (a custom optimizer's, or one a wrapper such as timm's
        Lookahead adds to its base optimizer's state) stays a Tensor, as PyTorch's (in a floating parameter's
        dtype), so the code that stored it can keep calling Tensor methods on it after a resume."""
        own = self._own_state_names()
        restored = {}
        for name, value in entries.items():
            if isinstance(value, (Tensor, dict, list, tuple)) and name not in own:
                restored[name] = _loaded_entry(value, p, name)
                continue
            if name == "step":
                restored[name] = int(_python(value))
                continue
            value = _array(value)
            if isinstance(value, np.ndarray) and value.ndim:
                want = self._state_shape(p, name)
                if value.shape != want:
                    raise ValueError(f"state of parameter {i}: {name} has shape {value.shape}, expected {want} "
                                     f"(the parameter has shape {p._data.shape})")
                value = value.astype(p._data.dtype, copy=True)
            restored[name] = value
        return restored

    def _state_shape(self, p, name):
        """The shape of p's state entry `name`: p's own (an optimizer keeping smaller factors says otherwise)."""
        return p._data.shape

    def _own_state_names(self):
        """The state entries nn's own optimizer classes keep as arrays and ints; none for an optimizer whose
        classes are all written outside nn (its step keeps what it stores)."""
        ours = any(c.__module__.startswith("nn.optim.") and c is not Optimizer for c in type(self).__mro__)
        return _NN_STATE_NAMES if ours else frozenset()

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for g, group in enumerate(self.param_groups):
            lines += [""] * (g > 0) + [f"Parameter Group {g}"]        # a blank line between groups, as PyTorch
            for name in sorted(k for k in group if k != "params"):
                lines.append(f"    {name}: {group[name]}")
        lines.append(")")
        return "\n".join(lines)


def _registered(registry, hook, prepend):
    """A RemovableHandle of hook in registry (a dict, in calling order), first if prepend."""
    handle = RemovableHandle(registry, hook)
    if prepend:
        registry[handle.id] = registry.pop(handle.id)
        for key in [k for k in registry if k != handle.id]:
            registry[key] = registry.pop(key)
    return handle


_NN_STATE_NAMES = frozenset({
    "step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "exp_inf", "mu_product", "momentum_buffer", "square_avg",
    "grad_avg", "acc_delta", "sum", "prev", "step_size", "ax", "eta", "mu", "func_evals", "n_iter", "d", "t",
    "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss", "al", "row_var", "col_var", "variance"})


def _tensor_entry(value, p):
    """A loaded Tensor state entry as PyTorch's load_state_dict gives it: `value.to(p.dtype)` where p is floating
    (an integer, bool or complex entry too; p None: as it is, as PyTorch keeps a "step"; a complex p's entries
    keep their dtypes), so the tensor itself where its dtype is p's already, with its requires_grad
    (torch-optimizer's Apollo stores state computed from `grad.add(p, ...)` outside no_grad: resumed from a file,
    PyTorch refuses its in-place update of that leaf)."""
    if p is not None and p._data.dtype.kind == "f" and value._data.dtype != p._data.dtype:
        return value.to(p.dtype)
    return value


def _loaded_entry(value, p, key):
    """A loaded state entry that nn's own step does not keep, cast as PyTorch's load_state_dict casts it: a Tensor
    by _tensor_entry (one under the key "step" as it is), a dict value by value under its own key, a list or tuple
    rebuilt element by element (a custom optimizer keeping a list of floating tensors gets them in p's dtype)."""
    if isinstance(value, Tensor):
        return _tensor_entry(value, None if key == "step" else p)
    if isinstance(value, dict):
        return {k: _loaded_entry(v, p, k) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_loaded_entry(v, p, None) for v in value)
    return value


def _is_index(key):
    """Whether a state_dict()["state"] key is a parameter's index (an int; a digit string from older files)."""
    return isinstance(key, (int, np.integer)) or (isinstance(key, str) and key.isdigit())


def _array(value):
    """A Tensor's array (a state loaded by nn.load from PyTorch's file may hold them); anything else as is."""
    data = getattr(value, "_data", None)
    return data if isinstance(data, np.ndarray) and not isinstance(value, np.ndarray) else value


def _copied(value):
    """A state value, copied: arrays (and lists of them, L-BFGS's history), so that later steps leave it alone."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copied(v) for v in value)
    return value


def _group_value(value, as_saved):
    """A loaded group's hyper-parameter: a copy of a Tensor where as_saved (PyTorch deep-copies the groups), else
    _python's value."""
    return value.clone() if as_saved and isinstance(value, Tensor) else _python(value)


def _python(value):
    """A hyper-parameter or counter as a Python value: 0-d arrays (and tensors) as numbers, 1-d as tuples."""
    value = _array(value)
    if not isinstance(value, np.ndarray):
        return value
    if value.ndim == 1:
        return tuple(v.item() for v in value)
    return value.item()


def _nested(flat):
    """The flat layout of earlier versions ('param_groups.<g>.<name>', 'state.<i>.<name>' -> array) as
    PyTorch's nested one."""
    groups, state = {}, {}
    for key, value in flat.items():
        parts = str(key).split(".")
        if len(parts) != 3 or parts[0] not in ("param_groups", "state") or not parts[1].isdigit():
            raise ValueError(f"unexpected key {key!r} in optimizer state_dict (expected 'state' and "
                             "'param_groups', PyTorch's layout)")
        target = groups if parts[0] == "param_groups" else state
        target.setdefault(int(parts[1]), {})[parts[2]] = np.asarray(value)
    for group in groups.values():
        group["params"] = [int(i) for i in np.ravel(group.get("params", []))]
    return {"state": state, "param_groups": [groups[g] for g in sorted(groups)]}
