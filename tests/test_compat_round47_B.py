"""TimeSformer-pytorch 0.4.1 (divided space-time attention with its axial rotary embeddings),
molecule-attention-transformer 0.0.4 (MAT: attention mixed with adjacency and distance matrices) and
memory-transformer-xl 0.1.0 (with mogrifier 0.0.5, which it imports for its gated residuals) from their wheels,
ported file by file by the porting rule (timesformer_pytorch -> timesformer_pytorchp, molecule_attention_transformer
-> molecule_attention_transformerp, memory_transformer_xl -> memory_transformer_xlp, mogrifier -> mogrifierp in their
own import lines; nothing else changed) and run against the originals on PyTorch 2.13 in one process (round 47,
area B). PyTorch's initial weights perturbed by N(0, 0.1^2) and loaded by ``state_dict``, the same NumPy inputs,
float64 and float32, outputs projected on NumPy normals and back-propagated, three or four Adam steps; every dropout
mask (``F.dropout``) and every ``torch.multinomial`` draw read from one NumPy stream per side (the draws logged and
found identical). TimeSformer: five configurations (rotary or learned positions, ``shift_tokens``, depth 1 and 2,
heads 1-4, dim_head 4-16, 1-3 channels, patch sizes 2-4, attention and feed-forward dropout), square and one-column
videos, frame masks (with a batch row masked but its first frame, and an all-False row), fewer frames than
``num_frames``, eval mode; its assertions and the rotary tables alone. MAT: four configurations (the ``exp`` and
``softmax`` distance kernels, La / Lg / Ld, heads 1-8, depth 1-3) with and without each of mask, adjacency and
distance matrices, sets of 6-9 atoms, a fully masked molecule. memory-transformer-xl: five configurations (GRU-gated
and plain residuals, ``mogrify_gru``, ``ff_glu``, ``emb_dim`` other than ``dim``, ``memory_layers`` [2, 3],
``one_kv_head``, ``num_mem_kv`` 0-2, ``mem_len`` / ``lmem_len`` other than ``seq_len``, ``mem_write_iters`` 3, all
three dropouts) over four segments with the memories passed on (a short segment, input masks, ``detach_lmem``), the
long memory's gradient included in the loss; ``mem_len`` 0 and ``lmem_len`` 0; ``AutoregressiveWrapper``'s
``return_loss`` generator (``max_batch_size`` splits, ``truncate_every``, a mask one longer than the input,
``ignore_index``) over three Adam steps, ``generate`` (1-d and 2-d starts, a start longer than ``seq_len``,
``top_k`` and ``top_p``, temperature, ``eos_token``), and its ``pad_sequence`` path for lists of sequences.

Largest relative differences in float64: TimeSformer outputs 9.9e-16, input gradients 5.3e-15, parameter gradients
2.2e-15, weights after three Adam steps 2.8e-14; MAT outputs 1.6e-15, gradients 2.1e-15, weights after four Adam
steps 2.6e-13 (below); memory-transformer-xl logits 5.9e-16, short and long memories 1.5e-15, losses 1.1e-15,
gradients 7.7e-16, weights 2.2e-15, the wrapper's losses 3.3e-16, gradients 1.6e-15, weights after three steps
6.6e-14, every generated token the same. Float32 (outputs / gradients / weights after the steps): TimeSformer 7.8e-7 /
3.6e-6 / 2.7e-5, MAT 5.8e-7 / 1.9e-6 / 3.5e-5, memory-transformer-xl 3.2e-7 / 5.1e-7 / 3.4e-6. The rotary tables
agree exactly in float32 but for one ulp of one sine and one cosine (PyTorch's vectorised kernels). MAT's weights move
apart under Adam (2.6e-13, and 1.3e-11 with ``dim_out`` 1 over four masked steps): its query-key weights have
gradient entries of 1e-7 against a largest of 0.1, which Adam divides by their own size; PyTorch against itself with
the input moved by an ulp differs by 2.1e-13 in weights where nn differs by 3.8e-14 on the same run. None of the
packages ships tests.

Still different (not fixed): ``linspace`` / ``logspace`` take no ``out=`` (nn's factories take none) and no float16;
a complex ``logspace`` is computed in complex128 and rounded, where PyTorch's complex64 kernel is an ulp off at some
points; ``x.type('torch.cuda.FloatTensor')`` casts on the CPU where PyTorch fails to initialise CUDA. The packages
fail alike where they are at fault: ``AutoregressiveWrapper.forward`` is a generator function (``return_loss=False``
returns a generator, a list with ``return_loss=True`` raises "'list' object has no attribute 'shape'"); the long
memory keeps its graph across segments, so the README's ``loss.backward()`` per segment raises "Trying to backward
through the graph a second time" on both sides (run with ``retain_graph=True``); MAT's ``masked_fill_`` on a
distance or adjacency matrix that requires grad raises "a view of a leaf Variable that requires grad is being used
in an in-place operation." on both (nn adds its advice after PyTorch's words, as documented); ``mem_len`` 0 with
``lmem_len`` 0 fails in ``reshape`` alike; TimeSformer in float32 under a float64 default dtype fails alike in
``einsum`` ("expected scalar type Double but found Float").

The failures of nn these tests pin down (the package is not imported here):

- ``pad_sequence`` (memory-transformer-xl's wrapper pads lists of sequences with it) read any ``batch_first`` as a
  truth value and any ``padding_value`` that happened not to be needed, where PyTorch's parser refuses them in
  argument order: "pad_sequence(): argument 'batch_first' (position 2) must be bool, not NoneType", "...
  'padding_value' (position 3) must be float, not str" (also for None, a complex, a list, a tensor of several
  elements or one that requires grad), "... 'padding_side' (position 4) must be str, not NoneType"; an empty list
  with a bad argument now fails on the argument first, as PyTorch's; a non-iterable is PyTorch's RuntimeError
  "pad_sequence: Expected iterable for input sequences, but got arg of type: <class 'int'>" (nn: "'int' object is
  not iterable"); ``padding_side=b'left'`` is taken, as PyTorch's parser takes bytes for a str.
- ``F.pad``'s ``value`` (TimeSformer's token shift, the masks' padding) took a tensor of several elements (NumPy's
  "only one element tensors can be converted") or one that requires grad, where PyTorch's parser says "pad():
  argument 'value' (position 4) must be float, not Tensor"; a 0-d complex tensor was float()'s TypeError, PyTorch's
  "value cannot be converted to type double without overflow" (taken when its imaginary part is 0); a complex value
  with ``mode='circular'`` was the mode's RuntimeError, where the parser refuses it first.
- ``linspace`` / ``logspace`` (TimeSformer's rotary positions and scales) took a float or bool ``steps`` (2.5 as 2)
  and ``base=None`` (NaN powers), and ``linspace(0, 1)`` was Python's missing-argument error, where PyTorch's parser
  matches no signature: "linspace() received an invalid combination of arguments - got (int, int, float), but
  expected one of:"; a 1-d bound was nn's TypeError naming arange, PyTorch's RuntimeError "linspace only supports
  0-dimensional start and end tensors, but got start with 1 dimension(s)."; ``linspace(..., dtype=bool)`` of more
  than one step made booleans where PyTorch's kernel is not built for them ('"linspace_cpu" not implemented for
  'Bool''); a complex bound was an error where PyTorch makes a complex64 range.
- ``Tensor.type`` (memory-transformer-xl's ``pos_emb.type(q.dtype)``) cast to anything ``to_dtype`` reads, where
  PyTorch takes only a dtype, a tensor type or its name: ``x.type('double')``, ``x.type('float64')``,
  ``x.type(float)``, ``x.type(np.float64)`` are PyTorch's ValueError "invalid type: 'double'" ("invalid type:
  'numpy.float64'"), ``x.type(3)`` its TypeError "dtype must be a type, str, or dtype object"; ``x.type()`` of a
  complex tensor raised StopIteration (PyTorch: 'torch.ComplexFloatTensor') and 'torch.ComplexDoubleTensor' was no
  name nn knew.
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.utils.rnn import pad_sequence
from tests.porting import raised


# ---------------------------------------------------------------------------------------------------------------
# pad_sequence: PyTorch's parser, in argument order

def test_pad_sequence_refuses_what_pytorchs_parser_refuses():
    seqs = [nn.ones(2), nn.ones(1)]
    words = "pad_sequence(): argument '{}' (position {}) must be {}, not {}"
    for value, name in ((None, "NoneType"), (1, "int"), (np.bool_(True), "numpy.bool"), (nn.tensor(True), "Tensor"),
                        ("x", "str")):
        assert raised(lambda: pad_sequence(seqs, batch_first=value)) == (
            "TypeError", words.format("batch_first", 2, "bool", name))
    for value, name in (("1", "str"), (None, "NoneType"), (1j, "complex"), ([1.0], "list"),
                        (nn.tensor([2.5]), "Tensor"), (nn.tensor(2.0, requires_grad=True), "Tensor")):
        assert raised(lambda: pad_sequence(seqs, padding_value=value)) == (
            "TypeError", words.format("padding_value", 3, "float", name))
    for value, name in ((None, "NoneType"), (1, "int")):
        assert raised(lambda: pad_sequence(seqs, padding_side=value)) == (
            "TypeError", words.format("padding_side", 4, "str", name))
    # the parser's checks come before the kernel's (an empty list, a padding side it does not know)
    assert raised(lambda: pad_sequence([], batch_first=None)) == (
        "TypeError", words.format("batch_first", 2, "bool", "NoneType"))
    with pytest.raises(TypeError, match="^expected Tensor as element 0 in argument 0, but got list$"):
        pad_sequence([[1]], batch_first=None)
    with pytest.raises(RuntimeError, match="^received an empty list of sequences$"):
        pad_sequence([], padding_side="middle")
    assert raised(lambda: pad_sequence(seqs, True, "a")) == (
        "TypeError", words.format("padding_value", 3, "float", "str"))
    assert raised(lambda: pad_sequence(5)) == (
        "RuntimeError", "pad_sequence: Expected iterable for input sequences, but got arg of type: <class 'int'>")


def test_pad_sequence_takes_what_pytorchs_parser_takes():
    seqs = [nn.tensor([1.0, 2.0]), nn.tensor([3.0])]
    for value, want in ((True, 1.0), (2, 2.0), (np.float32(1.5), 1.5), (np.int64(3), 3.0), (nn.tensor(2.5), 2.5),
                        (nn.tensor(2), 2.0), (nn.tensor(True), 1.0), (nn.tensor(4 + 0j), 4.0), (float("inf"), np.inf)):
        assert pad_sequence(seqs, batch_first=True, padding_value=value).tolist() == [[1.0, 2.0], [3.0, want]]
    assert pad_sequence(seqs, padding_side=b"left").tolist() == [[1.0, 0.0], [2.0, 3.0]]
    ints = pad_sequence([nn.tensor([1, 2]), nn.tensor([3])], True, 2.7)
    assert ints.dtype == nn.int64 and ints.tolist() == [[1, 2], [3, 2]]       # converted as PyTorch's fill: 2
    # memory-transformer-xl 0.1.0's wrapper: pad = partial(pad_sequence, batch_first=True, padding_value=self.pad_value)
    x = [nn.tensor([5, 6, 7]), nn.tensor([8])]
    assert pad_sequence(x, batch_first=True, padding_value=0).tolist() == [[5, 6, 7], [8, 0, 0]]


# ---------------------------------------------------------------------------------------------------------------
# F.pad's value: the same parser's float

def test_pad_value_is_read_as_pytorchs_parser_reads_it():
    x = nn.ones(2)
    assert raised(lambda: F.pad(x, (1, 1), value=nn.tensor([1.0, 2.0]))) == (
        "TypeError", "pad(): argument 'value' (position 4) must be float, not Tensor")
    assert raised(lambda: F.pad(x, (1, 1), value=nn.tensor(2.0, requires_grad=True))) == (
        "TypeError", "pad(): argument 'value' (position 4) must be float, not Tensor")
    assert raised(lambda: F.pad(x, (1, 1), value=nn.tensor(1 + 1j))) == (
        "RuntimeError", "value cannot be converted to type double without overflow")
    assert raised(lambda: F.pad(nn.ones(1, 2, 3), (1, 1), "circular", value=1j)) == (
        "TypeError", "pad(): argument 'value' (position 4) must be float, not complex")
    assert F.pad(x, (1, 1), value=nn.tensor(3 + 0j)).tolist() == [3.0, 1.0, 1.0, 3.0]
    assert F.pad(x, (1, 1), value=nn.tensor(3, dtype=nn.uint8)).tolist() == [3.0, 1.0, 1.0, 3.0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert F.pad(x, (1, 0), value=np.complex128(2 + 1j)).tolist() == [2.0, 1.0, 1.0]
    assert [str(w.message) for w in caught] == ["Casting complex values to real discards the imaginary part"]
    # TimeSformer 0.4.1's token shift: F.pad(t, (0, 0, 0, 0, amt, -amt)), and its masks' F.pad(mask, (1, 0), value=True)
    t = nn.arange(6.0).reshape(1, 3, 1, 2)      # (b, f, n, d): frames shifted by one
    assert F.pad(t, (0, 0, 0, 0, 1, -1)).flatten().tolist() == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]
    assert F.pad(nn.tensor([[False, True]]), (1, 0), value=True).tolist() == [[True, False, True]]


# ---------------------------------------------------------------------------------------------------------------
# linspace / logspace: PyTorch's parser, its 0-d bounds, bool and complex

def test_linspace_and_logspace_refuse_what_pytorchs_parser_refuses():
    got = "{}() received an invalid combination of arguments - got ({}), but expected one of:"
    assert raised(lambda: nn.linspace(-1.0, 1.0, 2.5)) == ("TypeError", got.format("linspace", "float, float, float"))
    assert raised(lambda: nn.linspace(0, 1, steps=2.5)) == (
        "TypeError", got.format("linspace", "int, int, steps=float"))
    assert raised(lambda: nn.linspace(0, 1, True)) == ("TypeError", got.format("linspace", "int, int, bool"))
    assert raised(lambda: nn.linspace(0, 1, nn.tensor(3.0))) == (
        "TypeError", got.format("linspace", "int, int, Tensor"))
    assert raised(lambda: nn.linspace(0, 1)) == ("TypeError", got.format("linspace", "int, int"))
    assert raised(lambda: nn.linspace(None, 1, 3)) == ("TypeError", got.format("linspace", "NoneType, int, int"))
    assert raised(lambda: nn.linspace(start=0, end=1, steps=2.5)) == (
        "TypeError", got.format("linspace", "steps=float, end=int, start=int, "))
    assert raised(lambda: nn.logspace(0, 2, 2.0)) == ("TypeError", got.format("logspace", "int, int, float"))
    assert raised(lambda: nn.logspace(0, 2, 3, base=None)) == (
        "TypeError", got.format("logspace", "int, int, int, base=NoneType"))
    assert raised(lambda: nn.logspace(0, 1, 3, base=1j)) == (
        "TypeError", got.format("logspace", "int, int, int, base=complex"))
    assert raised(lambda: nn.linspace(nn.tensor([-1.0]), 1, 3)) == (
        "RuntimeError",
        "linspace only supports 0-dimensional start and end tensors, but got start with 1 dimension(s).")
    assert raised(lambda: nn.logspace(0, nn.tensor([[1.0]]), 3)) == (
        "RuntimeError", "logspace only supports 0-dimensional start and end tensors, but got end with 2 dimension(s).")
    assert raised(lambda: nn.linspace(0, 1, 2, dtype=nn.bool)) == (
        "NotImplementedError", "\"linspace_cpu\" not implemented for 'Bool'")
    assert nn.linspace(0, 1, 1, dtype=nn.bool).tolist() == [False]     # (one step never reaches the kernel)


def test_linspace_and_logspace_take_what_pytorch_takes():
    # TimeSformer 0.4.1's rotary tables: linspace(-1., 1., steps=h), logspace(0., log(max_freq / 2) / log(2), d, base=2)
    assert nn.linspace(-1.0, 1.0, steps=3).tolist() == [-1.0, 0.0, 1.0]
    scales = nn.logspace(0.0, np.log(10 / 2) / np.log(2), 4, base=2)
    assert scales.dtype == nn.float32 and np.allclose(scales.numpy(), [1.0, 1.7099759, 2.9240177, 5.0], rtol=1e-7)
    assert nn.linspace(0, 1, nn.tensor(3)).tolist() == [0.0, 0.5, 1.0]
    assert nn.linspace(0, 1, np.int64(3)).tolist() == [0.0, 0.5, 1.0]
    assert nn.logspace(0, 1, 3, base=nn.tensor(4.0)).tolist() == [1.0, 2.0, 4.0]
    assert nn.logspace(0, 1, 3, base=True).tolist() == [1.0, 1.0, 1.0]
    z = nn.linspace(0, 1j, 3)
    assert z.dtype == nn.complex64 and z.tolist() == [0j, 0.5j, 1j]
    z = nn.logspace(0, 1j, 2, base=2)
    assert z.dtype == nn.complex64 and np.allclose(z.numpy(), [1, 2 ** 1j], rtol=1e-7)
    nn.set_default_dtype(nn.float64)
    try:
        assert nn.linspace(0, 1j, 2).dtype == nn.complex128
    finally:
        nn.set_default_dtype(nn.float32)


# ---------------------------------------------------------------------------------------------------------------
# Tensor.type: a dtype, a tensor type or its name

def test_tensor_type_refuses_what_pytorch_refuses():
    x = nn.ones(2)
    for arg, words in (("double", "invalid type: 'double'"), ("float64", "invalid type: 'float64'"),
                       ("FloatTensor", "invalid type: 'FloatTensor'"),
                       ("foo.DoubleTensor", "invalid type: 'foo.DoubleTensor'"),
                       (float, "invalid type: 'float'"), (int, "invalid type: 'int'"),
                       (np.float64, "invalid type: 'numpy.float64'"), (nn.Linear, "invalid type: 'Linear'")):
        assert raised(lambda: x.type(arg)) == ("ValueError", words)
    assert raised(lambda: x.type(3)) == ("TypeError", "dtype must be a type, str, or dtype object")
    assert raised(lambda: nn.Linear(2, 2).type("double")) == ("ValueError", "invalid type: 'double'")


def test_tensor_type_takes_what_pytorch_takes():
    x = nn.ones(2)
    assert x.type("torch.DoubleTensor").dtype == nn.float64        # the name as PyTorch code writes it
    assert x.type("nn.LongTensor").dtype == nn.int64               # and as the porting rule writes it
    assert x.type("torch.ComplexFloatTensor").dtype == nn.complex64
    assert x.type("torch.Tensor").dtype == nn.float32
    assert x.type(nn.DoubleTensor).dtype == nn.float64 and x.type(nn.Tensor).dtype == nn.float32
    assert x.type(nn.float64).dtype == nn.float64
    assert nn.ones(2, dtype=nn.complex64).type() == "nn.ComplexFloatTensor"
    assert nn.ones(2, dtype=nn.complex128).type() == "nn.ComplexDoubleTensor"
    # memory-transformer-xl 0.1.0: pos_emb = pos_emb[:, -kv_len:].type(q.dtype)
    pos_emb = nn.zeros(2, 7, 4, requires_grad=True)
    y = pos_emb[:, -5:].type(nn.float64)
    assert y.dtype == nn.float64 and y.shape == (2, 5, 4) and y.requires_grad


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def test_against_pytorch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pad_sequence as torch_pad_sequence

    def outcome(fn):
        """(the builtin classes of what fn raises, its first line) or (its dtype, its values)."""
        try:
            value = fn()
        except Exception as e:  # noqa: BLE001 - the point is which one
            kinds = {c.__name__ for c in type(e).__mro__ if c.__module__ == "builtins"} - {"Exception", "BaseException",
                                                                                           "object"}
            return kinds, str(e).split("\n")[0].replace("torch.", "nn.")
        if isinstance(value, str):
            return value.replace("torch.", "nn.")
        return str(value.dtype).split(".")[-1], np.asarray(value.tolist()).tolist()

    def same(expression):
        theirs = outcome(lambda: eval(expression, {"L": torch, "P": torch_pad_sequence, "np": np}))
        ours = outcome(lambda: eval(expression, {"L": nn, "P": pad_sequence, "np": np}))
        if isinstance(theirs[0], set):      # nn's error classes are PyTorch's (ShapeError: a RuntimeError too)
            assert isinstance(ours[0], set) and theirs[0] <= ours[0] and ours[1] == theirs[1], (expression, ours)
        else:
            assert ours == theirs, expression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for arg in ("None", "1", "np.bool_(True)", "'x'"):
            same(f"P([L.ones(2), L.ones(1)], batch_first={arg})")
        for arg in ("True", "2", "np.float32(1.5)", "L.tensor(2.5)", "L.tensor([2.5])", "'1'", "None", "1j",
                    "L.tensor(1j)", "L.tensor(2., requires_grad=True)", "np.complex128(1+1j)"):
            same(f"P([L.ones(2), L.ones(1)], padding_value={arg})")
            same(f"L.nn.functional.pad(L.ones(2), (1, 1), value={arg})")
        for arg in ("None", "1", "b'left'", "'middle'"):
            same(f"P([L.ones(2), L.ones(1)], padding_side={arg})")
        for expression in ("P([], batch_first=None)", "P(5)", "P([L.ones(2, dtype=L.long), L.ones(1, dtype=L.long)], "
                           "padding_value=2.7)", "L.nn.functional.pad(L.ones(1, 2, 3), (1, 1), 'circular', value=1j)",
                           "L.linspace(-1., 1., 2.5)", "L.linspace(0, 1, steps=2.5)", "L.linspace(0, 1)",
                           "L.linspace(0, 1, L.tensor(3))", "L.linspace(0, 1, True)", "L.logspace(0, 2, 3, base=None)",
                           "L.logspace(0, 1, 3, base=L.tensor(2.))", "L.linspace(L.tensor([-1.]), 1, 3)",
                           "L.linspace(0., 1., 3, dtype=L.bool)", "L.linspace(0., 1., 1, dtype=L.bool)",
                           "L.linspace(0, 1j, 3)", "L.linspace(-1., 1., steps=7)",
                           "L.logspace(0., 2.321928094887362, 4, base=2)", "L.ones(2).type('double')",
                           "L.ones(2).type(float)", "L.ones(2).type(np.float64)", "L.ones(2).type(3)",
                           "L.ones(2).type('torch.DoubleTensor')", "L.ones(2).type(L.LongTensor)",
                           "L.ones(2, dtype=L.complex64).type()", "L.ones(2).type('torch.ComplexDoubleTensor')"):
            same(expression)
