"""Review of the twenty-seventh compatibility round (three areas: SpikingJelly, mmengine, Catalyst: the direct
Module._load_from_state_dict, bare reductions of .data as 0-d arrays, Autograd kernels of custom ops and triton_op,
the 0-d number of the deprecated number-first forms, addcdiv's rounding order, the 'Mismatch in shape' errors, the
checkpoint wrapper, the fsdp api names, the pooling / conv-transpose bases, _BatchNorm's __init__, _take_tensors).

Found and mended:
- Module._load_from_state_dict called directly (mmengine's loader) was a second implementation of
  load_state_dict's per-entry step, and it differed from it and from PyTorch's: any 1-dim value went into a 0-dim
  entry as its first element (PyTorch 2.13 takes only a 1-element one: a (3,) value into num_batches_tracked is a
  size mismatch), a meta value was skipped silently (PyTorch: "Cannot copy out of meta tensor; no data!" in
  error_msgs), a value into a meta entry too (PyTorch warns that the copy is a no-op), local_metadata's
  assign_to_params_buffers was ignored, and a value of no numeric dtype raised NumPy's ValueError out of the
  loader. Both paths now share the entry's check (_checked_value), the copy (_copy_value) and the message line
  (_mismatch_line); the meta message prints the shapes as Size, as PyTorch's (it printed tuples).
- round() of a bare .data reduction (round(p.data.mean(), 3)) gave a number: DataArray had a __round__ "as PyTorch's
  0-d tensor", but PyTorch 2.13's Tensor defines no __round__ (TypeError: type Tensor doesn't define __round__
  method). It is gone; two tests that pinned it now check float() instead.
- A Library operator with kernels for both AutogradCPU and Autograd ran the Autograd one; PyTorch's dispatcher takes
  the more specific AutogradCPU (as nn's custom_op already did).
- The number-first forms (x.add_(s, t), x.addcmul_(s, t1, t2)) took a 0-d tensor that requires grad as the number;
  PyTorch's Scalar argument refuses one (TypeError: no overload matches).
"""
import warnings

import numpy as np
import pytest

import nn


def _direct(module, state_dict, metadata=None, strict=True):
    """mmengine's load: each module's own _load_from_state_dict, called from outside load_state_dict."""
    missing, unexpected, errors = [], [], []
    module._load_from_state_dict(state_dict, "", metadata or {}, strict, missing, unexpected, errors)
    return missing, unexpected, errors


# -- 1. a direct _load_from_state_dict does load_state_dict's (and PyTorch's) step -----------------------------------

def test_direct_load_takes_only_a_one_element_vector_into_a_zero_dim_entry():
    bn = nn.BatchNorm1d(2)
    *_, errors = _direct(bn, {"num_batches_tracked": np.array([7, 8, 9])}, strict=False)
    assert errors == ["size mismatch for num_batches_tracked: copying a param with shape nn.Size([3]) from "
                      "checkpoint, the shape in current model is nn.Size([])."]
    assert int(bn.num_batches_tracked) == 0                         # (it loaded 7, the first element)
    assert _direct(bn, {"num_batches_tracked": np.array([4])}, strict=False) == ([], [], [])
    assert int(bn.num_batches_tracked) == 4 and bn.num_batches_tracked.shape == ()


def test_direct_load_of_a_meta_value_reports_it_as_pytorch():
    lin = nn.Linear(2, 2)
    before = lin.weight.detach().numpy().copy()
    *_, errors = _direct(lin, {"weight": nn.empty(2, 2, device="meta"), "bias": np.ones(2)})
    assert errors == ['While copying the parameter named "weight", whose dimensions in the model are nn.Size([2, 2]) '
                      "and whose dimensions in the checkpoint are nn.Size([2, 2]), an exception occurred : ('Cannot "
                      "copy out of meta tensor; no data!',)."]
    assert np.array_equal(lin.weight.detach().numpy(), before) and lin.bias.tolist() == [1.0, 1.0]


def test_load_state_dict_meta_message_prints_sizes():
    with pytest.raises(KeyError, match=r"model are nn\.Size\(\[2, 2\]\) and whose dimensions in the checkpoint are "
                                       r"nn\.Size\(\[2, 2\]\)"):
        nn.Linear(2, 2).load_state_dict({"weight": nn.empty(2, 2, device="meta"), "bias": np.ones(2)})


def test_direct_load_into_a_meta_module_warns_as_pytorch():
    lin = nn.Linear(2, 2, device="meta")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _direct(lin, {"weight": np.ones((2, 2)), "bias": np.ones(2)}) == ([], [], [])
    assert len(caught) == 2 and all(str(w.message).startswith(
        f"for {key}: copying from a non-meta parameter in the checkpoint to a meta parameter in the current model, "
        f"which is a no-op.") for w, key in zip(caught, ("weight", "bias")))
    assert all(w.category is UserWarning and w.filename == __file__ for w in caught)
    assert lin.weight.is_meta


def test_direct_load_assigns_with_pytorchs_metadata_flag():
    lin = nn.Linear(2, 2)
    given = nn.ones(2, 2, dtype=nn.float64)
    _direct(lin, {"weight": given, "bias": np.ones(2)}, {"assign_to_params_buffers": True})
    assert lin.weight.dtype == nn.float64 and lin.weight.requires_grad     # (it stayed float32, copied)
    assert isinstance(lin.weight, nn.Parameter) and lin.bias.dtype == nn.float64


def test_direct_load_of_a_non_numeric_value_is_a_message_not_an_exception():
    lin = nn.Linear(2, 2)
    *_, errors = _direct(lin, {"weight": np.array([["a", "b"], ["c", "d"]]), "bias": np.ones(2)})
    assert len(errors) == 1 and errors[0].startswith("could not copy weight")    # (NumPy's ValueError escaped)


def test_direct_load_keys_as_pytorch():
    class Renamed(nn.Module):                 # a subclass renaming a key, then PyTorch's step through super()
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.register_buffer("scratch", nn.zeros(2), persistent=False)

        def _load_from_state_dict(self, state_dict, prefix, *args):
            if prefix + "old" in state_dict:
                state_dict[prefix + "lin.weight"] = state_dict.pop(prefix + "old")
            super()._load_from_state_dict(state_dict, prefix, *args)

    for load in ("direct", "central"):
        m = Renamed()
        sd = {"old": np.full((2, 2), 3.0), "scratch": np.ones(2), "extra.x": np.ones(1)}
        if load == "central":
            keys = m.load_state_dict(sd, strict=False)
            assert keys.missing_keys == ["lin.bias"] and keys.unexpected_keys == ["scratch", "extra.x"]
        else:
            missing, unexpected = [], []
            for prefix, module in m._tree():       # mmengine's walk: each module's own step, with strict=True
                module._load_from_state_dict(sd, prefix, {}, True, missing, unexpected, [])
            assert missing == ["lin.bias"] and unexpected == ["scratch", "extra.x"]
        assert m.lin.weight.sum().item() == 12.0 and m.scratch.sum().item() == 0.0


def test_direct_load_matches_pytorch():
    torch = pytest.importorskip("torch")
    sds = [{"num_batches_tracked": np.array([7, 8, 9])}, {"num_batches_tracked": np.array([5])},
           {"weight": np.array([2.0, 3.0]), "bias": np.ones(1), "x.y": np.ones(1)}]
    for sd in sds:
        ours, theirs = nn.BatchNorm1d(2), torch.nn.BatchNorm1d(2)
        a = _direct(ours, dict(sd))
        b = ([], [], [])
        theirs._load_from_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}, "", {}, True, *b)
        assert a[:2] == b[:2] and [e.replace("nn.", "torch.") for e in a[2]] == b[2]
        for k, v in theirs.state_dict().items():
            assert np.array_equal(np.asarray(ours.state_dict()[k]), v.numpy())


# -- 2. round() of a .data reduction refuses, as of PyTorch's 0-d tensor ----------------------------------------------

def test_round_of_a_data_reduction_refuses_as_pytorch():
    p = nn.Parameter(nn.tensor([1.0, 2.0, 6.0]))
    for value in (p.data.mean(), p.data.sum(), p.data):
        with pytest.raises(TypeError, match="doesn't define __round__ method"):
            round(value)
    assert float(p.data.mean()) == 3.0 and round(float(p.data.mean()), 1) == 3.0



# -- 3. a Library operator's AutogradCPU kernel before its Autograd one, as PyTorch's dispatcher -----------------------

def test_library_operator_prefers_the_autogradcpu_kernel():
    lib = nn.library.Library("review27", "FRAGMENT")
    lib.define("f(Tensor x) -> Tensor")
    lib.impl("f", lambda x: x * 1, "CPU")
    lib.impl("f", lambda x: x + 100, "Autograd")
    lib.impl("f", lambda x: x + 10, "AutogradCPU")       # PyTorch 2.13: tensor([11.]) in either order of impl
    assert nn.ops.review27.f(nn.ones(1)).tolist() == [11.0]                  # (it ran the Autograd one: 101)


# -- 4. the number-first forms take a 0-d tensor that does not require grad only, as PyTorch's Scalar -----------------

def test_number_first_form_refuses_a_zero_dim_tensor_that_requires_grad():
    scale = nn.tensor(2.0, requires_grad=True)
    for call in (lambda x: x.add_(scale, nn.ones(2)), lambda x: x.addcmul_(scale, nn.ones(2), nn.ones(2))):
        x = nn.ones(2)
        # PyTorch 2.13: TypeError "add_() takes 1 positional argument but 2 were given" (no overload takes it); nn
        # refuses it by its older path for a non-number alpha (it added 2 * ones)
        with pytest.raises((TypeError, RuntimeError)):
            call(x)
    x = nn.ones(2)
    nn.array._DEPRECATED_OVERLOAD_WARNED.clear()     # PyTorch warns once per process (round 44 H): afresh
    with pytest.warns(UserWarning, match="This overload of add_ is deprecated"):
        assert x.add_(scale.detach(), nn.ones(2)).tolist() == [3.0, 3.0]     # without grad: still the number
