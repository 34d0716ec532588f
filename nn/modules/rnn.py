"""Recurrent layers as PyTorch's: RNN, LSTM, GRU (stacked, bidirectional, batch_first, dropout between layers) and
their cells, with PyTorch's parameter names (weight_ih_l0, bias_hh_l1_reverse, ...) and gate order, so a PyTorch
state_dict loads unchanged. One step of a cell is composed of ops with their own backward (linear, sigmoid, tanh);
a sequence is a Python loop over its steps, and backpropagation through time is the autograd through that loop.

    RNN   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)                  (or relu)
    LSTM  i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh)          gates in that order
          c' = sigmoid(f) c + sigmoid(i) tanh(g),  h' = sigmoid(o) tanh(c')   (W_hr h' with proj_size)
    GRU   r, z = sigmoid(split(W_ih x + b_ih)[:2] + split(W_hh h + b_hh)[:2])
          n = tanh(split(W_ih x + b_ih)[2] + r (split(W_hh h + b_hh)[2])),  h' = (1 - z) n + z h
"""
import math
import numbers
import warnings

import numpy as np

from ..dtypes import get_default_dtype
from .. import functional as F
from .. import init
from ..tensor import Tensor
from ..tensor_ops.shape import stack
from ..utils.rnn import PackedSequence, padded_in_sorted_order
from .module import Module, Parameter
from .utils import _factory, _empty_size, _refuse_negative_size


def _rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, activation):
    return activation(F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh))


def _lstm_step(x, state, w_ih, w_hh, b_ih, b_hh, w_hr=None):
    h, c = state
    i, f, g, o = (F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)).chunk(4, -1)
    c = F.sigmoid(f) * c + F.sigmoid(i) * F.tanh(g)
    h = F.sigmoid(o) * F.tanh(c)
    return (h if w_hr is None else F.linear(h, w_hr)), c        # proj_size: h projected to proj_size features


def _gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    x_r, x_z, x_n = F.linear(x, w_ih, b_ih).chunk(3, -1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r, z = F.sigmoid(x_r + h_r), F.sigmoid(x_z + h_z)
    n = F.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h


_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _step_function(mode):
    if mode == "LSTM":
        return _lstm_step
    if mode == "GRU":
        return _gru_step
    activation = F.tanh if mode == "RNN_TANH" else F.relu
    return lambda x, h, *weights: _rnn_step(x, h, *weights, activation)


def _batched_state(module, input, hx, lstm):
    """PyTorch's checks of a (not packed) input's and state's dims, in its words: an unbatched (L, H_in) input takes
    states of 2 dims, which gain the batch dim here; a batched one states of 3. An LSTM's state is read as
    (hx[0], hx[1]), as PyTorch reads it."""
    name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(module.mode, module.mode)
    if input.dim() not in (2, 3):
        raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D"
                         f"{' tensor' if name == 'RNN' else ''} instead")
    if hx is None:
        return None
    unbatched, want = input.dim() == 2, input.dim()
    kind = "unbatched 2-D" if unbatched else "batched 3-D"
    if lstm:
        hx = (hx[0], hx[1])
        if hx[0].dim() != want or hx[1].dim() != want:
            raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got ({hx[0].dim()}-D, "
                               f"{hx[1].dim()}-D) tensors")
        return tuple(h.unsqueeze(1) for h in hx) if unbatched else hx
    if hx.dim() != want:
        raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")
    return hx.unsqueeze(1) if unbatched else hx


def _initial_state(hx, shape, dtype, lstm, c_shape):
    """hx checked against shape (zeros when None) in PyTorch's words: a Tensor, or an (h, c) pair of them for an
    LSTM, c of c_shape (they differ with proj_size)."""
    if hx is None:
        zeros = Tensor._wrap(np.zeros(shape, dtype))
        return (zeros, Tensor._wrap(np.zeros(c_shape, dtype))) if lstm else zeros
    hx = (hx[0], hx[1]) if lstm else hx
    for s, want, label in zip(hx if lstm else (hx,), (shape, c_shape), ("[0]", "[1]") if lstm else ("",)):
        if tuple(s.size()) != tuple(want):
            raise RuntimeError(f"Expected hidden{label} size {tuple(want)}, got {list(s.size())}")
    return hx


def _reset(module, hidden_size):
    """Every parameter uniform in (-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0      # (a cell of 0 hidden units builds)
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


def _rows(state, bs, lstm):
    """The first bs sequences of a state (h, or (h, c) for an LSTM): (N, H) -> (bs, H)."""
    return (state[0][:bs], state[1][:bs]) if lstm else state[:bs]


def _rows_replaced(state, active, bs, lstm):
    """state with its first bs rows replaced by active's; the other sequences keep theirs (they have ended, or,
    going backwards, not begun)."""
    if lstm:
        return tuple(F.cat([a, s[bs:]], 0) for a, s in zip(active, state))
    return F.cat([active, state[bs:]], 0)


def _reorder(states, indices):
    """h (layers, N, H), or an (h, c) pair, with the batch taken in the order of indices."""
    if isinstance(states, tuple):
        return tuple(s.index_select(1, indices) for s in states)
    return states.index_select(1, indices)


class RNNBase(Module):
    """The stacked recurrent layer shared by RNN, LSTM and GRU.

    forward(input, hx=None) -> (output, h_n), and for LSTM (output, (h_n, c_n)):
    input (L, N, H_in), (N, L, H_in) with batch_first=True, or unbatched (L, H_in); hx (and c) (D * num_layers,
    N, H) or zeros; output (L, N, D * H) (the last layer's h at every step, both directions side by side);
    h_n (D * num_layers, N, H) the last step's state of every layer and direction (D = 2 if bidirectional).
    dropout: on the outputs of every layer but the last, in training. input may be a PackedSequence
    (nn.utils.rnn.pack_padded_sequence): output is then one too, each sequence's state stops at its last step
    (h_n holds it), and hx and h_n are in the batch's original order. LSTM(proj_size=P), 0 < P < H: each
    layer's h is projected to P features by weight_hr_l{k} (P, H), as PyTorch's: weight_hh is (4 H, P), h_0,
    h_n and output have P features (c_0, c_n keep H), and the next layer reads D * P.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if proj_size and mode != "LSTM":        # RNN's and GRU's own check, before the base's
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        # PyTorch's checks, in its order and words
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          UserWarning, stacklevel=3)
        # the type checks: a NumPy integer size (asteroid's DCCRN computes one by np.ceil) is refused too
        for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                                  ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
            if not isinstance(value, kind):
                raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")
            if kind is int and value <= 0:      # each size's value right after its type, in PyTorch's order
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        # the arguments stored as given, as PyTorch's; the weights' shapes read by torch.empty's parser (a float
        # proj_size is its TypeError, as is RNN(2, True)'s gate size True), the layers counted by range() (a float
        # num_layers is its TypeError)
        if mode not in ("LSTM", "GRU", "RNN_TANH", "RNN_RELU"):    # (a mode that is no str: Python's TypeError here,
            raise ValueError("Unrecognized RNN mode: " + mode)      # as PyTorch's)
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        directions = 2 if bidirectional else 1
        rows = hidden_size if _GATES[mode] == 1 else _GATES[mode] * hidden_size
        h_size = proj_size if proj_size > 0 else hidden_size       # h's features
        self._weight_names = []
        for layer in range(num_layers):
            width = input_size if layer == 0 else h_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                names = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
                shapes = [_empty_size("empty", rows, width), _empty_size("empty", rows, h_size)]
                if bias:
                    names += [f"bias_ih{suffix}", f"bias_hh{suffix}"]
                    shapes += [_empty_size("empty", rows)] * 2
                if proj_size > 0:                   # after the biases, in PyTorch's order
                    names.append(f"weight_hr{suffix}")
                    shapes.append(_empty_size("empty", proj_size, hidden_size))
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(np.empty(shape, get_default_dtype())))
                self._weight_names.append(names)
        self.reset_parameters()
        _factory(self, device, dtype)

    def reset_parameters(self):
        _reset(self, self.hidden_size)

    def flatten_parameters(self):
        """A no-op (PyTorch packs the weights for cuDNN here)."""

    # PyTorch's names for the weights by layer and direction (DeepAR sets the forget-gate biases through
    # _all_weights): [['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0'], ...]
    _all_weights = property(lambda self: [list(names) for names in self._weight_names])
    all_weights = property(lambda self: [[getattr(self, n) for n in names] for names in self._weight_names])
    _flat_weights_names = property(lambda self: [n for names in self._weight_names for n in names])

    # The weights forward reads, in _flat_weights_names' order: the parameters, unless a list was assigned, which
    # forward then uses, as PyTorch's (higher's functional RNNs assign their fast weights there); assigning a
    # weight by name replaces its entry (__setattr__), as PyTorch's.
    @property
    def _flat_weights(self):
        assigned = self.__dict__.get("_assigned_flat_weights")
        return list(assigned) if assigned is not None else [getattr(self, n) for n in self._flat_weights_names]

    @_flat_weights.setter
    def _flat_weights(self, weights):
        self.__dict__["_assigned_flat_weights"] = list(weights)

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        assigned = self.__dict__.get("_assigned_flat_weights")
        if assigned is not None and name in self._flat_weights_names:
            assigned[self._flat_weights_names.index(name)] = getattr(self, name)

    def _weights(self, index):
        """(w_ih, w_hh, b_ih, b_hh) of layer-direction `index` (biases None without bias), and w_hr with
        proj_size."""
        names, assigned = self._weight_names[index], self.__dict__.get("_assigned_flat_weights")
        if assigned is None:        # the parameters by name (not _flat_weights: all layers' list for each one)
            params = {n.split("_l")[0]: getattr(self, n) for n in names}
        else:                       # their entries in the assigned list
            start = sum(len(earlier) for earlier in self._weight_names[:index])
            params = {n.split("_l")[0]: assigned[start + i] for i, n in enumerate(names)}
        kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") + (("weight_hr",) if self.proj_size else ())
        return [params.get(k) for k in kinds]

    def forward(self, input, hx=None):
        packed = input if isinstance(input, PackedSequence) else None
        lstm, directions = self.mode == "LSTM", 2 if self.bidirectional else 1
        # an LSTM's state is read as (hx[0], hx[1]); PyTorch's kernel counts it last, unless its Python code rebuilt it
        # as a pair first (an unbatched input's states unsqueezed, a packed one's reordered)
        states_given = len(hx) if lstm and hx is not None and (
            packed.sorted_indices is None if packed is not None else input.dim() != 2) else 2
        if packed is not None:                  # time-major, the batch sorted by length (nn/utils/rnn.py)
            input, sizes = padded_in_sorted_order(packed), packed.batch_sizes._data
            hx = (hx[0], hx[1]) if lstm and hx is not None else hx
            if hx is not None and packed.sorted_indices is not None:      # hx comes in the original order
                hx = _reorder(hx, packed.sorted_indices)
        layers, h_size = int(self.num_layers) * directions, int(self.proj_size or self.hidden_size)
        unbatched = packed is None and input.dim() == 2
        if packed is None:
            hx = _batched_state(self, input, hx, lstm)
        if unbatched:
            input = input.unsqueeze(1)
        elif self.batch_first and packed is None:
            input = input.transpose(0, 1)
        L, N = input.shape[:2]
        # PyTorch's check_forward_args: the dtype, the features, then the states' sizes
        weight_dtype = self._flat_weights[0].dtype
        if input.dtype != weight_dtype:         # PyTorch's check and words (its dtypes print as nn's here)
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). Convert "
                             f"input: input.to({weight_dtype}), or convert model: model.to({input.dtype})")
        if input.shape[2] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[2]}")
        hx = _initial_state(hx, (layers, N, h_size), input.dtype, lstm, (layers, N, int(self.hidden_size)))
        if states_given != 2:
            raise RuntimeError("lstm expects two hidden states")        # PyTorch's kernel's words
        if L == 0:
            raise RuntimeError("Expected sequence length to be larger than 0 in RNN")
        if packed is None:
            sizes = np.full(L, N)
        step = _step_function(self.mode)
        finals, layer_input = [], input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                state = (hx[0][index], hx[1][index]) if self.mode == "LSTM" else hx[index]
                weights = self._weights(index)
                out = [None] * L
                for t in (range(L) if direction == 0 else range(L - 1, -1, -1)):
                    bs = int(sizes[t])
                    if bs == N:
                        state = step(layer_input[t], state, *weights)
                        out[t] = state[0] if lstm else state
                    else:                       # packed: only the first bs sequences have a step t
                        active = step(layer_input[t, :bs], _rows(state, bs, lstm), *weights)
                        state = _rows_replaced(state, active, bs, lstm)
                        h = active[0] if lstm else active
                        out[t] = F.pad(h, (0, 0, 0, N - bs))
                outputs.append(stack(out, 0))
                finals.append(state)
            layer_input = outputs[0] if directions == 1 else F.cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = layer_input
        if self.mode == "LSTM":
            h_n = (stack([s[0] for s in finals], 0), stack([s[1] for s in finals], 0))
        else:
            h_n = stack(finals, 0)
        if packed is not None:
            output = packed._replace(data=F.cat([output[t, :int(bs)] for t, bs in enumerate(sizes)], 0))
            if packed.unsorted_indices is not None:
                h_n = _reorder(h_n, packed.unsorted_indices)
        elif unbatched:
            output = output.squeeze(1)
            h_n = tuple(h.squeeze(1) for h in h_n) if self.mode == "LSTM" else h_n.squeeze(1)
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, h_n

    def extra_repr(self):
        # PyTorch's order: proj_size first, then the layer count and the flags that differ from the defaults
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first:
            s += f", batch_first={self.batch_first}"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN, h' = tanh (or relu: nonlinearity='relu') of W_ih x + b_ih + W_hh h + b_hh; see RNNBase."""

    # PyTorch's signature, (*args, **kwargs): the 4th positional argument is nonlinearity, the rest RNNBase's
    # (torchlayers builds its inferred RNN from inspect.signature: RNN(input_size, hidden_size, ...) made it pass
    # every default positionally and print them before the first forward)
    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            nonlinearity, args = args[3], args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o); see RNNBase. forward -> (output, (h_n, c_n))."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n); see RNNBase."""

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)


_CELL_NAMES = {"RNN_TANH": "RNNCell", "RNN_RELU": "RNNCell", "LSTM": "LSTMCell", "GRU": "GRUCell"}


def _check_cell_state(input, hx, input_size, hidden_size, lstm):
    """PyTorch's kernel checks of one cell step, input (N, H_in) and hx (N, H) (an (h, c) pair for an LSTM cell),
    in its words: the input's features, then each state's batch and features (labelled hidden0, hidden1)."""
    if lstm and isinstance(hx, Tensor):
        raise TypeError("lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, not Tensor")
    if lstm and len(hx) != 2:
        raise RuntimeError("lstm_cell expects two hidden states")
    if input.size(1) != input_size:
        raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {input_size}")
    for label, h in enumerate(hx if lstm else (hx,)):
        if h.size(0) != input.size(0):
            raise RuntimeError(f"Input batch size {input.size(0)} doesn't match hidden{label} batch size {h.size(0)}")
        if h.size(1) != hidden_size:
            raise RuntimeError(f"hidden{label} has inconsistent hidden_size: got {h.size(1)}, expected {hidden_size}")
        if h.dim() != 2:        # a 2-D state beside an unbatched input: PyTorch fails later, in its arithmetic
            raise RuntimeError(f"hidden{label}: expected a 1-D state for an unbatched input, got {h.dim() - 1}D")


class RNNCellBase(Module):
    """One step of a recurrent layer, PyTorch's base of the cells (its signature: num_chunks gates): parameters
    weight_ih (G H, H_in), weight_hh (G H, H), bias_ih, bias_hh, G = num_chunks; the subclasses' mode says which
    step forward(input (N, H_in) or (H_in,), hx=None) takes -> the next state (h, or (h, c) for LSTMCell)."""

    mode = None

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        # the sizes stored as given, as PyTorch's; the weights' shapes as torch.empty's parser reads them
        # (RNNCell(2.0, 3): its TypeError)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        shapes = [_empty_size("empty", num_chunks * hidden_size, size) for size in (input_size, hidden_size)]
        for shape in shapes:
            _refuse_negative_size(shape)        # (torch.empty's words, as PyTorch's cells fail)
        self.weight_ih, self.weight_hh = (Parameter(np.empty(shape, get_default_dtype())) for shape in shapes)
        self.bias_ih = Parameter(np.empty(shapes[0][0], get_default_dtype())) if bias else None
        self.bias_hh = Parameter(np.empty(shapes[0][0], get_default_dtype())) if bias else None
        self.reset_parameters()
        _factory(self, device, dtype)

    def reset_parameters(self):
        _reset(self, self.hidden_size)

    def forward(self, input, hx=None):
        lstm, name = self.mode == "LSTM", _CELL_NAMES.get(self.mode, "RNNCell")
        # PyTorch's Python checks (ValueError), then its kernel's on the batched forms (RuntimeError), in their words
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for label, h in (enumerate(hx) if lstm else (("hidden", hx),)):
                if h.dim() not in (1, 2):
                    label = label if label == "hidden" else f"hx[{label}]"
                    raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {h.dim()}D instead")
        unbatched = input.dim() == 1
        if unbatched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = Tensor._wrap(np.zeros((input.shape[0], int(self.hidden_size)), input.dtype))
            hx = (zeros, zeros) if lstm else zeros
        elif unbatched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0)) if lstm else hx.unsqueeze(0)
        if self.mode is None:       # (RNNCell's nonlinearity, read here as PyTorch's forward reads it)
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        _check_cell_state(input, hx, self.input_size, self.hidden_size, lstm)
        state = _step_function(self.mode)(input, hx, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if unbatched:
            state = tuple(s.squeeze(0) for s in state) if self.mode == "LSTM" else state.squeeze(0)
        return state

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}" + ("" if self.bias is True else f", bias={self.bias}")
        return s + ("" if getattr(self, "nonlinearity", "tanh") == "tanh" else f", nonlinearity={self.nonlinearity}")


class RNNCell(RNNCellBase):
    """An Elman RNN step: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act tanh or relu; input (N, H_in) or
    (H_in,), hx (N, H) or None (zeros) -> h' (N, H)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, _GATES["RNN_TANH"], device, dtype)
        self.nonlinearity = nonlinearity        # as given, as PyTorch's: read in forward

    @property
    def mode(self):
        """The step the nonlinearity names, as it is now (None for another: forward refuses it)."""
        return "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU" if self.nonlinearity == "relu" else None


class LSTMCell(RNNCellBase):
    """A long short-term memory step: gates i, f, g, o from x W_ih^T + b_ih + h W_hh^T + b_hh (4 H wide);
    input (N, H_in) or (H_in,), hx (h, c) or None (zeros) -> (h', c'), each (N, H)."""

    mode = "LSTM"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, _GATES[self.mode], device, dtype)


class GRUCell(RNNCellBase):
    """A gated recurrent unit step: reset r, update z and candidate n (3 H wide); input (N, H_in) or (H_in,),
    hx (N, H) or None (zeros) -> h' = (1 - z) n + z h, (N, H)."""

    mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, _GATES[self.mode], device, dtype)
