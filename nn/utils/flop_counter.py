"""torch.utils.flop_counter's FlopCounterMode, without counting: PyTorch counts the FLOPs of the ATen operators
run inside the context (matmuls, convolutions, attention) per module; nn has no operator dispatch to observe, so
the totals stay 0 (Lightning's ModelSummary builds one for every fit and reports its "Total Flops")."""
from collections import defaultdict

__all__ = ["FlopCounterMode"]


class FlopCounterMode:
    """A context that records no operators: get_total_flops() is 0 and get_flop_counts() is empty (PyTorch's
    would hold {"Global": {op: flops}, "<Root>.<child>": ...})."""

    def __init__(self, mods=None, depth=2, display=True, custom_mapping=None):
        self.depth, self.display = depth, display
        self.flop_counts = defaultdict(lambda: defaultdict(int))

    def get_total_flops(self):
        return sum(self.flop_counts["Global"].values())

    def get_flop_counts(self):
        return {k: dict(v) for k, v in self.flop_counts.items()}

    def get_table(self, depth=None):
        return ""

    def __enter__(self):
        self.flop_counts.clear()
        return self

    def __exit__(self, *args):
        return None
