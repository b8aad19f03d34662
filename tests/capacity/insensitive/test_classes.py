"""Equivalence classes and their counts vs brute force over subcube counts."""
from fractions import Fraction
from itertools import combinations, product

import numpy as np
import pytest

from capacity.insensitive import (cell_probabilities, count_classes, equivalence_classes, low_degree_subsets,
                                  standard_functions)
from capacity.insensitive.classes import STORED_COUNTS


def _tables(n):
    N = 1 << n
    F = np.arange(1 << N, dtype=np.int64)
    return ((F[:, None] >> np.arange(N)[None, :]) & 1).astype(np.int64)


def _subcube_labels(n, s, S0=None):
    """Brute force: classes = equal ones-count in every visible subcube (S, a), numbered by first member."""
    tables = _tables(n)
    xs = np.arange(1 << n)
    sets = [tuple(S0)] if S0 is not None else list(combinations(range(n), s))
    cols = []
    for S in sets:
        for a in range(1 << len(S)):
            mask = np.ones(xs.size, bool)
            for j, i in enumerate(S):
                mask &= ((xs >> i) & 1) == ((a >> j) & 1)
            cols.append(tables[:, mask].sum(axis=1))
    keys = np.stack(cols, axis=1)
    seen, labels = {}, np.empty(len(keys), np.int64)
    for F, row in enumerate(map(tuple, keys)):
        labels[F] = seen.setdefault(row, len(seen))
    return labels


CASES = [(n, s) for n in range(1, 5) for s in range(n + 1)]


@pytest.mark.parametrize("n,s", CASES)
def test_fourier_partition_equals_subcube_partition(n, s):
    ec = equivalence_classes(n, s)
    # Both number classes by their smallest member, so the label arrays must be identical.
    np.testing.assert_array_equal(ec.labels, _subcube_labels(n, s))
    assert ec.labels.dtype == np.uint32 and ec.labels.shape == (1 << (1 << n),)
    np.testing.assert_array_equal(ec.sizes, np.bincount(ec.labels))
    assert ec.sizes.sum() == 1 << (1 << n)
    # representatives are the smallest members, as truth tables
    for k in (0, ec.n_classes - 1):
        F = int(np.flatnonzero(ec.labels == k)[0])
        assert ec.rep_index[k] == F
        np.testing.assert_array_equal(ec.representatives[k], (F >> np.arange(1 << n)) & 1)


@pytest.mark.parametrize("n,s", [(n, s) for n in range(1, 5) for s in range(n + 1)])
def test_fixed_partition_equals_subcube_partition_and_closed_form(n, s):
    S0 = tuple(range(n - s, n))  # a non-default set
    ec = equivalence_classes(n, s, visible="fixed", S0=S0)
    np.testing.assert_array_equal(ec.labels, _subcube_labels(n, s, S0=S0))
    assert ec.n_classes == (2 ** (n - s) + 1) ** (2 ** s)
    assert count_classes(n, s, visible="fixed") == ec.n_classes
    assert count_classes(n, s, visible="fixed", method="partition") == ec.n_classes


def test_coefficients_are_exact_integer_spectra():
    ec = equivalence_classes(3, 1)
    np.testing.assert_array_equal(ec.subsets, [0, 1, 2, 4])
    xs = np.arange(8)
    for k in range(ec.n_classes):
        g = 1 - 2 * ec.representatives[k].astype(int)
        want = [int(sum(g[x] * (-1) ** bin(x & T).count("1") for x in xs)) for T in ec.subsets]
        assert ec.coefficients[k].tolist() == want


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_counts_closed_forms(n):
    assert count_classes(n, 0) == 2 ** n + 1 == equivalence_classes(n, 0).n_classes
    assert count_classes(n, n - 1) == 2 ** (2 ** n) - 1 == equivalence_classes(n, n - 1).n_classes
    assert count_classes(n, n) == 2 ** (2 ** n) == equivalence_classes(n, n).n_classes
    assert count_classes(n, 0, method="partition") == 2 ** n + 1


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_top_level_only_parity_merges(n):
    # s = n - 1: the only class with more than one member is {parity, anti-parity}.
    ec = equivalence_classes(n, n - 1)
    big = np.flatnonzero(ec.sizes > 1)
    assert big.size == 1 and ec.sizes[big[0]] == 2
    std = standard_functions(n)
    assert set(ec.members(int(big[0])).tolist()) == {std["parity"], std["~parity"]}


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_dp_count_matches_partition(n):
    assert count_classes(n, 1, method="dp") == equivalence_classes(n, 1).n_classes


@pytest.mark.parametrize("n", [2, 3, 4])
def test_affine_count_matches_partition(n):
    assert count_classes(n, n - 2, method="affine") == equivalence_classes(n, n - 2).n_classes


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_affine_events_are_all_top_level_differences(n):
    # The key lemma of method="affine", checked by linear algebra: every u in span{chi_T : |T| >= n-1}
    # with values in {-1, 0, 1} (u = (g - g')/2 for two functions of one class). The span has dimension
    # n + 1; u is fixed by its values on n + 1 rows where the basis is invertible, so enumerate the
    # 3**(n+1) value vectors there, solve, and keep the u that are {-1, 0, 1} everywhere.
    from capacity.insensitive.classes import _affine_events

    N = 1 << n
    xs = np.arange(N)
    par = lambda T: 1 - 2 * (np.array([bin(int(x) & T).count("1") for x in xs]) % 2)  # noqa: E731
    full = N - 1
    basis = np.stack([par(full)] + [par(full & ~(1 << i)) for i in range(n)], axis=1).astype(float)
    rows = []
    for x in range(N):
        if np.linalg.matrix_rank(basis[rows + [x]]) == len(rows) + 1:
            rows.append(x)
    assert len(rows) == n + 1
    inv = np.linalg.inv(basis[rows])
    vals = np.array(list(product((-1, 0, 1), repeat=n + 1)), dtype=float)
    U = vals @ inv.T @ basis.T  # (3**(n+1), N)
    ok = np.all(np.min(np.abs(U[:, :, None] - np.array([-1.0, 0.0, 1.0])), axis=2) < 1e-9, axis=1)
    U = np.rint(U[ok]).astype(int)
    U = U[np.any(U != 0, axis=1)]
    chi = par(full)
    found = {(sum(1 << int(x) for x in xs if u[x] != 0), sum(1 << int(x) for x in xs if u[x] * chi[x] == -1))
             for u in U}
    assert found == set(_affine_events(n))
    assert len(found) == 2 + 6 * n + 4 * n * (n - 1) // 2


def test_n5_s3_by_affine_enumeration():
    # s = n - 2 at n = 5. The lemma above (checked at n = 5 by linear algebra) and the match with the
    # partition for n <= 4 are the evidence; the value is pinned here to catch regressions, and it must
    # lie below 2**32 - 1 (s = 4: only parity ~ anti-parity) since a lower s merges more.
    value = count_classes(5, 3)
    assert value == count_classes(5, 3, method="affine") == 4293038937
    assert value < count_classes(5, 4)


@pytest.mark.parametrize("n,s", [(n, s) for n in (2, 3, 4) for s in range(1, n)])
def test_mitm_count_matches_partition(n, s):
    assert count_classes(n, s, method="mitm") == equivalence_classes(n, s).n_classes


@pytest.mark.slow
def test_n5_mitm_matches_dp_and_affine():
    # three independent exact methods agree at n = 5 (s = 1: DP; s = 3: affine enumeration)
    assert count_classes(5, 1, method="mitm") == count_classes(5, 1, method="dp")
    assert count_classes(5, 3, method="mitm") == count_classes(5, 3, method="affine")


@pytest.mark.slow
def test_n5_s2_by_mitm():
    # ~1.5e8 sums (minutes). The method matches the partition for every n <= 4, 1 <= s < n, and the DP and
    # affine counts at n = 5; the value is pinned to catch regressions, and must lie between the s = 1 and
    # s = 3 counts (more visible bits, finer classes).
    value = count_classes(5, 2, method="mitm")
    assert value.method == "mitm"
    assert value == count_classes(5, 2)      # the stored count that method="auto" returns
    assert count_classes(5, 1) < value < count_classes(5, 3)


def test_stored_count_says_where_it_comes_from():
    """method="auto" at (5, 2) returns the stored mitm count, and says so: its provenance names this
    file's slow test that recomputes it (which must exist)."""
    c = count_classes(5, 2)
    assert c.method == "stored" and c == STORED_COUNTS[(5, 2)]
    test = c.provenance.split("::")[-1]
    assert "tests/capacity/insensitive/test_classes.py::" in c.provenance and callable(globals()[test])
    assert "slow" in [m.name for m in globals()[test].pytestmark]


@pytest.mark.parametrize("n,s", [(3, 1), (4, 2), (4, 3)])
def test_computed_counts_say_their_method(n, s):
    """The bounded mitm (max_seconds far above its estimate) equals the partition count; each
    result names the method that produced it."""
    c = count_classes(n, s, method="mitm", max_seconds=1e6)
    p = count_classes(n, s, method="partition")
    assert (c.method, p.method) == ("mitm", "partition")
    assert c == p == equivalence_classes(n, s).n_classes
    assert c.provenance == "computed by method 'mitm'"


def test_worked_counts():
    assert count_classes(2, 1) == 15
    assert count_classes(3, 1) == 153
    assert count_classes(3, 1, visible="fixed") == 25
    assert count_classes(5, 0) == 33
    assert count_classes(5, 4) == 2 ** 32 - 1
    assert count_classes(5, 5) == 2 ** 32
    assert count_classes(5, 2, visible="fixed") == 9 ** 4


def test_n5_s1_by_dp():
    # Upper bound: the box size; lower bound: distinct (w, c) reached by 20 000 random subsets.
    value = count_classes(5, 1)
    assert value <= 33 * 17 ** 5
    rng = np.random.default_rng(0)
    xs = np.arange(32)
    bits = (xs[:, None] >> np.arange(5)) & 1
    f = rng.integers(0, 2, size=(20000, 32))
    keys = np.concatenate([f.sum(1, keepdims=True), f @ bits], axis=1)
    assert value >= len(np.unique(keys, axis=0))


def test_n5_s1_by_meet_in_the_middle():
    # Independent exact count: split the 5-cube by x4. A = A0 + A1 with A0, A1 subsets of two 4-cubes,
    # so (|A|, c0..c3, c4) = (w0 + w1, c(A0) + c(A1), w1): a Minkowski sum of the n = 4 vector set,
    # with w1 as the last coordinate. Keys are mixed-radix integers (w <= 32, c_i <= 16), marked in a bitmap.
    tables = ((np.arange(1 << 16)[:, None] >> np.arange(16)) & 1).astype(np.int64)
    bits = (np.arange(16)[:, None] >> np.arange(4)) & 1
    R4 = np.unique(np.concatenate([tables.sum(1, keepdims=True), tables @ bits], axis=1), axis=0)
    assert len(R4) == count_classes(4, 1)
    radix = np.array([1, 33, 33 * 17, 33 * 17 ** 2, 33 * 17 ** 3])
    key = R4 @ radix
    seen = np.zeros(33 * 17 ** 5, dtype=bool)
    for w1 in range(17):
        other = R4[R4[:, 0] == w1] @ radix + w1 * 33 * 17 ** 4
        seen[(key[:, None] + other[None, :]).ravel()] = True
    total = int(seen.sum())
    assert count_classes(5, 1, method="dp") == total == 936545


def test_names_of_standard_functions():
    ec = equivalence_classes(3, 1)
    std = standard_functions(3)
    assert ec.names[ec.labels[std["maj"]]] == "maj"
    assert ec.names[ec.labels[std["x1"]]] == "x1"
    assert ec.names[ec.labels[std["parity"]]] == "parity = ~parity"
    assert ec.names[0] == "0"
    # the truth tables behind the names
    xs = np.arange(8)
    w = sum((xs >> i) & 1 for i in range(3))
    assert std["maj"] == sum(1 << int(x) for x in xs if w[x] >= 2)
    assert std["AND"] == 1 << 7 and std["NOR"] == 1


def test_cell_probabilities_brute_force():
    rng = np.random.default_rng(1)
    f = rng.integers(0, 2, size=(3, 16))
    q, cells = cell_probabilities(f, 2)
    assert len(cells) == 6 * 4
    for col, (S, a) in enumerate(cells):
        for b in range(3):
            xs = [x for x in range(16) if all(((x >> i) & 1) == ((a >> j) & 1) for j, i in enumerate(S))]
            want = Fraction(sum(int(f[b, x]) for x in xs), len(xs))
            assert q[b, col] == float(want)  # exact: counts / power of two
    qf, cells_f = cell_probabilities(f, 2, visible="fixed", S0=(3, 1))
    assert [S for S, _ in cells_f] == [(1, 3)] * 4


def test_low_degree_subsets():
    assert low_degree_subsets(4, 2).tolist() == [0, 1, 2, 4, 8, 3, 5, 6, 9, 10, 12]
    assert low_degree_subsets(4, 1, visible="fixed", S0=[2]).tolist() == [0, 4]


def test_inputs_not_mutated_and_tensor_input():
    torch = pytest.importorskip("torch")
    f = torch.tensor([[0, 1, 1, 0]])
    q, _ = cell_probabilities(f, 1)
    assert q.tolist() == [[0.5, 0.5, 0.5, 0.5]]


BAD = [
    (lambda: equivalence_classes(5, 1), ValueError, r"`n` must be <= 4"),
    (lambda: equivalence_classes(0, 0), ValueError, r"`n` must be an integer in \[1"),
    (lambda: equivalence_classes(3, 4), ValueError, r"`s` must be an integer in \[0, 3\]"),
    (lambda: equivalence_classes(3, -1), ValueError, r"`s` must be an integer"),
    (lambda: equivalence_classes(2.0, 1), TypeError, r"`n` must be an integer"),
    (lambda: equivalence_classes(2, 1, visible="sometimes"), ValueError, r"`visible` must be one of"),
    (lambda: equivalence_classes(2, 1, S0=[0]), ValueError, r"`S0` is only accepted with visible='fixed'"),
    (lambda: equivalence_classes(3, 2, visible="fixed", S0=[0]), ValueError, r"`S0` must have exactly s = 2"),
    (lambda: equivalence_classes(3, 2, visible="fixed", S0=[1, 1]), ValueError, r"`S0` must hold distinct"),
    (lambda: equivalence_classes(3, 1, visible="fixed", S0=[3]), ValueError, r"`S0 element` must be an integer"),
    (lambda: equivalence_classes(3, 1, visible="fixed", S0=5), TypeError, r"`S0` must be an iterable"),
    (lambda: equivalence_classes(4, 2, max_bytes=1000), ValueError, r"max_bytes"),
    (lambda: count_classes(6, 3), ValueError, r"cannot count \(n, s\) = \(6, 3\)"),
    (lambda: count_classes(6, 2, method="mitm"), ValueError, r"n must be <= 5"),
    (lambda: count_classes(4, 0, method="mitm"), ValueError, r"'mitm' needs visible='random' and 1 <= s <= n - 1"),
    (lambda: count_classes(4, 4, method="mitm"), ValueError, r"'mitm' needs"),
    (lambda: count_classes(5, 2, method="mitm", max_bytes=10_000), ValueError, r"max_bytes"),
    (lambda: count_classes(6, 1), ValueError, r"cannot count \(n, s\) = \(6, 1\)"),
    (lambda: count_classes(6, 1, method="dp"), ValueError, r"max_bytes"),
    (lambda: count_classes(6, 4, method="affine"), ValueError, r"n must be <= 5"),
    (lambda: count_classes(4, 1, method="affine"), ValueError, r"'affine' needs visible='random' and s = n - 2"),
    (lambda: count_classes(5, 3, method="affine", max_bytes=1000), ValueError, r"max_bytes"),
    (lambda: count_classes(40, 39), ValueError, r"`n` must be an integer in \[1, 24\]"),
    (lambda: count_classes(3, 4), ValueError, r"`s` must be an integer in \[0, 3\]"),
    (lambda: count_classes(3, 1, method="magic"), ValueError, r"`method` must be one of"),
    (lambda: count_classes(3, 1, method="closed"), ValueError, r"'closed' needs"),
    (lambda: count_classes(3, 2, method="dp"), ValueError, r"'dp' needs visible='random' and s = 1"),
    (lambda: count_classes(5, 0, method="partition"), ValueError, r"'partition' needs n <= 4"),
    (lambda: count_classes(2, 1, visible=None), ValueError, r"`visible` must be one of"),
    (lambda: count_classes(5, 2, method="mitm", max_seconds=1.0), ValueError,
     r"`max_seconds` must cover the estimate: count_classes\(n=5, s=2, method='mitm'\) sums 1.47e\+08 pairs"),
    (lambda: count_classes(3, 1, max_seconds=0.0), ValueError, r"`max_seconds` must be a finite number in \(0"),
    (lambda: count_classes(3, 1, max_seconds="1"), TypeError, r"`max_seconds` must be a real number"),
    (lambda: standard_functions(6), ValueError, r"`n` must be an integer in \[1, 5\]"),
    (lambda: cell_probabilities([0, 1, 1], 1), ValueError, r"length 2\*\*n"),
    (lambda: cell_probabilities([0, 1], 2), ValueError, r"`s` must be an integer in \[0, 1\]"),
    (lambda: cell_probabilities([0.0, 1.0], 1), TypeError, r"must hold integers"),
    (lambda: low_degree_subsets(2, 3), ValueError, r"`s` must be"),
    (lambda: low_degree_subsets(31, 1), ValueError, r"`n` must be an integer in \[1, 30\]"),
    (lambda: low_degree_subsets(3, 1, visible="fixed", S0=[0, 1]), ValueError, r"`S0` must have exactly s = 1"),
    (lambda: cell_probabilities([0, 1, 1, 0], 1, visible="fixed", S0=[2]), ValueError, r"`S0 element`"),
    (lambda: standard_functions(2.0), TypeError, r"`n` must be an integer"),
    (lambda: cell_probabilities(np.zeros((4, 1 << 10), np.uint8), 5, max_bytes=10_000), ValueError, r"max_bytes"),
    (lambda: equivalence_classes(2, 1).members(15), ValueError, r"`k` must be an integer in \[0, 14\]"),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("visible", ["random", "fixed"])
def test_representatives_have_distinct_cell_laws(visible):
    ec = equivalence_classes(3, 2, visible=visible, S0=(0, 2) if visible == "fixed" else None)
    q = ec.q()
    assert q.shape == (ec.n_classes, (3 if visible == "random" else 1) * 4)
    assert len(np.unique(q, axis=0)) == ec.n_classes
    # any member of a class has the representative's q (exact dyadic values)
    for k in (1, ec.n_classes // 2):
        F = int(ec.members(k)[-1])
        qf, _ = cell_probabilities((F >> np.arange(8)) & 1, 2, visible=visible, S0=ec.S0)
        np.testing.assert_array_equal(qf[0], q[k])
