"""Model summaries from the package registry: torchsummary 1.5.1, pytorch-model-summary 0.1.2 and torchscan 0.2.0
(its "structure" mode), ported by the porting rule and run against the originals on PyTorch 2.13 with PyTorch's
weights: a CNN with BatchNorm, a two-input model, a shared layer called twice, a transposed-conv decoder, a 1-d
conv net and an LSTM / GRU model; their printed tables and torchscan's reports agree character for character
(torch.float32 printed nn.float32).

The failures these tests pin down, in a few lines (the packages are not imported here):

- ``torch.nn.modules.module._addindent(s_, numSpaces)``: PyTorch's helper that indents every line of a repr but
  the first, imported by module printers (pytorch-model-summary's hierarchical summary); nn had it as ``_indent``,
  so the import failed.
- A buffer read twice was two Tensors: nn keeps buffers as arrays and wrapped one in a new Tensor at every read,
  so ``m.running_mean is m.running_mean`` was False where PyTorch's buffers are Tensors. torchscan tells shared
  tensors apart by ``id()``: the wrapper of one read was freed and the next read's wrapper took its id, so
  BatchNorm's ``num_batches_tracked`` counted as shared with ``running_mean`` and its element was left out (32
  for 33). A buffer now reads as the same Tensor while it holds the same array (a new one after ``.double()``,
  as PyTorch makes new buffers there); the views are not pickled or copied.
- ``torch._C._disabled_torch_function_impl`` (``Parameter.__torch_function__``) runs the function with subclass
  handling off, as PyTorch's; nn's called it as it was, so torchview's recorder, whose ``__torch_function__`` calls
  ``nn.Parameter.__torch_function__(F.linear, ...)``, was asked again for the same call, without end (RecursionError).
  ``torch._C.ScriptMethod`` (torchview imports it for an isinstance check) exists, and nothing is one.
- The function handed to ``__torch_function__`` for an operator is PyTorch's: the named method for most (``a + b``
  and ``1 + a``: Tensor.add, ``a * b``: mul, ``a / b``: div, ``2 < a``: gt, ``-a``: neg, ``a += b``: add_), the
  operator itself for the rest (``a // b``: __floordiv__, ``a & b``: __and__, ``a == b``: __eq__, ``a &= b``:
  __iand__); nn handed over __add__ / __mul__ / ..., and bitwise_and / eq / bitwise_not for &, == and ~, so
  torchview's graphs named their nodes otherwise. MultiheadAttention calls F.multi_head_attention_forward through F
  (a recorder sees that one call, as in PyTorch, not its parts) and with batch_first transposes each distinct input
  once (self-attention: once in all), as PyTorch's.
- A repr lays its values out as PyTorch's: a summarised dim's middle is the item " ..." (``[0,  ..., 9]``, numpy's
  array2string wrote ``[0, ..., 9]``), and a line holds (linewidth - indent) // (width + 2) values.
- ``//=``, ``%=``, ``**=``, ``&=``, ``|=``, ``^=``, ``<<=`` and ``>>=`` change the tensor in place, as PyTorch's
  (``mask &= keep`` on a mask held elsewhere); nn had only +=, -=, *= and /= in place, so Python rebound the name
  to a new tensor and the original kept its values. With PyTorch's cast errors ("result type Float can't be cast to
  the desired output type Long") and its refusal on a leaf that requires grad.
- ``-mask`` is PyTorch's RuntimeError ("Negation, the `-` operator, on a bool tensor is not supported. ..."; nn
  raised TypeError in its own words), ``~x`` of floats its TypeError ("~ (operator.invert) is only implemented on
  integer and Boolean-type tensors") and ``bitwise_not`` of floats its NotImplementedError ('"bitwise_not_cpu" not
  implemented for 'Float''); nn raised one TypeError of its own for both.
- ``renorm`` checks as PyTorch's, RuntimeErrors in its words: a tensor of fewer than 2 dims (nn scaled a vector's
  elements one by one), p <= 0, maxnorm < 0 (nn raised ValueError), a dim out of range (IndexError).
- Module reprs as PyTorch's (found by a probe of 98 module-protocol cases): a conv's settings in PyTorch's order
  (dilation before output_padding) with padding_mode when not 'zeros' and a padding string bare (padding=same; one
  extra_repr for the 1-, 2- and 3-d convs, nn had three), Embedding's max_norm / norm_type / scale_grad_by_freq /
  sparse, AvgPool1d's one-tuples, and a Python number kept as given (LeakyReLU(negative_slope=0), Dropout(p=0),
  BatchNorm2d(3, eps=1, momentum=0): nn stored floats and printed 0.0). ``dir(module)`` names its parameters,
  buffers and children, as PyTorch's (completion of ``model.weight``).
"""
import copy
import pickle

import numpy as np

import nn
from nn.modules.module import _addindent


def test_addindent_indents_every_line_but_the_first_as_pytorchs():
    assert _addindent("Linear(in_features=2)", 2) == "Linear(in_features=2)"
    assert _addindent("Seq(\n  (0): A()\n)", 4) == "Seq(\n      (0): A()\n    )"
    assert _addindent("", 3) == ""


def test_a_buffer_reads_as_the_same_tensor_every_time():
    bn = nn.BatchNorm2d(8)
    assert bn.running_mean is bn.running_mean
    assert bn.num_batches_tracked is bn.num_batches_tracked
    first, second = list(bn.buffers()), list(bn.buffers())
    assert all(a is b for a, b in zip(first, second))
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]


def test_buffers_told_apart_by_id_are_counted_once_each_as_torchscan_counts_them():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.BatchNorm2d(8))
    seen, elements = set(), 0
    for module in model.modules():              # torchscan's loop: one read per buffer, nothing kept but the id
        for buffer in module.buffers(recurse=False):
            if id(buffer) in seen:
                continue
            seen.add(id(buffer))
            elements += buffer.numel()
    assert elements == 2 * (8 + 8 + 1)


def test_the_same_buffer_tensor_writes_through_and_follows_a_rebinding():
    bn = nn.BatchNorm1d(3)
    view = bn.running_var
    view.mul_(2.0)
    np.testing.assert_array_equal(bn._buffers.get("running_var"), [2.0, 2.0, 2.0])
    view.data = nn.ones(3) * 5                   # rebinds the module's buffer (PyTorch's buf.data = t)
    assert bn.running_var is view
    np.testing.assert_array_equal(bn.running_var.numpy(), [5.0, 5.0, 5.0])
    bn.double()                                  # new arrays: new Tensors, each stable again
    assert bn.running_var is not view and bn.running_var is bn.running_var
    assert bn.running_var.dtype == nn.float64


def test_a_buffer_assigned_anew_reads_as_the_new_array():
    m = nn.Module()
    m.register_buffer("b", nn.zeros(2))
    old = m.b
    m.b = nn.ones(2)
    assert m.b is not old and m.b is m.b
    np.testing.assert_array_equal(m.b.numpy(), [1.0, 1.0])


def test_copies_and_pickles_carry_no_view_of_the_original():
    bn = nn.BatchNorm2d(4)
    _ = bn.running_mean                          # a view made
    for other in (copy.deepcopy(bn), pickle.loads(pickle.dumps(bn))):
        assert "_buffer_views" not in other.__dict__
        other.running_mean.add_(1.0)
        np.testing.assert_array_equal(bn.running_mean.numpy(), np.zeros(4, np.float32))
        np.testing.assert_array_equal(other.running_mean.numpy(), np.ones(4, np.float32))
        assert other.running_mean is other.running_mean


def test_a_buffer_registered_as_a_tensor_subclass_reads_back_as_the_same_one():
    class Marked(nn.Tensor):
        pass

    m = nn.Module()
    m.register_buffer("mask", Marked(np.ones(3, np.float32)))
    assert type(m.mask) is Marked and m.mask is m.mask


def test_disabled_torch_function_impl_turns_subclass_handling_off_as_torchviews_recorder_needs():
    calls = []

    class Recorder(nn.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            calls.append(func.__name__)
            if func is nn.functional.linear:                    # torchview's branch: Parameter's own
                return nn.Parameter.__torch_function__(func, types, args, kwargs).as_subclass(Recorder)
            return super().__torch_function__(func, types, args, kwargs or {})

    lin = nn.Linear(3, 2)
    out = lin(nn.ones(1, 3).as_subclass(Recorder))
    assert type(out) is Recorder and calls == ["linear"]
    assert not isinstance(lin, nn._C.ScriptMethod)


def _recording_subclass():
    """A Tensor subclass that notes the name of every function handed to its __torch_function__ -> (class, names)."""
    seen = []

    class Seen(nn.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            seen.append(func.__name__)
            return super().__torch_function__(func, types, args, kwargs or {})
    return Seen, seen


def _handed_over(expression, x):
    """The name of the first function handed over while expression(x as the recording subclass) runs."""
    cls, seen = _recording_subclass()
    expression(x.clone().as_subclass(cls))
    return seen[0]


def test_operators_hand_over_pytorchs_functions():
    f, i = nn.tensor([1.0, 2.0]), nn.tensor([1, 2])
    cases = [(lambda a: a + 2, f, "add"), (lambda a: 2 + a, f, "add"), (lambda a: a - 2, f, "sub"),
             (lambda a: 2 - a, f, "__rsub__"), (lambda a: a * 2, f, "mul"), (lambda a: 2 * a, f, "mul"),
             (lambda a: a / 2, f, "div"), (lambda a: a // 2, f, "__floordiv__"), (lambda a: a % 2, f, "remainder"),
             (lambda a: 2 % a, f, "__rmod__"), (lambda a: a ** 2, f, "pow"), (lambda a: 2 ** a, f, "__rpow__"),
             (lambda a: a & 1, i, "__and__"), (lambda a: 1 & a, i, "bitwise_and"), (lambda a: a | 1, i, "__or__"),
             (lambda a: a ^ 1, i, "__xor__"), (lambda a: a << 1, i, "__lshift__"), (lambda a: 1 >> a, i, "__rrshift__"),
             (lambda a: a < 1, f, "lt"), (lambda a: 1 < a, f, "gt"), (lambda a: a == 1, f, "__eq__"),
             (lambda a: a != 1, f, "ne"), (lambda a: -a, f, "neg"), (lambda a: +a, f, "positive"),
             (lambda a: abs(a), f, "abs"), (lambda a: ~a, i, "__invert__"), (lambda a: a @ f, f, "matmul")]
    for expression, x, name in cases:
        assert _handed_over(expression, x) == name, name


def test_augmented_operators_hand_over_the_in_place_methods():
    def aug(op):
        def run(a):
            exec(f"a {op} 2")
        return run
    f, i = nn.tensor([1.0, 2.0]), nn.tensor([1, 2])
    for op, x, name in (("+=", f, "add_"), ("-=", f, "sub_"), ("*=", f, "mul_"), ("/=", f, "div_"),
                        ("//=", f, "floor_divide_"), ("%=", f, "remainder_"), ("**=", f, "pow_"), ("&=", i, "__iand__"),
                        ("|=", i, "__ior__"), ("^=", i, "__ixor__"), ("<<=", i, "__ilshift__"), (">>=", i, "__irshift__")):
        assert _handed_over(aug(op), x) == name, op


def test_self_attention_with_batch_first_is_one_call_after_one_transpose():
    Seen, seen = _recording_subclass()
    mha = nn.MultiheadAttention(4, 2, batch_first=True)
    x = nn.ones(2, 3, 4).as_subclass(Seen)
    mha(x, x, x)
    assert seen == ["transpose", "multi_head_attention_forward", "transpose"]        # the output back, as PyTorch
    seen.clear()
    y = nn.zeros(2, 3, 4).as_subclass(Seen)
    mha(x, y, y)
    assert seen == ["transpose", "transpose", "multi_head_attention_forward", "transpose"]


def test_augmented_assignments_change_the_tensor_in_place():
    t = nn.tensor([[5, 6], [7, 8]])
    held = t
    for op, expected in (("//=", [[2, 6], [7, 4]]), ("%=", [[0, 0], [0, 0]])):
        x = t
        exec(f"x {op} nn.tensor([[2, 1], [1, 2]])")
        assert x is held
        assert held.tolist() == expected
    for op, expected in (("**=", [[25, 36], [49, 64]]), ("&=", [[0, 0], [1, 0]]), ("|=", [[7, 7], [7, 10]]),
                         ("^=", [[7, 7], [6, 10]]), ("<<=", [[20, 12], [14, 32]]), (">>=", [[1, 3], [3, 2]])):
        t = nn.tensor([[5, 6], [7, 8]])
        x = t
        exec(f"x {op} (2 if op == '**=' else nn.tensor([[2, 1], [1, 2]]))")
        assert x is t and t.tolist() == expected, op
    mask = nn.tensor([True, False, True])
    keep = mask
    keep &= nn.tensor([True, True, False])
    assert mask.tolist() == [True, False, False]
    f = nn.tensor([5.0, -6.0])
    g = f
    g //= 4
    assert f.tolist() == [1.0, -2.0]


def test_augmented_assignments_refuse_as_pytorch():
    import pytest
    t = nn.tensor([5, 6])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        t //= 2.5
    b = nn.tensor([True, False])
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired output type Bool"):
        b |= nn.tensor([1, 0])
    w = nn.tensor([2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        w **= 2


def test_an_in_place_power_inside_a_graph_has_the_gradient_of_the_power():
    w = nn.tensor([2.0, 3.0], dtype=nn.float64, requires_grad=True)
    y = w * 1.0
    z = y
    y **= 3
    assert z is y
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 3 * np.array([2.0, 3.0]) ** 2)


def test_reprs_lay_values_out_as_pytorchs():
    assert repr(nn.arange(1500)) == "tensor([   0,    1,    2,  ..., 1497, 1498, 1499])"
    assert repr(nn.arange(1001) * 1.5) == ("tensor([   0.0000,    1.5000,    3.0000,  ..., 1497.0000, 1498.5000,\n"
                                           "        1500.0000])")
    assert repr(nn.ones(4, 300)) == ("tensor([[1., 1., 1.,  ..., 1., 1., 1.],\n" + "        [1., 1., 1.,  ..., 1., 1., 1.],\n" * 2
                                     + "        [1., 1., 1.,  ..., 1., 1., 1.]])")
    # (linewidth - indent) // (width + 2) values a line: 8 of width 7 inside a matrix (numpy's wrap gave 7)
    text = repr(nn.arange(40).reshape(2, 20).float() * 1.5)
    assert text.splitlines()[0] == "tensor([[ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,"
    assert text.splitlines()[3] == "        [30.0000, 31.5000, 33.0000, 34.5000, 36.0000, 37.5000, 39.0000, 40.5000,"
    assert repr(nn.arange(1500) * (1 + 1j)) == (
        "tensor([0.0000e+00+0.0000e+00j, 1.0000e+00+1.0000e+00j, 2.0000e+00+2.0000e+00j,\n"
        "         ..., 1.4970e+03+1.4970e+03j, 1.4980e+03+1.4980e+03j,\n"
        "        1.4990e+03+1.4990e+03j])")


def test_negating_a_mask_and_inverting_floats_are_refused_in_pytorchs_words():
    import pytest
    for negate in (lambda t: -t, nn.neg, lambda t: t.neg()):
        with pytest.raises(RuntimeError, match=r"^Negation, the `-` operator, on a bool tensor is not supported\. If you "
                                               r"are trying to invert a mask, use the `~` or `logical_not\(\)` operator"):
            negate(nn.tensor([True, False]))
    with pytest.raises(TypeError, match=r"^~ \(operator\.invert\) is only implemented on integer and Boolean-type "
                                        r"tensors$"):
        ~nn.tensor([1.5])
    for invert in (nn.bitwise_not, lambda t: t.bitwise_not()):
        with pytest.raises(NotImplementedError, match="\"bitwise_not_cpu\" not implemented for 'Float'"):
            invert(nn.tensor([1.5]))
    assert (~nn.tensor([True, False])).tolist() == [False, True] and (~nn.tensor([1, -2])).tolist() == [-2, 1]


def test_renorm_checks_as_pytorch():
    import pytest
    with pytest.raises(RuntimeError, match="^renorm: input needs at least 2 dimensions, got 1 dimensions$"):
        nn.renorm(nn.ones(3), 1, 0, 5.0)                # nn scaled a vector's elements one by one
    with pytest.raises(RuntimeError, match="^renorm: non-positive-norm not supported$"):
        nn.ones(2, 2).renorm(0, 0, 1.0)
    with pytest.raises(RuntimeError, match="^renorm: expected maxnorm to be >= 0 but got -1$"):
        nn.ones(2, 2).renorm(2, 0, -1.0)
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)$"):
        nn.ones(2, 2).renorm(2, 2, 1.0)
    np.testing.assert_allclose(nn.ones(2, 2).renorm(2, -1, 1.0).numpy(), np.full((2, 2), 2 ** -0.5 / (1 + 1e-7 * 2 ** -0.5)),
                               rtol=1e-6)


def test_module_reprs_as_pytorchs():
    expected = {
        nn.Conv2d(3, 8, (3, 5), stride=2, padding=1, dilation=2, bias=False, padding_mode="reflect"):
            "Conv2d(3, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), bias=False, "
            "padding_mode=reflect)",
        nn.ConvTranspose2d(2, 4, 3, stride=2, dilation=2, output_padding=1):     # dilation before output_padding
            "ConvTranspose2d(2, 4, kernel_size=(3, 3), stride=(2, 2), dilation=(2, 2), output_padding=(1, 1))",
        nn.Conv1d(2, 4, 3, padding="same", padding_mode="circular"):
            "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same, padding_mode=circular)",
        nn.Conv3d(2, 4, 3, padding=1, padding_mode="replicate", bias=False):
            "Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1), bias=False, "
            "padding_mode=replicate)",
        nn.Embedding(10, 3, padding_idx=0, max_norm=1.0): "Embedding(10, 3, padding_idx=0, max_norm=1.0)",
        nn.Embedding(10, 3, max_norm=2, norm_type=1, scale_grad_by_freq=True, sparse=True):
            "Embedding(10, 3, max_norm=2, norm_type=1, scale_grad_by_freq=True, sparse=True)",
        nn.AvgPool1d(3, count_include_pad=False): "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))",
        nn.LeakyReLU(0): "LeakyReLU(negative_slope=0)",
        nn.Hardtanh(-2, 2): "Hardtanh(min_val=-2, max_val=2)",
        nn.Softplus(beta=2, threshold=10): "Softplus(beta=2, threshold=10)",
        nn.Dropout(p=0): "Dropout(p=0, inplace=False)",
        nn.BatchNorm2d(3, eps=1, momentum=0):
            "BatchNorm2d(3, eps=1, momentum=0, affine=True, bias=True, track_running_stats=True)",
        nn.LayerNorm(4, eps=1): "LayerNorm((4,), eps=1, elementwise_affine=True, bias=True)",
        nn.ELU(alpha=np.float64(2.0)): "ELU(alpha=2.0)",
    }
    for module, text in expected.items():
        assert repr(module) == text
    assert nn.AvgPool1d(3)(nn.ones(1, 2, 7)).shape == (1, 2, 2)
    assert nn.Embedding(4, 2, max_norm=1, norm_type=1)(nn.tensor([1])).shape == (1, 2)


def test_dir_of_a_module_names_its_parameters_buffers_and_children():
    seq = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    names = dir(seq[1])
    assert {"weight", "bias", "running_mean", "num_batches_tracked", "forward", "training"} <= set(names)
    assert names == sorted(names) and "0" not in dir(seq)
