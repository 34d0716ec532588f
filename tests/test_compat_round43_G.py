"""Adversarial robustness from the package registry: adversarial-robustness-toolbox (ART) 1.20.1 (with scikit-learn
1.9.1, narwhals, joblib, threadpoolctl, tqdm and SciPy 1.17 beside it; kornia 0.4.1 for SpatialSmoothingPyTorch, and
torchvision 0.29.1's transforms.functional for AdversarialPatchPyTorch, both ported by the rule), installed from its
wheel with ``pip install --no-deps`` into a private folder, ported file by file by the porting rule (361 files, 87
changed, renamed ``artp``; its own module paths in strings, UniversalPerturbation's attack table, renamed too) and
run against the original on PyTorch 2.13 in one process: float64 (copies of both sides whose ``np.float32`` /
``.float()`` / ``torch.float32`` read float64) and float32 as shipped, on small CNN / LSTM / Sequential classifiers
of 8 x 8 images and a regressor, with PyTorch's weights loaded into nn's and the same draws (NumPy's and Python's
global seeds; the DataLoader shuffles, ``torch.randint`` / ``randperm`` / ``randn_like`` read one NumPy stream per
side). Compared: PyTorchClassifier (predict, loss_gradient, class_gradient, compute_loss(es), get_activations, fit,
fit_generator, clip values, preprocessing, channels last, pickling, save), PyTorchRegressor, 24 evasion attacks (FGSM,
BIM, PGD NumPy / PyTorch, APGD, Carlini L0 / L2 / LInf, DeepFool, ElasticNet, Square, Universal, AdversarialPatch-
PyTorch, ...), five adversarial trainers, the PyTorch preprocessors, randomized smoothing and the metrics. Everything
agrees with PyTorch to 1e-15 in float64 (adversarial examples mostly bit for bit), weights after training to 1e-16
(1e-10 where a conv bias feeds a BatchNorm: its gradient is zero in exact arithmetic and Adam scales the noise).

The difference nn's side met (the package is not imported here):

- ``PyTorchClassifier.fit`` / ``PyTorchRegressor.fit`` given labels of another length than the inputs build
  ``TensorDataset(torch.from_numpy(x), torch.from_numpy(y))``: PyTorch raises ``AssertionError("Size mismatch
  between tensors")``; nn raised a ValueError in its own words, and refused ``TensorDataset()`` (which PyTorch
  builds: its ``len`` then fails with IndexError).
"""
import numpy as np
import pytest

from porting import raised
from nn.utils.data import TensorDataset

import nn


# ---- TensorDataset's size check: ART's fit with labels of another length ----------------------------------------------

def test_tensor_dataset_size_mismatch_is_pytorchs_assertion():
    # ART 1.20.1, PyTorchClassifier.fit:
    #     x_tensor = torch.from_numpy(x_preprocessed); y_tensor = torch.from_numpy(y_preprocessed)
    #     dataset = TensorDataset(x_tensor, y_tensor)
    x, y = np.zeros((6, 1, 8, 8), np.float32), np.eye(5, dtype=np.float32)[[0, 1, 2, 3]]
    assert raised(lambda: TensorDataset(nn.from_numpy(x), nn.from_numpy(y))) == (
        "AssertionError", "Size mismatch between tensors")
    assert raised(lambda: TensorDataset(nn.zeros(3), nn.zeros(3), nn.zeros(2))) == (
        "AssertionError", "Size mismatch between tensors")
    assert raised(lambda: TensorDataset(nn.zeros(3), nn.tensor(1.0))) == (
        "IndexError", "Dimension specified as 0 but tensor has no dimensions")
    ds = TensorDataset(nn.from_numpy(x), nn.from_numpy(np.zeros(6, np.float32)))
    assert len(ds) == 6 and [t.shape for t in ds[2]] == [(1, 8, 8), ()]


def test_tensor_dataset_of_no_tensors_builds_as_pytorchs():
    ds = TensorDataset()
    assert ds.tensors == () and ds[0] == ()
    assert raised(lambda: len(ds)) == ("IndexError", "tuple index out of range")


def test_tensor_dataset_against_pytorch():
    torch = pytest.importorskip("torch")
    from torch.utils.data import TensorDataset as TorchTensorDataset
    for args in ((3, 2), (3, 3, 2), (2, 3), (3, ())):
        theirs = raised(lambda: TorchTensorDataset(*[torch.zeros(n) for n in args]))
        assert raised(lambda: TensorDataset(*[nn.zeros(n) for n in args])) == theirs
    assert raised(lambda: len(TensorDataset())) == raised(lambda: len(TorchTensorDataset()))
