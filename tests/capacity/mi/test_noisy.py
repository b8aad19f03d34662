"""Noisy-channel MI: far-apart points, a single point, two points vs quadrature, bound order,
and the sample-propagation plug-in on linear Gaussian channels vs the closed form."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from capacity.mi import gaussian_channel_mi, noisy_channel_mi
from tests.refusal import refused_before_allocating


@pytest.mark.parametrize("n,d", [(2, 1), (7, 3), (64, 5)])
def test_points_40_sigma_apart_give_log2_n(n, d, rng):
    sigma = 0.3
    # a scaled random code: rescale so that the minimum pairwise distance is >= 40 sigma
    p = rng.standard_normal((n, d))
    dmin = min(np.linalg.norm(p[i] - p[j]) for i in range(n) for j in range(i))
    p *= 40 * sigma / dmin
    r = noisy_channel_mi(p, sigma, seed=0)
    # cross terms are at most e^-200 (Bhattacharyya, 40 sigma apart): below float64 resolution,
    # so all three equal log2 n up to the rounding of log n and of the mean (measured <= 9e-16)
    assert r.value == pytest.approx(math.log2(n), abs=1e-12)
    assert r.lower == pytest.approx(math.log2(n), abs=1e-12)
    assert r.upper == pytest.approx(math.log2(n), abs=1e-12)


def test_single_point_gives_zero():
    r = noisy_channel_mi(np.array([[1.0, -2.0, 3.0]]), 0.5, seed=0)
    assert (r.value, r.lower, r.upper) == (0.0, 0.0, 0.0)


def mixture_mi_quadrature_bits(a, b, sigma):
    """I(X; Y) for X uniform on {a, b}, Y = X + sigma Z, by scipy quadrature of h(Y) - h(Z)."""
    def integrand(y):
        p = 0.5 * (stats.norm.pdf(y, a, sigma) + stats.norm.pdf(y, b, sigma))
        return -p * math.log(p) if p > 0 else 0.0

    lo, hi = min(a, b) - 12 * sigma, max(a, b) + 12 * sigma
    h_y, _ = integrate.quad(integrand, lo, hi, points=[a, b], limit=200, epsabs=1e-12)
    h_z = 0.5 * math.log(2 * math.pi * math.e * sigma**2)
    return (h_y - h_z) / math.log(2)


@pytest.mark.parametrize("gap", [0.3, 1.0, 2.0, 4.0])
def test_two_points_against_quadrature(gap, seed):
    truth = mixture_mi_quadrature_bits(0.0, gap, 1.0)
    r = noisy_channel_mi([[0.0], [gap]], 1.0, n_mc=20000, seed=seed)
    assert abs(r.value - truth) <= 4 * r.stderr  # MC within 4 standard errors
    assert r.lower <= truth <= r.upper  # certified Kolchinsky-Tracey bounds
    assert r.stderr > 0


@pytest.mark.parametrize("scale", [1e-3, 0.1, 1.0, 5.0, 1e4])
def test_bound_order_always(scale, rng):
    p = scale * rng.standard_normal((50, 3))
    r = noisy_channel_mi(p, 1.0, n_mc=500, seed=1)
    assert r.lower <= r.upper + 1e-12
    assert r.upper <= math.log2(50) + 1e-12
    assert r.value <= math.log2(50) + 1e-12  # the j = i term is exactly 1
    assert r.extra["ceiling"] == pytest.approx(math.log2(50), abs=1e-12)


def kt_bounds_bruteforce_bits(p, sigma):
    """Kolchinsky-Tracey bounds for X uniform on the rows of p, from scipy distances: Bhattacharyya
    distance |a-b|^2/(8 sigma^2) (lower), KL divergence |a-b|^2/(2 sigma^2) (upper)."""
    from scipy.spatial.distance import cdist
    from scipy.special import logsumexp

    d2 = cdist(p, p, "sqeuclidean")
    n = len(p)
    lower = -np.mean(logsumexp(-d2 / (8 * sigma**2), axis=1) - math.log(n))
    upper = -np.mean(logsumexp(-d2 / (2 * sigma**2), axis=1) - math.log(n))
    return lower / math.log(2), upper / math.log(2)


@pytest.mark.parametrize("n,d,scale", [(8, 1, 1.5), (30, 3, 0.7), (200, 4, 2.0)])
def test_kt_bounds_match_the_formula(n, d, scale, rng):
    # the bounds at moderate overlap (where a wrong constant in either exponent shows), against scipy
    p = scale * rng.standard_normal((n, d))
    r = noisy_channel_mi(p, 1.0, n_mc=64, seed=0)
    lo, up = kt_bounds_bruteforce_bits(p, 1.0)
    assert r.lower == pytest.approx(lo, abs=1e-12)  # float64 rounding of the sums only
    assert r.upper == pytest.approx(up, abs=1e-12)
    assert 0.02 < lo < up - 0.05  # the case is not degenerate: both bounds informative and apart


def test_saturation_flag_is_the_15_nat_rule(seed):
    # n = 2000, d = 3: the plug-in sweeps from far below ln n to near it as sigma shrinks
    x = np.random.default_rng(seed).standard_normal((2000, 3))
    flags = []
    for sigma in (1.0, 0.3, 0.2, 0.15, 0.1, 0.03):  # ln n - plug-in: 6.6, 3.9, 2.9, 2.1, 1.2, 0.07 nats
        r = noisy_channel_mi(x, sigma, inputs="samples", seed=seed, bounds=False, units="nats")
        assert r.extra["saturated"] == (r.extra["plugin"] >= math.log(2000) - 1.5)
        flags.append(r.extra["saturated"])
    assert flags[0] is False and flags[-1] is True  # both sides of the rule are exercised


def test_large_activations_exact_differences():
    # points around 1e9 separated by 3 sigma: a Gram-matrix shortcut would cancel catastrophically
    base = np.array([[0.0], [3.0]])
    near = noisy_channel_mi(base, 1.0, n_mc=4000, seed=2)
    far = noisy_channel_mi(base + 1e9, 1.0, n_mc=4000, seed=2)
    assert far.value == pytest.approx(near.value, abs=1e-9)
    assert far.lower == pytest.approx(near.lower, abs=1e-9)
    assert far.upper == pytest.approx(near.upper, abs=1e-9)


def test_units_and_seed_reproducibility(rng):
    p = rng.standard_normal((20, 2))
    a = noisy_channel_mi(p, 0.5, seed=3)
    b = noisy_channel_mi(p, 0.5, seed=3, units="nats")
    assert b.value == pytest.approx(a.value * math.log(2), rel=1e-12, abs=0)
    assert noisy_channel_mi(p, 0.5, seed=3).value == a.value


# Linear Gaussian channels Y = X + sigma Z, X ~ N(0, I_d): sample propagation with n = 10^4, the issue's
# four cases. The midpoint of [plug-in, leave-one-out] is measured within 0.05 bits on 8 seeds (the plug-in
# alone reads 0.24 low at (5, 0.3)); 0.15 bits is the tolerance (SEED=all runs 100 seeds).
@pytest.mark.parametrize("d,sigma", [(2, 1.0), (5, 1.0), (2, 0.3), (5, 0.3)])
def test_sample_propagation_within_015_bits(d, sigma, seed):
    x = np.random.default_rng(seed).standard_normal((10_000, d))
    truth = gaussian_channel_mi(np.eye(d), np.eye(d), sigma).value
    r = noisy_channel_mi(x, sigma, inputs="samples", seed=seed, bounds=False)
    assert abs(r.value - truth) <= 0.15  # bits, the tolerance
    assert not r.extra["saturated"] and r.extra["estimate"] == "midpoint"
    assert abs(r.value - truth) <= r.extra["bias_bound"] + 4 * r.stderr
    assert math.isnan(r.lower) and math.isnan(r.upper)  # KT bounds bound the plug-in, not the truth


def test_sample_propagation_bracket_d5_sigma03(seed):
    # the plug-in reads about 0.24 bits low and the leave-one-out about 0.24 high (I = 9.0 bits, ln n = 13.3 bits):
    # on one sample of n = 10^4 both margins are ~8 standard errors, so the bracket holds on every seed
    x = np.random.default_rng(seed).standard_normal((10_000, 5))
    truth = gaussian_channel_mi(np.eye(5), np.eye(5), 0.3).value
    r = noisy_channel_mi(x, 0.3, inputs="samples", seed=seed, bounds=False)
    assert truth - 0.4 < r.extra["plugin"] < truth < r.extra["leave_one_out"] < truth + 0.4
    assert r.value == pytest.approx(0.5 * (r.extra["plugin"] + r.extra["leave_one_out"]), rel=1e-12)
    assert r.extra["bias_bound"] == pytest.approx(0.5 * (r.extra["leave_one_out"] - r.extra["plugin"]),
                                                  rel=1e-12, abs=0)


def _sp_bruteforce(x, sigma, z):
    """Plug-in and leave-one-out SP in nats with draw k = point k, from Gaussian log-densities (scipy)."""
    from scipy.special import logsumexp

    n, d = x.shape
    y = x + sigma * z
    dist2 = ((y[:, None, :] - x[None, :, :]) ** 2).sum(-1)  # (draw, component)
    log_phi = -dist2 / (2 * sigma**2) - 0.5 * d * math.log(2 * math.pi * sigma**2)
    log_noise = np.diag(log_phi)  # log density of y_k given x_k
    off = log_phi.copy()
    np.fill_diagonal(off, -np.inf)
    plugin = np.mean(log_noise - (logsumexp(log_phi, axis=1) - math.log(n)))
    loo = np.mean(log_noise - (logsumexp(off, axis=1) - math.log(n - 1)))
    return plugin, loo


@pytest.mark.parametrize("n,d,sigma", [(2, 1, 1.0), (9, 3, 0.7), (40, 2, 0.2)])
def test_sample_propagation_against_bruteforce(n, d, sigma):
    # with n_mc = n each point is drawn once; the same permutation and noise are replayed by hand
    x = np.random.default_rng(n).standard_normal((n, d))
    r = noisy_channel_mi(x, sigma, inputs="samples", seed=5, units="nats", bounds=False)
    rng = np.random.default_rng(5)
    idx = rng.permutation(n)
    z = np.empty((n, d))
    z[idx] = rng.standard_normal((n, d))  # draw k used point idx[k]
    plugin, loo = _sp_bruteforce(x, sigma, z)
    assert r.extra["plugin"] == pytest.approx(plugin, abs=1e-12)
    assert r.extra["leave_one_out"] == pytest.approx(loo, abs=1e-12)


def test_sample_propagation_brackets_truth_in_expectation():
    # E[plug-in] <= I <= E[leave-one-out] (concavity of entropy; Jensen for -ln). 400 replicates of n = 30,
    # Y = X + 0.5 Z in d = 2 (truth 2.32 bits); the gaps are ~0.3 and ~0.5 bits, the standard errors of the
    # replicate means ~0.01 bits
    truth = gaussian_channel_mi(np.eye(2), np.eye(2), 0.5).value
    rng = np.random.default_rng(11)
    reps = [noisy_channel_mi(rng.standard_normal((30, 2)), 0.5, inputs="samples", seed=s, bounds=False,
                             n_mc=300).extra for s in range(400)]
    plugin = np.array([e["plugin"] for e in reps])
    loo = np.array([e["leave_one_out"] for e in reps])
    se = max(plugin.std(), loo.std()) / math.sqrt(len(reps))
    assert plugin.mean() + 4 * se < truth < loo.mean() - 4 * se


@pytest.mark.parametrize("d,sigma", [(5, 0.05), (2, 0.01)])
def test_high_snr_is_below_truth_and_flagged(d, sigma, seed):
    x = np.random.default_rng(seed).standard_normal((10_000, d))
    truth = gaussian_channel_mi(np.eye(d), np.eye(d), sigma).value
    r = noisy_channel_mi(x, sigma, inputs="samples", seed=seed, bounds=False)
    assert r.value < truth
    assert r.value <= math.log2(10_000) + 1e-12
    assert r.extra["saturated"] and r.extra["estimate"] == "plugin" and r.value == r.extra["plugin"]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 12), d=st.integers(1, 4), scale=st.floats(1e-3, 1e3), dup=st.booleans(),
       seed=st.integers(0, 2**31))
def test_bounds_order_property(n, d, scale, dup, seed):
    p = scale * np.random.default_rng(seed).standard_normal((n, d))
    if dup and n > 1:
        p[-1] = p[0]  # duplicated points are allowed (X uniform over labels)
    r = noisy_channel_mi(p, 1.0, n_mc=64, seed=0)
    assert 0.0 - 1e-12 <= r.lower <= r.upper + 1e-12
    assert r.upper <= math.log2(n) + 1e-12 and r.value <= math.log2(n) + 1e-12


def test_single_sample_in_sample_mode():
    r = noisy_channel_mi([[0.5]], 1.0, inputs="samples", seed=0)
    assert r.value == 0.0 and r.extra["saturated"]  # 0 >= ln 1 - 1.5: a single sample says nothing
    assert r.extra["estimate"] == "plugin" and r.extra["leave_one_out"] == math.inf
    assert r.extra["bias_bound"] == math.inf


# --- hostile sigma, scale and size (the hostile-input issue) ---------------------------------

P8 = np.linspace(0, 1, 8)[:, None]


@pytest.mark.parametrize("inputs", ["finite", "samples"])
@pytest.mark.parametrize("sigma", [5e-324, 1e-300, 1e-200, 1e-160, 1e-20])
def test_tiny_sigma_gives_the_ceiling(sigma, inputs):
    # points 1/7 apart at sigma <= 1e-20 are > 1e19 sigma apart: every cross term underflows, so
    # value and both bounds are ln 8 exactly (no sigma**2 is formed: 1e-200**2 was 0 and a
    # ZeroDivisionError, 1e-160 gave bounds = inf)
    r = noisy_channel_mi(P8, sigma, seed=0, inputs=inputs)
    assert r.value == r.extra["ceiling"] == math.log(8) * (1 / math.log(2))  # ln 8 in bits, as computed
    if inputs == "finite":
        assert r.lower == r.upper == r.extra["ceiling"]
    else:
        assert r.extra["plugin_lower"] == r.extra["plugin_upper"] == r.extra["ceiling"]


@pytest.mark.parametrize("sigma", [1e20, 1e160, 1e300, 1.7976931348623157e308])
def test_huge_sigma_gives_zero_within_its_bounds(sigma):
    # truth <= the KL bound <= max |p_i - p_j|^2 / (2 sigma^2 ln 2) <= 1e-40 bits; 1e160 used to
    # return the ceiling (3 bits) with bounds [0, 0]
    r = noisy_channel_mi(P8, sigma, seed=0)
    assert 0.0 <= r.lower <= r.upper <= 1e-40
    # the MC value is ln 8 - mean(ln(1 + R)) with R = 7 up to 1e-40: only the rounding of the two
    # logs and the mean is left, a few ulps of ln 8 (4.4e-16 each)
    assert abs(r.value) <= 8 * np.spacing(math.log(8)) / math.log(2)


@pytest.mark.parametrize("c", [2.0**-1000, 2.0**-900, 2.0**900, 2.0**1023])
def test_scaling_points_and_sigma_by_a_power_of_two_changes_nothing(c):
    # I(X; cP + c sigma Z) = I(X; P + sigma Z); scaling by 2^k is exact in binary floating point,
    # so the results are bitwise equal. At c = 2^1023 the points span +-9e307 and their
    # differences (1.8e308) overflow unless halved first
    p = np.linspace(-1, 1, 8)[:, None] * [1.0, 0.5]
    ref = noisy_channel_mi(p, 0.3, seed=1, n_mc=500)
    got = noisy_channel_mi(p * c, 0.3 * c, seed=1, n_mc=500)
    assert (got.value, got.stderr, got.lower, got.upper) == (ref.value, ref.stderr, ref.lower, ref.upper)


def test_subnormal_points_and_sigma():
    # points k * 5e-324 with sigma = 5e-324 are the points k with sigma = 1 (exact division)
    k = np.arange(4.0)[:, None]
    ref = noisy_channel_mi(k, 1.0, seed=3, n_mc=300)
    got = noisy_channel_mi(k * 5e-324, 5e-324, seed=3, n_mc=300)
    assert (got.value, got.lower, got.upper) == (ref.value, ref.lower, ref.upper)


def test_blocked_draws_are_the_one_shot_stream(monkeypatch):
    # the normal draws are made in blocks of MC_BLOCK_BYTES; numpy's Generator fills them from one
    # stream, so any block size gives bitwise the same estimate
    import capacity.mi.noisy as noisy

    p = np.random.default_rng(0).standard_normal((30, 3))
    ref = noisy_channel_mi(p, 0.7, seed=5, n_mc=1000, inputs="samples")
    monkeypatch.setattr(noisy, "MC_BLOCK_BYTES", 8 * 3 * 7)  # 7 rows per block
    assert noisy.mc_block_rows(1000, 3) == 7
    got = noisy_channel_mi(p, 0.7, seed=5, n_mc=1000, inputs="samples")
    assert got == ref


@pytest.mark.parametrize("inputs", ["finite", "samples"])
def test_peak_memory_within_the_plan(inputs):
    import tracemalloc

    from capacity.mi.noisy import noisy_plan

    p = np.random.default_rng(0).standard_normal((300, 40)).astype(np.float32)
    noisy_channel_mi(p[:10], 1.0, n_mc=20, seed=0, inputs=inputs)  # compile/load the kernels first
    tracemalloc.start()
    try:
        noisy_channel_mi(p, 1.0, n_mc=3000, seed=0, inputs=inputs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= noisy_plan(300, 40, 3000, True)[0]


@pytest.mark.parametrize("shape,kwargs,match", [
    ((10**6, 1000), {}, "max_bytes"),                         # 2 x 8 GB of points (as given, / sigma)
    ((10**6, 1000), {"max_bytes": 2**35}, "max_work"),        # fits 32 GiB, but 10^15 terms
    ((10**6, 100), {"max_bytes": 2**31}, "max_work"),         # fits 2 GiB, but 10^14 terms
    ((10**6, 100), {"max_bytes": 2**30}, "max_bytes"),
    ((10**5, 1), {"max_work": 1e9}, "max_work"),              # the bounds alone are 10^10 terms
    ((10**9,), {}, "max_bytes"),                              # the 10^9-element view
])
def test_huge_requests_refused_before_allocating(shape, kwargs, match):
    view = np.broadcast_to(np.float32(1.0), shape)  # a read-only view: no memory of its own
    # nothing of the size of the request is allocated
    refused_before_allocating(lambda: noisy_channel_mi(view, 1.0, **kwargs), match=match, exc=ValueError)


def test_max_work_lets_a_small_call_through_and_is_validated():
    assert noisy_channel_mi(P8, 1.0, n_mc=10, seed=0, max_work=8 * 10 + 64).n_samples == 10
    with pytest.raises(ValueError, match="`max_work` must be at least the 144 coordinate terms"):
        noisy_channel_mi(P8, 1.0, n_mc=10, seed=0, max_work=143)
    with pytest.raises(ValueError, match="`max_work` must be a finite number in \\(0"):
        noisy_channel_mi(P8, 1.0, max_work=0)
    with pytest.raises(TypeError, match="`max_work` must be a real number"):
        noisy_channel_mi(P8, 1.0, max_work="1e9")


@pytest.mark.parametrize("seed,exc,match", [
    (-1, ValueError, r"`seed` must be an integer in \[0, 9223372036854775807\]; got -1"),
    (2**63, ValueError, r"`seed` must be an integer in \[0, 9223372036854775807\]; got 9223372036854775808"),
    (1.0, TypeError, r"`seed` must be an integer or None; got 1.0"),
    (True, TypeError, r"`seed` must be an integer or None; got True"),
])
def test_seed_range(seed, exc, match):
    with pytest.raises(exc, match=match):
        noisy_channel_mi(P8, 1.0, seed=seed)
    assert noisy_channel_mi(P8, 1.0, seed=2**63 - 1).n_samples == 2000


def test_both_kernel_paths_agree(rng):
    # points are divided by sigma up front when no quotient can overflow (the fast path); beyond
    # that, each difference is halved and divided in the kernel. On ordinary data both apply, and
    # agree up to the rounding of one division per coordinate (1e-12 relative on O(1) log-sums)
    from capacity.mi._kernels import UNIT, in_sigma_units, kt_log_sums, mixture_log_terms

    p = rng.standard_normal((40, 3))
    sigma = 0.6
    q, unit = in_sigma_units(p, sigma)
    assert unit == UNIT and np.array_equal(q, p / sigma)
    idx = rng.integers(0, 40, 200)
    z = rng.standard_normal((200, 3))
    np.testing.assert_allclose(mixture_log_terms(q, idx, z, UNIT), mixture_log_terms(p, idx, z, sigma), rtol=1e-12)
    for a, b in zip(kt_log_sums(q, UNIT), kt_log_sums(p, sigma)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    # the general path is the one taken when max |p| / sigma > 2**1021
    far = np.array([[0.0], [1.0], [1.0 + 2**-52]])
    assert in_sigma_units(far, 1e-308)[1] == 1e-308
    r = noisy_channel_mi(far, 1e-308, seed=0)  # 1 and 1 + 2^-52 are 2e292 sigma apart: 3 distinct
    assert r.value == r.lower == r.upper == r.extra["ceiling"]
