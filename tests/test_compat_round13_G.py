"""Real third-party generative / sequence packages, ported by the porting rule and run against PyTorch in float64
(lucidrains' x-transformers, torch-einops-utils and denoising-diffusion-pytorch). The failures these tests pin
down: x-transformers and torch-einops-utils import tree_flatten / tree_unflatten / tree_map from
torch.utils._pytree (PyTorch 2.x: None is a leaf, dicts keep their insertion order, a namedtuple comes back as
itself); adam-atan2-pytorch's foreach optimizer reads getattr(torch, '_foreach_atan2_', None), the module as a value,
which the porting rule (tests/porting.py) now rewrites too. The packages themselves are never imported here: each idiom is reproduced in a few lines."""
import collections

import numpy as np
import pytest

import nn
from porting import load_script, port

# ---- torch.utils._pytree (x-transformers' detach_all, torch-einops-utils' tree_flatten_with_inverse) -------------

PYTREE_STYLE = '''
import torch
from torch import is_tensor
from torch.utils._pytree import tree_flatten, tree_unflatten, tree_map

def detach_all(obj):
    return tree_map(lambda t: t.detach() if is_tensor(t) and t.requires_grad else t, obj)

def tree_flatten_with_inverse(tree):
    flattened, spec = tree_flatten(tree)
    def inverse(out):
        return tree_unflatten(out, spec)
    return flattened, inverse

def first_doubled(out):
    (first, *rest), inverse = tree_flatten_with_inverse(out)
    return inverse((first * 2, *rest))
'''


def test_pytree_flatten_unflatten_map_as_pytorch():
    ns = load_script(port(PYTREE_STYLE))
    from nn.utils._pytree import tree_flatten, tree_leaves, tree_map, tree_structure, tree_unflatten
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    tree = {"b": (x, None, [3]), "a": 4}
    leaves, spec = tree_flatten(tree)
    # PyTorch 2.x: None is a leaf, dict keys in insertion order
    assert len(leaves) == 4 and leaves[0] is x and leaves[1] is None and leaves[2:] == [3, 4]
    assert spec.num_leaves == 4
    assert tree_unflatten([10, 20, 30, 40], spec) == {"b": (10, 20, [30]), "a": 40}
    assert tree_leaves([1, (2, {"k": 3})]) == [1, 2, 3]
    assert tree_structure([1, 2]) == tree_structure([5, 6]) != tree_structure((5, 6))
    Pair = collections.namedtuple("Pair", "p q")
    assert tree_map(lambda v: v + 1, Pair(1, [2])) == Pair(2, [3])
    assert tree_map(lambda u, v: u * v, (1, [2]), (10, [20])) == (10, [40])
    assert tree_map(lambda v: v * 2, [1, (2, 3)], is_leaf=lambda v: isinstance(v, tuple)) == [2, (2, 3, 2, 3)]
    with pytest.raises(ValueError):
        tree_map(lambda u, v: u + v, (1, [2]), (10, 20))
    with pytest.raises(ValueError):
        tree_unflatten([1, 2], spec)
    # the packages' helpers: detach everything requiring grad, map the first leaf and rebuild
    detached = ns["detach_all"]({"h": [x * 1.0], "n": None})
    assert not detached["h"][0].requires_grad and detached["n"] is None
    out = ns["first_doubled"]((x, {"aux": 5}))
    np.testing.assert_array_equal(out[0].detach().numpy(), [2.0, 4.0])
    assert out[1] == {"aux": 5}
    out[0].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_pytree_reachable_as_an_attribute_after_import_nn(monkeypatch):
    import sys
    import nn.utils
    monkeypatch.delitem(sys.modules, "nn.utils._pytree", raising=False)
    monkeypatch.delattr(nn.utils, "_pytree", raising=False)
    # torch.utils._pytree.tree_map(...) after a plain `import torch` (the module loads on first use)
    assert nn.utils._pytree.tree_leaves({"a": (1, None)}) == [1, None]
    with pytest.raises(AttributeError):
        nn.utils.no_such_module


def test_pytree_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.utils._pytree as theirs
    import nn.utils._pytree as ours
    Pair = collections.namedtuple("Pair", "p q")
    for tree in [None, 3, (1, None, [2, {"z": 3, "a": (4,)}]), {"b": 1, "a": [2, 3]}, Pair(1, [2, 3]), [], ()]:
        lt, st = theirs.tree_flatten(tree)
        ln, sn = ours.tree_flatten(tree)
        assert ln == lt and sn.num_leaves == st.num_leaves
        rebuilt = ours.tree_unflatten(list(range(len(ln))), sn)
        assert rebuilt == theirs.tree_unflatten(list(range(len(lt))), st)
        if isinstance(tree, (tuple, list, dict)):
            assert type(rebuilt) is type(tree)
        assert ours.tree_map(lambda v: (v, v), tree) == theirs.tree_map(lambda v: (v, v), tree)


# ---- the porting rule on the bare module name (adam-atan2-pytorch's foreach optimizer) ----------------------------

FOREACH_OPTIMIZER_STYLE = '''
import torch
from torch.optim.optimizer import Optimizer

def slow_atan2_(nums, dens):
    for n, d in zip(nums, dens):
        n.atan2_(d)

class SignishAdam(Optimizer):
    def __init__(self, params, lr=0.1, betas=(0.9, 0.99)):
        assert all([hasattr(torch, f'_foreach_{op}_') for op in ('mul', 'add', 'lerp')]), 'torch too old'
        self.atan2_ = getattr(torch, '_foreach_atan2_', None) or slow_atan2_
        super().__init__(params, dict(lr=lr, betas=betas))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            params = [p for p in group['params'] if p.grad is not None]
            grads = [p.grad for p in params]
            for p in params:
                if not self.state[p]:
                    self.state[p]['m'] = torch.zeros_like(p)
                    self.state[p]['v'] = torch.zeros_like(p)
            ms = [self.state[p]['m'] for p in params]
            vs = [self.state[p]['v'] for p in params]
            beta1, beta2 = group['betas']
            torch._foreach_lerp_(ms, grads, 1. - beta1)
            torch._foreach_lerp_(vs, [g * g for g in grads], 1. - beta2)
            updates = [m.clone() for m in ms]
            self.atan2_(updates, [v.sqrt() for v in vs])
            torch._foreach_add_(params, updates, alpha=-group['lr'])
'''


def test_port_rewrites_the_bare_module_name():
    from porting import port as port_rule
    ported = port_rule(FOREACH_OPTIMIZER_STYLE)
    assert "hasattr(nn, f'_foreach_{op}_')" in ported and "getattr(nn, '_foreach_atan2_', None)" in ported
    assert port_rule("import torch as th\nx = torch_device\nfrom rotary_embedding_torch import R\ns = 'torch'\n") == \
        "import nn as th\nx = torch_device\nfrom rotary_embedding_torch import R\ns = 'torch'\n"
    ns = load_script(ported)
    w = nn.Parameter(nn.tensor([1.0, -2.0], dtype=nn.float64))
    opt = ns["SignishAdam"]([w])
    for _ in range(2):
        opt.zero_grad()
        (w ** 2).sum().backward()
        opt.step()
    # step 1: m = 0.1 g, v = 0.01 g^2 -> atan2(m, sqrt v) = atan2(0.1 g, 0.1 |g|) = +-pi/4
    g1 = np.array([2.0, -4.0])
    w1 = np.array([1.0, -2.0]) - 0.1 * np.arctan2(0.1 * g1, np.sqrt(0.01 * g1 ** 2))
    g2 = 2 * w1
    m2 = 0.9 * 0.1 * g1 + 0.1 * g2
    v2 = 0.99 * 0.01 * g1 ** 2 + 0.01 * g2 ** 2
    np.testing.assert_allclose(w.detach().numpy(), w1 - 0.1 * np.arctan2(m2, np.sqrt(v2)), rtol=1e-12)
