"""Contrastive embeddings for neural data from the package registry: CEBRA 0.6.1 (installed with --no-deps, with
literate-dataclasses 0.0.6), ported by the porting rule (cebrap) and run against the original on PyTorch 2.13 in
float64 with PyTorch's weights and PyTorch's random draws handed over: its models, criteria, distributions, data
loaders, solvers and the scikit-learn estimator.

The failures these tests pin down, in a few lines (the package is not imported here):

- ``torch.Generator().seed()`` was missing: every CEBRA sampler (``HasGenerator.__init__``) calls it to pick its
  seed, so no distribution could be built. PyTorch reseeds the generator from the OS's entropy and returns the new
  64-bit seed (then its initial_seed). A fresh ``torch.Generator()`` also starts from the fixed seed
  67280421310721 (two fresh generators draw the same numbers); nn's started from fresh entropy with
  ``initial_seed() = None``.
- a convolution whose (dilated) kernel is longer than its padded input (a CEBRA offset model fed fewer samples
  than its receptive field) raises RuntimeError in PyTorch: "Calculated padded input size per channel: (5). Kernel
  size: (7). Kernel size can't be greater than actual input size" (one number per spatial dimension, joined by
  " x "); nn raised ValueError "conv2d: kernel 1x7 is larger than the padded input 1x5 ..." (conv1d and conv3d
  named the 2-d op they run as). Two older tests pinned nn's words and now state PyTorch's.
- ``torch.load`` of a missing file or a folder raises open()'s own errors (FileNotFoundError "[Errno 2] No such
  file or directory: 'x.pt'", IsADirectoryError "[Errno 21] Is a directory: ..."; ``cebra.CEBRA.load`` of a wrong
  path); nn raised FileNotFoundError "nn.load: no such file: ..." and a ValueError for a folder.
- the optimizers' hyper-parameters were all made floats: PyTorch keeps what it is given, and its defaults
  ``weight_decay=0``, ``momentum=0``, ``dampening=0``, Adagrad's ``lr_decay=0`` / ``initial_accumulator_value=0``
  and LBFGS's ``lr=1`` are ints, so CEBRA's solver checkpoints (``optimizer.state_dict()``) and ``print(optimizer)``
  read ``weight_decay: 0`` in PyTorch and ``0.0`` in nn (``Adam(lr=1)`` likewise ``lr: 1``).
"""
import numpy as np
import pytest

import nn


def _f(t):
    return np.asarray(t.detach()) if isinstance(t, nn.Tensor) else np.asarray(t)


# ---- Generator.seed and the default seed ------------------------------------------------------------------------

def test_generator_seed_reseeds_and_returns_the_seed():
    # PyTorch 2.13: g = torch.Generator(); s = g.seed() -> a non-negative int below 2 ** 64, g.initial_seed() == s,
    # and g draws as torch.Generator().manual_seed(s) does
    g = nn.Generator()
    s = g.seed()
    assert isinstance(s, int) and 0 <= s < 2 ** 64 and g.initial_seed() == s
    again = nn.Generator().manual_seed(s)
    assert nn.equal(nn.randint(0, 100, (6,), generator=g), nn.randint(0, 100, (6,), generator=again))
    assert g.seed() != s   # fresh entropy each call
    # PyTorch 2.13: torch.default_generator.seed() reseeds the global stream: torch.initial_seed() is the new seed
    s = nn.random.default_generator.seed()
    assert nn.initial_seed() == s
    first = nn.rand(3)
    nn.manual_seed(s)
    assert nn.equal(first, nn.rand(3))


def test_a_fresh_generator_starts_from_the_default_seed():
    # PyTorch 2.13: torch.Generator().initial_seed() -> 67280421310721, and
    # torch.randint(0, 100, (4,), generator=torch.Generator()) is the same tensor each time
    assert nn.Generator().initial_seed() == 67280421310721
    a = nn.randint(0, 100, (8,), generator=nn.Generator())
    b = nn.randint(0, 100, (8,), generator=nn.Generator())
    assert nn.equal(a, b)
    assert nn.equal(a, nn.randint(0, 100, (8,), generator=nn.Generator().manual_seed(67280421310721)))


# ---- a kernel longer than the padded input -----------------------------------------------------------------------

def test_conv_kernel_longer_than_the_input_in_pytorchs_words():
    import nn.functional as F
    # PyTorch 2.13 (RuntimeError each): conv1d of a length-2 input with a 3-tap kernel; conv1d of length 5 with
    # dilation 3 (extent 7); conv2d (1, 2, 4, 5) with a 3x3 kernel, padding (0, 1), dilation 2; conv3d (2, 5, 5)
    cases = [(lambda: F.conv1d(nn.zeros(1, 2, 2), nn.zeros(3, 2, 3)), "(2)", "(3)"),
             (lambda: F.conv1d(nn.zeros(2, 5), nn.zeros(3, 2, 3), dilation=3), "(5)", "(7)"),
             (lambda: F.conv2d(nn.zeros(1, 2, 4, 5), nn.zeros(3, 2, 3, 3), padding=(0, 1), dilation=2),
              "(4 x 7)", "(5 x 5)"),
             (lambda: F.conv3d(nn.zeros(1, 2, 2, 5, 5), nn.zeros(3, 2, 3, 3, 3)), "(2 x 5 x 5)", "(3 x 3 x 3)")]
    for call, padded, kernel in cases:
        with pytest.raises(RuntimeError) as info:
            call()
        assert str(info.value) == (f"Calculated padded input size per channel: {padded}. Kernel size: {kernel}. "
                                   "Kernel size can't be greater than actual input size")
    with pytest.raises(RuntimeError, match=r"^Calculated padded input size per channel: \(2\)\. Kernel size: \(3\)"):
        nn.Conv1d(2, 4, 3)(nn.zeros(1, 2, 2))
    # a kernel that fits exactly, and 'same' padding, still go
    assert F.conv1d(nn.zeros(1, 2, 3), nn.zeros(3, 2, 3)).shape == (1, 3, 1)
    assert F.conv1d(nn.zeros(1, 2, 2), nn.zeros(3, 2, 3), padding="same").shape == (1, 3, 2)
    assert F.conv3d(nn.zeros(1, 2, 3, 3, 3), nn.zeros(3, 2, 3, 3, 3)).shape == (1, 3, 1, 1, 1)


# ---- nn.load of a missing file or a folder -----------------------------------------------------------------------

def test_load_of_a_missing_file_or_a_folder_raises_opens_errors(tmp_path):
    # PyTorch 2.13: torch.load('<tmp>/missing.pt') -> FileNotFoundError "[Errno 2] No such file or directory:
    # '<tmp>/missing.pt'" (errno 2, filename the path); torch.load('<tmp>') -> IsADirectoryError "[Errno 21] Is a
    # directory: '<tmp>'"
    missing = str(tmp_path / "missing.pt")
    with pytest.raises(FileNotFoundError) as info:
        nn.load(missing)
    assert str(info.value) == f"[Errno 2] No such file or directory: {missing!r}"
    assert info.value.errno == 2 and info.value.filename == missing
    with pytest.raises(IsADirectoryError) as info:
        nn.load(tmp_path)
    assert str(info.value) == f"[Errno 21] Is a directory: {str(tmp_path)!r}"


# ---- the optimizers keep integer hyper-parameters --------------------------------------------------------------

def test_optimizer_defaults_and_integer_hyperparameters_stay_ints():
    # PyTorch 2.13: torch.optim.Adam(params).param_groups[0]['weight_decay'] -> 0 (an int); SGD's momentum,
    # dampening, weight_decay -> 0; Adagrad's lr_decay, weight_decay, initial_accumulator_value -> 0; LBFGS's lr -> 1;
    # Adam(params, lr=1)'s lr -> 1; floats stay floats (AdamW's weight_decay 0.01, Adam's lr 0.001)
    def group(cls, **kw):
        return cls([nn.Parameter(nn.zeros(2))], **kw).param_groups[0]

    def ints(g, *names):
        return all(type(g[name]) is int and g[name] == 0 for name in names)

    assert ints(group(nn.optim.Adam), "weight_decay")
    assert ints(group(nn.optim.SGD), "momentum", "dampening", "weight_decay")
    assert ints(group(nn.optim.RMSprop), "momentum", "weight_decay")
    assert ints(group(nn.optim.Adagrad), "lr_decay", "weight_decay", "initial_accumulator_value")
    for cls in (nn.optim.Adadelta, nn.optim.Adamax, nn.optim.NAdam, nn.optim.RAdam, nn.optim.ASGD):
        assert ints(group(cls), "weight_decay"), cls
    assert type(group(nn.optim.LBFGS)["lr"]) is int and group(nn.optim.LBFGS)["lr"] == 1
    g = group(nn.optim.Adam, lr=1)
    assert type(g["lr"]) is int and g["lr"] == 1
    assert type(group(nn.optim.AdamW)["weight_decay"]) is float and type(group(nn.optim.Adam)["lr"]) is float
    text = repr(nn.optim.Adam([nn.Parameter(nn.zeros(2))]))
    assert "    weight_decay: 0\n" in text and "    lr: 0.001\n" in text
    # the state_dict carries them as given, and an int weight decay still trains as 0.0 would
    p = nn.Parameter(nn.tensor([1.0, -2.0]))
    opt = nn.optim.SGD([p], lr=0.5, momentum=0, weight_decay=1)
    p.grad = nn.tensor([0.5, 0.5])
    opt.step()
    np.testing.assert_allclose(_f(p), [1.0 - 0.5 * (0.5 + 1.0), -2.0 - 0.5 * (0.5 - 2.0)])
    assert type(opt.state_dict()["param_groups"][0]["weight_decay"]) is int
