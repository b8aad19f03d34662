"""Orbit-native enumeration of types: every type reached once up to symmetry, Burnside counts,
orbit sizes; the folded capacity from it against the unfolded channel."""
import math
from itertools import combinations_with_replacement

import numpy as np
import pytest

import capacity
from capacity.insensitive import channel_matrix, folded_channel, insensitive_capacity
from capacity.insensitive.model import channel_cells
from capacity.insensitive.orbits import multiset_orbit_counts, orbit_tree, permutation_group
from capacity.insensitive.symmetry import cell_permutation, channel_generators, symbol_permutation

# (n, s, S0, p_bias): the symbol groups of the channel variants
GROUPS = [(1, 1, None, 0.5), (2, 1, None, 0.5), (2, 2, None, 0.5), (3, 0, None, 0.5), (3, 1, None, 0.5),
          (3, 2, None, 0.5), (3, 1, (1,), 0.5), (3, 2, (0, 2), 0.5), (3, 1, None, 0.3), (4, 1, None, 0.5)]


def symbol_group(n, s, S0, p):
    cells = channel_cells(n, s, S0, p)
    gens = channel_generators(n, S0, p)
    return permutation_group([symbol_permutation(cell_permutation(sigma, cells.member), comp)
                              for sigma, comp in gens]), gens


def brute_orbits(group, k, m):
    """Orbit of every m-multiset (sorted tuple) by applying every group element (independent of
    the orderly generation): dict multiset -> frozenset of its orbit."""
    orbit = {}
    for t in combinations_with_replacement(range(k), m):
        if t not in orbit:
            members = frozenset(tuple(sorted(int(g[x]) for x in t)) for g in group)
            for u in members:
                orbit[u] = members
    return orbit


@pytest.mark.parametrize("n,s,S0,p", GROUPS)
def test_group_is_closed_and_has_the_expected_order(n, s, S0, p):
    group, gens = symbol_group(n, s, S0, p)
    k = group.shape[1]
    keys = {g.tobytes() for g in group}
    assert len(keys) == group.shape[0]                                    # distinct
    for g in group[:50]:
        for h in group[:50]:
            assert g[h].tobytes() in keys                                 # closed under products
    # |G| on the cells x {0, 1}: permutations (of S0 and its complement when fixed) x flips (p = 1/2) x complement
    perms = math.factorial(n) if S0 is None else math.factorial(s) * math.factorial(n - s)
    order = 2 * perms * (2 ** n if p == 0.5 else 1)
    # the action on symbols may have a kernel (s = 0: only the complement acts; n = s = 1 ...):
    assert order % group.shape[0] == 0
    if s >= 1 and n >= 2 and S0 is None:
        assert group.shape[0] == order                                   # faithful
    assert k == 2 * len(channel_cells(n, s, S0, p).cells)


@pytest.mark.parametrize("n,s,S0,p", GROUPS)
@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_every_type_is_reached_exactly_once_up_to_symmetry(n, s, S0, p, m):
    """Against the brute-force orbit partition of all C(k + m - 1, m) types: the leaves are one
    per orbit (each the orbit's lexicographic minimum), their orbit sizes are the brute-force
    sizes and sum to the type count, and every level matches Burnside's count."""
    group, _ = symbol_group(n, s, S0, p)
    k = group.shape[1]
    orbit = brute_orbits(group, k, m)
    tree = orbit_tree(group, m)
    leaves = [tuple(int(x) for x in row) for row in tree.leaves]
    distinct = set(orbit.values())
    assert len(leaves) == len(set(leaves)) == len(distinct)
    assert {orbit[t] for t in leaves} == distinct                        # every orbit reached, once
    for t, size in zip(leaves, tree.leaf_orbit_sizes.tolist()):
        assert t == min(orbit[t]) and size == len(orbit[t])
    assert int(tree.leaf_orbit_sizes.sum()) == math.comb(k + m - 1, m) == len(orbit)
    assert list(tree.level_counts) == multiset_orbit_counts(group, m)[1:]
    assert leaves == sorted(leaves)
    for d in range(1, m + 1):                                            # every level = brute force
        assert tree.level_counts[d - 1] == len(set(brute_orbits(group, k, d).values()))


def test_tree_nodes_extend_their_parents():
    group, _ = symbol_group(3, 1, None, 0.5)
    tree = orbit_tree(group, 4)
    rows = {}
    start = 0
    for d, count in enumerate(tree.level_counts, start=1):
        for i in range(start, start + count):
            p = int(tree.parent[i])
            prefix = () if p < 0 else rows[p]
            assert tree.depth[i] == d and len(prefix) == d - 1
            assert not prefix or int(tree.symbol[i]) >= prefix[-1]
            rows[i] = prefix + (int(tree.symbol[i]),)
            assert tree.multiplicity[i] == rows[i].count(int(tree.symbol[i]))
        start += count
    assert [rows[i] for i in range(tree.leaf_start, start)] == [tuple(r) for r in tree.leaves.tolist()]


def test_burnside_closed_forms():
    """Trivial group: C(k + d - 1, d); the full symmetric group S_k: one orbit per partition
    shape = number of partitions of d into at most k parts."""
    k, m = 4, 6
    trivial = permutation_group([np.arange(k)])
    assert multiset_orbit_counts(trivial, m) == [math.comb(k + d - 1, d) for d in range(m + 1)]
    sym = permutation_group([np.array([1, 0, 2, 3]), np.array([1, 2, 3, 0])])
    assert sym.shape[0] == 24
    parts = [1, 1, 2, 3, 5, 6, 9]          # partitions of d into at most 4 parts, d = 0..6
    assert multiset_orbit_counts(sym, m) == parts


def test_orbit_tree_refuses_a_plan_above_max_bytes():
    group, _ = symbol_group(4, 2, None, 0.5)
    with pytest.raises(ValueError, match=r"orbit_tree: 35394 orbits of 6-multisets of 48 symbols.*> max_bytes"):
        orbit_tree(group, 6, max_bytes=2 ** 16)


@pytest.mark.parametrize("n,s,m", [(2, 1, 1), (2, 1, 3), (2, 2, 3), (3, 1, 2), (3, 1, 4), (3, 2, 2), (3, 3, 2),
                                   (4, 1, 2), (4, 2, 1)])
def test_folded_capacity_equals_the_unfolded_one(n, s, m):
    """Certified intervals of the orbit-route folded channel and of capacity.blahut_arimoto on the
    unfolded channel overlap (both certify C; a disjoint pair would prove one wrong)."""
    a = insensitive_capacity(n, s, m)
    W = channel_matrix(n, s, m).W
    b = capacity.blahut_arimoto(W, tol=1e-9)
    assert a.gap <= 1e-9 and b.upper - b.lower <= 1e-9
    assert a.lower <= b.upper + 1e-12 and b.lower <= a.upper + 1e-12   # 1e-12: float rounding of the bounds


#: Unfolded channels solved in the slow grid: at most this many entries (larger ones are compared with
#: the every-type fold instead).
UNFOLDED_MAX = 5 * 10 ** 6


@pytest.mark.slow
@pytest.mark.parametrize("n,s,m", [(n, s, m) for n in (1, 2, 3) for s in range(n + 1) for m in range(1, 5)]
                         + [(4, s, m) for s in range(5) for m in range(1, 4)])
def test_folded_equals_unfolded_grid(n, s, m):
    """Every n <= 3, m <= 4 and n = 4, m <= 3: the orbit-route capacity against the unfolded channel
    where it has <= UNFOLDED_MAX entries, else the orbit-route fold against the every-type fold."""
    shape = capacity.insensitive.channel_shape(n, s, m)
    if shape.n_classes * shape.n_types <= UNFOLDED_MAX:
        test_folded_capacity_equals_the_unfolded_one(n, s, m)
    else:
        a, b = folded_channel(n, s, m), folded_channel(n, s, m, method="types")
        np.testing.assert_allclose(a.V, b.V, rtol=0, atol=1e-13)           # as in test_symmetry
        np.testing.assert_allclose(a.bonus, b.bonus, rtol=0, atol=1e-12)


@pytest.mark.parametrize("n,s", [(3, 1), (3, 2), (4, 1), (4, 3)])
def test_capacity_is_monotone_in_m_and_below_its_limits(n, s):
    prev = 0.0
    for m in range(1, 4):
        r = insensitive_capacity(n, s, m)
        if m == 1:
            assert abs(r.lower - 1.0) <= 1e-9 and r.upper >= 1.0 - 1e-12      # one sample: exactly 1 bit
        assert r.upper >= prev - 1e-9                                        # C(m) >= C(m - 1) (gaps 1e-9)
        assert r.lower <= min(m, math.log2(r.n_classes)) + 1e-12
        prev = r.lower


@pytest.mark.parametrize("s", [0, pytest.param(1, marks=pytest.mark.slow)])   # s = 1: 936 545 classes, ~20 s
def test_n5_one_sample_is_one_bit(s):
    r = insensitive_capacity(5, s, 1)
    assert r.n_classes == (33 if s == 0 else 936_545)
    assert abs(r.lower - 1.0) <= 1e-9 and r.upper >= 1.0 - 1e-12            # certified within tol = 1e-9


def test_orbit_sums_bonus_term_is_compensated():
    # The bonus term Bs adds one product per leaf: with 2**20 leaves a plain running sum is off by
    # about 3e-14 relative (3e-14 x 3e7 here), while Kahan's sum is within 2 eps of the exact sum of
    # the same terms (math.fsum; the bound 4 eps sum|term| leaves a factor 2). One class, K = 1
    # cell (symbols 0, 1 with r = 0.7, 0.3), m = 1: every root is a leaf and Bs = sum_t size_t r ln r.
    from capacity.insensitive._orbits_numba import orbit_sums

    L = 1 << 20
    rng = np.random.default_rng(0)
    sym = rng.integers(0, 2, L).astype(np.int16)
    sizes = rng.uniform(1.0, 100.0, L)
    idx = np.zeros(L, np.int64)
    A, Bs = orbit_sums(np.array([[0.3]]), np.array([[0.7]]), np.array([1.0]), np.zeros(1, np.int64),
                       np.array([0, 1], np.int64), idx, idx, L, sym, np.ones(L), np.zeros(L), 1, sizes)
    r, lr = np.array([0.7, 0.3]), np.array([math.log(0.7), math.log(0.3)])
    terms = (r[sym] * lr[sym]) * sizes  # the kernel's products, rounded the same way
    assert abs(Bs[0] - math.fsum(terms)) <= 4 * np.finfo(float).eps * np.abs(terms).sum()
    np.testing.assert_array_equal(A[0], r[sym])  # and each leaf's likelihood is its symbol's r
