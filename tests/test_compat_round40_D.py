"""lucidrains' titok-pytorch 0.0.5, lumiere-pytorch 0.0.24 and robotic-transformer-pytorch 0.2.3 (installed with
--no-deps from their wheels, with the packages they import ported too: vector-quantize-pytorch 1.32.0, x-transformers
2.31.10, classifier-free-guidance-pytorch 0.7.1, hyper-connections 0.4.11, local-attention 1.11.2,
rotary-embedding-torch 0.9.1 and torch-einops-utils 0.2.0; beartype, jaxtyping, loguru, einops and einx real;
transformers, open_clip, environs, ftfy and regex name-only stubs on both sides, the T5 text encoder replaced on both
sides by a hash-embedding stand-in registered in classifier-free-guidance's CONDITION_CONFIG), ported by the porting
rule and run against the originals on PyTorch 2.13 with PyTorch's weights loaded into nn's and every draw handed over
(randint, randperm, randn, randn_like, rand_like, bernoulli_, uniform_, multinomial, dropout masks and Python's random
from one NumPy stream per side): TiTok's tokenizer (x-transformers encoder / decoder in twenty configurations, its
VectorQuantize with EMA, cosine, k-means, learnable, dead-code, stochastic, multi-head and directional codebooks; FSQ
and LFQ alone), Lumiere and MP-Lumiere around a small 2-D U-Net (temporal convolution / attention inflation, temporal
down / upsampling, hooks) and RT-1 (MaxViT with MBConv, squeeze-excitation, block / grid attention, TokenLearner,
the transformer head, FiLM and cross-attention text conditioning, classifier-free guidance), in float64: outputs,
gradients, weights after three Adam steps, eval outputs and token ids agree to 1e-13 or better (float32 at its
rounding).

The differences of nn these tests pin down (the packages are not imported here):

- MP-Lumiere's magnitude-preserving convolutions call ``F.conv1d(x, weight, padding='same')`` and
  ``F.conv2d(x, weight, padding='same')`` with the kernel sizes a user picks (``conv1d_kernel_size``,
  ``conv2d_kernel_size``); with an even kernel (and an odd dilation) PyTorch warns once per process "Using
  padding='same' with even kernel lengths and odd dilation may require a zero-padded copy of the input be created"
  (a UserWarning at the caller's line); nn padded the same way but said nothing.

- Lumiere's pre-hook (auto_repeat_tensors_for_time, on every module of the wrapped U-Net) takes each call's
  ``(rest_args, kwargs)`` apart with ``torch.utils._pytree.tree_flatten`` and builds it again with ``tree_unflatten``:
  nn's pytree took a ``defaultdict`` apart but could not rebuild it (TypeError: first argument must be callable or
  None), kept a ``deque`` whole where PyTorch takes it apart (keeping its maxlen), and took subclasses of dict, list
  and tuple apart (rebuilt by calling the subclass) where PyTorch's pytree leaves them whole.

The other tests pin by hand-computed values the idioms the ports leaned on.
"""
import collections
import sys
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F

WORDS = ("Using padding='same' with even kernel lengths and odd dilation may require a zero-padded copy of the input "
         "be created")


@pytest.fixture
def fresh_warning(monkeypatch):
    """The once-per-process flag of the warning, cleared for the test (and restored after it)."""
    monkeypatch.setattr(sys.modules["nn.functional.convolution"], "_SAME_UNEVEN_WARNED", [])


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [w for w in caught if "padding='same'" in str(w.message)]


# ---- padding='same' with an even kernel: PyTorch's once-per-process warning -----------------------------------------

def test_conv1d_same_even_kernel_warns_once_at_the_callers_line(fresh_warning):
    # MP-Lumiere's Conv1d with conv1d_kernel_size=2: F.conv1d(x, weight, padding='same')
    x = nn.tensor([[[1., 2., 3., 4.]]])
    w = nn.tensor([[[1., 10.]]])
    y, caught = _caught(lambda: F.conv1d(x, w, padding="same"))
    # total padding 1 goes to the right, as PyTorch: y[i] = x[i] + 10 x[i + 1]
    np.testing.assert_allclose(y.numpy(), [[[21., 32., 43., 4.]]])
    assert [(w_.category, str(w_.message)) for w_ in caught] == [(UserWarning, WORDS)]
    assert caught[0].filename == __file__
    _, again = _caught(lambda: F.conv1d(x, w, padding="same"))
    assert again == []                                      # once per process, as TORCH_WARN_ONCE


def test_same_padding_warns_only_where_a_dim_cannot_split_evenly(fresh_warning):
    x = nn.ones(1, 1, 5, 5)
    for k, d in ((3, 1), (4, 2), (1, 1)):                   # totals d (k - 1) = 2, 6, 0: symmetric, silent
        _, caught = _caught(lambda: F.conv2d(x, nn.ones(1, 1, k, k), padding="same", dilation=d))
        assert caught == [], (k, d)
    y, caught = _caught(lambda: F.conv2d(x, nn.ones(1, 1, 3, 2), padding="same"))     # width's total 1
    assert len(caught) == 1 and tuple(y.shape) == (1, 1, 5, 5)
    # the sum of each 3 x 2 window, the extra zero column at the right
    np.testing.assert_allclose(y.numpy()[0, 0, 2], [6., 6., 6., 6., 3.])


def test_conv3d_same_uneven_depth_warns(fresh_warning):
    y, caught = _caught(lambda: F.conv3d(nn.ones(1, 1, 3, 3, 3), nn.ones(1, 1, 2, 3, 3), padding="same"))
    assert [str(w_.message) for w_ in caught] == [WORDS]
    np.testing.assert_allclose(y.numpy()[0, 0, :, 1, 1], [18., 18., 9.])    # the extra depth slice at the end


def test_conv_layers_with_same_padding_and_even_kernels_warn(fresh_warning):
    # MP-Lumiere's Conv2d(dim, dim, conv2d_kernel_size) with an even size; nn.Conv1d(..., padding='same') as well
    _, caught = _caught(lambda: nn.Conv1d(2, 2, 4, padding="same")(nn.ones(1, 2, 6)))
    assert [str(w_.message) for w_ in caught] == [WORDS]


def test_same_padding_matches_pytorch_with_even_kernels():
    # (a pin: the values were PyTorch's before the round; the warning must not change them)
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 2, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding="same").numpy()
        got = F.conv2d(nn.tensor(x), nn.tensor(w), padding="same").numpy()
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


# ---- torch.utils._pytree's node types, as PyTorch's ------------------------------------------------------------------

def test_pytree_rebuilds_a_defaultdict_with_its_factory():
    from nn.utils._pytree import tree_flatten, tree_map, tree_unflatten
    # Lumiere's pre-hook: all_rest_args, spec = tree_flatten((rest_args, kwargs)); ...; tree_unflatten(out, spec)
    kwargs = collections.defaultdict(list, {"time": nn.ones(2), "scale": 3})
    leaves, spec = tree_flatten(((nn.zeros(1),), kwargs))
    assert len(leaves) == 3 and spec.num_leaves == 3
    (rest, back) = tree_unflatten(leaves, spec)
    assert type(back) is collections.defaultdict and back.default_factory is list and list(back) == ["time", "scale"]
    assert back["time"] is kwargs["time"] and back["missing"] == []
    doubled = tree_map(lambda v: v * 2, collections.defaultdict(int, {"a": 1, "b": 2}))
    assert doubled == {"a": 2, "b": 4} and doubled.default_factory is int
    assert spec.children_specs[1].context == [list, ["time", "scale"]]      # PyTorch's [default_factory, keys]


def test_pytree_takes_a_deque_apart_keeping_its_maxlen():
    from nn.utils._pytree import tree_flatten, tree_is_leaf, tree_unflatten
    d = collections.deque([1, 2], maxlen=3)
    leaves, spec = tree_flatten({"a": d})
    assert leaves == [1, 2] and not tree_is_leaf(d)
    back = tree_unflatten([5, 6], spec)["a"]
    assert type(back) is collections.deque and back.maxlen == 3 and list(back) == [5, 6]


def test_pytree_leaves_subclasses_of_dict_list_and_tuple_whole():
    from nn.utils._pytree import tree_flatten, tree_is_leaf, tree_unflatten

    class Batch(dict):                     # e.g. a mapping type of the caller's that PyTorch's pytree does not know
        def __init__(self, *, images):
            super().__init__(images=images)

    class Frames(list):
        pass

    class Pair(tuple):
        pass

    tree = [Batch(images=nn.ones(1)), Frames([1, 2]), Pair((3, 4)), (5, [6])]
    leaves, spec = tree_flatten(tree)
    assert leaves[:3] == tree[:3] and leaves[3:] == [5, 6] and spec.num_leaves == 5
    assert all(tree_is_leaf(t) for t in tree[:3]) and not tree_is_leaf(tree[3])
    back = tree_unflatten(leaves, spec)
    assert back[0] is tree[0] and back[1] is tree[1] and back[2] is tree[2] and back[3] == (5, [6])
    # namedtuples (nn's return types too) and Size are still taken apart
    assert len(tree_flatten(nn.tensor([[1., 3.]]).max(0))[0]) == 2 and tree_flatten(nn.Size([2, 3]))[0] == [2, 3]


def test_pytree_node_types_match_pytorchs():
    torch = pytest.importorskip("torch")
    import torch.utils._pytree as tp
    import nn.utils._pytree as np_

    class D(dict):
        pass

    trees = [collections.defaultdict(list, {"z": 1, "y": [2, 3]}), collections.deque([1, (2, 3)], maxlen=4),
             D(a=1), [D(a=1), collections.OrderedDict(b=2)], {"a": collections.deque([None])}]
    for tree in trees:
        lt, st = tp.tree_flatten(tree)
        ln, sn = np_.tree_flatten(tree)
        assert lt == ln and st.num_leaves == sn.num_leaves
        assert repr(tp.tree_unflatten(lt, st)) == repr(np_.tree_unflatten(ln, sn))
        assert tp.tree_is_leaf(tree) == np_.tree_is_leaf(tree)


# ---- idioms the ports leaned on, by hand-computed values -------------------------------------------------------------

def test_lumiere_bilinear_kernel_init_through_a_diagonal_mask():
    # init_bilinear_kernel_1d_: conv.weight.data[torch.eye(channels).bool()] = Tensor([0.5, 1., 0.5])
    conv = nn.Conv1d(3, 3, kernel_size=3, stride=2, padding=1)
    nn.init.zeros_(conv.weight)
    conv.weight.data[nn.eye(3).bool()] = nn.Tensor([0.5, 1., 0.5])
    w = conv.weight.detach().numpy()
    assert w.dtype == np.float32
    np.testing.assert_array_equal(w[[0, 1, 2], [0, 1, 2]], [[0.5, 1., 0.5]] * 3)
    assert np.count_nonzero(w) == 9


def test_lumiere_hooks_a_module_as_forward_hook_and_a_kwargs_pre_hook():
    # PostModuleHookWrapper (a Module called as hook(module, input, output)) and auto_repeat_tensors_for_time
    class Wrapper(nn.Module):
        def forward(self, _, inp, out):
            return out * 10

    seen = []

    def pre(module, args, kwargs):
        seen.append((len(args), sorted(kwargs)))
        return (args[0] + 1,), kwargs

    m = nn.Identity()
    handle = m.register_forward_hook(Wrapper())
    m.register_forward_pre_hook(pre, with_kwargs=True)
    np.testing.assert_array_equal(m(nn.ones(2)).numpy(), [20., 20.])
    handle.remove()
    np.testing.assert_array_equal(m(nn.ones(2)).numpy(), [2., 2.])
    assert seen == [(1, []), (1, [])]


def test_mp_lumiere_temporal_downsample_interpolates_time_bilinearly():
    # interpolate_1d: (b c t) -> (b c t 1), F.interpolate(x, (t // 2, 1), mode='bilinear'), half-pixel centres
    x = nn.arange(8.).reshape(1, 2, 4, 1)
    y = F.interpolate(x, (2, 1), mode="bilinear")
    np.testing.assert_allclose(y.numpy()[..., 0], [[[0.5, 2.5], [4.5, 6.5]]])


def test_rt1_dropsample_float_tensor_of_a_tuple_holds_its_values():
    # Dropsample: torch.FloatTensor((x.shape[0], 1, 1, 1), device=device) is a tensor OF those four numbers
    t = nn.FloatTensor((2, 1, 1, 1), device="cpu")
    assert t.dtype == nn.float32 and tuple(t.shape) == (4,)
    np.testing.assert_array_equal(t.numpy(), [2., 1., 1., 1.])
