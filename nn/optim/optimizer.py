"""Optimizer: the base class of every optimizer.

Same names, defaults and update rules as torch.optim, so a training run can be
checked number for number against PyTorch.

An optimizer holds ``param_groups``: a list of dicts, each with ``'params'``
(a list of Parameters) and its hyper-parameters (``'lr'``, ...). Schedulers
change ``group['lr']`` between steps.

Saving for resume: ``optimizer.state_dict()`` and ``scheduler.state_dict()``
are FLAT dicts name -> ndarray, ready for ``nn.save`` (no pickle). Keys::

    param_groups.<g>.params       int64 indices of the group's parameters
    param_groups.<g>.<name>       each hyper-parameter ('lr', 'betas', ...)
    state.<i>.<name>              per-parameter state of parameter i ('momentum_buffer',
                                  'step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq')

Parameter i is the i-th parameter counting across groups in order (as PyTorch's
integer ids), so the state loads into a new optimizer built the same way.
Combine with the model's state by prefixing keys, e.g. ``"optim." + key``.
"""
import functools
import math
import numbers

import numpy as np

from ..tensor import Tensor


def _number(name, value, low=None, high=None, high_open=False):
    """Check a hyper-parameter: a real number in [low, high] (or [low, high))."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise ValueError(f"Invalid {name}: {value!r} (expected a number)")
    value = float(value)
    if (low is not None and value < low) or (high is not None and (value > high or (high_open and value == high))):
        interval = f"[{low}, {high}{')' if high_open else ']'}" if high is not None else f">= {low}"
        raise ValueError(f"Invalid {name}: {value} (must be {interval})")
    return value


class _StateByParam(dict):
    """Per-parameter state: a dict keyed by id(param), also indexable by the Parameter itself
    (``optimizer.state[p]["exp_avg"]`` as in PyTorch) without relying on Tensor hashing."""

    @staticmethod
    def _key(k):
        return k if isinstance(k, int) else id(k)

    def __getitem__(self, k):
        return super().__getitem__(self._key(k))

    def __setitem__(self, k, v):
        super().__setitem__(self._key(k), v)

    def __contains__(self, k):
        return super().__contains__(self._key(k))

    def get(self, k, default=None):
        return super().get(self._key(k), default)

    def setdefault(self, k, default=None):
        return super().setdefault(self._key(k), default)


def _checks_grads_first(step):
    @functools.wraps(step)
    def checked_step(self, *args, **kwargs):
        self._check_grads()
        return step(self, *args, **kwargs)
    return checked_step


class Optimizer:
    """Base class: param_groups, zero_grad(), state_dict() / load_state_dict().

    Subclasses define ``defaults`` (hyper-parameter name -> default), ``_validate(group)``
    and ``step()``; per-parameter state lives in ``self.state[param]`` (a dict; keyed
    internally by id(param)). Every subclass's ``step()`` starts with ``_check_grads()``
    (added by ``__init_subclass__``): a gradient of the wrong shape raises before any update.
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
        if hasattr(params, "data") and hasattr(params, "grad"):
            raise TypeError("params must be an iterable of Parameters (e.g. model.parameters()), "
                            "got a single Tensor; wrap it in a list")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a dict {'params': [...], hyper-parameters...}; missing hyper-parameters take the defaults."""
        if not isinstance(group, dict):
            raise TypeError(f"param group must be a dict, got {type(group).__name__}")
        group = dict(group)
        params = group.get("params")
        if params is None:
            raise ValueError("param group has no 'params'")
        if hasattr(params, "data") and hasattr(params, "grad"):
            params = [params]
        params = list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors/Parameters, got {type(p).__name__}")
            if not p.requires_grad:
                raise ValueError("optimizer can only optimize Tensors with requires_grad=True")
            if id(p) in seen:
                raise ValueError("some parameters appear in more than one parameter group (or twice)")
            seen.add(id(p))
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(f"unknown hyper-parameter(s) {sorted(unknown)} for {type(self).__name__}; "
                             f"known: {sorted(self.defaults)}")
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group):
        raise NotImplementedError

    def _gradients(self, group, new_state):
        """(p, state, g, dt) for each parameter of group that has a gradient, for optimizers written in NumPy:
        state is created by new_state(p) on first use and its "step" counted; g is the gradient, negated
        with group["maximize"], plus weight_decay * p (L2, as torch)."""
        for p in group["params"]:
            if p._grad is None:
                continue
            dt = p._data.dtype.type
            state = self.state.setdefault(id(p), {})
            if not state:
                state["step"] = 0
                state.update(new_state(p))
            state["step"] += 1
            g = np.asarray(p._grad, dtype=p._data.dtype)
            if group.get("maximize"):
                g = -g
            if group.get("weight_decay"):
                g = g + dt(group["weight_decay"]) * p._data
            yield p, state, g, dt

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient: to None (PyTorch's default, set_to_none=True), or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p._grad is None:
                    p._grad = None
                else:
                    p._grad[...] = 0

    def step(self):
        raise NotImplementedError

    def _check_grads(self):
        """Every gradient has its parameter's shape (checked for all before any is updated)."""
        for i, p in enumerate(self._params()):
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

    def _params(self):
        return [p for group in self.param_groups for p in group["params"]]

    # ---- state dict (flat, arrays only) ----------------------------------------------------

    def state_dict(self):
        """Flat dict name -> ndarray (copies) of hyper-parameters and per-parameter state."""
        out = {}
        index = 0
        for g, group in enumerate(self.param_groups):
            n = len(group["params"])
            out[f"param_groups.{g}.params"] = np.arange(index, index + n, dtype=np.int64)
            index += n
            for name, value in group.items():
                if name != "params":
                    out[f"param_groups.{g}.{name}"] = np.array(value)
        for i, p in enumerate(self._params()):
            for name, value in self.state.get(id(p), {}).items():
                out[f"state.{i}.{name}"] = np.array(value, copy=True)
        return out

    def load_state_dict(self, state_dict):
        """Restore from ``state_dict()`` output (possibly after nn.save / nn.load).

        The optimizer must have been built with the same groups of same-shaped parameters.
        Raises ValueError naming the problem otherwise; nothing is changed in that case.
        """
        params = self._params()
        groups, state = {}, {}
        for key, value in state_dict.items():
            parts = key.split(".")
            if len(parts) != 3 or parts[0] not in ("param_groups", "state") or not parts[1].isdigit():
                raise ValueError(f"unexpected key {key!r} in optimizer state_dict (expected "
                                 "'param_groups.<g>.<name>' or 'state.<i>.<name>')")
            target = groups if parts[0] == "param_groups" else state
            target.setdefault(int(parts[1]), {})[parts[2]] = np.asarray(value)
        if sorted(groups) != list(range(len(self.param_groups))):
            raise ValueError(f"loaded state_dict has {len(groups)} parameter group(s), "
                             f"this optimizer has {len(self.param_groups)}")
        new_groups = []
        for g, group in enumerate(self.param_groups):
            loaded = groups[g]
            n_loaded = loaded.get("params", np.empty(0)).size
            if n_loaded != len(group["params"]):
                raise ValueError(f"parameter group {g} holds {len(group['params'])} parameter(s) but the "
                                 f"loaded state_dict's group {g} holds {n_loaded}")
            new = {"params": group["params"]}
            for name, value in loaded.items():
                if name == "params":
                    continue
                if name not in self.defaults and name != "initial_lr":
                    raise ValueError(f"unknown hyper-parameter {name!r} in group {g} for {type(self).__name__}")
                new[name] = self._to_python(name, value)
            for name in self.defaults:
                if name not in new:
                    raise ValueError(f"hyper-parameter {name!r} of group {g} is missing from the state_dict")
            new_groups.append(new)
        new_state = _StateByParam()
        for i, entries in state.items():
            if i >= len(params):
                raise ValueError(f"state for parameter {i} but this optimizer has {len(params)} parameters")
            p = params[i]
            restored = {}
            for name, value in entries.items():
                if name == "step":
                    restored[name] = int(value)
                    continue
                if value.shape != p._data.shape:
                    raise ValueError(f"state.{i}.{name} has shape {value.shape}, parameter {i} has "
                                     f"shape {p._data.shape}")
                restored[name] = value.astype(p._data.dtype, copy=True)
            new_state[id(p)] = restored
        for group in new_groups:
            self._validate(group)
        self.param_groups[:] = new_groups
        self.state = new_state

    @staticmethod
    def _to_python(name, value):
        if value.ndim == 1:
            return tuple(float(v) for v in value)
        if value.dtype == np.bool_:
            return bool(value)
        if value.dtype.kind in "iu":
            return int(value)
        return float(value)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for g, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {g}")
            for name in sorted(k for k in group if k != "params"):
                lines.append(f"    {name}: {group[name]}")
        lines.append(")")
        return "\n".join(lines)
