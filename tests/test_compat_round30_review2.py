"""Second review of compatibility round 30 (d3871fd, the first review and leftovers): what it changed, each test
failing on d3871fd's nn.

1. interpolate with antialias=True checked antialias before the sizes: its early call of the argument checks had no
   input rank, so a size of the wrong length (size=(6, 7) for an (N, C, L) input) got the antialias error, and an
   unknown mode with antialias got nn's build-time mode error. PyTorch 2.13 checks align_corners, size /
   scale_factor (both, neither, their length against the input's spatial dims), recompute_scale_factor, then
   antialias, then the mode: ValueError "Input and output must have the same number of spatial dimensions, but got
   input with spatial dimensions of [5] and output size of (6, 7). ..." and, for mode='bogus' with antialias on a
   4-D input, ValueError "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a
   4-D tensor as input".
2. AlphaDropout and FeatureAlphaDropout layers built with inplace=True: PyTorch 2.13's forward calls
   F.alpha_dropout(input, p, training) / F.feature_alpha_dropout(input, p, training), without inplace: the layer
   returns a new tensor, the input is untouched, and a leaf that requires grad is no error. nn's layers passed
   inplace on and wrote into the input (RuntimeError "a leaf Variable that requires grad is being used in an
   in-place operation." for a leaf). The functions keep inplace=True, as PyTorch's.
3. The dropouts' checks before an in-place write. PyTorch 2.13 checks p first (ValueError "dropout probability has
   to be between 0 and 1, but got 1.5"), then dropout1d's rank (RuntimeError "dropout1d: Expected 2D or 3D input,
   but received a 4D input. ..."), then the feature kernels' "Feature dropout requires at least 2 dimensions in the
   input" (for p in (0, 1) in training; p = 1 takes any rank) and only then writes (a leaf's in-place error). nn
   wrote first: the leaf's error (or the rank error) where PyTorch's p or rank error comes.
4. dropout3d unsqueezes every input but a 5-D one in place (unsqueeze_, whatever p and training): a leaf that
   requires grad of 1, 2, 3 or 6 dims with inplace=True is refused ("a leaf Variable that requires grad is being
   used in an in-place operation."), in eval too; the leftovers' fix refused only 4-D inputs.
5. feature_alpha_dropout of a 1-D input in training (0 < p < 1): PyTorch raises "Feature dropout requires at least 2
   dimensions in the input"; nn drew a mask of the input's shape.
"""
import re

import numpy as np
import pytest

import nn
import nn.functional as F

ANTIALIAS_WORDS = ("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                   "tensor as input")


def test_interpolate_with_antialias_checks_the_size_length_first():
    x = nn.tensor(np.ones((1, 2, 5)))
    with pytest.raises(ValueError, match=r"^Input and output must have the same number of spatial dimensions, but "
                                         r"got input with spatial dimensions of \[5\] and output size of \(6, 7\)\."):
        F.interpolate(x, size=(6, 7), mode="bilinear", antialias=True)
    with pytest.raises(ValueError, match=r"^Input and scale_factor must have the same number of spatial dimensions"):
        F.interpolate(nn.tensor(np.ones((1, 2, 4, 5))), scale_factor=(2.0,), mode="bicubic", antialias=True)


def test_interpolate_with_antialias_checks_antialias_before_the_mode():
    x = nn.tensor(np.ones((1, 2, 4, 5)))
    for mode in ("bogus", "nearest", "area"):
        with pytest.raises(ValueError) as e:
            F.interpolate(x, size=(6, 7), mode=mode, antialias=True)
        assert str(e.value) == ANTIALIAS_WORDS
    with pytest.raises(ValueError) as e:          # an input of 2 dims: antialias's error, before the rank's
        F.interpolate(nn.tensor(np.ones((2, 5))), size=4, mode="bilinear", antialias=True)
    assert str(e.value) == ANTIALIAS_WORDS


def test_interpolate_with_antialias_still_resizes():
    # guard: the calls PyTorch accepts (bilinear and bicubic, size or scale_factor, recompute_scale_factor False)
    x = nn.tensor(np.arange(20.0).reshape(1, 1, 4, 5))
    assert tuple(F.interpolate(x, size=(2, 3), mode="bilinear", antialias=True).shape) == (1, 1, 2, 3)
    assert tuple(F.interpolate(x, scale_factor=0.5, mode="bicubic", antialias=True,
                               recompute_scale_factor=False).shape) == (1, 1, 2, 2)
    y = F.interpolate(nn.tensor(np.ones((1, 1, 4, 6))), size=(2, 3), mode="bilinear", antialias=True)
    np.testing.assert_allclose(y.numpy(), np.ones((1, 1, 2, 3)))        # a constant stays constant


@pytest.mark.parametrize("layer", [nn.AlphaDropout, nn.FeatureAlphaDropout])
def test_alpha_dropout_layers_ignore_inplace_as_pytorchs(layer):
    nn.manual_seed(0)
    data = np.arange(1.0, 25.0).reshape(2, 3, 4)
    x = nn.tensor(data.copy(), requires_grad=True)        # a leaf: an in-place write would be refused
    m = layer(p=0.5, inplace=True)
    assert m.inplace is True                              # the attribute is kept, as PyTorch's
    y = m(x)
    assert y is not x and y.requires_grad
    np.testing.assert_array_equal(x.detach().numpy(), data)      # the input is untouched
    assert not np.array_equal(y.detach().numpy(), data)
    y.sum().backward()
    assert x.grad is not None and x.grad.shape == x.shape
    z = nn.tensor(data.copy()) * 1                        # a non-leaf: still a new tensor, its data unchanged
    assert m(z) is not z
    np.testing.assert_array_equal(z.numpy(), data)


@pytest.mark.parametrize("fn", [F.alpha_dropout, F.feature_alpha_dropout])
def test_alpha_dropout_functions_keep_inplace(fn):
    # guard: the functions still write into the input with inplace=True (PyTorch's F.alpha_dropout_ does)
    nn.manual_seed(0)
    z = nn.tensor(np.arange(1.0, 25.0).reshape(2, 3, 4))
    assert fn(z, 0.5, True, inplace=True) is z


def test_interpolate_and_alpha_dropout_against_torch():
    torch = pytest.importorskip("torch")
    for shape, kw in (((1, 2, 5), dict(size=(6, 7), mode="bilinear")), ((1, 2, 4, 5), dict(size=(6, 7), mode="bogus")),
                      ((2, 5), dict(size=4, mode="bilinear")), ((1, 2, 4, 5), dict(size=(6, 7, 8), mode="bicubic"))):
        words = []
        for lib, f in ((torch, torch.nn.functional.interpolate), (nn, F.interpolate)):
            with pytest.raises(ValueError) as e:
                f(lib.tensor(np.ones(shape)), antialias=True, **kw)
            words.append(str(e.value))
        assert words[0] == words[1]
    for name in ("AlphaDropout", "FeatureAlphaDropout"):
        t = torch.ones(2, 3, 4, requires_grad=True)
        assert getattr(torch.nn, name)(inplace=True)(t) is not t


LEAF_WORDS = "a leaf Variable that requires grad is being used in an in-place operation."
DROPOUTS = [F.dropout, F.dropout1d, F.dropout2d, F.dropout3d, F.alpha_dropout, F.feature_alpha_dropout]


@pytest.mark.parametrize("fn", DROPOUTS)
def test_dropout_checks_p_before_an_inplace_write(fn):
    shape = {F.dropout1d: (2, 3, 4), F.dropout3d: (2, 3, 2, 2, 2)}.get(fn, (2, 3, 4, 4))
    x = nn.tensor(np.ones(shape), requires_grad=True)
    with pytest.raises(ValueError, match=r"^dropout probability has to be between 0 and 1, but got 1\.5$"):
        fn(x, 1.5, True, inplace=True)


def test_dropout1d_checks_the_rank_before_an_inplace_write():
    x = nn.tensor(np.ones((2, 3, 4, 5)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^dropout1d: Expected 2D or 3D input, but received a 4D input\."):
        F.dropout1d(x, 0.5, True, inplace=True)
    with pytest.raises(ValueError, match="dropout probability"):          # p before the rank
        F.dropout1d(nn.tensor(np.ones((2, 3, 4, 5))), 1.5, False)


@pytest.mark.parametrize("fn", [F.dropout2d, F.feature_alpha_dropout])
def test_feature_dropouts_check_the_rank_before_writing(fn):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # (dropout2d's deprecated-rank warning)
        for inplace in (True, False):
            x = nn.tensor(np.ones(3), requires_grad=True)
            with pytest.raises(RuntimeError, match=r"^Feature dropout requires at least 2 dimensions in the input$"):
                fn(x, 0.5, True, inplace=inplace)
        # p = 1 zeroes without a noise: any rank
        np.testing.assert_array_equal(fn(nn.tensor(np.ones(3)), 1.0, True).numpy(), np.zeros(3))


@pytest.mark.parametrize("shape", [(3,), (3, 4), (2, 3, 4), (1, 2, 3, 2, 2, 2)])
def test_dropout3d_inplace_refuses_a_leaf_of_any_rank_but_five(shape):
    import warnings
    for p, training in ((0.5, False), (0.0, True)):
        x = nn.tensor(np.ones(shape), requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")             # (the deprecated ranks' warning)
            with pytest.raises(RuntimeError, match=re.escape(LEAF_WORDS)):
                F.dropout3d(x, p, training, inplace=True)
    y = nn.tensor(np.ones((1, 2, 1, 2, 2)), requires_grad=True)          # 5-D: nothing written, the leaf back
    assert F.dropout3d(y, 0.5, False, inplace=True) is y


def test_dropout_order_against_torch():
    torch = pytest.importorskip("torch")
    import warnings
    for fn, shape, p in ((F.dropout1d, (2, 3, 4, 5), 0.5), (F.dropout2d, (3,), 0.5), (F.dropout3d, (3, 4), 0.5),
                         (F.feature_alpha_dropout, (3,), 0.5), (F.dropout, (2, 3), 1.5)):
        words = []
        for lib, f in ((torch, getattr(torch.nn.functional, fn.__name__)), (nn, fn)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with pytest.raises((RuntimeError, ValueError)) as e:
                    f(lib.tensor(np.ones(shape), requires_grad=True), p, True, inplace=True)
            words.append((type(e.value).__name__, str(e.value)))
        assert words[0][0] == words[1][0] and words[1][1].startswith(words[0][1])     # (nn's hint after a leaf's)
