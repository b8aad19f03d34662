"""Families against their definitions evaluated point by point."""
import numpy as np
import pytest

from boolean import and_, dictator, majority, or_, parity, random_function, threshold, tribes


def _points(n):
    return [[(x >> i) & 1 for i in range(n)] for x in range(2**n)]


@pytest.mark.parametrize("n", [0, 1, 2, 5, 8])
def test_symmetric_families(n):
    pts = _points(n)
    np.testing.assert_array_equal(parity(n), [sum(p) % 2 for p in pts])
    np.testing.assert_array_equal(and_(n), [int(all(p)) for p in pts])
    np.testing.assert_array_equal(or_(n), [int(any(p)) for p in pts])
    for f in (parity(n), and_(n), or_(n)):
        assert f.dtype == np.uint8 and f.shape == (2**n,)
    if n % 2:
        np.testing.assert_array_equal(majority(n), [int(sum(p) > n / 2) for p in pts])
    if n:
        for i in range(n):
            np.testing.assert_array_equal(dictator(n, i), [p[i] for p in pts])


@pytest.mark.parametrize("w,s", [(1, 1), (1, 4), (2, 2), (3, 2), (2, 4)])
def test_tribes(w, s):
    want = [int(any(all(p[j * w:(j + 1) * w]) for j in range(s))) for p in _points(w * s)]
    np.testing.assert_array_equal(tribes(w, s), want)


@pytest.mark.parametrize("weights,theta", [([1, 1, 1], 2), ([3, -1, 0.5, 2], 1.5), ([0.1, 0.2], 0.3),
                                           ([-1, -2, 4], -1)])
def test_threshold(weights, theta):
    want = [int(sum(w * b for w, b in zip(weights, p)) >= theta) for p in _points(len(weights))]
    np.testing.assert_array_equal(threshold(weights, theta), want)


def test_random_function_is_seeded_and_fair():
    a = random_function(16, seed=7)
    np.testing.assert_array_equal(a, random_function(16, seed=np.random.default_rng(7)))
    assert not np.array_equal(a, random_function(16, seed=8))
    # mean of 65536 fair bits: sd = 0.5 / 256 ~ 0.002; allow 5 sd
    assert abs(a.mean() - 0.5) < 5 * 0.5 / 256
    b = random_function(4, seed=1, batch=3)
    assert b.shape == (3, 16) and b.dtype == np.uint8
