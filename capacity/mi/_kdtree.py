"""A numba KD-tree that counts neighbours within a per-query max-norm radius (KSG's marginal counts).

``count_within(points, radius)[i]`` is the number of rows j (row i included) with
``max_c |points[j, c] - points[i, c]| <= radius[i]``, exactly as a brute-force loop computes it.

Tree: a balanced binary tree stored implicitly (node t has children 2t+1 and 2t+2); every internal
node is split at the median of its widest coordinate (quickselect on a permutation), so all leaves
hold between ``leaf_size`` and ``2 leaf_size`` points. Each node keeps the tight bounding box of its
points (per-coordinate min and max, taken from the points themselves).

Counting is exact because the node tests use the same floating-point expressions as the leaf scan.
Rounding is monotone, so over the points of a node ``fl(|p_c - x_c|)`` is largest at the box's
min or max coordinate (both are point coordinates): the node lies inside the query box iff
``|lo_c - x_c| <= r`` and ``|hi_c - x_c| <= r`` for every c, and then its size is added without
visiting its points. It is disjoint if ``lo_c - x_c > r`` or ``x_c - hi_c > r`` for some c (then
every point fails coordinate c). Otherwise the children are visited; leaves compare every point.
The counts are integers, so the parallel driver's result does not depend on the thread count.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ._kernels import launch

#: Leaves hold between LEAF_SIZE and 2 LEAF_SIZE points (measured: 16..40 are within ~10 %).
LEAF_SIZE = 24
#: Below this many queries the count runs on one thread (thread start-up costs more than the work).
PARALLEL_MIN_ROWS = 4096
#: Queries handled per parallel task (one traversal stack per block).
_BLOCK = 256


def tree_levels(n, leaf_size=LEAF_SIZE):
    """Levels of the implicit tree on n >= 1 points: 1 + floor(log2((n - 1) / leaf_size)), at least 1."""
    if n - 1 <= leaf_size:
        return 1
    return int(math.floor(math.log2((n - 1) / leaf_size))) + 1


@njit(cache=True)
def _select(idx, points, dim, lo, hi, kth):
    """Permute idx[lo..hi] (inclusive) so that idx[kth] holds the kth smallest points[., dim], with
    no larger value before it and no smaller one after it (quickselect, Hoare partition)."""
    while hi > lo:
        mid = (lo + hi) // 2
        a = points[idx[lo], dim]
        b = points[idx[mid], dim]
        c = points[idx[hi], dim]
        if a < b:
            pivot = b if b < c else (c if a < c else a)
        else:
            pivot = a if a < c else (c if b < c else b)
        i = lo
        j = hi
        while i <= j:
            while points[idx[i], dim] < pivot:
                i += 1
            while points[idx[j], dim] > pivot:
                j -= 1
            if i <= j:
                t = idx[i]
                idx[i] = idx[j]
                idx[j] = t
                i += 1
                j -= 1
        # now idx[lo..j] <= pivot, idx[j+1..i-1] == pivot, idx[i..hi] >= pivot, with j < hi and i > lo
        if kth <= j:
            hi = j
        elif kth >= i:
            lo = i
        else:
            return


@njit(cache=True)
def _build(points, n_levels):
    """Return (idx, tree_points, lo, hi, start, end): permutation, points in tree order, boxes, ranges."""
    n, d = points.shape
    n_nodes = (1 << n_levels) - 1
    n_internal = (1 << (n_levels - 1)) - 1
    idx = np.arange(n)
    lo = np.empty((n_nodes, d))
    hi = np.empty((n_nodes, d))
    start = np.empty(n_nodes, np.int64)
    end = np.empty(n_nodes, np.int64)
    start[0] = 0
    end[0] = n
    for t in range(n_nodes):  # parents before children
        s = start[t]
        e = end[t]
        lo[t, :] = np.inf
        hi[t, :] = -np.inf
        for q in range(s, e):
            p = idx[q]
            for c in range(d):
                v = points[p, c]
                if v < lo[t, c]:
                    lo[t, c] = v
                if v > hi[t, c]:
                    hi[t, c] = v
        if t < n_internal:
            dim = 0
            spread = -1.0
            for c in range(d):
                w = hi[t, c] - lo[t, c]
                if w > spread:
                    spread = w
                    dim = c
            m = s + (e - s) // 2
            if d > 0:
                _select(idx, points, dim, s, e - 1, m)
            start[2 * t + 1] = s
            end[2 * t + 1] = m
            start[2 * t + 2] = m
            end[2 * t + 2] = e
    return idx, points[idx], lo, hi, start, end  # the points in tree order (a copy)


@njit(cache=True)
def _count_one(tree_points, q, r, lo, hi, start, end, n_internal, stack):
    """Number of tree points within max-norm distance r of tree_points[q] (exact; see module doc)."""
    d = tree_points.shape[1]
    count = 0
    stack[0] = 0
    sp = 1
    while sp > 0:
        sp -= 1
        t = stack[sp]
        gap = -np.inf  # max_c of the signed gaps: > r iff the node is disjoint
        far = 0.0  # max_c |box corner - x|: <= r iff the node is inside
        for c in range(d):
            xc = tree_points[q, c]
            a = lo[t, c] - xc
            b = xc - hi[t, c]
            gap = max(gap, max(a, b))
            far = max(far, max(abs(a), abs(b)))
        if gap > r:
            continue
        if far <= r:
            count += end[t] - start[t]
        elif t >= n_internal:
            for j in range(start[t], end[t]):
                m = 0.0
                for c in range(d):
                    m = max(m, abs(tree_points[j, c] - tree_points[q, c]))
                if m <= r:
                    count += 1
        else:
            stack[sp] = 2 * t + 2
            stack[sp + 1] = 2 * t + 1
            sp += 2
    return count


@njit(cache=True, parallel=True)
def _count(idx, tree_points, radius, lo, hi, start, end, n_levels):
    n = tree_points.shape[0]
    n_internal = (1 << (n_levels - 1)) - 1
    counts = np.empty(n, np.int64)
    n_blocks = (n + _BLOCK - 1) // _BLOCK
    for b in prange(n_blocks):
        stack = np.empty(n_levels + 1, np.int64)
        for q in range(b * _BLOCK, min(n, (b + 1) * _BLOCK)):  # queries in tree order: neighbours share paths
            i = idx[q]
            counts[i] = _count_one(tree_points, q, radius[i], lo, hi, start, end, n_internal, stack)
    return counts


def count_within(points, radius, *, leaf_size=LEAF_SIZE, parallel=None):
    """counts[i] = #{j : max_c |points[j, c] - points[i, c]| <= radius[i]} (row i included), exact.

    Trusts its input: ``points`` an (n, d) real array with n >= 1 and finite entries, ``radius``
    shape (n,). ``parallel=None`` uses numba's threads for n >= PARALLEL_MIN_ROWS, else one thread.
    """
    points = np.ascontiguousarray(points, dtype=np.float64)
    radius = np.ascontiguousarray(radius, dtype=np.float64)
    if points.ndim == 1:
        points = points[:, None]
    n = points.shape[0]
    n_levels = tree_levels(n, leaf_size)
    idx, tree_points, lo, hi, start, end = _build(points, n_levels)
    parallel = n >= PARALLEL_MIN_ROWS if parallel is None else parallel
    return launch(_count, parallel, idx, tree_points, radius, lo, hi, start, end, n_levels)
