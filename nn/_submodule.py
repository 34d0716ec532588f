"""One helper for the submodules PyTorch has as files and nn builds in place (torch.distributed.optim,
torch.nn.parallel.scatter_gather, ...): a module object registered in sys.modules, so that `from torch.X.Y import Z`
ports to an import that works."""
import sys
import types


def submodule(parent, name, doc, **names):
    """The module `parent.name` holding `names` (each class or function reports it as its __module__), registered in
    sys.modules -> the module."""
    module = types.ModuleType(f"{parent}.{name}", doc)
    for attr, value in names.items():
        if isinstance(value, (type, types.FunctionType)):
            value.__module__ = module.__name__
        setattr(module, attr, value)
    sys.modules[module.__name__] = module
    return module
