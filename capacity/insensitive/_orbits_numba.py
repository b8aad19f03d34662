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
