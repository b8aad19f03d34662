"""Kernels of p-biased Fourier analysis (private; shared by :mod:`boolean.pbiased` and
:func:`boolean.influences`). Tables are validated uint8 numpy (B, 2**n); p is in (0, 1)."""
from __future__ import annotations

import math

import numpy as np


def plan_bytes(name, n, rows):
    """Peak bytes: the uint8 table, the float64 coefficients (transformed in place) and one
    half-size float64 stage buffer; the influences hold less (float64 weights μ_p(x) of one row
    and a bool pivot mask)."""
    e = rows * 2.0**n
    return e + 8 * e + 4 * e


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
    pop = np.zeros(N, dtype=np.int64)
    for i in range(n):
        pop.reshape(-1, 2, 1 << i)[:, 1, :] += 1
    mu = p ** pop * (1.0 - p) ** (n - pop)
    out = np.empty((B, n))
    for i in range(n):
        v = table.reshape(B, N >> (i + 1), 2, 1 << i)
        piv = v[:, :, 0, :] != v[:, :, 1, :]  # pairs {x, x ⊕ e_i}: both members pivotal
        m = mu.reshape(N >> (i + 1), 2, 1 << i)
        out[:, i] = (piv * (m[:, 0, :] + m[:, 1, :])).sum(axis=(1, 2))
    out *= 4.0 * p * (1.0 - p)
    return out
