"""attach(): install functions as Tensor methods."""
from ..tensor import Tensor


def attach(*functions, **named):
    """Tensor.<f.__name__> = f for each function, and Tensor.<name> = f for each keyword."""
    for f in functions:
        setattr(Tensor, f.__name__, f)
    for name, f in named.items():
        setattr(Tensor, name, f)
