"""Activations: relu, leaky_relu, sigmoid, tanh, log_softmax, softmax."""
import numpy as np

from .. import kernels as K
from ..tensor import Tensor
from ._args import _tensor


def relu(x, inplace=False):
    """max(x, 0), any shape.

    inplace=True is accepted for PyTorch code (nn.ReLU(inplace=True)) and gives the same result,
    computed out of place: no memory is saved, and the input Tensor is left unchanged.
    """
    x = _tensor(x, "input", "relu")
    y = K.relu_forward(x.data)

    def backward(g):
        # d relu(x)/dx = 1 where x > 0, else 0 (0 at the kink, as PyTorch): gx = g where y > 0
        return (K.relu_backward(g, y),)
    return Tensor._make(y, (x,), backward, "relu")


def leaky_relu(x, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x, any shape (inplace: as relu's, same result out of place)."""
    x = _tensor(x, "input", "leaky_relu")
    xd = x.data
    y = K.leaky_relu_forward(xd, negative_slope)

    def backward(g):
        # derivative 1 for x > 0, negative_slope otherwise
        return (K.leaky_relu_backward(g, xd, negative_slope),)
    return Tensor._make(y, (x,), backward, "leaky_relu")


def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow for large |x|."""
    x = _tensor(x, "input", "sigmoid")
    e = np.exp(-np.abs(x.data))                 # in (0, 1]: never overflows
    # x >= 0: 1/(1+e^-x);  x < 0: e^x/(1+e^x)   (same value, no exp of a large number)
    y = np.where(x.data >= 0, 1, e) / (1 + e)

    def backward(g):
        # s' = s (1 - s)
        return (g * y * (1 - y),)
    return Tensor._make(y.astype(x.dtype, copy=False), (x,), backward, "sigmoid")


def tanh(x):
    """Hyperbolic tangent, any shape."""
    x = _tensor(x, "input", "tanh")
    y = np.tanh(x.data)

    def backward(g):
        # tanh' = 1 - tanh^2
        return (g * (1 - y * y),)
    return Tensor._make(y, (x,), backward, "tanh")


def log_softmax(x, dim=1):
    """log(softmax(x)) along dim, stable: x - max - log(sum(exp(x - max)))."""
    x = _tensor(x, "input", "log_softmax")
    z = x.data - x.data.max(axis=dim, keepdims=True)
    y = z - np.log(np.exp(z).sum(axis=dim, keepdims=True))

    def backward(g):
        # y_i = x_i - lse(x)  =>  dx = g - softmax * sum(g)
        return (g - np.exp(y) * g.sum(axis=dim, keepdims=True),)
    return Tensor._make(y, (x,), backward, "log_softmax")


def softmax(x, dim=1):
    """exp(x) / sum(exp(x)) along dim (stable)."""
    return log_softmax(x, dim).exp()
