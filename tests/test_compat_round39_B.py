"""lucidrains' AlphaFold2 and HaloNet from the package registry, ported by the porting rule and run against the
originals on PyTorch 2.13 in float64 from PyTorch's weights with the same inputs and draws (round 39, area B):
alphafold2-pytorch 0.4.32 (the Evoformer trunk, MLM, templates, recycling, the structure module), with
invariant-point-attention 0.2.2 and mp-nerf 1.0.3 (which it imports) ported too, and halonet-pytorch 0.0.5's
HaloAttention (every file ported, renamed so that both copies load side by side; dropout masks, `rand` and `randint`
fed to both sides from one NumPy stream; sidechainnet and pytorch3d were stand-ins, the same on both sides).

Outputs, gradients and weights after Adam steps agree to rounding; nn's failures were in the ops beneath them (the
packages are not imported here):

- HaloAttention gathers each block's halo with ``F.unfold``: a window that does not fit, a zero kernel, dilation or
  stride and a negative padding raised nn's ValueError ("unfold: need kernel_size, dilation, stride >= 1 ...", "a
  7x7 window ... does not fit the padded 5x6 input") where PyTorch raises its im2col checks' RuntimeErrors, in their
  order and before it looks at the input ("kernel size should be greater than zero, but got kernel_height: 0
  kernel_width: 0", "Given input with spatial size (5, 6), kernel_size=(7, 7), ... calculated shape of the array of
  sliding blocks as (-1, 0), but its components must be at least one."); `F.fold` (col2im, its own order: stride
  before dilation) divided by a zero kernel (ZeroDivisionError); both took only floats, where PyTorch unfolds and
  folds bool and complex tensors too and refuses integers with NotImplementedError ('"im2col_out_cpu" not
  implemented for 'Long'').
- alphafold2's ``lddt_ca_torch`` writes ``wrapper[bi, l_mask] = float32 scores`` into a float64 tensor: with a 0-d
  bool mask nn took it as masked_fill (casting the value), where PyTorch reads a 0-d bool index as the index [0] / []
  of a new dim and refuses the dtypes ("Index put requires the source and destination dtypes match, ...").
- ``x[i] = number`` converts the number as PyTorch's fill_ does: 1e39 into float32, 300 into uint8 and 2**40 into
  int32 are its RuntimeError "value cannot be converted to type float without overflow" (nn wrote inf / wrapped, with
  NumPy's RuntimeWarning); a number beyond float32's range meeting a float32 tensor in an op (``x * 1e39``, ``x +
  finfo(float64).max``, ``x == 1e39``), a 0-d float64 tensor of such a value, ``copy_`` / ``add_`` / ``x[:] =`` of a
  float64 tensor give inf silently, as PyTorch, where NumPy's cast warned "overflow encountered in cast".
- mp_nerf's ``protein_fold`` builds ``torch.tensor([torch.cos(angle), ...])`` of 0-d tensors requiring grad:
  PyTorch warns once per process "Converting a tensor with requires_grad=True to a scalar may lead to unexpected
  behavior." (as ``float(t)`` does); nn warned for ``float(t)`` only.
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from porting import raised


# ---- F.unfold / F.fold (HaloAttention's halo): PyTorch's im2col / col2im checks ------------------------------

def test_unfold_window_checks_are_pytorchs_in_its_order():
    x = nn.randn(2, 3, 5, 6)
    assert raised(lambda: F.unfold(x, 0)) == (
        "RuntimeError", "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0")
    assert raised(lambda: F.unfold(x, 2, dilation=(1, 0))) == (
        "RuntimeError", "dilation should be greater than zero, but got dilation_height: 1 dilation_width: 0")
    assert raised(lambda: F.unfold(x, 2, padding=-1)) == (
        "RuntimeError", "padding should be non-negative, but got pad_height: -1 pad_width: -1")
    assert raised(lambda: F.unfold(x, 2, stride=0)) == (
        "RuntimeError", "stride should be greater than zero, but got stride_height: 0 stride_width: 0")
    # im2col's order: kernel, dilation, padding, stride, all before the input's dims
    assert raised(lambda: F.unfold(x, 2, dilation=0, padding=-1, stride=0))[1].startswith("dilation should")
    assert raised(lambda: F.unfold(x, 2, padding=-1, stride=0))[1].startswith("padding should")
    assert raised(lambda: F.unfold(nn.ones(3, 3), 0))[1].startswith("kernel size should")
    assert raised(lambda: F.unfold(nn.ones(2, 0, 5, 6), 2, stride=0))[1].startswith("stride should")
    # a window that does not fit: the number of blocks by floor division, the height and width of the input
    assert raised(lambda: F.unfold(x, 7)) == (
        "RuntimeError", "Given input with spatial size (5, 6), kernel_size=(7, 7), dilation=(1, 1), padding=(0, 0), "
                        "calculated shape of the array of sliding blocks as (-1, 0), but its components must be at "
                        "least one.")
    assert raised(lambda: F.unfold(x[0], (6, 7), padding=(0, 1))) == (         # unbatched: the same words
        "RuntimeError", "Given input with spatial size (5, 6), kernel_size=(6, 7), dilation=(1, 1), padding=(0, 1), "
                        "calculated shape of the array of sliding blocks as (0, 2), but its components must be at "
                        "least one.")
    assert raised(lambda: F.unfold(x, 3, dilation=3))[1].endswith("as (-1, 0), but its components must be at least one.")
    # what fits still runs: HaloAttention's padded windows
    assert F.unfold(x, 3, padding=5).shape == (2, 27, 182)
    assert nn.Unfold(3, padding=1)(x).shape == (2, 27, 30)


def test_fold_window_checks_are_pytorchs_in_its_order():
    cols = nn.ones(1, 12, 4)
    assert raised(lambda: F.fold(cols, (3, 3), 0)) == (            # was ZeroDivisionError: integer modulo by zero
        "RuntimeError", "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0")
    # col2im's order: kernel, stride, dilation, padding
    assert raised(lambda: F.fold(cols, (3, 3), 2, dilation=0, padding=-1, stride=0)) == (
        "RuntimeError", "stride should be greater than zero, but got stride_height: 0 stride_width: 0")
    assert raised(lambda: F.fold(cols, (3, 3), 2, dilation=0, padding=-1)) == (
        "RuntimeError", "dilation should be greater than zero, but got dilation_height: 0 dilation_width: 0")
    assert raised(lambda: F.fold(nn.ones(12), (3, 3), 2, padding=-1)) == (       # before the input's dims
        "RuntimeError", "padding should be non-negative, but got pad_height: -1 pad_width: -1")
    assert raised(lambda: F.fold(nn.ones(1, 4, 1), (1, 1), 2)) == (
        "RuntimeError", "Given output_size=(1, 1), kernel_size=(2, 2), dilation=(1, 1), padding=(0, 0), stride=(1, 1), "
                        "expected size of input's dimension 2 to match the calculated number of sliding blocks 0 * 0 "
                        "= 0, but got input.size(2)=1.")
    # two negative counts whose product matches the columns: "too small"
    assert raised(lambda: F.fold(nn.ones(9, 1), (1, 1), 3)) == (
        "RuntimeError", "Given output_size=(1, 1), kernel_size=(3, 3), dilation=(1, 1), padding=(0, 0), stride=(1, 1), "
                        "calculated shape of the array of sliding blocks as (-1, -1), which is too small "
                        "(non-positive)")
    np.testing.assert_array_equal(F.fold(nn.ones(1, 4, 4), (3, 3), 2).numpy()[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_unfold_and_fold_take_bool_and_complex_and_refuse_integers():
    mask = F.unfold(nn.ones(1, 1, 4, 4).bool(), 4, stride=2, padding=1)      # HaloAttention's padding mask, as bool
    assert mask.dtype == nn.bool and mask.shape == (1, 16, 4)
    assert int(mask.sum()) == 4 * 9                                            # each 4x4 window holds 3x3 pixels
    z = nn.arange(12.0).reshape(1, 1, 3, 4) * (1 + 2j)
    cols = F.unfold(z, 2)
    assert cols.dtype == nn.complex64
    np.testing.assert_array_equal(cols.numpy()[0, :, 0], np.array([0, 1, 4, 5]) * (1 + 2j))
    assert F.fold(nn.ones(1, 4, 1).bool(), (2, 2), 2).dtype == nn.bool
    assert F.fold(cols, (3, 4), 2).dtype == nn.complex64
    assert raised(lambda: F.unfold(nn.ones(1, 1, 3, 3, dtype=nn.int64), 2)) == (
        "NotImplementedError", "\"im2col_out_cpu\" not implemented for 'Long'")
    assert raised(lambda: F.fold(nn.ones(1, 4, 4, dtype=nn.uint8), (3, 3), 2)) == (
        "NotImplementedError", "\"col2im_out_cpu\" not implemented for 'Byte'")
    # the shape checks come first (an integer input with a bad kernel: the kernel's error)
    assert raised(lambda: F.unfold(nn.ones(1, 1, 3, 3, dtype=nn.int64), 0))[0] == "RuntimeError"


def test_unfold_of_complex_passes_gradients_back_by_fold():
    rs = np.random.RandomState(0)
    x = nn.tensor(rs.randn(1, 2, 4, 5) + 1j * rs.randn(1, 2, 4, 5), requires_grad=True)
    g = rs.randn(1, 8, 9) + 1j * rs.randn(1, 8, 9)
    (F.unfold(x, 2, padding=(0, 1), stride=(1, 2)) * nn.tensor(g)).real.sum().backward()
    # the gradient of Re(sum(g * cols)) w.r.t. x is conj(g) folded back onto the pixels each column copies
    expected = F.fold(nn.tensor(np.conj(g)), (4, 5), 2, padding=(0, 1), stride=(1, 2)).numpy()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-14)


# ---- x[index] = v: PyTorch's index_put_ and fill_ conversions ----------------------------------------------------

def test_zero_dim_bool_index_checks_the_values_dtype():
    # alphafold2_pytorch.utils.lddt_ca_torch: wrapper[bi, l_mask] = scores (float32 into float64)
    words = "Index put requires the source and destination dtypes match, got Double for the destination and Float " \
            "for the source."
    for index in (nn.tensor(True), nn.tensor(False), (0, nn.tensor(True)), (0, nn.tensor(False))):
        w = nn.zeros(2, 3, dtype=nn.float64)
        assert raised(lambda: w.__setitem__(index, nn.ones((), dtype=nn.float32))) == ("RuntimeError", words)
    assert raised(lambda: nn.zeros((), dtype=nn.float64).__setitem__(nn.tensor(True), nn.ones((), dtype=nn.float32))) \
        == ("RuntimeError", words)
    # a mask of one dim or more with a one-element value is masked_fill_ (the value converted), as PyTorch
    w = nn.zeros(3, dtype=nn.float64)
    w[nn.tensor([True, False, True])] = nn.ones((), dtype=nn.float32)
    np.testing.assert_array_equal(w.numpy(), [1, 0, 1])
    # a 0-d True index with a value of the tensor's dtype writes everything, False nothing
    w = nn.zeros(2, 3)
    w[0, nn.tensor(True)] = nn.tensor([1.0, 2.0, 3.0])
    w[1, nn.tensor(False)] = nn.tensor(9.0)
    np.testing.assert_array_equal(w.numpy(), [[1, 2, 3], [0, 0, 0]])


def test_setitem_converts_a_number_as_fill_does():
    words = "value cannot be converted to type {} without overflow"
    assert raised(lambda: nn.zeros(2).__setitem__(0, 1e39)) == ("RuntimeError", words.format("float"))
    assert raised(lambda: nn.zeros(2).__setitem__(5, 1e39)) == ("RuntimeError", words.format("float"))  # first
    assert raised(lambda: nn.zeros(2).__setitem__(nn.tensor([True, False]), -1e39)) == (
        "RuntimeError", words.format("float"))
    assert raised(lambda: nn.zeros(2).__setitem__(slice(0, 0), 1e39)) == ("RuntimeError", words.format("float"))
    assert raised(lambda: nn.zeros(2).__setitem__(0, np.float64(1e39))) == ("RuntimeError", words.format("float"))
    assert raised(lambda: nn.zeros(2, dtype=nn.uint8).__setitem__(0, 300)) == ("RuntimeError", words.format("uint8_t"))
    assert raised(lambda: nn.zeros(2, dtype=nn.int32).__setitem__(0, 2 ** 40)) == ("RuntimeError", words.format("int"))
    assert raised(lambda: nn.zeros(2).__setitem__(0, 1j)) == ("RuntimeError", words.format("float"))
    y = nn.zeros(3, requires_grad=True).clone()          # in a graph too
    assert raised(lambda: y.__setitem__(0, 1e39)) == ("RuntimeError", words.format("float"))
    # what PyTorch converts: -1 wraps into uint8, 2.7 truncates into int64, inf and nan are floats, any number a bool
    u = nn.zeros(2, dtype=nn.uint8)
    u[0] = -1
    i = nn.zeros(3, dtype=nn.int64)
    i[1] = 2.7
    i[nn.tensor([True, False, True])] = 5.5
    f = nn.zeros(3)
    f[0], f[1] = float("inf"), float("nan")
    b = nn.zeros(1, dtype=nn.bool)
    b[0] = 1e39
    assert u.tolist() == [255, 0] and i.tolist() == [5, 2, 5] and b.tolist() == [True]
    assert f[0].item() == float("inf") and np.isnan(f[1].item())
    d = nn.zeros(1, dtype=nn.float64)
    d[0] = 1e39
    assert d.item() == 1e39


def test_numbers_beyond_float32_give_inf_silently():
    big = 1e39
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # NumPy's "overflow encountered in cast" was printed
        x = nn.ones(2)
        for y in (x * big, x + big, big - x, nn.finfo(nn.float64).max * x, x.clone().add_(big),
                  x.clone().mul_(big), x + nn.tensor(big, dtype=nn.float64)):
            assert y.dtype == nn.float32 and y.tolist() == [float("inf")] * 2
        assert (x == big).tolist() == [False, False] and (x < big).tolist() == [True, True]
        wide = nn.tensor([big, 1.0], dtype=nn.float64)
        assert nn.zeros(2).copy_(wide).tolist() == [float("inf"), 1.0]
        assert nn.zeros(2).add_(wide).tolist() == [float("inf"), 1.0]
        z = nn.zeros(2)
        z[:] = wide
        z2 = nn.zeros(2)
        z2[0] = nn.tensor(big, dtype=nn.float64)
        assert z.tolist() == [float("inf"), 1.0] and z2.tolist() == [float("inf"), 0.0]
        g = nn.zeros(2, requires_grad=True).clone()          # in a graph
        g[0] = nn.tensor(big, dtype=nn.float64)
        assert g.tolist() == [float("inf"), 0.0]
        n = nn.zeros(2, dtype=nn.int64).copy_(nn.tensor([float("nan"), 1.0]))   # C's value, silently
        assert n.tolist()[1] == 1
        # within range, nothing changes: float32 rounding of the number
        assert (x * 0.1).tolist() == [np.float32(0.1)] * 2


def test_a_list_of_tensors_requiring_grad_warns_once_as_float_does(monkeypatch):
    # mp_nerf.proteins.protein_fold: torch.tensor([torch.cos(np.pi - angles_mask[0, 0, 2]), ...])
    import nn.tensor_ops.convert as convert
    monkeypatch.setattr(convert, "_FLOAT_GRAD_WARNED", [])   # (once per process: start this test afresh)
    t = nn.tensor(0.5, requires_grad=True) * 2
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with nn.no_grad():
            nn.tensor([t, t])                                # no warning without grad, nor does it use up the once
        out = nn.tensor([t.detach(), t])
        assert len(seen) == 1                                # here (nn did not warn for a list)
        nn.tensor([t, t])
        float(t)                                             # once: neither warns again
    messages = [str(w.message) for w in seen]
    assert messages == ["Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                        "Consider using tensor.detach() first."]
    assert seen[0].filename == __file__                      # at the caller's line, as PyTorch's
    assert out.tolist() == [1.0, 1.0] and not out.requires_grad


# ---- against PyTorch, where it is installed -----------------------------------------------------------------

def test_halo_windows_and_checks_match_pytorch():
    torch = pytest.importorskip("torch")
    rs = np.random.RandomState(1)
    x = rs.randn(2, 3, 6, 6)
    # HaloAttention's key/value windows and padding mask (block 2, halo 1), forward and backward
    xt, xn = torch.tensor(x, requires_grad=True), nn.tensor(x, requires_grad=True)
    ct = torch.nn.functional.unfold(xt, kernel_size=4, stride=2, padding=1)
    cn = F.unfold(xn, kernel_size=4, stride=2, padding=1)
    np.testing.assert_array_equal(cn.detach().numpy(), ct.detach().numpy())
    g = rs.randn(*ct.shape)
    (ct * torch.tensor(g)).sum().backward()
    (cn * nn.tensor(g)).sum().backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-15)
    for kwargs in (dict(kernel_size=0), dict(kernel_size=2, dilation=0, padding=-1, stride=0),
                   dict(kernel_size=(7, 8), padding=(0, 1)), dict(kernel_size=3, dilation=4)):
        expected = raised(lambda: torch.nn.functional.unfold(torch.tensor(x), **kwargs))
        assert raised(lambda: F.unfold(nn.tensor(x), **kwargs)) == expected
    for kwargs in (dict(kernel_size=0), dict(kernel_size=2, dilation=0, padding=-1, stride=0),
                   dict(kernel_size=3)):
        expected = raised(lambda: torch.nn.functional.fold(torch.ones(1, 9, 1), (1, 1), **kwargs))
        assert raised(lambda: F.fold(nn.ones(1, 9, 1), (1, 1), **kwargs)) == expected
