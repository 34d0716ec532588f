"""Quasi-random sequences, as torch.quasirandom: ``SobolEngine`` (botorch's QMC samplers and raw samples).

    engine = nn.quasirandom.SobolEngine(dimension=3, scramble=True, seed=0)
    x = engine.draw(8, dtype=nn.float64)        # (8, 3) in [0, 1)

The points are PyTorch's, bit for bit: the Joe-Kuo direction numbers (D(6), up to 21201 dimensions; SciPy ships the
same table), Gray-code order, 30 bits. A seeded scramble (a random digital shift and random lower-triangular
matrices, Owen's linear matrix scramble) draws its bits as PyTorch's ``torch.randint(2, ..., generator=g)`` on
``g.manual_seed(seed)`` does: the low bit of successive MT19937 outputs, the generator seeded by init_genrand; so a
seed gives the same points as in PyTorch. Without a seed the bits come from nn's own generator.
"""
import os

import numpy as np

from .dtypes import get_default_dtype
from .tensor import Tensor, get_rng

__all__ = ["SobolEngine"]

_DIRECTIONS = None


def _direction_table():
    """(poly, vinit) of the Joe-Kuo table: poly[d] the primitive polynomial of dimension d (as bits), vinit[d] its
    initial direction numbers (SciPy's copy of the table, the one PyTorch compiles in)."""
    global _DIRECTIONS
    if _DIRECTIONS is None:
        import scipy.stats  # noqa: PLC0415 - SciPy only when used
        table = np.load(os.path.join(os.path.dirname(scipy.stats.__file__), "_sobol_direction_numbers.npz"))
        _DIRECTIONS = table["poly"].astype(np.int64), table["vinit"].astype(np.int64)
    return _DIRECTIONS


def _rightmost_zero(n):
    """Index of the lowest zero bit of n (the Gray-code step: which direction number the n-th point XORs in)."""
    i = 0
    while n & 1:
        n >>= 1
        i += 1
    return i


def _mt19937_bits(seed, count):
    """``torch.randint(2, (count,), generator=torch.Generator().manual_seed(seed))``: MT19937 outputs mod 2."""
    bit_generator = np.random.MT19937()
    bit_generator._legacy_seeding(int(seed) & 0xFFFFFFFF)   # init_genrand(seed), as PyTorch's mt19937(seed)
    return (bit_generator.random_raw(count) & 1).astype(np.int64)


class SobolEngine:
    """An engine drawing (scrambled) Sobol sequences, as torch.quasirandom.SobolEngine.

    dimension (1..21201) columns; scramble applies a random linear matrix scramble and digital shift, seeded by
    ``seed`` (PyTorch's points for the same seed). ``draw(n)`` -> (n, dimension) in [0, 1), continuing the
    sequence; ``draw_base2(m)``, ``fast_forward(n)``, ``reset()`` as PyTorch's.
    """

    MAXBIT = 30
    MAXDIM = 21201

    def __init__(self, dimension, scramble=False, seed=None):
        if dimension > self.MAXDIM or dimension < 1:
            raise ValueError("Supported range of dimensionality "
                             f"for SobolEngine is [1, {self.MAXDIM}]")
        self.seed = seed
        self.scramble = scramble
        self.dimension = dimension
        self._state = self._initial_state(dimension)
        if not self.scramble:
            self._shift = np.zeros(dimension, dtype=np.int64)
        else:
            self._scramble()
        self._quasi = self._shift.copy()
        # PyTorch divides the int64 shift by 2**30 with `/`: the default dtype's value, kept for the first draw
        self._first_point = Tensor._wrap((self._quasi / 2 ** self.MAXBIT).astype(get_default_dtype())
                                           .reshape(1, -1))
        self.num_generated = 0

    @property
    def sobolstate(self):
        """The (dimension, 30) int64 direction numbers (scrambled if scramble)."""
        return Tensor._wrap(self._state)

    @property
    def shift(self):
        return Tensor._wrap(self._shift)

    @property
    def quasi(self):
        return Tensor._wrap(self._quasi)

    @classmethod
    def _initial_state(cls, dimension):
        """Direction numbers v[d, j] (Bratley & Fox's recurrence from each dimension's polynomial), scaled by
        2**(MAXBIT-1-j) so that XOR-ing them builds the 30-bit integer of a point."""
        poly, vinit = _direction_table()
        state = np.zeros((dimension, cls.MAXBIT), dtype=np.int64)
        state[0, :] = 1
        for d in range(1, dimension):
            p = int(poly[d])
            m = p.bit_length() - 1
            state[d, :m] = vinit[d, :m]
            for j in range(m, cls.MAXBIT):
                newv = int(state[d, j - m])
                pow2 = 1
                for k in range(m):
                    pow2 <<= 1
                    if (p >> (m - 1 - k)) & 1:
                        newv ^= pow2 * int(state[d, j - k - 1])
                state[d, j] = newv
        return state * (2 ** np.arange(cls.MAXBIT - 1, -1, -1, dtype=np.int64))

    def _scramble(self):
        bits = self.MAXBIT
        count = self.dimension * bits + self.dimension * bits * bits
        if self.seed is not None:
            raw = _mt19937_bits(self.seed, count)
        else:
            raw = get_rng().integers(0, 2, size=count, dtype=np.int64)
        shift_ints = raw[:self.dimension * bits].reshape(self.dimension, bits)
        self._shift = shift_ints @ (2 ** np.arange(bits, dtype=np.int64))
        ltm = np.tril(raw[self.dimension * bits:].reshape(self.dimension, bits, bits))
        # Owen's linear matrix scramble: bit p of the new direction number (counted from the top) is the parity of
        # row p of the unit-diagonal matrix L_d dotted with the old number's bits
        ltm[:, np.arange(bits), np.arange(bits)] = 1
        lbits = ltm[:, :, ::-1]                                              # [d, p, k]: bit k of row p
        vbits = (self._state[:, :, None] >> np.arange(bits)) & 1              # [d, j, k]: bit k of v[d, j]
        parity = np.einsum("dpk,djk->djp", lbits, vbits) % 2
        self._state = parity @ (2 ** np.arange(bits - 1, -1, -1, dtype=np.int64))

    def _advance(self, n, start):
        """The integers of the next n points from self._quasi (the Gray-code step of point start, start+1, ...),
        as a (n, dimension) int64 array; self._quasi moves past them."""
        if n < 0:       # draw(0) as the first draw: PyTorch's error
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}, {self.dimension}]")
        if n == 0:
            return np.zeros((0, self.dimension), dtype=np.int64)
        columns = [_rightmost_zero(i) for i in range(start, start + n)]
        steps = self._state[:, columns].T                                    # (n, dimension)
        ints = np.bitwise_xor.accumulate(steps, axis=0) ^ self._quasi
        self._quasi = ints[-1].copy()
        return ints

    def _to_float(self, ints, dtype):
        # PyTorch writes the integer into the float dtype, then multiplies by 2**-30 in that dtype
        return ints.astype(dtype) * np.asarray(1.0 / (1 << self.MAXBIT), dtype=dtype)

    def draw(self, n=1, out=None, dtype=None):
        """The next n points, (n, dimension), in dtype (default: the default dtype)."""
        dtype = np.dtype(get_default_dtype() if dtype is None else dtype)
        if self.num_generated == 0:
            first = self._first_point.numpy().astype(dtype)
            if n == 1:
                result = first
            else:
                result = np.concatenate([first, self._to_float(self._advance(n - 1, 0), dtype)], axis=-2)
        else:
            result = self._to_float(self._advance(n, self.num_generated - 1), dtype)
        self.num_generated += n
        if out is not None:
            out.resize_as_(Tensor._wrap(result)).copy_(Tensor._wrap(result))
            return out
        return Tensor._wrap(result)

    def draw_base2(self, m, out=None, dtype=None):
        """2**m points; the total drawn must stay a power of 2 (Sobol's balance properties), as PyTorch checks."""
        n = 2 ** m
        total_n = self.num_generated + n
        if not (total_n & (total_n - 1) == 0):
            raise ValueError("The balance properties of Sobol' points require "
                             f"n to be a power of 2. {self.num_generated} points have been "
                             f"previously generated, then: n={self.num_generated}+2**{m}={total_n}. "
                             "If you still want to do this, please use "
                             "'SobolEngine.draw()' instead.")
        return self.draw(n=n, out=out, dtype=dtype)

    def reset(self):
        """Back to the first point."""
        self._quasi = self._shift.copy()
        self.num_generated = 0
        return self

    def fast_forward(self, n):
        """Skip n points (as drawing them)."""
        if self.num_generated == 0:
            self._advance(max(n - 1, 0), 0)
        else:
            self._advance(max(n, 0), self.num_generated - 1)
        self.num_generated += n
        return self

    def __repr__(self):
        fmt_string = [f"dimension={self.dimension}"]
        if self.scramble:
            fmt_string += ["scramble=True"]
        if self.seed is not None:
            fmt_string += [f"seed={self.seed}"]
        return self.__class__.__name__ + "(" + ", ".join(fmt_string) + ")"
