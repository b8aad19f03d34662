"""NPN class counts: Burnside against brute force and against the folded channel's class-orbits."""
from itertools import permutations

import numpy as np
import pytest

from capacity.insensitive import folded_channel
from capacity.insensitive.npn import npn_class_count


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


@pytest.mark.parametrize("n,exc,match", [(-1, ValueError, r"`n` must be an integer in \[0, 6\]"),
                                         (7, ValueError, r"`n` must be an integer in \[0, 6\]"),
                                         (2.5, TypeError, r"`n` must be an integer")])
def test_bad_input(n, exc, match):
    with pytest.raises(exc, match=match):
        npn_class_count(n)
