"""The Reformer from the package registry: reformer-pytorch 1.4.4 with product-key-memory 0.3.0 (installed with
--no-deps; its torch dependencies local-attention, axial-positional-embedding, CoLT5-attention and hyper-connections
ported too), ported by the porting rule (reformer_pytorchp, ...) and run against the original on PyTorch 2.13 in
float64 with PyTorch's weights and its random draws handed over: ReformerLM, Reformer, ReformerEncDec, LSHAttention,
LSHSelfAttention, FullQKAttention, the reversible layers with their replayed RNG state, PKM, Autopadder, Recorder
and TrainingWrapper (losses, generate). Values, gradients and Adam steps agreed to rounding.

The failure these tests pin down, in a few lines (the packages are not imported here):

- a backward through Reformer's reversible layers after ``model.eval()`` replays an RNG state that was never
  recorded: ``torch.set_rng_state(None)`` is PyTorch's TypeError "expected a torch.ByteTensor, but got NoneType";
  nn raised a ValueError in its own words. set_rng_state (and Generator.set_state) now refuse in PyTorch's types
  and words: a non-tensor "expected a nn.ByteTensor, but got NoneType", another dtype "RNG state must be a
  nn.ByteTensor" (TypeError), another byte count "Expected a CPUGeneratorImplState of size 37 but found the input
  RNG state size to be 5" (RuntimeError; PyTorch's generator state is 5056 bytes, nn's 37). The errors stay
  ValueErrors too and end in nn's hint, as before.
- ``TrainingWrapper(model)([])`` pads an empty list: ``pad_sequence([])`` is PyTorch's RuntimeError "received an
  empty list of sequences" (a non-tensor element: TypeError "expected Tensor as element 1 in argument 0, but got
  int"); nn raised ValueError "pad_sequence: expected a non-empty list of Tensors" for both.
- PKM's ``EmbeddingBag(..., mode='sum')(indices, per_sample_weights=w)`` with w of another shape is PyTorch's
  ValueError "embedding_bag: If per_sample_weights (torch.Size([2])) is not None, then it must have the same shape
  as the input (torch.Size([1, 2]))"; nn's words were its own.
- ``Reformer(x)`` of a 2-D input chunks ``cat([x, x], -1)`` at dim 2: PyTorch's IndexError "Dimension out of range
  (expected to be in range of [-2, 1], but got 2)"; nn said "chunk: dimension 2 out of range for a 2-D tensor".
  Every op on nn's shared dim check (chunk, split, squeeze, unbind, flip, narrow, unfold, movedim, select,
  diagonal, rot90, diff, cross, ...) now says PyTorch's words; chunk / split of a 0-D tensor are PyTorch's
  RuntimeError "chunk expects at least a 1-dimensional tensor" and unbind's IndexError "Dimension specified as 0
  but tensor has no dimensions" (nn said "tuple index out of range" for all three);
  ``chunk(0)`` is PyTorch's RuntimeError "chunk expects `chunks` to be greater than 0, got: 0", checked before the
  dim (nn: ValueError "chunk: the number of chunks must be positive, got 0").
"""
import numpy as np
import pytest

import nn


def _draws():
    return np.asarray(nn.rand(4)).tolist()


# ---- set_rng_state refuses in PyTorch's types and words ------------------------------------------------------

@pytest.mark.parametrize("bad, kind", [(None, "NoneType"), ([1, 2], "list"), (3, "int"), ({"state": 1}, "dict")])
def test_set_rng_state_refuses_a_non_tensor_with_pytorchs_type_error(bad, kind):
    # PyTorch 2.13: torch.set_rng_state(None) -> TypeError "expected a torch.ByteTensor, but got NoneType" (list,
    # int, dict alike); Reformer's Deterministic.forward(set_rng=True) hands it the None of an eval-mode forward
    with pytest.raises(TypeError, match=rf"^expected a nn\.ByteTensor, but got {kind} "):
        nn.set_rng_state(bad)
    with pytest.raises(TypeError, match=rf"^expected a nn\.ByteTensor, but got {kind} "):
        nn.random.set_rng_state(bad)


@pytest.mark.parametrize("dtype", [nn.float32, nn.int64, nn.bool, nn.int8])
def test_set_rng_state_refuses_another_dtype_with_pytorchs_type_error(dtype):
    # PyTorch 2.13: torch.set_rng_state(torch.zeros(5056)) -> TypeError "RNG state must be a torch.ByteTensor"
    with pytest.raises(TypeError, match=r"^RNG state must be a nn\.ByteTensor "):
        nn.set_rng_state(nn.zeros(37, dtype=dtype))


@pytest.mark.parametrize("n", [0, 5, 36, 38])
def test_set_rng_state_refuses_another_size_with_pytorchs_runtime_error(n):
    # PyTorch 2.13: torch.set_rng_state(torch.zeros(5, dtype=torch.uint8)) -> RuntimeError "Expected a
    # CPUGeneratorImplState of size 5056 but found the input RNG state size to be 5" (nn's state has 37 bytes)
    with pytest.raises(RuntimeError, match=rf"^Expected a CPUGeneratorImplState of size 37 but found the input RNG "
                                           rf"state size to be {n} "):
        nn.set_rng_state(nn.zeros(n, dtype=nn.uint8))


def test_generator_set_state_refuses_in_the_same_words():
    # PyTorch 2.13: torch.Generator().set_state(None) -> TypeError "expected a torch.ByteTensor, but got NoneType"
    with pytest.raises(TypeError, match=r"^expected a nn\.ByteTensor, but got NoneType "):
        nn.Generator().set_state(None)
    with pytest.raises(RuntimeError, match=r"^Expected a CPUGeneratorImplState of size 37 "):
        nn.Generator().set_state(nn.zeros(5, dtype=nn.uint8))


def test_set_rng_state_errors_stay_value_errors_and_states_still_restore():
    # the errors were ValueErrors: code catching those still catches them
    for bad in (None, nn.zeros(37), nn.zeros(5, dtype=nn.uint8)):
        with pytest.raises(ValueError):
            nn.set_rng_state(bad)
    # a state from get_rng_state, as a Tensor or as the array nn.load gives back, replays the same draws; PyTorch
    # counts bytes, not the shape: a (1, 37) view of the state is taken too
    state = nn.get_rng_state()
    first = _draws()
    for again in (state, np.asarray(state), state.reshape(1, 37)):
        nn.set_rng_state(again)
        assert _draws() == first


def test_reversible_backward_in_eval_mode_raises_pytorchs_type_error():
    # Reformer's Deterministic records nn.get_rng_state() only in training; a backward after model.eval() replays
    # its None: PyTorch 2.13 raises TypeError "expected a torch.ByteTensor, but got NoneType" from set_rng_state
    cpu_state = None                                    # what Deterministic.record_rng never set
    with pytest.raises(TypeError, match=r"^expected a nn\.ByteTensor, but got NoneType"):
        with nn.random.fork_rng(devices=[], enabled=True):
            nn.set_rng_state(cpu_state)


def test_set_rng_state_errors_match_torch():
    torch = pytest.importorskip("torch")
    cases = [(None, None), ([1, 2], [1, 2]), (torch.zeros(5056), nn.zeros(37)),
             (torch.zeros(5, dtype=torch.uint8), nn.zeros(5, dtype=nn.uint8))]
    for theirs, ours in cases:
        with pytest.raises(Exception) as et:
            torch.set_rng_state(theirs)
        with pytest.raises(Exception) as en:
            nn.set_rng_state(ours)
        assert isinstance(en.value, type(et.value))
        expected = str(et.value).replace("torch.", "nn.").replace("5056", "37")
        assert str(en.value).startswith(expected + " (")


# ---- pad_sequence and embedding_bag in PyTorch's words ---------------------------------------------------------

def test_pad_sequence_refuses_an_empty_list_with_pytorchs_runtime_error():
    # PyTorch 2.13: pad_sequence([], batch_first=True) -> RuntimeError "received an empty list of sequences"
    # (reformer's TrainingWrapper pads the list it is given); still a ValueError, nn's earlier error
    for empty in ([], ()):
        with pytest.raises(RuntimeError, match=r"^received an empty list of sequences$"):
            nn.utils.rnn.pad_sequence(empty, batch_first=True)
    with pytest.raises(ValueError):
        nn.utils.rnn.pad_sequence([])


@pytest.mark.parametrize("seqs, i, kind", [([1, 2], 0, "int"), ("tensor-then-int", 1, "int"), ([[1.0, 2.0]], 0, "list")])
def test_pad_sequence_refuses_a_non_tensor_with_pytorchs_type_error(seqs, i, kind):
    # PyTorch 2.13: pad_sequence([torch.ones(2), 3]) -> TypeError "expected Tensor as element 1 in argument 0, but
    # got int"
    seqs = [nn.ones(2), 3] if seqs == "tensor-then-int" else seqs
    with pytest.raises(TypeError, match=rf"^expected Tensor as element {i} in argument 0, but got {kind}$"):
        nn.utils.rnn.pad_sequence(seqs)
    # between tensors nothing changes: lengths 2 and 3, batch first -> (2, 3), padded with 0 at the end
    out = nn.utils.rnn.pad_sequence([nn.tensor([1.0, 2.0]), nn.tensor([3.0, 4.0, 5.0])], batch_first=True)
    assert np.asarray(out).tolist() == [[1.0, 2.0, 0.0], [3.0, 4.0, 5.0]]


def test_embedding_bag_per_sample_weights_of_another_shape_in_pytorchs_words():
    # PyTorch 2.13: EmbeddingBag(5, 2, mode='sum')(tensor([[1, 2]]), per_sample_weights=ones(2)) -> ValueError
    # "embedding_bag: If per_sample_weights (torch.Size([2])) is not None, then it must have the same shape as the
    # input (torch.Size([1, 2]))"
    bag = nn.EmbeddingBag(5, 2, mode="sum")
    with pytest.raises(ValueError, match=r"^embedding_bag: If per_sample_weights \(nn\.Size\(\[2\]\)\) is not None, "
                                         r"then it must have the same shape as the input \(nn\.Size\(\[1, 2\]\)\)$"):
        bag(nn.tensor([[1, 2]]), per_sample_weights=nn.ones(2))
    with pytest.raises(ValueError, match=r"\(nn\.Size\(\[3\]\)\) is not None, then it must have the same shape as "
                                         r"the input \(nn\.Size\(\[2\]\)\)$"):
        bag(nn.tensor([1, 2]), offsets=nn.tensor([0]), per_sample_weights=nn.ones(3))
    # the right shape: the weighted sum of rows 1 and 2 (PKM's gated memories)
    w = np.asarray(bag.weight.detach())
    out = bag(nn.tensor([[1, 2]]), per_sample_weights=nn.tensor([[0.5, 2.0]]))
    np.testing.assert_allclose(np.asarray(out.detach()), [0.5 * w[1] + 2.0 * w[2]], rtol=1e-6)


def test_pad_sequence_and_embedding_bag_errors_match_torch():
    torch = pytest.importorskip("torch")
    from torch.nn.utils.rnn import pad_sequence
    for theirs, ours in [([], []), ([torch.ones(2), 3], [nn.ones(2), 3])]:
        with pytest.raises(Exception) as et:
            pad_sequence(theirs)
        with pytest.raises(Exception) as en:
            nn.utils.rnn.pad_sequence(ours)
        assert isinstance(en.value, type(et.value)) and str(en.value) == str(et.value)
    with pytest.raises(ValueError) as et:
        torch.nn.EmbeddingBag(5, 2, mode="sum")(torch.tensor([[1, 2]]), per_sample_weights=torch.ones(2))
    with pytest.raises(ValueError) as en:
        nn.EmbeddingBag(5, 2, mode="sum")(nn.tensor([[1, 2]]), per_sample_weights=nn.ones(2))
    assert str(en.value) == str(et.value).replace("torch.Size", "nn.Size")


# ---- dims out of range in PyTorch's words --------------------------------------------------------------------

_DIM_OPS = {
    "chunk": lambda x: x.chunk(2, 2), "split": lambda x: x.split(1, 2), "squeeze": lambda x: x.squeeze((0, 2)),
    "unbind": lambda x: x.unbind(2), "flip": lambda x: x.flip(2), "narrow": lambda x: x.narrow(2, 0, 1),
    "unfold": lambda x: x.unfold(2, 1, 1), "movedim": lambda x: x.movedim(2, 0), "select": lambda x: x.select(2, 0),
    "diagonal": lambda x: x.diagonal(0, 0, 2), "rot90": lambda x: x.rot90(1, (0, 2)), "diff": lambda x: x.diff(dim=2),
    "tensor_split": lambda x: x.tensor_split(2, 2), "unflatten": lambda x: x.unflatten(2, (1, 3)),
    "repeat_interleave": lambda x: x.repeat_interleave(2, dim=2)}


@pytest.mark.parametrize("op", sorted(_DIM_OPS))
def test_a_dim_out_of_range_is_pytorchs_index_error(op):
    # PyTorch 2.13: torch.ones(2, 3).chunk(2, 2) -> IndexError "Dimension out of range (expected to be in range of
    # [-2, 1], but got 2)" (Reformer's x.chunk(2, dim=2) of a 2-D input); the same words for every op here
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)$"):
        _DIM_OPS[op](nn.ones(2, 3))


def test_a_negative_dim_and_a_0d_tensor_in_pytorchs_words():
    # PyTorch 2.13: ones(2, 3).chunk(2, -3) -> "... [-2, 1], but got -3)"; ones(()).squeeze(1) / flip(1) -> "...
    # [-1, 0], but got 1)"; ones(()).chunk(1, 0) -> RuntimeError "chunk expects at least a 1-dimensional tensor"
    # (split alike); ones(()).unbind(-1) -> IndexError "Dimension specified as 0 but tensor has no dimensions"
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of \[-2, 1\], but got -3\)$"):
        nn.ones(2, 3).chunk(2, -3)
    for fn in (lambda t: t.squeeze(1), lambda t: t.flip(1)):
        with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)$"):
            fn(nn.ones(()))
    for op in ("chunk", "split"):
        with pytest.raises(RuntimeError, match=rf"^{op} expects at least a 1-dimensional tensor$"):
            getattr(nn.ones(()), op)(1, 0)
    for d in (0, -1):
        with pytest.raises(IndexError, match=r"^Dimension specified as 0 but tensor has no dimensions$"):
            nn.ones(()).unbind(d)
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)$"):
        nn.ones(()).unbind(1)
    # in range nothing changes: Reformer's torch.stack(x.chunk(2, dim=-1)).mean(dim=0) of [[1, 2, 3, 4]] -> [[2, 3]]
    x = nn.tensor([[1.0, 2.0, 3.0, 4.0]])
    assert np.asarray(nn.stack(x.chunk(2, dim=-1)).mean(dim=0)).tolist() == [[2.0, 3.0]]
    assert [np.asarray(t).tolist() for t in nn.ones(1, 2).unbind(1)] == [[1.0], [1.0]]


def test_chunk_of_no_chunks_in_pytorchs_words_and_order():
    # PyTorch 2.13: ones(4).chunk(0) -> RuntimeError "chunk expects `chunks` to be greater than 0, got: 0" (also
    # before a dim out of range: ones(2, 3).chunk(0, 5)); a 0-D tensor's error comes first; still a ValueError
    for x, args in [(nn.ones(4), (0,)), (nn.ones(4), (-1,)), (nn.ones(2, 3), (0, 5))]:
        with pytest.raises(RuntimeError, match=rf"^chunk expects `chunks` to be greater than 0, got: {args[0]}$"):
            x.chunk(*args)
    with pytest.raises(ValueError):
        nn.ones(4).chunk(0)
    with pytest.raises(RuntimeError, match=r"^chunk expects at least a 1-dimensional tensor$"):
        nn.ones(()).chunk(0)
    assert [t.shape[0] for t in nn.ones(5).chunk(2)] == [3, 2]


def test_dim_errors_match_torch():
    torch = pytest.importorskip("torch")
    for op, fn in _DIM_OPS.items():
        with pytest.raises(IndexError) as et:
            fn(torch.ones(2, 3))
        with pytest.raises(IndexError) as en:
            fn(nn.ones(2, 3))
        assert str(en.value) == str(et.value), op
