"""numba kernels for Boolean Fourier analysis (private; the transform lives in ``_fwht_numba``).

Kernels trust their input (the public routines validate). Conventions: tables are
C-contiguous uint8 (B, 2**n); counts are exact int64; no fastmath, so results do not
depend on the thread count or the compiler's reassociation.
"""
from __future__ import annotations

import numba as nb
import numpy as np

#: bits of a 64-bit word whose partner at distance 2**i is set: bit i of the index clear
_MASKS = np.array([0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF,
                   0x0000FFFF0000FFFF, 0x00000000FFFFFFFF], dtype=np.uint64)


@nb.njit(cache=True, inline="always")
def _popcount64(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return np.int64((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@nb.njit(cache=True)
def _influence_counts_packed(words, n, masks):
    """Counts #{x : f(x) != f(x ^ e_i)} for a bit-packed table (B, 2**n / 64), n >= 6."""
    B, W = words.shape
    out = np.zeros((B, n), dtype=np.int64)
    for r in range(B):
        w = words[r]
        # variables 0..5 live inside one word: compare each bit with its partner.
        for i in range(6):
            s = np.uint64(1 << i)
            m = masks[i]
            c = 0
            for k in range(W):
                x = w[k]
                c += _popcount64((x ^ (x >> s)) & m)
            out[r, i] = 2 * c
        # variables >= 6 pair whole words at distance 2**(i-6).
        for i in range(6, n):
            t = 1 << (i - 6)
            c = 0
            for base in range(0, W, 2 * t):
                for k in range(base, base + t):
                    c += _popcount64(w[k] ^ w[k + t])
            out[r, i] = 2 * c
    return out


@nb.njit(cache=True)
def _influence_counts_bytes(f, n):
    """Counts #{x : f(x) != f(x ^ e_i)} on a uint8 table (B, 2**n); used for n < 6."""
    B, N = f.shape
    out = np.zeros((B, n), dtype=np.int64)
    for r in range(B):
        for i in range(n):
            h = 1 << i
            c = 0
            for base in range(0, N, 2 * h):
                for x in range(base, base + h):
                    c += f[r, x] != f[r, x + h]
            out[r, i] = 2 * c
    return out


def influence_counts(table, n):
    """Exact int64 counts (B, n) of x with f(x) != f(x ^ e_i), for a uint8 table (B, 2**n)."""
    if n < 6:
        return _influence_counts_bytes(table, n)
    packed = np.packbits(table, axis=-1, bitorder="little")
    words = packed.view("<u8")
    return _influence_counts_packed(words, n, _MASKS)


@nb.njit(cache=True)
def _popcount_table():
    t = np.zeros(256, dtype=np.int64)
    for v in range(1, 256):
        t[v] = t[v >> 1] + (v & 1)
    return t


@nb.njit(cache=True)
def level_sums(c, n, scale=1.0):
    """For integer-valued c = 2**n * ĝ (B, 2**n), any dtype: exact int64 sums of c(T)^2 by |T|,
    shape (B, n + 1), and the degree (B,) (max |T| with c(T) != 0; -1 for an all-zero row).

    With ``scale != 1`` (float c only) each entry is multiplied by ``scale`` in the same pass,
    after it has been read (so the spectrum is normalised without another pass over memory).
    """
    B, N = c.shape
    tab = _popcount_table()
    sums = np.zeros((B, n + 1), dtype=np.int64)
    deg = np.full(B, -1, dtype=np.int64)
    lo_n = min(N, 256)
    rescale = scale != 1.0
    for r in range(B):
        row = c[r]
        acc = sums[r]
        for hi in range(0, N, lo_n):
            base = tab[(hi >> 8) & 255] + tab[(hi >> 16) & 255] + tab[(hi >> 24) & 255]
            for lo in range(lo_n):
                v = np.int64(row[hi + lo])
                acc[base + tab[lo]] += v * v
            if rescale:
                for lo in range(lo_n):
                    row[hi + lo] = row[hi + lo] * scale
        for d in range(n, -1, -1):  # c(T)^2 >= 0: a level has weight iff some c(T) != 0 on it
            if acc[d] > 0:
                deg[r] = d
                break
    return sums, deg


@nb.njit(cache=True)
def pm1_into(f, out):
    """out = 1 - 2 f for a uint8 table f (B, 2**n), one pass; ``out`` is int64 or float64."""
    B, N = f.shape
    for r in range(B):
        for x in range(N):
            out[r, x] = 1 - 2 * np.int64(f[r, x])


@nb.njit(cache=True)
def scale_by_level(c, factors, n):
    """Multiply c(T) (B, 2**n) float64 in place by factors[|T|]."""
    B, N = c.shape
    tab = _popcount_table()
    lo_n = min(N, 256)
    for r in range(B):
        for hi in range(0, N, lo_n):
            base = tab[(hi >> 8) & 255] + tab[(hi >> 16) & 255] + tab[(hi >> 24) & 255]
            for lo in range(lo_n):
                c[r, hi + lo] *= factors[base + tab[lo]]


@nb.njit(cache=True)
def restrict_rows(f, free_mask, fixed_bits, m):
    """out[r, y] = f[r, fixed_bits | deposit(y, free_mask)] for y < 2**m (free_mask has m bits)."""
    B = f.shape[0]
    M = 1 << m
    out = np.empty((B, M), dtype=np.uint8)
    for r in range(B):
        s = 0
        for y in range(M):
            out[r, y] = f[r, fixed_bits | s]
            s = (s - free_mask) & free_mask  # next submask of free_mask in increasing order
    return out


@nb.njit(cache=True)
def _binary_entropy_table(d):
    """h(c / 2**d) in bits for c = 0..2**d."""
    M = 1 << d
    t = np.zeros(M + 1, dtype=np.float64)
    for c in range(1, M):
        t[c] = _h(c, M)
    return t


@nb.njit(cache=True)
def _h(c, M):
    """Binary entropy h(c / M) in bits (0 at c = 0 and c = M)."""
    if c == 0 or c == M:
        return 0.0
    p = c / M
    return -(p * np.log2(p) + (1.0 - p) * np.log2(1.0 - p))


@nb.njit(cache=True, inline="always")
def _neumaier_add(s, comp, v):
    """(s + v, compensation) for Neumaier summation of non-negative terms (hence no abs());
    the sum is s + comp at the end."""
    t = s + v
    if s >= v:
        comp += (s - t) + v
    else:
        comp += (v - t) + s
    return t, comp


@nb.njit(cache=True, inline="always")
def _sum_out(src, dst, lo, half):
    """dst[:half] = src summed over the variable at bit position log2(lo): pair sums at distance lo.
    In place (``dst is src``) too: each pair is read before its sum is written, at a lower index."""
    for hi in range(half // lo):
        for l in range(lo):
            dst[hi * lo + l] = np.int32(src[hi * 2 * lo + l]) + np.int32(src[hi * 2 * lo + lo + l])


@nb.njit(cache=True)
def conditional_entropy_sets(f, sets, k):
    """E h(P[f = 1 | X_visible]) in bits, out[r, s] for each row r of f (B, 2**n) and each
    unknown set sets[s, :k] (sorted ascending, k >= 0). One int32 buffer of 2**(n-1) counts
    is reused for every set; the first reduction reads the uint8 table directly."""
    B, N = f.shape
    S = sets.shape[0]
    M = 1 << k
    out = np.zeros((B, S), dtype=np.float64)
    if k == 0:
        return out  # every conditional probability is 0 or 1
    cur = np.empty(N // 2, dtype=np.int32)
    cells = N >> k
    use_table = M + 1 <= cells  # tabulate h(c / M) when there are fewer counts than cells
    table = _binary_entropy_table(k) if use_table else np.zeros(1)
    for r in range(B):
        for q in range(S):
            size = N // 2
            _sum_out(f[r], cur, 1 << sets[q, 0], size)
            for d in range(1, k):
                size //= 2
                _sum_out(cur, cur, 1 << (sets[q, d] - d), size)  # the variable's place in the compacted table
            s = 0.0
            comp = 0.0  # Neumaier compensation: sums of up to 2**29 terms stay accurate to ~1 ulp
            for x in range(size):
                s, comp = _neumaier_add(s, comp, table[cur[x]] if use_table else _h(cur[x], M))
            out[r, q] = (s + comp) / size
    return out


@nb.njit(cache=True)
def profile_entropy_sums(f, n):
    """For one uint8 row f (2**n,): sums[k] = Σ_{|K| = k} E h(P[f = 1 | X_{[n]∖K}]) over all K.

    Depth-first over K in increasing order, reusing the conditional-count table of K∖max(K):
    Σ_K 2**(n - |K|) = 3**n additions in all.
    """
    N = 1 << n
    off = np.zeros(n + 2, dtype=np.int64)
    hoff = np.zeros(n + 2, dtype=np.int64)
    for d in range(n + 1):
        off[d + 1] = off[d] + (N >> d)
        hoff[d + 1] = hoff[d] + (1 << d) + 1
    T = np.empty(off[n + 1], dtype=np.int64)
    H = np.empty(hoff[n + 1], dtype=np.float64)
    for d in range(n + 1):
        H[hoff[d]:hoff[d + 1]] = _binary_entropy_table(d)
    for x in range(N):
        T[x] = f[x]
    sums = np.zeros(n + 1, dtype=np.float64)
    nxt = np.zeros(n + 1, dtype=np.int64)
    d = 0
    while d >= 0:
        j = nxt[d]
        if j >= n:
            d -= 1
            continue
        nxt[d] = j + 1
        lo = 1 << (j - d)
        size = N >> d
        src = off[d]
        dst = off[d + 1]
        hb = hoff[d + 1]
        s = 0.0
        comp = 0.0  # Neumaier compensation (h values are >= 0, so s >= v after the first term)
        for hi in range(size // (2 * lo)):
            a = src + hi * 2 * lo
            b = dst + hi * lo
            for l in range(lo):
                c = T[a + l] + T[a + lo + l]
                T[b + l] = c
                s, comp = _neumaier_add(s, comp, H[hb + c])
        sums[d + 1] += (s + comp) / (size // 2)
        d += 1
        nxt[d] = j + 1
    return sums
