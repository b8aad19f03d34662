"""numba kernels for the query-complexity measures, the Möbius transform and juntas (private).

Kernels trust their input (the public routines validate). Tables are C-contiguous uint8
(B, 2**n) of 0/1. Subcubes of {0,1}^n are indexed in base 3: digit i is 0 or 1 when x_i is
fixed to that value and 2 when x_i is free, so a cube's two halves along a free digit i have
the smaller indices c - 2·3^i (x_i = 0) and c - 3^i (x_i = 1), and one pass in increasing
index order sees both halves before the cube.
"""
from __future__ import annotations

import numba as nb
import numpy as np

#: value of a subcube that holds both 0 and 1
MIXED = 2


@nb.njit(cache=True)
def ternary_of_binary(n):
    """t3[m] = Σ_{i ∈ m} 3^i for every bitmask m < 2**n."""
    t3 = np.zeros(1 << n, dtype=np.int64)
    p = 1
    for i in range(n):
        h = 1 << i
        for m in range(h):
            t3[m | h] = t3[m] + p
        p *= 3
    return t3


@nb.njit(cache=True)
def sensitivity_counts(table, n):
    """s(f, x) = #{i : f(x) != f(x ⊕ e_i)} for every row and x, uint8 (B, 2**n)."""
    B, N = table.shape
    out = np.zeros((B, N), dtype=np.uint8)
    for r in range(B):
        f = table[r]
        for x in range(N):
            c = 0
            for i in range(n):
                c += f[x] != f[x ^ (1 << i)]
            out[r, x] = c
    return out


@nb.njit(cache=True)
def _subcubes(f, n, val, depth, with_depth):
    """Fill val[c] (0, 1 or MIXED) for every subcube c; with ``with_depth`` also the optimal
    decision-tree depth of f restricted to c (0 on constant cubes).

    The base-3 digits of c are kept incrementally: ``x`` holds the fixed bits, ``free`` the mask of
    free digits (no divisions in the loop)."""
    M = val.shape[0]
    p3 = np.empty(n, dtype=np.int64)
    p = 1
    for i in range(n):
        p3[i] = p
        p *= 3
    digits = np.zeros(n, dtype=np.int64)
    low = np.zeros(1 << n, dtype=np.int64)
    for m in range(1, 1 << n):
        b = 0
        while not (m >> b) & 1:
            b += 1
        low[m] = b
    x = 0
    free = 0
    for c in range(M):
        if free == 0:
            val[c] = f[x]
            if with_depth:
                depth[c] = 0
        else:
            j = low[free]
            a = val[c - 2 * p3[j]]
            b = val[c - p3[j]]
            val[c] = a if a == b else MIXED
            if with_depth:
                if val[c] != MIXED:
                    depth[c] = 0
                else:
                    best = 255
                    fm = free
                    while fm:
                        i = low[fm]
                        fm &= fm - 1
                        d0 = depth[c - 2 * p3[i]]
                        d1 = depth[c - p3[i]]
                        t = 1 + (d0 if d0 > d1 else d1)
                        if t < best:
                            best = t
                    depth[c] = best
        # next c: base-3 increment
        i = 0
        while i < n and digits[i] == 2:
            digits[i] = 0
            free &= ~(1 << i)
            i += 1
        if i < n:
            digits[i] += 1
            if digits[i] == 1:
                x |= 1 << i
            else:
                x &= ~(1 << i)
                free |= 1 << i


@nb.njit(cache=True)
def certificate_counts(table, n):
    """C(f, x) = min{|S| : f is constant on {y : y_S = x_S}} for every row and x, uint8 (B, 2**n)."""
    B, N = table.shape
    val = np.empty(3**n, dtype=np.uint8)
    depth = np.empty(1, dtype=np.uint8)
    t3 = ternary_of_binary(n)
    pop = np.zeros(N, dtype=np.int64)
    for m in range(1, N):
        pop[m] = pop[m >> 1] + (m & 1)
    out = np.empty((B, N), dtype=np.uint8)
    full = N - 1
    for r in range(B):
        _subcubes(table[r], n, val, depth, False)
        for x in range(N):
            best = 0  # the most free variables of a constant cube through x
            for F in range(N):
                if pop[F] > best and val[t3[x & (full ^ F)] + 2 * t3[F]] != MIXED:
                    best = pop[F]
            out[r, x] = n - best
    return out


@nb.njit(cache=True)
def decision_depths(table, n):
    """D(f): the depth of an optimal deterministic decision tree, for every row, int64 (B,)."""
    B, N = table.shape
    val = np.empty(3**n, dtype=np.uint8)
    depth = np.empty(3**n, dtype=np.uint8)
    out = np.empty(B, dtype=np.int64)
    for r in range(B):
        _subcubes(table[r], n, val, depth, True)
        out[r] = depth[-1]
    return out


@nb.njit(cache=True)
def block_sensitivity_counts(table, n):
    """bs(f, x): the most disjoint blocks B with f(x ⊕ B) != f(x), for every row and x, uint8 (B, 2**n).

    Per x: the minimal sensitive blocks (no sensitive proper subset: a packing of minimal blocks
    is as large as any), then P(U) = the most disjoint minimal blocks inside U,
    P(U) = max(P(U - i), max_{M ∋ i, M ⊆ U} 1 + P(U - M)) with i the lowest element of U, over
    the U that avoid the sensitive singletons (each of which is in some optimal packing). With
    S(m) = [f(x ⊕ m) != f(x)] and its subset sums Z(m) = Σ_{s ⊆ m} S(s) (n in-place passes, at
    most 2**n - 1 < 2**16 for n <= 16), m is a minimal sensitive block iff S(m) = 1 and Z(m) = 1.
    """
    B, N = table.shape
    out = np.empty((B, N), dtype=np.uint8)
    P = np.empty(N, dtype=np.uint8)
    Z = np.empty(N, dtype=np.uint16)
    blocks = np.empty(N, dtype=np.int64)  # minimal blocks, grouped by lowest element
    found = np.empty(N, dtype=np.int64)  # minimal blocks, in increasing order
    start = np.empty(n + 1, dtype=np.int64)
    fill = np.empty(n + 1, dtype=np.int64)
    low = np.zeros(N, dtype=np.int64)
    for m in range(1, N):
        b = 0
        while not (m >> b) & 1:
            b += 1
        low[m] = b
    full = N - 1
    for r in range(B):
        f = table[r]
        for x in range(N):
            fx = f[x]
            h = 1
            if N >= 8:  # the stages at strides 1, 2, 4 on 8 values at a time, in registers
                for j in range(0, N, 8):
                    z0 = np.uint16(f[x ^ j] != fx)
                    z1 = z0 + np.uint16(f[x ^ (j + 1)] != fx)
                    z2 = z0 + np.uint16(f[x ^ (j + 2)] != fx)
                    z3 = z1 + z2 - z0 + np.uint16(f[x ^ (j + 3)] != fx)
                    z4 = z0 + np.uint16(f[x ^ (j + 4)] != fx)
                    z5 = z1 + z4 - z0 + np.uint16(f[x ^ (j + 5)] != fx)
                    z6 = z2 + z4 - z0 + np.uint16(f[x ^ (j + 6)] != fx)
                    z7 = z3 + z5 + z6 - z1 - z2 - z4 + z0 + np.uint16(f[x ^ (j + 7)] != fx)
                    Z[j] = z0
                    Z[j + 1] = z1
                    Z[j + 2] = z2
                    Z[j + 3] = z3
                    Z[j + 4] = z4
                    Z[j + 5] = z5
                    Z[j + 6] = z6
                    Z[j + 7] = z7
                h = 8
            else:
                for m in range(N):
                    Z[m] = f[x ^ m] != fx
            while h < N:
                for j in range(0, N, 2 * h):
                    for k in range(j, j + h):
                        Z[k + h] += Z[k]
                h *= 2
            # minimal blocks (one pass); the sensitive singletons are in some optimal packing (a
            # packing that misses i can take {i}; one covering i can swap i's block for {i}), so
            # they are counted directly and the blocks meeting them dropped
            c = 0
            sing = 0
            for m in range(1, N):
                if Z[m] == 1 and f[x ^ m] != fx:
                    if m & (m - 1):
                        found[c] = m
                        c += 1
                    else:
                        sing |= m
            # the rest, bucketed by lowest element (a counting sort), packed by the dynamic
            # programme over the subsets U of R = [n] - singletons, in increasing order
            start[:] = 0
            for t in range(c):
                if not found[t] & sing:
                    start[low[found[t]] + 1] += 1
            for i in range(n):
                start[i + 1] += start[i]
            for i in range(n + 1):
                fill[i] = start[i]
            for t in range(c):
                m = found[t]
                if not m & sing:
                    blocks[fill[low[m]]] = m
                    fill[low[m]] += 1
            R = full ^ sing
            P[0] = 0
            U = R & (-R)  # the smallest non-empty subset of R; next: ((U | ~R) + 1) & R
            while U:
                i = low[U]
                best = P[U ^ (1 << i)]
                for t in range(start[i], start[i + 1]):
                    m = blocks[t]
                    if m & U == m:
                        v = 1 + P[U ^ m]
                        if v > best:
                            best = v
                P[U] = best
                U = ((U | ~R) + 1) & R
            k = 0
            while sing:
                sing &= sing - 1
                k += 1
            out[r, x] = k + P[R]
    return out


@nb.njit(cache=True)
def mobius_inplace(a, n):
    """Algebraic normal form over F2 of each row, in place: a(S) = XOR_{x ⊆ S} f(x)."""
    B, N = a.shape
    for r in range(B):
        row = a[r]
        h = 1
        while h < N:
            for j in range(0, N, 2 * h):
                for k in range(j, j + h):
                    row[k + h] ^= row[k]
            h *= 2
    return a


#: M[i]: the bit positions b < 64 with bit i of b clear (the x_i = 0 half of each pair at stride 2**i).
_HALF = np.array([0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x00FF00FF00FF00FF,
                  0x0000FFFF0000FFFF, 0x00000000FFFFFFFF], dtype=np.uint64)
#: LEVEL[c]: the bit positions b < 64 with popcount(b) = c.
_LEVEL = np.array([sum(1 << b for b in range(64) if bin(b).count("1") == c) for c in range(7)], dtype=np.uint64)


@nb.njit(cache=True)
def f2_degrees(table, n):
    """max{|S| : a_f(S) = 1} for every row (-1 for f = 0), int64 (B,): the Möbius transform on the
    row packed 64 entries a word (entry x at bit x mod 64 of word x // 64), stages below 64 by
    masked shifts inside the words, stages above by XOR of words; then the largest
    popcount(word index) + popcount(bit) over the set bits, by the masks of each bit popcount."""
    B, N = table.shape
    W = np.zeros(max(N >> 6, 1), dtype=np.uint64)
    out = np.full(B, -1, dtype=np.int64)
    one = np.uint64(1)
    for r in range(B):
        row = table[r]
        W[:] = 0
        for x in range(N):
            if row[x]:
                W[x >> 6] |= one << np.uint64(x & 63)
        for i in range(min(n, 6)):
            sh = np.uint64(1 << i)
            for k in range(W.shape[0]):
                W[k] ^= (W[k] & _HALF[i]) << sh
        h = 1
        while h < W.shape[0]:
            for j in range(0, W.shape[0], 2 * h):
                for k in range(j, j + h):
                    W[k + h] ^= W[k]
            h *= 2
        best = -1
        for k in range(W.shape[0]):
            w = W[k]
            if w:
                c = 6
                while not (w & _LEVEL[c]):
                    c -= 1
                pk = 0
                kk = k
                while kk:
                    kk &= kk - 1
                    pk += 1
                if pk + c > best:
                    best = pk + c
        out[r] = best
    return out


@nb.njit(cache=True)
def max_popcount_set(a, n):
    """max{|S| : a(S) = 1} for every row (-1 when none), int64 (B,)."""
    B, N = a.shape
    out = np.full(B, -1, dtype=np.int64)
    for r in range(B):
        best = -1
        for m in range(N):
            if a[r, m]:
                c = 0
                mm = m
                while mm:
                    mm &= mm - 1
                    c += 1
                if c > best:
                    best = c
        out[r] = best
    return out


@nb.njit(cache=True)
def nearest_juntas(table, n, subsets, k):
    """For each row: the fewest disagreements with a function of the variables in one subset
    (rows of ``subsets``, ascending masks), the index of the first subset attaining it and the
    count of ones of f on each cell of that subset (int64 (B,), (B,), (B, 2**k))."""
    B, N = table.shape
    S = subsets.shape[0]
    K = 1 << k
    cell = 1 << (n - k)
    ones = np.empty(K, dtype=np.int64)
    best_ones = np.empty((B, K), dtype=np.int64)
    dist = np.empty(B, dtype=np.int64)
    which = np.empty(B, dtype=np.int64)
    idx = np.empty(N, dtype=np.int64)
    for s in range(S):
        # idx[x] = the bits of x on the subset, packed (pext)
        for x in range(N):
            v = 0
            for j in range(k):
                v |= ((x >> subsets[s, j]) & 1) << j
            idx[x] = v
        for r in range(B):
            ones[:] = 0
            f = table[r]
            for x in range(N):
                ones[idx[x]] += f[x]
            d = 0
            for c in range(K):
                o = ones[c]
                d += o if o < cell - o else cell - o
            if s == 0 or d < dist[r]:
                dist[r] = d
                which[r] = s
                best_ones[r, :] = ones
    return dist, which, best_ones
