"""gluonts 0.17.0 (its PyTorch models, distribution outputs, scalers and estimators) from the package registry, with
the lightning 2.6.6 and torchmetrics 1.9.0 it trains through, ported by the porting rule (every .py file of the three,
renamed gluontsp / lightningp / torchmetricsp in their import lines) and run against the originals on PyTorch in
float64 with the same weights and every random draw (Normal, StudentT, Gamma, Beta, Laplace, NegativeBinomial,
Poisson, Categorical, multinomial, rand) read from one NumPy stream: the networks of SimpleFeedForward, DeepAR (lags,
scaling, sample paths), DLinear, PatchTST, iTransformer, LagTST, TiDE, TemporalFusionTransformer, WaveNet and DeepNPTS
(forward, loss, input and parameter gradients, weights after 3 Adam steps, eval / sampling); the distribution outputs
(StudentT, Normal, Laplace, NegativeBinomial, Poisson, Beta, Gamma, ImplicitQuantileNetwork, Quantile, ISQF,
PiecewiseLinear, SplicedBinnedPareto; log_prob, mean, variance, cdf, icdf, sample, loss); Mean/Std/NOP scalers; nine
estimators trained 2 epochs through Lightning (with validation data, warm start, checkpoints) and DeepNPTS's own loop,
`predict`, and predictors serialized by each side and loaded by both. All agree to 5e-15 but where an exact
gradient is zero (attention key biases, a bias before BatchNorm) and Adam scales its rounding up. The one failure
these tests pin down, reproduced in a few lines (the packages themselves are never imported here): after
`import torch`, `torch.types` is an attribute (gluonts annotates `device: torch.types.Device = None` at import of
its batchify)."""
import subprocess
import sys
import typing

import nn


# ---- torch.types after a plain `import torch` (gluonts.torch.batchify: stack(data, device: torch.types.Device)) ----

def test_types_is_an_attribute_after_import_alone():
    # a fresh interpreter: no other test has imported nn.types by then
    code = ("import nn, sys\nassert 'nn.types' in sys.modules\n"
            "def stack(data, device: nn.types.Device = None): return data\n"
            "print(nn.types.Device, nn.types.Number)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=_root())
    assert out.returncode == 0, out.stderr
    assert "device" in out.stdout


def test_types_aliases_name_nns_classes():
    assert nn.types is sys.modules["nn.types"]
    assert set(typing.get_args(nn.types.Device)) == {nn.device, str, int, type(None)}
    assert set(typing.get_args(nn.types.Number)) == {int, float, bool}


def _root():
    import os
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
