"""Protein models from the package registry (lucidrains): protein-bert-pytorch 0.1.0, tr-rosetta-pytorch 0.0.3,
tranception-pytorch 0.0.8 and ddpm-proteins 0.0.11 (with einops-exts 0.0.4 and tqdm 4.70.1; fire, seaborn and
sidechainnet's ProteinVocabulary as name-only stand-ins, torchvision as a name-only module and the four transforms
ddpm-proteins' Dataset uses written in PyTorch and ported), installed from their wheels with ``pip install --no-deps``
into a private folder, ported file by file by the porting rule and run against the originals on PyTorch 2.13 in one
process: float64 (and float32 as shipped), PyTorch's (perturbed) weights loaded into nn's, the same NumPy inputs and
the same draws (randn, randn_like, rand, randint, the dropout masks and the loader's shuffle read one NumPy stream per
side). Compared: ProteinBERT in five configurations (GLU convs, local self-attention, local-to-global attention, two
global tokens; masks) and its PretrainingWrapper's noising, loss and Adam steps; Tranception (causal and not, four
head groups of depthwise convs, learned ALiBi with power-of-2 and other head counts) with an LM loss and Adam steps;
trRosetta's preprocessing of an A3M file, small networks trained with dropout, and the ensemble of the package's five
pretrained models through its CLI function; ddpm-proteins' Unet (hybrid convs, conditioning, linear attention with
axial rotary embeddings), GaussianDiffusion's l1 / l2 losses, DDPM sampling and interpolation, its Trainer with EMA and
checkpoints read across libraries, and the MSA-attention cache. Everything agrees to 1e-14 of each set's largest entry
in float64 (but entries whose gradient is zero in exact arithmetic, under Adam), to float32 rounding in float32.

The differences nn's side met, in a few lines (the packages are not imported here):

- ddpm-proteins' AxialRotaryEmbedding builds its scales by ``torch.logspace(0., log(max_freq / 2) / log(2), dim // 4,
  base=2)``: nn's logspace was NumPy's ``base ** linspace`` and differed from PyTorch's kernel by up to 4 ulps in
  float32 (the last scale 5.0 where PyTorch's is 4.9999995: its bounds are rounded to the dtype first) and 18 in
  float64, truncated other exponents for integer dtypes, and took bool and gave NumPy's words for negative steps.
- GroupNorm (ddpm-proteins' ResnetBlock) given another channel count: PyTorch's RuntimeError "Expected weight to be a
  vector of size equal to the number of channels in input, ..."; nn raised its own ValueError. F.group_norm now checks
  in PyTorch's order and words (rank, one value per group, the parser, num_groups, divisibility, weight, bias, dtype).
- Tranception's slopes are ``torch.Tensor(list)``: the legacy constructor gave NumPy's words for a ragged list (and
  took complex numbers and strings) where PyTorch gives its tensor()'s errors.
"""
import math

import numpy as np
import pytest

import nn
import nn.functional as F
from porting import raised


# ---- logspace: PyTorch's kernel (ddpm-proteins' AxialRotaryEmbedding scales) ---------------------------------------

# torch.logspace(0., log(10 / 2) / log(2), 8, base=2) in float32 (dim_head 32, max_freq 10), as PyTorch 2.13 gives it
AXIAL_SCALES = ['0x1.0000000000000p+0', '0x1.422cfc0000000p+0', '0x1.9575340000000p+0', '0x1.fe44aa0000000p+0',
                '0x1.4116060000000p+1', '0x1.94161e0000000p+1', '0x1.fc8ad60000000p+1', '0x1.3ffffe0000000p+2']


def test_logspace_gives_pytorchs_values_to_the_bit():
    scales = nn.logspace(0., math.log(10 / 2) / math.log(2), 32 // 4, base=2, dtype=nn.float32)
    assert scales.dtype == nn.float32
    assert [float(v).hex() for v in np.asarray(scales)] == AXIAL_SCALES   # (nn gave 5.0 last; NumPy's rounding)
    # float64: the first half from start + step * i, the second from end - step * (steps - 1 - i)
    assert np.asarray(nn.logspace(-3., 5.7, 8, dtype=nn.float64)).tolist() == [
        0.001, 0.017492711874398416, 0.3059949687207193, 5.352681822847095, 93.63292088239436, 1637.8937069540664,
        28651.202696637818, 501187.2336272725]
    # integer dtypes: the bounds cast to the dtype first (0.5 -> 0, 2.5 -> 2), the powers truncated
    assert nn.logspace(0.5, 2.5, 5, base=3., dtype=nn.int32).tolist() == [1, 1, 3, 5, 9]
    assert nn.logspace(1, 2, 3, dtype=nn.int64).tolist() == [10, 31, 100]
    # one step is base ** start (unrounded start), none is empty
    assert nn.logspace(2.5, 0., 1).tolist() == [np.float32(10 ** 2.5)] and nn.logspace(2, 3, 0).shape == (0,)


def test_logspace_errors_are_pytorchs():
    assert raised(lambda: nn.logspace(0, 1, -2)) == ("RuntimeError", "number of steps must be non-negative")
    assert raised(lambda: nn.linspace(0, 1, -2)) == ("RuntimeError", "number of steps must be non-negative")
    assert raised(lambda: nn.logspace(0, 1, 3, dtype=nn.bool)) == (
        "NotImplementedError", "\"logspace_cpu\" not implemented for 'Bool'")
    assert raised(lambda: nn.logspace(-3.0, 2, 3, dtype=nn.uint8)) == (
        "RuntimeError", "value cannot be converted to type uint8_t without overflow")


def test_logspace_matches_pytorch_over_a_grid():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    ends = [(0., math.log(5) / math.log(2)), (-3., 5.7), (1.1, -2.2), (0, 3)] + \
        [tuple(rng.uniform(-6, 6, 2)) for _ in range(3)]
    for (a, b) in ends:
        for base in (10., 2, math.e):
            for steps in (1, 2, 7, 33):
                for dt in ("float32", "float64", "int64", "int32"):
                    theirs = torch.logspace(a, b, steps, base=base, dtype=getattr(torch, dt)).numpy()
                    ours = np.asarray(nn.logspace(a, b, steps, base=base, dtype=getattr(nn, dt)))
                    assert ours.dtype == theirs.dtype, (a, b, base, steps, dt)
                    if dt.startswith("float"):      # pow's last bit is the CPU's libm's: NumPy's AVX-512 one and
                        np.testing.assert_array_max_ulp(ours, theirs, maxulp=1)     # PyTorch's glibc differ
                    else:
                        assert np.array_equal(ours, theirs), (a, b, base, steps, dt)


# ---- group_norm's checks (ddpm-proteins' ResnetBlock: GroupNorm(groups, dim_out)) -----------------------------------

def test_group_norm_errors_are_pytorchs():
    x = nn.zeros(2, 12, 3, 3)
    assert raised(lambda: nn.GroupNorm(4, 8)(x)) == (
        "RuntimeError", "Expected weight to be a vector of size equal to the number of channels in input, but got "
                        "weight of shape [8] and input of shape [2, 12, 3, 3]")
    assert raised(lambda: nn.GroupNorm(5, 10, affine=False)(x)) == (
        "RuntimeError", "Expected number of channels in input to be divisible by num_groups, but got input of shape "
                        "[2, 12, 3, 3] and num_groups=5")
    y = nn.zeros(2, 12, 3)
    # the bias's words print the weight's shape ([0] without one), as PyTorch's
    assert raised(lambda: F.group_norm(y, 4, nn.ones(12), nn.ones(8))) == (
        "RuntimeError", "Expected bias to be a vector of size equal to the number of channels in input, but got bias "
                        "of shape [12] and input of shape [2, 12, 3]")
    assert raised(lambda: F.group_norm(y, 4, None, nn.ones(3, 4)))[1].startswith("Expected bias to be a vector of "
                                                                                   "size equal to the number of channels in input, but got bias of shape [0]")
    assert raised(lambda: F.group_norm(nn.zeros(12), 4)) == (
        "RuntimeError", "Expected at least 2 dimensions for input tensor but received 1")
    assert raised(lambda: nn.GroupNorm(4, 8)(nn.zeros(8, 3, 3))) == (      # unbatched: its dim 1 taken as channels
        "RuntimeError", "Expected number of channels in input to be divisible by num_groups, but got input of shape "
                        "[8, 3, 3] and num_groups=4")
    assert raised(lambda: F.group_norm(y, -2)) == ("RuntimeError", "Expected num groups to be greater than 0, got -2")
    assert raised(lambda: F.group_norm(y, 0)) == ("ZeroDivisionError", "integer division or modulo by zero")
    assert raised(lambda: F.group_norm(y, 4.0)) == (
        "TypeError", "group_norm(): argument 'num_groups' (position 2) must be int, not float")
    assert raised(lambda: F.group_norm(y, 4, 1.0)) == (
        "TypeError", "group_norm(): argument 'weight' (position 3) must be Tensor, not float")
    # one value per group is checked first, by N * C // groups (3 channels in 2 groups: [1, 2])
    assert raised(lambda: F.group_norm(nn.zeros(1, 3), 2)) == (
        "ValueError", "Expected more than 1 value per channel when training, got input size [1, 2]")
    assert raised(lambda: F.group_norm(nn.zeros(2, 12, 3, dtype=nn.int64), 4)) == (
        "NotImplementedError", "\"GroupNormKernelImpl\" not implemented for 'Long'")
    # what works still works: values of a (2, 4, 1, 1) input in two groups, a tensor num_groups
    out = F.group_norm(nn.tensor([[[[1.0]], [[3.0]], [[0.0]], [[2.0]]]] * 2), nn.tensor(2), eps=0.0)
    assert np.asarray(out).ravel().tolist() == [-1.0, 1.0, -1.0, 1.0] * 2


def test_group_norm_errors_match_pytorch():
    torch = pytest.importorskip("torch")
    for shape in ((12,), (1, 3), (2, 12, 3), (8, 3, 3)):
        for groups in (0, 2, 4, 5, -2, 4.0):
            for w, b in ((None, None), ((12,), None), ((8,), None), ((12,), (8,)), (None, (3, 4)), ((12, 1), None)):
                for dt in ("float32", "int64"):
                    def call(lib):
                        x = lib.zeros(*shape, dtype=getattr(lib, dt))
                        return (torch.nn.functional if lib is torch else F).group_norm(
                            x, groups, None if w is None else lib.ones(*w), None if b is None else lib.zeros(*b))
                    try:
                        theirs = ("ok", tuple(call(torch).shape))
                    except Exception as e:   # noqa: BLE001 - which one is the point
                        theirs = (type(e).__name__, str(e))
                    try:
                        ours = ("ok", tuple(call(nn).shape))
                    except Exception as e:   # noqa: BLE001
                        ours = (type(e).__name__, str(e))
                    assert ours == theirs, (shape, groups, w, b, dt)


# ---- the legacy constructor's data (Tranception's slopes: torch.Tensor(list)) ---------------------------------------

def test_legacy_constructor_reads_lists_as_pytorch():
    slopes = nn.Tensor([2 ** -4, 2 ** -8])             # LearnedAlibiPosBias: slopes of the default float dtype
    assert slopes.dtype == nn.float32 and slopes.tolist() == [0.0625, 0.00390625]
    assert raised(lambda: nn.Tensor([[1, 2], [3]])) == ("ValueError", "expected sequence of length 2 at dim 1 (got 1)")
    assert raised(lambda: nn.FloatTensor([[1, 2], [3]])) == (
        "ValueError", "expected sequence of length 2 at dim 1 (got 1)")
    assert raised(lambda: nn.Tensor([[1, 2], 3])) == ("TypeError", "not a sequence")
    assert raised(lambda: nn.Tensor([1 + 2j])) == ("TypeError", "must be real number, not complex")
    assert raised(lambda: nn.Tensor(["a"])) == ("ValueError", "too many dimensions 'str'")
    assert raised(lambda: nn.Tensor([None])) == ("TypeError", "must be real number, not NoneType")
    assert nn.Tensor([[1, 2], [3, 4]]).dtype == nn.float32 and nn.Tensor([True]).tolist() == [1.0]


# ---- pins: what the packages lean on -------------------------------------------------------------------------------

class LearnedAlibiPosBias(nn.Module):
    """tranception_pytorch.LearnedAlibiPosBias, its bias cached as a buffer with its graph (two heads)."""

    def __init__(self):
        super().__init__()
        self.slopes = nn.Parameter(nn.Tensor([0.25, 0.0625]).reshape(2, 1, 1))
        self.register_buffer("bias", None, persistent=False)

    def forward(self, i, j):
        if self.bias is not None and self.bias.shape[-1] >= j:
            return self.bias[..., :i, :j]
        bias = -nn.abs(nn.arange(j).reshape(1, 1, j) - nn.arange(i).reshape(1, i, 1)) * self.slopes
        self.register_buffer("bias", bias, persistent=False)
        return bias


def test_a_cached_bias_with_its_graph_fails_the_second_backward_as_in_pytorch():
    alibi = LearnedAlibiPosBias()
    first = alibi(3, 3)
    assert first[0, 2].tolist() == [-0.5, -0.25, 0.0] and "bias" not in alibi.state_dict()
    first.sum().backward()
    assert alibi.slopes.grad.ravel().tolist() == [-8.0, -8.0]     # -sum |i - j| over the 3 x 3 map
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        alibi(2, 2).sum().backward()                              # the cached slice: its graph was freed
