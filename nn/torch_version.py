"""torch.torch_version: nn.__version__ as scripts read torch.__version__.

nn follows PyTorch 2's API and is checked against PyTorch 2.13, so nn.__version__ is "2.13.0" (nn's own release is
setup.cfg's): version gates in model code (Informer's `padding = 1 if torch.__version__ >= "1.5.0" else 2`) take
the branch for the API nn has. Like PyTorch's TorchVersion it is a str that compares as a version, to strings
("2.13.0" >= "2.9") and tuples (>= (2, 1)).
"""
import operator
import re

__all__ = ["TorchVersion", "__version__"]


def _release(value):
    """'2.13.0+cpu' / '1.10.0a0' / (1, 10) -> (2, 13, 0) / (1, 10, 0) / (1, 10): the release numbers."""
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value)
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(value))
    if match is None:
        raise ValueError(f"TorchVersion: cannot compare with {value!r}, not a version")
    return tuple(int(v) for v in match.group(1).split("."))


class TorchVersion(str):
    """A version string that compares as a version with strings, tuples and packaging's Version."""

    __slots__ = ()

    def _compare(self, other, op):
        a, b = _release(self), _release(other)
        n = max(len(a), len(b))
        return op(a + (0,) * (n - len(a)), b + (0,) * (n - len(b)))

    def __lt__(self, other):
        return self._compare(other, operator.lt)

    def __le__(self, other):
        return self._compare(other, operator.le)

    def __gt__(self, other):
        return self._compare(other, operator.gt)

    def __ge__(self, other):
        return self._compare(other, operator.ge)

    __hash__ = str.__hash__


__version__ = TorchVersion("2.13.0")
