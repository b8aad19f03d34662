"""numba kernels of the orbit-native fold (see :mod:`capacity.insensitive.orbits`).

Inputs are trusted (validated and sized by the callers in ``orbits.py``).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

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


@njit(cache=True, parallel=True)
def orbit_sums(q, q0, pi, order, offsets, parent, sym, ratio, logratio, leaf_start):
    """Per class-orbit o and leaf j: ``A[o, j] = sum_{k in o} W(t_j | f_k)`` and
    ``B[o, j] = sum_{k in o} W log W``.

    W of every node of the prefix tree is built from its parent's with one product
    (``W(node) = W(parent) r[sym] d / mult``) and its log with one sum, so a class costs one
    multiply-add per tree node. Classes ``order[offsets[o]:offsets[o+1]]`` form orbit o; each
    orbit is summed by one thread in a fixed order (results do not depend on the thread count).
    """
    n_orb = offsets.size - 1
    n_nodes = parent.size
    L = n_nodes - leaf_start
    K = pi.size
    A = np.zeros((n_orb, L))
    B = np.zeros((n_orb, L))
    for o in prange(n_orb):
        val = np.empty(n_nodes)
        lv = np.empty(n_nodes)
        r = np.empty(2 * K)
        lr = np.empty(2 * K)
        for kk in range(offsets[o], offsets[o + 1]):
            k = order[kk]
            for c in range(K):
                r[2 * c] = pi[c] * q0[k, c]
                r[2 * c + 1] = pi[c] * q[k, c]
            for a in range(2 * K):
                lr[a] = math.log(r[a]) if r[a] > 0.0 else LOG_ZERO
            for t in range(n_nodes):
                p = parent[t]
                s = sym[t]
                if p < 0:
                    val[t] = r[s] * ratio[t]
                    lv[t] = lr[s] + logratio[t]
                else:
                    val[t] = val[p] * r[s] * ratio[t]
                    lv[t] = lv[p] + lr[s] + logratio[t]
            for j in range(L):
                w = val[leaf_start + j]
                A[o, j] += w
                B[o, j] += w * lv[leaf_start + j]
    return A, B
