"""Upper bounds on C(n, s, m) against the exact capacity, and the lower bounds from families."""
import math

import numpy as np
import pytest
from scipy.stats import binom

from capacity import blahut_arimoto
from capacity.insensitive import (binomial_channel_upper, capacity_upper_bound, count_classes, family_capacity,
                                  insensitive_capacity)

CASES = [(n, s, m) for n in (1, 2, 3) for s in range(n + 1) for m in (1, 2, 3, 4)] \
    + [(4, s, m) for s in range(5) for m in (1, 2, 3)] + [(4, 1, 6), (4, 0, 6), (5, 0, 4)] \
    + [pytest.param(5, 1, m, marks=pytest.mark.slow) for m in (2, 3)]


@pytest.mark.parametrize("n,s,m", CASES)
def test_upper_bounds_hold_on_exact_capacity(n, s, m):
    e = insensitive_capacity(n, s, m)
    b = capacity_upper_bound(n, s, m)
    # each bound is >= the certified lower end of the exact value; 1e-12 absorbs the rounding of
    # e.lower itself (a float64 sum; C(3,3,1) = 1 is reported as 1 + 2e-16)
    assert min(b.samples, b.classes, b.cells) >= e.lower - 1e-12
    assert b.upper == min(b.samples, b.classes, b.cells)
    if b.classes_exact:
        assert b.classes == pytest.approx(math.log2(e.n_classes), abs=1e-12)


@pytest.mark.parametrize("n,m", [(3, 4), (4, 6), (2, 8)])
def test_cells_bound_is_exact_for_s0(n, m):
    # s = 0: one cell, the channel is q = w / 2**n -> Binomial(m, q): the bound is its capacity
    e = insensitive_capacity(n, 0, m)
    cells = capacity_upper_bound(n, 0, m).cells
    # the binomial channel is solved to a certified gap of BA_TOL = 1e-6 (its upper end is used),
    # the exact value to 1e-9: the bound lies in [C, C + 1e-6 + 1e-9]
    assert e.lower <= cells <= e.lower + 1e-6 + 2e-9


@pytest.mark.slow
def test_binomial_channel_continuous_bound_dominates_every_grid():
    # the bound for N > 256 covers every q in [0, 1]: it must exceed the exact channel on {i / 512}
    for j in (1, 3, 8):
        W = binom.pmf(np.arange(j + 1)[None, :], j, (np.arange(513) / 512)[:, None])
        W /= W.sum(axis=1, keepdims=True)
        exact = blahut_arimoto(W, tol=1e-10)
        ub = binomial_channel_upper(j, 2**30)
        assert ub >= exact.lower
        assert ub <= exact.upper + 0.02   # the 8192-interval bound is within 0.02 bit (measured 0.01 at j = 16)


@pytest.mark.parametrize("fam,n,s,m", [("symmetric", 8, 2, 3), ("symmetric", 5, 1, 4), ("thresholds", 10, 3, 3),
                                       pytest.param("thresholds", 64, 2, 3, marks=pytest.mark.slow),
                                       pytest.param("thresholds", 40, 20, 2, marks=pytest.mark.slow)])
def test_family_lower_bounds_below_upper_bounds(fam, n, s, m):
    if True:
        r = family_capacity(fam, n, s, m)
        b = capacity_upper_bound(n, s, m)
        assert r.lower <= b.upper


def test_class_bound_counts_spectra():
    # the spectrum bound is >= the exact count where count_classes knows it (n = 4, s = 1, 2)
    from capacity.insensitive.bounds import _log2_class_bound
    for s in (1, 2):
        L = sum(math.comb(4, d) for d in range(s + 1))
        bound = math.log2(17) + (L - 1) * math.log2(9)
        assert bound >= math.log2(count_classes(4, s))
    assert _log2_class_bound(6, 1, "random") == (math.log2(65) + 6 * math.log2(33), False)
    assert _log2_class_bound(6, 2, "random") == (64.0, False)   # capped by 2**(2**6) functions


def test_bad_input():
    with pytest.raises(ValueError, match="`n` must be"):
        capacity_upper_bound(0, 0, 1)
    with pytest.raises(ValueError, match="`s` must be"):
        capacity_upper_bound(3, 4, 1)
    with pytest.raises(ValueError, match="`m` must be"):
        capacity_upper_bound(3, 1, 0)
    with pytest.raises(ValueError, match="`visible` must be"):
        capacity_upper_bound(3, 1, 1, visible="hidden")
    with pytest.raises(TypeError, match="`j` must be an integer"):
        binomial_channel_upper(1.5, 4)
    with pytest.raises(ValueError, match="`N` must be"):
        binomial_channel_upper(2, 0)
