"""family_capacity: each reduction against an unreduced computation, and the exact channel."""
import itertools
import math
import tracemalloc

import numpy as np
import pytest

from boolean import noise_stability, total_influence
from capacity import blahut_arimoto
from capacity.insensitive import (cell_probabilities, family_capacity, insensitive_capacity,
                                  junta_family, symmetric_family, table_family, threshold_family)

#: Two certified intervals of the same number must overlap; 1e-12 absorbs the last-bit rounding
#: of two independent sums of a few thousand terms of size <= 1.
OVERLAP = 1e-12


def _overlap(a_lo, a_hi, b_lo, b_hi):
    return a_lo <= b_hi + OVERLAP and b_lo <= a_hi + OVERLAP


def _sym_tables(n):
    """Truth tables (2**n bits) of all symmetric functions, in symmetric_family's order."""
    w = np.array([bin(x).count("1") for x in range(1 << n)])
    return np.array([[(i >> int(k)) & 1 for k in w] for i in range(1 << (n + 1))], dtype=np.uint8)


def _sequence_capacity(tables, s, m, tol=1e-10):
    """Brute force: the channel on raw sample sequences ((cell, bit) ^ m), no reduction at all."""
    q, _ = cell_probabilities(tables, s)
    K = q.shape[1]
    r = np.concatenate([q / K, (1 - q) / K], axis=1)          # P(symbol | f), symbol = (cell, bit)
    cols = [np.prod([r[:, j] for j in seq], axis=0) for seq in itertools.product(range(2 * K), repeat=m)]
    return blahut_arimoto(np.stack(cols, axis=1), tol=tol)


# ----------------------------------------------------------------------------- the exact channel

@pytest.mark.parametrize("n,s,m", [(n, s, m) if (n, m) != (3, 4) else pytest.param(n, s, m, marks=pytest.mark.slow)
                                   for n in (1, 2, 3) for s in range(n + 1) for m in (1, 2, 3, 4)])
def test_all_functions_equals_insensitive_capacity(n, s, m):
    r = family_capacity("all", n, s, m)
    e = insensitive_capacity(n, s, m)
    assert r.gap <= 1e-9 and e.gap <= 1e-9
    assert _overlap(r.lower, r.upper, e.lower, e.upper)
    # the groups are the classes of indistinguishable functions
    assert len(r.groups) == e.n_classes


@pytest.mark.slow
@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_all_functions_n4_s1(m):
    r = family_capacity("all", 4, 1, m)
    e = insensitive_capacity(4, 1, m)
    assert _overlap(r.lower, r.upper, e.lower, e.upper)


@pytest.mark.parametrize("k,s,m", [(1, 0, 2), (1, 1, 3), (2, 1, 3), (2, 2, 2), (3, 1, 2), (3, 2, 2)])
def test_juntas_at_n_equal_k_are_the_exact_channel(k, s, m):
    r = family_capacity(junta_family(k, k), k, s, m)
    e = insensitive_capacity(k, s, m)
    assert _overlap(r.lower, r.upper, e.lower, e.upper)


# ----------------------------------------------------------------------------- each reduction proved

@pytest.mark.parametrize("n,s,m", [(2, 1, 2), (3, 1, 2), (3, 2, 2)])
def test_reductions_against_raw_sequences(n, s, m):
    # cells merged to weights, members merged, types: against the raw (2K)^m sequence channel
    r = family_capacity(symmetric_family(n), n, s, m, tol=1e-10)
    b = _sequence_capacity(_sym_tables(n), s, m)
    assert _overlap(r.lower, r.upper, b.lower, b.upper)


@pytest.mark.parametrize("n", range(1, 9))
def test_symmetric_cells_collapse_to_weights(n):
    # q of every cell (S, a) equals the binomial formula at w = |a|, for every s
    fam = symmetric_family(n)
    tables = _sym_tables(n)
    for s in range(n + 1):
        q_red, pi = fam.reduced_cells(s)
        q, cells = cell_probabilities(tables, s)
        w = np.array([bin(a).count("1") for _, a in cells])
        np.testing.assert_array_equal(q, q_red[:, w])   # both exact dyadic rationals
        # pi_w = P(|X_S| = w) = C(s, w) / 2**s, exactly
        np.testing.assert_array_equal(pi * (1 << s), [math.comb(s, k) for k in range(s + 1)])


def _symmetric_vs_tables_cases():
    """Every n in 1..8, every s in 0..n, m in 1..3. The table family enumerates all C(n, s) 2**s
    cells and then merges them; at m = 3 with s >= n - 1 (n >= 5), and at (8, 8, 2), that takes
    1 to 100 s (loaded machine), so those run under the slow marker."""
    out = []
    for n in range(1, 9):
        for s in range(n + 1):
            for m in (1, 2, 3):
                slow = (m == 3 and n >= 5 and s >= n - 1) or (n, s, m) == (8, 8, 2)
                out.append(pytest.param(n, s, m, marks=pytest.mark.slow) if slow else (n, s, m))
    return out


@pytest.mark.parametrize("n,s,m", _symmetric_vs_tables_cases())
def test_symmetric_reduction_equals_table_family(n, s, m):
    a = family_capacity(symmetric_family(n), n, s, m)
    b = family_capacity(table_family(_sym_tables(n)), n, s, m)
    assert _overlap(a.lower, a.upper, b.lower, b.upper)


@pytest.mark.parametrize("n,s,m", [(5, 2, 3), (6, 1, 3), (7, 5, 2)])
def test_thresholds_equal_table_family(n, s, m):
    fam = threshold_family(n, intervals=True)
    w = np.array([bin(x).count("1") for x in range(1 << n)])
    tables = np.array([[a <= k <= b for k in w] for a, b in fam.bounds], dtype=np.uint8)
    a = family_capacity(fam, n, s, m)
    b = family_capacity(table_family(tables), n, s, m)
    assert _overlap(a.lower, a.upper, b.lower, b.upper)


@pytest.mark.parametrize("n,k,s,coords", [(5, 2, 2, (1, 3)), (5, 2, 4, (0, 4)), (4, 3, 2, (0, 1, 3))])
def test_junta_reduction_equals_table_family(n, k, s, coords):
    fam = junta_family(n, k, coords=coords)
    xs = np.arange(1 << n)
    z = sum(((xs >> c) & 1) << i for i, c in enumerate(coords))
    tables = fam.tables[:, z]
    a = family_capacity(fam, n, s, 2)
    b = family_capacity(table_family(tables), n, s, 2)
    assert _overlap(a.lower, a.upper, b.lower, b.upper)


def test_member_merge_spreads_mass_over_groups():
    # x and ~x, all functions at (2, 1): parity and anti-parity are one group (Bob cannot tell)
    r = family_capacity("all", 2, 1, 3)
    sizes = sorted(g.size for g in r.groups)
    assert sizes == [1] * 14 + [2]
    np.testing.assert_allclose(r.member_mass.sum(), 1.0, atol=1e-12)  # a law: sums to 1 (rounding only)
    for g in r.groups:
        assert np.ptp(r.member_mass[g]) == 0.0


# ----------------------------------------------------------------------------- invariants

@pytest.mark.parametrize("family,n,s", [("symmetric", 6, 2), ("thresholds", 20, 3), ("intervals", 9, 4)])
def test_bounds_and_monotone_in_m(family, n, s):
    prev = 0.0
    for m in (1, 2, 3, 4):
        r = family_capacity(family, n, s, m)
        assert r.lower <= r.upper and r.gap <= 1e-9
        assert r.lower >= prev - 1e-9                         # more samples never hurt (tol of each solve)
        assert r.upper <= min(m, math.log2(len(r.groups))) + 1e-9
        prev = r.lower


def test_one_sample_is_one_bit_for_families_holding_both_constants():
    for fam, n in (("symmetric", 5), ("thresholds", 50), (junta_family(30, 2), 30)):
        r = family_capacity(fam, n, 2, 1)
        assert abs(r.lower - 1.0) <= 1e-9 and r.upper >= 1.0 - 1e-12


def test_large_n_thresholds_run_without_enumeration():
    r = family_capacity("thresholds", 1000, 2, 2)
    assert r.gap <= 1e-9 and 1.0 <= r.lower <= 2.0


def test_total_influence_and_stability_match_boolean():
    rho = 0.3
    for n in (1, 3, 4):
        fam = symmetric_family(n)
        tables = _sym_tables(n)
        np.testing.assert_allclose(fam.total_influence(), total_influence(tables), rtol=0, atol=1e-12)
        np.testing.assert_allclose(fam.noise_stability(rho), noise_stability(tables, rho), rtol=0, atol=1e-12)
        th = threshold_family(n, intervals=True)
        w = np.array([bin(x).count("1") for x in range(1 << n)])
        tt = np.array([[a <= k <= b for k in w] for a, b in th.bounds], dtype=np.uint8)
        np.testing.assert_allclose(th.total_influence(), total_influence(tt), rtol=0, atol=1e-12)
        np.testing.assert_allclose(th.noise_stability(rho), noise_stability(tt, rho), rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- equality

def _one_field_changed(fam):
    """Families of the kind of ``fam``, each differing from it in one argument of the constructor."""
    from capacity.insensitive import FunctionFamily
    data = {"symmetric": "g", "interval": "bounds"}.get(fam.kind, "tables")
    args = dict(n=fam.n, kind=fam.kind, names=fam.names, coords=fam.coords, **{data: getattr(fam, data)})
    flipped = getattr(fam, data).copy()
    flipped[-1, -1] = (flipped[-1, -1] + 1) % (fam.n + 1 if data == "bounds" else 2)
    yield FunctionFamily(**{**args, data: flipped})
    yield FunctionFamily(**{**args, "names": fam.names[:-1] + ("renamed",)})
    if fam.kind == "junta":
        yield FunctionFamily(**{**args, "coords": tuple(c + 1 for c in fam.coords)})


@pytest.mark.parametrize("build", [lambda: symmetric_family(3), lambda: threshold_family(4, intervals=True),
                                   lambda: junta_family(5, 2),
                                   lambda: table_family({"0": [0] * 4, "x1": [0, 0, 1, 1]})])
def test_families_built_alike_are_equal_and_hash_alike(build):
    from capacity.insensitive import FunctionFamily
    a, b = build(), build()
    assert a is not b and a == b and not a != b and hash(a) == hash(b) and len({a, b}) == 1
    data = {"symmetric": "g", "interval": "bounds"}.get(a.kind, "tables")
    as_list = FunctionFamily(n=a.n, kind=a.kind, names=list(a.names), coords=a.coords,
                             **{data: getattr(a, data).tolist()})
    assert as_list == a and hash(as_list) == hash(a)         # stored as the same numpy array
    for other in _one_field_changed(a):
        assert other != a and not other == a and a != other
    for other in (threshold_family(3), symmetric_family(4)):  # another kind, another n
        assert other != a


def test_a_family_keeps_its_own_array():
    # a family is a value (it is hashed and compared): changing the caller's array afterwards must
    # not change it
    from capacity.insensitive import FunctionFamily

    g = np.array([[0, 1, 1, 0], [1, 1, 1, 1]], dtype=np.uint8)
    fam = FunctionFamily(n=3, kind="symmetric", names=("parity-ish", "one"), g=g)
    before, h = fam.g.copy(), hash(fam)
    g[0, 0] = 1
    assert np.array_equal(fam.g, before) and hash(fam) == h
    assert fam == FunctionFamily(n=3, kind="symmetric", names=("parity-ish", "one"), g=before)
    torch = pytest.importorskip("torch")
    t = torch.tensor(before)
    fam = FunctionFamily(n=3, kind="symmetric", names=("parity-ish", "one"), g=t)
    t[0, 0] = 1 - t[0, 0]
    assert np.array_equal(fam.g, before)


def test_a_family_against_other_objects_is_unequal_without_error():
    fam = symmetric_family(2)
    for other in (None, 1, "symmetric", fam.names, fam.g, fam.g.tolist(), object()):
        assert (fam == other) is False and (other == fam) is False
        assert (fam != other) is True and (other != fam) is True


# ----------------------------------------------------------------------------- bad input

def test_bad_input():
    with pytest.raises(TypeError, match="`family` must"):
        family_capacity([[0, 1], [0, 1, 1, 0]], 1, 0, 1)            # ragged
    with pytest.raises(ValueError, match="`family` must hold values in"):
        family_capacity([[0, 2, 1, 0]], 2, 1, 1)                     # non-binary
    with pytest.raises(ValueError, match="`functions` must hold values in"):
        table_family([[0, 2, 1, 0]])                                 # the same tables, named by table_family
    with pytest.raises(ValueError, match="`family` must be truth tables of n = 3"):
        family_capacity([[0, 1, 1, 0]], 3, 1, 1)
    with pytest.raises(ValueError, match="`family` must be a family of n = 5"):
        family_capacity(symmetric_family(4), 5, 1, 1)
    with pytest.raises(ValueError, match="`family` must be one of"):
        family_capacity("majority", 3, 1, 1)
    with pytest.raises(ValueError, match="`n` must be an integer in \\[1, 16\\]"):
        family_capacity("symmetric", 17, 1, 1)
    with pytest.raises(ValueError, match="`n` must be an integer in \\[1, 1000\\]"):
        threshold_family(1001)
    with pytest.raises(ValueError, match="`n` must be an integer in \\[1, 64\\]"):
        junta_family(65, 2)
    with pytest.raises(ValueError, match="`k` must be an integer in \\[1, 4\\]"):
        junta_family(10, 5)
    with pytest.raises(ValueError, match="`coords` must hold 2 distinct"):
        junta_family(10, 2, coords=[1, 1])
    with pytest.raises(ValueError, match="`n` must be an integer in \\[1, 4\\]"):
        family_capacity("all", 5, 1, 1)
    with pytest.raises(ValueError, match="`s` must be"):
        family_capacity("symmetric", 4, 5, 1)
    with pytest.raises(ValueError, match="`m` must be"):
        family_capacity("symmetric", 4, 1, 65)
    with pytest.raises(ValueError, match="`tol` must be"):
        family_capacity("symmetric", 4, 1, 1, tol=0)
    with pytest.raises(TypeError, match="`intervals` must be a bool"):
        threshold_family(4, intervals=1)
    with pytest.raises(ValueError, match="`names` must have one entry"):
        table_family([[0, 1]], names=["a", "b"])


def test_over_max_bytes_is_refused_before_allocating():
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="max_bytes"):
            family_capacity("symmetric", 10, 5, 12, max_bytes=2**20)   # C(23, 12) = 1.4e6 types
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # the family itself (2**11 members) and its q are built; no channel-sized array is
    assert peak < 8 * 2**20
    with pytest.raises(ValueError, match="max_bytes"):
        family_capacity(table_family(np.zeros((4, 1 << 16), dtype=np.uint8)), 16, 8, 1, max_bytes=2**20)


# ----------------------------------------------------------------------------- symmetry folding

def _unfolded(fam, n, s, m):
    import importlib
    import time

    fc = importlib.import_module("capacity.insensitive.family_capacity")
    q, pi = fam.reduced_cells(s)
    return fc.solve_cells(fam, q, pi, n, s, m, 1e-9, None, None, time.perf_counter(), "test",
                          q0=fam.reduced_zeros(s, q), fold=False)


@pytest.mark.parametrize("fam,n,s,m,gens", [
    (symmetric_family(6), 6, 2, 3, 3),            # complement, reflection w -> s - w, both
    (threshold_family(9), 9, 4, 3, 3),
    (threshold_family(200), 200, 2, 4, 3),        # n - s > 53: exact complement counts
    (junta_family(7, 2), 7, 3, 3, 7),             # complement x (2 flips, 1 swap) combinations
    (table_family({"0": [0] * 8, "x0": [0, 1] * 4, "AND": [0] * 7 + [1]}), 3, 1, 3, 0),
])
def test_folding_equals_the_unfolded_channel(fam, n, s, m, gens):
    # the folded solve (one law per orbit, bonus H(Wbar_o) - H(W_rep), sweep over representatives)
    # against the same reduced channel solved row by row: both certified to 1e-9, so they overlap
    a = family_capacity(fam, n, s, m)
    b = _unfolded(fam, n, s, m)
    assert b.symmetries == 0 and b.row_orbits == len(b.groups)
    assert a.symmetries == gens                   # verified generators (a family not closed loses them)
    assert a.row_orbits < len(a.groups) or gens == 0
    assert _overlap(a.lower, a.upper, b.lower, b.upper)
    assert a.gap <= 1e-9 and b.gap <= 1e-9


def test_folded_law_is_invariant_and_certified_by_brute_force():
    # the law returned is uniform on each orbit; its I(P) and max_f D(W_f || PW) recomputed on the
    # full type channel (every group, every type, no folding) reproduce the certificate
    import importlib

    from scipy.special import gammaln

    fc = importlib.import_module("capacity.insensitive.family_capacity")
    fam, n, s, m = symmetric_family(5), 5, 2, 3
    r = family_capacity(fam, n, s, m)
    q, pi = fam.reduced_cells(s)
    red = fc.reduce_cells(q, pi, fam.reduced_zeros(s, q))
    counts = fc.compositions(red.d, m).astype(np.float64)
    logW = gammaln(m + 1.0) - gammaln(counts + 1.0).sum(axis=1) + red.logr @ counts.T
    W = np.exp(logW)
    p = r.group_mass
    Q = p @ W
    D = (W * (logW - np.log(Q))).sum(axis=1) / math.log(2)
    # 1e-12: sums of <= 56 types of terms <= 1 bit, against the solver's own sums
    assert abs(p @ D - r.lower) <= 1e-12 and abs(D.max() - r.upper) <= 1e-12
    for sigma, phi in fc.channel_symmetries(red, fam.cell_symmetries(s)):
        np.testing.assert_array_equal(p[phi], p)   # masses are set orbit by orbit: exactly equal


@pytest.mark.parametrize("fam,n,s,m", [(symmetric_family(4), 4, 2, 3), (symmetric_family(6), 6, 3, 2),
                                       (threshold_family(7), 7, 2, 3)])
def test_support_certificate_bounds_another_optimal_law(fam, n, s, m):
    # a second optimal law, from another route (no folding, another start and solver path), must
    # lie within law_spread of the first on every candidate group and put <= outside_mass elsewhere
    a = family_capacity(fam, n, s, m)
    b = _unfolded(fam, n, s, m)
    # g / sqrt(g) = sqrt(g) in nats; 1e-6 relative: the gap is a difference of two numbers near 1.3
    # rounded separately to bits, so only its first ~7 digits agree
    assert a.outside_mass <= math.sqrt(a.gap * math.log(2)) * (1 + 1e-6)
    if math.isinf(a.law_spread):
        pytest.skip("candidate rows not independent: no spread to check")
    assert np.abs(a.group_mass - b.group_mass).max() <= a.law_spread + b.outside_mass
    assert all(t[1] > a.law_spread for t in a.certified_support)
    assert a.certified_support, "the exact support should be certified at gap 1e-9"


@pytest.mark.parametrize("functions, match", [
    (np.broadcast_to(np.uint8(0), (2**40,)), "n <= 20"),           # one table of 2**40 entries
    (np.broadcast_to(np.uint8(0), (2**20, 2**20)), "max_bytes"),    # 2**20 tables of n = 20: 1 TiB
    (np.broadcast_to(np.array({"0": [0, 0]}, dtype=object), (2**40,)), "n <= 20"),
])
def test_table_family_refuses_huge_views_before_copying(functions, match):
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=match):
            table_family(functions)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**24, peak     # refused from the shape: nothing of the view's size was allocated


def test_cluster_certificate_where_member_rows_are_near_duplicates():
    # thresholds at n = 32, s = 2, m = 8: near-duplicate rows (thresholds far from n/2 against the
    # constants) make the member-level spread infinite; the clusters' masses stay certified
    r = family_capacity("thresholds", 32, 2, 8)
    assert r.law_spread == math.inf and math.isfinite(r.cluster_spread)
    assert 0 < r.clusters < r.candidates
    # where the member-level certificate is finite, eps = 0 (bit-identical rows only) is among the
    # choices, so the cluster spread is never worse than it
    for fam, n, s, m in (("thresholds", 8, 2, 4), ("symmetric", 6, 2, 3)):
        q = family_capacity(fam, n, s, m)
        assert math.isfinite(q.law_spread) and q.cluster_spread <= q.law_spread
    # the bound itself, against a second solve: a near-optimal law (tol 1e-7) differs from the first
    # on each cluster's mass by at most the sum of the two certified spreads (each bounds the distance
    # of its law to every optimal law); compared group by group, which is stricter than cluster by
    # cluster for a group that shares its cluster (such a group could only fail, not pass wrongly)
    r2 = family_capacity("thresholds", 32, 2, 8, tol=1e-7)
    heavy = {t[0]: t[1] for t in r.support if t[1] > 0.05}
    light = {t[0]: t[1] for t in r2.support}
    for name, mass in heavy.items():
        assert abs(light.get(name, 0.0) - mass) <= r.cluster_spread + r2.cluster_spread


def test_support_certificate_forms_no_pairwise_distances_of_many_candidates():
    # 4 000 candidate rows of 3 types: the clusters' distance matrix (k x k, 128 MB and its
    # temporaries) must not be formed; sigma and the spread still are (rows x types is small)
    import importlib

    fc = importlib.import_module("capacity.insensitive.family_capacity")
    k, m = 4000, 1
    rng = np.random.default_rng(3)
    r = rng.dirichlet(np.ones(3), size=k)
    counts = fc.compositions(3, m).astype(np.float64)
    members = [np.array([i]) for i in range(k)]
    tracemalloc.start()
    cert = fc.support_certificate(np.log(r), counts, np.zeros(counts.shape[0]), np.full(k, 1.0 / k), 0.5,
                                  0.5 + 1e-10, np.full(k, 0.5), members)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert cert["candidates"] == k and cert["clusters"] == 0
    assert peak < 20 * 2**20, peak


# ----------------------------------------------------------------------------- a full active set

def _capped(monkeypatch, fam, n, s, m, dense_rows):
    """family_capacity with the active set's byte budget cut to ``dense_rows`` unfolded rows."""
    import importlib

    fc = importlib.import_module("capacity.insensitive.family_capacity")
    types = family_capacity(fam, n, s, m).n_types
    monkeypatch.setattr(fc, "_ACTIVE_BYTES", 8 * types * dense_rows)
    return fc


def test_folded_rows_fill_the_active_budget_by_their_own_width(monkeypatch):
    # the 18 thresholds of 8 bits and their complements: 5 row orbits, the optimum on 10 members; a
    # budget of 2 unfolded rows holds all 5 folded ones (a folded row has one column per type orbit).
    # Counting unfolded columns left 2 rows in the active set and a gap far above tol.
    fam = threshold_family(8)
    free = family_capacity(fam, 8, 2, 8)
    _capped(monkeypatch, fam, 8, 2, 8, dense_rows=2)
    r = family_capacity(fam, 8, 2, 8)
    assert free.row_orbits == 5 and r.active_rows == 5
    assert r.converged and r.gap <= 1e-9
    assert _overlap(r.lower, r.upper, free.lower, free.upper)


@pytest.mark.parametrize("n,m,dense_rows", [(12, 3, 3), (12, 3, 10), (10, 4, 5), (16, 3, 3)])
def test_a_full_active_set_swaps_its_massless_rows_for_violators(monkeypatch, n, m, dense_rows):
    # interval families have 37-82 row orbits and an optimum on a few of them; with room for some more
    # than that, the first active set (spread over all orbits) is full of rows of no mass: they must
    # leave for the rows that violate the bound, or the solve stalls with a gap of 0.1-1 bit
    fam = threshold_family(n, intervals=True)
    free = family_capacity(fam, n, 2, m)
    _capped(monkeypatch, fam, n, 2, m, dense_rows)
    r = family_capacity(fam, n, 2, m)
    assert r.active_rows < free.row_orbits        # the budget binds
    assert r.converged and r.gap <= 1e-9
    assert _overlap(r.lower, r.upper, free.lower, free.upper)



def test_a_row_leaves_a_full_active_set_at_most_once(monkeypatch):
    # with every row allowed to leave (_DROP_MASS = 1), rows of the optimal support are swapped out and
    # back in round after round: without the once-only rule all 60 rounds ran (gap 0.9 bit); with it
    # the swaps stop and the loop ends in 15 rounds, the best round's bracket still certified
    from capacity import ConvergenceWarning

    fam = threshold_family(12, intervals=True)
    free = family_capacity(fam, 12, 2, 3)
    fc = _capped(monkeypatch, fam, 12, 2, 3, dense_rows=3)
    monkeypatch.setattr(fc, "_DROP_MASS", 1.0)
    with pytest.warns(ConvergenceWarning):
        r = family_capacity(fam, 12, 2, 3)
    assert r.rounds < 30
    assert free.gap <= 1e-9 and _overlap(r.lower, r.upper, free.lower, free.upper)

def test_an_active_set_too_small_for_the_support_gives_an_infinite_upper_bound(monkeypatch):
    # one active row: pW misses the types the other rows reach, so the upper bound is infinite; the
    # result says so (a ConvergenceWarning, no law certificate) instead of failing in the certificate
    from capacity import ConvergenceWarning

    fam = threshold_family(12, intervals=True)
    _capped(monkeypatch, fam, 12, 2, 3, dense_rows=1)
    with pytest.warns(ConvergenceWarning, match="gap inf"):
        r = family_capacity(fam, 12, 2, 3)
    assert r.upper == math.inf and 0 < r.lower < 1 and not r.converged
    assert r.law_spread == math.inf and r.outside_mass == 1.0 and r.certified_support == []



def test_the_round_of_least_gap_is_returned(monkeypatch):
    # the first solve of the active set is loose (tol 1e-3), every later one returns the uniform law
    # on it, which certifies far less (gaps above 0.1 bit): the result keeps the first round's law
    # and bracket
    import importlib

    from capacity import ConvergenceWarning

    ba = importlib.import_module("capacity.blahut_arimoto")
    real = ba.blahut_arimoto
    calls = []

    class Uniform:
        def __init__(self, n):
            self.p = np.full(n, 1.0 / n)

    def worse_after_the_first(V, **kw):
        calls.append(V.shape[0])
        return real(V, **{**kw, "tol": 1e-3}) if len(calls) == 1 else Uniform(V.shape[0])

    monkeypatch.setattr(ba, "blahut_arimoto", worse_after_the_first)
    with pytest.warns(ConvergenceWarning):
        r = family_capacity(threshold_family(12, intervals=True), 12, 2, 3)
    assert len(calls) >= 2 and r.rounds == len(calls)
    assert r.gap <= 2e-3



def test_log_type_rows_are_multinomial_log_probabilities():
    # against scipy's multinomial law, type by type, for three random symbol laws
    import importlib

    from scipy.stats import multinomial

    fc = importlib.import_module("capacity.insensitive.family_capacity")
    rng = np.random.default_rng(7)
    d, m = 4, 5
    r = rng.dirichlet(np.ones(d), size=3)
    counts = fc.compositions(d, m).astype(np.float64)
    L = fc.log_type_rows(np.log(r), counts, fc.log_multinomials(counts, m))
    ref = np.array([multinomial(m, row).logpmf(counts) for row in r])
    np.testing.assert_allclose(L, ref, rtol=1e-13, atol=1e-13)    # a few ulps of terms of size <= 20

@pytest.mark.parametrize("d,m", [(1, 4), (2, 0), (2, 5), (3, 4), (4, 6), (5, 1), (6, 5), (9, 3)])
def test_a_permuted_type_is_found_by_its_rank(d, m):
    # the index of every permuted composition against a dictionary of compositions(d, m), for the
    # identity, a transposition and random permutations
    import importlib

    fc = importlib.import_module("capacity.insensitive.family_capacity")
    counts = fc.compositions(d, m)
    assert counts.shape[0] == math.comb(m + d - 1, d - 1) == len({tuple(t) for t in counts.tolist()})
    assert (counts.sum(axis=1) == m).all() and (counts >= 0).all()
    index = {tuple(t): i for i, t in enumerate(counts.tolist())}
    rng = np.random.default_rng(d * 100 + m)
    sigmas = [np.arange(d), np.roll(np.arange(d), 1)] + [rng.permutation(d) for _ in range(3)]
    for sigma in sigmas:
        want = np.empty(counts.shape[0], dtype=np.int64)
        for i, t in enumerate(counts.tolist()):
            img = [0] * d
            for j in range(d):
                img[sigma[j]] = t[j]
            want[i] = index[tuple(img)]
        np.testing.assert_array_equal(fc._type_permutation(counts, sigma), want)


def test_composition_counts_are_binomials_and_refuse_int64_overflow():
    import importlib

    fc = importlib.import_module("capacity.insensitive.family_capacity")
    N = fc.composition_counts(5, 7)
    for a in range(6):
        for r in range(8):
            brute = sum(1 for c in itertools.product(range(r + 1), repeat=a) if sum(c) == r)
            assert N[a, r] == brute
    with pytest.raises(ValueError, match="2\\*\\*63"):
        fc.composition_counts(40, 200)


@pytest.mark.parametrize("T,d,k,high", [(200, 6, 6, 5), (200, 6, 3, 2), (50, 1, 1, 3), (300, 12, 5, 1)])
def test_sparse_types_order_symbols_as_a_stable_sort_by_decreasing_count(T, d, k, high):
    # many ties and zeros: the kernel against numpy's stable argsort of -counts, symbols and counts
    import importlib

    fk = importlib.import_module("capacity.insensitive._family_kernels")
    counts = np.random.default_rng(T + d + k).integers(0, high + 1, size=(T, d)).astype(np.float64)
    sym, cnt = fk.sparse_types(counts, k)
    order = np.argsort(-counts, axis=1, kind="stable")[:, :k]
    np.testing.assert_array_equal(sym, order)
    np.testing.assert_array_equal(cnt, np.take_along_axis(counts, order, axis=1))


def test_log_multinomials_by_blocks_equal_the_whole_sum(monkeypatch):
    # blocks of 7 rows (a last partial block): bit for bit the unblocked table lookup and row sums
    import importlib

    fr = importlib.import_module("capacity.insensitive.family_rounding")
    fc = importlib.import_module("capacity.insensitive.family_capacity")
    counts = fc.compositions(9, 4).astype(np.float64)           # 495 types of 9 symbols
    table = np.array([math.log(float(math.factorial(k))) for k in range(5)])
    want = table[4] - table[counts.astype(np.int64)].sum(axis=1)
    monkeypatch.setattr(fr, "_ROWS", 7)
    np.testing.assert_array_equal(fr.log_multinomials(counts, 4), want)


def test_divergence_terms_match_a_direct_evaluation_row_by_row():
    # 37 rows (two full blocks of 16 and a partial one) whose log W span [-2000, 0] across the
    # underflow floor, a structural zero, output logs with -inf: D, S, B, R and H against numpy
    # and exact sums (fsum) row by row; each row computed alone is bit for bit its row in the block
    import importlib

    fc = importlib.import_module("capacity.insensitive.family_capacity")
    fk = importlib.import_module("capacity.insensitive._family_kernels")
    rng = np.random.default_rng(11)
    d, m, G = 5, 12, 37
    counts = fc.compositions(d, m).astype(np.float64)
    sym, cnt = fc._sparse_types(counts)
    logcoef = fc.log_multinomials(counts, m)
    logr = rng.uniform(-170, 0, size=(G, d))
    logr -= np.log(np.exp(logr).sum(axis=1))[:, None]
    logr[3, 2] = fc._LOG_ZERO
    logr = np.ascontiguousarray(logr)
    L = logcoef[None, :] + logr @ counts.T
    assert ((L > -709.5) & (L < -708)).any() and (L < -800).any() and (L > -5).any()
    logQ = np.log(np.exp(L[:4]).mean(axis=0) + 1e-300)
    logQ[::13] = -np.inf
    terms = fk.divergence_terms(logr, sym, cnt, logcoef, logQ, True)
    for f in range(G):
        Lf = logcoef + counts @ logr[f]                 # the same L, summed another way: a few ulps
        w = np.exp(Lf)
        normal = (w >= fk.TINY) & np.isfinite(logQ)
        rest = ~normal & (Lf > fk.STRUCTURAL)
        contrib = w[normal] * (Lf[normal] - logQ[normal])
        if (rest & ~np.isfinite(logQ)).any():
            assert terms[f, 0] == np.inf
        else:
            assert abs(terms[f, 0] - math.fsum(contrib)) <= 1e-11 * (1 + math.fsum(np.abs(contrib)))
        for col, vals in ((1, np.abs(contrib)), (2, w[normal] * np.abs(logQ[normal])), (3, w[normal]),
                          (4, (np.abs(Lf) + np.abs(logQ) + 1)[rest & np.isfinite(logQ)])):
            assert terms[f, col] == pytest.approx(math.fsum(vals), rel=1e-11, abs=1e-300)
        alone = fk.divergence_terms(logr[f:f + 1], sym, cnt, logcoef, logQ, True)
        np.testing.assert_array_equal(alone[0], terms[f])
    np.testing.assert_array_equal(fk.divergences(logr, sym, cnt, logcoef, logQ), terms[:, 0])


def test_folded_rows_of_a_large_orbit_hold_a_few_rows_at_a_time():
    # an orbit of 64 members over 20 349 types: its mean row and bonus against the dense computation,
    # and the peak of the temporaries a few rows of T, not 64 (which took 20 MB here)
    import importlib

    fc = importlib.import_module("capacity.insensitive.family_capacity")
    rng = np.random.default_rng(3)
    d, m, k = 6, 16, 64
    r = rng.dirichlet(np.ones(d), size=k)
    logr = np.log(r)
    counts = fc.compositions(d, m).astype(np.float64)
    T = counts.shape[0]
    logcoef = fc.log_multinomials(counts, m)
    t_order, t_starts, t_size = np.arange(T), np.arange(T), np.ones(T)
    tracemalloc.start()
    V, bonus = fc._folded_rows(logr, [np.arange(k)], counts, logcoef, t_order, t_starts, t_size)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    W = np.exp(logcoef[None, :] + logr @ counts.T)
    mean = W.mean(axis=0)
    np.testing.assert_allclose(V[0], mean, rtol=1e-13, atol=0)     # a few ulps of each log W, times m
    h_bar = -float(mean @ np.log(mean))
    h_rep = -float(W[0] @ np.log(W[0]))
    assert bonus[0] == pytest.approx(h_bar - h_rep, rel=1e-12, abs=0)
    assert peak < 8 * T * 8, peak

@pytest.mark.slow
def test_thresholds_at_64_samples_converge_in_the_default_budget():
    # 11.2 million types: the default budget holds 2 unfolded rows, and all 5 folded ones
    r = family_capacity(threshold_family(8), 8, 2, 64)
    assert r.n_types == math.comb(69, 5) and r.row_orbits == 5
    assert r.converged and r.gap <= 1e-9 and r.active_rows == 5
    assert 0 < r.lower <= r.upper <= math.log2(18)     # 18 inputs
