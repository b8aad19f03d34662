"""numba kernel for Blahut–Arimoto / mirror-descent sweeps (private; trusts its input).

One fused pass over ``W`` per iteration: row x gives ``D_x = sum_y W log W - sum_y W log q``
and, in the same visit of the row, adds ``p'_x W_x`` to the next output law ``q'``
(``p'_x = p_x exp(mu (D_x - s))``, with ``s`` the previous upper bound as overflow shift).
A rejected step (the lower bound fell) costs one extra q-only pass. Rows with ``p_x = 0``
skip the accumulation, so wide channels with a small support cost less. Masses below
``1e-300`` are set to 0 (denormal arithmetic slowed a measured loop 15x). Units: nats.
"""
from __future__ import annotations

import numpy as np
from numba import njit

TINY = 1e-300


@njit(cache=True)
def _q_pass(W, p, q):
    nx, ny = W.shape
    q[:] = 0.0
    for x in range(nx):
        px = p[x]
        if px > 0.0:
            for y in range(ny):
                q[y] += px * W[x, y]


@njit(cache=True)
def md_sweeps(W, negH, p, mu, max_steps, tol, grow, mu_max):
    """Run up to ``max_steps`` safeguarded steps p <- p exp(mu D)/Z in place on ``p``.

    Returns (lower, upper, steps, mu, D): the certificate of the returned ``p`` (nats),
    the updates done (sweeps - 1; ``max_steps`` sweeps at most), the final step size and
    the divergences D(W_x || pW).
    ``grow = 1`` and ``mu = 1`` give plain Blahut–Arimoto (monotone: never rejects).
    """
    nx, ny = W.shape
    q = np.empty(ny)
    qn = np.empty(ny)
    logq = np.empty(ny)
    D = np.empty(nx)
    pn = np.empty(nx)
    p_prev = p.copy()
    D_prev = np.empty(nx)
    I_prev = -np.inf
    up_prev = np.inf
    _q_pass(W, p, q)
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
            d = negH[x]
            inf_row = False
            for y in range(ny):
                w = W[x, y]
                if w > 0.0:
                    d -= w * logq[y]
                    if zero_hit and q[y] <= 0.0:
                        inf_row = True
            if inf_row:
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
                    for y in range(ny):
                        qn[y] += v * W[x, y]
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
            shift = up if np.isfinite(up) else shift
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
            _q_pass(W, p, q)
    p[:] = p_prev
    return I_prev, up_prev, steps - 1, mu, D_prev.copy()
