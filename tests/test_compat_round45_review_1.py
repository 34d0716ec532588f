"""A review of round 45's areas A, B and D against PyTorch 2.13 over grids (error type and first line, values,
shapes, warnings, class relations).

Grids run: the class relations of 46 layer classes (every pair's issubclass; PyTorch's private bases in each MRO),
reprs, state-dict keys, attributes (``value``) and constructor errors of 47 constructions, forward values and input
gradients of 20 layers, InstanceNorm's state-dict loading; the six functional convolutions with groups in 0, -1, 1,
2, 3, True, False, 2.0, None, np.int64(0) and np.int64(2) over four input ranks, with a stride of 0, negative
padding, a zero dilation or a wrong bias beside a groups of 0, a wrong weight, 'same' and an invalid padding string,
and the layers' groups (402 cases); the transposed layers' ``output_size`` in 1-3 dims, four stride / padding /
dilation settings, batched and not, eleven forms of the size (lists, tuples, a Size, NumPy ints, the batch dims
given, too many, none: 264 cases) and ``_ConvTransposeNd._output_padding`` called directly; the read-only-memory
warning of ``from_numpy``, ``as_tensor``, ``asarray``, ``tensor``, ``frombuffer``, the legacy constructors, ``x.new``
/ ``x.new_tensor``, ``default_collate`` / ``default_convert`` / DataLoader, each in a fresh process (46 calls), and
a warnings filter set to "error".

Found and fixed: the round's groups check came before the padding string's, so ``conv1d`` / ``conv3d`` with an
invalid padding string and groups 0 lost the "Invalid padding string: 'foo'" they gave before the round (``conv2d``
never had it): PyTorch's binding refuses the string first, then groups, then a strided 'same'; ``torch.Tensor``,
``FloatTensor`` ... ``BoolTensor`` and ``x.new`` of a read-only array were silent where PyTorch gives the
once-per-process "not writable" warning, as ``from_numpy``; ``ReflectionPad1d(1, 2)`` and the other reflection,
replication and circular pads named their private base in Python's words on a wrong call
("_ReflectionPadNd.__init__() takes 2 positional arguments ..."), where the round had given the constant pads their
own.

Still different: a functional convolution given a 1-d weight and groups 0 is "non-positive groups" where PyTorch
first says "weight should have at least three dimensions"; a transposed one given a padding string and groups 0 is
"non-positive groups" where PyTorch's parser refuses the string (both two wrong arguments at once); the wrong-type
groups (bool, float, None) stay nn's ValueErrors (documented); ``load_state_dict`` of a plain dict with
running statistics into an InstanceNorm that does not track them lists them as unexpected keys where PyTorch
raises its "Unexpected running stats buffer(s)" words; ``x.new(array)`` copies where PyTorch shares the memory.

The failures of nn these tests pin down:

- ``F.conv1d`` / ``conv2d`` / ``conv3d`` with ``padding='foo'`` and ``groups=0`` raised "non-positive groups is not
  supported"; PyTorch 2.13 raises RuntimeError "Invalid padding string: 'foo'" (and a strided 'same' with groups 0
  is the groups error).
- ``nn.Tensor(a)``, ``nn.FloatTensor(a)``, ``nn.DoubleTensor(a)``, ``nn.LongTensor(a)`` and ``x.new(a)`` of a
  read-only array gave no warning; PyTorch 2.13 warns once per process "The given NumPy array is not writable, ...".
- ``nn.ReflectionPad1d(1, 2)`` (and the 2-d / 3-d, replication and circular pads) said "_ReflectionPadNd.__init__()
  takes 2 positional arguments but 3 were given"; PyTorch 2.13 names the layer: "ReflectionPad1d.__init__() ...".
"""
import subprocess
import sys
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn import factories

ARRAY_WORDS = ("The given NumPy array is not writable, and PyTorch does not support non-writable tensors. This means "
               "writing to this tensor will result in undefined behavior. You may want to copy the array to protect "
               "its data or make it writable before converting it to a tensor. This type of warning will be "
               "suppressed for the rest of this program. (Triggered internally at /__w/pytorch/pytorch/torch/csrc/"
               "utils/tensor_numpy.cpp:213.)")


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_an_invalid_padding_string_is_refused_before_groups(nd):
    op = getattr(F, f"conv{nd}d")
    x, w = nn.zeros((1, 2) + (5,) * nd), nn.zeros((2, 2) + (3,) * nd)
    # PyTorch 2.13: the string first, then groups, then 'same' with a stride
    with pytest.raises(RuntimeError, match="^Invalid padding string: 'foo'$"):
        op(x, w, padding="foo", groups=0)
    with pytest.raises(RuntimeError, match="^non-positive groups is not supported$"):
        op(x, w, padding="same", stride=2, groups=0)
    with pytest.raises(RuntimeError, match="^padding='same' is not supported for strided convolutions$"):
        op(x, w, padding="same", stride=2, groups=1)


@pytest.mark.parametrize("kind", ["Reflection", "Replication", "Circular"])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_a_wrong_call_of_a_pad_names_the_pad(kind, n):
    # PyTorch 2.13: each pad has its own __init__(self, padding), as the constant pads (the round's fix) have
    name = f"{kind}Pad{n}d"
    with pytest.raises(TypeError, match=rf"^{name}\.__init__\(\) takes 2 positional arguments but 3 were given$"):
        getattr(nn, name)(1, 2)
    with pytest.raises(TypeError, match=rf"^{name}\.__init__\(\) missing 1 required positional argument: 'padding'$"):
        getattr(nn, name)()
    assert repr(getattr(nn, name)(1)) == f"{name}({(1,) * 2 * n})" and not hasattr(getattr(nn, name)(1), "value")


def read_only():
    return np.frombuffer(np.arange(4.0).tobytes(), dtype=np.float64)


def test_the_legacy_constructors_warn_of_read_only_memory(monkeypatch):
    # (the call, PyTorch 2.13's number of warnings in a process that has not warned yet, for two such calls)
    for make, count in [(nn.Tensor, 1), (nn.FloatTensor, 1), (nn.DoubleTensor, 1),
                        (lambda a: nn.LongTensor(a.view(np.int64)), 1), (nn.zeros(2).new, 1),
                        (nn.zeros(2).new_tensor, 0), (nn.tensor, 0), (lambda a: nn.Tensor(a.copy()), 0)]:
        monkeypatch.setattr(factories, "_NOT_WRITABLE_WARNED", set())
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            make(read_only())
            make(read_only())
        assert [(w.category, str(w.message), w.filename) for w in record] == \
            [(UserWarning, ARRAY_WORDS, __file__)] * count


def test_against_pytorch(monkeypatch):
    torch = pytest.importorskip("torch")

    def words(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - the point is which one
            return type(e).__name__, str(e)
        return None

    for nd in (1, 2, 3):
        for kw in ({"padding": "foo"}, {"padding": "same", "stride": 2}, {"padding": "valid"}, {"padding": "same"}):
            for groups in (0, -1, 1):
                shapes = ((1, 2) + (5,) * nd, (2, 2) + (3,) * nd)
                assert words(lambda: getattr(F, f"conv{nd}d")(*map(nn.zeros, shapes), groups=groups, **kw)) == \
                    words(lambda: getattr(torch.nn.functional, f"conv{nd}d")(*map(torch.zeros, shapes),
                                                                           groups=groups, **kw))
    # PyTorch warns once per process: its side in a fresh one
    script = ("import warnings, numpy as np, torch\n"
              "a = np.frombuffer(np.arange(4.0).tobytes(), dtype=np.float64)\n"
              "with warnings.catch_warnings(record=True) as w:\n    warnings.simplefilter('always')\n"
              "    torch.Tensor(a); torch.DoubleTensor(a); torch.zeros(2, dtype=torch.float64).new(a)\n"
              "print(len(w), w[0].message)")
    expected = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    monkeypatch.setattr(factories, "_NOT_WRITABLE_WARNED", set())
    a = read_only()
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        nn.Tensor(a), nn.DoubleTensor(a), nn.zeros(2, dtype=nn.float64).new(a)
    assert expected == f"{len(record)} {record[0].message}\n" == f"1 {ARRAY_WORDS}\n"
