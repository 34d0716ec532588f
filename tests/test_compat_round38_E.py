"""Generative-model metrics from the package registry: torch-fidelity 0.4.0 (its wheel, with tqdm 4.70.1; torchvision
as a small stand-in on each side: torchvision's VGG16 layout, ``transforms.functional.normalize`` / ``pil_to_tensor``,
``Compose``, the datasets as names), ported by the porting rule (torch_fidelityp) and run against the original on
PyTorch 2.13 in one process, as shipped (float32) and in float64 (a copy of each side whose ``text_to_dtype('float64')``
is float64, not the package's float32, and whose features, noise and LPIPS stay float64): FID / KID (poly and rbf) /
ISC / precision-recall (full and ``save_cpu_ram``) on features, the InceptionV3 FID network, VGG16, CLIP (ViT and
ModifiedResNet) and DINOv2 (through ``torch.hub.load`` of a checked-out stand-in) with random weights loaded into both,
the TF1-exact bilinear resize (both methods, with gradients), PPL with LPIPS on a wrapped generator (lerp / slerp,
the three noise types, conditional), and ``calculate_metrics`` end to end on datasets and on folders of PNGs with the
cache on.

The failures these tests pin down, in a few lines (the package is not imported here):

- ``calculate_precision_recall_*`` calls ``torch.cdist`` on 10000-row batches, where PyTorch takes its matrix-product
  form (``compute_mode`` 'use_mm_for_euclid_dist_if_necessary': more than 25 rows): nn always took the differences,
  so its distances were not PyTorch's (a point's distance to itself 0 where PyTorch's is 8e-8 in float64 and 3e-3 in
  float32), and ``compute_mode`` was ignored (None and unknown names accepted; PyTorch raises ValueError).
- The DINOv2 extractor loads its network by ``torch.hub.load("facebookresearch/dinov2", name)``: nn.hub had no
  ``load`` (AttributeError). It now loads a hubconf.py entrypoint from a local directory or from a GitHub checkout in
  the hub cache, as PyTorch's does without a connection (``list`` and ``help`` too).
- A conditional generator called without labels reaches ``F.embedding(None, weight)``: nn said "embedding: expected
  integer indices, got dtype object" where PyTorch's parser says "embedding(): argument 'indices' (position 2) must be
  Tensor, not NoneType" (a list or an int was even taken as indices).
"""
import os
import sys

import numpy as np
import pytest

import nn
import nn.functional as F
import nn.hub


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- cdist: PyTorch's matrix-product form for p = 2 -------------------------------------------------------------

def _mm_dist(a, b):
    """PyTorch's _euclidean_dist (aten/src/ATen/native/Distance.cpp) in NumPy."""
    an, bn = (a * a).sum(-1, keepdims=True), (b * b).sum(-1, keepdims=True)
    a_ = np.concatenate([-2 * a, an, np.ones_like(an)], -1)
    b_ = np.concatenate([b, np.ones_like(bn), bn], -1)
    return np.sqrt(np.maximum(a_ @ np.swapaxes(b_, -1, -2), 0))


def test_cdist_takes_the_matrix_product_form_above_25_rows():
    # torch-fidelity's precision / recall: cdist(features, features).kthvalue(k + 1). PyTorch 2.13 gives a point's
    # distance to itself as sqrt of the rounding of |a|^2 - 2 a.a + |a|^2 once either side has more than 25 rows
    # (or always with 'use_mm_for_euclid_dist'), and 0 by the differences below that or with 'donot_use_mm...'
    rs = np.random.RandomState(1)
    x = rs.randn(26, 16) * 3 + 5
    d = _f(nn.cdist(nn.tensor(x), nn.tensor(x)))
    np.testing.assert_allclose(d, _mm_dist(x, x), rtol=1e-12, atol=1e-9)
    assert 0 < np.abs(np.diagonal(d)).max() < 1e-5
    direct = nn.cdist(nn.tensor(x), nn.tensor(x), compute_mode="donot_use_mm_for_euclid_dist")
    assert np.all(np.diagonal(_f(direct)) == 0)
    assert np.all(np.diagonal(_f(nn.cdist(nn.tensor(x[:25]), nn.tensor(x[:25])))) == 0)
    small = _f(nn.cdist(nn.tensor(x[:5]), nn.tensor(x[:5]), compute_mode="use_mm_for_euclid_dist"))
    np.testing.assert_allclose(small, _mm_dist(x[:5], x[:5]), rtol=1e-12, atol=1e-9)
    # float32 keeps its dtype, batches broadcast as PyTorch's; pdist keeps the differences (its own kernel)
    xb = rs.randn(2, 30, 4).astype(np.float32)
    out = nn.cdist(nn.tensor(xb), nn.tensor(xb[:1, :7]))
    assert out.dtype == nn.float32 and tuple(out.shape) == (2, 30, 7)
    assert np.all(_f(nn.pdist(nn.tensor(x))) > 1e-3)


def test_cdist_matrix_product_gradient_is_pytorchs():
    # PyTorch's _euclidean_dist_backward: r = g / d (0 where d = 0); dx1 = x1 * r.sum(-1) - r @ x2, dx2 likewise: the
    # same derivative as the differences' (u / |u|), so it agrees with it away from coincident points; twice too
    rs = np.random.RandomState(2)
    a, b, w = rs.randn(30, 3), rs.randn(28, 3), rs.randn(30, 28)
    x, y = nn.tensor(a, requires_grad=True), nn.tensor(b, requires_grad=True)
    (nn.cdist(x, y) * nn.tensor(w)).sum().backward()
    u = a[:, None] - b[None]
    r = w / np.sqrt((u ** 2).sum(-1))
    np.testing.assert_allclose(_f(x.grad), (r[..., None] * u).sum(1), rtol=1e-10)
    np.testing.assert_allclose(_f(y.grad), -(r[..., None] * u).sum(0), rtol=1e-10)
    x = nn.tensor(a, requires_grad=True)
    g, = nn.autograd.grad((nn.cdist(x, nn.tensor(b)) ** 3).sum(), x, create_graph=True)
    h, = nn.autograd.grad(g.sum(), x)
    # d/dx_i of sum_j 3 |u_ij| u_ij = sum_j 3 (|u| I + u u^T / |u|) summed over columns
    n = np.sqrt((u ** 2).sum(-1, keepdims=True))
    np.testing.assert_allclose(_f(h), (3 * (n + u * u.sum(-1, keepdims=True) / n)).sum(1), rtol=1e-10)


def test_cdist_compute_mode_is_checked_in_pytorchs_words():
    x = nn.ones(3, 2)
    for mode in (None, "bad"):
        with pytest.raises(ValueError, match=f"^{mode} is not a valid value for compute_mode$"):
            nn.cdist(x, x, compute_mode=mode)


def test_cdist_against_pytorch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(0)
    for dt in (np.float64, np.float32):
        for s1, s2, kw in (((30, 5), (20, 5), {}), ((10, 5), (8, 5), {}),
                           ((10, 5), (8, 5), {"compute_mode": "use_mm_for_euclid_dist"}),
                           ((40, 5), (40, 5), {"compute_mode": "donot_use_mm_for_euclid_dist"}),
                           ((2, 30, 4), (1, 7, 4), {})):
            a, b = rs.randn(*s1).astype(dt), rs.randn(*s2).astype(dt)
            p = rs.randn(*(torch.cdist(torch.tensor(a), torch.tensor(b)).shape)).astype(dt)
            ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
            na, nb = nn.tensor(a, requires_grad=True), nn.tensor(b, requires_grad=True)
            dt_, dn = torch.cdist(ta, tb, **kw), nn.cdist(na, nb, **kw)
            (dt_ * torch.tensor(p)).sum().backward()
            (dn * nn.tensor(p)).sum().backward()
            tol = 1e-14 if dt == np.float64 else 2e-6
            for mine, theirs in ((dn, dt_), (na.grad, ta.grad), (nb.grad, tb.grad)):
                want = theirs.detach().numpy()
                np.testing.assert_allclose(_f(mine), want, rtol=0, atol=tol * np.abs(want).max())
        x = rs.randn(40, 6).astype(dt) + 4       # the self-distances: rounding of the squares, not 0
        np.testing.assert_allclose(np.diagonal(_f(nn.cdist(nn.tensor(x), nn.tensor(x)))).max(),
                                   np.diagonal(torch.cdist(torch.tensor(x), torch.tensor(x)).numpy()).max(),
                                   rtol=1 if dt == np.float32 else 1e-6)


# ---- embedding's argument checks --------------------------------------------------------------------------------

def test_embedding_refuses_what_is_no_tensor_in_pytorchs_words():
    # torch-fidelity's PPL calls a conditional generator; without labels it meets F.embedding(None, weight)
    w = nn.randn(3, 2)
    for idx, name in ((None, "NoneType"), ([0, 1], "list"), (1, "int"), ((0, 1), "tuple")):
        with pytest.raises(TypeError,
                           match=rf"^embedding\(\): argument 'indices' \(position 2\) must be Tensor, not {name}$"):
            F.embedding(idx, w)
    with pytest.raises(TypeError,
                       match=r"^embedding\(\): argument 'weight' \(position 1\) must be Tensor, not NoneType$"):
        F.embedding(None, None)                  # weight first, as PyTorch's parser reads torch.embedding(weight, ...)
    with pytest.raises(TypeError, match=r"argument 'indices' \(position 2\) must be Tensor, not NoneType"):
        nn.Embedding(3, 2)(None)
    np.testing.assert_array_equal(_f(F.embedding(nn.tensor([2, 0]), w)), _f(w)[[2, 0]])
    np.testing.assert_array_equal(_f(F.embedding(np.array([1]), w)), _f(w)[[1]])     # nn takes an ndarray as a tensor


# ---- torch.hub.load ---------------------------------------------------------------------------------------------

HUBCONF = '''dependencies = ["numpy"]
import helper_mod
def entry(a, b=2):
    """Doc of entry."""
    return ("entry", a, b, helper_mod.X)
_private = len
not_callable = 3
'''


@pytest.fixture
def hub_dirs(tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    (local / "hubconf.py").write_text(HUBCONF)
    (local / "helper_mod.py").write_text("X = 7\n")
    cache = tmp_path / "cache"
    for name in ("owner_repo_main", "owner_repo_v1.0"):
        (cache / name).mkdir(parents=True)
        (cache / name / "hubconf.py").write_text(HUBCONF)
        (cache / name / "helper_mod.py").write_text("X = 8\n")
    old = nn.hub._hub_dir
    nn.hub.set_dir(str(cache))
    yield str(local), str(cache)
    nn.hub._hub_dir = old
    sys.modules.pop("helper_mod", None)


def test_hub_load_from_a_local_directory(hub_dirs):
    # PyTorch 2.13: torch.hub.load(dir, name, *args, source="local", **kwargs) imports dir/hubconf.py with dir on
    # sys.path (so its own imports resolve) and calls the entrypoint
    local, _ = hub_dirs
    sys.modules.pop("helper_mod", None)
    assert nn.hub.load(local, "entry", 1, source="local") == ("entry", 1, 2, 7)
    assert nn.hub.load(local, "entry", 1, b=5, source="LOCAL") == ("entry", 1, 5, 7)
    assert local not in sys.path
    for model, err, words in (("nope", RuntimeError, "Cannot find callable nope in hubconf"),
                              ("not_callable", RuntimeError, "Cannot find callable not_callable in hubconf"),
                              (3, ValueError, "Invalid input: model should be a string of function name")):
        with pytest.raises(err, match=f"^{words}$"):
            nn.hub.load(local, model, source="local")
    with pytest.raises(ValueError, match='^Unknown source: "gitlab". Allowed values: "github" | "local".$'):
        nn.hub.load(local, "entry", source="gitlab")


def test_hub_load_from_the_cache_as_pytorch_offline(hub_dirs, capsys):
    # torch-fidelity's DINOv2: torch.hub.load("facebookresearch/dinov2", name). Without a connection PyTorch takes
    # <hub dir>/<owner>_<repo>_<ref>, main before master when no ref is given, says "Using cache found in ..." on
    # stderr (unless verbose=False) and counts a checked-out repo as trusted (adding nothing to trusted_list)
    _, cache = hub_dirs
    sys.modules.pop("helper_mod", None)
    assert nn.hub.load("owner/repo", "entry", 4) == ("entry", 4, 2, 8)
    assert capsys.readouterr().err == f"Using cache found in {os.path.join(cache, 'owner_repo_main')}\n"
    assert nn.hub.load("owner/repo:v1.0", "entry", 4, verbose=False, skip_validation=True) == ("entry", 4, 2, 8)
    assert capsys.readouterr().err == ""
    assert nn.hub.list("owner/repo:v1.0", verbose=False) == ["entry"]
    assert nn.hub.help("owner/repo:v1.0", "entry") == "Doc of entry."
    assert open(os.path.join(cache, "trusted_list")).read() == ""
    with pytest.raises(RuntimeError, match="^It looks like there is no internet connection and the repo could not be "
                                           r"found in the cache \("):
        nn.hub.load("other/repo", "entry")
    with pytest.raises(RuntimeError, match="nn downloads nothing"):      # a ref that is not checked out
        nn.hub.load("owner/repo:v2", "entry", trust_repo=True)
    assert open(os.path.join(cache, "trusted_list")).read() == "owner_repo\n"     # trusted before any download


# ---- the package's idioms, beside PyTorch -----------------------------------------------------------------------

def _precision_recall_full(lib, features_1, features_2, neighborhood=3):
    """torch_fidelity/metric_prc.py calculate_precision_recall_full (one batch)."""
    dist_nn_1 = lib.cdist(features_1, features_1).kthvalue(neighborhood + 1).values
    dist_nn_2 = lib.cdist(features_2, features_2).kthvalue(neighborhood + 1).values
    dist_2_1 = lib.cdist(features_2, features_1)
    dist_1_2 = dist_2_1.T
    recall = (dist_2_1 <= dist_nn_1).any(dim=1).float().mean().item()
    precision = (dist_1_2 <= dist_nn_2).any(dim=1).float().mean().item()
    return precision, recall, dist_nn_1


def test_precision_recall_against_pytorch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(0)
    a, b = rs.randn(60, 16), rs.randn(50, 16) * 1.3 + 0.2
    pt, rt, dt = _precision_recall_full(torch, torch.tensor(a), torch.tensor(b))
    pn, rn, dn = _precision_recall_full(nn, nn.tensor(a), nn.tensor(b))
    assert (pn, rn) == (pt, rt)
    np.testing.assert_allclose(_f(dn), dt.numpy(), rtol=1e-14)
