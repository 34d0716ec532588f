"""MONAI 1.6.1 from the package registry (``pip install --no-deps``), ported by the porting rule (all 438 .py files;
renamed monaip in its own import lines) and run against the original on PyTorch 2.13 in float64 (float32 where
MONAI casts on purpose), with PyTorch's weights, perturbed: networks in 2-d and 3-d (UNet, BasicUNet with its three
up-sampling modes, BasicUNetPlusPlus with deep supervision, SegResNet, DynUNet, AttentionUnet, VNet, UNETR, ViT,
DenseNet, ResNet, EfficientNet, Regressor / Classifier / Generator / Discriminator, AutoEncoder, HighResNet,
FlexibleUNet), blocks (TransformerBlock with causal and flash attention, SABlock with relative positions,
CrossAttentionBlock, SpatialAttentionBlock), 30 loss configurations, the metrics with their aggregation,
sliding-window inference, tensor transforms with MetaTensor tracking on and off, and a short supervised training loop
(CacheDataset, DataLoader with list_data_collate, decollate_batch, DiceMetric). The failures these tests pin down,
each in a few lines (MONAI is never imported here):
MONAI's ``set_determinism`` (its usual first call) sets the cuDNN flags under
``torch.backends.__allow_nonbracketed_mutation()``, which nn lacked (with ``disable_global_flags``, ``flags_frozen``
and ``cudnn.flags``); ``torch.meshgrid`` without ``indexing`` (MONAI's relative position embedding and sincos
position embedding) warns once as PyTorch's, and meshgrid takes 0-D tensors and refuses mixed dtypes and an empty
list with PyTorch's RuntimeErrors, where nn raised ValueErrors or computed; the batch_norm / instance_norm errors
for one value per channel (MONAI's networks at a 1 x 1 bottleneck) print ``torch.Size([...])`` as PyTorch's;
MONAI's PersistentDataset caches with ``torch.save(obj=..., f=..., pickle_module=..., pickle_protocol=...)``, but
nn.save named its parameters ``state, path`` (TypeError), and nn.load ``path`` with ``weights_only`` third where
torch.load has ``f`` and ``pickle_module`` third."""
import inspect
import pickle
import warnings

import numpy as np
import pytest

import nn
import nn.functional as F
from nn.tensor_ops import shape as _shape


# ---- torch.backends.__allow_nonbracketed_mutation, disable_global_flags, cudnn.flags (monai.utils.set_determinism) --

def test_allow_nonbracketed_mutation_sets_cudnn_flags():
    import nn.backends.cudnn as cudnn
    allow = getattr(nn.backends, "__allow_nonbracketed_mutation")
    saved = (cudnn.deterministic, cudnn.benchmark)
    try:
        with allow():            # MONAI's set_determinism(seed=0)
            cudnn.deterministic = True
            cudnn.benchmark = False
        assert cudnn.deterministic is True and cudnn.benchmark is False
        assert nn.backends.flags_frozen() is False
    finally:
        cudnn.deterministic, cudnn.benchmark = saved


def test_disable_global_flags_freezes_cudnn_flags_but_not_in_flags():
    import nn.backends.cudnn as cudnn
    allow = getattr(nn.backends, "__allow_nonbracketed_mutation")
    saved = cudnn.deterministic
    try:
        nn.backends.disable_global_flags()
        assert nn.backends.flags_frozen() is True
        with pytest.raises(RuntimeError, match=r"^not allowed to set torch\.backends\.cudnn flags after "
                                               r"disable_global_flags; please use flags\(\) context manager instead$"):
            cudnn.deterministic = True
        with allow():
            assert nn.backends.flags_frozen() is False
            cudnn.deterministic = True
        assert cudnn.deterministic is True and nn.backends.flags_frozen() is True
        with cudnn.flags(enabled=True, deterministic=False):       # PyTorch's defaults for the others
            assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, False, False)
            assert cudnn.benchmark_limit is None                   # PyTorch's value without cuDNN
        assert cudnn.deterministic is True
        # set_flags is PyTorch's setter under flags(): never frozen; it returns the previous values in order
        assert cudnn.set_flags(_deterministic=False)[3] is True and cudnn.deterministic is False
        cudnn.some_attribute = 3                                   # other names are ordinary module attributes
        assert cudnn.some_attribute == 3
        del cudnn.some_attribute
    finally:
        nn.backends._allow_nonbracketed_mutation_flag = True
        cudnn.deterministic = saved


# ---- meshgrid: PyTorch's warning without `indexing`, its checks and messages, 0-D tensors ---------------------------

def test_meshgrid_without_indexing_warns_once(monkeypatch):
    monkeypatch.setattr(_shape, "_MESHGRID_WARNED", [])
    a, b = nn.arange(2.0), nn.arange(3.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x, y = nn.meshgrid(a, b)                     # 'ij', with the warning
        nn.meshgrid(a, b)                            # PyTorch warns once per process
        nn.meshgrid(a, b, indexing="xy")
    messages = [str(w.message) for w in caught]
    assert messages == ["torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument."]
    assert caught[0].category is UserWarning
    np.testing.assert_array_equal(x.numpy(), [[0, 0, 0], [1, 1, 1]])
    np.testing.assert_array_equal(y.numpy(), [[0, 1, 2], [0, 1, 2]])


def test_meshgrid_checks_in_pytorch_words():
    with pytest.raises(RuntimeError, match='^torch.meshgrid: indexing must be one of "xy" or "ij", but received: foo$'):
        nn.meshgrid(nn.arange(2), nn.arange(3), indexing="foo")
    with pytest.raises(RuntimeError, match="^meshgrid expects all tensors to have the same dtype$"):
        nn.meshgrid(nn.arange(2.0), nn.arange(3), indexing="ij")
    with pytest.raises(RuntimeError, match="^meshgrid expects a non-empty TensorList$"):
        nn.meshgrid(indexing="ij")
    with pytest.raises(RuntimeError, match="^meshgrid expects a non-empty TensorList$"):
        nn.meshgrid([], indexing="ij")
    with pytest.raises(RuntimeError, match=r"^torch\.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                                           r".*\[ torch\.FloatTensor\{2,2\} \]$"):
        nn.meshgrid(nn.zeros(2, 2), nn.arange(3.0), indexing="ij")


def test_meshgrid_of_a_0d_tensor():
    # PyTorch takes a 0-D tensor as one of size 1
    x, y = nn.meshgrid(nn.tensor(5.0), nn.arange(3.0), indexing="ij")
    assert x.shape == (1, 3) and y.shape == (1, 3)
    np.testing.assert_array_equal(x.numpy(), [[5, 5, 5]])
    x, y = nn.meshgrid(nn.tensor(5.0), nn.arange(3.0), indexing="xy")
    assert x.shape == (3, 1)
    np.testing.assert_array_equal(y.numpy(), [[0], [1], [2]])


def test_meshgrid_against_torch():
    torch = pytest.importorskip("torch")
    for args, kw in [((np.float64(2.0), np.arange(3.0)), {"indexing": "ij"}),
                     ((np.arange(2.0), np.arange(3.0), np.arange(4.0)), {"indexing": "xy"})]:
        ours = nn.meshgrid(*[nn.tensor(a) for a in args], **kw)
        theirs = torch.meshgrid(*[torch.tensor(a) for a in args], **kw)
        for o, t in zip(ours, theirs):
            assert tuple(o.shape) == tuple(t.shape)
            np.testing.assert_array_equal(o.numpy(), t.numpy())
    for ours_args, theirs_args in [((nn.arange(2.0), nn.arange(3)), (torch.arange(2.0), torch.arange(3))),
                                   ((nn.zeros(2, 2), nn.arange(3.0)), (torch.zeros(2, 2), torch.arange(3.0)))]:
        with pytest.raises(RuntimeError) as ours:
            nn.meshgrid(*ours_args, indexing="ij")
        with pytest.raises(RuntimeError) as theirs:
            torch.meshgrid(*theirs_args, indexing="ij")
        assert str(ours.value).split(":")[0] == str(theirs.value).split(":")[0]


# ---- batch_norm / instance_norm of one value per channel: PyTorch prints a torch.Size -------------------------------

def test_batch_norm_one_value_per_channel_message():
    with pytest.raises(ValueError, match=r"^Expected more than 1 value per channel when training, got input size "
                                         r"torch\.Size\(\[1, 2\]\)$"):
        F.batch_norm(nn.zeros(1, 2), None, None, training=True)
    with pytest.raises(ValueError, match=r"got input size torch\.Size\(\[1, 4, 1, 1\]\)$"):
        nn.BatchNorm2d(4)(nn.zeros(1, 4, 1, 1))


def test_instance_norm_one_position_message():
    with pytest.raises(ValueError, match=r"^Expected more than 1 spatial element when training, got input size "
                                         r"torch\.Size\(\[3, 2, 1, 1\]\)$"):
        nn.InstanceNorm2d(2)(nn.zeros(3, 2, 1, 1))


def test_norm_messages_against_torch():
    torch = pytest.importorskip("torch")
    for ours, theirs in [(lambda: F.batch_norm(nn.zeros(1, 3), None, None, training=True),
                          lambda: torch.nn.functional.batch_norm(torch.zeros(1, 3), None, None, training=True)),
                         (lambda: F.instance_norm(nn.zeros(2, 2, 1, 1, 1)),
                          lambda: torch.nn.functional.instance_norm(torch.zeros(2, 2, 1, 1, 1))),
                         (lambda: F.group_norm(nn.zeros(1, 4, 1), 4),
                          lambda: torch.nn.functional.group_norm(torch.zeros(1, 4, 1), 4))]:
        with pytest.raises(ValueError) as a:
            ours()
        with pytest.raises(ValueError) as b:
            theirs()
        assert str(a.value) == str(b.value)


# ---- torch.save / torch.load parameter names (MONAI's PersistentDataset: torch.save(obj=..., f=..., ...)) ----------

def test_save_and_load_take_pytorchs_parameter_names(tmp_path):
    path = tmp_path / "item.pt"
    item = {"image": nn.tensor(np.arange(6.0).reshape(2, 3)), "label": 1}
    nn.save(obj=item, f=path, pickle_module=pickle, pickle_protocol=pickle.DEFAULT_PROTOCOL)
    back = nn.load(f=path, weights_only=True)
    np.testing.assert_array_equal(back["image"].numpy(), np.arange(6.0).reshape(2, 3))
    assert back["label"] == 1
    nn.save(obj={"w": np.ones(2)}, f=tmp_path / "w.npz")
    np.testing.assert_array_equal(nn.load(tmp_path / "w.npz", "cpu")["w"], [1.0, 1.0])
    assert list(inspect.signature(nn.save).parameters)[:4] == ["obj", "f", "pickle_module", "pickle_protocol"]
    params = inspect.signature(nn.load).parameters
    assert list(params)[:3] == ["f", "map_location", "pickle_module"]
    assert params["weights_only"].kind is inspect.Parameter.KEYWORD_ONLY
    # an explicit pickle_module means a trusted load, and refuses weights_only=True, as torch.load (third position)
    with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle_module is specified"):
        nn.load(path, None, pickle, weights_only=True)


def test_save_keywords_against_torch(tmp_path):
    torch = pytest.importorskip("torch")
    theirs = list(inspect.signature(torch.save).parameters)[:4]
    assert list(inspect.signature(nn.save).parameters)[:4] == theirs
    torch.save(obj={"a": torch.arange(3.0)}, f=tmp_path / "t.pt", pickle_module=pickle, pickle_protocol=4)
    np.testing.assert_array_equal(nn.load(f=tmp_path / "t.pt", map_location="cpu", weights_only=True)["a"].numpy(),
                                  [0.0, 1.0, 2.0])
    # protocol 2, torch.save's default (PyTorch's weights_only reader refuses protocol 4's FRAME, ours or its own)
    nn.save(obj={"a": nn.arange(3.0)}, f=tmp_path / "n.pt", pickle_module=pickle, pickle_protocol=2)
    np.testing.assert_array_equal(torch.load(f=tmp_path / "n.pt", weights_only=True)["a"].numpy(), [0.0, 1.0, 2.0])
