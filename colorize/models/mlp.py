"""PatchMLP: the 5 x 5 patch model of the original student experiment (25 -> 16 sigmoid -> 2).

Each pixel's a, b is predicted from the size x size grayscale patch centred on it (borders padded by
size // 2 pixels with the image's mean, colorize.kernels.patches.extract_patches). It sees nothing else: a smooth patch
of a given lightness gets one colour whatever the scene, which is the failure examples/beach_mlp.py shows.

    x (N, 1, H, W) L scaled to [-1, 1]
      -> patches (N*H*W, size*size)                 one row per pixel, no gradient (the input is data)
      -> fc1 (hidden) -> activation -> fc2 (2)      nn.Linear layers: state_dict keys fc1.weight, fc1.bias, ...
      -> ab (N, 2, H, W)                            (a, b) / 128

Two ways to train it:
    through the autograd like every model: the Trainer calls forward() on whole images, and
    examples/beach_mlp.py calls forward_patches() on minibatches of pixels (one pixel for the original's
    per-pixel SGD): out = model.forward_patches(X[idx]); F.mse_loss(out, Y[idx]).backward(); opt.step();
    fused_epoch(model, optimizer, X, Y, batch_size, order): the opt-in speed path, the same epoch in one
    call of the fused Numba kernel (colorize/kernels/patch_mlp.py), which updates with nn.optim's own
    SGD / Adam kernel and keeps Adam's moments in optimizer.state[p]; sigmoid activation only.
"""
import numpy as np

import nn

from ..kernels.patch_mlp import patch_mlp_adam_epoch, patch_mlp_sgd_epoch
from ..kernels.patches import extract_patches

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
        y = self.forward_patches(nn.from_numpy(self.patches(x)))          # (N*H*W, 2)
        return ColorOutput(y.reshape(n, h, w, 2).permute(0, 3, 1, 2))

    def forward_patches(self, p):
        """p: (M, size*size) Tensor of patches (rows of patches()) -> (M, 2) Tensor: each pixel's ab / 128."""
        return self.fc2(self.act(self.fc1(p)))



def fused_epoch(model, optimizer, X, Y, batch_size, order):
    """The opt-in speed path: one epoch of model (a sigmoid PatchMLP) in one fused Numba call.

    X (M, size*size) = model.patches(x), Y (M, 2) = model.pixel_targets(y); the rows order (int indices) are
    walked in minibatches of batch_size, exactly as an autograd loop over the same minibatches would:
    out = model.forward_patches(X[idx]); F.mse_loss(out, Y[idx]).backward(); optimizer.step().
    optimizer: nn.optim.SGD (no momentum, no weight decay) or nn.optim.Adam (no weight decay, no AMSGrad);
    its lr, betas and eps are used, and Adam's moments and step are read from and written back to
    optimizer.state[p] ('exp_avg', 'exp_avg_sq', 'step', PyTorch's names), so the autograd loop, a
    checkpoint or a resume can continue from here. The update of each minibatch is nn.optim's own kernel.
    Returns the epoch's mean loss per pixel.
    """
    params = [model.fc1.weight, model.fc1.bias, model.fc2.weight, model.fc2.bias]
    _check_fusable(model, optimizer, params)
    group = optimizer.param_groups[0]
    arrays = [np.ascontiguousarray(p.data) for p in params]
    order = np.ascontiguousarray(order, dtype=np.int64)
    if isinstance(optimizer, nn.optim.SGD):
        loss = patch_mlp_sgd_epoch(X, Y, *arrays, group["lr"], int(batch_size), order)
    else:
        states = [optimizer.state.setdefault(p, {}) for p in params]
        for p, st in zip(params, states):
            if "exp_avg" not in st:                       # as Adam.step() starts a parameter's state
                st.update(step=0, exp_avg=np.zeros(p.shape, p.dtype), exp_avg_sq=np.zeros(p.shape, p.dtype))
        m = tuple(st["exp_avg"] for st in states)
        v = tuple(st["exp_avg_sq"] for st in states)
        loss, step = patch_mlp_adam_epoch(X, Y, *arrays, m, v, group["lr"], tuple(group["betas"]), group["eps"],
                                          int(states[0]["step"]), int(batch_size), order)
        for st in states:
            st["step"] = int(step)
    for p, a in zip(params, arrays):
        if not np.may_share_memory(p.data, a):       # ascontiguousarray copied: write the result back
            p.data[...] = a
    return float(loss)


def _check_fusable(model, optimizer, params):
    if not isinstance(model, PatchMLP) or model.activation != "sigmoid":
        raise ValueError("fused_epoch trains a PatchMLP with the sigmoid activation only")
    if len(optimizer.param_groups) != 1 or [id(p) for p in optimizer.param_groups[0]["params"]] != \
            [id(p) for p in params]:
        raise ValueError("fused_epoch needs an optimizer over model.parameters() in one group")
    group = optimizer.param_groups[0]
    if isinstance(optimizer, nn.optim.SGD):
        if group["momentum"] or group["weight_decay"]:
            raise ValueError("fused_epoch supports plain SGD (momentum 0, weight_decay 0)")
    elif isinstance(optimizer, nn.optim.Adam):
        if group["weight_decay"] or group["amsgrad"]:
            raise ValueError("fused_epoch supports Adam without weight_decay and AMSGrad")
    else:
        raise ValueError(f"fused_epoch supports nn.optim.SGD and nn.optim.Adam, not {type(optimizer).__name__}")
