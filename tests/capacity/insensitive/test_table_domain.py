"""The truth-table entry points of capacity.insensitive: a declared domain (never guessed), and
plans checked from the shape before a table is copied (a broadcast view stays a view)."""
import math
import tracemalloc

import numpy as np
import pytest

from capacity.insensitive import cell_probabilities, family_capacity, function_family_information

TABLES = np.array([[0, 0, 0, 1], [0, 1, 1, 0], [1, 1, 1, 1]], dtype=np.uint8)
PM1_INT = (1 - 2 * TABLES.astype(np.int64))
PM1_FLOAT = PM1_INT.astype(np.float64)

ENTRY = {
    "cell_probabilities": lambda f, **kw: cell_probabilities(f, 1, **kw)[0],
    "function_family_information": lambda f, **kw: function_family_information(f, 2, 1, 2, samples=50, **kw).value,
    "family_capacity": lambda f, **kw: family_capacity(f, 2, 1, 2, **kw).capacity,
}


@pytest.mark.parametrize("name", sorted(ENTRY))
def test_declared_pm1_gives_the_01_result(name):
    want = ENTRY[name](TABLES)
    # the same functions in ±1 form, integer and float: the same numbers exactly (same tables after loading)
    assert np.array_equal(ENTRY[name](PM1_INT, domain="pm1"), want)
    assert np.array_equal(ENTRY[name](PM1_FLOAT, domain="pm1"), want)


@pytest.mark.parametrize("name", sorted(ENTRY))
@pytest.mark.parametrize("f, kw, exc, match", [
    (PM1_INT, {}, ValueError, r"values in \{0, 1\} \(domain=\"01\"\) \(for a ±1 table"),
    (PM1_FLOAT, {}, TypeError, r"must hold integers or bools \(0/1; ±1 tables need domain=\"pm1\"\)"),
    (TABLES, {"domain": "pm1"}, ValueError, r"values in \{-1, \+1\} \(domain=\"pm1\"\)"),
    (PM1_FLOAT * 0.5, {"domain": "pm1"}, ValueError, r"values in \{-1, \+1\}"),
    (TABLES, {"domain": "+-1"}, ValueError, r"`domain` must be one of"),
    (TABLES, {"domain": 1}, TypeError, r"`domain` must be a string"),
])
def test_outside_the_declared_domain_is_refused(name, f, kw, exc, match):
    with pytest.raises(exc, match=match):
        ENTRY[name](f, **kw)


def _peak(call):
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("call", [
    lambda f: cell_probabilities(f, 2, max_bytes=10**6),
    lambda f: function_family_information(f, 20, 2, 3, max_bytes=10**6),
])
def test_broadcast_view_refused_before_it_is_copied(call):
    f = np.broadcast_to(np.uint8(1), (10**4, 2**20))  # 10 GB if copied; 1 byte as a view
    peak = _peak(lambda: _expect_refusal(call, f))
    assert peak < 10**6  # nothing of the table's size was allocated (a copy would be 10**10 bytes)


def _expect_refusal(call, f):
    with pytest.raises(ValueError, match=r"needs .* > max_bytes"):
        call(f)


@pytest.mark.parametrize("B, n, s", [(64, 12, 0), (64, 12, 2), (3, 10, 5), (1, 14, 3)])
def test_cell_probabilities_peak_within_its_plan(B, n, s):
    f = np.random.default_rng(0).integers(0, 2, (B, 1 << n))
    n_cells = math.comb(n, s) << s
    plan = 8.0 * B * n_cells + 80.0 * n_cells + 33.0 * B * (1 << n) + 24.0 * (1 << n)
    peak = _peak(lambda: cell_probabilities(f, s))
    assert peak <= plan
    # the plan is also what refuses: one byte less than it is refused, before allocating
    with pytest.raises(ValueError, match="max_bytes"):
        cell_probabilities(f, s, max_bytes=int(plan) - 1)
