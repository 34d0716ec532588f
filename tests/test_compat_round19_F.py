"""schnetpack 2.1.1 (atomistic neural networks) from the package registry, with its Lightning side (pytorch_lightning
2.6.6, lightning_fabric, torchmetrics 1.9.0, torch_ema 0.3), ported by the porting rule (every .py file; the packages
renamed schnetpackp, pytorch_lightningp, lightning_fabricp, torchmetricsp, torch_emap in their import lines) and run
against the originals on PyTorch 2.13 in float64 with PyTorch's weights, perturbed: inputs built by AtomsConverter
with the MatScipy, ASE and Torch neighbour lists (molecules and periodic cells); SchNet, PaiNN, SO3net and FieldSchNet
with Gaussian / Bessel / centred radial bases and cosine / mollifier cutoffs, shared interactions, nuclear and
electronic (charge, spin) embeddings; Atomwise, Forces (with stress through Strain), DipoleMoment, Polarizability and
Response (dipoles, polarizabilities, Hessians, dipole derivatives, shieldings by autograd); energy + force losses
trained with create_graph and 3 Adam steps; the Lightning AtomisticTask with ModelOutput losses and torchmetrics
metrics fitted by the Trainer from an ASEAtomsData database through AtomsLoader; the ASE SpkCalculator with a short
velocity-Verlet run; save / load both ways. The failures these tests pin down, each in a few lines (the packages are
never imported here): SO3net's Clebsch-Gordan products go through ``flip``, whose gradient could not be
differentiated again, so every SO3net force training (create_graph=True) failed; ``torch.FloatTensor`` (and the
other legacy typed constructors) given a tensor of another dtype converted it where PyTorch raises its TypeError
(schnetpack's GaussianRBF calls ``torch.FloatTensor`` on a float64 tensor, so with float64 as the default dtype it
fails on PyTorch and ran on nn)."""
import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck, gradgradcheck


# ---- flip differentiated twice (SO3net's SO3TensorProduct / SO3Convolution under Forces with create_graph) --------

def test_flip_gradient_can_be_differentiated_again():
    x = nn.tensor(np.array([[0.3, -1.2, 2.0], [0.7, 0.1, -0.4]]), requires_grad=True)
    w = nn.tensor(np.array([[1.5, -0.5, 2.5], [0.25, 3.0, -1.0]]))
    y = (nn.flip(x, (1,)) ** 3 * w).sum()
    (g,) = nn.autograd.grad(y, x, create_graph=True)
    # d/dx sum(flip(x)^3 w) = 3 x^2 * flip(w); its own gradient 6 x * flip(w)
    xs, ws = x.detach().numpy(), w.numpy()
    np.testing.assert_allclose(g.detach().numpy(), 3 * xs ** 2 * ws[:, ::-1], rtol=1e-14)
    (h,) = nn.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * xs * ws[:, ::-1], rtol=1e-14)


def test_flip_gradgradcheck():
    x = nn.tensor(np.random.default_rng(0).standard_normal((3, 2, 4)), requires_grad=True)
    for dims in ((0,), (1, 2), (0, 1, 2), (-1,)):
        assert gradcheck(lambda t: nn.flip(t, dims) * t, (x,))
        assert gradgradcheck(lambda t: nn.flip(t, dims) * t, (x,))
    z = nn.tensor(np.array(1.7), requires_grad=True)          # 0-d: flips to itself
    (g,) = nn.autograd.grad(nn.flip(z, (0,)) ** 2, z, create_graph=True)
    (h,) = nn.autograd.grad(g, z)
    assert float(g) == pytest.approx(3.4) and float(h) == pytest.approx(2.0)


def test_flip_second_derivative_matches_pytorch():
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(1).standard_normal((2, 3, 4))
    out = []
    for lib in (torch, nn):
        x = lib.tensor(data, requires_grad=True)
        y = (lib.flip(x, (0, 2)).sin() * x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (h,) = lib.autograd.grad((g ** 2).sum(), x)
        out.append((g.detach().numpy(), h.numpy()))
    np.testing.assert_allclose(out[1][0], out[0][0], rtol=1e-14)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-14)


# ---- legacy typed constructors take a tensor of their own dtype only (schnetpack's GaussianRBF) ----------------

_OPTIONS = ("TensorOptions(dtype={}, device=cpu, layout=Strided, requires_grad=false (default), "
            "pinned_memory=false (default), memory_format=(nullopt))")


def test_float_tensor_of_a_float64_tensor_is_pytorchs_type_error():
    message = f"expected {_OPTIONS.format('float')} (got {_OPTIONS.format('double')})"
    with pytest.raises(TypeError) as info:
        nn.FloatTensor(nn.ones(3, dtype=nn.float64))
    assert str(info.value) == message
    for cls, dtype, expected, got in ((nn.LongTensor, nn.bool, "long int", "bool"),
                                      (nn.DoubleTensor, nn.float32, "double", "float"),
                                      (nn.FloatTensor, nn.int64, "float", "long int"),
                                      (nn.IntTensor, nn.int8, "int", "signed char"),
                                      (nn.ByteTensor, nn.int16, "unsigned char", "short int")):
        with pytest.raises(TypeError) as info:
            cls(nn.zeros(2, dtype=dtype))
        assert str(info.value) == f"expected {_OPTIONS.format(expected)} (got {_OPTIONS.format(got)})"


def test_float_tensor_still_takes_its_own_dtype_sizes_and_data():
    t = nn.ones(3)
    same = nn.FloatTensor(t)
    same[0] = 5.0                                         # the same storage, as PyTorch's alias
    assert t.tolist() == [5.0, 1.0, 1.0]
    assert nn.FloatTensor([1, 2]).dtype == nn.float32 and nn.LongTensor([1.0, 2.0]).dtype == nn.int64
    assert tuple(nn.DoubleTensor(2, 3).shape) == (2, 3)
    assert nn.DoubleTensor(nn.zeros(2, dtype=nn.float64)).dtype == nn.float64


def test_float_tensor_message_matches_pytorch():
    torch = pytest.importorskip("torch")
    for name, dtype in (("FloatTensor", "float64"), ("LongTensor", "bool"), ("DoubleTensor", "int32"),
                        ("FloatTensor", "uint8")):
        messages = []
        for lib in (torch, nn):
            with pytest.raises(TypeError) as info:
                getattr(lib, name)(lib.zeros(2, dtype=getattr(lib, dtype)))
            messages.append(str(info.value))
        assert messages[0] == messages[1]
