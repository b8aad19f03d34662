"""Tests of capacity.experiments.resampling: exact naive-Bayes chains, Gibbs matrices, MI over time."""
import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp

from capacity.experiments.resampling import (gibbs_transition_matrix, mi_over_time, naive_bayes_chain,
                                             naive_bayes_distribution, naive_bayes_mc, naive_bayes_mi,
                                             naive_bayes_relaxation_times, plugin_mi)
from capacity.information import entropy


# ----------------------------------------------------------------------------- brute-force references
def ref_naive_bayes_joint(N, eps):
    """P(x) by summing the latent out, state index sum_i x_i 2^i (loops)."""
    p = np.zeros(2 ** N)
    for s in range(2 ** N):
        x = [(s >> i) & 1 for i in range(N)]
        for lam in (0, 1):
            w = 0.5
            for xi in x:
                w *= (1 - eps) if xi == lam else eps
            p[s] += w
    return p


def ref_gibbs_site(p, dims, i):
    """Kernel resampling variable i of a flat table (variable 0 fastest), by loops over states."""
    states = [tuple(reversed(s)) for s in itertools.product(*[range(d) for d in reversed(dims)])]

    def index(x):
        idx, stride = 0, 1
        for xi, d in zip(x, dims):
            idx += xi * stride
            stride *= d
        return idx

    G = np.zeros((len(states), len(states)))
    for x in states:
        fibre = [tuple(x[:i]) + (v,) + tuple(x[i + 1:]) for v in range(dims[i])]
        z = sum(p[index(y)] for y in fibre)
        for y in fibre:
            if z > 0:
                G[index(x), index(y)] += p[index(y)] / z
            elif y == x:
                G[index(x), index(y)] += 1.0
    return G


def ref_gibbs_random_scan(p, dims):
    return sum(ref_gibbs_site(p, dims, i) for i in range(len(dims))) / len(dims)


def ref_mi_over_time(p0, T, t):
    """I(X^0; X^t) in bits from the dense joint diag(p0) T^t (numpy matrix_power, loops)."""
    J = p0[:, None] * np.linalg.matrix_power(T, t)
    r = J.sum(1)
    c = J.sum(0)
    total = 0.0
    for a in range(J.shape[0]):
        for b in range(J.shape[1]):
            if J[a, b] > 0:
                total += J[a, b] * math.log2(J[a, b] / (r[a] * c[b]))
    return total


def h2(p):
    return 0.0 if p in (0.0, 1.0) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


# ----------------------------------------------------------------------------- model and chain
@pytest.mark.parametrize("N", [1, 2, 3, 5])
def test_distribution_matches_loops(N):
    p = naive_bayes_distribution(N, 0.2)
    assert p.shape == (2,) * N
    # float64 products of N factors: rel 1e-15
    np.testing.assert_allclose(p.ravel(order="F"), ref_naive_bayes_joint(N, 0.2), rtol=1e-13, atol=0)


@pytest.mark.parametrize("N", [1, 4, 8, 12])
def test_posterior_depends_only_on_count(N):
    # K is sufficient for Lambda: P(Lambda = 1 | x) = 1 / (1 + ((1-eps)/eps)^(N - 2K))
    eps = 0.15
    joint = naive_bayes_distribution(N, eps, latent=True).reshape(2, -1, order="F")
    post = joint[1] / joint.sum(axis=0)
    K = np.array([bin(s).count("1") for s in range(2 ** N)])
    for k in range(N + 1):
        vals = post[K == k]
        assert vals.max() - vals.min() <= 1e-15  # exact up to one rounding
        expected = 1.0 / (1.0 + ((1 - eps) / eps) ** (N - 2 * k))
        assert abs(vals[0] - expected) <= 1e-14


@pytest.mark.parametrize("N", [1, 3, 6])
def test_full_chain_matches_loop_gibbs(N):
    p = ref_naive_bayes_joint(N, 0.3)
    T_ref = ref_gibbs_random_scan(p, (2,) * N)
    T, pi = naive_bayes_chain(N, 0.3, lumped=False)
    np.testing.assert_allclose(T.toarray(), T_ref, rtol=0, atol=1e-15)
    np.testing.assert_allclose(pi, p, rtol=1e-13, atol=0)
    np.testing.assert_allclose(gibbs_transition_matrix(p.reshape((2,) * N, order="F")), T_ref, rtol=0, atol=1e-15)


def test_lumped_chain_is_the_projection_of_the_full_chain():
    # Kemeny-Snell: sum_{y: K(y)=j} T[x, y] depends on x only through K(x) and equals T_K[k, j]
    N = 7
    T, _ = naive_bayes_chain(N, 0.2, lumped=False)
    TK, piK = naive_bayes_chain(N, 0.2)
    K = np.array([bin(s).count("1") for s in range(2 ** N)])
    proj = np.zeros((2 ** N, N + 1))
    np.add.at(proj.T, K, T.toarray().T)
    np.testing.assert_allclose(proj, TK[K], rtol=0, atol=1e-15)
    np.testing.assert_allclose(piK @ TK, piK, rtol=0, atol=1e-15)  # stationary


@pytest.mark.parametrize("N,eps", [(1, 0.3), (2, 0.1), (4, 0.25), (5, 0.45)])
def test_naive_bayes_full_vs_brute_force(N, eps):
    ts = [0, 1, 2, 3, 7, 20, 60]
    p = ref_naive_bayes_joint(N, eps)
    T = ref_gibbs_random_scan(p, (2,) * N)
    ref = [ref_mi_over_time(p, T, t) for t in ts]
    got = naive_bayes_mi(N, eps, ts, exact="full")
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-11)  # both exact: rounding only
    np.testing.assert_allclose(mi_over_time(p, T, ts), ref, rtol=0, atol=1e-11)


@pytest.mark.parametrize("N", [2, 5, 8, 12])
def test_lumped_and_full_agree(N):
    eps = 0.2
    ts = [0, 1, 3, N, 5 * N, 20 * N, 40 * N]
    full_count = naive_bayes_mi(N, eps, ts, exact="full", observe="count")
    for method in ("power", "eig"):
        lumped = naive_bayes_mi(N, eps, ts, exact="lumped", method=method)
        np.testing.assert_allclose(lumped, full_count, rtol=0, atol=1e-12)  # same exact quantity
    np.testing.assert_allclose(naive_bayes_mi(N, eps, ts, observe="majority"),
                               naive_bayes_mi(N, eps, ts, exact="full", observe="majority"), rtol=0, atol=1e-12)
    state = naive_bayes_mi(N, eps, ts, exact="full")
    # data processing: the count is a function of the state
    assert np.all(state >= full_count - 1e-12)
    # once every variable has been resampled the state knows no more than the count
    assert state[-1] - full_count[-1] <= 1e-10
    assert state[0] - full_count[0] > 0.1 or N <= 2


def test_full_chain_exact_at_1e5_steps():
    # the range for the full-state chain: t up to 1e5 steps. N = 8, eps = 0.01 keeps 0.8 bit
    # there; references: the orbit chain and mi_over_time on the explicit 256-state matrix (binary powers)
    ts = [0, 10 ** 3, 10 ** 5]
    full = naive_bayes_mi(8, 0.01, ts, exact="full")
    assert full[-1] > 0.5
    T, pi = naive_bayes_chain(8, 0.01, lumped=False)
    # 1e5 sequential steps round differently from ~17 squarings: ~t * 1e-16 relative drift
    np.testing.assert_allclose(full, mi_over_time(pi, T.toarray(), ts), rtol=0, atol=1e-11)
    np.testing.assert_allclose(full, naive_bayes_mi(8, 0.01, ts, exact="orbit"), rtol=0, atol=1e-11)


@pytest.mark.parametrize("N", [1, 2, 7, 11])
def test_orbit_chain_equals_full_chain(N):
    ts = [0, 1, 2, 5, 3 * N, 20 * N]
    for observe in ("state", "count", "majority"):
        full = naive_bayes_mi(N, 0.2, ts, exact="full", observe=observe)
        orbit = naive_bayes_mi(N, 0.2, ts, exact="orbit", observe=observe)
        np.testing.assert_allclose(orbit, full, rtol=0, atol=1e-13)  # two exact computations


def _entropy_of_majority(N, eps):
    """H(sign(K - N/2)) in bits (ties a third value) under the stationary law of K."""
    _, piK = naive_bayes_chain(N, eps)
    k = np.arange(N + 1)
    return entropy(np.array([piK[2 * k < N].sum(), piK[2 * k == N].sum(), piK[2 * k > N].sum()]))


def test_state_plateau_at_entropy_of_majority_N30():
    # I(X^0; X^t) itself (exact, orbit chain), N = 30 beyond the full-state range
    N, eps = 30, 0.1
    h_maj = _entropy_of_majority(N, eps)
    ts = np.arange(20 * N, 200 * N + 1, 10 * N)
    state = naive_bayes_mi(N, eps, ts, exact="orbit")
    assert np.max(np.abs(state - h_maj)) <= 1e-3
    np.testing.assert_allclose(state, naive_bayes_mi(N, eps, ts), rtol=0, atol=1e-12)  # only K is left


def test_orbit_long_times_binary_powers():
    # t far beyond 20 x (number of orbit states): per-block binary powers; once every variable
    # has been resampled the state carries exactly what the count does
    ts = [0, 10 ** 5, 10 ** 6, 3 * 10 ** 7]
    state = naive_bayes_mi(20, 0.15, ts, exact="orbit")
    count = naive_bayes_mi(20, 0.15, ts)
    np.testing.assert_allclose(state[1:], count[1:], rtol=0, atol=1e-11)  # power rounding ~ t * 1e-16
    assert np.all(np.diff(state) <= 1e-12)
    np.testing.assert_allclose(naive_bayes_mi(20, 0.15, ts, exact="orbit", observe="count"), count,
                               rtol=0, atol=1e-11)


@pytest.mark.parametrize("exact,observe,method,N", [
    ("full", "state", "auto", 9), ("full", "count", "auto", 9), ("full", "majority", "auto", 8),
    ("orbit", "state", "auto", 25), ("orbit", "count", "auto", 24), ("orbit", "majority", "auto", 25),
    ("lumped", "count", "power", 40), ("lumped", "count", "eig", 40), ("lumped", "majority", "power", 41),
    ("lumped", "majority", "eig", 40), ("lumped", "count", "eig", 300)])
def test_data_processing_nonincreasing(exact, observe, method, N):
    ts = np.unique(np.round(np.logspace(0, 4 if exact == "lumped" else 3, 40))).astype(int)
    ts = np.concatenate([[0], ts])
    for eps in (0.05, 0.3):
        mi = naive_bayes_mi(N, eps, ts, exact=exact, observe=observe, method=method)
        assert np.all(np.diff(mi) <= 1e-12), np.diff(mi).max()  # nonincreasing to 1e-12
        assert mi[-1] >= -1e-12


def test_plateau_at_entropy_of_majority():
    # strong redundancy: a plateau near H(majority) over t in [20N, 200N]
    N, eps = 30, 0.1
    h_maj = _entropy_of_majority(N, eps)
    ts = np.arange(20 * N, 200 * N + 1, 5 * N)
    for observe in ("count", "majority"):
        mi = naive_bayes_mi(N, eps, ts, observe=observe)
        assert np.max(np.abs(mi - h_maj)) <= 1e-3, np.max(np.abs(mi - h_maj))
    # the plateau lasts exp(Theta(N)) steps: the slowest mode relaxes in > 1e7 steps
    assert naive_bayes_relaxation_times(N, eps, n_modes=1)[0] > 1e7


def test_weak_redundancy_decays_quickly():
    N, eps = 30, 0.4
    mi = naive_bayes_mi(N, eps, [0, 10 * N])
    assert mi[0] > 3.0
    assert mi[1] < 0.01


def test_relaxation_times_vs_dense_eigenvalues():
    N, eps = 10, 0.25
    TK, _ = naive_bayes_chain(N, eps)
    lam = np.sort(np.linalg.eigvals(TK).real)[::-1]
    expected = -1.0 / np.log(lam[1:6])
    np.testing.assert_allclose(naive_bayes_relaxation_times(N, eps), expected, rtol=1e-9)


def test_lumped_large_N_power_vs_eig():
    ts = [0, 5, 50, 500, 5000]
    a = naive_bayes_mi(300, 0.42, ts, method="power")
    b = naive_bayes_mi(300, 0.42, ts, method="eig")
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)  # eig: ~1e-16 absolute per entry of P^t


@pytest.mark.slow
def test_lumped_N2000_runs_and_is_monotone():
    mi = naive_bayes_mi(2000, 0.45, [0, 10, 100, 1000, 10000, 100000])
    assert np.all(np.diff(mi) <= 1e-10)
    assert 0.9 < mi[-1] <= mi[0]


def test_monte_carlo_matches_lumped_chain():
    N, eps, ts = 200, 0.42, [0, 100, 400, 1600]
    exact = naive_bayes_mi(N, eps, ts, observe="majority")
    est = naive_bayes_mc(N, eps, ts, 3000, seed=3, n_boot=100)
    for e, x in zip(est, exact):
        assert abs(e.value - x) <= 4 * e.stderr + 0.005, (e.value, e.stderr, x)  # 4 SE + MM residual bias


# ----------------------------------------------------------------------------- general chains
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


# ----------------------------------------------------------------------------- plug-in MI
def test_plugin_mi_vs_sklearn(rng):
    from sklearn.metrics import mutual_info_score

    x = rng.integers(0, 4, 500)
    y = (x + (rng.random(500) < 0.3) * rng.integers(0, 4, 500)) % 4
    est = plugin_mi(x, y, correction="none", n_boot=0)
    assert abs(est.value - mutual_info_score(x, y) / math.log(2)) <= 1e-12  # same plug-in formula


def test_plugin_mi_miller_madow_by_hand():
    x = np.array([0, 0, 1, 1, 1, 2])
    y = np.array([0, 1, 1, 1, 0, 2])
    est = plugin_mi(x, y, n_boot=0)
    plug = plugin_mi(x, y, correction="none", n_boot=0).value
    # m_x = 3, m_y = 3, m_xy = 5 occupied bins, n = 6
    assert abs(est.value - (plug + (2 + 2 - 4) / (2 * 6 * math.log(2)))) <= 1e-15
    assert math.isnan(est.stderr)


def test_plugin_mi_independent_is_near_zero_with_se(rng):
    x = rng.integers(0, 3, 4000)
    y = rng.integers(0, 3, 4000)
    est = plugin_mi(x, y, n_boot=200, seed=1)
    assert est.stderr > 0
    assert abs(est.value) <= 4 * est.stderr + 1e-3
    assert est.n_samples == 4000


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call,exc,match", [
    (lambda: naive_bayes_mi(0, 0.1, [1]), ValueError, "`N` must be an integer in"),
    (lambda: naive_bayes_mi(17, 0.1, [1], exact="full"), ValueError, "`N` must be an integer in"),
    (lambda: naive_bayes_mi(2.5, 0.1, [1]), TypeError, "`N` must be an integer"),
    (lambda: naive_bayes_mi(5, 0.0, [1]), ValueError, "`eps` must be a finite number in"),
    (lambda: naive_bayes_mi(5, 1.2, [1]), ValueError, "`eps` must be a finite number in"),
    (lambda: naive_bayes_mi(5, float("nan"), [1]), ValueError, "`eps` must be a finite number"),
    (lambda: naive_bayes_mi(5, 0.1, [-1]), ValueError, "`ts` must hold non-negative integers"),
    (lambda: naive_bayes_mi(5, 0.1, [1.5]), ValueError, "`ts` must hold integers"),
    (lambda: naive_bayes_mi(5, 0.1, []), ValueError, "`ts` must be a non-empty 1-D"),
    (lambda: naive_bayes_mi(5, 0.1, ["a"]), TypeError, "`ts` must hold non-negative integers"),
    (lambda: naive_bayes_mi(5, 0.1, [10 ** 8], exact="full"), ValueError, "`ts` must hold integers in"),
    (lambda: naive_bayes_mi(5, 0.1, [1], exact="spectral"), ValueError, "`exact` must be"),
    (lambda: naive_bayes_mi(401, 0.1, [1], exact="orbit"), ValueError, "`N` must be an integer in"),
    (lambda: naive_bayes_mi(40, 0.1, [1], exact="orbit", method="power"), ValueError, "`method` must be 'auto'"),
    (lambda: naive_bayes_mi(5, 0.1, [1], observe="state"), ValueError, "`observe` must be 'count' or"),
    (lambda: naive_bayes_mi(5, 0.1, [1], observe="bits"), ValueError, "`observe` must be one of"),
    (lambda: naive_bayes_mi(5, 0.1, [1], method="qr"), ValueError, "`method` must be"),
    (lambda: naive_bayes_mi(5, 0.1, [1], exact="full", method="eig"), ValueError, "`method` must be 'auto'"),
    (lambda: naive_bayes_mi(16, 0.1, [1], exact="full", max_bytes=10 ** 6), ValueError, "max_bytes"),
    (lambda: naive_bayes_mi(5000, 0.1, [1], max_bytes=10 ** 6), ValueError, "max_bytes"),
    (lambda: naive_bayes_chain(17, 0.1, lumped=False), ValueError, "`N` must be an integer in"),
    (lambda: naive_bayes_distribution(21, 0.1), ValueError, "`N` must be an integer in"),
    (lambda: naive_bayes_relaxation_times(5, 0.1, n_modes=0), ValueError, "`n_modes` must be"),
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
    (lambda: plugin_mi([0, 1], [0, 1, 1]), ValueError, "`x` and `y` must be 1-D of the same length"),
    (lambda: plugin_mi([0], [0]), ValueError, "at least 2 samples"),
    (lambda: plugin_mi([0, 1], [0, 1], correction="jackknife"), ValueError, "`correction` must be"),
    (lambda: plugin_mi([0, 1], [0, 1], n_boot=-1), ValueError, "`n_boot` must be an integer in"),
    (lambda: naive_bayes_mc(10, 0.1, [1], 1, seed=0), ValueError, "`replicas` must be an integer in"),
    (lambda: naive_bayes_mc(10, 0.1, [1], 10, seed=0, observe="state"), ValueError, "`observe` must be"),
    (lambda: naive_bayes_mc(0, 0.1, [1], 10, seed=0), ValueError, "`N` must be an integer in"),
    (lambda: naive_bayes_mc(10, 1.0, [1], 10, seed=0), ValueError, "`eps` must be a finite number in"),
    (lambda: naive_bayes_mc(10, 0.1, [-2], 10, seed=0), ValueError, "`ts` must hold non-negative integers"),
    (lambda: naive_bayes_mc(10, 0.1, [10 ** 10], 10, seed=0), ValueError, "`ts` must hold integers in"),
    (lambda: naive_bayes_mc(10, 0.1, [1], 10, seed=-1), ValueError, "`seed` must be an integer in"),
    (lambda: naive_bayes_mc(10, 0.1, [1], 10, seed=0, n_boot=-1), ValueError, "`n_boot` must be an integer in"),
    (lambda: naive_bayes_chain(5, 0.0), ValueError, "`eps` must be a finite number in"),
    (lambda: naive_bayes_chain(5.0, 0.1), TypeError, "`N` must be an integer"),
    (lambda: naive_bayes_chain(3000, 0.1, max_bytes=10 ** 6), ValueError, "max_bytes"),
    (lambda: naive_bayes_chain(14, 0.1, lumped=False, max_bytes=10 ** 6), ValueError, "max_bytes"),
    (lambda: naive_bayes_distribution(3, float("inf")), ValueError, "`eps` must be a finite number"),
    (lambda: naive_bayes_distribution(0, 0.1), ValueError, "`N` must be an integer in"),
    (lambda: naive_bayes_distribution(18, 0.1, max_bytes=10 ** 6), ValueError, "max_bytes"),
    (lambda: naive_bayes_relaxation_times(0, 0.1), ValueError, "`N` must be an integer in"),
    (lambda: naive_bayes_relaxation_times(5, -0.1), ValueError, "`eps` must be a finite number in"),
    (lambda: naive_bayes_relaxation_times(5, 0.1, n_modes=1.5), TypeError, "`n_modes` must be an integer"),
    (lambda: mi_over_time([0.5, 0.5], [[np.nan, 0.5], [0.5, 0.5]], [1]), ValueError, "`T` must be finite"),
    (lambda: mi_over_time([0.5, 0.5], np.eye(2), [-1]), ValueError, "`ts` must hold non-negative integers"),
    (lambda: mi_over_time([0.5, 0.5], np.eye(2), [[1, 2]]), ValueError, "`ts` must be a non-empty 1-D"),
    (lambda: mi_over_time([0.5, np.nan], np.eye(2), [1]), ValueError, "`P0` must be finite"),
    (lambda: mi_over_time([0.5, 0.5], np.eye(2), [1], max_bytes=0), ValueError, "`max_bytes` must be"),
    (lambda: plugin_mi([0, 1], [0, 1], seed=-1), ValueError, "`seed` must be an integer in"),
    (lambda: plugin_mi([[0, 1]], [[0, 1]]), ValueError, "`x` and `y` must be 1-D"),
    # times beyond int64 were cast silently (2^63 + 5 as uint64 wrapped to a negative time: I at t = 0)
    (lambda: naive_bayes_mi(5, 0.1, np.array([2 ** 63 + 5], dtype=np.uint64)), ValueError, "`ts` must hold integers in"),
    (lambda: naive_bayes_mi(5, 0.1, [1e19]), ValueError, "`ts` must hold integers in"),
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


# ----------------------------------------------------------------------------- max_bytes plans, threads
def _peak_bytes(f):
    """Peak traced (numpy) allocation of f() after a warm-up call (imports and caches excluded)."""
    import tracemalloc

    f()
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("scan", ["random", "systematic"])
def test_gibbs_matrix_peak_memory_within_its_plan(scan):
    # the plan checked against max_bytes: 8 n^2 (random: T accumulated) or 24 n^2 (systematic) + 256 n
    p = np.full((2,) * 9, 2.0 ** -9)
    n = p.size
    plan = 8 * n * n * (3 if scan == "systematic" else 1) + 256 * n
    assert _peak_bytes(lambda: gibbs_transition_matrix(p, scan=scan, max_bytes=plan)) <= plan
    with pytest.raises(ValueError, match="max_bytes"):
        gibbs_transition_matrix(p, scan=scan, max_bytes=plan - 1)


def test_full_chain_and_relaxation_times_peak_memory_within_plan():
    N = 12
    plan = 72 * 2 ** N * (N + 1)
    assert _peak_bytes(lambda: naive_bayes_chain(N, 0.3, lumped=False, max_bytes=plan)) <= plan
    with pytest.raises(ValueError, match="max_bytes"):
        naive_bayes_chain(N, 0.3, lumped=False, max_bytes=plan - 1)
    # relaxation times from the tridiagonal bands: O(N) memory (a dense (N+1)^2 matrix is 72 MB here)
    N = 3000
    assert _peak_bytes(lambda: naive_bayes_relaxation_times(N, 0.3)) <= 96 * (N + 1)


def test_plugin_mi_many_labels_stays_linear_in_memory(rng):
    # 3000 samples with ~3000 distinct labels each: a dense m_x x m_y table per bootstrap resample would be
    # 20 x 9e6 x 8 B = 1.4 GB; only occupied pairs are counted (plan 8 n_boot (4 n + 4 (m_x + m_y + m_xy)) + 96 n)
    n, n_boot = 3000, 20
    x = rng.integers(0, 10 ** 6, n)
    y = rng.integers(0, 10 ** 6, n)
    m = [np.unique(v).size for v in (x, y, x * 10 ** 6 + y)]
    plan = 8 * n_boot * (4 * n + 4 * sum(m)) + 96 * n
    assert _peak_bytes(lambda: plugin_mi(x, y, n_boot=n_boot, max_bytes=plan)) <= plan
    with pytest.raises(ValueError, match="max_bytes"):
        plugin_mi(x, y, n_boot=n_boot, max_bytes=plan - 1)
    # all labels distinct: plug-in I = H(X) = log2 n; Miller-Madow adds (n + n - n - 1) / (2 n ln 2)
    est = plugin_mi(np.arange(n), np.arange(n)[::-1], n_boot=0)
    assert abs(est.extra["plugin"] - math.log2(n)) <= 1e-12
    assert abs(est.value - est.extra["plugin"] - (n - 1) / (2 * n * math.log(2))) <= 1e-12


@pytest.mark.parametrize("call", [
    lambda mb: naive_bayes_mc(50, 0.1, [1], 1000, seed=0, n_boot=200, max_bytes=mb),
    lambda mb: plugin_mi(np.arange(1000) % 7, np.arange(1000) % 5, n_boot=200, max_bytes=mb),
    lambda mb: naive_bayes_relaxation_times(10 ** 4, 0.2, max_bytes=mb),
])
def test_max_bytes_refusals_of_the_other_public_functions(call):
    with pytest.raises(ValueError, match="max_bytes"):
        call(10 ** 5)
    call(None)  # the default budget lets the same call through


def test_monte_carlo_independent_of_thread_count():
    # one splitmix64 stream per replica: the same seed gives bit-identical samples on 1 or 2 threads
    import numba

    from capacity.experiments.resampling import ising_magnetization

    before = numba.get_num_threads()
    runs = []
    try:
        for threads in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
            numba.set_num_threads(threads)
            m = ising_magnetization(8, 2.3, [0, 7], 13, seed=9, burn_in=5)
            k = [e.value for e in naive_bayes_mc(40, 0.3, [0, 50, 400], 301, seed=2, n_boot=0)]
            runs.append((m, k))
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]
    # and the seed is used
    assert not np.array_equal(runs[0][0], ising_magnetization(8, 2.3, [0, 7], 13, seed=10, burn_in=5))


# ----------------------------------------------------------------------------- report section
def test_report_section_quick(tmp_path):
    from capacity.report._framework import Context
    from capacity.report.resampling_section import TITLE, run

    section = run(Context(outdir=tmp_path, quick=True))
    assert TITLE and section.claims
    failed = [(c.claim, c.expected, c.measured) for c in section.claims if not c.passed]
    assert failed == []
    for fig in section.figures:
        assert (tmp_path / fig).stat().st_size > 1000
