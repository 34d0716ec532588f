"""torchtuples 0.2.2, pycox 0.3.0 and ncps 1.0.1 from the package registry (`pip install --no-deps`; pandas 3.1.1
too, `--no-deps`, as pycox imports it at the top; h5py and scikit-learn's StandardScaler stood in on both sides),
ported by the porting rule (every .py file; renamed torchtuplesp, pycoxp, ncpsp in their own import lines) and run
against the originals on PyTorch 2.13 in float64 with PyTorch's weights, perturbed: torchtuples' Model.fit /
predict / score_in_batches with its DataLoaderBatch, the tuple-tree utilities, the optimizer wrappers (Adam, SGD,
RMSprop, AdamW, AdamWR), callbacks (ClipGradNorm, EarlyStopping, BestWeights, LRScheduler, LRCosineAnnealing),
the lr finder, MLPVanilla and MixedInputMLP; pycox's CoxPH, CoxPHSorted, CoxCC, CoxTime, LogisticHazard, PMF,
DeepHitSingle, DeepHit (competing risks), MTLR, PCHazard and BCESurv fitted and evaluated (predict_surv_df,
interpolation, EvalSurv's concordance, Brier score, integrated Brier score and NBLL), every loss of
pycox.models.loss with its gradient; ncps' CfC (default / pure / no_gate, five activations, mixed memory,
projection, batch_first, return_sequences, timespans, unbatched), the wired CfC and LTC on FullyConnected, NCP,
AutoNCP and Random wirings, 3 Adam steps, eval, state_dict save / load both ways.

The failures these tests pin down, each in a few lines (the packages are never imported here):
``torch.utils.data.dataloader`` carries the sampler and dataset names PyTorch's module imports
(``RandomSampler``, ``SequentialSampler``, ``BatchSampler``, ``Sampler``, ``Dataset``, ``IterableDataset``,
``get_worker_info``): nn's had none, and torchtuples subclasses ``torch.utils.data.dataloader.RandomSampler`` at
import, so neither torchtuples nor pycox imported. torchtuples' ``DataLoaderBatch`` overrides the DataLoader's
private ``_auto_collation`` (False once iteration starts) and ``_index_sampler`` so that each batch of indices is
read by one ``dataset[indices]`` call with an identity collate_fn: nn's DataLoader had neither property and
ignored the overrides, fetching row by row, so every fit got a list of rows in place of its (input, target) pair.
"""
import numpy as np
import pytest

import nn
from nn.utils import data as D


# ---- torch.utils.data.dataloader's sampler and dataset names (torchtuples subclasses its RandomSampler) ----------

def test_dataloader_module_carries_the_sampler_and_dataset_names():
    from nn.utils.data import dataloader
    from nn.utils.data.dataloader import (BatchSampler, Dataset, IterableDataset, RandomSampler,  # noqa: F401
                                          Sampler, SequentialSampler, get_worker_info)
    for name in ("BatchSampler", "Dataset", "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler",
                 "get_worker_info"):
        assert getattr(dataloader, name) is getattr(D, name), name
    assert dataloader.get_worker_info() is None            # the main process, as PyTorch's


def test_a_random_sampler_subclassed_from_the_dataloader_module():
    class Forever(D.dataloader.RandomSampler):             # torchtuples' RandomSamplerContinuous
        def __iter__(self):
            while True:
                yield from nn.randperm(len(self.data_source)).tolist()

    it = iter(Forever(range(4)))
    drawn = [next(it) for _ in range(8)]
    assert sorted(drawn[:4]) == [0, 1, 2, 3] and sorted(drawn[4:]) == [0, 1, 2, 3]


# ---- the DataLoader's _auto_collation / _index_sampler / _dataset_kind, and subclasses that override them --------

class _Rows(D.Dataset):
    """Five rows of two values; records each index __getitem__ is given."""

    def __init__(self):
        self.x = nn.arange(10.0).reshape(5, 2)
        self.calls = []

    def __getitem__(self, index):
        self.calls.append(index)
        return self.x[index]

    def __len__(self):
        return 5


def test_private_views_as_pytorch():
    ds = _Rows()
    batched, single = D.DataLoader(ds, batch_size=2), D.DataLoader(ds, batch_size=None)
    given = D.DataLoader(ds, batch_sampler=[[0, 1], [2]])
    assert batched._auto_collation is True and batched._index_sampler is batched.batch_sampler
    assert single._auto_collation is False and single._index_sampler is single.sampler
    assert given._auto_collation is True
    assert batched._dataset_kind == 0 == D.dataloader._DatasetKind.Map

    class Stream(D.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    stream = D.DataLoader(Stream(), batch_size=2)
    assert stream._dataset_kind == 1 and stream._auto_collation is True     # batched, as PyTorch's


def _batch_reading(loader_class):
    """torchtuples' DataLoaderBatch over nn's or PyTorch's DataLoader: once iterating, auto-collation off and the
    batch sampler as index sampler, so each batch of indices goes to dataset[indices] whole; the collate_fn is the
    identity."""
    class BatchReading(loader_class):
        def __iter__(self):
            self._done_init = True
            self.collate_fn = lambda batch: batch
            return super().__iter__()

        @property
        def _auto_collation(self):
            return False if hasattr(self, "_done_init") else super()._auto_collation

        @property
        def _index_sampler(self):
            return self.batch_sampler if super()._auto_collation else self.sampler
    return BatchReading


_BatchReading = _batch_reading(D.DataLoader)


def test_a_loader_that_reads_whole_batches():
    ds = _Rows()
    loader = _BatchReading(ds, batch_size=2)
    batches = list(loader)
    # PyTorch 2.13: three batches, each one dataset[[i, j]] call (not one call per row and a collate)
    assert ds.calls == [[0, 1], [2, 3], [4]]
    assert [b.tolist() for b in batches] == [[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0], [6.0, 7.0]], [[8.0, 9.0]]]
    assert len(loader) == 3
    assert [b.tolist() for b in loader] == [b.tolist() for b in batches]         # a second pass, the same


def test_an_overridden_index_sampler_with_the_default_collate():
    class Reversed(D.DataLoader):
        @property
        def _index_sampler(self):
            return list(reversed(list(self.batch_sampler)))

    batches = list(Reversed(_Rows(), batch_size=2))
    # PyTorch 2.13: the batches in the overridden order, stacked by default_collate (collate_fn None)
    assert [b.tolist() for b in batches] == [[[8.0, 9.0]], [[4.0, 5.0], [6.0, 7.0]], [[0.0, 1.0], [2.0, 3.0]]]
    assert all(isinstance(b, nn.Tensor) for b in batches)


def test_the_same_batches_as_pytorch():
    torch = pytest.importorskip("torch")
    x = np.arange(10.0).reshape(5, 2) * 1.5
    mine, theirs = _Rows(), torch.utils.data.TensorDataset(torch.tensor(x))
    mine.x = nn.tensor(x)
    ours = [b.tolist() for b in _BatchReading(mine, batch_size=3)]
    ref = [b[0].tolist() for b in _batch_reading(torch.utils.data.DataLoader)(theirs, batch_size=3)]
    assert ours == ref
