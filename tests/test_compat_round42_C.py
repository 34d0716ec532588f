"""LibAUC from the package registry: libauc 2.0.1 (its wheel; scikit-learn 1.9.1 for its metrics, tqdm), ported file
by file by the porting rule (``libaucp``) and run against the original on PyTorch 2.13 in one process; torchvision
a name-only stand-in on both sides (the samplers' ``isinstance(dataset, torchvision.datasets.ImageFolder)``), the
graph models (torch_geometric, ogb) left out. Float64 (the losses' float32 parameters ``a``, ``b``, ``alpha`` as
shipped) and float32, PyTorch's weights (perturbed for the CNNs) loaded into nn's, the optimizers' random
``model_ref`` draws copied over. Covered: every AUC, AP, partial-AUC (one-way and two-way: SOPA, SOPAs, SOTAs,
STACO), pairwise (five surrogates), multi-label, ranking (ListwiseCE, NDCG with and without top-k), contrastive
(GCLoss unimodal with and without iSogCLR, bimodal with the three temperature schemes, constant and cosine gamma),
MIDAM, SCENT (EntLossClassification) and focal losses with their optimizers (PESG sgd / adam, PDSCA, SOAP, SOPA,
SOPAs, SOTAs, STACO, SONG, SogCLR, iSogCLR, MIDAM, SCENT, LARS, SGD / Adam / AdamW with epoch decay), their
``update_regularizer`` / ``update_lr``, a few steps each; DualSampler / TriSampler index sequences (same seeds) and
with a DataLoader; the metrics against scikit-learn; ResNet20/32, ResNet18/50, ResNeXt50, DenseNet121 (also
memory-efficient), MLP, FFNN, the stochastic-attention MIL models and NeuMF, forward, backward, Adam steps and eval:
1e-13 or better in float64 but where a gradient is 0 in exact arithmetic (Adam's first step is lr * sign(rounding))
or the package computes in float32 on purpose (PyTorch's float32 ``sqrt`` and fused ``add(alpha=)``).

Failures found (nn's):
- SogCLR's / iSogCLR's ``update_regularizer`` sets ``model_ref[i].data = model_acc[i].data / self.T`` with ``T`` 0
  (their ``step`` never counts it): PyTorch gives inf / NaN silently, nn's ``.data`` array warned NumPy's
  "divide by zero encountered in divide" (and raised under ``np.errstate(all="raise")``). The arithmetic operators
  of a Tensor's ``.data`` / ``.grad`` array now run quietly, as Tensor ops do, and an integer // or % by 0 is
  PyTorch's RuntimeError "ZeroDivisionError" (NumPy: 0) (nn/array.py).
- LibAUC's FocalLoss given its labels as a LongTensor: PyTorch's ``binary_cross_entropy_with_logits`` raises
  RuntimeError "result type Double can't be cast to the desired output type Long" (a bool target: the bool
  subtraction error; a non-float input: NotImplementedError '"log_sigmoid_cpu" not implemented for 'Long''), after
  its size check; nn raised a TypeError in its own words, before the size check (nn/functional/losses.py).
"""
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F


def _no_warnings(fn):
    """fn() with every warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn()


# -- .data arithmetic without NumPy's warnings ------------------------------------------------------------------

def test_sogclr_update_regularizer_divides_data_by_zero_quietly():
    """libauc.optimizers.SogCLR.update_regularizer: model_ref = model_acc.data / T with T = 0 (PyTorch: inf and NaN,
    no warning)."""
    model_acc = [nn.zeros(3), nn.tensor([1.0, -2.0])]
    T = 0
    out = _no_warnings(lambda: [m.data / T for m in model_acc])
    assert np.isnan(out[0]).all()
    assert out[1].tolist() == [float("inf"), float("-inf")]
    # whatever NumPy's error state says, as PyTorch's ops
    with np.errstate(all="raise"):
        assert np.isinf(model_acc[1].data / 0).all()
    # the quiet operators are NumPy's: an array result in the array's dtype; a Tensor operand still gets the Tensor's
    # operator (a Tensor result)
    d = nn.tensor([1.0, 2.0], dtype=nn.float32).data
    r = _no_warnings(lambda: d / 2.0)
    assert isinstance(r, np.ndarray) and r.dtype == np.float32 and r.tolist() == [0.5, 1.0]
    t = d * nn.tensor([3.0, 4.0])
    assert isinstance(t, nn.Tensor) and t.tolist() == [3.0, 8.0]
    assert (2 ** d).tolist() == [2.0, 4.0] and (d ** 2).tolist() == [1.0, 4.0]




@pytest.mark.parametrize("op, want", [
    (lambda d: 1 / d, [float("inf")]),
    (lambda d: d ** -1, [float("inf")]),
    (lambda d: d - float("inf") + float("inf"), [float("nan")]),
    (lambda d: d % 0.0, [float("nan")]),
    (lambda d: d // 0.0, [float("nan")]),
    (lambda d: 0.0 // d, [float("nan")]),
    (lambda d: (d + 1e308) * 10, [float("inf")]),
    (lambda d: 2.0 ** (d + 1e4), [float("inf")]),
])
def test_data_operators_give_inf_and_nan_silently(op, want):
    """PyTorch 2.13: p.data / 0, 1 / p.data, p.data % 0.0, ... are inf / NaN without a word."""
    d = nn.zeros(1, dtype=nn.float64).data
    got = _no_warnings(lambda: op(d))
    np.testing.assert_array_equal(np.asarray(got), want)


def test_data_in_place_operators_give_inf_silently():
    """p.data /= 0 (in place, PyTorch: inf); a gradient array too."""
    p = nn.ones(2, requires_grad=True)
    (p * 2).sum().backward()

    def run():
        d = p.data
        d /= 0
        g = p.grad
        g -= float("inf")
        g -= float("inf")
    _no_warnings(run)
    assert p.tolist() == [float("inf")] * 2
    assert p.grad.tolist() == [float("-inf")] * 2


def test_data_integer_division_by_zero_is_pytorchs_error():
    """An integer p.data // 0 or % 0 (NumPy: 0, with a warning, now silent): PyTorch's RuntimeError
    "ZeroDivisionError", reflected and in place too; a float on either side is inf / NaN, an empty dividend meets no
    divisor."""
    d = nn.tensor([7, -3]).data
    for fn in (lambda: d // 0, lambda: d % nn.tensor([1, 0]), lambda: 7 // nn.tensor([0, 1]).data,
               lambda: 5 % nn.tensor([2, 0]).data):
        with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
            fn()
    with pytest.raises(RuntimeError, match="^ZeroDivisionError$"):
        x = nn.tensor([1]).data
        x //= 0
    assert _no_warnings(lambda: (d // 0.0).tolist()) == [float("inf"), float("-inf")]
    assert (d // 2).tolist() == [3, -2] and (d % 2).tolist() == [1, 1]
    assert (nn.tensor([], dtype=nn.int64).data // 0).shape == (0,)


# -- binary_cross_entropy_with_logits of an integer or bool target -------------------------------------------------

def _focal_loss(y_pred, y_true, alpha=0.25, gamma=2):
    """libauc.losses.FocalLoss.forward (its check_tensor_shape reshapes to (-1, 1))."""
    y_pred, y_true = y_pred.reshape(-1, 1), y_true.reshape(-1, 1)
    bce = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    at = nn.tensor([alpha, 1 - alpha]).gather(0, y_true.type(nn.long).data.view(-1))
    pt = nn.exp(-bce)
    return (at * (1 - pt) ** nn.tensor([gamma]) * bce).mean()


@pytest.mark.parametrize("dtype, name", [(nn.float64, "Double"), (nn.float32, "Float")])
@pytest.mark.parametrize("target_dtype, target_name", [(nn.int64, "Long"), (nn.int32, "Int"), (nn.uint8, "Byte")])
def test_bce_with_logits_integer_target_is_pytorchs_runtime_error(dtype, name, target_dtype, target_name):
    """FocalLoss(preds, torch.tensor([1, 0, ...])) (labels as a LongTensor): PyTorch's kernel computes
    (1 - target).mul_(input) in place, RuntimeError in its words."""
    x = nn.tensor([0.3, -1.2, 2.0], dtype=dtype)
    y = nn.tensor([1, 0, 1], dtype=target_dtype)
    want = f"result type {name} can't be cast to the desired output type {target_name}"
    with pytest.raises(RuntimeError, match=want):
        F.binary_cross_entropy_with_logits(x, y)
    with pytest.raises(RuntimeError, match=want):
        nn.BCEWithLogitsLoss(pos_weight=nn.tensor([2.0], dtype=dtype))(x, y)
    with pytest.raises(RuntimeError, match=want):
        _focal_loss(x, y)
    # with float labels, as the package's examples cast them: the loss as before
    assert np.isfinite(_focal_loss(x, y.to(dtype)).item())


def test_bce_with_logits_bool_target_and_integer_input():
    """A bool target: PyTorch's 1 - target refuses; an integer or bool input: log_sigmoid's NotImplementedError."""
    x = nn.tensor([0.3, -1.2])
    with pytest.raises(RuntimeError, match=r"Subtraction, the `-` operator, with two bool tensors is not "
                                           r"supported. Use the `\^` or `logical_xor\(\)` operator instead."):
        F.binary_cross_entropy_with_logits(x, nn.tensor([True, False]))
    for dtype, name in ((nn.int64, "Long"), (nn.bool, "Bool")):
        with pytest.raises(NotImplementedError) as e:
            F.binary_cross_entropy_with_logits(nn.zeros(2, dtype=dtype), nn.zeros(2))
        assert str(e.value) == f"\"log_sigmoid_cpu\" not implemented for '{name}'"


def test_bce_with_logits_checks_sizes_before_dtypes():
    """PyTorch's Python wrapper compares the sizes first: a wrong-sized integer target is its ValueError."""
    with pytest.raises(ValueError, match=r"Target size \(nn.Size\(\[2\]\)\) must be the same as input size "
                                         r"\(nn.Size\(\[3\]\)\)"):
        F.binary_cross_entropy_with_logits(nn.zeros(3), nn.zeros(2, dtype=nn.int64))


def test_bce_with_logits_errors_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    for dt in ("float32", "float64"):
        for tt in ("int64", "int32", "uint8", "bool"):
            for fn in (lambda M, G: G.binary_cross_entropy_with_logits(M.zeros(3, dtype=getattr(M, dt)),
                                                                       M.zeros(3, dtype=getattr(M, tt))),
                       lambda M, G: G.binary_cross_entropy_with_logits(M.zeros(3, dtype=getattr(M, tt)),
                                                                       M.zeros(3, dtype=getattr(M, dt)))):
                got = []
                for M, G in ((torch, TF), (nn, F)):
                    try:
                        fn(M, G)
                        got.append(None)
                    except Exception as e:  # noqa: BLE001 - the point is which one
                        got.append((isinstance(e, NotImplementedError), isinstance(e, RuntimeError), str(e)))
                assert got[0] == got[1], (dt, tt)
