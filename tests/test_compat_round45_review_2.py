"""Review of round 45, areas E-G (reviewer 2): defects found around the round's changes, each checked against
PyTorch 2.13 over a grid (linspace / logspace 15,360 cases of bounds, steps and dtypes and 210 of argument kinds;
the optimizer state's dict operations, 31 checks over a custom optimizer and five of nn's; Tensor methods with NumPy's
out= / axis= / keepdims= / dtype=, 1,443 calls; 35 NumPy functions of tensors, 680 calls; assert_close /
assert_allclose, 3,800 pairs).

- linspace with 0 or 1 steps (area F made bounds beyond the dtype PyTorch's RuntimeError): PyTorch's kernel never
  runs there (0 steps converts no bound, 1 step is fill_(start)), so linspace(0, 1e40, 1) is [0.] and
  linspace(0, 300, 0, dtype=uint8) is empty; nn raised "value cannot be converted to type float without overflow"
  for the end too (803 of the grid's cases, each correct before the round).
- logspace in float64 (its docstring says bit for bit; area F found it an ulp off): PyTorch's kernel calls C's pow
  per point, nn NumPy's vectorised np.power, an ulp apart for 5% of points (logspace(0, 1, 5)[3] 5.62341325190349
  where PyTorch's is 5.623413251903491). Each point is now C's pow (NumPy's scalar power): 0 of 18,465 random points
  differ in float64 and float32; logspace of 10,000 points 0.1 -> 1 ms.
- a loaded optimizer state entry (area E cast entries inside lists and dicts as PyTorch's load_state_dict): PyTorch
  casts every tensor entry but "step" to a floating parameter's dtype, an integer, bool or complex one too (an
  int64 mask of a float64 parameter is float64), and leaves a complex parameter's entries as they are; nn cast only
  floating entries, and a float32 entry of a complex128 parameter to complex128.
- NumPy's functions that fall back to a tensor's values (area G gave the tensor __array_wrap__, so np.cumsum(t),
  np.round(t), np.argsort(t), np.clip(t, 1, 3), np.transpose(t) are Tensors): of a tensor that requires grad,
  PyTorch refuses ("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."), nn gave
  a Tensor cut from the graph without a word (before the round, the method's result, in the graph).
- optimizer.state.update({p: {...}}) and popitem() (area E made the state yield parameters when iterated): update
  stored the parameter beside its id, so `p in state` was False after updating an absent parameter and iterating gave
  a parameter twice after updating a present one; popitem returned the id.

Still different: the optimizer state prints its ids (PyTorch's defaultdict prints the parameters); the Tensor methods
of area G name the first keyword they have no place for where PyTorch's parser lists its signatures ("var() received
an invalid combination of arguments"), and, given both a positional dim and dim=, name out= where PyTorch says "got
multiple values for argument 'dim'"; NumPy's functions that take a tensor's values by np.asarray without wrapping
them back (np.sort, np.ravel, np.diff, np.copy, np.trace, np.isclose) compute on a tensor that requires grad, where
PyTorch refuses: nn's __array__ gives its values, as before the round; assert_close(tensor,
ndarray) passes where PyTorch's raises "No comparison pair was able to handle inputs" (older than the round);
logspace of int64 with bounds at +-2**63 (6 cases of the grid).
"""
import numpy as np
import pytest

import nn


def test_linspace_with_no_step_or_one_converts_no_end():
    # PyTorch: linspace(0, 1e40, 0) -> tensor([]); linspace(0, 1e40, 1) -> tensor([0.]); only fill_(start) checks
    assert nn.linspace(0, 1e40, 0).shape == (0,)
    assert nn.linspace(0, 1e40, 1).tolist() == [0.0]
    assert nn.linspace(0, 1e10, 1, dtype=nn.int32).tolist() == [0]
    assert nn.linspace(0, 300, 0, dtype=nn.uint8).dtype == nn.uint8
    assert nn.linspace(2.7, 1e40, 1, dtype=nn.int64).tolist() == [2]
    assert nn.linspace(-1, 1e40, 1, dtype=nn.uint8).tolist() == [255]
    assert nn.linspace(0, 2 ** 63, 1, dtype=nn.int64).tolist() == [0]
    assert nn.linspace(1e40, 0, 0).shape == (0,)
    with pytest.raises(RuntimeError, match=r"^value cannot be converted to type float without overflow$"):
        nn.linspace(1e40, 0, 1)
    with pytest.raises(RuntimeError, match=r"^value cannot be converted to type uint8_t without overflow$"):
        nn.linspace(-2.7, 0, 1, dtype=nn.uint8)
    with pytest.raises(RuntimeError, match=r"^value cannot be converted to type float without overflow$"):
        nn.linspace(0, 1e40, 2)


def test_logspace_points_are_c_pow():
    # PyTorch 2.13: torch.logspace(0, 1, 5, dtype=torch.float64).tolist()
    assert nn.logspace(0, 1, 5, dtype=nn.float64).tolist() == [1.0, 1.7782794100389228, 3.1622776601683795,
                                                              5.623413251903491, 10.0]
    assert nn.logspace(2.5, 0, 1, dtype=nn.float64).tolist() == [316.22776601683796]
    assert nn.logspace(0, 2.5, 2, dtype=nn.float64).tolist() == [1.0, 316.22776601683796]
    assert nn.logspace(-1, 2.5, 5, dtype=nn.float64).tolist()[1] == 0.7498942093324559


def test_numpy_fallbacks_of_a_tensor_that_requires_grad_are_refused():
    t = nn.tensor([[3.0, 1.0], [0.0, 5.0]], requires_grad=True)
    words = r"^Can't call numpy\(\) on Tensor that requires grad\. Use tensor\.detach\(\)\.numpy\(\) instead\.$"
    for call in (lambda: np.cumsum(t, axis=0), lambda: np.round(t), lambda: np.argsort(t),
                 lambda: np.clip(t, 1, 3), lambda: np.transpose(t), lambda: np.argmax(t)):
        with pytest.raises(RuntimeError, match=words):              # PyTorch 2.13's words
            call()
    got = np.cumsum(t.detach(), axis=0)
    assert isinstance(got, nn.Tensor) and got.tolist() == [[3.0, 1.0], [3.0, 6.0]]


class _Keeper(nn.optim.Optimizer):
    def __init__(self, params):
        super().__init__(params, {})

    def step(self):
        pass


def test_loaded_state_entries_take_a_floating_parameters_dtype_whatever_their_own():
    p = nn.nn.Parameter(nn.ones(2, dtype=nn.float64))
    opt = _Keeper([p])
    opt.state[p].update(mask=nn.tensor([1, 0]), flag=nn.tensor([True]), step=nn.tensor(3),
                        nested=[nn.tensor([2], dtype=nn.int32)])
    again = _Keeper([p])
    again.load_state_dict(opt.state_dict())
    st = again.state[p]
    # PyTorch: value.to(p.dtype) for every entry but "step" when p is floating
    assert st["mask"].dtype == nn.float64 and st["mask"].tolist() == [1.0, 0.0]
    assert st["flag"].dtype == nn.float64 and st["nested"][0].dtype == nn.float64
    assert st["step"].dtype == nn.int64
    z = nn.nn.Parameter(nn.ones(2, dtype=nn.complex128))
    opt = _Keeper([z])
    opt.state[z]["buf"] = nn.ones(2, dtype=nn.float32)
    again = _Keeper([z])
    again.load_state_dict(opt.state_dict())
    assert again.state[z]["buf"].dtype == nn.float32          # PyTorch: value.to(device) only for a complex p


def test_state_update_and_popitem_by_the_parameter():
    p, q = nn.nn.Parameter(nn.ones(2)), nn.nn.Parameter(nn.zeros(3))
    opt = nn.optim.SGD([p, q], lr=0.1, momentum=0.9)
    p.grad = nn.ones(2)
    opt.step()
    opt.state.update({q: {"a": 1}})
    assert q in opt.state and opt.state[q] == {"a": 1}
    opt.state.update({p: {"b": 2}})
    assert [k is p for k in opt.state] == [True, False] and len(opt.state) == 2     # p once, as PyTorch's dict
    assert opt.state[p] == {"b": 2}
    key, value = opt.state.popitem()
    assert key is q and value == {"a": 1} and list(opt.state.keys()) == [p]


def test_linspace_logspace_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for _ in range(150):
        a, b = rng.uniform(-8, 8, 2)
        steps = int(rng.integers(1, 40))
        base = float(rng.choice([10.0, 2.0, np.e, 0.5]))
        for dt in ("float64", "float32"):
            want = torch.logspace(a, b, steps, base=base, dtype=getattr(torch, dt)).numpy()
            np.testing.assert_array_equal(nn.logspace(a, b, steps, base=base, dtype=getattr(nn, dt)).numpy(), want)
    for start, end in [(0, 1e40), (1e40, 0), (0, 1e10), (-1, 300), (2.7, -5), (float("inf"), 1e10), (2 ** 63, 0)]:
        for steps in (0, 1):
            for dt in ("float32", "float64", "int64", "int32", "uint8", "int8"):
                try:
                    want = ("ok", torch.linspace(start, end, steps, dtype=getattr(torch, dt)).tolist())
                except RuntimeError as e:
                    want = ("error", str(e))
                try:
                    got = ("ok", nn.linspace(start, end, steps, dtype=getattr(nn, dt)).tolist())
                except RuntimeError as e:
                    got = ("error", str(e))
                assert got == want, (start, end, steps, dt)


def test_optimizer_state_dict_operations_against_pytorch():
    torch = pytest.importorskip("torch")

    def run(lib):
        ps = [lib.nn.Parameter(lib.ones(2, dtype=lib.float64) * i) for i in range(3)]
        opt = lib.optim.SGD(ps, lr=0.1, momentum=0.9)
        for p in ps[:2]:
            p.grad = lib.ones(2, dtype=lib.float64)
        opt.step()
        name = {id(p): i for i, p in enumerate(ps)}
        keys = lambda: [name.get(id(k), k) for k in opt.state]         # noqa: E731
        out = [keys(), len(opt.state), [p in opt.state for p in ps]]
        opt.state.update({ps[2]: {"a": 1}, ps[0]: {"b": 2}})
        out += [keys(), sorted(opt.state[ps[0]])]
        key, _ = opt.state.popitem()
        out += [name[id(key)], keys()]
        out.append(opt.state.pop(ps[2], "gone"))
        del opt.state[ps[0]]
        out.append(keys())
        return out

    assert run(nn) == run(torch)
