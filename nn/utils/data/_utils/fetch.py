"""torch.utils.data._utils.fetch: how a loader's iterator turns an index (or a batch of indices) into data, for a
map-style dataset (``dataset[i]``) or an iterable one (``next(iter(dataset))``), as PyTorch's fetchers. nn's own
DataLoader batches by itself; these serve loaders that are not nn's DataLoader but carry PyTorch's private
attributes (fastai's ``_FakeLoader``, iterated by ``_SingleProcessDataLoaderIter``)."""


class _BaseDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def fetch(self, possibly_batched_index):
        raise NotImplementedError


class _IterableDatasetFetcher(_BaseDatasetFetcher):
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        super().__init__(dataset, auto_collation, collate_fn, drop_last)
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, possibly_batched_index):
        """One sample per index (auto_collation: a batch of them, collated; short at the end unless drop_last);
        StopIteration when the dataset's iterator ends."""
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in possibly_batched_index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if len(data) == 0 or (self.drop_last and len(data) < len(possibly_batched_index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


class _MapDatasetFetcher(_BaseDatasetFetcher):
    def fetch(self, possibly_batched_index):
        """dataset[i] (auto_collation: the samples of a batch of indices, by __getitems__ when the dataset has
        one), collated."""
        if self.auto_collation:
            if getattr(self.dataset, "__getitems__", None):
                data = self.dataset.__getitems__(possibly_batched_index)
            else:
                data = [self.dataset[idx] for idx in possibly_batched_index]
        else:
            data = self.dataset[possibly_batched_index]
        return self.collate_fn(data)
