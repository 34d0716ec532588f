"""AdaptiveLogSoftmaxWithLoss (torch.nn.modules.adaptive's): the efficient softmax of Grave et al. for large
vocabularies, with PyTorch's parameters (head, tail.i.0, tail.i.1), so its state_dicts load both ways."""
from collections import namedtuple

import numpy as np

from .. import functional as F
from ..factories import tensor
from ..tensor_ops.pointwise import where
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module
from .utils import _factory

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Classes [0, cutoffs[0]) in the head (in_features -> cutoffs[0] + n_clusters, a Linear with head_bias), and
    each cluster [cutoffs[i], cutoffs[i+1]) in a tail (in_features -> in_features // div_value ** (i+1) -> its
    size, bias-free); a tail class's log-probability is its cluster's in the head plus its own in the tail.

    forward(input (N, in_features) or (in_features,), target (N,) or ()) -> (output: the target's log-probability
    per row, loss: mean of -output); log_prob(input) -> (N, n_classes); predict(input) -> (N,) the argmax class."""

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features, self.n_classes, self.div_value, self.head_bias = in_features, n_classes, div_value, head_bias
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False), Linear(hsz, osz, bias=False)))
        _factory(self, device, dtype)

    def reset_parameters(self):
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_, target_):
        if target_.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target_.dim() == 1 and (input_.dim() != 2 or input_.size(0) != target_.size(0)):
            raise RuntimeError(f"1D target tensor expects 2D input tensors of the same batch size, but found inputs "
                               f"with size {tuple(input_.shape)} and targets with size {tuple(target_.shape)}")
        if target_.dim() == 0 and input_.dim() != 1:
            raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with size "
                               f"{tuple(input_.shape)}")
        batched = target_.dim() > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = np.asarray(getattr(target_, "_data", target_)).reshape(-1).astype(np.int64)
        if target.size and (target.min() < 0 or target.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{target.min()}, {target.max()}] were found. ")
        cluster = np.searchsorted(np.asarray(self.cutoffs), target, side="right")      # 0: the shortlist
        gather = np.where(cluster == 0, target, self.shortlist_size + cluster - 1)
        head_logprob = F.log_softmax(self.head(input), dim=1)
        output = head_logprob.gather(1, tensor(gather[:, None])).squeeze(1)
        for i in range(1, self.n_clusters + 1):
            rows = np.flatnonzero(cluster == i)
            if rows.size == 0:
                continue
            relative = target[rows] - self.cutoffs[i - 1]
            local = F.log_softmax(self.tail[i - 1](input[rows]), dim=1).gather(1, tensor(relative[:, None]))
            placed = np.zeros((target.size, 1), np.int64)
            placed[rows, 0] = np.arange(rows.size)
            output = output + where(tensor(cluster == i), local[tensor(placed[:, 0])].squeeze(1), 0.0)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _get_full_log_prob(self, input, head_output):
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = F.log_softmax(self.tail[i](input), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return F.cat(parts, 1)

    def log_prob(self, input):
        """input (N, in_features) or (in_features,) -> the log-probabilities of all n_classes classes."""
        batched = input.dim() > 1
        input = input if batched else input.unsqueeze(0)
        out = self._get_full_log_prob(input, self.head(input))
        return out if batched else out.squeeze(0)

    def predict(self, input):
        """input (N, in_features) or (in_features,) -> the most likely class of each row."""
        return self.log_prob(input).argmax(dim=-1)
