"""capacity.exact: capacity_cvxpy (re-certified by our bounds) and certify_input."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity import ConvergenceWarning, blahut_arimoto, capacity_cvxpy, certify_input, mutual_information
from tests.refusal import bad_input_test


@st.composite
def stochastic_matrices(draw, n_max=6):
    nx = draw(st.integers(1, n_max))
    ny = draw(st.integers(1, n_max))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    W = rng.dirichlet(np.ones(ny), size=nx)
    if draw(st.booleans()):  # sparsify: zeros exercise the 0 log 0 paths
        W = np.where(rng.random(W.shape) < 0.3, 0.0, W)
        W[np.arange(nx), rng.integers(0, ny, nx)] += 1e-3
        W = W / W.sum(axis=1, keepdims=True)
    return W


def _brute_force_2x2(W):
    """max over a = P(X=1) of I = H(pW) - sum_x p_x H(W_x) (scipy's entr, vectorised):
    a 100001-point grid, then ternary refinement around the best point (I is concave in a)."""
    from scipy.special import entr

    hrow = entr(W).sum(axis=1) / math.log(2)

    def mi(a):
        a = np.asarray(a, dtype=float)
        q = np.outer(1 - a, W[0]) + np.outer(a, W[1])
        return entr(q).sum(axis=1) / math.log(2) - (1 - a) * hrow[0] - a * hrow[1]

    grid = np.linspace(0, 1, 100001)
    vals = mi(grid)
    k = int(np.argmax(vals))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    for _ in range(100):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        lo, hi = (m1, hi) if mi(m1)[0] < mi(m2)[0] else (lo, m2)
    return max(float(vals.max()), float(mi(lo)[0]))


@settings(max_examples=20)
@given(stochastic_matrices())
def test_bounds_valid_on_random_channels(W):
    res = capacity_cvxpy(W)
    assert res.lower <= res.upper
    assert res.capacity == res.lower
    assert res.gap <= 1e-4  # Clarabel's p is certified to 1e-7..5e-6 in the measurements
    assert res.upper <= math.log2(min(W.shape)) + 1e-4  # upper <= C + gap <= log2 min(nx, ny) + gap
    assert res.lower <= math.log2(min(W.shape)) + 1e-12
    # lower = I(p; W) rounded down by the certificate's rounding bound (capacity._rounding: about
    # 5 u H(W_x) per row, under 1e-14 bits for rows of 4 outputs); mutual_information's own
    # float64 rounding is a few ulps of 1 either way
    mi = mutual_information(res.p, W)
    assert res.lower <= mi + 1e-15 and mi - res.lower <= 1e-14
    assert abs(res.p.sum() - 1) <= 1e-12 and res.p.min() >= 0
    # the solver's own claim agrees with our certified value to its accuracy
    assert abs(res.extra["solver_value"] - res.lower) <= 1e-6


@settings(max_examples=15)
@given(stochastic_matrices(n_max=5))
def test_cvxpy_value_inside_blahut_arimoto_bounds(W):
    ba = blahut_arimoto(W, tol=1e-10)
    cv = capacity_cvxpy(W)
    # two independent certified intervals must intersect; the cvxpy value is within 5e-9
    assert cv.lower <= ba.upper + 1e-12 and ba.lower <= cv.upper + 1e-12
    assert ba.lower - 5e-9 <= cv.capacity <= ba.upper + 1e-12


@pytest.mark.parametrize("seed", range(6))
def test_2x2_against_grid_search(seed):
    rng = np.random.default_rng(seed)
    W = rng.dirichlet(np.ones(2), size=2)
    best = _brute_force_2x2(W)
    res = capacity_cvxpy(W)
    assert res.lower - 1e-12 <= best <= res.upper + 1e-12  # brute force inside our bounds
    assert abs(res.capacity - best) <= 1e-9  # and the value matches it


def test_batch_equals_per_channel():
    rng = np.random.default_rng(3)
    Ws = rng.dirichlet(np.ones(4), size=(3, 5))
    batch = capacity_cvxpy(Ws)
    assert batch.p.shape == (3, 5) and batch.lower.shape == (3,)
    for b in range(3):
        one = capacity_cvxpy(Ws[b])
        # same deterministic solve: identical results
        assert batch.lower[b] == one.lower and batch.upper[b] == one.upper
        assert np.array_equal(batch.p[b], one.p)
    assert len(batch.extra["solver_value"]) == 3


def test_invariances():
    rng = np.random.default_rng(7)
    W = rng.dirichlet(np.ones(5), size=4)
    base = capacity_cvxpy(W).capacity
    perm = capacity_cvxpy(W[rng.permutation(4)][:, rng.permutation(5)]).capacity
    dup = capacity_cvxpy(np.vstack([W, W[:1]])).capacity                   # duplicate row
    useless = capacity_cvxpy(np.hstack([W * 0.5, np.full((4, 1), 0.5)])).capacity
    assert abs(perm - base) <= 5e-9
    assert abs(dup - base) <= 5e-9
    # an output column that every input reaches with probability 1/2 halves the capacity (an erasure)
    assert abs(useless - 0.5 * base) <= 5e-9
    zero_col = capacity_cvxpy(np.hstack([W, np.zeros((4, 1))])).capacity  # unreachable output
    assert abs(zero_col - base) <= 5e-9


def test_single_input_and_solver_options():
    res = capacity_cvxpy([[0.2, 0.8]])
    # C = 0: the bracket [0, upper] holds it, widened only by the rounding bound (5 u H(0.2) nats)
    assert res.capacity == 0.0 and 0.0 <= res.upper <= 1e-15 and res.converged
    res = capacity_cvxpy([[0.9, 0.1], [0.1, 0.9]], solver_options={"max_iter": 2})
    assert res.lower <= res.upper  # a truncated solve still gets valid bounds
    # symmetry puts the truncated p at (1/2, 1/2), the optimum: certified, whatever the status says
    assert res.extra["status"] != "optimal" and res.converged and res.gap <= 1e-12
    assert res.lower <= 1 + 0.1 * math.log2(0.1) + 0.9 * math.log2(0.9) + 1e-12  # 1 - h(0.1)


@pytest.mark.parametrize("seed", range(4))
def test_converged_means_certified_gap_as_in_blahut_arimoto(seed):
    # converged is upper - lower <= tol, computed by our certificate from cvxpy's p, whatever the
    # solver's status says; a gap above tol warns like the other solvers (issues 16 and 17)
    rng = np.random.default_rng(seed)
    W = rng.dirichlet(np.ones(4), size=4)
    res = capacity_cvxpy(W)
    assert res.converged == (res.upper - res.lower <= 1e-4) and res.extra["status"] == "optimal"
    assert (res.lower, res.upper) == certify_input(W, res.p)  # the same certificate, recomputed
    tight = max(res.gap / 2, 1e-300)  # below the gap of the same deterministic solve
    with pytest.warns(ConvergenceWarning, match=r"certified gap .* > tol=.*solver status 'optimal'"):
        strict = capacity_cvxpy(W, tol=tight)
    assert not strict.converged and strict.extra["status"] == "optimal"
    with pytest.warns(ConvergenceWarning, match="bounds remain valid"):
        one = capacity_cvxpy(W, solver_options={"max_iter": 1})
    assert not one.converged and one.lower <= res.upper + 1e-12 and res.lower <= one.upper + 1e-12
    with pytest.warns(ConvergenceWarning, match="channel 0, 2 of 2 not converged"):
        batch = capacity_cvxpy(np.stack([W, W]), tol=tight)
    assert batch.converged.tolist() == [False, False]


def test_certify_input_values():
    assert certify_input(np.eye(3), [1 / 3] * 3) == pytest.approx((math.log2(3), math.log2(3)), abs=1e-15)
    lo, up = certify_input(np.eye(3), [0.5, 0.5, 0.0])
    # I = 1 bit, rounded down by at most 2 ulps; pW misses output 2: the bound is infinite, honestly
    assert 1.0 - 4.5e-16 <= lo <= 1.0 and up == math.inf
    lo, up = certify_input([[0.5, 0.5], [0.5, 0.5]], [0.3, 0.7])
    assert lo == 0.0 and 0.0 <= up <= 1e-15  # C = 0: lower is clamped at I >= 0, upper rounded up


BAD = [
    (capacity_cvxpy, ([[0.5, 0.6], [0.5, 0.5]],), {}, ValueError, r"row 0 sums to 1.1"),
    (capacity_cvxpy, ([[1.5, -0.5], [0.5, 0.5]],), {}, ValueError, r"non-negative; got -0\.5 at \(0, 1\)"),
    (capacity_cvxpy, ([[float("nan"), 1.0]],), {}, ValueError, r"NaN at \(0, 0\)"),
    (capacity_cvxpy, ([0.5, 0.5],), {}, ValueError, "2-D"),
    (capacity_cvxpy, (np.zeros((0, 2)),), {}, ValueError, "non-empty"),
    (capacity_cvxpy, ([["a"]],), {}, TypeError, "real numeric"),
    (capacity_cvxpy, (np.eye(2),), {"solver_options": [1]}, TypeError, "`solver_options` must be a dict"),
    (capacity_cvxpy, (np.eye(2),), {"tol": 0.0}, ValueError, "`tol` must be"),
    (capacity_cvxpy, (np.eye(64),), {"max_bytes": 1000}, ValueError, "max_bytes"),
    (certify_input, (np.eye(2), [0.5, 0.5, 0.0]), {}, ValueError, "`p` must have W.shape"),
    (certify_input, (np.eye(2), [0.5, 0.6]), {}, ValueError, "`p` must have rows summing to 1"),
    (certify_input, (np.ones((2, 2, 2)) / 2, [0.5, 0.5]), {}, ValueError, "2-D"),
]


test_bad_input = bad_input_test(BAD)


def test_cvxpy_imported_lazily():
    # importing capacity (and capacity.exact) must not import cvxpy (~1 s); only a solve does
    import subprocess
    import sys

    code = "import sys, capacity, capacity.exact; print('cvxpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
