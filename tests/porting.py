"""The porting rule of the PyTorch-compatibility tests: a PyTorch script -> the same script on nn."""
import re


def port(source):
    """The porting rule as text substitution: the import lines, then torch.nn.X -> nn.X,
    torch.optim.X -> nn.optim.X and every other torch.X -> nn.X."""
    rules = [(r"^import torch\.nn\.functional as F$", "import nn.functional as F"),
             (r"^import torch\.nn as nn$", "import nn"),
             (r"^import torch\.optim as optim$", "import nn.optim as optim"),
             (r"^from torch import nn, optim$", "import nn, nn.optim as optim"),
             (r"^from torch\.nn import functional as F$", "from nn import functional as F"),
             (r"^from torch\.", "from nn."), (r"^import torch$", "import nn"),
             (r"\btorch\.nn\.", "nn."), (r"\btorch\.optim\b", "nn.optim"), (r"\btorch\.", "nn.")]
    for pattern, repl in rules:
        source = re.sub(pattern, repl, source, flags=re.M)
    return source


def load_script(source):
    """Execute a script's source -> its namespace."""
    namespace = {}
    exec(compile(source, "<script>", "exec"), namespace)
    return namespace
