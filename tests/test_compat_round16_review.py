"""Review of the sixteenth compatibility round: backward's order of leaves made ready by one node, and
load_state_dict with meta values and assign=True (each checked against PyTorch 2.13's behaviour)."""
import warnings

import numpy as np
import pytest

import nn


def test_leaves_made_ready_by_one_node_run_in_its_input_order():
    # PyTorch's engine queues the AccumulateGrad nodes of a node's inputs in input order: a's hook, then c's
    # (c's other consumer is off the loss's path; the graph's DFS order used to put c first)
    log = []
    a, b, c = (nn.ones(2, requires_grad=True) for _ in range(3))
    for name, t in zip("abc", (a, b, c)):
        t.register_hook(lambda g, name=name: log.append(name))
    n0 = a + c
    c.exp()
    (n0.exp() + a).sum().backward()
    assert log == ["a", "c"]


def test_leaf_given_twice_to_one_node_runs_once_after_it():
    log = []
    a, b = nn.ones(2, requires_grad=True), nn.ones(2, requires_grad=True)
    a.register_hook(lambda g: log.append("a"))
    b.register_hook(lambda g: log.append("b"))
    nn.stack([a, b, a]).sum().backward()          # a is ready at its last place, after b (PyTorch: b, a)
    assert log == ["b", "a"]
    np.testing.assert_allclose(a.grad, [2.0, 2.0])


def _meta_state(module):
    return {k: nn.zeros(*v.shape, device="meta") for k, v in module.state_dict().items()}


def test_meta_state_dict_into_meta_model_copies_without_warning():
    with nn.device("meta"):
        m = nn.nn.Linear(2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.load_state_dict(_meta_state(m))
    assert m.weight.is_meta


def test_meta_state_dict_into_cpu_model_is_refused():
    m = nn.nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="Cannot copy out of meta tensor; no data!"):
        m.load_state_dict(_meta_state(m))


def test_assign_keeps_a_meta_value_meta():
    m = nn.nn.Linear(2, 2)
    m.load_state_dict(_meta_state(m), assign=True)
    assert m.weight.is_meta and m.bias.is_meta


def test_assign_of_a_tensor_makes_a_new_parameter_on_it():
    m = nn.nn.Linear(2, 2)
    old = m.weight
    old.requires_grad_(False)
    w = nn.ones(2, 2, dtype=nn.float64)
    m.load_state_dict({"weight": w, "bias": nn.ones(2)}, assign=True)
    assert m.weight is not old and isinstance(m.weight, nn.nn.Parameter)
    assert m.weight.dtype == nn.float64 and not m.weight.requires_grad
    w.add_(1)                                       # the state dict's memory, as PyTorch's
    assert float(m.weight.detach().sum()) == 8.0
    np.testing.assert_array_equal(old.detach().numpy().shape, (2, 2))
    assert [p is m.weight for p in m.parameters()] == [True, False]


def test_disable_torch_function_subclass_is_per_thread():
    # PyTorch's switch is thread-local: a subclass's default __torch_function__ running in one thread (which turns
    # subclass handling off while the function runs) leaves another thread's calls dispatching
    import threading

    class Tagged(nn.Tensor):
        pass

    seen = []

    def other_thread():
        seen.append((nn._C._is_torch_function_enabled(), type(nn.ones(2).as_subclass(Tagged) + 1)))
    with nn._C.DisableTorchFunctionSubclass():
        assert not nn._C._is_torch_function_enabled()
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert seen == [(True, Tagged)]
    assert nn._C._is_torch_function_enabled()


def test_a_subclass_given_by_keyword_dispatches():
    # the wrappers' fast path skips the dispatch when every argument is of a plain type; a keyword argument of a
    # subclass that overrides __torch_function__ must still reach it (PyTorch scans keyword arguments too)
    seen = []

    class Logged(nn.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            seen.append(getattr(func, "__name__", func))
            return super().__torch_function__(func, types, args, kwargs)

    plain = nn.ones(3)
    logged = nn.ones(3).as_subclass(Logged)
    out = nn.add(plain, other=logged)
    assert seen == ["add"] and type(out) is Logged
    assert type(nn.add(plain, other=nn.ones(3))) is nn.Tensor and seen == ["add"]


def test_a_mode_answers_the_calls_of_its_own_thread_only():
    # PyTorch keeps the stack of TorchFunctionModes per thread: a mode entered in one thread does not see another
    # thread's calls (nn's stack was one list for all threads)
    import threading
    from nn.overrides import TorchFunctionMode, _get_current_function_mode_stack
    seen = []

    class Names(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            seen.append(threading.current_thread().name)
            return func(*args, **(kwargs or {}))

    stacks = []

    def other():
        nn.ones(2) + 1
        stacks.append(_get_current_function_mode_stack())

    with Names() as mode:
        t = threading.Thread(target=other, name="other")
        t.start()
        t.join()
        nn.ones(2) + 1
        assert _get_current_function_mode_stack() == [mode]
    assert set(seen) == {threading.current_thread().name} and stacks == [[]]
