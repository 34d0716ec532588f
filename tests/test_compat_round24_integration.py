"""Round 24, done at integration beside the areas: Python numbers an integer dtype cannot hold, refused as PyTorch
2.13 refuses them.

The failures these tests pin down: PyTorch converts each Python number it stores into an integer tensor by c10's
`overflows` rule (a float outside [lowest, max] or NaN overflows; an integer outside [min, max] does, except that
an unsigned dtype takes negatives down to -max, which wrap: uint8 fill_(-1) is 255) and raises "value cannot be
converted to type uint8 without overflow" where nn wrapped silently: `tensor([300], dtype=uint8)` and
`ByteTensor([300])` were [44], `IntTensor([2 ** 40])` was [0], `CharTensor([200])` [-56], `tensor(nan,
dtype=int32)` whatever NumPy's cast gave; `fill_(300)` on a uint8 tensor wrote 44; `full(n, 300, dtype=uint8)`,
`masked_fill(mask, -1)` and `index_fill(0, i, 300)` on uint8 raised NumPy's OverflowError ("Python integer 300 out
of bounds for uint8"), where PyTorch raises its RuntimeError for 300 and wraps -1 to 255. The fills name the type
as C++ does (uint8_t, int8_t, int16_t, int, int64_t), tensor() by its dtype name. A NumPy array's cast is not
checked (tensor(np.array([300]), dtype=uint8) is [44] in PyTorch too), nor is arithmetic (x + 300 wraps). Beside
them, `tensor([1e40], dtype=float32)` and `FloatTensor([1e40])` are inf silently, as PyTorch's, where NumPy's cast
warned "overflow encountered in cast".

Also: a DataLoader over an IterableDataset had `sampler` and `batch_sampler` None, where PyTorch's has an
`_InfiniteConstantSampler` (None without end) and, with a batch size, a BatchSampler over it (code that reads
`loader.batch_sampler.batch_size` or checks `loader.sampler` failed), and refused shuffle, sampler or batch_sampler in
nn's words instead of PyTorch's ("DataLoader with IterableDataset: expected unspecified shuffle option, but got
shuffle=True").

And `numpy()` of a tensor that requires grad gave its values, where PyTorch refuses ("Can't call numpy() on Tensor
that requires grad. Use tensor.detach().numpy() instead."; `numpy(force=True)` detaches): a learner's
`loss.numpy()` or `model.weight.numpy()` that runs on nn must run on PyTorch too.

And `interpolate(mode="lanczos", antialias=True)`, new in PyTorch 2.13 (4-D only: the Lanczos-3 windowed sinc,
PIL's LANCZOS), was refused as an unknown mode; without antialias, or with align_corners=True, PyTorch refuses it
in its words.

And conv_transpose2d refused an output_padding from the stride up (ValueError "output_padding (1, 1) must be >= 0
and smaller than stride (1, 1)"), where PyTorch takes any output_padding smaller than the stride or the dilation
(ConvTranspose2d(..., dilation=2, output_padding=1), as a decoder sizing its output with a dilated kernel does);
the ones it refuses it refuses in its words.
"""
import re
import warnings

import numpy as np
import pytest

import nn

MASK = nn.tensor([True, False])


def _refused(make, type_name):
    with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {type_name} without overflow$"):
        make()


# ---- tensor(data, dtype=...) and the legacy constructors --------------------------------------------------------

@pytest.mark.parametrize("make, name", [
    (lambda: nn.tensor([300], dtype=nn.uint8), "uint8"),
    (lambda: nn.tensor(300, dtype=nn.uint8), "uint8"),
    (lambda: nn.tensor([-256], dtype=nn.uint8), "uint8"),
    (lambda: nn.tensor([[1, 2], [3, 300]], dtype=nn.uint8), "uint8"),
    (lambda: nn.tensor([1.5, 300.0], dtype=nn.uint8), "uint8"),
    (lambda: nn.tensor([-1.0], dtype=nn.uint8), "uint8"),       # a float below 0: no wrap for floats
    (lambda: nn.tensor([nn.tensor(300)], dtype=nn.uint8), "uint8"),
    (lambda: nn.tensor(-129, dtype=nn.int8), "int8"),
    (lambda: nn.tensor([127.5], dtype=nn.int8), "int8"),
    (lambda: nn.tensor(2 ** 40, dtype=nn.int32), "int32"),
    (lambda: nn.tensor(float("nan"), dtype=nn.int32), "int32"),
    (lambda: nn.tensor([float("inf")], dtype=nn.int64), "int64"),
    (lambda: nn.tensor([1e20], dtype=nn.int64), "int64"),
    (lambda: nn.as_tensor([300], dtype=nn.uint8), "uint8"),
    (lambda: nn.zeros(1).new_tensor([300], dtype=nn.uint8), "uint8"),
    (lambda: nn.zeros(1, dtype=nn.uint8).new_tensor([300]), "uint8"),
    (lambda: nn.ByteTensor([300]), "uint8"),
    (lambda: nn.ByteTensor([[1], [256]]), "uint8"),
    (lambda: nn.ByteTensor([-1.5]), "uint8"),
    (lambda: nn.CharTensor([200]), "int8"),
    (lambda: nn.CharTensor((128,)), "int8"),
    (lambda: nn.IntTensor([2 ** 40]), "int32"),
    (lambda: nn.IntTensor([2.5e9]), "int32"),
])
def test_python_numbers_an_integer_dtype_cannot_hold_are_refused(make, name):
    # failed before: each wrapped (or took NumPy's cast of NaN / inf) silently
    _refused(make, name)


@pytest.mark.parametrize("make, values, dtype", [
    (lambda: nn.tensor([-1], dtype=nn.uint8), [255], np.uint8),        # negatives down to -max wrap
    (lambda: nn.tensor([-255, 255], dtype=nn.uint8), [1, 255], np.uint8),
    (lambda: nn.tensor([-128, 127], dtype=nn.int8), [-128, 127], np.int8),
    (lambda: nn.tensor([2 ** 31 - 1], dtype=nn.int32), [2 ** 31 - 1], np.int32),
    (lambda: nn.tensor([1.9, 0.5], dtype=nn.uint8), [1, 0], np.uint8),     # floats in range are truncated
    (lambda: nn.ByteTensor([-1]), [255], np.uint8),
    (lambda: nn.ByteTensor([1.5]), [1], np.uint8),
    (lambda: nn.tensor(np.array([300]), dtype=nn.uint8), [44], np.uint8),  # an array's cast wraps, as PyTorch's
    (lambda: nn.ByteTensor(np.array([300])), [44], np.uint8),
    (lambda: nn.tensor([300], dtype=nn.bool), [True], np.bool_),
])
def test_numbers_in_range_or_arrays_are_cast(make, values, dtype):
    t = make()
    assert t.dtype == dtype and t.tolist() == values


def test_a_float32_overflow_is_inf_without_a_warning():
    # failed before: NumPy's "overflow encountered in cast" RuntimeWarning (PyTorch: inf, silently)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert nn.tensor([1e40], dtype=nn.float32).tolist() == [float("inf")]
        assert nn.FloatTensor([-1e40]).tolist() == [float("-inf")]


# ---- fills: fill_, full, masked_fill, index_fill ----------------------------------------------------------------

@pytest.mark.parametrize("make, name", [
    (lambda: nn.zeros(2, dtype=nn.uint8).fill_(300), "uint8_t"),
    (lambda: nn.zeros(2, dtype=nn.uint8).fill_(-0.5), "uint8_t"),
    (lambda: nn.zeros(2, dtype=nn.uint8).fill_(float("nan")), "uint8_t"),
    (lambda: nn.zeros(2, dtype=nn.uint8).fill_(255.5), "uint8_t"),
    (lambda: nn.zeros(2, dtype=nn.int8).fill_(-129), "int8_t"),
    (lambda: nn.zeros(2, dtype=nn.int8).fill_(127.5), "int8_t"),
    (lambda: nn.zeros(2, dtype=nn.int16).fill_(2 ** 15), "int16_t"),
    (lambda: nn.zeros(2, dtype=nn.int32).fill_(2 ** 31), "int"),
    (lambda: nn.zeros(2, dtype=nn.int64).fill_(1e19), "int64_t"),
    (lambda: nn.zeros(2, dtype=nn.int64).fill_(float("inf")), "int64_t"),
    (lambda: nn.full((2,), 300, dtype=nn.uint8), "uint8_t"),
    (lambda: nn.full((1,), -256, dtype=nn.uint8), "uint8_t"),
    (lambda: nn.full((2,), 300, dtype=nn.int8), "int8_t"),
    (lambda: nn.zeros(2, dtype=nn.uint8).masked_fill(MASK, 300), "uint8_t"),
    (lambda: nn.zeros(2, dtype=nn.uint8).masked_fill(MASK, 255.5), "uint8_t"),
    (lambda: nn.zeros(2, dtype=nn.uint8).index_fill(0, nn.tensor([0]), 300), "uint8_t"),
    (lambda: nn.zeros(2, dtype=nn.int8).index_fill(0, nn.tensor([0]), 200), "int8_t"),
])
def test_fills_an_integer_dtype_cannot_hold_are_refused(make, name):
    # failed before: fill_ wrapped (300 -> 44), the others raised NumPy's OverflowError
    _refused(make, name)


@pytest.mark.parametrize("make, values", [
    (lambda: nn.zeros(2, dtype=nn.uint8).fill_(-1), [255, 255]),
    (lambda: nn.full((1,), -255, dtype=nn.uint8), [1]),
    (lambda: nn.zeros(2, dtype=nn.uint8).masked_fill(MASK, -1), [255, 0]),
    (lambda: nn.zeros(2, dtype=nn.uint8).index_fill(0, nn.tensor([1]), -2), [0, 254]),
    (lambda: nn.zeros(2, dtype=nn.int64).fill_(1.7), [1, 1]),
    (lambda: nn.zeros(2, dtype=nn.int64).masked_fill(MASK, -2.7), [-2, 0]),
    (lambda: nn.full((2,), 3.5, dtype=nn.int32), [3, 3]),
    (lambda: nn.zeros(1, dtype=nn.bool).fill_(300), [True]),
])
def test_fills_in_range_wrap_or_truncate_as_pytorch(make, values):
    # failed before for the negative fills of uint8 (NumPy's OverflowError "Python integer -1 out of bounds")
    assert make().tolist() == values


def test_arithmetic_with_a_large_number_still_wraps():
    # not checked in PyTorch either: the scalar joins the computation in the tensor's dtype
    assert (nn.zeros(2, dtype=nn.uint8) + 300).tolist() == [44, 44]


def test_against_pytorch_itself():
    torch = pytest.importorskip("torch")
    cases = [("tensor", [300], "uint8"), ("tensor", [-255], "uint8"), ("tensor", [127.5], "int8"),
             ("tensor", [-1.0], "uint8"), ("tensor", [2 ** 31 - 1], "int32"), ("tensor", [2 ** 31], "int32")]
    for fn, data, dt in cases:
        outcomes = []
        for lib in (torch, nn):
            try:
                outcomes.append(getattr(lib, fn)(data, dtype=getattr(lib, dt)).tolist())
            except RuntimeError as e:
                outcomes.append(str(e))
        assert outcomes[0] == outcomes[1], (data, dt)
    for value, dt in [(300, "uint8"), (-1, "uint8"), (-256, "uint8"), (2 ** 31, "int32"), (1.5, "int16")]:
        outcomes = []
        for lib in (torch, nn):
            try:
                outcomes.append(lib.zeros(2, dtype=getattr(lib, dt)).fill_(value).tolist())
            except RuntimeError as e:
                outcomes.append(str(e))
        assert outcomes[0] == outcomes[1], (value, dt)


# ---- a DataLoader over an IterableDataset -----------------------------------------------------------------------

class _Stream(nn.utils.data.IterableDataset):
    def __iter__(self):
        return iter(range(5))


def test_an_iterable_datasets_loader_has_pytorchs_samplers():
    # failed before: sampler and batch_sampler were None
    from nn.utils.data import BatchSampler, DataLoader
    from nn.utils.data.dataloader import _InfiniteConstantSampler
    loader = DataLoader(_Stream(), batch_size=2)
    assert isinstance(loader.sampler, _InfiniteConstantSampler)
    assert next(iter(loader.sampler)) is None
    assert isinstance(loader.batch_sampler, BatchSampler) and loader.batch_sampler.batch_size == 2
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4]]
    unbatched = DataLoader(_Stream(), batch_size=None)
    assert isinstance(unbatched.sampler, _InfiniteConstantSampler) and unbatched.batch_sampler is None
    assert [int(v) for v in unbatched] == [0, 1, 2, 3, 4]
    assert [b.tolist() for b in DataLoader(_Stream(), batch_size=2, drop_last=True, shuffle=False)] == [[0, 1], [2, 3]]


@pytest.mark.parametrize("kwargs, words", [
    ({"shuffle": True}, "shuffle option, but got shuffle=True"),
    ({"sampler": [0, 1]}, "sampler option, but got sampler=[0, 1]"),
    ({"batch_sampler": [[0, 1]], "batch_size": 1}, "batch_sampler option, but got batch_sampler=[[0, 1]]"),
])
def test_an_iterable_dataset_refuses_indices_in_pytorchs_words(kwargs, words):
    # failed before: nn's own message ("an IterableDataset has no indices; ...")
    from nn.utils.data import DataLoader
    with pytest.raises(ValueError, match=re.escape(f"DataLoader with IterableDataset: expected unspecified {words}")):
        DataLoader(_Stream(), **kwargs)


# ---- numpy() of a tensor that requires grad ---------------------------------------------------------------------

def test_numpy_of_a_tensor_that_requires_grad_is_refused():
    # failed before: the values came back
    w = nn.Parameter(nn.ones(2))
    loss = (w * 2).sum()
    for t in (w, loss):
        with pytest.raises(RuntimeError, match=re.escape("Can't call numpy() on Tensor that requires grad. Use "
                                                         "tensor.detach().numpy() instead.")):
            t.numpy()
    assert loss.detach().numpy() == 4.0 and w.numpy(force=True).tolist() == [1.0, 1.0]
    with nn.no_grad():
        assert (w * 2).numpy().tolist() == [2.0, 2.0]


# ---- interpolate(mode="lanczos") --------------------------------------------------------------------------------

def test_lanczos_matches_pils_lanczos_resize():
    # failed before: "interpolate: mode must be one of ..."; PyTorch documents its result as PIL's Image.LANCZOS
    from PIL import Image
    x = np.random.default_rng(1).random((9, 13)).astype(np.float32)
    for h, w in [(4, 6), (20, 30), (9, 5)]:
        pil = np.asarray(Image.fromarray(x, mode="F").resize((w, h), Image.LANCZOS))   # float32 pixels
        ours = nn.functional.interpolate(nn.tensor(x[None, None], dtype=nn.float64), size=(h, w), mode="lanczos",
                                         antialias=True)
        np.testing.assert_allclose(ours.numpy()[0, 0], pil, atol=2e-7)


def test_lanczos_gradient_by_finite_differences():
    x = nn.tensor(np.random.default_rng(2).standard_normal((1, 2, 7, 9)), requires_grad=True)
    assert nn.autograd.gradcheck(lambda t: nn.functional.interpolate(t, size=(4, 12), mode="lanczos",
                                                                     antialias=True), (x,))


@pytest.mark.parametrize("kwargs, words", [
    ({"size": 2}, "Lanczos mode requires antialias=True"),
    ({"size": 2, "antialias": True, "align_corners": True}, "Lanczos mode does not support align_corners=True"),
])
def test_lanczos_refusals_in_pytorchs_words(kwargs, words):
    with pytest.raises(ValueError, match=f"^{words}$"):
        nn.functional.interpolate(nn.zeros(1, 1, 4, 4), mode="lanczos", **kwargs)


def test_lanczos_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((2, 3, 11, 9))
    for size in [(5, 4), (17, 23), (11, 3)]:
        theirs = torch.nn.functional.interpolate(torch.tensor(x), size=size, mode="lanczos", antialias=True)
        ours = nn.functional.interpolate(nn.tensor(x), size=size, mode="lanczos", antialias=True)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-13, atol=1e-15)


# ---- conv_transpose2d: output_padding below the dilation --------------------------------------------------------

def _conv_transpose_reference(x, w, b, stride, padding, output_padding, dilation):
    """The transposed convolution by its definition: input pixel (i, j) times each tap lands on output row
    i*sh + p*dh - ph, column j*sw + q*dw - pw; rows and columns past the last tap's reach stay at the bias."""
    (N, C, H, W), (_, O, kh, kw) = x.shape, w.shape
    Ho = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + output_padding[0] + 1
    Wo = (W - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + output_padding[1] + 1
    y = np.zeros((N, O, Ho, Wo)) + b[None, :, None, None]
    for i in range(H):
        for j in range(W):
            for p in range(kh):
                for q in range(kw):
                    r, c = i * stride[0] + p * dilation[0] - padding[0], j * stride[1] + q * dilation[1] - padding[1]
                    if 0 <= r < Ho and 0 <= c < Wo:
                        y[:, :, r, c] += np.einsum("nc,co->no", x[:, :, i, j], w[:, :, p, q])
    return y


@pytest.mark.parametrize("stride, padding, output_padding, dilation", [
    ((1, 1), (2, 2), (1, 1), (2, 2)),
    ((2, 2), (0, 0), (2, 2), (3, 3)),
    ((1, 2), (0, 1), (1, 1), (2, 1)),
    ((1, 1), (4, 0), (2, 2), (3, 3)),          # padding past the output padding: the extra rows get taps
])
def test_conv_transpose2d_output_padding_below_the_dilation(stride, padding, output_padding, dilation):
    # failed before: "output_padding ... must be >= 0 and smaller than stride"
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(2)
    y = nn.functional.conv_transpose2d(nn.tensor(x), nn.tensor(w), nn.tensor(b), stride, padding, output_padding,
                                       dilation=dilation)
    np.testing.assert_allclose(y.numpy(), _conv_transpose_reference(x, w, b, stride, padding, output_padding,
                                                                     dilation), rtol=1e-12, atol=1e-12)
    tensors = [nn.tensor(a, requires_grad=True) for a in (x[:1, :, :3, :4], w, b)]
    assert nn.autograd.gradcheck(lambda *t: nn.functional.conv_transpose2d(*t, stride, padding, output_padding,
                                                                           dilation=dilation), tensors)


def test_conv_transpose_output_padding_refusals_in_pytorchs_words():
    with pytest.raises(RuntimeError, match=re.escape(
            "output padding must be smaller than either stride or dilation, but got output_padding_height: 2 "
            "output_padding_width: 2 stride_height: 2 stride_width: 2 dilation_height: 1 dilation_width: 1")):
        nn.functional.conv_transpose2d(nn.zeros(1, 1, 3, 3), nn.zeros(1, 1, 3, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match="^negative output_padding is not supported$"):
        nn.functional.conv_transpose2d(nn.zeros(1, 1, 3, 3), nn.zeros(1, 1, 3, 3), output_padding=-1)
    assert nn.ConvTranspose3d(1, 1, 3, dilation=2, output_padding=1)(nn.zeros(1, 1, 3, 3, 3)).shape == (1, 1, 8, 8, 8)
    assert nn.functional.conv_transpose1d(nn.zeros(1, 1, 3), nn.zeros(1, 1, 3), dilation=2,
                                          output_padding=1).shape == (1, 1, 8)


def test_conv_transpose3d_checks_output_padding_on_every_axis():
    # failed before: the depth axis was not checked (stride 1, output_padding 1 gave a (1, 1, 6, 8, 8) output)
    with pytest.raises(RuntimeError, match=re.escape(
            "output padding must be smaller than either stride or dilation, but got output_padding_depth: 1 "
            "output_padding_height: 1 output_padding_width: 1 stride_depth: 1 stride_height: 2 stride_width: 2 "
            "dilation_depth: 1 dilation_height: 1 dilation_width: 1")):
        nn.functional.conv_transpose3d(nn.zeros(1, 1, 3, 3, 3), nn.zeros(1, 1, 3, 3, 3), stride=(1, 2, 2),
                                       output_padding=(1, 1, 1))
    with pytest.raises(RuntimeError, match="^negative output_padding is not supported$"):
        nn.functional.conv_transpose3d(nn.zeros(1, 1, 3, 3, 3), nn.zeros(1, 1, 3, 3, 3), output_padding=-1)
