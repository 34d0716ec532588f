"""Module, Parameter, containers and layers, with PyTorch's names, shapes and defaults.

Laid out as torch.nn.modules is: module.py (Module, Parameter), container.py, linear.py, conv.py,
batchnorm.py, pooling.py, upsampling.py, activation.py, dropout.py, flatten.py, loss.py,
normalization.py (GroupNorm, LayerNorm, RMSNorm, InstanceNorm1d/2d/3d), sparse.py (Embedding, EmbeddingBag), padding.py, pixelshuffle.py, onedim.py (Conv1d, ConvTranspose1d, MaxPool1d, AvgPool1d).
Where PyTorch keeps a layer in another file, that file's module path resolves too: conv.py and pooling.py also
give the 1-d layers, activation.py MultiheadAttention, and instancenorm.py, distance.py, fold.py and
channelshuffle.py re-export their layers.
"""
from .module import Module, Parameter, Buffer, StateDictError, IncompatibleKeys
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .linear import Linear, Bilinear, Identity
from .conv import Conv2d, ConvTranspose2d
from .batchnorm import BatchNorm2d, BatchNorm1d
from .normalization import GroupNorm, LayerNorm, RMSNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, LocalResponseNorm
from .normalization import CrossMapLRN2d
from .padding import (ZeroPad2d, ConstantPad2d, ReflectionPad2d, ReplicationPad2d, ZeroPad1d, ConstantPad1d,
                      ReflectionPad1d, ReplicationPad1d, CircularPad1d, CircularPad2d, CircularPad3d, ZeroPad3d,
                      ConstantPad3d, ReflectionPad3d, ReplicationPad3d)
from .pixelshuffle import PixelShuffle, PixelUnshuffle, ChannelShuffle
from .onedim import Conv1d, ConvTranspose1d, MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, AdaptiveMaxPool1d
from .sparse import Embedding, EmbeddingBag
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .threedim import Conv3d, ConvTranspose3d, MaxPool3d, AvgPool3d, AdaptiveAvgPool3d, AdaptiveMaxPool3d
from .batchnorm import BatchNorm3d, SyncBatchNorm
from .linear import LazyLinear
from .conv import (LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d,
                   LazyConvTranspose3d)
from .batchnorm import LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d
from .instancenorm import LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d
from .upsampling import Upsample, UpsamplingNearest2d, UpsamplingBilinear2d
from .pooling import MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, MaxUnpool2d, MaxUnpool1d, MaxUnpool3d, LPPool1d, LPPool2d, LPPool3d
from .pooling import FractionalMaxPool2d, FractionalMaxPool3d
from .activation import (ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, LogSoftmax, ELU, GELU, Softplus, SiLU,
                         Hardtanh, ReLU6, SELU, Mish, Hardsigmoid, Hardswish, LogSigmoid, Softmin, PReLU, Softsign,
                         Tanhshrink, Softshrink, Hardshrink, Threshold, CELU, GLU, RReLU, Softmax2d)
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout
from .rnn import RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell, GRUCell
from .transformer import (MultiheadAttention, TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer,
                          TransformerDecoder, Transformer)
from .flatten import Flatten, Unflatten, Unfold, Fold
from . import instancenorm, distance, fold, channelshuffle  # noqa: F401,E402  (PyTorch's module paths)
from .loss import (MSELoss, L1Loss, SmoothL1Loss, CrossEntropyLoss, LinearCrossEntropyLoss,
                   LinearCrossEntropyOptions, NLLLoss, NLLLoss2d, BCELoss, BCEWithLogitsLoss,
                   KLDivLoss, HuberLoss, MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss, MultiLabelSoftMarginLoss,
                   MultiMarginLoss, CTCLoss, CosineEmbeddingLoss, TripletMarginLoss, TripletMarginWithDistanceLoss, MultiLabelMarginLoss, PoissonNLLLoss, GaussianNLLLoss, CosineSimilarity,
                   PairwiseDistance)

__all__ = ["FractionalMaxPool2d", "FractionalMaxPool3d", "Conv3d", "ConvTranspose3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "BatchNorm3d", "MaxPool3d", "AvgPool3d", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyBatchNorm1d",
           "LazyBatchNorm2d", "Parameter", "Module", "Sequential", "ModuleList", "Linear", "Conv2d", "ConvTranspose2d", "MaxUnpool2d", "MaxUnpool1d", "MaxUnpool3d",
           "Upsample", "BatchNorm2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "MaxPool2d", "AvgPool2d",
           "Dropout", "Flatten", "Identity", "StateDictError", "IncompatibleKeys",
           "MSELoss", "L1Loss", "SmoothL1Loss", "CrossEntropyLoss", "LinearCrossEntropyLoss",
           "LinearCrossEntropyOptions", "NLLLoss", "NLLLoss2d", "BCELoss", "BCEWithLogitsLoss",
           "KLDivLoss", "ModuleDict", "ParameterList", "BatchNorm1d", "GroupNorm", "LayerNorm", "Embedding", "EmbeddingBag",
           "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Softmax", "LogSoftmax", "ELU", "GELU", "Softplus", "SiLU",
           "Dropout2d", "Unflatten", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "RMSNorm", "ZeroPad2d", "ConstantPad2d", "ReflectionPad2d",
           "ReplicationPad2d", "PixelShuffle", "PixelUnshuffle", "ChannelShuffle", "Buffer", "Hardtanh", "ReLU6",
           "Conv1d", "ConvTranspose1d", "MaxPool1d", "AvgPool1d", "SELU", "Mish", "Hardsigmoid", "Hardswish", "LogSigmoid",
           "Softmin", "PReLU", "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder",
           "TransformerDecoderLayer", "TransformerDecoder", "Transformer", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell",
           "GRUCell", "Softsign", "Tanhshrink", "Softshrink", "Hardshrink", "Threshold", "CELU", "GLU", "RReLU",
           "HuberLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
           "MultiMarginLoss", "CTCLoss",
           "CosineEmbeddingLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss", "MultiLabelMarginLoss", "PoissonNLLLoss", "GaussianNLLLoss", "CosineSimilarity",
           "PairwiseDistance", "Unfold", "Fold", "Bilinear", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "ConstantPad1d",
           "ZeroPad1d", "ReflectionPad1d", "ReplicationPad1d", "Dropout1d", "Softmax2d", "UpsamplingNearest2d",
           "UpsamplingBilinear2d", "ParameterDict", "LocalResponseNorm", "LPPool1d", "LPPool2d",
           "AlphaDropout", "CircularPad1d", "CircularPad2d", "CircularPad3d", "ZeroPad3d", "ConstantPad3d",
           "ReflectionPad3d", "ReplicationPad3d", "SyncBatchNorm", "Dropout3d", "FeatureAlphaDropout", "RNNBase",
           "RNNCellBase", "LazyBatchNorm3d", "LazyConv3d", "LazyConvTranspose3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d", "LPPool3d", "CrossMapLRN2d"]
