"""Review of the forty-second round's areas A, D, G and H (tests/test_compat_round42_{A,D,G,H}.py), checked against
PyTorch 2.13 side by side over grids: matrix_exp over each degree's bound (just below, at and above it) in float32,
float64, complex64 and complex128, single matrices and stacks mixed in norm, empty, 1 x 1 and transposed inputs,
first and second derivatives (against central finite differences in float64); x[index] = value over 28 kinds of
value x 7 dtypes x 5 index kinds; grid_sample / affine_grid over shapes (empty batch, channels, output and spatial
dims, wrong ranks), modes, padding modes, align_corners None / True / False and dtypes, values and gradients; the
in-place changes of pieces of unbind / split / chunk / tensor_split / unsafe_split and views of them, in and out of
a graph; copy_ / x[...] = v of an expand into itself.

Found and fixed in nn (each test below failed on the tree before its fix):
- matrix_exp's gradient could not be differentiated again ("create_graph=True: the gradient of matrix_exp cannot be
  differentiated again in nn yet"); PyTorch's linalg_matrix_exp_differential is itself an exponential of the block
  [[A^H, G], [0, A^H]] and is differentiated again; nn's now is, by recorded ops.
- affine_grid's refusals printed sizes as tuples ("Got (2, 6).") where PyTorch prints the shape as a Size
  ("Got torch.Size([2, 6]).", under the porting rule nn.Size([2, 6])) and the size as given.
- grid_sample of an empty result (a batch, channel or output dim of size 0) refused an integer input or a grid of
  another dtype; PyTorch's 2-D kernel returns before reading (any dtypes), its 3-D kernel checks the input's dtype
  only.
- x[...] = x, x[0] = x[0], x[1] = x[0] and x[:, 0] = x[0, 0] of an expand (the value, expanded to the part, the
  same elements as the part written): PyTorch's copy_ returns at once, as round 42 A made nn's copy_ do; nn refused
  them ("more than one element of the written-to tensor ...", or NumPy's ValueError "assignment destination is
  read-only").
Speed (no test): a single matrix's matrix_exp of 1-norm up to the degree-18 bound skips the scaling arithmetic
and the degree-4 / 8 forms no longer compute A^3 and A^6 they overwrite (the same bits).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


# ---- matrix_exp: second derivatives -------------------------------------------------------------------------------

def _loss(a, v):
    return (nn.linalg.matrix_exp(a) * v).sum()


def _grad_at(a, v):
    x = nn.from_numpy(a).requires_grad_()
    g, = nn.autograd.grad(_loss(x, nn.from_numpy(v)), x)
    return g.numpy()


@pytest.mark.parametrize("norm", [0.01, 0.2, 0.8, 4.0])       # degrees 8, 12, 18 unscaled, 18 scaled
@pytest.mark.parametrize("batch", [(), (2,)])
def test_matrix_exp_gradient_is_differentiated_again(norm, batch):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(batch + (3, 3))
    a *= norm / np.abs(a).sum(-2).max()
    v, d = rng.standard_normal(batch + (3, 3)), rng.standard_normal(batch + (3, 3))
    x = nn.from_numpy(a.copy()).requires_grad_()
    g, = nn.autograd.grad(_loss(x, nn.from_numpy(v)), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), _grad_at(a, v), rtol=1e-13, atol=1e-15)    # the same gradient
    hv, = nn.autograd.grad((g * nn.from_numpy(d)).sum(), x)
    h = 1e-5
    fd = (_grad_at(a + h * d, v) - _grad_at(a - h * d, v)) / (2 * h)
    np.testing.assert_allclose(hv.numpy(), fd, rtol=1e-7, atol=1e-8 * np.abs(fd).max())


def test_matrix_exp_second_derivatives_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for complex_ in (False,):          # (nn's create_graph is real only)
        for norm in (0.03, 0.25, 0.9, 3.0):
            def draw():
                z = rng.standard_normal((2, 3, 3))
                return z + 1j * rng.standard_normal((2, 3, 3)) if complex_ else z
            a, v, d = draw(), draw(), draw()
            a *= norm / np.abs(a).sum(-2).max()
            got = []
            for lib in (torch, nn):
                x, w = lib.from_numpy(a.copy()).requires_grad_(), lib.from_numpy(v.copy()).requires_grad_()
                g, = lib.autograd.grad(lib.linalg.matrix_exp(x), x, w, create_graph=True)
                hx, hw = lib.autograd.grad((g * lib.from_numpy(d.copy())).abs().sum(), [x, w])
                got.append([np.asarray(t.resolve_conj().numpy() if lib is torch else t.numpy()) for t in (hx, hw)])
            for p, q in zip(*got):
                np.testing.assert_allclose(q, p, rtol=1e-12, atol=1e-14 * np.abs(p).max())


# ---- affine_grid / grid_sample ------------------------------------------------------------------------------------

def test_affine_grid_refusals_print_sizes_as_pytorch():
    theta = nn.zeros(2, 6)
    with pytest.raises(ValueError) as e:
        F.affine_grid(theta, nn.Size([2, 3, 4, 5]), align_corners=False)
    assert str(e.value) == ("Expected a batch of 2D affine matrices of shape Nx2x3 for size nn.Size([2, 3, 4, 5]). "
                            "Got nn.Size([2, 6]).")
    with pytest.raises(ValueError, match=r"^Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                                         r"\[2, 3, 4, 5\]\. Got nn\.Size\(\[2, 6\]\)\.$"):
        F.affine_grid(theta, [2, 3, 4, 5], align_corners=False)
    with pytest.raises(NotImplementedError, match=r"respectively\. Got size nn\.Size\(\[1, 3, 2\]\)\.$"):
        F.affine_grid(nn.zeros(1, 2, 3), nn.Size([1, 3, 2]), align_corners=False)
    with pytest.raises(ValueError, match=r"^Expected non-zero, positive output size\. Got \(1, 3, 0, 2\)$"):
        F.affine_grid(nn.zeros(1, 2, 3), (1, 3, 0, 2), align_corners=False)


@pytest.mark.parametrize("shapes", [((0, 3, 5, 6), (0, 4, 3, 2)), ((2, 3, 5, 6), (2, 0, 3, 2)),
                                    ((2, 0, 5, 6), (2, 4, 3, 2))])
def test_grid_sample_of_an_empty_result_takes_any_dtypes(shapes):
    xs, gs = shapes
    out_shape = xs[:2] + gs[1:-1]
    for xd, gd in ((nn.int64, nn.int64), (nn.bool, nn.float32), (nn.float32, nn.float64), (nn.float64, nn.int64)):
        out = F.grid_sample(nn.zeros(xs, dtype=xd), nn.zeros(gs, dtype=gd), align_corners=False)
        assert out.shape == out_shape and out.dtype == xd
    x = nn.zeros(xs, requires_grad=True)
    out = F.grid_sample(x, nn.zeros(gs, dtype=nn.float64), align_corners=True)
    assert out.dtype == nn.float32 and out.requires_grad
    assert nn.autograd.grad(out.sum(), x)[0].shape == xs
    # 3-D: the input's dtype is checked first (the grid's not, for an empty result)
    with pytest.raises(NotImplementedError, match="\"grid_sampler3d_cpu\" not implemented for 'Long'"):
        F.grid_sample(nn.zeros(1, 1, 2, 2, 2, dtype=nn.int64), nn.zeros(1, 0, 1, 1, 3), align_corners=False)
    assert F.grid_sample(nn.zeros(1, 1, 2, 2, 2), nn.zeros(1, 0, 1, 1, 3, dtype=nn.float64),
                         align_corners=False).shape == (1, 1, 0, 1, 1)
    # a non-empty result still refuses them (PyTorch's kernel words)
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        F.grid_sample(nn.zeros(1, 1, 2, 2), nn.zeros(1, 1, 1, 2, dtype=nn.float64), align_corners=False)


def test_grid_sample_and_affine_grid_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    def outcome(lib, fn):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                out = fn(lib)
                r = ("ok", tuple(out.shape), str(out.dtype).split(".")[-1])
            except Exception as e:  # noqa: BLE001 - the comparison is of the errors
                r = (type(e).__name__, str(e).replace("torch.", "").replace("nn.", ""))
        return r, len(w)
    cases = [lambda L: (TF if L is torch else F).affine_grid(L.zeros(2, 6), L.Size([2, 3, 4, 5]), align_corners=False),
             lambda L: (TF if L is torch else F).affine_grid(L.zeros(2, 2, 3), [2, 3, 4, 5, 6], align_corners=None),
             lambda L: (TF if L is torch else F).affine_grid(L.zeros(1, 2, 3), L.Size([1, 3, 2]), align_corners=True),
             lambda L: (TF if L is torch else F).affine_grid(L.zeros(1, 2, 3), (1, 3, -1, 2), align_corners=True)]
    for xs, gs in (((0, 3, 5, 6), (0, 4, 3, 2)), ((2, 3, 5, 6), (2, 0, 3, 2)), ((1, 1, 2, 2, 2), (1, 0, 1, 1, 3))):
        for xd, gd in (("int64", "int64"), ("float32", "float64"), ("bool", "float32")):
            cases.append(lambda L, xs=xs, gs=gs, xd=xd, gd=gd: (TF if L is torch else F).grid_sample(
                L.zeros(xs, dtype=getattr(L, xd)), L.zeros(gs, dtype=getattr(L, gd)), align_corners=None))
    for fn in cases:
        assert outcome(torch, fn) == outcome(nn, fn)


# ---- x[...] = v / copy_ of an expand into itself ------------------------------------------------------------------

def test_setitem_of_an_expand_with_its_own_elements_is_a_no_op():
    eye = [[1.0, 0.0], [0.0, 1.0]]
    for write in (lambda x: x.__setitem__(Ellipsis, x), lambda x: x.__setitem__(0, x[0]),
                  lambda x: x.__setitem__(1, x[0]), lambda x: x.__setitem__(slice(None), x),
                  lambda x: x.__setitem__((slice(None), 0), x[0, 0]), lambda x: x.__setitem__(0, x[0:1]),
                  lambda x: x[0].copy_(x[1])):
        x = nn.eye(2, dtype=nn.float64).expand(3, 2, 2)
        write(x)
        assert x.tolist() == [eye] * 3
    # other values into the overlapping expand stay refused, as PyTorch's
    x = nn.eye(2).expand(3, 2, 2)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single"):
        x[...] = x.clone()
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single"):
        x[:, 0] = x[0, 0, 0]                            # (a 0-d value: PyTorch's fill_, refused)


def test_setitem_of_an_expand_against_pytorch():
    torch = pytest.importorskip("torch")

    def outcome(lib, write):
        x = lib.eye(2, dtype=lib.float64).expand(3, 2, 2)
        try:
            write(x)
            return "ok", x.tolist()
        except Exception as e:  # noqa: BLE001 - the comparison is of the errors
            return type(e).__name__, str(e)[:60]
    for write in (lambda x: x.__setitem__(Ellipsis, x), lambda x: x.__setitem__(0, x[0]),
                  lambda x: x.__setitem__(1, x[0]), lambda x: x.__setitem__(Ellipsis, x.clone()),
                  lambda x: x.__setitem__((slice(None), 0), x[0, 0]), lambda x: x.copy_(x),
                  lambda x: x.__setitem__((slice(None), 0), x[0, 0, 0]), lambda x: x.__setitem__(Ellipsis, x[0]),
                  lambda x: x.__setitem__(0, x[0:1]), lambda x: x.__setitem__(Ellipsis, x[:, :1]),
                  lambda x: x[0].copy_(x[1])):
        assert outcome(torch, write) == outcome(nn, write)
