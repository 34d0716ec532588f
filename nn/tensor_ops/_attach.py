"""attach(): install functions as Tensor methods; numpy_axis: NumPy's axis= for dim=, as PyTorch takes it."""
import functools
import inspect

from ..tensor import Tensor


def attach(*functions, **named):
    """Tensor.<f.__name__> = f for each function, and Tensor.<name> = f for each keyword."""
    for f in functions:
        setattr(Tensor, f.__name__, f)
    for name, f in named.items():
        setattr(Tensor, name, f)


def numpy_axis(fn):
    """fn, also taking NumPy's axis= for its dim= (PyTorch's reductions and joins take both: torchmetrics writes
    confmat.sum(axis=1, keepdim=True)) and keepdims= for keepdim=, and the out=None / dtype=None NumPy passes on
    when np.sum(x) calls x.sum."""
    params = inspect.signature(fn).parameters
    takes_dtype = "dtype" in params
    # PyTorch's argument parser also takes NumPy's x= / a= / x1= for a parameter named input (linalg.norm)
    input_aliases = {"x", "a", "x1"} - set(params) if "input" in params else ()

    @functools.wraps(fn)
    def with_axis(*args, **kwargs):
        if input_aliases and not input_aliases.isdisjoint(kwargs):
            given = input_aliases & set(kwargs)
            if len(given) > 1 or "input" in kwargs:     # one name only, as PyTorch's parser (no silent choice)
                raise TypeError(f"{fn.__name__}() got multiple values for argument 'input'")
            kwargs["input"] = kwargs.pop(given.pop())
        if "axis" in kwargs:
            if "dim" in kwargs:
                raise TypeError(f"{fn.__name__}() got both dim= and axis= (its NumPy name); give one")
            kwargs["dim"] = kwargs.pop("axis")
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        out = kwargs.pop("out", None)       # PyTorch's out= (linear_operator's CG: torch.sum(..., out=alpha))
        if not takes_dtype and kwargs.get("dtype", 0) is None:
            del kwargs["dtype"]
        if out is None:
            return fn(*args, **kwargs)
        from .out_arg import store
        return store(fn.__name__, fn(*args, **kwargs), out)
    return with_axis
