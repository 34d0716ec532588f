"""torch.nn.modules.instancenorm's names (the eager layers are defined in normalization.py) and its lazy layers."""
from .normalization import _InstanceNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d  # noqa: F401
from .batchnorm import _LazyNormBase


class LazyInstanceNorm1d(_LazyNormBase, _InstanceNorm):
    """InstanceNorm1d with num_features read from the first input's dim 1 (PyTorch's _LazyNormBase reads dim 1 of
    an unbatched input too); becomes an InstanceNorm1d. affine and track_running_stats default to True, as PyTorch's
    (_LazyNormBase's defaults)."""

    cls_to_become = InstanceNorm1d
    _positions = 1


class LazyInstanceNorm2d(_LazyNormBase, _InstanceNorm):
    """InstanceNorm2d with num_features read from the first input; becomes an InstanceNorm2d (affine and
    track_running_stats True by default)."""

    cls_to_become = InstanceNorm2d
    _positions = 2


class LazyInstanceNorm3d(_LazyNormBase, _InstanceNorm):
    """InstanceNorm3d with num_features read from the first input; becomes an InstanceNorm3d (affine and
    track_running_stats True by default)."""

    cls_to_become = InstanceNorm3d
    _positions = 3
