"""Certificates under hostile channels: lower <= C <= upper on 10 000 random small channels.

The channels have zero entries, duplicate rows and entries down to 1e-300. The truth is bracketed
independently, by code written here from the definitions (plain numpy, no library routine):

* any input law q gives C >= I(q; W) and C <= max_x D(W_x || qW) (the Blahut-Arimoto
  certificate), so a long run of the plain iteration p <- p exp(D) / Z brackets C from both
  sides whatever its convergence; and
* for two inputs, C = max_q I(q) of a concave function of one variable, found by golden-section
  search to machine precision.

A certificate is wrong when ``lower`` exceeds the reference's upper bound or ``upper`` falls
below the reference's lower bound (beyond ``ATOL``).
"""
import math
import warnings

import numpy as np
import pytest

from capacity import ConvergenceWarning, blahut_arimoto

#: Slack on bits compared across two computations: each is a sum of at most 5 x 5 terms of size
#: <= log2(5) bits with relative rounding ~1e-16, so 1e-12 bit is far above their rounding and
#: far below any real violation (a wrong certificate errs by the gap it claims to close).
ATOL = 1e-12
N_CHANNELS = 10_000


def divergences(W, q):
    """D(W_x || qW) in bits, (B, nx), with 0 log 0 = 0 (W entries may be 1e-300)."""
    out = q[:, None, :] if q.ndim == 2 else q
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(W > 0, W * (np.log2(W) - np.log2(out)), 0.0)
    return terms.sum(axis=-1)


def reference_bracket(W, iters=5_000):
    """Plain Blahut-Arimoto on a batch (B, nx, ny): returns (lower, upper) bits, valid at every step
    (I(p; W) <= C for any p, and C <= max_x D(W_x || r) for any output law r)."""
    B, nx, _ = W.shape
    p = np.full((B, nx), 1.0 / nx)
    lo = np.full(B, -np.inf)
    up = np.full(B, np.inf)
    for _ in range(iters):
        # outputs floored at the smallest normal float (p W underflows when p and W are both ~1e-300):
        # a larger q only lowers I(p; W) (still a lower bound), and renormalising the floored law
        # moves the upper bound by < 1e-305 bit
        D = divergences(W, np.maximum(np.einsum("bx,bxy->by", p, W), np.finfo(float).tiny))
        lo = np.maximum(lo, np.sum(p * D, axis=1))
        up = np.minimum(up, D.max(axis=1))
        if np.all(up - lo < 1e-13):
            break
        p = np.maximum(p * np.exp2(D - D.max(axis=1, keepdims=True)), 1e-300)  # q > 0 wherever W has mass
        p /= p.sum(axis=1, keepdims=True)
    return lo, up


def two_input_capacity(W):
    """max over q in [0, 1] of I((q, 1 - q); W) by golden-section search (I is concave in q)."""
    def info(q):
        p = np.stack([q, 1 - q], axis=1)
        return np.sum(p * divergences(W, np.einsum("bx,bxy->by", p, W)), axis=1)

    a, b = np.zeros(W.shape[0]), np.ones(W.shape[0])
    g = (math.sqrt(5) - 1) / 2
    for _ in range(90):  # 0.618**90 < 1e-18: q to machine precision
        c, d = b - g * (b - a), a + g * (b - a)
        left = info(c) >= info(d)
        b = np.where(left, d, b)
        a = np.where(left, a, c)
    return info((a + b) / 2)


def hostile_channels(rng, B, nx, ny):
    """Random channels with zeros, duplicated rows and entries down to 1e-300, rows summing to 1."""
    W = rng.random((B, nx, ny))
    W[rng.random((B, nx, ny)) < 0.3] = 0.0
    tiny = rng.random((B, nx, ny)) < 0.15
    W[tiny] = 10.0 ** rng.uniform(-300, -100, tiny.sum())
    dup = rng.random(B) < 0.3  # duplicate row 0 into the last row
    W[dup, -1] = W[dup, 0]
    W[W.sum(axis=2) == 0, 0] = 1.0  # no empty row
    return W / W.sum(axis=2, keepdims=True)


SHAPES = [(2, 2), (2, 3), (2, 5), (3, 2), (3, 3), (4, 3), (3, 5), (5, 4)]


@pytest.mark.slow
def test_certificates_bracket_the_capacity_of_10000_hostile_channels():
    rng = np.random.default_rng(20261207)
    per_shape = N_CHANNELS // len(SHAPES)
    total = 0
    for nx, ny in SHAPES:
        W = hostile_channels(rng, per_shape, nx, ny)
        with warnings.catch_warnings():  # non-convergence is not an error: its bounds must hold all the same
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = blahut_arimoto(W)  # batched: one certificate per channel
        # every channel certified, as the single-channel solver certifies each (a stalled one is a fault
        # even when its bounds hold: see test_lock_step_certifies_a_channel_whose_output_law_underflows)
        assert np.all(res.converged), (nx, ny, np.flatnonzero(~res.converged))
        lo_ref, up_ref = reference_bracket(W)
        assert np.all(lo_ref <= up_ref + ATOL)  # the reference brackets C itself
        assert np.all(res.lower <= res.upper + ATOL)
        assert np.all(res.lower <= up_ref + ATOL), (nx, ny, np.max(res.lower - up_ref))
        assert np.all(res.upper >= lo_ref - ATOL), (nx, ny, np.max(lo_ref - res.upper))
        if nx == 2:
            exact = two_input_capacity(W)
            assert np.all(exact <= up_ref + ATOL) and np.all(exact >= lo_ref - ATOL)
            assert np.all(res.lower <= exact + ATOL) and np.all(res.upper >= exact - ATOL)
        # the unbatched path on a sample of the same channels
        for i in rng.choice(per_shape, 25, replace=False):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                one = blahut_arimoto(W[i])
            assert one.converged and lo_ref[i] - ATOL <= one.upper and one.lower <= up_ref[i] + ATOL
        total += per_shape
    assert total >= N_CHANNELS


def stalled_channel():
    """Channel 74 of the (5, 4) batch of the slow test above (same seed, same draws): its row 2
    puts 4.4e-290 on output 0, which only that row reaches. As that row's mass fell below 1e-34,
    (pW)_0 underflowed to 0, and the lock-step score read ln 0 as -1e300 for that row too: a D of
    4.4e10 nats, and the next forced mirror step moved all the mass onto the row, zeroing the
    optimal ones for good (a 0.156-bit gap after 100 000 iterations; the numba kernel, which
    drops such an output for rows with p_x > 0, certified it in 228)."""
    rng = np.random.default_rng(20261207)
    per_shape = N_CHANNELS // len(SHAPES)
    for nx, ny in SHAPES:
        W = hostile_channels(rng, per_shape, nx, ny)
        if (nx, ny) == (5, 4):
            return W[74]
        rng.choice(per_shape, 25, replace=False)


@pytest.mark.parametrize("batch,backend", [(1, "numpy"), (1, "numba"), (1, "torch"), (3, "numpy"), (3, "torch")])
def test_lock_step_certifies_a_channel_whose_output_law_underflows(batch, backend):
    w = stalled_channel()
    assert 0 < w[2, 0] < 1e-280 and not w[[0, 1, 3, 4], 0].any()  # the case described above
    W = w if batch == 1 else np.stack([w] * batch)
    tol = 1e-9
    res = blahut_arimoto(W, tol=tol, backend=backend)  # no ConvergenceWarning: filterwarnings = error
    lo_ref, up_ref = reference_bracket(W[None] if batch == 1 else W)
    lower, upper = np.atleast_1d(res.lower), np.atleast_1d(res.upper)
    assert np.all(upper - lower <= tol)
    assert np.all(lower <= up_ref + ATOL) and np.all(upper >= lo_ref - ATOL)
