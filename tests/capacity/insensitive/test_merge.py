"""Merge lemma: duplicated channel inputs leave I(p; W) and the capacity unchanged."""
import numpy as np
import pytest

import capacity
from capacity.insensitive import merge_duplicate_inputs


def _mi_bits(p, W):
    """Independent I(p; W) in bits: sum_x p_x sum_y W log2(W / pW), 0 log 0 = 0."""
    q = p @ W
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(W > 0, W * np.log2(W / q), 0.0)
    return float(p @ t.sum(axis=1))


def _random_duplicated(rng, nx=5, ny=6, copies=4):
    base = rng.dirichlet(np.ones(ny), size=nx)
    idx = np.concatenate([np.arange(nx), rng.integers(0, nx, size=copies)])
    rng.shuffle(idx)
    return base, base[idx], idx


def test_groups_and_matrix(rng):
    base, W, idx = _random_duplicated(rng)
    Wm, groups = merge_duplicate_inputs(W)
    assert Wm.shape == base.shape
    # every original input is in exactly one group, groups hold equal rows, ordered by first index
    flat = np.sort(np.concatenate(groups))
    np.testing.assert_array_equal(flat, np.arange(W.shape[0]))
    assert [g[0] for g in groups] == sorted(g[0] for g in groups)
    for k, g in enumerate(groups):
        assert len(set(idx[g].tolist())) == 1  # same source row
        np.testing.assert_array_equal(W[g], np.broadcast_to(Wm[k], (len(g), W.shape[1])))
    res = merge_duplicate_inputs(W)
    np.testing.assert_array_equal(res.labels, [next(k for k, g in enumerate(groups) if x in g)
                                               for x in range(W.shape[0])])


def test_mutual_information_identity(rng):
    base, W, _ = _random_duplicated(rng)
    res = merge_duplicate_inputs(W)
    p = rng.dirichlet(np.ones(W.shape[0]))
    pm = np.array([p[g].sum() for g in res.groups])
    # exact identity up to float rounding of sums of ~10 terms
    assert abs(_mi_bits(p, W) - _mi_bits(pm, res.matrix)) <= 1e-13
    assert abs(_mi_bits(res.expand(pm), W) - _mi_bits(pm, res.matrix)) <= 1e-13


@pytest.mark.parametrize("trial", range(5))
def test_capacity_unchanged(trial):
    rng = np.random.default_rng(100 + trial)
    base, W, _ = _random_duplicated(rng, nx=3 + trial, ny=4 + trial, copies=2 + 2 * trial)
    full = capacity.blahut_arimoto(W, tol=1e-12)
    merged = capacity.blahut_arimoto(merge_duplicate_inputs(W).matrix, tol=1e-12)
    # certified intervals of width <= 1e-12 each: the capacities agree to 1e-10
    assert full.gap <= 1e-12 and merged.gap <= 1e-12
    assert abs(full.capacity - merged.capacity) <= 1e-10
    assert merged.lower <= full.upper + 1e-12 and full.lower <= merged.upper + 1e-12


def test_closed_form_bsc_with_copies():
    # BSC(0.1) with each row repeated: capacity 1 - h(0.1)
    eps = 0.1
    W = np.array([[1 - eps, eps], [eps, 1 - eps]] * 3)
    res = merge_duplicate_inputs(W)
    assert res.matrix.shape == (2, 2)
    h = -(eps * np.log2(eps) + (1 - eps) * np.log2(1 - eps))
    r = capacity.blahut_arimoto(res.matrix, tol=1e-12)
    assert r.lower - 1e-12 <= 1 - h <= r.upper + 1e-12


def test_atol_merges_near_duplicates():
    W = np.array([[0.5, 0.5], [0.5 + 1e-12, 0.5 - 1e-12], [0.6, 0.4]])
    assert len(merge_duplicate_inputs(W).groups) == 3
    Wm, groups = merge_duplicate_inputs(W, atol=1e-9)
    assert [g.tolist() for g in groups] == [[0, 1], [2]]
    np.testing.assert_array_equal(Wm, W[[0, 2]])


def test_negative_zero_and_not_mutated():
    W = np.array([[1.0, 0.0], [1.0, -0.0], [0.0, 1.0]])
    before = W.copy()
    assert [g.tolist() for g in merge_duplicate_inputs(W).groups] == [[0, 1], [2]]
    np.testing.assert_array_equal(W, before)


def test_top_level_export():
    assert capacity.merge_duplicate_inputs is merge_duplicate_inputs


BAD = [
    (lambda: merge_duplicate_inputs([0.5, 0.5]), ValueError, r"`W` must be 2-D"),
    (lambda: merge_duplicate_inputs(np.ones((2, 2, 2)) / 2), ValueError, r"`W` must be 2-D"),
    (lambda: merge_duplicate_inputs([[0.5, 0.6]]), ValueError, r"rows summing to 1"),
    (lambda: merge_duplicate_inputs([[1.5, -0.5]]), ValueError, r"non-negative"),
    (lambda: merge_duplicate_inputs([[np.nan, 1.0]]), ValueError, r"NaN at \(0, 0\)"),
    (lambda: merge_duplicate_inputs([["a", "b"]]), TypeError, r"real numeric"),
    (lambda: merge_duplicate_inputs([[1.0]], atol=-1.0), ValueError, r"`atol` must be a finite number"),
    (lambda: merge_duplicate_inputs([[1.0]], atol="0"), TypeError, r"`atol` must be a real number"),
    (lambda: merge_duplicate_inputs([[1.0]]).expand([0.5, 0.5]), ValueError, r"`p_merged` must have shape"),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
