"""Regression tests of the shared guards of issue 17: one seed check, one flag check, one size
check of array inputs from their shape (before any copy), and retained_information_profile's
``samples`` (never ignored silently, planned in memory and in work before starting)."""
import itertools
import math
import pathlib
import warnings

import numpy as np
import pytest

import boolean
from boolean import dictator, random_function, retained_information_profile
from boolean._lib.validate import SEED_MAX, check_flag, check_path, check_seed
from capacity.mi import ksg_mutual_information, plugin_mi
from tests.refusal import refused_before_allocating as _refused


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



def test_check_path():
    p = pathlib.Path("a.sqlite")
    assert check_path("a.csv", "p") == "a.csv" and check_path(p, "p") is p
    for bad in (3, None, ["a"], b"a"):
        with pytest.raises(TypeError, match=r"`p` must be a file path \(str or os.PathLike\); got"):
            check_path(bad, "p")

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


# ------------------------------------------------------------------ one guard on an input's size, from its shape

#: Peak traced bytes while refusing a huge broadcast view: the view is free, and a check that
#: expands it needs GiBs (1 MiB is above numpy's small temporaries, far below any expansion).
REFUSAL_PEAK_BYTES = 2**20


def refused_before_allocating(call, match):
    """``call()`` must raise ValueError or TypeError matching ``match``, with a small traced peak."""
    _refused(call, match, peak=REFUSAL_PEAK_BYTES)


def huge(value, shape=(2**40,)):
    return np.broadcast_to(value, shape)


def test_check_input_size_counts_the_shape_not_the_data():
    from boolean._lib.validate import as_array, check_input_size, check_stochastic

    # 2**40 entries of float64 = 8 TiB, over the default 8 GiB: refused without touching the view
    refused_before_allocating(lambda: as_array(huge(0.5), "p"), r"`p` of shape \(1099511627776,\) needs 8192\.0 GiB "
                              r"> max_bytes=8\.0 GiB")
    refused_before_allocating(lambda: check_stochastic(huge(0.5, (2**20, 2**20)), "W"), "`W` of shape")
    # the routine's own max_bytes is the bound: 1000 float64 entries need 8000 bytes
    a = np.full(1000, 1e-3)
    with pytest.raises(ValueError, match="`p` of shape .* needs 7.8 KiB > max_bytes=7.8 KiB"):
        check_input_size(a, "p", max_bytes=7999)
    check_input_size(a, "p", max_bytes=8000)  # exactly the plan: accepted
    check_stochastic(a, "p", ndims=(1,), max_bytes=8000)
    check_input_size([[1, 2], [3]], "W")  # ragged sequences pass here: as_array names them
    with pytest.raises(TypeError, match="`W` must be array-like"):
        as_array([[1, 2], [3]], "W")


def test_solvers_refuse_huge_views_of_their_other_inputs():
    import capacity
    from capacity import (blahut_arimoto, certify_input, mutual_information, rate_distortion,
                          rate_distortion_curve)

    W3 = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
    d = 1 - np.eye(2)
    cases = [
        (lambda: blahut_arimoto(W3, p0=huge(1 / 3)), "`p0` of shape"),
        (lambda: blahut_arimoto(W3, bonus=huge(0.0)), "`bonus` of shape"),
        (lambda: blahut_arimoto(W3, bonus=huge(0.0, (2**20, 2**20)), max_bytes=2**40), "`bonus` of shape"),
        (lambda: capacity.merge_duplicate_inputs(huge(0.5, (2**20, 2**20))), "`W` of shape"),
        (lambda: capacity.insensitive.merge_duplicate_inputs(huge(0.5, (2**20, 2**20))), "`W` of shape"),
        (lambda: certify_input(W3, huge(1 / 3)), "`p` of shape"),
        (lambda: mutual_information(huge(1 / 3), W3), "mutual_information needs"),
        (lambda: rate_distortion(huge(0.5), d, 0.1), "`p` of shape"),
        (lambda: rate_distortion_curve(huge(0.5), d, [0.1, 0.2]), "`p` of shape"),
    ]
    for call, match in cases:
        refused_before_allocating(call, match)
    # a small p0 under a small max_bytes is still planned: refused by the caller's bound, not 8 GiB
    with pytest.raises(ValueError, match="max_bytes"):
        blahut_arimoto(np.eye(2), p0=np.full(10**4, 1e-4), max_bytes=10**4)


def test_boolean_and_experiments_refuse_huge_views():
    from boolean import majority, retained_information, threshold
    from capacity.experiments.abstractions import (abstraction_tradeoff, canonical, circuit_computation,
                                                   counter_computation, join, refines, ripple_adder_gates)
    from capacity.insensitive import cell_probabilities, function_family_information

    comp = counter_computation(3)
    gates, outputs = ripple_adder_gates(1)
    labels = np.array([0, 0, 1, 1])
    cases = [
        # more indices than variables must repeat one: refused from len(), before list() expands it
        (lambda: retained_information(majority(3), huge(1)), "`unknown` must list distinct indices of the 3"),
        (lambda: threshold(huge(1.0), 2), r"`weights` (must have length n <= 30|of shape)"),
        (lambda: canonical(huge(3)), "`labels` of shape"),
        (lambda: join(huge(0), labels), "`a` of shape"),
        (lambda: refines(huge(0), labels), "`a` of shape"),
        (lambda: abstraction_tradeoff(comp, np.arange(8) >> 2, p=huge(0.125)), "`p` of shape"),
        (lambda: circuit_computation(2, huge(0), outputs), r"`gates` must have at most 22 items"),
        (lambda: circuit_computation(2, gates, huge(0)), r"`outputs` must have at most 62 items"),
        # these scanned 2**40 table entries (min/max) before any plan: minutes, in C
        (lambda: function_family_information(huge(np.uint8(1), (2**20, 2**20)), n=20, s=1, m=1, samples=100),
         r"functions.* > max_bytes"),
        (lambda: cell_probabilities(huge(np.uint8(1), (2**20, 2**20)), 1), "functions"),
    ]
    for call, match in cases:
        refused_before_allocating(call, match)


def test_names_of_non_sequence_and_ragged_arguments():
    from capacity import blahut_arimoto
    from capacity.experiments.abstractions import circuit_computation, ripple_adder_gates

    gates, outputs = ripple_adder_gates(1)
    for bad in (3, object(), None):
        with pytest.raises(TypeError, match="`gates` must be a sequence"):
            circuit_computation(2, bad, outputs)
    for bad in (np.int64(2), None):
        with pytest.raises(TypeError, match="`outputs` must be a sequence"):
            circuit_computation(2, gates, bad)
    with pytest.raises(TypeError, match="`W` must be array-like; got list"):
        blahut_arimoto([[0.5, 0.5], [1.0]])


def test_curve_names_its_distortions():
    from capacity import rate_distortion, rate_distortion_curve

    p, d = np.array([0.5, 0.5]), np.array([[0.2, 1.0], [1.0, 0.2]])  # D_min = 0.2 (closed form: p @ min_z d)
    for bad in ([-1.1, 0.3], [0.3, 0.1]):
        with pytest.raises(ValueError, match=r"`distortions` must be >= D_min = 0\.2"):
            rate_distortion_curve(p, d, bad)
    with pytest.raises(ValueError, match=r"`D` must be >= D_min = 0\.2"):
        rate_distortion(p, d, 0.1)
    res = rate_distortion_curve(p, d, [0.2, 0.6])  # both ends answer: D_min itself, and R(0.6) = 0
    assert res.rate[-1] == pytest.approx(0.0, abs=1e-9)  # 0.6 = d_max (p @ d).min(): rate 0 within tol


# ------------------------------------------------------------------ retained_information_profile: a work plan

def test_profile_refuses_work_over_max_work_before_starting():
    from boolean.information import PROFILE_MAX_WORK, profile_work

    # the plan against a count from the definition: level k reads 2**n entries per set, with
    # min(samples, C(n, k)) sets (every subset counted by enumeration)
    n, samples = 6, 8
    sets = sum(min(samples, sum(1 for _ in itertools.combinations(range(n), k))) for k in range(n + 1))
    assert profile_work(n, 3, samples) == 3 * 2**n * sets
    # n = 24 with 10**6 sets per level would read 1.6e14 entries (days): refused at once, by name
    f = random_function(24, seed=0)
    with pytest.raises(ValueError, match=r"reads 1\.6e\+14 table entries > max_work=1\.37e\+11; lower `samples`"):
        retained_information_profile(f, samples=10**6, seed=0)
    assert PROFILE_MAX_WORK >= profile_work(24, 1, 32)  # the default sample count still runs at n = 24
    # the bound is inclusive: exactly the plan runs (and agrees with max_work=inf), one entry less is refused
    g = random_function(17, seed=1)  # 3**17 > 3**16: Monte Carlo even with samples=None
    need = profile_work(17, 1, 4)
    a = retained_information_profile(g, samples=4, seed=3, max_work=need)
    b = retained_information_profile(g, samples=4, seed=3, max_work=float("inf"))
    assert not a.exact and np.array_equal(a.mean, b.mean)  # same seed, same sets: identical
    with pytest.raises(ValueError, match="max_work"):
        retained_information_profile(g, samples=4, seed=3, max_work=need - 1)
    for bad, err in (("many", TypeError), (True, TypeError), (math.nan, ValueError), (0, ValueError), (-1, ValueError)):
        with pytest.raises(err, match="`max_work` must be"):
            retained_information_profile(dictator(3), max_work=bad)


def test_reals_beyond_the_float_range_are_refused_by_name():
    """An int too large for a float (10**400) is a value out of range, not an OverflowError."""
    from capacity.mi import noisy_channel_mi
    from boolean._lib.validate import check_real

    with pytest.raises(ValueError, match=r"`sigma` must be a finite number .* got an integer of 401 digits"):
        noisy_channel_mi(np.zeros((2, 1)), 10**400)
    with pytest.raises(ValueError, match=r"`x` must be a number in \[0.0, 1.0\]; got an integer of 401 digits"):
        check_real(-(10**400), "x", low=0.0, high=1.0, finite=False)
    assert check_real(10**400, "x", finite=False) == math.inf
    assert check_real(-(10**400), "x", finite=False) == -math.inf
