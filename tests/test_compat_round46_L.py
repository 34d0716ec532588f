"""The lazy layers' placeholders before the first call, the layers' sizes of 0 and -1, F.normalize with eps=0 and
F.embedding's index-type words, against PyTorch 2.13 directly (round 46, area L). No third-party package: the
leftovers of the lazy layers' rebuild (this round's area G) and of the modules were run on nn and on PyTorch 2.13 in
one process, comparing values, classes, dtypes, devices and the error's type and words:

- before the first call of LazyLinear / LazyBatchNorm1d: ``copy.deepcopy``, ``UninitializedParameter.double()`` /
  ``.float()`` / ``.to(float64)``, ``requires_grad_()`` and ``share_memory_()`` of a placeholder and of the module,
  ``Module.to("meta")`` (also with a dtype, and ``to(meta tensor)``);
- every layer constructor of sizes 0, -1 and -2 (212 constructions: BatchNorm / InstanceNorm 1d-3d with affine and
  running statistics on or off, GroupNorm, LayerNorm, RMSNorm, Linear, Bilinear, Embedding(Bag), the RNNs and their
  cells, MultiheadAttention, PReLU, LocalResponseNorm, the six convolutions and three lazy ones): build or error
  type and words;
- ``F.normalize(x, p, eps=0)`` of an all-zero row for p = 0.5, 1, 2, 3 and inf, its value, gradient and warnings;
- ``F.embedding`` of indices of every dtype.

Measured: the placeholders and modules now agree on every probe but the function named in the "uninitialized
parameter" error (PyTorch names ``<method 'requires_grad_' of 'torch._C.TensorBase' objects>``, nn its own
function); the constructor grid went from 109 of 212 cases differing to 43; F.normalize's gradients at a zero row
with eps=0 are PyTorch's (nan for p = 0.5, 1, 2 and inf; nan then inf for p = 3), silently, and its gradients over
p = 0.5, 1, 2, 3, inf and eps = 0, 1e-12, 2 agree with PyTorch's to 1e-13 (float64); the embedding words agree (with
nn's ``nn.FloatTensor`` for PyTorch's ``torch.FloatTensor``, as earlier rounds pinned).

Still different (not fixed): the convolutions still refuse a kernel_size of 0 and negative channel or kernel sizes with
nn's ValueError (PyTorch builds kernel_size=0 and fails in torch.empty for a negative size); Bilinear refuses
out_features=0 (PyTorch builds it) and words its in1_features=0 error in nn's words; PReLU(0) is refused (PyTorch
builds it); LSTMCell(3, 0) divides by zero in its initialisation (PyTorch builds it); the RNN cells' negative sizes
are NumPy's ValueError. nn's 1-d and 3-d convolutions keep their private bases ``_Conv1dBase`` / ``_Conv3dBase`` in
the MRO (PyTorch's have ``_ConvNd`` directly): ``_ConvNd``'s constructor reads 2-d kernel sizes, and removing the
bases means giving it the other ranks' parsing.

The failures of nn these tests pin down (the package is not imported here):

- ``copy.deepcopy`` of a lazy batch or instance norm before its first call copied it; PyTorch raises ValueError
  ("Attempted to use an uninitialized parameter in <function Tensor.__deepcopy__ ...>. ... explicitly manipulating
  `torch.nn.parameter.UninitializedBuffer` objects. ..."), the running statistics' placeholders refusing
  ``__deepcopy__`` (a lazy Linear, whose placeholders are UninitializedParameters, is copied by both).
- ``requires_grad_()`` of a placeholder and of a lazy module before its first call ran; PyTorch raises that
  ValueError (naming UninitializedParameter). ``share_memory_()`` / ``Module.share_memory()`` ran; PyTorch raises
  RuntimeError "Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize the
  parameters before calling `module.share_memory()`."
- ``LazyLinear(3).to("meta")`` raised "Can't access the shape of an uninitialized parameter or buffer. ..."; PyTorch
  makes its parameters meta Parameters of shape (0,) (its buffer placeholders stay placeholders).
- ``Module.to("meta", float64)`` and ``to(device="meta", dtype=...)`` moved to meta and ignored the dtype; ``to(meta
  tensor)`` cast without moving; ``to("meta", int64)`` moved the module and raised nothing. PyTorch casts and moves,
  and refuses the integer dtype (TypeError) before moving anything.
- BatchNorm / InstanceNorm 1d-3d, GroupNorm, LayerNorm, RMSNorm and Linear refused a negative size with nn's
  ValueError ("num_features must be a positive integer (or 0), got -1"), and GroupNorm a size of 0. PyTorch checks
  no sign: InstanceNorm1d(-1) and a BatchNorm1d(-1) without affine or running statistics build, GroupNorm(1, 0) and
  GroupNorm(-1, 4) build, GroupNorm(0, 4) is Python's ZeroDivisionError ("integer modulo by zero"), and a negative
  size fails where a tensor of it is made: RuntimeError "Trying to create tensor with negative dimension -1: [-1]"
  (torch.empty: weight, bias; [2, -1] for Linear(-1, 2)) or "zeros: Dimension size must be non-negative." (the
  running statistics of a norm without affine parameters).
- ``F.normalize(x, eps=0)`` of an all-zero row warned NumPy's "invalid value encountered in divide" and gave the
  gradient [nan, inf, inf] for p = 1 and 2 ([nan, -inf, inf] for p = 0.5); PyTorch is silent and gives nan everywhere
  there (its vector norm's backward masks a zero norm only for p > 1 other than 2); for p = 3 both give [nan, inf,
  inf], for p = inf nan. At a norm equal to eps PyTorch's
  clamp_min passes the gradient through the norm; nn dropped it.
- ``F.embedding`` of bool or complex indices named ``nn.BoolTensor`` / ``nn.ComplexFloatTensor``; PyTorch names
  ``CPUBoolType`` / ``CPUComplexFloatType`` (the types without a legacy tensor name).
- The factories refused a negative size with nn's ValueError ("sizes must be non-negative, got (3, -1)"); PyTorch
  raises RuntimeError "Trying to create tensor with negative dimension -1: [3, -1]" (``empty``, ``ones``, ``full``,
  ``rand``, ``randn``, ``randint``) or "zeros: Dimension size must be non-negative." (``zeros``), the words the
  layers now give through the same one check (tests/test_compat_sizes_and_empties.py pinned the ValueError of
  ``ones(tensor(-1))``; it now states PyTorch's words).
"""
import copy
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F

UNINIT_WORDS = (r"^Attempted to use an uninitialized parameter in .*\. This error happens when you are using a "
                r"`LazyModule` or explicitly manipulating `torch\.nn\.parameter\.{}` objects\. When using "
                r"LazyModules Call `forward` with a dummy batch to initialize the parameters before calling torch "
                r"functions$")
SHARE_WORDS = ("Can't share memory on an uninitialized parameter or buffer. Call `forward` to initialize the "
               "parameters before calling `module.share_memory()`.")


# ---- the placeholders before the first call -------------------------------------------------------------------

def test_deepcopy_of_a_lazy_norm_before_its_first_call_refuses_as_pytorchs():
    for layer in (nn.LazyBatchNorm1d(), nn.LazyInstanceNorm2d(track_running_stats=True)):
        with pytest.raises(ValueError, match=UNINIT_WORDS.format("UninitializedBuffer")):
            copy.deepcopy(layer)
    lin = nn.LazyLinear(3)                  # UninitializedParameters copy themselves (a new placeholder), as PyTorch's
    twin = copy.deepcopy(lin)
    assert type(twin.weight) is nn.parameter.UninitializedParameter and twin.weight is not lin.weight
    norm = nn.LazyBatchNorm1d()
    norm(nn.ones(4, 3))
    assert copy.deepcopy(norm).running_mean.shape == (3,)


def test_placeholders_refuse_requires_grad_and_share_memory_as_pytorchs():
    p = nn.parameter.UninitializedParameter()
    with pytest.raises(ValueError, match=UNINIT_WORDS.format("UninitializedParameter")):
        p.requires_grad_(False)
    with pytest.raises(ValueError, match=UNINIT_WORDS.format("UninitializedBuffer")):
        nn.parameter.UninitializedBuffer().requires_grad_()
    with pytest.raises(RuntimeError) as caught:
        p.share_memory_()
    assert str(caught.value) == SHARE_WORDS
    p.requires_grad = False                 # the attribute is set, as PyTorch's
    assert not p.requires_grad
    lazy = nn.LazyLinear(3)
    with pytest.raises(ValueError, match=UNINIT_WORDS.format("UninitializedParameter")):
        lazy.requires_grad_(False)
    with pytest.raises(RuntimeError) as caught:
        lazy.share_memory()
    assert str(caught.value) == SHARE_WORDS
    lazy(nn.ones(2, 4))                     # after the first call both run
    assert lazy.share_memory() is lazy and lazy.requires_grad_(False) is lazy and not lazy.weight.requires_grad


def test_to_meta_before_the_first_call_gives_meta_parameters_as_pytorchs():
    lin = nn.LazyLinear(3)
    assert lin.to("meta") is lin
    assert type(lin.weight) is nn.Parameter and lin.weight.is_meta and lin.weight.shape == (0,)
    assert type(lin.bias) is nn.Parameter and lin.weight.requires_grad and not lin.has_uninitialized_params()
    norm = nn.LazyBatchNorm1d().to("meta")
    assert type(norm.weight) is nn.Parameter and norm.weight.shape == (0,)
    assert type(norm.running_mean) is nn.parameter.UninitializedBuffer and norm.has_uninitialized_params()
    assert nn.LazyLinear(3).to("meta", nn.float64).weight.dtype == nn.float64


def test_module_to_meta_with_a_dtype_casts_and_refuses_an_integer_dtype_first():
    for call in (lambda m: m.to("meta", nn.float64), lambda m: m.to(device="meta", dtype=nn.float64),
                 lambda m: m.to(nn.ones(1, device="meta", dtype=nn.float64))):
        lin = call(nn.Linear(2, 3))
        assert lin.weight.is_meta and lin.weight.dtype == nn.float64 and lin.weight.shape == (3, 2)
    lin = nn.Linear(2, 3)
    with pytest.raises(TypeError, match=r"^nn\.Module\.to only accepts floating point or complex dtypes, but got "
                                        r"desired dtype=nn\.int64$"):
        lin.to("meta", nn.int64)
    assert not lin.weight.is_meta


# ---- sizes of 0 and below: PyTorch checks no sign ---------------------------------------------------------------

NEG = "Trying to create tensor with negative dimension {}: {}"
ZEROS = "zeros: Dimension size must be non-negative."
# (constructor, PyTorch 2.13's answer: None builds, else (error type, words))
SIZES = [
    (lambda: nn.InstanceNorm1d(-1), None), (lambda: nn.InstanceNorm3d(-2), None),
    (lambda: nn.InstanceNorm2d(-1, affine=True), (RuntimeError, NEG.format(-1, [-1]))),
    (lambda: nn.InstanceNorm1d(-1, track_running_stats=True), (RuntimeError, ZEROS)),
    (lambda: nn.BatchNorm1d(-1), (RuntimeError, NEG.format(-1, [-1]))),
    (lambda: nn.BatchNorm2d(-2, affine=False), (RuntimeError, ZEROS)),
    (lambda: nn.BatchNorm3d(-1, affine=False, track_running_stats=False), None),
    (lambda: nn.GroupNorm(1, 0), None), (lambda: nn.GroupNorm(-1, 4), None),
    (lambda: nn.GroupNorm(0, 4), (ZeroDivisionError, "integer modulo by zero")),
    (lambda: nn.GroupNorm(1, -1), (RuntimeError, NEG.format(-1, [-1]))),
    (lambda: nn.GroupNorm(1, -1, affine=False), None),
    (lambda: nn.LayerNorm((2, -1)), (RuntimeError, NEG.format(-1, [2, -1]))),
    (lambda: nn.LayerNorm(-1, elementwise_affine=False), None),
    (lambda: nn.RMSNorm(-1), (RuntimeError, NEG.format(-1, [-1]))),
    (lambda: nn.RMSNorm(-1, elementwise_affine=False), None),
    (lambda: nn.Linear(-1, 3), (RuntimeError, NEG.format(-1, [3, -1]))),
    (lambda: nn.Linear(3, -2, bias=False), (RuntimeError, NEG.format(-2, [-2, 3]))),
]


@pytest.mark.parametrize("case", range(len(SIZES)))
def test_layer_sizes_of_zero_and_below_as_pytorchs(case):
    build, expected = SIZES[case]
    if expected is None:
        build()
    else:
        with pytest.raises(expected[0]) as caught:
            build()
        assert str(caught.value) == expected[1]


def test_a_negative_instance_norm_without_statistics_keeps_its_size():
    norm = nn.InstanceNorm1d(-1)
    assert norm.num_features == -1 and norm.weight is None and norm.running_mean is None
    assert repr(norm) == ("InstanceNorm1d(-1, eps=1e-05, momentum=0.1, affine=False, bias=False, "
                          "track_running_stats=False)")


# ---- F.normalize with eps=0 at a zero row --------------------------------------------------------------------------

@pytest.mark.parametrize("p, zero_row_grad", [(1, [np.nan] * 3), (2, [np.nan] * 3), (3, [np.nan, np.inf, np.inf]),
                                              (0.5, [np.nan] * 3)])
def test_normalize_with_eps_0_at_a_zero_row_is_pytorchs_silently(p, zero_row_grad):
    x = nn.tensor([[0.0, 0.0, 0.0], [1.0, 2.0, -2.0]], dtype=nn.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = F.normalize(x, p=p, dim=1, eps=0)
        (y * nn.arange(6.0, dtype=nn.float64).reshape(2, 3)).sum().backward()
    assert np.isnan(y.detach().numpy()[0]).all()
    np.testing.assert_array_equal(x.grad.numpy()[0], zero_row_grad)
    assert np.isfinite(x.grad.numpy()[1]).all()


def test_normalize_passes_the_gradient_through_the_norm_at_norm_equal_to_eps():
    # PyTorch's clamp_min(eps) passes the gradient where norm >= eps: at |x| = eps = 5 the gradient is the
    # unclamped one, g / n - x (g . x) / n^3 = [-0.096, 0.072] for x = [3, 4], g = [0, 1]
    x = nn.tensor([3.0, 4.0], dtype=nn.float64, requires_grad=True)
    (F.normalize(x, dim=0, eps=5.0) * nn.tensor([0.0, 1.0], dtype=nn.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-0.096, 0.072], rtol=1e-14)


# ---- F.embedding's words for the index types without a legacy name ---------------------------------------------

def test_embedding_names_bool_and_complex_indices_as_pytorch():
    words = ("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but "
             "got {} instead (while checking arguments for embedding)")
    for dtype, name in ((nn.bool, "CPUBoolType"), (nn.complex64, "CPUComplexFloatType"),
                        (nn.complex128, "CPUComplexDoubleType"), (nn.float32, "nn.FloatTensor")):
        with pytest.raises(RuntimeError) as caught:
            F.embedding(nn.tensor([1, 0]).to(dtype), nn.ones(3, 2))
        assert str(caught.value) == words.format(name)


# ---- against PyTorch itself ----------------------------------------------------------------------------------------

def _outcome(build):
    try:
        build()
    except Exception as e:              # noqa: BLE001 - the type and words are compared
        return type(e).__name__, str(e).replace("torch.", "nn.")
    return "built"


def test_sizes_and_placeholders_against_pytorch():
    torch = pytest.importorskip("torch")
    names = ["BatchNorm1d", "InstanceNorm2d", "GroupNorm", "LayerNorm", "RMSNorm", "Linear"]
    for name in names:
        for args in ((0,), (-1,), (1, 0), (-1, 4), (0, 4), (1, -1), (3, -2)):
            if (name == "GroupNorm") != (len(args) == 2) and name != "Linear":
                continue
            if name == "Linear" and len(args) == 1:
                continue
            for kw in ({}, {"affine": False} if "Norm" in name and "Layer" not in name and "RMS" not in name
                       else {"bias": False} if name == "Linear" else {"elementwise_affine": False}):
                assert _outcome(lambda: getattr(nn, name)(*args, **kw)) == \
                    _outcome(lambda: getattr(torch.nn, name)(*args, **kw)), (name, args, kw)
    assert _outcome(lambda: copy.deepcopy(nn.LazyBatchNorm1d()))[0] == \
        _outcome(lambda: copy.deepcopy(torch.nn.LazyBatchNorm1d()))[0] == "ValueError"
    assert _outcome(lambda: nn.LazyLinear(3).share_memory()) == \
        _outcome(lambda: torch.nn.LazyLinear(3).share_memory())
    t_lin, n_lin = torch.nn.LazyLinear(3).to("meta", torch.float64), nn.LazyLinear(3).to("meta", nn.float64)
    assert (type(t_lin.weight).__name__, tuple(t_lin.weight.shape), str(t_lin.weight.dtype)[6:]) == \
        (type(n_lin.weight).__name__, tuple(n_lin.weight.shape), str(n_lin.weight.dtype)[3:])


def test_normalize_at_a_zero_row_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, -2.0], [1e-3, 0.0, 3.0]])
    g = np.random.default_rng(0).standard_normal(x.shape)
    for p in (1, 2, 3, 0.5, float("inf")):
        for eps in (0.0, 1e-12, 2.0):
            grads = []
            for lib in (torch, nn):
                t = lib.tensor(x, requires_grad=True)
                lib.nn.functional.normalize(t, p=p, dim=1, eps=eps).mul(lib.tensor(g)).sum().backward() \
                    if lib is torch else F.normalize(t, p=p, dim=1, eps=eps).mul(nn.tensor(g)).sum().backward()
                grads.append(t.grad.numpy())
            np.testing.assert_allclose(grads[1], grads[0], rtol=1e-13, atol=1e-15, err_msg=str((p, eps)))


@pytest.mark.parametrize("make, words", [
    (lambda m: m.empty(3, -1), "Trying to create tensor with negative dimension -1: [3, -1]"),
    (lambda m: m.ones(size=(2, -1)), "Trying to create tensor with negative dimension -1: [2, -1]"),
    (lambda m: m.rand(-2), "Trying to create tensor with negative dimension -2: [-2]"),
    (lambda m: m.full((3, -1), 1.0), "Trying to create tensor with negative dimension -1: [3, -1]"),
    (lambda m: m.randint(0, 3, (3, -1)), "Trying to create tensor with negative dimension -1: [3, -1]"),
    (lambda m: m.zeros(0, -1), "zeros: Dimension size must be non-negative.")])
def test_factories_refuse_a_negative_size_in_pytorchs_words(make, words):
    with pytest.raises(RuntimeError) as caught:
        make(nn)
    assert str(caught.value) == words
