"""Round 45, area E: optimizers from the package registry: sophia-opt 0.2.2 (SophiaG), galore-torch 1.0 (GaLoreAdamW,
GaLoreAdafactor and their GaLoreProjector), apollo-torch 1.0.3 (APOLLOAdamW with its random and SVD projectors, and
the GaLore copies it ships) and sam-pytorch 0.0.1 (SAM, wrapping a torch.optim optimizer).

The four wheels were unpacked without dependencies into a private folder, ported file by file by tests/porting.py's
port() and renamed in their own import lines only (sophia_optp, galore_torchp, apollo_torchp, samp), and run beside
the originals on PyTorch 2.13 in one process. transformers is not installed: a stand-in require_version that returns
None (the only name the packages import from it); bitsandbytes is not installed either: a name-only stand-in, so the
8-bit paths (GaLoreAdamW8bit, APOLLO's QAPOLLOAdamW) were imported, not run. None of the wheels ships tests.

Models: a conv net (Conv2d 2->3 3x3, a 4-d weight; Linear 48->10, rows < cols; Linear 10->16, rows > cols; Linear
16->3; 1-d biases) and a 6-12-5-2 Tanh MLP, PyTorch's initial weights plus 0.1 N(0, 1) loaded into the port by
state_dict, float64 (and float32 spot checks), the same NumPy batches on both sides; 20 steps (Sophia's LM 30), the
weights, every optimizer state entry (values, types, dtypes, shapes) and the loss compared after every step.
Covered: param groups with their own lr / rho / weight decay / rank / scale / proj_type, weight decay on and off,
maximize, closures, zero_grad(set_to_none=True / False), schedulers (StepLR, CosineAnnealingLR, LambdaLR warmup +
cosine per parameter), state_dict / load_state_dict round trips (through torch.save / nn.save) and resuming,
add_param_group mid-run, a frozen and an unused parameter, step pre / post hooks, repr, the constructors' ValueErrors,
SAM's "Not supported" and its missing closure, APOLLO's channel-scaling shape errors (PyTorch's RuntimeError words),
a GaLore state dict refused by load(weights_only=True) in PyTorch's words. Sophia: its nanoGPT loop in miniature
(Embedding, LayerNorm, GELU, cross_entropy with ignore_index=-1, clip_grad_norm_, every 5th step the Gauss-Newton-
Bartlett Hessian estimate from labels drawn from the model's softmax through NumPy uniforms), a complex parameter
(its view_as_real path), a legacy state dict whose step is a number (its __setstate__). GaLore: proj_type std,
reverse_std, left, right, full; GaLoreAdafactor with relative_step, warmup_init, beta1, weight decay and its factored
second moments of 2-d and 4-d parameters; rank >= min(m, n) with update_proj_gap=1; the layer-wise updates of its
README (an optimizer per parameter stepped in register_post_accumulate_grad_hook). APOLLO: random and SVD
projections, channel and tensor scaling, rank 1, scale_front, disable_nl (Fira's norm-growth limiter on and off),
correct_bias off; its random matrices and seeds (stable_randn, next_seed: PyTorch's own generator streams, which
nn's Generator does not reproduce) handed over from one NumPy stream per seed on both sides, and nn's own generator
path run on its own.

Largest relative differences (float64): SophiaG weights 7.4e-16, state 2.4e-15, losses 3.3e-16 (its LM loop 5.8e-15
/ 3.2e-15; the complex parameter 2.3e-16 / 1.7e-15); SAM over SGD with momentum, Adam and AdamW(amsgrad) 7.2e-16,
the inner optimizer's state 1.6e-15; GaLoreAdamW and GaLoreAdafactor with PyTorch's SVD factors handed over 1.1e-15,
state 3.4e-15; APOLLOAdamW 3.2e-15, state 4.5e-15; layer-wise updates 7.1e-16. Float32: 1.4e-6 (the state), weights
1.4e-6. GaLore computes its SVD in float32 on purpose (`.float()` before `linalg.svd`); with nn's own SVD (and
PyTorch's signs, see below) the projection matrices are 2.5e-5 apart and the weights 1e-7 (4.5e-6 for proj_type
'full'); PyTorch's own singular vectors move 1.8e-5 when one element of a float32 gradient moves an ulp (nn's 3.3e-5
from PyTorch's over 300 such matrices). With rank >= min(m, n) and a new SVD every step, nn's weights are 5e-6
(AdamW) / 7.8e-3 (Adafactor) from PyTorch's, PyTorch's own 9.2e-6 / 1.0e-2 from itself with one float32 ulp off.

Still different (not fixed): the signs of singular vectors: PyTorch's CPU build calls MKL's LAPACK, nn NumPy's
(OpenBLAS); both factorizations are valid and about 15% of the vectors come out negated, so GaLore's low-rank Adam
state is the negation of PyTorch's in those directions, and where the sign changes between two projection updates
the weights part (1e-3 after 20 steps); the comparisons above handed PyTorch's signs (or factors) over. nn's
Generator draws are nn's, not PyTorch's numbers (known), so APOLLO's projections with a given seed differ unless
handed over. nn's own optimizers (SGD, Adam, ... inside SAM) keep their state as ndarrays and an int step, where
PyTorch's keep Tensors (known); state.keys() and items() are lists here, dict views on PyTorch. float16 / bfloat16
parameters (GaLore's Adafactor casts them) are refused by nn's Tensor (known). PyTorch's load_state_dict turns a
str state entry into the text of a generator object (its Iterable branch); nn keeps the str. Package bugs met alike
on both sides: APOLLO's channel scaling with proj_type reverse_std / left / right (PyTorch's RuntimeError words; nn's
ShapeError is a RuntimeError) and its SVD projector with proj_type 'full' (AttributeError on a list).

The failures of nn these tests pin down (the package is not imported here):

- `import apollo_torch` raised AttributeError "module 'nn' has no attribute '_disable_dynamo'": its __init__ imports
  q_apollo, whose 8-bit AdamW decorates zero_grad with @torch._disable_dynamo in the class body. nn has it now, as
  nn._dynamo.disable: the function itself (nn compiles nothing), also as @_disable_dynamo(recursive=False).
- Optimizer.load_state_dict cast a loaded Tensor entry of a custom optimizer's state to the parameter's dtype only
  at the top level; PyTorch's load_state_dict recurses into dicts (each value under its own key, so a nested "step"
  stays as it is), lists and tuples (rebuilt), so a float32 checkpoint of an optimizer that keeps lists or dicts of
  tensors resumed on float64 parameters with float32 tensors inside them on nn.
- Iterating optimizer.state (for p in state, keys(), items(): how the probes of these optimizers' state, and
  user code such as `for p, s in optimizer.state.items()`, walk it) yielded id(p) ints on nn where PyTorch's
  defaultdict yields the Parameters, and `del optimizer.state[p]` / `state.pop(p)` raised KeyError: the state is
  still kept by id inside, and now yields each parameter itself (after load_state_dict, deepcopy and pickle too);
  a key stored as itself ('k', an integer id a state_dict kept) is yielded as itself.
"""
import inspect

import numpy as np
import pytest

import nn


# ---- torch._disable_dynamo -------------------------------------------------------------------------------------------

def test_disable_dynamo_decorates_a_method_in_a_class_body():
    # apollo-torch 1.0.3, apollo_torch/q_apollo.py (the class body's decorator, as shipped):
    #     class AdamW(Optimizer2State):
    #         @torch._disable_dynamo
    #         def zero_grad(self, set_to_none: bool = True) -> None:
    # on PyTorch 2.13 the decorated method keeps its name, signature and results
    class Opt:
        calls = []

        @nn._disable_dynamo
        def zero_grad(self, set_to_none: bool = True) -> None:
            self.calls.append(set_to_none)

        @nn._disable_dynamo(recursive=False)
        def step(self, closure=None):
            return 3 if closure is None else closure()

    o = Opt()
    assert o.zero_grad() is None and o.zero_grad(False) is None and Opt.calls == [True, False]
    assert o.step() == 3 and o.step(lambda: 7) == 7
    assert Opt.zero_grad.__name__ == "zero_grad" and Opt.step.__name__ == "step"
    assert list(inspect.signature(Opt.zero_grad).parameters) == ["self", "set_to_none"]


def test_disable_dynamo_signature_is_pytorchs():
    # PyTorch 2.13: torch._disable_dynamo(fn=None, recursive=True)
    params = inspect.signature(nn._disable_dynamo).parameters
    assert [(n, p.default) for n, p in params.items()] == [("fn", None), ("recursive", True)]


def test_disable_dynamo_agrees_with_pytorch():
    torch = pytest.importorskip("torch")

    def twice(x, y=2):
        return x * y

    # (PyTorch's wrapper imports torch._dynamo at its first call, seconds: compared without calling it)
    for lib in (torch, nn):
        f, g = lib._disable_dynamo(twice), lib._disable_dynamo(recursive=False)(twice)
        assert (f.__name__, g.__name__) == ("twice", "twice")
        assert inspect.signature(f) == inspect.signature(g) == inspect.signature(twice)
    assert nn._disable_dynamo(twice)(3, y=5) == 15
    assert [(n, p.default) for n, p in inspect.signature(nn._disable_dynamo).parameters.items()] == \
        [(n, p.default) for n, p in inspect.signature(torch._disable_dynamo).parameters.items()]


# ---- load_state_dict of a custom optimizer's nested state ------------------------------------------------------------

def _nested_optimizer(lib):
    """A custom optimizer written for torch.optim that keeps containers of tensors in its state (a history list,
    a (tensor, int) pair, a dict with its own "step")."""

    class Keeper(lib.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, dict(lr=0.1))

        @lib.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    s = self.state[p]
                    s["history"] = [p.detach().float() * 2, (p.detach().float(), 2)]
                    s["inner"] = {"step": lib.tensor(1.0), "avg": p.detach().float() + 1}
                    s["note"] = "keeper"
                    s["count"] = 4
            return None

    return Keeper


def test_load_state_dict_casts_tensors_inside_lists_tuples_and_dicts():
    # PyTorch 2.13's Optimizer.load_state_dict `_cast`: a Tensor to the parameter's dtype (a "step" key's as it is),
    # a dict value by value under its own key, an Iterable rebuilt as type(value)(cast elements)
    Keeper = _nested_optimizer(nn)
    p = nn.Parameter(nn.tensor([1.0, -2.0, 0.5], dtype=nn.float64))
    opt = Keeper([p])
    opt.step()
    saved = opt.state_dict()
    assert saved["state"][0]["history"][0].dtype == nn.float32
    opt2 = Keeper([p])
    opt2.load_state_dict(saved)
    s = opt2.state[p]
    first, (second, two) = s["history"]
    assert first.dtype == nn.float64 and second.dtype == nn.float64 and two == 2          # nn: float32, float32
    np.testing.assert_array_equal(first.numpy(), [2.0, -4.0, 1.0])
    assert type(s["history"]) is list and type(s["history"][1]) is tuple
    assert s["history"] is not saved["state"][0]["history"]                                # rebuilt, as PyTorch's
    assert s["inner"]["avg"].dtype == nn.float64 and s["inner"]["step"].dtype == nn.float32
    np.testing.assert_array_equal(s["inner"]["avg"].numpy(), [2.0, -1.0, 1.5])
    assert s["note"] == "keeper" and s["count"] == 4


def test_load_state_dict_nested_state_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    got = {}
    for lib, param in ((torch, torch.nn.Parameter), (nn, nn.Parameter)):
        Keeper = _nested_optimizer(lib)
        p = param(lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64))
        opt = Keeper([p])
        opt.step()
        opt2 = Keeper([p])
        opt2.load_state_dict(opt.state_dict())
        s = opt2.state[p]
        got[lib.__name__] = [(type(v).__name__, str(v.dtype).split(".")[-1], v.numpy().tolist())
                             for v in (s["history"][0], s["history"][1][0], s["inner"]["avg"], s["inner"]["step"])]
        got[lib.__name__] += [type(s["history"]).__name__, type(s["history"][1]).__name__, s["history"][1][1],
                              s["count"]]
    assert got["nn"] == got["torch"]


# ---- iterating optimizer.state ---------------------------------------------------------------------------------------

def _stepped(cls, **kw):
    a = nn.Parameter(nn.tensor([1.0, 2.0], dtype=nn.float64))
    b = nn.Parameter(nn.tensor([[0.5, -1.0, 2.0]], dtype=nn.float64))
    opt = cls([a, b], lr=0.1, **kw)
    a.grad = nn.tensor([0.1, -0.2], dtype=nn.float64)
    b.grad = nn.tensor([[0.3, 0.0, -0.1]], dtype=nn.float64)
    opt.step()
    return opt, a, b


@pytest.mark.parametrize("cls, kw", [(nn.optim.Adam, {}), (nn.optim.SGD, dict(momentum=0.9)),
                                     (nn.optim.AdamW, dict(weight_decay=0.1))])
def test_iterating_optimizer_state_yields_the_parameters(cls, kw):
    # PyTorch 2.13: optimizer.state is a defaultdict(dict) keyed by the parameters, so iterating it, keys() and
    # items() give the Parameters (in the order they got state) and `del state[p]` / `state.pop(p)` remove one;
    # nn yielded id(p) ints and `del opt.state[p]` raised KeyError
    opt, a, b = _stepped(cls, **kw)
    keys = list(opt.state)
    assert len(keys) == 2 and keys[0] is a and keys[1] is b
    assert [k is p for k, p in zip(opt.state.keys(), (a, b))] == [True, True]
    assert [(tuple(p.shape), sorted(s)) == (tuple(p.shape), sorted(opt.state[p])) for p, s in opt.state.items()] \
        == [True, True]
    assert dict(opt.state)[a] is opt.state[a]
    del opt.state[a]
    assert a not in opt.state and b in opt.state and len(opt.state) == 1
    assert isinstance(opt.state.pop(b), dict) and len(opt.state) == 0


def test_state_keys_after_loading_copying_and_pickling_are_the_parameters():
    import copy
    import pickle
    opt, a, b = _stepped(nn.optim.Adam)
    opt2 = nn.optim.Adam([a, b], lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    assert [k is p for k, p in zip(opt2.state, (a, b))] == [True, True]
    for clone in (copy.deepcopy(opt), pickle.loads(pickle.dumps(opt))):
        params = clone.param_groups[0]["params"]
        assert [k is p for k, p in zip(clone.state, params)] == [True, True]
        assert params[0] is not a
    # a key that is no parameter (MADGRAD's optimizer-wide counter) is yielded as itself, as PyTorch's
    opt.state["k"] = 3
    assert list(opt.state)[-1] == "k" and list(opt.state.items())[-1] == ("k", 3)


def test_optimizer_state_iteration_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    seen = {}
    for lib, param in ((torch, torch.nn.Parameter), (nn, nn.Parameter)):
        ps = [param(lib.tensor([1.0, 2.0])), param(lib.tensor([[0.5, -1.0, 2.0]]))]
        opt = lib.optim.Adam(ps, lr=0.1)
        for p in ps:
            p.grad = lib.ones_like(p)
        opt.step()
        seen[lib.__name__] = [(type(k).__name__, [i for i, p in enumerate(ps) if p is k], tuple(k.shape),
                               sorted(s)) for k, s in opt.state.items()]
        del opt.state[ps[0]]
        seen[lib.__name__].append([type(k).__name__ for k in opt.state])
    assert seen["nn"] == seen["torch"]
