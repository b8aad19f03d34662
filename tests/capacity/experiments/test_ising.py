"""Tests of capacity.experiments.ising: heat-bath checkerboard sweeps on numba, numpy and torch."""
import itertools

import numpy as np
import pytest

from capacity.experiments.ising import T_CRITICAL, ising_magnetization, ising_sign_information
from capacity.mi import plugin_mi
from tests.conftest import cuda_only


@pytest.fixture
def one_torch_thread():
    """torch on 2 shared cores oversubscribes badly; one thread keeps the CPU tests quick."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def exact_magnetisation_law(L, T):
    """P(M = m) of the L x L torus Ising model by enumerating all 2^(L^2) states."""
    n = L * L
    states = np.array(list(itertools.product((-1, 1), repeat=n)), dtype=np.int64).reshape(-1, L, L)
    energy = -(states * np.roll(states, 1, axis=1) + states * np.roll(states, 1, axis=2)).sum(axis=(1, 2))
    w = np.exp(-(energy - energy.min()) / T)
    M = states.sum(axis=(1, 2))
    law = np.bincount((M + n) // 2, weights=w, minlength=n + 1)
    return law / law.sum()


def test_critical_temperature():
    assert abs(T_CRITICAL - 2.269185314213022) < 1e-15


@pytest.mark.parametrize("be", [("numba", None), ("numpy", None), ("torch", "cpu")])
def test_sampler_reaches_exact_boltzmann_law(be, one_torch_thread):
    # L = 4: 65536 states enumerated; compare the histogram of M after burn-in
    L, T, R = 4, 2.5, 4000
    exact = exact_magnetisation_law(L, T)
    m = ising_magnetization(L, T, [0], R, seed=11, burn_in=60, backend=be[0], device=be[1])[:, 0]
    k = np.rint((m * L * L + L * L) / 2).astype(int)
    counts = np.bincount(k, minlength=L * L + 1)
    expected = exact * R
    se = np.sqrt(expected * (1 - exact)) + 1.0
    assert np.all(np.abs(counts - expected) <= 5 * se), (counts, expected.round(1))  # 5 binomial SE per bin


def test_sign_survives_below_tc():
    est = ising_sign_information(16, 1.5, 300, 400, 0)
    assert est.value > 0.95, est
    assert est.stderr < 0.05


def test_sign_forgotten_above_tc():
    est = ising_sign_information(16, 4.0, 300, 400, 0)
    assert abs(est.value) <= 4 * est.stderr + 0.01, est


def test_numba_and_torch_agree_statistically(one_torch_thread):
    L, T, R = 16, 2.4, 1000
    a = ising_magnetization(L, T, [0, 40], R, seed=5, burn_in=100, backend="numba")
    b = ising_magnetization(L, T, [0, 40], R, seed=6, burn_in=100, backend="torch", device="cpu")
    for col in range(2):
        ma, mb = np.abs(a[:, col]), np.abs(b[:, col])
        se = np.hypot(ma.std(ddof=1), mb.std(ddof=1)) / np.sqrt(R)
        assert abs(ma.mean() - mb.mean()) <= 5 * se  # independent replicas: 5 SE
    ea = plugin_mi(np.sign(a[:, 0]), np.sign(a[:, 1]), n_boot=100)
    eb = plugin_mi(np.sign(b[:, 0]), np.sign(b[:, 1]), n_boot=100)
    assert abs(ea.value - eb.value) <= 5 * np.hypot(ea.stderr, eb.stderr)


def test_same_seed_same_result_and_statistic():
    a = ising_magnetization(8, 2.0, [3, 0], 20, seed=4, burn_in=10)
    b = ising_magnetization(8, 2.0, [3, 0], 20, seed=4, burn_in=10)
    np.testing.assert_array_equal(a, b)

    def corner(spins):
        return spins[:, 0, 0]

    c = ising_magnetization(8, 2.0, [3, 0], 20, seed=4, burn_in=10, statistic=corner)
    assert set(np.unique(c)) <= {-1.0, 1.0}
    est = ising_sign_information(8, 2.0, 3, 20, 4, burn_in=10, statistic=corner, n_boot=0)
    ref = plugin_mi(c[:, 1], c[:, 0], n_boot=0)
    assert est.value == ref.value  # the statistic is recorded at 0 and at `sweeps`


@pytest.mark.gpu
@cuda_only
def test_cuda_matches_numba():
    a = ising_magnetization(32, 2.0, [0, 20], 512, seed=1, burn_in=100, backend="numba")
    b = ising_magnetization(32, 2.0, [0, 20], 512, seed=2, burn_in=100, backend="torch", device="cuda")
    se = np.hypot(np.abs(a).std(0, ddof=1), np.abs(b).std(0, ddof=1)) / np.sqrt(512)
    assert np.all(np.abs(np.abs(a).mean(0) - np.abs(b).mean(0)) <= 5 * se)


@pytest.mark.parametrize("call,exc,match", [
    (lambda: ising_sign_information(15, 2.0, 10, 10, 0), ValueError, "`L` must be even"),
    # refused before any sweep: 1e6 bootstrap resamples of 2000 replicas need ~60 GiB
    (lambda: ising_sign_information(8, 1.5, 20, 2000, 0, n_boot=10**6, max_bytes=10**9), ValueError,
     "the bootstrap of plugin_mi needs"),
    (lambda: ising_sign_information(8, 1.5, 20, 20, 0, n_boot=-1), ValueError, "`n_boot` must be an integer"),
    (lambda: ising_sign_information(0, 2.0, 10, 10, 0), ValueError, "`L` must be an integer in"),
    (lambda: ising_sign_information(8, 0.0, 10, 10, 0), ValueError, "`T` must be a finite number in"),
    (lambda: ising_sign_information(8, -1.0, 10, 10, 0), ValueError, "`T` must be a finite number in"),
    (lambda: ising_sign_information(8, 2.0, -1, 10, 0), ValueError, "`sweeps` must be an integer in"),
    (lambda: ising_sign_information(8, 2.0, 10, 0, 0), ValueError, "`replicas` must be an integer in"),
    (lambda: ising_sign_information(8, 2.0, 10, 1, 0), ValueError, "`replicas` must be an integer in \\[2"),
    (lambda: ising_sign_information(8, 2.0, 10, 10, -3), ValueError, "`seed` must be an integer in"),
    (lambda: ising_sign_information(8, 2.0, 10, 10, 0, backend="jax"), ValueError, "`backend` must be one of"),
    (lambda: ising_sign_information(8, 2.0, 10, 10, 0, backend=3), TypeError, "`backend` must be a string"),
    (lambda: ising_sign_information(8, 2.0, 10, 10, 0, backend="numba", device="cpu"), ValueError,
     "`device` is only accepted"),
    (lambda: ising_magnetization(8, 2.0, [-1], 10, seed=0), ValueError, "`times` must hold non-negative"),
    (lambda: ising_magnetization(8, 2.0, [1], 10, seed=0, statistic=5), TypeError, "`statistic` must be callable"),
    (lambda: ising_magnetization(8, 2.0, [1], 10, seed=0, statistic=lambda s: s[:1, 0, 0]), ValueError,
     "`statistic` must return shape"),
    (lambda: ising_magnetization(64, 2.0, [1], 10 ** 6, seed=0, max_bytes=10 ** 6), ValueError, "max_bytes"),
    (lambda: ising_sign_information(64, 2.0, 1, 10 ** 4, 0, max_bytes=10 ** 6), ValueError, "max_bytes"),
    (lambda: ising_sign_information(8, 2.0, 1, 10 ** 4, 0, burn_in=0, n_boot=10 ** 4, max_bytes=10 ** 8), ValueError,
     "max_bytes"),
    (lambda: ising_sign_information(8, float("nan"), 1, 10, 0), ValueError, "`T` must be a finite number"),
    (lambda: ising_sign_information(8, 2.0, 1, 10, 0, n_boot=-1), ValueError, "`n_boot` must be an integer in"),
    (lambda: ising_sign_information(8, 2.0, 1, 10, 0, statistic="sign"), TypeError, "`statistic` must be callable"),
    (lambda: ising_magnetization(8, 2.0, [1], 10, seed=0, burn_in=-1), ValueError, "`burn_in` must be an integer in"),
    (lambda: ising_magnetization(8, 2.0, [1.5], 10, seed=0), ValueError, "`times` must hold integers"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_cuda_refused_without_gpu():
    from tests.conftest import HAS_CUDA

    if HAS_CUDA:
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match="torch sees no CUDA device"):
        ising_magnetization(8, 2.0, [1], 4, seed=0, backend="torch", device="cuda")


def test_bootstrap_refused_by_plugin_mi_plan_before_simulating():
    # the caller plans the bootstrap with plugin_mi's own plan: refused one byte below it, accepted at it
    from capacity.mi.plugin import plugin_mi_plan_bytes

    n_boot = 10 ** 4
    plan = int(plugin_mi_plan_bytes(50, n_boot, 3, 3))  # 50 replicas; sign M takes 3 values
    with pytest.raises(ValueError, match="the bootstrap of plugin_mi needs"):
        ising_sign_information(4, 2.0, 1, 50, 0, burn_in=0, n_boot=n_boot, max_bytes=plan - 1)
    ising_sign_information(4, 2.0, 1, 50, 0, burn_in=0, n_boot=n_boot, max_bytes=plan)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_peak_memory_within_its_plan(backend):
    # the plan checked against max_bytes (ising_plan_bytes): numba 2 B per site, the vectorised sweep 36 B
    from capacity.experiments.ising import ising_plan_bytes

    from .reference import peak_bytes

    L, R, times = 32, 64, [0, 3]
    plan = int(ising_plan_bytes(L, R, len(times), backend))
    for statistic in (None, lambda s: s[:, 0, 0]):
        run = lambda mb: ising_magnetization(L, 2.0, times, R, seed=0, burn_in=2, backend=backend,  # noqa: E731
                                             statistic=statistic, max_bytes=mb)
        assert peak_bytes(lambda: run(plan)) <= plan
        with pytest.raises(ValueError, match="max_bytes"):
            run(plan - 1)


def test_numpy_and_torch_run_the_same_sweep():
    # one vectorised sweep for both namespaces: at T -> 0+ every site follows its field (ties need u < 1/2),
    # so an ordered start stays ordered on both, and the magnetisations are +-1 exactly
    a = ising_magnetization(8, 1e-3, [0, 5], 6, seed=3, burn_in=3, backend="numpy")
    b = ising_magnetization(8, 1e-3, [0, 5], 6, seed=3, burn_in=3, backend="torch", device="cpu")
    np.testing.assert_array_equal(np.abs(a), 1.0)
    np.testing.assert_array_equal(a, b)  # the same signs (drawn from the seed before the sweeps)


def test_numpy_sweep_survives_uniforms_of_zero():
    # float32 uniforms are k / 2^24, so u = 0 exactly happens (logit -inf: the site becomes +1, no warning
    # under the suite's warnings-as-errors); seed 33 draws one in its second sweep
    rng = np.random.default_rng(33)
    rng.random(64)  # the replicas' signs
    assert not (rng.random((64, 64, 64), dtype=np.float32) == 0).any()
    assert (rng.random((64, 64, 64), dtype=np.float32) == 0).any()
    m = ising_magnetization(64, 2.0, [0], 64, seed=33, burn_in=2, backend="numpy")
    assert np.all(np.abs(m) <= 1.0)
