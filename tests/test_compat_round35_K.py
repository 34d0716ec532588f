"""pyod's PyTorch detectors: pyod 3.6.7 (installed with --no-deps; pandas, which only anogan's learning-curve plot
uses, a stub on both sides), ported by the porting rule (pyodp) and run against the original on PyTorch 2.13 with
PyTorch's weights, draws (rand, randn_like, normal_, init fills, dropout masks, DataLoader shuffles) handed over:
AutoEncoder, VAE and beta-VAE, DeepSVDD (with and without the autoencoder), AnoGAN, ALAD (with and without spectral
normalisation), SO_GAAL, MO_GAAL, LUNAR, DevNet, DIF, AE1SVM: fit, decision_function, predict, predict_proba,
confidence, thresholds, labels and the weights after training.

The failure these tests pin down, in a few lines (the package is not imported here):

- ``import torch.nn.utils.spectral_norm as spectral_norm`` (ALAD with spectral_normalization=True) imports
  PyTorch's submodule torch/nn/utils/spectral_norm.py and binds the package's attribute of that name, the function
  (the package imports the submodule first, then rebinds the name). nn had no such submodule: ModuleNotFoundError,
  which ALAD caught, printed "Spectral normalization not available" and trained without it. nn.utils.spectral_norm
  and nn.utils.weight_norm are now submodules too (re-exporting nn.utils.weight_norms' one implementation), imported
  by nn.utils before the names are bound to the functions.
"""
import importlib
import sys

import numpy as np

import nn


# ---- torch.nn.utils.spectral_norm / weight_norm as modules ------------------------------------------------------

def test_import_spectral_norm_submodule_as_name_gives_the_function():
    # PyTorch 2.13: `import torch.nn.utils.spectral_norm as f` -> f is the function torch.nn.utils.spectral_norm;
    # the same for weight_norm; the module itself is sys.modules['torch.nn.utils.spectral_norm']
    import nn.utils.spectral_norm as sn
    import nn.utils.weight_norm as wn
    assert sn is nn.utils.spectral_norm and callable(sn) and not isinstance(sn, type(sys))
    assert wn is nn.utils.weight_norm and callable(wn) and not isinstance(wn, type(sys))
    mod = importlib.import_module("nn.utils.spectral_norm")
    assert isinstance(mod, type(sys)) and mod.spectral_norm is sn and callable(mod.remove_spectral_norm)
    mod = importlib.import_module("nn.utils.weight_norm")
    assert mod.weight_norm is wn and callable(mod.remove_weight_norm)
    from nn.utils.spectral_norm import remove_spectral_norm
    assert remove_spectral_norm is nn.utils.remove_spectral_norm


def test_spectral_norm_through_the_submodule_import_works_as_alads():
    # ALAD: layer = spectral_norm(nn.Linear(4, 3)) -> the PyTorch names weight_orig, weight_u, weight_v; in eval
    # the weight is weight_orig / sigma with sigma = u . (W v): for W = diag(3, 1, 0.5) padded and u, v the top
    # singular vectors, sigma = 3
    import nn.utils.spectral_norm as spectral_norm
    layer = spectral_norm(nn.Linear(3, 3))
    assert {"weight_orig", "weight_u", "weight_v", "bias"} <= set(layer.state_dict())
    w = np.diag([3.0, 1.0, 0.5]).astype(np.float32)
    layer.load_state_dict({"weight_orig": w, "bias": np.zeros(3, np.float32),
                           "weight_u": np.array([1, 0, 0], np.float32), "weight_v": np.array([1, 0, 0], np.float32)})
    layer.eval()
    out = layer(nn.eye(3))
    np.testing.assert_allclose(np.asarray(out.detach()), np.diag([1.0, 1 / 3, 1 / 6]), rtol=1e-6)
