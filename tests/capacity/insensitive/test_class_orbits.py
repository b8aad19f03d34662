"""Class-orbits from the NPN classes: against the enumerated class-orbits (n <= 4), a brute force
from the definition and the independent class counts at n = 5."""
from itertools import permutations

import numpy as np
import pytest

from capacity.insensitive import ClassOrbits, class_orbit_representatives, count_classes
from capacity.insensitive.model import channel_cells, channel_classes
from capacity.insensitive.npn import _canonical, _count_vectors, class_orbits_plan, npn_class_count
from capacity.insensitive.symmetry import class_orbits

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


# ----------------------------------------------------------------------------- refusals and bad input

def test_memory_is_refused_before_anything_is_built():
    with pytest.raises(ValueError, match=r"class_orbit_representatives\(n=5, s=3\) .*> max_bytes=1.0 MiB"):
        class_orbit_representatives(5, 3, max_bytes=2 ** 20)
    assert class_orbits_plan(5, 2) > 616126 * 80


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


def test_result_is_read_only_and_documented():
    co = class_orbit_representatives(3, 2)
    assert isinstance(co, ClassOrbits) and co.counts.dtype == np.uint8
    for arr in (co.tables, co.counts, co.canonical, co.orbit_sizes):
        assert not arr.flags.writeable
    np.testing.assert_array_equal(_count_vectors(co.tables, 3, 2), co.counts)
