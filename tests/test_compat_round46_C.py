"""memformer 0.3.1 (a memory-augmented encoder-decoder transformer: an encoder that reads a bank of memory slots,
a causal decoder with relative-position buckets, the memory updated by attention and a GRUCell, and
``memory_replay_backprop``, which reruns segment by segment from a replay buffer of memories and calls backward on
each piece) and htm-pytorch 0.0.4 (hierarchical transformer memory: memories cut into chunks, mean-pooled with a
mask, the top-k chunks chosen per query by a single-head attention over the summaries, gathered from an expanded
5-d tensor, attended within, weighted and summed), their wheels, ported file by file by the porting rule
(memformer -> memformerp, htm_pytorch -> htm_pytorchp in their own import lines; nothing else changed) and run
against the originals on PyTorch 2.13 in one process (round 46, area C). einops 0.8.2 on both sides. PyTorch's
weights, moved off their initial values, loaded by ``state_dict``; the same NumPy inputs; float64, with float32
spot checks. memformer (dim 16, 4 memory slots, 2 memory updates, 2 encoder and 2 decoder layers of 4 heads):
three segments carrying the memory, with source and target masks, outputs (encoder output, memory, decoder loss)
and the gradients of a sum over the three; ``memory_replay_backprop`` over 16 tokens (segments of 6, 6, 4) with
masks and over 13 without, then Adam steps, three times; an encoder-only model; ``AutoregressiveWrapper`` on a
list of sequences (``pad_sequence``) and on a tensor with ``ignore_index`` and a mask of the sequence's length;
``top_k`` / ``top_p``; ``generate`` with both filters (``multinomial`` handed over from one NumPy stream per side)
and an end token; ``_relative_position_bucket`` causal and not, five bucket / distance settings, lengths to 2000
(identical). htm-pytorch: ``HTMAttention`` and ``HTMBlock`` over five settings (heads 1-4, chunk sizes 2-5, top-k
1-4, ``add_pos_enc`` off, ``eps``) by five cases (no mask, a memory mask, a chunk attention mask, both, a memory
length that needs padding); the README's size (128 queries, 20000 memories of 512) for time and memory, alike.
Largest relative differences in float64: outputs 1.6e-15, gradients 1e-14 (the replay's), weights after three Adam
steps 1.4e-14, HTM outputs 6.7e-16 and gradients 1.9e-15; float32: outputs 7.1e-7, gradients 8.3e-6, weights
4.6e-6. The larger differences are where the exact gradient is zero: the key half of each ``to_kv.bias`` and
HTM's ``to_summary_keys.bias`` (a bias added to every key shifts each softmax row by a constant), whose gradients
are rounding on both sides (1e-17 of the largest gradient) and which Adam turns into steps of its own on each side
(2.4e-11 relative in float64, 1.9e-2 in float32), as PyTorch does against itself with its memory slots moved by an
ulp (1.8e-11 and 1.3e-2; its other weights 7e-15 and 6.7e-6). The packages' own paths met no failure of nn:
``generate`` passes ``input_mask=`` to a decoder that takes none and an encoder-only model's
``memory_replay_backprop`` unpacks three results from two, both failing alike on both sides.

What the runs led to were the ops the packages use, probed with the dtypes and arguments they meet in other
hands. Still different (not fixed): ``bool << bool`` in place is nn's "result type Char can't be cast to the
desired output type Bool" where PyTorch's kernel says '"lshift_cpu" not implemented for 'Bool'' (NumPy shifts
bools as int8); ``logical_and(t, ndarray)`` computes where PyTorch's parser refuses a NumPy array (nn takes its
own arrays as tensors everywhere, as earlier rounds chose); grad_fn names of composite ops (LayerNormBackward0 for
PyTorch's NativeLayerNormBackward0, CrossEntropyBackward0 for NllLoss2DBackward0); the float64 softmax, einsum and
matmul differ from PyTorch's in the last bit (its vectorised exp, reciprocal and BLAS), as documented.

The failures of nn these tests pin down (the packages are not imported here):

- memformer combines its masks in place, ``mem_mask &= mem_enc_mask``. An in-place bitwise and / or / xor or shift
  of an integer or bool tensor with a floating operand (a float mask, a number such as 2.5) raised the kernel's
  NotImplementedError '"bitwise_and_cpu" not implemented for 'Double'' in nn, where PyTorch first checks that the
  result type fits the tensor: RuntimeError "result type Double can't be cast to the desired output type Bool".
  The same order holds for ``//=`` and ``%=``: ``bool_t //= int_t`` with a zero divisor is that RuntimeError
  ("result type Long ...") in PyTorch, where nn divided first and raised the integer division's RuntimeError
  "ZeroDivisionError".
- ``logical_and`` / ``logical_or`` / ``logical_xor`` (functions, methods, in place) took a number as ``other``
  and ``None`` gave back ``NotImplemented`` as a value; PyTorch's only signature is (Tensor, Tensor), so its parser
  refuses both: "logical_and(): argument 'other' (position 2) must be Tensor, not int" (position 1 for the
  method, none by keyword, "logical_or_(): ..." in place).
"""
import numpy as np
import pytest

import nn
import nn.functional as F


# ---------------------------------------------------------------------------------------------------------------
# in-place bitwise ops: the result type is checked before the kernel

# (tensor, operand, the in-place op, PyTorch 2.13's words)
REFUSED = [
    (lambda: nn.tensor([True, False]), lambda: nn.tensor([1.0, 0.0], dtype=nn.float64), "iand",
     "result type Double can't be cast to the desired output type Bool"),
    (lambda: nn.tensor([True, False]), lambda: 2.5, "ior", "result type Float can't be cast to the desired output "
                                                           "type Bool"),
    (lambda: nn.tensor([1, 0], dtype=nn.uint8), lambda: nn.tensor([1.0, 0.0]), "ixor",
     "result type Float can't be cast to the desired output type Byte"),
    (lambda: nn.tensor([1, 0], dtype=nn.int32), lambda: nn.tensor(2.0, dtype=nn.float64), "ilshift",
     "result type Double can't be cast to the desired output type Int"),
    (lambda: nn.tensor([4, 8]), lambda: 1.5, "irshift", "result type Float can't be cast to the desired output "
                                                        "type Long"),
    (lambda: nn.tensor([4, 8]), lambda: 1j, "iand", "result type ComplexFloat can't be cast to the desired output "
                                                    "type Long"),
    # an integer divisor with a zero: the cast is refused before the division
    (lambda: nn.tensor([True, False]), lambda: nn.tensor([1, 0]), "ifloordiv",
     "result type Long can't be cast to the desired output type Bool"),
    (lambda: nn.tensor([True, False]), lambda: nn.tensor([0, 3], dtype=nn.int32), "imod",
     "result type Int can't be cast to the desired output type Bool"),
]


def _augmented(x, other, op):
    if op == "iand":
        x &= other
    elif op == "ior":
        x |= other
    elif op == "ixor":
        x ^= other
    elif op == "ilshift":
        x <<= other
    elif op == "irshift":
        x >>= other
    elif op == "ifloordiv":
        x //= other
    else:
        x %= other
    return x


@pytest.mark.parametrize("make, other, op, words", REFUSED)
def test_in_place_bitwise_ops_refuse_a_result_type_the_tensor_cannot_hold(make, other, op, words):
    x = make()
    before = x.numpy().copy()
    with pytest.raises(RuntimeError, match="^" + words.replace("(", r"\(").replace(")", r"\)") + "$"):
        _augmented(x, other(), op)
    np.testing.assert_array_equal(x.numpy(), before)       # left unchanged
    # the named in-place methods check first too
    method = {"iand": "bitwise_and_", "ior": "bitwise_or_", "ixor": "bitwise_xor_", "ilshift": "bitwise_left_shift_",
              "irshift": "bitwise_right_shift_", "ifloordiv": "floor_divide_", "imod": "remainder_"}[op]
    with pytest.raises(RuntimeError, match="^result type "):
        getattr(make(), method)(other())


def test_memformer_mask_combination_with_a_float_source_mask():
    # memformer 0.3.1, Memformer.forward (its memory-update mask), with the source mask a float tensor
    num_mem, n, b = 2, 3, 1
    src_mask = nn.tensor([[1.0, 0.0, 1.0]])
    mem_mask = nn.eye(num_mem, num_mem).bool()[None].repeat(b, 1, 1)
    mem_mask = F.pad(mem_mask, (0, n), value=True)
    mem_enc_mask = F.pad(src_mask[:, None, :], (num_mem, 0), value=True)
    with pytest.raises(RuntimeError, match=r"^result type Float can't be cast to the desired output type Bool$"):
        mem_mask &= mem_enc_mask
    # a bool mask, as the package means it, combines
    mem_mask &= F.pad(src_mask[:, None, :].bool(), (num_mem, 0), value=True)
    assert mem_mask.tolist() == [[[True, False, True, False, True], [False, True, True, False, True]]]
    # what the tensor can hold still computes
    m = nn.tensor([True, False, True])
    m &= nn.tensor([True, True, False])
    assert m.tolist() == [True, False, False]
    x = nn.tensor([6, 5], dtype=nn.int32)
    x |= nn.tensor([1, 2])            # int64 into int32: the same kind, written
    x ^= True
    x <<= 1
    assert x.tolist() == [12, 12] and x.dtype == nn.int32
    y = nn.tensor([7, 9])
    y //= 2
    y %= nn.tensor([2, 3], dtype=nn.uint8)
    assert y.tolist() == [1, 1]
    f = nn.tensor([7.0, -3.0])
    f //= nn.tensor([2, 2])           # a floating tensor takes an integer divisor
    assert f.tolist() == [3.0, -2.0]
    with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):     # same kind: the kernel's own refusal
        z = nn.tensor([1, 2])
        z //= nn.tensor([0, 1])
    with pytest.raises(NotImplementedError, match="\"bitwise_and_cpu\" not implemented for 'Float'"):
        g = nn.tensor([1.0])
        g &= nn.tensor([1.0])         # a float tensor: the cast fits, the kernel refuses


# ---------------------------------------------------------------------------------------------------------------
# logical_and / or / xor take a Tensor other only

def test_logical_ops_refuse_a_number_or_none_as_other():
    t = nn.tensor([1, 0, 2])
    cases = [
        (lambda: nn.logical_and(t, 2), "logical_and(): argument 'other' (position 2) must be Tensor, not int"),
        (lambda: t.logical_and(2), "logical_and(): argument 'other' (position 1) must be Tensor, not int"),
        (lambda: t.logical_and(other=2), "logical_and(): argument 'other' must be Tensor, not int"),
        (lambda: nn.logical_and(t, other=3), "logical_and(): argument 'other' must be Tensor, not int"),
        (lambda: nn.logical_or(t, None), "logical_or(): argument 'other' (position 2) must be Tensor, not NoneType"),
        (lambda: nn.logical_xor(t, 1.5), "logical_xor(): argument 'other' (position 2) must be Tensor, not float"),
        (lambda: t.logical_or_(True), "logical_or_(): argument 'other' (position 1) must be Tensor, not bool"),
        (lambda: t.logical_xor_(0), "logical_xor_(): argument 'other' (position 1) must be Tensor, not int"),
        (lambda: nn.logical_and(t, 2, out=nn.empty(3, dtype=nn.bool)),
         "logical_and(): argument 'other' (position 2) must be Tensor, not int"),
    ]
    for call, words in cases:
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value) == words
    assert t.tolist() == [1, 0, 2]
    # tensors, as before
    assert nn.logical_and(t, nn.tensor([1, 1, 0])).tolist() == [True, False, False]
    assert t.logical_or(nn.tensor([0.0, 0.0, 0.0])).tolist() == [True, False, True]
    assert t.logical_xor_(nn.tensor([True, True, False])).tolist() == [0, 1, 1]


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def _outcome(fn):
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - the point is which one
        return type(e).__name__, str(e).splitlines()[0]
    return "ok", str(r.dtype).split(".")[-1], repr(r.tolist())     # (repr: NaN equal to NaN)


def test_in_place_bitwise_and_division_grid_against_pytorch():
    torch = pytest.importorskip("torch")
    import operator     # noqa: PLC0415
    arrays = {"bool": np.array([True, False, True]), "uint8": np.array([1, 0, 3], np.uint8),
              "int32": np.array([1, 2, -3], np.int32), "int64": np.array([1, 0, -3]),
              "float32": np.array([1.0, 0.5, 2.0], np.float32), "float64": np.array([1.0, 4.0, 2.0])}
    ops = [operator.iand, operator.ior, operator.ixor, operator.irshift, operator.ifloordiv, operator.imod,
           lambda a, b: a.bitwise_and_(b), lambda a, b: a.bitwise_or_(b), lambda a, b: a.floor_divide_(b)]
    differ = []
    for i, op in enumerate(ops):
        for a in arrays:
            others = [(b, lambda lib, b=b: lib.tensor(arrays[b])) for b in arrays] + \
                     [(repr(s), lambda lib, s=s: s) for s in (True, 2, 2.5)]
            for name, other in others:
                if a == "bool" and name in ("bool", "True") and op is operator.irshift:
                    continue        # bool >> bool: still different (see the module's docstring)
                theirs = _outcome(lambda: op(torch.tensor(arrays[a]), other(torch)))
                ours = _outcome(lambda: op(nn.tensor(arrays[a]), other(nn)))
                if theirs != ours:
                    differ.append((i, a, name, theirs, ours))
    assert not differ, differ[:5]


def test_logical_ops_against_pytorch():
    torch = pytest.importorskip("torch")
    calls = [lambda lib, t: lib.logical_and(t, 2), lambda lib, t: t.logical_and(2), lambda lib, t: t.logical_or_(True),
             lambda lib, t: lib.logical_xor(t, 1.5), lambda lib, t: t.logical_and(other=2),
             lambda lib, t: lib.logical_and(t, None), lambda lib, t: lib.logical_or(t, other=None),
             lambda lib, t: lib.logical_and(t, lib.tensor([1, 1, 0])),
             lambda lib, t: t.logical_xor_(lib.tensor([1.0, 0, 0])), lambda lib, t: lib.logical_and(2, t)]
    for call in calls:
        theirs = _outcome(lambda: call(torch, torch.tensor([1, 0, 2])))
        assert theirs == _outcome(lambda: call(nn, nn.tensor([1, 0, 2])))
