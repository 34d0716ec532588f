"""nn's lazy layers against PyTorch 2.13 directly (round 46, area G; no package ported). PyTorch's LazyLinear is
``class LazyLinear(LazyModuleMixin, Linear)`` with ``cls_to_become = Linear``: a Linear of in_features 0 from the
start, whose weight and bias are UninitializedParameters until a forward pre-hook (``_infer_parameters``) reads the
size from the first input, materializes them in place, initialises them and makes the module a Linear; a
load-state-dict pre-hook (``_lazy_load_hook``) materializes them to the shapes a state dict holds. So are the lazy
convolutions (``_LazyConvXdMixin``), the lazy batch norms and the lazy instance norms (``_LazyNormBase``, whose running
statistics are UninitializedBuffers). nn's lazy layers were modules of their own that built the eager layer at their
first call and took over its attributes; they now follow PyTorch's structure, defined beside their eager classes.

What was run: a grid in one process over all fifteen lazy classes (17 constructions: bias off, groups, strides,
output_padding, affine / track_running_stats off, dtype=float64, unbatched inputs), each probe on both libraries
with the same NumPy inputs, compared by value and by the error's type and words: isinstance against every eager
class and PyTorch's private bases, the MRO, the repr, state_dict keys and values, named parameters and buffers,
has_uninitialized_params, the size attributes; deepcopy and pickle, and the copy called; ``.double()`` and
``.to(float64)`` before the call; forward pre-hooks and hooks registered before the call (the class they see, the
output shape); ``parameters()`` and an SGD optimizer made before the call (the same objects after it, a step moving
them); an input of the wrong rank; ``load_state_dict`` of an eager layer's state (perturbed) into a fresh lazy layer
(its type, repr and state after the load and after the call, the output against the eager layer), of a lazy state
into a lazy layer and into an eager one; ``apply`` of init functions testing ``isinstance(m, nn.Linear)`` and
``type(m) == nn.Linear``; the placeholders' ``shape``, ``size()``, ops, ``numel()``; DataParallel and
``_replicate_for_data_parallel``. 314 of its probes differed on the tree before (and LazyConv3d(2, 2, bias=False)
could not be built), 40 after, all of the kinds listed below as still different (the placeholders' ops, 30; deepcopy
of the lazy norms, 5; nn's private convolution bases in the MRO, 5). Then d2l-style models built of lazy layers
(LeNet, LeNet with batch norms (the book's BNLeNet), a NiN-like block with a lazy instance norm and transposed
convolution, 1-d and 3-d stacks, an MLP), PyTorch's weights perturbed and loaded by state_dict (before the first
call, materializing through the load hook, and after a dry run), three SGD-momentum or Adam steps on a cross-entropy
loss, float64 and float32: outputs, gradients and the state after the steps. Largest differences, float64, relative
to each tensor's (the gradients': all of a model's gradients') scale: outputs 3.6e-14, gradients 8.2e-13, the state
after three SGD steps 9.1e-16. The gradients' 8.2e-13 (the 3-d model at its third step) is the loss's: where the
softmax gives the target class 0.99996, p - 1 cancels; PyTorch's own gradient of those logits is 1.0e-13 from one
computed in long double, nn's 4.4e-14. After Adam steps the states differ by up to 4.7e-9 where a convolution's or
linear layer's bias stands just before a batch or instance norm (the biases 2.3e-8, the running means that follow
them the rest): such a bias's exact gradient is 0 (the norm removes a constant shift of its channel), both libraries
give rounding noise of 1e-16, and Adam's division by sqrt(v) + eps magnifies it; PyTorch against itself, its weights
moved by one ulp, differs as much (5.4e-10 against nn's 2.5e-10 on BNLeNet). float32: outputs and gradients 2e-6 but
after Adam steps on BNLeNet (1.3e-4 in the outputs; its states 9.2e-3 against PyTorch's 1.1e-2 with its weights
moved by one ulp).

Still different (not fixed): PyTorch's placeholders refuse every op but the casts and moves through their
``__torch_function__`` ("Attempted to use an uninitialized parameter in <method 'add' of 'torch._C.TensorBase'
objects>. ...": ``numel()``, ``p + 1``), where nn's run on their empty data (nn.init's initialisers alone refuse
them, in PyTorch's words): a Tensor subclass taking part in ``__torch_function__`` makes every nn function dispatch,
for all tensors, from the moment it is defined (nn.overrides), so the placeholders keep the disabled one; likewise
``copy.deepcopy`` of a lazy batch or instance norm before its first call is PyTorch's ValueError and copies in nn,
``UninitializedParameter.double()`` is a Tensor in nn and a placeholder in PyTorch; nn's 1-d and 3-d convolutions
have private bases PyTorch lacks (``_Conv1dBase``, ``_Conv3dBase``) in their MROs (the lazy ones' too). Before the
first call, ``.to("meta")`` is nn's RuntimeError (the placeholder's shape read) where PyTorch makes meta Parameters,
and ``requires_grad_()`` and ``share_memory()`` run in nn where PyTorch raises (its placeholders refuse those
methods). As in PyTorch, a lazy convolution or norm loaded from a state dict before its first call keeps in_channels
/ num_features 0 after the call (only LazyLinear sets its in_features then), and a lazy instance norm with weights
so loaded refuses its first input.

The failures of nn these tests pin down (the package is not imported here):

- A lazy layer was no instance of its eager class before its first call: ``isinstance(nn.LazyLinear(3), nn.Linear)``
  was False (True in PyTorch), as for the lazy convolutions and their transposes (``_ConvNd``, ``_ConvTransposeNd``),
  the lazy batch norms (``_BatchNorm``, ``_NormBase``) and the lazy instance norms (``_InstanceNorm``); its MRO lacked
  ``LazyModuleMixin`` and the eager class; ``cls_to_become`` was a classmethod, not the class.
- An optimizer made before the first call held placeholders the first call threw away: its steps moved nothing,
  silently (PyTorch's materialize in place, so the optimizer trains the layer).
- A forward pre-hook registered before the first call saw the lazy class; PyTorch's sees the eager one (its
  inference hook runs first).
- The lazy norms had no running statistics before their first call: their state dict lacked ``running_mean``,
  ``running_var`` and ``num_batches_tracked`` (PyTorch's: UninitializedBuffers and a 0), and a lazy norm without
  parameters (``affine=False``) made float64 by ``.double()`` built float32 statistics and failed at its first call
  ("mixed dtype"); a plain module refused to register an UninitializedBuffer (PyTorch holds it).
- state_dict gave empty arrays for the placeholders where PyTorch gives the UninitializedParameter itself.
- A state dict loaded before the first call made the layer its eager class at once, with the size taken from the
  checkpoint; PyTorch's stays lazy (``has_uninitialized_params()`` False) until its first call, LazyLinear then
  takes in_features from the input, and a lazy convolution or norm keeps in_channels / num_features 0 (PyTorch's
  repr ``Conv2d(0, 4, ...)``; a lazy instance norm with affine weights then refuses its input, in PyTorch's words).
  A lazy state dict loaded into an initialized layer is PyTorch's RuntimeError ("Can't access the shape of an
  uninitialized parameter or buffer. ...") where nn reported a size mismatch.
- The placeholders answered ``p.shape`` with (0,); PyTorch's is a RuntimeError ("Can't access the shape of an
  uninitialized parameter or buffer. ..."). An init function applied before the first call (``nn.init.constant_``
  on a lazy layer's weight, through ``model.apply``) did nothing, silently, and the first call's initialisation then
  replaced the weight; PyTorch raises its ValueError ("Attempted to use an uninitialized parameter in <function
  constant_ at 0x...>. ..."). A pickled placeholder is a new one of its class with its requires_grad only, as
  PyTorch's (the default dtype when loaded).
- ``_replicate_for_data_parallel`` did not exist (PyTorch's RuntimeError: "Modules with uninitialized parameters
  can't be used with `DataParallel`. ...").
- ``nn.LazyConv3d(2, 2, bias=False)`` and ``nn.LazyConvTranspose3d(2, 2, bias=False)`` raised KeyError ("attribute
  'bias' already exists").
- ``nn.InstanceNorm1d(0)`` raised ValueError; PyTorch builds it (the lazy instance norms are built so).
- ``nn.save`` of a lazy model (or of its state dict) wrote the placeholders as 0-element Parameters, so the loaded
  model failed at its first call (an AssertionError of LazyLinear's size check); PyTorch's file holds them as
  ``torch.nn.parameter.UninitializedParameter`` / ``UninitializedBuffer`` with their requires_grad, and the loaded
  model infers its sizes as before.
- A transposed convolution given another padding mode named the eager class in its error ("Only "zeros" padding mode
  is supported for ConvTranspose2d" from a LazyConvTranspose2d): PyTorch's words name the class built.
"""
import copy
import io
import pickle

import numpy as np
import pytest

import nn

# (lazy class, its arguments, the eager class it becomes, an input shape, PyTorch 2.13's public MRO names and the
# private bases it holds)
LAZY = [
    ("LazyLinear", (3,), "Linear", (2, 5), ["LazyModuleMixin", "Linear"], []),
    ("LazyConv1d", (4, 3), "Conv1d", (2, 3, 8), ["LazyModuleMixin", "Conv1d"], ["_LazyConvXdMixin", "_ConvNd"]),
    ("LazyConv2d", (4, 3), "Conv2d", (2, 3, 6, 6), ["LazyModuleMixin", "Conv2d"], ["_LazyConvXdMixin", "_ConvNd"]),
    ("LazyConv3d", (2, 2), "Conv3d", (1, 3, 3, 3, 3), ["LazyModuleMixin", "Conv3d"], ["_LazyConvXdMixin", "_ConvNd"]),
    ("LazyConvTranspose1d", (4, 3), "ConvTranspose1d", (2, 3, 5), ["LazyModuleMixin", "ConvTranspose1d"],
     ["_LazyConvXdMixin", "_ConvTransposeNd", "_ConvNd"]),
    ("LazyConvTranspose2d", (4, 3), "ConvTranspose2d", (2, 3, 4, 4), ["LazyModuleMixin", "ConvTranspose2d"],
     ["_LazyConvXdMixin", "_ConvTransposeNd", "_ConvNd"]),
    ("LazyConvTranspose3d", (2, 2), "ConvTranspose3d", (1, 3, 3, 3, 3), ["LazyModuleMixin", "ConvTranspose3d"],
     ["_LazyConvXdMixin", "_ConvTransposeNd", "_ConvNd"]),
    ("LazyBatchNorm1d", (), "BatchNorm1d", (4, 3), ["LazyModuleMixin"], ["_LazyNormBase", "_BatchNorm", "_NormBase"]),
    ("LazyBatchNorm2d", (), "BatchNorm2d", (4, 3, 2, 2), ["LazyModuleMixin"],
     ["_LazyNormBase", "_BatchNorm", "_NormBase"]),
    ("LazyBatchNorm3d", (), "BatchNorm3d", (2, 3, 2, 2, 2), ["LazyModuleMixin"],
     ["_LazyNormBase", "_BatchNorm", "_NormBase"]),
    ("LazyInstanceNorm1d", (), "InstanceNorm1d", (2, 3, 6), ["LazyModuleMixin"],
     ["_LazyNormBase", "_InstanceNorm", "_NormBase"]),
    ("LazyInstanceNorm2d", (), "InstanceNorm2d", (2, 3, 4, 4), ["LazyModuleMixin"],
     ["_LazyNormBase", "_InstanceNorm", "_NormBase"]),
    ("LazyInstanceNorm3d", (), "InstanceNorm3d", (2, 3, 2, 2, 2), ["LazyModuleMixin"],
     ["_LazyNormBase", "_InstanceNorm", "_NormBase"]),
]


def _x(shape, dtype=nn.float32):
    return nn.tensor(np.random.default_rng(0).standard_normal(shape), dtype=dtype)


@pytest.mark.parametrize("name, args, eager, shape, public, private", LAZY)
def test_lazy_layers_are_their_eager_class_from_the_start(name, args, eager, shape, public, private):
    m = getattr(nn, name)(*args)
    cls = getattr(nn, eager)
    # PyTorch: the lazy convolutions and LazyLinear are instances of their eager class; the lazy norms share only
    # its private bases (isinstance(LazyBatchNorm1d(), BatchNorm1d) is False there too)
    assert isinstance(m, cls) == (not name.startswith(("LazyBatch", "LazyInstance")))
    mro = [k.__name__ for k in type(m).__mro__]
    assert [k for k in mro if not k.startswith("_")] == [name] + public + ["Module", "object"]
    assert all(p in mro for p in private)
    assert type(m).cls_to_become is cls and isinstance(m, nn.modules.lazy.LazyModuleMixin)
    assert m.has_uninitialized_params()
    m(_x(shape))
    assert type(m) is cls and not hasattr(m, "_initialize_hook") and not hasattr(m, "_load_hook")


def test_placeholders_in_the_state_dict_and_the_lazy_norms_running_statistics():
    m = nn.LazyLinear(3)
    sd = m.state_dict()
    assert list(sd) == ["weight", "bias"] and sd["weight"] is m.weight
    assert repr(sd["bias"]) == "<UninitializedParameter>"
    bn = nn.LazyBatchNorm1d()
    assert repr(bn) == "LazyBatchNorm1d(0, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    assert [(k, repr(v) if isinstance(v, nn.UninitializedBuffer) else int(v)) for k, v in bn.state_dict().items()
            if "weight" not in k and "bias" not in k] == [
        ("running_mean", "<UninitializedBuffer>"), ("running_var", "<UninitializedBuffer>"), ("num_batches_tracked", 0)]
    assert [type(b).__name__ for b in bn.buffers()] == ["UninitializedBuffer", "UninitializedBuffer", "Tensor"]
    assert list(nn.LazyInstanceNorm2d(affine=False).state_dict()) == ["running_mean", "running_var",
                                                                     "num_batches_tracked"]
    assert list(nn.LazyBatchNorm3d(track_running_stats=False).state_dict()) == ["weight", "bias"]
    # the statistics materialize with the parameters, in the dtype .double() gave the placeholders
    norm = nn.LazyBatchNorm1d(affine=False).double()
    assert norm.running_mean.dtype == nn.float64
    norm(_x((4, 3), nn.float64))
    assert type(norm) is nn.BatchNorm1d and norm.running_var.dtype == nn.float64 and norm.running_mean.shape == (3,)
    assert int(norm.num_batches_tracked) == 1
    # a plain module holds an UninitializedBuffer, as PyTorch's
    holder = nn.Module()
    holder.register_buffer("stat", nn.UninitializedBuffer())
    assert type(holder.stat) is nn.UninitializedBuffer


def test_optimizer_and_hooks_made_before_the_first_call():
    nn.manual_seed(0)
    model = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    params = list(model.parameters())
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    seen = []
    model[0].register_forward_pre_hook(lambda m, a: seen.append(type(m).__name__))
    model[0].register_forward_hook(lambda m, a, o: seen.append((type(m).__name__, tuple(o.shape))))
    x = _x((3, 5))
    model(x).square().sum().backward()
    assert seen == ["Linear", ("Linear", (3, 4))]           # PyTorch's: its inference hook runs first
    assert all(p is q for p, q in zip(params, model.parameters())) and model[0].weight.shape == (4, 5)
    before = [p.detach().clone() for p in model.parameters()]
    opt.step()
    assert all(bool((p != b).any()) for p, b in zip(model.parameters(), before))


def test_load_state_dict_materializes_and_the_layer_stays_lazy_until_its_call():
    m = nn.LazyLinear(3)
    w, b = np.arange(15.0).reshape(3, 5) / 10, np.array([1.0, -1.0, 0.5])
    assert str(m.load_state_dict({"weight": w, "bias": b})) == "<All keys matched successfully>"
    assert type(m) is nn.LazyLinear and m.in_features == 0 and not m.has_uninitialized_params()
    assert m.weight.shape == (3, 5) and repr(m) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    y = m(nn.ones(2, 5))
    assert type(m) is nn.Linear and m.in_features == 5
    np.testing.assert_allclose(y.detach().numpy(), np.tile(w.sum(1) + b, (2, 1)), rtol=1e-6)
    # PyTorch's lazy convolution keeps in_channels 0 (its inference hook only sizes placeholders)
    conv = nn.LazyConv2d(4, 3)
    conv.load_state_dict({"weight": np.zeros((4, 2, 3, 3)), "bias": np.ones(4)})
    assert conv(nn.zeros(1, 2, 5, 5)).shape == (1, 4, 3, 3)
    assert repr(conv) == "Conv2d(0, 4, kernel_size=(3, 3), stride=(1, 1))"
    # and a lazy instance norm so loaded refuses its input, in PyTorch's words
    norm = nn.LazyInstanceNorm2d()
    norm.load_state_dict({"weight": np.ones(3), "bias": np.zeros(3), "running_mean": np.zeros(3),
                          "running_var": np.ones(3), "num_batches_tracked": np.array(0)})
    with pytest.raises(ValueError, match=r"^expected input's size at dim=1 to match num_features \(0\), but got: 3\.$"):
        norm(nn.zeros(2, 3, 4, 4))
    # a lazy state into a lazy layer loads nothing; into an initialized one it is PyTorch's RuntimeError
    lazy = nn.LazyLinear(3)
    lazy.load_state_dict(nn.LazyLinear(3).state_dict())
    assert type(lazy) is nn.LazyLinear and lazy.has_uninitialized_params()
    with pytest.raises(RuntimeError, match=r"^Can't access the shape of an uninitialized parameter or buffer\. This "
                                           r"error usually happens in `load_state_dict`"):
        nn.Linear(5, 3).load_state_dict(nn.LazyLinear(3).state_dict())


def test_placeholders_shape_and_pickling_as_pytorchs():
    p = nn.LazyLinear(3).weight
    with pytest.raises(RuntimeError, match=r"^Can't access the shape of an uninitialized parameter or buffer\. This "
                                           r"error usually happens in `load_state_dict` when trying to load an "
                                           r"uninitialized parameter into an initialized one\. Call `forward` to "
                                           r"initialize the parameters before accessing their attributes\.$"):
        p.shape
    assert tuple(p.size()) == (0,) and p.double().dtype == nn.float64 and p.is_leaf and p.grad is None
    assert [type(m) == nn.Linear for m in nn.Sequential(nn.LazyLinear(3)).modules()] == [False, False]

    # an init function applied before the first call: PyTorch's ValueError, not a no-op the call overwrites
    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.constant_(m.weight, 0.5)
    with pytest.raises(ValueError, match=r"^Attempted to use an uninitialized parameter in <function constant_ at "
                                         r"0x[0-9a-f]+>\. This error happens when you are using a `LazyModule` or "
                                         r"explicitly manipulating `torch.nn.parameter.UninitializedParameter` "
                                         r"objects\. When using LazyModules Call `forward` with a dummy batch to "
                                         r"initialize the parameters before calling torch functions$"):
        nn.Sequential(nn.LazyLinear(3)).apply(init)
    # pickled: a new placeholder of its class with its requires_grad (PyTorch's __reduce_ex__)
    q = pickle.loads(pickle.dumps(nn.LazyLinear(3, dtype=nn.float64).weight))
    assert type(q) is nn.UninitializedParameter and q.dtype == nn.float32 and q.requires_grad


def test_replicate_for_data_parallel_and_instance_norm_of_no_features():
    with pytest.raises(RuntimeError, match=r"^Modules with uninitialized parameters can't be used with "
                                           r"`DataParallel`\. Run a dummy forward pass to correctly initialize the "
                                           r"modules$"):
        nn.LazyConv2d(4, 3)._replicate_for_data_parallel()
    assert nn.DataParallel(nn.LazyLinear(3))(nn.zeros(2, 4)).shape == (2, 3)       # one device: the module runs
    assert repr(nn.InstanceNorm1d(0)) == ("InstanceNorm1d(0, eps=1e-05, momentum=0.1, affine=False, bias=False, "
                                          "track_running_stats=False)")
    # the grouped lazy convolution's check of the input's channels, in PyTorch's words
    with pytest.raises(ValueError, match="^in_channels must be divisible by groups$"):
        nn.LazyConv2d(4, 3, groups=2)(nn.zeros(1, 3, 5, 5))
    # the lazy 3-d convolutions without a bias build (nn raised KeyError "attribute 'bias' already exists")
    for make in (nn.LazyConv3d, nn.LazyConvTranspose3d):
        conv3 = make(2, 2, bias=False)
        conv3(nn.ones(1, 3, 4, 4, 4))
        assert list(conv3.state_dict()) == ["weight"] and conv3.bias is None
    copied = copy.deepcopy(nn.LazyLinear(3))
    copied(nn.zeros(2, 4))
    assert type(copied) is nn.Linear and copied.weight.shape == (3, 4)


def test_saved_lazy_model_loads_lazy_and_the_transposed_conv_words_name_the_class():
    buf = io.BytesIO()
    nn.save(nn.Sequential(nn.LazyLinear(3), nn.LazyBatchNorm1d()), buf)
    buf.seek(0)
    model = nn.load(buf, weights_only=False)
    # PyTorch's file holds the placeholders (torch.nn.parameter.UninitializedParameter, requires_grad), no storage
    assert [type(v).__name__ for v in model.state_dict().values()] == [
        "UninitializedParameter", "UninitializedParameter", "UninitializedParameter", "UninitializedParameter",
        "UninitializedBuffer", "UninitializedBuffer", "DataArray"]
    assert model(nn.ones(4, 5)).shape == (4, 3) and [type(m) for m in model] == [nn.Linear, nn.BatchNorm1d]
    with pytest.raises(ValueError, match='^Only "zeros" padding mode is supported for LazyConvTranspose2d$'):
        nn.LazyConvTranspose2d(3, 3, padding_mode="reflect")


# ---- against PyTorch itself ---------------------------------------------------------------------------------------

def _probe(lib, name, args, shape):
    """What the grid compared, for one lazy class."""
    nnm = lib.nn
    m = getattr(nnm, name)(*args)
    x = lib.tensor(np.random.default_rng(0).standard_normal(shape))
    # (a state dict's values: the placeholders themselves, arrays in nn and Tensors in PyTorch otherwise)
    out = {"repr": repr(m), "sd": [(k, type(v).__name__ if "Uninit" in type(v).__name__ else "values")
                                   for k, v in m.state_dict().items()],
           "isinstance": [n for n in ("Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
                                      "ConvTranspose3d", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d",
                                      "InstanceNorm2d", "InstanceNorm3d") if isinstance(m, getattr(nnm, n))]}
    m.double()
    params = list(m.parameters())
    opt = lib.optim.SGD(m.parameters(), lr=0.1)
    seen = []
    m.register_forward_pre_hook(lambda mod, a: seen.append(type(mod).__name__))
    m(x).square().sum().backward()
    before = [p.detach().numpy().copy() for p in m.parameters()]
    opt.step()
    out.update(seen=seen, type=type(m).__name__, repr_after=repr(m),
               same=[p is q for p, q in zip(params, m.parameters())],
               moved=[bool(np.any(p.detach().numpy() != b)) for p, b in zip(m.parameters(), before)],
               sd_after=[(k, tuple(v.shape), str(v.dtype).split(".")[-1]) for k, v in m.state_dict().items()])
    fresh = getattr(nnm, name)(*args).double()
    fresh.load_state_dict({k: lib.tensor(np.asarray(v.detach().numpy() if hasattr(v, "detach") else v))
                           for k, v in m.state_dict().items()})
    out["loaded"] = (type(fresh).__name__, repr(fresh), fresh.has_uninitialized_params())
    try:
        out["loaded_call"] = (type(fresh).__name__, repr(fresh), tuple(fresh(x).shape))
    except ValueError as e:
        out["loaded_call"] = str(e)
    return out


@pytest.mark.parametrize("name, args, eager, shape, public, private", LAZY)
def test_lazy_layers_against_pytorch(name, args, eager, shape, public, private):
    torch = pytest.importorskip("torch")
    a, b = _probe(torch, name, args, shape), _probe(nn, name, args, shape)
    for key in a:
        assert a[key] == b[key], key


def _bn_lenet(lib):
    """The d2l book's BNLeNet (section 8.5), built of lazy layers, on 1 x 16 x 16 inputs."""
    m = lib.nn
    return m.Sequential(m.LazyConv2d(6, 5), m.LazyBatchNorm2d(), m.Sigmoid(), m.AvgPool2d(2, 2),
                        m.LazyConv2d(16, 3), m.LazyBatchNorm2d(), m.Sigmoid(), m.AvgPool2d(2, 2), m.Flatten(),
                        m.LazyLinear(32), m.LazyBatchNorm1d(), m.Sigmoid(), m.LazyLinear(10))


def test_d2l_lazy_lenet_trains_as_pytorchs():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((8, 1, 16, 16)), rng.integers(0, 10, 8)
    tm = _bn_lenet(torch).double()
    tm(torch.tensor(x))
    with torch.no_grad():
        for p in tm.parameters():
            p.add_(torch.tensor(rng.standard_normal(tuple(p.shape)) * 0.1))
    nm = _bn_lenet(nn).double()
    # the optimizer made on the placeholders, which the load hook materializes in place
    opts = [torch.optim.SGD(tm.parameters(), lr=0.05, momentum=0.9), nn.optim.SGD(nm.parameters(), lr=0.05,
                                                                                     momentum=0.9)]
    nm.load_state_dict({k: v.numpy().copy() for k, v in tm.state_dict().items()})
    for _ in range(3):
        outs = []
        for lib, model, opt in ((torch, tm, opts[0]), (nn, nm, opts[1])):
            out = model(lib.tensor(x))
            opt.zero_grad()
            lib.nn.functional.cross_entropy(out, lib.tensor(y)).backward()
            outs.append((out.detach().numpy(), np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])))
            opt.step()
        assert np.abs(outs[0][0] - outs[1][0]).max() <= 1e-13 * np.abs(outs[0][0]).max()
        assert np.abs(outs[0][1] - outs[1][1]).max() <= 1e-12 * np.abs(outs[0][1]).max()
    assert [type(m) for m in nm][:2] == [nn.Conv2d, nn.BatchNorm2d]
    for (k, tv), (k2, nv) in zip(tm.state_dict().items(), nm.state_dict().items()):
        assert k == k2
        np.testing.assert_allclose(np.asarray(nv), tv.numpy(), rtol=1e-12, atol=1e-13)
