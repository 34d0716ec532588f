"""Errors the thirty-third round found and left (area D): checked against PyTorch 2.13 side by side over small grids,
nn now raises PyTorch's type and words (or computes what PyTorch computes). No package is imported here.

- ``Tensor.repeat``: a negative count raised NumPy's ValueError "negative dimensions are not allowed" (or a reshape
  error for ``repeat(0, -1)``) where PyTorch raises RuntimeError "Trying to create tensor with negative dimension
  -3: [2, -3]" (the first negative size of the result; a negative count of an empty dim gives an empty result);
  fewer counts than dims, no counts and a float count were nn's own ValueError / TypeError.
- the optimizers checked every hyper-parameter as a number in nn's words ("Invalid learning rate (lr): -1.0 (must
  be >= 0.0)"), refused NaN, a str, None, a non-bool amsgrad / nesterov / centered, bad LBFGS max_iter and a bad
  line_search_fn when built, and checked the groups given as dicts too. PyTorch checks the constructor's arguments
  only, by its own comparisons (SGD's ``lr < 0.0`` lets NaN through, Adam's ``not 0.0 <= lr`` does not; a str is
  Python's TypeError of that comparison), in its words ("Invalid learning rate: -1.0", "Invalid momentum value",
  "Invalid epsilon value", "Invalid beta parameter at index 0", SparseAdam's ``0.0 < lr``), "Tensor lr must be
  1-element", LBFGS's line search at the step; a parameter twice in one group is a warning, not an error; the
  structural errors are PyTorch's words ("optimizer can only optimize Tensors, but one of the params is float",
  "can't optimize a non-leaf Tensor", KeyError 'params', "param_group must be a dict, but got <class 'list'>").
- ``register_buffer`` / ``register_parameter`` / ``add_module``: one message for '' and 'a.b' and "must be a str";
  PyTorch has a message for each ('buffer name can\\'t contain "."', 'can\\'t be empty string ""', "buffer name
  should be a string. Got int"), and add_module checks the module first ("int is not a Module subclass") and a
  taken name before the dot.
- ``GELU(approximate='bad')`` raised ValueError when built; PyTorch builds it and F.gelu raises RuntimeError
  "approximate argument must be either none or tanh." (TypeError "... must be str, not NoneType" for a non-str).
- ``nn.tensor`` of data NumPy cannot take said NumPy's words ("setting an array element with a sequence...") or
  nn's; PyTorch's reading (sizes from first elements, dtype inference, store) gives "expected sequence of length 2
  at dim 1 (got 1)", "new(): invalid data type 'str'", "too many dimensions 'str'", "Could not infer dtype of
  NoneType", "not a sequence", "'list' object cannot be interpreted as an integer", "only one element tensors can
  be converted to Python scalars"; ``tensor([[1, 2], t])`` of a 2-element t is a (2, 2) tensor there (nn raised).
- ``nn.from_numpy`` of a list / NumPy scalar and of an object / str array: PyTorch's "expected np.ndarray (got
  numpy.float64)" and "can't convert np.ndarray of type numpy.object_. The only supported types are: ...".
- ``clamp_`` of an integer tensor by a float number: PyTorch's scalar kernel names the C++ type ("... desired
  output type long int", "unsigned char"); a tensor bound keeps "Long". A bool tensor clamped by numbers is
  PyTorch's NotImplementedError '"clamp_min_scalar_cpu" not implemented for 'Bool'' (nn computed).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- Tensor.repeat -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, reps, words", [
    ((3,), (-1,), "Trying to create tensor with negative dimension -3: [-3]"),
    ((3,), (2, -1), "Trying to create tensor with negative dimension -3: [2, -3]"),
    ((3,), (0, -1), "Trying to create tensor with negative dimension -3: [0, -3]"),
    ((2, 3), (-1, 2), "Trying to create tensor with negative dimension -2: [-2, 6]"),
    ((2, 3), (-1, -2), "Trying to create tensor with negative dimension -2: [-2, -6]"),
    ((), ((2, -1),), "Trying to create tensor with negative dimension -1: [2, -1]"),
    ((2, 3), (2,), "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"),
    ((2, 3), ((),), "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"),
])
def test_repeat_refuses_negative_and_too_few_counts_in_pytorchs_words(shape, reps, words):
    # PyTorch 2.13: torch.zeros(3).repeat(2, -1) -> RuntimeError "Trying to create tensor with negative dimension
    # -3: [2, -3]"; torch.zeros(2, 3).repeat(2) -> RuntimeError "Number of dimensions of repeat dims can not be ..."
    with pytest.raises(RuntimeError) as e:
        nn.zeros(shape).repeat(*reps)
    assert str(e.value) == words


def test_repeat_argument_errors_and_an_empty_dim():
    # PyTorch 2.13: x.repeat() -> TypeError 'repeat() missing 1 required positional arguments: "repeats"';
    # x.repeat(2.0) -> "repeat(): argument 'repeats' (position 1) must be tuple of ints, not float";
    # torch.zeros(0).repeat(-1) -> an empty tensor of shape (0,)
    with pytest.raises(TypeError, match='^repeat\\(\\) missing 1 required positional arguments: "repeats"$'):
        nn.zeros(3).repeat()
    with pytest.raises(TypeError, match=r"^repeat\(\): argument 'repeats' \(position 1\) must be tuple of ints, "
                                        r"not float$"):
        nn.zeros(3).repeat(2.0)
    with pytest.raises(TypeError, match=r"^repeat\(\): argument 'repeats' failed to unpack the object at pos 2 "
                                        r"with error \"type must be tuple of ints,but got float\"$"):
        nn.zeros(3).repeat(2, 2.0)
    assert tuple(nn.zeros(0).repeat(-1).shape) == (0,)
    assert tuple(nn.zeros(2, 0).repeat(2, -1).shape) == (4, 0)
    x = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)     # unchanged: values and gradient
    y = x.repeat(2, 2)
    assert _f(y).tolist() == [[1.0, 2.0, 1.0, 2.0]] * 2
    y.sum().backward()
    assert _f(x.grad).tolist() == [4.0, 4.0]


# ---- optimizers -----------------------------------------------------------------------------------------------------

def _p():
    return nn.zeros(2, requires_grad=True)


@pytest.mark.parametrize("make, words", [
    (lambda: nn.optim.SGD([_p()], lr=-1.0), "Invalid learning rate: -1.0"),
    (lambda: nn.optim.SGD([_p()], momentum=-1), "Invalid momentum value: -1"),
    (lambda: nn.optim.SGD([_p()], weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
    (lambda: nn.optim.SGD([_p()], nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda: nn.optim.Adam([_p()], lr=float("nan")), "Invalid learning rate: nan"),
    (lambda: nn.optim.AdamW([_p()], eps=-1.0), "Invalid epsilon value: -1.0"),
    (lambda: nn.optim.Adam([_p()], betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
    (lambda: nn.optim.NAdam([_p()], betas=(0.9, float("nan"))), "Invalid beta parameter at index 1: nan"),
    (lambda: nn.optim.NAdam([_p()], momentum_decay=-1.0), "Invalid momentum_decay value: -1.0"),
    (lambda: nn.optim.RAdam([_p()], weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    (lambda: nn.optim.Adamax([_p()], lr=-1e-3), "Invalid learning rate: -0.001"),
    (lambda: nn.optim.RMSprop([_p()], alpha=-1.0), "Invalid alpha value: -1.0"),
    (lambda: nn.optim.RMSprop([_p()], momentum=-1.0), "Invalid momentum value: -1.0"),
    (lambda: nn.optim.Adagrad([_p()], lr_decay=-1.0), "Invalid lr_decay value: -1.0"),
    (lambda: nn.optim.Adagrad([_p()], initial_accumulator_value=-1.0),
     "Invalid initial_accumulator_value value: -1.0"),
    (lambda: nn.optim.Adadelta([_p()], rho=1.5), "Invalid rho value: 1.5"),
    (lambda: nn.optim.ASGD([_p()], weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    (lambda: nn.optim.LBFGS([_p()], lr=-1), "Invalid learning rate: -1"),
    (lambda: nn.optim.SparseAdam([_p()], lr=0.0), "Invalid learning rate: 0.0"),
    (lambda: nn.optim.SparseAdam([_p()], eps=0.0), "Invalid epsilon value: 0.0"),
    (lambda: nn.optim.SGD([_p()], lr=nn.tensor([0.1, 0.2])), "Tensor lr must be 1-element"),
    (lambda: nn.optim.Adam([], lr=-1.0), "Invalid learning rate: -1.0"),     # the arguments before the parameters
])
def test_optimizer_argument_checks_are_pytorchs(make, words):
    # PyTorch 2.13's torch.optim constructors: the same ValueError and words for each
    with pytest.raises(ValueError) as e:
        make()
    assert str(e.value) == words


def test_optimizer_checks_are_pytorchs_comparisons():
    # PyTorch 2.13: SGD checks lr < 0.0, so NaN passes (Adam's not 0.0 <= lr refuses it); a str or None is Python's
    # TypeError of the comparison; SGD's dampening, LBFGS's max_iter and the flags (amsgrad, nesterov, centered)
    # are not checked; a group given as a dict is not checked at all
    assert np.isnan(nn.optim.SGD([_p()], lr=float("nan")).param_groups[0]["lr"])
    with pytest.raises(TypeError, match="^'<' not supported between instances of 'str' and 'float'$"):
        nn.optim.SGD([_p()], lr="a")
    with pytest.raises(TypeError, match="^'<=' not supported between instances of 'float' and 'NoneType'$"):
        nn.optim.Adam([_p()], lr=None)
    nn.optim.SGD([_p()], dampening=float("nan"))
    nn.optim.Adam([_p()], amsgrad=None)
    nn.optim.RMSprop([_p()], centered=0)
    nn.optim.LBFGS([_p()], max_iter=-1)
    p = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    opt = nn.optim.SGD([{"params": [p], "lr": -1.0}])        # PyTorch takes it: a step up the gradient
    p.sum().backward()
    opt.step()
    assert _f(p).tolist() == [2.0, 3.0]


def test_optimizer_parameter_list_errors_are_pytorchs():
    # PyTorch 2.13's torch.optim.Optimizer words and types
    p = _p()
    with pytest.raises(TypeError, match="^params argument given to the optimizer should be an iterable of Tensors "
                                        "or dicts, but got nn.FloatTensor$"):
        nn.optim.SGD(p)
    with pytest.raises(TypeError, match="^optimizer can only optimize Tensors, but one of the params is float$"):
        nn.optim.Adam([1.0])
    with pytest.raises(TypeError, match="^optimizer can only optimize Tensors, but one of the params is float$"):
        nn.optim.Adam([{"params": [1.0]}])
    with pytest.raises(ValueError, match="^can't optimize a non-leaf Tensor$"):
        nn.optim.Adam([p * 2])
    with pytest.raises(KeyError, match="^'params'$"):
        nn.optim.Adam([{"lr": 0.1}])
    with pytest.raises(TypeError, match="^param_group must be a dict, but got <class 'list'>$"):
        nn.optim.Adam([p]).add_param_group([nn.zeros(1)])
    with pytest.raises(ValueError, match="^some parameters appear in more than one parameter group$"):
        nn.optim.Adam([{"params": [p]}, {"params": [p]}])
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        nn.optim.Adam([])
    with pytest.warns(UserWarning, match="optimizer contains a parameter group with duplicate parameters"):
        opt = nn.optim.Adam([p, p])                           # PyTorch warns and keeps both
    assert len(opt.param_groups[0]["params"]) == 2


def test_sgd_momentum_of_a_parameter_given_twice_is_pytorchs():
    # PyTorch 2.13 (CPU, one tensor at a time): the momentum buffers are gathered before the update, so a parameter
    # listed twice starts two buffers (each the gradient) at step 1, and later updates the kept one twice:
    # lr 0.1, momentum 0.9, g = [0.3, -1] three times moves p by -(0.2 + 0.461 + 0.75341) g = -1.41441 g
    p = nn.tensor([1.0, 2.0], dtype=nn.float64, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        opt = nn.optim.SGD([p, p], lr=0.1, momentum=0.9)
    for _ in range(3):
        p.grad = nn.tensor([0.3, -1.0], dtype=nn.float64)
        opt.step()
    np.testing.assert_allclose(_f(p), [1 - 1.41441 * 0.3, 2 + 1.41441], rtol=1e-15)


def test_lbfgs_refuses_an_unknown_line_search_at_the_step():
    # PyTorch 2.13: LBFGS([w], line_search_fn='backtracking') is built; step raises RuntimeError "only
    # 'strong_wolfe' is supported"
    w = nn.tensor([0.0, 0.0], dtype=nn.float64, requires_grad=True)
    opt = nn.optim.LBFGS([w], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = ((w - 1) ** 2).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="^only 'strong_wolfe' is supported$"):
        opt.step(closure)


# ---- Module registration ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, name, value, error, words", [
    ("register_buffer", "", None, KeyError, 'buffer name can\'t be empty string ""'),
    ("register_buffer", "a.b", None, KeyError, 'buffer name can\'t contain "."'),
    ("register_buffer", 3, None, TypeError, "buffer name should be a string. Got int"),
    ("register_parameter", "", None, KeyError, 'parameter name can\'t be empty string ""'),
    ("register_parameter", "a.b", None, KeyError, 'parameter name can\'t contain "."'),
    ("register_parameter", None, None, TypeError, "parameter name should be a string. Got NoneType"),
    ("add_module", "", None, KeyError, 'module name can\'t be empty string ""'),
    ("add_module", "a.b", None, KeyError, 'module name can\'t contain ".", got: a.b'),
    ("add_module", 3, None, TypeError, "module name should be a string. Got int"),
    ("add_module", "a.b", 3, TypeError, "int is not a Module subclass"),
    ("add_module", "weight", np.zeros(2), TypeError, "numpy.ndarray is not a Module subclass"),
])
def test_registration_errors_are_pytorchs(method, name, value, error, words):
    # PyTorch 2.13's Module.register_buffer / register_parameter / add_module: each message its own, in its order
    with pytest.raises(error) as e:
        getattr(nn.Linear(2, 2), method)(name, value)
    assert e.value.args[0] == words


# ---- GELU -----------------------------------------------------------------------------------------------------------

def test_gelu_approximate_is_checked_when_called_in_pytorchs_words():
    # PyTorch 2.13: nn.GELU(approximate='bad') is built; calling it (or F.gelu) raises RuntimeError "approximate
    # argument must be either none or tanh."; a non-str is TypeError "gelu(): argument 'approximate' must be str,
    # not NoneType"
    x = nn.tensor([-1.0, 0.5], dtype=nn.float64)
    layer = nn.GELU(approximate="Tanh")
    with pytest.raises(RuntimeError, match=r"^approximate argument must be either none or tanh\.$"):
        layer(x)
    with pytest.raises(RuntimeError, match=r"^approximate argument must be either none or tanh\.$"):
        F.gelu(x, approximate="bad")
    with pytest.raises(TypeError, match="^gelu\\(\\): argument 'approximate' must be str, not NoneType$"):
        F.gelu(x, approximate=None)
    # values unchanged: gelu(-1) = -Phi(-1) = -0.15865525393145707, gelu(0.5) = 0.5 Phi(0.5) = 0.34573123063700656
    np.testing.assert_allclose(_f(F.gelu(x)), [-0.15865525393145707, 0.34573123063700656], rtol=1e-15)


# ---- nn.tensor of data NumPy cannot take ------------------------------------------------------------------------

@pytest.mark.parametrize("data, dtype, error, words", [
    ([[1, 2], [3]], None, ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
    ([[1], [2, 3]], None, ValueError, "expected sequence of length 1 at dim 1 (got 2)"),
    ("abc", None, TypeError, "new(): invalid data type 'str'"),
    (["a", 1], None, ValueError, "too many dimensions 'str'"),
    ([1, "a"], None, TypeError, "new(): invalid data type 'str'"),
    ([1, "a"], nn.int64, TypeError, "'str' object cannot be interpreted as an integer"),
    (None, None, RuntimeError, "Could not infer dtype of NoneType"),
    ([1, None], None, RuntimeError, "Could not infer dtype of NoneType"),
    ([1, None], nn.float64, TypeError, "must be real number, not NoneType"),
    ({1: 2}, None, RuntimeError, "Could not infer dtype of dict"),
    ([[1, 2], 3], None, TypeError, "not a sequence"),
    ([1, [2]], None, TypeError, "'list' object cannot be interpreted as an integer"),
    ([1.0, [2]], None, TypeError, "must be real number, not list"),
    ([b"a"], None, TypeError, "new(): invalid data type 'bytes'"),
    ([[1], []], None, ValueError, "expected sequence of length 1 at dim 1 (got 0)"),
    (np.array([1, None], dtype=object), None, TypeError, "can't convert np.ndarray of type numpy.object_. The only "
     "supported types are: float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, "
     "uint32, uint16, uint8, and bool."),
])
def test_tensor_of_bad_data_raises_pytorchs_errors(data, dtype, error, words):
    # PyTorch 2.13's torch.tensor: the same type and words for each
    with pytest.raises(error) as e:
        nn.tensor(data, dtype=dtype)
    assert str(e.value) == words


def test_tensor_reads_ragged_looking_data_as_pytorch():
    # PyTorch 2.13: a tensor where a row is expected counts as the row (torch.tensor([[1, 2], torch.ones(2)]) is
    # [[1., 1.] ...] float32 of shape (2, 2)); a larger tensor where a number is expected is ValueError "only one
    # element tensors can be converted to Python scalars"; nothing to store checks no lengths ([[], [1]] -> (2, 0));
    # bytes with a dtype are their ints ([b'a'] in int64 -> [[97]])
    t = nn.tensor([[1, 2], nn.ones(2)])
    assert tuple(t.shape) == (2, 2) and t.dtype == nn.float32 and _f(t).tolist() == [[1.0, 2.0], [1.0, 1.0]]
    with pytest.raises(ValueError, match="^only one element tensors can be converted to Python scalars$"):
        nn.tensor([nn.ones(2), nn.ones(2)])
    assert tuple(nn.tensor([[], [1]]).shape) == (2, 0)
    assert _f(nn.tensor([b"a"], dtype=nn.int64)).tolist() == [[97]]
    assert _f(nn.tensor([nn.tensor(1.5), 2])).tolist() == [1.5, 2.0]          # unchanged
    # an integer dtype takes integer tensors only (PyTorch: TypeError "only integer tensors of a single element can
    # be converted to an index", also for a float row where a sequence is expected); nn cast the float
    for data in ([nn.ones(1)], [nn.tensor(1.0), 2], [[1, 2], nn.ones(2)]):
        with pytest.raises(TypeError, match="^only integer tensors of a single element can be converted to an index$"):
            nn.tensor(data, dtype=nn.int64)
    assert _f(nn.tensor([nn.tensor(2), 3], dtype=nn.int64)).tolist() == [2, 3]


def test_from_numpy_errors_are_pytorchs():
    # PyTorch 2.13: torch.from_numpy(np.float64(1)) -> TypeError "expected np.ndarray (got numpy.float64)"; of a
    # list "(got list)"; of a str array "can't convert np.ndarray of type numpy.str_. ..."
    with pytest.raises(TypeError, match=r"^expected np\.ndarray \(got numpy\.float64\)$"):
        nn.from_numpy(np.float64(1.0))
    with pytest.raises(TypeError, match=r"^expected np\.ndarray \(got list\)$"):
        nn.from_numpy([1, 2])
    with pytest.raises(TypeError, match=r"^can't convert np\.ndarray of type numpy\.str_\. The only supported "):
        nn.from_numpy(np.array(["a"]))
    a = np.arange(3.0)
    nn.from_numpy(a).add_(1)                                  # still shares memory
    assert a.tolist() == [1.0, 2.0, 3.0]


# ---- clamp of integer and bool tensors --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, ctype", [(nn.int64, "long int"), (nn.int32, "int"), (nn.int16, "short int"),
                                          (nn.int8, "signed char"), (nn.uint8, "unsigned char"), (nn.bool, "bool")])
def test_clamp_in_place_by_a_float_number_names_the_c_type(dtype, ctype):
    # PyTorch 2.13: torch.tensor([0, 1, 3]).clamp_(min=0.5) -> RuntimeError "result type Float can't be cast to the
    # desired output type long int" (the scalar kernel's words; a tensor bound says "... type Long")
    for run in (lambda x: x.clamp_(min=0.5), lambda x: x.clamp_(max=1.5), lambda x: x.clip_(0.5, 2.0),
                lambda x: x.clamp_min_(0.5), lambda x: nn.clamp_(x, min=0.5)):
        with pytest.raises(RuntimeError) as e:
            run(nn.tensor([0, 1, 1]).to(dtype))
        assert str(e.value) == f"result type Float can't be cast to the desired output type {ctype}"
    with pytest.raises(RuntimeError, match="^result type Float can't be cast to the desired output type Long$"):
        nn.tensor([0, 1, 3]).clamp_(min=nn.tensor(0.5))
    assert _f(nn.tensor([0, 1, 3]).clamp_(min=1)).tolist() == [1, 1, 3]            # unchanged
    assert _f(nn.tensor([0, 1, 3]).clamp(min=0.5)).tolist() == [0.5, 1.0, 3.0]


def test_clamp_of_a_bool_tensor_by_numbers_is_not_implemented():
    # PyTorch 2.13: torch.tensor([True, False]).clamp(min=True) -> NotImplementedError '"clamp_min_scalar_cpu" not
    # implemented for 'Bool''; max= "clamp_max_scalar_cpu", both "clamp_scalar_cpu"; bool.clamp_(min=0) is "result
    # type Long can't be cast to the desired output type bool"; a tensor bound computes
    b = nn.tensor([True, False])
    for kwargs, kernel in [(dict(min=True), "clamp_min_scalar_cpu"), (dict(max=True), "clamp_max_scalar_cpu"),
                           (dict(min=False, max=True), "clamp_scalar_cpu")]:
        with pytest.raises(NotImplementedError, match=f"^\"{kernel}\" not implemented for 'Bool'$"):
            b.clamp(**kwargs)
    with pytest.raises(RuntimeError, match="^result type Long can't be cast to the desired output type bool$"):
        b.clamp_(min=0)
    assert _f(b.clamp(min=0)).tolist() == [1, 0]
    assert _f(b.clamp(min=nn.tensor(True))).tolist() == [True, True]


# ---- against PyTorch itself -------------------------------------------------------------------------------------

def test_errors_match_torch():
    torch = pytest.importorskip("torch")

    def error(run):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                run()
        except Exception as e:                                # noqa: BLE001 - the error itself is compared
            return type(e).__name__, str(e)
        return None

    pairs = [(lambda m: m.zeros(3).repeat(2, -1)), (lambda m: m.zeros(2, 3).repeat(2)),
             (lambda m: m.tensor([[1, 2], [3]])), (lambda m: m.tensor([1, None])), (lambda m: m.tensor("a")),
             (lambda m: m.tensor([1, [2]])), (lambda m: m.from_numpy(np.float64(1))),
             (lambda m: m.tensor([0, 1]).clamp_(min=0.5)), (lambda m: m.tensor([True]).clamp(max=True)),
             (lambda m: m.optim.Adam([m.zeros(1, requires_grad=True)], betas=(0.9, 1.0))),
             (lambda m: m.optim.SGD([m.zeros(1, requires_grad=True)], lr=None)),
             (lambda m: m.nn.GELU(approximate="x")(m.zeros(1)) if m is torch else m.GELU(approximate="x")(m.zeros(1))),
             (lambda m: (m.nn.Linear(1, 1) if m is torch else m.Linear(1, 1)).register_buffer("a.b", None))]
    for run in pairs:
        assert error(lambda: run(nn)) == error(lambda: run(torch))


def test_an_empty_list_counts_as_the_default_dtype_when_inferring():
    """PyTorch infers a nested list's dtype over every element, an empty list giving the default dtype: tensor([[],
    [1]]) is a float32 (2, 0) tensor (its sizes come from the first elements); nn gave int64 (found by the round's
    closing read)."""
    t = nn.tensor([[], [1]])
    assert tuple(t.shape) == (2, 0) and t.dtype == nn.float32
    assert nn.tensor([[], []]).dtype == nn.float32 and nn.tensor([]).dtype == nn.float32
    assert nn.tensor([[1, 2], [3, 4]]).dtype == nn.int64                # (no empty list: int64 as before)
