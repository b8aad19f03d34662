"""The weight-level route (capacity.insensitive.levels) against the class route and closed forms.

Independent references: the folded channel of symmetry.py (class-orbits x type-orbits, built from
the classes of all 2**(2**n) functions), exact spectra and cell counts of every function, Burnside's
NPN counts, and the closed form C(n, n, m) = 2**n (1 - (1 - 2**-n)**m).
"""
import math
import warnings

import numpy as np
import pytest

from boolean import fourier_coefficients
from capacity import blahut_arimoto
from capacity.insensitive import count_classes, folded_channel, insensitive_capacity
from capacity.insensitive.classes import all_truth_tables, cell_probabilities
from capacity.insensitive.levels import _scan, level_channel, level_plan
from tests.capacity.insensitive.test_npn import brute_npn_reps
from capacity.insensitive.npn import npn_class_count, npn_representatives

LOG2E = 1 / math.log(2)
SMALL = [(n, s) for n in (3, 4) for s in range(1, n + 1)]


def solve(lc, tol=1e-10):
    keep = lc.V.max(axis=0) > 0
    return blahut_arimoto(np.ascontiguousarray(lc.V[:, keep]), bonus=lc.bonus * LOG2E, tol=tol)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_npn_representatives_are_the_orbit_minima(n):
    np.testing.assert_array_equal(npn_representatives(n), brute_npn_reps(n))


def test_npn_representatives_count_is_burnside():
    assert [npn_representatives(n).size for n in range(1, 5)] == [npn_class_count(n) for n in range(1, 5)]


def brute_levels(n, s):
    """(levels, smallest sum_c h(q_c)) over ALL functions, from exact spectra and cell probabilities."""
    tables = all_truth_tables(n)
    G = np.rint(fourier_coefficients(tables, exact=True)).astype(np.int64)
    pop = np.array([bin(T).count("1") for T in range(1 << n)])
    top = s if s < n else n - 1
    v = np.stack([(G[:, pop == k] ** 2).sum(axis=1) for k in range(top + 1)], axis=1)
    q, _ = cell_probabilities(tables, s)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(np.where(q > 0, q * np.log(q), 0) + np.where(q < 1, (1 - q) * np.log(1 - q), 0))
    ent = h.sum(axis=1)
    best = {}
    for key, e in zip(map(tuple, v.tolist()), ent.tolist()):
        best[key] = min(best.get(key, np.inf), e)
    return best


@pytest.mark.parametrize("n,s", SMALL)
def test_covering_set_reaches_every_level_with_its_smallest_entropy(n, s):
    levels, entropy, functions, scanned = _scan(n, s)
    assert scanned == npn_class_count(n - 1) << (1 << (n - 1))
    top = s if s < n else n - 1
    got = {tuple(v[:top + 1]): e for v, e in zip(levels.tolist(), entropy.tolist())}
    ref = brute_levels(n, s)
    assert got.keys() == ref.keys()
    # same histogram of ones per cell -> same sum up to the order of 2**n float additions
    assert max(abs(got[k] - ref[k]) for k in ref) < 1e-12
    # the reported function attains its row: exact integer spectrum
    N = 1 << n
    tables = ((functions[:, None] >> np.arange(N)[None, :]) & 1).astype(np.uint8)
    G = np.rint(fourier_coefficients(tables, exact=True)).astype(np.int64)
    pop = np.array([bin(T).count("1") for T in range(N)])
    for k in range(s + 1):
        np.testing.assert_array_equal((G[:, pop == k] ** 2).sum(axis=1), levels[:, k])


@pytest.mark.parametrize("n,s", SMALL)
@pytest.mark.parametrize("m", [1, 2, 3])
def test_rows_are_the_class_orbit_rows(n, s, m):
    """Every class-orbit's row V_O (type route) equals V of its levels; its bonus is at most the
    row's, with equality for the best orbit of each level (the dominance of the reduction)."""
    lc = level_channel(n, s, m)
    fc = folded_channel(n, s, m, method="types")
    from capacity.insensitive.model import channel_classes
    cls = channel_classes(n, s, "random", None, 0.5)
    reps = cls.representatives[fc.orbit_representatives]
    G = np.rint(fourier_coefficients(reps, exact=True)).astype(np.int64)
    pop = np.array([bin(T).count("1") for T in range(1 << n)])
    v = np.stack([(G[:, pop == k] ** 2).sum(axis=1) for k in range(s + 1)], axis=1)
    row = {tuple(x): i for i, x in enumerate(lc.levels.tolist())}
    idx = np.array([row[tuple(x)] for x in v.tolist()])
    assert set(idx.tolist()) == set(range(lc.shape[0]))
    # the type-orbits of both routes are numbered by first type in the same type list
    np.testing.assert_array_equal(lc.type_orbit_sizes, fc.type_orbit_sizes)
    # V: sums of at most C(2K+m-1, m) float64 products of size <= 1: 1e-14 covers the rounding
    assert np.abs(lc.V[idx] - fc.V).max() < 1e-14
    assert (fc.bonus <= lc.bonus[idx] + 1e-12).all()
    best = np.full(lc.shape[0], -np.inf)
    np.maximum.at(best, idx, fc.bonus)
    assert np.abs(best - lc.bonus).max() < 1e-12


@pytest.mark.parametrize("n,s", SMALL)
def test_capacity_equals_the_class_route(n, s):
    for m in (1, 2, 3):
        r = solve(level_channel(n, s, m))
        ref = insensitive_capacity(n, s, m, tol=1e-10)
        assert r.lower <= ref.upper + 1e-12 and ref.lower <= r.upper + 1e-12   # certified intervals overlap


def test_coefficients_make_stochastic_rows():
    lc = level_channel(4, 2, 3)
    assert (lc.V >= 0).all()
    assert np.abs(lc.V.sum(axis=1) - 1).max() < 1e-13


def test_plan_is_refused_before_the_scan():
    with pytest.raises(ValueError, match=r"level_channel\(n=5, s=4, m=3\).*> max_bytes=1.0 MiB"):
        level_channel(5, 4, 3, max_bytes=2 ** 20)
    assert level_plan(5, 4, 3) > 48 * 222 * 65536 - 1


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(n=6, s=2, m=1), ValueError, r"`n` must be an integer in \[2, 5\]"),
    (dict(n=4, s=0, m=1), ValueError, r"`s` must be an integer in \[1, 4\]"),
    (dict(n=4, s=2, m=4), ValueError, r"`m` must be an integer in \[1, 3\]"),
    (dict(n=4.5, s=2, m=1), TypeError, r"`n` must be an integer"),
])
def test_bad_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        level_channel(**kwargs)


@pytest.mark.parametrize("n,s,m", [(2, 1, 3), (3, 1, 2), (3, 2, 3), (3, 3, 2), (4, 1, 3), (4, 2, 2), (4, 3, 3),
                                   (4, 4, 3)])
def test_outward_bounds_hold_for_the_exact_level_problem(n, s, m):
    # the float V and bonus carry the builder's rounding; with level_rounding's bounds on it the
    # outward certificate holds for the exact problem, rebuilt from integers in ball arithmetic
    # by the atlas; without them the lower bound of (4, 1, 3) lands 2e-16 above the exact one
    pytest.importorskip("flint")
    from capacity._rounding import outward_certificate
    from capacity.atlas._verify import _arb_level_bounds
    from capacity.insensitive.levels import level_rounding

    lc = level_channel(n, s, m)
    keep = lc.V.max(axis=0) > 0
    V = np.ascontiguousarray(lc.V[:, keep])
    p = blahut_arimoto(V, bonus=lc.bonus / math.log(2), tol=1e-13).p
    entry_rel, bonus_err = level_rounding(lc, n, s, m)
    lo, up = outward_certificate(V[None], p[None], lc.bonus[None], bonus_err[None], entry_rel=entry_rel,
                                 unit="bits")
    proved_lo, proved_up, why = _arb_level_bounds(p, n, s, m, lc)  # rounded outward: lo <= F <= ...
    assert proved_lo is not None, why
    assert lo[0] <= proved_lo and proved_up <= up[0] and up[0] - lo[0] <= 1e-12


@pytest.mark.slow
def test_n5_s_equals_n_is_the_closed_form():
    """s = n = 5: C = 32 (1 - (31/32)**m) (every function its own class; see test_capacity), inside
    the certified bracket exactly (the closed form as a rational)."""
    from fractions import Fraction

    for m in (1, 2, 3):
        r = insensitive_capacity(5, 5, m)
        closed = 32 * (1 - Fraction(31, 32) ** m)
        assert Fraction(r.lower) <= closed <= Fraction(r.upper) and r.gap <= 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("s", [2, 3, 4])
def test_n5_one_bit_monotone_and_below_the_limits(s):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rs = [insensitive_capacity(5, s, m) for m in (1, 2, 3)]
    assert abs(rs[0].lower - 1) <= 1e-9 and rs[0].lower <= 1 + 1e-12 <= rs[0].upper + 2e-12
    for a, b in zip(rs, rs[1:]):
        assert b.upper >= a.lower - 1e-12                 # nondecreasing in m (certified)
    for m, r in zip((1, 2, 3), rs):
        assert r.gap <= 1e-9
        assert r.lower <= min(m, math.log2(count_classes(5, s))) + 1e-12
