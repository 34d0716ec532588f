"""Optimizers (SGD, Adam) and learning-rate schedulers (StepLR, ReduceLROnPlateau).

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
import math
import numbers

import numpy as np

from .kernels.optim import adam_update, sgd_update

__all__ = ["Optimizer", "SGD", "Adam", "LRScheduler", "StepLR", "ReduceLROnPlateau"]


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


class Optimizer:
    """Base class: param_groups, zero_grad(), state_dict() / load_state_dict().

    Subclasses define ``defaults`` (hyper-parameter name -> default), ``_validate(group)``
    and ``step()``; per-parameter state lives in ``self.state[param]`` (a dict; keyed
    internally by id(param)).
    """

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
            if not (hasattr(p, "data") and hasattr(p, "grad") and isinstance(p.data, np.ndarray)):
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

    def zero_grad(self):
        """Set every parameter's gradient to None (PyTorch's default set_to_none=True)."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self):
        raise NotImplementedError

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
                if value.shape != p.data.shape:
                    raise ValueError(f"state.{i}.{name} has shape {value.shape}, parameter {i} has "
                                     f"shape {p.data.shape}")
                restored[name] = value.astype(p.data.dtype, copy=True)
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


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay.

    For each parameter p with gradient g (PyTorch's formulation):
        g = g + weight_decay * p
        buf = g                                        (first step)
        buf = momentum * buf + (1 - dampening) * g     (later steps)
        g = g + momentum * buf if nesterov else buf    (when momentum != 0)
        p = p - lr * g
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _validate(self, group):
        group["lr"] = _number("learning rate (lr)", group["lr"], low=0.0)
        group["momentum"] = _number("momentum", group["momentum"], low=0.0)
        group["dampening"] = _number("dampening", group["dampening"])
        group["weight_decay"] = _number("weight_decay", group["weight_decay"], low=0.0)
        if not isinstance(group["nesterov"], (bool, np.bool_)):
            raise ValueError(f"Invalid nesterov: {group['nesterov']!r} (expected True or False)")
        group["nesterov"] = bool(group["nesterov"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Invalid nesterov: Nesterov momentum requires a momentum > 0 and zero dampening")

    def step(self):
        """One update of every parameter that has a gradient (parameters with grad None are skipped)."""
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                buf, first = None, False
                if momentum != 0:
                    state = self.state.setdefault(id(p), {})
                    buf = state.get("momentum_buffer")
                    if buf is None:             # first step: the buffer starts as the gradient
                        buf = state["momentum_buffer"] = np.empty_like(p.data)
                        first = True
                # one fused pass over the parameter (nn/kernels/optim.py; formula in the docstring)
                sgd_update(p.data, p.grad, buf, lr, momentum, dampening, weight_decay, nesterov, first)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with PyTorch's bias correction; optional AMSGrad and L2 weight decay.

    For each parameter p with gradient g, at its step t = 1, 2, ...:
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g              (first moment)
        v = beta2 * v + (1 - beta2) * g^2            (second moment)
        v_hat = max(v_hat, v) if amsgrad else v
        p = p - lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    def _validate(self, group):
        group["lr"] = _number("learning rate (lr)", group["lr"], low=0.0)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2))")
        group["betas"] = (_number("beta parameter at index 0 (betas[0])", betas[0], 0.0, 1.0, high_open=True),
                          _number("beta parameter at index 1 (betas[1])", betas[1], 0.0, 1.0, high_open=True))
        group["eps"] = _number("epsilon value (eps)", group["eps"], low=0.0)
        group["weight_decay"] = _number("weight_decay", group["weight_decay"], low=0.0)
        if not isinstance(group["amsgrad"], (bool, np.bool_)):
            raise ValueError(f"Invalid amsgrad: {group['amsgrad']!r} (expected True or False)")
        group["amsgrad"] = bool(group["amsgrad"])

    def step(self):
        """One update of every parameter that has a gradient (parameters with grad None are skipped)."""
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(id(p), {})
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(p.data)
                    state["exp_avg_sq"] = np.zeros_like(p.data)
                if amsgrad and "max_exp_avg_sq" not in state:
                    state["max_exp_avg_sq"] = np.zeros_like(p.data)
                state["step"] += 1
                # one fused pass over the parameter (nn/kernels/optim.py; formula in the docstring)
                adam_update(p.data, p.grad, state["exp_avg"], state["exp_avg_sq"],
                            state["max_exp_avg_sq"] if amsgrad else None, state["step"],
                            lr, beta1, beta2, eps, weight_decay)


# ---------------------------------------------------------------------------------------------
# Learning-rate schedulers
# ---------------------------------------------------------------------------------------------

class LRScheduler:
    """Base of epoch-based schedulers: step() once per epoch, after optimizer.step()."""

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an nn.optim Optimizer")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()  # epoch 0: sets _last_lr (the lr is unchanged, as PyTorch)

    def get_lr(self):
        raise NotImplementedError

    def step(self):
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rate of each param group after the last step()."""
        return list(self._last_lr)

    _state_names = ()

    def state_dict(self):
        """Flat dict name -> ndarray (for nn.save)."""
        out = {"last_epoch": np.array(self.last_epoch, dtype=np.int64),
               "base_lrs": np.array(self.base_lrs, dtype=np.float64),
               "last_lr": np.array(self._last_lr, dtype=np.float64)}
        for name in self._state_names:
            out[name] = np.array(getattr(self, name))
        return out

    def load_state_dict(self, state_dict):
        expected = {"last_epoch", "base_lrs", "last_lr", *self._state_names}
        if set(state_dict) != expected:
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected keys {sorted(expected)}, "
                             f"got {sorted(state_dict)}")
        self.last_epoch = int(state_dict["last_epoch"])
        self.base_lrs = [float(v) for v in np.asarray(state_dict["base_lrs"]).ravel()]
        self._last_lr = [float(v) for v in np.asarray(state_dict["last_lr"]).ravel()]
        for name in self._state_names:
            value = np.asarray(state_dict[name])
            setattr(self, name, int(value) if value.dtype.kind in "iu" else float(value))


class StepLR(LRScheduler):
    """Multiply the lr by gamma every step_size epochs: lr = initial_lr * gamma ** (epoch // step_size)."""

    _state_names = ("step_size", "gamma")

    def __init__(self, optimizer, step_size, gamma=0.1):
        if isinstance(step_size, bool) or not isinstance(step_size, numbers.Integral) or step_size < 1:
            raise ValueError(f"Invalid step_size: {step_size!r} (must be a positive integer)")
        self.step_size = int(step_size)
        self.gamma = _number("gamma", gamma, low=0.0)
        super().__init__(optimizer)

    def get_lr(self):
        # Chainable form, as PyTorch: change the current lr only at multiples of step_size.
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


class ReduceLROnPlateau:
    """Multiply the lr by ``factor`` when a metric has not improved for ``patience`` epochs.

    step(metric) once per epoch. "Improved" (mode='min', threshold_mode='rel') means
    metric < best * (1 - threshold); 'abs' means metric < best - threshold; mode='max'
    mirrors it. After a reduction, ``cooldown`` epochs are ignored. The lr never goes
    below ``min_lr`` (a number or one per group), and changes smaller than ``eps`` are skipped.
    """

    _state_names = ("factor", "patience", "cooldown", "cooldown_counter", "threshold", "eps", "best",
                    "num_bad_epochs", "last_epoch")

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an nn.optim Optimizer")
        if mode not in ("min", "max"):
            raise ValueError(f"Invalid mode: {mode!r} (must be 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"Invalid threshold_mode: {threshold_mode!r} (must be 'rel' or 'abs')")
        self.factor = _number("factor", factor, low=0.0, high=1.0, high_open=True)
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"Invalid {name}: {value!r} (must be an integer >= 0)")
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} values for min_lr, got {len(min_lr)}")
            self.min_lrs = [_number("min_lr", v, low=0.0) for v in min_lr]
        else:
            self.min_lrs = [_number("min_lr", min_lr, low=0.0)] * len(optimizer.param_groups)
        self.optimizer = optimizer
        self.mode, self.threshold_mode = mode, threshold_mode
        self.patience, self.cooldown = int(patience), int(cooldown)
        self.threshold = _number("threshold", threshold, low=0.0)
        self.eps = _number("eps", eps, low=0.0)
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_better(self, a, best):
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return a > (best * (1.0 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def step(self, metrics):
        """Record this epoch's metric (e.g. validation loss) and reduce the lr if it plateaued."""
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old_lr = float(group["lr"])
                new_lr = max(old_lr * self.factor, min_lr)
                if old_lr - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        return list(self._last_lr)

    def state_dict(self):
        """Flat dict name -> ndarray (for nn.save); mode strings are stored as 0/1 flags."""
        out = {name: np.array(getattr(self, name)) for name in self._state_names}
        out["mode_max"] = np.array(self.mode == "max")
        out["threshold_mode_abs"] = np.array(self.threshold_mode == "abs")
        out["min_lrs"] = np.array(self.min_lrs, dtype=np.float64)
        out["last_lr"] = np.array(self._last_lr, dtype=np.float64)
        return out

    def load_state_dict(self, state_dict):
        expected = {*self._state_names, "mode_max", "threshold_mode_abs", "min_lrs", "last_lr"}
        if set(state_dict) != expected:
            raise ValueError(f"ReduceLROnPlateau.load_state_dict: expected keys {sorted(expected)}, "
                             f"got {sorted(state_dict)}")
        for name in self._state_names:
            value = np.asarray(state_dict[name])
            setattr(self, name, int(value) if value.dtype.kind in "iu" else float(value))
        self.mode = "max" if bool(state_dict["mode_max"]) else "min"
        self.threshold_mode = "abs" if bool(state_dict["threshold_mode_abs"]) else "rel"
        self.min_lrs = [float(v) for v in np.asarray(state_dict["min_lrs"]).ravel()]
        self._last_lr = [float(v) for v in np.asarray(state_dict["last_lr"]).ravel()]
