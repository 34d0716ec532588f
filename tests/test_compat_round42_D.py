"""pytorch-kinematics 0.10.0 (with arm_pytorch_utilities 0.5.0 and pytorch_seed 0.2.0; lxml 6.2.0 for its URDF / SDF
parsers; mujoco absent, so the MJCF parser was not loaded on either side), installed with --no-deps from the wheels,
every .py file ported by the porting rule (packages renamed pytorch_kinematicsp, arm_pytorch_utilitiesp,
pytorch_seedp) and run against the original on PyTorch 2.13 in float64 (and float32): the rotation conversions
(quaternions, axis-angle, Euler in every convention, 6d, se3 9d), so3 exp / log / angles, quaternion slerp and
distances, Transform3d (compose, inverse, transform_points / normals / shape operators, Translate / Scale / Rotate /
RotateAxisAngle, stack, to(dtype)), forward kinematics of a hand-written 7-dof URDF arm with a prismatic wrist and a
two-finger branching gripper, an SDF chain and a chain of Frames / Links / Joints built by hand (analytic and
autograd backward, dict / list / NumPy joint inputs), SerialChain Jacobians (with tool offsets), a few Adam / SGD /
LBFGS steps on joint angles, and PseudoInverseIK / PseudoInverseIKWithSVD (line search, damping, weights, joint
limits, early stopping; their torch.rand / randn restarts read from one NumPy stream per side): outputs, gradients
and IK solutions agree to 1e-14 (float32 1e-7) but where IK is chaotic (below, in the report).

The failures of nn these tests pin down (the package is not imported here):

- Chain.ensure_tensor fills joint values from a dict with ``th[..., jnt_idx] = joint_position``: given NumPy
  arrays, PyTorch's indexing refuses them ("can't assign a numpy.ndarray to a torch.DoubleTensor"), as it refuses
  lists, tuples, np.float32 and np.bool_; nn wrote them in.
- quaternion_from_euler halves ``ai, aj, ak = torch.unbind(rpy, -1)`` in place (``ai /= 2.0``): with rpy in a graph
  PyTorch refuses an in-place change of an output of unbind / split / chunk ("Output 0 of Unbind is a view and is
  being modified inplace. This view is the output of a function that returns multiple views. ..."); nn said "a
  view of a leaf Variable ..." for a leaf and wrote through for any other tensor. With that refusal nn's
  unsafe_split / unsafe_chunk (aliases of split / chunk) would have been refused too; PyTorch records them as nodes
  of their own (UnsafeSplitBackward0), whose pieces may be changed in place.
"""
import numpy as np
import pytest

import nn

MULTI = ("is a view and is being modified inplace. This view is the output of a function that returns multiple "
         "views. Such functions do not allow the output views to be modified inplace. You should replace the inplace "
         "operation by an out-of-place one.")


# ---- Chain.ensure_tensor: th[..., i] = a NumPy array --------------------------------------------------------------

def ensure_tensor(lib, th_dict, names, dtype):
    """pytorch_kinematics' Chain.ensure_tensor for a dict of joint values."""
    th = lib.ones([2, len(names)], dtype=dtype) * lib.nan
    for joint_name, joint_position in th_dict.items():
        th[..., names.index(joint_name)] = joint_position
    return th


@pytest.mark.parametrize("value, words", [
    (np.array([0.5, 0.25]), "numpy.ndarray"), (np.array(0.5), "numpy.ndarray"), ([0.5, 0.25], "list"),
    ((0.5, 0.25), "tuple"), (np.float32(0.5), "numpy.float32"), (np.bool_(True), "numpy.bool"), (None, "NoneType"),
    ("0.5", "str")])
def test_setitem_refuses_what_pytorch_refuses(value, words):
    th = nn.zeros(2, 3, dtype=nn.float64)
    with pytest.raises(TypeError, match=rf"^can't assign a {words} to a torch\.DoubleTensor$"):
        th[..., 1] = value
    assert th.tolist() == [[0.0] * 3] * 2              # nothing written
    for dtype, name in ((nn.float32, "Float"), (nn.int64, "Long"), (nn.bool, "Bool"), (nn.complex128, "ComplexDouble")):
        with pytest.raises(TypeError, match=rf"^can't assign a numpy\.ndarray to a torch\.{name}Tensor$"):
            nn.zeros(3, dtype=dtype)[0] = np.array(1)
    # before the index is read, as PyTorch's (a TypeError, not an IndexError)
    with pytest.raises(TypeError, match="can't assign a numpy.ndarray"):
        nn.zeros(3)[10] = np.array(1.0)


def test_ensure_tensor_of_a_dict_of_arrays_and_of_tensors():
    names = ["j1", "j2", "j3"]
    arrays = {"j1": np.array([0.1, 0.2]), "j2": np.array([0.3, 0.4]), "j3": np.array([0.5, 0.6])}
    with pytest.raises(TypeError, match=r"^can't assign a numpy\.ndarray to a torch\.DoubleTensor$"):
        ensure_tensor(nn, arrays, names, nn.float64)
    th = ensure_tensor(nn, {k: nn.tensor(v) for k, v in arrays.items()}, names, nn.float64)
    np.testing.assert_array_equal(th.numpy(), np.stack(list(arrays.values()), 1))


def test_setitem_takes_tensors_python_numbers_and_numpy_integers():
    # (a pin: nn took these before the round too; the new refusal of arrays, lists and np.float32 must not)
    x = nn.zeros(6, dtype=nn.float64)
    x[0], x[1], x[2], x[3], x[4] = np.float64(1.5), np.int64(2), np.int8(3), True, nn.tensor(5.0)
    x[5:] = nn.tensor([6.0]).data                     # a Tensor's .data stands for the Tensor
    assert x.tolist() == [1.5, 2.0, 3.0, 1.0, 5.0, 6.0]
    z = nn.zeros(2, dtype=nn.complex128)
    z[0] = np.complex128(1 + 2j)
    z[1] = 3j
    assert z.tolist() == [1 + 2j, 3j]


# ---- quaternion_from_euler: in-place changes of unbind's outputs --------------------------------------------------

def halve_unbound(rpy):
    """quaternion_from_euler's first lines."""
    ai, aj, ak = nn.unbind(rpy, -1)
    ai /= 2.0
    aj /= 2.0
    ak /= 2.0
    return ai, aj, ak


def test_inplace_change_of_an_unbind_output_in_a_graph_is_refused():
    rpy = nn.tensor([[0.2, -0.4, 0.6]], dtype=nn.float64, requires_grad=True)
    for given in (rpy, rpy * 1):                       # a leaf (PyTorch checks this before the leaf) and a result
        with pytest.raises(RuntimeError) as e:
            halve_unbound(given)
        assert str(e.value) == "Output 0 of Unbind " + MULTI
    y = rpy * 1
    for piece, words in ((lambda: y.unbind(1)[2], "Output 2 of Unbind "),
                         (lambda: y.split(1, 1)[1], "Output 1 of Split "),
                         (lambda: y.split([2, 1], 1)[1], "Output 1 of SplitWithSizes "),
                         (lambda: y.chunk(3, 1)[0], "Output 0 of Split "),
                         (lambda: y.unbind(1)[0][:1], "Output 0 of Slice ")):
        for change in (lambda t: t.mul_(2), lambda t: t.zero_(), lambda t: t.copy_(nn.ones(t.shape)),
                       lambda t: t.__setitem__(0, 1.0)):
            with pytest.raises(RuntimeError) as e:
                change(piece())
            assert str(e.value) == words + MULTI
    assert y.tolist() == [[0.2, -0.4, 0.6]]            # nothing written through


def test_unbind_outputs_change_in_place_outside_a_graph():
    # (a pin: written through before the round too; the new refusal must stay inside a graph)
    # no graph (a tensor that requires no grad, no_grad, a detached piece): written through to the base, as
    # PyTorch's views (quaternion_from_euler halves its caller's rpy)
    rpy = nn.tensor([[0.2, -0.4, 0.6]], dtype=nn.float64)
    halve_unbound(rpy)
    assert rpy.tolist() == [[0.1, -0.2, 0.3]]
    x = nn.tensor([[0.2, -0.4, 0.6]], dtype=nn.float64, requires_grad=True)
    with nn.no_grad():
        halve_unbound(x)
    assert x.tolist() == [[0.1, -0.2, 0.3]]
    y = x * 1
    y.unbind(1)[0].detach().mul_(0)
    assert y.tolist() == [[0.0, -0.2, 0.3]]
    # tensor_split / hsplit cut one slice at a time: PyTorch lets their pieces change, and so does nn
    y = x * 1
    y.tensor_split(3, 1)[1].mul_(10)
    y.sum().backward()
    assert y.tolist() == [[0.1, -2.0, 0.3]] and x.grad.tolist() == [[1.0, 10.0, 1.0]]


def test_unsafe_split_pieces_are_no_multi_output_views():
    # PyTorch records unsafe_split / unsafe_chunk / unsafe_split_with_sizes as nodes of their own names, whose
    # pieces may be changed in place in a graph
    x = nn.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    for pieces, name in ((lambda y: nn.unsafe_split(y, 2), "UnsafeSplitBackward0"),
                         (lambda y: y.unsafe_chunk(2), "UnsafeSplitBackward0"),
                         (lambda y: y.unsafe_split_with_sizes([2, 1]), "UnsafeSplitWithSizesBackward0"),
                         (lambda y: y.unsafe_split(1, 1), "UnsafeSplitBackward0")):
        first = pieces(x * 1)[0]
        assert first.grad_fn.name() == name
        first.mul_(2)
    assert [t.shape for t in nn.unsafe_split(x, 2)] == [(2, 2), (1, 2)]
    assert x.split(2)[0].grad_fn.name() == "SplitBackward0"


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    for lib in (torch, nn):
        rpy = lib.tensor([[0.2, -0.4, 0.6]], dtype=lib.float64, requires_grad=True)
        msgs = []
        for f in (lambda: lib.unbind(rpy * 1, -1)[2].div_(2), lambda: (rpy * 1).split([2, 1], 1)[1].add_(1),
                  lambda: (rpy * 1).chunk(3, 1)[1].zero_(),
                  lambda: lib.zeros(2, dtype=lib.float64).__setitem__(0, np.array([1.0])),
                  lambda: lib.zeros(2).__setitem__(0, np.float32(1)), lambda: lib.zeros(2).__setitem__(0, [1.0])):
            try:
                f()
                msgs.append(None)
            except (RuntimeError, TypeError, IndexError) as e:
                msgs.append((type(e).__name__, str(e)))
        if lib is torch:
            expected = msgs
    assert msgs == expected
