"""torch-optimizer 0.3.0 (with pytorch_ranger 0.1.1) and torchopt 0.7.3 (with optree 0.20.0) from the package
registry, ported by the porting rule (every .py file; renamed torch_optimizerp, pytorch_rangerp, torchoptp in their
import lines) and run against the originals on PyTorch 2.13 in float64 with PyTorch's weights, perturbed: every
torch-optimizer optimizer for 5 steps on an MLP and a CNN with weight decay and closures (Adahessian with
create_graph and shared Rademacher draws), its state saved and reloaded mid-run by either side; torchopt's
functional chains (adam / adamw / sgd / rmsprop / adagrad / adadelta / adamax / radam, schedules, clip_grad_norm,
nan_to_num, apply_updates in place and not), its Optimizer classes, FuncOptimizer, MetaOptimizers in MAML loops
through 2 inner steps with extract_state_dict / recover_state_dict, implicit differentiation (custom_root with
solve_cg / solve_normal_cg / solve_inv, iMAML by ImplicitMetaGradientModule) and zero-order gradients, on torchopt's
pure-Python path (its C++ extension does not load on PyTorch 2.13: `accelerated_op_available()` is False on both
sides). The failures these tests pin down, each in a few lines (the packages are never imported here):
torchopt.distributed imports torch.distributed.autograd and elastic's `record` at import; in-place changes of a
leaf that requires grad now raise PyTorch's words (torch-optimizer's Apollo resumed from a file); a foreign
optimizer's Tensor state is loaded as PyTorch loads it (the same tensor, its requires_grad kept); the deprecated
number-first overloads warn in PyTorch's words; float32 `pow` of a few elements is libm's correctly rounded powf
(torchopt's Adam bias correction, 4e-9 apart in float64 weights before); `where` kept a float64 `.grad` array as
default-dtype float32 (torchopt's Adagrad, 2e-8 apart); a Function returning and saving `.data` arrays
(torchopt's custom_root) and one with several outputs whose backward differentiates through its saved outputs
(iMAML) failed; `Tensor._is_view` / `_base` and PyTorch's grad_fn class names (torchopt's make_dot); a module's
`_buffers.items()` gave arrays, so torchopt's extract_state_dict kept no BatchNorm statistics and
recover_state_dict did not restore them."""
import json
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import nn


# ---- torch.distributed.autograd and torch.distributed.elastic.multiprocessing.errors (import torchopt) -------------

def test_distributed_autograd_and_elastic_record(tmp_path, monkeypatch):
    import nn.distributed.autograd as dist_autograd
    from nn.distributed.elastic.multiprocessing.errors import ChildFailedError, ErrorHandler, get_error_handler, record
    assert dist_autograd.is_available() is False and isinstance(dist_autograd.context(), dist_autograd.context)
    assert issubclass(ChildFailedError, Exception) and isinstance(get_error_handler(), ErrorHandler)

    @record
    def main(x):
        return x + 1
    assert main(1) == 2 and main.__name__ == "main"
    assert record(lambda: exec("raise SystemExit(0)"))() is None      # SystemExit(0) returns None, as PyTorch's
    with pytest.raises(SystemExit):
        record(lambda: exec("raise SystemExit(3)"))()
    error_file = tmp_path / "error.json"
    monkeypatch.setenv("TORCHELASTIC_ERROR_FILE", str(error_file))

    @record
    def fails():
        raise ValueError("boom")
    with pytest.raises(ValueError, match="boom"):
        fails()
    assert json.loads(error_file.read_text())["message"]["message"] == "ValueError: boom"


# ---- an in-place change of a leaf that requires grad: PyTorch's words ------------------------------------------------

_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."


@pytest.mark.parametrize("change, view", [
    (lambda x: x.add_(1), False), (lambda x: x.copy_(nn.zeros(3)), False), (lambda x: x.relu_(), False),
    (lambda x: x.__setitem__(nn.tensor([True, False, True]), 2.0), False), (lambda x: x.__setitem__(..., 2.0), False),
    (lambda x: x.__setitem__(slice(None), 2.0), False), (lambda x: x.__setitem__(0, 2.0), True),
    (lambda x: x[1:].mul_(2), True), (lambda x: x.view(3).zero_(), True), (lambda x: x.__setitem__((None, 0), 2.0), True)])
def test_in_place_change_of_a_leaf_is_refused_in_pytorchs_words(change, view):
    x = nn.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        change(x)
    assert str(info.value).startswith(("a view of " if view else "") + _LEAF)


def test_in_place_leaf_messages_match_pytorch():
    torch = pytest.importorskip("torch")
    for change in (lambda x: x.add_(1), lambda x: x[0].mul_(2), lambda x: x.__setitem__(slice(1, None), 0.5)):
        got = []
        for lib in (torch, nn):
            with pytest.raises(RuntimeError) as info:
                change(lib.ones(3, requires_grad=True))
            got.append(str(info.value).split(" (")[0])
        assert got[1] == got[0]


# ---- Optimizer.load_state_dict of a foreign optimizer's Tensor state (torch-optimizer's Apollo resumed) -----------

class _Keeps(nn.optim.Optimizer):
    """An optimizer written outside nn that keeps a Tensor computed outside no_grad (as Apollo's weight decay)."""

    def __init__(self, params):
        super().__init__(params, {})


def test_loaded_tensor_state_is_the_tensor_itself_with_its_requires_grad(tmp_path):
    p = nn.Parameter(nn.ones(3, dtype=nn.float64))
    opt = _Keeps([p])
    kept = nn.zeros(3, dtype=nn.float64) + p * 0.5           # requires grad, as Apollo's exp_avg_grad
    opt.state[p]["buf"], opt.state[p]["b32"] = kept, nn.zeros(3)
    sd = opt.state_dict()
    again = _Keeps([p])
    again.load_state_dict(sd)
    assert again.state[p]["buf"] is kept                      # PyTorch: value.to(p.dtype), the same tensor
    assert again.state[p]["b32"].dtype == nn.float64
    nn.save(sd, tmp_path / "opt.pt")
    resumed = _Keeps([p])
    resumed.load_state_dict(nn.load(tmp_path / "opt.pt", weights_only=False))
    buf = resumed.state[p]["buf"]
    assert buf.requires_grad and buf.is_leaf                  # from a file: a leaf that requires grad
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        buf.add_(nn.ones(3, dtype=nn.float64))                # Apollo's update on resume, as on PyTorch


# ---- the deprecated number-first overloads: PyTorch's warning ------------------------------------------------------

@pytest.mark.parametrize("call, op, alpha", [
    (lambda x, y: x.add_(2.0, y), "add_", True), (lambda x, y: x.sub(2.0, y), "sub", True),
    (lambda x, y: x.addcmul_(0.5, y, y), "addcmul_", False), (lambda x, y: x.addcdiv(0.5, y, y), "addcdiv", False),
    (lambda x, y: x.data.add_(2.0, y), "add_", True), (lambda x, y: x.data.addcdiv_(0.5, y, y), "addcdiv_", False)])
def test_number_first_overloads_warn_in_pytorchs_words(call, op, alpha):
    x, y = nn.ones(2, dtype=nn.float64), nn.ones(2, dtype=nn.float64)
    old, new = (("Number alpha, Tensor other", "Tensor other, *, Number alpha = 1") if alpha else
                ("Number value, Tensor tensor1, Tensor tensor2", "Tensor tensor1, Tensor tensor2, *, Number value = 1"))
    nn.array._DEPRECATED_OVERLOAD_WARNED.clear()     # PyTorch warns once per process (round 44 H): afresh
    with pytest.warns(UserWarning) as record:
        call(x, y)
    assert str(record[0].message) == (f"This overload of {op} is deprecated:\n\t{op}({old})\nConsider using one of "
                                      f"the following signatures instead:\n\t{op}({new})")


def test_in_place_addcmul_still_computes():
    x, y = nn.ones(2, dtype=nn.float64), nn.full((2,), 3.0, dtype=nn.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert x.addcmul_(0.5, y, y).tolist() == [5.5, 5.5]
    assert x.addcdiv_(y, y, value=2).tolist() == [7.5, 7.5]


# ---- float32 pow of a few elements: libm's correctly rounded powf (torchopt's Adam bias correction) ---------------

def test_float32_power_of_a_scalar_and_an_int_count_is_correctly_rounded():
    # 1 - pow(b, count) with an int64 count: float32 by PyTorch's promotion; these are PyTorch's values, the float64
    # power rounded once to float32 (NumPy's float32 power gives 0.6560999751091003 and 0.7350918054580688)
    for base, count, expected in ((0.9, 4, 0.6560999155044556), (0.95, 6, 0.7350918650627136),
                                  (0.8, 6, 0.2621440291404724)):
        got = pow(base, nn.tensor(count))
        assert got.dtype == nn.float32 and float(got) == expected
        assert float(got) == float(np.float32(np.float64(np.float32(base)) ** count))


def test_float32_power_of_small_tensors_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 1.5, 300).astype(np.float32)
    b = rng.uniform(-5, 5, 300).astype(np.float32)
    for x, y in zip(a, b):
        assert torch.pow(torch.tensor(x), torch.tensor(y)).item() == nn.pow(nn.tensor(x), nn.tensor(y)).item()
    counts = np.arange(1, 8)
    for base in (0.9, 0.999, 0.8, 0.95):
        assert np.array_equal((base ** torch.tensor(counts)).numpy(), (base ** nn.tensor(counts)).numpy())


# ---- where with a .grad array keeps its dtype (torchopt's Adagrad) -----------------------------------------------

def test_where_keeps_a_grad_arrays_dtype():
    p = nn.tensor(np.ones(3), requires_grad=True)
    (p * nn.tensor(np.array([0.004059684919054157, -0.2, 1.3]))).sum().backward()
    g = p.grad                                                # float64, a Tensor in PyTorch
    chosen = nn.where(nn.tensor([True, False, True]), g, 0.0)
    assert chosen.dtype == nn.float64
    assert chosen.tolist() == [0.004059684919054157, 0.0, 1.3]
    assert nn.where(nn.tensor([True, False, True]), 0.0, g).dtype == nn.float64


# ---- a Function that returns and saves .data arrays (torchopt's custom_root) ---------------------------------------

def test_function_returning_and_saving_data_arrays():
    class Solve(nn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            out = (x * 3).data                                # tuple(t.data for t in output), as custom_root
            ctx.save_for_backward(out, x.data)
            return out, None

        @staticmethod
        def backward(ctx, g, _):
            out, x = ctx.saved_tensors
            assert isinstance(out, nn.Tensor) and isinstance(x, nn.Tensor)
            return g * out / x                                # 3 g

    x = nn.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y, none = Solve.apply(x)
    assert isinstance(y, nn.Tensor) and y.requires_grad and none is None and y.tolist() == [3.0, 6.0]
    (y * nn.tensor(np.array([1.0, 10.0]))).sum().backward()
    assert x.grad.tolist() == [3.0, 30.0]


# ---- several outputs, a backward that differentiates through the saved outputs (torchopt's iMAML) ----------------

class _Two(nn.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        a, b = x * 2, x * 3
        ctx.save_for_backward(a, b)
        return a, b

    @staticmethod
    def backward(ctx, ga, gb):
        a, b = ctx.saved_tensors
        u = nn.ones_like(ga).requires_grad_()
        with nn.enable_grad():
            r = (a * u * u + b * u).sum()                     # a graph through the saved outputs
            (gu,) = nn.autograd.grad(r, u)                     # wants u only: 2 a u + b
        return ga * 2 + gb * 3 + 0 * gu


def test_backward_differentiating_through_saved_outputs_of_several():
    x = nn.tensor(np.array([1.0, -2.0]), requires_grad=True)
    a, b = _Two.apply(x)
    (a * 5 + b).sum().backward()
    assert x.grad.tolist() == [13.0, 13.0]


def test_backward_through_saved_outputs_matches_pytorch():
    torch = pytest.importorskip("torch")

    class Two(torch.autograd.Function):
        forward = staticmethod(_Two.forward.__func__ if hasattr(_Two.forward, "__func__") else _Two.forward)

        @staticmethod
        def backward(ctx, ga, gb):
            a, b = ctx.saved_tensors
            u = torch.ones_like(ga).requires_grad_()
            with torch.enable_grad():
                (gu,) = torch.autograd.grad((a * u * u + b * u).sum(), u)
            return ga * 2 + gb * 3 + 0 * gu

    x = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    a, b = Two.apply(x)
    (a * 5 + b).sum().backward()
    assert x.grad.tolist() == [13.0, 13.0]


# ---- Tensor._is_view / _base and grad_fn class names (torchopt's visual.make_dot) ----------------------------------

def test_is_view_and_base():
    x = nn.ones(4, 3, requires_grad=True)
    y = x * 2
    v = y[1:].reshape(9)
    assert v._is_view() and v._base is y and y[0]._base is y and y.t()._base is y
    assert not y._is_view() and y._base is None and not x._is_view() and y.clone()._base is None


def test_grad_fn_class_is_named_as_pytorchs_node():
    x = nn.ones(3, requires_grad=True)
    y = (x * 2).sum()
    assert type(y.grad_fn).__name__ == "SumBackward0" == y.grad_fn.name()
    assert [type(f).__name__ for f, _ in y.grad_fn.next_functions] == ["MulBackward0"]
    assert type(y.grad_fn.next_functions[0][0].next_functions[0][0]).__name__ == "AccumulateGrad"
    assert y.grad_fn is y.grad_fn


# ---- a module's _buffers registry: Tensors out, a plain dict when copied (torchopt's extract_state_dict) ----------

def test_buffer_registry_yields_tensors_and_copies_as_a_plain_dict():
    bn = nn.BatchNorm1d(3)
    registry = bn._buffers
    assert all(isinstance(v, nn.Tensor) for v in registry.values())
    assert [k for k, v in registry.items() if isinstance(v, nn.Tensor)] == ["running_mean", "running_var",
                                                                             "num_batches_tracked"]
    # torchopt: type(container)((k, clone(v)) for k, v in container.items() if isinstance(v, torch.Tensor))
    copied = type(registry)((k, v.clone()) for k, v in registry.items())
    assert type(copied) is OrderedDict and sorted(copied) == ["num_batches_tracked", "running_mean", "running_var"]
    bn.train()
    bn(nn.tensor(np.arange(12.0, dtype=np.float32).reshape(4, 3)))
    assert bn.running_mean.tolist() != [0.0, 0.0, 0.0]
    registry.update(copied)                                   # recover_state_dict
    assert bn.running_mean.tolist() == [0.0, 0.0, 0.0] and int(bn.num_batches_tracked) == 0
    assert all(type(b) is np.ndarray for b in dict.values(bn._buffers))  # nn computes on plain arrays still
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
