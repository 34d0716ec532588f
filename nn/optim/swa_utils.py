"""Weight averaging, as torch.optim.swa_utils: stochastic weight averaging (SWA) and exponential moving averages
(EMA) of a model's parameters.

    averaged = AveragedModel(model)                                   # SWA: the running mean of the weights
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.999))   # EMA: ema <- ema + (1 - d)(w - ema)
    ... after optimizer.step():  averaged.update_parameters(model)
    update_bn(loader, averaged)                                       # BatchNorm statistics for the averaged weights
    scheduler = SWALR(optimizer, swa_lr=0.05)                         # anneal to a constant SWA learning rate

AveragedModel holds a deep copy of the model (``.module``) and ``n_averaged``, the number of models averaged (a
buffer). The first update copies the weights; each later one averages, by avg_fn(averaged, current, n) per
parameter or multi_avg_fn(averaged list, current list, n) in place over all of them (the default: the equal-weight
running mean). Buffers follow the source model unless use_buffers=True, which averages them too.
"""
import copy
import itertools
import math

import numpy as np

from ..grad_mode import no_grad
from ..modules.batchnorm import _BatchNorm
from ..modules.module import Module
from ..tensor import Tensor
from .lr_scheduler import LRScheduler, _per_group

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn",
           "get_swa_avg_fn"]


def get_ema_multi_avg_fn(decay=0.999):
    """multi_avg_fn of an exponential moving average: each averaged parameter moves (1 - decay) of the way."""
    def ema_update(ema_params, current_params, num_averaged):
        for e, c in zip(ema_params, current_params):
            e.lerp_(c, 1 - decay)
    return ema_update


def get_swa_multi_avg_fn():
    """multi_avg_fn of the equal-weight running mean: averaged += (current - averaged) / (n + 1)."""
    def swa_update(averaged_params, current_params, num_averaged):
        n = float(num_averaged.item() if isinstance(num_averaged, Tensor) else num_averaged)
        for a, c in zip(averaged_params, current_params):
            a.add_((c - a) / (n + 1))
    return swa_update


def get_ema_avg_fn(decay=0.999):
    """avg_fn of an exponential moving average: decay * averaged + (1 - decay) * current."""
    return lambda ema_param, current_param, num_averaged: decay * ema_param + (1 - decay) * current_param


def get_swa_avg_fn():
    """avg_fn of the equal-weight running mean."""
    return lambda averaged, current, num_averaged: averaged + (current - averaged) / (num_averaged + 1)


class AveragedModel(Module):
    """A running average of a model's weights (module doc); calling it runs the averaged copy."""

    def __init__(self, model, device=None, avg_fn=None, multi_avg_fn=None, use_buffers=False):
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: give avg_fn or multi_avg_fn, not both")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", np.array(0, dtype=np.int64))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _averaged(self, model):
        if self.use_buffers:
            return (list(itertools.chain(self.module.parameters(), self.module.buffers())),
                    list(itertools.chain(model.parameters(), model.buffers())))
        return list(self.module.parameters()), list(model.parameters())

    def update_parameters(self, model):
        """Average model's current weights into this one (the first call copies them)."""
        mine, theirs = self._averaged(model)
        with no_grad():
            pairs = [(a.detach(), c.detach()) for a, c in zip(mine, theirs)]
            for a, c in pairs:                  # integer buffers (num_batches_tracked) follow the model
                if a.dtype.kind != "f":
                    a.copy_(c)
            pairs = [(a, c) for a, c in pairs if a.dtype.kind == "f"]
            mine, theirs = [a for a, _ in pairs], [c for _, c in pairs]
            n = int(self.n_averaged.item())
            if n == 0:
                for a, c in zip(mine, theirs):
                    a.copy_(c)
            elif self.avg_fn is not None:
                for a, c in zip(mine, theirs):
                    a.copy_(self.avg_fn(a, c, self.n_averaged.to(a.dtype)))
            else:
                (self.multi_avg_fn or get_swa_multi_avg_fn())(mine, theirs, self.n_averaged.to(mine[0].dtype)
                                                               if mine else n)
            if not self.use_buffers:            # buffers follow the source model
                for b, src in zip(self.module.buffers(), model.buffers()):
                    b.copy_(src)
        self.n_averaged.fill_(n + 1)


def update_bn(loader, model, device=None):
    """Recompute every BatchNorm's running statistics as the plain average over one pass of loader (batches, or
    (input, ...) tuples / lists, whose first element is the input), in training mode; the model's mode and the
    layers' momentum are restored after."""
    momenta = {}
    for m in model.modules():
        if isinstance(m, _BatchNorm):           # BatchNorm1d and BatchNorm2d, as PyTorch's
            m.reset_running_stats()
            momenta[m] = m.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for m in momenta:
        m.momentum = None                       # a cumulative average over the pass
    with no_grad():
        for batch in loader:
            model(batch[0] if isinstance(batch, (list, tuple)) else batch)
    for m, momentum in momenta.items():
        m.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to swa_lr over anneal_epochs steps ('cos' or 'linear'), then hold it, as PyTorch's."""

    def __init__(self, optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos", last_epoch=-1):
        # PyTorch's checks, order and words (True passes as an int there)
        for group, lr in zip(optimizer.param_groups, _per_group("swa_lr", optimizer, swa_lr)):
            group["swa_lr"] = lr
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_func = ((lambda t: (1 - math.cos(math.pi * t)) / 2) if anneal_strategy == "cos"
                            else (lambda t: t))
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)             # (LRScheduler counts _step_count, which get_lr reads)

    @staticmethod
    def _initial_lr(lr, swa_lr, alpha):
        return swa_lr if alpha == 1 else (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self):
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / max(1, self.anneal_epochs))))
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [group["swa_lr"] * alpha + self._initial_lr(group["lr"], group["swa_lr"], prev_alpha) * (1 - alpha)
                for group in self.optimizer.param_groups]
