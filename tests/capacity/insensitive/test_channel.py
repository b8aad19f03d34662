"""channel_matrix / channel_shape against a brute force over raw sample sequences."""
import itertools
import math

import numpy as np
import pytest

from capacity.insensitive import (cell_probabilities, channel_matrix, channel_shape, count_classes,
                                  equivalence_classes)
from capacity.insensitive.model import channel_cells, channel_classes, count_vectors, type_list, vector_classes
from capacity.insensitive.symmetry import type_ranks


# ----------------------------------------------------------------------------- brute force

def one_sample_law(f, n, s, *, S0=None, p=0.5):
    """P(S, a, y | f) by looping over x and S, from the definition (cells ordered by S
    lexicographically then a = sum_j x_{S[j]} 2**j; symbol index 2 c + y)."""
    subsets = [tuple(S0)] if S0 is not None else list(itertools.combinations(range(n), s))
    law = np.zeros(2 * len(subsets) * 2 ** s)
    for si, S in enumerate(subsets):
        for x in range(2 ** n):
            bits = [(x >> i) & 1 for i in range(n)]
            px = math.prod(p if b else 1 - p for b in bits)
            a = sum(bits[i] << j for j, i in enumerate(S))
            c = si * 2 ** s + a
            law[2 * c + int(f[x])] += px / len(subsets)
    return law


def raw_channel(tables, n, s, m, *, S0=None, p=0.5):
    """Rows: the given functions; columns: all (2K)^m raw sequences (first sample slowest)."""
    rows = []
    for f in tables:
        law = one_sample_law(f, n, s, S0=S0, p=p)
        row = law
        for _ in range(m - 1):
            row = np.outer(row, law).reshape(-1)
        rows.append(row)
    return np.array(rows)


def all_tables(n):
    N = 2 ** n
    return np.array([[(F >> x) & 1 for x in range(N)] for F in range(2 ** N)], dtype=np.uint8)


def aggregate_by_type(raw, n_symbols, m):
    """Sum raw columns over sequences with the same multiset of symbols; keys = sorted tuples."""
    out = {}
    for col, seq in enumerate(itertools.product(range(n_symbols), repeat=m)):
        key = tuple(sorted(seq))
        out[key] = out.get(key, 0.0) + raw[:, col]
    return out


def type_keys(types):
    """Sorted symbol tuple of each column from (nu_c, kappa_c)."""
    keys = []
    for t in types:
        seq = []
        for c, (nu, kappa) in enumerate(t):
            seq += [2 * c] * int(nu - kappa) + [2 * c + 1] * int(kappa)
        keys.append(tuple(sorted(seq)))
    return keys


# ----------------------------------------------------------------------------- tests

@pytest.mark.parametrize("n,s,m,visible,S0,p", [
    (2, 1, 1, "random", None, 0.5), (2, 1, 2, "random", None, 0.5), (2, 1, 3, "random", None, 0.5),
    (2, 0, 3, "random", None, 0.5), (2, 2, 2, "random", None, 0.5), (3, 1, 2, "random", None, 0.5),
    (3, 2, 2, "random", None, 0.5), (3, 1, 2, "fixed", (2,), 0.5), (3, 2, 2, "fixed", (0, 2), 0.5),
    (2, 1, 2, "random", None, 0.3), (2, 1, 3, "random", None, 0.8), (3, 1, 2, "random", None, 0.25),
    (2, 1, 2, "fixed", (1,), 0.3),
])
def test_channel_matrix_equals_raw_sequences_summed_by_type(n, s, m, visible, S0, p):
    ch = channel_matrix(n, s, m, visible=visible, S0=S0, p_bias=p)
    raw = raw_channel(ch.representatives, n, s, m, S0=S0 if visible == "fixed" else None, p=p)
    agg = aggregate_by_type(raw, 2 * len(ch.cells), m)
    keys = type_keys(ch.types)
    assert sorted(keys) == sorted(agg)            # every type appears exactly once
    expect = np.stack([agg[k] for k in keys], axis=1)
    np.testing.assert_allclose(ch.W, expect, rtol=1e-12, atol=1e-15)  # float sums of products
    np.testing.assert_allclose(ch.W.sum(axis=1), 1.0, atol=1e-12)
    assert ch.types[:, :, 0].sum(axis=1).tolist() == [m] * ch.shape[1]


@pytest.mark.parametrize("n,s,visible", [(2, 1, "random"), (3, 1, "random"), (3, 2, "random"),
                                         (3, 1, "fixed"), (3, 0, "random")])
def test_uniform_rows_are_the_fourier_classes(n, s, visible):
    ch = channel_matrix(n, s, 1, visible=visible)
    ec = equivalence_classes(n, s, visible=visible)
    assert ch.shape[0] == ec.n_classes == count_classes(n, s, visible=visible)
    q, _ = cell_probabilities(ec.representatives, s, visible=visible)
    np.testing.assert_array_equal(ch.q, q)  # exact: counts / 2**(n-s)
    assert len({row.tobytes() for row in ch.q}) == ch.shape[0]   # rows pairwise distinct


@pytest.mark.parametrize("p", [0.3, 0.7])
def test_biased_classes_group_equal_q_vectors_of_all_functions(p):
    """Brute force: the set of distinct q vectors over all 16 (or 256) functions."""
    for n, s in [(2, 1), (3, 1)]:
        ch = channel_matrix(n, s, 1, p_bias=p)
        qs = []
        for f in all_tables(n):
            law = one_sample_law(f, n, s, p=p)
            qs.append(law[1::2] / (law[0::2] + law[1::2]))
        distinct = np.unique(np.round(np.array(qs), 12), axis=0)
        assert ch.shape[0] == distinct.shape[0]
        assert int(ch.sizes.sum()) == 2 ** 2 ** n
        np.testing.assert_allclose(np.unique(np.round(ch.q, 12), axis=0), distinct, atol=1e-12)


def _exact_q_vector_count(n, s, p):
    """Distinct q vectors over all functions, in exact rational arithmetic (Fractions)."""
    from fractions import Fraction

    xs = list(itertools.product((0, 1), repeat=n))
    w = {x: math.prod(p if b else 1 - p for b in x) for x in xs}
    cells = [[x for x in xs if tuple(x[i] for i in S) == a]
             for S in itertools.combinations(range(n), s) for a in itertools.product((0, 1), repeat=s)]
    vectors = set()
    for F in range(2 ** 2 ** n):
        f = {x: (F >> sum(b << i for i, b in enumerate(x))) & 1 for x in xs}
        vectors.add(tuple(sum((w[x] for x in c if f[x]), Fraction(0)) / sum(w[x] for x in c) for c in cells))
    return len(vectors)


@pytest.mark.parametrize("p", ["1/3", "3/10", "1/4", "2/7"])
@pytest.mark.parametrize("n,s", [(2, 0), (2, 1), (3, 0), (3, 1), (3, 2)])
def test_biased_classes_are_exact_for_rational_p(p, n, s):
    # the float 1/3 is not 1/3: comparing float q vectors kept 45 classes at (3, 0) where exact
    # arithmetic has 28 distinct values of P(f = 1); p within 4 ulps of a small fraction is now that fraction
    from fractions import Fraction

    exact = Fraction(p)
    sh = channel_shape(n, s, 1, p_bias=float(exact))
    assert sh.n_classes == _exact_q_vector_count(n, s, exact)


def test_biased_classes_split_parity_at_p_not_half():
    assert channel_matrix(2, 1, 1).shape[0] == 15
    ch = channel_matrix(2, 1, 1, p_bias=0.3)
    assert ch.shape[0] == 16
    assert "parity" in ch.names and "~parity" in ch.names


@pytest.mark.parametrize("n,s,m,visible", [(2, 1, 3, "random"), (4, 2, 3, "random"), (3, 1, 5, "fixed"),
                                           (4, 1, 6, "random")])
def test_channel_shape(n, s, m, visible):
    sh = channel_shape(n, s, m, visible=visible)
    K = (math.comb(n, s) if visible == "random" else 1) * 2 ** s
    assert sh.n_cells == K
    assert sh.n_types == math.comb(2 * K + m - 1, m)
    assert sh.n_classes == count_classes(n, s, visible=visible)
    assert sh.nbytes == 8 * sh.n_classes * sh.n_types
    if sh.nbytes < 2 ** 22:
        assert channel_matrix(n, s, m, visible=visible).shape == sh.shape


@pytest.mark.parametrize("N,m", [(4, 1), (4, 3), (6, 4), (16, 3)])
def test_types_are_all_multisets_in_rank_order(N, m):
    sym, coef = type_list(N, m)
    assert sym.shape == (math.comb(N + m - 1, m), m)
    np.testing.assert_array_equal(type_ranks(sym, N), np.arange(sym.shape[0]))
    assert coef.sum() == N ** m   # sum of multinomial coefficients = number of sequences (exact ints)


def test_channel_matrix_is_fresh_and_writable():
    a = channel_matrix(2, 1, 2)
    a.W[0, 0] = 7.0
    assert channel_matrix(2, 1, 2).W[0, 0] != 7.0


@pytest.mark.parametrize("n,s,visible,S0", [(3, 1, "random", None), (4, 1, "random", None), (2, 1, "random", None),
                                            (3, 0, "random", None), (4, 2, "fixed", (1, 3)), (3, 1, "fixed", (2,))])
def test_count_vectors_equal_the_enumerated_classes(n, s, visible, S0):
    """The count-vector route (used for n >= 5) gives the same set of q vectors as all functions."""
    cells = channel_cells(n, s, S0, 0.5)
    vec = vector_classes(n, s, visible, S0, cells)
    enum = channel_classes(n, s, visible, S0, 0.5)
    assert vec.n_classes == enum.n_classes == count_classes(n, s, visible=visible)
    a = np.unique(vec.q, axis=0)
    b = np.unique(enum.q, axis=0)
    np.testing.assert_array_equal(a, b)   # exact: counts / 2**(n-s)
    # the standard names land on the same q vectors
    for k, name in enumerate(enum.names):
        if name:
            j = int(np.flatnonzero((vec.q == enum.q[k]).all(axis=1))[0])
            assert vec.names[j] == name


@pytest.mark.slow
def test_count_vectors_n5():
    assert count_vectors(5, 1, "random", None).shape == (count_classes(5, 1), 10)
    sh = channel_shape(5, 1, 2)
    assert sh.shape == (936545, 210) and sh.n_cells == 10
    ch = channel_matrix(5, 1, 3, visible="fixed", S0=(4,))
    assert ch.shape == (17 ** 2, math.comb(4 + 2, 3)) and ch.representatives is None and ch.sizes is None
    np.testing.assert_allclose(ch.W.sum(axis=1), 1.0, atol=1e-12)
    assert channel_shape(8, 1, 1, visible="fixed").n_classes == 129 ** 2


BAD = [
    (dict(n=2, s=3, m=1), ValueError, r"`s` must be an integer in \[0, 2\]"),
    (dict(n=2, s=1, m=0), ValueError, r"`m` must be an integer in \[1, 64\]"),
    (dict(n=5, s=2, m=1), ValueError, r"no exact route covers `n` = 5 with \(s, visible, p_bias\) = \(2, 'random', 0.5\)"),
    (dict(n=5, s=1, m=1, p_bias=0.3), ValueError, r"no exact route covers `n` = 5"),
    (dict(n=6, s=1, m=1), ValueError, r"no exact route covers `n` = 6"),
    (dict(n=9, s=1, m=1, visible="fixed"), ValueError, r"no exact route covers `n` = 9"),
    (dict(n=8, s=3, m=1, visible="fixed"), ValueError, r"count vectors > 5000000"),
    (dict(n=0, s=0, m=1), ValueError, r"`n` must be an integer in \[1, inf\]"),
    (dict(n=2.0, s=1, m=1), TypeError, r"`n` must be an integer"),
    (dict(n=2, s=1, m=1, p_bias=0.0), ValueError, r"`p_bias` must be a finite number in \(0.0, 1.0\)"),
    (dict(n=2, s=1, m=1, p_bias=1.0), ValueError, r"`p_bias` must be a finite number in \(0.0, 1.0\)"),
    (dict(n=2, s=1, m=1, p_bias=float("nan")), ValueError, r"`p_bias`"),
    (dict(n=2, s=1, m=1, p_bias="a"), TypeError, r"`p_bias` must be a real number"),
    (dict(n=2, s=1, m=1, visible="sometimes"), ValueError, r"`visible` must be one of"),
    (dict(n=2, s=1, m=1, S0=(0,)), ValueError, r"`S0` is only accepted with visible='fixed'"),
    (dict(n=3, s=1, m=1, visible="fixed", S0=(0, 1)), ValueError, r"`S0` must have exactly s = 1"),
]


@pytest.mark.parametrize("kwargs,exc,match", BAD)
@pytest.mark.parametrize("fn", [channel_matrix, channel_shape])
def test_bad_input(fn, kwargs, exc, match):
    kw = dict(kwargs)
    with pytest.raises(exc, match=match):
        fn(kw.pop("n"), kw.pop("s"), kw.pop("m"), **kw)


def test_refuses_over_max_bytes_before_allocating():
    with pytest.raises(ValueError, match=r"channel_matrix\(n=4, s=2, m=3\) of shape \(61419, 19600\).*"
                                         r"> max_bytes=1.0 MiB"):
        channel_matrix(4, 2, 3, max_bytes=2 ** 20)
    with pytest.raises(ValueError, match=r"> max_bytes=8.0 GiB"):   # the default cap: 9 GiB of float64
        channel_matrix(4, 2, 3)


@pytest.mark.parametrize("n", [14, 10 ** 6])
def test_huge_n_is_refused_with_its_name(n):
    # the message must not spell out 2**(2**n) (int->str limit at n >= 14, memory far beyond)
    with pytest.raises(ValueError, match=rf"no exact route covers `n` = {n} with"):
        channel_matrix(n, 2, 1)
    with pytest.raises(ValueError, match=rf"`n` must be <= 4 .*got n = {n}\."):
        equivalence_classes(n, 1)


def test_peak_memory_stays_within_max_bytes():
    """The plan checked against max_bytes covers the real peak: W plus one gathered block of factors
    (filling W with `W *= r[:, sym[:, i]]` over all columns at once used to hold two copies of W)."""
    import tracemalloc

    channel_matrix(4, 1, 1)                  # class tables are cached: not part of this call
    type_list.cache_clear()
    R, T = channel_shape(4, 1, 4).shape      # 5817 x 3876: W is 180 MB
    budget = int(1.3 * 8 * R * T)
    tracemalloc.start()
    try:
        ch = channel_matrix(4, 1, 4, max_bytes=budget)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert ch.W.nbytes == 8 * R * T
    assert peak <= budget, (peak, budget)
    with pytest.raises(ValueError, match="max_bytes"):
        channel_matrix(4, 1, 4, max_bytes=8 * R * T)   # W alone fits, W + its work space does not
