"""Norms of two dtypes, as PyTorch 2.13's CPU kernels: batch_norm, layer_norm, group_norm and instance_norm
compute in the input's dtype and take no parameter of another dtype (nn cast the parameters to the input's dtype).
When the first given parameter (weight, bias, running_mean, running_var in that order) has another dtype than
the input, PyTorch takes the call for mixed precision (float32 parameters, a float16 / bfloat16 input) and names
what breaks that; otherwise a later parameter of another dtype is its kernel's "expected scalar type" error."""
import numpy as np
import pytest

import nn
import nn.functional as F

PARAMETER = "mixed dtype \\(CPU\\): expect parameter to have scalar type of Float"
SHARE = "mixed dtype \\(CPU\\): all inputs must share same datatype\\."
F_BUT_D = "expected scalar type Float but found Double"
D_BUT_F = "expected scalar type Double but found Float"


def t(*shape, dtype=np.float32):
    return nn.tensor(np.abs(np.random.default_rng(len(shape)).normal(size=shape)).astype(dtype) + 0.5)


f, d = np.float32, np.float64
CASES = [  # (name, call, PyTorch's message), measured on PyTorch 2.13
    ("batch_norm", lambda: F.batch_norm(t(2, 3, 4), t(3, dtype=d), t(3, dtype=d), t(3, dtype=d), t(3, dtype=d)),
     PARAMETER),
    ("batch_norm", lambda: F.batch_norm(t(2, 3, 4), t(3, dtype=d), t(3, dtype=d), t(3), t(3)), F_BUT_D),
    ("batch_norm", lambda: F.batch_norm(t(2, 3, 4), t(3), t(3), t(3, dtype=d), t(3)), PARAMETER),
    ("batch_norm", lambda: F.batch_norm(t(2, 3, 4), t(3), t(3), t(3), t(3, dtype=d)), F_BUT_D),
    ("batch_norm", lambda: F.batch_norm(t(2, 3, 4), None, None, None, t(3, dtype=d), training=True), PARAMETER),
    ("batch_norm", lambda: F.batch_norm(t(2, 3, 4, dtype=d), t(3), t(3), t(3), t(3)), SHARE),
    ("batch_norm", lambda: F.batch_norm(t(2, 3, 4, dtype=d), t(3), t(3), t(3, dtype=d), t(3, dtype=d)), D_BUT_F),
    ("batch_norm", lambda: F.batch_norm(t(2, 3, 4, dtype=d), t(3, dtype=d), t(3, dtype=d), t(3), t(3, dtype=d)),
     PARAMETER),
    ("layer_norm", lambda: F.layer_norm(t(2, 5), (5,), t(5, dtype=d), t(5, dtype=d)), PARAMETER),
    ("layer_norm", lambda: F.layer_norm(t(2, 5), (5,), t(5), t(5, dtype=d)), F_BUT_D),
    ("layer_norm", lambda: F.layer_norm(t(2, 5), (5,), None, t(5, dtype=d)), PARAMETER),
    ("layer_norm", lambda: F.layer_norm(t(2, 5, dtype=d), (5,), t(5), t(5)), SHARE),
    ("layer_norm", lambda: F.layer_norm(t(2, 5, dtype=d), (5,), t(5, dtype=d), t(5)), D_BUT_F),
    ("group_norm", lambda: F.group_norm(t(2, 4, 3), 2, t(4, dtype=d), t(4, dtype=d)), PARAMETER),
    ("group_norm", lambda: F.group_norm(t(2, 4, 3), 2, t(4), t(4, dtype=d)), F_BUT_D),
    ("group_norm", lambda: F.group_norm(t(2, 4, 3, dtype=d), 2, t(4), t(4)), SHARE),
    ("instance_norm", lambda: F.instance_norm(t(2, 4, 3), weight=t(4, dtype=d), bias=t(4, dtype=d)), PARAMETER),
]


@pytest.mark.parametrize("name, call, message", CASES, ids=[c[0] for c in CASES])
def test_two_dtypes_are_refused_in_pytorchs_words(name, call, message):
    with pytest.raises(RuntimeError, match=f"^{message}$"):
        call()


def test_a_module_converted_to_double_refuses_a_float_input():
    for module, x in ((nn.BatchNorm1d(3), t(2, 3)), (nn.LayerNorm(5), t(2, 5)), (nn.GroupNorm(2, 4), t(2, 4, 3))):
        with pytest.raises(RuntimeError, match=f"^{PARAMETER}$"):
            module.double()(x)
        assert module.float()(x).dtype == nn.float32


def test_as_pytorch():
    # each case's call run with PyTorch's function in place of nn's (the lambdas look F.<name> up when called)
    torch = pytest.importorskip("torch")
    converted = {}

    def theirs(*args, **kwargs):       # the same call with every Tensor turned into PyTorch's
        conv = [torch.from_numpy(a.numpy()) if isinstance(a, nn.Tensor) else a for a in args]
        return converted["f"](*conv, **{k: torch.from_numpy(v.numpy()) if isinstance(v, nn.Tensor) else v
                                        for k, v in kwargs.items()})
    for name, call, message in CASES:
        converted["f"] = getattr(torch.nn.functional, name)
        original = getattr(F, name)
        setattr(F, name, theirs)
        try:
            with pytest.raises(RuntimeError) as raised:
                call()
        finally:
            setattr(F, name, original)
        assert raised.match(f"^{message}$"), (name, str(raised.value))
