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


@njit(cache=True, parallel=True)
def sample_terms(src, cells, u_bit, q, l1, l0, l1S, l0S, logw, own, logpw, hpost):
    """Per draw j: Y = m samples of member ``src[j]`` (cells ``cells[j]``, bit 1 when
    ``u_bit[j, i] < q[src[j], cell]``); writes ``own[j] = log W_src(Y)``,
    ``logpw[j] = log sum_k w_k W_k(Y)`` over the support (``l1S``/``l0S`` (L, S): log q, log(1-q)
    of its members, ``logw`` their log masses) and ``hpost[j]`` the entropy (nats) of the
    posterior on the support. Cell probabilities cancel and are left out (inputs trusted)."""
    N, m = cells.shape
    S = logw.size
    for j in prange(N):
        ll = np.zeros(S)
        f = src[j]
        o = 0.0
        for i in range(m):
            c = cells[j, i]
            if u_bit[j, i] < q[f, c]:
                o += l1[f, c]
                for k in range(S):
                    ll[k] += l1S[c, k]
            else:
                o += l0[f, c]
                for k in range(S):
                    ll[k] += l0S[c, k]
        mx = -np.inf
        for k in range(S):
            ll[k] += logw[k]
            if ll[k] > mx:
                mx = ll[k]
        own[j] = o
        if mx == -np.inf:
            logpw[j] = -np.inf
            hpost[j] = np.nan
            continue
        tot = 0.0
        for k in range(S):
            tot += np.exp(ll[k] - mx)
        lz = mx + np.log(tot)
        h = 0.0
        for k in range(S):
            if ll[k] > -np.inf:
                lp = ll[k] - lz
                h -= np.exp(lp) * lp
        logpw[j] = lz
        hpost[j] = h


@njit(cache=True, parallel=True)
def loglik_matrix(cells, bits, l1T, l0T):
    """``LL[k, j] = sum_i log P(bit_ji | cell_ji, member k)`` for draws j (``l1T``/``l0T`` (L, K):
    log q, log(1 - q) of the K members); cell probabilities left out (inputs trusted)."""
    N, m = cells.shape
    K = l1T.shape[1]
    out = np.zeros((K, N))
    for j in prange(N):
        for i in range(m):
            c = cells[j, i]
            if bits[j, i]:
                for k in range(K):
                    out[k, j] += l1T[c, k]
            else:
                for k in range(K):
                    out[k, j] += l0T[c, k]
    return out
