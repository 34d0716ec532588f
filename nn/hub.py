"""torch.hub's run-time names that model code imports: tqdm (the tqdm package when installed, else a silent
stand-in), and the download functions, which say how to load weights offline instead."""
try:
    from tqdm import tqdm  # noqa: F401
except ImportError:
    class tqdm:  # noqa: N801 - PyTorch's name
        """A silent progress bar: iterates over its iterable, update() and close() do nothing."""

        def __init__(self, iterable=None, *args, **kwargs):
            self.iterable = iterable

        def __iter__(self):
            return iter(self.iterable or ())

        def update(self, n=1):
            pass

        def set_description(self, *args, **kwargs):
            pass

        def set_postfix(self, *args, **kwargs):
            pass

        def close(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False


def load_state_dict_from_url(url, *args, **kwargs):
    raise RuntimeError(f"nn.hub: nn downloads nothing; fetch {url} yourself, then load it with "
                       f"model.load_state_dict(nn.load(path))")


download_url_to_file = load_state_dict_from_url
