"""torch.distributions.chi2: Chi2(df), the Gamma(df / 2, 1 / 2)."""
from . import Gamma, _param


class Chi2(Gamma):
    """Chi-squared with df degrees of freedom: Gamma(df / 2, rate 1 / 2), reparameterised as Gamma's."""

    arg_constraints = {"df": Gamma.arg_constraints["concentration"]}

    def __init__(self, df, validate_args=None):
        df = _param(df)
        super().__init__(0.5 * df, df * 0 + 0.5, validate_args)

    df = property(lambda self: self.concentration * 2)

    def expand(self, batch_shape, _instance=None):
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.concentration = self.concentration.expand(tuple(batch_shape))
        new.rate = self.rate.expand(tuple(batch_shape))
        new.batch_shape = tuple(batch_shape)
        return new
