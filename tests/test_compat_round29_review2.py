"""A second review of the twenty-ninth round (area E's nineteen fixes and the first review's eight), probed beside
PyTorch 2.13 at their neighbours. What it found, in a few lines each:

- ``round(decimals=k)`` (k != 0) of an integer tensor: PyTorch's NotImplementedError '"round_cpu" not implemented
  for 'Long'' (its decimals kernel is floating only; area E had refused bool and complex there); nn rounded in
  float64 and returned float64 (``round_`` raised a cast error instead).
- ``frac`` of an integer or bool tensor: PyTorch's NotImplementedError '"frac_cpu" not implemented for 'Long'';
  nn returned float32 zeros (``frac_`` a cast error). A neighbour of area E's rounding refusals.
- ``cov`` of a (1, N) input (one variable; also with fweights / aweights, and now complex): PyTorch squeezes to a
  0-d tensor; nn returned (1, 1) (only a 1-D input gave a scalar).
"""
import numpy as np
import pytest

import nn


@pytest.mark.parametrize("dtype, name", [(nn.int64, "Long"), (nn.int32, "Int"), (nn.int8, "Char"),
                                         (nn.uint8, "Byte"), (nn.bool, "Bool")])
def test_round_with_decimals_and_frac_of_integers_are_refused(dtype, name):
    x = nn.tensor([3, 1], dtype=dtype)
    with pytest.raises(NotImplementedError, match=f"\"round_cpu\" not implemented for '{name}'"):
        x.round(decimals=1)
    with pytest.raises(NotImplementedError, match=f"\"round_cpu\" not implemented for '{name}'"):
        nn.round(x, decimals=-1)
    with pytest.raises(NotImplementedError, match=f"\"frac_cpu\" not implemented for '{name}'"):
        x.frac()
    with pytest.raises(NotImplementedError, match=f"\"frac_cpu\" not implemented for '{name}'"):
        nn.frac(x)


def test_round_and_frac_of_integers_that_pytorch_allows():
    # round() without decimals of an integer tensor is a copy in its dtype; floats keep rounding with decimals
    y = nn.tensor([3, -2], dtype=nn.int32).round()
    assert y.dtype == nn.int32 and y.tolist() == [3, -2]
    assert nn.tensor([1.25, -2.75]).round(decimals=1).tolist() == [1.2000000476837158, -2.799999952316284]
    assert nn.tensor([1.25, -2.75], dtype=nn.float64).frac().tolist() == [0.25, -0.75]


def test_cov_of_one_variable_in_a_row_is_a_scalar():
    c = nn.cov(nn.tensor([[1., 2., 4.]]))
    assert c.shape == () and abs(c.item() - 7 / 3) < 1e-6                     # PyTorch: tensor(2.3333)
    c = nn.cov(nn.tensor([[1., 2., 4.]]), fweights=nn.tensor([1, 2, 1]))
    assert c.shape == () and abs(c.item() - 19 / 12) < 1e-6                    # tensor(1.5833)
    c = nn.cov(nn.tensor([[1., 2., 4.]]), aweights=nn.tensor([1., 2., 1.]))
    assert c.shape == ()
    c = nn.cov(nn.tensor([[1 + 1j, 2, 3j]]), fweights=nn.tensor([1, 2, 1]))
    assert c.shape == () and c.dtype == nn.complex64 and abs(c.item() - 35 / 12) < 1e-5   # tensor(2.9167+0.j)
    assert nn.corrcoef(nn.tensor([[1., 2., 4.]])).shape == ()                  # tensor(1.)
    assert nn.corrcoef(nn.tensor([[1., 2., 4.]])).item() == 1.0
    c = nn.cov(nn.tensor([[1., 2., 4.], [0., 3., 1.]]))                        # two variables: still (2, 2)
    assert c.shape == (2, 2)
    np.testing.assert_allclose(c.numpy(), np.cov([[1., 2., 4.], [0., 3., 1.]]), rtol=1e-6)


def test_beside_pytorch():
    torch = pytest.importorskip("torch")
    for x in ([[1., 2., 4.]], [[1., 2., 4.], [0., 3., 1.]], [1., 2., 4.]):
        np.testing.assert_allclose(nn.cov(nn.tensor(x)).numpy(), torch.cov(torch.tensor(x)).numpy(), rtol=1e-6)
        assert nn.cov(nn.tensor(x)).shape == tuple(torch.cov(torch.tensor(x)).shape)
    for dtype in ("int64", "uint8", "bool"):
        for call in (lambda t: t.round(decimals=1), lambda t: t.frac()):
            with pytest.raises(NotImplementedError) as theirs:
                call(torch.tensor([3, 1], dtype=getattr(torch, dtype)))
            with pytest.raises(NotImplementedError) as ours:
                call(nn.tensor([3, 1], dtype=getattr(nn, dtype)))
            assert str(ours.value) == str(theirs.value)
