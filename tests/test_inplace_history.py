"""Ops recorded before an in-place change keep reading the state they used (as PyTorch's version counter lets
them), without keeping old states alive longer than the graph needs them."""
import gc
import weakref

import numpy as np
import pytest

import nn

from porting import load_script, port


def _f64(values, requires_grad=True):
    return nn.tensor(np.asarray(values, np.float64), requires_grad=requires_grad)


def test_an_op_recorded_before_the_change_sends_its_gradient_to_the_old_state():
    x = _f64([1.0, 2.0, 3.0])
    h = x * 2
    y = h.exp()                     # recorded on h's first state
    h.mul_(3)                       # h moves on; y still read the old h
    (y.sum() + h.sum()).backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp([2.0, 4.0, 6.0]) + 6)


def test_reading_a_slice_then_writing_it():
    x = _f64([[1.0, 2.0, 3.0, 4.0]])
    b = x * 1
    b[:, 2:] = b[:, :2] + b[:, 2:]  # the right side reads b before the write
    (b * _f64([[1.0, 10.0, 100.0, 1000.0]], False)).sum().backward()
    assert x.grad.tolist() == [[101.0, 1010.0, 100.0, 1000.0]]


def test_a_constant_changed_after_it_was_read():
    x = _f64([1.0, 2.0])
    forces = nn.zeros(2, dtype=nn.float64)
    early = forces * x              # read while forces was zero: no gradient to x from here
    forces[0] = x[1]                # forces now depends on x
    (early.sum() + forces.sum()).backward()
    assert x.grad.tolist() == [0.0, 1.0]


def test_old_states_live_only_as_long_as_the_ops_that_read_them():
    x = _f64(np.ones(1000))
    h = x * 1
    y = h * 2                       # reads h's first state
    first = weakref.ref(h._data)
    h.copy_(x * 3)                  # h's new state does not read the old one
    assert first() is not None      # y's graph still needs it
    del y
    gc.collect()
    assert first() is None          # nothing else keeps it
    for _ in range(1000):           # a tensor read over and over: its list of readers stays short
        h.sum()
        (h * 2).sum()
    assert len(h.__dict__.get("_consumers", ())) < 256


MASS_SPRING = '''
import torch
import torch.nn as nn
import torch.optim as optim


class MassSpringSystem(nn.Module):
    def __init__(self, num_particles, springs, mass=1.0, dt=0.01, gravity=9.81, device="cpu"):
        super().__init__()
        self.device = device
        self.mass = mass
        self.springs = springs
        self.dt = dt
        self.gravity = gravity
        self.initial_position_0 = torch.tensor([0.0, 0.0], device=device, dtype=torch.float64)
        self.initial_positions_rest = nn.Parameter(torch.randn(num_particles - 1, 2, device=device))
        self.velocities = torch.zeros(num_particles, 2, device=device, dtype=torch.float64)

    def forward(self, steps):
        positions = torch.cat([self.initial_position_0.unsqueeze(0), self.initial_positions_rest], dim=0)
        velocities = self.velocities
        for _ in range(steps):
            forces = torch.zeros_like(positions)
            for (i, j, rest_length, stiffness) in self.springs:
                xi, xj = positions[i], positions[j]
                dir_vec = xj - xi
                dist = dir_vec.norm()
                force = stiffness * (dist - rest_length) * dir_vec / (dist + 1e-6)
                forces[i] += force
                forces[j] -= force
            forces[:, 1] -= self.gravity * self.mass
            acceleration = forces / self.mass
            velocities = velocities + acceleration * self.dt
            positions = positions + velocities * self.dt
            positions[0] = self.initial_position_0
            velocities[0] = torch.tensor([0.0, 0.0], device=positions.device)
        return positions


def train(init, epochs=4, steps=30):
    system = MassSpringSystem(num_particles=3, springs=[(0, 1, 1.0, 10.0), (1, 2, 0.5, 5.0)])
    system.initial_positions_rest = nn.Parameter(init)
    optimizer = optim.Adam(system.parameters(), lr=0.01)
    target_positions = torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.5, 0.0]], dtype=torch.float64)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        final_positions = system(steps)
        loss = (final_positions - target_positions).pow(2).mean()
        loss.backward()
        losses.append(loss.item())
        optimizer.step()
    return losses, system.initial_positions_rest.detach().numpy()
'''


def test_pytorch_examples_mass_spring_trains_as_in_pytorch():
    """pytorch/examples differentiable_physics/mass_spring.py (its MassSpringSystem.forward as published: in-place
    writes forces[i] += force, positions[0] = ..., velocities[0] = ... after velocities was read), ported by the
    rule, float64, the same initial positions."""
    torch = pytest.importorskip("torch")
    init = np.random.default_rng(0).standard_normal((2, 2))
    theirs = load_script(MASS_SPRING)["train"](torch.tensor(init))
    ours = load_script(port(MASS_SPRING))["train"](nn.tensor(init))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)


def test_a_state_written_from_a_tensor_that_changes_later():
    # out[:] = h records out's new state on h; h changed afterwards must not change out's gradient
    for write in (lambda out, h: out.__setitem__(slice(None), h), lambda out, h: out.copy_(h),
                  lambda out, h: out.add_(h)):
        a = _f64([1.0, 2.0, 3.0])
        h = a * 1.0
        out = nn.zeros(3, dtype=nn.float64)
        write(out, h)
        h.mul_(2)
        out.sum().backward()
        assert a.grad.tolist() == [1.0, 1.0, 1.0]
