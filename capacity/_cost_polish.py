"""Interior-point polish of the budget-constrained capacity problem (used by
:func:`capacity.capacity_cost` once the slope bisection reaches a loose gap).

max I(p; W) subject to sum p = 1 and b.p = beta, in nats, no validation. Every point it
produces goes through the caller's state (``st.visit``), which recomputes both certified
bounds; nothing here is trusted. The measurements behind the design are in capacity_cost's Notes.
"""
from __future__ import annotations

import numpy as np

from ._solver import row_divergences


def _feasible(p, b, beta, cheapest):
    """``p`` when ``p @ b <= beta``, else its mixture with the cheapest input that meets the budget
    (rounding-safe), or None. The lower bound is only ever taken from such a law."""
    c = float(p @ b)
    if c <= beta:
        return p
    lam = (c - beta) / (c - b[cheapest])
    for _ in range(4):
        pm = (1.0 - lam) * p
        pm[cheapest] += lam
        if float(pm @ b) <= beta:
            return pm
        lam = min(1.0, lam * (1.0 + 1e-12) + 1e-16)
    return None


def _meet_cost(p, b, beta):
    """``p * (1 - e (b - m) / v)`` (m, v: mean and variance of b under p; e = m - beta): the same
    total mass, expected cost ``beta`` up to rounding; None when that leaves the positive orthant."""
    mean = float(p @ b)
    var = float(p @ (b - mean) ** 2)
    if var <= 0.0:
        return p if mean == beta else None
    new = p * (1.0 - (mean - beta) * (b - mean) / var)
    if not (new > 0).all():
        return None
    return new / new.sum()


def _dual_output_law(Ws, nhs, bs, q0, s0):
    """The output law q nearest (in log q) to ``q0`` whose dual scores are level on the support.

    At the optimum D(W_x || q) - s b_x = nu on the support S, i.e. W_S r + s b_S = negH_S - nu
    with r = log q: *linear* in (r, s) once nu is absorbed into r (rows sum to 1). The
    minimum-norm correction of (log q0 + nu0, s0) onto that affine set is one least-squares
    solve; renormalised, it is an output law for the upper bound (valid for any q). When
    |S| >= n_outputs + 1 it pins q down to rounding, where q = pW of the primal iterate is only
    first-order accurate. Returns None when q0 has a zero.
    """
    if not (q0 > 0).all():
        return None
    r0 = np.log(q0)
    resid0 = nhs - Ws @ r0 - s0 * bs
    x0 = np.concatenate([r0 + float(resid0.mean()), [s0]])
    E = np.column_stack([Ws, bs])
    x = x0 + np.linalg.lstsq(E, nhs - E @ x0, rcond=None)[0]
    r = x[:-1] - x[:-1].max()
    q = np.exp(r)
    return q / q.sum()


def _solve_low_rank(U, tau, rhs):
    """(U U' + tau I)^{-1} rhs for U of shape (k, m): a dense (k x k) solve when k <= 4 m, else
    Woodbury's identity (one (m x m) solve; U has one column per reachable output); both give the
    same solution up to rounding."""
    k, m = U.shape
    if 4 * m >= k:
        M = U @ U.T
        M[np.diag_indices(k)] += tau
        return np.linalg.solve(M, rhs)
    small = U.T @ U
    small[np.diag_indices(m)] += tau
    return (rhs - U @ np.linalg.solve(small, U.T @ rhs)) / tau


def _cost_ipm(st, tol_n, steps):
    """Interior-point polish of max I(p; W) subject to sum p = 1, b.p = beta (the budget binds).

    Maximises the barrier objective I(p; W) + tau sum_x log p_x over all inputs by
    Newton steps in the scaled variable d = p * dt: (P G P + tau I) dt = P g - P A' lam with
    G = W diag(1/q) W' (the negative Hessian of I), g = D(W_x || q), A = [1; b] and lam
    the multipliers (nu, s) of the two equalities (s is the Lagrange slope). The scaling keeps
    the system well conditioned when some p_x ~ tau; the barrier keeps it positive definite on a
    face of optimal laws (the degenerate case). Fraction-to-boundary and backtracking on the
    barrier objective keep p > 0; every trial point is put back on b.p = beta by _meet_cost.
    tau starts at 0.1 gap / nx and falls 10x after a full step or a small Newton decrement.
    Every step visits the iterate and its purified version (entries below 1e-6 max p set to 0,
    budget met again), made feasible by _feasible, and the output law of _dual_output_law on
    the purified support; the state keeps the best bounds, so the certificate only improves.
    Returns the number of Newton steps used.
    """
    W, neg_h, b, beta = st.W, st.neg_h, st.b, st.beta
    nx = W.shape[0]
    cheapest = int(np.argmin(b))
    score = row_divergences(np, W, neg_h, st.p @ W) - st.s_dual * b
    tau = 0.1 * max(st.gap, tol_n) / nx
    floor = 1e-3 * tol_n / nx
    # start near the central path, where a light input sits at p_x ~ tau / slack_x
    p = np.maximum(st.p, np.minimum(tau / np.maximum(float(score.max()) - score, 1e-300), 1e-3))
    p = _meet_cost(p / p.sum(), b, beta)
    if p is None:
        return 0
    A = np.stack([np.ones(nx), b])

    def state(x):
        qx = x @ W
        Dx = row_divergences(np, W, neg_h, qx, p=x)
        return qx, Dx, float(x @ Dx), float(np.log(x).sum())

    def certify(x, s):
        cand = _feasible(x, b, beta, cheapest)
        if cand is not None:
            st.visit(cand)
        keep = x > 1e-6 * x.max()
        if not keep.all():  # the purified law: second-order accurate in I
            sub = _meet_cost(x[keep] / x[keep].sum(), b[keep], beta)
            if sub is not None:
                x = np.zeros(nx)
                x[keep] = sub
                cand = _feasible(x, b, beta, cheapest)
                if cand is not None:
                    st.visit(cand)
        q_dual = _dual_output_law(W[keep], neg_h[keep], b[keep], x @ W, s)
        if q_dual is not None:  # any output law gives a valid upper bound
            st.visit(st.p, (q_dual,))

    q, D, info, logsum = state(p)
    used = 0
    while used < steps and st.gap > tol_n:
        used += 1
        pos = q > 0
        U = (W[:, pos] / np.sqrt(q[pos])[None, :]) * p[:, None]
        At = A * p[None, :]
        X = _solve_low_rank(U, tau, np.column_stack([p * D + tau, At.T]))
        u, V = X[:, 0], X[:, 1:]
        lam = np.linalg.lstsq(At @ V, At @ u, rcond=None)[0]
        dt = u - V @ lam
        dec = tau * float(dt @ dt) + float(np.sum((U.T @ dt) ** 2))
        neg = dt < 0
        a = min(1.0, 0.95 / float(np.max(-dt[neg]))) if neg.any() else 1.0
        phi = info + tau * logsum
        for _ in range(40):
            trial = np.maximum(p * (1.0 + a * dt), 1e-300)
            trial = _meet_cost(trial / trial.sum(), b, beta)
            if trial is not None:
                new = state(trial)
                if new[2] + tau * new[3] >= phi - 1e-15 * abs(phi) or a < 1e-12:
                    break
            a *= 0.5
        if trial is None:
            break
        p, (q, D, info, logsum) = trial, new
        certify(p, float(lam[1]))
        if dec < 0.25 * tau * nx or a >= 1.0:
            tau = max(0.1 * tau, floor)
    return used
