"""PatchMLP: the 5 x 5 patch model of the original student experiment (25 -> 16 sigmoid -> 2).

Each pixel's a, b is predicted from the size x size grayscale patch centred on it (borders padded by
size // 2 pixels with the image's mean, nn.kernels.extract_patches). It sees nothing else: a smooth patch
of a given lightness gets one colour whatever the scene, which is the failure examples/beach_mlp.py shows.

    x (N, 1, H, W) L scaled to [-1, 1]
      -> patches (N*H*W, size*size)                 one row per pixel, no gradient (the input is data)
      -> fc1 (hidden) -> activation -> fc2 (2)      nn.Linear layers: state_dict keys fc1.weight, fc1.bias, ...
      -> ab (N, 2, H, W)                            (a, b) / 128

Two ways to train it:
    through autograd like every model (forward + F.mse_loss + backward + optimizer.step), or
    fast_fit_epoch(): the fused Numba kernels nn.kernels.patch_mlp_sgd_epoch / patch_mlp_adam_epoch run a
    whole epoch (forward, backward and update of every minibatch) in one call on this module's own weight
    arrays; the optimizer's learning rate and (for Adam) its moment estimates are used and kept up to date,
    so switching between the two paths, checkpointing and resuming all see the same state.
    The fused kernels implement the sigmoid network only; other activations use autograd.
"""
import numpy as np

import nn
from nn.kernels import extract_patches, patch_mlp_adam_epoch, patch_mlp_forward, patch_mlp_sgd_epoch

from . import register_model
from .output import ColorOutput

_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "leaky_relu": nn.LeakyReLU}


@register_model("mlp")
class PatchMLP(nn.Module):
    """Per-pixel MLP on size x size patches: (N, 1, H, W) -> (N, 2, H, W)."""

    def __init__(self, hidden=16, activation="sigmoid", patch_size=5):
        super().__init__()
        if not isinstance(hidden, int) or isinstance(hidden, bool) or hidden < 1:
            raise ValueError(f"hidden must be a positive int, got {hidden!r}")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(_ACTIVATIONS)}, got {activation!r}")
        if not isinstance(patch_size, int) or patch_size < 1 or patch_size % 2 == 0:
            raise ValueError(f"patch_size must be a positive odd int, got {patch_size!r}")
        self.patch_size = patch_size
        self.activation = activation
        self.fc1 = nn.Linear(patch_size * patch_size, hidden)
        self.act = _ACTIVATIONS[activation]()
        self.fc2 = nn.Linear(hidden, 2)

    # ------------------------------------------------------------------ data layout
    def patches(self, x):
        """x: (N, 1, H, W) ndarray or Tensor -> (N*H*W, size*size) float32 patch matrix."""
        data = x.data if isinstance(x, nn.Tensor) else np.asarray(x)
        if data.ndim != 4 or data.shape[1] != 1:
            raise ValueError(f"PatchMLP expects input of shape (N, 1, H, W), got {data.shape}")
        return extract_patches(np.ascontiguousarray(data[:, 0], dtype=np.float32), self.patch_size)

    @staticmethod
    def pixel_targets(y):
        """y: (N, 2, H, W) -> (N*H*W, 2), rows in the same order as patches()."""
        y = np.asarray(y, dtype=np.float32)
        return np.ascontiguousarray(y.transpose(0, 2, 3, 1).reshape(-1, 2))

    # ------------------------------------------------------------------ autograd path
    def forward(self, x, target_ab=None):
        """x: (N, 1, H, W) Tensor -> ColorOutput(ab (N, 2, H, W)); target_ab is not used."""
        n, _, h, w = x.shape
        y = self.forward_patches(nn.Tensor(self.patches(x)))          # (N*H*W, 2)
        return ColorOutput(y.reshape(n, h, w, 2).permute(0, 3, 1, 2))

    def forward_patches(self, p):
        """p: (M, size*size) Tensor of patches (rows of patches()) -> (M, 2) Tensor: each pixel's ab / 128."""
        return self.fc2(self.act(self.fc1(p)))

    # ------------------------------------------------------------------ fused-kernel path
    def can_fast_fit(self, optimizer):
        """True when fast_fit_epoch can train this model with this optimizer (sigmoid; plain SGD or Adam)."""
        if self.activation != "sigmoid":
            return False
        group = optimizer.param_groups[0]
        if isinstance(optimizer, nn.optim.SGD):
            return not group.get("momentum", 0) and not group.get("weight_decay", 0)
        if isinstance(optimizer, nn.optim.Adam):
            return not group.get("weight_decay", 0) and not group.get("amsgrad", False)
        return False

    def _weights(self):
        return [np.ascontiguousarray(p.data) for p in (self.fc1.weight, self.fc1.bias, self.fc2.weight,
                                                       self.fc2.bias)]

    def fast_predict(self, x):
        """x: (N, 1, H, W) ndarray -> ab (N, 2, H, W) ndarray with the fused forward kernel (sigmoid only)."""
        if self.activation != "sigmoid":
            with nn.no_grad():
                return self.forward(nn.Tensor(np.asarray(x, dtype=np.float32))).ab.data
        n, _, h, w = np.shape(x)
        y = patch_mlp_forward(self.patches(x), *self._weights())
        return y.reshape(n, h, w, 2).transpose(0, 3, 1, 2)

    def fast_fit_epoch(self, X, Y, optimizer, batch_size, order):
        """Train over rows order of X (M, k*k) / Y (M, 2) in minibatches; returns the mean loss per pixel.

        Uses optimizer's lr (and Adam's betas, eps and moment estimates, which are updated in its state)
        with the fused kernels; the Linear layers' weights are updated in place.
        """
        params = [self.fc1.weight, self.fc1.bias, self.fc2.weight, self.fc2.bias]
        arrays = self._weights()
        group = optimizer.param_groups[0]
        order = np.ascontiguousarray(order, dtype=np.int64)
        if isinstance(optimizer, nn.optim.SGD):
            loss = patch_mlp_sgd_epoch(X, Y, *arrays, group["lr"], int(batch_size), order)
        else:
            m, v, step = optimizer_moments(optimizer, params)
            loss, step = patch_mlp_adam_epoch(X, Y, *arrays, m, v, group["lr"], tuple(group["betas"]),
                                              group["eps"], step, int(batch_size), order)
            set_optimizer_step(optimizer, params, step)
        for p, a in zip(params, arrays):
            if p.data is not a:                      # ascontiguousarray copied: write the result back
                p.data[...] = a
        return float(loss)


def optimizer_moments(optimizer, params):
    """Adam's (m tuple, v tuple, step) for params, creating zero state as Adam.step() would."""
    ms, vs, steps = [], [], []
    for p in params:
        st = optimizer.state.setdefault(id(p), {})      # nn.optim keys per-parameter state by id()
        if "exp_avg" not in st:
            st["step"] = 0
            st["exp_avg"] = np.zeros_like(p.data)
            st["exp_avg_sq"] = np.zeros_like(p.data)
        ms.append(st["exp_avg"])
        vs.append(st["exp_avg_sq"])
        steps.append(int(np.asarray(st["step"])))
    return tuple(ms), tuple(vs), steps[0]


def set_optimizer_step(optimizer, params, step):
    for p in params:
        optimizer.state[id(p)]["step"] = int(step)
