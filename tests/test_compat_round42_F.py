"""Deep anomaly detection from the package registry: deepod 0.4.1 (with scikit-learn 1.9.1, pandas 2.3.3, tqdm 4.70.1,
SciPy 1.17 and einops 0.8.2 beside it), installed from its wheel with ``pip install --no-deps`` into a private folder,
ported file by file by the porting rule (92 files, 73 changed, renamed ``deepodp``) and run against the original on
PyTorch 2.13 in one process: float64 (copies of both sides whose ``.float()`` / ``torch.float`` read float64, with
float64 as the default dtype) and float32 as shipped, PyTorch's weights loaded into nn's networks where the package
moves them to its device, the same NumPy data and the same draws (the loaders' shuffles, WeightedRandomSampler,
``randperm``, ``randn``, ``randint``, ``init.normal_`` / ``Tensor.normal_``, RoSAS's Dirichlet mixup and the dropout
masks, those of the attention weights included, read one NumPy stream per side). Compared: ``fit`` for 1-2 epochs and
``decision_function`` of the 14 tabular detectors (DeepSVDD, RCA, DeepSAD, REPEN, NeuTraL, DeepIsolationForest, SLAD,
RDP, FeaWAD, DevNet, PReNet, GOAD, ICL, RoSAS; small, varied and default settings) and the time-series ones
(TimesNet, AnomalyTransformer, TranAD, COUTA, USAD, TcnED, DeepIsolationForestTS, DeepSVDDTS / DeepSADTS / PReNetTS /
DevNetTS on the Transformer, TCN, GRU, LSTM and ConvSeq networks), the older ``deepod.models`` copies, the networks and
attention layers' forward and backward through a random projection, Adam steps and eval mode, reprs, warnings, state
dicts across libraries, FMMS model selection, and 20 error paths. Scores agree to 1e-14 in float64 (RDP's differences
of distances 9e-14), weights to 3e-13 (but biases before a normalisation, whose gradient is zero in exact arithmetic,
under Adam: 1e-10), float32 runs to float32 rounding.

The difference nn's side met (the package is not imported here):

- TranAD's encoder and decoder layers build ``nn.LeakyReLU(True)``: a bool is a number to PyTorch (slope 1, printed
  ``negative_slope=True``), where nn's modules refused a bool in every float hyper-parameter ("negative_slope must be
  a number, got True"), so TranAD could not be built.
"""
import numpy as np
import pytest

import nn
from porting import raised


# ---- a bool is a number: TranAD's LeakyReLU(True) --------------------------------------------------------------------

def test_module_hyperparameters_take_bools_as_numbers():
    # TranAD: self.activation = nn.LeakyReLU(True)  (meant as inplace; PyTorch reads it as the slope, 1)
    act = nn.LeakyReLU(True)
    assert act.negative_slope is True and repr(act) == "LeakyReLU(negative_slope=True)"
    x = nn.tensor([-2.0, 0.5], requires_grad=True)
    y = act(x)
    y.sum().backward()
    assert y.tolist() == [-2.0, 0.5] and np.asarray(x.grad).tolist() == [1.0, 1.0]
    # the other modules' float hyper-parameters store a bool as given, as PyTorch's
    assert repr(nn.ELU(alpha=True)) == "ELU(alpha=True)"
    assert repr(nn.Hardtanh(True, 2)) == "Hardtanh(min_val=True, max_val=2)"
    assert nn.ELU(alpha=False)(nn.tensor([-1.0])).tolist() == [0.0]
    assert nn.Dropout(True).p is True and nn.BatchNorm1d(2, momentum=True).momentum is True
    # what is not a number is still refused, and the ranges still hold
    assert raised(lambda: nn.LeakyReLU("a"))[0] == "ValueError"
    assert raised(lambda: nn.Dropout(1.5)) == ("ValueError",
                                               "dropout probability has to be between 0 and 1, but got 1.5")


def test_leaky_relu_true_against_pytorch():
    torch = pytest.importorskip("torch")
    assert repr(torch.nn.LeakyReLU(True)) == repr(nn.LeakyReLU(True))
    x = np.array([-3.0, -0.5, 0.0, 2.0])
    assert nn.LeakyReLU(True)(nn.tensor(x)).tolist() == torch.nn.LeakyReLU(True)(torch.tensor(x)).tolist()


class _TranADEncoderLayer(nn.Module):
    """deepod's TranAD encoder layer (models/time_series/tranad.py), ported by the rule (with the ``is_causal``
    keyword PyTorch 2's TransformerEncoder passes, which deepod 0.4.1 lacks on both sides)."""

    def __init__(self, d_model, nhead, dim_feedforward=16, dropout=0):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)
        self.activation = nn.LeakyReLU(True)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=None):
        src2 = self.self_attn(src, src, src)[0]
        src = src + self.dropout1(src2)
        src2 = self.linear2(self.dropout(self.activation(self.linear1(src))))
        return src + self.dropout2(src2)


def test_tranad_encoder_builds_and_its_feed_forward_is_linear():
    nn.manual_seed(0)
    # PyTorch's warning for a layer of its own class, as TranAD's users see it
    with pytest.warns(UserWarning, match="enable_nested_tensor is True, but self.use_nested_tensor is False "
                                         "because encoder_layer was not TransformerEncoderLayer"):
        encoder = nn.TransformerEncoder(_TranADEncoderLayer(d_model=6, nhead=3), 1)
    x = nn.tensor(np.random.default_rng(0).standard_normal((5, 2, 6)), dtype=nn.float32, requires_grad=True)
    y = encoder(x)
    y.sum().backward()
    layer = encoder.layers[0]
    with nn.no_grad():                    # slope 1: the activation is the identity
        h = x + layer.self_attn(x, x, x)[0]
        expected = h + layer.linear2(layer.linear1(h))
    np.testing.assert_allclose(np.asarray(y.detach()), np.asarray(expected), rtol=1e-6, atol=1e-6)
    assert x.grad is not None and np.isfinite(np.asarray(x.grad)).all()
