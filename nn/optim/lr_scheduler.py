"""Learning-rate schedulers (torch.optim.lr_scheduler): StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR,
CosineAnnealingWarmRestarts, LinearLR, ConstantLR, PolynomialLR, LambdaLR, MultiplicativeLR, OneCycleLR, CyclicLR,
SequentialLR, ChainedScheduler, ReduceLROnPlateau."""
import bisect
import collections
import functools
import math
import types
import warnings
import weakref

import numpy as np

from .optimizer import Optimizer, _hyper


_ORDER_CHECKED = weakref.WeakSet()         # schedulers whose first step() looked for an optimizer step before it
ORDER_WARNING = ("Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you "
                 "should call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure "
                 "to do this will result in PyTorch skipping the first value of the learning rate schedule. See more "
                 "details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate")
EPOCH_DEPRECATION = ("The epoch parameter in `scheduler.step()` was not necessary and is being deprecated where "
                     "possible. Please use `scheduler.step()` to step the scheduler. During the deprecation, if epoch "
                     "is different from None, the closed form is used instead of the new chainable form, where "
                     "available. Please open an issue if you are unable to replicate your use case: "
                     "https://github.com/pytorch/pytorch/issues/new/choose.")
GET_LR_OUTSIDE_STEP = "To get the last learning rate computed by the scheduler, please use `get_last_lr()`."
RESUME_WORDS = ("param 'initial_lr' is not specified in param_groups[{}] when resuming scheduler with last_epoch >= "
                "0.\nThis typically happens when:\n1. You're trying to resume training from a checkpoint but haven't "
                "properly loaded the optimizer state\n2. You're using last_epoch >= 0 for a fresh training run (not "
                "recommended)")


def _warn_outside_step(scheduler):
    """PyTorch's warning from a built-in schedule's get_lr() called by hand, not by step(): get_lr computes the
    next epoch's lrs from the current ones (a warmup wrapper written for PyTorch calls its after_scheduler's so)."""
    if not scheduler._get_lr_called_within_step:
        warnings.warn(GET_LR_OUTSIDE_STEP, UserWarning, stacklevel=2)


def _check_optimizer(optimizer):
    """PyTorch's one check of a scheduler's optimizer (LRScheduler, ReduceLROnPlateau, CyclicLR, OneCycleLR). The
    schedulers check their other arguments only where PyTorch does, by its comparisons and in its words: a value it
    takes (a negative step_size, a NaN gamma) gives its lrs, or its Python error at the step that reads it."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


class LRScheduler:
    """Base of epoch-based schedulers: step() once per epoch, after optimizer.step().

    last_epoch: -1 to start (each group's lr becomes its 'initial_lr'), or the last epoch done, to resume a run
    (as PyTorch: every group must then hold 'initial_lr', and the first step() goes to epoch last_epoch + 1)."""

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(RESUME_WORDS.format(i))
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        # PyTorch's bookkeeping, which schedulers written for it read in get_lr: the steps taken (this first one
        # included) and, set by step() as PyTorch's, whether get_lr is being called by it (else they warn to use
        # get_last_lr())
        self._step_count = 0
        # epoch last_epoch + 1, where a new run's lr is unchanged; a resumed run's too, as PyTorch's chainable
        # schedules keep the current lr in this first step (_is_initial) rather than step it once more
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self):
        raise NotImplementedError

    _closed_form = None             # epoch -> lr per group, where a schedule has one (step(epoch) uses it)

    def step(self, epoch=None):
        """To the next epoch; step(epoch) (deprecated in PyTorch, with its warning) jumps to that epoch, by the
        schedule's closed form where it has one. The first step after the scheduler was made warns, as PyTorch's,
        if the optimizer has not stepped yet."""
        if not self._is_initial and self not in _ORDER_CHECKED:
            _ORDER_CHECKED.add(self)
            if not self.optimizer.__dict__.get("_opt_called"):
                warnings.warn(ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count = self.__dict__.get("_step_count", 0) + 1
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                lrs = self.get_lr()
            else:
                warnings.warn(EPOCH_DEPRECATION, UserWarning, stacklevel=2)
                self.last_epoch = epoch
                if self._closed_form is not None:
                    lrs = self._closed_form()
                elif hasattr(self, "_get_closed_form_lr"):     # a subclass written for PyTorch names it so
                    lrs = self._get_closed_form_lr()
                else:
                    lrs = self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        self._set_lrs(lrs)

    def _set_lrs(self, lrs):
        """Each param group's lr from lrs, remembered for get_last_lr()."""
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rate of each param group after the last step()."""
        return list(self._last_lr)

    _state_names = ()

    def state_dict(self):
        """PyTorch's layout, Python values by name and in its order: the scheduler's settings, 'base_lrs',
        'last_epoch', its bookkeeping ('_step_count', '_is_initial', '_get_lr_called_within_step') and '_last_lr'
        (nn.save writes it in either format). A subclass defined outside nn (a hand-written warmup schedule) also
        saves its own attributes, as PyTorch's ``{k: v for k, v in self.__dict__.items() if k != 'optimizer'}``
        (functions left out, as PyTorch's LambdaLR leaves its lambdas)."""
        out = {}
        if type(self).__module__ != __name__:
            out = {k: v for k, v in self.__dict__.items() if k != "optimizer" and not _is_function(v)}
        out.update({name: getattr(self, name) for name in self._state_names})
        out.update(base_lrs=list(self.base_lrs), last_epoch=self.last_epoch, _step_count=self._step_count,
                   _is_initial=self._is_initial)
        # (LRScheduler.step sets these two: a subclass whose own step() never reaches it has neither, as PyTorch's)
        if hasattr(self, "_last_lr"):
            out.update(_get_lr_called_within_step=self._get_lr_called_within_step, _last_lr=list(self._last_lr))
        return out

    def load_state_dict(self, state_dict):
        """From state_dict(): this library's, PyTorch's (its bookkeeping keys, such as '_step_count', are not
        needed here), or one of earlier versions (arrays, 'last_lr'). A subclass defined outside nn gets back
        every other saved attribute too (PyTorch's ``self.__dict__.update(state_dict)``)."""
        foreign = type(self).__module__ != __name__
        state = _state(state_dict, ("last_epoch", "base_lrs", *self._state_names), type(self).__name__,
                       last_lr=not foreign)
        self.last_epoch = int(state["last_epoch"])
        self.base_lrs = [float(v) for v in np.ravel(state["base_lrs"])]
        if "_last_lr" in state:
            self._last_lr = [float(v) for v in np.ravel(state["_last_lr"])]
        if "_step_count" in state:                  # (PyTorch's files hold it)
            self._step_count = int(_scalar(state["_step_count"]))
        for name in self._state_names:
            setattr(self, name, _scalar(state[name]))
        if foreign:
            done = {"last_epoch", "base_lrs", "_last_lr", "last_lr", "optimizer", *self._state_names}
            for key, value in state.items():
                if key not in done:
                    setattr(self, key, _scalar(value) if isinstance(value, np.ndarray) and value.ndim == 0
                            else value)


class _LRScheduler(LRScheduler):
    """PyTorch 1.x's name of the base, kept by PyTorch 2 as an empty subclass of LRScheduler (warmup schedulers
    written for 1.x subclass it): a subclass of it is an LRScheduler, while StepLR & co. are not _LRSchedulers."""


def _per_group(name, optimizer, value, words="{name} must have the same length as optimizer.param_groups. {name} "
                                             "has {got} values, param_groups has {n}."):
    """A hyper-parameter given once or per param group, as a list of one value per group (PyTorch's check; words:
    its ValueError for a list of another length, which the schedulers word differently)."""
    n = len(optimizer.param_groups)
    if not isinstance(value, (list, tuple)):
        return [value] * n
    if len(value) != n:
        raise ValueError(words.format(name=name, got=len(value), n=n))
    return list(value)


def _is_function(value):
    """A function or a list/tuple of them (LambdaLR's lr_lambdas): not state PyTorch's schedulers save."""
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_is_function(v) for v in value)
    return callable(value)


def _state(state_dict, required, owner, last_lr=True):
    """A scheduler's saved state as a dict with '_last_lr' (earlier versions wrote 'last_lr'; optional where
    last_lr is False, as for a subclass defined outside nn, whose own step() may never have set it), or a one-line
    ValueError naming what is missing."""
    state = dict(state_dict)
    if "_last_lr" not in state and "last_lr" in state:
        state["_last_lr"] = state.pop("last_lr")
    missing = sorted((set(required) | ({"_last_lr"} if last_lr else set())) - set(state))
    if missing:
        raise ValueError(f"{owner}.load_state_dict: the state_dict lacks {missing} (got keys {sorted(state)})")
    return state


def _scalar(value):
    """A saved number as Python's int or float (also from a 0-d array, as .npz files give them back)."""
    value = np.asarray(value)
    return int(value) if value.dtype.kind in "iub" else float(value)


class StepLR(LRScheduler):
    """Multiply the lr by gamma every step_size epochs: lr = initial_lr * gamma ** (epoch // step_size)."""

    _state_names = ("step_size", "gamma")

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        # PyTorch checks neither and keeps both as given (neuralforecast passes 1e8 to never decay; 0 is Python's
        # ZeroDivisionError at the first step, a negative step_size decays at every epoch, as there)
        self.step_size = step_size
        self.gamma = _hyper(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_outside_step(self)
        # Chainable form, as PyTorch: change the current lr only at multiples of step_size.
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _closed_form(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """lr = initial_lr * gamma ** (number of milestones <= epoch); milestones: epochs, in any order, counted as
    PyTorch's Counter (a repeated one applies gamma twice; one no epoch equals, 2.5 or '3', is never reached)."""

    _state_names = ("gamma",)

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = collections.Counter(milestones)
        self.gamma = _hyper(gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_outside_step(self)
        # chainable, as PyTorch: the current lr times gamma ** (milestones at this epoch)
        k = self.milestones[self.last_epoch]
        return [group["lr"] * self.gamma ** k for group in self.optimizer.param_groups]

    def _closed_form(self):
        passed = bisect.bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma ** passed for base in self.base_lrs]

    def state_dict(self):
        # PyTorch's first key: the milestones' Counter
        return {"milestones": collections.Counter(self.milestones), **super().state_dict()}

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        if "milestones" in state_dict:              # (nn's files before the thirty-ninth round lack it)
            self.milestones = collections.Counter(state_dict["milestones"])


class ExponentialLR(LRScheduler):
    """lr = initial_lr * gamma ** epoch."""

    _state_names = ("gamma",)

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = _hyper(gamma)                  # unchecked, as PyTorch's
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_outside_step(self)
        if self._is_initial:            # chainable, as PyTorch: multiply the current lr
            return [group["lr"] for group in self.optimizer.param_groups]
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _closed_form(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (initial_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2, computed step by step from the
    current lr as PyTorch's (so it chains with other schedulers and follows groups added later)."""

    _state_names = ("T_max", "eta_min")

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        # unchecked, as PyTorch's: T_max 0 is Python's ZeroDivisionError at the first step
        self.T_max, self.eta_min = T_max, _hyper(eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_outside_step(self)
        epoch, T, low = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and epoch > 0:         # get_lr called by hand after the construction, without
            # step() (ignite's LRScheduler moves last_epoch itself): PyTorch's closed form from the initial lrs
            return [low + (base - low) * (1 + math.cos(epoch * math.pi / T)) / 2 for base in self.base_lrs]
        if (epoch - 1 - T) % (2 * T) == 0:              # past the minimum: the cosine climbs again
            return [group["lr"] + (base - low) * (1 - math.cos(math.pi / T)) / 2
                    for base, group in zip(self.base_lrs, groups)]
        # the closed form's ratio from one epoch to the next
        ratio = (1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T))
        return [ratio * (group["lr"] - low) + low for group in groups]

    def _closed_form(self):
        c = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]


def _checked(value, bad, words):
    """value, read as _hyper reads it (a one-element tensor as its number), after PyTorch's check of it: bad is
    PyTorch's own expression, in its order (``T_0 <= 0 or not isinstance(T_0, int)`` makes a str Python's TypeError
    of the comparison, OneCycleLR's ``not isinstance(epochs, int) or ...`` a ValueError; NaN passes where the
    comparisons let it, True where isinstance(.., int) does); words: its ValueError, '{}' the value."""
    if bad(value):
        raise ValueError(words.format(value))
    return _hyper(value)


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every T_i epochs, T_0 first, each period T_mult times the one before:
    lr = eta_min + (initial_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2. step(epoch) may be given a fractional
    epoch (e.g. epoch + batch / batches), as PyTorch. T_cur and T_i are kept as attributes and moved by step(),
    as PyTorch's (get_lr reads them; ignite's LRScheduler moves them itself, then calls get_lr)."""

    _state_names = ("T_0", "T_i", "T_mult", "eta_min", "T_cur")

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        self.T_0 = _checked(T_0, lambda v: v <= 0 or not isinstance(v, int),
                            "Expected positive integer T_0, but got {}")
        self.T_mult = _checked(T_mult, lambda v: v < 1 or not isinstance(v, int),
                               "Expected integer T_mult >= 1, but got {}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.eta_min = eta_min
        self.T_i, self.T_cur = self.T_0, last_epoch
        super().__init__(optimizer, last_epoch)

    def _period(self, epoch):
        """(T_i, T_cur) of the period that epoch falls in: period n starts at T_0 (T_mult^n - 1) / (T_mult - 1)."""
        if epoch < self.T_0:
            return self.T_0, epoch
        if self.T_mult == 1:
            return self.T_0, epoch % self.T_0
        n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
        return self.T_0 * self.T_mult ** n, epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)

    def step(self, epoch=None):
        # PyTorch's: without an epoch T_cur counts on by one (a restart when it reaches T_i, T_i then growing by
        # T_mult), so after a fractional step(epoch) the following steps keep the fraction; with one, both are
        # set from it. A fractional epoch is this schedule's own use: no deprecation warning, and no order check
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur, self.T_i = self.T_cur - self.T_i, self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            self.T_i, self.T_cur = self._period(epoch)
        _ORDER_CHECKED.add(self)
        self.last_epoch = math.floor(epoch)
        self._get_lr_called_within_step = True
        try:
            lrs = self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        self._set_lrs(lrs)

    def get_lr(self):
        _warn_outside_step(self)
        c = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * c for base in self.base_lrs]

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        if "T_cur" not in state and "last_epoch" in state:    # written before T_cur / T_i were kept
            state["T_i"], state["T_cur"] = self._period(_scalar(state["last_epoch"]))
        super().load_state_dict(state)


class LinearLR(LRScheduler):
    """lr = initial_lr * factor, factor moving linearly from start_factor to end_factor over total_iters epochs,
    then staying (a warm-up, typically)."""

    _state_names = ("start_factor", "end_factor", "total_iters")

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        self.start_factor = _checked(start_factor, lambda v: v > 1.0 or v <= 0, "Starting multiplicative factor "
                                     "expected to be greater than 0 and less or equal to 1.")
        self.end_factor = _checked(end_factor, lambda v: v > 1.0 or v < 0,
                                   "Ending multiplicative factor expected to be between 0 and 1.")
        self.total_iters = total_iters              # unchecked, as PyTorch's
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_outside_step(self)
        # chainable, as PyTorch: the current lr times the factor's ratio from the epoch before
        epoch, start, end, total = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        groups = self.optimizer.param_groups
        if epoch == 0:
            return [group["lr"] * start for group in groups]
        if epoch > total or self._is_initial:
            return [group["lr"] for group in groups]
        ratio = 1.0 + (end - start) / (total * start + (epoch - 1) * (end - start))
        return [group["lr"] * ratio for group in groups]

    def _closed_form(self):
        f = self.start_factor + (self.end_factor - self.start_factor) * min(self.total_iters, self.last_epoch) \
            / self.total_iters
        return [base * f for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """lr = initial_lr * factor for the first total_iters epochs, initial_lr after."""

    _state_names = ("factor", "total_iters")

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        self.factor = _checked(factor, lambda v: v > 1.0 or v < 0,
                               "Constant multiplicative factor expected to be between 0 and 1.")
        self.total_iters = total_iters              # unchecked, as PyTorch's
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_outside_step(self)
        # chainable, as PyTorch: times factor at epoch 0, divided by it again at total_iters, else left as it is (an
        # int lr stays an int)
        if self.last_epoch not in (0, self.total_iters):
            return [group["lr"] for group in self.optimizer.param_groups]
        scale = self.factor if self.last_epoch == 0 else 1.0 / self.factor
        return [group["lr"] * scale for group in self.optimizer.param_groups]

    def _closed_form(self):
        f = self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor)
        return [base * f for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """lr = initial_lr * (1 - min(epoch, total_iters) / total_iters) ** power."""

    _state_names = ("total_iters", "power")

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters, self.power = total_iters, _hyper(power)     # unchecked, as PyTorch's
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_outside_step(self)
        # chainable, as PyTorch: the current lr times the decay's ratio from the epoch before
        epoch, total = self.last_epoch, self.total_iters
        if epoch > total or self._is_initial:
            return [group["lr"] for group in self.optimizer.param_groups]
        ratio = ((1.0 - epoch / total) / (1.0 - (epoch - 1) / total)) ** self.power
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _closed_form(self):
        f = (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
        return [base * f for base in self.base_lrs]


def _undo_step(scheduler):
    """PyTorch's recursive_undo: one epoch back for the scheduler, or for every scheduler inside it (a
    SequentialLR's or ChainedScheduler's, recursively)."""
    if hasattr(scheduler, "_schedulers"):
        for inner in scheduler._schedulers:
            _undo_step(inner)
    elif hasattr(scheduler, "last_epoch"):
        scheduler.last_epoch -= 1


def _check_schedulers(owner, optimizer, schedulers, none_words):
    """SequentialLR's and ChainedScheduler's checks of their schedulers, PyTorch's in its order and words."""
    if len(schedulers) < 1:
        raise ValueError(f"{owner} expects at least one scheduler{none_words}, but got no scheduler.")
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires additional "
                             f"kwargs to be specified when calling `step`, but got one at index {i} in the given "
                             f"schedulers sequence.")
        if optimizer != scheduler.optimizer:
            raise ValueError(f"{owner} expects all schedulers to belong to the same optimizer, but got scheduler "
                             f"{type(scheduler).__name__} at index {i} has {scheduler.optimizer}, which is different "
                             f"from {type(optimizer).__name__}.")


class SequentialLR(LRScheduler):
    """The schedulers in turn: schedulers[i] runs from milestones[i - 1] (where it starts again from its epoch 0)
    until milestones[i]. step() once per epoch, as the schedulers inside. An LRScheduler, as PyTorch's, which does
    not run LRScheduler.__init__ either. milestones are kept as given (PyTorch checks only their count: unsorted
    ones bisect as they are, one no epoch equals switches schedulers without a restart)."""

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_schedulers("SequentialLR", optimizer, schedulers, "")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"Sequential Schedulers expects number of schedulers provided to be one more than the "
                             f"number of milestone points, but got number of schedulers {len(schedulers)} and the "
                             f"number of milestones to be equal to {len(milestones)}")
        self.optimizer, self._schedulers, self._milestones = optimizer, list(schedulers), milestones
        self.last_epoch = last_epoch + 1
        first = schedulers[bisect.bisect_right(milestones, 0)]     # (PyTorch's: a milestone 0 skips the first)
        for group, base in zip(optimizer.param_groups, first.base_lrs):
            group["lr"] = base                          # undo the later schedulers' construction
        _undo_step(self)            # (their epochs too: one reached without a restart starts at its epoch 0)
        self._restart(first)

    @staticmethod
    def _restart(scheduler):
        """Back to the scheduler's epoch 0 (its lr from the initial lrs, as a fresh scheduler would set)."""
        for group, base in zip(scheduler.optimizer.param_groups, scheduler.base_lrs):
            group["lr"] = base
        scheduler.last_epoch = -1
        scheduler._is_initial = True                    # its first step, as at its construction
        scheduler.step()
        scheduler._is_initial = False
        return scheduler

    def step(self):
        self.last_epoch += 1
        i = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            self._restart(scheduler)
        else:
            scheduler.step()

    def get_last_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """PyTorch's layout: its own counters and each inner scheduler's state dict under '_schedulers'."""
        return {"_milestones": list(self._milestones), "last_epoch": self.last_epoch,
                "_last_lr": self.get_last_lr(), "_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict):
        self.last_epoch = int(state_dict["last_epoch"])
        for scheduler, state in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(state)


class ChainedScheduler(SequentialLR):
    """Every scheduler stepped at each step(), in the order given, each on the lr the one before left (the
    chainable ones: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR, ConstantLR,
    PolynomialLR, MultiplicativeLR), as PyTorch's."""

    def __init__(self, schedulers, optimizer=None):
        if len(schedulers) > 0:
            optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers("ChainedScheduler", optimizer, schedulers, " to be chained")
        self._schedulers, self._milestones, self.last_epoch = list(schedulers), [], 0
        self.optimizer = optimizer

    def step(self):
        self.last_epoch += 1
        for scheduler in self._schedulers:
            scheduler.step()


def _lambdas(optimizer, lr_lambda):
    """LambdaLR's and MultiplicativeLR's lr_lambda as one per param group, checked as PyTorch's (its words)."""
    return _per_group("lr_lambda", optimizer, lr_lambda, "Expected {n} lr_lambdas, but got {got}")


class _LambdasState:
    """state_dict / load_state_dict of the schedulers with lr_lambdas, as PyTorch's: 'lr_lambdas' holds None for
    a function and a copy of the attributes of a callable object (restored on load), so the files load both ways."""

    def state_dict(self):
        out = super().state_dict()
        out["lr_lambdas"] = [None if isinstance(f, types.FunctionType) else dict(getattr(f, "__dict__", {}))
                             for f in self.lr_lambdas]
        return out

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", None) or []
        super().load_state_dict(state)
        for f, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                f.__dict__.update(attributes)


class MultiplicativeLR(_LambdasState, LRScheduler):
    """lr = the current lr * lr_lambda(epoch) at each step (lr_lambda a function or one per param group)."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        for f in self.lr_lambdas:                   # (PyTorch's MultiplicativeLR checks them, its LambdaLR does not)
            if not callable(f):
                raise TypeError(f"lr_lambda should be a function, but got {type(f).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_outside_step(self)
        groups = self.optimizer.param_groups
        if self._is_initial:
            return [group["lr"] for group in groups]
        return [group["lr"] * f(self.last_epoch) for group, f in zip(groups, self.lr_lambdas)]


class LambdaLR(_LambdasState, LRScheduler):
    """lr = initial_lr * lr_lambda(epoch); lr_lambda a function or one per param group.
    (Its state_dict holds the epoch and rates, not the functions: None for each, as PyTorch's.)"""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)        # not callable: Python's TypeError at the step
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        _warn_outside_step(self)
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin), stepped once per BATCH: the lr rises from max_lr / div_factor
    to max_lr over pct_start of total_steps, then anneals to initial_lr / final_div_factor ('cos' or
    'linear'); momentum (SGD's momentum or Adam's beta1) moves the opposite way when cycle_momentum.
    three_phase: up, back down to the initial lr, then the final anneal. As torch.optim.lr_scheduler."""

    _state_names = ("total_steps",)

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None, pct_start=0.3,
                 anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85, max_momentum=0.95,
                 div_factor=25.0, final_div_factor=1e4, three_phase=False, last_epoch=-1):
        # PyTorch's checks in its order and words (pct_start must be a float: 1 is refused, NaN is not)
        _check_optimizer(optimizer)
        if total_steps is not None:
            total_steps = _checked(total_steps, lambda v: v <= 0 or not isinstance(v, int),
                                   "Expected positive integer total_steps, but got {}")
        elif epochs is not None and steps_per_epoch is not None:
            epochs = _checked(epochs, lambda v: not isinstance(v, int) or v <= 0,
                              "Expected positive integer epochs, but got {}")
            steps_per_epoch = _checked(steps_per_epoch, lambda v: not isinstance(v, int) or v <= 0,
                                       "Expected positive integer steps_per_epoch, but got {}")
            total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        up = float(pct_start * total_steps) - 1     # (before pct_start's check, as PyTorch's: a str fails here)
        _checked(pct_start, lambda v: v < 0 or v > 1 or not isinstance(v, float),
                 "Expected float between 0 and 1 pct_start, but got {}")
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self.total_steps = total_steps
        self._anneal_func_type = anneal_strategy
        self._anneal = self._cos if anneal_strategy == "cos" else self._linear
        # PyTorch's phases: (last step, the group keys the lr and the momentum move between), read from the groups
        # at each step, so that a resumed run follows the cycle its groups were saved with
        rise = ("initial_lr", "max_lr", "max_momentum", "base_momentum")
        if three_phase:         # up, back down to initial_lr, then the final anneal at max momentum
            self._phases = [(up, rise), (float(2 * pct_start * total_steps) - 2,
                                         ("max_lr", "initial_lr", "base_momentum", "max_momentum")),
                            (total_steps - 1, ("initial_lr", "min_lr", "max_momentum", "max_momentum"))]
        else:
            self._phases = [(up, rise), (total_steps - 1, ("max_lr", "min_lr", "base_momentum", "max_momentum"))]
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:                    # (a resumed run needs the groups' initial_lr, as PyTorch's)
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"], group["min_lr"] = top, group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:                      # (the momenta are read only then, as PyTorch's)
            _momentum_optimizer(optimizer)
            self.use_beta1 = "betas" in optimizer.defaults
            max_momentum = _per_group("max_momentum", optimizer, max_momentum)
            base_momentum = _per_group("base_momentum", optimizer, base_momentum)
            _start_momentum(optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    _PHASE_KEYS = ("start_lr", "end_lr", "start_momentum", "end_momentum")

    def state_dict(self):
        # PyTorch's keys in its order: the phases as its dicts, the anneal's name, the momentum settings
        state = {"total_steps": self.total_steps,
                 "_schedule_phases": [{"end_step": end, **dict(zip(self._PHASE_KEYS, names))}
                                      for end, names in self._phases],
                 "_anneal_func_type": self._anneal_func_type, "cycle_momentum": self.cycle_momentum}
        if self.cycle_momentum:
            state["use_beta1"] = self.use_beta1
        state.update(super().state_dict())
        return state

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        if "_schedule_phases" in state_dict:        # (nn's files before the thirty-ninth round lack them)
            self._phases = [(phase["end_step"], tuple(phase[k] for k in self._PHASE_KEYS))
                            for phase in state_dict["_schedule_phases"]]
            self._anneal_func_type = state_dict["_anneal_func_type"]
            self._anneal = self._cos if self._anneal_func_type == "cos" else self._linear

    @staticmethod
    def _cos(start, end, pct):
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)

    @staticmethod
    def _linear(start, end, pct):
        return (end - start) * pct + start

    def get_lr(self):
        _warn_outside_step(self)
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, (end, (lr0, lr1, m0, m1)) in enumerate(self._phases):
                if step <= end or i == len(self._phases) - 1:
                    pct = (step - start) / (end - start)
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        CyclicLR._set_momentum(group, self._anneal(group[m0], group[m1], pct))
                    break
                start = end
        return lrs


def _momentum_optimizer(optimizer):
    """CyclicLR's and OneCycleLR's check that the optimizer has a momentum to cycle (PyTorch's words)."""
    if not all("momentum" in g or "betas" in g for g in optimizer.param_groups):
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")


def _start_momentum(optimizer, base_momentums, max_momentums, last_epoch):
    """CyclicLR's and OneCycleLR's momentum cycling set up as PyTorch's: a new run (last_epoch -1) starts each group
    at its max momentum (beta1 for Adam's kind) and records 'max_momentum' / 'base_momentum' in the group, as
    PyTorch's param groups (and state_dicts) hold them."""
    if last_epoch != -1:
        return
    for group, low, high in zip(optimizer.param_groups, base_momentums, max_momentums):
        CyclicLR._set_momentum(group, high)
        group["max_momentum"], group["base_momentum"] = high, low


def _triangular_scale(x):
    return 1.0


def _triangular2_scale(x):
    return 1 / 2.0 ** (x - 1)


def _exp_range_scale(gamma, x):
    return gamma ** x


class CyclicLR(LRScheduler):
    """The cyclical learning rate (Smith 2017), stepped once per BATCH: the lr climbs from base_lr to max_lr
    over step_size_up steps and back over step_size_down (default: the same), each cycle's height scaled by
    mode: 'triangular' (1), 'triangular2' (halved every cycle), 'exp_range' (gamma ** step), or by scale_fn
    (of the cycle number, or of the step with scale_mode='iterations'). Momentum (SGD's momentum or Adam's
    beta1) moves the opposite way, from max_momentum to base_momentum, when cycle_momentum. As
    torch.optim.lr_scheduler."""

    _state_names = ("total_size", "step_ratio")
    # module-level functions, not lambdas, so that a scheduler with a built-in mode pickles (as PyTorch's: skorch
    # pickles a net with its LRScheduler callback)
    _modes = {"triangular": (_triangular_scale, "cycle"), "triangular2": (_triangular2_scale, "cycle")}

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode="triangular",
                 gamma=1.0, scale_fn=None, scale_mode="cycle", cycle_momentum=True, base_momentum=0.8,
                 max_momentum=0.9, last_epoch=-1):
        # PyTorch's checks and reads in its order: a resumed run (last_epoch != -1) keeps the groups' lrs and
        # needs their initial_lr, as there; step sizes summing to 0 are Python's ZeroDivisionError
        _check_optimizer(optimizer)
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = up if step_size_down is None else float(step_size_down)
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ["triangular", "triangular2", "exp_range"] and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode, self.gamma, self._scale_fn_custom = mode, gamma, scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            _momentum_optimizer(optimizer)
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
            _start_momentum(optimizer, self.base_momentums, self.max_momentums, last_epoch)
        super().__init__(optimizer, last_epoch)     # (its first step from the groups' initial_lr, as PyTorch's)
        self.base_lrs = base_lrs

    def _init_scale_fn(self):
        """scale_fn and scale_mode from mode (and gamma), unless a scale_fn was given (as PyTorch's)."""
        if self._scale_fn_custom is not None:
            self.scale_fn = self._scale_fn_custom
        elif self.mode == "exp_range":
            self.scale_fn, self.scale_mode = functools.partial(_exp_range_scale, self.gamma), "iterations"
        else:
            self.scale_fn, self.scale_mode = self._modes[self.mode]

    def state_dict(self):
        # PyTorch's keys in its order; a given scale_fn as None (a function) or a copy of its attributes
        state = {"max_lrs": list(self.max_lrs), "total_size": self.total_size, "step_ratio": self.step_ratio,
                 "mode": self.mode, "gamma": self.gamma, "scale_mode": self.scale_mode,
                 "cycle_momentum": self.cycle_momentum}
        if self.cycle_momentum:
            state.update(use_beta1=self.use_beta1, base_momentums=list(self.base_momentums),
                         max_momentums=list(self.max_momentums))
        state.update(super().state_dict())
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) else \
            dict(getattr(fn, "__dict__", {}))
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved_fn = state.pop("_scale_fn_custom", None)
        super().load_state_dict(state)
        # (nn's files before the thirty-ninth round lack these)
        for name in ("max_lrs", "base_momentums", "max_momentums"):
            if name in state:
                setattr(self, name, [float(v) for v in np.ravel(state[name])])
        for name in ("mode", "scale_mode"):
            if name in state:
                setattr(self, name, str(state[name]))
        if "gamma" in state:
            self.gamma = _scalar(state["gamma"])
        if saved_fn is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(saved_fn)
        self._init_scale_fn()

    @staticmethod
    def _set_momentum(group, momentum):
        if "betas" in group:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def get_lr(self):
        _warn_outside_step(self)
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle            # where in the cycle, 0..1
        rise = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * rise * scale for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums, self.max_momentums):
                self._set_momentum(group, high - (high - low) * rise * scale)
        return lrs


class ReduceLROnPlateau(LRScheduler):
    """Multiply the lr by ``factor`` when a metric has not improved for ``patience`` epochs. An LRScheduler, as
    in PyTorch 2 (``isinstance(s, LRScheduler)`` holds), with its own step(metrics), state and no get_lr().

    step(metric) once per epoch. "Improved" (mode='min', threshold_mode='rel') means
    metric < best * (1 - threshold); 'abs' means metric < best - threshold; mode='max'
    mirrors it. After a reduction, ``cooldown`` epochs are ignored. The lr never goes
    below ``min_lr`` (a number or one per group), and changes smaller than ``eps`` are skipped.
    """

    _state_names = ("factor", "patience", "cooldown", "cooldown_counter", "threshold", "eps", "best",
                    "num_bad_epochs", "last_epoch")

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0, eps=1e-8):
        # PyTorch's checks in its order and words; the rest (a negative patience, min_lr or eps, NaN) is taken
        # and computed with, as there
        self.factor = _checked(factor, lambda v: v >= 1.0, "Factor should be < 1.0.")
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            given = _per_group("min_lr", optimizer, min_lr, "expected {n} min_lrs, got {got}")
            self.default_min_lr, self.min_lrs = None, [_hyper(v) for v in given]
        else:       # (one for every group, also a group added later, as PyTorch's default_min_lr)
            self.default_min_lr = _hyper(min_lr)
            self.min_lrs = [self.default_min_lr] * len(optimizer.param_groups)
        self.patience, self.cooldown = patience, cooldown
        self.eps = _hyper(eps)
        self.last_epoch = 0
        if mode not in {"min", "max"}:
            raise ValueError("mode " + mode + " is unknown!")
        if threshold_mode not in {"rel", "abs"}:
            raise ValueError("threshold mode " + threshold_mode + " is unknown!")
        self.mode, self.threshold, self.threshold_mode = mode, _hyper(threshold), threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self._reset()
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _reset(self):
        """Forget the best metric and the bad-epoch and cooldown counts, as PyTorch's (avalanche's
        LRSchedulerPlugin calls it at each new experience)."""
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _is_better(self, a, best):
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return a > (best * (1.0 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def step(self, metrics, epoch=None):
        """Record this epoch's metric (e.g. validation loss) and reduce the lr if it plateaued; epoch (deprecated
        in PyTorch, with its warning) sets last_epoch instead of counting one more."""
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn(EPOCH_DEPRECATION, UserWarning, stacklevel=2)
            self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._match_groups()
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old_lr = float(group["lr"])
                new_lr = max(old_lr * self.factor, min_lr)
                if old_lr - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _match_groups(self):
        """min_lrs for a param group added since (PyTorch's: the one min_lr given, or its RuntimeError)."""
        n = len(self.optimizer.param_groups)
        if n != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"The number of param groups in the `optimizer` ({n}) differs from when "
                                   f"`ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually due to a "
                                   f"new param group being added to the optimizer. Please modify the `min_lrs` "
                                   f"field to match the length of the `optimizer` param groups.")
            self.min_lrs = [self.default_min_lr] * n

    def get_last_lr(self):
        return list(self._last_lr)

    def state_dict(self):
        """PyTorch's layout, Python values by name in its order (mode and threshold_mode as their strings;
        default_min_lr only when there is one, as an .npz file cannot hold None)."""
        out = {"factor": self.factor}
        if self.default_min_lr is not None:
            out["default_min_lr"] = self.default_min_lr
        out.update(min_lrs=list(self.min_lrs), patience=self.patience, cooldown=self.cooldown, eps=self.eps,
                   last_epoch=self.last_epoch, _last_lr=list(self._last_lr), mode_worse=self.mode_worse,
                   mode=self.mode, threshold=self.threshold, threshold_mode=self.threshold_mode, best=self.best,
                   cooldown_counter=self.cooldown_counter, num_bad_epochs=self.num_bad_epochs)
        return out

    def load_state_dict(self, state_dict):
        """From state_dict(): this library's, PyTorch's, or one of earlier versions (arrays, 'last_lr', and
        the modes as the flags 'mode_max' and 'threshold_mode_abs')."""
        state = dict(state_dict)
        if "mode" not in state and "mode_max" in state:
            state["mode"] = "max" if bool(state.pop("mode_max")) else "min"
            state["threshold_mode"] = "abs" if bool(state.pop("threshold_mode_abs")) else "rel"
        state = _state(state, (*self._state_names, "mode", "threshold_mode", "min_lrs"), "ReduceLROnPlateau")
        for name in self._state_names:
            setattr(self, name, _scalar(state[name]))
        self.mode, self.threshold_mode = str(state["mode"]), str(state["threshold_mode"])
        self.mode_worse = math.inf if self.mode == "min" else -math.inf
        self.min_lrs = [float(v) for v in np.ravel(state["min_lrs"])]
        self._last_lr = [float(v) for v in np.ravel(state["_last_lr"])]
        if "default_min_lr" in state:           # (PyTorch's files hold it, None for a list of min_lrs)
            value = state["default_min_lr"]
            self.default_min_lr = None if value is None or np.asarray(value).dtype == object else _scalar(value)
