"""Tests of capacity.experiments.naive_bayes: the exact naive-Bayes chains on three state spaces, Monte Carlo."""
import numpy as np
import pytest

from capacity.experiments.markov import gibbs_transition_matrix, mi_over_time
from capacity.experiments.naive_bayes import (naive_bayes_chain, naive_bayes_distribution, naive_bayes_mc,
                                              naive_bayes_mi, naive_bayes_relaxation_times)
from capacity.information import entropy
from capacity.mi import plugin_mi

from .reference import peak_bytes, ref_gibbs_random_scan, ref_mi_over_time, ref_naive_bayes_joint


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
    got = naive_bayes_mi(N, eps, ts, state_space="full")
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-11)  # both exact: rounding only
    np.testing.assert_allclose(mi_over_time(p, T, ts), ref, rtol=0, atol=1e-11)


@pytest.mark.parametrize("N", [2, 5, 8, 12])
def test_lumped_and_full_agree(N):
    eps = 0.2
    ts = [0, 1, 3, N, 5 * N, 20 * N, 40 * N]
    full_count = naive_bayes_mi(N, eps, ts, state_space="full", observe="count")
    for method in ("power", "eig"):
        lumped = naive_bayes_mi(N, eps, ts, state_space="lumped", method=method)
        np.testing.assert_allclose(lumped, full_count, rtol=0, atol=1e-12)  # same exact quantity
    np.testing.assert_allclose(naive_bayes_mi(N, eps, ts, observe="majority"),
                               naive_bayes_mi(N, eps, ts, state_space="full", observe="majority"), rtol=0, atol=1e-12)
    state = naive_bayes_mi(N, eps, ts, state_space="full")
    # data processing: the count is a function of the state
    assert np.all(state >= full_count - 1e-12)
    # once every variable has been resampled the state knows no more than the count
    assert state[-1] - full_count[-1] <= 1e-10
    assert state[0] - full_count[0] > 0.1 or N <= 2


def test_full_chain_exact_at_1e5_steps():
    # the range for the full-state chain: t up to 1e5 steps. N = 8, eps = 0.01 keeps 0.8 bit
    # there; references: the orbit chain and mi_over_time on the explicit 256-state matrix (binary powers)
    ts = [0, 10 ** 3, 10 ** 5]
    full = naive_bayes_mi(8, 0.01, ts, state_space="full")
    assert full[-1] > 0.5
    T, pi = naive_bayes_chain(8, 0.01, lumped=False)
    # 1e5 sequential steps round differently from ~17 squarings: ~t * 1e-16 relative drift
    np.testing.assert_allclose(full, mi_over_time(pi, T.toarray(), ts), rtol=0, atol=1e-11)
    np.testing.assert_allclose(full, naive_bayes_mi(8, 0.01, ts, state_space="orbit"), rtol=0, atol=1e-11)


@pytest.mark.parametrize("N", [1, 2, 7, 11])
def test_orbit_chain_equals_full_chain(N):
    ts = [0, 1, 2, 5, 3 * N, 20 * N]
    for observe in ("state", "count", "majority"):
        full = naive_bayes_mi(N, 0.2, ts, state_space="full", observe=observe)
        orbit = naive_bayes_mi(N, 0.2, ts, state_space="orbit", observe=observe)
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
    state = naive_bayes_mi(N, eps, ts, state_space="orbit")
    assert np.max(np.abs(state - h_maj)) <= 1e-3
    np.testing.assert_allclose(state, naive_bayes_mi(N, eps, ts), rtol=0, atol=1e-12)  # only K is left


def test_orbit_long_times_binary_powers():
    # t far beyond 20 x (number of orbit states): per-block binary powers; once every variable
    # has been resampled the state carries exactly what the count does
    ts = [0, 10 ** 5, 10 ** 6, 3 * 10 ** 7]
    state = naive_bayes_mi(20, 0.15, ts, state_space="orbit")
    count = naive_bayes_mi(20, 0.15, ts)
    np.testing.assert_allclose(state[1:], count[1:], rtol=0, atol=1e-11)  # power rounding ~ t * 1e-16
    assert np.all(np.diff(state) <= 1e-12)
    np.testing.assert_allclose(naive_bayes_mi(20, 0.15, ts, state_space="orbit", observe="count"), count,
                               rtol=0, atol=1e-11)


@pytest.mark.parametrize("state_space,observe,method,N", [
    ("full", "state", "auto", 9), ("full", "count", "auto", 9), ("full", "majority", "auto", 8),
    ("orbit", "state", "auto", 25), ("orbit", "count", "auto", 24), ("orbit", "majority", "auto", 25),
    ("lumped", "count", "power", 40), ("lumped", "count", "eig", 40), ("lumped", "majority", "power", 41),
    ("lumped", "majority", "eig", 40), ("lumped", "count", "eig", 300)])
def test_data_processing_nonincreasing(state_space, observe, method, N):
    ts = np.unique(np.round(np.logspace(0, 4 if state_space == "lumped" else 3, 40))).astype(int)
    ts = np.concatenate([[0], ts])
    for eps in (0.05, 0.3):
        mi = naive_bayes_mi(N, eps, ts, state_space=state_space, observe=observe, method=method)
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


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("call,exc,match", [
    (lambda: naive_bayes_mi(0, 0.1, [1]), ValueError, "`N` must be an integer in"),
    (lambda: naive_bayes_mi(17, 0.1, [1], state_space="full"), ValueError,
     r"`N` must be <= 16 with state_space='full'; got 17\. Instead, state_space='orbit' gives I\(X\^0; X\^t\)"),
    (lambda: naive_bayes_mi(2.5, 0.1, [1]), TypeError, "`N` must be an integer"),
    (lambda: naive_bayes_mi(5, 0.0, [1]), ValueError, "`eps` must be a finite number in"),
    (lambda: naive_bayes_mi(5, 1.2, [1]), ValueError, "`eps` must be a finite number in"),
    (lambda: naive_bayes_mi(5, float("nan"), [1]), ValueError, "`eps` must be a finite number"),
    (lambda: naive_bayes_mi(5, 0.1, [-1]), ValueError, "`ts` must hold non-negative integers"),
    (lambda: naive_bayes_mi(5, 0.1, [1.5]), ValueError, "`ts` must hold integers"),
    (lambda: naive_bayes_mi(5, 0.1, []), ValueError, "`ts` must be a non-empty 1-D"),
    (lambda: naive_bayes_mi(5, 0.1, ["a"]), TypeError, "`ts` must hold non-negative integers"),
    (lambda: naive_bayes_mi(5, 0.1, [10 ** 8], state_space="full"), ValueError, "`ts` must hold integers in"),
    (lambda: naive_bayes_mi(5, 0.1, [1], state_space="spectral"), ValueError, "`state_space` must be one of"),
    (lambda: naive_bayes_mi(5, 0.1, [1], exact="full"), TypeError, "unexpected keyword argument 'exact'"),
    (lambda: naive_bayes_mi(401, 0.1, [1], state_space="orbit"), ValueError,
     "`N` must be <= 400 with state_space='orbit'; got 401. Instead, for N > 400 only the count and the majority"),
    (lambda: naive_bayes_mi(40, 0.1, [1], state_space="orbit", method="power"), ValueError, "`method` must be 'auto'"),
    # the advice names the state space that works for this N (the full chain stops at N = 16)
    (lambda: naive_bayes_mi(20, 0.2, 100, observe="state"), ValueError,
     "`observe` must be 'count' or 'majority' with state_space='lumped'.*Instead, state_space='orbit'"),
    (lambda: naive_bayes_mi(500, 0.2, 100, observe="state"), ValueError,
     "`observe` must be 'count' or.*Instead, for N > 400 only the count and the majority are exact"),
    (lambda: naive_bayes_mi(5, 0.1, [1], observe="bits"), ValueError, "`observe` must be one of"),
    (lambda: naive_bayes_mi(5, 0.1, [1], method="qr"), ValueError, "`method` must be"),
    (lambda: naive_bayes_mi(5, 0.1, [1], state_space="full", method="eig"), ValueError, "`method` must be 'auto'"),
    (lambda: naive_bayes_mi(16, 0.1, [1], state_space="full", max_bytes=10 ** 6), ValueError, "max_bytes"),
    (lambda: naive_bayes_mi(5000, 0.1, [1], max_bytes=10 ** 6), ValueError, "max_bytes"),
    (lambda: naive_bayes_chain(17, 0.1, lumped=False), ValueError, "`N` must be an integer in"),
    (lambda: naive_bayes_distribution(21, 0.1), ValueError, "`N` must be an integer in"),
    (lambda: naive_bayes_relaxation_times(5, 0.1, n_modes=0), ValueError, "`n_modes` must be"),
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
    # times beyond int64 are refused (2^63 + 5 as uint64 would wrap to a negative time)
    (lambda: naive_bayes_mi(5, 0.1, np.array([2 ** 63 + 5], dtype=np.uint64)), ValueError, "`ts` must hold integers in"),
    (lambda: naive_bayes_mi(5, 0.1, [1e19]), ValueError, "`ts` must hold integers in"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ----------------------------------------------------------------------------- max_bytes plans, threads
def test_full_chain_and_relaxation_times_peak_memory_within_plan():
    N = 12
    plan = 72 * 2 ** N * (N + 1)
    assert peak_bytes(lambda: naive_bayes_chain(N, 0.3, lumped=False, max_bytes=plan)) <= plan
    with pytest.raises(ValueError, match="max_bytes"):
        naive_bayes_chain(N, 0.3, lumped=False, max_bytes=plan - 1)
    # relaxation times from the tridiagonal bands: O(N) memory (a dense (N+1)^2 matrix is 72 MB here)
    N = 3000
    assert peak_bytes(lambda: naive_bayes_relaxation_times(N, 0.3)) <= 96 * (N + 1)


@pytest.mark.parametrize("call", [
    lambda mb: naive_bayes_mc(50, 0.1, [1], 1000, seed=0, n_boot=200, max_bytes=mb),
    lambda mb: plugin_mi(np.arange(1000) % 7, np.arange(1000) % 5, n_boot=200, max_bytes=mb),
    lambda mb: naive_bayes_relaxation_times(10 ** 4, 0.2, max_bytes=mb),
])
def test_max_bytes_refusals_of_the_other_public_functions(call):
    with pytest.raises(ValueError, match="max_bytes"):
        call(10 ** 5)
    call(None)  # the default budget lets the same call through


def test_monte_carlo_bootstrap_refused_by_plugin_mi_plan_before_simulating():
    # the caller plans the bootstrap with plugin_mi's own plan: refused one byte below it, accepted at it
    from capacity.mi.plugin import plugin_mi_plan_bytes

    n_boot = 10 ** 4
    plan = int(plugin_mi_plan_bytes(50, n_boot, 3, 3))  # 50 replicas; the majority takes 3 values
    with pytest.raises(ValueError, match="the bootstrap of plugin_mi needs"):
        naive_bayes_mc(5, 0.2, [1], 50, seed=0, n_boot=n_boot, max_bytes=plan - 1)
    naive_bayes_mc(5, 0.2, [1], 50, seed=0, n_boot=n_boot, max_bytes=plan)


def test_monte_carlo_independent_of_thread_count():
    # one splitmix64 stream per replica: the same seed gives bit-identical samples on 1 or 2 threads
    import numba

    from capacity.experiments.ising import ising_magnetization

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
