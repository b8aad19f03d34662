"""capacity.information: entropy, binary_entropy, kl_divergence, mutual_information.

References are computed independently here: dyadic distributions with exact (rational)
answers, and pure-Python loops over the joint distribution using H(X) + H(Y) - H(X, Y).
"""
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capacity import binary_entropy, entropy, kl_divergence, mutual_information
from tests.refusal import bad_input_test, refused_before_allocating

from .strategies import distributions, stochastic_matrices


# ----------------------------------------------------------------------------- references
def _h_loop(probs):
    return -sum(x * math.log2(x) for x in probs if x > 0)


def _mi_loop(p, W):
    """I = H(X) + H(Y) - H(X, Y) over the joint law, in plain Python."""
    nx, ny = len(W), len(W[0])
    joint = [[p[x] * W[x][y] for y in range(ny)] for x in range(nx)]
    py = [sum(joint[x][y] for x in range(nx)) for y in range(ny)]
    return _h_loop(p) + _h_loop(py) - _h_loop([v for row in joint for v in row])


#: probability vectors of length 1..6 with exact zeros (the shared strategy)
any_distribution = st.integers(1, 6).flatmap(distributions)


# ----------------------------------------------------------------------------- entropy
def _exact_dyadic_entropy(p):
    """H of a law whose entries are 0 or 1/2**k, as a Fraction: sum of p_i * k_i."""
    total = Fraction(0)
    for x in p:
        if x:
            assert x.numerator == 1 and x.denominator & (x.denominator - 1) == 0
            total += x * (x.denominator.bit_length() - 1)
    return total


@pytest.mark.parametrize("p", [
    [Fraction(1, 2), Fraction(1, 4), Fraction(1, 8), Fraction(1, 8)],
    [Fraction(1, 2), Fraction(1, 2), 0],
    [Fraction(1, 4)] * 4,
    [Fraction(1), 0, 0],
    [Fraction(1, 2), Fraction(1, 4), Fraction(1, 16), Fraction(1, 16), Fraction(1, 16), Fraction(1, 16)],
    [Fraction(1, 2**k) for k in range(1, 12)] + [Fraction(1, 2**11)],
])
def test_entropy_dyadic_exact(p):
    # dyadic laws have rational entropy; every term is exact in float64 (sums of a few binary
    # fractions), so the comparison is to 1 ulp-scale only
    exact = _exact_dyadic_entropy(p)
    assert abs(entropy([float(x) for x in p]) - float(exact)) <= 4e-16 * max(1, float(exact))


@given(any_distribution)
def test_entropy_matches_loop_and_bounds(p):
    h = entropy(p)
    assert abs(h - _h_loop(p.tolist())) <= 1e-12  # float64 sums of <= 6 terms
    assert 0.0 <= h <= math.log2(len(p)) + 1e-12
    # permutation and zero-padding invariance
    assert abs(entropy(p[::-1]) - h) <= 1e-12
    assert abs(entropy(np.concatenate([p, [0.0, 0.0]])) - h) <= 1e-15


def test_entropy_base_and_uniform():
    p = np.full(8, 1 / 8)
    assert entropy(p) == 3.0
    assert abs(entropy(p, base=math.e) - 3 * math.log(2)) <= 1e-15
    assert abs(entropy(p, base=8) - 1.0) <= 1e-15


# ----------------------------------------------------------------------------- binary entropy
@given(st.floats(0.0, 1.0))
def test_binary_entropy_is_entropy_of_pair(x):
    assert abs(binary_entropy(x) - entropy([x, 1.0 - x])) <= 1e-12
    assert abs(binary_entropy(x) - binary_entropy(1.0 - x)) <= 1e-12


def test_binary_entropy_values_and_arrays():
    assert binary_entropy(0.5) == 1.0
    assert binary_entropy(0.0) == 0.0 and binary_entropy(1.0) == 0.0
    out = binary_entropy(np.array([[0.25, 0.5], [0.75, 1.0]]))
    assert out.shape == (2, 2)
    # h(1/4) = 2 - (3/4) log2 3
    assert abs(out[0, 0] - (2 - 0.75 * math.log2(3))) <= 1e-15
    assert abs(binary_entropy(0.5, base=math.e) - math.log(2)) <= 1e-15


# ----------------------------------------------------------------------------- KL
def test_kl_exact_values():
    # D([1/2,1/2] || [1/4,3/4]) = 1/2 * 1 + 1/2 * log2(2/3)
    assert abs(kl_divergence([0.5, 0.5], [0.25, 0.75]) - (0.5 + 0.5 * math.log2(2 / 3))) <= 1e-15
    assert kl_divergence([0.5, 0.25, 0.25], [0.5, 0.25, 0.25]) == 0.0
    # D(delta_0 || uniform on 4) = 2 bits
    assert kl_divergence([1, 0, 0, 0], [0.25] * 4) == 2.0


def test_kl_infinite_on_support_mismatch_and_zero_safe():
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == float("inf")
    # p = 0 where q = 0 is fine (0 log 0/0 = 0)
    assert kl_divergence([1.0, 0.0], [1.0, 0.0]) == 0.0
    assert kl_divergence([0.0, 1.0], [0.5, 0.5]) == 1.0


@given(any_distribution, st.integers(0, 2**31 - 1))
def test_kl_nonnegative_and_matches_loop(p, seed):
    q = np.random.default_rng(seed).dirichlet(np.ones(len(p)))
    d = kl_divergence(p, q)
    ref = sum(a * math.log2(a / b) for a, b in zip(p, q) if a > 0)
    assert d >= 0.0
    assert abs(d - ref) <= 1e-12 * max(1.0, ref)  # float64, <= 6 terms
    assert kl_divergence(p, p) == 0.0


# ----------------------------------------------------------------------------- MI
@given(stochastic_matrices(max_rows=5, max_cols=5), st.integers(0, 2**31 - 1))
def test_mutual_information_matches_loop_and_bounds(W, seed):
    p = np.random.default_rng(seed).dirichlet(np.ones(W.shape[0]))
    mi = mutual_information(p, W)
    assert abs(mi - _mi_loop(p.tolist(), W.tolist())) <= 1e-12  # two float64 routes
    assert -0.0 <= mi <= min(entropy(p), math.log2(W.shape[1])) + 1e-12


def test_mutual_information_closed_forms():
    p = np.array([0.5, 0.25, 0.25])
    assert abs(mutual_information(p, np.eye(3)) - 1.5) <= 1e-15          # = H(p)
    assert mutual_information(p, np.full((3, 4), 0.25)) == 0.0           # useless channel
    # BSC(1/4) with uniform input: 1 - h(1/4)
    W = [[0.75, 0.25], [0.25, 0.75]]
    assert abs(mutual_information([0.5, 0.5], W) - (1 - binary_entropy(0.25))) <= 1e-15


def test_mutual_information_zero_safe():
    # an unused input whose row reaches an output nobody else uses (D(W_x||pW) = inf) counts 0
    W = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert mutual_information([0.5, 0.5, 0.0], W) == 1.0
    assert mutual_information([1.0, 0.0, 0.0], W) == 0.0


def test_mutual_information_output_mass_underflowing_to_zero():
    # (pW)_1 = 0.5 * 5e-324 rounds to 0 although p_1 W_11 > 0: the output's true share of I is < 1e-320,
    # so I is that of two identical rows (0) up to it, and of a BSC beside it; it used to read inf
    W = np.array([[1.0, 0.0], [1.0, 5e-324]])
    assert mutual_information([0.5, 0.5], W) == 0.0
    W3 = np.array([[0.9, 0.1, 0.0], [0.1, 0.9, 5e-324]])
    assert mutual_information([0.5, 0.5], W3) == pytest.approx(mutual_information([0.5, 0.5], W3[:, :2]), abs=1e-15)


@given(stochastic_matrices(max_rows=4, max_cols=4), st.integers(0, 2**31 - 1))
def test_data_processing(W, seed):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(W.shape[0]))
    V = rng.dirichlet(np.ones(3), size=W.shape[1])
    assert mutual_information(p, W @ V) <= mutual_information(p, W) + 1e-12


# ----------------------------------------------------------------------------- bad input
BAD = [
    (entropy, ([0.5, 0.6],), {}, ValueError, "summing to 1"),
    (entropy, ([1.5, -0.5],), {}, ValueError, "non-negative"),
    (entropy, ([0.5, float("nan")],), {}, ValueError, r"NaN at \(1,\)"),
    (entropy, ([[0.5, 0.5]],), {}, ValueError, "must be 1-D"),
    (entropy, ([],), {}, ValueError, "non-empty"),
    (entropy, (["a", "b"],), {}, TypeError, "real numeric"),
    (entropy, ([0.5, 0.5],), {"base": 1}, ValueError, r"`base` must be a finite number in \(1, inf\]; got 1.0"),
    # a base in (0, 1) made every quantity negative (entropy then read 0.0 after clipping)
    (entropy, ([0.5, 0.25, 0.25],), {"base": 0.5}, ValueError, r"`base` must be a finite number in \(1, "),
    (binary_entropy, (0.11,), {"base": 0.5}, ValueError, r"`base` must be a finite number in \(1, "),
    (kl_divergence, ([0.5, 0.5], [0.25, 0.75]), {"base": 0.5}, ValueError, "`base` must be"),
    (mutual_information, ([0.5, 0.5], [[1, 0], [0, 1]]), {"base": 1e-320}, ValueError, "`base` must be"),
    (entropy, ([0.5, 0.5],), {"base": -2}, ValueError, "`base` must be"),
    (entropy, ([0.5, 0.5],), {"base": "2"}, TypeError, "`base` must be a real"),
    (binary_entropy, (1.5,), {}, ValueError, r"`x` must be probabilities in \[0, 1\]; got 1.5"),
    (binary_entropy, (float("nan"),), {}, ValueError, "`x` must be probabilities"),
    (binary_entropy, ("a",), {}, TypeError, "`x` must be real"),
    (binary_entropy, ([[0.5], [0.5, 0.5]],), {}, TypeError, "`x` must be array-like; got list"),
    (binary_entropy, (0.5,), {"base": 0}, ValueError, "`base` must be"),
    (kl_divergence, ([0.5, 0.5], [1.0]), {}, ValueError, "same length"),
    (kl_divergence, ([0.5, 0.5], [0.7, 0.7]), {}, ValueError, "`q` must have rows summing to 1"),
    (kl_divergence, ([0.9, 0.5], [0.5, 0.5]), {}, ValueError, "`p` must have rows summing to 1"),
    (kl_divergence, ([0.5, 0.5], [0.5, 0.5]), {"base": 1.0}, ValueError, "`base` must be"),
    (mutual_information, ([0.5, 0.5], [[1, 0], [0, 1], [1, 0]]), {}, ValueError, "rows; got shape"),
    (mutual_information, ([0.5, 0.5], [[0.5, 0.6], [0, 1]]), {}, ValueError, "row 0 sums to"),
    (mutual_information, ([0.5, 0.5], [1, 0]), {}, ValueError, "2-D"),
    (mutual_information, ([0.5, 0.5], [[[1, 0], [0, 1]]]), {}, ValueError, "2-D"),
    (mutual_information, ([0.5, 0.5], [[1, 0], [float("inf"), 1]]), {}, ValueError, r"inf at \(1, 0\)"),
    (mutual_information, ([0.5, 0.5], [[1.5, -0.5], [0, 1]]), {}, ValueError, "non-negative"),
    (mutual_information, ([0.5, 0.5], [[1, 0], [0, 1]]), {"base": 1}, ValueError, "`base` must be"),
]


test_bad_input = bad_input_test(BAD)


def test_inputs_not_mutated():
    p = np.array([0.5, 0.5])
    W = np.array([[0.9, 0.1], [0.2, 0.8]])
    p0, W0 = p.copy(), W.copy()
    mutual_information(p, W), entropy(p), kl_divergence(p, W[0])
    assert np.array_equal(p, p0) and np.array_equal(W, W0)


@pytest.mark.parametrize("call", [
    lambda W, p: __import__("capacity").normalize_rows(W),
    lambda W, p: __import__("capacity").certify_input(W, p),
    lambda W, p: mutual_information(p, W),
    lambda W, p: entropy(np.broadcast_to(1e-12, (10**12,))),
    lambda W, p: kl_divergence(np.broadcast_to(1e-12, (10**12,)), np.broadcast_to(1e-12, (10**12,))),
], ids=["normalize_rows", "certify_input", "mutual_information", "entropy", "kl_divergence"])
def test_broadcast_terabyte_input_refused_before_any_copy(call):
    # a 10^6 x 10^6 broadcast view (8 bytes of data) used to reach numpy's MemoryError (931 GiB);
    # the plan counts its shape and refuses with max_bytes' message, allocating nothing sizeable
    W = np.broadcast_to(np.float64(1e-6), (10**6, 10**6))
    p = np.broadcast_to(np.float64(1e-6), (10**6,))
    refused_before_allocating(lambda: call(W, p), match=r"needs .* GiB > max_bytes=8\.0 GiB", exc=ValueError)


def test_max_bytes_is_the_callers_to_raise_or_lower():
    from capacity import certify_input, normalize_rows

    W, p = np.eye(3), np.full(3, 1 / 3)
    for call in (lambda mb: normalize_rows(W, max_bytes=mb), lambda mb: certify_input(W, p, max_bytes=mb),
                 lambda mb: mutual_information(p, W, max_bytes=mb), lambda mb: entropy(p, max_bytes=mb),
                 lambda mb: kl_divergence(p, p, max_bytes=mb)):
        with pytest.raises(ValueError, match="max_bytes"):
            call(64)  # every plan here needs more than 64 bytes for 3 or 9 entries
        call(2**20)  # and answers under a larger limit
    assert mutual_information(p, W, max_bytes=2**20) == pytest.approx(math.log2(3), abs=1e-15)


@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 3)])
def test_normalize_rows_refuses_an_empty_W(shape):
    from capacity import normalize_rows

    with pytest.raises(ValueError, match=r"`W` must have at least one row"):
        normalize_rows(np.zeros(shape))
