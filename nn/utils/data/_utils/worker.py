"""torch.utils.data._utils.worker's names that libraries import (tensordict seeds NumPy with `_generate_state` in
its own worker-init function)."""
from .. import get_worker_info  # noqa: F401


def _generate_state(base_seed, worker_id):
    """The 4 x 32-bit NumPy seed PyTorch's worker loop derives from (base_seed, worker_id): NumPy's SeedSequence
    hashing, written out as in PyTorch (so a worker seeds NumPy the same way) -> list of 4 ints."""
    INIT_A, MULT_A, INIT_B, MULT_B = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
    MIX_MULT_L, MIX_MULT_R, XSHIFT, MASK32 = 0xCA01F9DD, 0x4973F715, 16, 0xFFFFFFFF
    entropy = [worker_id, base_seed & MASK32, base_seed >> 32, 0]
    hash_const_A = INIT_A

    def hash_(value):
        nonlocal hash_const_A
        value = (value ^ hash_const_A) & MASK32
        hash_const_A = (hash_const_A * MULT_A) & MASK32
        value = (value * hash_const_A) & MASK32
        return (value ^ (value >> XSHIFT)) & MASK32

    def mix(x, y):
        result = ((MIX_MULT_L * x) & MASK32) - ((MIX_MULT_R * y) & MASK32) & MASK32
        return (result ^ (result >> XSHIFT)) & MASK32

    pool = [hash_(e) for e in entropy]
    for i_src in range(4):                      # every word mixed into every other, so late bits reach early ones
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    hash_const_B, state = INIT_B, []
    for value in pool:
        value = (value ^ hash_const_B) & MASK32
        hash_const_B = (hash_const_B * MULT_B) & MASK32
        value = (value * hash_const_B) & MASK32
        state.append((value ^ (value >> XSHIFT)) & MASK32)
    return state
