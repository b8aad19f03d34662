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


# the bytes each family checks against max_bytes: the uint8 table, plus threshold's float64 partial sums
PLANNED_BYTES_PER_ENTRY = {"parity": 1, "dictator": 1, "and_": 1, "or_": 1, "majority": 1, "tribes": 1,
                           "random_function": 1, "threshold": 9}
FAMILY_CALLS = {"parity": lambda n, **kw: parity(n, **kw), "dictator": lambda n, **kw: dictator(n, n - 1, **kw),
                "and_": lambda n, **kw: and_(n, **kw), "or_": lambda n, **kw: or_(n, **kw),
                "majority": lambda n, **kw: majority(n, **kw), "tribes": lambda n, **kw: tribes(3, n // 3, **kw),
                "random_function": lambda n, **kw: random_function(n, seed=0, **kw),
                "threshold": lambda n, **kw: threshold(np.ones(n), n / 2, **kw)}


@pytest.mark.parametrize("name", sorted(FAMILY_CALLS))
def test_families_peak_memory_is_what_max_bytes_checks(name):
    import tracemalloc

    n = 15  # odd and a multiple of 3: majority and tribes(3, 5) are defined
    call = FAMILY_CALLS[name]
    planned = PLANNED_BYTES_PER_ENTRY[name] * 2**n
    call(3 if name in ("majority", "tribes") else 2)  # first-call imports outside the measurement
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        table = call(n)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert table.shape == (2**n,) and table.dtype == np.uint8
    assert peak <= planned + 16 * 1024  # no temporary copies beyond the plan (16 KiB: Python objects)
    call(n, max_bytes=planned)  # exactly the plan fits ...
    with pytest.raises(ValueError, match="max_bytes"):
        call(n, max_bytes=planned - 1)  # ... one byte less is refused
