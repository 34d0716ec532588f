"""Spiking neural networks from the package registry: snntorch 1.0.0 and norse 1.1.0 (with nir 1.0.8 and nirtorch
2.6, which norse imports at the top, installed with --no-deps; h5py, which nir imports, a name-only stand-in on both
sides), ported by the porting rule (every .py file; the packages renamed snntorchp and norsep in their import lines)
and run against the originals on PyTorch 2.13 with PyTorch's weights and the same NumPy inputs, in float64 where the
packages allow it (snntorch's spikes are float32 on purpose: its recurrent layers, SLSTM and a convolutional SNN ran
in float32): snntorch's Leaky, Synaptic, Alpha, Lapicque, RLeaky, RSynaptic, SLSTM, SConv2dLSTM, LeakyParallel,
StateLeaky, LinearLeaky, AssociativeLeaky, BatchNormTT1d / 2d, GradedSpikes with their reset mechanisms, reset
delays, init_hidden / output, inhibition, learnable beta / threshold / graded spikes and every surrogate gradient;
spikegen (rate with one NumPy Bernoulli stream, latency, delta, the target codes), the losses and accuracies, BPTT /
TBPTT / RTRL and utils; norse's LIF family (cells, recurrent, box, AdEx, Ex, refractory, multi-compartment, Coba),
LSNN, Izhikevich, LI, IAF, the encoders (Poisson with one NumPy stream), SequentialState, Lift, the threshold
surrogates, state tuples, its conv nets, and norse's own test suite ported.

The failures these tests pin down, each in a few lines (neither package is imported here): ``import norse`` failed
on ``torch.utils._pytree._namedtuple_flatten`` / ``_namedtuple_unflatten`` (norse registers its state tuples with
them), on ``torch.nn.common_types`` (``_size_2_t`` for LConv2d) and on ``torch.nn.Module.type`` (norse annotates
with ``SNNCell.type``; nn's Module had no ``type``); norse's ``lif_step`` calls ``F.linear`` with a 1-D weight,
which PyTorch takes as matmul's vector and nn refused; snntorch's Lapicque with R and C and ``learn_beta`` makes a
bool Parameter, and Alpha with ``learn_alpha`` assigns a tensor over a Parameter: both are refused by both, nn in
its own words (PyTorch's "Only Tensors of floating point and complex dtype can require gradients" and "cannot
assign 'torch.FloatTensor' as parameter 'alpha' (torch.nn.Parameter or None expected)"); a loss weight of the
wrong shape met nn's own broadcast message, not PyTorch's "The size of tensor a (4) must match the size of tensor
b (6) at non-singleton dimension 1".
"""
from typing import NamedTuple, Tuple, Union

import numpy as np
import pytest

import nn
import nn.functional as F


# ---- import norse: the pytree helpers, torch.nn.common_types, Module.type ---------------------------------------

def test_pytree_namedtuple_helpers_register_a_state_tuple():
    from nn.utils._pytree import (_namedtuple_flatten, _namedtuple_unflatten, _tuple_flatten, _tuple_unflatten,
                                  register_pytree_node, tree_flatten, tree_map, tree_unflatten)

    class _Base(NamedTuple):
        v: object
        i: object

    class State(_Base):              # norse's state tuples: a subclass of a NamedTuple, registered by hand
        pass

    register_pytree_node(State, _namedtuple_flatten, _namedtuple_unflatten)
    s = State(v=nn.tensor([1.0, 2.0]), i=nn.tensor([3.0]))
    assert _namedtuple_flatten(s) == ([s.v, s.i], State)
    leaves, spec = tree_flatten(s)
    assert len(leaves) == 2
    back = tree_unflatten([x * 2 for x in leaves], spec)
    assert type(back) is State and back.v.tolist() == [2.0, 4.0]
    doubled = tree_map(lambda x: x + 1, s)
    assert type(doubled) is State and doubled.i.tolist() == [4.0]
    assert _tuple_flatten((1, 2)) == ([1, 2], None) and _tuple_unflatten([1, 2], None) == (1, 2)


def test_common_types_are_pytorchs_aliases():
    from nn.common_types import _maybe_indices_t, _ratio_2_t, _size_1_t, _size_2_opt_t, _size_2_t, _size_any_t
    assert _size_2_t == Union[int, Tuple[int, int]]
    assert _size_1_t == Union[int, Tuple[int]]
    assert _size_any_t == Union[int, Tuple[int, ...]]
    assert _size_2_opt_t == Union[int, None, Tuple[Union[int, None], Union[int, None]]]
    assert _ratio_2_t == Union[float, Tuple[float, float]]
    assert _maybe_indices_t == Union[nn.Tensor, Tuple[nn.Tensor, nn.Tensor]]


def test_module_type_casts_every_parameter_and_buffer_and_returns_self():
    m = nn.BatchNorm1d(3)
    assert m.type(nn.float64) is m
    assert m.weight.dtype == nn.float64 and isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert m.running_mean.dtype == nn.float64
    assert m.num_batches_tracked.dtype == nn.float64        # integer buffers too, as PyTorch's
    m.type("torch.FloatTensor")
    assert m.weight.dtype == nn.float32 and m.num_batches_tracked.dtype == nn.float32
    assert callable(nn.Module.type)                         # norse: `activation: SNNCell.type = LIBoxCell`


# ---- F.linear with a 1-D weight (norse's lif_step) --------------------------------------------------------------

def test_linear_with_a_vector_weight_is_matmul():
    x = nn.tensor([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]], dtype=nn.float64, requires_grad=True)
    w = nn.tensor([2.0, -3.0], dtype=nn.float64, requires_grad=True)
    y = F.linear(x, w)
    assert y.shape == (3,) and y.tolist() == [-4.0, 9.0, -0.5]
    (y * nn.tensor([1.0, 2.0, 3.0], dtype=nn.float64)).sum().backward()
    np.testing.assert_allclose(x.grad, [[2.0, -3.0], [4.0, -6.0], [6.0, -9.0]])
    np.testing.assert_allclose(w.grad, [1.0 + 6.0 + 1.5, 2.0 - 2.0 + 1.5])
    v = F.linear(nn.ones(2), nn.ones(2), nn.tensor(0.5))          # 1-D input: a 0-d result, a 0-d bias added
    assert v.shape == () and v.item() == 2.5
    assert F.linear(nn.ones(4, 3, 2), nn.ones(2), nn.tensor(1.0)).shape == (4, 3)


@pytest.mark.parametrize("xs, bias", [((3, 2), ()), ((3, 2), (1,)), ((2,), (1,)), ((4, 3, 2), (3,))])
def test_linear_vector_weight_with_a_bias_pytorchs_addmm_refuses(xs, bias):
    with pytest.raises(RuntimeError, match="mat2 must be a matrix, got 1-D tensor"):
        F.linear(nn.ones(xs), nn.ones(2), nn.ones(bias))


def test_linear_vector_weight_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for xs, bs in [((2,), None), ((5, 2), None), ((4, 3, 2), ()), ((2,), ())]:
        x, w = rng.standard_normal(xs), rng.standard_normal(2)
        b = None if bs is None else rng.standard_normal(bs)
        ours = F.linear(nn.tensor(x), nn.tensor(w), None if b is None else nn.tensor(b))
        theirs = torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-14)


# ---- PyTorch's words: requires_grad on integer tensors, assigning over a parameter, broadcasting -----------------

def test_integer_tensors_cannot_require_grad_in_pytorchs_words():
    every = "Only Tensors of floating point and complex dtype can require gradients"
    with pytest.raises(RuntimeError, match=every):
        nn.Parameter(nn.tensor(False))          # snntorch's Lapicque(R=..., C=..., learn_beta=True): beta=False
    with pytest.raises(RuntimeError, match=every):
        nn.Parameter(nn.tensor([1, 2]))
    with pytest.raises(RuntimeError, match=every):
        nn.zeros(2, dtype=nn.long, requires_grad=True)
    with pytest.raises(RuntimeError, match="^only Tensors of floating point dtype can require gradients$"):
        nn.tensor([1]).requires_grad_()


def test_assigning_a_tensor_over_a_parameter_names_its_type():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"^cannot assign 'nn.DoubleTensor' as parameter 'weight' "
                                        r"\(nn.Parameter or None expected\)$"):
        m.weight = nn.zeros(2, 2, dtype=nn.float64)
    with pytest.raises(TypeError, match=r"^cannot assign 'float' as parameter 'bias'"):
        m.bias = 3.0
    with pytest.raises(TypeError, match=r"^cannot assign 'nn.FloatTensor' object to parameter 'p' "
                                        r"\(nn.Parameter or None required\)$"):
        m.register_parameter("p", nn.zeros(1))
    m.fc = nn.Linear(1, 1)
    with pytest.raises(TypeError, match=r"^cannot assign 'int' as child module 'fc' \(nn.Module or None expected\)$"):
        m.fc = 3


@pytest.mark.parametrize("a, b, words", [
    ((6, 4), (6,), "The size of tensor a (4) must match the size of tensor b (6) at non-singleton dimension 1"),
    ((2, 3, 4), (5, 1), "The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 1"),
    ((3, 1, 2), (4, 3, 2), "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0"),
    ((5,), (2, 5, 3), "The size of tensor a (5) must match the size of tensor b (3) at non-singleton dimension 2"),
])
def test_shapes_that_do_not_broadcast_in_pytorchs_words(a, b, words):
    with pytest.raises(RuntimeError) as caught:
        nn.ones(a) * nn.ones(b)                 # snntorch's mse_count_loss with a weight of the wrong shape
    assert str(caught.value) == words
    with pytest.raises(RuntimeError, match=r"^The size of tensor a"):
        nn.ones(a) + nn.ones(b)
