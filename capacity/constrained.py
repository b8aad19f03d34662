r"""Certified cost-constrained capacity and rate–distortion functions (Blahut 1972).

Both are computed by Blahut's Lagrangian iterations for a slope ``s``, a bisection on ``s`` to
meet the budget / distortion, and a *certificate* that holds at any iterate:

* capacity–cost :math:`C(\beta) = \max_{p:\,\mathbb{E}_p b \le \beta} I(p; W)`:
  lower bound :math:`I(p; W)` of a feasible ``p`` (a mixture of the two bisection end points
  meets the budget exactly; :math:`I` is concave, so the mixture is at least as good as the
  chord), upper bound from weak duality: for every :math:`s \ge 0` and output law :math:`q`,

  .. math:: C(\beta) \le s\beta + \max_x \big[D(W_x \| q) - s\, b_x\big]

  (because :math:`I(p;W) = \sum_x p_x D(W_x\|q) - D(pW\|q)`); we minimise the right side over
  :math:`s` exactly for each ``q`` we visit (a convex piecewise-linear function of ``s``).

* rate–distortion :math:`R(D) = \min_{Q:\,\mathbb{E}\,d \le D} I(X; \hat X)`: upper bound
  :math:`I(p; Q)` of a test channel with distortion :math:`\le D`; lower bound (Blahut 1972,
  Thm 2; Csiszár 1974): for every :math:`s \ge 0` and every output law :math:`r`,

  .. math:: R(D) \ge -s D - \sum_x p_x \log \sum_{\hat x} r_{\hat x} e^{-s d(x,\hat x)}
            - \log \max_{\hat x} c_{\hat x},\qquad
            c_{\hat x} = \sum_x \frac{p_x e^{-s d(x,\hat x)}}{\sum_{\hat x'} r_{\hat x'} e^{-s d(x,\hat x')}}.

Slopes ``s`` are reported in bits per unit of cost / distortion.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boolean._validate import check_finite, check_int, check_real, check_size

from ._result import CapacityResult, ConvergenceWarning, _CertifiedGap, stack_results
from ._validate import _as_float_array, check_channel, check_distribution, check_nonnegative
from .information import _mi_from_divergences, _neg_entropy_rows, _row_divergences

__all__ = ["capacity_cost", "capacity_cost_curve", "rate_distortion", "rate_distortion_curve",
           "RateDistortionResult"]

LN2 = math.log(2.0)
_LOG_FLOOR = -100.0  # exp(-100) ~ 4e-44: no denormals, and a dropped input can come back quickly
DEFAULT_MAX_BYTES = 2 * 2**30
_MAX_BISECT = 200
_NEWTON_EVERY = 10    # a Newton polish on the support every this many mirror steps
_NEWTON_MAX_N = 400   # ... when the alphabet is at most this large (the KKT solve is cubic)


@dataclass(frozen=True)
class RateDistortionResult(_CertifiedGap):
    """Certified rate–distortion point (bits).

    Attributes
    ----------
    rate : float or ndarray
        The rate reported: ``upper``, achieved by the test channel ``Q`` at distortion
        ``distortion``.
    distortion : float or ndarray
        The distortion ``D`` the bounds refer to (the requested ``D``, or the test
        channel's distortion when a slope was given).
    lower, upper : float or ndarray
        Certified bounds ``lower <= R(distortion) <= upper`` (bits).
    Q : ndarray (nx, nz) or (K, nx, nz)
        Test channel ``Q[x, z] = P(X̂ = z | X = x)`` with ``E d <= distortion`` and ``I(p; Q) = upper``.
    slope : float or ndarray
        The Lagrange slope ``s`` (bits per unit distortion) of the last Blahut solve;
        ``inf`` on the ``D = D_min`` edge, ``0`` when ``R(D) = 0``.
    iterations : int or ndarray
        Blahut iterations, summed over the bisection.
    converged : bool or ndarray
        Whether ``upper - lower <= tol``.
    extra : dict
        Details (e.g. ``d_min``, ``d_max``).
    """

    rate: Any
    distortion: Any
    lower: Any
    upper: Any
    Q: np.ndarray
    slope: Any
    iterations: Any
    converged: Any
    extra: dict = field(default_factory=dict, compare=False)


# ============================================================================ validation helpers
def _check_cost(cost, nx):
    b = _as_float_array(cost, "cost")
    if b.ndim != 1:
        raise ValueError(f"`cost` must be 1-D (n_inputs,); got shape {b.shape}")
    if b.shape[0] != nx:
        raise ValueError(f"`cost` must have W.shape[0] = {nx} entries; got {b.shape[0]}")
    check_nonnegative(b, "cost")
    return b


def _check_common(tol, max_iter):
    tol = check_real(tol, "tol", low=0.0, low_open=True)
    max_iter = check_int(max_iter, "max_iter", low=1)
    return tol, max_iter


# ============================================================================ capacity-cost kernels
def _dual_bound(D, b, beta):
    """min over s >= 0 of  s*beta + max_x (D_x - s b_x)  (nats) and the minimising s.

    f(s) = max_x (D_x + s (beta - b_x)) is convex piecewise linear; its minimiser lies in
    [0, s_max] with s_max = (max D - min D) / min_{b_x != beta} |b_x - beta| (the minimiser is
    where a line of slope >= 0 meets one of slope <= 0). Golden-section search is exact enough:
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
    gaps = np.abs(slope[slope != 0])
    s_max = (float(D.max() - D.min()) + 1.0) / float(gaps.min())
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


class _CostState:
    """Best certified bounds seen so far for one budget."""

    def __init__(self, W, neg_h, b, beta):
        self.W, self.neg_h, self.b, self.beta = W, neg_h, b, beta
        self.lower, self.p = -math.inf, None
        self.upper, self.s_dual = math.inf, 0.0

    def visit(self, p, extra_q=()):
        """Evaluate p: returns (I, cost); updates the bounds."""
        q = p @ self.W
        D = _row_divergences(self.W, q, self.neg_h)
        info = _mi_from_divergences(p, D)
        cost = float(p @ self.b)
        if cost <= self.beta and info > self.lower:
            self.lower, self.p = info, p
        for qq in (q,) + tuple(extra_q):
            Dq = D if qq is q else _row_divergences(self.W, qq, self.neg_h)
            up, s = _dual_bound(Dq, self.b, self.beta)
            if up < self.upper:
                self.upper, self.s_dual = up, s
        return info, cost

    @property
    def gap(self):
        return self.upper - self.lower


def _newton_direction(grad, hess, support):
    """Newton direction on the face {sum_S delta = 0} for maximising a concave function.

    ``hess(idx)`` returns the Hessian block H[idx, idx] (only the support is ever formed).

    Solves [[H_SS, 1], [1^T, 0]] [delta; lam] = [-grad_S; 0] (least squares: H may be singular);
    entries outside ``support`` stay 0.
    """
    idx = np.flatnonzero(support)
    k = idx.size
    K = np.zeros((k + 1, k + 1))
    K[:k, :k] = hess(idx)
    K[:k, k] = 1.0
    K[k, :k] = 1.0
    rhs = np.concatenate([-grad[idx], [0.0]])
    sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
    delta = np.zeros(grad.shape[0])
    delta[idx] = sol[:k]
    delta[idx] -= delta[idx].mean()  # exact sum zero
    return delta


def _newton_polish(x, obj, evaluate, grad, hess, shrink=0.01):
    """One safeguarded projected-Newton step for a concave maximisation over the simplex.

    ``evaluate(x) -> (objective, state)``. The support is ``x > 1e-9 max(x)`` (smaller entries are
    held fixed); a trial point ``max(x + t delta, shrink * x)`` (renormalised; no exact zeros, so
    multiplicative updates can still revive an entry) is accepted when the objective increases,
    halving ``t`` up to 8 times. Returns (x, objective, state) or None when no step helps.
    """
    support = x > 1e-9 * x.max()
    if support.sum() < 2:
        return None
    delta = _newton_direction(grad, hess, support)
    t = 1.0
    for _ in range(8):
        new = np.maximum(x + t * delta, shrink * x)
        new /= new.sum()
        val, state = evaluate(new)
        if val > obj:
            return new, val, state
        t *= 0.5
    return None


def _lagrange_ba(W, neg_h, b, s, p, tol, max_iter):
    """Blahut's iteration for max_p I(p;W) - s E_p b (nats), with a safeguarded larger step.

    Step: p <- p exp(mu (D(W_x || pW) - s b_x)), normalised; mu = 1 is Blahut's step, which never
    decreases the objective; larger mu is kept only while it increases it. Every
    ``_NEWTON_EVERY`` steps a safeguarded Newton step on the current support (Hessian
    -W diag(1/q) W^T) is tried and kept only if it increases the objective. Stops when
    max_x (D_x - s b_x) - (I(p) - s E b) <= tol (the s-problem's duality gap).
    Returns (p, iterations).
    """
    nx = p.size
    every = next_newton = _NEWTON_EVERY
    p = (1.0 - 1e-8) * p + 1e-8 / nx  # a warm start keeps every input alive
    logp = np.log(p)
    mu = 1.0
    q = p @ W
    D = _row_divergences(W, q, neg_h)
    g = D - s * b
    obj = float(np.dot(p, g))
    it = 0
    while it < max_iter:
        if float(np.max(g)) - obj <= tol:
            break
        it += 1
        while True:
            new_logp = logp + mu * (g - np.max(g))
            new_logp -= np.log(np.sum(np.exp(new_logp - new_logp.max()))) + new_logp.max()
            new_logp = np.maximum(new_logp, _LOG_FLOOR)
            new_p = np.exp(new_logp)
            new_p /= new_p.sum()
            new_D = _row_divergences(W, new_p @ W, neg_h)
            new_g = new_D - s * b
            new_obj = float(np.dot(new_p, new_g))
            if mu == 1.0 or new_obj >= obj:
                break
            mu = 1.0
        logp, p, g, obj = new_logp, new_p, new_g, new_obj
        mu = min(mu * 1.5, 64.0) if mu >= 1.0 else 1.0
        if it >= next_newton and nx <= _NEWTON_MAX_N:
            q = p @ W
            pos = q > 0
            scale = 1.0 / np.sqrt(q[pos])

            def hess(idx):  # Hessian block of I(p; W) in nats: -W diag(1/q) W^T
                Wn = W[np.ix_(idx, np.flatnonzero(pos))] * scale[None, :]
                return -(Wn @ Wn.T)

            def evaluate(x):
                gx = _row_divergences(W, x @ W, neg_h) - s * b
                return float(np.dot(x, gx)), gx

            step = _newton_polish(p, obj, evaluate, g, hess)
            if step is not None:
                p, obj, g = step
                logp = np.log(np.maximum(p, math.exp(_LOG_FLOOR)))
                every = _NEWTON_EVERY
            else:  # back off while Newton does not help (e.g. the support is still moving)
                every = min(2 * every, 16 * _NEWTON_EVERY)
            next_newton = it + every
    return p, it


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
    if beta <= b_min + 1e-12 * max(1.0, abs(b_min)):
        rows = np.flatnonzero(b <= beta + 1e-12 * max(1.0, abs(b_min)))
        sub = W[rows]
        p_sub, it = _lagrange_ba(sub, neg_h[rows], np.zeros(rows.size), 0.0,
                                 np.full(rows.size, 1.0 / rows.size), tol_n / 4, max_iter - iters)
        iters += it
        p = np.zeros(nx)
        p[rows] = p_sub
        q = p @ W
        u = W.mean(axis=0)
        extra_q = [(1 - delta) * q + delta * u for delta in (1e-3, 1e-5, 1e-7, 1e-9, 1e-11, 1e-13)]
        st.visit(p, extra_q)
        return st, math.inf, iters

    inner = tol_n / 4
    p0, it = _lagrange_ba(W, neg_h, b, 0.0, uniform, inner, max_iter - iters)
    iters += it
    _, c0 = st.visit(p0)
    if c0 <= beta:
        return st, 0.0, iters

    # bracket the slope and bisect: cost(p(s)) is non-increasing in s
    def solve(s, warm, inner_tol, budget):
        p, it = _lagrange_ba(W, neg_h, b, s, warm, inner_tol, budget)
        return p, p, it

    s, iters = _slope_bisection(st, solve, lambda p, s=None: st.visit(p)[1], lambda p: float(p @ b), beta,
                                1.0 / float(b.max() - b_min), (p0, c0), p0, tol_n, iters, max_iter)
    return st, s, iters


def _slope_bisection(st, solve, visit, measure, target, s_start, hi, warm, tol_n, iters, max_iter):
    """Find the Lagrange slope whose solution meets ``target``, certifying every point on the way.

    Shared by capacity–cost (measure = expected cost) and rate–distortion (measure = distortion):
    the measure of the slope-``s`` solution does not increase with ``s``. ``solve(s, warm, tol,
    budget) -> (point, warm, iterations)`` solves at slope ``s`` from a warm start;
    ``visit(point, s=None) -> measure`` records the point in ``st`` (whose ``gap`` is the
    certified gap, nats); ``measure(point)`` only evaluates. ``hi = (point, measure)`` is the
    ``s = 0`` end, above ``target``; ``warm`` the warm start for the first solve.

    Brackets by ``s *= 4`` from ``s_start`` (rough solves far from the answer: the tolerance
    tightens with the gap), then bisects. After each step the mixture of the two end points that
    meets ``target`` exactly is visited (the objective is concave along the chord, so the mixture
    is at least as good). A collapsed bracket is re-solved tightly at its upper end (a rough solve
    may have put it on the wrong side), at most 4 times. Returns (slope, iterations): the bracket's
    midpoint, or the last bracketing slope when ``max_iter`` ran out before a bracket was found.
    """
    s_lo, (pt_hi, m_hi) = 0.0, hi
    s = s_start
    lo = None  # (point, measure, warm) at s_hi, the end meeting the target
    for _ in range(80):
        if iters >= max_iter:
            break
        pt, w, its = solve(s, warm, max(tol_n / 4, min(1e-3, 0.01 * st.gap)), max_iter - iters)
        iters += its
        m = visit(pt, s)
        if m <= target:
            s_hi, lo = s, (pt, m, w)
            break
        s_lo, pt_hi, m_hi, warm = s, pt, m, w
        s *= 4.0
    if lo is None:  # iteration budget spent while bracketing
        return s, iters

    def mix():
        # the mixture meeting the target exactly; nudged toward the feasible end if rounding overshoots
        pt_lo, m_lo, _ = lo
        if m_hi - m_lo > 0:
            lam = (m_hi - target) / (m_hi - m_lo)
            for _ in range(3):
                pm = lam * pt_lo + (1.0 - lam) * pt_hi
                over = measure(pm) - target
                if over <= 0 or lam >= 1.0:
                    break
                lam = min(1.0, lam + over / (m_hi - m_lo) + 4e-16)
            visit(pm)

    mix()
    rechecks = 0
    for _ in range(_MAX_BISECT):
        if st.gap <= tol_n or iters >= max_iter:
            break
        if s_hi - s_lo <= 1e-13 * s_hi:
            # collapsed: a rough solve may have put s_hi on the wrong side; re-solve it tightly
            if rechecks >= 4:
                break
            rechecks += 1
            pt, w, its = solve(s_hi, lo[2], tol_n / 4, max_iter - iters)
            iters += its
            m = visit(pt, s_hi)
            if m <= target:
                lo = (pt, m, w)
                mix()
                break
            s_lo, pt_hi, m_hi = s_hi, pt, m
            s_hi = 2.0 * s_hi
            pt, w, its = solve(s_hi, w, tol_n / 4, max_iter - iters)
            iters += its
            m = visit(pt, s_hi)
            lo = (pt, m, w)
            if m > target:  # pragma: no cover - the measure decreases with the slope
                break
            mix()
            continue
        s_mid = 0.5 * (s_lo + s_hi)
        pt, w, its = solve(s_mid, lo[2], max(tol_n / 4, min(1e-3, 0.01 * st.gap)), max_iter - iters)
        iters += its
        m = visit(pt, s_mid)
        if m <= target:
            s_hi, lo = s_mid, (pt, m, w)
        else:
            s_lo, pt_hi, m_hi = s_mid, pt, m
        mix()
    return 0.5 * (s_lo + s_hi), iters


# ============================================================================ capacity-cost API
def capacity_cost(W, cost, budget, *, tol=1e-9, max_iter=100_000, max_bytes=None) -> CapacityResult:
    r"""Certified capacity under an input cost constraint, :math:`C(\beta)`.

    .. math::  C(\beta) = \max_{p:\ \sum_x p_x b_x \le \beta} I(p; W)

    Blahut's Lagrangian iteration maximises :math:`I(p;W) - s\,\mathbb{E}_p b` for a slope
    :math:`s \ge 0`; ``s`` is chosen by bisection on the budget. Certificate (bits):
    ``lower = I(p; W)`` for the returned feasible ``p`` (``p @ cost <= budget``) and
    ``upper = min_s [s*budget + max_x (D(W_x || q) - s*cost_x)]`` for the best output law ``q``
    visited (weak duality; see the module docstring).

    Parameters
    ----------
    W : array_like (nx, ny)
        Channel matrix, rows summing to 1 within 1e-9.
    cost : array_like (nx,)
        Non-negative finite cost of each input letter.
    budget : float
        Budget :math:`\beta \ge \min_x b_x` on the expected cost.
    tol : float, default 1e-9
        Target certified gap ``upper - lower`` (bits).
    max_iter : int, default 100000
        Cap on the total number of Blahut iterations, over all solves of the bisection.
    max_bytes : int, optional
        Refuse problems whose working arrays would exceed this (default 2 GiB).

    Returns
    -------
    CapacityResult
        ``capacity = lower``, ``p`` feasible, ``iterations`` summed over all solves,
        ``converged = gap <= tol``, ``backend = "numpy"``; ``extra`` holds ``budget``,
        ``expected_cost`` (of ``p``), ``slope`` (the bisection's Lagrange slope, bits per
        unit cost; ``inf`` at ``budget = min(cost)``) and ``dual_slope`` (the ``s`` of the
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
    Known slow case: when the budget sits at a kink of :math:`C(\beta)` and the optimal input
    set is not unique (more inputs in the support than outputs, so :math:`I` is flat along some
    directions), the inner solves near the critical slope converge slowly; the call then stops at
    ``max_iter`` total iterations with a gap of about 1e-7 bits and a ConvergenceWarning.

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
    W = check_channel(W, "W", allow_batch=False)
    b = _check_cost(cost, W.shape[0])
    beta = check_real(budget, "budget")
    if beta < float(b.min()):
        raise ValueError(f"`budget` must be >= min(cost) = {float(b.min())!r} (otherwise no input law is "
                         f"feasible); got {beta!r}")
    tol, max_iter = _check_common(tol, max_iter)
    check_size(8.0 * W.size * 6, DEFAULT_MAX_BYTES if max_bytes is None else max_bytes, "capacity_cost")
    neg_h = _neg_entropy_rows(W)
    st, s, iters = _capacity_cost_one(W, neg_h, b, beta, tol, max_iter)
    lower, upper = st.lower / LN2, max(st.upper, st.lower) / LN2
    converged = upper - lower <= tol
    if not converged:
        warnings.warn(f"capacity_cost: certified gap {upper - lower:.3g} bits > tol={tol:g} "
                      f"(max_iter={max_iter}); bounds remain valid", ConvergenceWarning, stacklevel=2)
    extra = {"budget": beta, "expected_cost": float(st.p @ b), "slope": s / LN2,
             "dual_slope": st.s_dual / LN2}
    return CapacityResult(lower, st.p, lower, upper, iters, bool(converged), "numpy", extra)


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
    W = check_channel(W, "W", allow_batch=False)
    b = _check_cost(cost, W.shape[0])
    betas = _as_float_array(budgets, "budgets")
    if betas.ndim != 1 or betas.size == 0:
        raise ValueError(f"`budgets` must be a non-empty 1-D array; got shape {betas.shape}")
    check_finite(betas, "budgets")
    if betas.min() < b.min():
        raise ValueError(f"`budgets` must all be >= min(cost) = {float(b.min())!r}; got {float(betas.min())!r}")
    tol, max_iter = _check_common(tol, max_iter)
    results = _solve_each(lambda beta: capacity_cost(W, b, beta, tol=tol, max_iter=max_iter, max_bytes=max_bytes),
                          betas, "capacity_cost_curve", "budgets", tol)
    return stack_results(results, backend="numpy",
                          extra={k: np.array([r.extra[k] for r in results]) for k in results[0].extra})


def _solve_each(solve, targets, caller, what, tol):
    """``[solve(t) for t in targets]`` with one ConvergenceWarning (from ``caller``) for the lot."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        results = [solve(float(t)) for t in targets]
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        bad = sum(not r.converged for r in results)
        warnings.warn(f"{caller}: {bad} of {len(results)} {what} did not reach tol={tol:g}; "
                      "bounds remain valid", ConvergenceWarning, stacklevel=3)
    return results


# ============================================================================ rate-distortion kernels
def _logsumexp_rows(M):
    m = M.max(axis=1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return (m + np.log(np.exp(M - m).sum(axis=1, keepdims=True)))[:, 0]


def _rd_state(p, px, A, log_r):
    """logZ_x = log sum_z r_z e^{A_xz}; log c_z = log sum_x p_x e^{A_xz} / Z_x; phi = -sum p log Z."""
    logZ = _logsumexp_rows(log_r[None, :] + A)
    with np.errstate(divide="ignore"):
        L = np.log(p[px])[:, None] + A[px] - logZ[px, None]
    lm = L.max(axis=0)
    lm_safe = np.where(np.isfinite(lm), lm, 0.0)
    with np.errstate(divide="ignore"):
        log_c = lm_safe + np.log(np.exp(L - lm_safe).sum(axis=0))
    return logZ, log_c, -float(p[px] @ logZ[px])


def _rd_blahut(p, A, log_r, tol, max_iter):
    """Blahut's rate-distortion iteration for a fixed log-kernel A = -s (d - d_min(x)) (nats).

    Q(z|x) = r_z e^{A_xz} / Z_x,  c_z = sum_x p_x e^{A_xz} / Z_x,  r <- r c (Blahut's step).
    The Lagrangian F = min_Q I + s (E d - D_min) = min_r phi(r), phi(r) = -sum_x p_x log Z_x(r),
    lies in [lower_s, upper_s] with upper_s = -sum p log Z - sum_z r'_z log c_z (the value of
    the current Q, r' = r c its output law) and lower_s = -sum p log Z - log max c; stops when
    upper_s - lower_s <= tol. A longer multiplicative step r <- r c^mu (mu up to 64) is kept
    only while it decreases phi (Blahut's step mu = 1 always does); every ``_NEWTON_EVERY``
    steps a safeguarded Newton step on the support of r is tried and kept if phi decreases.
    Returns (log_r, logZ, log_c, iterations).
    """
    it = 0
    px = p > 0
    every = next_newton = _NEWTON_EVERY
    # a warm start keeps every allowed letter alive (a floored letter would climb back slowly)
    alive0 = np.isfinite(log_r)
    with np.errstate(divide="ignore"):
        log_r = np.where(alive0, np.log((1.0 - 1e-8) * np.exp(np.where(alive0, log_r, 0.0))
                                        + 1e-8 / max(int(alive0.sum()), 1)), -np.inf)
    logZ, log_c, phi = _rd_state(p, px, A, log_r)
    mu = 1.0
    K = None
    while True:
        alive = np.isfinite(log_r) & np.isfinite(log_c)
        r_new = np.exp(np.where(alive, log_r + np.where(alive, log_c, 0.0), -np.inf))
        gap = float(log_c[alive].max()) - float(np.dot(r_new[alive], log_c[alive]))
        if gap <= tol or it >= max_iter:
            return log_r, logZ, log_c, it
        it += 1
        while True:
            step = np.where(alive, log_r + mu * np.where(alive, log_c, 0.0), -np.inf)
            m = step[alive].max()
            step = step - (m + math.log(np.exp(step[alive] - m).sum()))
            step = np.where(np.isfinite(step), np.maximum(step, _LOG_FLOOR), -np.inf)
            new = _rd_state(p, px, A, step)
            if mu == 1.0 or new[2] <= phi:
                break
            mu = 1.0
        log_r = step
        logZ, log_c, phi = new
        mu = min(mu * 1.5, 64.0)
        if it >= next_newton and A.shape[1] <= _NEWTON_MAX_N:
            if K is None:
                K = np.exp(A[px])  # e^{-inf} = 0 where a letter is forbidden
            r = np.exp(log_r)
            wts = np.sqrt(p[px]) / np.exp(logZ[px])

            def hess(idx):  # Hessian block of sum_x p_x log Z_x(r): -K^T diag(p/Z^2) K
                Kn = K[:, idx] * wts[:, None]
                return -(Kn.T @ Kn)

            def evaluate(x):
                with np.errstate(divide="ignore"):
                    lx = np.log(x)
                state = _rd_state(p, px, A, lx)
                return -state[2], (lx, state)

            res = _newton_polish(r, -phi, evaluate, np.exp(log_c), hess)
            if res is not None:
                _, _, (lx, (logZ, log_c, phi)) = res
                if (lx < _LOG_FLOOR).any():  # keep (log_r, logZ, log_c) consistent after flooring
                    lx = np.where(np.isfinite(lx), np.maximum(lx, _LOG_FLOOR), -np.inf)
                    logZ, log_c, phi = _rd_state(p, px, A, lx)
                log_r = lx
                every = _NEWTON_EVERY
            else:
                every = min(2 * every, 16 * _NEWTON_EVERY)
            next_newton = it + every


class _RDState:
    """Best certified R(D) bounds seen so far (nats) for one target D."""

    def __init__(self, p, d, d_min_x, D):
        self.p, self.d, self.d_min_x, self.D = p, d, d_min_x, D
        self.D_min = float(p @ d_min_x)
        self.lower, self.upper = 0.0, math.inf   # R(D) >= 0 always
        self.Q = None
        self.s = 0.0

    def test_channel(self, log_r, A):
        M = log_r[None, :] + A
        logZ = _logsumexp_rows(M)
        Q = np.exp(M - logZ[:, None])
        return Q / Q.sum(axis=1, keepdims=True)

    def rate(self, Q):
        out = self.p @ Q
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(Q > 0, Q * (np.log(Q) - np.log(np.where(out > 0, out, 1.0))[None, :]), 0.0)
        return max(0.0, float(self.p @ terms.sum(axis=1)))

    def distortion(self, Q):
        return float(self.p @ (Q * self.d).sum(axis=1))

    def visit_Q(self, Q, s=None):
        rate, dist = self.rate(Q), self.distortion(Q)
        if dist <= self.D and rate < self.upper:
            self.upper, self.Q = rate, Q
            if s is not None:
                self.s = s
        return rate, dist

    def visit_lower(self, s, logZ, log_c):
        lc = log_c[np.isfinite(log_c)]
        pz = self.p > 0
        lower = (-(s * (self.D - self.D_min) if np.isfinite(s) else 0.0)
                 - float(self.p[pz] @ logZ[pz]) - float(lc.max()))
        self.lower = max(self.lower, lower)

    @property
    def gap(self):
        return self.upper - self.lower


def _rd_solve_slope(st, s, log_r, tol, max_iter):
    """One Blahut solve at slope s (nats/unit); updates the lower bound; returns (Q, log_r, its)."""
    A = -s * (st.d - st.d_min_x[:, None])
    log_r, logZ, log_c, its = _rd_blahut(st.p, A, log_r, tol, max_iter)
    st.visit_lower(s, logZ, log_c)
    Q = st.test_channel(log_r, A)
    return Q, log_r, its


def _rd_one(p, d, D, tol, max_iter):
    """Certified R(D) (nats) for one D; returns (state, iterations)."""
    nz = d.shape[1]
    d_min_x = d.min(axis=1)
    st = _RDState(p, d, d_min_x, D)
    tol_n = tol * LN2
    col = p @ d
    D_max = float(col.min())
    z_star = int(np.argmin(col))
    Q_const = np.zeros_like(d)
    Q_const[:, z_star] = 1.0
    if D >= D_max:
        st.visit_Q(Q_const, 0.0)
        st.lower = 0.0
        return st, 0
    iters = 0
    Q_min = np.zeros_like(d)   # x -> its least-distortion letter: always feasible (E d = D_min)
    Q_min[np.arange(d.shape[0]), np.argmin(d, axis=1)] = 1.0
    st.visit_Q(Q_min, math.inf)
    log_r0 = np.full(nz, -math.log(nz))
    span = float((d - d_min_x[:, None]).max())
    if D <= st.D_min + 1e-12 * max(1.0, span):
        # the D_min edge (s = inf): Q may only use each x's minimum-distortion letters
        A = np.where(d <= d_min_x[:, None] + 1e-12 * max(1.0, span), 0.0, -np.inf)
        log_r, logZ, log_c, its = _rd_blahut(p, A, log_r0, tol_n / 2, max_iter - iters)
        iters += its
        st.visit_lower(math.inf, logZ, log_c)
        st.visit_Q(st.test_channel(log_r, A), math.inf)
        return st, iters

    # bracket and bisect the slope; s = 0 stands for the constant test channel (distortion D_max > D)
    def solve(s, warm, inner_tol, budget):
        return _rd_solve_slope(st, s, warm, inner_tol, budget)

    _, iters = _slope_bisection(st, solve, lambda Q, s=None: st.visit_Q(Q, s)[1], st.distortion, D,
                                1.0 / span, (Q_const, D_max), log_r0, tol_n, iters, max_iter)
    return st, iters


def _check_rd_inputs(p, d, max_bytes):
    p = check_distribution(p, "p")
    d = _as_float_array(d, "d")
    if d.ndim != 2:
        raise ValueError(f"`d` must be 2-D (n_source, n_reproduction); got shape {d.shape}")
    if d.size == 0:
        raise ValueError(f"`d` must be non-empty; got shape {d.shape}")
    if d.shape[0] != p.shape[0]:
        raise ValueError(f"`d` must have len(p) = {p.shape[0]} rows; got shape {d.shape}")
    check_nonnegative(d, "d")
    check_size(8.0 * d.size * 8, DEFAULT_MAX_BYTES if max_bytes is None else max_bytes, "rate_distortion")
    return p, d


# ============================================================================ rate-distortion API
def rate_distortion(p, d, D=None, *, slope=None, tol=1e-9, max_iter=100_000,
                    max_bytes=None) -> RateDistortionResult:
    r"""Certified rate–distortion function :math:`R(D)` of a finite source (Blahut's algorithm).

    .. math::  R(D) = \min_{Q:\ \sum_{x,z} p_x Q_{xz} d(x,z) \le D} I(p; Q)

    For a slope :math:`s \ge 0` Blahut's iteration minimises :math:`I(p;Q) + s\,\mathbb{E}d`
    (:math:`Q_{xz} \propto r_z e^{-s d(x,z)}`, :math:`r \leftarrow pQ`). Given ``D``, ``s`` is found
    by bisection and the two end points are mixed to meet ``D`` exactly (:math:`I` is convex in
    :math:`Q`). Certificate (bits):

    * upper: :math:`I(p; Q)` of the returned test channel, whose distortion is :math:`\le D`;
    * lower: for every :math:`s \ge 0` and output law :math:`r`,
      :math:`R(D) \ge -sD - \sum_x p_x \log \sum_z r_z e^{-s d(x,z)} - \log \max_z c_z` with
      :math:`c_z = \sum_x p_x e^{-s d(x,z)} / \sum_{z'} r_{z'} e^{-s d(x,z')}`
      (Blahut 1972, Thm 2; Csiszár 1974), maximised over the slopes visited.

    Edge cases are exact: :math:`R(D) = 0` for :math:`D \ge D_{\max} = \min_z \sum_x p_x d(x,z)`;
    at :math:`D = D_{\min} = \sum_x p_x \min_z d(x,z)` the test channel is restricted to each
    :math:`x`'s minimum-distortion letters (the limit :math:`s \to \infty`).

    Parameters
    ----------
    p : array_like (nx,)
        Source distribution.
    d : array_like (nx, nz)
        Non-negative finite distortion matrix ``d[x, z]``.
    D : float, optional
        Target distortion, ``D >= D_min``. Exactly one of ``D`` and ``slope`` must be given.
    slope : float, optional
        Lagrange slope ``s > 0`` in bits per unit distortion (``-s`` is the slope of
        :math:`R(D)` in bits); returns the point of the curve at that slope.
    tol : float, default 1e-9
        Target certified gap (bits).
    max_iter : int, default 100000
        Cap on the total number of Blahut iterations, over all solves of the bisection.
    max_bytes : int, optional
        Refuse problems whose working arrays exceed this (default 2 GiB).

    Returns
    -------
    RateDistortionResult
        ``rate = upper`` (achieved by ``Q``), ``lower``, ``upper``, ``distortion``, ``Q``,
        ``slope`` (bits per unit distortion), ``iterations``, ``converged``; ``extra`` holds
        ``d_min`` and ``d_max``.

    Raises
    ------
    TypeError
        non-real input.
    ValueError
        invalid ``p``; ``d`` not 2-D, empty, of the wrong number of rows, negative or not finite;
        neither or both of ``D`` and ``slope``; ``D < D_min`` (no test channel reaches it);
        ``slope <= 0``; ``tol <= 0``; ``max_iter < 1``; size over ``max_bytes``.

    Warns
    -----
    ConvergenceWarning
        when the certified gap is still above ``tol`` at the end (the bounds remain valid).

    References
    ----------
    R. E. Blahut, "Computation of channel capacity and rate-distortion functions",
    IEEE Trans. IT 18 (1972) 460–473, Thm 2 (lower bound) and §IV;
    I. Csiszár, "On the computation of rate-distortion functions", IEEE Trans. IT 20 (1974) 122–124;
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., 2006, §10.3 and §10.8.

    Examples
    --------
    >>> res = rate_distortion([0.5, 0.5], [[0, 1], [1, 0]], 0.11)   # R(D) = 1 - h(D)
    >>> from capacity.information import binary_entropy
    >>> bool(res.lower <= 1 - binary_entropy(0.11) <= res.upper), bool(res.gap <= 1e-9)
    (True, True)
    >>> rate_distortion([0.5, 0.5], [[0, 1], [1, 0]], 0.5).rate
    0.0
    """
    p, d = _check_rd_inputs(p, d, max_bytes)
    if (D is None) == (slope is None):
        raise ValueError(f"exactly one of `D` and `slope` must be given; got D={D!r}, slope={slope!r}")
    tol, max_iter = _check_common(tol, max_iter)
    d_min = float(p @ d.min(axis=1))
    d_max = float((p @ d).min())
    if slope is not None:
        s = check_real(slope, "slope", low=0.0, low_open=True) * LN2
        st, Q, its = _rd_at_slope(p, d, s, tol, max_iter)
        return _rd_result(st, st.D, Q, s, its, tol, max_iter, d_min, d_max)
    D = check_real(D, "D", low=0.0)
    if D < d_min - 1e-12 * max(1.0, abs(d_min)):
        raise ValueError(f"`D` must be >= D_min = {d_min!r} (the least achievable distortion); got {D!r}")
    D = max(D, d_min)
    st, iters = _rd_one(p, d, D, tol, max_iter)
    return _rd_result(st, D, st.Q, st.s, iters, tol, max_iter, d_min, d_max)


def _rd_result(st, D, Q, s, iters, tol, max_iter, d_min, d_max):
    """The RateDistortionResult (bits) of a finished state; warns (at rate_distortion's caller) if not converged."""
    lower, upper = st.lower / LN2, max(st.upper, st.lower) / LN2
    converged = bool(upper - lower <= tol)
    if not converged:
        warnings.warn(f"rate_distortion: certified gap {upper - lower:.3g} bits > tol={tol:g} "
                      f"(max_iter={max_iter}); bounds remain valid", ConvergenceWarning, stacklevel=3)
    return RateDistortionResult(upper, D, lower, upper, Q, s / LN2, iters, converged,
                                {"d_min": d_min, "d_max": d_max})


def _rd_at_slope(p, d, s, tol, max_iter):
    """One Blahut solve at slope s (nats per unit distortion): returns (state, Q, iterations)."""
    d_min_x = d.min(axis=1)
    nz = d.shape[1]
    st = _RDState(p, d, d_min_x, 0.0)
    A = -s * (d - d_min_x[:, None])
    log_r, logZ, log_c, its = _rd_blahut(p, A, np.full(nz, -math.log(nz)), tol * LN2 / 2, max_iter)
    Q = st.test_channel(log_r, A)
    st.D = st.distortion(Q)
    st.visit_lower(s, logZ, log_c)
    st.visit_Q(Q, s)
    return st, Q, its


def rate_distortion_curve(p, d, distortions, *, tol=1e-9, max_iter=100_000,
                          max_bytes=None) -> RateDistortionResult:
    r"""Certified :math:`R(D)` at several distortions (one :func:`rate_distortion` call each).

    :math:`R` is non-increasing and convex in :math:`D` (Cover & Thomas 2006, Lemma 10.4.1).

    Parameters
    ----------
    p : array_like (nx,)
        Source distribution.
    d : array_like (nx, nz)
        Distortion matrix.
    distortions : array_like (K,)
        Target distortions, each ``>= D_min``.
    tol, max_iter, max_bytes
        As in :func:`rate_distortion`.

    Returns
    -------
    RateDistortionResult
        Every field with a leading K axis (``Q`` is (K, nx, nz)).

    Raises
    ------
    TypeError, ValueError
        as :func:`rate_distortion`; ``distortions`` not 1-D, empty or not finite.

    Warns
    -----
    ConvergenceWarning
        once, when some distortion did not reach ``tol``.

    References
    ----------
    Blahut (1972); Cover & Thomas (2006), §10.8.

    Examples
    --------
    >>> res = rate_distortion_curve([0.5, 0.5], [[0, 1], [1, 0]], [0.0, 0.5])
    >>> np.round(res.rate, 9).tolist()
    [1.0, 0.0]
    """
    p, d = _check_rd_inputs(p, d, max_bytes)
    Ds = _as_float_array(distortions, "distortions")
    if Ds.ndim != 1 or Ds.size == 0:
        raise ValueError(f"`distortions` must be a non-empty 1-D array; got shape {Ds.shape}")
    check_finite(Ds, "distortions")
    tol, max_iter = _check_common(tol, max_iter)
    results = _solve_each(lambda D: rate_distortion(p, d, D, tol=tol, max_iter=max_iter, max_bytes=max_bytes),
                          Ds, "rate_distortion_curve", "distortions", tol)
    return stack_results(results, extra=results[0].extra)
