"""capacity.distortion: certified rate-distortion functions.

Independent references: closed forms (Bernoulli and uniform q-ary sources with Hamming
distortion) and a cvxpy program written here from the definition.
"""
import math

import numpy as np
import pytest

from capacity import ConvergenceWarning, RateDistortionResult, mutual_information, rate_distortion, rate_distortion_curve
from capacity.information import binary_entropy as h
from tests.refusal import bad_input_test, refused_before_allocating


# ----------------------------------------------------------------------------- references
def _cvxpy_rate_distortion(p, d, D):
    """min I(X; Z) over joints J with row sums p and E d <= D: sum rel_entr(J, p r^T)."""
    import cvxpy as cp

    nx, nz = d.shape
    J = cp.Variable((nx, nz), nonneg=True)
    r = cp.sum(J, axis=0)
    prod = cp.reshape(p, (nx, 1), order="C") @ cp.reshape(r, (1, nz), order="C")
    prob = cp.Problem(cp.Minimize(cp.sum(cp.rel_entr(J, prod))),
                      [cp.sum(J, axis=1) == p, cp.sum(cp.multiply(J, d)) <= D])
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-11, tol_gap_rel=1e-11, tol_feas=1e-11)
    return prob.value / math.log(2)


def _rd_bernoulli(p, D):
    return h(p) - h(D) if D < min(p, 1 - p) else 0.0


def _rd_uniform(q, D):
    return math.log2(q) - h(D) - D * math.log2(q - 1) if D < 1 - 1 / q else 0.0


# ============================================================================ rate_distortion
@pytest.mark.parametrize("p", [0.5, 0.3, 0.11, 0.9])
def test_bernoulli_hamming_closed_form(p):
    d = 1.0 - np.eye(2)
    for D in np.linspace(0.0, min(p, 1 - p), 7).tolist() + [0.5, 0.7]:
        res = rate_distortion([p, 1 - p], d, D)
        true = _rd_bernoulli(p, D)
        assert res.lower - 1e-12 <= true <= res.upper + 1e-12  # certified bracket
        assert res.gap <= 1e-9 and res.converged
        # Q is a test channel meeting the distortion, whose rate is the reported one
        assert np.abs(res.Q.sum(axis=1) - 1).max() <= 1e-12
        assert float(np.array([p, 1 - p]) @ (res.Q * d).sum(axis=1)) <= D + 1e-12
        assert abs(mutual_information([p, 1 - p], res.Q) - res.rate) <= 1e-12


@pytest.mark.parametrize("q", [3, 4, 7])
def test_uniform_qary_hamming_closed_form(q):
    d = 1.0 - np.eye(q)
    for D in np.linspace(0.0, 1 - 1 / q, 6):
        res = rate_distortion(np.full(q, 1 / q), d, D)
        true = _rd_uniform(q, D)
        assert res.lower - 1e-12 <= true <= res.upper + 1e-12
        assert res.gap <= 1e-9


def test_slope_mode_matches_derivative():
    # Bernoulli(p), Hamming: R'(D) = -log2((1-D)/D), so slope s gives D = 1/(1 + 2^s)
    p, s = 0.3, 2.0
    res = rate_distortion([p, 1 - p], 1 - np.eye(2), slope=s)
    assert abs(res.distortion - 1 / (1 + 2**s)) <= 1e-8
    assert res.lower - 1e-12 <= _rd_bernoulli(p, res.distortion) <= res.upper + 1e-12
    assert res.gap <= 1e-9 and res.slope == s


@pytest.mark.parametrize("seed", range(3))
def test_random_sources_vs_cvxpy_program(seed):
    rng = np.random.default_rng(20 + seed)
    p = rng.dirichlet(np.ones(3))
    d = rng.integers(0, 4, (3, 3)).astype(float)
    d_min, d_max = p @ d.min(axis=1), (p @ d).min()
    for D in np.linspace(d_min, d_max, 4)[:-1] + 0.1 * (d_max - d_min):
        res = rate_distortion(p, d, D)
        assert res.gap <= 1e-9
        val = _cvxpy_rate_distortion(p, d, D)
        assert res.lower - 1e-8 <= val <= res.upper + 1e-8  # Clarabel's value to ~1e-9


def test_rate_distortion_curve_convex_nonincreasing():
    p = np.array([0.5, 0.3, 0.2])
    d = np.array([[0.0, 1.0, 3.0], [1.0, 0.0, 1.0], [3.0, 1.0, 0.0]])
    Ds = np.linspace(0.0, 0.8, 9)
    curve = rate_distortion_curve(p, d, Ds)
    assert isinstance(curve, RateDistortionResult)
    assert curve.Q.shape == (9, 3, 3) and curve.converged.all()
    assert np.all(curve.lower[1:] <= curve.upper[:-1] + 1e-12)                     # non-increasing
    assert np.all(curve.lower[1:-1] <= 0.5 * (curve.upper[:-2] + curve.upper[2:]) + 1e-12)  # convex
    assert abs(curve.upper[0] - 1.4854752972273344) <= 1e-9  # R(0) = H(p) (d_min = 0 edge)


def test_rate_distortion_edge_cases():
    p = [0.25, 0.75]
    d = np.array([[1.0, 2.0], [3.0, 1.0]])   # d_min = 1, d_max = min(0.25+2.25, 0.5+0.75) = 1.25
    low = rate_distortion(p, d, 1.0)
    assert low.lower - 1e-12 <= h(0.25) <= low.upper + 1e-12 and low.slope == math.inf
    assert rate_distortion(p, d, 1.25).rate == 0.0
    assert rate_distortion(p, d, 5.0).upper == 0.0


def test_d_max_edge_answers_zero_whatever_the_rounding():
    # At D = D_max = min_z (p @ d)_z the constant test channel is feasible, but its distortion
    # summed row by row can round a few ulps above the matrix product's minimum (for some of these
    # sources on this BLAS); it was then refused and rate_distortion failed with a TypeError, and
    # elsewhere the rate of the constant channel came out as 1.6e-16, not the exact 0 documented
    rng = np.random.default_rng(0)
    for _ in range(50):
        nx = int(rng.integers(2, 18))
        p, d = rng.dirichlet(np.ones(nx)), rng.random((nx, 3))
        res = rate_distortion(p, d, float((p @ d).min()))
        assert res.rate == 0.0 and res.lower == 0.0 and res.converged  # R(D_max) = 0 exactly
        assert np.ptp(res.Q, axis=0).max() == 0.0  # a constant channel


@pytest.mark.parametrize("D", [1e-13, 5e-13, 9e-13, 1e-9])
def test_just_above_d_min_stays_certified(D):
    # R(D) = 1 - h(D) falls with infinite slope at D = 0: R(1e-13) = 1 - 4.5e-12 bits. Treating
    # D <= D_min + 1e-12 as the D_min edge certified lower = R(0) = 1 > R(D) (an invalid bound)
    res = rate_distortion([0.5, 0.5], 1 - np.eye(2), D)
    assert res.converged and res.gap <= 1e-9
    # closed form within the bounds; 2e-15: float64 rounding of 1 - h(D) and of the bounds near 1
    assert res.lower - 2e-15 <= 1 - h(D) <= res.upper + 2e-15


@pytest.mark.parametrize("p, a, b, c", [
    ([0.36424209260566215, 0.5390406481846121, 0.09671725920972571], 0.1, 0.1, 0.1),
    ([0.30247034609835816, 0.09291612704072401, 0.604613526860918], 1.1, 0.1, 1.3),
])
def test_d_min_edge_with_tied_nonzero_distortions(p, a, b, c):
    # x0 may use letters 0 or 1 at distortion a, x1 only letter 1, x2 only letter 2: at D = D_min
    # the best test channel sends x0 to letter 1, R(D_min) = h(p2). The mixed row of the test
    # channel gives E d a few ulps above D_min in float64 (these p); it was refused as infeasible
    # and the upper bound stayed at the identity-like channel (uncertified)
    d = np.array([[a, a, 9.0], [9.0, b, 9.0], [9.0, 9.0, c]])
    res = rate_distortion(p, d, float(np.dot(p, d.min(axis=1))))
    assert res.converged and res.gap <= 1e-9
    assert res.lower - 1e-12 <= h(p[2]) <= res.upper + 1e-12  # closed form inside the bounds


def _benchmark_source(index, seed=2):
    """Source ``index`` of the benchmarks' random rate-distortion sources (compare_refs' generator)."""
    rng = np.random.default_rng(seed)
    for k in range(index + 1):
        nx, nz = rng.integers(2, 25, size=2)
        p = rng.dirichlet(np.full(nx, 0.5))
        d = [rng.random((nx, nz)), rng.integers(0, 4, size=(nx, nz)).astype(float), 1 - np.eye(nx, nz)][k % 3]
        rng.random()  # the benchmark's target distortion, not used here
    return p, d


def test_bisection_reopens_a_bracket_whose_lower_end_was_a_rough_solve():
    # Source 37 of the benchmarks' random sources (compare_refs' generator, seed 2), D at 45% of
    # [D_min, D_max]: a rough solve at s = 4/3 put the lower end of the bracket on the
    # wrong side, the bracket collapsed there, and the gap stayed at 4.6e-7 bits with the
    # iteration budget almost unused. Re-solving that end tightly reopens the bracket.
    p, d = _benchmark_source(37)
    D = float(np.linspace(p @ d.min(axis=1), (p @ d).min(), 21)[9])
    res = rate_distortion(p, d, D)
    assert res.converged and res.gap <= 1e-9
    assert float(p @ (res.Q * d).sum(axis=1)) <= D + 1e-12  # Q meets D (rounding of the sum)
    val = _cvxpy_rate_distortion(p, d, D)
    assert res.lower - 1e-8 <= val <= res.upper + 1e-8  # Clarabel's value to ~1e-9


def test_d_min_edge_with_an_output_letter_pushed_below_the_float_range():
    # Source 10 of the benchmarks' random sources (compare_refs' generator, seed 2) at D = D_min
    # = 0: one source letter (p = 0.0037) may use only output letter 2, whose mass a long step
    # pushed to e^-719 (denormal). Its c_z = e^713 overflowed in r_z * c_z, the step's certified
    # lower bound read inf, was accepted, and the solve stopped with lower 0, gap 0.3 bits
    p, d = _benchmark_source(10)
    D = float(p @ d.min(axis=1))
    res = rate_distortion(p, d, D)
    assert D == 0.0 and res.converged and res.gap <= 1e-9
    # closed form: at D = 0 source letters {0, 1} may share only output 6, {2, 3} only output 0,
    # {4} has only output 2, and each output names its group; so I(X; Z) >= H(group) (Z determines
    # it), with equality for the channel sending each group to its shared letter
    groups = np.array([p[0] + p[1], p[2] + p[3], p[4]])
    assert (d[[0, 1], 6] == 0).all() and (d[[2, 3], 0] == 0).all() and d[4, 2] == 0
    assert np.array_equal(np.flatnonzero(d[0] == 0), [3, 6]) and np.array_equal(np.flatnonzero(d[3] == 0), [0, 1])
    assert [np.count_nonzero(d[x] == 0) for x in (1, 2, 4)] == [1, 1, 1]
    true = float(-(groups * np.log2(groups)).sum())
    assert res.lower - 1e-12 <= true <= res.upper + 1e-12  # float64 rounding of the bounds


def test_rd_nonconvergence_warns_with_valid_bounds():
    p = np.array([0.5, 0.3, 0.2])
    d = np.array([[0.0, 1.0, 3.0], [1.0, 0.0, 1.0], [3.0, 1.0, 0.0]])
    with pytest.warns(ConvergenceWarning, match="bounds remain valid"):
        res = rate_distortion(p, d, 0.3, tol=1e-15, max_iter=1)
    assert not res.converged
    ref = rate_distortion(p, d, 0.3)
    assert res.lower <= ref.upper + 1e-12 and ref.lower <= res.upper + 1e-12
    with pytest.warns(ConvergenceWarning, match="bounds remain valid"):
        rate_distortion(p, d, slope=1.0, tol=1e-15, max_iter=1)
    with pytest.warns(ConvergenceWarning, match="1 of 1 distortions"):
        rate_distortion_curve(p, d, [0.3], tol=1e-15, max_iter=1)


@pytest.mark.parametrize("z_linear", [0.0, math.inf], ids=["linear", "log-domain"])
@pytest.mark.parametrize("seed", range(5))
def test_rd_iteration_is_blahuts_step_through_the_solver_core(seed, z_linear, monkeypatch):
    # Rate-distortion has no iteration of its own: the core's mirror-descent step at mu = 1 with
    # the output-law score is Blahut's r <- r c, written here from the definition with loops
    # (rtol 1e-12: a few roundings of O(1) terms, logs and exponentials), and the score's bounds
    # hold for every r: lower(r1) <= max G <= upper(r2) for any two laws (margin 1e-12 nats).
    # Both ways of evaluating the score are checked: products with e^A, and the log domain that
    # takes over when some Z_x is tiny (forced here by the threshold).
    from capacity import distortion
    from capacity._solver import md_steps
    from capacity.distortion import _Kernel, _rd_score

    monkeypatch.setattr(distortion, "_Z_LINEAR", z_linear)

    rng = np.random.default_rng(seed)
    nx, nz = rng.integers(2, 7, size=2)
    p = rng.dirichlet(np.ones(nx))
    d = rng.random((nx, nz)) * 3
    s = float(rng.uniform(0.1, 5.0))
    A = -s * (d - d.min(axis=1)[:, None])
    r = rng.dirichlet(np.ones(nz))
    Z = [sum(r[z] * math.exp(A[x, z]) for z in range(nz)) for x in range(nx)]
    c = [sum(p[x] * math.exp(A[x, z]) / Z[x] for x in range(nx)) for z in range(nz)]
    r_blahut = np.array([r[z] * c[z] for z in range(nz)])
    kernel = _Kernel(A, np.log(p))
    r_core = md_steps(np, kernel, None, r[None], np.ones(1), 1, -1.0, 1.0, np.ones(1),
                      score=_rd_score)[0][0]
    np.testing.assert_allclose(r_core, r_blahut, rtol=1e-12)
    laws = rng.dirichlet(np.ones(nz), size=20)
    bounds = np.array([[b[0] for b in _rd_score(np, kernel, None, q[None])[1:]] for q in laws])
    G = [sum(p[x] * math.log(sum(q[z] * math.exp(A[x, z]) for z in range(nz))) for x in range(nx)) for q in laws]
    assert np.all(np.array(G) <= bounds[:, 0] + 1e-12)  # G(r) <= lower (the test channel's value) <= max G
    assert bounds[:, 0].max() <= bounds[:, 1].min() + 1e-12


@pytest.mark.parametrize("kind", ["uniform", "integer", "hamming"])
def test_reported_slope_gives_a_line_under_the_curve(kind):
    # The slope is the multiplier of the certifying lower bound: the line lower - s (D' - D)
    # lies under R(D') for every D' (Blahut 1972, Thm 2), so it stays below the certified upper
    # bound of independent solves at D' = D -+ h (margin 1e-12 bits: float rounding of O(1)
    # terms). A slope taken from an end of the bisection's bracket (a power of 4 of its first
    # trial, the same for unrelated sources) breaks this on one side or the other.
    rng = np.random.default_rng(["uniform", "integer", "hamming"].index(kind))
    for _ in range(4):
        nx, nz = (int(v) for v in rng.integers(2, 9, size=2))
        d = {"uniform": lambda: rng.random((nx, nz)),
             "integer": lambda: rng.integers(0, 4, size=(nx, nz)).astype(float),
             "hamming": lambda: 1 - np.eye(nx, nz)}[kind]()
        p = rng.dirichlet(np.full(nx, 0.5))
        d_min, d_max = float(p @ d.min(axis=1)), float((p @ d).min())
        D = d_min + rng.uniform(0.2, 0.8) * (d_max - d_min)
        res = rate_distortion(p, d, D)
        h = 0.05 * (d_max - d_min)
        for Dp in (D - h, D + h):
            assert res.lower - res.slope * (Dp - D) <= rate_distortion(p, d, Dp).upper + 1e-12


def test_truncated_solve_reports_its_test_channels_distortion():
    # max_iter=1 stops at the always-feasible channel to each x's least-distortion letter
    # (identity here, E d = 0): the result reports that distortion, not the target 0.2, and the
    # bounds hold for both, lower <= R(0.2) <= R(0) = H(p) <= upper
    p = np.array([0.5, 0.3, 0.2])
    d = 1 - np.eye(3)
    with pytest.warns(ConvergenceWarning):
        res = rate_distortion(p, d, 0.2, max_iter=1)
    assert res.distortion == float(p @ (res.Q * d).sum(axis=1)) <= 0.2
    full = rate_distortion(p, d, 0.2)
    assert res.lower <= full.upper + 1e-12 and full.distortion == pytest.approx(0.2, abs=1e-15)
    assert res.lower <= mutual_information(p, res.Q) + 1e-12 <= res.upper + 2e-12


def test_curve_of_a_broadcast_billion_distortions_is_refused_before_running():
    Ds = np.broadcast_to(0.1, (10**9,))  # refused from the shape: no copy of the 8 GB view
    refused_before_allocating(lambda: rate_distortion_curve([0.5, 0.5], [[0, 1], [1, 0]], Ds),
                              match=r"rate_distortion_curve needs .* > max_bytes", exc=ValueError)


# ============================================================================ bad input
BAD = [
    (rate_distortion, ([0.5, 0.5], [[0, 1], [1, 0]]), {}, ValueError, "exactly one of `D` and `slope`"),
    (rate_distortion, ([0.5, 0.5], [[0, 1], [1, 0]], 0.1), {"slope": 1.0}, ValueError, "exactly one of"),
    (rate_distortion, ([0.5, 0.5], [[0, 1], [1, 0]]), {"slope": 0.0}, ValueError, "`slope` must be"),
    (rate_distortion, ([0.5, 0.5], [[1, 2], [2, 1]], 0.5), {}, ValueError, r"`D` must be >= D_min = 1.0"),
    (rate_distortion, ([0.5, 0.5], [[0, 1], [1, 0]], -0.1), {}, ValueError, "`D` must be a finite number"),
    (rate_distortion, ([0.5, 0.5], [[0, 1], [1, 0]], "x"), {}, TypeError, "`D` must be a real number"),
    (rate_distortion, ([0.5, 0.6], [[0, 1], [1, 0]], 0.1), {}, ValueError, "`p` must have rows summing to 1"),
    (rate_distortion, ([0.5, 0.5], [0, 1], 0.1), {}, ValueError, "`d` must be 2-D"),
    (rate_distortion, ([0.5, 0.5], [[0, 1]], 0.1), {}, ValueError, r"`d` must have len\(p\) = 2 rows"),
    (rate_distortion, ([0.5, 0.5], np.zeros((2, 0)), 0.1), {}, ValueError, "`d` must be non-empty"),
    (rate_distortion, ([0.5, 0.5], [[0, -1], [1, 0]], 0.1), {}, ValueError, r"`d` must be non-negative"),
    (rate_distortion, ([0.5, 0.5], [[0, float("inf")], [1, 0]], 0.1), {}, ValueError, r"inf at \(0, 1\)"),
    (rate_distortion, ([0.5, 0.5], [["a", "b"], ["c", "d"]], 0.1), {}, TypeError, "`d` must be a real"),
    (rate_distortion, ([0.5, 0.5], [[0, 1], [1, 0]], 0.1), {"tol": -1}, ValueError, "`tol` must be"),
    (rate_distortion, ([0.5, 0.5], [[0, 1], [1, 0]], 0.1), {"max_iter": 0}, ValueError, "`max_iter` must be"),
    (rate_distortion, ([0.5, 0.5], np.ones((2, 2**20)), 0.1), {"max_bytes": 2**20}, ValueError, "max_bytes"),
    (rate_distortion_curve, ([0.5, 0.5], [[0, 1], [1, 0]], []), {}, ValueError, "`distortions` must be a non-empty"),
    (rate_distortion_curve, ([0.5, 0.5], [[0, 1], [1, 0]], [float("nan")]), {}, ValueError,
     "`distortions` must be finite"),
    (rate_distortion_curve, ([0.5, 0.5], [[1, 2], [2, 1]], [0.0]), {}, ValueError, "`distortions` must be >= D_min"),
]


test_bad_input = bad_input_test(BAD)

