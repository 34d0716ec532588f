"""torch.hub's run-time names that model code imports: tqdm (the tqdm package when installed, else a silent
stand-in), the download functions, which say how to load weights offline instead, and the names download code
uses around them (HASH_REGEX, urlparse, get_dir / set_dir)."""
import os
import re
from urllib.parse import urlparse  # noqa: F401 - torch.hub re-exports it
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

# What download code imports beside the downloads (timm's _hub.py: the hash in a checkpoint's file name, the cache).
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_hub_dir = None


def _get_torch_home():
    """$TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch (PyTorch's rule; nothing is created)."""
    return os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")))


def get_dir():
    """The hub cache folder: set_dir's, else <torch home>/hub."""
    return _hub_dir if _hub_dir is not None else os.path.join(_get_torch_home(), "hub")


def set_dir(d):
    global _hub_dir
    _hub_dir = os.path.expanduser(d)
