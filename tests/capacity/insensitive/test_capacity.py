"""insensitive_capacity: closed forms, raw-sequence brute force, folded = unfolded, invariants."""
import functools
import math
import warnings

import numpy as np
import pytest
from scipy.stats import binom

import capacity
from capacity import ConvergenceWarning, blahut_arimoto
from capacity.insensitive import count_classes, insensitive_capacity

from .test_channel import all_tables, raw_channel

TOL = 1e-9


def assert_same_capacity(a_lo, a_up, b_lo, b_up, slack=1e-12):
    """Two certified intervals for the same number must overlap (slack: float rounding)."""
    assert a_lo <= b_up + slack and b_lo <= a_up + slack, (a_lo, a_up, b_lo, b_up)


@pytest.mark.parametrize("n,s", [(n, s) for n in range(1, 5) for s in range(n + 1)])
def test_one_sample_is_one_bit(n, s):
    r = insensitive_capacity(n, s, 1)
    assert r.lower - 1e-12 <= 1.0 <= r.upper + 1e-12 and r.gap <= TOL   # certified (slack: rounding)


@pytest.mark.parametrize("n,s,visible", [(2, 1, "random"), (3, 1, "random"), (3, 2, "random"),
                                         (3, 1, "fixed"), (4, 1, "random")])
def test_nondecreasing_in_m_and_below_both_limits(n, s, visible):
    prev = None
    for m in range(1, 5):
        r = insensitive_capacity(n, s, m, visible=visible)
        assert r.lower <= min(m, math.log2(count_classes(n, s, visible=visible))) + 1e-12
        assert r.limit == math.log2(r.n_classes)
        if prev is not None:
            assert r.upper >= prev.lower - 1e-12       # C(m+1) >= C(m), certified
            assert r.lower >= prev.lower - TOL         # and the reported values follow
        prev = r


@pytest.mark.parametrize("n,m", [(1, 1), (1, 4), (2, 3), (3, 2), (3, 5), (4, 3), (5, 4), (7, 3)])
def test_s0_is_the_binomial_channel(n, m):
    """Built independently: inputs w / 2**n, w = 0..2**n, output Binomial(m, w / 2**n)."""
    N = 2 ** n
    W = np.array([binom.pmf(np.arange(m + 1), m, w / N) for w in range(N + 1)])
    ref = blahut_arimoto(W, tol=TOL)
    for sym in (True, False):
        r = insensitive_capacity(n, 0, m, symmetry=sym)
        assert r.n_classes == N + 1
        assert_same_capacity(r.lower, r.upper, ref.lower, ref.upper)


def test_approaches_log2_classes_and_uniform_law_reaches_it():
    """C -> log2 #classes as m grows, and the uniform law on the classes gets there too (docs/problem.rst, "Facts about C(n, s, m)")."""
    r = insensitive_capacity(1, 0, 64)   # q in {0, 1/2, 1}: only 64 zeros in a row leave doubt (2**-64)
    assert abs(r.lower - math.log2(3)) <= 1e-9 and r.upper >= math.log2(3) - 1e-12
    prev_c = prev_u = math.inf
    for m in (4, 16, 64):                # s = 0, n = 2: 5 classes
        r = insensitive_capacity(2, 0, m)
        ch = capacity.insensitive.channel_matrix(2, 0, m)
        uniform = capacity.mutual_information(np.full(5, 0.2), ch.W)
        gap_c, gap_u = r.limit - r.lower, r.limit - uniform
        assert 0 < gap_c <= gap_u + 1e-9          # the optimum beats the uniform law
        assert gap_c < prev_c and gap_u < prev_u   # both close in on the limit
        prev_c, prev_u = gap_c, gap_u
    assert gap_u < 0.06                           # measured 0.054 at m = 64 (uniform), 0.053 optimal


@pytest.mark.parametrize("n,m", [(1, 3), (2, 2), (2, 5), (3, 3), (3, 4), (4, 3)])
def test_s_equals_n_is_the_expected_number_of_distinct_points(n, m):
    """s = n: Bob sees x and f(x); F's table is read through an erasure channel on the 2**n
    points, so C = E #distinct sample points = 2**n (1 - (1 - 2**-n)**m) (uniform F)."""
    N = 2 ** n
    closed = N * (1 - (1 - 1 / N) ** m)
    r = insensitive_capacity(n, n, m)
    assert r.lower - 1e-12 <= closed <= r.upper + 1e-12


@pytest.mark.parametrize("m,value", [(2, 1.299642), (3, 1.696880)])
def test_worked_values_and_raw_channel_without_reduction(m, value):
    """docs/problem.rst's worked values, and the same number from all 16 functions x (2K)^m raw sequences."""
    r = insensitive_capacity(2, 1, m)
    assert abs(r.capacity - value) <= 5e-7          # the worked values have 6 decimals
    raw = raw_channel(all_tables(2), 2, 1, m)       # 16 x 8**m, no merge, no types
    assert raw.shape == (16, 8 ** m)
    ref = blahut_arimoto(raw, tol=TOL)
    assert_same_capacity(r.lower, r.upper, ref.lower, ref.upper)


def test_raw_channel_m1():
    raw = raw_channel(all_tables(2), 2, 1, 1)
    ref = blahut_arimoto(raw, tol=TOL)
    assert ref.lower <= 1.0 <= ref.upper + 1e-12


@pytest.mark.parametrize("n,s,m,S0", [(2, 1, 2, (0,)), (2, 1, 3, (1,)), (3, 1, 2, (2,)), (3, 2, 2, (0, 1)),
                                      (3, 1, 3, (0,))])
def test_fixed_visible_set_vs_brute_force(n, s, m, S0):
    r = insensitive_capacity(n, s, m, visible="fixed", S0=S0)
    assert r.n_classes == (2 ** (n - s) + 1) ** (2 ** s)
    raw = raw_channel(all_tables(n), n, s, m, S0=S0)
    ref = blahut_arimoto(raw, tol=TOL)
    assert_same_capacity(r.lower, r.upper, ref.lower, ref.upper)


@pytest.mark.parametrize("p,m", [(0.3, 2), (0.3, 3), (0.8, 2), (0.1, 3)])
def test_p_biased_vs_brute_force_n2(p, m):
    raw = raw_channel(all_tables(2), 2, 1, m, p=p)
    ref = blahut_arimoto(raw, tol=TOL)
    for sym in (True, False):
        r = insensitive_capacity(2, 1, m, p_bias=p, symmetry=sym)
        assert_same_capacity(r.lower, r.upper, ref.lower, ref.upper)


CASES = ([(5, 1, m, "fixed", (2,), 0.5) for m in (1, 2, 3)] + [(6, 1, 2, "fixed", (5,), 0.5)] + [(n, s, m, "random", None, 0.5) for n in range(1, 4) for s in range(n + 1) for m in range(1, 4)]
         + [(2, 1, m, "random", None, 0.5) for m in (4, 5)]
         + [(3, 1, m, "fixed", (1,), 0.5) for m in (2, 3)] + [(3, 2, 3, "fixed", (0, 2), 0.5)]
         + [(3, 1, 3, "random", None, 0.3), (3, 2, 2, "random", None, 0.7), (3, 1, 2, "fixed", (0,), 0.4)])


@pytest.mark.parametrize("n,s,m,visible,S0,p", CASES)
def test_folded_equals_unfolded(n, s, m, visible, S0, p):
    a = insensitive_capacity(n, s, m, visible=visible, S0=S0, p_bias=p)
    b = insensitive_capacity(n, s, m, visible=visible, S0=S0, p_bias=p, symmetry=False)
    assert a.gap <= TOL and b.gap <= TOL
    assert_same_capacity(a.lower, a.upper, b.lower, b.upper)
    assert a.folded_shape[0] <= a.n_classes and a.shape == b.shape
    # the folded law, lifted to classes, achieves its value in the unfolded channel
    ch = capacity.insensitive.channel_matrix(n, s, m, visible=visible, S0=S0, p_bias=p)
    assert abs(capacity.mutual_information(a.class_mass, ch.W) - a.lower) <= 1e-10   # sums of ~1e4 terms


@pytest.mark.slow
@pytest.mark.parametrize("n,s,m", [(4, 1, 3), (4, 1, 4), (4, 2, 2), (3, 2, 4), (3, 1, 6)])
def test_folded_equals_unfolded_bigger(n, s, m):
    a = insensitive_capacity(n, s, m)
    b = insensitive_capacity(n, s, m, symmetry=False)
    assert_same_capacity(a.lower, a.upper, b.lower, b.upper)


def test_goal_values_are_certified_to_1e6():
    """The issue's targets: C(4,1,m) for m <= 6 and C(4,2,m) for m <= 3, gap <= 1e-6."""
    for (s, top) in [(1, 6), (2, 3)]:
        last = 1.0 - TOL
        for m in range(2, top + 1):
            r = insensitive_capacity(4, s, m, tol=1e-7)
            assert r.gap <= 1e-7 and r.upper >= last
            assert r.lower <= min(m, r.limit)
            last = r.lower


def test_optimal_law_reported_on_functions():
    r = insensitive_capacity(3, 1, 2)
    assert abs(r.class_mass.sum() - 1.0) <= 1e-12
    assert r.class_mass.shape == (153,) and len(r.class_names) == 153
    # small m: the insensitive functions (constants, dictators) carry the mass
    names = " ".join(name for name, mass, _ in r.support)
    assert "0, 1" in names and "x0" in names
    masses = [mass for _, mass, _ in r.support]
    assert masses == sorted(masses, reverse=True) and abs(sum(masses) - 1) <= 1e-5
    # uniform inside an orbit: both constants carry the same mass
    names_idx = {nm: k for k, nm in enumerate(r.class_names) if nm}
    assert abs(r.class_mass[names_idx["0"]] - r.class_mass[names_idx["1"]]) <= 1e-15


def test_torch_backend_on_cpu_matches_numpy():
    a = insensitive_capacity(3, 2, 3)
    b = insensitive_capacity(3, 2, 3, backend="torch", device="cpu")
    assert b.result.backend == "torch"
    assert_same_capacity(a.lower, a.upper, b.lower, b.upper)
    c = insensitive_capacity(2, 1, 3, symmetry=False, backend="torch", device="cpu")
    assert c.result.backend == "torch"
    ref = insensitive_capacity(2, 1, 3, symmetry=False)
    assert_same_capacity(ref.lower, ref.upper, c.lower, c.upper)
    assert abs(c.capacity - 1.696880) <= 5e-7


def test_count_vector_route_matches_enumeration(monkeypatch):
    """Force the n >= 5 route (classes from count vectors, orbits by key lookup) at n = 3, 4."""
    from capacity.insensitive import model, solve, symmetry

    ref = {(n, s, m): insensitive_capacity(n, s, m) for n, s, m in [(3, 1, 3), (4, 1, 3), (3, 0, 4)]}

    def vector_classes(n, s, visible, S0, p_bias):
        return model.vector_classes(n, s, visible, S0, model.channel_cells(n, s, S0, p_bias))

    monkeypatch.setattr(symmetry, "channel_classes", vector_classes)
    monkeypatch.setattr(solve, "channel_classes", vector_classes)
    symmetry.class_orbits.cache_clear()                   # orbits of the forced classes, not cached ones
    monkeypatch.setattr(symmetry, "class_orbits", functools.lru_cache(maxsize=16)(symmetry.class_orbits.__wrapped__))
    monkeypatch.setattr(solve, "class_orbits", symmetry.class_orbits)
    for (n, s, m), a in ref.items():
        b = insensitive_capacity(n, s, m)
        assert b.representatives is None and b.n_classes == a.n_classes
        assert b.folded_shape == a.folded_shape
        assert_same_capacity(a.lower, a.upper, b.lower, b.upper)
        # the routes label an orbit's representative differently; its standard names agree
        def names(support):
            return [lab.rsplit(" (", 1)[1] for lab, _, _ in support if lab.endswith(")")]

        assert names(b.support) == names(a.support)


@pytest.mark.slow
def test_n5_s1_one_sample_and_limit():
    r = insensitive_capacity(5, 1, 1)
    assert r.lower <= 1.0 <= r.upper  # C = 1 exactly; the folded route's bracket holds for the exact channel
    assert r.n_classes == count_classes(5, 1) == 936545
    # count-vector classes are labelled by their ones per cell, then their standard functions
    assert r.folded_shape[1] == 1 and r.support[0][0] == "ones per cell [0, 0, 0, 0, 0, 0, 0, 0, 0, 0] (0, 1)"


def test_max_iter_warns_with_valid_bounds():
    ref = insensitive_capacity(3, 2, 3)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        r = insensitive_capacity(3, 2, 3, max_iter=3)
    assert r.gap > TOL and r.lower <= ref.upper + 1e-12 and r.upper >= ref.lower - 1e-12


def test_top_level_export():
    assert capacity.insensitive_capacity is insensitive_capacity
    assert "insensitive_capacity" in capacity.__all__


BAD = [
    (dict(n=2, s=3, m=1), ValueError, r"`s` must be an integer in \[0, 2\]"),
    (dict(n=2, s=1, m=0), ValueError, r"`m` must be an integer in \[1, 64\]"),
    (dict(n=5, s=2, m=4), ValueError, r"`m` must be <= 3 for n = 5, s = 2 \(the weight-level route\)"),
    (dict(n=6, s=1, m=2), ValueError, r"no exact route covers `n` = 6 .*Exact routes: .*n = 5 with s >= 2 for m <= 3"
                                      r".*capacity\.insensitive\.family_capacity"),
    (dict(n=5, s=2, m=2, symmetry=False), ValueError, r"`symmetry` must be True for n = 5, s = 2"),
    (dict(n=5, s=3, m=2, max_bytes=2 ** 20), ValueError, r"level_channel\(n=5, s=3, m=2\).*> max_bytes=1.0 MiB"),
    (dict(n=2, s=1, m=1, p_bias=1.5), ValueError, r"`p_bias` must be a finite number in \(0.0, 1.0\)"),
    (dict(n=2, s=1, m=1, p_bias=-0.1), ValueError, r"`p_bias`"),
    (dict(n=2, s=1, m=1, tol=0.0), ValueError, r"`tol` must be a finite number in \(0.0, inf\]"),
    (dict(n=2, s=1, m=1, symmetry="yes"), TypeError, r"`symmetry` must be a bool"),
    (dict(n=2, s=1, m=1, max_iter=-1), ValueError, r"`max_iter` must be an integer in \[0, inf\]"),
    (dict(n=2, s=1, m=1, backend="numba"), ValueError, r"`backend` must be one of \('auto', 'numpy', 'torch'\)"),
    (dict(n=2, s=1, m=1, backend=3), TypeError, r"`backend` must be a string"),
    (dict(n=2, s=1, m=1, device="cuda:99"), ValueError, r"`device`"),
    (dict(n=2, s=1, m=1, visible="fixed", S0=(5,)), ValueError, r"`S0 element` must be an integer in \[0, 1\]"),
    (dict(n=4, s=2, m=6, max_bytes=2 ** 20), ValueError, r"insensitive_capacity\(n=4, s=2, m=6\): the folded channel 214 x 35394.*> max_bytes=1.0 MiB"),
    (dict(n=4, s=2, m=3, symmetry=False, max_bytes=2 ** 20), ValueError, r"> max_bytes=1.0 MiB"),
    (dict(n=4, s=2, m=8, max_bytes=3 * 2 ** 30), ValueError,
     r"insensitive_capacity\(n=4, s=2, m=8\): the folded channel 214 x 1681876 and the solver's working memory "
     r"\(in place\) .* > max_bytes=3.0 GiB"),
    (dict(n=4, s=2, m=8, backend="torch"), ValueError, r"insensitive_capacity\(n=4, s=2, m=8\): the folded channel "
                                                       r"214 x 1681876 and the solver's working copies .* > max_bytes=8.0 GiB"),
]


@pytest.mark.parametrize("kwargs,exc,match", BAD)
def test_bad_input(kwargs, exc, match):
    kw = dict(kwargs)
    with warnings.catch_warnings():
        with pytest.raises(exc, match=match):
            insensitive_capacity(kw.pop("n"), kw.pop("s"), kw.pop("m"), **kw)


def test_report_section_quick(tmp_path):
    from capacity.report import Context
    from capacity.report import insensitive_section

    sec = insensitive_section.run(Context(outdir=tmp_path, quick=True))
    failed = [(c.claim, c.expected, c.measured) for c in sec.claims if not c.passed]
    assert not failed and len(sec.claims) >= 8
    assert sec.figures and all((tmp_path / f).exists() for f in sec.figures)
    assert "| (2,1,3) |" in sec.markdown


@pytest.mark.parametrize("backend", ["numpy", "numba", "torch"])
def test_bonus_iteration_survives_an_output_mass_underflowing_to_zero(backend):
    # row 2 (a mix of the two noiseless rows) is the only one reaching output 2, with 1e-30; at mass
    # 1e-300 its (pV)_2 = 1e-330 underflows to 0, where 0 * log 0 once made every bound NaN
    V = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.5, 1e-30]])
    V[2, :2] -= 0.5e-30
    p0 = np.array([0.5, 0.5, 1e-300])
    for method in ("plain", "accelerated"):
        r = blahut_arimoto(V, p0=p0, bonus=np.zeros(3), tol=1e-12, backend=backend, method=method)
        # the capacity of V is 1 bit up to ~1e-30 (two noiseless rows; row 2 is their mixture plus a leak)
        assert math.isfinite(r.lower) and math.isfinite(r.upper) and r.converged
        assert r.lower - 1e-12 <= 1.0 <= r.upper + 1e-12 and r.upper - r.lower <= 1e-12


def test_estimate_sizes_match_the_solve():
    """The estimate's exact parts (unfolded shape, type-orbits by Burnside) equal what the solve builds."""
    from capacity.insensitive import insensitive_estimate

    for n, s, m in [(2, 1, 3), (3, 2, 3), (4, 1, 4)]:
        est = insensitive_estimate(n, s, m)
        r = insensitive_capacity(n, s, m)
        assert est.route == "folded" and est.shape == r.shape
        assert est.solved_shape[1] == r.folded_shape[1]
        assert est.seconds > 0 and est.nbytes > 0
    est = insensitive_estimate(3, 1, 3, symmetry=False)
    assert est.route == "unfolded" and est.solved_shape == est.shape == insensitive_capacity(3, 1, 3, symmetry=False).shape
    est = insensitive_estimate(5, 3, 3)
    assert est.route == "levels" and est.shape == (count_classes(5, 3), math.comb(2 * 80 + 3 - 1, 3))   # K = C(5, 3) 2**3 = 80 cells


def test_max_seconds_refuses_up_front_and_progress_runs():
    with pytest.raises(ValueError, match=r"`max_seconds` must cover the estimate: insensitive_capacity\(n=4, s=2, m=8\)"
                                         r" is estimated at .* s \(folded route, solving about \d+ x 1681876"):
        insensitive_capacity(4, 2, 8, max_seconds=1)
    a = insensitive_capacity(3, 1, 3, max_seconds=600, progress=True)
    b = insensitive_capacity(3, 1, 3)
    # with max_seconds mirror descent runs in timed slices, each restarting the fused sweep, so the two
    # laws may differ in their last bits (at (3,2,4) they did before the in-place solve too): the
    # certified brackets must overlap, each within tol
    assert a.lower <= b.upper and b.lower <= a.upper and max(a.gap, b.gap) <= 1e-9


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(max_seconds=0), ValueError, r"`max_seconds` must be a finite number in \(0.0, inf\]"),
    (dict(max_seconds="1"), TypeError, r"`max_seconds`"),
    (dict(progress="yes"), TypeError, r"`progress` must be a bool"),
])
def test_bad_budget_and_progress(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        insensitive_capacity(2, 1, 2, **kwargs)


def test_folded_solve_holds_v_once(monkeypatch):
    # The CPU solve of the folded problem works on V in place: tracemalloc's peak over the solve stays
    # within inplace_plan, which excludes V itself. Small row blocks and a small polish budget make
    # that plan (about 1.6 MB here) far below V (214 x 4474 float64, 7.7 MB), so one copy of V fails.
    import tracemalloc

    import capacity._solver as core
    from capacity.insensitive.symmetry import folded_channel

    monkeypatch.setattr(core, "BLOCK_ENTRIES", 4096)
    fc = folded_channel(4, 2, 5)
    V = fc.V
    polish = core.polish_plan(1, V.shape[1], 0) or 600_000
    plan = core.inplace_plan(*V.shape, np.count_nonzero(V), polish)
    assert plan < V.nbytes / 4
    tracemalloc.start()
    try:
        p, iters, lower, upper = core.solve_inplace(V, fc.bonus, 1e-9 * math.log(2), 200_000, polish)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= plan
    # the same certified value as the route through capacity.blahut_arimoto (bits; intervals overlap)
    ref = blahut_arimoto(V, bonus=fc.bonus / math.log(2), max_iter=200_000)
    assert lower / math.log(2) <= ref.upper and ref.lower <= upper / math.log(2)
    assert (upper - lower) / math.log(2) <= 1e-9
