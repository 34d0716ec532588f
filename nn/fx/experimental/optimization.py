"""torch.fx.experimental.optimization: ``fuse``, which folds each BatchNorm that follows a convolution or a Linear
(in eval mode) into that layer's weights, on the module's traced graph."""
import copy

from ...modules.batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from ...modules.conv import Conv1d, Conv2d, Conv3d
from ...modules.linear import Linear
from ...utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

__all__ = ["fuse", "matches_module_pattern", "replace_node_module"]

_PATTERNS = [(Conv1d, BatchNorm1d), (Conv2d, BatchNorm2d), (Conv3d, BatchNorm3d), (Linear, BatchNorm1d)]


def matches_module_pattern(pattern, node, modules):
    """Whether node calls a module of type pattern[1] on the output of a module of type pattern[0]."""
    if len(node.args) == 0:
        return False
    nodes = (node.args[0], node)
    for expected_type, current_node in zip(pattern, nodes):
        if not hasattr(current_node, "op") or current_node.op != "call_module":
            return False
        if not isinstance(current_node.target, str) or current_node.target not in modules:
            return False
        if type(modules[current_node.target]) is not expected_type:
            return False
    return True


def replace_node_module(node, modules, new_module):
    """Put new_module where node's call_module target is, in its parent module and in modules."""
    assert isinstance(node.target, str)
    *parent, name = node.target.rsplit(".", 1)
    modules[node.target] = new_module
    setattr(modules[parent[0]] if parent else modules[""], name, new_module)


def fuse(model, inplace=False, no_trace=False):
    """model (in eval mode) with every Conv-BatchNorm / Linear-BatchNorm1d pair whose convolution output has no
    other user folded into one layer -> a GraphModule (a copy of model unless inplace)."""
    from .. import GraphModule, symbolic_trace  # noqa: PLC0415
    if not inplace:
        model = copy.deepcopy(model)
    fx_model = model if no_trace and isinstance(model, GraphModule) else symbolic_trace(model)
    modules = dict(fx_model.named_modules())
    new_graph = copy.deepcopy(fx_model.graph)
    for pattern in _PATTERNS:
        for node in new_graph.nodes:
            if not matches_module_pattern(pattern, node, modules) or len(node.args[0].users) > 1:
                continue        # (the layer's output is used elsewhere too: it must stay unfused)
            first_layer, bn = modules[node.args[0].target], modules[node.target]
            if not bn.track_running_stats:
                continue
            fuse_eval = fuse_linear_bn_eval if pattern[0] is Linear else fuse_conv_bn_eval
            replace_node_module(node.args[0], modules, fuse_eval(first_layer, bn))
            node.replace_all_uses_with(node.args[0])
            new_graph.erase_node(node)
    return GraphModule(fx_model, new_graph)
