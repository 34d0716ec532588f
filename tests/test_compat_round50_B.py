"""The leftovers of round 49's argument-parser work, against PyTorch 2.13 directly (round 50, area B; no package).
Four grid scripts called PyTorch and nn side by side in one process, on the same NumPy inputs, comparing whether each
call computes or raises, the error's type and first line, and where both compute the result's shape and dtype (and,
for the layers, a float64 forward's sum with the same weights). (1) Every Tensor method that PyTorch's Tensor takes
without arguments (182, found by calling each shared method with one argument on PyTorch: 163 C methods, "TensorBase.
exp() takes no arguments (1 given)", and 19 of its parser, "float() takes 0 positional arguments but 1 was given"),
each called as ``x.name(1)``, ``(None)``, ``(1, 2)``, ``(bogus=1)``, ``(1, bogus=1)`` and ``(dim=0)``, written as
direct calls (PyTorch names ``TensorBase`` there; through ``getattr`` it names ``Tensor``): 1,092 calls, 1,078
differed before, 360 now. (2) The batch, instance, group, layer and RMS norms and LocalResponseNorm built with 13
values of eps, momentum, alpha, beta and k (0, negative, None, a str, a tuple, True, a NumPy float, 1, 2.0, NaN, inf),
with and without affine and running statistics, forward in training and eval mode; RNN / RNNCell with 7
nonlinearities given to the constructor and set after it; RNNBase with 7 modes: 1,725 calls, 268 differed before, 22
now. (3) ``normal(mean, std, size)`` in 5 forms, ``randint`` in 4, ``x.new(...)``, ``x.new(size=...)``,
``Tensor(...)``, ``FloatTensor(...)`` and ``LongTensor(size=...)`` by 22 size forms, and 30 more calls (extra
positions, unknown and doubled keywords, tensors for the mean or std, ``dtype=`` to ``x.new``): 335 calls, 130
differed before, none now. (4) Calls refused "as a whole" with three or more keywords in every order (masked_fill,
normal, lerp, randint, ``x.new``): 66 calls, 26 differed before, none now. Nothing computes a different value: where
both compute, shapes and dtypes agree, and the layers' float64 sums agree to the grid's printed 12 digits; the norms
with the values they now take (eps 0 or negative, momentum 2.0 or 1.5) and RNNCell with relu set after building,
on the same weights, agree to 2.1e-16 relative in float64 and 1.3e-7 in float32 (outputs and running statistics).

Still different (not fixed): the methods that take no argument and whose plain call on a small tensor takes under about
2 us are left unwrapped, since a wrapper costs one Python call (0.05-0.09 us): abs, absolute, arcsinh, arctan, asinh,
atan, ceil, clone, coalesce, col_indices, conj, conj_physical, contiguous, cos, cosh, cpu, data_ptr, detach, detach_,
dim, double, element_size, exp2, expm1, fix, floor, get_device, the ``is_*`` queries, isfinite, isinf, isnan, isneginf,
isreal, item, logical_not, ndimension, neg, negative, nelement, numel, numpy, positive, resolve_conj, resolve_neg,
retain_grad, signbit, sin, sinh, square, tan, tolist, trunc (60 of the 182); they keep Python's words ("abs() takes 1
positional argument but 2 were given"), and ``x.contiguous(1)`` still computes (nn's memory_format is positional).
PyTorch's own words depend on the call's syntax (``x.exp(1)`` names ``TensorBase.exp()``, ``f = x.exp; f(1)`` and
``x.exp(*args)`` name ``Tensor.exp()``, a Parameter's ``Parameter.exp()`` through getattr); nn always names
``TensorBase``. ``x.half(bogus=1)`` / ``bfloat16`` keep nn's "no float16 tensors" words. LocalResponseNorm's alpha, beta
and k of a wrong type fail in nn's arithmetic words (PyTorch: mul's / pow's / add's parser). nn's RNNBase has a forward,
which PyTorch's lacks ("Module [RNNBase] is missing the required "forward" function"). ``Tensor(size=...)`` given beside
``requires_grad=`` is taken (nn's own keyword). The keyword order follows libstdc++'s 13-bucket table, which holds for
up to 13 keywords.

The failures of nn these tests pin down (the package is not imported here):

- a Tensor method that PyTorch takes without arguments, given one, kept Python's words with the tensor counted
  (``x.exp(1)``: "exp() takes 1 positional argument but 2 were given"; PyTorch "TensorBase.exp() takes no arguments
  (1 given)", and "TensorBase.exp() takes no keyword arguments" for a keyword, checked first), and ``x.relu(True)``,
  ``x.relu_(1)``, ``x.float(1)`` and the others whose nn function has more parameters computed;
- the conversions ``x.float(1)``, ``long``, ``int``, ... said "_converter.<locals>.convert() takes 1 positional
  argument" (PyTorch "float() takes 0 positional arguments but 1 was given");
- the norms checked eps and momentum when built (``BatchNorm1d(3, eps=0.0)``: "eps must be > 0.0, got 0.0"), where
  PyTorch stores any value and its forward refuses it: "batch_norm eps must be positive during training, but got
  0.0" (eval computes), "batch_norm eps must be non-negative, but got -1e-05", the parser's "batch_norm(): argument
  'momentum' (position 7) must be float, not str", "group_norm(): argument 'eps' (position 5) must be float, not
  NoneType"; a momentum of 2.0 or a NaN one runs; InstanceNorm took a str momentum and refused eps 0;
- RNNCell refused an unknown nonlinearity when built in nn's words, and a nonlinearity set after building was not
  read (PyTorch: forward's RuntimeError "Unknown nonlinearity: sigmoid", and forward follows the attribute);
  RNNBase of an unknown mode was a KeyError (PyTorch "Unrecognized RNN mode: foo");
- ``normal(0., 1., 3)`` (a size that is no tuple), ``normal(t, 1., (2,))`` (a tensor with a size) and ``normal(0.,
  None, (2,))`` computed or failed in nn's words, where PyTorch's parser refuses them as a whole, and a later element
  of the size that is no int is its unpacking error; ``randint(0, 5, (2, 3.0))`` named the signatures where PyTorch
  unpacks the size, and ``randint(0, 5, (2,), bogus=1)`` was Python's unexpected keyword;
- ``x.new(size=(2, 3))`` was "zeros() got multiple values for argument 'size'", ``LongTensor(size=...)`` and
  ``Tensor(size=...)`` Python's unexpected keyword (PyTorch builds them), ``x.new(2.5)`` computed a 0-d tensor,
  ``x.new(None)`` / ``Tensor(None)`` said "must be real number, not NoneType" (PyTorch "new(): data must be a
  sequence (got NoneType)"), ``Tensor(2, 3.0)`` said nn's "Tensor(*sizes) takes ints";
- with three or more keywords the parser's "got (...)" line listed them reversed, where PyTorch lists them in its
  hash table's order (``masked_fill(input=x, mask=m, value=(5,))``: "(mask=Tensor, value=tuple, input=Tensor, )").
"""
import warnings

import numpy as np
import pytest

import nn


def raised(call):
    try:
        call()
    except Exception as error:      # noqa: BLE001 - the type and first line are what is compared
        return type(error).__name__, str(error).split("\n")[0]
    return None


def test_methods_without_arguments_refuse_one_in_pytorchs_words():
    x = nn.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, -2.5]], dtype=nn.float64)
    assert raised(lambda: x.exp(1)) == ("TypeError", "TensorBase.exp() takes no arguments (1 given)")
    assert raised(lambda: x.exp(1, 2)) == ("TypeError", "TensorBase.exp() takes no arguments (2 given)")
    assert raised(lambda: x.sigmoid(dim=0)) == ("TypeError", "TensorBase.sigmoid() takes no keyword arguments")
    assert raised(lambda: x.relu(1, dim=0)) == ("TypeError", "TensorBase.relu() takes no keyword arguments")
    assert raised(lambda: x.t(0)) == ("TypeError", "TensorBase.t() takes no arguments (1 given)")
    before = x.clone()
    assert raised(lambda: x.relu(True)) == ("TypeError", "TensorBase.relu() takes no arguments (1 given)")
    assert raised(lambda: x.relu_(1)) == ("TypeError", "TensorBase.relu_() takes no arguments (1 given)")
    assert nn.equal(x, before)      # (nn's relu took inplace=True by position and wrote x)
    # the parser's methods whose arguments are keywords only
    assert raised(lambda: x.float(1)) == ("TypeError", "float() takes 0 positional arguments but 1 was given")
    assert raised(lambda: x.long(1, 2)) == ("TypeError", "long() takes 0 positional arguments but 2 were given")
    assert raised(lambda: x.float(bogus=1)) == ("TypeError", "float() got an unexpected keyword argument 'bogus'")
    # the plain calls are unchanged
    assert x.relu().tolist() == [[0.5, 0.0, 2.0], [1.5, 0.0, 0.0]]
    assert x.t().shape == (3, 2) and x.float().dtype == nn.float32


def test_norm_layers_store_eps_and_momentum_and_refuse_them_in_forward():
    x = nn.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, -2.5]], dtype=nn.float64)
    bn = nn.BatchNorm1d(3, eps=0.0).double()            # built, as PyTorch's
    assert bn.eps == 0.0
    assert raised(lambda: bn(x)) == ("ValueError", "batch_norm eps must be positive during training, but got 0.0")
    assert bn.eval()(x).tolist() == x.tolist()          # (eval: running statistics 0 and 1, eps 0)
    assert raised(lambda: nn.BatchNorm1d(3, eps=-1e-5).double().eval()(x)) == (
        "ValueError", "batch_norm eps must be non-negative, but got -1e-05")
    assert raised(lambda: nn.BatchNorm1d(3, eps=None).double()(x)) == (
        "TypeError", "'<=' not supported between instances of 'NoneType' and 'float'")
    assert raised(lambda: nn.BatchNorm1d(3, momentum="a").double()(x)) == (
        "TypeError", "batch_norm(): argument 'momentum' (position 7) must be float, not str")
    bn = nn.BatchNorm1d(3, momentum=2.0).double()
    bn(x)                                               # PyTorch: running = (1 - 2) * running + 2 * batch statistic
    assert bn.running_mean.tolist() == [2.0, -1.0, -0.5] and bn.running_var.tolist() == [0.0, 0.0, 19.25]
    assert raised(lambda: nn.GroupNorm(1, 3, eps=None).double()(x)) == (
        "TypeError", "group_norm(): argument 'eps' (position 5) must be float, not NoneType")
    assert raised(lambda: nn.LayerNorm(3, eps="a").double()(x)) == (
        "TypeError", "layer_norm(): argument 'eps' (position 5) must be float, not str")
    assert raised(lambda: nn.RMSNorm(3, eps="a").double()(x)) == (
        "TypeError", "rms_norm(): argument 'eps' (position 4) must be float, not str")
    assert raised(lambda: nn.InstanceNorm1d(2, momentum="a").double()(x[None])) == (
        "TypeError", "instance_norm(): argument 'momentum' (position 7) must be float, not str")
    y = nn.InstanceNorm1d(2, eps=0.0).double()(x[None])
    assert np.allclose(y.tolist(), [[[0.0, -1.2247448713915892, 1.2247448713915892],
                                     [1.1111677990074318, 0.20203050891044216, -1.3131983079178742]]], rtol=1e-14)


def test_rnn_cell_reads_its_nonlinearity_in_forward_and_rnn_base_its_mode():
    x = nn.tensor([[0.5, -1.0, 2.0], [1.5, 0.0, -2.5]])
    cell = nn.RNNCell(3, 2, nonlinearity="sigmoid")     # built, as PyTorch's
    assert raised(lambda: cell(x)) == ("RuntimeError", "Unknown nonlinearity: sigmoid")
    assert "mode" not in vars(cell)
    cell.nonlinearity = "relu"                          # read when called
    with nn.no_grad():
        for p in cell.parameters():
            p.copy_(nn.linspace(-0.7, 0.9, p.numel()).reshape(p.shape))
    w_ih, w_hh = cell.weight_ih.detach().numpy(), cell.weight_hh.detach().numpy()
    expected = np.maximum(x.numpy() @ w_ih.T + cell.bias_ih.detach().numpy() + cell.bias_hh.detach().numpy(), 0)
    assert np.allclose(cell(x).detach().numpy(), expected, rtol=1e-6, atol=0)
    assert raised(lambda: nn.modules.rnn.RNNBase("foo", 3, 4)) == ("ValueError", "Unrecognized RNN mode: foo")
    assert raised(lambda: nn.modules.rnn.RNNBase(1, 3, 4)) == (
        "TypeError", 'can only concatenate str (not "int") to str')


def test_normal_and_randint_read_their_sizes_as_pytorchs_parser():
    combination = "normal() received an invalid combination of arguments - got ({}), but expected one of:"
    assert raised(lambda: nn.normal(0.0, 1.0, 3)) == ("TypeError", combination.format("float, float, int"))
    assert raised(lambda: nn.normal(0.0, 1.0, (2.0, 3))) == ("TypeError", combination.format("float, float, tuple"))
    assert raised(lambda: nn.normal(nn.zeros(2), 1.0, (2,))) == (
        "TypeError", combination.format("Tensor, float, tuple"))
    assert raised(lambda: nn.normal(0.0, None, (2,))) == ("TypeError", combination.format("float, NoneType, tuple"))
    assert raised(lambda: nn.normal(0.0, 1.0, size=np.int64(3))) == (
        "TypeError", combination.format("float, float, size=numpy.int64"))
    unpack = ("TypeError", "{}(): argument 'size' failed to unpack the object at pos 2 with error \"type must be "
                           "tuple of ints,but got float\"")
    assert raised(lambda: nn.normal(0.0, 1.0, (2, 3.0))) == (unpack[0], unpack[1].format("normal"))
    assert nn.normal(0.0, 1.0, (np.int64(2), 3)).shape == (2, 3)
    assert raised(lambda: nn.randint(0, 5, (2, 3.0))) == (unpack[0], unpack[1].format("randint"))
    assert raised(lambda: nn.randint(0, 5, size=(2, 3.0))) == (unpack[0], unpack[1].format("randint"))
    assert raised(lambda: nn.randint(0, 5, (2,), bogus=1)) == (
        "TypeError", "randint() received an invalid combination of arguments - got (int, int, tuple, bogus=int), but "
                     "expected one of:")


def test_legacy_constructors_read_their_sizes_and_keywords_as_pytorchs_parser():
    x = nn.ones(1)
    combination = "new() received an invalid combination of arguments - got ({}), but expected one of:"
    assert x.new(size=(2, 3)).shape == (2, 3) and x.new(size=[]).shape == ()
    assert nn.LongTensor(size=(2, 3)).dtype == nn.int64 and nn.Tensor(size=(2,)).shape == (2,)
    assert raised(lambda: x.new(size=3)) == ("TypeError", combination.format("size=int, "))
    assert raised(lambda: nn.LongTensor(size=(2.0, 3))) == ("TypeError", combination.format("size=tuple, "))
    assert raised(lambda: x.new(2.0, 3)) == ("TypeError", combination.format("float, int"))
    assert raised(lambda: x.new(2, size=(3,))) == ("TypeError", combination.format("int, size=tuple"))
    assert raised(lambda: x.new(bogus=1)) == ("TypeError", combination.format("bogus=int, "))
    assert raised(lambda: nn.Tensor(bogus=1)) == ("TypeError", combination.format("bogus=int, "))
    unpack = "new(): argument 'size' failed to unpack the object at pos 2 with error \"type must be tuple of ints," \
             "but got {}\""
    assert raised(lambda: x.new(2, 3.0)) == ("TypeError", unpack.format("float"))
    assert raised(lambda: nn.Tensor(2, None)) == ("TypeError", unpack.format("NoneType"))
    assert raised(lambda: x.new(size=(2, 3.0))) == ("TypeError", unpack.format("float"))
    assert raised(lambda: x.new(2.5)) == ("TypeError", "new(): data must be a sequence (got float)")
    assert raised(lambda: x.new(None)) == ("TypeError", "new(): data must be a sequence (got NoneType)")
    assert raised(lambda: nn.Tensor(None)) == ("TypeError", "new(): data must be a sequence (got NoneType)")
    assert raised(lambda: x.new(size=(-1, 3))) == (
        "RuntimeError", "Trying to create tensor with negative dimension -1: [-1, 3]")
    assert x.new(2, True).shape == (2, 1) and x.new(size=(2,), device="cpu").shape == (2,)


def test_three_or_more_keywords_are_listed_in_pytorchs_order():
    x, m = nn.ones(2, 3), nn.ones(2, 3, dtype=nn.bool)
    got = "masked_fill() received an invalid combination of arguments - got ({}), but expected one of:"
    assert raised(lambda: nn.masked_fill(input=x, mask=m, value=(5,))) == (
        "TypeError", got.format("mask=Tensor, value=tuple, input=Tensor, "))
    assert raised(lambda: nn.masked_fill(value=(5,), mask=m, input=x)) == (
        "TypeError", got.format("mask=Tensor, input=Tensor, value=tuple, "))
    assert raised(lambda: x.masked_fill(mask=m, value=(5,), bogus=1)) == (
        "TypeError", got.format("bogus=int, value=tuple, mask=Tensor, "))
    assert raised(lambda: nn.masked_fill(mask=m, value=(5,))) == (      # (two: reversed, as before)
        "TypeError", got.format("value=tuple, mask=Tensor, "))
    assert raised(lambda: nn.normal(size=3, mean=0.0, std=1.0)) == (
        "TypeError", "normal() received an invalid combination of arguments - got (mean=float, std=float, size=int, ), "
                     "but expected one of:")
    assert raised(lambda: nn.randint(low=0, high=5.5, size=(2,), dtype=nn.int64)) == (
        "TypeError", "randint() received an invalid combination of arguments - got (dtype=torch.dtype, size=tuple, "
                     "high=float, low=int, ), but expected one of:")
    assert raised(lambda: x.new(size=(2,), bogus=1, device="cpu")) == (
        "TypeError", "new() received an invalid combination of arguments - got (device=str, bogus=int, size=tuple, ), "
                     "but expected one of:")


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    warnings.simplefilter("ignore")
    data = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -2.5]])
    calls = [
        "L.tensor(d).exp(1)", "L.tensor(d).tanh(dim=0)", "L.tensor(d).sigmoid(1, 2)", "L.tensor(d).relu(True)",
        "L.tensor(d).int(1)", "L.tensor(d).cfloat(bogus=1)", "L.tensor(d).rsqrt_(None)", "L.tensor(d).sqrt()",
        "L.nn.BatchNorm1d(3, eps=0.0).double()(L.tensor(d))",
        "L.nn.BatchNorm1d(3, momentum=None).double()(L.tensor(d))",
        "L.nn.BatchNorm1d(3, momentum=(0.1,)).double().eval()(L.tensor(d))",
        "L.nn.GroupNorm(1, 3, eps=-1.0).double()(L.tensor(d))", "L.nn.LayerNorm(3, eps=(1.0,)).double()(L.tensor(d))",
        "L.nn.InstanceNorm1d(3, eps='a').double()(L.tensor(d)[None])", "L.nn.RNNCell(3, 2, nonlinearity='x')",
        "L.nn.RNNCell(3, 2, nonlinearity=None)(L.tensor(d).float())", "L.nn.modules.rnn.RNNBase('lstm', 3, 4)",
        "L.normal(0.0, 1.0, [2, True])", "L.normal(0.0, 1.0, (True, 2))", "L.normal(0.0, 1.0, 2, 3)",
        "L.normal(mean=L.zeros(2), std=1.0, size=(2,))", "L.randint(5, (2, None))", "L.randint(0, 5, (2,), size=(2,))",
        "L.ones(1).new([1.0, 2.0], 3)", "L.ones(1).new(L.Size([2]), 3)", "L.ones(1).new(2, requires_grad=True)",
        "L.FloatTensor(size=L.Size([2, 3]))", "L.Tensor(L.tensor(2), 3)", "L.ones(1).new(np.float64(2.0))",
        "L.lerp(input=L.ones(2), end='a', weight=0.5)", "L.ones(2).lerp(weight=0.5, end='a', bogus=1)",
    ]

    def outcome(L, call):
        try:
            y = eval(call, {"L": L, "d": data, "np": np})      # noqa: S307 - the calls above
        except Exception as error:      # noqa: BLE001
            return type(error).__name__, str(error).split("\n")[0]
        return "computes", tuple(y.shape) if hasattr(y, "shape") else None

    for call in calls:
        assert outcome(nn, call) == outcome(torch, call), call
