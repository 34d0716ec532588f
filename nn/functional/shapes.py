"""Shape ops: pad, cat, flatten, pixel_shuffle, pixel_unshuffle."""
import numpy as np

from ..dtypes import checked_fill, kernel_not_implemented
from ..tensor import ShapeError, Tensor, int_tuple_error, linear_graph_backward, parser_float, parser_int, \
    parser_type_name, refuse_dims_out_of_range
from ._args import _tensor, _common_dtype, _cast


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input, pad, mode="constant", value=None):
    """Padding of the last dims, PyTorch order: pad=(left, right, top, bottom, ...).

    x (..., H, W) -> (..., H + top + bottom, W + left + right). mode: 'constant' (value, default 0), 'reflect',
    'replicate' or 'circular', as PyTorch. A negative amount in constant mode crops, as PyTorch's.
    """
    x = _tensor(input, "input", "pad", floating=False)
    _check_pad_amounts(pad)
    if value is not None:       # its parser's float (or None), before any check of the kernel's
        value = parser_float(value, "pad", "value", 4)
    if mode not in _PAD_MODES:
        # PyTorch's error for any other mode (speechbrain's Conv1d(padding_mode="zeros") reaches it)
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:            # PyTorch's checks and words (ShapeError: its RuntimeError, nn's earlier ValueError)
        raise ShapeError("Padding length must be divisible by 2")
    if len(pad) // 2 > x.ndim:
        raise ShapeError(f"Padding length should be less than or equal to two times the input dimension but got "
                         f"padding length {len(pad)} and input of dimension {x.ndim}")
    if mode != "constant" and value is not None and value != 0:     # PyTorch refuses it rather than ignore it
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if mode != "constant":
        _check_nonconstant_pad(x, [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)], mode)
    if any(int(p) < 0 for p in pad) and mode in ("reflect", "replicate"):
        # PyTorch pads, then crops: a reflection may reach into the cropped part ((-2, 3) of 0..4 -> 2 3 4 3 2 1)
        y = _pad(x, [max(0, int(p)) for p in pad], mode, value)
        keep = [slice(None)] * x.ndim
        for i in range(len(pad) // 2):
            lo, hi, n = int(pad[2 * i]), int(pad[2 * i + 1]), y.shape[x.ndim - 1 - i]
            keep[x.ndim - 1 - i] = slice(max(0, -lo), n - max(0, -hi))
        return y[tuple(keep)]
    if any(int(p) < 0 for p in pad):
        # constant and circular crop first (circular then wraps what is left, as PyTorch's)
        keep = [slice(None)] * x.ndim
        for i in range(len(pad) // 2):
            lo, hi, n = int(pad[2 * i]), int(pad[2 * i + 1]), x.shape[x.ndim - 1 - i]
            if n - max(0, -lo) - max(0, -hi) < 0:     # PyTorch crops by narrow(), in its words
                raise ShapeError("narrow(): length must be non-negative.")
            keep[x.ndim - 1 - i] = slice(max(0, -lo), n - max(0, -hi))
        x, pad = x[tuple(keep)], [max(0, int(p)) for p in pad]      # then pad what is left (checked above)
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):          # pairs start from the last dim
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if mode == "constant":
        crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        if value is not None and x.dtype.kind != "b":
            # PyTorch takes the value as a double and converts it checked: -inf into int64 is its RuntimeError
            # "value cannot be converted to type int64_t without overflow", 2.7 becomes 2 (NumPy: OverflowError)
            value = checked_fill(value, x.dtype)
        # (NumPy's pad takes no widths for a 0-d array: PyTorch's pad of () is a copy of it)
        y = np.pad(x._data, widths, constant_values=0.0 if value is None else value) if x.ndim else x._data.copy()

        def backward(g):
            # padded cells are constants: the input's gradient is the centre crop
            return (g[crop],)
        return Tensor._make(y, (x,), backward, "constant_pad_nd",          # PyTorch's ConstantPadNdBackward0
                            linear_graph_backward(lambda a: np.pad(a, widths), lambda g: g[crop], "pad"), saves=False)
    # every output cell copies one input cell: pad the input's flat indices the same way
    source = np.pad(np.arange(x._data.size).reshape(x.shape), widths, mode=_PAD_MODES[mode])
    y = x._data.reshape(-1)[source]

    def backward(g):
        # each input cell receives the sum of the gradients of the output cells that copied it
        gx = np.bincount(source.reshape(-1), weights=g.reshape(-1), minlength=x._data.size)
        return (gx.reshape(x.shape).astype(g.dtype, copy=False),)
    # PyTorch's nodes: ReflectionPad2DBackward0, ReplicationPad1DBackward0, ... (circular: its copies, not one node)
    kind = {"reflect": "reflection", "replicate": "replication"}.get(mode)
    return Tensor._make(y, (x,), backward, f"{kind}_pad{len(pad) // 2}d" if kind else "pad_" + mode,
                        linear_graph_backward(lambda a: a.reshape(-1)[source], lambda g: backward(g)[0], "pad"))


_pad = pad


def _check_pad_amounts(pad):
    """PyTorch's argument parser on pad: a tuple of ints (NumPy ints and one-element integer tensors pass); int()
    would silently truncate (1, 1.5) to (1, 1). Its words name the first element's type one way, later ones another
    (and, quirk of the parser, let a bool pass after the first)."""
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {parser_type_name(pad)}")
    for i, p in enumerate(pad):
        if isinstance(p, Tensor):
            ok = p.dtype.kind in "iu" and p.numel() == 1
        else:
            ok = isinstance(p, (int, np.integer)) and not (i == 0 and isinstance(p, bool))
        if not ok:
            raise int_tuple_error("pad", "pad", 2, i, p)


def _check_nonconstant_pad(x, pairs, mode):
    """PyTorch's refusals of reflect / replicate / circular padding, in its order; pairs are (before, after), last
    dim first."""
    k = len(pairs) + 1
    if not 2 <= k <= 4 or not k <= x.ndim <= k + 1:        # 1-3 padded dims of a sample (C, ...) or a batch
        raise NotImplementedError(
            f"Padding size {2 * len(pairs)} is not supported for {x.ndim}D input tensor.\nSupported combinations for "
            f"non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: "
            f"padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    if mode == "circular":
        for i, (lo, hi) in reversed(list(enumerate(pairs))):        # PyTorch walks the padded dims outermost first
            n = x.shape[x.ndim - 1 - i]
            if lo > n or hi > n:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if n + lo + hi < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
        return
    if 0 in x.shape[-k:]:
        raise RuntimeError(f"Expected {k}D or {k + 1}D (batch mode) tensor with possibly 0 batch size and other "
                           f"non-zero dimensions for input, but got: {list(x.shape)}")
    for i, (lo, hi) in enumerate(pairs):
        if mode == "reflect" and (lo >= x.shape[x.ndim - 1 - i] or hi >= x.shape[x.ndim - 1 - i]):
            raise RuntimeError(f"Argument #{4 + 2 * i}: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {x.ndim - 1 - i} of input "
                               f"{list(x.shape)}")
    ins = [x.shape[x.ndim - 1 - i] for i in range(len(pairs))]                  # W, H, D
    outs = [n + lo + hi for n, (lo, hi) in zip(ins, pairs)]
    # PyTorch refuses when no output dim is left (a negative one fails there too, in other words)
    if all(o < 1 for o in outs) or any(o < 0 for o in outs):
        if k == 2:
            raise RuntimeError(f"input (W: {ins[0]}) is too small. Calculated output W: {outs[0]}")
        if k == 3:
            raise RuntimeError(f"input (H: {ins[1]}, W: {ins[0]}{' ' if mode == 'replicate' else ''}) is too small. "
                               f"Calculated output H: {outs[1]} W: {outs[0]}")
        raise RuntimeError(f"input (D: {ins[2]} H: {ins[1]}, W: {ins[0]}) is too small. "
                           f"Calculated output D: {outs[2]} H: {outs[1]} W: {outs[0]}")
    # after the shape checks, the CPU kernel's dtype dispatch: no bool ("reflection_pad1d" not implemented for 'Bool')
    if x._data.dtype.kind == "b":
        kernel = "reflection" if mode == "reflect" else "replication"
        raise kernel_not_implemented(f"{kernel}_pad{len(pairs)}d", x.dtype)


def tensor_list(tensors, fn):
    """PyTorch's TensorList argument -> a tuple or list of Tensors: a tuple or a list only, so one Tensor is refused
    (list() would take its rows: `torch.stack(x)` is an error, not x) and so is an iterator, in its argument parser's
    words; so is an element that is no Tensor (a list, a number), but a NumPy array is taken, as by nn's other
    functions."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fn}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        f"{parser_type_name(tensors)}")
    for t in tensors:
        if not isinstance(t, Tensor):       # (the common case, all Tensors, costs this loop only)
            return _wrapped_elements(tensors)
    return tensors


def _wrapped_elements(tensors):
    """tensor_list's elements, NumPy arrays as Tensors; PyTorch's TypeError for the first that is neither."""
    for i, t in enumerate(tensors):
        if not isinstance(t, (Tensor, np.ndarray)):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {parser_type_name(t)}")
    return [Tensor._wrap(t) if isinstance(t, np.ndarray) else t for t in tensors]


def cat(tensors, dim=0):
    """Concatenate tensors along dim; all other dims must match. As PyTorch (a legacy rule), 1-D empty tensors, of
    shape (0,) (nn.tensor([]), nn.Tensor()), are left out whatever the others' shape, but count in the dtype."""
    tensors = tensor_list(tensors, "cat")
    parser_int(dim, "cat", "dim", 2)
    given = [_tensor(t, f"tensors[{i}]", "cat", floating=False) for i, t in enumerate(tensors)]
    # PyTorch's checks, in its order and words
    if not given:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(given):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    tensors = [t for t in given if t.shape != (0,)] or given[:1]
    ref = tensors[0]
    refuse_dims_out_of_range(ref.ndim, dim)         # (ref.ndim >= 1: 0-d tensors are refused above)
    d = dim % ref.ndim
    for i, t in enumerate(given):
        fits = t.ndim == ref.ndim and all(a == b for k, (a, b) in enumerate(zip(t.shape, ref.shape)) if k != d)
        if t.shape != (0,) and not fits:        # PyTorch's words
            if t.ndim != ref.ndim:
                raise ShapeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
            k = next(k for k, (a, b) in enumerate(zip(ref.shape, t.shape)) if k != d and a != b)
            raise ShapeError(f"Sizes of tensors must match except in dimension {d}. Expected size {ref.shape[k]} but "
                             f"got size {t.shape[k]} for tensor number {i} in the list.")
    dt = _common_dtype(*given)
    y = np.concatenate([_cast(t._data, dt) for t in tensors], axis=d)
    if not y.flags.c_contiguous:        # NumPy keeps the inputs' layout (transposed in, transposed out);
        y = np.ascontiguousarray(y)     # PyTorch's cat is contiguous (view_as_complex of it must work)
    bounds = np.cumsum([t.shape[d] for t in tensors])[:-1]

    def backward(g):
        # each input gets back its own slice of g
        pieces = np.split(g, bounds, axis=d)
        return tuple(p if t.requires_grad else None for p, t in zip(pieces, tensors))

    def graph_backward(g):
        starts = np.concatenate([[0], bounds, [g.shape[d]]])
        return tuple(g.narrow(d, int(a), int(b - a)) for a, b in zip(starts[:-1], starts[1:]))
    # saves only sizes, as PyTorch's CatBackward0: a second backward may pass (GradCache's chunked losses)
    return Tensor._make(y, tuple(tensors), backward, "cat", graph_backward, saves=False)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one, as torch.flatten (also nn.flatten and x.flatten()).

    start_dim=0 flattens everything; nn.Flatten passes start_dim=1: (N, C, H, W) -> (N, C*H*W).
    A 0-d tensor becomes 1-d.
    """
    x = _tensor(input, "input", "flatten", floating=False)
    if type(start_dim) is not int or type(end_dim) is not int:     # (plain ints, the common case, pass at once)
        # (a bool or list: PyTorch's parser's TypeError, its positions the method's or torch.flatten's)
        from ..tensor_ops._attach import check_parsed_ints          # noqa: PLC0415 - tensor_ops imports this
        check_parsed_ints("flatten", ["input", "start_dim", "end_dim"], {"start_dim": "int", "end_dim": "int"}, (),
                          (x, start_dim, end_dim), {})
    refuse_dims_out_of_range(x.ndim, start_dim, end_dim)      # (nn wrapped any dim)
    if x.ndim == 0:
        return x.reshape(1)
    s, e = start_dim % x.ndim, end_dim % x.ndim
    if s > e:           # (PyTorch's RuntimeError; ShapeError: also the ValueError nn raised)
        raise ShapeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = x.shape[:s] + (int(np.prod(x.shape[s:e + 1])),) + x.shape[e + 1:]
    return x.reshape(shape)


def pixel_shuffle(input, upscale_factor):
    """Sub-pixel rearrangement (Shi et al., 2016): (*, C*r*r, H, W) -> (*, C, H*r, W*r).

    Output pixel (c, h*r + i, w*r + j) is input channel c*r*r + i*r + j at (h, w): a reshape and
    a permute, so the gradient is their inverse (through the Tensor's own reshape/permute).
    """
    x = _tensor(input, "input", "pixel_shuffle", floating=False)
    r = int(parser_int(upscale_factor, "pixel_shuffle", "upscale_factor", 2))
    # ATen's checks, in its order and words (torchlayers' ConvPixelShuffle on a 1-d signal meets the channels')
    if x.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if x.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={x.shape[-3]} is not divisible by {r * r}")
    *lead, c, h, w = x.shape
    n = len(lead)
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)     # (*, C, H, r, W, r)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """The inverse of pixel_shuffle: (*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    x = _tensor(input, "input", "pixel_unshuffle", floating=False)
    r = int(parser_int(downscale_factor, "pixel_unshuffle", "downscale_factor", 2))
    if x.ndim < 3:                                              # ATen's checks, in its order and words
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    for name, dim in (("height", -2), ("width", -1)):
        if x.shape[dim] % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({dim})={x.shape[dim]} is not divisible by {r}")
    if x.numel() == 0:          # as ATen's, which returns an empty input's clone, shaped as it
        return x.clone()
    *lead, c, h, w = x.shape
    n = len(lead)
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)     # (*, C, r, r, H/r, W/r)
    return y.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """ShuffleNet's channel shuffle: (N, g*k, *) -> (N, k*g, *), channel i*k + j moved to j*g + i (a reshape,
    a transpose and a reshape, so the gradient is theirs)."""
    x = _tensor(input, "input", "channel_shuffle", floating=False)
    g = int(parser_int(groups, "channel_shuffle", "groups", 2))
    # PyTorch's checks, in its order and words (its RuntimeErrors; the shapes' a ShapeError, also nn's former
    # ValueError)
    if x.ndim < 3:
        raise ShapeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(x.shape)}")
    if g < 1:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{g}")
    if x.shape[1] % g:
        raise ShapeError(f"Number of channels must be divisible by groups. Got {x.shape[1]} channels and {g} "
                         "groups.")
    n, c, *rest = x.shape
    return x.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)
