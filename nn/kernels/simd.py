"""Three register-blocked float32 micro-kernels, written as LLVM vector code, and their NumPy twins.

Numba compiles loops well but cannot be told to keep a 2-D block of sums in registers across a
long loop: an accumulator array lives in memory, and a matrix-product loop written in Numba runs
at about a sixth of the machine's speed.  These kernels are written one level lower, as
Numba intrinsics that emit LLVM IR with explicit vectors of VL floats (16 with AVX-512, else 8),
so the block of sums stays in registers and every step is one fused multiply-add per vector:

    gather_tile   out[r, j]  (+)=  sum_s  a[s, r] * b[boff[s] + j]          r < MR, j < NV*VL
                  a block of MR rows x NV vectors; each step s broadcasts MR scalars of a and
                  loads NV vectors of b from an arbitrary offset (a shifted slice of a row).
    bcast_tile    out[r, j]   =  sum_s  a[aoff[r] + soff[s]] * b[s*ldb + j]    r < BR, j < BV*VL
                  the same with the roles turned round: the scalars are read in place from BR
                  arbitrary rows of a (no packing), the vectors from one packed row of b per step.
    dot_tile      out[i, j]  +=  sum_k  y[i*ldy + k] * x[j*ldx + k]          i < MY, j < MX, k < n*VL
                  MY x MX = VL dot products at once, each accumulated as a vector of VL partial
                  sums; at the end the VL vectors are folded into one vector of VL sums.

The conv kernels are built from them: in conv_simd.py gather_tile is a convolution forward (or
grad input) pass over all taps and channels at once, dot_tile its grad weight; conv_small.py runs
all three passes of small maps, channels last, on bcast_tile.  Measured on one
core of this machine (AMD EPYC, AVX-512), with L1-resident data: gather_tile 8 x 3 vectors,
about 230 GFLOP/s; the same loop written as plain Numba, about 36.  The 8-float variant (compiled
with NUMBA_CPU_NAME=haswell) gives 70-85 GFLOP/s inside the conv kernels, about what an AVX2 BLAS
gives there.

Arguments are flat float32 arrays plus element offsets (no bounds checks: the callers size their
buffers for the full tiles).  Twins: gather_tile_ref, bcast_tile_ref, dot_tile_ref.
"""
import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

import llvmlite.binding as _llvm


def _vector_width():
    """Floats per vector register of the CPU Numba compiles for: 16 with AVX-512, else 8 (AVX2;
    older CPUs split the vectors in halves).  Normally the host; when NUMBA_CPU_NAME is set (e.g.
    'generic' for a cache shared between machines), AVX-512 only if NUMBA_CPU_FEATURES has +avx512f."""
    if numba.config.CPU_NAME:
        return 16 if "+avx512f" in (numba.config.CPU_FEATURES or "") else 8
    return 16 if _llvm.get_host_cpu_features().get("avx512f", False) else 8


VL = _vector_width()
# Tile shapes: 24 vector accumulators (of 32 registers) with AVX-512, 12 (of 16) with AVX2.
# MR and MY, MX are powers of two so that channel counts like 32, 64, 128 split without waste.
MR, NV = (8, 3) if VL == 16 else (4, 3)           # gather_tile: MR rows x NV vectors
MY, MX = (4, 4) if VL == 16 else (2, 4)           # dot_tile: MY x MX sums
TILE_COLS = NV * VL                               # columns of one gather tile
BR, BV = (6, 4) if VL == 16 else (6, 2)           # bcast_tile: BR rows x BV vectors (24 or 12 accumulators)
BCOLS = BV * VL                                   # columns of one bcast tile


# ----------------------------------------------------------------------------- IR helpers

_f32, _i32, _i64 = ir.FloatType(), ir.IntType(32), ir.IntType(64)
_vec = ir.VectorType(_f32, VL)


def _const(v):
    return ir.Constant(_i64, v)


def _data(context, builder, ty, value, offset):
    """Pointer to element `offset` of the array `value` of Numba type `ty`."""
    return builder.gep(context.make_array(ty)(context, builder, value).data, [offset])


def _load_vec(builder, ptr, index):
    return builder.load(builder.bitcast(builder.gep(ptr, [index]), _vec.as_pointer()), align=4)


def _store_vec(builder, value, ptr, index):
    builder.store(value, builder.bitcast(builder.gep(ptr, [index]), _vec.as_pointer()), align=4)


def _fma(builder):
    fnty = ir.FunctionType(_vec, [_vec, _vec, _vec])
    return cgutils.get_or_insert_function(builder.module, fnty, f"llvm.fma.v{VL}f32")


def _accumulators(builder, n):
    # stack slots; LLVM promotes them to registers (their addresses never escape)
    return [cgutils.alloca_once_value(builder, ir.Constant(_vec, [0.0] * VL)) for _ in range(n)]


def _splat(builder, scalar):
    undef = ir.Constant(_vec, ir.Undefined)
    one = builder.insert_element(undef, scalar, ir.Constant(_i32, 0))
    return builder.shuffle_vector(one, undef, ir.Constant(ir.VectorType(_i32, VL), [0] * VL))


def _hsum(builder, v):
    """Sum of a vector's lanes by halving: VL -> VL/2 -> ... -> 1."""
    n = VL
    while n > 1:
        n //= 2
        lo = builder.shuffle_vector(v, v, ir.Constant(ir.VectorType(_i32, n), list(range(n))))
        hi = builder.shuffle_vector(v, v, ir.Constant(ir.VectorType(_i32, n), list(range(n, 2 * n))))
        v = builder.fadd(lo, hi)
    return builder.extract_element(v, ir.Constant(_i32, 0))


# ----------------------------------------------------------------------------- gather_tile

@intrinsic
def gather_tile(typingctx, a, a0, b, b0, boff, s0, S, out, o0, ldo, accumulate):
    """out[o0 + r*ldo + j] (+)= sum_{s<S} a[a0 + s*MR + r] * b[b0 + boff[s0 + s] + j],  r < MR, j < TILE_COLS.

    a: packed (S, MR) block of the left operand; b: any flat array read at S shifted offsets;
    accumulate != 0 adds to out instead of overwriting it.
    """
    sig = types.void(a, types.int64, b, types.int64, boff, types.int64, types.int64, out, types.int64,
                     types.int64, types.int64)

    def codegen(context, builder, signature, args):
        a, a0, b, b0, boff, s0, S, out, o0, ldo, accumulate = args
        ty = signature.args
        pa, pb = _data(context, builder, ty[0], a, a0), _data(context, builder, ty[2], b, b0)
        poff, pout = _data(context, builder, ty[4], boff, s0), _data(context, builder, ty[7], out, o0)
        fma = _fma(builder)
        acc = _accumulators(builder, MR * NV)
        with cgutils.for_range(builder, S) as loop:
            s = loop.index
            pbs = builder.gep(pb, [builder.load(builder.gep(poff, [s]))])
            bv = [_load_vec(builder, pbs, _const(v * VL)) for v in range(NV)]
            pas = builder.gep(pa, [builder.mul(s, _const(MR))])
            for r in range(MR):
                ar = _splat(builder, builder.load(builder.gep(pas, [_const(r)])))
                for v in range(NV):
                    slot = acc[r * NV + v]
                    builder.store(builder.call(fma, [ar, bv[v], builder.load(slot)]), slot)
        add = builder.icmp_signed("!=", accumulate, _const(0))
        for r in range(MR):
            row = builder.gep(pout, [builder.mul(ldo, _const(r))])
            for v in range(NV):
                slot = acc[r * NV + v]
                with builder.if_then(add):
                    builder.store(builder.fadd(builder.load(slot), _load_vec(builder, row, _const(v * VL))), slot)
                _store_vec(builder, builder.load(slot), row, _const(v * VL))
        return context.get_dummy_value()

    return sig, codegen


def gather_tile_ref(a, a0, b, b0, boff, s0, S, out, o0, ldo, accumulate):
    """NumPy twin of gather_tile (same arguments, flat float32 arrays; out modified in place)."""
    A = a[a0:a0 + S * MR].reshape(S, MR).astype(np.float64)
    B = np.stack([b[b0 + boff[s0 + s]:b0 + boff[s0 + s] + TILE_COLS] for s in range(S)]) if S else \
        np.zeros((0, TILE_COLS))
    res = A.T @ B                                                    # (MR, TILE_COLS)
    for r in range(MR):
        row = out[o0 + r * ldo:o0 + r * ldo + TILE_COLS]
        row[:] = (row + res[r] if accumulate else res[r]).astype(out.dtype)


# ----------------------------------------------------------------------------- bcast_tile

@intrinsic
def bcast_tile(typingctx, a, aoff, r0, soff, s0, S, b, b0, ldb, out, o0, ldo, resume):
    """out[o0 + r*ldo + j] (+)= sum_{s<S} a[aoff[r0 + r] + soff[s0 + s]] * b[b0 + s*ldb + j],  r < BR, j < BCOLS.

    gather_tile with the roles turned round: the broadcast scalars are read in place from BR arbitrary
    rows of a (row r at aoff[r0 + r], step s at soff[s0 + s] past it), and each step loads BV vectors
    of a packed b (one row of b per step).  With a channels-last input the rows are pixels and the
    steps (tap, channel) pairs, so a convolution computes only real pixels (conv_small.py).
    resume != 0 starts the sums from out instead of zero: a sum over steps taken in several calls then
    rounds exactly as one call over all of them.
    """
    sig = types.void(a, aoff, types.int64, soff, types.int64, types.int64, b, types.int64, types.int64,
                     out, types.int64, types.int64, types.int64)

    def codegen(context, builder, signature, args):
        a, aoff, r0, soff, s0, S, b, b0, ldb, out, o0, ldo, resume = args
        ty = signature.args
        pa = _data(context, builder, ty[0], a, _const(0))
        paoff, psoff = _data(context, builder, ty[1], aoff, r0), _data(context, builder, ty[3], soff, s0)
        pb, pout = _data(context, builder, ty[6], b, b0), _data(context, builder, ty[9], out, o0)
        rows = [builder.gep(pa, [builder.load(builder.gep(paoff, [_const(r)]))]) for r in range(BR)]
        fma = _fma(builder)
        acc = _accumulators(builder, BR * BV)
        with builder.if_then(builder.icmp_signed("!=", resume, _const(0))):
            for r in range(BR):
                row = builder.gep(pout, [builder.mul(ldo, _const(r))])
                for v in range(BV):
                    builder.store(_load_vec(builder, row, _const(v * VL)), acc[r * BV + v])
        with cgutils.for_range(builder, S) as loop:
            s = loop.index
            step = builder.load(builder.gep(psoff, [s]))
            pbs = builder.gep(pb, [builder.mul(s, ldb)])
            bv = [_load_vec(builder, pbs, _const(v * VL)) for v in range(BV)]
            for r in range(BR):
                ar = _splat(builder, builder.load(builder.gep(rows[r], [step])))
                for v in range(BV):
                    slot = acc[r * BV + v]
                    builder.store(builder.call(fma, [ar, bv[v], builder.load(slot)]), slot)
        for r in range(BR):
            row = builder.gep(pout, [builder.mul(ldo, _const(r))])
            for v in range(BV):
                _store_vec(builder, builder.load(acc[r * BV + v]), row, _const(v * VL))
        return context.get_dummy_value()

    return sig, codegen


def bcast_tile_ref(a, aoff, r0, soff, s0, S, b, b0, ldb, out, o0, ldo, resume):
    """NumPy twin of bcast_tile (flat float32 arrays; out modified in place)."""
    idx = np.array([[aoff[r0 + r] + soff[s0 + s] for s in range(S)] for r in range(BR)], np.int64)
    assert idx.size == 0 or (idx.min() >= 0 and idx.max() < a.size), "bcast_tile: a read outside a"
    A = a[idx.reshape(BR, S)].astype(np.float64)
    B = np.array([b[b0 + s * ldb:b0 + s * ldb + BCOLS] for s in range(S)], np.float64).reshape(S, BCOLS)
    res = A @ B                                                      # (BR, BCOLS)
    for r in range(BR):
        row = out[o0 + r * ldo:o0 + r * ldo + BCOLS]
        row[:] = (row + res[r] if resume else res[r]).astype(out.dtype)


# ----------------------------------------------------------------------------- dot_tile

def _fold(builder, vectors):
    """VL vectors -> one vector whose lane k is the sum of vectors[k]'s lanes.

    Each round pairs the vectors and halves every segment: lanes [seg of a, first half] and
    [seg of b, first half] are added to the second halves, so two vectors of segments of length
    s become one of length s/2 (a transpose and a sum at once: VL - 1 adds, not VL*(VL-1)).
    Returns the vector and, per lane, which input vector it sums.
    """
    segs = [[i] for i in range(len(vectors))]            # per vector: accumulator ids of its segments
    size = VL
    while size > 1:
        half, nxt, nxt_segs = size // 2, [], []
        for a, b, sa, sb in zip(vectors[::2], vectors[1::2], segs[::2], segs[1::2]):
            lo, hi, ids = [], [], []
            for j in range(len(sa)):
                lo += list(range(j * size, j * size + half)) + list(range(VL + j * size, VL + j * size + half))
                hi += list(range(j * size + half, (j + 1) * size)) + \
                    list(range(VL + j * size + half, VL + (j + 1) * size))
                ids += [sa[j], sb[j]]
            mask = lambda idx: ir.Constant(ir.VectorType(_i32, VL), idx)
            nxt.append(builder.fadd(builder.shuffle_vector(a, b, mask(lo)), builder.shuffle_vector(a, b, mask(hi))))
            nxt_segs.append(ids)
        vectors, segs, size = nxt, nxt_segs, half
    return vectors[0], segs[0]


@intrinsic
def dot_tile(typingctx, y, y0, ldy, x, x0, ldx, n, out, out0):
    """out[out0 + i*MX + j] += sum_{k < n*VL} y[y0 + i*ldy + k] * x[x0 + j*ldx + k],  i < MY, j < MX
    (MY * MX == VL: the sums fill one vector, added to out with one load and one store)."""
    sig = types.void(y, types.int64, types.int64, x, types.int64, types.int64, types.int64, out, types.int64)

    def codegen(context, builder, signature, args):
        y, y0, ldy, x, x0, ldx, n, out, out0 = args
        ty = signature.args
        py, px = _data(context, builder, ty[0], y, y0), _data(context, builder, ty[3], x, x0)
        pout = _data(context, builder, ty[7], out, out0)
        rows_y = [builder.gep(py, [builder.mul(ldy, _const(i))]) for i in range(MY)]
        rows_x = [builder.gep(px, [builder.mul(ldx, _const(j))]) for j in range(MX)]
        fma = _fma(builder)
        acc = _accumulators(builder, MY * MX)
        with cgutils.for_range(builder, n) as loop:
            k = builder.mul(loop.index, _const(VL))
            yv = [_load_vec(builder, p, k) for p in rows_y]
            xv = [_load_vec(builder, p, k) for p in rows_x]
            for i in range(MY):
                for j in range(MX):
                    slot = acc[i * MX + j]
                    builder.store(builder.call(fma, [yv[i], xv[j], builder.load(slot)]), slot)
        sums, lane_of = _fold(builder, [builder.load(a) for a in acc])
        order = ir.Constant(ir.VectorType(_i32, VL), [lane_of.index(k) for k in range(VL)])
        sums = builder.shuffle_vector(sums, sums, order)               # lane k = accumulator k
        _store_vec(builder, builder.fadd(sums, _load_vec(builder, pout, _const(0))), pout, _const(0))
        return context.get_dummy_value()

    return sig, codegen


def dot_tile_ref(y, y0, ldy, x, x0, ldx, n, out, out0):
    """NumPy twin of dot_tile (flat float32 arrays; out modified in place)."""
    K = n * VL
    Y = np.stack([y[y0 + i * ldy:y0 + i * ldy + K] for i in range(MY)]).astype(np.float64)
    X = np.stack([x[x0 + j * ldx:x0 + j * ldx + K] for j in range(MX)]).astype(np.float64)
    out[out0:out0 + VL] = (out[out0:out0 + VL] + (Y @ X.T).ravel()).astype(out.dtype)
