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
orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True): module.<name> (..., m, n)
    with orthonormal columns (rows when m < n): Q = B @ map(X), map the matrix exponential or the Cayley
    transform of the skew-symmetric X - X^H (X's lower triangle), or the Householder product of X's reflectors
    (the default for a non-square real matrix), B ``parametrizations.<name>.0.base`` (the dynamic
    trivialization: the last orthogonal value assigned; without it, Q = map(X)).
"""
from enum import Enum, auto

import numpy as np

from .. import functional as F
from .. import linalg
from ..factories import eye, randn, zeros_like
from ..tensor_ops.shape import cat
from ..grad_mode import no_grad
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


class _OrthMaps(Enum):
    matrix_exp = auto()
    cayley = auto()
    householder = auto()


def _is_orthogonal(Q):
    """Q^H Q = I within 10 n eps, as PyTorch's test before it keeps an assigned value as it is."""
    n, k = Q.shape[-2:]
    return bool(np.allclose(Q.mH._data @ Q._data, np.eye(k), rtol=1e-5, atol=10.0 * n * np.finfo(Q.dtype).eps))


def _make_orthogonal(A):
    """The Q of A = Q R (A tall) with R's diagonal made non-negative, so that Q is A's own orthonormal basis."""
    X, tau = linalg.geqrf(A)
    Q = linalg.householder_product(X, tau)
    return Q * X.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            # complex reflectors leave n(n - 1) real parameters, too few for the n^2 of a unitary matrix
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        """X (..., n, k) -> orthogonal Q of the same shape (worked on as a tall matrix: transposed if n < k)."""
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X, (n, k) = X.mT, (k, n)
        if self.orthogonal_map in (_OrthMaps.matrix_exp, _OrthMaps.cayley):
            X = X.tril()                         # n k - k (k - 1) / 2 free values
            if n != k:                           # embedded in a square matrix
                X = cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)], dim=-1)
            A = X - X.mH                         # skew-symmetric (skew-Hermitian): its exponential is orthogonal
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = linalg.matrix_exp(A)
            else:                                # Cayley: (I + A/2)(I - A/2)^-1, as the solve of (I - A/2) Q = (I + A/2)
                Id = eye(n, dtype=A.dtype)
                Q = linalg.solve(Id - 0.5 * A, Id + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)              # the reflectors; tau makes each H_i = I - tau v v^T a reflection
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = linalg.householder_product(A, tau)
            # X's diagonal holds signs (+-1), kept apart from the gradient (int: no derivative through it)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            Q = self.base @ Q
        return Q.mT if transposed else Q

    @no_grad()
    def right_inverse(self, Q):
        """An X whose forward gives Q: with the trivialization, B = Q (made orthogonal, completed to a square
        matrix by random columns if Q is not square) and X = -I; without it, Householder only: geqrf's reflectors."""
        if Q.shape != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                             f"Got a tensor of shape {Q.shape}.")
        Q_init = Q
        n, k = Q.shape[-2:]
        transpose = n < k
        if transpose:
            Q, (n, k) = Q.mT, (k, n)
        if not hasattr(self, "base"):
            if self.orthogonal_map in (_OrthMaps.cayley, _OrthMaps.matrix_exp):
                raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                          "parametrizations when use_trivialization=False.")
            A, tau = linalg.geqrf(Q)
            # R's diagonal positive (else Q = (-Q)(-I) is another valid factorisation); where LAPACK made no
            # reflection (tau = 0) the sign is flipped
            a = A._data.copy()
            signs = np.sign(np.diagonal(a, axis1=-2, axis2=-1)) * np.where(tau._data == 0.0, -1.0, 1.0)
            idx = np.arange(min(n, k))
            a[..., idx, idx] = signs
            A = Tensor._wrap(a)
            return A.mT if transpose else A
        if n == k:
            Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
        else:                                    # completed to an n x n orthogonal matrix
            N = randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype)
            Q = _make_orthogonal(cat([Q, N], dim=-1))
        self.base = Q
        # -I: the Householder map of -I's reflectors (none) times its diagonal's signs gives I back (base @ I)
        neg_Id = zeros_like(Q_init)
        neg_Id._data[..., np.arange(min(n, k)), np.arange(min(n, k))] = -1.0
        return neg_Id


def orthogonal(module, name="weight", orthogonal_map=None, *, use_trivialization=True):
    """Reparametrise module.<name> as an orthogonal matrix (or batch of them; see the module doc); returns the
    module. orthogonal_map: "matrix_exp", "cayley" or "householder" (default: matrix_exp for a square or complex
    matrix, householder otherwise)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_enum = getattr(_OrthMaps, orthogonal_map, None)
    if orth_enum is None:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f"Got: {orthogonal_map}")
    parametrize.register_parametrization(module, name, _Orthogonal(weight, orth_enum,
                                                                   use_trivialization=use_trivialization),
                                         unsafe=True)
    return module


__all__ = ["weight_norm", "spectral_norm", "orthogonal"]
