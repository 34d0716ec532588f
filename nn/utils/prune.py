"""Pruning, as torch.nn.utils.prune: a pruned tensor module.<name> becomes ``<name>_orig`` (the same Parameter) times
the buffer ``<name>_mask`` (0 where pruned), recomputed by a forward pre-hook before every call, so the pruned
entries stay zero while <name>_orig trains (their gradient is zero). PyTorch's names and state_dict keys.

    prune.l1_unstructured(module, "weight", amount=0.3)     the 30% of entries smallest in |w|
    prune.random_unstructured(module, "weight", amount=5)   5 entries at random
    prune.ln_structured(module, "weight", amount=0.5, n=2, dim=0)  the half of the rows with the smallest 2-norm
    prune.random_structured(module, "weight", amount=1, dim=1)
    prune.global_unstructured(((m1, "weight"), (m2, "weight")), pruning_method=prune.L1Unstructured, amount=0.2)
    prune.custom_from_mask(module, "weight", mask);  prune.identity(module, "weight")
    prune.remove(module, "weight")      keep the pruned values as a plain parameter again
    prune.is_pruned(model)

amount: a float in [0, 1] (that fraction of the entries or channels, rounded) or an int (that many). Pruning
a tensor again prunes among the entries (or channels) still unpruned: the masks combine (PruningContainer).
A pruning method is a BasePruningMethod subclass with PRUNING_TYPE ("unstructured", "structured" with a
``dim``, or "global") and ``compute_mask(t, default_mask)`` returning the new mask (Tensors).
"""
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor, get_rng
from .convert_parameters import parameters_to_vector


def _array(t):
    return t.detach().numpy() if isinstance(t, Tensor) else np.asarray(t)


class BasePruningMethod(ABC):
    """A pruning method: compute_mask(t, default_mask) -> mask; its instances are the modules' forward
    pre-hooks."""

    _tensor_name = None

    def __call__(self, module, inputs):
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t, default_mask):
        """The mask (a Tensor of t's shape) pruning t further than default_mask."""

    def apply_mask(self, module):
        """<name>_orig * <name>_mask, in the graph of <name>_orig."""
        orig = getattr(module, self._tensor_name + "_orig")
        mask = getattr(module, self._tensor_name + "_mask")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune module.<name> with cls(*args, **kwargs), combined with its earlier pruning; returns the method."""
        method = _composite_method(cls, module, name, *args, **kwargs)
        orig = getattr(module, name)
        if importance_scores is not None and tuple(importance_scores.shape) != tuple(orig.shape):
            raise ValueError(f"importance_scores should have the same shape as parameter {name} of {module}")
        scores = orig if importance_scores is None else importance_scores
        first = not isinstance(method, PruningContainer)
        if first:                   # the parameter moves to <name>_orig (the same object: optimizers keep it)
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = Tensor._wrap(np.ones(orig.shape, orig.dtype))
        else:
            default_mask = Tensor._wrap(module._buffers.get(name + "_mask").copy())
        try:
            with no_grad():
                mask = method.compute_mask(scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", Tensor._wrap(np.array(_array(mask), dtype=orig.dtype)))
            setattr(module, name, method.apply_mask(module))
            module.register_forward_pre_hook(method)
        except Exception:
            if first:                   # roll back
                module.__dict__.pop(name, None)
                module.register_parameter(name, module._parameters.pop(name + "_orig"))
            raise
        return method

    def prune(self, t, default_mask=None, importance_scores=None):
        """t times its mask (computed from importance_scores, or t)."""
        if importance_scores is not None and tuple(importance_scores.shape) != tuple(t.shape):
            raise ValueError("importance_scores should have the same shape as tensor t")
        scores = t if importance_scores is None else importance_scores
        default_mask = Tensor._wrap(np.ones(t.shape, t.dtype)) if default_mask is None else default_mask
        return t * self.compute_mask(scores, default_mask=default_mask)

    def remove(self, module):
        """module.<name> becomes a plain Parameter again, holding the pruned values."""
        if self._tensor_name is None:
            raise ValueError(f"Module {module} has to be pruned before pruning can be removed")
        weight = self.apply_mask(module)
        module.__dict__.pop(self._tensor_name, None)
        orig = module._parameters.pop(self._tensor_name + "_orig")
        orig.data = weight.detach()
        del module._buffers[self._tensor_name + "_mask"]
        setattr(module, self._tensor_name, orig)


def _composite_method(cls, module, name, *args, **kwargs):
    """cls(*args, **kwargs), in a PruningContainer after the method already pruning module.<name>, if any (whose
    hook is removed: the returned method takes its place)."""
    hooks = module.__dict__.get("_forward_pre_hooks", {})
    old = [(k, hook) for k, hook in hooks.items() if isinstance(hook, BasePruningMethod) and hook._tensor_name == name]
    if len(old) > 1:
        raise RuntimeError(f"Avoid adding multiple pruning hooks to the same tensor {name} of module {module}. Use "
                           "a PruningContainer.")
    for k, _ in old:
        del hooks[k]
    method = cls(*args, **kwargs)
    method._tensor_name = name
    if old:
        old_method = old[0][1]
        container = old_method if isinstance(old_method, PruningContainer) else PruningContainer(old_method)
        container.add_pruning_method(method)
        method = container
    return method


class PruningContainer(BasePruningMethod):
    """The sequence of pruning methods applied to one tensor; a new one prunes among what is left."""

    def __init__(self, *args):
        self._pruning_methods = ()
        if len(args) == 1 and not isinstance(args[0], Iterable):
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:
            for method in (args[0] if len(args) == 1 else args):
                self.add_pruning_method(method)

    def add_pruning_method(self, method):
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named '{self._tensor_name}' to "
                             f"PruningContainer. Found '{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t, default_mask):
        """The last method's mask computed on the entries (unstructured), the channels along its dim
        (structured) or the whole tensor (global) that default_mask keeps, written into default_mask."""
        method = self._pruning_methods[-1]
        mask = _array(default_mask).astype(_array(t).dtype)
        if method.PRUNING_TYPE == "unstructured":
            slc = mask == 1
        elif method.PRUNING_TYPE == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError("Pruning methods of PRUNING_TYPE 'structured' need to have the attribute `dim` "
                                     "defined.")
            dim = method.dim + mask.ndim if method.dim < 0 else method.dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor of size {mask.ndim}")
            keep = mask.sum(axis=tuple(d for d in range(mask.ndim) if d != dim)) != 0
            slc = tuple(keep if d == dim else slice(None) for d in range(mask.ndim))
        elif method.PRUNING_TYPE == "global":
            slc = (slice(None),) * mask.ndim
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
        part = method.compute_mask(Tensor._wrap(_array(t)[slc]), default_mask=Tensor._wrap(mask[slc]))
        mask[slc] = _array(part)
        return Tensor._wrap(mask)


class Identity(BasePruningMethod):
    """Prunes nothing (a mask of ones): the reparametrisation alone."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


class _Unstructured(BasePruningMethod):
    """Prunes amount entries (a count, or a fraction of the entries), the first ones of _order(t)."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        n = _nparams_toprune(self.amount, t.numel())
        _validate_pruning_amount(n, t.numel())
        mask = _array(default_mask).copy()
        if n:                                   # (no random draw for nothing to prune)
            mask.reshape(-1)[self._order(t)[:n]] = 0
        return Tensor._wrap(mask)


class RandomUnstructured(_Unstructured):
    """Prunes amount entries (a count, or a fraction of the entries) chosen at random."""

    def _order(self, t):
        return np.argsort(-get_rng().random(t.numel()), kind="stable")

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(_Unstructured):
    """Prunes the amount entries (a count, or a fraction of the entries) smallest in absolute value."""

    def _order(self, t):
        return np.argsort(np.abs(_array(t)).reshape(-1), kind="stable")

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


def _structured_count(t, dim, amount):
    """(dim, the channels along it, how many of them to prune) for a structured method, each validated."""
    _validate_structured_pruning(t)
    dim = _validate_pruning_dim(t, dim)
    size = t.shape[dim]
    n = _nparams_toprune(amount, size)
    _validate_pruning_amount(n, size)
    return dim, size, n


class RandomStructured(BasePruningMethod):
    """Prunes amount channels along dim (a count, or a fraction of them) chosen at random."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        _validate_pruning_amount_init(amount)
        self.amount, self.dim = amount, dim

    def compute_mask(self, t, default_mask):
        dim, size, n = _structured_count(t, self.dim, self.amount)
        if n == 0:
            return default_mask
        prob = get_rng().random(size)
        keep = prob > np.partition(prob, n - 1)[n - 1]          # all but the n smallest draws (kthvalue)
        return Tensor._wrap(_channel_mask(_array(t), dim, keep) * _array(default_mask))

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the amount channels along dim (a count, or a fraction of them) of smallest L-n norm."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        _validate_pruning_amount_init(amount)
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, t, default_mask):
        dim, size, n = _structured_count(t, self.dim, self.amount)
        if n == 0:
            return default_mask
        a = np.moveaxis(_array(t), dim, 0).reshape(size, -1)
        p = 2 if self.n == "fro" else self.n
        norms = np.abs(a).max(1) if p == np.inf else np.abs(a).min(1) if p == -np.inf else \
            (np.abs(a) ** p).sum(1) ** (1.0 / p)
        keep = np.zeros(size, bool)
        keep[np.argsort(-norms, kind="stable")[:size - n]] = True
        return Tensor._wrap(_channel_mask(_array(t), dim, keep) * _array(default_mask))

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where the given mask is 0."""

    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        if tuple(default_mask.shape) != tuple(self.mask.shape):
            raise ValueError(f"the mask has shape {tuple(self.mask.shape)}, the tensor {tuple(default_mask.shape)}")
        return Tensor._wrap(_array(default_mask) * _array(self.mask).astype(_array(default_mask).dtype))

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)


def identity(module, name):
    """Reparametrise module.<name> with a mask of ones (nothing pruned). Returns module."""
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name, mask):
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune the (module, name) pairs of parameters as one vector (pruning_method unstructured, e.g.
    L1Unstructured with amount=0.2: the 20% smallest entries of all of them together)."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    scores = parameters_to_vector([importance_scores.get((m, n), getattr(m, n)) for m, n in parameters]).detach()
    default_mask = np.concatenate([np.ravel(m._buffers.get(n + "_mask")) if n + "_mask" in m._buffers
                                   else np.ones(getattr(m, n).numel(), getattr(m, n).dtype) for m, n in parameters])
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
                        f"{pruning_method} of type {method.PRUNING_TYPE}")
    container.add_pruning_method(method)
    final = _array(container.compute_mask(scores, Tensor._wrap(default_mask.astype(scores.dtype))))
    start = 0
    for module, name in parameters:
        shape = tuple(getattr(module, name).shape)
        count = int(np.prod(shape))
        custom_from_mask(module, name, mask=Tensor._wrap(final[start:start + count].reshape(shape)))
        start += count


def remove(module, name):
    """Make the pruning of module.<name> permanent: a plain Parameter holding the pruned values. Returns module."""
    hooks = module.__dict__.get("_forward_pre_hooks", {})
    for k, hook in list(hooks.items()):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del hooks[k]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed")


def is_pruned(module):
    """Is some tensor of module or of its descendants pruned?"""
    return any(isinstance(hook, BasePruningMethod) for m in module.modules()
               for hook in m.__dict__.get("_forward_pre_hooks", {}).values())


def _channel_mask(t, dim, keep):
    """Ones on the channels keep (bool, along dim) of t's shape, zeros elsewhere."""
    mask = np.zeros_like(t)
    mask[tuple(keep if d == dim else slice(None) for d in range(t.ndim))] = 1
    return mask


def _nparams_toprune(amount, size):
    return amount if isinstance(amount, numbers.Integral) else round(amount * size)


def _validate_pruning_amount_init(amount):
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or \
            (not isinstance(amount, numbers.Integral) and (float(amount) > 1.0 or float(amount) < 0.0)):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a non-negative integer")


def _validate_pruning_amount(amount, size):
    if isinstance(amount, numbers.Integral) and amount > size:
        raise ValueError(f"amount={amount} should be smaller than the number of parameters to prune={size}")


def _validate_structured_pruning(t):
    if len(t.shape) <= 1:
        raise ValueError(f"Structured pruning can only be applied to multidimensional tensors. Found tensor of "
                         f"shape {tuple(t.shape)} with {len(t.shape)} dims")


def _validate_pruning_dim(t, dim):
    if dim >= len(t.shape) or dim < -len(t.shape):
        raise IndexError(f"Invalid index {dim} for tensor of size {tuple(t.shape)}")
    return dim % len(t.shape)
