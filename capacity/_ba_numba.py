"""numba kernel for Blahut–Arimoto / mirror-descent sweeps (private; trusts its input).

One fused pass over ``W`` per iteration: row x gives ``D_x = sum_y W log W - sum_y W log q``
and, in the same visit of the row, adds ``p'_x W_x`` to the next output law ``q'``
(``p'_x = p_x exp(mu (D_x - s))``, with ``s`` the previous I(p; W) as overflow shift).
A rejected step (the lower bound fell) costs one extra q-only pass. Sparse channels (density
below ``blahut_arimoto.SPARSE_DENSITY``) run the same sweep on CSR rows, O(nnz) per step. Rows with ``p_x = 0``
skip the accumulation, so wide channels with a small support cost less. Masses below
``1e-300`` are set to 0 (denormal arithmetic slowed a measured loop 15x). Units: nats.
"""
from __future__ import annotations

import numpy as np
from numba import njit

TINY = 1e-300


@njit(cache=True)
def _q_pass(W, indptr, indices, data, sparse, p, q):
    nx = p.shape[0]
    q[:] = 0.0
    for x in range(nx):
        px = p[x]
        if px > 0.0:
            _axpy(W, indptr, indices, data, sparse, x, px, q)


@njit(cache=True)
def _axpy(W, indptr, indices, data, sparse, x, v, out):
    """out += v * W[x] (dense row or CSR row)."""
    if sparse:
        for k in range(indptr[x], indptr[x + 1]):
            out[indices[k]] += v * data[k]
    else:
        for y in range(W.shape[1]):
            out[y] += v * W[x, y]


@njit(cache=True)
def _row_dot(W, indptr, indices, data, sparse, x, b):
    if sparse:
        s0 = 0.0
        for k in range(indptr[x], indptr[x + 1]):
            s0 += data[k] * b[indices[k]]
        return s0
    return _dot(W[x], b)


@njit(cache=True)
def _row_reaches_zero(W, indptr, indices, data, sparse, x, q):
    if sparse:
        for k in range(indptr[x], indptr[x + 1]):
            if data[k] > 0.0 and q[indices[k]] <= 0.0:
                return True
        return False
    for y in range(W.shape[1]):
        if W[x, y] > 0.0 and q[y] <= 0.0:
            return True
    return False


@njit(cache=True)
def _dot(a, b):
    """Branch-free dot product with four independent partial sums (no fastmath needed for ILP)."""
    n = a.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    m = n - n % 4
    for i in range(0, m, 4):
        s0 += a[i] * b[i]
        s1 += a[i + 1] * b[i + 1]
        s2 += a[i + 2] * b[i + 2]
        s3 += a[i + 3] * b[i + 3]
    for i in range(m, n):
        s0 += a[i] * b[i]
    return (s0 + s1) + (s2 + s3)


@njit(cache=True)
def md_sweeps(W, negH, p, mu, max_steps, tol, grow, mu_max):
    """Dense W (nx, ny): see :func:`_md_core`."""
    ei = np.zeros(1, dtype=np.int64)
    return _md_core(W, ei, ei, np.zeros(1), False, W.shape[1], negH, p, mu, max_steps, tol, grow, mu_max)


@njit(cache=True)
def md_sweeps_csr(indptr, indices, data, ny, negH, p, mu, max_steps, tol, grow, mu_max):
    """CSR W (rows = inputs): the same sweep costs O(nnz) instead of O(nx ny)."""
    return _md_core(np.zeros((1, 1)), indptr, indices, data, True, ny, negH, p, mu, max_steps, tol,
                    grow, mu_max)


@njit(cache=True)
def _md_core(W, indptr, indices, data, sparse, ny, negH, p, mu, max_steps, tol, grow, mu_max):
    """Run up to ``max_steps`` safeguarded steps p <- p exp(mu D)/Z in place on ``p``.

    Returns (lower, upper, steps, mu, D): the certificate of the returned ``p`` (nats),
    the updates done (sweeps - 1; ``max_steps`` sweeps at most), the final step size and
    the divergences D(W_x || pW).
    ``grow = 1`` and ``mu = 1`` give plain Blahut–Arimoto (monotone: never rejects).
    """
    nx = p.shape[0]
    q = np.empty(ny)
    qn = np.empty(ny)
    logq = np.empty(ny)
    D = np.empty(nx)
    pn = np.empty(nx)
    p_prev = p.copy()
    D_prev = np.empty(nx)
    I_prev = -np.inf
    up_prev = np.inf
    _q_pass(W, indptr, indices, data, sparse, p, q)
    shift = 0.0
    steps = 0
    have_prev = False
    mu_step = mu
    while True:
        # ---- fused sweep: certificate of p and the unnormalised next iterate
        zero_hit = False
        for y in range(ny):
            if q[y] > 0.0:
                logq[y] = np.log(q[y])
            else:
                logq[y] = 0.0
                zero_hit = True
        qn[:] = 0.0
        I = 0.0
        up = -np.inf
        Z = 0.0
        for x in range(nx):
            d = negH[x] - _row_dot(W, indptr, indices, data, sparse, x, logq)  # log 0 := 0 here
            # rare: an output p never produces; the rows that reach it have D = inf
            if zero_hit and _row_reaches_zero(W, indptr, indices, data, sparse, x, q):
                d = np.inf
            D[x] = d
            if d > up:
                up = d
            px = p[x]
            if px > 0.0:
                I += px * d
                e = mu * (d - shift)
                if e > 700.0:
                    e = 700.0
                v = px * np.exp(e)
                if v < TINY:
                    v = 0.0
                pn[x] = v
                Z += v
                if v > 0.0:
                    _axpy(W, indptr, indices, data, sparse, x, v, qn)
            else:
                pn[x] = 0.0
        steps += 1
        accepted = (not have_prev) or I >= I_prev or mu_step <= 1.0
        if accepted:
            p_prev[:] = p
            D_prev[:] = D
            I_prev = I
            up_prev = up
            have_prev = True
            if up - I <= tol or steps >= max_steps:
                break
            # next iterate from the fused accumulation
            if not (Z > 0.0) or not np.isfinite(Z):
                break
            for x in range(nx):
                p[x] = pn[x] / Z
            for y in range(ny):
                q[y] = qn[y] / Z
            mu_step = mu
            mu = min(mu * grow, mu_max)
            shift = I  # finite; support rows have D - I within the gap
        else:
            # the lower bound fell: halve mu toward 1 (plain BA, monotone) and retry from p_prev
            if steps >= max_steps:
                break
            mu = max(1.0, mu_step * 0.5)
            mu_step = mu
            Z = 0.0
            for x in range(nx):
                v = 0.0
                if p_prev[x] > 0.0:
                    e = mu * (D_prev[x] - shift)
                    if e > 700.0:
                        e = 700.0
                    v = p_prev[x] * np.exp(e)
                    if v < TINY:
                        v = 0.0
                p[x] = v
                Z += v
            for x in range(nx):
                p[x] /= Z
            _q_pass(W, indptr, indices, data, sparse, p, q)
    p[:] = p_prev
    return I_prev, up_prev, steps - 1, mu, D_prev.copy()


@njit(cache=True)
def gram_csc(colptr, rows, vals, r2, m):
    """G = sum_y r2_y w_y w_y^T for the sparse columns w_y of an (m, ny) CSC matrix: O(sum_y nnz_y^2)."""
    G = np.zeros((m, m))
    ny = colptr.shape[0] - 1
    for y in range(ny):
        a, b = colptr[y], colptr[y + 1]
        s = r2[y]
        for k in range(a, b):
            vi = vals[k] * s
            i = rows[k]
            for l in range(a, b):
                G[i, rows[l]] += vi * vals[l]
    return G
