"""torch.utils.model_zoo: its one function, load_url, which downloads weights. nn works offline: it raises with
how to load a file downloaded once (nn.hub.load_state_dict_from_url says so). Scripts import this module at the
top even when they never download, and that import works. It re-exports torch.hub's tqdm, as PyTorch's does
(torchvision's datasets/utils.py imports it from here)."""
from ..hub import load_state_dict_from_url as load_url, tqdm  # noqa: F401
