"""Errors the thirty-fourth round found and left (area E): the learning-rate schedulers' checks and the tensor
constructors' integer overflow, compared with PyTorch 2.13 side by side over small grids (950 scheduler cases and 82
more of step(epoch), resumed runs, add_param_group and SWALR; 50 constructor cases). No package is imported here.

- the schedulers refused, in nn's own words, many arguments PyTorch takes and computes with (StepLR's step_size 0,
  -1 or 2.5 (0 then fails at the first step with Python's ZeroDivisionError), a negative or NaN gamma, T_max 0,
  total_iters 0 or negative, a negative eta_min / power, ReduceLROnPlateau's negative patience / min_lr / eps,
  unsorted or non-int milestones of MultiStepLR and SequentialLR); PyTorch checks a few things only, by its own
  comparisons and in its words ("Starting multiplicative factor expected to be greater than 0 and less or equal to
  1.", "Expected positive integer T_0, but got 0", "Factor should be < 1.0." before the optimizer's check, "mode up
  is unknown!", "expected 1 min_lrs, got 2", "Expected 2 lr_lambdas, but got 1", "lr_lambda should be a function,
  but got int" (MultiplicativeLR only), "Expected float between 0 and 1 pct_start, but got 1" (an int 1 refused,
  NaN taken), "mode is invalid and scale_fn is None", SequentialLR's and ChainedScheduler's scheduler checks),
  "NoneType is not an Optimizer" (nn said "nn.optim Optimizer") and the resume KeyError's long text.
- CyclicLR and OneCycleLR wrote each group's initial_lr even when resuming (last_epoch != -1), so a run without
  them went on where PyTorch raises the KeyError; a resumed OneCycleLR followed the cycle of its arguments, not the
  one its groups were saved with (PyTorch reads initial_lr / max_lr / min_lr from the groups at each step); CyclicLR
  made after another scheduler took its own base_lr where PyTorch's first step reads the group's initial_lr.
- SequentialLR cast milestones to int and refused unsorted ones, was not an LRScheduler, had no last_epoch, and
  left the schedulers after the first one epoch ahead of PyTorch's (its recursive_undo); ReduceLROnPlateau never
  reduced a param group added after it was made (PyTorch's default_min_lr covers it; a list of min_lrs raises).
- ``nn.tensor(2**63)`` was int64 -9223372036854775808 (NumPy's uint64 wrapped); ``tensor([1, 2**70])`` and the
  like raised OverflowError "Python int too large to convert to C long", where PyTorch's store raises ValueError
  "Overflow when unpacking long long" for an integer dtype and takes the int as a float for a floating one
  (``FloatTensor([2**70])``); ``full((2,), 2**70)``, ``arange(2**70)``, ``fill_``, ``masked_fill``, ``clamp``,
  ``x + 2**70`` computed or raised other errors where PyTorch's Scalar parse raises OverflowError "int too big to
  convert" (and ``arange(2**63)``, a uint64 Scalar, "value cannot be converted to type int64_t without overflow").
"""
import math
import warnings

import numpy as np
import pytest

import nn

S = nn.optim.lr_scheduler


def _opt(lr=1.0, groups=1, kind="sgd"):
    groups = [{"params": [nn.Parameter(nn.zeros(1))]} for _ in range(groups)]
    if kind == "sgd":
        return nn.optim.SGD(groups, lr=lr, momentum=0.9)
    return nn.optim.Adam(groups, lr=lr) if kind == "adam" else nn.optim.Rprop(groups, lr=lr)


def _lrs(sched, n, metric=None):
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n):
            sched.optimizer.step()
            sched.step() if metric is None else sched.step(metric)
            out.append(sched.get_last_lr()[0])
    return out


# ---- the optimizer and resuming -----------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda o: S.StepLR(o, 2), lambda o: S.ReduceLROnPlateau(o),
                                  lambda o: S.CyclicLR(o, 0.1, 1.0), lambda o: S.OneCycleLR(o, 1.0, 10)])
@pytest.mark.parametrize("bad", [None, "x", 3])
def test_a_scheduler_of_no_optimizer_in_pytorchs_words(make, bad):
    # PyTorch 2.13: TypeError "NoneType is not an Optimizer" (nn said "... is not an nn.optim Optimizer")
    with pytest.raises(TypeError, match=f"^{type(bad).__name__} is not an Optimizer$"):
        make(bad)


@pytest.mark.parametrize("make", [lambda o: S.StepLR(o, 2, last_epoch=3),
                                  lambda o: S.ExponentialLR(o, 0.9, last_epoch=0),
                                  lambda o: S.CyclicLR(o, 0.1, 1.0, last_epoch=3),
                                  lambda o: S.OneCycleLR(o, 1.0, 10, last_epoch=3)])
def test_resuming_without_initial_lr_is_pytorchs_key_error(make):
    # PyTorch 2.13: KeyError "param 'initial_lr' is not specified in param_groups[0] when resuming scheduler with
    # last_epoch >= 0.\nThis typically happens when: ..." (CyclicLR / OneCycleLR wrote initial_lr and went on)
    with pytest.raises(KeyError) as e:
        make(_opt())
    assert e.value.args[0] == (
        "param 'initial_lr' is not specified in param_groups[0] when resuming scheduler with last_epoch >= 0.\n"
        "This typically happens when:\n1. You're trying to resume training from a checkpoint but haven't properly "
        "loaded the optimizer state\n2. You're using last_epoch >= 0 for a fresh training run (not recommended)")


def test_the_epoch_deprecation_warning_is_pytorchs_text():
    sched = S.StepLR(_opt(), 2)
    with pytest.warns(UserWarning) as record:
        sched.step(1)
    assert str(record[-1].message).endswith("where available. Please open an issue if you are unable to replicate "
                                            "your use case: https://github.com/pytorch/pytorch/issues/new/choose.")


# ---- arguments PyTorch does not check: taken, computed with --------------------------------------------------------

def test_unchecked_arguments_give_pytorchs_learning_rates():
    # PyTorch 2.13 (hand-checked lists): StepLR(step_size=-1, gamma=-0.5) decays at every epoch (e % -1 == 0)
    assert _lrs(S.StepLR(_opt(), -1, -0.5), 4) == [-0.5, 0.25, -0.125, 0.0625]
    assert _lrs(S.PolynomialLR(_opt(), 0), 3) == [1.0, 1.0, 1.0]                # total_iters 0: unchanged
    linear = S.LinearLR(_opt(), 0.5, 1.0, 0)
    assert linear.get_last_lr() == [0.5] and _lrs(linear, 3) == [0.5, 0.5, 0.5]
    assert all(math.isnan(v) for v in _lrs(S.ConstantLR(_opt(), float("nan"), 2), 3))
    assert all(math.isnan(v) for v in _lrs(S.ExponentialLR(_opt(), float("nan")), 2))
    np.testing.assert_allclose(_lrs(S.CosineAnnealingLR(_opt(), 2, -1.0), 4), [0.0, -1.0, 0.0, 1.0], atol=1e-15)
    # ReduceLROnPlateau(patience=-1, min_lr=-1.0): a reduction at every step
    np.testing.assert_allclose(_lrs(S.ReduceLROnPlateau(_opt(), patience=-1, min_lr=-1.0), 3, 1.0),
                               [0.1, 0.01, 0.001], rtol=1e-15)
    assert S.CosineAnnealingWarmRestarts(_opt(), True).T_0 is True       # isinstance(True, int) passes there
    with pytest.raises(TypeError, match="^'int' object is not callable$"):     # LambdaLR: its first step calls it
        S.LambdaLR(_opt(), 3)


@pytest.mark.parametrize("make, error, words", [
    (lambda: S.StepLR(_opt(), 0), ZeroDivisionError, "integer modulo by zero"),
    (lambda: S.StepLR(_opt(), 0.0), ZeroDivisionError, "float modulo"),
    (lambda: S.StepLR(_opt(), "2"), TypeError, "unsupported operand type(s) for %: 'int' and 'str'"),
    (lambda: S.CosineAnnealingLR(_opt(), 0), ZeroDivisionError, "integer modulo by zero"),
])
def test_unchecked_arguments_fail_at_the_step_as_pytorch(make, error, words):
    # PyTorch 2.13 builds these (nn refused them when built, in its own words); the step is Python's error
    sched = make()
    with pytest.raises(error) as e:
        _lrs(sched, 2)
    assert str(e.value) == words


def test_multistep_milestones_are_counted_as_given():
    # PyTorch 2.13: Counter([5, 2, 2.0, 2.5, '3']): 2 and 2.0 are one key counted twice, 2.5 and '3' never reached
    # (nn refused non-ints); step(epoch) bisects the sorted elements
    assert _lrs(S.MultiStepLR(_opt(), [5, 2, 2.0, 2.5, "3"], 0.5), 6) == [1.0, 0.25, 0.25, 0.25, 0.125, 0.125]
    closed = []
    for epoch in (1, 2, 3, 5, 6):
        sched = S.MultiStepLR(_opt(), [5, 2, 2.0, 2.5], 0.5)
        with pytest.warns(UserWarning):
            sched.step(epoch)
        closed.append(sched.get_last_lr()[0])
    assert closed == [1.0, 0.25, 0.125, 0.0625, 0.0625]
    with pytest.raises(TypeError, match="^'int' object is not iterable$"):
        S.MultiStepLR(_opt(), 3)


# ---- PyTorch's checks, in its words --------------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, words", [
    (lambda: S.LinearLR(_opt(), start_factor=0.0), ValueError,
     "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."),
    (lambda: S.LinearLR(_opt(), start_factor=1.5), ValueError,
     "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."),
    (lambda: S.LinearLR(_opt(), end_factor=-0.1), ValueError,
     "Ending multiplicative factor expected to be between 0 and 1."),
    (lambda: S.LinearLR(_opt(), start_factor="0.5"), TypeError,
     "'>' not supported between instances of 'str' and 'float'"),
    (lambda: S.ConstantLR(_opt(), factor=1.5), ValueError,
     "Constant multiplicative factor expected to be between 0 and 1."),
    (lambda: S.CosineAnnealingWarmRestarts(_opt(), 0), ValueError, "Expected positive integer T_0, but got 0"),
    (lambda: S.CosineAnnealingWarmRestarts(_opt(), 2.0), ValueError, "Expected positive integer T_0, but got 2.0"),
    (lambda: S.CosineAnnealingWarmRestarts(_opt(), float("nan")), ValueError,
     "Expected positive integer T_0, but got nan"),
    (lambda: S.CosineAnnealingWarmRestarts(_opt(), "3"), TypeError,
     "'<=' not supported between instances of 'str' and 'int'"),
    (lambda: S.CosineAnnealingWarmRestarts(_opt(), 3, 1.5), ValueError, "Expected integer T_mult >= 1, but got 1.5"),
    (lambda: S.CosineAnnealingWarmRestarts(_opt(), 3, 1, "0"), ValueError,
     "Expected float or int eta_min, but got 0 of type <class 'str'>"),
    (lambda: S.LambdaLR(_opt(groups=2), [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (lambda: S.MultiplicativeLR(_opt(groups=2), [lambda e: 1.0] * 3), ValueError, "Expected 2 lr_lambdas, but got 3"),
    (lambda: S.MultiplicativeLR(_opt(), 3), TypeError, "lr_lambda should be a function, but got int"),
    (lambda: S.MultiplicativeLR(_opt(), [None]), TypeError, "lr_lambda should be a function, but got NoneType"),
    (lambda: S.ReduceLROnPlateau(None, factor=2), ValueError, "Factor should be < 1.0."),
    (lambda: S.ReduceLROnPlateau(_opt(), factor="0.5"), TypeError,
     "'>=' not supported between instances of 'str' and 'float'"),
    (lambda: S.ReduceLROnPlateau(_opt(), mode="MIN"), ValueError, "mode MIN is unknown!"),
    (lambda: S.ReduceLROnPlateau(_opt(), mode=None), TypeError, 'can only concatenate str (not "NoneType") to str'),
    (lambda: S.ReduceLROnPlateau(_opt(), threshold_mode="x"), ValueError, "threshold mode x is unknown!"),
    (lambda: S.ReduceLROnPlateau(_opt(groups=2), min_lr=[0.0]), ValueError, "expected 2 min_lrs, got 1"),
])
def test_scheduler_checks_in_pytorchs_words(make, error, words):
    with pytest.raises(error) as e:
        make()
    assert str(e.value) == words


@pytest.mark.parametrize("kw, error, words", [
    (dict(total_steps=0), ValueError, "Expected positive integer total_steps, but got 0"),
    (dict(total_steps=20.0), ValueError, "Expected positive integer total_steps, but got 20.0"),
    (dict(total_steps="20"), TypeError, "'<=' not supported between instances of 'str' and 'int'"),
    (dict(epochs=0, steps_per_epoch=5), ValueError, "Expected positive integer epochs, but got 0"),
    (dict(epochs="4", steps_per_epoch=5), ValueError, "Expected positive integer epochs, but got 4"),
    (dict(epochs=4, steps_per_epoch=5.0), ValueError, "Expected positive integer steps_per_epoch, but got 5.0"),
    (dict(epochs=4), ValueError, "You must define either total_steps OR (epochs AND steps_per_epoch)"),
    (dict(total_steps=20, pct_start=1), ValueError, "Expected float between 0 and 1 pct_start, but got 1"),
    (dict(total_steps=20, pct_start=-0.1), ValueError, "Expected float between 0 and 1 pct_start, but got -0.1"),
    (dict(total_steps=10, pct_start="0.3"), ValueError, "could not convert string to float: '" + "0.3" * 10 + "'"),
    (dict(total_steps=20, anneal_strategy="COS"), ValueError,
     "anneal_strategy must be one of 'cos' or 'linear', instead got COS"),
])
def test_one_cycle_checks_in_pytorchs_order_and_words(kw, error, words):
    with pytest.raises(error) as e:
        S.OneCycleLR(_opt(), 1.0, **kw)
    assert str(e.value) == words


def test_one_cycle_takes_what_pytorch_takes_and_resumes_from_its_groups():
    # PyTorch 2.13: NaN pct_start passes its check (lr NaN); momenta of the wrong length are not read without
    # cycle_momentum; stepping past the end is "Tried to step 11 times. The specified number of total steps is 10"
    assert math.isnan(S.OneCycleLR(_opt(), 1.0, total_steps=10, pct_start=float("nan")).get_last_lr()[0])
    with pytest.raises(ZeroDivisionError, match="^float division by zero$"):    # before the momentum's check
        S.OneCycleLR(_opt(kind="rprop"), 1.0, total_steps=20, div_factor=0.0)
    with pytest.raises(ValueError, match="^optimizer must support momentum or beta1 with `cycle_momentum` option "
                                         "enabled$"):
        S.OneCycleLR(_opt(kind="rprop"), 1.0, total_steps=20)
    S.OneCycleLR(_opt(), 1.0, total_steps=10, cycle_momentum=False, base_momentum=[0.8, 0.8, 0.8])
    sched = S.OneCycleLR(_opt(), 1.0, total_steps=10)
    with pytest.raises(ValueError, match=r"^Tried to step 11 times. The specified number of total steps is 10$"):
        _lrs(sched, 11)
    # a resumed run follows the cycle its groups hold (initial_lr 0.3, max_lr 1.0), not max_lr=2.0 / div_factor
    opt = _opt(0.1)
    opt.param_groups[0].update(initial_lr=0.3, max_lr=1.0, min_lr=1e-5, max_momentum=0.95, base_momentum=0.85)
    sched = S.OneCycleLR(opt, 2.0, total_steps=10, last_epoch=4)
    np.testing.assert_allclose(sched.get_last_lr() + _lrs(sched, 2),
                               [0.6112643543734874, 0.38874564562651265, 0.18826321651964256], rtol=1e-14)


def test_cyclic_lr_checks_and_first_step_as_pytorch():
    with pytest.raises(ValueError, match="^mode is invalid and scale_fn is None$"):
        S.CyclicLR(_opt(), 0.1, 1.0, mode="bad")
    S.CyclicLR(_opt(), 0.1, 1.0, mode="bad", scale_fn=lambda x: 0.5)      # a scale_fn: the mode is not read
    with pytest.raises(ZeroDivisionError, match="^float division by zero$"):
        S.CyclicLR(_opt(), 0.1, 1.0, step_size_up=0, step_size_down=0)
    # PyTorch 2.13: after another scheduler set the group's initial_lr (1.0), CyclicLR's first step reads it, then
    # its base_lrs are its own: [1.0], then 0.505, 1.0, 0.505
    opt = _opt()
    S.StepLR(opt, 2)
    sched = S.CyclicLR(opt, 0.01, 1.0, step_size_up=2)
    assert sched.get_last_lr() == [1.0] and sched.base_lrs == [0.01]
    np.testing.assert_allclose(_lrs(sched, 3), [0.505, 1.0, 0.505], rtol=1e-15)


def test_reduce_lr_on_plateau_covers_a_group_added_later():
    # PyTorch 2.13: one min_lr covers a group added by add_param_group (default_min_lr); a list raises
    opt = _opt()
    sched = S.ReduceLROnPlateau(opt, patience=0, min_lr=0.3)
    opt.add_param_group({"params": [nn.Parameter(nn.zeros(1))], "lr": 0.5})
    assert _lrs(sched, 4, 1.0) == [1.0, 0.3, 0.3, 0.3]
    assert [g["lr"] for g in opt.param_groups] == [0.3, 0.3] and sched.min_lrs == [0.3, 0.3]
    assert sched.state_dict()["default_min_lr"] == 0.3
    opt = _opt()
    sched = S.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0])
    opt.add_param_group({"params": [nn.Parameter(nn.zeros(1))], "lr": 0.5})
    with pytest.raises(RuntimeError, match=r"^The number of param groups in the `optimizer` \(2\) differs from when "
                                           r"`ReduceLROnPlateau` was initialized \(1\), usually due to a new param"):
        _lrs(sched, 2, 1.0)


# ---- SequentialLR, ChainedScheduler, SWALR -------------------------------------------------------------------------

def test_sequential_and_chained_checks_in_pytorchs_words():
    opt, other = _opt(kind="adam"), _opt(kind="adam")
    stranger = S.StepLR(other, 3)
    cases = [
        (lambda: S.SequentialLR(opt, [], []), ValueError, "SequentialLR expects at least one scheduler, but got no "
                                                          "scheduler."),
        (lambda: S.ChainedScheduler([]), ValueError, "ChainedScheduler expects at least one scheduler to be chained, "
                                                     "but got no scheduler."),
        (lambda: S.SequentialLR(opt, [3], []), TypeError, "SequentialLR at index 0 should have `optimizer` as its "
                                                          "attribute."),
        (lambda: S.ChainedScheduler([S.StepLR(opt, 2), S.ReduceLROnPlateau(opt)]), ValueError,
         "ChainedScheduler does not support `ReduceLROnPlateau` scheduler as it requires additional kwargs to be "
         "specified when calling `step`, but got one at index 1 in the given schedulers sequence."),
        (lambda: S.SequentialLR(opt, [S.StepLR(opt, 2), S.StepLR(opt, 3)], [2, 4]), ValueError,
         "Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone "
         "points, but got number of schedulers 2 and the number of milestones to be equal to 2"),
        (lambda: S.SequentialLR(opt, [S.StepLR(opt, 2), stranger], [2]), ValueError,
         "SequentialLR expects all schedulers to belong to the same optimizer, but got scheduler StepLR at index 1 "
         f"has {other}, which is different from Adam."),
    ]
    for make, error, words in cases:
        with pytest.raises(error) as e:
            make()
        assert str(e.value) == words


def test_sequential_lr_milestones_as_given_and_its_epochs():
    # PyTorch 2.13 (hand-checked): a milestone 2.5 switches to StepLR at epoch 3 without a restart, StepLR's epoch
    # one behind (recursive_undo); unsorted milestones bisect as they are; last_epoch=3 starts at 4
    opt = _opt()
    seq = S.SequentialLR(opt, [S.ExponentialLR(opt, 0.5), S.StepLR(opt, 2, 0.1)], [2.5])
    np.testing.assert_allclose(_lrs(seq, 6), [0.5, 0.25, 0.25, 0.25, 0.025, 0.025], rtol=1e-15)
    opt = _opt()
    seq = S.SequentialLR(opt, [S.ExponentialLR(opt, 0.5), S.ConstantLR(opt, 0.5, 2), S.StepLR(opt, 1, 0.1)], [4, 2])
    np.testing.assert_allclose(_lrs(seq, 7), [0.5, 1.0, 0.1, 0.01, 1e-3, 1e-4, 1e-5], rtol=1e-14)
    opt = _opt()
    seq = S.SequentialLR(opt, [S.ExponentialLR(opt, 0.5), S.StepLR(opt, 1, 0.1)], [2], last_epoch=3)
    assert seq.last_epoch == 4 and _lrs(seq, 2) == [1.0, 0.1]
    assert isinstance(seq, S.LRScheduler)
    # schedulers given as a tuple are stepped back as a list's (PyTorch's recursive_undo reads seq._schedulers)
    opt = _opt()
    inner = (S.StepLR(opt, 1, 0.5), S.ExponentialLR(opt, 0.9))
    S.SequentialLR(opt, inner, [5])
    assert [s.last_epoch for s in inner] == [0, -1]


@pytest.mark.parametrize("kw, words", [
    (dict(swa_lr=0.05, anneal_epochs=-1), "anneal_epochs must be equal or greater than 0, got -1"),
    (dict(swa_lr=0.05, anneal_epochs=2.5), "anneal_epochs must be equal or greater than 0, got 2.5"),
    (dict(swa_lr=0.05, anneal_strategy="bad"), "anneal_strategy must be one of 'cos' or 'linear', instead got bad"),
    (dict(swa_lr=[0.05, 0.02]), "swa_lr must have the same length as optimizer.param_groups. swa_lr has 2 values, "
                                "param_groups has 1."),
])
def test_swalr_checks_in_pytorchs_words(kw, words):
    with pytest.raises(ValueError) as e:
        nn.optim.swa_utils.SWALR(_opt(), **kw)
    assert str(e.value) == words
    nn.optim.swa_utils.SWALR(_opt(), 0.05, anneal_epochs=True)           # an int there


# ---- integers beyond int64 in the constructors ---------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: nn.tensor([1, 2 ** 70]), lambda: nn.tensor(2 ** 64), lambda: nn.tensor(2 ** 63),
    lambda: nn.tensor([2 ** 63]), lambda: nn.tensor(-2 ** 63 - 1), lambda: nn.tensor([[1], [2 ** 70]]),
    lambda: nn.tensor([True, 2 ** 70]), lambda: nn.tensor(10 ** 400), lambda: nn.tensor(2 ** 64, dtype=nn.uint8),
    lambda: nn.tensor(2 ** 63, dtype=nn.int64),
    lambda: nn.tensor([2 ** 63], dtype=nn.int8), lambda: nn.as_tensor([1, 2 ** 70]), lambda: nn.LongTensor([2 ** 70]),
    lambda: nn.zeros(1).new_tensor([2 ** 63], dtype=nn.int64),
])
def test_a_python_int_beyond_int64_in_integer_data_is_pytorchs_value_error(make):
    # PyTorch 2.13: ValueError "Overflow when unpacking long long" (nn: NumPy's OverflowError, or tensor(2**63) as
    # the wrapped -9223372036854775808)
    with pytest.raises(ValueError, match="^Overflow when unpacking long long$"):
        make()


def test_a_python_int_beyond_int64_in_floating_data_is_a_float():
    # PyTorch 2.13: a floating (or bool / complex) dtype takes it as a C double; beyond a double, Python's
    # OverflowError "int too large to convert to float"
    assert nn.tensor(2 ** 63, dtype=nn.float32).item() == 2.0 ** 63
    t = nn.tensor([1.0, 2 ** 63])
    assert t.dtype == nn.float32 and t.tolist() == [1.0, 2.0 ** 63]
    t = nn.FloatTensor([2 ** 70])
    assert t.dtype == nn.float32 and t.tolist() == [2.0 ** 70]
    assert nn.tensor(2 ** 70, dtype=nn.bool).item() is True
    for make in (lambda: nn.tensor([10 ** 400], dtype=nn.float32), lambda: nn.tensor([1j, 10 ** 400])):
        with pytest.raises(OverflowError, match="^int too large to convert to float$"):
            make()


@pytest.mark.parametrize("make, words", [
    (lambda: nn.full((2,), 2 ** 70), "int too big to convert"),
    (lambda: nn.full((2,), 2 ** 70, dtype=nn.float32), "int too big to convert"),
    (lambda: nn.full((2,), -2 ** 63 - 1), "can't convert negative int to unsigned"),
    (lambda: nn.zeros(2).new_full((2,), 2 ** 64), "int too big to convert"),
    (lambda: nn.full_like(nn.zeros(2), 2 ** 70), "int too big to convert"),
    (lambda: nn.arange(2 ** 70), "int too big to convert"),
    (lambda: nn.arange(2 ** 70, dtype=nn.float32), "int too big to convert"),
    (lambda: nn.arange(-2 ** 63 - 1), "can't convert negative int to unsigned"),
    (lambda: nn.linspace(0, 2 ** 70, 3), "int too big to convert"),
    (lambda: nn.zeros(3).fill_(2 ** 70), "int too big to convert"),
    (lambda: nn.zeros(3, dtype=nn.int64).fill_(2 ** 70), "int too big to convert"),
    (lambda: nn.zeros(3) + 2 ** 70, "int too big to convert"),
    (lambda: 2 ** 70 * nn.zeros(3), "int too big to convert"),
    (lambda: nn.zeros(3) == 2 ** 64, "int too big to convert"),
    (lambda: nn.zeros(3).masked_fill(nn.ones(3, dtype=nn.bool), 2 ** 70), "int too big to convert"),
    (lambda: nn.zeros(3).clamp(max=2 ** 70), "int too big to convert"),
])
def test_a_python_int_beyond_uint64_as_a_scalar_is_pytorchs_overflow_error(make, words):
    # PyTorch 2.13's Scalar parse, before any dtype: OverflowError (nn computed in float32, or raised its own)
    with pytest.raises(OverflowError) as e:
        make()
    assert str(e.value) == words


def test_a_uint64_scalar_in_an_integer_range_and_fill():
    # PyTorch 2.13: 2**63 is a uint64 Scalar: an int64 result cannot hold it (nn's arange(2**63) was empty), a
    # float one can; an int64 tensor plus 2**63 wraps to -2**63 (no check there)
    for make in (lambda: nn.arange(2 ** 63), lambda: nn.arange(0, 2 ** 63, 2 ** 62), lambda: nn.full((2,), 2 ** 63),
                 lambda: nn.linspace(0, 2 ** 63, 3, dtype=nn.int64)):
        with pytest.raises(RuntimeError, match="^value cannot be converted to type int64_t without overflow$"):
            make()
    assert nn.full((2,), 2 ** 63, dtype=nn.float32).tolist() == [2.0 ** 63] * 2
    assert nn.linspace(0, 2 ** 63, 3).tolist() == [0.0, 2.0 ** 62, 2.0 ** 63]
    assert nn.arange(2 ** 63 - 2, 2 ** 63 - 1).tolist() == [2 ** 63 - 2]
    assert (nn.zeros(3, dtype=nn.int64) + 2 ** 63).tolist() == [-2 ** 63] * 3
