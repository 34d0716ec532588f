"""torch._higher_order_ops: the eager forms of PyTorch's higher-order operators (associative_scan)."""
from .associative_scan import associative_scan

__all__ = ["associative_scan"]
