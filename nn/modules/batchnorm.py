"""BatchNorm1d and BatchNorm2d on PyTorch's bases _NormBase (parameters, running statistics) and _BatchNorm
(the forward), so isinstance(m, nn.modules.batchnorm._BatchNorm) holds for both, as in PyTorch."""

import numpy as np

from .. import functional as F
from .module import Module
from .lazy import (LazyModuleMixin, UninitializedBuffer, UninitializedParameter, _materialize,
                   _settle_buffers)
from .utils import _factory, _norm_size, _norm_parameters, _reset_affine, _running_stats

def _load_norm_state(module, state_dict, prefix, local_metadata, *rest):
    """PyTorch's _NormBase._load_from_state_dict (the batch and instance norms'): a checkpoint of version < 2, or
    of none (a plain dict), may lack num_batches_tracked (added in version 2); the module's own count stands in."""
    key = prefix + "num_batches_tracked"
    version = local_metadata.get("version", None)
    if (version is None or version < 2) and module.track_running_stats and key not in state_dict:
        count = module.num_batches_tracked
        state_dict[key] = count if count is not None else np.array(0, np.int64)
    Module._load_from_state_dict(module, state_dict, prefix, local_metadata, *rest)


class _NormBase(Module):
    """The parameters and running statistics of the batch norms (torch.nn.modules.batchnorm._NormBase):
    weight (gamma) and bias (beta) (C,) if affine (bias=False, PyTorch 2.13's keyword: no beta); running_mean,
    running_var (C,) and num_batches_tracked (0-d int64) if track_running_stats."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        # 0 allowed, as PyTorch (fastai's TabularModel without continuous columns makes a BatchNorm1d(0)); a negative
        # size only where a tensor is made of it (_norm_parameters, _running_stats)
        shape = _norm_size(num_features, affine, track_running_stats)
        self.num_features = num_features        # as given, as PyTorch's (BatchNorm1d(True).num_features is True)
        # eps and momentum stored as given, as PyTorch's: read (and refused) by batch_norm in forward
        self.eps, self.momentum = eps, momentum
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        _norm_parameters(self, shape, self.affine, bias)
        _running_stats(self, shape, self.track_running_stats)
        _factory(self, device, dtype)

    _version = 2        # PyTorch's: version 2 added num_batches_tracked
    _load_from_state_dict = _load_norm_state

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def reset_parameters(self):
        """The running statistics reset, weight to ones and bias to zeros, as PyTorch's."""
        self.reset_running_stats()
        _reset_affine(self)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """Batch normalisation over every dim but the channels C = dim 1 (Ioffe & Szegedy, 2015); x -> same shape.

    Training: normalise with the batch mean and biased variance, and update the running
    statistics in place: running = (1 - momentum) * running + momentum * batch, with the
    UNBIASED batch variance for running_var (as PyTorch); num_batches_tracked += 1.
    momentum=None uses a cumulative average (factor 1 / num_batches_tracked).
    Eval: normalise with the running statistics (if track_running_stats).
    Subclasses set the input dims they accept (_input_ndims)."""

    _input_ndims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        # its own signature, as PyTorch's: a wrong keyword is "_BatchNorm.__init__() got an unexpected keyword
        # argument" (SpikingJelly's threshold-dependent batch norms hand their step_mode on to it)
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check_input_dim(self, input):
        """PyTorch's check of the input's dims, for subclasses that call it (deepinv's bias-free BatchNorm2d)."""
        if not self._input_ndims:       # the base itself, as PyTorch's _NormBase._check_input_dim
            raise NotImplementedError
        if input.dim() not in self._input_ndims:
            raise ValueError(f"expected {' or '.join(f'{n}D' for n in self._input_ndims)} input "
                             f"(got {input.dim()}D input)")

    def forward(self, input):
        if type(self)._check_input_dim is not _BatchNorm._check_input_dim or not self._input_ndims:
            # a subclass of the base with its own check (asteroid's BatchNorm takes 2-D to 4-D), or the base
            # itself: PyTorch's forward calls _check_input_dim and nothing else checks the dims
            self._check_input_dim(input)
        elif input.ndim not in self._input_ndims:
            _BatchNorm._check_input_dim(self, input)        # PyTorch's words: "expected 4D input (got 3D input)"
        # PyTorch's forward does not read num_features (torch-pruning lowers it by the channels it removes, ppe's
        # LazyBatchNorm leaves it None): F.batch_norm checks the running statistics, weight and bias against dim 1
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1  # in place on the 0-d int64 array
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch_stats = self.training or self.running_mean is None
        # In training with tracking, F.batch_norm updates the running arrays in place.
        track = (not self.training) or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, training=use_batch_stats, momentum=factor, eps=self.eps)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs over (N, H, W) for each of C channels, as _BatchNorm."""

    _input_ndims = (4,)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs over N (and L) for each of C features, as _BatchNorm."""

    _input_ndims = (2, 3)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs over (N, D, H, W) for each of C channels, as _BatchNorm."""

    _input_ndims = (5,)


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over the whole batch of every process of a data-parallel run; nn runs in one process, so it is
    batch normalisation of (N, C, *) inputs (2-D to 5-D) over all dims but C. process_group is accepted and unused.
    SyncBatchNorm.convert_sync_batchnorm(model) swaps every batch norm of a model for one, keeping its parameters
    and running statistics, as PyTorch's."""

    _input_ndims = (2, 3, 4, 5)

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)
        self.process_group = process_group

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """module with each _BatchNorm in it replaced by a SyncBatchNorm sharing its parameters and buffers (the
        module itself when it is one)."""
        converted = module
        if isinstance(module, _BatchNorm) and not isinstance(module, cls):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group, bias=module.bias is not None)
            for name in ("weight", "bias"):
                if getattr(module, name) is not None:
                    setattr(converted, name, getattr(module, name))
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                converted._buffers[name] = module._buffers[name]
            converted.train(module.training)
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted


class _LazyNormBase(LazyModuleMixin, _NormBase):
    """The lazy batch and instance norms' shared part, PyTorch's: built as the norm of 0 features, then weight and
    bias (if affine) UninitializedParameters and running_mean, running_var (if track_running_stats)
    UninitializedBuffers (num_batches_tracked a 0 of int64), materialized (num_features,) from the first input's
    dim 1 and reset as the eager class's. affine and track_running_stats default to True (the lazy instance norms'
    too, unlike the eager ones)."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None, *,
                 bias=True):
        # (affine, bias and track_running_stats off: no tensors built to be replaced at once)
        super().__init__(0, eps, momentum, False, False, device=device, dtype=dtype, bias=False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if self.track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = np.array(0, np.int64)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            if self.affine:
                _materialize(self, "weight", (self.num_features,))
                if self.bias is not None:
                    _materialize(self, "bias", (self.num_features,))
            if self.track_running_stats:
                self.running_mean.materialize((self.num_features,))
                self.running_var.materialize((self.num_features,))
                _settle_buffers(self)           # (reset_parameters writes into the arrays)
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    """BatchNorm1d with num_features read from the first input's dim 1; becomes a BatchNorm1d."""

    cls_to_become = BatchNorm1d
    _input_ndims = (2, 3)


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    """BatchNorm2d with num_features read from the first input's dim 1; becomes a BatchNorm2d."""

    cls_to_become = BatchNorm2d
    _input_ndims = (4,)


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    """BatchNorm3d with num_features read from the first input's dim 1; becomes a BatchNorm3d."""

    cls_to_become = BatchNorm3d
    _input_ndims = (5,)
