"""numba kernels for the solver core of :mod:`capacity._solver` (private; trusts its input).

:func:`md_sweeps` is the compiled one-channel twin of :func:`capacity._solver.md_steps` (the
same safeguarded step, with its parameters MU_MAX, TINY and E_MAX taken from there).
Two implementations exist because this one is a different algorithm on the memory: one fused
pass over ``W`` per iteration, where row x gives ``D_x = base_x - sum_y W log q`` and, in the
same visit of the row, adds ``p'_x W_x`` to the next output law ``q'``
(``p'_x = p_x exp(mu (D_x - s))``, with ``s`` the previous F(p) as overflow shift), which no
array-namespace expression gives (it reads W once per step instead of twice). A rejected step
costs one extra q-only pass. Sparse channels run the same sweep on CSR rows, O(nnz) per step.
Rows with ``p_x = 0`` skip the accumulation. log 0 follows :mod:`capacity._solver`: rows that
reach an output with q_y = 0 get D = inf. Units: nats.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from ._solver import E_MAX, MU_MAX, TINY, sweep_goes_sparse

#: TINY and E_MAX are compile-time constants of the kernels (as arguments the sweep ran 1.4x
#: slower); numba's cache is keyed to this file, so the values it holds are spelled here too.
if (TINY, E_MAX) != (1e-300, 700.0):  # pragma: no cover - edit this line with _solver's constants
    raise ImportError("capacity._ba_numba: update the compiled constants (TINY, E_MAX) to _solver's")


def md_kernel(W1):
    """The driver's ``md`` (see :func:`capacity._solver.solve`) for the one channel ``W1`` (nx, ny):
    the fused sweep, on CSR rows when W1 is sparse (built once here)."""
    ny = W1.shape[1]
    if sweep_goes_sparse(W1.size, np.count_nonzero(W1)):
        from scipy import sparse

        S = sparse.csr_matrix(W1)
        csr = (S.indptr.astype(np.int64), S.indices.astype(np.int64), S.data)

        def sweeps(*args):
            return md_sweeps_csr(*csr, ny, *args)
    else:
        def sweeps(*args):
            return md_sweeps(W1, *args)

    def md(xp, W, base, p, mu, steps, tol, grow, budget):
        p1 = p[0].copy()
        n = int(min(steps, budget[0]))
        lo, up, used, mu1, D = sweeps(base[0], p1, float(mu[0]), n + 1, tol, grow, MU_MAX)
        return p1[None], np.array([lo]), np.array([up]), np.array([mu1]), np.array([float(used)]), (D - lo)[None]
    return md


def gram_kernel(xp, Ws):
    """The polish's sparse Gram factory for the numba driver (used when
    :func:`capacity._solver.sparse_gram_pays`): :func:`gram_csc`, the CSC structure built once per
    polish."""
    from scipy import sparse

    B, m, _ = Ws.shape
    cols = [sparse.csc_matrix(Ws[b]) for b in range(B)]
    cols = [(S.indptr.astype(np.int64), S.indices.astype(np.int64), S.data) for S in cols]

    def gram(r):
        return np.stack([gram_csc(ip, ix, v, r[b] * r[b], m) for b, (ip, ix, v) in enumerate(cols)])
    return gram


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
def md_sweeps(W, base, p, mu, max_steps, tol, grow, mu_max):
    """Dense W (nx, ny): see :func:`_md_core`."""
    ei = np.zeros(1, dtype=np.int64)
    return _md_core(W, ei, ei, np.zeros(1), False, W.shape[1], base, p, mu, max_steps, tol, grow, mu_max)


@njit(cache=True)
def md_sweeps_csr(indptr, indices, data, ny, base, p, mu, max_steps, tol, grow, mu_max):
    """CSR W (rows = inputs): the same sweep costs O(nnz) instead of O(nx ny)."""
    return _md_core(np.zeros((1, 1)), indptr, indices, data, True, ny, base, p, mu, max_steps, tol,
                    grow, mu_max)


@njit(cache=True)
def _md_core(W, indptr, indices, data, sparse, ny, base, p, mu, max_steps, tol, grow, mu_max):
    """Run up to ``max_steps`` safeguarded steps p <- p exp(mu D)/Z in place on ``p``.

    Returns (lower, upper, steps, mu, D): the certificate of the returned ``p`` (nats, exact),
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
            d = base[x] - _row_dot(W, indptr, indices, data, sparse, x, logq)  # log 0 := 0 here
            # rare: an output p never produces; the rows that reach it have D = inf (for p_x > 0,
            # q_y >= p_x W_xy > 0 underflowed: the output is dropped, see _solver.row_divergences)
            if zero_hit and _row_reaches_zero(W, indptr, indices, data, sparse, x, q) and p[x] <= 0.0:
                d = np.inf
            D[x] = d
            if d > up:
                up = d
            px = p[x]
            if px > 0.0:
                I += px * d
                e = mu * (d - shift)
                if e > E_MAX:
                    e = E_MAX
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
                    if e > E_MAX:
                        e = E_MAX
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
