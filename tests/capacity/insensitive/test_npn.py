"""NPN class counts: Burnside against brute force and against the folded channel's class-orbits."""
from itertools import permutations

import numpy as np
import pytest

from capacity.insensitive import folded_channel
from capacity.insensitive.npn import (_class_minimum, _cofactor_representatives, npn_class_count,
                                      npn_representatives, npn_representatives_plan)


def brute_npn_reps(n):
    """Smallest index of each orbit of all 2**(2**n) truth tables under every (pi, a, c), by
    explicit images."""
    N = 1 << n
    xs = np.arange(N)
    tables = (np.arange(1 << N)[:, None] >> xs[None, :]) & 1
    weights = 1 << xs
    canon = np.arange(1 << N)
    for perm in permutations(range(n)):
        moved = np.zeros(N, dtype=np.int64)
        for i, p in enumerate(perm):
            moved |= ((xs >> i) & 1) << p
        for a in range(N):
            img = tables[:, moved ^ a] @ weights
            canon = np.minimum(canon, np.minimum(img, (1 << N) - 1 - img))
    return np.unique(canon)


def brute_npn(n):
    """Number of orbits, from :func:`brute_npn_reps`."""
    return brute_npn_reps(n).size


@pytest.mark.parametrize("n", [1, 2, 3, pytest.param(4, marks=pytest.mark.slow)])   # n = 4: ~15 s
def test_npn_count_equals_brute_force(n):
    assert npn_class_count(n) == brute_npn(n)


def test_npn_published_counts():
    # OEIS A000370: 1, 2, 4, 14, 222, 616126, 200253952527184
    assert [npn_class_count(n) for n in range(6)] == [1, 2, 4, 14, 222, 616126]


@pytest.mark.parametrize("n", [2, 3, 4])
def test_class_orbits_at_s_equal_n_are_the_npn_classes(n):
    """For s = n every function is a class, so the folded channel's rows are the NPN classes
    (found there by label propagation over the generators: an independent route)."""
    assert folded_channel(n, n, 1).shape[0] == npn_class_count(n)


def point_map(n, perm, a):
    """x -> pi(x) xor a on the 2**n points, pi moving bit i to bit perm[i] (the definition)."""
    xs = np.arange(1 << n)
    moved = np.zeros(1 << n, dtype=np.int64)
    for i, p in enumerate(perm):
        moved |= ((xs >> i) & 1) << p
    return moved ^ a


def act(tables, n, perm, a, c):
    """(g f)(x) = f(pi(x) xor a) xor c on table indices F = sum_x f(x) 2**x."""
    xs = np.arange(1 << n)
    bits = (np.asarray(tables, dtype=np.int64)[:, None] >> point_map(n, perm, a)[None, :]) & 1
    return ((bits ^ c) << xs).sum(axis=1)


def brute_class_minimum(tables, n):
    """Smallest image of each table over all 2 n! 2**n group elements, by explicit images."""
    best = np.asarray(tables, dtype=np.int64).copy()
    for perm in permutations(range(n)):
        for a in range(1 << n):
            for c in (0, 1):
                best = np.minimum(best, act(tables, n, perm, a, c))
    return best


@pytest.mark.parametrize("n", [2, 3, 4])
def test_cofactor_route_rebuilds_the_labelled_representatives(n):
    """The n = 5 construction, run one size down from the (n-1)-variable minima, gives exactly the
    class minima found by label propagation over all 2**(2**n) tables (222 at n = 4)."""
    reps = _cofactor_representatives(n)
    assert reps.size == npn_class_count(n)
    np.testing.assert_array_equal(reps, npn_representatives(n))


@pytest.mark.parametrize("n", [2, 3])
def test_class_minimum_is_the_brute_force_orbit_minimum(n):
    tables = np.arange(1 << (1 << n))
    np.testing.assert_array_equal(_class_minimum(tables, n), brute_class_minimum(tables, n))


def test_class_minimum_at_n5_against_brute_force(rng):
    """40 random 5-variable tables: the cofactor rule's minimum = the minimum over all 7 680 images."""
    tables = rng.integers(0, 1 << 32, size=40)
    np.testing.assert_array_equal(_class_minimum(tables, 5), brute_class_minimum(tables, 5))


@pytest.mark.parametrize("n", [4, 5])
def test_class_minimum_is_invariant_under_the_group(n, rng):
    """3 000 random tables, each moved by a random (pi, a, c): same class minimum, never above the
    table itself."""
    N = 1 << n
    tables = rng.integers(0, 1 << N, size=3000)
    moved = np.empty_like(tables)
    for j, F in enumerate(tables):
        moved[j] = act([F], n, rng.permutation(n), int(rng.integers(N)), int(rng.integers(2)))[0]
    canon = _class_minimum(tables, n)
    np.testing.assert_array_equal(_class_minimum(moved, n), canon)
    assert (canon <= tables).all()


@pytest.mark.slow   # about 10-25 s: 222 * 65 536 class minima
def test_npn_representatives_n5_count_is_burnside():
    """616 126 distinct class minima (= Burnside's count, an independent computation), each its
    own class minimum, ascending."""
    reps = npn_representatives(5)
    assert reps.size == npn_class_count(5) == 616126
    assert (np.diff(reps) > 0).all()
    np.testing.assert_array_equal(_class_minimum(reps, 5), reps)


def test_npn_representatives_plan_refusal():
    with pytest.raises(ValueError, match=r"npn_representatives\(n=5\).*needs .* > max_bytes"):
        npn_representatives(5, max_bytes=npn_representatives_plan(5) - 1)


@pytest.mark.parametrize("n,exc,match", [(0, ValueError, r"`n` must be an integer in \[1, 5\]"),
                                         (6, ValueError, r"`n` must be an integer in \[1, 5\]"),
                                         (4.0, TypeError, r"`n` must be an integer")])
def test_npn_representatives_bad_input(n, exc, match):
    with pytest.raises(exc, match=match):
        npn_representatives(n)


@pytest.mark.parametrize("n,exc,match", [(-1, ValueError, r"`n` must be an integer in \[0, 6\]"),
                                         (7, ValueError, r"`n` must be an integer in \[0, 6\]"),
                                         (2.5, TypeError, r"`n` must be an integer")])
def test_bad_input(n, exc, match):
    with pytest.raises(exc, match=match):
        npn_class_count(n)
