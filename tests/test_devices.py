"""Devices and dtype conversion: the CPU only, a one-line error for a GPU; Tensor.to / Module.to."""
import numpy as np
import pytest

import nn


def test_device_objects():
    assert str(nn.device("cpu")) == "cpu" and nn.device("cpu") == "cpu"
    assert repr(nn.device("cuda:1")) == "device(type='cuda', index=1)"      # may be built, as in PyTorch
    assert nn.device("cuda", 0) == nn.device("cuda:0") != nn.device("cpu")
    assert nn.zeros(2).device == nn.device("cpu") and nn.zeros(1).device.type == "cpu"
    assert not nn.zeros(1).is_cuda and not nn.cuda.is_available() and nn.cuda.device_count() == 0
    assert not nn.backends.cudnn.is_available() and not nn.backends.mps.is_available()
    nn.backends.cudnn.benchmark = True              # scripts set it: harmless
    nn.cuda.manual_seed_all(0)
    with pytest.raises(RuntimeError, match="device type"):
        nn.device("tpu")


def test_the_usual_device_line_picks_the_cpu():
    device = nn.device("cuda" if nn.cuda.is_available() else "cpu")
    x = nn.randn(2, 3).to(device)
    model = nn.Linear(3, 1).to(device)
    assert model(x).device == device


def test_asking_for_a_gpu_is_a_one_line_error():
    x = nn.zeros(2)
    for move in (lambda: x.to("cuda"), lambda: x.cuda(), lambda: x.to(nn.device("cuda:0")),
                 lambda: nn.zeros(2, device="cuda"), lambda: nn.Linear(2, 2).cuda(),
                 lambda: nn.Linear(2, 2).to("mps")):
        with pytest.raises(RuntimeError, match="CPU only") as e:
            move()
        assert "\n" not in str(e.value)


def test_tensor_to_dtype_device_and_other_tensor():
    x = nn.tensor([1.5, -2.0], requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.to(nn.float32) is x
    y = x.to(nn.float64)
    assert y.dtype == nn.float64 and y.requires_grad
    (y * 2).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 2.0]
    assert x.to("cpu", nn.float64).dtype == nn.float64 and x.to(dtype=nn.float64, device="cpu").dtype == nn.float64
    assert x.to(nn.zeros(1, dtype=nn.float64)).dtype == nn.float64
    i = x.long()
    assert i.dtype == nn.int64 and i.tolist() == [1, -2] and not i.requires_grad
    assert x.int().dtype == nn.int32 and x.bool().dtype == nn.bool and x.double().dtype == nn.float64
    assert i.float().dtype == nn.float32 and x.detach().to(copy=True) is not x
    assert nn.float is nn.float32 and nn.double is nn.float64 and nn.long is nn.int64


def test_module_to_converts_in_place_and_returns_self():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    params = list(model.parameters())
    assert model.to("cpu") is model
    assert model.to(nn.float64) is model and all(p.dtype == nn.float64 for p in model.parameters())
    assert list(model.parameters())[0] is params[0]                   # same Parameter objects
    assert model.to(nn.device("cpu"), nn.float32) is model and params[0].dtype == nn.float32
    model.to(nn.zeros(1, dtype=nn.float64))
    assert params[0].dtype == nn.float64
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):    # PyTorch's TypeError
        model.to(nn.int64)


def test_module_to_casts_buffers():
    bn = nn.BatchNorm2d(3)
    bn.to(dtype=nn.float64)
    assert bn.running_mean.dtype == np.float64 and bn.weight.dtype == nn.float64


def test_legacy_type_names():
    x = nn.tensor([1.7, -2.2])
    assert x.type() == "nn.FloatTensor" and x.long().type() == "nn.LongTensor"
    assert x.type("torch.LongTensor").tolist() == [1, -2] and x.type(nn.float64).dtype == nn.float64
