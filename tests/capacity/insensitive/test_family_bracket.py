"""family_bracket: the Monte Carlo ends against the exact family capacity."""
import numpy as np
import pytest

from capacity.insensitive import family_bracket, family_capacity
from tests.refusal import refused_before_allocating


@pytest.mark.parametrize("fam,n,s,m", [("thresholds", 6, 2, 3), ("symmetric", 5, 2, 3), ("intervals", 4, 1, 2)])
def test_bracket_contains_the_exact_family_capacity(fam, n, s, m, seed=0):
    exact = family_capacity(fam, n, s, m)
    b = family_bracket(fam, n, s, m, samples=2000, seed=seed)
    assert b.law_m == m
    # the law is the optimum solved to a certified gap LAW_TOL, so C_F - LAW_TOL <= I(P) <= C_F: the
    # unbiased estimate is within 4 stderr of I(P) (stderr is ~0 when the control variate's bins are
    # the cells themselves: the garbled channel is the channel, and its exact I(P) is the estimate)
    import importlib

    fb = importlib.import_module("capacity.insensitive.family_bracket")
    assert exact.lower - fb.LAW_TOL - 4 * b.stderr <= b.estimate <= exact.upper + 4 * b.stderr + 1e-12
    # the bracket holds at 95% (seeded, so this is deterministic)
    assert b.lower <= exact.upper and exact.lower <= b.upper


def test_given_law_and_constants_only():
    # the two constants with mass 1/2 each: one sample reveals which, I(P) = 1 bit exactly (no noise)
    from capacity.insensitive import threshold_family
    fam = threshold_family(8, complements=False)
    law = np.zeros(fam.size)
    law[0] = law[-1] = 0.5
    b = family_bracket(fam, 8, 3, 2, law=law, samples=200, seed=0)
    assert b.law_m is None
    assert abs(b.estimate - 1.0) <= 1e-12 and b.stderr <= 1e-12   # every draw gives log2(1 / (1/2)) = 1
    # x -> |x| >= 1 reaches outputs the constants never give: its divergence, hence the upper end, is inf
    assert b.upper == np.inf


def test_bad_input():
    with pytest.raises(ValueError, match="`samples` must be >= 57"):
        family_bracket("thresholds", 6, 2, 3, samples=50)
    with pytest.raises(ValueError, match="`confidence` must be"):
        family_bracket("thresholds", 6, 2, 3, confidence=1.0)
    with pytest.raises(ValueError, match="`law` must have shape"):
        family_bracket("thresholds", 6, 2, 3, law=[0.5, 0.5])
    with pytest.raises(ValueError, match="max_bytes"):
        family_bracket("thresholds", 1000, 500, 16, max_bytes=2**20)


@pytest.fixture
def few_types(monkeypatch):
    """(n, s, m, exact C_F) of thresholds at (9, 6, 3), with the types at m declared too many for
    the bracket's exact law, so it takes the garbled or the sample-average route."""
    import importlib

    fb = importlib.import_module("capacity.insensitive.family_bracket")
    monkeypatch.setattr(fb, "LAW_MAX_TYPES", 300)
    return 9, 6, 3, family_capacity("thresholds", 9, 6, 3)


def test_garbled_law_gives_a_certified_lower_bound(few_types):
    # with the types at m declared too many, the law comes from B quantile bins of cells; Bob
    # forgetting the cell inside a bin is a garbling, so its certified capacity is <= C_F (exact here)
    n, s, m, exact = few_types
    b = family_bracket("thresholds", n, s, m, samples=400, law_samples=0, seed=0)
    assert b.law_m == m and b.law_cells < s + 1 and b.law_method == "garbled"
    assert b.law_lower <= exact.upper + 1e-12            # 1e-12: two certified sums' last bits
    assert b.lower <= exact.upper and exact.lower <= b.upper


def test_identity_bins_are_the_reduced_cells():
    from capacity.insensitive import symmetric_family, threshold_family

    for fam, s in ((threshold_family(70), 10), (symmetric_family(7), 3)):
        q, pi = fam.reduced_cells(s)
        qb, q0b, pib = fam.binned_cells(s, np.arange(s + 1))
        # both are correctly rounded quotients of the same integers: bit-identical
        np.testing.assert_array_equal(qb, q)
        np.testing.assert_array_equal(q0b, fam.reduced_zeros(s, q))
        np.testing.assert_array_equal(pib, pi)


def test_quantile_bins_are_mirror_symmetric():
    import importlib
    from math import comb

    fb = importlib.import_module("capacity.insensitive.family_bracket")
    pi = np.array([comb(20, w) for w in range(21)], dtype=float) / 2 ** 20
    for B in (1, 2, 3, 5):
        lab = fb.quantile_bins(pi, B)
        np.testing.assert_array_equal(lab, lab.max() - lab[::-1])
        assert (np.diff(lab) >= 0).all() and set(lab.tolist()) == set(range(lab.max() + 1))


def test_jensen_bound_dominates_the_exact_divergence():
    # -log sum_g P_g exp(-m D(w_f || w_g)) >= D(W_f || PW) for every member, by brute force over
    # all (cell, bit)^m sequences of a small threshold family and a random law
    import importlib
    import itertools
    import math

    from capacity.insensitive import threshold_family

    fb = importlib.import_module("capacity.insensitive.family_bracket")
    fam, s, m = threshold_family(5), 2, 3
    q, pi = fam.reduced_cells(s)
    q0 = fam.reduced_zeros(s, q)
    law = np.random.default_rng(0).dirichlet(np.ones(fam.size))
    law[2] = 0.0
    law /= law.sum()
    r = np.concatenate([q * pi, q0 * pi], axis=1)                      # one sample's law, (M, 2L)
    W = np.stack([np.prod([r[:, j] for j in seq], axis=0)
                  for seq in itertools.product(range(r.shape[1]), repeat=m)], axis=1)
    Q = law @ W
    with np.errstate(divide="ignore", invalid="ignore"):
        D = np.where(W > 0, W * np.log(W / Q), 0.0).sum(axis=1) / math.log(2)
    bound = fb.jensen_bounds(q, q0, pi, law, m)
    # 1e-12: float sums of a few hundred terms on both sides
    assert (bound >= D - 1e-12).all()


def _huge(shape):
    """A broadcast view of ``shape`` (free to make; 2**40 float64 entries if expanded)."""
    return np.broadcast_to(np.float64(1.0), shape)


@pytest.mark.parametrize("call, exc, match", [
    # a huge broadcast law is refused from its shape, before the float64 copy of check_distribution
    (lambda: family_bracket("thresholds", 6, 2, 2, law=_huge((2**40,)), samples=100), ValueError, "`law`"),
    # non-string families are tables: refused under the parameter's own name
    (lambda: family_bracket(3, 6, 2, 2, samples=100), (TypeError, ValueError), "`family`"),
    (lambda: family_bracket(["thresholds"], 6, 2, 2, samples=100), (TypeError, ValueError), "`family`"),
    (lambda: family_capacity(3, 3, 1, 2), (TypeError, ValueError), "`family`"),
    (lambda: family_capacity(["symmetric"], 3, 1, 2), (TypeError, ValueError), "`family`"),
])
def test_hostile_regressions(call, exc, match):
    refused_before_allocating(call, match, exc=exc, peak=2**24)   # a 2**40 view would need 8 TiB


def test_sample_average_law_brackets_the_exact_value(few_types):
    # types declared too many: the law comes from the sample-average problem; the bracket must
    # still hold around the exact C_F (seeded, so deterministic), and the law is near-optimal
    n, s, m, exact = few_types
    b = family_bracket("thresholds", n, s, m, samples=4000, law_samples=4000, seed=0)
    assert b.law_method == "sample average" and b.law_m == m
    # the ends hold at 95% jointly, so one seed may miss by a few stderr (coverage: the slow test
    # below); here: each end within 4 of its stderr of the exact value (a 6e-5 event per end)
    assert b.estimate - 4 * b.stderr <= exact.upper and exact.lower <= b.upper + 4 * b.upper_stderr
    # the law is uniform on each orbit (complement, reflection): the orbit mean leaves it unchanged
    import importlib

    from capacity.insensitive import threshold_family

    fb = importlib.import_module("capacity.insensitive.family_bracket")
    orbit = fb.member_orbits(threshold_family(n), s, *_cells(n, s))
    np.testing.assert_array_equal(b.law, fb.orbit_mean(b.law, orbit))
    # the Rao-Blackwellised I(P) is unbiased: within 4 stderr of the exact I(P) of that law
    assert abs(b.estimate - _exact_information(n, s, m, b.law)) <= 4 * b.stderr
    assert b.width == b.upper - b.lower and b.lower_half_width >= 0 and b.upper_half_width >= 0


def _cells(n, s):
    from capacity.insensitive import threshold_family

    fam = threshold_family(n)
    q, pi = fam.reduced_cells(s)
    return q, fam.reduced_zeros(s, q), pi / pi.sum()


def _exact_information(n, s, m, law):
    """I(P) (bits) by enumerating every output (cells x bits)^m: brute force from the definition."""
    import itertools
    import math

    q, q0, pi = _cells(n, s)
    total = 0.0
    for cs in itertools.product(range(pi.size), repeat=m):
        pc = math.prod(pi[c] for c in cs)
        for ys in itertools.product((0, 1), repeat=m):
            W = pc * np.prod([q[:, c] if y else q0[:, c] for c, y in zip(cs, ys)], axis=0)
            pw = float(law @ W)
            ok = (W > 0) & (law > 0)
            total += float((law[ok] * W[ok] * np.log2(W[ok] / pw)).sum())
    return total


def test_member_orbits_are_channel_symmetries():
    # under a law uniform on orbits, every member of an orbit has the same exact D(W_f || PW)
    # (enumerated type channel), which is what lets the bracket estimate one member per orbit
    import importlib

    fb = importlib.import_module("capacity.insensitive.family_bracket")
    from capacity.insensitive import threshold_family

    n, s, m = 5, 2, 2
    q, q0, pi = _cells(n, s)
    orbit = fb.member_orbits(threshold_family(n), s, q, q0, pi)
    # thresholds t and n + 1 - t and their complements: orbits of 4 (the constants: 2)
    assert np.bincount(orbit).max() == 4 and orbit.max() + 1 < q.shape[0]
    law = fb.orbit_mean(np.random.default_rng(5).random(q.shape[0]), orbit)
    law /= law.sum()
    D = _exact_divergences(q, q0, pi, law, m)
    for o in np.unique(orbit):
        d = D[orbit == o]
        assert d.max() - d.min() <= 1e-12     # 1e-12: the same sum of terms in another order


def test_neighbour_bound_dominates_the_exact_divergence():
    # D(W_f || PW) <= D(W_g || PW) + nb[f, g] for every member f and support member g, with the
    # exact divergences from the enumerated type channel (n = 5, s = 2, m = 2)
    import importlib

    fb = importlib.import_module("capacity.insensitive.family_bracket")
    n, s, m = 5, 2, 2
    q, q0, pi = _cells(n, s)
    rng = np.random.default_rng(3)
    law = rng.random(q.shape[0]) * (rng.random(q.shape[0]) < 0.5)
    law /= law.sum()
    D = _exact_divergences(q, q0, pi, law, m)
    nb = fb.neighbour_bounds(q, q0, pi, law, m, np.arange(q.shape[0]))
    supp = np.flatnonzero(law > 0)
    # 1e-12: sums of a few hundred float64 terms of size <= log2(1/P_g)
    assert (D[:, None] <= D[supp][None, :] + nb + 1e-12).all()


def _exact_divergences(q, q0, pi, law, m):
    import itertools

    out = np.zeros(q.shape[0])
    for cs in itertools.product(range(pi.size), repeat=m):
        pc = np.prod([pi[c] for c in cs])
        for ys in itertools.product((0, 1), repeat=m):
            W = pc * np.prod([q[:, c] if y else q0[:, c] for c, y in zip(cs, ys)], axis=0)
            pw = law @ W
            with np.errstate(divide="ignore", invalid="ignore"):
                out += np.where(W > 0, W * np.log2(W / pw), 0.0)
    return out


def test_law_samples_bad_input():
    with pytest.raises(ValueError, match="`law_samples` must be 0 or >= 100"):
        family_bracket("thresholds", 6, 2, 3, law_samples=50)
    with pytest.raises(TypeError, match="`law_samples`"):
        family_bracket("thresholds", 6, 2, 3, law_samples="many")


@pytest.mark.slow
def test_bracket_coverage_over_seeds(few_types):
    # 20 seeded brackets (sample-average law refined, control variates): each holds with probability
    # >= 0.95 under the normal approximation, so P(at most 16 of 20 hold) <= 0.016; and the estimate
    # of I(P) is unbiased with a correct stderr: the z-scores against the exact I(P) of each law
    # have mean within 4 / sqrt(20) of 0 and a spread in [0.5, 1.6] (chi-square, 19 d.o.f., 99.9%)
    n, s, m, exact = few_types
    held, z = 0, []
    for seed in range(20):
        b = family_bracket("thresholds", n, s, m, samples=1000, law_samples=1000, seed=seed)
        held += bool(b.lower <= exact.upper and exact.lower <= b.upper)
        z.append((b.estimate - _exact_information(n, s, m, b.law)) / b.stderr)
    assert held >= 17
    assert abs(np.mean(z)) <= 4 / np.sqrt(20) and 0.5 <= np.std(z, ddof=1) <= 1.6


def test_garbled_divergences_against_brute_force():
    # D(W^b_f || P W^b) summed over the garbled channel's types equals the sum over every
    # (bin, bit)^m sequence of the garbled one-sample law (thresholds n = 7, s = 4, 3 bins, m = 3)
    import importlib
    import itertools

    fb = importlib.import_module("capacity.insensitive.family_bracket")
    n, s, m = 7, 4, 3
    q, q0, pi = _cells(n, s)
    lab = fb.quantile_bins(pi, 3)
    pib = np.bincount(lab, weights=pi)
    qb = np.stack([(q[:, lab == b] @ pi[lab == b]) / pib[b] for b in range(pib.size)], axis=1)
    q0b = 1.0 - qb
    law = np.random.default_rng(2).random(q.shape[0]) * (np.arange(q.shape[0]) % 3 > 0)
    law /= law.sum()
    r = np.concatenate([qb * pib, q0b * pib], axis=1)                   # one garbled sample, (M, 2B)
    W = np.stack([np.prod([r[:, j] for j in seq], axis=0)
                  for seq in itertools.product(range(r.shape[1]), repeat=m)], axis=1)
    Q = law @ W
    with np.errstate(divide="ignore", invalid="ignore"):
        D = np.where(W > 0, W * np.log2(W / Q), 0.0).sum(axis=1)
    D[((W > 0) & (Q == 0)).any(axis=1)] = np.inf
    got = fb.garbled_divergences(qb, q0b, pib, law, m, np.arange(q.shape[0]))
    fin = np.isfinite(D)
    np.testing.assert_array_equal(np.isfinite(got), fin)
    # 1e-12: sums of a few hundred float64 terms (types vs sequences), each below 10 bits
    np.testing.assert_allclose(got[fin], D[fin], rtol=0, atol=1e-12)


def test_control_variate_mean_is_unbiased_and_tighter():
    # x = z + noise with E z = mu known: the estimate is within 4 stderr of E x = mu + 0.3, and its
    # stderr is that of the noise alone (0.1 / sqrt(k)), far below the plain mean's (1 / sqrt(k));
    # a constant control gives the plain mean
    import importlib

    fb = importlib.import_module("capacity.insensitive.family_bracket")
    rng = np.random.default_rng(0)
    k, mu = 4000, 2.0
    z = mu + rng.standard_normal(k)
    x = z + 0.3 + 0.1 * rng.standard_normal(k)
    est, se = fb.control_variate_mean(x, z, mu)
    assert abs(est - (mu + 0.3)) <= 4 * se
    assert 0.8 * 0.1 / np.sqrt(k) <= se <= 1.2 * 0.1 / np.sqrt(k)   # 1.2: the sd of 4000 normals is within 5%
    est0, se0 = fb.control_variate_mean(x, np.ones(k), mu)
    assert est0 == x.mean() and se0 == x.std(ddof=1) / np.sqrt(k)


def test_alias_cells_follow_the_cell_law():
    # 10**5 draws from Walker's alias table: every cell's frequency within 5 binomial sd of pi
    import importlib
    from math import comb

    fb = importlib.import_module("capacity.insensitive.family_bracket")
    pi = np.array([comb(12, w) for w in range(13)], dtype=float) / 2 ** 12
    k = 10**5
    c = fb.draw_cells(np.random.default_rng(1), fb.alias_table(pi), (k,))
    freq = np.bincount(c, minlength=pi.size) / k
    assert (np.abs(freq - pi) <= 5 * np.sqrt(pi * (1 - pi) / k) + 1e-12).all()


def _student_miss(k, tail):
    """P(T_{k-1} > z_{1-tail}) by numerical integration of Student's t density (not scipy's t)."""
    from scipy.integrate import quad
    from scipy.special import gammaln
    from scipy.stats import norm

    nu = k - 1
    logc = gammaln((nu + 1) / 2) - gammaln(nu / 2) - 0.5 * np.log(nu * np.pi)
    dens = lambda x: np.exp(logc - (nu + 1) / 2 * np.log1p(x * x / nu))   # noqa: E731
    return quad(dens, norm.isf(tail), np.inf, epsabs=1e-14, epsrel=1e-10)[0]


@pytest.mark.parametrize("confidence", [0.95, 0.99])
def test_min_samples_follows_the_confidence(confidence):
    from capacity.insensitive.family_bracket import MISS_EXCESS, min_samples

    tail = (1 - confidence) / 2
    k = min_samples(tail)
    # the definition, with Student's t tail integrated here: k draws keep the miss probability of
    # the normal bound within MISS_EXCESS of its level, k - 1 do not (quad's error, < 1e-10
    # relative, is far below the 1e-3 relative steps of the tail between consecutive k)
    assert _student_miss(k, tail) <= MISS_EXCESS * tail
    assert _student_miss(k - 1, tail) > MISS_EXCESS * tail
    # the Cornish-Fisher expansion of the t tail, P(T > z) ~ a (1 + z (z^2 + 1) phi(z) / (4 nu a)),
    # gives nu ~ z (z^2 + 1) phi(z) / (4 a (MISS_EXCESS - 1)); k agrees with it to 5%
    from scipy.stats import norm
    z = norm.isf(tail)
    approx = z * (z * z + 1) * norm.pdf(z) / (4 * tail * (MISS_EXCESS - 1)) + 1
    assert abs(k - approx) <= 0.05 * approx
    # refused below, in a message naming the samples and the confidence; accepted at k
    with pytest.raises(ValueError, match=rf"`samples` must be >= {k} .*confidence={confidence:g}.*got {k - 1}"):
        family_bracket("thresholds", 4, 1, 2, samples=k - 1, confidence=confidence)
    b = family_bracket("thresholds", 4, 1, 2, samples=k, confidence=confidence, seed=0)
    assert b.samples == k and b.confidence == confidence
    # a stricter confidence needs more draws
    assert min_samples((1 - (1 + confidence) / 2) / 2) > k
