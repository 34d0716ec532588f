"""Data and utility code as third-party training scripts write it (collate functions, checkpoints, printing,
seeding, grad modes, rnn helpers): each test failed before its fix. Compared with PyTorch when it is
installed, and checked against the expected values directly either way."""
import collections
import io

import numpy as np
import pytest

import nn
from nn.gradcheck import gradcheck
from nn.utils.data import DataLoader, default_collate


def _torch():
    return pytest.importorskip("torch")


# --- tensor(list) infers the dtype of typed elements ----------------------------------------------------------

_TYPED_LISTS = [
    ([np.float64(0.5), np.float64(2.0)], np.float64),            # tensor([np.mean(a), np.std(a)])
    ([1.0, np.float64(2.0)], np.float64),
    ([np.array([1.0, 2.0]), np.array([3.0, 4.0])], np.float64),
    ([np.float32(1.0), 2], np.float32),
    ([np.array([1, 2], dtype=np.int32)], np.int32),
    ([np.int32(1), 2], np.int64),
    ([[np.float64(1.0)]], np.float64),
]


@pytest.mark.parametrize("data, dtype", _TYPED_LISTS)
def test_tensor_of_a_list_keeps_the_elements_dtype(data, dtype):
    t = nn.tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.array(data, dtype=dtype))
    assert nn.tensor(data, dtype=nn.float32).dtype == np.float32          # an explicit dtype still wins
    torch = pytest.importorskip("torch")
    assert str(torch.tensor(data).dtype) == f"torch.{np.dtype(dtype).name}"


def test_tensor_of_float64_scalar_tensors_is_float64():
    parts = [nn.tensor(0.25, dtype=nn.float64), nn.tensor(0.5, dtype=nn.float64)]
    t = nn.tensor(parts)
    assert t.dtype == np.float64 and t.tolist() == [0.25, 0.5]
    assert nn.tensor([nn.tensor(1.0), nn.tensor(2.0)]).dtype == np.float32
    assert nn.tensor([1.5, 2.0]).dtype == np.float32 and nn.tensor([1, 2]).dtype == np.int64


# --- how tensors print ----------------------------------------------------------------------------------------

_REPRS = [
    ([1e10, 1.0], "tensor([1.0000e+10, 1.0000e+00])"),       # whole numbers, but scientific: max > 1e8
    ([1e8 + 8, 1.0], "tensor([1.0000e+08, 1.0000e+00])"),
    ([1.0, 2.0, float("nan")], "tensor([1., 2., nan])"),    # NaN does not make it fixed-point nor widen it
    ([0.0, float("nan")], "tensor([0., nan])"),
    ([float("nan"), float("-inf"), 2.5], "tensor([   nan,   -inf, 2.5000])"),
    ([0.0001], "tensor([1.0000e-04])"),                     # float32 0.0001 is below 1e-4
    ([0.5, 0.0, -0.25], "tensor([ 0.5000,  0.0000, -0.2500])"),
    ([1.0, -1000.0], "tensor([    1., -1000.])"),
]


@pytest.mark.parametrize("values, text", _REPRS)
def test_float_tensor_repr_as_pytorch(values, text):
    assert repr(nn.tensor(values)) == text
    torch = sys_torch()
    if torch is not None:
        assert repr(torch.tensor(values)) == text


def test_empty_tensor_repr_says_size_and_dtype():
    assert repr(nn.zeros(0, dtype=nn.float64)) == "tensor([], dtype=nn.float64)"
    assert repr(nn.zeros(0, 3, dtype=nn.int64)) == "tensor([], size=(0, 3), dtype=nn.int64)"
    assert repr(nn.zeros(3, 0, 2)) == "tensor([], size=(3, 0, 2))"
    assert repr(nn.tensor([])) == "tensor([])"
    torch = sys_torch()
    if torch is not None:
        assert repr(torch.zeros(3, 0, 2)) == "tensor([], size=(3, 0, 2))"
        assert repr(torch.zeros(0, 3, dtype=torch.int64)) == "tensor([], size=(0, 3), dtype=torch.int64)"


def sys_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


# --- how modules print ----------------------------------------------------------------------------------------

def test_module_reprs_as_pytorch():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    expected = ("ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n  (3): ReLU()\n)")
    assert repr(blocks) == expected
    nested = nn.ModuleList([nn.Sequential(nn.Linear(2, 2), nn.ReLU()) for _ in range(2)])
    assert repr(nested).startswith("ModuleList(\n  (0-1): 2 x Sequential(\n    (0): Linear(")
    assert repr(nn.ModuleList()) == "ModuleList()"
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25, inplace=False)"
    assert repr(nn.CrossEntropyLoss(label_smoothing=0.1)) == "CrossEntropyLoss()"
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss()"
    assert repr(nn.LayerNorm(4)) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"
    assert repr(nn.LayerNorm(4, bias=False)).endswith("bias=False)")
    torch = sys_torch()
    if torch is not None:
        tnn = torch.nn
        assert repr(tnn.ModuleList([tnn.Linear(2, 2) for _ in range(3)] + [tnn.ReLU()])) == expected
        assert repr(tnn.Dropout(0.25)) == repr(nn.Dropout(0.25))
        assert repr(tnn.MSELoss(reduction="sum")) == "MSELoss()"
        assert repr(tnn.LayerNorm(4)) == repr(nn.LayerNorm(4))


# --- seeding --------------------------------------------------------------------------------------------------

def test_rng_state_is_a_byte_tensor_and_fork_rng_restores_it():
    nn.random.manual_seed(42)
    assert nn.initial_seed() == 42 and nn.random.initial_seed() == 42
    state = nn.get_rng_state()
    assert isinstance(state, nn.Tensor) and state.dtype == np.uint8 and state.shape == (37,)
    expected = nn.rand(3)
    nn.set_rng_state(state)
    with nn.random.fork_rng():
        nn.manual_seed(5)
        nn.rand(4)
    assert nn.equal(nn.rand(3), expected) and nn.initial_seed() == 42
    with nn.random.fork_rng(devices=[], enabled=False):
        pass
    torch = sys_torch()
    if torch is not None:
        torch.manual_seed(0)
        assert type(torch.get_rng_state()).__name__ == type(state).__name__ == "Tensor"


# --- checkpoints ----------------------------------------------------------------------------------------------

def test_load_gives_plain_dicts_back_as_dicts():
    m = nn.Linear(3, 2)
    buf = io.BytesIO()
    nn.save({"epoch": 3, "model": m.state_dict(), "args": {"lr": 0.1, "sizes": (1, 2)}}, buf)
    buf.seek(0)
    ck = nn.load(buf, map_location="cpu")
    assert type(ck) is dict and type(ck["args"]) is dict and ck["args"] == {"lr": 0.1, "sizes": (1, 2)}
    assert type(ck["model"]) is collections.OrderedDict and list(ck["model"]) == ["weight", "bias"]
    torch = sys_torch()
    if torch is not None:
        buf.seek(0)
        tk = torch.load(buf, weights_only=True)
        assert type(tk) is dict and type(tk["args"]) is dict and type(tk["model"]) is collections.OrderedDict


# --- parameters_to_vector is in the graph ---------------------------------------------------------------------

def test_parameters_to_vector_sends_gradients_back():
    m = nn.Linear(2, 3).double()
    v = nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (9,) and v.requires_grad
    (v ** 2).sum().backward()                                    # an L2 penalty written with it
    np.testing.assert_allclose(np.asarray(m.weight.grad), 2 * m.weight.detach().numpy())
    np.testing.assert_allclose(np.asarray(m.bias.grad), 2 * m.bias.detach().numpy())
    a = nn.tensor(np.random.default_rng(0).normal(size=(2, 3)), requires_grad=True)
    b = nn.tensor(np.random.default_rng(1).normal(size=(4,)), requires_grad=True)
    assert gradcheck(lambda x, y: nn.utils.parameters_to_vector([x, y]) * nn.arange(10.0).double(), (a, b))
    torch = sys_torch()
    if torch is not None:
        assert torch.nn.utils.parameters_to_vector(torch.nn.Linear(2, 3).parameters()).requires_grad


# --- grad modes -----------------------------------------------------------------------------------------------

def test_bare_decorators_and_inference_mode_flag():
    layer = nn.Linear(2, 1)

    @nn.no_grad
    def predict(x):
        return layer(x)

    @nn.inference_mode
    def infer(x):
        return layer(x), nn.is_inference_mode_enabled(), nn.is_grad_enabled()

    x = nn.ones(1, 2)
    assert not predict(x).requires_grad
    y, inside, grad = infer(x)
    assert not y.requires_grad and inside and not grad
    assert not nn.is_inference_mode_enabled() and nn.is_grad_enabled()
    with nn.inference_mode():
        assert nn.is_inference_mode_enabled()
    with nn.no_grad():
        assert not nn.is_inference_mode_enabled()
    nn.set_grad_enabled(False)
    nn.set_grad_enabled(True)
    assert nn.is_grad_enabled() and layer(x).requires_grad
    torch = sys_torch()
    if torch is not None:
        with torch.inference_mode():
            assert torch.is_inference_mode_enabled()
        assert not torch.no_grad(lambda: torch.ones(1, requires_grad=True) * 2)().requires_grad


# --- collate --------------------------------------------------------------------------------------------------

def test_default_collate_strings_ordered_dicts_and_shape_errors():
    out = default_collate([("a", 1), ("b", 2)])
    assert out[0] == ("a", "b") and out[1].tolist() == [1, 2]             # strings inside a sample: a tuple
    assert default_collate(["a", "b"]) == ["a", "b"]
    od = default_collate([collections.OrderedDict(a=1), collections.OrderedDict(a=2)])
    assert type(od) is collections.OrderedDict and od["a"].tolist() == [1, 2]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([nn.ones(2), nn.ones(3)])
    batch = next(iter(DataLoader([(nn.ones(2), "x%d" % i) for i in range(3)], batch_size=3, pin_memory=True)))
    assert batch[1] == ("x0", "x1", "x2") and not batch[0].is_pinned() and batch[0].pin_memory() is batch[0]
    torch = sys_torch()
    if torch is not None:
        from torch.utils.data import default_collate as tc
        assert tc([("a", 1), ("b", 2)])[0] == ("a", "b")
        assert type(tc([collections.OrderedDict(a=1)])) is collections.OrderedDict
        with pytest.raises(RuntimeError):
            tc([torch.ones(2), torch.ones(3)])


# --- rnn helpers ----------------------------------------------------------------------------------------------

def test_unpad_and_unpack_sequence():
    from nn.utils.rnn import pad_sequence, pack_sequence, unpad_sequence, unpack_sequence
    seqs = [nn.tensor([1.0, 2.0, 3.0]), nn.tensor([4.0]), nn.tensor([5.0, 6.0])]
    lengths = nn.tensor([3, 1, 2])
    for batch_first in (True, False):
        parts = unpad_sequence(pad_sequence(seqs, batch_first=batch_first), lengths, batch_first=batch_first)
        assert [p.tolist() for p in parts] == [[1.0, 2.0, 3.0], [4.0], [5.0, 6.0]]
    parts = unpack_sequence(pack_sequence(seqs, enforce_sorted=False))
    assert [p.tolist() for p in parts] == [[1.0, 2.0, 3.0], [4.0], [5.0, 6.0]]
    x = nn.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    assert gradcheck(lambda t: unpad_sequence(t, [3, 1], batch_first=False)[1] * 2.0, (x.double(),))
    torch = sys_torch()
    if torch is not None:
        from torch.nn.utils.rnn import unpack_sequence as tu, pack_sequence as tp
        got = tu(tp([torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0]), torch.tensor([5.0, 6.0])],
                    enforce_sorted=False))
        assert [p.tolist() for p in got] == [[1.0, 2.0, 3.0], [4.0], [5.0, 6.0]]


# --- DataLoader attributes scripts read -----------------------------------------------------------------------

def test_loader_sampler_and_batch_sampler_exist_as_pytorch():
    from nn.utils.data import TensorDataset, ConcatDataset
    from nn.utils.data._utils.collate import default_collate as private_collate
    ds = TensorDataset(nn.arange(10.0))
    loader = DataLoader(ds, batch_size=4, shuffle=True, generator=nn.Generator().manual_seed(0), pin_memory=True)
    assert type(loader.sampler).__name__ == "RandomSampler" and len(loader.sampler) == 10
    assert type(loader.batch_sampler).__name__ == "BatchSampler" and len(loader.batch_sampler) == 3 == len(loader)
    assert loader.pin_memory is True and loader.num_workers == 0
    shuffled = [b[0].tolist() for b in loader]
    assert sorted(sum(shuffled, [])) == list(range(10))
    again = DataLoader(ds, batch_size=4, shuffle=True, generator=nn.Generator().manual_seed(0))
    assert [b[0].tolist() for b in again] == shuffled                  # the order did not change with them
    plain = DataLoader(ds, batch_size=3, drop_last=True)
    assert type(plain.sampler).__name__ == "SequentialSampler" and len(plain.batch_sampler) == 3 == len(plain)
    assert DataLoader(ds, batch_size=None).batch_sampler is None
    cat = ConcatDataset([ds, ds])
    assert cat.cumulative_sizes == [10, 20] and all(type(n) is int for n in cat.cumulative_sizes)
    assert private_collate is default_collate
    torch = sys_torch()
    if torch is not None:
        tds = torch.utils.data.TensorDataset(torch.arange(10.0))
        tl = torch.utils.data.DataLoader(tds, batch_size=3, drop_last=True)
        assert type(tl.sampler).__name__ == "SequentialSampler" and len(tl.batch_sampler) == 3
        assert torch.utils.data.ConcatDataset([tds, tds]).cumulative_sizes == [10, 20]


def test_module_with_extra_repr_and_children_and_parameter_containers_print_as_pytorch():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def extra_repr(self):
            return "scale=2"

    expected = "Block(\n  scale=2\n  (fc): Linear(in_features=2, out_features=2, bias=True)\n)"
    assert repr(Block()) == expected
    plist = nn.ParameterList([nn.Parameter(nn.ones(2, 3)), nn.Parameter(nn.ones(4))])
    assert repr(plist) == ("ParameterList(\n    (0): Parameter containing: [nn.float32 of size 2x3]\n"
                           "    (1): Parameter containing: [nn.float32 of size 4]\n)")
    pdict = nn.ParameterDict({"w": nn.Parameter(nn.ones(2))})
    assert repr(pdict) == "ParameterDict(  (w): Parameter containing: [nn.FloatTensor of size 2])"
    m = nn.Linear(2, 2)
    opt = nn.optim.Adam([{"params": [m.weight]}, {"params": [m.bias], "lr": 1e-2}], lr=1e-3)
    # a blank line between groups; Adam's default weight_decay is PyTorch's int 0
    assert "\n    weight_decay: 0\n\nParameter Group 1\n" in repr(opt)
    torch = sys_torch()
    if torch is not None:
        tnn = torch.nn

        class TBlock(tnn.Module):
            def __init__(self):
                super().__init__()
                self.fc = tnn.Linear(2, 2)

            def extra_repr(self):
                return "scale=2"

        assert repr(TBlock()) == expected.replace("Block", "TBlock")
        tlist = tnn.ParameterList([tnn.Parameter(torch.ones(2, 3)), tnn.Parameter(torch.ones(4))])
        assert repr(tlist) == repr(plist).replace("nn.float32", "torch.float32")
        tm = tnn.Linear(2, 2)
        topt = torch.optim.Adam([{"params": [tm.weight]}, {"params": [tm.bias], "lr": 1e-2}], lr=1e-3)
        assert "\n\nParameter Group 1\n" in repr(topt)
