"""einsum of two dtypes, as PyTorch 2.13's: it contracts left to right, a pair at a time, multiplying a pair that
sums no letter (promoting, as `*` does) and contracting one that does by a batched matrix product, which refuses
two dtypes (nn promoted every contraction). Cases and messages measured on PyTorch 2.13."""
import numpy as np
import pytest

import nn

f, d = np.float32, np.float64
CASES = [  # (equation, dtypes, shapes, PyTorch's result: a dtype or its error)
    ("ij,jk->ik", (f, d), [(2, 3), (3, 4)], "expected scalar type Float but found Double"),
    ("ij,jk->ik", (d, f), [(2, 3), (3, 4)], "expected scalar type Double but found Float"),
    ("bij,bjk->bik", (d, f), [(2, 2, 3), (2, 3, 2)], "expected scalar type Double but found Float"),
    ("ij,ij->", (f, d), [(2, 2), (2, 2)], "expected scalar type Float but found Double"),
    ("ii,i->", (f, d), [(2, 2), (2,)], "expected scalar type Float but found Double"),
    ("...i,...i->...", (f, d), [(2, 3), (2, 3)], "expected scalar type Float but found Double"),
    ("i,i,i->", (f, f, d), [(2,), (2,), (2,)], "expected scalar type Float but found Double"),
    ("i,j,ij->", (f, d, f), [(2,), (3,), (2, 3)], "expected scalar type Double but found Float"),   # f * d first
    ("ij,jk,kl->il", (f, f, d), [(2, 3), (3, 4), (4, 2)], "expected scalar type Float but found Double"),
    ("ij,jk->ik", (f, d), [(1, 1), (1, 1)], np.float64),          # a letter of size 1: multiplied
    ("i,j->ij", (f, d), [(2,), (3,)], np.float64),
    ("ij,jk->ijk", (d, f), [(2, 3), (3, 4)], np.float64),
    ("i,i,i->i", (f, f, d), [(2,), (2,), (2,)], np.float64),
    ("ij,k->i", (f, d), [(2, 3), (4,)], np.float64),              # each letter summed within one operand
]


@pytest.mark.parametrize("equation, dtypes, shapes, expected", CASES)
def test_two_dtypes_multiply_but_do_not_contract(equation, dtypes, shapes, expected):
    operands = [nn.tensor(np.arange(1.0, 1 + np.prod(s)).reshape(s).astype(t)) for s, t in zip(shapes, dtypes)]
    if isinstance(expected, str):
        with pytest.raises(RuntimeError, match=f"^{expected}$"):
            nn.einsum(equation, *operands)
    else:
        y = nn.einsum(equation, *operands)
        assert y.dtype == expected
        np.testing.assert_array_equal(y.numpy(), np.einsum(equation, *[o.numpy() for o in operands]))


def test_as_pytorch(monkeypatch):
    torch = pytest.importorskip("torch")
    # with opt_einsum installed, PyTorch contracts in opt_einsum's order instead of left to right (the rule above)
    monkeypatch.setattr(torch.backends.opt_einsum, "enabled", False)
    for equation, dtypes, shapes, expected in CASES:
        operands = [torch.ones(s, dtype=torch.float32 if t == f else torch.float64) for s, t in zip(shapes, dtypes)]
        if isinstance(expected, str):
            with pytest.raises(RuntimeError, match=f"^{expected}$"):
                torch.einsum(equation, *operands)
        else:
            assert torch.einsum(equation, *operands).dtype == torch.float64
