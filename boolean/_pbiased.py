"""Kernels of p-biased Fourier analysis (private; shared by :mod:`boolean.pbiased` and
:func:`boolean.influences`). Tables are validated uint8 numpy (B, 2**n); p is in (0, 1)."""
from __future__ import annotations

import math

import numpy as np


def plan_bytes(name, n, rows):
    """Peak bytes of :func:`coefficients`: the uint8 table, the float64 coefficients (transformed
    in place), and in a butterfly stage the half-size copy of its first half and the two
    half-size float64 products that make the new first half."""
    e = rows * 2.0**n
    return e + 8 * e + 3 * 4 * e


def influence_plan_bytes(name, n, rows):
    """Peak bytes of :func:`influences`: the uint8 table, the float64 weights μ_p(x) of one row,
    and for one variable the half-size pair weights, the bool pivot mask of every row (the previous
    variable's is still held while it is built) and its half-size float64 product with the pair weights."""
    e, N = rows * 2.0**n, 2.0**n
    return e + 8 * N + 4 * N + 2 * 0.5 * e + 4 * e


def coefficients(table, n, p):
    """ĝ^(p)(S) for every row and S, float64 (B, 2**n): n butterflies
    (a0, a1) -> ((1-p) a0 + p a1, sqrt(p(1-p)) (a0 - a1))."""
    c = 1.0 - 2.0 * table.astype(np.float64)
    B, N = c.shape
    s = math.sqrt(p * (1.0 - p))
    for i in range(n):
        v = c.reshape(B, N >> (i + 1), 2, 1 << i)
        a0 = v[:, :, 0, :].copy()
        a1 = v[:, :, 1, :]
        v[:, :, 0, :] = (1.0 - p) * a0 + p * a1
        np.subtract(a0, a1, out=a0)
        a0 *= s
        v[:, :, 1, :] = a0
    return c


def influences(table, n, p):
    """Inf_i^(p) = 4p(1-p) Σ_x μ_p(x) [f(x) != f(x ⊕ e_i)] for every row and i, float64 (B, n)."""
    B, N = table.shape
    mu = np.empty(N)  # μ_p(x) = Π_i (p if x_i else 1 - p), built by doubling: 8 bytes an entry, no temporaries
    mu[0] = 1.0
    for i in range(n):
        h = 1 << i
        np.multiply(mu[:h], p, out=mu[h:2 * h])
        mu[:h] *= 1.0 - p
    out = np.empty((B, n))
    for i in range(n):
        v = table.reshape(B, N >> (i + 1), 2, 1 << i)
        piv = v[:, :, 0, :] != v[:, :, 1, :]  # pairs {x, x ⊕ e_i}: both members pivotal
        m = mu.reshape(N >> (i + 1), 2, 1 << i)
        out[:, i] = (piv * (m[:, 0, :] + m[:, 1, :])).sum(axis=(1, 2))
    out *= 4.0 * p * (1.0 - p)
    return out
