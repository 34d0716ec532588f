"""Audio / 1-D signal / time-series and graph-neural-network code written for PyTorch, run on nn: pygcn's legacy
sparse constructor and COO accessors, degree normalisation of isolated nodes, index_reduce (GNN mean / max
aggregation), as_strided windows, kaiser_window and torch.signal.windows, MaxUnpool1d and the transposed
convolutions' output_size= (1-D U-Nets), the 1-d layers' messages and torch.__version__ gates (Informer's
TokenEmbedding). Each test checks hand-computed values, and PyTorch's numbers (float64) when it is installed."""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from porting import port, load_script, twins

pytestmark = pytest.mark.filterwarnings("ignore:.*(SparseTensor|index_reduce).*:UserWarning")     # PyTorch's own


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


# ---- graphs -------------------------------------------------------------------------------------------------

PYGCN = '''
import math
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

def sparse_from_coo(row, col, values, n):
    indices = torch.from_numpy(np.vstack((row, col)).astype(np.int64))
    return torch.sparse.FloatTensor(indices, torch.from_numpy(values), torch.Size([n, n]))

class GraphConvolution(nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        self.weight = nn.Parameter(torch.FloatTensor(fin, fout))
        self.bias = nn.Parameter(torch.FloatTensor(fout))
        stdv = 1. / math.sqrt(self.weight.size(1))
        self.weight.data.uniform_(-stdv, stdv)
        self.bias.data.uniform_(-stdv, stdv)

    def forward(self, x, adj):
        return torch.spmm(adj, torch.mm(x, self.weight)) + self.bias

class GCN(nn.Module):
    def __init__(self):
        super().__init__()
        self.gc1 = GraphConvolution(3, 4)
        self.gc2 = GraphConvolution(4, 2)

    def forward(self, x, adj):
        return F.log_softmax(self.gc2(F.relu(self.gc1(x, adj)), adj), dim=1)

def degree_norm(adj):
    ei = adj.coalesce().indices()
    deg = torch.bincount(ei[0], minlength=adj.size(0)).double()
    dinv = deg.pow(-0.5)
    dinv.masked_fill_(dinv == float("inf"), 0.)
    return ei, dinv, adj._nnz(), adj.coalesce().values(), torch.sparse.sum(adj, dim=1).to_dense()
'''

ROW, COL = np.array([0, 1, 1, 2, 3, 0]), np.array([1, 0, 2, 1, 3, 3])
VALUES = np.array([1., 1., .5, .5, 1., 2.])


def test_pygcn_legacy_sparse_constructor_and_degree_normalisation():
    # pygcn builds its adjacency with torch.sparse.FloatTensor(indices, values, size) (was an AttributeError), and
    # GCN code reads it back with coalesce().indices() / values(), _nnz() and torch.sparse.sum; node 4 is isolated
    ours = load_script(port(PYGCN))
    adj = ours["sparse_from_coo"](ROW, COL, VALUES, 5)
    dense = np.zeros((5, 5))
    dense[ROW, COL] = VALUES
    np.testing.assert_array_equal(adj.to_dense().numpy(), dense)
    ei, dinv, nnz, values, rowsum = ours["degree_norm"](adj)
    order = np.lexsort((COL, ROW))                        # coalesced: row-major
    np.testing.assert_array_equal(ei.numpy(), np.stack([ROW[order], COL[order]]))
    np.testing.assert_array_equal(values.numpy(), VALUES[order])
    assert nnz == 6 and ei.dtype == nn.int64
    np.testing.assert_allclose(dinv.numpy(), [1 / np.sqrt(2), 1 / np.sqrt(2), 1, 1, 0])
    np.testing.assert_array_equal(rowsum.numpy(), dense.sum(1))
    # values() is differentiable, as a sparse tensor's values are
    v = nn.tensor([1., 2., 3.], dtype=nn.float64, requires_grad=True)
    s = nn.sparse_coo_tensor(nn.tensor([[0, 1, 2], [2, 0, 1]]), v, (3, 3))
    (s.values() * nn.tensor([1., 10., 100.], dtype=nn.float64)).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [1., 10., 100.])      # (0,2), (1,0), (2,1) in row-major order
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((5, 3))
    theirs_ns, ours_ns, theirs, model = twins(PYGCN, "GCN", torch)
    res = []
    for ns, m, lib in ((theirs_ns, theirs, torch), (ours_ns, model, nn)):
        adj = ns["sparse_from_coo"](ROW, COL, VALUES, 5)
        opt = lib.optim.Adam(m.parameters(), lr=0.01, weight_decay=5e-4)
        losses = []
        for _ in range(2):
            opt.zero_grad()
            loss = F.nll_loss(m(lib.tensor(x), adj)[:3], lib.tensor([0, 1, 1])) if lib is nn else \
                torch.nn.functional.nll_loss(m(torch.tensor(x), adj)[:3], torch.tensor([0, 1, 1]))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        res.append((losses, _np(m.gc1.weight.grad), [_np(t) for t in ns["degree_norm"](adj)[:2]]))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-12)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-10, atol=1e-14)
    for a, b in zip(res[1][2], res[0][2]):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_degree_inverse_of_an_isolated_node_is_inf_silently():
    # deg.pow(-0.5) / rsqrt() / reciprocal() of a zero degree: inf without NumPy's 'divide by zero' warning, as
    # PyTorch (GCN normalisation runs every forward; -W error made the warning fail)
    deg = nn.tensor([0., 1., 4.], dtype=nn.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = [deg.pow(-0.5), deg ** -1, nn.pow(deg, -0.5), deg.rsqrt(), nn.rsqrt(deg), deg.reciprocal(),
                   deg.clone().pow_(-0.5), deg.clone().rsqrt_(), nn.tensor([-1.]).rsqrt()]
    for r, expected in zip(results, [[np.inf, 1, .5], [np.inf, 1, .25], [np.inf, 1, .5], [np.inf, 1, .5],
                                     [np.inf, 1, .5], [np.inf, 1, .25], [np.inf, 1, .5], [np.inf, 1, .5], [np.nan]]):
        np.testing.assert_array_equal(r.numpy(), expected)
    dinv = deg.pow(-0.5)
    dinv[nn.isinf(dinv)] = 0.
    np.testing.assert_array_equal(dinv.numpy(), [0, 1, .5])


def _index_reduce_numpy(x, dim, idx, src, reduce, include_self):
    """A loop over the index, as PyTorch's documentation states index_reduce."""
    x, src = np.moveaxis(x.copy(), dim, 0), np.moveaxis(src, dim, 0)
    out = x.copy()
    for i in range(x.shape[0]):
        rows = [src[j] for j in range(len(idx)) if idx[j] == i] + ([x[i]] if include_self else [])
        if len(rows) > (1 if include_self else 0):
            f = {"prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
            out[i] = f(np.stack(rows), axis=0)
    return np.moveaxis(out, 0, dim)


@pytest.mark.parametrize("reduce", ["mean", "amax", "amin", "prod"])
def test_index_reduce_as_gnn_aggregation(reduce):
    # x_agg = zeros.index_reduce_(0, dst, x[src], "mean", include_self=False): GraphSAGE's mean / max aggregation
    # (index_reduce / index_reduce_ were missing)
    rng = np.random.default_rng(1)
    for dim, include_self in ((0, False), (1, True), (-1, False)):
        x = rng.standard_normal((4, 3, 5))
        shape = list(x.shape)
        shape[dim] = 6
        src = rng.standard_normal(shape)
        idx = np.array([0, 2, 2, 1, 0, 2])
        expected = _index_reduce_numpy(x, dim, idx, src, reduce, include_self)
        got = nn.tensor(x).index_reduce(dim, nn.tensor(idx), nn.tensor(src), reduce, include_self=include_self)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-14)
        y = nn.tensor(x)
        assert y.index_reduce_(dim, nn.tensor(idx), nn.tensor(src), reduce, include_self=include_self) is y
        np.testing.assert_allclose(y.numpy(), expected, rtol=1e-14)
    with pytest.raises(RuntimeError, match="Expected reduce to be one of prod, mean, amax or amin but got sum"):
        nn.zeros(3).index_reduce(0, nn.tensor([1]), nn.ones(1), "sum")
    if reduce == "prod":
        return
    torch = pytest.importorskip("torch")
    x, src, idx = rng.standard_normal((5, 3)), rng.standard_normal((7, 3)), np.array([0, 2, 2, 4, 0, 2, 2])
    w = rng.standard_normal((5, 3))
    grads = []
    for lib in (nn, torch):
        a, s = lib.tensor(x, requires_grad=True), lib.tensor(src, requires_grad=True)
        out = lib.index_reduce(a, 0, lib.tensor(idx), s, reduce, include_self=False)
        (out * lib.tensor(w)).sum().backward()
        grads.append((_np(out), a.grad.numpy(), s.grad.numpy()))
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-14)


# ---- 1-D signals --------------------------------------------------------------------------------------------

def test_as_strided_windows_and_their_gradient():
    # series.as_strided((n, w), (hop, 1)): overlapping windows (was an AttributeError); the gradient adds up
    # where windows overlap
    x = nn.arange(10, dtype=nn.float64).requires_grad_()
    win = x.as_strided((4, 3), (2, 1), 1)
    np.testing.assert_array_equal(win.detach().numpy(), [[1, 2, 3], [3, 4, 5], [5, 6, 7], [7, 8, 9]])
    win.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 1, 1, 2, 1, 2, 1, 2, 1, 1])
    np.testing.assert_array_equal(nn.as_strided(nn.arange(6).view(2, 3), (3, 2), (1, 3)).numpy(),
                                  [[0, 3], [1, 4], [2, 5]])          # the transpose, from the strides
    with pytest.raises(RuntimeError, match="out of bounds"):
        nn.zeros(2, 3).as_strided((3, 3), (3, 1))
    # a view reads its base's memory as PyTorch's storage: stride() strides, its own offset by default
    base = nn.arange(12.).view(3, 4)
    np.testing.assert_array_equal(base.t().as_strided((4, 3), base.t().stride()).numpy(), base.t().numpy())
    np.testing.assert_array_equal(base[:, 1:].as_strided((2, 2), (4, 1)).numpy(), [[1, 2], [5, 6]])
    np.testing.assert_array_equal(base[:, 1:].as_strided((2, 2), (4, 1), 0).numpy(), [[0, 1], [4, 5]])
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(2).standard_normal((3, 8))
    views = (lambda t: t, lambda t: t.t(), lambda t: t[:, 1:], lambda t: t[1], lambda t: t.expand(2, 3, 8),
             lambda t: t[::2, 1::3])
    for view in views:
        for args in (((5, 4), (2, 1)), ((2, 3, 2), (4, 1, 3), 2), ((3, 3), (0, 1)), ((2, 2), (1, 8), 0)):
            outs = []
            for lib in (nn, torch):
                t = lib.tensor(data, requires_grad=True)
                y = view(t * 1).as_strided(*args)
                (y * lib.arange(y.numel(), dtype=lib.float64).view(y.shape)).sum().backward()
                outs.append((_np(y), t.grad.numpy()))
            np.testing.assert_array_equal(outs[0][0], outs[1][0])
            np.testing.assert_array_equal(outs[0][1], outs[1][1])


def test_kaiser_window():
    # torch.kaiser_window (a resampling filter's window) was missing; periodic drops the last of length + 1
    np.testing.assert_allclose(nn.kaiser_window(7, periodic=False, beta=5.0, dtype=nn.float64).numpy(),
                               np.kaiser(7, 5.0), rtol=1e-14)
    np.testing.assert_allclose(nn.kaiser_window(6, beta=8.0, dtype=nn.float64).numpy(), np.kaiser(7, 8.0)[:-1],
                               rtol=1e-14)
    assert nn.kaiser_window(4).dtype == nn.float32 and nn.kaiser_window(1).numpy().tolist() == [1.0]
    torch = pytest.importorskip("torch")
    for length, periodic, beta in ((0, True, 12.0), (2, False, 12.0), (9, True, 0.0), (12, False, 8.6)):
        np.testing.assert_allclose(nn.kaiser_window(length, periodic, beta, dtype=nn.float64).numpy(),
                                   torch.kaiser_window(length, periodic, beta, dtype=torch.float64).numpy(),
                                   rtol=1e-13, atol=1e-15)


UNET1D = '''
import torch
import torch.nn as nn

class UNet1d(nn.Module):
    def __init__(self):
        super().__init__()
        self.down = nn.Conv1d(2, 4, 3, padding=1)
        self.pool = nn.MaxPool1d(2, return_indices=True)
        self.unpool = nn.MaxUnpool1d(2)
        self.up = nn.ConvTranspose1d(4, 4, 3, stride=2, padding=1)
        self.out = nn.Conv1d(4, 2, 3, padding=1)

    def forward(self, x):
        d = torch.relu(self.down(x))
        p, idx = self.pool(d)
        return self.out(self.unpool(p, idx, output_size=d.size()) + self.up(p, output_size=d.size()) + d)
'''


def test_unet1d_with_max_unpool1d_and_output_size():
    # MaxUnpool1d was missing and ConvTranspose1d / 2d / 3d refused forward(x, output_size=) (a U-Net sizing its
    # up-convolution to its skip connection)
    model = load_script(port(UNET1D))["UNet1d"]().double()
    x = nn.tensor(np.random.default_rng(3).standard_normal((2, 2, 9)))
    assert model(x[:, :, :8]).shape == (2, 2, 8)
    p, idx = F.max_pool1d(x, 2, return_indices=True)
    u = F.max_unpool1d(p, idx, 2, output_size=[9])
    assert u.shape == (2, 2, 9) and (u.numpy() != 0).sum() == 2 * 2 * 4
    np.testing.assert_array_equal(np.take_along_axis(u.numpy(), idx.numpy(), 2), p.numpy())
    assert nn.MaxUnpool1d(2)(p[0], idx[0]).shape == (2, 8)                   # unbatched, no output_size
    up = nn.ConvTranspose1d(2, 2, 3, stride=2, padding=1).double()
    assert up(x[:, :, :5], output_size=[10]).shape == (2, 2, 10)
    assert up(x[0, :, :5], output_size=[9]).shape == (2, 9)
    with pytest.raises(ValueError, match=r"valid sizes range from \[9\] to \[10\]"):
        up(x[:, :, :5], output_size=(2, 2, 11))
    assert nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1)(nn.zeros(1, 2, 4, 5), output_size=(8, 10)).shape == \
        (1, 2, 8, 10)
    assert nn.ConvTranspose3d(2, 1, 3, stride=2, padding=1)(nn.zeros(1, 2, 2, 3, 4),
                                                            output_size=[1, 1, 4, 5, 8]).shape == (1, 1, 4, 5, 8)
    torch = pytest.importorskip("torch")
    _, _, theirs, ours = twins(UNET1D, "UNet1d", torch)
    data = np.random.default_rng(4).standard_normal((2, 2, 10))
    outs = []
    for m, lib in ((theirs, torch), (ours, nn)):
        t = lib.tensor(data, requires_grad=True)
        y = m(t)
        (y * lib.tensor(np.linspace(-1, 1, y.numel()).reshape(y.shape))).sum().backward()
        outs.append((_np(y), t.grad.numpy(), m.up.weight.grad.numpy(), m.down.weight.grad.numpy()))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_one_dimensional_layers_report_their_own_shapes():
    # the 1-d layers run as 2-d ones on a height-1 image: their errors showed that image ("weight shape (2, 3, 1,
    # 3)", "stride (1, 2)") and an LSTM(batch_first=True) its time-major transpose
    with pytest.raises(ValueError, match=r"Conv1d: padding='same' needs stride 1, got stride \(2,\);"):
        nn.Conv1d(2, 2, 3, stride=2, padding="same")
    with pytest.raises(RuntimeError, match="^padding='same' is not supported for strided convolutions$"):  # PyTorch's
        F.conv1d(nn.randn(1, 2, 5), nn.randn(2, 2, 3), padding="same", stride=2)
    with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[2, 3, 3\], expected input\[2, 4, 5\] to have 3 "
                                           r"channels, but got 4 channels instead"):
        nn.Conv1d(3, 2, 3)(nn.randn(2, 4, 5))
    with pytest.raises(RuntimeError, match=r"expected input\[1, 3, 5\] to have 4 channels, but got 3"):
        nn.Conv1d(4, 2, 3)(nn.randn(3, 5))
    with pytest.raises(RuntimeError, match=r"Given transposed=1, weight of size \[3, 2, 3\], expected input\[2, 4, 5\] "
                                           r"to have 3 channels"):
        nn.ConvTranspose1d(3, 2, 3)(nn.randn(2, 4, 5))
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. Expected 3, got 5"):
        nn.LSTM(3, 2, batch_first=True)(nn.randn(2, 4, 5))     # PyTorch 2.13's check and words
    assert nn.Conv1d(4, 2, 3, groups=2)(nn.randn(4, 5)).shape == (2, 3)


TOKEN_EMBEDDING = '''
import torch
import torch.nn as nn

class TokenEmbedding(nn.Module):
    def __init__(self, c_in, d_model):
        super().__init__()
        padding = 1 if torch.__version__ >= "1.5.0" else 2
        self.tokenConv = nn.Conv1d(c_in, d_model, kernel_size=3, padding=padding, padding_mode="circular",
                                   bias=False)

    def forward(self, x):
        return self.tokenConv(x.permute(0, 2, 1)).transpose(1, 2)
'''


def test_version_gates_take_the_pytorch_2_branch():
    # Informer / Autoformer's TokenEmbedding gates its padding on torch.__version__: nn said "0.1.0", so the port
    # took the pre-1.5 branch and its sequences came out 2 steps longer
    model = load_script(port(TOKEN_EMBEDDING))["TokenEmbedding"](3, 4)
    assert model(nn.randn(2, 9, 3)).shape == (2, 9, 4)
    v = nn.__version__
    assert isinstance(v, str) and v == "2.13.0" and nn.version.__version__ == v
    assert v >= "1.5.0" and v >= "2.9" and v < "2.13.1" and not v < "2.13" and v >= (2, 1) and not v > (2, 13)
    from nn.torch_version import TorchVersion
    assert TorchVersion("1.10.0a0+git") > "1.9" and TorchVersion("1.10.0") <= (1, 10)
    torch = pytest.importorskip("torch")
    theirs = torch.torch_version.TorchVersion("2.13.0")
    for gate in ("1.5.0", "2.9", "2.13", "2.13.0", "2.14", "10.0", (2, 9), (2, 13, 1)):
        assert (v >= gate, v < gate, v > gate, v <= gate) == (theirs >= gate, theirs < gate, theirs > gate,
                                                              theirs <= gate), gate


def test_signal_windows():
    # torch.signal.windows was missing (filter design: symmetric by default; sym=False is the periodic window)
    from nn.signal.windows import hann, kaiser
    import nn.signal
    np.testing.assert_allclose(hann(5, dtype=nn.float64).numpy(), [0, .5, 1, .5, 0], atol=1e-16)
    np.testing.assert_allclose(hann(4, sym=False, dtype=nn.float64).numpy(),
                               nn.hann_window(4, dtype=nn.float64).numpy(), atol=1e-16)
    np.testing.assert_allclose(kaiser(6, beta=8.0, dtype=nn.float64).numpy(), np.kaiser(6, 8.0), rtol=1e-14)
    np.testing.assert_allclose(nn.signal.windows.exponential(5, tau=2.0, dtype=nn.float64).numpy(),
                               np.exp(-np.abs(np.arange(5) - 2) / 2), rtol=1e-15)
    assert nn.signal.windows.gaussian(4).dtype == nn.float32 and nn.signal.windows.cosine(0).shape == (0,)
    with pytest.raises(ValueError, match="Center must be None for symmetric windows"):
        nn.signal.windows.exponential(5, center=1.0)
    with pytest.raises(ValueError, match="non-negative window length"):
        hann(-1)
    torch = pytest.importorskip("torch")
    import torch.signal.windows as theirs
    options = {"gaussian": {"std": 1.3}, "kaiser": {"beta": 6.0}, "general_hamming": {"alpha": 0.6},
               "general_cosine": {"a": [0.5, 0.3, 0.2]}, "exponential": {"tau": 2.0}}
    for name in theirs.__all__:
        for m in (1, 2, 7):
            for sym in (True, False):
                kw = options.get(name, {})
                np.testing.assert_allclose(
                    getattr(nn.signal.windows, name)(m, sym=sym, dtype=nn.float64, **kw).numpy(),
                    getattr(theirs, name)(m, sym=sym, dtype=torch.float64, **kw).numpy(), rtol=1e-13, atol=1e-15,
                    err_msg=f"{name}({m}, sym={sym})")
