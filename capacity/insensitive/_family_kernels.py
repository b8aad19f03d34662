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


@njit(cache=True, parallel=True)
def sample_terms_cv(src, cells, u_bit, q, l1, l0, l1S, l0S, logw, lab, b1, b0, b1S, b0S, out):
    """Per draw j: Y = m samples of member ``src[j]`` (cells ``cells[j]``, bit 1 when
    ``u_bit[j, i] < q[src[j], cell]``), and its garbled version in which each sample's cell c is
    replaced by its bin ``lab[c]``. ``out[j]`` gets ``(own, logpw, hpost, own_b, logpw_b, hpost_b)``:
    ``log W_src(Y)``, ``log sum_k w_k W_k(Y)`` over the support (``l1S``/``l0S`` (L, S): log q,
    log(1-q) of its members, ``logw`` their log masses) and the entropy of the posterior on the
    support (nats), then the same for the garbled Y (``b1``/``b0`` (M, B) and ``b1S``/``b0S``
    (B, S): the binned channel's logs). Cell probabilities cancel and are left out (inputs trusted)."""
    N, m = cells.shape
    S = logw.size
    for j in prange(N):
        ll = np.zeros(S)
        lb = np.zeros(S)
        f = src[j]
        o = 0.0
        ob = 0.0
        for i in range(m):
            c = cells[j, i]
            b = lab[c]
            if u_bit[j, i] < q[f, c]:
                o += l1[f, c]
                ob += b1[f, b]
                for k in range(S):
                    ll[k] += l1S[c, k]
                    lb[k] += b1S[b, k]
            else:
                o += l0[f, c]
                ob += b0[f, b]
                for k in range(S):
                    ll[k] += l0S[c, k]
                    lb[k] += b0S[b, k]
        out[j, 0] = o
        out[j, 3] = ob
        for col, v in ((1, ll), (4, lb)):
            mx = -np.inf
            for k in range(S):
                v[k] += logw[k]
                if v[k] > mx:
                    mx = v[k]
            if mx == -np.inf:
                out[j, col] = -np.inf
                out[j, col + 1] = np.nan
                continue
            tot = 0.0
            for k in range(S):
                tot += np.exp(v[k] - mx)
            lz = mx + np.log(tot)
            h = 0.0
            for k in range(S):
                if v[k] > -np.inf:
                    lp = v[k] - lz
                    h -= np.exp(lp) * lp
            out[j, col] = lz
            out[j, col + 1] = h
