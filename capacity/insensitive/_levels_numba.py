"""numba kernel of the few-sample route (see :mod:`capacity.insensitive.levels`).

Inputs are trusted (validated and sized by the caller).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

from boolean._lib.butterfly import fwht_row


@njit(cache=True, parallel=True)
def level_scan(heads, n, n_levels, cell_of, K, L, htab, keys, ent):
    """For every function ``F = f0 | f1 << 2**(n-1)`` with f0 in ``heads`` and every f1:
    ``keys[i]`` = its Fourier weight levels ``v_k = sum_{|T| = k} G(T)^2`` (k < n_levels, G the
    integer spectrum), packed ``(2n + 1)`` bits per level; ``ent[i]`` = ``sum_c h(q_c)`` over the
    K cells, from the histogram of ones per cell (``htab[j]`` = h(j / L)), so that equal
    histograms give bit-equal values. Row i = head index * 2**(2**(n-1)) + f1.
    """
    N = 1 << n
    half = N >> 1
    n_f1 = 1 << half
    n_sub = cell_of.shape[0]
    width = 2 * n + 1
    pop = np.zeros(N, np.int64)
    for T in range(N):
        c = 0
        t = T
        while t:
            c += t & 1
            t >>= 1
        pop[T] = c
    for h in prange(heads.size):
        f0 = heads[h]
        G = np.empty(N, np.int64)
        counts = np.zeros(K, np.int64)
        hist = np.zeros(L + 1, np.int64)
        v = np.zeros(n + 1, np.int64)
        for f1 in range(n_f1):
            F = f0 | (f1 << half)
            for x in range(N):
                G[x] = 1 - 2 * ((F >> x) & 1)
            fwht_row(G)
            for k in range(n + 1):
                v[k] = 0
            for T in range(N):
                v[pop[T]] += G[T] * G[T]
            key = 0
            for k in range(n_levels):
                key |= v[k] << (width * k)
            for c in range(K):
                counts[c] = 0
            for x in range(N):
                if (F >> x) & 1:
                    for j in range(n_sub):
                        counts[cell_of[j, x]] += 1
            for j in range(L + 1):
                hist[j] = 0
            for c in range(K):
                hist[counts[c]] += 1
            e = 0.0
            for j in range(L + 1):
                e += hist[j] * htab[j]
            i = h * n_f1 + f1
            keys[i] = key
            ent[i] = e
