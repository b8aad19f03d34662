"""capacity.cost_constrained: certified capacity under an input cost constraint.

Independent references: closed forms (channels whose zero-cost rows form a known channel, and
degenerate cases built with a known optimal output law and Lagrange slope, where
C(beta) = nu + s*beta exactly), brute-force search over the input law of binary-input channels,
and a cvxpy program written here from the definition.
"""
import math
import warnings

import numpy as np
import pytest

from capacity import ConvergenceWarning, capacity_cost, capacity_cost_curve, capacity_cvxpy, mutual_information
from capacity import channels as ch
from tests.refusal import bad_input_test, refused_before_allocating


# ----------------------------------------------------------------------------- references
def _ternary_max(f, lo, hi, steps=200):
    for _ in range(steps):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        lo, hi = (m1, hi) if f(m1) < f(m2) else (lo, m2)
    return f(0.5 * (lo + hi))


def _binary_input_cost_capacity(W, cost, beta):
    """max I over a = P(X=1) with (1-a) b0 + a b1 <= beta: grid + ternary refinement (I concave)."""
    b0, b1 = cost
    if b1 == b0:
        a_lo, a_hi = 0.0, 1.0
    elif b1 > b0:
        a_lo, a_hi = 0.0, min(1.0, (beta - b0) / (b1 - b0))
    else:
        a_lo, a_hi = max(0.0, (b0 - beta) / (b0 - b1)), 1.0

    def f(a):
        return mutual_information([1 - a, a], W)

    grid = np.linspace(a_lo, a_hi, 2001)
    vals = [f(a) for a in grid]
    k = int(np.argmax(vals))
    return max(max(vals), _ternary_max(f, grid[max(k - 1, 0)], grid[min(k + 1, 2000)]))


def _cvxpy_cost_capacity(W, cost, beta):
    import cvxpy as cp

    nx = W.shape[0]
    negh = np.array([sum(w * math.log(w) for w in row if w > 0) for row in W])
    p = cp.Variable(nx, nonneg=True)
    prob = cp.Problem(cp.Maximize(cp.sum(cp.entr(W.T @ p)) + negh @ p),
                      [cp.sum(p) == 1, cost @ p <= beta])
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    return prob.value / math.log(2)



# ============================================================================ capacity_cost
def _check_result(res, W, cost, beta, tol=1e-9, converged=True):
    assert res.lower <= res.upper
    assert res.gap <= tol
    assert converged is None or res.converged == converged
    assert float(res.p @ np.asarray(cost, float)) <= beta + 1e-12          # p is feasible
    assert abs(res.capacity - mutual_information(res.p, W)) <= 1e-12       # and achieves lower


@pytest.mark.parametrize("seed", range(4))
def test_zero_cost_reduces_to_unconstrained(seed):
    W = np.random.default_rng(seed).dirichlet(np.ones(4), size=3)
    res = capacity_cost(W, np.zeros(3), 0.0)
    ref = capacity_cvxpy(W)
    _check_result(res, W, np.zeros(3), 0.0)
    assert res.lower - 5e-9 <= ref.capacity <= res.upper + 1e-12
    # a budget above every cost is inactive too
    res2 = capacity_cost(W, [1.0, 2.0, 3.0], 3.0)
    assert abs(res2.capacity - res.capacity) <= 2e-9


@pytest.mark.parametrize("W", [ch.bsc(0.1), ch.z_channel(0.3), ch.bec(0.2), np.array([[0.7, 0.3], [0.2, 0.8]])])
@pytest.mark.parametrize("cost, beta", [([0.0, 1.0], 0.1), ([0.0, 1.0], 0.3), ([1.0, 0.0], 0.2),
                                        ([0.5, 2.0], 0.9), ([0.0, 1.0], 0.0), ([0.0, 1.0], 0.9)])
def test_binary_input_vs_brute_force(W, cost, beta):
    best = _binary_input_cost_capacity(W, cost, beta)
    res = capacity_cost(W, cost, beta)
    _check_result(res, W, cost, beta)
    # brute force over the feasible P(X=1), refined to ~1e-13: inside our certified bounds
    assert res.lower - 1e-11 <= best <= res.upper + 1e-11


@pytest.mark.parametrize("seed", range(3))
def test_random_vs_cvxpy_program(seed):
    rng = np.random.default_rng(10 + seed)
    W = rng.dirichlet(np.ones(4), size=4)
    cost = rng.uniform(0, 1, 4)
    for beta in [cost.min() + 0.05, cost.mean(), cost.max()]:
        res = capacity_cost(W, cost, beta)
        _check_result(res, W, cost, beta)
        val = _cvxpy_cost_capacity(W, cost, beta)
        assert res.lower - 1e-8 <= val <= res.upper + 1e-8  # Clarabel's value to ~1e-9


def test_budget_at_min_cost_is_the_cheap_subchannel():
    # rows 0,1 (cost 0) form a BSC(0.1); row 2 (cost 1) is a perfect extra symbol
    W = np.array([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0], [0.0, 0.0, 1.0]])
    res = capacity_cost(W, [0.0, 0.0, 1.0], 0.0)
    assert res.lower - 1e-12 <= ch.bsc_capacity(0.1) <= res.upper + 1e-12
    assert res.gap <= 1e-9 and res.p[2] == 0.0
    assert res.extra["slope"] == math.inf
    full = capacity_cost(W, [0.0, 0.0, 1.0], 1.0)  # budget inactive: capacity of W
    assert abs(full.capacity - capacity_cvxpy(W).capacity) <= 5e-9


@pytest.mark.parametrize("seed", [3, 13, 25])
def test_budget_at_min_cost_shared_by_several_inputs(seed):
    # three inputs share the least cost 0.1: 0.1 p0 + 0.1 p1 + 0.1 p2 rounds a few ulps above 0.1
    # for these draws; the law was refused as infeasible, leaving lower = 0 (uncertified)
    rng = np.random.default_rng(0)
    for _ in range(seed + 1):
        W = rng.dirichlet(np.ones(4), size=5)
    cost = np.array([0.1, 0.1, 0.1, 0.7, 0.3])
    res = capacity_cost(W, cost, 0.1)
    assert res.converged and res.gap <= 1e-9
    assert res.p[3] == 0.0 and res.p[4] == 0.0  # only the cheapest inputs are affordable
    ref = capacity_cvxpy(W[:3])  # = capacity of the cheap sub-channel
    assert res.lower - 5e-9 <= ref.extra["solver_value"] <= res.upper + 5e-9  # Clarabel ~2e-9


@pytest.mark.parametrize("beta", [5e-14, 1e-13, 1e-12])
def test_budget_just_above_min_cost(beta):
    # input 1 costs 1e-13: at a budget of 5e-14 it may carry half the mass. Budgets within 1e-12
    # of min(cost) were solved as the min-cost edge, on input 0 alone (lower = 0, uncertified)
    W = np.random.default_rng(4).dirichlet(np.ones(3), size=3)
    cost = [0.0, 1e-13, 1.0]
    res = capacity_cost(W, cost, beta)
    _check_result(res, W, cost, beta)
    # reference: the unconstrained capacity of inputs 0, 1 (its optimal P(X=1) = 0.492 is affordable
    # at every budget here; input 2 at cost 1 can carry at most 1e-12 of the mass)
    ref = capacity_cvxpy(W[:2]).extra["solver_value"]
    assert res.lower - 5e-9 <= ref <= res.upper + 5e-9  # Clarabel ~2e-9


def test_curve_monotone_concave_and_bracketing():
    W = np.array([[0.95, 0.05, 0.0], [0.1, 0.8, 0.1], [0.0, 0.1, 0.9]])
    cost = np.array([0.0, 1.0, 2.0])
    betas = np.linspace(0.0, 2.0, 9)
    curve = capacity_cost_curve(W, cost, betas)
    assert curve.p.shape == (9, 3) and curve.converged.all()
    assert np.all(curve.gap <= 1e-9)
    assert np.all(curve.p @ cost <= betas + 1e-12)
    # non-decreasing: C(b_{i+1}) >= C(b_i), certified as upper_{i+1} >= lower_i
    assert np.all(curve.upper[1:] >= curve.lower[:-1] - 1e-12)
    # concave: C(mid) >= average of the ends, certified with upper(mid) >= mean(lowers)
    assert np.all(curve.upper[1:-1] >= 0.5 * (curve.lower[:-2] + curve.lower[2:]) - 1e-12)
    # slopes (Lagrange multipliers) are non-increasing in the budget
    s = curve.extra["slope"][1:]
    assert np.all(np.diff(s[np.isfinite(s)]) <= 1e-6)


def test_nonconvergence_warns_with_valid_bounds():
    W = np.random.default_rng(1).dirichlet(np.ones(6), size=6)
    cost = np.linspace(0, 1, 6)
    with pytest.warns(ConvergenceWarning, match="bounds remain valid"):
        res = capacity_cost(W, cost, 0.4, tol=1e-12, max_iter=3)
    assert not res.converged
    ref = capacity_cost(W, cost, 0.4)
    assert res.lower <= ref.upper + 1e-12 and ref.lower <= res.upper + 1e-12


def test_degenerate_kink_is_certified():
    # 5 inputs, 2 outputs: optimal input laws are not unique at the critical slope (a face of
    # them, of which only one point meets the budget); the bisection alone used to stop at
    # max_iter with a gap of ~1e-7 bits, the interior-point polish certifies 1e-9
    W = np.array([[0.622, 0.378], [0.217, 0.783], [0.449, 0.551], [0.549, 0.451], [0.785, 0.215]])
    cost = np.array([0.0283038, 0.1060977, 0.1533292, 0.5808818, 0.4308373])
    beta = 0.0765662
    res = capacity_cost(W, cost, beta)
    _check_result(res, W, cost, beta)
    assert res.iterations <= 1000  # default max_iter is 100000
    val = _cvxpy_cost_capacity(W, cost, beta)
    assert res.lower - 1e-8 <= val <= res.upper + 1e-8  # Clarabel's value to ~1e-9


def _row_kl(W, q):
    """D(W_x || q) in nats, every row (q > 0), written out here."""
    return np.array([sum(w * math.log(w / qy) for w, qy in zip(row, q) if w > 0) for row in W])


def _kink_case(seed, nx, ny, k, vertex):
    """A channel, costs and budget with a known optimal output law q*, slope s and level nu.

    Rows 0..k-1 (k > ny, so the laws on them with output q* form a face) get costs
    b_x = (D(W_x||q*) - nu)/s, the others a cost above that line. Then every law on the face
    with cost beta satisfies the KKT conditions of max I s.t. E b <= beta with multiplier s, and
    C(beta) = nu + s*beta nats exactly (weak duality meets it). ``vertex`` moves beta to an end
    of the face, where the optimal support changes and C(beta) has a kink.
    """
    rng = np.random.default_rng(seed)
    W = rng.dirichlet(np.ones(ny), size=nx)
    w0 = rng.dirichlet(np.ones(k))
    q = w0 @ W[:k]
    D = _row_kl(W, q)
    s = rng.uniform(0.3, 3.0)
    nu = D[:k].min() - rng.uniform(0.0, 0.2)
    b = (D - nu) / s
    b[k:] = np.maximum(b[k:] + rng.uniform(0.05, 0.5, nx - k), 0.0)
    if vertex:  # walk along the face (a null direction of [W_S^T; 1]) until a weight hits 0
        n = np.linalg.svd(np.vstack([W[:k].T, np.ones(k)]))[2][-1]
        w0 = np.maximum(w0 + np.min(-w0[n < 0] / n[n < 0]) * n, 0.0)
    beta = float(w0 @ b[:k])
    perm = rng.permutation(nx)
    return W[perm], b[perm], beta, (nu + s * beta) / math.log(2)


@pytest.mark.parametrize("vertex", [False, True], ids=["face", "vertex"])
@pytest.mark.parametrize("seed, nx, ny, k", [(0, 5, 2, 3), (1, 8, 3, 4), (2, 12, 2, 4), (3, 40, 3, 5),
                                             (4, 30, 6, 8), (5, 20, 2, 3)])
def test_constructed_kinks_certified_against_closed_form(seed, nx, ny, k, vertex):
    W, cost, beta, C = _kink_case(seed, nx, ny, k, vertex)
    res = capacity_cost(W, cost, beta)
    _check_result(res, W, cost, beta)
    assert res.lower - 1e-12 <= C <= res.upper + 1e-12   # the exact value, to rounding
    assert res.iterations <= 2000                        # default max_iter is 100000


def test_many_inputs_kink_certified():
    # 450 inputs, 4 outputs: the polish's Newton systems go through Woodbury's identity
    W, cost, beta, C = _kink_case(7, 450, 4, 6, False)
    res = capacity_cost(W, cost, beta)
    _check_result(res, W, cost, beta)
    assert res.lower - 1e-12 <= C <= res.upper + 1e-12
    assert res.iterations <= 2000


def test_low_rank_solve_matches_dense():
    from capacity._cost_polish import _solve_low_rank

    rng = np.random.default_rng(3)
    U = rng.random((50, 4))
    rhs = rng.random((50, 3))
    for tau in (1.0, 1e-6):
        dense = np.linalg.solve(U @ U.T + tau * np.eye(50), rhs)
        got = _solve_low_rank(U, tau, rhs)
        # relative to the solution's size; the system's condition number is ~|U|^2 / tau
        assert np.abs(got - dense).max() <= 1e-9 * np.abs(dense).max() / min(tau, 1.0) ** 0.5


@pytest.mark.parametrize("seed", range(3))
def test_constructed_kinks_vs_cvxpy_program(seed):
    W, cost, beta, C = _kink_case(10 + seed, 6, 2, 3, seed == 1)
    val = _cvxpy_cost_capacity(W, cost, beta)
    assert abs(val - C) <= 1e-8                          # the construction, checked independently
    res = capacity_cost(W, cost, beta)
    _check_result(res, W, cost, beta)
    assert res.lower - 1e-8 <= val <= res.upper + 1e-8  # Clarabel's value to ~1e-9


def test_kink_with_tiny_max_iter_warns_with_valid_bounds():
    W, cost, beta, C = _kink_case(0, 5, 2, 3, False)
    with pytest.warns(ConvergenceWarning, match="bounds remain valid"):
        res = capacity_cost(W, cost, beta, max_iter=20)
    assert not res.converged and res.iterations <= 20
    assert float(res.p @ cost) <= beta
    assert res.lower - 1e-12 <= C <= res.upper + 1e-12


def test_curve_through_kinks_certified():
    W, cost, beta, C = _kink_case(1, 8, 3, 4, False)
    betas = np.array([cost.min(), 0.5 * (cost.min() + beta), beta, 0.5 * (beta + cost.max()), cost.max()])
    curve = capacity_cost_curve(W, cost, betas)
    assert curve.converged.all() and np.all(curve.gap <= 1e-9)
    assert curve.lower[2] - 1e-12 <= C <= curve.upper[2] + 1e-12
    assert np.all(curve.p @ cost <= betas + 1e-12)
    assert np.all(curve.upper[1:] >= curve.lower[:-1] - 1e-12)   # non-decreasing


@pytest.mark.parametrize("seed", [10, 24])
def test_unreachable_tol_keeps_the_best_certificate(seed):
    # tol=1e-16 bits is below what float64 can certify for these channels: the first (s = 0)
    # solve used to spend all of max_iter chasing it and the result kept the trivial bounds
    # [0, C(no budget)]. Inner solves now stop at a few ulps (GAP_FLOOR), so the certificate is
    # the tight one, and it brackets cvxpy's value (Clarabel to ~1e-9) like the default tol's.
    W = np.random.default_rng(seed).dirichlet(np.full(3, 0.5), size=3)
    cost = np.array([0.0, 1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # converged or not: the bounds are the point
        res = capacity_cost(W, cost, 0.5, tol=1e-16, max_iter=20_000)
    assert res.lower > 0.1 and res.gap <= 1e-14
    assert res.lower - 1e-8 <= _cvxpy_cost_capacity(W, cost, 0.5) <= res.upper + 1e-8
    _check_result(res, W, cost, 0.5, tol=1e-14, converged=None)  # tol=1e-16 is below the outward rounding


def test_denormal_budget_is_certified():
    # budget 1e-320 (above min(cost) = 0): C <= s*beta + max_x (D_x - s*b_x) at s ~ D_1 gives an
    # upper bound of order 1e-320; the dual search used to divide by the 1e-320 slope of the free
    # input's line, overflow to s_max = inf and keep the s = 0 bound C(no budget) instead
    from capacity.cost_constrained import _dual_bound

    W = np.random.default_rng(10).dirichlet(np.full(3, 0.5), size=3)
    res = capacity_cost(W, [0.0, 1.0, 2.0], 1e-320)
    # C = 0; the upper bound is rounded outward by its rounding-error bound (about 5 u H(W_x) nats,
    # capacity._rounding), so it is no longer the float cancellation's 1e-320 but below 1e-15
    assert res.converged and res.lower == 0.0 and 0.0 <= res.upper <= 1e-15
    up, s = _dual_bound(np.array([0.0, 2.9, 2.3]), np.array([0.0, 1.0, 2.0]), 1e-320)
    assert up <= 1e-300 and 2.9 <= s <= 2.9 * (1 + 1e-6)  # the kink of max(s beta, 2.9 - s(1 - beta))


def test_curve_of_a_broadcast_billion_budgets_is_refused_before_running():
    budgets = np.broadcast_to(1.0, (10**9,))
    refused_before_allocating(lambda: capacity_cost_curve(ch.bsc(0.1), [0.0, 1.0], budgets),  # no copy of the 8 GB view
                              match=r"capacity_cost_curve needs .* > max_bytes", exc=ValueError)
    with pytest.raises(ValueError, match="max_bytes"):  # and the plan counts each point's result
        capacity_cost_curve(ch.bsc(0.1), [0.0, 1.0], np.full(1000, 0.5), max_bytes=8 * 4 * 4 + 2**10)


def test_cost_inputs_not_mutated():
    W = ch.bsc(0.2)
    cost = np.array([0.0, 1.0])
    W0, c0 = W.copy(), cost.copy()
    capacity_cost(W, cost, 0.3)
    assert np.array_equal(W, W0) and np.array_equal(cost, c0)


def test_curve_nonconvergence_warns_once():
    with pytest.warns(ConvergenceWarning, match="1 of 1 budgets"):
        capacity_cost_curve(ch.symmetric_channel(3, 0.1), [0.0, 1.0, 2.0], [0.5],
                            tol=1e-15, max_iter=1)


# ============================================================================ bad input
W2 = ch.bsc(0.1)
BAD = [
    (capacity_cost, (W2, [0.0], 0.5), {}, ValueError, r"`cost` must have W.shape\[0\] = 2 entries; got 1"),
    (capacity_cost, (W2, [[0.0, 1.0]], 0.5), {}, ValueError, "`cost` must be 1-D"),
    (capacity_cost, (W2, [0.0, -1.0], 0.5), {}, ValueError, r"`cost` must be non-negative; got -1\.0 at \(1,\)"),
    (capacity_cost, (W2, [0.0, float("nan")], 0.5), {}, ValueError, r"`cost` must be finite; got NaN at \(1,\)"),
    (capacity_cost, (W2, ["a", "b"], 0.5), {}, TypeError, "`cost` must be a real numeric"),
    (capacity_cost, (W2, [1.0, 2.0], 0.5), {}, ValueError, r"`budget` must be >= min\(cost\) = 1.0"),
    (capacity_cost, (W2, [1.0, 2.0], float("inf")), {}, ValueError, "`budget` must be a finite number"),
    (capacity_cost, (W2, [1.0, 2.0], "1"), {}, TypeError, "`budget` must be a real number"),
    (capacity_cost, (W2, [0.0, 1.0], 0.5), {"tol": 0.0}, ValueError, "`tol` must be a finite number in"),
    (capacity_cost, (W2, [0.0, 1.0], 0.5), {"max_iter": 0}, ValueError, "`max_iter` must be an integer in"),
    (capacity_cost, (W2, [0.0, 1.0], 0.5), {"max_iter": 1.5}, TypeError, "`max_iter` must be an integer"),
    (capacity_cost, ([[0.5, 0.6], [0.5, 0.5]], [0.0, 1.0], 0.5), {}, ValueError, "row 0 sums to"),
    (capacity_cost, (np.ones((2, 2, 2)) / 2, [0.0, 1.0], 0.5), {}, ValueError, "2-D"),
    (capacity_cost, (np.eye(64), np.zeros(64), 0.5), {"max_bytes": 1000}, ValueError, "max_bytes"),
    # six copies of W fit, but not with the polish's 300 x 300 Newton matrix and factor (2 x 720 KB)
    (capacity_cost, (np.eye(300), np.zeros(300), 0.5), {"max_bytes": 8 * 6 * 300**2 + 1}, ValueError, "max_bytes"),
    (capacity_cost_curve, (W2, [0.0, 1.0], []), {}, ValueError, "`budgets` must be a non-empty 1-D"),
    (capacity_cost_curve, (W2, [0.0, 1.0], [[0.5]]), {}, ValueError, "`budgets` must be a non-empty 1-D"),
    (capacity_cost_curve, (W2, [0.5, 1.0], [0.2, 0.6]), {}, ValueError, r"`budgets` must all be >= min\(cost\)"),
    (capacity_cost_curve, (W2, [0.5, 1.0], [float("nan")]), {}, ValueError, "`budgets` must be finite"),
    (capacity_cost_curve, (W2, [0.0], [0.5]), {}, ValueError, "`cost` must have"),
]


test_bad_input = bad_input_test(BAD)



def test_curve_accepts_a_float32_channel():
    """A float32 W passes validation at float32's tolerance (rows within 4 ulps of 1); the curve
    must not refuse the float64 copy it made of it, and each point equals capacity_cost's."""
    W32 = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]], dtype=np.float32)
    cost, budgets = [0.0, 1.0, 0.5], [0.2, 0.4]
    curve = capacity_cost_curve(W32, cost, budgets)
    for k, beta in enumerate(budgets):
        one = capacity_cost(W32, cost, beta)
        assert (curve.lower[k], curve.upper[k]) == (one.lower, one.upper)  # the same computation, bit for bit
