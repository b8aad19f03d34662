"""Regression tests of the shared guards of issue 17: one seed check, one flag check, and
retained_information_profile's ``samples`` (never ignored silently, planned before allocating)."""
import math
import warnings

import numpy as np
import pytest

import boolean
from boolean import dictator, random_function, retained_information_profile
from boolean._lib.validate import SEED_MAX, check_flag, check_seed
from capacity.mi import ksg_mutual_information, plugin_mi


def test_one_seed_check_for_both_packages():
    import capacity.mi._common as common

    assert not hasattr(common, "check_seed")  # the MI estimators use the shared one
    assert SEED_MAX == 2**63 - 1  # torch folds seeds modulo 2**63: larger ones would alias smaller ones
    for call in (lambda s: random_function(3, seed=s), lambda s: plugin_mi([0, 1, 1], [1, 0, 1], seed=s)):
        for bad in (-1, 2**63, 2**64):
            with pytest.raises(ValueError, match=r"`seed` must be an integer in \[0, 9223372036854775807\]"):
                call(bad)
        call(SEED_MAX)
    x = np.arange(20.0)
    with pytest.raises(TypeError, match="`seed` must be an integer or None"):
        ksg_mutual_information(x, x[::-1].copy(), seed=np.random.default_rng(0))
    # boolean's routines take Generators; the same seed gives the same table either way
    assert np.array_equal(random_function(4, seed=np.random.default_rng(5)), random_function(4, seed=5))


def test_check_seed_options():
    assert check_seed(None) is None and check_seed(np.uint64(7)) == 7
    with pytest.raises(TypeError, match="`s` must be an integer; got None"):
        check_seed(None, "s", optional=False, generator=False)
    for bad in (True, 1.0, "0"):
        with pytest.raises(TypeError, match="`seed` must be an integer"):
            check_seed(bad)


def test_check_flag():
    assert check_flag(np.bool_(True), "f") is True and check_flag(False, "f") is False
    for bad in ("yes", 1, 0, None, 1.0, np.array([True])):
        with pytest.raises(TypeError, match="`f` must be a bool"):
            check_flag(bad, "f")


def test_profile_warns_when_samples_cover_every_level():
    exact = retained_information_profile(dictator(3))
    with pytest.warns(UserWarning, match=r"`samples`=1099511627776 is at least C\(3, 1\) = 3, .* computed exactly"):
        p = retained_information_profile(dictator(3), samples=2**40)
    assert p.exact and p.samples is None
    np.testing.assert_allclose(p.mean, exact.mean, atol=1e-12)  # both exact: rounding of sums of 2**n terms
    # at samples = C(n, n // 2) - 1 the middle level is sampled: no warning, not exact
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = retained_information_profile(random_function(4, seed=0), samples=math.comb(4, 2) - 1, seed=0)
    assert not q.exact and q.samples == 5


def test_profile_plans_its_random_sets_before_allocating():
    f = random_function(24, seed=0)  # C(24, 12) sets of 24 indices: over 500 MiB
    with pytest.warns(UserWarning, match="every level is computed exactly"):
        with pytest.raises(ValueError, match="retained_information_profile's sets needs .* > max_bytes"):
            retained_information_profile(f, samples=2**40, max_bytes=2**28)
    with pytest.raises(ValueError, match="retained_information_profile's sets needs .* > max_bytes"):
        retained_information_profile(f, samples=10**6, max_bytes=2**27)  # 10**6 sets: 191 MiB
