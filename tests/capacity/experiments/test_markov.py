"""Tests of capacity.experiments.markov: Gibbs transition matrices and I(X^0; X^t) of general chains."""
import numpy as np
import pytest
import scipy.sparse as sp

from capacity.experiments.markov import gibbs_transition_matrix, mi_over_time
from capacity.experiments.naive_bayes import naive_bayes_distribution
from tests.refusal import refused_before_allocating

from .reference import h2, peak_bytes, ref_gibbs_random_scan, ref_gibbs_site, ref_mi_over_time


@pytest.mark.parametrize("dims", [(2,), (3, 2), (2, 3, 2), (2, 2, 2, 2)])
@pytest.mark.parametrize("scan", ["random", "systematic"])
def test_gibbs_matrix_stationary_and_vs_loops(dims, scan, rng):
    p = rng.random(dims) ** 3
    p.flat[0] = 0.0  # a zero-probability state
    p /= p.sum()
    T = gibbs_transition_matrix(p, scan=scan)
    flat = p.ravel(order="F")
    np.testing.assert_allclose(T.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    np.testing.assert_allclose(flat @ T, flat, rtol=0, atol=1e-15)  # P is invariant
    if scan == "random":
        ref = ref_gibbs_random_scan(flat, dims)
    else:  # one sweep: variable 0 first
        ref = np.eye(flat.size)
        for i in range(len(dims)):
            ref = ref @ ref_gibbs_site(flat, dims, i)
    np.testing.assert_allclose(T, ref, rtol=0, atol=1e-14)  # products of <= 4 stochastic matrices


def test_systematic_scan_of_two_copies_is_exact():
    # two perfectly correlated bits: every sweep keeps the state
    T = gibbs_transition_matrix([[0.5, 0.0], [0.0, 0.5]], scan="systematic")
    assert T[0, 0] == 1.0 and T[3, 3] == 1.0


def test_mi_over_time_bsc_closed_form_and_sparse():
    p = 0.1
    T = np.array([[1 - p, p], [p, 1 - p]])
    ts = [0, 1, 2, 5, 17, 100]
    expected = [1 - h2((1 - (1 - 2 * p) ** t) / 2) for t in ts]
    np.testing.assert_allclose(mi_over_time([0.5, 0.5], T, ts), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(mi_over_time([0.5, 0.5], sp.csr_array(T), ts), expected, rtol=0, atol=1e-12)
    # order of ts is kept
    np.testing.assert_allclose(mi_over_time([0.5, 0.5], T, ts[::-1]), expected[::-1], rtol=0, atol=1e-12)


def test_mi_over_time_random_chains_vs_reference(rng):
    for n in (2, 3, 6):
        T = rng.random((n, n)) ** 4
        T /= T.sum(axis=1, keepdims=True)
        p0 = rng.dirichlet(np.ones(n))
        ts = [0, 1, 2, 9, 33, 64]
        got = mi_over_time(p0, T, ts)
        np.testing.assert_allclose(got, [ref_mi_over_time(p0, T, t) for t in ts], rtol=0, atol=1e-12)
        assert np.all(np.diff(got) <= 1e-12)


def test_mi_over_time_memory_budget_changes_the_path_not_the_result(rng):
    # 60 states, long gaps: binary powers pay. Budgets: default (powers, all cached), 3 dense copies (powers with a
    # cache of one, the rest recomputed), under 3 copies (stepping; a sparse T is never densified)
    n = 60
    T = rng.random((n, n)) ** 8
    T[T < 0.3] = 0.0
    T += np.eye(n)
    T /= T.sum(axis=1, keepdims=True)
    p0 = rng.dirichlet(np.ones(n))
    ts = [0, 3, 700, 1500]
    mat = 8 * n * n
    ref = [ref_mi_over_time(p0, T, t) for t in ts]
    for M, budget in ((T, None), (T, 3 * mat), (sp.csr_array(T), 3 * mat), (sp.csr_array(T), 2 * mat)):
        # stepping and powers round differently: products of non-negative terms, relative error ~1e-13
        np.testing.assert_allclose(mi_over_time(p0, M, ts, max_bytes=budget), ref, rtol=1e-9, atol=1e-12)


def test_mi_over_time_refuses_dense_t_over_budget():
    with pytest.raises(ValueError, match="max_bytes"):
        mi_over_time([0.5, 0.5], np.full((2, 2), 0.5), [1], max_bytes=64)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call,exc,match", [
    (lambda: gibbs_transition_matrix([[0.5, 0.6]]), ValueError, "`joint` must sum to 1"),
    (lambda: gibbs_transition_matrix([[0.5, -0.5], [0.5, 0.5]]), ValueError, "`joint` must be non-negative"),
    (lambda: gibbs_transition_matrix([[np.nan, 0.5]]), ValueError, "`joint` must be finite"),
    (lambda: gibbs_transition_matrix([["a"]]), TypeError, "`joint` must be a real numeric array"),
    (lambda: gibbs_transition_matrix(np.zeros((0,))), ValueError, "`joint` must be a non-empty table"),
    (lambda: gibbs_transition_matrix([0.5, 0.5], scan="blocked"), ValueError, "`scan` must be"),
    (lambda: gibbs_transition_matrix(np.full((2,) * 12, 2.0 ** -12), max_bytes=10 ** 6), ValueError, "max_bytes"),
    (lambda: mi_over_time([0.5, 0.5], [[0.9, 0.2], [0.1, 0.9]], [1]), ValueError, "`T` must have rows summing"),
    (lambda: mi_over_time([0.5, 0.5], [[1.1, -0.1], [0.1, 0.9]], [1]), ValueError, "`T` must be non-negative"),
    (lambda: mi_over_time([0.5, 0.5], [[0.5, 0.5]], [1]), ValueError, "`T` must be square"),
    (lambda: mi_over_time([0.3, 0.3, 0.4], [[0.5, 0.5], [0.5, 0.5]], [1]), ValueError, "`P0` must have length 2"),
    (lambda: mi_over_time([0.6, 0.6], [[0.5, 0.5], [0.5, 0.5]], [1]), ValueError, "`P0` must have rows summing"),
    (lambda: mi_over_time([0.5, 0.5], sp.csr_array(np.array([[0.5, 0.6], [0.5, 0.5]])), [1]), ValueError,
     "`T` must have rows summing"),
    (lambda: mi_over_time([0.5, 0.5], [[np.nan, 0.5], [0.5, 0.5]], [1]), ValueError, "`T` must be finite"),
    (lambda: mi_over_time([0.5, 0.5], np.eye(2), [-1]), ValueError, "`ts` must hold non-negative integers"),
    (lambda: mi_over_time([0.5, 0.5], np.eye(2), [[1, 2]]), ValueError, "`ts` must be a non-empty 1-D"),
    (lambda: mi_over_time([0.5, np.nan], np.eye(2), [1]), ValueError, "`P0` must be finite"),
    (lambda: mi_over_time([0.5, 0.5], np.eye(2), [1], max_bytes=0), ValueError, "`max_bytes` must be"),
    (lambda: mi_over_time([0.5, 0.5], np.eye(2), np.array([2 ** 63 + 5], dtype=np.uint64)), ValueError,
     "`ts` must hold integers in"),
    (lambda: mi_over_time([0.5, 0.5], np.eye(2), [1e300]), ValueError, "`ts` must hold integers in"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_inputs_not_mutated():
    p = naive_bayes_distribution(3, 0.2)
    before = p.copy()
    gibbs_transition_matrix(p)
    np.testing.assert_array_equal(p, before)
    T = np.array([[0.9, 0.1], [0.2, 0.8]])
    Tc = T.copy()
    mi_over_time([0.5, 0.5], T, [3])
    np.testing.assert_array_equal(T, Tc)


@pytest.mark.parametrize("scan", ["random", "systematic"])
def test_gibbs_matrix_peak_memory_within_its_plan(scan):
    # the plan checked against max_bytes: 8 n^2 (random: T accumulated) or 24 n^2 (systematic) + 256 n
    p = np.full((2,) * 9, 2.0 ** -9)
    n = p.size
    plan = 8 * n * n * (3 if scan == "systematic" else 1) + 256 * n
    assert peak_bytes(lambda: gibbs_transition_matrix(p, scan=scan, max_bytes=plan)) <= plan
    with pytest.raises(ValueError, match="max_bytes"):
        gibbs_transition_matrix(p, scan=scan, max_bytes=plan - 1)


def test_rows_of_a_huge_sparse_chain_refused_before_allocating():
    # 10^6 states with a full-support P0: the rows of T^t are 10^6 x 10^6 float64 (8 TB); a sparse T
    # passes its own checks, so the rows' plan must refuse before np.zeros reserves them (the 64 MiB
    # peak allowed covers P0's own float64 copies, 8 MB each)
    n = 10**6
    T = sp.identity(n, format="csr")
    p0 = np.full(n, 1.0 / n)
    refused_before_allocating(lambda: mi_over_time(p0, T, [1]), match="the rows of T\\^t needs", exc=ValueError,
                              peak=2**26)
