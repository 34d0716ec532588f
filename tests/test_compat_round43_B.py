"""Round 43, area B: OpenNMT-py 3.5.1 (onmt, its wheel), neural machine translation.

onmt's files were ported by the porting rule (``onmtp``; configargparse 1.9.0 beside it for the options; pyonmttok,
ctranslate2, sacrebleu, waitress, spacy, ahocorasick, rapidfuzz and fasttext, imported for data and serving only,
name-only stubs) and run beside the original on PyTorch 2.13 in one process, float64 as the default dtype on both
sides, PyTorch's weights loaded into the port, dropout masks and ``Categorical.sample`` draws handed over from one
NumPy stream per side: NMTModel / LanguageModel built by ``build_base_model`` for the RNN (dot, general, mlp
attention; LSTM, GRU, brnn, bridge, context gates, coverage, sparsemax, copy attention), CNN, mean and Transformer
encoders / decoders (sinusoidal, relative, bucketed, rotary and ALiBi positions; RMSNorm, gated activations,
multi-query, parallel residual, average attention, alignment, mixture of experts), forward, gradients, LossCompute
(label smoothing, copy, coverage, alignment losses), three steps of onmt's Optimizer (SGD, Adam, Adagrad, Adadelta,
SparseAdam, AdaFactor; noam, noamwd, rsqrt and exponential decay; clipping), eval, state dicts; the Translator and
GeneratorLM with BeamSearch (length / coverage penalties, n-best, n-gram blocking, min length, ratio) and
GreedySearch (top-k / top-p sampling); and the onmt.modules blocks on their own. All agree to 1e-14 in float64 with
onmt's own float32 casts (attention scores, RMSNorm, rotary, the loss) kept in float64 on both sides (1e-7,
float32's rounding, as shipped), rotary positions excepted (their float32 sin / cos table: 1e-11); the same
predictions everywhere. Failures found (nn's):

- GeneratorLM scoring a batch without a target calls ``log_probs.gather(2, None)``: PyTorch's argument parser
  raises TypeError "gather(): argument 'index' (position 2) must be Tensor, not NoneType"; nn's gather took
  anything and raised its dtype check's RuntimeError (and took a list).
- onmt's noam schedule with ``-hidden_size`` left at -1 gives the complex rate (-1) ** -0.5: each PyTorch optimizer
  raises the error of the first op of its update that meets it ("value cannot be converted to type double without
  overflow" for Adam, "For non-complex input tensors, argument alpha must not be a complex number." for SGD and
  Adadelta, ...); nn's kernels raised Python's float() TypeError (Rprop warned and went on).
"""
import numpy as np
import pytest

import nn


# -- gather's index: a Tensor, as PyTorch's parser takes ---------------------------------------------------------

def _score_target(L, log_probs, tgt):
    """onmt.translate.GeneratorLM._score_target: gold_log_probs = log_probs.gather(2, tgt)."""
    return log_probs.gather(2, tgt)


def test_gather_of_a_missing_index_is_the_parsers_type_error():
    lp = nn.zeros(2, 3, 5)
    with pytest.raises(TypeError, match=r"^gather\(\): argument 'index' \(position 2\) must be Tensor, not "
                                        r"NoneType$"):
        _score_target(nn, lp, None)
    with pytest.raises(TypeError, match=r"^gather\(\): argument 'index' \(position 3\) must be Tensor, not "
                                        r"NoneType$"):
        nn.gather(lp, 2, None)
    # by keyword, PyTorch's words name no position (GreedySearch: logits.gather(dim=1, index=topk_ids))
    with pytest.raises(TypeError, match=r"^gather\(\): argument 'index' must be Tensor, not NoneType$"):
        lp.gather(dim=1, index=None)
    with pytest.raises(TypeError, match=r"^gather\(\): argument 'index' must be Tensor, not NoneType$"):
        nn.gather(lp, 1, index=None)
    with pytest.raises(TypeError, match=r"^gather\(\): argument 'index' \(position 3\) must be Tensor, not list$"):
        nn.gather(nn.zeros(3, 4), 1, [[0], [1], [2]])


def test_gather_still_takes_tensors_and_nns_own_arrays():
    x = nn.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    idx = nn.tensor([[1], [0]])
    y = x.gather(1, idx)
    np.testing.assert_array_equal(y.detach().numpy(), [[2.0], [3.0]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(nn.gather(x, 1, index=idx).detach().numpy(), [[2.0], [3.0]])
    np.testing.assert_array_equal(x.detach().gather(1, np.array([[0], [1]])).numpy(), [[1.0], [4.0]])
    with pytest.raises(RuntimeError, match=r"^gather\(\): Expected dtype int32/int64 for index$"):
        x.gather(1, nn.zeros(2, 1))


# -- a complex learning rate --------------------------------------------------------------------------------------

def _noam_decay(step, warmup_steps, model_size):
    """onmt.utils.optimizers.noam_decay."""
    return model_size ** (-0.5) * min(step ** (-0.5), step * warmup_steps ** (-1.5))


_COMPLEX_LR = [
    ("SGD", RuntimeError, r"For non-complex input tensors, argument alpha must not be a complex number\."),
    ("Adadelta", RuntimeError, r"For non-complex input tensors, argument alpha must not be a complex number\."),
    ("Adam", RuntimeError, r"value cannot be converted to type {low} without overflow"),
    ("Adagrad", RuntimeError, r"value cannot be converted to type {low} without overflow"),
    ("RMSprop", RuntimeError, r"value cannot be converted to type {low} without overflow"),
    ("Rprop", RuntimeError, r"value cannot be converted to type {low} without overflow"),
    ("AdamW", RuntimeError, r"result type Complex{up} can't be cast to the desired output type {up}"),
    ("RAdam", RuntimeError, r"result type Complex{up} can't be cast to the desired output type {up}"),
    ("ASGD", TypeError, r"must be real number, not complex"),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, error, words", _COMPLEX_LR)
def test_a_complex_learning_rate_is_refused_in_pytorchs_words(name, error, words, dtype):
    lr = 2.0 * _noam_decay(1, 4000, -1)         # onmt's Optimizer: learning_rate * decay, a model size of -1
    assert isinstance(lr, complex)
    p = nn.Parameter(nn.ones(3, dtype=getattr(nn, dtype)))
    opt = getattr(nn.optim, name)([p], lr=1.0)
    opt.param_groups[0]["lr"] = lr
    opt.step()                                  # no gradient yet: PyTorch's step meets no lr, no error
    p.grad = nn.ones(3, dtype=getattr(nn, dtype))
    up = {"float64": "Double", "float32": "Float"}[dtype]
    with pytest.raises(error, match="^" + words.format(low=up.lower(), up=up) + "$"):
        opt.step()
    np.testing.assert_array_equal(p.detach().numpy(), [1.0, 1.0, 1.0])     # nothing updated


# -- against PyTorch itself, where it is installed ---------------------------------------------------------------

def test_gather_and_complex_lr_words_match_pytorch():
    torch = pytest.importorskip("torch")

    def words(fn):
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - the point is which one
            return type(e).__name__, str(e)
        return None

    cases = [lambda L: L.zeros(2, 3, 5).gather(2, None), lambda L: L.gather(L.zeros(2, 3), 1, None),
             lambda L: L.zeros(2, 3).gather(1, index=None), lambda L: L.gather(L.zeros(3, 4), 1, [[0], [1], [2]])]
    for case in cases:
        assert words(lambda: case(torch)) == words(lambda: case(nn))
    for name, _, _ in _COMPLEX_LR:
        got = []
        for L, P in ((torch, torch.nn.Parameter), (nn, nn.Parameter)):
            p = P(L.ones(3, dtype=L.float64))
            opt = getattr(L.optim, name)([p], lr=1.0)
            opt.param_groups[0]["lr"] = 1j
            p.grad = L.ones(3, dtype=L.float64)
            got.append(words(opt.step))
        assert got[0] == got[1], name
