"""Warnings at the user's line, as PyTorch's C++ warnings point at the Python code that called into torch."""
import os
import sys
import warnings

_NN_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_at_caller(message, category=UserWarning):
    """warnings.warn(message, category) attributed to the first frame outside nn: counted, not a fixed stacklevel,
    because nn's own wrappers (``__torch_function__`` dispatch once a Tensor subclass exists, ``out=``) add frames."""
    frame, level = sys._getframe(1), 2        # stacklevel 1 would be this function, 2 its caller
    while frame is not None and frame.f_code.co_filename.startswith(_NN_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
