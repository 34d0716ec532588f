"""`nn.nn` as a package path: `from nn.nn.parameter import Parameter`, `import nn.nn.functional as F`,
`from nn.nn.modules.batchnorm import _BatchNorm` (PyTorch's `torch.nn.X` lines after `import torch` became
`import nn as torch`) give the modules nn.X themselves, never second copies.

`nn.nn` is the package itself (an attribute); an import statement looks the dotted name up in sys.modules
first, so every module of nn that `import nn` loaded is entered there a second time under its nn.nn name:
the same module object. Only names under nn's own are added (no import hook: nothing else of the process
changes); a module of nn that `import nn` does not load has no nn.nn name.
"""
import sys


def register():
    """sys.modules['nn.nn'] = nn and sys.modules['nn.nn.X'] = nn.X for every module nn.X loaded so far."""
    for name, module in list(sys.modules.items()):
        if (name == "nn" or name.startswith("nn.")) and not (name == "nn.nn" or name.startswith("nn.nn.")):
            sys.modules.setdefault("nn.nn" + name[2:], module)
