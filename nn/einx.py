"""einx on nn tensors: einx's operations (rearrange, add, multiply, sum, get_at, set_at, dot, softmax, ...)
accept nn Tensors, with gradients.

einx compiles each call into Python code over an array library's functions, and picks the library by the types of
the arguments among the backends registered with it. Its PyTorch backend is built from a traced stand-in of the
`torch` module (einx's signature of torch's functions); nn's is the same construction over the module `nn`, whose
functions carry PyTorch's names and arguments, so the compiled code calls nn.reshape, nn.sum, nn.index_put_, ...
nn imports this module when einx is installed (as it does nn/einops.py), so a script ported by the porting rule
keeps its `import einx`. Written against einx 0.4; another einx leaves nn as it is (nn/__init__.py).
"""
import einx._src.adapter as adapter
import einx._src.tracer as tracer
from einx._src.frontend.backend import Backend, registry

import nn  # (imported by nn's own __init__, after every name used here is defined)


def _backend_kwargs():
    """What einx's torch backend passes besides its ops, for the module nn: the reshape-like calls a trace may
    skip, the compiler, and how to recognise and measure an nn tensor."""
    module = tracer.signature.python.import_("nn")
    optimizations = [
        tracer.optimizer.classical.SkipReshape(module.reshape),
        tracer.optimizer.classical.SkipTranspose(module.permute),
        tracer.optimizer.classical.SkipBroadcastTo(module.broadcast_to),
        tracer.optimizer.classical.SkipConcatenate(module.cat),
        tracer.optimizer.InlineGraph(),
        tracer.optimizer.SkipCast(),
    ]
    return {"optimizations": optimizations, "compiler": tracer.compiler.python,
            "is_supported_tensor": lambda tensor: isinstance(tensor, nn.Tensor),
            "get_shape": lambda tensor: tuple(int(n) for n in tensor.shape)}


def create_backend():
    """einx's torch backend (its numpy-like ops, with dot through einsum) built over the module nn."""
    device_stack = adapter.TorchDeviceStack()
    module = tracer.signature.torch(tracer.signature.python.import_("nn"))
    classical = adapter.classical_from_torch.ops(module, get_device=device_stack.get_device)
    einsum = adapter.einsum_from_torch(module, get_device=device_stack.get_device)
    from_classical = adapter.decomposednamedtensor_from_classical
    ops = ({name: from_classical.elementwise(getattr(classical, name), classical) for name in adapter.ops.elementwise}
           | {name: from_classical.reduce(getattr(classical, name)) for name in adapter.ops.reduce}
           | {name: from_classical.preserve_shape(getattr(classical, name)) for name in adapter.ops.preserve_shape}
           | {name: from_classical.argfind(getattr(classical, name), classical) for name in adapter.ops.argfind}
           | {name: from_classical.update_at_ravelled(getattr(classical, name), classical)
              for name in adapter.ops.update_at}
           | {"get_at": from_classical.get_at_ravelled(classical),
              "dot": adapter.decomposednamedtensor_from_einsum.dot(einsum)})
    ops = adapter.namedtensor_from_decomposednamedtensor.ops(ops, classical)
    ops = device_stack.namedtensor.ops(ops)
    ops = adapter.namedtensor_calltensorfactory.ops(ops, expected_type=module.Tensor)
    return Backend(ops=adapter.einx_from_namedtensor.ops(ops), name="nn", priority=0, **_backend_kwargs())


registry.register(create_backend())
