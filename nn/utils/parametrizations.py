"""Weight and spectral normalisation as parametrizations, as torch.nn.utils.parametrizations (the newer form of
nn.utils.weight_norm / spectral_norm, with PyTorch's state_dict keys):

weight_norm(module, name="weight", dim=0): module.<name> = g * v / ||v||, the norm over every dimension but dim
    (over all of them with dim=None); g is ``parametrizations.<name>.original0``, v ``original1``. A state_dict
    written with the older nn.utils.weight_norm (``<name>_g``, ``<name>_v``) loads too.
spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None): module.<name> = w / sigma, sigma
    the largest singular value of w as a (size of dim, rest) matrix, estimated by power iteration on the buffers
    ``parametrizations.<name>.0._u`` and ``._v`` (15 iterations at registration, then n_power_iterations at each
    access of module.<name> in training; none in eval); w is ``parametrizations.<name>.original``. dim None
    means 0, or 1 for the transposed convolutions. A 1-D weight is simply w / ||w||.
"""
from .. import functional as F
from ..modules.conv import ConvTranspose2d
from ..modules.onedim import ConvTranspose1d
from ..modules.module import Module
from ..tensor import Tensor, get_rng
from . import parametrize
from .weight_norms import _norm_except_dim, _normalize


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim          # PyTorch's -1: the norm of the whole weight

    def _axis(self, v):
        return None if self.dim == -1 else self.dim % v.ndim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / _norm_except_dim(weight_v, self._axis(weight_v)))

    def right_inverse(self, weight):
        return _norm_except_dim(weight, self._axis(weight)), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrise module.<name> as g * v / ||v|| (see the module doc); returns the module."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def _weight_norm_compat_hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                 error_msgs):
        g_key, v_key = f"{prefix}{name}_g", f"{prefix}{name}_v"
        if g_key in state_dict and v_key in state_dict:
            state_dict[f"{prefix}parametrizations.{name}.original0"] = state_dict.pop(g_key)
            state_dict[f"{prefix}parametrizations.{name}.original1"] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(_weight_norm_compat_hook)
    return module


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:                # a 1-D weight needs no estimate (forward)
            self.n_power_iterations = n_power_iterations
            h, w = self._reshape_weight_to_matrix(weight._data).shape
            rng = get_rng()
            self.register_buffer("_u", _normalize(rng.standard_normal(h).astype(weight.dtype), eps))
            self.register_buffer("_v", _normalize(rng.standard_normal(w).astype(weight.dtype), eps))
            self._power_method(self._reshape_weight_to_matrix(weight._data), 15)

    def _reshape_weight_to_matrix(self, weight):
        """weight (Tensor or ndarray) as the (size of dim, rest) matrix."""
        if self.dim != 0:
            order = [self.dim] + [a for a in range(weight.ndim) if a != self.dim]
            weight = weight.permute(*order) if isinstance(weight, Tensor) else weight.transpose(order)
        return weight.reshape(weight.shape[0], -1)

    def _power_method(self, weight_mat, n_power_iterations):
        # in place on the buffers, without a graph, as PyTorch's (u first here, v first in the older form)
        u, v = self._buffers.get("_u"), self._buffers.get("_v")
        for _ in range(n_power_iterations):
            u[...] = _normalize(weight_mat @ v, self.eps)
            v[...] = _normalize(weight_mat.T @ u, self.eps)

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        if self.training:
            self._power_method(self._reshape_weight_to_matrix(weight._data), self.n_power_iterations)
        u, v = Tensor._wrap(self._buffers.get("_u").copy()), Tensor._wrap(self._buffers.get("_v").copy())
        sigma = (u * (self._reshape_weight_to_matrix(weight) @ v)).sum()        # u . (W v), W with its graph
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrise module.<name> as w / sigma(w) (see the module doc); returns the module."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d)) else 0
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


__all__ = ["weight_norm", "spectral_norm"]
