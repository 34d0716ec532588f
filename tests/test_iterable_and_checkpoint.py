"""nn.utils.data.IterableDataset in a DataLoader, and nn.utils.checkpoint, against PyTorch when installed."""
import numpy as np
import pytest

import nn
from nn.utils.checkpoint import checkpoint, checkpoint_sequential
from nn.utils.data import DataLoader, IterableDataset

from porting import load_script, port

SCRIPT = '''
import torch
from torch.utils.data import DataLoader, IterableDataset


class Squares(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        for i in range(self.n):
            yield torch.tensor([float(i), float(i * i)]), i

    def __len__(self):
        return self.n


def batches(n, **kwargs):
    return [(x.tolist(), y.tolist()) for x, y in DataLoader(Squares(n), **kwargs)], len(DataLoader(Squares(n), **kwargs))
'''


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=8)])
def test_iterable_dataset_batches_in_order(kwargs):
    ours = load_script(port(SCRIPT))
    got, n = ours["batches"](7, **kwargs)
    want = [([[float(i), float(i * i)] for i in chunk], list(chunk))
            for chunk in (range(s, min(s + kwargs["batch_size"], 7)) for s in range(0, 7, kwargs["batch_size"]))
            if len(chunk) == kwargs["batch_size"] or not kwargs.get("drop_last")]
    assert got == want and n == len(want)
    pytest.importorskip("torch")
    assert load_script(SCRIPT)["batches"](7, **kwargs) == (got, n)


def test_iterable_dataset_refuses_shuffle_and_samplers():
    class Stream(IterableDataset):
        def __iter__(self):
            yield from range(3)
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(Stream(), shuffle=True)
    assert list(DataLoader(Stream(), batch_size=None)) == [0, 1, 2]


def test_checkpoint_gives_the_plain_call():
    block = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    x = nn.tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    checkpoint(block, x, use_reentrant=False).sum().backward()
    g = x.grad.copy()
    x.grad = None
    checkpoint_sequential(block, 2, x).sum().backward()
    np.testing.assert_array_equal(x.grad, g)
    x.grad = None
    block(x).sum().backward()
    np.testing.assert_array_equal(x.grad, g)


def test_two_streams_chain():
    class Count(IterableDataset):
        def __init__(self, a, b):
            self.a, self.b = a, b

        def __iter__(self):
            yield from range(self.a, self.b)

        def __len__(self):
            return self.b - self.a
    both = Count(0, 3) + Count(10, 12)
    assert isinstance(both, nn.utils.data.ChainDataset) and list(both) == [0, 1, 2, 10, 11] and len(both) == 5
    assert [b.tolist() for b in DataLoader(both, batch_size=2)] == [[0, 1], [2, 10], [11]]
