"""torch.distributions.exp_family: ExponentialFamily, the base a custom exponential-family distribution
subclasses (p(x; t) = h(x) exp(<t, T(x)> - F(t))), whose entropy comes from its log normaliser F."""
from ..autograd import grad
from . import Distribution


class ExponentialFamily(Distribution):
    """A subclass defines _natural_params (the tuple t), _log_normalizer(*t) (F) and _mean_carrier_measure
    (E[log h(X)]); entropy is then the Bregman form F(t) - <t, grad F(t)> - E[log h(X)], the gradient by
    autograd (differentiable, create_graph), as PyTorch's. (nn's built-in families are not subclasses of it.)"""

    @property
    def _natural_params(self):
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        raise NotImplementedError

    def entropy(self):
        result = -self._mean_carrier_measure
        params = [p.detach().requires_grad_() for p in self._natural_params]
        log_normalizer = self._log_normalizer(*params)
        grads = grad(log_normalizer.sum(), params, create_graph=True)
        result = result + log_normalizer
        for p, g in zip(params, grads):
            result = result - (p * g).reshape(tuple(self.batch_shape) + (-1,)).sum(-1)
        return result
