"""torch.distributions.fishersnedecor: FisherSnedecor(df1, df2), the F distribution."""
import numpy as np

from . import Distribution, Gamma, _broadcast_params, _check, _param, _size, constraints


class FisherSnedecor(Distribution):
    """F(df1, df2): the ratio (X1 / df1) / (X2 / df2) of two chi-squares; a draw is X1 / X2 with
    X1 ~ Gamma(df1 / 2, df1), X2 ~ Gamma(df2 / 2, df2), reparameterised through Gamma's rsample, as PyTorch's."""

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        self.df1, self.df2 = _broadcast_params(df1, df2)
        _check(validate_args, np.all(self.df1.data > 0) and np.all(self.df2.data > 0),
               "FisherSnedecor: df1 and df2 must be positive")
        self.batch_shape = tuple(self.df1.shape)

    def expand(self, batch_shape, _instance=None):
        return FisherSnedecor(self.df1.expand(batch_shape), self.df2.expand(batch_shape), validate_args=False)

    @property
    def mean(self):
        df2 = self.df2.masked_fill(self.df2 <= 2, float("nan"))
        return df2 / (df2 - 2)

    @property
    def mode(self):
        mode = (self.df1 - 2) / self.df1 * self.df2 / (self.df2 + 2)
        return mode.masked_fill(self.df1 <= 2, float("nan"))

    @property
    def variance(self):
        df2 = self.df2.masked_fill(self.df2 <= 4, float("nan"))
        return 2 * df2 ** 2 * (self.df1 + df2 - 2) / (self.df1 * (df2 - 2) ** 2 * (df2 - 4))

    def rsample(self, sample_shape=()):
        shape = _size(sample_shape) + tuple(self.batch_shape)
        x1 = Gamma(self.df1 * 0.5, self.df1).rsample(sample_shape).reshape(shape)
        x2 = Gamma(self.df2 * 0.5, self.df2).rsample(sample_shape).reshape(shape)
        tiny = float(np.finfo(x2.dtype).tiny)
        return (x1 / x2.clamp(min=tiny)).clamp(min=tiny)

    def log_prob(self, value):
        value = _param(value, self.df1)
        h1, h2, ratio = self.df1 * 0.5, self.df2 * 0.5, self.df1 / self.df2
        t1 = (h1 + h2).lgamma() - h1.lgamma() - h2.lgamma()
        return t1 + h1 * ratio.log() + (h1 - 1) * value.log() - (h1 + h2) * (ratio * value).log1p()
