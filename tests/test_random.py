"""nn.get_rng_state / nn.set_rng_state (as torch's): save the generator's state, replay from it."""
import numpy as np
import pytest

import nn


def _draws():
    w = nn.tensor(np.zeros((3, 4)))
    nn.init.normal_(w)
    mask = nn.functional.dropout(nn.tensor(np.ones(8)), 0.5, training=True).data
    return np.concatenate([w.data.ravel(), mask])


def test_rng_state_round_trip_replays_the_same_numbers():
    nn.manual_seed(7)
    _draws()
    state = nn.get_rng_state()
    assert state.dtype == np.uint8 and state.shape == (37,)
    first = _draws()
    second = _draws()
    assert not np.array_equal(first, second)
    nn.set_rng_state(state)
    np.testing.assert_array_equal(_draws(), first)           # from the saved point on again
    np.testing.assert_array_equal(_draws(), second)


def test_rng_state_is_a_copy_and_survives_save_and_load(tmp_path):
    nn.manual_seed(3)
    state = nn.get_rng_state()
    first = _draws()
    path = str(tmp_path / "rng.npz")
    nn.save({"rng": state}, path)
    nn.manual_seed(99)                                       # a different generator meanwhile
    nn.set_rng_state(nn.load(path)["rng"])
    np.testing.assert_array_equal(_draws(), first)
    assert not np.array_equal(nn.get_rng_state(), state)     # the saved array did not move with it


@pytest.mark.parametrize("bad", [np.zeros(36, np.uint8), np.zeros(37, np.int64), {"state": 1}])
def test_set_rng_state_rejects_what_get_rng_state_did_not_make(bad):
    with pytest.raises(ValueError, match=r"set_rng_state: expected the uint8 array of shape \(37,\)"):
        nn.set_rng_state(bad)
