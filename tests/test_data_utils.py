"""nn.utils.data (torch.utils.data's names): datasets, random_split, DataLoader batching and collation;
the batches and split sizes compared with PyTorch's when it is installed."""
import collections

import numpy as np
import pytest

import nn
from nn.utils.data import (ConcatDataset, DataLoader, Dataset, Subset, TensorDataset, default_collate,
                           random_split)


class Squares(Dataset):
    """A map-style dataset of (features, int label, dict) samples."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.full(2, i, np.float32), i * i, {"id": i, "half": i / 2}


def test_tensor_dataset_rows_and_size_mismatch():
    x, y = nn.arange(12).reshape(6, 2), nn.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    row, label = ds[4]
    assert row.tolist() == [8, 9] and label.item() == 4
    with pytest.raises(AssertionError, match="^Size mismatch between tensors$"):  # PyTorch's check and words
        TensorDataset(x, nn.arange(5))


@pytest.mark.parametrize("n,batch,drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (4, 8, False)])
def test_loader_batches_in_order_and_len(n, batch, drop_last):
    x = nn.tensor(np.arange(n * 2, dtype=np.float32).reshape(n, 2))
    loader = DataLoader(TensorDataset(x, nn.arange(n)), batch_size=batch, drop_last=drop_last)
    batches = list(loader)
    assert len(batches) == len(loader)
    labels = np.concatenate([yb.data for _, yb in batches])
    expected = n - n % batch if drop_last else n
    assert labels.tolist() == list(range(expected))
    for xb, yb in batches:
        assert xb.shape == (len(yb), 2) and xb.dtype == nn.float32 and yb.dtype == nn.int64
        np.testing.assert_array_equal(xb.data, x.data[yb.data])


def test_shuffle_is_a_permutation_repeatable_by_seed():
    ds = TensorDataset(nn.arange(20))

    def epoch_order(seed):
        nn.manual_seed(seed)
        loader = DataLoader(ds, batch_size=6, shuffle=True)
        return [np.concatenate([b[0].data for b in loader]).tolist() for _ in range(2)]

    first, second = epoch_order(3)
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert first != second                               # a new order each epoch
    assert epoch_order(3) == [first, second]             # same seed, same batches
    gen_order = [b[0].tolist() for b in DataLoader(ds, batch_size=20, shuffle=True,
                                                   generator=nn.Generator().manual_seed(5))]
    assert gen_order == [b[0].tolist() for b in DataLoader(ds, batch_size=20, shuffle=True,
                                                           generator=nn.Generator().manual_seed(5))]


def test_default_collate_of_tuples_numbers_and_dicts():
    feats, labels, meta = next(iter(DataLoader(Squares(), batch_size=3)))
    assert feats.shape == (3, 2) and feats.dtype == nn.float32
    assert labels.dtype == nn.int64 and labels.tolist() == [0, 1, 4]
    assert meta["id"].tolist() == [0, 1, 2] and meta["half"].dtype == nn.float64
    Point = collections.namedtuple("Point", "x y")
    batch = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(batch, Point) and batch.x.tolist() == [1, 3]
    assert default_collate(["a", "b"]) == ["a", "b"]
    with pytest.raises(TypeError, match="cannot batch"):
        default_collate([object(), object()])


def test_batch_size_none_sampler_and_collate_fn():
    ds = TensorDataset(nn.arange(5))
    assert [s[0].item() for s in DataLoader(ds, batch_size=None)] == [0, 1, 2, 3, 4]
    picked = DataLoader(ds, batch_size=2, sampler=[4, 0, 2])
    assert [b[0].tolist() for b in picked] == [[4, 0], [2]] and len(picked) == 2
    sums = DataLoader(ds, batch_size=2, collate_fn=lambda samples: sum(s[0].item() for s in samples))
    assert list(sums) == [1, 5, 4]
    assert [b[0].tolist() for b in DataLoader(ds, batch_sampler=[[1, 3], [0]])] == [[1, 3], [0]]
    with pytest.raises(ValueError, match="positive integer"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, sampler=[0], shuffle=True)


def test_random_split_subset_concat():
    ds = TensorDataset(nn.arange(10))
    a, b = random_split(ds, [7, 3], generator=nn.Generator().manual_seed(0))
    seen = sorted([a[i][0].item() for i in range(len(a))] + [b[i][0].item() for i in range(len(b))])
    assert (len(a), len(b)) == (7, 3) and seen == list(range(10))
    again, _ = random_split(ds, [7, 3], generator=nn.Generator().manual_seed(0))
    assert again.indices == a.indices
    assert [len(s) for s in random_split(range(11), [0.5, 0.3, 0.2])] == [6, 3, 2]   # remainder round-robin
    with pytest.raises(ValueError, match="sum to"):
        random_split(ds, [5, 4])
    sub = Subset(ds, [9, 1])
    assert [sub[i][0].item() for i in range(2)] == [9, 1]
    both = ConcatDataset([sub, TensorDataset(nn.arange(3))])
    assert len(both) == 5 and both[2][0].item() == 0 and both[-1][0].item() == 2
    assert len(ds + ds) == 20


def test_generator_matches_manual_seed_stream():
    nn.manual_seed(11)
    expected = nn.rand(4).data
    np.testing.assert_array_equal(nn.rand(4, generator=nn.Generator().manual_seed(11)).data, expected)
    assert nn.Generator().manual_seed(11).initial_seed() == 11
    with pytest.raises(RuntimeError, match="only the CPU"):
        nn.Generator(device="cuda")


def test_batches_and_split_sizes_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((11, 3)).astype(np.float32)
    y = np.arange(11)
    ours = list(DataLoader(TensorDataset(nn.tensor(x), nn.tensor(y)), batch_size=4))
    theirs = list(torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
                                              batch_size=4))
    assert len(ours) == len(theirs)
    for (xb, yb), (txb, tyb) in zip(ours, theirs):
        np.testing.assert_array_equal(xb.data, txb.numpy())
        np.testing.assert_array_equal(yb.data, tyb.numpy())
        assert xb.dtype == txb.numpy().dtype and yb.dtype == tyb.numpy().dtype
    ours_c = next(iter(DataLoader(Squares(), batch_size=4)))
    theirs_c = next(iter(torch.utils.data.DataLoader(Squares(), batch_size=4)))
    assert ours_c[1].dtype == theirs_c[1].numpy().dtype and ours_c[2]["half"].dtype == theirs_c[2]["half"].numpy().dtype
    for lengths in ([0.5, 0.3, 0.2], [0.34, 0.33, 0.33], [3, 8]):
        mine = [len(s) for s in random_split(range(11), lengths)]
        assert mine == [len(s) for s in torch.utils.data.random_split(range(11), lengths)], lengths
