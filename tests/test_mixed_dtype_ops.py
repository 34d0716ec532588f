"""Ops given two dtypes, as PyTorch 2.13's (nn promoted them or cast one to the other): prelu, cdist, addmv,
embedding_bag's per_sample_weights, nll_loss / cross_entropy class weights with class-index targets,
scaled_dot_product_attention, the recurrent layers, and the matrix products' remaining forms (addmm / addbmm,
baddbmm, mv, tensordot / inner, bilinear) refuse them with PyTorch's errors (messages measured on PyTorch 2.13;
its dtypes print as nn's in the recurrent layers' message)."""
import numpy as np
import pytest

import nn
import nn.functional as F

f, d = np.float32, np.float64


def t(*shape, dtype=f):
    return nn.tensor(np.random.default_rng(len(shape)).uniform(0.1, 0.9, shape).astype(dtype))


def labels(*shape):
    return nn.tensor(np.zeros(shape, np.int64))


CASES = [  # (name, call, exception, PyTorch's message)
    ("prelu", lambda: F.prelu(t(2, 3), t(1, dtype=d)), RuntimeError,
     "prelu: Type promoting not supported. Got Float and Double"),
    ("prelu", lambda: F.prelu(t(2, 3, dtype=d), t(3)), RuntimeError,
     "prelu: Type promoting not supported. Got Double and Float"),
    ("cdist", lambda: nn.cdist(t(2, 2), t(3, 2, dtype=d)), RuntimeError, "expected scalar type Float but found Double"),
    ("cdist", lambda: nn.cdist(t(2, 2, dtype=d), t(3, 2)), RuntimeError, "expected scalar type Double but found Float"),
    ("addmv", lambda: nn.addmv(t(2, dtype=d), t(2, 2), t(2)), RuntimeError,
     "addmv input tensors must have the same dtype, but got Double, Float, and Float"),
    ("addmv", lambda: nn.addmv(t(2), t(2, 2), t(2, dtype=d)), RuntimeError,
     "addmv input tensors must have the same dtype, but got Float, Float, and Double"),
    ("embedding_bag", lambda: F.embedding_bag(labels(2), t(3, 2), labels(1), mode="sum",
                                              per_sample_weights=t(2, dtype=d)), RuntimeError,
     "Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1 "
     "'per_sample_weights'; but type torch.FloatTensor does not equal torch.DoubleTensor (while checking "
     "arguments for embedding_bag)"),
    ("cross_entropy", lambda: F.cross_entropy(t(2, 3, dtype=d), labels(2), weight=t(3)), RuntimeError,
     "expected scalar type Double but found Float"),
    ("cross_entropy", lambda: F.cross_entropy(t(2, 3), labels(2), weight=t(3, dtype=d), label_smoothing=0.1),
     RuntimeError, "expected scalar type Float but found Double"),
    ("nll_loss", lambda: F.nll_loss(t(2, 3, dtype=d), labels(2), weight=t(3)), RuntimeError,
     "expected scalar type Double but found Float"),
    ("nll_loss", lambda: F.nll_loss(t(2, 3, 2, 2), labels(2, 2, 2), weight=t(3, dtype=d)), RuntimeError,
     "expected scalar type Float but found Double"),
    ("scaled_dot_product_attention",
     lambda: F.scaled_dot_product_attention(t(1, 2, 3, 4), t(1, 2, 3, 4, dtype=d), t(1, 2, 3, 4)), RuntimeError,
     "Expected query, key, and value to have the same dtype, but got query.dtype: float key.dtype: double and "
     "value.dtype: float instead."),
    ("LSTM", lambda: nn.LSTM(3, 4)(t(2, 1, 3, dtype=d)), ValueError,
     "RNN input dtype (nn.float64) does not match weight dtype (nn.float32). Convert input: input.to(nn.float32), "
     "or convert model: model.to(nn.float64)"),
    ("GRU", lambda: nn.GRU(3, 4).double()(t(2, 3)), ValueError,
     "RNN input dtype (nn.float32) does not match weight dtype (nn.float64). Convert input: input.to(nn.float64), "
     "or convert model: model.to(nn.float32)"),
]


@pytest.mark.parametrize("name, call, exception, message", CASES, ids=[c[0] for c in CASES])
def test_two_dtypes_are_refused_in_pytorchs_words(name, call, exception, message):
    with pytest.raises(exception) as raised:
        call()
    assert str(raised.value) == message


def test_what_still_takes_two_dtypes_as_pytorch():
    # an ndarray class weight (nn's own use) is cast as before; one dtype computes
    assert F.cross_entropy(t(2, 3), labels(2), weight=np.ones(3)).dtype == nn.float32
    assert nn.LSTM(3, 4).double()(t(2, 1, 3, dtype=d))[0].dtype == nn.float64
    np.testing.assert_allclose(F.prelu(t(2, 3), t(1)).numpy(), t(2, 3).numpy() * 1.0)    # all positive


def test_as_pytorch():
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    T = lambda a: torch.from_numpy(a.numpy())                                       # noqa: E731
    theirs = {
        "prelu": [lambda: tf.prelu(T(t(2, 3)), T(t(1, dtype=d))), lambda: tf.prelu(T(t(2, 3, dtype=d)), T(t(3)))],
        "cdist": [lambda: torch.cdist(T(t(2, 2)), T(t(3, 2, dtype=d))), lambda: torch.cdist(T(t(2, 2, dtype=d)), T(t(3, 2)))],
        "addmv": [lambda: torch.addmv(T(t(2, dtype=d)), T(t(2, 2)), T(t(2))),
                  lambda: torch.addmv(T(t(2)), T(t(2, 2)), T(t(2, dtype=d)))],
        "embedding_bag": [lambda: tf.embedding_bag(T(labels(2)), T(t(3, 2)), T(labels(1)), mode="sum",
                                                   per_sample_weights=T(t(2, dtype=d)))],
        "cross_entropy": [lambda: tf.cross_entropy(T(t(2, 3, dtype=d)), T(labels(2)), weight=T(t(3))),
                          lambda: tf.cross_entropy(T(t(2, 3)), T(labels(2)), weight=T(t(3, dtype=d)), label_smoothing=0.1)],
        "nll_loss": [lambda: tf.nll_loss(T(t(2, 3, dtype=d)), T(labels(2)), weight=T(t(3))),
                     lambda: tf.nll_loss(T(t(2, 3, 2, 2)), T(labels(2, 2, 2)), weight=T(t(3, dtype=d)))],
        "scaled_dot_product_attention": [lambda: tf.scaled_dot_product_attention(T(t(1, 2, 3, 4)), T(t(1, 2, 3, 4, dtype=d)),
                                                                                 T(t(1, 2, 3, 4)))],
        "LSTM": [lambda: torch.nn.LSTM(3, 4)(T(t(2, 1, 3, dtype=d)))],
        "GRU": [lambda: torch.nn.GRU(3, 4).double()(T(t(2, 3)))],
    }
    for (name, _, exception, message), call in zip(CASES, [c for calls in theirs.values() for c in calls]):
        with pytest.raises(exception) as raised:
            call()
        assert str(raised.value) == message.replace("nn.", "torch."), name


# ---- the matrix products' remaining forms: addmm / addbmm, baddbmm, mv, tensordot / inner, bilinear --------------

PRODUCT_CASES = [  # (name, shapes, dtypes, PyTorch's message)
    ("addmm", [(2, 2), (2, 2), (2, 2)], (f, f, d), "self and mat2 must have the same dtype, but got Float and Double"),
    ("addmm", [(2, 2), (2, 2), (2, 2)], (f, d, f), "mat1 and mat2 must have the same dtype, but got Double and Float"),
    ("addmm", [(2, 2), (2, 2), (2, 2)], (d, f, f), "self and mat2 must have the same dtype, but got Double and Float"),
    ("addmm", [(2, 2), (2, 2), (2, 2)], (d, f, d), "mat1 and mat2 must have the same dtype, but got Float and Double"),
    ("addbmm", [(2, 2), (1, 2, 2), (1, 2, 2)], (f, d, d), "self and mat2 must have the same dtype, but got Float and Double"),
    ("addbmm", [(2, 2), (1, 2, 2), (1, 2, 2)], (d, f, d), "mat1 and mat2 must have the same dtype, but got Float and Double"),
    ("baddbmm", [(1, 2, 2)] * 3, (f, f, d), "expected scalar type Float but found Double"),
    ("baddbmm", [(1, 2, 2)] * 3, (f, d, d), "Input dtypes must be the same, got: input float, batch1: double, batch2: double"),
    ("baddbmm", [(1, 2, 2)] * 3, (d, f, d), "Input dtypes must be the same, got: input double, batch1: float, batch2: double"),
    ("baddbmm", [(1, 2, 2)] * 3, (d, d, f), "expected scalar type Double but found Float"),
    ("mv", [(2, 2), (2,)], (f, d), "addmv input tensors must have the same dtype, but got Double, Float, and Double"),
    ("mv", [(2, 2), (2,)], (d, f), "addmv input tensors must have the same dtype, but got Float, Double, and Float"),
    ("tensordot", [(2, 2), (2, 2)], (f, d), "both inputs should have same dtype"),
    ("inner", [(2, 2), (2, 2)], (d, f), "both inputs should have same dtype"),
    ("bilinear", [(2, 3), (2, 4), (5, 3, 4)], (f, f, d),
     "All tensors must have the same dtype, got input1: float, input2: float, weight: double"),
    ("bilinear", [(2, 3), (2, 4), (5, 3, 4), (5,)], (d, f, f, d),
     "All tensors must have the same dtype, got input1: double, input2: float, weight: float, bias: double"),
]


@pytest.mark.parametrize("name, shapes, dtypes, message", PRODUCT_CASES, ids=[c[0] for c in PRODUCT_CASES])
def test_matrix_products_refuse_two_dtypes_in_pytorchs_words(name, shapes, dtypes, message):
    op = F.bilinear if name == "bilinear" else getattr(nn, name)
    with pytest.raises(RuntimeError) as raised:
        op(*[t(*s, dtype=dt) for s, dt in zip(shapes, dtypes)])
    assert str(raised.value) == message
    assert op(*[t(*s) for s in shapes]).dtype == nn.float32          # one dtype computes


def test_matrix_products_as_pytorch():
    torch = pytest.importorskip("torch")
    for name, shapes, dtypes, message in PRODUCT_CASES:
        op = torch.nn.functional.bilinear if name == "bilinear" else getattr(torch, name)
        with pytest.raises(RuntimeError) as raised:
            op(*[torch.ones(s, dtype=torch.float32 if dt == f else torch.float64) for s, dt in zip(shapes, dtypes)])
        assert str(raised.value) == message, name


@pytest.mark.parametrize("target_dtype, weight_dtype, expected", [(d, None, d), (f, d, d), (d, f, d), (f, f, f)])
def test_cross_entropy_with_probabilities_promotes_as_pytorch(target_dtype, weight_dtype, expected):
    # PyTorch: -sum_c weight_c target_c log_softmax(input)_c, the log-softmax in the input's dtype, the products
    # promoted (nn computed in the input's dtype)
    x, q = t(2, 3), nn.tensor(np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]], target_dtype))
    w = None if weight_dtype is None else nn.tensor(np.array([0.5, 1.0, 2.0], weight_dtype))
    loss = F.cross_entropy(x, q, weight=w)
    assert loss.dtype == expected
    xd = x.numpy()
    log_softmax = (xd - np.log(np.exp(xd).sum(1, keepdims=True))).astype(np.float32)
    weight = np.ones(3) if w is None else w.numpy()
    want = -(q.numpy().astype(expected) * weight.astype(expected) * log_softmax).sum(1).mean()
    np.testing.assert_allclose(loss.item(), want, rtol=1e-6)


LINEAR_CASES = [  # (input, weight, bias dtypes, PyTorch's message): linear with a bias is addmm(bias, x, weight^T)
    ((f, f, d), "self and mat2 must have the same dtype, but got Double and Float"),
    ((f, d, f), "self and mat2 must have the same dtype, but got Float and Double"),
    ((f, d, d), "mat1 and mat2 must have the same dtype, but got Float and Double"),
    ((d, f, f), "mat1 and mat2 must have the same dtype, but got Double and Float"),
    ((d, f, d), "self and mat2 must have the same dtype, but got Double and Float"),
    ((d, d, f), "self and mat2 must have the same dtype, but got Float and Double"),
]


@pytest.mark.parametrize("dtypes, message", LINEAR_CASES)
def test_linear_with_a_bias_refuses_two_dtypes_as_addmm(dtypes, message):
    x, w, b = (t(*s, dtype=dt) for s, dt in zip([(2, 3), (4, 3), (4,)], dtypes))
    with pytest.raises(RuntimeError) as raised:
        F.linear(x, w, b)
    assert str(raised.value) == message


def test_linear_as_pytorch():
    torch = pytest.importorskip("torch")
    for dtypes, message in LINEAR_CASES:
        x, w, b = (torch.ones(s, dtype=torch.float32 if dt == f else torch.float64)
                   for s, dt in zip([(2, 3), (4, 3), (4,)], dtypes))
        with pytest.raises(RuntimeError) as raised:
            torch.nn.functional.linear(x, w, b)
        assert str(raised.value) == message


ADDCDIV_INTEGERS = ("Integer division with addcdiv is no longer supported, and in a future  release addcdiv will "
                    "perform a true division of tensor1 and tensor2.")


@pytest.mark.parametrize("call, message", [
    (lambda i, x: nn.add(i, i, alpha=0.5), "For integral input tensors, argument alpha must not be a floating point"),
    (lambda i, x: nn.sub(i, 2, alpha=1.0), "For integral input tensors, argument alpha must not be a floating point"),
    (lambda i, x: i.clone().add_(i, alpha=0.5), "For integral input tensors, argument alpha must not be a floating"),
    (lambda i, x: i.sub_(i, alpha=0.5), "For integral input tensors, argument alpha must not be a floating point"),
    (lambda i, x: x.add(x, alpha=1j), "For non-complex input tensors, argument alpha must not be a complex number"),
    (lambda i, x: nn.add(i, i, alpha=True), "Boolean alpha only supported for Boolean results"),
    (lambda i, x: nn.addcdiv(x, i, i), ADDCDIV_INTEGERS),
    (lambda i, x: x.clone().addcdiv_(i, i, value=2), ADDCDIV_INTEGERS),
])
def test_an_alpha_or_division_the_integers_cannot_hold_is_refused(call, message):
    # PyTorch refuses these (an integer sum cast back would drop alpha's fraction; addcdiv once truncated)
    with pytest.raises(RuntimeError, match=message):
        call(nn.tensor([1, 2, 3]), nn.tensor([1.0, 2.0, 3.0]))


def test_an_alpha_the_result_can_hold_still_applies():
    i, x = nn.tensor([1, 2, 3]), nn.tensor([1.0, 2.0, 3.0])
    assert nn.add(i, x, alpha=0.5).tolist() == [1.5, 3.0, 4.5] and nn.add(i, 2.0, alpha=0.5).tolist() == [2.0, 3.0, 4.0]
    assert nn.add(i, i, alpha=2).tolist() == [3, 6, 9] and nn.addcdiv(i, x, x).tolist() == [2.0, 3.0, 4.0]
