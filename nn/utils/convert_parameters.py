"""parameters_to_vector and vector_to_parameters (torch.nn.utils): all parameters as one flat vector, and back."""
import numpy as np

from ..tensor import Tensor


def parameters_to_vector(parameters):
    """A 1-D Tensor (sum of the parameters' numel,) of every parameter's values, in order: a copy in the graph, as
    PyTorch's (a penalty such as ``parameters_to_vector(model.parameters()).norm()`` sends gradients back)."""
    from ..functional.shapes import cat
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Write the 1-D vec back into the parameters' values, in order (in place)."""
    v = np.asarray(vec._data if isinstance(vec, Tensor) else vec)
    if v.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector, got shape {v.shape}")
    params = list(parameters)
    total = sum(p._data.size for p in params)
    if v.size != total:
        raise ValueError(f"vector_to_parameters: the vector has {v.size} values, the parameters {total}")
    start = 0
    for p in params:
        p._data[...] = v[start:start + p._data.size].reshape(p._data.shape)
        start += p._data.size
