"""Class-orbits from the NPN classes: against the enumerated class-orbits (n <= 4), a brute force
from the definition, the independent class counts at n = 5, and the weight-level route's C(5, s, m)."""
import math
import warnings
from itertools import permutations

import numpy as np
import pytest

from capacity import ConvergenceWarning, blahut_arimoto
from capacity.insensitive import (ClassOrbits, class_orbit_representatives, count_classes, folded_channel,
                                  insensitive_capacity)
from capacity.insensitive.model import channel_cells, channel_classes
from capacity.insensitive.npn import _canonical, _count_vectors, class_orbits_plan, npn_class_count
from capacity.insensitive.symmetry import MAX_REPRESENTATIVE_PAIRS, class_orbits, representatives_plan

SMALL = [(n, s) for n in range(1, 5) for s in range(n + 1)]


def table_index(tables):
    """Truth tables (R, 2**n) in {0, 1} -> indices F = sum_x f(x) 2**x."""
    tables = np.asarray(tables, dtype=np.int64)
    return tables @ (np.int64(1) << np.arange(tables.shape[1], dtype=np.int64))


@pytest.mark.parametrize("n,s", SMALL)
def test_orbits_equal_the_enumerated_class_orbits(n, s):
    """n <= 4, every s: one orbit per orbit of symmetry.class_orbits (classes enumerated from all
    2**(2**n) functions, orbits by label propagation over the generators), the same sizes, and
    the canonical forms put every class in the orbit that route puts it in."""
    co = class_orbit_representatives(n, s)
    cls = channel_classes(n, s, "random", None, 0.5)
    class_orbit, sizes, _ = class_orbits(n, s, "random", None, 0.5)
    rows = class_orbit[cls.labels[co.tables]]
    assert sorted(rows.tolist()) == list(range(sizes.size))            # a bijection of the orbits
    np.testing.assert_array_equal(co.orbit_sizes, sizes[rows])
    assert co.n_classes == cls.n_classes == sizes.sum()
    # which classes fall together: canonical form of every class's count vector
    canon, _ = _canonical(n, s, _count_vectors(table_index(cls.representatives), n, s))
    key = canon.view(np.dtype((np.void, canon.shape[1]))).ravel()
    _, by_canon = np.unique(key, return_inverse=True)
    pairs = set(zip(by_canon.ravel().tolist(), class_orbit.tolist()))
    assert len(pairs) == sizes.size == by_canon.max() + 1             # the two partitions coincide


@pytest.mark.parametrize("n", [2, 3])
def test_orbit_sizes_equal_the_images_of_every_function(n):
    """Brute force from the definition (n <= 3, every s): for each representative, the number of
    distinct count vectors among the images of its function under all 2 n! 2**n elements is its
    orbit size; and the orbits found cover the count vectors of all functions exactly once."""
    N = 1 << n
    xs = np.arange(N)
    for s in range(n + 1):
        co = class_orbit_representatives(n, s)
        member = channel_cells(n, s, None, 0.5).member.astype(np.int64)
        seen = set()
        for F, orbit_size in zip(co.tables.tolist(), co.orbit_sizes.tolist()):
            f = (F >> xs) & 1
            images = set()
            for perm in permutations(range(n)):
                moved = np.zeros(N, dtype=np.int64)
                for i, p in enumerate(perm):
                    moved |= ((xs >> i) & 1) << p
                for a in range(N):
                    for c in (0, 1):
                        images.add(tuple(((f[moved ^ a] ^ c) @ member.T).tolist()))
            assert len(images) == orbit_size
            assert not images & seen            # distinct orbits
            seen |= images
        every = {tuple(row) for row in (((np.arange(1 << N)[:, None] >> xs) & 1) @ member.T).tolist()}
        assert seen == every, (n, s)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_s_at_least_n_minus_1_gives_the_npn_classes(n):
    """s = n: classes are functions; s = n - 1: functions, except parity ~ anti-parity, which one NPN
    class already holds. Either way the class-orbits are the NPN classes (Burnside's count)."""
    for s in (n - 1, n):
        assert class_orbit_representatives(n, s).n_orbits == npn_class_count(n)


def test_canonical_form_is_invariant_under_the_group_at_n5(rng):
    """200 random 5-variable functions, each moved by a random (pi, a, c) from the definition: the
    canonical forms of the two count vectors agree, and the stabiliser sizes too (s = 2, 3)."""
    n, N = 5, 32
    xs = np.arange(N)
    F = rng.integers(0, 1 << N, size=200)
    moved = np.empty_like(F)
    for j in range(F.size):
        perm, a, c = rng.permutation(n), int(rng.integers(N)), int(rng.integers(2))
        pm = np.zeros(N, dtype=np.int64)
        for i, p in enumerate(perm):
            pm |= ((xs >> i) & 1) << p
        moved[j] = int((((int(F[j]) >> (pm ^ a)) & 1) ^ c) @ (1 << xs))
    for s in (2, 3):
        ca, sa = _canonical(n, s, _count_vectors(F, n, s))
        cb, sb = _canonical(n, s, _count_vectors(moved, n, s))
        np.testing.assert_array_equal(ca, cb)
        np.testing.assert_array_equal(sa, sb)
        assert (7680 % sa == 0).all()


@pytest.mark.parametrize("n,s,m", [(2, 1, 2), (3, 1, 3), (3, 2, 2), (3, 3, 2), (4, 2, 2), (4, 3, 1), (4, 0, 3)])
def test_representatives_route_equals_the_types_route(n, s, m):
    """V and the bonus of method="representatives" (class-orbit representatives from the NPN
    classes, a numba walk of the types) = method="types" (classes enumerated, numpy blocks),
    rows matched through the representative's class. Tolerances: V is a sum of <= 3 * 10**4
    probabilities (atol 1e-14); the bonus a difference of two sums of size <= 10 nats (1e-12)."""
    a = folded_channel(n, s, m, method="representatives")
    b = folded_channel(n, s, m, method="types")
    cls = channel_classes(n, s, "random", None, 0.5)
    class_orbit, _, _ = class_orbits(n, s, "random", None, 0.5)
    rows = class_orbit[cls.labels[a.orbit_functions]]
    assert a.shape == b.shape and (a.n_classes, a.n_types) == (b.n_classes, b.n_types)
    np.testing.assert_allclose(a.V, b.V[rows], rtol=0, atol=1e-14)
    np.testing.assert_allclose(a.bonus, b.bonus[rows], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(a.class_orbit_sizes, b.class_orbit_sizes[rows])
    np.testing.assert_array_equal(a.type_orbit_sizes, b.type_orbit_sizes)
    assert a.class_orbit is None and a.orbit_representatives is None


#: Float64 rounding of the certificate's sums over up to 616 126 rows: about sqrt(R) * 2**-52 = 1.7e-13
#: (measured at C(5, 5, 1), where the exact value is 1 bit); 1e-11 leaves a margin and is 100x below
#: the certified gap tol = 1e-9.
ROUNDING = 1e-11


def solve(fc, tol=1e-9):
    keep = fc.V.max(axis=0) > 0
    return blahut_arimoto(np.ascontiguousarray(fc.V[:, keep]), bonus=fc.bonus / math.log(2), tol=tol)


# ----------------------------------------------------------------------------- n = 5 (each >= 10 s)

@pytest.mark.slow   # about 90 s: the 616 126 NPN classes, then 7 680 images of each for s = 0..5
def test_n5_orbit_sizes_sum_to_the_independent_class_counts():
    """sum |orbit| = count_classes(5, s): closed forms (s = 0, 4, 5), the s = 1 knapsack, the stored
    meet-in-the-middle count (s = 2) and the affine count (s = 3), none of which uses NPN classes;
    s = 4, 5 give the 616 126 NPN classes (see test_s_at_least_n_minus_1_gives_the_npn_classes)."""
    expected = {2: 2_245_133_083, 3: 4_293_038_937}
    for s in range(6):
        co = class_orbit_representatives(5, s)
        assert co.n_classes == int(count_classes(5, s)) == co.orbit_sizes.sum()
        assert co.group_order == 7680 and (7680 % co.orbit_sizes == 0).all()
        if s in expected:
            assert co.n_classes == expected[s]
        if s >= 4:
            assert co.n_orbits == 616126
        keys = co.canonical.view(np.dtype((np.void, co.canonical.shape[1]))).ravel()
        assert np.unique(keys).size == co.n_orbits                       # one canonical form per orbit


@pytest.mark.slow   # about 25 s
def test_n5_s1_orbits_equal_the_count_vector_route():
    """s = 1: the orbits of the 936 545 count-vector classes (symmetry.s1_vector_orbits, sorted
    folded count vectors) have the same number and multiset of sizes."""
    co = class_orbit_representatives(5, 1)
    _, sizes, _ = class_orbits(5, 1, "random", None, 0.5)
    assert co.n_orbits == sizes.size
    np.testing.assert_array_equal(np.sort(co.orbit_sizes), np.sort(sizes))


@pytest.mark.slow   # about 15 s per s
@pytest.mark.parametrize("s", [2, 3, 4, 5])
def test_n5_one_sample_is_one_bit(s):
    res = solve(folded_channel(5, s, 1))
    assert res.lower - ROUNDING <= 1.0 <= res.upper + ROUNDING and res.upper - res.lower <= 1e-9


@pytest.mark.slow   # 30-60 s each: the fold and the weight-level scan
@pytest.mark.parametrize("s,m", [(2, 2), (3, 2), (4, 2)])
def test_n5_folded_equals_the_weight_level_route(s, m):
    """The class-orbit route and the weight-level route (insensitive_capacity) certify overlapping
    intervals; the capacity grows with m and stays below min(m, log2 #classes)."""
    fc = folded_channel(5, s, m)
    assert fc.shape[0] == class_orbit_representatives(5, s).n_orbits
    assert fc.n_classes == int(count_classes(5, s))
    res = solve(fc)
    lv = insensitive_capacity(5, s, m)
    assert max(res.lower, lv.lower) <= min(res.upper, lv.upper) + ROUNDING
    assert res.upper - res.lower <= 1e-9
    assert 1.0 < res.lower and res.upper <= min(m, math.log2(fc.n_classes))


# ----------------------------------------------------------------------------- refusals and bad input

def test_work_and_memory_are_refused_before_anything_is_built():
    with pytest.raises(ValueError, match=r"folded_channel\(n=5, s=3, m=3\) representatives route: up to 616126 "
                                         r"class-orbits x 695520 types .* > MAX_REPRESENTATIVE_PAIRS"):
        folded_channel(5, 3, 3)
    assert 616126 * math.comb(82, 3) <= MAX_REPRESENTATIVE_PAIRS     # C(5, 2, 3) is covered
    with pytest.raises(ValueError, match=r"folded_channel\(n=5, s=2, m=2\) representatives route .*"
                                         r"> max_bytes=1.0 MiB"):
        folded_channel(5, 2, 2, max_bytes=2 ** 20)
    with pytest.raises(ValueError, match=r"class_orbit_representatives\(n=5, s=3\) .*> max_bytes=1.0 MiB"):
        class_orbit_representatives(5, 3, max_bytes=2 ** 20)
    assert representatives_plan(5, 2, 2) >= class_orbits_plan(5, 2) > 616126 * 80


@pytest.mark.parametrize("args,kw,exc,match", [
    ((0, 0), {}, ValueError, r"`n` must be an integer in \[1, 5\]"),
    ((6, 1), {}, ValueError, r"`n` must be an integer in \[1, 5\]"),
    ((3, 4), {}, ValueError, r"`s` must be an integer in \[0, 3\]"),
    ((3, -1), {}, ValueError, r"`s` must be an integer in \[0, 3\]"),
    ((2.0, 1), {}, TypeError, r"`n` must be an integer"),
    ((2, "1"), {}, TypeError, r"`s` must be an integer"),
    ((2, 1), {"max_bytes": 0}, ValueError, r"`max_bytes` must be > 0"),
    ((2, 1), {"max_bytes": "big"}, TypeError, r"`max_bytes` must be a number"),
])
def test_bad_input(args, kw, exc, match):
    with pytest.raises(exc, match=match):
        class_orbit_representatives(*args, **kw)


@pytest.mark.parametrize("kwargs,match", [
    (dict(n=5, s=2, m=1, method="orbits"), r"`method` must be 'auto' or 'representatives' for n = 5, s = 2"),
    (dict(n=5, s=3, m=1, method="types"), r"`method` must be 'auto' or 'representatives' for n = 5, s = 3"),
    (dict(n=3, s=1, m=1, method="representatives", visible="fixed"), r"needs visible='random' and p_bias = 0.5"),
    (dict(n=3, s=1, m=1, method="representatives", p_bias=0.3), r"needs visible='random' and p_bias = 0.5"),
    (dict(n=5, s=2, m=1, p_bias=0.3), r"no exact route covers `n` = 5"),
    (dict(n=6, s=2, m=1), r"no exact route covers `n` = 6"),
])
def test_folded_channel_refuses_what_the_route_does_not_cover(kwargs, match):
    kw = dict(kwargs)
    with pytest.raises(ValueError, match=match):
        folded_channel(kw.pop("n"), kw.pop("s"), kw.pop("m"), **kw)


def test_result_is_read_only_and_documented():
    co = class_orbit_representatives(3, 2)
    assert isinstance(co, ClassOrbits) and co.counts.dtype == np.uint8
    for arr in (co.tables, co.counts, co.canonical, co.orbit_sizes):
        assert not arr.flags.writeable
    np.testing.assert_array_equal(_count_vectors(co.tables, 3, 2), co.counts)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        assert abs(solve(folded_channel(3, 2, 2, method="representatives")).lower
                   - insensitive_capacity(3, 2, 2).lower) <= 2e-9
