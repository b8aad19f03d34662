"""Numba kernel of :func:`capacity.insensitive.family_capacity`: divergences of every row."""
from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def divergences(logr, sym, cnt, logcoef, logQ):
    """D(W_f || Q) (nats) for every row f of the type channel (inputs trusted).

    ``log W[f, t] = logcoef[t] + sum_j cnt[t, j] logr[f, sym[t, j]]`` (``cnt`` zero-padded);
    terms with W = 0 are 0; W > 0 where Q = 0 gives inf.
    """
    G = logr.shape[0]
    T, k = sym.shape
    out = np.empty(G)
    for f in prange(G):
        acc = 0.0
        for t in range(T):
            L = logcoef[t]
            for j in range(k):
                c = cnt[t, j]
                if c > 0:
                    L += c * logr[f, sym[t, j]]
            w = np.exp(L)
            if w > 0.0:
                if logQ[t] == -np.inf:
                    acc = np.inf
                else:
                    acc += w * (L - logQ[t])
        out[f] = acc
    return out
