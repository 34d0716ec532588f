"""Evolutionary computation from the package registry: evotorch 0.6.1 (installed with --no-deps; ray and gymnasium
name-only stubs on both sides), ported by the porting rule (evotorchp) and run against the original on PyTorch 2.13
in float64 with PyTorch's random draws handed over (recorded from `normal_` / `uniform_` / `random_` / `randn` /
`randint` / `rand_like` / ..., replayed into nn's results, row by row under `vmap`): Problem and SolutionBatch,
SNES, XNES, PGPE (ClipUp, Adam, SGD), CEM, CMAES, GeneticAlgorithm / SteadyStateGA / Cosyne with the crossover and
mutation operators, MAPElites, IPOP, the functional API and operators, distributions, optimizers, tools,
TensorFrame, the neuroevolution problems and networks.

The failure these tests pin down, in a few lines (the package is not imported here):

- ``torch.func.vmap(f, in_dims=(1, None), out_dims=(1,))`` with an ``f`` that returns one tensor (evotorch's
  crowding distances, so ``take_best`` / ``pareto_utility(crowdsort=True)`` / the multi-objective GA): PyTorch takes
  a one-element tuple of out_dims for a single tensor output as that dim (its `_unwrap_batched` edge case); nn
  raised "out_dims is not compatible with the structure of `outputs`".
"""
import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- vmap: out_dims=(d,) for a function returning one tensor ---------------------------------------------------

def test_vmap_one_tuple_out_dims_for_a_single_tensor_output():
    # PyTorch 2.13: torch.vmap(lambda x: x * 2, in_dims=1, out_dims=(1,))(torch.arange(6.).reshape(2, 3))
    # -> tensor([[0., 2., 4.], [6., 8., 10.]]) (the mapped dim put back at 1, as out_dims=1)
    x = nn.arange(6.0).reshape(2, 3)
    y = nn.vmap(lambda v: v * 2, in_dims=1, out_dims=(1,))(x)
    assert tuple(y.shape) == (2, 3)
    np.testing.assert_array_equal(_f(y), [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]])
    # out_dims=(0,): the mapped dim first -> [[0, 6], [2, 8], [4, 10]]
    np.testing.assert_array_equal(_f(nn.vmap(lambda v: v * 2, in_dims=1, out_dims=(0,))(x)),
                                  [[0.0, 6.0], [2.0, 8.0], [4.0, 10.0]])
    # and PyTorch 2.13: a function returning (x, 2x) with out_dims=(1,) is refused: ValueError "vmap(<lambda>, ...,
    # out_dims=(1,))(<inputs>): out_dims is not compatible with the structure of `outputs`. ..." (nn names the
    # structures in its own notation after that)
    x = nn.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError, match=r"^vmap\(<lambda>, \.\.\., out_dims=\(1,\)\)\(<inputs>\): out_dims is not "
                                         r"compatible with the structure of `outputs`"):
        nn.vmap(lambda v: (v, v * 2), in_dims=1, out_dims=(1,))(x)
    # a one-element tuple output with a one-element tuple of dims is the ordinary match -> a 1-tuple
    (y,) = nn.vmap(lambda v: (v + 1,), in_dims=1, out_dims=(1,))(x)
    np.testing.assert_array_equal(_f(y), _f(x) + 1)


def test_vmap_one_tuple_out_dims_as_evotorch_crowding_distances():
    # evotorch.operators.functional._crowding_distances: vmap(per_objective, in_dims=(1, None), out_dims=(1,))
    # over the columns of evals (n, m) -> (n, m); here per_objective(col, w) = col * w + col.sum()
    evals = nn.tensor([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]], dtype=nn.float64)
    w = nn.tensor([1.0, 10.0, 100.0], dtype=nn.float64)
    out = nn.func.vmap(lambda col, ww: col * ww + col.sum(), in_dims=(1, None), out_dims=(1,))(evals, w)
    expected = np.array([[1 + 6, 4 + 15], [20 + 6, 50 + 15], [300 + 6, 600 + 15]], dtype=np.float64)
    np.testing.assert_array_equal(_f(out), expected)


def test_vmap_one_tuple_out_dims_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(12.0).reshape(3, 4)
    for in_dims, out_dims in [(1, (1,)), (0, (1,)), (1, (0,)), (0, (-1,))]:
        theirs = torch.vmap(lambda v: v.cumsum(0) * 2, in_dims=in_dims, out_dims=out_dims)(torch.tensor(a))
        ours = nn.vmap(lambda v: v.cumsum(0) * 2, in_dims=in_dims, out_dims=out_dims)(nn.tensor(a))
        np.testing.assert_array_equal(_f(ours), theirs.numpy())


# ---- random_ / randint / randint_like: PyTorch's range checks ---------------------------------------------------

@pytest.mark.parametrize("make", [lambda: nn.zeros(2).random_(5, 3), lambda: nn.randint(5, 3, (2,)),
                                  lambda: nn.randint_like(nn.zeros(2), 5, 3)])
def test_random_integers_refuse_an_empty_range_in_pytorchs_words(make):
    # PyTorch 2.13: torch.zeros(2).random_(5, 3), torch.randint(5, 3, (2,)) and torch.randint_like(x, 5, 3) ->
    # RuntimeError "random_ expects 'from' to be less than 'to', but got from=5 >= to=3" (nn: ValueError in its own
    # words, or NumPy's "low >= high"); evotorch's make_randint(n=0) meets it
    with pytest.raises(RuntimeError, match=r"^random_ expects 'from' to be less than 'to', but got from=5 >= to=3$"):
        make()
    with pytest.raises(RuntimeError, match=r"from=0 >= to=0$"):
        nn.zeros(2, dtype=nn.int64).random_(0)          # random_(to) is random_(0, to)


@pytest.mark.parametrize("make, words", [
    (lambda: nn.zeros(2, dtype=nn.uint8).random_(300), "to - 1 is out of bounds for unsigned char"),
    (lambda: nn.zeros(2, dtype=nn.uint8).random_(-1, 3), "from is out of bounds for unsigned char"),
    (lambda: nn.zeros(2, dtype=nn.int8).random_(0, 200), "to - 1 is out of bounds for signed char"),
    (lambda: nn.zeros(2, dtype=nn.int16).random_(0, 2 ** 20), "to - 1 is out of bounds for short int"),
    (lambda: nn.zeros(2, dtype=nn.int32).random_(-2 ** 40, 3), "from is out of bounds for int"),
    (lambda: nn.randint(0, 300, (2,), dtype=nn.uint8), "to - 1 is out of bounds for unsigned char"),
    (lambda: nn.randint(0, 3, (2,), dtype=nn.bool), "to - 1 is out of bounds for bool"),
    (lambda: nn.zeros(2, dtype=nn.bool).random_(0, 3), "to - 1 is out of bounds for bool")])
def test_random_integers_refuse_a_range_outside_the_dtype(make, words):
    # PyTorch 2.13's words for each (RuntimeError); nn drew and wrapped around (uint8 300 -> 44), or said "result
    # type Long can't be cast to the desired output type Bool"
    with pytest.raises(RuntimeError, match=rf"^{words}$"):
        make()


def test_random_fills_a_bool_tensor():
    # PyTorch 2.13: torch.zeros(3, dtype=torch.bool).random_() and .random_(0, 2) fill with False / True (nn refused:
    # "result type Long can't be cast to the desired output type Bool"); in range, the dtype kept
    x = nn.zeros(64, dtype=nn.bool)
    assert x.random_() is x and x.dtype == nn.bool
    assert set(_f(x).tolist()) <= {False, True}
    assert x.random_(0, 2).dtype == nn.bool
    y = nn.zeros(50, dtype=nn.uint8).random_(0, 256)
    assert y.dtype == nn.uint8 and 0 <= _f(y).min() and _f(y).max() <= 255


# ---- normal(mean, std): the dtype of mean (else std) decides ----------------------------------------------------

@pytest.mark.parametrize("mean, std, name", [(nn.zeros(2, dtype=nn.int64), 1.0, "Long"),
                                             (0.0, nn.ones(2, dtype=nn.int64), "Long"),
                                             (nn.zeros(2, dtype=nn.int64), nn.ones(2, dtype=nn.float64), "Long"),
                                             (nn.zeros(2, dtype=nn.bool), 1.0, "Bool")])
def test_normal_refuses_an_integer_mean_or_std_tensor(mean, std, name):
    # PyTorch 2.13: torch.normal(torch.zeros(2, dtype=torch.int64), 1.0) -> NotImplementedError '"normal_kernel_cpu"
    # not implemented for 'Long'' (the result is made like mean, or like std when mean is a number); nn drew into
    # float64 (the first floating one, else the default dtype)
    with pytest.raises(NotImplementedError, match=rf'^"normal_kernel_cpu" not implemented for \'{name}\'$'):
        nn.normal(mean, std)
    # a floating mean decides over an integer std; float32 mean with float64 std -> float32
    assert nn.normal(nn.ones(2, dtype=nn.float64), nn.ones(2, dtype=nn.int64)).dtype == nn.float64
    assert nn.normal(nn.ones(2, dtype=nn.float32), nn.ones(2, dtype=nn.float64)).dtype == nn.float32


def test_random_range_errors_match_torch():
    torch = pytest.importorskip("torch")
    cases = ["T.zeros(2).random_(5, 3)", "T.randint(0, 0, (2,))", "T.randint(-1, 3, (2,), dtype=T.uint8)",
             "T.zeros(2, dtype=T.int8).random_(-200, 3)", "T.randint_like(T.zeros(2), 3, 3)",
             "T.normal(0.0, T.ones(2, dtype=T.int64))"]
    for expr in cases:
        with pytest.raises(Exception) as theirs:
            eval(expr, {"T": torch})
        with pytest.raises(Exception) as ours:
            eval(expr, {"T": nn})
        assert (type(ours.value).__name__, str(ours.value)) == (type(theirs.value).__name__, str(theirs.value)), expr
