"""E_f I(f(X); X_{-K}) for random f, the asymptotic law, and majority, vs brute force."""
import math
from itertools import combinations

import numpy as np
import pytest

from capacity.insensitive import (majority_retained_information, random_function_retained_information,
                                  random_function_retained_information_asymptotic)


def _h(p):
    p = np.asarray(p, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    return np.where((p == 0) | (p == 1), 0.0, v)


def _info_unknown(tables, n, K):
    """Brute force I(f(X); X_{-K}) for each row of `tables` (B, 2**n), K a tuple of unknown coordinates."""
    xs = np.arange(1 << n)
    visible_mask = sum(1 << i for i in range(n) if i not in K)
    key = xs & visible_mask
    cells = np.unique(key)
    H = _h(tables.mean(axis=1))
    cond = np.zeros(tables.shape[0])
    for c in cells:
        cond += _h(tables[:, key == c].mean(axis=1)) / cells.size
    return H - cond


def _all_tables(n):
    N = 1 << n
    F = np.arange(1 << N)
    return ((F[:, None] >> np.arange(N)) & 1).astype(float)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_random_function_vs_brute_force_all_functions(n):
    tables = _all_tables(n)
    for k in range(n + 1):
        vals = [_info_unknown(tables, n, K).mean() for K in combinations(range(n), k)]
        # exact enumeration vs binomial sums: float rounding only
        assert abs(np.mean(vals) - random_function_retained_information(n, k)) <= 1e-12
        # and every K gives the same average
        assert np.ptp(vals) <= 1e-12


def test_random_function_monte_carlo_n5(rng):
    n, B = 5, 4000
    tables = rng.integers(0, 2, size=(B, 1 << n)).astype(float)
    exact = random_function_retained_information(n, np.arange(n + 1))
    for k in range(n + 1):
        K = tuple(rng.choice(n, size=k, replace=False).tolist())
        v = _info_unknown(tables, n, K)
        se = v.std(ddof=1) / math.sqrt(B)
        # Monte Carlo over random functions: within 4 standard errors (+ float slack at k = n)
        assert abs(v.mean() - exact[k]) <= 4 * se + 1e-12


def test_array_and_scalar_k_agree():
    arr = random_function_retained_information(6, [0, 3, 6])
    assert arr.shape == (3,)
    assert arr.tolist() == [random_function_retained_information(6, k) for k in (0, 3, 6)]
    assert arr[-1] == 0.0


def test_asymptotic_law():
    n = 20
    ks = np.arange(4, n)
    exact = random_function_retained_information(n, ks)
    law = random_function_retained_information_asymptotic(n, ks)
    rel = np.abs(exact / law - 1)
    # relative error O(2**-k): below 2**-(k-1) for every k >= 4, and decreasing
    assert np.all(rel <= 2.0 ** -(ks - 1.0))
    assert np.all(np.diff(rel) < 0)
    assert random_function_retained_information_asymptotic(n, n) == 0.0


def test_monotone_in_k_and_bounded():
    for n in (4, 10, 16):
        v = random_function_retained_information(n, np.arange(n + 1))
        assert np.all(np.diff(v) < 0) and v[0] < 1.0 and v[-1] == 0.0


@pytest.mark.parametrize("n", [1, 3, 5, 7])
def test_majority_vs_brute_force(n):
    xs = np.arange(1 << n)
    w = sum((xs >> i) & 1 for i in range(n))
    maj = (2 * w > n).astype(float)[None, :]
    for k in range(n + 1):
        want = _info_unknown(maj, n, tuple(range(k)))[0]
        assert abs(majority_retained_information(n, k) - want) <= 1e-12


def test_majority_and_random_vs_boolean_profile():
    # helper A's exact profile (independent code) for majority and for all 256 functions of 3 bits
    import boolean

    for n in (5, 9):
        prof = boolean.retained_information_profile(boolean.majority(n), backend="numpy").mean
        np.testing.assert_allclose(majority_retained_information(n, np.arange(n + 1)), prof, rtol=0, atol=1e-12)
    tables = ((np.arange(256)[:, None] >> np.arange(8)) & 1).astype(np.uint8)
    avg = boolean.retained_information_profile(tables, backend="numpy").mean.mean(axis=0)
    np.testing.assert_allclose(random_function_retained_information(3, np.arange(4)), avg, rtol=0, atol=1e-12)


def test_majority_keeps_more_than_random():
    n = 15
    ks = np.arange(1, n)
    assert np.all(majority_retained_information(n, ks) > random_function_retained_information(n, ks))


BAD = [
    (lambda: random_function_retained_information(0, 0), ValueError, r"`n` must be an integer in \[1, 26\]"),
    (lambda: random_function_retained_information(27, 0), ValueError, r"`n` must be an integer in \[1, 26\]"),
    (lambda: random_function_retained_information(3, 4), ValueError, r"`k` must be an integer in \[0, 3\]"),
    (lambda: random_function_retained_information(3, [0, 5]), ValueError, r"`k` must hold integers in \[0, 3\]"),
    (lambda: random_function_retained_information(3, 1.5), TypeError, r"`k` must be an integer"),
    (lambda: random_function_retained_information(3, [0.5]), TypeError, r"`k` must be an integer or a 1-D"),
    (lambda: random_function_retained_information(3.0, 1), TypeError, r"`n` must be an integer"),
    (lambda: random_function_retained_information(20, 1, max_bytes=1000), ValueError, r"max_bytes"),
    (lambda: random_function_retained_information_asymptotic(3, -1), ValueError, r"`k` must be"),
    (lambda: random_function_retained_information_asymptotic(0, 0), ValueError,
     r"`n` must be an integer in \[1, 1000\]"),
    (lambda: random_function_retained_information_asymptotic(2.5, 1), TypeError, r"`n` must be an integer"),
    (lambda: majority_retained_information(3, [0.5]), TypeError, r"`k` must be an integer or a 1-D"),
    (lambda: majority_retained_information(10003, 1), ValueError, r"`n` must be an integer in \[1, 10001\]"),
    (lambda: majority_retained_information(4, 1), ValueError, r"`n` must be odd"),
    (lambda: majority_retained_information(5, 6), ValueError, r"`k` must be an integer in \[0, 5\]"),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("n", [12, 18])
def test_peak_memory_within_the_plan(n):
    # the reproducer: n = 26 planned 1.3 GiB and used 2.5 GiB (binom.pmf temporaries);
    # the sums are now blocked, and tracemalloc (which sees numpy's buffers) measures the peak
    import tracemalloc

    from capacity.insensitive.sensitivity import DEFICIT_BLOCK, deficit_plan_bytes

    random_function_retained_information(3, 1)  # imports and first calls outside the measurement
    tracemalloc.start()
    try:
        random_function_retained_information(n, np.arange(n + 1))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= deficit_plan_bytes(n)
    assert deficit_plan_bytes(26) == deficit_plan_bytes(17) == 8 * 11 * DEFICIT_BLOCK  # bounded in n


def test_blocked_sum_equals_one_shot_sum():
    # n = 18: 2**17 + 1 weights, three blocks; the one-shot sum is the definition of D(n) written out
    from scipy.stats import binom

    from capacity.insensitive.sensitivity import DEFICIT_BLOCK, _deficit

    n = 18
    M = 1 << n
    assert M // 2 + 1 > 2 * DEFICIT_BLOCK
    w = np.arange(M + 1)
    p = w / M
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    h[[0, -1]] = 0.0
    one_shot = float(np.sum(binom.pmf(w, M, 0.5) * (1.0 - h)))
    # the naive 1 - h has absolute error ~ 4 eps per term and the pmf sums to 1, so the two sums
    # differ by ~1e-15; 1e-12 is D(18) ~ 5.5e-6 to 2e-7 relative, far tighter than any blocking bug
    assert abs(_deficit(n) - one_shot) <= 1e-12


def test_large_n_fits_a_small_budget():
    # the call (n = 26 at 1.4 GiB) is now planned at 5.5 MiB; n = 20 keeps the test fast
    assert random_function_retained_information(20, 19, max_bytes=8 * 2**20) > 0
