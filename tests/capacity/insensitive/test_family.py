"""Monte Carlo family information vs exact enumeration of all output sequences."""
import math
from itertools import combinations

import numpy as np
import pytest

from capacity.insensitive import cell_probabilities, equivalence_classes, function_family_information
from capacity.insensitive.family import family_cell_probabilities
from tests.refusal import refused_before_allocating


def _exact_family_mi(tables, n, s, m, w, S0=None):
    """I(F; Y^m) in bits by enumerating all (2K)^m raw sequences; q by loops over x."""
    sets = [tuple(S0)] if S0 is not None else list(combinations(range(n), s))
    cells = [(S, a) for S in sets for a in range(1 << len(S))]
    K = len(cells)
    P1 = np.zeros((len(tables), 2 * K))  # one-sample channel P(c, y | f)
    for b, f in enumerate(tables):
        for ci, (S, a) in enumerate(cells):
            xs = [x for x in range(1 << n) if all(((x >> i) & 1) == ((a >> j) & 1) for j, i in enumerate(S))]
            qc = sum(int(f[x]) for x in xs) / len(xs)
            P1[b, 2 * ci] = (1 - qc) / K
            P1[b, 2 * ci + 1] = qc / K
    P = np.ones((len(tables), 1))
    for _ in range(m):
        P = np.einsum("bi,bj->bij", P, P1).reshape(len(tables), -1)
    PY = w @ P
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(P > 0, P * np.log2(P / PY), 0.0)
    return float(w @ t.sum(axis=1))


def test_cell_probabilities_fourier_route_matches_counting(rng):
    f = rng.integers(0, 2, size=(5, 32)).astype(np.uint8)
    for s in range(6):
        want, _ = cell_probabilities(f, s)
        np.testing.assert_array_equal(family_cell_probabilities(f, 5, s), want)  # exact dyadic values
    want, _ = cell_probabilities(f, 2, visible="fixed", S0=(1, 4))
    np.testing.assert_array_equal(family_cell_probabilities(f, 5, 2, (1, 4)), want)


CASES = [
    # n, s, m, visible, S0
    (2, 1, 1, "random", None),
    (2, 1, 2, "random", None),
    (3, 1, 2, "random", None),
    (3, 2, 2, "random", None),
    (3, 0, 2, "random", None),
    (3, 2, 2, "fixed", (0, 2)),
]


@pytest.mark.parametrize("n,s,m,visible,S0", CASES)
def test_monte_carlo_vs_exact_enumeration(n, s, m, visible, S0, seed):
    rng = np.random.default_rng(seed + 10)
    B = 6
    tables = rng.integers(0, 2, size=(B, 1 << n)).astype(np.uint8)
    w = rng.dirichlet(np.ones(B))
    exact = _exact_family_mi(tables, n, s, m, w, S0)
    est = function_family_information(tables, n, s, m, samples=20_000, seed=seed, weights=w, visible=visible, S0=S0)
    # unbiased estimator: within 4 standard errors (+1e-12 for a zero-variance case)
    assert abs(est.value - exact) <= 4 * est.stderr + 1e-12
    assert est.n_samples == 20_000 and est.units == "bits"
    assert 0.0 <= exact <= est.upper + 1e-12


def test_class_representatives_n2_m2(seed):
    # all 15 class representatives of (2, 1), uniform: I(F; Y^2) by enumeration vs Monte Carlo
    ec = equivalence_classes(2, 1)
    w = np.full(ec.n_classes, 1 / ec.n_classes)
    exact = _exact_family_mi(ec.representatives, 2, 1, 2, w)
    est = function_family_information(ec.representatives, 2, 1, 2, samples=40_000, seed=seed)
    assert abs(est.value - exact) <= 4 * est.stderr


@pytest.mark.parametrize("n,s,m", [(3, 1, 3), (3, 2, 2), (2, 1, 4)])
def test_class_representatives_vs_type_channel(n, s, m, seed):
    # exact I(uniform on class representatives; Y^m) from the (classes x types) channel of
    # capacity.insensitive.channel_matrix (an independent construction) vs Monte Carlo
    from capacity.information import mutual_information
    from capacity.insensitive import channel_matrix

    ch = channel_matrix(n, s, m)
    K = ch.W.shape[0]
    exact = mutual_information(np.full(K, 1 / K), ch.W)
    est = function_family_information(ch.representatives, n, s, m, samples=20_000, seed=seed)
    assert abs(est.value - exact) <= 4 * est.stderr


def test_constants_are_told_apart_exactly():
    const = {"0": [0] * 8, "1": [1] * 8}
    est = function_family_information(const, 3, 2, 1, samples=50, seed=1)
    assert est.value == 1.0 and est.stderr == 0.0
    assert est.extra["names"] == ["0", "1"]


def test_single_function_carries_nothing():
    est = function_family_information([[0, 1, 1, 0]], 2, 1, 3, samples=10, seed=0)
    assert est.value == 0.0 and est.stderr == 0.0


def test_indistinguishable_pair_carries_nothing():
    # parity and anti-parity share all coefficients of degree <= 1: I = 0 for every m
    est = function_family_information([[0, 1, 1, 0], [1, 0, 0, 1]], 2, 1, 4, samples=200, seed=0)
    assert abs(est.value) <= 1e-12 and est.stderr <= 1e-12


def test_large_n_family_runs_and_is_reproducible():
    n = 11
    xs = np.arange(1 << n)
    bits = (xs[:, None] >> np.arange(n)) & 1
    fam = {"maj": (bits.sum(1) > n // 2), "x0": bits[:, 0], "x1": bits[:, 1], "parity": bits.sum(1) % 2,
           "AND": bits.all(1)}
    fam = {k: np.asarray(v, np.uint8) for k, v in fam.items()}
    a = function_family_information(fam, n, 1, 4, samples=2000, seed=3)
    b = function_family_information(fam, n, 1, 4, samples=2000, seed=3)
    assert a.value == b.value
    # the seed is used: another seed draws other samples (a continuous mean: equal only by accident)
    c = function_family_information(fam, n, 1, 4, samples=2000, seed=4)
    assert c.value != a.value
    g = function_family_information(fam, n, 1, 4, samples=2000, seed=np.random.default_rng(3))
    assert g.value == a.value   # a Generator is used as given (default_rng(3) draws the same stream)
    assert 0 < a.value < math.log2(5)


BAD = [
    (lambda: function_family_information([[0, 1]], 2, 1, 1), ValueError, r"`functions` must be truth tables of n = 2"),
    (lambda: function_family_information([[0, 1, 1, 0]], 2, 3, 1), ValueError, r"`s` must be an integer in \[0, 2\]"),
    (lambda: function_family_information([[0, 1, 1, 0]], 2, 1, 0), ValueError, r"`m` must be an integer in \[1"),
    (lambda: function_family_information([[0, 1, 1, 0]], 2, 1, 1, samples=1), ValueError, r"`samples` must be"),
    (lambda: function_family_information([[0, 1, 1, 0]], 2, 1, 1.5), TypeError, r"`m` must be an integer"),
    (lambda: function_family_information([[0, 1, 1, 0]], 25, 1, 1), ValueError, r"`n` must be an integer in \[1, 24\]"),
    (lambda: function_family_information([[0, 2, 1, 0]], 2, 1, 1), ValueError, r"values in \{0, 1\}"),
    (lambda: function_family_information([[0, 1, 1, 0]], 2, 1, 1, weights=[0.5, 0.5]), ValueError,
     r"`weights` must have shape \(1,\)"),
    (lambda: function_family_information([[0, 1, 1, 0]], 2, 1, 1, weights=[0.9]), ValueError, r"summing to 1"),
    (lambda: function_family_information([[0, 1, 1, 0]], 2, 1, 1, visible="x"), ValueError, r"`visible` must be"),
    (lambda: function_family_information([[0, 1, 1, 0]], 2, 1, 1, visible="fixed", S0=[0, 1]), ValueError,
     r"`S0` must have exactly s = 1"),
    (lambda: function_family_information({}, 2, 1, 1), ValueError, r"`functions` must be non-empty"),
    (lambda: function_family_information([[0, 1, 1, 0]], 2, 1, 1, max_bytes=100), ValueError, r"max_bytes"),
    (lambda: function_family_information([[0, 1, 1, 0]], 2, 1, 1, seed="0"), TypeError, r"`seed` must be an int"),
    # m and samples are unbounded, so their arrays count in the plan (refused before rng.integers/choice)
    (lambda: function_family_information([[0, 1, 1, 0], [0, 0, 0, 1]], 2, 1, 10 ** 9), ValueError,
     r"m=1000000000.*> max_bytes=8.0 GiB"),
    (lambda: function_family_information([[0, 1, 1, 0]], 2, 1, 1, samples=10 ** 12), ValueError,
     r"1000000000000 samples.*> max_bytes=8.0 GiB"),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("call, match", [
    # huge broadcast views refused from their shape, before any copy
    (lambda: function_family_information(np.array([[0, 0, 0, 0], [1, 1, 1, 1]]), 2, 1, 2,
                                         weights=np.broadcast_to(0.5, (2**40,))), "`weights`"),
    (lambda: function_family_information(np.broadcast_to(np.uint8(0), (2**40,)), 2, 1, 2), "`functions`"),
])
def test_huge_views_refused_before_copying(call, match):
    refused_before_allocating(call, match, exc=ValueError, peak=2**24)  # an expanded view: 2**40 bytes or more
