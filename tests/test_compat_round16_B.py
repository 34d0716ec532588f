"""Round 16, area B: Hugging Face peft 0.21.2 on transformers 5.25.0 (with accelerate 1.16.0, which peft imports at
the top), run unchanged under PyTorch and ported by the porting rule; LoRA on BERT, GPT-2 and LLaMA, save / load of
adapters both ways, and transformers' from_pretrained on the port. What broke: from_pretrained builds its model
inside `with torch.device("meta"):` (nn refused the meta device), accelerate's annotations name torch.HalfTensor,
its is_compiled_module asks torch._dynamo.eval_frame.OptimizedModule, and the loader reads
torch.nn.modules.module._EXTRA_STATE_KEY_SUFFIX and Module._non_persistent_buffers_set. Each test pins PyTorch
2.13's behaviour, stated by hand, and is checked against PyTorch where it is installed."""
import warnings

import numpy as np
import pytest

import nn
from porting import load_script, port


# ---- the meta device: `with torch.device("meta"):`, shapes and dtypes without data -------------------------------

def test_device_context_makes_factories_and_layers_meta():
    with nn.device("meta"):
        made = [nn.zeros(2, 3), nn.randn(4), nn.tensor([1.0, 2.0]), nn.arange(5), nn.empty(2, dtype=nn.float64)]
        inside = nn.get_default_device()
        layer, norm, table = nn.Linear(3, 4), nn.BatchNorm1d(3), nn.Embedding(5, 2)
        with nn.device("cpu"):                          # an inner block wins
            on_cpu = nn.ones(2)
    assert [str(t.device) for t in made] == ["meta"] * 5 and all(t.is_meta for t in made)
    assert [t.shape for t in made] == [(2, 3), (4,), (2,), (5,), (2,)]
    assert made[3].dtype == nn.int64 and made[4].dtype == nn.float64
    assert inside == nn.device("meta") and nn.get_default_device() == nn.device("cpu")
    assert all(p.is_meta for m in (layer, norm, table) for p in (*m.parameters(), *m.buffers()))
    assert layer.weight.shape == (4, 3) and norm.running_var.shape == (3,) and table.weight.shape == (5, 2)
    assert on_cpu.device == nn.device("cpu") and not on_cpu.is_meta and on_cpu.is_cpu
    assert nn.zeros(2).device == nn.device("cpu")       # the block is over


def test_meta_tensors_refuse_their_data_as_pytorch():
    x = nn.zeros(2, 3, device="meta")
    with pytest.raises(RuntimeError, match=r"^Tensor.item\(\) cannot be called on meta tensors$"):
        nn.zeros(1, device="meta").item()
    with pytest.raises(TypeError, match="can't convert meta device type tensor to numpy"):
        x.numpy()
    for read in (x.tolist, x.cpu, lambda: x.to("cpu"), lambda: nn.zeros(2, 3).copy_(x)):
        with pytest.raises(NotImplementedError, match=r"^Cannot copy out of meta tensor; no data!$"):
            read()
    assert repr(x) == "tensor(..., device='meta', size=(2, 3))"
    assert repr(nn.empty(0, device="meta", dtype=nn.float64)) == "tensor(..., device='meta', size=(0,), dtype=nn.float64)"
    w = nn.Linear(3, 4, device="meta").weight
    assert repr(w) == "Parameter containing:\ntensor(..., device='meta', size=(4, 3), requires_grad=True)"
    assert (x.numel(), x.element_size(), x.dtype, x.is_floating_point()) == (6, 4, nn.float32, True)


def test_meta_takes_no_random_draws_and_keeps_meta_through_ops():
    nn.manual_seed(0)
    expected = nn.rand(3).tolist()
    nn.manual_seed(0)
    with nn.device("meta"):
        nn.Linear(8, 8)                                 # its init draws nothing, as PyTorch's on the meta device
        nn.randn(5)
        nn.randint(0, 4, (3,))
    x = nn.zeros(2, 3, device="meta")
    x.normal_()
    nn.init.kaiming_uniform_(x)
    assert nn.rand(3).tolist() == expected
    assert all(t.is_meta for t in (x + 1, x.sum(), x.clone(), x.double(), x.detach(), nn.Parameter(x), x.T))
    assert x.double().dtype == nn.float64 and (x + 1).shape == (2, 3)
    assert nn.empty_like(x).is_meta and nn.empty_like(x, device="cpu").device == nn.device("cpu")
    y = nn.ones(2)
    with nn.device("meta"):                             # the *_like forms follow their input, not the block
        assert nn.zeros_like(y).device == nn.device("cpu")
    assert nn.ones(2).to("meta").is_meta and x.to("meta") is x


def test_module_to_empty_load_state_dict_and_to_on_meta():
    layer = nn.Linear(2, 3, device="meta")
    assert layer.weight.is_meta and layer.bias.is_meta
    with pytest.raises(NotImplementedError, match=r"Please use torch.nn.Module.to_empty\(\) instead"):
        layer.to("cpu")
    state = {"weight": nn.ones(3, 2), "bias": nn.zeros(3)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer.load_state_dict(state)                    # copying into a meta parameter does nothing, as PyTorch's
    assert layer.weight.is_meta and len(caught) == 2
    assert "copying from a non-meta parameter in the checkpoint to a meta parameter" in str(caught[0].message)
    weight = layer.weight
    assert layer.to_empty(device="cpu") is layer and layer.weight is weight      # the same Parameter objects
    assert layer.weight.device == nn.device("cpu") and layer.weight.shape == (3, 2)
    layer.load_state_dict(state)
    assert layer(nn.ones(1, 2)).tolist() == [[2.0, 2.0, 2.0]]
    other = nn.Linear(2, 3).to("meta")
    assert other.weight.is_meta and other.bias.device.type == "meta"
    other.load_state_dict(state, assign=True)
    assert not other.weight.is_meta and other.weight.tolist() == [[1.0, 1.0]] * 3


def test_set_default_device_meta():
    try:
        nn.set_default_device("meta")
        assert nn.get_default_device() == nn.device("meta") and nn.zeros(2).is_meta
    finally:
        nn.set_default_device("cpu")
    assert nn.get_default_device() == nn.device("cpu") and not nn.zeros(2).is_meta
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.set_default_device("cuda")


# the loader of transformers 5's from_pretrained, in a few lines: build on meta, put the checkpoint's tensors in
# with setattr, give the missing ones memory (empty_like on the CPU), initialise those
HF_LOADER = '''
import torch

class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(2, 3)
        self.head = torch.nn.Linear(3, 1)
        self.register_buffer("position_ids", torch.arange(4).expand((1, -1)), persistent=False)

def from_pretrained(checkpoint):
    with torch.device("meta"):
        model = Tiny()
    built_on = str(model.proj.weight.device)
    for key, value in checkpoint.items():
        module, _, name = key.rpartition(".")
        setattr(model.get_submodule(module), name, torch.nn.Parameter(value))
    for key, param in model.named_parameters():
        if param.device.type == "meta":
            module, _, name = key.rpartition(".")
            setattr(model.get_submodule(module), name, torch.nn.Parameter(torch.empty_like(param, device="cpu")))
            torch.nn.init.constant_(model.get_parameter(key), 0.5)
    model.position_ids = torch.arange(4).expand((1, -1))
    return model, built_on
'''


def test_hugging_face_loader_idiom():
    ns = load_script(port(HF_LOADER))
    checkpoint = {"proj.weight": nn.ones(3, 2), "proj.bias": nn.zeros(3)}
    model, built_on = ns["from_pretrained"](checkpoint)
    assert built_on == "meta"
    assert not any(t.is_meta for t in (*model.parameters(), *model.buffers()))
    assert model.head.weight.tolist() == [[0.5, 0.5, 0.5]] and model.position_ids.tolist() == [[0, 1, 2, 3]]
    assert model.head(model.proj(nn.ones(1, 2))).tolist() == [[3.5]]


def test_hugging_face_loader_idiom_against_pytorch():
    torch = pytest.importorskip("torch")
    model, built_on = load_script(HF_LOADER)["from_pretrained"]({"proj.weight": torch.ones(3, 2),
                                                                 "proj.bias": torch.zeros(3)})
    assert built_on == "meta" and model.head(model.proj(torch.ones(1, 2))).tolist() == [[3.5]]
    with torch.device("meta"):
        t = torch.zeros(2, 3)
    assert repr(t) == "tensor(..., device='meta', size=(2, 3))"
    assert repr(torch.empty(0, device="meta", dtype=torch.float64)).replace("torch.", "nn.") == repr(
        nn.empty(0, device="meta", dtype=nn.float64))


# ---- names the port of accelerate and transformers' loader read ---------------------------------------------------

def test_half_tensor_legacy_names():
    assert nn.HalfTensor.dtype == nn.float16 and nn.BFloat16Tensor.dtype == nn.bfloat16
    assert not isinstance(nn.zeros(2), nn.HalfTensor) and not isinstance(nn.zeros(2), nn.BFloat16Tensor)
    with pytest.raises(TypeError, match="float16 is not supported"):
        nn.HalfTensor(2)


def test_dynamo_eval_frame_and_module_internals():
    from nn._dynamo.eval_frame import OptimizedModule
    assert OptimizedModule is nn._dynamo.OptimizedModule and not isinstance(nn.Linear(1, 1), OptimizedModule)
    assert nn.modules.module._EXTRA_STATE_KEY_SUFFIX == "_extra_state"
    m = nn.Module()
    m.register_buffer("a", nn.zeros(1), persistent=False)
    m.register_buffer("b", nn.zeros(1))
    assert m._non_persistent_buffers_set == {"a"}


# accelerate's init_empty_weights (peft's low_cpu_mem_usage=True, `with init_empty_weights(): from_config(...)`):
# it patches Module.register_parameter, which assigning a Parameter calls, and rebuilds each new parameter on the
# meta device as type(p)(p.to("meta"), **p.__dict__)
EMPTY_WEIGHTS = '''
import torch
from contextlib import contextmanager

@contextmanager
def init_empty_weights():
    old_register_parameter = torch.nn.Module.register_parameter
    def register_empty_parameter(module, name, param):
        old_register_parameter(module, name, param)
        if param is not None:
            kwargs = module._parameters[name].__dict__
            kwargs["requires_grad"] = param.requires_grad
            module._parameters[name] = type(param)(module._parameters[name].to(torch.device("meta")), **kwargs)
    torch.nn.Module.register_parameter = register_empty_parameter
    try:
        yield
    finally:
        torch.nn.Module.register_parameter = old_register_parameter

def build():
    with init_empty_weights():
        model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.LayerNorm(3))
        model[1].register_buffer("extra", torch.zeros(3))
    return model
'''


def test_init_empty_weights_recipe():
    model = load_script(port(EMPTY_WEIGHTS))["build"]()
    assert [(k, str(p.device), p.requires_grad) for k, p in model.named_parameters()] == [
        ("0.weight", "meta", True), ("0.bias", "meta", True), ("1.weight", "meta", True), ("1.bias", "meta", True)]
    assert model[1].extra.device == nn.device("cpu")      # buffers stay unless include_buffers=True
    assert nn.Module.register_parameter.__name__ == "register_parameter"    # restored
    with pytest.raises(TypeError, match="unexpected keyword argument 'scale'"):
        nn.Parameter(nn.zeros(2), scale=2.0)


def test_init_empty_weights_recipe_against_pytorch():
    pytest.importorskip("torch")
    model = load_script(EMPTY_WEIGHTS)["build"]()
    assert {str(p.device) for p in model.parameters()} == {"meta"} and str(model[1].extra.device) == "cpu"
