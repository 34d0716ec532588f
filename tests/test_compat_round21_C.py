"""vit-pytorch 1.26.11 (vision transformers; einops 0.8.2 was installed) and entmax 1.3 (sparse attention maps) from
the package registry, installed with --no-deps, ported by the porting rule (every .py file; renamed vit_pytorchp and
entmaxp in their import lines; torchvision, which vit-pytorch's dino / es_vit import at the top, stood in on both
sides by a module whose transforms are the identity) and run against the originals on PyTorch 2.13 in float64 with
PyTorch's weights: ViT, SimpleViT and its variants, CaiT, DeepViT, CrossViT, PiT, LeViT, CvT, T2T-ViT, Twins-SVT,
RegionViT, CrossFormer, ScalableViT, SepViT, MaxViT, NesT, MobileViT, XCiT, ATS, PatchMerger, Parallel ViT,
learnable-memory ViT, ViT-3D, ViViT, NaViT, CCT, nViT, distillation, MAE, SimMIM, MPP, Dino, EsViT, the recorder and
extractor (outputs, input and parameter gradients, 3 Adam steps, eval, state_dict both ways; random masks and
Gumbel draws shared from one NumPy stream); entmax's sparsemax, entmax15, entmax_bisect, sparsemax_bisect,
normmax_bisect, budget_bisect, their Module forms and losses along every dim, alpha as a tensor requiring grad.

The failures these tests pin down, each in a few lines (the packages are never imported here): a ParameterList
appended to a ParameterList (vit-pytorch's nViT keeps its residual scales in pairs so) was wrapped as one
Parameter, so nViT's state_dict had 'residual_lerp_scales.0' where PyTorch's has 'residual_lerp_scales.0.0' /
'.0.1' and PyTorch's weights did not load: ParameterList now registers tensors as Parameters, modules as submodules
and keeps other objects as attributes, as PyTorch's. On entmax's error paths nn raised its own exception types and
words: ``entmax_bisect`` with an alpha of the wrong shape (``expand``: ValueError; PyTorch's RuntimeError "The
expanded size of the tensor (4) must match the existing size (2) at non-singleton dimension 1. ..."), ``sparsemax``
of an integer tensor (``tau /= ...`` in place: TypeError; PyTorch's RuntimeError "result type Float can't be cast to
the desired output type Long", and a bool tensor's ``add_`` of an integer, which nn accepted), the losses on a 3-d
input (``scatter_add_`` with a 2-d index: ValueError; PyTorch's RuntimeError "Index tensor must have the same number
of dimensions as self tensor"), and a Parameter assigned before ``Module.__init__`` (entmax's modules set attributes
first) gave nn's words, not PyTorch's "cannot assign parameters before Module.__init__() call" (which now lead
the message, nn's hint to call super().__init__() after them).
"""
import numpy as np
import pytest

import nn


# ---- ParameterList: tensors, modules and other objects, as PyTorch's (vit-pytorch's nViT) ---------------------------

def test_a_parameter_list_in_a_parameter_list_is_a_submodule():
    class Scales(nn.Module):          # nViT's residual_lerp_scales: one ParameterList of pairs
        def __init__(self):
            super().__init__()
            self.scales = nn.ParameterList([])
            for _ in range(2):
                self.scales.append(nn.ParameterList([nn.Parameter(nn.ones(3)), nn.Parameter(nn.ones(3) * 2)]))

    m = Scales()
    assert list(m.state_dict()) == ["scales.0.0", "scales.0.1", "scales.1.0", "scales.1.1"]
    assert len(list(m.parameters())) == 4 and len(m.scales) == 2
    assert [type(p).__name__ for p in m.scales] == ["ParameterList", "ParameterList"]
    (a, b), _ = m.scales
    assert isinstance(b, nn.Parameter) and b.tolist() == [2.0, 2.0, 2.0]
    m.load_state_dict({k: np.full(3, float(i)) for i, k in enumerate(m.state_dict())})
    assert m.scales[1][0].tolist() == [2.0, 2.0, 2.0]


def test_parameter_list_entries_and_errors():
    pl = nn.ParameterList([nn.Parameter(nn.ones(2)), nn.zeros(3)])      # a plain tensor becomes a Parameter
    pl.append("note")                                                      # other objects: plain attributes
    pl += [np.ones(4)]
    assert len(pl) == 4 and [type(p).__name__ for p in pl] == ["Parameter", "Parameter", "str", "Parameter"]
    assert list(pl.state_dict()) == ["0", "1", "3"] and len(list(pl.parameters())) == 3
    assert type(pl[1:3]).__name__ == "ParameterList" and len(pl[1:3]) == 2 and pl[-1].shape == (4,)
    pl[2] = nn.zeros(1)
    assert isinstance(pl[2], nn.Parameter) and list(pl.state_dict()) == ["0", "1", "3", "2"]
    assert "(2): Parameter containing" in repr(pl)
    assert "Object of type: str" in repr(nn.ParameterList(["x"]))
    with pytest.raises(TypeError, match="^ParameterList.extend should be called with an iterable, but got Tensor$"):
        pl.extend(nn.ones(2))
    with pytest.raises(IndexError, match="out of range"):
        pl[4]


def test_parameter_list_state_dict_keys_as_pytorchs():
    torch = pytest.importorskip("torch")
    lists = []
    for lib, N in ((torch, torch.nn), (nn, nn)):
        pl = N.ParameterList([lib.ones(2)])
        pl.append(N.ParameterList([N.Parameter(lib.ones(1))]))
        pl.append(3.0)
        pl.append(N.Parameter(lib.ones(2)))
        lists.append((list(pl.state_dict()), [type(p).__name__ for p in pl]))
    assert lists[0] == lists[1]


# ---- expand: PyTorch's RuntimeErrors (entmax_bisect with an alpha of the wrong shape) -------------------------------

def test_expand_errors_are_pytorchs():
    with pytest.raises(RuntimeError, match=r"^The expanded size of the tensor \(4\) must match the existing size \(2\) "
                                           r"at non-singleton dimension 1\.  Target sizes: \[3, 4, 1\]\.  "
                                           r"Tensor sizes: \[2, 1\]$"):
        nn.zeros(2, 1).expand(3, 4, 1)
    # PyTorch reports the last offending dim
    with pytest.raises(RuntimeError, match=r"size of the tensor \(5\) must match the existing size \(3\) at "
                                           r"non-singleton dimension 1\.  Target sizes: \[4, 5\]"):
        nn.zeros(2, 3).expand_as(nn.zeros(4, 5))
    with pytest.raises(RuntimeError, match=r"^The expanded size of the tensor \(-1\) isn't allowed in a leading, "
                                           r"non-existing dimension 0$"):
        nn.zeros(2, 3).expand(-1, -1, 3)
    with pytest.raises(RuntimeError, match=r"^expand\(torch\.FloatTensor\{\[2, 3\]\}, size=\[3\]\): the number of "
                                           r"sizes provided \(1\) must be greater or equal to the number of "
                                           r"dimensions in the tensor \(2\)$"):
        nn.zeros(2, 3).expand(3)
    assert nn.zeros(2, 1).expand(3, -1, 4).shape == (3, 2, 4)


# ---- in-place results of a higher kind: PyTorch's RuntimeError (entmax's sparsemax of an integer tensor) -----------

def test_in_place_results_that_cannot_be_cast_are_refused_in_pytorchs_words():
    float_long = "result type Float can't be cast to the desired output type Long"
    for call, words in ((lambda: nn.tensor([3, 4]).div_(2), float_long),
                        (lambda: nn.tensor([3, 4]).__itruediv__(nn.tensor([2, 2])), float_long),
                        (lambda: nn.tensor([3, 4]).add_(nn.tensor([1.0, 2.0], requires_grad=True) * 1), float_long),
                        (lambda: nn.tensor([3, 4], dtype=nn.int32).add_(nn.tensor([1.5], dtype=nn.float32)),
                         "result type Float can't be cast to the desired output type Int"),
                        (lambda: nn.tensor([True, False]).add_(nn.tensor([1, 1])),
                         "result type Long can't be cast to the desired output type Bool")):
        with pytest.raises(RuntimeError, match=f"^{words}$"):
            call()
    # what PyTorch allows still works: same kind, a lower kind, and copy_ / fill_ (which cast)
    assert nn.tensor([True, False]).mul_(nn.tensor([True, True])).tolist() == [True, False]
    assert nn.tensor([3, 4], dtype=nn.uint8).add_(nn.tensor([1, 2])).tolist() == [4, 6]
    assert nn.tensor([1.0]).add_(nn.tensor([2])).tolist() == [3.0]
    assert nn.tensor([3, 4]).copy_(nn.tensor([1.5, 2.5])).tolist() == [1, 2]


# ---- gather / scatter index checks: PyTorch's RuntimeErrors (entmax's losses on a 3-d input) -----------------------

def test_gather_and_scatter_index_errors_are_pytorchs():
    x = nn.zeros(3, 4)
    with pytest.raises(RuntimeError, match="^Index tensor must have the same number of dimensions as input tensor$"):
        x.gather(1, nn.zeros(3, dtype=nn.int64))
    for call in (lambda: x.scatter_add_(1, nn.zeros(3, dtype=nn.int64), nn.ones(3)),
                 lambda: x.scatter(1, nn.zeros(3, dtype=nn.int64), 1.0),
                 lambda: x.scatter_reduce(1, nn.zeros(3, dtype=nn.int64), nn.ones(3), "sum")):
        with pytest.raises(RuntimeError, match="^Index tensor must have the same number of dimensions as self tensor$"):
            call()
    with pytest.raises(RuntimeError, match=r"^gather\(\): Expected dtype int32/int64 for index$"):
        x.gather(1, nn.zeros(3, 1))
    with pytest.raises(RuntimeError, match=r"^scatter\(\): Expected dtype int32/int64 for index$"):
        x.scatter_add_(1, nn.zeros(3, 1), nn.ones(3, 1))
    assert x.gather(1, nn.zeros(3, 1, dtype=nn.int32)).shape == (3, 1)


# ---- assigning before Module.__init__: PyTorch's words --------------------------------------------------------------

def test_assigning_before_module_init_names_what_was_assigned():
    class P(nn.Module):
        def __init__(self):
            self.p = nn.Parameter(nn.zeros(1))
            super().__init__()

    class M(nn.Module):
        def __init__(self):
            self.m = nn.Linear(1, 1)

    class B(nn.Module):
        def __init__(self):
            self.register_buffer("b", nn.zeros(1))

    class R(nn.Module):
        def __init__(self):
            self.register_parameter("w", None)

    for cls, what in ((P, "parameters"), (M, "module"), (B, "buffer"), (R, "parameter")):
        with pytest.raises(AttributeError, match=rf"^cannot assign {what} before Module\.__init__\(\) call"):
            cls()

    class Plain(nn.Module):          # plain attributes before __init__ are fine (entmax's Sparsemax sets dim first)
        def __init__(self):
            self.dim = -1
            super().__init__()
    assert Plain().dim == -1
