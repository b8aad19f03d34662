"""Tests of capacity.experiments.telephone: I(X_0; X_t) along chains and conserved quantities."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity.experiments.markov import mi_over_time
from capacity.experiments.telephone import conserved_quantities, telephone_mi
from tests.capacity.strategies import stochastic_matrices


def ref_mi(p0, J_rows):
    """I(X_0; X_t) in bits from P(X_t | X_0) rows by loops."""
    J = p0[:, None] * J_rows
    r, c = J.sum(1), J.sum(0)
    return sum(J[a, b] * math.log2(J[a, b] / (r[a] * c[b]))
               for a in range(J.shape[0]) for b in range(J.shape[1]) if J[a, b] > 0)


def product_chain(bit_map, noise):
    """States x = a + 2 b: bit a goes to bit_map[a] exactly; b is kept w.p. 1 - noise, else fresh."""
    M = np.zeros((4, 4))
    for a in range(2):
        for b in range(2):
            for b2 in range(2):
                M[a + 2 * b, bit_map[a] + 2 * b2] = (1 - noise) * (b2 == b) + noise * 0.5
    return M


def assert_conserved(cq, mats, homogeneous):
    """The defining property: from a live state at t, every successor has the same label at t+1."""
    for t in range(cq.horizon):
        M = mats[0] if homogeneous else mats[t]
        for x in np.flatnonzero(cq.labels[t] >= 0):
            ys = np.flatnonzero(M[x] > 0)
            assert np.all(cq.labels[t + 1][ys] == cq.labels[t][x])


def test_copied_bit_and_refreshed_component_converge_to_one_bit():
    fresh = product_chain([0, 1], 1.0)  # b refreshed every step
    mi = telephone_mi(fresh, 5)
    np.testing.assert_allclose(mi, [2, 1, 1, 1, 1, 1], rtol=0, atol=1e-14)
    noisy = product_chain([0, 1], 0.3)  # b forgotten geometrically
    mi = telephone_mi(noisy, 200)
    assert mi[0] == pytest.approx(2.0, abs=1e-14)
    assert np.all(np.diff(mi) <= 1e-14)
    assert abs(mi[-1] - 1.0) <= 1e-12  # 0.7^400 of the b-information is left
    cq = conserved_quantities(noisy)
    assert cq.n_blocks == 2 and cq.information == pytest.approx(1.0, abs=1e-15)
    assert cq.limit_information == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_array_equal(cq.labels[0], [0, 1, 0, 1])  # the label is the copied bit a
    assert_conserved(cq, [noisy], True)


def test_alternating_quantity_is_detected():
    M = product_chain([1, 0], 1.0)  # a flips every step, b refreshed
    cq = conserved_quantities(M)
    assert cq.n_blocks == 2
    assert cq.information == pytest.approx(1.0, abs=1e-15)
    # f_t(x) = a xor (t mod 2): the labels swap at every step
    for t in range(cq.horizon + 1):
        expected = [0, 1, 0, 1] if t % 2 == 0 else [1, 0, 1, 0]
        np.testing.assert_array_equal(cq.labels[t], expected)
    assert cq.period == 2
    assert cq.limit_information == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(telephone_mi(M, 6)[1:], 1.0, rtol=0, atol=1e-14)
    assert_conserved(cq, [M], True)


def test_time_inhomogeneous_chain_with_changing_state_spaces():
    # 4 states (a, b) -> 2 states (a) -> 4 states (1 - a, fresh b) -> 2 states ...
    drop = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    flip_fresh = np.array([[0.0, 0.5, 0.0, 0.5], [0.5, 0.0, 0.5, 0.0]])
    mats = [drop, flip_fresh, drop, flip_fresh, drop]
    cq = conserved_quantities(mats)
    assert cq.horizon == 5 and cq.n_blocks == 2
    assert cq.limit_information is None
    assert_conserved(cq, mats, False)
    np.testing.assert_array_equal(cq.labels[1], [0, 1])
    np.testing.assert_array_equal(cq.labels[2], [1, 0, 1, 0])  # flipped
    mi = telephone_mi(mats, 5)
    np.testing.assert_allclose(mi, [2, 1, 1, 1, 1, 1], rtol=0, atol=1e-14)
    assert cq.information == pytest.approx(1.0, abs=1e-15)


def test_transient_split_limit_exceeds_exact_conserved_information():
    # a transient state that falls into one of two absorbing states: no exactly conserved
    # quantity separates them from time 0, but the Telephone limit is I(X_0; absorbing state)
    M = np.array([[0.5, 0.25, 0.25], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    cq = conserved_quantities(M)
    assert cq.n_blocks == 1 and cq.information == 0.0
    # P(G | X_0): x0 -> (1/2, 1/2), x1 -> A, x2 -> B; uniform p0: I = 1 - 1/3 = 2/3
    assert cq.limit_information == pytest.approx(2.0 / 3.0, abs=1e-12)
    assert telephone_mi(M, 80)[-1] == pytest.approx(2.0 / 3.0, abs=1e-12)


def test_random_chains_mi_matches_reference_and_limit(rng):
    for trial in range(6):
        n = int(rng.integers(3, 8))
        M = rng.random((n, n)) * (rng.random((n, n)) < 0.4)
        M[np.arange(n), rng.integers(0, n, n)] += 0.1  # every row non-empty
        M /= M.sum(axis=1, keepdims=True)
        p0 = rng.dirichlet(np.ones(n))
        mi = telephone_mi(M, 400, p0=p0)
        ref = [ref_mi(p0, np.linalg.matrix_power(M, t)) for t in (0, 1, 3, 17)]
        np.testing.assert_allclose(mi[[0, 1, 3, 17]], ref, rtol=0, atol=1e-12)
        np.testing.assert_allclose(mi, mi_over_time(p0, M, np.arange(401)), rtol=0, atol=1e-12)
        assert np.all(np.diff(mi) <= 1e-12)  # data processing
        cq = conserved_quantities(M, p0=p0)
        assert_conserved(cq, [M], True)
        assert cq.information <= mi[-1] + 1e-12
        # Telephone limit (the chains mix geometrically well within 400 steps here)
        lam = np.sort(np.abs(np.linalg.eigvals(M)))[::-1]
        slow = lam[lam < 1 - 1e-9]
        if slow.size == 0 or slow[0] ** 400 < 1e-8:
            assert abs(cq.limit_information - mi[-1]) <= 1e-6


def test_periodic_classes_and_transients():
    # class A: 3-cycle (period 3); class B: absorbing; transient t -> A or B
    M = np.zeros((5, 5))
    M[0, 1] = M[1, 2] = M[2, 0] = 1.0
    M[3, 3] = 1.0
    M[4, 0] = 0.5
    M[4, 3] = 0.5
    cq = conserved_quantities(M)
    assert cq.period == 3
    mi = telephone_mi(M, 60)
    assert cq.limit_information == pytest.approx(mi[-1], abs=1e-12)
    # exactly conserved from t = 0: the three phases of the cycle; the transient state links B
    # with the phase it enters, so B shares that block
    assert_conserved(cq, [M], True)
    assert cq.n_blocks == 3


def test_outputs_whose_mass_underflows_do_not_make_mi_infinite():
    # state 1 leaks into the absorbing state 0: P(X_t = 1 | X_0 = 1) = 2^-t. At t = 1074 that is the
    # smallest subnormal and its output mass 0.5 * 2^-1074 rounds to 0 (it read D = inf before)
    M = np.array([[1.0, 0.0], [0.5, 0.5]])
    mi = telephone_mi(M, 1100)
    assert np.all(np.isfinite(mi)) and np.all(mi >= 0.0)
    assert np.all(np.diff(mi) <= 1e-15)
    # closed form I_t = h(a / 2) - h(a) / 2 with a = 2^-t (exact up to rounding for small t)
    for t in (0, 1, 2, 5, 30):
        a = 2.0 ** -t
        h = [0.0 if q in (0.0, 1.0) else -q * math.log2(q) - (1 - q) * math.log2(1 - q) for q in (a / 2, a)]
        assert abs(mi[t] - (h[0] - h[1] / 2)) <= 1e-12
    assert mi[1074] <= 1e-300
    np.testing.assert_array_equal(mi_over_time([0.5, 0.5], M, [1073, 1074, 1075]), mi[1073:1076])
    # the Telephone limit: a transient state reaching class B with probability 2^-1073
    M3 = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 2.0 ** -1074, 0.5]])
    cq = conserved_quantities(M3, p0=[0.75, 0.0, 0.25])
    assert math.isfinite(cq.limit_information) and 0.0 <= cq.limit_information <= 1e-300


@pytest.mark.parametrize("call,exc,match", [
    (lambda: telephone_mi([[0.5, 0.6], [0.5, 0.5]], 3), ValueError, "must have rows summing to 1"),
    (lambda: telephone_mi([[1.5, -0.5], [0.5, 0.5]], 3), ValueError, "must be non-negative"),
    (lambda: telephone_mi([[np.nan, 1.0], [0.5, 0.5]], 3), ValueError, "must be finite"),
    (lambda: telephone_mi([[0.5, 0.5]], 3), ValueError, "must be square"),
    (lambda: telephone_mi([], 3), ValueError, "at least one transition matrix"),
    (lambda: telephone_mi([np.eye(2), np.eye(3)], 2), ValueError, "must match"),
    (lambda: telephone_mi([np.eye(2)] * 2, 3), ValueError, "`t_max` must be at most"),
    (lambda: telephone_mi(np.eye(2), -1), ValueError, "`t_max` must be an integer in"),
    (lambda: telephone_mi(np.eye(2), 2.0), TypeError, "`t_max` must be an integer"),
    (lambda: telephone_mi(np.eye(2), 2, p0=[0.2, 0.2]), ValueError, "`p0` must have rows summing"),
    (lambda: telephone_mi(np.eye(2), 2, p0=[1.0]), ValueError, "`p0` must have length 2"),
    (lambda: conserved_quantities([[0.2, 0.2], [0.5, 0.5]]), ValueError, "must have rows summing to 1"),
    (lambda: conserved_quantities([np.eye(2)], horizon=2), ValueError, "`horizon` must be an integer in"),
    (lambda: conserved_quantities(np.eye(2), horizon=-1), ValueError, "`horizon` must be an integer in"),
    (lambda: conserved_quantities(np.array([[["a"]]])), TypeError, "must be a real numeric array"),
    (lambda: conserved_quantities(np.eye(2), tol=0.0), ValueError, "`tol` must be a finite number in"),
    (lambda: conserved_quantities(np.eye(2), tol="1e-9"), TypeError, "`tol` must be a real number"),
    (lambda: conserved_quantities(np.eye(2), max_steps=-1), ValueError, "`max_steps` must be an integer in"),
    (lambda: conserved_quantities(np.eye(2), p0=[0.5, 0.6]), ValueError, "`p0` must have rows summing"),
    (lambda: conserved_quantities(np.eye(2), p0=[1.0, 0.0, 0.0]), ValueError, "`p0` must have length 2"),
    (lambda: conserved_quantities(np.eye(2), horizon=2.5), TypeError, "`horizon` must be an integer"),
    (lambda: conserved_quantities([[0.5, 0.5]]), ValueError, "must be square"),
    (lambda: conserved_quantities([np.eye(2), np.eye(3)]), ValueError, "must match"),
    (lambda: conserved_quantities([[np.inf, 0.0], [0.5, 0.5]]), ValueError, "must be finite"),
    (lambda: telephone_mi([np.full((2, 3), 1 / 3), np.full((3, 2), 0.5)], 2, p0=[0.5, 0.5]), None, None),
    (lambda: telephone_mi(np.eye(2000), 1, max_bytes=10 ** 6), ValueError, "max_bytes"),
    (lambda: conserved_quantities(np.eye(300), max_bytes=10 ** 6), ValueError, "max_bytes"),
])
def test_bad_input(call, exc, match):
    if exc is None:  # control row: a valid call of the same shape passes
        call()
        return
    with pytest.raises(exc, match=match):
        call()


# ----------------------------------------------------------------------------- properties (hypothesis)
@settings(max_examples=25)
@given(st.integers(1, 5).flatmap(lambda n: stochastic_matrices(n, n, n, n, zero_prob=0.6)))
def test_property_conserved_labels_and_lower_bound(M):
    # every chain: the labels are conserved along every positive transition, the information they
    # carry is a lower bound on I(X_0; X_t) over the horizon, and I(X_0; X_t) is nonincreasing
    cq = conserved_quantities(M)
    assert_conserved(cq, [M], True)
    mi = telephone_mi(M, cq.horizon)
    assert np.all(np.diff(mi) <= 1e-12)
    assert np.all(mi >= cq.information - 1e-12)
    assert cq.limit_information <= mi[-1] + 1e-9


@settings(max_examples=15)
@given(st.lists(stochastic_matrices(3, 3, 3, 3, zero_prob=0.7), min_size=1, max_size=4))
def test_property_inhomogeneous(mats):
    cq = conserved_quantities(mats)
    assert_conserved(cq, mats, False)
    mi = telephone_mi(mats, len(mats))
    assert np.all(np.diff(mi) <= 1e-12)
    assert np.all(mi >= cq.information - 1e-12)


def _components_by_union_find(mats, p, horizon, homogeneous):
    """Reference: the layered support graph's components by a plain union-find over (t, x) nodes."""
    sizes = [mats[0].shape[0]] + [(mats[0] if homogeneous else mats[t]).shape[1] for t in range(horizon)]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    parent = list(range(int(offsets[-1])))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    alive = [p > 0]
    for t in range(horizon):
        M = mats[0] if homogeneous else mats[t]
        nxt = np.zeros(M.shape[1], dtype=bool)
        for x in np.flatnonzero(alive[t]):
            for y in np.flatnonzero(M[x] > 0):
                nxt[y] = True
                ra, rb = find(offsets[t] + x), find(offsets[t + 1] + y)
                parent[max(ra, rb)] = min(ra, rb)
        alive.append(nxt)
    roots, labels = {}, []
    for t, size in enumerate(sizes):
        lab = np.full(size, -1, dtype=np.int64)
        for x in np.flatnonzero(alive[t]):
            lab[x] = roots.setdefault(find(offsets[t] + x), len(roots))
        labels.append(lab)
    return labels, len(roots)


@pytest.mark.parametrize("seed", range(6))
def test_layered_components_against_union_find(seed):
    from capacity.experiments.telephone import _layered_components

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 9))
    M = rng.random((n, n)) * (rng.random((n, n)) < 0.3)
    M[np.arange(n), rng.integers(0, n, n)] += 1.0  # every row reaches somewhere
    M /= M.sum(axis=1, keepdims=True)
    p = rng.random(n) * (rng.random(n) < 0.7)
    p[0] += 1.0
    p /= p.sum()
    horizon = int(rng.integers(0, 12))
    got = _layered_components([M], p, horizon, True)
    want = _components_by_union_find([M], p, horizon, True)
    assert got[1] == want[1] and all(np.array_equal(a, b) for a, b in zip(got[0], want[0]))
    # time-inhomogeneous, rectangular layers
    dims = [n] + [int(d) for d in rng.integers(1, 7, 4)]
    mats = []
    for a, b in zip(dims[:-1], dims[1:]):
        A = rng.random((a, b)) * (rng.random((a, b)) < 0.4)
        A[np.arange(a), rng.integers(0, b, a)] += 1.0
        mats.append(A / A.sum(axis=1, keepdims=True))
    got = _layered_components(mats, p, len(mats), False)
    want = _components_by_union_find(mats, p, len(mats), False)
    assert got[1] == want[1] and all(np.array_equal(a, b) for a, b in zip(got[0], want[0]))
