"""Short PyTorch scripts (written for these tests) run on nn after the porting rule: only the import
lines change (`import torch` -> `import nn`, `import torch.nn as nn` -> `import nn`,
`torch.nn.functional as F` -> `nn.functional as F`), then `torch.X` -> `nn.X`.

Each script is run as written on PyTorch (when installed) and, ported, on nn; results must agree.
"""
import re

import numpy as np
import pytest

CLASSIFIER_METRICS = '''
import torch
import torch.nn.functional as F

def run(logits_np, labels_np):
    logits = torch.from_numpy(logits_np).float().requires_grad_()
    labels = torch.from_numpy(labels_np).long()
    probs = F.softmax(logits, dim=1)
    pred = probs.argmax(dim=1)
    correct = (pred == labels).sum().item()
    acc = (pred == labels).float().mean()
    conf, _ = probs.max(dim=1)
    picked = probs[torch.arange(len(labels)), labels]
    nll = -picked.log().mean()
    confident = conf > 0.5
    loss = nll + 0.1 * logits[confident].pow(2).sum() / max(int(confident.sum()), 1)
    loss.backward()
    msg = f"loss {loss.item():.4f} acc {acc:.3f} correct {correct}"
    return {"loss": loss.item(), "grad": logits, "correct": correct, "msg": msg, "pred": pred.tolist()}
'''

MANUAL_SGD = '''
import torch

def run(x_np, y_np):
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    w = torch.zeros(x.shape[1], 1, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    for step in range(30):
        pred = x @ w + b
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
        w.grad = None
        b.grad = None
    return {"w": w.detach().numpy().copy(), "b": b.item(), "loss": loss.item()}
'''

CAUSAL_ATTENTION = '''
import math
import torch

def run(q_np, k_np, v_np):
    q = torch.from_numpy(q_np).requires_grad_()
    k, v = torch.from_numpy(k_np), torch.from_numpy(v_np)
    B, T, D = q.shape
    scores = q @ k.transpose(-2, -1) / math.sqrt(D)
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    scores = scores.masked_fill(mask, float("-inf"))
    attn = torch.softmax(scores, dim=-1)
    out = (attn @ v).permute(0, 2, 1).contiguous().view(B, -1)
    out.pow(2).sum().backward()
    return {"out": out.detach().numpy(), "grad": q}
'''

DEVICE_AND_MODEL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F

def run(x_np, y_np):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)).to(device).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.linspace(-1, 1, p.numel(), dtype=torch.float64).view_as(p))
    x = torch.tensor(x_np).to(device)
    y = torch.tensor(y_np, dtype=torch.long, device=device)
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    top2 = logits.argmax(1) == y
    return {"loss": loss.item(), "grads": [p.grad for p in model.parameters()], "hits": top2.sum().item(),
            "size": tuple(logits.size()), "dim": logits.dim(), "is_cuda": x.is_cuda}
'''

VAE_KL = '''
import torch

def run(mu_np, logvar_np):
    torch.manual_seed(0)
    mu = torch.from_numpy(mu_np).requires_grad_()
    logvar = torch.from_numpy(logvar_np).requires_grad_()
    std = torch.exp(0.5 * logvar)
    eps = torch.randn_like(std)
    z = mu + eps * std
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    (kld + 0 * z.sum()).backward()
    return {"kld": kld.item(), "z_shape": tuple(z.shape), "mu": mu, "logvar": logvar}
'''


def port(source):
    """The porting rule of the issue, applied to a script's text."""
    source = re.sub(r"^import torch\.nn\.functional as F$", "import nn.functional as F", source, flags=re.M)
    source = re.sub(r"^import torch\.nn as nn$", "import nn", source, flags=re.M)
    source = re.sub(r"^import torch$", "import nn", source, flags=re.M)
    return source.replace("torch.nn.", "nn.").replace("torch.optim.", "nn.optim.").replace("torch.", "nn.")


def _run(source, *args):
    scope = {}
    exec(compile(source, "<script>", "exec"), scope)
    return scope["run"](*args)


def _grad(v):
    """A returned input that requires grad stands for its gradient; anything else for its values."""
    return np.asarray(v.grad) if getattr(v, "requires_grad", False) else np.asarray(v)


def _compare(a, b, rtol):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _compare(a[k], b[k], rtol)
    elif isinstance(a, (list, tuple)) and a and not isinstance(a[0], (int, float, bool)):
        for x, y in zip(a, b):
            _compare(x, y, rtol)
    elif isinstance(a, (str, bool, int, tuple, list)) or a is None:
        assert a == b
    else:
        np.testing.assert_allclose(_grad(a), _grad(b), rtol=rtol, atol=1e-7)


RNG = np.random.default_rng(0)
SCRIPTS = {
    "classifier_metrics": (CLASSIFIER_METRICS, (RNG.standard_normal((8, 4)), RNG.integers(0, 4, 8)), 1e-5),
    "manual_sgd": (MANUAL_SGD, (RNG.standard_normal((16, 3)), RNG.standard_normal((16, 1))), 1e-10),
    "causal_attention": (CAUSAL_ATTENTION, tuple(RNG.standard_normal((2, 5, 4)) for _ in range(3)), 1e-10),
    "device_and_model": (DEVICE_AND_MODEL, (RNG.standard_normal((6, 4)), RNG.integers(0, 3, 6)), 1e-10),
    "vae_kl": (VAE_KL, (RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))), 1e-10),
}


@pytest.mark.parametrize("name", SCRIPTS)
def test_ported_script_runs_on_nn(name):
    source, args, _ = SCRIPTS[name]
    ported = port(source)
    assert "torch" not in ported
    result = _run(ported, *args)
    assert result


@pytest.mark.parametrize("name", SCRIPTS)
def test_ported_script_matches_pytorch(name):
    pytest.importorskip("torch")
    source, args, rtol = SCRIPTS[name]
    _compare(_run(port(source), *args), _run(source, *args), rtol)
