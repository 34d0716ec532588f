"""pi-gan-pytorch 0.0.11 (SIREN generator with FiLM conditioning, CoordConv, the progressive discriminator, the
NeRF-style renderer) and parti-pytorch 0.2.0 (the ViT-VQGAN VAE ``VitVQGanVAE`` and the ``Parti`` transformer), from
their wheels, with what parti imports: vector-quantize-pytorch 1.32.0 (``LFQ``, ``VectorQuantize``),
torch-einops-utils 0.2.0, einops-exts 0.0.4 and loguru 0.7.3, ported file by file by the porting rule
(pi_gan_pytorch -> pi_gan_pytorchp, parti_pytorch -> parti_pytorchp, vector_quantize_pytorch ->
vector_quantize_pytorchp, torch_einops_utils -> torch_einops_utilsp, einops_exts -> einops_extsp in their own import
lines; nothing else changed) and run against the originals on PyTorch 2.13 in one process (round 47, area E).
Both sides had the same name-only stand-ins for torchvision, tqdm, ema-pytorch and transformers (``T5Config`` gives
t5-v1_1-base's width, 768; no T5 weights), and ``cuda.is_available`` answered True only while pi-gan imported (it
asserts CUDA at import). PyTorch's initial weights perturbed by N(0, 0.1^2) and loaded by ``state_dict``, the same
NumPy inputs, every ``rand`` / ``randn`` / ``randint`` / ``randperm`` / ``uniform_`` draw read from one NumPy stream
per side, float64 and float32.

pi-GAN: ``CoordConv`` with and without ``with_r``; ``SirenNet`` with and without bias and with a final activation
under given FiLM gamma / beta; ``get_ray_bundle``, ``compute_query_points_from_rays`` (randomized and not),
``render_volume_density`` and ``get_image_from_nerf_model`` under random rigid camera transforms, other focal
lengths, near / far planes and sample counts, with gradients to the latents, the weights and the camera matrix;
``piGAN``'s full-size state dict and repr; and the Trainer's step by hand (it needs images on disk): discriminator
and generator (small ``init_chan`` / ``max_chan``, init resolutions 4 and 8) through four iterations of hinge losses,
the gradient penalty by ``autograd.grad(create_graph=True)`` every other step, gradient accumulation, Adam with
``betas=(0., 0.9)`` under ``LambdaLR``, ``increase_resolution_`` (the alpha blend of the downsampled image through
``F.interpolate(scale_factor=0.5)``) and ``update_iter_``. Float64: CoordConv 2.7e-16 (outputs) / 5.3e-16
(gradients); rendered images 6.0e-16, rendering gradients 1.4e-15 (latents, camera) and 3.2e-15 (weights);
discriminator outputs 1.4e-15, generator gradients 3.9e-15 and weights after the steps 7.1e-17, discriminator
gradients 1.0e-14 (PyTorch against itself, its real images moved by an ulp: 5.9e-15); SirenNet (its first layer's
sin(30 x)) 7.2e-15 / 2.5e-14 / 4.7e-14 in outputs / input / weight gradients, PyTorch against itself 3.5e-15 /
1.5e-14 / 1.2e-14. Discriminator weights after the steps 2.7e-13: one gradient entry of 8.8e-11 in a tensor whose
largest is 0.03 (a cancellation, equal on both sides to 3.5e-18, an ulp of its terms), which Adam with beta1 = 0
divides by its own size plus eps. Float32: outputs 6.9e-7, gradients 8.3e-6, generator weights 9.0e-9,
discriminator weights 1.4e-4 (the same entry).

parti: ``VitVQGanVAE`` (dim 16, image 16, patch 4, 1 and 2 layers, codebook 16) with LFQ, LFQ sampling half of the
tokens for its entropy (``frac_per_sample_entropy=0.5``, a ``randn(...).argsort()`` draw), the VQ path with
k-means init and cosine similarity (given as ``vq_``-prefixed keywords: the ``vq_kwargs`` argument is overwritten by
the package), hinge and BCE GAN losses, L1 and L2 reconstruction, grayscale images (repeated for the perceptual
net), ``use_vgg_and_gan`` off; a small conv net stood in for VGG16 on both sides (its weights loaded alike).
Reconstruction, the autoencoder loss (reconstruction, perceptual, quantizer aux and the adaptive generator weight
from two ``autograd.grad`` calls on the last decoder layer), the discriminator loss with its gradient penalty,
``get_optimizer``'s AdamW with grouped weight decay for three steps of each, indices, ``get_fmap_from_codebook``,
eval mode and ``copy_for_eval``. ``Parti`` (depth 1 and 2, cond_drop_prob 0.25 and 0.5, text embeddings given
directly, a text mask, ``ignore_index`` labels) for three Adam steps of its loss from token ids and from images
encoded by the VAE, ``forward_with_cond_scale`` and ``generate`` (top-k filtering and Gumbel sampling, the T5
encoder replaced by the same function returning the embeddings on both sides). Both packages compute in float32 on
purpose in places: attention's ``softmax(dim=-1, dtype=torch.float32)`` followed by an einsum with float64 values,
which PyTorch and nn both refuse ("expected scalar type Double but found Float"), so the float64 runs mapped that
softmax's dtype to float64 on both sides; the sinusoidal table's float32 ``sin`` / ``cos`` (float64 coordinates on
both sides in the float64 runs; NumPy's float32 sin differs from PyTorch's by an ulp, as documented); LFQ's
quantization (``force_quantization_f32=True`` by default, also run with False) and VectorQuantize's codebook
(float32 by design). Float64, with float64 quantization: reconstructions 3.2e-15, losses 9.1e-16, indices identical,
gradients 7.6e-13 (PyTorch against itself, its images moved by an ulp: 4.3e-13), weights after the steps 7.0e-13
(PyTorch against itself 1.1e-12), discriminator losses 9.6e-15 and gradients 4.8e-14; the key projection's bias gets
no gradient in exact arithmetic (the softmax over keys is shift-invariant), so both sides hold rounding noise there
(relative difference 2.6) and it is not counted above. As shipped (float32 quantization, the VQ codebook): losses
5.5e-7, weights 3.5e-6. Parti: losses 4.9e-16, gradients 3.5e-15, weights 5.0e-16, guided logits 1.3e-15, generated
tokens identical and decoded images 1.1e-15. Float32: VAE reconstructions 6.6e-7, weights after the steps 1.6e-4
(LFQ's entropy softmax at inverse temperature 100), Parti losses 1.1e-7, gradients 1.4e-6, weights 2.3e-7. Neither
package ships tests.

Still different (not fixed): an Adam / AdamW group keeps one-element tensor betas (and lr) as Python floats where
PyTorch keeps the tensors, keeps two of three given betas (PyTorch keeps the tuple as given; its step then fails) and
keeps a NumPy array of betas as the array (PyTorch: a tuple of NumPy floats). The packages fail alike where they are
at fault: pi-GAN's ``Discriminator`` only has blocks for resolutions 2^7 down (an ``image_size`` below 128 gives a
block-less network whose ``final_conv`` refuses the image), ``EqualLinear(bias=False)`` has no ``self.bias`` to
read; parti's ``Parti.forward`` without ``return_loss`` over a full image's tokens (``images=``) overruns its
relative position table ("The size of tensor a (17) must match the size of tensor b (16)"), ``get_encoded_dim`` is
always called (``default`` evaluates its fallback), and ``get_fmap_from_codebook`` of the VQ path reads a missing
``self.vq``.

The failures of nn these tests pin down (the packages are not imported here):

- ``optim.Adam`` / ``AdamW`` (pi-GAN's Trainer: ``Adam(..., betas=(0, 0.9))``) took an int beta, and a tensor beta
  beside a float one, where PyTorch 2.13 checks, after the values, that both are floats or both tensors: "betas must
  be either both floats or both Tensors" (ValueError). So pi-GAN's Trainer, as shipped, stops there on PyTorch 2.13;
  the comparison ran with ``betas=(0., 0.9)`` on both sides.
- ``optim.Adam`` / ``AdamW`` with ``foreach=True`` and ``capturable=False`` took a tensor lr or tensor betas, where
  PyTorch raises "lr as a Tensor is not supported for capturable=False and foreach=True" ("betas[0] as a Tensor
  ...").
- ``optim.SGD``, ``Adagrad``, ``Adam`` and ``AdamW`` took ``fused=True`` with ``foreach=True``, where PyTorch raises
  RuntimeError "`fused` and `foreach` cannot be `True` together." (after its check of the parameters: an empty list
  is still "optimizer got an empty parameter list").
"""
import numpy as np
import pytest

import nn
from tests.porting import raised


def _params():
    return [nn.zeros(3, requires_grad=True)]


# ---------------------------------------------------------------------------------------------------------------
# Adam / AdamW: the betas' types

@pytest.mark.parametrize("opt", ["Adam", "AdamW"])
def test_adam_refuses_an_int_beta(opt):
    # pi-GAN 0.0.11's Trainer: Adam(self.gan.D.parameters(), betas=(0, 0.9), lr=lr_discr)
    cls = getattr(nn.optim, opt)
    words = ("ValueError", "betas must be either both floats or both Tensors")
    assert raised(lambda: cls(_params(), betas=(0, 0.9), lr=4e-4)) == words
    assert raised(lambda: cls(_params(), betas=[0.9, 0])) == words
    assert raised(lambda: cls(_params(), betas=(np.float32(0.5), 0.9))) == words   # not a Python float
    # the values are checked first: 1 is out of range before it is an int
    assert raised(lambda: cls(_params(), betas=(1, 0.9))) == ("ValueError", "Invalid beta parameter at index 0: 1")
    assert raised(lambda: cls(_params(), betas=(0.5, True))) == ("ValueError",
                                                                 "Invalid beta parameter at index 1: True")
    # floats, NumPy float64s (float subclasses) and two tensors are taken
    assert cls(_params(), betas=(0., 0.9)).param_groups[0]["betas"] == (0.0, 0.9)
    assert cls(_params(), betas=(np.float64(0.5), 0.9)).param_groups[0]["betas"] == (0.5, 0.9)
    cls(_params(), betas=(nn.tensor(0.5), nn.tensor(0.9)))


def test_adam_refuses_a_tensor_beta_beside_a_float():
    words = ("ValueError", "betas must be either both floats or both Tensors")
    assert raised(lambda: nn.optim.Adam(_params(), betas=(nn.tensor(0.5), 0.9))) == words
    assert raised(lambda: nn.optim.AdamW(_params(), betas=(0.5, nn.tensor(0.9)))) == words


def test_adam_betas_type_is_checked_by_the_constructor_only():
    # as PyTorch's: a group added later (or given as a dict) is not checked, and its int beta steps as 0.0
    p = nn.ones(2, dtype=nn.float64, requires_grad=True)
    opt = nn.optim.Adam([{"params": [p], "betas": (0, 0.9)}], lr=0.1)
    p.sum().backward()
    opt.step()
    # beta1 = 0: m = g, v = 0.1 g^2, so the step is lr * g / (sqrt(v / 0.1) + eps) = 0.1 * 1 / (1 + 1e-8)
    np.testing.assert_allclose(p.detach().numpy(), 1 - 0.1 / (1 + 1e-8), rtol=1e-15)
    with pytest.raises(ValueError, match="both floats or both Tensors"):
        nn.optim.Adam([p], betas=(0, 0.9))


@pytest.mark.parametrize("opt", ["Adam", "AdamW"])
def test_adam_tensor_lr_or_betas_with_foreach(opt):
    cls = getattr(nn.optim, opt)
    assert raised(lambda: cls(_params(), lr=nn.tensor(0.1), foreach=True)) == (
        "ValueError", "lr as a Tensor is not supported for capturable=False and foreach=True")
    assert raised(lambda: cls(_params(), betas=(nn.tensor(0.5), nn.tensor(0.9)), foreach=True)) == (
        "ValueError", "betas[0] as a Tensor is not supported for capturable=False and foreach=True")
    # with capturable=True, or without foreach, they are taken
    cls(_params(), lr=nn.tensor(0.1), betas=(nn.tensor(0.5), nn.tensor(0.9)), foreach=True, capturable=True)
    cls(_params(), lr=nn.tensor(0.1), betas=(nn.tensor(0.5), nn.tensor(0.9)), foreach=False)


# ---------------------------------------------------------------------------------------------------------------
# fused and foreach together

@pytest.mark.parametrize("opt", ["SGD", "Adagrad", "Adam", "AdamW"])
def test_fused_and_foreach_together_are_refused(opt):
    cls = getattr(nn.optim, opt)
    assert raised(lambda: cls(_params(), lr=0.1, fused=True, foreach=True)) == (
        "RuntimeError", "`fused` and `foreach` cannot be `True` together.")
    # after the parameters are read
    assert raised(lambda: cls([], lr=0.1, fused=True, foreach=True)) == (
        "ValueError", "optimizer got an empty parameter list")
    cls(_params(), lr=0.1, fused=True, foreach=False)
    cls(_params(), lr=0.1, fused=False, foreach=True)


# ---------------------------------------------------------------------------------------------------------------
# against PyTorch itself

def test_optimizer_constructor_checks_against_pytorch():
    torch = pytest.importorskip("torch")
    calls = [("Adam", dict(betas=(0, 0.9))), ("AdamW", dict(betas=(0.9, 0))), ("Adam", dict(betas=(1, 0.9))),
             ("Adam", dict(betas=(0., 0.9))), ("Adam", dict(betas=[0.5, 0.9])), ("Adam", dict(betas=(False, 0.9))),
             ("Adam", dict(betas=("T", 0.5))), ("AdamW", dict(betas=("T", "T"))), ("Adam", dict(betas=(0.5, "T"))),
             ("Adam", dict(betas=("T", "F"))), ("NAdam", dict(betas=(0, 0.9))),
             ("RAdam", dict(betas=(0, 0.9))), ("Adamax", dict(betas=(0, 0.9))), ("Adam", dict(lr="T", foreach=True)),
             ("Adam", dict(betas=("T", 0.9), foreach=True)), ("AdamW", dict(betas=("T", "T"), foreach=True)),
             ("Adam", dict(betas=("T", "T"), foreach=True, capturable=True)),
             ("Adam", dict(lr="T", foreach=True, capturable=True)), ("Adam", dict(lr="T", foreach=False))]
    calls += [(o, dict(fused=f, foreach=e)) for o in ("SGD", "Adagrad", "Adam", "AdamW")
              for f, e in ((True, True), (True, False), (False, True), (None, True))]
    for name, kw in calls:
        answers = []
        for lib in (torch, nn):
            # "T" / "F": a 0-d tensor 0.5 / 0.9 of that library
            args = {k: (tuple(lib.tensor(0.5) if b == "T" else lib.tensor(0.9) if b == "F" else b for b in v)
                        if k == "betas" else lib.tensor(0.1) if v == "T" else v) for k, v in kw.items()}
            args.setdefault("lr", 0.1)
            try:
                getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], **args)
                answers.append("ok")
            except Exception as e:  # noqa: BLE001 - the point is which one
                answers.append((type(e).__name__, str(e)))
        assert answers[0] == answers[1], (name, kw, answers)
