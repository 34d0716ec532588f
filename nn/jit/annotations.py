"""torch.jit.annotations: the typing names TorchScript code imports from there."""
from typing import Any, Dict, Final, List, Optional, Tuple, Union  # noqa: F401

BroadcastingList1 = BroadcastingList2 = BroadcastingList3 = List

__all__ = ["Any", "Dict", "Final", "List", "Optional", "Tuple", "Union", "BroadcastingList1", "BroadcastingList2",
           "BroadcastingList3"]
