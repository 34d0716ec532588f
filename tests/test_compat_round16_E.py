"""DeepXDE 1.15.0 (PyTorch backend), neuraloperator 2.0.0 (with tensorly 0.10.0, tensorly-torch 0.5.0) and torchdyn
1.0.6 (with torchcde 0.2.5, torchdiffeq 0.2.5, torchsde 0.2.6, pytorch-lightning 2.6.6) from the package registry,
ported by the porting rule (every .py file) and run against the originals on PyTorch in float64. The failures these
tests pin down, each reproduced in a few lines (the packages themselves are never imported here): neuralop's
model-parallel helpers import `torch._utils._flatten_dense_tensors`; its BaseModel passes `assign=` to
`Module.load_state_dict`; its spectral convolutions contract through tensorly's opt_einsum plugin, which dispatches
on the tensors' module name and so calls `nn.tensordot(x, y, axes=...)` and `nn.transpose(x, axes)`; its Trainer
saves a state dict whose `_metadata` holds the constructor's `non_linearity=F.gelu`; torchdyn's adjoint
`autograd.Function` returns a 2-element gradient for a `t_span` of 5 points that needs no gradient (PyTorch ignores
it)."""
import io
import pickletools
import zipfile

import numpy as np
import pytest

import nn
import nn.functional as F


# ---- torch._utils (neuralop.mpu.mappings: `from torch._utils import _flatten_dense_tensors, ...`) --------------------

def test_flatten_and_unflatten_dense_tensors():
    from nn._utils import _flatten_dense_tensors, _unflatten_dense_tensors
    a = nn.arange(6.0).reshape(2, 3)
    b = nn.tensor([10.0, 11.0, 12.0, 13.0])
    flat = _flatten_dense_tensors([a, b])
    assert flat.shape == (10,)
    np.testing.assert_array_equal(flat.numpy(), [0, 1, 2, 3, 4, 5, 10, 11, 12, 13])
    back = _unflatten_dense_tensors(flat * 2, [a, b])
    assert isinstance(back, list) and [tuple(t.shape) for t in back] == [(2, 3), (4,)]
    np.testing.assert_array_equal(back[1].numpy(), [20, 22, 24, 26])
    np.testing.assert_array_equal(_flatten_dense_tensors([a]).numpy(), np.arange(6.0))   # one tensor: its view(-1)


# ---- load_state_dict(assign=True) (neuralop's BaseModel.load_state_dict(state_dict, strict, assign)) ---------------

def test_load_state_dict_assign_takes_the_given_values_themselves():
    m = nn.Linear(2, 3)                                   # float32 parameters
    weight = nn.tensor(np.arange(6.0).reshape(3, 2))      # float64
    bias = nn.tensor([1.0, 2.0, 3.0])
    result = m.load_state_dict({"weight": weight, "bias": bias}, assign=True)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert m.weight.dtype == nn.float64                   # the state dict's dtype, not the module's
    weight.add_(100.0)                                    # memory shared with the given tensor
    np.testing.assert_array_equal(m.weight.detach().numpy(), np.arange(6.0).reshape(3, 2) + 100)
    # without assign the values are copied, cast to the parameter's dtype
    m2 = nn.Linear(2, 3)
    m2.load_state_dict({"weight": weight, "bias": bias})
    assert m2.weight.dtype == nn.float32
    weight.add_(1.0)
    assert m2.weight.detach().numpy()[0, 0] == 100.0


def test_load_state_dict_assign_parameters_and_buffers():
    m = nn.BatchNorm1d(2)
    m.weight.requires_grad_(False)
    given = nn.Parameter(nn.tensor([5.0, 6.0]))           # a Parameter (requires_grad True) takes the module's place,
    mean = nn.tensor([0.5, -0.5])                         # keeping the module's requires_grad (False), as PyTorch's
    sd = {"weight": given, "bias": nn.tensor([0.0, 1.0]), "running_mean": mean, "running_var": nn.ones(2),
          "num_batches_tracked": nn.tensor(7)}
    m.load_state_dict(sd, assign=True)
    assert m.weight is given and not given.requires_grad
    mean.mul_(2.0)
    np.testing.assert_array_equal(m.running_mean.numpy(), [1.0, -1.0])
    assert int(m.num_batches_tracked) == 7
    with pytest.raises(KeyError, match="size mismatch"):  # shapes are still checked
        nn.Linear(2, 3).load_state_dict({"weight": nn.zeros(2, 2), "bias": nn.zeros(3)}, assign=True)


# ---- opt_einsum's backend dispatch on nn tensors (tensorly's use_opt_einsum in neuralop's SpectralConv) -------------

def test_tensordot_takes_numpys_axes_keyword():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 3, 5))
    out = nn.tensordot(nn.tensor(a), nn.tensor(b), axes=((1, 2), (1, 0)))      # opt_einsum: fn(x, y, axes=axes)
    np.testing.assert_allclose(out.numpy(), np.tensordot(a, b, axes=((1, 2), (1, 0))), rtol=1e-13)
    np.testing.assert_allclose(nn.tensordot(nn.tensor(a), nn.tensor(b[:, :, 0].T), axes=2).numpy(),
                               np.tensordot(a, b[:, :, 0].T, axes=2), rtol=1e-13)


def test_transpose_with_one_permutation_is_numpys_transpose():
    x = nn.arange(24.0).reshape(2, 3, 4).requires_grad_()
    y = nn.transpose(x, (2, 0, 1))                        # opt_einsum: backend.transpose(x, axes)
    assert y.shape == (4, 2, 3)
    np.testing.assert_array_equal(y.detach().numpy(), np.transpose(np.arange(24.0).reshape(2, 3, 4), (2, 0, 1)))
    (y * nn.arange(24.0).reshape(4, 2, 3)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.transpose(np.arange(24.0).reshape(4, 2, 3), (1, 2, 0)))
    assert nn.transpose(x, 0, 2).shape == (4, 3, 2)        # PyTorch's form unchanged
    with pytest.raises(TypeError, match='^transpose\\(\\) missing 1 required positional arguments: "dim1"$'):
        nn.transpose(x, 0)


def test_opt_einsum_contracts_nn_tensors():
    oe = pytest.importorskip("opt_einsum")
    rng = np.random.default_rng(1)
    x, w1, w2 = rng.standard_normal((2, 3, 5)), rng.standard_normal((3, 4)), rng.standard_normal((4, 5, 6))
    expr = oe.contract_expression("bik,ij,jkl->bl", x.shape, w1.shape, w2.shape, optimize="optimal")
    out = expr(nn.tensor(x), nn.tensor(w1), nn.tensor(w2))
    assert isinstance(out, nn.Tensor)
    np.testing.assert_allclose(out.numpy(), np.einsum("bik,ij,jkl->bl", x, w1, w2), rtol=1e-12)


# ---- nn.save of a function (neuralop's checkpoint: state_dict()['_metadata']['non_linearity'] = F.gelu) ------------

def test_save_writes_functions_and_classes_by_name():
    buf = io.BytesIO()
    nn.save({"w": nn.ones(2), "_metadata": {"non_linearity": F.gelu, "cls": nn.Linear, "n_layers": 4}}, buf)
    data = zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("archive/data.pkl")
    globals_ = [arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"]
    assert f"{F.gelu.__module__} gelu" in globals_ and f"{nn.Linear.__module__} Linear" in globals_
    # reading it back refuses the globals, as torch.load does by default (weights_only=True)
    with pytest.raises(ValueError, match="Weights only load failed"):
        nn.load(io.BytesIO(buf.getvalue()))
    # other objects are pickled as torch.save pickles them (the seventeenth round: tests/test_compat_round17_E.py),
    # and refused by the default load as well
    other = io.BytesIO()
    nn.save({"obj": object()}, other)
    with pytest.raises(ValueError, match="Weights only load failed"):
        nn.load(io.BytesIO(other.getvalue()))


# ---- autograd.Function: a gradient for an input that needs none is ignored (torchdyn's adjoint) -------------------

def _scale_function(lib):
    """lib's (nn's or torch's) autograd.Function x * t.sum() whose backward returns for t a gradient of the wrong
    shape, as torchdyn's adjoint does for t_span."""
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, t):
            ctx.save_for_backward(t)
            return x * t.sum()

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * t.sum(), lib.zeros(2)
    return Scale


_Scale = _scale_function(nn)


def test_function_gradient_for_input_without_grad_is_ignored():
    x = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    t = nn.linspace(0, 1, 5)                               # needs no gradient: its (2,) gradient is dropped
    _Scale.apply(x, t).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.5, 2.5, 2.5])
    assert t.grad is None
    t.requires_grad_()                                     # one that needs it must have its input's shape
    x.grad = None
    with pytest.raises(RuntimeError, match="shape"):
        _Scale.apply(x, t).sum().backward()


def test_function_with_torch():
    torch = pytest.importorskip("torch")
    Scale = _scale_function(torch)
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    Scale.apply(x, torch.linspace(0, 1, 5)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.5, 2.5, 2.5])
    m = torch.nn.Linear(2, 3)
    w = torch.arange(6.0, dtype=torch.float64).reshape(3, 2)
    m.load_state_dict({"weight": w, "bias": torch.zeros(3, dtype=torch.float64)}, assign=True)
    assert m.weight.dtype == torch.float64 and m.weight.requires_grad
    w.add_(100.0)
    assert m.weight[0, 0].item() == 100.0
