"""segmentation_models_pytorch (smp) 0.6.0 from the package registry, with timm 1.0.31 beneath it (both
`pip install --no-deps --target`, a private folder) and round 18's ported torchvision 0.28.0, ported by the porting
rule (smp 91 .py files, 69 changed; timm 304 / 267) as `smpp` / `timmp2` and run against the originals on PyTorch in
float64 with PyTorch's perturbed weights and the same inputs: Unet, UnetPlusPlus, FPN, PSPNet, DeepLabV3,
DeepLabV3Plus, Linknet, MAnet, PAN, UPerNet and Segformer on smp's resnet18 / resnet34 / mobilenet_v2 / efficientnet-b0 /
mit_b0 encoders and timm's (`tu-resnet18`, `timm-efficientnet-b0`) (forward, loss, input and parameter gradients,
weights after 3 Adam steps, eval, `predict`), the `aux_params` head, `in_channels` 1 and 5 (`patch_first_conv`), `save_pretrained` / `from_pretrained` on a local
folder and state dicts both ways; the Dice, Jaccard, Tversky, Focal, Lovasz, SoftBCEWithLogits, SoftCrossEntropy and
MCC losses in their modes; `smp.metrics.get_stats` and the 17 metric functions with every reduction. The failure this
file pins down, reproduced in a few lines (smp itself is never imported here): `torch.dot` of a float64 and a
float32 vector is PyTorch's RuntimeError (smp's Lovasz losses do that with float64 logits: they fail on PyTorch and
returned a number on nn), and its shape errors are PyTorch's."""
import numpy as np
import pytest

import nn


# ---- torch.dot refuses operands of two dtypes (smp's Lovasz losses call torch.dot(errors, grad) with float64
# errors and float32 grad: PyTorch raises, nn promoted and returned a number) ----------------------------------------

def test_dot_refuses_two_dtypes_in_pytorchs_words():
    with pytest.raises(RuntimeError, match="dot : expected both vectors to have same dtype, but found Double and Float"):
        nn.dot(nn.ones(3, dtype=nn.float64), nn.ones(3, dtype=nn.float32))
    with pytest.raises(RuntimeError, match="dot : expected both vectors to have same dtype, but found Float and Long"):
        nn.ones(3, dtype=nn.float32).dot(nn.arange(3))
    with pytest.raises(RuntimeError, match="dot : expected both vectors"):
        nn.vdot(nn.ones(2, dtype=nn.float64), nn.ones(2, dtype=nn.float32))


def test_dot_shape_errors_in_pytorchs_words():
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 1D tensors"):
        nn.dot(nn.ones(3, 1), nn.ones(3))
    with pytest.raises(RuntimeError, match=r"inconsistent tensor size, expected tensor \[3\] and src \[4\] to have the "
                                           r"same number of elements, but got 3 and 4 elements respectively"):
        nn.dot(nn.ones(3), nn.ones(4))
    x = nn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = nn.dot(x, nn.tensor([4.0, 5.0, 6.0]))
    y.backward()
    assert y.item() == 32.0 and x.grad.tolist() == [4.0, 5.0, 6.0]
    assert nn.dot(nn.arange(3), nn.arange(3)).item() == 5
