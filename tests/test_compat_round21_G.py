"""pytorch-pfn-extras 0.9.0 and torchcrepe 0.0.24 from the package registry (``pip install --no-deps``), ported by the
porting rule (every .py file; renamed pytorch_pfn_extrasp and torchcrepep) and run against the originals on PyTorch
2.13: ppe's Trainer / Evaluator (create_trainer / create_evaluator) with LogReport, PrintReport, LRScheduler,
observe_lr, observe_value, MicroAverage, FailOnNonNumber and snapshot (resumed from the other side's snapshot), its
lazy modules, ExtendedSequential.repeat, Ensure, reporting (report, Summary, DictSummary), ops.register,
utils.checkpoint and the tabular datasets; torchcrepe's CREPE (tiny and full) on its shipped weights in float32 and
float64, predict with the argmax / weighted_argmax / viterbi decoders, periodicity, embed, filters and thresholds.
torchcrepe ran unchanged; the failures these tests pin down, each in a few lines (the packages are never imported
here), are ppe's:
- at import, ``torch.utils.data._utils.collate.default_collate`` as an attribute path (nn's ``_utils`` package was
  not imported by ``nn.utils.data``), ``torch._subclasses.fake_tensor.unset_fake_temporarily`` (nn._subclasses was
  not an attribute of nn and had no such name), ``torch.utils.checkpoint.CheckpointFunction`` (subclassed by
  ppe.utils.checkpoint; nn had none) and ``torch.library.Library`` (ppe.ops defines its namespace "ppe" at import;
  nn had none), with ``torch._C._dispatch_find_schema_or_throw`` / ``_dispatch_call_boxed`` by which ppe's ops call
  one another;
- ppe's lazy modules build ``Conv2d(0, ...)`` / ``Linear(0, ...)`` (PyTorch accepts zero channels and features; nn
  refused them) and hold ``torch.nn.Parameter()`` (no data: an empty float tensor; nn required data); loading a
  state dict into one, their hook resizes the empty buffers by ``module.running_mean.resize_(n)`` (nn resized a copy,
  not the module's buffer) and leaves ``num_features`` None (nn's BatchNorm forward compared the input with it;
  PyTorch's does not read it)."""
import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

import nn

_COUNTER = itertools.count()


# ---- names ppe reaches at import: nn.utils.data._utils, nn._subclasses.fake_tensor --------------------------------

def test_attribute_paths_after_import_nn():
    # a fresh process: in this one another test may have imported the submodules already
    code = ("import nn\n"
            "assert nn.utils.data._utils.collate.default_collate is nn.utils.data.default_collate\n"
            "with nn._subclasses.fake_tensor.unset_fake_temporarily() as mode:\n"
            "    assert mode is None\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert out.returncode == 0, out.stderr


# ---- torch.utils.checkpoint.CheckpointFunction (ppe.utils.checkpoint subclasses it) --------------------------------

def _linear_bn(double=True):
    nn.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    return m.double() if double else m


def test_checkpoint_function_values_and_gradients():
    x = np.random.default_rng(0).standard_normal((4, 3))
    plain, ckpt = _linear_bn(), _linear_bn()
    xa, xb = nn.tensor(x, requires_grad=True), nn.tensor(x, requires_grad=True)
    ya = plain(xa)
    yb = nn.utils.checkpoint.CheckpointFunction.apply(ckpt, True, xb)
    np.testing.assert_allclose(yb.detach().numpy(), ya.detach().numpy(), rtol=1e-13)
    assert yb.requires_grad and yb.grad_fn is not None
    (ya ** 3).sum().backward()
    (yb ** 3).sum().backward()
    np.testing.assert_allclose(xb.grad.numpy(), xa.grad.numpy(), rtol=1e-12, atol=1e-14)
    for p, q in zip(plain.parameters(), ckpt.parameters()):      # accumulated by the inner backward
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-12, atol=1e-13)
    # forward ran once without a graph and once more in backward: BatchNorm's running mean moved twice
    # (momentum 0.1, the same batch mean m: 0.9 * 0.9 * 0 + (1 - 0.81) m), as PyTorch's
    mean = (x @ plain[0].weight.detach().numpy().T + plain[0].bias.detach().numpy()).mean(0)
    np.testing.assert_allclose(ckpt[1].running_mean.numpy(), 0.19 * mean, rtol=1e-12)
    assert int(ckpt[1].num_batches_tracked) == 2


def test_checkpoint_function_subclass_and_finite_differences():
    calls = []

    class Patched(nn.utils.checkpoint.CheckpointFunction):       # ppe's _CheckpointFunction pattern
        @staticmethod
        def forward(ctx, run_function, preserve_rng_state, *args):
            calls.append(len(args))
            return super(Patched, Patched).forward(ctx, run_function, preserve_rng_state, *args)

    w = nn.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=nn.float64, requires_grad=True)

    def f(x, scale):
        return nn.tanh(x @ w) * scale
    x0 = np.array([[0.3, -0.7], [1.1, 0.2]])
    x = nn.tensor(x0, requires_grad=True)
    out = Patched.apply(f, False, x, 1.5)
    out.sum().backward()
    assert calls == [2]
    eps, wd = 1e-6, w.detach().numpy()
    fx = lambda z: (np.tanh(z @ wd) * 1.5).sum()            # noqa: E731
    num = np.array([[(fx(x0 + eps * e) - fx(x0 - eps * e)) / (2 * eps)
                     for e in np.eye(4)[i * 2:(i + 1) * 2].reshape(2, 2, 2)] for i in range(2)])
    np.testing.assert_allclose(x.grad.numpy(), num, rtol=1e-8)
    fw = lambda v: (np.tanh(x0 @ v) * 1.5).sum()            # noqa: E731
    numw = np.array([(fw(wd + eps * e) - fw(wd - eps * e)) / (2 * eps) for e in np.eye(4).reshape(4, 2, 2)])
    np.testing.assert_allclose(w.grad.numpy().ravel(), numw, rtol=1e-8)


def test_checkpoint_function_needs_an_output_with_grad():
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    y = nn.utils.checkpoint.CheckpointFunction.apply(lambda t: t.detach() * 2, True, x)
    np.testing.assert_array_equal(y.detach().numpy(), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="none of output has requires_grad=True"):
        y.sum().backward()


def test_checkpoint_function_as_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((4, 3))
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2)).double()
    ours = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    grads = []
    for lib, m in ((torch, theirs), (nn, ours)):
        xt = lib.tensor(x, requires_grad=True)
        (lib.utils.checkpoint.CheckpointFunction.apply(m, True, xt) ** 3).sum().backward()
        grads.append([np.asarray(xt.grad), np.asarray(m[0].weight.grad), np.asarray(m[1].running_var)])
    for a, b in zip(*grads):
        np.testing.assert_allclose(b, a, rtol=1e-12)


# ---- torch.library.Library, torch._C._dispatch_find_schema_or_throw / _dispatch_call_boxed (ppe.ops) --------------

def test_library_define_impl_and_call():
    ns = f"round21g_{next(_COUNTER)}"
    lib = nn.library.Library(ns, "DEF")
    assert lib.define("mul3(Tensor a, Tensor b) -> Tensor") == "mul3"
    assert lib.define("mul3.out(Tensor a, Tensor b) -> Tensor") == "mul3"       # (PyTorch's: the name only)
    with pytest.raises(AttributeError):
        getattr(nn.ops, ns).nothing
    x = nn.tensor([1.0, 2.0])
    with pytest.raises(NotImplementedError, match=f"Could not run '{ns}::mul3' with arguments from the 'CPU'"):
        getattr(nn.ops, ns).mul3(x, x)
    impl = nn.library.Library(ns, "IMPL", "CompositeExplicitAutograd")
    impl.impl("mul3", lambda a, b: a * b * 3)
    np.testing.assert_array_equal(getattr(nn.ops, ns).mul3(x, x).numpy(), [3.0, 12.0])
    np.testing.assert_array_equal(getattr(nn.ops, ns).mul3.default(x, x).numpy(), [3.0, 12.0])
    handle = nn._C._dispatch_find_schema_or_throw(f"{ns}::mul3", "")
    np.testing.assert_array_equal(nn._C._dispatch_call_boxed(handle, x, nn.tensor([1.0, 1.0])).numpy(), [3.0, 6.0])
    with pytest.raises(RuntimeError, match=f"Could not find schema for {ns}::nope."):
        nn._C._dispatch_find_schema_or_throw(f"{ns}::nope", "")


def test_library_autograd_kernel_runs_first():
    ns = f"round21g_{next(_COUNTER)}"
    lib = nn.library.Library(ns, "DEF")
    lib.define("sq(Tensor a) -> Tensor")
    nn.library.Library(ns, "IMPL", "CompositeExplicitAutograd").impl("sq", lambda a: a * a)

    class Sq(nn.autograd.Function):          # ppe.ops.register's RunBackward pattern: a made-up backward 3 x g
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            return 3 * g * ctx.saved_tensors[0]
    nn.library.Library(ns, "IMPL", "Autograd").impl("sq", Sq.apply)
    x = nn.tensor([1.0, 2.0], requires_grad=True)
    y = getattr(nn.ops, ns).sq(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), [1.0, 4.0])
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 6.0])          # PyTorch's: the Autograd kernel ran


def test_library_errors():
    ns = f"round21g_{next(_COUNTER)}"
    with pytest.raises(ValueError, match="Unsupported kind: XX"):
        nn.library.Library(ns, "XX")
    lib = nn.library.Library(ns, "DEF")
    with pytest.raises(RuntimeError, match=f"Only a single TORCH_LIBRARY can be used to register the namespace {ns}"):
        nn.library.Library(ns, "DEF")
    nn.library.Library(ns, "FRAGMENT")
    lib.define("f(Tensor a) -> Tensor")
    with pytest.raises(RuntimeError, match="with the same name and overload name multiple times"):
        lib.define("f(Tensor a) -> Tensor")
    with pytest.raises(TypeError, match="Input function is required to be a callable"):
        lib.impl("f", 3)
    with pytest.raises(ValueError, match="aten is a reserved namespace"):
        nn.library.Library("aten", "DEF")


def test_library_as_pytorch():
    torch = pytest.importorskip("torch")
    out = []
    for lib in (torch, nn):
        ns = f"round21g_{next(_COUNTER)}"
        defs = lib.library.Library(ns, "DEF")
        name = defs.define("g(Tensor a) -> Tensor")
        impl = lib.library.Library(ns, "IMPL", "CompositeExplicitAutograd")   # (PyTorch drops a deleted one's kernels)
        impl.impl("g", lambda a: a + 1)
        h = lib._C._dispatch_find_schema_or_throw(f"{ns}::g", "")
        out.append((name, float(lib._C._dispatch_call_boxed(h, lib.tensor(2.0)))))
    assert out[0] == out[1] == ("g", 3.0)


# ---- nn.Parameter() and layers of zero features / channels (ppe.nn.LazyLinear / LazyConv2d) -------------------------

def test_parameter_without_data_is_empty():
    p = nn.Parameter()
    assert p.shape == (0,) and p.dtype is nn.float32 and p.requires_grad
    assert nn.Parameter(requires_grad=False).requires_grad is False
    old = nn.get_default_dtype()
    nn.set_default_dtype(nn.float64)
    try:
        assert nn.Parameter().dtype is nn.float64
    finally:
        nn.set_default_dtype(old)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
def test_layers_with_zero_features_or_channels():
    assert nn.Linear(0, 4).weight.shape == (4, 0)
    assert nn.Linear(3, 0).weight.shape == (0, 3) and nn.Linear(3, 0).bias.shape == (0,)
    conv = nn.Conv2d(0, 4, 3)
    assert conv.weight.shape == (4, 0, 3, 3) and conv.bias.shape == (4,) and conv.in_channels == 0
    assert nn.Conv2d(2, 0, 3).weight.shape == (0, 2, 3, 3)
    assert nn.Conv1d(0, 3, 2).weight.shape == (3, 0, 2)
    assert nn.Conv3d(0, 2, 1).weight.shape == (2, 0, 1, 1, 1)
    assert nn.ConvTranspose2d(0, 2, 3).weight.shape == (0, 2, 3, 3)
    with pytest.raises(RuntimeError, match=r"^Trying to create tensor with negative dimension -1: \[2, -1\]$"):
        nn.Linear(-1, 2)


# ---- ppe's lazy load hook: buffer.resize_(...) and a BatchNorm whose num_features is None -------------------------

def test_resize_of_a_buffer_resizes_the_module_buffer():
    m = nn.Module()
    m.register_buffer("b", nn.tensor([]))
    m.b.resize_(4)                              # PyTorch's: the buffer itself (the attribute is that tensor)
    assert m.b.shape == (4,) and m.state_dict()["b"].shape == (4,)
    m.load_state_dict({"b": np.arange(4.0)})
    np.testing.assert_array_equal(m.b.numpy(), [0.0, 1.0, 2.0, 3.0])


def test_batchnorm_forward_does_not_read_num_features():
    bn = nn.BatchNorm1d(3).double()
    bn.num_features = None                      # ppe's LazyBatchNorm after a state-dict load
    x = np.random.default_rng(0).standard_normal((5, 3))
    y = bn(nn.tensor(x)).detach().numpy()
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-12)
