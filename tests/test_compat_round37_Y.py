"""Text-to-image diffusion from the package registry: imagen-pytorch 2.1.0 (lucidrains'), with ema-pytorch 0.8.3 and
resize-right 0.0.2, installed with --no-deps (beartype, tqdm and pytorch-warmup beside them; transformers / T5 a stub
whose T5Config names t5-v1_1-base's width, text embeddings handed over directly; torchvision, kornia, datasets and
accelerate name-only stubs on both sides), every file ported by the porting rule (imagen_pytorchp, ema_pytorchp,
resize_rightp) and run against the original on PyTorch 2.13 in float64 with PyTorch's weights and PyTorch's random
draws handed over (randn / randn_like / uniform_ / dropout masks / Python's random() recorded, replayed into nn):
Unet in ten configurations, Unet3D, Imagen and ElucidatedImagen cascades (forward losses, 2 Adam steps, sampling with
classifier-free guidance, dynamic thresholding, inpainting, init images, NullUnet + upsampler), EMA, persistence.

The failure these tests pin down, in a few lines (the package is not imported here):

- ``Imagen.forward(images)`` without text embeddings (a user who forgot them) runs
  ``torch.any(text_embeds != 0., dim = -1)`` with ``text_embeds`` None, i.e. ``torch.any(True, dim=-1)``: PyTorch's
  argument parser refuses the bool with a TypeError ("any() received an invalid combination of arguments - got (bool,
  dim=int), ..."); nn's reductions read ``input.ndim`` and raised an AttributeError ("'bool' object has no attribute
  'ndim'"). nn's reductions (sum, mean, any, all, amax, argmax, cumsum, sort, var_mean, ...) now refuse a non-tensor
  input in PyTorch's words: the "invalid combination" line where several of its signatures fit the call, else
  "argument 'input' (position 1) must be Tensor, not bool".
"""
import numpy as np
import pytest

import nn


def _refusal(fn, *args, **kwargs):
    with pytest.raises(TypeError) as info:
        fn(*args, **kwargs)
    return str(info.value).splitlines()[0]


# ---- a reduction of something that is no tensor: PyTorch's parser's TypeError ------------------------------------

def test_any_of_a_bool_as_imagen_without_text_embeds():
    # imagen_pytorch.Imagen.forward: text_masks = default(text_masks, lambda: torch.any(text_embeds != 0., dim = -1))
    text_embeds = None
    # PyTorch 2.13: TypeError "any() received an invalid combination of arguments - got (bool, dim=int), but
    # expected one of: ..." (nn gives the first line; the signatures after it are not repeated)
    assert _refusal(nn.any, text_embeds != 0., dim=-1) == \
        "any() received an invalid combination of arguments - got (bool, dim=int), but expected one of:"
    assert _refusal(nn.all, True) == \
        "all() received an invalid combination of arguments - got (bool), but expected one of:"
    # the check refuses non-tensors only: a tensor's reductions, 0-d ones and the method forms answer as before
    x = nn.tensor([[0.0, 1.5], [0.0, 0.0]])
    assert nn.any(x != 0.0, dim=-1).tolist() == [True, False]
    assert nn.sum(nn.tensor(2.0), dim=0).item() == 2.0
    assert x.amax(dim=0).tolist() == [0.0, 1.5]
    assert nn.count_nonzero(x).item() == 1
    assert nn.sum(nn.tensor([1.0, 2.0], requires_grad=True).data).item() == 3.0     # p.data: a constant tensor
    # a bad dim of a tensor keeps its own words (the dim table's overloads are unchanged from one argument on)
    assert _refusal(x.sort, True) == "sort() received an invalid combination of arguments - got (bool), but expected " \
                                     "one of:"
    assert _refusal(x.count_nonzero, True) == "count_nonzero() received an invalid combination of arguments - got " \
                                              "(bool), but expected one of:"


@pytest.mark.parametrize("name, args, kwargs, message", [
    # (PyTorch 2.13's first line of each)
    ("sum", ([1.0, 2.0],), {}, "sum(): argument 'input' (position 1) must be Tensor, not list"),
    ("sum", (True,), {"dim": -1}, "sum() received an invalid combination of arguments - got (bool, dim=int), but "
                                  "expected one of:"),
    ("mean", (np.ones(2),), {}, "mean(): argument 'input' (position 1) must be Tensor, not numpy.ndarray"),
    ("amax", (True,), {"dim": -1}, "amax(): argument 'input' (position 1) must be Tensor, not bool"),
    ("argmax", (None,), {}, "argmax(): argument 'input' (position 1) must be Tensor, not NoneType"),
    ("cumsum", (3.0, 0), {}, "cumsum(): argument 'input' (position 1) must be Tensor, not float"),
    ("logsumexp", (True, 0), {}, "logsumexp(): argument 'input' (position 1) must be Tensor, not bool"),
    ("count_nonzero", (True,), {}, "count_nonzero(): argument 'input' (position 1) must be Tensor, not bool"),
    ("count_nonzero", (True,), {"dim": 0}, "count_nonzero() received an invalid combination of arguments - got "
                                           "(bool, dim=int), but expected one of:"),
    ("sort", (True,), {}, "sort(): argument 'input' (position 1) must be Tensor, not bool"),
    ("argsort", (True,), {"dim": -1}, "argsort() received an invalid combination of arguments - got (bool, dim=int), "
                                      "but expected one of:"),
    ("var", (True,), {}, "var() received an invalid combination of arguments - got (bool), but expected one of:"),
    ("var_mean", (True,), {}, "var_mean() received an invalid combination of arguments - got (bool), but expected "
                              "one of:"),
    ("max", (True,), {}, "max(): argument 'input' (position 1) must be Tensor, not bool"),
    ("max", (True,), {"dim": 0}, "max() received an invalid combination of arguments - got (bool, dim=int), but "
                                 "expected one of:"),
    ("any", (), {"input": True}, "any() received an invalid combination of arguments - got (input=bool, ), but "
                                 "expected one of:"),
    ("median", (True,), {"dim": 0}, "median(): argument 'input' (position 1) must be Tensor, not bool"),
])
def test_reductions_refuse_a_non_tensor_input_in_pytorchs_words(name, args, kwargs, message):
    assert _refusal(getattr(nn, name), *args, **kwargs) == message


def test_non_tensor_refusals_match_torch():
    torch = pytest.importorskip("torch")
    cases = [("any", (True,), {"dim": -1}), ("all", ([True],), {}), ("sum", (1.0,), {}), ("sum", (1.0,), {"dim": 0}),
             ("mean", (None,), {}), ("prod", (True,), {"dim": 0}), ("amin", (True,), {}), ("argmin", (True,), {}),
             ("count_nonzero", (True,), {}), ("count_nonzero", (True,), {"dim": 0}), ("std", (True,), {}),
             ("std_mean", (True,), {"dim": 0}), ("sort", (True,), {}), ("topk", (True, 1), {}),
             ("nansum", (True,), {}), ("logcumsumexp", (True, 0), {}), ("kthvalue", (True, 1), {})]
    for name, args, kwargs in cases:
        with pytest.raises(TypeError) as theirs:
            getattr(torch, name)(*args, **kwargs)
        assert _refusal(getattr(nn, name), *args, **kwargs) == str(theirs.value).splitlines()[0], name
