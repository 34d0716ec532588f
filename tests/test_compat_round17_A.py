"""sentence-transformers 6.3.0 on transformers 5.25.0 (both from the package registry, installed without
dependencies), ported by the porting rule (every .py file; the packages renamed `sentence_transformersp` and
`transformersp` in their own import lines) and run against the originals on PyTorch in float64: tiny BERT, DistilBERT
and MPNet encoders with a hand-written WordPiece vocabulary, loaded through `models.Transformer` + `Pooling` (every
mode) + `Dense` + `Normalize`; `encode`, `cos_sim`, `semantic_search`, `similarity`; training losses over a few
AdamW steps (among them the GradCache losses: CachedMultipleNegativesRankingLoss, CachedGISTEmbedLoss,
MegaBatchMarginLoss); CrossEncoder; save / load both ways. The packages themselves are never imported here.

What these tests pin down: the GradCache losses concatenate the cached embeddings once (`torch.cat`), then index
chunks of the result and call `backward()` once per chunk through the same `cat` node. PyTorch's autograd frees
only saved tensors after a backward, and CatBackward0 (like a slice, a select, split / chunk / unbind, sum, mean,
contiguous, repeat, flip, roll and constant padding) saves none, so a second backward passes through it; nn
released every such node and raised "backward() through a graph a second time". And `save()` writes a model card
whose usage snippet prints the similarity matrix under `torch._tensor_str.printoptions(precision=4, sci_mode=False)`,
which nn lacked (with `get_printoptions`)."""
import numpy as np
import pytest

import nn


def _x():
    return nn.tensor(np.arange(1.0, 5.0).reshape(2, 2), requires_grad=True)


# ---- a second backward through nodes that save no tensor (GradCache: CachedMultipleNegativesRankingLoss) -----------

def test_chunked_backward_through_one_cat_node():
    # CachedMNRL's calculate_loss(with_backward=True): queries = cat(reps) once, one backward per chunk of rows
    a = nn.tensor([[1.0, 2.0]], requires_grad=True)
    b = nn.tensor([[3.0, -1.0]], requires_grad=True)
    queries = nn.cat([a, b])
    for begin, w in ((0, 2.0), (1, 3.0)):
        (queries[begin:begin + 1] * w).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[2.0, 2.0]])
    np.testing.assert_array_equal(b.grad.numpy(), [[3.0, 3.0]])


@pytest.mark.parametrize("op", ["cat", "slice", "select", "narrow", "split", "chunk", "unbind", "sum", "mean",
                                "contiguous", "repeat", "flip", "roll", "pad"])
def test_second_backward_through_a_node_that_saves_nothing(op):
    f = {"cat": lambda x: nn.cat([x, x]), "slice": lambda x: x[1:], "select": lambda x: x[1],
         "narrow": lambda x: x.narrow(0, 0, 1), "split": lambda x: x.split(1)[0], "chunk": lambda x: x.chunk(2)[1],
         "unbind": lambda x: x.unbind(0)[1], "sum": lambda x: x.sum(0), "mean": lambda x: x.mean(0),
         "contiguous": lambda x: x.t().contiguous(), "repeat": lambda x: x.repeat(2, 1),
         "flip": lambda x: x.flip(0), "roll": lambda x: x.roll(1, 0),
         "pad": lambda x: nn.functional.pad(x, (1, 1))}[op]
    x = _x()
    y = f(x)
    (y * 2).sum().backward()
    first = x.grad.numpy().copy()
    (y * 3).sum().backward()                    # PyTorch: no error, the gradients add up
    np.testing.assert_allclose(x.grad.numpy(), first * 2.5)


def test_second_backward_still_refused_where_pytorch_saves_tensors():
    # an index tensor, a product with a tensor and a scalar multiple save tensors in PyTorch: still refused
    for f in (lambda x: x[nn.tensor([1, 0])], lambda x: x * x, lambda x: x * 2, lambda x: x.exp()):
        x = _x()
        y = f(x)
        y.sum().backward()
        with pytest.raises(RuntimeError, match="second time"):
            y.sum().backward()


def test_second_backward_against_pytorch():
    torch = pytest.importorskip("torch")
    ops = [lambda L, x: L.cat([x, x]), lambda L, x: x[1:], lambda L, x: x[1], lambda L, x: x.sum(0),
           lambda L, x: x.mean(0), lambda L, x: x.t().contiguous(), lambda L, x: x.repeat(2, 1),
           lambda L, x: x.flip(0), lambda L, x: x.roll(1, 0), lambda L, x: x.chunk(2)[1]]
    for f in ops:
        grads = []
        for L in (torch, nn):
            x = L.tensor(np.arange(1.0, 5.0).reshape(2, 2), requires_grad=True)
            y = f(L, x)
            (y * 2).sum().backward()
            (y * 3).sum().backward()
            grads.append(x.grad.numpy())
        np.testing.assert_allclose(grads[1], grads[0])


# ---- torch._tensor_str.printoptions / get_printoptions (the model card's usage snippet in save()) ---------------------

def test_printoptions_context_sets_and_restores():
    x = nn.tensor([1e-6, 0.5])
    before = repr(x)
    assert before == "tensor([1.0000e-06, 5.0000e-01])"
    assert nn._tensor_str.get_printoptions() == {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
                                                  "sci_mode": None}
    with nn._tensor_str.printoptions(precision=2, sci_mode=False):
        assert repr(x) == "tensor([0.00, 0.50])"
        assert nn._tensor_str.get_printoptions()["sci_mode"] is False
    assert repr(x) == before
    assert nn._tensor_str.get_printoptions()["precision"] == 4


def test_printoptions_restored_after_an_error():
    with pytest.raises(KeyError):
        with nn._tensor_str.printoptions(precision=1):
            raise KeyError("x")
    assert nn._tensor_str.get_printoptions()["precision"] == 4
