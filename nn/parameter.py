"""torch.nn.parameter's names, for `from torch.nn.parameter import Parameter` (defined in modules/module.py)."""
from .modules.module import Parameter, Buffer  # noqa: F401
from .modules.lazy import UninitializedParameter, UninitializedBuffer, UninitializedTensorMixin, is_lazy  # noqa: F401

_ParameterMeta = type(Parameter)    # Parameter's metaclass (torchrl imports it to build its own)
