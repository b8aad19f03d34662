"""Fused Triton kernels for the unnormalised Walsh–Hadamard transform on CUDA (private).

Imported lazily by :mod:`boolean._fwht_torch` only on CUDA. Triton is optional: where
it is missing this module still imports (so doctest collection works) but defines no
kernels and :func:`available` is False; callers then use the pure-torch paths, which
are also the test reference.

Each kernel loads a tile into registers, applies many butterfly stages there and
writes it back once, so the transform costs a few passes through global memory
instead of one per stage:

* ``_low_kernel``: a contiguous block of ``2**b`` values (the low ``b`` bits);
* ``_high_kernel``: ``2**k`` rows at stride ``2**p`` × ``C`` contiguous columns
  (bits ``p .. p+k-1``), coalesced along the columns.

With the default tiles (``2**14`` values per program) a row of ``2**n`` values takes one
launch for ``n <= 14``, two passes for ``n <= 23`` (``14 + 9`` bits) and three above
(:func:`plan`). Fewer is not possible per launch: a program's tile lives in registers (at most
a few ``2**14`` values), and the stages of one pass must see a whole tile, so a single launch for
a larger row would need a grid-wide barrier between programs.

Inside a tile the stages use the constant-geometry (Pease) form of the transform:
a stage pairs neighbours along the tile's transform axis with ``tl.split``,
``x'[i] = x[2i] + x[2i+1]`` and ``x'[i + R/2] = x[2i] - x[2i+1]``; after ``k`` stages
every bit has been processed once and the order is natural again, so ``x' = H_k x``.
Only additions and subtractions of two values: int64 stays exact. BENCHMARKS.md
(``benchmarks/gpu_fwht.py``) compares it with a device-to-device copy.
"""
from __future__ import annotations

import torch

try:
    import triton
    import triton.language as tl
except ImportError:  # pragma: no cover - depends on the machine
    triton = None

#: Elements per program (registers): tile sizes for the low and the high passes (2**14 values
#: each, so that rows up to 2**23 take two passes; ``benchmarks/gpu_fwht.py --sweep`` compares
#: other tiles on a card).
LOW_BITS = 14
HIGH_TILE_BITS = 14
HIGH_COLS = 32
NUM_WARPS = 16


def available() -> bool:
    """True when Triton is importable and a CUDA device is present."""
    return triton is not None and torch.cuda.is_available()


if triton is not None:
    @triton.jit
    def _pease_rows(x, R: tl.constexpr, C: tl.constexpr, K: tl.constexpr):
        """H_K along axis 0 of the (R, C) tile x, R = 2**K."""
        for _ in tl.static_range(K):
            x3 = tl.reshape(x, (R // 2, 2, C))
            x3 = tl.permute(x3, (0, 2, 1))  # (R/2, C, 2)
            a, b = tl.split(x3)
            y = tl.join(a + b, a - b)  # (R/2, C, 2)
            y = tl.permute(y, (2, 0, 1))  # (2, R/2, C)
            x = tl.reshape(y, (R, C))
        return x

    @triton.jit
    def _low_kernel(src, dst, BLOCK: tl.constexpr, B: tl.constexpr):
        pid = tl.program_id(0).to(tl.int64)
        offs = pid * BLOCK + tl.arange(0, BLOCK)
        x = tl.load(src + offs)
        for _ in tl.static_range(B):
            x2 = tl.reshape(x, (BLOCK // 2, 2))
            a, b = tl.split(x2)
            y = tl.join(a + b, a - b)  # (BLOCK/2, 2)
            y = tl.permute(y, (1, 0))  # (2, BLOCK/2): sums first, then differences
            x = tl.reshape(y, (BLOCK,))
        tl.store(dst + offs, x)

    @triton.jit
    def _high_kernel(ptr, S, R: tl.constexpr, C: tl.constexpr, K: tl.constexpr):
        pid = tl.program_id(0).to(tl.int64)
        chunks = S // C
        group = pid // chunks
        col = (pid % chunks) * C
        base = group * R * S + col
        rows = tl.arange(0, R).to(tl.int64)
        offs = base + rows[:, None] * S + tl.arange(0, C)[None, :]
        x = tl.load(ptr + offs)
        x = _pease_rows(x, R, C, K)
        tl.store(ptr + offs, x)


def plan(n, low_bits=LOW_BITS, tile_bits=HIGH_TILE_BITS, cols=HIGH_COLS):
    """Passes for a row of 2**n: [("low", b)] + [("high", p, k, C), ...].

    The low pass takes the ``b = min(n, low_bits)`` low bits; the remaining bits are split as
    evenly as possible into high passes of at most ``tile_bits - log2(cols)`` bits each.
    """
    b = min(n, low_bits)
    out = [("low", b)]
    p = b
    rest = n - b
    if rest:
        kmax = max(1, tile_bits - cols.bit_length() + 1)
        passes = -(-rest // kmax)
        sizes = [rest // passes + (1 if i < rest % passes else 0) for i in range(passes)]
        for k in sizes:
            C = min(cols, 1 << p)
            out.append(("high", p, k, C))
            p += k
    return out


def fwht(x, *, low_bits=None, tile_bits=None, cols=None, num_warps=None):
    """Transform the contiguous CUDA tensor ``x`` (M, 2**n) along its last axis; returns a new tensor."""
    M, N = x.shape
    n = N.bit_length() - 1
    low_bits = LOW_BITS if low_bits is None else low_bits
    tile_bits = HIGH_TILE_BITS if tile_bits is None else tile_bits
    cols = HIGH_COLS if cols is None else cols
    num_warps = NUM_WARPS if num_warps is None else num_warps
    y = torch.empty_like(x)
    if N == 1:
        y.copy_(x)
        return y
    for step in plan(n, low_bits, tile_bits, cols):
        if step[0] == "low":
            b = step[1]
            _low_kernel[(M * N >> b,)](x, y, BLOCK=1 << b, B=b, num_warps=num_warps,
                                        enable_fp_fusion=False)
        else:
            _, p, k, C = step
            _high_kernel[(M * N // ((1 << k) * C),)](y, 1 << p, R=1 << k, C=C, K=k,
                                                         num_warps=num_warps, enable_fp_fusion=False)
    return y
