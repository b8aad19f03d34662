"""Numba kernels of :func:`capacity.insensitive.family_capacity`: divergences of every row, and the
types (compositions of m) as sparse rows and as ranks."""
from __future__ import annotations

import numpy as np
from numba import njit, prange


#: Below this a float64 is subnormal: exp's result there has no relative error bound.
TINY = 2.2250738585072014e-308
#: exp(L) < TINY for every L below this (exp(-709) = 1.2e-308).
EXP_FLOOR = -709.0
#: log W at or below this is a structural zero (a symbol of probability 0: log r = -1e250).
STRUCTURAL = -1e200
#: D is summed in blocks of BLOCK types, whose sums are summed in blocks of BLOCK, whose sums
#: are summed in turn (see :func:`sum_depth`).
BLOCK = 512
#: Rows of :func:`divergence_terms` that share a pass over the types.
ROW_BLOCK = 16


def sum_depth(n_types: int) -> int:
    """Most additions any term of :func:`divergence_terms`' D meets (its blocked sum):
    ``min(T, b) + min(ceil(T / b), b) + ceil(T / b**2) + 2`` with b = BLOCK."""
    return (min(n_types, BLOCK) + min(-(-n_types // BLOCK), BLOCK) + -(-n_types // (BLOCK * BLOCK)) + 2)


@njit(cache=True)
def divergences(logr, sym, cnt, logcoef, logQ):
    """D(W_f || Q) (nats) for every row f of the type channel (inputs trusted).

    ``log W[f, t] = logcoef[t] + sum_j cnt[t, j] logr[f, sym[t, j]]`` (``cnt`` zero-padded);
    terms with W = 0 are 0; W > 0 where Q = 0 gives inf.
    """
    return divergence_terms(logr, sym, cnt, logcoef, logQ, False)[:, 0]


@njit(cache=True, parallel=True)
def divergence_terms(logr, sym, cnt, logcoef, logQ, sums=True):
    """Per row f (G, 5): ``D = sum_t W (L - logQ)`` as :func:`divergences` computes it, and the
    sums its rounding bound needs: ``S = sum_t W |L - logQ|``, ``B = sum_t W |logQ|``,
    ``R = sum_t W`` over the types with a normal W, and ``H = sum_t (|L| + |logQ| + 1)`` over
    the types whose W is subnormal or 0 although L is not a structural zero (``L > -1e200``).
    ``D = inf`` where W > 0 (or underflowed) meets ``Q = 0``. D is summed in blocks
    (:func:`sum_depth`), the other sums in order. With ``sums=False`` only D is formed (the
    other columns stay 0). Inputs trusted.

    Rows are taken :data:`ROW_BLOCK` at a time, each pass over the types serving all of them (the
    types' arrays are read once per block of rows, not once per row); every row's operations
    and their order are those of a pass of its own."""
    G = logr.shape[0]
    T, k = sym.shape
    out = np.zeros((G, 5 if sums else 1))
    n_blocks = (G + ROW_BLOCK - 1) // ROW_BLOCK
    for b in prange(n_blocks):
        f0 = b * ROW_BLOCK
        R = min(G, f0 + ROW_BLOCK) - f0
        lr = np.ascontiguousarray(logr[f0:f0 + R].T)            # (d, R): a symbol's logs side by side
        L = np.empty(R)
        acc = np.zeros(R)
        mid = np.zeros(R)
        blk = np.zeros(R)
        infinite = np.zeros(R, dtype=np.bool_)
        s_abs = np.zeros(R)
        b_abs = np.zeros(R)
        mass = np.zeros(R)
        tiny = np.zeros(R)
        for t in range(T):
            lc = logcoef[t]
            for r in range(R):
                L[r] = lc
            for j in range(k):
                c = cnt[t, j]
                if c > 0:
                    sj = sym[t, j]
                    for r in range(R):
                        L[r] += c * lr[sj, r]
            lq = logQ[t]
            for r in range(R):
                # below EXP_FLOOR, W < TINY whatever exp returns; exp is slow there (underflow)
                w = np.exp(L[r]) if L[r] >= EXP_FLOOR else 0.0
                if w >= TINY and lq != -np.inf:
                    term = w * (L[r] - lq)
                    blk[r] += term
                    if sums:
                        s_abs[r] += abs(term)
                        b_abs[r] += w * abs(lq)
                        mass[r] += w
                elif L[r] > STRUCTURAL:
                    if lq == -np.inf:
                        infinite[r] = True
                    else:
                        tiny[r] += abs(L[r]) + abs(lq) + 1.0
            if (t + 1) % BLOCK == 0:
                for r in range(R):
                    mid[r] += blk[r]
                    blk[r] = 0.0
                if (t + 1) % (BLOCK * BLOCK) == 0:
                    for r in range(R):
                        acc[r] += mid[r]
                        mid[r] = 0.0
        for r in range(R):
            out[f0 + r, 0] = np.inf if infinite[r] else acc[r] + (mid[r] + blk[r])
            if sums:
                out[f0 + r, 1] = s_abs[r]
                out[f0 + r, 2] = b_abs[r]
                out[f0 + r, 3] = mass[r]
                out[f0 + r, 4] = tiny[r]
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


@njit(cache=True, parallel=True)
def sparse_types(counts, k):
    """``(sym, cnt)`` (T, k): each row's symbol indices ordered by decreasing count, ties by index
    (numpy's stable argsort of ``-counts``), the first ``k`` kept, and their counts (inputs
    trusted: 1 <= k <= d)."""
    T, d = counts.shape
    sym = np.zeros((T, k), dtype=np.int64)
    cnt = np.zeros((T, k), dtype=np.float64)
    for t in prange(T):
        filled = 0
        for j in range(d):
            c = counts[t, j]
            pos = filled
            while pos > 0 and cnt[t, pos - 1] < c:      # strictly less: equal counts keep index order
                pos -= 1
            if pos >= k:
                continue
            last = min(filled, k - 1)
            for i in range(last, pos, -1):
                sym[t, i] = sym[t, i - 1]
                cnt[t, i] = cnt[t, i - 1]
            sym[t, pos] = j
            cnt[t, pos] = c
            if filled < k:
                filled += 1
    return sym, cnt


@njit(cache=True, parallel=True)
def composition_ranks(counts, perm, n_comp):
    """Rank, in the lexicographic order of all compositions of m into d parts, of the row ``u``
    with ``u[j] = counts[t, perm[j]]`` for every row t (inputs trusted: rows are compositions of
    m, ``perm`` a permutation of range(d), ``n_comp[a, r]`` the number of compositions of r into
    a parts for a <= d, r <= m).

    A composition u comes after exactly those that agree with it on a prefix u[:j] and are
    smaller at j; with r_j = m - sum(u[:j]) there are ``n_comp[d - j, r_j] - n_comp[d - j, r_j - u_j]``
    of them (the compositions of r_j into d - j parts whose first part is below u_j), so

        rank(u) = sum_{j < d - 1} n_comp[d - j, r_j] - n_comp[d - j, r_j - u_j].
    """
    T, d = counts.shape
    out = np.empty(T, dtype=np.int64)
    for t in prange(T):
        r = 0
        for j in range(d):
            r += counts[t, j]
        rank = 0
        for j in range(d - 1):
            u = counts[t, perm[j]]
            rank += n_comp[d - j, r] - n_comp[d - j, r - u]
            r -= u
        out[t] = rank
    return out
