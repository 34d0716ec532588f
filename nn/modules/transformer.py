"""MultiheadAttention, the Transformer's encoder and decoder layers and stacks, and Transformer itself (torch.nn's,
with their parameter names, so a PyTorch state_dict loads unchanged). The computation is nn.functional.attention's."""
import copy
import warnings

import numpy as np

from ..dtypes import get_default_dtype
from .. import functional as F
from .. import init
from ..factories import tensor
from ..functional.attention import causal_mask
from .activation import GELU, ReLU
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear, NonDynamicallyQuantizableLinear
from .module import Module
from .utils import _factory, _empty_parameter
from .normalization import LayerNorm


def _get_clones(module, N):
    """A ModuleList of N independent deep copies of module (torch.nn.modules.transformer._get_clones)."""
    return ModuleList([copy.deepcopy(module) for _ in range(N)])     # (range(2.0): Python's TypeError, as PyTorch's)


class MultiheadAttention(Module):
    """Attention of num_heads heads over embed_dim features (each head embed_dim / num_heads of them).

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights): query (L, N, E), key (S, N, kdim) and
    value (S, N, vdim), or (N, L, E) and (N, S, kdim / vdim) with batch_first=True, or unbatched (L, E) and
    (S, kdim / vdim); output like query;
    weights (N, L, S) averaged over the heads, (N, H, L, S) with average_attn_weights=False, or None with
    need_weights=False. Bool masks are True where attention is not allowed (nn.functional.attention).
    Parameters: in_proj_weight (3E, E), in_proj_bias (3E,), out_proj (a Linear E -> E). With keys of kdim or
    values of vdim features other than E, the projections are separate, under PyTorch's names (so state_dicts
    load both ways): q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim), in_proj_weight None.
    add_bias_kv: bias_k and bias_v (1, 1, E) are appended as one more key and value; add_zero_attn: one more key
    and value of zeros per head (each adds a column to the weights).
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:        # PyTorch's checks, types and words (AutoInt's atten_embed_dim)
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        # the sizes stored as given, as PyTorch's, and read by torch.empty's parser where each weight is made
        # (MultiheadAttention(4.0, 2) and kdim=2.0 are its TypeError)
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = _empty_parameter(3 * embed_dim, embed_dim)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = _empty_parameter(embed_dim, embed_dim)
            self.k_proj_weight = _empty_parameter(embed_dim, self.kdim)
            self.v_proj_weight = _empty_parameter(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        self.in_proj_bias = _empty_parameter(3 * embed_dim) if bias else None     # (zeros: _reset_parameters)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias)
        if add_bias_kv:
            self.bias_k, self.bias_v = _empty_parameter(1, 1, embed_dim), _empty_parameter(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = bool(add_zero_attn)
        self._reset_parameters()
        _factory(self, device, dtype)

    def _reset_parameters(self):
        """PyTorch's initialisation (its method of this name, which PyG's attention blocks call again): Xavier-
        uniform projections, zero biases, Xavier-normal bias_k / bias_v."""
        for w in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if w is not None:
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        batch_first = self.batch_first and query.ndim == 3
        if batch_first:         # one transpose per distinct tensor, as PyTorch's (self-attention: one in all)
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = (t.transpose(1, 0) for t in (query, key, value))
        # through F at each call, as PyTorch's: the dispatching function once a subclass or mode takes part (a
        # recorder's __torch_function__ sees one multi_head_attention_forward, not its transposes and products)
        out, weights = F.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight, self.in_proj_bias, self.bias_k,
            self.bias_v, self.add_zero_attn, self.dropout, self.out_proj.weight, self.out_proj.bias, self.training,
            key_padding_mask, need_weights, attn_mask, use_separate_proj_weight=self.in_proj_weight is None,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight, v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights, is_causal=is_causal)
        return (out.transpose(0, 1) if batch_first else out), weights


_ACTIVATIONS = ("relu", "gelu")     # looked up on F at each call: F.relu is another object once dispatch is on


def _get_activation_fn(activation):
    """'relu' -> F.relu, 'gelu' -> F.gelu (torch.nn.modules.transformer._get_activation_fn)."""
    if activation not in _ACTIVATIONS:
        raise RuntimeError(f"activation should be relu/gelu, not {activation}")
    return getattr(F, activation)


_relu = F.relu      # the layers' default activation, PyTorch's (F.relu, a function, not 'relu')


def _activation(activation):
    # a string through _get_activation_fn: PyTorch's RuntimeError for an unknown one (the default, F.relu, is F's
    # function whichever way dispatch is: nn.overrides._rebind_defaults)
    return _get_activation_fn(activation) if isinstance(activation, str) else activation


def _is(fn, f):
    """Whether fn is F's function f, also when one of them is its dispatching wrapper (F.relu taken before
    dispatch was turned on)."""
    return getattr(fn, "_undispatched", fn) is getattr(f, "_undispatched", f)


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with a residual connection, dropout and LayerNorm (after
    the residual sum, or before the block with norm_first=True), as PyTorch's: parameters self_attn, linear1
    (d_model -> dim_feedforward), linear2, norm1, norm2. src (S, N, E), (N, S, E) with batch_first, or (S, E)."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=_relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.activation = _activation(activation)
        # PyTorch's flag for its fast path: 1 for relu, 2 for gelu, 0 for any other activation
        self.activation_relu_or_gelu = 1 if _is(self.activation, F.relu) or isinstance(activation, ReLU) else \
            2 if _is(self.activation, F.gelu) or isinstance(activation, GELU) else 0
        _factory(self, device, dtype)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal=is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal=is_causal))
        return self.norm2(x + self._ff_block(x))

    # PyTorch's block names, so a subclass overriding _sa_block (to keep the attention weights) works here too
    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        out = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                             is_causal=is_causal)[0]
        return self.dropout1(out)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _why_not_sparsity_fast_path(layer):
    """Why PyTorch's TransformerEncoder turns its nested-tensor path off for this layer ('' if it does not), in
    PyTorch's words and order of checks."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    attn = layer.self_attn
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not attn.batch_first:
        return f"{name}.self_attn.batch_first was not True(use batch_first for better inference performance)"
    if not attn._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if attn.in_proj_bias is None:
        return f"{name}.self_attn was passed bias=False"
    if not layer.activation_relu_or_gelu:
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if attn.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


class TransformerEncoder(Module):
    """num_layers copies of encoder_layer applied in turn (layers.0, layers.1, ...), then norm if given."""

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm
        # PyTorch's flags for its nested-tensor fast path (nn has none: they change nothing here), and its
        # warning when the layer rules that path out
        self.enable_nested_tensor = self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = _why_not_sparsity_fast_path(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False because {why_not}",
                          stacklevel=2)
            self.use_nested_tensor = False

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention to the encoder's output (memory), then a feed-forward block,
    each with a residual connection, dropout and LayerNorm (after the sum, or before the block with
    norm_first=True), as PyTorch's: self_attn, multihead_attn, linear1, linear2, norm1..3."""

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=_relu, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = bool(norm_first)
        self.norm1, self.norm2, self.norm3 = (LayerNorm(d_model, eps=layer_norm_eps, bias=bias) for _ in range(3))
        self.dropout1, self.dropout2, self.dropout3 = Dropout(dropout), Dropout(dropout), Dropout(dropout)
        self.activation = _activation(activation)
        _factory(self, device, dtype)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    # PyTorch's block names (_sa_block, _mha_block, _ff_block), which subclasses override
    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        return self.dropout1(self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                            need_weights=False, is_causal=is_causal)[0])

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        return self.dropout2(self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                                 need_weights=False, is_causal=is_causal)[0])

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoder(Module):
    """num_layers copies of decoder_layer applied in turn to the target, each attending to memory; then norm."""

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers, self.norm = num_layers, norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask,
                      bool(tgt_is_causal), memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """The encoder-decoder of "Attention Is All You Need", as torch.nn.Transformer: encoder (num_encoder_layers
    TransformerEncoderLayers and a final LayerNorm) and decoder (likewise), every weight matrix initialised by
    xavier_uniform_. forward(src, tgt, ...) -> the decoder's output, shaped like tgt."""

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                 dropout=0.1, activation=_relu, custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-5,
                 batch_first=False, norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        layer = dict(d_model=d_model, nhead=nhead, dim_feedforward=dim_feedforward, dropout=dropout,
                     activation=activation, layer_norm_eps=layer_norm_eps, batch_first=batch_first,
                     norm_first=norm_first, bias=bias)
        self.encoder = custom_encoder or TransformerEncoder(
            TransformerEncoderLayer(**layer), num_encoder_layers, LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        self.decoder = custom_decoder or TransformerDecoder(
            TransformerDecoderLayer(**layer), num_decoder_layers, LayerNorm(d_model, eps=layer_norm_eps, bias=bias))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():                             # as PyTorch's _reset_parameters
            if p.ndim > 1:
                init.xavier_uniform_(p)
        _factory(self, device, dtype)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """(sz, sz) float mask: 0 on and below the diagonal, -inf above (position i attends to 0..i)."""
        return tensor(causal_mask(sz, sz, np.float32), dtype=dtype or get_default_dtype())
