"""Recurrent graph networks, 1.58-bit layers and preference-optimisation losses from the package registry:
torch-geometric-temporal 0.56.2 (on torch_geometric 2.8.1, ported with it), bitnet 0.2.5 (kyegomez's; zetascale's
SimpleRMSNorm and OutputHead files ported beside it) and self-rewarding-lm-pytorch 0.2.12 (with ema-pytorch 0.8.3,
pytorch-custom-utils 0.0.21, pytorch-warmup 0.2.0, torchtyping 0.1.5; accelerate as a single-process stand-in on both
sides), installed from their wheels with ``pip install --no-deps`` into a private folder, ported file by file by the
porting rule (PyG's .jinja templates too; files that bind a name ``nn`` of their own take the rule's alias form) and
run against the originals on PyTorch 2.13 in one process, float64, PyTorch's (perturbed) weights loaded into nn's
modules, the same NumPy inputs and the same draws (randn_like, multinomial, Gumbel noise from one NumPy stream per
side; dropout off). Compared: outputs, input and parameter gradients of a random projection, weights after Adam steps,
eval outputs: every recurrent and attention model of torch-geometric-temporal, its signals and splits, the README
training recipe; BitLinear / BitLinearNew, BitFeedForward, BitMGQA, BitNetTransformer, BitMoE, BitMamba (parallel
scan and sequential), AutoregressiveWrapper's loss and generate; DPO and SPIN losses, steps, EMA reference models,
``sample``, the DPO / SPIN / SFT trainers and SelfRewardingTrainer end to end. Outputs, gradients and weights agree
to 1e-12 of each set's largest entry or better (zero-gradient biases before batch norms aside), but GMAN's gradients,
where PyTorch's are wrong (below).

The one failure nn's side met, in a few lines (the packages are not imported here):

- bitnet's ``BitFeedForward(zero_init_output=True)`` calls ``nn.init.constant_(layer, 0.0)`` with the layer rather than
  its weight: PyTorch raises "AttributeError: 'BitLinear' object has no attribute 'fill_'" (the Tensor method its
  initialiser calls first); nn raised its own TypeError ("nn.init expects a Tensor, Parameter or ndarray, got
  BitLinear"). Every initialiser now raises PyTorch's AttributeError, naming the method PyTorch's calls first.

A guard, not a fix: GMAN's batch norm of a permuted input, where PyTorch 2.13's own gradients are wrong (below).
"""
import numpy as np
import pytest

import nn

# (initialiser, extra arguments, the Tensor attribute PyTorch 2.13's initialiser reads first)
INITS = [("uniform_", (), "uniform_"), ("normal_", (), "normal_"), ("constant_", (0.0,), "fill_"),
         ("ones_", (), "fill_"), ("zeros_", (), "zero_"), ("eye_", (), "ndimension"), ("dirac_", (), "ndimension"),
         ("xavier_uniform_", (), "dim"), ("xavier_normal_", (), "dim"), ("kaiming_uniform_", (), "shape"),
         ("kaiming_normal_", (), "shape"), ("trunc_normal_", (), "is_meta"), ("orthogonal_", (), "ndimension"),
         ("sparse_", (0.1,), "ndimension")]


class BitLinear(nn.Linear):
    pass


def _init_zero_(tensor):                    # bitnet.bit_ffn.init_zero_, called with the layer itself
    nn.init.constant_(tensor, 0.0)


def test_init_of_a_module_is_pytorchs_attribute_error():
    layer = BitLinear(4, 3)
    with pytest.raises(AttributeError, match=r"^'BitLinear' object has no attribute 'fill_'$"):
        _init_zero_(layer)
    _init_zero_(layer.weight)               # the intended call works
    assert not np.asarray(layer.weight.detach()).any()


@pytest.mark.parametrize("name,args,attribute", INITS)
def test_every_initialiser_refuses_a_non_tensor_in_pytorchs_words(name, args, attribute):
    init = getattr(nn.init, name)
    for obj, type_name in ((nn.Linear(2, 2), "Linear"), ([1.0, 2.0], "list"), (None, "NoneType")):
        with pytest.raises(AttributeError) as info:
            init(obj, *args)
        assert str(info.value) == f"'{type_name}' object has no attribute '{attribute}'"


def test_initialisers_still_fill_tensors_and_arrays():
    w = nn.empty(3, 4)
    nn.init.constant_(w, 2.5)
    np.testing.assert_array_equal(np.asarray(w.detach()), np.full((3, 4), 2.5, np.float32))
    a = np.ones((2, 3))
    nn.init.zeros_(a)
    assert not a.any()
    nn.init.eye_(a)
    np.testing.assert_array_equal(a, np.eye(2, 3))


def test_init_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    for name, args, _ in INITS:
        for theirs, ours in ((torch.nn.Linear(2, 2), nn.Linear(2, 2)), ([1.0], [1.0]), (None, None)):
            with pytest.raises(AttributeError) as expected:
                getattr(torch.nn.init, name)(theirs, *args)
            with pytest.raises(AttributeError) as got:
                getattr(nn.init, name)(ours, *args)
            assert str(got.value) == str(expected.value), name


# ---- batch norm of a permuted input (GMAN's Conv2D block: X.permute(0, 3, 2, 1) -> conv -> BatchNorm2d) ----------
# Not a fix: a guard. PyTorch 2.13's CPU batch_norm backward gives wrong input and weight gradients for an input that
# is channels-last-contiguous but not contiguous ((1, 1, N, D).permute(0, 3, 2, 1), GMAN's spatial embedding) with a
# contiguous output gradient: its GMAN's SE-branch gradients differ from central differences (weights of
# _fully_connected_se: -0.0128 where the difference quotient and nn give -0.5499). nn must keep the true gradient.

def test_batch_norm_gradient_of_a_permuted_input_is_the_true_one():
    rng = np.random.default_rng(0)
    x0, r, w0 = rng.normal(size=(1, 1, 6, 4)), rng.normal(size=(1, 4, 6, 1)), rng.uniform(0.5, 1.5, 4)

    def loss(x, w, training=True):
        xp = x.permute(0, 3, 2, 1)                         # (1, 4, 6, 1), strides of a channels-last layout
        rm, rv = nn.zeros(4, dtype=nn.float64), nn.ones(4, dtype=nn.float64) * 1.5
        y = nn.functional.batch_norm(xp, rm, rv, weight=w, training=training)
        return (y * nn.tensor(r)).sum()

    for training in (True, False):
        x = nn.tensor(x0, requires_grad=True)
        w = nn.tensor(w0, requires_grad=True)
        loss(x, w, training).backward()
        eps, fd_x, fd_w = 1e-6, np.zeros(x0.size), np.zeros(4)
        picked = [0, 5, 10, 15, 20, 23]                    # a few of the 24 input entries (central differences)
        for i in picked:
            d = np.zeros(x0.size)
            d[i] = eps
            d = d.reshape(x0.shape)
            fd_x[i] = (float(loss(nn.tensor(x0 + d), nn.tensor(w0), training))
                       - float(loss(nn.tensor(x0 - d), nn.tensor(w0), training))) / (2 * eps)
        for i in range(4):
            d = np.zeros(4)
            d[i] = eps
            fd_w[i] = (float(loss(nn.tensor(x0), nn.tensor(w0 + d), training))
                       - float(loss(nn.tensor(x0), nn.tensor(w0 - d), training))) / (2 * eps)
        np.testing.assert_allclose(np.asarray(x.grad).ravel()[picked], fd_x[picked], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(np.asarray(w.grad), fd_w, rtol=1e-6, atol=1e-8)
