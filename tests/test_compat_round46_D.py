"""isab-pytorch 0.3.0 (induced set attention blocks), pause-transformer 0.0.7 (a causal transformer whose tokens
"think" over learned pause tokens) and fast-transformer-pytorch 0.0.4 (Fastformer's additive attention) with its
dependency rotary-embedding-torch (their wheels) ported file by file by the porting rule (packages renamed
isab_pytorchp, pause_transformerp, fast_transformer_pytorchp, rotary_embedding_torchp in their own import lines,
fast-transformer's ``from rotary_embedding_torch import`` included; nothing else changed) and run against the
originals on PyTorch 2.13 in one process (round 46, area D), float64 and float32, the same NumPy inputs, PyTorch's
weights moved by 0.1 x a NumPy normal and loaded into the port by state_dict, each output projected on a NumPy
normal and back-propagated, then 3 Adam steps (lr 1e-3; one run 5 SGD-with-momentum steps) on both sides.
ISAB: heads 1 and 4, learned latents or latents given (2-d, repeated over the batch, and 3-d), ``latent_self_attend``
on and off, ``inverted_attention`` (slot-attention softmax over the latents, then an L1 ``F.normalize``) on and off,
key masks (one batch row fully masked, too), a set of one element, both outputs, gradients to the input and to
given latents, the assertion when latents are learned and given (or neither). PauseTransformer: 1, 2 and 3 pause
tokens, depth 1 and 2, logits, ``return_loss``, ``return_logit_entropy``, ``arrest_pausing``,
``no_prev_pause_integration``, given ``pause_lengths`` (also all zero, which arrests pausing), and
``rand_uniform_pausing`` with its ``torch.randint`` draws read from one NumPy stream per side, sequences of 6 and 1.
FastTransformer: rotary or absolute positions, depth 1 and 3 (its tied query / key logit projections), heads 1 and
4, sequences as long as ``max_seq_len`` and shorter, all-true, random and fully masked key masks. The package calls
``RotaryEmbedding.forward(t, cache_key=...)``, which rotary-embedding-torch 0.2.x takes and 0.3 and later do not:
with 0.9.1 (what pip gives) every rotary model fails alike on both sides ("RotaryEmbedding.forward() got an
unexpected keyword argument 'cache_key'"), so the rotary models ran with rotary-embedding-torch 0.2.7, ported the
same way; absolute positions ran with both. State-dict keys, parameter names, reprs and the package's assertion
messages identical; warnings made errors (none on either side).

Largest differences (float64, relative to each output's scale): outputs 2.0e-15, parameter gradients 4.7e-15, input
and given-latent gradients 8.8e-16, weights after 3 Adam steps 1.9e-14; 5 SGD steps (lr 0.1, momentum 0.9) of an
ISAB 2.0e-14 in gradients and 1.9e-14 in weights (PyTorch against itself with the input moved by an ulp: 2.2e-14,
1.8e-14). Three cases are larger, and PyTorch shows each against itself: ISABs with given 2-d latents and inverted
attention, 6.5e-14 to 1.5e-12 in weights after the Adam steps (4 heads, self-attending: outputs 3.9e-15, gradients
4.2e-14 from the second step; its ``attn2.to_q`` gradient has entries of 2.5e-9 against a largest of 0.09, and Adam's
first steps divide each entry by its own size; PyTorch with the input moved by an ulp: 5.9e-14 and 2.0e-12); a
PauseTransformer's loss with given pause lengths, 3.4e-14 in gradients from the second step and 2.6e-13 in weights
(an entry of ``integrate_prev_pause``'s weight gradient of -2.58e-8, cancelled from terms of 0.05, where Adam's eps of
1e-8 is of its size: PyTorch with the token embedding moved by an ulp moves that entry by 1.7e-18, nn's rounding by
1.3e-17; the first step's gradients agree to 1.0e-15); an ISAB on a set of one element, whose query-projection
gradients are zero in exact arithmetic (one key, a softmax of 1) and rounding on both sides (2.5e-17 against
gradients of O(1)). Float32: outputs 6.9e-7, gradients 2.9e-6, weights after 3 Adam steps 9.3e-6 (the three cases
above: 8.8e-7, 1.9e-5, 3.2e-4).

Still different (not fixed): ``F.normalize(x, eps=0)`` of an all-zero row: PyTorch's gradient there is NaN for
p = 1 and 2 (its clamp_min passes the gradient at equality, 0 / 0 through the norm), nn's inf, and nn's forward
warns NumPy's "invalid value encountered in divide" where PyTorch is silent (the packages pass eps = 1e-8 and
1e-12); ``randint(2, size=(2.0,))`` names the float element where PyTorch says "argument 'size' must be tuple of
ints, not tuple" (both TypeErrors).
The packages' own bugs fail alike on both sides: pause-transformer's causal mask is ``torch.ones(...).triu(...)``,
a float mask, which ``masked_fill`` refuses ("masked_fill_ only supports boolean masks, but got mask with dtype
float"), so every forward fails; it ran with ``.bool()`` added to that one line on both sides. fast-transformer's
``mask`` argument is required (``rearrange(None)``: einops' "Tensor type unknown to einops <class 'NoneType'>"),
and its rotary path needs rotary-embedding-torch < 0.3 (above). None of the packages ships tests in its wheel.

The failures of nn these tests pin down (the packages are not imported here):

- ``randint`` (pause-transformer's ``torch.randint(0, self.max_pause_length, x.shape)``) took a float or bool bound
  and drew from it (``randint(0, 2.5, (2,))``, ``randint(0.5, 3.5, (4,))``), where PyTorch's parser takes int
  bounds only: in the (high, size) form with no other keyword it names the argument ("randint(): argument 'high'
  (position 1) must be int, not float"), otherwise "randint() received an invalid combination of arguments - got
  (int, float, tuple), but expected one of:"; ``randint_like`` likewise in its own name ("randint_like() received an
  invalid combination of arguments - got (Tensor, float), ...").
- The size likewise: nn drew ``randint(0, 2, 2)`` as ``randint(0, 2, (2,))`` and ``randint(0, 3, (2,), None)``
  ignoring the fourth argument, where PyTorch refuses both ("got (int, int, int)"); ``randint(2, 3)``, ``randint(2,
  (2.0,))``, ``randint(5)`` and ``randint(low=0, high=5, size=None)`` raised nn's own words ("randint needs high and
  size ...", "a size must be an int ...") where PyTorch names the size ("randint(): argument 'size' (position 2) must
  be tuple of ints, not int") or finds no signature.
"""
import numpy as np
import pytest

import nn

COMBINATION = "{}() received an invalid combination of arguments - got ({}), but expected one of:"


def first_line(fn):
    with pytest.raises(TypeError) as info:
        fn()
    return str(info.value).splitlines()[0]


# ---------------------------------------------------------------------------------------------------------------
# randint's bounds as PyTorch's argument parser reads them

# (call, PyTorch 2.13's TypeError, first line)
REFUSED = [
    (lambda: nn.randint(0, 2.5, (2,)), COMBINATION.format("randint", "int, float, tuple")),
    (lambda: nn.randint(0.5, 3.5, (4,)), COMBINATION.format("randint", "float, float, tuple")),
    (lambda: nn.randint(True, 3, (2,)), COMBINATION.format("randint", "bool, int, tuple")),
    (lambda: nn.randint(0, None, (2,)), COMBINATION.format("randint", "int, NoneType, tuple")),
    (lambda: nn.randint(0.0, 3, size=(2,)), COMBINATION.format("randint", "float, int, size=tuple")),
    (lambda: nn.randint(0, 3.0, size=(2,), dtype=nn.int32),
     COMBINATION.format("randint", "int, float, dtype=torch.dtype, size=tuple")),
    (lambda: nn.randint(low=0.0, high=3, size=(2,)),
     COMBINATION.format("randint", "size=tuple, high=int, low=float, ")),
    (lambda: nn.randint(0.0, (2,), dtype=nn.float32), COMBINATION.format("randint", "float, tuple, dtype=torch.dtype")),
    # the (high, size) form alone: its one signature names the argument
    (lambda: nn.randint(2.5, (2,)), "randint(): argument 'high' (position 1) must be int, not float"),
    (lambda: nn.randint(True, (2,)), "randint(): argument 'high' (position 1) must be int, not bool"),
    (lambda: nn.randint(None, (2,)), "randint(): argument 'high' (position 1) must be int, not NoneType"),
    (lambda: nn.randint(3.0, size=(2,)), "randint(): argument 'high' (position 1) must be int, not float"),
    (lambda: nn.randint(high=3.0, size=(2,)), "randint(): argument 'high' must be int, not float"),
    # and the size: a tuple of ints, not an int (nn drew randint(0, 2, 2) as randint(0, 2, (2,))), no float in it
    (lambda: nn.randint(0, 2, 2), COMBINATION.format("randint", "int, int, int")),
    (lambda: nn.randint(0, 2, (2.0,)), COMBINATION.format("randint", "int, int, tuple")),
    (lambda: nn.randint(2, 3), "randint(): argument 'size' (position 2) must be tuple of ints, not int"),
    (lambda: nn.randint(2, (2.0,)),
     "randint(): argument 'size' (position 2) must be tuple of ints, but found element of type float at pos 0"),
    (lambda: nn.randint(2, (2, 3.0)),
     "randint(): argument 'size' failed to unpack the object at pos 2 with error \"type must be tuple of ints,but got "
     "float\""),
    (lambda: nn.randint(5), COMBINATION.format("randint", "int")),
    (lambda: nn.randint(0, 3, (2,), None), COMBINATION.format("randint", "int, int, tuple, NoneType")),
    (lambda: nn.randint(low=0, high=5, size=None), COMBINATION.format("randint", "size=NoneType, high=int, low=int, ")),
    (lambda: nn.randint_like(nn.zeros(2), 3.0), COMBINATION.format("randint_like", "Tensor, float")),
    (lambda: nn.randint_like(nn.zeros(2), 0, 3.0), COMBINATION.format("randint_like", "Tensor, int, float")),
    (lambda: nn.randint_like(nn.zeros(2), 0.0, 3), COMBINATION.format("randint_like", "Tensor, float, int")),
]


@pytest.mark.parametrize("k", range(len(REFUSED)))
def test_randint_refuses_a_bound_that_is_no_int_in_pytorchs_words(k):
    call, words = REFUSED[k]
    assert first_line(call) == words


def test_randint_draws_from_int_bounds_and_refuses_the_same_call_with_a_float_one():
    # pause-transformer's draw of pause lengths: randint(0, max_pause_length, x.shape), int64 in [0, 2)
    x = nn.zeros(3, 5, dtype=nn.int64)
    draws = nn.randint(0, 2, x.shape)
    assert draws.dtype == nn.int64 and tuple(draws.shape) == (3, 5) and set(draws.unique().tolist()) <= {0, 1}
    with pytest.raises(TypeError):
        nn.randint(0, 2.0, x.shape)
    # (accepted call: int64 values in [0, 5) of shape (3,), the same call with a float bound: PyTorch's TypeError)
    pairs = [(lambda: nn.randint(5, (3,)), lambda: nn.randint(5.0, (3,))),
             (lambda: nn.randint(5, size=(3,)), lambda: nn.randint(5.0, size=(3,))),
             (lambda: nn.randint(high=5, size=(3,)), lambda: nn.randint(high=5.0, size=(3,))),
             (lambda: nn.randint(0, 5, [3]), lambda: nn.randint(0.0, 5, [3])),
             (lambda: nn.randint(low=0, high=5, size=(3,)), lambda: nn.randint(low=0, high=5.0, size=(3,))),
             (lambda: nn.randint(np.int64(0), nn.tensor(5), (3,)), lambda: nn.randint(np.float64(0), 5, (3,))),
             (lambda: nn.randint(nn.tensor(5), nn.Size([3])), lambda: nn.randint(False, nn.Size([3])))]
    for accepted, refused in pairs:
        t = accepted()
        assert t.dtype == nn.int64 and tuple(t.shape) == (3,) and 0 <= t.min().item() and t.max().item() < 5
        with pytest.raises(TypeError):
            refused()
    t = nn.randint(1, 3, (4,), dtype=nn.float32)
    assert t.dtype == nn.float32 and set(t.tolist()) <= {1.0, 2.0}
    u = nn.randint_like(nn.zeros(4), 3)
    assert u.dtype == nn.float32 and set(u.tolist()) <= {0.0, 1.0, 2.0}
    v = nn.randint_like(nn.zeros(4, dtype=nn.int64), 1, 3)
    assert v.dtype == nn.int64 and set(v.tolist()) <= {1, 2}
    assert nn.randint_like(nn.zeros(2), high=3).shape == (2,) and nn.randint_like(nn.zeros(2), low=1, high=3).min() >= 1
    with pytest.raises(TypeError):
        nn.randint_like(nn.zeros(2), high=3.0)
    # the bounds' own check comes after the types (a RuntimeError from the kernel)
    with pytest.raises(RuntimeError, match="random_ expects 'from' to be less than 'to', but got from=3 >= to=3"):
        nn.randint(3, 3, (2,))


def test_randint_refusals_are_pytorchs():
    torch = pytest.importorskip("torch")
    calls = [((0, 2.5, (2,)), {}), ((0.5, 3.5, (4,)), {}), ((True, 3, (2,)), {}), ((0, None, (2,)), {}),
             ((0.0, 3), {"size": (2,)}), ((0, 3.0), {"size": (2,), "dtype": "int32"}),
             ((), {"low": 0.0, "high": 3, "size": (2,)}), ((0.0, (2,)), {"dtype": "float32"}), ((2.5, (2,)), {}),
             ((True, (2,)), {}), ((None, (2,)), {}), ((3.0,), {"size": (2,)}), ((), {"high": 3.0, "size": (2,)}),
             ((0, 2, 2), {}), ((0, 2, (2.0,)), {}), ((2, 3), {}), ((2, 2.0), {}), ((2, (2.0,)), {}),
             ((2, (2, 3.0)), {}), ((2, (True,)), {}), ((5,), {}), ((), {"high": 5}), ((0, 3, (2,), None), {}),
             ((2, (2.0,)), {"dtype": "int32"}), ((), {"low": 0, "high": 5, "size": None})]
    for args, kwargs in calls:
        theirs = first_line(lambda: torch.randint(*args, **{k: getattr(torch, v) if k == "dtype" else v
                                                             for k, v in kwargs.items()}))
        ours = first_line(lambda: nn.randint(*args, **{k: getattr(nn, v) if k == "dtype" else v
                                                       for k, v in kwargs.items()}))
        assert ours == theirs, (args, kwargs)
    for bounds in ((3.0,), (0, 3.0), (0.0, 3)):
        assert (first_line(lambda: nn.randint_like(nn.zeros(2), *bounds))
                == first_line(lambda: torch.randint_like(torch.zeros(2), *bounds)))
    # the accepted forms draw the same kinds of values
    for args in ((5, (3,)), (0, 5, (3,)), (np.int64(1), 5, (3,)), (5, [2, True]), (5, ())):
        assert torch.randint(*args).dtype == torch.int64 and nn.randint(*args).dtype == nn.int64
        assert tuple(torch.randint(*args).shape) == tuple(nn.randint(*args).shape)
