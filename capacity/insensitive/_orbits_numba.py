"""numba kernels of the orbit-native fold (see :mod:`capacity.insensitive.orbits`).

Inputs are trusted (validated and sized by the callers in ``orbits.py``).
"""
from __future__ import annotations

import contextlib
import math

import numba
import numpy as np
from numba import njit, prange

#: Below this many inner-loop steps a kernel runs on one thread: waking the pool costs more
#: (tens of ms on a loaded machine) than the work.
SERIAL_BELOW = 1 << 22


@contextlib.contextmanager
def threads_for(work):
    """Run the enclosed parallel kernels on one thread when ``work`` < SERIAL_BELOW steps."""
    before = numba.get_num_threads()
    if work < SERIAL_BELOW:
        numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


#: Stand-in for log 0 (a zero probability contributes w = 0 and w log w = 0 * LOG_ZERO = 0).
LOG_ZERO = -1.0e6


@njit(cache=True, parallel=True)
def canonical_children(prev, group, n_sym):
    """Stabiliser sizes of the canonical one-symbol extensions of canonical multisets.

    ``prev`` (N, d) int16: sorted rows (canonical multisets of size d; d = 0 gives one empty row).
    ``group`` (G, n_sym) int16: every element of the group as a map on symbols. A sorted multiset
    t with count vector c is canonical when, for every g, the count vector ``c[g]`` (the
    image's counts, read through g) is not lexicographically larger than c in the first place
    where they differ (the sorted image is not lexicographically smaller than t).
    Returns ``out`` (N, n_sym) int32: ``out[i, s]`` = #{g : c[g] = c} for the child
    ``prev[i] + (s,)`` when it is canonical (and s >= the last symbol of prev[i]), else 0.
    """
    N, d = prev.shape
    G = group.shape[0]
    out = np.zeros((N, n_sym), np.int32)
    for i in prange(N):
        ct = np.zeros(n_sym, np.int32)
        for j in range(d):
            ct[prev[i, j]] += 1
        last = prev[i, d - 1] if d > 0 else 0
        for s in range(last, n_sym):
            ct[s] += 1
            stab = 0
            canonical = True
            for g in range(G):
                equal = True
                for a in range(n_sym):
                    x = ct[group[g, a]]
                    y = ct[a]
                    if x != y:
                        if x > y:
                            canonical = False
                        equal = False
                        break
                if not canonical:
                    break
                if equal:
                    stab += 1
            ct[s] -= 1
            if canonical:
                out[i, s] = stab
    return out


#: Classes of one orbit processed together (node values held as (depth, BATCH) per thread).
BATCH = 32


@njit(cache=True, parallel=True)
def orbit_sums(q, q0, pi, order, offsets, child_start, child_stop, n_roots, sym, ratio, logratio, m, sizes):
    """Per class-orbit o and leaf j: ``A[o, j] = sum_{k in o} W(t_j | f_k)``, and per orbit
    ``Bs[o] = sum_j sizes[j] sum_{k in o} W log W`` (the bonus term; no (orbits x leaves) array).

    The prefix tree is walked depth first (children of node t are ``child_start[t]:child_stop[t]``,
    the roots ``0:n_roots``), so only one value per depth and class is held: W of a node is its
    parent's times ``r[sym] d / mult`` and its log the parent's plus ``log(r[sym] d / mult)``; leaves
    (depth m, numbered from ``child_start`` of depth m - 1 onward, i.e. ``t - leaf0``) are summed at once.
    Classes ``order[offsets[o]:offsets[o+1]]`` form orbit o and go through in batches of ``BATCH``;
    each orbit is summed by one thread in a fixed order, so the result does not depend on the
    thread count. ``Bs`` is a compensated (Kahan) sum: over millions of leaves a plain running sum
    lost 9e-11 nats of the bonus at (3,2,10), which moves the certificate's bounds by as much.
    """
    n_orb = offsets.size - 1
    n_nodes = sym.size
    L = sizes.size
    leaf0 = n_nodes - L
    K = pi.size
    A = np.zeros((n_orb, L))
    Bs = np.zeros(n_orb)
    for o in prange(n_orb):
        val = np.zeros((m + 1, BATCH))
        lv = np.zeros((m + 1, BATCH))
        r = np.zeros((2 * K, BATCH))
        lr = np.zeros((2 * K, BATCH))
        stack = np.zeros(m + 1, np.int64)       # next child to visit at each depth
        stop = np.zeros(m + 1, np.int64)
        bsum = 0.0
        bcomp = 0.0  # Kahan's compensation: bsum adds up one term per leaf and class batch
        for b0 in range(offsets[o], offsets[o + 1], BATCH):
            nb = min(BATCH, offsets[o + 1] - b0)
            for b in range(nb):
                k = order[b0 + b]
                for c in range(K):
                    r[2 * c, b] = pi[c] * q0[k, c]
                    r[2 * c + 1, b] = pi[c] * q[k, c]
                val[0, b] = 1.0
                lv[0, b] = 0.0
            for a in range(2 * K):
                for b in range(nb):
                    lr[a, b] = math.log(r[a, b]) if r[a, b] > 0.0 else LOG_ZERO
            d = 1
            stack[1] = 0
            stop[1] = n_roots
            while d > 0:
                if stack[d] == stop[d]:
                    d -= 1
                    continue
                t = stack[d]
                stack[d] += 1
                s = sym[t]
                if d == m:
                    acc = 0.0
                    accl = 0.0
                    for b in range(nb):
                        w = val[d - 1, b] * r[s, b] * ratio[t]
                        acc += w
                        accl += w * (lv[d - 1, b] + lr[s, b] + logratio[t])
                    A[o, t - leaf0] += acc
                    term = accl * sizes[t - leaf0] - bcomp
                    total = bsum + term
                    bcomp = (total - bsum) - term
                    bsum = total
                elif child_start[t] < child_stop[t]:
                    for b in range(nb):
                        val[d, b] = val[d - 1, b] * r[s, b] * ratio[t]
                        lv[d, b] = lv[d - 1, b] + lr[s, b] + logratio[t]
                    d += 1
                    stack[d] = child_start[t]
                    stop[d] = child_stop[t]
        Bs[o] = bsum
    return A, Bs


@njit(cache=True, parallel=True)
def type_sums(counts, size, pi, m, type_orbit, n_torb):
    """Per row o (a class given by its count vector) and type-orbit T: ``V[o, T] = sum_{t in T} W(t | o)``,
    and ``Ws[o] = sum_t W(t | o) log W(t | o)``, over every m-multiset t of the 2K symbols.

    ``W(t | o) = coef_t prod_i r[o, t_i]`` with ``r[o, 2c + y] = pi_c q^y (1 - q)^(1 - y)``,
    ``q = counts[o, c] / size``, and ``coef_t = prod_d d / k_d`` (k_d the multiplicity of the d-th
    symbol among the first d): the multinomial coefficient. The multisets are walked in
    lexicographic order (that of ``type_list``, so ``type_orbit[t]`` labels the t-th), holding
    one product per prefix length; each row is summed by one thread in a fixed order (``Ws`` with
    Kahan's compensation), so the result does not depend on the thread count.
    """
    R, K = counts.shape
    n_sym = 2 * K
    V = np.zeros((R, n_torb))
    Ws = np.zeros(R)
    logratio = np.zeros((m + 1, m + 1))
    for d in range(1, m + 1):
        for k in range(1, d + 1):
            logratio[d, k] = math.log(d / k)
    for o in prange(R):
        r = np.empty(n_sym)
        lr = np.empty(n_sym)
        for c in range(K):
            r[2 * c] = pi[c] * ((size - counts[o, c]) / size)
            r[2 * c + 1] = pi[c] * (counts[o, c] / size)
        for a in range(n_sym):
            lr[a] = math.log(r[a]) if r[a] > 0.0 else LOG_ZERO
        seq = np.zeros(m, np.int64)
        mult = np.zeros(m, np.int64)
        val = np.ones(m)          # val[d]: W of the first d symbols (with their coefficient)
        lv = np.zeros(m)
        t = 0
        wsum = 0.0
        wcomp = 0.0
        d0 = 0
        while True:
            for d in range(d0, m - 1):      # prefix values of positions d0 .. m - 2
                s = seq[d]
                mult[d] = mult[d - 1] + 1 if d > 0 and seq[d - 1] == s else 1
                val[d + 1] = val[d] * r[s] * ((d + 1) / mult[d])
                lv[d + 1] = lv[d] + lr[s] + logratio[d + 1, mult[d]]
            start = seq[m - 2] if m > 1 else 0
            for s in range(start, n_sym):   # the last symbol
                k = mult[m - 2] + 1 if m > 1 and s == start else 1
                w = val[m - 1] * r[s] * (m / k)
                V[o, type_orbit[t]] += w
                term = w * (lv[m - 1] + lr[s] + logratio[m, k]) - wcomp
                total = wsum + term
                wcomp = (total - wsum) - term
                wsum = total
                t += 1
            d = m - 2
            while d >= 0 and seq[d] == n_sym - 1:
                d -= 1
            if d < 0:
                break
            seq[d] += 1
            for j in range(d + 1, m - 1):
                seq[j] = seq[d]
            d0 = d
        Ws[o] = wsum
    return V, Ws


@njit(cache=True)
def _root(parent, x):
    """Root of x in the forest ``parent``, halving the path on the way."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@njit(cache=True)
def join_map(parent, image):
    """Join the trees of t and ``image[t]`` for every t (union-find; the root of a tree is its
    least point, so it stays the least point of every union)."""
    for t in range(image.size):
        a = _root(parent, t)
        b = _root(parent, image[t])
        if a < b:
            parent[b] = a
        elif b < a:
            parent[a] = b


@njit(cache=True)
def tree_labels(parent):
    """``(labels, first)`` of the trees of ``parent`` (each rooted at its least point): trees
    numbered by their least point, ``first[k]`` the least point of tree k (increasing)."""
    n = parent.size
    labels = np.empty(n, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    k = 0
    for t in range(n):
        r = _root(parent, t)
        if r == t:
            labels[t] = k
            first[k] = t
            k += 1
        else:
            labels[t] = labels[r]
    return labels, first[:k].copy()
