"""capacity.channels: constructors, closed-form capacities, and their certification.

A closed form C with its optimal input p* is checked by the certificate itself:
I(p*; W) <= C(W) <= max_x D(W_x || p*W); when both ends equal the closed form (to 1e-12),
the closed form is proven for that channel. Then the solvers must reproduce it:
capacity_cvxpy to 1e-8 and blahut_arimoto within its certified bounds (gap <= 1e-9).
"""
import math

import numpy as np
import pytest

from capacity import blahut_arimoto, capacity_cvxpy, certify_input
from capacity import channels as ch
from capacity.information import binary_entropy

# (name, constructor args, W, closed-form capacity, optimal input)
CASES = [
    ("bsc-0", ch.bsc(0.0), ch.bsc_capacity(0.0), [0.5, 0.5]),
    ("bsc-0.11", ch.bsc(0.11), ch.bsc_capacity(0.11), [0.5, 0.5]),
    ("bsc-0.5", ch.bsc(0.5), ch.bsc_capacity(0.5), [0.5, 0.5]),
    ("bec-0.3", ch.bec(0.3), ch.bec_capacity(0.3), [0.5, 0.5]),
    ("bec-1", ch.bec(1.0), ch.bec_capacity(1.0), [0.5, 0.5]),
    ("z-0.1", ch.z_channel(0.1), ch.z_channel_capacity(0.1),
     [1 - ch.z_channel_optimal_input(0.1), ch.z_channel_optimal_input(0.1)]),
    ("z-0.5", ch.z_channel(0.5), ch.z_channel_capacity(0.5),
     [1 - ch.z_channel_optimal_input(0.5), ch.z_channel_optimal_input(0.5)]),
    ("z-0.93", ch.z_channel(0.93), ch.z_channel_capacity(0.93),
     [1 - ch.z_channel_optimal_input(0.93), ch.z_channel_optimal_input(0.93)]),
    ("sym-3-0.2", ch.symmetric_channel(3, 0.2), ch.symmetric_channel_capacity(3, 0.2), [1 / 3] * 3),
    ("sym-5-0.6", ch.symmetric_channel(5, 0.6), ch.symmetric_channel_capacity(5, 0.6), [0.2] * 5),
    ("sym-4-0.75-useless", ch.symmetric_channel(4, 0.75), ch.symmetric_channel_capacity(4, 0.75), [0.25] * 4),
    ("typewriter-5", ch.noisy_typewriter(5), ch.noisy_typewriter_capacity(5), [0.2] * 5),
    ("typewriter-6-0.1", ch.noisy_typewriter(6, 0.1), ch.noisy_typewriter_capacity(6, 0.1), [1 / 6] * 6),
    ("erasure-sym-3", ch.erasure_of_symmetric(3, 0.1, 0.25), ch.erasure_of_symmetric_capacity(3, 0.1, 0.25),
     [1 / 3] * 3),
    ("erasure-sym-4", ch.erasure_of_symmetric(4, 0.5, 0.6), ch.erasure_of_symmetric_capacity(4, 0.5, 0.6),
     [0.25] * 4),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name, W, cap, p_star", CASES, ids=IDS)
def test_closed_form_is_certified_by_its_optimal_input(name, W, cap, p_star):
    assert W.min() >= 0 and np.abs(W.sum(axis=1) - 1).max() <= 1e-15
    lower, upper = certify_input(W, p_star)
    # both certificate ends equal the closed form: float64 round-off only
    assert abs(lower - cap) <= 1e-12
    assert abs(upper - cap) <= 1e-12


@pytest.mark.parametrize("name, W, cap, p_star", CASES, ids=IDS)
def test_closed_form_vs_cvxpy(name, W, cap, p_star):
    res = capacity_cvxpy(W)
    assert abs(res.capacity - cap) <= 1e-8  # Clarabel's value accuracy (issue: ~2e-9)
    assert res.lower - 1e-12 <= cap <= res.upper + 1e-12


@pytest.mark.parametrize("name, W, cap, p_star", CASES, ids=IDS)
def test_closed_form_vs_blahut_arimoto(name, W, cap, p_star):
    res = blahut_arimoto(W, tol=1e-9)
    assert res.lower - 1e-12 <= cap <= res.upper + 1e-12  # certified bracket
    assert res.gap <= 1e-9
    assert abs(res.capacity - cap) <= 1e-9


def test_issue_examples_identity_useless_and_3x2():
    for W, cap in [(np.eye(4), 2.0), (np.full((3, 5), 0.2), 0.0),
                   (np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]), 1.0)]:
        res = capacity_cvxpy(W)
        assert abs(res.capacity - cap) <= 1e-8
    lo, up = certify_input([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]], [0.5, 0.0, 0.5])
    # every divergence is 0 or 1 bit: the outward-rounded bracket is 1 bit to within 2 ulps each side
    assert 1.0 - 4.5e-16 <= lo <= 1.0 <= up <= 1.0 + 4.5e-16


@pytest.mark.parametrize("p", [0.0, 0.05, 0.3, 0.5, 0.8, 0.999])
def test_z_channel_formula_vs_brute_force(p):
    # independent: maximise I over P(X=1) on a grid, then refine (I is concave in P(X=1))
    W = ch.z_channel(p)

    def mi(a):
        q1 = a * (1 - p)
        return binary_entropy(q1) - a * binary_entropy(p)

    lo, hi = 0.0, 1.0
    for _ in range(200):  # ternary search on a concave function
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        lo, hi = (m1, hi) if mi(m1) < mi(m2) else (lo, m2)
    assert abs(mi(lo) - ch.z_channel_capacity(p)) <= 1e-12
    assert abs(lo - ch.z_channel_optimal_input(p)) <= 1e-6  # argmax of a flat maximum
    assert W[1, 0] == p


def test_symmetric_families_agree():
    # BSC = binary symmetric = erasure-of-symmetric with no erasure
    assert np.array_equal(ch.symmetric_channel(2, 0.2), ch.bsc(0.2))
    assert np.array_equal(ch.erasure_of_symmetric(2, 0.2, 0.0)[:, :2], ch.bsc(0.2))
    assert ch.erasure_of_symmetric_capacity(2, 0.0, 0.3) == ch.bec_capacity(0.3)
    # the two erasure constructors give the same matrix: outputs (0, 1, erased), as dit orders them
    for eps in (0.0, 0.3, 1.0):
        assert np.array_equal(ch.erasure_of_symmetric(2, 0.0, eps), ch.bec(eps))
    assert np.array_equal(ch.bec(0.3), [[0.7, 0.0, 0.3], [0.0, 0.7, 0.3]])
    assert abs(ch.symmetric_channel_capacity(2, 0.2) - ch.bsc_capacity(0.2)) <= 1e-15
    # typewriter with eps = 1/2 is log2(q/2); with eps = 0 the identity
    assert abs(ch.noisy_typewriter_capacity(26) - math.log2(13)) <= 1e-15
    assert np.array_equal(ch.noisy_typewriter(4, 0.0), np.eye(4))
    assert ch.z_channel_capacity(1.0) == 0.0 and ch.z_channel_optimal_input(1.0) == 0.0


BAD = [
    (ch.bsc, (1.5,), ValueError, r"`p` must be a finite number in \[0.0, 1.0\]; got 1.5"),
    (ch.bsc, (float("nan"),), ValueError, "`p` must be a finite number"),
    (ch.bsc, ("0.1",), TypeError, "`p` must be a real number"),
    (ch.bsc_capacity, (-0.1,), ValueError, "`p` must be"),
    (ch.bec, (2,), ValueError, "`eps` must be"),
    (ch.bec_capacity, (None,), TypeError, "`eps` must be a real number"),
    (ch.z_channel, (-1,), ValueError, "`p` must be"),
    (ch.z_channel_capacity, (1.01,), ValueError, "`p` must be"),
    (ch.z_channel_optimal_input, (float("inf"),), ValueError, "`p` must be"),
    (ch.symmetric_channel, (1, 0.1), ValueError, r"`q` must be an integer in \[2, "),
    (ch.symmetric_channel, (3.0, 0.1), TypeError, "`q` must be an integer"),
    (ch.symmetric_channel, (3, 1.1), ValueError, "`eps` must be"),
    (ch.symmetric_channel, (2**20, 0.1), ValueError, "`q` must be an integer in"),
    (ch.symmetric_channel_capacity, (True, 0.1), TypeError, "`q` must be an integer"),
    (ch.noisy_typewriter, (0,), ValueError, "`q` must be"),
    (ch.noisy_typewriter, (4, -0.5), ValueError, "`eps` must be"),
    (ch.noisy_typewriter_capacity, (4, "x"), TypeError, "`eps` must be a real number"),
    (ch.erasure_of_symmetric, (3, 0.1, 1.5), ValueError, "`erasure` must be"),
    (ch.erasure_of_symmetric, (3, 2.0, 0.5), ValueError, "`eps` must be"),
    (ch.erasure_of_symmetric_capacity, (3, 0.1, -1), ValueError, "`erasure` must be"),
    (ch.erasure_of_symmetric_capacity, (1, 0.1, 0.1), ValueError, "`q` must be"),
]


@pytest.mark.parametrize("fn, args, exc, match", BAD, ids=[f"{b[0].__name__}-{i}" for i, b in enumerate(BAD)])
def test_bad_input(fn, args, exc, match):
    with pytest.raises(exc, match=match):
        fn(*args)
