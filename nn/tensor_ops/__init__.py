"""Tensor methods beyond the core in nn/tensor.py, written as functions of ``input``.

Each function here is both a method (``x.sum(1)``) and a top-level name
(``nn.sum(x, 1)``): one implementation, attached to Tensor when ``nn`` is
imported. By topic: convert.py (size, item, dtype and device conversion,
Python protocols, printing), pointwise.py (exp, log, clamp, where...),
reductions.py (sum, mean, var, max...), shape.py (view, squeeze, expand...), matrices.py
(kron, block_diag, cov),
indexing.py (x[i], x[i] = v), compare.py (==, <, logical ops), inplace.py
(fill_, add_, +=...), grad_hooks.py (register_hook, retain_grad), extras.py (fmax, copysign, trapezoid, aminmax,
the dtype queries: smaller names composed of the others). Methods that nn.functional already implements (relu,
sigmoid, tanh, softmax, log_softmax, flatten) are attached from there.
"""
from . import convert, pointwise, reductions, shape, matrices, indexing, compare, inplace, grad_hooks, extras  # noqa: F401
from . import complex  # noqa: F401,E402  (real / imag, view_as_real / view_as_complex, angle, polar)
