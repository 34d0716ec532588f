"""torch.onnx's names that library code reads outside export: nn exports no ONNX graphs, so is_in_onnx_export()
is always False (kornia's resize and pyramids ask it to pick their eager path) and export() is refused."""
import enum

__all__ = ["is_in_onnx_export", "export", "OnnxExporterError", "TrainingMode"]


class OnnxExporterError(RuntimeError):
    """The error of a failed export."""


class TrainingMode(enum.IntEnum):
    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


def is_in_onnx_export():
    """False: no export is ever running."""
    return False


def export(model, args=(), f=None, *pargs, **kwargs):
    """Refused: nn has no ONNX exporter (export the PyTorch twin of the model instead)."""
    raise OnnxExporterError("nn.onnx.export: nn has no ONNX exporter; export the PyTorch model built from the "
                            "same code and weights")
