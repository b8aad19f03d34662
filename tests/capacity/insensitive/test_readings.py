"""reading_capacity: each reading against the exact channel where they coincide, and brute force."""
import itertools

import numpy as np
import pytest

from capacity import blahut_arimoto
from capacity.insensitive import cell_probabilities, insensitive_capacity, reading_capacity
from capacity.insensitive.classes import all_truth_tables

OVERLAP = 1e-12   # two certified intervals of one number overlap up to float64 rounding


def _overlap(a, b):
    return a.lower <= b.upper + OVERLAP and b.lower <= a.upper + OVERLAP


@pytest.mark.parametrize("n,s,m", [(2, 1, 2), (2, 1, 3), (3, 1, 2), (3, 2, 2)])
def test_random_and_fixed_equal_insensitive_capacity(n, s, m):
    assert _overlap(reading_capacity(n, s, m, "random"), insensitive_capacity(n, s, m))
    assert _overlap(reading_capacity(n, s, m, "fixed"), insensitive_capacity(n, s, m, visible="fixed"))


@pytest.mark.parametrize("n,m", [(2, 2), (2, 3), (3, 2)])
def test_bernoulli_at_p0_and_p1_and_shared_at_s_n(n, m):
    # p = 0: Bob sees f(x) only (s = 0); p = 1: he sees x (s = n); one S for all samples when s = n
    assert _overlap(reading_capacity(n, 0, m, "bernoulli"), insensitive_capacity(n, 0, m))
    assert _overlap(reading_capacity(n, n, m, "bernoulli"), insensitive_capacity(n, n, m))
    assert _overlap(reading_capacity(n, n, m, "shared"), insensitive_capacity(n, n, m))


@pytest.mark.parametrize("n,s,m", [(2, 1, 2), (2, 1, 3)])
def test_hidden_and_shared_against_raw_sequences(n, s, m):
    tables = all_truth_tables(n)
    q, cells = cell_probabilities(tables, s)
    sets = sorted({S for S, _ in cells})
    A = 1 << s
    # hidden: Bob sees (a, y) per sample; P(a, y | f) = mean_S 2**-s q_{S,a}^y (1 - q_{S,a})^(1-y)
    qh = q.reshape(len(tables), len(sets), A)
    r = np.concatenate([qh.mean(axis=1) / A, (1 - qh).mean(axis=1) / A], axis=1)
    W = np.stack([np.prod([r[:, j] for j in seq], axis=0) for seq in itertools.product(range(2 * A), repeat=m)], 1)
    ref = blahut_arimoto(W, tol=1e-10)
    assert _overlap(reading_capacity(n, s, m, "hidden"), ref)
    # shared: output (S, sequence), P = C(n,s)^-1 prod_i P(a_i, y_i | f, S)
    cols = []
    for j in range(len(sets)):
        rS = np.concatenate([qh[:, j] / A, (1 - qh[:, j]) / A], axis=1)
        cols += [np.prod([rS[:, k] for k in seq], axis=0) / len(sets)
                 for seq in itertools.product(range(2 * A), repeat=m)]
    ref = blahut_arimoto(np.stack(cols, 1), tol=1e-10)
    assert _overlap(reading_capacity(n, s, m, "shared"), ref)


def test_orderings_of_the_readings():
    # hiding S and sharing it lose information against the random reading (data processing)
    for n, s, m in ((2, 1, 3), (3, 1, 2)):
        rnd = reading_capacity(n, s, m, "random")
        assert reading_capacity(n, s, m, "hidden").lower <= rnd.upper + OVERLAP
        assert reading_capacity(n, s, m, "shared").lower <= rnd.upper + OVERLAP


def test_bad_input():
    with pytest.raises(ValueError, match="`reading` must be one of"):
        reading_capacity(2, 1, 1, "secret")
    with pytest.raises(ValueError, match="`n` must be"):
        reading_capacity(4, 1, 1, "random")
    with pytest.raises(ValueError, match="`m` must be"):
        reading_capacity(2, 1, 9, "random")
    with pytest.raises(ValueError, match="max_bytes"):
        reading_capacity(3, 1, 8, "bernoulli", max_bytes=2**20)
