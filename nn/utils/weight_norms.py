"""Reparametrised weights, as torch.nn.utils.weight_norm / spectral_norm (and their remove_*), with PyTorch's
parameter and buffer names, so a PyTorch state_dict of such a module loads unchanged.

weight_norm(module, name="weight", dim=0): the weight becomes w = g * v / ||v||, the norm over every dimension
    but ``dim`` (over all of them with dim=None); parameters ``weight_g`` (||w|| at the start) and ``weight_v``.
spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None): w = w_orig / sigma, sigma the
    largest singular value of w_orig as a (size of dim, rest) matrix, estimated by power iteration on the
    buffers ``weight_u`` and ``weight_v`` (one more iteration each forward pass in training; none in eval);
    parameter ``weight_orig``. dim None means 0, or 1 for the transposed convolutions.

Both recompute the weight before every forward pass (a forward pre-hook), as a Tensor computed from the
parameters, so gradients reach g and v (or w_orig) through it.
"""
import warnings

import numpy as np

from ..modules.module import Parameter
from ..tensor import Tensor, get_rng


def _hooks(module):
    """The module's reparametrisations: (kind, name) -> (hook, handle of its forward pre-hook)."""
    return module.__dict__.setdefault("_reparametrisations", {})


def _install(module, kind, name, hook):
    if (kind, name) in _hooks(module):
        raise RuntimeError(f"{kind}: {name!r} of this module already has {kind}")
    _hooks(module)[kind, name] = (hook, module.register_forward_pre_hook(hook))


def _remove(module, kind, name, weight_of, parameters, buffers=()):
    """Undo a reparametrisation: module.<name> is again one Parameter, weight_of(hook) (its current value)."""
    if (kind, name) not in _hooks(module):
        raise ValueError(f"{kind} of {name!r} not found in {module}")                          # PyTorch's words
    hook, handle = _hooks(module).pop((kind, name))
    weight = weight_of(hook).detach()
    handle.remove()
    for suffix in parameters:
        del module._parameters[name + suffix]
    for suffix in buffers:
        del module._buffers[name + suffix]
    object.__delattr__(module, name)
    module.register_parameter(name, Parameter(weight))
    return module


def _norm_except_dim(v, dim):
    """||v|| over every dimension but dim (all of them when dim is None), keeping v's number of dimensions."""
    if dim is None:
        return (v * v).sum().sqrt()
    axes = tuple(a for a in range(v.ndim) if a != dim % v.ndim)
    return (v * v).sum(dim=axes, keepdim=True).sqrt()


class WeightNorm:
    """weight_norm's forward pre-hook, PyTorch's class of it (torch.nn.utils.weight_norm.WeightNorm: code finds it
    among module._forward_pre_hooks by isinstance; apply and compute_weight as PyTorch's)."""
    def __init__(self, name, dim):
        self.name, self.dim = name, dim

    @staticmethod
    def apply(module, name, dim):
        weight_norm(module, name, dim)
        return _hooks(module)["weight_norm", name][0]

    def weight(self, module):
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    compute_weight = weight

    def __call__(self, module, inputs):
        object.__setattr__(module, self.name, self.weight(module))


def weight_norm(module, name="weight", dim=0):
    """Reparametrise module.<name> as g * v / ||v|| (see the module doc); returns the module. PyTorch deprecates it
    for parametrizations.weight_norm with a FutureWarning on every call (allennlp's GatedCnnEncoder meets it)."""
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of `torch.nn.utils.parametrizations."
                  "weight_norm`.", FutureWarning)
    weight = getattr(module, name)
    if dim == -1:                               # PyTorch's -1 means dim=None: the norm of the whole weight
        dim = None
    hook = WeightNorm(name, None if dim is None else dim % weight.ndim)
    _install(module, "weight_norm", name, hook)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, hook.dim).detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    object.__setattr__(module, name, hook.weight(module))
    return module


def remove_weight_norm(module, name="weight"):
    """Undo weight_norm: module.<name> is again one Parameter (its current value)."""
    return _remove(module, "weight_norm", name, lambda hook: hook.weight(module), ("_g", "_v"))


def _normalize(a, eps):
    return a / max(float(np.linalg.norm(a)), eps)


class SpectralNorm:
    """spectral_norm's forward pre-hook, PyTorch's class of it (torch.nn.utils.spectral_norm.SpectralNorm; apply and
    compute_weight as PyTorch's)."""
    def __init__(self, name, n_power_iterations, eps, dim):
        self.name, self.n_power_iterations, self.eps, self.dim = name, n_power_iterations, eps, dim

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        spectral_norm(module, name, n_power_iterations, eps, dim)
        return _hooks(module)["spectral_norm", name][0]

    def matrix(self, weight):
        """weight (Tensor or ndarray) as the (size of dim, rest) matrix."""
        if self.dim != 0:
            order = [self.dim] + [a for a in range(weight.ndim) if a != self.dim]
            weight = weight.permute(*order) if isinstance(weight, Tensor) else weight.transpose(order)
        return weight.reshape(weight.shape[0], -1)

    def weight(self, module, do_power_iteration):
        w = getattr(module, self.name + "_orig")
        u, v = module._buffers.get(self.name + "_u"), module._buffers.get(self.name + "_v")
        if do_power_iteration:                  # in place, as PyTorch's buffers (no gradient through it)
            m = self.matrix(w._data)
            for _ in range(self.n_power_iterations):
                v[...] = _normalize(m.T @ u, self.eps)
                u[...] = _normalize(m @ v, self.eps)
        sigma = (Tensor._wrap(u.copy()) * (self.matrix(w) @ Tensor._wrap(v.copy()))).sum()  # u . (W v), W with its graph
        return w / sigma

    def compute_weight(self, module, do_power_iteration):
        return self.weight(module, do_power_iteration)

    def __call__(self, module, inputs):
        object.__setattr__(module, self.name, self.weight(module, module.training))


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrise module.<name> as w_orig / sigma(w_orig) (see the module doc); returns the module."""
    if n_power_iterations < 1:
        raise ValueError(f"spectral_norm: n_power_iterations must be at least 1, got {n_power_iterations}")
    weight = getattr(module, name)
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    hook = SpectralNorm(name, n_power_iterations, eps, dim % weight.ndim)
    h, w = hook.matrix(weight._data).shape
    _install(module, "spectral_norm", name, hook)
    rng = get_rng()
    del module._parameters[name]
    module.register_parameter(name + "_orig", Parameter(weight.detach()))
    module.register_buffer(name + "_u", _normalize(rng.standard_normal(h).astype(weight.dtype), eps))
    module.register_buffer(name + "_v", _normalize(rng.standard_normal(w).astype(weight.dtype), eps))
    object.__setattr__(module, name, Tensor._wrap(weight._data))     # until the first forward pass, as PyTorch
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo spectral_norm: module.<name> is again one Parameter (w_orig / sigma with the current u, v)."""
    return _remove(module, "spectral_norm", name, lambda hook: hook.weight(module, False), ("_orig",), ("_u", "_v"))
