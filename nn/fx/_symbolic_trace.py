"""torch.fx symbolic tracing: run a module's forward (or a function) on Proxies and record what it does as a Graph.

While ``Tracer.trace`` runs, ``Module.__call__`` records a call of a leaf module (``is_leaf_module``: nn's own
layers) as one ``call_module`` node and steps into any other module; ``Module.__getattr__`` gives a parameter as
a ``get_attr`` node; the functions named by ``fx.wrap`` and those of ``autowrap_modules`` (``math``) found in the
traced code's globals record a ``call_function`` node when given a Proxy. Everything is put back afterwards.
Control flow on a traced value raises a TraceError, as in PyTorch.
"""
import functools
import inspect
import math

from . import _wrapped_fns_to_patch
from .graph import Graph
from .node import map_aggregate
from .proxy import Proxy, TracerBase, Scope


class _Patcher:
    """Attribute and dict-entry replacements undone in reverse order on exit."""

    def __init__(self):
        self._undo = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        while self._undo:
            self._undo.pop()()

    def set_attr(self, obj, name, value):
        old = obj.__dict__[name]
        setattr(obj, name, value)
        self._undo.append(lambda: setattr(obj, name, old))

    def set_global(self, globals_, name, value):
        old = globals_[name]
        globals_[name] = value
        self._undo.append(lambda: globals_.__setitem__(name, old))


def _recording(tracer, fn):
    """fn, but a call with a Proxy among its arguments becomes a call_function node of fn."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        proxies = []
        map_aggregate((args, kwargs), lambda a: proxies.append(a) if isinstance(a, Proxy) else None)
        if proxies:
            return proxies[0].tracer.create_proxy("call_function", fn, args, kwargs)
        return fn(*args, **kwargs)
    wrapped.__fx_recording__ = True
    return wrapped


class Tracer(TracerBase):
    """torch.fx.Tracer: ``trace(root, concrete_args=None) -> Graph``. Subclasses change what is a leaf
    (``is_leaf_module``), how a module call is recorded (``call_module``) or how values become node arguments
    (``create_arg``), as PyTorch's."""
    submodule_paths = None          # id(module) -> its qualified name, while trace() runs

    def __init__(self, autowrap_modules=(math,), autowrap_functions=(), param_shapes_constant=False):
        super().__init__()
        self._autowrap_function_ids = {id(f) for m in autowrap_modules for f in vars(m).values()
                                       if callable(f) and not isinstance(f, type)}
        self._autowrap_function_ids.update(id(f) for f in autowrap_functions)
        self.autowrap_modules, self.autowrap_functions = autowrap_modules, autowrap_functions
        self.param_shapes_constant = param_shapes_constant
        self.scope = Scope("", None)
        self.module_stack = {}
        self.node_name_to_scope = {}

    # -- what is recorded ---------------------------------------------------------------------------------------
    def is_leaf_module(self, m, module_qualified_name):
        """PyTorch's rule: the library's own layers are leaves, Sequential is not."""
        from ..modules.container import Sequential  # noqa: PLC0415 (nn.modules is imported after nn.fx)
        return m.__module__.startswith("nn.") and not isinstance(m, Sequential)

    def path_of_module(self, mod):
        """The qualified name of mod inside the traced root (NameError if it is not one of its submodules)."""
        path = self.submodule_paths.get(id(mod)) if self.submodule_paths is not None else None
        if path is None:
            path = next((n for n, p in self.root.named_modules() if p is mod), None)
        if path is None:
            raise NameError("module is not installed as a submodule")
        return path

    def call_module(self, m, forward, args, kwargs):
        """A leaf module's call as one call_module node; any other module's forward traced through."""
        module_qualified_name = self.path_of_module(m)
        outer_scope, self.scope = self.scope, Scope(module_qualified_name, type(m))
        self.module_stack[module_qualified_name] = (module_qualified_name, type(m))
        try:
            if not self.is_leaf_module(m, module_qualified_name):
                return forward(*args, **kwargs)
            return self.create_proxy("call_module", module_qualified_name, args, kwargs)
        finally:
            self.module_stack.pop(module_qualified_name, None)
            self.scope = outer_scope

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        """A module attribute read while tracing: a parameter of the root (and, with proxy_buffer_attributes, a
        buffer) as a get_attr node, made once; anything else as it is."""
        from ..modules.module import Parameter  # noqa: PLC0415
        from ..tensor import Tensor  # noqa: PLC0415
        candidates = ()
        if isinstance(attr_val, Parameter):
            candidates = self.root.named_parameters()
        elif self.proxy_buffer_attributes and isinstance(attr_val, Tensor):
            candidates = self.root.named_buffers()
        for name, value in candidates:
            if value is attr_val or value._data is attr_val._data:
                if name not in parameter_proxy_cache:
                    parameter_proxy_cache[name] = self.create_proxy("get_attr", name, (), {})
                return parameter_proxy_cache[name]
        return attr_val

    def create_arg(self, a):
        """As TracerBase's, and: a parameter or buffer of the root -> a get_attr node; any other tensor -> a
        constant attribute ``_tensor_constant<i>`` of the root, read by a get_attr node; a submodule -> get_attr."""
        from ..modules.module import Module, Parameter  # noqa: PLC0415
        from ..tensor import Tensor  # noqa: PLC0415
        if isinstance(a, Parameter):
            for name, p in self.root.named_parameters():
                if a is p:
                    return self.create_node("get_attr", name, (), {})
            raise NameError("parameter is not a member of this module")
        if isinstance(a, Module):
            return self.create_node("get_attr", self.path_of_module(a), (), {})
        if isinstance(a, Tensor) and not isinstance(a, Proxy):
            name = self.tensor_attrs.get(id(a._data))
            if name is None:
                i = 0
                while hasattr(self.root, f"_tensor_constant{i}"):
                    i += 1
                name = f"_tensor_constant{i}"
                setattr(self.root, name, a)
                self.tensor_attrs[id(a._data)] = name
            return self.create_node("get_attr", name, (), {})
        return super().create_arg(a)

    # -- tracing ------------------------------------------------------------------------------------------------
    def create_args_for_root(self, root_fn, is_module, concrete_args=None):
        """A placeholder node per parameter of root_fn (self left out for a module's forward); a concrete
        argument is baked in (its placeholder kept, with a check that it is passed the same value)."""
        sig = inspect.signature(root_fn)
        params = list(sig.parameters.values())[1 if is_module else 0:]
        if isinstance(concrete_args, tuple):
            if len(concrete_args) != len(params):
                raise RuntimeError(f"Tracing expected {len(params)} arguments but got {len(concrete_args)} "
                                   "concrete arguments")
            concrete_args = {p.name: v for p, v in zip(params, concrete_args)}
        concrete_args = concrete_args or {}
        args, kwargs = [], {}
        for p in params:
            if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
                raise NotImplementedError(f"tracing a function with *{p.name} / **{p.name} is not supported in nn: "
                                          "give it named parameters, or pass concrete_args")
            default = () if p.default is inspect.Parameter.empty else (p.default,)
            if p.name in concrete_args:
                ph = self.create_proxy("placeholder", f"{p.name}_1", default, {})
                value = concrete_args[p.name]
                if type(value) in (bool, int, float, str, complex):       # checked when the module is called
                    from .. import _assert  # noqa: PLC0415
                    self.create_proxy("call_function", _assert,
                                      (ph == value, f"{p.name} has been specialized to have value {value} but got "
                                                    "another value"), {})
                elif value is None:
                    self.create_proxy("call_function", _assert_is_none,
                                      (ph, f"{p.name} has been specialized to have value None but got another "
                                           "value"), {})
                value_or_ph = value
            else:
                value_or_ph = self.create_proxy("placeholder", p.name, default, {})
            if p.kind == inspect.Parameter.KEYWORD_ONLY:
                kwargs[p.name] = value_or_ph
            else:
                args.append(value_or_ph)
        return args, kwargs

    def trace(self, root, concrete_args=None):
        """Run root (a Module's forward, or a function) on Proxies -> the Graph of what it did."""
        from ..modules.module import Module  # noqa: PLC0415
        from ..tensor import Tensor  # noqa: PLC0415
        is_module = isinstance(root, Module)
        if is_module:
            self.root = root
            fn = type(root).forward
        else:
            self.root = Module()
            fn = root
        self.graph = Graph(tracer_cls=type(self))
        self.submodule_paths = {id(m): name for name, m in self.root.named_modules()}
        # tensors by their arrays (a buffer reads as a new Tensor on the same array each time): the buffers, and
        # the plain tensor attributes of every submodule (self.const = nn.full(...)), by qualified name
        self.tensor_attrs = {id(value._data): name for name, value in self.root.named_buffers()}
        for prefix, m in self.root.named_modules():
            for k, v in vars(m).items():
                if isinstance(v, Tensor):
                    self.tensor_attrs.setdefault(id(v._data), f"{prefix}.{k}" if prefix else k)
        args, kwargs = self.create_args_for_root(fn, is_module, concrete_args)
        if is_module:
            args = [root] + args
        parameter_proxy_cache, self._autowrapped = {}, set()
        tracer = self
        original_getattr, original_call = Module.__getattr__, Module.__call__

        def module_getattr_wrapper(mod, attr):
            return tracer.getattr(attr, original_getattr(mod, attr), parameter_proxy_cache)

        def module_call_wrapper(mod, *args, **kwargs):
            def forward(*args, **kwargs):
                return original_call(mod, *args, **kwargs)
            tracer._autowrap(patcher, getattr(type(mod).forward, "__globals__", {}))
            return tracer.call_module(mod, forward, args, kwargs)

        with _Patcher() as patcher:
            patcher.set_attr(Module, "__getattr__", module_getattr_wrapper)
            patcher.set_attr(Module, "__call__", module_call_wrapper)
            for (_, name), globals_ in _wrapped_fns_to_patch.items():
                if name in globals_ and not getattr(globals_[name], "__fx_recording__", False):
                    patcher.set_global(globals_, name, _recording(self, globals_[name]))
            self._autowrap(patcher, getattr(fn, "__globals__", {}))
            for module in self.autowrap_modules:        # math.sqrt(x) as well as sqrt(x)
                self._autowrap(patcher, vars(module))
            result = fn(*args, **kwargs)
            self.create_node("output", "output", (self.create_arg(result),), {})
        self.submodule_paths = None
        return self.graph

    def _autowrap(self, patcher, globals_):
        """Record the calls of autowrap functions (math.sqrt, ...) named in globals_ by patching them there (once
        per trace for each module's globals)."""
        if id(globals_) in self._autowrapped:
            return
        self._autowrapped.add(id(globals_))
        for name, value in list(globals_.items()):
            if (not name.startswith("_") and callable(value) and id(value) in self._autowrap_function_ids
                    and not getattr(value, "__fx_recording__", False)):
                patcher.set_global(globals_, name, _recording(self, value))



def _assert_is_none(value, msg):
    assert value is None, msg


def symbolic_trace(root, concrete_args=None):
    """root (a Module or a function) traced into a GraphModule whose forward does the same (PyTorch's
    ``torch.fx.symbolic_trace``)."""
    from ..modules.module import Module  # noqa: PLC0415
    from .graph_module import GraphModule  # noqa: PLC0415
    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    name = type(root).__name__ if isinstance(root, Module) else root.__name__
    return GraphModule(tracer.root, graph, name)
