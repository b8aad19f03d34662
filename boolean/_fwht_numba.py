"""numba kernels for the unnormalised fast Walsh–Hadamard transform (private).

``fwht_inplace(a)`` overwrites every row of a C-contiguous ``(B, 2**n)`` array of
float64, float32 or int64 with ``H_n a``, where ``H_n = [[1, 1], [1, -1]]^{⊗n}``,
i.e. ``(H_n a)[T] = sum_x (-1)^{popcount(x & T)} a[x]``. Kernels trust their input:
the public routine in :mod:`boolean.fourier` validates, copies and dispatches.

Layout of one row (length ``N = 2**n``), fastest first:

1. **Register stage** (:func:`_h_tile`, an LLVM intrinsic): a tile of 8 vectors of
   64 bytes (64 float64/int64 or 128 float32 values) is loaded once; the stages
   inside a vector (strides 1, 2, 4[, 8]) are done with lane shuffles, the next three
   (across the 8 vectors) with vertical adds. That is log2(8*V) stages per load/store,
   and it is the only place where strides are smaller than a vector. On AVX-512 (32 vector
   registers) a row whose in-block stages would end in a lone radix-2 pass uses 16-vector
   tiles (:func:`_h_tile16`, one stage more) instead, which saves that pass.
2. **Cache block** (:func:`_pass`): the remaining stages below ``2**L`` (a block of at most
   ``BLOCK_BYTES``, the largest power of two that fits the L1 data cache, so that it stays there)
   as radix-8/4/2 passes over the block, whose inner loops are contiguous and vectorised by LLVM.
3. **Radix-8 levels, depth first** (:func:`_levels_after`): ``L`` is chosen so that ``n - L`` is
   a multiple of 3; the stages at strides ``>= 2**L`` are radix-8 passes (eight contiguous
   read/write streams, three stages each) over chunks of ``2**(L + 3j)`` values, and a chunk's
   pass runs as soon as its eight sub-chunks are done. Each chunk is thus still in the cache
   level it fits when its pass comes (cache-oblivious order: L2 and L3 are used without knowing
   their sizes), and only the passes over chunks larger than the last-level cache stream from DRAM.

All arithmetic is plain add/subtract in the array's dtype, without fastmath, so int64
results are exact (as long as they fit) and float results are reproducible. Every value goes
through the radix-2 stages in the same order (stride 1, 2, 4, ...) whatever the tile, block
and radix grouping, so the block size (and thus the machine's L1 size) does not change a bit
of the result.

The memory floor is one pass through memory, plus one per radix-8 level whose chunks exceed
the L2 cache; BENCHMARKS.md (``benchmarks/bench_fwht.py``) compares the kernel with fht-cpu.
``parallel=True`` (rows over threads) helps only batches of cache-resident rows.
"""
from __future__ import annotations

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from ._lib.butterfly import fwht_row


def _cache_size(path):
    """A cache size (bytes) from a Linux sysfs text such as ``48K``, or None where it cannot be read."""
    try:
        with open(path) as fh:
            text = fh.read().strip().upper()
        return int(text[:-1]) << {"K": 10, "M": 20}[text[-1]] if text[-1] in "KM" else int(text)
    except (OSError, ValueError, IndexError, KeyError):
        return None


def _l1d_bytes(root="/sys/devices/system/cpu/cpu0/cache"):
    """The level-1 data cache size (bytes) as Linux reports it, or None where it cannot be read."""
    for index in range(8):
        base = f"{root}/index{index}/"
        try:
            with open(base + "level") as fh:
                level = fh.read().strip()
            with open(base + "type") as fh:
                kind = fh.read().strip()
        except OSError:
            return None
        if level == "1" and kind in ("Data", "Unified"):
            return _cache_size(base + "size")
    return None


def block_bytes(l1_bytes):
    """Largest cache block (bytes) for the in-cache stages: the largest power of two that fits the
    level-1 data cache, in [8 KiB, 64 KiB]; 32 KiB when the L1 size is unknown. The stages inside a
    block then run from L1; every level above it is a depth-first radix-8 pass (see the module
    docstring), which reuses L2 and L3 without being told their sizes."""
    if not l1_bytes:
        return 2**15
    return 1 << min(max(l1_bytes.bit_length() - 1, 13), 16)


#: The cache block (bytes) on this machine.
BLOCK_BYTES = block_bytes(_l1d_bytes())


def _has_avx512():
    """True when numba compiles for the host and LLVM reports AVX-512 on it: 32 vector registers,
    room for a 16-vector tile (a target set by ``NUMBA_CPU_NAME``, e.g. "generic" for portable
    caches, may have fewer)."""
    if nb.config.CPU_NAME not in (None, "host"):
        return False
    try:
        from llvmlite import binding

        return bool(binding.get_host_cpu_features().get("avx512f", False))
    except (RuntimeError, AttributeError):
        return False


#: Whether the 16-vector register tiles (:func:`_h_tile16`) may be used on this machine.
WIDE_TILES = _has_avx512()
_I32 = ir.IntType(32)
_DTYPES = (types.float64, types.float32, types.int64)


def _const_mask(values):
    return ir.Constant(ir.VectorType(_I32, len(values)), list(values))


def _tile_codegen(with_max, nvec=8):
    """LLVM codegen of :func:`_h_tile` (``with_max=False``: arguments ``arr, start``) and
    :func:`_h_tile_max` (arguments ``src, arr, start, acc``: loaded from ``src``, stored to ``arr``)
    on ``nvec`` vectors (8, or 16 for the wide tiles :func:`_h_tile16` and :func:`_h_tile16_max`)."""

    def codegen(context, builder, signature, args):
        if with_max:
            src_data = context.make_array(signature.args[0])(context, builder, args[0]).data
            sig_args, args = signature.args[1:], args[1:]
        else:
            sig_args = signature.args
        aty = sig_args[0]
        data = context.make_array(aty)(context, builder, args[0]).data
        if not with_max:
            src_data = data
        elt = context.get_data_type(aty.dtype)
        size = context.get_abi_sizeof(elt)
        lanes = 64 // size
        vty = ir.VectorType(elt, lanes)
        is_float = isinstance(aty.dtype, types.Float)
        add = builder.fadd if is_float else builder.add
        sub = builder.fsub if is_float else builder.sub
        ptrs, src_ptrs = [], []
        for k in range(nvec):
            idx = builder.add(args[1], ir.Constant(args[1].type, k * lanes))
            ptrs.append(builder.bitcast(builder.gep(data, [idx]), vty.as_pointer()))
            src_ptrs.append(builder.bitcast(builder.gep(src_data, [idx]), vty.as_pointer()))
        vs = [builder.load(p, align=size) for p in src_ptrs]
        if with_max:
            # acc[:lanes] = max(acc, |v|) lane-wise, compared as bit patterns (bits & ~sign, unsigned),
            # which order like the magnitudes with +inf above every finite value and NaN above +inf
            ivty = ir.VectorType(ir.IntType(8 * size), lanes)
            acc_ptr = builder.bitcast(context.make_array(sig_args[2])(context, builder, args[2]).data,
                                      ivty.as_pointer())
            mask = ir.Constant(ivty, [(1 << (8 * size - 1)) - 1] * lanes)
            acc = builder.load(acc_ptr, align=size)
            for v in vs:
                bits = builder.and_(builder.bitcast(v, ivty), mask)
                acc = builder.select(builder.icmp_unsigned(">", bits, acc), bits, acc)
            builder.store(acc, acc_ptr, align=size)
        h = 1
        while h < lanes:
            swap = _const_mask([i ^ h for i in range(lanes)])
            pick = _const_mask([i + lanes if i & h else i for i in range(lanes)])
            out = []
            for v in vs:
                w = builder.shuffle_vector(v, v, swap)
                # lane i without bit h: v_i + v_{i^h}; lane with bit h: v_{i^h} - v_i
                out.append(builder.shuffle_vector(add(v, w), sub(w, v), pick))
            vs = out
            h *= 2
        step = 1
        while step < nvec:
            out = list(vs)
            for k in range(nvec):
                if not k & step:
                    out[k] = add(vs[k], vs[k + step])
                    out[k + step] = sub(vs[k], vs[k + step])
            vs = out
            step *= 2
        for p, v in zip(ptrs, vs):
            builder.store(v, p, align=size)
        return context.get_dummy_value()

    return codegen


@intrinsic
def _h_tile(typingctx, arr, start):
    """All stages of stride < 8*V on ``arr[start:start + 8*V]``, V = 64 bytes / itemsize.

    One 8*V tile is held in 8 vector registers: the in-vector stages use a lane swap
    (``i ^ h``), an add, a subtract and a lane select; the 3 cross-vector stages are
    vertical butterflies. Emitted as LLVM vector IR, so it is independent of the ISA.
    """
    if not isinstance(arr, types.Array) or arr.dtype not in _DTYPES:
        return None
    return types.void(arr, start), _tile_codegen(False)


def _max_types(src, arr, acc):
    """Whether :func:`_h_tile_max` types: float arrays ``src``, ``arr`` and ``acc`` of one dtype."""
    return isinstance(arr, types.Array) and isinstance(arr.dtype, types.Float) and isinstance(src, types.Array) \
        and src.dtype == arr.dtype and isinstance(acc, types.Array) and acc.dtype == arr.dtype


@intrinsic
def _h_tile_max(typingctx, src, arr, start, acc):
    """:func:`_h_tile` on a float tile loaded from ``src[start:start + 8*V]`` and stored to ``arr`` at
    the same indices (``src`` is ``arr`` in place; otherwise a new output's copy rides on the register
    stage's loads and stores, with no copy pass of its own), folding the magnitudes it loads into the
    lane-wise maximum ``acc[:V]`` (``acc``: at least V non-negative values of ``arr``'s dtype). The
    maximum is taken on bit patterns, so a NaN wins over +inf, which wins over every finite value."""
    if not _max_types(src, arr, acc):
        return None
    return types.void(src, arr, start, acc), _tile_codegen(True)


@intrinsic
def _h_tile16(typingctx, arr, start):
    """:func:`_h_tile` on 16 vectors (16*V values): one stage more per load and store, for rows
    whose remaining stage count would otherwise end in a lone radix-2 pass. It needs 16 vector
    registers for the data (AVX-512 has 32)."""
    if not isinstance(arr, types.Array) or arr.dtype not in _DTYPES:
        return None
    return types.void(arr, start), _tile_codegen(False, 16)


@intrinsic
def _h_tile16_max(typingctx, src, arr, start, acc):
    """:func:`_h_tile_max` on 16 vectors (see :func:`_h_tile16`)."""
    if not _max_types(src, arr, acc):
        return None
    return types.void(src, arr, start, acc), _tile_codegen(True, 16)


@nb.njit(cache=True, inline="always")
def _bf4(x0, x1, x2, x3):
    """Radix-4 butterfly: H_2 applied to (x0, x1, x2, x3)."""
    y0 = x0 + x1
    y1 = x0 - x1
    y2 = x2 + x3
    y3 = x2 - x3
    return y0 + y2, y1 + y3, y0 - y2, y1 - y3


@nb.njit(cache=True, inline="always")
def _bf8(x0, x1, x2, x3, x4, x5, x6, x7):
    """Radix-8 butterfly: H_3 applied to (x0, ..., x7), as H_2 on each half and one more stage."""
    z0, z1, z2, z3 = _bf4(x0, x1, x2, x3)
    z4, z5, z6, z7 = _bf4(x4, x5, x6, x7)
    return z0 + z4, z1 + z5, z2 + z6, z3 + z7, z0 - z4, z1 - z5, z2 - z6, z3 - z7


@nb.njit(cache=True)
def _radix8(m):
    """Stages h, 2h, 4h on ``m`` of shape (8G, h) (rows of length h, h = stride)."""
    h = m.shape[1]
    for g in range(0, m.shape[0], 8):
        for j in range(h):
            (m[g, j], m[g + 1, j], m[g + 2, j], m[g + 3, j], m[g + 4, j], m[g + 5, j], m[g + 6, j],
             m[g + 7, j]) = _bf8(m[g, j], m[g + 1, j], m[g + 2, j], m[g + 3, j], m[g + 4, j], m[g + 5, j],
                                 m[g + 6, j], m[g + 7, j])


@nb.njit(cache=True)
def _radix4(m):
    """Stages h, 2h on ``m`` of shape (4G, h)."""
    h = m.shape[1]
    for g in range(0, m.shape[0], 4):
        for j in range(h):
            m[g, j], m[g + 1, j], m[g + 2, j], m[g + 3, j] = _bf4(m[g, j], m[g + 1, j], m[g + 2, j], m[g + 3, j])


@nb.njit(cache=True)
def _radix2(m):
    """Stage h on ``m`` of shape (2G, h)."""
    h = m.shape[1]
    for g in range(0, m.shape[0], 2):
        for j in range(h):
            x0 = m[g, j]
            x1 = m[g + 1, j]
            m[g, j] = x0 + x1
            m[g + 1, j] = x0 - x1


@nb.njit(cache=True)
def _pass(v, h, k):
    """``k`` consecutive stages at strides h, 2h, ... on the contiguous 1-D ``v``."""
    N = v.shape[0]
    while k >= 3:
        _radix8(v.reshape((N // h, h)))
        h *= 8
        k -= 3
    if k == 2:
        _radix4(v.reshape((N // h, h)))
    elif k == 1:
        _radix2(v.reshape((N // h, h)))


@nb.njit(cache=True)
def _log2(N):
    n = 0
    while (1 << n) < N:
        n += 1
    return n


@nb.njit(cache=True)
def _plan(n, itemsize, block_bytes, wide):
    """(tile bits t, block bits L) for a row of 2**n values of ``itemsize`` bytes: L = n when the
    row fits one block, else the largest L <= log2(block_bytes / itemsize) with n - L a multiple
    of 3 (one of the three largest; every level above the block is then a radix-8 pass). t is the
    8-vector tile's, or with ``wide`` the 16-vector tile's (one bit more) when the L - t stages
    left in the block would otherwise end in a lone radix-2 pass (L - t = 1 mod 3)."""
    t = _log2(8 * (64 // itemsize))
    lmax = _log2(block_bytes // itemsize)
    if n <= lmax:
        L = n
    else:
        L = lmax
        while L > lmax - 2 and (n - L) % 3 != 0:
            L -= 1
        L = max(L, t)
    if wide and L > t and (L - t) % 3 == 1:
        t += 1
    return t, L


@nb.njit(cache=True)
def _levels_after(v, hi, BS, j):
    """The radix-8 passes that block ``j`` (ending at ``hi``, of ``BS`` values) completes: the
    pass over each chunk of 8, 64, ... blocks whose last block it is (depth-first order)."""
    span = BS
    while span < v.shape[0] and (j + 1) % 8 == 0:
        j //= 8
        _radix8(v[hi - 8 * span:hi].reshape((8, span)))
        span *= 8


@nb.njit(cache=True)
def _row(v, block_bytes, wide):
    """Transform the contiguous 1-D row ``v`` (length 2**n) in place."""
    N = v.shape[0]
    n = _log2(N)
    t, L = _plan(n, v.itemsize, block_bytes, wide)
    if n < t:
        fwht_row(v)
        return
    BS = 1 << L
    G = 1 << t
    narrow = t == _log2(8 * (64 // v.itemsize))
    for j in range(N // BS):
        lo = j * BS
        if narrow:
            for i in range(lo, lo + BS, G):
                _h_tile(v, i)
        else:
            for i in range(lo, lo + BS, G):
                _h_tile16(v, i)
        if L > t:
            _pass(v[lo:lo + BS], G, L - t)
        _levels_after(v, lo + BS, BS, j)


@nb.njit(cache=True)
def _fold_max(m, v):
    """max(m, |v|) for m >= 0 or NaN, where a NaN wins (stays or enters)."""
    a = abs(v)
    if m != m or a != a:
        return a if a != a else m
    return max(m, a)


@nb.njit(cache=True)
def _copy(src, dst, lo, hi):
    s = src[lo:hi]
    d = dst[lo:hi]
    for i in range(s.shape[0]):  # from 0: numba then knows i >= 0 (no wraparound select) and vectorises
        d[i] = s[i]


@nb.njit(cache=True)
def _row_from(src, dst, copy, acc, block_bytes, wide):
    """``dst = H_n src`` for contiguous 1-D float rows: like :func:`_row`, but the register stage
    (:func:`_h_tile_max`) loads each tile from ``src`` and stores it to ``dst`` (``src`` is ``dst``
    unless ``copy``), so a new output is filled without a copy pass of its own, and it also finds the
    largest |value| of the tiles it loads. Returns max|src| over the row (NaN if it holds a NaN);
    ``acc`` is scratch of at least 16 values of the row's dtype."""
    N = dst.shape[0]
    n = _log2(N)
    t, L = _plan(n, dst.itemsize, block_bytes, wide)
    acc[:] = 0
    m = acc[0]  # 0 of the row's dtype
    if n < t:
        if copy:
            _copy(src, dst, 0, N)
        for i in range(N):
            m = _fold_max(m, dst[i])
        fwht_row(dst)
        return m
    BS = 1 << L
    G = 1 << t
    narrow = t == _log2(8 * (64 // dst.itemsize))
    for j in range(N // BS):
        lo = j * BS
        if narrow:
            for i in range(lo, lo + BS, G):
                _h_tile_max(src, dst, i, acc)
        else:
            for i in range(lo, lo + BS, G):
                _h_tile16_max(src, dst, i, acc)
        if L > t:
            _pass(dst[lo:lo + BS], G, L - t)
        _levels_after(dst, lo + BS, BS, j)
    for i in range(acc.shape[0]):
        m = _fold_max(m, acc[i])
    return m


@nb.njit(cache=True)
def _fwht_rows_from(src, dst, copy, block_bytes, wide):
    acc = np.zeros(16, dtype=dst.dtype)
    m = acc[0]  # 0 of the rows' dtype
    for r in range(dst.shape[0]):
        m = _fold_max(m, _row_from(src[r], dst[r], copy, acc, block_bytes, wide))
    return m


@nb.njit(cache=True)
def _fwht_row_from(src, dst, copy, block_bytes, wide):
    return _row_from(src, dst, copy, np.zeros(16, dtype=dst.dtype), block_bytes, wide)


def fwht_from(src, dst):
    """``dst = H_n src`` along the last axis for C-contiguous float64 or float32 arrays of one
    dtype and shape (any number of axes); ``src`` is either ``dst`` itself (in place) or does not
    overlap it, and is not modified otherwise. Returns max|src| before the transform (a float; NaN
    when ``src`` holds a NaN, else inf when it holds an inf), found on the way at no extra pass.
    The transform does the same operations as :func:`fwht_inplace`, so the result is bitwise the
    same."""
    copy = src is not dst
    if src.ndim == 1:
        return _fwht_row_from(src, dst, copy, BLOCK_BYTES, WIDE_TILES)
    if src.ndim != 2:
        N = src.shape[-1]
        src, dst = src.reshape(-1, N), dst.reshape(-1, N)
    return _fwht_rows_from(src, dst, copy, BLOCK_BYTES, WIDE_TILES)


#: New outputs (:func:`fwht_new`) start on a boundary of this many bytes, the register tiles'
#: vector size: a tile's vector stores then never straddle two cache lines.
LINE = 64
#: New outputs of at least this many bytes are line-aligned; below it, the slice of a longer buffer
#: costs about what the aligned stores save, and the output is a plain ``np.empty``.
ALIGN_BYTES = 1 << 17


@nb.njit(cache=True)
def _line_start(raw, line):
    """The index of the first element of the 1-D ``raw`` (aligned to its itemsize, as every
    allocation is) that starts on a ``line``-byte boundary: below ``line // itemsize``."""
    return (line - raw.ctypes.data % line) % line // raw.itemsize


@nb.njit(cache=True)
def _fwht_row_new(src, raw, block_bytes, wide):
    start = _line_start(raw, LINE)
    dst = raw[start:start + src.shape[0]]
    return start, _row_from(src, dst, True, np.zeros(16, dtype=dst.dtype), block_bytes, wide)


@nb.njit(cache=True)
def _fwht_rows_new(src, raw, block_bytes, wide):
    start = _line_start(raw, LINE)
    dst = raw[start:start + src.size].reshape(src.shape)
    return start, _fwht_rows_from(src, dst, True, block_bytes, wide)


def fwht_new(src):
    """``(out, top)``: ``out = H_n src`` along the last axis in a new C-contiguous array of ``src``'s
    shape and dtype (``src``: a C-contiguous float64 or float32 array, any number of axes, not
    modified), and ``top`` = max|src| as :func:`fwht_from` returns it. From :data:`ALIGN_BYTES` up,
    ``out`` starts on a :data:`LINE`-byte boundary (large allocations from malloc start 16 bytes
    into a line): a view of a numpy buffer one line longer (numpy's allocator, with the huge pages
    it requests for large arrays), whose boundary is found inside the kernel call (looking the
    address up from Python costs microseconds). Bitwise the result of :func:`fwht_from`."""
    if src.nbytes < ALIGN_BYTES:
        out = np.empty(src.shape, dtype=src.dtype)
        if src.ndim == 1:  # the common small call, without fwht_from's dispatch on the shape
            return out, _fwht_row_from(src, out, True, BLOCK_BYTES, WIDE_TILES)
        return out, fwht_from(src, out)
    size = src.size
    raw = np.empty(size + LINE // src.itemsize, dtype=src.dtype)
    if src.ndim == 1:
        start, top = _fwht_row_new(src, raw, BLOCK_BYTES, WIDE_TILES)
        return raw[start:start + size], top
    rows = src if src.ndim == 2 else src.reshape(-1, src.shape[-1])
    start, top = _fwht_rows_new(rows, raw, BLOCK_BYTES, WIDE_TILES)
    return raw[start:start + size].reshape(src.shape), top


@nb.njit(cache=True)
def _fwht_rows(a, block_bytes, wide):
    for r in range(a.shape[0]):
        _row(a[r], block_bytes, wide)


@nb.njit(cache=True, parallel=True)
def _fwht_rows_parallel(a, block_bytes, wide):
    for r in nb.prange(a.shape[0]):
        _row(a[r], block_bytes, wide)


def fwht_inplace(a, *, parallel=False):
    """Transform each row of the C-contiguous 2-D array ``a`` in place (unnormalised).

    ``a`` must be float64, float32 or int64 with a power-of-two row length; the caller
    validates. ``parallel=True`` spreads the rows (not the stages of one row) over
    numba's threads; results are identical to the serial kernel. Returns None.
    """
    if parallel and a.shape[0] > 1:
        _fwht_rows_parallel(a, BLOCK_BYTES, WIDE_TILES)
    else:
        _fwht_rows(a, BLOCK_BYTES, WIDE_TILES)


def fwht_reference_loop(a):
    """The plain radix-2 triple loop (kept for benchmarks and tests), in place on 2-D ``a``."""
    for r in range(a.shape[0]):
        fwht_row(a[r])


