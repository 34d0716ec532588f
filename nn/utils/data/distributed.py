"""torch.utils.data.distributed.DistributedSampler, for the scripts that build one for their DataLoader.

nn runs in one process (nn.distributed has no process group), so the world size defaults to 1 and the rank to 0
(PyTorch raises there until init_process_group is called): the sampler is then a sampler of the whole dataset,
shuffled anew each epoch (set_epoch). Explicit num_replicas / rank give PyTorch's split: the indices padded by
repetition (or cut, with drop_last) to a multiple of num_replicas, and this rank's share every num_replicas-th.
The shuffle draws from a generator seeded with seed + epoch (nn's generator: not PyTorch's numbers).
"""
import math

from ...random import Generator
from . import Sampler, T_co

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[T_co]):
    """The indices of dataset for one rank of num_replicas: len(sampler) = num_samples, the same for every rank."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        num_replicas = 1 if num_replicas is None else num_replicas
        rank = 0 if rank is None else rank
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive int, got {num_replicas!r}")
        if not isinstance(rank, int) or not 0 <= rank < num_replicas:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.epoch, self.drop_last, self.shuffle, self.seed = 0, bool(drop_last), bool(shuffle), int(seed)
        n = len(dataset)
        if self.drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            indices = Generator().manual_seed(self.seed + self.epoch).permutation(n).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        elif self.total_size > n:
            pad = self.total_size - n
            indices += (indices * math.ceil(pad / n))[:pad]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """The epoch whose shuffle __iter__ gives (call it before each epoch, as with PyTorch's)."""
        self.epoch = int(epoch)
