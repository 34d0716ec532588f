"""nn.backends.quantized: the quantized-engine switch. nn has no quantized kernels, so its only engine is
'none', as a PyTorch build without FBGEMM, QNNPACK, oneDNN and x86 (Lightning reads `supported_engines`)."""
import sys
import types

_ENGINES = {"none": "NoQEngine", "": "NoQEngine", None: "NoQEngine", "fbgemm": "FBGEMM", "qnnpack": "QNNPACK",
            "onednn": "ONEDNN", "x86": "X86"}


class _QuantizedModule(types.ModuleType):
    """`engine` and `supported_engines` as PyTorch's properties: an unknown or unsupported engine refused."""

    @property
    def engine(self):
        return "none"

    @engine.setter
    def engine(self, value):
        if value not in _ENGINES:
            raise RuntimeError(f"{value} is not a valid value for quantized engine")
        if _ENGINES[value] != "NoQEngine":
            raise RuntimeError(f"quantized engine {_ENGINES[value]} is not supported")

    @property
    def supported_engines(self):
        return ["none"]

    @supported_engines.setter
    def supported_engines(self, value):
        raise RuntimeError("Assignment not supported")


sys.modules[__name__].__class__ = _QuantizedModule
