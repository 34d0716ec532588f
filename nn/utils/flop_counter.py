"""torch.utils.flop_counter's FlopCounterMode: the FLOPs of the matrix products and convolutions run inside the
context, by PyTorch's formulas (2 per multiply-add), keyed by the ATen operator PyTorch would run (``aten.mm``,
``aten.addmm``, ``aten.bmm``, ``aten.convolution``). PyTorch counts at the ATen level; nn counts the calls of
its functions through a TorchFunctionMode (nn.overrides), which sees each outermost call once: ``F.linear``,
``F.conv1d`` / ``2d`` / ``3d`` and the transposed ones, ``matmul`` / ``@``, ``mm``, ``bmm``, ``addmm``,
``baddbmm``. Not counted (PyTorch counts them): backward passes, attention (``scaled_dot_product_attention``),
and what a function makes of matrix products inside (``einsum``); the counts are under "Global" only (PyTorch
also files them under each module, "<Root>.<child>"). Lightning's ModelSummary reports the total as its
"Total Flops"."""
import math
from collections import defaultdict

from ..overrides import TorchFunctionMode

__all__ = ["FlopCounterMode"]


def _mm(a, b):
    return 2 * a[0] * a[1] * b[1]


def _matmul(a, b):
    """(op name, flops) of a @ b by shapes: 2 * batch * m * n * k; none for a vector operand (mv / dot), as
    PyTorch's counter, which has no formula for those."""
    if len(a) < 2 or len(b) < 2:
        return None
    if len(b) == 2:
        return "mm", 2 * math.prod(a[:-1]) * a[-1] * b[-1]
    batch = math.prod(max(x, y) for x, y in zip(((1,) * len(b) + a[:-2])[-max(len(a), len(b)) + 2:],
                                                ((1,) * len(a) + b[:-2])[-max(len(a), len(b)) + 2:]))
    return "bmm", 2 * batch * a[-2] * a[-1] * b[-1]


def _linear(x, w, b=None):
    if len(x) < 2:
        return None
    return ("mm" if b is None else "addmm"), 2 * math.prod(x[:-1]) * x[-1] * w[0]     # (batch dims flattened)


def _conv(x, w, out, transposed):
    """PyTorch's conv_flop_count: 2 * batch * prod(weight shape) * prod(output spatial shape), the input's
    spatial shape for a transposed convolution."""
    spatial = x[2:] if transposed else out[2:]
    return "convolution", 2 * x[0] * math.prod(w) * math.prod(spatial)


def _shape(value):
    return tuple(value.shape) if hasattr(value, "shape") else None


def _flops(name, args, kwargs, out):
    """(op name, flops) of the call func(*args) that gave out, or None for a function that is not counted."""
    shapes = [_shape(a) for a in args]
    if name in ("matmul", "__matmul__", "mm") and len(shapes) >= 2 and None not in shapes[:2]:
        return _matmul(shapes[0], shapes[1])
    if name == "__rmatmul__" and len(shapes) >= 2 and None not in shapes[:2]:
        return _matmul(shapes[1], shapes[0])
    if name in ("bmm",) and None not in shapes[:2]:
        return "bmm", 2 * shapes[0][0] * shapes[0][1] * shapes[0][2] * shapes[1][2]
    if name in ("addmm", "baddbmm") and len(shapes) >= 3 and None not in shapes[1:3]:
        a, b = shapes[1], shapes[2]
        return (name, _mm(a, b)) if name == "addmm" else (name, 2 * a[0] * a[1] * a[2] * b[2])
    if name == "linear" and len(shapes) >= 2:
        bias = args[2] if len(args) > 2 else kwargs.get("bias")
        return _linear(shapes[0], shapes[1], bias)
    if name.startswith("conv") and name[-2:] in ("1d", "2d", "3d") and len(shapes) >= 2 and _shape(out):
        return _conv(shapes[0], shapes[1], _shape(out), "transpose" in name)
    return None


class _CountingMode(TorchFunctionMode):
    def __init__(self, counts):
        self.counts = counts

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        counted = _flops(getattr(func, "__name__", ""), args, kwargs, out)
        if counted is not None:
            from ..ops import aten                  # noqa: PLC0415 - the keys, as PyTorch's (aten.mm)
            op, flops = counted
            self.counts["Global"][getattr(aten, op)] += flops
        return out


class FlopCounterMode:
    """torch.utils.flop_counter.FlopCounterMode(mods=None, depth=2, display=True, custom_mapping=None): a context
    counting the FLOPs of the products and convolutions run inside (see the module's docstring for which);
    get_total_flops(), get_flop_counts() ({"Global": {aten op: flops}}), get_table() (printed on exit when
    display=True)."""

    def __init__(self, mods=None, depth=2, display=True, custom_mapping=None):
        self.depth, self.display = depth, display
        self.flop_counts = defaultdict(lambda: defaultdict(int))
        self.mode = None

    def get_total_flops(self):
        return sum(self.flop_counts["Global"].values())

    def get_flop_counts(self):
        return {k: dict(v) for k, v in self.flop_counts.items()}

    def get_table(self, depth=None):
        rows = [f"{'Module':<20}{'FLOP':>14}", f"{'Global':<20}{self.get_total_flops():>14}"]
        rows += [f"  - {op!s:<16}{n:>14}" for op, n in self.flop_counts["Global"].items()]
        return "\n".join(rows)

    def __enter__(self):
        self.flop_counts.clear()
        self.mode = _CountingMode(self.flop_counts).__enter__()
        return self

    def __exit__(self, *args):
        self.mode.__exit__(*args)
        self.mode = None
        if self.display:
            print(self.get_table(self.depth))
        return None
