"""numba kernels of the MI estimators (float64, exact direct differences, no fastmath).

Each kernel has a serial and a ``parallel=True`` driver around the same per-row function:
small problems run serially (thread start-up costs more than the work).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._hashing import _MULT as _HASH_MULT  # the same row hash as the numpy/torch counters

#: Exponents below this are skipped: e^-60 < 1e-26, so even 10^9 skipped terms change a log-sum
#: (which is >= 0, its largest term being 1) by less than 1e-17.
CUTOFF = -60.0
#: Below this many pair evaluations the serial drivers are used.
PARALLEL_MIN_WORK = 2_000_000


@njit(cache=True)
def _mixture_row(points, i, z, k, sigma):
    """log sum_{j != i} exp(-(|p_i - p_j + sigma z_k|^2 - |sigma z_k|^2) / (2 sigma^2)); -inf when n == 1.

    The j = i exponent would be exactly 0; it is left out so that the leave-one-out term keeps its
    own scale (it may lie far below e^-60) and the plug-in term is log(1 + e^{this}).
    """
    n, d = points.shape
    inv = 1.0 / (2.0 * sigma * sigma)
    s0 = 0.0
    for c in range(d):
        t = sigma * z[k, c]
        s0 += t * t
    mx = -math.inf
    acc = 0.0
    for j in range(n):
        if j == i:
            continue
        s = 0.0
        for c in range(d):
            t = (points[i, c] - points[j, c]) + sigma * z[k, c]
            s += t * t
        a = -(s - s0) * inv
        if a > mx:
            acc = acc * math.exp(mx - a) + 1.0
            mx = a
        elif a - mx > CUTOFF:  # terms below e^-60 relative to the largest are skipped (< 1e-26 each)
            acc += math.exp(a - mx)
    if acc == 0.0:
        return -math.inf
    return mx + math.log(acc)


@njit(cache=True, parallel=True)
def _mixture_parallel(points, idx, z, sigma):
    out = np.empty(idx.shape[0])
    for k in prange(idx.shape[0]):
        out[k] = _mixture_row(points, idx[k], z, k, sigma)
    return out


@njit(cache=True)
def _mixture_serial(points, idx, z, sigma):
    out = np.empty(idx.shape[0])
    for k in range(idx.shape[0]):
        out[k] = _mixture_row(points, idx[k], z, k, sigma)
    return out


def mixture_log_terms(points, idx, z, sigma):
    """For each draw k with i = idx[k] and y = p_i + sigma z_k: log of the sum over j != i in :func:`_mixture_row`.

    Call it log R_k. The full mixture term (j = i included, whose ratio is exactly 1) is
    log(1 + R_k) = ``np.logaddexp(0, log_r)`` >= 0. Differences are formed coordinate by coordinate (no
    Gram-matrix trick); far-apart points give log R_k = -inf and a full term of exactly 0.
    """
    work = idx.shape[0] * points.shape[0]
    return (_mixture_parallel if work >= PARALLEL_MIN_WORK else _mixture_serial)(points, idx, z, sigma)


@njit(cache=True)
def _kt_row(points, i, sigma):
    n, d = points.shape
    inv_b = 1.0 / (8.0 * sigma * sigma)
    inv_k = 1.0 / (2.0 * sigma * sigma)
    sb = 0.0
    sk = 0.0
    for j in range(n):
        s = 0.0
        for c in range(d):
            t = points[i, c] - points[j, c]
            s += t * t
        eb = -s * inv_b
        if eb > CUTOFF:  # the KL exponent is 4x the Bhattacharyya one, so both are skipped
            sb += math.exp(eb)
            ek = -s * inv_k
            if ek > CUTOFF:
                sk += math.exp(ek)
    return math.log(sb), math.log(sk)


@njit(cache=True, parallel=True)
def _kt_parallel(points, sigma):
    n = points.shape[0]
    lb = np.empty(n)
    lk = np.empty(n)
    for i in prange(n):
        lb[i], lk[i] = _kt_row(points, i, sigma)
    return lb, lk


@njit(cache=True)
def _kt_serial(points, sigma):
    n = points.shape[0]
    lb = np.empty(n)
    lk = np.empty(n)
    for i in range(n):
        lb[i], lk[i] = _kt_row(points, i, sigma)
    return lb, lk


def kt_log_sums(points, sigma):
    """Per point i: (log sum_j exp(-|p_i - p_j|^2 / (8 sigma^2)), log sum_j exp(-|p_i - p_j|^2 / (2 sigma^2))).

    Bhattacharyya and KL divergences between N(p_i, s^2 I) and N(p_j, s^2 I); each sum is >= 1.
    """
    work = points.shape[0] ** 2
    return (_kt_parallel if work >= PARALLEL_MIN_WORK else _kt_serial)(points, sigma)


@njit(cache=True)
def _quantized_row_hash(y, i, delta):
    acc = np.uint64(0)
    for c in range(y.shape[1]):
        code = np.int64(math.floor(y[i, c] / delta))
        acc ^= np.uint64(code)  # two's-complement reinterpretation of the int64 code
        acc *= _HASH_MULT
        acc ^= acc >> np.uint64(31)
    return acc


@njit(cache=True, parallel=True)
def _quantized_hash_parallel(y, delta):
    out = np.empty(y.shape[0], dtype=np.uint64)
    for i in prange(y.shape[0]):
        out[i] = _quantized_row_hash(y, i, delta)
    return out


@njit(cache=True)
def _quantized_hash_serial(y, delta):
    out = np.empty(y.shape[0], dtype=np.uint64)
    for i in range(y.shape[0]):
        out[i] = _quantized_row_hash(y, i, delta)
    return out


def quantized_hash(y, delta):
    """64-bit hash of each row of floor(y / delta) (int64 codes), without materialising the codes."""
    return (_quantized_hash_parallel if y.size >= PARALLEL_MIN_WORK else _quantized_hash_serial)(y, delta)


@njit(cache=True)
def quantized_rows_equal(y, delta, a, b):
    """True when floor(y[a[k]] / delta) == floor(y[b[k]] / delta) for every pair k."""
    for k in range(a.shape[0]):
        for c in range(y.shape[1]):
            if math.floor(y[a[k], c] / delta) != math.floor(y[b[k], c] / delta):
                return False
    return True
