"""A side-by-side probe of the layer classes (no package): every class of torch.nn that nn also has, built with its
default and with non-default constructor arguments, PyTorch's state dict loaded into nn's (strict), forward and
backward in float64 in train and eval mode (inputs, parameters, buffers), unbatched / batched / empty inputs; the
recurrent layers, the Transformer family and MultiheadAttention with their options and masks; containers, hooks,
state-dict machinery, nn.utils (clipping, vectors, weight / spectral norm, parametrizations, rnn packing, pruning,
fusion). Scripts in /tmp/s37/G.

The failures these tests pin down, in a few lines:

- ``F.dropout2d`` of a 3-D input zeroed whole (C, H, W) channels; PyTorch reads a 3-D input as (N, C, L) and draws
  one mask entry per (n, c) (with its warning). Inputs of other ranks (5-D and up, 1-D) raised where PyTorch warns
  and drops the (N, C) features; ``dropout3d`` of a non-5-D input is read as unbatched (a batch of one) with a warning
  where nn raised; ``dropout1d`` of a wrong rank raised ValueError, PyTorch RuntimeError; ``Dropout1d`` / ``Dropout2d``
  ignored ``inplace=True``. One ``_feature_dropout`` (mask (N, C, 1, ..., 1)) now serves the three.
- ``F.unfold`` / ``nn.Unfold`` refused an unbatched (C, H, W) input; PyTorch gives (C * kh * kw, L). Its errors are
  PyTorch's (RuntimeError "Expected 3D or 4D (batch mode) tensor ...", IndexError below 3 dims).
- ``F.lp_pool1d`` / ``nn.LPPool1d`` refused ``ceil_mode=True``; ``lp_pool{1,2,3}d`` with ``norm_type=inf`` gave 1
  for every window (x ** inf averaged, then ** 0): PyTorch takes the max pool of |x| (-inf: the min).
- ``Conv3d(padding='valid', padding_mode='reflect')`` raised in forward (it iterated over the string); a conv's
  ``padding='valid'`` was kept as (0, 0) where PyTorch keeps the string (``m.padding == 'valid'``, repr
  ``padding=valid``).
- reprs: ``RNN`` / ``LSTM`` / ``GRU`` left out ``bias=False`` and put ``proj_size`` last (PyTorch: first);
  ``RNNCell`` left out ``nonlinearity=relu``; ``ConstantPad*d`` printed ``(2, 2)`` for ``padding=(2, 2)``;
  ``MaxUnpool*d`` kept ints where PyTorch keeps tuples (``kernel_size=(2, 2)``).
- ``TripletMarginWithDistanceLoss()`` had no ``distance_function`` submodule (PyTorch: a ``PairwiseDistance()``).
- ``register_forward_hook(always_call=True)`` raised NotImplementedError; PyTorch runs such a hook also when forward
  (or an earlier hook) raises, with output None, and re-raises.
- a module's ``get_extra_state`` / ``set_extra_state`` were ignored (PyTorch: ``prefix + "_extra_state"`` in the
  state dict, after the module's buffers, loaded back; missing / unexpected under strict).
- ``register_buffer`` over a parameter's name (and the other kinds across) moved the entry; PyTorch raises KeyError
  "attribute 'weight' already exists".
- ``Embedding.from_pretrained`` copied the table (PyTorch's Parameter shares the given tensor) and lacked
  ``max_norm``, ``norm_type``, ``scale_grad_by_freq``, ``sparse``.
- PyTorch's ``LazyInstanceNorm*d`` default to ``affine=True, track_running_stats=True``; nn's built the eager
  defaults. ``MaxUnpool*d`` / ``FractionalMaxPool*d`` failed on an empty batch. ``Module.to(int64)`` raised
  ValueError (PyTorch TypeError) and refused complex dtypes.
- missing names / attributes: ``nn.utils.skip_init``, ``convert_conv{2,3}d_weight_memory_format``,
  ``Module._call_impl``, ``output_padding`` on every conv, ``Upsample.name``,
  ``TransformerEncoderLayer.activation_relu_or_gelu``, ``Hardtanh(min_value=, max_value=)``; the reflection /
  replication / circular pads took a ``value``; ``Conv3d(padding='same', stride=2)`` was built.
- words: the dropouts' probability, the recurrent layers' constructor checks (and the dropout-with-one-layer
  warning), an unknown Transformer activation (RuntimeError), PReLU's parameter count, ``embedding``'s
  out-of-range index, ``pack_padded_sequence``'s lengths errors, ``clip_grad_norm_``'s non-finite error.
"""
import re

import numpy as np
import pytest

import nn
import nn.functional as F


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- the feature dropouts -------------------------------------------------------------------------------------------

def test_dropout2d_reads_a_3d_input_as_n_c_l():
    # PyTorch 2.13: F.dropout2d(torch.ones(20, 30, 4), 0.5) warns "Received a 3D input to dropout2d and assuming that
    # channel-wise 1D dropout behavior is desired ..." and zeroes whole rows x[n, c, :] (one draw per (n, c))
    nn.manual_seed(0)
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        y = _f(F.dropout2d(nn.ones(20, 30, 4), 0.5, True))
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert np.all(y.min(axis=2) == y.max(axis=2))                   # constant along L
    dropped = (y[:, :, 0] == 0)
    assert not np.all(dropped == dropped[:1])                       # not one draw per channel over the batch
    assert 0.3 < dropped.mean() < 0.7


def test_dropout2d_of_5d_and_1d_inputs_warns_as_pytorch():
    # PyTorch: a 5-D input warns "Received a 5-D input to dropout2d, which is deprecated ..." and drops the (N, C)
    # features (mask (N, C, 1, 1, 1)); a 1-D input in training raises "Feature dropout requires at least 2
    # dimensions in the input", in eval it is returned
    nn.manual_seed(0)
    with pytest.warns(UserWarning, match="Received a 5-D input to dropout2d"):
        y = _f(F.dropout2d(nn.ones(6, 30, 2, 3, 2), 0.5, True))
    per = y.reshape(6, 30, -1)
    assert np.all(per.min(-1) == per.max(-1)) and 0 < (per[..., 0] == 0).sum() < 180
    with pytest.warns(UserWarning, match="Received a 1-D input"), \
            pytest.raises(RuntimeError, match="^Feature dropout requires at least 2 dimensions in the input$"):
        F.dropout2d(nn.ones(3), 0.5, True)
    with pytest.warns(UserWarning):
        assert _f(F.dropout2d(nn.ones(3), 0.5, False)).tolist() == [1.0, 1.0, 1.0]


def test_dropout3d_of_a_4d_input_is_unbatched_and_other_ranks_warn():
    # PyTorch: a 4-D input (C, D, H, W): one draw per channel; a 3-D one warns "Received a 3-D input to dropout3d"
    # and is read as unbatched (C, D, H): one draw per x[c]
    nn.manual_seed(0)
    y = _f(F.dropout3d(nn.ones(40, 2, 3, 2), 0.5, True))
    per = y.reshape(40, -1)
    assert np.all(per.min(-1) == per.max(-1)) and 0 < (per[:, 0] == 0).sum() < 40
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        y = _f(F.dropout3d(nn.ones(40, 3, 4), 0.5, True))
    per = y.reshape(40, -1)
    assert np.all(per.min(-1) == per.max(-1)) and 0 < (per[:, 0] == 0).sum() < 40


def test_dropout1d_of_a_wrong_rank_raises_pytorchs_runtime_error():
    with pytest.raises(RuntimeError, match=r"^dropout1d: Expected 2D or 3D input, but received a 4D input\. Note that "
                                           r"dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
                                           r"dimension, a channel dimension, and an optional batch dimension \(i\.e\. "
                                           r"2D or 3D inputs\)\.$"):
        F.dropout1d(nn.ones(2, 3, 4, 4), 0.5, True)
    with pytest.raises(ValueError, match=r"^dropout probability has to be between 0 and 1, but got 1.5$"):
        F.dropout2d(nn.ones(2, 3, 4, 4), 1.5, True)


def test_dropout1d_and_dropout2d_modules_honour_inplace():
    # PyTorch: nn.Dropout2d(0.5, inplace=True)(x) writes into x (and returns it)
    nn.manual_seed(0)
    for layer, x in ((nn.Dropout2d(0.5, inplace=True), nn.ones(8, 16, 2, 2)),
                     (nn.Dropout1d(0.5, inplace=True), nn.ones(8, 16, 3))):
        y = layer(x)
        assert set(np.unique(_f(x))) == {0.0, 2.0}
        np.testing.assert_array_equal(_f(x), _f(y))
    x = nn.ones(16, 3)
    assert F.dropout1d(x, 0.5, False, inplace=True) is x           # eval: the input itself


# ---- unfold ----------------------------------------------------------------------------------------------------------

def test_unfold_takes_an_unbatched_input():
    # PyTorch: F.unfold(x (C, H, W), k) == F.unfold(x[None], k)[0]: (2, 5, 5), kernel 2 -> (8, 16)
    x = np.arange(50.0).reshape(2, 5, 5)
    y = F.unfold(nn.tensor(x), 2)
    assert tuple(y.shape) == (8, 16)
    np.testing.assert_array_equal(_f(y), _f(F.unfold(nn.tensor(x[None]), 2))[0])
    assert tuple(nn.Unfold(kernel_size=2, padding=1)(nn.tensor(x)).shape) == (8, 36)
    xt = nn.tensor(x, requires_grad=True)
    F.unfold(xt, 2).sum().backward()
    assert _f(xt.grad)[0, 1, 1] == 4.0 and _f(xt.grad)[0, 0, 0] == 1.0   # an inner pixel is in 4 windows


def test_unfold_errors_are_pytorchs():
    for shape in ((2, 0, 5, 5), (2, 5, 0), (2, 5, 5, 5, 5)):
        with pytest.raises(RuntimeError, match=r"^Expected 3D or 4D \(batch mode\) tensor with possibly 0 batch size "
                                               r"and other non-zero dimensions for input, but got: \[" +
                                               ", ".join(map(str, shape)) + r"\]$"):
            F.unfold(nn.zeros(*shape), 2)
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of \[-2, 1\], but got "
                                         r"2\)$"):
        F.unfold(nn.zeros(5, 5), 2)
    assert tuple(F.unfold(nn.zeros(0, 2, 5, 5), 2).shape) == (0, 8, 16)


# ---- lp_pool ---------------------------------------------------------------------------------------------------------

def test_lp_pool1d_takes_ceil_mode():
    # PyTorch: avg_pool1d(x^p, k, s, 0, ceil_mode) * k, to the 1/p; the partial last window's mean is over the 2
    # elements it covers: x = 1 .. 8, p = 2, k = 3, s = 2 -> windows (1,2,3), (3,4,5), (5,6,7), (7,8): the last is
    # sqrt((49 + 64) / 2 * 3) = sqrt(169.5)
    x = nn.tensor(np.arange(1.0, 9.0).reshape(1, 1, 8), requires_grad=True)
    y = F.lp_pool1d(x, 2, 3, 2, ceil_mode=True)
    np.testing.assert_allclose(_f(y)[0, 0], np.sqrt([14.0, 50.0, 110.0, 169.5]), rtol=1e-12)
    np.testing.assert_allclose(_f(nn.LPPool1d(2, 3, 2, ceil_mode=True)(x)), _f(y))
    y.sum().backward()
    # PyTorch's gradient at x = 8: d sqrt(1.5 (49 + x^2)) / dx = 1.5 * 8 / sqrt(169.5) = 0.9217
    np.testing.assert_allclose(_f(x.grad)[0, 0, 7], 12 / np.sqrt(169.5), rtol=1e-12)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_lp_pool_of_infinite_norm_type_is_the_max_or_min_of_abs(dims):
    # PyTorch: norm_type inf -> max_pool of |x|, -inf -> -max_pool(-|x|) (the smallest |x|)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2) + (4,) * dims)
    op = getattr(F, f"lp_pool{dims}d")
    windows = np.abs(x).reshape((1, 2) + sum(((2, 2) for _ in range(dims)), ()))
    axes = tuple(3 + 2 * i for i in range(dims))
    np.testing.assert_allclose(_f(op(nn.tensor(x), float("inf"), 2)), windows.max(axis=axes))
    np.testing.assert_allclose(_f(op(nn.tensor(x), -float("inf"), 2)), windows.min(axis=axes))


# ---- convolutions' padding='valid' -----------------------------------------------------------------------------------

@pytest.mark.parametrize("dims", [1, 2, 3])
def test_conv_keeps_padding_valid_and_pads_nothing_in_any_mode(dims):
    # PyTorch: Conv3d(2, 3, 2, padding='valid', padding_mode='reflect') runs (no padding); m.padding == 'valid';
    # repr "Conv2d(2, 3, kernel_size=(2, 2), stride=(1, 1), padding=valid, padding_mode=reflect)"
    cls = getattr(nn, f"Conv{dims}d")
    x = nn.tensor(np.random.default_rng(0).standard_normal((1, 2) + (4,) * dims).astype(np.float32))
    plain = cls(2, 3, 2)
    for mode in ("zeros", "reflect", "circular"):
        m = cls(2, 3, 2, padding="valid", padding_mode=mode)
        m.load_state_dict(plain.state_dict())
        assert m.padding == "valid"
        np.testing.assert_allclose(_f(m(x)), _f(plain(x)), rtol=1e-6)
    kernel = "(" + ", ".join(["2"] * dims) + ("," if dims == 1 else "") + ")"
    stride = "(" + ", ".join(["1"] * dims) + ("," if dims == 1 else "") + ")"
    assert repr(cls(2, 3, 2, padding="valid", padding_mode="reflect")) == \
        f"Conv{dims}d(2, 3, kernel_size={kernel}, stride={stride}, padding=valid, padding_mode=reflect)"


# ---- reprs and structure --------------------------------------------------------------------------------------------

def test_recurrent_reprs_are_pytorchs():
    assert repr(nn.RNN(3, 4, 2, bias=False, batch_first=True, bidirectional=True)) == \
        "RNN(3, 4, num_layers=2, bias=False, batch_first=True, bidirectional=True)"
    assert repr(nn.GRU(3, 4, bias=False)) == "GRU(3, 4, bias=False)"
    assert repr(nn.LSTM(3, 4, proj_size=2, num_layers=2, dropout=0.5)) == \
        "LSTM(3, 4, proj_size=2, num_layers=2, dropout=0.5)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"
    assert repr(nn.RNNCell(3, 4, bias=False, nonlinearity="relu")) == "RNNCell(3, 4, bias=False, nonlinearity=relu)"
    assert repr(nn.LSTMCell(3, 4, bias=False)) == "LSTMCell(3, 4, bias=False)"
    with pytest.raises(ValueError, match=r"^Unknown nonlinearity 'x'\. Select from 'tanh' or 'relu'\.$"):
        nn.RNN(3, 4, nonlinearity="x")


def test_constant_pad_and_max_unpool_reprs_are_pytorchs():
    assert repr(nn.ConstantPad1d(2, 1.5)) == "ConstantPad1d(padding=(2, 2), value=1.5)"
    assert repr(nn.ConstantPad2d((1, 2, 3, 4), 0)) == "ConstantPad2d(padding=(1, 2, 3, 4), value=0)"
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ReflectionPad1d(2)) == "ReflectionPad1d((2, 2))"
    m = nn.MaxUnpool2d(2, padding=1)
    assert (m.kernel_size, m.stride, m.padding) == ((2, 2), (2, 2), (1, 1))
    assert repr(m) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(1, 1))"
    assert repr(nn.MaxUnpool1d(2)) == "MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))"
    assert repr(nn.MaxUnpool3d((2, 1, 2), 1)) == \
        "MaxUnpool3d(kernel_size=(2, 1, 2), stride=(1, 1, 1), padding=(0, 0, 0))"
    x, idx = F.max_pool2d(nn.tensor(np.arange(16.0).reshape(1, 1, 4, 4)), 2, return_indices=True)
    np.testing.assert_array_equal(_f(nn.MaxUnpool2d(2)(x, idx))[0, 0, 1::2, 1::2], [[5.0, 7.0], [13.0, 15.0]])


def test_triplet_margin_with_distance_loss_has_a_pairwise_distance_submodule():
    m = nn.TripletMarginWithDistanceLoss()
    assert isinstance(m.distance_function, nn.PairwiseDistance)
    assert [n for n, _ in m.named_modules()] == ["", "distance_function"]
    assert repr(m) == "TripletMarginWithDistanceLoss(\n  (distance_function): PairwiseDistance()\n)"
    a, p, n = (nn.tensor(v) for v in np.eye(3)[:, None, :])
    np.testing.assert_allclose(float(m(a, p, n)), 1.0)          # d(a, p) = d(a, n) = sqrt(2) (+ eps terms)


# ---- always_call forward hooks --------------------------------------------------------------------------------------

class _Fails(nn.Module):
    def forward(self, x):
        if float(x.sum()) > 100:
            raise ValueError("too big")
        return x * 2


def test_an_always_call_forward_hook_runs_when_forward_raises():
    log = []
    m = _Fails()
    m.register_forward_hook(lambda mod, args, out: log.append("plain"))
    h = m.register_forward_hook(lambda mod, args, out: log.append(("always", out is None)), always_call=True)
    m.register_forward_hook(lambda mod, args, kwargs, out: log.append(("kw", out is None)), always_call=True,
                            with_kwargs=True)
    m(nn.ones(2))
    assert log == ["plain", ("always", False), ("kw", False)]
    log.clear()
    with pytest.raises(ValueError, match="too big"):
        m(nn.full((2,), 100.0))
    assert log == [("always", True), ("kw", True)]
    h.remove()
    assert len(m._forward_hooks_always_called) == 1
    log.clear()
    with pytest.raises(ValueError):
        m(nn.full((2,), 100.0))
    assert log == [("kw", True)]


def test_an_always_call_hook_after_a_failing_hook_runs_once_and_its_own_error_is_a_warning():
    # PyTorch: a hook that raises stops the others; the always_call ones not yet run then run with the output so
    # far; an error of theirs becomes a warning, the first error propagates
    log = []
    m = _Fails()

    def boom(mod, args, out):
        raise KeyError("hook")

    def bad(mod, args, out):
        raise RuntimeError("second")
    m.register_forward_hook(lambda mod, args, out: log.append(("first", _f(out).tolist())), always_call=True)
    m.register_forward_hook(boom)
    m.register_forward_hook(lambda mod, args, out: log.append(("after", _f(out).tolist())), always_call=True)
    m.register_forward_hook(bad, always_call=True)
    with pytest.raises(KeyError), pytest.warns(UserWarning, match="always_call=True`` raised an exception that was "
                                                                  "silenced as another error was raised in forward: "
                                                                  "second"):
        m(nn.ones(2))
    assert log == [("first", [2.0, 2.0]), ("after", [2.0, 2.0])]


# ---- nn.utils' words ------------------------------------------------------------------------------------------------

def test_pack_padded_sequence_errors_are_pytorchs():
    R = nn.utils.rnn
    padded = nn.zeros(3, 2)
    with pytest.raises(RuntimeError, match=r"^Length of all samples has to be greater than 0, but found an element "
                                           r"in 'lengths' that is <= 0$"):
        R.pack_padded_sequence(padded, [3, 0])
    with pytest.raises(ValueError):                          # still a ValueError, as nn's earlier error was
        R.pack_padded_sequence(padded, nn.tensor([0, 3]), enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"^Expected `len\(lengths\)` to be equal to batch_size, but got 3 "
                                           r"\(batch_size=2\)$"):
        R.pack_padded_sequence(padded, [3, 2, 1])
    with pytest.raises(RuntimeError, match=r"^`lengths` array must be sorted in decreasing order when "
                                           r"`enforce_sorted` is True\. You can pass `enforce_sorted=False` to "
                                           r"pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                                           r"if you do not need ONNX exportability\.$"):
        R.pack_sequence([nn.ones(1), nn.ones(2)])


def test_clip_grad_norm_non_finite_error_is_pytorchs():
    w = nn.nn.Parameter(nn.ones(3))
    (w * nn.tensor([1.0, float("inf"), 0.0])).sum().backward()
    with pytest.raises(RuntimeError, match=r"^The total norm of order 2\.0 for gradients from `parameters` is "
                                           r"non-finite, so it cannot be clipped\. To disable this error and scale "
                                           r"the gradients by the non-finite norm anyway, set "
                                           r"`error_if_nonfinite=False`$"):
        nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)


# ---- constructor checks ---------------------------------------------------------------------------------------------

def test_conv3d_refuses_a_bad_padding_string_when_built():
    # PyTorch: Conv3d(2, 2, 3, padding='same', stride=2) raises ValueError "padding='same' is not supported for
    # strided convolutions" when built (nn: its Conv1d / Conv2d words); nn built it and failed in forward
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        nn.Conv3d(2, 2, 3, padding="same", stride=2)
    with pytest.raises(ValueError, match="padding must be an int or a triple, 'same' or 'valid', got 'foo'"):
        nn.Conv3d(2, 2, 3, padding="foo")
    assert nn.Conv3d(2, 2, 3, padding="same").padding == "same"


def test_dropout_probability_errors_are_pytorchs():
    # PyTorch: nn.Dropout(1.5), F.dropout(x, 1.5), F.alpha_dropout(x, -1): ValueError "dropout probability has to
    # be between 0 and 1, but got 1.5"
    for make, bad in ((lambda: nn.Dropout(1.5), 1.5), (lambda: nn.Dropout2d(-0.1), -0.1),
                      (lambda: nn.AlphaDropout(2), 2), (lambda: F.dropout(nn.ones(2), 1.5), 1.5),
                      (lambda: F.alpha_dropout(nn.ones(2), -1.0, True), -1.0)):
        with pytest.raises(ValueError, match=rf"^dropout probability has to be between 0 and 1, but got {bad}$"):
            make()
    assert nn.Dropout(1).p == 1


def test_recurrent_constructor_errors_and_warning_are_pytorchs():
    bad = "dropout should be a number in range [0, 1] representing the probability of an element being zeroed"
    for kw in (dict(dropout=1.5), dict(dropout=True)):
        with pytest.raises(ValueError, match=f"^{re.escape(bad)}$"):
            nn.LSTM(3, 4, **kw)
    for cls, kw, words in ((nn.LSTM, dict(proj_size=4), "proj_size has to be smaller than hidden_size"),
                           (nn.LSTM, dict(proj_size=-1),
                            "proj_size should be a positive integer or zero to disable projections"),
                           (nn.GRU, dict(proj_size=2), "proj_size argument is only supported for LSTM, not RNN or GRU"),
                           (nn.RNN, dict(num_layers=0), "num_layers must be greater than zero")):
        with pytest.raises(ValueError, match=f"^{words}$"):
            cls(3, 4, **kw)
    with pytest.warns(UserWarning, match=r"^dropout option adds dropout after all but last recurrent layer, so "
                                         r"non-zero dropout expects num_layers greater than 1, but got dropout=0.5 "
                                         r"and num_layers=1$"):
        nn.GRU(3, 4, dropout=0.5)


def test_transformer_layer_with_an_unknown_activation_raises_pytorchs_runtime_error():
    for cls in (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer):
        with pytest.raises(RuntimeError, match="^activation should be relu/gelu, not foo$"):
            cls(4, 2, activation="foo")


# ---- module machinery -----------------------------------------------------------------------------------------------

def test_register_buffer_or_parameter_under_a_name_of_another_kind_raises():
    # PyTorch: Linear(2, 2).register_buffer("weight", x) -> KeyError "attribute 'weight' already exists" (nn moved
    # the parameter to the buffers, silently dropping it from parameters()); the same for register_parameter over a
    # buffer and add_module over either
    m = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="attribute 'weight' already exists"):
        m.register_buffer("weight", nn.zeros(1))
    m.register_buffer("b", nn.zeros(1))
    with pytest.raises(KeyError, match="attribute 'b' already exists"):
        m.register_parameter("b", nn.nn.Parameter(nn.zeros(1)))
    with pytest.raises(KeyError, match="attribute 'b' already exists"):
        m.add_module("b", nn.ReLU())
    m.register_parameter("x", None)
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_buffer("x", nn.zeros(1))
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    m.register_buffer("b", nn.ones(1))                              # the same kind again: replaced
    assert _f(m.b).tolist() == [1.0]
    m.weight = nn.nn.Parameter(nn.zeros(2, 2))                      # assignment still replaces in place
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]


class _Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(1, 1)
        self.register_buffer("b", nn.zeros(1))
        self.steps = 3

    def get_extra_state(self):
        return {"steps": self.steps}

    def set_extra_state(self, state):
        self.steps = state["steps"]


def test_extra_state_is_saved_and_loaded():
    # PyTorch: a module overriding get_extra_state / set_extra_state has prefix + "_extra_state" in its state
    # dict, after its own buffers and before its children; load_state_dict hands it to set_extra_state; strict
    # reports it missing (and unexpected under a module that does not override set_extra_state)
    outer = nn.Sequential(_Counter(), nn.Linear(1, 1))
    sd = outer.state_dict()
    assert list(sd) == ["0.b", "0._extra_state", "0.lin.weight", "0.lin.bias", "1.weight", "1.bias"]
    assert sd["0._extra_state"] == {"steps": 3}
    other = nn.Sequential(_Counter(), nn.Linear(1, 1))
    other[0].steps = 0
    assert repr(other.load_state_dict(sd)) == "<All keys matched successfully>"
    assert other[0].steps == 3
    partial = {k: v for k, v in sd.items() if k != "0._extra_state"}
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "0._extra_state"'):
        other.load_state_dict(partial)
    more = dict(sd, **{"1._extra_state": 5})
    result = other.load_state_dict(more, strict=False)
    assert result.missing_keys == [] and result.unexpected_keys == ["1._extra_state"]
    with pytest.raises(RuntimeError, match="^Reached a code path in Module.get_extra_state\\(\\) that should never "
                                           "be called"):
        nn.Linear(1, 1).get_extra_state()
    other[0].steps = 0
    other[0].register_load_state_dict_pre_hook(lambda *args: None)      # the per-module load path
    other.load_state_dict(sd)
    assert other[0].steps == 3


def test_module_to_an_integer_dtype_raises_pytorchs_type_error_and_complex_is_taken():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"^nn\.Module\.to only accepts floating point or complex dtypes, but got "
                                        r"desired dtype=nn\.int64$"):
        m.to(nn.int64)
    with pytest.warns(UserWarning, match="Complex modules are a new feature"):
        m.to(nn.complex128)
    assert m.weight.dtype == nn.complex128 and m.bias.dtype == nn.complex128


# ---- layers' arguments ----------------------------------------------------------------------------------------------

def test_embedding_from_pretrained_takes_pytorchs_arguments_and_shares_the_tensor():
    # PyTorch: Embedding.from_pretrained(embeddings, freeze, padding_idx, max_norm, norm_type, scale_grad_by_freq,
    # sparse); the weight is a Parameter on the given tensor's memory, so max_norm's renormalisation writes into it
    w = nn.tensor(np.arange(12.0).reshape(4, 3))
    e = nn.Embedding.from_pretrained(w, padding_idx=1, max_norm=5.0)
    assert repr(e) == "Embedding(4, 3, padding_idx=1, max_norm=5.0)" and not e.weight.requires_grad
    y = _f(e(nn.tensor([0, 1, 3])))
    np.testing.assert_allclose(np.linalg.norm(y[1:], axis=1), [5.0, 5.0], rtol=1e-6)
    np.testing.assert_allclose(_f(w)[3], y[2])                      # written through to w, as PyTorch's
    e2 = nn.Embedding.from_pretrained(w, freeze=False, norm_type=1.0, scale_grad_by_freq=True, sparse=True)
    assert e2.weight.requires_grad and e2.scale_grad_by_freq and e2.norm_type == 1.0
    with pytest.raises(IndexError, match=r"^index out of range in self$"):          # PyTorch's words
        e(nn.tensor([4]))


def test_hardtanh_takes_the_deprecated_min_value_and_max_value():
    with pytest.warns(FutureWarning) as record:
        m = nn.Hardtanh(min_value=-2.0, max_value=3.0)
    assert [str(w.message) for w in record] == ["keyword argument `min_value` is deprecated and renamed to `min_val`",
                                                "keyword argument `max_value` is deprecated and renamed to `max_val`"]
    assert repr(m) == "Hardtanh(min_val=-2.0, max_val=3.0)"
    assert _f(m(nn.tensor([-5.0, 0.5, 5.0]))).tolist() == [-2.0, 0.5, 3.0]


def test_reflection_replication_circular_pads_take_no_value():
    # PyTorch: ReflectionPad2d(1, 0.5) -> TypeError (its __init__ takes padding only)
    for cls in (nn.ReflectionPad2d, nn.ReplicationPad1d, nn.CircularPad3d):
        with pytest.raises(TypeError):
            cls(1, 0.5)
        assert "value" not in repr(cls(1))


def test_prelu_with_a_parameter_count_that_fits_no_channel_count_raises_pytorchs_error():
    # PyTorch: nn.PReLU(3)(torch.ones(3)) (an unbatched 1-D input has one channel) -> RuntimeError "Mismatch of
    # parameter numbers and input channel size. Found parameter numbers = 3 and channel size = 1."
    with pytest.raises(RuntimeError, match=r"^Mismatch of parameter numbers and input channel size\. Found parameter "
                                           r"numbers = 3 and channel size = 1\.$"):
        nn.PReLU(3)(nn.ones(3))
    with pytest.raises(RuntimeError, match=r"numbers = 2 and channel size = 3\.$"):
        F.prelu(nn.ones(2, 3, 4), nn.ones(2))
    np.testing.assert_array_equal(_f(nn.PReLU(3, init=0.5)(nn.tensor([[-2.0, 1.0, -4.0]]))), [[-1.0, 1.0, -2.0]])


# ---- empty batches --------------------------------------------------------------------------------------------------

def test_max_unpool_and_fractional_max_pool_take_an_empty_batch():
    # PyTorch: MaxUnpool2d(2)(zeros(0, 1, 2, 2), indices) -> (0, 1, 4, 4); FractionalMaxPool2d(2, output_size=2) of
    # (0, 2, 4, 4) -> (0, 2, 2, 2); nn failed reshaping with -1 ("cannot reshape array of size 0")
    assert tuple(nn.MaxUnpool2d(2)(nn.zeros(0, 1, 2, 2), nn.zeros(0, 1, 2, 2, dtype=nn.int64)).shape) == (0, 1, 4, 4)
    assert tuple(nn.MaxUnpool1d(2)(nn.zeros(0, 1, 2), nn.zeros(0, 1, 2, dtype=nn.int64)).shape) == (0, 1, 4)
    assert tuple(nn.MaxUnpool3d(2)(nn.zeros(0, 1, 2, 2, 2), nn.zeros(0, 1, 2, 2, 2, dtype=nn.int64)).shape) == \
        (0, 1, 4, 4, 4)
    x = nn.zeros(0, 2, 4, 4, requires_grad=True)
    y = nn.FractionalMaxPool2d(2, output_size=2)(x)
    assert tuple(y.shape) == (0, 2, 2, 2)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 2, 4, 4)
    assert tuple(nn.FractionalMaxPool3d(2, output_size=2)(nn.zeros(0, 2, 4, 4, 4)).shape) == (0, 2, 2, 2, 2)


# ---- names PyTorch has ----------------------------------------------------------------------------------------------

def test_skip_init_and_the_memory_format_conversions():
    # PyTorch: nn.utils.skip_init(nn.Linear, 5, 2) builds the module on the meta device and gives it memory on
    # cpu without initialising it; a module without a device argument: RuntimeError "Module must support a
    # 'device' arg to skip initialization"; convert_conv2d_weight_memory_format returns the module
    m = nn.utils.skip_init(nn.Linear, in_features=5, out_features=2)
    assert type(m) is nn.Linear and tuple(m.weight.shape) == (2, 5) and not m.weight.is_meta
    assert tuple(m(nn.ones(5)).shape) == (2,)
    with pytest.raises(RuntimeError, match="^Module must support a 'device' arg to skip initialization$"):
        nn.utils.skip_init(nn.ReLU)
    c = nn.Sequential(nn.Conv2d(2, 2, 3))
    assert nn.utils.convert_conv2d_weight_memory_format(c, nn.channels_last) is c
    assert nn.utils.convert_conv3d_weight_memory_format(c, nn.channels_last) is c


def test_call_impl_runs_the_hooks_and_forward():
    m, log = nn.Linear(2, 1), []
    m.register_forward_hook(lambda mod, args, out: log.append(tuple(out.shape)))
    assert tuple(m._call_impl(nn.ones(2)).shape) == (1,) and tuple(m._wrapped_call_impl(nn.ones(3, 2)).shape) == (3, 1)
    assert log == [(1,), (3, 1)]


def test_lazy_instance_norms_default_to_affine_and_running_statistics():
    # PyTorch: LazyInstanceNorm2d() (its _LazyNormBase's defaults) becomes InstanceNorm2d(3, affine=True,
    # track_running_stats=True): weight, bias and running statistics, used in eval. nn built InstanceNorm2d(3)'s
    # defaults (no parameters, batch statistics in eval)
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    m = nn.LazyInstanceNorm2d().double()
    m(nn.tensor(x))
    assert type(m) is nn.InstanceNorm2d and m.affine and m.track_running_stats
    assert list(m.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    # one step from (0, 1) with momentum 0.1: the batch's mean of each instance's unbiased variance
    var = x.reshape(2, 3, 16).var(axis=2, ddof=1).mean(axis=0)
    np.testing.assert_allclose(_f(m.running_var), 0.9 + 0.1 * var, rtol=1e-12)
    m.eval()
    mean = 0.1 * x.reshape(2, 3, 16).mean(axis=2).mean(axis=0)
    expected = (x - mean[:, None, None]) / np.sqrt(0.9 + 0.1 * var + 1e-5)[:, None, None]
    np.testing.assert_allclose(_f(m(nn.tensor(x))), expected, rtol=1e-10)
    plain = nn.LazyInstanceNorm1d(affine=False, track_running_stats=False)
    plain(nn.ones(2, 3, 4))
    assert list(plain.state_dict()) == []


def test_attributes_pytorch_sets_on_every_instance():
    # PyTorch: every convolution has output_padding (zeros unless transposed); Upsample has name; the Transformer
    # encoder layer has activation_relu_or_gelu (1 relu, 2 gelu, 0 otherwise)
    assert nn.Conv2d(2, 2, 3).output_padding == (0, 0) and nn.Conv1d(2, 2, 3).output_padding == (0,)
    assert nn.Conv3d(2, 2, 3).output_padding == (0, 0, 0)
    assert nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=1).output_padding == (1, 1)
    assert repr(nn.Conv2d(2, 2, 3)) == "Conv2d(2, 2, kernel_size=(3, 3), stride=(1, 1))"
    assert nn.Upsample(scale_factor=2).name == "Upsample" and nn.UpsamplingNearest2d(scale_factor=2).name == \
        "UpsamplingNearest2d"
    flags = [nn.TransformerEncoderLayer(4, 2, activation=a).activation_relu_or_gelu
             for a in ("relu", "gelu", F.relu, F.gelu, nn.ReLU(), nn.GELU(), F.silu)]
    assert flags == [1, 2, 1, 2, 1, 2, 0]
