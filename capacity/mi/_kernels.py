"""numba kernels of the MI estimators (float64, exact direct differences, no fastmath).

Each kernel is one ``parallel=True`` driver around a per-row function; :func:`launch` runs it on
one thread for small problems (thread start-up costs more than the work).
"""
from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange

from ._hashing import MULTIPLIER  # the same row hash as the numpy/torch counters

#: Exponents below this are skipped: e^-60 < 1e-26, so even 10^9 skipped terms change a log-sum
#: (which is >= 0, its largest term being 1) by less than 1e-17.
CUTOFF = -60.0
#: Largest finite float64 (an ``inv`` above it is inf: then the quotient is formed by division).
MAX_FINITE = 1.7976931348623157e308
#: Below this many pair evaluations the kernels run on one thread.
PARALLEL_MIN_WORK = 2_000_000


@njit(cache=True)
def _scaled_difference(a, b, half, hsig, inv):
    """(a - b) / sigma without overflow or 0/0, given ``half``, ``hsig = half * sigma`` and ``inv = 1 / hsig``.

    ``half`` is 0.5 for sigma >= 2**-1021 (so half * a - half * b cannot overflow and halving is
    exact) and 1 below (then an overflowing a - b means |a - b| / sigma overflows too). ``inv``
    is used when finite (one extra rounding); else the quotient is formed by division.
    """
    if half == 0.0:  # the points are already in units of sigma (see sigma_units)
        return a - b
    dlt = half * a - half * b  # finite; 0 for a == b, and 0 / hsig = 0 * inv = 0 as hsig > 0
    if inv <= MAX_FINITE:
        return dlt * inv
    return dlt / hsig


@njit(cache=True)
def _mixture_row(points, i, z, k, half, hsig, inv):
    """log sum_{j != i} exp(-(|(p_i - p_j) / sigma + z_k|^2 - |z_k|^2) / 2); -inf when n == 1.

    Distances are taken in units of sigma (:func:`_scaled_difference`), so no sigma**2 is ever
    formed: any sigma > 0 works, from 5e-324 to 1.8e308. The j = i exponent would be exactly 0;
    it is left out so that the leave-one-out term keeps its own scale (it may lie far below e^-60)
    and the plug-in term is log(1 + e^{this}).
    """
    n, d = points.shape
    s0 = 0.0
    for c in range(d):
        s0 += z[k, c] * z[k, c]
    mx = -math.inf
    acc = 0.0
    for j in range(n):
        if j == i:
            continue
        s = 0.0
        for c in range(d):
            t = _scaled_difference(points[i, c], points[j, c], half, hsig, inv) + z[k, c]
            s += t * t
        a = -0.5 * (s - s0)  # s may be inf (a = -inf, skipped); s0 is finite
        if a > mx:
            acc = acc * math.exp(mx - a) + 1.0
            mx = a
        elif a - mx > CUTOFF:  # terms below e^-60 relative to the largest are skipped (< 1e-26 each)
            acc += math.exp(a - mx)
    if acc == 0.0:
        return -math.inf
    return mx + math.log(acc)


def launch(kernel, parallel, *args):
    """``kernel(*args)``, a ``parallel=True`` numba kernel, on numba's threads, or on one thread
    when not ``parallel`` (the thread count is restored after). One compiled kernel serves both:
    numba's cache would not tell apart two compilations of one function with different options."""
    if parallel:
        return kernel(*args)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return kernel(*args)
    finally:
        numba.set_num_threads(threads)


@njit(cache=True, parallel=True)
def _mixture(points, idx, z, half, hsig, inv):
    out = np.empty(idx.shape[0])
    for k in prange(idx.shape[0]):
        out[k] = _mixture_row(points, idx[k], z, k, half, hsig, inv)
    return out


def sigma_units(sigma):
    """``(half, hsig, inv)`` for :func:`_scaled_difference` (see there)."""
    half = 0.5 if sigma >= 2.0**-1021 else 1.0
    hsig = half * sigma
    with np.errstate(divide="ignore", over="ignore"):
        inv = float(np.float64(1.0) / np.float64(hsig))
    return half, hsig, inv


def in_sigma_units(points, sigma):
    """``(points', sigma')`` for the kernels below: ``(points / sigma, UNIT)`` when no quotient or
    difference of quotients can overflow (max |p| / sigma <= 2**1021: one division per entry, and
    the kernels then form plain differences), else ``(points, sigma)`` (the kernels divide each
    difference, :func:`_scaled_difference`). A copy of the points in the first case."""
    pmax = max(float(points.max()), -float(points.min())) if points.size else 0.0  # no temporary
    with np.errstate(over="ignore"):
        ratio = pmax / sigma
    if ratio <= 2.0**1021:
        return points / sigma, UNIT
    return points, sigma


#: Marks points already divided by sigma (a sentinel, not a value of sigma > 0).
UNIT = -1.0


def _units_args(sigma):
    return (0.0, 1.0, 1.0) if sigma == UNIT else sigma_units(sigma)


def mixture_log_terms(points, idx, z, sigma):
    """``points``, ``sigma`` as returned by :func:`in_sigma_units`. For draw k with i = idx[k] and y = p_i + sigma z_k: log R_k, the log of the sum over j != i in :func:`_mixture_row`.

    The full mixture term (j = i included, whose ratio is exactly 1) is
    log(1 + R_k) = ``np.logaddexp(0, log_r)`` >= 0. Differences are formed coordinate by coordinate (no
    Gram-matrix trick); far-apart points give log R_k = -inf and a full term of exactly 0.
    """
    parallel = idx.shape[0] * points.shape[0] >= PARALLEL_MIN_WORK
    return launch(_mixture, parallel, points, idx, z, *_units_args(sigma))


@njit(cache=True)
def _kt_row(points, i, half, hsig, inv):
    n, d = points.shape
    sb = 0.0
    sk = 0.0
    for j in range(n):
        s = 0.0
        for c in range(d):
            t = _scaled_difference(points[i, c], points[j, c], half, hsig, inv)
            s += t * t
        eb = -0.125 * s  # -|p_i - p_j|^2 / (8 sigma^2); s may be inf
        if eb > CUTOFF:  # the KL exponent is 4x the Bhattacharyya one, so both are skipped
            sb += math.exp(eb)
            ek = -0.5 * s
            if ek > CUTOFF:
                sk += math.exp(ek)
    return math.log(sb), math.log(sk)


@njit(cache=True, parallel=True)
def _kt(points, half, hsig, inv):
    n = points.shape[0]
    lb = np.empty(n)
    lk = np.empty(n)
    for i in prange(n):
        lb[i], lk[i] = _kt_row(points, i, half, hsig, inv)
    return lb, lk


def kt_log_sums(points, sigma):
    """Per point i: (log sum_j exp(-|p_i - p_j|^2 / (8 sigma^2)), log sum_j exp(-|p_i - p_j|^2 / (2 sigma^2))).

    Bhattacharyya and KL divergences between N(p_i, s^2 I) and N(p_j, s^2 I); each sum is >= 1
    (its j = i term is exactly 1), for any sigma > 0 (distances in units of sigma, as above).
    """
    return launch(_kt, points.shape[0] ** 2 >= PARALLEL_MIN_WORK, points, *_units_args(sigma))


@njit(cache=True)
def _quantized_row_hash(y, i, delta):
    acc = np.uint64(0)
    for c in range(y.shape[1]):
        code = np.int64(math.floor(y[i, c] / delta))
        acc ^= np.uint64(code)  # two's-complement reinterpretation of the int64 code
        acc *= np.uint64(MULTIPLIER)
        acc ^= acc >> np.uint64(31)
    return acc


@njit(cache=True, parallel=True)
def _quantized_hash(y, delta):
    out = np.empty(y.shape[0], dtype=np.uint64)
    for i in prange(y.shape[0]):
        out[i] = _quantized_row_hash(y, i, delta)
    return out


def quantized_hash(y, delta):
    """64-bit hash of each row of floor(y / delta) (int64 codes), without materialising the codes."""
    return launch(_quantized_hash, y.size >= PARALLEL_MIN_WORK, y, delta)


@njit(cache=True)
def quantized_rows_equal(y, delta, a, b):
    """True when floor(y[a[k]] / delta) == floor(y[b[k]] / delta) for every pair k."""
    for k in range(a.shape[0]):
        for c in range(y.shape[1]):
            if math.floor(y[a[k], c] / delta) != math.floor(y[b[k], c] / delta):
                return False
    return True
