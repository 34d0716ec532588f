"""torchsummaryX 1.3.0 and flopth 0.1.6 (model summaries and FLOP / parameter counts through forward hooks and
through a patch of each leaf layer's class ``__call__``; their wheels) ported file by file by the porting rule
(torchsummaryX -> torchsummaryXp, flopth -> flopthp in their own import lines; nothing else changed) and run against
the originals on PyTorch 2.13 in one process (round 45, area A). torchsummaryX needs pandas' 1.x behaviour of
``DataFrame.sum`` (columns that cannot be added dropped); pandas 3.1 raises instead, so both sides ran with the same
small shim restoring it; flopth imports torchvision for its command line's model zoo, a name-only stand-in on both
sides (its counting never touches it). Models written for the run, PyTorch's initial weights perturbed and loaded by
``state_dict``, float64 and float32, the same NumPy inputs (flopth's ``torch.rand`` inputs handed over from one NumPy
stream per side): Conv1d / 2d / 3d and their transposes (groups, dilation, padding='same', no bias); max / average /
adaptive / LP pools 1-d to 3-d (return_indices), Upsample (nearest, bilinear), ZeroPad2d, PixelShuffle, Flatten /
Unflatten; BatchNorm1d / 2d / 3d (affine off, no running stats), LayerNorm, GroupNorm, InstanceNorm1d / 2d / 3d,
LocalResponseNorm, RMSNorm; 27 activations and dropouts; Linear, Bilinear, a frozen Embedding, EmbeddingBag; RNN /
LSTM (bidirectional, proj_size) / GRU and the three cells, an LSTM over a PackedSequence; MultiheadAttention (kdim /
vdim), TransformerEncoder / Decoder layers; nested Sequential / ModuleList / ModuleDict, a Linear shared by three
containers, modules called twice, a frozen layer, several positional inputs and keywords. Compared exactly: every
forward pre-hook and hook in call order (module name, input and output shapes and dtypes, keyword names), the
summary tables as printed and as DataFrames, flopth's tables, totals and bare numbers (and a second counting of the
same model, which chains flopth's patches). All equal after the fixes below; the models' outputs 1.2e-15 (float64)
and 2.5e-7 (float32) relative to their scale.

Still different then (fixed by the next round, tests/test_compat_round46_G.py): nn's lazy layers (LazyLinear,
LazyConv*, LazyBatchNorm*, LazyInstanceNorm*) were no instances of the layer they become before their first call
(PyTorch's LazyLinear is a Linear from the start; after the first call both are the eager class). Both packages fail alike on both sides where the package itself is at fault:
flopth's patch recurses without end when a layer's class is a subclass of another leaf class met earlier (Hardtanh
before ReLU6), its counting functions call ``.size()`` on an RNN's tuple output and on a PackedSequence, and a model without
parameters stops it at ``next(model.parameters())``.

The failures of nn these tests pin down (the packages are not imported here):

- flopth patches each leaf layer's class: ``forward_funcs[cls] = cls.__call__`` then ``cls.__call__ =
  forward_with_hook``. In nn LogSoftmax and Softmin were subclasses of Softmax, Hardshrink of Softshrink, Dropout1d
  / 2d / 3d, AlphaDropout and FeatureAlphaDropout of Dropout, LPPool2d / 3d of LPPool1d, Fold of Unfold, the 1-d
  and 3-d pads of the 2-d pad of their kind: a model with a Softmax before a LogSoftmax (or Dropout before
  Dropout2d, ...) found the patched ``Softmax.__call__`` as LogSoftmax's original and recursed without end
  (RecursionError), where PyTorch's classes are unrelated and the count runs. Each is now a class of its own under
  PyTorch's private base (``_DropoutNd``, ``_LPPoolNd``, ``_ReflectionPadNd``, ...).
- The same relations answered isinstance differently: flopth's ``compute_flops`` counts ``isinstance(m,
  nn.Dropout)`` as a free layer, so nn counted a Dropout2d silently where PyTorch prints "Op Dropout2d is not
  supported at now, set FLOPs of it to zero."; ZeroPad1d / 2d / 3d were no ConstantPad1d / 2d / 3d (PyTorch's
  are); InstanceNorm1d / 2d / 3d were no ``_NormBase`` (code that finds every norm layer by it missed them);
  LazyBatchNorm2d / 3d were LazyBatchNorm1d's; the reflection, replication and circular pads had a ``value`` (0.0),
  which PyTorch's have not.
- The layers' own ``__init__`` for Python's words: ``LogSoftmax(1, 2)`` said "Softmax.__init__() takes ...",
  ``ZeroPad1d()`` "ZeroPad2d.__init__() missing ...", ``Hardshrink(1, 2)`` "Softshrink.__init__() ...".
"""
import numpy as np
import pytest

import nn


# ---------------------------------------------------------------------------------------------------------------
# PyTorch's class relations: which layer is an instance of which

# (layer, classes PyTorch 2.13 says it is no instance of)
NOT_INSTANCES = [
    (lambda: nn.LogSoftmax(1), ["Softmax"]), (lambda: nn.Softmin(1), ["Softmax"]),
    (lambda: nn.Hardshrink(), ["Softshrink"]),
    (lambda: nn.Dropout1d(), ["Dropout"]), (lambda: nn.Dropout2d(), ["Dropout"]), (lambda: nn.Dropout3d(), ["Dropout"]),
    (lambda: nn.AlphaDropout(), ["Dropout"]), (lambda: nn.FeatureAlphaDropout(), ["Dropout"]),
    (lambda: nn.LPPool2d(2, 2), ["LPPool1d"]), (lambda: nn.LPPool3d(2, 2), ["LPPool1d"]),
    (lambda: nn.Fold((4, 5), 2), ["Unfold"]),
    (lambda: nn.ConstantPad1d(1, 0.5), ["ConstantPad2d"]), (lambda: nn.ConstantPad3d(1, 0.5), ["ConstantPad2d"]),
    (lambda: nn.ZeroPad1d(1), ["ZeroPad2d", "ConstantPad2d"]),
    (lambda: nn.ZeroPad3d(1), ["ZeroPad2d", "ConstantPad2d"]),
    (lambda: nn.ReflectionPad1d(1), ["ReflectionPad2d"]), (lambda: nn.ReflectionPad3d(1), ["ReflectionPad2d"]),
    (lambda: nn.ReplicationPad1d(1), ["ReplicationPad2d"]), (lambda: nn.ReplicationPad3d(1), ["ReplicationPad2d"]),
    (lambda: nn.CircularPad1d(1), ["CircularPad2d"]), (lambda: nn.CircularPad3d(1), ["CircularPad2d"]),
    (lambda: nn.LazyBatchNorm2d(), ["LazyBatchNorm1d"]), (lambda: nn.LazyBatchNorm3d(), ["LazyBatchNorm1d"]),
]


@pytest.mark.parametrize("make, classes", NOT_INSTANCES)
def test_layers_are_no_instances_of_their_neighbours(make, classes):
    layer = make()
    assert not any(isinstance(layer, getattr(nn, c)) for c in classes)
    # and no public class between it and Module but its own (PyTorch's MRO, private bases aside; a ZeroPad is the
    # ConstantPad of its rank)
    name = type(layer).__name__
    assert [k.__name__ for k in type(layer).__mro__ if not k.__name__.startswith("_")] == \
        [name] + (["ConstantPad" + name[-2:]] if name.startswith("ZeroPad") else []) + \
        (["LazyModuleMixin"] if name.startswith("Lazy") else []) + ["Module", "object"]


def test_zero_pads_are_constant_pads_and_instance_norms_norm_bases_as_pytorchs():
    for n in (1, 2, 3):
        pad = getattr(nn, f"ZeroPad{n}d")(1)
        assert isinstance(pad, getattr(nn, f"ConstantPad{n}d")) and pad.value == 0.0
        norm = getattr(nn, f"InstanceNorm{n}d")(3)
        assert isinstance(norm, nn.modules.batchnorm._NormBase)
        assert not isinstance(norm, nn.modules.batchnorm._BatchNorm)
    assert isinstance(nn.LPPool1d(2, 2), nn.modules.pooling._LPPoolNd)
    assert isinstance(nn.Dropout2d(), nn.modules.dropout._DropoutNd)
    # only the constant pads have a value
    assert not any(hasattr(getattr(nn, f"{kind}Pad{n}d")(1), "value")
                   for kind in ("Reflection", "Replication", "Circular") for n in (1, 2, 3))
    # PyTorch 2.13's reprs, and the layers compute as before
    assert repr(nn.ZeroPad1d((1, 2))) == "ZeroPad1d((1, 2))"
    assert repr(nn.ZeroPad3d(1)) == "ZeroPad3d((1, 1, 1, 1, 1, 1))"
    assert repr(nn.ConstantPad1d(2, 1.5)) == "ConstantPad1d(padding=(2, 2), value=1.5)"
    assert repr(nn.ReflectionPad3d(1)) == "ReflectionPad3d((1, 1, 1, 1, 1, 1))"
    assert repr(nn.Softmin(0)) == "Softmin(dim=0)" and repr(nn.LogSoftmax(dim=2)) == "LogSoftmax(dim=2)"
    assert repr(nn.Hardshrink()) == "Hardshrink(0.5)"
    assert repr(nn.Dropout3d(p=0.3)) == "Dropout3d(p=0.3, inplace=False)"
    assert repr(nn.LPPool2d(1.5, (2, 3), stride=1)) == \
        "LPPool2d(norm_type=1.5, kernel_size=(2, 3), stride=1, ceil_mode=False)"
    assert repr(nn.Fold((4, 5), 2)) == "Fold(output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1)"
    assert repr(nn.InstanceNorm2d(4, affine=True, track_running_stats=True)) == \
        "InstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    x = nn.tensor([[1.0, -2.0, 3.0]])
    assert nn.ZeroPad1d((1, 2))(x).tolist() == [[0.0, 1.0, -2.0, 3.0, 0.0, 0.0]]
    assert nn.ConstantPad1d(1, 0.5)(x).tolist() == [[0.5, 1.0, -2.0, 3.0, 0.5]]
    assert nn.ReflectionPad1d(1)(x).tolist() == [[-2.0, 1.0, -2.0, 3.0, -2.0]]
    assert nn.Hardshrink(1.5)(x).tolist() == [[0.0, -2.0, 3.0]]
    np.testing.assert_allclose(nn.LogSoftmax(1)(x).exp().sum().item(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(nn.Softmin(1)(x).numpy(), nn.Softmax(1)(-x).numpy())
    np.testing.assert_allclose(nn.LPPool2d(2, 2)(nn.ones(1, 1, 2, 2)).item(), 2.0)
    assert nn.Fold((2, 2), 1)(nn.arange(4.0).reshape(1, 1, 4)).tolist() == [[[[0.0, 1.0], [2.0, 3.0]]]]
    norm = nn.InstanceNorm1d(2, affine=True, track_running_stats=True)
    assert sorted(norm.state_dict()) == ["bias", "num_batches_tracked", "running_mean", "running_var", "weight"]
    norm.running_mean.fill_(3.0)
    norm.reset_parameters()
    assert norm.running_mean.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("call, words", [
    (lambda: nn.LogSoftmax(1, 2), "LogSoftmax.__init__() takes from 1 to 2 positional arguments but 3 were given"),
    (lambda: nn.Softmin(1, 2), "Softmin.__init__() takes from 1 to 2 positional arguments but 3 were given"),
    (lambda: nn.Hardshrink(1, 2), "Hardshrink.__init__() takes from 1 to 2 positional arguments but 3 were given"),
    (lambda: nn.ZeroPad1d(), "ZeroPad1d.__init__() missing 1 required positional argument: 'padding'"),
    (lambda: nn.ZeroPad3d(1, 2), "ZeroPad3d.__init__() takes 2 positional arguments but 3 were given"),
    (lambda: nn.ConstantPad1d(1), "ConstantPad1d.__init__() missing 1 required positional argument: 'value'"),
    (lambda: nn.ConstantPad3d(), "ConstantPad3d.__init__() missing 2 required positional arguments: 'padding' and "
                                 "'value'"),
    (lambda: nn.LPPool2d(2), "_LPPoolNd.__init__() missing 1 required positional argument: 'kernel_size'"),
])
def test_a_wrong_call_names_the_layer_as_pytorch(call, words):
    with pytest.raises(TypeError) as info:
        call()
    assert str(info.value) == words


# ---------------------------------------------------------------------------------------------------------------
# flopth 0.1.6's patch of each leaf layer's class (model_viewer.py, ModelViewer.apply_forward_hook, abridged)

def count_by_class_patch(model, x):
    """flopth's mechanism (on nn's or PyTorch's classes alike): each leaf class's __call__ replaced by a wrapper calling the class's former __call__
    (looked up on the class when it is patched) -> the leaf classes' names in call order. The classes are put back."""
    calls, forward_funcs = [], {}

    def forward_with_hook(module, *args, **kwargs):
        output = forward_funcs[module.__class__](module, *args, **kwargs)
        calls.append(type(module).__name__)
        return output

    leaves = [m for m in model.modules() if len(list(m.children())) == 0]
    saved = {type(m): type(m).__dict__.get("__call__") for m in leaves}
    try:
        for m in leaves:
            if m.__class__ not in forward_funcs:
                forward_funcs[m.__class__] = m.__class__.__call__
                m.__class__.__call__ = forward_with_hook
        model.eval()
        model(x)
    finally:
        for cls, call in saved.items():
            if call is None:
                del cls.__call__
            else:
                cls.__call__ = call
    return calls


PAIRS = [  # (a layer, then one that PyTorch does not derive from it, the input's shape)
    (lambda: nn.Softmax(1), lambda: nn.LogSoftmax(1), (1, 2, 3)),
    (lambda: nn.Softmax(1), lambda: nn.Softmin(1), (1, 2, 3)),
    (lambda: nn.Softshrink(), lambda: nn.Hardshrink(), (1, 2, 3)),
    (lambda: nn.Dropout(), lambda: nn.Dropout2d(), (1, 2, 3, 3)),
    (lambda: nn.Dropout(), lambda: nn.AlphaDropout(), (1, 2, 3)),
    (lambda: nn.Dropout(), lambda: nn.FeatureAlphaDropout(), (1, 2, 3, 3)),
    (lambda: nn.LPPool1d(2, 1), lambda: nn.LPPool2d(2, 1), (2, 4, 4)),
    (lambda: nn.ReflectionPad2d(1), lambda: nn.ReflectionPad1d(1), (2, 4, 4)),
    (lambda: nn.ReplicationPad2d(1), lambda: nn.ReplicationPad3d(1), (1, 2, 3, 3)),
    (lambda: nn.ConstantPad2d(1, 0.5), lambda: nn.ConstantPad1d(1, 0.5), (2, 4, 4)),
    (lambda: nn.Unfold(1), lambda: nn.Fold((1, 6), 1), (1, 2, 1, 6)),
]


@pytest.mark.parametrize("first, second, shape", PAIRS)
def test_flopth_class_patch_runs_each_layer_once(first, second, shape):
    a, b = first(), second()
    model = nn.Sequential(a, b)
    assert count_by_class_patch(model, nn.ones(*shape)) == [type(a).__name__, type(b).__name__]


def test_flopth_counts_a_dropout2d_as_unsupported():
    """flopth's compute_flops asks isinstance(module, nn.Dropout) before it gives up on a layer;
    PyTorch's Dropout2d is none, so flopth prints its notice and counts 0."""
    def kind(module):                                    # the part of compute_flops that decides
        if isinstance(module, nn.Dropout):
            return "Dropout"
        if isinstance(module, nn.Softmax):
            return "Softmax"
        return "Op {} is not supported at now, set FLOPs of it to zero.".format(module.__class__.__name__)
    assert kind(nn.Dropout2d()) == "Op Dropout2d is not supported at now, set FLOPs of it to zero."
    assert kind(nn.LogSoftmax(1)) == "Op LogSoftmax is not supported at now, set FLOPs of it to zero."
    assert kind(nn.Dropout()) == "Dropout" and kind(nn.Softmax(1)) == "Softmax"


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def test_module_class_relations_against_pytorch():
    """Every layer class of torch.nn that nn has: the same public classes in its MRO, and PyTorch's private bases
    among nn's (the lazy layers aside: see the module docstring)."""
    torch = pytest.importorskip("torch")
    names = [n for n in dir(torch.nn) if isinstance(getattr(torch.nn, n), type)
             and issubclass(getattr(torch.nn, n), torch.nn.Module) and hasattr(nn, n) and not n.startswith("Lazy")]
    assert len(names) > 140
    for name in names:
        theirs = [k.__name__ for k in getattr(torch.nn, name).__mro__ if issubclass(k, torch.nn.Module)]
        ours = [k.__name__ for k in getattr(nn, name).__mro__ if isinstance(k, type) and issubclass(k, nn.Module)]
        assert [k for k in theirs if not k.startswith("_")] == [k for k in ours if not k.startswith("_")], name
        assert set(theirs) <= set(ours), name


def test_flopth_class_patch_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn as tnn

    layers = ["Softmax(1)", "LogSoftmax(1)", "Softmin(1)", "Softshrink()", "Hardshrink()", "Dropout()", "Dropout2d()",
              "AlphaDropout()", "FeatureAlphaDropout()", "ReflectionPad2d(1)", "ReplicationPad2d(1)", "ZeroPad2d(1)",
              "InstanceNorm2d(2)", "LPPool2d(2, 1)"]
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 3))
    theirs = count_by_class_patch(tnn.Sequential(*[eval("tnn." + s, {"tnn": tnn}) for s in layers]).double(),
                                  torch.from_numpy(x))
    ours = count_by_class_patch(nn.Sequential(*[eval("nn." + s) for s in layers]).double(), nn.from_numpy(x))
    assert ours == theirs == [s.split("(")[0] for s in layers]
