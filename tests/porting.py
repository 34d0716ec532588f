"""The porting rule of the PyTorch-compatibility tests: a PyTorch script -> the same script on nn."""
import re

import numpy as np


def port(source):
    """The porting rule as text substitution: the import lines (einops' PyTorch layers: nn.einops), then
    torch.nn.X -> nn.X, torch.optim.X -> nn.optim.X, every other torch.X -> nn.X and the bare name torch -> nn."""
    rules = [(r"^import torch\.nn\.functional as F$", "import nn.functional as F"),
             (r"^import torch\.nn as nn$", "import nn"),
             (r"^import torch\.optim as optim$", "import nn.optim as optim"),
             (r"^from torch import nn, optim$", "import nn, nn.optim as optim"),
             (r"^from torch import nn$", "import nn"), (r"^from torch import optim$", "import nn.optim as optim"),
             (r"^from torch import nn, (.+)$", r"import nn; from nn import \1"), (r"^from torch import ", "from nn import "),
             (r"^from torch\.nn import functional as F$", "from nn import functional as F"),
             (r"^from torch\.nn import ", "from nn import "), (r"^from torch\.nn\.", "from nn."),
             (r"^from einops\.layers\.torch import ", "from nn.einops import "),
             (r"^from torch\.", "from nn."), (r"^import torch$", "import nn"),
             # torch.X, but not an attribute that happens to be named torch (pyro.distributions.torch.Normal)
             (r"(?<![\w.])torch\.nn\.", "nn."), (r"(?<![\w.])torch\.optim\b", "nn.optim"),
             (r"(?<![\w.])torch\.", "nn."),
             # the module itself as a value (getattr(torch, '_foreach_atan2_', None), `import torch as th`)
             (r"(?<![\w.'\"])torch(?![\w.'\"])", "nn")]
    for pattern, repl in rules:
        source = re.sub(pattern, repl, source, flags=re.M)
    return source


def load_script(source):
    """Execute a script's source -> its namespace."""
    namespace = {}
    exec(compile(source, "<script>", "exec"), namespace)
    return namespace


def twins(script, cls, torch, *args):
    """The same model built from a PyTorch script and from its port, with PyTorch's weights, in float64 ->
    (PyTorch's namespace, ours, PyTorch's model, our model)."""
    theirs_ns, ours_ns = load_script(script), load_script(port(script))
    torch.manual_seed(0)
    theirs = theirs_ns[cls](*args).double()
    ours = ours_ns[cls](*args).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return theirs_ns, ours_ns, theirs, ours


def reference_for(model, script, name, torch, *args):
    """PyTorch's model `name` built from `script` (seed 0, float64), its weights loaded into our model -> (PyTorch's
    namespace, PyTorch's model)."""
    namespace = load_script(script)
    torch.manual_seed(0)
    reference = namespace[name](*args).double()
    model.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    return namespace, reference


def assert_same_weights(ours, theirs, rtol):
    """Every entry of the two models' state_dicts equal to rtol (and the same keys)."""
    mine = ours.state_dict()
    assert sorted(mine) == sorted(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(mine[key], value.numpy(), rtol=rtol, atol=1e-12, err_msg=key)


def assert_port_touches_only_torch_lines(script):
    """The port leaves no 'torch' and changes only lines that mention it."""
    ported = port(script)
    assert "torch" not in ported
    assert all("torch" in a for a, b in zip(script.splitlines(), ported.splitlines()) if a != b)


def raised(fn):
    """fn() -> (exception class name, message) of what it raises (AssertionError if it raises nothing): the
    compatibility tests compare both with PyTorch's."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the point is which one
        return type(e).__name__, str(e)
    raise AssertionError("no error")


def central_difference(f, x, eps=1e-6):
    """d f / d x of a real scalar function f of a float64 array x by central differences of step eps -> x's shape."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


def complex_central_difference(loss, A, h=1e-6):
    """d loss / d A of a real loss of a complex array A (any shape) by central differences of step h, in PyTorch's
    convention for complex gradients (d/d re + i d/d im, twice the conjugate Wirtinger derivative) -> A's shape."""
    want = np.zeros_like(A)
    for idx in np.ndindex(*A.shape):
        for unit in (1, 1j):
            E = np.zeros_like(A)
            E[idx] = h * unit
            want[idx] += unit * (loss(A + E) - loss(A - E)) / (2 * h)
    return want
