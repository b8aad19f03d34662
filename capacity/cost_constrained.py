r"""Certified capacity under an input cost constraint (Blahut 1972, §III).

:math:`C(\beta) = \max_{p:\,\mathbb{E}_p b \le \beta} I(p; W)` is computed by Blahut's
Lagrangian iteration for a slope ``s``, a bisection on ``s`` to meet the budget, and a
*certificate* that holds at any iterate: lower bound :math:`I(p; W)` of a feasible ``p`` (a
mixture of the two bisection end points meets the budget exactly; :math:`I` is concave, so the
mixture is at least as good as the chord), upper bound from weak duality: for every
:math:`s \ge 0` and output law :math:`q`,

.. math:: C(\beta) \le s\beta + \max_x \big[D(W_x \| q) - s\, b_x\big]

(because :math:`I(p;W) = \sum_x p_x D(W_x\|q) - D(pW\|q)`); we minimise the right side over
:math:`s` for each ``q`` we visit (a convex piecewise-linear function of ``s``).
The bisection runs to a loose gap only; an interior-point polish of the budget-constrained
problem finishes it (see :func:`capacity_cost`'s Notes).
Slopes ``s`` are reported in bits per unit of cost.
"""
from __future__ import annotations

import math

import numpy as np

from boolean._lib.array import neg_entropy_rows, to_numpy
from boolean._lib.memory import check_size
from boolean._lib.validate import as_float_array, check_channel, check_nonnegative, check_real, shape_of

from ._cost_polish import _cost_ipm
from ._lagrange import (DEFAULT_MAX_BYTES, LN2, _check_common, _slope_bisection, _solve_each, certified_bits,
                        check_targets, curve_points, inner_tol)
from ._result import CapacityResult, result_like, stack_results
from ._rounding import LD, ULD, mean_upper, outward_certificate, outward_max, round_up
from ._solver import DRIVERS, bounds, row_divergences

__all__ = ["capacity_cost", "capacity_cost_curve"]

#: Bisect on the slope only to these certified gaps (nats), each followed by an interior-point
#: polish (_cost_ipm) of at most _IPM_STEPS Newton steps; then, if still needed, to ``tol``.
_POLISH_GAPS = (1e-2, 1e-5)
_IPM_STEPS = 60


# ============================================================================ capacity-cost kernels
def _dual_bound(D, b, beta):
    """min over s >= 0 of  s*beta + max_x (D_x - s b_x)  (nats) and the minimising s.

    f(s) = max_x (D_x + s (beta - b_x)) is convex piecewise linear; its minimiser lies in
    [0, s_max] with s_max = (max D - min D) / min_{b_x > beta} (b_x - beta) (the minimiser is
    where a line of slope >= 0 meets one of slope < 0, at s <= (D_i - D_j) / (b_j - beta); the
    lines of tiny positive slope, b_x just below beta, do not enter, so s_max stays finite for a
    budget like 1e-320). Golden-section search is exact enough:
    any s gives a valid bound, optimising only tightens it.
    """
    if not np.isfinite(D).all():
        return math.inf, 0.0  # no finite s removes an infinite divergence: useless q
    slope = beta - b

    def f(s):
        return float(np.max(D + s * slope))

    f0 = f(0.0)
    if (slope >= 0).all():
        return f0, 0.0
    s_max = (float(D.max() - D.min()) + 1.0) / float(-slope[slope < 0].max())
    lo, hi = 0.0, s_max
    g = (math.sqrt(5.0) - 1.0) / 2.0
    x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
    f1, f2 = f(x1), f(x2)
    for _ in range(120):
        if f1 <= f2:
            hi, x2, f2 = x2, x1, f1
            x1 = hi - g * (hi - lo)
            f1 = f(x1)
        else:
            lo, x1, f1 = x1, x2, f2
            x2 = lo + g * (hi - lo)
            f2 = f(x2)
    cands = [(f0, 0.0), (f1, x1), (f2, x2), (f(s_max), s_max)]
    return min(cands)


def _surely_feasible(p, b, beta):
    r"""``p``, or its mixture with the cheapest input, whose exact expected cost under
    :math:`\pi = p / \sum p` is at most ``beta``.

    The float64 sum ``p @ b`` can round to ``beta`` or below while the exact cost is a few ulps
    above it, and ``I(p)`` is a lower bound on :math:`C(\beta)` only for a feasible law. A law is
    kept when every input it uses costs at most ``beta``, or when :func:`capacity._rounding.mean_upper`
    (a rigorous upper bound on the cost) meets ``beta``; otherwise
    :math:`(1 - \lambda) p + \lambda e_c` (``c`` the cheapest input, ``b_c <= beta``), with
    :math:`\lambda` from the bound and doubled until the mixture passes; :math:`\lambda = 1` (the
    cheapest input alone) always does. :math:`I` is concave, so the mixture loses at most
    :math:`\lambda I(p)`.
    """
    cheapest = int(np.argmin(b))
    lam = 0.0
    for _ in range(64):
        pm = p if lam == 0.0 else (1.0 - lam) * p
        if lam:
            pm[cheapest] += lam
        if bool((b[pm > 0] <= beta).all()):
            return pm
        high = mean_upper(pm, b)
        if high <= beta:
            return pm
        step = (high - beta) / (high - float(b[cheapest]))
        lam = 1.0 if lam >= 0.5 else min(1.0, max(2.0 * lam, lam + 2.0 * step))
    pm = np.zeros_like(p)
    pm[cheapest] = 1.0
    return pm


class _CostState:
    """Best certified bounds seen so far for one budget."""

    def __init__(self, W, neg_h, b, beta):
        self.W, self.neg_h, self.b, self.beta = W, neg_h, b, beta
        self.lower, self.p = -math.inf, None
        self.upper, self.s_dual, self.q_dual = math.inf, 0.0, None

    def visit(self, p, extra_q=()):
        """Evaluate p: returns (I, cost); updates the bounds."""
        q = p @ self.W
        D = row_divergences(np, self.W, self.neg_h, q, p=p)
        info = max(0.0, float(bounds(np, p, D)[0]))
        cost = float(p @ self.b)
        # feasible: the rounded cost meets the budget, or every input p uses costs <= beta (then the
        # exact expected cost does, even when the float sum rounds a few ulps above beta)
        feasible = cost <= self.beta or bool((self.b[p > 0] <= self.beta).all())
        if feasible and info > self.lower:
            self.lower, self.p = info, p
        for qq in (q,) + tuple(extra_q):
            Dq = D if qq is q else row_divergences(np, self.W, self.neg_h, qq)
            up, s = _dual_bound(Dq, self.b, self.beta)
            if up < self.upper:
                self.upper, self.s_dual, self.q_dual = up, s, qq
        return info, cost

    def round_outward(self):
        """Recompute both bounds (nats) of the best p and (q, s) seen, rounded outward
        (:mod:`capacity._rounding`): lower = I(p), upper = s beta + max_x [D(W_x || q) - s b_x];
        p first made feasible in exact arithmetic (:func:`_surely_feasible`)."""
        self.p = _surely_feasible(self.p, self.b, self.beta)
        lower = outward_certificate(self.W[None], self.p[None])[0][0]
        self.lower = max(0.0, float(lower))  # I >= 0
        if self.q_dual is not None and math.isfinite(self.upper):
            sb = LD(self.s_dual) * self.b.astype(LD)  # within one long-double rounding: bonus_err
            top = LD(outward_max(self.W[None], self.q_dual[None], -sb[None], ULD * np.abs(sb))[0])
            up = top + LD(self.s_dual) * LD(self.beta)  # s, beta >= 0: two roundings of at most u' each
            self.upper = float(round_up(up + 4 * ULD * (abs(top) + LD(self.s_dual) * LD(self.beta))))

    @property
    def gap(self):
        return self.upper - self.lower


def _lagrange_ba(W, neg_h, b, s, p, tol, max_iter):
    """Blahut's iteration for max_p I(p;W) - s E_p b (nats): the solver core with the per-row
    bonus ``-s b`` (accelerated: safeguarded mirror descent and the interior-point polish), whose
    certificate max_x (D_x - s b_x) - (I(p) - s E b) <= tol is the s-problem's duality gap.
    The warm start ``p`` gets 1e-8 of the uniform law, so that every input is alive.
    Returns (p, iterations).
    """
    nx, ny = W.shape
    p = (1.0 - 1e-8) * p + 1e-8 / nx
    out, it = DRIVERS["numba"](np, W[None], (neg_h - s * b)[None], p[None], tol, max_iter, True,
                               _polish_bytes(W.shape))
    return out[0], int(it[0])


def _capacity_cost_one(W, neg_h, b, beta, tol, max_iter):
    """Certified C(beta) in nats: returns (state, slope_nats, iterations)."""
    nx = W.shape[0]
    st = _CostState(W, neg_h, b, beta)
    b_min = float(b.min())
    tol_n = tol * LN2
    iters = 0
    uniform = np.full(nx, 1.0 / nx)

    cheapest = np.zeros(nx)
    cheapest[int(np.argmin(b))] = 1.0
    st.visit(cheapest)  # always feasible: the lower bound is never -inf
    # edge: only minimum-cost inputs are affordable
    if beta <= b_min:  # exactly min(cost) (validated >= it); just above it, the general path
        rows = np.flatnonzero(b <= beta)  # the affordable inputs (b_min <= beta: never empty)
        sub = W[rows]
        p_sub, it = _lagrange_ba(sub, neg_h[rows], np.zeros(rows.size), 0.0,
                                 np.full(rows.size, 1.0 / rows.size), inner_tol(tol_n), max_iter - iters)
        iters += it
        p = np.zeros(nx)
        p[rows] = p_sub
        q = p @ W
        u = W.mean(axis=0)
        extra_q = [(1 - delta) * q + delta * u for delta in (1e-3, 1e-5, 1e-7, 1e-9, 1e-11, 1e-13)]
        st.visit(p, extra_q)
        return st, math.inf, iters

    inner = inner_tol(tol_n)
    p0, it = _lagrange_ba(W, neg_h, b, 0.0, uniform, inner, max_iter - iters)
    iters += it
    _, c0 = st.visit(p0)
    if c0 <= beta:
        return st, 0.0, iters

    # bracket the slope and bisect (cost(p(s)) is non-increasing in s) to a loose gap, then polish
    def solve(s, warm, tol_s, budget):
        p, it = _lagrange_ba(W, neg_h, b, s, warm, tol_s, budget)
        return p, p, it

    for loose in _POLISH_GAPS + (tol_n,):  # the last round is the plain bisection to tol
        s, iters = _slope_bisection(st, solve, lambda p, s=None: st.visit(p)[1], lambda p: float(p @ b), beta,
                                    1.0 / float(b.max() - b_min), (p0, c0), p0, max(loose, tol_n), iters,
                                    max_iter)
        if st.gap <= tol_n or iters >= max_iter:
            break
        iters += _cost_ipm(st, tol_n, min(_IPM_STEPS, max_iter - iters))
        if st.gap <= tol_n:
            s = st.s_dual  # the slope of the certifying upper bound: a multiplier to within the gap
            break
    return st, s, iters


# ============================================================================ capacity-cost API
def _polish_bytes(shape):
    """What either interior-point polish may use: the core's (gathered rows and their scaled copy,
    2 nx ny, and a (k x k) Newton matrix and factor; :func:`capacity._solver.polish_plan` fits its
    support into it) or _cost_polish's dense (k x k) matrix and factor, k <= min(nx, 4 ny) (see
    _cost_polish._solve_low_rank), float64."""
    nx, ny = shape
    return 8.0 * (2 * nx * ny + 2 * min(nx, 4 * ny) ** 2)


def _planned_bytes(shape, points=None):
    """Working memory of capacity_cost: four float64 copies of W plus one polish (_polish_bytes);
    for a curve of ``points`` budgets, also the budgets and each point's result (p and ten
    scalars), float64."""
    nx, ny = shape
    return 8.0 * 4 * nx * ny + _polish_bytes(shape) + (0 if points is None else 8.0 * points * (nx + 11))


def _check_inputs(W, cost, max_bytes, points=None):
    """(W, b) validated, after the size plan (:func:`_planned_bytes`), which comes before the float64
    copies that validation makes."""
    shape = shape_of(W)
    if len(shape) == 2:
        check_size(_planned_bytes(shape, points), DEFAULT_MAX_BYTES if max_bytes is None else max_bytes,
                   "capacity_cost" if points is None else "capacity_cost_curve")
    W = check_channel(W, "W", allow_batch=False)
    b = as_float_array(cost, "cost")
    if b.ndim != 1:
        raise ValueError(f"`cost` must be 1-D (n_inputs,); got shape {b.shape}")
    if b.shape[0] != W.shape[0]:
        raise ValueError(f"`cost` must have W.shape[0] = {W.shape[0]} entries; got {b.shape[0]}")
    check_nonnegative(b, "cost")
    return W, b


def capacity_cost(W, cost, budget, *, tol=1e-9, max_iter=100_000, max_bytes=None) -> CapacityResult:
    r"""Certified capacity under an input cost constraint, :math:`C(\beta)`.

    .. math::  C(\beta) = \max_{p:\ \sum_x p_x b_x \le \beta} I(p; W)

    Blahut's Lagrangian iteration maximises :math:`I(p;W) - s\,\mathbb{E}_p b` for a slope
    :math:`s \ge 0`; ``s`` is chosen by bisection on the budget to a loose gap, then an
    interior-point polish on the budget-constrained problem finishes (see Notes). Certificate (bits):
    ``lower = I(p; W)`` for the returned feasible ``p`` (``p @ cost <= budget``) and
    ``upper = min_s [s*budget + max_x (D(W_x || q) - s*cost_x)]`` for the best output law ``q``
    visited (weak duality; see the module docstring). Both are recomputed at the end with
    extended-precision sums and rounded outward (:mod:`capacity._rounding`), so they hold despite
    rounding, at about 1e-15 bits of width.

    Parameters
    ----------
    W : array_like (nx, ny)
        Channel matrix, rows summing to 1 within 1e-9, 4 ulps for float32.
    cost : array_like (nx,)
        Non-negative finite cost of each input letter.
    budget : float
        Budget :math:`\beta \ge \min_x b_x` on the expected cost.
    tol : float, default 1e-9
        Target certified gap ``upper - lower`` (bits).
    max_iter : int, default 100000
        Cap on the total number of Blahut iterations over all solves of the bisection, plus the
        polish's Newton steps.
    max_bytes : int, optional
        Refuse problems whose working arrays would exceed this (default 2 GiB).

    Returns
    -------
    CapacityResult
        ``capacity = lower``, ``p`` feasible, ``iterations`` (Blahut iterations summed over all
        solves, plus Newton steps),
        ``converged = gap <= tol``, ``backend = "numpy"``; ``extra`` holds ``budget``,
        ``expected_cost`` (of ``p``), ``slope`` (a Lagrange multiplier of the budget, bits per
        unit cost: the slope of the certifying upper bound when the polish finished, else the
        bisection's; ``inf`` at ``budget = min(cost)``) and ``dual_slope`` (the ``s`` of the
        upper bound).

    Raises
    ------
    TypeError
        non-real input.
    ValueError
        invalid ``W`` (as in :func:`capacity.blahut_arimoto`); ``cost`` of the wrong shape,
        negative or not finite; ``budget < min(cost)`` (infeasible) or not finite; ``tol <= 0``;
        ``max_iter < 1``; size over ``max_bytes``.

    Warns
    -----
    ConvergenceWarning
        when the certified gap is still above ``tol`` at the end (the bounds remain valid).

    Notes
    -----
    For a slope :math:`s` the inner problem :math:`\max_p I(p;W) - s\,\mathbb{E}_p b` is the solver
    core of :func:`capacity.blahut_arimoto` with the per-row bonus :math:`-s\,b_x`. Bisection on
    the slope alone crawls when the budget sits where the optimal input law is not unique (a face
    of optimal laws at the critical slope, e.g. more inputs than outputs; :math:`C(\beta)` is
    linear there) or at a kink of :math:`C(\beta)`, so it only runs to a certified gap of 1e-2
    nats; then an interior-point polish (Newton on :math:`I(p;W) + \tau \sum_x \log p_x` under
    :math:`\sum p = 1`, :math:`b \cdot p = \beta`, in the scaled variable
    :math:`d = p \odot \tilde d`, :math:`\tau \to 0`; Woodbury's identity when there are many
    more inputs than outputs) certifies ``tol``. The certificate gets two cheap helpers: the
    iterate with masses below 1e-6 max p removed (for the lower bound, whose error is second
    order in the law) and the output law whose dual scores :math:`D(W_x\|q) - s b_x` are level
    on that support (linear in :math:`\log q` once the level is absorbed: one least-squares
    solve), since :math:`q = pW` is only first-order accurate. A polish that does not certify
    hands back to the bisection at 1e-5 nats, then at ``tol``. Every bound is recomputed from
    the returned ``p`` and from an output law ``q`` by the duality bound above, never taken
    from a solver's claim. The returned ``p`` meets the budget in exact arithmetic, not only in
    float64: its cost under ``p / sum(p)`` is bounded above rigorously, and where that bound
    exceeds ``budget`` the cheapest input is mixed in (costing at most about ``1e-16`` relative of
    the lower bound, as :math:`I` is concave).

    References
    ----------
    R. E. Blahut, "Computation of channel capacity and rate-distortion functions",
    IEEE Trans. IT 18 (1972) 460–473, §III (capacity with input constraints);
    R. J. McEliece, *The Theory of Information and Coding*, 2nd ed., 2002, §2.5 (capacity–cost function).

    Examples
    --------
    >>> from capacity.channels import bsc
    >>> res = capacity_cost(bsc(0.0), [0.0, 1.0], 0.5)   # budget inactive: 1 bit
    >>> round(res.capacity, 9), res.converged
    (1.0, True)
    >>> res = capacity_cost(bsc(0.0), [0.0, 1.0], 0.25)  # P(X=1) <= 1/4: h(1/4) bits
    >>> round(res.capacity, 9), res.gap <= 1e-9
    (0.811278124, True)
    """
    like = W  # output follows input
    W, b = _check_inputs(W, cost, max_bytes)
    beta = check_real(budget, "budget")
    if beta < float(b.min()):
        raise ValueError(f"`budget` must be >= min(cost) = {float(b.min())!r} (otherwise no input law is "
                         f"feasible); got {beta!r}")
    tol, max_iter = _check_common(tol, max_iter)
    neg_h = neg_entropy_rows(np, W)
    st, s, iters = _capacity_cost_one(W, neg_h, b, beta, tol, max_iter)
    st.round_outward()
    lower, upper, converged = certified_bits(st, tol, max_iter, "capacity_cost", stacklevel=2)
    extra = {"budget": beta, "expected_cost": float(st.p @ b), "slope": s / LN2,
             "dual_slope": st.s_dual / LN2}
    return result_like(CapacityResult(lower, st.p, lower, upper, iters, bool(converged), "numpy", extra), like,
                       bounds=("capacity", "lower", "upper"))


def capacity_cost_curve(W, cost, budgets, *, tol=1e-9, max_iter=100_000, max_bytes=None) -> CapacityResult:
    r"""The capacity–cost function :math:`C(\beta)` at several budgets (certified at each).

    Calls :func:`capacity_cost` for each budget; :math:`C` is non-decreasing and concave in
    :math:`\beta` (Blahut 1972; McEliece 2002, Thm 2.5).

    Parameters
    ----------
    W : array_like (nx, ny)
        Channel matrix.
    cost : array_like (nx,)
        Non-negative input costs.
    budgets : array_like (K,)
        Budgets, each ``>= min(cost)``.
    tol, max_iter, max_bytes
        As in :func:`capacity_cost`.

    Returns
    -------
    CapacityResult
        Every field with a leading K axis (``p`` is (K, nx)); ``extra`` holds arrays
        ``budget``, ``expected_cost``, ``slope``, ``dual_slope``.

    Raises
    ------
    TypeError, ValueError
        as :func:`capacity_cost`; ``budgets`` not 1-D, empty or not finite.

    Warns
    -----
    ConvergenceWarning
        once, when some budget did not reach ``tol``.

    References
    ----------
    Blahut (1972), §III; McEliece (2002), §2.5.

    Examples
    --------
    >>> from capacity.channels import bsc
    >>> res = capacity_cost_curve(bsc(0.0), [0.0, 1.0], [0.0, 0.5, 1.0])
    >>> np.round(res.capacity, 9).tolist()
    [0.0, 1.0, 1.0]
    """
    W_given = W
    W, b = _check_inputs(W, cost, max_bytes, points=curve_points(budgets))
    betas = check_targets(budgets, "budgets")
    if betas.min() < b.min():
        raise ValueError(f"`budgets` must all be >= min(cost) = {float(b.min())!r}; got {float(betas.min())!r}")
    tol, max_iter = _check_common(tol, max_iter)
    # each point is validated again at the input's own dtype: the float64 copy W of a float32 input
    # has rows off 1 by up to 4 float32 ulps, which float64's tolerance would refuse
    W_in = to_numpy(W_given)
    results = _solve_each(lambda beta: capacity_cost(W_in, b, beta, tol=tol, max_iter=max_iter, max_bytes=max_bytes),
                          betas, "capacity_cost_curve", "budgets", tol)
    res = stack_results(results, backend="numpy",
                        extra={k: np.array([r.extra[k] for r in results]) for k in results[0].extra})
    return result_like(res, W_given, bounds=("capacity", "lower", "upper"))  # output follows input


