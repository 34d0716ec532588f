"""torch.distributions.relaxed_bernoulli's names (from torch.distributions.relaxed_bernoulli import
RelaxedBernoulli)."""
from . import RelaxedBernoulli, LogitRelaxedBernoulli  # noqa: F401
