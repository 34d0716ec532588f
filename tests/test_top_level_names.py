"""torch's top-level names code calls that nn lacked: the ATen forms of F's ops (torch.batch_norm, torch.embedding,
torch.kl_div with integer reductions, ...), ldexp / frexp / nextafter / i0 / igamma / igammac, slice_scatter /
select_scatter / diagonal_scatter, scalar_tensor, the device / thread / denormal settings, and the tensor methods
register_post_accumulate_grad_hook, storage_offset and share_memory_. Values by hand, NumPy and SciPy (and
PyTorch when it is installed); gradients by central differences."""
import numpy as np
import pytest
from scipy import special

import nn
import nn.functional as F

RNG = np.random.default_rng(11)


def t(a, grad=False):
    return nn.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_aten_argument_orders():
    x = t(RNG.normal(size=(4, 3, 5)))
    w, b, mean, var = t(RNG.uniform(0.5, 2, 3)), t(RNG.normal(size=3)), t(np.zeros(3)), t(np.ones(3))
    np.testing.assert_array_equal(nn.batch_norm(x, w, b, mean, var, True, 0.1, 1e-5, True).numpy(),
                                  F.batch_norm(x, t(np.zeros(3)), t(np.ones(3)), w, b, True, 0.1, 1e-5).numpy())
    np.testing.assert_array_equal(nn.layer_norm(x, (5,), None, None, 1e-5, True).numpy(), F.layer_norm(x, (5,)).numpy())
    np.testing.assert_array_equal(nn.group_norm(x, 3, w, b, 1e-5, True).numpy(), F.group_norm(x, 3, w, b).numpy())
    weight = t(RNG.normal(size=(6, 2)))
    idx = nn.tensor([[0, 5], [2, 2]])
    np.testing.assert_array_equal(nn.embedding(weight, idx).numpy(), weight.numpy()[[[0, 5], [2, 2]]])
    np.testing.assert_array_equal(nn.max_pool1d(x, 2).numpy(), F.max_pool1d(x, 2).numpy())      # stride () = kernel
    values, indices = nn.adaptive_max_pool1d(x, 2)
    np.testing.assert_array_equal(values.numpy(), F.adaptive_max_pool1d(x, 2).numpy())
    logits, target = t(RNG.normal(size=(4, 3))), t(RNG.uniform(size=(4, 3)))
    for code, name in ((0, "none"), (1, "mean"), (2, "sum")):
        np.testing.assert_array_equal(nn.binary_cross_entropy_with_logits(logits, target, None, None, code).numpy(),
                                      F.binary_cross_entropy_with_logits(logits, target, reduction=name).numpy())
        np.testing.assert_array_equal(nn.kl_div(F.log_softmax(logits, 1), target, code).numpy(),
                                      F.kl_div(F.log_softmax(logits, 1), target, reduction=name).numpy())


def test_aten_forms_match_pytorch():
    torch = pytest.importorskip("torch")
    x = RNG.normal(size=(2, 4, 6))
    w, b = RNG.uniform(0.5, 2, 4), RNG.normal(size=4)
    theirs = torch.batch_norm(torch.tensor(x), torch.tensor(w), torch.tensor(b), torch.zeros(4, dtype=torch.float64),
                              torch.ones(4, dtype=torch.float64), True, 0.1, 1e-5, False)
    ours = nn.batch_norm(t(x), t(w), t(b), t(np.zeros(4)), t(np.ones(4)), True, 0.1, 1e-5, False)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-14)
    weight = RNG.normal(size=(5, 3))
    idx = [[1, 0], [4, 4]]
    np.testing.assert_array_equal(nn.embedding(t(weight), nn.tensor(idx), 0).numpy(),
                                  torch.embedding(torch.tensor(weight), torch.tensor(idx), 0).numpy())
    a, y = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    np.testing.assert_allclose(nn.margin_ranking_loss(t(a), t(y), t(np.sign(a)), 0.2, 2).item(),
                               torch.margin_ranking_loss(torch.tensor(a), torch.tensor(y), torch.tensor(np.sign(a)),
                                                         0.2, 2).item(), rtol=1e-14)
    np.testing.assert_array_equal(nn.max_pool2d(t(x[None]), 2, ()).numpy(),
                                  torch.max_pool2d(torch.tensor(x[None]), 2, ()).numpy())


def test_floating_point_helpers():
    x = np.array([0.75, -3.0, 1e-310, 0.0, 96.5])
    m, e = nn.frexp(t(x))
    np.testing.assert_array_equal(m.numpy(), np.frexp(x)[0])
    assert e.dtype == nn.int32 and np.array_equal(e.numpy(), np.frexp(x)[1])
    np.testing.assert_array_equal(nn.ldexp(m, e).numpy(), x)
    np.testing.assert_array_equal(nn.nextafter(t([1.0, 0.0]), t([2.0, -1.0])).numpy(),
                                  np.nextafter([1.0, 0.0], [2.0, -1.0]))
    xs, es = t(RNG.normal(size=4), True), t([1.0, -2.0, 0.5, 3.0], True)
    assert nn.gradcheck(lambda a, b: nn.ldexp(a, b), (xs, es))


def test_bessel_and_incomplete_gamma():
    x = t(RNG.uniform(0.1, 4, 6), True)
    np.testing.assert_allclose(nn.i0(x).detach().numpy(), special.i0(x.detach().numpy()), rtol=1e-15)
    assert nn.gradcheck(nn.i0, (x,))
    a = t(RNG.uniform(0.5, 3, 6))
    np.testing.assert_allclose(nn.igamma(a, x).detach().numpy(), special.gammainc(a.numpy(), x.detach().numpy()))
    np.testing.assert_allclose((nn.igamma(a, x) + nn.igammac(a, x)).detach().numpy(), 1.0, rtol=1e-14)
    assert nn.gradcheck(lambda v: nn.igamma(a, v), (x,)) and nn.gradcheck(lambda v: nn.igammac(a, v), (x,))
    y = nn.igamma(t([1.0], True), t([2.0]))        # computed, as PyTorch's; its gradient in a is refused
    np.testing.assert_allclose(y.detach().numpy(), special.gammainc(1.0, 2.0))
    with pytest.raises(NotImplementedError, match="derivative for 'igamma: input' is not implemented"):
        y.sum().backward()


@pytest.mark.parametrize("name, args, src_of", [
    ("slice_scatter", (1, 1, 4, 2), lambda a: a[:, 1:4:2]),
    ("select_scatter", (2, -1), lambda a: a[:, :, -1]),
    ("diagonal_scatter", (1, 0, 2), lambda a: np.diagonal(a, 1, 0, 2)),
    ("diagonal_scatter", (-1, 1, 2), lambda a: np.diagonal(a, -1, 1, 2))])
def test_scatter_into_a_copy(name, args, src_of):
    x = RNG.normal(size=(3, 5, 4))
    src = RNG.normal(size=src_of(x).shape)
    out = getattr(nn, name)(t(x), t(src), *args).numpy()
    assert np.array_equal(src_of(out), src)                              # src is where the view reads
    assert np.sum(out != x) == src.size                                 # and nothing else changed
    xs, ss = t(x, True), t(src, True)
    assert nn.gradcheck(lambda a, b: getattr(nn, name)(a, b, *args), (xs, ss))
    with pytest.raises(RuntimeError, match="expected src to have a size equal to"):
        getattr(nn, name)(t(x), t(np.zeros((2, 2, 2, 2))), *args)


def test_scatters_match_pytorch():
    torch = pytest.importorskip("torch")
    x, src = RNG.normal(size=(4, 6)), RNG.normal(size=(4, 2))
    np.testing.assert_array_equal(nn.slice_scatter(t(x), t(src), 1, 0, 4, 2).numpy(),
                                  torch.slice_scatter(torch.tensor(x), torch.tensor(src), 1, 0, 4, 2).numpy())
    d = RNG.normal(size=3)
    np.testing.assert_array_equal(nn.diagonal_scatter(t(x), t(d), -1).numpy(),
                                  torch.diagonal_scatter(torch.tensor(x), torch.tensor(d), -1).numpy())


def test_post_accumulate_grad_hook_runs_the_optimizer_in_backward():
    """PyTorch's optimizer-in-backward recipe: one optimizer per parameter, stepped and zeroed by the hook once the
    parameter's gradient is complete; the weights end as one ordinary SGD step would leave them."""
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    reference = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1)).double()
    reference.load_state_dict(model.state_dict())
    x = t(RNG.normal(size=(5, 3)))
    optimizers = {p: nn.optim.SGD([p], lr=0.1) for p in model.parameters()}
    calls = []

    def hook(p):
        calls.append(p.grad is not None)
        optimizers[p].step()
        optimizers[p].zero_grad()
    handles = [p.register_post_accumulate_grad_hook(hook) for p in model.parameters()]
    model(x).pow(2).sum().backward()
    opt = nn.optim.SGD(reference.parameters(), lr=0.1)
    reference(x).pow(2).sum().backward()
    opt.step()
    assert calls == [True] * 4 and all(p.grad is None for p in model.parameters())
    for mine, theirs in zip(model.parameters(), reference.parameters()):
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-14)
    for h in handles:
        h.remove()
    model(x).sum().backward()
    assert len(calls) == 4
    with pytest.raises(RuntimeError, match="non-leaf"):
        (t([1.0], True) * 2).register_post_accumulate_grad_hook(hook)


def test_storage_offset_scalar_tensor_and_settings():
    x = nn.arange(24.0).reshape(4, 6)
    assert (x.storage_offset(), x[1:].storage_offset(), x[2, 3:].storage_offset(), x.t()[1].storage_offset()) == (
        0, 6, 15, 1)
    assert x.share_memory_() is x and not x.is_meta
    s = nn.scalar_tensor(3)
    assert s.shape == () and s.dtype == nn.float32 and s.item() == 3.0
    assert nn.scalar_tensor(2, dtype=nn.int64).dtype == nn.int64
    nn.set_default_device("cpu")
    assert nn.get_default_device() == nn.device("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.set_default_device("cuda")
    before = nn.get_num_interop_threads()
    nn.set_num_interop_threads(2)
    assert nn.get_num_interop_threads() == 2
    nn.set_num_interop_threads(before)
    assert nn.set_flush_denormal(True) is False
    # (a list of tensors, as PyTorch's TensorList: row_stack(x) of one Tensor is its TypeError, round 40 C)
    assert nn.row_stack([x, x]).shape == nn.vstack((x, x)).shape == (8, 6) and nn.is_same_size(x, x) and nn.is_signed(x)


def test_in_place_twins_of_the_newer_methods():
    """x.<op>_(...) writes x.<op>(...) into x, as PyTorch's in-place methods (comparisons give 0 / 1 in x's dtype)."""
    x = t([0.5, 1.5, 2.5])
    y = x.clone().greater_(1.0)
    assert y.dtype == nn.float64 and np.array_equal(y.numpy(), [0.0, 1.0, 1.0])
    for name, args, want in [("arcsinh_", (), np.arcsinh([0.5, 1.5, 2.5])),
                             ("ldexp_", (t([1.0, 2.0, 3.0]),), [1.0, 6.0, 20.0]),
                             ("i0_", (), special.i0([0.5, 1.5, 2.5])),
                             ("polygamma_", (1,), special.polygamma(1, [0.5, 1.5, 2.5])),
                             ("mvlgamma_", (2,), special.multigammaln(np.array([1.5, 2.5]), 2)),
                             ("float_power_", (2,), [0.25, 2.25, 6.25])]:
        z = x.clone()[1:] if name == "mvlgamma_" else x.clone()
        out = getattr(z, name)(*args)
        assert out is z
        np.testing.assert_allclose(z.numpy(), want, rtol=1e-14, err_msg=name)
    ints = nn.tensor([12, 18])
    ints.gcd_(nn.tensor([8, 12]))
    assert ints.tolist() == [4, 6]


def test_utils_hooks_module():
    from nn.utils.hooks import RemovableHandle
    handle = nn.Linear(2, 2).register_forward_hook(lambda *args: None)
    assert isinstance(handle, RemovableHandle)


def test_storages_apply_and_assert_allclose():
    """Tensors sharing memory share a storage (Hugging Face's save_pretrained compares the data pointers);
    apply_ maps each element in place; testing.assert_allclose is assert_close without the dtype check."""
    x = nn.zeros(2, 3)
    assert x[1:].untyped_storage().data_ptr() == x.untyped_storage().data_ptr() == x.data_ptr()
    assert x.untyped_storage().nbytes() == 24 and x[1:].storage().size() == 6 and len(x.untyped_storage()) == 24
    assert x.clone().untyped_storage().data_ptr() != x.untyped_storage().data_ptr()
    y = nn.tensor([1.0, 2.0])
    assert y.apply_(lambda v: v * 3) is y and y.tolist() == [3.0, 6.0]
    with pytest.warns(FutureWarning):
        nn.testing.assert_allclose(nn.tensor([1.0, float("nan")]), np.array([1.0, np.nan]))
    with pytest.warns(FutureWarning), pytest.raises(AssertionError):
        nn.testing.assert_allclose(nn.tensor([1.0]), nn.tensor([1.1]))


def test_review_mends_of_the_round():
    """out= into a tensor recorded in a graph raises, as PyTorch's (writing into it would change what an earlier op
    saved); frexp of integers and float_power_ into float32 raise as PyTorch's."""
    x = t([1.0, 2.0], True)
    y = x.exp()
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        nn.add(t([1.0, 1.0]), t([1.0, 1.0]), out=y)
    (y * 1).sum().backward()
    np.testing.assert_allclose(x.grad, np.exp([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="only supports floating-point"):
        nn.frexp(nn.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="float_power_"):
        nn.tensor([2.0]).float_power_(2)


def test_batched_grad_of_an_empty_batch_raises_as_pytorch():
    x = t([1.0, 2.0, 3.0], True)
    with pytest.raises(IndexError, match="out of bounds"):
        nn.autograd.grad(x * x, x, nn.zeros(0, 3, dtype=nn.float64), is_grads_batched=True)


def test_small_names_of_real_only_and_static_shapes():
    assert nn.nonzero_static(nn.tensor([0, 1, 0, 2]), size=3).tolist() == [[1], [3], [-1]]
    assert nn.nonzero_static(nn.tensor([[1, 1], [1, 0]]), size=2, fill_value=9).tolist() == [[0, 0], [0, 1]]
    assert nn.isreal(t([1.0, 2.0])).tolist() == [True, True] and not t([1.0]).is_conj() and not t([1.0]).is_neg()
    assert tuple(nn.empty_strided((2, 3), (1, 2)).shape) == (2, 3)
    assert tuple(nn.empty_permuted((2, 3, 4), (0, 2, 1)).shape) == (2, 3, 4)
    assert nn.typename(nn.zeros(2)) == "nn.FloatTensor" and nn.typename(3) == "int"
    assert nn.typename(nn.Linear(2, 2)) == "nn.modules.linear.Linear"
